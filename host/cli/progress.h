/* progress.h: the one-line progress display of inventory, scan and run (stderr, a TTY). */
#ifndef HOST_CLI_PROGRESS_H
#define HOST_CLI_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "chain.h"
#include "cli.h"

typedef struct progress progress;

/*
 * progress_wanted: whether a command with `args` shows the display: never with
 * --log-format json (stderr is JSON lines) or --no-progress; always with --progress; else
 * when stderr is a terminal, unless stdout is one too and -o json/jsonl streams records to
 * it as they come (the two would share the screen's last line).
 */
bool progress_wanted(const cli_args *args);

/*
 * progress_start: start a thread that samples the chains `execs[0..count)` (borrowed: they
 * must stay valid until progress_stop returns) at most 10 times a second and draws one line
 * on stderr through log_status: resources and findings so far, each provider's tasks done
 * of planned for the chain that runs, HTTP requests, throttled answers, time elapsed.
 * Returns the display, or NULL when the thread cannot start (the run goes on without it).
 */
progress *progress_start(const chain_exec *execs, size_t count);

/* progress_stop: stop the thread, erase the line and free `p`. NULL does nothing. Call it
   before the results and the run's summary lines are written. */
void progress_stop(progress *p);

/*
 * progress_format: the display's text for the counts `sum` of the running chain `current`
 * (NULL: none yet) after `elapsed_ms`, cut to `width` bytes (a terminal line: a longer one
 * would wrap, and erasing would then leave its first part). Writes at most `size` bytes
 * with the terminating NUL. Thread-safe (reads atomics of `current`).
 */
void progress_format(char *buf, size_t size, const chain_exec *current, const chain_counts *sum,
                     long long elapsed_ms, size_t width);

#endif
