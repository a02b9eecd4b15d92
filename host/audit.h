/* audit.h: the append-only, hash-chained, optionally signed audit log (security.audit_log). */
#ifndef HOST_AUDIT_H
#define HOST_AUDIT_H

#include <stdbool.h>

#include <jansson.h>

#include "config.h"
#include "diag.h"

/*
 * The audit log is a JSON Lines file. Each line is one object with, besides the caller's
 * fields:
 *   "seq":    1, 2, 3, ... (one more than the line before)
 *   "time":   RFC 3339 UTC time of the append
 *   "actor":  who acted: {"user": OS user name, "uid": n, "via": "cli"}; for `fawkes serve`
 *             also "token": the name of the API token of the request ("via": "api"), set
 *             with audit_set_token_actor
 *   "prev":   SHA-256 (hex) of the previous line's exact bytes, 64 zeros for the first
 *   "key_id": (signed logs) the first 16 hex digits of SHA-256 of the signer's public key
 *             (DER SubjectPublicKeyInfo)
 *   "hash":   SHA-256 (hex) of this object serialized without "hash" and "sig" (compact,
 *             sorted keys, ASCII)
 *   "sig":    (signed logs) base64 Ed25519 signature of "fawkes-audit-entry:v1:" + hash
 * and a side file PATH.head holds {"seq", "hash"} of the last line (hash: SHA-256 of the
 * line's bytes), in a signed log also "key_id" and "sig", an Ed25519 signature of
 * "fawkes-audit-head:v1:SEQ:HASH", so that lines deleted at the end are detected even by
 * someone who recomputes the chain. Editing, reordering or deleting any line breaks the
 * chain and audit_verify says which line.
 *
 * Conventional fields: "event" (e.g. "action.planned", "action.approved",
 * "action.executed", "action.skipped", "action.failed", "provision.planned",
 * "provision.executed", "http.request", "notify.sent", "notify.failed"), "run_id",
 * "instance", "plugin", "resource" (uid), "action", "params", "risk", "dry_run", "reason",
 * "result", "token" (the plan token), "approver" (an actor object: who approved).
 */

/*
 * audit_configure: set up the process's audit trail from `cfg` (borrowed, only read now):
 * the log (security.audit_log; NULL: audit_record writes nothing), the signing key
 * (security.audit_signing_key: an Ed25519 PEM private key; its text is registered as a
 * secret) and the forward (security.audit_forward). `approve_token` (--approve, or NULL):
 * entries carrying that plan token name the acting user as "approver" too. Every
 * audit_append after this is signed with the key and forwarded. Returns 0, or -1 with
 * "security.audit_...: ..." in err and the settings before the call kept. Thread-safe: may
 * be called again while other threads append (a reload of `fawkes serve`); an append in
 * flight finishes with the settings it started with.
 */
int audit_configure(const config *cfg, const char *approve_token, diag *err);
/* audit_shutdown: forget the key (freed), the forward (closed) and the log. Thread-safe. */
void audit_shutdown(void);
/* audit_enabled: is a log configured (audit_record writes)? Thread-safe. */
bool audit_enabled(void);

/*
 * audit_set_token_actor: in `fawkes serve`, the name of the API token the calling thread
 * acts for (copied), or NULL to clear it (and free the copy: do so before the thread ends).
 * Entries appended by this thread then carry actor.token and "via": "api". Thread-local.
 */
void audit_set_token_actor(const char *token_name);
/* audit_token_actor: the calling thread's token name (borrowed: valid until it is set again),
   or NULL. Thread-local. */
const char *audit_token_actor(void);
/* audit_actor: a new actor object for the calling thread (see "actor" above). */
json_t *audit_actor(void);

/*
 * audit_append: append `entry` (a JSON object; reference taken, even on failure) to the
 * log at `path`, adding seq/time/actor/prev/hash (and key_id/sig when a key is configured;
 * "approver" on "*.approved" entries and on entries other than "*.planned" carrying the
 * --approve token, unless set). Known secrets are redacted first (log.h). Safe across
 * threads and processes (an exclusive flock on the file); the line is written with one
 * write() and fsync'ed, then forwarded (a forward failure is logged as a warning, the entry
 * stays written). Returns 0, or -1 with err set ("PATH: ...").
 */
