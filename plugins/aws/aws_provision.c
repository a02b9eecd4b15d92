/* aws_provision.c: provisioning from the neutral spec: S3 buckets (created private: Block
   Public Access on) and RDS instances (encrypted, private, the master password kept in AWS
   Secrets Manager), created or deleted; a dry run shows the requests and sends none. */
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
    return create ? database_create(p, spec, name) : database_delete(p, name);
}

fwk_status aws_provision(aws_instance *inst, fwk_ctx *ctx, const char *what, const char *op,
                         const json_t *spec, int dry_run, json_t **result)
{
    aws_prov p = {.inst = inst, .ctx = ctx};
    json_t *requests = NULL, *responses = NULL;
    fwk_status rc;

    *result = NULL;
    if (!what || !op || (strcmp(what, "bucket") != 0 && strcmp(what, "database") != 0) ||
        (strcmp(op, "create") != 0 && strcmp(op, "delete") != 0)) {
        inst->host->fail(ctx,
                         "aws provisions bucket (S3) and database (RDS) with create or "
                         "delete; got %s %s (EKS clusters are not provisioned yet)",
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
