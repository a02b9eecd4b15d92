/* gcp_inventory.c: plan one task per project x kind (buckets in shares), and run a task: list
   every page, normalize, emit; zones that did not answer fail only their part. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcp.h"

struct gcp_task_run;
typedef fwk_status (*gcp_task_fn)(struct gcp_task_run *t);

/* Where each kind is listed. */
typedef struct gcp_kind {
    const char *kind;
    unsigned service;
    gcp_task_fn run;
} gcp_kind;

/* One task's state while pages stream in. */
typedef struct gcp_task_run {
    const gcp_instance *inst;
    fwk_ctx *ctx;
    const gcp_kind *kind;
    const char *project;
    const json_t *regions; /* the run's --region filter, or NULL */
    long share, shares;    /* buckets: this task handles names whose hash % shares == share */
    size_t emitted, skipped;
    json_t *unreachable; /* scopes (zones, regions) that did not answer, with Google's words */
} gcp_task_run;

static fwk_status run_instances(gcp_task_run *t);
static fwk_status run_disks(gcp_task_run *t);
static fwk_status run_firewalls(gcp_task_run *t);
static fwk_status run_networks(gcp_task_run *t);
static fwk_status run_buckets(gcp_task_run *t);
static fwk_status run_clusters(gcp_task_run *t);
static fwk_status run_sql(gcp_task_run *t);

/* In plan order: the kinds whose tasks make the most requests first. */
static const gcp_kind gcp_kind_table[] = {
    {"storage.bucket", GCP_SVC_STORAGE, run_buckets},
    {"compute.instance", GCP_SVC_COMPUTE, run_instances},
    {"compute.volume", GCP_SVC_COMPUTE, run_disks},
    {"network.firewall", GCP_SVC_COMPUTE, run_firewalls},
    {"network.network", GCP_SVC_COMPUTE, run_networks},
    {"kubernetes.cluster", GCP_SVC_CONTAINER, run_clusters},
    {"database.instance", GCP_SVC_SQLADMIN, run_sql},
};
#define GCP_KIND_COUNT (sizeof gcp_kind_table / sizeof gcp_kind_table[0])

/* True when `list` is null/absent or holds the string `value`. */
static bool wanted(const json_t *list, const char *value)
{
    const json_t *item;
    size_t i;

    if (!json_is_array(list))
        return true;
    json_array_foreach (list, i, item) {
        if (json_is_string(item) && strcmp(json_string_value(item), value) == 0)
            return true;
    }
    return false;
}

/* ---- planning ---- */

static fwk_status collect_projects(void *arg, const json_t *answer)
{
    const json_t *project;
    size_t i;

    json_array_foreach (json_object_get(answer, "projects"), i, project) {
        const char *id = fwkx_text(project, "projectId", NULL);
        if (id && strcmp(fwkx_str(project, "state", "ACTIVE"), "ACTIVE") == 0)
            json_array_append_new(arg, json_string(id));
    }
    return FWK_OK;
}

/* The configured projects, or every active project projects:search shows the credentials. */
static fwk_status all_projects(const gcp_instance *inst, fwk_ctx *ctx, json_t **projects)
{
    char *url;
    fwk_status rc;

    if (inst->projects) {
        *projects = json_incref(inst->projects);
        return FWK_OK;
    }
    url = gcp_url(inst, "cloudresourcemanager.googleapis.com", "/v3/projects:search");
    *projects = json_array();
    rc = url ? gcp_list(inst, ctx, url, "pageSize", collect_projects, *projects) : FWK_ERROR;
    if (!url)
        inst->host->fail(ctx, "out of memory");
    free(url);
    if (rc == FWK_OK && json_array_size(*projects) == 0) {
        inst->host->fail(ctx, "projects:search found no active project the credentials can "
                              "see: list them in projects:, or grant the credentials "
                              "resourcemanager.projects.get on them");
        rc = FWK_ERROR;
    }
    if (rc != FWK_OK) {
        json_decref(*projects);
        *projects = NULL;
    }
    return rc;
}

