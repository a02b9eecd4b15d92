/* serve_http.c: the listener (libmicrohttpd): routes, bearer token, body limit, timeouts. */
#include <microhttpd.h>
#include <netdb.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "serve_internal.h"

#define CONNECTION_TIMEOUT_S 15
#define CONNECTION_LIMIT 64

/* What one request has sent so far. */
typedef struct request {
    char *body;
    size_t length;
    bool too_large;
} request;

static enum MHD_Result respond(struct MHD_Connection *conn, serve *s, unsigned code,
                               const char *type, char *text)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", type);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (code == MHD_HTTP_UNAUTHORIZED)
        MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"fawkes\"");
    enum MHD_Result rc = MHD_queue_response(conn, code, resp);
    MHD_destroy_response(resp);
    char code_text[8];
    snprintf(code_text, sizeof code_text, "%u", code);
    serve_metrics_add(s->metrics, "fawkes_api_requests_total", 1, "code", code_text, NULL);
    return rc;
}

static enum MHD_Result respond_json(struct MHD_Connection *conn, serve *s, unsigned code,
                                    json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(body);
    if (!text)
        return MHD_NO;
    /* A body never carries a secret: redacted like the logs. */
    char *clean = log_redact(text);
    free(text);
    if (!clean)
        return MHD_NO;
    size_t n = strlen(clean);
    char *with_newline = realloc(clean, n + 2);
    if (!with_newline) {
        free(clean);
        return MHD_NO;
    }
    memcpy(with_newline + n, "\n", 2);
    return respond(conn, s, code, "application/json", with_newline);
}

static enum MHD_Result respond_error(struct MHD_Connection *conn, serve *s, unsigned code,
                                     const char *message)
{
    return respond_json(conn, s, code, json_pack("{s:s}", "error", message));
}

/* Constant time whatever the lengths: compare the SHA-256 of both. */
static bool token_matches(const char *given, const char *expected)
{
    unsigned char a[SHA256_DIGEST_LENGTH], b[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)given, strlen(given), a);
    SHA256((const unsigned char *)expected, strlen(expected), b);
    return CRYPTO_memcmp(a, b, sizeof a) == 0;
}

/* NULL when the request carries the server's token, else why not (401). */
static const char *unauthorized(struct MHD_Connection *conn, serve *s)
{
    serve_gen *gen = serve_gen_acquire(s);
    const char *expected = gen->cfg->serve ? gen->cfg->serve->token : NULL;
    const char *header = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    const char *why = NULL;
    if (!expected)
        why = "server.token is not set: this endpoint is closed until the config sets one";
    else if (!header || strncasecmp(header, "Bearer ", 7) != 0)
        why = "missing bearer token: send Authorization: Bearer TOKEN (server.token)";
    else if (!token_matches(header + 7, expected))
        why = "wrong bearer token";
    serve_gen_release(s, gen);
    return why;
}

static json_t *parse_body(const request *req, char *why, size_t why_size)
{
    json_error_t jerr;
    json_t *body = req->length ? json_loadb(req->body, req->length, 0, &jerr) : NULL;
    if (!body)
        snprintf(why, why_size, "malformed JSON body: %s",
                 req->length ? jerr.text : "the body is empty; send a JSON object");
    else if (!json_is_object(body)) {
        snprintf(why, why_size, "expected a JSON object as the body");
        json_decref(body);
        body = NULL;
    }
    return body;
}

static enum MHD_Result get_runs(struct MHD_Connection *conn, serve *s)
{
    const char *limit_text = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "limit");
    long limit = 50;
    if (limit_text) {
        char *end;
        limit = strtol(limit_text, &end, 10);
        if (!*limit_text || *end || limit < 1 || limit > SERVE_RUNS_KEPT) {
            char why[128];
            snprintf(why, sizeof why, "limit=%s: expected a whole number from 1 to %d", limit_text,
                     SERVE_RUNS_KEPT);
            return respond_error(conn, s, MHD_HTTP_BAD_REQUEST, why);
        }
    }
    return respond_json(conn, s, MHD_HTTP_OK, serve_runs_json(s, (size_t)limit));
}

