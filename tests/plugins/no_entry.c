/* no_entry.c: test library with a valid descriptor exported under the wrong name, so it has
   no entry symbol `fawkes_plugin_describe`. */
#include <fawkes/fawkes.h>

FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_describe(void);

static fwk_status hidden_scan(fwk_ctx *ctx, void *instance, const json_t *resource)
{
    (void)ctx;
    (void)instance;
    (void)resource;
    return FWK_OK;
}

static fwk_status hidden_init(const fwk_host *host, fwk_ctx *ctx, const json_t *config,
                              void **instance)
{
    (void)host;
    (void)ctx;
    (void)config;
    *instance = NULL;
    return FWK_OK;
}

static const fwk_scanner_vtable hidden_vtable = {
    .struct_size = sizeof(fwk_scanner_vtable),
    .scan_resource = hidden_scan,
};

static const fwk_plugin_descriptor hidden_descriptor = {
    FWK_DESCRIPTOR_HEADER,
    .name = "no_entry",
    .version = "1.0.0",
    .kind = FWK_KIND_SCANNER,
    .description = "Test scanner exporting a misspelled entry.",
    .init = hidden_init,
    .vtable = &hidden_vtable,
};

FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_describe(void)
{
    return &hidden_descriptor;
}
