/* pb_api.c: the `fawkes` Lua module: registration, and fawkes.evaluate (the iterators are in
   pb_api_iter.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>

#include "http.h"
#include "log.h"
#include "pb_json.h"
#include "pb_api_internal.h"

static const char session_key = 's';

pb_session *pb_session_of(lua_State *L)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &session_key);
    pb_session *s = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return s;
}

/* Optional string field of the options table at `idx`. */
const char *pb_api_opt_string(lua_State *L, int idx, const char *key, const char *fn)
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

/* ---- evaluate ---- */

/* fawkes.evaluate(policy, doc) -> list of decisions {effect, policy, rule, reason, ...}. */
static int pb_api_evaluate(lua_State *L)
{
    pb_session *s = pb_session_of(L);
    const char *name = luaL_checkstring(L, 1);
    json_t *doc = pb_json_check(L, 2, "fawkes.evaluate: the document");
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
    pb_json_push(L, decisions);
    json_decref(decisions);
    return 1;
}

/* ---- instances ---- */

static const char *const section_names[CONFIG_SECTION_COUNT] = {"providers", "scanners", "policies",
                                                                "notifiers"};

/* fawkes.instances{section=, plugin=} -> {{name=, plugin=, section=}, ...}: the config's
   plugin instances, in the config's order (sections in the order above). */
static int pb_api_instances(lua_State *L)
{
    pb_session *s = pb_session_of(L);
    if (lua_isnoneornil(L, 1)) {
        lua_settop(L, 0);
        lua_newtable(L);
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    const char *section = pb_api_opt_string(L, 1, "section", "fawkes.instances");
    const char *of_plugin = pb_api_opt_string(L, 1, "plugin", "fawkes.instances");
    int wanted = -1;
    for (int k = 0; section && k < CONFIG_SECTION_COUNT; k++)
        if (strcmp(section, section_names[k]) == 0)
            wanted = k;
    if (section && wanted < 0)
        return luaL_error(L,
                          "fawkes.instances: section must be providers, scanners, policies or "
                          "notifiers, got '%s'",
                          section);
    lua_newtable(L);
    lua_Integer n = 0;
    const config *cfg = s->a->cfg;
    for (int k = 0; k < CONFIG_SECTION_COUNT; k++) {
        if (wanted >= 0 && k != wanted)
            continue;
        for (size_t i = 0; i < cfg->instance_count[k]; i++) {
            const config_instance *ci = &cfg->instances[k][i];
            if (of_plugin && strcmp(of_plugin, ci->plugin) != 0)
                continue;
            lua_createtable(L, 0, 3);
            lua_pushstring(L, ci->name);
            lua_setfield(L, -2, "name");
            lua_pushstring(L, ci->plugin);
            lua_setfield(L, -2, "plugin");
            lua_pushstring(L, section_names[k]);
            lua_setfield(L, -2, "section");
            lua_rawseti(L, -2, ++n);
        }
    }
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
    pb_sandbox_protect(L, -1);
}

static void set_functions(lua_State *L, const luaL_Reg *functions, const char *field,
                          const char *what)
{
    lua_newtable(L);
    luaL_setfuncs(L, functions, 0);
    make_read_only(L, what);
    lua_setfield(L, -2, field);
}

/* What api_open_fn is given, and its verdict. */
typedef struct api_open {
    pb_session *s;
    diag *err;
    int rc;
} api_open;

/* lua_CFunction (run protected: it allocates): build the module. */
static int api_open_fn(lua_State *L)
{
    api_open *ao = lua_touserdata(L, 1);
    pb_session *s = ao->s;
    lua_pushlightuserdata(L, s);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &session_key);

    static const luaL_Reg module[] = {{"inventory", pb_api_inventory},
                                      {"findings", pb_api_findings},
                                      {"evaluate", pb_api_evaluate},
                                      {"instances", pb_api_instances},
                                      {"notify", pb_api_notify},
                                      {"action", pb_api_action},
                                      {"provision", pb_api_provision},
                                      {"now", pb_api_now},
                                      {"parse_time", pb_api_parse_time},
                                      {"report", pb_api_report},
                                      {NULL, NULL}};
    static const luaL_Reg http[] = {{"request", pb_api_http_request}, {NULL, NULL}};
    static const luaL_Reg logs[] = {{"debug", pb_api_log_debug},
                                    {"info", pb_api_log_info},
                                    {"warn", pb_api_log_warn},
                                    {"error", pb_api_log_error},
                                    {NULL, NULL}};
    static const luaL_Reg state[] = {
        {"get", pb_api_state_get}, {"set", pb_api_state_set}, {NULL, NULL}};
    luaL_newlib(L, module);
    set_functions(L, http, "http", "fawkes.http");
    set_functions(L, logs, "log", "fawkes.log");
    set_functions(L, state, "state", "fawkes.state");
    pb_json_open(L);
    make_read_only(L, "fawkes.json");
    lua_setfield(L, -2, "json");

    lua_newtable(L);
    const strlist *vars = s->opts->vars;
    for (size_t i = 0; vars && i < vars->count; i++) {
        const char *eq = strchr(vars->items[i], '=');
        if (!eq || eq == vars->items[i]) {
            diag_set(ao->err, "--var %s: expected KEY=VALUE", vars->items[i]);
            ao->rc = -1;
            return 0;
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
    pb_sandbox_preload(s->sb, "fawkes");
    return 0;
}

int pb_api_open(pb_session *s, diag *err)
{
    api_open ao = {s, err, 0};
    if (pb_sandbox_cpcall(s->sb, api_open_fn, &ao, err) != 0)
        return -1;
    return ao.rc;
}
