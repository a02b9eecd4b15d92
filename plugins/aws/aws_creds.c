/* aws_creds.c: the AWS credential chain: environment, shared profiles (with role_arn),
   ECS container credentials, IMDSv2; STS AssumeRole and GetCallerIdentity. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "aws.h"

#define AWS_PROFILE_DEPTH 5
#define IMDS_DEFAULT "http://169.254.169.254"
#define ECS_DEFAULT_HOST "http://169.254.170.2"

void aws_creds_clear(aws_credentials *creds)
{
    char *fields[] = {creds->access_key_id, creds->secret_access_key, creds->session_token};

    for (size_t i = 0; i < 3; i++) {
        if (fields[i])
            OPENSSL_cleanse(fields[i], strlen(fields[i]));
        free(fields[i]);
    }
    memset(creds, 0, sizeof *creds);
}

static int set_creds(aws_credentials *out, const char *id, const char *secret, const char *token)
{
    aws_creds_clear(out);
    out->access_key_id = strdup(id);
    out->secret_access_key = strdup(secret);
    out->session_token = token && *token ? strdup(token) : NULL;
    if (!out->access_key_id || !out->secret_access_key ||
        (token && *token && !out->session_token)) {
        aws_creds_clear(out);
        return -1;
    }
    return 0;
}

int aws_creds_copy(aws_credentials *to, const aws_credentials *from)
{
    memset(to, 0, sizeof *to);
    return set_creds(to, from->access_key_id, from->secret_access_key, from->session_token);
}

/* An environment secret through the host (so it is redacted everywhere), malloc'd, or NULL
   when unset or empty. */
static char *env_secret(const aws_instance *inst, fwk_ctx *ctx, const char *name)
{
    char ref[96], *value = NULL, *copy;

    if (!getenv(name) || !*getenv(name))
        return NULL;
    snprintf(ref, sizeof ref, "env:%s", name);
    if (inst->host->secret_get(ctx, ref, &value) != FWK_OK || !value)
        return NULL;
    copy = strdup(value);
    OPENSSL_cleanse(value, strlen(value));
    inst->host->free(value);
    return copy;
}

/* AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN). 0, 1 when not set, -1. */
static int from_env(const aws_instance *inst, fwk_ctx *ctx, aws_credentials *out)
{
    const char *id = getenv("AWS_ACCESS_KEY_ID");
    char *secret, *token;
    int rc;

    if (!id || !*id)
        return 1;
    secret = env_secret(inst, ctx, "AWS_SECRET_ACCESS_KEY");
    if (!secret) {
        inst->host->fail(ctx, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set "
                              "both (and AWS_SESSION_TOKEN for temporary keys)");
        return -1;
    }
    token = env_secret(inst, ctx, "AWS_SESSION_TOKEN");
    rc = set_creds(out, id, secret, token);
    OPENSSL_cleanse(secret, strlen(secret));
    free(secret);
    if (token)
        OPENSSL_cleanse(token, strlen(token));
    free(token);
    return rc;
}

/* Credentials from a JSON document of ECS or IMDS: {AccessKeyId, SecretAccessKey, Token}. */
static int from_document(const aws_instance *inst, fwk_ctx *ctx, const char *what,
                         const json_t *doc, aws_credentials *out)
{
    const char *id = fwkx_str(doc, "AccessKeyId", NULL);
    const char *secret = fwkx_str(doc, "SecretAccessKey", NULL);

    if (!id || !secret) {
        inst->host->fail(ctx, "%s: the answer has no AccessKeyId/SecretAccessKey (%s)", what,
                         fwkx_str(doc, "Message", fwkx_str(doc, "Code", "no message")));
        return -1;
    }
    return set_creds(out, id, secret, fwkx_str(doc, "Token", NULL));
}

