/* misconfig_checks.c: the per-field checks: exposure, encryption, labels, stopped instances. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "misconfig.h"

static bool misconfig_kind_is(const misconfig_scan *scan, const char *kind)
{
    return strcmp(scan->kind, kind) == 0;
}

void misconfig_check_exposure(misconfig_scan *scan)
{
    misconfig_rule_id rule;
    const char *what;

    if (misconfig_kind_is(scan, "storage.bucket")) {
        rule = MISCONFIG_BUCKET_PUBLIC;
        what = "anyone on the internet can reach its objects";
    } else if (misconfig_kind_is(scan, "database.instance")) {
        rule = MISCONFIG_DATABASE_PUBLIC;
        what = "it has a public address that accepts connections from the internet";
    } else {
        return;
    }
    if (!misconfig_enabled(scan, rule))
        return;
    if (misconfig_flag_field(scan, rule, "public") == MISCONFIG_TRUE)
        misconfig_emit(scan, rule, "fail", json_pack("{s:b}", "public", 1),
                       "%s is publicly accessible: %s", scan->subject, what);
}

void misconfig_check_encryption(misconfig_scan *scan)
{
    misconfig_rule_id rule;

    if (misconfig_kind_is(scan, "storage.bucket"))
        rule = MISCONFIG_BUCKET_UNENCRYPTED;
    else if (misconfig_kind_is(scan, "compute.volume"))
        rule = MISCONFIG_VOLUME_UNENCRYPTED;
    else if (misconfig_kind_is(scan, "database.instance"))
        rule = MISCONFIG_DATABASE_UNENCRYPTED;
    else
        return;
    if (!misconfig_enabled(scan, rule))
        return;
    if (misconfig_flag_field(scan, rule, "encrypted") == MISCONFIG_FALSE)
        misconfig_emit(scan, rule, "fail", json_pack("{s:b}", "encrypted", 0),
                       "%s is not encrypted at rest: its data is readable by anyone who gets the "
                       "underlying storage or a snapshot of it",
                       scan->subject);
}

/* True when `labels` has `name` (compared case-insensitively, as tag keys are often
   written "Owner") with a non-empty value. */
static bool misconfig_has_label(const json_t *labels, const char *name)
{
    const char *key;
    const json_t *value;

    json_object_foreach ((json_t *)labels, key, value) {
        if (strcasecmp(key, name) == 0 && json_is_string(value) && json_string_length(value) > 0)
            return true;
    }
    return false;
}

/* Native types whose API has no tags or labels at all: every one would lack every required
   label, and nobody could fix it. */
static const char *const misconfig_unlabelled_types[] = {
    "compute:firewall",
    "compute:network", /* GCP */
    "civo:firewall",
    "civo:network",
    "civo:objectstore",
    "civo:volume", /* Civo */
    NULL,
};

static bool misconfig_can_carry_labels(const json_t *resource)
{
    const char *native_type = fwkx_str(resource, "native_type", NULL);

    for (size_t i = 0; native_type && misconfig_unlabelled_types[i]; i++) {
        if (strcmp(native_type, misconfig_unlabelled_types[i]) == 0)
            return false;
    }
    return true;
}

void misconfig_check_labels(misconfig_scan *scan)
{
    const json_t *labels = json_object_get(scan->resource, "labels");
    json_t *missing, *name;
    char names[512] = "";
    size_t i, used = 0;

    if (!misconfig_enabled(scan, MISCONFIG_LABELS_MISSING) || !labels || json_is_null(labels) ||
        !misconfig_can_carry_labels(scan->resource))
        return;
    if (!json_is_object(labels)) {
        misconfig_emit(
            scan, MISCONFIG_LABELS_MISSING, "error",
            json_pack("{s:s, s:s}", "field", "labels", "problem", "type"),
            "could not evaluate %s: \"labels\" is %s; expected an object of strings (fix "
            "the provider's output)",
            scan->subject, fwkx_type_name(labels));
        return;
    }
    missing = json_array();
    if (!missing)
        return;
    json_array_foreach (scan->inst->required_labels, i, name) {
        if (misconfig_has_label(labels, json_string_value(name)))
            continue;
        json_array_append(missing, name);
        if (used < sizeof(names))
            used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s", used ? ", " : "",
                                     json_string_value(name));
    }
    if (json_array_size(missing) == 0) {
        json_decref(missing);
        return;
    }
    misconfig_emit(scan, MISCONFIG_LABELS_MISSING, "fail", json_pack("{s:o}", "missing", missing),
                   "%s lacks the required label%s %s", scan->subject,
                   json_array_size(missing) == 1 ? "" : "s", names);
}

/* True for states in which an instance does not run but keeps its disks and addresses. */
static bool misconfig_is_stopped(const char *provider, const char *state)
{
    if (strcasecmp(state, "stopped") == 0 || strcasecmp(state, "shutoff") == 0)
        return true;
    /* GCE calls a stopped instance TERMINATED (a deleted one is simply gone). */
    return strcmp(provider, "gcp") == 0 && strcasecmp(state, "terminated") == 0;
}

void misconfig_check_stopped(misconfig_scan *scan)
{
    const char *state = fwkx_str(scan->resource, "state", NULL);
    double cost = fwkx_num(scan->resource, "monthly_cost", 0);
    time_t since;
    long long days;
    char since_text[FWKX_TIME_MAX];

    if (!misconfig_kind_is(scan, "compute.instance") ||
        !misconfig_enabled(scan, MISCONFIG_INSTANCE_STOPPED) || !state ||
        !misconfig_is_stopped(scan->provider, state))
        return;
    if (cost <= 0)
        return; /* unknown or free: nothing to say */
    since = misconfig_stopped_since(scan->resource);
    if (since < 0 || since > scan->now)
        return;
    days = (long long)((scan->now - since) / 86400);
    if (days <= scan->inst->stopped_days)
        return;
    fwkx_time_format((int64_t)since * 1000, since_text, sizeof(since_text));
    misconfig_emit(
        scan, MISCONFIG_INSTANCE_STOPPED, "fail",
        json_pack("{s:s, s:s}", "state", state, "stopped_since", since_text),
        "%s has been stopped since %s (%lld days, more than stopped_days %lld) and still "
        "costs about $%.2f a month",
        scan->subject, since_text, days, (long long)scan->inst->stopped_days, cost);
}
