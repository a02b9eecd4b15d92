/* history_pages.c: pages of finding records, compressed with zlib for the state file. */
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "history_internal.h"

int hpage_add(fwkx_buf *page, const uint8_t *key, const char *json, size_t len)
{
    uint8_t head[HISTORY_KEY_BYTES + 4];
    memcpy(head, key, HISTORY_KEY_BYTES);
    for (int i = 0; i < 4; i++)
        head[HISTORY_KEY_BYTES + i] = (uint8_t)(len >> (8 * i));
    if (len > UINT32_MAX || fwkx_buf_add(page, head, sizeof head) != 0)
        return -1;
    if (fwkx_buf_add(page, json, len) != 0) {
        page->len -= sizeof head; /* leave no half record */
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
    if (raw_len - *pos < HISTORY_KEY_BYTES + 4)
        return -1;
    const uint8_t *head = (const uint8_t *)raw + *pos;
    size_t len = 0;
    for (int i = 3; i >= 0; i--)
        len = len << 8 | head[HISTORY_KEY_BYTES + i];
    size_t start = *pos + HISTORY_KEY_BYTES + 4;
    if (len > raw_len - start)
        return -1;
    rec->key = head;
    rec->json = raw + start;
    rec->len = len;
    *pos = start + len;
    return 1;
}
