/* loader_isolated.c: open and describe plugins in child processes, so a bad .so cannot crash
   the caller (`plugins list`, `plugins inspect`, `plugins check`). */
#include "loader.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "loader_internal.h"
#include "log.h"
#include "clock.h"

/* The child: describe `path` as compact JSON on `fd`, then leave without running atexit
   handlers (they belong to the parent). */
static void child_describe(const char *path, int fd)
{
    /* Default dispositions, so a crash ends the child with its signal for the parent to
       report, rather than a sanitizer's or the host's handler turning it into an exit. */
    static const int fatal[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGSYS, SIGTRAP};
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
        signal(fatal[i], SIG_DFL);
    int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (devnull >= 0) {
        dup2(devnull, STDOUT_FILENO); /* a chatty plugin must not corrupt our stdout */
        close(devnull);
    }
    plugin p;
    loader_check_file(path, &p);
    json_t *desc = loader_describe(&p);
    char *text = desc ? json_dumps(desc, JSON_COMPACT) : NULL;
    int status = 1;
    if (text) {
        size_t len = strlen(text), done = 0;
        while (done < len) {
            ssize_t n = write(fd, text + done, len - done);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            done += (size_t)n;
        }
        status = done == len ? 0 : 1;
    }
    _exit(status);
}

/* Read everything from `fd` until EOF or the deadline. Returns 0 at EOF, 1 on timeout,
   -1 on a read error; *buf (malloc'd, NUL-terminated) holds what was read. */
static int read_all(int fd, long deadline_ms, char **buf)
{
    size_t len = 0, cap = 4096;
    char *data = malloc(cap);
    int rc = -1;
    if (!data)
        goto out;
    for (;;) {
        long left = deadline_ms - clock_mono_ms();
        if (left <= 0) {
            rc = 1;
            goto out;
        }
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int ready = poll(&pfd, 1, (int)left);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready < 0)
            goto out;
        if (ready == 0)
            continue;
        if (len + 1 >= cap) {
            char *bigger = realloc(data, cap * 2);
            if (!bigger)
                goto out;
            data = bigger;
            cap *= 2;
        }
        ssize_t n = read(fd, data + len, cap - len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            goto out;
        if (n == 0) {
            rc = 0;
            goto out;
        }
        len += (size_t)n;
    }
out:
    if (data)
        data[len] = '\0';
    *buf = data;
    return rc;
}

static json_t *refused_entry(const char *path, const char *reason)
{
    json_t *obj = json_object();
    json_object_set_new(obj, "path", json_string(path));
    json_object_set_new(obj, "status", json_string("refused"));
    json_object_set_new(obj, "reason", json_string(reason));
    return obj;
}

/* Turn what the child said and how it ended into the entry. */
static json_t *child_result(const char *path, int read_rc, const char *text, int wstatus)
{
    char reason[256];
    if (read_rc == 1) {
        snprintf(reason, sizeof reason,
                 "did not finish describing within %d s: its %s() or a library constructor "
                 "hangs",
                 LOADER_DESCRIBE_TIMEOUT_MS / 1000, FWK_ENTRY_SYMBOL);
        return refused_entry(path, reason);
    }
    if (WIFSIGNALED(wstatus)) {
        snprintf(reason, sizeof reason, "crashed while describing (signal %d)", WTERMSIG(wstatus));
        return refused_entry(path, reason);
    }
    if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0 || read_rc != 0 || !text) {
        snprintf(reason, sizeof reason,
                 "the process describing it exited with status %d (did the plugin call exit() "
                 "while loading?)",
                 WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1);
        return refused_entry(path, reason);
    }
    json_error_t jerr;
    json_t *desc = json_loads(text, 0, &jerr);
    if (!json_is_object(desc)) {
        json_decref(desc);
        snprintf(reason, sizeof reason, "the process describing it sent unreadable output: %s",
                 jerr.text);
        return refused_entry(path, reason);
    }
    return desc;
}

json_t *loader_describe_isolated(const char *path)
{
    int fds[2];
    char reason[256];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        snprintf(reason, sizeof reason, "cannot start a process to describe it: pipe: %s",
                 strerror(errno));
        return refused_entry(path, reason);
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(reason, sizeof reason, "cannot start a process to describe it: fork: %s",
                 strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return refused_entry(path, reason);
    }
    if (pid == 0) {
        close(fds[0]);
        child_describe(path, fds[1]);
    }
    close(fds[1]);
    char *text = NULL;
    int read_rc = read_all(fds[0], clock_mono_ms() + LOADER_DESCRIBE_TIMEOUT_MS, &text);
    close(fds[0]);
    if (read_rc == 1)
        kill(pid, SIGKILL);
    int wstatus = 0;
    while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
        continue;
    json_t *entry = child_result(path, read_rc, text, wstatus);
    free(text);
    return entry;
}

/* A loaded entry whose name an earlier loaded entry has is refused, as loader_load_dirs
   does; `loaded` maps names to the path that won. */
static json_t *dedup_entry(json_t *entry, json_t *loaded)
{
    const char *status = json_string_value(json_object_get(entry, "status"));
    const char *name = json_string_value(json_object_get(entry, "name"));
    const char *path = json_string_value(json_object_get(entry, "path"));
    if (!status || strcmp(status, "loaded") != 0 || !name || !path)
        return entry;
    const char *first = json_string_value(json_object_get(loaded, name));
    if (!first) {
        json_object_set_new(loaded, name, json_string(path));
        return entry;
    }
    char reason[1024];
    snprintf(reason, sizeof reason, "plugin name '%s' is already loaded from %s", name, first);
    json_t *refused = refused_entry(path, reason);
    json_decref(entry);
    return refused;
}

json_t *loader_list_isolated(const strlist *dirs)
{
    json_t *list = json_array();
    json_t *loaded = json_object();
    for (size_t d = 0; list && loaded && dirs && d < dirs->count; d++) {
        strlist files = {0};
        diag why;
        if (loader_scan_dir(dirs->items[d], &files, &why) != 0)
            log_msg(FWK_LOG_WARN, "loader", "%s", why.text);
        for (size_t i = 0; i < files.count; i++) {
            json_t *entry = loader_describe_isolated(files.items[i]);
            if (entry)
                json_array_append_new(list, dedup_entry(entry, loaded));
        }
        strlist_clear(&files);
    }
    json_decref(loaded);
    return list;
}
