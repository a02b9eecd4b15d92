/* history_keys.c: fingerprint keys, and the baseline's keys a chain's deltas look up. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "history_internal.h"

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

bool hkey_fingerprint_bytes(const char *fingerprint, uint8_t out[32])
{
    for (size_t b = 0; b < 32; b++) {
        int high = hex_value(fingerprint[2 * b]);
        int low = high < 0 ? -1 : hex_value(fingerprint[2 * b + 1]);
        if (low < 0)
            return false;
        out[b] = (uint8_t)(high << 4 | low);
    }
    return fingerprint[64] == '\0';
}

void hkey_of(const char *fingerprint, uint8_t key[HISTORY_KEY_BYTES])
{
    uint8_t bytes[32];
    if (hkey_fingerprint_bytes(fingerprint, bytes)) {
        memcpy(key, bytes, HISTORY_KEY_BYTES);
        return;
    }
    size_t len = strlen(fingerprint);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_Digest(fingerprint, len, digest, &n, EVP_sha256(), NULL) != 1 ||
        n < HISTORY_KEY_BYTES) {
        /* cannot happen with OpenSSL's built-in SHA-256; keep the key defined anyway */
        memset(key, 0, HISTORY_KEY_BYTES);
        memcpy(key, fingerprint, len < HISTORY_KEY_BYTES ? len : HISTORY_KEY_BYTES);
        return;
    }
    memcpy(key, digest, HISTORY_KEY_BYTES);
}

/* The first two bytes of a key: its bucket. */
static unsigned bucket_of(const uint8_t *key)
{
    return (unsigned)key[0] << 8 | key[1];
}

/* Index `set` (its keys loaded in ascending order). 0, or -1 when out of memory. */
static int index_set(hbase_set *set)
{
    set->bucket = malloc(65537 * sizeof *set->bucket);
    if (!set->bucket)
        return -1;
    size_t k = 0;
    for (unsigned b = 0; b < 65536; b++) {
        set->bucket[b] = (uint32_t)k;
        while (k < set->count && bucket_of(set->keys + k * HBASE_KEY_BYTES) == b)
            k++;
    }
    set->bucket[65536] = (uint32_t)set->count;
    return 0;
}

/* Room for one more key in `set` (doubling; *cap keys). 0, or -1 when out of memory. */
static int set_room(hbase_set *set, size_t *cap)
{
    if (set->count < *cap)
        return 0;
    size_t more = *cap ? *cap * 2 : 4096;
    if (more > UINT32_MAX)
        return -1;
    uint8_t *grown = realloc(set->keys, more * HBASE_KEY_BYTES);
    if (!grown)
        return -1;
    set->keys = grown;
    *cap = more;
    return 0;
}

/* Give back the room left over once the set is loaded. */
static void set_trim(hbase_set *set)
{
    uint8_t *trimmed = realloc(set->keys, set->count ? set->count * HBASE_KEY_BYTES : 1);
    if (trimmed)
        set->keys = trimmed;
}

int hbase_load(hbase *b, state_store *st, int64_t seq, diag *err)
{
    hbase_free(b);
    size_t fail_cap = 0, error_cap = 0;
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(state_db(st),
                           "SELECT fp, status FROM history_keys WHERE seq = ? AND status IN "
                           "(1, 2) ORDER BY fp",
                           -1, &stmt, NULL) != SQLITE_OK) {
        diag_set(err, "%s: reading the baseline run: %s", state_file(st),
                 sqlite3_errmsg(state_db(st)));
        hbase_free(b);
        return -1;
    }
    sqlite3_bind_int64(stmt, 1, seq);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (sqlite3_column_bytes(stmt, 0) != HISTORY_KEY_BYTES)
            continue; /* a row we cannot read is treated as absent */
        bool fail = sqlite3_column_int(stmt, 1) == HKEY_FAIL;
        hbase_set *set = fail ? &b->fail : &b->error;
        if (set_room(set, fail ? &fail_cap : &error_cap) != 0) {
            rc = SQLITE_NOMEM;
            break;
        }
        memcpy(set->keys + set->count * HBASE_KEY_BYTES, sqlite3_column_blob(stmt, 0),
               HBASE_KEY_BYTES);
        set->count++;
    }
    sqlite3_finalize(stmt);
    if (rc == SQLITE_NOMEM) {
        diag_set(err, "out of memory loading the baseline run (%zu findings)",
                 b->fail.count + b->error.count);
        hbase_free(b);
        return -1;
    }
    if (rc != SQLITE_DONE) {
        diag_set(err, "%s: reading the baseline run: %s", state_file(st),
                 sqlite3_errmsg(state_db(st)));
        hbase_free(b);
        return -1;
    }
    set_trim(&b->fail);
    set_trim(&b->error);
    if (index_set(&b->fail) != 0 || index_set(&b->error) != 0) {
        hbase_free(b);
        diag_set(err, "out of memory loading the baseline run");
        return -1;
    }
    return 0;
}

bool hbase_has(const hbase *b, int status, const uint8_t *key)
{
    const hbase_set *set = status == HKEY_FAIL ? &b->fail : status == HKEY_ERROR ? &b->error : NULL;
    if (!set || !set->bucket)
        return false;
    unsigned bucket = bucket_of(key);
    size_t low = set->bucket[bucket], high = set->bucket[bucket + 1];
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        int cmp = memcmp(set->keys + mid * HBASE_KEY_BYTES, key, HBASE_KEY_BYTES);
        if (cmp == 0)
            return true;
        if (cmp < 0)
            low = mid + 1;
        else
            high = mid;
    }
    return false;
}

static void free_set(hbase_set *set)
{
    free(set->keys);
    free(set->bucket);
    memset(set, 0, sizeof *set);
}

void hbase_free(hbase *b)
{
    free_set(&b->fail);
    free_set(&b->error);
}
