/* civo_inventory.c: plan one task per region x kind, and run a task: list, normalize, emit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civo.h"

typedef json_t *(*civo_norm_fn)(const civo_instance *, const char *, const json_t *);

/* Where each kind is listed. Firewalls are special-cased: their rules are a second call. */
typedef struct civo_kind {
    const char *kind;
    const char *path;
    bool paginated;
    civo_norm_fn normalize; /* NULL for firewalls */
    int order;              /* plan order: kinds whose tasks make many requests first */
} civo_kind;

static const civo_kind civo_kind_table[] = {
    {"compute.instance", "/v2/instances", true, civo_norm_instance, 2},
    {"compute.volume", "/v2/volumes", false, civo_norm_volume, 2},
    {"kubernetes.cluster", "/v2/kubernetes/clusters", true, civo_norm_cluster, 1},
    {"database.instance", "/v2/databases", true, civo_norm_database, 2},
    {"storage.bucket", "/v2/objectstores", true, civo_norm_bucket, 2},
    {"network.network", "/v2/networks", false, civo_norm_network, 2},
    {"network.firewall", "/v2/firewalls", false, NULL, 0},
};
#define CIVO_KIND_COUNT (sizeof civo_kind_table / sizeof civo_kind_table[0])

const char *const civo_kinds[] = {
    "compute.instance", "compute.volume",  "kubernetes.cluster", "database.instance",
    "storage.bucket",   "network.network", "network.firewall",   NULL};

static const civo_kind *kind_named(const char *name)
{
    for (size_t i = 0; name && i < CIVO_KIND_COUNT; i++)
        if (strcmp(civo_kind_table[i].kind, name) == 0)
            return &civo_kind_table[i];
    return NULL;
}

/* True when `list` is null/absent or holds the string `value`. */
static bool wanted(const json_t *list, const char *value)
{
    size_t i;
    const json_t *item;

    if (!json_is_array(list))
        return true;
    json_array_foreach (list, i, item) {
        if (json_is_string(item) && strcmp(json_string_value(item), value) == 0)
            return true;
    }
    return false;
}

static fwk_status collect_region(void *arg, const json_t *item)
{
    const char *code = fwkx_str(item, "code", NULL);

    if (code && *code)
        json_array_append_new((json_t *)arg, json_string(code));
    return FWK_OK;
}

/* The regions to inventory: the configured ones, or every region GET /v2/regions lists. */
static fwk_status all_regions(const civo_instance *inst, fwk_ctx *ctx, json_t **regions)
{
    fwk_status rc;

    if (inst->regions) {
        *regions = json_incref(inst->regions);
        return FWK_OK;
    }
    *regions = json_array();
    rc = civo_list(inst, ctx, "/v2/regions", NULL, false, collect_region, *regions);
    if (rc != FWK_OK) {
        json_decref(*regions);
        *regions = NULL;
    }
    return rc;
}

/* Append the tasks of `kind` in `region` to `tasks`. */
static void plan_kind(const civo_instance *inst, const civo_kind *k, const char *region,
                      json_t *tasks)
{
    if (k->normalize || inst->firewall_tasks <= 1) {
        json_array_append_new(tasks, json_pack("{s:o, s:s, s:s}", "name",
                                               json_sprintf("%s/%s", region, k->kind), "region",
                                               region, "kind", k->kind));
        return;
    }
    /* firewalls: one task per share, so their per-firewall rule requests overlap */
    for (long share = 0; share < inst->firewall_tasks; share++)
        json_array_append_new(tasks, json_pack("{s:o, s:s, s:s, s:I, s:I}", "name",
                                               json_sprintf("%s/%s[%ld/%ld]", region, k->kind,
                                                            share + 1, inst->firewall_tasks),
                                               "region", region, "kind", k->kind, "share",
                                               (json_int_t)share, "shares",
                                               (json_int_t)inst->firewall_tasks));
}

fwk_status civo_plan(const civo_instance *inst, fwk_ctx *ctx, const json_t *request, json_t **tasks)
{
    const json_t *want_regions = json_object_get(request, "regions");
    const json_t *want_kinds = json_object_get(request, "kinds");
    json_t *regions = NULL, *region;
    size_t i;
    fwk_status rc = all_regions(inst, ctx, &regions);

    *tasks = NULL;
    if (rc != FWK_OK)
        return rc;
    *tasks = json_array();
    /* Kinds whose tasks make the most requests first, every region's (firewall shares: one
       request per firewall; clusters: one per public cluster's firewall): the host starts
       tasks in plan order, so the longest ones should not start last. */
    for (int order = 0; order <= 2; order++) {
        json_array_foreach (regions, i, region) {
            const char *code = json_string_value(region);
            if (!code || !wanted(want_regions, code))
                continue;
            for (size_t k = 0; k < CIVO_KIND_COUNT; k++) {
                const civo_kind *kind = &civo_kind_table[k];
                if (kind->order == order && wanted(want_kinds, kind->kind))
                    plan_kind(inst, kind, code, *tasks);
            }
        }
    }
    json_decref(regions);
    return FWK_OK;
}

/* One task's state while items stream in. */
typedef struct civo_task_run {
    const civo_instance *inst;
    fwk_ctx *ctx;
    const civo_kind *kind;
    const char *region;
    size_t emitted, skipped;
    long share, shares;        /* firewalls: this task handles ids whose hash % shares == share */
    json_t *rules_by_firewall; /* clusters: {firewall id: raw rules | null (not found)} */
} civo_task_run;

/* FNV-1a of an id: a firewall's share never depends on where the list puts it, so a
   firewall added or removed between two shares' list calls cannot be listed twice. */
