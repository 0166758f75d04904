/* segments.c — sha3-256-segments: the layout of a region cut at tensor
 * boundaries, the combined digest, and a streaming hasher that hashes every
 * byte once (docs/FORMAT.md section 4.6). */
#include "core/segments.h"

#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "base/pool.h"
#include "core/internal.h"
#include "core/keccak.h"
#include "core/merkle.h"
#include "core/tensor.h"

/* 0x03, total, count: the fixed part of the combined digest's input. */
#define ROOT_HEADER_LEN (1u + 8u + 8u)
#define ROOT_ENTRY_LEN  (8u + PQCHA_SHA3_256_LEN)

/* ======================================================================
 * Layout
 * ====================================================================== */

void pqcha__segments_free(pqcha__segment *segments, size_t count) {
    if (segments == NULL) return;
    for (size_t i = 0; i < count; i++)
        free(segments[i].tensor);
    free(segments);
}

/* A growing segment list, capped. */
typedef struct segment_list {
    pqcha__segment *items;
    size_t count, cap;
} segment_list;

static pqcha_err list_push(segment_list *l, const char *tensor, uint64_t offset, uint64_t size) {
    PQCHA_TRY(pqcha__grow(&l->items, &l->cap, l->count + 1, sizeof *l->items, PQCHA__MAX_SEGMENTS));
    pqcha__segment *s = &l->items[l->count];
    memset(s, 0, sizeof *s);
    if (tensor != NULL && (s->tensor = pqcha__strdup(tensor)) == NULL) return PQCHA_ERR_NO_MEMORY;
    s->offset = offset;
    s->size = size;
    l->count++;
    return PQCHA_OK;
}

/* Appends the gap [from, to) if it holds any bytes. */
static pqcha_err push_gap(segment_list *l, uint64_t from, uint64_t to) {
    return to > from ? list_push(l, NULL, from, to - from) : PQCHA_OK;
}

