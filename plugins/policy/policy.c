/* policy.c: the "policy" plugin: policy-as-code over any JSON document (descriptor, options,
   instance life cycle, vtable). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

static const fwk_option policy_options[] = {
    FWK_OPTION("paths", FWK_OPT_PATH_LIST, FWK_OPT_REQUIRED, NULL,
               "Files and directories of policies, exceptions and tests (YAML, read "
               "recursively); relative paths resolve against the config file's directory."),
    FWK_OPTION_RANGE("max_exception_days", FWK_OPT_INT, 0, "365", 1, 3650,
                     "The furthest an exception's expires may lie ahead of load time, in days."),
    FWK_OPTION("now", FWK_OPT_STRING, 0, NULL,
               "A fixed evaluation time (RFC 3339) for tests and replays; default: the clock "
               "(or FAWKES_NOW when set)."),
    FWK_OPTION_END};

typedef struct policy_instance {
    const fwk_host *host;
    policy_engine engine;
} policy_instance;

static void policy_fini(void *instance)
{
    policy_instance *inst = instance;
    if (!inst)
        return;
    policy_engine_free(&inst->engine);
    free(inst);
}

/* The `now` option, else FAWKES_NOW; a malformed value is an error. */
static int policy_fixed_now(const fwk_host *host, fwk_ctx *ctx, const json_t *config,
                            policy_engine *engine)
{
    const char *text = fwkx_str(config, "now", NULL);
    const char *source = "now";
    if (!text) {
        text = getenv("FAWKES_NOW");
        source = "FAWKES_NOW";
    }
    if (!text || !*text)
        return 0;
    policy_time t;
    if (policy_time_parse(text, &t) != 0) {
        host->fail(ctx,
                   "%s: expected an RFC 3339 timestamp such as 2026-01-02T03:04:05Z, got "
                   "\"%s\"",
                   source, text);
        return -1;
    }
    engine->fixed_now = true;
    engine->now = t.epoch;
    return 0;
}

static fwk_status policy_init(const fwk_host *host, fwk_ctx *ctx, const json_t *config,
                              void **instance)
{
    *instance = NULL;
    policy_instance *inst = calloc(1, sizeof *inst);
    const json_t *paths = json_object_get(config, "paths");
    const char **list = NULL;
    size_t count = json_array_size(paths);
    fwk_status status = FWK_ERROR;
    if (!inst || !(list = calloc(count ? count : 1, sizeof *list))) {
        host->fail(ctx, "out of memory creating the policy instance");
        goto out;
    }
    inst->host = host;
    inst->engine.max_exception_days = fwkx_int(config, "max_exception_days", 365);
    if (count == 0) {
        host->fail(ctx, "paths: expected at least one file or directory of policies");
        goto out;
    }
    for (size_t i = 0; i < count; i++)
        list[i] = json_string_value(json_array_get(paths, i));
    if (policy_fixed_now(host, ctx, config, &inst->engine) != 0)
        goto out;
    char err[2048];
    if (policy_engine_load(&inst->engine, list, count, policy_engine_now(&inst->engine), err,
                           sizeof err) != 0) {
        host->fail(ctx, "%s", err);
        goto out;
    }
    *instance = inst;
    inst = NULL;
    status = FWK_OK;
out:
    free(list);
    policy_fini(inst);
    return status;
}

static fwk_status policy_vt_evaluate(fwk_ctx *ctx, void *instance, const json_t *document,
                                     json_t **decisions)
{
    policy_instance *inst = instance;
    *decisions = json_array();
    if (!*decisions || policy_evaluate(&inst->engine, document, policy_engine_now(&inst->engine),
                                       *decisions) != 0) {
        inst->host->fail(ctx, "out of memory evaluating policies");
        return FWK_ERROR;
    }
    return FWK_OK;
}

static fwk_status policy_vt_test(fwk_ctx *ctx, void *instance, const char *path, json_t **report)
{
    policy_instance *inst = instance;
    char err[2048];
    *report = NULL;
    if (policy_test_run(&inst->engine, path, report, err, sizeof err) != 0) {
        inst->host->fail(ctx, "%s", err);
        return FWK_ERROR;
    }
    return FWK_OK;
}

static const fwk_policy_vtable policy_vtable = {
    .struct_size = sizeof(fwk_policy_vtable),
    .evaluate = policy_vt_evaluate,
    .test = policy_vt_test,
};

static const fwk_plugin_descriptor policy_descriptor = {
    FWK_DESCRIPTOR_HEADER,
    .name = "policy",
    .version = "1.0.0",
    .kind = FWK_KIND_POLICY,
    .description = "Policy-as-code in YAML over normalized resources or any JSON document, with "
                   "expiring exceptions and tests",
    .license = "Apache-2.0",
    .options = policy_options,
    .capabilities = 0,
    .init = policy_init,
    .fini = policy_fini,
    .vtable = &policy_vtable,
};

FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void)
{
    return &policy_descriptor;
}
