/* pol_types.h: typed values of the policy language: timestamps, durations, CIDRs, versions,
   sizes. Pure functions, no allocation unless said; thread-safe. */
#ifndef POL_TYPES_H
#define POL_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where something was written: file (borrowed from the engine), 1-based line and column. */
typedef struct pol_src {
    const char *file;
    int line, column;
} pol_src;

/* A duration: calendar months (mo, y) plus seconds (s, m, h, d, w). */
typedef struct pol_duration {
    int64_t seconds;
    int32_t months;
} pol_duration;

/* "90d", "36h", "6mo", "1y": 0, or -1 when malformed. */
int pol_duration_parse(const char *text, pol_duration *out);

/* A parsed timestamp: the instant, and the UTC offset it was written with (seconds). */
typedef struct pol_time {
    int64_t epoch;
    int32_t offset;
} pol_time;

/* RFC 3339 ("2026-01-02T03:04:05Z", fractions and +hh:mm offsets) or "2026-01-02" (midnight
   UTC): fwkx_time_parse's grammar; the fraction is dropped. 0, or -1 when malformed or not a
   real date. */
int pol_time_parse(const char *text, pol_time *out);
/* `epoch` plus `d` (months on the calendar, clamping the day to the month's last). */
int64_t pol_time_add(int64_t epoch, pol_duration d);
/* Format `epoch` as "YYYY-MM-DDTHH:MM:SSZ" into buf (>= 21 bytes); "" outside years 0000-9999
   (fwkx_time_format). */
void pol_time_format(int64_t epoch, char *buf, size_t size);
/* Minutes since local midnight and weekday (0 = Sunday) of a time in its own offset. */
void pol_time_local(const pol_time *t, int *minutes, int *weekday);
/* "HH:MM" -> minutes since midnight; -1 when malformed. */
int pol_time_of_day_parse(const char *text);

/* An IPv4 or IPv6 range. IPv4 is stored in the first 4 bytes. */
typedef struct pol_cidr {
    unsigned char addr[16];
    int family;               /* 4 or 6 */
    int prefix;               /* 0..32 or 0..128 */
} pol_cidr;

/* "10.0.0.0/8", "1.2.3.4", "::/0", "2001:db8::1". Host bits under the prefix are cleared.
   IPv4-mapped IPv6 (::ffff:a.b.c.d/96+) becomes IPv4. 0, or -1 when malformed. */
int pol_cidr_parse(const char *text, pol_cidr *out);
/* a wholly contains b. */
bool pol_cidr_contains(const pol_cidr *a, const pol_cidr *b);
/* a and b share an address. */
bool pol_cidr_overlaps(const pol_cidr *a, const pol_cidr *b);
/* The range reaches a public address (see docs/policy.md for the non-public ranges). */
bool pol_cidr_public(const pol_cidr *c);

/* A semantic version; `pre` points into the parsed text (or an owned copy). */
typedef struct pol_version {
    uint64_t major, minor, patch;
    const char *pre;          /* pre-release identifiers, or NULL */
    size_t pre_len;
    char *pre_owned;          /* set when the version owns `pre` (compiled constants) */
} pol_version;

/* "v1.30.4-gke.1234+build": 0, or -1 when malformed. `pre` borrows from text. */
int pol_version_parse(const char *text, pol_version *out);
/* <0, 0, >0 as semver precedence orders a and b. */
int pol_version_compare(const pol_version *a, const pol_version *b);

/* "100GiB", "1.5 TB", "512": bytes; -1 when malformed. */
int pol_size_parse(const char *text, double *bytes);
/* The bytes of one unit ("GiB" -> 1073741824); 0 when unknown. */
double pol_size_unit(const char *unit);

/* A port spec: 22, "22", "20-30", "all"/"any"/"*"/"-1" (0-65535). 0, or -1 when malformed. */
int pol_port_range(const char *text, long *lo, long *hi);

/*
 * pol_format_integer / pol_format_real: a number as message text into buf (size >= 32),
 * NUL-terminated; return the length. A real is the shortest text that reads back as the same
 * double, with ".0" when it has no fraction ("12.5", "0.1", "3.0", "1e+300"), as Python's
 * repr; values with at most two decimals (prices) take a fast path without printf. NaN and
 * infinity (which jansson never holds) print as printf does. Thread-safe.
 */
size_t pol_format_integer(long long value, char *buf, size_t size);
size_t pol_format_real(double value, char *buf, size_t size);

#endif
