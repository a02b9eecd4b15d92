/* audit_key.c: the audit log's Ed25519 keys: load, sign, verify, generate (OpenSSL 3). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "audit_internal.h"

void audit_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    out[0] = '\0';
    if (EVP_Digest(data, len, digest, &n, EVP_sha256(), NULL) != 1)
        n = 0;
    for (unsigned int i = 0; i < n && i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

int audit_entry_hash(const json_t *entry, char out[65])
{
    json_t *copy = json_copy((json_t *)entry);
    if (!copy)
        return -1;
    json_object_del(copy, "hash");
    json_object_del(copy, "sig");
    char *text = json_dumps(copy, AUDIT_DUMP_FLAGS);
    json_decref(copy);
    if (!text)
        return -1;
    audit_sha256_hex(text, strlen(text), out);
    free(text);
    return 0;
}

void audit_head_message(json_int_t seq, const char *hash, char *buf, size_t size)
{
    snprintf(buf, size, AUDIT_HEAD_DOMAIN "%" JSON_INTEGER_FORMAT ":%s", seq, hash);
}

/* key->id from the DER SubjectPublicKeyInfo of its public half. */
static int set_id(audit_key *key)
{
    unsigned char *der = NULL;
    int len = i2d_PUBKEY(key->pkey, &der);
    if (len <= 0)
        return -1;
    char hex[65];
    audit_sha256_hex(der, (size_t)len, hex);
    OPENSSL_free(der);
    memcpy(key->id, hex, 16);
    key->id[16] = '\0';
    return 0;
}

static audit_key *wrap(EVP_PKEY *pkey, bool has_private, const char *where, diag *err)
{
    if (EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) {
        diag_set(err, "%s: not an Ed25519 key (%s); make one with `fawkes audit keygen FILE`",
                 where, EVP_PKEY_get0_type_name(pkey) ? EVP_PKEY_get0_type_name(pkey) : "?");
        EVP_PKEY_free(pkey);
        return NULL;
    }
    audit_key *key = calloc(1, sizeof *key);
    if (!key) {
        EVP_PKEY_free(pkey);
        diag_set(err, "%s: out of memory", where);
        return NULL;
    }
    key->pkey = pkey;
    key->has_private = has_private;
    if (set_id(key) != 0) {
        audit_key_free(key);
        diag_set(err, "%s: cannot encode the public key", where);
        return NULL;
    }
    return key;
}

audit_key *audit_key_from_private_pem(const char *pem, diag *err)
{
    const char *where = "security.audit_signing_key";
    BIO *bio = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    ERR_clear_error();
    if (!pkey) {
        diag_set(err,
                 "%s: not a PEM private key (expected \"-----BEGIN PRIVATE KEY-----\", "
                 "unencrypted PKCS#8); make one with `fawkes audit keygen FILE`",
                 where);
        return NULL;
    }
    return wrap(pkey, true, where, err);
}

audit_key *audit_key_load_public(const char *path, diag *err)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        diag_set(err, "%s: cannot read the public key: %s", path, strerror(errno));
        return NULL;
    }
    EVP_PKEY *pkey = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    bool has_private = false;
    if (!pkey) {
        rewind(f);
        pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
        has_private = pkey != NULL;
    }
    fclose(f);
    ERR_clear_error();
    if (!pkey) {
        diag_set(err,
                 "%s: not a PEM public key (expected \"-----BEGIN PUBLIC KEY-----\", as "
                 "written by `fawkes audit keygen`)",
                 path);
        return NULL;
    }
    return wrap(pkey, has_private, path, err);
}

void audit_key_id(const audit_key *key, char out[17])
{
    memcpy(out, key->id, 17);
}

void audit_key_free(audit_key *key)
{
    if (!key)
        return;
    EVP_PKEY_free(key->pkey);
    free(key);
}

char *audit_sign(const audit_key *key, const char *message)
{
    if (!key || !key->has_private)
        return NULL;
    unsigned char sig[64];
    size_t sig_len = sizeof sig;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok =
        md && EVP_DigestSignInit(md, NULL, NULL, NULL, key->pkey) == 1 &&
        EVP_DigestSign(md, sig, &sig_len, (const unsigned char *)message, strlen(message)) == 1;
    EVP_MD_CTX_free(md);
    if (!ok) {
        ERR_clear_error();
        return NULL;
    }
    char *out = malloc(4 * ((sig_len + 2) / 3) + 1);
    if (out)
        EVP_EncodeBlock((unsigned char *)out, sig, (int)sig_len);
    return out;
}

bool audit_sig_ok(const audit_key *key, const char *message, const char *sig)
{
    if (!key || !sig)
        return false;
    size_t len = strlen(sig);
    if (len != 88) /* 64 bytes in base64 */
        return false;
    unsigned char raw[67];
    if (EVP_DecodeBlock(raw, (const unsigned char *)sig, (int)len) != 66)
        return false;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    bool ok = md && EVP_DigestVerifyInit(md, NULL, NULL, NULL, key->pkey) == 1 &&
              EVP_DigestVerify(md, raw, 64, (const unsigned char *)message, strlen(message)) == 1;
    EVP_MD_CTX_free(md);
    ERR_clear_error();
    return ok;
}

/* Write the key's private (PKCS#8) or public PEM to a new file `path` (O_EXCL) with `mode`. */
static int write_new(const char *path, mode_t mode, EVP_PKEY *pkey, bool private_part, diag *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        diag_set(err, "%s: %s%s", path, strerror(errno),
                 errno == EEXIST ? ": refusing to overwrite a key; remove it or pick another name"
                                 : "");
        return -1;
    }
    if (fchmod(fd, mode) != 0) { /* whatever the umask */
        diag_set(err, "%s: cannot set mode %o: %s", path, (unsigned)mode, strerror(errno));
        close(fd);
        unlink(path);
        return -1;
    }
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(path);
        diag_set(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    int ok = private_part ? PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL)
                          : PEM_write_PUBKEY(f, pkey);
    ok = ok && fflush(f) == 0 && fsync(fileno(f)) == 0;
    if (fclose(f) != 0)
        ok = 0;
    ERR_clear_error();
    if (!ok) {
        unlink(path);
        diag_set(err, "%s: cannot write the key", path);
        return -1;
    }
    return 0;
}

int audit_keygen(const char *private_path, const char *public_path, char key_id_out[17], diag *err)
{
    EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    if (!pkey) {
        ERR_clear_error();
        diag_set(err, "cannot generate an Ed25519 key (OpenSSL)");
        return -1;
    }
    audit_key *key = wrap(pkey, true, private_path, err);
    if (!key)
        return -1;
    int rc = -1;
    if (write_new(private_path, 0600, key->pkey, true, err) == 0) {
        if (write_new(public_path, 0644, key->pkey, false, err) == 0)
            rc = 0;
        else
            unlink(private_path);
    }
    if (rc == 0)
        audit_key_id(key, key_id_out);
    audit_key_free(key);
    return rc;
}
