/* audit.c: the append-only, hash-chained audit log. */
#include "audit.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "log.h"

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"
#define DUMP_FLAGS (JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII)

static void sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(data, len, digest, &n, EVP_sha256(), NULL);
    for (unsigned int i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

/* The hash an entry should carry: over the object without "hash". */
static int entry_hash(const json_t *entry, char out[65])
{
    json_t *copy = json_copy((json_t *)entry);
    if (!copy)
        return -1;
    json_object_del(copy, "hash");
    char *text = json_dumps(copy, DUMP_FLAGS);
    json_decref(copy);
    if (!text)
        return -1;
    sha256_hex(text, strlen(text), out);
    free(text);
    return 0;
}

/* Read the last line of an open file into a new string (without its newline); NULL when
   the file is empty. *failed is set on a read error. */
static char *last_line(int fd, int *failed)
{
    *failed = 0;
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        *failed = 1;
        return NULL;
    }
    off_t end = sb.st_size;
    if (end == 0)
        return NULL;
    size_t cap = 4096;
    for (;;) {
        size_t want = (size_t)end < cap ? (size_t)end : cap;
        char *buf = malloc(want + 1);
        if (!buf || pread(fd, buf, want, end - (off_t)want) != (ssize_t)want) {
            free(buf);
            *failed = 1;
            return NULL;
        }
        buf[want] = '\0';
        size_t stop = want;
        if (stop > 0 && buf[stop - 1] == '\n')
            stop--;
        size_t start = stop;
        while (start > 0 && buf[start - 1] != '\n')
            start--;
        if (start > 0 || want == (size_t)end) {
            char *line = strndup(buf + start, stop - start);
            free(buf);
            if (!line)
                *failed = 1;
            return line;
        }
        free(buf);
        cap *= 4; /* a line longer than the window: read more */
    }
}

static int write_head(const char *path, json_int_t seq, const char *hash)
{
    size_t len = strlen(path) + 16;
    char *head = malloc(len), *tmp = malloc(len + 8);
    int rc = -1;
    if (head && tmp) {
        snprintf(head, len, "%s.head", path);
        snprintf(tmp, len + 8, "%s.head.tmp", path);
        FILE *f = fopen(tmp, "w");
        if (f) {
            fprintf(f, "{\"seq\": %" JSON_INTEGER_FORMAT ", \"hash\": \"%s\"}\n", seq, hash);
            if (fflush(f) == 0 && fsync(fileno(f)) == 0 && fclose(f) == 0)
                rc = rename(tmp, head);
            else
                fclose(f);
        }
    }
    free(head);
    free(tmp);
    return rc;
}

int audit_append(const char *path, json_t *entry, diag *err)
{
    if (!json_is_object(entry)) {
        json_decref(entry);
        diag_set(err, "%s: an audit entry must be a JSON object", path);
        return -1;
    }
    log_redact_json(entry);
    int fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
        diag_set(err, "%s: cannot open the audit log: %s; check security.audit_log", path,
                 strerror(errno));
        json_decref(entry);
        return -1;
    }
    int rc = -1;
    char *prev_line = NULL, *text = NULL;
    if (flock(fd, LOCK_EX) != 0) {
        diag_set(err, "%s: cannot lock the audit log: %s", path, strerror(errno));
        goto done;
    }
    int failed;
    prev_line = last_line(fd, &failed);
    if (failed) {
        diag_set(err, "%s: cannot read the audit log's last line: %s", path, strerror(errno));
        goto done;
    }
    json_int_t seq = 1;
    char prev[65] = ZERO_HASH;
    if (prev_line) {
        json_t *last = json_loads(prev_line, 0, NULL);
        json_int_t last_seq = json_integer_value(json_object_get(last, "seq"));
        json_decref(last);
        if (last_seq <= 0) {
            diag_set(err,
                     "%s: the last line is not an audit entry; run `fawkes audit verify` "
                     "and move the damaged file aside",
                     path);
            goto done;
        }
        seq = last_seq + 1;
        sha256_hex(prev_line, strlen(prev_line), prev);
    }
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char hash[65];
    if (json_object_set_new(entry, "seq", json_integer(seq)) ||
        json_object_set_new(entry, "time", json_string(when)) ||
        json_object_set_new(entry, "prev", json_string(prev)) || entry_hash(entry, hash) ||
        json_object_set_new(entry, "hash", json_string(hash)) ||
        !(text = json_dumps(entry, DUMP_FLAGS))) {
        diag_set(err, "%s: out of memory", path);
        goto done;
    }
    size_t len = strlen(text);
    text[len] = '\n'; /* json_dumps's terminator becomes the newline; written by length */
    ssize_t wrote = write(fd, text, len + 1);
    if (wrote != (ssize_t)(len + 1) || fsync(fd) != 0) {
        diag_set(err, "%s: cannot write the audit log: %s", path,
                 wrote < 0 ? strerror(errno) : "short write (disk full?)");
        goto done;
    }
    text[len] = '\0';
    char line_hash[65];
    sha256_hex(text, len, line_hash);
    if (write_head(path, seq, line_hash) != 0) {
        diag_set(err, "%s.head: cannot write the audit log's head: %s", path, strerror(errno));
        goto done;
    }
    rc = 0;
