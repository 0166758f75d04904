/* test_attest.c — the attester: ports of test_continuous.py's attest_once
 * tests, nonce handling, sequence, time, TTL, expected digests, and that the
 * envelope it produces carries a valid ML-DSA signature over the PAE. */
#include <stdint.h>
#include <string.h>

#include "core/envelope.h"
#include "testutil.h"

#include <stdatomic.h>

#define WORKLOAD "model-serving-1"

/* The conftest fixtures: two regions under model-serving-1. */
typedef struct fixture {
    pqcha_key *key;
    pqcha_backend *backend;
    pqcha_attester *attester;
} fixture;

static pqcha_key *shared_key(void) {
    static pqcha_key *key; /* keygen is the slow part: one key for the whole file */
    if (key == NULL) CHECK_OK(pqcha_key_generate(&key, PQCHA_ML_DSA_65));
    return key;
}

static void register_region(pqcha_backend *b, const char *id, const char *description,
                            uint64_t address, size_t size, pqcha_protection prot, uint8_t fill) {
    pqcha_region *r = NULL;
    uint8_t *bytes = malloc(size);
    CHECK_OK(pqcha_region_create(&r, id, description, address, size, prot));
    if (bytes != NULL && r != NULL) {
        memset(bytes, fill, size);
        CHECK_OK(pqcha_memory_backend_register(b, WORKLOAD, r, bytes, size));
    }
    free(bytes);
    pqcha_region_free(r);
}

static int fixture_init(fixture *f) {
    memset(f, 0, sizeof *f);
    f->key = shared_key();
    CHECK_OK(pqcha_backend_create(&f->backend, "in-memory"));
    if (f->key == NULL || f->backend == NULL) return 0;
    register_region(f->backend, "model-weights-0", "Llama weights shard 0", 0x1000, 128,
                    PQCHA_PROT_RO, 0xaa);
    register_region(f->backend, "activation-cache", "KV cache for in-flight request", 0x2000, 64,
                    PQCHA_PROT_RW, 0xbb);
    CHECK_OK(pqcha_attester_create(&f->attester, f->key, f->backend, WORKLOAD));
    return f->attester != NULL;
}

static void fixture_clear(fixture *f) {
    pqcha_attester_free(f->attester);
    pqcha_backend_free(f->backend);
}

/* Attests and decodes the result (without verification: only to look inside). */
static pqcha_report *attest_and_decode(pqcha_attester *a, const char *nonce) {
    char *env = NULL;
    size_t len = 0;
    CHECK_OK(pqcha_attester_attest(a, nonce, &env, &len));
    if (env == NULL) return NULL;
    CHECK(len == strlen(env));
    pqcha_report *rep = NULL;
    CHECK_OK(pqcha_report_decode_unverified(&rep, env, len));
    pqcha_free(env);
    return rep;
}

static int region_index(const pqcha_report *rep, const char *id) {
    for (size_t i = 0; i < pqcha_report_region_count(rep); i++)
        if (strcmp(pqcha_region_id(pqcha_report_region(rep, i)), id) == 0) return (int)i;
    return -1;
}

/* test_continuous.py::test_attest_once_covers_all_regions */
static void test_covers_all_regions(void) {
    fixture f;
    REQUIRE(fixture_init(&f));
    pqcha_report *rep = attest_and_decode(f.attester, NULL);
    REQUIRE(rep);
    CHECK(pqcha_report_region_count(rep) == 2);
    CHECK(region_index(rep, "model-weights-0") == 0);
    CHECK(region_index(rep, "activation-cache") == 1);
    CHECK_STR(pqcha_report_platform(rep), "in-memory");
    CHECK_STR(pqcha_report_workload_id(rep), WORKLOAD);
    CHECK_STR(pqcha_report_signer_key_id(rep), pqcha_key_id(f.key));
    CHECK(pqcha_report_signer_algorithm(rep) == PQCHA_ML_DSA_65);
    CHECK(strncmp(pqcha_report_id(rep), "urn:uuid:", 9) == 0);
    const pqcha_region *w = pqcha_report_region(rep, 0);
    CHECK_STR(pqcha_region_description(w), "Llama weights shard 0");
    CHECK(pqcha_region_address(w) == 0x1000);
    CHECK(pqcha_region_size(w) == 128);
    CHECK(pqcha_region_protection(w) == PQCHA_PROT_RO);
    /* The default: sha3-256-tree, which for a region of at most one leaf is
     * plain SHA3-256 of its bytes. */
    CHECK(pqcha_report_region_digest_alg(rep, 0) == PQCHA_DIGEST_SHA3_256_TREE);

    uint8_t aa[128], want[PQCHA_SHA3_256_LEN];
    char want_hex[65];
    memset(aa, 0xaa, sizeof aa);
    CHECK_OK(pqcha_sha3_256(want, aa, sizeof aa));
    pqcha_hex_encode(want_hex, want, sizeof want);
    CHECK_STR(pqcha_report_region_digest_hex(rep, 0), want_hex);
    CHECK(pqcha_report_region_expected_hex(rep, 0) == NULL);
    CHECK(pqcha_report_region_taken_at(rep, 0) <= pqcha_report_issued_at(rep));
    CHECK(pqcha_report_expires_at(rep) - pqcha_report_issued_at(rep) == PQCHA_DEFAULT_TTL_SECONDS);
    pqcha_report_free(rep);
    fixture_clear(&f);
}

