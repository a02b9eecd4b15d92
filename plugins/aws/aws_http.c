/* aws_http.c: AWS requests: endpoints, SigV4 signing, the host's HTTP service, error codes,
   throttling retries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "aws.h"

const char *const aws_service_names[AWS_SERVICE_COUNT] = {"ec2", "s3",  "rds", "eks",
                                                          "iam", "sts", "ce"};

/* The session token travels in a header: never logged. */
static const char *const aws_secret_headers[] = {"Authorization", "X-Amz-Security-Token", NULL};

static const char *const throttling_codes[] = {"Throttling",
                                               "ThrottlingException",
                                               "ThrottledException",
                                               "RequestThrottledException",
                                               "TooManyRequestsException",
                                               "ProvisionedThroughputExceededException",
                                               "TransactionInProgressException",
                                               "RequestLimitExceeded",
                                               "BandwidthLimitExceeded",
                                               "LimitExceededException",
                                               "RequestThrottled",
                                               "SlowDown",
                                               "PriorRequestNotComplete",
                                               "EC2ThrottledException",
                                               NULL};

static const char *const denied_codes[] = {"AccessDenied",
                                           "AccessDeniedException",
                                           "UnauthorizedOperation",
                                           "UnauthorizedAccess",
                                           "AuthFailure",
                                           "InvalidClientTokenId",
                                           "SignatureDoesNotMatch",
                                           "ExpiredToken",
                                           "ExpiredTokenException",
                                           "UnrecognizedClientException",
                                           "InvalidAccessKeyId",
                                           "AllAccessDisabled",
                                           "AccountProblem",
                                           "OptInRequired",
                                           NULL};

static int in_list(const char *const *list, const char *code)
{
    for (size_t i = 0; code && *code && list[i]; i++)
        if (strcmp(list[i], code) == 0)
            return 1;
    return 0;
}

int aws_is_throttling(const char *code)
{
    return in_list(throttling_codes, code);
}

int aws_is_denied(const char *code)
{
    return in_list(denied_codes, code);
}

int aws_region_name_ok(const char *name)
{
    size_t len = name ? strlen(name) : 0;
    if (len == 0 || len > 32 || name[0] < 'a' || name[0] > 'z')
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
              name[i] == '-'))
            return 0;
    return 1;
}

/* AWS_ENDPOINT_URL_<ID> (the SDKs' service ids, upper case). */
static const char *const env_ids[AWS_SERVICE_COUNT] = {"EC2", "S3",  "RDS",          "EKS",
                                                       "IAM", "STS", "COST_EXPLORER"};

char *aws_endpoint(const aws_instance *inst, aws_service service, const char *region)
{
    char name[64], *url = NULL;
    const char *value;
    size_t len;

    if (inst->endpoint)
        return strdup(inst->endpoint);
    snprintf(name, sizeof name, "AWS_ENDPOINT_URL_%s", env_ids[service]);
    value = getenv(name);
    if (!value || !*value)
        value = getenv("AWS_ENDPOINT_URL");
    if (value && *value) {
        len = strlen(value);
        while (len > 0 && value[len - 1] == '/')
            len--;
        return strndup(value, len);
    }
    switch (service) {
    case AWS_IAM:
        return strdup("https://iam.amazonaws.com");
    case AWS_CE:
        return strdup("https://ce.us-east-1.amazonaws.com");
    case AWS_S3:
        if (asprintf(&url, "https://s3.%s.amazonaws.com", region) < 0)
            url = NULL;
        return url;
    default:
        if (asprintf(&url, "https://%s.%s.amazonaws.com", aws_service_names[service], region) < 0)
            url = NULL;
        return url;
    }
}

/* "host[:port]" of an absolute URL (borrowed into `out`). */
static void url_authority(const char *url, char *out, size_t size)
{
    const char *start = strstr(url, "://");
    size_t len;

    start = start ? start + 3 : url;
    len = strcspn(start, "/?#");
    snprintf(out, size, "%.*s", (int)len, start);
}

/* The text of the first element named `name` anywhere under `node`. */
static const char *xml_find(xmlNode *node, const char *name, xmlChar **text)
{
    for (xmlNode *n = node; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (strcmp((const char *)n->name, name) == 0) {
            *text = xmlNodeGetContent(n);
            return (const char *)*text;
        }
        if (xml_find(n->children, name, text))
            return (const char *)*text;
    }
    return NULL;
}

