/* sorter.h: records sorted by a key, in bounded memory: an external merge sort to a
   temporary file, for outputs that print in an order other than the one records arrive in. */
#ifndef HOST_SORTER_H
#define HOST_SORTER_H

#include <stddef.h>

#include "diag.h"

/*
 * A sorter takes (key, record) pairs in any order and gives them back ordered by key (bytes,
 * as memcmp compares them; a shorter key that is a prefix of a longer one first; a NULL key
 * before any other), records of equal keys in the order they were added. Records are held in
 * memory up to SORTER_MEMORY bytes; beyond that each full batch is sorted and written as a
 * run to one temporary file (made in spill_tmp_dir's directory and unlinked at once), and
 * the cursor merges the runs. Memory stays flat whatever the number of records: the batch
 * being filled and the one being written (SORTER_MEMORY each, plus 40 bytes a record), a
 * 16 KiB buffer per run while reading.
 *
 * Thread-safety: sorter_add may be called from many threads at once (a thread that fills the
 * batch sorts and writes it outside the lock others add under). The cursor is opened once,
 * after the last sorter_add, by one thread.
 */
typedef struct sorter sorter;

#define SORTER_MEMORY ((size_t)4 << 20)

/* An empty sorter. 0; or -1 with why (the temporary directory is unusable, and what to do)
   in err. Free with sorter_close. */
int sorter_open(sorter **out, diag *err);

/* Remove the file and free. NULL allowed. */
void sorter_close(sorter *s);

/* Add a record of `len` bytes (copied) under `key` (a NUL-terminated string, copied; NULL
   allowed). 0; or -1 with why in err (the disk is full: the directory and TMPDIR named);
   the sorter is then incomplete, and every later call fails the same way. */
int sorter_add(sorter *s, const char *key, const char *data, size_t len, diag *err);

/* Records added so far. Thread-safe. */
size_t sorter_count(sorter *s);

/*
 * sorter_next: the records in order, one per call: the first call sorts what is still in
 * memory and starts the merge. Returns the record (valid until the next call; *len set), or
 * NULL at the end (err untouched) or on a read error (err set). No sorter_add after the
 * first call.
 */
const char *sorter_next(sorter *s, size_t *len, diag *err);

#endif
