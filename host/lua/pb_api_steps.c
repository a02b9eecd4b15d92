/* pb_api_steps.c: the fawkes functions that plan changes: action, provision, notify, and
   fawkes.http.request (GET/HEAD sent now, other methods planned). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>

#include "http.h"
#include "log.h"
#include "pb_json.h"
#include "pb_api_internal.h"

/* ---- planned steps ---- */

/* Append `step` (reference taken) to the plan; returns its 1-based number. */
static size_t add_step(pb_session *s, json_t *step)
{
    size_t n = json_array_size(s->steps) + 1;
    json_object_set_new(step, "step", json_integer((json_int_t)n));
    json_array_append_new(s->steps, step);
    return n;
}

static void push_planned(lua_State *L, const json_t *step)
{
    lua_newtable(L);
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "planned");
    static const char *const copied[] = {"step", "risk", "preview", "type", NULL};
    for (size_t i = 0; copied[i]; i++) {
        const json_t *v = json_object_get(step, copied[i]);
        if (v) {
            pb_json_push(L, v);
            lua_setfield(L, -2, copied[i]);
        }
    }
}

/* fawkes.notify(notifier, text | finding | {text=, findings=}): sent when the plan is applied. */
int pb_api_notify(lua_State *L)
{
    pb_session *s = pb_session_of(L);
    const char *name = luaL_checkstring(L, 1);
    luaL_checkany(L, 2);
    diag err = {{0}};
    if (!pb_instance(s, CONFIG_NOTIFIERS, name, &err))
        return luaL_error(L, "fawkes.notify: %s", err.text);
    json_t *given = pb_json_check(L, 2, "fawkes.notify: the message");
    json_t *message = json_pack("{s:{s:s, s:s+, s:s}, s:b}", "run", "id", pb_run_id(s), "chain",
                                "playbook:", s->name, "started_at", s->own.started_at, "digest", 0);
    if (json_is_string(given)) {
        json_object_set(message, "text", given);
        json_object_set_new(message, "findings", json_array());
    } else if (json_is_object(given) && json_object_get(given, "rule") &&
               json_object_get(given, "status")) {
        const char *title = json_string_value(json_object_get(given, "title"));
        const char *rule = json_string_value(json_object_get(given, "rule"));
        json_object_set_new(message, "text", json_string(title ? title : rule ? rule : ""));
        json_object_set_new(message, "findings", json_pack("[O]", given));
    } else if (json_is_object(given) && json_is_string(json_object_get(given, "text"))) {
        json_object_update(message, given);
        if (!json_is_array(json_object_get(message, "findings")))
            json_object_set_new(message, "findings", json_array());
        json_object_set_new(
            message, "digest",
            json_boolean(json_array_size(json_object_get(message, "findings")) > 1));
    } else {
        json_decref(given);
        json_decref(message);
        return luaL_error(L, "fawkes.notify: the message must be a string, a finding, or a "
                             "table with a text field");
    }
    json_decref(given);
    log_redact_json(message);
    json_t *step =
        json_pack("{s:s, s:s, s:o}", "type", "notify", "instance", name, "message", message);
    add_step(s, step);
    push_planned(L, step);
    return 1;
}

static const json_t *find_action(const json_t *actions, const char *name)
{
    size_t i;
    json_t *a;
    json_array_foreach (actions, i, a) {
        const char *n = json_string_value(json_object_get(a, "name"));
        if (n && strcmp(n, name) == 0)
            return a;
    }
    return NULL;
}

static void action_names(const json_t *actions, char *buf, size_t size)
{
    size_t used = 0, i;
    json_t *a;
    buf[0] = '\0';
    json_array_foreach (actions, i, a) {
        if (used < size)
            used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
                                     json_string_value(json_object_get(a, "name")));
    }
    if (!used)
        snprintf(buf, size, "none");
}

static bool kind_allowed(const json_t *declared, const char *kind)
{
    const json_t *kinds = json_object_get(declared, "kinds");
    if (!json_is_array(kinds) || json_array_size(kinds) == 0)
        return true;
    size_t i;
    json_t *k;
    json_array_foreach (kinds, i, k) {
        if (kind && json_is_string(k) && strcmp(json_string_value(k), kind) == 0)
            return true;
    }
    return false;
}

