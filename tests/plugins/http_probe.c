/* http_probe.c: a test provider that sends one request per configured URL through the host. */
#include <stdlib.h>

#include <fawkes/fawkes.h>

/* Bodies longer than this are cut in the emitted resource and in messages. */
#define BODY_SHOWN_MAX 4096
#define BODY_IN_MESSAGE_MAX 200

typedef struct probe_instance {
    const fwk_host *host;
    json_t *config; /* owned copy of the validated config */
} probe_instance;

static const char *const probe_methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", NULL};

static const fwk_option probe_options[] = {
    FWK_OPTION_RANGE("urls", FWK_OPT_STRING_LIST, FWK_OPT_REQUIRED, NULL, 1, 1000,
                     "URLs to request, one task (and one resource) each."),
    FWK_OPTION_ENUM("method", 0, "\"GET\"", probe_methods, "HTTP method of every request."),
    FWK_OPTION("emit_status", FWK_OPT_BOOL, 0, "true",
               "Put the HTTP status into attributes.status of each resource."),
    FWK_OPTION_END,
};

static fwk_status probe_init(const fwk_host *host, fwk_ctx *ctx, const json_t *config,
                             void **instance)
{
    probe_instance *inst = calloc(1, sizeof *inst);
    if (!inst || !(inst->config = json_deep_copy(config))) {
        free(inst);
        host->fail(ctx, "out of memory while creating the http_probe instance");
        return FWK_ERROR;
    }
    inst->host = host;
    *instance = inst;
    return FWK_OK;
}

static void probe_fini(void *instance)
{
    probe_instance *inst = instance;
    if (!inst)
        return;
    json_decref(inst->config);
    free(inst);
}

/* plan_tasks (serial): one task per URL. */
static fwk_status probe_plan_tasks(fwk_ctx *ctx, void *instance, const json_t *request,
                                   json_t **tasks)
{
    (void)request;
    probe_instance *inst = instance;
    const json_t *urls = json_object_get(inst->config, "urls");
    json_t *plan = json_array();
    size_t i;
    const json_t *url;
    if (!plan)
        goto oom;
    json_array_foreach (urls, i, url) {
        json_t *task = json_pack("{s:O, s:O}", "name", url, "url", url);
        if (!task || json_array_append_new(plan, task) != 0)
            goto oom;
    }
    *tasks = plan;
    return FWK_OK;
oom:
    json_decref(plan);
    inst->host->fail(ctx, "out of memory while planning the http_probe tasks");
    return FWK_ERROR;
}

/* The body as a JSON string (cut to `max` bytes), or a note when it is not UTF-8. */
static json_t *body_string(const fwk_http_response *response, size_t max)
{
    size_t len = response->body_len < max ? response->body_len : max;
    json_t *text = json_stringn(response->body, len);
    return text ? text : json_sprintf("<%zu bytes, not UTF-8>", response->body_len);
}

static json_t *make_resource(const char *url, const fwk_http_response *response, int emit_status)
{
    json_t *attributes = json_pack("{s:i, s:o}", "attempts", response->attempts, "body",
                                   body_string(response, BODY_SHOWN_MAX));
    if (!attributes)
        return NULL;
    if (emit_status &&
        json_object_set_new(attributes, "status", json_integer(response->status)) != 0) {
        json_decref(attributes);
        return NULL;
    }
    return json_pack("{s:s++, s:s, s:s, s:s, s:s, s:o}", "uid", "test:probe:", url, "", "provider",
                     "test", "kind", "test.probe", "id", url, "name", url, "attributes",
                     attributes);
}

/* run_task (concurrent): send the request, emit what came back. */
static fwk_status probe_run_task(fwk_ctx *ctx, void *instance, const json_t *task)
{
    probe_instance *inst = instance;
    const fwk_host *host = inst->host;
    const char *url = json_string_value(json_object_get(task, "url"));
    const char *method = json_string_value(json_object_get(inst->config, "method"));
    int emit_status = json_is_true(json_object_get(inst->config, "emit_status"));
    if (!url) {
        host->fail(ctx, "task %s has no \"url\": it was not planned by http_probe",
                   json_string_value(json_object_get(task, "name")));
        return FWK_ERROR;
    }
    fwk_http_request request = {
        .struct_size = sizeof request,
        .method = method ? method : "GET",
        .url = url,
    };
    fwk_http_response *response = NULL;
    fwk_status status = host->http_request(ctx, &request, &response);
    if (status != FWK_OK)
        return status; /* the host's message is already on ctx */
    if (response->status >= 400) {
        json_t *shown = body_string(response, BODY_IN_MESSAGE_MAX);
        host->fail(ctx, "%s %s: HTTP %ld: %s", request.method, url, response->status,
                   shown ? json_string_value(shown) : "");
        json_decref(shown);
        status = FWK_ERROR;
        goto out;
    }
    json_t *resource = make_resource(url, response, emit_status);
    if (!resource) {
        host->fail(ctx, "out of memory while building the resource for %s", url);
        status = FWK_ERROR;
        goto out;
    }
    status = host->emit_resource(ctx, resource); /* the host takes the reference */
out:
    host->http_response_free(response);
    return status;
}

static const fwk_provider_vtable probe_vtable = {
    .struct_size = sizeof(fwk_provider_vtable),
    .plan_tasks = probe_plan_tasks,
    .run_task = probe_run_task,
};

static const fwk_plugin_descriptor probe_descriptor = {
    FWK_DESCRIPTOR_HEADER,
    .name = "http_probe",
    .version = "0.1.0",
    .kind = FWK_KIND_PROVIDER,
    .description = "Test provider: one request per configured URL through host->http_request",
    .license = "Apache-2.0",
    .options = probe_options,
    .capabilities = 0,
    .init = probe_init,
    .fini = probe_fini,
    .vtable = &probe_vtable,
};

FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void);

FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void)
{
    return &probe_descriptor;
}
