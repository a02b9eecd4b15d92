/* fwkx_json_fast.c: fast paths between JSON text and jansson values, for the hot loops
   (a snapshot's lines, a run's findings). Reading: jansson's
   own parser reads through a function call per byte and copies every string byte by byte
   (about 50 MB/s here, three quarters of `policy eval`'s time); this one scans runs with
   plain loops and builds the same values with jansson's constructors. It accepts a strict
   subset of what jansson accepts and gives up (NULL) on anything else, so that the caller
   asks jansson, which then parses or says exactly what is wrong: the result never differs
   from json_loadb(text, len, JSON_REJECT_DUPLICATES). */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fawkes/fwkx.h"

/* Deeper documents go to jansson (which allows 2048 levels): bounds the recursion here. */
#define MAX_DEPTH 256

typedef struct parser {
    const unsigned char *p, *end;
    char *scratch; /* decoded strings with escapes */
    size_t scratch_cap;
} parser;

static json_t *parse_value(parser *ps, int depth);

static void skip_space(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

/* The length of the valid UTF-8 sequence at p (as jansson's utf8_check_first/full judge
   it), or 0. */
static size_t utf8_length(const unsigned char *p, const unsigned char *end)
{
    unsigned char c = p[0];
    size_t size;
    uint32_t value;
    if (c < 0x80)
        return 1;
    if (c < 0xC2 || c > 0xF4)
        return 0;
    if (c <= 0xDF) {
        size = 2;
        value = c & 0x1F;
    } else if (c <= 0xEF) {
        size = 3;
        value = c & 0x0F;
    } else {
        size = 4;
        value = c & 0x07;
    }
    if ((size_t)(end - p) < size)
        return 0;
    for (size_t i = 1; i < size; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        value = (value << 6) | (p[i] & 0x3F);
    }
    if (value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF))
        return 0;
    if ((size == 3 && value < 0x800) || (size == 4 && value < 0x10000))
        return 0;
    return size;
}

