/* bad_magic.c: test plugin whose descriptor starts with the wrong magic number. */
#include <fawkes/fawkes.h>

static const fwk_plugin_descriptor bad_magic_descriptor = {
    .magic = 0xDEADBEEFu,
    .abi_major = FWK_ABI_MAJOR,
    .abi_minor = FWK_TARGET_ABI_MINOR,
    .struct_size = sizeof(fwk_plugin_descriptor),
    .name = "bad_magic",
    .version = "1.0.0",
    .kind = FWK_KIND_PROVIDER,
    .description = "Test plugin with a corrupt descriptor header.",
};

FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void)
{
    return &bad_magic_descriptor;
}
