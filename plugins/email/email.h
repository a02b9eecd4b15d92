/* email.h: the email notifier's subject and bodies (pure functions over the host's message). */
#ifndef EMAIL_H
#define EMAIL_H

#include <jansson.h>

/* The three parts of one e-mail. Free with email_body_free. */
typedef struct email_body {
    char *subject; /* "PREFIX first line of the message text" (UTF-8, one line) */
    char *text;    /* the message text, then one block per listed finding */
    char *html;    /* the same as an HTML document, every value escaped */
} email_body;

/*
 * email_body_make: build the e-mail for `message` (see fawkes/notifier.h) with `prefix` before
 * the subject (may be empty). Returns 0, or -1 on OOM (body zeroed). Thread-safe.
 */
int email_body_make(const json_t *message, const char *prefix, email_body *body);

void email_body_free(email_body *body);

#endif
