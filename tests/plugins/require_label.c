/* require_label.c: test policy that denies resources lacking a label and allows the rest. */
#include <stdlib.h>
#include <string.h>

#include "fawkes/fawkes.h"

typedef struct require_label {
    char *label;
} require_label;

static const fwk_option require_label_options[] = {
    FWK_OPTION("label", FWK_OPT_STRING, 0, "\"owner\"", "the label every resource must carry"),
    FWK_OPTION_END,
};

static fwk_status rl_init(const fwk_host *host, fwk_ctx *ctx, const json_t *config, void **instance)
{
    (void)host;
    (void)ctx;
    require_label *self = calloc(1, sizeof *self);
    if (!self)
        return FWK_ERROR;
    self->label = strdup(json_string_value(json_object_get(config, "label")));
    *instance = self;
    return FWK_OK;
}

static void rl_fini(void *instance)
{
    require_label *self = instance;
    if (self)
        free(self->label);
    free(self);
}

static fwk_status rl_evaluate(fwk_ctx *ctx, void *instance, const json_t *document,
                              json_t **decisions)
{
    (void)ctx;
    const require_label *self = instance;
    const json_t *labels = json_object_get(document, "labels");
    int has = json_is_string(json_object_get(labels, self->label));
    *decisions = json_pack("[{s:s, s:s, s:s, s:s, s:s, s:[s]}]", "effect", has ? "allow" : "deny",
                           "policy", "require-label", "rule", self->label, "reason",
                           has ? "label present" : "label missing", "severity", "high",
                           "compliance", "SOC2-CC6.1");
    return FWK_OK;
}

static const fwk_policy_vtable rl_vtable = {
    .struct_size = sizeof(fwk_policy_vtable),
    .evaluate = rl_evaluate,
};

static const fwk_plugin_descriptor rl_descriptor = {
    FWK_DESCRIPTOR_HEADER,
    .name = "require_label",
    .version = "1.0.0",
    .kind = FWK_KIND_POLICY,
    .description = "test policy: deny resources lacking a label",
    .license = "Apache-2.0",
    .options = require_label_options,
    .init = rl_init,
    .fini = rl_fini,
    .vtable = &rl_vtable,
};

FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void)
{
    return &rl_descriptor;
}
