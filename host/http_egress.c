/* http_egress.c: the egress allowlist: which URLs the host may send requests to. */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "http.h"

#define HOST_MAX 256

/* Copy `host` lower-cased, without IPv6 brackets and without one trailing dot. */
static void host_normalize(const char *host, char *out, size_t size)
{
    size_t len = strlen(host);
    if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
        host++;
        len -= 2;
    }
    if (len > 0 && host[len - 1] == '.')
        len--;
    if (len >= size)
        len = size - 1;
    for (size_t i = 0; i < len; i++)
        out[i] = (char)tolower((unsigned char)host[i]);
    out[len] = '\0';
}

/* An allowlist entry as a bare host: "https://API.example.com:443/" -> "api.example.com". */
static void entry_normalize(const char *entry, char *out, size_t size)
{
    const char *start = strstr(entry, "://");
    start = start ? start + 3 : entry;
    char host[HOST_MAX];
    size_t len = strcspn(start, "/");
    if (len >= sizeof host)
        len = sizeof host - 1;
    memcpy(host, start, len);
    host[len] = '\0';
    if (host[0] == '[') {
        char *close = strchr(host, ']');
        if (close)
            close[1] = '\0';
    } else {
        char *colon = strchr(host, ':');
        if (colon && !strchr(colon + 1, ':')) /* one colon: a port; more: a bare IPv6 */
            *colon = '\0';
    }
    host_normalize(host, out, size);
}

/* localhost, *.localhost, 127.0.0.0/8, 0.0.0.0/8 (which reaches this machine), ::1, ::,
   and IPv4-mapped forms of those. `host` is normalized. */
static bool host_is_loopback(const char *host)
{
    size_t len = strlen(host);
    if (strcmp(host, "localhost") == 0 || (len > 10 && strcmp(host + len - 10, ".localhost") == 0))
        return true;
    struct in_addr v4;
    if (inet_pton(AF_INET, host, &v4) == 1) {
        uint32_t addr = ntohl(v4.s_addr);
        return (addr >> 24) == 127 || (addr >> 24) == 0;
    }
    struct in6_addr v6;
    if (inet_pton(AF_INET6, host, &v6) == 1) {
        if (IN6_IS_ADDR_LOOPBACK(&v6) || IN6_IS_ADDR_UNSPECIFIED(&v6))
            return true;
        if (IN6_IS_ADDR_V4MAPPED(&v6))
            return v6.s6_addr[12] == 127 || v6.s6_addr[12] == 0;
    }
    return false;
}

static bool allow_loopback(const strlist *allow)
{
    for (size_t i = 0; allow && i < allow->count; i++) {
        char entry[HOST_MAX];
        entry_normalize(allow->items[i], entry, sizeof entry);
        if (strcmp(entry, "127.0.0.1") == 0 || strcmp(entry, "localhost") == 0)
            return true;
    }
    return false;
}

/* Exact match, or "*.example.com" matching any name with at least one more label. */
static bool host_allowed(const strlist *allow, const char *host)
{
    size_t host_len = strlen(host);
    for (size_t i = 0; allow && i < allow->count; i++) {
        char entry[HOST_MAX];
        entry_normalize(allow->items[i], entry, sizeof entry);
        if (strcmp(entry, host) == 0)
            return true;
        if (entry[0] != '*' || entry[1] != '.' || entry[2] == '\0')
            continue;
        size_t suffix_len = strlen(entry + 1); /* ".example.com" */
        if (host_len > suffix_len && strcmp(host + host_len - suffix_len, entry + 1) == 0 &&
            host[host_len - suffix_len - 1] != '.')
            return true;
    }
    return false;
}

static void allow_list_text(const strlist *allow, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; allow && i < allow->count && used < size; i++) {
        int n = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", allow->items[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    if (!allow || allow->count == 0)
        snprintf(buf, size, "none");
}

/* The URL up to its query or fragment: what may appear in a message. */
static void url_shown(const char *url, char *buf, size_t size)
{
    size_t len = strcspn(url, "?#");
    if (len >= size)
        len = size - 1;
    memcpy(buf, url, len);
    buf[len] = '\0';
}

static int check_parsed(const strlist *allow, CURLU *parsed, const char *url, diag *err)
{
    char *scheme = NULL, *raw_host = NULL, *user = NULL, *password = NULL;
    int rc = -1;
    char shown[512];
    url_shown(url, shown, sizeof shown);
    curl_url_get(parsed, CURLUPART_SCHEME, &scheme, 0);
    curl_url_get(parsed, CURLUPART_HOST, &raw_host, 0);
    curl_url_get(parsed, CURLUPART_USER, &user, 0);
    curl_url_get(parsed, CURLUPART_PASSWORD, &password, 0);
    if (!scheme || (strcasecmp(scheme, "https") != 0 && strcasecmp(scheme, "http") != 0)) {
        diag_set(err, "egress to %s refused: scheme '%s' is not allowed; use an https:// URL",
                 shown, scheme ? scheme : "");
        goto out;
    }
    if (!raw_host || !raw_host[0]) {
        diag_set(err,
                 "egress to %s refused: the URL has no host; write it as "
                 "https://host/path",
                 shown);
        goto out;
    }
    char host[HOST_MAX];
    host_normalize(raw_host, host, sizeof host);
    if (user || password) {
        diag_set(err,
                 "egress to %s refused: the URL carries user info before '@' (so the host "
                 "it names is %s); send credentials in headers, never in the URL",
                 host, host);
        goto out;
    }
    bool loopback = host_is_loopback(host);
    if (loopback) {
        if (!allow_loopback(allow)) {
            diag_set(err,
                     "egress to %s refused: loopback hosts are reached only when "
                     "security.egress_allow lists 127.0.0.1 or localhost; add 127.0.0.1 there "
                     "for local emulators and tests",
                     host);
            goto out;
        }
        rc = 0;
        goto out;
    }
    if (strcasecmp(scheme, "https") != 0) {
        diag_set(err,
                 "egress to %s refused: plain http:// is allowed only to loopback hosts; "
                 "use https://%s",
                 host, host);
        goto out;
    }
    if (!host_allowed(allow, host)) {
        char listed[1024];
        allow_list_text(allow, listed, sizeof listed);
        diag_set(err,
                 "egress to %s refused: not in security.egress_allow (allowed: %s); add it "
                 "there if this host is expected",
                 host, listed);
        goto out;
    }
    rc = 0;
out:
    curl_free(scheme);
    curl_free(raw_host);
    curl_free(user);
    curl_free(password);
    return rc;
}

int egress_check(const strlist *allow, const char *url, diag *err)
{
    if (!url || !url[0]) {
        diag_set(err, "egress refused: the URL is empty; give an absolute https:// URL");
        return -1;
    }
    CURLU *parsed = curl_url();
    if (!parsed) {
        diag_set(err, "egress check: out of memory");
        return -1;
    }
    int rc = -1;
    CURLUcode code = curl_url_set(parsed, CURLUPART_URL, url, 0);
    if (code != CURLUE_OK) {
        char shown[512];
        url_shown(url, shown, sizeof shown);
        diag_set(err,
                 "egress to '%s' refused: not a valid absolute URL (%s); write it as "
                 "https://host/path",
                 shown, curl_url_strerror(code));
        goto out;
    }
    rc = check_parsed(allow, parsed, url, err);
out:
    curl_url_cleanup(parsed);
    return rc;
}
