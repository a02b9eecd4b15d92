/* pb_json.c: JSON <-> Lua conversion, read-only JSON views, fawkes.json.encode/decode. */
#include "pb_json.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

/* Two metatables with the same methods: a root view owns its JSON and releases it in
   __gc; a member view (no finalizer, which keeps it cheap) keeps its root view alive
   through its user value. */
#define VIEW_META "fawkes.json.view"
#define ROOT_VIEW_META "fawkes.json.view.root"
#define LUAJSON_MAX_DEPTH 64

static const char array_marker_key = 'a'; /* registry: metatable of arrays from JSON */

typedef struct json_view {
    json_t *value; /* a root view's reference; a member view's, borrowed from its root */
    void *tag;
} json_view;

/* The view at `idx`, or NULL. */
static json_view *to_view(lua_State *L, int idx)
{
    json_view *view = luaL_testudata(L, idx, ROOT_VIEW_META);
    return view ? view : luaL_testudata(L, idx, VIEW_META);
}

static json_view *check_view(lua_State *L, int idx)
{
    json_view *view = to_view(L, idx);
    if (!view)
        luaL_typeerror(L, idx, "JSON view");
    return view;
}

static void push_null(lua_State *L)
{
    lua_pushlightuserdata(L, NULL);
}

static void push_scalar(lua_State *L, const json_t *value)
{
    if (!value) {
        lua_pushnil(L);
        return;
    }
    switch (json_typeof(value)) {
    case JSON_STRING:
        lua_pushlstring(L, json_string_value(value), json_string_length(value));
        break;
    case JSON_INTEGER:
        lua_pushinteger(L, (lua_Integer)json_integer_value(value));
        break;
    case JSON_REAL:
        lua_pushnumber(L, json_real_value(value));
        break;
    case JSON_TRUE:
        lua_pushboolean(L, 1);
        break;
    case JSON_FALSE:
        lua_pushboolean(L, 0);
        break;
    default:
        lua_pushnil(L);
        break;
    }
}

static void set_array_marker(lua_State *L)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &array_marker_key);
    lua_setmetatable(L, -2);
}

