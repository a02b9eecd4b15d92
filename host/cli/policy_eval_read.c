/* policy_eval_read.c: `policy eval`'s input, read one document at a time: JSONL line by
   line (a regular file in byte ranges on several threads, each range starting after a
   newline, as the snapshot provider splits files), a JSON array element by element, or one
   JSON object. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "policy_eval.h"
#include "scheduler.h"

#define PARSE_FLAGS JSON_REJECT_DUPLICATES

/* ---- a buffered reader over a file descriptor ---- */

typedef struct peval_reader {
    int fd;
    char *buf;
    size_t cap, pos, len; /* unread bytes: buf[pos..len) */
    size_t scan;          /* buf[pos..scan) holds no newline */
    long long offset;     /* the file offset of buf[0] */
    bool eof;
    int error;               /* errno of a failed read; 0 */
    long long line, col;     /* of buf[pos], from 1 (kept by the byte reads) */
    peval_worker *before_io; /* flushed (and stdout with it) before a read that may block */
} peval_reader;

static int reader_init(peval_reader *r, int fd, long long offset, size_t cap)
{
    memset(r, 0, sizeof *r);
    r->fd = fd;
    r->offset = offset;
    r->line = r->col = 1;
    r->cap = cap;
    r->buf = malloc(cap);
    return r->buf ? 0 : -1;
}

static void reader_free(peval_reader *r)
{
    free(r->buf);
    r->buf = NULL;
}

/* Read more: 1, 0 at the end of the input, -1 on a read error (r->error) or OOM. */
static int reader_fill(peval_reader *r)
{
    if (r->eof)
        return 0;
    if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, r->len - r->pos);
        r->offset += (long long)r->pos;
        r->len -= r->pos;
        r->scan -= r->pos;
        r->pos = 0;
    }
    if (r->len == r->cap) { /* one line longer than the buffer */
        char *grown = r->cap < SIZE_MAX / 2 ? realloc(r->buf, r->cap * 2) : NULL;
        if (!grown) {
            r->error = ENOMEM;
            return -1;
        }
        r->buf = grown;
        r->cap *= 2;
    }
    if (r->before_io) {
        peval_worker_flush(r->before_io);
        fflush(stdout);
    }
    for (;;) {
        ssize_t got = read(r->fd, r->buf + r->len, r->cap - r->len);
        if (got > 0) {
            r->len += (size_t)got;
            return 1;
        }
        if (got == 0) {
            r->eof = true;
            return 0;
        }
        if (errno != EINTR) {
            r->error = errno;
            return -1;
        }
    }
}

/* The next line (without its '\n'): 1, 0 at the end, -1 on an error. The text is valid until
   the next read. With `consume` false the line stays unread. */
static int reader_line(peval_reader *r, const char **line, size_t *len, bool consume)
{
    for (;;) {
        if (r->scan < r->pos)
            r->scan = r->pos;
        const char *nl = memchr(r->buf + r->scan, '\n', r->len - r->scan);
        if (nl || (r->eof && r->pos < r->len)) {
            size_t end = nl ? (size_t)(nl - r->buf) : r->len;
            *line = r->buf + r->pos;
            *len = end - r->pos;
            if (consume) {
                r->pos = nl ? end + 1 : end;
                r->scan = r->pos;
                r->line++;
                r->col = 1;
            }
            return 1;
        }
        r->scan = r->len;
        int rc = reader_fill(r);
        if (rc < 0 || (rc == 0 && r->pos == r->len))
            return rc;
    }
}

/* The next byte without reading it: 0..255, EOF at the end, -2 on an error. */
static int reader_peek(peval_reader *r)
{
    if (r->pos == r->len) {
        int rc = reader_fill(r);
        if (rc < 0)
            return -2;
        if (rc == 0)
            return EOF;
    }
    return (unsigned char)r->buf[r->pos];
}