/* test_continuous.py::test_drift_between_calls_changes_snapshot_hash */
static void test_drift_changes_digest(void) {
    fixture f;
    REQUIRE(fixture_init(&f));
    pqcha_report *before = attest_and_decode(f.attester, NULL);
    uint8_t cc[128];
    memset(cc, 0xcc, sizeof cc);
    CHECK_OK(pqcha_memory_backend_update(f.backend, WORKLOAD, "model-weights-0", cc, sizeof cc));
    pqcha_report *after = attest_and_decode(f.attester, NULL);
    REQUIRE(before && after);
    CHECK(strcmp(pqcha_report_region_digest_hex(before, 0),
                 pqcha_report_region_digest_hex(after, 0)) != 0);
    CHECK_STR(pqcha_report_region_digest_hex(before, 1), pqcha_report_region_digest_hex(after, 1));
    CHECK(strcmp(pqcha_report_id(before), pqcha_report_id(after)) != 0);
    pqcha_report_free(before);
    pqcha_report_free(after);
    fixture_clear(&f);
}

static void test_nonce_is_carried(void) {
    fixture f;
    REQUIRE(fixture_init(&f));
    const char *nonce = "000102030405060708090a0b0c0d0e0f";
    pqcha_report *rep = attest_and_decode(f.attester, nonce);
    REQUIRE(rep);
    CHECK_STR(pqcha_report_nonce(rep), nonce);
    pqcha_report_free(rep);
    /* The bounds themselves are accepted: 8 and 64 bytes. */
    char max_nonce[129];
    memset(max_nonce, 'f', 128);
    max_nonce[128] = '\0';
    const char *bounds[] = {"0123456789abcdef", max_nonce};
    for (size_t i = 0; i < 2; i++) {
        rep = attest_and_decode(f.attester, bounds[i]);
        CHECK(rep != NULL);
        if (rep) CHECK_STR(pqcha_report_nonce(rep), bounds[i]);
        pqcha_report_free(rep);
    }
    fixture_clear(&f);
}

static void test_random_nonce(void) {
    fixture f;
    REQUIRE(fixture_init(&f));
    pqcha_report *r1 = attest_and_decode(f.attester, NULL);
    pqcha_report *r2 = attest_and_decode(f.attester, NULL);
    REQUIRE(r1 && r2);
    const char *n1 = pqcha_report_nonce(r1);
    CHECK(strlen(n1) == 32);
    CHECK(strspn(n1, "0123456789abcdef") == 32);
    CHECK(strcmp(n1, pqcha_report_nonce(r2)) != 0);
    pqcha_report_free(r1);
    pqcha_report_free(r2);
    fixture_clear(&f);
}

/* Every malformed nonce is BAD_HEX (see src/core/attest.c), and no sequence
 * number is consumed. */
static void test_bad_nonces(void) {
    fixture f;
    REQUIRE(fixture_init(&f));
    char too_long[131];
    memset(too_long, 'a', 130); /* 65 bytes */
    too_long[130] = '\0';
    const char *bad[] = {
        "000102030405060708090A0B0C0D0E0F", /* upper case */
        "000102030405060708090a0b0c0d0e0",  /* odd length */
        "00010203040506",                   /* 7 bytes: too short */
        too_long,                           /* 65 bytes: too long */
        "",                                 /* the original silently replaced it */
        "000102030405060708090a0b0c0d0e0g", /* not hex */
        "00010203 0405060708090a0b0c0d0e0f",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *env = (char *)"sentinel";
        size_t len = 99;
        CHECK_ERR(pqcha_attester_attest(f.attester, bad[i], &env, &len), PQCHA_ERR_BAD_HEX);
        CHECK(env == NULL && len == 0);
    }
    pqcha_report *rep = attest_and_decode(f.attester, NULL);
    REQUIRE(rep);
    CHECK(pqcha_report_sequence(rep) == 0);
    pqcha_report_free(rep);
    fixture_clear(&f);
}