void pb_json_push(lua_State *L, const json_t *value)
{
    luaL_checkstack(L, 4, "JSON nested too deep");
    if (!value) {
        lua_pushnil(L);
    } else if (json_is_object(value)) {
        lua_createtable(L, 0, (int)json_object_size(value));
        const char *key;
        json_t *member;
        json_object_foreach ((json_t *)value, key, member) {
            if (json_is_null(member))
                continue;
            pb_json_push(L, member);
            lua_setfield(L, -2, key);
        }
    } else if (json_is_array(value)) {
        lua_createtable(L, (int)json_array_size(value), 0);
        size_t i;
        json_t *item;
        json_array_foreach (value, i, item) {
            if (json_is_null(item))
                push_null(L);
            else
                pb_json_push(L, item);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        set_array_marker(L);
    } else {
        push_scalar(L, value);
    }
}

/* Push `value` (a member of the view at `parent`, borrowed from it) as a member view, or as
   a plain value. */
static void push_member(lua_State *L, json_t *value, int parent)
{
    if (!value || !(json_is_object(value) || json_is_array(value))) {
        push_scalar(L, value);
        return;
    }
    parent = lua_absindex(L, parent);
    json_view *view = lua_newuserdatauv(L, sizeof *view, 1);
    view->value = value;
    view->tag = NULL;
    luaL_setmetatable(L, VIEW_META);
    /* anchor the root: the parent itself, or the root its own user value holds */
    if (luaL_testudata(L, parent, ROOT_VIEW_META))
        lua_pushvalue(L, parent);
    else
        lua_getiuservalue(L, parent, 1);
    lua_setiuservalue(L, -2, 1);
}

void pb_json_push_view(lua_State *L, json_t *value, void *tag)
{
    if (!value || !(json_is_object(value) || json_is_array(value))) {
        push_scalar(L, value);
        json_decref(value);
        return;
    }
    json_view *view = lua_newuserdatauv(L, sizeof *view, 0);
    view->value = value;
    view->tag = tag;
    luaL_setmetatable(L, ROOT_VIEW_META);
}

json_t *pb_json_view(lua_State *L, int idx, void **tag)
{
    json_view *view = to_view(L, idx);
    if (!view)
        return NULL;
    if (tag)
        *tag = view->tag;
    return view->value;
}

static int view_gc(lua_State *L)
{
    json_view *view = lua_touserdata(L, 1);
    json_decref(view->value);
    view->value = NULL;
    return 0;
}

static int view_index(lua_State *L)
{
    json_view *view = check_view(L, 1);
    json_t *child = NULL;
    bool in_array = json_is_array(view->value);
    if (in_array) {
        if (lua_isinteger(L, 2)) {
            lua_Integer i = lua_tointeger(L, 2);
            if (i >= 1)
                child = json_array_get(view->value, (size_t)(i - 1));
        }
    } else if (lua_type(L, 2) == LUA_TSTRING) {
        child = json_object_get(view->value, lua_tostring(L, 2));
    }
    if (child && json_is_null(child) && in_array)
        push_null(L);
    else
        push_member(L, child, 1);
    return 1;
}

static int view_newindex(lua_State *L)
{
    return luaL_error(L, "this value is read-only (a resource or JSON view); make a copy "
                         "with fawkes.json.copy(value) to change it");
}

static int view_len(lua_State *L)
{
    json_view *view = check_view(L, 1);
    lua_pushinteger(L, json_is_array(view->value) ? (lua_Integer)json_array_size(view->value) : 0);
    return 1;
}

/* next(view, key) for pairs(). */
static int view_next(lua_State *L)
{
    json_view *view = check_view(L, 1);
    if (json_is_array(view->value)) {
        lua_Integer i = lua_isnil(L, 2) ? 0 : luaL_checkinteger(L, 2);
        json_t *item = json_array_get(view->value, (size_t)i);
        if (!item)
            return 0;
        lua_pushinteger(L, i + 1);
        if (json_is_null(item))
            push_null(L);
        else
            push_member(L, item, 1);
        return 2;
    }
    void *iter = lua_isnil(L, 2)
                     ? json_object_iter(view->value)
                     : json_object_iter_next(
                           view->value, json_object_iter_at(view->value, luaL_checkstring(L, 2)));
    while (iter && json_is_null(json_object_iter_value(iter)))
        iter = json_object_iter_next(view->value, iter);
    if (!iter)
        return 0;
    lua_pushstring(L, json_object_iter_key(iter));
    push_member(L, json_object_iter_value(iter), 1);
    return 2;
}

/* next(t [, key]): Lua's for tables (upvalue 1), view_next for views. */
static int next_with_views(lua_State *L)
{
    lua_settop(L, 2);
    if (!to_view(L, 1))
        return lua_tocfunction(L, lua_upvalueindex(1))(L);
    if (view_next(L) == 0) {
        lua_pushnil(L); /* the end, as next says it */
        return 1;
    }
    return 2;
}

static int view_pairs(lua_State *L)
{
    check_view(L, 1);
    lua_pushcfunction(L, view_next);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

static int view_tostring(lua_State *L)
{
    json_view *view = check_view(L, 1);
    char *text = json_dumps(view->value, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    lua_pushstring(L, text ? text : "?");
    free(text);
    return 1;
}

static int view_eq(lua_State *L)
{
    json_t *a = pb_json_view(L, 1, NULL), *b = pb_json_view(L, 2, NULL);
    lua_pushboolean(L, a && b && json_equal(a, b));
    return 1;
}

/* ---- Lua -> JSON ---- */

typedef struct conv {
    lua_State *L;
    char *why;
    size_t why_size;
    char path[256];
} conv;

static json_t *conv_fail(conv *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static json_t *conv_fail(conv *c, const char *fmt, ...)
{
    char message[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    snprintf(c->why, c->why_size, "%s%s%s", c->path[0] ? "at " : "", c->path,
             c->path[0] ? ": " : "");
    size_t used = strlen(c->why);
    snprintf(c->why + used, c->why_size - used, "%s", message);
    return NULL;
}

static json_t *convert(conv *c, int idx, int depth);

/* Is the table at idx a sequence 1..n with no other keys? *n set to its length. */
static bool is_sequence(lua_State *L, int idx, size_t *n)
{
    size_t count = 0;
    lua_Integer max = 0;
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        lua_pop(L, 1);
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1) {
            lua_pop(L, 1);
            return false;
        }
        lua_Integer k = lua_tointeger(L, -1);
        if (k > max)
            max = k;
        count++;
    }
    *n = count;
    return count > 0 && (lua_Integer)count == max;
}

static bool has_array_marker(lua_State *L, int idx)
{
    if (!lua_getmetatable(L, idx))
        return false;
    lua_rawgetp(L, LUA_REGISTRYINDEX, &array_marker_key);
    bool marked = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    return marked;
}

static json_t *convert_array(conv *c, int idx, size_t n, int depth)
{
    lua_State *L = c->L;
    json_t *array = json_array();
    size_t path_len = strlen(c->path);
    for (size_t i = 1; array && i <= n; i++) {
        snprintf(c->path + path_len, sizeof c->path - path_len, "[%zu]", i);
        lua_rawgeti(L, idx, (lua_Integer)i);
        json_t *item = convert(c, lua_gettop(L), depth + 1);
        lua_pop(L, 1);
        if (!item || json_array_append_new(array, item) != 0) {
            json_decref(array);
            return NULL;
        }
    }
    c->path[path_len] = '\0';
    return array;
}

static json_t *convert_object(conv *c, int idx, int depth)
{
    lua_State *L = c->L;
    json_t *object = json_object();
    size_t path_len = strlen(c->path);
    lua_pushnil(L);
    while (object && lua_next(L, idx) != 0) {
        if (lua_type(L, -2) != LUA_TSTRING) {
            const char *type = luaL_typename(L, -2);
            lua_pop(L, 2);
            json_decref(object);
            return conv_fail(c, "a key of type %s: JSON object keys are strings", type);
        }
        const char *key = lua_tostring(L, -2);
        snprintf(c->path + path_len, sizeof c->path - path_len, ".%s", key);
        json_t *value = convert(c, lua_gettop(L), depth + 1);
        if (!value || json_object_set_new(object, key, value) != 0) {
            lua_pop(L, 2);
            json_decref(object);
            return value ? conv_fail(c, "%s", "key is not valid UTF-8") : NULL;
        }
        lua_pop(L, 1);
    }
    c->path[path_len] = '\0';
    return object;
}

static json_t *convert(conv *c, int idx, int depth)
{
    lua_State *L = c->L;
    if (depth > LUAJSON_MAX_DEPTH)
        return conv_fail(c, "%s", "nested deeper than 64 levels (a table containing itself?)");
    luaL_checkstack(L, 6, "JSON nested too deep");
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
        return json_null();
    case LUA_TBOOLEAN:
        return json_boolean(lua_toboolean(L, idx));
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx))
            return json_integer((json_int_t)lua_tointeger(L, idx));
        if (!isfinite(lua_tonumber(L, idx)))
            return conv_fail(c, "%s", "NaN and infinity have no JSON form");
        return json_real(lua_tonumber(L, idx));
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        json_t *string = json_stringn(s, len);
        return string ? string : conv_fail(c, "%s", "a string that is not valid UTF-8");
    }
    case LUA_TLIGHTUSERDATA:
        if (lua_touserdata(L, idx) == NULL)
            return json_null();
        return conv_fail(c, "%s", "cannot convert a light userdata to JSON");
    case LUA_TUSERDATA: {
        json_t *viewed = pb_json_view(L, idx, NULL);
        return viewed ? json_incref(viewed)
                      : conv_fail(c, "%s", "cannot convert a userdata to JSON");
    }
    case LUA_TTABLE: {
        size_t n = 0;
        if (has_array_marker(L, idx)) {
            n = lua_rawlen(L, idx);
            return convert_array(c, idx, n, depth);
        }
        if (is_sequence(L, idx, &n))
            return convert_array(c, idx, n, depth);
        return convert_object(c, idx, depth);
    }
    default:
        return conv_fail(c, "cannot convert a %s to JSON", luaL_typename(L, idx));
    }
}

