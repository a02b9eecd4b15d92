/* playbook_uids.c: the distinct resources a playbook matched, counted by uid. */
#include <stdlib.h>
#include <string.h>

#include "playbook_internal.h"

/* MurmurHash64A (Austin Appleby, public domain): 64 well-mixed bits of the uid. */
static uint64_t hash64(const void *key, size_t len)
{
    const uint64_t m = 0xc6a4a7935bd1e995ULL;
    const int r = 47;
    uint64_t h = 0x9747b28c5bd1e995ULL ^ (len * m);
    const unsigned char *data = key;
    const unsigned char *end = data + (len / 8) * 8;
    while (data != end) {
        uint64_t k;
        memcpy(&k, data, 8);
        data += 8;
        k *= m;
        k ^= k >> r;
        k *= m;
        h ^= k;
        h *= m;
    }
    size_t rest = len & 7;
    if (rest) {
        uint64_t tail = 0;
        for (size_t i = 0; i < rest; i++)
            tail |= (uint64_t)data[i] << (8 * i);
        h ^= tail;
        h *= m;
    }
    h ^= h >> r;
    h *= m;
    h ^= h >> r;
    return h;
}

/* Insert `h` (not 0) into slots without growing. Returns 1 added, 0 present. */
static int insert(uint64_t *slots, size_t capacity, uint64_t h)
{
    size_t mask = capacity - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        if (slots[i] == h)
            return 0;
        if (slots[i] == 0) {
            slots[i] = h;
            return 1;
        }
    }
}

int pb_uidset_add(pb_uidset *set, const char *uid)
{
    uint64_t h = hash64(uid, strlen(uid));
    if (h == 0) {
        int added = !set->has_zero;
        set->has_zero = true;
        set->count += (size_t)added;
        return added;
    }
    /* at most half full: probes stay short */
    if (2 * (set->count + 1) > set->capacity) {
        size_t capacity = set->capacity ? set->capacity * 2 : 1024;
        uint64_t *slots = calloc(capacity, sizeof *slots);
        if (!slots)
            return -1;
        for (size_t i = 0; i < set->capacity; i++)
            if (set->slots[i])
                insert(slots, capacity, set->slots[i]);
        free(set->slots);
        set->slots = slots;
        set->capacity = capacity;
    }
    int added = insert(set->slots, set->capacity, h);
    set->count += (size_t)added;
    return added;
}

void pb_uidset_clear(pb_uidset *set)
{
    free(set->slots);
    memset(set, 0, sizeof *set);
}
