/* aws.h: internals of the AWS provider shared by its descriptor, credentials, client, XML
   reader, normalizers and inventory. */
#ifndef AWS_H
#define AWS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <fawkes/fawkes.h>
#include <fawkes/fwkx.h>

#include "aws_sigv4.h"

/* The services this provider reads (config `services:`). */
typedef enum aws_service {
    AWS_EC2 = 0,
    AWS_S3 = 1,
    AWS_RDS = 2,
    AWS_EKS = 3,
    AWS_IAM = 4,
    AWS_STS = 5, /* not inventoried: credentials and account ids */
    AWS_CE = 6,  /* Cost Explorer: `fawkes cost` */
    AWS_SERVICE_COUNT = 7
} aws_service;

/* One account the instance reads: the base credentials' own, or one reached by AssumeRole. */
typedef struct aws_account {
    char *role_arn;        /* NULL for the base credentials' account */
    aws_credentials creds; /* owned */
    char *id;              /* the 12-digit account id (sts GetCallerIdentity) */
} aws_account;

/* Per-service request pacing (config `rates:`): shared by the instance's concurrent calls. */
typedef struct aws_limiter {
    pthread_mutex_t lock;
    double per_second[AWS_SERVICE_COUNT]; /* 0: no limit of the plugin's own */
    int64_t next_ms[AWS_SERVICE_COUNT];   /* monotonic time of the next free slot */
} aws_limiter;

/* One configured instance. Config fields are read-only after init; the accounts are set up
   once (aws_session_ready, under `lock`) and read-only after, so concurrent tasks share them. */
typedef struct aws_instance {
    const fwk_host *host;
    const json_t *config; /* the host's validated config (borrowed until fini) */
    char *endpoint;       /* `endpoint:` without a trailing '/', or NULL */
    const char *profile;  /* `profile:` (borrowed from config), or NULL */
    const char *role_arn; /* `role_arn:`, or NULL */
    const char *external_id;
    const char *eks_role_arn; /* `eks_role_arn:` (cluster provisioning), or NULL */
    const json_t *regions;    /* `regions:` (array) or NULL: every enabled region */
    const json_t *accounts;   /* `accounts:` role ARNs, or NULL */
    unsigned services;        /* bit (1 << aws_service) per service read */
    long s3_tasks;            /* tasks the bucket reads are shared among, per account */
    long max_throttle_retries;
    long page_size;       /* items asked per page (each API's own range applies) */
    aws_limiter *limiter; /* owned; its state changes under its own lock */
    char *default_region; /* for global services and region listing */

    pthread_mutex_t lock;
    bool ready;            /* the accounts below are set up */
    aws_credentials base;  /* from the credential chain */
    char base_source[160]; /* where they came from ("environment", "profile prod", ...) */
    aws_account *account;  /* accounts to read */
    size_t account_count;
} aws_instance;

/* Service names as config writes them ("ec2"), as AWS signs them, and AWS_ENDPOINT_URL_<ID>. */
extern const char *const aws_service_names[AWS_SERVICE_COUNT];

/* ---- aws_creds.c / aws_profile.c: the credential chain ---- */

/*
 * aws_creds_resolve: the base credentials, in the AWS SDKs' order: the instance's `profile:`
 * when set; else AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN); else the
 * profile AWS_PROFILE names (or "default") in AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials)
 * and AWS_CONFIG_FILE (~/.aws/config), with role_arn + source_profile / credential_source
 * assumed through STS; else ECS container credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI or
 * _RELATIVE_URI, with AWS_CONTAINER_AUTHORIZATION_TOKEN[_FILE]); else IMDSv2
 * (AWS_EC2_METADATA_SERVICE_ENDPOINT overrides http://169.254.169.254, unless
 * AWS_EC2_METADATA_DISABLED=true). Fills inst->base and inst->base_source. 0, or -1 after
 * host->fail naming what was tried. Serial (called under inst->lock).
 */
int aws_creds_resolve(aws_instance *inst, fwk_ctx *ctx);
/* Free the strings of `creds` (wiped first) and zero it. */
void aws_creds_clear(aws_credentials *creds);
/* A deep copy (0, or -1 out of memory). */
int aws_creds_copy(aws_credentials *to, const aws_credentials *from);

/*
 * aws_sts_assume: sts AssumeRole of `role_arn` (with `external_id` when non-NULL) signed
 * with `from`, into *out. 0, or -1 after host->fail naming the role and AWS's error.
 */
