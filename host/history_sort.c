/* history_sort.c: a run's fail and error keys sorted on disk: sorted runs stored as blobs in
   the temporary database, merged back in order. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "history_internal.h"

/* Records a run reader holds at once (48 KiB). */
#define READ_RECORDS 2048

/* The key's first or second 8 bytes as a number that orders as memcmp orders the bytes. */
static inline uint64_t key_half(const uint8_t *key, int half)
{
    uint64_t v;
    memcpy(&v, key + 8 * half, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

/* By key (as memcmp orders them), then page. */
static inline int compare_recs(const hsort_rec *x, const hsort_rec *y)
{
    uint64_t a = key_half(x->key, 0), b = key_half(y->key, 0);
    if (a == b) {
        a = key_half(x->key, 1);
        b = key_half(y->key, 1);
    }
    if (a != b)
        return a < b ? -1 : 1;
    return x->page < y->page ? -1 : x->page > y->page;
}

static int compare_recs_qsort(const void *a, const void *b)
{
    return compare_recs(a, b);
}

int hsort_write_run(sqlite3_stmt *insert, hsort_rec *recs, size_t count)
{
    if (count == 0)
        return 0;
    qsort(recs, count, sizeof *recs, compare_recs_qsort);
    sqlite3_reset(insert);
    sqlite3_bind_blob64(insert, 1, recs, count * sizeof *recs, SQLITE_STATIC);
    int rc = sqlite3_step(insert) == SQLITE_DONE ? 0 : -1;
    sqlite3_clear_bindings(insert);
    return rc;
}

typedef struct run_reader {
    sqlite3_blob *blob;
    size_t total, read; /* records in the run, records read from it */
    hsort_rec buf[READ_RECORDS];
    size_t pos, len; /* next record in buf, records in buf */
} run_reader;

/* The runs with records left, as a binary heap on their next record (the least on top):
   a record costs log2(runs) comparisons, not one per run. */
struct hsort_merge {
    run_reader *runs;
    size_t count;
    run_reader **heap;
    size_t heap_len;
    bool heaped; /* the heap is built (at the first record asked for) */
};

void hsort_merge_close(hsort_merge *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->count; i++)
        sqlite3_blob_close(m->runs[i].blob);
    free(m->runs);
    free(m->heap);
    free(m);
}

int hsort_merge_open(sqlite3 *db, hsort_merge **out)
{
    *out = NULL;
    hsort_merge *m = calloc(1, sizeof *m);
    sqlite3_stmt *stmt = NULL;
    if (!m || sqlite3_prepare_v2(db, "SELECT run FROM history_tmp.keyruns ORDER BY run", -1, &stmt,
                                 NULL) != SQLITE_OK) {
        free(m);
        return -1;
    }
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (m->count == cap) {
            size_t more = cap ? cap * 2 : 8;
            run_reader *grown = realloc(m->runs, more * sizeof *grown);
            if (!grown)
                break;
            m->runs = grown;
            cap = more;
        }
        run_reader *r = &m->runs[m->count];
        memset(r, 0, sizeof *r);
        if (sqlite3_blob_open(db, "history_tmp", "keyruns", "body", sqlite3_column_int64(stmt, 0),
                              0, &r->blob) != SQLITE_OK)
            break;
        m->count++;
        r->total = (size_t)sqlite3_blob_bytes(r->blob) / sizeof(hsort_rec);
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) {
        hsort_merge_close(m);
        return -1;
    }
    *out = m;
    return 0;
}

/* Refill a reader's buffer when it is used up. 0, or -1 on a read error. */
static int refill(run_reader *r)
{
    if (r->pos < r->len || r->read == r->total)
        return 0;
    size_t n = r->total - r->read < READ_RECORDS ? r->total - r->read : READ_RECORDS;
    if (sqlite3_blob_read(r->blob, r->buf, (int)(n * sizeof(hsort_rec)),
                          (int)(r->read * sizeof(hsort_rec))) != SQLITE_OK)
        return -1;
    r->read += n;
    r->pos = 0;
    r->len = n;
    return 0;
}

static bool before(const run_reader *a, const run_reader *b)
{
    return compare_recs(&a->buf[a->pos], &b->buf[b->pos]) < 0;
}

/* Move heap[at] down to its place. */
static void sift_down(hsort_merge *m, size_t at)
{
    for (;;) {
        size_t least = at, left = 2 * at + 1, right = left + 1;
        if (left < m->heap_len && before(m->heap[left], m->heap[least]))
            least = left;
        if (right < m->heap_len && before(m->heap[right], m->heap[least]))
            least = right;
        if (least == at)
            return;
        run_reader *swap = m->heap[at];
        m->heap[at] = m->heap[least];
        m->heap[least] = swap;
        at = least;
    }
}

/* Read every run's first records and heap the runs that have any. 0 or -1. */
static int build_heap(hsort_merge *m)
{
    m->heap = malloc((m->count ? m->count : 1) * sizeof *m->heap);
    if (!m->heap)
        return -1;
    for (size_t i = 0; i < m->count; i++) {
        if (refill(&m->runs[i]) != 0)
            return -1;
        if (m->runs[i].pos < m->runs[i].len)
            m->heap[m->heap_len++] = &m->runs[i];
    }
    for (size_t i = m->heap_len / 2; i-- > 0;)
        sift_down(m, i);
    m->heaped = true;
    return 0;
}

int hsort_merge_next(hsort_merge *m, hsort_rec *rec)
{
    if (!m->heaped && build_heap(m) != 0)
        return -1;
    if (m->heap_len == 0)
        return 0;
    run_reader *top = m->heap[0];
    *rec = top->buf[top->pos++];
    if (refill(top) != 0)
        return -1;
    if (top->pos == top->len) /* the run is done */
        m->heap[0] = m->heap[--m->heap_len];
    sift_down(m, 0);
    return 1;
}