static int hex4(const unsigned char *p, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (uint32_t)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

static size_t put_utf8(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* The string at ps->p (after its opening quote): its bytes in *text (the input itself, or
   ps->scratch when it had escapes) and *len. 0, or -1 to give up. */
static int parse_string(parser *ps, const char **text, size_t *len)
{
    const unsigned char *start = ps->p, *p = ps->p, *end = ps->end;
    /* the common case: no escape, ASCII; eight bytes at a time while none is special */
    while (end - p >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        if (fwkx_json_word_special(v) || (v & 0x8080808080808080ull))
            break;
        p += 8;
    }
    while (p < end && *p != '"' && *p != '\\' && *p >= 0x20 && *p < 0x80)
        p++;
    if (p < end && *p == '"') {
        *text = (const char *)start;
        *len = (size_t)(p - start);
        ps->p = p + 1;
        return 0;
    }
    if (p == end)
        return -1; /* no closing quote */
    /* the general case, into the scratch buffer (never longer than the input) */
    size_t need = (size_t)(end - start);
    if (need > ps->scratch_cap) {
        char *grown = realloc(ps->scratch, need);
        if (!grown)
            return -1;
        ps->scratch = grown;
        ps->scratch_cap = need;
    }
    char *out = ps->scratch;
    size_t n = (size_t)(p - start);
    memcpy(out, start, n);
    while (p < end) {
        unsigned char c = *p;
        if (c == '"') {
            *text = ps->scratch;
            *len = n;
            ps->p = p + 1;
            return 0;
        }
        if (c < 0x20)
            return -1;
        if (c >= 0x80) {
            size_t size = utf8_length(p, end);
            if (!size)
                return -1;
            memcpy(out + n, p, size);
            n += size;
            p += size;
            continue;
        }
        if (c != '\\') {
            out[n++] = (char)c;
            p++;
            continue;
        }
        if (end - p < 2)
            return -1;
        switch (p[1]) {
        case '"':
        case '\\':
        case '/':
            out[n++] = (char)p[1];
            break;
        case 'b':
            out[n++] = '\b';
            break;
        case 'f':
            out[n++] = '\f';
            break;
        case 'n':
            out[n++] = '\n';
            break;
        case 'r':
            out[n++] = '\r';
            break;
        case 't':
            out[n++] = '\t';
            break;
        case 'u': {
            uint32_t cp, low;
            if (end - p < 6 || hex4(p + 2, &cp) != 0 || cp == 0)
                return -1;
            if (cp >= 0xDC00 && cp <= 0xDFFF)
                return -1;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (end - p < 12 || p[6] != '\\' || p[7] != 'u' || hex4(p + 8, &low) != 0 ||
                    low < 0xDC00 || low > 0xDFFF)
                    return -1;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                p += 6;
            }
            /* "\uXXXX" is 6 bytes of input and at most 3 of output; a pair 12 and 4 */
            n += put_utf8(out + n, cp);
            p += 6;
            continue;
        }
        default:
            return -1;
        }
        p += 2;
    }
    return -1;
}

static bool delimiter(const parser *ps)
{
    if (ps->p == ps->end)
        return true;
    unsigned char c = *ps->p;
    return c == ',' || c == ']' || c == '}' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static json_t *parse_number(parser *ps)
{
    const unsigned char *start = ps->p, *p = ps->p, *end = ps->end;
    bool negative = false, real = false;
    if (p < end && *p == '-') {
        negative = true;
        p++;
    }
    if (p == end || *p < '0' || *p > '9')
        return NULL;
    if (*p == '0') {
        p++;
        if (p < end && *p >= '0' && *p <= '9')
            return NULL;
    } else {
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < end && *p == '.') {
        real = true;
        p++;
        if (p == end || *p < '0' || *p > '9')
            return NULL;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        real = true;
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p == end || *p < '0' || *p > '9')
            return NULL;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    ps->p = p;
    if (!delimiter(ps))
        return NULL;
    if (!real) {
        /* as strtoll, which jansson uses: out of range is an error there */
        unsigned long long v = 0;
        const unsigned long long limit = negative ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX;
        for (const unsigned char *d = start + negative; d < p; d++) {
            unsigned digit = (unsigned)(*d - '0');
            if (v > (limit - digit) / 10)
                return NULL;
            v = v * 10 + digit;
        }
        long long value = negative ? (long long)(0ULL - v) : (long long)v;
        return json_integer((json_int_t)value);
    }
    char buf[64];
    size_t len = (size_t)(p - start);
    if (len >= sizeof buf)
        return NULL;
    memcpy(buf, start, len);
    buf[len] = '\0';
    errno = 0;
    double value = strtod(buf, NULL);
    if ((value == HUGE_VAL || value == -HUGE_VAL) && errno == ERANGE)
        return NULL;
    return json_real(value);
}

static json_t *parse_literal(parser *ps, const char *word, size_t len, json_t *value)
{
    if ((size_t)(ps->end - ps->p) < len || memcmp(ps->p, word, len) != 0)
        return NULL;
    ps->p += len;
    return delimiter(ps) ? value : NULL;
}

static json_t *parse_object(parser *ps, int depth)
{
    json_t *object = json_object();
    if (!object)
        return NULL;
    ps->p++; /* '{' */
    skip_space(ps);
    if (ps->p < ps->end && *ps->p == '}') {
        ps->p++;
        return object;
    }
    for (;;) {
        if (ps->p == ps->end || *ps->p != '"')
            goto fail;
        ps->p++;
        const char *key;
        size_t key_len;
        if (parse_string(ps, &key, &key_len) != 0)
            goto fail;
        /* the key may sit in the scratch buffer, which the value may reuse: copy it when so */
        char small[128], *copy = NULL;
        if (key == ps->scratch) {
            copy = key_len < sizeof small ? small : malloc(key_len);
            if (!copy)
                goto fail;
            memcpy(copy, key, key_len);
            key = copy;
        }
        skip_space(ps);
        json_t *value = NULL;
        if (ps->p < ps->end && *ps->p == ':') {
            ps->p++;
            skip_space(ps);
            value = parse_value(ps, depth + 1);
        }
        size_t before = json_object_size(object);
        int rc = value ? json_object_setn_new_nocheck(object, key, key_len, value) : -1;
        if (copy != small)
            free(copy);
        if (rc != 0 || json_object_size(object) == before) /* a duplicate key */
            goto fail;
        skip_space(ps);
        if (ps->p == ps->end)
            goto fail;
        if (*ps->p == '}') {
            ps->p++;
            return object;
        }
        if (*ps->p != ',')
            goto fail;
        ps->p++;
        skip_space(ps);
    }
fail:
    json_decref(object);
    return NULL;
}

static json_t *parse_array(parser *ps, int depth)
{
    json_t *array = json_array();
    if (!array)
        return NULL;
    ps->p++; /* '[' */
    skip_space(ps);
    if (ps->p < ps->end && *ps->p == ']') {
        ps->p++;
        return array;
    }
    for (;;) {
        json_t *value = parse_value(ps, depth + 1);
        if (!value || json_array_append_new(array, value) != 0)
            goto fail;
        skip_space(ps);
        if (ps->p == ps->end)
            goto fail;
        if (*ps->p == ']') {
            ps->p++;
            return array;
        }
        if (*ps->p != ',')
            goto fail;
        ps->p++;
        skip_space(ps);
    }
fail:
    json_decref(array);
    return NULL;
}

static json_t *parse_value(parser *ps, int depth)
{
    if (ps->p == ps->end || depth > MAX_DEPTH)
        return NULL;
    switch (*ps->p) {
    case '{':
        return parse_object(ps, depth);
    case '[':
        return parse_array(ps, depth);
    case '"': {
        ps->p++;
        const char *text;
        size_t len;
        if (parse_string(ps, &text, &len) != 0)
            return NULL;
        return json_stringn_nocheck(text, len);
    }
    case 't':
        return parse_literal(ps, "true", 4, json_true());
    case 'f':
        return parse_literal(ps, "false", 5, json_false());
    case 'n':
        return parse_literal(ps, "null", 4, json_null());
    default:
        return parse_number(ps);
    }
}

json_t *fwkx_json_parse_fast(const char *text, size_t len, char **scratch, size_t *scratch_cap)
{
    parser ps = {.p = (const unsigned char *)text,
                 .end = (const unsigned char *)text + len,
                 .scratch = *scratch,
                 .scratch_cap = *scratch_cap};
    skip_space(&ps);
    json_t *value = NULL;
    if (ps.p < ps.end && (*ps.p == '{' || *ps.p == '['))
        value = parse_value(&ps, 0);
    if (value) {
        skip_space(&ps);
        if (ps.p != ps.end) {
            json_decref(value);
            value = NULL;
        }
    }
    *scratch = ps.scratch;
    *scratch_cap = ps.scratch_cap;
    return value;
}

/* ---- writing ---- */

/* Deeper values are refused (a cycle, which jansson's json_dumps refuses too, ends here). */
#define DUMP_MAX_DEPTH 2048
/* A string is escaped in runs of this many input bytes (each may take 6 output bytes). */
#define DUMP_RUN 4096

/* `len` bytes of UTF-8 as the body of a JSON string, as jansson's dump_string writes it:
   '"', '\\' and control characters escaped (\b \f \n \r \t, else \u00XX), the rest as it
   is. 0, or -1 (not UTF-8, or out of memory). */
static int dump_chars(fwkx_buf *buf, const unsigned char *p, const unsigned char *end)
{
    static const char hex[] = "0123456789ABCDEF";
    while (p < end) {
        size_t run = (size_t)(end - p) < DUMP_RUN ? (size_t)(end - p) : DUMP_RUN;
        /* a sequence of 4 bytes may start at the run's last byte: 3 more */
        if (fwkx_buf_reserve(buf, 6 * run + 4) != 0)
            return -1;
        char *out = buf->data + buf->len;
        const unsigned char *stop = p + run;
        while (p < stop) {
            while (stop - p >= 8) {
                uint64_t v;
                memcpy(&v, p, 8);
                if (fwkx_json_word_special(v) || (v & 0x8080808080808080ull))
                    break;
                memcpy(out, p, 8);
                out += 8;
                p += 8;
            }
            if (p == stop)
                break;
            unsigned char c = *p;
            if (c >= 0x80) {
                size_t n = utf8_length(p, end);
                if (n == 0)
                    return -1;
                memcpy(out, p, n);
                out += n;
                p += n;
                continue;
            }
            p++;
            if (c >= 0x20 && c != '"' && c != '\\') {
                *out++ = (char)c;
                continue;
            }
            *out++ = '\\';
            switch (c) {
            case '"':
            case '\\':
                *out++ = (char)c;
                break;
            case '\b':
                *out++ = 'b';
                break;
            case '\f':
                *out++ = 'f';
                break;
            case '\n':
                *out++ = 'n';
                break;
            case '\r':
                *out++ = 'r';
                break;
            case '\t':
                *out++ = 't';
                break;
            default:
                memcpy(out, "u00", 3);
                out[3] = hex[c >> 4];
                out[4] = hex[c & 15];
                out += 5;
            }
        }
        buf->len = (size_t)(out - buf->data);
    }
    return 0;
}

static int dump_quoted(fwkx_buf *buf, const char *text, size_t len)
{
    if (fwkx_buf_add(buf, "\"", 1) != 0 ||
        dump_chars(buf, (const unsigned char *)text, (const unsigned char *)text + len) != 0)
        return -1;
    return fwkx_buf_add(buf, "\"", 1);
}

static int dump_integer(fwkx_buf *buf, json_int_t n)
{
    char digits[24];
    size_t i = sizeof digits;
    unsigned long long u = n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n;
    do {
        digits[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (n < 0)
        digits[--i] = '-';
    return fwkx_buf_add(buf, digits + i, sizeof digits - i);
}

static int dump_value(fwkx_buf *buf, const json_t *value, int depth)
{
    if (depth > DUMP_MAX_DEPTH)
        return -1;
    switch (json_typeof(value)) {
    case JSON_OBJECT: {
        if (fwkx_buf_add(buf, "{", 1) != 0)
            return -1;
        bool first = true;
        for (void *it = json_object_iter((json_t *)value); it;
             it = json_object_iter_next((json_t *)value, it)) {
            if ((!first && fwkx_buf_add(buf, ",", 1) != 0) ||
                dump_quoted(buf, json_object_iter_key(it), json_object_iter_key_len(it)) != 0 ||
                fwkx_buf_add(buf, ":", 1) != 0 ||
                dump_value(buf, json_object_iter_value(it), depth + 1) != 0)
                return -1;
            first = false;
        }
        return fwkx_buf_add(buf, "}", 1);
    }
    case JSON_ARRAY: {
        if (fwkx_buf_add(buf, "[", 1) != 0)
            return -1;
        size_t n = json_array_size(value);
        for (size_t i = 0; i < n; i++)
            if ((i && fwkx_buf_add(buf, ",", 1) != 0) ||
                dump_value(buf, json_array_get(value, i), depth + 1) != 0)
                return -1;
        return fwkx_buf_add(buf, "]", 1);
    }
    case JSON_STRING:
        return dump_quoted(buf, json_string_value(value), json_string_length(value));
    case JSON_INTEGER:
        return dump_integer(buf, json_integer_value(value));
    case JSON_REAL: {
        /* rare in findings: jansson's own digits */
        char *real = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
        int rc = real ? fwkx_buf_adds(buf, real) : -1;
        free(real);
        return rc;
    }
    case JSON_TRUE:
        return fwkx_buf_add(buf, "true", 4);
    case JSON_FALSE:
        return fwkx_buf_add(buf, "false", 5);
    case JSON_NULL:
        return fwkx_buf_add(buf, "null", 4);
    }
    return -1;
}

/* Undo a failed append: the text as it was. */
static int dump_undo(fwkx_buf *buf, size_t before)
{
    buf->len = before;
    if (buf->data)
        buf->data[before] = '\0';
    return -1;
}

int fwkx_json_dump_fast(fwkx_buf *buf, const json_t *value)
{
    size_t before = buf->len;
    if (!value || dump_value(buf, value, 0) != 0)
        return dump_undo(buf, before);
    return fwkx_buf_add(buf, "", 0); /* the NUL after the text */
}

int fwkx_json_dump_string(fwkx_buf *buf, const char *text, size_t len)
{
    size_t before = buf->len;
    if (!text || dump_quoted(buf, text, len) != 0)
        return dump_undo(buf, before);
    return 0;
}
