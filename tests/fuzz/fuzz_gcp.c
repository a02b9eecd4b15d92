/* fuzz_gcp.c: the GCP provider's readers of Google's JSON answers, through its own listing
   tasks on the fake host: the page reader (gcp_list: items and nextPageToken), aggregated
   lists with their unreachable scopes, GKE's one-answer list, bucket IAM policies, the
   projects:search listing of gcp_plan, Google's error envelope, and every gcp_norm_*
   normalizer.

   An input is one listing's answers: its first byte chooses the listing (fuzz_listings:
   'i' instances, 'd' disks, 'f' firewalls, 'n' networks, 'b' buckets, 'k' GKE clusters,
   's' Cloud SQL, 'p' projects:search; any other byte picks one by its value), the rest is the
   answers to the task's requests in order, separated by NUL bytes; the last one answers every
   later request too. An answer starting "HTTP NNN\n" has that status (default 200).

   Checked: every resource made has a uid gcp:PROJECT:REGION|global:KIND:ID matching its fields,
   provider "gcp", the listing's kind, a non-empty id, labels as an object of strings and
   attributes as an object, and can be written as JSON; the credentials the plugin drops are
   gone (masterAuth's password, clientKey and clientCertificate, Cloud SQL's rootPassword,
   instance metadata values); the access token reaches no resource at any depth, no failure
   and no log line; a task that fails (or is partial) leaves a message; planned tasks name a
   project. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fawkes_fake_host.h"
#include "fuzz.h"
#include "fuzz_answers.h"
#include "gcp.h"

#define FUZZ_PROJECT "acme-prod"
#define FUZZ_TOKEN "ya29.FUZZ-ACCESS-TOKEN-a0b1c2d3"

typedef struct fuzz_listing {
    char tag;
    const char *kind; /* NULL: gcp_plan (projects:search) */
} fuzz_listing;

static const fuzz_listing fuzz_listings[] = {
    {'i', "compute.instance"},  {'d', "compute.volume"},
    {'f', "network.firewall"},  {'n', "network.network"},
    {'b', "storage.bucket"},    {'k', "kubernetes.cluster"},
    {'s', "database.instance"}, {'p', NULL},
};
#define FUZZ_LISTINGS (sizeof fuzz_listings / sizeof fuzz_listings[0])

static gcp_instance fuzz_inst;
static gcp_creds fuzz_creds;
static json_t *fuzz_tasks[FUZZ_LISTINGS];
static bool fuzz_input_has_token;

static void fuzz_no_token(const json_t *value, const char *what)
{
    const char *key;
    json_t *child;
    size_t i;

    if (fuzz_input_has_token)
        return; /* the answers may echo it */
    if (json_is_string(value)) {
        fuzz_check(!strstr(json_string_value(value), FUZZ_TOKEN), "%s holds the access token",
                   what);
    } else if (json_is_object(value)) {
        json_object_foreach ((json_t *)value, key, child) {
            fuzz_check(!strstr(key, FUZZ_TOKEN), "%s holds the access token in a key", what);
            fuzz_no_token(child, what);
        }
    } else if (json_is_array(value)) {
        json_array_foreach (value, i, child)
            fuzz_no_token(child, what);
    }
}

