/* misconfig_firewall.c: firewall rules open to the internet (attributes.rules[] of
 * network.firewall). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "misconfig.h"

#define MISCONFIG_SSH_PORT 22
#define MISCONFIG_RDP_PORT 3389

/* The three firewall rules, in the order of their evidence arrays. */
static const misconfig_rule_id misconfig_fw_rules[3] = {
    MISCONFIG_FIREWALL_SSH, MISCONFIG_FIREWALL_RDP, MISCONFIG_FIREWALL_OPEN};

/* What one rule exposes to the internet. */
typedef struct misconfig_exposure {
    bool tcp, udp;        /* protocol family the rule covers */
    bool ssh, rdp, other; /* exposes 22/tcp; 3389/tcp or udp; anything else */
} misconfig_exposure;

/* What the whole rules array adds up to. */
typedef struct misconfig_fw_result {
    json_t *hits[3];    /* per misconfig_fw_rules entry: evidence of the rules that expose it */
    char where[3][512]; /* per entry: "rules[0] tcp 22 from 0.0.0.0/0; ..." for messages */
    size_t bad;         /* unreadable rules */
    char why[256];      /* the first reason one was unreadable */
} misconfig_fw_result;

static void misconfig_cover(misconfig_exposure *ex, long lo, long hi)
{
    long admin = 0;

    if (ex->tcp && lo <= MISCONFIG_SSH_PORT && MISCONFIG_SSH_PORT <= hi) {
        ex->ssh = true;
        admin++;
    }
    if ((ex->tcp || ex->udp) && lo <= MISCONFIG_RDP_PORT && MISCONFIG_RDP_PORT <= hi) {
        ex->rdp = true;
        admin++;
    }
    if (hi - lo + 1 > admin)
        ex->other = true;
}

/* One port item: 22, "22", "20-30", "all"/"any"/"*". Returns 0, or -1 with `why`. */
static int misconfig_port_item(const json_t *item, misconfig_exposure *ex, const char *where,
                               char *why, size_t size)
{
    const char *text = json_string_value(item);
    long lo, hi;
    char *end;

    if (json_is_integer(item)) {
        lo = hi = (long)json_integer_value(item);
    } else if (!text) {
        snprintf(why, size, "%s: expected a port (\"22\", \"20-30\", \"all\"), got %s", where,
                 fwkx_type_name(item));
        return -1;
    } else if (strcasecmp(text, "all") == 0 || strcmp(text, "*") == 0 ||
               strcasecmp(text, "any") == 0) {
        lo = 0;
        hi = 65535;
    } else {
        errno = 0;
        lo = strtol(text, &end, 10);
        hi = lo;
        if (end != text && *end == '-')
            hi = strtol(end + 1, &end, 10);
        if (errno || end == text || *end != '\0') {
            snprintf(why, size, "%s: expected a port (\"22\", \"20-30\", \"all\"), got \"%s\"",
                     where, text);
            return -1;
        }
    }
    if (lo < 0 || hi > 65535 || lo > hi) {
        snprintf(why, size, "%s: port range %ld-%ld is outside 0-65535 or reversed", where, lo, hi);
        return -1;
    }
    misconfig_cover(ex, lo, hi);
    return 0;
}

/* Ports as a string, an integer, a list of those, or absent/null for all. */
static int misconfig_ports(const json_t *ports, misconfig_exposure *ex, const char *where,
                           char *why, size_t size)
{
    char item_where[96];
    const json_t *item;
    size_t i;

    if (!ports || json_is_null(ports)) {
        misconfig_cover(ex, 0, 65535);
        return 0;
    }
    if (!json_is_array(ports))
        return misconfig_port_item(ports, ex, where, why, size);
    json_array_foreach (ports, i, item) {
        snprintf(item_where, sizeof(item_where), "%s[%zu]", where, i);
        if (misconfig_port_item(item, ex, item_where, why, size) != 0)
            return -1;
    }
    return 0;
}

/* Set ex->tcp/udp from the protocol; false (with why) when it is not a string or number.
   Protocols without ports (icmp, esp, ...) leave both false: they are not judged here. */
