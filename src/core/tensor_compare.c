/* tensor_compare.c — a sha3-256-segments claim against a manifest entry,
 * tensor by tensor (tensor_compare.h).
 *
 * The claim's segments name tensors and carry digests; none of that is
 * trusted for what it says about the model: a tensor counts only when the
 * reference has a tensor of that name at exactly that offset and size, and
 * its digest is compared with the reference's. Bytes outside tensors are
 * compared where the reference has a gap of exactly that extent (padding
 * between tensors; the whole header when the file is mapped from offset 0);
 * elsewhere (the tail of a header whose first pages are not mapped) they are
 * counted as not compared. Every look-up is a binary search, so a report
 * with many tensors against a large manifest costs O((n + m) log m). */
#include "core/tensor_compare.h"

#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "core/internal.h"

typedef struct reference_index {
    const pqcha__tensor **by_name; /* the entry's non-empty tensors, sorted by name */
    size_t count;
} reference_index;

static int compare_tensor_names(const void *a, const void *b) {
    return strcmp((*(const pqcha__tensor *const *)a)->name,
                  (*(const pqcha__tensor *const *)b)->name);
}

static int compare_name_to_tensor(const void *key, const void *elem) {
    return strcmp((const char *)key, (*(const pqcha__tensor *const *)elem)->name);
}

static pqcha_err index_build(reference_index *ix, const pqcha__model_file *f) {
    ix->count = 0;
    ix->by_name = f->tensor_count ? malloc(f->tensor_count * sizeof ix->by_name[0]) : NULL;
    if (f->tensor_count && ix->by_name == NULL) return PQCHA_ERR_NO_MEMORY;
    for (size_t i = 0; i < f->tensor_count; i++)
        if (f->tensors[i].size > 0) ix->by_name[ix->count++] = &f->tensors[i];
    if (ix->count > 1) qsort(ix->by_name, ix->count, sizeof ix->by_name[0], compare_tensor_names);
    return PQCHA_OK;
}

static const pqcha__tensor *index_find(const reference_index *ix, const char *name) {
    if (ix->count == 0) return NULL;
    const pqcha__tensor *const *hit =
        bsearch(name, ix->by_name, ix->count, sizeof ix->by_name[0], compare_name_to_tensor);
    return hit ? *hit : NULL;
}

/* The reference gap starting at offset (gaps are in offset order), or NULL. */
static const pqcha__segment *find_gap(const pqcha__model_file *f, uint64_t offset) {
    size_t lo = 0, hi = f->gap_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->gaps[mid].offset < offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < f->gap_count && f->gaps[lo].offset == offset ? &f->gaps[lo] : NULL;
}

static pqcha_err add_changed(pqcha__tensor_comparison *tc, size_t *cap, const pqcha__segment *s) {
    PQCHA_TRY(pqcha__grow(&tc->changed, cap, tc->changed_count + 1, sizeof *tc->changed,
                          PQCHA__MAX_SEGMENTS));
    tc->changed[tc->changed_count++] = (pqcha__changed_piece){s->tensor, s->offset, s->size};
    return PQCHA_OK;
}

/* One segment of the claim; `seen` marks reference tensors found in place. */
static pqcha_err compare_segment(pqcha__tensor_comparison *tc, size_t *cap,
                                 const reference_index *ix, const pqcha__model_file *f,
                                 const pqcha__segment *s, unsigned char *seen) {
    const uint8_t *want = NULL;
    if (s->tensor != NULL) {
        const pqcha__tensor *t = index_find(ix, s->tensor);
        if (t != NULL && t->offset == s->offset && t->size == s->size) {
            seen[t - f->tensors] = 1;
            want = t->digest;
        }
    } else {
        const pqcha__segment *g = find_gap(f, s->offset);
        if (g != NULL && g->size == s->size) want = g->digest;
    }
    if (want == NULL) {
        /* No reference for these bytes: a header tail, or a tensor the
         * reference does not have here (it is then missing, below). */
        tc->bytes_not_compared += s->size;
        return PQCHA_OK;
    }
    if (memcmp(want, s->digest, sizeof s->digest) != 0) return add_changed(tc, cap, s);
    tc->tensors_matched += s->tensor != NULL;
    return PQCHA_OK;
}

static pqcha_err collect_missing(pqcha__tensor_comparison *tc, const pqcha__model_file *f,
                                 const pqcha__policy_region *pr, const unsigned char *seen) {
    size_t n = 0;
    for (size_t i = 0; i < f->tensor_count; i++)
        n += f->tensors[i].size > 0 && !seen[i] &&
             pqcha__policy_region_requires_tensor(pr, f->tensors[i].name);
    if (n == 0) return PQCHA_OK;
    tc->missing = malloc(n * sizeof tc->missing[0]);
    if (tc->missing == NULL) return PQCHA_ERR_NO_MEMORY;
    for (size_t i = 0; i < f->tensor_count; i++)
        if (f->tensors[i].size > 0 && !seen[i] &&
            pqcha__policy_region_requires_tensor(pr, f->tensors[i].name))
            tc->missing[tc->missing_count++] = f->tensors[i].name;
    return PQCHA_OK;
}

static pqcha_err compare_all(pqcha__tensor_comparison *tc, const pqcha__claim *claim,
                             const pqcha__model_file *f, const pqcha__policy_region *pr) {
    reference_index ix = {NULL, 0};
    unsigned char *seen = calloc(f->tensor_count ? f->tensor_count : 1, 1);
    pqcha_err err = seen ? index_build(&ix, f) : PQCHA_ERR_NO_MEMORY;
    size_t cap = 0;
    for (size_t i = 0; err == PQCHA_OK && i < claim->segment_count; i++)
        err = compare_segment(tc, &cap, &ix, f, &claim->segments[i], seen);
    if (err == PQCHA_OK) err = collect_missing(tc, f, pr, seen);
    free(ix.by_name);
    free(seen);
    return err;
}

pqcha_err pqcha__compare_tensors(pqcha__tensor_comparison *out, const pqcha__claim *claim,
                                 const pqcha__model_file *f, const pqcha__policy_region *pr) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    memset(out, 0, sizeof *out);
    if (claim == NULL || f == NULL || pr == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    uint64_t base = claim->region.file_offset, size = claim->region.size;
    if (base > f->size || size > f->size - base) {
        out->beyond_file = 1; /* other bytes than the reference's: nothing to compare */
        return PQCHA_OK;
    }
    if (!f->has_tensor_digests) {
        out->no_reference_digests = 1;
        return PQCHA_OK;
    }
    pqcha_err err = compare_all(out, claim, f, pr);
    if (err != PQCHA_OK) pqcha__tensor_comparison_clear(out);
    return err;
}

int pqcha__tensor_comparison_passed(const pqcha__tensor_comparison *tc) {
    return !tc->beyond_file && !tc->no_reference_digests && tc->changed_count == 0 &&
           tc->missing_count == 0;
}

void pqcha__tensor_comparison_clear(pqcha__tensor_comparison *tc) {
    if (tc == NULL) return;
    free(tc->changed);
    free(tc->missing);
    memset(tc, 0, sizeof *tc);
}
