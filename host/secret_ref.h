/* secret_ref.h: secret references (env:NAME, file:PATH): one set of rules for the config's
   ${env:}/${file:} and for plugins' host->secret_get. */
#ifndef HOST_SECRET_REF_H
#define HOST_SECRET_REF_H

#include <stddef.h>

/* The largest secret file read, in bytes. */
#define SECRET_REF_MAX_FILE_BYTES (1024 * 1024)

/* What a reference failed on (secret_ref_lookup). */
typedef enum secret_ref_failure {
    SECRET_REF_UNSET = 1,      /* env:NAME: not set (an empty variable is a value, "") */
    SECRET_REF_UNREADABLE,     /* file:PATH: absent, unreadable, over 1 MiB or with a NUL byte */
    SECRET_REF_NOT_UNDERSTOOD, /* neither env:NAME nor file:PATH */
    SECRET_REF_NO_MEMORY,
} secret_ref_failure;

/*
 * secret_ref_read_file: the content of the secret file `path`, read with the host's capped
 * reader (file_read.h): at most SECRET_REF_MAX_FILE_BYTES, without NUL bytes, one trailing
 * "\n" or "\r\n" dropped. Returns a new string (free()); or NULL with why the file cannot
 * serve as a secret in `why` ("PATH: No such file or directory", "PATH: larger than 1 MiB",
 * "PATH: contains a NUL byte", "PATH: cannot read it", "PATH: out of memory"); the message
 * never holds any of the file's bytes. Thread-safe.
 */
char *secret_ref_read_file(const char *path, char *why, size_t why_size);

/*
 * secret_ref_lookup: the value of "env:NAME" or "file:PATH" (PATH used as given; the config
 * resolves it against its own directory first). Returns a new string (free()); or NULL with
 * the failure in *failure and its detail in `detail`, never the secret's value: the variable's
 * name for SECRET_REF_UNSET, secret_ref_read_file's "PATH: why" for SECRET_REF_UNREADABLE,
 * the reference for SECRET_REF_NOT_UNDERSTOOD, "out of memory" for SECRET_REF_NO_MEMORY.
 * For callers that word their own messages (the config). Thread-safe.
 */
char *secret_ref_lookup(const char *ref, secret_ref_failure *failure, char *detail,
                        size_t detail_size);

/*
 * secret_ref_resolve: secret_ref_lookup with a whole message for the user (host->secret_get).
 * Returns a new string (free()); or NULL with a message naming the reference and what to do
 * in `why`: an unset variable ("secret env:X: environment variable X is not set; export it"),
 * an unusable file ("secret file:P: cannot use P: contains a NUL byte; check the path and its
 * permissions"), or a reference of another form. Thread-safe.
 */
char *secret_ref_resolve(const char *ref, char *why, size_t why_size);

#endif
