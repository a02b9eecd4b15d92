/* audit.h: the append-only, hash-chained audit log (security.audit_log). */
#ifndef HOST_AUDIT_H
#define HOST_AUDIT_H

#include <jansson.h>

#include "diag.h"

/*
 * The audit log is a JSON Lines file. Each line is one object with, besides the caller's
 * fields:
 *   "seq":  1, 2, 3, ... (one more than the line before)
 *   "time": RFC 3339 UTC time of the append
 *   "prev": SHA-256 (hex) of the previous line's exact bytes, 64 zeros for the first
 *   "hash": SHA-256 (hex) of this object serialized without "hash" (compact, sorted keys)
 * and a side file PATH.head holds {"seq", "hash"} of the last line, so that deleting
 * lines at the end is detected too. Editing, reordering or deleting any line breaks the
 * chain and audit_verify says which line.
 *
 * Conventional fields: "event" (e.g. "action.planned", "action.approved",
 * "action.executed", "action.skipped", "action.failed", "provision.planned",
 * "provision.executed"), "run_id", "instance", "plugin", "resource" (uid), "action",
 * "params", "risk", "dry_run", "reason", "result".
 */

/*
 * audit_append: append `entry` (a JSON object; reference taken, even on failure) to the
 * log at `path`, adding seq/time/prev/hash. Known secrets are redacted first (log.h).
 * Safe across threads and processes (an exclusive flock on the file); the line is
 * written with one write() and fsync'ed. Returns 0, or -1 with err set ("PATH: ...").
 */
int audit_append(const char *path, json_t *entry, diag *err);

/*
 * audit_verify: check every line of the log at `path`. Returns 0 when the chain is intact,
 * 1 when it is broken, -1 when the file cannot be read (err set). *report (new reference)
 * is {"path", "entries": n, "ok": bool, "problems": [{"line": n, "problem": "..."}]}.
 */
int audit_verify(const char *path, json_t **report, diag *err);

#endif
