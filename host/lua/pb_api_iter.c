/* pb_api_iter.c: fawkes.inventory and fawkes.findings: iterators over the records a run kept
   in its spill files, read one at a time, each handed to Lua as a view when reached. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "pb_json.h"
#include "pb_api_internal.h"
#include "fawkes/fwkx.h"

/*
 * The garbage collector sees the few bytes of a view, not the parsed JSON behind it (jansson
 * takes about nine times the record's text). So that views the script dropped are collected
 * at the pace of the memory they really hold, the iterators tell the collector about it
 * (LUA_GCSTEP, as if Lua had allocated it) every GC_QUANTUM bytes. A small quantum is also
 * the fast one: the resources are freed while their memory is still in the CPU's cache and
 * malloc hands it straight back for the next ones (100,000 resources, five passes: 5.5 s
 * of CPU at 128 KiB, 7 s at 1 MiB, 14 s at 8 MiB).
 */
#define PARSED_PER_TEXT_BYTE 9
#define GC_QUANTUM ((size_t)128 << 10)

/* One pass over a group of a spill. */
typedef struct reader {
    spill *sp; /* borrowed: the run's, which outlives the Lua state */
    spill_cursor *cursor;
    json_t *pending;    /* parsed, not yet handed to Lua (released by reader_close) */
    size_t pending_len; /* its text's length */
    size_t unreported;  /* estimated bytes handed to Lua since the collector was told */
    char *scratch;      /* fwkx_json_parse_fast's buffer */
    size_t scratch_cap;
} reader;

static void reader_close(reader *rd)
{
    spill_cursor_close(rd->cursor);
    rd->cursor = NULL;
    json_decref(rd->pending);
    rd->pending = NULL;
    free(rd->scratch);
    rd->scratch = NULL;
    rd->scratch_cap = 0;
}

/* The next record of `group`, parsed (the reader keeps it as pending until the caller takes
   or drops it); NULL at the end, with the cursor closed. Raises "FN: why" on errors. */
static json_t *reader_next(lua_State *L, reader *rd, const char *group, const char *fn)
{
    diag err = {{0}};
    json_decref(rd->pending);
    rd->pending = NULL;
    if (!rd->cursor && spill_cursor_open(rd->sp, group, &rd->cursor, &err) != 0)
        luaL_error(L, "%s: %s", fn, err.text);
    size_t len = 0;
    const char *text = spill_cursor_next(rd->cursor, &len, NULL, &err);
    if (!text) {
        spill_cursor_close(rd->cursor);
        rd->cursor = NULL;
        if (err.text[0])
            luaL_error(L, "%s: %s", fn, err.text);
        return NULL;
    }
    /* the records are jansson's own compact output: the fast parser reads them at about five
       times jansson's speed, and leaves the rare one it does not take (a "\u0000") to it */
    json_error_t jerr;
    rd->pending = fwkx_json_parse_fast(text, len, &rd->scratch, &rd->scratch_cap);
    if (!rd->pending)
        rd->pending = json_loadb(text, len, JSON_ALLOW_NUL, &jerr);
    rd->pending_len = len;
    if (!rd->pending)
        luaL_error(L, "%s: a record kept for the playbook (%s) does not read back: %s", fn, group,
                   jerr.text);
    return rd->pending;
}

/* Hand the pending record to Lua as a view (tagged `tag`), which owns it from now on. */
static void reader_push_view(lua_State *L, reader *rd, void *tag)
{
    pb_json_push_view(L, rd->pending, tag);
    rd->pending = NULL;
    rd->unreported += rd->pending_len * PARSED_PER_TEXT_BYTE;
    if (rd->unreported >= GC_QUANTUM) {
        lua_gc(L, LUA_GCSTEP, (int)(rd->unreported >> 10));
        rd->unreported = 0;
    }
}

/* Give the iterator userdata on top of the stack the metatable `name`, whose __gc and
   __close run `close` (the for loop closes it at once when left early). */
static void set_iter_meta(lua_State *L, const char *name, lua_CFunction close)
{
    if (luaL_newmetatable(L, name)) {
        lua_pushcfunction(L, close);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, close);
        lua_setfield(L, -2, "__close");
        lua_pushliteral(L, "protected");
        lua_setfield(L, -2, "__metatable");
    }
    lua_setmetatable(L, -2);
}

/* Return what a generic for takes: the step function (on top of the stack), no state, no
   control value, and the iterator at `iter` as the to-be-closed value. */
