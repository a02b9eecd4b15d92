/* file_read.h: read a small input file (a spec, a requirements file) whole. */
#ifndef HOST_FILE_READ_H
#define HOST_FILE_READ_H

#include <stddef.h>

#include "diag.h"

/*
 * file_read_capped: the bytes of `path` (malloc'd, NUL-terminated; the caller frees) and
 * their count in *length; or NULL with "PATH: cannot open the WHAT: reason", "PATH: the
 * WHAT is larger than N MiB" or "PATH: cannot read the WHAT" in err. `what` names the file
 * for the user ("spec", "requirements file"). Thread-safe.
 */
char *file_read_capped(const char *path, size_t max_bytes, const char *what, size_t *length,
                       diag *err);

#endif