static void plan_kind(const gcp_instance *inst, const gcp_kind *k, const char *project,
                      const json_t *regions, json_t *tasks)
{
    long shares = strcmp(k->kind, "storage.bucket") == 0 ? inst->bucket_tasks : 1;

    for (long share = 0; share < shares; share++) {
        json_t *name = shares > 1
                           ? json_sprintf("%s/%s[%ld/%ld]", project, k->kind, share + 1, shares)
                           : json_sprintf("%s/%s", project, k->kind);
        json_array_append_new(tasks, json_pack("{s:o, s:s, s:s, s:I, s:I, s:O}", "name", name,
                                               "project", project, "kind", k->kind, "share",
                                               (json_int_t)share, "shares", (json_int_t)shares,
                                               "regions", regions ? regions : json_null()));
    }
}

fwk_status gcp_plan(const gcp_instance *inst, fwk_ctx *ctx, const json_t *request, json_t **tasks)
{
    const json_t *want_kinds = json_object_get(request, "kinds");
    const json_t *want_regions = json_object_get(request, "regions");
    json_t *projects = NULL, *project;
    size_t i;
    fwk_status rc = all_projects(inst, ctx, &projects);

    *tasks = NULL;
    if (rc != FWK_OK)
        return rc;
    *tasks = json_array();
    for (size_t k = 0; k < GCP_KIND_COUNT; k++) {
        const gcp_kind *kind = &gcp_kind_table[k];
        if (!(inst->services & kind->service) || !wanted(want_kinds, kind->kind))
            continue;
        json_array_foreach (projects, i, project)
            plan_kind(inst, kind, json_string_value(project),
                      json_is_array(want_regions) ? want_regions : NULL, *tasks);
    }
    json_decref(projects);
    return FWK_OK;
}

/* ---- running ---- */

/* Whether a zonal or regional resource is asked for (config regions and the run's filter). */
static bool location_wanted(const gcp_task_run *t, const char *location)
{
    gcp_instance filter = {.regions = (json_t *)t->regions};

    if (!location)
        return true; /* global */
    return gcp_region_wanted(t->inst, location) &&
           (!t->regions || gcp_region_wanted(&filter, location));
}

static fwk_status emit(gcp_task_run *t, json_t *resource)
{
    fwk_status rc;

    if (!resource) {
        t->skipped++;
        return FWK_OK;
    }
    if (!location_wanted(t, fwkx_str(resource, "region", NULL))) {
        json_decref(resource);
        return FWK_OK;
    }
    rc = t->inst->host->emit_resource(t->ctx, resource);
    if (rc == FWK_OK)
        t->emitted++;
    return rc == FWK_CANCELLED ? FWK_CANCELLED : FWK_OK;
}

/* A scope of an aggregated list (or a GKE location) that did not answer. */
static void unreachable(gcp_task_run *t, const char *scope, const char *why)
{
    const json_t *known;
    size_t i;

    /* Compute may say it twice: a scope's warning and the list of unreachables */
    json_array_foreach (t->unreachable, i, known) {
        const char *text = json_string_value(known);
        if (text && strncmp(text, scope, strlen(scope)) == 0 && text[strlen(scope)] == ' ')
            return;
    }
    json_array_append_new(t->unreachable, json_sprintf("%s (%s)", scope, why));
}

/* One page of an aggregated list: {items: {"zones/Z": {KEY: [...] | warning}}, unreachables}. */
static fwk_status aggregated_page(gcp_task_run *t, const json_t *answer, const char *key,
                                  json_t *(*norm)(const gcp_instance *, const char *,
                                                  const json_t *))
{
    const char *scope;
    const json_t *value, *item, *name;
    size_t i;
    fwk_status rc = FWK_OK;

    json_object_foreach ((json_t *)json_object_get(answer, "items"), scope, value) {
        const json_t *warning = json_object_get(value, "warning");
        if (warning && strcmp(fwkx_str(warning, "code", ""), "UNREACHABLE") == 0)
            unreachable(t, scope, fwkx_str(warning, "message", "UNREACHABLE"));
        json_array_foreach (json_object_get(value, key), i, item) {
            rc = emit(t, norm(t->inst, t->project, item));
            if (rc != FWK_OK)
                return rc;
        }
    }
    json_array_foreach (json_object_get(answer, "unreachables"), i, name) {
        if (json_is_string(name))
            unreachable(t, json_string_value(name), "unreachable");
    }
    return rc;
}

static fwk_status instances_page(void *arg, const json_t *answer)
{
    return aggregated_page(arg, answer, "instances", gcp_norm_instance);
}

