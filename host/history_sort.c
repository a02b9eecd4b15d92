/* history_sort.c: a run's fail and error keys sorted on disk: sorted runs stored as blobs in
   the temporary database, merged back in order. */
#include <stdlib.h>
#include <string.h>

#include "history_internal.h"

/* Records a run reader holds at once (48 KiB). */
#define READ_RECORDS 2048

static int compare_recs(const void *a, const void *b)
{
    const hsort_rec *x = a, *y = b;
    int cmp = memcmp(x->key, y->key, HISTORY_KEY_BYTES);
    if (cmp != 0)
        return cmp;
    return x->page < y->page ? -1 : x->page > y->page;
}

int hsort_write_run(sqlite3_stmt *insert, hsort_rec *recs, size_t count)
{
    if (count == 0)
        return 0;
    qsort(recs, count, sizeof *recs, compare_recs);
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

struct hsort_merge {
    run_reader *runs;
    size_t count;
};

void hsort_merge_close(hsort_merge *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->count; i++)
        sqlite3_blob_close(m->runs[i].blob);
    free(m->runs);
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

int hsort_merge_next(hsort_merge *m, hsort_rec *rec)
{
    run_reader *best = NULL;
    for (size_t i = 0; i < m->count; i++) {
        run_reader *r = &m->runs[i];
        if (refill(r) != 0)
            return -1;
        if (r->pos == r->len)
            continue;
        if (!best || compare_recs(&r->buf[r->pos], &best->buf[best->pos]) < 0)
            best = r;
    }
    if (!best)
        return 0;
    *rec = best->buf[best->pos++];
    return 1;
}
