/* smtp.c: host->mail_send: one e-mail over SMTP with libcurl (MIME, STARTTLS, AUTH), under
   the egress allowlist and the instance's limits. */
#include "smtp.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "http.h"
#include "log.h"

#define HEADER_MAX 998

int smtp_url_check(const strlist *allow, const char *url, int *require_tls, diag *err)
{
    CURLU *parsed = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
    int rc = -1;
    if (!parsed || curl_url_set(parsed, CURLUPART_URL, url ? url : "", 0) != CURLUE_OK ||
        curl_url_get(parsed, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(parsed, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        diag_set(err, "mail: '%s' is not a valid URL; write smtp://HOST:587 or smtps://HOST:465",
                 url ? url : "");
        goto out;
    }
    bool smtps = strcmp(scheme, "smtps") == 0;
    if (!smtps && strcmp(scheme, "smtp") != 0) {
        diag_set(err, "mail: the URL scheme is '%s'; use smtp:// (STARTTLS) or smtps:// (TLS)",
                 scheme);
        goto out;
    }
    curl_url_get(parsed, CURLUPART_PORT, &port, 0);
    curl_url_get(parsed, CURLUPART_PATH, &path, 0);
    if (path && strcmp(path, "/") != 0 && path[0]) {
        diag_set(err, "mail: %s has a path (%s); give only smtp(s)://HOST[:PORT]", url, path);
        goto out;
    }
    /* The allowlist is the HTTP service's, applied to the same host name: an https URL of
       that host is allowed exactly when the mail host is. */
    char probe[512];
    snprintf(probe, sizeof probe, "https://%s%s%s/", host, port ? ":" : "", port ? port : "");
    diag why = {{0}};
    if (egress_check(allow, probe, &why) != 0) {
        const char *reason = strstr(why.text, " refused");
        diag_set(err, "mail to %s%s", host, reason ? reason : ": refused by the allowlist");
        goto out;
    }
    /* Plain http:// passes the check only for loopback hosts: that tells them apart. */
    snprintf(probe, sizeof probe, "http://%s%s%s/", host, port ? ":" : "", port ? port : "");
    bool loopback = egress_check(allow, probe, &why) == 0;
    *require_tls = smtps || !loopback;
    rc = 0;
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_url_cleanup(parsed);
    return rc;
}

static bool header_value_ok(const char *value)
{
    return value && strlen(value) <= HEADER_MAX && !strpbrk(value, "\r\n");
}

int smtp_address_ok(const char *address)
{
    if (!header_value_ok(address) || strlen(address) > 254 || strpbrk(address, " <>\t,;\""))
        return 0;
    const char *at = strchr(address, '@');
    return at && at != address && at[1] && !strchr(at + 1, '@');
}

char *smtp_encode_subject(const char *subject)
{
    const char *text = subject ? subject : "";
    bool ascii = true;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        if (*p < 32 || *p > 126)
            ascii = false;
    size_t len = strlen(text);
    if (ascii)
        return strdup(text);
    char *flat = strdup(text);
    if (!flat)
        return NULL;
    for (char *p = flat; *p; p++)
        if (*p == '\r' || *p == '\n' || *p == '\t')
            *p = ' ';
    /* One encoded-word per line would be tidier; long subjects are cut instead (mail
       clients show ~80 characters anyway). Cut on a UTF-8 boundary. */
    if (len > 180) {
        len = 180;
        while (len > 0 && ((unsigned char)flat[len] & 0xc0) == 0x80)
            len--;
        flat[len] = '\0';
    }
    size_t encoded_size = 4 * ((len + 2) / 3) + 1;
    char *out = malloc(encoded_size + 16);
    if (out) {
        memcpy(out, "=?UTF-8?B?", 10);
        int n = EVP_EncodeBlock((unsigned char *)out + 10, (const unsigned char *)flat, (int)len);
        memcpy(out + 10 + n, "?=", 3);
    }
    free(flat);
    return out;
}

/* Append "Name: value" to a header list. -1 on OOM. */
static int add_header(struct curl_slist **list, const char *name, const char *value)
{
    char *line = NULL;
    if (asprintf(&line, "%s: %s", name, value) < 0)
        return -1;
    struct curl_slist *grown = curl_slist_append(*list, line);
    free(line);
    if (!grown)
        return -1;
    *list = grown;
    return 0;
}

/* The message headers (From, To, Subject, Date, Message-ID). */
static struct curl_slist *message_headers(const fwk_mail *mail, const char *from_host)
{
    struct curl_slist *headers = NULL;
    char *subject = smtp_encode_subject(mail->subject);
    char *to = NULL;
    size_t to_len = 0;
    FILE *to_stream = open_memstream(&to, &to_len);
    for (size_t i = 0; to_stream && mail->to[i]; i++)
        fprintf(to_stream, "%s%s", i ? ", " : "", mail->to[i]);
    if (to_stream)
        fclose(to_stream);
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    unsigned char random[12];
    char message_id[128];
    if (RAND_bytes(random, sizeof random) != 1)
        memset(random, 0, sizeof random);
    int used = snprintf(message_id, sizeof message_id, "<");
    for (size_t i = 0; i < sizeof random; i++)
        used += snprintf(message_id + used, sizeof message_id - (size_t)used, "%02x", random[i]);
    snprintf(message_id + used, sizeof message_id - (size_t)used, ".fawkes@%s>", from_host);
    if (!subject || !to || add_header(&headers, "From", mail->from) ||
        add_header(&headers, "To", to) || add_header(&headers, "Subject", subject) ||
        add_header(&headers, "Date", date) || add_header(&headers, "Message-ID", message_id) ||
        add_header(&headers, "Content-Type", "multipart/alternative")) {
        curl_slist_free_all(headers);
        headers = NULL;
    }
    free(subject);
    free(to);
    return headers;
}

/* A text part: UTF-8, quoted-printable. */
static int add_part(curl_mime *mime, const char *data, const char *type)
{
    curl_mimepart *part = curl_mime_addpart(mime);
    return part && curl_mime_data(part, data, CURL_ZERO_TERMINATED) == CURLE_OK &&
                   curl_mime_type(part, type) == CURLE_OK &&
                   curl_mime_encoder(part, "quoted-printable") == CURLE_OK
               ? 0
               : -1;
}

/* Is this failure worth another attempt? */
static bool transient(CURLcode code, long reply)
{
    if (reply >= 400 && reply < 500)
        return true;
    if (reply >= 500)
        return false;
    switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_SSL_CONNECT_ERROR:
        return true;
    default:
        return false;
    }
}

/* One attempt. Returns the curl code; *reply is the last SMTP reply code. */
static CURLcode attempt(const fwk_mail *mail, int require_tls, long timeout_ms,
                        struct curl_slist *rcpt, struct curl_slist *headers, long *reply,
                        char *errbuf)
{
    *reply = 0;
    errbuf[0] = '\0';
    CURL *easy = curl_easy_init();
    curl_mime *mime = easy ? curl_mime_init(easy) : NULL;
    if (!easy || !mime) {
        curl_mime_free(mime);
        curl_easy_cleanup(easy);
        return CURLE_OUT_OF_MEMORY;
    }
    /* The message itself is the multipart/alternative (headers carry its Content-Type, to
       which libcurl adds the boundary). */
    CURLcode code = CURLE_OUT_OF_MEMORY;
    if (add_part(mime, mail->text ? mail->text : "", "text/plain; charset=UTF-8") != 0 ||
        (mail->html && add_part(mime, mail->html, "text/html; charset=UTF-8") != 0))
        goto out;
    curl_easy_setopt(easy, CURLOPT_URL, mail->url);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(easy, CURLOPT_USE_SSL,
                     require_tls ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_TRY);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(easy, CURLOPT_MAIL_FROM, mail->from);
    curl_easy_setopt(easy, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(easy, CURLOPT_MIMEPOST, mime);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);
    if (mail->username) {
        curl_easy_setopt(easy, CURLOPT_USERNAME, mail->username);
        curl_easy_setopt(easy, CURLOPT_PASSWORD, mail->password ? mail->password : "");
    }
    code = curl_easy_perform(easy);
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, reply);
out:
    curl_mime_free(mime);
    curl_easy_cleanup(easy);
    return code;
}