static enum MHD_Result post_runs(struct MHD_Connection *conn, serve *s, const json_t *body)
{
    const char *chain = json_string_value(json_object_get(body, "chain"));
    if (!chain)
        return respond_error(conn, s, MHD_HTTP_BAD_REQUEST,
                             "expected {\"chain\": NAME}: the chain to run now");
    char id[33] = "";
    diag err = {{0}};
    int rc = serve_start_chain(s, chain, "api", id, &err);
    if (rc == 1)
        return respond_json(
            conn, s, MHD_HTTP_CONFLICT,
            json_pack("{s:s, s:s}", "error", "the chain is running already", "running", id));
    if (rc < 0)
        return respond_error(conn, s,
                             strstr(err.text, "no chain named") ? MHD_HTTP_NOT_FOUND
                                                                : MHD_HTTP_SERVICE_UNAVAILABLE,
                             err.text);
    return respond_json(
        conn, s, MHD_HTTP_ACCEPTED,
        json_pack("{s:s, s:s, s:s}", "id", id, "chain", chain, "status", "running"));
}

static enum MHD_Result post_reload(struct MHD_Connection *conn, serve *s)
{
    diag err = {{0}};
    if (serve_reload(s, &err) != 0)
        return respond_json(conn, s, MHD_HTTP_UNPROCESSABLE_CONTENT,
                            json_pack("{s:s, s:s}", "status", "refused", "error", err.text));
    return respond_json(conn, s, MHD_HTTP_OK, json_pack("{s:s}", "status", "reloaded"));
}

