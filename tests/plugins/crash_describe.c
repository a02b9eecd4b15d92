/* crash_describe.c: test plugin whose entry function dereferences NULL; listing must survive. */
#include <stddef.h>

#include <fawkes/fawkes.h>

/* volatile, so the compiler cannot see that the pointer is NULL and drop the read. */
static const fwk_plugin_descriptor *volatile crash_descriptor = NULL;

/* Exempt from the null-pointer sanitizer, so a sanitized build crashes with SIGSEGV as a
   plain build does instead of reporting and exiting. */
#if defined(__GNUC__)
__attribute__((no_sanitize("null")))
#endif
FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *
fawkes_plugin_describe(void)
{
    const fwk_plugin_descriptor *desc = crash_descriptor;
    if (desc->magic != FWK_PLUGIN_MAGIC)
        return NULL;
    return desc;
}
