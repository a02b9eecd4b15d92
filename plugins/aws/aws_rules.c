/* aws_rules.c: security group permissions (IpPermissions[Egress]) in the model's rule shape. */
#include <stdio.h>
#include <string.h>

#include "aws.h"

/* "22", "8000-8100" or "all" (every port: protocol -1, or no ports given). */
static json_t *ports_of(const json_t *perm, const char *protocol)
{
    const json_t *from = json_object_get(perm, "FromPort");
    const json_t *to = json_object_get(perm, "ToPort");
    json_int_t lo, hi;

    if (strcmp(protocol, "-1") == 0 || !json_is_integer(from))
        return json_string("all");
    lo = json_integer_value(from);
    hi = json_is_integer(to) ? json_integer_value(to) : lo;
    if (strcmp(protocol, "icmp") == 0 || strcmp(protocol, "icmpv6") == 0 || lo < 0)
        return json_string("all");
    if (lo == 0 && hi == 65535)
        return json_string("0-65535");
    if (lo == hi)
        return json_sprintf("%lld", (long long)lo);
    return json_sprintf("%lld-%lld", (long long)lo, (long long)hi);
}

/* Append every `field` of the entries of list `key` in `perm` to `out`. */
static void collect(const json_t *perm, const char *key, const char *field, json_t *out)
{
    json_t *owned;
    const json_t *list = aws_as_list(json_object_get(perm, key), &owned);
    size_t i;
    const json_t *entry;

    json_array_foreach (list, i, entry) {
        const char *value = fwkx_str(entry, field, NULL);
        if (value)
            json_array_append_new(out, json_string(value));
    }
    json_decref(owned);
}

void aws_rule_id(const char *direction, const json_t *perm, char *out, size_t size)
{
    const json_t *from = json_object_get(perm, "FromPort"), *to = json_object_get(perm, "ToPort");

    if (json_is_integer(from) && json_is_integer(to))
        snprintf(out, size, "%s:%s:%lld-%lld", direction, fwkx_str(perm, "IpProtocol", "-1"),
                 (long long)json_integer_value(from), (long long)json_integer_value(to));
    else
        snprintf(out, size, "%s:%s:all", direction, fwkx_str(perm, "IpProtocol", "-1"));
}

static void add_rules(const json_t *perms, const char *direction, json_t *rules)
{
    json_t *owned;
    const json_t *list = aws_as_list(perms, &owned);
    size_t i;
    const json_t *perm;

    json_array_foreach (list, i, perm) {
        char protocol[32], id[96];
        json_t *cidrs = json_array(), *groups = json_array(), *prefixes = json_array();
        snprintf(protocol, sizeof protocol, "%s", fwkx_str(perm, "IpProtocol", "-1"));
        for (char *p = protocol; *p; p++)
            *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
        aws_rule_id(direction, perm, id, sizeof id);
        collect(perm, "IpRanges", "CidrIp", cidrs);
        collect(perm, "Ipv6Ranges", "CidrIpv6", cidrs);
        collect(perm, "UserIdGroupPairs", "GroupId", groups);
        collect(perm, "PrefixListIds", "PrefixListId", prefixes);
        json_array_append_new(rules,
                              json_pack("{s:s, s:s, s:s, s:o, s:o, s:s, s:o, s:o}", "id", id,
                                        "direction", direction, "protocol", protocol, "ports",
                                        ports_of(perm, protocol), "cidrs", cidrs, "action", "allow",
                                        "groups", groups, "prefix_lists", prefixes));
    }
    json_decref(owned);
}

json_t *aws_sg_rules(const json_t *item)
{
    json_t *rules = json_array();

    add_rules(json_object_get(item, "IpPermissions"), "ingress", rules);
    add_rules(json_object_get(item, "IpPermissionsEgress"), "egress", rules);
    return rules;
}