static const char *risk_of(const json_t *declared)
{
    const char *risk = json_string_value(json_object_get(declared, "risk"));
    if (risk &&
        (strcmp(risk, "low") == 0 || strcmp(risk, "medium") == 0 || strcmp(risk, "high") == 0))
        return risk;
    return "high"; /* unknown or missing risk: treat as the riskiest */
}

/* Record a planned step from the plugin's dry run (`preview`, taken over) and finish `ctx`:
   on success the step carries the redacted preview and Lua gets the planned step (1 value);
   on failure the step is recorded as failed, the run gets a failure of `kind`, and Lua gets
   nil and "dry run of LABEL failed: why" (2 values). */
static int record_dry_run(lua_State *L, pb_session *s, fwk_ctx *ctx, json_t *step,
                          fwk_status status, json_t *preview, const char *kind, const char *label)
{
    if (status != FWK_OK) {
        char reason[DIAG_MAX];
        snprintf(reason, sizeof reason, "dry run of %s failed: %s", label,
                 ctx->message ? ctx->message : fwk_strerror(status));
        ctx_finish(ctx);
        json_decref(preview);
        json_object_set_new(step, "status", json_string("failed"));
        json_object_set_new(step, "reason", json_string(reason));
        add_step(s, step);
        pb_failure(s, kind, "%s", reason);
        lua_pushnil(L);
        lua_pushstring(L, reason);
        return 2;
    }
    ctx_finish(ctx);
    log_redact_json(preview);
    json_object_set_new(step, "preview", preview ? preview : json_object());
    add_step(s, step);
    push_planned(L, step);
    return 1;
}

/* fawkes.action(resource, name [, params]) -> {planned, step, risk, preview} or nil, reason */
int pb_api_action(lua_State *L)
{
    pb_session *s = pb_session_of(L);
    void *tag = NULL;
    json_t *resource = pb_json_view(L, 1, &tag);
    const char *name = luaL_checkstring(L, 2);
    if (!resource || !tag)
        return luaL_error(L,
                          "fawkes.action: argument 1 must be a resource from "
                          "fawkes.inventory (got %s)",
                          luaL_typename(L, 1));
    instance *inst = tag;
    const char *uid = json_string_value(json_object_get(resource, "uid"));
    const char *kind = json_string_value(json_object_get(resource, "kind"));
    const fwk_provider_vtable *vt = inst->ready ? inst->plug->desc->vtable : NULL;
    if (!vt)
        return luaL_error(L, "fawkes.action: provider '%s' is not ready (its init failed)",
                          inst->conf->name);
    if (!FWK_VTABLE_HAS(vt, run_action)) {
        lua_pushnil(L);
        lua_pushfstring(L, "provider '%s' (plugin %s) has no actions", inst->conf->name,
                        inst->conf->plugin);
        return 2;
    }
    const json_t *actions = pb_actions_of(s, inst);
    const json_t *declared = find_action(actions, name);
    if (!declared) {
        char names[512];
        action_names(actions, names, sizeof names);
        return luaL_error(L, "fawkes.action: provider '%s' has no action '%s' (it has: %s)",
                          inst->conf->name, name, names);
    }
    if (!kind_allowed(declared, kind))
        return luaL_error(L, "fawkes.action: action '%s' does not apply to %s resources (%s)", name,
                          kind ? kind : "?", uid ? uid : "?");
    json_t *params =
        lua_isnoneornil(L, 3) ? json_object() : pb_json_check(L, 3, "fawkes.action: params");
    if (!json_is_object(params)) {
        json_decref(params);
        return luaL_error(L, "fawkes.action: params must be a table of name = value");
    }
    fwk_ctx ctx;
    ctx_init(&ctx, &s->own, inst, "run_action", name);
    json_t *preview = NULL;
    fwk_status status = vt->run_action(&ctx, inst->state, resource, name, params, 1, &preview);
    json_t *step =
        json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s, s:O, s:s}", "type", "action", "instance",
                  inst->conf->name, "plugin", inst->conf->plugin, "resource", uid, "kind", kind,
                  "name", json_string_value(json_object_get(resource, "name")), "action", name,
                  "params", params, "risk", risk_of(declared));
    json_object_set(step, "_resource", resource);
    json_decref(params);
    char label[512];
    snprintf(label, sizeof label, "%s on %s", name, uid ? uid : "?");
    return record_dry_run(L, s, &ctx, step, status, preview, "action", label);
}

