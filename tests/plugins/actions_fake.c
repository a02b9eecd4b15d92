/* actions_fake.c: test provider with remediation actions that call a fake HTTP API through
   the host (so tests/fakes/fake_http.py counts every mutating request). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fawkes/fawkes.h>

typedef struct fake_instance {
    const fwk_host *host;
    json_t *config; /* owned copy */
    char *token;    /* resolved secret, or NULL */
} fake_instance;

static const fwk_option fake_options[] = {
    FWK_OPTION("endpoint", FWK_OPT_STRING, FWK_OPT_REQUIRED, NULL,
               "Base URL of the fake API (http://127.0.0.1:PORT)."),
    FWK_OPTION("token", FWK_OPT_STRING, FWK_OPT_SECRET, NULL,
               "API token sent as Authorization: Bearer (from ${env:..})."),
    FWK_OPTION_RANGE("instances", FWK_OPT_INT, 0, "3", 0, 100000,
                     "How many compute.instance resources to list (i-1 ... i-N)."),
    FWK_OPTION_RANGE("firewalls", FWK_OPT_INT, 0, "1", 0, 100000,
                     "How many network.firewall resources with an open SSH rule to list."),
    FWK_OPTION_END,
};

static fwk_status fake_init(const fwk_host *host, fwk_ctx *ctx, const json_t *config,
                            void **instance)
{
    fake_instance *inst = calloc(1, sizeof *inst);
    if (!inst || !(inst->config = json_deep_copy(config))) {
        free(inst);
        host->fail(ctx, "out of memory");
        return FWK_ERROR;
    }
    inst->host = host;
    const char *token = json_string_value(json_object_get(config, "token"));
    inst->token = token ? strdup(token) : NULL;
    *instance = inst;
    return FWK_OK;
}

static void fake_fini(void *instance)
{
    fake_instance *inst = instance;
    if (!inst)
        return;
    json_decref(inst->config);
    free(inst->token);
    free(inst);
}

static fwk_status fake_plan_tasks(fwk_ctx *ctx, void *instance, const json_t *request,
                                  json_t **tasks)
{
    (void)ctx;
    (void)instance;
    (void)request;
    *tasks = json_pack("[{s:s}]", "name", "all");
    return FWK_OK;
}

static fwk_status fake_run_task(fwk_ctx *ctx, void *instance, const json_t *task)
{
    (void)task;
    fake_instance *inst = instance;
    json_int_t count = json_integer_value(json_object_get(inst->config, "instances"));
    for (json_int_t i = 1; i <= count; i++) {
        char id[32], uid[64];
        snprintf(id, sizeof id, "i-%lld", (long long)i);
        snprintf(uid, sizeof uid, "fake:acct:r1:compute.instance:%s", id);
        json_t *r = json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s}, s:{s:I}}", "uid", uid, "provider",
            "fake", "account", "acct", "region", "r1", "kind", "compute.instance", "id", id, "name",
            id, "state", i % 2 ? "running" : "stopped", "labels", "env", i % 3 ? "dev" : "prod",
            "attributes", "cpu_percent", (json_int_t)(i * 7 % 100));
        fwk_status status = inst->host->emit_resource(ctx, r);
        if (status != FWK_OK)
            return status;
    }
    count = json_integer_value(json_object_get(inst->config, "firewalls"));
    for (json_int_t i = 1; i <= count; i++) {
        char id[32], uid[64];
        snprintf(id, sizeof id, "fw-%lld", (long long)i);
        snprintf(uid, sizeof uid, "fake:acct:r1:network.firewall:%s", id);
        json_t *r =
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:[{s:s, s:s, s:s, s:[s]}]}}", "uid",
                      uid, "provider", "fake", "account", "acct", "region", "r1", "kind",
                      "network.firewall", "id", id, "name", id, "attributes", "rules", "direction",
                      "ingress", "protocol", "tcp", "ports", "22", "cidrs", "0.0.0.0/0");
        fwk_status status = inst->host->emit_resource(ctx, r);
        if (status != FWK_OK)
            return status;
    }
    return FWK_OK;
}

