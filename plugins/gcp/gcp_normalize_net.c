/* gcp_normalize_net.c: VPC firewall rules (with their normalized rules), GKE clusters and
   Cloud SQL instances to the normalized resource model: the kinds whose `public` is about who
   may connect. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcp.h"

/* Credential fields of a cluster's masterAuth: never copied. */
static const char *const gcp_master_secrets[] = {"password", "clientKey", "clientCertificate",
                                                 NULL};

static json_t *lower(const char *text)
{
    char buf[64];
    size_t i;

    for (i = 0; text[i] && i + 1 < sizeof buf; i++)
        buf[i] = (char)tolower((unsigned char)text[i]);
    buf[i] = '\0';
    return json_string(buf);
}

static json_t *str_or_null(const json_t *object, const char *key)
{
    const char *text = fwkx_text(object, key, NULL);

    return text ? json_string(text) : json_null();
}

/* A copy of a list of strings member, or [] when absent. */
static json_t *strings(const json_t *object, const char *key)
{
    const json_t *list = json_object_get(object, key);
    json_t *out = json_array();
    const json_t *value;
    size_t i;

    json_array_foreach (list, i, value) {
        if (json_is_string(value))
            json_array_append(out, (json_t *)value);
    }
    return out;
}

static bool open_to_world(const json_t *cidrs)
{
    const json_t *cidr;
    size_t i;

    json_array_foreach (cidrs, i, cidr) {
        const char *text = json_string_value(cidr);
        if (text && (strcmp(text, "0.0.0.0/0") == 0 || strcmp(text, "::/0") == 0))
            return true;
    }
    return false;
}

/* The addresses a rule applies to: sources of ingress, destinations of egress. A rule that
   names none of sourceRanges, sourceTags and sourceServiceAccounts (ingress), or no
   destinationRanges (egress), applies to every address, as Google documents. */
static json_t *rule_cidrs(const json_t *item, bool ingress)
{
    json_t *cidrs = strings(item, ingress ? "sourceRanges" : "destinationRanges");

    if (json_array_size(cidrs) == 0 &&
        (!ingress || (json_array_size(json_object_get(item, "sourceTags")) == 0 &&
                      json_array_size(json_object_get(item, "sourceServiceAccounts")) == 0)))
        json_array_append_new(cidrs, json_string("0.0.0.0/0"));
    return cidrs;
}

/* Append one rule per entry of `entries` (allowed or denied) with `action`. */
static void add_rules(json_t *rules, const json_t *item, const json_t *entries, const char *action)
{
    const char *direction = fwkx_str(item, "direction", "INGRESS");
    bool ingress = strcasecmp(direction, "EGRESS") != 0;
    const json_t *entry;
    size_t i;

    json_array_foreach (entries, i, entry) {
        const json_t *ports = json_object_get(entry, "ports");
        json_t *rule = json_pack(
            "{s:o, s:s, s:o, s:o, s:o, s:s, s:I, s:b, s:o, s:o, s:o}", "id",
            str_or_null(item, "name"), "direction", ingress ? "ingress" : "egress", "protocol",
            lower(fwkx_str(entry, "IPProtocol", "all")), "ports",
            json_array_size(ports) > 0 ? strings(entry, "ports") : json_string("all"), "cidrs",
            rule_cidrs(item, ingress), "action", action, "priority",
            fwkx_int(item, "priority", 1000), "disabled", fwkx_bool(item, "disabled", 0),
            "target_tags", strings(item, "targetTags"), "target_service_accounts",
            strings(item, "targetServiceAccounts"), "source_tags", strings(item, "sourceTags"));
        if (rule)
            json_array_append_new(rules, rule);
    }
}

json_t *gcp_firewall_rules(const json_t *item)
{
    json_t *rules = json_array();

    add_rules(rules, item, json_object_get(item, "allowed"), "allow");
    add_rules(rules, item, json_object_get(item, "denied"), "deny");
    return rules;
}

json_t *gcp_norm_firewall(const gcp_instance *inst, const char *project, const json_t *item)
{
    json_t *resource = gcp_norm_base(project, NULL, "network.firewall", "compute:firewall",
                                     fwkx_text(item, "id", NULL), item, NULL,
                                     fwkx_str(item, "creationTimestamp", NULL));
    json_t *rules, *rule;
    bool disabled = fwkx_bool(item, "disabled", 0);
    bool open = false;
    size_t i;

    (void)inst;
    if (!resource)
        return NULL;
    rules = gcp_firewall_rules(item);
    json_array_foreach (rules, i, rule) {
        if (strcmp(fwkx_str(rule, "direction", ""), "ingress") == 0 &&
            strcmp(fwkx_str(rule, "action", ""), "allow") == 0 &&
            open_to_world(json_object_get(rule, "cidrs")))
            open = true;
    }
    json_object_set_new(resource, "state", json_string(disabled ? "DISABLED" : "ENABLED"));
    json_object_set_new(resource, "public", json_boolean(open && !disabled));
    json_object_set_new(resource, "monthly_cost", json_real(0.0));
    json_object_set_new(json_object_get(resource, "attributes"), "rules", rules);
    return resource;
}