/* fawkes.provision(kind, spec): spec.provider names the instance; spec.op create|delete. */
int pb_api_provision(lua_State *L)
{
    pb_session *s = pb_session_of(L);
    const char *what = luaL_checkstring(L, 1);
    if (strcmp(what, "cluster") != 0 && strcmp(what, "database") != 0 &&
        strcmp(what, "bucket") != 0)
        return luaL_error(L,
                          "fawkes.provision: kind must be cluster, database or bucket, got "
                          "'%s'",
                          what);
    json_t *spec = pb_json_check(L, 2, "fawkes.provision: spec");
    const char *provider = json_string_value(json_object_get(spec, "provider"));
    const char *op = json_string_value(json_object_get(spec, "op"));
    op = op ? op : "create";
    if (!json_is_object(spec) || !provider ||
        (strcmp(op, "create") != 0 && strcmp(op, "delete") != 0)) {
        json_decref(spec);
        return luaL_error(L, "fawkes.provision: spec must be a table with provider = "
                             "\"INSTANCE\" and op = \"create\" or \"delete\"");
    }
    diag err = {{0}};
    instance *inst = pb_instance(s, CONFIG_PROVIDERS, provider, &err);
    const fwk_provider_vtable *vt = inst ? inst->plug->desc->vtable : NULL;
    if (!inst || !FWK_VTABLE_HAS(vt, provision)) {
        json_decref(spec);
        return luaL_error(L, "fawkes.provision: %s",
                          inst ? "this provider cannot provision" : err.text);
    }
    char provider_name[256];
    snprintf(provider_name, sizeof provider_name, "%s", provider);
    json_object_del(spec, "provider");
    json_object_del(spec, "op");
    fwk_ctx ctx;
    ctx_init(&ctx, &s->own, inst, "provision", what);
    json_t *preview = NULL;
    fwk_status status = vt->provision(&ctx, inst->state, what, op, spec, 1, &preview);
    json_t *step = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:s}", "type", "provision", "instance",
                             provider_name, "plugin", inst->conf->plugin, "what", what, "op", op,
                             "spec", spec, "risk", strcmp(op, "delete") == 0 ? "high" : "medium");
    char label[512];
    snprintf(label, sizeof label, "provision %s %s", what, op);
    return record_dry_run(L, s, &ctx, step, status, preview, "provision", label);
}

/* ---- http ---- */

/* Build the request pieces from the options table at 1. Returns the header array (malloc'd,
   strings borrowed from the Lua stack which the caller keeps) and sets *count. */
static fwk_http_header *collect_headers(lua_State *L, int headers, size_t *count)
{
    *count = 0;
    if (lua_isnil(L, headers))
        return NULL;
    if (!lua_istable(L, headers))
        luaL_error(L, "fawkes.http.request: headers must be a table of name = value");
    size_t n = 0;
    lua_pushnil(L);
    while (lua_next(L, headers) != 0) {
        n++;
        lua_pop(L, 1);
    }
    fwk_http_header *list = calloc(n + 1, sizeof *list);
    if (!list)
        luaL_error(L, "fawkes.http.request: out of memory");
    lua_pushnil(L);
    while (lua_next(L, headers) != 0) {
        if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING) {
            free(list);
            luaL_error(L, "fawkes.http.request: header names and values must be strings");
        }
        list[*count].name = lua_tostring(L, -2);
        list[*count].value = lua_tostring(L, -1);
        (*count)++;
        lua_pop(L, 1);
    }
    return list;
}

static void push_response(lua_State *L, const fwk_http_response *response)
{
    lua_newtable(L);
    lua_pushinteger(L, response->status);
    lua_setfield(L, -2, "status");
    lua_pushlstring(L, response->body ? response->body : "", response->body_len);
    lua_setfield(L, -2, "body");
    lua_pushinteger(L, response->attempts);
    lua_setfield(L, -2, "attempts");
    lua_newtable(L);
    for (size_t i = 0; i < response->header_count; i++) {
        char lower[256];
        size_t k = 0;
        for (const char *p = response->headers[i].name; *p && k + 1 < sizeof lower; p++)
            lower[k++] = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
        lower[k] = '\0';
        lua_pushstring(L, response->headers[i].value);
        lua_setfield(L, -2, lower);
    }
    lua_setfield(L, -2, "headers");
}

