/* aws_normalize.c: AWS items (as the SDKs name their fields) into the normalized model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"

json_t *aws_norm_base(const char *account, const char *region, const char *kind,
                      const char *native_type, const char *id, json_t *attributes)
{
    json_t *r;

    if (!id || !*id) {
        json_decref(attributes);
        return NULL;
    }
    r = json_pack(
        "{s:o, s:s, s:s, s:s?, s:s, s:s, s:s, s:n, s:n, s:o, s:n, s:n, s:n, s:n, s:o}", "uid",
        json_sprintf("aws:%s:%s:%s:%s", account, region ? region : "global", kind, id), "provider",
        "aws", "account", account, "region", region, "kind", kind, "native_type", native_type, "id",
        id, "name", "state", "labels", json_object(), "created_at", "public", "encrypted",
        "monthly_cost", "attributes", attributes ? attributes : json_object());
    return r;
}

void aws_tags_to_labels(const json_t *tags, json_t *labels)
{
    size_t i;
    const json_t *tag;

    json_array_foreach (tags, i, tag) {
        const char *key = fwkx_str(tag, "Key", NULL);
        if (key)
            json_object_set_new(labels, key, json_string(fwkx_str(tag, "Value", "")));
    }
}

json_t *aws_time(const json_t *value)
{
    int64_t ms;
    char out[FWKX_TIME_MAX];

    if (json_is_number(value)) {
        /* epoch seconds (EKS's createdAt): a time RFC 3339 can write, years 1 to 9999; a
           number past that (or not finite) is no time */
        double seconds = json_number_value(value);
        if (!(seconds >= -62135596800.0 && seconds <= 253402300799.0))
            return json_null();
        ms = (int64_t)(seconds * 1000.0);
        ms -= ms % 1000;
    } else if (!json_is_string(value) || fwkx_time_parse(json_string_value(value), &ms) != 0) {
        return json_null();
    }
    ms -= ms % 1000;
    return json_string(fwkx_time_format(ms, out, sizeof out));
}

/* labels from attributes.Tags (or `key`), name from the Name tag. */
static void tags_and_name(json_t *r, const char *key)
{
    json_t *attributes = json_object_get(r, "attributes");
    json_t *owned;
    const json_t *tags = aws_as_list(json_object_get(attributes, key), &owned);
    json_t *labels = json_object_get(r, "labels");
    const char *name;

    if (!json_is_array(json_object_get(attributes, key)))
        json_object_set(attributes, key, (json_t *)tags);
    aws_tags_to_labels(tags, labels);
    name = fwkx_str(labels, "Name", NULL);
    if (name)
        json_object_set_new(r, "name", json_string(name));
    json_decref(owned);
}

static void set_str(json_t *r, const char *field, const char *value)
{
    json_object_set_new(r, field, value ? json_string(value) : json_null());
}

static void set_bool(json_t *r, const char *field, const json_t *value)
{
    json_object_set_new(r, field,
                        json_is_boolean(value) ? json_incref((json_t *)value) : json_null());
}

/* EC2's instance states in the model's words: running or stopped, else EC2's own. */
static const char *instance_state(const char *state)
{
    if (!state)
        return NULL;
    if (strcmp(state, "pending") == 0 || strcmp(state, "running") == 0)
        return "running";
    if (strcmp(state, "stopping") == 0 || strcmp(state, "stopped") == 0)
        return "stopped";
    return state;
}

json_t *aws_norm_instance(const char *account, const char *region, json_t *item)
{
    const char *id = fwkx_str(item, "InstanceId", NULL);
    json_t *r =
        aws_norm_base(account, region, "compute.instance", "ec2:instance", id, json_incref(item));
    const char *ip, *state;

    if (!r)
        return NULL;
    tags_and_name(r, "Tags");
    state = instance_state(fwkx_str(json_object_get(item, "State"), "Name", NULL));
    set_str(r, "state", state);
    json_object_set_new(r, "created_at", aws_time(json_object_get(item, "LaunchTime")));
    ip = fwkx_str(item, "PublicIpAddress", NULL);
    json_object_set_new(r, "public", json_boolean(ip && *ip));
    json_object_set_new(r, "monthly_cost",
                        aws_price_instance(fwkx_str(item, "InstanceType", NULL), state));
    return r;
}

