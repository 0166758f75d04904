/* service_fixture.h — what the service's tests share: a signing key, a
 * policy over a region's bytes, reports of that region, and a clock the
 * test sets. Included by one test file each (static functions). */
#ifndef PQCHA_TEST_SERVICE_FIXTURE_H
#define PQCHA_TEST_SERVICE_FIXTURE_H

#include <stdlib.h>

#include "pqcha.h"

#define WORKLOAD "svc-workload"

static int64_t fake_now;
static int64_t test_clock(void) {
    return fake_now;
}

static pqcha_key *signer(void) {
    static pqcha_key *key;
    if (!key && pqcha_key_generate(&key, PQCHA_ML_DSA_65) != PQCHA_OK) abort();
    return key;
}

static const uint8_t weights[64] = {1, 2, 3, 4};

static const pqcha_key *signer_public(void) {
    static pqcha_key *key;
    if (!key && pqcha_key_public_copy(&key, signer()) != PQCHA_OK) abort();
    return key;
}

static pqcha_policy *policy_for(const uint8_t *data, size_t len, const pqcha_key *trusted) {
    uint8_t digest[32];
    char hex[65];
    pqcha_policy *p = NULL;
    if (pqcha_digest(digest, sizeof digest, PQCHA_DIGEST_SHA3_256_TREE, data, len, 1) != PQCHA_OK ||
        pqcha_policy_create(&p) != PQCHA_OK)
        abort();
    pqcha_hex_encode(hex, digest, sizeof digest);
    const char *digests[] = {hex};
    pqcha_digest_alg algs[] = {PQCHA_DIGEST_SHA3_256_TREE};
    if ((trusted && pqcha_policy_add_trusted_key(p, trusted) != PQCHA_OK) ||
        pqcha_policy_add_workload(p, WORKLOAD, NULL, 0) != PQCHA_OK ||
        pqcha_policy_add_region_digests(p, WORKLOAD, "weights", algs, digests, 1) != PQCHA_OK ||
        pqcha_policy_finish(p) != PQCHA_OK)
        abort();
    return p;
}

/* A report of WORKLOAD over data, answering nonce, issued now (real time:
 * the verifier checks freshness against the system clock). */
static char *report_over(const uint8_t *data, size_t len, const char *nonce, size_t *out_len) {
    pqcha_backend *b = NULL;
    pqcha_region *r = NULL;
    pqcha_attester *a = NULL;
    char *env = NULL;
    if (pqcha_backend_create(&b, "in-memory") != PQCHA_OK ||
        pqcha_region_create(&r, "weights", "", 0, len, PQCHA_PROT_RO) != PQCHA_OK ||
        pqcha_memory_backend_register(b, WORKLOAD, r, data, len) != PQCHA_OK ||
        pqcha_attester_create(&a, signer(), b, WORKLOAD) != PQCHA_OK ||
        pqcha_attester_attest(a, nonce, &env, out_len) != PQCHA_OK)
        abort();
    pqcha_attester_free(a);
    pqcha_region_free(r);
    pqcha_backend_free(b);
    return env;
}

#endif
