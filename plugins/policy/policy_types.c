/* policy_types.c: the typed values of the policy language: time, durations, CIDRs, versions,
   sizes. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "fawkes/fwkx.h"
#include "policy_types.h"

/* ---- durations ---- */

int policy_duration_parse(const char *text, policy_duration *out)
{
    memset(out, 0, sizeof *out);
    if (!text || !isdigit((unsigned char)text[0]))
        return -1;
    errno = 0;
    char *end = NULL;
    long long n = strtoll(text, &end, 10);
    if (errno == ERANGE || n < 0 || n > 100000000LL)
        return -1;
    if (!strcmp(end, "s"))
        out->seconds = n;
    else if (!strcmp(end, "m"))
        out->seconds = n * 60;
    else if (!strcmp(end, "h"))
        out->seconds = n * 3600;
    else if (!strcmp(end, "d"))
        out->seconds = n * 86400;
    else if (!strcmp(end, "w"))
        out->seconds = n * 7 * 86400;
    else if (!strcmp(end, "mo") && n <= 12000)
        out->months = (int32_t)n;
    else if (!strcmp(end, "y") && n <= 1000)
        out->months = (int32_t)(n * 12);
    else
        return -1;
    return 0;
}

/* ---- time ---- */

static bool leap_year(long year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(long year, int month /* 1..12 */)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && leap_year(year) ? 29 : days[month - 1];
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int digits(const char *s, int n)
{
    int value = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        value = value * 10 + (s[i] - '0');
    }
    return value;
}

int policy_time_parse(const char *text, policy_time *out)
{
    int64_t ms;
    memset(out, 0, sizeof *out);
    if (fwkx_time_parse(text, &ms) != 0)
        return -1;
    out->epoch = ms / 1000 - (ms % 1000 < 0); /* whole seconds, rounded down */
    /* The offset it was written with: a valid time of day ends in Z, z or +hh:mm / -hh:mm. */
    size_t len = strlen(text);
    const char *zone = text + len - 6;
    if (len > 10 && (*zone == '+' || *zone == '-'))
        out->offset =
            (digits(zone + 1, 2) * 60 + digits(zone + 4, 2)) * 60 * (*zone == '-' ? -1 : 1);
    return 0;
}

int64_t policy_time_add(int64_t epoch, policy_duration d)
{
    if (d.months) {
        int64_t days = epoch >= 0 ? epoch / 86400 : -((-epoch + 86399) / 86400);
        int64_t secs = epoch - days * 86400;
        int64_t y;
        int m, day;
        civil_from_days(days, &y, &m, &day);
        int64_t total = y * 12 + (m - 1) + d.months;
        y = total >= 0 ? total / 12 : -((-total + 11) / 12);
        m = (int)(total - y * 12) + 1;
        if (day > days_in_month((long)y, m))
            day = days_in_month((long)y, m);
        epoch = days_from_civil(y, m, day) * 86400 + secs;
    }
    return epoch + d.seconds;
}

void policy_time_format(int64_t epoch, char *buf, size_t size)
{
    fwkx_time_format(epoch * 1000, buf, size);
}

void policy_time_local(const policy_time *t, int *minutes, int *weekday)
{
    int64_t local = t->epoch + t->offset;
    int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    int64_t secs = local - days * 86400;
    *minutes = (int)(secs / 60);
    /* 1970-01-01 was a Thursday (4). */
    *weekday = (int)(((days % 7) + 7 + 4) % 7);
}

int policy_time_of_day_parse(const char *text)
{
    if (!text || strlen(text) != 5 || text[2] != ':')
        return -1;
    int h = digits(text, 2), m = digits(text + 3, 2);
    if (h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0))
        return -1;
    return h * 60 + m;
}

/* ---- CIDRs ---- */

static void clear_host_bits(policy_cidr *c)
{
    int bytes = c->family == 4 ? 4 : 16;
    for (int i = 0; i < bytes; i++) {
        int keep = c->prefix - i * 8;
        if (keep >= 8)
            continue;
        c->addr[i] &= keep <= 0 ? 0 : (unsigned char)(0xFF << (8 - keep));
    }
}

