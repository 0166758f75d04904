/* grow.c — the growth helper of grow.h. */
#include "base/grow.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define GROW_FIRST_CAP 8u

pqcha_err pqcha__grow(void *array_ptr, size_t *cap, size_t need, size_t item_size,
                      size_t max_items) {
    if (need <= *cap) return PQCHA_OK;
    if (need > max_items) return PQCHA_ERR_TOO_LARGE;
    size_t grown = *cap ? *cap : GROW_FIRST_CAP;
    while (grown < need)
        grown = grown > SIZE_MAX / 2 ? need : 2 * grown;
    if (grown > max_items) grown = max_items;
    if (item_size != 0 && grown > SIZE_MAX / item_size) return PQCHA_ERR_NO_MEMORY;
    /* The array's pointer is read and written through memcpy: callers pass
     * the address of a pointer of any object type (POSIX gives them all one
     * representation), without an aliasing cast at every site. */
    void *items;
    memcpy(&items, array_ptr, sizeof items);
    void *bigger = realloc(items, grown * item_size);
    if (bigger == NULL) return PQCHA_ERR_NO_MEMORY;
    memcpy(array_ptr, &bigger, sizeof bigger);
    *cap = grown;
    return PQCHA_OK;
}
