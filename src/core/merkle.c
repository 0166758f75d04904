/* merkle.c — the Merkle stack of sha3-256-tree (merkle.h). */
#include "core/merkle.h"

#include <string.h>

#include "core/keccak.h"

void pqcha__sha3_256_prefixed(uint8_t out[PQCHA_SHA3_256_LEN], int prefix, const uint8_t *data,
                              size_t len) {
    uint8_t *outs[1] = {out};
    const uint8_t *msgs[1] = {data};
    pqcha__sha3_256_lanes(pqcha__keccak_by_name("scalar"), outs, msgs, len, prefix);
}

static void join(uint8_t out[PQCHA_SHA3_256_LEN], const uint8_t left[PQCHA_SHA3_256_LEN],
                 const uint8_t right[PQCHA_SHA3_256_LEN]) {
    uint8_t pair[2 * PQCHA_SHA3_256_LEN];
    memcpy(pair, left, PQCHA_SHA3_256_LEN);
    memcpy(pair + PQCHA_SHA3_256_LEN, right, PQCHA_SHA3_256_LEN);
    pqcha__sha3_256_prefixed(out, PQCHA__TREE_NODE_PREFIX, pair, sizeof pair);
}

void pqcha__merkle_push(pqcha__merkle_stack *st, const uint8_t item[PQCHA_SHA3_256_LEN]) {
    pqcha__merkle_entry *top = &st->entries[st->depth++];
    memcpy(top->hash, item, PQCHA_SHA3_256_LEN);
    top->level = 0;
    while (st->depth >= 2 && st->entries[st->depth - 2].level == st->entries[st->depth - 1].level) {
        pqcha__merkle_entry *left = &st->entries[st->depth - 2];
        join(left->hash, left->hash, st->entries[st->depth - 1].hash);
        left->level++;
        st->depth--;
    }
}

void pqcha__merkle_root(pqcha__merkle_stack *st, uint8_t out[PQCHA_SHA3_256_LEN]) {
    while (st->depth >= 2) {
        pqcha__merkle_entry *left = &st->entries[st->depth - 2];
        join(left->hash, left->hash, st->entries[st->depth - 1].hash);
        st->depth--;
    }
    memcpy(out, st->entries[0].hash, PQCHA_SHA3_256_LEN);
    st->depth = 0;
}

void pqcha__tree_bind_length(uint8_t out[PQCHA_SHA3_256_LEN], uint64_t total,
                             const uint8_t mth[PQCHA_SHA3_256_LEN]) {
    uint8_t bound[8 + 32];
    for (int i = 0; i < 8; i++)
        bound[i] = (uint8_t)(total >> (56 - 8 * i));
    memcpy(bound + 8, mth, PQCHA_SHA3_256_LEN);
    pqcha__sha3_256_prefixed(out, PQCHA__TREE_ROOT_PREFIX, bound, sizeof bound);
}