int policy_cidr_parse(const char *text, policy_cidr *out)
{
    memset(out, 0, sizeof *out);
    if (!text)
        return -1;
    char buf[64];
    size_t len = strlen(text);
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, text, len + 1);
    char *slash = strchr(buf, '/');
    long prefix = -1;
    if (slash) {
        *slash = '\0';
        char *end = NULL;
        if (!isdigit((unsigned char)slash[1]))
            return -1;
        prefix = strtol(slash + 1, &end, 10);
        if (*end || prefix > 128)
            return -1;
    }
    if (strchr(buf, ':')) {
        if (inet_pton(AF_INET6, buf, out->addr) != 1)
            return -1;
        out->family = 6;
        out->prefix = prefix < 0 ? 128 : (int)prefix;
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
        if (out->prefix >= 96 && memcmp(out->addr, mapped, 12) == 0) {
            memmove(out->addr, out->addr + 12, 4);
            memset(out->addr + 4, 0, 12);
            out->family = 4;
            out->prefix -= 96;
        }
    } else {
        if (inet_pton(AF_INET, buf, out->addr) != 1)
            return -1;
        out->family = 4;
        if (prefix > 32)
            return -1;
        out->prefix = prefix < 0 ? 32 : (int)prefix;
    }
    clear_host_bits(out);
    return 0;
}

/* The first `bits` bits of a and b are equal. */
static bool same_prefix(const unsigned char *a, const unsigned char *b, int bits)
{
    int whole = bits / 8, rest = bits % 8;
    if (memcmp(a, b, (size_t)whole) != 0)
        return false;
    if (rest == 0)
        return true;
    unsigned char mask = (unsigned char)(0xFF << (8 - rest));
    return (a[whole] & mask) == (b[whole] & mask);
}

bool policy_cidr_contains(const policy_cidr *a, const policy_cidr *b)
{
    return a->family == b->family && a->prefix <= b->prefix &&
           same_prefix(a->addr, b->addr, a->prefix);
}

bool policy_cidr_overlaps(const policy_cidr *a, const policy_cidr *b)
{
    int bits = a->prefix < b->prefix ? a->prefix : b->prefix;
    return a->family == b->family && same_prefix(a->addr, b->addr, bits);
}

static const char *const policy_private_v4[] = {
    "0.0.0.0/8",       "10.0.0.0/8",     "100.64.0.0/10", "127.0.0.0/8",    "169.254.0.0/16",
    "172.16.0.0/12",   "192.0.0.0/24",   "192.0.2.0/24",  "192.168.0.0/16", "198.18.0.0/15",
    "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4",   "240.0.0.0/4",    NULL};
static const char *const policy_private_v6[] = {"::/128",    "::1/128",       "64:ff9b::/96",
                                                "100::/64",  "2001:db8::/32", "fc00::/7",
                                                "fe80::/10", "ff00::/8",      NULL};

/* The non-public blocks, parsed once (pthread_once: evaluation runs on many threads). */
static policy_cidr policy_private_blocks[32];
static size_t policy_private_count;
static pthread_once_t policy_private_once = PTHREAD_ONCE_INIT;

static void policy_private_parse(void)
{
    const char *const *lists[] = {policy_private_v4, policy_private_v6};
    for (size_t l = 0; l < 2; l++)
        for (size_t i = 0; lists[l][i]; i++)
            if (policy_cidr_parse(lists[l][i], &policy_private_blocks[policy_private_count]) == 0)
                policy_private_count++;
}

bool policy_cidr_public(const policy_cidr *c)
{
    pthread_once(&policy_private_once, policy_private_parse);
    for (size_t i = 0; i < policy_private_count; i++)
        if (policy_cidr_contains(&policy_private_blocks[i], c))
            return false;
    return true;
}

/* ---- versions ---- */

