/* pagerduty_event.c: Events API v2 bodies: trigger for new/open findings, resolve for resolved. */
#include <stdio.h>
#include <string.h>

#include "fawkes/fwkx.h"
#include "pagerduty.h"

/* fwkx_str, with an empty string taken as absent: a finding's "title": "" falls back to
   its message, a "fingerprint": "" makes no event. */
const char *pagerduty_severity(const char *severity)
{
    /* By fwkx_severity: info, low, medium, high, critical. */
    static const char *const pagerduty_severities[] = {"info", "info", "warning", "error",
                                                       "critical"};
    fwkx_severity level = severity ? FWKX_SEV_INFO : FWKX_SEV_MEDIUM; /* unknown: info */
    fwkx_severity_parse(severity, &level);
    return pagerduty_severities[level];
}

/* "[high] TITLE: RESOURCE (RULE)", cut to PAGERDUTY_SUMMARY_MAX bytes on a UTF-8 boundary. */
static void summary_of(const json_t *finding, char *out, size_t size)
{
    const json_t *resource = json_object_get(finding, "resource");
    snprintf(out, size, "[%s] %s: %s (%s)", fwkx_text(finding, "severity", "medium"),
             fwkx_text(finding, "title", fwkx_text(finding, "message", "finding")),
             fwkx_text(resource, "name", fwkx_text(resource, "uid", "?")),
             fwkx_text(finding, "rule", "?"));
    fwkx_utf8_truncate(out, PAGERDUTY_SUMMARY_MAX - 1);
}

json_t *pagerduty_event(const char *routing_key, const json_t *finding, const json_t *run)
{
    const char *fingerprint = fwkx_text(finding, "fingerprint", NULL);
    if (!fingerprint || !routing_key)
        return NULL;
    if (!strcmp(fwkx_text(finding, "delta", "new"), "resolved"))
        return json_pack("{s:s, s:s, s:s}", "routing_key", routing_key, "event_action", "resolve",
                         "dedup_key", fingerprint);
    const json_t *resource = json_object_get(finding, "resource");
    char summary[PAGERDUTY_SUMMARY_MAX + 8];
    summary_of(finding, summary, sizeof summary);
    json_t *details = json_pack(
        "{s:s, s:s, s:s, s:s}", "rule", fwkx_text(finding, "rule", ""), "fingerprint", fingerprint,
        "delta", fwkx_text(finding, "delta", "new"), "chain", fwkx_text(run, "chain", ""));
    static const char *const copied[] = {"message",    "remediation", "evidence",
                                         "compliance", "resource",    "source"};
    for (size_t i = 0; details && i < sizeof copied / sizeof copied[0]; i++) {
        json_t *value = json_object_get(finding, copied[i]);
        if (value && !json_is_null(value))
            json_object_set(details, copied[i], value);
    }
    json_t *payload = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "summary", summary, "source",
                                fwkx_text(resource, "uid", "fawkes"), "severity",
                                pagerduty_severity(fwkx_text(finding, "severity", "medium")),
                                "component", fwkx_text(resource, "kind", "unknown"), "group",
                                fwkx_text(resource, "provider", "unknown"), "class",
                                fwkx_text(finding, "rule", "unknown"), "custom_details", details);
    const char *timestamp = fwkx_text(run, "started_at", NULL);
    if (payload && timestamp)
        json_object_set_new(payload, "timestamp", json_string(timestamp));
    return json_pack("{s:s, s:s, s:s, s:s, s:o}", "routing_key", routing_key, "event_action",
                     "trigger", "dedup_key", fingerprint, "client", "fawkes", "payload", payload);
}
