/*
 * fawkes_fake_host.h: a fake Fawkes host for plugin unit tests (cmocka).
 *
 * What it is. `fake_host()` returns a complete `const fwk_host *` (every service of the SDK's
 * ABI, `mail_send` included) whose services do nothing real: they record what the plugin did
 * and answer from what the test set up. The test passes that table and a context from
 * `fake_host_ctx_new()` to the plugin's `init`, `plan_tasks`, `run_task`, `scan_resource`,
 * `notify`... and then inspects the context:
 *
 *   recorded                              read it with
 *   log lines ("warn: text")              fake_host_logs, fake_host_log_line, fake_host_log_find
 *   fail messages (the last one, and all) fake_host_failure, fake_host_failures
 *   emitted resources and findings        fake_host_resources, fake_host_findings (JSON arrays)
 *   counters by name                      fake_host_counter, fake_host_counters
 *   HTTP requests                         fake_host_requests, fake_host_request,
 *                                         fake_host_request_header
 *   e-mails                               fake_host_mails
 *   cancelled() calls                     fake_host_cancel_calls
 *
 *   answered from                         set it with
 *   config()                              fake_host_set_config
 *   secret_get()                          fake_host_set_secret
 *   cancelled()                           fake_host_set_cancelled, fake_host_cancel_after
 *   http_request()                        fake_host_push_response, fake_host_push_failure,
 *                                         fake_host_push, fake_host_route
 *   mail_send()                           fake_host_push_mail_result (default: accepted)
 *   emit_resource() / emit_finding()      fake_host_set_emit_status, fake_host_on_emit
 *
 * A typical test:
 *
 *     fwk_ctx *ctx = fake_host_ctx_new();
 *     void *instance = NULL;
 *     json_t *config = fake_host_json("{\"url\": \"https://api.test/items\"}");
 *     fake_host_push_response(ctx, 200, "[\"north\", \"south\"]");
 *     assert_int_equal(desc->init(fake_host(), ctx, config, &instance), FWK_OK);
 *     assert_int_equal(vtable->run_task(ctx, instance, task), FWK_OK);
 *     assert_int_equal(json_array_size(fake_host_resources(ctx)), 2);
 *     assert_string_equal(json_string_value(json_object_get(fake_host_request(ctx, 0), "url")),
 *                         "https://api.test/items");
 *     desc->fini(instance);
 *     json_decref(config);
 *     fake_host_ctx_free(ctx);
 *
 * HTTP. Every request is recorded, in order, as
 *     {"method": "GET", "url": "...", "headers": [["Name", "value"], ...],
 *      "body": "text" or null, "flags": FWK_HTTP_* bits}
 * and answered from what the test pushed: the first pushed one-shot response whose method and
 * URL match (NULL matches any; so plain pushes are served first in, first out) is used up;
 * when none matches, the route (fake_host_route, or fake_host_push with .repeat) pushed last
 * for that method and URL answers, as often as asked. A request nothing answers fails the
 * test, naming the request. A response is FWK_OK with its status, body, headers and attempts;
 * a failure (fake_host_push_failure) returns FWK_ERROR or FWK_CANCELLED with its message set
 * on the context, as the real host does when it gets no response at all.
 *
 * Fidelity. The fake checks nothing the real host checks: no egress allowlist, no resource
 * validation, no secret redaction (log lines and failures are recorded as the plugin wrote
 * them, which lets a test assert that a secret never reaches them), no retries (a canned
 * response's `attempts` is what the plugin sees). Counters accept any name.
 *
 * Ownership. A context owns everything it records and everything pushed into it (strings
 * and headers are copied when pushed). The JSON arrays and objects the accessors return are
 * borrowed from the context: valid until fake_host_ctx_clear() or fake_host_ctx_free(); a
 * test may modify them (e.g. json_array_clear(fake_host_resources(ctx))). A secret handed
 * out by secret_get() is the plugin's to free with host->free, as with the real host;
 * responses with host->http_response_free.
 *
 * Thread-safety: none. The fake host is single-threaded: one test thread calls the plugin
 * and the fake services. Contexts are independent of each other; the services table is
 * constant and shared.
 *
 * Failures of the test itself (a request nothing answers, JSON text that does not parse,
 * assert_json_equal) are reported through cmocka, so this header includes <cmocka.h> and the
 * headers cmocka needs before it. cmocka defines a fail() macro: test code that calls the
 * service itself writes (host->fail)(ctx, ...).
 *
 * Set FAKE_HOST_ECHO=1 in the environment to also print every log line and fail message to
 * stderr while a test runs.
 */
