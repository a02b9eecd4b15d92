/* file_read.c: read a small input file whole, refusing one beyond a size cap. */
#include "file_read.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *file_read_capped(const char *path, size_t max_bytes, const char *what, size_t *length,
                       diag *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        diag_set(err, "%s: cannot open the %s: %s", path, what, strerror(errno));
        return NULL;
    }
    char *text = malloc(max_bytes + 1);
    size_t n = text ? fread(text, 1, max_bytes + 1, f) : 0;
    bool failed = ferror(f) != 0;
    fclose(f);
    if (!text || failed || n > max_bytes) {
        if (!text)
            diag_set(err, "%s: out of memory", path);
        else if (failed)
            diag_set(err, "%s: cannot read the %s", path, what);
        else
            diag_set(err, "%s: the %s is larger than %zu MiB", path, what, max_bytes >> 20);
        free(text);
        return NULL;
    }
    text[n] = '\0';
    *length = n;
    return text;
}
