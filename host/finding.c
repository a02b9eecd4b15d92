/* finding.c: checks and completes resources (the model of docs/model.md) and findings
   (severity, status, fingerprint, resource). */
#include "finding.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
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

const char *severity_name(int rank)
{
    return rank >= 0 && rank < 5 ? severities[rank] : NULL;
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

/* What a resource field may hold (docs/model.md, docs/schema/resource.schema.json). */
typedef enum field_rule {
    FIELD_TEXT,           /* a non-empty string; never null */
    FIELD_TEXT_OR_NULL,   /* a string or null; null when absent */
    FIELD_BOOL_OR_NULL,   /* true, false or null; null when absent */
    FIELD_NUMBER_OR_NULL, /* a number or null; null when absent */
    FIELD_LABELS,         /* an object of strings; {} when absent or null */
    FIELD_OBJECT,         /* an object; {} when absent or null */
    FIELD_EXTRA_TEXT,     /* optional extension: a string or null when present; not filled */
} field_rule;

static const struct {
    const char *key;
    field_rule rule;
} model_fields[] = {
    {"uid", FIELD_TEXT},
    {"provider", FIELD_TEXT},
    {"account", FIELD_TEXT_OR_NULL},
    {"region", FIELD_TEXT_OR_NULL},
    {"kind", FIELD_TEXT},
    {"native_type", FIELD_TEXT_OR_NULL},
    {"id", FIELD_TEXT_OR_NULL},
    {"name", FIELD_TEXT_OR_NULL},
    {"state", FIELD_TEXT_OR_NULL},
    {"labels", FIELD_LABELS},
    {"created_at", FIELD_TEXT_OR_NULL},
    {"public", FIELD_BOOL_OR_NULL},
    {"encrypted", FIELD_BOOL_OR_NULL},
    {"monthly_cost", FIELD_NUMBER_OR_NULL},
    {"attributes", FIELD_OBJECT},
    {"stopped_at", FIELD_EXTRA_TEXT},
};

#define FIELD_COUNT (sizeof model_fields / sizeof model_fields[0])

/* The index of `key` in model_fields, or -1. */
static int field_index(const char *key)
{
    for (size_t i = 0; i < FIELD_COUNT; i++)
        if (key[0] == model_fields[i].key[0] && strcmp(key, model_fields[i].key) == 0)
            return (int)i;
    return -1;
}

static const char *const expected_text[] = {
    [FIELD_TEXT] = "a non-empty string",          [FIELD_TEXT_OR_NULL] = "a string or null",
    [FIELD_BOOL_OR_NULL] = "true, false or null", [FIELD_NUMBER_OR_NULL] = "a number or null",
    [FIELD_LABELS] = "an object of strings",      [FIELD_OBJECT] = "an object",
    [FIELD_EXTRA_TEXT] = "a string or null",
};

/* What `value` is, for messages: "null", "the number 3", "the string \"yes\"", "an array",
   "nothing (the field is missing)". Long strings are cut at a character boundary. */
static const char *describe(const json_t *value, char *buf, size_t size)
{
    enum {
        SHOWN = 40
    };
    const char *text;
    size_t len;

    switch (value ? json_typeof(value) : JSON_NULL) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_TRUE:
        return "true";
    case JSON_FALSE:
        return "false";
    case JSON_INTEGER:
        snprintf(buf, size, "the number %" JSON_INTEGER_FORMAT, json_integer_value(value));
        return buf;
    case JSON_REAL:
        snprintf(buf, size, "the number %g", json_real_value(value));
        return buf;
    case JSON_STRING:
        text = json_string_value(value);
        len = json_string_length(value);
        if (len == 0)
            return "an empty string";
        if (len <= SHOWN) {
            snprintf(buf, size, "the string \"%s\"", text);
        } else {
            len = SHOWN;
            while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
                len--; /* never cut a UTF-8 sequence */
            snprintf(buf, size, "the string \"%.*s...\"", (int)len, text);
        }
        return buf;
    case JSON_NULL:
        break;
    }
    return value ? "null" : "nothing (the field is missing)";
}

/* "field 'KEY' of UID: expected WHAT, got VALUE"; UID is left out when not known yet. */
static int refuse(diag *err, const char *uid, const char *key, const char *label,
                  const char *expected, const json_t *got)
{
    char got_text[96];

    diag_set(err, "field '%s%s%s'%s%s: expected %s, got %s", key, label ? "." : "",
             label ? label : "", uid ? " of " : "", uid ? uid : "", expected,
             describe(got, got_text, sizeof got_text));
    return -1;
}

