/* audit_verify.c: check an audit log's chain, head and signatures. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_internal.h"

typedef struct verifier {
    const audit_key *key; /* NULL: signatures cannot be checked */
    json_t *problems;     /* of the lines */
    json_t *head_problems;
    json_t *unsigned_lines; /* line numbers of entries without "sig" (checked at the end) */
    char prev[65];          /* SHA-256 of the line before */
    json_int_t seq;
    size_t signed_entries;
} verifier;

static void problem(json_t *problems, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void problem(json_t *problems, size_t line, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    json_array_append_new(problems,
                          json_pack("{s:I, s:s}", "line", (json_int_t)line, "problem", text));
}

/* A key_id as shown in a message: at most 16 characters of printable ASCII. */
static void shown_id(const char *id, char out[20])
{
    size_t i = 0;
    for (; id && id[i] && i < 16; i++)
        out[i] = id[i] > ' ' && id[i] < 127 ? id[i] : '?';
    out[i] = '\0';
    if (!id)
        snprintf(out, 20, "none");
}

/* The signature of one entry whose true content hash is `hash`. */
static void check_signature(verifier *v, size_t lineno, const json_t *entry, const char *hash)
{
    const char *sig = json_string_value(json_object_get(entry, "sig"));
    if (!sig) {
        json_array_append_new(v->unsigned_lines, json_integer((json_int_t)lineno));
        return;
    }
    v->signed_entries++;
    if (!v->key)
        return;
    const char *kid = json_string_value(json_object_get(entry, "key_id"));
    char got[20];
    shown_id(kid, got);
    char message[128];
    snprintf(message, sizeof message, AUDIT_ENTRY_DOMAIN "%s", hash);
    if (!kid || strcmp(kid, v->key->id) != 0)
        problem(v->problems, lineno,
                "signed with another key (key_id %s, expected %s): the entry was re-signed "
                "or does not belong to this log",
                got, v->key->id);
    else if (!audit_sig_ok(v->key, message, sig))
        problem(v->problems, lineno,
                "the signature does not verify with key %s: the entry was edited or "
                "re-signed",
                v->key->id);
}

/* Check one line against the chain so far; updates prev/seq. */
static void verify_line(verifier *v, size_t lineno, const char *line)
{
    json_error_t jerr;
    json_t *entry = json_loads(line, 0, &jerr);
    if (!json_is_object(entry)) {
        problem(v->problems, lineno, "not a JSON object (%s): the line was edited or truncated",
                jerr.text);
        json_array_append_new(v->unsigned_lines, json_integer((json_int_t)lineno));
    } else {
        json_int_t got_seq = json_integer_value(json_object_get(entry, "seq"));
        const char *got_prev = json_string_value(json_object_get(entry, "prev"));
        const char *got_hash = json_string_value(json_object_get(entry, "hash"));
        char want_hash[65] = "";
        if (got_seq != v->seq + 1)
            problem(v->problems, lineno,
                    "seq is %" JSON_INTEGER_FORMAT ", expected %" JSON_INTEGER_FORMAT
                    ": entries were deleted or reordered",
                    got_seq, v->seq + 1);
        if (!got_prev || strcmp(got_prev, v->prev) != 0)
            problem(v->problems, lineno,
                    "prev does not match the SHA-256 of line %zu: the line "
                    "before was edited, deleted or moved",
                    lineno - 1);
        bool hashed = audit_entry_hash(entry, want_hash) == 0;
        if (!got_hash || !hashed || strcmp(got_hash, want_hash) != 0)
            problem(v->problems, lineno,
                    "hash does not match the entry's content: this line was "
                    "edited");
        if (hashed)
            check_signature(v, lineno, entry, want_hash);
        v->seq = got_seq > 0 ? got_seq : v->seq + 1;
    }
    json_decref(entry);
    audit_sha256_hex(line, strlen(line), v->prev);
}

/* PATH.head: where the log must end, signed in a signed log. */
static void verify_head(verifier *v, const char *path, size_t entries)
{
    size_t hlen = strlen(path) + 8;
    char *head_path = malloc(hlen);
    if (!head_path)
        return;
    snprintf(head_path, hlen, "%s.head", path);
    bool signed_log = v->key || v->signed_entries > 0;
    json_t *head = json_load_file(head_path, 0, NULL);
    if (!head) {
        if (entries > 0 || v->key)
            problem(v->head_problems, 0,
                    "%s is missing or unreadable: cannot tell whether lines were deleted at "
                    "the end",
                    head_path);
        free(head_path);
        return;
    }
    json_int_t head_seq = json_integer_value(json_object_get(head, "seq"));
    const char *head_hash = json_string_value(json_object_get(head, "hash"));
    const char *sig = json_string_value(json_object_get(head, "sig"));
    const char *kid = json_string_value(json_object_get(head, "key_id"));
    if (head_seq != v->seq || !head_hash || strcmp(head_hash, v->prev) != 0)
        problem(v->head_problems, 0,
                "the log ends at seq %" JSON_INTEGER_FORMAT
                " but its head records seq %" JSON_INTEGER_FORMAT
                ": lines at the end were deleted or edited",
                v->seq, head_seq);
    if (signed_log && !sig) {
        problem(v->head_problems, 0,
                "%s is not signed in a signed log: it was rewritten (lines at the end deleted "
                "or the chain recomputed?)",
                head_path);
    } else if (v->key && sig) {
        char message[160], got[20];
        audit_head_message(head_seq, head_hash ? head_hash : "", message, sizeof message);
        shown_id(kid, got);
        if (!kid || strcmp(kid, v->key->id) != 0)
            problem(v->head_problems, 0, "%s is signed with another key (key_id %s, expected %s)",
                    head_path, got, v->key->id);
        else if (!audit_sig_ok(v->key, message, sig))
            problem(v->head_problems, 0,
                    "%s: the signature does not verify with key %s: the head was rewritten",
                    head_path, v->key->id);
    }
    json_decref(head);
    free(head_path);
}

static int by_line(const void *a, const void *b)
{
    json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "line"));
    json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "line"));
    return (x > y) - (x < y);
}

