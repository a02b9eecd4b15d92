/* policy_ops.c: evaluating compiled conditions: the operators, three-valued, allocation-free. */
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "policy.h"

static const char *const policy_op_names[POLICY_OP_COUNT] = {"eq",
                                                             "ne",
                                                             "in",
                                                             "not_in",
                                                             "contains",
                                                             "starts_with",
                                                             "ends_with",
                                                             "regex",
                                                             "glob",
                                                             "present",
                                                             "absent",
                                                             "empty",
                                                             "gt",
                                                             "ge",
                                                             "lt",
                                                             "le",
                                                             "older_than",
                                                             "newer_than",
                                                             "expires_within",
                                                             "expired",
                                                             "before",
                                                             "after",
                                                             "time_between",
                                                             "weekday_in",
                                                             "cidr_public",
                                                             "cidr_within",
                                                             "cidr_contains",
                                                             "cidr_overlaps",
                                                             "version_lt",
                                                             "version_le",
                                                             "version_gt",
                                                             "version_ge",
                                                             "version_eq",
                                                             "size_gt",
                                                             "size_ge",
                                                             "size_lt",
                                                             "size_le",
                                                             "ports_include",
                                                             "type"};

const char *policy_op_name(policy_op op)
{
    return op < POLICY_OP_COUNT ? policy_op_names[op] : "?";
}

int policy_op_find(const char *name)
{
    for (int i = 0; i < POLICY_OP_COUNT; i++)
        if (!strcmp(policy_op_names[i], name))
            return i;
    return -1;
}

const char *policy_op_list(void)
{
    static char list[1024];
    if (!list[0]) {
        size_t used = 0;
        for (int i = 0; i < POLICY_OP_COUNT; i++)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
                                     policy_op_names[i]);
    }
    return list;
}

typedef struct test_arg {
    const policy_cond *cond;
    policy_eval *ev;
} test_arg;

static const char *json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "a mapping";
    case JSON_ARRAY:
        return "a list";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
        return "true";
    case JSON_FALSE:
        return "false";
    default:
        return "null";
    }
}

/* Record why a test could not be decided (the first reason wins) and return POLICY_ERROR. */
static policy_truth undecided(test_arg *a, const json_t *value, const char *expected)
{
    policy_eval *ev = a->ev;
    if (!ev->has_error) {
        char shown[96] = "";
        if (json_is_string(value)) {
            const char *text = json_string_value(value);
            int keep = (int)fwkx_utf8_prefix(text, json_string_length(value), 60);
            snprintf(shown, sizeof shown, " \"%.*s\"", keep, text);
        }
        snprintf(ev->error, sizeof ev->error, "%s:%d:%d: %s %s: expected %s, got %s%s",
                 a->cond->src.file, a->cond->src.line, a->cond->src.column, a->cond->path.text,
                 policy_op_name(a->cond->op), expected, json_type_name(value), shown);
        ev->has_error = true;
    }
    return POLICY_ERROR;
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
    json_array_foreach (list, i, item)
        if (values_equal(item, value, icase))
            return true;
    return false;
}

static policy_truth truth(bool b)
{
    return b ? POLICY_TRUE : POLICY_FALSE;
}

static bool is_empty(const json_t *v)
{
    return !v || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0) ||
           (json_is_array(v) && json_array_size(v) == 0) ||
           (json_is_object(v) && json_object_size(v) == 0);
}

static policy_truth op_string(test_arg *a, const json_t *v)
{
    const policy_cond *c = a->cond;
    if (!json_is_string(v))
        return undecided(a, v, "a string");
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    switch (c->op) {
    case POLICY_OP_STARTS_WITH:
        return truth(n >= c->text_len && (c->ignore_case ? strncasecmp(s, c->text, c->text_len)
                                                         : memcmp(s, c->text, c->text_len)) == 0);
    case POLICY_OP_ENDS_WITH:
        return truth(n >= c->text_len &&
                     (c->ignore_case ? strcasecmp(s + n - c->text_len, c->text)
                                     : memcmp(s + n - c->text_len, c->text, c->text_len)) == 0);
    case POLICY_OP_GLOB:
        return truth(fnmatch(c->text, s, c->ignore_case ? FNM_CASEFOLD : 0) == 0);
    case POLICY_OP_REGEX:
        return truth(regexec(&c->regex, s, 0, NULL, 0) == 0);
    default:
        return POLICY_ERROR;
    }
}