static int reader_getc(peval_reader *r)
{
    int c = reader_peek(r);
    if (c >= 0) {
        r->pos++;
        if (c == '\n') {
            r->line++;
            r->col = 1;
        } else {
            r->col++;
        }
    }
    return c;
}

/* Skip JSON whitespace; the next byte as reader_peek. */
static int reader_skip_space(peval_reader *r)
{
    int c;
    while ((c = reader_peek(r)) == ' ' || c == '\t' || c == '\n' || c == '\r')
        reader_getc(r);
    return c;
}

/* jansson's byte source: one byte per call, so that it never takes more than the value it
   parses (JSON_DISABLE_EOF_CHECK stops right after a value's last '}' or ']'). */
static size_t reader_cb(void *buffer, size_t size, void *arg)
{
    int c = size ? reader_getc(arg) : EOF;
    if (c == -2)
        return (size_t)-1;
    if (c == EOF)
        return 0;
    *(char *)buffer = (char)c;
    return 1;
}

/* Parse the object or array at the reader (JSON_DISABLE_EOF_CHECK). On failure *line and
 *col are where in the file jansson stopped (its position is relative to the value). */
static json_t *reader_value(peval_reader *r, json_error_t *err, long long *line, long long *col)
{
    long long start_line = r->line, start_col = r->col;
    json_t *value = json_load_callback(reader_cb, r, PARSE_FLAGS | JSON_DISABLE_EOF_CHECK, err);
    if (!value) {
        *line = start_line + (err->line > 0 ? err->line - 1 : 0);
        *col = err->line <= 1 ? start_col + (err->column > 0 ? err->column - 1 : 0) : err->column;
    }
    return value;
}

/* ---- the input ---- */

typedef enum input_mode {
    MODE_JSONL,
    MODE_ARRAY,
    MODE_OBJECT
} input_mode;

struct peval_input {
    const char *label; /* as decisions name it: the path, or "-" */
    int fd;
    bool regular;
    long long size;
    input_mode mode;
    peval_reader rd;
    json_t *first; /* MODE_ARRAY / MODE_OBJECT: the first document (NULL: an empty array) */
};

void peval_input_close(peval_input *in)
{
    if (!in)
        return;
    if (in->fd > 0)
        close(in->fd);
    reader_free(&in->rd);
    json_decref(in->first);
    free(in);
}

static const char *type_name(const json_t *value)
{
    switch (json_typeof(value)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "null";
    }
}

static void read_failed(const peval_input *in, const peval_reader *r)
{
    log_user_error("--input %s: cannot read at byte %lld: %s", in->label,
                   r->offset + (long long)r->pos, strerror(r->error));
}

/* The file starts with '{': JSONL when its first line is a whole object, else one object. */
static int open_object(peval_input *in)
{
    peval_reader *r = &in->rd;
    const char *line;
    size_t len;
    if (reader_line(r, &line, &len, false) < 0) {
        read_failed(in, r);
        return -1;
    }
    json_error_t lerr;
    json_t *doc = json_loadb(line, len, PARSE_FLAGS, &lerr);
    if (doc && json_is_object(doc)) {
        json_decref(doc);
        in->mode = MODE_JSONL;
        return 0;
    }
    json_decref(doc);
    long long line_no = r->line, col0 = r->col;
    json_error_t err;
    long long at_line, at_col;
    in->first = reader_value(r, &err, &at_line, &at_col);
    if (!in->first) {
        if (r->error)
            read_failed(in, r);
        else if (at_line == line_no)
            log_user_error("%s:%lld:%lld: invalid JSONL input: %s; nothing was evaluated",
                           in->label, line_no, col0 + (lerr.column > 0 ? lerr.column - 1 : 0),
                           lerr.text);
        else /* which was meant, JSONL or one object, cannot be known: say both */
            log_user_error("%s:%lld:%lld: invalid JSONL input: %s (nor is the input one JSON "
                           "object: %s:%lld:%lld: %s); nothing was evaluated",
                           in->label, line_no, col0 + (lerr.column > 0 ? lerr.column - 1 : 0),
                           lerr.text, in->label, at_line, at_col, err.text);
        return -1;
    }
    if (r->line == line_no) { /* the object ends on its first line: JSONL with more after */
        log_user_error("%s:%lld:%lld: invalid JSONL input: %s; nothing was evaluated", in->label,
                       line_no, col0 + (lerr.column > 0 ? lerr.column - 1 : 0), lerr.text);
        return -1;
    }
    int c = reader_skip_space(r);
    if (c != EOF) {
        if (c == -2)
            read_failed(in, r);
        else
            log_user_error("%s:%lld:%lld: invalid JSON input: more data after the first object, "
                           "which spans several lines; write one object per line (JSONL), or an "
                           "array of objects; nothing was evaluated",
                           in->label, r->line, r->col);
        return -1;
    }
    in->mode = MODE_OBJECT;
    return 0;
}

