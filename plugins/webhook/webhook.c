/* webhook.c: the webhook notifier: POST each message as generic JSON, or as a Slack or
   Mattermost incoming-webhook payload, through the host's HTTP service. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fawkes/fawkes.h"
#include "fawkes/fwkx.h"
#include "webhook.h"

typedef struct webhook_instance {
    const fwk_host *host;
    webhook_format format;
    webhook_overrides overrides; /* borrowed from the host's config (valid for the instance) */
    const char *url;             /* borrowed, a secret */
    const char *token;           /* borrowed, a secret, or NULL */
} webhook_instance;

static const char *const webhook_formats[] = {"generic", "slack", "mattermost", NULL};

static const fwk_option webhook_options[] = {
    FWK_OPTION("url", FWK_OPT_STRING, FWK_OPT_REQUIRED | FWK_OPT_SECRET, NULL,
               "the webhook URL (a secret: Slack and Mattermost URLs carry their token)"),
    FWK_OPTION_ENUM("format", 0, "\"generic\"", webhook_formats,
                    "payload: generic (the message as JSON), slack or mattermost"),
    FWK_OPTION("token", FWK_OPT_STRING, FWK_OPT_SECRET, NULL,
               "sent as 'Authorization: Bearer TOKEN' when set (generic receivers)"),
    FWK_OPTION("channel", FWK_OPT_STRING, 0, NULL, "mattermost: post to this channel instead"),
    FWK_OPTION("username", FWK_OPT_STRING, 0, NULL, "mattermost: post under this name"),
    FWK_OPTION("icon_url", FWK_OPT_STRING, 0, NULL, "mattermost: the avatar to post with"),
    FWK_OPTION_END,
};

static fwk_status webhook_init(const fwk_host *host, fwk_ctx *ctx, const json_t *config,
                               void **instance)
{
    webhook_instance *self = calloc(1, sizeof *self);
    if (!self) {
        host->fail(ctx, "out of memory");
        return FWK_ERROR;
    }
    self->host = host;
    self->format = (webhook_format)webhook_format_parse(fwkx_str(config, "format", NULL));
    self->url = fwkx_str(config, "url", NULL);
    self->token = fwkx_str(config, "token", NULL);
    self->overrides =
        (webhook_overrides){fwkx_str(config, "channel", NULL), fwkx_str(config, "username", NULL),
                            fwkx_str(config, "icon_url", NULL)};
    if (!self->url || (strncmp(self->url, "https://", 8) && strncmp(self->url, "http://", 7))) {
        host->fail(ctx, "url: expected an http:// or https:// URL; check the secret it comes from");
        free(self);
        return FWK_ERROR;
    }
    *instance = self;
    return FWK_OK;
}

static void webhook_fini(void *instance)
{
    free(instance);
}

/* What to add to fwkx's failure message "POST URL -> HTTP N: reason" for a status. */
static const char *webhook_hint(long http_status)
{
    return http_status == 404 || http_status == 410 ? " (is the URL still valid?)"
           : http_status == 400                     ? " (the receiver rejected the payload)"
                                                    : "";
}

static fwk_status webhook_notify(fwk_ctx *ctx, void *instance, const json_t *message)
{
    webhook_instance *self = instance;
    const fwk_host *host = self->host;
    json_t *payload = webhook_payload(self->format, message, &self->overrides);
    if (!payload) {
        host->fail(ctx, "out of memory building the payload");
        return FWK_RETRY;
    }
    char authorization[1024];
    const fwk_http_header bearer = {"Authorization", authorization};
    if (self->token)
        snprintf(authorization, sizeof authorization, "Bearer %s", self->token);
    /* A POST that may have been acted on is not resent on 500: the host retries 429/503
       only, and a failed message is queued for the next run instead. Slack and Mattermost
       answer "ok", not JSON. */
    const fwkx_http_call call = {
        .method = "POST",
        .url = self->url,
        .body = payload,
        .headers = self->token ? &bearer : NULL,
        .header_count = self->token ? 1 : 0,
        .flags = FWK_HTTP_MUTATING,
        .body_optional = 1,
        .hint = webhook_hint,
    };
    fwkx_http_result result = {0};
    fwk_status status = fwkx_http_json(host, ctx, &call, &result);
    long code = result.status;
    fwkx_http_result_free(&result);
    json_decref(payload);
    if (status == FWK_OK) {
        host->counter_add(ctx, "posted", 1);
        return FWK_OK;
    }
    /* No answer (the host said why: allowlist, DNS, connect, timeout, cancelled): retry. */
    return code == 0 || code == 429 || code >= 500 ? FWK_RETRY : FWK_ERROR;
}

static const fwk_notifier_vtable webhook_vtable = {
    .struct_size = sizeof(fwk_notifier_vtable),
    .notify = webhook_notify,
};

static const fwk_plugin_descriptor webhook_descriptor = {
    FWK_DESCRIPTOR_HEADER,
    .name = "webhook",
    .version = "1.0.0",
    .kind = FWK_KIND_NOTIFIER,
    .description = "posts findings to a webhook: generic JSON, Slack or Mattermost",
    .license = "Apache-2.0",
    .options = webhook_options,
    .capabilities = FWK_CAP_DIGEST,
    .init = webhook_init,
    .fini = webhook_fini,
    .vtable = &webhook_vtable,
};

FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void)
{
    return &webhook_descriptor;
}
