/* isolate_frame.h: the framing between fawkes and an isolated plugin process: each message is
   a 4-byte little-endian length, a 1-byte type and a compact JSON payload (jansson). */
#ifndef HOST_ISOLATE_FRAME_H
#define HOST_ISOLATE_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* The largest payload either side accepts: a bigger length is a corrupt stream. */
#define FRAME_MAX_BYTES (256u * 1024u * 1024u)

/* Message types. Parent to child: HELLO, CALL, QUIT. Child to parent: the rest. */
typedef enum frame_type {
    FRAME_HELLO = 'H',    /* {"plugin_path", "instance", "config", "limits", ...} */
    FRAME_CALL = 'C',     /* {"op", ...the operation's arguments} */
    FRAME_QUIT = 'Q',     /* no payload: fini and exit */
    FRAME_RESOURCE = 'R', /* one emitted resource, the JSON itself */
    FRAME_FINDING = 'F',  /* one emitted finding, the JSON itself */
    FRAME_LOG = 'L',      /* {"level", "text"} */
    FRAME_SECRET = 'S',   /* {"value"}: a secret the child resolved, for the parent to redact */
    FRAME_DONE = 'D'      /* {"status", "message"?, "result"?, "malformed", "counters"} */
} frame_type;

/* A buffered writer of frames on one file descriptor. Not thread-safe (one per pipe). */
typedef struct frame_writer {
    int fd;
    char *buf;
    size_t len, cap;
    int failed;            /* a write failed (the reader is gone): every later call fails */
    uint64_t queued_bytes; /* every byte ever queued (frames' sizes are its differences) */
    int manual;            /* set: frame_put_json never writes; only frame_flush does */
} frame_writer;

/* A buffered reader of frames on one file descriptor. Not thread-safe (one per pipe). */
typedef struct frame_reader {
    int fd;
    char *buf;
    size_t start, len, cap; /* bytes [start, start+len) of buf are unread */
    char *scratch;          /* the JSON parser's buffer (fwkx.h) */
    size_t scratch_cap;
} frame_reader;

/* Set up over `fd` (not owned: the caller closes it). */
void frame_writer_init(frame_writer *w, int fd);
void frame_reader_init(frame_reader *r, int fd);
/* Free the buffers (the fd is left open). */
void frame_writer_free(frame_writer *w);
void frame_reader_free(frame_reader *r);

/*
 * frame_put_json: queue one frame of `type` with `value` (borrowed; NULL: empty payload) as
 * compact JSON. Frames are written when the buffer passes 64 KiB or at frame_flush. Returns 0,
 * or -1 when the value cannot be encoded, memory runs out or the descriptor fails (errno).
 */
int frame_put_json(frame_writer *w, frame_type type, const json_t *value);
/* Write everything queued. Returns 0, or -1 (errno set) when the descriptor fails. */
int frame_flush(frame_writer *w);

/*
 * frame_next: the next whole frame: its type in *type and its payload (not NUL-terminated,
 * valid until the next call on `r`) in *payload, *len. Reads from the descriptor as needed,
 * waiting at most `wait_ms` for data (-1: forever). Returns 1 with a frame; 0 at the end of
 * the stream between frames; -2 when `wait_ms` passed with no whole frame (call again);
 * -1 on a read error, a stream that ends inside a frame, or a length over FRAME_MAX_BYTES.
 */
int frame_next(frame_reader *r, int wait_ms, int *type, const char **payload, size_t *len);

/* A frame's payload as JSON: a new reference, or NULL when it is not valid JSON. Uses the
   reader's scratch buffer. */
json_t *frame_json(frame_reader *r, const char *payload, size_t len);

#endif
