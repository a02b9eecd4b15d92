/* webhook.c: the webhook notifier: POST each message as generic JSON, or as a Slack or
   Mattermost incoming-webhook payload, through the host's HTTP service. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fawkes/fawkes.h"
#include "wh.h"

typedef struct wh_instance {
    const fwk_host *host;
    wh_format format;
    wh_overrides overrides; /* borrowed from the host's config (valid for the instance) */
    const char *url;        /* borrowed, a secret */
    const char *token;      /* borrowed, a secret, or NULL */
} wh_instance;

static const char *const wh_formats[] = {"generic", "slack", "mattermost", NULL};

static const fwk_option wh_options[] = {
    FWK_OPTION("url", FWK_OPT_STRING, FWK_OPT_REQUIRED | FWK_OPT_SECRET, NULL,
               "the webhook URL (a secret: Slack and Mattermost URLs carry their token)"),
    FWK_OPTION_ENUM("format", 0, "\"generic\"", wh_formats,
                    "payload: generic (the message as JSON), slack or mattermost"),
    FWK_OPTION("token", FWK_OPT_STRING, FWK_OPT_SECRET, NULL,
               "sent as 'Authorization: Bearer TOKEN' when set (generic receivers)"),
    FWK_OPTION("channel", FWK_OPT_STRING, 0, NULL, "mattermost: post to this channel instead"),
    FWK_OPTION("username", FWK_OPT_STRING, 0, NULL, "mattermost: post under this name"),
    FWK_OPTION("icon_url", FWK_OPT_STRING, 0, NULL, "mattermost: the avatar to post with"),
    FWK_OPTION_END,
};

static const char *opt(const json_t *config, const char *key)
{
    return json_string_value(json_object_get(config, key));
}

static fwk_status wh_init(const fwk_host *host, fwk_ctx *ctx, const json_t *config,
                          void **instance)
{
    wh_instance *self = calloc(1, sizeof *self);
    if (!self) {
        host->fail(ctx, "out of memory");
        return FWK_ERROR;
    }
    self->host = host;
    self->format = (wh_format)wh_format_parse(opt(config, "format"));
    self->url = opt(config, "url");
    self->token = opt(config, "token");
    self->overrides = (wh_overrides){opt(config, "channel"), opt(config, "username"),
                                     opt(config, "icon_url")};
    if (!self->url || (strncmp(self->url, "https://", 8) && strncmp(self->url, "http://", 7))) {
        host->fail(ctx, "url: expected an http:// or https:// URL; check the secret it comes from");
        free(self);
        return FWK_ERROR;
    }
    *instance = self;
    return FWK_OK;
}

static void wh_fini(void *instance)
{
    free(instance);
}

/* The start of a response body for a message: printable, at most 200 bytes. */
static void body_excerpt(const fwk_http_response *response, char *out, size_t size)
{
    size_t n = 0;
    for (size_t i = 0; i < response->body_len && n + 1 < size && n < 200; i++) {
        char c = response->body[i];
        out[n++] = (c >= 32 && c < 127) ? c : ' ';
    }
    out[n] = '\0';
}

static fwk_status wh_notify(fwk_ctx *ctx, void *instance, const json_t *message)
{
    wh_instance *self = instance;
    const fwk_host *host = self->host;
    json_t *payload = wh_payload(self->format, message, &self->overrides);
    char *body = payload ? json_dumps(payload, JSON_COMPACT) : NULL;
    json_decref(payload);
    if (!body) {
        host->fail(ctx, "out of memory building the payload");
        return FWK_RETRY;
    }
    char authorization[1024];
    fwk_http_header headers[2] = {{"Content-Type", "application/json"}, {NULL, NULL}};
    size_t header_count = 1;
    if (self->token) {
        snprintf(authorization, sizeof authorization, "Bearer %s", self->token);
        headers[header_count++] = (fwk_http_header){"Authorization", authorization};
    }
    /* A POST that may have been acted on is not resent on 500: the host retries 429/503
       only, and a failed message is queued for the next run instead. */
    fwk_http_request request = {
        .struct_size = sizeof request,
        .method = "POST",
        .url = self->url,
        .headers = headers,
        .header_count = header_count,
        .body = body,
        .body_len = strlen(body),
        .flags = FWK_HTTP_MUTATING,
    };
    fwk_http_response *response = NULL;
    fwk_status status = host->http_request(ctx, &request, &response);
    free(body);
    if (status == FWK_CANCELLED)
        return FWK_RETRY;
    if (status != FWK_OK)
        return FWK_RETRY; /* the host said why (allowlist, DNS, connect, timeout) */
    long code = response->status;
    char excerpt[256];
    body_excerpt(response, excerpt, sizeof excerpt);
    host->http_response_free(response);
    if (code >= 200 && code < 300) {
        host->counter_add(ctx, "posted", 1);
        return FWK_OK;
    }
    host->fail(ctx, "the webhook answered HTTP %ld: %s%s", code, excerpt,
               code == 404 || code == 410 ? " (is the URL still valid?)"
               : code == 400              ? " (the receiver rejected the payload)"
                                          : "");
    return code == 429 || code >= 500 ? FWK_RETRY : FWK_ERROR;
}

static const fwk_notifier_vtable wh_vtable = {
    .struct_size = sizeof(fwk_notifier_vtable),
    .notify = wh_notify,
};

static const fwk_plugin_descriptor wh_descriptor = {
    FWK_DESCRIPTOR_HEADER,
    .name = "webhook",
    .version = "1.0.0",
    .kind = FWK_KIND_NOTIFIER,
    .description = "posts findings to a webhook: generic JSON, Slack or Mattermost",
    .license = "Apache-2.0",
    .options = wh_options,
    .capabilities = FWK_CAP_DIGEST,
    .init = wh_init,
    .fini = wh_fini,
    .vtable = &wh_vtable,
};

FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void)
{
    return &wh_descriptor;
}
