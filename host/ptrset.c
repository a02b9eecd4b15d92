/* ptrset.c: a set of pointers with linear probing, kept at most half full. */
#include "ptrset.h"

#include <stdint.h>
#include <stdlib.h>

static size_t slot_of(const void *p, size_t capacity)
{
    uint64_t h = (uint64_t)(uintptr_t)p;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return (size_t)h & (capacity - 1);
}

static int grow(ptrset *set)
{
    size_t capacity = set->capacity ? set->capacity * 2 : 64;
    const void **slots = calloc(capacity, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < set->capacity; i++) {
        const void *p = set->slots[i];
        if (!p)
            continue;
        size_t k = slot_of(p, capacity);
        while (slots[k])
            k = (k + 1) & (capacity - 1);
        slots[k] = p;
    }
    free(set->slots);
    set->slots = slots;
    set->capacity = capacity;
    return 0;
}

int ptrset_add(ptrset *set, const void *p)
{
    if ((set->count + 1) * 2 > set->capacity && grow(set) != 0)
        return -1;
    size_t k = slot_of(p, set->capacity);
    while (set->slots[k]) {
        if (set->slots[k] == p)
            return 0;
        k = (k + 1) & (set->capacity - 1);
    }
    set->slots[k] = p;
    set->count++;
    return 1;
}

void ptrset_clear(ptrset *set)
{
    free(set->slots);
    set->slots = NULL;
    set->capacity = set->count = 0;
}