pqcha_err pqcha__segments_layout(pqcha__segment **out, size_t *count, uint64_t base, uint64_t size,
                                 const pqcha__tensor_ref *tensors, size_t n) {
    if (out == NULL || count == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    *count = 0;
    if (size == 0 || base > UINT64_MAX - size || (tensors == NULL && n > 0))
        return PQCHA_ERR_INVALID_ARGUMENT;
    uint64_t end = base + size, at = base;
    segment_list l = {NULL, 0, 0};
    pqcha_err err = PQCHA_OK;
    for (size_t i = 0; err == PQCHA_OK && i < n; i++) {
        const pqcha__tensor_ref *t = &tensors[i];
        int inside =
            t->size > 0 && t->offset >= at && t->offset <= end && t->size <= end - t->offset;
        if (!inside) continue; /* cut by the range's ends, or outside it: its bytes are gap bytes */
        err = push_gap(&l, at, t->offset);
        if (err == PQCHA_OK) err = list_push(&l, t->name, t->offset, t->size);
        at = t->offset + t->size;
    }
    if (err == PQCHA_OK) err = push_gap(&l, at, end);
    if (err != PQCHA_OK) {
        pqcha__segments_free(l.items, l.count);
        return err;
    }
    *out = l.items;
    *count = l.count;
    return PQCHA_OK;
}

pqcha_err pqcha__segments_copy(pqcha__segment **out, const pqcha__segment *src, size_t count) {
    if (out == NULL || (src == NULL && count > 0)) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (count == 0) return PQCHA_OK;
    pqcha__segment *copy = calloc(count, sizeof *copy);
    if (copy == NULL) return PQCHA_ERR_NO_MEMORY;
    for (size_t i = 0; i < count; i++) {
        copy[i] = src[i];
        copy[i].tensor = NULL;
        if (src[i].tensor != NULL && (copy[i].tensor = pqcha__strdup(src[i].tensor)) == NULL) {
            pqcha__segments_free(copy, count);
            return PQCHA_ERR_NO_MEMORY;
        }
    }
    *out = copy;
    return PQCHA_OK;
}

/* ======================================================================
 * Rules
 * ====================================================================== */

static int compare_name_ptrs(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static pqcha_err tensor_names_unique(const pqcha__segment *segments, size_t count) {
    size_t named = 0;
    for (size_t i = 0; i < count; i++)
        named += segments[i].tensor != NULL;
    if (named < 2) return PQCHA_OK;
    const char **names = malloc(named * sizeof *names);
    if (names == NULL) return PQCHA_ERR_NO_MEMORY;
    for (size_t i = 0, j = 0; i < count; i++)
        if (segments[i].tensor != NULL) names[j++] = segments[i].tensor;
    qsort(names, named, sizeof *names, compare_name_ptrs);
    pqcha_err err = PQCHA_OK;
    for (size_t i = 1; i < named && err == PQCHA_OK; i++)
        if (strcmp(names[i - 1], names[i]) == 0) err = PQCHA_ERR_MALFORMED;
    free(names);
    return err;
}

pqcha_err pqcha__segments_check(const pqcha__segment *segments, size_t count, uint64_t base,
                                uint64_t size) {
    if (segments == NULL && count > 0) return PQCHA_ERR_INVALID_ARGUMENT;
    if (count > PQCHA__MAX_SEGMENTS) return PQCHA_ERR_TOO_LARGE;
    if (count == 0 || size == 0) return PQCHA_ERR_INCONSISTENT_CLAIMS;
    uint64_t at = base, left = size;
    for (size_t i = 0; i < count; i++) {
        const pqcha__segment *s = &segments[i];
        if (s->offset != at || s->size == 0 || s->size > left) return PQCHA_ERR_INCONSISTENT_CLAIMS;
        if (s->tensor != NULL) PQCHA_TRY(pqcha__tensor_name_check(s->tensor, strlen(s->tensor)));
        at += s->size;
        left -= s->size;
    }
    if (left != 0) return PQCHA_ERR_INCONSISTENT_CLAIMS;
    return tensor_names_unique(segments, count);
}

/* ======================================================================
 * The combined digest
 * ====================================================================== */

static void put_be64(uint8_t out[8], uint64_t v) {
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(v >> (56 - 8 * i));
}

pqcha_err pqcha__segments_root(const pqcha__segment *segments, size_t count, uint64_t total,
                               uint8_t out[PQCHA_SHA3_256_LEN]) {
    if (out == NULL || (segments == NULL && count > 0)) return PQCHA_ERR_INVALID_ARGUMENT;
    uint64_t sum = 0;
    for (size_t i = 0; i < count; i++) {
        if (segments[i].size == 0 || segments[i].size > total - sum)
            return PQCHA_ERR_INVALID_ARGUMENT;
        sum += segments[i].size;
    }
    if (sum != total) return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha_hasher *h = NULL;
    PQCHA_TRY(pqcha_hasher_create(&h, PQCHA_DIGEST_SHA3_256));
    uint8_t header[ROOT_HEADER_LEN];
    header[0] = PQCHA__SEGMENTS_ROOT_PREFIX;
    put_be64(header + 1, total);
    put_be64(header + 9, (uint64_t)count);
    pqcha_err err = pqcha_hasher_update(h, header, sizeof header);
    for (size_t i = 0; err == PQCHA_OK && i < count; i++) {
        uint8_t entry[ROOT_ENTRY_LEN];
        put_be64(entry, segments[i].size);
        memcpy(entry + 8, segments[i].digest, PQCHA_SHA3_256_LEN);
        err = pqcha_hasher_update(h, entry, sizeof entry);
    }
    if (err == PQCHA_OK) err = pqcha_hasher_final(h, out, PQCHA_SHA3_256_LEN);
    pqcha_hasher_free(h);
    return err;
}

/* ======================================================================
 * Streaming
 *
 * Every piece of input the caller passes is planned first: the whole leaves
 * of every segment in it (read in place), the staged leaf a previous piece
 * began, the last, partial leaf of each segment that ends in it, and each
 * small segment (at most one leaf: plain SHA3-256). Then all of them are
 * hashed in one pool run — whole leaves in SIMD lanes across segments, the
 * rest one per task — and each segment's tree is combined in order. Batching
 * across segments keeps every lane and thread busy however small the
 * tensors, so measuring a model tensor by tensor costs what hashing it whole
 * costs. Only a leaf cut by the end of a piece is copied, into the stage.
 * ====================================================================== */

#define LEAF ((size_t)PQCHA_TREE_LEAF_SIZE)

/* A message of its own length: a segment's partial last leaf (prefix 0x00)
 * or a whole segment of at most one leaf (no prefix). */
typedef struct piece_job {
    const uint8_t *data;
    size_t len;
    int prefix;
} piece_job;

/* What one update did to one segment, for combining in order afterwards. */
typedef struct touch {
    size_t segment;
    int starts;        /* the segment's first byte is in this update */
    int ends;          /* ... and its last */
    size_t first_leaf; /* its whole leaves: leaf jobs [first_leaf, first_leaf + leaves) */
    size_t leaves;
    size_t piece; /* its piece job, when has_piece */
    int has_piece;
} touch;

/* Makes room for one more element in a job list and its parallel result
 * list (b may be NULL): both grow alike from the same capacity. */
static pqcha_err grow_lists(void *a, size_t a_size, void *b, size_t b_size, size_t count,
                            size_t *cap) {
    size_t a_cap = *cap, b_cap = *cap, max = SIZE_MAX / (a_size > b_size ? a_size : b_size);
    PQCHA_TRY(pqcha__grow(a, &a_cap, count + 1, a_size, max));
    if (b != NULL) PQCHA_TRY(pqcha__grow(b, &b_cap, count + 1, b_size, max));
    *cap = a_cap;
    return PQCHA_OK;
}

struct pqcha__segment_hasher {
    pqcha__segment *segments; /* borrowed */
    size_t count;
    size_t current;           /* the segment input goes to now */
    uint64_t current_done;    /* bytes of it seen so far */
    pqcha__merkle_stack tree; /* the open segment's leaves so far */
    uint8_t *stage;           /* a leaf (or small segment) begun by an earlier piece */
    size_t stage_len;
    const pqcha__keccak_impl *impl;
    pqcha__pool *pool; /* NULL: one thread */
    /* Per-update plan, kept to reuse the memory. */
    const uint8_t **leaves;
    uint8_t (*leaf_digests)[PQCHA_SHA3_256_LEN];
    size_t leaf_count, leaf_cap;
    piece_job *pieces;
    uint8_t (*piece_digests)[PQCHA_SHA3_256_LEN];
    size_t piece_count, piece_cap;
    touch *touches;
    size_t touch_count, touch_cap;
    const uint8_t *pending; /* bytes to stage once the update's jobs ran */
    size_t pending_len;
    int stage_taken; /* a job of this update reads the stage */
    int failed;
};

pqcha_err pqcha__segment_hasher_new(pqcha__segment_hasher **out, pqcha__segment *segments,
                                    size_t count, unsigned threads) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (segments == NULL || count == 0) return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha__segment_hasher *sh = calloc(1, sizeof *sh);
    if (sh == NULL || (sh->stage = malloc(LEAF)) == NULL) {
        free(sh);
        return PQCHA_ERR_NO_MEMORY;
    }
    sh->segments = segments;
    sh->count = count;
    sh->impl = pqcha__keccak_best();
    unsigned n = threads ? threads : pqcha__online_cpus();
    if (n > 1 && pqcha__pool_create(&sh->pool, n) != PQCHA_OK)
        sh->pool = NULL; /* everything is then hashed on this thread */
    *out = sh;
    return PQCHA_OK;
}

static pqcha_err add_leaf(pqcha__segment_hasher *sh, const uint8_t *data) {
    PQCHA_TRY(grow_lists(&sh->leaves, sizeof sh->leaves[0], &sh->leaf_digests,
                         sizeof sh->leaf_digests[0], sh->leaf_count, &sh->leaf_cap));
    sh->leaves[sh->leaf_count++] = data;
    sh->stage_taken |= data == sh->stage;
    return PQCHA_OK;
}

static pqcha_err add_piece(pqcha__segment_hasher *sh, touch *t, const uint8_t *data, size_t len,
                           int prefix) {
    PQCHA_TRY(grow_lists(&sh->pieces, sizeof sh->pieces[0], &sh->piece_digests,
                         sizeof sh->piece_digests[0], sh->piece_count, &sh->piece_cap));
    sh->stage_taken |= data == sh->stage;
    sh->pieces[sh->piece_count] = (piece_job){data, len, prefix};
    t->piece = sh->piece_count++;
    t->has_piece = 1;
    return PQCHA_OK;
}

static void stage_append(pqcha__segment_hasher *sh, const uint8_t *data, size_t len) {
    memcpy(sh->stage + sh->stage_len, data, len);
    sh->stage_len += len;
}

/* A segment of at most one leaf: SHA3-256 of its bytes, once all are here. */
static pqcha_err plan_small(pqcha__segment_hasher *sh, touch *t, const uint8_t *p, size_t n) {
    if (t->starts && t->ends)
        return add_piece(sh, t, p, n, -1); /* wholly in this piece: read in place */
    if (t->starts) {                       /* begun here, finished by a later piece */
        sh->pending = p;
        sh->pending_len = n;
        return PQCHA_OK;
    }
    stage_append(sh, p, n);
    return t->ends ? add_piece(sh, t, sh->stage, sh->stage_len, -1) : PQCHA_OK;
}

/* A segment of several leaves: its leaves from its first byte, each a job. */
static pqcha_err plan_tree(pqcha__segment_hasher *sh, touch *t, const uint8_t *p, size_t n) {
    if (sh->stage_len > 0 && !t->starts) { /* the leaf an earlier piece began */
        size_t need = LEAF - sh->stage_len;
        if (n < need) {
            stage_append(sh, p, n);
            return t->ends ? add_piece(sh, t, sh->stage, sh->stage_len, PQCHA__TREE_LEAF_PREFIX)
                           : PQCHA_OK;
        }
        stage_append(sh, p, need);
        PQCHA_TRY(add_leaf(sh, sh->stage));
        t->leaves++;
        p += need;
        n -= need;
    }
    size_t whole = n / LEAF;
    for (size_t i = 0; i < whole; i++)
        PQCHA_TRY(add_leaf(sh, p + i * LEAF));
    t->leaves += whole;
    size_t rest = n - whole * LEAF;
    if (rest == 0) return PQCHA_OK;
    if (t->ends) return add_piece(sh, t, p + whole * LEAF, rest, PQCHA__TREE_LEAF_PREFIX);
    sh->pending = p + whole * LEAF; /* a leaf the next piece completes */
    sh->pending_len = rest;
    return PQCHA_OK;
}

static pqcha_err plan_touch(pqcha__segment_hasher *sh, const uint8_t *p, size_t n) {
    PQCHA_TRY(
        grow_lists(&sh->touches, sizeof sh->touches[0], NULL, 0, sh->touch_count, &sh->touch_cap));
    const pqcha__segment *seg = &sh->segments[sh->current];
    touch *t = &sh->touches[sh->touch_count++];
    *t = (touch){sh->current,
                 sh->current_done == 0,
                 n == seg->size - sh->current_done,
                 sh->leaf_count,
                 0,
                 0,
                 0};
    return seg->size <= LEAF ? plan_small(sh, t, p, n) : plan_tree(sh, t, p, n);
}

/* Pool task: one SIMD group of whole leaves, or one piece. */
static void hash_task(void *ctx, size_t task) {
    pqcha__segment_hasher *sh = ctx;
    unsigned lanes = sh->impl->lanes;
    size_t groups = (sh->leaf_count + lanes - 1) / lanes;
    if (task >= groups) {
        const piece_job *pj = &sh->pieces[task - groups];
        pqcha__sha3_256_prefixed(sh->piece_digests[task - groups], pj->prefix, pj->data, pj->len);
        return;
    }
    uint8_t spare[PQCHA__KECCAK_MAX_LANES][PQCHA_SHA3_256_LEN];
    const uint8_t *msgs[PQCHA__KECCAK_MAX_LANES];
    uint8_t *outs[PQCHA__KECCAK_MAX_LANES];
    for (unsigned l = 0; l < lanes; l++) {
        size_t i = task * lanes + l;
        int real = i < sh->leaf_count;
        msgs[l] = sh->leaves[real ? i : sh->leaf_count - 1]; /* spare lanes repeat the last */
        outs[l] = real ? sh->leaf_digests[i] : spare[l];
    }
    pqcha__sha3_256_lanes(sh->impl, outs, msgs, LEAF, PQCHA__TREE_LEAF_PREFIX);
}

/* Each touched segment's leaves onto its tree, in order; a segment that
 * ended gets its digest. */
static void combine(pqcha__segment_hasher *sh) {
    for (size_t i = 0; i < sh->touch_count; i++) {
        const touch *t = &sh->touches[i];
        pqcha__segment *seg = &sh->segments[t->segment];
        if (seg->size <= LEAF) {
            if (t->ends) memcpy(seg->digest, sh->piece_digests[t->piece], PQCHA_SHA3_256_LEN);
            continue;
        }
        if (t->starts) sh->tree.depth = 0;
        for (size_t l = 0; l < t->leaves; l++)
            pqcha__merkle_push(&sh->tree, sh->leaf_digests[t->first_leaf + l]);
        if (!t->ends) continue;
        if (t->has_piece) pqcha__merkle_push(&sh->tree, sh->piece_digests[t->piece]);
        uint8_t mth[PQCHA_SHA3_256_LEN];
        pqcha__merkle_root(&sh->tree, mth);
        pqcha__tree_bind_length(seg->digest, seg->size, mth);
    }
}

/* Plans the piece segment by segment; REGION_CHANGED past the last one. */
static pqcha_err plan(pqcha__segment_hasher *sh, const uint8_t *data, size_t len) {
    while (len > 0) {
        if (sh->current == sh->count)
            return PQCHA_ERR_REGION_CHANGED; /* more bytes than the region holds */
        uint64_t left = sh->segments[sh->current].size - sh->current_done;
        size_t n = len < left ? len : (size_t)left;
        PQCHA_TRY(plan_touch(sh, data, n));
        data += n;
        len -= n;
        sh->current_done += n;
        if (sh->current_done == sh->segments[sh->current].size) {
            sh->current++;
            sh->current_done = 0;
        }
    }
    return PQCHA_OK;
}

pqcha_err pqcha__segment_hasher_update(pqcha__segment_hasher *sh, const uint8_t *data, size_t len) {
    if (sh == NULL || (data == NULL && len > 0) || sh->failed) return PQCHA_ERR_INVALID_ARGUMENT;
    sh->leaf_count = sh->piece_count = sh->touch_count = 0;
    sh->pending = NULL;
    sh->pending_len = 0;
    sh->stage_taken = 0;
    pqcha_err err = plan(sh, data, len);
    if (err != PQCHA_OK) {
        sh->failed = 1;
        return err;
    }
    size_t groups = (sh->leaf_count + sh->impl->lanes - 1) / sh->impl->lanes;
    pqcha__pool_run(sh->pool, groups + sh->piece_count, hash_task, sh);
    combine(sh);
    /* A staged leaf read by a job is used up; one begun at the end of this
     * piece takes its place, copied only now that no job reads the stage. */
    if (sh->stage_taken) sh->stage_len = 0;
    if (sh->pending != NULL) stage_append(sh, sh->pending, sh->pending_len);
    return PQCHA_OK;
}

pqcha_err pqcha__segment_hasher_final(pqcha__segment_hasher *sh, uint8_t root[PQCHA_SHA3_256_LEN]) {
    if (sh == NULL || root == NULL || sh->failed) return PQCHA_ERR_INVALID_ARGUMENT;
    sh->failed = 1; /* final once */
    if (sh->current != sh->count)
        return PQCHA_ERR_REGION_CHANGED; /* fewer bytes than the region holds */
    uint64_t total = 0;
    for (size_t i = 0; i < sh->count; i++)
        total += sh->segments[i].size;
    return pqcha__segments_root(sh->segments, sh->count, total, root);
}

void pqcha__segment_hasher_free(pqcha__segment_hasher *sh) {
    if (sh == NULL) return;
    pqcha__pool_free(sh->pool);
    free(sh->stage);
    free(sh->leaves);
    free(sh->leaf_digests);
    free(sh->pieces);
    free(sh->piece_digests);
    free(sh->touches);
    free(sh);
}