static int set_new(json_t *resource, const char *key, json_t *value, diag *err)
{
    if (value && json_object_set_new_nocheck(resource, key, value) == 0)
        return 0;
    diag_set(err, "out of memory while completing field '%s' of a resource", key);
    return -1;
}

int resource_complete(json_t *resource, diag *err)
{
    char got_text[96];
    const char *uid = NULL;

    if (!json_is_object(resource)) {
        diag_set(err, "a resource must be a JSON object, got %s",
                 resource ? describe(resource, got_text, sizeof got_text) : "nothing");
        return -1;
    }
    /* One pass over the members finds every field (a little cheaper than a lookup per
       field; this runs for every resource of every inventory: ~0.25 us a resource). */
    json_t *values[FIELD_COUNT] = {NULL};
    const char *member;
    json_t *value;
    json_object_foreach (resource, member, value) {
        int index = field_index(member);
        if (index >= 0)
            values[index] = value;
    }
    for (size_t i = 0; i < FIELD_COUNT; i++) {
        const char *key = model_fields[i].key;
        field_rule rule = model_fields[i].rule;
        bool empty;

        value = values[i];
        empty = !value || json_is_null(value);

        switch (rule) {
        case FIELD_TEXT:
            if (!json_is_string(value) || json_string_length(value) == 0)
                return refuse(err, uid, key, NULL, expected_text[rule], value);
            if (i == 0) /* uid comes first: later messages name the resource */
                uid = json_string_value(value);
            break;
        case FIELD_TEXT_OR_NULL:
        case FIELD_EXTRA_TEXT:
            if (!empty && !json_is_string(value))
                return refuse(err, uid, key, NULL, expected_text[rule], value);
            if (!value && rule == FIELD_TEXT_OR_NULL && set_new(resource, key, json_null(), err))
                return -1;
            break;
        case FIELD_BOOL_OR_NULL:
            if (!empty && !json_is_boolean(value))
                return refuse(err, uid, key, NULL, expected_text[rule], value);
            if (!value && set_new(resource, key, json_null(), err))
                return -1;
            break;
        case FIELD_NUMBER_OR_NULL:
            if (!empty && !json_is_number(value))
                return refuse(err, uid, key, NULL, expected_text[rule], value);
            if (!value && set_new(resource, key, json_null(), err))
                return -1;
            break;
        case FIELD_LABELS:
        case FIELD_OBJECT:
            if (empty) {
                if (set_new(resource, key, json_object(), err))
                    return -1;
                break;
            }
            if (!json_is_object(value))
                return refuse(err, uid, key, NULL, expected_text[rule], value);
            if (rule == FIELD_LABELS) {
                const char *label;
                json_t *text;
                json_object_foreach (value, label, text) {
                    if (!json_is_string(text))
                        return refuse(err, uid, key, label, "a string", text);
                }
            }
            break;
        }
    }
    return 0;
}

/* Does `value` hold a real number anywhere? Most evidence does not, and needs no copy. */
static bool has_real(const json_t *value)
{
    const char *key;
    const json_t *member;
    size_t i;
    if (json_is_real(value))
        return true;
    if (json_is_object(value)) {
        json_object_foreach ((json_t *)value, key, member)
            if (has_real(member))
                return true;
    } else if (json_is_array(value)) {
        json_array_foreach (value, i, member)
            if (has_real(member))
                return true;
    }
    return false;
}

/* 2^53: whole numbers below it are exact in a double and in a json integer alike. */
#define EXACT_WHOLE_LIMIT 9007199254740992.0

json_t *finding_canonical_number(double x)
{
    char text[32];
    snprintf(text, sizeof text, "%.*g", FINDING_EVIDENCE_DIGITS, x);
    double rounded = strtod(text, NULL);
    if (rounded == floor(rounded) && fabs(rounded) < EXACT_WHOLE_LIMIT)
        return json_integer((json_int_t)rounded); /* -0.0 too: 0 */
    return json_real(rounded);
}

