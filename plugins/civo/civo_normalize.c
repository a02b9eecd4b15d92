/* civo_normalize.c: raw Civo instances, volumes, clusters, databases and object stores to the
   normalized resource model (docs/model.md), with the helpers every normalizer shares. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civo.h"

/* Raw fields that carry credentials: never copied into attributes. */
static const char *const civo_secret_fields[] = {
    "password", "secret_access_key", "kubeconfig", "initial_password", "rescue_password", NULL};

/* A new string: `text` lower-cased, or json null when NULL. */
static json_t *lower_or_null(const char *text)
{
    char buf[128];
    size_t i;

    if (!text)
        return json_null();
    for (i = 0; text[i] && i + 1 < sizeof buf; i++)
        buf[i] = (char)tolower((unsigned char)text[i]);
    buf[i] = '\0';
    return json_string(buf);
}

static json_t *int_or_null(const json_t *value)
{
    return json_is_integer(value) ? json_integer(json_integer_value(value)) : json_null();
}

/* Civo's ACTIVE/SHUTOFF as the model's running/stopped; other states lower-cased. */
static json_t *run_state(const char *status)
{
    if (status && strcmp(status, "ACTIVE") == 0)
        return json_string("running");
    if (status && strcmp(status, "SHUTOFF") == 0)
        return json_string("stopped");
    return lower_or_null(status);
}

void civo_tags_to_labels(const json_t *tags, json_t *labels)
{
    size_t i;
    const json_t *tag;

    json_array_foreach (tags, i, tag) {
        const char *text = json_string_value(tag);
        const char *eq = text ? strchr(text, '=') : NULL;
        if (!text || !*text)
            continue;
        if (eq) {
            char key[256];
            snprintf(key, sizeof key, "%.*s", (int)(eq - text), text);
            if (*key)
                json_object_set_new(labels, key, json_string(eq + 1));
        } else {
            json_object_set_new(labels, text, json_string(""));
        }
    }
}

json_t *civo_price(const civo_instance *inst, const char *size, double units)
{
    const json_t *price = size ? json_object_get(inst->prices, size) : NULL;

    if (!json_is_number(price) || units < 0)
        return json_null();
    return json_real(json_number_value(price) * units);
}

void civo_strip_secrets(json_t *value)
{
    const char *key;
    json_t *child;
    size_t i;

    if (json_is_object(value)) {
        for (i = 0; civo_secret_fields[i]; i++)
            json_object_del(value, civo_secret_fields[i]);
        json_object_foreach (value, key, child)
            civo_strip_secrets(child);
    } else if (json_is_array(value)) {
        json_array_foreach (value, i, child)
            civo_strip_secrets(child);
    }
}

json_t *civo_norm_base(const civo_instance *inst, const char *region, const char *kind,
                       const char *native_type, const json_t *item, const char *name_key)
{
    const char *id = fwkx_str(item, "id", "");
    const char *name = fwkx_str(item, name_key, NULL);
    const char *created = fwkx_str(item, "created_at", NULL);
    json_t *attributes, *resource;

    if (!*id)
        return NULL;
    attributes = json_deep_copy(item);
    civo_strip_secrets(attributes);
    resource = json_pack("{s:o, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:n, s:{}, s:o, s:n, s:n, "
                         "s:n, s:o}",
                         "uid", json_sprintf("civo:%s:%s:%s:%s", inst->account, region, kind, id),
                         "provider", "civo", "account", inst->account, "region", region, "kind",
                         kind, "native_type", native_type, "id", id, "name",
                         name ? json_string(name) : json_null(), "state", "labels", "created_at",
                         created ? json_string(created) : json_null(), "public", "encrypted",
                         "monthly_cost", "attributes", attributes ? attributes : json_object());
    return resource;
}

/* "" and null mean no address; a missing key means unknown (null). */
static json_t *has_address(const json_t *item, const char *key)
{
    const json_t *value = json_object_get(item, key);

    if (!value)
        return json_null();
    return json_boolean(json_is_string(value) && json_string_length(value) > 0);
}

json_t *civo_norm_instance(const civo_instance *inst, const char *region, const json_t *item)
{
    json_t *r = civo_norm_base(inst, region, "compute.instance", "civo:instance", item, "hostname");

    if (!r)
        return NULL;
    json_object_set_new(r, "state", run_state(fwkx_str(item, "status", NULL)));
    civo_tags_to_labels(json_object_get(item, "tags"), json_object_get(r, "labels"));
    json_object_set_new(r, "public", has_address(item, "public_ip"));
    json_object_set_new(r, "monthly_cost", civo_price(inst, fwkx_str(item, "size", NULL), 1));
    return r;
}

json_t *civo_norm_volume(const civo_instance *inst, const char *region, const json_t *item)
{
    json_t *r = civo_norm_base(inst, region, "compute.volume", "civo:volume", item, "name");

    if (!r)
        return NULL;
    json_object_set_new(r, "state", lower_or_null(fwkx_str(item, "status", NULL)));
    json_object_set_new(r, "monthly_cost",
                        civo_price(inst, "volume", fwkx_num(item, "size_gigabytes", -1)));
    return r;
}

