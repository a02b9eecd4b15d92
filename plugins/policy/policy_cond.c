/* policy_cond.c: compiling conditions: one operator per test, operands typed and checked once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

static policy_cond *cond_new(policy_loader *ld, const policy_ynode *node, policy_cond_kind kind)
{
    policy_cond *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->kind = kind;
    c->src = (policy_src){ld->file, node->line, node->column};
    c->unit_bytes = 1.0;
    return c;
}

void policy_cond_free(policy_cond *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->child_count; i++)
        policy_cond_free(c->children[i]);
    free(c->children);
    policy_path_free(&c->path);
    json_decref(c->json);
    free(c->text);
    if (c->has_regex)
        regfree(&c->regex);
    free(c->cidrs);
    free(c->version.pre_owned);
    free(c->ports);
    free(c);
}

static int add_child(policy_cond *c, policy_cond *child)
{
    policy_cond **children = realloc(c->children, (c->child_count + 1) * sizeof *children);
    if (!children) {
        policy_cond_free(child);
        return -1;
    }
    c->children = children;
    children[c->child_count++] = child;
    return 0;
}

static policy_cond *compile_list(policy_loader *ld, const policy_ynode *node, const char *where,
                                 policy_cond_kind kind)
{
    if (node->type != POLICY_Y_SEQ || node->count == 0) {
        policy_fail(ld, node, "%s: expected a non-empty list of conditions, got %s", where,
                    node->type == POLICY_Y_SEQ ? "an empty list" : policy_ynode_type_name(node));
        return NULL;
    }
    policy_cond *c = cond_new(ld, node, kind);
    for (size_t i = 0; c && i < node->count; i++) {
        char child_where[256];
        snprintf(child_where, sizeof child_where, "%s[%zu]", where, i);
        policy_cond *child = policy_cond_compile(ld, node->items[i], child_where);
        if (!child || add_child(c, child) != 0) {
            policy_cond_free(c);
            return NULL;
        }
    }
    return c;
}

static bool is_string_op(policy_op op)
{
    return op == POLICY_OP_EQ || op == POLICY_OP_NE || op == POLICY_OP_IN ||
           op == POLICY_OP_NOT_IN || op == POLICY_OP_CONTAINS || op == POLICY_OP_STARTS_WITH ||
           op == POLICY_OP_ENDS_WITH || op == POLICY_OP_GLOB || op == POLICY_OP_REGEX;
}

static bool is_size_op(policy_op op)
{
    return op >= POLICY_OP_SIZE_GT && op <= POLICY_OP_SIZE_LE;
}

static bool is_time_op(policy_op op)
{
    return op >= POLICY_OP_OLDER_THAN && op <= POLICY_OP_WEEKDAY_IN;
}

static int want_bool(policy_loader *ld, const policy_ynode *v, const char *where, bool *out)
{
    if (v->type == POLICY_Y_SCALAR && v->plain && !strcmp(v->scalar, "true")) {
        *out = true;
        return 0;
    }
    if (v->type == POLICY_Y_SCALAR && v->plain && !strcmp(v->scalar, "false")) {
        *out = false;
        return 0;
    }
    return policy_fail(ld, v, "%s: expected true or false, got %s%s%s%s", where,
                       policy_ynode_type_name(v), v->scalar ? " \"" : "",
                       v->scalar ? v->scalar : "", v->scalar ? "\"" : "");
}

static int want_string(policy_loader *ld, const policy_ynode *v, const char *where,
                       const char *what)
{
    if (policy_ynode_is_string(v))
        return 0;
    return policy_fail(ld, v, "%s: expected %s, got %s", where, what, policy_ynode_type_name(v));
}

static int compile_json(policy_loader *ld, policy_cond *c, const policy_ynode *v, const char *where)
{
    const char *problem = NULL;
    if (c->op == POLICY_OP_IN || c->op == POLICY_OP_NOT_IN) {
        if (v->type != POLICY_Y_SEQ)
            return policy_fail(ld, v, "%s: expected a list of values, got %s%s%s%s", where,
                               policy_ynode_type_name(v), v->scalar ? " \"" : "",
                               v->scalar ? v->scalar : "", v->scalar ? "\"" : "");
    } else if (c->op == POLICY_OP_CONTAINS && v->type != POLICY_Y_SCALAR) {
        return policy_fail(ld, v, "%s: expected a string, number or boolean, got %s", where,
                           policy_ynode_type_name(v));
    }
    c->json = policy_ynode_json(v, &problem);
    if (!c->json)
        return policy_fail(ld, v, "%s: %s", where, problem ? problem : "out of memory");
    if (c->op == POLICY_OP_CONTAINS && json_is_null(c->json))
        return policy_fail(ld, v,
                           "%s: expected a string, number or boolean, got null; use "
                           "absent: true to test for a missing value",
                           where);
    return 0;
}

static int compile_cidrs(policy_loader *ld, policy_cond *c, const policy_ynode *v,
                         const char *where)
{
    size_t n = v->type == POLICY_Y_SEQ ? v->count : 1;
    if (v->type == POLICY_Y_MAP || n == 0)
        return policy_fail(ld, v, "%s: expected a CIDR range or a list of them, got %s", where,
                           v->type == POLICY_Y_MAP ? "a mapping" : "an empty list");
    c->cidrs = calloc(n, sizeof *c->cidrs);
    if (!c->cidrs)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const policy_ynode *item = v->type == POLICY_Y_SEQ ? v->items[i] : v;
        if (!policy_ynode_is_string(item) || policy_cidr_parse(item->scalar, &c->cidrs[i]) != 0)
            return policy_fail(ld, item,
                               "%s: expected an IP address or CIDR range such as 10.0.0.0/8 or "
                               "2001:db8::/32, got %s%s%s%s",
                               where, policy_ynode_type_name(item), item->scalar ? " \"" : "",
                               item->scalar ? item->scalar : "", item->scalar ? "\"" : "");
        c->cidr_count++;
    }
    return 0;
}

static int compile_weekdays(policy_loader *ld, policy_cond *c, const policy_ynode *v,
                            const char *where)
{
    static const char *const days[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
    if (v->type != POLICY_Y_SEQ || v->count == 0)
        return policy_fail(ld, v, "%s: expected a list of days (mon, tue, ...), got %s", where,
                           v->type == POLICY_Y_SEQ ? "an empty list" : policy_ynode_type_name(v));
    for (size_t i = 0; i < v->count; i++) {
        const policy_ynode *item = v->items[i];
        int day = -1;
        for (int d = 0; d < 7 && item->type == POLICY_Y_SCALAR; d++)
            if (!strcmp(item->scalar, days[d]))
                day = d;
        if (day < 0)
            return policy_fail(ld, item,
                               "%s: expected one of mon, tue, wed, thu, fri, sat, sun, "
                               "got %s%s%s%s",
                               where, policy_ynode_type_name(item), item->scalar ? " \"" : "",
                               item->scalar ? item->scalar : "", item->scalar ? "\"" : "");
        c->weekdays |= 1u << day;
    }
    return 0;
}

/* type: one name or a list; "number" is integer or real, "boolean" true or false. */
static int compile_types(policy_loader *ld, policy_cond *c, const policy_ynode *v,
                         const char *where)
{
    static const struct {
        const char *name;
        unsigned bits;
    } types[] = {{"string", 1u << JSON_STRING},   {"number", 1u << JSON_INTEGER | 1u << JSON_REAL},
                 {"integer", 1u << JSON_INTEGER}, {"boolean", 1u << JSON_TRUE | 1u << JSON_FALSE},
                 {"list", 1u << JSON_ARRAY},      {"array", 1u << JSON_ARRAY},
                 {"mapping", 1u << JSON_OBJECT},  {"object", 1u << JSON_OBJECT}};
    size_t count = v->type == POLICY_Y_SEQ ? v->count : 1;
    if (v->type == POLICY_Y_SEQ && count == 0)
        return policy_fail(ld, v, "%s: expected a type name or a list of them, got an empty list",
                           where);
    for (size_t i = 0; i < count; i++) {
        const policy_ynode *item = v->type == POLICY_Y_SEQ ? v->items[i] : v;
        unsigned bits = 0;
        for (size_t t = 0; t < sizeof types / sizeof types[0] && item->type == POLICY_Y_SCALAR; t++)
            if (!strcmp(item->scalar, types[t].name))
                bits = types[t].bits;
        if (!bits)
            return policy_fail(ld, item,
                               "%s: expected string, number, integer, boolean, list "
                               "(array) or mapping (object), got %s%s%s%s",
                               where, policy_ynode_type_name(item), item->scalar ? " \"" : "",
                               item->scalar ? item->scalar : "", item->scalar ? "\"" : "");
        c->types |= bits;
    }
    return 0;
}

