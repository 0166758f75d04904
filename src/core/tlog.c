/* tlog.c — the RFC 9162 Merkle tree with SHA-256 (OpenSSL EVP): leaf and
 * node hashes, the tree hash of a row of hashes, and subtree hashes built
 * from a tree's stored nodes. FORMAT.md 9.1. */
#include <pthread.h>
#include <string.h>

#include <openssl/err.h>

#include "core/internal.h"
#include "core/tlog_internal.h"

#define LEAF_PREFIX 0x00
#define NODE_PREFIX 0x01

/* Fetched once per process, as hash.c does for SHA3-256: an implicit fetch
 * at every init walks OpenSSL's provider tables under a lock. */
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256_md;

static void fetch_sha256(void) {
    sha256_md = EVP_MD_fetch(NULL, "SHA2-256", NULL);
    if (sha256_md == NULL) ERR_clear_error();
}

pqcha_err pqcha__sha256_init(pqcha__sha256 *h) {
    h->ctx = NULL;
    if (pthread_once(&sha256_once, fetch_sha256) != 0 || sha256_md == NULL) return PQCHA_ERR_CRYPTO;
    h->ctx = EVP_MD_CTX_new();
    return h->ctx != NULL ? PQCHA_OK : PQCHA_ERR_NO_MEMORY;
}

void pqcha__sha256_free(pqcha__sha256 *h) {
    EVP_MD_CTX_free(h->ctx);
    h->ctx = NULL;
}

pqcha_err pqcha__sha256_prefixed(pqcha__sha256 *h, uint8_t out[PQCHA_TLOG_HASH_LEN], uint8_t prefix,
                                 const void *a, size_t a_len, const void *b, size_t b_len) {
    unsigned int n = 0;
    int ok = EVP_DigestInit_ex2(h->ctx, sha256_md, NULL) == 1 &&
             EVP_DigestUpdate(h->ctx, &prefix, 1) == 1 &&
             (a_len == 0 || EVP_DigestUpdate(h->ctx, a, a_len) == 1) &&
             (b_len == 0 || EVP_DigestUpdate(h->ctx, b, b_len) == 1) &&
             EVP_DigestFinal_ex(h->ctx, out, &n) == 1 && n == PQCHA_TLOG_HASH_LEN;
    if (ok) return PQCHA_OK;
    ERR_clear_error();
    return PQCHA_ERR_CRYPTO;
}

pqcha_err pqcha__sha256_once(uint8_t out[PQCHA_TLOG_HASH_LEN], const void *data, size_t len) {
    pqcha__sha256 h;
    PQCHA_TRY(pqcha__sha256_init(&h));
    unsigned int n = 0;
    int ok = EVP_DigestInit_ex2(h.ctx, sha256_md, NULL) == 1 &&
             (len == 0 || EVP_DigestUpdate(h.ctx, data, len) == 1) &&
             EVP_DigestFinal_ex(h.ctx, out, &n) == 1 && n == PQCHA_TLOG_HASH_LEN;
    pqcha__sha256_free(&h);
    if (ok) return PQCHA_OK;
    ERR_clear_error();
    return PQCHA_ERR_CRYPTO;
}

pqcha_err pqcha__tlog_leaf(pqcha__sha256 *h, uint8_t out[PQCHA_TLOG_HASH_LEN], const uint8_t *entry,
                           size_t len) {
    return pqcha__sha256_prefixed(h, out, LEAF_PREFIX, entry, len, NULL, 0);
}

pqcha_err pqcha__tlog_node(pqcha__sha256 *h, uint8_t out[PQCHA_TLOG_HASH_LEN],
                           const uint8_t left[PQCHA_TLOG_HASH_LEN],
                           const uint8_t right[PQCHA_TLOG_HASH_LEN]) {
    return pqcha__sha256_prefixed(h, out, NODE_PREFIX, left, PQCHA_TLOG_HASH_LEN, right,
                                  PQCHA_TLOG_HASH_LEN);
}

uint64_t pqcha__tlog_split(uint64_t n) {
    uint64_t k = 1;
    while (k < n - k) /* k * 2 < n, without overflow */
        k <<= 1;
    return k;
}

pqcha_err pqcha__tlog_mth(pqcha__sha256 *h, uint8_t out[PQCHA_TLOG_HASH_LEN], const uint8_t *hashes,
                          uint64_t count) {
    if (count == 1) {
        memcpy(out, hashes, PQCHA_TLOG_HASH_LEN);
        return PQCHA_OK;
    }
    /* Depth is at most 64: the split halves the count at least. */
    uint64_t k = pqcha__tlog_split(count);
    uint8_t left[PQCHA_TLOG_HASH_LEN], right[PQCHA_TLOG_HASH_LEN];
    PQCHA_TRY(pqcha__tlog_mth(h, left, hashes, k));
    PQCHA_TRY(pqcha__tlog_mth(h, right, hashes + (size_t)k * PQCHA_TLOG_HASH_LEN, count - k));
    return pqcha__tlog_node(h, out, left, right);
}

