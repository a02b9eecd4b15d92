/* diag.c: error message buffers. */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>

void diag_set(diag *d, const char *fmt, ...)
{
    if (!d)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->text, sizeof d->text, fmt, ap);
    va_end(ap);
}

void diag_at(diag *d, const char *file, int line, int column, const char *fmt, ...)
{
    if (!d)
        return;
    int used;
    if (line > 0 && column > 0)
        used = snprintf(d->text, sizeof d->text, "%s:%d:%d: ", file, line, column);
    else if (line > 0)
        used = snprintf(d->text, sizeof d->text, "%s:%d: ", file, line);
    else
        used = snprintf(d->text, sizeof d->text, "%s: ", file);
    if (used < 0 || (size_t)used >= sizeof d->text)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->text + used, sizeof d->text - (size_t)used, fmt, ap);
    va_end(ap);
}
