/* pb_sandbox.c: the playbook Lua state: capped allocator, instruction hook, pruned libraries. */
#include "pb_sandbox.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lauxlib.h>
#include <lualib.h>

#include "clock.h"
#include "file_read.h"
#include "log.h"
#include "pb_sandbox_strings.h"
#include "run.h"

struct sandbox {
    lua_State *L;
    size_t memory_cap, memory_used, memory_peak;
    long long budget, hooks; /* instruction budget; hook calls so far */
    long long charged;       /* steps charged by C functions (pb_sandbox_charge) */
    long timeout_ms;         /* the time limit */
    int64_t deadline_ms;     /* clock_mono_ms() when it runs out */
    const strlist *lib_dirs;
    const char *stopped; /* why the script was stopped (pb_sandbox_stopped), or NULL */
    bool over_memory;    /* the soft cap was crossed: the hook stops the script */
    char where[256];     /* "file:line" of the last hook sample */
};

/* Allocations may take the heap this far past the cap before being refused outright, so
   that a crossing is normally reported by the hook, with a line and a traceback. */
#define SANDBOX_MEMORY_SLACK ((size_t)1024 * 1024)

static const char loaded_key = 'r';    /* registry key: the `require` cache */
static const char protected_key = 'p'; /* registry key: {read-only table = true}, weak keys */

/* The largest playbook or library module read (through the host's capped file reader). */
#define SANDBOX_MAX_SOURCE_BYTES ((size_t)16 * 1024 * 1024)

/* Remember the innermost Lua line running now (read-only walk of the call stack, no
   allocation), for errors raised where no message handler runs. */
static void note_where_in(sandbox *sb, lua_State *L)
{
    lua_Debug ar;
    for (int level = 0; L && level < 8 && lua_getstack(L, level, &ar); level++)
        if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0) {
            snprintf(sb->where, sizeof sb->where, "%s:%d", ar.short_src, ar.currentline);
            return;
        }
}

/* The same in the main thread (the allocator knows no other). */
static void note_where(sandbox *sb)
{
    note_where_in(sb, sb->L);
}

static void *pb_sandbox_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    sandbox *sb = ud;
    if (!ptr)
        old_size = 0;
    if (new_size == 0) {
        free(ptr);
        sb->memory_used -= old_size;
        return NULL;
    }
    if (new_size > old_size) {
        size_t grow = new_size - old_size;
        if (sb->memory_used + grow > sb->memory_cap + SANDBOX_MEMORY_SLACK ||
            grow > sb->memory_cap) {
            if (!sb->stopped)
                note_where(sb);
            sb->over_memory = true;
            sb->stopped = "memory";
            return NULL;
        }
        if (sb->memory_used + grow > sb->memory_cap)
            sb->over_memory = true; /* the next hook stops the script */
    }
    void *moved = realloc(ptr, new_size);
    if (!moved)
        return NULL;
    sb->memory_used = sb->memory_used - old_size + new_size;
    if (sb->memory_used > sb->memory_peak)
        sb->memory_peak = sb->memory_used;
    return moved;
}

static void pb_sandbox_hook(lua_State *L, lua_Debug *ar);

static void arm_hook(sandbox *sb, int every)
{
    lua_sethook(sb->L, pb_sandbox_hook, LUA_MASKCOUNT, every);
}

/* Decide whether the script must stop now (the first reason found sticks). */
static void check_stop(sandbox *sb)
{
    if (sb->stopped)
        return;
    if (sb->over_memory)
        sb->stopped = "memory";
    else if (sb->hooks * SANDBOX_HOOK_EVERY + sb->charged >= sb->budget)
        sb->stopped = "instructions";
    else if (clock_mono_ms() >= sb->deadline_ms)
        sb->stopped = "timeout";
    else if (run_cancel_requested())
        sb->stopped = "signal";
}

/* Push the message of the stop, at sb->where; `fn` names the C function that was running
   (NULL: the script itself). */