pqcha_err pqcha_tlog_leaf_hash(uint8_t out[PQCHA_TLOG_HASH_LEN], const uint8_t *entry, size_t len) {
    if (out == NULL || (entry == NULL && len > 0)) return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha__sha256 h;
    PQCHA_TRY(pqcha__sha256_init(&h));
    pqcha_err err = pqcha__tlog_leaf(&h, out, entry, len);
    pqcha__sha256_free(&h);
    return err;
}

pqcha_err pqcha_tlog_node_hash(uint8_t out[PQCHA_TLOG_HASH_LEN],
                               const uint8_t left[PQCHA_TLOG_HASH_LEN],
                               const uint8_t right[PQCHA_TLOG_HASH_LEN]) {
    if (out == NULL || left == NULL || right == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha__sha256 h;
    PQCHA_TRY(pqcha__sha256_init(&h));
    pqcha_err err = pqcha__tlog_node(&h, out, left, right);
    pqcha__sha256_free(&h);
    return err;
}

pqcha_err pqcha_tlog_root_of_hashes(uint8_t out[PQCHA_TLOG_HASH_LEN], const uint8_t *hashes,
                                    uint64_t count) {
    if (out == NULL || (hashes == NULL && count > 0)) return PQCHA_ERR_INVALID_ARGUMENT;
    if (count == 0) return pqcha__sha256_once(out, NULL, 0);
    pqcha__sha256 h;
    PQCHA_TRY(pqcha__sha256_init(&h));
    pqcha_err err = pqcha__tlog_mth(&h, out, hashes, count);
    pqcha__sha256_free(&h);
    return err;
}

pqcha_err pqcha_tlog_hashes_node(void *ctx, unsigned level, uint64_t index,
                                 uint8_t out[PQCHA_TLOG_HASH_LEN]) {
    const pqcha_tlog_hashes *row = ctx;
    if (row == NULL || out == NULL || level > PQCHA_TLOG_MAX_LEVEL ||
        (row->hashes == NULL && row->count > 0) || index >= (row->count >> level))
        return PQCHA_ERR_INVALID_ARGUMENT;
    const uint8_t *first = row->hashes + (size_t)(index << level) * PQCHA_TLOG_HASH_LEN;
    return pqcha_tlog_root_of_hashes(out, first, (uint64_t)1 << level);
}

/* The index of the highest set bit of n (n > 0). */
static unsigned top_bit(uint64_t n) {
    unsigned b = 0;
    while (n >>= 1)
        b++;
    return b;
}

pqcha_err pqcha__tlog_subtree(pqcha__sha256 *h, uint8_t out[PQCHA_TLOG_HASH_LEN], uint64_t start,
                              uint64_t n, pqcha_tlog_node_fn nodes, void *ctx) {
    if (n == 0 || (start & (((uint64_t)1 << top_bit(n)) - 1)) != 0) return PQCHA_ERR_INTERNAL;
    /* The complete subtrees of the binary decomposition of n, largest first;
     * RFC 9162 joins them right to left. */
    uint8_t parts[64][PQCHA_TLOG_HASH_LEN];
    unsigned count = 0;
    uint64_t at = start;
    for (int level = (int)top_bit(n); level >= 0; level--) {
        if (((n >> level) & 1) == 0) continue;
        PQCHA_TRY(nodes(ctx, (unsigned)level, at >> level, parts[count]));
        count++;
        at += (uint64_t)1 << level;
    }
    memcpy(out, parts[count - 1], PQCHA_TLOG_HASH_LEN);
    for (unsigned i = count - 1; i-- > 0;)
        PQCHA_TRY(pqcha__tlog_node(h, out, parts[i], out));
    return PQCHA_OK;
}

pqcha_err pqcha_tlog_tree_root(uint8_t out[PQCHA_TLOG_HASH_LEN], uint64_t size,
                               pqcha_tlog_node_fn nodes, void *ctx) {
    if (out == NULL || nodes == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    if (size == 0) return pqcha__sha256_once(out, NULL, 0);
    pqcha__sha256 h;
    PQCHA_TRY(pqcha__sha256_init(&h));
    pqcha_err err = pqcha__tlog_subtree(&h, out, 0, size, nodes, ctx);
    pqcha__sha256_free(&h);
    return err;
}
