/* aws_s3.c: S3 buckets: listed once per account, each read in its own region (location,
   public access block, ACL, policy status, default encryption, versioning, tags). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"

/* The answers a bucket without that configuration gives (HTTP 404): not failures. */
static const char *const absent_codes[] = {"NoSuchPublicAccessBlockConfiguration",
                                           "NoSuchBucketPolicy",
                                           "ServerSideEncryptionConfigurationNotFoundError",
                                           "NoSuchTagSet",
                                           "NoSuchTagSetError",
                                           NULL};

static bool absent(const char *code)
{
    for (size_t i = 0; absent_codes[i]; i++)
        if (strcmp(absent_codes[i], code) == 0)
            return true;
    return false;
}

static unsigned long name_hash(const char *id)
{
    unsigned long hash = 2166136261UL;

    for (const unsigned char *p = (const unsigned char *)id; *p; p++)
        hash = (hash ^ *p) * 16777619UL;
    return hash & 0xffffffffUL;
}

/* Path-style URLs for custom endpoints (emulators) and names with dots. */
static bool path_style(const aws_instance *inst, const char *bucket)
{
    const char *s3 = getenv("AWS_ENDPOINT_URL_S3"), *any = getenv("AWS_ENDPOINT_URL");

    return inst->endpoint || (s3 && *s3) || (any && *any) || strchr(bucket, '.');
}

/* GET ?SUB of `bucket` in `region` (NULL bucket: the service, ListBuckets). *doc is the parsed
   answer, or NULL when AWS says the configuration is absent. */
static fwk_status s3_get(aws_task *t, const char *action, const char *bucket, const char *region,
                         const char *query, json_t **doc)
{
    char path[300], prefix[300], what[400];
    bool by_path = bucket && path_style(t->inst, bucket);
    aws_response resp;
    fwk_status rc;

    snprintf(path, sizeof path, "/%s", bucket && by_path ? bucket : "");
    snprintf(prefix, sizeof prefix, "%s.", bucket ? bucket : "");
    const aws_request req = {.service = AWS_S3,
                             .region = region,
                             .method = "GET",
                             .host_prefix = bucket && !by_path ? prefix : NULL,
                             .path = path,
                             .query = query,
                             .action = action};
    *doc = NULL;
    rc = aws_send(t->inst, t->ctx, &t->account->creds, &req, &resp);
    if (rc != FWK_OK)
        return rc;
    if (resp.status == 404 && absent(resp.code)) {
        aws_response_free(&resp);
        return FWK_OK;
    }
    if (resp.status < 200 || resp.status > 299)
        rc = aws_fail_response(t->inst, t->ctx, t->account->id, &req, &resp);
    if (rc == FWK_OK) {
        snprintf(what, sizeof what, "s3 %s %s in %s (account %s)", action, bucket ? bucket : "",
                 region, t->account->id);
        *doc = aws_xml_parse(t->inst, t->ctx, what, resp.body, resp.body_len, AWS_XML_KEEP);
        if (!*doc)
            rc = FWK_ERROR;
    }
    aws_response_free(&resp);
    return rc;
}

/* GetBucketLocation: "" means us-east-1, "EU" eu-west-1. malloc'd or NULL (failed). */
static char *bucket_region(aws_task *t, const char *bucket, fwk_status *rc)
{
    json_t *doc = NULL;
    const char *where;
    char *region;

    *rc = s3_get(t, "GetBucketLocation", bucket, "us-east-1", "location", &doc);
    if (*rc != FWK_OK)
        return NULL;
    where = fwkx_str(doc, "LocationConstraint", "");
    if (!*where)
        where = "us-east-1";
    else if (strcmp(where, "EU") == 0)
        where = "eu-west-1";
    region = strdup(where);
    json_decref(doc);
    return region;
}

/* Set item[key] to the answer of ?query (its root's content, whatever the root is called:
   the SDKs do not read it), or null when absent. */
static fwk_status read_part(aws_task *t, json_t *item, const char *bucket, const char *region,
                            const char *action, const char *query, const char *key)
{
    json_t *doc = NULL;
    fwk_status rc = s3_get(t, action, bucket, region, query, &doc);
    json_t *value = NULL;
    void *first;

    if (rc != FWK_OK)
        return rc;
    first = doc ? json_object_iter(doc) : NULL;
    if (first)
        value = json_object_iter_value(first);
    if (!doc || !value)
        json_object_set_new(item, key, json_null());
    else if (json_is_string(value)) /* an empty element: nothing configured */
        json_object_set_new(item, key, json_object());
    else
        json_object_set(item, key, value);
    json_decref(doc);
    return FWK_OK;
}

/* The ACL as {"Owner", "Grants": [...]}. */
static void shape_acl(json_t *item)
{
    json_t *acl = json_object_get(item, "Acl");
    json_t *owned;
    const json_t *grants;

    if (!json_is_object(acl))
        return;
    grants = aws_as_list(json_object_get(acl, "AccessControlList"), &owned);
    json_object_set(acl, "Grants", (json_t *)grants);
    json_object_del(acl, "AccessControlList");
    json_decref(owned);
}

