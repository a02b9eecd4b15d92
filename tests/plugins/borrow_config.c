/* borrow_config.c: test notifier that keeps borrowed pointers into the config init was given
   (no reference, no copy), uses them in notify and in fini, and appends what it did to the file
   the config names: a host that freed the config before fini would make it write nowhere, or
   fail under AddressSanitizer. With fail_init it fails init after storing an instance, so a
   test can see that the host never calls fini after a failed init. */
#include <stdio.h>
#include <stdlib.h>

#include "fawkes/fawkes.h"

typedef struct borrow_config {
    const fwk_host *host;
    const json_t *config; /* borrowed: the host keeps it until fini has returned */
    const char *path;     /* borrowed from config */
    const char *marker;   /* borrowed from config */
} borrow_config;

static const fwk_option borrow_options[] = {
    FWK_OPTION("path", FWK_OPT_STRING, FWK_OPT_REQUIRED, NULL, "File to append a line to."),
    FWK_OPTION("marker", FWK_OPT_STRING, 0, "\"the config outlives fini\"",
               "Text written on each line (a default: only the validated config holds it)."),
    FWK_OPTION("fail_init", FWK_OPT_BOOL, 0, "false", "Fail init after storing an instance."),
    FWK_OPTION_END,
};

/* What a failed init stores: a host that calls fini on it breaks the SDK's contract. The path
   is copied, so fini could report whenever it came. */
static borrow_config failed_instance;
static char failed_path[4096];

static void record(const char *path, const char *what, const char *marker)
{
    FILE *f = fopen(path, "a");
    if (!f)
        return;
    fprintf(f, "%s %s\n", what, marker);
    fclose(f);
}

static fwk_status borrow_init(const fwk_host *host, fwk_ctx *ctx, const json_t *config,
                              void **instance)
{
    if (host->config(ctx) != config) {
        host->fail(ctx, "host->config(ctx) is not the config init was given");
        return FWK_ERROR;
    }
    if (json_is_true(json_object_get(config, "fail_init"))) {
        snprintf(failed_path, sizeof failed_path, "%s",
                 json_string_value(json_object_get(config, "path")));
        failed_instance.path = failed_path;
        *instance = &failed_instance;
        host->fail(ctx, "init fails on purpose (fail_init)");
        return FWK_ERROR;
    }
    borrow_config *self = calloc(1, sizeof *self);
    if (!self) {
        host->fail(ctx, "out of memory");
        return FWK_ERROR;
    }
    self->host = host;
    self->config = config;
    self->path = json_string_value(json_object_get(config, "path"));
    self->marker = json_string_value(json_object_get(config, "marker"));
    *instance = self;
    return FWK_OK;
}

static void borrow_fini(void *instance)
{
    borrow_config *self = instance;
    if (self == &failed_instance) {
        record(self->path, "fini", "after a failed init");
        return;
    }
    if (self)
        record(self->path, "fini", self->marker);
    free(self);
}

static fwk_status borrow_notify(fwk_ctx *ctx, void *instance, const json_t *message)
{
    borrow_config *self = instance;
    (void)message;
    const json_t *now = self->host->config(ctx);
    if (now != self->config || json_string_value(json_object_get(now, "path")) != self->path) {
        self->host->fail(ctx, "the config changed after init");
        return FWK_ERROR;
    }
    record(self->path, "notify", self->marker);
    return FWK_OK;
}

static const fwk_notifier_vtable borrow_vtable = {
    .struct_size = sizeof(fwk_notifier_vtable),
    .notify = borrow_notify,
};

static const fwk_plugin_descriptor borrow_descriptor = {
    FWK_DESCRIPTOR_HEADER,
    .name = "borrow_config",
    .version = "0.1.0",
    .kind = FWK_KIND_NOTIFIER,
    .description = "Test notifier that keeps borrowed pointers into its config until fini",
    .license = "Apache-2.0",
    .options = borrow_options,
    .init = borrow_init,
    .fini = borrow_fini,
    .vtable = &borrow_vtable,
};

FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void)
{
    return &borrow_descriptor;
}
