/* file_read.h: the host's one reader of whole input files (config, secrets, specs,
   requirements, playbooks), refusing one beyond a size cap. */
#ifndef HOST_FILE_READ_H
#define HOST_FILE_READ_H

#include <stddef.h>

#include "diag.h"

/* Why file_read_whole gave no bytes. */
typedef enum file_read_failure {
    FILE_READ_CANNOT_OPEN = 1, /* fopen failed (missing, a directory, no permission) */
    FILE_READ_TOO_LARGE,       /* more than the cap */
    FILE_READ_CANNOT_READ,     /* a read error after the open */
    FILE_READ_NO_MEMORY,
} file_read_failure;

/*
 * file_read_whole: the bytes of `path` (malloc'd, NUL-terminated; the caller frees) and their
 * count in *length (the file may hold NUL bytes: compare it with strlen when that matters);
 * or NULL with why in *failure and, for FILE_READ_CANNOT_OPEN and FILE_READ_CANNOT_READ, the
 * errno in *error_number (may be NULL). For callers that word their own messages; others use
 * file_read_capped. Thread-safe.
 */
char *file_read_whole(const char *path, size_t max_bytes, size_t *length,
                      file_read_failure *failure, int *error_number);

/*
 * file_read_capped: file_read_whole with the message: the bytes of `path` (malloc'd,
 * NUL-terminated; the caller frees) and their count in *length; or NULL with "PATH: cannot
 * open the WHAT: reason", "PATH: the WHAT is larger than N MiB", "PATH: cannot read the WHAT"
 * or "PATH: out of memory" in err. `what` names the file for the user ("spec",
 * "requirements file"). Thread-safe.
 */
char *file_read_capped(const char *path, size_t max_bytes, const char *what, size_t *length,
                       diag *err);

#endif
