/* civo.c: the "civo" provider: descriptor, config options, instance set-up, function table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civo.h"

/* The token's default reference when the config sets none (a secret option has no default). */
#define CIVO_TOKEN_DEFAULT_REF "env:CIVO_TOKEN"

static const fwk_option civo_options[] = {
    FWK_OPTION("token", FWK_OPT_STRING, FWK_OPT_SECRET, NULL,
               "Civo API key, sent as a bearer token: ${env:NAME} or ${file:PATH}. When not "
               "set, the CIVO_TOKEN environment variable is used."),
    FWK_OPTION("endpoint", FWK_OPT_STRING, 0, "\"https://api.civo.com\"",
               "Base URL of the Civo API (tests and emulators point it at a local server)."),
    FWK_OPTION_RANGE("regions", FWK_OPT_STRING_LIST, 0, NULL, 1, 100,
                     "Region codes to inventory (e.g. [LON1, NYC1]); all regions GET /v2/regions "
                     "lists when not set."),
    FWK_OPTION("account", FWK_OPT_STRING, 0, "\"default\"",
               "Account name used in resource uids (civo:ACCOUNT:REGION:KIND:ID)."),
    FWK_OPTION_RANGE("per_page", FWK_OPT_INT, 0, "100", 1, 1000,
                     "Items asked per page of paginated list endpoints."),
    FWK_OPTION_RANGE("firewall_tasks", FWK_OPT_INT, 0, "4", 1, 64,
                     "network.firewall tasks per region: firewalls are shared out among them by "
                     "id, so their rules (one request per firewall) are listed in parallel."),
    FWK_OPTION("prices", FWK_OPT_OBJECT, 0, "{}",
               "USD per month by size name (\"g3.small\": 10), plus \"volume\" and "
               "\"objectstore\" per GB; sets monthly_cost and prices `fawkes cost`. Civo's API "
               "publishes no prices: without an entry monthly_cost is null."),
    FWK_OPTION_END};

static void civo_fini(void *instance)
{
    civo_instance *inst = instance;

    if (!inst)
        return;
    if (inst->token) {
        memset(inst->token, 0, strlen(inst->token));
        inst->host->free(inst->token);
    }
    if (inst->auth_header) {
        memset(inst->auth_header, 0, strlen(inst->auth_header));
        free(inst->auth_header);
    }
    free(inst->endpoint);
    free(inst->account);
    json_decref(inst->regions);
    json_decref(inst->prices);
    free(inst);
}

/* The API key: the configured value (already resolved and redacted by the host), or the
   CIVO_TOKEN environment variable through host->secret_get (which registers it for
   redaction). Returns 0, or -1 after host->fail(). */
static int civo_token(civo_instance *inst, fwk_ctx *ctx, const json_t *config)
{
    const char *token = fwkx_str(config, "token", NULL);
    size_t len;

    if (token) {
        len = strlen(token) + 1;
        inst->token = inst->host->alloc(len);
        if (inst->token)
            memcpy(inst->token, token, len);
    } else if (inst->host->secret_get(ctx, CIVO_TOKEN_DEFAULT_REF, &inst->token) != FWK_OK) {
        inst->host->fail(ctx, "no Civo API key: set token: ${env:NAME} in the instance's config, "
                              "or export CIVO_TOKEN");
        return -1;
    }
    if (!inst->token || !*inst->token) {
        inst->host->fail(ctx, "the Civo API key is empty: check token (or CIVO_TOKEN)");
        return -1;
    }
    inst->auth_header = malloc(strlen(inst->token) + sizeof "bearer ");
    if (!inst->auth_header) {
        inst->host->fail(ctx, "out of memory");
        return -1;
    }
    sprintf(inst->auth_header, "bearer %s", inst->token);
    return 0;
}

