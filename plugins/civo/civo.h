/* civo.h: internals of the Civo provider shared by its descriptor, client, normalizers,
   actions, provisioning and cost. */
#ifndef CIVO_H
#define CIVO_H

#include <stdbool.h>
#include <stddef.h>

#include <fawkes/fawkes.h>

/* One configured instance: read-only after init, so concurrent tasks may share it. */
typedef struct civo_instance {
    const fwk_host *host;
    char *token;         /* the API key (host->alloc'd by secret_get, or strdup'd) */
    char *auth_header;   /* "bearer <token>" */
    char *endpoint;      /* base URL without a trailing '/', e.g. https://api.civo.com */
    char *account;       /* the account part of every uid */
    json_t *regions;     /* configured region codes (array), or NULL: all from /v2/regions */
    json_t *prices;      /* {size or charge code: USD per month} (own reference) */
    long per_page;       /* page size asked of paginated endpoints */
    long firewall_tasks; /* network.firewall tasks per region (firewalls split by id) */
} civo_instance;

/* The resource kinds this provider lists, in planning order. */
extern const char *const civo_kinds[];

/* ---- civo_http.c: requests, errors, pagination ---- */

/* A growable string (malloc'd). */
typedef struct civo_buf {
    char *data;
    size_t len, cap;
} civo_buf;

