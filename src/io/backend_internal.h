/* backend_internal.h — what the backend registry (backend.c) shares with the
 * built-in backends (backend_memory.c, backend_file.c, backend_platform.c,
 * backend_process.c).
 * Private to src/io. */
#ifndef PQCHA_BACKEND_INTERNAL_H
#define PQCHA_BACKEND_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "pqcha.h"

/* The ops tables of the built-in backends. Their addresses identify a
 * backend's kind, so backend-specific calls can refuse a backend of another kind. */
extern const pqcha_backend_ops pqcha__memory_backend_ops;
extern const pqcha_backend_ops pqcha__file_backend_ops;
extern const pqcha_backend_ops pqcha__sev_snp_backend_ops;
extern const pqcha_backend_ops pqcha__tdx_backend_ops;
extern const pqcha_backend_ops pqcha__process_backend_ops;

/* Random access to one region, for the built-in backends that have it: the
 * hashing threads then read the region themselves, each the part it hashes
 * (pqcha__parhash_update_from), instead of hashing what one reader copied.
 * open looks the region up and prepares it (opens the file, checks its
 * size; checks the process and its mappings), with the errors read_region
 * would return; read copies len bytes at offset within the region, from
 * several threads at once, and returns REGION_CHANGED when they are no
 * longer there; finish makes the checks that follow a read (the mappings
 * are still the same), frees the reader and returns err, or the first
 * error of those checks when err is OK. */
typedef struct pqcha__positional_ops {
    pqcha_err (*open)(void *self, const char *workload_id, const pqcha_region *region,
                      void **reader);
    pqcha_err (*read)(void *reader, uint64_t offset, uint8_t *buf, size_t len);
    pqcha_err (*finish)(void *reader, pqcha_err err);
} pqcha__positional_ops;

extern const pqcha__positional_ops pqcha__file_positional_ops;
extern const pqcha__positional_ops pqcha__process_positional_ops;

/* Allocate the private state ("self") of a built-in backend. */
pqcha_err pqcha__memory_backend_new(void **self);
pqcha_err pqcha__file_backend_new(void **self);
pqcha_err pqcha__process_backend_new(void **self);

/* The backend's state if it was built from ops, otherwise NULL. */
void *pqcha__backend_self_if(pqcha_backend *b, const pqcha_backend_ops *ops);

/* Appends r to a region list grown with realloc; takes ownership of r on
 * success only (the caller frees it on failure). */
pqcha_err pqcha__region_list_append(pqcha_region ***regions, size_t *count, pqcha_region *r);

#endif
