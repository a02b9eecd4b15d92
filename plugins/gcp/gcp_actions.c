/* gcp_actions.c: remediation actions (delete a firewall rule, stop an instance, enforce public
   access prevention on a bucket, set labels), dry-run by default: a dry run describes the
   requests and sends none. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcp.h"

/* The action table: what `list_actions` shows and `run_action` accepts. */
typedef struct gcp_action {
    const char *name;
    const char *kinds[4]; /* NULL-terminated */
    const char *risk;
    const char *description;
} gcp_action;

static const gcp_action gcp_action_table[] = {
    {"delete_firewall_rule",
     {"network.firewall", NULL},
     "high",
     "Delete a VPC firewall rule (DELETE .../global/firewalls/NAME). In GCP a firewall is one "
     "rule: rule_id is its name, as in attributes.rules[].id. Cannot be undone."},
    {"stop",
     {"compute.instance", NULL},
     "high",
     "Stop an instance (POST .../zones/ZONE/instances/NAME/stop); its disks stay and are "
     "billed, an ephemeral external IP is lost."},
    {"enforce_public_access_prevention",
     {"storage.bucket", NULL},
     "medium",
     "Set the bucket's public access prevention to enforced (PATCH /storage/v1/b/NAME): "
     "allUsers and allAuthenticatedUsers grants stop working."},
    {"set_labels",
     {"compute.instance", "compute.volume", "storage.bucket", NULL},
     "low",
     "Add or change labels, keeping the others (setLabels with the label fingerprint for "
     "instances and disks, PATCH for buckets)."},
};
#define GCP_ACTION_COUNT (sizeof gcp_action_table / sizeof gcp_action_table[0])

static json_t *params_schema(const gcp_action *a)
{
    if (strcmp(a->name, "delete_firewall_rule") == 0)
        return json_pack("{s:s, s:{s:{s:s, s:i, s:s}}, s:[s], s:b}", "type", "object", "properties",
                         "rule_id", "type", "string", "minLength", 1, "description",
                         "the firewall's name, from attributes.rules[].id", "required", "rule_id",
                         "additionalProperties", 0);
    if (strcmp(a->name, "set_labels") == 0)
        return json_pack("{s:s, s:{s:{s:s, s:{s:s}, s:i, s:s}}, s:[s], s:b}", "type", "object",
                         "properties", "labels", "type", "object", "additionalProperties", "type",
                         "string", "minProperties", 1, "description",
                         "labels to set: lower-case keys and values of letters, digits, _ "
                         "and -",
                         "required", "labels", "additionalProperties", 0);
    return json_pack("{s:s, s:{}, s:b}", "type", "object", "properties", "additionalProperties", 0);
}

fwk_status gcp_list_actions(const gcp_instance *inst, fwk_ctx *ctx, json_t **actions)
{
    *actions = json_array();
    for (size_t i = 0; *actions && i < GCP_ACTION_COUNT; i++) {
        const gcp_action *a = &gcp_action_table[i];
        json_t *kinds = json_array();
        for (size_t k = 0; a->kinds[k]; k++)
            json_array_append_new(kinds, json_string(a->kinds[k]));
        json_array_append_new(*actions, json_pack("{s:s, s:o, s:s, s:s, s:o}", "name", a->name,
                                                  "kinds", kinds, "risk", a->risk, "description",
                                                  a->description, "params", params_schema(a)));
    }
    if (!*actions) {
        inst->host->fail(ctx, "out of memory");
        return FWK_ERROR;
    }
    return FWK_OK;
}

static const gcp_action *action_named(const char *name)
{
    for (size_t i = 0; name && i < GCP_ACTION_COUNT; i++)
        if (strcmp(gcp_action_table[i].name, name) == 0)
            return &gcp_action_table[i];
    return NULL;
}

static bool applies_to(const gcp_action *a, const char *kind)
{
    for (size_t k = 0; a->kinds[k]; k++)
        if (strcmp(a->kinds[k], kind) == 0)
            return true;
    return false;
}

/* A label key or value as Google allows it: lower-case letters, digits, _ and -, at most 63
   (keys start with a letter and are not empty). */
static bool label_ok(const char *text, bool key)
{
    size_t len = strlen(text);

    if (len > 63 || (key && (len == 0 || text[0] < 'a' || text[0] > 'z')))
        return false;
    for (const char *p = text; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
              (unsigned char)*p >= 0x80))
            return false;
    return true;
}

