/* pb_json.h: JSON values in playbooks: conversion both ways and read-only views. */
#ifndef HOST_PB_JSON_H
#define HOST_PB_JSON_H

#include <stddef.h>

#include <jansson.h>
#include <lua.h>

/*
 * Mapping (docs/lua.md): object <-> table with string keys, array <-> sequence (tables made
 * from arrays carry a marker metatable so an empty one encodes back as []), string, integer,
 * real, true/false. JSON null is nil inside objects (the key is absent) and json.null
 * inside arrays (positions are kept). A view is a read-only userdata over a JSON object or
 * array: indexing, #, pairs, ipairs and tostring work as on a table, nothing is copied until
 * read, and it converts back to the same JSON at no cost. Resources and findings are handed
 * to playbooks as views.
 *
 * A view owns its JSON: the view pb_json_push_view makes holds the reference it is given
 * and drops it when the garbage collector takes the view; views of its members (r.labels,
 * r.attributes.rules[1]) keep that first view alive, so the JSON lives exactly as long as
 * some view of it is reachable. Nothing else needs to hold the JSON meanwhile.
 */

/* Register the metatables in `L`, make the global `next` take views too (next(view, key)
   steps through it as pairs does), and leave the module table {encode, decode, null} on the
   stack. Raises on OOM: call it protected. */
void pb_json_open(lua_State *L);

/* Push `value` (borrowed) as plain Lua values (deep copy). NULL pushes nil. */
void pb_json_push(lua_State *L, const json_t *value);

/* Push `value` as a view (objects and arrays) or as a plain value (scalars; NULL and JSON
   null push nil). Takes over the caller's reference to `value` in every case. `tag` (may be
   NULL) is kept with the view and read back with pb_json_view. */
void pb_json_push_view(lua_State *L, json_t *value, void *tag);

/* The JSON of the view at `idx` and its tag, or NULL when it is not a view. Borrowed: valid
   while the view is reachable (json_incref to keep it longer). Views of members have no
   tag. */
json_t *pb_json_view(lua_State *L, int idx, void **tag);

/*
 * pb_json_to: the Lua value at `idx` as JSON (new reference). Returns NULL with the reason
 * in `why` ("at .tags[2]: cannot convert a function to JSON") for functions, threads,
 * foreign userdata, NaN/inf, non-UTF-8 strings, non-string keys, cycles or nesting deeper
 * than 64.
 */
json_t *pb_json_to(lua_State *L, int idx, char *why, size_t why_size);

/* As pb_json_to, raising a Lua error "WHAT: reason" on failure. */
json_t *pb_json_check(lua_State *L, int idx, const char *what);

#endif
