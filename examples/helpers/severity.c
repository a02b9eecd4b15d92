/* examples/helpers/severity.c: parse, compare and name finding severities. */
#include <stdio.h>

#include <fawkes/fwkx.h>

int main(void)
{
    fwkx_severity threshold = FWKX_SEV_HIGH, seen;
    const char *inputs[] = {"critical", "medium", "urgent"};

    for (int i = 0; i < 3; i++) {
        if (fwkx_severity_parse(inputs[i], &seen) != 0)
            printf("%s: unknown severity (expected one of info, low, medium, high, critical)\n",
                   inputs[i]);
        else
            printf("%s: %s\n", fwkx_severity_name(seen),
                   seen >= threshold ? "page someone" : "report only");
    }
    return 0;
}
