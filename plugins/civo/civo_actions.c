/* civo_actions.c: remediation actions (stop/start an instance, tag it, delete a firewall rule,
   delete a volume), dry-run by default: a dry run describes the requests and sends none. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civo.h"

/* The action table: what `list_actions` shows and `run_action` accepts. */
typedef struct civo_action {
    const char *name;
    const char *kind;
    const char *risk;
    const char *description;
    const char *param;       /* the one required string parameter, or NULL */
    const char *param_about; /* its description */
} civo_action;

static const civo_action civo_action_table[] = {
    {"stop", "compute.instance", "medium",
     "Shut an instance off (PUT /v2/instances/ID/stop); its disk and IP stay and are billed.", NULL,
     NULL},
    {"start", "compute.instance", "low", "Start a stopped instance (PUT /v2/instances/ID/start).",
     NULL, NULL},
    {"add_tag", "compute.instance", "low",
     "Add a tag (a label as key=value, or a bare word) to an instance, keeping its other tags "
     "(PUT /v2/instances/ID/tags).",
     "tag", "the tag to add, e.g. owner=platform"},
    {"delete_firewall_rule", "network.firewall", "high",
     "Delete one rule of a firewall (DELETE /v2/firewalls/ID/rules/RULE_ID); cannot be undone.",
     "rule_id", "the id of the rule, from attributes.rules[].id"},
    {"delete_volume", "compute.volume", "high",
     "Delete a volume and its data (DELETE /v2/volumes/ID); cannot be undone.", NULL, NULL},
};
#define CIVO_ACTION_COUNT (sizeof civo_action_table / sizeof civo_action_table[0])

static json_t *params_schema(const civo_action *a)
{
    if (!a->param)
        return json_pack("{s:s, s:{}, s:b}", "type", "object", "properties", "additionalProperties",
                         0);
    return json_pack("{s:s, s:{s:{s:s, s:i, s:s}}, s:[s], s:b}", "type", "object", "properties",
                     a->param, "type", "string", "minLength", 1, "description", a->param_about,
                     "required", a->param, "additionalProperties", 0);
}

fwk_status civo_list_actions(const civo_instance *inst, fwk_ctx *ctx, json_t **actions)
{
    *actions = json_array();
    for (size_t i = 0; *actions && i < CIVO_ACTION_COUNT; i++) {
        const civo_action *a = &civo_action_table[i];
        json_array_append_new(*actions, json_pack("{s:s, s:[s], s:s, s:s, s:o}", "name", a->name,
                                                  "kinds", a->kind, "risk", a->risk, "description",
                                                  a->description, "params", params_schema(a)));
    }
    if (!*actions) {
        inst->host->fail(ctx, "out of memory");
        return FWK_ERROR;
    }
    return FWK_OK;
}

static const civo_action *action_named(const char *name)
{
    for (size_t i = 0; name && i < CIVO_ACTION_COUNT; i++)
        if (strcmp(civo_action_table[i].name, name) == 0)
            return &civo_action_table[i];
    return NULL;
}

/* Is `rule_id` one of the firewall's listed rules? True when the rules were not listed. */
static bool rule_listed(const json_t *resource, const char *rule_id)
{
    const json_t *rules = fwkx_path(resource, "attributes.rules");
    const json_t *rule;
    size_t i;

    if (!json_is_array(rules))
        return true;
    json_array_foreach (rules, i, rule) {
        if (strcmp(fwkx_str(rule, "id", ""), rule_id) == 0)
            return true;
    }
    return false;
}

/* The instance's tags plus `tag`, space-separated (Civo's format), malloc'd, or NULL when out
   of memory; *present tells whether `tag` was already there. */
static char *tags_with(const json_t *resource, const char *tag, bool *present)
{
    const json_t *tags = fwkx_path(resource, "attributes.tags");
    const json_t *item;
    fwkx_buf joined = FWKX_BUF_INIT;
    size_t i;

    *present = false;
    json_array_foreach (tags, i, item) {
        const char *text = json_string_value(item);
        if (!text || !*text)
            continue;
        if (strcmp(text, tag) == 0)
            *present = true;
        fwkx_buf_addf(&joined, "%s%s", joined.len ? " " : "", text);
    }
    fwkx_buf_addf(&joined, "%s%s", joined.len ? " " : "", tag);
    return fwkx_buf_take(&joined);
}

/* Build the action's requests into `requests`. Returns FWK_OK, or FWK_ERROR after
   host->fail() (bad params), or FWK_OK with nothing planned when there is nothing to do. */
