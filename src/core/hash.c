/* hash.c — digest algorithm names and a streaming hasher over OpenSSL EVP.
 * SHA3-256 is the only digest pqcha puts on the wire (docs/FORMAT.md §4.3). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "core/internal.h"

struct pqcha_hasher {
    EVP_MD_CTX *ctx;
    size_t digest_len;
    int finished; /* a second final would read a reset context: refuse it */
};

/* Fetching an EVP_MD walks OpenSSL's provider tables and takes locks; do it
 * once per process. The fetched MD is kept for the life of the process. */
static pthread_once_t sha3_256_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha3_256_md;

static void fetch_sha3_256(void) {
    sha3_256_md = EVP_MD_fetch(NULL, "SHA3-256", NULL);
    if (sha3_256_md == NULL)
        ERR_clear_error();
}

static const EVP_MD *md_for(pqcha_digest_alg alg) {
    if (alg != PQCHA_DIGEST_SHA3_256)
        return NULL;
    if (pthread_once(&sha3_256_once, fetch_sha3_256) != 0)
        return NULL;
    return sha3_256_md;
}

pqcha_err pqcha_digest_alg_parse(pqcha_digest_alg *out, const char *name) {
    if (out == NULL || name == NULL)
        return PQCHA_ERR_INVALID_ARGUMENT;
    /* Wire names are exact: "SHA3-256" or "sha3_256" are not the same string. */
    if (strcmp(name, "sha3-256") == 0) {
        *out = PQCHA_DIGEST_SHA3_256;
        return PQCHA_OK;
    }
    return PQCHA_ERR_UNSUPPORTED_ALGORITHM;
}

const char *pqcha_digest_alg_name(pqcha_digest_alg alg) {
    return alg == PQCHA_DIGEST_SHA3_256 ? "sha3-256" : NULL;
}

size_t pqcha_digest_alg_length(pqcha_digest_alg alg) {
    return alg == PQCHA_DIGEST_SHA3_256 ? PQCHA_SHA3_256_LEN : 0;
}

pqcha_err pqcha_hasher_create(pqcha_hasher **out, pqcha_digest_alg alg) {
    if (out == NULL)
        return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (pqcha_digest_alg_length(alg) == 0)
        return PQCHA_ERR_UNSUPPORTED_ALGORITHM;
    const EVP_MD *md = md_for(alg);
    if (md == NULL)
        return PQCHA_ERR_CRYPTO;

    pqcha_hasher *h = calloc(1, sizeof *h);
    if (h == NULL)
        return PQCHA_ERR_NO_MEMORY;
    h->digest_len = pqcha_digest_alg_length(alg);
    h->ctx = EVP_MD_CTX_new();
    if (h->ctx == NULL) {
        free(h);
        return PQCHA_ERR_NO_MEMORY;
    }
    if (EVP_DigestInit_ex2(h->ctx, md, NULL) != 1) {
        ERR_clear_error();
        pqcha_hasher_free(h);
        return PQCHA_ERR_CRYPTO;
    }
    *out = h;
    return PQCHA_OK;
}

pqcha_err pqcha_hasher_update(pqcha_hasher *h, const void *data, size_t len) {
    if (h == NULL || (data == NULL && len > 0) || h->finished)
        return PQCHA_ERR_INVALID_ARGUMENT;
    if (len == 0)
        return PQCHA_OK;
    if (EVP_DigestUpdate(h->ctx, data, len) != 1) {
        ERR_clear_error();
        return PQCHA_ERR_CRYPTO;
    }
    return PQCHA_OK;
}

pqcha_err pqcha_hasher_final(pqcha_hasher *h, uint8_t *out, size_t out_len) {
    if (h == NULL || out == NULL || h->finished || out_len < h->digest_len)
        return PQCHA_ERR_INVALID_ARGUMENT;
    unsigned int written = 0;
    h->finished = 1;
    if (EVP_DigestFinal_ex(h->ctx, out, &written) != 1 || written != h->digest_len) {
        ERR_clear_error();
        pqcha_wipe(out, h->digest_len);
        return PQCHA_ERR_CRYPTO;
    }
    return PQCHA_OK;
}

void pqcha_hasher_free(pqcha_hasher *h) {
    if (h == NULL)
        return;
    EVP_MD_CTX_free(h->ctx);
    free(h);
}

pqcha_err pqcha_sha3_256(uint8_t out[PQCHA_SHA3_256_LEN], const void *data, size_t len) {
    if (out == NULL || (data == NULL && len > 0))
        return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha_hasher *h = NULL;
    PQCHA_TRY(pqcha_hasher_create(&h, PQCHA_DIGEST_SHA3_256));
    pqcha_err err = pqcha_hasher_update(h, data, len);
    if (err == PQCHA_OK)
        err = pqcha_hasher_final(h, out, PQCHA_SHA3_256_LEN);
    pqcha_hasher_free(h);
    return err;
}
