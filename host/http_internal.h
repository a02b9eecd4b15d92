/* http_internal.h: what the HTTP client's files share: the response buffer and the
   libcurl callbacks that fill it. Not for use outside host/http*.c. */
#ifndef HOST_HTTP_INTERNAL_H
#define HOST_HTTP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

#include "http.h"

#define BODY_LIMIT_BYTES ((size_t)64 * 1024 * 1024)

/* A response and the storage behind its borrowed pointers; `pub` comes first so a
   fwk_http_response * handed out converts back. */
typedef struct response_buf {
    fwk_http_response pub;
    char *body;
    size_t body_len, body_cap;
    fwk_http_header *headers;
    size_t header_count, header_cap;
    bool body_too_large;
} response_buf;

/* What one transfer needs in its libcurl callbacks. */
typedef struct transfer {
    response_buf *resp;
    int (*cancelled)(void *cancel_arg);
    void *cancel_arg;
    bool was_cancelled;
} transfer;

/* A new empty response (body "" allocated), or NULL on OOM. Free with http_response_free. */
response_buf *http_response_new(void);
/* Point the public view at the buffers, with the final status and attempt count. */
void http_response_publish(response_buf *resp, long status, int attempts);
/* Forget the headers received so far (a new response starts after a 100 Continue). */
void http_response_clear_headers(response_buf *resp);

/* libcurl callbacks; `arg` is the transfer. */
size_t http_on_body(char *data, size_t size, size_t count, void *arg);
size_t http_on_header(char *data, size_t size, size_t count, void *arg);
int http_on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                     curl_off_t ulnow);

#endif
