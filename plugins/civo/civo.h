/* civo.h: internals of the Civo provider shared by its descriptor, client, normalizers,
   actions, provisioning and cost. */
#ifndef CIVO_H
#define CIVO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <fawkes/fawkes.h>
#include <fawkes/fwkx.h>

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

/* ---- civo_http.c: URLs, requests and listings over fwkx ---- */

/*
 * civo_url: a new URL (malloc'd), NULL when out of memory: the endpoint + `path` (as it is,
 * e.g. "/v2/firewalls") + "/ID" when `id` is non-NULL + "/SUB" when `sub` is non-NULL +
 * "/SUB_ID" when `sub_id` is non-NULL + "?region=R" when `region` is non-NULL; the ids and
 * the region are URL-escaped.
 */
char *civo_url(const civo_instance *inst, const char *path, const char *id, const char *sub,
               const char *sub_id, const char *region);

/*
 * civo_call: send one request through fwkx_http_json with the bearer key (a secret header),
 * `body` as JSON (NULL for none) and `flags` (FWK_HTTP_MUTATING for changes), and read the
 * answer into *result (zeroed first; free with fwkx_http_result_free). result->status and
 * result->answer are set also on failure (a 404 may be expected). Failures are on ctx in
 * fwkx's form "METHOD URL -> HTTP N: code: reason (after K attempts); hint", with a hint
 * for 401, 403, 404, 429 and 5xx; every HTTP failure is FWK_ERROR (the host has already
 * retried what could be retried). Concurrent.
 */
fwk_status civo_call(const civo_instance *inst, fwk_ctx *ctx, const char *method, const char *url,
                     const json_t *body, uint32_t flags, fwkx_http_result *result);

/*
 * civo_list: every item of a list endpoint `path` in `region` (NULL: account-wide; `path`
 * may hold a query then). `on_item` is called for each item (borrowed) with `arg`; a
 * non-FWK_OK return stops the listing with that status. When `paginated`, the pages
 * {page, per_page, pages, items} are followed with fwkx_paginate (page=1..pages,
 * per_page=inst->per_page; a bare list is the whole listing); otherwise one GET answers a
 * list (or one page {items}). Failures name the page's URL. Checks host->cancelled().
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
/* USD per month for `size` from the instance's price catalog, times `units`; json null when
   the catalog has no price for it or `units` is negative (unknown). New reference. */
json_t *civo_price(const civo_instance *inst, const char *size, double units);
/* Remove credential fields (password, secret_access_key, kubeconfig, ...) from `value` and
   every object inside it, in place. */
void civo_strip_secrets(json_t *value);

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
/* Send every planned request in order (mutating); *responses is then a new array of the
   answers' {"status", "body"} (credentials dropped). Stops at the first failure (FWK_ERROR
   after host->fail naming the request; *responses NULL). */
fwk_status civo_send_planned(const civo_instance *inst, fwk_ctx *ctx, const json_t *requests,
                             json_t **responses);

/* ---- civo_provision.c ---- */
fwk_status civo_provision(const civo_instance *inst, fwk_ctx *ctx, const char *what, const char *op,
                          const json_t *spec, int dry_run, json_t **result);

/* ---- civo_cost.c ---- */
fwk_status civo_cost(const civo_instance *inst, fwk_ctx *ctx, const json_t *request,
                     json_t **report);

#endif