json_t *aws_norm_volume(const char *account, const char *region, json_t *item)
{
    json_t *r = aws_norm_base(account, region, "compute.volume", "ec2:volume",
                              fwkx_str(item, "VolumeId", NULL), json_incref(item));

    if (!r)
        return NULL;
    tags_and_name(r, "Tags");
    set_str(r, "state", fwkx_str(item, "State", NULL));
    json_object_set_new(r, "created_at", aws_time(json_object_get(item, "CreateTime")));
    set_bool(r, "encrypted", json_object_get(item, "Encrypted"));
    json_object_set_new(
        r, "monthly_cost",
        aws_price_volume(fwkx_str(item, "VolumeType", NULL), (double)fwkx_int(item, "Size", -1)));
    return r;
}

json_t *aws_norm_vpc(const char *account, const char *region, json_t *item)
{
    json_t *r = aws_norm_base(account, region, "network.network", "ec2:vpc",
                              fwkx_str(item, "VpcId", NULL), json_incref(item));

    if (!r)
        return NULL;
    tags_and_name(r, "Tags");
    set_str(r, "state", fwkx_str(item, "State", NULL));
    return r;
}

json_t *aws_norm_security_group(const char *account, const char *region, json_t *item)
{
    json_t *r = aws_norm_base(account, region, "network.firewall", "ec2:security-group",
                              fwkx_str(item, "GroupId", NULL), json_incref(item));
    json_t *rules;
    size_t i;
    const json_t *rule;
    int open = 0;

    if (!r)
        return NULL;
    tags_and_name(r, "Tags");
    if (json_is_null(json_object_get(r, "name")))
        set_str(r, "name", fwkx_str(item, "GroupName", NULL));
    rules = aws_sg_rules(item);
    json_array_foreach (rules, i, rule) {
        const json_t *cidrs = json_object_get(rule, "cidrs");
        size_t j;
        const json_t *cidr;
        if (strcmp(fwkx_str(rule, "direction", ""), "ingress") != 0)
            continue;
        json_array_foreach (cidrs, j, cidr) {
            const char *text = json_string_value(cidr);
            open |= text && (strcmp(text, "0.0.0.0/0") == 0 || strcmp(text, "::/0") == 0);
        }
    }
    json_object_set_new(r, "public", json_boolean(open));
    json_object_set_new(json_object_get(r, "attributes"), "rules", rules);
    return r;
}

json_t *aws_norm_db(const char *account, const char *region, json_t *item)
{
    json_t *r = aws_norm_base(account, region, "database.instance", "rds:db",
                              fwkx_str(item, "DBInstanceIdentifier", NULL), json_incref(item));

    if (!r)
        return NULL;
    tags_and_name(r, "TagList");
    if (json_is_null(json_object_get(r, "name")))
        set_str(r, "name", fwkx_str(item, "DBInstanceIdentifier", NULL));
    set_str(r, "state", fwkx_str(item, "DBInstanceStatus", NULL));
    json_object_set_new(r, "created_at", aws_time(json_object_get(item, "InstanceCreateTime")));
    set_bool(r, "public", json_object_get(item, "PubliclyAccessible"));
    set_bool(r, "encrypted", json_object_get(item, "StorageEncrypted"));
    json_object_set_new(r, "monthly_cost",
                        aws_price_db(fwkx_str(item, "DBInstanceClass", NULL),
                                     fwkx_bool(item, "MultiAZ", 0) == 1,
                                     (double)fwkx_int(item, "AllocatedStorage", 0)));
    return r;
}

