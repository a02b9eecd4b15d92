/* fwkx_buf.c: a growable NUL-terminated buffer with printf-append and URL escaping. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fawkes/fwkx.h"

/* Make room for `extra` more bytes and the NUL. 0, or -1 with `failed` set. */
int fwkx_buf_reserve(fwkx_buf *buf, size_t extra)
{
    size_t need, cap;
    char *grown;

    if (extra > SIZE_MAX - buf->len - 1)
        goto fail;
    need = buf->len + extra + 1;
    if (need <= buf->cap)
        return 0;
    cap = buf->cap ? buf->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    grown = realloc(buf->data, cap);
    if (!grown)
        goto fail;
    buf->data = grown;
    buf->cap = cap;
    return 0;
fail:
    buf->failed = 1;
    return -1;
}

int fwkx_buf_add(fwkx_buf *buf, const void *bytes, size_t len)
{
    if (fwkx_buf_reserve(buf, len) != 0)
        return -1;
    if (len)
        memcpy(buf->data + buf->len, bytes, len);
    buf->len += len;
    buf->data[buf->len] = '\0';
    return 0;
}

int fwkx_buf_adds(fwkx_buf *buf, const char *text)
{
    return fwkx_buf_add(buf, text, strlen(text));
}

int fwkx_buf_vaddf(fwkx_buf *buf, const char *fmt, va_list ap)
{
    va_list again;
    int needed;

    va_copy(again, ap);
    needed = vsnprintf(NULL, 0, fmt, ap);
    if (needed < 0 || fwkx_buf_reserve(buf, (size_t)needed) != 0) {
        buf->failed = 1;
        va_end(again);
        return -1;
    }
    vsnprintf(buf->data + buf->len, buf->cap - buf->len, fmt, again);
    va_end(again);
    buf->len += (size_t)needed;
    return 0;
}

int fwkx_buf_addf(fwkx_buf *buf, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = fwkx_buf_vaddf(buf, fmt, ap);
    va_end(ap);
    return rc;
}

int fwkx_buf_add_escaped(fwkx_buf *buf, const char *text)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t len = strlen(text);

    /* At most three bytes per byte: reserve once, then write in place. */
    if (len > (SIZE_MAX - 1) / 3 || fwkx_buf_reserve(buf, len * 3) != 0) {
        buf->failed = 1;
        return -1;
    }
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.' || *p == '~') {
            buf->data[buf->len++] = (char)*p;
        } else {
            buf->data[buf->len++] = '%';
            buf->data[buf->len++] = hex[*p >> 4];
            buf->data[buf->len++] = hex[*p & 0xF];
        }
    }
    buf->data[buf->len] = '\0';
    return 0;
}

const char *fwkx_buf_str(const fwkx_buf *buf)
{
    return buf->data ? buf->data : "";
}

char *fwkx_buf_take(fwkx_buf *buf)
{
    char *text = buf->failed ? NULL : buf->data;

    if (!buf->failed && !text)
        text = calloc(1, 1);
    if (buf->failed)
        free(buf->data);
    buf->data = NULL;
    buf->len = buf->cap = 0;
    buf->failed = 0;
    return text;
}

void fwkx_buf_free(fwkx_buf *buf)
{
    free(buf->data);
    buf->data = NULL;
    buf->len = buf->cap = 0;
    buf->failed = 0;
}