int aws_sts_assume(const aws_instance *inst, fwk_ctx *ctx, const aws_credentials *from,
                   const char *role_arn, const char *external_id, aws_credentials *out);
/* sts GetCallerIdentity with `creds`: the account id (malloc'd) or NULL after host->fail. */
char *aws_sts_account(const aws_instance *inst, fwk_ctx *ctx, const aws_credentials *creds);

/* One profile's keys from the two shared files. */
typedef struct aws_profile {
    json_t *keys; /* {key: value} merged, credentials file first; new reference */
} aws_profile;
/* Read profile `name` from the credentials and config files (paths from the environment or
   ~/.aws). 0 when found in either, 1 when in neither, -1 after host->fail (unreadable). */
int aws_profile_load(const aws_instance *inst, fwk_ctx *ctx, const char *name, json_t **keys);

/* ---- aws_session.c: accounts set up once per instance ---- */

/* Resolve the base credentials, assume the configured role(s) and learn each account's id,
   once (later calls return at once). 0, or -1 after host->fail. Thread-safe. */
int aws_session_ready(aws_instance *inst, fwk_ctx *ctx);
/* Forget the credentials and accounts (wiped). Serial. */
void aws_session_clear(aws_instance *inst);

/* ---- aws_http.c: signed requests ---- */

/* One AWS answer. Free with aws_response_free. */
typedef struct aws_response {
    long status;
    char *body; /* NUL-terminated (may hold NULs: body_len) */
    size_t body_len;
    char *request_id; /* x-amz-request-id / x-amzn-RequestId, or NULL */
    char code[96];    /* AWS's error code when status is not 2xx ("" when none) */
    char message[512];
} aws_response;

/* A request to sign and send. Pointers borrowed for the call. */
typedef struct aws_request {
    aws_service service;
    const char *region;             /* signing region (and endpoint region) */
    const char *method;             /* "GET", "POST", ... */
    const char *host_prefix;        /* S3 virtual host ("bucket."), or NULL */
    const char *path;               /* encoded, starting with '/' */
    const char *query;              /* encoded, without '?', or NULL */
    const char *body;               /* or NULL */
    const char *content_type;       /* with a body */
    const char *action;             /* for messages: "DescribeInstances" */
    const fwk_http_header *headers; /* extra headers, signed too (Content-MD5), or NULL */
    size_t header_count;
    uint32_t flags; /* FWK_HTTP_* */
} aws_request;

/*
 * aws_send: sign `req` with `creds` and send it through the host (which retries 429/5xx);
 * AWS's throttling answers that come as HTTP 400 (Throttling, ThrottlingException,
 * RequestLimitExceeded, SlowDown, ...) are sent again with exponential backoff up to
 * inst->max_throttle_retries times. *resp is set on FWK_OK (any status: read resp->status
 * and resp->code). FWK_ERROR after host->fail when no answer came; FWK_CANCELLED. Concurrent.
 */
fwk_status aws_send(const aws_instance *inst, fwk_ctx *ctx, const aws_credentials *creds,
                    const aws_request *req, aws_response *resp);
/* aws_send, then any non-2xx answer is a failure (FWK_ERROR) reported on ctx as
   "SERVICE ACTION in REGION (account A): HTTP N CODE: MESSAGE (request id R)". `account` may
   be NULL. */
fwk_status aws_call(const aws_instance *inst, fwk_ctx *ctx, const aws_credentials *creds,
                    const char *account, const aws_request *req, aws_response *resp);
/* Report `resp` (not 2xx) as aws_call does; returns FWK_ERROR. */
fwk_status aws_fail_response(const aws_instance *inst, fwk_ctx *ctx, const char *account,
                             const aws_request *req, const aws_response *resp);
void aws_response_free(aws_response *resp);
/* The base URL of `service` in `region`: `endpoint:`, AWS_ENDPOINT_URL_<SERVICE>,
   AWS_ENDPOINT_URL, else AWS's (https://ec2.REGION.amazonaws.com ...). malloc'd. */
char *aws_endpoint(const aws_instance *inst, aws_service service, const char *region);
/* Nonzero when `code` is one of AWS's throttling codes. */
int aws_is_throttling(const char *code);
/* Nonzero when `code` means the credentials may not do this (AccessDenied, ...). */
int aws_is_denied(const char *code);
/* Nonzero when `name` looks like an AWS region name ("us-east-1", "us-gov-west-1": a lower
   case letter, then lower case letters, digits and '-', at most 32): a region an answer names
   (DescribeRegions, a bucket's location) goes into host names and signatures only then. */
