/* tlog_proof.c — RFC 9162 inclusion and consistency proofs: generation
 * from a tree's stored nodes (2.1.3.1, 2.1.4.1) and verification (2.1.3.2,
 * 2.1.4.2). FORMAT.md 9.2. */
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "core/tlog_internal.h"

/* A subtree MTH(D[start : start + n]) whose hash a proof carries. */
typedef struct span {
    uint64_t start;
    uint64_t n;
} span;

/* The proofs' subtrees, walking down from the root as the RFC's recursion
 * does; the proof lists them the other way round (deepest first). One walk
 * serves both the count and the proof, so the two cannot disagree.
 *
 * Both proofs descend towards a prefix of the leaves, D[0:m]: for
 * inclusion of leaf i, m = i + 1 (the leaf is in the left half exactly
 * when m <= k); for consistency, the old tree's size. At each level the
 * half not descended into is a hash of the proof. Inclusion stops at the
 * leaf; consistency where the prefix is a whole subtree, whose hash the
 * proof ends with unless it is the old tree itself (the verifier has its
 * root). */
static size_t proof_spans(span out[PQCHA_TLOG_MAX_PROOF_HASHES], uint64_t m, uint64_t size,
                          int consistency) {
    size_t count = 0;
    uint64_t start = 0, n = size;
    int whole_old_tree = 1;
    while (consistency ? m != n : n > 1) {
        uint64_t k = pqcha__tlog_split(n);
        if (m <= k) {
            out[count++] = (span){start + k, n - k};
            n = k;
        } else {
            out[count++] = (span){start, k};
            start += k;
            m -= k;
            n -= k;
            whole_old_tree = 0;
        }
    }
    if (consistency && !whole_old_tree) out[count++] = (span){start, n};
    return count;
}

static int sizes_valid(uint64_t index, uint64_t size) {
    return size <= PQCHA_TLOG_MAX_SIZE && index < size;
}

size_t pqcha_tlog_inclusion_proof_count(uint64_t index, uint64_t size) {
    span spans[PQCHA_TLOG_MAX_PROOF_HASHES];
    return sizes_valid(index, size) ? proof_spans(spans, index + 1, size, 0) : 0;
}

size_t pqcha_tlog_consistency_proof_count(uint64_t old_size, uint64_t new_size) {
    span spans[PQCHA_TLOG_MAX_PROOF_HASHES];
    if (old_size == 0 || !sizes_valid(old_size, new_size)) return 0;
    return proof_spans(spans, old_size, new_size, 1);
}

/* Hashes the spans into a new proof, deepest first. */
static pqcha_err proof_from_spans(uint8_t **proof, size_t *count, const span *spans, size_t n,
                                  pqcha_tlog_node_fn nodes, void *ctx) {
    if (n == 0) return PQCHA_OK;
    uint8_t *out = malloc(n * PQCHA_TLOG_HASH_LEN);
    if (out == NULL) return PQCHA_ERR_NO_MEMORY;
    pqcha__sha256 h;
    pqcha_err err = pqcha__sha256_init(&h);
    for (size_t i = 0; i < n && err == PQCHA_OK; i++) {
        const span *s = &spans[n - 1 - i];
        err = pqcha__tlog_subtree(&h, out + i * PQCHA_TLOG_HASH_LEN, s->start, s->n, nodes, ctx);
    }
    pqcha__sha256_free(&h);
    if (err != PQCHA_OK) {
        free(out);
        return err;
    }
    *proof = out;
    *count = n;
    return PQCHA_OK;
}

