/* aws_inventory.c: plan tasks per account x region x service (S3 and IAM per account, in
   shares), and run one: dispatch to the service's lister. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"

/* One listing: which service, what it lists, the kind it yields, regional or global. */
typedef struct aws_listing {
    aws_service service;
    const char *what;
    const char *kind;
    bool global; /* once per account, in shares */
} aws_listing;

static const aws_listing listings[] = {
    {AWS_IAM, "policies", "iam.policy", true},
    {AWS_S3, "buckets", "storage.bucket", true},
    {AWS_EC2, "instances", "compute.instance", false},
    {AWS_EC2, "volumes", "compute.volume", false},
    {AWS_EC2, "security-groups", "network.firewall", false},
    {AWS_EC2, "vpcs", "network.network", false},
    {AWS_RDS, "db-instances", "database.instance", false},
    {AWS_EKS, "clusters", "kubernetes.cluster", false},
};
#define LISTING_COUNT (sizeof listings / sizeof listings[0])

static bool wanted(const json_t *list, const char *value)
{
    size_t i;
    const json_t *item;

    if (!json_is_array(list))
        return true;
    json_array_foreach (list, i, item) {
        if (json_is_string(item) && strcmp(json_string_value(item), value) == 0)
            return true;
    }
    return false;
}

long aws_page_size(const aws_task *t, long lo, long hi)
{
    long size = t->inst->page_size;

    return size < lo ? lo : size > hi ? hi : size;
}

fwk_status aws_emit(aws_task *t, json_t *resource)
{
    fwk_status rc;

    if (!resource)
        return FWK_OK;
    rc = t->inst->host->emit_resource(t->ctx, resource);
    if (rc == FWK_OK)
        t->emitted++;
    return rc == FWK_CANCELLED ? FWK_CANCELLED : FWK_OK;
}

static fwk_status regions_of(aws_instance *inst, fwk_ctx *ctx, json_t **regions)
{
    fwk_status rc;

    if (inst->regions) {
        *regions = json_deep_copy(inst->regions);
        return FWK_OK;
    }
    *regions = json_array();
    rc = aws_ec2_regions(inst, ctx, *regions);
    if (rc != FWK_OK) {
        json_decref(*regions);
        *regions = NULL;
    }
    return rc;
}

static void plan_global(const aws_instance *inst, size_t a, const aws_listing *l, json_t *tasks)
{
    long shares = inst->s3_tasks;

    for (long share = 0; share < shares; share++)
        json_array_append_new(
            tasks,
            json_pack("{s:o, s:I, s:s, s:s, s:I, s:I}", "name",
                      shares > 1
                          ? json_sprintf("%s/global/%s:%s[%ld/%ld]", inst->account[a].id,
                                         aws_service_names[l->service], l->what, share + 1, shares)
                          : json_sprintf("%s/global/%s:%s", inst->account[a].id,
                                         aws_service_names[l->service], l->what),
                      "account", (json_int_t)a, "service", aws_service_names[l->service], "what",
                      l->what, "share", (json_int_t)share, "shares", (json_int_t)shares));
}

fwk_status aws_plan(aws_instance *inst, fwk_ctx *ctx, const json_t *request, json_t **tasks)
{
    const json_t *want_regions = json_object_get(request, "regions");
    const json_t *want_kinds = json_object_get(request, "kinds");
    json_t *regions = NULL, *region;
    bool regional = false;
    fwk_status rc;
    size_t i;

    *tasks = NULL;
    if (aws_session_ready(inst, ctx) != 0)
        return FWK_ERROR;
    for (size_t l = 0; l < LISTING_COUNT; l++)
        regional |= !listings[l].global && (inst->services & (1u << listings[l].service)) &&
                    wanted(want_kinds, listings[l].kind);
    if (regional && (rc = regions_of(inst, ctx, &regions)) != FWK_OK)
        return rc;
    *tasks = json_array();
    for (size_t a = 0; a < inst->account_count; a++) {
        for (size_t l = 0; l < LISTING_COUNT; l++) {
            const aws_listing *listing = &listings[l];
            if (!(inst->services & (1u << listing->service)) || !wanted(want_kinds, listing->kind))
                continue;
            if (listing->global) {
                plan_global(inst, a, listing, *tasks);
                continue;
            }
            json_array_foreach (regions, i, region) {
                const char *code = json_string_value(region);
                if (!code || !wanted(want_regions, code))
                    continue;
                json_array_append_new(
                    *tasks,
                    json_pack("{s:o, s:I, s:s, s:s, s:s}", "name",
                              json_sprintf("%s/%s/%s:%s", inst->account[a].id, code,
                                           aws_service_names[listing->service], listing->what),
                              "account", (json_int_t)a, "region", code, "service",
                              aws_service_names[listing->service], "what", listing->what));
            }
        }
    }
    json_decref(regions);
    return FWK_OK;
}

fwk_status aws_run_task(aws_instance *inst, fwk_ctx *ctx, const json_t *task)
{
    json_int_t a = fwkx_int(task, "account", -1);
    const char *service = fwkx_str(task, "service", "");
    aws_task t = {
        .inst = inst,
        .ctx = ctx,
        .region = fwkx_str(task, "region", NULL),
        .what = fwkx_str(task, "what", ""),
        .share = (long)fwkx_int(task, "share", 0),
        .shares = (long)fwkx_int(task, "shares", 1),
    };
    fwk_status rc;

    if (aws_session_ready(inst, ctx) != 0)
        return FWK_ERROR;
    if (a < 0 || (size_t)a >= inst->account_count || t.shares < 1 || t.share < 0 ||
        t.share >= t.shares) {
        inst->host->fail(ctx, "task %s: not a task of this plugin's plan",
                         fwkx_str(task, "name", "(unnamed)"));
        return FWK_ERROR;
    }
    t.account = &inst->account[a];
    if (strcmp(service, "ec2") == 0 && t.region)
        rc = aws_ec2_task(&t);
    else if (strcmp(service, "rds") == 0 && t.region)
        rc = aws_rds_task(&t);
    else if (strcmp(service, "eks") == 0 && t.region)
        rc = aws_eks_task(&t);
    else if (strcmp(service, "s3") == 0)
        rc = aws_s3_task(&t);
    else if (strcmp(service, "iam") == 0)
        rc = aws_iam_task(&t);
    else {
        inst->host->fail(ctx, "task %s: unknown service %s", fwkx_str(task, "name", ""), service);
        rc = FWK_ERROR;
    }
    inst->host->counter_add(ctx, "aws.resources", (int64_t)t.emitted);
    return rc;
}
