/* cost_range.c: parse and default the --from/--to of `fawkes cost`. */
#include "cost_range.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parse one accepted form into a UTC time. Returns 0, or -1. */
static int parse_time(const char *text, time_t *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *rest = strptime(text, "%Y-%m-%d", &tm);
    if (!rest || tm.tm_mday < 1)
        return -1;
    long offset_s = 0;
    if (*rest == 'T' || *rest == 't' || *rest == ' ') {
        rest = strptime(rest + 1, "%H:%M:%S", &tm);
        if (!rest)
            return -1;
        if (*rest == '.') /* fractions of a second */
            for (rest++; isdigit((unsigned char)*rest);)
                rest++;
        if (*rest == 'Z' || *rest == 'z') {
            rest++;
        } else if (*rest == '+' || *rest == '-') {
            int hours, minutes, used = 0;
            if (sscanf(rest + 1, "%2d:%2d%n", &hours, &minutes, &used) != 2 || used != 5 ||
                hours > 23 || minutes > 59)
                return -1;
            offset_s = (hours * 3600L + minutes * 60L) * (*rest == '-' ? -1 : 1);
            rest += 6;
        } else {
            return -1;
        }
    }
    if (*rest != '\0')
        return -1;
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return -1;
    *out = t - offset_s;
    return 0;
}

static void format_utc(time_t t, char out[COST_TIME_MAX])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, COST_TIME_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int cost_range(const char *from, const char *to, time_t now, char from_out[COST_TIME_MAX],
               char to_out[COST_TIME_MAX], diag *err)
{
    static const char forms[] = "use YYYY-MM-DD or an RFC 3339 time such as "
                                "2026-01-02T03:04:05Z";
    time_t start, end = now;
    if (from) {
        if (parse_time(from, &start) != 0) {
            diag_set(err, "--from %s: not a date or time; %s", from, forms);
            return -1;
        }
    } else {
        struct tm tm;
        gmtime_r(&now, &tm);
        tm.tm_mday = 1;
        tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        start = timegm(&tm);
    }
    if (to && parse_time(to, &end) != 0) {
        diag_set(err, "--to %s: not a date or time; %s", to, forms);
        return -1;
    }
    format_utc(start, from_out);
    format_utc(end, to_out);
    if (start >= end) {
        diag_set(err, "--from %s is not before --to %s: give a range that moves forward", from_out,
                 to_out);
        return -1;
    }
    return 0;
}