static fwk_status plan_action(const civo_instance *inst, fwk_ctx *ctx, const civo_action *a,
                              const json_t *resource, const char *param, json_t *requests)
{
    const char *id = fwkx_str(resource, "id", NULL), *region = fwkx_str(resource, "region", NULL);
    const char *name = a->name;
    char *url = NULL, *tags = NULL;
    bool present = false;
    int rc = 0;

    if (strcmp(name, "stop") == 0 || strcmp(name, "start") == 0) {
        url = civo_url(inst, "/v2/instances", id, name, NULL, NULL);
        rc = url ? civo_plan_request(requests, "PUT", url, json_pack("{s:s}", "region", region))
                 : -1;
    } else if (strcmp(name, "add_tag") == 0) {
        if (strchr(param, ' ')) {
            inst->host->fail(ctx,
                             "add_tag: tag \"%s\" has a space; Civo separates tags with "
                             "spaces: use key=value without spaces",
                             param);
            return FWK_ERROR;
        }
        tags = tags_with(resource, param, &present);
        url = civo_url(inst, "/v2/instances", id, "tags", NULL, NULL);
        if (tags && url && !present)
            rc = civo_plan_request(requests, "PUT", url,
                                   json_pack("{s:s, s:s}", "tags", tags, "region", region));
        else if (!tags || !url)
            rc = -1;
    } else if (strcmp(name, "delete_firewall_rule") == 0) {
        if (!rule_listed(resource, param)) {
            inst->host->fail(ctx,
                             "delete_firewall_rule: firewall %s has no rule \"%s\" (see "
                             "attributes.rules[].id)",
                             id, param);
            return FWK_ERROR;
        }
        url = civo_url(inst, "/v2/firewalls", id, "rules", param, region);
        rc = url ? civo_plan_request(requests, "DELETE", url, NULL) : -1;
    } else {
        url = civo_url(inst, "/v2/volumes", id, NULL, NULL, region);
        rc = url ? civo_plan_request(requests, "DELETE", url, NULL) : -1;
    }
    free(url);
    free(tags);
    if (rc != 0) {
        inst->host->fail(ctx, "out of memory planning %s", name);
        return FWK_ERROR;
    }
    return FWK_OK;
}

/* Check the resource and params against the action. Returns the param value (or "") or NULL
   after host->fail(). */
static const char *check_call(const civo_instance *inst, fwk_ctx *ctx, const civo_action *a,
                              const json_t *resource, const json_t *params)
{
    const char *kind = fwkx_str(resource, "kind", "?");
    const char *provider = fwkx_str(resource, "provider", "?");
    const char *key, *value;
    json_t *ignored;

    if (strcmp(provider, "civo") != 0 || strcmp(kind, a->kind) != 0 ||
        !*fwkx_str(resource, "id", "") || !*fwkx_str(resource, "region", "")) {
        inst->host->fail(ctx,
                         "%s applies to civo %s resources with an id and a region; got %s "
                         "%s (%s)",
                         a->name, a->kind, provider, kind, fwkx_str(resource, "uid", "no uid"));
        return NULL;
    }
    if (params && !json_is_object(params) && !json_is_null(params)) {
        inst->host->fail(ctx, "%s: params must be an object", a->name);
        return NULL;
    }
    json_object_foreach ((json_t *)params, key, ignored) {
        if (!a->param || strcmp(key, a->param) != 0) {
            inst->host->fail(ctx, "%s: unknown parameter '%s' (allowed: %s)", a->name, key,
                             a->param ? a->param : "none");
            return NULL;
        }
    }
    if (!a->param)
        return "";
    value = fwkx_str(params, a->param, "");
    if (!*value) {
        inst->host->fail(ctx, "%s: parameter '%s' is required: %s", a->name, a->param,
                         a->param_about);
        return NULL;
    }
    return value;
}

fwk_status civo_run_action(const civo_instance *inst, fwk_ctx *ctx, const json_t *resource,
                           const char *action, const json_t *params, int dry_run, json_t **result)
{
    const civo_action *a = action_named(action);
    const char *param;
    json_t *requests, *responses;
    fwk_status rc;

    *result = NULL;
    if (!a) {
        inst->host->fail(ctx,
                         "unknown action '%s' (civo offers: stop, start, add_tag, "
                         "delete_firewall_rule, delete_volume)",
                         action ? action : "(null)");
        return FWK_UNSUPPORTED;
    }
    param = check_call(inst, ctx, a, resource, params);
    if (!param)
        return FWK_ERROR;
    requests = json_array();
    rc = plan_action(inst, ctx, a, resource, param, requests);
    if (rc != FWK_OK) {
        json_decref(requests);
        return rc;
    }
    if (dry_run || json_array_size(requests) == 0) {
        *result = json_pack("{s:b, s:b, s:s, s:s, s:o}", "changed", 0, "dry_run", dry_run != 0,
                            "action", a->name, "risk", a->risk, "requests", requests);
        return FWK_OK;
    }
    rc = civo_send_planned(inst, ctx, requests, &responses);
    if (rc != FWK_OK) {
        json_decref(requests);
        return rc;
    }
    *result = json_pack("{s:b, s:b, s:s, s:s, s:o, s:o}", "changed", 1, "dry_run", 0, "action",
                        a->name, "risk", a->risk, "requests", requests, "responses", responses);
    return FWK_OK;
}
