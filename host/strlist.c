/* strlist.c: a growable list of owned strings. */
#include "strlist.h"

#include <stdlib.h>
#include <string.h>

int strlist_push(strlist *list, const char *s)
{
    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? list->capacity * 2 : 8;
        char **items = realloc(list->items, capacity * sizeof *items);
        if (!items)
            return -1;
        list->items = items;
        list->capacity = capacity;
    }
    char *copy = strdup(s);
    if (!copy)
        return -1;
    list->items[list->count++] = copy;
    return 0;
}

bool strlist_contains(const strlist *list, const char *s)
{
    for (size_t i = 0; i < list->count; i++)
        if (strcmp(list->items[i], s) == 0)
            return true;
    return false;
}

void strlist_clear(strlist *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i]);
    free(list->items);
    list->items = NULL;
    list->count = list->capacity = 0;
}