static void test_empty_workload(void) {
    fixture f;
    REQUIRE(fixture_init(&f));
    pqcha_attester *a = NULL;
    CHECK_OK(pqcha_attester_create(&a, f.key, f.backend, "no-regions-here"));
    REQUIRE(a);
    char *env = NULL;
    size_t len = 0;
    CHECK_ERR(pqcha_attester_attest(a, NULL, &env, &len), PQCHA_ERR_EMPTY_REPORT);
    CHECK(env == NULL);
    pqcha_attester_free(a);
    fixture_clear(&f);
}

static void test_sequence_increments(void) {
    fixture f;
    REQUIRE(fixture_init(&f));
    for (uint64_t i = 0; i < 3; i++) {
        pqcha_report *rep = attest_and_decode(f.attester, NULL);
        REQUIRE(rep);
        CHECK(pqcha_report_sequence(rep) == i);
        pqcha_report_free(rep);
    }
    CHECK_OK(pqcha_attester_set_sequence(f.attester, 41));
    pqcha_report *rep = attest_and_decode(f.attester, NULL);
    REQUIRE(rep);
    CHECK(pqcha_report_sequence(rep) == 41);
    pqcha_report_free(rep);
    CHECK_ERR(pqcha_attester_set_sequence(f.attester, PQCHA_MAX_SAFE_INTEGER + 1),
              PQCHA_ERR_OUT_OF_RANGE);

    /* A failed report does not consume a number. */
    pqcha_backend *tdx = NULL;
    pqcha_attester *a = NULL;
    CHECK_OK(pqcha_backend_create(&tdx, "intel-tdx"));
    CHECK_OK(pqcha_attester_create(&a, f.key, tdx, WORKLOAD));
    REQUIRE(a);
    char *env = NULL;
    CHECK_ERR(pqcha_attester_attest(a, NULL, &env, NULL), PQCHA_ERR_DEVICE_NOT_PRESENT);
    pqcha_attester_free(a);
    pqcha_backend_free(tdx);
    fixture_clear(&f);
}