int audit_append(const char *path, json_t *entry, diag *err);

/*
 * audit_record: audit_append to the configured log; with none configured the entry is
 * dropped and 0 returned. Reference taken. Thread-safe.
 */
int audit_record(json_t *entry, diag *err);

/*
 * audit_http: record one request sent with FWK_HTTP_MUTATING by instance `owner`:
 * {"event": "http.request", "instance", "method", "url" (scheme, host, port and path only:
 * no user info, query or fragment), "status" (the final HTTP status, 0 when none),
 * "attempts", "error" (the transport error, when there was no response)}. Failures are
 * logged, never returned (the request was sent). Thread-safe.
 */
void audit_http(const char *owner, const char *method, const char *url, long status, int attempts,
                const char *error);

/*
 * audit_notification: record one notification handed to notifier `instance` (`plugin`):
 * {"event": "notify.sent" | "notify.failed", "run_id", "chain", "instance", "plugin",
 * "destinations": `hosts` (reference taken; from audit_dest_end), "fingerprints": of the
 * findings in `message` (borrowed), "digest", "total" (a digest's count), "reason" (why it
 * failed)}. Nothing when no log is configured. Failures are logged. Thread-safe.
 */
void audit_notification(const char *run_id, const char *chain, const char *instance,
                        const char *plugin, const json_t *message, json_t *hosts, bool ok,
                        const char *reason);

/*
 * Destinations of a notification. audit_dest_begin starts collecting, for the calling
 * thread, the hosts that requests and mails are sent to (audit_dest_note, called by the
 * HTTP and mail services with the URL); audit_dest_end stops and returns a new array of the
 * distinct host names ("host" or "host:port") in the order first seen. Thread-local;
 * audit_dest_note is a no-op when not collecting.
 */
void audit_dest_begin(void);
void audit_dest_note(const char *url);
json_t *audit_dest_end(void);

/* A public (or private) Ed25519 key for audit_verify. */
typedef struct audit_key audit_key;

/*
 * audit_key_load_public: read a PEM public key (or a private key: its public half is used)
 * from `path`. Returns a new key (audit_key_free), or NULL with err set ("PATH: ...").
 * Thread-safe.
 */
audit_key *audit_key_load_public(const char *path, diag *err);
/* audit_key_configured: the configured signing key (borrowed, valid until the next
   audit_configure or audit_shutdown), or NULL. */
const audit_key *audit_key_configured(void);
/* audit_key_id: the key's id (16 hex digits, see "key_id"), in out. */
void audit_key_id(const audit_key *key, char out[17]);
void audit_key_free(audit_key *key);

/*
 * audit_keygen: write a new Ed25519 key pair: `private_path` (PKCS#8 PEM, mode 0600,
 * refused when it exists) and `public_path` (SubjectPublicKeyInfo PEM, 0644, refused when
 * it exists). The key id goes to key_id_out. Returns 0, or -1 with err set. Thread-safe.
 */
int audit_keygen(const char *private_path, const char *public_path, char key_id_out[17], diag *err);

/*
 * audit_verify: check every line of the log at `path`: the chain (seq, prev, hash), the
 * head, and the signatures. With `key` (borrowed; NULL: none) every entry and the head must
 * be signed by it: an unsigned entry, a signature that does not verify or another key's
 * signature is a problem. Without a key a log in which some entries are signed must be
 * signed throughout (entries and head), but the signatures themselves cannot be checked.
 * Returns 0 when everything checked is intact, 1 when not, -1 when the file cannot be read
 * (err set). *report (new reference) is {"path", "entries": n, "ok": bool,
 * "signatures": "checked" (with `key`) | "unchecked" (signed, no key given) | "none",
 * "key_id" (the key checked against, or null), "first_bad_line" (n; 0 when only the head
 * is wrong; null when ok), "problems": [{"line": n, "problem": "..."}]: the lines' in line
 * order, then the head's (line 0)}.
 */
int audit_verify(const char *path, const audit_key *key, json_t **report, diag *err);

#endif
