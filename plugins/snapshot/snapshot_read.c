/* snapshot_read.c: the two file readers: JSONL streamed line by line, JSON loaded whole. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"

/* Decode one non-blank line and hand it on. `start` is the line without its indentation,
   `indent` how many characters were cut (so columns in messages match the file). */
static fwk_status snapshot_line(snapshot_reader *rd, const char *start, size_t len, size_t indent,
                                size_t line)
{
    json_error_t err;
    /* jansson parses what the fast path leaves to it, and says why a line is bad */
    json_t *record = fwkx_json_parse_fast(start, len, &rd->scratch, &rd->scratch_cap);
    char why[256];

    if (!record)
        record = json_loadb(start, len, JSON_DECODE_ANY, &err);
    if (!record) {
        snprintf(why, sizeof(why), "invalid JSON at column %zu: %s",
                 (size_t)(err.column > 0 ? err.column : 1) + indent, err.text);
        return snapshot_record(rd, NULL, line, NULL, why);
    }
    return snapshot_record(rd, record, line, NULL, NULL);
}

int snapshot_count_lines(const char *path, long long offset, size_t *lines)
{
    int rc = -1;
    FILE *f = fopen(path, "rb");
    char buf[65536];
    long long left = offset;

    *lines = 0;
    if (!f)
        goto out;
    while (left > 0) {
        size_t want = left < (long long)sizeof(buf) ? (size_t)left : sizeof(buf);
        size_t got = fread(buf, 1, want, f);
        const char *p = buf, *stop = buf + got;

        while ((p = memchr(p, '\n', (size_t)(stop - p))) != NULL) {
            (*lines)++;
            p++;
        }
        if (got < want) {
            if (!ferror(f))
                errno = ENODATA; /* the file shrank below `offset` since it was planned */
            goto out;
        }
        left -= (long long)got;
    }
    rc = 0;
out:
    if (f)
        fclose(f);
    return rc;
}

/* Move `f` to the first line that starts at or after `start`: `start` itself when it is 0
   or the byte before it is a newline, else the byte after the next newline (the cut line
   belongs to the chunk it starts in). Sets *pos to that offset. Returns 0, or -1. */
static int snapshot_seek_line(FILE *f, long long start, long long *pos)
{
    int c;

    *pos = start;
    if (start == 0)
        return 0;
    if (fseeko(f, (off_t)(start - 1), SEEK_SET) != 0)
        return -1;
    *pos = start - 1;
    while ((c = getc(f)) != EOF) {
        (*pos)++;
        if (c == '\n')
            return 0;
    }
    return ferror(f) ? -1 : 0;
}

fwk_status snapshot_read_jsonl(snapshot_reader *rd)
{
    const fwk_host *host = rd->inst->host;
    fwk_status status = FWK_ERROR;
    FILE *f = fopen(rd->path, "r");
    char *buf = NULL;
    size_t cap = 0, line = 0;
    long long pos = 0;
    ssize_t got = 0;
    char reason[128];

    if (!f) {
        snapshot_strerror(errno, reason, sizeof(reason));
        host->fail(rd->ctx, "%s: cannot open: %s", rd->path, reason);
        goto out;
    }
    if (snapshot_seek_line(f, rd->start, &pos) != 0) {
        snapshot_strerror(errno, reason, sizeof(reason));
        host->fail(rd->ctx, "%s: cannot seek to byte %lld: %s", rd->path, rd->start, reason);
        goto out;
    }
    rd->first_byte = pos;
    rd->lines_known = pos == 0;
    rd->lines_before = 0;
    while (pos < rd->end && (got = getline(&buf, &cap, f)) != -1) {
        size_t len = (size_t)got, indent = 0;
        const char *start = buf;

        line++;
        rd->line_byte = pos;
        if (pos == 0 && len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
            start += 3; /* a UTF-8 byte order mark some editors write */
            len -= 3;
        }
        pos += got;
        while (len > 0 && isspace((unsigned char)start[len - 1]))
            len--;
        while (indent < len && isspace((unsigned char)start[indent]))
            indent++;
        if (indent == len)
            continue; /* blank lines are allowed anywhere */
        status = snapshot_line(rd, start + indent, len - indent, indent, line);
        if (status != FWK_OK)
            goto out;
    }
    if (got == -1 && ferror(f)) {
        snapshot_strerror(errno, reason, sizeof(reason));
        host->fail(rd->ctx, "%s: read error at byte %lld: %s", rd->path, pos, reason);
        status = FWK_ERROR;
        goto out;
    }
    status = snapshot_finish(rd);
out:
    free(buf);
    free(rd->scratch); /* the parser's buffer lives as long as this read */
    rd->scratch = NULL;
    rd->scratch_cap = 0;
    if (f)
        fclose(f);
    return status;
}

/* The array of resources in a loaded document, or NULL after host->fail(). */
static json_t *snapshot_resources(snapshot_reader *rd, json_t *doc, const char **label)
{
    json_t *resources;

    if (json_is_array(doc)) {
        *label = "";
        return doc;
    }
    resources = json_object_get(doc, "resources");
    if (json_is_object(doc) && json_is_array(resources)) {
        *label = "resources";
        if (fwkx_bool(doc, "partial", 0))
            rd->inst->host->log(rd->ctx, FWK_LOG_WARN,
                                "%s: this inventory was saved from a "
                                "partial run (\"partial\": true): some resources may be "
                                "missing",
                                rd->path);
        return resources;
    }
    rd->inst->host->fail(rd->ctx,
                         "%s: expected a JSON array of resources or an object with "
                         "\"resources\": [...] (as `fawkes inventory -o json` writes), got %s%s",
                         rd->path, fwkx_type_name(doc),
                         json_is_object(doc) ? " without a \"resources\" array" : "");
    return NULL;
}

fwk_status snapshot_read_json(snapshot_reader *rd)
{
    const fwk_host *host = rd->inst->host;
    fwk_status status = FWK_ERROR;
    json_error_t err;
    json_t *doc = json_load_file(rd->path, 0, &err);
    json_t *resources;
    const char *label = "";
    size_t i, count;
    char element[64];

    if (!doc) {
        if (err.line > 0)
            host->fail(rd->ctx, "%s:%d:%d: invalid JSON: %s", rd->path, err.line, err.column,
                       err.text);
        else
            host->fail(rd->ctx, "%s: cannot read: %s", rd->path, err.text);
        goto out;
    }
    resources = snapshot_resources(rd, doc, &label);
    if (!resources)
        goto out;
    count = json_array_size(resources);
    for (i = 0; i < count; i++) {
        /* Move the element out of the document so the host owns its only reference. */
        json_t *record = json_incref(json_array_get(resources, i));

        json_array_set_new(resources, i, json_null());
        snprintf(element, sizeof(element), "%s[%zu]", label, i);
        status = snapshot_record(rd, record, 0, element, NULL);
        if (status != FWK_OK)
            goto out;
    }
    status = snapshot_finish(rd);
out:
    json_decref(doc);
    return status;
}