static int misconfig_protocol(const json_t *protocol, misconfig_exposure *ex, const char *where,
                              char *why, size_t size)
{
    char number[32];
    const char *text = json_string_value(protocol);

    if (json_is_integer(protocol)) {
        snprintf(number, sizeof(number), "%lld", (long long)json_integer_value(protocol));
        text = number;
    }
    if (!text) {
        snprintf(why, size, "%s.protocol: expected a protocol name, got %s", where,
                 protocol ? fwkx_type_name(protocol) : "nothing");
        return -1;
    }
    if (strcasecmp(text, "all") == 0 || strcmp(text, "-1") == 0 || strcmp(text, "*") == 0 ||
        strcasecmp(text, "any") == 0)
        ex->tcp = ex->udp = true;
    else if (strcasecmp(text, "tcp") == 0 || strcmp(text, "6") == 0)
        ex->tcp = true;
    else if (strcasecmp(text, "udp") == 0 || strcmp(text, "17") == 0)
        ex->udp = true;
    return 0;
}

/* The sources of a rule that are the whole internet, as a new array; NULL with why. */
static json_t *misconfig_world_cidrs(const json_t *cidrs, const char *where, char *why, size_t size)
{
    json_t *world;
    const json_t *cidr;
    size_t i;

    if (!json_is_array(cidrs)) {
        snprintf(why, size, "%s.cidrs: expected a list of CIDRs, got %s", where,
                 cidrs ? fwkx_type_name(cidrs) : "nothing");
        return NULL;
    }
    world = json_array();
    json_array_foreach (cidrs, i, cidr) {
        const char *text = json_string_value(cidr);

        if (!text) {
            snprintf(why, size, "%s.cidrs[%zu]: expected a CIDR string, got %s", where, i,
                     fwkx_type_name(cidr));
            json_decref(world);
            return NULL;
        }
        if (strcmp(text, "0.0.0.0/0") == 0 || strcmp(text, "::/0") == 0)
            json_array_append_new(world, json_string(text));
    }
    return world;
}

/* direction and action: sets *applies when the rule allows ingress. -1 with why. */
static int misconfig_rule_applies(const json_t *rule, const char *where, bool *applies, char *why,
                                  size_t size)
{
    const char *direction = fwkx_str(rule, "direction", NULL);
    const json_t *action_value = json_object_get(rule, "action");
    const char *action = json_string_value(action_value);

    if (!direction ||
        (strcasecmp(direction, "ingress") != 0 && strcasecmp(direction, "inbound") != 0 &&
         strcasecmp(direction, "egress") != 0 && strcasecmp(direction, "outbound") != 0)) {
        snprintf(why, size, "%s.direction: expected \"ingress\" or \"egress\", got %s", where,
                 direction ? direction : "nothing");
        return -1;
    }
    if (action_value && !json_is_null(action_value) &&
        (!action || (strcasecmp(action, "allow") != 0 && strcasecmp(action, "accept") != 0 &&
                     strcasecmp(action, "deny") != 0 && strcasecmp(action, "drop") != 0))) {
        snprintf(why, size, "%s.action: expected \"allow\" or \"deny\", got %s", where,
                 action ? action : fwkx_type_name(action_value));
        return -1;
    }
    const json_t *disabled = json_object_get(rule, "disabled");
    if (disabled && !json_is_null(disabled) && !json_is_boolean(disabled)) {
        snprintf(why, size, "%s.disabled: expected true or false, got %s", where,
                 fwkx_type_name(disabled));
        return -1;
    }
    /* a disabled rule (GCP's `disabled: true`) lets nothing through */
    *applies = (strcasecmp(direction, "ingress") == 0 || strcasecmp(direction, "inbound") == 0) &&
               (!action || strcasecmp(action, "allow") == 0 || strcasecmp(action, "accept") == 0) &&
               !json_is_true(disabled);
    return 0;
}

/* A value as people write it: strings bare, lists joined with ",", others as JSON. */
static void misconfig_json_text(const json_t *value, char *buf, size_t size)
{
    const json_t *item;
    size_t i, used = 0;
    char *dumped;

    buf[0] = '\0';
    if (json_is_string(value)) {
        snprintf(buf, size, "%s", json_string_value(value));
    } else if (json_is_array(value)) {
        json_array_foreach (value, i, item) {
            char one[64];

            misconfig_json_text(item, one, sizeof(one));
            if (used + 1 < size)
                used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? "," : "", one);
        }
    } else if ((dumped = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY)) != NULL) {
        snprintf(buf, size, "%s", dumped);
        free(dumped);
    }
}

