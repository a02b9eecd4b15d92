/* audit_forward.c: a copy of each audit entry to a second place (security.audit_forward):
   the local syslog (syslog(3), facility authpriv) or RFC 5424 datagrams to udp://HOST:PORT. */
#include <errno.h>
#include <netdb.h>
#include <paths.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "audit_internal.h"

#define UDP_MAX 65000 /* one datagram; a longer entry is sent cut, marked "...[cut]" */

static enum {
    FORWARD_NONE,
    FORWARD_SYSLOG,
    FORWARD_UDP
} forward_kind;
static int udp_fd = -1;
static char local_host[256];

static int open_udp(const char *spec, diag *err)
{
    const char *hostport = spec + strlen("udp://");
    const char *colon = strrchr(hostport, ':');
    if (!colon || colon == hostport || !colon[1]) {
        diag_set(err, "security.audit_forward: %s: expected udp://HOST:PORT", spec);
        return -1;
    }
    char host[256];
    size_t len = (size_t)(colon - hostport);
    if (hostport[0] == '[' && len >= 2 && hostport[len - 1] == ']') { /* [::1]:514 */
        hostport++;
        len -= 2;
    }
    if (len >= sizeof host) {
        diag_set(err, "security.audit_forward: %s: the host name is too long", spec);
        return -1;
    }
    memcpy(host, hostport, len);
    host[len] = '\0';
    struct addrinfo hints = {.ai_socktype = SOCK_DGRAM}, *found = NULL;
    int gai = getaddrinfo(host, colon + 1, &hints, &found);
    if (gai != 0) {
        diag_set(err, "security.audit_forward: %s: %s", spec, gai_strerror(gai));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *ai = found; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(found);
    if (fd < 0) {
        diag_set(err, "security.audit_forward: %s: cannot open a UDP socket: %s", spec,
                 strerror(errno));
        return -1;
    }
    udp_fd = fd;
    if (gethostname(local_host, sizeof local_host) != 0 || !local_host[0])
        snprintf(local_host, sizeof local_host, "-");
    local_host[sizeof local_host - 1] = '\0';
    return 0;
}

int audit_forward_open(const char *spec, diag *err)
{
    audit_forward_close();
    if (!spec)
        return 0;
    if (strcmp(spec, "syslog") == 0) {
        /* syslog(3) drops messages silently when no daemon listens: say so now */
        if (access(_PATH_LOG, W_OK) != 0) {
            diag_set(err,
                     "security.audit_forward: syslog: cannot write to %s (%s): is a syslog "
                     "daemon running? Use udp://HOST:PORT for a remote collector",
                     _PATH_LOG, strerror(errno));
            return -1;
        }
        openlog("fawkes-audit", LOG_PID, LOG_AUTHPRIV);
        forward_kind = FORWARD_SYSLOG;
        return 0;
    }
    if (strncmp(spec, "udp://", 6) == 0) {
        if (open_udp(spec, err) != 0)
            return -1;
        forward_kind = FORWARD_UDP;
        return 0;
    }
    diag_set(err, "security.audit_forward: %s: expected syslog or udp://HOST:PORT", spec);
    return -1;
}

int audit_forward_send(const char *line, diag *err)
{
    if (forward_kind == FORWARD_SYSLOG) {
        syslog(LOG_AUTHPRIV | LOG_INFO, "%s", line);
        return 0;
    }
    if (forward_kind != FORWARD_UDP)
        return 0;
    char when[40];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    /* <PRI>VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA MSG;
       PRI 86 = authpriv (10) * 8 + info (6) */
    char *datagram = NULL;
    int n = asprintf(&datagram, "<86>1 %s.%06ldZ %s fawkes-audit %ld audit - %s", when,
                     ts.tv_nsec / 1000, local_host, (long)getpid(), line);
    if (n < 0) {
        diag_set(err, "security.audit_forward: out of memory");
        return -1;
    }
    size_t len = (size_t)n;
    if (len > UDP_MAX) {
        memcpy(datagram + UDP_MAX - 8, "...[cut]", 8);
        len = UDP_MAX;
    }
    ssize_t sent = send(udp_fd, datagram, len, MSG_NOSIGNAL);
    free(datagram);
    if (sent != (ssize_t)len) {
        diag_set(err, "security.audit_forward: cannot send to the collector: %s",
                 sent < 0 ? strerror(errno) : "short send");
        return -1;
    }
    return 0;
}

void audit_forward_close(void)
{
    if (forward_kind == FORWARD_SYSLOG)
        closelog();
    if (udp_fd >= 0)
        close(udp_fd);
    udp_fd = -1;
    forward_kind = FORWARD_NONE;
}
