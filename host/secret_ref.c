/* secret_ref.c: reading secret references with the same rules everywhere (see secret_ref.h). */
#include "secret_ref.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file_read.h"

char *secret_ref_read_file(const char *path, char *why, size_t why_size)
{
    size_t length = 0;
    file_read_failure failure;
    int error_number;
    char *data = file_read_whole(path, SECRET_REF_MAX_FILE_BYTES, &length, &failure, &error_number);
    if (!data) {
        if (failure == FILE_READ_CANNOT_OPEN)
            snprintf(why, why_size, "%s: %s", path, strerror(error_number));
        else if (failure == FILE_READ_TOO_LARGE)
            snprintf(why, why_size, "%s: larger than 1 MiB", path);
        else if (failure == FILE_READ_NO_MEMORY)
            snprintf(why, why_size, "%s: out of memory", path);
        else
            snprintf(why, why_size, "%s: cannot read it", path);
        return NULL;
    }
    if (strlen(data) != length) {
        snprintf(why, why_size, "%s: contains a NUL byte", path);
        free(data);
        return NULL;
    }
    if (length > 0 && data[length - 1] == '\n') {
        data[--length] = '\0';
        if (length > 0 && data[length - 1] == '\r')
            data[--length] = '\0';
    }
    return data;
}

char *secret_ref_lookup(const char *ref, secret_ref_failure *failure, char *detail,
                        size_t detail_size)
{
    char *value;
    if (ref && strncmp(ref, "env:", 4) == 0) {
        const char *found = getenv(ref + 4);
        if (!found) {
            *failure = SECRET_REF_UNSET;
            snprintf(detail, detail_size, "%s", ref + 4);
            return NULL;
        }
        value = strdup(found);
    } else if (ref && strncmp(ref, "file:", 5) == 0) {
        value = secret_ref_read_file(ref + 5, detail, detail_size);
        if (!value) {
            *failure = SECRET_REF_UNREADABLE;
            return NULL;
        }
    } else {
        *failure = SECRET_REF_NOT_UNDERSTOOD;
        snprintf(detail, detail_size, "%s", ref ? ref : "(null)");
        return NULL;
    }
    if (!value) {
        *failure = SECRET_REF_NO_MEMORY;
        snprintf(detail, detail_size, "out of memory");
    }
    return value;
}

char *secret_ref_resolve(const char *ref, char *why, size_t why_size)
{
    char detail[512];
    secret_ref_failure failure;
    char *value = secret_ref_lookup(ref, &failure, detail, sizeof detail);
    if (value)
        return value;
    switch (failure) {
    case SECRET_REF_UNSET:
        snprintf(why, why_size, "secret %s: environment variable %s is not set; export it", ref,
                 detail);
        break;
    case SECRET_REF_UNREADABLE:
        snprintf(why, why_size, "secret %s: cannot use %s; check the path and its permissions", ref,
                 detail);
        break;
    case SECRET_REF_NOT_UNDERSTOOD:
        snprintf(why, why_size,
                 "secret reference '%s' is not understood: use env:NAME or file:PATH", detail);
        break;
    case SECRET_REF_NO_MEMORY:
        snprintf(why, why_size, "secret %s: out of memory", ref);
        break;
    }
    return NULL;
}
