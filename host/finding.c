/* finding.c: checks resources and completes findings (severity, status, fingerprint). */
#include "finding.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

static const char *const severities[] = {"info", "low", "medium", "high", "critical"};

int severity_rank(const char *severity)
{
    if (!severity)
        return -1;
    for (int i = 0; i < 5; i++)
        if (strcmp(severity, severities[i]) == 0)
            return i;
    return -1;
}

static int require_string(const json_t *object, const char *key, diag *err)
{
    const json_t *value = json_object_get(object, key);
    if (!json_is_string(value) || json_string_length(value) == 0) {
        diag_set(err, "field '%s' must be a non-empty string", key);
        return -1;
    }
    return 0;
}

int resource_check(const json_t *resource, diag *err)
{
    if (!json_is_object(resource)) {
        diag_set(err, "a resource must be a JSON object");
        return -1;
    }
    if (require_string(resource, "uid", err) || require_string(resource, "provider", err) ||
        require_string(resource, "kind", err))
        return -1;
    const json_t *labels = json_object_get(resource, "labels");
    if (labels && !json_is_null(labels)) {
        if (!json_is_object(labels)) {
            diag_set(err, "field 'labels' must be an object of strings");
            return -1;
        }
        const char *key;
        const json_t *value;
        json_object_foreach((json_t *)labels, key, value) {
            if (!json_is_string(value)) {
                diag_set(err, "label '%s' must be a string", key);
                return -1;
            }
        }
    }
    return 0;
}

void finding_fingerprint(const char *rule, const char *resource_uid, const json_t *evidence,
                         char out[65])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    char *canonical = evidence && !json_is_null(evidence)
                          ? json_dumps(evidence, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)
                          : NULL;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    /* Fields are separated by a NUL so ("ab","c") and ("a","bc") differ. */
    if (md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) &&
        EVP_DigestUpdate(md, rule, strlen(rule) + 1) &&
        EVP_DigestUpdate(md, resource_uid, strlen(resource_uid) + 1) &&
        (!canonical || EVP_DigestUpdate(md, canonical, strlen(canonical))) &&
        EVP_DigestFinal_ex(md, digest, &digest_len)) {
        for (unsigned int i = 0; i < digest_len && i < 32; i++)
            snprintf(out + 2 * i, 3, "%02x", digest[i]);
        out[64] = '\0';
    } else {
        out[0] = '\0';
    }
    EVP_MD_CTX_free(md);
    free(canonical);
}

static json_t *resource_ref(const json_t *resource)
{
    json_t *ref = json_object();
    static const char *const keys[] = {"uid", "kind", "provider", "account", "region", "name"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        json_t *value = json_object_get(resource, keys[i]);
        if (json_is_string(value))
            json_object_set(ref, keys[i], value);
    }
    json_t *labels = json_object_get(resource, "labels"); /* for notifier routing */
    if (json_is_object(labels) && json_object_size(labels) > 0)
        json_object_set(ref, "labels", labels);
    return ref;
}

int finding_complete(json_t *finding, const char *source, const json_t *resource, diag *err)
{
    if (!json_is_object(finding)) {
        diag_set(err, "a finding must be a JSON object");
        return -1;
    }
    if (require_string(finding, "rule", err))
        return -1;
    const json_t *severity = json_object_get(finding, "severity");
    if (!severity)
        json_object_set_new(finding, "severity", json_string("medium"));
    else if (severity_rank(json_string_value(severity)) < 0) {
        diag_set(err, "finding for rule '%s': severity must be one of critical, high, medium, "
                      "low, info",
                 json_string_value(json_object_get(finding, "rule")));
        return -1;
    }
    const json_t *status = json_object_get(finding, "status");
    if (!status)
        json_object_set_new(finding, "status", json_string("fail"));
    else {
        const char *s = json_string_value(status);
        if (!s || (strcmp(s, "fail") && strcmp(s, "pass") && strcmp(s, "error"))) {
            diag_set(err, "finding for rule '%s': status must be fail, pass or error",
                     json_string_value(json_object_get(finding, "rule")));
            return -1;
        }
    }
    if (source)
        json_object_set_new(finding, "source", json_string(source));
    if (!json_object_get(finding, "resource") && resource)
        json_object_set_new(finding, "resource", resource_ref(resource));
    if (!json_is_string(json_object_get(finding, "fingerprint"))) {
        const json_t *ref = json_object_get(finding, "resource");
        const char *uid = json_string_value(json_object_get(ref, "uid"));
        char fingerprint[65];
        finding_fingerprint(json_string_value(json_object_get(finding, "rule")),
                            uid ? uid : "", json_object_get(finding, "evidence"), fingerprint);
        json_object_set_new(finding, "fingerprint", json_string(fingerprint));
    }
    return 0;
}
