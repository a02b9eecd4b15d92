/* hello.c: the hello provider plugin: one example resource per item, from config or a URL. */
#include <stdlib.h>
#include <string.h>

#include <fawkes/fawkes.h>
#include <fawkes/fwkx.h> /* helpers: JSON getters, HTTP JSON calls, pagination, ... */

/* The normalized kind of every resource this provider emits. */
static const char resource_kind[] = "example.item";

/* One configured instance: the host's services and our copy of the validated config. */
typedef struct hello_instance {
    const fwk_host *host;
    json_t *config; /* owned; defaults filled in by the host */
} hello_instance;

static const char *const state_values[] = {"running", "stopped", NULL};

/* The config table: the host validates `config:` against it and fills the defaults. */
static const fwk_option hello_options[] = {
    FWK_OPTION_RANGE("items", FWK_OPT_STRING_LIST, 0, "[\"alpha\", \"beta\", \"gamma\"]", 1,
                     1000, "Names of the example resources to emit, one resource each."),
    FWK_OPTION("region", FWK_OPT_STRING, 0, "\"local\"", "Region the resources report."),
    FWK_OPTION_ENUM("state", 0, "\"running\"", state_values, "State the resources report."),
    FWK_OPTION("labels", FWK_OPT_OBJECT, 0, "{\"env\": \"example\"}",
               "Labels (string values) put on every resource."),
    FWK_OPTION("url", FWK_OPT_STRING, 0, NULL,
               "URL of a JSON array of item names; when set, it replaces `items`."),
    FWK_OPTION_END,
};

/* init (serial): check what the option table cannot say, then keep a copy of the config. */
static fwk_status hello_init(const fwk_host *host, fwk_ctx *ctx, const json_t *config,
        void **instance)
{
    const json_t *labels = json_object_get(config, "labels");
    const char *key;
    json_t *value;
    hello_instance *inst = NULL;

    json_object_foreach((json_t *)labels, key, value) {
        if (!json_is_string(value)) {
            host->fail(ctx, "config.labels.%s: expected a string value: quote it, e.g. %s: \"x\"",
                       key, key);
            return FWK_ERROR;
        }
    }
    inst = calloc(1, sizeof(*inst));
    if (inst == NULL || (inst->config = json_deep_copy(config)) == NULL) {
        free(inst);
        host->fail(ctx, "out of memory while creating the instance");
        return FWK_ERROR;
    }
    inst->host = host;
    *instance = inst;
    return FWK_OK;
}

/* fini (serial): free what init made. */
static void hello_fini(void *instance)
{
    hello_instance *inst = instance;

    if (inst == NULL)
        return;
    json_decref(inst->config);
    free(inst);
}

/* True when `filter` is null (everything) or an array holding the string `wanted`. */
static int filter_allows(const json_t *filter, const char *wanted)
{
    size_t i;
    const json_t *entry;

    if (!json_is_array(filter))
        return 1;
    json_array_foreach(filter, i, entry) {
        if (json_is_string(entry) && strcmp(json_string_value(entry), wanted) == 0)
            return 1;
    }
    return 0;
}

/* plan_tasks (serial): one task for our region and kind, unless the request filters it out. */
static fwk_status hello_plan_tasks(fwk_ctx *ctx, void *instance, const json_t *request,
        json_t **tasks)
{
    hello_instance *inst = instance;
    const char *region = fwkx_str(inst->config, "region", "local");
    json_t *plan = json_array();
    json_t *task = NULL;

    if (plan == NULL)
        goto oom;
    if (filter_allows(json_object_get(request, "kinds"), resource_kind) &&
        filter_allows(json_object_get(request, "regions"), region)) {
        task = json_pack("{s:s++, s:s}", "name", region, "/", resource_kind, "region", region);
        if (task == NULL || json_array_append_new(plan, task) != 0)
            goto oom;
    }
    *tasks = plan;
    return FWK_OK;
oom:
    json_decref(plan);
    inst->host->fail(ctx, "out of memory while planning the tasks of region %s", region);
    return FWK_ERROR;
}

