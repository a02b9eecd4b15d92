/* secret_ref.c: reading secret references with the same rules everywhere. */
#include "secret_ref.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *secret_ref_read_file(const char *path, char *why, size_t why_size)
{
    FILE *f = fopen(path, "rb");
    char *data;
    size_t length;
    int failed;

    if (!f) {
        snprintf(why, why_size, "%s: %s", path, strerror(errno));
        return NULL;
    }
    data = malloc(SECRET_REF_MAX_FILE_BYTES + 1);
    length = data ? fread(data, 1, SECRET_REF_MAX_FILE_BYTES + 1, f) : 0;
    failed = data ? ferror(f) : 1;
    fclose(f);
    if (failed) {
        snprintf(why, why_size, "%s: cannot read it", path);
        goto fail;
    }
    if (length > SECRET_REF_MAX_FILE_BYTES) {
        snprintf(why, why_size, "%s: larger than 1 MiB", path);
        goto fail;
    }
    data[length] = '\0';
    if (strlen(data) != length) {
        snprintf(why, why_size, "%s: contains a NUL byte", path);
        goto fail;
    }
    if (length > 0 && data[length - 1] == '\n') {
        data[--length] = '\0';
        if (length > 0 && data[length - 1] == '\r')
            data[--length] = '\0';
    }
    return data;
fail:
    free(data);
    return NULL;
}

char *secret_ref_resolve(const char *ref, char *why, size_t why_size)
{
    char *value = NULL;

    if (ref && strncmp(ref, "env:", 4) == 0) {
        const char *found = getenv(ref + 4);
        if (!found) {
            snprintf(why, why_size, "secret %s: environment variable %s is not set; export it", ref,
                     ref + 4);
            return NULL;
        }
        value = strdup(found);
    } else if (ref && strncmp(ref, "file:", 5) == 0) {
        char reason[512];
        value = secret_ref_read_file(ref + 5, reason, sizeof reason);
        if (!value) {
            snprintf(why, why_size,
                     "secret %s: cannot use %s; check the path and its "
                     "permissions",
                     ref, reason);
            return NULL;
        }
    } else {
        snprintf(why, why_size,
                 "secret reference '%s' is not understood: use env:NAME or "
                 "file:PATH",
                 ref ? ref : "(null)");
        return NULL;
    }
    if (!value)
        snprintf(why, why_size, "secret %s: out of memory", ref);
    return value;
}
