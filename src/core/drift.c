/* drift.c — where a drifted region changed.
 *
 * Drift localisation (FORMAT.md 4.5): when a drifted region's reference is a
 * manifest entry with node digests and the report's claim has nodes of the
 * same shape (same size), the differing nodes name the changed byte ranges
 * ("spans"), merged when adjacent, and the manifest's tensor table names the
 * tensors in them. Report nodes are as authentic as the report's digest (the
 * decoder checked that they reproduce it), and spans exist only for regions
 * in the drift list, so they too are computed only after every earlier check passed.
 *
 * Tensor-level drift (a sha3-256-segments claim against a manifest): the
 * comparison (tensor_compare.c) lists changed tensors and gaps, recorded
 * here as one span each, and required tensors the report does not show. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "core/internal.h"
#include "core/verify_internal.h"

/* Counts one more tensor of the span and lists its name while the span's
 * and the result's lists have room: a region drifted end to end over 50 000
 * tensors, 700 times in one report, must not cost a name copy for each. */
static pqcha_err span_add_tensor(pqcha_result *r, pqcha__result_span *sp, size_t *cap,
                                 const char *name) {
    sp->tensor_total++;
    if (sp->tensor_count == PQCHA_MAX_SPAN_TENSORS || r->names_listed == PQCHA_MAX_LISTED_TENSORS)
        return PQCHA_OK;
    PQCHA_TRY(pqcha__grow(&sp->tensors, cap, sp->tensor_count + 1, sizeof sp->tensors[0],
                          PQCHA_MAX_SPAN_TENSORS));
    sp->tensors[sp->tensor_count] = pqcha__strdup(name);
    if (!sp->tensors[sp->tensor_count]) return PQCHA_ERR_NO_MEMORY;
    sp->tensor_count++;
    r->names_listed++;
    return PQCHA_OK;
}

/* The first tensor that ends after start. A decoded entry's tensors are in
 * offset order and do not overlap (manifest.c), so their ends are in order
 * too and a binary search finds it. */
static size_t first_tensor_ending_after(const pqcha__model_file *f, uint64_t start) {
    size_t lo = 0, hi = f->tensor_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->tensors[mid].offset + f->tensors[mid].size > start)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* Every tensor whose bytes overlap the file range [start, end), in file
 * order: from a binary search, then only the tensors inside the range. */
static pqcha_err span_find_tensors(pqcha_result *r, pqcha__result_span *sp,
                                   const pqcha__model_file *f, uint64_t start, uint64_t end) {
    size_t cap = 0;
    for (size_t i = first_tensor_ending_after(f, start); i < f->tensor_count; i++) {
        const pqcha__tensor *t = &f->tensors[i];
        if (t->offset >= end) break;
        if (t->size == 0) continue; /* holds no byte of the range */
        PQCHA_TRY(span_add_tensor(r, sp, &cap, t->name));
    }
    return PQCHA_OK;
}

static pqcha_err result_reserve_span(pqcha_result *r) {
    return pqcha__grow(&r->spans, &r->span_cap, r->span_count + 1, sizeof r->spans[0],
                       SIZE_MAX / sizeof r->spans[0]);
}

/* Records bytes [offset, offset + length) of the claim's region; the tensors
 * are looked up at file offsets: the region starts at its mapping's offset. */
static pqcha_err result_add_span(pqcha_result *r, const pqcha__claim *claim,
                                 const pqcha__model_file *f, uint64_t offset, uint64_t length) {
    PQCHA_TRY(result_reserve_span(r));
    pqcha__result_span sp = {pqcha__strdup(claim->region.id), offset, length, NULL, 0, 0};
    if (!sp.region) return PQCHA_ERR_NO_MEMORY;
    uint64_t base = claim->region.mapped_file ? claim->region.file_offset : 0;
    pqcha_err err = span_find_tensors(r, &sp, f, base + offset, base + offset + length);
    if (err != PQCHA_OK) {
        pqcha__result_span_clear(&sp);
        return err;
    }
    r->spans[r->span_count++] = sp;
    return PQCHA_OK;
}

/* Node digests of the same shape over the same bytes of the file: comparable.
 * A region mapped from another file offset than 0 holds other bytes of the
 * file than the entry's node i covers, whatever its size. */
