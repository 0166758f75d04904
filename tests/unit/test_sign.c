/* test_sign.c — pure ML-DSA sign/verify with an empty context, and every
 * way a signature must be refused. */
#include <stdint.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "testutil.h"

static const pqcha_sig_alg all_algs[] = {PQCHA_ML_DSA_44, PQCHA_ML_DSA_65, PQCHA_ML_DSA_87};
static const size_t sig_lens[] = {2420, 3309, 4627};
#define ALG_COUNT (sizeof all_algs / sizeof all_algs[0])

static const uint8_t message[] = "DSSEv1 41 application/vnd.pqcha.attestation.v1+json 2 {}";
#define MESSAGE_LEN (sizeof message - 1)

static void test_sign_verify_all_algorithms(void) {
    for (size_t i = 0; i < ALG_COUNT; i++) {
        pqcha_key *key = NULL, *pub = NULL;
        CHECK_OK(pqcha_key_generate(&key, all_algs[i]));
        REQUIRE(key != NULL);
        CHECK_OK(pqcha_key_public_copy(&pub, key));
        REQUIRE(pub != NULL);

        uint8_t *sig = NULL;
        size_t sig_len = 0;
        CHECK_OK(pqcha_sign(&sig, &sig_len, key, message, MESSAGE_LEN));
        REQUIRE(sig != NULL);
        CHECK(sig_len == sig_lens[i]);
        CHECK(sig_len == pqcha_sig_alg_signature_length(all_algs[i]));
        CHECK_OK(pqcha_verify_signature(key, message, MESSAGE_LEN, sig, sig_len));
        CHECK_OK(pqcha_verify_signature(pub, message, MESSAGE_LEN, sig, sig_len));
        pqcha_free(sig);
        pqcha_key_free(pub);
        pqcha_key_free(key);
    }
}

static void test_empty_message(void) {
    pqcha_key *key = NULL;
    CHECK_OK(pqcha_key_generate(&key, PQCHA_ML_DSA_44));
    REQUIRE(key != NULL);
    uint8_t *sig = NULL;
    size_t sig_len = 0;
    CHECK_OK(pqcha_sign(&sig, &sig_len, key, NULL, 0));
    REQUIRE(sig != NULL);
    CHECK_OK(pqcha_verify_signature(key, NULL, 0, sig, sig_len));
    CHECK_OK(pqcha_verify_signature(key, (const uint8_t *)"", 0, sig, sig_len));
    CHECK_ERR(pqcha_verify_signature(key, (const uint8_t *)"x", 1, sig, sig_len),
              PQCHA_ERR_BAD_SIGNATURE);
    pqcha_free(sig);
    pqcha_key_free(key);
}

static void test_flipped_bits_are_bad_signature(void) {
    for (size_t i = 0; i < ALG_COUNT; i++) {
        pqcha_key *key = NULL;
        CHECK_OK(pqcha_key_generate(&key, all_algs[i]));
        REQUIRE(key != NULL);
        uint8_t *sig = NULL;
        size_t sig_len = 0;
        CHECK_OK(pqcha_sign(&sig, &sig_len, key, message, MESSAGE_LEN));
        REQUIRE(sig != NULL);

        /* The commitment hash, the response vector z and the hint encoding. */
        const size_t positions[] = {0, 31, sig_len / 2, sig_len - 90, sig_len - 1};
        for (size_t p = 0; p < sizeof positions / sizeof positions[0]; p++) {
            for (int bit = 0; bit < 8; bit += 7) {
                sig[positions[p]] ^= (uint8_t)(1u << bit);
                CHECK_ERR(pqcha_verify_signature(key, message, MESSAGE_LEN, sig, sig_len),
                          PQCHA_ERR_BAD_SIGNATURE);
                CHECK(ERR_peek_error() == 0);
                sig[positions[p]] ^= (uint8_t)(1u << bit);
            }
        }
        CHECK_OK(pqcha_verify_signature(key, message, MESSAGE_LEN, sig, sig_len));

        uint8_t altered[sizeof message];
        memcpy(altered, message, sizeof message);
        altered[10] ^= 0x01;
        CHECK_ERR(pqcha_verify_signature(key, altered, MESSAGE_LEN, sig, sig_len),
                  PQCHA_ERR_BAD_SIGNATURE);
        CHECK_ERR(pqcha_verify_signature(key, message, MESSAGE_LEN - 1, sig, sig_len),
                  PQCHA_ERR_BAD_SIGNATURE);
        pqcha_free(sig);
        pqcha_key_free(key);
    }
}

static void test_wrong_length_is_bad_signature_length(void) {
    pqcha_key *key = NULL;
    CHECK_OK(pqcha_key_generate(&key, PQCHA_ML_DSA_65));
    REQUIRE(key != NULL);
    uint8_t *sig = NULL;
    size_t sig_len = 0;
    CHECK_OK(pqcha_sign(&sig, &sig_len, key, message, MESSAGE_LEN));
    REQUIRE(sig != NULL && sig_len == 3309);
    uint8_t *longer = calloc(1, 4627 + 1);
    REQUIRE(longer != NULL);
    memcpy(longer, sig, sig_len);

    CHECK_ERR(pqcha_verify_signature(key, message, MESSAGE_LEN, sig, sig_len - 1),
              PQCHA_ERR_BAD_SIGNATURE_LENGTH);
    CHECK_ERR(pqcha_verify_signature(key, message, MESSAGE_LEN, longer, sig_len + 1),
              PQCHA_ERR_BAD_SIGNATURE_LENGTH);
    CHECK_ERR(pqcha_verify_signature(key, message, MESSAGE_LEN, longer, 0),
              PQCHA_ERR_BAD_SIGNATURE_LENGTH);
    CHECK_ERR(pqcha_verify_signature(key, message, MESSAGE_LEN, NULL, 0),
              PQCHA_ERR_BAD_SIGNATURE_LENGTH);
    /* Another parameter set's length is still the wrong length for this key. */
    CHECK_ERR(pqcha_verify_signature(key, message, MESSAGE_LEN, longer, 2420),
              PQCHA_ERR_BAD_SIGNATURE_LENGTH);
    CHECK_ERR(pqcha_verify_signature(key, message, MESSAGE_LEN, longer, 4627),
              PQCHA_ERR_BAD_SIGNATURE_LENGTH);
    free(longer);
    pqcha_free(sig);
    pqcha_key_free(key);
}

