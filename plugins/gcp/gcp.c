/* gcp.c: the "gcp" provider: descriptor, config options, instance set-up, function table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcp.h"

static const char *const gcp_service_names[] = {"compute", "storage", "container", "sqladmin",
                                                NULL};

static const fwk_option gcp_options[] = {
    FWK_OPTION_RANGE("projects", FWK_OPT_STRING_LIST, 0, NULL, 1, 1000,
                     "Project ids to inventory (e.g. [acme-prod, acme-data]); every active "
                     "project the credentials can see (Resource Manager v3 projects:search) when "
                     "not set."),
    FWK_OPTION_RANGE("regions", FWK_OPT_STRING_LIST, 0, NULL, 1, 200,
                     "Regions or zones whose zonal and regional resources are listed (a region "
                     "takes its zones: europe-west2 takes europe-west2-a); global resources "
                     "(networks, firewalls) always are. All when not set."),
    FWK_OPTION("credentials_file", FWK_OPT_STRING, FWK_OPT_SECRET, NULL,
               "A service-account key or authorized_user file, as ${file:PATH}. Looked at "
               "after GOOGLE_APPLICATION_CREDENTIALS and before gcloud's ADC file and the "
               "metadata server (Google's Application Default Credentials order)."),
    FWK_OPTION("endpoint", FWK_OPT_STRING, 0, NULL,
               "One base URL for every Google API (tests and emulators point it at a local "
               "server); Google's own hosts when not set."),
    {sizeof(fwk_option), "services", FWK_OPT_STRING_LIST, 0,
     "[\"compute\", \"storage\", \"container\", \"sqladmin\"]", gcp_service_names, 0, 0,
     "The APIs to inventory: compute (instances, disks, firewalls, networks), storage "
     "(buckets), container (GKE clusters), sqladmin (Cloud SQL instances)."},
    FWK_OPTION_RANGE("page_size", FWK_OPT_INT, 0, "500", 1, 500,
                     "Items asked per page (maxResults / pageSize) of every listing."),
    FWK_OPTION_RANGE("bucket_tasks", FWK_OPT_INT, 0, "4", 1, 64,
                     "storage.bucket tasks per project: buckets are shared out among them by "
                     "name, so their IAM policies (one request per bucket) are read in "
                     "parallel."),
    FWK_OPTION("prices", FWK_OPT_OBJECT, 0, "{}",
               "USD per month by machine type or Cloud SQL tier (\"e2-medium\": 25), and per "
               "GB-month by disk type (\"pd-ssd\": 0.17); they override the shipped us-central1 "
               "price table."),
    FWK_OPTION("billing_export", FWK_OPT_STRING, 0, NULL,
               "Path of a Cloud Billing export to BigQuery saved as JSON lines or CSV: what "
               "`fawkes cost` reports (GCP exposes billed cost only through that export)."),
    FWK_OPTION_END};

static void gcp_fini(void *instance)
{
    gcp_instance *inst = instance;

    if (!inst)
        return;
    gcp_creds_free(inst->creds);
    free(inst->endpoint);
    json_decref(inst->projects);
    json_decref(inst->regions);
    json_decref(inst->prices);
    free(inst->billing_export);
    free(inst);
}

/* Check what the option table cannot: the endpoint's scheme, the prices' types. */
static int gcp_check(const fwk_host *host, fwk_ctx *ctx, const json_t *config)
{
    const char *endpoint = fwkx_str(config, "endpoint", NULL);
    const char *key;
    json_t *value;

    if (endpoint && strncmp(endpoint, "https://", 8) != 0 && strncmp(endpoint, "http://", 7) != 0) {
        host->fail(ctx,
                   "endpoint: expected an http:// or https:// URL such as "
                   "http://127.0.0.1:8085, got \"%s\"",
                   endpoint);
        return -1;
    }
    json_object_foreach ((json_t *)json_object_get(config, "prices"), key, value) {
        if (!json_is_number(value) || json_number_value(value) < 0) {
            host->fail(ctx, "prices.%s: expected a number of USD (e.g. %s: 25.5)", key, key);
            return -1;
        }
    }
    return 0;
}

static unsigned parse_services(const json_t *list)
{
    unsigned bits = 0;
    const json_t *name;
    size_t i;

    json_array_foreach (list, i, name) {
        for (size_t s = 0; gcp_service_names[s]; s++)
            if (json_is_string(name) && strcmp(json_string_value(name), gcp_service_names[s]) == 0)
                bits |= 1u << s;
    }
    return bits;
}

