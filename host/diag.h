/* diag.h: an error message buffer that says what failed, where, and what to do. */
#ifndef HOST_DIAG_H
#define HOST_DIAG_H

#define DIAG_MAX 2048

typedef struct diag {
    char text[DIAG_MAX];
} diag;

/* Set the message (printf-style). `d` may be NULL (then nothing happens). Not thread-safe
   on one diag; each caller owns its own. */
void diag_set(diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Set "FILE:LINE:COLUMN: message". LINE/COLUMN <= 0 are left out ("FILE: message"). */
void diag_at(diag *d, const char *file, int line, int column, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif
