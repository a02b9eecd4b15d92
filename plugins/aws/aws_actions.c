/* aws_actions.c: remediation actions (revoke a security group's ingress rule, stop an
   instance, block public access on a bucket, add a tag), dry-run by default: a dry run
   describes the signed request it would send (signature and secrets left out) and sends none. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "aws.h"

#define EC2_VERSION "2016-11-15"

typedef struct aws_action {
    const char *name;
    const char *kinds[6];
    const char *risk;
    const char *description;
    const char *param, *param_about; /* the one required string parameter, or NULL */
} aws_action;

static const aws_action actions[] = {
    {"delete_firewall_rule",
     {"network.firewall"},
     "high",
     "Revoke one ingress rule of a security group (ec2 RevokeSecurityGroupIngress with the "
     "rule's protocol, ports and every source it lists); cannot be undone.",
     "rule_id",
     "the rule's id, from attributes.rules[].id (e.g. ingress:tcp:22-22)"},
    {"stop",
     {"compute.instance"},
     "high",
     "Stop an instance (ec2 StopInstances); its volumes stay and are billed.",
     NULL,
     NULL},
    {"block_public_access",
     {"storage.bucket"},
     "medium",
     "Turn on all four settings of the bucket's S3 Block Public Access (PutPublicAccessBlock).",
     NULL,
     NULL},
    {"add_tag",
     {"compute.instance", "compute.volume", "network.firewall", "network.network", "storage.bucket",
      "database.instance"},
     "low",
     "Add a tag KEY=VALUE (ec2 CreateTags; S3 PutBucketTagging with the bucket's other tags "
     "kept; rds AddTagsToResource).",
     "tag",
     "the tag to add, e.g. owner=platform"},
};
#define ACTION_COUNT (sizeof actions / sizeof actions[0])

static json_t *params_schema(const aws_action *a)
{
    if (!a->param)
        return json_pack("{s:s, s:{}, s:b}", "type", "object", "properties", "additionalProperties",
                         0);
    return json_pack("{s:s, s:{s:{s:s, s:i, s:s}}, s:[s], s:b}", "type", "object", "properties",
                     a->param, "type", "string", "minLength", 1, "description", a->param_about,
                     "required", a->param, "additionalProperties", 0);
}

fwk_status aws_list_actions(const aws_instance *inst, fwk_ctx *ctx, json_t **actions_out)
{
    *actions_out = json_array();
    for (size_t i = 0; i < ACTION_COUNT; i++) {
        const aws_action *a = &actions[i];
        json_t *kinds = json_array();
        for (size_t k = 0; k < 6 && a->kinds[k]; k++)
            json_array_append_new(kinds, json_string(a->kinds[k]));
        json_array_append_new(*actions_out,
                              json_pack("{s:s, s:o, s:s, s:s, s:o}", "name", a->name, "kinds",
                                        kinds, "risk", a->risk, "description", a->description,
                                        "params", params_schema(a)));
    }
    (void)inst;
    (void)ctx;
    return FWK_OK;
}

const aws_account *aws_account_of(const aws_instance *inst, const char *id)
{
    for (size_t i = 0; id && i < inst->account_count; i++)
        if (strcmp(inst->account[i].id, id) == 0)
            return &inst->account[i];
    return NULL;
}

static void form_add(fwkx_buf *body, const char *key, const char *value)
{
    fwkx_buf_addf(body, "%s%s=", body->len ? "&" : "", key);
    fwkx_buf_add_escaped(body, value);
}