json_t *aws_norm_cluster(const char *account, const char *region, json_t *item)
{
    json_t *r = aws_norm_base(account, region, "kubernetes.cluster", "eks:cluster",
                              fwkx_str(item, "name", NULL), json_incref(item));
    const json_t *vpc = json_object_get(item, "resourcesVpcConfig");
    const json_t *cidrs = json_object_get(vpc, "publicAccessCidrs");
    const json_t *encryption = json_object_get(item, "encryptionConfig");
    const json_t *tags = json_object_get(item, "tags");
    const char *key;
    json_t *value;
    int open = 0;
    size_t i;
    const json_t *cidr;

    if (!r)
        return NULL;
    set_str(r, "name", fwkx_str(item, "name", NULL));
    set_str(r, "state", fwkx_str(item, "status", NULL));
    json_object_set_new(r, "created_at", aws_time(json_object_get(item, "createdAt")));
    json_object_foreach ((json_t *)tags, key, value) {
        if (json_is_string(value))
            json_object_set(json_object_get(r, "labels"), key, value);
    }
    /* AWS's default for publicAccessCidrs is 0.0.0.0/0 */
    if (!json_is_array(cidrs) || json_array_size(cidrs) == 0)
        open = 1;
    json_array_foreach (cidrs, i, cidr) {
        const char *text = json_string_value(cidr);
        open |= text && (strcmp(text, "0.0.0.0/0") == 0 || strcmp(text, "::/0") == 0);
    }
    if (json_is_boolean(json_object_get(vpc, "endpointPublicAccess")))
        json_object_set_new(r, "public",
                            json_boolean(fwkx_bool(vpc, "endpointPublicAccess", 0) && open));
    json_object_set_new(r, "encrypted",
                        json_boolean(json_is_array(encryption) && json_array_size(encryption) > 0));
    json_object_set_new(r, "monthly_cost", json_real(73.0)); /* the control plane: $0.10/h */
    return r;
}

json_t *aws_norm_policy(const char *account, json_t *item)
{
    json_t *r = aws_norm_base(account, NULL, "iam.policy", "iam:policy",
                              fwkx_str(item, "PolicyId", NULL), json_incref(item));

    if (!r)
        return NULL;
    tags_and_name(r, "Tags");
    set_str(r, "name", fwkx_str(item, "PolicyName", NULL));
    json_object_set_new(r, "created_at", aws_time(json_object_get(item, "CreateDate")));
    return r;
}

/* Bucket ACL grants that open it: AllUsers or AuthenticatedUsers. */
static int acl_public(const json_t *acl)
{
    const json_t *grants = json_object_get(acl, "Grants");
    size_t i;
    const json_t *grant;

    json_array_foreach (grants, i, grant) {
        const char *uri = fwkx_str(json_object_get(grant, "Grantee"), "URI", "");
        if (strstr(uri, "/global/AllUsers") || strstr(uri, "/global/AuthenticatedUsers"))
            return 1;
    }
    return 0;
}

json_t *aws_norm_bucket(const char *account, json_t *item)
{
    const char *region = fwkx_str(item, "BucketRegion", NULL);
    json_t *r = aws_norm_base(account, region, "storage.bucket", "s3:bucket",
                              fwkx_str(item, "Name", NULL), json_incref(item));
    const json_t *block = json_object_get(item, "PublicAccessBlockConfiguration");
    const json_t *status = json_object_get(item, "PolicyStatus");
    const json_t *sse = json_object_get(item, "ServerSideEncryptionConfiguration");
    int by_acl, by_policy;

    if (!r)
        return NULL;
    tags_and_name(r, "Tags");
    set_str(r, "name", fwkx_str(item, "Name", NULL));
    json_object_set_new(r, "created_at", aws_time(json_object_get(item, "CreationDate")));
    by_acl =
        acl_public(json_object_get(item, "Acl")) && fwkx_bool(block, "IgnorePublicAcls", 0) != 1;
    by_policy =
        fwkx_bool(status, "IsPublic", 0) == 1 && fwkx_bool(block, "RestrictPublicBuckets", 0) != 1;
    json_object_set_new(r, "public", json_boolean(by_acl || by_policy));
    json_object_set_new(r, "encrypted",
                        json_boolean(json_array_size(json_object_get(sse, "Rules")) > 0));
    return r;
}
