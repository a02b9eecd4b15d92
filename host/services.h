/* services.h: the per-call context handed to plugins and the host services table. */
#ifndef HOST_SERVICES_H
#define HOST_SERVICES_H

#include <stddef.h>

#include <jansson.h>

#include "fawkes/fawkes.h"
#include "instance.h"

/* The per-call context handed to plugins (opaque to them). Lives on the caller's stack. */
struct fwk_ctx {
    run *run; /* NULL outside a run (e.g. plugins inspect) */
    instance *inst;
    const char *operation;  /* "init", "plan_tasks", "run_task", "scan_resource", ... */
    const char *task;       /* task name, or NULL */
    const json_t *resource; /* the resource being scanned or judged, or NULL */
    char *message;          /* set by host->fail (owned) */
    size_t malformed;       /* resources dropped for being malformed during this call */
    char *first_malformed;  /* why the first one was dropped (owned) */
    struct fwk_ctx *prev;   /* the call this thread was in before (crash.h) */
};

/* Set up / tear down a context: between the two, a crash names this call (crash.h). Every
   ctx_init is paired with a ctx_finish on the same thread, innermost first. */
void ctx_init(fwk_ctx *ctx, run *r, instance *inst, const char *operation, const char *task);
void ctx_finish(fwk_ctx *ctx);

/* ctx_resource_check: check an emitted resource against the model (resource_complete, which
   fills its defaults). Returns 0 when it is complete. Otherwise records it on ctx as a
   malformed resource (counted, the first reason kept: the run's failures report them) and
   sets ctx's message to the reason, redacted (the plugin reads it back; its own host->fail
   replaces it), releases `resource` and returns -1. Not thread-safe on one ctx. */
int ctx_resource_check(fwk_ctx *ctx, json_t *resource);

/* The host services table handed to every plugin. Static; thread-safe. */
const fwk_host *host_services(void);

#endif
