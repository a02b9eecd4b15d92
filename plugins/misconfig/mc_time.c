/* mc_time.c: timestamps: RFC 3339 parsing and when an instance was stopped. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "mc.h"

static int mc_make_time(int year, int month, int day, int hour, int minute, int second, time_t *out)
{
    struct tm tm;

    if (year < 1970 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 ||
        second > 60 || hour < 0 || minute < 0 || second < 0)
        return -1;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    *out = timegm(&tm);
    return *out == (time_t)-1 ? -1 : 0;
}

int mc_parse_time(const char *text, time_t *out)
{
    int year, month, day, hour, minute, second, used = 0;
    int off_hour, off_minute, off_used = 0, sign;
    const char *p;
    time_t t;

    if (!text ||
        sscanf(text, "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute,
               &second, &used) != 6 ||
        used == 0)
        return -1;
    p = text + used;
    if (*p == '.') {
        for (p++; isdigit((unsigned char)*p); p++)
            ;
    }
    if (mc_make_time(year, month, day, hour, minute, second, &t) != 0)
        return -1;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        sign = *p == '-' ? -1 : 1;
        if (sscanf(p + 1, "%2d:%2d%n", &off_hour, &off_minute, &off_used) != 2 || off_used != 5 ||
            off_hour > 23 || off_minute > 59)
            return -1;
        t -= sign * (off_hour * 3600 + off_minute * 60);
        p += 1 + off_used;
    } else {
        return -1;
    }
    if (*p != '\0')
        return -1;
    *out = t;
    return 0;
}

/* EC2's StateTransitionReason: "User initiated (2019-01-10 14:20:33 GMT)". */
static time_t mc_ec2_transition(const char *reason)
{
    const char *open = reason ? strchr(reason, '(') : NULL;
    int year, month, day, hour, minute, second;
    time_t t;

    if (!open ||
        sscanf(open, "(%4d-%2d-%2d %2d:%2d:%2d GMT)", &year, &month, &day, &hour, &minute,
               &second) != 6 ||
        mc_make_time(year, month, day, hour, minute, second, &t) != 0)
        return -1;
    return t;
}

time_t mc_stopped_since(const json_t *resource)
{
    const json_t *attributes = json_object_get(resource, "attributes");
    const char *provider = json_string_value(json_object_get(resource, "provider"));
    time_t t;

    /* A provider that knows the time may say so in the normalized model... */
    if (mc_parse_time(json_string_value(json_object_get(resource, "stopped_at")), &t) == 0)
        return t;
    if (!provider || !json_is_object(attributes))
        return -1;
    /* ...otherwise each cloud's raw field. */
    if (strcmp(provider, "aws") == 0)
        return mc_ec2_transition(
            json_string_value(json_object_get(attributes, "StateTransitionReason")));
    if (strcmp(provider, "gcp") == 0 &&
        mc_parse_time(json_string_value(json_object_get(attributes, "lastStopTimestamp")), &t) == 0)
        return t;
    return -1;
}
