/* gcp_normalize_storage.c: Cloud Storage buckets, with their IAM policy, to the normalized
   resource model: public access prevention, uniform access, public members, encryption,
   versioning and retention. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcp.h"

static bool is_public_member(const char *member)
{
    return member &&
           (strcmp(member, "allUsers") == 0 || strcmp(member, "allAuthenticatedUsers") == 0);
}

/* {member, role} of every IAM binding that grants allUsers or allAuthenticatedUsers. */
static void iam_public(const json_t *iam, json_t *out)
{
    const json_t *binding, *member;
    size_t i, j;

    json_array_foreach (json_object_get(iam, "bindings"), i, binding) {
        json_array_foreach (json_object_get(binding, "members"), j, member) {
            if (is_public_member(json_string_value(member)))
                json_array_append_new(out, json_pack("{s:O, s:s}", "member", member, "role",
                                                     fwkx_str(binding, "role", "")));
        }
    }
}

/* The same from the legacy ACLs (only in force without uniform bucket-level access). */
static void acl_public(const json_t *item, json_t *out)
{
    const char *lists[] = {"acl", "defaultObjectAcl"};
    const json_t *entry;
    size_t i;

    for (size_t l = 0; l < 2; l++) {
        json_array_foreach (json_object_get(item, lists[l]), i, entry) {
            const char *entity = fwkx_str(entry, "entity", NULL);
            if (is_public_member(entity))
                json_array_append_new(out, json_pack("{s:s, s:s, s:s}", "member", entity, "role",
                                                     fwkx_str(entry, "role", ""), "via", lists[l]));
        }
    }
}

static json_t *lower_location(const char *location)
{
    char buf[64];
    size_t i;

    if (!location)
        return NULL;
    for (i = 0; location[i] && i + 1 < sizeof buf; i++)
        buf[i] = (char)tolower((unsigned char)location[i]);
    buf[i] = '\0';
    return json_string(buf);
}

json_t *gcp_norm_bucket(const gcp_instance *inst, const char *project, const json_t *item,
                        const json_t *iam)
{
    const json_t *config = json_object_get(item, "iamConfiguration");
    const char *pap = fwkx_str(config, "publicAccessPrevention", "inherited");
    bool uniform = fwkx_bool(json_object_get(config, "uniformBucketLevelAccess"), "enabled", 0);
    const json_t *retention = json_object_get(item, "retentionPolicy");
    const char *period = fwkx_str(retention, "retentionPeriod", NULL);
    json_t *location = lower_location(fwkx_text(item, "location", NULL));
    json_t *members = json_array();
    json_t *resource, *attributes, *publicness;

    (void)inst;
    resource = gcp_norm_base(project, json_string_value(location), "storage.bucket",
                             "storage:bucket", fwkx_text(item, "name", NULL), item,
                             json_object_get(item, "labels"), fwkx_str(item, "timeCreated", NULL));
    json_decref(location);
    if (!resource) {
        json_decref(members);
        return NULL;
    }
    iam_public(iam, members);
    if (!uniform)
        acl_public(item, members);
    /* enforced prevention wins over any grant; an unread IAM policy leaves it unknown */
    if (strcmp(pap, "enforced") == 0)
        publicness = json_false();
    else if (json_array_size(members) > 0)
        publicness = json_true();
    else
        publicness = iam ? json_false() : json_null();
    json_object_set_new(resource, "public", publicness);
    json_object_set_new(resource, "encrypted", json_true()); /* Cloud Storage always is */
    attributes = json_object_get(resource, "attributes");
    json_object_set_new(attributes, "public_access_prevention", json_string(pap));
    json_object_set_new(attributes, "uniform_bucket_level_access", json_boolean(uniform));
    json_object_set_new(attributes, "public_members", iam || !uniform ? members : json_null());
    if (!iam && uniform)
        json_decref(members);
    json_object_set_new(
        attributes, "encryption_type",
        json_string(fwkx_text(json_object_get(item, "encryption"), "defaultKmsKeyName", NULL)
                        ? "customer-managed"
                        : "google-managed"));
    json_object_set_new(attributes, "versioning_enabled",
                        json_boolean(fwkx_bool(json_object_get(item, "versioning"), "enabled", 0)));
    json_object_set_new(attributes, "retention_seconds",
                        period ? json_integer(strtoll(period, NULL, 10)) : json_null());
    json_object_set_new(attributes, "retention_locked",
                        json_boolean(fwkx_bool(retention, "isLocked", 0)));
    return resource;
}