/* The CIDR blocks of masterAuthorizedNetworksConfig when enabled, else null. */
static json_t *authorized_blocks(const json_t *item)
{
    const json_t *config = json_object_get(item, "masterAuthorizedNetworksConfig");
    const json_t *block;
    json_t *out;
    size_t i;

    if (!fwkx_bool(config, "enabled", 0))
        return json_null();
    out = json_array();
    json_array_foreach (json_object_get(config, "cidrBlocks"), i, block) {
        const char *cidr = fwkx_text(block, "cidrBlock", NULL);
        if (cidr)
            json_array_append_new(out, json_string(cidr));
    }
    return out;
}

json_t *gcp_norm_cluster(const gcp_instance *inst, const char *project, const json_t *item)
{
    const char *location = fwkx_text(item, "location", fwkx_text(item, "zone", NULL));
    json_t *resource = gcp_norm_base(
        project, location, "kubernetes.cluster", "container:cluster", fwkx_text(item, "name", NULL),
        item, json_object_get(item, "resourceLabels"), fwkx_str(item, "createTime", NULL));
    bool private_endpoint =
        fwkx_bool(json_object_get(item, "privateClusterConfig"), "enablePrivateEndpoint", 0);
    const char *secrets = fwkx_str(json_object_get(item, "databaseEncryption"), "state", "");
    json_t *attributes, *blocks;

    (void)inst;
    if (!resource)
        return NULL;
    attributes = json_object_get(resource, "attributes");
    for (size_t i = 0; gcp_master_secrets[i]; i++)
        json_object_del(json_object_get(attributes, "masterAuth"), gcp_master_secrets[i]);
    blocks = authorized_blocks(item);
    json_object_set_new(resource, "state", str_or_null(item, "status"));
    /* reachable from the internet: a public endpoint open to all, or to 0.0.0.0/0 */
    json_object_set_new(
        resource, "public",
        json_boolean(!private_endpoint && (json_is_null(blocks) || open_to_world(blocks))));
    json_object_set_new(resource, "encrypted",
                        strcmp(secrets, "ENCRYPTED") == 0   ? json_true()
                        : strcmp(secrets, "DECRYPTED") == 0 ? json_false()
                                                            : json_null());
    /* the cluster management fee, USD 0.10 an hour; nodes are priced as instances */
    json_object_set_new(resource, "monthly_cost", json_real(73.0));
    json_object_set_new(attributes, "kubernetes_version",
                        str_or_null(item, "currentMasterVersion"));
    json_object_set_new(attributes, "private_endpoint", json_boolean(private_endpoint));
    json_object_set_new(attributes, "master_authorized_networks", blocks);
    return resource;
}

/* Whether Cloud SQL refuses connections without TLS. */
static bool ssl_required(const json_t *ip)
{
    const char *mode = fwkx_str(ip, "sslMode", "");

    return fwkx_bool(ip, "requireSsl", 0) || strcmp(mode, "ENCRYPTED_ONLY") == 0 ||
           strcmp(mode, "TRUSTED_CLIENT_CERTIFICATE_REQUIRED") == 0;
}

json_t *gcp_norm_sql(const gcp_instance *inst, const char *project, const json_t *item)
{
    const json_t *settings = json_object_get(item, "settings");
    const json_t *ip = json_object_get(settings, "ipConfiguration");
    json_t *resource =
        gcp_norm_base(project, fwkx_text(item, "region", NULL), "database.instance",
                      "sqladmin:instance", fwkx_text(item, "name", NULL), item,
                      json_object_get(settings, "userLabels"), fwkx_str(item, "createTime", NULL));
    json_t *networks = json_array(), *attributes;
    const json_t *network;
    bool public_ip = fwkx_bool(ip, "ipv4Enabled", 0);
    double price = gcp_price_machine(inst, fwkx_str(settings, "tier", NULL));
    size_t i;

    if (!resource) {
        json_decref(networks);
        return NULL;
    }
    json_array_foreach (json_object_get(ip, "authorizedNetworks"), i, network) {
        const char *value = fwkx_text(network, "value", NULL);
        if (value)
            json_array_append_new(networks, json_string(value));
    }
    attributes = json_object_get(resource, "attributes");
    json_object_del(attributes, "rootPassword");
    json_object_set_new(resource, "state", str_or_null(item, "state"));
    /* connections from the internet: a public IP and some authorized network */
    json_object_set_new(resource, "public",
                        json_boolean(public_ip && json_array_size(networks) > 0));
    json_object_set_new(resource, "encrypted", json_true());
    if (price >= 0)
        json_object_set_new(resource, "monthly_cost", json_real(price));
    json_object_set_new(attributes, "public_ip", json_boolean(public_ip));
    json_object_set_new(attributes, "authorized_networks", networks);
    json_object_set_new(
        attributes, "backups_enabled",
        json_boolean(fwkx_bool(json_object_get(settings, "backupConfiguration"), "enabled", 0)));
    json_object_set_new(
        attributes, "high_availability",
        json_boolean(strcmp(fwkx_str(settings, "availabilityType", ""), "REGIONAL") == 0));
    json_object_set_new(attributes, "ssl_required", json_boolean(ssl_required(ip)));
    json_object_set_new(attributes, "deletion_protection",
                        json_boolean(fwkx_bool(settings, "deletionProtectionEnabled", 0)));
    json_object_set_new(attributes, "encryption_type",
                        json_string(fwkx_text(json_object_get(item, "diskEncryptionConfiguration"),
                                              "kmsKeyName", NULL)
                                        ? "customer-managed"
                                        : "google-managed"));
    return resource;
}