/* Check what the option table cannot: the endpoint's scheme, the prices' types. */
static int civo_check(const fwk_host *host, fwk_ctx *ctx, const json_t *config)
{
    const char *endpoint = fwkx_str(config, "endpoint", "");
    const char *key;
    json_t *value;

    if (strncmp(endpoint, "https://", 8) != 0 && strncmp(endpoint, "http://", 7) != 0) {
        host->fail(ctx,
                   "endpoint: expected an http:// or https:// URL such as "
                   "https://api.civo.com, got \"%s\"",
                   endpoint);
        return -1;
    }
    json_object_foreach ((json_t *)json_object_get(config, "prices"), key, value) {
        if (!json_is_number(value) || json_number_value(value) < 0) {
            host->fail(ctx, "prices.%s: expected a number of USD per month (e.g. %s: 10.5)", key,
                       key);
            return -1;
        }
    }
    return 0;
}

static fwk_status civo_init(const fwk_host *host, fwk_ctx *ctx, const json_t *config,
                            void **instance)
{
    civo_instance *inst = NULL;
    const char *endpoint = fwkx_str(config, "endpoint", "");
    const json_t *regions = json_object_get(config, "regions");
    size_t len;

    *instance = NULL;
    if (civo_check(host, ctx, config) != 0)
        return FWK_ERROR;
    inst = calloc(1, sizeof *inst);
    if (!inst) {
        host->fail(ctx, "out of memory");
        return FWK_ERROR;
    }
    inst->host = host;
    len = strlen(endpoint);
    while (len > 0 && endpoint[len - 1] == '/')
        len--;
    inst->endpoint = strndup(endpoint, len);
    inst->account = strdup(fwkx_str(config, "account", "default"));
    inst->regions = json_is_array(regions) ? json_deep_copy(regions) : NULL;
    inst->prices = json_deep_copy(json_object_get(config, "prices"));
    if (!inst->prices)
        inst->prices = json_object();
    inst->per_page = (long)fwkx_int(config, "per_page", 100);
    inst->firewall_tasks = (long)fwkx_int(config, "firewall_tasks", 4);
    if (!inst->endpoint || !inst->account || !inst->prices) {
        host->fail(ctx, "out of memory");
        civo_fini(inst);
        return FWK_ERROR;
    }
    if (civo_token(inst, ctx, config) != 0) {
        civo_fini(inst);
        return FWK_ERROR;
    }
    *instance = inst;
    return FWK_OK;
}

static fwk_status civo_plan_tasks(fwk_ctx *ctx, void *instance, const json_t *request,
                                  json_t **tasks)
{
    return civo_plan(instance, ctx, request, tasks);
}

static fwk_status civo_task(fwk_ctx *ctx, void *instance, const json_t *task)
{
    return civo_run_task(instance, ctx, task);
}

static fwk_status civo_actions(fwk_ctx *ctx, void *instance, json_t **actions)
{
    return civo_list_actions(instance, ctx, actions);
}

static fwk_status civo_action(fwk_ctx *ctx, void *instance, const json_t *resource,
                              const char *action, const json_t *params, int dry_run,
                              json_t **result)
{
    return civo_run_action(instance, ctx, resource, action, params, dry_run, result);
}

static fwk_status civo_provide(fwk_ctx *ctx, void *instance, const char *what, const char *op,
                               const json_t *spec, int dry_run, json_t **result)
{
    return civo_provision(instance, ctx, what, op, spec, dry_run, result);
}

static fwk_status civo_charges(fwk_ctx *ctx, void *instance, const json_t *request, json_t **report)
{
    return civo_cost(instance, ctx, request, report);
}

static const fwk_provider_vtable civo_vtable = {
    .struct_size = sizeof(fwk_provider_vtable),
    .plan_tasks = civo_plan_tasks,
    .run_task = civo_task,
    .list_actions = civo_actions,
    .run_action = civo_action,
    .provision = civo_provide,
    .cost = civo_charges,
};

static const fwk_plugin_descriptor civo_descriptor = {
    FWK_DESCRIPTOR_HEADER,
    .name = "civo",
    .version = "1.0.0",
    .kind = FWK_KIND_PROVIDER,
    .description = "Civo cloud (API v2): inventory of 7 kinds per region, cost, remediation "
                   "actions, provisioning of clusters, databases and buckets",
    .license = "Apache-2.0",
    .options = civo_options,
    .capabilities = FWK_CAP_ACTIONS | FWK_CAP_PROVISION | FWK_CAP_COST,
    .init = civo_init,
    .fini = civo_fini,
    .vtable = &civo_vtable,
};

FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void)
{
    return &civo_descriptor;
}
