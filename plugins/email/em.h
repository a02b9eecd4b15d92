/* em.h: the email notifier's subject and bodies (pure functions over the host's message). */
#ifndef EM_H
#define EM_H

#include <jansson.h>

/* The three parts of one e-mail. Free with em_body_free. */
typedef struct em_body {
    char *subject; /* "PREFIX first line of the message text" (UTF-8, one line) */
    char *text;    /* the message text, then one block per listed finding */
    char *html;    /* the same as an HTML document, every value escaped */
} em_body;

/*
 * em_body_make: build the e-mail for `message` (see fawkes/notifier.h) with `prefix` before
 * the subject (may be empty). Returns 0, or -1 on OOM (body zeroed). Thread-safe.
 */
int em_body_make(const json_t *message, const char *prefix, em_body *body);

void em_body_free(em_body *body);

#endif
