/* sorter.c: an external merge sort of (key, record) pairs: batches sorted in memory, written
   as runs to one unlinked temporary file, merged back through a heap of run readers. */
#include "sorter.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spill.h"

/* A record in a batch: its key then its data, at `off` in the batch's arena. */
typedef struct entry {
    size_t off;
    const char *key; /* set before sorting */
    uint32_t key_len, data_len;
    uint64_t seq;
    bool has_key;
} entry;

typedef struct batch {
    char *arena;
    size_t used, cap;
    entry *items;
    size_t count, items_cap;
    char *out; /* WRITE_BUFFER bytes to write the run through, or NULL */
} batch;

/* A record in a run: this header, then the key and the data. */
typedef struct run_head {
    uint32_t key_len; /* + 1; 0 for a NULL key */
    uint32_t data_len;
    uint64_t seq;
} run_head;

typedef struct run_span {
    off_t start, end;
} run_span;

/* Reads one run through a buffer; `cur` is the record it is at. */
typedef struct run_reader {
    int fd;
    bool started;
    off_t pos, end; /* the file's bytes not yet in buf */
    char *buf;
    size_t cap, len, at; /* buffer size, bytes in it, offset of cur's header */
    entry cur;           /* key points into buf; off is the data's offset in buf */
} run_reader;

#define READ_BUFFER ((size_t)16 << 10)
#define WRITE_BUFFER ((size_t)1 << 20)

struct sorter {
    pthread_mutex_t lock; /* guards everything below while adding */
    batch cur;
    batch spare; /* a written batch's memory, for the next one (no allocation churn) */
    uint64_t next_seq;
    size_t count;
    char dir[PATH_MAX];
    int fd;         /* the temporary file, or -1 until the first run */
    off_t file_end; /* bytes reserved for runs */
    run_span *runs;
    size_t run_count, run_cap;
    char *failed; /* the first failure, repeated to every later call */

    /* reading */
    bool reading;
    size_t mem_pos; /* no runs: the next item of cur */
    run_reader *readers;
    size_t *heap, heap_len;
    size_t pending; /* reader whose record was returned last: advance it first */
    bool have_pending;
};

int sorter_open(sorter **out, diag *err)
{
    *out = NULL;
    sorter *s = calloc(1, sizeof *s);
    if (!s) {
        diag_set(err, "out of memory");
        return -1;
    }
    s->fd = -1;
    if (!spill_tmp_dir(s->dir, sizeof s->dir, err)) {
        free(s);
        return -1;
    }
    pthread_mutex_init(&s->lock, NULL);
    *out = s;
    return 0;
}

static void batch_free(batch *b)
{
    free(b->arena);
    free(b->items);
    free(b->out);
    memset(b, 0, sizeof *b);
}