static enum MHD_Result get_readyz(struct MHD_Connection *conn, serve *s)
{
    char *why = serve_not_ready(s);
    if (!why)
        return respond(conn, s, MHD_HTTP_OK, "text/plain; charset=utf-8", strdup("ready\n"));
    char *text = NULL;
    if (asprintf(&text, "not ready: %s\n", why) < 0)
        text = NULL;
    free(why);
    char *clean = text ? log_redact(text) : NULL;
    free(text);
    return clean
               ? respond(conn, s, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain; charset=utf-8", clean)
               : MHD_NO;
}

typedef struct route {
    const char *path;
    const char *method;
    bool auth, body;
} route;

static const route routes[] = {
    {"/healthz", "GET", false, false},         {"/readyz", "GET", false, false},
    {"/metrics", "GET", false, false},         {"/alertmanager", "POST", true, true},
    {"/api/v1/runs", "GET", true, false},      {"/api/v1/runs", "POST", true, true},
    {"/api/v1/approvals", "POST", true, true}, {"/api/v1/reload", "POST", true, false},
};

static enum MHD_Result dispatch(struct MHD_Connection *conn, serve *s, const route *r,
                                const request *req)
{
    if (strcmp(r->path, "/healthz") == 0)
        return respond(conn, s, MHD_HTTP_OK, "text/plain; charset=utf-8", strdup("ok\n"));
    if (strcmp(r->path, "/readyz") == 0)
        return get_readyz(conn, s);
    if (strcmp(r->path, "/metrics") == 0) {
        char *text = serve_metrics_render(s->metrics);
        return text
                   ? respond(conn, s, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", text)
                   : MHD_NO;
    }
    const char *why = r->auth ? unauthorized(conn, s) : NULL;
    if (why)
        return respond_error(conn, s, MHD_HTTP_UNAUTHORIZED, why);
    if (strcmp(r->path, "/api/v1/reload") == 0)
        return post_reload(conn, s);
    if (!r->body)
        return get_runs(conn, s);
    char problem[256];
    json_t *body = parse_body(req, problem, sizeof problem);
    if (!body)
        return respond_error(conn, s, MHD_HTTP_BAD_REQUEST, problem);
    enum MHD_Result rc;
    json_t *reply = NULL;
    if (strcmp(r->path, "/alertmanager") == 0) {
        int code = serve_alerts_post(s, body, &reply);
        rc = respond_json(conn, s, (unsigned)code, reply);
    } else if (strcmp(r->path, "/api/v1/approvals") == 0) {
        int code = serve_approvals_post(s, body, &reply);
        rc = respond_json(conn, s, (unsigned)code, reply);
    } else {
        rc = post_runs(conn, s, body);
    }
    json_decref(body);
    return rc;
}

static enum MHD_Result route_request(struct MHD_Connection *conn, serve *s, const char *url,
                                     const char *method, const request *req)
{
    const route *found = NULL;
    bool path_known = false;
    char allow[32] = "";
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (strcmp(routes[i].path, url) != 0)
            continue;
        path_known = true;
        snprintf(allow + strlen(allow), sizeof allow - strlen(allow), "%s%s", allow[0] ? ", " : "",
                 routes[i].method);
        if (strcmp(routes[i].method, method) == 0 ||
            (strcmp(method, "HEAD") == 0 && strcmp(routes[i].method, "GET") == 0))
            found = &routes[i];
    }
    if (!path_known) {
        char why[300];
        snprintf(why, sizeof why,
                 "no such path: %.128s (paths: /healthz, /readyz, /metrics, /alertmanager, "
                 "/api/v1/runs, /api/v1/approvals, /api/v1/reload)",
                 url);
        return respond_error(conn, s, MHD_HTTP_NOT_FOUND, why);
    }
    if (!found) {
        char why[128];
        snprintf(why, sizeof why, "method %.16s not allowed here; use %s", method, allow);
        return respond_error(conn, s, MHD_HTTP_METHOD_NOT_ALLOWED, why);
    }
    if (req->too_large)
        return respond_error(conn, s, MHD_HTTP_CONTENT_TOO_LARGE, "the body is larger than 1 MiB");
    return dispatch(conn, s, found, req);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    serve *s = cls;
    request *req = *con_cls;
    if (!req) {
        req = calloc(1, sizeof *req);
        if (!req)
            return MHD_NO;
        *con_cls = req;
        const char *length =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (length && strtoull(length, NULL, 10) > SERVE_BODY_MAX_BYTES) {
            req->too_large = true;
            return respond_error(conn, s, MHD_HTTP_CONTENT_TOO_LARGE,
                                 "the body is larger than 1 MiB");
        }
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (req->too_large || req->length + n > SERVE_BODY_MAX_BYTES) {
            req->too_large = true;
            free(req->body);
            req->body = NULL;
            req->length = 0;
            return MHD_YES;
        }
        char *grown = realloc(req->body, req->length + n + 1);
        if (!grown)
            return MHD_NO;
        memcpy(grown + req->length, upload_data, n);
        req->body = grown;
        req->length += n;
        req->body[req->length] = '\0';
        return MHD_YES;
    }
    return route_request(conn, s, url, method, req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode why)
{
    (void)cls;
    (void)conn;
    (void)why;
    request *req = *con_cls;
    if (req) {
        free(req->body);
        free(req);
    }
    *con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && line[n - 1] == '\n')
        line[--n] = '\0';
    log_msg(FWK_LOG_DEBUG, "http", "%s", line);
}

/* server.listen -> a socket address. */
static int resolve(const char *listen, struct sockaddr_storage *addr, socklen_t *len, diag *err)
{
    char host[256], port[16];
    const char *colon;
    if (listen[0] == '[') {
        colon = strstr(listen, "]:");
        snprintf(host, sizeof host, "%.*s", (int)(colon - listen - 1), listen + 1);
        snprintf(port, sizeof port, "%s", colon + 2);
    } else {
        colon = strrchr(listen, ':');
        snprintf(host, sizeof host, "%.*s", (int)(colon - listen), listen);
        snprintf(port, sizeof port, "%s", colon + 1);
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0 || !res) {
        diag_set(err, "server.listen %s: cannot resolve '%s': %s", listen, host, gai_strerror(rc));
        return -1;
    }
    memcpy(addr, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

int serve_http_start(serve *s, diag *err)
{
    const serve_config *sc = s->gen->cfg->serve;
    const char *listen = sc ? sc->listen : SERVE_DEFAULT_LISTEN;
    struct sockaddr_storage addr;
    socklen_t addr_len = 0;
    if (resolve(listen, &addr, &addr_len, err) != 0)
        return -1;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG;
    if (addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    bool tls = sc && sc->tls_cert && sc->tls_key;
    if (tls && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        diag_set(err, "server.tls: this libmicrohttpd was built without TLS; terminate TLS in "
                      "front of fawkes serve or install a libmicrohttpd with GnuTLS");
        return -1;
    }
    if (tls)
        flags |= MHD_USE_TLS;
    s->http = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)CONNECTION_LIMIT, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s, tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END,
        tls ? sc->tls_cert : NULL, MHD_OPTION_HTTPS_MEM_KEY, tls ? sc->tls_key : NULL,
        MHD_OPTION_END);
    if (!s->http) {
        diag_set(err,
                 "server.listen %s: cannot listen there (in use by another process, or not an "
                 "address of this host)%s",
                 listen, tls ? ", or the TLS certificate and key do not load" : "");
        return -1;
    }
    return 0;
}

void serve_http_stop(serve *s)
{
    if (s->http) {
        MHD_stop_daemon(s->http);
        s->http = NULL;
    }
}