static void test_wrong_key_is_bad_signature(void) {
    pqcha_key *signer = NULL, *other = NULL;
    CHECK_OK(pqcha_key_generate(&signer, PQCHA_ML_DSA_87));
    CHECK_OK(pqcha_key_generate(&other, PQCHA_ML_DSA_87));
    REQUIRE(signer != NULL && other != NULL);
    uint8_t *sig = NULL;
    size_t sig_len = 0;
    CHECK_OK(pqcha_sign(&sig, &sig_len, signer, message, MESSAGE_LEN));
    REQUIRE(sig != NULL);
    CHECK_ERR(pqcha_verify_signature(other, message, MESSAGE_LEN, sig, sig_len),
              PQCHA_ERR_BAD_SIGNATURE);
    pqcha_free(sig);
    pqcha_key_free(other);
    pqcha_key_free(signer);
}

static void test_signing_with_public_key_is_refused(void) {
    pqcha_key *key = NULL, *pub = NULL;
    CHECK_OK(pqcha_key_generate(&key, PQCHA_ML_DSA_65));
    REQUIRE(key != NULL);
    CHECK_OK(pqcha_key_public_copy(&pub, key));
    REQUIRE(pub != NULL);
    uint8_t *sig = (uint8_t *)&key;
    size_t sig_len = 7;
    CHECK_ERR(pqcha_sign(&sig, &sig_len, pub, message, MESSAGE_LEN), PQCHA_ERR_NOT_PRIVATE_KEY);
    CHECK(sig == NULL && sig_len == 0);
    CHECK_ERR(pqcha_sign(&sig, &sig_len, NULL, message, MESSAGE_LEN), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_sign(&sig, &sig_len, key, NULL, 3), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_verify_signature(NULL, message, MESSAGE_LEN, sig, 0),
              PQCHA_ERR_INVALID_ARGUMENT);
    pqcha_key_free(pub);
    pqcha_key_free(key);
}

/* The OpenSSL key behind a pqcha key, re-read from its private PEM. */
static EVP_PKEY *openssl_key(const pqcha_key *key) {
    char *pem = NULL;
    size_t pem_len = 0;
    if (pqcha_key_private_pem(&pem, &pem_len, key) != PQCHA_OK) return NULL;
    BIO *bio = BIO_new_mem_buf(pem, (int)pem_len);
    EVP_PKEY *pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    pqcha_free_secret(pem, pem_len);
    return pkey;
}

/* Signs with OpenSSL directly, with the given FIPS 204 context string. */
static int sign_with_context(uint8_t *sig, size_t *sig_len, EVP_PKEY *pkey, const char *context) {
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    EVP_SIGNATURE *alg = EVP_SIGNATURE_fetch(NULL, "ML-DSA-65", NULL);
    OSSL_PARAM params[2] = {OSSL_PARAM_construct_octet_string(OSSL_SIGNATURE_PARAM_CONTEXT_STRING,
                                                              (void *)(uintptr_t)context,
                                                              strlen(context)),
                            OSSL_PARAM_construct_end()};
    int ok = pctx != NULL && alg != NULL && EVP_PKEY_sign_message_init(pctx, alg, params) == 1 &&
             EVP_PKEY_sign(pctx, sig, sig_len, message, MESSAGE_LEN) == 1;
    EVP_SIGNATURE_free(alg);
    EVP_PKEY_CTX_free(pctx);
    return ok;
}

/* pqcha signs and verifies with ctx = "" exactly: an OpenSSL signature with
 * an empty context verifies, one with any other context does not. */
static void test_context_is_empty(void) {
    pqcha_key *key = NULL;
    CHECK_OK(pqcha_key_generate(&key, PQCHA_ML_DSA_65));
    REQUIRE(key != NULL);
    EVP_PKEY *pkey = openssl_key(key);
    REQUIRE(pkey != NULL);
    uint8_t sig[3309];
    size_t sig_len = sizeof sig;
    CHECK(sign_with_context(sig, &sig_len, pkey, ""));
    CHECK(sig_len == sizeof sig);
    CHECK_OK(pqcha_verify_signature(key, message, MESSAGE_LEN, sig, sig_len));
    sig_len = sizeof sig;
    CHECK(sign_with_context(sig, &sig_len, pkey, "pqcha"));
    CHECK_ERR(pqcha_verify_signature(key, message, MESSAGE_LEN, sig, sig_len),
              PQCHA_ERR_BAD_SIGNATURE);
    EVP_PKEY_free(pkey);
    pqcha_key_free(key);
}

TEST_MAIN(TEST(test_sign_verify_all_algorithms), TEST(test_empty_message),
          TEST(test_flipped_bits_are_bad_signature),
          TEST(test_wrong_length_is_bad_signature_length), TEST(test_wrong_key_is_bad_signature),
          TEST(test_signing_with_public_key_is_refused), TEST(test_context_is_empty))
