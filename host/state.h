/* state.h: the SQLite state file (run history, notification queue, cooldowns, approvals). */
#ifndef HOST_STATE_H
#define HOST_STATE_H

#include <sqlite3.h>

#include "config.h"
#include "diag.h"

/*
 * One open state file. Several processes may open the same file at once: it runs in WAL
 * mode with a busy timeout, and writers use state_begin (BEGIN IMMEDIATE), so concurrent
 * runs serialize their writes instead of failing or corrupting it.
 *
 * Each module owns its tables and creates them with state_exec("CREATE TABLE IF NOT
 * EXISTS ...") before first use; table names carry the module's prefix (history_,
 * notify_, playbook_, ...). One `state_store` is used by one thread at a time.
 */
typedef struct state_store state_store;

/* The file the config names (`state:`), or state_default_path(). Borrowed. Thread-safe. */
const char *state_path_for(const config *cfg);

/*
 * state_default_path, state_default_audit_log: the state file and the playbooks' audit log
 * when the config names none: state.db and audit.jsonl in $XDG_STATE_HOME/fawkes/ (an
 * absolute XDG_STATE_HOME), else in ~/.local/state/fawkes/; fawkes-state.db and
 * fawkes-audit.jsonl in the working directory when neither variable is usable. The first
 * call creates that directory and its missing parents with mode 0700 (a warning when it
 * cannot). Borrowed, valid for the process. Thread-safe.
 */
const char *state_default_path(void);
const char *state_default_audit_log(void);

/*
 * state_open: open or create the file at `path` (WAL, busy timeout 15 s, foreign keys on).
 * Returns 0; or -1 with "PATH: what failed; what to do" in err (unwritable directory,
 * not an SQLite file, locked beyond the timeout). Close with state_close.
 */
int state_open(const char *path, state_store **out, diag *err);

/* Close; NULL allowed. Waits first for a checkpoint state_commit_big left running. */
void state_close(state_store *st);

/* The connection, for prepared statements. Borrowed; valid until state_close. */
sqlite3 *state_db(state_store *st);

/* The path it was opened with. Borrowed. */
const char *state_file(const state_store *st);

/* Run one or more SQL statements without results. Returns 0, or -1 with the path, the
   SQLite message and the statement's first words in err. */
int state_exec(state_store *st, const char *sql, diag *err);

/* BEGIN IMMEDIATE (waits for other writers up to the busy timeout) / COMMIT / ROLLBACK.
   Return 0, or -1 with err set (state_rollback never fails). */
int state_begin(state_store *st, diag *err);
int state_commit(state_store *st, diag *err);
void state_rollback(state_store *st);

/*
 * state_commit_big: COMMIT a transaction that wrote much (a large run's record: hundreds of
 * MB), leaving the copy of the write-ahead log into the file (the checkpoint, which COMMIT
 * would otherwise do at once) to a thread of its own, on its own connection, while the caller
 * goes on: notifications and the output do not wait for it. state_close (or the next
 * state_commit_big) waits for it. Returns as state_commit. Call from the thread that owns
 * `st`.
 */
int state_commit_big(state_store *st, diag *err);

#endif