/* The credentials gcp_norm_* drop from attributes. */
static void fuzz_dropped(const json_t *r, const char *kind, const char *uid)
{
    const json_t *attributes = json_object_get(r, "attributes");
    static const char *const master[] = {"password", "clientKey", "clientCertificate", NULL};
    const json_t *auth = json_object_get(attributes, "masterAuth"), *entry;
    size_t i;

    if (strcmp(kind, "kubernetes.cluster") == 0)
        for (i = 0; master[i]; i++)
            fuzz_check(!json_object_get(auth, master[i]), "%s keeps masterAuth.%s", uid, master[i]);
    if (strcmp(kind, "database.instance") == 0)
        fuzz_check(!json_object_get(attributes, "rootPassword"), "%s keeps rootPassword", uid);
    if (strcmp(kind, "compute.instance") == 0)
        json_array_foreach (json_object_get(json_object_get(attributes, "metadata"), "items"), i,
                            entry)
            fuzz_check(!json_object_get(entry, "value"), "%s keeps metadata item %zu's value", uid,
                       i);
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
    fuzz_check(strcmp(json_string_value(json_object_get(r, "provider")), "gcp") == 0,
               "%s: provider", uid);
    fuzz_check(strcmp(json_string_value(json_object_get(r, "account")), FUZZ_PROJECT) == 0,
               "%s: account", uid);
    fuzz_check(
        asprintf(&want, "gcp:%s:%s:%s:%s", FUZZ_PROJECT, region ? region : "global", kind, id) > 0,
        "out of memory");
    fuzz_check(strcmp(uid, want) == 0, "uid %s does not match its fields (%s)", uid, want);
    free(want);
    fuzz_check(json_is_object(labels), "%s: labels is not an object", uid);
    json_object_foreach ((json_t *)labels, key, value)
        fuzz_check(json_is_string(value), "%s: label %s is not a string", uid, key);
    fuzz_check(json_is_object(json_object_get(r, "attributes")), "%s: attributes", uid);
    fuzz_dropped(r, kind, uid);
    fuzz_no_token(r, uid);
    char *text = json_dumps(r, JSON_COMPACT);
    fuzz_check(text != NULL, "%s cannot be written as JSON", uid);
    free(text);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_creds.type = GCP_CRED_METADATA;
    fuzz_creds.source = "the fuzz target's metadata server";
    fuzz_creds.token_uri = "http://metadata.test/computeMetadata/v1/instance/service-accounts/"
                           "default/token";
    pthread_mutex_init(&fuzz_creds.lock, NULL);
    fuzz_inst.host = fake_host();
    fuzz_inst.creds = &fuzz_creds;
    fuzz_inst.endpoint = "http://gcp.test";
    fuzz_inst.services = GCP_SVC_COMPUTE | GCP_SVC_STORAGE | GCP_SVC_CONTAINER | GCP_SVC_SQLADMIN;
    fuzz_inst.page_size = 2;
    fuzz_inst.bucket_tasks = 1;
    fuzz_inst.prices = json_pack("{s:f, s:f}", "e2-medium", 24.46, "pd-balanced", 0.1);
    fuzz_check(fuzz_inst.prices != NULL, "out of memory");
    for (size_t i = 0; i < FUZZ_LISTINGS; i++) {
        if (fuzz_listings[i].kind) {
            fuzz_tasks[i] =
                json_pack("{s:s, s:s, s:s, s:i, s:i}", "name", "fuzz", "project", FUZZ_PROJECT,
                          "kind", fuzz_listings[i].kind, "share", 0, "shares", 1);
            fuzz_check(fuzz_tasks[i] != NULL, "out of memory");
        }
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t pick, i;
    fwk_ctx *ctx;
    fwk_status rc;
    json_t *tasks = NULL;
    const json_t *r;

    if (size == 0)
        return 0;
    for (pick = 0; pick < FUZZ_LISTINGS && fuzz_listings[pick].tag != (char)data[0]; pick++)
        ;
    if (pick == FUZZ_LISTINGS)
        pick = data[0] % FUZZ_LISTINGS;
    /* a fresh token for every input (a 401 makes the plugin fetch one from the answers) */
    if (!fuzz_creds.auth_header || strcmp(fuzz_creds.auth_header, "Bearer " FUZZ_TOKEN) != 0) {
        free(fuzz_creds.auth_header);
        fuzz_creds.auth_header = strdup("Bearer " FUZZ_TOKEN);
        fuzz_check(fuzz_creds.auth_header != NULL, "out of memory");
    }
    fuzz_creds.expires_mono_ms = INT64_MAX;
    fuzz_input_has_token = memmem(data, size, FUZZ_TOKEN, strlen(FUZZ_TOKEN)) != NULL;

    ctx = fake_host_ctx_new();
    fuzz_push_answers(ctx, data + 1, size - 1);
    if (fuzz_listings[pick].kind) {
        rc = gcp_run_task(&fuzz_inst, ctx, fuzz_tasks[pick]);
    } else {
        rc = gcp_plan(&fuzz_inst, ctx, NULL, &tasks);
        fuzz_check((rc == FWK_OK) == (tasks != NULL), "plan: status %d with tasks %p", (int)rc,
                   (void *)tasks);
        fuzz_check(!tasks || json_array_size(tasks) > 0, "plan: no task and no failure");
        json_array_foreach (tasks, i, r) {
            const char *project = json_string_value(json_object_get(r, "project"));
            fuzz_check(project && *project, "plan: task %zu names no project", i);
            fuzz_check(json_string_value(json_object_get(r, "kind")), "plan: task %zu: no kind", i);
        }
        json_decref(tasks);
    }
    fuzz_check(rc == FWK_OK || rc == FWK_ERROR || rc == FWK_PARTIAL, "status %d", (int)rc);
    fuzz_check(rc == FWK_OK || *fake_host_failure(ctx), "failed without a message");
    json_array_foreach (fake_host_resources(ctx), i, r)
        fuzz_resource(r, fuzz_listings[pick].kind ? fuzz_listings[pick].kind : "(none)");
    fuzz_no_token(fake_host_failures(ctx), "a failure");
    fuzz_no_token(fake_host_logs(ctx), "a log line");
    fake_host_ctx_free(ctx);
    return 0;
}
