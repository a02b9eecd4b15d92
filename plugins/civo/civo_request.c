/* civo_request.c: planned mutating requests: described in a dry run, sent in order when real. */
#include <stdlib.h>
#include <string.h>

#include "civo.h"

int civo_plan_request(json_t *requests, const char *method, const char *url, json_t *body)
{
    json_t *request = json_pack("{s:s, s:s, s:o}", "method", method, "url", url, "body",
                                body ? body : json_null());

    return request ? json_array_append_new(requests, request) : -1;
}

fwk_status civo_send_planned(const civo_instance *inst, fwk_ctx *ctx, const json_t *requests,
                             json_t *responses)
{
    size_t i;
    const json_t *request;

    json_array_foreach(requests, i, request)
    {
        const json_t *body = json_object_get(request, "body");
        char *text = json_is_null(body) ? NULL : json_dumps(body, JSON_COMPACT);
        json_t *answer = NULL;
        long status = 0;
        fwk_status rc;

        if (!json_is_null(body) && !text) {
            inst->host->fail(ctx, "out of memory encoding a request body");
            return FWK_ERROR;
        }
        rc = civo_send(inst, ctx, civo_str(request, "method"), civo_str(request, "url"), text, true,
                       &status, &answer);
        free(text);
        if (rc != FWK_OK)
            return rc; /* the message names the request and Civo's {code, reason} */
        civo_strip_secrets(answer);
        json_array_append_new(responses, json_pack("{s:I, s:o}", "status", (json_int_t)status,
                                                   "body", answer ? answer : json_null()));
    }
    return FWK_OK;
}