/* Skip a scalar array element (a string, number, true, false, null). */
static void skip_scalar(peval_reader *r)
{
    int c = reader_peek(r);
    if (c == '"') {
        reader_getc(r);
        while ((c = reader_getc(r)) >= 0 && c != '"')
            if (c == '\\')
                reader_getc(r);
        return;
    }
    while ((c = reader_peek(r)) >= 0 && !strchr(",]} \t\r\n", c))
        reader_getc(r);
}

/* The array's element `index` at the reader (after '[' or ','): 1 with *doc an object,
   0 with *doc NULL for an element that is no object (reported, skipped), -1 when the input
   cannot be read on (reported). `first` words errors for the first element, which stops
   everything. */
static int next_element(peval_input *in, peval_sink *sink, long long index, json_t **doc)
{
    peval_reader *r = &in->rd;
    const char *after = index == 0 ? "; nothing was evaluated" : "; the rest of the array is lost";
    *doc = NULL;
    int c = reader_skip_space(r);
    long long line = r->line, col = r->col;
    if (c == -2) {
        read_failed(in, r);
        return -1;
    }
    if (c == EOF) {
        log_user_error("%s:%lld:%lld: invalid JSON input: the array ends before its closing ']'%s",
                       in->label, line, col, after);
        return -1;
    }
    if (c == '{' || c == '[') {
        json_error_t err;
        long long at_line, at_col;
        json_t *value = reader_value(r, &err, &at_line, &at_col);
        if (!value) {
            if (r->error)
                read_failed(in, r);
            else
                log_user_error("%s:%lld:%lld: invalid JSON input: element %lld: %s%s", in->label,
                               at_line, at_col, index, err.text, after);
            return -1;
        }
        if (json_is_object(value)) {
            *doc = value;
            return 1;
        }
        json_decref(value);
    } else {
        skip_scalar(r);
    }
    if (index == 0) {
        log_user_error("%s:%lld:%lld: invalid JSON input: element 0 of the array is not a JSON "
                       "object; expected an array of objects; nothing was evaluated",
                       in->label, line, col);
        return -1;
    }
    peval_report_invalid(sink,
                         "%s:%lld:%lld: element %lld of the array is not a JSON object; it was "
                         "skipped",
                         in->label, line, col, index);
    return 0;
}

