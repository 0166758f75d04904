/* tlog_fixture.h — a test tree for the transparency-log tests and the
 * proof helper: deterministic entries, their leaf hashes, and every
 * complete subtree's hash kept in memory, served as a pqcha_tlog_node_fn
 * (O(1) a node, so proofs for every size can be checked quickly). */
#ifndef PQCHA_TLOG_FIXTURE_H
#define PQCHA_TLOG_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pqcha.h"

#define TLOG_FIXTURE_ENTRY_MAX 48

/* Entry i of the test log: "pqcha-tlog-test/<i>" (tests/oracle/tlog_ref.py
 * builds the same). Returns its length. */
static inline size_t tlog_fixture_entry(char out[TLOG_FIXTURE_ENTRY_MAX], uint64_t i) {
    return (size_t)snprintf(out, TLOG_FIXTURE_ENTRY_MAX, "pqcha-tlog-test/%llu",
                            (unsigned long long)i);
}

typedef struct tlog_fixture {
    uint64_t size;
    unsigned levels;
    uint8_t *nodes[64]; /* nodes[l]: the complete subtrees of 2^l leaves, in order */
    uint64_t counts[64];
} tlog_fixture;

static inline void tlog_fixture_free(tlog_fixture *t) {
    for (unsigned l = 0; l < t->levels; l++)
        free(t->nodes[l]);
    memset(t, 0, sizeof *t);
}

/* Builds the tree of the first size test entries; 0 on failure. */
static inline int tlog_fixture_build(tlog_fixture *t, uint64_t size) {
    memset(t, 0, sizeof *t);
    t->size = size;
    t->counts[0] = size;
    t->nodes[0] = malloc(size ? size * PQCHA_TLOG_HASH_LEN : 1);
    t->levels = 1;
    if (t->nodes[0] == NULL) return 0;
    for (uint64_t i = 0; i < size; i++) {
        char entry[TLOG_FIXTURE_ENTRY_MAX];
        size_t len = tlog_fixture_entry(entry, i);
        if (pqcha_tlog_leaf_hash(t->nodes[0] + i * PQCHA_TLOG_HASH_LEN, (const uint8_t *)entry,
                                 len) != PQCHA_OK)
            return 0;
    }
    while (t->counts[t->levels - 1] >= 2) {
        unsigned l = t->levels;
        t->counts[l] = t->counts[l - 1] / 2;
        t->nodes[l] = malloc(t->counts[l] * PQCHA_TLOG_HASH_LEN);
        t->levels++;
        if (t->nodes[l] == NULL) return 0;
        for (uint64_t i = 0; i < t->counts[l]; i++) {
            const uint8_t *below = t->nodes[l - 1] + 2 * i * PQCHA_TLOG_HASH_LEN;
            if (pqcha_tlog_node_hash(t->nodes[l] + i * PQCHA_TLOG_HASH_LEN, below,
                                     below + PQCHA_TLOG_HASH_LEN) != PQCHA_OK)
                return 0;
        }
    }
    return 1;
}

static inline const uint8_t *tlog_fixture_leaf(const tlog_fixture *t, uint64_t i) {
    return t->nodes[0] + i * PQCHA_TLOG_HASH_LEN;
}

/* A pqcha_tlog_node_fn: ctx is a const tlog_fixture *. Nodes of its first
 * `size` leaves serve every smaller tree too. */
static inline pqcha_err tlog_fixture_node(void *ctx, unsigned level, uint64_t index,
                                          uint8_t out[PQCHA_TLOG_HASH_LEN]) {
    const tlog_fixture *t = ctx;
    if (level >= t->levels || index >= t->counts[level]) return PQCHA_ERR_INTERNAL;
    memcpy(out, t->nodes[level] + index * PQCHA_TLOG_HASH_LEN, PQCHA_TLOG_HASH_LEN);
    return PQCHA_OK;
}

/* The root of the first n leaves, straight from RFC 9162's definition. */
static inline int tlog_fixture_mth(const tlog_fixture *t, uint64_t start, uint64_t n,
                                   uint8_t out[PQCHA_TLOG_HASH_LEN]) {
    if (n == 1) {
        memcpy(out, tlog_fixture_leaf(t, start), PQCHA_TLOG_HASH_LEN);
        return 1;
    }
    uint64_t k = 1;
    while (k * 2 < n)
        k *= 2;
    uint8_t left[PQCHA_TLOG_HASH_LEN], right[PQCHA_TLOG_HASH_LEN];
    return tlog_fixture_mth(t, start, k, left) && tlog_fixture_mth(t, start + k, n - k, right) &&
           pqcha_tlog_node_hash(out, left, right) == PQCHA_OK;
}

#endif
