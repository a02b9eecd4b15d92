/* gcp_normalize.c: Compute Engine instances, disks and networks to the normalized resource
   model (docs/model.md), with the helpers every GCP normalizer shares. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gcp.h"

const char *gcp_last_segment(const char *url, char *out, size_t size)
{
    const char *slash = url ? strrchr(url, '/') : NULL;

    snprintf(out, size, "%s", slash ? slash + 1 : url ? url : "");
    return out;
}

const char *gcp_zone_region(const char *zone, char *out, size_t size)
{
    const char *dash = zone ? strrchr(zone, '-') : NULL;

    /* europe-west2-a -> europe-west2; a region (one dash less: europe-west2) stays */
    if (dash && strchr(zone, '-') != dash && strlen(dash + 1) == 1)
        snprintf(out, size, "%.*s", (int)(dash - zone), zone);
    else
        snprintf(out, size, "%s", zone ? zone : "");
    return out;
}

bool gcp_region_wanted(const gcp_instance *inst, const char *location)
{
    char region[128];
    const json_t *want;
    size_t i;

    if (!inst->regions)
        return true;
    if (!location)
        return false;
    gcp_zone_region(location, region, sizeof region);
    json_array_foreach (inst->regions, i, want) {
        const char *text = json_string_value(want);
        if (text && (strcasecmp(text, location) == 0 || strcasecmp(text, region) == 0))
            return true;
    }
    return false;
}

/* `created` (RFC 3339 with any offset) as UTC "...Z", or null. */
static json_t *utc_time(const char *created)
{
    char out[FWKX_TIME_MAX];
    int64_t ms;

    if (!created || fwkx_time_parse(created, &ms) != 0)
        return json_null();
    return json_string(fwkx_time_format(ms, out, sizeof out));
}

json_t *gcp_norm_base(const char *project, const char *region, const char *kind,
                      const char *native_type, const char *id, const json_t *item,
                      const json_t *labels_value, const char *created)
{
    json_t *labels = json_object();
    json_t *resource;
    const char *key;
    json_t *value;

    if (!id || !*id || !labels)
        goto fail;
    json_object_foreach ((json_t *)labels_value, key, value) {
        if (json_is_string(value))
            json_object_set(labels, key, value);
    }
    resource = json_pack(
        "{s:o, s:s, s:s, s:o, s:s, s:s, s:s, s:o, s:n, s:o, s:o, s:n, s:n, s:n, s:o}", "uid",
        json_sprintf("gcp:%s:%s:%s:%s", project, region ? region : "global", kind, id), "provider",
        "gcp", "account", project, "region", region ? json_string(region) : json_null(), "kind",
        kind, "native_type", native_type, "id", id, "name",
        fwkx_text(item, "name", NULL) ? json_string(fwkx_str(item, "name", "")) : json_null(),
        "state", "labels", labels, "created_at", utc_time(created), "public", "encrypted",
        "monthly_cost", "attributes", json_deep_copy(item));
    return resource;
fail:
    json_decref(labels);
    return NULL;
}

/* Set resource[key] to `value` (reference taken), when the resource exists. */
static void put(json_t *resource, const char *key, json_t *value)
{
    if (resource)
        json_object_set_new(resource, key, value);
    else
        json_decref(value);
}

static json_t *attrs(json_t *resource)
{
    return json_object_get(resource, "attributes");
}

/* GCE's RUNNING as running; TERMINATED, STOPPED and SUSPENDED as stopped; others lower-cased. */
static json_t *run_state(const char *status)
{
    char buf[64];
    size_t i;

    if (!status)
        return json_null();
    if (strcmp(status, "RUNNING") == 0)
        return json_string("running");
    if (strcmp(status, "TERMINATED") == 0 || strcmp(status, "STOPPED") == 0 ||
        strcmp(status, "SUSPENDED") == 0)
        return json_string("stopped");
    for (i = 0; status[i] && i + 1 < sizeof buf; i++)
        buf[i] = (char)tolower((unsigned char)status[i]);
    buf[i] = '\0';
    return json_string(buf);
}

/* An instance is public when an interface has an external IPv4 or IPv6 access config. */
static bool has_external_ip(const json_t *item)
{
    const json_t *nic, *config;
    size_t i, j;

    json_array_foreach (json_object_get(item, "networkInterfaces"), i, nic) {
        json_array_foreach (json_object_get(nic, "accessConfigs"), j, config) {
            if (fwkx_text(config, "natIP", NULL) ||
                strcmp(fwkx_str(config, "type", ""), "ONE_TO_ONE_NAT") == 0)
                return true;
        }
        json_array_foreach (json_object_get(nic, "ipv6AccessConfigs"), j, config) {
            if (fwkx_text(config, "externalIpv6", NULL) ||
                strcmp(fwkx_str(config, "type", ""), "DIRECT_IPV6") == 0)
                return true;
        }
    }
    return false;
}

