/* aws_iam.c: IAM customer-managed policies, each with its default version's document
   (URL-decoded, parsed) as attributes.Document and its tags. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"

#define IAM_VERSION "2010-05-08"

/* FNV-1a: a policy's share never depends on where the listing puts it. */
static unsigned long id_hash(const char *id)
{
    unsigned long hash = 2166136261UL;

    for (const unsigned char *p = (const unsigned char *)id; *p; p++)
        hash = (hash ^ *p) * 16777619UL;
    return hash & 0xffffffffUL;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* RFC 3986 percent-decoding ('+' kept: IAM encodes spaces as %20). malloc'd. */
static char *url_decode(const char *text)
{
    size_t len = strlen(text), n = 0;
    char *out = malloc(len + 1);

    if (!out)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        int hi = i + 2 < len ? hex_value(text[i + 1]) : -1;
        int lo = hi >= 0 ? hex_value(text[i + 2]) : -1;
        if (text[i] == '%' && hi >= 0 && lo >= 0) {
            out[n++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[n++] = text[i];
        }
    }
    out[n] = '\0';
    return out;
}

/* "PolicyArn=ARN[&VersionId=V]" form-encoded. malloc'd. */
static char *arn_params(const char *arn, const char *version)
{
    fwkx_buf out = FWKX_BUF_INIT;

    fwkx_buf_adds(&out, "PolicyArn=");
    fwkx_buf_add_escaped(&out, arn);
    if (version) {
        fwkx_buf_adds(&out, "&VersionId=");
        fwkx_buf_add_escaped(&out, version);
    }
    return fwkx_buf_take(&out);
}

/* attributes.Document: the default version's document, parsed. */
static fwk_status add_document(aws_task *t, json_t *item, const char *arn)
{
    char *params = arn_params(arn, fwkx_str(item, "DefaultVersionId", "v1"));
    json_t *doc = NULL, *document;
    const char *encoded;
    char *decoded;
    json_error_t err;
    fwk_status rc =
        aws_query(t, AWS_IAM, IAM_VERSION, "GetPolicyVersion", params, AWS_XML_KEEP, &doc);

    free(params);
    if (rc != FWK_OK)
        return rc;
    encoded = fwkx_str(aws_json_at(doc, "GetPolicyVersionResponse.GetPolicyVersionResult."
                                        "PolicyVersion"),
                       "Document", "");
    decoded = url_decode(encoded);
    document = decoded ? json_loads(decoded, 0, &err) : NULL;
    if (!document) {
        t->inst->host->fail(t->ctx,
                            "iam GetPolicyVersion %s (account %s): the document is not JSON "
                            "after URL-decoding (%s)",
                            arn, t->account->id, decoded ? err.text : "out of memory");
        rc = FWK_ERROR;
    } else {
        json_object_set_new(item, "Document", document);
    }
    free(decoded);
    json_decref(doc);
    return rc;
}

static fwk_status add_tags(aws_task *t, json_t *item, const char *arn)
{
    char *params = arn_params(arn, NULL);
    json_t *doc = NULL, *owned;
    const json_t *tags;
    fwk_status rc =
        aws_query(t, AWS_IAM, IAM_VERSION, "ListPolicyTags", params, AWS_XML_KEEP, &doc);

    free(params);
    if (rc != FWK_OK)
        return rc;
    tags =
        aws_as_list(aws_json_at(doc, "ListPolicyTagsResponse.ListPolicyTagsResult.Tags"), &owned);
    json_object_set(item, "Tags", (json_t *)tags);
    json_decref(owned);
    json_decref(doc);
    return FWK_OK;
}

static fwk_status on_page(aws_task *t, const json_t *result, void *arg)
{
    json_t *owned;
    const json_t *items = aws_as_list(json_object_get(result, "Policies"), &owned);
    size_t i;
    const json_t *item;
    fwk_status rc = FWK_OK;

    (void)arg;
    json_array_foreach (items, i, item) {
        const char *id = fwkx_str(item, "PolicyId", "");
        const char *arn = fwkx_str(item, "Arn", NULL);
        if ((long)(id_hash(id) % (unsigned long)t->shares) != t->share)
            continue;
        if (arn && (rc = add_document(t, (json_t *)item, arn)) == FWK_OK)
            rc = add_tags(t, (json_t *)item, arn);
        if (rc == FWK_OK)
            rc = aws_emit(t, aws_norm_policy(t->account->id, (json_t *)item));
        if (rc != FWK_OK)
            break;
    }
    json_decref(owned);
    return rc;
}

fwk_status aws_iam_task(aws_task *t)
{
    char params[96];

    snprintf(params, sizeof params, "Scope=Local&OnlyAttached=false&MaxItems=%ld",
             aws_page_size(t, 1, 1000));
    return aws_query_pages(t, AWS_IAM, IAM_VERSION, "ListPolicies", params, AWS_XML_KEEP,
                           "ListPoliciesResponse.ListPoliciesResult", "Marker", on_page, NULL);
}
