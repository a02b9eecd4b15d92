/* civo_provision.c: a provider-neutral spec (name, region, size, nodes, version, engine) mapped
   to Civo's create and delete calls for clusters, databases and object stores. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civo.h"

/* What each `what` is called in Civo's API. */
typedef struct civo_product {
    const char *what;
    const char *path; /* the collection's path */
    bool paginated;
} civo_product;

static const civo_product civo_products[] = {
    {"cluster", "/v2/kubernetes/clusters", true},
    {"database", "/v2/databases", true},
    {"bucket", "/v2/objectstores", true},
};

/* Defaults for what the spec may leave out (documented in plugins/civo/README.md). */
#define CIVO_DEFAULT_NODES 3
#define CIVO_DEFAULT_NODE_SIZE "g4s.kube.medium"
#define CIVO_DEFAULT_BUCKET_GB 500

static const civo_product *product_named(const char *what)
{
    for (size_t i = 0; what && i < sizeof civo_products / sizeof civo_products[0]; i++)
        if (strcmp(civo_products[i].what, what) == 0)
            return &civo_products[i];
    return NULL;
}

/* A string field that must be there. NULL after host->fail(). */
static const char *need_string(const civo_instance *inst, fwk_ctx *ctx, const json_t *spec,
                               const char *key, const char *what)
{
    const char *value = fwkx_str(spec, key, "");

    if (!*value)
        inst->host->fail(ctx, "spec.%s: required for %s: give a non-empty string", key, what);
    return *value ? value : NULL;
}

/* A positive integer field, or `fallback` when absent. -1 after host->fail(). */
static long positive(const civo_instance *inst, fwk_ctx *ctx, const json_t *spec, const char *key,
                     long fallback)
{
    const json_t *value = json_object_get(spec, key);

    if (!value || json_is_null(value))
        return fallback;
    if (!json_is_integer(value) || json_integer_value(value) < 1) {
        inst->host->fail(ctx, "spec.%s: expected a whole number of at least 1", key);
        return -1;
    }
    return (long)json_integer_value(value);
}

/* The create request's body, or NULL after host->fail(). */
static json_t *create_body(const civo_instance *inst, fwk_ctx *ctx, const char *what,
                           const json_t *spec, const char *name, const char *region)
{
    const char *network = fwkx_str(spec, "network_id", NULL);
    const char *version = fwkx_str(spec, "version", NULL), *size = fwkx_str(spec, "size", NULL);
    json_t *body = json_pack("{s:s, s:s}", "name", name, "region", region);
    long nodes;

    if (strcmp(what, "bucket") == 0) {
        long gb = positive(inst, ctx, spec, "size", CIVO_DEFAULT_BUCKET_GB);
        if (gb < 0)
            goto fail;
        json_object_set_new(body, "max_size_gb", json_integer(gb));
        return body;
    }
    nodes =
        positive(inst, ctx, spec, "nodes", strcmp(what, "cluster") == 0 ? CIVO_DEFAULT_NODES : 1);
    if (nodes < 0)
        goto fail;
    if (network)
        json_object_set_new(body, "network_id", json_string(network));
    if (strcmp(what, "cluster") == 0) {
        char pool_id[160];
        snprintf(pool_id, sizeof pool_id, "%s-pool", name);
        if (version)
            json_object_set_new(body, "kubernetes_version", json_string(version));
        json_object_set_new(body, "pools",
                            json_pack("[{s:s, s:i, s:s}]", "id", pool_id, "count", (int)nodes,
                                      "size", size ? size : CIVO_DEFAULT_NODE_SIZE));
        return body;
    }
    /* database */
    {
        const char *engine = need_string(inst, ctx, spec, "engine",
                                         "a database (MySQL or "
                                         "PostgreSQL)");
        if (!engine || !need_string(inst, ctx, spec, "size", "a database (e.g. g3.db.small)"))
            goto fail;
        json_object_set_new(body, "size", json_string(size));
        json_object_set_new(body, "software", json_string(engine));
        if (version)
            json_object_set_new(body, "software_version", json_string(version));
        json_object_set_new(body, "nodes", json_integer(nodes));
    }
    return body;
fail:
    json_decref(body);
    return NULL;
}

/* Find the one `product` with id `id` (or, without one, named `name`) in `region`, reading
   the collection (GETs, never mutating): what a delete would remove, normalized. */
typedef struct civo_lookup {
    const char *id, *name;
    json_t *items;
} civo_lookup;

static fwk_status match_target(void *arg, const json_t *item)
{
    civo_lookup *look = arg;
    const char *name = fwkx_str(item, "name", NULL), *id = fwkx_str(item, "id", NULL);
    bool hit =
        id && (*look->id ? strcmp(id, look->id) == 0 : name && strcmp(name, look->name) == 0);
    if (hit)
        json_array_append(look->items, (json_t *)item);
    return FWK_OK;
}