/* The permission of `group` whose rule id is `rule_id` into a RevokeSecurityGroupIngress body. */
static int plan_revoke(const json_t *group, const char *rule_id, fwkx_buf *body)
{
    json_t *owned;
    const json_t *perms = aws_as_list(fwkx_path(group, "attributes.IpPermissions"), &owned);
    const json_t *perm, *entry;
    size_t i, j;
    int found = 0;
    char id[96], key[96];

    json_array_foreach (perms, i, perm) {
        aws_rule_id("ingress", perm, id, sizeof id);
        if (strcmp(id, rule_id) != 0)
            continue;
        found = 1;
        form_add(body, "IpPermissions.1.IpProtocol", fwkx_str(perm, "IpProtocol", "-1"));
        if (json_is_integer(json_object_get(perm, "FromPort"))) {
            fwkx_buf_addf(body, "&IpPermissions.1.FromPort=%lld&IpPermissions.1.ToPort=%lld",
                          (long long)fwkx_int(perm, "FromPort", 0),
                          (long long)fwkx_int(perm, "ToPort", 0));
        }
        static const char *const lists[][3] = {
            {"IpRanges", "CidrIp", "IpRanges"},
            {"Ipv6Ranges", "CidrIpv6", "Ipv6Ranges"},
            {"UserIdGroupPairs", "GroupId", "Groups"},
            {"PrefixListIds", "PrefixListId", "PrefixListIds"},
        };
        for (size_t l = 0; l < 4; l++) {
            json_t *inner;
            const json_t *list = aws_as_list(json_object_get(perm, lists[l][0]), &inner);
            size_t n = 0;
            json_array_foreach (list, j, entry) {
                const char *value = fwkx_str(entry, lists[l][1], NULL);
                if (!value)
                    continue;
                snprintf(key, sizeof key, "IpPermissions.1.%s.%zu.%s", lists[l][2], ++n,
                         lists[l][1]);
                form_add(body, key, value);
            }
            json_decref(inner);
        }
        break;
    }
    json_decref(owned);
    return found;
}

/* The bucket's tags plus KEY=VALUE as a Tagging document. */
static void bucket_tagging(const json_t *resource, const char *key, const char *value,
                           fwkx_buf *body)
{
    const json_t *labels = json_object_get(resource, "labels");
    const char *k;
    json_t *v;

    fwkx_buf_adds(body, "<Tagging xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><TagSet>");
    json_object_foreach ((json_t *)labels, k, v) {
        if (strcmp(k, key) != 0 && json_is_string(v))
            fwkx_buf_addf(body, "<Tag><Key>%s</Key><Value>%s</Value></Tag>", k,
                          json_string_value(v));
    }
    fwkx_buf_addf(body, "<Tag><Key>%s</Key><Value>%s</Value></Tag></TagSet></Tagging>", key, value);
}

static bool xml_safe(const char *text)
{
    return !strpbrk(text, "<>&\"'");
}

/* Content-MD5 (base64) of `body`, which S3 asks of configuration PUTs. */
static void content_md5(const char *body, char out[32])
{
    unsigned char digest[16];
    unsigned int len = 0;

    EVP_Digest(body, strlen(body), digest, &len, EVP_md5(), NULL);
    EVP_EncodeBlock((unsigned char *)out, digest, 16);
}

void aws_plan_s3(aws_planned *p, const aws_instance *inst, const char *bucket, const char *method,
                 const char *query)
{
    bool by_path = inst->endpoint || getenv("AWS_ENDPOINT_URL_S3") || getenv("AWS_ENDPOINT_URL") ||
                   strchr(bucket, '.');

    snprintf(p->path, sizeof p->path, "/%s", by_path ? bucket : "");
    snprintf(p->host_prefix, sizeof p->host_prefix, "%s.", bucket);
    p->req.service = AWS_S3;
    p->req.method = method;
    p->req.path = p->path;
    p->req.host_prefix = by_path ? NULL : p->host_prefix;
    p->req.query = query;
    p->req.content_type = "application/xml";
    content_md5(fwkx_buf_str(&p->body), p->md5);
    p->header = (fwk_http_header){"Content-MD5", p->md5};
    p->req.headers = &p->header;
    p->req.header_count = 1;
}

