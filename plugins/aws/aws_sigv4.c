/* aws_sigv4.c: canonical request, string to sign and signature of AWS SigV4 (OpenSSL). */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <fawkes/fwkx.h>

#include "aws_sigv4.h"

#define AWS_ALGORITHM "AWS4-HMAC-SHA256"

/* One canonical header or query parameter. */
typedef struct sig_pair {
    char *name;
    char *value;
    size_t order; /* position as given: duplicates keep their order */
} sig_pair;

typedef struct sig_list {
    sig_pair *items;
    size_t count, cap;
    int failed;
} sig_list;

static void hex_of(const unsigned char *bytes, size_t len, char *hex)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < len; i++) {
        hex[2 * i] = digits[bytes[i] >> 4];
        hex[2 * i + 1] = digits[bytes[i] & 15];
    }
    hex[2 * len] = '\0';
}

void aws_sha256_hex(const void *data, size_t len, char hex[65])
{
    unsigned char digest[SHA256_DIGEST_LENGTH];
    unsigned int digest_len = 0;

    EVP_Digest(data, len, digest, &digest_len, EVP_sha256(), NULL);
    hex_of(digest, SHA256_DIGEST_LENGTH, hex);
}

void aws_amz_date(int64_t unix_ms, char out[17])
{
    time_t seconds = (time_t)(unix_ms / 1000);
    struct tm tm;

    gmtime_r(&seconds, &tm);
    strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

static void hmac(const void *key, size_t key_len, const char *data, unsigned char out[32])
{
    unsigned int out_len = 32;

    HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)data, strlen(data), out, &out_len);
}

static void list_add(sig_list *list, char *name, char *value)
{
    if (!name || !value || list->failed) {
        free(name);
        free(value);
        list->failed = 1;
        return;
    }
    if (list->count == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 16;
        sig_pair *items = realloc(list->items, cap * sizeof *items);
        if (!items) {
            free(name);
            free(value);
            list->failed = 1;
            return;
        }
        list->items = items;
        list->cap = cap;
    }
    list->items[list->count] = (sig_pair){name, value, list->count};
    list->count++;
}

static void list_free(sig_list *list)
{
    for (size_t i = 0; i < list->count; i++) {
        free(list->items[i].name);
        free(list->items[i].value);
    }
    free(list->items);
    *list = (sig_list){0};
}

static int pair_cmp(const void *a, const void *b)
{
    const sig_pair *x = a, *y = b;
    int by_name = strcmp(x->name, y->name);

    if (by_name)
        return by_name;
    return x->order < y->order ? -1 : x->order > y->order;
}

static int query_cmp(const void *a, const void *b)
{
    const sig_pair *x = a, *y = b;
    int by_name = strcmp(x->name, y->name);

    return by_name ? by_name : strcmp(x->value, y->value);
}

/* A header value trimmed, with every inner run of white space (folded lines too) one space. */
static char *header_value(const char *value)
{
    char *out = malloc(strlen(value) + 1);
    size_t n = 0;
    int space = 0;

    if (!out)
        return NULL;
    for (const char *p = value; *p; p++) {
        if (isspace((unsigned char)*p)) {
            space = n > 0;
            continue;
        }
        if (space)
            out[n++] = ' ';
        space = 0;
        out[n++] = *p;
    }
    out[n] = '\0';
    return out;
}

static char *lower_dup(const char *text)
{
    char *out = strdup(text);

    for (char *p = out; p && *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return out;
}

static int hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* `len` bytes of `text` percent-decoded, then encoded as SigV4 wants (unreserved kept). */
static char *reencode(const char *text, size_t len)
{
    fwkx_buf raw = FWKX_BUF_INIT, out = FWKX_BUF_INIT;
    char *result;

    for (size_t i = 0; i < len; i++) {
        int hi = i + 2 < len ? hex_digit((unsigned char)text[i + 1]) : -1;
        int lo = i + 2 < len ? hex_digit((unsigned char)text[i + 2]) : -1;
        if (text[i] == '%' && hi >= 0 && lo >= 0) {
            char byte = (char)(hi * 16 + lo);
            fwkx_buf_add(&raw, &byte, 1);
            i += 2;
        } else {
            fwkx_buf_add(&raw, &text[i], 1);
        }
    }
    fwkx_buf_add_escaped(&out, fwkx_buf_str(&raw));
    if (raw.failed)
        out.failed = 1;
    fwkx_buf_free(&raw);
    result = fwkx_buf_take(&out);
    return result;
}

/* Query parameters of `query` (may be NULL) into `list`, each decoded and re-encoded. */
static void parse_query(const char *query, sig_list *list)
{
    const char *p = query;

    while (p && *p) {
        const char *end = strchr(p, '&');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);

        if (len > 0) {
            size_t key_len = eq ? (size_t)(eq - p) : len;
            list_add(list, reencode(p, key_len),
                     eq ? reencode(eq + 1, len - key_len - 1) : strdup(""));
        }
        p = end ? end + 1 : NULL;
    }
}

