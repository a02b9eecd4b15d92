/* provider_call.c: open one provider instance outside a run and call provision or cost. */
#include "provider_call.h"

#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "log.h"

static const char *entry_name(provider_entry entry)
{
    return entry == PROVIDER_PROVISION ? "provisioning" : "cost reports";
}

static bool vtable_offers(const fwk_provider_vtable *vt, provider_entry entry)
{
    return entry == PROVIDER_PROVISION ? FWK_VTABLE_HAS(vt, provision) : FWK_VTABLE_HAS(vt, cost);
}

bool provider_offers(const engine_env *eng, const char *name, provider_entry entry)
{
    config_section section;
    const config_instance *conf = config_find_instance(eng->cfg, name, &section);
    const plugin *plug =
        conf && section == CONFIG_PROVIDERS ? loader_find(eng->plugins, conf->plugin) : NULL;
    return plug && plug->desc->kind == FWK_KIND_PROVIDER &&
           vtable_offers(plug->desc->vtable, entry);
}

static void defined_providers(const config *cfg, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < cfg->instance_count[CONFIG_PROVIDERS] && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "",
                                 cfg->instances[CONFIG_PROVIDERS][i].name);
    if (used == 0)
        snprintf(buf, size, "none");
}

int provider_open(const engine_env *eng, const char *name, provider_entry entry, provider_call *pc)
{
    memset(pc, 0, sizeof *pc);
    config_section section;
    const config_instance *conf = config_find_instance(eng->cfg, name, &section);
    if (!conf || section != CONFIG_PROVIDERS) {
        char names[1024];
        defined_providers(eng->cfg, names, sizeof names);
        log_user_error("--provider %s: no provider instance of that name in %s (defined: %s)", name,
                       eng->cfg->path, names);
        return EXIT_CODE_USAGE;
    }
    diag err = {{0}};
    const char *refusal = NULL;
    if (instance_prepare(eng, conf, &pc->inst, &refusal, &err) != 0) {
        log_user_error("%s", err.text);
        return EXIT_CODE_USAGE;
    }
    if (!pc->inst->plug) {
        log_user_error("%s: plugin '%s' was refused by the loader: %s", name, conf->plugin,
                       refusal);
        return EXIT_CODE_PARTIAL;
    }
    pc->vt = pc->inst->plug->desc->vtable;
    if (!vtable_offers(pc->vt, entry)) {
        log_user_error("%s: plugin '%s' does not offer %s; use a provider whose `fawkes plugins "
                       "inspect` lists that capability",
                       name, conf->plugin, entry_name(entry));
        return EXIT_CODE_USAGE;
    }
    if (run_init(&pc->run, entry == PROVIDER_PROVISION ? "provision" : "cost", NULL,
                 OUTPUT_INVENTORY, NULL, &eng->cfg->egress_allow) != 0) {
        log_user_error("out of memory");
        return EXIT_CODE_INTERNAL;
    }
    pc->run_ready = true;
    if (instance_init(pc->inst, &pc->run, &err) != 0) {
        log_user_error("%s: %s", name, err.text);
        return EXIT_CODE_PARTIAL;
    }
    return EXIT_CODE_OK;
}

/* The context's message (redacted by host->fail) or a stand-in, as a new string. */
static char *take_message(fwk_ctx *ctx, fwk_status status)
{
    const char *why = ctx->message       ? ctx->message
                      : status == FWK_OK ? "the plugin returned no result (a plugin bug)"
                                         : "the plugin gave no reason";
    char *copy = log_redact(why);
    return copy ? copy : strdup("out of memory");
}

static fwk_status finish(fwk_ctx *ctx, fwk_status status, json_t **result, char **message)
{
    if (status == FWK_OK && !json_is_object(*result))
        status = FWK_ERROR;
    if (status != FWK_OK) {
        json_decref(*result);
        *result = NULL;
        *message = take_message(ctx, status);
    } else {
        log_redact_json(*result);
    }
    ctx_finish(ctx);
    return status;
}

fwk_status provider_invoke_provision(provider_call *pc, const char *what, const char *op,
                                     const json_t *spec, int dry_run, json_t **result,
                                     char **message)
{
    fwk_ctx ctx;
    ctx_init(&ctx, NULL, pc->inst, "provision", NULL);
    *result = NULL;
    *message = NULL;
    fwk_status status = pc->vt->provision(&ctx, pc->inst->state, what, op, spec, dry_run, result);
    return finish(&ctx, status, result, message);
}

fwk_status provider_invoke_cost(provider_call *pc, const json_t *request, json_t **report,
                                char **message)
{
    fwk_ctx ctx;
    ctx_init(&ctx, NULL, pc->inst, "cost", NULL);
    *report = NULL;
    *message = NULL;
    fwk_status status = pc->vt->cost(&ctx, pc->inst->state, request, report);
    return finish(&ctx, status, report, message);
}

void provider_close(provider_call *pc)
{
    instance_close(pc->inst);
    if (pc->run_ready)
        run_free(&pc->run);
    memset(pc, 0, sizeof *pc);
}