static int compile_time_between(policy_loader *ld, policy_cond *c, const policy_ynode *v,
                                const char *where)
{
    if (v->type != POLICY_Y_SEQ || v->count != 2)
        return policy_fail(ld, v, "%s: expected [\"HH:MM\", \"HH:MM\"], got %s", where,
                           policy_ynode_type_name(v));
    for (int i = 0; i < 2; i++) {
        const policy_ynode *item = v->items[i];
        int minutes = item->type == POLICY_Y_SCALAR ? policy_time_of_day_parse(item->scalar) : -1;
        if (minutes < 0)
            return policy_fail(ld, item,
                               "%s: expected a time of day \"HH:MM\" (00:00 to 24:00), "
                               "got %s%s%s%s",
                               where, policy_ynode_type_name(item), item->scalar ? " \"" : "",
                               item->scalar ? item->scalar : "", item->scalar ? "\"" : "");
        *(i ? &c->tod_end : &c->tod_start) = minutes;
    }
    if (c->tod_start == c->tod_end)
        return policy_fail(ld, v, "%s: the start and end are equal, so no time is between them",
                           where);
    return 0;
}

static int compile_ports(policy_loader *ld, policy_cond *c, const policy_ynode *v,
                         const char *where)
{
    size_t n = v->type == POLICY_Y_SEQ ? v->count : 1;
    if (v->type == POLICY_Y_MAP || n == 0)
        return policy_fail(ld, v, "%s: expected a port or a list of ports, got %s", where,
                           v->type == POLICY_Y_MAP ? "a mapping" : "an empty list");
    c->ports = calloc(n, sizeof *c->ports);
    if (!c->ports)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const policy_ynode *item = v->type == POLICY_Y_SEQ ? v->items[i] : v;
        char *end = NULL;
        long port =
            item->type == POLICY_Y_SCALAR && item->plain ? strtol(item->scalar, &end, 10) : -1;
        if (!end || end == item->scalar || *end || port < 0 || port > 65535)
            return policy_fail(ld, item, "%s: expected a port number 0 to 65535, got %s%s%s%s",
                               where, policy_ynode_type_name(item), item->scalar ? " \"" : "",
                               item->scalar ? item->scalar : "", item->scalar ? "\"" : "");
        c->ports[c->port_count++] = (int)port;
    }
    return 0;
}

