/* civo_request.c: planned mutating requests: described in a dry run, sent in order when real. */
#include "civo.h"

int civo_plan_request(json_t *requests, const char *method, const char *url, json_t *body)
{
    json_t *request = json_pack("{s:s, s:s, s:o}", "method", method, "url", url, "body",
                                body ? body : json_null());

    return request ? json_array_append_new(requests, request) : -1;
}

fwk_status civo_send_planned(const civo_instance *inst, fwk_ctx *ctx, const json_t *requests,
                             json_t **responses)
{
    size_t i;
    const json_t *request;

    *responses = json_array();
    json_array_foreach (requests, i, request) {
        const json_t *body = json_object_get(request, "body");
        fwkx_http_result result = {0};
        fwk_status rc =
            civo_call(inst, ctx, fwkx_str(request, "method", ""), fwkx_str(request, "url", ""),
                      json_is_null(body) ? NULL : body, FWK_HTTP_MUTATING, &result);

        if (rc != FWK_OK) { /* the message names the request and Civo's {code, reason} */
            fwkx_http_result_free(&result);
            json_decref(*responses);
            *responses = NULL;
            return rc;
        }
        civo_strip_secrets(result.answer);
        json_array_append_new(*responses,
                              json_pack("{s:I, s:O}", "status", (json_int_t)result.status, "body",
                                        result.answer ? result.answer : json_null()));
        fwkx_http_result_free(&result);
    }
    return FWK_OK;
}