static json_t *normalize_target(const civo_instance *inst, const civo_product *p,
                                const char *region, const json_t *item)
{
    if (strcmp(p->what, "cluster") == 0)
        return civo_norm_cluster(inst, region, item);
    if (strcmp(p->what, "database") == 0)
        return civo_norm_database(inst, region, item);
    return civo_norm_bucket(inst, region, item);
}

/* The normalized target of a delete, or NULL after host->fail(). */
static json_t *lookup_target(const civo_instance *inst, fwk_ctx *ctx, const civo_product *p,
                             const char *id, const char *name, const char *region)
{
    civo_lookup look = {id, name, json_array()};
    json_t *target = NULL;
    fwk_status rc = civo_list(inst, ctx, p->path, region, p->paginated, match_target, &look);

    if (rc == FWK_OK && json_array_size(look.items) == 1) {
        target = normalize_target(inst, p, region, json_array_get(look.items, 0));
        if (!target)
            inst->host->fail(ctx, "the %s found in %s has no id", p->what, region);
    } else if (rc == FWK_OK && *id) {
        inst->host->fail(ctx, "no %s with id \"%s\" in %s: check spec.id and spec.region", p->what,
                         id, region);
    } else if (rc == FWK_OK) {
        inst->host->fail(ctx, "no single %s named \"%s\" in %s (found %zu): give spec.id instead",
                         p->what, name, region, json_array_size(look.items));
    }
    json_decref(look.items);
    return target;
}

/* Plan the request of `op` into `requests`. FWK_ERROR after host->fail(). */
static fwk_status plan(const civo_instance *inst, fwk_ctx *ctx, const civo_product *p,
                       const char *op, const json_t *spec, json_t *requests, json_t *targets)
{
    const char *region = need_string(inst, ctx, spec, "region", p->what);
    const char *name = fwkx_str(spec, "name", ""), *given_id = fwkx_str(spec, "id", "");
    json_t *body = NULL;
    char *url;

    if (!region)
        return FWK_ERROR;
    if (strcmp(op, "create") == 0) {
        if (!need_string(inst, ctx, spec, "name", p->what))
            return FWK_ERROR;
        body = create_body(inst, ctx, p->what, spec, name, region);
        if (!body)
            return FWK_ERROR;
        url = civo_url(inst, p->path, NULL, NULL, NULL, NULL);
    } else if (!*given_id && !*name) {
        inst->host->fail(ctx,
                         "spec.id or spec.name: deleting a %s needs its id (or its unique "
                         "name in the region)",
                         p->what);
        return FWK_ERROR;
    } else {
        json_t *target = lookup_target(inst, ctx, p, given_id, name, region);
        if (!target)
            return FWK_ERROR; /* lookup_target said why */
        url = civo_url(inst, p->path, fwkx_str(target, "id", ""), NULL, NULL, region);
        json_array_append_new(targets, target);
    }
    if (!url)
        json_decref(body);
    if (!url || civo_plan_request(requests, body ? "POST" : "DELETE", url, body) != 0) {
        inst->host->fail(ctx, "out of memory planning the request");
        free(url);
        return FWK_ERROR;
    }
    free(url);
    return FWK_OK;
}

fwk_status civo_provision(const civo_instance *inst, fwk_ctx *ctx, const char *what, const char *op,
                          const json_t *spec, int dry_run, json_t **result)
{
    const civo_product *p = product_named(what);
    json_t *requests, *targets, *responses;
    fwk_status rc;

    *result = NULL;
    if (!p || !op || (strcmp(op, "create") != 0 && strcmp(op, "delete") != 0)) {
        inst->host->fail(ctx,
                         "civo provisions cluster, database or bucket with create or "
                         "delete; got %s %s",
                         what ? what : "(null)", op ? op : "(null)");
        return FWK_UNSUPPORTED;
    }
    if (!json_is_object(spec)) {
        inst->host->fail(ctx, "the spec must be an object");
        return FWK_ERROR;
    }
    requests = json_array();
    targets = json_array();
    rc = plan(inst, ctx, p, op, spec, requests, targets);
    if (rc != FWK_OK) {
        json_decref(requests);
        json_decref(targets);
        return rc;
    }
    if (json_array_size(targets) == 0) { /* a create removes nothing */
        json_decref(targets);
        targets = NULL;
    }
    if (dry_run) {
        *result = json_pack("{s:s, s:s, s:b, s:o, s:o*}", "what", what, "op", op, "dry_run", 1,
                            "requests", requests, "targets", targets);
        return FWK_OK;
    }
    rc = civo_send_planned(inst, ctx, requests, &responses);
    if (rc != FWK_OK) {
        json_decref(requests);
        json_decref(targets);
        return rc;
    }
    *result = json_pack("{s:s, s:s, s:b, s:o, s:o*, s:o}", "what", what, "op", op, "dry_run", 0,
                        "requests", requests, "targets", targets, "responses", responses);
    return FWK_OK;
}