/* Add rule `index` (exposing `which`) to the evidence and to the message text. */
static void misconfig_record_hit(misconfig_fw_result *res, int which, size_t index,
                                 const json_t *rule, const json_t *world)
{
    const json_t *ports = json_object_get(rule, "ports");
    const json_t *protocol = json_object_get(rule, "protocol");
    json_t *ports_value =
        ports && !json_is_null(ports) ? json_incref((json_t *)ports) : json_string("all");
    char ports_text[128], protocol_text[32], cidrs_text[128];
    size_t used = strlen(res->where[which]);

    misconfig_json_text(ports_value, ports_text, sizeof(ports_text));
    misconfig_json_text(protocol, protocol_text, sizeof(protocol_text));
    misconfig_json_text(world, cidrs_text, sizeof(cidrs_text));
    json_array_append_new(res->hits[which],
                          json_pack("{s:I, s:O, s:o, s:O}", "index", (json_int_t)index, "protocol",
                                    protocol, "ports", ports_value, "cidrs", world));
    if (used + 1 < sizeof(res->where[which]))
        snprintf(res->where[which] + used, sizeof(res->where[which]) - used,
                 "%srules[%zu] %s %s from %s", used ? "; " : "", index, protocol_text, ports_text,
                 cidrs_text);
}

/* Judge one element of attributes.rules; an unreadable one is counted in res->bad. */
static void misconfig_fw_rule(misconfig_fw_result *res, const json_t *rule, size_t index)
{
    char where[64], why[256];
    misconfig_exposure ex;
    json_t *world = NULL;
    bool applies = false;

    memset(&ex, 0, sizeof(ex));
    snprintf(where, sizeof(where), "attributes.rules[%zu]", index);
    if (!json_is_object(rule)) {
        snprintf(why, sizeof(why), "%s: expected an object, got %s", where, fwkx_type_name(rule));
        goto bad;
    }
    if (misconfig_rule_applies(rule, where, &applies, why, sizeof(why)) != 0 ||
        misconfig_protocol(json_object_get(rule, "protocol"), &ex, where, why, sizeof(why)) != 0 ||
        !(world = misconfig_world_cidrs(json_object_get(rule, "cidrs"), where, why, sizeof(why))))
        goto bad;
    snprintf(where, sizeof(where), "attributes.rules[%zu].ports", index);
    if (misconfig_ports(json_object_get(rule, "ports"), &ex, where, why, sizeof(why)) != 0)
        goto bad;
    if (applies && json_array_size(world) > 0 && (ex.tcp || ex.udp)) {
        if (ex.ssh)
            misconfig_record_hit(res, 0, index, rule, world);
        if (ex.rdp)
            misconfig_record_hit(res, 1, index, rule, world);
        if (ex.other)
            misconfig_record_hit(res, 2, index, rule, world);
    }
    json_decref(world);
    return;
bad:
    json_decref(world);
    if (res->bad++ == 0)
        snprintf(res->why, sizeof(res->why), "%s", why);
}

static const char *const misconfig_fw_what[3] = {"SSH (tcp/22)", "RDP (3389)", "inbound traffic"};

void misconfig_check_firewall(misconfig_scan *scan)
{
    const json_t *rules = fwkx_path(scan->resource, "attributes.rules");
    const json_t *rule;
    misconfig_fw_result res;
    size_t i;
    int which;

    if (strcmp(scan->kind, "network.firewall") != 0 || !rules || json_is_null(rules) ||
        !(misconfig_enabled(scan, MISCONFIG_FIREWALL_SSH) ||
          misconfig_enabled(scan, MISCONFIG_FIREWALL_RDP) ||
          misconfig_enabled(scan, MISCONFIG_FIREWALL_OPEN)))
        return;
    memset(&res, 0, sizeof(res));
    for (which = 0; which < 3; which++)
        res.hits[which] = json_array();
    if (!json_is_array(rules)) {
        res.bad = 1;
        snprintf(res.why, sizeof(res.why), "attributes.rules: expected a list of rules, got %s",
                 fwkx_type_name(rules));
    } else {
        json_array_foreach (rules, i, rule)
            misconfig_fw_rule(&res, rule, i);
    }
    for (which = 0; which < 3; which++) {
        misconfig_rule_id id = misconfig_fw_rules[which];

        if (json_array_size(res.hits[which]) > 0)
            misconfig_emit(scan, id, "fail", json_pack("{s:O}", "rules", res.hits[which]),
                           "%s allows %s from the internet: %s", scan->subject,
                           misconfig_fw_what[which], res.where[which]);
        else if (res.bad > 0)
            misconfig_emit(scan, id, "error", json_pack("{s:s}", "problem", res.why),
                           "could not evaluate %s: %s (%zu unreadable rule%s); fix the provider's "
                           "output",
                           scan->subject, res.why, res.bad, res.bad == 1 ? "" : "s");
        json_decref(res.hits[which]);
    }
}