static int return_for(lua_State *L, int iter)
{
    lua_pushnil(L);
    lua_pushnil(L);
    lua_pushvalue(L, iter);
    return 4;
}

/* ---- inventory ---- */

typedef struct inv_source {
    char *name; /* provider instance: the group */
    spill *sp;  /* borrowed */
    instance *inst;
} inv_source;

/* where = {["labels.env"] = "prod"}: one field to compare. */
typedef struct where_field {
    char *path;
    json_t *want;
} where_field;

typedef struct inv_iter {
    inv_source *sources;
    size_t source_count, source;
    reader rd;
    json_t *kinds;        /* NULL or array of strings */
    char *provider_field; /* provider = "aws" (a resource's provider value), or NULL */
    where_field *fields;
    size_t field_count;
} inv_iter;

static int inv_iter_close(lua_State *L)
{
    inv_iter *it = lua_touserdata(L, 1);
    reader_close(&it->rd);
    for (size_t i = 0; i < it->source_count; i++)
        free(it->sources[i].name);
    free(it->sources);
    for (size_t i = 0; i < it->field_count; i++) {
        free(it->fields[i].path);
        json_decref(it->fields[i].want);
    }
    free(it->fields);
    json_decref(it->kinds);
    free(it->provider_field);
    memset(it, 0, sizeof *it); /* a closed iterator yields nothing */
    return 0;
}

static bool kind_matches(const inv_iter *it, const json_t *resource)
{
    if (!it->kinds)
        return true;
    const char *kind = json_string_value(json_object_get(resource, "kind"));
    size_t i;
    json_t *k;
    json_array_foreach (it->kinds, i, k) {
        if (kind && strcmp(kind, json_string_value(k)) == 0)
            return true;
    }
    return false;
}

/* A dotted path ("labels.env") in `value`, or NULL. */
static const json_t *json_path(const json_t *value, const char *path)
{
    char part[256];
    while (value && *path) {
        const char *dot = strchr(path, '.');
        size_t len = dot ? (size_t)(dot - path) : strlen(path);
        if (len >= sizeof part)
            return NULL;
        memcpy(part, path, len);
        part[len] = '\0';
        value = json_object_get(value, part);
        path += len + (dot ? 1 : 0);
    }
    return value;
}

/* Every where-table field equal (numbers by value, absent as null). */
static bool fields_match(const inv_iter *it, const json_t *resource)
{
    for (size_t i = 0; i < it->field_count; i++) {
        const json_t *want = it->fields[i].want;
        const json_t *have = json_path(resource, it->fields[i].path);
        bool equal = have ? json_equal(want, (json_t *)have) : json_is_null(want);
        if (!equal && have && json_is_number(have) && json_is_number(want))
            equal = json_number_value(have) == json_number_value(want);
        if (!equal)
            return false;
    }
    return true;
}

static bool resource_wanted(const inv_iter *it, const json_t *resource)
{
    if (!kind_matches(it, resource))
        return false;
    if (it->provider_field) {
        const char *p = json_string_value(json_object_get(resource, "provider"));
        if (!p || strcmp(p, it->provider_field) != 0)
            return false;
    }
    return fields_match(it, resource);
}

static int inv_next(lua_State *L)
{
    inv_iter *it = lua_touserdata(L, lua_upvalueindex(1));
    int where = lua_upvalueindex(2);
    pb_session *s = pb_session_of(L);
    while (it->source < it->source_count) {
        inv_source *src = &it->sources[it->source];
        it->rd.sp = src->sp;
        json_t *resource = reader_next(L, &it->rd, src->name, "fawkes.inventory");
        if (!resource) {
            it->source++;
            continue;
        }
        if (!resource_wanted(it, resource))
            continue;
        reader_push_view(L, &it->rd, src->inst);
        if (lua_isfunction(L, where)) {
            lua_pushvalue(L, where);
            lua_pushvalue(L, -2);
            lua_call(L, 1, 1);
            int keep = lua_toboolean(L, -1);
            lua_pop(L, 1);
            if (!keep) {
                lua_pop(L, 1);
                continue;
            }
        }
        const char *uid = json_string_value(json_object_get(resource, "uid"));
        if (pb_uidset_add(&s->matched, uid ? uid : "") < 0)
            return luaL_error(L, "fawkes.inventory: out of memory");
        return 1;
    }
    return 0;
}

