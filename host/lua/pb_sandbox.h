/* pb_sandbox.h: a Lua 5.4 state for playbooks: safe libraries only, memory and instruction caps. */
#ifndef HOST_PB_SANDBOX_H
#define HOST_PB_SANDBOX_H

#include <stddef.h>

#include <lua.h>

#include "diag.h"
#include "strlist.h"

/* Built-in limits (docs/lua.md, config `playbooks:`). */
#define SANDBOX_DEFAULT_MEMORY_BYTES ((size_t)64 * 1024 * 1024)
#define SANDBOX_DEFAULT_INSTRUCTIONS 100000000LL
/* The hook runs every this many VM instructions (the budget's granularity). */
#define SANDBOX_HOOK_EVERY 1000

typedef struct pb_sandbox_limits {
    size_t memory_bytes;     /* cap on the Lua heap; 0: SANDBOX_DEFAULT_MEMORY_BYTES */
    long long instructions;  /* VM instruction budget; 0: SANDBOX_DEFAULT_INSTRUCTIONS */
    const strlist *lib_dirs; /* where `require` looks for NAME.lua (borrowed; may be NULL) */
} pb_sandbox_limits;

/*
 * A sandboxed state. What a script sees: the base functions without dofile, loadfile and
 * raw host access (load takes text chunks only; collectgarbage only "count", "collect",
 * "step"; print writes to the log), string (without string.dump), table, math, utf8,
 * coroutine, os.time/os.clock/os.date/os.difftime, and `require`, which loads pure-Lua
 * modules from lib_dirs in text mode (and the host modules registered with
 * pb_sandbox_preload). There is no io, debug, package, os.execute/exit/getenv/remove, nor any
 * way to load a C module or bytecode.
 *
 * Errors: every failure of pb_sandbox_run is "SCRIPT:LINE: message" followed by a stack
 * traceback; a script that exceeds its memory cap or instruction budget is stopped (pcall
 * cannot catch it: once stopped, every further VM instruction raises again).
 * One sandbox is used by one thread at a time.
 */
typedef struct sandbox sandbox;

/* Create a sandbox. Returns 0; -1 with err set when out of memory. Free with pb_sandbox_free. */
int pb_sandbox_new(const pb_sandbox_limits *limits, sandbox **out, diag *err);
void pb_sandbox_free(sandbox *sb);

/* The state, to register host functions. Borrowed; valid until pb_sandbox_free. */
lua_State *pb_sandbox_state(sandbox *sb);

/* The sandbox a state belongs to (for C functions called from Lua). */
sandbox *pb_sandbox_of(lua_State *L);

/* Make `require(name)` return the value on top of the stack (popped). */
void pb_sandbox_preload(sandbox *sb, const char *name);

/*
 * pb_sandbox_run_file: load `path` as a text chunk (chunk name "@path") and run it.
 * Returns 0; or -1 with the error, its position and a traceback in `err` (syntax error,
 * runtime error, memory cap, instruction budget, unreadable file). The text is truncated to
 * DIAG_MAX.
 */
int pb_sandbox_run_file(sandbox *sb, const char *path, diag *err);

/* As pb_sandbox_run_file for text in memory; `name` is the chunk name shown in errors. */
int pb_sandbox_run_string(sandbox *sb, const char *text, const char *name, diag *err);

/*
 * pb_sandbox_pcall: call the function below `nargs` arguments on the stack with the traceback
 * message handler; as lua_pcall with nresults, but on error pops the message and writes it
 * (with traceback) to err and returns -1. For callbacks (e.g. a `where` filter).
 */
int pb_sandbox_pcall(sandbox *sb, int nargs, int nresults, diag *err);

/* Heap bytes in use and the high-water mark. */
size_t pb_sandbox_memory_used(const sandbox *sb);
size_t pb_sandbox_memory_peak(const sandbox *sb);
/* VM instructions run so far (to SANDBOX_HOOK_EVERY). */
long long pb_sandbox_instructions(const sandbox *sb);

#endif