static int read_number(const char **p, uint64_t *out)
{
    if (!isdigit((unsigned char)**p))
        return -1;
    uint64_t value = 0;
    while (isdigit((unsigned char)**p)) {
        uint64_t digit = (uint64_t)(**p - '0');
        if (value > (UINT64_MAX - digit) / 10)
            return -1;
        value = value * 10 + digit;
        (*p)++;
    }
    *out = value;
    return 0;
}

int policy_version_parse(const char *text, policy_version *out)
{
    memset(out, 0, sizeof *out);
    if (!text)
        return -1;
    const char *p = text;
    if (*p == 'v' || *p == 'V')
        p++;
    if (read_number(&p, &out->major) != 0)
        return -1;
    if (*p == '.') {
        p++;
        if (read_number(&p, &out->minor) != 0)
            return -1;
        if (*p == '.') {
            p++;
            if (read_number(&p, &out->patch) != 0)
                return -1;
        }
    }
    if (*p == '-') {
        p++;
        const char *start = p;
        while (*p && *p != '+') {
            if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
                return -1;
            p++;
        }
        if (p == start)
            return -1;
        out->pre = start;
        out->pre_len = (size_t)(p - start);
    }
    if (*p == '+') {
        p++;
        if (!*p)
            return -1;
        while (*p) {
            if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
                return -1;
            p++;
        }
    }
    return *p ? -1 : 0;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
    return a < b ? -1 : a > b ? 1 : 0;
}

/* One dot-separated pre-release identifier of [s, s+len). */
static int compare_identifier(const char *a, size_t alen, const char *b, size_t blen)
{
    bool anum = alen > 0, bnum = blen > 0;
    for (size_t i = 0; i < alen; i++)
        anum = anum && isdigit((unsigned char)a[i]);
    for (size_t i = 0; i < blen; i++)
        bnum = bnum && isdigit((unsigned char)b[i]);
    if (anum && bnum) {
        while (alen > 1 && *a == '0')
            a++, alen--;
        while (blen > 1 && *b == '0')
            b++, blen--;
        if (alen != blen)
            return alen < blen ? -1 : 1;
        int c = memcmp(a, b, alen);
        return c < 0 ? -1 : c > 0;
    }
    if (anum != bnum)
        return anum ? -1 : 1; /* numeric identifiers sort first */
    size_t n = alen < blen ? alen : blen;
    int c = memcmp(a, b, n);
    if (c != 0)
        return c < 0 ? -1 : 1;
    return alen == blen ? 0 : alen < blen ? -1 : 1;
}

int policy_version_compare(const policy_version *a, const policy_version *b)
{
    int c = cmp_u64(a->major, b->major);
    if (!c)
        c = cmp_u64(a->minor, b->minor);
    if (!c)
        c = cmp_u64(a->patch, b->patch);
    if (c)
        return c;
    if (!a->pre || !b->pre)
        return a->pre ? -1 : b->pre ? 1 : 0;
    const char *pa = a->pre, *ea = a->pre + a->pre_len;
    const char *pb = b->pre, *eb = b->pre + b->pre_len;
    while (pa < ea && pb < eb) {
        const char *da = memchr(pa, '.', (size_t)(ea - pa)),
                   *db = memchr(pb, '.', (size_t)(eb - pb));
        if (!da)
            da = ea;
        if (!db)
            db = eb;
        c = compare_identifier(pa, (size_t)(da - pa), pb, (size_t)(db - pb));
        if (c)
            return c;
        pa = da < ea ? da + 1 : ea;
        pb = db < eb ? db + 1 : eb;
    }
    return pa < ea ? 1 : pb < eb ? -1 : 0;
}

/* ---- sizes ---- */

