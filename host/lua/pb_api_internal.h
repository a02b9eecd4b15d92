/* pb_api_internal.h: what the files of the `fawkes` Lua module share. */
#ifndef HOST_PB_API_INTERNAL_H
#define HOST_PB_API_INTERNAL_H

#include <lua.h>

#include "playbook_internal.h"

/* The optional string field `key` of the options table at `idx` (NULL when absent); raises
   "FN: 'key' must be a string" for other types. The string lives as long as the table. */
const char *pb_api_opt_string(lua_State *L, int idx, const char *key, const char *fn);

/* Module functions (lua_CFunction), documented in docs/lua.md. */
int pb_api_inventory(lua_State *L); /* pb_api_iter.c */
int pb_api_findings(lua_State *L);
int pb_api_notify(lua_State *L); /* pb_api_steps.c */
int pb_api_action(lua_State *L);
int pb_api_provision(lua_State *L);
int pb_api_http_request(lua_State *L);
int pb_api_log_debug(lua_State *L); /* pb_api_util.c */
int pb_api_log_info(lua_State *L);
int pb_api_log_warn(lua_State *L);
int pb_api_log_error(lua_State *L);
int pb_api_state_get(lua_State *L);
int pb_api_state_set(lua_State *L);
int pb_api_now(lua_State *L);
int pb_api_parse_time(lua_State *L);
int pb_api_report(lua_State *L);

#endif
