/* misconfig_time.c: timestamps: RFC 3339 (fwkx's grammar) and when an instance was stopped. */
#include <string.h>

#include "misconfig.h"

int misconfig_parse_time(const char *text, time_t *out)
{
    int64_t ms;

    if (fwkx_time_parse(text, &ms) != 0)
        return -1;
    *out = (time_t)(ms / 1000 - (ms % 1000 < 0)); /* whole seconds, also before 1970 */
    return 0;
}

/* EC2's StateTransitionReason: "User initiated (2019-01-10 14:20:33 GMT)". The date and time
   between the parenthesis and " GMT)" are read as RFC 3339 in UTC. */
static time_t misconfig_ec2_transition(const char *reason)
{
    const char *open = reason ? strchr(reason, '(') : NULL;
    char text[24];
    time_t t;

    if (!open || strlen(open) < 25 || strncmp(open + 20, " GMT)", 5) != 0)
        return -1;
    memcpy(text, open + 1, 19);
    memcpy(text + 19, "Z", 2);
    return misconfig_parse_time(text, &t) == 0 ? t : -1;
}

time_t misconfig_stopped_since(const json_t *resource)
{
    const char *provider = fwkx_str(resource, "provider", NULL);
    const json_t *attributes = json_object_get(resource, "attributes");
    time_t t;

    /* A provider that knows the time may say so in the normalized model... */
    if (misconfig_parse_time(fwkx_str(resource, "stopped_at", NULL), &t) == 0)
        return t;
    if (!provider)
        return -1;
    /* ...otherwise each cloud's raw field. */
    if (strcmp(provider, "aws") == 0)
        return misconfig_ec2_transition(fwkx_str(attributes, "StateTransitionReason", NULL));
    if (strcmp(provider, "gcp") == 0 &&
        misconfig_parse_time(fwkx_str(attributes, "lastStopTimestamp", NULL), &t) == 0)
        return t;
    return -1;
}