/* True when `host` (an IP or name from the API endpoint) is not a private address. */
static bool public_host(const char *host)
{
    unsigned a, b;

    if (sscanf(host, "%u.%u.", &a, &b) == 2)
        return !(a == 10 || a == 127 || (a == 172 && b >= 16 && b <= 31) ||
                 (a == 192 && b == 168) || (a == 100 && b >= 64 && b <= 127));
    return strcmp(host, "localhost") != 0;
}

/* public: the API endpoint "https://HOST:6443" answers on a public address; null when the
   cluster has no endpoint yet. */
static json_t *cluster_public(const json_t *item)
{
    const char *endpoint = fwkx_str(item, "api_endpoint", NULL);
    const char *start, *end;
    char host[256];

    if (!endpoint || !*endpoint)
        return json_null();
    start = strstr(endpoint, "://");
    start = start ? start + 3 : endpoint;
    end = start + strcspn(start, ":/");
    snprintf(host, sizeof host, "%.*s", (int)(end - start), start);
    return json_boolean(*host && public_host(host));
}

/* attributes.node_pools: [{id, count, size}] from `pools`, or one pool from
   num_target_nodes/target_nodes_size; adds up the pools' estimated cost into *cost. */
static json_t *node_pools(const civo_instance *inst, const json_t *item, json_t **cost)
{
    json_t *pools = json_array();
    const json_t *raw = json_object_get(item, "pools"), *pool;
    double total = 0;
    bool priced = true;
    size_t i;

    if (!json_is_array(raw) || json_array_size(raw) == 0) {
        const json_t *count = json_object_get(item, "num_target_nodes");
        const char *size = fwkx_str(item, "target_nodes_size", NULL);
        if (json_is_integer(count) || size)
            json_array_append_new(pools, json_pack("{s:n, s:o, s:s?}", "id", "count",
                                                   int_or_null(count), "size", size));
    } else {
        json_array_foreach (raw, i, pool) {
            json_array_append_new(pools,
                                  json_pack("{s:s?, s:o, s:s?}", "id", fwkx_str(pool, "id", NULL),
                                            "count", int_or_null(json_object_get(pool, "count")),
                                            "size", fwkx_str(pool, "size", NULL)));
        }
    }
    json_array_foreach (pools, i, pool) {
        /* a count that is not a whole number prices as unknown */
        json_t *price =
            civo_price(inst, fwkx_str(pool, "size", NULL), (double)fwkx_int(pool, "count", -1));
        if (json_is_null(price))
            priced = false;
        else
            total += json_number_value(price);
        json_decref(price);
    }
    *cost = priced && json_array_size(pools) > 0 ? json_real(total) : json_null();
    return pools;
}

json_t *civo_norm_cluster(const civo_instance *inst, const char *region, const json_t *item)
{
    json_t *r = civo_norm_base(inst, region, "kubernetes.cluster", "civo:kubernetes", item, "name");
    json_t *attributes, *cost = NULL;
    const char *version;

    if (!r)
        return NULL;
    attributes = json_object_get(r, "attributes");
    json_object_set_new(r, "state", run_state(fwkx_str(item, "status", NULL)));
    civo_tags_to_labels(json_object_get(item, "tags"), json_object_get(r, "labels"));
    json_object_set_new(r, "public", cluster_public(item));
    json_object_set_new(attributes, "node_pools", node_pools(inst, item, &cost));
    json_object_set_new(r, "monthly_cost", cost);
    version = fwkx_str(item, "kubernetes_version", fwkx_str(item, "version", NULL));
    json_object_set_new(attributes, "kubernetes_version",
                        version ? json_string(version) : json_null());
    return r;
}

json_t *civo_norm_database(const civo_instance *inst, const char *region, const json_t *item)
{
    json_t *r = civo_norm_base(inst, region, "database.instance", "civo:database", item, "name");
    json_int_t nodes = fwkx_int(item, "nodes", fwkx_int(item, "replicas", 1));

    if (!r)
        return NULL;
    json_object_set_new(r, "state", lower_or_null(fwkx_str(item, "status", NULL)));
    /* older answers say public_ip, current ones public_ipv4 */
    json_object_set_new(
        r, "public",
        has_address(item, json_object_get(item, "public_ip") ? "public_ip" : "public_ipv4"));
    json_object_set_new(
        r, "monthly_cost",
        civo_price(inst, fwkx_str(item, "size", NULL), nodes > 0 ? (double)nodes : 1));
    return r;
}

json_t *civo_norm_bucket(const civo_instance *inst, const char *region, const json_t *item)
{
    json_t *r = civo_norm_base(inst, region, "storage.bucket", "civo:objectstore", item, "name");
    /* max_size: GB in current answers */
    double size = fwkx_num(item, "max_size_gb", fwkx_num(item, "max_size", -1));
    const char *generated = fwkx_str(item, "generated_name", NULL);

    if (!r)
        return NULL;
    if (json_is_null(json_object_get(r, "name")) && generated)
        json_object_set_new(r, "name", json_string(generated));
    json_object_set_new(r, "state", lower_or_null(fwkx_str(item, "status", NULL)));
    json_object_set_new(r, "monthly_cost", civo_price(inst, "objectstore", size));
    return r;
}
