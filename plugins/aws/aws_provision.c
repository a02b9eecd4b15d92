/* aws_provision.c: provisioning from the neutral spec: S3 buckets (created private: Block
   Public Access on), RDS instances (encrypted, private, the master password kept in AWS
   Secrets Manager) and EKS clusters (private endpoint), created or deleted; a dry run shows
   the requests and sends none. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws.h"

#define PLAN_MAX 3

typedef struct aws_prov {
    aws_instance *inst;
    fwk_ctx *ctx;
    const aws_account *account;
    const char *region;
    aws_planned planned[PLAN_MAX];
    size_t count;
    json_t *targets;
} aws_prov;

static aws_planned *next_plan(aws_prov *p)
{
    aws_planned *plan = &p->planned[p->count++];

    memset(plan, 0, sizeof *plan);
    return plan;
}

static void form_add(fwkx_buf *body, const char *key, const char *value)
{
    fwkx_buf_addf(body, "%s%s=", body->len ? "&" : "", key);
    fwkx_buf_add_escaped(body, value);
}

static void plan_query(aws_planned *plan, aws_prov *p, aws_service service, const char *action)
{
    plan->req.service = service;
    plan->req.region = p->region;
    plan->req.method = "POST";
    plan->req.path = "/";
    plan->req.body = fwkx_buf_str(&plan->body);
    plan->req.content_type = "application/x-www-form-urlencoded; charset=utf-8";
    plan->req.action = action;
    plan->req.flags = FWK_HTTP_MUTATING;
}

static fwk_status bucket_create(aws_prov *p, const char *name)
{
    aws_planned *create = next_plan(p), *block = next_plan(p);

    if (strcmp(p->region, "us-east-1") != 0)
        fwkx_buf_addf(
            &create->body,
            "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            "<LocationConstraint>%s</LocationConstraint></CreateBucketConfiguration>",
            p->region);
    aws_plan_s3(create, p->inst, name, "PUT", NULL);
    create->req.region = p->region;
    create->req.action = "CreateBucket";
    create->req.flags = FWK_HTTP_MUTATING;
    create->req.body = create->body.len ? fwkx_buf_str(&create->body) : NULL;
    create->req.header_count = create->body.len ? 1 : 0;
    fwkx_buf_adds(&block->body, "<PublicAccessBlockConfiguration xmlns=\"http://s3.amazonaws.com/"
                                "doc/2006-03-01/\"><BlockPublicAcls>true</BlockPublicAcls>"
                                "<IgnorePublicAcls>true</IgnorePublicAcls><BlockPublicPolicy>true"
                                "</BlockPublicPolicy><RestrictPublicBuckets>true"
                                "</RestrictPublicBuckets></PublicAccessBlockConfiguration>");
    aws_plan_s3(block, p->inst, name, "PUT", "publicAccessBlock");
    block->req.region = p->region;
    block->req.action = "PutPublicAccessBlock";
    block->req.flags = FWK_HTTP_MUTATING;
    block->req.body = fwkx_buf_str(&block->body);
    return FWK_OK;
}

/* Read a bucket to delete: it must exist in the spec's region; its tags become labels. */
static fwk_status bucket_target(aws_prov *p, const char *name)
{
    aws_planned look = {0};
    aws_response resp;
    json_t *doc, *target, *item;
    const json_t *tags;
    const char *where;
    fwk_status rc;

    aws_plan_s3(&look, p->inst, name, "GET", "location");
    look.req.region = "us-east-1";
    look.req.action = "GetBucketLocation";
    look.req.header_count = 0;
    rc = aws_call(p->inst, p->ctx, &p->account->creds, p->account->id, &look.req, &resp);
    if (rc != FWK_OK)
        return rc;
    doc = aws_xml_parse(p->inst, p->ctx, "s3 GetBucketLocation", resp.body, resp.body_len,
                        AWS_XML_KEEP);
    aws_response_free(&resp);
    if (!doc)
        return FWK_ERROR;
    where = fwkx_str(doc, "LocationConstraint", "");
    if (strcmp(*where ? where : "us-east-1", p->region) != 0) {
        p->inst->host->fail(p->ctx, "bucket %s is in %s, not in spec.region %s", name,
                            *where ? where : "us-east-1", p->region);
        json_decref(doc);
        return FWK_ERROR;
    }
    json_decref(doc);
    look.req.region = p->region;
    look.req.query = "tagging";
    look.req.action = "GetBucketTagging";
    rc = aws_send(p->inst, p->ctx, &p->account->creds, &look.req, &resp);
    if (rc != FWK_OK)
        return rc;
    doc = resp.status == 200 ? aws_xml_parse(p->inst, p->ctx, "s3 GetBucketTagging", resp.body,
                                             resp.body_len, AWS_XML_KEEP)
                             : NULL;
    aws_response_free(&resp);
    tags = fwkx_path(doc, "Tagging.TagSet");
    item = json_pack("{s:s, s:s, s:O}", "Name", name, "BucketRegion", p->region, "Tags",
                     tags ? tags : json_null());
    target = aws_norm_bucket(p->account->id, item);
    json_decref(item);
    json_decref(doc);
    json_array_append_new(p->targets, target);
    return FWK_OK;
}