static fwk_status gcp_init(const fwk_host *host, fwk_ctx *ctx, const json_t *config,
                           void **instance)
{
    gcp_instance *inst = NULL;
    const char *endpoint = fwkx_str(config, "endpoint", NULL);
    const json_t *projects = json_object_get(config, "projects");
    const json_t *regions = json_object_get(config, "regions");
    size_t len;

    *instance = NULL;
    if (gcp_check(host, ctx, config) != 0)
        return FWK_ERROR;
    inst = calloc(1, sizeof *inst);
    if (!inst) {
        host->fail(ctx, "out of memory");
        return FWK_ERROR;
    }
    inst->host = host;
    if (endpoint) {
        len = strlen(endpoint);
        while (len > 0 && endpoint[len - 1] == '/')
            len--;
        inst->endpoint = strndup(endpoint, len);
    }
    inst->projects = json_is_array(projects) ? json_deep_copy(projects) : NULL;
    inst->regions = json_is_array(regions) ? json_deep_copy(regions) : NULL;
    inst->prices = json_deep_copy(json_object_get(config, "prices"));
    if (!inst->prices)
        inst->prices = json_object();
    inst->services = parse_services(json_object_get(config, "services"));
    inst->page_size = (long)fwkx_int(config, "page_size", 500);
    inst->bucket_tasks = (long)fwkx_int(config, "bucket_tasks", 4);
    if (fwkx_str(config, "billing_export", NULL))
        inst->billing_export = strdup(fwkx_str(config, "billing_export", ""));
    if ((endpoint && !inst->endpoint) || !inst->prices) {
        host->fail(ctx, "out of memory");
        gcp_fini(inst);
        return FWK_ERROR;
    }
    inst->creds = gcp_creds_load(host, ctx, config, inst->endpoint);
    if (!inst->creds) {
        gcp_fini(inst);
        return FWK_ERROR;
    }
    *instance = inst;
    return FWK_OK;
}

static fwk_status gcp_plan_tasks(fwk_ctx *ctx, void *instance, const json_t *request,
                                 json_t **tasks)
{
    return gcp_plan(instance, ctx, request, tasks);
}

static fwk_status gcp_task(fwk_ctx *ctx, void *instance, const json_t *task)
{
    return gcp_run_task(instance, ctx, task);
}

static fwk_status gcp_actions(fwk_ctx *ctx, void *instance, json_t **actions)
{
    return gcp_list_actions(instance, ctx, actions);
}

static fwk_status gcp_action(fwk_ctx *ctx, void *instance, const json_t *resource,
                             const char *action, const json_t *params, int dry_run, json_t **result)
{
    return gcp_run_action(instance, ctx, resource, action, params, dry_run, result);
}

static fwk_status gcp_provide(fwk_ctx *ctx, void *instance, const char *what, const char *op,
                              const json_t *spec, int dry_run, json_t **result)
{
    return gcp_provision(instance, ctx, what, op, spec, dry_run, result);
}

static fwk_status gcp_charges(fwk_ctx *ctx, void *instance, const json_t *request, json_t **report)
{
    return gcp_cost(instance, ctx, request, report);
}

static const fwk_provider_vtable gcp_vtable = {
    .struct_size = sizeof(fwk_provider_vtable),
    .plan_tasks = gcp_plan_tasks,
    .run_task = gcp_task,
    .list_actions = gcp_actions,
    .run_action = gcp_action,
    .provision = gcp_provide,
    .cost = gcp_charges,
};

static const fwk_plugin_descriptor gcp_descriptor = {
    FWK_DESCRIPTOR_HEADER,
    .name = "gcp",
    .version = "1.0.0",
    .kind = FWK_KIND_PROVIDER,
    .description = "Google Cloud: inventory of instances, disks, firewalls, networks, buckets, "
                   "GKE clusters and Cloud SQL instances per project with Application Default "
                   "Credentials; billed cost from the billing export, remediation actions, "
                   "provisioning of buckets, Cloud SQL and GKE",
    .license = "Apache-2.0",
    .options = gcp_options,
    .capabilities = FWK_CAP_ACTIONS | FWK_CAP_PROVISION | FWK_CAP_COST,
    .init = gcp_init,
    .fini = gcp_fini,
    .vtable = &gcp_vtable,
};

FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void)
{
    return &gcp_descriptor;
}
