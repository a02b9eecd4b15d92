/* isolate_frame.c: length-prefixed JSON frames over a pipe (see isolate_frame.h). */
#include "isolate_frame.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "fawkes/fwkx.h"

#define FRAME_HEADER 5          /* length (4) + type (1) */
#define FRAME_FLUSH_AT 65536    /* the writer's buffer is written out past this */
#define FRAME_READ_CHUNK 131072 /* the reader asks for at least this much at a time */
#define FRAME_GUESS 16384       /* room made for a frame before encoding it */

void frame_writer_init(frame_writer *w, int fd)
{
    memset(w, 0, sizeof *w);
    w->fd = fd;
}

void frame_reader_init(frame_reader *r, int fd)
{
    memset(r, 0, sizeof *r);
    r->fd = fd;
}

void frame_writer_free(frame_writer *w)
{
    free(w->buf);
    w->buf = NULL;
    w->len = w->cap = 0;
}

void frame_reader_free(frame_reader *r)
{
    free(r->buf);
    free(r->scratch);
    r->buf = r->scratch = NULL;
    r->start = r->len = r->cap = r->scratch_cap = 0;
}

static int reserve(frame_writer *w, size_t more)
{
    if (w->len + more <= w->cap)
        return 0;
    size_t cap = w->cap ? w->cap : FRAME_FLUSH_AT * 2;
    while (cap < w->len + more)
        cap *= 2;
    char *bigger = realloc(w->buf, cap);
    if (!bigger)
        return -1;
    w->buf = bigger;
    w->cap = cap;
    return 0;
}

static void put_u32(char *at, uint32_t value)
{
    for (int i = 0; i < 4; i++)
        at[i] = (char)((value >> (8 * i)) & 0xff);
}

static uint32_t get_u32(const char *at)
{
    uint32_t value = 0;
    for (int i = 0; i < 4; i++)
        value |= (uint32_t)(unsigned char)at[i] << (8 * i);
    return value;
}

int frame_flush(frame_writer *w)
{
    size_t done = 0;
    while (!w->failed && done < w->len) {
        ssize_t n = write(w->fd, w->buf + done, w->len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            w->failed = 1;
        else
            done += (size_t)n;
    }
    w->len = 0;
    return w->failed ? -1 : 0;
}

int frame_put_json(frame_writer *w, frame_type type, const json_t *value)
{
    if (w->failed || reserve(w, FRAME_HEADER + FRAME_GUESS) != 0)
        return -1;
    /* Encode once into the room there is; only a value bigger than that is encoded again,
       into room of its exact size (json_dumpb says how much it needs). */
    size_t room = w->cap - w->len - FRAME_HEADER, size = 0;
    if (value) {
        size =
            json_dumpb(value, w->buf + w->len + FRAME_HEADER, room, JSON_COMPACT | JSON_ENCODE_ANY);
        if (size == 0 || size > FRAME_MAX_BYTES)
            return -1;
        if (size > room && (reserve(w, FRAME_HEADER + size) != 0 ||
                            json_dumpb(value, w->buf + w->len + FRAME_HEADER, size,
                                       JSON_COMPACT | JSON_ENCODE_ANY) != size))
            return -1;
    }
    char *at = w->buf + w->len;
    put_u32(at, (uint32_t)size);
    at[4] = (char)type;
    w->len += FRAME_HEADER + size;
    w->queued_bytes += FRAME_HEADER + size;
    return w->len >= FRAME_FLUSH_AT && !w->manual ? frame_flush(w) : 0;
}

/* Make room for `want` unread bytes from buf's start. */
static int make_room(frame_reader *r, size_t want)
{
    if (r->start > 0 && r->start + want > r->cap) {
        memmove(r->buf, r->buf + r->start, r->len);
        r->start = 0;
    }
    if (want <= r->cap)
        return 0;
    size_t cap = r->cap ? r->cap : FRAME_READ_CHUNK * 2;
    while (cap < want)
        cap *= 2;
    char *bigger = realloc(r->buf, cap);
    if (!bigger)
        return -1;
    r->buf = bigger;
    r->cap = cap;
    return 0;
}

/* Read more into the buffer. Returns 1 read something, 0 EOF, -2 timed out, -1 error. */
static int fill(frame_reader *r, size_t need, int wait_ms)
{
    if (make_room(r, need > FRAME_READ_CHUNK ? need : FRAME_READ_CHUNK) != 0)
        return -1;
    int64_t deadline = wait_ms < 0 ? 0 : clock_mono_ms() + wait_ms;
    for (;;) {
        struct pollfd pfd = {.fd = r->fd, .events = POLLIN};
        int left = wait_ms < 0 ? -1 : (int)(deadline - clock_mono_ms());
        if (wait_ms >= 0 && left < 0)
            left = 0;
        int ready = poll(&pfd, 1, left);
        if (ready < 0 && errno == EINTR) {
            if (wait_ms >= 0 && clock_mono_ms() >= deadline)
                return -2;
            continue;
        }
        if (ready < 0)
            return -1;
        if (ready == 0)
            return -2;
        size_t tail = r->start + r->len;
        ssize_t n = read(r->fd, r->buf + tail, r->cap - tail);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            return 0;
        r->len += (size_t)n;
        return 1;
    }
}

int frame_next(frame_reader *r, int wait_ms, int *type, const char **payload, size_t *len)
{
    for (;;) {
        if (r->len >= FRAME_HEADER) {
            uint32_t size = get_u32(r->buf + r->start);
            if (size > FRAME_MAX_BYTES)
                return -1;
            if (r->len >= FRAME_HEADER + (size_t)size) {
                *type = (unsigned char)r->buf[r->start + 4];
                *payload = r->buf + r->start + FRAME_HEADER;
                *len = size;
                r->start += FRAME_HEADER + size;
                r->len -= FRAME_HEADER + size;
                if (r->len == 0)
                    r->start = 0;
                return 1;
            }
        }
        size_t need = r->len >= FRAME_HEADER ? FRAME_HEADER + (size_t)get_u32(r->buf + r->start)
                                             : FRAME_HEADER;
        int rc = fill(r, need, wait_ms);
        if (rc == 0)
            return r->len == 0 ? 0 : -1;
        if (rc < 0)
            return rc;
    }
}

json_t *frame_json(frame_reader *r, const char *payload, size_t len)
{
    if (len == 0)
        return NULL;
    /* The fast parser takes objects and arrays; anything else, and whatever it leaves,
       goes to jansson. */
    json_t *value = NULL;
    if (payload[0] == '{' || payload[0] == '[')
        value = fwkx_json_parse_fast(payload, len, &r->scratch, &r->scratch_cap);
    if (!value)
        value = json_loadb(payload, len, JSON_DECODE_ANY, NULL);
    return value;
}
