/* email_body.c: the subject, plain-text and HTML parts of one notification e-mail. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "email.h"
#include "fawkes/fwkx.h"

#define SUBJECT_MAX 200

/* fwkx_str, with an empty string taken as absent: a finding's "title": "" falls back to
   its rule, a "remediation": "" adds no line. */
/* The webhook's colours: resolved green, else by severity (unknown ones grey). */
static const char *color_of(const json_t *finding)
{
    static const char *const colors[] = {"#9ca3af", "#3b82f6", "#f2c744", "#e8590c", "#b00020"};
    fwkx_severity severity = FWKX_SEV_INFO;
    if (!strcmp(fwkx_text(finding, "delta", ""), "resolved"))
        return "#2eb67d";
    fwkx_severity_parse(fwkx_text(finding, "severity", "medium"), &severity);
    return colors[severity];
}

/* Write `text` with &, <, >, " and ' escaped for HTML. */
static void put_html(FILE *out, const char *text)
{
    for (const char *p = text; *p; p++) {
        switch (*p) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&#39;", out);
            break;
        case '\n':
            fputs("<br>\n", out);
            break;
        default:
            fputc(*p, out);
        }
    }
}

/* The subject: prefix + the first line of the text, without a leading "fawkes: ". */
static char *make_subject(const char *text, const char *prefix)
{
    if (!strncmp(text, "fawkes: ", 8))
        text += 8;
    size_t len = fwkx_utf8_prefix(text, strcspn(text, "\r\n"), SUBJECT_MAX);
    char *subject = NULL;
    if (asprintf(&subject, "%s%s%.*s", prefix, prefix[0] ? " " : "", (int)len, text) < 0)
        return NULL;
    return subject;
}

static char *make_text(const json_t *message)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    if (!out)
        return NULL;
    fprintf(out, "%s\n", fwkx_text(message, "text", "fawkes"));
    size_t i;
    const json_t *finding;
    json_array_foreach (json_object_get(message, "findings"), i, finding) {
        char resource[1024];
        fwkx_resource_label(json_object_get(finding, "resource"), resource, sizeof resource);
        fprintf(out, "\n[%s] %s: %s\n  rule:        %s\n  resource:    %s\n",
                fwkx_text(finding, "severity", "medium"), fwkx_text(finding, "delta", "new"),
                fwkx_text(finding, "title", fwkx_text(finding, "rule", "finding")),
                fwkx_text(finding, "rule", "-"), resource);
        if (fwkx_text(finding, "message", NULL))
            fprintf(out, "  message:     %s\n", fwkx_text(finding, "message", ""));
        if (fwkx_text(finding, "remediation", NULL))
            fprintf(out, "  remediation: %s\n", fwkx_text(finding, "remediation", ""));
        fprintf(out, "  fingerprint: %s\n", fwkx_text(finding, "fingerprint", "-"));
    }
    const json_t *run = json_object_get(message, "run");
    fprintf(out, "\n-- \nfawkes, chain %s, run %s\n", fwkx_text(run, "chain", "-"),
            fwkx_text(run, "id", "-"));
    if (fclose(out) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static char *make_html(const json_t *message, const char *subject)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    if (!out)
        return NULL;
    fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>", out);
    put_html(out, subject);
    fputs("</title></head>\n<body style=\"font-family: sans-serif\">\n<p>", out);
    put_html(out, fwkx_text(message, "text", "fawkes"));
    fputs("</p>\n<table cellpadding=\"6\" style=\"border-collapse: collapse\">\n"
          "<tr><th>Severity</th><th>Change</th><th>Finding</th><th>Resource</th>"
          "<th>Remediation</th></tr>\n",
          out);
    size_t i;
    const json_t *finding;
    json_array_foreach (json_object_get(message, "findings"), i, finding) {
        char resource[1024];
        fwkx_resource_label(json_object_get(finding, "resource"), resource, sizeof resource);
        fprintf(out, "<tr><td style=\"border-left: 6px solid %s\">", color_of(finding));
        put_html(out, fwkx_text(finding, "severity", "medium"));
        fputs("</td><td>", out);
        put_html(out, fwkx_text(finding, "delta", "new"));
        fputs("</td><td><b>", out);
        put_html(out, fwkx_text(finding, "title", fwkx_text(finding, "rule", "finding")));
        fputs("</b><br>", out);
        put_html(out, fwkx_text(finding, "message", ""));
        fputs("<br><code>", out);
        put_html(out, fwkx_text(finding, "rule", "-"));
        fputs("</code></td><td>", out);
        put_html(out, resource);
        fputs("</td><td>", out);
        put_html(out, fwkx_text(finding, "remediation", ""));
        fputs("</td></tr>\n", out);
    }
    fputs("</table>\n</body></html>\n", out);
    if (fclose(out) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

int email_body_make(const json_t *message, const char *prefix, email_body *body)
{
    memset(body, 0, sizeof *body);
    body->subject = make_subject(fwkx_text(message, "text", "fawkes"), prefix ? prefix : "");
    body->text = make_text(message);
    body->html = body->subject ? make_html(message, body->subject) : NULL;
    if (body->subject && body->text && body->html)
        return 0;
    email_body_free(body);
    return -1;
}

void email_body_free(email_body *body)
{
    free(body->subject);
    free(body->text);
    free(body->html);
    memset(body, 0, sizeof *body);
}
