/* aws.c: the "aws" provider: descriptor, config options, instance set-up, function table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "aws.h"

static const fwk_option aws_options[] = {
    FWK_OPTION_RANGE("regions", FWK_OPT_STRING_LIST, 0, NULL, 1, 100,
                     "Regions to inventory (e.g. [eu-west-2, us-east-1]); every enabled region "
                     "(ec2 DescribeRegions) when not set."),
    FWK_OPTION("profile", FWK_OPT_STRING, 0, NULL,
               "A profile of ~/.aws/credentials and ~/.aws/config (role_arn + source_profile "
               "profiles included); else the default credential chain (environment, "
               "AWS_PROFILE, default profile, ECS, IMDSv2)."),
    FWK_OPTION("role_arn", FWK_OPT_STRING, 0, NULL,
               "A role to assume (sts AssumeRole) from the credentials found."),
    FWK_OPTION("external_id", FWK_OPT_STRING, FWK_OPT_SECRET, NULL,
               "The external id the role's trust policy asks for: ${env:NAME} or ${file:PATH}."),
    FWK_OPTION("eks_role_arn", FWK_OPT_STRING, 0, NULL,
               "The IAM role EKS clusters created by `fawkes provision cluster create` run "
               "with (their cluster service role)."),
    FWK_OPTION_RANGE("accounts", FWK_OPT_STRING_LIST, 0, NULL, 1, 1000,
                     "Role ARNs, one per account to inventory, each assumed from the "
                     "credentials found (instead of role_arn)."),
    FWK_OPTION("endpoint", FWK_OPT_STRING, 0, NULL,
               "One endpoint URL for every service (emulators and tests); else "
               "AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, then AWS's own."),
    FWK_OPTION_RANGE("services", FWK_OPT_STRING_LIST, 0,
                     "[\"ec2\", \"s3\", \"rds\", \"eks\", \"iam\"]", 1, 5,
                     "Services to inventory: ec2, s3, rds, eks, iam."),
    FWK_OPTION_RANGE("global_tasks", FWK_OPT_INT, 0, "4", 1, 64,
                     "Tasks per account that share the S3 buckets and the IAM policies (each "
                     "bucket and policy needs several requests), so they are read in parallel."),
    FWK_OPTION_RANGE("page_size", FWK_OPT_INT, 0, "1000", 1, 1000,
                     "Items asked per page (MaxResults, MaxRecords, MaxItems, maxResults), "
                     "within each API's own range: EC2 5-1000 (volumes 500), RDS 20-100, EKS "
                     "1-100, IAM 1-1000; S3 buckets are listed 10,000 a page."),
    FWK_OPTION("rates", FWK_OPT_OBJECT, 0, "{}",
               "Requests per second the plugin allows itself per service ({ec2: 20, s3: 50}, "
               "also iam, rds, eks, sts, ce), on top of the instance's limits.rate."),
    FWK_OPTION_RANGE("throttle_retries", FWK_OPT_INT, 0, "5", 0, 20,
                     "Times a request AWS throttled with HTTP 400 (Throttling, "
                     "RequestLimitExceeded, ...) is sent again, with exponential backoff (429 "
                     "and 503 are retried by the host under limits:)."),
    FWK_OPTION_END};

static void aws_fini(void *instance)
{
    aws_instance *inst = instance;

    if (!inst)
        return;
    aws_session_clear(inst);
    if (inst->limiter)
        pthread_mutex_destroy(&inst->limiter->lock);
    free(inst->limiter);
    pthread_mutex_destroy(&inst->lock);
    free(inst->endpoint);
    free(inst->default_region);
    free(inst);
}

/* The `services:` list as bits; -1 after host->fail for an unknown name. */
static int parse_services(const fwk_host *host, fwk_ctx *ctx, const json_t *list, unsigned *bits)
{
    size_t i;
    const json_t *item;

    *bits = 0;
    json_array_foreach (list, i, item) {
        const char *name = json_string_value(item);
        int known = 0;
        for (int s = 0; s < AWS_STS && name; s++) {
            if (strcmp(aws_service_names[s], name) == 0) {
                *bits |= 1u << s;
                known = 1;
            }
        }
        if (!known) {
            host->fail(ctx, "services[%zu]: expected one of ec2, s3, rds, eks, iam, got \"%s\"", i,
                       name ? name : "");
            return -1;
        }
    }
    return 0;
}

/* `rates:` into a limiter; -1 after host->fail for an unknown service or a bad number. */
static int parse_rates(const fwk_host *host, fwk_ctx *ctx, const json_t *rates,
                       aws_limiter *limiter)
{
    const char *key;
    json_t *value;

    json_object_foreach ((json_t *)rates, key, value) {
        int found = -1;
        for (int s = 0; s < AWS_SERVICE_COUNT; s++)
            if (strcmp(aws_service_names[s], key) == 0)
                found = s;
        if (found < 0) {
            host->fail(ctx, "rates.%s: expected a service (ec2, s3, rds, eks, iam, sts, ce)", key);
            return -1;
        }
        if (!json_is_number(value) || json_number_value(value) <= 0) {
            host->fail(ctx, "rates.%s: expected requests per second above 0 (e.g. %s: 20), got %s",
                       key, key, fwkx_type_name(value));
            return -1;
        }
        limiter->per_second[found] = json_number_value(value);
    }
    return 0;
}