json_t *pb_json_to(lua_State *L, int idx, char *why, size_t why_size)
{
    conv c = {L, why, why_size, ""};
    why[0] = '\0';
    return convert(&c, lua_absindex(L, idx), 0);
}

json_t *pb_json_check(lua_State *L, int idx, const char *what)
{
    char why[512];
    json_t *value = pb_json_to(L, idx, why, sizeof why);
    if (!value)
        luaL_error(L, "%s: %s", what, why);
    return value;
}

/* ---- fawkes.json ---- */

/* json.encode(value [, {indent = true}]): compact, keys sorted. */
static int json_encode_fn(lua_State *L)
{
    json_t *value = pb_json_check(L, 1, "json.encode");
    size_t flags = JSON_SORT_KEYS | JSON_ENCODE_ANY;
    if (lua_istable(L, 2) && lua_getfield(L, 2, "indent") != LUA_TNIL && lua_toboolean(L, -1))
        flags |= JSON_INDENT(2);
    else
        flags |= JSON_COMPACT;
    char *text = json_dumps(value, flags);
    json_decref(value);
    if (!text)
        return luaL_error(L, "json.encode: out of memory");
    lua_pushstring(L, text);
    free(text);
    return 1;
}

/* json.decode(text) -> value; raises "json.decode: line L column C: reason". */
static int json_decode_fn(lua_State *L)
{
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    json_error_t error;
    json_t *value = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &error);
    if (!value)
        return luaL_error(L, "json.decode: line %d column %d: %s", error.line, error.column,
                          error.text);
    pb_json_push(L, value);
    json_decref(value);
    return 1;
}

