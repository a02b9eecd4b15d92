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
} iso_proxy;

/* Start `exe ISOLATE_WORKER_ARG` with its pipes. Returns a new child, or NULL with err. */
iso_child *iso_spawn(const char *exe, diag *err);
/* Wait for the child to end, at most `wait_ms`, then SIGKILL it and wait; the status in
 *wstatus. Closes its descriptors and frees it. */
void iso_reap(iso_child *ch, int wait_ms, int *wstatus);
/* "killed by signal 11 (SIGSEGV)" or "exited with status 3", in buf. */
void iso_describe_end(int wstatus, char *buf, size_t size);

#endif
