/* serve_client.c: the approvals API from the command line, over the host's HTTP service. */
#include "serve_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "http.h"
#include "serve_config.h"

/* The server's base URL: FAWKES_SERVER_URL, or from server.listen. */
static int base_url(const serve_config *sc, char *buf, size_t size, char *host, size_t host_size)
{
    const char *env = getenv("FAWKES_SERVER_URL");
    if (env && *env) {
        snprintf(buf, size, "%s", env);
        size_t n = strlen(buf);
        while (n && buf[n - 1] == '/')
            buf[--n] = '\0';
        const char *h = strstr(buf, "://");
        h = h ? h + 3 : buf;
        size_t len = strcspn(h, ":/");
        if (*h == '[')
            len = strcspn(h, "]") + 1;
        snprintf(host, host_size, "%.*s", (int)len, h);
        return 0;
    }
    const char *listen = sc->listen;
    const char *colon = listen[0] == '[' ? strstr(listen, "]:") + 1 : strrchr(listen, ':');
    snprintf(host, host_size, "%.*s", (int)(colon - listen), listen);
    if (strcmp(host, "0.0.0.0") == 0)
        snprintf(host, host_size, "127.0.0.1");
    else if (strcmp(host, "[::]") == 0)
        snprintf(host, host_size, "[::1]");
    snprintf(buf, size, "%s://%s%s", sc->tls_cert ? "https" : "http", host, colon);
    return 0;
}

static long call(http_client *client, const char *method, const char *url, const char *token,
                 const char *body, json_t **reply, diag *err)
{
    char auth[1024];
    snprintf(auth, sizeof auth, "Bearer %s", token);
    fwk_http_header headers[] = {{"Authorization", auth}, {"Content-Type", "application/json"}};
    fwk_http_request req = {.struct_size = sizeof req,
                            .method = method,
                            .url = url,
                            .headers = headers,
                            .header_count = body ? 2 : 1,
                            .body = body,
                            .body_len = body ? strlen(body) : 0,
                            .timeout_ms = 30000,
                            .flags = body ? FWK_HTTP_MUTATING : 0};
    fwk_http_response *resp = NULL;
    if (http_client_send(client, &req, &resp, err, NULL, NULL) != FWK_OK)
        return -1;
    long status = resp->status;
    json_error_t jerr;
    *reply = json_loadb(resp->body, resp->body_len, 0, &jerr);
    if (!*reply)
        *reply = json_pack("{s:s}", "error", resp->body ? resp->body : "");
    http_response_free(resp);
    return status;
}

/* The record of run `id` once it is no longer running (or the last seen one). */
static json_t *follow(http_client *client, const char *base, const char *token, const char *id,
                      long wait_ms, diag *err)
{
    char url[1200];
    snprintf(url, sizeof url, "%s/api/v1/runs?limit=500", base);
    int64_t deadline = clock_mono_ms() + wait_ms;
    json_t *found = NULL;
    do {
        json_t *reply = NULL;
        if (call(client, "GET", url, token, NULL, &reply, err) != 200) {
            json_decref(reply);
            break;
        }
        size_t i;
        json_t *rec;
        json_array_foreach (json_object_get(reply, "runs"), i, rec) {
            const char *rid = json_string_value(json_object_get(rec, "id"));
            if (rid && strcmp(rid, id) == 0) {
                json_decref(found);
                found = json_incref(rec);
            }
        }
        json_decref(reply);
        const char *status = json_string_value(json_object_get(found, "status"));
        if (status && strcmp(status, "running") != 0)
            break;
        usleep(300 * 1000);
    } while (clock_mono_ms() < deadline);
    return found;
}

long serve_client_approve(const config *cfg, const char *token, long wait_ms, json_t **record,
                          diag *err)
{
    const serve_config *sc = cfg->serve;
    *record = NULL;
    if (!sc || !sc->token) {
        diag_set(err, "%s: server.token is not set: the approvals API needs it (docs/serve.md)",
                 cfg->path);
        return -1;
    }
    char base[1024], host[300];
    base_url(sc, base, sizeof base, host, sizeof host);
    strlist allow = {0};
    strlist_push(&allow, host);
    strlist_push(&allow, "127.0.0.1");
    config_limits limits;
    config_limits_default(&limits);
    limits.retries = 1;
    http_client *client = http_client_new("fawkes-approve", &limits, &allow);
    strlist_clear(&allow);
    if (!client) {
        diag_set(err, "out of memory");
        return -1;
    }
    char url[1200];
    snprintf(url, sizeof url, "%s/api/v1/approvals", base);
    json_t *body = json_pack("{s:s}", "token", token);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    json_t *reply = NULL;
    long status = text ? call(client, "POST", url, sc->token, text, &reply, err) : -1;
    free(text);
    if (status == 202) {
        const char *id = json_string_value(json_object_get(reply, "id"));
        json_t *rec = id ? follow(client, base, sc->token, id, wait_ms, err) : NULL;
        if (rec) {
            json_decref(reply);
            reply = rec;
        }
    }
    http_client_free(client);
    *record = reply;
    return status;
}
