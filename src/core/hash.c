/* hash.c — digest algorithm names and the streaming hasher: flat SHA3-256
 * through OpenSSL EVP, sha3-256-tree and k12 through the parallel engine
 * (parhash.c). Wire names and constructions: docs/FORMAT.md section 4.4. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "core/internal.h"
#include "core/keccak.h"
#include "core/parhash.h"

/* pqcha__hasher_update_from for sha3-256: the piece read at a time. */
#define SERIAL_READ_BYTES (1u << 20)

struct pqcha_hasher {
    pqcha_digest_alg alg;
    EVP_MD_CTX *ctx;        /* sha3-256 */
    pqcha__parhash *engine; /* sha3-256-tree, k12: created at the first update */
    unsigned threads;
    size_t digest_len;
    int finished;  /* a second final would read a reset context: refuse it */
    int expecting; /* pqcha_hasher_expect_length was called */
    uint64_t expected_total;
    uint64_t total; /* bytes given to update */
    pqcha_progress_fn progress;
    void *progress_ctx;
};

typedef struct digest_alg_entry {
    pqcha_digest_alg alg;
    const char *name;
} digest_alg_entry;

static const digest_alg_entry digest_algs[] = {
    {PQCHA_DIGEST_SHA3_256, "sha3-256"},
    {PQCHA_DIGEST_SHA3_256_TREE, "sha3-256-tree"},
    {PQCHA_DIGEST_K12, "k12"},
    {PQCHA_DIGEST_SHA3_256_SEGMENTS, "sha3-256-segments"},
};

/* Fetching an EVP_MD walks OpenSSL's provider tables and takes locks; do it
 * once per process. The fetched MD is kept for the life of the process. */
static pthread_once_t sha3_256_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha3_256_md;

static void fetch_sha3_256(void) {
    sha3_256_md = EVP_MD_fetch(NULL, "SHA3-256", NULL);
    if (sha3_256_md == NULL) ERR_clear_error();
}

static const EVP_MD *sha3_256(void) {
    if (pthread_once(&sha3_256_once, fetch_sha3_256) != 0) return NULL;
    return sha3_256_md;
}

pqcha_err pqcha_digest_alg_parse(pqcha_digest_alg *out, const char *name) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = (pqcha_digest_alg)0; /* on error: no algorithm (docs/API-CONVENTIONS.md) */
    if (name == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    /* Wire names are exact: "SHA3-256" or "sha3_256" are not the same string. */
    for (size_t i = 0; i < sizeof digest_algs / sizeof digest_algs[0]; i++) {
        if (strcmp(name, digest_algs[i].name) == 0) {
            *out = digest_algs[i].alg;
            return PQCHA_OK;
        }
    }
    return PQCHA_ERR_UNSUPPORTED_ALGORITHM;
}

const char *pqcha_digest_alg_name(pqcha_digest_alg alg) {
    for (size_t i = 0; i < sizeof digest_algs / sizeof digest_algs[0]; i++)
        if (digest_algs[i].alg == alg) return digest_algs[i].name;
    return NULL;
}

size_t pqcha_digest_alg_length(pqcha_digest_alg alg) {
    /* Every algorithm pqcha knows produces 32 bytes. */
    return pqcha_digest_alg_name(alg) ? PQCHA_SHA3_256_LEN : 0;
}

int pqcha_digest_alg_is_streaming(pqcha_digest_alg alg) {
    return pqcha_digest_alg_length(alg) != 0 && alg != PQCHA_DIGEST_SHA3_256_SEGMENTS;
}

const char *pqcha_keccak_implementation(void) {
    return pqcha__keccak_best()->name;
}

pqcha_err pqcha_hasher_create(pqcha_hasher **out, pqcha_digest_alg alg) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (!pqcha_digest_alg_is_streaming(alg)) return PQCHA_ERR_UNSUPPORTED_ALGORITHM;
    pqcha_hasher *h = calloc(1, sizeof *h);
    if (h == NULL) return PQCHA_ERR_NO_MEMORY;
    h->alg = alg;
    h->threads = 1;
    h->digest_len = pqcha_digest_alg_length(alg);
    if (alg != PQCHA_DIGEST_SHA3_256) {
        *out = h;
        return PQCHA_OK;
    }
    const EVP_MD *md = sha3_256();
    h->ctx = md ? EVP_MD_CTX_new() : NULL;
    if (h->ctx == NULL || EVP_DigestInit_ex2(h->ctx, md, NULL) != 1) {
        pqcha_err err = md == NULL       ? PQCHA_ERR_CRYPTO
                        : h->ctx == NULL ? PQCHA_ERR_NO_MEMORY
                                         : PQCHA_ERR_CRYPTO;
        ERR_clear_error();
        pqcha_hasher_free(h);
        return err;
    }
    *out = h;
    return PQCHA_OK;
}

