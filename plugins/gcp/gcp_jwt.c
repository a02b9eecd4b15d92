/* gcp_jwt.c: RS256 JWT assertions of service accounts, signed with OpenSSL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "gcp.h"

char *gcp_base64url(const unsigned char *data, size_t len)
{
    size_t cap = 4 * ((len + 2) / 3) + 1;
    char *out = malloc(cap);
    int written;

    if (!out || len > (size_t)0x3fffffff) {
        free(out);
        return NULL;
    }
    written = EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    if (written < 0) {
        free(out);
        return NULL;
    }
    /* base64 -> base64url: '+' '/' become '-' '_', the '=' padding goes */
    while (written > 0 && out[written - 1] == '=')
        written--;
    out[written] = '\0';
    for (char *p = out; *p; p++) {
        if (*p == '+')
            *p = '-';
        else if (*p == '/')
            *p = '_';
    }
    return out;
}

void *gcp_key_parse(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;

    BIO_free(bio);
    if (key && EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
        EVP_PKEY_free(key);
        key = NULL;
    }
    return key;
}

void gcp_key_free(void *key)
{
    EVP_PKEY_free(key);
}

/* The base64url of `value` serialized compactly (keys in insertion order). */
static char *encode_part(const json_t *value)
{
    char *text = json_dumps(value, JSON_COMPACT);
    char *encoded = text ? gcp_base64url((const unsigned char *)text, strlen(text)) : NULL;

    free(text);
    return encoded;
}

/* The RS256 signature of `input` with `key`, base64url. */
static char *sign(EVP_PKEY *key, const char *input)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    char *encoded = NULL;

    if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
        EVP_DigestSign(md, NULL, &sig_len, (const unsigned char *)input, strlen(input)) != 1)
        goto out;
    sig = malloc(sig_len);
    if (!sig || EVP_DigestSign(md, sig, &sig_len, (const unsigned char *)input, strlen(input)) != 1)
        goto out;
    encoded = gcp_base64url(sig, sig_len);
out:
    free(sig);
    EVP_MD_CTX_free(md);
    return encoded;
}

char *gcp_jwt_assertion(void *key, const char *key_id, const char *client_email, const char *scope,
                        const char *aud, int64_t now_s)
{
    json_t *header = json_pack("{s:s, s:s}", "alg", "RS256", "typ", "JWT");
    json_t *claims =
        json_pack("{s:s, s:s, s:s, s:I, s:I}", "iss", client_email, "scope", scope, "aud", aud,
                  "iat", (json_int_t)now_s, "exp", (json_int_t)(now_s + 3600));
    char *head = NULL, *body = NULL, *signature = NULL, *jwt = NULL;
    fwkx_buf input = FWKX_BUF_INIT;

    if (!key || !header || !claims)
        goto out;
    if (key_id && *key_id)
        json_object_set_new(header, "kid", json_string(key_id));
    head = encode_part(header);
    body = encode_part(claims);
    if (!head || !body || fwkx_buf_addf(&input, "%s.%s", head, body) != 0)
        goto out;
    signature = sign(key, fwkx_buf_str(&input));
    if (signature && fwkx_buf_addf(&input, ".%s", signature) == 0)
        jwt = fwkx_buf_take(&input);
out:
    fwkx_buf_free(&input);
    free(head);
    free(body);
    free(signature);
    json_decref(header);
    json_decref(claims);
    return jwt;
}
