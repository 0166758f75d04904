/* grow.h — growing arrays: one helper, with a cap, instead of a realloc and
 * its overflow check at every site (curl's dynbuf "toobig" rule: every
 * growable buffer says how large it may become). */
#ifndef PQCHA_GROW_H
#define PQCHA_GROW_H

#include <stddef.h>

#include "pqcha/error.h"

/* Makes room for at least `need` items of item_size bytes in the array that
 * *array_ptr points to (any object pointer type: pass &items), whose
 * capacity is *cap items; capacity doubles, starting from 8. Items already
 * there are kept; on error nothing changes. TOO_LARGE when need is above
 * max_items, NO_MEMORY when the allocation fails or its size overflows. */
pqcha_err pqcha__grow(void *array_ptr, size_t *cap, size_t need, size_t item_size,
                      size_t max_items);

#endif
