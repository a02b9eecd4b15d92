/* gcp_creds.c: Google's Application Default Credentials: key files, gcloud's ADC file and the
   metadata server, in the order Google's client libraries look for them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gcp.h"

#define GCP_DEFAULT_TOKEN_URI "https://oauth2.googleapis.com/token"
#define GCP_DEFAULT_METADATA_HOST "metadata.google.internal"

/* Free `text` after wiping it (it may hold a private key or a refresh token). */
static void wipe_free(char *text)
{
    if (text) {
        memset(text, 0, strlen(text));
        free(text);
    }
}

void gcp_creds_free(gcp_creds *creds)
{
    if (!creds)
        return;
    gcp_key_free(creds->private_key);
    free(creds->source);
    free(creds->client_email);
    free(creds->key_id);
    free(creds->token_uri);
    free(creds->client_id);
    wipe_free(creds->client_secret);
    wipe_free(creds->refresh_token);
    free(creds->project_id);
    wipe_free(creds->auth_header);
    pthread_mutex_destroy(&creds->lock);
    free(creds);
}

static gcp_creds *creds_new(gcp_cred_type type, const char *source)
{
    gcp_creds *creds = calloc(1, sizeof *creds);

    if (!creds)
        return NULL;
    creds->type = type;
    creds->source = strdup(source);
    if (!creds->source || pthread_mutex_init(&creds->lock, NULL) != 0) {
        free(creds->source);
        free(creds);
        return NULL;
    }
    return creds;
}

/* A copy of the string member `key`, or NULL when absent or empty. */
static char *dup_member(const json_t *doc, const char *key)
{
    const char *value = fwkx_text(doc, key, NULL);

    return value ? strdup(value) : NULL;
}

/* A service-account key: client_email, private_key (PEM), token_uri (default Google's). */
static gcp_creds *parse_service_account(const fwk_host *host, fwk_ctx *ctx, const json_t *doc,
                                        const char *source)
{
    gcp_creds *creds = creds_new(GCP_CRED_SERVICE_ACCOUNT, source);
    const char *pem = fwkx_text(doc, "private_key", NULL);

    if (!creds)
        goto oom;
    creds->client_email = dup_member(doc, "client_email");
    if (!creds->client_email || !pem) {
        host->fail(ctx,
                   "%s: a service_account key needs \"client_email\" and \"private_key\": "
                   "download a new JSON key (gcloud iam service-accounts keys create)",
                   source);
        goto fail;
    }
    creds->private_key = gcp_key_parse(pem);
    if (!creds->private_key) {
        host->fail(ctx,
                   "%s: \"private_key\" is not a PEM RSA private key (expected \"-----BEGIN "
                   "PRIVATE KEY-----...\" as Google writes it)",
                   source);
        goto fail;
    }
    creds->key_id = dup_member(doc, "private_key_id");
    creds->project_id = dup_member(doc, "project_id");
    creds->token_uri = strdup(fwkx_text(doc, "token_uri", GCP_DEFAULT_TOKEN_URI));
    if (!creds->token_uri)
        goto oom;
    return creds;
oom:
    host->fail(ctx, "%s: out of memory", source);
fail:
    gcp_creds_free(creds);
    return NULL;
}

/* An authorized_user file: client_id, client_secret, refresh_token. */
static gcp_creds *parse_authorized_user(const fwk_host *host, fwk_ctx *ctx, const json_t *doc,
                                        const char *source, const char *endpoint)
{
    gcp_creds *creds = creds_new(GCP_CRED_AUTHORIZED_USER, source);
    const char *token_uri = fwkx_text(doc, "token_uri", NULL);
    fwkx_buf uri = FWKX_BUF_INIT;

    if (!creds) {
        host->fail(ctx, "%s: out of memory", source);
        return NULL;
    }
    creds->client_id = dup_member(doc, "client_id");
    creds->client_secret = dup_member(doc, "client_secret");
    creds->refresh_token = dup_member(doc, "refresh_token");
    creds->project_id = dup_member(doc, "quota_project_id");
    if (!creds->client_id || !creds->client_secret || !creds->refresh_token) {
        host->fail(ctx,
                   "%s: an authorized_user file needs \"client_id\", \"client_secret\" and "
                   "\"refresh_token\": run gcloud auth application-default login again",
                   source);
        gcp_creds_free(creds);
        return NULL;
    }
    if (token_uri)
        fwkx_buf_adds(&uri, token_uri);
    else if (endpoint)
        fwkx_buf_addf(&uri, "%s/token", endpoint);
    else
        fwkx_buf_adds(&uri, GCP_DEFAULT_TOKEN_URI);
    creds->token_uri = fwkx_buf_take(&uri);
    if (!creds->token_uri) {
        host->fail(ctx, "%s: out of memory", source);
        gcp_creds_free(creds);
        return NULL;
    }
    return creds;
}