done:
    free(prev_line);
    free(text);
    json_decref(entry);
    close(fd); /* releases the lock */
    return rc;
}

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

/* Check one line against the chain so far; updates prev/seq. */
static void verify_line(json_t *problems, size_t lineno, const char *line, char prev[65],
                        json_int_t *seq)
{
    json_error_t jerr;
    json_t *entry = json_loads(line, 0, &jerr);
    if (!json_is_object(entry)) {
        problem(problems, lineno, "not a JSON object (%s): the line was edited or truncated",
                jerr.text);
    } else {
        json_int_t got_seq = json_integer_value(json_object_get(entry, "seq"));
        const char *got_prev = json_string_value(json_object_get(entry, "prev"));
        const char *got_hash = json_string_value(json_object_get(entry, "hash"));
        char want_hash[65];
        if (got_seq != *seq + 1)
            problem(problems, lineno,
                    "seq is %" JSON_INTEGER_FORMAT ", expected %" JSON_INTEGER_FORMAT
                    ": entries were deleted or reordered",
                    got_seq, *seq + 1);
        if (!got_prev || strcmp(got_prev, prev) != 0)
            problem(problems, lineno,
                    "prev does not match the SHA-256 of line %zu: the line "
                    "before was edited, deleted or moved",
                    lineno - 1);
        if (!got_hash || entry_hash(entry, want_hash) != 0 || strcmp(got_hash, want_hash) != 0)
            problem(problems, lineno,
                    "hash does not match the entry's content: this line was "
                    "edited");
        if (got_seq > 0)
            *seq = got_seq;
        else
            (*seq)++;
    }
    json_decref(entry);
    sha256_hex(line, strlen(line), prev);
}

int audit_verify(const char *path, json_t **report, diag *err)
{
    *report = NULL;
    FILE *f = fopen(path, "r");
    if (!f) {
        diag_set(err, "%s: cannot read the audit log: %s", path, strerror(errno));
        return -1;
    }
    json_t *problems = json_array();
    char prev[65] = ZERO_HASH;
    json_int_t seq = 0;
    size_t lineno = 0, entries = 0, cap = 0;
    char *line = NULL;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        lineno++;
        if (line[n - 1] != '\n')
            problem(problems, lineno, "the last line has no newline: it was cut short");
        else
            line[--n] = '\0';
        entries++;
        verify_line(problems, lineno, line, prev, &seq);
    }
    free(line);
    fclose(f);

    size_t hlen = strlen(path) + 8;
    char *head_path = malloc(hlen);
    if (head_path) {
        snprintf(head_path, hlen, "%s.head", path);
        json_t *head = json_load_file(head_path, 0, NULL);
        if (!head) {
            if (entries > 0)
                problem(problems, 0,
                        "%s is missing: cannot tell whether lines were deleted at "
                        "the end",
                        head_path);
        } else {
            json_int_t head_seq = json_integer_value(json_object_get(head, "seq"));
            const char *head_hash = json_string_value(json_object_get(head, "hash"));
            if (head_seq != seq || !head_hash || strcmp(head_hash, prev) != 0)
                problem(problems, lineno,
                        "the log ends at seq %" JSON_INTEGER_FORMAT
                        " but its head records seq %" JSON_INTEGER_FORMAT
                        ": lines at the end were deleted or edited",
                        seq, head_seq);
            json_decref(head);
        }
        free(head_path);
    }
    bool ok = json_array_size(problems) == 0;
    *report = json_pack("{s:s, s:I, s:b, s:o}", "path", path, "entries", (json_int_t)entries, "ok",
                        ok, "problems", problems);
    return ok ? 0 : 1;
}