static void push_stop_message(lua_State *L, sandbox *sb, const char *fn)
{
    const char *where = sb->where[0] ? sb->where : "?";
    char in[96] = "";
    if (fn)
        snprintf(in, sizeof in, " in %s", fn);
    if (strcmp(sb->stopped, "memory") == 0)
        lua_pushfstring(L, "%s: memory limit of %d MiB exceeded%s (playbooks.memory in the config)",
                        where, (int)(sb->memory_cap / (1024 * 1024)), in);
    else if (strcmp(sb->stopped, "timeout") == 0 && sb->timeout_ms % 1000 == 0)
        lua_pushfstring(L, "%s: time limit of %ds exceeded%s (playbooks.timeout in the config)",
                        where, (int)(sb->timeout_ms / 1000), in);
    else if (strcmp(sb->stopped, "timeout") == 0)
        lua_pushfstring(L, "%s: time limit of %dms exceeded%s (playbooks.timeout in the config)",
                        where, (int)sb->timeout_ms, in);
    else if (strcmp(sb->stopped, "signal") == 0)
        lua_pushfstring(L, "%s: stopped%s by SIGINT or SIGTERM: fawkes is shutting down", where,
                        in);
    else if (fn)
        lua_pushfstring(L,
                        "%s: instruction limit of %I exceeded%s (each step of its work counts "
                        "as an instruction); is the pattern backtracking, or the loop endless? "
                        "(playbooks.instructions in the config)",
                        where, (lua_Integer)sb->budget, in);
    else
        lua_pushfstring(L,
                        "%s: instruction limit of %I exceeded; is there an endless loop? "
                        "(playbooks.instructions in the config)",
                        where, (lua_Integer)sb->budget);
}

/* Raise the stop. From now on every instruction raises, so pcall cannot swallow it. */
static int raise_stop(lua_State *L, sandbox *sb, const char *fn)
{
    arm_hook(sb, 1);
    push_stop_message(L, sb, fn);
    return lua_error(L);
}

static void pb_sandbox_hook(lua_State *L, lua_Debug *ar)
{
    sandbox *sb = pb_sandbox_of(L);
    sb->hooks++;
    if (lua_getinfo(L, "Sl", ar) && ar->currentline > 0)
        snprintf(sb->where, sizeof sb->where, "%s:%d", ar->short_src, ar->currentline);
    check_stop(sb);
    if (sb->stopped)
        raise_stop(L, sb, NULL);
}

void pb_sandbox_charge(lua_State *L, long long steps, const char *fn)
{
    sandbox *sb = pb_sandbox_of(L);
    sb->charged += steps;
    check_stop(sb);
    if (!sb->stopped)
        return;
    note_where_in(sb, L);
    raise_stop(L, sb, fn);
}

void pb_sandbox_check_room(lua_State *L, size_t bytes, const char *fn)
{
    sandbox *sb = pb_sandbox_of(L);
    if (sb->memory_used < sb->memory_cap && bytes <= sb->memory_cap - sb->memory_used)
        return;
    note_where_in(sb, L);
    sb->over_memory = true;
    if (!sb->stopped)
        sb->stopped = "memory";
    raise_stop(L, sb, fn);
}

int pb_sandbox_interrupted(void *arg)
{
    sandbox *sb = arg;
    check_stop(sb);
    return sb->stopped != NULL;
}

const char *pb_sandbox_stopped(const sandbox *sb)
{
    return sb->stopped;
}

sandbox *pb_sandbox_of(lua_State *L)
{
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return ud;
}

lua_State *pb_sandbox_state(sandbox *sb)
{
    return sb->L;
}

size_t pb_sandbox_memory_used(const sandbox *sb)
{
    return sb->memory_used;
}

size_t pb_sandbox_memory_peak(const sandbox *sb)
{
    return sb->memory_peak;
}

long long pb_sandbox_instructions(const sandbox *sb)
{
    return sb->hooks * SANDBOX_HOOK_EVERY + sb->charged;
}

/* print(...): the values, tab-separated, to the log at info level. */
static int sb_print(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        if (i > 1)
            luaL_addchar(&b, '\t');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    log_msg(FWK_LOG_INFO, "playbook", "%s", lua_tostring(L, -1));
    return 0;
}

/* The wrapped library function, in upvalue 1. The wrappers run it in their own frame (not
   through lua_call) so that its errors name the script's line, and its name. */
