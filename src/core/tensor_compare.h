/* tensor_compare.h — the verifier's decision for a sha3-256-segments region
 * whose policy reference is a manifest entry (docs/FORMAT.md section 5,
 * "Tensor digests"): tensor by tensor, by name, offset and size, whatever
 * file offset the mapping starts at. Pure: it sees an authenticated claim
 * and the verifier's own reference, nothing else. */
#ifndef PQCHA_TENSOR_COMPARE_H
#define PQCHA_TENSOR_COMPARE_H

#include <stddef.h>
#include <stdint.h>

#include "core/manifest.h"
#include "core/policy_internal.h"
#include "core/report_internal.h"

/* A tensor or gap of the region whose digest differs from the reference. */
typedef struct pqcha__changed_piece {
    const char *tensor; /* borrowed from the claim; NULL for bytes outside tensors */
    uint64_t offset;    /* file offset */
    uint64_t size;
} pqcha__changed_piece;

typedef struct pqcha__tensor_comparison {
    int beyond_file;               /* the region reaches past the end of the reference file */
    int no_reference_digests;      /* the manifest entry predates tensor digests */
    size_t tensors_matched;        /* present at the reference place with the reference digest */
    pqcha__changed_piece *changed; /* in file order */
    size_t changed_count;
    const char **missing; /* required tensors not measured at their place, file order; borrowed */
    size_t missing_count;
    uint64_t bytes_not_compared; /* outside tensors, with no reference gap of that extent */
} pqcha__tensor_comparison;

/* Compares claim (sha3-256-segments, with a mapping) with entry f under the
 * region's required-tensor list. Empty tensors hold no bytes and are never
 * missing. Only NO_MEMORY can fail; out is then cleared. */
pqcha_err pqcha__compare_tensors(pqcha__tensor_comparison *out, const pqcha__claim *claim,
                                 const pqcha__model_file *f, const pqcha__policy_region *pr);
/* The region matches: nothing changed, nothing missing, within the file,
 * and the reference has tensor digests. */
int pqcha__tensor_comparison_passed(const pqcha__tensor_comparison *tc);
void pqcha__tensor_comparison_clear(pqcha__tensor_comparison *tc);

#endif