/* Replace every real in `value` (owned, may be rewritten) by its canonical number. */
static void canonicalize_numbers(json_t *value)
{
    const char *key;
    json_t *member;
    size_t i;
    if (json_is_object(value)) {
        json_object_foreach (value, key, member) {
            if (json_is_real(member))
                json_object_set_new(value, key, finding_canonical_number(json_real_value(member)));
            else
                canonicalize_numbers(member);
        }
    } else if (json_is_array(value)) {
        json_array_foreach (value, i, member) {
            if (json_is_real(member))
                json_array_set_new(value, i, finding_canonical_number(json_real_value(member)));
            else
                canonicalize_numbers(member);
        }
    }
}

/* The evidence as hashed: compact JSON, keys sorted, numbers canonical. New string, or NULL
   for no evidence. */
static char *canonical_evidence(const json_t *evidence)
{
    const size_t flags = JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY;
    if (!evidence || json_is_null(evidence))
        return NULL;
    if (!has_real(evidence))
        return json_dumps(evidence, flags);
    json_t *copy = json_is_real(evidence) ? finding_canonical_number(json_real_value(evidence))
                                          : json_deep_copy(evidence);
    canonicalize_numbers(copy);
    char *text = copy ? json_dumps(copy, flags) : NULL;
    json_decref(copy);
    return text;
}

static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_fetch(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

/* SHA-256, fetched once: EVP_sha256() makes every EVP_DigestInit_ex look the implementation
   up again (3 % of a run's time went there). Kept for the process's life. */
static const EVP_MD *sha256(void)
{
    pthread_once(&sha256_once, sha256_fetch);
    return sha256_md ? sha256_md : EVP_sha256();
}

void finding_fingerprint(const char *rule, const char *resource_uid, const json_t *evidence,
                         char out[65])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    char *canonical = canonical_evidence(evidence);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    /* Fields are separated by a NUL so ("ab","c") and ("a","bc") differ. */
    if (md && EVP_DigestInit_ex(md, sha256(), NULL) &&
        EVP_DigestUpdate(md, rule, strlen(rule) + 1) &&
        EVP_DigestUpdate(md, resource_uid, strlen(resource_uid) + 1) &&
        (!canonical || EVP_DigestUpdate(md, canonical, strlen(canonical))) &&
        EVP_DigestFinal_ex(md, digest, &digest_len)) {
        static const char hex[] = "0123456789abcdef";
        for (unsigned int i = 0; i < digest_len && i < 32; i++) {
            out[2 * i] = hex[digest[i] >> 4];
            out[2 * i + 1] = hex[digest[i] & 15];
        }
        out[64] = '\0';
    } else {
        out[0] = '\0';
    }
    EVP_MD_CTX_free(md);
    free(canonical);
}

/* A finding's "resource": the judged resource's uid, kind, provider, account, region and
   name (null when unknown) and labels ({} when none), so notifiers can route on them. */
static json_t *resource_ref(const json_t *resource)
{
    static const char *const keys[] = {"uid", "kind", "provider", "account", "region", "name"};
    json_t *ref = json_object();
    for (size_t i = 0; ref && i < sizeof keys / sizeof keys[0]; i++) {
        json_t *value = json_object_get(resource, keys[i]);
        json_object_set_new_nocheck(ref, keys[i],
                                    json_is_string(value) ? json_incref(value) : json_null());
    }
    json_t *labels = json_object_get(resource, "labels");
    if (ref)
        json_object_set_new_nocheck(ref, "labels",
                                    json_is_object(labels) ? json_incref(labels) : json_object());
    return ref;
}

int finding_check(json_t *finding, diag *err)
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
        diag_set(err,
                 "finding for rule '%s': severity must be one of critical, high, medium, "
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
    return 0;
}

int finding_complete(json_t *finding, const char *source, const json_t *resource, diag *err)
{
    if (finding_check(finding, err) != 0)
        return -1;
    if (source)
        json_object_set_new(finding, "source", json_string(source));
    if (!json_object_get(finding, "resource"))
        json_object_set_new(finding, "resource", resource ? resource_ref(resource) : json_null());
    if (!json_is_string(json_object_get(finding, "fingerprint"))) {
        const json_t *ref = json_object_get(finding, "resource");
        const char *uid = json_string_value(json_object_get(ref, "uid"));
        char fingerprint[65];
        finding_fingerprint(json_string_value(json_object_get(finding, "rule")), uid ? uid : "",
                            json_object_get(finding, "evidence"), fingerprint);
        json_object_set_new(finding, "fingerprint", json_string(fingerprint));
    }
    return 0;
}
