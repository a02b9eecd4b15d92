/* notify_route.h: which findings a notifier wants, and how its messages read. */
#ifndef HOST_NOTIFY_ROUTE_H
#define HOST_NOTIFY_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "diag.h"

#define NOTIFY_ON_NEW 0x1u
#define NOTIFY_ON_OPEN 0x2u
#define NOTIFY_ON_RESOLVED 0x4u

#define NOTIFY_DIGEST_TOP_DEFAULT 10
#define NOTIFY_DIGEST_TOP_MAX 100

/* A notifier's routing keys (the instance's settings as config_check validated them). */
typedef struct notify_route {
    int min_rank;              /* severity_rank of min_severity; 0 (info) by default */
    unsigned on;               /* NOTIFY_ON_*; default new | resolved */
    int64_t renotify_after_ms; /* 0: an open finding is not sent again */
    bool digest;               /* one message per run and chain */
    int digest_top;            /* findings listed in a digest */
    double rate_per_s;         /* 0: unlimited */
    double rate_burst;         /* messages that may go at once (the rate's count, >= 1) */
    const json_t *match;       /* {provider, kind, rule, labels} or NULL (borrowed) */
    const char *template_text; /* message template or NULL (borrowed) */
} notify_route;

/*
 * notify_route_read: read the routing keys from an instance's `settings` (borrowed; the
 * route borrows from it). Values were checked by config_check; anything unreadable falls
 * back to the default. Never fails.
 */
void notify_route_read(const json_t *settings, notify_route *route);

/*
 * notify_match_check: check a `match:` mapping: keys provider, kind, rule (a string or a
 * list of strings, shell-style globs such as "misconfig.*") and labels (a mapping of label
 * name to a string or list of strings). Returns 0, or -1 with "KEY: expected X, got Y" or
 * the unknown key and the allowed ones in `why` (the caller adds file:line:col).
 */
int notify_match_check(const json_t *match, char *why, size_t size);

/* Does `finding` pass min_severity and match? (delta and `on` are the caller's.) */
bool notify_route_wants(const notify_route *route, const json_t *finding);

/*
 * notify_rate_parse: "10/s", "5/m", "100/h" or a number (per second) into a rate per
 * second and a burst (the count per period, at least 1). Returns 0, or -1 when malformed.
 */
int notify_rate_parse(const json_t *value, double *per_s, double *burst);

/*
 * notify_template_check: is `text` a valid message template? Placeholders are
 * {{field}} with field one of rule, severity, status, title, message, remediation,
 * fingerprint, delta, source, compliance, resource.KEY, evidence.KEY (KEY may be dotted),
 * run.id, run.chain. Returns 0, or -1 with the offending placeholder in `why`.
 */
int notify_template_check(const char *text, char *why, size_t size);

/*
 * notify_template_render: render `text` (checked) for `finding` of run (`run_id`, `chain`):
 * each placeholder becomes the field's string, a list joined with ", ", other JSON compact,
 * or "" when absent. New string (free()), or NULL on OOM. Secrets are not redacted here.
 */
char *notify_template_render(const char *text, const json_t *finding, const char *run_id,
                             const char *chain);

/* The template used when a notifier sets none. */
#define NOTIFY_DEFAULT_TEMPLATE                                                                    \
    "[{{severity}}] {{delta}}: {{title}} on {{resource.name}} ({{rule}}): {{message}}"

#endif
