/* isolate.h: run a provider's or scanner's plugin calls in child processes (`isolation:
   process`), so a crash, an abort or a runaway allocation fails only that instance's calls. */
#ifndef HOST_ISOLATE_H
#define HOST_ISOLATE_H

#include <stdbool.h>

#include "fawkes/host.h"
#include "config.h"
#include "diag.h"
#include "engine.h"
#include "loader.h"

/*
 * How it works. An isolated instance is bound to a proxy plugin (isolate_plugin_new) whose
 * descriptor is the real one with init, fini and the function table replaced: every caller
 * (chains, playbooks, provision, cost) calls the table as it would in-process, and each call
 * goes to a child process running the real plugin. The child is a fresh exec of the fawkes
 * binary (`fawkes ISOLATE_WORKER_ARG`, see isolate_child_main), not a bare fork: calls are
 * made from the scheduler's worker threads, and after fork() in a multithreaded process
 * only async-signal-safe calls are allowed until exec (another thread may have held the
 * malloc, jansson or curl locks at the fork), so posix_spawn + exec is the one safe way.
 *
 * The two sides speak isolate_frame.h over two pipes. The parent sends HELLO (plugin path,
 * instance name, validated config with its secrets already resolved, limits, allowlist,
 * log settings): nothing secret goes on the command line or into the environment. The
 * child loads the plugin, applies limits.memory with setrlimit(RLIMIT_AS), calls init and
 * answers DONE. For each call the parent sends CALL; while the plugin runs, the child
 * streams RESOURCE, FINDING, LOG and SECRET frames, then DONE with the status, the
 * message, the result and the counters' increments. The parent's calling thread reads
 * them and makes the calls the in-process path makes (run_resource, run_finding, log_msg,
 * instance_count), so validation, redaction, history and outputs are unchanged. Host
 * services work in the child: HTTP (its own client, same limits and allowlist), secrets,
 * mail, cancellation, the audit log (appends are safe across processes); logs and counters
 * go to the parent, which alone writes stderr and the run's counters.
 *
 * A provider instance has up to limits.concurrency children (one per task in flight, so
 * tasks still run in parallel), unless it sets limits.rate: then one, whose token bucket
 * keeps the rate exact. A scanner has one, so its finish sees every resource; its
 * scan_resource calls are pipelined (isolate_scan.c): resources are queued to it without
 * waiting for each answer, and its findings reach the run as they come back, all of them
 * before finish returns. A child that dies in a call (signal, exit, a
 * broken stream) fails that call only, named with its plugin, instance, task and signal;
 * the next call starts a new child. After ISOLATE_MAX_RESTARTS deaths an instance's calls
 * fail at once. On SIGINT/SIGTERM/SIGHUP the parent sends SIGTERM to children in a call and
 * SIGKILL after ISOLATE_GRACE_MS; every child is reaped (no zombies), and a child whose
 * parent dies exits when its request pipe closes (no orphans).
 */

/* The hidden argument that makes the fawkes binary an isolated worker (main.c). */
#define ISOLATE_WORKER_ARG "__isolated-worker"
/* Children of one instance that may die before its calls fail at once. */
#define ISOLATE_MAX_RESTARTS 3
/* How long a child may take to stop after SIGTERM before it is killed. */
#define ISOLATE_GRACE_MS 3000

/* isolate_set_log: the log settings children use (call from main, after log_setup). Not
   thread-safe: once, before threads. */
void isolate_set_log(fwk_log_level level, bool json_format);

/*
 * isolate_wanted: does `conf` (a provider or scanner instance bound to `real`, a loaded
 * plugin) run isolated? `isolation:` when written, else process for a plugin whose file
 * lies outside the install's own plugin directories (<binary dir>/plugins, the installed
 * <prefix>/lib/fawkes/plugins) and none for the install's own. Policies and notifiers: never.
 * Thread-safe.
 */
bool isolate_wanted(const config_instance *conf, const plugin *real);

/*
 * isolate_plugin_new: the proxy plugin of instance `conf` for `real` (borrowed; outlives the
 * proxy). `eng` (borrowed, only read now) gives the audit settings. Returns a new plugin
 * (isolate_plugin_free), or NULL with why in err (out of memory, the binary not found).
 */
plugin *isolate_plugin_new(const engine_env *eng, const config_instance *conf, const plugin *real,
                           diag *err);

/* Free a proxy plugin after its instance's fini has run (that fini stops the children).
   NULL allowed. */
void isolate_plugin_free(plugin *proxy);

/*
 * isolate_child_main: the worker's main (fawkes ISOLATE_WORKER_ARG): requests on fd 3,
 * answers on fd 4 (stdout goes to stderr, so a plugin's printf cannot corrupt the frames).
 * Returns the process's exit status: 0 after QUIT or the end of the request stream.
 */
int isolate_child_main(void);

#endif