static int nodes_comparable(const pqcha__claim *claim, const pqcha__model_file *f) {
    return f && f->node_count > 0 && claim->node_count > 0 &&
           claim->digest_alg == PQCHA_DIGEST_SHA3_256_TREE && claim->region.size == f->size &&
           (!claim->region.mapped_file || claim->region.file_offset == 0) &&
           claim->node_level == f->node_level && claim->node_count == f->node_count;
}

/* One span per run of adjacent differing nodes: node i covers bytes
 * [i * 2^level * L, min((i + 1) * 2^level * L, size)). */
pqcha_err pqcha__result_localise_drift(pqcha_result *r, const pqcha__claim *claim,
                                       const pqcha__model_file *f) {
    if (!nodes_comparable(claim, f)) return PQCHA_OK;
    uint64_t width = (uint64_t)PQCHA_TREE_LEAF_SIZE << claim->node_level;
    size_t n = claim->node_count;
    for (size_t i = 0; i < n;) {
        if (memcmp(claim->nodes[i], f->nodes[i], sizeof f->nodes[i]) == 0) {
            i++;
            continue;
        }
        size_t j = i + 1;
        while (j < n && memcmp(claim->nodes[j], f->nodes[j], sizeof f->nodes[j]) != 0)
            j++;
        uint64_t start = i * width;
        uint64_t end = j * width < claim->region.size ? j * width : claim->region.size;
        PQCHA_TRY(result_add_span(r, claim, f, start, end - start));
        i = j;
    }
    return PQCHA_OK;
}

/* ---- tensor-level drift (sha3-256-segments against a manifest) ---- */

static pqcha_err result_add_missing(pqcha_result *r, const char *region, const char *tensor) {
    PQCHA_TRY(pqcha__grow(&r->missing, &r->missing_cap, r->missing_count + 1, sizeof r->missing[0],
                          SIZE_MAX / sizeof r->missing[0]));
    pqcha__result_missing_tensor m = {pqcha__strdup(region), pqcha__strdup(tensor)};
    if (!m.region || !m.tensor) {
        free(m.region);
        free(m.tensor);
        return PQCHA_ERR_NO_MEMORY;
    }
    r->missing[r->missing_count++] = m;
    return PQCHA_OK;
}

/* One span per changed tensor or gap (offsets relative to the region), then
 * the missing tensors. */
pqcha_err pqcha__result_record_tensor_drift(pqcha_result *r, const pqcha__claim *claim,
                                            const pqcha__tensor_comparison *tc) {
    uint64_t base = claim->region.file_offset;
    for (size_t i = 0; i < tc->changed_count; i++) {
        const pqcha__changed_piece *p = &tc->changed[i];
        PQCHA_TRY(result_reserve_span(r));
        pqcha__result_span sp = {
            pqcha__strdup(claim->region.id), p->offset - base, p->size, NULL, 0, 0};
        size_t cap = 0;
        pqcha_err err = sp.region ? PQCHA_OK : PQCHA_ERR_NO_MEMORY;
        if (err == PQCHA_OK && p->tensor) err = span_add_tensor(r, &sp, &cap, p->tensor);
        if (err != PQCHA_OK) {
            pqcha__result_span_clear(&sp);
            return err;
        }
        r->spans[r->span_count++] = sp;
    }
    for (size_t i = 0; i < tc->missing_count; i++)
        PQCHA_TRY(result_add_missing(r, claim->region.id, tc->missing[i]));
    return PQCHA_OK;
}

/* What the region check shows for a tensor comparison. */
void pqcha__tensor_comparison_text(char *out, size_t cap, const pqcha__claim *claim,
                                   const pqcha__tensor_comparison *tc) {
    size_t used = strlen(out);
    if (tc->beyond_file) {
        snprintf(out + used, cap - used,
                 " (file bytes 0x%" PRIx64 "..0x%" PRIx64 ": beyond the end of the reference file)",
                 claim->region.file_offset, claim->region.file_offset + claim->region.size);
        return;
    }
    if (tc->no_reference_digests) {
        snprintf(out + used, cap - used,
                 " (the manifest entry has no tensor digests: "
                 "re-create it with this version of 'pqcha manifest')");
        return;
    }
    snprintf(out + used, cap - used,
             " (file offset 0x%" PRIx64 ": %zu tensors as the manifest, %zu changed, %zu missing;"
             " %" PRIu64 " bytes outside tensors not compared)",
             claim->region.file_offset, tc->tensors_matched, tc->changed_count, tc->missing_count,
             tc->bytes_not_compared);
}
