/* http_response.c: responses as the HTTP client receives them: body and header buffers,
   the libcurl callbacks that fill them, and the accessors plugins use. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_internal.h"

void http_response_clear_headers(response_buf *resp)
{
    for (size_t i = 0; i < resp->header_count; i++) {
        free((char *)resp->headers[i].name);
        free((char *)resp->headers[i].value);
    }
    resp->header_count = 0;
}

void http_response_free(fwk_http_response *response)
{
    if (!response)
        return;
    response_buf *resp = (response_buf *)response;
    http_response_clear_headers(resp);
    free(resp->headers);
    free(resp->body);
    free(resp);
}

const char *http_response_header(const fwk_http_response *response, const char *name)
{
    if (!response || !name)
        return NULL;
    for (size_t i = 0; i < response->header_count; i++)
        if (strcasecmp(response->headers[i].name, name) == 0)
            return response->headers[i].value;
    return NULL;
}

response_buf *http_response_new(void)
{
    response_buf *resp = calloc(1, sizeof *resp);
    if (!resp)
        return NULL;
    resp->body = malloc(1);
    if (!resp->body) {
        free(resp);
        return NULL;
    }
    resp->body[0] = '\0';
    resp->body_cap = 1;
    return resp;
}

void http_response_publish(response_buf *resp, long status, int attempts)
{
    resp->pub.struct_size = sizeof resp->pub;
    resp->pub.status = status;
    resp->pub.body = resp->body;
    resp->pub.body_len = resp->body_len;
    resp->pub.headers = resp->headers;
    resp->pub.header_count = resp->header_count;
    resp->pub.attempts = attempts;
}

size_t http_on_body(char *data, size_t size, size_t count, void *arg)
{
    response_buf *resp = ((transfer *)arg)->resp;
    size_t len = size * count;
    if (len > BODY_LIMIT_BYTES - resp->body_len) {
        resp->body_too_large = true;
        return 0;
    }
    if (resp->body_len + len + 1 > resp->body_cap) {
        size_t cap = resp->body_cap * 2;
        while (cap < resp->body_len + len + 1)
            cap *= 2;
        char *body = realloc(resp->body, cap);
        if (!body)
            return 0;
        resp->body = body;
        resp->body_cap = cap;
    }
    memcpy(resp->body + resp->body_len, data, len);
    resp->body_len += len;
    resp->body[resp->body_len] = '\0';
    return len;
}

static char *trimmed_copy(const char *text, size_t len)
{
    while (len > 0 && (*text == ' ' || *text == '\t')) {
        text++;
        len--;
    }
    while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t' || text[len - 1] == '\r' ||
                       text[len - 1] == '\n'))
        len--;
    return strndup(text, len);
}

static int response_add_header(response_buf *resp, const char *line, size_t len)
{
    const char *colon = memchr(line, ':', len);
    if (!colon)
        return 0; /* not a header line: ignore it */
    if (resp->header_count == resp->header_cap) {
        size_t cap = resp->header_cap ? resp->header_cap * 2 : 16;
        fwk_http_header *headers = realloc(resp->headers, cap * sizeof *headers);
        if (!headers)
            return -1;
        resp->headers = headers;
        resp->header_cap = cap;
    }
    char *name = trimmed_copy(line, (size_t)(colon - line));
    char *value = trimmed_copy(colon + 1, len - (size_t)(colon - line) - 1);
    if (!name || !value) {
        free(name);
        free(value);
        return -1;
    }
    resp->headers[resp->header_count].name = name;
    resp->headers[resp->header_count].value = value;
    resp->header_count++;
    return 0;
}

size_t http_on_header(char *data, size_t size, size_t count, void *arg)
{
    response_buf *resp = ((transfer *)arg)->resp;
    size_t len = size * count;
    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        http_response_clear_headers(resp); /* a new response (after 100 Continue): start over */
        return len;
    }
    if (len <= 2)
        return len; /* the blank line that ends the headers */
    return response_add_header(resp, data, len) == 0 ? len : 0;
}

int http_on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                     curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    transfer *t = arg;
    if (t->cancelled && t->cancelled(t->cancel_arg)) {
        t->was_cancelled = true;
        return 1;
    }
    return 0;
}
