/* file_read.c: read an input file whole, refusing one beyond a size cap (see file_read.h). */
#include "file_read.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *file_read_whole(const char *path, size_t max_bytes, size_t *length,
                      file_read_failure *failure, int *error_number)
{
    int ignored;
    if (!error_number)
        error_number = &ignored;
    *error_number = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        *error_number = errno;
        *failure = FILE_READ_CANNOT_OPEN;
        return NULL;
    }
    char *text = malloc(max_bytes + 1);
    size_t n = text ? fread(text, 1, max_bytes + 1, f) : 0;
    if (text && ferror(f)) {
        *error_number = errno;
        *failure = FILE_READ_CANNOT_READ;
    } else if (!text) {
        *failure = FILE_READ_NO_MEMORY;
    } else if (n > max_bytes) {
        *failure = FILE_READ_TOO_LARGE;
    } else {
        fclose(f);
        text[n] = '\0';
        *length = n;
        return text;
    }
    fclose(f);
    free(text);
    return NULL;
}

char *file_read_capped(const char *path, size_t max_bytes, const char *what, size_t *length,
                       diag *err)
{
    file_read_failure failure;
    int error_number;
    char *text = file_read_whole(path, max_bytes, length, &failure, &error_number);
    if (text)
        return text;
    switch (failure) {
    case FILE_READ_CANNOT_OPEN:
        diag_set(err, "%s: cannot open the %s: %s", path, what, strerror(error_number));
        break;
    case FILE_READ_TOO_LARGE:
        diag_set(err, "%s: the %s is larger than %zu MiB", path, what, max_bytes >> 20);
        break;
    case FILE_READ_CANNOT_READ:
        diag_set(err, "%s: cannot read the %s", path, what);
        break;
    case FILE_READ_NO_MEMORY:
        diag_set(err, "%s: out of memory", path);
        break;
    }
    return NULL;
}
