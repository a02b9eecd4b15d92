/* pol_ops.c: evaluating compiled conditions: the operators, three-valued, allocation-free. */
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "pol.h"

static const char *const pol_op_names[POL_OP_COUNT] = {
    "eq",           "ne",           "in",          "not_in",       "contains",
    "starts_with",  "ends_with",    "regex",       "glob",         "present",
    "absent",       "empty",        "gt",          "ge",           "lt",
    "le",           "older_than",   "newer_than",  "expires_within", "expired",
    "before",       "after",        "time_between", "weekday_in",  "cidr_public",
    "cidr_within",  "cidr_contains", "cidr_overlaps", "version_lt", "version_le",
    "version_gt",   "version_ge",   "version_eq",  "size_gt",      "size_ge",
    "size_lt",      "size_le",      "ports_include", "type"};

const char *pol_op_name(pol_op op)
{
    return op < POL_OP_COUNT ? pol_op_names[op] : "?";
}

int pol_op_find(const char *name)
{
    for (int i = 0; i < POL_OP_COUNT; i++)
        if (!strcmp(pol_op_names[i], name))
            return i;
    return -1;
}

const char *pol_op_list(void)
{
    static char list[1024];
    if (!list[0]) {
        size_t used = 0;
        for (int i = 0; i < POL_OP_COUNT; i++)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
                                     pol_op_names[i]);
    }
    return list;
}

typedef struct test_arg {
    const pol_cond *cond;
    pol_eval *ev;
} test_arg;

static const char *json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "a mapping";
    case JSON_ARRAY: return "a list";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE: return "true";
    case JSON_FALSE: return "false";
    default: return "null";
    }
}

/* Record why a test could not be decided (the first reason wins) and return POL_ERROR. */
static pol_truth undecided(test_arg *a, const json_t *value, const char *expected)
{
    pol_eval *ev = a->ev;
    if (!ev->has_error) {
        char shown[96] = "";
        if (json_is_string(value)) {
            const char *text = json_string_value(value);
            int keep = (int)fwkx_utf8_prefix(text, json_string_length(value), 60);
            snprintf(shown, sizeof shown, " \"%.*s\"", keep, text);
        }
        snprintf(ev->error, sizeof ev->error,
                 "%s:%d:%d: %s %s: expected %s, got %s%s", a->cond->src.file, a->cond->src.line,
                 a->cond->src.column, a->cond->path.text, pol_op_name(a->cond->op), expected,
                 json_type_name(value), shown);
        ev->has_error = true;
    }
    return POL_ERROR;
}

static bool values_equal(const json_t *a, const json_t *b, bool icase)
{
    if (json_is_number(a) && json_is_number(b))
        return json_number_value(a) == json_number_value(b);
    if (icase && json_is_string(a) && json_is_string(b))
        return json_string_length(a) == json_string_length(b) &&
               strcasecmp(json_string_value(a), json_string_value(b)) == 0;
    return json_equal((json_t *)a, (json_t *)b);
}

static bool in_list(const json_t *list, const json_t *value, bool icase)
{
    size_t i;
    const json_t *item;
    json_array_foreach(list, i, item) if (values_equal(item, value, icase)) return true;
    return false;
}

static pol_truth truth(bool b)
{
    return b ? POL_TRUE : POL_FALSE;
}

static bool is_empty(const json_t *v)
{
    return !v || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0) ||
           (json_is_array(v) && json_array_size(v) == 0) ||
           (json_is_object(v) && json_object_size(v) == 0);
}