pqcha_err pqcha_tlog_inclusion_proof(uint8_t **proof, size_t *count, uint64_t index, uint64_t size,
                                     pqcha_tlog_node_fn nodes, void *ctx) {
    if (proof == NULL || count == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *proof = NULL;
    *count = 0;
    if (nodes == NULL || !sizes_valid(index, size)) return PQCHA_ERR_INVALID_ARGUMENT;
    span spans[PQCHA_TLOG_MAX_PROOF_HASHES];
    size_t n = proof_spans(spans, index + 1, size, 0);
    return proof_from_spans(proof, count, spans, n, nodes, ctx);
}

pqcha_err pqcha_tlog_consistency_proof(uint8_t **proof, size_t *count, uint64_t old_size,
                                       uint64_t new_size, pqcha_tlog_node_fn nodes, void *ctx) {
    if (proof == NULL || count == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *proof = NULL;
    *count = 0;
    if (nodes == NULL || new_size > PQCHA_TLOG_MAX_SIZE || old_size > new_size)
        return PQCHA_ERR_INVALID_ARGUMENT;
    if (old_size == 0 || old_size == new_size) return PQCHA_OK;
    span spans[PQCHA_TLOG_MAX_PROOF_HASHES];
    size_t n = proof_spans(spans, old_size, new_size, 1);
    return proof_from_spans(proof, count, spans, n, nodes, ctx);
}

/* ---- verification ---- */

/* RFC 9162's walk up: fn and sn are the node's and the tree's last node's
 * indices at the current level. Shifting while fn is a right child (or
 * while it is a left child with no right sibling) skips the levels where
 * the path has no hash. */
static void shift_while_even(uint64_t *fn, uint64_t *sn) {
    while ((*fn & 1) == 0 && *fn != 0) {
        *fn >>= 1;
        *sn >>= 1;
    }
}

pqcha_err pqcha_tlog_verify_inclusion(const uint8_t leaf_hash[PQCHA_TLOG_HASH_LEN], uint64_t index,
                                      uint64_t size, const uint8_t *proof, size_t count,
                                      const uint8_t root[PQCHA_TLOG_HASH_LEN]) {
    if (leaf_hash == NULL || root == NULL || (proof == NULL && count > 0))
        return PQCHA_ERR_INVALID_ARGUMENT;
    if (!sizes_valid(index, size)) return PQCHA_ERR_OUT_OF_RANGE;
    if (count != pqcha_tlog_inclusion_proof_count(index, size)) return PQCHA_ERR_LOG_PROOF_SIZE;
    pqcha__sha256 h;
    PQCHA_TRY(pqcha__sha256_init(&h));
    uint8_t r[PQCHA_TLOG_HASH_LEN];
    memcpy(r, leaf_hash, sizeof r);
    uint64_t fn = index, sn = size - 1;
    pqcha_err err = PQCHA_OK;
    for (size_t i = 0; i < count && err == PQCHA_OK; i++) {
        const uint8_t *p = proof + i * PQCHA_TLOG_HASH_LEN;
        if (sn == 0) {
            err = PQCHA_ERR_LOG_PROOF; /* cannot happen once the count is right */
        } else if ((fn & 1) || fn == sn) {
            err = pqcha__tlog_node(&h, r, p, r);
            shift_while_even(&fn, &sn);
        } else {
            err = pqcha__tlog_node(&h, r, r, p);
        }
        fn >>= 1;
        sn >>= 1;
    }
    pqcha__sha256_free(&h);
    if (err != PQCHA_OK) return err;
    if (sn != 0 || memcmp(r, root, sizeof r) != 0) return PQCHA_ERR_LOG_PROOF;
    return PQCHA_OK;
}

/* RFC 9162 2.1.4.2 for 0 < old < new and a proof of the right count:
 * recomputes both roots from the proof (the old one's first hash is
 * old_root itself when old is a power of two). */
static pqcha_err consistency_roots(pqcha__sha256 *h, uint8_t fr[PQCHA_TLOG_HASH_LEN],
                                   uint8_t sr[PQCHA_TLOG_HASH_LEN], uint64_t old_size,
                                   const uint8_t *old_root, uint64_t new_size, const uint8_t *proof,
                                   size_t count) {
    int old_is_power = (old_size & (old_size - 1)) == 0;
    const uint8_t *first = old_is_power ? old_root : proof;
    size_t next = old_is_power ? 0 : 1;
    memcpy(fr, first, PQCHA_TLOG_HASH_LEN);
    memcpy(sr, first, PQCHA_TLOG_HASH_LEN);
    uint64_t fn = old_size - 1, sn = new_size - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    for (size_t i = next; i < count; i++) {
        const uint8_t *c = proof + i * PQCHA_TLOG_HASH_LEN;
        if (sn == 0) return PQCHA_ERR_LOG_PROOF;
        if ((fn & 1) || fn == sn) {
            PQCHA_TRY(pqcha__tlog_node(h, fr, c, fr));
            PQCHA_TRY(pqcha__tlog_node(h, sr, c, sr));
            shift_while_even(&fn, &sn);
        } else {
            PQCHA_TRY(pqcha__tlog_node(h, sr, sr, c));
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 ? PQCHA_OK : PQCHA_ERR_LOG_PROOF;
}

/* The trees that need no proof: an empty old tree, or equal sizes. */
static pqcha_err verify_trivial_consistency(uint64_t old_size, const uint8_t *old_root,
                                            uint64_t new_size, const uint8_t *new_root,
                                            size_t count) {
    if (count != 0) return PQCHA_ERR_LOG_PROOF_SIZE;
    if (old_size == 0) {
        /* The empty tree has one root; another one is a second tree of size 0. */
        uint8_t empty[PQCHA_TLOG_HASH_LEN];
        PQCHA_TRY(pqcha__sha256_once(empty, NULL, 0));
        if (memcmp(old_root, empty, sizeof empty) != 0) return PQCHA_ERR_LOG_FORK;
    }
    if (old_size == new_size && memcmp(old_root, new_root, PQCHA_TLOG_HASH_LEN) != 0)
        return PQCHA_ERR_LOG_FORK;
    return PQCHA_OK;
}

pqcha_err pqcha_tlog_verify_consistency(uint64_t old_size,
                                        const uint8_t old_root[PQCHA_TLOG_HASH_LEN],
                                        uint64_t new_size,
                                        const uint8_t new_root[PQCHA_TLOG_HASH_LEN],
                                        const uint8_t *proof, size_t count) {
    if (old_root == NULL || new_root == NULL || (proof == NULL && count > 0))
        return PQCHA_ERR_INVALID_ARGUMENT;
    if (old_size > PQCHA_TLOG_MAX_SIZE || new_size > PQCHA_TLOG_MAX_SIZE)
        return PQCHA_ERR_OUT_OF_RANGE;
    if (old_size > new_size) return PQCHA_ERR_LOG_ROLLBACK;
    if (old_size == 0 || old_size == new_size)
        return verify_trivial_consistency(old_size, old_root, new_size, new_root, count);
    if (count != pqcha_tlog_consistency_proof_count(old_size, new_size))
        return PQCHA_ERR_LOG_PROOF_SIZE;
    pqcha__sha256 h;
    PQCHA_TRY(pqcha__sha256_init(&h));
    uint8_t fr[PQCHA_TLOG_HASH_LEN], sr[PQCHA_TLOG_HASH_LEN];
    pqcha_err err = consistency_roots(&h, fr, sr, old_size, old_root, new_size, proof, count);
    pqcha__sha256_free(&h);
    if (err != PQCHA_OK) return err;
    if (memcmp(fr, old_root, sizeof fr) != 0 || memcmp(sr, new_root, sizeof sr) != 0)
        return PQCHA_ERR_LOG_PROOF;
    return PQCHA_OK;
}