/* Encryption {"Rules": [...]}, tags [{Key, Value}]. */
static void shape_lists(json_t *item)
{
    json_t *sse = json_object_get(item, "ServerSideEncryptionConfiguration");
    json_t *tagging = json_object_get(item, "Tags");
    json_t *owned;

    if (!json_is_null(sse) && sse) {
        const json_t *rules =
            aws_as_list(json_is_object(sse) && json_object_size(sse) == 0 ? NULL : sse, &owned);
        json_object_set_new(item, "ServerSideEncryptionConfiguration",
                            json_pack("{s:O}", "Rules", rules));
        json_decref(owned);
    }
    if (json_is_object(tagging)) {
        const json_t *tags = aws_as_list(json_object_get(tagging, "TagSet"), &owned);
        json_object_set(item, "Tags", (json_t *)tags);
        json_decref(owned);
    } else {
        json_object_set_new(item, "Tags", json_array());
    }
}

/* One bucket: its region, then each configuration in that region. */
static fwk_status read_bucket(aws_task *t, const json_t *listed)
{
    const char *name = fwkx_str(listed, "Name", NULL);
    json_t *item;
    char *region = NULL;
    fwk_status rc = FWK_OK;
    static const char *const parts[][3] = {
        {"GetPublicAccessBlock", "publicAccessBlock", "PublicAccessBlockConfiguration"},
        {"GetBucketAcl", "acl", "Acl"},
        {"GetBucketPolicyStatus", "policyStatus", "PolicyStatus"},
        {"GetBucketEncryption", "encryption", "ServerSideEncryptionConfiguration"},
        {"GetBucketVersioning", "versioning", "Versioning"},
        {"GetBucketTagging", "tagging", "Tags"},
    };

    if (!name)
        return FWK_OK;
    if (fwkx_str(listed, "BucketRegion", NULL))
        region = strdup(fwkx_str(listed, "BucketRegion", NULL));
    else
        region = bucket_region(t, name, &rc);
    if (!region)
        return rc == FWK_OK ? FWK_ERROR : rc;
    if (!aws_region_name_ok(region)) {
        t->inst->host->fail(t->ctx,
                            "s3 bucket %s (account %s): its location \"%.64s\" is not a region "
                            "name; the bucket was not read",
                            name, t->account->id, region);
        free(region);
        return FWK_ERROR;
    }
    item = json_deep_copy(listed);
    json_object_set_new(item, "BucketRegion", json_string(region));
    for (size_t i = 0; rc == FWK_OK && i < sizeof parts / sizeof parts[0]; i++)
        rc = read_part(t, item, name, region, parts[i][0], parts[i][1], parts[i][2]);
    if (rc == FWK_OK) {
        shape_acl(item);
        shape_lists(item);
        rc = aws_emit(t, aws_norm_bucket(t->account->id, item));
    }
    json_decref(item);
    free(region);
    return rc;
}

fwk_status aws_s3_task(aws_task *t)
{
    char *token = NULL;
    fwk_status rc = FWK_OK;

    do {
        fwkx_buf query = FWKX_BUF_INIT;
        json_t *doc = NULL, *owned;
        const json_t *buckets, *bucket, *result;
        const char *next;
        size_t i;

        if (t->inst->host->cancelled(t->ctx)) {
            rc = FWK_CANCELLED;
            break;
        }
        if (token) {
            fwkx_buf_adds(&query, "continuation-token=");
            fwkx_buf_add_escaped(&query, token);
            fwkx_buf_adds(&query, "&");
        }
        /* AWS's largest page: ListBuckets pages are cheap, and an emulator that cuts a page
           short without a continuation token (moto) then still lists every bucket */
        fwkx_buf_adds(&query, "max-buckets=10000");
        rc = s3_get(t, "ListBuckets", NULL, "us-east-1", fwkx_buf_str(&query), &doc);
        fwkx_buf_free(&query);
        if (rc != FWK_OK)
            break;
        result = json_object_get(doc, "ListAllMyBucketsResult");
        buckets = aws_as_list(json_object_get(result, "Buckets"), &owned);
        json_array_foreach (buckets, i, bucket) {
            const char *name = fwkx_str(bucket, "Name", "");
            if ((long)(name_hash(name) % (unsigned long)t->shares) != t->share)
                continue;
            if ((rc = read_bucket(t, bucket)) != FWK_OK)
                break;
        }
        json_decref(owned);
        next = fwkx_str(result, "ContinuationToken", NULL);
        if (rc == FWK_OK && next && token && strcmp(next, token) == 0) {
            t->inst->host->fail(t->ctx, "s3 ListBuckets: a page repeats its token");
            rc = FWK_ERROR;
        }
        free(token);
        token = rc == FWK_OK && next && *next ? strdup(next) : NULL;
        json_decref(doc);
    } while (token);
    free(token);
    return rc;
}