static pol_truth op_string(test_arg *a, const json_t *v)
{
    const pol_cond *c = a->cond;
    if (!json_is_string(v))
        return undecided(a, v, "a string");
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    switch (c->op) {
    case POL_OP_STARTS_WITH:
        return truth(n >= c->text_len && (c->ignore_case ? strncasecmp(s, c->text, c->text_len)
                                                         : memcmp(s, c->text, c->text_len)) == 0);
    case POL_OP_ENDS_WITH:
        return truth(n >= c->text_len &&
                     (c->ignore_case ? strcasecmp(s + n - c->text_len, c->text)
                                     : memcmp(s + n - c->text_len, c->text, c->text_len)) == 0);
    case POL_OP_GLOB:
        return truth(fnmatch(c->text, s, c->ignore_case ? FNM_CASEFOLD : 0) == 0);
    case POL_OP_REGEX:
        return truth(regexec(&c->regex, s, 0, NULL, 0) == 0);
    default:
        return POL_ERROR;
    }
}

static pol_truth op_contains(test_arg *a, const json_t *v)
{
    const pol_cond *c = a->cond;
    if (json_is_array(v)) {
        size_t i;
        const json_t *item;
        json_array_foreach(v, i, item) if (values_equal(item, c->json, c->ignore_case)) return POL_TRUE;
        return POL_FALSE;
    }
    if (json_is_string(v) && json_is_string(c->json))
        return truth(c->ignore_case ? strcasestr(json_string_value(v), json_string_value(c->json)) != NULL
                                    : strstr(json_string_value(v), json_string_value(c->json)) != NULL);
    return undecided(a, v, json_is_string(c->json) ? "a string or a list" : "a list");
}

static pol_truth op_number(test_arg *a, const json_t *v)
{
    if (!json_is_number(v))
        return undecided(a, v, "a number");
    double x = json_number_value(v), y = a->cond->number;
    switch (a->cond->op) {
    case POL_OP_GT: return truth(x > y);
    case POL_OP_GE: return truth(x >= y);
    case POL_OP_LT: return truth(x < y);
    default: return truth(x <= y);
    }
}

static pol_truth op_time(test_arg *a, const json_t *v)
{
    const pol_cond *c = a->cond;
    pol_time t = {0, 0};
    if (json_is_number(v) && c->epoch_unit > 0) {
        double seconds = json_number_value(v) * c->epoch_unit;
        if (!(seconds > -1e13 && seconds < 1e13)) /* also NaN; about ±300,000 years */
            return undecided(a, v, "a time within 300,000 years of 1970");
        t.epoch = (int64_t)seconds;
        if ((double)t.epoch > seconds) /* round down, also before 1970 */
            t.epoch--;
    } else if (!json_is_string(v) || pol_time_parse(json_string_value(v), &t) != 0) {
        return undecided(a, v, c->epoch_unit > 0 ? "an RFC 3339 timestamp or a number"
                                                 : "an RFC 3339 timestamp");
    }
    int64_t now = a->ev->now;
    int minutes, weekday;
    switch (c->op) {
    case POL_OP_OLDER_THAN: return truth(pol_time_add(t.epoch, c->duration) < now);
    case POL_OP_NEWER_THAN: return truth(pol_time_add(t.epoch, c->duration) > now);
    case POL_OP_EXPIRES_WITHIN: {
        pol_duration d = c->duration;
        return truth(t.epoch < pol_time_add(now, d));
    }
    case POL_OP_EXPIRED: return truth((t.epoch <= now) == c->flag);
    case POL_OP_BEFORE: return truth(t.epoch < c->instant);
    case POL_OP_AFTER: return truth(t.epoch > c->instant);
    case POL_OP_TIME_BETWEEN:
        pol_time_local(&t, &minutes, &weekday);
        if (c->tod_start <= c->tod_end)
            return truth(minutes >= c->tod_start && minutes < c->tod_end);
        return truth(minutes >= c->tod_start || minutes < c->tod_end);
    default:
        pol_time_local(&t, &minutes, &weekday);
        return truth((c->weekdays >> weekday) & 1u);
    }
}