/* The operand of a test, by operator. */
static int compile_operand(policy_loader *ld, policy_cond *c, const policy_ynode *v,
                           const char *where)
{
    policy_time t;
    switch (c->op) {
    case POLICY_OP_EQ:
    case POLICY_OP_NE:
    case POLICY_OP_IN:
    case POLICY_OP_NOT_IN:
    case POLICY_OP_CONTAINS:
        return compile_json(ld, c, v, where);
    case POLICY_OP_STARTS_WITH:
    case POLICY_OP_ENDS_WITH:
    case POLICY_OP_GLOB:
        if (want_string(ld, v, where, "a string") != 0)
            return -1;
        c->text = policy_strdup(v->scalar);
        c->text_len = strlen(v->scalar);
        return c->text ? 0 : -1;
    case POLICY_OP_REGEX: {
        if (want_string(ld, v, where, "a regex (a string)") != 0)
            return -1;
        int rc = regcomp(&c->regex, v->scalar,
                         REG_EXTENDED | REG_NOSUB | (c->ignore_case ? REG_ICASE : 0));
        if (rc != 0) {
            char reason[200];
            regerror(rc, &c->regex, reason, sizeof reason);
            return policy_fail(ld, v, "%s: invalid regex \"%s\": %s", where, v->scalar, reason);
        }
        c->has_regex = true;
        return 0;
    }
    case POLICY_OP_PRESENT:
    case POLICY_OP_ABSENT:
    case POLICY_OP_EMPTY:
    case POLICY_OP_EXPIRED:
    case POLICY_OP_CIDR_PUBLIC:
        return want_bool(ld, v, where, &c->flag);
    case POLICY_OP_GT:
    case POLICY_OP_GE:
    case POLICY_OP_LT:
    case POLICY_OP_LE: {
        const char *problem = NULL;
        json_t *n = v->type == POLICY_Y_SCALAR && v->plain ? policy_ynode_json(v, &problem) : NULL;
        bool ok = n && json_is_number(n);
        if (ok)
            c->number = json_number_value(n);
        json_decref(n);
        if (!ok)
            return policy_fail(ld, v, "%s: expected a number, got %s%s%s%s", where,
                               policy_ynode_type_name(v), v->scalar ? " \"" : "",
                               v->scalar ? v->scalar : "", v->scalar ? "\"" : "");
        return 0;
    }
    case POLICY_OP_OLDER_THAN:
    case POLICY_OP_NEWER_THAN:
    case POLICY_OP_EXPIRES_WITHIN:
        if (v->type != POLICY_Y_SCALAR || policy_duration_parse(v->scalar, &c->duration) != 0)
            return policy_fail(ld, v,
                               "%s: expected a duration such as 90d, 36h, 6mo or 1y (units "
                               "s, m, h, d, w, mo, y), got %s%s%s%s",
                               where, policy_ynode_type_name(v), v->scalar ? " \"" : "",
                               v->scalar ? v->scalar : "", v->scalar ? "\"" : "");
        return 0;
    case POLICY_OP_BEFORE:
    case POLICY_OP_AFTER:
        if (v->type != POLICY_Y_SCALAR || policy_time_parse(v->scalar, &t) != 0)
            return policy_fail(ld, v,
                               "%s: expected an RFC 3339 timestamp such as "
                               "2026-01-02T03:04:05Z or a date 2026-01-02, got %s%s%s%s",
                               where, policy_ynode_type_name(v), v->scalar ? " \"" : "",
                               v->scalar ? v->scalar : "", v->scalar ? "\"" : "");
        c->instant = t.epoch;
        return 0;
    case POLICY_OP_TIME_BETWEEN:
        return compile_time_between(ld, c, v, where);
    case POLICY_OP_WEEKDAY_IN:
        return compile_weekdays(ld, c, v, where);
    case POLICY_OP_CIDR_WITHIN:
    case POLICY_OP_CIDR_CONTAINS:
    case POLICY_OP_CIDR_OVERLAPS:
        return compile_cidrs(ld, c, v, where);
    case POLICY_OP_PORTS_INCLUDE:
        return compile_ports(ld, c, v, where);
    case POLICY_OP_TYPE:
        return compile_types(ld, c, v, where);
    case POLICY_OP_VERSION_LT:
    case POLICY_OP_VERSION_LE:
    case POLICY_OP_VERSION_GT:
    case POLICY_OP_VERSION_GE:
    case POLICY_OP_VERSION_EQ:
        if (v->type != POLICY_Y_SCALAR || policy_version_parse(v->scalar, &c->version) != 0)
            return policy_fail(ld, v,
                               "%s: expected a version such as \"1.31\" or \"1.30.4\", got "
                               "%s%s%s%s",
                               where, policy_ynode_type_name(v), v->scalar ? " \"" : "",
                               v->scalar ? v->scalar : "", v->scalar ? "\"" : "");
        if (c->version.pre) {
            c->version.pre_owned = strndup(c->version.pre, c->version.pre_len);
            if (!c->version.pre_owned)
                return -1;
            c->version.pre = c->version.pre_owned;
        }
        return 0;
    default:
        if (v->type != POLICY_Y_SCALAR || policy_size_parse(v->scalar, &c->number) != 0)
            return policy_fail(ld, v,
                               "%s: expected a size such as 100GiB, 1.5TB or a number of "
                               "bytes, got %s%s%s%s",
                               where, policy_ynode_type_name(v), v->scalar ? " \"" : "",
                               v->scalar ? v->scalar : "", v->scalar ? "\"" : "");
        return 0;
    }
}