static lua_CFunction wrapped(lua_State *L)
{
    return lua_tocfunction(L, lua_upvalueindex(1));
}

/* load(chunk [, name [, mode [, env]]]): text chunks only, whatever `mode` says. */
static int sb_load(lua_State *L)
{
    lua_settop(L, lua_gettop(L) >= 4 ? 4 : 3); /* an absent env stays absent */
    lua_pushliteral(L, "t");
    lua_replace(L, 3);
    return wrapped(L)(L);
}

/* xpcall's message handler, wrapped: once the script is stopped the user's handler is not
   run (Lua runs handlers of errors raised by a hook with hooks off, so a looping handler could
   not be stopped). */
static int xpcall_handler(lua_State *L)
{
    if (pb_sandbox_of(L)->stopped)
        return 1;
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

static int xpcall_done(lua_State *L, int status, lua_KContext ctx)
{
    (void)status;
    (void)ctx;
    return lua_gettop(L);
}

static int sb_xpcall(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, xpcall_handler, 1);
    lua_replace(L, 2);
    lua_pushvalue(L, lua_upvalueindex(1)); /* the real xpcall */
    lua_insert(L, 1);
    lua_callk(L, n, LUA_MULTRET, 0, xpcall_done);
    return lua_gettop(L);
}

/* setmetatable without __gc: finalizers run with hooks off, out of the budget's reach. */
static int sb_setmetatable(lua_State *L)
{
    lua_pushliteral(L, "__gc");
    if (lua_istable(L, 2) && lua_rawget(L, 2) != LUA_TNIL)
        return luaL_error(L, "setmetatable: __gc metamethods are not allowed in playbooks");
    lua_settop(L, 2);
    return wrapped(L)(L);
}

static int sb_collectgarbage(lua_State *L)
{
    static const char *const options[] = {"collect", "count", "step", NULL};
    int option = luaL_checkoption(L, 1, "collect", options);
    switch (option) {
    case 1:
        lua_pushnumber(L, (lua_Number)lua_gc(L, LUA_GCCOUNT, 0) +
                              (lua_Number)lua_gc(L, LUA_GCCOUNTB, 0) / 1024);
        return 1;
    case 2:
        lua_pushboolean(L, lua_gc(L, LUA_GCSTEP, 0));
        return 1;
    default:
        lua_gc(L, LUA_GCCOLLECT);
        lua_pushinteger(L, 0);
        return 1;
    }
}

/* A module name: letters, digits, '_' and '-', dot-separated words. */
static bool module_name_ok(const char *name)
{
    if (!*name || *name == '.' || strlen(name) > 200)
        return false;
    for (const char *p = name; *p; p++) {
        bool word = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-';
        if (!word && !(*p == '.' && p[1] && p[1] != '.'))
            return false;
    }
    return true;
}

/* Load the file `path` as a text chunk named "@path", as luaL_loadfilex does (a UTF-8 byte
   order mark skipped, a first line starting with '#' read as an empty line) but read whole
   through the host's capped reader; `what` names the file in errors ("playbook"). Pushes
   the function, or the error message; returns the Lua status. */
