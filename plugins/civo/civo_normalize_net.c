/* civo_normalize_net.c: raw Civo networks and firewalls (with their rules) to the normalized
   model; rules become attributes.rules[] {direction, protocol, ports, cidrs, action}. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civo.h"

json_t *civo_norm_network(const civo_instance *inst, const char *region, const json_t *item)
{
    json_t *r = civo_norm_base(inst, region, "network.network", "civo:network", item, "label");
    const char *status = fwkx_str(item, "status", NULL), *name = fwkx_str(item, "name", NULL);

    if (!r)
        return NULL;
    if (json_is_null(json_object_get(r, "name")) && name)
        json_object_set_new(r, "name", json_string(name));
    if (status) {
        char lower[64];
        size_t i;
        for (i = 0; status[i] && i + 1 < sizeof lower; i++)
            lower[i] = (char)tolower((unsigned char)status[i]);
        lower[i] = '\0';
        json_object_set_new(r, "state", json_string(lower));
    }
    return r;
}

/* A port field as a number: Civo sends strings ("22"), sometimes numbers; -1 when absent,
   empty or not a port. */
static long port_of(const json_t *value)
{
    const char *text = json_string_value(value);
    char *end;
    long port;

    if (json_is_integer(value))
        return (long)json_integer_value(value);
    if (!text || !*text)
        return -1;
    port = strtol(text, &end, 10);
    return *end == '\0' && port >= 0 && port <= 65535 ? port : -1;
}

/* "22", "1-65535", or "all" when the rule names no port (Civo's ICMP rules, "all ports"). */
static json_t *ports_of(const json_t *rule)
{
    long start = port_of(json_object_get(rule, "start_port"));
    long end = port_of(json_object_get(rule, "end_port"));

    if (start < 0)
        return json_string("all");
    if (end < 0 || end == start)
        return json_sprintf("%ld", start);
    return start < end ? json_sprintf("%ld-%ld", start, end) : json_sprintf("%ld-%ld", end, start);
}

/* Civo's "cidr": a list, or a single string in older answers; 0.0.0.0/0 when absent
   (Civo's default for a rule created without a CIDR). */
static json_t *cidrs_of(const json_t *rule)
{
    const json_t *cidr = json_object_get(rule, "cidr");
    json_t *list = json_array();
    size_t i;
    const json_t *item;

    if (json_is_string(cidr)) {
        /* "a, b" strings are split on commas */
        const char *p = json_string_value(cidr);
        while (*p) {
            size_t n = strcspn(p, ",");
            char one[64];
            snprintf(one, sizeof one, "%.*s", (int)n, p);
            char *s = one;
            while (*s == ' ')
                s++;
            for (char *e = s + strlen(s); e > s && e[-1] == ' ';)
                *--e = '\0';
            if (*s)
                json_array_append_new(list, json_string(s));
            p += n;
            if (*p == ',')
                p++;
        }
    } else if (json_is_array(cidr)) {
        json_array_foreach (cidr, i, item) {
            if (json_is_string(item))
                json_array_append_new(list, json_copy((json_t *)item));
        }
    } else {
        json_array_append_new(list, json_string("0.0.0.0/0"));
    }
    return list;
}

static json_t *lower_or(const char *text, const char *fallback)
{
    char buf[64];
    size_t i;

    if (!text || !*text)
        return json_string(fallback);
    for (i = 0; text[i] && i + 1 < sizeof buf; i++)
        buf[i] = (char)tolower((unsigned char)text[i]);
    buf[i] = '\0';
    return json_string(buf);
}

json_t *civo_norm_rule(const json_t *rule)
{
    return json_pack("{s:s?, s:o, s:o, s:o, s:o, s:o, s:s?}", "id", fwkx_str(rule, "id", NULL),
                     "direction", lower_or(fwkx_str(rule, "direction", NULL), "ingress"),
                     "protocol", lower_or(fwkx_str(rule, "protocol", NULL), "tcp"), "ports",
                     ports_of(rule), "cidrs", cidrs_of(rule), "action",
                     lower_or(fwkx_str(rule, "action", NULL), "allow"), "label",
                     fwkx_str(rule, "label", NULL));
}