pqcha_err pqcha_hasher_set_threads(pqcha_hasher *h, unsigned threads) {
    if (h == NULL || h->engine != NULL || h->finished) return PQCHA_ERR_INVALID_ARGUMENT;
    h->threads = threads;
    return PQCHA_OK;
}

pqcha_err pqcha_hasher_set_progress(pqcha_hasher *h, pqcha_progress_fn fn, void *ctx) {
    if (h == NULL || h->finished) return PQCHA_ERR_INVALID_ARGUMENT;
    h->progress = fn;
    h->progress_ctx = ctx;
    if (h->engine != NULL) pqcha__parhash_set_progress(h->engine, fn, ctx);
    return PQCHA_OK;
}

static void report_progress(const pqcha_hasher *h) {
    if (h->progress) h->progress(h->progress_ctx, h->total);
}

static pqcha_err ensure_engine(pqcha_hasher *h) {
    if (h->engine != NULL || h->alg == PQCHA_DIGEST_SHA3_256) return PQCHA_OK;
    PQCHA_TRY(pqcha__parhash_new(&h->engine, h->alg, h->threads));
    pqcha__parhash_set_progress(h->engine, h->progress, h->progress_ctx);
    if (!h->expecting) return PQCHA_OK;
    pqcha_err err = pqcha__parhash_expect_length(h->engine, h->expected_total);
    if (err != PQCHA_OK) {
        pqcha__parhash_free(h->engine);
        h->engine = NULL;
    }
    return err;
}

/* The length check runs here for every algorithm (the engine repeats it for
 * its own): sha3-256 has no engine, and a region that grew or shrank while
 * it was read must never get a digest. */
static pqcha_err check_length(const pqcha_hasher *h, uint64_t more) {
    if (!h->expecting) return PQCHA_OK;
    return more > h->expected_total - h->total ? PQCHA_ERR_REGION_CHANGED : PQCHA_OK;
}

pqcha_err pqcha_hasher_update(pqcha_hasher *h, const void *data, size_t len) {
    if (h == NULL || (data == NULL && len > 0) || h->finished) return PQCHA_ERR_INVALID_ARGUMENT;
    if (len == 0) return PQCHA_OK;
    PQCHA_TRY(check_length(h, len));
    if (h->alg != PQCHA_DIGEST_SHA3_256) {
        PQCHA_TRY(ensure_engine(h));
        PQCHA_TRY(pqcha__parhash_update(h->engine, data, len));
        h->total += len;
        report_progress(h);
        return PQCHA_OK;
    }
    if (EVP_DigestUpdate(h->ctx, data, len) != 1) {
        ERR_clear_error();
        return PQCHA_ERR_CRYPTO;
    }
    h->total += len;
    report_progress(h);
    return PQCHA_OK;
}

int pqcha__hasher_is_parallel(const pqcha_hasher *h) {
    return h != NULL && h->alg != PQCHA_DIGEST_SHA3_256;
}

/* sha3-256: one stream, so the input is read here, a piece at a time. */
static pqcha_err update_from_in_turn(pqcha_hasher *h, pqcha__parhash_source source, void *ctx,
                                     uint64_t len) {
    size_t cap = len < SERIAL_READ_BYTES ? (size_t)len : SERIAL_READ_BYTES;
    uint8_t *buf = malloc(cap ? cap : 1);
    if (buf == NULL) return PQCHA_ERR_NO_MEMORY;
    pqcha_err err = PQCHA_OK;
    for (uint64_t done = 0; done < len && err == PQCHA_OK;) {
        size_t n = len - done < cap ? (size_t)(len - done) : cap;
        err = source(ctx, done, buf, n);
        if (err == PQCHA_OK) err = pqcha_hasher_update(h, buf, n);
        done += n;
    }
    free(buf);
    return err;
}