static int load_source(lua_State *L, const char *path, const char *what)
{
    size_t length = 0;
    diag why;
    char *text = file_read_capped(path, SANDBOX_MAX_SOURCE_BYTES, what, &length, &why);
    if (!text) {
        lua_pushstring(L, why.text);
        return LUA_ERRFILE;
    }
    const char *start = text, *end = text + length;
    if (length >= 3 && memcmp(start, "\xEF\xBB\xBF", 3) == 0)
        start += 3;
    if (start < end && *start == '#') {
        const char *newline = memchr(start, '\n', (size_t)(end - start));
        start = newline ? newline : end;
    }
    char *chunkname = NULL;
    bool named = asprintf(&chunkname, "@%s", path) >= 0;
    int status = named ? luaL_loadbufferx(L, start, (size_t)(end - start), chunkname, "t") : 0;
    if (named)
        free(chunkname);
    free(text); /* before anything that may raise a Lua error */
    if (named)
        return status;
    lua_pushfstring(L, "%s: out of memory", path);
    return LUA_ERRFILE;
}

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* require(name): the host's preloads, then NAME.lua / NAME/init.lua in the lib dirs. */
static int sb_require(lua_State *L)
{
    sandbox *sb = pb_sandbox_of(L);
    const char *name = luaL_checkstring(L, 1);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &loaded_key);
    if (lua_getfield(L, -1, name) != LUA_TNIL)
        return 1;
    lua_pop(L, 1);
    if (!module_name_ok(name))
        return luaL_error(L, "require '%s': not a module name (use words separated by dots)", name);
    char rel[256];
    snprintf(rel, sizeof rel, "%s", name);
    for (char *p = rel; *p; p++)
        if (*p == '.')
            *p = '/';
    char path[4096];
    const char *found = NULL;
    size_t dir_count = sb->lib_dirs ? sb->lib_dirs->count : 0;
    for (size_t i = 0; i < dir_count && !found; i++) {
        static const char *const suffixes[] = {".lua", "/init.lua"};
        for (size_t k = 0; k < 2 && !found; k++) {
            snprintf(path, sizeof path, "%s/%s%s", sb->lib_dirs->items[i], rel, suffixes[k]);
            if (is_file(path))
                found = path;
        }
    }
    if (!found)
        return luaL_error(L,
                          "require '%s': no %s.lua in the playbook library dirs (%s); only "
                          "pure-Lua modules from playbooks.lib_dirs can be loaded",
                          name, rel, dir_count ? sb->lib_dirs->items[0] : "none configured");
    if (load_source(L, found, "library module") != LUA_OK)
        return lua_error(L);
    lua_pushstring(L, name);
    lua_pushstring(L, found);
    lua_call(L, 2, 1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, name);
    return 1;
}

void pb_sandbox_protect(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &protected_key);
    lua_pushvalue(L, idx);
    lua_pushboolean(L, 1);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

/* rawset(t, k, v), refused on the host's read-only tables. */
static int sb_rawset(lua_State *L)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &protected_key);
    lua_pushvalue(L, 1);
    bool read_only = lua_rawget(L, -2) != LUA_TNIL;
    lua_pop(L, 2);
    if (read_only)
        return luaL_error(L, "rawset: this table is read-only (a part of the fawkes module)");
    return wrapped(L)(L);
}

void pb_sandbox_preload(sandbox *sb, const char *name)
{
    lua_rawgetp(sb->L, LUA_REGISTRYINDEX, &loaded_key);
    lua_insert(sb->L, -2);
    lua_setfield(sb->L, -2, name);
    lua_pop(sb->L, 1);
}

static void remove_fields(lua_State *L, const char *table, const char *const *names)
{
    lua_getglobal(L, table);
    for (size_t i = 0; names[i]; i++) {
        lua_pushnil(L);
        lua_setfield(L, -2, names[i]);
    }
    lua_pop(L, 1);
}

