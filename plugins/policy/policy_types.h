/* policy_types.h: typed values of the policy language: timestamps, durations, CIDRs, versions,
   sizes. Pure functions, no allocation unless said; thread-safe. */
#ifndef POLICY_TYPES_H
#define POLICY_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where something was written: file (borrowed from the engine), 1-based line and column. */
typedef struct policy_src {
    const char *file;
    int line, column;
} policy_src;

/* A duration: calendar months (mo, y) plus seconds (s, m, h, d, w). */
typedef struct policy_duration {
    int64_t seconds;
    int32_t months;
} policy_duration;

/* "90d", "36h", "6mo", "1y": 0, or -1 when malformed. */
int policy_duration_parse(const char *text, policy_duration *out);

/* A parsed timestamp: the instant, and the UTC offset it was written with (seconds). */
typedef struct policy_time {
    int64_t epoch;
    int32_t offset;
} policy_time;

/* RFC 3339 ("2026-01-02T03:04:05Z", fractions and +hh:mm offsets) or "2026-01-02" (midnight
   UTC): fwkx_time_parse's grammar; the fraction is dropped. 0, or -1 when malformed or not a
   real date. */
int policy_time_parse(const char *text, policy_time *out);
/* `epoch` plus `d` (months on the calendar, clamping the day to the month's last). */
int64_t policy_time_add(int64_t epoch, policy_duration d);
/* Format `epoch` as "YYYY-MM-DDTHH:MM:SSZ" into buf (>= 21 bytes); "" outside years 0000-9999
   (fwkx_time_format). */
void policy_time_format(int64_t epoch, char *buf, size_t size);
/* Minutes since local midnight and weekday (0 = Sunday) of a time in its own offset. */
void policy_time_local(const policy_time *t, int *minutes, int *weekday);
/* "HH:MM" -> minutes since midnight; -1 when malformed. */
int policy_time_of_day_parse(const char *text);

/* An IPv4 or IPv6 range. IPv4 is stored in the first 4 bytes. */
typedef struct policy_cidr {
    unsigned char addr[16];
    int family; /* 4 or 6 */
    int prefix; /* 0..32 or 0..128 */
} policy_cidr;

/* "10.0.0.0/8", "1.2.3.4", "::/0", "2001:db8::1". Host bits under the prefix are cleared.
   IPv4-mapped IPv6 (::ffff:a.b.c.d/96+) becomes IPv4. 0, or -1 when malformed. */
int policy_cidr_parse(const char *text, policy_cidr *out);
/* a wholly contains b. */
bool policy_cidr_contains(const policy_cidr *a, const policy_cidr *b);
/* a and b share an address. */
bool policy_cidr_overlaps(const policy_cidr *a, const policy_cidr *b);
/* The range reaches a public address (see docs/policy.md for the non-public ranges). */
bool policy_cidr_public(const policy_cidr *c);

/* A semantic version; `pre` points into the parsed text (or an owned copy). */
typedef struct policy_version {
    uint64_t major, minor, patch;
    const char *pre; /* pre-release identifiers, or NULL */
    size_t pre_len;
    char *pre_owned; /* set when the version owns `pre` (compiled constants) */
} policy_version;

/* "v1.30.4-gke.1234+build": 0, or -1 when malformed. `pre` borrows from text. */
int policy_version_parse(const char *text, policy_version *out);
/* <0, 0, >0 as semver precedence orders a and b. */
int policy_version_compare(const policy_version *a, const policy_version *b);

/* "100GiB", "1.5 TB", "512": bytes; -1 when malformed. */
int policy_size_parse(const char *text, double *bytes);
/* The bytes of one unit ("GiB" -> 1073741824); 0 when unknown. */
double policy_size_unit(const char *unit);

/* A port spec: 22, "22", "20-30", "all"/"any"/"*"/"-1" (0-65535). 0, or -1 when malformed. */
int policy_port_range(const char *text, long *lo, long *hi);

/*
 * policy_format_integer / policy_format_real: a number as message text into buf (size >= 32),
 * NUL-terminated; return the length. A real is the shortest text that reads back as the same
 * double, with ".0" when it has no fraction ("12.5", "0.1", "3.0", "1e+300"), as Python's
 * repr; values with at most two decimals (prices) take a fast path without printf. NaN and
 * infinity (which jansson never holds) print as printf does. Thread-safe.
 */
size_t policy_format_integer(long long value, char *buf, size_t size);
size_t policy_format_real(double value, char *buf, size_t size);

#endif
