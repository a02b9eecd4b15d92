/* pbapi.c: the `fawkes` Lua module: registration, and the functions that read
   (inventory, findings, evaluate). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>

#include "http.h"
#include "log.h"
#include "luajson.h"
#include "pbapi_internal.h"

static const char session_key = 's';

pb_session *pb_session_of(lua_State *L)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &session_key);
    pb_session *s = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return s;
}

/* Optional string field of the options table at `idx`. */
const char *pbapi_opt_string(lua_State *L, int idx, const char *key, const char *fn)
{
    int type = lua_getfield(L, idx, key);
    const char *value = NULL;
    if (type == LUA_TSTRING)
        value = lua_tostring(L, -1);
    else if (type != LUA_TNIL)
        luaL_error(L, "%s: '%s' must be a string, got %s", fn, key, luaL_typename(L, -1));
    lua_pop(L, 1); /* the string stays alive: the options table holds it */
    return value;
}

/* ---- inventory ---- */

typedef struct inv_source {
    json_t *list; /* reference */
    instance *inst;
} inv_source;

typedef struct inv_iter {
    inv_source *sources;
    size_t source_count, source, item;
    json_t *kinds; /* NULL or array of strings */
    const char *provider_field;
    char provider_field_buf[128];
} inv_iter;

static int inv_iter_gc(lua_State *L)
{
    inv_iter *it = lua_touserdata(L, 1);
    for (size_t i = 0; i < it->source_count; i++)
        json_decref(it->sources[i].list);
    free(it->sources);
    it->sources = NULL;
    it->source_count = 0;
    json_decref(it->kinds);
    it->kinds = NULL;
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

/* where = {field = value, ["labels.env"] = "prod"}: every field equal. */
static bool where_table_matches(lua_State *L, int where, const json_t *resource)
{
    lua_pushnil(L);
    while (lua_next(L, where) != 0) {
        if (lua_type(L, -2) != LUA_TSTRING) {
            lua_pop(L, 2);
            luaL_error(L, "fawkes.inventory: where-table keys are field names (strings)");
        }
        json_t *want = luajson_check(L, -1, "fawkes.inventory: where");
        const json_t *have = json_path(resource, lua_tostring(L, -2));
        bool equal = have ? json_equal(want, (json_t *)have) : json_is_null(want);
        if (!equal && have && json_is_number(have) && json_is_number(want))
            equal = json_number_value(have) == json_number_value(want);
        json_decref(want);
        lua_pop(L, 1);
        if (!equal) {
            lua_pop(L, 1);
            return false;
        }
    }
    return true;
}

static int inv_next(lua_State *L)
{
    inv_iter *it = lua_touserdata(L, lua_upvalueindex(1));
    int where = lua_upvalueindex(2);
    pb_session *s = pb_session_of(L);
    while (it->source < it->source_count) {
        inv_source *src = &it->sources[it->source];
        json_t *resource = json_array_get(src->list, it->item);
        if (!resource) {
            it->source++;
            it->item = 0;
            continue;
        }
        it->item++;
        if (!kind_matches(it, resource))
            continue;
        if (it->provider_field) {
            const char *p = json_string_value(json_object_get(resource, "provider"));
            if (!p || strcmp(p, it->provider_field) != 0)
                continue;
        }
        if (lua_istable(L, where) && !where_table_matches(L, where, resource))
            continue;
        luajson_push_view(L, resource, src->inst);
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
        if (ptrset_add(&s->matched, resource) < 0)
            return luaL_error(L, "fawkes.inventory: out of memory");
        return 1;
    }
    return 0;
}

/* fawkes.inventory{provider=, kind=, where=} -> iterator over resource views. */
static int pbapi_inventory(lua_State *L)
{
    pb_session *s = pb_session_of(L);
    if (lua_isnoneornil(L, 1))
        lua_newtable(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    const char *provider = pbapi_opt_string(L, 1, "provider", "fawkes.inventory");
    inv_iter *it = lua_newuserdatauv(L, sizeof *it, 0);
    memset(it, 0, sizeof *it);
    lua_newtable(L);
    lua_pushcfunction(L, inv_iter_gc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    int iter_idx = lua_gettop(L);

    int kind_type = lua_getfield(L, 1, "kind");
    if (kind_type == LUA_TSTRING || kind_type == LUA_TTABLE) {
        json_t *kinds = luajson_check(L, -1, "fawkes.inventory: kind");
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
                return luaL_error(L, "fawkes.inventory: kind must be a string or a list of "
                                     "strings");
        }
    } else if (kind_type != LUA_TNIL) {
        return luaL_error(L, "fawkes.inventory: kind must be a string or a list of strings");
    }
    lua_pop(L, 1);

    strlist names = {0};
    config_section section;
    if (provider && config_find_instance(s->a->cfg, provider, &section) &&
        section == CONFIG_PROVIDERS) {
        strlist_push(&names, provider);
    } else {
        if (provider) {
            snprintf(it->provider_field_buf, sizeof it->provider_field_buf, "%s", provider);
            it->provider_field = it->provider_field_buf;
        }
        pb_provider_names(s, &names);
    }
    for (size_t i = 0; i < names.count; i++) {
        diag err = {{0}};
        instance *inst = NULL;
        const json_t *list = pb_resources(s, names.items[i], &inst, &err);
        if (!list) {
            lua_pushstring(L, err.text);
            strlist_clear(&names);
            return luaL_error(L, "fawkes.inventory: %s", lua_tostring(L, -1));
        }
        inv_source *grown = realloc(it->sources, (it->source_count + 1) * sizeof *grown);
        if (!grown) {
            strlist_clear(&names);
            return luaL_error(L, "fawkes.inventory: out of memory");
        }
        it->sources = grown;
        it->sources[it->source_count++] = (inv_source){json_incref((json_t *)list), inst};
    }
    strlist_clear(&names);

    int where_type = lua_getfield(L, 1, "where");
    if (where_type != LUA_TNIL && where_type != LUA_TFUNCTION && where_type != LUA_TTABLE)
        return luaL_error(L,
                          "fawkes.inventory: where must be a function(resource) or a table "
                          "of field = value, got %s",
                          luaL_typename(L, -1));
    lua_pushvalue(L, iter_idx);
    lua_insert(L, -2);
    lua_pushcclosure(L, inv_next, 2);
    return 1;
}

/* ---- findings ---- */

static int findings_next(lua_State *L)
{
    const json_t *findings = lua_touserdata(L, lua_upvalueindex(1));
    lua_Integer i = lua_tointeger(L, lua_upvalueindex(2));
    int opts = lua_upvalueindex(3);
    json_t *finding;
    while ((finding = json_array_get(findings, (size_t)i)) != NULL) {
        i++;
        const json_t *resource = json_object_get(finding, "resource");
        bool keep = true;
        const char *want;
        if ((want = (lua_getfield(L, opts, "rule"), lua_tostring(L, -1))) != NULL) {
            const char *rule = json_string_value(json_object_get(finding, "rule"));
            size_t len = strlen(want);
            bool prefix = len > 0 && want[len - 1] == '*';
            keep = rule && (prefix ? strncmp(rule, want, len - 1) == 0 : strcmp(rule, want) == 0);
        }
        lua_pop(L, 1);
        static const char *const fields[][2] = {
            {"provider", "provider"}, {"kind", "kind"}, {"resource", "uid"}};
        for (size_t f = 0; keep && f < 3; f++) {
            if ((want = (lua_getfield(L, opts, fields[f][0]), lua_tostring(L, -1))) != NULL) {
                const char *have = json_string_value(json_object_get(resource, fields[f][1]));
                keep = have && strcmp(have, want) == 0;
            }
            lua_pop(L, 1);
        }
        bool pushed = keep;
        if (keep && (want = (lua_getfield(L, opts, "severity"), lua_tostring(L, -1))) != NULL) {
            static const char *const order[] = {"info", "low", "medium", "high", "critical"};
            const char *have = json_string_value(json_object_get(finding, "severity"));
            int want_rank = -1, have_rank = -1;
            for (int k = 0; k < 5; k++) {
                if (strcmp(order[k], want) == 0)
                    want_rank = k;
                if (have && strcmp(order[k], have) == 0)
                    have_rank = k;
            }
            if (want_rank < 0) {
                lua_pop(L, 1);
                return luaL_error(L,
                                  "fawkes.findings: severity must be one of critical, high, "
                                  "medium, low, info (the minimum), got '%s'",
                                  want);
            }
            keep = have_rank >= want_rank;
        }
        if (pushed)
            lua_pop(L, 1); /* the severity field */
        if (!keep)
            continue;
        lua_pushinteger(L, i);
        lua_replace(L, lua_upvalueindex(2));
        luajson_push_view(L, finding, NULL);
        return 1;
    }
    lua_pushinteger(L, i);
    lua_replace(L, lua_upvalueindex(2));
    return 0;
}

/* fawkes.findings{rule=, severity=, provider=, kind=, resource=} -> iterator over the fail
   findings of the chain (or of a scan of the config). */
static int pbapi_findings(lua_State *L)
{
    pb_session *s = pb_session_of(L);
    if (lua_isnoneornil(L, 1)) {
        lua_settop(L, 0);
        lua_newtable(L);
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    const json_t *findings = pb_findings(s);
    lua_pushlightuserdata(L, (void *)findings);
    lua_pushinteger(L, 0);
    lua_pushvalue(L, 1);
    lua_pushcclosure(L, findings_next, 3);
    return 1;
}

/* ---- evaluate ---- */

/* fawkes.evaluate(policy, doc) -> list of decisions {effect, policy, rule, reason, ...}. */
static int pbapi_evaluate(lua_State *L)
{
    pb_session *s = pb_session_of(L);
    const char *name = luaL_checkstring(L, 1);
    json_t *doc = luajson_check(L, 2, "fawkes.evaluate: the document");
    diag err = {{0}};
    instance *inst = pb_instance(s, CONFIG_POLICIES, name, &err);
    if (!inst) {
        json_decref(doc);
        return luaL_error(L, "fawkes.evaluate: %s", err.text);
    }
    const fwk_policy_vtable *vt = inst->plug->desc->vtable;
    fwk_ctx ctx;
    ctx_init(&ctx, &s->own, inst, "evaluate", NULL);
    ctx.resource = doc;
    json_t *decisions = NULL;
    fwk_status status = vt->evaluate(&ctx, inst->state, doc, &decisions);
    json_decref(doc);
    if (status != FWK_OK || !json_is_array(decisions)) {
        lua_pushfstring(L, "fawkes.evaluate: policy '%s' failed: %s", name,
                        ctx.message ? ctx.message : fwk_strerror(status));
        ctx_finish(&ctx);
        json_decref(decisions);
        return lua_error(L);
    }
    ctx_finish(&ctx);
    luajson_push(L, decisions);
    json_decref(decisions);
    return 1;
}

static int view_like_newindex(lua_State *L)
{
    return luaL_error(L, "%s is read-only", lua_tostring(L, lua_upvalueindex(1)));
}

static int proxy_next(lua_State *L)
{
    lua_settop(L, 2);
    return lua_next(L, 1) ? 2 : 0;
}

static int proxy_pairs(lua_State *L)
{
    lua_pushcfunction(L, proxy_next);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushnil(L);
    return 3;
}

/* Replace the table on top with a read-only proxy of it. */
static void make_read_only(lua_State *L, const char *what)
{
    lua_newtable(L); /* proxy */
    lua_newtable(L); /* its metatable */
    lua_pushvalue(L, -3);
    lua_setfield(L, -2, "__index");
    lua_pushstring(L, what);
    lua_pushcclosure(L, view_like_newindex, 1);
    lua_setfield(L, -2, "__newindex");
    lua_pushvalue(L, -3);
    lua_pushcclosure(L, proxy_pairs, 1);
    lua_setfield(L, -2, "__pairs");
    lua_pushliteral(L, "protected");
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_remove(L, -2);
}

static void set_functions(lua_State *L, const luaL_Reg *functions, const char *field,
                          const char *what)
{
    lua_newtable(L);
    luaL_setfuncs(L, functions, 0);
    make_read_only(L, what);
    lua_setfield(L, -2, field);
}

int pbapi_open(pb_session *s, diag *err)
{
    lua_State *L = sandbox_state(s->sb);
    lua_pushlightuserdata(L, s);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &session_key);

    static const luaL_Reg module[] = {{"inventory", pbapi_inventory},
                                      {"findings", pbapi_findings},
                                      {"evaluate", pbapi_evaluate},
                                      {"notify", pbapi_notify},
                                      {"action", pbapi_action},
                                      {"provision", pbapi_provision},
                                      {"now", pbapi_now},
                                      {"parse_time", pbapi_parse_time},
                                      {"report", pbapi_report},
                                      {NULL, NULL}};
    static const luaL_Reg http[] = {{"request", pbapi_http_request}, {NULL, NULL}};
    static const luaL_Reg logs[] = {{"debug", pbapi_log_debug},
                                    {"info", pbapi_log_info},
                                    {"warn", pbapi_log_warn},
                                    {"error", pbapi_log_error},
                                    {NULL, NULL}};
    static const luaL_Reg state[] = {
        {"get", pbapi_state_get}, {"set", pbapi_state_set}, {NULL, NULL}};
    luaL_newlib(L, module);
    set_functions(L, http, "http", "fawkes.http");
    set_functions(L, logs, "log", "fawkes.log");
    set_functions(L, state, "state", "fawkes.state");
    luajson_open(L);
    make_read_only(L, "fawkes.json");
    lua_setfield(L, -2, "json");

    lua_newtable(L);
    const strlist *vars = s->opts->vars;
    for (size_t i = 0; vars && i < vars->count; i++) {
        const char *eq = strchr(vars->items[i], '=');
        if (!eq || eq == vars->items[i]) {
            lua_pop(L, 2);
            diag_set(err, "--var %s: expected KEY=VALUE", vars->items[i]);
            return -1;
        }
        lua_pushlstring(L, vars->items[i], (size_t)(eq - vars->items[i]));
        lua_pushstring(L, eq + 1);
        lua_settable(L, -3);
    }
    make_read_only(L, "fawkes.args");
    lua_setfield(L, -2, "args");
    lua_pushboolean(L, s->opts->apply);
    lua_setfield(L, -2, "apply");
    lua_pushstring(L, s->name);
    lua_setfield(L, -2, "playbook");

    make_read_only(L, "fawkes");
    lua_pushvalue(L, -1);
    lua_setglobal(L, "fawkes");
    sandbox_preload(s->sb, "fawkes");
    return 0;
}