static bool method_reads(const char *method)
{
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

/* fawkes.http.request{method=, url=, headers=, body=, timeout_ms=}: GET/HEAD now, through
   the host's HTTP service; other methods are planned and sent when the plan is applied. */
int pb_api_http_request(lua_State *L)
{
    pb_session *s = pb_session_of(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    const char *method = pb_api_opt_string(L, 1, "method", "fawkes.http.request");
    const char *url = pb_api_opt_string(L, 1, "url", "fawkes.http.request");
    method = method ? method : "GET";
    if (!url)
        return luaL_error(L, "fawkes.http.request: url is required");
    static const char *const methods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", NULL};
    bool known = false;
    for (size_t i = 0; methods[i]; i++)
        known = known || strcmp(methods[i], method) == 0;
    if (!known)
        return luaL_error(L,
                          "fawkes.http.request: method must be GET, HEAD, POST, PUT, PATCH "
                          "or DELETE, got '%s'",
                          method);
    lua_getfield(L, 1, "headers");              /* 2 */
    int body_type = lua_getfield(L, 1, "body"); /* 3 */
    const char *content_type = NULL;
    if (body_type == LUA_TTABLE) {
        json_t *body = pb_json_check(L, 3, "fawkes.http.request: body");
        char *text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(body);
        lua_pushstring(L, text ? text : "");
        free(text);
        lua_replace(L, 3);
        content_type = "application/json";
    } else if (body_type != LUA_TNIL && body_type != LUA_TSTRING) {
        return luaL_error(L, "fawkes.http.request: body must be a string or a table (sent as "
                             "JSON)");
    }
    lua_getfield(L, 1, "timeout_ms"); /* 4 */
    long timeout_ms = (long)luaL_optinteger(L, 4, 0);
    size_t body_len = 0;
    const char *body = lua_tolstring(L, 3, &body_len);
    size_t header_count = 0;
    fwk_http_header *headers = collect_headers(L, 2, &header_count);
    if (content_type) {
        bool has = false;
        for (size_t i = 0; i < header_count; i++)
            has = has || strcasecmp(headers[i].name, "Content-Type") == 0;
        if (!has) {
            fwk_http_header *grown = realloc(headers, (header_count + 1) * sizeof *grown);
            if (!grown) {
                free(headers);
                return luaL_error(L, "fawkes.http.request: out of memory");
            }
            headers = grown;
            headers[header_count++] = (fwk_http_header){"Content-Type", content_type};
        }
    }
    if (!method_reads(method)) {
        diag err = {{0}};
        if (egress_check(&s->a->cfg->egress_allow, url, &err) != 0) {
            free(headers);
            lua_pushstring(L, err.text);
            return luaL_error(L, "fawkes.http.request: %s", lua_tostring(L, -1));
        }
        json_t *all = json_object(), *names = json_array();
        for (size_t i = 0; i < header_count; i++) {
            json_object_set_new(all, headers[i].name, json_string(headers[i].value));
            json_array_append_new(names, json_string(headers[i].name));
        }
        free(headers);
        char shown[2048];
        snprintf(shown, sizeof shown, "%s", url);
        char *query = strchr(shown, '?');
        if (query)
            *query = '\0';
        json_t *step =
            json_pack("{s:s, s:s, s:s, s:o, s:I, s:s, s:o, s:s#}", "type", "http", "method", method,
                      "url", shown, "headers", names, "body_bytes", (json_int_t)body_len, "_url",
                      url, "_headers", all, "_body", body ? body : "", body_len);
        if (timeout_ms > 0)
            json_object_set_new(step, "_timeout_ms", json_integer(timeout_ms));
        add_step(s, step);
        push_planned(L, step);
        return 1;
    }
    fwk_http_request request = {.struct_size = sizeof request,
                                .method = method,
                                .url = url,
                                .headers = headers,
                                .header_count = header_count,
                                .body = body,
                                .body_len = body_len,
                                .timeout_ms = timeout_ms};
    fwk_http_response *response = NULL;
    diag err = {{0}};
    fwk_status status =
        http_client_send(s->http, &request, &response, &err, pb_sandbox_interrupted, s->sb);
    free(headers);
    if (pb_sandbox_stopped(s->sb)) { /* cut off by the time limit or a signal */
        http_response_free(response);
        response = NULL;
        pb_sandbox_charge(L, 0, "fawkes.http.request"); /* raises */
    }
    if (status != FWK_OK) {
        lua_pushnil(L);
        lua_pushstring(L, err.text);
        return 2;
    }
    push_response(L, response);
    http_response_free(response);
    return 1;
}
