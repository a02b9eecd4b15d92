/* examples/helpers/time.c: read any RFC 3339 timestamp a cloud API writes; write UTC. */
#include <stdio.h>

#include <fawkes/fwkx.h>

int main(void)
{
    const char *inputs[] = {"2026-01-02T03:04:05Z", "2026-01-02 05:04:05.5+02:00", "2026-01-02",
                            "2026-01-02T03:04:05"};
    char text[FWKX_TIME_MAX];
    int64_t ms;

    for (int i = 0; i < 4; i++) {
        if (fwkx_time_parse(inputs[i], &ms) != 0)
            printf("%-28s not RFC 3339 (no offset?)\n", inputs[i]);
        else
            printf("%-28s %lld ms = %s\n", inputs[i], (long long)ms,
                   fwkx_time_format(ms, text, sizeof text));
    }
    return 0;
}
