/* isolate_proc.c: start, stop and reap the child processes of isolated instances. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "isolate_internal.h"

extern char **environ;

/* A copy of `fd` numbered above the worker's fixed descriptors (close-on-exec), so the
   dup2s of the spawn cannot clobber one another. Closes `fd`. */
static int lift(int fd)
{
    if (fd < 0)
        return -1;
    int high = fcntl(fd, F_DUPFD_CLOEXEC, 10);
    close(fd);
    return high;
}

static int make_pipe(int fds[2])
{
    if (pipe2(fds, O_CLOEXEC) != 0)
        return -1;
    fds[0] = lift(fds[0]);
    fds[1] = lift(fds[1]);
    return fds[0] >= 0 && fds[1] >= 0 ? 0 : -1;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* posix_spawn with the pipes on ISOLATE_FD_IN/OUT, stdin from /dev/null, stdout to stderr,
   every signal at its default and none blocked. */
static int spawn(const char *exe, int req_read, int ans_write, pid_t *pid)
{
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    int rc = posix_spawn_file_actions_init(&actions);
    if (rc != 0)
        return rc;
    rc = posix_spawnattr_init(&attr);
    if (rc != 0) {
        posix_spawn_file_actions_destroy(&actions);
        return rc;
    }
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(&actions, req_read, ISOLATE_FD_IN);
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(&actions, ans_write, ISOLATE_FD_OUT);
    if (rc == 0)
        rc = posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);
    if (rc == 0)
        rc = posix_spawnattr_setsigmask(&attr, &none);
    if (rc == 0)
        rc = posix_spawnattr_setsigdefault(&attr, &all);
    if (rc == 0)
        rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    char *argv[] = {(char *)exe, (char *)ISOLATE_WORKER_ARG, NULL};
    if (rc == 0)
        rc = posix_spawn(pid, exe, &actions, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    return rc;
}

iso_child *iso_spawn(const char *exe, diag *err)
{
    int req[2] = {-1, -1}, ans[2] = {-1, -1};
    iso_child *ch = calloc(1, sizeof *ch);
    if (!ch || make_pipe(req) != 0 || make_pipe(ans) != 0) {
        diag_set(err, "cannot start its isolated process: %s",
                 ch ? strerror(errno) : "out of memory");
        goto fail;
    }
    int rc = spawn(exe, req[0], ans[1], &ch->pid);
    if (rc != 0) {
        diag_set(err, "cannot start its isolated process (%s): %s", exe, strerror(rc));
        goto fail;
    }
    close(req[0]);
    close(ans[1]);
    /* a deep request pipe lets a scanner's resources queue up (isolate_scan.c) */
    fcntl(req[1], F_SETPIPE_SZ, 1 << 20);
    int depth = fcntl(req[1], F_GETPIPE_SZ);
    ch->pipe_bytes = depth > 0 ? (size_t)depth : 65536;
    ch->to_fd = req[1];
    ch->from_fd = ans[0];
    frame_writer_init(&ch->out, ch->to_fd);
    frame_reader_init(&ch->in, ch->from_fd);
    return ch;
fail:
    for (int i = 0; i < 2; i++) {
        close_fd(&req[i]);
        close_fd(&ans[i]);
    }
    free(ch);
    return NULL;
}

void iso_reap(iso_child *ch, int wait_ms, int *wstatus)
{
    /* Closing the request pipe first tells a child still reading (or its watchdog) to go. */
    close_fd(&ch->to_fd);
    int64_t deadline = clock_mono_ms() + wait_ms;
    int status = 0;
    for (;;) {
        pid_t done = waitpid(ch->pid, &status, WNOHANG);
        if (done == ch->pid || (done < 0 && errno != EINTR))
            break;
        if (done == 0 && clock_mono_ms() >= deadline) {
            kill(ch->pid, SIGKILL);
            while (waitpid(ch->pid, &status, 0) < 0 && errno == EINTR)
                continue;
            break;
        }
        struct timespec pause = {0, 5 * 1000000L};
        nanosleep(&pause, NULL);
    }
    if (wstatus)
        *wstatus = status;
    close_fd(&ch->from_fd);
    frame_writer_free(&ch->out);
    frame_reader_free(&ch->in);
    free(ch);
}

static const char *signal_name(int signo)
{
    static const struct {
        int signo;
        const char *name;
    } names[] = {{SIGSEGV, "SIGSEGV"}, {SIGABRT, "SIGABRT"}, {SIGBUS, "SIGBUS"},
                 {SIGFPE, "SIGFPE"},   {SIGILL, "SIGILL"},   {SIGKILL, "SIGKILL"},
                 {SIGTERM, "SIGTERM"}, {SIGINT, "SIGINT"},   {SIGPIPE, "SIGPIPE"},
                 {SIGSYS, "SIGSYS"},   {SIGTRAP, "SIGTRAP"}, {SIGXCPU, "SIGXCPU"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].signo == signo)
            return names[i].name;
    return "a signal";
}

void iso_describe_end(int wstatus, char *buf, size_t size)
{
    if (WIFSIGNALED(wstatus))
        snprintf(buf, size, "killed by signal %d (%s)", WTERMSIG(wstatus),
                 signal_name(WTERMSIG(wstatus)));
    else if (WIFEXITED(wstatus))
        snprintf(buf, size, "ended (exit status %d)", WEXITSTATUS(wstatus));
    else
        snprintf(buf, size, "ended");
}
