/* snapshot_record.c: checks, filters and emits one record; counts and reports skipped ones. */
#include <stdio.h>
#include <string.h>

#include "snapshot.h"

/* Why `record` is not a resource the host accepts, or NULL when it is one. */
static const char *snapshot_check(const json_t *record, char *why, size_t size)
{
    static const char *const required[] = {"uid", "provider", "kind"};
    const json_t *labels;
    size_t i;

    if (!json_is_object(record)) {
        snprintf(why, size, "not a JSON object (got %s)", fwkx_type_name(record));
        return why;
    }
    for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        const json_t *field = json_object_get(record, required[i]);

        if (!field || json_is_null(field))
            snprintf(why, size, "missing \"%s\"", required[i]);
        else if (!json_is_string(field))
            snprintf(why, size, "\"%s\" is not a string (got %s)", required[i],
                     fwkx_type_name(field));
        else if (json_string_length(field) == 0)
            snprintf(why, size, "\"%s\" is empty", required[i]);
        else
            continue;
        return why;
    }
    labels = json_object_get(record, "labels");
    if (labels && !json_is_null(labels)) {
        const char *key;
        const json_t *value;

        if (!json_is_object(labels)) {
            snprintf(why, size, "\"labels\" is not an object (got %s)", fwkx_type_name(labels));
            return why;
        }
        json_object_foreach ((json_t *)labels, key, value) {
            if (!json_is_string(value)) {
                snprintf(why, size, "labels.%s is not a string (got %s)", key,
                         fwkx_type_name(value));
                return why;
            }
        }
    }
    return NULL;
}

/* True when `list` is NULL (no filter) or holds the string `field` of `record`. A record
   without the field (e.g. a global resource without region) passes a region filter. */
static bool snapshot_wanted(const json_t *list, const json_t *record, const char *field,
                            bool keep_missing)
{
    const char *value = fwkx_str(record, field, NULL);
    size_t i;
    const json_t *item;

    if (!list)
        return true;
    if (!value)
        return keep_missing;
    json_array_foreach (list, i, item) {
        if (json_is_string(item) && strcmp(json_string_value(item), value) == 0)
            return true;
    }
    return false;
}

/* Where the record is, for messages: `line` (counted from the reader's first line) becomes
   the file's line number, counting the lines before a chunk once, when first needed. `tag`
   is "line " for the summary, "" for "FILE:LINE" prefixes. Falls back to the byte offset
   when the file cannot be re-read. */
static void snapshot_where(snapshot_reader *rd, size_t line, const char *element, const char *tag,
                           char *where, size_t size)
{
    if (!line) {
        snprintf(where, size, "%s%s", *tag ? "" : " ", element);
        return;
    }
    if (!rd->lines_known && snapshot_count_lines(rd->path, rd->first_byte, &rd->lines_before) == 0)
        rd->lines_known = true;
    if (rd->lines_known)
        snprintf(where, size, "%s%zu", tag, rd->lines_before + line);
    else
        snprintf(where, size, "%sbyte offset %lld", *tag ? "" : " ", rd->line_byte);
}

static fwk_status snapshot_skip(snapshot_reader *rd, size_t line, const char *element,
                                const char *why)
{
    const fwk_host *host = rd->inst->host;
    char where[64];

    snapshot_where(rd, line, element, "", where, sizeof(where));
    if (rd->inst->strict) {
        host->fail(rd->ctx,
                   "%s:%s: %s (strict: true stops at the first bad record; fix it, "
                   "or set strict: false to skip bad records)",
                   rd->path, where, why);
        return FWK_ERROR;
    }
    rd->skipped++;
    if (rd->skipped == 1) {
        snapshot_where(rd, line, element, "line ", rd->first_where, sizeof(rd->first_where));
        snprintf(rd->first_why, sizeof(rd->first_why), "%s", why);
    }
    if (rd->skipped <= SNAPSHOT_WARN_LIMIT)
        host->log(rd->ctx, FWK_LOG_WARN, "%s:%s: skipped: %s", rd->path, where, why);
    return FWK_OK;
}

fwk_status snapshot_record(snapshot_reader *rd, json_t *record, size_t line, const char *element,
                           const char *why_bad)
{
    const fwk_host *host = rd->inst->host;
    fwk_status status = FWK_OK;
    char why[256];

    rd->records++;
    if (rd->records % SNAPSHOT_CANCEL_EVERY == 0 && host->cancelled(rd->ctx)) {
        host->fail(rd->ctx, "%s: cancelled after %zu records", rd->path, rd->records - 1);
        status = FWK_CANCELLED;
        goto out;
    }
    if (!why_bad)
        why_bad = snapshot_check(record, why, sizeof(why));
    if (why_bad) {
        status = snapshot_skip(rd, line, element, why_bad);
        goto out;
    }
    if (!snapshot_wanted(rd->kinds, record, "kind", false) ||
        !snapshot_wanted(rd->regions, record, "region", true))
        goto out;
    status = host->emit_resource(rd->ctx, record);
    record = NULL; /* the host took it over, even on failure */
    if (status == FWK_OK) {
        rd->emitted++;
    } else if (status == FWK_ERROR) {
        /* The host said why on ctx and in the run's failures; our final message replaces
           the ctx one, so name the record here too. */
        status = snapshot_skip(rd, line, element, "rejected by the host (see the run's failures)");
    } else {
        status = FWK_CANCELLED;
    }
out:
    json_decref(record);
    return status;
}

fwk_status snapshot_finish(snapshot_reader *rd)
{
    const fwk_host *host = rd->inst->host;

    host->counter_add(rd->ctx, "records_read", (int64_t)rd->records);
    if (rd->skipped == 0)
        return FWK_OK;
    host->counter_add(rd->ctx, "skipped_records", (int64_t)rd->skipped);
    if (rd->skipped > SNAPSHOT_WARN_LIMIT)
        host->log(rd->ctx, FWK_LOG_WARN,
                  "%s: %zu more bad records skipped (only the first %d "
                  "are logged)",
                  rd->path, rd->skipped - SNAPSHOT_WARN_LIMIT, SNAPSHOT_WARN_LIMIT);
    host->fail(rd->ctx, "%s: %zu record%s skipped (first at %s: %s)", rd->path, rd->skipped,
               rd->skipped == 1 ? "" : "s", rd->first_where, rd->first_why);
    return FWK_PARTIAL;
}
