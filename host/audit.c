/* audit.c: the append-only, hash-chained, optionally signed audit log: configure, append. */
#include "audit.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit_internal.h"
#include "log.h"

/* The process's audit settings. Appends hold the read lock from start to end, so
   audit_configure (the write lock) never changes them under an append in flight. */
static pthread_rwlock_t settings_lock = PTHREAD_RWLOCK_INITIALIZER;
static char *log_path;         /* security.audit_log, or NULL */
static audit_key *signing_key; /* security.audit_signing_key, or NULL */
static char *approve_token;    /* --approve */
static char *forward_spec;     /* security.audit_forward, or NULL */

/* Register the PEM text and each of its lines as secrets: a line quoted alone is redacted
   too. */
static void register_key_secret(const char *pem)
{
    log_add_secret(pem);
    const char *p = pem;
    while (*p) {
        size_t len = strcspn(p, "\r\n");
        if (len >= 16 && strncmp(p, "-----", 5) != 0) {
            char *line = strndup(p, len);
            if (line)
                log_add_secret(line);
            free(line);
        }
        p += len;
        p += strspn(p, "\r\n");
    }
}

static char *dup_or_null(const char *text, bool *failed)
{
    char *copy = text ? strdup(text) : NULL;
    if (text && !copy)
        *failed = true;
    return copy;
}

int audit_configure(const config *cfg, const char *approve, diag *err)
{
    audit_key *key = NULL;
    if (cfg->audit_signing_key) {
        register_key_secret(cfg->audit_signing_key);
        key = audit_key_from_private_pem(cfg->audit_signing_key, err);
        if (!key)
            return -1;
    }
    bool failed = false;
    char *path = dup_or_null(cfg->audit_log, &failed);
    char *token = dup_or_null(approve, &failed);
    char *spec = dup_or_null(cfg->audit_forward, &failed);
    if (failed) {
        diag_set(err, "security.audit_log: out of memory");
        goto fail;
    }
    pthread_rwlock_wrlock(&settings_lock);
    if (audit_forward_open(spec, err) != 0) {
        diag ignored = {{0}};
        audit_forward_open(forward_spec, &ignored); /* keep the old forward */
        pthread_rwlock_unlock(&settings_lock);
        goto fail;
    }
    audit_key *old_key = signing_key;
    char *old_path = log_path, *old_token = approve_token, *old_spec = forward_spec;
    signing_key = key;
    log_path = path;
    approve_token = token;
    forward_spec = spec;
    pthread_rwlock_unlock(&settings_lock);
    audit_key_free(old_key);
    free(old_path);
    free(old_token);
    free(old_spec);
    return 0;
fail:
    audit_key_free(key);
    free(path);
    free(token);
    free(spec);
    return -1;
}

void audit_shutdown(void)
{
    pthread_rwlock_wrlock(&settings_lock);
    audit_key_free(signing_key);
    signing_key = NULL;
    audit_forward_close();
    free(log_path);
    log_path = NULL;
    free(approve_token);
    approve_token = NULL;
    free(forward_spec);
    forward_spec = NULL;
    pthread_rwlock_unlock(&settings_lock);
}

bool audit_enabled(void)
{
    pthread_rwlock_rdlock(&settings_lock);
    bool enabled = log_path != NULL;
    pthread_rwlock_unlock(&settings_lock);
    return enabled;
}

