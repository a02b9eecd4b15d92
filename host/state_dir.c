/* state_dir.c: where fawkes keeps its files when the config names none (XDG state dir). */
#include "state.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"

/* The defaults, found once: the environment they come from does not change during a run. */
static pthread_once_t defaults_once = PTHREAD_ONCE_INIT;
static char default_dir[PATH_MAX - 32]; /* ".../fawkes", or "" (the working directory) */
static char default_state[PATH_MAX];    /* the state file */
static char default_audit[PATH_MAX];    /* the playbooks' audit log */

/* mkdir -p `dir` with mode 0700 for each directory it has to make (the XDG spec's mode for
   the state directory and its missing parents). Returns 0, or -1 with errno set. */
static int make_dirs(const char *dir)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s", dir);
    for (char *slash = strchr(path + 1, '/');; slash = strchr(slash + 1, '/')) {
        if (slash)
            *slash = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return -1;
        if (!slash)
            return 0;
        *slash = '/';
    }
}

/* $XDG_STATE_HOME (when set to an absolute path: the spec says to ignore a relative one),
   else $HOME/.local/state; "" when neither is usable. */
static void find_base(char *base, size_t size)
{
    const char *xdg = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    base[0] = '\0';
    if (xdg && xdg[0] == '/')
        snprintf(base, size, "%s", xdg);
    else if (home && home[0] == '/')
        snprintf(base, size, "%s/.local/state", home);
}

static void defaults_init(void)
{
    char base[PATH_MAX - 64];
    find_base(base, sizeof base);
    if (!base[0]) { /* no home at all (a bare container): the working directory, as before */
        snprintf(default_state, sizeof default_state, "fawkes-state.db");
        snprintf(default_audit, sizeof default_audit, "fawkes-audit.jsonl");
        return;
    }
    snprintf(default_dir, sizeof default_dir, "%s/fawkes", base);
    snprintf(default_state, sizeof default_state, "%s/state.db", default_dir);
    snprintf(default_audit, sizeof default_audit, "%s/audit.jsonl", default_dir);
    struct stat st;
    if (stat(default_dir, &st) != 0 && make_dirs(default_dir) != 0)
        log_msg(FWK_LOG_WARN, "state",
                "cannot create %s (%s); set `state:` and "
                "`security.audit_log` in the config",
                default_dir, strerror(errno));
}

const char *state_default_path(void)
{
    pthread_once(&defaults_once, defaults_init);
    return default_state;
}

const char *state_default_audit_log(void)
{
    pthread_once(&defaults_once, defaults_init);
    return default_audit;
}
