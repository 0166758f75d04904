/* test_hash.c — SHA3-256 known answers, streaming equivalence, algorithm names. */
#include <stdint.h>

#include "testutil.h"

static void to_hex(char *out, const uint8_t *in, size_t len) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0x0f];
    }
    out[2 * len] = '\0';
}

static void check_sha3(const void *data, size_t len, const char *want_hex) {
    uint8_t digest[PQCHA_SHA3_256_LEN];
    char hex[2 * PQCHA_SHA3_256_LEN + 1];
    CHECK_OK(pqcha_sha3_256(digest, data, len));
    to_hex(hex, digest, sizeof digest);
    CHECK_STR(hex, want_hex);
}

/* FIPS 202 / NIST CAVP vectors. */
static void test_sha3_256_known_answers(void) {
    static const uint8_t four_bytes[] = {0x00, 0x01, 0x02, 0x03};
    check_sha3("", 0, "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
    check_sha3(NULL, 0, "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
    check_sha3("abc", 3, "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
    check_sha3(four_bytes, sizeof four_bytes,
               "33bad5430899ed6f8beaf3e732b2a2cad1d40b7c9de0cfcdc7e0bc0756803a10");
}

static void test_streaming_in_odd_chunks_equals_one_shot(void) {
    /* 1000 bytes crosses several 136-byte SHA3-256 rate blocks at odd offsets. */
    uint8_t data[1000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 31 + 7);
    uint8_t one_shot[PQCHA_SHA3_256_LEN];
    CHECK_OK(pqcha_sha3_256(one_shot, data, sizeof data));

    static const size_t chunk_sizes[] = {1, 3, 7, 135, 136, 137, 999, 1000};
    for (size_t c = 0; c < sizeof chunk_sizes / sizeof chunk_sizes[0]; c++) {
        pqcha_hasher *h = NULL;
        CHECK_OK(pqcha_hasher_create(&h, PQCHA_DIGEST_SHA3_256));
        REQUIRE(h != NULL);
        for (size_t off = 0; off < sizeof data; off += chunk_sizes[c]) {
            size_t n = sizeof data - off < chunk_sizes[c] ? sizeof data - off : chunk_sizes[c];
            CHECK_OK(pqcha_hasher_update(h, data + off, n));
            CHECK_OK(pqcha_hasher_update(h, data, 0)); /* empty updates change nothing */
        }
        uint8_t streamed[PQCHA_SHA3_256_LEN];
        CHECK_OK(pqcha_hasher_final(h, streamed, sizeof streamed));
        CHECK(memcmp(streamed, one_shot, sizeof one_shot) == 0);
        pqcha_hasher_free(h);
    }
}

static void test_hasher_misuse(void) {
    pqcha_hasher *h = NULL;
    uint8_t out[PQCHA_MAX_DIGEST_LEN];
    CHECK_OK(pqcha_hasher_create(&h, PQCHA_DIGEST_SHA3_256));
    REQUIRE(h != NULL);
    CHECK_ERR(pqcha_hasher_final(h, out, PQCHA_SHA3_256_LEN - 1), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_hasher_update(h, NULL, 5), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_OK(pqcha_hasher_final(h, out, sizeof out)); /* a bigger buffer is fine */
    CHECK_ERR(pqcha_hasher_final(h, out, sizeof out), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_hasher_update(h, "x", 1), PQCHA_ERR_INVALID_ARGUMENT);
    pqcha_hasher_free(h);
    pqcha_hasher_free(NULL);

    CHECK_ERR(pqcha_hasher_create(NULL, PQCHA_DIGEST_SHA3_256), PQCHA_ERR_INVALID_ARGUMENT);
    h = (pqcha_hasher *)&out; /* must be reset to NULL on failure */
    CHECK_ERR(pqcha_hasher_create(&h, (pqcha_digest_alg)99), PQCHA_ERR_UNSUPPORTED_ALGORITHM);
    CHECK(h == NULL);
    CHECK_ERR(pqcha_sha3_256(out, NULL, 1), PQCHA_ERR_INVALID_ARGUMENT);
}

static void test_digest_algorithm_names(void) {
    pqcha_digest_alg alg = (pqcha_digest_alg)0;
    CHECK_OK(pqcha_digest_alg_parse(&alg, "sha3-256"));
    CHECK(alg == PQCHA_DIGEST_SHA3_256);
    CHECK_STR(pqcha_digest_alg_name(PQCHA_DIGEST_SHA3_256), "sha3-256");
    CHECK(pqcha_digest_alg_length(PQCHA_DIGEST_SHA3_256) == 32);

    static const char *unknown[] = {"SHA3-256", "sha3_256", "sha256", "sha3-256 ", "sha3-512", ""};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        alg = PQCHA_DIGEST_K12;
        CHECK_ERR(pqcha_digest_alg_parse(&alg, unknown[i]), PQCHA_ERR_UNSUPPORTED_ALGORITHM);
        CHECK(alg == 0); /* outputs on error: 0, which names no algorithm */
    }
    alg = PQCHA_DIGEST_K12;
    CHECK_ERR(pqcha_digest_alg_parse(&alg, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(alg == 0);
    CHECK(pqcha_digest_alg_name((pqcha_digest_alg)0) == NULL);
    CHECK(pqcha_digest_alg_length((pqcha_digest_alg)0) == 0);
}

static void test_versions(void) {
    CHECK_STR(pqcha_version(), PQCHA_VERSION_STRING);
    CHECK_STR(pqcha_version(), "0.2.0");
    const char *crypto = pqcha_crypto_version();
    CHECK(crypto != NULL && strncmp(crypto, "OpenSSL 3.", 10) == 0);
}

static void test_wipe_and_free(void) {
    uint8_t buf[16];
    memset(buf, 0xa5, sizeof buf);
    pqcha_wipe(buf, sizeof buf);
    for (size_t i = 0; i < sizeof buf; i++)
        CHECK(buf[i] == 0);
    pqcha_wipe(NULL, 10);
    pqcha_free(NULL);
    pqcha_free_secret(NULL, 10);
    char *secret = malloc(8);
    REQUIRE(secret != NULL);
    memcpy(secret, "hunter2", 8);
    pqcha_free_secret(secret, 8);
}

TEST_MAIN(TEST(test_sha3_256_known_answers), TEST(test_streaming_in_odd_chunks_equals_one_shot),
          TEST(test_hasher_misuse), TEST(test_digest_algorithm_names), TEST(test_versions),
          TEST(test_wipe_and_free))
