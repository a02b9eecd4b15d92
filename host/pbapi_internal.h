/* pbapi_internal.h: what the files of the `fawkes` Lua module share. */
#ifndef HOST_PBAPI_INTERNAL_H
#define HOST_PBAPI_INTERNAL_H

#include <lua.h>

#include "playbook_internal.h"

/* The optional string field `key` of the options table at `idx` (NULL when absent); raises
   "FN: 'key' must be a string" for other types. The string lives as long as the table. */
const char *pbapi_opt_string(lua_State *L, int idx, const char *key, const char *fn);

/* Module functions (lua_CFunction), documented in docs/lua.md. */
int pbapi_inventory(lua_State *L); /* pbapi_iter.c */
int pbapi_findings(lua_State *L);
int pbapi_notify(lua_State *L); /* pbapi_steps.c */
int pbapi_action(lua_State *L);
int pbapi_provision(lua_State *L);
int pbapi_http_request(lua_State *L);
int pbapi_log_debug(lua_State *L); /* pbapi_util.c */
int pbapi_log_info(lua_State *L);
int pbapi_log_warn(lua_State *L);
int pbapi_log_error(lua_State *L);
int pbapi_state_get(lua_State *L);
int pbapi_state_set(lua_State *L);
int pbapi_now(lua_State *L);
int pbapi_parse_time(lua_State *L);
int pbapi_report(lua_State *L);

#endif
