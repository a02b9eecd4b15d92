/* fuzz_aws.c: the AWS provider's readers of AWS answers, through its own listing tasks on the
   fake host: the query/EC2 XML reader (aws_xml_parse) and its pages (aws_query_pages), the
   error bodies (XML and JSON), S3's bucket answers and their shaping, IAM's policy documents,
   EKS's JSON, the regions, and every aws_norm_* normalizer.

   An input is one listing's answers: its first byte chooses the listing (fuzz_listings:
   'i' instances, 'v' volumes, 'g' security groups, 'n' VPCs, 'd' RDS, 'p' IAM policies,
   'b' S3 buckets, 'k' EKS clusters, 'r' DescribeRegions; any other byte picks one by its
   value), the rest is the answers to the task's requests in order, separated by NUL bytes; the
   last one answers every later request too. An answer starting "HTTP NNN\n" has that status
   (default 200).

   Checked: every resource made has a uid aws:ACCOUNT:REGION|global:KIND:ID matching its
   fields, provider "aws", the listing's kind, a non-empty id, labels as an object of strings
   and attributes as an object, and can be written as JSON; a task that fails leaves a message;
   the credentials that signed the requests (secret key, session token, signature) reach no
   resource at any depth, no failure and no log line. */
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "aws.h"
#include "fawkes_fake_host.h"
#include "fuzz.h"
#include "fuzz_answers.h"

#define FUZZ_ACCOUNT "123456789012"
#define FUZZ_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYFUZZSECRET"
#define FUZZ_SESSION "IQoJb3JpZ2luX2VjEFUZZSESSIONTOKEN"

/* One listing: the task that reads it and the kind it makes (NULL: none, the regions). */
typedef struct fuzz_listing {
    char tag;
    const char *task;
    const char *kind;
} fuzz_listing;

static const fuzz_listing fuzz_listings[] = {
    {'i',
     "{\"account\": 0, \"region\": \"eu-west-2\", \"service\": \"ec2\", \"what\": "
     "\"instances\"}",
     "compute.instance"},
    {'v',
     "{\"account\": 0, \"region\": \"eu-west-2\", \"service\": \"ec2\", \"what\": "
     "\"volumes\"}",
     "compute.volume"},
    {'g',
     "{\"account\": 0, \"region\": \"eu-west-2\", \"service\": \"ec2\", \"what\": "
     "\"security-groups\"}",
     "network.firewall"},
    {'n', "{\"account\": 0, \"region\": \"eu-west-2\", \"service\": \"ec2\", \"what\": \"vpcs\"}",
     "network.network"},
    {'d',
     "{\"account\": 0, \"region\": \"eu-west-2\", \"service\": \"rds\", \"what\": "
     "\"db-instances\"}",
     "database.instance"},
    {'p',
     "{\"account\": 0, \"service\": \"iam\", \"what\": \"policies\", \"share\": 0, "
     "\"shares\": 1}",
     "iam.policy"},
    {'b',
     "{\"account\": 0, \"service\": \"s3\", \"what\": \"buckets\", \"share\": 0, "
     "\"shares\": 1}",
     "storage.bucket"},
    {'k',
     "{\"account\": 0, \"region\": \"eu-west-2\", \"service\": \"eks\", \"what\": "
     "\"clusters\"}",
     "kubernetes.cluster"},
    {'r', NULL, NULL},
};
#define FUZZ_LISTINGS (sizeof fuzz_listings / sizeof fuzz_listings[0])

static json_t *fuzz_tasks[FUZZ_LISTINGS];
static json_t *fuzz_config;
static aws_instance *fuzz_inst;

/* The signatures of this input's requests (a set: {hex: true}), and whether the input itself
   holds the secret key or the session token (then the answers may echo them: no finding). */
static json_t *fuzz_signatures;
static bool fuzz_input_has_secret;