/* Append `len` bytes of a path, every byte but unreserved ones and '/' as %XX. */
static void add_path_encoded(fwkx_buf *out, const char *path, size_t len)
{
    static const char digits[] = "0123456789ABCDEF";

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)path[i];
        if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
            fwkx_buf_add(out, &path[i], 1);
        } else {
            char esc[3] = {'%', digits[c >> 4], digits[c & 15]};
            fwkx_buf_add(out, esc, 3);
        }
    }
}

/* The path without empty and dot segments ("//a/./b/../c/" is "/a/c/"). */
static char *normalize_path(const char *path)
{
    size_t len = strlen(path), n = 0;
    char *out = malloc(len + 2);
    size_t *starts = malloc((len + 1) * sizeof *starts);
    size_t depth = 0;
    const char *p = path;

    if (!out || !starts) {
        free(out);
        free(starts);
        return NULL;
    }
    while (*p) {
        const char *end = strchr(p, '/');
        size_t seg = end ? (size_t)(end - p) : strlen(p);
        if (seg == 0 || (seg == 1 && p[0] == '.')) {
            /* nothing */
        } else if (seg == 2 && p[0] == '.' && p[1] == '.') {
            if (depth > 0)
                n = starts[--depth];
        } else {
            starts[depth++] = n;
            out[n++] = '/';
            memcpy(out + n, p, seg);
            n += seg;
        }
        p = end ? end + 1 : p + seg;
    }
    if (n == 0 || (len > 1 && path[len - 1] == '/'))
        out[n++] = '/';
    out[n] = '\0';
    free(starts);
    return out;
}

/* The canonical URI of `in`. */
static char *canonical_uri(const aws_sign_input *in)
{
    fwkx_buf out = FWKX_BUF_INIT;
    char *normalized;

    if (in->path_encoded && in->path_keep_dots)
        return strdup(in->path[0] ? in->path : "/");
    normalized = in->path_keep_dots ? strdup(in->path[0] ? in->path : "/")
                                    : normalize_path(in->path[0] ? in->path : "/");
    if (!normalized)
        return NULL;
    if (in->path_encoded)
        fwkx_buf_adds(&out, normalized);
    else
        add_path_encoded(&out, normalized, strlen(normalized));
    free(normalized);
    return fwkx_buf_take(&out);
}

/* Headers to sign: the given ones plus the x-amz-* the signer owns, sorted. */
static void collect_headers(const aws_sign_input *in, const aws_credentials *creds, int sign_token,
                            sig_list *headers)
{
    for (size_t i = 0; i < in->header_count; i++)
        list_add(headers, lower_dup(in->headers[i].name), header_value(in->headers[i].value));
    if (in->presign_expires_s <= 0) {
        list_add(headers, strdup("x-amz-date"), strdup(in->amz_date));
        if (sign_token)
            list_add(headers, strdup("x-amz-security-token"), header_value(creds->session_token));
        if (in->sign_content_sha256)
            list_add(headers, strdup("x-amz-content-sha256"), strdup(in->payload_hash));
    }
    if (!headers->failed && headers->count > 1)
        qsort(headers->items, headers->count, sizeof *headers->items, pair_cmp);
}

/* "a;b;c" of the sorted, distinct header names. */
static void add_signed_names(fwkx_buf *out, const sig_list *headers)
{
    for (size_t i = 0; i < headers->count; i++) {
        if (i > 0 && strcmp(headers->items[i].name, headers->items[i - 1].name) == 0)
            continue;
        fwkx_buf_addf(out, "%s%s", i ? ";" : "", headers->items[i].name);
    }
}

static void add_canonical_headers(fwkx_buf *out, const sig_list *headers)
{
    for (size_t i = 0; i < headers->count; i++) {
        int same = i > 0 && strcmp(headers->items[i].name, headers->items[i - 1].name) == 0;
        if (same)
            fwkx_buf_addf(out, ",%s", headers->items[i].value);
        else
            fwkx_buf_addf(out, "%s%s:%s", i ? "\n" : "", headers->items[i].name,
                          headers->items[i].value);
    }
    fwkx_buf_adds(out, "\n");
}

/* The presigning parameters (X-Amz-*) into `query`. */
static void add_presign_params(const aws_sign_input *in, const aws_credentials *creds,
                               int sign_token, const char *scope, const sig_list *headers,
                               sig_list *query)
{
    fwkx_buf credential = FWKX_BUF_INIT, names = FWKX_BUF_INIT;
    char expires[24];

    fwkx_buf_addf(&credential, "%s/%s", creds->access_key_id, scope);
    add_signed_names(&names, headers);
    snprintf(expires, sizeof expires, "%ld", in->presign_expires_s);
    list_add(query, strdup("X-Amz-Algorithm"), strdup(AWS_ALGORITHM));
    list_add(query, strdup("X-Amz-Credential"), reencode(credential.data, credential.len));
    list_add(query, strdup("X-Amz-Date"), strdup(in->amz_date));
    list_add(query, strdup("X-Amz-Expires"), strdup(expires));
    list_add(query, strdup("X-Amz-SignedHeaders"), reencode(names.data, names.len));
    if (sign_token)
        list_add(query, strdup("X-Amz-Security-Token"),
                 reencode(creds->session_token, strlen(creds->session_token)));
    fwkx_buf_free(&credential);
    fwkx_buf_free(&names);
}