static fwk_status disks_page(void *arg, const json_t *answer)
{
    return aggregated_page(arg, answer, "disks", gcp_norm_disk);
}

/* gcp_list of the API path `before` PROJECT `after`. */
static fwk_status list(gcp_task_run *t, const char *host, const char *before, const char *after,
                       const char *size_param, gcp_page_fn on_page)
{
    char project[256];
    char *url = gcp_url(t->inst, host, "%s%s%s", before,
                        gcp_esc(t->project, project, sizeof project), after);
    fwk_status rc;

    if (!url) {
        t->inst->host->fail(t->ctx, "out of memory");
        return FWK_ERROR;
    }
    rc = gcp_list(t->inst, t->ctx, url, size_param, on_page, t);
    free(url);
    return rc;
}

static fwk_status run_instances(gcp_task_run *t)
{
    return list(t, "compute.googleapis.com", "/compute/v1/projects/",
                "/aggregated/instances?returnPartialSuccess=true", "maxResults", instances_page);
}

static fwk_status run_disks(gcp_task_run *t)
{
    return list(t, "compute.googleapis.com", "/compute/v1/projects/",
                "/aggregated/disks?returnPartialSuccess=true", "maxResults", disks_page);
}

/* One page of a plain list: {items: [...]}. */
static fwk_status items_page(gcp_task_run *t, const json_t *answer,
                             json_t *(*norm)(const gcp_instance *, const char *, const json_t *))
{
    const json_t *item;
    size_t i;

    json_array_foreach (json_object_get(answer, "items"), i, item) {
        fwk_status rc = emit(t, norm(t->inst, t->project, item));
        if (rc != FWK_OK)
            return rc;
    }
    return FWK_OK;
}

static fwk_status firewalls_page(void *arg, const json_t *answer)
{
    return items_page(arg, answer, gcp_norm_firewall);
}

static fwk_status networks_page(void *arg, const json_t *answer)
{
    return items_page(arg, answer, gcp_norm_network);
}

static fwk_status sql_page(void *arg, const json_t *answer)
{
    return items_page(arg, answer, gcp_norm_sql);
}

static fwk_status run_firewalls(gcp_task_run *t)
{
    return list(t, "compute.googleapis.com", "/compute/v1/projects/", "/global/firewalls",
                "maxResults", firewalls_page);
}

static fwk_status run_networks(gcp_task_run *t)
{
    return list(t, "compute.googleapis.com", "/compute/v1/projects/", "/global/networks",
                "maxResults", networks_page);
}

static fwk_status run_sql(gcp_task_run *t)
{
    return list(t, "sqladmin.googleapis.com", "/sql/v1beta4/projects/", "/instances", "maxResults",
                sql_page);
}

/* GKE's list is not paginated: every cluster in one answer, missingZones for the rest. */
static fwk_status run_clusters(gcp_task_run *t)
{
    char project[256];
    char *url = gcp_url(t->inst, "container.googleapis.com", "/v1/projects/%s/locations/-/clusters",
                        gcp_esc(t->project, project, sizeof project));
    fwkx_http_result result;
    const json_t *item, *zone;
    size_t i;
    fwk_status rc;

    if (!url) {
        t->inst->host->fail(t->ctx, "out of memory");
        return FWK_ERROR;
    }
    rc = gcp_call(t->inst, t->ctx, "GET", url, NULL, 0, &result);
    json_array_foreach (rc == FWK_OK ? json_object_get(result.answer, "clusters") : NULL, i, item) {
        rc = emit(t, gcp_norm_cluster(t->inst, t->project, item));
        if (rc != FWK_OK)
            break;
    }
    json_array_foreach (json_object_get(result.answer, "missingZones"), i, zone) {
        if (json_is_string(zone) && location_wanted(t, json_string_value(zone)))
            unreachable(t, json_string_value(zone), "in missingZones");
    }
    fwkx_http_result_free(&result);
    free(url);
    return rc;
}

/* FNV-1a of a name: a bucket's share never depends on the list's order. */
static unsigned long name_hash(const char *name)
{
    unsigned long hash = 2166136261UL;

    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        hash = (hash ^ *p) * 16777619UL;
    return hash & 0xffffffffUL;
}