static fwk_status bucket_delete(aws_prov *p, const char *name)
{
    fwk_status rc = bucket_target(p, name);
    aws_planned *del;

    if (rc != FWK_OK)
        return rc;
    del = next_plan(p);
    aws_plan_s3(del, p->inst, name, "DELETE", NULL);
    del->req.region = p->region;
    del->req.action = "DeleteBucket";
    del->req.flags = FWK_HTTP_MUTATING;
    del->req.body = NULL;
    del->req.header_count = 0;
    return FWK_OK;
}

/* RDS's engine name for the spec's ("PostgreSQL" -> postgres). */
static const char *rds_engine(const char *engine)
{
    if (strcasecmp(engine, "postgresql") == 0 || strcasecmp(engine, "postgres") == 0)
        return "postgres";
    if (strcasecmp(engine, "mysql") == 0)
        return "mysql";
    if (strcasecmp(engine, "mariadb") == 0)
        return "mariadb";
    return NULL;
}

static fwk_status database_create(aws_prov *p, const json_t *spec, const char *name)
{
    const char *engine = rds_engine(fwkx_str(spec, "engine", ""));
    aws_planned *create;
    char count[32];

    if (!engine) {
        p->inst->host->fail(p->ctx, "engine: expected MySQL, PostgreSQL or MariaDB, got \"%s\"",
                            fwkx_str(spec, "engine", ""));
        return FWK_ERROR;
    }
    create = next_plan(p);
    fwkx_buf_adds(&create->body, "Action=CreateDBInstance&Version=2014-10-31");
    form_add(&create->body, "DBInstanceIdentifier", name);
    form_add(&create->body, "DBInstanceClass", fwkx_str(spec, "size", "db.t3.micro"));
    form_add(&create->body, "Engine", engine);
    if (fwkx_str(spec, "version", NULL))
        form_add(&create->body, "EngineVersion", fwkx_str(spec, "version", NULL));
    snprintf(count, sizeof count, "%s", fwkx_int(spec, "nodes", 1) > 1 ? "true" : "false");
    form_add(&create->body, "MultiAZ", count);
    fwkx_buf_adds(&create->body, "&AllocatedStorage=20&MasterUsername=fawkes"
                                 "&ManageMasterUserPassword=true&StorageEncrypted=true"
                                 "&PubliclyAccessible=false&BackupRetentionPeriod=7"
                                 "&DeletionProtection=false");
    plan_query(create, p, AWS_RDS, "CreateDBInstance");
    return FWK_OK;
}

static fwk_status database_delete(aws_prov *p, const char *name)
{
    aws_task t = {.inst = p->inst, .ctx = p->ctx, .account = p->account, .region = p->region};
    fwkx_buf params = FWKX_BUF_INIT;
    json_t *doc = NULL, *owned;
    const json_t *list;
    aws_planned *del;
    char snapshot[128];
    fwk_status rc;

    form_add(&params, "DBInstanceIdentifier", name);
    rc = aws_query(&t, AWS_RDS, "2014-10-31", "DescribeDBInstances", fwkx_buf_str(&params),
                   AWS_XML_KEEP, &doc);
    fwkx_buf_free(&params);
    if (rc != FWK_OK)
        return rc;
    list = aws_as_list(
        aws_json_at(doc, "DescribeDBInstancesResponse.DescribeDBInstancesResult.DBInstances"),
        &owned);
    if (json_array_size(list) != 1) {
        p->inst->host->fail(p->ctx, "no database %s in %s", name, p->region);
        rc = FWK_ERROR;
    } else {
        json_array_append_new(p->targets,
                              aws_norm_db(p->account->id, p->region, json_array_get(list, 0)));
        del = next_plan(p);
        fwkx_buf_adds(&del->body, "Action=DeleteDBInstance&Version=2014-10-31");
        form_add(&del->body, "DBInstanceIdentifier", name);
        snprintf(snapshot, sizeof snapshot, "%.60s-fawkes-final", name);
        form_add(&del->body, "FinalDBSnapshotIdentifier", snapshot);
        plan_query(del, p, AWS_RDS, "DeleteDBInstance");
    }
    json_decref(owned);
    json_decref(doc);
    return rc;
}

