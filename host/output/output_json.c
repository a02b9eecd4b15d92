/* output_json.c: the json (one streamed document) and jsonl (one record a line) encoders. */
#include <stdlib.h>
#include <string.h>

#include "fawkes/fwkx.h"
#include "output_internal.h"

#define ITEM_FLAGS (JSON_COMPACT | JSON_ENCODE_ANY)

static int put(output *out, const char *text)
{
    return fputs(text, out->stream) < 0 ? -1 : 0;
}

/* Encode into memory first: json_dumpf issues one locked fwrite per token, which cost more
   than the encoding itself. */
static int put_json(output *out, const json_t *value)
{
    char *text = json_dumps(value, ITEM_FLAGS);
    if (!text)
        return -1;
    int rc = fputs(text, out->stream) < 0 ? -1 : 0;
    free(text);
    return rc;
}

/*
 * The parallel path output.c takes for json and jsonl (declared in output_internal.h):
 * output_json_encode makes an item's text without
 * the lock (caller frees; NULL on OOM), output_json_put_item writes it under out->lock,
 * framed as json_item / jsonl_item would frame it. Returns 0, or -1 on a write error.
 */
char *output_json_encode(const json_t *item)
{
    return json_dumps(item, ITEM_FLAGS);
}

int output_json_put_item(output *out, const char *text, size_t len)
{
    if (out->format == OUTPUT_JSONL)
        return fwrite(text, 1, len, out->stream) != len || putc('\n', out->stream) == EOF ? -1 : 0;
    if (put(out, out->count == 0 ? "\n" : ",\n") != 0)
        return -1;
    return fwrite(text, 1, len, out->stream) != len ? -1 : 0;
}

/* json_item and jsonl_item, for callers without a text: encode, then put. */
static int put_item(output *out, const json_t *item)
{
    char *text = output_json_encode(item);
    if (!text)
        return -1;
    int rc = output_json_put_item(out, text, strlen(text));
    free(text);
    return rc;
}

/* Write `"key": ` with the key escaped as JSON. */
static int put_key(output *out, const char *key)
{
    json_t *text = json_string(key);
    int rc = text ? put_json(out, text) : -1;
    json_decref(text);
    return rc == 0 ? put(out, ": ") : -1;
}

static int json_begin(output *out)
{
    if (put(out, "{") != 0 || put_key(out, output_items_key(out)) != 0)
        return -1;
    return put(out, "[");
}

static int json_item(output *out, const json_t *item)
{
    return put_item(out, item);
}

/* The summary keys after the array; a summary key equal to the array's ("resources": n in
   an inventory) becomes "<key>_count" so the document has no duplicate key. */
static int json_end(output *out, const json_t *summary)
{
    const char *items_key = output_items_key(out);
    if (put(out, out->count ? "\n]" : "]") != 0)
        return -1;
    const char *key;
    const json_t *value;
    json_object_foreach ((json_t *)summary, key, value) {
        char renamed[128];
        const char *name = key;
        if (strcmp(key, items_key) == 0) {
            snprintf(renamed, sizeof renamed, "%s_count", key);
            name = renamed;
        }
        if (put(out, ",\n") != 0 || put_key(out, name) != 0 || put_json(out, value) != 0)
            return -1;
    }
    return put(out, "\n}\n");
}

static int jsonl_item(output *out, const json_t *item)
{
    return put_item(out, item);
}

static int jsonl_end(output *out, const json_t *summary)
{
    (void)out;
    (void)summary; /* jsonl carries records only; the caller reports partial on stderr */
    return 0;
}

const output_encoder output_json_encoder = {
    .name = "json",
    .findings_only = false,
    .lists_passes = true,
    .begin = json_begin,
    .item = json_item,
    .end = json_end,
    .release = NULL,
    .pass_counted = NULL,
};

const output_encoder output_jsonl_encoder = {
    .name = "jsonl",
    .findings_only = false,
    .lists_passes = true,
    .begin = NULL,
    .item = jsonl_item,
    .end = jsonl_end,
    .release = NULL,
    .pass_counted = NULL,
};
