/* crash.h: when a plugin crashes the process (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT), say
   which one and in which operation on stderr before the process dies with that signal. */
#ifndef HOST_CRASH_H
#define HOST_CRASH_H

struct fwk_ctx;

/*
 * crash_install: install the handlers (once per process; the main thread's alternate signal
 * stack included, so a stack overflow is reported too). The handler writes one line, e.g.
 *   fawkes: fatal: plugin 'bad' (instance 'prod', /usr/lib/fawkes/plugins/bad.so) crashed
 *   with SIGSEGV in run_task (task "us-east-1"); the process stops
 * (or names the host when no plugin call was under way on the crashing thread), then
 * re-raises the signal with its default action, so the exit status is the signal's. Not
 * installed in sanitizer builds, whose own reports say more. Call from main, before threads.
 */
void crash_install(void);

/* crash_thread_enter / crash_thread_leave: give the calling worker thread an alternate signal
   stack (a stack overflow in a plugin is then reported too) and take it back. Each thread
   that runs plugin calls calls them at its start and end; harmless when not installed. */
void crash_thread_enter(void);
void crash_thread_leave(void);

/* crash_push / crash_pop: the plugin call under way on this thread (ctx_init / ctx_finish
   call them; calls nest: a scanner judging a resource inside a provider's task). */
void crash_push(struct fwk_ctx *ctx);
void crash_pop(struct fwk_ctx *ctx);

#endif