/* The subnets of spec.network_id: "subnet-a,subnet-b" as given, or a VPC's (DescribeSubnets). */
static fwk_status cluster_subnets(aws_prov *p, const char *network, json_t *subnets)
{
    aws_task t = {.inst = p->inst, .ctx = p->ctx, .account = p->account, .region = p->region};
    fwkx_buf params = FWKX_BUF_INIT;
    json_t *doc = NULL, *owned;
    const json_t *list, *subnet;
    size_t i;
    fwk_status rc;

    if (strncmp(network, "vpc-", 4) != 0) {
        char *copy = strdup(network), *save = NULL;
        for (char *id = copy ? strtok_r(copy, ", ", &save) : NULL; id;
             id = strtok_r(NULL, ", ", &save))
            json_array_append_new(subnets, json_string(id));
        free(copy);
        return FWK_OK;
    }
    fwkx_buf_adds(&params, "Filter.1.Name=vpc-id&Filter.1.Value.1=");
    fwkx_buf_add_escaped(&params, network);
    rc = aws_query(&t, AWS_EC2, "2016-11-15", "DescribeSubnets", fwkx_buf_str(&params), AWS_XML_EC2,
                   &doc);
    fwkx_buf_free(&params);
    if (rc != FWK_OK)
        return rc;
    list = aws_as_list(aws_json_at(doc, "DescribeSubnetsResponse.SubnetSet"), &owned);
    json_array_foreach (list, i, subnet) {
        if (fwkx_str(subnet, "SubnetId", NULL))
            json_array_append_new(subnets, json_string(fwkx_str(subnet, "SubnetId", "")));
    }
    json_decref(owned);
    json_decref(doc);
    return FWK_OK;
}

static void plan_eks(aws_planned *plan, aws_prov *p, const char *method, const char *path,
                     const char *action)
{
    snprintf(plan->path, sizeof plan->path, "%s", path);
    plan->req.service = AWS_EKS;
    plan->req.region = p->region;
    plan->req.method = method;
    plan->req.path = plan->path;
    plan->req.body = plan->body.len ? fwkx_buf_str(&plan->body) : NULL;
    plan->req.content_type = "application/json";
    plan->req.action = action;
    plan->req.flags = FWK_HTTP_MUTATING;
}

/* POST /clusters: a private endpoint (no public access) on the spec's subnets, with the
   configured cluster role. */
static fwk_status cluster_create(aws_prov *p, const json_t *spec, const char *name)
{
    json_t *subnets = json_array(), *body;
    aws_planned *create;
    char *text;
    fwk_status rc;

    if (!p->inst->eks_role_arn) {
        p->inst->host->fail(p->ctx, "cluster create needs the role EKS runs the cluster with: "
                                    "set eks_role_arn in the instance's config");
        json_decref(subnets);
        return FWK_ERROR;
    }
    rc = cluster_subnets(p, fwkx_str(spec, "network_id", ""), subnets);
    if (rc == FWK_OK && json_array_size(subnets) < 2) {
        p->inst->host->fail(p->ctx,
                            "network_id: EKS needs subnets in two availability zones: give "
                            "\"subnet-a,subnet-b\" or a VPC id with subnets (got %zu)",
                            json_array_size(subnets));
        rc = FWK_ERROR;
    }
    if (rc != FWK_OK) {
        json_decref(subnets);
        return rc;
    }
    body = json_pack("{s:s, s:s, s:{s:o, s:b, s:b}, s:{s:s}}", "name", name, "roleArn",
                     p->inst->eks_role_arn, "resourcesVpcConfig", "subnetIds", subnets,
                     "endpointPublicAccess", 0, "endpointPrivateAccess", 1, "tags", "created-by",
                     "fawkes");
    if (fwkx_str(spec, "version", NULL))
        json_object_set_new(body, "version", json_string(fwkx_str(spec, "version", "")));
    text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    create = next_plan(p);
    fwkx_buf_adds(&create->body, text ? text : "");
    free(text);
    plan_eks(create, p, "POST", "/clusters", "CreateCluster");
    return FWK_OK;
}