static fwk_status fake_list_actions(fwk_ctx *ctx, void *instance, json_t **actions)
{
    (void)ctx;
    (void)instance;
    *actions = json_pack("[{s:s, s:[s], s:s, s:s}, {s:s, s:[s], s:s, s:s}, {s:s, s:[s], s:s, s:s}]",
                         "name", "stop", "kinds", "compute.instance", "risk", "low", "description",
                         "POST /instances/ID/stop", "name", "terminate", "kinds",
                         "compute.instance", "risk", "high", "description", "DELETE /instances/ID",
                         "name", "close_port", "kinds", "network.firewall", "risk", "high",
                         "description", "DELETE /firewalls/ID/rules/PORT");
    return FWK_OK;
}

/* The request an action sends: method and path. */
static int action_request(const char *action, const json_t *resource, const json_t *params,
                          const char **method, char *path, size_t size)
{
    const char *id = json_string_value(json_object_get(resource, "id"));
    if (strcmp(action, "stop") == 0) {
        *method = "POST";
        snprintf(path, size, "/instances/%s/stop", id);
    } else if (strcmp(action, "terminate") == 0) {
        *method = "DELETE";
        snprintf(path, size, "/instances/%s", id);
    } else if (strcmp(action, "close_port") == 0) {
        json_int_t port = json_integer_value(json_object_get(params, "port"));
        if (port <= 0)
            return -1;
        *method = "DELETE";
        snprintf(path, size, "/firewalls/%s/rules/%lld", id, (long long)port);
    } else {
        return -1;
    }
    return 0;
}

static fwk_status fake_run_action(fwk_ctx *ctx, void *instance, const json_t *resource,
                                  const char *action, const json_t *params, int dry_run,
                                  json_t **result)
{
    fake_instance *inst = instance;
    const fwk_host *host = inst->host;
    const char *method = NULL;
    char path[256], url[512];
    if (action_request(action, resource, params, &method, path, sizeof path) != 0) {
        host->fail(ctx, "action %s: bad or missing params (close_port needs port = N)", action);
        return FWK_ERROR;
    }
    snprintf(url, sizeof url, "%s%s", json_string_value(json_object_get(inst->config, "endpoint")),
             path);
    json_t *requests = json_pack("[{s:s, s:s}]", "method", method, "url", url);
    if (dry_run) {
        *result = json_pack("{s:b, s:o}", "changed", 1, "requests", requests);
        return FWK_OK;
    }
    char auth[512];
    snprintf(auth, sizeof auth, "Bearer %s", inst->token ? inst->token : "");
    fwk_http_header headers[] = {{"Authorization", auth}};
    fwk_http_request request = {.struct_size = sizeof request,
                                .method = method,
                                .url = url,
                                .headers = headers,
                                .header_count = inst->token ? 1 : 0,
                                .flags = FWK_HTTP_MUTATING};
    fwk_http_response *response = NULL;
    fwk_status status = host->http_request(ctx, &request, &response);
    if (status != FWK_OK) {
        json_decref(requests);
        return status;
    }
    if (response->status >= 400) {
        host->fail(ctx, "%s %s: HTTP %ld", method, url, response->status);
        host->http_response_free(response);
        json_decref(requests);
        return FWK_ERROR;
    }
    *result = json_pack("{s:b, s:o, s:i}", "changed", 1, "requests", requests, "status",
                        (int)response->status);
    host->http_response_free(response);
    return FWK_OK;
}

static const fwk_provider_vtable fake_vtable = {
    .struct_size = sizeof(fwk_provider_vtable),
    .plan_tasks = fake_plan_tasks,
    .run_task = fake_run_task,
    .list_actions = fake_list_actions,
    .run_action = fake_run_action,
};

static const fwk_plugin_descriptor fake_descriptor = {
    FWK_DESCRIPTOR_HEADER,
    .name = "actions_fake",
    .version = "0.1.0",
    .kind = FWK_KIND_PROVIDER,
    .description = "Test provider whose actions call a fake HTTP API through the host",
    .license = "Apache-2.0",
    .options = fake_options,
    .capabilities = FWK_CAP_ACTIONS,
    .init = fake_init,
    .fini = fake_fini,
    .vtable = &fake_vtable,
};

FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void);

FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void)
{
    return &fake_descriptor;
}