void sorter_close(sorter *s)
{
    if (!s)
        return;
    batch_free(&s->cur);
    batch_free(&s->spare);
    if (s->fd >= 0)
        close(s->fd);
    if (s->readers)
        for (size_t i = 0; i < s->run_count; i++)
            free(s->readers[i].buf);
    free(s->readers);
    free(s->heap);
    free(s->runs);
    free(s->failed);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

size_t sorter_count(sorter *s)
{
    pthread_mutex_lock(&s->lock);
    size_t n = s->count;
    pthread_mutex_unlock(&s->lock);
    return n;
}

/* Note the first failure (lock held). */
static void fail_locked(sorter *s, const char *what)
{
    if (!s->failed &&
        asprintf(&s->failed,
                 "temporary sort file in %s: %s; free space there, or point TMPDIR at a "
                 "directory with room for the run's records",
                 s->dir, what) < 0)
        s->failed = strdup("out of memory");
}

static int compare_entries(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    if (x->has_key != y->has_key)
        return x->has_key ? 1 : -1;
    if (x->has_key) {
        size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
        int cmp = memcmp(x->key, y->key, n);
        if (cmp != 0)
            return cmp;
        if (x->key_len != y->key_len)
            return x->key_len < y->key_len ? -1 : 1;
    }
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void batch_sort(batch *b)
{
    if (b->count == 0)
        return; /* items may be NULL */
    for (size_t i = 0; i < b->count; i++)
        b->items[i].key = b->arena + b->items[i].off;
    qsort(b->items, b->count, sizeof *b->items, compare_entries);
}

/* The bytes `b` takes as a run. */
static size_t run_size(const batch *b)
{
    return b->used + b->count * sizeof(run_head);
}

static int write_all(int fd, const char *data, size_t len, off_t at)
{
    while (len > 0) {
        ssize_t n = pwrite(fd, data, len, at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        data += n;
        len -= (size_t)n;
        at += n;
    }
    return 0;
}

/* Sort `b` and write it at `at` (the room reserved for it). 0 or -1 (errno). */
static int write_run(int fd, batch *b, off_t at)
{
    batch_sort(b);
    if (!b->out)
        b->out = malloc(WRITE_BUFFER);
    char *buf = b->out;
    if (!buf)
        return -1;
    size_t used = 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < b->count; i++) {
        const entry *e = &b->items[i];
        run_head head = {e->has_key ? e->key_len + 1 : 0, e->data_len, e->seq};
        const char *parts[3] = {(const char *)&head, e->key, e->key + e->key_len};
        size_t sizes[3] = {sizeof head, e->key_len, e->data_len};
        for (int p = 0; rc == 0 && p < 3; p++) {
            if (used + sizes[p] > WRITE_BUFFER) {
                rc = write_all(fd, buf, used, at);
                at += (off_t)used;
                used = 0;
            }
            if (rc == 0 && sizes[p] > WRITE_BUFFER) {
                rc = write_all(fd, parts[p], sizes[p], at);
                at += (off_t)sizes[p];
            } else if (rc == 0) {
                memcpy(buf + used, parts[p], sizes[p]);
                used += sizes[p];
            }
        }
    }
    if (rc == 0 && used > 0)
        rc = write_all(fd, buf, used, at);
    return rc;
}

/* Make the temporary file (lock held). 0 or -1. */
static int make_file_locked(sorter *s)
{
    if (s->fd >= 0)
        return 0;
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/fawkes-sort-XXXXXX", s->dir);
    s->fd = mkstemp(path);
    if (s->fd < 0)
        return -1;
    unlink(path); /* gone when the process ends, however it ends */
    return 0;
}

/* Take the batch and reserve its room in the file (lock held). 0, or -1 (failure noted). */
static int take_batch_locked(sorter *s, batch *out, off_t *at)
{
    if (make_file_locked(s) != 0) {
        fail_locked(s, strerror(errno));
        return -1;
    }
    if (s->run_count == s->run_cap) {
        size_t more = s->run_cap ? s->run_cap * 2 : 16;
        run_span *grown = realloc(s->runs, more * sizeof *grown);
        if (!grown) {
            fail_locked(s, "out of memory");
            return -1;
        }
        s->runs = grown;
        s->run_cap = more;
    }
    *out = s->cur;
    s->cur = s->spare; /* emptied when it was put back */
    memset(&s->spare, 0, sizeof s->spare);
    *at = s->file_end;
    s->file_end += (off_t)run_size(out);
    s->runs[s->run_count++] = (run_span){*at, s->file_end};
    return 0;
}

static int grow(void **items, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t more = *cap ? *cap : 1024;
    while (more < need)
        more *= 2;
    if (size == 1)
        more = need; /* the arena: exactly what was asked */
    void *grown = realloc(*items, more * size);
    if (!grown)
        return -1;
    *items = grown;
    *cap = more;
    return 0;
}

int sorter_add(sorter *s, const char *key, const char *data, size_t len, diag *err)
{
    size_t key_len = key ? strlen(key) : 0;
    pthread_mutex_lock(&s->lock);
    if (!s->failed && (s->reading || len > UINT32_MAX || key_len >= UINT32_MAX))
        fail_locked(s, s->reading ? "a record was added after reading began"
                                  : "a record is larger than 4 GiB");
    if (s->failed) {
        diag_set(err, "%s", s->failed);
        pthread_mutex_unlock(&s->lock);
        return -1;
    }
    batch *b = &s->cur;
    /* the arena gets the whole budget at once (no doubling past it); only a record larger
       than the room left makes it grow */
    size_t need = b->used + key_len + len;
    if (need > b->cap && need <= SORTER_MEMORY + (SORTER_MEMORY >> 4))
        need = SORTER_MEMORY + (SORTER_MEMORY >> 4);
    if (grow((void **)&b->arena, &b->cap, need, 1) != 0 ||
        grow((void **)&b->items, &b->items_cap, b->count + 1, sizeof *b->items) != 0) {
        fail_locked(s, "out of memory");
        diag_set(err, "%s", s->failed);
        pthread_mutex_unlock(&s->lock);
        return -1;
    }
    b->items[b->count++] = (entry){.off = b->used,
                                   .key_len = (uint32_t)key_len,
                                   .data_len = (uint32_t)len,
                                   .seq = s->next_seq++,
                                   .has_key = key != NULL};
    memcpy(b->arena + b->used, key ? key : "", key_len);
    memcpy(b->arena + b->used + key_len, data, len);
    b->used += key_len + len;
    s->count++;
    batch full = {0};
    off_t at = 0;
    bool take = b->used >= SORTER_MEMORY && take_batch_locked(s, &full, &at) == 0;
    int rc = s->failed ? -1 : 0;
    if (rc != 0)
        diag_set(err, "%s", s->failed);
    pthread_mutex_unlock(&s->lock);
    if (take) {
        /* sorted and written outside the lock: the others keep adding */
        int written = write_run(s->fd, &full, at);
        char why[256];
        snprintf(why, sizeof why, "writing failed: %s", strerror(errno));
        pthread_mutex_lock(&s->lock);
        if (written != 0) {
            fail_locked(s, why);
            diag_set(err, "%s", s->failed);
            rc = -1;
        }
        /* its memory serves the next batch */
        full.used = full.count = 0;
        if (!s->spare.arena && !s->spare.items)
            s->spare = full;
        else
            batch_free(&full);
        pthread_mutex_unlock(&s->lock);
    }
    return rc;
}

/* Make the `need` bytes from r->at present in r's buffer. 0, or -1 (errno). */
static int reader_fill(run_reader *r, size_t need)
{
    if (r->len - r->at >= need)
        return 0;
    /* keep the unread part, moved to the front */
    memmove(r->buf, r->buf + r->at, r->len - r->at);
    r->len -= r->at;
    r->at = 0;
    if (need > r->cap) {
        size_t cap = r->cap;
        while (cap < need)
            cap *= 2;
        char *grown = realloc(r->buf, cap);
        if (!grown)
            return -1;
        r->buf = grown;
        r->cap = cap;
    }
    while (r->len < need) {
        size_t want = r->cap - r->len;
        if ((off_t)want > r->end - r->pos)
            want = (size_t)(r->end - r->pos);
        if (want == 0) {
            errno = EIO; /* the run ends inside a record */
            return -1;
        }
        ssize_t n = pread(r->fd, r->buf + r->len, want, r->pos);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return -1;
        }
        r->len += (size_t)n;
        r->pos += n;
    }
    return 0;
}

/* Step r to its next record: 1, 0 at the run's end, -1 on a read error (errno). */
static int reader_next(run_reader *r)
{
    if (r->started)
        r->at += sizeof(run_head) + r->cur.key_len + r->cur.data_len;
    r->started = true;
    if (r->at == r->len && r->pos == r->end)
        return 0;
    run_head head;
    if (reader_fill(r, sizeof head) != 0)
        return -1;
    memcpy(&head, r->buf + r->at, sizeof head);
    size_t key_len = head.key_len ? head.key_len - 1 : 0;
    if (reader_fill(r, sizeof head + key_len + head.data_len) != 0)
        return -1;
    r->cur = (entry){.key = r->buf + r->at + sizeof head,
                     .off = r->at + sizeof head + key_len,
                     .key_len = (uint32_t)key_len,
                     .data_len = head.data_len,
                     .seq = head.seq,
                     .has_key = head.key_len != 0};
    return 1;
}

static bool heap_less(const sorter *s, size_t a, size_t b)
{
    return compare_entries(&s->readers[a].cur, &s->readers[b].cur) < 0;
}

static void heap_down(sorter *s, size_t i)
{
    for (;;) {
        size_t least = i, l = 2 * i + 1, r = l + 1;
        if (l < s->heap_len && heap_less(s, s->heap[l], s->heap[least]))
            least = l;
        if (r < s->heap_len && heap_less(s, s->heap[r], s->heap[least]))
            least = r;
        if (least == i)
            return;
        size_t t = s->heap[i];
        s->heap[i] = s->heap[least];
        s->heap[least] = t;
        i = least;
    }
}

static const char *read_failed(sorter *s, diag *err)
{
    if (!s->failed)
        fail_locked(s, errno == ENOMEM ? "out of memory" : "reading it back failed");
    diag_set(err, "%s", s->failed);
    return NULL;
}

/* Start reading: the batch left in memory is sorted, and written as the last run when
   runs exist; a reader per run, in a heap. 0 or -1 (failure noted). */
static int start_reading(sorter *s)
{
    s->reading = true;
    if (s->run_count == 0) {
        batch_sort(&s->cur);
        return 0;
    }
    if (s->cur.count > 0) {
        batch last = {0};
        off_t at = 0;
        if (take_batch_locked(s, &last, &at) != 0)
            return -1;
        int rc = write_run(s->fd, &last, at);
        batch_free(&last);
        if (rc != 0) {
            char why[256];
            snprintf(why, sizeof why, "writing failed: %s", strerror(errno));
            fail_locked(s, why);
            return -1;
        }
    }
    s->readers = calloc(s->run_count, sizeof *s->readers);
    s->heap = calloc(s->run_count, sizeof *s->heap);
    if (!s->readers || !s->heap) {
        fail_locked(s, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < s->run_count; i++) {
        run_reader *r = &s->readers[i];
        r->fd = s->fd;
        r->pos = s->runs[i].start;
        r->end = s->runs[i].end;
        r->cap = READ_BUFFER;
        r->buf = malloc(r->cap);
        if (!r->buf) {
            fail_locked(s, "out of memory");
            return -1;
        }
        int got = reader_next(r);
        if (got < 0)
            return -1;
        if (got == 1)
            s->heap[s->heap_len++] = i;
    }
    for (size_t i = s->heap_len; i-- > 0;)
        heap_down(s, i);
    return 0;
}

const char *sorter_next(sorter *s, size_t *len, diag *err)
{
    if (s->failed) {
        diag_set(err, "%s", s->failed);
        return NULL;
    }
    if (!s->reading && start_reading(s) != 0)
        return read_failed(s, err);
    if (s->run_count == 0) {
        if (s->mem_pos == s->cur.count)
            return NULL;
        const entry *e = &s->cur.items[s->mem_pos++];
        *len = e->data_len;
        return e->key + e->key_len;
    }
    if (s->have_pending) {
        /* the record returned last is no longer needed: step its run */
        s->have_pending = false;
        int got = reader_next(&s->readers[s->pending]);
        if (got < 0)
            return read_failed(s, err);
        if (got == 0)
            s->heap[0] = s->heap[--s->heap_len];
        if (s->heap_len > 0)
            heap_down(s, 0);
    }
    if (s->heap_len == 0)
        return NULL;
    run_reader *r = &s->readers[s->heap[0]];
    s->pending = s->heap[0];
    s->have_pending = true;
    *len = r->cur.data_len;
    return r->buf + r->cur.off;
}
