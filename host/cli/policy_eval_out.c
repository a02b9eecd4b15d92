/* policy_eval_out.c: `policy eval`'s decisions, encoded once per decision into a worker's own
   buffer (no copy of the decision, no malloc per decision) and written under the output's
   lock; the shared, immutable decisions a plugin hands out (the policy plugin's "allow" per
   rule) are encoded once per worker and kept in a small cache. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "finding.h"
#include "policy_eval.h"
#include "run.h"

/* ---- growable text: an fwkx_buf filled directly (its NUL is not kept up) ---- */

typedef fwkx_buf peval_text;

static bool text_grow(peval_text *t, size_t more)
{
    return !t->failed && fwkx_buf_reserve(t, more) == 0;
}

static inline void text_add(peval_text *t, const void *bytes, size_t len)
{
    if (t->cap - t->len <= len && !text_grow(t, len))
        return;
    memcpy(t->data + t->len, bytes, len);
    t->len += len;
}

static inline void text_addc(peval_text *t, char c)
{
    if (t->cap - t->len <= 1 && !text_grow(t, 1))
        return;
    t->data[t->len++] = c;
}

static void text_adds(peval_text *t, const char *s)
{
    text_add(t, s, strlen(s));
}

/* `s` padded with spaces to `width` bytes, as printf's %-*s. */
static void text_pad(peval_text *t, const char *s, size_t width)
{
    size_t len = strlen(s);
    text_add(t, s, len);
    for (; len < width; len++)
        text_addc(t, ' ');
}

static void text_add_int(peval_text *t, long long n)
{
    if (!t->failed && fwkx_buf_addf(t, "%lld", n) != 0)
        t->failed = 1;
}

static void text_free(peval_text *t)
{
    free(t->data);
    memset(t, 0, sizeof *t);
}

/* ---- JSON, byte for byte as jansson's json_dumps(JSON_COMPACT) writes it ---- */

static void text_add_string(peval_text *t, const char *s, size_t len)
{
    if (!t->failed && fwkx_json_dump_string(t, s, len) != 0)
        t->failed = 1;
}

/* The body of a JSON string (no quotes). */
static void text_add_escaped(peval_text *t, const char *s, size_t len)
{
    size_t start = t->len;
    text_add_string(t, s, len);
    if (t->failed)
        return;
    memmove(t->data + start, t->data + start + 1, t->len - start - 2);
    t->len -= 2;
}

/* `value` as compact JSON, keys in their order (what json_dumps(JSON_COMPACT) writes). */
static void text_add_json(peval_text *t, const json_t *value)
{
    if (!t->failed && fwkx_json_dump_fast(t, value) != 0)
        t->failed = 1;
}

/* ---- the sink ---- */

int peval_sink_open(peval_sink *sink, FILE *stream, output_format format)
{
    memset(sink, 0, sizeof *sink);
    sink->stream = stream;
    sink->format = format;
    sink->totals.worst_deny = -1;
    atomic_init(&sink->stop, false);
    atomic_init(&sink->reported, 0u);
    pthread_mutex_init(&sink->lock, NULL);
    if (format == OUTPUT_JSON && fputs("{\"decisions\": [", stream) == EOF) {
        sink->write_errno = errno;
        atomic_store(&sink->stop, true);
        return -1;
    }
    return 0;
}

/* Write `len` bytes holding `items` decisions. For json each item in `data` starts with
   ",\n": the first item of the document drops its comma. Thread-safe. */
static int sink_write(peval_sink *sink, const char *data, size_t len, uint64_t items)
{
    int rc = 0;
    pthread_mutex_lock(&sink->lock);
    if (atomic_load(&sink->stop) && sink->write_errno) {
        rc = -1;
    } else {
        if (sink->format == OUTPUT_JSON && sink->items == 0 && len > 0) {
            data++;
            len--;
        }
        if (len && fwrite(data, 1, len, sink->stream) != len) {
            sink->write_errno = errno ? errno : EIO;
            atomic_store(&sink->stop, true);
            rc = -1;
        } else {
            sink->items += items;
        }
    }
    pthread_mutex_unlock(&sink->lock);
    return rc;
}

