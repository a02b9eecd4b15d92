/* flag.c: test scanner "flag": one fail finding "test.flag.RULE" for every resource that has a
   `severity` label, with that severity, its `rule` label (default "x") as the rule suffix,
   and the resource's attributes as evidence, so tests steer findings through snapshot data. */
#include <stdio.h>

#include <fawkes/fawkes.h>

typedef struct flag_instance {
    const fwk_host *host;
} flag_instance;

static fwk_status flag_init(const fwk_host *host, fwk_ctx *ctx, const json_t *config,
                            void **instance)
{
    (void)config;
    flag_instance *inst = host->alloc(sizeof *inst);
    if (!inst) {
        host->fail(ctx, "out of memory");
        return FWK_ERROR;
    }
    inst->host = host;
    *instance = inst;
    return FWK_OK;
}

static void flag_fini(void *instance)
{
    flag_instance *inst = instance;
    if (inst)
        inst->host->free(inst);
}

static fwk_status flag_scan(fwk_ctx *ctx, void *instance, const json_t *resource)
{
    const flag_instance *inst = instance;
    const json_t *labels = json_object_get(resource, "labels");
    const char *severity = json_string_value(json_object_get(labels, "severity"));
    if (!severity)
        return FWK_OK;
    const char *suffix = json_string_value(json_object_get(labels, "rule"));
    char rule[128];
    snprintf(rule, sizeof rule, "test.flag.%s", suffix ? suffix : "x");
    const char *name = json_string_value(json_object_get(resource, "name"));
    json_t *attributes = json_object_get(resource, "attributes");
    json_t *finding =
        json_pack("{s:s, s:s, s:s, s:s+, s:s, s:O}", "rule", rule, "severity", severity, "title",
                  "flagged resource", "message", "flagged: ", name ? name : "?", "remediation",
                  "Unflag it.", "evidence", attributes ? attributes : json_null());
    if (!finding) {
        inst->host->fail(ctx, "out of memory building a finding");
        return FWK_ERROR;
    }
    return inst->host->emit_finding(ctx, finding);
}

static const fwk_scanner_vtable flag_vtable = {
    .struct_size = sizeof(fwk_scanner_vtable),
    .scan_resource = flag_scan,
};

static const fwk_plugin_descriptor flag_descriptor = {
    FWK_DESCRIPTOR_HEADER,
    .name = "flag",
    .version = "1.0.0",
    .kind = FWK_KIND_SCANNER,
    .description = "Test scanner: a finding for every resource with a severity label.",
    .license = "Apache-2.0",
    .init = flag_init,
    .fini = flag_fini,
    .vtable = &flag_vtable,
};

FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void)
{
    return &flag_descriptor;
}