/* kind = "x" or {"x", "y"} into it->kinds. */
static void read_kinds(lua_State *L, inv_iter *it)
{
    int kind_type = lua_getfield(L, 1, "kind");
    if (kind_type == LUA_TSTRING || kind_type == LUA_TTABLE) {
        json_t *kinds = pb_json_check(L, -1, "fawkes.inventory: kind");
        if (json_is_string(kinds)) {
            it->kinds = json_array();
            json_array_append_new(it->kinds, kinds);
        } else {
            it->kinds = kinds;
        }
        size_t i;
        json_t *k;
        json_array_foreach (it->kinds, i, k) {
            if (!json_is_string(k))
                luaL_error(L, "fawkes.inventory: kind must be a string or a list of strings");
        }
    } else if (kind_type != LUA_TNIL) {
        luaL_error(L, "fawkes.inventory: kind must be a string or a list of strings");
    }
    lua_pop(L, 1);
}

/* where = {field = value, ...} into it->fields, checked and converted once. */
static void read_where_table(lua_State *L, inv_iter *it, int where)
{
    size_t count = 0;
    lua_pushnil(L);
    while (lua_next(L, where) != 0) {
        lua_pop(L, 1);
        count++;
    }
    it->fields = calloc(count ? count : 1, sizeof *it->fields);
    if (!it->fields)
        luaL_error(L, "fawkes.inventory: out of memory");
    lua_pushnil(L);
    while (lua_next(L, where) != 0) {
        if (lua_type(L, -2) != LUA_TSTRING)
            luaL_error(L, "fawkes.inventory: where-table keys are field names (strings)");
        where_field *f = &it->fields[it->field_count];
        f->want = pb_json_check(L, -1, "fawkes.inventory: where");
        f->path = strdup(lua_tostring(L, -2));
        it->field_count++;
        if (!f->path)
            luaL_error(L, "fawkes.inventory: out of memory");
        lua_pop(L, 1);
    }
}