void peval_add_counts(peval_sink *sink, const peval_counts *c)
{
    pthread_mutex_lock(&sink->lock);
    peval_counts *t = &sink->totals;
    t->documents += c->documents;
    t->decisions += c->decisions;
    t->deny += c->deny;
    t->warn += c->warn;
    t->allow += c->allow;
    t->error += c->error;
    t->invalid += c->invalid;
    if (c->worst_deny > t->worst_deny)
        t->worst_deny = c->worst_deny;
    t->internal |= c->internal;
    pthread_mutex_unlock(&sink->lock);
}

void peval_report_invalid(peval_sink *sink, const char *fmt, ...)
{
    if (atomic_fetch_add(&sink->reported, 1u) >= PEVAL_REPORT_MAX)
        return;
    char message[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    log_user_error("%s", message);
}

int peval_sink_close(peval_sink *sink)
{
    const peval_counts *t = &sink->totals;
    FILE *f = sink->stream;
    int rc = sink->write_errno ? -1 : 0;
    if (rc == 0 && sink->format == OUTPUT_JSON) {
        json_t *summary =
            json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "deny", (json_int_t)t->deny, "warn",
                      (json_int_t)t->warn, "allow", (json_int_t)t->allow, "error",
                      (json_int_t)t->error, "documents", (json_int_t)t->documents, "decisions",
                      (json_int_t)t->decisions, "invalid", (json_int_t)t->invalid);
        char *text = summary ? json_dumps(summary, 0) : NULL;
        if (!text || fprintf(f, "%s,\n\"summary\": %s\n}\n", sink->items ? "\n]" : "]", text) < 0)
            rc = -1;
        free(text);
        json_decref(summary);
    } else if (rc == 0 && sink->format == OUTPUT_TABLE) {
        if (fprintf(f,
                    "%llu documents, %llu decisions: %llu deny, %llu warn, %llu allow, %llu error",
                    (unsigned long long)t->documents, (unsigned long long)t->decisions,
                    (unsigned long long)t->deny, (unsigned long long)t->warn,
                    (unsigned long long)t->allow, (unsigned long long)t->error) < 0 ||
            (t->invalid &&
             fprintf(f, "; %llu invalid (not judged)", (unsigned long long)t->invalid) < 0) ||
            putc('\n', f) == EOF)
            rc = -1;
    }
    if (fflush(f) != 0 || ferror(f))
        rc = -1;
    if (rc != 0 && !sink->write_errno)
        sink->write_errno = errno ? errno : EIO;
    pthread_mutex_destroy(&sink->lock);
    return rc;
}

/* ---- workers ---- */

enum {
    EFFECT_DENY,
    EFFECT_WARN,
    EFFECT_ALLOW,
    EFFECT_ERROR,
    EFFECT_OTHER /* not counted by effect, as before */
};

#define CACHE_SLOTS 1024 /* a power of two; at most half are used */
#define FLUSH_AT (256 * 1024)

/* A shared decision encoded once: an item is head + the document's part + tail. */
typedef struct cache_entry {
    json_t *decision; /* a reference we hold, so the address is never reused */
    char *head, *tail;
    size_t head_len, tail_len;
    int effect;
    int severity;
    bool slow; /* names its own "input" or "uid": take the general path */
} cache_entry;

struct peval_worker {
    const peval_engine *engine;
    peval_sink *sink;
    output_format format;
    const char *label;     /* the input's name */
    peval_text label_json; /* the same, escaped for a JSON string */
    peval_text out;        /* encoded decisions not yet written */
    uint64_t out_items;
    peval_text part;  /* the document's part of each item (input and uid) */
    peval_text where; /* "LABEL:LINE" or "LABEL[INDEX]", for messages and the table */
    peval_text scratch;
    cache_entry *cache; /* CACHE_SLOTS, open addressing on the decision's address */
    size_t cached;
    peval_counts counts;
};