static policy_truth op_contains(test_arg *a, const json_t *v)
{
    const policy_cond *c = a->cond;
    if (json_is_array(v)) {
        size_t i;
        const json_t *item;
        json_array_foreach (v, i, item)
            if (values_equal(item, c->json, c->ignore_case))
                return POLICY_TRUE;
        return POLICY_FALSE;
    }
    if (json_is_string(v) && json_is_string(c->json))
        return truth(c->ignore_case
                         ? strcasestr(json_string_value(v), json_string_value(c->json)) != NULL
                         : strstr(json_string_value(v), json_string_value(c->json)) != NULL);
    return undecided(a, v, json_is_string(c->json) ? "a string or a list" : "a list");
}

static policy_truth op_number(test_arg *a, const json_t *v)
{
    if (!json_is_number(v))
        return undecided(a, v, "a number");
    double x = json_number_value(v), y = a->cond->number;
    switch (a->cond->op) {
    case POLICY_OP_GT:
        return truth(x > y);
    case POLICY_OP_GE:
        return truth(x >= y);
    case POLICY_OP_LT:
        return truth(x < y);
    default:
        return truth(x <= y);
    }
}

static policy_truth op_time(test_arg *a, const json_t *v)
{
    const policy_cond *c = a->cond;
    policy_time t = {0, 0};
    if (json_is_number(v) && c->epoch_unit > 0) {
        double seconds = json_number_value(v) * c->epoch_unit;
        if (!(seconds > -1e13 && seconds < 1e13)) /* also NaN; about ±300,000 years */
            return undecided(a, v, "a time within 300,000 years of 1970");
        t.epoch = (int64_t)seconds;
        if ((double)t.epoch > seconds) /* round down, also before 1970 */
            t.epoch--;
    } else if (!json_is_string(v) || policy_time_parse(json_string_value(v), &t) != 0) {
        return undecided(a, v,
                         c->epoch_unit > 0 ? "an RFC 3339 timestamp or a number"
                                           : "an RFC 3339 timestamp");
    }
    int64_t now = a->ev->now;
    int minutes, weekday;
    switch (c->op) {
    case POLICY_OP_OLDER_THAN:
        return truth(policy_time_add(t.epoch, c->duration) < now);
    case POLICY_OP_NEWER_THAN:
        return truth(policy_time_add(t.epoch, c->duration) > now);
    case POLICY_OP_EXPIRES_WITHIN: {
        policy_duration d = c->duration;
        return truth(t.epoch < policy_time_add(now, d));
    }
    case POLICY_OP_EXPIRED:
        return truth((t.epoch <= now) == c->flag);
    case POLICY_OP_BEFORE:
        return truth(t.epoch < c->instant);
    case POLICY_OP_AFTER:
        return truth(t.epoch > c->instant);
    case POLICY_OP_TIME_BETWEEN:
        policy_time_local(&t, &minutes, &weekday);
        if (c->tod_start <= c->tod_end)
            return truth(minutes >= c->tod_start && minutes < c->tod_end);
        return truth(minutes >= c->tod_start || minutes < c->tod_end);
    default:
        policy_time_local(&t, &minutes, &weekday);
        return truth((c->weekdays >> weekday) & 1u);
    }
}

static policy_truth op_cidr(test_arg *a, const json_t *v)
{
    const policy_cond *c = a->cond;
    policy_cidr range;
    if (!json_is_string(v) || policy_cidr_parse(json_string_value(v), &range) != 0)
        return undecided(a, v, "an IP address or CIDR range");
    if (c->op == POLICY_OP_CIDR_PUBLIC)
        return truth(policy_cidr_public(&range) == c->flag);
    for (size_t i = 0; i < c->cidr_count; i++) {
        bool hit = c->op == POLICY_OP_CIDR_WITHIN     ? policy_cidr_contains(&c->cidrs[i], &range)
                   : c->op == POLICY_OP_CIDR_CONTAINS ? policy_cidr_contains(&range, &c->cidrs[i])
                                                      : policy_cidr_overlaps(&range, &c->cidrs[i]);
        if (hit)
            return POLICY_TRUE;
    }
    return POLICY_FALSE;
}

