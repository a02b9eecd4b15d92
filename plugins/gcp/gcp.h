/* gcp.h: internals of the Google Cloud provider shared by its descriptor, credentials, token
   cache, API client, inventory, normalizers and price table. */
#ifndef GCP_H
#define GCP_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <fawkes/fawkes.h>
#include <fawkes/fwkx.h>

/* The one OAuth scope every request is made with (read and, with --apply, write). */
#define GCP_SCOPE "https://www.googleapis.com/auth/cloud-platform"
/* Seconds before an access token's expiry at which it is no longer handed out. */
#define GCP_TOKEN_MARGIN_S 60

/* The services a config may name in `services:`, as bits. */
enum {
    GCP_SVC_COMPUTE = 1 << 0,
    GCP_SVC_STORAGE = 1 << 1,
    GCP_SVC_CONTAINER = 1 << 2,
    GCP_SVC_SQLADMIN = 1 << 3,
};

/* Where the credentials came from, in Google's Application Default Credentials order. */
typedef enum gcp_cred_type {
    GCP_CRED_SERVICE_ACCOUNT = 1, /* a key file: RS256 JWT exchanged at token_uri */
    GCP_CRED_AUTHORIZED_USER = 2, /* gcloud auth application-default login: refresh token */
    GCP_CRED_METADATA = 3         /* the GCE/GKE metadata server */
} gcp_cred_type;

/* One credential. Read-only after gcp_creds_load, except the token cache under `lock`. */
typedef struct gcp_creds {
    gcp_cred_type type;
    char *source;       /* where it was found, for messages: "GOOGLE_APPLICATION_CREDENTIALS
                           (/path)", "credentials_file", "gcloud ADC file (/path)", ... */
    char *client_email; /* service account: the JWT's iss */
    char *key_id;       /* service account: private_key_id, the JWT header's kid (or NULL) */
    void *private_key;  /* service account: the parsed key (EVP_PKEY *) */
    char *token_uri;    /* where tokens are asked for */
    char *client_id, *client_secret, *refresh_token; /* authorized_user (secrets) */
    char *project_id; /* the key's project_id / quota_project_id, or NULL */
    /* the token cache, shared by all tasks of the instance */
    pthread_mutex_t lock;
    char *auth_header;        /* "Bearer TOKEN" (secret), or NULL */
    int64_t expires_mono_ms;  /* fwkx_clock_mono_ms() when the token stops being handed out */
    unsigned long generation; /* bumped at each new token */
    unsigned long fetches;    /* tokens fetched so far */
} gcp_creds;

/* One configured instance: read-only after init (but for creds' cache), so concurrent tasks
   may share it. */
typedef struct gcp_instance {
    const fwk_host *host;
    gcp_creds *creds;
    char *endpoint;       /* base URL for every API without a trailing '/', or NULL: Google's */
    json_t *projects;     /* configured project ids (array), or NULL: projects:search */
    json_t *regions;      /* region or zone filter (array), or NULL: all */
    unsigned services;    /* GCP_SVC_* bits */
    long page_size;       /* maxResults / pageSize asked of every listing */
    long bucket_tasks;    /* storage.bucket tasks per project (buckets shared out by name) */
    json_t *prices;       /* {machine type or disk type: USD per month (per GB for disks)} */
    char *billing_export; /* path of a billing export file (CSV or JSON lines), or NULL */
} gcp_instance;

/* ---- gcp_jwt.c: RS256 JWTs for the JWT-bearer grant (RFC 7523) ---- */

/*
 * gcp_base64url: `len` bytes of `data` in base64url without padding (RFC 4648 section 5), a
 * new string (malloc'd), NULL when out of memory. Thread-safe.
 */
char *gcp_base64url(const unsigned char *data, size_t len);

/*
 * gcp_key_parse: the PEM private key `pem` (PKCS#8 "BEGIN PRIVATE KEY" as Google writes it, or
 * PKCS#1 RSA) as an EVP_PKEY (returned as void *; free with gcp_key_free), or NULL when it is
 * not an RSA private key. Thread-safe.
 */
void *gcp_key_parse(const char *pem);
void gcp_key_free(void *key);

/*
 * gcp_jwt_assertion: the signed JWT a service account sends to `aud` (its token_uri):
 * header {"alg": "RS256", "typ": "JWT", "kid": key_id (when non-NULL)}, claims {"iss":
 * client_email, "scope", "aud", "iat": now_s, "exp": now_s + 3600}, signed with `key`
 * (RSASSA-PKCS1-v1_5 over SHA-256). A new string (malloc'd), NULL on failure. Thread-safe.
 */
char *gcp_jwt_assertion(void *key, const char *key_id, const char *client_email, const char *scope,
                        const char *aud, int64_t now_s);

