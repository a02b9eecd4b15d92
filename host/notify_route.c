/* notify_route.c: a notifier's routing keys, its match, and its rate. */
#include "notify_route.h"

#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "finding.h"
#include "schema.h"

int notify_rate_parse(const json_t *value, double *per_s, double *burst)
{
    if (json_is_number(value)) {
        double n = json_number_value(value);
        if (!(n > 0) || !isfinite(n))
            return -1;
        *per_s = n;
        *burst = n > 1 ? floor(n) : 1;
        return 0;
    }
    const char *text = json_string_value(value);
    if (!text || !(text[0] >= '0' && text[0] <= '9'))
        return -1;
    char *end = NULL;
    double n = strtod(text, &end);
    double period = strcmp(end, "/s") == 0   ? 1
                    : strcmp(end, "/m") == 0 ? 60
                    : strcmp(end, "/h") == 0 ? 3600
                                             : 0;
    if (period == 0 || !(n > 0) || !isfinite(n))
        return -1;
    *per_s = n / period;
    *burst = n > 1 ? floor(n) : 1;
    return 0;
}

void notify_route_read(const json_t *settings, notify_route *route)
{
    memset(route, 0, sizeof *route);
    const char *min = json_string_value(json_object_get(settings, "min_severity"));
    route->min_rank = min && severity_rank(min) >= 0 ? severity_rank(min) : 0;
    const json_t *on = json_object_get(settings, "on");
    if (json_is_array(on)) {
        size_t i;
        const json_t *event;
        json_array_foreach (on, i, event) {
            const char *name = json_string_value(event);
            if (!name)
                continue;
            route->on |= strcmp(name, "new") == 0        ? NOTIFY_ON_NEW
                         : strcmp(name, "open") == 0     ? NOTIFY_ON_OPEN
                         : strcmp(name, "resolved") == 0 ? NOTIFY_ON_RESOLVED
                                                         : 0;
        }
    } else {
        route->on = NOTIFY_ON_NEW | NOTIFY_ON_RESOLVED;
    }
    const json_t *renotify = json_object_get(settings, "renotify_after");
    int64_t ms = 0;
    if (json_is_integer(renotify) && json_integer_value(renotify) > 0)
        route->renotify_after_ms = json_integer_value(renotify);
    else if (json_is_string(renotify) &&
             schema_parse_duration_ms(json_string_value(renotify), &ms) == 0)
        route->renotify_after_ms = ms;
    route->digest = json_is_true(json_object_get(settings, "digest"));
    const json_t *top = json_object_get(settings, "digest_top");
    route->digest_top = json_is_integer(top) && json_integer_value(top) >= 1 &&
                                json_integer_value(top) <= NOTIFY_DIGEST_TOP_MAX
                            ? (int)json_integer_value(top)
                            : NOTIFY_DIGEST_TOP_DEFAULT;
    if (notify_rate_parse(json_object_get(settings, "rate"), &route->rate_per_s,
                          &route->rate_burst) != 0)
        route->rate_per_s = route->rate_burst = 0;
    const json_t *match = json_object_get(settings, "match");
    route->match = json_is_object(match) ? match : NULL;
    route->template_text = json_string_value(json_object_get(settings, "template"));
}

/* A string or a non-empty list of strings. */
static bool string_or_list(const json_t *value)
{
    if (json_is_string(value))
        return true;
    if (!json_is_array(value) || json_array_size(value) == 0)
        return false;
    size_t i;
    const json_t *item;
    json_array_foreach (value, i, item)
        if (!json_is_string(item))
            return false;
    return true;
}

static const char *type_of(const json_t *value)
{
    switch (json_typeof(value)) {
    case JSON_OBJECT:
        return "a mapping";
    case JSON_ARRAY:
        return "a list";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "null";
    }
}

int notify_match_check(const json_t *match, char *why, size_t size)
{
    const char *key;
    const json_t *value;
    json_object_foreach ((json_t *)match, key, value) {
        if (strcmp(key, "labels") == 0) {
            if (!json_is_object(value)) {
                snprintf(why, size, "labels: expected a mapping of label to value(s), got %s",
                         type_of(value));
                return -1;
            }
            const char *label;
            const json_t *wanted;
            json_object_foreach ((json_t *)value, label, wanted)
                if (!string_or_list(wanted)) {
                    snprintf(why, size, "labels.%s: expected a string or a list of strings, got %s",
                             label, type_of(wanted));
                    return -1;
                }
        } else if (strcmp(key, "provider") == 0 || strcmp(key, "kind") == 0 ||
                   strcmp(key, "rule") == 0) {
            if (!string_or_list(value)) {
                snprintf(why, size,
                         "%s: expected a string or a non-empty list of strings (globs such "
                         "as \"misconfig.*\"), got %s",
                         key, type_of(value));
                return -1;
            }
        } else {
            snprintf(why, size, "unknown key '%s' (allowed: provider, kind, rule, labels)", key);
            return -1;
        }
    }
    return 0;
}

/* Does `text` match `patterns` (a glob or a list of globs)? NULL text never matches. */
static bool glob_match(const json_t *patterns, const char *text)
{
    if (!text)
        return false;
    if (json_is_string(patterns))
        return fnmatch(json_string_value(patterns), text, 0) == 0;
    size_t i;
    const json_t *pattern;
    json_array_foreach (patterns, i, pattern)
        if (fnmatch(json_string_value(pattern), text, 0) == 0)
            return true;
    return false;
}

bool notify_route_wants(const notify_route *route, const json_t *finding)
{
    const char *severity = json_string_value(json_object_get(finding, "severity"));
    if (severity_rank(severity) < route->min_rank)
        return false;
    if (!route->match)
        return true;
    const json_t *resource = json_object_get(finding, "resource");
    static const struct {
        const char *key;
        bool on_resource;
    } fields[] = {{"provider", true}, {"kind", true}, {"rule", false}};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        const json_t *patterns = json_object_get(route->match, fields[i].key);
        const json_t *holder = fields[i].on_resource ? resource : finding;
        if (patterns &&
            !glob_match(patterns, json_string_value(json_object_get(holder, fields[i].key))))
            return false;
    }
    const json_t *labels = json_object_get(route->match, "labels");
    const json_t *have = json_object_get(resource, "labels");
    const char *label;
    const json_t *wanted;
    json_object_foreach ((json_t *)labels, label, wanted) {
        if (!glob_match(wanted, json_string_value(json_object_get(have, label))))
            return false;
    }
    return true;
}