/* AWS's error code and message from an XML or JSON error body, or the x-amzn-ErrorType. */
static void read_error(const aws_instance *inst, const fwk_http_response *http, aws_response *resp)
{
    const char *type = inst->host->http_header(http, "x-amzn-ErrorType");
    xmlDoc *doc = NULL;
    xmlChar *code = NULL, *message = NULL, *id = NULL;
    json_t *json;

    if (type)
        snprintf(resp->code, sizeof resp->code, "%.*s", (int)strcspn(type, ":"), type);
    if (http->body_len > 0 && http->body[0] == '<') {
        doc = xmlReadMemory(http->body, (int)http->body_len, "error.xml", NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
        if (doc) {
            if (!resp->code[0] && xml_find(xmlDocGetRootElement(doc), "Code", &code))
                snprintf(resp->code, sizeof resp->code, "%s", (const char *)code);
            if (xml_find(xmlDocGetRootElement(doc), "Message", &message))
                snprintf(resp->message, sizeof resp->message, "%s", (const char *)message);
            if (!resp->request_id && (xml_find(xmlDocGetRootElement(doc), "RequestId", &id) ||
                                      xml_find(xmlDocGetRootElement(doc), "RequestID", &id)))
                resp->request_id = strdup((const char *)id);
            xmlFree(code);
            xmlFree(message);
            xmlFree(id);
            xmlFreeDoc(doc);
        }
    } else if (http->body_len > 0 && (json = json_loadb(http->body, http->body_len, 0, NULL))) {
        const char *jtype = fwkx_str(json, "__type", NULL);
        if (!resp->code[0] && jtype) {
            const char *hash = strrchr(jtype, '#');
            snprintf(resp->code, sizeof resp->code, "%s", hash ? hash + 1 : jtype);
        }
        snprintf(resp->message, sizeof resp->message, "%s",
                 fwkx_str(json, "message", fwkx_str(json, "Message", "")));
        json_decref(json);
    }
    if (!resp->message[0] && http->body_len > 0)
        snprintf(resp->message, sizeof resp->message, "%.200s", http->body);
}

static void copy_response(const aws_instance *inst, const fwk_http_response *http,
                          aws_response *resp)
{
    const char *id = inst->host->http_header(http, "x-amz-request-id");

    if (!id)
        id = inst->host->http_header(http, "x-amzn-RequestId");
    resp->status = http->status;
    resp->body = malloc(http->body_len + 1);
    if (resp->body) {
        memcpy(resp->body, http->body, http->body_len);
        resp->body[http->body_len] = '\0';
        resp->body_len = http->body_len;
    }
    resp->request_id = id ? strdup(id) : NULL;
    if (http->status < 200 || http->status > 299)
        read_error(inst, http, resp);
}

/* The full URL of `req` on `base` (S3 virtual hosts: the prefix before the host). */
static char *request_url(const char *base, const aws_request *req)
{
    fwkx_buf url = FWKX_BUF_INIT;
    const char *rest = strstr(base, "://");

    if (req->host_prefix && rest) {
        fwkx_buf_addf(&url, "%.*s%s%s", (int)(rest + 3 - base), base, req->host_prefix, rest + 3);
    } else {
        fwkx_buf_adds(&url, base);
    }
    fwkx_buf_adds(&url, req->path);
    if (req->query && *req->query)
        fwkx_buf_addf(&url, "?%s", req->query);
    return fwkx_buf_take(&url);
}

/* The path part of the base URL ("" or "/prefix") joined with the request's path. */
static char *signed_path(const char *base, const char *path)
{
    const char *start = strstr(base, "://");
    const char *slash = start ? strchr(start + 3, '/') : NULL;
    char *out = NULL;

    if (asprintf(&out, "%s%s", slash ? slash : "", path) < 0)
        return NULL;
    return out;
}

/* Sign and send once. */
static fwk_status send_once(const aws_instance *inst, fwk_ctx *ctx, const aws_credentials *creds,
                            const aws_request *req, const char *base, aws_response *resp)
{
    char *url = request_url(base, req), *path = signed_path(base, req->path);
    char authority[256], amz_date[17], payload[65];
    const char *signing_region =
        req->service == AWS_IAM || req->service == AWS_CE ? "us-east-1" : req->region;
    fwk_http_header headers[12];
    size_t count = 0;
    aws_sign_output sig = {0};
    fwk_http_response *http = NULL;
    fwk_status rc = FWK_ERROR;

    memset(resp, 0, sizeof *resp);
    if (!url || !path)
        goto out;
    url_authority(url, authority, sizeof authority);
    aws_amz_date(fwkx_clock_wall_ms(), amz_date);
    aws_sha256_hex(req->body ? req->body : "", req->body ? strlen(req->body) : 0, payload);
    headers[count++] = (fwk_http_header){"Host", authority};
    if (req->body)
        headers[count++] = (fwk_http_header){"Content-Type", req->content_type};
    for (size_t i = 0; i < req->header_count && count < 6; i++)
        headers[count++] = req->headers[i];
    const aws_sign_input in = {
        .method = req->method,
        .path = path,
        .query = req->query,
        .headers = headers,
        .header_count = count,
        .payload_hash = payload,
        .region = signing_region,
        .service = aws_service_names[req->service],
        .amz_date = amz_date,
        .path_keep_dots = req->service == AWS_S3,
        .path_encoded = req->service == AWS_S3,
        .sign_content_sha256 = req->service == AWS_S3,
    };
    if (aws_sigv4_sign(&in, creds, &sig) != 0)
        goto out;
    headers[count++] = (fwk_http_header){"X-Amz-Date", amz_date};
    if (creds->session_token && *creds->session_token)
        headers[count++] = (fwk_http_header){"X-Amz-Security-Token", creds->session_token};
    if (req->service == AWS_S3)
        headers[count++] = (fwk_http_header){"X-Amz-Content-Sha256", payload};
    headers[count++] = (fwk_http_header){"Authorization", sig.authorization};
    const fwk_http_request request = {
        .struct_size = sizeof request,
        .method = req->method,
        .url = url,
        .headers = headers,
        .header_count = count,
        .body = req->body,
        .body_len = req->body ? strlen(req->body) : 0,
        .flags = req->flags,
        .secret_headers = aws_secret_headers,
    };
    rc = inst->host->http_request(ctx, &request, &http);
    if (rc == FWK_OK) {
        copy_response(inst, http, resp);
        if (!resp->body)
            rc = FWK_ERROR;
    }
    inst->host->http_response_free(http);
out:
    if (rc == FWK_ERROR && (!url || !path || !sig.signature[0]))
        inst->host->fail(ctx, "%s %s: out of memory or unsignable request",
                         aws_service_names[req->service], req->action);
    aws_sign_output_free(&sig);
    free(url);
    free(path);
    return rc;
}

/* Wait for `service`'s next slot under `rates:` (requests spaced 1/rate apart). 1 when the run
   is cancelled meanwhile. */
static int backoff_sleep(const aws_instance *inst, fwk_ctx *ctx, long ms);

static int pace(const aws_instance *inst, fwk_ctx *ctx, aws_service service)
{
    aws_limiter *l = inst->limiter;
    int64_t now, slot;

    if (!l || l->per_second[service] <= 0)
        return 0;
    pthread_mutex_lock(&l->lock);
    now = fwkx_clock_mono_ms();
    slot = l->next_ms[service] > now ? l->next_ms[service] : now;
    l->next_ms[service] = slot + (int64_t)(1000.0 / l->per_second[service]);
    pthread_mutex_unlock(&l->lock);
    if (slot > now)
        inst->host->counter_add(ctx, "aws.paced_ms", slot - now);
    return slot > now ? backoff_sleep(inst, ctx, (long)(slot - now)) : 0;
}

/* Sleep `ms` in slices, 1 when the run is cancelled meanwhile. */
static int backoff_sleep(const aws_instance *inst, fwk_ctx *ctx, long ms)
{
    while (ms > 0) {
        long slice = ms < 50 ? ms : 50;
        struct timespec ts = {0, slice * 1000000L};
        if (inst->host->cancelled(ctx))
            return 1;
        nanosleep(&ts, NULL);
        ms -= slice;
    }
    return inst->host->cancelled(ctx);
}

fwk_status aws_send(const aws_instance *inst, fwk_ctx *ctx, const aws_credentials *creds,
                    const aws_request *req, aws_response *resp)
{
    char *base = aws_endpoint(inst, req->service, req->region);
    long delay_ms = 200;
    fwk_status rc;

    if (!base) {
        inst->host->fail(ctx, "out of memory");
        return FWK_ERROR;
    }
    for (long attempt = 0;; attempt++) {
        if (pace(inst, ctx, req->service)) {
            rc = FWK_CANCELLED;
            break;
        }
        rc = send_once(inst, ctx, creds, req, base, resp);
        if (rc != FWK_OK || !aws_is_throttling(resp->code) || attempt >= inst->max_throttle_retries)
            break;
        inst->host->counter_add(ctx, "aws.throttled", 1);
        aws_response_free(resp);
        if (backoff_sleep(inst, ctx, delay_ms + (long)(fwkx_clock_mono_ms() % 100))) {
            rc = FWK_CANCELLED;
            break;
        }
        delay_ms = delay_ms * 2 > 5000 ? 5000 : delay_ms * 2;
    }
    free(base);
    return rc;
}

fwk_status aws_call(const aws_instance *inst, fwk_ctx *ctx, const aws_credentials *creds,
                    const char *account, const aws_request *req, aws_response *resp)
{
    fwk_status rc = aws_send(inst, ctx, creds, req, resp);

    if (rc != FWK_OK || (resp->status >= 200 && resp->status <= 299))
        return rc;
    return aws_fail_response(inst, ctx, account, req, resp);
}

fwk_status aws_fail_response(const aws_instance *inst, fwk_ctx *ctx, const char *account,
                             const aws_request *req, const aws_response *resp)
{
    inst->host->fail(
        ctx, "%s %s in %s%s%s%s: HTTP %ld %s: %s (request id %s)%s",
        aws_service_names[req->service], req->action,
        req->service == AWS_IAM ? "global" : req->region, account ? " (account " : "",
        account ? account : "", account ? ")" : "", resp->status,
        resp->code[0] ? resp->code : "(no code)", resp->message,
        resp->request_id ? resp->request_id : "none",
        aws_is_denied(resp->code)
            ? "; could not evaluate: grant the permission (see the read-only policy in "
              "plugins/aws/README.md) or leave the service out of `services:`"
        : aws_is_throttling(resp->code) ? "; still throttled after retries: lower limits.rate"
                                        : "");
    return FWK_ERROR;
}

void aws_response_free(aws_response *resp)
{
    if (!resp)
        return;
    free(resp->body);
    free(resp->request_id);
    memset(resp, 0, sizeof *resp);
}
