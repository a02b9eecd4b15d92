/* examples/helpers/utf8.c: fit text into a byte limit without splitting a character. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fawkes/fwkx.h>

int main(void)
{
    const char *title = "Café € über alles"; /* é, €, ü take 2, 3 and 2 bytes */
    char subject[64];
    char *summary;

    snprintf(subject, sizeof subject, "%s", title);
    fwkx_utf8_truncate(subject, 8); /* bytes 6-8 are "€": cut before it */
    printf("[%s] %zu bytes\n", subject, strlen(subject));
    printf("prefix of at most 4 bytes: %zu bytes\n", /* bytes 3-4 are "é" */
           fwkx_utf8_prefix(title, strlen(title), 4));
    summary = fwkx_utf8_ellipsize(title, 12);
    if (!summary)
        return 1;
    printf("[%s] %zu bytes\n", summary, strlen(summary));
    free(summary);
    return 0;
}
