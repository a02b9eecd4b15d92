/* audit_internal.h: what the audit_*.c files share (not for other modules). */
#ifndef HOST_AUDIT_INTERNAL_H
#define HOST_AUDIT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "audit.h"
#include "diag.h"

#define AUDIT_ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"
#define AUDIT_DUMP_FLAGS (JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII)
#define AUDIT_ENTRY_DOMAIN "fawkes-audit-entry:v1:"
#define AUDIT_HEAD_DOMAIN "fawkes-audit-head:v1:"

struct audit_key {
    EVP_PKEY *pkey; /* Ed25519; private or public */
    bool has_private;
    char id[17];
};

/* SHA-256 of `len` bytes as 64 hex digits and a NUL. Thread-safe. */
void audit_sha256_hex(const void *data, size_t len, char out[65]);
/* The hash an entry should carry: over the object without "hash" and "sig". 0 or -1 (OOM). */
int audit_entry_hash(const json_t *entry, char out[65]);

/* A new key from PEM text (a private key); NULL with err set (the text is never quoted). */
audit_key *audit_key_from_private_pem(const char *pem, diag *err);
/* Sign `message` (NUL-terminated): a new base64 string, or NULL (OOM / OpenSSL error). */
char *audit_sign(const audit_key *key, const char *message);
/* Does base64 `sig` verify `message` under `key`? Thread-safe. */
bool audit_sig_ok(const audit_key *key, const char *message, const char *sig);
/* The head message "fawkes-audit-head:v1:SEQ:HASH" into buf. */
void audit_head_message(json_int_t seq, const char *hash, char *buf, size_t size);

/* The forward (security.audit_forward): open "syslog" or "udp://HOST:PORT"; 0 or -1 with
   err set. Not thread-safe. */
int audit_forward_open(const char *spec, diag *err);
/* Send one line (no newline); 0, or -1 with err set. Thread-safe. */
int audit_forward_send(const char *line, diag *err);
/* Close the forward. Not thread-safe. */
void audit_forward_close(void);

#endif
