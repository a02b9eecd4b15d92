/* finding.h: checks and completes resources and findings crossing the ABI (docs/model.md). */
#ifndef HOST_FINDING_H
#define HOST_FINDING_H

#include <jansson.h>

#include "diag.h"

/* Rank of a severity: critical 4, high 3, medium 2, low 1, info 0; -1 when unknown. */
int severity_rank(const char *severity);
/* The severity of a rank (0-4): static text; NULL for any other rank. */
const char *severity_name(int rank);

/*
 * resource_complete: check a resource against the model (docs/model.md,
 * docs/schema/resource.schema.json) and complete it in place, so every resource leaving the
 * host has every field. uid, provider and kind must be non-empty strings; account, region,
 * native_type, id, name, state, created_at (and stopped_at when present) strings or null; public
 * and encrypted true, false or null; monthly_cost a number or null; labels an object of strings;
 * attributes an object. An absent optional field becomes null, absent or null labels and attributes
 * become {}. Other keys pass through. Returns 0, or -1 with "field 'KEY' of UID: expected WHAT, got
 * VALUE" in `err` (the resource is then unchanged or partly completed; drop it).
 */
int resource_complete(json_t *resource, diag *err);

/*
 * finding_complete: check and complete a finding in place: rule (string) required;
 * severity in critical|high|medium|low|info (default medium); status in fail|pass|error
 * (default fail); `source` set to `source`; when absent, `resource` set to {uid, kind,
 * provider, account, region, name (null when unknown), labels ({} when none)} of `resource`,
 * or null when `resource` is NULL; `fingerprint` set when absent to the hex SHA-256 of rule,
 * resource uid and the canonical (sorted, compact) evidence.
 * Returns 0, or -1 with the reason in `err`.
 */
int finding_complete(json_t *finding, const char *source, const json_t *resource, diag *err);

/* The checks of finding_complete and its severity and status defaults, without the rest
   (source, resource, fingerprint): what a pass finding that will only be counted needs.
   Returns 0, or -1 with the reason in `err`. */
int finding_check(json_t *finding, diag *err);

/* Significant digits evidence numbers keep in a fingerprint (docs/sdk.md). */
#define FINDING_EVIDENCE_DIGITS 12

/* A number as evidence is hashed: rounded to FINDING_EVIDENCE_DIGITS significant digits,
   and a whole number below 2^53 as an integer, so 0.1+0.2 and 0.3, 3.0 and 3 hash alike.
   New reference. Thread-safe. */
json_t *finding_canonical_number(double x);

/* The fingerprint finding_complete would compute (hex SHA-256, 64 chars + NUL): SHA-256 of
   the rule, the resource uid and the evidence as compact JSON with sorted keys and
   canonical numbers (finding_canonical_number). */
void finding_fingerprint(const char *rule, const char *resource_uid, const json_t *evidence,
                         char out[65]);

#endif