#ifndef FAWKES_FAKE_HOST_H
#define FAWKES_FAKE_HOST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fawkes/fawkes.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the services table and the context ---- */

/* The fake services table (ABI FWK_ABI_MAJOR.FWK_ABI_MINOR, every member set). Constant,
   shared by all contexts, valid for the life of the process. */
const fwk_host *fake_host(void);

/* A new, empty context (struct fwk_ctx is the fake's): no config, no secrets, not
   cancelled, nothing pushed or recorded. Never NULL (out of memory fails the test). */
fwk_ctx *fake_host_ctx_new(void);
/* Frees the context and all it owns. NULL is allowed. */
void fake_host_ctx_free(fwk_ctx *ctx);
/* Forgets what was recorded (logs, failures, resources, findings, counters, requests, mails,
   the cancelled() call count) and keeps what the test set up (config, secrets, cancel
   settings, pushed responses and routes, mail results, emit settings). */
void fake_host_ctx_clear(fwk_ctx *ctx);

/* ---- what the services answer ---- */

/* config(ctx) returns `config` from now on. The context takes over the reference (as
   json_object_set_new does); NULL clears it. */
void fake_host_set_config(fwk_ctx *ctx, json_t *config);

/* secret_get(ctx, ref, ...) resolves `ref` (e.g. "env:CIVO_TOKEN", exactly as the plugin
   asks for it) to a copy of `value`; NULL removes it. An unknown ref is FWK_ERROR with
   "secret REF: not set" on the context. Both strings are copied. */
void fake_host_set_secret(fwk_ctx *ctx, const char *ref, const char *value);

/* cancelled(ctx) answers nonzero from now on (0: stops doing so, unless cancel_after says
   otherwise). */
void fake_host_set_cancelled(fwk_ctx *ctx, int cancelled);
/* cancelled(ctx) answers nonzero from its `calls`-th call on (1: the first; 0: never). */
void fake_host_cancel_after(fwk_ctx *ctx, int calls);
/* How many times the plugin called cancelled(ctx). */
int fake_host_cancel_calls(const fwk_ctx *ctx);

/* emit_resource and emit_finding record the value and return `status` (default FWK_OK), e.g.
   FWK_CANCELLED to see that the plugin stops. */
void fake_host_set_emit_status(fwk_ctx *ctx, fwk_status status);

/* Called by emit_resource (is_finding 0) and emit_finding (1) before recording. FWK_OK: the
   value is recorded and the emit_status returned; anything else: the value is dropped (the
   host took the reference) and that status returned, as the real host does with a resource
   it refuses. `value` is borrowed for the call. NULL removes the hook. */
typedef fwk_status (*fake_host_emit_hook)(fwk_ctx *ctx, int is_finding, const json_t *value,
                                          void *arg);
void fake_host_on_emit(fwk_ctx *ctx, fake_host_emit_hook hook, void *arg);

/* ---- HTTP ---- */

/* One canned answer to http_request. Every pointer is copied when pushed. */
typedef struct fake_host_response {
    const char *method;             /* answers only this method; NULL: any */
    const char *url;                /* answers only this exact URL; NULL: any */
    long status;                    /* HTTP status; 0 means 200 */
    const char *body;               /* NULL: empty */
    size_t body_len;                /* 0: strlen(body) */
    const fwk_http_header *headers; /* response headers (read with host->http_header) */
    size_t header_count;
    int attempts;      /* what response->attempts says; 0 means 1 */
    fwk_status result; /* FWK_OK: respond; FWK_ERROR / FWK_CANCELLED: no response */
    const char *error; /* the message set on ctx when result is not FWK_OK;
                          NULL: "METHOD URL: connection refused" / "... cancelled" */
    int repeat;        /* nonzero: a route, answers every matching request */
} fake_host_response;