static void add_query(fwkx_buf *out, const sig_list *query)
{
    for (size_t i = 0; i < query->count; i++)
        fwkx_buf_addf(out, "%s%s=%s", i ? "&" : "", query->items[i].name, query->items[i].value);
}

/* The signing key's HMAC of `string_to_sign`, as hex. */
static void sign_string(const aws_sign_input *in, const aws_credentials *creds,
                        const char *string_to_sign, char hex[65])
{
    unsigned char k_date[32], k_region[32], k_service[32], k_signing[32], signature[32];
    size_t secret_len = strlen(creds->secret_access_key) + 5;
    char *secret = malloc(secret_len);
    char date[9];

    memcpy(date, in->amz_date, 8);
    date[8] = '\0';
    if (!secret) {
        hex[0] = '\0';
        return;
    }
    memcpy(secret, "AWS4", 4);
    memcpy(secret + 4, creds->secret_access_key, secret_len - 4);
    hmac(secret, secret_len - 1, date, k_date);
    hmac(k_date, 32, in->region, k_region);
    hmac(k_region, 32, in->service, k_service);
    hmac(k_service, 32, "aws4_request", k_signing);
    hmac(k_signing, 32, string_to_sign, signature);
    hex_of(signature, 32, hex);
    OPENSSL_cleanse(secret, secret_len);
    OPENSSL_cleanse(k_signing, sizeof k_signing);
    free(secret);
}

static int valid_input(const aws_sign_input *in, const aws_credentials *creds)
{
    return in && creds && in->method && in->path && in->payload_hash && in->region && in->service &&
           in->amz_date && strlen(in->amz_date) == 16 && creds->access_key_id &&
           creds->secret_access_key;
}

int aws_sigv4_sign(const aws_sign_input *in, const aws_credentials *creds, aws_sign_output *out)
{
    sig_list headers = {0}, query = {0};
    fwkx_buf canonical = FWKX_BUF_INIT, to_sign = FWKX_BUF_INIT, final = FWKX_BUF_INIT;
    char scope[160], hash[65];
    char *uri = NULL;
    int sign_token, rc = -1;

    memset(out, 0, sizeof *out);
    if (!valid_input(in, creds))
        return -1;
    sign_token = creds->session_token && *creds->session_token && !in->omit_session_token;
    snprintf(scope, sizeof scope, "%.8s/%s/%s/aws4_request", in->amz_date, in->region, in->service);
    uri = canonical_uri(in);
    collect_headers(in, creds, sign_token, &headers);
    parse_query(in->query, &query);
    if (in->presign_expires_s > 0)
        add_presign_params(in, creds, sign_token, scope, &headers, &query);
    if (!uri || headers.failed || query.failed)
        goto out;
    if (query.count > 1)
        qsort(query.items, query.count, sizeof *query.items, query_cmp);

    fwkx_buf_addf(&canonical, "%s\n%s\n", in->method, uri);
    add_query(&canonical, &query);
    fwkx_buf_adds(&canonical, "\n");
    add_canonical_headers(&canonical, &headers);
    fwkx_buf_adds(&canonical, "\n");
    add_signed_names(&canonical, &headers);
    fwkx_buf_addf(&canonical, "\n%s", in->payload_hash);
    if (canonical.failed)
        goto out;
    aws_sha256_hex(canonical.data, canonical.len, hash);
    fwkx_buf_addf(&to_sign, AWS_ALGORITHM "\n%s\n%s\n%s", in->amz_date, scope, hash);
    if (to_sign.failed)
        goto out;
    sign_string(in, creds, to_sign.data, out->signature);
    if (!out->signature[0])
        goto out;
    if (in->presign_expires_s > 0) {
        add_query(&final, &query);
        fwkx_buf_addf(&final, "&X-Amz-Signature=%s", out->signature);
        out->query = fwkx_buf_take(&final);
    } else {
        fwkx_buf_addf(
            &final, AWS_ALGORITHM " Credential=%s/%s, SignedHeaders=", creds->access_key_id, scope);
        add_signed_names(&final, &headers);
        fwkx_buf_addf(&final, ", Signature=%s", out->signature);
        out->authorization = fwkx_buf_take(&final);
    }
    out->canonical_request = fwkx_buf_take(&canonical);
    out->string_to_sign = fwkx_buf_take(&to_sign);
    if (out->canonical_request && out->string_to_sign && (out->query || out->authorization))
        rc = 0;
out:
    free(uri);
    list_free(&headers);
    list_free(&query);
    fwkx_buf_free(&canonical);
    fwkx_buf_free(&to_sign);
    fwkx_buf_free(&final);
    if (rc != 0)
        aws_sign_output_free(out);
    return rc;
}

void aws_sign_output_free(aws_sign_output *out)
{
    if (!out)
        return;
    free(out->canonical_request);
    free(out->string_to_sign);
    if (out->authorization)
        OPENSSL_cleanse(out->authorization, strlen(out->authorization));
    free(out->authorization);
    free(out->query);
    memset(out, 0, sizeof *out);
}
