/* fwkx_time.c: RFC 3339 timestamps (one grammar, see fawkes/fwkx.h) and the two clocks. */
#include <stdio.h>
#include <time.h>

#include "fawkes/fwkx.h"

#define FWKX_MS_PER_DAY 86400000LL

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t fwkx_days_from_civil(int64_t year, unsigned month, unsigned day)
{
    year -= month <= 2;
    const int64_t era = (year >= 0 ? year : year - 399) / 400;
    const unsigned yoe = (unsigned)(year - era * 400);
    const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* The date of a day number (the inverse of fwkx_days_from_civil). */
static void fwkx_civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day)
{
    days += 719468;
    const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const unsigned doe = (unsigned)(days - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *day = doy - (153 * mp + 2) / 5 + 1;
    *month = mp < 10 ? mp + 3 : mp - 9;
    *year = (int64_t)yoe + era * 400 + (*month <= 2);
}

static int fwkx_is_leap(int64_t year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

/* `count` ASCII digits at *p as a number, advancing *p; -1 when they are not all digits. */
static int fwkx_digits(const char **p, int count)
{
    int value = 0;
    for (int i = 0; i < count; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return -1;
        value = value * 10 + (c - '0');
    }
    *p += count;
    return value;
}

/* "YYYY-MM-DD" at *p into days since 1970; -1 when malformed or not a real date. */
static int fwkx_parse_date(const char **p, int64_t *days)
{
    static const unsigned char month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int year = fwkx_digits(p, 4), month, day;

    if (year < 0 || *(*p)++ != '-' || (month = fwkx_digits(p, 2)) < 1 || month > 12 ||
        *(*p)++ != '-' || (day = fwkx_digits(p, 2)) < 1)
        return -1;
    if (day > month_days[month - 1] + (month == 2 && fwkx_is_leap(year)))
        return -1;
    *days = fwkx_days_from_civil(year, (unsigned)month, (unsigned)day);
    return 0;
}

/* "hh:mm:ss[.frac]" at *p into milliseconds of the day; -1 when malformed. */
static int fwkx_parse_clock(const char **p, int64_t *ms)
{
    int hour = fwkx_digits(p, 2), minute, second, frac_ms = 0, scale = 100;

    if (hour < 0 || hour > 23 || *(*p)++ != ':' || (minute = fwkx_digits(p, 2)) < 0 ||
        minute > 59 || *(*p)++ != ':' || (second = fwkx_digits(p, 2)) < 0 || second > 60)
        return -1;
    if (second == 60)
        second = 59; /* a leap second: POSIX time has no room for it */
    if (**p == '.') {
        (*p)++;
        if (**p < '0' || **p > '9')
            return -1;
        for (; **p >= '0' && **p <= '9'; (*p)++) {
            frac_ms += (**p - '0') * scale;
            scale /= 10;
        }
    }
    *ms = ((int64_t)hour * 3600 + minute * 60 + second) * 1000 + frac_ms;
    return 0;
}

/* "Z" or "+hh:mm"/"-hh:mm" at *p into the offset east of UTC in ms; -1 when malformed. */
static int fwkx_parse_offset(const char **p, int64_t *offset_ms)
{
    int sign, hour, minute;

    if (**p == 'Z' || **p == 'z') {
        (*p)++;
        *offset_ms = 0;
        return 0;
    }
    if (**p != '+' && **p != '-')
        return -1;
    sign = *(*p)++ == '-' ? -1 : 1;
    if ((hour = fwkx_digits(p, 2)) < 0 || hour > 23 || *(*p)++ != ':' ||
        (minute = fwkx_digits(p, 2)) < 0 || minute > 59)
        return -1;
    *offset_ms = sign * ((int64_t)hour * 3600 + minute * 60) * 1000;
    return 0;
}

int fwkx_time_parse(const char *text, int64_t *unix_ms)
{
    const char *p = text;
    int64_t days, clock_ms = 0, offset_ms = 0;

    if (!text || fwkx_parse_date(&p, &days) != 0)
        return -1;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (fwkx_parse_clock(&p, &clock_ms) != 0 || fwkx_parse_offset(&p, &offset_ms) != 0)
            return -1;
    }
    if (*p != '\0')
        return -1;
    *unix_ms = days * FWKX_MS_PER_DAY + clock_ms - offset_ms;
    return 0;
}

char *fwkx_time_format(int64_t unix_ms, char *out, size_t size)
{
    int64_t days, ms_of_day, year;
    unsigned month, day;
    int n;

    if (size == 0)
        return out;
    out[0] = '\0';
    days = unix_ms / FWKX_MS_PER_DAY;
    ms_of_day = unix_ms % FWKX_MS_PER_DAY;
    if (ms_of_day < 0) {
        ms_of_day += FWKX_MS_PER_DAY;
        days--;
    }
    fwkx_civil_from_days(days, &year, &month, &day);
    if (year < 0 || year > 9999)
        return out;
    int seconds = (int)(ms_of_day / 1000), millis = (int)(ms_of_day % 1000);
    n = snprintf(out, size, "%04d-%02u-%02uT%02d:%02d:%02d", (int)year, month, day, seconds / 3600,
                 seconds / 60 % 60, seconds % 60);
    if (n > 0 && (size_t)n < size)
        snprintf(out + n, size - (size_t)n, millis ? ".%03dZ" : "Z", millis);
    return out;
}

static int64_t fwkx_clock_ms(clockid_t clock)
{
    struct timespec now;

    clock_gettime(clock, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

int64_t fwkx_clock_mono_ms(void)
{
    return fwkx_clock_ms(CLOCK_MONOTONIC);
}

int64_t fwkx_clock_wall_ms(void)
{
    return fwkx_clock_ms(CLOCK_REALTIME);
}