/* Queue `response` (see the header comment for the order of answers). */
void fake_host_push(fwk_ctx *ctx, const fake_host_response *response);
/* Queue a response to the next request, whatever it is. */
void fake_host_push_response(fwk_ctx *ctx, long status, const char *body);
/* Queue a transport failure for the next request: `status` FWK_ERROR (no response: DNS,
   connect, TLS, timeouts after all retries, refused by the allowlist) or FWK_CANCELLED;
   `message` (NULL: a default) goes on the context as the host's reason. */
void fake_host_push_failure(fwk_ctx *ctx, fwk_status status, const char *message);
/* Answer every `method` `url` request with `status` and `body`, until a later route for the
   same request replaces it. One-shot pushes that match are served first. */
void fake_host_route(fwk_ctx *ctx, const char *method, const char *url, long status,
                     const char *body);
/* How many pushed one-shot responses no request has used yet. */
size_t fake_host_pending(const fwk_ctx *ctx);

/* The requests the plugin sent, in order (borrowed array of the objects described above). */
json_t *fake_host_requests(fwk_ctx *ctx);
/* Request `i` (from 0), or NULL. Borrowed. */
const json_t *fake_host_request(fwk_ctx *ctx, size_t i);
/* The value of the first header `name` (case-insensitive) of a recorded request, or NULL. */
const char *fake_host_request_header(const json_t *request, const char *name);

/* ---- mail ---- */

/* Queue the result of the next mail_send: FWK_OK (the default when nothing is queued),
   FWK_RETRY or FWK_ERROR with `message` (NULL: a default) on the context. */
void fake_host_push_mail_result(fwk_ctx *ctx, fwk_status status, const char *message);
/* The e-mails the plugin sent, in order, as {"url", "from", "to": [...], "subject", "text",
   "html", "username", "password"} (absent strings are null). Borrowed. */
json_t *fake_host_mails(fwk_ctx *ctx);

/* ---- what the plugin did ---- */

/* The last fail message set on the context (by the plugin or by a fake service), or "" when
   none was. Borrowed: valid until the next fail, clear or free. */
const char *fake_host_failure(const fwk_ctx *ctx);
/* Every fail message, in order (borrowed array of strings). */
json_t *fake_host_failures(fwk_ctx *ctx);

/* Log lines as "LEVEL: message" strings, LEVEL being debug, info, warn or error (borrowed). */
json_t *fake_host_logs(fwk_ctx *ctx);
/* Log line `i` (from 0), or NULL. */
const char *fake_host_log_line(fwk_ctx *ctx, size_t i);
/* The first log line containing `needle`, or NULL. */
const char *fake_host_log_find(fwk_ctx *ctx, const char *needle);

/* Emitted resources and findings, in order (borrowed arrays; the fake holds the references
   the plugin handed over). */
json_t *fake_host_resources(fwk_ctx *ctx);
json_t *fake_host_findings(fwk_ctx *ctx);

/* The total added to counter `name` (0 when never added to). */
int64_t fake_host_counter(const fwk_ctx *ctx, const char *name);
/* All counters, {"name": total} (borrowed). */
json_t *fake_host_counters(fwk_ctx *ctx);

/* ---- JSON ---- */

/* A new reference to the JSON value `text` (any value, not only objects); a text that does
   not parse fails the test with the parser's message. */
json_t *fake_host_json(const char *text);

/* 1 when `got` equals `expected` (json_equal: same types, 1 is not 1.0, key order does not
   matter), else 0 and, when `diff` is not NULL, *diff a readable account of the differences
   (one line per differing path, then both values; free it with free()). */
int fake_host_json_equal(const json_t *got, const json_t *expected, char **diff);

/* The cmocka assertions built on it: fail the test at the caller's line with the diff. */
#define assert_json_equal(got, expected_text)                                                      \
    fake_host_assert_json_equal((got), (expected_text), __FILE__, __LINE__)
#define assert_json_value_equal(got, expected)                                                     \
    fake_host_assert_json_value_equal((got), (expected), __FILE__, __LINE__)
void fake_host_assert_json_equal(const json_t *got, const char *expected_text, const char *file,
                                 int line);
void fake_host_assert_json_value_equal(const json_t *got, const json_t *expected, const char *file,
                                       int line);

#ifdef __cplusplus
}
#endif
#endif /* FAWKES_FAKE_HOST_H */