/* ---- gcp_creds.c: Application Default Credentials ---- */

/*
 * gcp_creds_load: find the credentials in Google's ADC order: the file named by
 * GOOGLE_APPLICATION_CREDENTIALS; the config's credentials_file (its contents); the gcloud
 * ADC file ($CLOUDSDK_CONFIG or ~/.config/gcloud, application_default_credentials.json); then
 * the metadata server (GCE_METADATA_HOST, default metadata.google.internal). Files are read
 * through host->secret_get, so their contents are redacted everywhere. `endpoint` (may be
 * NULL) is where an authorized_user file's tokens are asked for when the file names no
 * token_uri. Returns a new credential (free with gcp_creds_free), or NULL after host->fail
 * naming the source and what is wrong with it. Serial (init).
 */
gcp_creds *gcp_creds_load(const fwk_host *host, fwk_ctx *ctx, const json_t *config,
                          const char *endpoint);
/* Parse one credentials JSON text (service_account or authorized_user) from `source`.
   NULL after host->fail. Serial. */
gcp_creds *gcp_creds_parse(const fwk_host *host, fwk_ctx *ctx, const char *text, const char *source,
                           const char *endpoint);
void gcp_creds_free(gcp_creds *creds);

/* ---- gcp_token.c: access tokens, cached per credential and scope ---- */

/*
 * gcp_token_header: "Bearer TOKEN" for the instance's credential, a new string (malloc'd;
 * the caller wipes and frees it), fetched once and shared by every task until
 * GCP_TOKEN_MARGIN_S seconds before it expires; *generation is set to the token's generation
 * (for gcp_token_invalidate). NULL after host->fail naming the credential's source and the
 * token endpoint's answer (never the assertion or a token). Concurrent: one task fetches
 * while the others wait for its token.
 */
char *gcp_token_header(const gcp_instance *inst, fwk_ctx *ctx, unsigned long *generation);
/* Forget the cached token when it is still the one of `generation` (an API said 401 to it),
   so the next gcp_token_header fetches a new one. Concurrent. */
void gcp_token_invalidate(const gcp_instance *inst, unsigned long generation);

/* ---- gcp_http.c: URLs, authorized calls, Google's errors, page loops ---- */

/*
 * gcp_url: a new URL (malloc'd; NULL when out of memory): the API's base (inst->endpoint, or
 * https://HOST for the API `host`, e.g. "compute.googleapis.com") followed by `fmt` with
 * printf arguments. Path segments from data must be escaped by the caller (gcp_esc).
 */
char *gcp_url(const gcp_instance *inst, const char *host, const char *fmt, ...) FWK_PRINTF(3, 4);
/* `text` URL-escaped as a path segment or query value, into `out` (`size` bytes; cut when
   longer). Returns `out`. */
const char *gcp_esc(const char *text, char *out, size_t size);

/*
 * gcp_call: one request with the access token, `body` as JSON (or NULL), `flags`
 * (FWK_HTTP_MUTATING for changes). A 401 makes the token be fetched again and the request
 * sent once more. *result (zeroed first; free with fwkx_http_result_free) holds the status
 * and answer, also on failure. Failures are on ctx as "METHOD URL -> HTTP N: STATUS:
 * message (after K attempts); hint", where STATUS and message are Google's error envelope
 * and the hint names the API when it is disabled (SERVICE_DISABLED) or the permission is
 * missing. Returns FWK_OK, or FWK_ERROR (429 and 5xx were retried by the host already).
 * Concurrent.
 */
fwk_status gcp_call(const gcp_instance *inst, fwk_ctx *ctx, const char *method, const char *url,
                    const json_t *body, uint32_t flags, fwkx_http_result *result);

/*
 * gcp_list: GET `url` (may hold a query) page after page: `size_param`=inst->page_size
 * ("maxResults" or "pageSize") and pageToken=the previous answer's nextPageToken, until an
 * answer has none. `on_page` is called with each answer (borrowed); a non-FWK_OK return
 * stops with that status. A repeated token fails. Checks host->cancelled between pages.
 * Concurrent.
 */
typedef fwk_status (*gcp_page_fn)(void *arg, const json_t *answer);
fwk_status gcp_list(const gcp_instance *inst, fwk_ctx *ctx, const char *url, const char *size_param,
                    gcp_page_fn on_page, void *arg);

/* ---- gcp_normalize.c / gcp_normalize_net.c / gcp_normalize_storage.c ---- */

/*
 * Each gcp_norm_* maps one raw item (borrowed) of `project` as Google's API reference shows
 * it to a new normalized resource (new reference), or NULL when the item lacks its id (or
 * name, for kinds whose id is the name). Missing and null fields become null; raw fields are
 * kept under "attributes" (instance metadata values, which may hold startup scripts and
 * keys, are dropped; their keys are kept). Thread-safe.
 */
