/* isolate_internal.h: what isolate.c (the proxy) and isolate_proc.c (the child processes)
   share. Not for other modules: see isolate.h. */
#ifndef HOST_ISOLATE_INTERNAL_H
#define HOST_ISOLATE_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "fawkes/fawkes.h"
#include "diag.h"
#include "instance.h"
#include "isolate.h"
#include "isolate_frame.h"

/* The descriptors the worker finds its pipes on. */
#define ISOLATE_FD_IN 3
#define ISOLATE_FD_OUT 4

/* One child process and its two pipes. */
typedef struct iso_child {
    pid_t pid;
    int to_fd, from_fd; /* the parent's ends (requests, answers) */
    frame_writer out;
    frame_reader in;
    bool busy;            /* a call is using it */
    int64_t term_sent_ms; /* when SIGTERM was sent (cancellation), or 0 */
    size_t pipe_bytes;    /* what the request pipe holds unread before a write blocks */
} iso_child;

/* The proxy plugin of one isolated instance (plugin first: a plugin * is an iso_proxy *). */
typedef struct iso_proxy {
    plugin pub;
    fwk_plugin_descriptor desc;
    union {
        fwk_provider_vtable provider;
        fwk_scanner_vtable scanner;
    } vt;
    const plugin *real;
    const config_instance *conf;
    char *exe;     /* the fawkes binary */
    json_t *audit; /* {"log", "key", "forward"} of the config, or NULL */
    json_t *hello; /* the HELLO payload, built by init */
    instance *inst;
    pthread_mutex_t lock; /* guards what follows */
    pthread_cond_t changed;
    iso_child **slots; /* max entries, NULL when free */
    size_t max, starting;
    int deaths;
    bool broken_logged;
    /* A scanner's resources in flight (isolate_scan.c): sent, their DONE not yet read, in
       order. Guarded by scan_lock, which also owns scan_child while it is held. */
    pthread_mutex_t scan_lock;
    iso_child *scan_child;
    run *scan_run;
    json_t **window;      /* ISOLATE_SCAN_WINDOW entries, a ring */
    size_t *window_sizes; /* the bytes of each one's request frame */
    size_t window_head, window_count;
    size_t window_bytes; /* their sum: kept within the request pipe (see isolate_scan.c) */
} iso_proxy;

/* Resources a scanner's process may have queued before the caller waits for one to finish. */
#define ISOLATE_SCAN_WINDOW 128

/* isolate.c, shared with isolate_scan.c. */
/* Replace ctx's message by `text` (redacted). */
void iso_set_message(fwk_ctx *ctx, const char *text);
/* Say on ctx that the child ended in the call ctx describes: plugin, instance, call, signal. */
void iso_report_death(iso_proxy *px, fwk_ctx *ctx, int wstatus);
/* Apply a DONE frame to ctx (message, malformed, counters); the status; *result when asked. */
fwk_status iso_take_done(iso_proxy *px, fwk_ctx *ctx, json_t *done, json_t **result);
/* Log a LOG frame under ctx's instance (and task). */
void iso_take_log(fwk_ctx *ctx, json_t *line);
/* While a call waits: SIGTERM the child once the run is cancelled, SIGKILL after the grace. */
void iso_pass_on_cancel(iso_child *ch);
/* Send `call` (NULL: none) and read until DONE; a dead child is reaped, *died set. */
fwk_status iso_converse(iso_proxy *px, iso_child *ch, fwk_ctx *ctx, const json_t *call,
                        json_t **result, bool *died);
/* A child for a call (idle, new, or the next freed), or NULL with why on ctx. */
iso_child *iso_acquire(iso_proxy *px, fwk_ctx *ctx, fwk_status *status);
/* Give the child back (died: forget it and count the death). */
void iso_release(iso_proxy *px, iso_child *ch, bool died);

/* isolate_scan.c: a scanner's scan_resource calls, pipelined. */
/* Queue `resource` (borrowed) for the scanner's process; its findings and failures reach the
   run as they come back. FWK_OK once queued. Thread-safe. */
fwk_status iso_scan_resource(iso_proxy *px, fwk_ctx *ctx, const json_t *resource);
/* Wait for every queued resource's findings. Thread-safe. */
void iso_scan_drain(iso_proxy *px);

/* Start `exe ISOLATE_WORKER_ARG` with its pipes. Returns a new child, or NULL with err. */
iso_child *iso_spawn(const char *exe, diag *err);
/* Wait for the child to end, at most `wait_ms`, then SIGKILL it and wait; the status in
 *wstatus. Closes its descriptors and frees it. */
void iso_reap(iso_child *ch, int wait_ms, int *wstatus);
/* "killed by signal 11 (SIGSEGV)" or "exited with status 3", in buf. */
void iso_describe_end(int wstatus, char *buf, size_t size);

#endif