int peval_input_open(const char *path, peval_input **out)
{
    *out = NULL;
    peval_input *in = calloc(1, sizeof *in);
    if (!in) {
        log_user_error("out of memory opening --input %s", path);
        return -1;
    }
    in->label = path;
    in->fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    if (in->fd < 0) {
        log_user_error("--input %s: %s", path, strerror(errno));
        free(in);
        return -1;
    }
    struct stat st;
    if (fstat(in->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        log_user_error("--input %s: is a directory; pass a JSON or JSONL file ('-' for stdin)",
                       path);
        goto fail;
    }
    in->regular = in->fd != 0 && S_ISREG(st.st_mode);
    in->size = (long long)st.st_size;
    if (reader_init(&in->rd, in->fd, 0, 65536) != 0) {
        log_user_error("out of memory opening --input %s", path);
        goto fail;
    }
    peval_reader *r = &in->rd;
    /* a UTF-8 byte order mark some editors write */
    if (reader_peek(r) == 0xEF && r->len >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0)
        r->pos = 3;
    int c = reader_skip_space(r);
    if (c == -2) {
        read_failed(in, r);
        goto fail;
    }
    if (c == EOF) {
        log_user_error("--input %s: the input is empty: no documents; nothing was evaluated (for "
                       "an empty set of documents, pass an empty JSON array: [])",
                       path);
        goto fail;
    }
    if (c == '[') {
        reader_getc(r);
        in->mode = MODE_ARRAY;
        if (reader_skip_space(r) == ']') {
            reader_getc(r);
            *out = in;
            return 0;
        }
        if (next_element(in, NULL, 0, &in->first) != 1)
            goto fail;
    } else if (c == '{') {
        if (open_object(in) != 0)
            goto fail;
    } else {
        log_user_error(
            "%s:%lld:%lld: invalid JSON input: expected a JSON object, an array of "
            "objects, or JSONL (one object per line); the input starts with '%c'; nothing "
            "was evaluated",
            path, r->line, r->col, c >= 0x20 && c < 0x7f ? c : '?');
        goto fail;
    }
    *out = in;
    return 0;
fail:
    peval_input_close(in);
    return -1;
}

/* ---- judging ---- */

/* The fast parser's buffer for strings with escapes, one per thread. */
typedef struct peval_scratch {
    char *data;
    size_t cap;
} peval_scratch;

/* Judge one JSONL line (`number` in the file; `at_start`: it starts the file). Returns 0,
   or -1 when the output failed. */
static int judge_line(peval_worker *w, peval_sink *sink, const char *label, const char *text,
                      size_t len, long long number, bool at_start, peval_scratch *scratch)
{
    if (at_start && len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    }
    size_t indent = 0;
    while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t' || text[len - 1] == '\r'))
        len--;
    while (indent < len && (text[indent] == ' ' || text[indent] == '\t'))
        indent++;
    if (indent == len)
        return 0; /* blank lines are allowed anywhere */
    json_error_t err;
    json_t *doc = fwkx_json_parse_fast(text + indent, len - indent, &scratch->data, &scratch->cap);
    if (!doc)
        doc = json_loadb(text + indent, len - indent, PARSE_FLAGS, &err);
    if (!doc || !json_is_object(doc)) {
        if (doc)
            peval_report_invalid(sink,
                                 "%s:%lld:%zu: invalid JSONL input: expected a JSON object, got "
                                 "%s; the line was skipped",
                                 label, number, indent + 1, type_name(doc));
        else
            peval_report_invalid(sink, "%s:%lld:%zu: invalid JSONL input: %s; the line was skipped",
                                 label, number, indent + (size_t)(err.column > 0 ? err.column : 1),
                                 err.text);
        json_decref(doc);
        peval_count_invalid(w);
        return 0;
    }
    int rc = peval_judge(w, doc, (peval_where){.number = number});
    json_decref(doc);
    return rc;
}

static int run_jsonl_stream(peval_input *in, peval_worker *w, peval_sink *sink)
{
    peval_reader *r = &in->rd;
    long long number = r->line;
    bool at_start = r->offset + (long long)r->pos == 0;
    const char *line;
    size_t len;
    int rc;
    peval_scratch scratch = {0};
    while (!atomic_load(&sink->stop) && (rc = reader_line(r, &line, &len, true)) > 0) {
        if (judge_line(w, sink, in->label, line, len, number++, at_start, &scratch) != 0) {
            free(scratch.data);
            return -1;
        }
        at_start = false;
    }
    free(scratch.data);
    if (!atomic_load(&sink->stop) && rc < 0) {
        read_failed(in, r);
        return -1;
    }
    return 0;
}

static int run_array(peval_input *in, peval_worker *w, peval_sink *sink)
{
    peval_reader *r = &in->rd;
    if (!in->first)
        return 0; /* [] */
    json_t *doc = in->first;
    in->first = NULL;
    int rc = peval_judge(w, doc, (peval_where){.number = 0, .index = true});
    json_decref(doc);
    for (long long index = 1; rc == 0 && !atomic_load(&sink->stop); index++) {
        int c = reader_skip_space(r);
        if (c == ']') {
            reader_getc(r);
            c = reader_skip_space(r);
            if (c >= 0) {
                peval_report_invalid(sink,
                                     "%s:%lld:%lld: invalid JSON input: data after the array's "
                                     "closing ']'; it was ignored",
                                     in->label, r->line, r->col);
                peval_count_invalid(w);
            }
            break;
        }
        if (c == -2) {
            read_failed(in, r);
            return -1;
        }
        if (c != ',') {
            peval_report_invalid(sink,
                                 "%s:%lld:%lld: invalid JSON input: expected ',' or ']' after "
                                 "element %lld; the rest of the array is lost",
                                 in->label, r->line, r->col, index - 1);
            peval_count_invalid(w);
            break;
        }
        reader_getc(r);
        if (reader_skip_space(r) == ']') {
            peval_report_invalid(sink,
                                 "%s:%lld:%lld: invalid JSON input: a ',' before the closing "
                                 "']' (JSON allows no trailing comma)",
                                 in->label, r->line, r->col);
            peval_count_invalid(w);
            continue; /* the ']' ends the loop */
        }
        int got = next_element(in, sink, index, &doc);
        if (got < 0) {
            peval_count_invalid(w);
            break;
        }
        if (got == 0) {
            peval_count_invalid(w);
            continue;
        }
        rc = peval_judge(w, doc, (peval_where){.number = index, .index = true});
        json_decref(doc);
    }
    return rc;
}

/* ---- a regular JSONL file in byte ranges ---- */

typedef struct chunk_plan chunk_plan;

typedef struct chunk {
    chunk_plan *plan;
    size_t index;
    long long start, end; /* the lines that start in [start, end) */
    long long lo, hi;     /* the newlines this range counts: [lo, hi); the ranges tile the file */
    long long newlines;
    bool counted;
    long long base; /* the number of the line holding byte lo (known once every earlier
                       range is counted) */
} chunk;

struct chunk_plan {
    peval_input *in;
    const peval_engine *engines;
    bool *busy; /* engines in use */
    size_t engine_count;
    peval_sink *sink;
    chunk *chunks;
    size_t count;
    size_t based; /* chunks[0..based) know their base */
    pthread_mutex_t lock;
    pthread_cond_t changed;
    atomic_bool failed; /* OOM or a read error (said on stderr) */
};

/* Count the newlines in [lo, hi) of fd. 0, or -1 with errno. */
static int count_newlines(int fd, long long lo, long long hi, long long *count)
{
    enum {
        SIZE = 1 << 18
    };
    char *buf = malloc(SIZE);
    *count = 0;
    if (!buf) {
        errno = ENOMEM;
        return -1;
    }
    int rc = 0;
    while (lo < hi) {
        size_t want = hi - lo < SIZE ? (size_t)(hi - lo) : SIZE;
        ssize_t got = pread(fd, buf, want, (off_t)lo);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            if (got == 0)
                errno = ENODATA; /* the file shrank since it was planned */
            rc = -1;
            break;
        }
        for (const char *p = buf, *stop = buf + got; (p = memchr(p, '\n', (size_t)(stop - p))); p++)
            (*count)++;
        lo += got;
    }
    free(buf);
    return rc;
}