static int compile_path(policy_loader *ld, policy_cond *c, const policy_ynode *map,
                        const char *where)
{
    const policy_ynode *path = policy_ynode_get(map, "path");
    if (!path)
        return policy_fail(ld, map,
                           "%s: a test needs 'path:' (the value to test), or use all:, "
                           "any: or not:",
                           where);
    if (want_string(ld, path, where, "a path (a string) for 'path'") != 0)
        return -1;
    char problem[256];
    if (policy_path_parse(path->scalar, &c->path, problem, sizeof problem) != 0)
        return policy_fail(ld, path, "%s.path: invalid path \"%s\": %s", where, path->scalar,
                           problem);
    return policy_path_intern(ld->engine, &c->path);
}

/* path + exactly one operator or quantifier (+ for, ignore_case, unit). */
static policy_cond *compile_test(policy_loader *ld, const policy_ynode *map, const char *where)
{
    policy_cond *c = cond_new(ld, map, POLICY_C_TEST);
    if (!c)
        return NULL;
    int op_index = -1;
    const policy_ynode *modifier_for = NULL, *icase = NULL, *unit = NULL;
    for (size_t i = 0; i < map->count; i++) {
        const char *key = map->keys[i];
        const policy_ynode *v = map->items[i];
        if (!strcmp(key, "path"))
            continue;
        if (!strcmp(key, "for")) {
            modifier_for = v;
            continue;
        }
        if (!strcmp(key, "ignore_case")) {
            icase = v;
            continue;
        }
        if (!strcmp(key, "unit")) {
            unit = v;
            continue;
        }
        bool quantifier = !strcmp(key, "some") || !strcmp(key, "every") || !strcmp(key, "none");
        bool combinator = !strcmp(key, "all") || !strcmp(key, "any") || !strcmp(key, "not");
        if (combinator) {
            policy_fail_at(ld, (policy_src){ld->file, v->key_line, v->key_column},
                           "%s: '%s' cannot stand beside 'path' in one condition; put the test "
                           "inside the %s: list",
                           where, key, key);
            goto fail;
        }
        if (!quantifier && policy_op_find(key) < 0) {
            policy_fail_at(ld, (policy_src){ld->file, v->key_line, v->key_column},
                           "%s: unknown operator '%s'; expected one of: %s (or some, every, none)",
                           where, key, policy_op_list());
            goto fail;
        }
        if (op_index >= 0) {
            policy_fail_at(ld, (policy_src){ld->file, v->key_line, v->key_column},
                           "%s: a test has one operator, found '%s' and '%s'; combine tests with "
                           "all: or any:",
                           where, map->keys[op_index], key);
            goto fail;
        }
        op_index = (int)i;
    }
    if (op_index < 0) {
        policy_fail(ld, map, "%s: no operator; add one of: %s (or some, every, none)", where,
                    policy_op_list());
        goto fail;
    }
    if (compile_path(ld, c, map, where) != 0)
        goto fail;
    const char *key = map->keys[op_index];
    const policy_ynode *operand = map->items[op_index];
    char op_where[300];
    snprintf(op_where, sizeof op_where, "%s.%s", where, key);
    if (!strcmp(key, "some") || !strcmp(key, "every") || !strcmp(key, "none")) {
        c->kind = !strcmp(key, "some")    ? POLICY_C_SOME
                  : !strcmp(key, "every") ? POLICY_C_EVERY
                                          : POLICY_C_NONE;
        const policy_ynode *bad = modifier_for ? modifier_for : icase ? icase : unit;
        if (bad) {
            policy_fail_at(ld, (policy_src){ld->file, bad->key_line, bad->key_column},
                           "%s: '%s' applies to tests, not to %s; move it into the inner test",
                           where,
                           bad == modifier_for ? "for"
                           : bad == icase      ? "ignore_case"
                                               : "unit",
                           key);
            goto fail;
        }
        policy_cond *child = policy_cond_compile(ld, operand, op_where);
        if (!child || add_child(c, child) != 0)
            goto fail;
        return c;
    }
    c->op = (policy_op)policy_op_find(key);
    if (modifier_for) {
        if (modifier_for->type != POLICY_Y_SCALAR ||
            (strcmp(modifier_for->scalar, "any") && strcmp(modifier_for->scalar, "all"))) {
            policy_fail(ld, modifier_for, "%s.for: expected any or all, got %s%s%s%s", where,
                        policy_ynode_type_name(modifier_for), modifier_for->scalar ? " \"" : "",
                        modifier_for->scalar ? modifier_for->scalar : "",
                        modifier_for->scalar ? "\"" : "");
            goto fail;
        }
        c->for_all = !strcmp(modifier_for->scalar, "all");
    }
    if (icase) {
        if (!is_string_op(c->op)) {
            policy_fail_at(ld, (policy_src){ld->file, icase->key_line, icase->key_column},
                           "%s: ignore_case applies to eq, ne, in, not_in, contains, starts_with, "
                           "ends_with, glob and regex, not to %s",
                           where, key);
            goto fail;
        }
        char icase_where[300];
        snprintf(icase_where, sizeof icase_where, "%s.ignore_case", where);
        if (want_bool(ld, icase, icase_where, &c->ignore_case) != 0)
            goto fail;
    }
    if (unit && is_time_op(c->op)) {
        const char *u = unit->type == POLICY_Y_SCALAR ? unit->scalar : NULL;
        c->epoch_unit = !u ? 0 : !strcmp(u, "s") ? 1.0 : !strcmp(u, "ms") ? 0.001 : 0;
        if (c->epoch_unit == 0) {
            policy_fail(ld, unit,
                        "%s.unit: expected s or ms (a document number is then seconds "
                        "or milliseconds since 1970-01-01T00:00:00Z, as JWT's exp), got %s%s%s%s",
                        where, policy_ynode_type_name(unit), u ? " \"" : "", u ? u : "",
                        u ? "\"" : "");
            goto fail;
        }
    } else if (unit) {
        if (!is_size_op(c->op)) {
            policy_fail_at(ld, (policy_src){ld->file, unit->key_line, unit->key_column},
                           "%s: unit applies to the size_* operators (a size unit) and to the "
                           "time operators (s or ms), not to %s",
                           where, key);
            goto fail;
        }
        c->unit_bytes = unit->type == POLICY_Y_SCALAR ? policy_size_unit(unit->scalar) : 0;
        if (c->unit_bytes == 0) {
            policy_fail(ld, unit,
                        "%s.unit: expected one of B, KB, MB, GB, TB, PB, KiB, MiB, GiB, "
                        "TiB, PiB, got %s%s%s%s",
                        where, policy_ynode_type_name(unit), unit->scalar ? " \"" : "",
                        unit->scalar ? unit->scalar : "", unit->scalar ? "\"" : "");
            goto fail;
        }
    }
    if (compile_operand(ld, c, operand, op_where) != 0)
        goto fail;
    return c;
fail:
    policy_cond_free(c);
    return NULL;
}

