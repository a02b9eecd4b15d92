/* ptrset.h: a set of pointers (open addressing), for counting distinct objects cheaply. */
#ifndef HOST_PTRSET_H
#define HOST_PTRSET_H

#include <stddef.h>

/* Zero-initialise to get an empty set. Not thread-safe. */
typedef struct ptrset {
    const void **slots;
    size_t capacity; /* a power of two, or 0 */
    size_t count;
} ptrset;

/* Add `p` (not NULL). Returns 1 when it was added, 0 when already present, -1 when out of
   memory (the set is unchanged). */
int ptrset_add(ptrset *set, const void *p);

/* Free the slots and empty the set. */
void ptrset_clear(ptrset *set);

#endif
