/* tlog_internal.h — what the transparency-log units share: one SHA-256
 * context reused across the many small hashes of a tree walk, and the
 * subtree hash built from a tree's stored nodes. */
#ifndef PQCHA_TLOG_INTERNAL_H
#define PQCHA_TLOG_INTERNAL_H

#include <openssl/evp.h>

#include "pqcha/tlog.h"

/* A walk hashes thousands of 65-byte nodes: allocating an EVP context for
 * each would cost more than the hashing. One context per walk instead. */
typedef struct pqcha__sha256 {
    EVP_MD_CTX *ctx;
} pqcha__sha256;

pqcha_err pqcha__sha256_init(pqcha__sha256 *h);
void pqcha__sha256_free(pqcha__sha256 *h);
/* SHA-256(prefix || a || b); b may be NULL with b_len 0. */
pqcha_err pqcha__sha256_prefixed(pqcha__sha256 *h, uint8_t out[PQCHA_TLOG_HASH_LEN], uint8_t prefix,
                                 const void *a, size_t a_len, const void *b, size_t b_len);
/* SHA-256 of one buffer (key IDs). */
pqcha_err pqcha__sha256_once(uint8_t out[PQCHA_TLOG_HASH_LEN], const void *data, size_t len);

pqcha_err pqcha__tlog_leaf(pqcha__sha256 *h, uint8_t out[PQCHA_TLOG_HASH_LEN], const uint8_t *entry,
                           size_t len);
pqcha_err pqcha__tlog_node(pqcha__sha256 *h, uint8_t out[PQCHA_TLOG_HASH_LEN],
                           const uint8_t left[PQCHA_TLOG_HASH_LEN],
                           const uint8_t right[PQCHA_TLOG_HASH_LEN]);
/* The Merkle tree hash over count > 0 bottom-row hashes. */
pqcha_err pqcha__tlog_mth(pqcha__sha256 *h, uint8_t out[PQCHA_TLOG_HASH_LEN], const uint8_t *hashes,
                          uint64_t count);

/* The largest power of two strictly below n (n >= 2): RFC 9162's split. */
uint64_t pqcha__tlog_split(uint64_t n);

/* MTH(D[start : start + n]) from complete-subtree nodes: the subtrees of
 * RFC 9162's recursion are complete ones followed, on the right edge, by
 * the binary decomposition of n. start must be a multiple of the largest
 * power of two in n (as every subtree of the recursion is). */
pqcha_err pqcha__tlog_subtree(pqcha__sha256 *h, uint8_t out[PQCHA_TLOG_HASH_LEN], uint64_t start,
                              uint64_t n, pqcha_tlog_node_fn nodes, void *ctx);

#endif