/* ECS container credentials. 0, 1 when not configured, -1. */
static int from_ecs(const aws_instance *inst, fwk_ctx *ctx, aws_credentials *out)
{
    const char *full = getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    const char *relative = getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    const char *token_file = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    char *url = NULL, *token = NULL;
    fwkx_http_result result = {0};
    fwk_status rc;
    int ret = -1;

    if ((!full || !*full) && (!relative || !*relative))
        return 1;
    if (full && *full)
        url = strdup(full);
    else if (asprintf(&url, "%s%s", ECS_DEFAULT_HOST, relative) < 0)
        url = NULL;
    if (token_file && *token_file) {
        char ref[1100];
        snprintf(ref, sizeof ref, "file:%s", token_file);
        if (inst->host->secret_get(ctx, ref, &token) != FWK_OK)
            goto out;
    } else if (getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN")) {
        if (inst->host->secret_get(ctx, "env:AWS_CONTAINER_AUTHORIZATION_TOKEN", &token) != FWK_OK)
            goto out;
    }
    const fwk_http_header auth = {"Authorization", token ? token : ""};
    const fwkx_http_call call = {.method = "GET",
                                 .url = url,
                                 .headers = token ? &auth : NULL,
                                 .header_count = token != NULL};
    rc = url ? fwkx_http_json(inst->host, ctx, &call, &result) : FWK_ERROR;
    if (rc == FWK_OK)
        ret = from_document(inst, ctx, "ECS container credentials", result.answer, out);
    else
        inst->host->fail(ctx, "ECS container credentials from %s failed (HTTP %ld)",
                         url ? url : "(no URL)", result.status);
out:
    fwkx_http_result_free(&result);
    if (token)
        inst->host->free(token);
    free(url);
    return ret;
}

/* One IMDS request; the body (malloc'd) or NULL after host->fail. */
static char *imds_get(const aws_instance *inst, fwk_ctx *ctx, const char *method, const char *url,
                      const fwk_http_header *header)
{
    const fwk_http_request request = {.struct_size = sizeof request,
                                      .method = method,
                                      .url = url,
                                      .headers = header,
                                      .header_count = 1,
                                      .timeout_ms = 2000,
                                      .secret_headers =
                                          (const char *const[]){"X-aws-ec2-metadata-token", NULL}};
    fwk_http_response *resp = NULL;
    char *body = NULL;

    if (inst->host->http_request(ctx, &request, &resp) != FWK_OK)
        return NULL;
    if (resp->status == 200)
        body = strndup(resp->body, resp->body_len);
    else
        inst->host->fail(ctx, "IMDSv2 %s %s -> HTTP %ld", method, url, resp->status);
    inst->host->http_response_free(resp);
    return body;
}

/* IMDSv2: a session token, the role's name, its credentials. 0, 1 disabled, -1. */
static int from_imds(const aws_instance *inst, fwk_ctx *ctx, aws_credentials *out)
{
    const char *base = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    const char *disabled = getenv("AWS_EC2_METADATA_DISABLED");
    char url[1024], *token, *role = NULL, *doc_text = NULL;
    json_t *doc = NULL;
    int rc = -1;

    if (disabled && strcasecmp(disabled, "true") == 0)
        return 1;
    if (!base || !*base)
        base = IMDS_DEFAULT;
    snprintf(url, sizeof url, "%.*s/latest/api/token",
             (int)(strlen(base) - (base[strlen(base) - 1] == '/')), base);
    token = imds_get(inst, ctx, "PUT", url,
                     &(fwk_http_header){"X-aws-ec2-metadata-token-ttl-seconds", "21600"});
    if (!token)
        return -1;
    const fwk_http_header auth = {"X-aws-ec2-metadata-token", token};
    snprintf(url, sizeof url, "%.*s/latest/meta-data/iam/security-credentials/",
             (int)(strlen(base) - (base[strlen(base) - 1] == '/')), base);
    role = imds_get(inst, ctx, "GET", url, &auth);
    if (role) {
        role[strcspn(role, "\r\n")] = '\0';
        snprintf(url + strlen(url), sizeof url - strlen(url), "%s", role);
        doc_text = *role ? imds_get(inst, ctx, "GET", url, &auth) : NULL;
    }
    doc = doc_text ? json_loads(doc_text, 0, NULL) : NULL;
    if (doc)
        rc = from_document(inst, ctx, "IMDSv2 instance credentials", doc, out);
    else if (role && *role && doc_text)
        inst->host->fail(ctx, "IMDSv2: the credentials of role %s are not JSON", role);
    else if (role && !*role)
        inst->host->fail(ctx, "IMDSv2: the instance has no IAM role");
    json_decref(doc);
    if (doc_text)
        OPENSSL_cleanse(doc_text, strlen(doc_text));
    free(doc_text);
    free(role);
    OPENSSL_cleanse(token, strlen(token));
    free(token);
    return rc;
}

static int from_profile(aws_instance *inst, fwk_ctx *ctx, const char *name, int depth,
                        aws_credentials *out);

