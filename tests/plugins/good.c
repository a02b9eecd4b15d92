/* good.c: a valid test scanner "good": one finding "test.always" (low by default) per resource. */
#include <stdio.h>

#include <fawkes/fawkes.h>

static const char *const good_severities[] = {"info", "low", "medium", "high", "critical", NULL};

static const fwk_option good_options[] = {
    FWK_OPTION_ENUM("severity", 0, "\"low\"", good_severities, "Severity of every finding."),
    FWK_OPTION_RANGE("repeat", FWK_OPT_INT, 0, "1", 1, 10,
                     "Findings per resource, each with its own rule suffix after the first."),
    FWK_OPTION_END,
};

typedef struct good_instance {
    const fwk_host *host;
    char severity[16];
    int repeat;
} good_instance;

static fwk_status good_init(const fwk_host *host, fwk_ctx *ctx, const json_t *config,
                            void **instance)
{
    good_instance *inst = host->alloc(sizeof *inst);
    if (!inst) {
        host->fail(ctx, "out of memory creating a good instance");
        return FWK_ERROR;
    }
    inst->host = host;
    /* The host validated the config and filled the defaults. */
    snprintf(inst->severity, sizeof inst->severity, "%s",
             json_string_value(json_object_get(config, "severity")));
    inst->repeat = (int)json_integer_value(json_object_get(config, "repeat"));
    *instance = inst;
    return FWK_OK;
}

static void good_fini(void *instance)
{
    good_instance *inst = instance;
    if (inst)
        inst->host->free(inst);
}

static fwk_status good_scan(fwk_ctx *ctx, void *instance, const json_t *resource)
{
    const good_instance *inst = instance;
    const fwk_host *host = inst->host;
    const char *uid = json_string_value(json_object_get(resource, "uid"));
    for (int i = 1; i <= inst->repeat; i++) {
        char rule[32] = "test.always";
        if (i > 1)
            snprintf(rule, sizeof rule, "test.always.%d", i);
        json_t *finding = json_pack("{s:s, s:s, s:s, s:s+}", "rule", rule, "severity",
                                    inst->severity, "title", "always fires", "message",
                                    "always fires for ", uid ? uid : "a resource without uid");
        if (!finding) {
            host->fail(ctx, "out of memory building a finding");
            return FWK_ERROR;
        }
        fwk_status status = host->emit_finding(ctx, finding);
        if (status != FWK_OK)
            return status;
    }
    return FWK_OK;
}

static const fwk_scanner_vtable good_vtable = {
    .struct_size = sizeof(fwk_scanner_vtable),
    .scan_resource = good_scan,
};

static const fwk_plugin_descriptor good_descriptor = {
    FWK_DESCRIPTOR_HEADER,
    .name = "good",
    .version = "1.2.3",
    .kind = FWK_KIND_SCANNER,
    .description = "Test scanner: one low finding for every resource.",
    .license = "Apache-2.0",
    .options = good_options,
    .init = good_init,
    .fini = good_fini,
    .vtable = &good_vtable,
};

FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void)
{
    return &good_descriptor;
}
