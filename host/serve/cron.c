/* cron.c: parse cron expressions and macros, and find the next time they fire (UTC). */
#include "cron.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "schema.h"

typedef struct cron_field {
    const char *name; /* for messages */
    int min, max;
    const char *const *names; /* names for min..max, or NULL */
} cron_field;

static const char *const month_names[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                          "jul", "aug", "sep", "oct", "nov", "dec"};
static const char *const weekday_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

static const cron_field fields[5] = {
    {"minute", 0, 59, NULL},
    {"hour", 0, 23, NULL},
    {"day of month", 1, 31, NULL},
    {"month", 1, 12, month_names},
    {"day of week", 0, 7, weekday_names},
};

/* A number or a name of the field; -1 when neither. Advances *p. */
static int parse_value(const cron_field *f, const char **p)
{
    const char *s = *p;
    if (isdigit((unsigned char)*s)) {
        long v = 0;
        while (isdigit((unsigned char)*s) && v < 1000)
            v = v * 10 + (*s++ - '0');
        *p = s;
        return v <= f->max && v >= f->min ? (int)v : -1;
    }
    if (f->names && isalpha((unsigned char)s[0]) && isalpha((unsigned char)s[1]) &&
        isalpha((unsigned char)s[2]) && !isalpha((unsigned char)s[3])) {
        int count = f == &fields[3] ? 12 : 7;
        for (int i = 0; i < count; i++)
            if (strncasecmp(s, f->names[i], 3) == 0) {
                *p = s + 3;
                return f->min + i;
            }
    }
    return -1;
}

/* One comma-separated item of a field into `bits`. */
static int parse_item(const cron_field *f, const char *item, uint64_t *bits, bool *any)
{
    const char *p = item;
    int lo, hi, step = 1;
    if (*p == '*') {
        lo = f->min;
        hi = f->max == 7 ? 6 : f->max;
        *any = true;
        p++;
    } else {
        lo = parse_value(f, &p);
        if (lo < 0)
            return -1;
        hi = lo;
        if (*p == '-') {
            p++;
            hi = parse_value(f, &p);
            if (hi < 0 || hi < lo)
                return -1;
        }
    }
    if (*p == '/') {
        p++;
        if (!isdigit((unsigned char)*p))
            return -1;
        long n = strtol(p, (char **)&p, 10);
        if (n < 1 || n > f->max)
            return -1;
        step = (int)n;
        if (hi == lo && item[0] != '*')
            hi = f->max;
    }
    if (*p != '\0')
        return -1;
    for (int v = lo; v <= hi; v += step)
        *bits |= 1ULL << (f == &fields[4] && v == 7 ? 0 : v);
    return 0;
}

static int parse_field(const cron_field *f, const char *text, uint64_t *bits, bool *any, char *why,
                       size_t why_size)
{
    char buf[128];
    *bits = 0;
    *any = false;
    size_t len = strlen(text);
    if (len == 0 || len >= sizeof buf || text[0] == ',' || text[len - 1] == ',' ||
        strstr(text, ",,"))
        goto bad;
    snprintf(buf, sizeof buf, "%s", text);
    bool item_any = false;
    for (char *save = NULL, *item = strtok_r(buf, ",", &save); item;
         item = strtok_r(NULL, ",", &save)) {
        if (parse_item(f, item, bits, &item_any) != 0)
            goto bad;
    }
    *any = item_any && strchr(text, ',') == NULL && strchr(text, '/') == NULL;
    if (*bits != 0)
        return 0;
bad:
    snprintf(why, why_size,
             "%s field '%s': expected *, */N, N, A-B, A-B/N or a comma list of them, with values "
             "from %d to %d%s",
             f->name, text, f->min, f->max,
             f->names ? (f == &fields[3] ? " or jan..dec" : " or sun..sat") : "");
    return -1;
}