/* The credentials a role profile starts from: source_profile or credential_source. */
static int role_source(aws_instance *inst, fwk_ctx *ctx, const char *name, const json_t *keys,
                       int depth, aws_credentials *source)
{
    const char *source_profile = fwkx_str(keys, "source_profile", NULL);
    const char *credential_source = fwkx_str(keys, "credential_source", NULL);
    int rc;

    if (source_profile && strcmp(source_profile, name) == 0 &&
        fwkx_str(keys, "aws_access_key_id", NULL))
        return set_creds(source, fwkx_str(keys, "aws_access_key_id", ""),
                         fwkx_str(keys, "aws_secret_access_key", ""),
                         fwkx_str(keys, "aws_session_token", NULL));
    if (source_profile)
        return from_profile(inst, ctx, source_profile, depth + 1, source);
    if (credential_source && strcmp(credential_source, "Environment") == 0)
        rc = from_env(inst, ctx, source);
    else if (credential_source && strcmp(credential_source, "EcsContainer") == 0)
        rc = from_ecs(inst, ctx, source);
    else if (credential_source && strcmp(credential_source, "Ec2InstanceMetadata") == 0)
        rc = from_imds(inst, ctx, source);
    else {
        inst->host->fail(ctx,
                         "AWS profile %s: role_arn needs source_profile or credential_source "
                         "(Environment, EcsContainer or Ec2InstanceMetadata), got %s",
                         name, credential_source ? credential_source : "neither");
        return -1;
    }
    if (rc == 1)
        inst->host->fail(ctx, "AWS profile %s: credential_source %s has no credentials", name,
                         credential_source);
    return rc == 0 ? 0 : -1;
}

static int from_profile(aws_instance *inst, fwk_ctx *ctx, const char *name, int depth,
                        aws_credentials *out)
{
    json_t *keys = NULL;
    const char *role_arn;
    aws_credentials source = {0};
    int rc = aws_profile_load(inst, ctx, name, &keys);

    if (rc != 0) {
        if (rc == 1)
            inst->host->fail(ctx,
                             "AWS profile %s not found in the credentials or config file "
                             "(AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE, ~/.aws)",
                             name);
        json_decref(keys);
        return -1;
    }
    if (depth > AWS_PROFILE_DEPTH) {
        inst->host->fail(ctx, "AWS profile %s: source_profile chain longer than %d (a loop?)", name,
                         AWS_PROFILE_DEPTH);
        json_decref(keys);
        return -1;
    }
    if (!inst->default_region && fwkx_str(keys, "region", NULL))
        inst->default_region = strdup(fwkx_str(keys, "region", NULL));
    role_arn = fwkx_str(keys, "role_arn", NULL);
    if (role_arn) {
        rc = role_source(inst, ctx, name, keys, depth, &source);
        if (rc == 0)
            rc = aws_sts_assume(inst, ctx, &source, role_arn, fwkx_str(keys, "external_id", NULL),
                                out);
        aws_creds_clear(&source);
    } else if (fwkx_str(keys, "aws_access_key_id", NULL) &&
               fwkx_str(keys, "aws_secret_access_key", NULL)) {
        rc = set_creds(out, fwkx_str(keys, "aws_access_key_id", ""),
                       fwkx_str(keys, "aws_secret_access_key", ""),
                       fwkx_str(keys, "aws_session_token", NULL));
    } else {
        inst->host->fail(ctx,
                         "AWS profile %s has neither aws_access_key_id/aws_secret_access_key nor "
                         "role_arn (SSO and credential_process profiles are not supported: run "
                         "`aws configure export-credentials` into the environment)",
                         name);
        rc = -1;
    }
    json_decref(keys);
    return rc;
}

