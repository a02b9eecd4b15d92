/* fuzz_luajson.c: JSON in playbooks (host/lua/pb_json.c) over any text. fawkes.json.decode
   must accept exactly what jansson accepts; the Lua value it makes must convert back
   (pb_json_to) to the same JSON, less the nulls inside objects (absent keys in Lua, as
   docs/lua.md says); a read-only view of the JSON must convert back to it unchanged, and
   walking the view from Lua (pairs, ipairs, #, next) must visit every member once. */
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "fuzz.h"
#include "pb_json.h"

/* Walk a value the way a playbook does; returns how many members it visited. */
static const char fuzz_walker[] =
    "local json = ...\n"
    "local function walk(v)\n"
    "  if type(v) ~= 'userdata' or v == json.null then return 0 end\n"
    "  local n, m = 0, 0\n"
    "  for _, x in pairs(v) do n = n + 1 + walk(x) end\n"
    "  local k = next(v)\n"
    "  while k ~= nil do m = m + 1; k = next(v, k) end\n"
    "  local len = #v\n"
    "  for i = 1, len do local _ = v[i] end\n"
    "  local seen = 0\n"
    "  for _ in ipairs(v) do seen = seen + 1 end\n"
    "  local direct = 0\n"
    "  for _ in pairs(v) do direct = direct + 1 end\n"
    "  if m ~= direct then error('next visits ' .. m .. ' members, pairs ' .. direct) end\n"
    "  if len > 0 and seen > len then error('ipairs went past #') end\n"
    "  return n\n"
    "end\n"
    "return walk\n";

static int fuzz_decode_ref, fuzz_walk_ref;

/* A fresh state per input, closed after it: what one input allocates is freed before the
   next (so libFuzzer's per-input leak check finds nothing to scan for). */
static lua_State *fuzz_state(void)
{
    lua_State *L = luaL_newstate();
    fuzz_check(L != NULL, "out of memory");
    luaL_openlibs(L);
    pb_json_open(L);
    lua_getfield(L, -1, "decode");
    fuzz_decode_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    fuzz_check(luaL_loadstring(L, fuzz_walker) == LUA_OK, "walker: %s", lua_tostring(L, -1));
    lua_pushvalue(L, -2);
    fuzz_check(lua_pcall(L, 1, 1, 0) == LUA_OK, "walker: %s", lua_tostring(L, -1));
    fuzz_walk_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_settop(L, 0);
    return L;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

/* `value` (reference taken) without the null members of objects, at any depth. */
static json_t *fuzz_without_object_nulls(json_t *value)
{
    if (json_is_object(value)) {
        const char *key;
        json_t *member;
        void *tmp;
        json_object_foreach_safe (value, tmp, key, member) {
            if (json_is_null(member))
                json_object_del(value, key);
            else
                fuzz_without_object_nulls(member);
        }
    } else if (json_is_array(value)) {
        size_t i;
        json_t *item;
        json_array_foreach (value, i, item)
            fuzz_without_object_nulls(item);
    }
    return value;
}

/* How deep `value` nests (a scalar: 0), and how many members a walk visits (object members
   that are not null, array items). */
static int fuzz_depth(const json_t *value, size_t *members)
{
    int deepest = 0;
    size_t i;
    const char *key;
    json_t *child;
    if (json_is_object(value)) {
        json_object_foreach ((json_t *)value, key, child) {
            if (json_is_null(child))
                continue;
            (*members)++;
            int d = fuzz_depth(child, members);
            deepest = d > deepest ? d : deepest;
        }
        return deepest + 1;
    }
    if (json_is_array(value)) {
        json_array_foreach (value, i, child) {
            (*members)++;
            int d = fuzz_depth(child, members);
            deepest = d > deepest ? d : deepest;
        }
        return deepest + 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lua_State *L = fuzz_state();
    char why[512];
    json_error_t error;
    json_t *expected =
        json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, &error);
    size_t members = 0;
    int depth = expected ? fuzz_depth(expected, &members) : 0;

    /* fawkes.json.decode(text) */
    lua_rawgeti(L, LUA_REGISTRYINDEX, fuzz_decode_ref);
    lua_pushlstring(L, (const char *)data, size);
    int rc = lua_pcall(L, 1, 1, 0);
    if (!expected) {
        fuzz_check(rc != LUA_OK, "json.decode accepted what jansson rejects: %s", error.text);
        lua_close(L);
        return 0;
    }
    fuzz_check(rc == LUA_OK, "json.decode rejected what jansson accepts: %s", lua_tostring(L, -1));
    json_t *back = pb_json_to(L, -1, why, sizeof why);
    if (depth > 64) {
        fuzz_check(!back && strstr(why, "deeper than 64"), "nested %d deep: %s", depth, why);
    } else {
        fuzz_check(back != NULL, "the decoded value does not convert back: %s", why);
        json_t *want = fuzz_without_object_nulls(json_deep_copy(expected));
        fuzz_check(json_equal(back, want), "decode then convert changed the value");
        json_decref(want);
    }
    json_decref(back);
    lua_settop(L, 0);

    /* a view of the JSON converts back to it unchanged, and walks over every member */
    pb_json_push_view(L, json_incref(expected), NULL);
    json_t *viewed = pb_json_to(L, -1, why, sizeof why);
    fuzz_check(viewed != NULL, "a view does not convert back: %s", why);
    fuzz_check(json_equal(viewed, expected) || json_is_null(expected),
               "a view converts back to other JSON");
    json_decref(viewed);
    if (depth <= 64) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, fuzz_walk_ref);
        lua_insert(L, -2);
        fuzz_check(lua_pcall(L, 1, 1, 0) == LUA_OK, "walking the view: %s", lua_tostring(L, -1));
        fuzz_check((size_t)lua_tointeger(L, -1) == members, "the walk visited %lld members of %zu",
                   (long long)lua_tointeger(L, -1), members);
    }
    lua_close(L);
    json_decref(expected);
    return 0;
}
