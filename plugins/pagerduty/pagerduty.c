/* pagerduty.c: the PagerDuty notifier: one Events API v2 event per finding (trigger for
   new and open findings, resolve for resolved ones) through the host's HTTP service. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fawkes/fawkes.h"
#include "fawkes/fwkx.h"
#include "pagerduty.h"

typedef struct pagerduty_instance {
    const fwk_host *host;
    const char *routing_key; /* borrowed from the config; a secret */
    const char *url;         /* borrowed */
} pagerduty_instance;

static const fwk_option pagerduty_options[] = {
    FWK_OPTION("routing_key", FWK_OPT_STRING, FWK_OPT_REQUIRED | FWK_OPT_SECRET, NULL,
               "the integration's routing key (Events API v2), from ${env:} or ${file:}"),
    FWK_OPTION("url", FWK_OPT_STRING, 0, "\"https://events.pagerduty.com/v2/enqueue\"",
               "the Events API endpoint (EU accounts: https://events.eu.pagerduty.com/v2/enqueue)"),
    FWK_OPTION_END,
};

static fwk_status pagerduty_init(const fwk_host *host, fwk_ctx *ctx, const json_t *config,
                                 void **instance)
{
    pagerduty_instance *self = calloc(1, sizeof *self);
    if (!self) {
        host->fail(ctx, "out of memory");
        return FWK_ERROR;
    }
    self->host = host;
    self->routing_key = fwkx_str(config, "routing_key", NULL);
    self->url = fwkx_str(config, "url", NULL);
    if (!self->routing_key || strlen(self->routing_key) != 32) {
        host->fail(ctx, "routing_key: expected the 32-character integration key of an Events "
                        "API v2 integration (Service > Integrations in PagerDuty)");
        free(self);
        return FWK_ERROR;
    }
    *instance = self;
    return FWK_OK;
}

static void pagerduty_fini(void *instance)
{
    free(instance);
}

/* What to add to fwkx's failure message "POST URL -> HTTP N: reason" for a status. */
static const char *pagerduty_hint(long http_status)
{
    return http_status / 100 == 2 ? " (the Events API accepts with 202: is url an Events API v2 "
                                    "endpoint?)"
                                  : "";
}

/* Send one event. */
static fwk_status pagerduty_send(fwk_ctx *ctx, pagerduty_instance *self, const json_t *event)
{
    const fwk_host *host = self->host;
    /* Only 202 means accepted, whatever the body. Not flagged mutating: an event sent twice
       is folded into one alert by its dedup_key, so the host may retry 5xx and lost
       connections within the run instead of leaving the event for the next one. */
    const fwkx_http_call call = {
        .method = "POST",
        .url = self->url,
        .body = event,
        .body_optional = 1,
        .hint = pagerduty_hint,
    };
    fwkx_http_result result = {0};
    fwk_status status = fwkx_http_json(host, ctx, &call, &result);
    long code = result.status;
    if (status == FWK_OK && code != 202) {
        char message[1024];
        char *answer = json_dumps(result.answer, JSON_COMPACT);
        host->fail(ctx, "%s",
                   fwkx_http_describe(call.method, call.url, code, result.attempts, answer,
                                      answer ? strlen(answer) : 0, pagerduty_hint(code), message,
                                      sizeof message));
        free(answer);
        status = FWK_ERROR;
    }
    fwkx_http_result_free(&result);
    if (status == FWK_OK) {
        host->counter_add(ctx, "events", 1);
        return FWK_OK;
    }
    /* No answer (the host said why), 429 and 5xx: try later; 400: the event is invalid and
       never will be accepted. */
    return code == 0 || code == 429 || code >= 500 ? FWK_RETRY : FWK_ERROR;
}

static fwk_status pagerduty_notify(fwk_ctx *ctx, void *instance, const json_t *message)
{
    pagerduty_instance *self = instance;
    const json_t *run = json_object_get(message, "run");
    size_t i;
    const json_t *finding;
    json_array_foreach (json_object_get(message, "findings"), i, finding) {
        json_t *event = pagerduty_event(self->routing_key, finding, run);
        if (!event) {
            self->host->fail(ctx, "a finding without a fingerprint cannot become an event");
            return FWK_ERROR;
        }
        fwk_status status = pagerduty_send(ctx, self, event);
        json_decref(event);
        if (status != FWK_OK)
            return status;
    }
    return FWK_OK;
}

static const fwk_notifier_vtable pagerduty_vtable = {
    .struct_size = sizeof(fwk_notifier_vtable),
    .notify = pagerduty_notify,
};

static const fwk_plugin_descriptor pagerduty_descriptor = {
    FWK_DESCRIPTOR_HEADER,
    .name = "pagerduty",
    .version = "1.0.0",
    .kind = FWK_KIND_NOTIFIER,
    .description = "PagerDuty Events API v2: trigger on new findings, resolve on resolved ones",
    .license = "Apache-2.0",
    .options = pagerduty_options,
    .init = pagerduty_init,
    .fini = pagerduty_fini,
    .vtable = &pagerduty_vtable,
};

FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void)
{
    return &pagerduty_descriptor;
}
