/* policy_path.c: paths into JSON documents: parsed once at load, walked without allocation. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

static int push_seg(policy_path *path, policy_seg seg)
{
    policy_seg *segs = realloc(path->segs, (path->count + 1) * sizeof *segs);
    if (!segs) {
        free(seg.key);
        return -1;
    }
    path->segs = segs;
    segs[path->count++] = seg;
    return 0;
}

static bool key_char(char c)
{
    return c && c != '.' && c != '[' && c != ']' && c != '"' && !isspace((unsigned char)c);
}

/* One "[...]" at *p; advances past it. */
static int parse_bracket(const char **p, policy_path *path, char *problem, size_t size)
{
    const char *start = *p + 1;
    const char *close = strchr(start, ']');
    if (!close) {
        snprintf(problem, size, "'[' at offset %d is not closed with ']'", (int)(*p - path->text));
        return -1;
    }
    policy_seg seg = {0};
    if (close - start == 1 && *start == '*') {
        seg.kind = POLICY_SEG_EACH;
        path->fans_out = true;
    } else {
        const char *q = start;
        if (*q == '-')
            q++;
        if (q == close) {
            snprintf(problem, size, "expected a number or * inside [], got nothing");
            return -1;
        }
        for (const char *c = q; c < close; c++)
            if (!isdigit((unsigned char)*c)) {
                snprintf(problem, size, "expected a number or * inside [], got \"%.*s\"",
                         (int)(close - start), start);
                return -1;
            }
        if (close - q > 9) {
            snprintf(problem, size, "index \"%.*s\" is too large", (int)(close - start), start);
            return -1;
        }
        seg.kind = POLICY_SEG_INDEX;
        seg.index = strtol(start, NULL, 10);
    }
    *p = close + 1;
    return push_seg(path, seg);
}

static int parse_key(const char **p, policy_path *path, char *problem, size_t size)
{
    policy_seg seg = {.kind = POLICY_SEG_KEY};
    const char *start = *p;
    if (*start == '"') {
        const char *close = strchr(start + 1, '"');
        if (!close) {
            snprintf(problem, size, "the quote at offset %d is not closed",
                     (int)(start - path->text));
            return -1;
        }
        seg.key = strndup(start + 1, (size_t)(close - start - 1));
        *p = close + 1;
    } else {
        const char *end = start;
        while (key_char(*end))
            end++;
        if (end == start) {
            if (*start == '\0' || *start == '.')
                snprintf(problem, size, "empty key at offset %d (two dots, or a dot at the end)",
                         (int)(start - path->text));
            else
                snprintf(problem, size, "unexpected '%c' at offset %d", *start,
                         (int)(start - path->text));
            return -1;
        }
        seg.key = strndup(start, (size_t)(end - start));
        *p = end;
    }
    if (!seg.key)
        return -1;
    seg.key_len = strlen(seg.key);
    return push_seg(path, seg);
}

int policy_path_parse(const char *text, policy_path *path, char *problem, size_t size)
{
    memset(path, 0, sizeof *path);
    path->root_slot = -1;
    path->text = strdup(text ? text : "");
    if (!path->text)
        return -1;
    const char *p = path->text;
    if (!*p) {
        snprintf(problem, size, "the path is empty");
        return -1;
    }
    if (!strcmp(p, "$now")) {
        path->now = true;
        return 0;
    }
    if (!strcmp(p, "@"))
        return 0;
    if (!strncmp(p, "$.", 2)) {
        path->absolute = true;
        p += 2;
    } else if (*p == '$') {
        snprintf(problem, size, "'$' starts only \"$now\" or \"$.path\"");
        return -1;
    }
    for (bool first = true;; first = false) {
        if (*p == '[') {
            if (first) {
                snprintf(problem, size, "a path starts with a key, not '['");
                return -1;
            }
            if (parse_bracket(&p, path, problem, size) != 0)
                return -1;
        } else {
            if (!first) {
                if (*p != '.') {
                    snprintf(problem, size, "unexpected '%c' at offset %d", *p,
                             (int)(p - path->text));
                    return -1;
                }
                p++;
            }
            if (parse_key(&p, path, problem, size) != 0)
                return -1;
        }
        while (*p == '[')
            if (parse_bracket(&p, path, problem, size) != 0)
                return -1;
        if (!*p)
            return 0;
    }
}

void policy_path_free(policy_path *path)
{
    for (size_t i = 0; i < path->count; i++)
        free(path->segs[i].key);
    free(path->segs);
    free(path->text);
    memset(path, 0, sizeof *path);
}

typedef struct walk {
    const policy_path *path;
    bool for_all;
    policy_visit_fn visit;
    void *arg;
    size_t reached;
    policy_truth result; /* accumulated */
    bool done;           /* short-circuited */
} walk;