int aws_region_name_ok(const char *name);

/* ---- aws_xml.c: libxml2 answers to JSON ---- */

/* Element names: EC2's camelCase turned into the SDKs' names (tagSet -> Tags, instanceState
   -> State) or kept as they are (IAM, RDS, S3, STS). */
typedef enum aws_xml_names {
    AWS_XML_KEEP = 0,
    AWS_XML_EC2 = 1
} aws_xml_names;

/*
 * aws_xml_parse: the XML body of `resp` as JSON (new reference), NULL after host->fail when
 * it is not well-formed (a truncated body). Elements become objects; "item"/"member" lists
 * and the known list elements become arrays; "true"/"false" become booleans and the known
 * numeric fields integers; the root element is the top object's only key.
 */
json_t *aws_xml_parse(const aws_instance *inst, fwk_ctx *ctx, const char *what, const char *body,
                      size_t len, aws_xml_names names);
/* The member at `path` of objects ("DescribeInstancesResponse.reservationSet"), or NULL. */
const json_t *aws_json_at(const json_t *root, const char *dotted);
/* `value` as an array: an array as is, NULL/"" as [], anything else as [value]. Borrowed or
   new as *owned says (json_decref(*owned) when done). */
const json_t *aws_as_list(const json_t *value, json_t **owned);

/* ---- aws_normalize.c: one normalizer per kind (pure, thread-safe) ---- */

/* The skeleton: uid aws:ACCOUNT:REGION|global:KIND:ID, fields null, labels {}, attributes a
   reference to `attributes` (taken). NULL when `id` is NULL or empty. */
json_t *aws_norm_base(const char *account, const char *region, const char *kind,
                      const char *native_type, const char *id, json_t *attributes);
/* AWS Tags [{Key, Value}] into `labels`. */
void aws_tags_to_labels(const json_t *tags, json_t *labels);
/* An AWS timestamp (ISO 8601 text, or epoch seconds as a number) as RFC 3339 UTC json, or
   json null. New reference. */
json_t *aws_time(const json_t *value);
json_t *aws_norm_instance(const char *account, const char *region, json_t *item);
json_t *aws_norm_volume(const char *account, const char *region, json_t *item);
json_t *aws_norm_security_group(const char *account, const char *region, json_t *item);
json_t *aws_norm_vpc(const char *account, const char *region, json_t *item);
json_t *aws_norm_db(const char *account, const char *region, json_t *item);
json_t *aws_norm_cluster(const char *account, const char *region, json_t *item);
json_t *aws_norm_policy(const char *account, json_t *item);
/* The rules of a security group item (IpPermissions, IpPermissionsEgress) in the model's
   shape. New reference. */
json_t *aws_sg_rules(const json_t *item);
/* The id of a permission as rules[].id gives it: "DIRECTION:PROTOCOL:FROM-TO" ("ingress:tcp:22-22")
   or "DIRECTION:PROTOCOL:all" without ports; unique within a group (AWS merges permissions
   of the same protocol and ports). Written into `out`. */
void aws_rule_id(const char *direction, const json_t *perm, char *out, size_t size);
/* A bucket from its pieces ({Name, CreationDate, BucketRegion, PublicAccessBlockConfiguration,
   Acl, PolicyStatus, ServerSideEncryptionConfiguration, Versioning, Tags}). */
json_t *aws_norm_bucket(const char *account, json_t *item);

/* ---- aws_prices.c ---- */
/* USD per month: an EC2 instance type, an EBS volume (type, GiB), an RDS class (single-AZ or
   multi-AZ, plus gp2/gp3 storage GiB); json null when the table does not know it. */
json_t *aws_price_instance(const char *type, const char *state);
json_t *aws_price_volume(const char *type, double gib);
json_t *aws_price_db(const char *cls, bool multi_az, double gib);
/* The date the price table was taken. */
extern const char aws_prices_date[];

/* ---- aws_actions.c: remediation actions (dry run by default) ---- */

/* One planned request: the aws_request fields a dry run shows and a real run sends. Zero it
   first; fwkx_buf_free(&body) when done. */