static bool mail_checked(const fwk_mail *mail, diag *err)
{
    if (!mail || mail->struct_size < offsetof(fwk_mail, timeout_ms) + sizeof mail->timeout_ms) {
        diag_set(err, "mail: the request is too old or malformed (struct_size); rebuild the "
                      "plugin against this SDK");
        return false;
    }
    if (!smtp_address_ok(mail->from)) {
        diag_set(err, "mail: from '%s' is not a bare address such as fawkes@example.com",
                 mail->from ? mail->from : "");
        return false;
    }
    if (!mail->to || !mail->to[0]) {
        diag_set(err, "mail: no recipient; give at least one address in to");
        return false;
    }
    for (size_t i = 0; mail->to[i]; i++)
        if (!smtp_address_ok(mail->to[i])) {
            diag_set(err, "mail: recipient '%s' is not a bare address such as ops@example.com",
                     mail->to[i]);
            return false;
        }
    if (mail->username && !header_value_ok(mail->username)) {
        diag_set(err, "mail: the username has line breaks or is too long");
        return false;
    }
    return true;
}

fwk_status smtp_send(const fwk_mail *mail, const strlist *allow, const config_limits *limits,
                     int (*cancelled)(void *arg), void *arg, int *attempts, diag *err)
{
    if (attempts)
        *attempts = 0;
    int require_tls = 1;
    if (!mail_checked(mail, err) || smtp_url_check(allow, mail->url, &require_tls, err) != 0)
        return FWK_ERROR;
    if (mail->password)
        log_add_secret(mail->password);
    struct curl_slist *rcpt = NULL;
    for (size_t i = 0; mail->to[i]; i++) {
        struct curl_slist *grown = curl_slist_append(rcpt, mail->to[i]);
        if (!grown) {
            curl_slist_free_all(rcpt);
            diag_set(err, "out of memory");
            return FWK_RETRY;
        }
        rcpt = grown;
    }
    struct curl_slist *headers = message_headers(mail, strchr(mail->from, '@') + 1);
    if (!headers) {
        curl_slist_free_all(rcpt);
        diag_set(err, "out of memory");
        return FWK_RETRY;
    }
    long timeout_ms = mail->timeout_ms > 0 ? mail->timeout_ms : limits->timeout_ms;
    fwk_status status = FWK_RETRY;
    char errbuf[CURL_ERROR_SIZE];
    for (int n = 0;; n++) {
        if (n > 0) {
            unsigned char noise[2] = {0, 0};
            RAND_bytes(noise, sizeof noise);
            long delay = backoff_delay_ms(n, limits->backoff_base_ms, limits->backoff_max_ms,
                                          (noise[0] << 8 | noise[1]) / 65536.0);
            for (long waited = 0; waited < delay; waited += 50) {
                if (cancelled && cancelled(arg)) {
                    diag_set(err, "mail to %s: cancelled before it was sent", mail->url);
                    status = FWK_CANCELLED;
                    goto out;
                }
                usleep(50 * 1000);
            }
        }
        long reply = 0;
        CURLcode code = attempt(mail, require_tls, timeout_ms, rcpt, headers, &reply, errbuf);
        if (attempts)
            *attempts = n + 1;
        if (code == CURLE_OK) {
            status = FWK_OK;
            break;
        }
        bool again = transient(code, reply);
        char *reason = log_redact(errbuf[0] ? errbuf : curl_easy_strerror(code));
        const char *hint =
            code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE
                ? "; the server's TLS certificate could not be verified"
            : code == CURLE_LOGIN_DENIED ? "; check username and password"
            : code == CURLE_USE_SSL_FAILED
                ? "; the server does not offer STARTTLS, which is required for a "
                  "non-loopback host: use smtps:// or a server with STARTTLS"
                : "";
        diag_set(err, "mail via %s: %s (SMTP reply %ld, %d attempt%s)%s", mail->url,
                 reason ? reason : "failed", reply, n + 1, n ? "s" : "", hint);
        free(reason);
        if (!again) {
            status = FWK_ERROR;
            break;
        }
        if (n >= limits->retries || (cancelled && cancelled(arg))) {
            status = FWK_RETRY;
            break;
        }
    }
out:
    curl_slist_free_all(rcpt);
    curl_slist_free_all(headers);
    return status;
}