static void walk_from(walk *w, size_t index, const json_t *value)
{
    for (; index < w->path->count && value; index++) {
        const policy_seg *seg = &w->path->segs[index];
        if (seg->kind == POLICY_SEG_KEY) {
            value = json_is_object(value) ? json_object_getn(value, seg->key, seg->key_len) : NULL;
        } else if (seg->kind == POLICY_SEG_INDEX) {
            if (!json_is_array(value))
                return;
            long n = (long)json_array_size(value), i = seg->index < 0 ? n + seg->index : seg->index;
            value = i >= 0 && i < n ? json_array_get(value, (size_t)i) : NULL;
        } else {
            if (json_is_array(value)) {
                for (size_t i = 0; i < json_array_size(value) && !w->done; i++)
                    walk_from(w, index + 1, json_array_get(value, i));
            } else if (json_is_object(value)) {
                const char *key;
                json_t *child;
                json_object_foreach ((json_t *)value, key, child) {
                    if (w->done)
                        break;
                    walk_from(w, index + 1, child);
                }
            }
            return;
        }
    }
    if (!value || json_is_null(value))
        return; /* a dead end is not a value reached */
    w->reached++;
    policy_truth t = w->visit(value, w->arg);
    if (w->for_all) {
        if (t == POLICY_FALSE) {
            w->result = POLICY_FALSE;
            w->done = true;
        } else if (t == POLICY_ERROR) {
            w->result = POLICY_ERROR;
        }
    } else {
        if (t == POLICY_TRUE) {
            w->result = POLICY_TRUE;
            w->done = true;
        } else if (t == POLICY_ERROR) {
            w->result = POLICY_ERROR;
        }
    }
}

static const json_t *walk_straight(const policy_path *path, size_t from, const json_t *value)
{
    for (size_t i = from; i < path->count && value; i++) {
        const policy_seg *seg = &path->segs[i];
        if (seg->kind == POLICY_SEG_KEY) {
            value = json_object_getn(value, seg->key, seg->key_len);
        } else {
            long n = (long)json_array_size(value);
            long at = seg->index < 0 ? n + seg->index : seg->index;
            value = at >= 0 && at < n ? json_array_get(value, (size_t)at) : NULL;
        }
    }
    return value && !json_is_null(value) ? value : NULL;
}

policy_truth policy_path_eval(const policy_path *path, policy_eval *ev, const json_t *here,
                              bool for_all, policy_visit_fn visit, void *arg)
{
    if (path->now)
        return visit(policy_eval_now(ev), arg);
    const json_t *start = path->absolute ? ev->root : here;
    size_t from = 0;
    if (start == ev->root && path->root_slot >= 0) {
        /* the first key's value comes from the evaluation's cache */
        start = policy_eval_root(ev, path->root_slot, path->segs[0].key, path->segs[0].key_len);
        from = 1;
    }
    if (!path->fans_out)
        return visit(walk_straight(path, from, start), arg);
    walk w = {path, for_all, visit, arg, 0, for_all ? POLICY_TRUE : POLICY_FALSE, false};
    walk_from(&w, from, start);
    if (w.reached == 0)
        return visit(NULL, arg);
    return w.result;
}

int policy_path_intern(policy_engine *engine, policy_path *path)
{
    static const char *const match_keys[POLICY_SLOT_FIXED] = {"kind",    "provider", "region",
                                                              "account", "name",     "labels"};
    if (engine->root_key_count == 0)
        for (size_t i = 0; i < POLICY_SLOT_FIXED; i++)
            if (!(engine->root_keys[engine->root_key_count++] = strdup(match_keys[i])))
                return -1;
    if (path->now || path->count == 0 || path->segs[0].kind != POLICY_SEG_KEY)
        return 0;
    for (size_t i = 0; i < engine->root_key_count; i++)
        if (!strcmp(engine->root_keys[i], path->segs[0].key)) {
            path->root_slot = (int)i;
            return 0;
        }
    if (engine->root_key_count == POLICY_ROOT_SLOTS)
        return 0;
    if (!(engine->root_keys[engine->root_key_count] = strdup(path->segs[0].key)))
        return -1;
    path->root_slot = (int)engine->root_key_count++;
    return 0;
}

typedef struct render {
    char *buf;
    size_t size, *used;
    size_t count;
} render;

static void append(render *r, const char *text, size_t len)
{
    if (*r->used + 1 >= r->size)
        return;
    size_t room = r->size - *r->used - 1;
    if (len > room)
        len = room;
    memcpy(r->buf + *r->used, text, len);
    *r->used += len;
    r->buf[*r->used] = '\0';
}

static policy_truth render_one(const json_t *value, void *arg)
{
    render *r = arg;
    if (!value)
        return POLICY_FALSE;
    if (r->count++)
        append(r, ", ", 2);
    if (json_is_string(value)) {
        append(r, json_string_value(value), json_string_length(value));
    } else if (json_is_integer(value)) {
        char text[32];
        append(r, text, policy_format_integer(json_integer_value(value), text, sizeof text));
    } else if (json_is_real(value)) {
        char text[40];
        append(r, text, policy_format_real(json_real_value(value), text, sizeof text));
    } else if (json_is_boolean(value)) {
        append(r, json_is_true(value) ? "true" : "false", json_is_true(value) ? 4 : 5);
    } else {
        char *text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
        if (text)
            append(r, text, strlen(text));
        free(text);
    }
    return POLICY_FALSE; /* keep going: render every value */
}

void policy_path_render(const policy_path *path, policy_eval *ev, char *buf, size_t size,
                        size_t *used)
{
    render r = {buf, size, used, 0};
    policy_path_eval(path, ev, ev->root, false, render_one, &r);
    if (r.count == 0)
        append(&r, "(missing)", 9);
}
