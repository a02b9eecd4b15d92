/* luajson.h: JSON values in playbooks: conversion both ways and read-only views. */
#ifndef HOST_LUAJSON_H
#define HOST_LUAJSON_H

#include <stddef.h>

#include <jansson.h>
#include <lua.h>

/*
 * Mapping (docs/lua.md): object <-> table with string keys, array <-> sequence (tables made
 * from arrays carry a marker metatable so an empty one encodes back as []), string, integer,
 * real, true/false. JSON null is nil inside objects (the key is absent) and json.null
 * inside arrays (positions are kept). A view is a read-only userdata over a JSON object or
 * array: indexing, #, pairs, ipairs and tostring work as on a table, nothing is copied until
 * read, and it converts back to the same JSON at no cost. Resources are handed to playbooks
 * as views.
 */

/* Register the metatables in `L` and leave the module table {encode, decode, null} on the
   stack. */
void luajson_open(lua_State *L);

/* Push `value` (borrowed) as plain Lua values (deep copy). NULL pushes nil. */
void luajson_push(lua_State *L, const json_t *value);

/* Push `value` as a view (objects and arrays) or as a plain value (scalars). The view
   BORROWS `value`: it must stay alive and unchanged until the Lua state is closed (views
   carry no reference and no finalizer, which keeps them cheap: the playbook runtime only
   makes views of resources and findings its run holds until after the state is closed).
   `tag` (may be NULL) is kept with the view and read back with luajson_view. */
void luajson_push_view(lua_State *L, json_t *value, void *tag);

/* The JSON of the view at `idx` (borrowed) and its tag, or NULL when it is not a view. */
json_t *luajson_view(lua_State *L, int idx, void **tag);

/*
 * luajson_to: the Lua value at `idx` as JSON (new reference). Returns NULL with the reason
 * in `why` ("at .tags[2]: cannot convert a function to JSON") for functions, threads,
 * foreign userdata, NaN/inf, non-UTF-8 strings, non-string keys, cycles or nesting deeper
 * than 64.
 */
json_t *luajson_to(lua_State *L, int idx, char *why, size_t why_size);

/* As luajson_to, raising a Lua error "WHAT: reason" on failure. */
json_t *luajson_check(lua_State *L, int idx, const char *what);

#endif
