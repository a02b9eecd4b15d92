/* history_internal.h: the pieces history.c is built from: fingerprint keys in a flat hash
   table, pages of finding records compressed with zlib, and the upgrade of older state
   files. */
#ifndef HOST_HISTORY_INTERNAL_H
#define HOST_HISTORY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "fawkes/fwkx.h"
#include "state.h"

#define HISTORY_KEY_BYTES 16

/* Status and delta as stored in history_keys. */
enum {
    HKEY_NONE = 0,
    HKEY_FAIL = 1,
    HKEY_ERROR = 2,
    HKEY_RESOLVED = 3
};
enum {
    HDELTA_NEW = 0,
    HDELTA_OPEN = 1,
    HDELTA_RESOLVED = 2
};
/* Kinds of page (history_pages.kind). */
enum {
    HPAGE_FAILS = 1,
    HPAGE_RESOLVED = 2,
    HPAGE_CARRIED = 3
};

/* One fingerprint of the chain: what the baseline and this run say of it. */
typedef struct hkey_entry {
    uint8_t key[HISTORY_KEY_BYTES];
    uint32_t base_page; /* the baseline's page holding its JSON */
    uint32_t page;      /* this run's page holding its JSON */
    uint8_t used;       /* slot taken */
    uint8_t base_status, status, delta;
    uint8_t carried; /* kept from the baseline by a partial run, unreported */
} hkey_entry;

/* Open addressing with linear probing; the slot is the key's top bits, so walking the slots
   in order visits keys in nearly sorted order (cheap B-tree inserts). Zero-initialise for
   an empty table. Not thread-safe. */
typedef struct hkey_table {
    hkey_entry *slots;
    size_t capacity; /* a power of two, or 0 */
    size_t count;
} hkey_table;

/* The 16-byte key of a fingerprint: its first 16 bytes when it is 64 lowercase hex digits
   (the host's own SHA-256 fingerprints), else the first 16 bytes of its SHA-256. */
void hkey_of(const char *fingerprint, uint8_t key[HISTORY_KEY_BYTES]);

/* The 32 bytes of a fingerprint of exactly 64 lowercase hex digits (the host's own SHA-256
   fingerprints) into `out`: true; false for any other text (`out` then undefined). */
bool hkey_fingerprint_bytes(const char *fingerprint, uint8_t out[32]);

/* The entry of `key`, or NULL. Borrowed until the next hkey_insert. */
hkey_entry *hkey_find(const hkey_table *t, const uint8_t *key);

/* The entry of `key`, made (zeroed but for the key) when absent; NULL when out of memory.
   Borrowed until the next hkey_insert. */
hkey_entry *hkey_insert(hkey_table *t, const uint8_t *key);

/* Make room for `count` keys in all. Call it before inserting keys in sorted order (as read
   from an index): the slot is the key's top bits, so sorted keys inserted into a table
   smaller than their final count pile up at its start and probing turns quadratic.
   Returns 0, or -1 on OOM (the table is unchanged). */
int hkey_reserve(hkey_table *t, size_t count);

void hkey_free(hkey_table *t);

/*
 * A page being filled: records of a flag byte, then (by the flag) the 16-byte key and/or the
 * fingerprint's 32 bytes (64 hex digits in the finding, left out of its JSON: they would not
 * compress), a 4-byte little-endian length, then the JSON text.
 */
enum {
    HPAGE_KEY_ONLY = 0,            /* the key; the JSON holds the fingerprint */
    HPAGE_KEY_AND_FINGERPRINT = 1, /* the key, then the fingerprint */
    HPAGE_FINGERPRINT = 2          /* the fingerprint, whose first 16 bytes are the key */
};
#define HPAGE_RAW_BYTES (256 * 1024)

/* Does a record keep `fingerprint` in its header (64 lowercase hex digits)? */
int hpage_packs_fingerprint(const char *fingerprint);

/* Append one record; `fingerprint` is packed in the header when hpage_packs_fingerprint (the
   JSON must then lack it). 0, or -1 when out of memory. */
int hpage_add(fwkx_buf *page, const uint8_t *key, const char *fingerprint, const char *json,
              size_t len);

/* Compress `len` bytes (zlib, fast level) into a new buffer (*out, free()). 0 or -1. */
int hpage_compress(const char *raw, size_t len, unsigned char **out, size_t *out_len);

/* Uncompress a stored page of `raw_len` bytes into a new buffer (free()). 0, or -1 when
   the blob is damaged or memory ran out. */
int hpage_uncompress(const void *blob, size_t len, size_t raw_len, char **out);

/* One record of a raw page (pointers into the page). */
typedef struct hpage_record {
    const uint8_t *key;
    const char *json;
    size_t len;
    char fingerprint[65]; /* from the header, or "" (the JSON holds it) */
} hpage_record;

/* The record at *pos (advanced past it): 1, or 0 at the end, or -1 when the page is
   damaged. */
int hpage_next(const char *raw, size_t raw_len, size_t *pos, hpage_record *rec);

/*
 * history_migrate: upgrade a state file written before keys and pages (its history_findings
 * table: one JSON row per finding of every run kept). In one transaction (BEGIN IMMEDIATE:
 * a process opening the file at the same moment waits, then finds it upgraded): every
 * chain's newest run gets its fail and error findings, reported or carried, as history_keys
 * rows and history_pages (so it stays the baseline: the next run's deltas are "open" and
 * "resolved" against it); older runs stay in history_runs without keys; history_findings is
 * dropped. Call after the history tables exist. Returns 0 (also when there is nothing to
 * upgrade); or -1 with err (the file is left as it was).
 */
int history_migrate(state_store *st, diag *err);

#endif
