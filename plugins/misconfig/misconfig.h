/* misconfig.h: internals of the misconfig scanner shared by its descriptor, rule table and checks.
 */
#ifndef MISCONFIG_H
#define MISCONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <fawkes/fawkes.h>
#include <fawkes/fwkx.h>

/* The built-in rules; the order is the order of misconfig_rules[] and of evaluation. */
typedef enum misconfig_rule_id {
    MISCONFIG_BUCKET_PUBLIC = 0,
    MISCONFIG_DATABASE_PUBLIC,
    MISCONFIG_BUCKET_UNENCRYPTED,
    MISCONFIG_VOLUME_UNENCRYPTED,
    MISCONFIG_DATABASE_UNENCRYPTED,
    MISCONFIG_FIREWALL_SSH,
    MISCONFIG_FIREWALL_RDP,
    MISCONFIG_FIREWALL_OPEN,
    MISCONFIG_LABELS_MISSING,
    MISCONFIG_INSTANCE_STOPPED,
    MISCONFIG_RULE_COUNT
} misconfig_rule_id;

/* What a rule says for one provider: its compliance ids and how to fix it there. */
typedef struct misconfig_mapping {
    const char *provider;      /* "aws", "gcp", "civo"; NULL ends the list */
    const char *compliance[4]; /* NULL-terminated */
    const char *remediation;
} misconfig_mapping;

typedef struct misconfig_rule {
    const char *id; /* "misconfig.bucket.public" */
    fwkx_severity severity;
    const char *title;
    const char *remediation; /* for providers without a mapping */
    misconfig_mapping mappings[4];
} misconfig_rule;

extern const misconfig_rule misconfig_rules[MISCONFIG_RULE_COUNT];

/* The rule with id `id`, or -1. */
int misconfig_rule_find(const char *id);

/* One configured instance; read-only after init (scan_resource is concurrent). */
typedef struct misconfig_instance {
    const fwk_host *host;
    json_t *required_labels; /* array of strings (own reference) */
    bool disabled[MISCONFIG_RULE_COUNT];
    int64_t stopped_days;
} misconfig_instance;

/* One scan_resource call. */
typedef struct misconfig_scan {
    const misconfig_instance *inst;
    fwk_ctx *ctx;
    const json_t *resource;
    const char *provider; /* "" when absent */
    const char *kind;     /* "" when absent */
    char subject[256];    /* "s3:bucket acme-logs": names the resource in messages */
    time_t now;           /* the wall clock, seconds since 1970 */
    fwk_status status;    /* FWK_OK until an emit fails */
} misconfig_scan;

/* True when the rule is enabled and the scan may still emit. */
bool misconfig_enabled(const misconfig_scan *scan, misconfig_rule_id rule);

/*
 * misconfig_emit: emit a finding of `rule` with `status` ("fail" or "error"), `evidence` (new
 * reference, taken over; NULL = {}) and a printf-style message. Severity, title, remediation
 * and compliance come from the rule's mapping for the resource's provider. Does nothing when
 * the rule is disabled or an earlier emit failed.
 */
void misconfig_emit(misconfig_scan *scan, misconfig_rule_id rule, const char *status,
                    json_t *evidence, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* A tri-state field: true, false, or unknown (absent or null). */
typedef enum misconfig_flag {
    MISCONFIG_UNKNOWN = 0,
    MISCONFIG_TRUE,
    MISCONFIG_FALSE
} misconfig_flag;

/* Read the boolean `field` of the resource for `rule`. A value of another type emits an
   "error" finding for the rule and reads as MISCONFIG_UNKNOWN. */
misconfig_flag misconfig_flag_field(misconfig_scan *scan, misconfig_rule_id rule,
                                    const char *field);

/* The checks, each a no-op for kinds it does not cover. */
void misconfig_check_exposure(misconfig_scan *scan);
void misconfig_check_encryption(misconfig_scan *scan);
void misconfig_check_firewall(misconfig_scan *scan);
void misconfig_check_labels(misconfig_scan *scan);
void misconfig_check_stopped(misconfig_scan *scan);

/* Parse an RFC 3339 time (fwkx_time_parse's grammar: "2026-01-02T03:04:05Z", fractions and
   offsets allowed, or a date meaning midnight UTC) into whole seconds since 1970 in *out.
   Returns 0, or -1 when the text is not one. */
int misconfig_parse_time(const char *text, time_t *out);

/* When the instance was stopped, from the provider's raw fields, or -1 when unknown. */
time_t misconfig_stopped_since(const json_t *resource);

#endif