static fwk_status cluster_delete(aws_prov *p, const char *name)
{
    fwkx_buf path = FWKX_BUF_INIT;
    aws_request look = {
        .service = AWS_EKS, .region = p->region, .method = "GET", .action = "DescribeCluster"};
    aws_response resp;
    json_t *answer;
    aws_planned *del;
    fwk_status rc;

    fwkx_buf_adds(&path, "/clusters/");
    fwkx_buf_add_escaped(&path, name);
    look.path = fwkx_buf_str(&path);
    rc = aws_call(p->inst, p->ctx, &p->account->creds, p->account->id, &look, &resp);
    answer = rc == FWK_OK ? json_loadb(resp.body, resp.body_len, 0, NULL) : NULL;
    aws_response_free(&resp);
    if (rc == FWK_OK && !json_is_object(json_object_get(answer, "cluster"))) {
        p->inst->host->fail(p->ctx, "eks DescribeCluster %s: the answer has no cluster", name);
        rc = FWK_ERROR;
    }
    if (rc == FWK_OK) {
        json_array_append_new(p->targets, aws_norm_cluster(p->account->id, p->region,
                                                           json_object_get(answer, "cluster")));
        del = next_plan(p);
        plan_eks(del, p, "DELETE", fwkx_buf_str(&path), "DeleteCluster");
    }
    json_decref(answer);
    fwkx_buf_free(&path);
    return rc;
}

static fwk_status plan(aws_prov *p, const char *what, const char *op, const json_t *spec)
{
    const char *name = fwkx_str(spec, "name", fwkx_str(spec, "id", ""));
    bool create = strcmp(op, "create") == 0;

    if (!*name) {
        p->inst->host->fail(p->ctx, "name: required to %s a %s; add name: ...", op, what);
        return FWK_ERROR;
    }
    if (strcmp(what, "bucket") == 0)
        return create ? bucket_create(p, name) : bucket_delete(p, name);
    if (strcmp(what, "cluster") == 0)
        return create ? cluster_create(p, spec, name) : cluster_delete(p, name);
    return create ? database_create(p, spec, name) : database_delete(p, name);
}

fwk_status aws_provision(aws_instance *inst, fwk_ctx *ctx, const char *what, const char *op,
                         const json_t *spec, int dry_run, json_t **result)
{
    aws_prov p = {.inst = inst, .ctx = ctx};
    json_t *requests = NULL, *responses = NULL;
    fwk_status rc;

    *result = NULL;
    if (!what || !op ||
        (strcmp(what, "bucket") != 0 && strcmp(what, "database") != 0 &&
         strcmp(what, "cluster") != 0) ||
        (strcmp(op, "create") != 0 && strcmp(op, "delete") != 0)) {
        inst->host->fail(ctx,
                         "aws provisions bucket (S3), database (RDS) and cluster (EKS) with "
                         "create or delete; got %s %s",
                         what ? what : "(null)", op ? op : "(null)");
        return FWK_UNSUPPORTED;
    }
    p.region = fwkx_str(spec, "region", NULL);
    if (!p.region || !*p.region) {
        inst->host->fail(ctx, "region: required; add region: ...");
        return FWK_ERROR;
    }
    if (aws_session_ready(inst, ctx) != 0)
        return FWK_ERROR;
    p.account = &inst->account[0];
    p.targets = json_array();
    rc = plan(&p, what, op, spec);
    requests = json_array();
    for (size_t i = 0; rc == FWK_OK && i < p.count; i++)
        json_array_append_new(requests, aws_plan_describe(inst, &p.planned[i]));
    if (rc == FWK_OK && !dry_run) {
        responses = json_array();
        for (size_t i = 0; rc == FWK_OK && i < p.count; i++) {
            aws_response resp;
            rc = aws_call(inst, ctx, &p.account->creds, p.account->id, &p.planned[i].req, &resp);
            if (rc == FWK_OK)
                json_array_append_new(responses,
                                      json_pack("{s:I, s:s?}", "status", (json_int_t)resp.status,
                                                "request_id", resp.request_id));
            aws_response_free(&resp);
        }
    }
    for (size_t i = 0; i < p.count; i++)
        fwkx_buf_free(&p.planned[i].body);
    if (rc == FWK_OK)
        *result = json_pack("{s:s, s:s, s:b, s:o, s:o, s:o?}", "what", what, "op", op, "dry_run",
                            dry_run != 0, "requests", requests, "targets", p.targets, "responses",
                            responses);
    else {
        json_decref(requests);
        json_decref(p.targets);
        json_decref(responses);
    }
    return rc;
}