/* Plan the action's request into *p. 0, or -1 after host->fail. */
static int plan(const aws_instance *inst, fwk_ctx *ctx, const aws_action *a, const json_t *resource,
                const char *param, aws_planned *p)
{
    const char *id = fwkx_str(resource, "id", ""), *kind = fwkx_str(resource, "kind", "");
    char key[130];
    const char *value = "";

    p->req.region = fwkx_str(resource, "region", inst->default_region);
    p->req.method = "POST";
    p->req.path = "/";
    p->req.action = a->name;
    p->req.flags = FWK_HTTP_MUTATING;
    p->req.content_type = "application/x-www-form-urlencoded; charset=utf-8";
    if (strcmp(a->name, "add_tag") == 0) {
        const char *eq = strchr(param, '=');
        snprintf(key, sizeof key, "%.*s", (int)(eq ? eq - param : (long)strlen(param)), param);
        value = eq ? eq + 1 : "";
        if (!*key || strlen(key) > 128 || !xml_safe(key) || !xml_safe(value)) {
            inst->host->fail(ctx,
                             "add_tag: expected KEY=VALUE (a key of 1-128 characters, no "
                             "<>&\"'), got \"%s\"",
                             param);
            return -1;
        }
    }
    if (strcmp(a->name, "delete_firewall_rule") == 0) {
        fwkx_buf_addf(&p->body, "Action=RevokeSecurityGroupIngress&Version=" EC2_VERSION);
        form_add(&p->body, "GroupId", id);
        if (!plan_revoke(resource, param, &p->body)) {
            inst->host->fail(ctx,
                             "delete_firewall_rule: security group %s has no ingress rule \"%s\" "
                             "(see attributes.rules[].id)",
                             id, param);
            return -1;
        }
        p->req.service = AWS_EC2;
    } else if (strcmp(a->name, "stop") == 0) {
        fwkx_buf_addf(&p->body, "Action=StopInstances&Version=" EC2_VERSION);
        form_add(&p->body, "InstanceId.1", id);
        p->req.service = AWS_EC2;
    } else if (strcmp(a->name, "block_public_access") == 0) {
        fwkx_buf_adds(&p->body, "<PublicAccessBlockConfiguration xmlns=\"http://s3.amazonaws.com/"
                                "doc/2006-03-01/\"><BlockPublicAcls>true</BlockPublicAcls>"
                                "<IgnorePublicAcls>true</IgnorePublicAcls><BlockPublicPolicy>true"
                                "</BlockPublicPolicy><RestrictPublicBuckets>true"
                                "</RestrictPublicBuckets></PublicAccessBlockConfiguration>");
        aws_plan_s3(p, inst, id, "PUT", "publicAccessBlock");
    } else if (strcmp(kind, "storage.bucket") == 0) {
        bucket_tagging(resource, key, value, &p->body);
        aws_plan_s3(p, inst, id, "PUT", "tagging");
    } else if (strcmp(kind, "database.instance") == 0) {
        fwkx_buf_addf(&p->body, "Action=AddTagsToResource&Version=2014-10-31");
        form_add(&p->body, "ResourceName",
                 fwkx_str(json_object_get(resource, "attributes"), "DBInstanceArn", id));
        form_add(&p->body, "Tags.Tag.1.Key", key);
        form_add(&p->body, "Tags.Tag.1.Value", value);
        p->req.service = AWS_RDS;
    } else {
        fwkx_buf_addf(&p->body, "Action=CreateTags&Version=" EC2_VERSION);
        form_add(&p->body, "ResourceId.1", id);
        form_add(&p->body, "Tag.1.Key", key);
        form_add(&p->body, "Tag.1.Value", value);
        p->req.service = AWS_EC2;
    }
    p->req.body = fwkx_buf_str(&p->body);
    if (p->body.failed) {
        inst->host->fail(ctx, "out of memory planning %s", a->name);
        return -1;
    }
    return 0;
}