/* Append printf-style text. Returns 0, or -1 out of memory. */
int civo_buf_printf(civo_buf *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append `text` percent-encoded as a URL path segment or query value (RFC 3986 unreserved
   characters kept). Returns 0, or -1 out of memory. */
int civo_buf_escape(civo_buf *buf, const char *text);
void civo_buf_free(civo_buf *buf);

/*
 * civo_url: a new URL (malloc'd): the endpoint + `path` (already escaped) + "?region=R"
 * when `region` is non-NULL (escaped) + "&EXTRA" when `extra` is non-NULL. NULL on OOM.
 */
char *civo_url(const civo_instance *inst, const char *path, const char *region, const char *extra);

/*
 * civo_send: send one request with the bearer token (and, with a body, Content-Type:
 * application/json). `body` is compact JSON text or NULL; `mutating` marks the request so
 * the host counts, audits and retries it accordingly. On FWK_OK *status and *json (a new
 * reference, NULL when the body is empty) hold the answer; a non-2xx answer becomes
 * FWK_ERROR after host->fail() with "METHOD URL -> STATUS CODE: REASON" using Civo's own
 * {code, reason} (or the body's first 200 bytes), plus a hint for 401/403. A 2xx body that is
 * not JSON fails as "invalid JSON ... (truncated?)". Concurrent.
 */
fwk_status civo_send(const civo_instance *inst, fwk_ctx *ctx, const char *method, const char *url,
                     const char *body, bool mutating, long *status, json_t **json);

/*
 * civo_list: every item of a list endpoint in `region`. A JSON array answer is all items;
 * a paginated envelope {page, per_page, pages, items} is followed page by page
 * (page=1..pages, per_page=inst->per_page) when `paginated` is set. `on_item` is called
 * for each item (borrowed) with `arg`; a non-FWK_OK return stops the listing with that
 * status. Failures name the region and page. Checks host->cancelled() between pages.
 */
typedef fwk_status (*civo_item_fn)(void *arg, const json_t *item);
fwk_status civo_list(const civo_instance *inst, fwk_ctx *ctx, const char *path, const char *region,
                     bool paginated, civo_item_fn on_item, void *arg);

/* ---- civo_normalize.c / civo_normalize_net.c: one normalizer per kind ---- */

/*
 * Each civo_norm_* maps one raw Civo item (borrowed) of `region` to a new normalized
 * resource (new reference), or NULL when the item lacks an "id" (reported by the caller).
 * Missing and null fields become null (or are left out of `labels`); raw fields are kept
 * under "attributes" except secrets (passwords, secret keys, kubeconfigs), which are
 * dropped. Pure functions: thread-safe.
 */
json_t *civo_norm_instance(const civo_instance *inst, const char *region, const json_t *item);
json_t *civo_norm_volume(const civo_instance *inst, const char *region, const json_t *item);
json_t *civo_norm_cluster(const civo_instance *inst, const char *region, const json_t *item);
json_t *civo_norm_database(const civo_instance *inst, const char *region, const json_t *item);
json_t *civo_norm_bucket(const civo_instance *inst, const char *region, const json_t *item);
json_t *civo_norm_network(const civo_instance *inst, const char *region, const json_t *item);
/* A firewall with its raw rules (`rules` borrowed, an array or NULL when not listed). */
json_t *civo_norm_firewall(const civo_instance *inst, const char *region, const json_t *item,
                           const json_t *rules);
/* One Civo firewall rule as {id, direction, protocol, ports ("22", "80-90", "all"), cidrs,
   action, label}. New reference. */
json_t *civo_norm_rule(const json_t *rule);
/*
 * civo_cluster_access: complete a normalized cluster (`cluster`, changed in place) with the
 * rules of its firewall (`raw_rules` borrowed: Civo's rules, or NULL when unknown). Sets
 * attributes.api_firewall = {"id", "open_to_internet", "rules": the ingress allow rules that
 * reach the API port 6443}, and narrows `public`: an endpoint on a public address is public
 * only when one of those rules admits 0.0.0.0/0 or ::/0. With NULL rules (not asked: the
 * endpoint is private or absent; or the firewall is gone) nothing changes but
 * attributes.api_firewall = null.
 */
void civo_cluster_access(json_t *cluster, const json_t *raw_rules);

/* The skeleton every normalizer fills: uid, provider, account, region, kind, native_type,
   id, name, state, labels {}, created_at, public, encrypted, monthly_cost (nulls) and
   attributes (a copy of `item`). New reference; NULL when `item` has no string id. */
json_t *civo_norm_base(const civo_instance *inst, const char *region, const char *kind,
                       const char *native_type, const json_t *item, const char *name_key);
/* Civo tags ["env=prod", "web"] as labels {"env": "prod", "web": ""} into `labels`. */
void civo_tags_to_labels(const json_t *tags, json_t *labels);
/* USD per month for `size` from the instance's price catalog, times `units`; NULL json
   null when unknown. New reference. */
json_t *civo_price(const civo_instance *inst, const char *size, double units);
/* Remove credential fields (password, secret_access_key, kubeconfig, ...) from `value` and
   every object inside it, in place. */
void civo_strip_secrets(json_t *value);
/* The string at `key` or NULL. */
const char *civo_str(const json_t *obj, const char *key);

/* ---- civo_inventory.c: plan_tasks and run_task ---- */
fwk_status civo_plan(const civo_instance *inst, fwk_ctx *ctx, const json_t *request,
                     json_t **tasks);
fwk_status civo_run_task(const civo_instance *inst, fwk_ctx *ctx, const json_t *task);

/* ---- civo_actions.c ---- */
fwk_status civo_list_actions(const civo_instance *inst, fwk_ctx *ctx, json_t **actions);
fwk_status civo_run_action(const civo_instance *inst, fwk_ctx *ctx, const json_t *resource,
                           const char *action, const json_t *params, int dry_run, json_t **result);

/* ---- civo_request.c: planned requests shared by actions and provisioning ---- */

/* Append {"method", "url", "body"} (body: the JSON value or null; reference taken) to
   `requests`. Returns 0, or -1 out of memory. */
int civo_plan_request(json_t *requests, const char *method, const char *url, json_t *body);
/* Send every planned request in order (mutating), appending {"status", "body"} of each
   answer to `responses`. Stops at the first failure (FWK_ERROR after host->fail naming the
   request). */
fwk_status civo_send_planned(const civo_instance *inst, fwk_ctx *ctx, const json_t *requests,
                             json_t *responses);

/* ---- civo_provision.c ---- */
fwk_status civo_provision(const civo_instance *inst, fwk_ctx *ctx, const char *what, const char *op,
                          const json_t *spec, int dry_run, json_t **result);

/* ---- civo_cost.c ---- */
fwk_status civo_cost(const civo_instance *inst, fwk_ctx *ctx, const json_t *request,
                     json_t **report);

#endif