static int effect_of(const json_t *decision)
{
    const char *effect = json_string_value(json_object_get(decision, "effect"));
    if (!effect)
        return EFFECT_ERROR; /* a decision without an effect counts as an error */
    if (!strcmp(effect, "deny"))
        return EFFECT_DENY;
    if (!strcmp(effect, "warn"))
        return EFFECT_WARN;
    if (!strcmp(effect, "allow"))
        return EFFECT_ALLOW;
    if (!strcmp(effect, "error"))
        return EFFECT_ERROR;
    return EFFECT_OTHER;
}

static void count(peval_counts *c, int effect, int severity)
{
    c->decisions++;
    switch (effect) {
    case EFFECT_DENY:
        c->deny++;
        if (severity > c->worst_deny)
            c->worst_deny = severity;
        break;
    case EFFECT_WARN:
        c->warn++;
        break;
    case EFFECT_ALLOW:
        c->allow++;
        break;
    case EFFECT_ERROR:
        c->error++;
        break;
    default:
        break;
    }
}

static const char *str_or(const json_t *object, const char *key, const char *fallback)
{
    const char *s = json_string_value(json_object_get(object, key));
    return s ? s : fallback;
}

/* A table row's text before and after its middle (the uid, else the input). */
static void row_head(peval_text *t, const json_t *d)
{
    text_pad(t, str_or(d, "effect", "-"), 6);
    text_addc(t, ' ');
    text_pad(t, str_or(d, "severity", "-"), 8);
    text_addc(t, ' ');
    text_adds(t, str_or(d, "policy", "-"));
    text_addc(t, '.');
    text_adds(t, str_or(d, "rule", "-"));
    text_add(t, "  ", 2);
}

static void row_tail(peval_text *t, const json_t *d)
{
    text_add(t, "  ", 2);
    text_adds(t, str_or(d, "reason", "-"));
    const json_t *exception = json_object_get(d, "exception");
    if (exception) {
        text_adds(t, " [exception ");
        text_adds(t, str_or(exception, "id", "-"));
        text_addc(t, ']');
    }
    text_addc(t, '\n');
}

/* The JSON of an object with its last '}' left out and a ',' added when it has members
   (so that "input" can follow): "{" for {}. */
static void json_head(peval_text *t, const json_t *d)
{
    size_t start = t->len;
    text_add_json(t, d);
    if (t->failed || t->len - start < 2)
        return;
    t->len--; /* the '}' */
    if (t->len - start > 1)
        text_addc(t, ',');
}

static bool names_its_place(const json_t *d)
{
    return json_object_get(d, "input") || json_object_get(d, "uid");
}

static char *dup_text(const char *data, size_t len)
{
    char *s = malloc(len + 1);
    if (s) {
        memcpy(s, data, len);
        s[len] = '\0';
    }
    return s;
}

static cache_entry *cache_slot(peval_worker *w, const json_t *d)
{
    size_t h = (size_t)(((uintptr_t)d >> 4) * 0x9E3779B97F4A7C15ull) & (CACHE_SLOTS - 1);
    while (w->cache[h].decision && w->cache[h].decision != d)
        h = (h + 1) & (CACHE_SLOTS - 1);
    return &w->cache[h];
}

