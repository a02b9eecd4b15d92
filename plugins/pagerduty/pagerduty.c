/* pagerduty.c: the PagerDuty notifier: one Events API v2 event per finding (trigger for
   new and open findings, resolve for resolved ones) through the host's HTTP service. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fawkes/fawkes.h"
#include "pd.h"

typedef struct pd_instance {
    const fwk_host *host;
    const char *routing_key; /* borrowed from the config; a secret */
    const char *url;         /* borrowed */
} pd_instance;

static const fwk_option pd_options[] = {
    FWK_OPTION("routing_key", FWK_OPT_STRING, FWK_OPT_REQUIRED | FWK_OPT_SECRET, NULL,
               "the integration's routing key (Events API v2), from ${env:} or ${file:}"),
    FWK_OPTION("url", FWK_OPT_STRING, 0, "\"https://events.pagerduty.com/v2/enqueue\"",
               "the Events API endpoint (EU accounts: https://events.eu.pagerduty.com/v2/enqueue)"),
    FWK_OPTION_END,
};

static fwk_status pd_init(const fwk_host *host, fwk_ctx *ctx, const json_t *config,
                          void **instance)
{
    pd_instance *self = calloc(1, sizeof *self);
    if (!self) {
        host->fail(ctx, "out of memory");
        return FWK_ERROR;
    }
    self->host = host;
    self->routing_key = json_string_value(json_object_get(config, "routing_key"));
    self->url = json_string_value(json_object_get(config, "url"));
    if (!self->routing_key || strlen(self->routing_key) != 32) {
        host->fail(ctx, "routing_key: expected the 32-character integration key of an Events "
                        "API v2 integration (Service > Integrations in PagerDuty)");
        free(self);
        return FWK_ERROR;
    }
    *instance = self;
    return FWK_OK;
}

static void pd_fini(void *instance)
{
    free(instance);
}

/* Send one event. */
static fwk_status pd_send(fwk_ctx *ctx, pd_instance *self, const json_t *event)
{
    const fwk_host *host = self->host;
    char *body = json_dumps(event, JSON_COMPACT);
    if (!body) {
        host->fail(ctx, "out of memory building the event");
        return FWK_RETRY;
    }
    const fwk_http_header headers[] = {{"Content-Type", "application/json"}};
    fwk_http_request request = {
        .struct_size = sizeof request,
        .method = "POST",
        .url = self->url,
        .headers = headers,
        .header_count = 1,
        .body = body,
        .body_len = strlen(body),
    };
    fwk_http_response *response = NULL;
    fwk_status status = host->http_request(ctx, &request, &response);
    free(body);
    if (status != FWK_OK)
        return FWK_RETRY; /* the host said why */
    long code = response->status;
    json_t *answer = json_loadb(response->body, response->body_len, 0, NULL);
    host->http_response_free(response);
    if (code == 202) {
        json_decref(answer);
        host->counter_add(ctx, "events", 1);
        return FWK_OK;
    }
    char *errors = json_dumps(json_object_get(answer, "errors"), JSON_COMPACT);
    const char *message = json_string_value(json_object_get(answer, "message"));
    host->fail(ctx, "PagerDuty answered HTTP %ld: %s%s%s", code, message ? message : "no message",
               errors ? " " : "", errors ? errors : "");
    free(errors);
    json_decref(answer);
    /* 400: the event is invalid and never will be accepted; 429 and 5xx: try later. */
    return code == 429 || code >= 500 ? FWK_RETRY : FWK_ERROR;
}

static fwk_status pd_notify(fwk_ctx *ctx, void *instance, const json_t *message)
{
    pd_instance *self = instance;
    const json_t *run = json_object_get(message, "run");
    size_t i;
    const json_t *finding;
    json_array_foreach(json_object_get(message, "findings"), i, finding)
    {
        json_t *event = pd_event(self->routing_key, finding, run);
        if (!event) {
            self->host->fail(ctx, "a finding without a fingerprint cannot become an event");
            return FWK_ERROR;
        }
        fwk_status status = pd_send(ctx, self, event);
        json_decref(event);
        if (status != FWK_OK)
            return status;
    }
    return FWK_OK;
}

static const fwk_notifier_vtable pd_vtable = {
    .struct_size = sizeof(fwk_notifier_vtable),
    .notify = pd_notify,
};

static const fwk_plugin_descriptor pd_descriptor = {
    FWK_DESCRIPTOR_HEADER,
    .name = "pagerduty",
    .version = "1.0.0",
    .kind = FWK_KIND_NOTIFIER,
    .description = "PagerDuty Events API v2: trigger on new findings, resolve on resolved ones",
    .license = "Apache-2.0",
    .options = pd_options,
    .init = pd_init,
    .fini = pd_fini,
    .vtable = &pd_vtable,
};

FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void)
{
    return &pd_descriptor;
}