static void test_fixed_time_and_ttl(void) {
    fixture f;
    REQUIRE(fixture_init(&f));
    const int64_t t = 1795836655; /* 2026-11-28T03:30:55Z */
    CHECK_OK(pqcha_attester_set_time(f.attester, t));
    CHECK_OK(pqcha_attester_set_ttl(f.attester, 120));
    pqcha_report *rep = attest_and_decode(f.attester, NULL);
    REQUIRE(rep);
    CHECK(pqcha_report_issued_at(rep) == t);
    CHECK(pqcha_report_expires_at(rep) == t + 120);
    CHECK(pqcha_report_region_taken_at(rep, 0) == t);
    CHECK(pqcha_report_region_taken_at(rep, 1) == t);
    pqcha_report_free(rep);

    CHECK_ERR(pqcha_attester_set_ttl(f.attester, 0), PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(pqcha_attester_set_ttl(f.attester, -5), PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(pqcha_attester_set_ttl(f.attester, PQCHA_MAX_TTL_SECONDS + 1),
              PQCHA_ERR_OUT_OF_RANGE);
    CHECK_OK(pqcha_attester_set_ttl(f.attester, PQCHA_MAX_TTL_SECONDS));
    CHECK_OK(pqcha_attester_set_ttl(f.attester, 1));

    /* Negative restores the clock. */
    CHECK_OK(pqcha_attester_set_time(f.attester, -1));
    rep = attest_and_decode(f.attester, NULL);
    REQUIRE(rep);
    CHECK(pqcha_report_issued_at(rep) > t);
    CHECK(pqcha_report_expires_at(rep) == pqcha_report_issued_at(rep) + 1);
    pqcha_report_free(rep);
    fixture_clear(&f);
}

static void test_expected_digest(void) {
    fixture f;
    REQUIRE(fixture_init(&f));
    const char *pinned = "33bad5430899ed6f8beaf3e732b2a2cad1d40b7c9de0cfcdc7e0bc0756803a10";
    const char *other = "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a";
    CHECK_OK(pqcha_attester_set_expected(f.attester, "activation-cache", other));
    CHECK_OK(pqcha_attester_set_expected(f.attester, "activation-cache", pinned)); /* replaces */
    CHECK_OK(pqcha_attester_set_expected(f.attester, "not-listed", pinned));
    CHECK_ERR(
        pqcha_attester_set_expected(
            f.attester, "x", "33BAD5430899ED6F8BEAF3E732B2A2CAD1D40B7C9DE0CFCDC7E0BC0756803A10"),
        PQCHA_ERR_BAD_HEX);
    CHECK_ERR(pqcha_attester_set_expected(f.attester, "x", "33bad543"), PQCHA_ERR_BAD_HEX);
    CHECK_ERR(pqcha_attester_set_expected(f.attester, "", pinned), PQCHA_ERR_BAD_IDENTIFIER);
    pqcha_report *rep = attest_and_decode(f.attester, NULL);
    REQUIRE(rep);
    CHECK(pqcha_report_region_expected_hex(rep, 0) == NULL);
    CHECK_STR(pqcha_report_region_expected_hex(rep, 1), pinned);
    /* Informational: the measured digest is reported as measured. */
    CHECK(strcmp(pqcha_report_region_digest_hex(rep, 1), pinned) != 0);
    pqcha_report_free(rep);
    fixture_clear(&f);
}

static void test_public_key_refused(void) {
    fixture f;
    REQUIRE(fixture_init(&f));
    pqcha_key *pub = NULL;
    CHECK_OK(pqcha_key_public_copy(&pub, f.key));
    REQUIRE(pub);
    pqcha_attester *a = (pqcha_attester *)f.backend; /* must be reset to NULL */
    CHECK_ERR(pqcha_attester_create(&a, pub, f.backend, WORKLOAD), PQCHA_ERR_NOT_PRIVATE_KEY);
    CHECK(a == NULL);
    pqcha_key_free(pub);
    fixture_clear(&f);
}

static void test_invalid_arguments(void) {
    fixture f;
    REQUIRE(fixture_init(&f));
    pqcha_attester *a = NULL;
    CHECK_ERR(pqcha_attester_create(&a, NULL, f.backend, WORKLOAD), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_attester_create(&a, f.key, NULL, WORKLOAD), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_attester_create(&a, f.key, f.backend, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_attester_create(&a, f.key, f.backend, "bad\x01id"), PQCHA_ERR_BAD_IDENTIFIER);
    CHECK_ERR(pqcha_attester_attest(f.attester, NULL, NULL, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    char *env = NULL;
    CHECK_ERR(pqcha_attester_attest(NULL, NULL, &env, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_attester_set_ttl(NULL, 10), PQCHA_ERR_INVALID_ARGUMENT);
    pqcha_attester_free(NULL);
    fixture_clear(&f);
}

/* The envelope's signature is ML-DSA over PAE(payloadType, payload) with the
 * attester's key, and the payload names that key. */
static void test_envelope_signature_verifies(void) {
    fixture f;
    REQUIRE(fixture_init(&f));
    char *env = NULL;
    size_t len = 0;
    CHECK_OK(pqcha_attester_attest(f.attester, NULL, &env, &len));
    REQUIRE(env);
    pqcha__envelope e;
    memset(&e, 0, sizeof e);
    CHECK_OK(pqcha__envelope_decode(&e, env, len));
    CHECK_STR(e.key_id, pqcha_key_id(f.key));
    CHECK(e.sig_len == pqcha_sig_alg_signature_length(PQCHA_ML_DSA_65));

    uint8_t *pae = NULL;
    size_t pae_len = 0;
    CHECK_OK(pqcha__pae(&pae, &pae_len, PQCHA_PAYLOAD_TYPE, e.payload, e.payload_len));
    pqcha_key *pub = NULL;
    CHECK_OK(pqcha_key_public_copy(&pub, f.key));
    REQUIRE(pae && pub);
    CHECK_OK(pqcha_verify_signature(pub, pae, pae_len, e.sig, e.sig_len));
    pae[pae_len - 2] ^= 1; /* any change to the payload breaks it */
    CHECK_ERR(pqcha_verify_signature(pub, pae, pae_len, e.sig, e.sig_len), PQCHA_ERR_BAD_SIGNATURE);

    /* The payload itself is the strict in-toto statement. */
    CHECK(strstr((const char *)e.payload, "\"_type\":\"https://in-toto.io/Statement/v1\"") != NULL);
    CHECK(strstr((const char *)e.payload, "\"platform\":\"in-memory\"") != NULL);

    pqcha_key_free(pub);
    pqcha_free(pae);
    pqcha__envelope_clear(&e);
    pqcha_free(env);
    fixture_clear(&f);
}

/* End-to-end with the verifier: a report from the attester verifies against
 * its key and the challenge it was given. */
static void test_verifier_accepts_report(void) {
    fixture f;
    REQUIRE(fixture_init(&f));
    const char *nonce = "a1a2a3a4a5a6a7a8a9aaabacadaeafb0";
    char *env = NULL;
    size_t len = 0;
    CHECK_OK(pqcha_attester_attest(f.attester, nonce, &env, &len));
    pqcha_verifier *v = NULL;
    CHECK_OK(pqcha_verifier_create(&v));
    REQUIRE(env && v);
    CHECK_OK(pqcha_verifier_trust_key(v, f.key));
    CHECK_OK(pqcha_verifier_expect_nonce(v, nonce));
    pqcha_result *res = NULL;
    CHECK_OK(pqcha_verify(&res, v, env, len));
    CHECK(res != NULL && pqcha_result_verdict(res) == PQCHA_VERDICT_VALID);
    pqcha_result_free(res);
    pqcha_verifier_free(v);
    pqcha_free(env);
    fixture_clear(&f);
}

/* Each algorithm lands in the report by name, with the digest that
 * pqcha_digest computes over the same bytes, whatever the thread count. */
static void test_digest_algorithm_selection(void) {
    static const pqcha_digest_alg algs[] = {PQCHA_DIGEST_SHA3_256, PQCHA_DIGEST_SHA3_256_TREE,
                                            PQCHA_DIGEST_K12};
    size_t big = 3 * PQCHA_TREE_LEAF_SIZE + 17; /* several leaves: the parallel path */
    fixture f;
    REQUIRE(fixture_init(&f));
    register_region(f.backend, "big", "three leaves and a bit", 0x100000, big, PQCHA_PROT_RO, 0x5c);
    uint8_t *bytes = malloc(big);
    REQUIRE(bytes);
    memset(bytes, 0x5c, big);
    for (size_t i = 0; i < 3; i++) {
        CHECK_OK(pqcha_attester_set_digest(f.attester, algs[i]));
        CHECK_OK(pqcha_attester_set_threads(f.attester, i == 2 ? 0 : 2));
        pqcha_report *rep = attest_and_decode(f.attester, NULL);
        REQUIRE(rep);
        int found = region_index(rep, "big");
        REQUIRE(found >= 0);
        size_t at = (size_t)found;
        CHECK(pqcha_report_region_digest_alg(rep, at) == algs[i]);
        uint8_t want[32];
        char want_hex[65];
        CHECK_OK(pqcha_digest(want, sizeof want, algs[i], bytes, big, 1));
        pqcha_hex_encode(want_hex, want, sizeof want);
        CHECK_STR(pqcha_report_region_digest_hex(rep, at), want_hex);
        pqcha_report_free(rep);
    }
    CHECK_ERR(pqcha_attester_set_digest(f.attester, (pqcha_digest_alg)99),
              PQCHA_ERR_UNSUPPORTED_ALGORITHM);
    CHECK_ERR(pqcha_attester_set_threads(NULL, 1), PQCHA_ERR_INVALID_ARGUMENT);
    free(bytes);
    fixture_clear(&f);
}

/* A custom backend of 40 small regions that counts reads in flight. */
typedef struct counting_backend {
    atomic_int in_flight, max_in_flight;
} counting_backend;

static pqcha_err counting_list(void *self, const char *workload_id, pqcha_region ***regions,
                               size_t *count) {
    (void)self, (void)workload_id;
    *regions = calloc(40, sizeof **regions);
    if (*regions == NULL) return PQCHA_ERR_NO_MEMORY;
    for (size_t i = 0; i < 40; i++) {
        char id[16];
        snprintf(id, sizeof id, "r%zu", i);
        pqcha_err err =
            pqcha_region_create(&(*regions)[i], id, "", i * 4096, 1000 + i, PQCHA_PROT_RO);
        if (err != PQCHA_OK) return err;
        *count = i + 1;
    }
    return PQCHA_OK;
}

static pqcha_err counting_read(void *self, const char *workload_id, const pqcha_region *region,
                               pqcha_chunk_sink sink, void *sink_ctx) {
    counting_backend *cb = self;
    (void)workload_id;
    int now = atomic_fetch_add(&cb->in_flight, 1) + 1;
    int seen = atomic_load(&cb->max_in_flight);
    while (now > seen && !atomic_compare_exchange_weak(&cb->max_in_flight, &seen, now)) {
    }
    uint8_t bytes[2000];
    memset(bytes, (int)(pqcha_region_address(region) >> 12), sizeof bytes);
    pqcha_err err = sink(sink_ctx, bytes, (size_t)pqcha_region_size(region));
    atomic_fetch_sub(&cb->in_flight, 1);
    return err;
}

static void attest_counting(unsigned flags, unsigned threads, char digests[40][65],
                            int *max_in_flight) {
    counting_backend cb;
    atomic_init(&cb.in_flight, 0);
    atomic_init(&cb.max_in_flight, 0);
    pqcha_backend_ops ops = {"counting", "test", counting_list, counting_read, NULL, flags};
    pqcha_backend *b = NULL;
    pqcha_attester *a = NULL;
    CHECK_OK(pqcha_backend_create_custom(&b, &ops, &cb));
    CHECK_OK(pqcha_attester_create(&a, shared_key(), b, WORKLOAD));
    CHECK_OK(pqcha_attester_set_threads(a, threads));
    pqcha_report *rep = a ? attest_and_decode(a, NULL) : NULL;
    CHECK(rep != NULL && pqcha_report_region_count(rep) == 40);
    for (size_t i = 0; rep && i < 40; i++) {
        char id[16];
        snprintf(id, sizeof id, "r%zu", i);
        CHECK_STR(pqcha_region_id(pqcha_report_region(rep, i)), id); /* the backend's order */
        snprintf(digests[i], 65, "%s", pqcha_report_region_digest_hex(rep, i));
    }
    *max_in_flight = atomic_load(&cb.max_in_flight);
    pqcha_report_free(rep);
    pqcha_attester_free(a);
    pqcha_backend_free(b);
}

/* Small regions are hashed side by side only when the backend says reads may
 * run concurrently; either way every digest and the order are the same. */
static void test_parallel_regions(void) {
    char sequential[40][65], parallel[40][65], unflagged[40][65];
    int max_seq = 0, max_par = 0, max_unflagged = 0;
    attest_counting(PQCHA_BACKEND_CONCURRENT_READS, 1, sequential, &max_seq);
    attest_counting(PQCHA_BACKEND_CONCURRENT_READS, 4, parallel, &max_par);
    attest_counting(0, 4, unflagged, &max_unflagged);
    CHECK(max_seq == 1);
    CHECK(max_unflagged == 1); /* never concurrent without the flag */
    for (size_t i = 0; i < 40; i++) {
        CHECK_STR(parallel[i], sequential[i]);
        CHECK_STR(unflagged[i], sequential[i]);
    }
}

/* What pqcha_attester_set_progress reported, per call. */
typedef struct progress_log {
    char region[8][32];
    uint64_t bytes[4096];
    int finished[4096];
    int which[4096];
    size_t calls, regions;
} progress_log;

static void log_progress(void *ctx, const pqcha_region *region, uint64_t bytes_done, int finished) {
    progress_log *log = ctx;
    if (log->calls == 4096) return;
    int k = (int)log->regions - 1;
    if (k < 0 || strcmp(log->region[k], pqcha_region_id(region)) != 0) {
        if (log->regions == 8) return;
        snprintf(log->region[log->regions++], sizeof log->region[0], "%s", pqcha_region_id(region));
        k = (int)log->regions - 1;
    }
    log->which[log->calls] = k;
    log->bytes[log->calls] = bytes_done;
    log->finished[log->calls++] = finished;
}

/* Each region measured alone reports 0 first, then bytes that only grow,
 * then its size with finished set; regions one after the other. */
static void test_progress(void) {
    pqcha_backend *b = NULL;
    pqcha_attester *a = NULL;
    CHECK_OK(pqcha_backend_create(&b, "in-memory"));
    REQUIRE(b != NULL);
    size_t sizes[3] = {9u << 20, 100, 3u << 20};
    static const char *const ids[3] = {"large", "small", "medium"};
    for (int i = 0; i < 3; i++)
        register_region(b, ids[i], "d", 0x100000u * (uint64_t)(i + 1) * 16, sizes[i], PQCHA_PROT_RO,
                        (uint8_t)i);
    CHECK_OK(pqcha_attester_create(&a, shared_key(), b, WORKLOAD));
    REQUIRE(a != NULL);
    CHECK_OK(pqcha_attester_set_threads(a, 2));
    progress_log *log = calloc(1, sizeof *log);
    REQUIRE(log != NULL);
    CHECK_OK(pqcha_attester_set_progress(a, log_progress, log));
    char *env = NULL;
    CHECK_OK(pqcha_attester_attest(a, NULL, &env, NULL));
    pqcha_free(env);
    /* The in-memory backend reads one region at a time: all three shown. */
    CHECK(log->regions == 3);
    for (size_t k = 0; k < log->regions; k++) {
        size_t size = 0, first = SIZE_MAX, last = 0, calls = 0;
        for (int i = 0; i < 3; i++)
            if (strcmp(ids[i], log->region[k]) == 0) size = sizes[i];
        for (size_t c = 0; c < log->calls; c++) {
            if (log->which[c] != (int)k) continue;
            if (first == SIZE_MAX) first = c;
            CHECK(calls == 0 || log->bytes[c] >= log->bytes[last]);
            CHECK(log->finished[c] == 0 || c + 1 == log->calls || log->which[c + 1] != (int)k);
            last = c;
            calls++;
        }
        CHECK(first != SIZE_MAX && log->bytes[first] == 0 && !log->finished[first]);
        CHECK(log->finished[last] && log->bytes[last] == size);
        CHECK(size < (1u << 20) || calls > 2); /* large ones report on the way too */
    }
    CHECK_ERR(pqcha_attester_set_progress(NULL, NULL, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    free(log);
    pqcha_attester_free(a);
    pqcha_backend_free(b);
}

static void test_cleanup_shared_key(void) {
    pqcha_key_free(shared_key());
}

/* The payload of one report over a single in-memory region of `size` bytes. */
static char *payload_for(pqcha_digest_alg alg, size_t size, const char *mapped_file) {
    static pqcha_key *k;
    if (!k && pqcha_key_generate(&k, PQCHA_ML_DSA_44) != PQCHA_OK) abort();
    uint8_t *data = calloc(1, size ? size : 1);
    pqcha_backend *b = NULL;
    pqcha_region *r = NULL;
    pqcha_attester *a = NULL;
    char *env = NULL, *payload = NULL;
    CHECK_OK(pqcha_backend_create(&b, "in-memory"));
    CHECK_OK(pqcha_region_create(&r, "w", "", 0x1000, size, PQCHA_PROT_RO));
    if (mapped_file) CHECK_OK(pqcha_region_set_mapping(r, mapped_file, 4096));
    CHECK_OK(pqcha_memory_backend_register(b, WORKLOAD, r, data, size));
    CHECK_OK(pqcha_attester_create(&a, k, b, WORKLOAD));
    CHECK_OK(pqcha_attester_set_digest(a, alg));
    CHECK_OK(pqcha_attester_attest(a, NULL, &env, NULL));
    pqcha__envelope e;
    memset(&e, 0, sizeof e);
    if (env && pqcha__envelope_decode(&e, env, strlen(env)) == PQCHA_OK) {
        payload = malloc(e.payload_len + 1);
        memcpy(payload, e.payload, e.payload_len);
        payload[e.payload_len] = '\0';
    }
    pqcha__envelope_clear(&e);
    pqcha_free(env);
    pqcha_attester_free(a);
    pqcha_region_free(r);
    pqcha_backend_free(b);
    free(data);
    return payload;
}

/* Node digests for every sha3-256-tree region above one leaf, never for
 * other algorithms or small regions; the mapping whenever the region has one. */
static void test_nodes_and_mapping_in_reports(void) {
    const size_t big = 3 * PQCHA_TREE_LEAF_SIZE + 1;
    char *p = payload_for(PQCHA_DIGEST_SHA3_256_TREE, big, "/models/x.gguf");
    CHECK(p && strstr(p, "\"nodes\":{\"digests\":[") && strstr(p, "],\"level\":0}"));
    CHECK(p && strstr(p, "\"mapping\":{\"file\":\"/models/x.gguf\",\"offset\":4096}"));
    free(p);
    p = payload_for(PQCHA_DIGEST_K12, big, NULL);
    CHECK(p && !strstr(p, "\"nodes\"") && !strstr(p, "\"mapping\""));
    free(p);
    p = payload_for(PQCHA_DIGEST_SHA3_256, big, NULL);
    CHECK(p && !strstr(p, "\"nodes\""));
    free(p);
    p = payload_for(PQCHA_DIGEST_SHA3_256_TREE, PQCHA_TREE_LEAF_SIZE, NULL);
    CHECK(p && !strstr(p, "\"nodes\""));
    free(p);
}

/* The payload's size is known before hashing, to the byte: with the longest
 * nonce and a fixed clock it is the size of the report then signed (node
 * digests of a multi-leaf region included). */
static void test_report_size_is_exact(void) {
    fixture f;
    REQUIRE(fixture_init(&f));
    register_region(f.backend, "big", "three leaves and a byte", 0x10000,
                    3 * PQCHA_TREE_LEAF_SIZE + 1, PQCHA_PROT_RO, 0xcc);
    CHECK_OK(pqcha_attester_set_time(f.attester, 1795836655));
    size_t predicted = 0;
    CHECK_OK(pqcha_attester_report_size(f.attester, &predicted));
    char nonce[2 * PQCHA_MAX_NONCE_BYTES + 1];
    memset(nonce, 'f', sizeof nonce - 1);
    nonce[sizeof nonce - 1] = '\0';
    char *env = NULL;
    size_t len = 0;
    CHECK_OK(pqcha_attester_attest(f.attester, nonce, &env, &len));
    pqcha__envelope e = {0};
    CHECK_OK(pqcha__envelope_decode(&e, env, len));
    CHECK(e.payload_len == predicted);
    CHECK(e.payload != NULL && strstr((char *)e.payload, "\"nodes\"") != NULL);
    pqcha__envelope_clear(&e);
    pqcha_free(env);
    CHECK_ERR(pqcha_attester_report_size(f.attester, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_attester_report_size(NULL, &predicted), PQCHA_ERR_INVALID_ARGUMENT);
    fixture_clear(&f);
}

/* More regions than a payload can carry: refused as TOO_LARGE, with the size
 * it would have had, and no envelope. */
static void test_report_too_large_refused(void) {
    pqcha_backend *b = NULL;
    pqcha_attester *a = NULL;
    char id[256];
    const size_t count = 40000;
    CHECK_OK(pqcha_backend_create(&b, "in-memory"));
    REQUIRE(b);
    for (size_t i = 0; i < count; i++) {
        /* long ids: 40 000 of them need more than the 12 MiB a payload may have */
        snprintf(id, sizeof id, "region-%0200zu", i);
        pqcha_region *r = NULL;
        CHECK_OK(pqcha_region_create(&r, id, "", 0x1000, 1, PQCHA_PROT_RO));
        CHECK_OK(pqcha_memory_backend_register(b, WORKLOAD, r, (const uint8_t *)"x", 1));
        pqcha_region_free(r);
    }
    CHECK_OK(pqcha_attester_create(&a, shared_key(), b, WORKLOAD));
    size_t predicted = 0;
    CHECK_OK(pqcha_attester_report_size(a, &predicted));
    CHECK(predicted > PQCHA_MAX_PAYLOAD_LEN);
    char *env = NULL;
    size_t len = 0;
    CHECK_ERR(pqcha_attester_attest(a, NULL, &env, &len), PQCHA_ERR_TOO_LARGE);
    CHECK(env == NULL && len == 0);
    pqcha_attester_free(a);
    pqcha_backend_free(b);
}

TEST_MAIN(TEST(test_nodes_and_mapping_in_reports), TEST(test_report_size_is_exact),
          TEST(test_report_too_large_refused), TEST(test_covers_all_regions),
          TEST(test_drift_changes_digest), TEST(test_nonce_is_carried), TEST(test_random_nonce),
          TEST(test_bad_nonces), TEST(test_empty_workload), TEST(test_sequence_increments),
          TEST(test_fixed_time_and_ttl), TEST(test_expected_digest), TEST(test_public_key_refused),
          TEST(test_invalid_arguments), TEST(test_envelope_signature_verifies),
          TEST(test_verifier_accepts_report), TEST(test_digest_algorithm_selection),
          TEST(test_parallel_regions), TEST(test_progress), TEST(test_cleanup_shared_key))
