/* gcp_request.c: planned mutating requests: described in a dry run, sent in order when real. */
#include <string.h>

#include "gcp.h"

int gcp_plan_request(json_t *requests, const char *method, const char *url, json_t *body)
{
    json_t *request = url ? json_pack("{s:s, s:s, s:o}", "method", method, "url", url, "body",
                                      body ? body : json_null())
                          : NULL;

    if (!request)
        json_decref(body);
    return request ? json_array_append_new(requests, request) : -1;
}

fwk_status gcp_send_planned(const gcp_instance *inst, fwk_ctx *ctx, const json_t *requests,
                            json_t **responses)
{
    size_t i;
    const json_t *request;

    *responses = json_array();
    json_array_foreach (requests, i, request) {
        const json_t *body = json_object_get(request, "body");
        const char *method = fwkx_str(request, "method", "");
        fwkx_http_result result;
        fwk_status rc = gcp_call(inst, ctx, method, fwkx_str(request, "url", ""),
                                 json_is_null(body) ? NULL : body, FWK_HTTP_MUTATING, &result);

        /* deleting what is already gone (a second rule of the same firewall) is done */
        if (rc != FWK_OK && !(result.status == 404 && strcmp(method, "DELETE") == 0)) {
            fwkx_http_result_free(&result);
            json_decref(*responses);
            *responses = NULL;
            return rc;
        }
        json_array_append_new(*responses,
                              json_pack("{s:I, s:O}", "status", (json_int_t)result.status, "body",
                                        result.answer ? result.answer : json_null()));
        fwkx_http_result_free(&result);
    }
    return FWK_OK;
}
