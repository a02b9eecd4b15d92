/* recorder.c: test notifier that appends every message it is given to a JSONL file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fawkes/fawkes.h"

typedef struct recorder {
    const fwk_host *host;
    char *path;
    int fail;
} recorder;

static const fwk_option recorder_options[] = {
    FWK_OPTION("path", FWK_OPT_STRING, FWK_OPT_REQUIRED, NULL, "JSONL file to append to"),
    FWK_OPTION("fail", FWK_OPT_BOOL, 0, "false", "refuse every message (FWK_RETRY)"),
    FWK_OPTION_END,
};

static fwk_status recorder_init(const fwk_host *host, fwk_ctx *ctx, const json_t *config,
                                void **instance)
{
    (void)ctx;
    recorder *self = calloc(1, sizeof *self);
    if (!self)
        return FWK_ERROR;
    self->host = host;
    self->path = strdup(json_string_value(json_object_get(config, "path")));
    self->fail = json_is_true(json_object_get(config, "fail"));
    *instance = self;
    return FWK_OK;
}

static void recorder_fini(void *instance)
{
    recorder *self = instance;
    if (self)
        free(self->path);
    free(self);
}

static fwk_status recorder_notify(fwk_ctx *ctx, void *instance, const json_t *message)
{
    recorder *self = instance;
    if (self->fail) {
        self->host->fail(ctx, "delivery to %s refused (test switch 'fail' is on)", self->path);
        return FWK_RETRY;
    }
    FILE *f = fopen(self->path, "a");
    if (!f) {
        self->host->fail(ctx, "cannot open %s", self->path);
        return FWK_ERROR;
    }
    json_dumpf(message, f, JSON_COMPACT | JSON_SORT_KEYS);
    fputc('\n', f);
    fclose(f);
    return FWK_OK;
}

static const fwk_notifier_vtable recorder_vtable = {
    .struct_size = sizeof(fwk_notifier_vtable),
    .notify = recorder_notify,
};

static const fwk_plugin_descriptor recorder_descriptor = {
    FWK_DESCRIPTOR_HEADER,
    .name = "recorder",
    .version = "1.0.0",
    .kind = FWK_KIND_NOTIFIER,
    .description = "test notifier that records messages to a file",
    .license = "Apache-2.0",
    .options = recorder_options,
    .capabilities = FWK_CAP_DIGEST,
    .init = recorder_init,
    .fini = recorder_fini,
    .vtable = &recorder_vtable,
};

FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void)
{
    return &recorder_descriptor;
}
