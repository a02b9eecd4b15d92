/* webhook.h: the webhook notifier's payload builders (pure functions over the host's message). */
#ifndef WEBHOOK_H
#define WEBHOOK_H

#include <jansson.h>

/* Which body the webhook posts. */
typedef enum webhook_format {
    WEBHOOK_GENERIC = 0,
    WEBHOOK_SLACK = 1,
    WEBHOOK_MATTERMOST = 2
} webhook_format;

/* Optional Mattermost overrides (each may be NULL; borrowed). */
typedef struct webhook_overrides {
    const char *channel, *username, *icon_url;
} webhook_overrides;

/* At most this many findings get an attachment (Slack's advice; the text says "and N more"). */
#define WEBHOOK_MAX_ATTACHMENTS 20

/* "generic" -> WEBHOOK_GENERIC, ... ; -1 when unknown. */
int webhook_format_parse(const char *name);

/*
 * webhook_payload: the JSON body for `message` (the host's notifier message, see
 * fawkes/notifier.h) in `format`:
 * - generic: the message itself plus "source": "fawkes".
 * - slack: {"text", "attachments": [{"color", "fallback", "blocks": [section (title and
 *   message), section fields (Severity, Change, Rule, Resource), context (Remediation)]}]}
 *   with &, <, > escaped as Slack's mrkdwn requires and texts cut to Slack's block limits.
 * - mattermost: {"text", "attachments": [{"fallback", "color", "title", "text", "fields":
 *   [Severity, Change, Rule, Resource, Remediation]}]} plus channel/username/icon_url.
 * One attachment per finding, up to WEBHOOK_MAX_ATTACHMENTS. New reference; NULL on OOM.
 * Thread-safe (no state).
 */
json_t *webhook_payload(webhook_format format, const json_t *message,
                        const webhook_overrides *overrides);

/* The attachment colour of a finding: resolved green, else by severity. */
const char *webhook_color(const json_t *finding);

#endif