/* A bucket of this task's share: its IAM policy, then the normalized resource. */
static fwk_status on_bucket(gcp_task_run *t, const json_t *item)
{
    const char *name = fwkx_text(item, "name", NULL);
    char escaped[512];
    char *url;
    fwkx_http_result result;
    fwk_status rc;
    char location[128];

    if (!name)
        return t->share == 0 ? emit(t, NULL) : FWK_OK; /* counted once, by the first share */
    if ((long)(name_hash(name) % (unsigned long)t->shares) != t->share)
        return FWK_OK;
    snprintf(location, sizeof location, "%s", fwkx_str(item, "location", ""));
    for (char *p = location; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
    if (*location && !location_wanted(t, location))
        return FWK_OK; /* not asked for: spare the IAM request */
    url = gcp_url(t->inst, "storage.googleapis.com", "/storage/v1/b/%s/iam",
                  gcp_esc(name, escaped, sizeof escaped));
    if (!url) {
        t->inst->host->fail(t->ctx, "out of memory");
        return FWK_ERROR;
    }
    rc = gcp_call(t->inst, t->ctx, "GET", url, NULL, 0, &result);
    if (rc == FWK_OK)
        rc = emit(t, gcp_norm_bucket(t->inst, t->project, item, result.answer));
    fwkx_http_result_free(&result);
    free(url);
    return rc;
}

static fwk_status buckets_page(void *arg, const json_t *answer)
{
    gcp_task_run *t = arg;
    const json_t *item;
    size_t i;

    json_array_foreach (json_object_get(answer, "items"), i, item) {
        fwk_status rc = on_bucket(t, item);
        if (rc != FWK_OK)
            return rc;
    }
    return FWK_OK;
}

static fwk_status run_buckets(gcp_task_run *t)
{
    return list(t, "storage.googleapis.com", "/storage/v1/b?project=", "&projection=full",
                "maxResults", buckets_page);
}

static const gcp_kind *kind_named(const char *name)
{
    for (size_t i = 0; name && i < GCP_KIND_COUNT; i++)
        if (strcmp(gcp_kind_table[i].kind, name) == 0)
            return &gcp_kind_table[i];
    return NULL;
}

/* After a listing that worked: name what is missing (scopes down, items without ids). */
static fwk_status finish(gcp_task_run *t)
{
    char *scopes;

    if (json_array_size(t->unreachable) > 0) {
        scopes = json_dumps(t->unreachable, JSON_COMPACT);
        t->inst->host->fail(t->ctx,
                            "project %s: %s: %zu location%s did not answer, their resources are "
                            "missing: %s; try again later",
                            t->project, t->kind->kind, json_array_size(t->unreachable),
                            json_array_size(t->unreachable) == 1 ? "" : "s",
                            scopes ? scopes : "(out of memory)");
        free(scopes);
        return FWK_PARTIAL;
    }
    if (t->skipped > 0) {
        t->inst->host->fail(t->ctx,
                            "project %s: %zu %s item%s without an id skipped (a Google API "
                            "change?)",
                            t->project, t->skipped, t->kind->kind, t->skipped == 1 ? "" : "s");
        return FWK_PARTIAL;
    }
    return FWK_OK;
}

fwk_status gcp_run_task(const gcp_instance *inst, fwk_ctx *ctx, const json_t *task)
{
    gcp_task_run t = {
        .inst = inst,
        .ctx = ctx,
        .kind = kind_named(fwkx_str(task, "kind", NULL)),
        .project = fwkx_str(task, "project", NULL),
        .share = (long)fwkx_int(task, "share", 0),
        .shares = (long)fwkx_int(task, "shares", 1),
    };
    const json_t *regions = json_object_get(task, "regions");
    fwk_status rc;

    if (!t.kind || !t.project || t.shares < 1 || t.share < 0 || t.share >= t.shares) {
        inst->host->fail(ctx,
                         "task %s: expected {\"project\", \"kind\"} with a kind this plugin "
                         "lists: plan tasks with this plugin's plan_tasks",
                         fwkx_str(task, "name", "(unnamed)"));
        return FWK_ERROR;
    }
    t.regions = json_is_array(regions) ? regions : NULL;
    t.unreachable = json_array();
    rc = t.kind->run(&t);
    if (rc == FWK_OK)
        rc = finish(&t);
    json_decref(t.unreachable);
    inst->host->counter_add(ctx, "gcp.resources", (int64_t)t.emitted);
    return rc;
}
