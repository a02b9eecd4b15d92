/* history_keys.c: fingerprint keys and the flat hash table that holds a chain's. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

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

static size_t home_slot(const uint8_t *key, size_t capacity)
{
    uint64_t top = 0;
    for (int i = 0; i < 8; i++)
        top = top << 8 | key[i];
    int bits = 0;
    while (((size_t)1 << bits) < capacity)
        bits++;
    return bits ? (size_t)(top >> (64 - bits)) : 0;
}

hkey_entry *hkey_find(const hkey_table *t, const uint8_t *key)
{
    if (t->capacity == 0)
        return NULL;
    size_t mask = t->capacity - 1;
    for (size_t i = home_slot(key, t->capacity);; i = (i + 1) & mask) {
        hkey_entry *e = &t->slots[i];
        if (!e->used)
            return NULL;
        if (memcmp(e->key, key, HISTORY_KEY_BYTES) == 0)
            return e;
    }
}

static hkey_entry *place(hkey_entry *slots, size_t capacity, const uint8_t *key)
{
    size_t mask = capacity - 1;
    for (size_t i = home_slot(key, capacity);; i = (i + 1) & mask)
        if (!slots[i].used || memcmp(slots[i].key, key, HISTORY_KEY_BYTES) == 0)
            return &slots[i];
}

/* Zeroed slots. A large table is probed at random, so it asks for transparent huge pages:
   with 4 KiB pages nearly every probe of a table of millions of keys misses the TLB and
   touches a new page (slow in a virtual machine above all). */
static hkey_entry *new_slots(size_t capacity)
{
    size_t bytes = capacity * sizeof(hkey_entry);
    const size_t huge = (size_t)2 << 20;
    if (bytes < huge)
        return calloc(capacity, sizeof(hkey_entry));
    void *slots = NULL;
    if (posix_memalign(&slots, huge, bytes) != 0)
        return NULL;
#ifdef MADV_HUGEPAGE
    madvise(slots, bytes, MADV_HUGEPAGE); /* advice only: without it the table still works */
#endif
    memset(slots, 0, bytes);
    return slots;
}

static int grow_to(hkey_table *t, size_t capacity)
{
    hkey_entry *slots = new_slots(capacity);
    if (!slots)
        return -1;
    for (size_t i = 0; i < t->capacity; i++)
        if (t->slots[i].used)
            *place(slots, capacity, t->slots[i].key) = t->slots[i];
    free(t->slots);
    t->slots = slots;
    t->capacity = capacity;
    return 0;
}

/* The capacity that holds `count` keys at a load factor of at most 0.8: linear probing stays
   short with uniform keys. */
static size_t capacity_for(size_t count, size_t capacity)
{
    if (capacity == 0)
        capacity = 1024;
    while (count * 5 > capacity * 4)
        capacity *= 2;
    return capacity;
}

int hkey_reserve(hkey_table *t, size_t count)
{
    size_t capacity = capacity_for(count, t->capacity);
    return capacity == t->capacity ? 0 : grow_to(t, capacity);
}

hkey_entry *hkey_insert(hkey_table *t, const uint8_t *key)
{
    size_t capacity = capacity_for(t->count + 1, t->capacity);
    if (capacity != t->capacity && grow_to(t, capacity) != 0)
        return NULL;
    hkey_entry *e = place(t->slots, t->capacity, key);
    if (!e->used) {
        memset(e, 0, sizeof *e);
        memcpy(e->key, key, HISTORY_KEY_BYTES);
        e->used = 1;
        t->count++;
    }
    return e;
}

void hkey_free(hkey_table *t)
{
    free(t->slots);
    memset(t, 0, sizeof *t);
}
