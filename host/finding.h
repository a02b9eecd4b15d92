/* finding.h: checks and completes resources and findings crossing the ABI. */
#ifndef HOST_FINDING_H
#define HOST_FINDING_H

#include <jansson.h>

#include "diag.h"

/* Rank of a severity: critical 4, high 3, medium 2, low 1, info 0; -1 when unknown. */
int severity_rank(const char *severity);

/* resource_check: a resource has string uid, provider, kind; labels (if present) an object
   of strings. Returns 0, or -1 with the missing/wrong field in `err`. */
int resource_check(const json_t *resource, diag *err);

/*
 * finding_complete: check and complete a finding in place: rule (string) required;
 * severity in critical|high|medium|low|info (default medium); status in fail|pass|error
 * (default fail); `source` set to `source`; `resource` set to {uid, kind, provider, account,
 * region, name, labels (when any)} of `resource` when absent and `resource` is given; `fingerprint` set when absent to
 * the hex SHA-256 of rule, resource uid and the canonical (sorted, compact) evidence.
 * Returns 0, or -1 with the reason in `err`.
 */
int finding_complete(json_t *finding, const char *source, const json_t *resource, diag *err);

/* The fingerprint finding_complete would compute (hex SHA-256, 64 chars + NUL). */
void finding_fingerprint(const char *rule, const char *resource_uid, const json_t *evidence,
                         char out[65]);

#endif