static policy_truth op_version(test_arg *a, const json_t *v)
{
    policy_version version;
    if (!json_is_string(v) || policy_version_parse(json_string_value(v), &version) != 0)
        return undecided(a, v, "a version such as 1.30.4");
    int c = policy_version_compare(&version, &a->cond->version);
    switch (a->cond->op) {
    case POLICY_OP_VERSION_LT:
        return truth(c < 0);
    case POLICY_OP_VERSION_LE:
        return truth(c <= 0);
    case POLICY_OP_VERSION_GT:
        return truth(c > 0);
    case POLICY_OP_VERSION_GE:
        return truth(c >= 0);
    default:
        return truth(c == 0);
    }
}

static policy_truth op_size(test_arg *a, const json_t *v)
{
    double bytes;
    if (json_is_number(v))
        bytes = json_number_value(v) * a->cond->unit_bytes;
    else if (!json_is_string(v) || policy_size_parse(json_string_value(v), &bytes) != 0)
        return undecided(a, v, "a size such as 100GiB or a number");
    double y = a->cond->number;
    switch (a->cond->op) {
    case POLICY_OP_SIZE_GT:
        return truth(bytes > y);
    case POLICY_OP_SIZE_GE:
        return truth(bytes >= y);
    case POLICY_OP_SIZE_LT:
        return truth(bytes < y);
    default:
        return truth(bytes <= y);
    }
}

/* Does one port spec (number, "22", "20-30", "all") cover one of the wanted ports? */
static policy_truth port_spec(test_arg *a, const json_t *v)
{
    long lo, hi;
    char number[32];
    const char *text = json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(number, sizeof number, "%lld", (long long)json_integer_value(v));
        text = number;
    }
    if (!text || policy_port_range(text, &lo, &hi) != 0)
        return undecided(a, v, "a port spec (22, \"20-30\", \"all\") or a list of them");
    for (size_t i = 0; i < a->cond->port_count; i++)
        if (a->cond->ports[i] >= lo && a->cond->ports[i] <= hi)
            return POLICY_TRUE;
    return POLICY_FALSE;
}

static policy_truth op_ports(test_arg *a, const json_t *v)
{
    if (!json_is_array(v))
        return port_spec(a, v);
    bool any_error = false;
    size_t i;
    const json_t *item;
    json_array_foreach (v, i, item) {
        policy_truth t = port_spec(a, item);
        if (t == POLICY_TRUE)
            return POLICY_TRUE;
        any_error |= t == POLICY_ERROR;
    }
    return any_error ? POLICY_ERROR : POLICY_FALSE;
}