/* Line problems by line (stable for one line: in the order found), then the head's. */
static json_t *ordered(verifier *v)
{
    size_t n = json_array_size(v->problems);
    json_t **items = calloc(n + 1, sizeof *items);
    json_t *out = json_array();
    if (!items || !out) {
        free(items);
        json_decref(out);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        items[i] = json_array_get(v->problems, i);
    /* insertion sort keeps the order of problems on the same line */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && by_line(&items[j - 1], &items[j]) > 0; j--) {
            json_t *t = items[j];
            items[j] = items[j - 1];
            items[j - 1] = t;
        }
    for (size_t i = 0; i < n; i++)
        json_array_append(out, items[i]);
    json_array_extend(out, v->head_problems);
    free(items);
    return out;
}

int audit_verify(const char *path, const audit_key *key, json_t **report, diag *err)
{
    *report = NULL;
    FILE *f = fopen(path, "r");
    if (!f) {
        diag_set(err, "%s: cannot read the audit log: %s", path, strerror(errno));
        return -1;
    }
    verifier v = {.key = key,
                  .problems = json_array(),
                  .head_problems = json_array(),
                  .unsigned_lines = json_array(),
                  .prev = AUDIT_ZERO_HASH};
    size_t lineno = 0, cap = 0;
    char *line = NULL;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        lineno++;
        if (line[n - 1] != '\n')
            problem(v.problems, lineno, "the last line has no newline: it was cut short");
        else
            line[--n] = '\0';
        verify_line(&v, lineno, line);
    }
    free(line);
    fclose(f);
    if (key || v.signed_entries > 0) {
        size_t i;
        json_t *at;
        json_array_foreach (v.unsigned_lines, i, at)
            problem(v.problems, (size_t)json_integer_value(at),
                    "an unsigned entry in a signed log: it was inserted or its signature "
                    "stripped");
    }
    verify_head(&v, path, lineno);
    json_t *problems = ordered(&v);
    json_decref(v.problems);
    json_decref(v.head_problems);
    json_decref(v.unsigned_lines);
    if (!problems) {
        diag_set(err, "%s: out of memory", path);
        return -1;
    }
    bool ok = json_array_size(problems) == 0;
    const char *signatures = key ? "checked" : v.signed_entries > 0 ? "unchecked" : "none";
    json_t *first =
        ok ? json_null() : json_incref(json_object_get(json_array_get(problems, 0), "line"));
    *report = json_pack("{s:s, s:I, s:b, s:s, s:s?, s:o, s:o}", "path", path, "entries",
                        (json_int_t)lineno, "ok", ok, "signatures", signatures, "key_id",
                        key ? key->id : NULL, "first_bad_line", first, "problems", problems);
    if (!*report) {
        diag_set(err, "%s: out of memory", path);
        return -1;
    }
    return ok ? 0 : 1;
}