/* lua_CFunction: the libraries, pruned (run protected: it allocates). */
static int open_libraries(lua_State *L)
{
    static const luaL_Reg libs[] = {
        {LUA_GNAME, luaopen_base},       {LUA_STRLIBNAME, luaopen_string},
        {LUA_TABLIBNAME, luaopen_table}, {LUA_MATHLIBNAME, luaopen_math},
        {LUA_UTF8LIBNAME, luaopen_utf8}, {LUA_COLIBNAME, luaopen_coroutine},
        {LUA_OSLIBNAME, luaopen_os},     {NULL, NULL}};
    for (const luaL_Reg *lib = libs; lib->func; lib++) {
        luaL_requiref(L, lib->name, lib->func, 1);
        lua_pop(L, 1);
    }
    /* The library cache the base functions could reach through package.loaded is not
       exposed (no package library); clear it anyway so no table is shared by two names. */
    lua_pushnil(L);
    lua_setfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);

    static const char *const base_gone[] = {"dofile", "loadfile", "require", NULL};
    for (size_t i = 0; base_gone[i]; i++) {
        lua_pushnil(L);
        lua_setglobal(L, base_gone[i]);
    }
    static const char *const os_gone[] = {"execute", "exit",    "getenv",    "remove",
                                          "rename",  "tmpname", "setlocale", NULL};
    remove_fields(L, LUA_OSLIBNAME, os_gone);
    static const char *const string_gone[] = {"dump", NULL};
    remove_fields(L, LUA_STRLIBNAME, string_gone);
    lua_getglobal(L, LUA_STRLIBNAME);
    pb_sandbox_open_strings(L);
    lua_pop(L, 1);

    lua_getglobal(L, "load");
    lua_pushcclosure(L, sb_load, 1);
    lua_setglobal(L, "load");
    lua_getglobal(L, "xpcall");
    lua_pushcclosure(L, sb_xpcall, 1);
    lua_setglobal(L, "xpcall");
    lua_getglobal(L, "setmetatable");
    lua_pushcclosure(L, sb_setmetatable, 1);
    lua_setglobal(L, "setmetatable");
    lua_getglobal(L, "rawset");
    lua_pushcclosure(L, sb_rawset, 1);
    lua_setglobal(L, "rawset");
    lua_newtable(L); /* the read-only tables, held weakly */
    lua_newtable(L);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &protected_key);
    lua_register(L, "print", sb_print);
    lua_register(L, "collectgarbage", sb_collectgarbage);
    lua_register(L, "require", sb_require);

    /* The string metatable is shared by every string: hide it. */
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_pushliteral(L, "string metatable is protected");
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 2);

    lua_newtable(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &loaded_key);
    return 0;
}

/* The last resort: an error escaped every protected call. Say so before aborting. */
static int sandbox_panic(lua_State *L)
{
    const char *msg = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "not a string";
    fprintf(stderr,
            "fawkes: internal error: a Lua error escaped the playbook sandbox's protection: %s\n",
            msg);
    return 0; /* Lua aborts */
}

int pb_sandbox_new(const pb_sandbox_limits *limits, sandbox **out, diag *err)
{
    *out = NULL;
    sandbox *sb = calloc(1, sizeof *sb);
    if (!sb) {
        diag_set(err, "out of memory while creating the Lua state");
        return -1;
    }
    sb->memory_cap =
        limits && limits->memory_bytes ? limits->memory_bytes : SANDBOX_DEFAULT_MEMORY_BYTES;
    sb->budget =
        limits && limits->instructions > 0 ? limits->instructions : SANDBOX_DEFAULT_INSTRUCTIONS;
    sb->lib_dirs = limits ? limits->lib_dirs : NULL;
    pb_sandbox_set_timeout(sb, 0);
    /* The libraries need some room of their own before the cap applies to the script. */
    size_t cap = sb->memory_cap;
    sb->memory_cap = cap + SANDBOX_DEFAULT_MEMORY_BYTES;
    sb->L = lua_newstate(pb_sandbox_alloc, sb);
    if (!sb->L) {
        free(sb);
        diag_set(err, "out of memory while creating the Lua state");
        return -1;
    }
    lua_atpanic(sb->L, sandbox_panic);
    lua_pushcfunction(sb->L, open_libraries);
    if (lua_pcall(sb->L, 0, 0, 0) != LUA_OK) {
        pb_sandbox_free(sb);
        diag_set(err, "out of memory while creating the Lua state");
        return -1;
    }
    sb->memory_cap = cap;
    if (sb->memory_used >= cap) {
        diag_set(err,
                 "playbooks.memory: %zu bytes is too small for the Lua libraries (%zu "
                 "bytes); allow at least 1MiB",
                 cap, sb->memory_used);
        pb_sandbox_free(sb);
        return -1;
    }
    arm_hook(sb, SANDBOX_HOOK_EVERY);
    *out = sb;
    return 0;
}

void pb_sandbox_set_timeout(sandbox *sb, long timeout_ms)
{
    sb->timeout_ms = timeout_ms > 0 ? timeout_ms : SANDBOX_DEFAULT_TIMEOUT_MS;
    sb->deadline_ms = clock_mono_ms() + sb->timeout_ms;
}

void pb_sandbox_free(sandbox *sb)
{
    if (!sb)
        return;
    sb->memory_cap = (size_t)-1 / 2; /* closing frees; never refuse while closing */
    lua_close(sb->L);
    free(sb);
}

