/* mc.h: internals of the misconfig scanner shared by its descriptor, rule table and checks. */
#ifndef MC_H
#define MC_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <fawkes/fawkes.h>
#include <fawkes/fwkx.h>

/* The built-in rules; the order is the order of mc_rules[] and of evaluation. */
typedef enum mc_rule_id {
    MC_BUCKET_PUBLIC = 0,
    MC_DATABASE_PUBLIC,
    MC_BUCKET_UNENCRYPTED,
    MC_VOLUME_UNENCRYPTED,
    MC_DATABASE_UNENCRYPTED,
    MC_FIREWALL_SSH,
    MC_FIREWALL_RDP,
    MC_FIREWALL_OPEN,
    MC_LABELS_MISSING,
    MC_INSTANCE_STOPPED,
    MC_RULE_COUNT
} mc_rule_id;

/* What a rule says for one provider: its compliance ids and how to fix it there. */
typedef struct mc_mapping {
    const char *provider;      /* "aws", "gcp", "civo"; NULL ends the list */
    const char *compliance[4]; /* NULL-terminated */
    const char *remediation;
} mc_mapping;

typedef struct mc_rule {
    const char *id;       /* "misconfig.bucket.public" */
    fwkx_severity severity;
    const char *title;
    const char *remediation; /* for providers without a mapping */
    mc_mapping mappings[4];
} mc_rule;

extern const mc_rule mc_rules[MC_RULE_COUNT];

/* The rule with id `id`, or -1. */
int mc_rule_find(const char *id);

/* One configured instance; read-only after init (scan_resource is concurrent). */
typedef struct mc_instance {
    const fwk_host *host;
    json_t *required_labels; /* array of strings (own reference) */
    bool disabled[MC_RULE_COUNT];
    int64_t stopped_days;
} mc_instance;

/* One scan_resource call. */
typedef struct mc_scan {
    const mc_instance *inst;
    fwk_ctx *ctx;
    const json_t *resource;
    const char *provider; /* "" when absent */
    const char *kind;     /* "" when absent */
    char subject[256];    /* "s3:bucket acme-logs": names the resource in messages */
    time_t now;           /* the wall clock, seconds since 1970 */
    fwk_status status; /* FWK_OK until an emit fails */
} mc_scan;

/* True when the rule is enabled and the scan may still emit. */
bool mc_enabled(const mc_scan *scan, mc_rule_id rule);

/*
 * mc_emit: emit a finding of `rule` with `status` ("fail" or "error"), `evidence` (new
 * reference, taken over; NULL = {}) and a printf-style message. Severity, title, remediation
 * and compliance come from the rule's mapping for the resource's provider. Does nothing when
 * the rule is disabled or an earlier emit failed.
 */
void mc_emit(mc_scan *scan, mc_rule_id rule, const char *status, json_t *evidence, const char *fmt,
             ...) __attribute__((format(printf, 5, 6)));

/* A tri-state field: true, false, or unknown (absent or null). */
typedef enum mc_flag { MC_UNKNOWN = 0, MC_TRUE, MC_FALSE } mc_flag;

/* Read the boolean `field` of the resource for `rule`. A value of another type emits an
   "error" finding for the rule and reads as MC_UNKNOWN. */
mc_flag mc_flag_field(mc_scan *scan, mc_rule_id rule, const char *field);

/* The checks, each a no-op for kinds it does not cover. */
void mc_check_exposure(mc_scan *scan);
void mc_check_encryption(mc_scan *scan);
void mc_check_firewall(mc_scan *scan);
void mc_check_labels(mc_scan *scan);
void mc_check_stopped(mc_scan *scan);

/* Parse an RFC 3339 time (fwkx_time_parse's grammar: "2026-01-02T03:04:05Z", fractions and
   offsets allowed, or a date meaning midnight UTC) into whole seconds since 1970 in *out.
   Returns 0, or -1 when the text is not one. */
int mc_parse_time(const char *text, time_t *out);

/* When the instance was stopped, from the provider's raw fields, or -1 when unknown. */
time_t mc_stopped_since(const json_t *resource);

#endif
