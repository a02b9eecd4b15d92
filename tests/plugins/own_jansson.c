/* own_jansson.c: test scanner that exports its own json_object, as a plugin linked with a
   static libjansson does; the loader must refuse it. (The test build links every test
   plugin against the shared jansson, so the second copy is this one function.) */
#include <fawkes/fawkes.h>

/* Built from jansson's own packer, so it is a working json_object, just not the host's. */
__attribute__((visibility("default"))) json_t *json_object(void)
{
    return json_pack("{}");
}

static fwk_status own_init(const fwk_host *host, fwk_ctx *ctx, const json_t *config,
                           void **instance)
{
    (void)host;
    (void)ctx;
    (void)config;
    *instance = NULL;
    return FWK_OK;
}

static fwk_status own_scan(fwk_ctx *ctx, void *instance, const json_t *resource)
{
    (void)ctx;
    (void)instance;
    (void)resource;
    return FWK_OK;
}

static const fwk_scanner_vtable own_vtable = {
    .struct_size = sizeof(fwk_scanner_vtable),
    .scan_resource = own_scan,
};

static const fwk_plugin_descriptor own_descriptor = {
    FWK_DESCRIPTOR_HEADER,
    .name = "own_jansson",
    .version = "1.0.0",
    .kind = FWK_KIND_SCANNER,
    .description = "Test scanner carrying a second jansson.",
    .init = own_init,
    .vtable = &own_vtable,
};

FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void)
{
    return &own_descriptor;
}