static unsigned long id_hash(const char *id)
{
    unsigned long hash = 2166136261UL;

    for (const unsigned char *p = (const unsigned char *)id; *p; p++)
        hash = (hash ^ *p) * 16777619UL;
    return hash & 0xffffffffUL;
}

static fwk_status emit(civo_task_run *t, json_t *resource)
{
    fwk_status rc;

    if (!resource) {
        t->skipped++;
        return FWK_OK;
    }
    rc = t->inst->host->emit_resource(t->ctx, resource);
    if (rc == FWK_OK)
        t->emitted++;
    return rc == FWK_CANCELLED ? FWK_CANCELLED : FWK_OK;
}

static fwk_status on_item(void *arg, const json_t *item)
{
    civo_task_run *t = arg;

    return emit(t, t->kind->normalize(t->inst, t->region, item));
}

/* GET /v2/firewalls/ID/rules?region=R into *rules (new reference): Civo's rules, or json
   null when `missing_ok` and the firewall is not found (404). */
static fwk_status list_rules(civo_task_run *t, const char *id, bool missing_ok, json_t **rules)
{
    char *url = civo_url(t->inst, "/v2/firewalls", id, "rules", NULL, t->region);
    fwkx_http_result result = {0};
    fwk_status rc;

    *rules = NULL;
    if (!url) {
        t->inst->host->fail(t->ctx, "out of memory listing the rules of firewall %s", id);
        return FWK_ERROR;
    }
    rc = civo_call(t->inst, t->ctx, "GET", url, NULL, 0, &result);
    if (rc == FWK_ERROR && result.status == 404 && missing_ok) {
        *rules = json_null();
        rc = FWK_OK;
    } else if (rc == FWK_OK && !json_is_array(result.answer)) {
        t->inst->host->fail(t->ctx, "GET %s -> HTTP %ld: expected a list of rules, got %s", url,
                            result.status, fwkx_type_name(result.answer));
        rc = FWK_ERROR;
    } else if (rc == FWK_OK) {
        *rules = json_incref(result.answer);
    }
    fwkx_http_result_free(&result);
    free(url);
    return rc;
}

/* A cluster: normalized, then, when its API endpoint is on a public address, narrowed by its
   firewall's rules for the API port. Clusters often share a firewall, so each firewall's
   rules are asked once per task. A firewall that is gone (404) leaves `public` to the
   endpoint alone. */
static fwk_status on_cluster(void *arg, const json_t *item)
{
    civo_task_run *t = arg;
    json_t *cluster = civo_norm_cluster(t->inst, t->region, item);
    const char *firewall = fwkx_str(item, "firewall_id", "");
    json_t *rules = NULL;

    /* only a public endpoint needs the firewall to decide */
    if (cluster && *firewall && fwkx_bool(cluster, "public", 0)) {
        rules = json_object_get(t->rules_by_firewall, firewall);
        if (!rules) {
            fwk_status rc = list_rules(t, firewall, true, &rules);
            if (rc != FWK_OK) {
                json_decref(cluster);
                return rc;
            }
            json_object_set_new(t->rules_by_firewall, firewall, rules);
        }
    }
    if (cluster)
        civo_cluster_access(cluster, rules);
    return emit(t, cluster);
}

/* A firewall of this task's share: its rules, then the normalized resource. */
static fwk_status on_firewall(void *arg, const json_t *item)
{
    civo_task_run *t = arg;
    const char *id = fwkx_str(item, "id", "");
    json_t *rules;
    fwk_status rc;

    if (!*id)
        return t->share == 0 ? emit(t, NULL) : FWK_OK; /* counted once, by the first share */
    if ((long)(id_hash(id) % (unsigned long)t->shares) != t->share)
        return FWK_OK;
    rc = list_rules(t, id, false, &rules);
    if (rc == FWK_OK)
        rc = emit(t, civo_norm_firewall(t->inst, t->region, item, rules));
    json_decref(rules);
    return rc;
}

fwk_status civo_run_task(const civo_instance *inst, fwk_ctx *ctx, const json_t *task)
{
    civo_task_run t = {
        .inst = inst,
        .ctx = ctx,
        .kind = kind_named(fwkx_str(task, "kind", NULL)),
        .region = fwkx_str(task, "region", NULL),
        .share = (long)fwkx_int(task, "share", 0),
        .shares = (long)fwkx_int(task, "shares", 1),
    };
    civo_item_fn handler = on_item;
    fwk_status rc;

    if (!t.kind || !t.region || t.shares < 1 || t.share < 0 || t.share >= t.shares) {
        inst->host->fail(ctx,
                         "task %s: expected {\"region\", \"kind\"} with a kind this plugin "
                         "lists: plan tasks with this plugin's plan_tasks",
                         fwkx_str(task, "name", "(unnamed)"));
        return FWK_ERROR;
    }
    if (!t.kind->normalize)
        handler = on_firewall;
    else if (t.kind->normalize == civo_norm_cluster)
        handler = on_cluster;
    t.rules_by_firewall = json_object();
    rc = civo_list(inst, ctx, t.kind->path, t.region, t.kind->paginated, handler, &t);
    json_decref(t.rules_by_firewall);
    inst->host->counter_add(ctx, "civo.resources", (int64_t)t.emitted);
    if (rc == FWK_OK && t.skipped > 0) {
        inst->host->fail(ctx,
                         "region %s: %zu %s item%s without an \"id\" skipped (a Civo API "
                         "change?)",
                         t.region, t.skipped, t.kind->kind, t.skipped == 1 ? "" : "s");
        return FWK_PARTIAL;
    }
    return rc;
}