/* Encode a shared decision once. NULL when the cache is full or memory ran out. */
static cache_entry *cache_add(peval_worker *w, cache_entry *e, json_t *d)
{
    if (w->cached >= CACHE_SLOTS / 2)
        return NULL;
    cache_entry fresh = {.effect = effect_of(d), .slow = !json_is_object(d) || names_its_place(d)};
    fresh.severity = severity_rank(json_string_value(json_object_get(d, "severity")));
    if (!fresh.slow) {
        peval_text *s = &w->scratch;
        s->len = 0;
        if (w->format == OUTPUT_TABLE)
            row_head(s, d);
        else
            json_head(s, d);
        if (s->failed)
            return NULL;
        fresh.head_len = s->len;
        fresh.head = dup_text(s->data, s->len);
        s->len = 0;
        if (w->format == OUTPUT_TABLE)
            row_tail(s, d);
        else
            text_add(s, w->format == OUTPUT_JSONL ? "}\n" : "}", w->format == OUTPUT_JSONL ? 2 : 1);
        if (s->failed || !fresh.head) {
            free(fresh.head);
            return NULL;
        }
        fresh.tail_len = s->len;
        fresh.tail = dup_text(s->data, s->len);
        if (!fresh.tail) {
            free(fresh.head);
            return NULL;
        }
    }
    fresh.decision = json_incref(d);
    *e = fresh;
    w->cached++;
    return e;
}

peval_worker *peval_worker_new(const peval_engine *engine, peval_sink *sink, const char *label)
{
    peval_worker *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->cache = calloc(CACHE_SLOTS, sizeof *w->cache);
    w->engine = engine;
    w->sink = sink;
    w->format = sink->format;
    w->label = label;
    w->counts.worst_deny = -1;
    text_add_escaped(&w->label_json, label, strlen(label));
    text_grow(&w->out, FLUSH_AT + 65536);
    if (!w->cache || w->label_json.failed || w->out.failed) {
        free(w->cache);
        w->cache = NULL;
        peval_worker_free(w);
        return NULL;
    }
    return w;
}

int peval_worker_flush(peval_worker *w)
{
    int rc = 0;
    if (w->out.len)
        rc = sink_write(w->sink, w->out.data, w->out.len, w->out_items);
    w->out.len = 0;
    w->out_items = 0;
    return rc;
}

int peval_worker_free(peval_worker *w)
{
    if (!w)
        return 0;
    int rc = peval_worker_flush(w);
    peval_add_counts(w->sink, &w->counts);
    for (size_t i = 0; w->cache && i < CACHE_SLOTS; i++) {
        json_decref(w->cache[i].decision);
        free(w->cache[i].head);
        free(w->cache[i].tail);
    }
    free(w->cache);
    text_free(&w->label_json);
    text_free(&w->out);
    text_free(&w->part);
    text_free(&w->where);
    text_free(&w->scratch);
    free(w);
    return rc;
}

void peval_count_invalid(peval_worker *w)
{
    w->counts.invalid++;
}

/* The item of a decision that is neither cached nor plain: what the host always did, on a
   shallow copy (the decision may be shared): set "input", and "uid" when the document has
   one, then encode. */
static void slow_item(peval_worker *w, const json_t *shared, const json_t *uid)
{
    json_t *d = json_copy((json_t *)shared);
    json_t *input = json_stringn(w->where.data, w->where.len);
    if (!d || !input) {
        json_decref(d);
        json_decref(input);
        w->out.failed = 1;
        return;
    }
    if (json_is_object(d)) {
        json_object_set_new(d, "input", input);
        if (uid)
            json_object_set(d, "uid", (json_t *)uid);
    } else {
        json_decref(input);
    }
    if (w->format == OUTPUT_TABLE) {
        row_head(&w->out, d);
        text_adds(&w->out, str_or(d, "uid", str_or(d, "input", "-")));
        row_tail(&w->out, d);
    } else {
        if (w->format == OUTPUT_JSON)
            text_add(&w->out, ",\n", 2);
        text_add_json(&w->out, d);
        if (w->format == OUTPUT_JSONL)
            text_addc(&w->out, '\n');
    }
    json_decref(d);
}

