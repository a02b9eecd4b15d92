/* fuzz_civo.c: the Civo provider's normalizers (civo_norm_*, civo_norm_rule,
   civo_cluster_access) over any JSON item, as a Civo API listing might return it. Every
   resource they make is well formed (uid, provider, kind, labels) and holds no credential
   field at any depth. */
#include <string.h>

#include "civo.h"
#include "fawkes_fake_host.h"
#include "fuzz.h"

static civo_instance fuzz_inst;

/* The credential fields civo_strip_secrets removes (civo_normalize.c). */
static const char *const fuzz_secret_fields[] = {
    "password", "secret_access_key", "kubeconfig", "initial_password", "rescue_password", NULL};

static void fuzz_no_secrets(const json_t *value, const char *what)
{
    const char *key;
    json_t *child;
    size_t i;
    if (json_is_object(value)) {
        json_object_foreach ((json_t *)value, key, child) {
            for (i = 0; fuzz_secret_fields[i]; i++)
                fuzz_check(strcmp(key, fuzz_secret_fields[i]) != 0, "%s keeps \"%s\"", what, key);
            fuzz_no_secrets(child, what);
        }
    } else if (json_is_array(value)) {
        json_array_foreach (value, i, child)
            fuzz_no_secrets(child, what);
    }
}

/* Check one normalized resource (reference taken). */
static void fuzz_resource(json_t *resource, const char *kind, const char *what)
{
    if (!resource)
        return;
    const char *uid = json_string_value(json_object_get(resource, "uid"));
    fuzz_check(uid != NULL, "%s: no uid", what);
    fuzz_check(strncmp(uid, "civo:acme:LON1:", 15) == 0, "%s: uid %s", what, uid);
    fuzz_check(strcmp(json_string_value(json_object_get(resource, "provider")), "civo") == 0,
               "%s: provider", what);
    if (kind)
        fuzz_check(strcmp(json_string_value(json_object_get(resource, "kind")), kind) == 0,
                   "%s: kind", what);
    fuzz_check(json_is_object(json_object_get(resource, "labels")), "%s: labels", what);
    fuzz_check(json_is_string(json_object_get(resource, "id")), "%s: id", what);
    fuzz_no_secrets(resource, what);
    char *text = json_dumps(resource, JSON_COMPACT);
    fuzz_check(text != NULL, "%s: cannot be written as JSON", what);
    free(text);
    json_decref(resource);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_inst.host = fake_host();
    fuzz_inst.account = "acme";
    fuzz_inst.endpoint = "http://civo.test";
    fuzz_inst.per_page = 2;
    fuzz_inst.firewall_tasks = 1;
    fuzz_inst.prices = json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "g3.xsmall", 5.0,
                                 "g2.xsmall", 10.0, "g3.db.small", 30.0, "volume", 0.1,
                                 "objectstore", 0.01, "g3.small", 73.0, "g4s.kube.medium", 40.0);
    fuzz_check(fuzz_inst.prices != NULL, "out of memory");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *item = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
    if (!item)
        return 0;
    const char *region = "LON1";
    const json_t *rules = json_object_get(item, "rules");
    if (!rules && json_is_array(item))
        rules = item;

    fuzz_resource(civo_norm_instance(&fuzz_inst, region, item), "compute.instance", "instance");
    fuzz_resource(civo_norm_volume(&fuzz_inst, region, item), "compute.volume", "volume");
    fuzz_resource(civo_norm_database(&fuzz_inst, region, item), NULL, "database");
    fuzz_resource(civo_norm_bucket(&fuzz_inst, region, item), "storage.bucket", "bucket");
    fuzz_resource(civo_norm_network(&fuzz_inst, region, item), NULL, "network");
    fuzz_resource(civo_norm_firewall(&fuzz_inst, region, item, NULL), NULL, "firewall");
    fuzz_resource(civo_norm_firewall(&fuzz_inst, region, item, rules), NULL, "firewall+rules");

    json_t *cluster = civo_norm_cluster(&fuzz_inst, region, item);
    if (cluster) {
        civo_cluster_access(cluster, rules);
        fuzz_check(json_object_get(json_object_get(cluster, "attributes"), "api_firewall"),
                   "cluster access left no attributes.api_firewall");
        fuzz_resource(cluster, NULL, "cluster");
    }

    size_t i;
    json_t *rule;
    json_array_foreach (rules, i, rule) {
        json_t *normalized = civo_norm_rule(rule);
        if (normalized) {
            fuzz_no_secrets(normalized, "rule");
            json_decref(normalized);
        }
    }
    json_decref(item);
    return 0;
}
