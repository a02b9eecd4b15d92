/* spill.h: a temporary on-disk store of records, read back in order, so that what a run
   must keep (rows of a table, a chain's resources for playbooks) does not live in memory. */
#ifndef HOST_SPILL_H
#define HOST_SPILL_H

#include <stdint.h>

#include <jansson.h>

#include "diag.h"

/*
 * A spill is a private SQLite database in a temporary file, removed when it is closed or the
 * process ends (SQLite unlinks it as soon as it is made). The directory is SQLite's choice,
 * which spill_tmp_dir names: $SQLITE_TMPDIR, else $TMPDIR, else the first writable of
 * /var/tmp, /usr/tmp and /tmp. A variable that is set must name a writable directory, or
 * spill_open refuses (SQLite would silently fall back to another directory). Records are
 * text (usually compact JSON) filed under a group (a provider instance name, "items", ...)
 * with an optional sort key. Reads come back through a cursor that steps through the file:
 * memory stays flat (SQLite's page cache, capped at SPILL_CACHE_KIB) whatever the number of
 * records. Until the cache is full nothing touches the disk.
 *
 * Writes are batched in transactions of SPILL_BATCH records; opening a cursor commits the
 * batch first, so a cursor sees every record added before it was opened. A spill in which
 * no record has a sort key is read in insertion order straight from its group index;
 * once one has, the first cursor indexes the records by (group, key) (SQLite's external
 * sorter, in the same directory, over the keys only), and cursors over a group walk that
 * index: in key order, without sorting again.
 *
 * Thread-safety: spill_add* and spill_count may be called from many threads at once (they
 * serialise on the spill's lock). A cursor belongs to one thread; several cursors may be
 * open at once, and records may be added while they are (a cursor may or may not see
 * records added after it was opened).
 */
typedef struct spill spill;
typedef struct spill_cursor spill_cursor;

#define SPILL_BATCH 20000
#define SPILL_CACHE_KIB 8192

/* Make an empty spill. Returns 0; or -1 with why (temporary directory missing or
   unwritable, and what to do) in err. Free with spill_close. */
int spill_open(spill **out, diag *err);

/* The directory the spill files of this process go to (see above), copied into buf; or
   NULL when there is none to use (a variable names an unusable directory, or no fallback is
   writable), with which and what to do in `why` (may be NULL). */
const char *spill_tmp_dir(char *buf, size_t size, diag *why);

/* Remove the file and free. NULL allowed. Cursors must be closed before. */
void spill_close(spill *sp);

/*
 * spill_add: file the `len` bytes at `text` (copied) under `group`, with `sort_key`
 * (copied; NULL sorts first; equal keys keep insertion order). Returns 0, or -1 with why
 * in err (disk full: the message names the directory and TMPDIR). A failed write may lose
 * the records of the batch it belonged to: treat the spill as incomplete from then on.
 */
int spill_add(spill *sp, const char *group, const char *sort_key, const char *text, size_t len,
              diag *err);

/* spill_add for a JSON value: stored as compact JSON (keys in their order). */
int spill_add_json(spill *sp, const char *group, const char *sort_key, const json_t *record,
                   diag *err);

/* Records filed under `group` (NULL: all groups). -1 on a read error. */
int64_t spill_count(spill *sp, const char *group);

/* 1 when some record is filed under `group`, 0 when none, -1 on a read error. */
int spill_has_group(spill *sp, const char *group);

/*
 * spill_cursor_open: read the records of `group` (NULL: every group), ordered by sort key
 * then by insertion order. Returns 0; or -1 with err. Close with spill_cursor_close.
 */
int spill_cursor_open(spill *sp, const char *group, spill_cursor **out, diag *err);

/*
 * spill_cursor_next: the next record's text, or NULL at the end (err untouched) or on a
 * read error (err set); after either, NULL again (err untouched). The text (and *len, when len is
 * not NULL) is valid until the next call on this cursor; *sort_key (when not NULL) likewise.
 */
const char *spill_cursor_next(spill_cursor *c, size_t *len, const char **sort_key, diag *err);

/* The next record parsed as JSON (new reference), or NULL at the end or on an error (err
   set: unreadable record or read error). */
json_t *spill_cursor_next_json(spill_cursor *c, diag *err);

/* NULL allowed. */
void spill_cursor_close(spill_cursor *c);

#endif