double policy_size_unit(const char *unit)
{
    static const struct {
        const char *name;
        double bytes;
    } units[] = {{"B", 1.0},
                 {"KB", 1e3},
                 {"MB", 1e6},
                 {"GB", 1e9},
                 {"TB", 1e12},
                 {"PB", 1e15},
                 {"KiB", 1024.0},
                 {"MiB", 1048576.0},
                 {"GiB", 1073741824.0},
                 {"TiB", 1099511627776.0},
                 {"PiB", 1125899906842624.0}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (!strcmp(unit, units[i].name))
            return units[i].bytes;
    return 0;
}

int policy_size_parse(const char *text, double *bytes)
{
    if (!text || !(isdigit((unsigned char)text[0]) || text[0] == '.'))
        return -1;
    char *end = NULL;
    double value = strtod(text, &end);
    if (end == text || !isfinite(value) || value < 0)
        return -1;
    if (*end == ' ')
        end++;
    double unit = *end ? policy_size_unit(end) : 1.0;
    if (unit == 0)
        return -1;
    *bytes = value * unit;
    return 0;
}

/* ---- ports ---- */

int policy_port_range(const char *text, long *lo, long *hi)
{
    if (!isdigit((unsigned char)text[0])) {
        if (strcasecmp(text, "all") && strcasecmp(text, "any") && strcmp(text, "*") &&
            strcmp(text, "-1"))
            return -1;
        *lo = 0;
        *hi = 65535;
        return 0;
    }
    char *end = NULL;
    errno = 0;
    *lo = strtol(text, &end, 10);
    *hi = *lo;
    if (*end == '-') {
        if (!isdigit((unsigned char)end[1]))
            return -1;
        *hi = strtol(end + 1, &end, 10);
    }
    return errno || *end || *lo < 0 || *hi > 65535 || *lo > *hi ? -1 : 0;
}

/* ---- numbers as message text ---- */

/* Digits of `magnitude`, most significant first, at the end of a 24-byte scratch: where they
   start. */
static char *digits_of(unsigned long long magnitude, char scratch[24])
{
    char *p = scratch + 24;
    do {
        *--p = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude);
    return p;
}

size_t policy_format_integer(long long value, char *buf, size_t size)
{
    char scratch[24];
    unsigned long long magnitude =
        value < 0 ? 0ULL - (unsigned long long)value : (unsigned long long)value;
    char *p = digits_of(magnitude, scratch);
    size_t n = (size_t)(scratch + 24 - p), at = 0;
    if (n + 2 > size)
        return 0;
    if (value < 0)
        buf[at++] = '-';
    memcpy(buf + at, p, n);
    buf[at + n] = '\0';
    return at + n;
}

size_t policy_format_real(double value, char *buf, size_t size)
{
    /* Two decimals at most: cents / 100.0 is the double nearest that decimal (exact operands,
       one correctly rounded division), so the decimal text reads back as this double. */
    double scaled = value * 100.0;
    if (fabs(value) < 1e12 && size >= 32) {
        long long cents = (long long)(scaled + (scaled < 0 ? -0.5 : 0.5));
        if ((double)cents == scaled && (double)cents / 100.0 == value) {
            unsigned long long whole = (unsigned long long)(cents < 0 ? -cents : cents) / 100,
                               frac = (unsigned long long)(cents < 0 ? -cents : cents) % 100;
            char scratch[24];
            char *p = digits_of(whole, scratch);
            size_t at = 0, n = (size_t)(scratch + 24 - p);
            if (cents < 0 || (cents == 0 && signbit(value)))
                buf[at++] = '-';
            memcpy(buf + at, p, n);
            at += n;
            buf[at++] = '.';
            buf[at++] = (char)('0' + frac / 10);
            if (frac % 10)
                buf[at++] = (char)('0' + frac % 10);
            buf[at] = '\0';
            return at;
        }
    }
    int n = 0;
    for (int precision = 15; precision <= 17; precision++) {
        n = snprintf(buf, size, "%.*g", precision, value);
        if (n < 0 || strtod(buf, NULL) == value)
            break;
    }
    if (n > 0 && (size_t)n + 2 < size && !strpbrk(buf, ".eEni")) {
        memcpy(buf + n, ".0", 3);
        n += 2;
    }
    return n > 0 ? (size_t)n : 0;
}