/* True when `text` holds the secret key, the session token or a request's signature. */
static bool fuzz_has_secret(const char *text)
{
    size_t run = 0;

    if (!text)
        return false;
    if (!fuzz_input_has_secret && (strstr(text, FUZZ_SECRET) || strstr(text, FUZZ_SESSION)))
        return true;
    for (const char *p = text; *p; p++) {
        run = (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ? run + 1 : 0;
        if (run >= 64) {
            char hex[65];
            memcpy(hex, p - 63, 64);
            hex[64] = '\0';
            if (json_object_get(fuzz_signatures, hex))
                return true;
        }
    }
    return false;
}

/* Every request's signature into fuzz_signatures. */
static void fuzz_collect_signatures(fwk_ctx *ctx)
{
    const json_t *request;
    size_t i;

    json_array_foreach (fake_host_requests(ctx), i, request) {
        const char *auth = fake_host_request_header(request, "Authorization");
        const char *sig = auth ? strstr(auth, ", Signature=") : NULL;
        fuzz_check(sig && strlen(sig + 12) == 64, "request %zu is not signed", i);
        /* the scope's region (Credential=KEY/DATE/REGION/SERVICE/aws4_request) is a region
           name even when an answer named another (a bucket's location) */
        const char *scope = strstr(auth, "Credential=");
        const char *date = scope ? strchr(scope, '/') : NULL;
        const char *region = date ? strchr(date + 1, '/') : NULL;
        const char *service = region ? strchr(region + 1, '/') : NULL;
        char name[64] = "";
        if (service && (size_t)(service - region - 1) < sizeof name)
            memcpy(name, region + 1, (size_t)(service - region - 1));
        fuzz_check(aws_region_name_ok(name), "request %zu is signed for region \"%s\"", i, name);
        json_object_set_new(fuzz_signatures, sig + 12, json_true());
    }
}

static void fuzz_no_secrets(const json_t *value, const char *what)
{
    const char *key;
    json_t *child;
    size_t i;

    if (json_is_string(value)) {
        fuzz_check(!fuzz_has_secret(json_string_value(value)), "%s holds a credential: %s", what,
                   json_string_value(value));
    } else if (json_is_object(value)) {
        json_object_foreach ((json_t *)value, key, child) {
            fuzz_check(!fuzz_has_secret(key), "%s holds a credential in a key", what);
            fuzz_no_secrets(child, what);
        }
    } else if (json_is_array(value)) {
        json_array_foreach (value, i, child)
            fuzz_no_secrets(child, what);
    }
}

static void fuzz_resource(const json_t *r, const char *kind)
{
    const char *uid = json_string_value(json_object_get(r, "uid"));
    const char *id = json_string_value(json_object_get(r, "id"));
    const char *region = json_string_value(json_object_get(r, "region"));
    const char *got_kind = json_string_value(json_object_get(r, "kind"));
    const json_t *labels = json_object_get(r, "labels");
    const char *key;
    json_t *value;
    char *want = NULL;

    fuzz_check(uid && id && *id && got_kind, "a resource without uid, id or kind");
    fuzz_check(strcmp(got_kind, kind) == 0, "%s: kind %s, expected %s", uid, got_kind, kind);
    fuzz_check(strcmp(json_string_value(json_object_get(r, "provider")), "aws") == 0,
               "%s: provider", uid);
    fuzz_check(strcmp(json_string_value(json_object_get(r, "account")), FUZZ_ACCOUNT) == 0,
               "%s: account", uid);
    fuzz_check(
        asprintf(&want, "aws:%s:%s:%s:%s", FUZZ_ACCOUNT, region ? region : "global", kind, id) > 0,
        "out of memory");
    fuzz_check(strcmp(uid, want) == 0, "uid %s does not match its fields (%s)", uid, want);
    free(want);
    fuzz_check(json_is_object(labels), "%s: labels is not an object", uid);
    json_object_foreach ((json_t *)labels, key, value)
        fuzz_check(json_is_string(value), "%s: label %s is not a string", uid, key);
    fuzz_check(json_is_object(json_object_get(r, "attributes")), "%s: attributes", uid);
    fuzz_no_secrets(r, uid);
    char *text = json_dumps(r, JSON_COMPACT);
    fuzz_check(text != NULL, "%s cannot be written as JSON", uid);
    free(text);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const fwk_plugin_descriptor *desc = fawkes_plugin_describe();
    fwk_ctx *ctx = fake_host_ctx_new();
    void *made = NULL;

    (void)argc;
    (void)argv;
    fuzz_config = json_pack("{s:s, s:[sssss], s:i, s:i, s:i}", "endpoint", "http://aws.test",
                            "services", "ec2", "s3", "rds", "eks", "iam", "global_tasks", 1,
                            "throttle_retries", 0, "page_size", 5);
    fuzz_check(fuzz_config && desc->init(fake_host(), ctx, fuzz_config, &made) == FWK_OK,
               "aws init: %s", fake_host_failure(ctx));
    fake_host_ctx_free(ctx);
    fuzz_inst = made;
    fuzz_inst->account = calloc(1, sizeof *fuzz_inst->account);
    fuzz_check(fuzz_inst->account != NULL, "out of memory");
    fuzz_inst->account[0].creds.access_key_id = strdup("AKIAFUZZEXAMPLE");
    fuzz_inst->account[0].creds.secret_access_key = strdup(FUZZ_SECRET);
    fuzz_inst->account[0].creds.session_token = strdup(FUZZ_SESSION);
    fuzz_inst->account[0].id = strdup(FUZZ_ACCOUNT);
    fuzz_inst->account_count = 1;
    free(fuzz_inst->default_region);
    fuzz_inst->default_region = strdup("us-east-1");
    fuzz_inst->ready = true;
    for (size_t i = 0; i < FUZZ_LISTINGS; i++) {
        if (fuzz_listings[i].task) {
            fuzz_tasks[i] = json_loads(fuzz_listings[i].task, 0, NULL);
            fuzz_check(fuzz_tasks[i] != NULL, "bad task %zu", i);
        }
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t pick = 0;
    fwk_ctx *ctx;
    fwk_status rc;
    json_t *resources, *failures, *logs, *regions = NULL;
    const json_t *r;
    size_t i;

    if (size == 0)
        return 0;
    for (pick = 0; pick < FUZZ_LISTINGS && fuzz_listings[pick].tag != (char)data[0]; pick++)
        ;
    if (pick == FUZZ_LISTINGS)
        pick = data[0] % FUZZ_LISTINGS;
    ctx = fake_host_ctx_new();
    fuzz_push_answers(ctx, data + 1, size - 1);
    if (fuzz_tasks[pick]) {
        rc = aws_run_task(fuzz_inst, ctx, fuzz_tasks[pick]);
    } else {
        regions = json_array();
        rc = aws_ec2_regions(fuzz_inst, ctx, regions);
        json_array_foreach (regions, i, r)
            fuzz_check(json_is_string(r) && *json_string_value(r), "a region that is not a name");
        fuzz_check(rc != FWK_OK || json_array_size(regions) > 0, "no region and no failure");
        json_decref(regions);
    }
    fuzz_check(rc == FWK_OK || rc == FWK_ERROR, "status %d", (int)rc);
    fuzz_check(rc == FWK_OK || *fake_host_failure(ctx), "failed without a message");
    resources = fake_host_resources(ctx);
    fuzz_check(fuzz_listings[pick].kind || json_array_size(resources) == 0, "regions emitted");
    fuzz_input_has_secret = memmem(data, size, FUZZ_SECRET, strlen(FUZZ_SECRET)) ||
                            memmem(data, size, FUZZ_SESSION, strlen(FUZZ_SESSION));
    fuzz_signatures = json_object();
    fuzz_collect_signatures(ctx);
    json_array_foreach (resources, i, r)
        fuzz_resource(r, fuzz_listings[pick].kind);
    failures = fake_host_failures(ctx);
    logs = fake_host_logs(ctx);
    fuzz_no_secrets(failures, "a failure");
    fuzz_no_secrets(logs, "a log line");
    json_decref(fuzz_signatures);
    fuzz_signatures = NULL;
    fake_host_ctx_free(ctx);
    return 0;
}