static pol_truth op_cidr(test_arg *a, const json_t *v)
{
    const pol_cond *c = a->cond;
    pol_cidr range;
    if (!json_is_string(v) || pol_cidr_parse(json_string_value(v), &range) != 0)
        return undecided(a, v, "an IP address or CIDR range");
    if (c->op == POL_OP_CIDR_PUBLIC)
        return truth(pol_cidr_public(&range) == c->flag);
    for (size_t i = 0; i < c->cidr_count; i++) {
        bool hit = c->op == POL_OP_CIDR_WITHIN     ? pol_cidr_contains(&c->cidrs[i], &range)
                   : c->op == POL_OP_CIDR_CONTAINS ? pol_cidr_contains(&range, &c->cidrs[i])
                                                   : pol_cidr_overlaps(&range, &c->cidrs[i]);
        if (hit)
            return POL_TRUE;
    }
    return POL_FALSE;
}

static pol_truth op_version(test_arg *a, const json_t *v)
{
    pol_version version;
    if (!json_is_string(v) || pol_version_parse(json_string_value(v), &version) != 0)
        return undecided(a, v, "a version such as 1.30.4");
    int c = pol_version_compare(&version, &a->cond->version);
    switch (a->cond->op) {
    case POL_OP_VERSION_LT: return truth(c < 0);
    case POL_OP_VERSION_LE: return truth(c <= 0);
    case POL_OP_VERSION_GT: return truth(c > 0);
    case POL_OP_VERSION_GE: return truth(c >= 0);
    default: return truth(c == 0);
    }
}

static pol_truth op_size(test_arg *a, const json_t *v)
{
    double bytes;
    if (json_is_number(v))
        bytes = json_number_value(v) * a->cond->unit_bytes;
    else if (!json_is_string(v) || pol_size_parse(json_string_value(v), &bytes) != 0)
        return undecided(a, v, "a size such as 100GiB or a number");
    double y = a->cond->number;
    switch (a->cond->op) {
    case POL_OP_SIZE_GT: return truth(bytes > y);
    case POL_OP_SIZE_GE: return truth(bytes >= y);
    case POL_OP_SIZE_LT: return truth(bytes < y);
    default: return truth(bytes <= y);
    }
}

/* Does one port spec (number, "22", "20-30", "all") cover one of the wanted ports? */
static pol_truth port_spec(test_arg *a, const json_t *v)
{
    long lo, hi;
    char number[32];
    const char *text = json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(number, sizeof number, "%lld", (long long)json_integer_value(v));
        text = number;
    }
    if (!text || pol_port_range(text, &lo, &hi) != 0)
        return undecided(a, v, "a port spec (22, \"20-30\", \"all\") or a list of them");
    for (size_t i = 0; i < a->cond->port_count; i++)
        if (a->cond->ports[i] >= lo && a->cond->ports[i] <= hi)
            return POL_TRUE;
    return POL_FALSE;
}

static pol_truth op_ports(test_arg *a, const json_t *v)
{
    if (!json_is_array(v))
        return port_spec(a, v);
    bool any_error = false;
    size_t i;
    const json_t *item;
    json_array_foreach(v, i, item)
    {
        pol_truth t = port_spec(a, item);
        if (t == POL_TRUE)
            return POL_TRUE;
        any_error |= t == POL_ERROR;
    }
    return any_error ? POL_ERROR : POL_FALSE;
}

