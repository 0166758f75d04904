/* region_index.h — (workload id, region id) -> position in a backend's entry
 * array, by open addressing, so that finding a region among thousands costs
 * the same as among ten: backends look regions up at every read and every
 * registration, and a linear search made attest quadratic in the number of
 * regions. Private to src/io. */
#ifndef PQCHA_REGION_INDEX_H
#define PQCHA_REGION_INDEX_H

#include <stddef.h>

#include "pqcha/error.h"

/* The workload and region ids of the entry at pos, as the owner stores them. */
typedef void (*pqcha__index_key_fn)(const void *entries, size_t pos, const char **workload_id,
                                    const char **region_id);

typedef struct pqcha__region_index {
    size_t *slots; /* position + 1, 0 when empty */
    size_t cap;    /* a power of two, at least twice the entries */
    size_t count;
    pqcha__index_key_fn key;
} pqcha__region_index;

void pqcha__region_index_init(pqcha__region_index *ix, pqcha__index_key_fn key);
void pqcha__region_index_free(pqcha__region_index *ix);
/* The position of the entry with these ids, or (size_t)-1. */
size_t pqcha__region_index_find(const pqcha__region_index *ix, const void *entries,
                                const char *workload_id, const char *region_id);
/* Indexes the entry at pos; entries 0..pos-1 are indexed already. */
pqcha_err pqcha__region_index_add(pqcha__region_index *ix, const void *entries, size_t pos);
/* Forgets every entry from pos on (a rolled-back registration). */
pqcha_err pqcha__region_index_truncate(pqcha__region_index *ix, const void *entries, size_t pos);

#endif