/* json.copy(value): a plain, writable deep copy (of a view, or of any JSON-able value). */
static int json_copy_fn(lua_State *L)
{
    json_t *value = pb_json_check(L, 1, "json.copy");
    pb_json_push(L, value);
    json_decref(value);
    return 1;
}

void pb_json_open(lua_State *L)
{
    static const luaL_Reg view_methods[] = {{"__index", view_index},
                                            {"__newindex", view_newindex},
                                            {"__len", view_len},
                                            {"__pairs", view_pairs},
                                            {"__tostring", view_tostring},
                                            {"__eq", view_eq},
                                            {NULL, NULL}};
    static const char *const metas[] = {VIEW_META, ROOT_VIEW_META};
    for (int i = 0; i < 2; i++) {
        luaL_newmetatable(L, metas[i]);
        luaL_setfuncs(L, view_methods, 0);
        if (i == 1) {
            lua_pushcfunction(L, view_gc);
            lua_setfield(L, -2, "__gc");
        }
        lua_pushliteral(L, "read-only JSON view");
        lua_setfield(L, -2, "__metatable");
        lua_pop(L, 1);
    }

    lua_newtable(L);
    lua_pushliteral(L, "array");
    lua_setfield(L, -2, "__name");
    lua_rawsetp(L, LUA_REGISTRYINDEX, &array_marker_key);

    static const luaL_Reg functions[] = {{"encode", json_encode_fn},
                                         {"decode", json_decode_fn},
                                         {"copy", json_copy_fn},
                                         {NULL, NULL}};
    lua_getglobal(L, "next");
    if (lua_tocfunction(L, -1)) {
        lua_pushcclosure(L, next_with_views, 1);
        lua_setglobal(L, "next");
    } else {
        lua_pop(L, 1);
    }

    luaL_newlib(L, functions);
    push_null(L);
    lua_setfield(L, -2, "null");
}