/* "file:line" of the innermost Lua function with a line on the stack, into buf. */
static void script_where(lua_State *L, char *buf, size_t size)
{
    lua_Debug ar;
    snprintf(buf, size, "?");
    for (int level = 1; level < 16 && lua_getstack(L, level, &ar); level++)
        if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0) {
            snprintf(buf, size, "%s:%d", ar.short_src, ar.currentline);
            return;
        }
}

/* lua_CFunction: the error object at 1 as text, through its __tostring (which may fail). */
static int error_object_text(lua_State *L)
{
    luaL_tolstring(L, 1, NULL);
    return 1;
}

/* Message handler: "msg\nstack traceback:..." (C: the hook cannot interrupt it). An error
   object that is not a string is shown through its __tostring, called protected (it may
   fail), and located at the line that raised it. */
static int traceback_handler(lua_State *L)
{
    sandbox *sb = pb_sandbox_of(L);
    const char *msg = lua_type(L, 1) == LUA_TSTRING ? lua_tostring(L, 1) : NULL;
    if (!msg) {
        char where[256];
        script_where(L, where, sizeof where);
        const char *type = luaL_typename(L, 1);
        bool has_tostring = luaL_getmetafield(L, 1, "__tostring") != LUA_TNIL;
        if (has_tostring)
            lua_pop(L, 1);
        if (lua_type(L, 1) == LUA_TNUMBER || (has_tostring && !sb->stopped)) {
            lua_pushcfunction(L, error_object_text);
            lua_pushvalue(L, 1);
            if (lua_pcall(L, 1, 1, 0) == LUA_OK)
                msg = lua_pushfstring(L, "%s: %s", where, lua_tostring(L, -1));
            else
                msg = lua_pushfstring(L,
                                      "%s: (error object is a %s value whose __tostring failed: "
                                      "%s)",
                                      where, type,
                                      lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1)
                                                                     : "not a string");
        } else {
            msg = lua_pushfstring(L, "%s: (error object is a %s value)", where, type);
        }
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

static void error_text(sandbox *sb, int status, diag *err)
{
    lua_State *L = sb->L;
    const char *msg = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    const char *where = sb->where[0] ? sb->where : "?";
    if (status == LUA_ERRMEM || (sb->stopped && strcmp(sb->stopped, "memory") == 0 && !msg))
        diag_set(err, "%s: memory limit of %d MiB exceeded (playbooks.memory in the config)", where,
                 (int)(sb->memory_cap / (1024 * 1024)));
    else if (status == LUA_ERRERR)
        diag_set(err, "%s: an error occurred while reporting an error (%s)", where,
                 msg ? msg : "no message");
    else
        diag_set(err, "%s", msg ? msg : "error with no message");
    lua_pop(L, 1);
}

int pb_sandbox_pcall(sandbox *sb, int nargs, int nresults, diag *err)
{
    lua_State *L = sb->L;
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, traceback_handler);
    lua_insert(L, base);
    int status = lua_pcall(L, nargs, nresults, base);
    lua_remove(L, base);
    if (status == LUA_OK)
        return 0;
    error_text(sb, status, err);
    return -1;
}

int pb_sandbox_cpcall(sandbox *sb, lua_CFunction fn, void *ud, diag *err)
{
    lua_State *L = sb->L;
    if (!lua_checkstack(L, 4)) {
        diag_set(err, "out of memory in the Lua state");
        return -1;
    }
    lua_pushcfunction(L, fn);
    lua_pushlightuserdata(L, ud);
    return pb_sandbox_pcall(sb, 1, 0, err);
}

int pb_sandbox_run_string(sandbox *sb, const char *text, const char *name, diag *err)
{
    int status = luaL_loadbufferx(sb->L, text, strlen(text), name, "t");
    if (status != LUA_OK) {
        error_text(sb, status, err);
        return -1;
    }
    return pb_sandbox_pcall(sb, 0, 0, err);
}

int pb_sandbox_run_file(sandbox *sb, const char *path, diag *err)
{
    int status = load_source(sb->L, path, "playbook");
    if (status != LUA_OK) {
        error_text(sb, status, err);
        return -1;
    }
    return pb_sandbox_pcall(sb, 0, 0, err);
}