typedef struct aws_planned {
    aws_request req;
    fwkx_buf body;
    char path[320], host_prefix[300], md5[32];
    fwk_http_header header;
} aws_planned;
/* An S3 request on `bucket` (`method`, `?query` or NULL) with p->body as its XML body (and its
   Content-MD5), path-style on custom endpoints. */
void aws_plan_s3(aws_planned *p, const aws_instance *inst, const char *bucket, const char *method,
                 const char *query);
/* {"method", "url", "body", "service"} of a planned request: what it would send, without the
   signature (made only when sent) and without credentials. New reference. */
json_t *aws_plan_describe(const aws_instance *inst, const aws_planned *p);
fwk_status aws_list_actions(const aws_instance *inst, fwk_ctx *ctx, json_t **actions);
fwk_status aws_run_action(aws_instance *inst, fwk_ctx *ctx, const json_t *resource,
                          const char *action, const json_t *params, int dry_run, json_t **result);
/* The account of `inst` whose id is `id`, or NULL. */
const aws_account *aws_account_of(const aws_instance *inst, const char *id);

/* ---- aws_provision.c ---- */
/* bucket or database, create or delete, from the neutral spec (docs/provision.md). */
fwk_status aws_provision(aws_instance *inst, fwk_ctx *ctx, const char *what, const char *op,
                         const json_t *spec, int dry_run, json_t **result);

/* ---- aws_cost.c: Cost Explorer ---- */
/* GetCostAndUsage over {"from", "to"} (RFC 3339), daily, grouped by service, every page, for
   each account: *report {"currency", "total", "from", "to", "items": [{"date", "label" (the
   date, as the cost table shows it), "account", "service", "cost", "unit", "estimated"}]}. */
fwk_status aws_cost(aws_instance *inst, fwk_ctx *ctx, const json_t *request, json_t **report);

/* ---- aws_inventory.c, aws_ec2.c, aws_s3.c, aws_rds_eks.c, aws_iam.c ---- */
fwk_status aws_plan(aws_instance *inst, fwk_ctx *ctx, const json_t *request, json_t **tasks);
fwk_status aws_run_task(aws_instance *inst, fwk_ctx *ctx, const json_t *task);

/* A task while it runs. */
typedef struct aws_task {
    const aws_instance *inst;
    fwk_ctx *ctx;
    const aws_account *account;
    const char *region; /* NULL for global tasks */
    const char *what;   /* "instances", "volumes", ... */
    long share, shares;
    size_t emitted;
} aws_task;

/* Hand a normalized resource (taken; NULL is skipped) to the host. FWK_OK or FWK_CANCELLED. */
fwk_status aws_emit(aws_task *t, json_t *resource);
fwk_status aws_ec2_task(aws_task *t);
fwk_status aws_s3_task(aws_task *t);
fwk_status aws_rds_task(aws_task *t);
fwk_status aws_eks_task(aws_task *t);
fwk_status aws_iam_task(aws_task *t);
/* `t`'s page size within [lo, hi]. */
long aws_page_size(const aws_task *t, long lo, long hi);

/* ---- aws_query.c: query-protocol calls (EC2, RDS, IAM) ---- */

/* One query action of `t`'s account and region: POST Action=ACTION&Version=VERSION&PARAMS
   (`params` already form-encoded, or NULL), the answer parsed into *doc (new reference).
   FWK_OK, or the failure on ctx naming service, action, region, account and AWS's code. */
fwk_status aws_query(aws_task *t, aws_service service, const char *version, const char *action,
                     const char *params, aws_xml_names names, json_t **doc);
/* Called with each page's result object (borrowed). */
typedef fwk_status (*aws_page_fn)(aws_task *t, const json_t *result, void *arg);
/* Every page of a query action: `result_path` locates the result object in the answer
   ("ListPoliciesResponse.ListPoliciesResult"), `token_key` is the token both sent and read
   ("NextToken", "Marker"); IsTruncated false ends too. A repeated token is an error. Checks
   host->cancelled between pages. */
fwk_status aws_query_pages(aws_task *t, aws_service service, const char *version,
                           const char *action, const char *params, aws_xml_names names,
                           const char *result_path, const char *token_key, aws_page_fn on_page,
                           void *arg);

/* ec2 DescribeRegions: the enabled regions' names into `regions` (array). */
fwk_status aws_ec2_regions(aws_instance *inst, fwk_ctx *ctx, json_t *regions);

#endif