/* One value reached by a test's path (NULL: missing or null). */
static pol_truth test_value(const json_t *v, void *arg)
{
    test_arg *a = arg;
    const pol_cond *c = a->cond;
    switch (c->op) {
    case POL_OP_PRESENT: return truth((v != NULL) == c->flag);
    case POL_OP_ABSENT: return truth((v == NULL) == c->flag);
    case POL_OP_EMPTY: return truth(is_empty(v) == c->flag);
    case POL_OP_EQ: return v ? truth(values_equal(v, c->json, c->ignore_case)) : truth(json_is_null(c->json));
    case POL_OP_NE: return v ? truth(!values_equal(v, c->json, c->ignore_case)) : POL_FALSE;
    default: break;
    }
    if (!v)
        return POL_FALSE;
    switch (c->op) {
    case POL_OP_IN: return truth(in_list(c->json, v, c->ignore_case));
    case POL_OP_NOT_IN: return truth(!in_list(c->json, v, c->ignore_case));
    case POL_OP_CONTAINS: return op_contains(a, v);
    case POL_OP_STARTS_WITH:
    case POL_OP_ENDS_WITH:
    case POL_OP_REGEX:
    case POL_OP_GLOB: return op_string(a, v);
    case POL_OP_GT:
    case POL_OP_GE:
    case POL_OP_LT:
    case POL_OP_LE: return op_number(a, v);
    case POL_OP_OLDER_THAN:
    case POL_OP_NEWER_THAN:
    case POL_OP_EXPIRES_WITHIN:
    case POL_OP_EXPIRED:
    case POL_OP_BEFORE:
    case POL_OP_AFTER:
    case POL_OP_TIME_BETWEEN:
    case POL_OP_WEEKDAY_IN: return op_time(a, v);
    case POL_OP_CIDR_PUBLIC:
    case POL_OP_CIDR_WITHIN:
    case POL_OP_CIDR_CONTAINS:
    case POL_OP_CIDR_OVERLAPS: return op_cidr(a, v);
    case POL_OP_VERSION_LT:
    case POL_OP_VERSION_LE:
    case POL_OP_VERSION_GT:
    case POL_OP_VERSION_GE:
    case POL_OP_VERSION_EQ: return op_version(a, v);
    case POL_OP_PORTS_INCLUDE: return op_ports(a, v);
    case POL_OP_TYPE: return truth((c->types >> json_typeof(v)) & 1u);
    default: return op_size(a, v);
    }
}

typedef struct elem_arg {
    const pol_cond *cond;
    pol_eval *ev;
    size_t count;
} elem_arg;

/* some/every/none: the value at the path must be an array (missing: empty). */
static pol_truth quantify(const json_t *v, void *arg)
{
    elem_arg *a = arg;
    const pol_cond *c = a->cond;
    if (v && !json_is_array(v)) {
        test_arg t = {c, a->ev};
        return undecided(&t, v, "a list");
    }
    bool any_error = false;
    size_t i;
    const json_t *item;
    json_array_foreach(v, i, item)
    {
        pol_truth r = pol_cond_eval(c->children[0], a->ev, item);
        if (r == POL_ERROR) {
            any_error = true;
            continue;
        }
        if (c->kind == POL_C_SOME && r == POL_TRUE)
            return POL_TRUE;
        if (c->kind == POL_C_EVERY && r == POL_FALSE)
            return POL_FALSE;
        if (c->kind == POL_C_NONE && r == POL_TRUE)
            return POL_FALSE;
    }
    if (any_error)
        return POL_ERROR;
    return c->kind == POL_C_SOME ? POL_FALSE : POL_TRUE;
}

pol_truth pol_cond_eval(const pol_cond *cond, pol_eval *ev, const json_t *here)
{
    pol_truth result;
    bool any_error = false;
    switch (cond->kind) {
    case POL_C_ALL:
        for (size_t i = 0; i < cond->child_count; i++) {
            result = pol_cond_eval(cond->children[i], ev, here);
            if (result == POL_FALSE)
                return POL_FALSE;
            any_error |= result == POL_ERROR;
        }
        return any_error ? POL_ERROR : POL_TRUE;
    case POL_C_ANY:
        for (size_t i = 0; i < cond->child_count; i++) {
            result = pol_cond_eval(cond->children[i], ev, here);
            if (result == POL_TRUE)
                return POL_TRUE;
            any_error |= result == POL_ERROR;
        }
        return any_error ? POL_ERROR : POL_FALSE;
    case POL_C_NOT:
        result = pol_cond_eval(cond->children[0], ev, here);
        return result == POL_ERROR ? POL_ERROR : result == POL_TRUE ? POL_FALSE : POL_TRUE;
    case POL_C_TEST: {
        test_arg a = {cond, ev};
        return pol_path_eval(&cond->path, ev, here, cond->for_all,
                             test_value, &a);
    }
    default: {
        elem_arg a = {cond, ev, 0};
        return pol_path_eval(&cond->path, ev, here, false, quantify, &a);
    }
    }
}
