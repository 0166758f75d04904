/* merkle.h — the RFC 9162 Merkle Tree Hash over SHA3-256 that sha3-256-tree
 * (docs/FORMAT.md 4.4) and its pieces are built from: items pushed left to
 * right onto a stack, equal-sized neighbours merged as they come, and the
 * root bound to the input's length. Shared by the streaming tree engine
 * (parhash.c) and the tensor-by-tensor engine (segments.c). */
#ifndef PQCHA_MERKLE_H
#define PQCHA_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "pqcha/crypto.h"

#define PQCHA__MERKLE_MAX_DEPTH 64 /* 2^64 bytes / 8 KiB leaves needs 51 levels */
#define PQCHA__TREE_LEAF_PREFIX 0x00
#define PQCHA__TREE_NODE_PREFIX 0x01
#define PQCHA__TREE_ROOT_PREFIX 0x02

typedef struct pqcha__merkle_entry {
    uint8_t hash[PQCHA_SHA3_256_LEN];
    unsigned level; /* the subtree below holds 2^level items */
} pqcha__merkle_entry;

/* An RFC 9162 tree under construction, items pushed left to right. */
typedef struct pqcha__merkle_stack {
    pqcha__merkle_entry entries[PQCHA__MERKLE_MAX_DEPTH];
    unsigned depth;
} pqcha__merkle_stack;

/* Pushes an item and merges equal-sized neighbours, like incrementing a
 * binary counter; merging what is left from the right at the end yields
 * exactly the RFC 9162 tree, whose left subtree is the largest power of two
 * below the count. */
void pqcha__merkle_push(pqcha__merkle_stack *st, const uint8_t item[PQCHA_SHA3_256_LEN]);
/* Folds the stack (at least one item) into its root and empties it. */
void pqcha__merkle_root(pqcha__merkle_stack *st, uint8_t out[PQCHA_SHA3_256_LEN]);
/* digest = SHA3-256(0x02 || uint64_be(total) || mth). */
void pqcha__tree_bind_length(uint8_t out[PQCHA_SHA3_256_LEN], uint64_t total,
                             const uint8_t mth[PQCHA_SHA3_256_LEN]);
/* SHA3-256(prefix || data) on one state (prefix < 0: none). */
void pqcha__sha3_256_prefixed(uint8_t out[PQCHA_SHA3_256_LEN], int prefix, const uint8_t *data,
                              size_t len);

#endif
