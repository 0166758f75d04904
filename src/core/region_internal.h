/* region_internal.h — the region model (pqcha/report.h's pqcha_region):
 * what the backends fill in and the report's claims embed. */
#ifndef PQCHA_REGION_INTERNAL_H
#define PQCHA_REGION_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/segments.h"
#include "pqcha.h"

/* The longest mapped-file path a region (and so a report) may carry. */
#define PQCHA__MAX_MAPPED_FILE_LEN 4096u

struct pqcha_region {
    char *id;
    char *description;
    uint64_t address;
    uint64_t size;
    pqcha_protection protection;
    char *mapped_file;    /* a file mapping's path, or NULL */
    uint64_t file_offset; /* where in that file the region starts */
    int file_deleted;     /* the path no longer names the mapped file */
    /* Tensors of the mapped model file that lie wholly inside the region, in
     * offset order (pqcha_region_add_tensor); the attester then measures it
     * as sha3-256-segments. */
    pqcha__tensor_ref *tensors;
    size_t tensor_count;
    size_t tensor_cap;
};

/* Helpers shared with the backends and the report. */
void pqcha__region_clear(pqcha_region *r);
pqcha_err pqcha__region_init_copy(pqcha_region *dst, const pqcha_region *src);

#endif
