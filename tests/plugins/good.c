/* good.c: a valid test scanner "good" that emits one low finding "test.always" per resource. */
#include <fawkes/fawkes.h>

static const char *const good_modes[] = {"fast", "thorough", NULL};

static const fwk_option good_options[] = {
    FWK_OPTION("label", FWK_OPT_STRING, 0, "\"always\"", "Word put in every finding's title."),
    FWK_OPTION_ENUM("mode", 0, "\"fast\"", good_modes, "How hard to look."),
    FWK_OPTION_RANGE("limit", FWK_OPT_INT, 0, "10", 0, 100, "Most findings per resource."),
    FWK_OPTION("timeout", FWK_OPT_DURATION, 0, "\"30s\"", "How long one scan may take."),
    FWK_OPTION("token", FWK_OPT_STRING, FWK_OPT_SECRET, NULL, "API token for nothing at all."),
    FWK_OPTION_END,
};

typedef struct good_instance {
    const fwk_host *host;
} good_instance;

static fwk_status good_init(const fwk_host *host, fwk_ctx *ctx, const json_t *config,
                            void **instance)
{
    (void)config;
    good_instance *inst = host->alloc(sizeof *inst);
    if (!inst) {
        host->fail(ctx, "out of memory creating a good instance");
        return FWK_ERROR;
    }
    inst->host = host;
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
    const fwk_host *host = ((good_instance *)instance)->host;
    const char *uid = json_string_value(json_object_get(resource, "uid"));
    json_t *finding = json_pack("{s:s, s:s, s:s, s:s+}", "rule", "test.always", "severity", "low",
                                "title", "always fires", "message", "always fires for ",
                                uid ? uid : "a resource without uid");
    if (!finding) {
        host->fail(ctx, "out of memory building a finding");
        return FWK_ERROR;
    }
    return host->emit_finding(ctx, finding);
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