const audit_key *audit_key_configured(void)
{
    return signing_key;
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

/* PATH.head: {"seq", "hash"[, "key_id", "sig"]}, written to a temporary file and renamed. */
static int write_head(const char *path, json_int_t seq, const char *hash)
{
    json_t *head = json_pack("{s:I, s:s}", "seq", seq, "hash", hash);
    if (head && signing_key) {
        char message[160];
        audit_head_message(seq, hash, message, sizeof message);
        char *sig = audit_sign(signing_key, message);
        if (!sig) {
            json_decref(head);
            errno = ENOMEM;
            return -1;
        }
        json_object_set_new(head, "key_id", json_string(signing_key->id));
        json_object_set_new(head, "sig", json_string(sig));
        free(sig);
    }
    char *text = head ? json_dumps(head, AUDIT_DUMP_FLAGS) : NULL;
    json_decref(head);
    size_t len = strlen(path) + 16;
    char *head_path = malloc(len), *tmp = malloc(len + 8);
    int rc = -1;
    if (text && head_path && tmp) {
        snprintf(head_path, len, "%s.head", path);
        snprintf(tmp, len + 8, "%s.head.tmp", path);
        FILE *f = fopen(tmp, "w");
        if (f) {
            fprintf(f, "%s\n", text);
            if (fflush(f) == 0 && fsync(fileno(f)) == 0 && fclose(f) == 0)
                rc = rename(tmp, head_path);
            else
                fclose(f);
        }
    }
    free(text);
    free(head_path);
    free(tmp);
    return rc;
}

static bool ends_with(const char *text, const char *suffix)
{
    size_t n = strlen(text), m = strlen(suffix);
    return n >= m && strcmp(text + n - m, suffix) == 0;
}

/* actor, and approver when this entry records an approval. */
static void add_who(json_t *entry)
{
    json_t *actor = audit_actor();
    if (!actor)
        return;
    const char *event = json_string_value(json_object_get(entry, "event"));
    const char *token = json_string_value(json_object_get(entry, "token"));
    bool approval = (event && ends_with(event, ".approved")) ||
                    (approve_token && token && strcmp(token, approve_token) == 0 &&
                     !(event && ends_with(event, ".planned"))); /* planning approves nothing */
    if (approval && !json_object_get(entry, "approver"))
        json_object_set(entry, "approver", actor);
    json_object_set_new(entry, "actor", actor);
}

/* Fill seq/time/actor/prev/key_id/hash/sig into `entry` after `prev_line` (NULL: first). */
static int seal(json_t *entry, const char *prev_line, const char *path, diag *err)
{
    json_int_t seq = 1;
    char prev[65] = AUDIT_ZERO_HASH;
    if (prev_line) {
        json_t *last = json_loads(prev_line, 0, NULL);
        json_int_t last_seq = json_integer_value(json_object_get(last, "seq"));
        json_decref(last);
        if (last_seq <= 0) {
            diag_set(err,
                     "%s: the last line is not an audit entry; run `fawkes audit verify` "
                     "and move the damaged file aside",
                     path);
            return -1;
        }
        seq = last_seq + 1;
        audit_sha256_hex(prev_line, strlen(prev_line), prev);
    }
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    add_who(entry);
    json_object_del(entry, "sig");
    json_object_del(entry, "key_id");
    char hash[65];
    if (json_object_set_new(entry, "seq", json_integer(seq)) ||
        json_object_set_new(entry, "time", json_string(when)) ||
        json_object_set_new(entry, "prev", json_string(prev)) ||
        (signing_key && json_object_set_new(entry, "key_id", json_string(signing_key->id))) ||
        audit_entry_hash(entry, hash) || json_object_set_new(entry, "hash", json_string(hash))) {
        diag_set(err, "%s: out of memory", path);
        return -1;
    }
    if (signing_key) {
        char message[128];
        snprintf(message, sizeof message, AUDIT_ENTRY_DOMAIN "%s", hash);
        char *sig = audit_sign(signing_key, message);
        if (!sig || json_object_set_new(entry, "sig", json_string(sig))) {
            free(sig);
            diag_set(err, "%s: cannot sign the entry (OpenSSL)", path);
            return -1;
        }
        free(sig);
    }
    return 0;
}

/* audit_append's work; the caller holds the settings' read lock. */
static int append_locked(const char *path, json_t *entry, diag *err)
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
    if (seal(entry, prev_line, path, err) != 0)
        goto done;
    if (!(text = json_dumps(entry, AUDIT_DUMP_FLAGS))) {
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
    audit_sha256_hex(text, len, line_hash);
    if (write_head(path, json_integer_value(json_object_get(entry, "seq")), line_hash) != 0) {
        diag_set(err, "%s.head: cannot write the audit log's head: %s", path, strerror(errno));
        goto done;
    }
    diag ferr = {{0}};
    if (audit_forward_send(text, &ferr) != 0) /* still under the lock: the copies keep order */
        log_msg(FWK_LOG_WARN, "audit", "%s (the entry is in %s)", ferr.text, path);
    rc = 0;
done:
    free(prev_line);
    free(text);
    json_decref(entry);
    close(fd); /* releases the lock */
    return rc;
}

int audit_append(const char *path, json_t *entry, diag *err)
{
    pthread_rwlock_rdlock(&settings_lock);
    int rc = append_locked(path, entry, err);
    pthread_rwlock_unlock(&settings_lock);
    return rc;
}

int audit_record(json_t *entry, diag *err)
{
    pthread_rwlock_rdlock(&settings_lock);
    int rc = 0;
    if (log_path)
        rc = append_locked(log_path, entry, err);
    else
        json_decref(entry);
    pthread_rwlock_unlock(&settings_lock);
    return rc;
}