gcp_creds *gcp_creds_parse(const fwk_host *host, fwk_ctx *ctx, const char *text, const char *source,
                           const char *endpoint)
{
    json_error_t err;
    json_t *doc = json_loads(text, 0, &err);
    const char *type;
    gcp_creds *creds = NULL;

    if (!json_is_object(doc)) {
        /* jansson's message may quote the text: say only where it broke */
        host->fail(ctx,
                   "%s: not a JSON credentials file (line %d, column %d): expected a "
                   "service-account key or an authorized_user file",
                   source, err.line, err.column);
        json_decref(doc);
        return NULL;
    }
    type = fwkx_str(doc, "type", "");
    if (strcmp(type, "service_account") == 0)
        creds = parse_service_account(host, ctx, doc, source);
    else if (strcmp(type, "authorized_user") == 0)
        creds = parse_authorized_user(host, ctx, doc, source, endpoint);
    else
        host->fail(ctx,
                   "%s: \"type\" is \"%s\": expected \"service_account\" or "
                   "\"authorized_user\" (external_account and impersonated credentials are not "
                   "supported)",
                   source, type);
    json_decref(doc);
    return creds;
}

/* A credentials file at `path`, read through secret_get so its contents are redacted. */
static gcp_creds *load_file(const fwk_host *host, fwk_ctx *ctx, const char *path, const char *what,
                            const char *endpoint)
{
    char source[1200];
    char ref[1100];
    char *text = NULL;
    gcp_creds *creds;

    snprintf(source, sizeof source, "%s (%s)", what, path);
    snprintf(ref, sizeof ref, "file:%s", path);
    if (host->secret_get(ctx, ref, &text) != FWK_OK) {
        host->fail(ctx,
                   "%s: cannot read the credentials file: check the path and its "
                   "permissions",
                   source);
        return NULL;
    }
    creds = gcp_creds_parse(host, ctx, text, source, endpoint);
    memset(text, 0, strlen(text));
    host->free(text);
    return creds;
}

/* The gcloud ADC file's path into `out`; 0 when it exists, -1 otherwise. */
static int gcloud_adc_path(char *out, size_t size)
{
    const char *dir = getenv("CLOUDSDK_CONFIG");
    const char *home = getenv("HOME");

    if (dir && *dir)
        snprintf(out, size, "%s/application_default_credentials.json", dir);
    else if (home && *home)
        snprintf(out, size, "%s/.config/gcloud/application_default_credentials.json", home);
    else
        return -1;
    return access(out, F_OK) == 0 ? 0 : -1;
}

/* The metadata server: http://GCE_METADATA_HOST/computeMetadata/v1/... */
static gcp_creds *metadata_creds(const fwk_host *host, fwk_ctx *ctx)
{
    const char *env = getenv("GCE_METADATA_HOST");
    const char *meta = env && *env ? env : GCP_DEFAULT_METADATA_HOST;
    char source[512];
    gcp_creds *creds;
    fwkx_buf uri = FWKX_BUF_INIT;

    snprintf(source, sizeof source, "the metadata server (%s%s)", meta,
             env && *env ? ", from GCE_METADATA_HOST" : "");
    creds = creds_new(GCP_CRED_METADATA, source);
    fwkx_buf_addf(&uri, "http://%s/computeMetadata/v1/instance/service-accounts/default/token",
                  meta);
    if (creds)
        creds->token_uri = fwkx_buf_take(&uri);
    fwkx_buf_free(&uri);
    if (!creds || !creds->token_uri) {
        host->fail(ctx, "out of memory");
        gcp_creds_free(creds);
        return NULL;
    }
    return creds;
}

gcp_creds *gcp_creds_load(const fwk_host *host, fwk_ctx *ctx, const json_t *config,
                          const char *endpoint)
{
    const char *env = getenv("GOOGLE_APPLICATION_CREDENTIALS");
    const char *inline_file = fwkx_str(config, "credentials_file", NULL);
    char path[1024];

    if (env && *env)
        return load_file(host, ctx, env, "GOOGLE_APPLICATION_CREDENTIALS", endpoint);
    if (inline_file)
        return gcp_creds_parse(host, ctx, inline_file, "credentials_file", endpoint);
    if (gcloud_adc_path(path, sizeof path) == 0)
        return load_file(host, ctx, path, "the gcloud ADC file", endpoint);
    return metadata_creds(host, ctx);
}
