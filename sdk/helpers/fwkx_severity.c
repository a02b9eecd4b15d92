/* fwkx_severity.c: the severity scale of findings: names, parsing, order. */
#include <string.h>

#include "fawkes/fwkx.h"

const char *const fwkx_severity_names[] = {"info", "low", "medium", "high", "critical", NULL};

int fwkx_severity_parse(const char *text, fwkx_severity *out)
{
    for (int i = 0; text && fwkx_severity_names[i]; i++) {
        if (strcmp(text, fwkx_severity_names[i]) == 0) {
            *out = (fwkx_severity)i;
            return 0;
        }
    }
    return -1;
}

const char *fwkx_severity_name(fwkx_severity severity)
{
    if ((int)severity < FWKX_SEV_INFO || severity > FWKX_SEV_CRITICAL)
        return "unknown";
    return fwkx_severity_names[severity];
}