/* Check `params` against the action. 0, or -1 after host->fail(). */
static int check_params(const gcp_instance *inst, fwk_ctx *ctx, const gcp_action *a,
                        const json_t *resource, const json_t *params)
{
    const char *key;
    json_t *value;
    bool firewall = strcmp(a->name, "delete_firewall_rule") == 0;
    bool labels = strcmp(a->name, "set_labels") == 0;
    const char *allowed = firewall ? "rule_id" : labels ? "labels" : "none";

    if (params && !json_is_object(params) && !json_is_null(params)) {
        inst->host->fail(ctx, "%s: params must be an object", a->name);
        return -1;
    }
    json_object_foreach ((json_t *)params, key, value) {
        if (strcmp(key, allowed) != 0) {
            inst->host->fail(ctx, "%s: unknown parameter '%s' (allowed: %s)", a->name, key,
                             allowed);
            return -1;
        }
    }
    if (firewall && strcmp(fwkx_str(params, "rule_id", ""), fwkx_str(resource, "name", "")) != 0) {
        inst->host->fail(ctx,
                         "delete_firewall_rule: rule_id \"%s\" is not firewall %s's name (in "
                         "GCP a firewall is one rule: pass attributes.rules[].id)",
                         fwkx_str(params, "rule_id", ""), fwkx_str(resource, "name", "?"));
        return -1;
    }
    if (labels) {
        const json_t *wanted = json_object_get(params, "labels");
        if (!json_is_object(wanted) || json_object_size(wanted) == 0) {
            inst->host->fail(ctx, "set_labels: parameter 'labels' is required: an object of "
                                  "strings, e.g. {owner = \"platform\"}");
            return -1;
        }
        json_object_foreach ((json_t *)wanted, key, value) {
            if (!json_is_string(value) || !label_ok(key, true) ||
                !label_ok(json_string_value(value), false)) {
                inst->host->fail(ctx,
                                 "set_labels: labels.%s: expected a lower-case key and a string "
                                 "value of letters, digits, _ and - (at most 63 each), as "
                                 "Google requires",
                                 key);
                return -1;
            }
        }
    }
    return 0;
}

/* Labels of `resource` merged with `wanted` (new reference); *changes counts the changed. */
static json_t *merged_labels(const json_t *resource, const json_t *wanted, size_t *changes)
{
    json_t *labels = json_deep_copy(json_object_get(resource, "labels"));
    const char *key;
    json_t *value;

    if (!json_is_object(labels)) {
        json_decref(labels);
        labels = json_object();
    }
    *changes = 0;
    json_object_foreach ((json_t *)wanted, key, value) {
        if (!json_equal(json_object_get(labels, key), value))
            (*changes)++;
        json_object_set(labels, key, value);
    }
    return labels;
}

/* The compute path of a zonal (or regional) resource: projects/P/zones/Z/TYPE/NAME. */
static char *compute_url(const gcp_instance *inst, const json_t *resource, const char *type,
                         const char *verb)
{
    char project[256], where[128], name[256];
    bool regional = !fwkx_path(resource, "attributes.zone");

    gcp_esc(fwkx_str(resource, "account", ""), project, sizeof project);
    gcp_esc(fwkx_str(resource, "region", ""), where, sizeof where);
    gcp_esc(fwkx_str(resource, "name", ""), name, sizeof name);
    return gcp_url(inst, "compute.googleapis.com", "/compute/v1/projects/%s/%s/%s/%s/%s%s%s",
                   project, regional ? "regions" : "zones", where, type, name, verb ? "/" : "",
                   verb ? verb : "");
}

