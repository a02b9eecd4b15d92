/* aws_sigv4.h: AWS Signature Version 4 (header and presigned query signing) with OpenSSL. */
#ifndef AWS_SIGV4_H
#define AWS_SIGV4_H

#include <stddef.h>

#include <fawkes/fawkes.h>

/* SHA-256 of the empty string, the payload hash of a request without a body. */
#define AWS_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
/* The payload hash S3 accepts in place of the body's hash (never for other services). */
#define AWS_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"

/* A set of credentials. Strings are owned by whoever made the struct (aws_creds_* free them). */
typedef struct aws_credentials {
    char *access_key_id;
    char *secret_access_key;
    char *session_token; /* NULL for long-term keys */
} aws_credentials;

/* What to sign. Every pointer is borrowed for the call. */
typedef struct aws_sign_input {
    const char *method;             /* "GET", "POST", ... */
    const char *path;               /* the path as sent (percent-encoded or raw), "/" at least */
    const char *query;              /* the query as sent, without '?', or NULL */
    const fwk_http_header *headers; /* every header to sign, Host included (not x-amz-date) */
    size_t header_count;            /* duplicates are joined in order with ',' */
    const char *payload_hash;       /* lower-case hex SHA-256 of the body, or UNSIGNED-PAYLOAD */
    const char *region;             /* "eu-west-2" */
    const char *service;            /* signing name: "ec2", "s3", "iam", "sts", "rds", "eks" */
    const char *amz_date;           /* "YYYYMMDDTHHMMSSZ" (UTC) */
    int path_keep_dots;             /* nonzero (S3): dot and empty path segments stay */
    int path_encoded;               /* nonzero (S3): the path is already encoded: not again */
    int sign_content_sha256;        /* nonzero: sign an x-amz-content-sha256 header (S3) */
    int omit_session_token;         /* nonzero: the token is sent but not signed */
    long presign_expires_s;         /* > 0: sign in the query (X-Amz-*), valid this long */
} aws_sign_input;

/* What came out. Free with aws_sign_output_free. */
typedef struct aws_sign_output {
    char *canonical_request; /* malloc'd */
    char *string_to_sign;    /* malloc'd */
    char signature[65];      /* lower-case hex */
    char *authorization;     /* header mode: the Authorization header's value (a secret) */
    char *query;             /* presigned: the whole canonical query plus X-Amz-Signature */
} aws_sign_output;

/*
 * aws_sigv4_sign: sign `in` with `creds` into *out (zeroed first). The canonical request
 * follows AWS's rules: header names lower-cased and sorted, values trimmed with inner runs of
 * white space (folded lines too) made one space; query keys and values decoded, re-encoded
 * (RFC 3986 unreserved kept) and sorted; the path normalized (dot segments, empty segments)
 * and encoded (once more when already encoded) unless the flags say otherwise. In header mode
 * x-amz-date (and x-amz-security-token, x-amz-content-sha256 as asked) are signed: the caller sends
 * them with the same values. Returns 0, or -1 when out of memory or `in` lacks a field. Thread-safe
 * (no shared state).
 */
int aws_sigv4_sign(const aws_sign_input *in, const aws_credentials *creds, aws_sign_output *out);
/* Free what aws_sigv4_sign left in *out (the authorization is wiped first) and zero it. */
void aws_sign_output_free(aws_sign_output *out);

/* Lower-case hex SHA-256 of `len` bytes into `hex` (65 bytes). Thread-safe. */
void aws_sha256_hex(const void *data, size_t len, char hex[65]);
/* "YYYYMMDDTHHMMSSZ" for `unix_ms` into `out` (17 bytes). Thread-safe. */
void aws_amz_date(int64_t unix_ms, char out[17]);

#endif