/* One value reached by a test's path (NULL: missing or null). */
static policy_truth test_value(const json_t *v, void *arg)
{
    test_arg *a = arg;
    const policy_cond *c = a->cond;
    switch (c->op) {
    case POLICY_OP_PRESENT:
        return truth((v != NULL) == c->flag);
    case POLICY_OP_ABSENT:
        return truth((v == NULL) == c->flag);
    case POLICY_OP_EMPTY:
        return truth(is_empty(v) == c->flag);
    case POLICY_OP_EQ:
        return v ? truth(values_equal(v, c->json, c->ignore_case)) : truth(json_is_null(c->json));
    case POLICY_OP_NE:
        return v ? truth(!values_equal(v, c->json, c->ignore_case)) : POLICY_FALSE;
    default:
        break;
    }
    if (!v)
        return POLICY_FALSE;
    switch (c->op) {
    case POLICY_OP_IN:
        return truth(in_list(c->json, v, c->ignore_case));
    case POLICY_OP_NOT_IN:
        return truth(!in_list(c->json, v, c->ignore_case));
    case POLICY_OP_CONTAINS:
        return op_contains(a, v);
    case POLICY_OP_STARTS_WITH:
    case POLICY_OP_ENDS_WITH:
    case POLICY_OP_REGEX:
    case POLICY_OP_GLOB:
        return op_string(a, v);
    case POLICY_OP_GT:
    case POLICY_OP_GE:
    case POLICY_OP_LT:
    case POLICY_OP_LE:
        return op_number(a, v);
    case POLICY_OP_OLDER_THAN:
    case POLICY_OP_NEWER_THAN:
    case POLICY_OP_EXPIRES_WITHIN:
    case POLICY_OP_EXPIRED:
    case POLICY_OP_BEFORE:
    case POLICY_OP_AFTER:
    case POLICY_OP_TIME_BETWEEN:
    case POLICY_OP_WEEKDAY_IN:
        return op_time(a, v);
    case POLICY_OP_CIDR_PUBLIC:
    case POLICY_OP_CIDR_WITHIN:
    case POLICY_OP_CIDR_CONTAINS:
    case POLICY_OP_CIDR_OVERLAPS:
        return op_cidr(a, v);
    case POLICY_OP_VERSION_LT:
    case POLICY_OP_VERSION_LE:
    case POLICY_OP_VERSION_GT:
    case POLICY_OP_VERSION_GE:
    case POLICY_OP_VERSION_EQ:
        return op_version(a, v);
    case POLICY_OP_PORTS_INCLUDE:
        return op_ports(a, v);
    case POLICY_OP_TYPE:
        return truth((c->types >> json_typeof(v)) & 1u);
    default:
        return op_size(a, v);
    }
}

typedef struct elem_arg {
    const policy_cond *cond;
    policy_eval *ev;
    size_t count;
} elem_arg;

/* some/every/none: the value at the path must be an array (missing: empty). */
static policy_truth quantify(const json_t *v, void *arg)
{
    elem_arg *a = arg;
    const policy_cond *c = a->cond;
    if (v && !json_is_array(v)) {
        test_arg t = {c, a->ev};
        return undecided(&t, v, "a list");
    }
    bool any_error = false;
    size_t i;
    const json_t *item;
    json_array_foreach (v, i, item) {
        policy_truth r = policy_cond_eval(c->children[0], a->ev, item);
        if (r == POLICY_ERROR) {
            any_error = true;
            continue;
        }
        if (c->kind == POLICY_C_SOME && r == POLICY_TRUE)
            return POLICY_TRUE;
        if (c->kind == POLICY_C_EVERY && r == POLICY_FALSE)
            return POLICY_FALSE;
        if (c->kind == POLICY_C_NONE && r == POLICY_TRUE)
            return POLICY_FALSE;
    }
    if (any_error)
        return POLICY_ERROR;
    return c->kind == POLICY_C_SOME ? POLICY_FALSE : POLICY_TRUE;
}

policy_truth policy_cond_eval(const policy_cond *cond, policy_eval *ev, const json_t *here)
{
    policy_truth result;
    bool any_error = false;
    switch (cond->kind) {
    case POLICY_C_ALL:
        for (size_t i = 0; i < cond->child_count; i++) {
            result = policy_cond_eval(cond->children[i], ev, here);
            if (result == POLICY_FALSE)
                return POLICY_FALSE;
            any_error |= result == POLICY_ERROR;
        }
        return any_error ? POLICY_ERROR : POLICY_TRUE;
    case POLICY_C_ANY:
        for (size_t i = 0; i < cond->child_count; i++) {
            result = policy_cond_eval(cond->children[i], ev, here);
            if (result == POLICY_TRUE)
                return POLICY_TRUE;
            any_error |= result == POLICY_ERROR;
        }
        return any_error ? POLICY_ERROR : POLICY_FALSE;
    case POLICY_C_NOT:
        result = policy_cond_eval(cond->children[0], ev, here);
        return result == POLICY_ERROR  ? POLICY_ERROR
               : result == POLICY_TRUE ? POLICY_FALSE
                                       : POLICY_TRUE;
    case POLICY_C_TEST: {
        test_arg a = {cond, ev};
        return policy_path_eval(&cond->path, ev, here, cond->for_all, test_value, &a);
    }
    default: {
        elem_arg a = {cond, ev, 0};
        return policy_path_eval(&cond->path, ev, here, false, quantify, &a);
    }
    }
}
