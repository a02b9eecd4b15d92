/* history_pages.c: pages of finding records, compressed with zlib for the state file. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "history_internal.h"

static int hex_value(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int hpage_packs_fingerprint(const char *fingerprint)
{
    size_t i = 0;
    while (i < 64 && hex_value(fingerprint[i]) >= 0)
        i++;
    return i == 64 && fingerprint[64] == '\0';
}

int hpage_add(fwkx_buf *page, const uint8_t *key, const char *fingerprint, const char *json,
              size_t len)
{
    uint8_t head[HISTORY_KEY_BYTES + 5 + 32];
    size_t head_len = HISTORY_KEY_BYTES + 5;
    memcpy(head, key, HISTORY_KEY_BYTES);
    for (int i = 0; i < 4; i++)
        head[HISTORY_KEY_BYTES + i] = (uint8_t)(len >> (8 * i));
    head[HISTORY_KEY_BYTES + 4] = 0;
    if (fingerprint && hpage_packs_fingerprint(fingerprint)) {
        uint8_t packed[32];
        for (size_t b = 0; b < 32; b++)
            packed[b] =
                (uint8_t)(hex_value(fingerprint[2 * b]) << 4 | hex_value(fingerprint[2 * b + 1]));
        /* The key of a hex fingerprint is its first bytes (hkey_of): then only the rest is
           stored (flag 2; random bytes do not compress, so this is 16 bytes a record). */
        bool keyed = memcmp(packed, key, HISTORY_KEY_BYTES) == 0;
        head[HISTORY_KEY_BYTES + 4] = keyed ? 2 : 1;
        size_t skip = keyed ? HISTORY_KEY_BYTES : 0;
        memcpy(head + head_len, packed + skip, 32 - skip);
        head_len += 32 - skip;
    }
    size_t before = page->len;
    if (len > UINT32_MAX || fwkx_buf_add(page, head, head_len) != 0)
        return -1;
    if (fwkx_buf_add(page, json, len) != 0) {
        page->len = before; /* leave no half record */
        return -1;
    }
    return 0;
}

int hpage_compress(const char *raw, size_t len, unsigned char **out, size_t *out_len)
{
    uLongf size = compressBound((uLong)len);
    unsigned char *blob = malloc(size ? size : 1);
    if (!blob || compress2(blob, &size, (const Bytef *)raw, (uLong)len, Z_BEST_SPEED) != Z_OK) {
        free(blob);
        return -1;
    }
    *out = blob;
    *out_len = size;
    return 0;
}

int hpage_uncompress(const void *blob, size_t len, size_t raw_len, char **out)
{
    char *raw = malloc(raw_len + 1);
    uLongf size = (uLongf)raw_len;
    if (!raw || uncompress((Bytef *)raw, &size, blob, (uLong)len) != Z_OK || size != raw_len) {
        free(raw);
        return -1;
    }
    raw[raw_len] = '\0';
    *out = raw;
    return 0;
}

int hpage_next(const char *raw, size_t raw_len, size_t *pos, hpage_record *rec)
{
    if (*pos == raw_len)
        return 0;
    if (raw_len - *pos < HISTORY_KEY_BYTES + 5)
        return -1;
    const uint8_t *head = (const uint8_t *)raw + *pos;
    size_t len = 0;
    for (int i = 3; i >= 0; i--)
        len = len << 8 | head[HISTORY_KEY_BYTES + i];
    size_t start = *pos + HISTORY_KEY_BYTES + 5;
    rec->fingerprint[0] = '\0';
    int flag = head[HISTORY_KEY_BYTES + 4];
    if (flag == 1 || flag == 2) {
        /* flag 1: the 32 bytes of the fingerprint follow; flag 2: its first bytes are the
           key and the rest follows */
        static const char hex[] = "0123456789abcdef";
        size_t stored = flag == 1 ? 32 : 32 - HISTORY_KEY_BYTES;
        if (raw_len - start < stored)
            return -1;
        uint8_t bytes[32];
        if (flag == 2)
            memcpy(bytes, head, HISTORY_KEY_BYTES);
        memcpy(bytes + (32 - stored), raw + start, stored);
        for (size_t b = 0; b < 32; b++) {
            rec->fingerprint[2 * b] = hex[bytes[b] >> 4];
            rec->fingerprint[2 * b + 1] = hex[bytes[b] & 15];
        }
        rec->fingerprint[64] = '\0';
        start += stored;
    } else if (flag != 0) {
        return -1;
    }
    if (len > raw_len - start)
        return -1;
    rec->key = head;
    rec->json = raw + start;
    rec->len = len;
    *pos = start + len;
    return 1;
}