/* The resource fits the action: an aws resource of one of its kinds, of a known account. */
static const char *check_call(const aws_instance *inst, fwk_ctx *ctx, const aws_action *a,
                              const json_t *resource, const json_t *params)
{
    const char *kind = fwkx_str(resource, "kind", "?"), *key;
    bool kind_ok = false;
    json_t *ignored;

    for (size_t k = 0; k < 6 && a->kinds[k]; k++)
        kind_ok |= strcmp(a->kinds[k], kind) == 0;
    if (strcmp(fwkx_str(resource, "provider", ""), "aws") != 0 || !kind_ok ||
        !*fwkx_str(resource, "id", "")) {
        inst->host->fail(ctx, "%s applies to aws %s resources with an id; got %s %s (%s)", a->name,
                         a->kinds[0], fwkx_str(resource, "provider", "?"), kind,
                         fwkx_str(resource, "uid", "no uid"));
        return NULL;
    }
    if (!aws_account_of(inst, fwkx_str(resource, "account", NULL))) {
        inst->host->fail(ctx, "%s: %s is in account %s, which this instance does not read", a->name,
                         fwkx_str(resource, "uid", "?"), fwkx_str(resource, "account", "(none)"));
        return NULL;
    }
    json_object_foreach ((json_t *)params, key, ignored) {
        if (!a->param || strcmp(key, a->param) != 0) {
            inst->host->fail(ctx, "%s: unknown parameter '%s' (allowed: %s)", a->name, key,
                             a->param ? a->param : "none");
            return NULL;
        }
    }
    if (!a->param)
        return "";
    if (!*fwkx_str(params, a->param, "")) {
        inst->host->fail(ctx, "%s: parameter '%s' is required: %s", a->name, a->param,
                         a->param_about);
        return NULL;
    }
    return fwkx_str(params, a->param, "");
}

json_t *aws_plan_describe(const aws_instance *inst, const aws_planned *p)
{
    char *base = aws_endpoint(inst, p->req.service, p->req.region);
    fwkx_buf url = FWKX_BUF_INIT;
    const char *rest = base ? strstr(base, "://") : NULL;
    json_t *out;

    if (p->req.host_prefix && rest)
        fwkx_buf_addf(&url, "%.*s%s%s", (int)(rest + 3 - base), base, p->req.host_prefix, rest + 3);
    else
        fwkx_buf_adds(&url, base ? base : "");
    fwkx_buf_adds(&url, p->req.path);
    if (p->req.query)
        fwkx_buf_addf(&url, "?%s", p->req.query);
    out = json_pack("{s:s, s:s, s:s?, s:s}", "method", p->req.method, "url", fwkx_buf_str(&url),
                    "body", p->req.body, "service", aws_service_names[p->req.service]);
    fwkx_buf_free(&url);
    free(base);
    return out;
}

fwk_status aws_run_action(aws_instance *inst, fwk_ctx *ctx, const json_t *resource,
                          const char *action, const json_t *params, int dry_run, json_t **result)
{
    const aws_action *a = NULL;
    const char *param;
    aws_planned planned;
    aws_response resp;
    json_t *requests;
    fwk_status rc;

    *result = NULL;
    for (size_t i = 0; action && i < ACTION_COUNT; i++)
        if (strcmp(actions[i].name, action) == 0)
            a = &actions[i];
    if (!a) {
        inst->host->fail(ctx,
                         "unknown action '%s' (aws offers: delete_firewall_rule, stop, "
                         "block_public_access, add_tag)",
                         action ? action : "(null)");
        return FWK_UNSUPPORTED;
    }
    if (aws_session_ready(inst, ctx) != 0)
        return FWK_ERROR;
    if (!(param = check_call(inst, ctx, a, resource, params)))
        return FWK_ERROR;
    memset(&planned, 0, sizeof planned);
    if (plan(inst, ctx, a, resource, param, &planned) != 0) {
        fwkx_buf_free(&planned.body);
        return FWK_ERROR;
    }
    requests = json_pack("[o]", aws_plan_describe(inst, &planned));
    if (dry_run) {
        *result = json_pack("{s:b, s:b, s:s, s:s, s:o}", "changed", 0, "dry_run", 1, "action",
                            a->name, "risk", a->risk, "requests", requests);
        fwkx_buf_free(&planned.body);
        return FWK_OK;
    }
    rc = aws_call(inst, ctx, &aws_account_of(inst, fwkx_str(resource, "account", ""))->creds,
                  fwkx_str(resource, "account", ""), &planned.req, &resp);
    if (rc == FWK_OK)
        *result =
            json_pack("{s:b, s:b, s:s, s:s, s:o, s:[{s:I, s:s?}]}", "changed", 1, "dry_run", 0,
                      "action", a->name, "risk", a->risk, "requests", requests, "responses",
                      "status", (json_int_t)resp.status, "request_id", resp.request_id);
    else
        json_decref(requests);
    aws_response_free(&resp);
    fwkx_buf_free(&planned.body);
    return rc;
}