policy_cond *policy_cond_compile(policy_loader *ld, const policy_ynode *node, const char *where)
{
    if (node->type == POLICY_Y_SEQ)
        return compile_list(ld, node, where, POLICY_C_ALL);
    if (node->type != POLICY_Y_MAP || node->count == 0) {
        policy_fail(ld, node, "%s: expected a condition such as {path: public, eq: true}, got %s",
                    where,
                    node->type == POLICY_Y_MAP ? "an empty mapping" : policy_ynode_type_name(node));
        return NULL;
    }
    const char *first = node->keys[0];
    bool combinator = !strcmp(first, "all") || !strcmp(first, "any") || !strcmp(first, "not");
    if (!combinator)
        return compile_test(ld, node, where);
    if (node->count > 1) {
        const policy_ynode *extra = node->items[1];
        policy_fail_at(ld, (policy_src){ld->file, extra->key_line, extra->key_column},
                       "%s: '%s' must be the only key of its condition, found '%s' beside it; "
                       "nest the other test inside it",
                       where, first, node->keys[1]);
        return NULL;
    }
    char child_where[256];
    snprintf(child_where, sizeof child_where, "%s.%s", where, first);
    if (!strcmp(first, "not")) {
        policy_cond *c = cond_new(ld, node, POLICY_C_NOT);
        policy_cond *child = c ? policy_cond_compile(ld, node->items[0], child_where) : NULL;
        if (!child || add_child(c, child) != 0) {
            policy_cond_free(c);
            return NULL;
        }
        return c;
    }
    return compile_list(ld, node->items[0], child_where,
                        !strcmp(first, "all") ? POLICY_C_ALL : POLICY_C_ANY);
}
