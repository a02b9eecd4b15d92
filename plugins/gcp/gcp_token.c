/* gcp_token.c: OAuth 2.0 access tokens (JWT-bearer grant, refresh token, metadata server),
   cached per credential and scope and shared by every task of an instance. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcp.h"

#define GCP_JWT_BEARER "urn:ietf:params:oauth:grant-type:jwt-bearer"

/* The form body of a token request (secret: an assertion or a refresh token). */
static char *token_form(const gcp_creds *creds)
{
    fwkx_buf form = FWKX_BUF_INIT;
    char *assertion;

    if (creds->type == GCP_CRED_SERVICE_ACCOUNT) {
        assertion = gcp_jwt_assertion(creds->private_key, creds->key_id, creds->client_email,
                                      GCP_SCOPE, creds->token_uri, fwkx_clock_wall_ms() / 1000);
        if (!assertion)
            return NULL;
        fwkx_buf_adds(&form, "grant_type=");
        fwkx_buf_add_escaped(&form, GCP_JWT_BEARER);
        fwkx_buf_adds(&form, "&assertion=");
        fwkx_buf_add_escaped(&form, assertion);
        memset(assertion, 0, strlen(assertion));
        free(assertion);
    } else {
        fwkx_buf_adds(&form, "grant_type=refresh_token&client_id=");
        fwkx_buf_add_escaped(&form, creds->client_id);
        fwkx_buf_adds(&form, "&client_secret=");
        fwkx_buf_add_escaped(&form, creds->client_secret);
        fwkx_buf_adds(&form, "&refresh_token=");
        fwkx_buf_add_escaped(&form, creds->refresh_token);
    }
    return fwkx_buf_take(&form);
}

/* What to do when the token endpoint refuses. */
static const char *token_hint(const gcp_creds *creds, long status)
{
    if (status == 400 || status == 401 || status == 403) {
        switch (creds->type) {
        case GCP_CRED_SERVICE_ACCOUNT:
            return "; the key was refused: check that the service account and its key still "
                   "exist and are enabled, and that this machine's clock is right";
        case GCP_CRED_AUTHORIZED_USER:
            return "; the refresh token was refused: run gcloud auth application-default "
                   "login again";
        default:
            return "; the metadata server gave no token: check the VM's service account and "
                   "its scopes";
        }
    }
    if (status == 404 && creds->type == GCP_CRED_METADATA)
        return "; the VM has no service account";
    return status == 429 || status >= 500 ? "; try again later" : "";
}

/* Store a new token from the answer `body`. 0, or -1 after host->fail. */
static int keep_token(const gcp_instance *inst, fwk_ctx *ctx, const char *url, const char *body,
                      size_t len)
{
    gcp_creds *creds = inst->creds;
    json_t *answer = json_loadb(body, len, 0, NULL);
    const char *token = fwkx_text(answer, "access_token", NULL);
    json_int_t expires_in = fwkx_int(answer, "expires_in", 3600);
    fwkx_buf header = FWKX_BUF_INIT;
    int64_t usable_s;

    if (!token) {
        inst->host->fail(ctx,
                         "POST %s: the answer of the token endpoint has no \"access_token\" "
                         "(credentials from %s)",
                         url, creds->source);
        json_decref(answer);
        return -1;
    }
    /* stop handing a token out shortly before it expires; short-lived ones at half-life */
    usable_s =
        expires_in > 2 * GCP_TOKEN_MARGIN_S ? expires_in - GCP_TOKEN_MARGIN_S : expires_in / 2;
    fwkx_buf_addf(&header, "Bearer %s", token);
    if (creds->auth_header) {
        memset(creds->auth_header, 0, strlen(creds->auth_header));
        free(creds->auth_header);
    }
    creds->auth_header = fwkx_buf_take(&header);
    creds->expires_mono_ms = fwkx_clock_mono_ms() + usable_s * 1000;
    creds->generation++;
    creds->fetches++;
    json_decref(answer);
    if (!creds->auth_header) {
        inst->host->fail(ctx, "out of memory keeping the access token");
        return -1;
    }
    return 0;
}

/* Ask for a new token (creds->lock held). 0, or -1 after host->fail. */
static int fetch_token(const gcp_instance *inst, fwk_ctx *ctx)
{
    const gcp_creds *creds = inst->creds;
    bool metadata = creds->type == GCP_CRED_METADATA;
    const fwk_http_header form_type = {"Content-Type", "application/x-www-form-urlencoded"};
    const fwk_http_header flavor = {"Metadata-Flavor", "Google"};
    char *form = metadata ? NULL : token_form(creds);
    fwk_http_request req = {
        .struct_size = sizeof req,
        .method = metadata ? "GET" : "POST",
        .url = creds->token_uri,
        .headers = metadata ? &flavor : &form_type,
        .header_count = 1,
        .body = form,
        .body_len = form ? strlen(form) : 0,
    };
    fwk_http_response *res = NULL;
    fwk_status rc;
    int result = -1;
    char message[1024];

    if (!metadata && !form) {
        inst->host->fail(ctx, "%s: could not sign the token request (out of memory?)",
                         creds->source);
        return -1;
    }
    rc = inst->host->http_request(ctx, &req, &res);
    if (rc != FWK_OK) {
        inst->host->fail(ctx, "%s %s: no access token for the credentials from %s: %s", req.method,
                         req.url, creds->source,
                         metadata ? "the metadata server could not be reached (not on "
                                    "GCE/GKE, or its host not in security.egress_allow? "
                                    "otherwise set GOOGLE_APPLICATION_CREDENTIALS or "
                                    "credentials_file)"
                                  : "the token endpoint could not be reached (is its host in "
                                    "security.egress_allow?)");
    } else if (res->status < 200 || res->status > 299) {
        fwkx_http_describe(req.method, req.url, res->status, res->attempts, res->body,
                           res->body_len, token_hint(creds, res->status), message, sizeof message);
        inst->host->fail(ctx, "%s (credentials from %s)", message, creds->source);
    } else {
        result = keep_token(inst, ctx, req.url, res->body, res->body_len);
    }
    inst->host->http_response_free(res);
    if (form) {
        memset(form, 0, strlen(form));
        free(form);
    }
    return result;
}

char *gcp_token_header(const gcp_instance *inst, fwk_ctx *ctx, unsigned long *generation)
{
    gcp_creds *creds = inst->creds;
    char *header = NULL;

    pthread_mutex_lock(&creds->lock);
    if (!creds->auth_header || fwkx_clock_mono_ms() >= creds->expires_mono_ms) {
        if (fetch_token(inst, ctx) != 0)
            goto out;
        inst->host->counter_add(ctx, "gcp.tokens", 1);
    }
    header = strdup(creds->auth_header);
    *generation = creds->generation;
    if (!header)
        inst->host->fail(ctx, "out of memory");
out:
    pthread_mutex_unlock(&creds->lock);
    return header;
}

void gcp_token_invalidate(const gcp_instance *inst, unsigned long generation)
{
    gcp_creds *creds = inst->creds;

    pthread_mutex_lock(&creds->lock);
    if (creds->generation == generation)
        creds->expires_mono_ms = 0;
    pthread_mutex_unlock(&creds->lock);
}