/* Publish a range's count and wait until its own base is known. Returns the base. */
static long long publish_and_wait(chunk *c)
{
    chunk_plan *plan = c->plan;
    pthread_mutex_lock(&plan->lock);
    c->counted = true;
    while (plan->based < plan->count && plan->chunks[plan->based - 1].counted) {
        chunk *prev = &plan->chunks[plan->based - 1];
        plan->chunks[plan->based].base = prev->base + prev->newlines;
        plan->based++;
    }
    pthread_cond_broadcast(&plan->changed);
    while (plan->based <= c->index)
        pthread_cond_wait(&plan->changed, &plan->lock);
    long long base = c->base;
    pthread_mutex_unlock(&plan->lock);
    return base;
}

/* An engine no other thread uses; back with release_engine. */
static size_t acquire_engine(chunk_plan *plan)
{
    pthread_mutex_lock(&plan->lock);
    for (;;) {
        for (size_t i = 0; i < plan->engine_count; i++) {
            if (!plan->busy[i]) {
                plan->busy[i] = true;
                pthread_mutex_unlock(&plan->lock);
                return i;
            }
        }
        pthread_cond_wait(&plan->changed, &plan->lock);
    }
}

static void release_engine(chunk_plan *plan, size_t i)
{
    pthread_mutex_lock(&plan->lock);
    plan->busy[i] = false;
    pthread_cond_broadcast(&plan->changed);
    pthread_mutex_unlock(&plan->lock);
}

