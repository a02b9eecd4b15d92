/* pb_api_util.c: fawkes.log, fawkes.state, fawkes.now/parse_time and fawkes.report. */
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
#include "clock.h"

/* ---- log, state, time, report ---- */

static int log_at(lua_State *L, fwk_log_level level)
{
    pb_session *s = pb_session_of(L);
    if (!log_enabled(level))
        return 0;
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        if (i > 1)
            luaL_addchar(&b, ' ');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    char component[300];
    snprintf(component, sizeof component, "playbook %s", s->name);
    log_msg(level, component, "%s", lua_tostring(L, -1));
    return 0;
}

int pb_api_log_debug(lua_State *L)
{
    return log_at(L, FWK_LOG_DEBUG);
}
int pb_api_log_info(lua_State *L)
{
    return log_at(L, FWK_LOG_INFO);
}
int pb_api_log_warn(lua_State *L)
{
    return log_at(L, FWK_LOG_WARN);
}
int pb_api_log_error(lua_State *L)
{
    return log_at(L, FWK_LOG_ERROR);
}

static const char *state_key(lua_State *L)
{
    size_t len;
    const char *key = luaL_checklstring(L, 1, &len);
    if (len == 0 || len > 200)
        luaL_error(L, "fawkes.state: keys are 1 to 200 bytes");
    return key;
}

/* fawkes.state.get(key) -> value or nil (what this run set, else what is stored). */
int pb_api_state_get(lua_State *L)
{
    pb_session *s = pb_session_of(L);
    const char *key = state_key(L);
    json_t *pending = json_object_get(s->state_writes, key);
    if (pending) {
        pb_json_push(L, json_is_null(pending) ? NULL : pending);
        return 1;
    }
    if (!s->store && access(state_path_for(s->a->cfg), F_OK) != 0) {
        lua_pushnil(L); /* no state file yet: nothing stored (and a dry run creates none) */
        return 1;
    }
    diag err = {{0}};
    state_store *st = pb_store(s, &err);
    if (!st)
        return luaL_error(L, "fawkes.state.get: %s", err.text);
    json_t *value = pb_state_get(st, s->name, key);
    pb_json_push(L, value);
    json_decref(value);
    return 1;
}

/* fawkes.state.set(key, value): kept for this run; stored when the plan is applied. */
int pb_api_state_set(lua_State *L)
{
    pb_session *s = pb_session_of(L);
    const char *key = state_key(L);
    json_t *value = pb_json_check(L, 2, "fawkes.state.set");
    json_object_set_new(s->state_writes, key, value);
    return 0;
}

int pb_api_now(lua_State *L)
{
    lua_pushnumber(L, (lua_Number)clock_wall_ms() / 1000.0);
    return 1;
}

/* fawkes.parse_time("2026-01-02T03:04:05Z") -> unix seconds, or nil, reason. */
int pb_api_parse_time(lua_State *L)
{
    const char *text = luaL_checkstring(L, 1);
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *rest = strptime(text, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!rest) {
        memset(&tm, 0, sizeof tm);
        rest = strptime(text, "%Y-%m-%d", &tm);
    }
    double frac = 0;
    long offset_s = 0;
    if (rest && *rest == '.') {
        char *end;
        frac = strtod(rest, &end);
        rest = end;
    }
    if (rest && (*rest == '+' || *rest == '-') && strlen(rest) == 6 && rest[3] == ':') {
        long h = strtol(rest + 1, NULL, 10), m = strtol(rest + 4, NULL, 10);
        offset_s = (h * 3600 + m * 60) * (*rest == '-' ? -1 : 1);
        rest += 6;
    } else if (rest && (*rest == 'Z' || *rest == 'z')) {
        rest++;
    }
    if (!rest || *rest) {
        lua_pushnil(L);
        lua_pushfstring(L, "'%s' is not an RFC 3339 time (2026-01-02T03:04:05Z) or a date", text);
        return 2;
    }
    lua_pushnumber(L, (lua_Number)timegm(&tm) - (lua_Number)offset_s + frac);
    return 1;
}

/* fawkes.report(item): add a JSON-able item to the run's report (stdout). */
int pb_api_report(lua_State *L)
{
    pb_session *s = pb_session_of(L);
    json_t *item = pb_json_check(L, 1, "fawkes.report");
    log_redact_json(item);
    json_array_append_new(s->report, item);
    return 0;
}
