/* misconfig.c: the "misconfig" scanner: built-in checks over normalized resources. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "misconfig.h"

static const fwk_option misconfig_options[] = {
    FWK_OPTION("required_labels", FWK_OPT_STRING_LIST, 0, "[\"owner\", \"env\"]",
               "Labels (tags) every resource must carry; keys compare case-insensitively."),
    FWK_OPTION("disabled_rules", FWK_OPT_STRING_LIST, 0, "[]",
               "Rule ids to skip, e.g. misconfig.labels.missing."),
    FWK_OPTION_RANGE("stopped_days", FWK_OPT_INT, 0, "30", 1, 3650,
                     "Days an instance may stay stopped while still costing money before "
                     "misconfig.instance.stopped_cost fires."),
    FWK_OPTION_END};

/* A string list option, or its default when the host did not fill it in. */
static int misconfig_string_list(const fwk_host *host, fwk_ctx *ctx, const json_t *config,
                                 const char *key, const char *default_json, json_t **out)
{
    const json_t *value = json_object_get(config, key);
    const json_t *item;
    size_t i;

    if (!value || json_is_null(value)) {
        *out = json_loads(default_json, 0, NULL);
        return *out ? 0 : -1;
    }
    if (!json_is_array(value)) {
        host->fail(ctx, "%s: expected a list of strings, got %s", key, fwkx_type_name(value));
        return -1;
    }
    json_array_foreach (value, i, item) {
        if (!json_is_string(item) || json_string_length(item) == 0) {
            host->fail(ctx, "%s[%zu]: expected a non-empty string, got %s", key, i,
                       fwkx_type_name(item));
            return -1;
        }
    }
    *out = json_incref((json_t *)value);
    return 0;
}

/* Mark disabled rules; an unknown id fails with the list of known ones. */
static int misconfig_disable(misconfig_instance *inst, fwk_ctx *ctx, const json_t *disabled)
{
    char known[1024];
    size_t i, used = 0;
    const json_t *item;
    int rule;

    json_array_foreach (disabled, i, item) {
        rule = misconfig_rule_find(json_string_value(item));
        if (rule >= 0) {
            inst->disabled[rule] = true;
            continue;
        }
        for (rule = 0; rule < MISCONFIG_RULE_COUNT && used + 1 < sizeof(known); rule++)
            used += (size_t)snprintf(known + used, sizeof(known) - used, "%s%s", rule ? ", " : "",
                                     misconfig_rules[rule].id);
        inst->host->fail(ctx, "disabled_rules[%zu]: unknown rule \"%s\"; the rules are: %s", i,
                         json_string_value(item), known);
        return -1;
    }
    return 0;
}

static void misconfig_fini(void *instance)
{
    misconfig_instance *inst = instance;

    if (!inst)
        return;
    json_decref(inst->required_labels);
    free(inst);
}

static fwk_status misconfig_init(const fwk_host *host, fwk_ctx *ctx, const json_t *config,
                                 void **instance)
{
    fwk_status status = FWK_ERROR;
    misconfig_instance *inst = calloc(1, sizeof(*inst));
    json_t *disabled = NULL;
    const json_t *days = json_object_get(config, "stopped_days");

    *instance = NULL;
    if (!inst) {
        host->fail(ctx, "out of memory creating the misconfig instance");
        goto out;
    }
    inst->host = host;
    inst->stopped_days = 30;
    if (days && !json_is_null(days)) {
        if (!json_is_integer(days) || json_integer_value(days) < 1) {
            host->fail(ctx, "stopped_days: expected a whole number of days >= 1");
            goto out;
        }
        inst->stopped_days = (int64_t)json_integer_value(days);
    }
    if (misconfig_string_list(host, ctx, config, "required_labels", "[\"owner\", \"env\"]",
                              &inst->required_labels) != 0 ||
        misconfig_string_list(host, ctx, config, "disabled_rules", "[]", &disabled) != 0 ||
        misconfig_disable(inst, ctx, disabled) != 0)
        goto out;
    *instance = inst;
    inst = NULL;
    status = FWK_OK;
out:
    json_decref(disabled);
    misconfig_fini(inst);
    return status;
}

/* "s3:bucket acme-logs": the provider's type (or our kind) and the best name we have. */
static void misconfig_subject(misconfig_scan *scan)
{
    const json_t *r = scan->resource;
    const char *name = fwkx_text(r, "name", fwkx_text(r, "id", fwkx_str(r, "uid", "(unnamed)")));

    snprintf(scan->subject, sizeof(scan->subject), "%s %s", fwkx_text(r, "native_type", scan->kind),
             name);
}

static fwk_status misconfig_scan_resource(fwk_ctx *ctx, void *instance, const json_t *resource)
{
    misconfig_scan scan;

    memset(&scan, 0, sizeof(scan));
    scan.inst = instance;
    scan.ctx = ctx;
    scan.resource = resource;
    scan.provider = fwkx_str(resource, "provider", "");
    scan.kind = fwkx_str(resource, "kind", "");
    scan.now = (time_t)(fwkx_clock_wall_ms() / 1000);
    scan.status = FWK_OK;
    if (!json_is_object(resource))
        return FWK_OK;
    misconfig_subject(&scan);
    misconfig_check_exposure(&scan);
    misconfig_check_encryption(&scan);
    misconfig_check_firewall(&scan);
    misconfig_check_labels(&scan);
    misconfig_check_stopped(&scan);
    return scan.status;
}

static const fwk_scanner_vtable misconfig_vtable = {
    .struct_size = sizeof(fwk_scanner_vtable),
    .scan_resource = misconfig_scan_resource,
    .finish = NULL,
};

static const fwk_plugin_descriptor misconfig_descriptor = {
    FWK_DESCRIPTOR_HEADER,
    .name = "misconfig",
    .version = "1.0.0",
    .kind = FWK_KIND_SCANNER,
    .description = "Built-in security and hygiene checks over the normalized resource model "
                   "(public buckets and databases, encryption, open firewalls, labels, idle "
                   "spend)",
    .license = "Apache-2.0",
    .options = misconfig_options,
    .capabilities = 0,
    .init = misconfig_init,
    .fini = misconfig_fini,
    .vtable = &misconfig_vtable,
};

FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void)
{
    return &misconfig_descriptor;
}
