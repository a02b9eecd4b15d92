/* approval.h: plan tokens for mutations that need a person's approval (provisioning), kept in
   the state file: a dry run records the plan under its token, and an apply must name that
   token, for that same plan, before it expires. */
#ifndef HOST_APPROVAL_H
#define HOST_APPROVAL_H

#include <stdint.h>

#include <jansson.h>

#include "diag.h"
#include "state.h"

/* How long a plan token stays valid after the dry run that printed it: 24 hours. */
#define APPROVAL_TTL_MS (24LL * 3600 * 1000)

/*
 * approval_token: the token of `plan` (borrowed; any JSON value) for `subject` (what the plan
 * is for, e.g. "provision civo-prod database delete"): 64 hex digits of SHA-256 over a
 * domain string, the subject and the plan's canonical JSON (sorted keys, compact), so the
 * token names exactly these requests and nothing else. Returns 0, or -1 on OOM.
 * Thread-safe.
 */
int approval_token(const char *subject, const json_t *plan, char token[65]);

/*
 * approval_record: remember `plan` under `token` for `subject` in the state file (table
 * approval_plans, created on first use), stamped with the current wall-clock time; recording
 * the same token again renews it. Returns 0, or -1 with err set ("PATH: ...").
 */
int approval_record(state_store *st, const char *token, const char *subject, const json_t *plan,
                    diag *err);

/*
 * approval_check: may `given` (the --approve argument) apply `plan` for `subject` now, at
 * `now_ms` (wall clock)? It must be the plan's own token (approval_token), recorded by a dry
 * run (approval_record) for that subject, no older than APPROVAL_TTL_MS. Returns 0; or -1
 * with why in err, worded for the operator (a different plan, an unknown token, an expired
 * one), and nothing is changed.
 */
int approval_check(state_store *st, const char *given, const char *subject, const json_t *plan,
                   int64_t now_ms, diag *err);

/* approval_consume: forget `token` once its plan was applied (a token applies once).
   Returns 0, or -1 with err set. */
int approval_consume(state_store *st, const char *token, diag *err);

#endif