static int parse_macro(const char *text, cron_spec *out, char *why, size_t why_size)
{
    static const struct {
        const char *name, *expr;
    } macros[] = {{"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
                  {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
                  {"@hourly", "0 * * * *"}};
    for (size_t i = 0; i < sizeof macros / sizeof macros[0]; i++)
        if (strcmp(text, macros[i].name) == 0)
            return cron_parse(macros[i].expr, out, why, why_size);
    if (strncmp(text, "@every", 6) == 0 && (text[6] == ' ' || text[6] == '\t')) {
        const char *d = text + 6;
        while (*d == ' ' || *d == '\t')
            d++;
        int64_t ms = 0;
        if (isdigit((unsigned char)*d) && !isdigit((unsigned char)d[strlen(d) - 1]) &&
            schema_parse_duration_ms(d, &ms) == 0 && ms >= 1000) {
            memset(out, 0, sizeof *out);
            out->every_ms = ms;
            return 0;
        }
        snprintf(why, why_size,
                 "'%s': @every takes a duration of at least 1s with its unit, such as 30s, 5m, "
                 "2h or 1d",
                 text);
        return -1;
    }
    snprintf(why, why_size,
             "'%s': unknown macro; use @yearly, @monthly, @weekly, @daily, @hourly or "
             "@every DURATION",
             text);
    return -1;
}

int cron_parse(const char *text, cron_spec *out, char *why, size_t why_size)
{
    memset(out, 0, sizeof *out);
    if (text[0] == '@')
        return parse_macro(text, out, why, why_size);
    char buf[256], *parts[6];
    size_t n = 0;
    snprintf(buf, sizeof buf, "%s", text);
    for (char *save = NULL, *w = strtok_r(buf, " \t", &save); w && n < 6;
         w = strtok_r(NULL, " \t", &save))
        parts[n++] = w;
    if (n != 5 || strlen(text) >= sizeof buf) {
        snprintf(why, why_size,
                 "'%s': expected 5 fields (minute hour day-of-month month day-of-week, e.g. "
                 "\"*/15 * * * *\") or a macro such as @hourly or \"@every 30s\"",
                 text);
        return -1;
    }
    uint64_t bits[5];
    bool any[5];
    for (size_t i = 0; i < 5; i++)
        if (parse_field(&fields[i], parts[i], &bits[i], &any[i], why, why_size) != 0)
            return -1;
    out->minutes = bits[0];
    out->hours = (uint32_t)bits[1];
    out->days = (uint32_t)bits[2];
    out->months = (uint16_t)bits[3];
    out->weekdays = (uint8_t)bits[4];
    out->days_any = any[2];
    out->weekdays_any = any[4];
    if (cron_next(out, 0) < 0) {
        snprintf(why, why_size, "'%s' never fires (no such day in the months it names)", text);
        return -1;
    }
    return 0;
}

static bool day_matches(const cron_spec *s, const struct tm *tm)
{
    bool dom = (s->days >> tm->tm_mday) & 1u;
    bool dow = (s->weekdays >> tm->tm_wday) & 1u;
    if (s->days_any && s->weekdays_any)
        return true;
    if (s->days_any)
        return dow;
    if (s->weekdays_any)
        return dom;
    return dom || dow;
}

int64_t cron_next(const cron_spec *spec, int64_t after_ms)
{
    if (spec->every_ms > 0)
        return after_ms + spec->every_ms;
    time_t t = (time_t)(after_ms / 60000 + 1) * 60;
    struct tm tm;
    /* At most 8 years of days, each day at most 24 hour steps and 60 minute steps. */
    for (int guard = 0; guard < 8 * 366 * 24 * 2; guard++) {
        gmtime_r(&t, &tm);
        if (!((spec->months >> (tm.tm_mon + 1)) & 1u)) {
            tm.tm_mon++;
            tm.tm_mday = 1;
            tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        } else if (!day_matches(spec, &tm)) {
            tm.tm_mday++;
            tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        } else if (!((spec->hours >> tm.tm_hour) & 1u)) {
            tm.tm_hour++;
            tm.tm_min = tm.tm_sec = 0;
        } else if (!((spec->minutes >> tm.tm_min) & 1u)) {
            tm.tm_min++;
            tm.tm_sec = 0;
        } else {
            return (int64_t)t * 1000;
        }
        t = timegm(&tm);
    }
    return -1;
}