int aws_creds_resolve(aws_instance *inst, fwk_ctx *ctx)
{
    const char *profile = inst->profile ? inst->profile : getenv("AWS_PROFILE");
    int rc;

    if (inst->profile) {
        snprintf(inst->base_source, sizeof inst->base_source, "profile %s", inst->profile);
        return from_profile(inst, ctx, inst->profile, 0, &inst->base);
    }
    rc = from_env(inst, ctx, &inst->base);
    if (rc <= 0) {
        snprintf(inst->base_source, sizeof inst->base_source, "environment");
        return rc;
    }
    if (profile && *profile) {
        snprintf(inst->base_source, sizeof inst->base_source, "profile %s (AWS_PROFILE)", profile);
        return from_profile(inst, ctx, profile, 0, &inst->base);
    }
    json_t *keys = NULL;
    rc = aws_profile_load(inst, ctx, "default", &keys);
    json_decref(keys);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        snprintf(inst->base_source, sizeof inst->base_source, "profile default");
        return from_profile(inst, ctx, "default", 0, &inst->base);
    }
    rc = from_ecs(inst, ctx, &inst->base);
    if (rc <= 0) {
        snprintf(inst->base_source, sizeof inst->base_source, "ECS container credentials");
        return rc;
    }
    snprintf(inst->base_source, sizeof inst->base_source, "IMDSv2");
    if (from_imds(inst, ctx, &inst->base) != 0) {
        inst->host->fail(ctx, "no AWS credentials: set AWS_ACCESS_KEY_ID and "
                              "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE / the instance's profile: "
                              "with ~/.aws/credentials, or run where ECS or EC2 instance "
                              "credentials are available");
        return -1;
    }
    return 0;
}

/* "a=b&c=d" with each value URL-escaped. */
static char *form(const char *const *pairs)
{
    fwkx_buf body = FWKX_BUF_INIT;

    for (size_t i = 0; pairs[i]; i += 2) {
        if (!pairs[i + 1])
            continue;
        fwkx_buf_addf(&body, "%s%s=", body.len ? "&" : "", pairs[i]);
        fwkx_buf_add_escaped(&body, pairs[i + 1]);
    }
    return fwkx_buf_take(&body);
}

/* An STS query action into *doc (parsed). 0 or -1 after host->fail. */
static int sts_call(const aws_instance *inst, fwk_ctx *ctx, const aws_credentials *creds,
                    const char *action, const char *body, json_t **doc)
{
    const aws_request req = {.service = AWS_STS,
                             .region = inst->default_region ? inst->default_region : "us-east-1",
                             .method = "POST",
                             .path = "/",
                             .body = body,
                             .content_type = "application/x-www-form-urlencoded; charset=utf-8",
                             .action = action};
    aws_response resp;

    *doc = NULL;
    if (!body || aws_call(inst, ctx, creds, NULL, &req, &resp) != FWK_OK) {
        if (!body)
            inst->host->fail(ctx, "out of memory");
        return -1;
    }
    *doc = aws_xml_parse(inst, ctx, action, resp.body, resp.body_len, AWS_XML_KEEP);
    if (resp.body)
        OPENSSL_cleanse(resp.body, resp.body_len);
    aws_response_free(&resp);
    return *doc ? 0 : -1;
}

int aws_sts_assume(const aws_instance *inst, fwk_ctx *ctx, const aws_credentials *from,
                   const char *role_arn, const char *external_id, aws_credentials *out)
{
    const char *pairs[] = {"Action",     "AssumeRole",      "Version", "2011-06-15",      "RoleArn",
                           role_arn,     "RoleSessionName", "fawkes",  "DurationSeconds", "3600",
                           "ExternalId", external_id,       NULL};
    char *body = form(pairs);
    json_t *doc = NULL;
    const json_t *creds;
    int rc = sts_call(inst, ctx, from, "AssumeRole", body, &doc);

    free(body);
    if (rc != 0) {
        return -1;
    }
    creds = aws_json_at(doc, "AssumeRoleResponse.AssumeRoleResult.Credentials");
    rc = -1;
    if (fwkx_str(creds, "AccessKeyId", NULL) && fwkx_str(creds, "SecretAccessKey", NULL))
        rc = set_creds(out, fwkx_str(creds, "AccessKeyId", ""),
                       fwkx_str(creds, "SecretAccessKey", ""),
                       fwkx_str(creds, "SessionToken", NULL));
    else
        inst->host->fail(ctx, "sts AssumeRole %s: the answer holds no Credentials", role_arn);
    json_decref(doc);
    return rc;
}

char *aws_sts_account(const aws_instance *inst, fwk_ctx *ctx, const aws_credentials *creds)
{
    json_t *doc = NULL;
    const char *account;
    char *id = NULL;

    if (sts_call(inst, ctx, creds, "GetCallerIdentity",
                 "Action=GetCallerIdentity&Version=2011-06-15", &doc) != 0)
        return NULL;
    account = fwkx_str(aws_json_at(doc, "GetCallerIdentityResponse.GetCallerIdentityResult"),
                       "Account", NULL);
    if (account && *account)
        id = strdup(account);
    else
        inst->host->fail(ctx, "sts GetCallerIdentity: the answer names no Account");
    json_decref(doc);
    return id;
}