/* Metadata values may hold startup scripts with credentials and SSH keys: keep the keys. */
static void strip_metadata(json_t *attributes)
{
    json_t *metadata = json_object_get(attributes, "metadata");
    json_t *entry;
    size_t i;

    json_array_foreach (json_object_get(metadata, "items"), i, entry) {
        if (json_is_object(entry))
            json_object_del(entry, "value");
    }
}

json_t *gcp_norm_instance(const gcp_instance *inst, const char *project, const json_t *item)
{
    char zone[128], machine[128];
    const char *status = fwkx_str(item, "status", NULL);
    json_t *resource, *state;
    double price;

    gcp_last_segment(fwkx_str(item, "zone", NULL), zone, sizeof zone);
    resource = gcp_norm_base(project, *zone ? zone : NULL, "compute.instance", "compute:instance",
                             fwkx_text(item, "id", NULL), item, json_object_get(item, "labels"),
                             fwkx_str(item, "creationTimestamp", NULL));
    if (!resource)
        return NULL;
    state = run_state(status);
    gcp_last_segment(fwkx_str(item, "machineType", NULL), machine, sizeof machine);
    price = gcp_price_machine(inst, machine);
    /* a stopped instance bills no vCPU or memory; its disks are priced as volumes */
    if (json_is_string(state) && strcmp(json_string_value(state), "stopped") == 0)
        put(resource, "monthly_cost", json_real(0.0));
    else if (price >= 0)
        put(resource, "monthly_cost", json_real(price));
    if (json_is_string(state) && strcmp(json_string_value(state), "stopped") == 0)
        put(resource, "stopped_at", utc_time(fwkx_str(item, "lastStopTimestamp", NULL)));
    put(resource, "state", state);
    put(resource, "public", json_boolean(has_external_ip(item)));
    strip_metadata(attrs(resource));
    put(attrs(resource), "machine_type", *machine ? json_string(machine) : json_null());
    return resource;
}

/* How a disk's data is encrypted: customer-supplied key, customer-managed (KMS), Google's. */
static const char *disk_encryption(const json_t *item)
{
    const json_t *key = json_object_get(item, "diskEncryptionKey");

    if (fwkx_text(key, "sha256", NULL) || fwkx_text(key, "rawKey", NULL))
        return "customer-supplied";
    if (fwkx_text(key, "kmsKeyName", NULL))
        return "customer-managed";
    return "google-managed";
}

json_t *gcp_norm_disk(const gcp_instance *inst, const char *project, const json_t *item)
{
    char location[128], type[128];
    const char *where = fwkx_str(item, "zone", fwkx_str(item, "region", NULL));
    const json_t *users = json_object_get(item, "users");
    const char *size_text = fwkx_str(item, "sizeGb", NULL);
    double size_gb = size_text ? strtod(size_text, NULL) : fwkx_num(item, "sizeGb", -1);
    double price;
    json_t *resource;

    gcp_last_segment(where, location, sizeof location);
    resource = gcp_norm_base(project, *location ? location : NULL, "compute.volume", "compute:disk",
                             fwkx_text(item, "id", NULL), item, json_object_get(item, "labels"),
                             fwkx_str(item, "creationTimestamp", NULL));
    if (!resource)
        return NULL;
    gcp_last_segment(fwkx_str(item, "type", NULL), type, sizeof type);
    price = gcp_price_disk(inst, type);
    /* regional disks are replicated in two zones and bill twice */
    /* a size past 1e9 GB (GCP's largest disk is 64 TB), or not a number, has no cost */
    if (price >= 0 && size_gb >= 0 && size_gb <= 1e9) {
        double usd = price * size_gb * (fwkx_str(item, "region", NULL) ? 2 : 1);
        put(resource, "monthly_cost", json_real((double)(long long)(usd * 100 + 0.5) / 100));
    }
    put(resource, "state",
        fwkx_text(item, "status", NULL) ? json_string(fwkx_str(item, "status", "")) : json_null());
    /* Persistent Disk always encrypts at rest; the key's owner is said in attributes */
    put(resource, "encrypted", json_true());
    put(attrs(resource), "encryption_type", json_string(disk_encryption(item)));
    put(attrs(resource), "attached", json_boolean(json_array_size(users) > 0));
    put(attrs(resource), "disk_type", *type ? json_string(type) : json_null());
    return resource;
}

json_t *gcp_norm_network(const gcp_instance *inst, const char *project, const json_t *item)
{
    json_t *resource = gcp_norm_base(project, NULL, "network.network", "compute:network",
                                     fwkx_text(item, "id", NULL), item, NULL,
                                     fwkx_str(item, "creationTimestamp", NULL));

    /* networks have no state in the API, and cost nothing by themselves */
    (void)inst;
    put(resource, "monthly_cost", resource ? json_real(0.0) : NULL);
    return resource;
}
