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
#define SANDBOX_DEFAULT_TIMEOUT_MS 60000L
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
 * string.find, match, gmatch, gsub and rep are the sandbox's own (pb_sandbox_strings.c): they
 * behave as Lua's, but charge the work they do to the instruction budget and check the
 * deadline and SIGINT/SIGTERM as they go, and refuse results larger than the memory left.
 *
 * Errors: every failure of pb_sandbox_run is "SCRIPT:LINE: message" followed by a stack
 * traceback; a script that exceeds its memory cap, its instruction budget or its time limit,
 * or runs when SIGINT or SIGTERM arrives (run_cancel_requested), is stopped (pcall cannot
 * catch it: once stopped, every further VM instruction raises again). An error object that is
 * not a string is shown through its __tostring when that works, else by its type; either
 * way with the line that raised it.
 * One sandbox is used by one thread at a time.
 */
typedef struct sandbox sandbox;

/* Create a sandbox. Returns 0; -1 with err set when out of memory. Free with pb_sandbox_free.
   Its time limit, SANDBOX_DEFAULT_TIMEOUT_MS unless pb_sandbox_set_timeout says otherwise,
   runs from now. */
int pb_sandbox_new(const pb_sandbox_limits *limits, sandbox **out, diag *err);
void pb_sandbox_free(sandbox *sb);

/* Set the wall-clock limit to `timeout_ms` from now (0: SANDBOX_DEFAULT_TIMEOUT_MS). */
void pb_sandbox_set_timeout(sandbox *sb, long timeout_ms);

/* The state, to register host functions. Borrowed; valid until pb_sandbox_free. */
lua_State *pb_sandbox_state(sandbox *sb);

/* The sandbox a state belongs to (for C functions called from Lua). */
sandbox *pb_sandbox_of(lua_State *L);

/* Mark the table at `idx` read-only for rawset too (the host's read-only proxies, whose
   __newindex already refuses writes). Raises on OOM: call it protected. */
void pb_sandbox_protect(lua_State *L, int idx);

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

/*
 * pb_sandbox_cpcall: run `fn` (a C function of the host touching the state: reading the
 * script's globals, building tables) under lua_pcall with `ud` as its one argument (a light
 * userdata), so that no error (a metamethod, memory) escapes. Returns 0; or -1 with the
 * message (and traceback) in err.
 */
int pb_sandbox_cpcall(sandbox *sb, lua_CFunction fn, void *ud, diag *err);

/*
 * For C functions called from the script (only there: these raise Lua errors).
 * pb_sandbox_charge: count `steps` units of work done in C against the instruction budget;
 * raises the stop error (located at the calling script line, naming `fn`) when the budget,
 * the time limit or a signal stops the script.
 * pb_sandbox_check_room: raises a located memory-limit error naming `fn` when `bytes` more
 * would not fit in the Lua heap's cap.
 */
void pb_sandbox_charge(lua_State *L, long long steps, const char *fn);
void pb_sandbox_check_room(lua_State *L, size_t bytes, const char *fn);

/* Nonzero when the script must stop: its time is up or SIGINT/SIGTERM arrived (for host
   waits, such as an HTTP request, made on the script's behalf). `sb` is a sandbox *. */
int pb_sandbox_interrupted(void *sb);

/* Why the script was stopped: "memory", "instructions", "timeout", "signal", or NULL. */
const char *pb_sandbox_stopped(const sandbox *sb);

/* Heap bytes in use and the high-water mark. */
size_t pb_sandbox_memory_used(const sandbox *sb);
size_t pb_sandbox_memory_peak(const sandbox *sb);
/* VM instructions run so far (to SANDBOX_HOOK_EVERY), with the steps charged by C functions. */
long long pb_sandbox_instructions(const sandbox *sb);

#endif
