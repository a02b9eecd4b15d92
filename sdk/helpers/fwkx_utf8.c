/* fwkx_utf8.c: cutting UTF-8 text to a byte limit without splitting a character. */
#include <stdlib.h>
#include <string.h>

#include "fawkes/fwkx.h"

size_t fwkx_utf8_prefix(const char *text, size_t len, size_t max_bytes)
{
    size_t keep;

    if (len <= max_bytes)
        return len;
    keep = max_bytes;
    /* text[keep] is the first byte left out: while it continues a sequence, the sequence it
       belongs to is cut, so leave it out whole. Three steps back at most (4-byte sequences);
       beyond that the bytes are not UTF-8 and each counts alone. */
    for (int steps = 0; keep > 0 && steps < 3; steps++) {
        if (((unsigned char)text[keep] & 0xC0) != 0x80)
            return keep;
        keep--;
    }
    if (((unsigned char)text[keep] & 0xC0) == 0x80)
        return max_bytes; /* not UTF-8: a cut anywhere is as good as any */
    return keep;
}

size_t fwkx_utf8_truncate(char *text, size_t max_bytes)
{
    size_t len = fwkx_utf8_prefix(text, strlen(text), max_bytes);
    text[len] = '\0';
    return len;
}

char *fwkx_utf8_ellipsize(const char *text, size_t max_bytes)
{
    static const char ellipsis[] = "\xe2\x80\xa6";
    size_t len = strlen(text), keep;
    char *out;

    if (len <= max_bytes)
        return strdup(text);
    if (max_bytes < sizeof ellipsis - 1)
        return NULL;
    keep = fwkx_utf8_prefix(text, len, max_bytes - (sizeof ellipsis - 1));
    out = malloc(keep + sizeof ellipsis);
    if (!out)
        return NULL;
    memcpy(out, text, keep);
    memcpy(out + keep, ellipsis, sizeof ellipsis);
    return out;
}