static int check_endpoint(const fwk_host *host, fwk_ctx *ctx, const char *endpoint)
{
    if (!endpoint || strncmp(endpoint, "https://", 8) == 0 || strncmp(endpoint, "http://", 7) == 0)
        return 0;
    host->fail(ctx,
               "endpoint: expected an http:// or https:// URL such as http://127.0.0.1:5000, got "
               "\"%s\"",
               endpoint);
    return -1;
}

static fwk_status aws_init(const fwk_host *host, fwk_ctx *ctx, const json_t *config,
                           void **instance)
{
    aws_instance *inst;
    const char *endpoint = fwkx_str(config, "endpoint", NULL);
    const char *region = getenv("AWS_REGION");
    unsigned services;

    *instance = NULL;
    if (check_endpoint(host, ctx, endpoint) != 0 ||
        parse_services(host, ctx, json_object_get(config, "services"), &services) != 0)
        return FWK_ERROR;
    if (json_is_array(json_object_get(config, "accounts")) && fwkx_str(config, "role_arn", NULL)) {
        host->fail(ctx, "accounts and role_arn: set one of them (accounts lists one role per "
                        "account)");
        return FWK_ERROR;
    }
    inst = calloc(1, sizeof *inst);
    if (!inst) {
        host->fail(ctx, "out of memory");
        return FWK_ERROR;
    }
    xmlInitParser();
    pthread_mutex_init(&inst->lock, NULL);
    inst->limiter = calloc(1, sizeof *inst->limiter);
    if (!inst->limiter) {
        host->fail(ctx, "out of memory");
        aws_fini(inst);
        return FWK_ERROR;
    }
    pthread_mutex_init(&inst->limiter->lock, NULL);
    if (parse_rates(host, ctx, json_object_get(config, "rates"), inst->limiter) != 0) {
        aws_fini(inst);
        return FWK_ERROR;
    }
    inst->host = host;
    inst->config = config;
    inst->services = services;
    inst->profile = fwkx_str(config, "profile", NULL);
    inst->role_arn = fwkx_str(config, "role_arn", NULL);
    inst->external_id = fwkx_str(config, "external_id", NULL);
    inst->eks_role_arn = fwkx_str(config, "eks_role_arn", NULL);
    inst->regions = json_is_array(json_object_get(config, "regions"))
                        ? json_object_get(config, "regions")
                        : NULL;
    inst->accounts = json_is_array(json_object_get(config, "accounts"))
                         ? json_object_get(config, "accounts")
                         : NULL;
    inst->s3_tasks = (long)fwkx_int(config, "global_tasks", 4);
    inst->max_throttle_retries = (long)fwkx_int(config, "throttle_retries", 5);
    inst->page_size = (long)fwkx_int(config, "page_size", 1000);
    if (endpoint) {
        size_t len = strlen(endpoint);
        while (len > 0 && endpoint[len - 1] == '/')
            len--;
        inst->endpoint = strndup(endpoint, len);
    }
    if (!region || !*region)
        region = getenv("AWS_DEFAULT_REGION");
    if (region && *region)
        inst->default_region = strdup(region);
    *instance = inst;
    return FWK_OK;
}

static fwk_status aws_plan_tasks(fwk_ctx *ctx, void *instance, const json_t *request,
                                 json_t **tasks)
{
    return aws_plan(instance, ctx, request, tasks);
}

static fwk_status aws_task_run(fwk_ctx *ctx, void *instance, const json_t *task)
{
    return aws_run_task(instance, ctx, task);
}

static fwk_status aws_actions(fwk_ctx *ctx, void *instance, json_t **actions)
{
    return aws_list_actions(instance, ctx, actions);
}

static fwk_status aws_action(fwk_ctx *ctx, void *instance, const json_t *resource,
                             const char *action, const json_t *params, int dry_run, json_t **result)
{
    return aws_run_action(instance, ctx, resource, action, params, dry_run, result);
}

static fwk_status aws_charges(fwk_ctx *ctx, void *instance, const json_t *request, json_t **report)
{
    return aws_cost(instance, ctx, request, report);
}

static fwk_status aws_provide(fwk_ctx *ctx, void *instance, const char *what, const char *op,
                              const json_t *spec, int dry_run, json_t **result)
{
    return aws_provision(instance, ctx, what, op, spec, dry_run, result);
}

static const fwk_provider_vtable aws_vtable = {
    .struct_size = sizeof(fwk_provider_vtable),
    .plan_tasks = aws_plan_tasks,
    .run_task = aws_task_run,
    .list_actions = aws_actions,
    .run_action = aws_action,
    .provision = aws_provide,
    .cost = aws_charges,
};

static const fwk_plugin_descriptor aws_descriptor = {
    FWK_DESCRIPTOR_HEADER,
    .name = "aws",
    .version = "0.1.0",
    .kind = FWK_KIND_PROVIDER,
    .description = "Amazon Web Services (SigV4): inventory of EC2 instances, volumes, security "
                   "groups and VPCs, S3 buckets, RDS instances, EKS clusters and IAM policies, "
                   "per account and region",
    .license = "Apache-2.0",
    .options = aws_options,
    .capabilities = FWK_CAP_ACTIONS | FWK_CAP_PROVISION | FWK_CAP_COST,
    .init = aws_init,
    .fini = aws_fini,
    .vtable = &aws_vtable,
};

FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void)
{
    return &aws_descriptor;
}
