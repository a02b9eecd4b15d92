/* secret_ref.h: secret references (env:NAME, file:PATH): one set of rules for the config's
   ${env:}/${file:} and for plugins' host->secret_get. */
#ifndef HOST_SECRET_REF_H
#define HOST_SECRET_REF_H

#include <stddef.h>

/* The largest secret file read, in bytes. */
#define SECRET_REF_MAX_FILE_BYTES (1024 * 1024)

/*
 * secret_ref_read_file: the content of the secret file `path`: at most
 * SECRET_REF_MAX_FILE_BYTES, without NUL bytes, one trailing "\n" or "\r\n" dropped.
 * Returns a new string (free()); or NULL with why the file cannot serve as a secret in `why`
 * ("PATH: No such file or directory", "PATH: larger than 1 MiB", "PATH: contains a NUL
 * byte", "PATH: cannot read it"); the message never holds any of the file's bytes.
 * Thread-safe.
 */
char *secret_ref_read_file(const char *path, char *why, size_t why_size);

/*
 * secret_ref_resolve: resolve "env:NAME" or "file:PATH" (PATH used as given). Returns a new
 * string; or NULL with a message naming the reference and what to do in `why`: an unset
 * variable ("env:X: environment variable X is not set; export it"), an unreadable file (as
 * secret_ref_read_file, then "; check the path and its permissions"), or a reference of
 * another form. An empty variable is a value (""), as in the config. Thread-safe.
 */
char *secret_ref_resolve(const char *ref, char *why, size_t why_size);

#endif