static void chunk_fail(chunk *c, const char *what, int errnum)
{
    log_user_error("--input %s: %s bytes %lld-%lld: %s", c->plan->in->label, what, c->start, c->end,
                   strerror(errnum));
    atomic_store(&c->plan->failed, true);
    atomic_store(&c->plan->sink->stop, true);
}

static void chunk_run(void *arg)
{
    chunk *c = arg;
    chunk_plan *plan = c->plan;
    peval_sink *sink = plan->sink;
    const char *label = plan->in->label;
    int fd = open(label, O_RDONLY | O_CLOEXEC);
    int open_errno = errno;
    /* the count first, even when it fails: later ranges wait for it */
    if (fd >= 0 && c->index + 1 < plan->count &&
        count_newlines(fd, c->lo, c->hi, &c->newlines) != 0)
        chunk_fail(c, "cannot read", errno);
    if (fd < 0)
        chunk_fail(c, "cannot open to read", open_errno);
    long long number = publish_and_wait(c);
    if (fd < 0 || atomic_load(&sink->stop))
        goto out;
    peval_reader r;
    size_t engine = acquire_engine(plan);
    peval_worker *w = peval_worker_new(&plan->engines[engine], sink, label);
    if (!w || reader_init(&r, fd, c->lo, 1 << 18) != 0) {
        log_user_error("--input %s: out of memory judging bytes %lld-%lld", label, c->start,
                       c->end);
        atomic_store(&plan->failed, true);
        atomic_store(&sink->stop, true);
        peval_worker_free(w);
        release_engine(plan, engine);
        goto out;
    }
    const char *line;
    size_t len;
    int rc = 1;
    peval_scratch scratch = {0};
    if (lseek(fd, (off_t)c->lo, SEEK_SET) < 0) {
        chunk_fail(c, "cannot seek to read", errno);
        rc = 0;
    } else if (c->index > 0) {
        rc = reader_line(&r, &line, &len, true); /* the end of the previous range's line */
        number++;
    }
    while (rc > 0 && !atomic_load(&sink->stop)) {
        long long at = r.offset + (long long)r.pos;
        if (at >= c->end || (rc = reader_line(&r, &line, &len, true)) <= 0)
            break;
        if (judge_line(w, sink, label, line, len, number++, at == 0, &scratch) != 0)
            break;
    }
    free(scratch.data);
    if (rc < 0)
        chunk_fail(c, "cannot read", r.error);
    reader_free(&r);
    peval_worker_free(w);
    release_engine(plan, engine);
out:
    if (fd >= 0)
        close(fd);
}

