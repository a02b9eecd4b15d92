/* webhook_payload.c: generic, Slack and Mattermost bodies for one notifier message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fawkes/fwkx.h"
#include "webhook.h"

#define SLACK_SECTION_MAX 3000 /* a section block's text */
#define SLACK_FIELD_MAX 2000   /* one field of a section */
#define SLACK_TEXT_MAX 3000    /* the top-level text we send (Slack truncates at 40000) */
#define MATTERMOST_TEXT_MAX 4000

int webhook_format_parse(const char *name)
{
    if (!name || strcmp(name, "generic") == 0)
        return WEBHOOK_GENERIC;
    if (strcmp(name, "slack") == 0)
        return WEBHOOK_SLACK;
    if (strcmp(name, "mattermost") == 0)
        return WEBHOOK_MATTERMOST;
    return -1;
}

/* fwkx_str, with an empty string taken as absent: a finding's "title": "" falls back to
   its rule, a "remediation": "" adds no block. */
const char *webhook_color(const json_t *finding)
{
    /* By fwkx_severity: info, low, medium, high, critical. */
    static const char *const colors[] = {"#9ca3af", "#3b82f6", "#f2c744", "#e8590c", "#b00020"};
    fwkx_severity severity = FWKX_SEV_INFO; /* an unknown one stays grey */
    if (strcmp(fwkx_text(finding, "delta", ""), "resolved") == 0)
        return "#2eb67d";
    fwkx_severity_parse(fwkx_text(finding, "severity", "medium"), &severity);
    return colors[severity];
}

/* Slack mrkdwn: &, <, > must be escaped (they start links and mentions). New string. */
static char *slack_escape(const char *text, size_t max)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    if (!out)
        return NULL;
    for (const char *p = text; *p; p++) {
        if (*p == '&')
            fputs("&amp;", out);
        else if (*p == '<')
            fputs("&lt;", out);
        else if (*p == '>')
            fputs("&gt;", out);
        else
            fputc(*p, out);
    }
    fclose(out);
    char *short_enough = buf ? fwkx_utf8_ellipsize(buf, max) : NULL;
    free(buf);
    return short_enough;
}

/* A mrkdwn text object "*label*\nvalue", escaped and cut. */
static json_t *slack_field(const char *label, const char *value)
{
    char *escaped = slack_escape(value, SLACK_FIELD_MAX - strlen(label) - 8);
    char *text = NULL;
    if (!escaped || asprintf(&text, "*%s*\n%s", label, escaped) < 0)
        text = NULL;
    json_t *field = text ? json_pack("{s:s, s:s}", "type", "mrkdwn", "text", text) : NULL;
    free(escaped);
    free(text);
    return field;
}

static json_t *slack_attachment(const json_t *finding)
{
    char resource[1024];
    const char *title = fwkx_text(finding, "title", fwkx_text(finding, "rule", "finding"));
    const char *message = fwkx_text(finding, "message", "");
    char *head = NULL;
    char *title_text = slack_escape(title, 500);
    char *message_text = slack_escape(message, SLACK_SECTION_MAX - 520);
    if (title_text && message_text)
        asprintf(&head, "*%s*%s%s", title_text, message[0] ? "\n" : "", message_text);
    free(title_text);
    free(message_text);
    json_t *blocks = json_array();
    json_array_append_new(blocks, json_pack("{s:s, s:{s:s, s:s}}", "type", "section", "text",
                                            "type", "mrkdwn", "text", head ? head : ""));
    free(head);
    json_t *fields = json_array();
    json_array_append_new(fields,
                          slack_field("Severity", fwkx_text(finding, "severity", "medium")));
    json_array_append_new(fields, slack_field("Change", fwkx_text(finding, "delta", "new")));
    json_array_append_new(fields, slack_field("Rule", fwkx_text(finding, "rule", "-")));
    json_array_append_new(
        fields, slack_field("Resource", fwkx_resource_label(json_object_get(finding, "resource"),
                                                            resource, sizeof resource)));
    json_array_append_new(blocks, json_pack("{s:s, s:o}", "type", "section", "fields", fields));
    const char *remediation = fwkx_text(finding, "remediation", NULL);
    if (remediation) {
        char *escaped = slack_escape(remediation, SLACK_SECTION_MAX - 20);
        char *text = NULL;
        if (escaped && asprintf(&text, "*Remediation:* %s", escaped) < 0)
            text = NULL;
        if (text)
            json_array_append_new(blocks, json_pack("{s:s, s:[{s:s, s:s}]}", "type", "context",
                                                    "elements", "type", "mrkdwn", "text", text));
        free(escaped);
        free(text);
    }
    char fallback[1200];
    snprintf(fallback, sizeof fallback, "[%s] %s: %s", fwkx_text(finding, "severity", "medium"),
             title,
             fwkx_resource_label(json_object_get(finding, "resource"), resource, sizeof resource));
    return json_pack("{s:s, s:s, s:o}", "color", webhook_color(finding), "fallback", fallback,
                     "blocks", blocks);
}