/* fawkes.inventory{provider=, kind=, where=} -> iterator over resource views. */
int pb_api_inventory(lua_State *L)
{
    pb_session *s = pb_session_of(L);
    if (lua_isnoneornil(L, 1)) {
        lua_settop(L, 0);
        lua_newtable(L);
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    const char *provider = pb_api_opt_string(L, 1, "provider", "fawkes.inventory");
    inv_iter *it = lua_newuserdatauv(L, sizeof *it, 0);
    memset(it, 0, sizeof *it);
    set_iter_meta(L, "fawkes.inventory.iterator", inv_iter_close);
    int iter_idx = lua_gettop(L);

    read_kinds(L, it);
    int where_type = lua_getfield(L, 1, "where");
    if (where_type != LUA_TNIL && where_type != LUA_TFUNCTION && where_type != LUA_TTABLE)
        return luaL_error(L,
                          "fawkes.inventory: where must be a function(resource) or a table "
                          "of field = value, got %s",
                          luaL_typename(L, -1));
    int where_idx = lua_gettop(L);
    if (where_type == LUA_TTABLE)
        read_where_table(L, it, where_idx);

    strlist names = {0};
    config_section section;
    if (provider && config_find_instance(s->a->cfg, provider, &section) &&
        section == CONFIG_PROVIDERS) {
        strlist_push(&names, provider);
    } else {
        if (provider && !(it->provider_field = strdup(provider)))
            return luaL_error(L, "fawkes.inventory: out of memory");
        pb_provider_names(s, &names);
    }
    it->sources = calloc(names.count ? names.count : 1, sizeof *it->sources);
    if (!it->sources) {
        strlist_clear(&names);
        return luaL_error(L, "fawkes.inventory: out of memory");
    }
    for (size_t i = 0; i < names.count; i++) {
        diag err = {{0}};
        instance *inst = NULL;
        spill *sp = pb_resources(s, names.items[i], &inst, &err);
        char *name = sp ? strdup(names.items[i]) : NULL;
        if (!name) {
            strlist_clear(&names);
            if (sp)
                return luaL_error(L, "fawkes.inventory: out of memory");
            lua_pushstring(L, err.text);
            return luaL_error(L, "fawkes.inventory: %s", lua_tostring(L, -1));
        }
        it->sources[it->source_count++] = (inv_source){name, sp, inst};
    }
    strlist_clear(&names);
    pb_sandbox_charge(L, 0, "fawkes.inventory"); /* a signal or the time limit while listing */

    lua_pushvalue(L, iter_idx);
    lua_pushvalue(L, where_idx);
    lua_pushcclosure(L, inv_next, 2);
    return return_for(L, iter_idx);
}

/* ---- findings ---- */

typedef struct find_iter {
    reader rd;
    char *rule; /* exact, or a prefix when rule_prefix (the '*' cut off) */
    bool rule_prefix;
    char *match[3]; /* the resource's provider, kind, uid */
    int min_rank;   /* index in severity_order, or -1 */
} find_iter;

static const char *const severity_order[] = {"info", "low", "medium", "high", "critical"};
static const char *const match_options[3] = {"provider", "kind", "resource"};
static const char *const match_fields[3] = {"provider", "kind", "uid"};

static int find_iter_close(lua_State *L)
{
    find_iter *it = lua_touserdata(L, 1);
    reader_close(&it->rd);
    free(it->rule);
    for (int f = 0; f < 3; f++)
        free(it->match[f]);
    memset(it, 0, sizeof *it);
    it->min_rank = -1;
    return 0;
}

static bool finding_wanted(const find_iter *it, const json_t *finding)
{
    if (it->rule) {
        const char *rule = json_string_value(json_object_get(finding, "rule"));
        if (!rule || (it->rule_prefix ? strncmp(rule, it->rule, strlen(it->rule)) != 0
                                      : strcmp(rule, it->rule) != 0))
            return false;
    }
    const json_t *resource = json_object_get(finding, "resource");
    for (int f = 0; f < 3; f++) {
        if (!it->match[f])
            continue;
        const char *have = json_string_value(json_object_get(resource, match_fields[f]));
        if (!have || strcmp(have, it->match[f]) != 0)
            return false;
    }
    if (it->min_rank >= 0) {
        const char *have = json_string_value(json_object_get(finding, "severity"));
        int have_rank = -1;
        for (int k = 0; have && k < 5; k++)
            if (strcmp(severity_order[k], have) == 0)
                have_rank = k;
        if (have_rank < it->min_rank)
            return false;
    }
    return true;
}

static int findings_next(lua_State *L)
{
    find_iter *it = lua_touserdata(L, lua_upvalueindex(1));
    while (it->rd.sp) {
        json_t *finding = reader_next(L, &it->rd, "fails", "fawkes.findings");
        if (!finding) {
            it->rd.sp = NULL; /* the end: a further call yields nothing */
            break;
        }
        if (!finding_wanted(it, finding))
            continue;
        reader_push_view(L, &it->rd, NULL);
        return 1;
    }
    return 0;
}

/* Copy an optional string option; raises on OOM. */
static char *opt_copy(lua_State *L, const char *key)
{
    const char *value = pb_api_opt_string(L, 1, key, "fawkes.findings");
    char *copy = value ? strdup(value) : NULL;
    if (value && !copy)
        luaL_error(L, "fawkes.findings: out of memory");
    return copy;
}

/* fawkes.findings{rule=, severity=, provider=, kind=, resource=} -> iterator over the fail
   findings of the chain (or of a scan of the config). */
int pb_api_findings(lua_State *L)
{
    pb_session *s = pb_session_of(L);
    if (lua_isnoneornil(L, 1)) {
        lua_settop(L, 0);
        lua_newtable(L);
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    find_iter *it = lua_newuserdatauv(L, sizeof *it, 0);
    memset(it, 0, sizeof *it);
    it->min_rank = -1;
    set_iter_meta(L, "fawkes.findings.iterator", find_iter_close);
    int iter_idx = lua_gettop(L);

    it->rule = opt_copy(L, "rule");
    size_t len = it->rule ? strlen(it->rule) : 0;
    if (len > 0 && it->rule[len - 1] == '*') {
        it->rule_prefix = true;
        it->rule[len - 1] = '\0';
    }
    for (int f = 0; f < 3; f++)
        it->match[f] = opt_copy(L, match_options[f]);
    const char *severity = pb_api_opt_string(L, 1, "severity", "fawkes.findings");
    if (severity) {
        for (int k = 0; k < 5; k++)
            if (strcmp(severity_order[k], severity) == 0)
                it->min_rank = k;
        if (it->min_rank < 0)
            return luaL_error(L,
                              "fawkes.findings: severity must be one of critical, high, "
                              "medium, low, info (the minimum), got '%s'",
                              severity);
    }

    diag err = {{0}};
    it->rd.sp = pb_findings(s, &err);
    pb_sandbox_charge(L, 0, "fawkes.findings"); /* a signal or the time limit while scanning */
    if (!it->rd.sp) {
        lua_pushstring(L, err.text);
        return luaL_error(L, "fawkes.findings: %s", lua_tostring(L, -1));
    }
    lua_pushvalue(L, iter_idx);
    lua_pushcclosure(L, findings_next, 1);
    return return_for(L, iter_idx);
}