int peval_judge(peval_worker *w, const json_t *doc, peval_where where)
{
    w->counts.documents++;
    /* where the document came from, and its part of each item */
    peval_text *p = &w->where;
    p->len = 0;
    text_adds(p, w->label);
    if (where.index) {
        text_addc(p, '[');
        text_add_int(p, where.number);
        text_addc(p, ']');
    } else {
        text_addc(p, ':');
        text_add_int(p, where.number);
    }
    const json_t *uid = json_object_get(doc, "uid");
    if (!json_is_string(uid))
        uid = NULL;
    peval_text *part = &w->part;
    part->len = 0;
    if (w->format == OUTPUT_TABLE) {
        if (uid)
            text_add(part, json_string_value(uid), json_string_length(uid));
        else
            text_add(part, p->data, p->len);
    } else {
        text_add(part, "\"input\":\"", 9);
        text_add(part, w->label_json.data, w->label_json.len);
        text_add(part, p->data + strlen(w->label), p->len - strlen(w->label));
        text_addc(part, '"');
        if (uid) {
            text_add(part, ",\"uid\":", 7);
            text_add_string(part, json_string_value(uid), json_string_length(uid));
        }
    }
    if (p->failed || part->failed) {
        w->counts.internal = true;
        return -1;
    }

    fwk_ctx ctx;
    ctx_init(&ctx, NULL, NULL, "evaluate", NULL);
    ctx.resource = doc;
    json_t *decisions = NULL;
    fwk_status status = w->engine->vt->evaluate(&ctx, w->engine->state, doc, &decisions);
    if (status != FWK_OK) {
        log_user_error("%.*s: %s", (int)p->len, p->data,
                       ctx.message ? ctx.message : fwk_strerror(status));
        w->counts.internal = true;
    }
    ctx_finish(&ctx);

    size_t n = json_array_size(decisions);
    for (size_t i = 0; i < n; i++) {
        json_t *d = json_array_get(decisions, i);
        cache_entry *e = cache_slot(w, d);
        if (!e->decision && d->refcount > 1) /* shared: the plugin holds it too */
            e = cache_add(w, e, d);
        else if (!e->decision)
            e = NULL;
        if (e && !e->slow) {
            if (w->format == OUTPUT_JSON)
                text_add(&w->out, ",\n", 2);
            text_add(&w->out, e->head, e->head_len);
            text_add(&w->out, part->data, part->len);
            text_add(&w->out, e->tail, e->tail_len);
            count(&w->counts, e->effect, e->severity);
        } else if (e || !json_is_object(d) || names_its_place(d)) {
            slow_item(w, d, uid);
            int effect = e ? e->effect : effect_of(d);
            count(&w->counts, effect,
                  e ? e->severity
                    : severity_rank(json_string_value(json_object_get(d, "severity"))));
        } else {
            /* a decision of this document alone: encode it in place */
            if (w->format == OUTPUT_TABLE) {
                row_head(&w->out, d);
                text_add(&w->out, part->data, part->len);
                row_tail(&w->out, d);
            } else {
                if (w->format == OUTPUT_JSON)
                    text_add(&w->out, ",\n", 2);
                json_head(&w->out, d);
                text_add(&w->out, part->data, part->len);
                text_add(&w->out, w->format == OUTPUT_JSONL ? "}\n" : "}",
                         w->format == OUTPUT_JSONL ? 2 : 1);
            }
            int effect = effect_of(d);
            count(&w->counts, effect,
                  effect == EFFECT_DENY
                      ? severity_rank(json_string_value(json_object_get(d, "severity")))
                      : -1);
        }
        w->out_items++;
    }
    json_decref(decisions);
    if (w->out.failed) {
        log_user_error("%.*s: out of memory encoding the decisions", (int)p->len, p->data);
        w->counts.internal = true;
        atomic_store(&w->sink->stop, true);
        return -1;
    }
    if (w->out.len >= FLUSH_AT)
        return peval_worker_flush(w);
    return 0;
}