/* A new normalized resource for `item`, listed by `source` (see docs/sdk.md), or NULL. */
static json_t *make_resource(const hello_instance *inst, const char *region, const char *item,
        const char *source)
{
    const char *state = fwkx_str(inst->config, "state", "running");
    json_t *labels = json_object_get(inst->config, "labels");

    /* "o" takes over the new references, also when json_pack fails. */
    return json_pack("{s:o, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:n, s:n, s:n, s:n,"
                     " s:{s:s}}",
                     "uid", json_sprintf("hello:local:%s:%s:%s", region, resource_kind, item),
                     "provider", "hello", "account", "local", "region", region,
                     "kind", resource_kind, "native_type", "hello:item", "id", item,
                     "name", item, "state", state, "labels", json_deep_copy(labels),
                     "created_at", "public", "encrypted", "monthly_cost",
                     "attributes", "source", source);
}

/* fetch_items collects each item name of the listing into this array. */
typedef struct item_list {
    const fwk_host *host;
    fwk_ctx *ctx;
    const char *url;
    json_t *names;
} item_list;

/* fwkx_paginate calls this for every element of every page. */
static fwk_status add_item(void *arg, const json_t *item)
{
    item_list *list = arg;

    if (!json_is_string(item)) {
        list->host->fail(list->ctx, "GET %s: item %zu is %s: expected [\"name\", ...]",
                         list->url, json_array_size(list->names), fwkx_type_name(item));
        return FWK_ERROR;
    }
    return json_array_append(list->names, (json_t *)item) == 0 ? FWK_OK : FWK_ERROR;
}

/* GET every page of `url` (a JSON array of item names; further pages named by a Link: rel=next
   header) through the host, and store in *items a new array of the names. fwkx_paginate
   reports failures on ctx as "GET URL -> HTTP 404: reason (after K attempts)". */
static fwk_status fetch_items(fwk_ctx *ctx, const fwk_host *host, const char *url,
        json_t **items)
{
    item_list list = {host, ctx, url, json_array()};
    fwkx_pager pager = {
        .style = FWKX_PAGE_LINK,
        .url = url,
        .on_item = add_item,
        .arg = &list,
    };
    fwk_status status = list.names ? fwkx_paginate(host, ctx, &pager) : FWK_ERROR;

    if (status != FWK_OK) {
        json_decref(list.names);
        return status;
    }
    *items = list.names;
    return FWK_OK;
}

/* run_task (concurrent): emit one resource per configured item. */
static fwk_status hello_run_task(fwk_ctx *ctx, void *instance, const json_t *task)
{
    hello_instance *inst = instance;
    const fwk_host *host = inst->host;
    const char *region = fwkx_str(task, "region", NULL);
    const char *url = fwkx_str(inst->config, "url", NULL);
    json_t *items = NULL;
    const json_t *item;
    fwk_status status = FWK_OK;
    size_t i;

    if (region == NULL) {
        host->fail(ctx, "task %s has no \"region\": it was not planned by this plugin",
                   fwkx_str(task, "name", "(unnamed)"));
        return FWK_ERROR;
    }
    if (url != NULL)
        status = fetch_items(ctx, host, url, &items);
    else
        items = json_incref(json_object_get(inst->config, "items"));
    if (status != FWK_OK)
        return status;
    json_array_foreach(items, i, item) {
        json_t *resource;

        if (host->cancelled(ctx)) {
            status = FWK_CANCELLED;
            goto out;
        }
        resource = make_resource(inst, region, json_string_value(item), url ? url : "items");
        if (resource == NULL) {
            host->fail(ctx, "out of memory while building item %zu of region %s", i, region);
            status = FWK_ERROR;
            goto out;
        }
        status = host->emit_resource(ctx, resource); /* the host takes the reference */
        if (status != FWK_OK)
            goto out;
        host->counter_add(ctx, "items_emitted", 1);
    }
    host->log(ctx, FWK_LOG_DEBUG, "emitted %zu resources in region %s", json_array_size(items),
              region);
out:
    json_decref(items);
    return status;
}

static const fwk_provider_vtable hello_vtable = {
    .struct_size = sizeof(fwk_provider_vtable),
    .plan_tasks = hello_plan_tasks,
    .run_task = hello_run_task,
};

static const fwk_plugin_descriptor hello_descriptor = {
    FWK_DESCRIPTOR_HEADER,
    .name = "hello",
    .version = "0.1.0",
    .kind = FWK_KIND_PROVIDER,
    .description = "Example provider: one resource per item, from its config or a URL",
    .license = "Apache-2.0",
    .options = hello_options,
    .capabilities = 0,
    .init = hello_init,
    .fini = hello_fini,
    .vtable = &hello_vtable,
};

/* The one exported symbol: the host reads the descriptor through it. No side effects. */
FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void);

FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void)
{
    return &hello_descriptor;
}
