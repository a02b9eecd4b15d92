/* audit_events.c: the audit entries the engine writes itself: mutating HTTP requests and
   notifications. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "audit_internal.h"
#include "log.h"

/* scheme://host[:port]/path of `url`: no user info, query or fragment. New string. */
static char *url_for_audit(const char *url)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *out = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        curl_url_get(u, CURLUPART_PORT, &port, 0);
        curl_url_get(u, CURLUPART_PATH, &path, 0);
        if (asprintf(&out, "%s://%s%s%s%s", scheme, host, port ? ":" : "", port ? port : "",
                     path ? path : "/") < 0)
            out = NULL;
    } else {
        out = strndup(url, strcspn(url, "?#@")); /* unparseable: cut at the first risky part */
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_url_cleanup(u);
    return out;
}

void audit_http(const char *owner, const char *method, const char *url, long status, int attempts,
                const char *error)
{
    if (!audit_enabled())
        return;
    /* a URL that holds a secret (a webhook's path) is redacted before it is shortened, while
       the secret still matches whole */
    char *redacted = log_redact(url);
    char *shown = redacted ? url_for_audit(redacted) : NULL;
    free(redacted);
    json_t *entry = json_pack("{s:s, s:s, s:s, s:s?, s:I, s:i, s:s?}", "event", "http.request",
                              "instance", owner, "method", method, "url", shown, "status",
                              (json_int_t)status, "attempts", attempts, "error", error);
    diag err = {{0}};
    if (!entry || audit_record(entry, &err) != 0)
        log_msg(FWK_LOG_ERROR, owner, "%s %s was sent but not audited: %s", method,
                shown ? shown : "?", entry ? err.text : "out of memory");
    free(shown);
}

void audit_notification(const char *run_id, const char *chain, const char *instance,
                        const char *plugin, const json_t *message, json_t *hosts, bool ok,
                        const char *reason)
{
    if (!audit_enabled()) {
        json_decref(hosts);
        return;
    }
    json_t *fingerprints = json_array();
    size_t i;
    json_t *finding;
    json_array_foreach (json_object_get(message, "findings"), i, finding) {
        json_t *fp = json_object_get(finding, "fingerprint");
        if (json_is_string(fp))
            json_array_append(fingerprints, fp);
    }
    json_t *entry = json_pack(
        "{s:s, s:s?, s:s?, s:s, s:s?, s:o, s:o, s:b, s:O?, s:s?}", "event",
        ok ? "notify.sent" : "notify.failed", "run_id", run_id, "chain", chain, "instance",
        instance, "plugin", plugin, "destinations", hosts ? hosts : json_array(), "fingerprints",
        fingerprints, "digest", json_is_true(json_object_get(message, "digest")), "total",
        json_object_get(json_object_get(message, "summary"), "total"), "reason", reason);
    diag err = {{0}};
    if (!entry || audit_record(entry, &err) != 0)
        log_msg(FWK_LOG_ERROR, instance, "a notification was %s but not audited: %s",
                ok ? "sent" : "attempted", entry ? err.text : "out of memory");
}
