/* iso_crashy_scan.c: a test scanner that reports one finding per resource, dereferences
   NULL on the resource whose uid is `crash_uid` and sleeps `pause_ms` on the one whose uid is
   `pause_uid`. For `isolation: process` tests. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <fawkes/fawkes.h>

typedef struct crashy_scan {
    const fwk_host *host;
    const char *crash_uid;
    const char *pause_uid;
    json_int_t pause_ms;
} crashy_scan;

static const fwk_option crashy_scan_options[] = {
    FWK_OPTION("crash_uid", FWK_OPT_STRING, 0, "\"\"", "Crash on the resource with this uid."),
    FWK_OPTION("pause_uid", FWK_OPT_STRING, 0, "\"\"", "Sleep on the resource with this uid."),
    FWK_OPTION("pause_ms", FWK_OPT_INT, 0, "500", "How long pause_uid sleeps, in ms."),
    FWK_OPTION_END,
};

static fwk_status scan_init(const fwk_host *host, fwk_ctx *ctx, const json_t *config,
                            void **instance)
{
    crashy_scan *self = calloc(1, sizeof *self);
    (void)ctx;
    if (!self)
        return FWK_ERROR;
    self->host = host;
    self->crash_uid = json_string_value(json_object_get(config, "crash_uid"));
    self->pause_uid = json_string_value(json_object_get(config, "pause_uid"));
    self->pause_ms = json_integer_value(json_object_get(config, "pause_ms"));
    *instance = self;
    return FWK_OK;
}

static void scan_fini(void *instance)
{
    free(instance);
}

static int *volatile nowhere = NULL;

#if defined(__GNUC__)
__attribute__((no_sanitize("null")))
#endif
static fwk_status
scan_resource(fwk_ctx *ctx, void *instance, const json_t *resource)
{
    crashy_scan *self = instance;
    const char *uid = json_string_value(json_object_get(resource, "uid"));
    if (uid && strcmp(uid, self->crash_uid) == 0)
        *nowhere = 42;
    if (uid && strcmp(uid, self->pause_uid) == 0) {
        struct timespec pause = {(time_t)(self->pause_ms / 1000),
                                 (long)(self->pause_ms % 1000) * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    return self->host->emit_finding(ctx, json_pack("{s:s, s:s, s:s, s:s}", "rule", "crashy.seen",
                                                   "severity", "low", "status", "fail", "title",
                                                   "seen by the crashy scanner"));
}

static const fwk_scanner_vtable crashy_scan_vtable = {
    .struct_size = sizeof(fwk_scanner_vtable),
    .scan_resource = scan_resource,
};

static const fwk_plugin_descriptor crashy_scan_descriptor = {
    FWK_DESCRIPTOR_HEADER,
    .name = "iso_crashy_scan",
    .version = "1.0.0",
    .kind = FWK_KIND_SCANNER,
    .description = "Test scanner: one finding per resource, a crash on one chosen uid.",
    .license = "Apache-2.0",
    .options = crashy_scan_options,
    .init = scan_init,
    .fini = scan_fini,
    .vtable = &crashy_scan_vtable,
};

FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void)
{
    return &crashy_scan_descriptor;
}
