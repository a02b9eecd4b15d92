/* crash.c: name the plugin and the operation when the process dies of a fatal signal. */
#include "crash.h"

#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "services.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CRASH_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define CRASH_SANITIZED 1
#endif
#endif

static _Thread_local struct fwk_ctx *current;
static _Thread_local void *alt_stack;
static volatile sig_atomic_t installed;

#ifndef CRASH_SANITIZED /* sanitizers report crashes themselves: no handler of ours */
static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};

static const char *signal_name(int signo)
{
    switch (signo) {
    case SIGSEGV:
        return "SIGSEGV";
    case SIGBUS:
        return "SIGBUS";
    case SIGFPE:
        return "SIGFPE";
    case SIGILL:
        return "SIGILL";
    case SIGABRT:
        return "SIGABRT";
    default:
        return "a fatal signal";
    }
}

/* write(2) only: async-signal-safe. */
static void put(const char *text)
{
    if (!text)
        return;
    size_t len = strlen(text);
    while (len > 0) {
        ssize_t n = write(STDERR_FILENO, text, len);
        if (n <= 0)
            return;
        text += n;
        len -= (size_t)n;
    }
}

static void on_fatal(int signo)
{
    const fwk_ctx *ctx = current;
    const instance *inst = ctx ? ctx->inst : NULL;
    put("fawkes: fatal: ");
    if (inst && inst->conf) {
        put("plugin '");
        put(inst->conf->plugin);
        put("' (instance '");
        put(inst->conf->name);
        if (inst->plug && inst->plug->path) {
            put("', ");
            put(inst->plug->path);
            put(")");
        } else {
            put("')");
        }
        put(" crashed with ");
        put(signal_name(signo));
        put(" in ");
        put(ctx->operation ? ctx->operation : "a call");
        if (ctx->task) {
            put(" (task \"");
            put(ctx->task);
            put("\")");
        }
        put("; the process stops. The plugin has a bug: report it to its authors with this "
            "line\n");
    } else {
        put("the host crashed with ");
        put(signal_name(signo));
        put(" outside any plugin call; the process stops. Please report it with this line\n");
    }
    signal(signo, SIG_DFL);
    raise(signo);
}
#endif

void crash_thread_enter(void)
{
    if (!installed || alt_stack)
        return;
    size_t size = SIGSTKSZ > 65536 ? SIGSTKSZ : 65536;
    stack_t ss = {.ss_sp = malloc(size), .ss_size = size, .ss_flags = 0};
    if (ss.ss_sp && sigaltstack(&ss, NULL) == 0)
        alt_stack = ss.ss_sp;
    else
        free(ss.ss_sp);
}

void crash_thread_leave(void)
{
    if (!alt_stack)
        return;
    stack_t ss = {.ss_sp = NULL, .ss_size = 0, .ss_flags = SS_DISABLE};
    sigaltstack(&ss, NULL);
    free(alt_stack);
    alt_stack = NULL;
}

void crash_install(void)
{
#ifndef CRASH_SANITIZED
    if (installed)
        return;
    installed = 1;
    crash_thread_enter();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fatal;
    sa.sa_flags = SA_ONSTACK | SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
        sigaction(fatal_signals[i], &sa, NULL);
#endif
}

void crash_push(struct fwk_ctx *ctx)
{
    ctx->prev = current;
    current = ctx;
}

void crash_pop(struct fwk_ctx *ctx)
{
    if (current == ctx)
        current = ctx->prev;
}