static json_t *mattermost_attachment(const json_t *finding)
{
    char resource[1024];
    const char *title = fwkx_text(finding, "title", fwkx_text(finding, "rule", "finding"));
    json_t *fields = json_pack(
        "[{s:b, s:s, s:s}, {s:b, s:s, s:s}, {s:b, s:s, s:s}, {s:b, s:s, s:s}]", "short", 1, "title",
        "Severity", "value", fwkx_text(finding, "severity", "medium"), "short", 1, "title",
        "Change", "value", fwkx_text(finding, "delta", "new"), "short", 1, "title", "Rule", "value",
        fwkx_text(finding, "rule", "-"), "short", 0, "title", "Resource", "value",
        fwkx_resource_label(json_object_get(finding, "resource"), resource, sizeof resource));
    const char *remediation = fwkx_text(finding, "remediation", NULL);
    if (remediation)
        json_array_append_new(fields, json_pack("{s:b, s:s, s:s}", "short", 0, "title",
                                                "Remediation", "value", remediation));
    char fallback[1200];
    snprintf(fallback, sizeof fallback, "[%s] %s: %s", fwkx_text(finding, "severity", "medium"),
             title, resource);
    return json_pack("{s:s, s:s, s:s, s:s, s:o}", "fallback", fallback, "color",
                     webhook_color(finding), "title", title, "text",
                     fwkx_text(finding, "message", ""), "fields", fields);
}

json_t *webhook_payload(webhook_format format, const json_t *message,
                        const webhook_overrides *overrides)
{
    if (format == WEBHOOK_GENERIC) {
        json_t *body = json_deep_copy(message);
        if (body)
            json_object_set_new(body, "source", json_string("fawkes"));
        return body;
    }
    const char *text = fwkx_text(message, "text", "fawkes");
    char *top = format == WEBHOOK_SLACK ? slack_escape(text, SLACK_TEXT_MAX)
                                        : fwkx_utf8_ellipsize(text, MATTERMOST_TEXT_MAX);
    json_t *attachments = json_array();
    size_t i;
    const json_t *finding;
    json_array_foreach (json_object_get(message, "findings"), i, finding) {
        if (i >= WEBHOOK_MAX_ATTACHMENTS)
            break;
        json_array_append_new(attachments, format == WEBHOOK_SLACK
                                               ? slack_attachment(finding)
                                               : mattermost_attachment(finding));
    }
    json_t *body = json_pack("{s:s, s:o}", "text", top ? top : "", "attachments", attachments);
    free(top);
    if (body && format == WEBHOOK_MATTERMOST && overrides) {
        if (overrides->channel)
            json_object_set_new(body, "channel", json_string(overrides->channel));
        if (overrides->username)
            json_object_set_new(body, "username", json_string(overrides->username));
        if (overrides->icon_url)
            json_object_set_new(body, "icon_url", json_string(overrides->icon_url));
    }
    return body;
}