/* Plan the action's requests into `requests` (none when there is nothing to do). */
static int plan_action(const gcp_instance *inst, const gcp_action *a, const json_t *resource,
                       const json_t *params, json_t *requests)
{
    const char *kind = fwkx_str(resource, "kind", "");
    char project[256], name[256];
    char *url = NULL;
    int rc = 0;

    gcp_esc(fwkx_str(resource, "account", ""), project, sizeof project);
    gcp_esc(fwkx_str(resource, "name", ""), name, sizeof name);
    if (strcmp(a->name, "delete_firewall_rule") == 0) {
        url = gcp_url(inst, "compute.googleapis.com", "/compute/v1/projects/%s/global/firewalls/%s",
                      project, name);
        rc = gcp_plan_request(requests, "DELETE", url, NULL);
    } else if (strcmp(a->name, "stop") == 0) {
        if (strcmp(fwkx_str(resource, "state", ""), "stopped") == 0)
            return 0;
        url = compute_url(inst, resource, "instances", "stop");
        rc = gcp_plan_request(requests, "POST", url, NULL);
    } else if (strcmp(a->name, "enforce_public_access_prevention") == 0) {
        if (strcmp(fwkx_str(fwkx_path(resource, "attributes.iamConfiguration"),
                            "publicAccessPrevention", ""),
                   "enforced") == 0)
            return 0;
        url = gcp_url(inst, "storage.googleapis.com", "/storage/v1/b/%s?fields=iamConfiguration",
                      name);
        rc = gcp_plan_request(
            requests, "PATCH", url,
            json_pack("{s:{s:s}}", "iamConfiguration", "publicAccessPrevention", "enforced"));
    } else {
        size_t changes;
        const json_t *wanted = json_object_get(params, "labels");
        json_t *labels = merged_labels(resource, wanted, &changes);
        if (changes == 0) {
            json_decref(labels);
            return 0;
        }
        if (strcmp(kind, "storage.bucket") == 0) {
            /* a bucket's PATCH merges the labels it is given */
            url = gcp_url(inst, "storage.googleapis.com", "/storage/v1/b/%s?fields=labels", name);
            rc = gcp_plan_request(requests, "PATCH", url,
                                  json_pack("{s:O}", "labels", (json_t *)wanted));
        } else {
            url = compute_url(inst, resource,
                              strcmp(kind, "compute.instance") == 0 ? "instances" : "disks",
                              "setLabels");
            rc = gcp_plan_request(requests, "POST", url,
                                  json_pack("{s:O, s:s?}", "labels", labels, "labelFingerprint",
                                            fwkx_str(json_object_get(resource, "attributes"),
                                                     "labelFingerprint", NULL)));
        }
        json_decref(labels);
    }
    free(url);
    return rc;
}

fwk_status gcp_run_action(const gcp_instance *inst, fwk_ctx *ctx, const json_t *resource,
                          const char *action, const json_t *params, int dry_run, json_t **result)
{
    const gcp_action *a = action_named(action);
    const char *kind = fwkx_str(resource, "kind", "?");
    json_t *requests, *responses = NULL;
    fwk_status rc;

    *result = NULL;
    if (!a) {
        inst->host->fail(ctx,
                         "unknown action '%s' (gcp offers: delete_firewall_rule, stop, "
                         "enforce_public_access_prevention, set_labels)",
                         action ? action : "(null)");
        return FWK_UNSUPPORTED;
    }
    if (strcmp(fwkx_str(resource, "provider", ""), "gcp") != 0 || !applies_to(a, kind) ||
        !*fwkx_str(resource, "account", "") || !*fwkx_str(resource, "name", "")) {
        inst->host->fail(ctx,
                         "%s does not apply to %s %s (%s): it takes gcp resources of kind %s%s "
                         "with a project and a name",
                         a->name, fwkx_str(resource, "provider", "?"), kind,
                         fwkx_str(resource, "uid", "no uid"), a->kinds[0],
                         a->kinds[1] ? " (or the other kinds list_actions names)" : "");
        return FWK_ERROR;
    }
    if (check_params(inst, ctx, a, resource, params) != 0)
        return FWK_ERROR;
    requests = json_array();
    if (!requests || plan_action(inst, a, resource, params, requests) != 0) {
        json_decref(requests);
        inst->host->fail(ctx, "out of memory planning %s", a->name);
        return FWK_ERROR;
    }
    if (dry_run || json_array_size(requests) == 0) {
        *result = json_pack("{s:b, s:b, s:s, s:s, s:o}", "changed", 0, "dry_run", dry_run != 0,
                            "action", a->name, "risk", a->risk, "requests", requests);
        return FWK_OK;
    }
    rc = gcp_send_planned(inst, ctx, requests, &responses);
    if (rc != FWK_OK) {
        json_decref(requests);
        return rc;
    }
    *result = json_pack("{s:b, s:b, s:s, s:s, s:o, s:o}", "changed", 1, "dry_run", 0, "action",
                        a->name, "risk", a->risk, "requests", requests, "responses", responses);
    return FWK_OK;
}
