/* smtp.h: the host's mail service (host->mail_send): SMTP through libcurl under the same
   egress allowlist, limits and secret handling as HTTP. */
#ifndef HOST_SMTP_H
#define HOST_SMTP_H

#include "fawkes/host.h"
#include "config.h"
#include "diag.h"
#include "strlist.h"

/*
 * smtp_url_check: is `url` an smtp://HOST[:PORT] or smtps://HOST[:PORT] URL the allowlist
 * `allow` lets the host reach (the rules of egress_check in http.h: the host name must be
 * listed, loopback only when 127.0.0.1 or localhost is)? On success returns 0 and sets
 * *require_tls: smtps://, or smtp:// to a non-loopback host (whose STARTTLS is then
 * required); smtp:// to loopback uses STARTTLS when the server offers it. -1 with the reason
 * and the fix in err.
 */
int smtp_url_check(const strlist *allow, const char *url, int *require_tls, diag *err);

/*
 * smtp_header_value_ok: may `value` go into a header or an SMTP command (no CR, LF or NUL,
 * at most 998 bytes)? Addresses additionally need one '@' and no spaces, '<' or '>'.
 */
int smtp_address_ok(const char *address);

/*
 * smtp_encode_subject: an RFC 2047 encoded-word for a UTF-8 subject ("=?UTF-8?B?...?="),
 * or a copy when it is printable ASCII. CR/LF become spaces. New string, or NULL on OOM.
 */
char *smtp_encode_subject(const char *subject);

/*
 * smtp_send: send `mail` (see fwk_mail in fawkes/host.h) once the checks above pass: a
 * multipart/alternative message (text, and HTML when given; quoted-printable UTF-8) with
 * From, To, Subject, Date and Message-ID, over smtp(s) with TLS peer and host verification,
 * AUTH when a username is given. Transient failures (connect, timeout, TLS handshake cut,
 * SMTP 4xx) are retried up to limits->retries times with backoff (limits->backoff_*);
 * `cancelled(arg)` is polled between attempts. Returns FWK_OK; FWK_RETRY when it may work
 * later; FWK_ERROR when it never will as configured (bad address, refused by the allowlist,
 * SMTP 5xx, TLS verification or authentication failure); err says why (secrets redacted).
 * `attempts` (may be NULL) is set to how many times it was tried. Thread-safe.
 */
fwk_status smtp_send(const fwk_mail *mail, const strlist *allow, const config_limits *limits,
                     int (*cancelled)(void *arg), void *arg, int *attempts, diag *err);

#endif