pqcha_err pqcha__hasher_update_from(pqcha_hasher *h, pqcha__parhash_source source, void *ctx,
                                    uint64_t len) {
    if (h == NULL || source == NULL || h->finished) return PQCHA_ERR_INVALID_ARGUMENT;
    if (len == 0) return PQCHA_OK;
    PQCHA_TRY(check_length(h, len));
    if (!pqcha__hasher_is_parallel(h)) return update_from_in_turn(h, source, ctx, len);
    PQCHA_TRY(ensure_engine(h));
    PQCHA_TRY(pqcha__parhash_update_from(h->engine, source, ctx, len));
    h->total += len;
    report_progress(h);
    return PQCHA_OK;
}

pqcha_err pqcha_hasher_final(pqcha_hasher *h, uint8_t *out, size_t out_len) {
    if (h == NULL || out == NULL || h->finished || out_len < h->digest_len)
        return PQCHA_ERR_INVALID_ARGUMENT;
    unsigned int written = 0;
    if (h->expecting && h->total != h->expected_total) {
        h->finished = 1;
        return PQCHA_ERR_REGION_CHANGED;
    }
    if (h->alg != PQCHA_DIGEST_SHA3_256) {
        PQCHA_TRY(ensure_engine(h));
        h->finished = 1;
        return pqcha__parhash_final(h->engine, out);
    }
    h->finished = 1;
    if (EVP_DigestFinal_ex(h->ctx, out, &written) != 1 || written != h->digest_len) {
        ERR_clear_error();
        pqcha_wipe(out, h->digest_len);
        return PQCHA_ERR_CRYPTO;
    }
    return PQCHA_OK;
}

void pqcha_hasher_free(pqcha_hasher *h) {
    if (h == NULL) return;
    EVP_MD_CTX_free(h->ctx);
    pqcha__parhash_free(h->engine);
    free(h);
}

pqcha_err pqcha_sha3_256(uint8_t out[PQCHA_SHA3_256_LEN], const void *data, size_t len) {
    if (out == NULL || (data == NULL && len > 0)) return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha_hasher *h = NULL;
    PQCHA_TRY(pqcha_hasher_create(&h, PQCHA_DIGEST_SHA3_256));
    pqcha_err err = pqcha_hasher_update(h, data, len);
    if (err == PQCHA_OK) err = pqcha_hasher_final(h, out, PQCHA_SHA3_256_LEN);
    pqcha_hasher_free(h);
    return err;
}

pqcha_err pqcha_digest(uint8_t *out, size_t out_len, pqcha_digest_alg alg, const void *data,
                       size_t len, unsigned threads) {
    if (out == NULL || (data == NULL && len > 0)) return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha_hasher *h = NULL;
    PQCHA_TRY(pqcha_hasher_create(&h, alg));
    pqcha_err err = pqcha_hasher_set_threads(h, threads);
    if (err == PQCHA_OK) err = pqcha_hasher_update(h, data, len);
    if (err == PQCHA_OK) err = pqcha_hasher_final(h, out, out_len);
    pqcha_hasher_free(h);
    return err;
}

/* ---- node digests (FORMAT.md 4.5) ---- */

pqcha_err pqcha_hasher_expect_length(pqcha_hasher *h, uint64_t total_len) {
    /* Only before the first update: the tree's node level depends on it. */
    if (h == NULL || h->finished || h->expecting || h->total > 0 || h->engine != NULL)
        return PQCHA_ERR_INVALID_ARGUMENT;
    h->expecting = 1;
    h->expected_total = total_len;
    return PQCHA_OK;
}

size_t pqcha_hasher_node_count(const pqcha_hasher *h) {
    return h != NULL && h->finished ? pqcha__parhash_node_count(h->engine) : 0;
}

unsigned pqcha_hasher_node_level(const pqcha_hasher *h) {
    return h != NULL && h->finished ? pqcha__parhash_node_level(h->engine) : 0;
}

const uint8_t *pqcha_hasher_nodes(const pqcha_hasher *h) {
    return h != NULL && h->finished ? pqcha__parhash_nodes(h->engine) : NULL;
}