/* Does a normalized rule let traffic in? */
static bool ingress_allow(const json_t *rule)
{
    return strcmp(fwkx_str(rule, "direction", ""), "ingress") == 0 &&
           strcmp(fwkx_str(rule, "action", ""), "allow") == 0;
}

/* Does a normalized rule let the whole internet in? */
static bool open_to_internet(const json_t *rule)
{
    const json_t *cidrs = json_object_get(rule, "cidrs"), *cidr;
    size_t i;

    if (!ingress_allow(rule))
        return false;
    json_array_foreach (cidrs, i, cidr) {
        const char *text = json_string_value(cidr);
        if (strcmp(text, "0.0.0.0/0") == 0 || strcmp(text, "::/0") == 0)
            return true;
    }
    return false;
}

json_t *civo_norm_firewall(const civo_instance *inst, const char *region, const json_t *item,
                           const json_t *rules)
{
    json_t *r = civo_norm_base(inst, region, "network.firewall", "civo:firewall", item, "name");
    json_t *normalized, *attributes, *raw;
    const json_t *rule;
    bool open = false;
    size_t i;

    if (!r)
        return NULL;
    attributes = json_object_get(r, "attributes");
    if (!json_is_array(rules)) {
        json_object_set_new(attributes, "rules", json_null());
        return r;
    }
    normalized = json_array();
    json_array_foreach (rules, i, rule) {
        json_t *one = civo_norm_rule(rule);
        open = open || open_to_internet(one);
        json_array_append_new(normalized, one);
    }
    json_object_set_new(attributes, "rules", normalized);
    raw = json_deep_copy(rules);
    civo_strip_secrets(raw); /* raw fields are kept, credentials never */
    json_object_set_new(attributes, "raw_rules", raw);
    json_object_set_new(r, "public", json_boolean(open));
    return r;
}

/* Does a normalized rule's "ports" ("all", "22", "80-90") include `port`? */
static bool covers_port(const json_t *rule, long port)
{
    const char *ports = fwkx_str(rule, "ports", NULL);
    long low, high;
    char *end;

    if (!ports || strcmp(ports, "all") == 0)
        return true;
    low = strtol(ports, &end, 10);
    high = *end == '-' ? strtol(end + 1, &end, 10) : low;
    return *end == '\0' && low <= port && port <= high;
}

/* The Kubernetes API port of Civo's clusters. */
#define CIVO_KUBE_API_PORT 6443

void civo_cluster_access(json_t *cluster, const json_t *raw_rules)
{
    json_t *attributes = json_object_get(cluster, "attributes");
    json_t *reaching, *rule;
    const json_t *raw;
    bool open = false;
    size_t i;

    if (!json_is_array(raw_rules)) {
        json_object_set_new(attributes, "api_firewall", json_null());
        return;
    }
    reaching = json_array();
    json_array_foreach (raw_rules, i, raw) {
        const char *protocol;
        rule = civo_norm_rule(raw);
        protocol = fwkx_str(rule, "protocol", "");
        if (ingress_allow(rule) && (strcmp(protocol, "tcp") == 0 || strcmp(protocol, "all") == 0) &&
            covers_port(rule, CIVO_KUBE_API_PORT)) {
            open = open || open_to_internet(rule);
            json_array_append(reaching, rule);
        }
        json_decref(rule);
    }
    json_object_set_new(attributes, "api_firewall",
                        json_pack("{s:s?, s:b, s:o}", "id",
                                  fwkx_str(attributes, "firewall_id", NULL), "open_to_internet",
                                  open, "rules", reaching));
    if (fwkx_bool(cluster, "public", 0))
        json_object_set_new(cluster, "public", json_boolean(open));
}
