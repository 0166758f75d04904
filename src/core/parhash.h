/* parhash.h — the streaming engine behind the parallel digests
 * (docs/FORMAT.md section 4.4): sha3-256-tree and k12.
 *
 * Both cut the input into fixed-size leaves whose digests are independent,
 * so full leaves are hashed several at a time in SIMD lanes and across the
 * threads of a pool, straight from the caller's memory; the leaf digests are
 * then combined in order (a Merkle tree for sha3-256-tree, K12's final node
 * for k12). At most one batch of leaves is ever copied, to align input that
 * arrives in odd-sized chunks. */
#ifndef PQCHA_PARHASH_H
#define PQCHA_PARHASH_H

#include <stddef.h>
#include <stdint.h>

#include "pqcha.h"

typedef struct pqcha__parhash pqcha__parhash;

/* alg is PQCHA_DIGEST_SHA3_256_TREE or PQCHA_DIGEST_K12; threads 0 = all online CPUs. */
pqcha_err pqcha__parhash_new(pqcha__parhash **out, pqcha_digest_alg alg, unsigned threads);
/* For tests and benchmarks: a given Keccak implementation (NULL = best) and
 * sha3-256-tree leaf size (a power of two from 8 KiB; ignored by k12). */
struct pqcha__keccak_impl;
pqcha_err pqcha__parhash_new_custom(pqcha__parhash **out, pqcha_digest_alg alg, unsigned threads,
                                    const struct pqcha__keccak_impl *impl, size_t tree_leaf_size);
pqcha_err pqcha__parhash_update(pqcha__parhash *ph, const uint8_t *data, size_t len);
/* Input that the hashing threads read themselves: fills buf with exactly
 * len bytes of the input starting at offset (relative to the start of the
 * pqcha__parhash_update_from call), or returns why not. Called from several
 * threads at once, for disjoint ranges. */
typedef pqcha_err (*pqcha__parhash_source)(void *ctx, uint64_t offset, uint8_t *buf, size_t len);
/* The same as reading len bytes from source in order and passing them to
 * pqcha__parhash_update, but whole SIMD groups of leaves are read by the
 * thread that hashes them, into its own slice of the batch, and hashed while
 * they are still in that core's cache: the copy a read makes (of a file from
 * the page cache, of another process's memory) overlaps with hashing on
 * every core instead of costing a pass through memory of its own. What is
 * not a whole group (K12's first chunk, a partial group, the tail) is read
 * on this thread. Errors: the first error source returned, in input order;
 * the others of pqcha__parhash_update. */
pqcha_err pqcha__parhash_update_from(pqcha__parhash *ph, pqcha__parhash_source source, void *ctx,
                                     uint64_t len);
/* Calls fn(ctx, total bytes so far) after every batch read by
 * pqcha__parhash_update_from, on its calling thread (NULL: none). */
void pqcha__parhash_set_progress(pqcha__parhash *ph, pqcha_progress_fn fn, void *ctx);
/* The public hasher (pqcha/crypto.h) fed the same way: for sha3-256-tree
 * and k12 the engine's threads read the input themselves (above); plain
 * sha3-256, a single stream, reads it on this thread. Length rules as
 * pqcha_hasher_update. */
struct pqcha_hasher;
pqcha_err pqcha__hasher_update_from(struct pqcha_hasher *h, pqcha__parhash_source source, void *ctx,
                                    uint64_t len);
/* Whether the hasher hashes on several threads (sha3-256-tree, k12), so
 * that its input is best read by those threads (pqcha__hasher_update_from). */
int pqcha__hasher_is_parallel(const struct pqcha_hasher *h);
/* Writes the 32-byte digest. */
pqcha_err pqcha__parhash_final(pqcha__parhash *ph, uint8_t out[PQCHA_SHA3_256_LEN]);
void pqcha__parhash_free(pqcha__parhash *ph);
/* Hashes batches on the caller's pool (which must outlive ph and run no other
 * work meanwhile) instead of creating one; only before the first update. */
struct pqcha__pool;
void pqcha__parhash_borrow_pool(pqcha__parhash *ph, struct pqcha__pool *pool);

/* ---- node digests for drift localisation (docs/FORMAT.md section 4.5) ----
 * The node level and count for an input of `total` bytes cut into leaves of
 * leaf_size: count 0 (level 0) up to one leaf; otherwise, with m leaves, the
 * smallest level k with ceil(m / 2^k) <= PQCHA_MAX_TREE_NODES, and that many nodes. */
void pqcha__parhash_node_shape(uint64_t total, size_t leaf_size, unsigned *level, size_t *count);
/* Announces the input's length before the first update (INVALID_ARGUMENT
 * after it, or twice). Updates beyond it and a final short of it are
 * PQCHA_ERR_REGION_CHANGED. For sha3-256-tree over more than one leaf the
 * engine records the node digests, available after a successful final. */
pqcha_err pqcha__parhash_expect_length(pqcha__parhash *ph, uint64_t total);
size_t pqcha__parhash_node_count(const pqcha__parhash *ph); /* 0: no nodes */
unsigned pqcha__parhash_node_level(const pqcha__parhash *ph);
const uint8_t *pqcha__parhash_nodes(const pqcha__parhash *ph); /* 32 bytes per node */
/* The sha3-256-tree digest of a `total`-byte input recomputed from its nodes
 * (their count must be the shape's, else INVALID_ARGUMENT): the nodes are
 * exactly as authentic as the digest they reproduce. */
pqcha_err pqcha__tree_root_from_nodes(const uint8_t *nodes, size_t count, uint64_t total,
                                      uint8_t out[PQCHA_SHA3_256_LEN]);
/* THE rule for node digests anywhere (a report's claim, a manifest entry,
 * a policy's embedded entry): level and count are FORMAT.md 4.5's for
 * `total` bytes (none for one leaf) and the nodes recompute `digest`. Only
 * then are they as authentic as the digest, and fit to localise drift.
 * INCONSISTENT_CLAIMS otherwise; NO_MEMORY. */
pqcha_err pqcha__tree_nodes_check(const uint8_t *nodes, size_t count, unsigned level,
                                  uint64_t total, const uint8_t digest[PQCHA_SHA3_256_LEN]);
/* The same for another leaf size (tests). */
pqcha_err pqcha__tree_root_from_nodes_custom(const uint8_t *nodes, size_t count, uint64_t total,
                                             size_t leaf_size, uint8_t out[PQCHA_SHA3_256_LEN]);

#endif
