/* aws_ec2.c: EC2 listings: instances, volumes, security groups, VPCs; and the regions. */
#include <string.h>

#include "aws.h"

#define EC2_VERSION "2016-11-15"

typedef json_t *(*ec2_norm_fn)(const char *account, const char *region, json_t *item);

typedef struct ec2_listing {
    const char *what, *action, *list_key;
    long max_page;
    ec2_norm_fn normalize;
} ec2_listing;

static const ec2_listing ec2_listings[] = {
    {"instances", "DescribeInstances", "Reservations", 1000, aws_norm_instance},
    {"volumes", "DescribeVolumes", "Volumes", 500, aws_norm_volume},
    {"security-groups", "DescribeSecurityGroups", "SecurityGroups", 1000, aws_norm_security_group},
    {"vpcs", "DescribeVpcs", "Vpcs", 1000, aws_norm_vpc},
};

static fwk_status on_page(aws_task *t, const json_t *result, void *arg)
{
    const ec2_listing *l = arg;
    json_t *owned;
    const json_t *items = aws_as_list(json_object_get(result, l->list_key), &owned);
    size_t i, j;
    const json_t *item, *instance;
    fwk_status rc = FWK_OK;

    json_array_foreach (items, i, item) {
        if (l->normalize != aws_norm_instance) {
            rc = aws_emit(t, l->normalize(t->account->id, t->region, (json_t *)item));
        } else { /* instances come grouped in reservations */
            json_t *inner;
            const json_t *list = aws_as_list(json_object_get(item, "Instances"), &inner);
            json_array_foreach (list, j, instance) {
                rc = aws_emit(t, aws_norm_instance(t->account->id, t->region, (json_t *)instance));
                if (rc != FWK_OK)
                    break;
            }
            json_decref(inner);
        }
        if (rc != FWK_OK)
            break;
    }
    json_decref(owned);
    return rc;
}

fwk_status aws_ec2_task(aws_task *t)
{
    for (size_t i = 0; i < sizeof ec2_listings / sizeof ec2_listings[0]; i++) {
        const ec2_listing *l = &ec2_listings[i];
        char path[96], params[64];
        if (strcmp(l->what, t->what) != 0)
            continue;
        snprintf(path, sizeof path, "%sResponse", l->action);
        snprintf(params, sizeof params, "MaxResults=%ld", aws_page_size(t, 5, l->max_page));
        return aws_query_pages(t, AWS_EC2, EC2_VERSION, l->action, params, AWS_XML_EC2, path,
                               "NextToken", on_page, (void *)l);
    }
    t->inst->host->fail(t->ctx, "ec2: nothing called %s to list", t->what);
    return FWK_ERROR;
}

fwk_status aws_ec2_regions(aws_instance *inst, fwk_ctx *ctx, json_t *regions)
{
    aws_task t = {.inst = inst, .ctx = ctx, .account = &inst->account[0], .what = "regions"};
    json_t *doc = NULL, *owned;
    const json_t *list;
    size_t i;
    const json_t *region;
    fwk_status rc;

    t.region = inst->default_region;
    rc = aws_query(&t, AWS_EC2, EC2_VERSION, "DescribeRegions", NULL, AWS_XML_EC2, &doc);
    if (rc != FWK_OK)
        return rc;
    list = aws_as_list(aws_json_at(doc, "DescribeRegionsResponse.Regions"), &owned);
    json_array_foreach (list, i, region) {
        const char *name = fwkx_str(region, "RegionName", NULL);
        const char *opt_in = fwkx_str(region, "OptInStatus", "opt-in-not-required");
        if (name && !aws_region_name_ok(name))
            inst->host->log(ctx, FWK_LOG_WARN,
                            "ec2 DescribeRegions listed \"%.64s\", which is not a region name: "
                            "skipped",
                            name);
        else if (name && strcmp(opt_in, "not-opted-in") != 0)
            json_array_append_new(regions, json_string(name));
    }
    json_decref(owned);
    json_decref(doc);
    if (json_array_size(regions) == 0) {
        inst->host->fail(ctx, "ec2 DescribeRegions listed no region: set regions: in the config");
        return FWK_ERROR;
    }
    return FWK_OK;
}
