/* pb_sandbox_strings.h: the sandbox's string.find, match, gmatch, gsub and rep: Lua's
   semantics, with their work charged to the playbook's limits. */
#ifndef HOST_PB_SANDBOX_STRINGS_H
#define HOST_PB_SANDBOX_STRINGS_H

#include <lua.h>

/*
 * pb_sandbox_open_strings: replace find, match, gmatch, gsub and rep in the table on top of
 * the stack (the state's `string` library) with versions that behave as Lua 5.4's (same
 * patterns, results and error messages) but cannot run away inside C: every step of the
 * pattern matcher (and every 64 bytes rep or gsub build) is charged to the instruction budget
 * with pb_sandbox_charge, which also stops them at the time limit and on SIGINT/SIGTERM, and
 * a result that would not fit in the memory left is refused before it is built
 * (pb_sandbox_check_room). Lua's own matcher backtracks in C where no hook can reach it,
 * which is why these exist. The state must be a sandbox's (pb_sandbox_of). Raises on OOM;
 * call it protected.
 */
void pb_sandbox_open_strings(lua_State *L);

#endif
