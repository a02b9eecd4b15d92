/* email.c: the email notifier: each message (usually a digest) as one multipart e-mail,
   sent through the host's mail service (SMTP under the egress allowlist). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "email.h"
#include "fawkes/fawkes.h"
#include "fawkes/fwkx.h"

typedef struct email_instance {
    const fwk_host *host;
    const json_t *config; /* borrowed from the host, valid for the instance */
    const char **to;      /* NULL-terminated, borrowed strings (owned array) */
} email_instance;

static const fwk_option email_options[] = {
    FWK_OPTION("url", FWK_OPT_STRING, FWK_OPT_REQUIRED, NULL,
               "the SMTP server: smtp://HOST:587 (STARTTLS) or smtps://HOST:465 (TLS)"),
    FWK_OPTION("from", FWK_OPT_STRING, FWK_OPT_REQUIRED, NULL,
               "the sender address, e.g. fawkes@example.com"),
    FWK_OPTION_RANGE("to", FWK_OPT_STRING_LIST, FWK_OPT_REQUIRED, NULL, 1, 100,
                     "recipient addresses"),
    FWK_OPTION("username", FWK_OPT_STRING, 0, NULL, "SMTP AUTH user (none: no AUTH)"),
    FWK_OPTION("password", FWK_OPT_STRING, FWK_OPT_SECRET, NULL,
               "SMTP AUTH password, from ${env:} or ${file:}"),
    FWK_OPTION("subject_prefix", FWK_OPT_STRING, 0, "\"[fawkes]\"", "put before every subject"),
    FWK_OPTION_END,
};

static fwk_status email_init(const fwk_host *host, fwk_ctx *ctx, const json_t *config,
                             void **instance)
{
    if (!FWK_HOST_HAS(host, mail_send)) {
        host->fail(ctx,
                   "this fawkes has no mail service (it needs SDK ABI 1.1, the host "
                   "provides %u.%u): upgrade fawkes",
                   host->abi_major, host->abi_minor);
        return FWK_ERROR;
    }
    email_instance *self = calloc(1, sizeof *self);
    const json_t *to = json_object_get(config, "to");
    if (self)
        self->to = calloc(json_array_size(to) + 1, sizeof *self->to);
    if (!self || !self->to) {
        free(self);
        host->fail(ctx, "out of memory");
        return FWK_ERROR;
    }
    self->host = host;
    self->config = config;
    size_t i;
    const json_t *address;
    json_array_foreach (to, i, address)
        self->to[i] = json_string_value(address);
    if (fwkx_str(config, "password", NULL) && !fwkx_str(config, "username", NULL)) {
        host->fail(ctx, "password is set but username is not: set both for SMTP AUTH");
        free(self->to);
        free(self);
        return FWK_ERROR;
    }
    *instance = self;
    return FWK_OK;
}

static void email_fini(void *instance)
{
    email_instance *self = instance;
    if (self)
        free(self->to);
    free(self);
}

static fwk_status email_notify(fwk_ctx *ctx, void *instance, const json_t *message)
{
    email_instance *self = instance;
    email_body body;
    if (email_body_make(message, fwkx_str(self->config, "subject_prefix", NULL), &body) != 0) {
        self->host->fail(ctx, "out of memory building the e-mail");
        return FWK_RETRY;
    }
    fwk_mail mail = {
        .struct_size = sizeof mail,
        .url = fwkx_str(self->config, "url", NULL),
        .from = fwkx_str(self->config, "from", NULL),
        .to = self->to,
        .subject = body.subject,
        .text = body.text,
        .html = body.html,
        .username = fwkx_str(self->config, "username", NULL),
        .password = fwkx_str(self->config, "password", NULL),
    };
    fwk_status status = self->host->mail_send(ctx, &mail);
    email_body_free(&body);
    return status == FWK_CANCELLED ? FWK_RETRY : status;
}

static const fwk_notifier_vtable email_vtable = {
    .struct_size = sizeof(fwk_notifier_vtable),
    .notify = email_notify,
};

static const fwk_plugin_descriptor email_descriptor = {
    FWK_DESCRIPTOR_HEADER,
    .name = "email",
    .version = "1.0.0",
    .kind = FWK_KIND_NOTIFIER,
    .description = "e-mails findings (text and HTML) through the host's SMTP service",
    .license = "Apache-2.0",
    .options = email_options,
    .capabilities = FWK_CAP_DIGEST,
    .init = email_init,
    .fini = email_fini,
    .vtable = &email_vtable,
};

FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void)
{
    return &email_descriptor;
}