/* The byte ranges: FAWKES_POLICY_EVAL_CHUNK_BYTES (for tests: small ranges on small files)
   or about 8 per worker, from 1 MiB to 16 MiB each. */
static long long chunk_bytes(long long size, int workers)
{
    const char *forced = getenv("FAWKES_POLICY_EVAL_CHUNK_BYTES");
    if (forced && *forced) {
        char *end;
        long long n = strtoll(forced, &end, 10);
        if (*end == '\0' && n > 0)
            return n;
    }
    if (workers <= 1)
        return size > 0 ? size : 1;
    long long n = size / (workers * 8LL);
    const long long min = 1LL << 20, max = 16LL << 20;
    return n < min ? min : n > max ? max : n;
}

static size_t chunk_count(const peval_input *in, long long step)
{
    size_t count = (size_t)((in->size + step - 1) / step);
    return count ? count : 1;
}

int peval_input_threads(const peval_input *in, int workers)
{
    if (in->mode != MODE_JSONL || !in->regular || workers <= 1)
        return 1;
    size_t count = chunk_count(in, chunk_bytes(in->size, workers));
    return count < (size_t)workers ? (int)count : workers;
}

static int run_chunks(peval_input *in, const peval_engine *engines, size_t engine_count,
                      peval_sink *sink)
{
    long long step = chunk_bytes(in->size, (int)engine_count);
    size_t count = chunk_count(in, step);
    chunk_plan plan = {.in = in,
                       .engines = engines,
                       .engine_count = engine_count,
                       .sink = sink,
                       .count = count,
                       .based = 1};
    plan.chunks = calloc(count, sizeof *plan.chunks);
    plan.busy = calloc(engine_count, sizeof *plan.busy);
    sched_job *jobs = calloc(count, sizeof *jobs);
    if (!plan.chunks || !plan.busy || !jobs) {
        free(plan.chunks);
        free(plan.busy);
        free(jobs);
        log_user_error("out of memory planning the reading of --input %s", in->label);
        return -1;
    }
    atomic_init(&plan.failed, false);
    pthread_mutex_init(&plan.lock, NULL);
    pthread_cond_init(&plan.changed, NULL);
    for (size_t i = 0; i < count; i++) {
        chunk *c = &plan.chunks[i];
        c->plan = &plan;
        c->index = i;
        c->start = (long long)i * step;
        c->end = i + 1 < count ? c->start + step : in->size;
        c->lo = i ? c->start - 1 : 0;
        c->hi = i + 1 < count ? c->end - 1 : in->size;
        jobs[i] = (sched_job){.owner = &plan, .owner_limit = 0, .fn = chunk_run, .arg = c};
    }
    plan.chunks[0].base = 1;
    sched_run(jobs, count, (int)engine_count);
    pthread_mutex_destroy(&plan.lock);
    pthread_cond_destroy(&plan.changed);
    free(plan.chunks);
    free(plan.busy);
    free(jobs);
    return atomic_load(&plan.failed) ? -1 : 0;
}

int peval_input_run(peval_input *in, const peval_engine *engines, size_t engine_count,
                    peval_sink *sink)
{
    if (in->mode == MODE_JSONL && in->regular)
        return run_chunks(in, engines, engine_count, sink);
    peval_worker *w = peval_worker_new(&engines[0], sink, in->label);
    if (!w) {
        log_user_error("out of memory judging --input %s", in->label);
        return -1;
    }
    if (!in->regular)
        in->rd.before_io = w; /* a pipe or terminal: write what was judged before waiting */
    int rc = 0;
    if (in->mode == MODE_JSONL) {
        rc = run_jsonl_stream(in, w, sink);
    } else if (in->mode == MODE_ARRAY) {
        rc = run_array(in, w, sink);
    } else {
        rc = peval_judge(w, in->first, (peval_where){.number = 0, .index = true});
    }
    in->rd.before_io = NULL;
    if (peval_worker_free(w) != 0)
        rc = -1;
    return rc;
}
