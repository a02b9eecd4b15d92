/* strlist.h: a growable list of owned strings. */
#ifndef HOST_STRLIST_H
#define HOST_STRLIST_H

#include <stdbool.h>
#include <stddef.h>

typedef struct strlist {
    char **items; /* owned copies */
    size_t count;
    size_t capacity;
} strlist;

/* Append a copy of `s`. Returns 0, or -1 when out of memory. */
int strlist_push(strlist *list, const char *s);
/* True when an item equals `s`. */
bool strlist_contains(const strlist *list, const char *s);
/* Free the items and reset to empty. */
void strlist_clear(strlist *list);

#endif