json_t *gcp_norm_instance(const gcp_instance *inst, const char *project, const json_t *item);
json_t *gcp_norm_disk(const gcp_instance *inst, const char *project, const json_t *item);
json_t *gcp_norm_network(const gcp_instance *inst, const char *project, const json_t *item);
json_t *gcp_norm_firewall(const gcp_instance *inst, const char *project, const json_t *item);
json_t *gcp_norm_cluster(const gcp_instance *inst, const char *project, const json_t *item);
json_t *gcp_norm_sql(const gcp_instance *inst, const char *project, const json_t *item);
/* A bucket with its IAM policy (`iam` borrowed: {bindings: [...]}, or NULL when unknown). */
json_t *gcp_norm_bucket(const gcp_instance *inst, const char *project, const json_t *item,
                        const json_t *iam);
/* One firewall's rules in the model's shape: for each allowed (action allow) and denied
   (action deny) entry, {id, direction, protocol, ports, cidrs, action, priority, disabled,
   target_tags, target_service_accounts, source_tags}. New reference. */
json_t *gcp_firewall_rules(const json_t *item);

/* The skeleton: uid gcp:PROJECT:REGION:KIND:ID (REGION "global" when NULL), provider,
   account, region, kind, native_type, id, name, state, labels (from `labels_value`, an
   object of strings, or {}), created_at (`created` as RFC 3339 UTC, or null), public,
   encrypted and monthly_cost null, attributes (a copy of `item`). New reference; NULL when
   `id` is NULL or empty. */
json_t *gcp_norm_base(const char *project, const char *region, const char *kind,
                      const char *native_type, const char *id, const json_t *item,
                      const json_t *labels_value, const char *created);
/* The last segment of a URL or path ("…/zones/europe-west2-a" -> "europe-west2-a"), into
   `out`; "" when `url` is NULL. Returns `out`. */
const char *gcp_last_segment(const char *url, char *out, size_t size);
/* The region of a zone ("europe-west2-a" -> "europe-west2"), into `out`. Returns `out`. */
const char *gcp_zone_region(const char *zone, char *out, size_t size);
/* True when `location` (a zone or region) passes the instance's regions filter: no filter,
   an exact match, or a zone of a listed region. */
bool gcp_region_wanted(const gcp_instance *inst, const char *location);

/* ---- gcp_price.c: the shipped price table ---- */

/* The date the shipped prices were read from Google's price list. */
extern const char gcp_prices_date[];
/* USD per month of machine type `machine_type` (a name such as "e2-medium"), from the config's
   `prices` first, then the shipped table; negative when unknown. */
double gcp_price_machine(const gcp_instance *inst, const char *machine_type);
/* USD per GB-month of disk type `disk_type` ("pd-balanced"); negative when unknown. */
double gcp_price_disk(const gcp_instance *inst, const char *disk_type);

/* ---- gcp_inventory.c: plan_tasks and run_task ---- */
fwk_status gcp_plan(const gcp_instance *inst, fwk_ctx *ctx, const json_t *request, json_t **tasks);
fwk_status gcp_run_task(const gcp_instance *inst, fwk_ctx *ctx, const json_t *task);

/* ---- gcp_request.c: planned requests shared by actions and provisioning ---- */

/* Append {"method", "url", "body"} (body: the JSON value or null; reference taken, also on
   failure) to `requests`. Returns 0, or -1 out of memory (or `url` NULL). */
int gcp_plan_request(json_t *requests, const char *method, const char *url, json_t *body);
/* Send every planned request in order (mutating, through gcp_call); *responses is then a new
   array of the answers' {"status", "body"}. A DELETE answered 404 counts as done (it is
   gone already). Stops at the first failure (FWK_ERROR after host->fail naming the request;
   *responses NULL). Concurrent. */
fwk_status gcp_send_planned(const gcp_instance *inst, fwk_ctx *ctx, const json_t *requests,
                            json_t **responses);

/* ---- gcp_actions.c: list_actions (serial) and run_action (concurrent) ---- */
fwk_status gcp_list_actions(const gcp_instance *inst, fwk_ctx *ctx, json_t **actions);
fwk_status gcp_run_action(const gcp_instance *inst, fwk_ctx *ctx, const json_t *resource,
                          const char *action, const json_t *params, int dry_run, json_t **result);

/* ---- gcp_provision.c: provision (serial) ---- */
fwk_status gcp_provision(const gcp_instance *inst, fwk_ctx *ctx, const char *what, const char *op,
                         const json_t *spec, int dry_run, json_t **result);

/* ---- gcp_cost.c: cost (serial) from the billing export file ---- */
fwk_status gcp_cost(const gcp_instance *inst, fwk_ctx *ctx, const json_t *request, json_t **report);

#endif
