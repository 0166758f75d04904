/* test_key.c — ML-DSA key generation, PEM/DER round trips, key ids, and
 * rejection of everything that is not an ML-DSA key. */
#include <stdint.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "testutil.h"

static const pqcha_sig_alg all_algs[] = {PQCHA_ML_DSA_44, PQCHA_ML_DSA_65, PQCHA_ML_DSA_87};
#define ALG_COUNT (sizeof all_algs / sizeof all_algs[0])

static void to_hex(char *out, const uint8_t *in, size_t len) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0x0f];
    }
    out[2 * len] = '\0';
}

static char *expected_key_id(const pqcha_key *key) {
    static char hex[PQCHA_KEY_ID_HEX_LEN + 1];
    uint8_t *der = NULL;
    size_t der_len = 0;
    uint8_t digest[PQCHA_SHA3_256_LEN];
    hex[0] = '\0';
    if (pqcha_key_public_der(&der, &der_len, key) == PQCHA_OK &&
        pqcha_sha3_256(digest, der, der_len) == PQCHA_OK)
        to_hex(hex, digest, sizeof digest);
    pqcha_free(der);
    return hex;
}

static void test_algorithm_names_and_lengths(void) {
    static const char *names[] = {"ML-DSA-44", "ML-DSA-65", "ML-DSA-87"};
    static const size_t sig_lens[] = {2420, 3309, 4627};
    static const size_t pub_lens[] = {1312, 1952, 2592};
    for (size_t i = 0; i < ALG_COUNT; i++) {
        pqcha_sig_alg alg = (pqcha_sig_alg)0;
        CHECK_OK(pqcha_sig_alg_parse(&alg, names[i]));
        CHECK(alg == all_algs[i]);
        CHECK_STR(pqcha_sig_alg_name(all_algs[i]), names[i]);
        CHECK(pqcha_sig_alg_signature_length(all_algs[i]) == sig_lens[i]);
        CHECK(pqcha_sig_alg_public_key_length(all_algs[i]) == pub_lens[i]);
    }
    static const char *unknown[] = {"ml-dsa-65", "ML-DSA-65 ", "ML-DSA", "Ed25519", "MLDSA65", ""};
    pqcha_sig_alg alg;
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        alg = PQCHA_ML_DSA_65;
        CHECK_ERR(pqcha_sig_alg_parse(&alg, unknown[i]), PQCHA_ERR_UNSUPPORTED_ALGORITHM);
        CHECK(alg == 0); /* outputs on error: 0, which names no algorithm */
    }
    alg = PQCHA_ML_DSA_65;
    CHECK_ERR(pqcha_sig_alg_parse(&alg, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(alg == 0);
    CHECK(pqcha_sig_alg_name((pqcha_sig_alg)66) == NULL);
    CHECK(pqcha_sig_alg_signature_length((pqcha_sig_alg)66) == 0);
    CHECK(pqcha_sig_alg_public_key_length((pqcha_sig_alg)0) == 0);

    pqcha_key *key = NULL;
    CHECK_ERR(pqcha_key_generate(&key, (pqcha_sig_alg)66), PQCHA_ERR_UNSUPPORTED_ALGORITHM);
    CHECK(key == NULL);
    CHECK_ERR(pqcha_key_generate(NULL, PQCHA_ML_DSA_65), PQCHA_ERR_INVALID_ARGUMENT);
}

static void test_generate_all_algorithms(void) {
    for (size_t i = 0; i < ALG_COUNT; i++) {
        pqcha_key *key = NULL;
        CHECK_OK(pqcha_key_generate(&key, all_algs[i]));
        REQUIRE(key != NULL);
        CHECK(pqcha_key_algorithm(key) == all_algs[i]);
        CHECK(pqcha_key_has_private(key) == 1);

        uint8_t *raw = NULL;
        size_t raw_len = 0;
        CHECK_OK(pqcha_key_public_raw(&raw, &raw_len, key));
        CHECK(raw_len == pqcha_sig_alg_public_key_length(all_algs[i]));

        /* RFC 9881 SPKI: SEQUENCE { SEQUENCE { OID 2.16.840.1.101.3.4.3.{17,18,19} }
         * (parameters absent), BIT STRING { 0 unused bits, raw key } }. */
        uint8_t *der = NULL;
        size_t der_len = 0;
        CHECK_OK(pqcha_key_public_der(&der, &der_len, key));
        REQUIRE(der != NULL && raw != NULL && der_len == raw_len + 22);
        const uint8_t alg_id[] = {0x30,
                                  0x0b,
                                  0x06,
                                  0x09,
                                  0x60,
                                  0x86,
                                  0x48,
                                  0x01,
                                  0x65,
                                  0x03,
                                  0x04,
                                  0x03,
                                  (uint8_t)(0x11 + i)};
        CHECK(der[0] == 0x30 && der[1] == 0x82);
        CHECK(memcmp(der + 4, alg_id, sizeof alg_id) == 0);
        CHECK(der[17] == 0x03 && der[21] == 0x00);
        CHECK(memcmp(der + 22, raw, raw_len) == 0);

        CHECK(strlen(pqcha_key_id(key)) == PQCHA_KEY_ID_HEX_LEN);
        CHECK_STR(pqcha_key_id(key), expected_key_id(key));
        pqcha_free(raw);
        pqcha_free(der);
        pqcha_key_free(key);
    }
}

static void test_private_pem_round_trip(void) {
    for (size_t i = 0; i < ALG_COUNT; i++) {
        pqcha_key *key = NULL;
        CHECK_OK(pqcha_key_generate(&key, all_algs[i]));
        REQUIRE(key != NULL);
        char *pem = NULL;
        size_t pem_len = 0;
        CHECK_OK(pqcha_key_private_pem(&pem, &pem_len, key));
        REQUIRE(pem != NULL);
        CHECK(pem_len == strlen(pem));
        CHECK(strncmp(pem, "-----BEGIN PRIVATE KEY-----\n", 28) == 0);

        pqcha_key *again = NULL;
        CHECK_OK(pqcha_key_from_pem(&again, pem, pem_len));
        REQUIRE(again != NULL);
        CHECK(pqcha_key_has_private(again) == 1);
        CHECK(pqcha_key_algorithm(again) == all_algs[i]);
        CHECK_STR(pqcha_key_id(again), pqcha_key_id(key));

        /* A re-export is byte-identical: the seed and expanded key survive. */
        char *pem2 = NULL;
        size_t pem2_len = 0;
        CHECK_OK(pqcha_key_private_pem(&pem2, &pem2_len, again));
        CHECK(pem2 != NULL && pem2_len == pem_len && memcmp(pem, pem2, pem_len) == 0);

        pqcha_free_secret(pem2, pem2_len);
        pqcha_free_secret(pem, pem_len);
        pqcha_key_free(again);
        pqcha_key_free(key);
    }
}

static void test_public_pem_round_trip_and_copy(void) {
    for (size_t i = 0; i < ALG_COUNT; i++) {
        pqcha_key *key = NULL;
        CHECK_OK(pqcha_key_generate(&key, all_algs[i]));
        REQUIRE(key != NULL);
        char *pem = NULL;
        size_t pem_len = 0;
        CHECK_OK(pqcha_key_public_pem(&pem, &pem_len, key));
        REQUIRE(pem != NULL);
        CHECK(strncmp(pem, "-----BEGIN PUBLIC KEY-----\n", 27) == 0);

        pqcha_key *pub = NULL;
        CHECK_OK(pqcha_key_from_pem(&pub, pem, pem_len));
        REQUIRE(pub != NULL);
        CHECK(pqcha_key_has_private(pub) == 0);
        CHECK(pqcha_key_algorithm(pub) == all_algs[i]);
        CHECK_STR(pqcha_key_id(pub), pqcha_key_id(key));
        CHECK_STR(pqcha_key_id(pub), expected_key_id(pub));

        pqcha_key *copy = NULL;
        CHECK_OK(pqcha_key_public_copy(&copy, key));
        REQUIRE(copy != NULL);
        CHECK(pqcha_key_has_private(copy) == 0);
        CHECK(pqcha_key_algorithm(copy) == all_algs[i]);
        CHECK_STR(pqcha_key_id(copy), pqcha_key_id(key));

        char *copy_pem = NULL;
        size_t copy_pem_len = 0;
        CHECK_OK(pqcha_key_public_pem(&copy_pem, &copy_pem_len, copy));
        CHECK(copy_pem != NULL && copy_pem_len == pem_len && memcmp(copy_pem, pem, pem_len) == 0);

        pqcha_free(copy_pem);
        pqcha_free(pem);
        pqcha_key_free(copy);
        pqcha_key_free(pub);
        pqcha_key_free(key);
    }
}

static void test_private_pem_of_public_key_is_refused(void) {
    pqcha_key *key = NULL, *pub = NULL;
    CHECK_OK(pqcha_key_generate(&key, PQCHA_ML_DSA_44));
    REQUIRE(key != NULL);
    CHECK_OK(pqcha_key_public_copy(&pub, key));
    REQUIRE(pub != NULL);
    char *pem = (char *)"sentinel";
    size_t pem_len = 99;
    CHECK_ERR(pqcha_key_private_pem(&pem, &pem_len, pub), PQCHA_ERR_NOT_PRIVATE_KEY);
    CHECK(pem == NULL && pem_len == 0);
    /* A public copy of a public key is fine. */
    pqcha_key *copy2 = NULL;
    CHECK_OK(pqcha_key_public_copy(&copy2, pub));
    pqcha_key_free(copy2);
    pqcha_key_free(pub);
    pqcha_key_free(key);
}

static void check_rejected(const char *pem, size_t len, pqcha_err want) {
    pqcha_key *key = (pqcha_key *)&key; /* must be reset to NULL */
    CHECK_ERR(pqcha_key_from_pem(&key, pem, len), want);
    CHECK(key == NULL);
    /* Failures must not leave OpenSSL errors behind for the next caller. */
    CHECK(ERR_peek_error() == 0);
    pqcha_key_free(key);
}

static void test_garbage_is_bad_key(void) {
    static const char *garbage[] = {
        "",
        "hello",
        "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n",
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        "-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n",
        "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n",
    };
    for (size_t i = 0; i < sizeof garbage / sizeof garbage[0]; i++)
        check_rejected(garbage[i], strlen(garbage[i]), PQCHA_ERR_BAD_KEY);
    uint8_t binary[64];
    for (size_t i = 0; i < sizeof binary; i++)
        binary[i] = (uint8_t)(i * 37);
    check_rejected((const char *)binary, sizeof binary, PQCHA_ERR_BAD_KEY);
    check_rejected(NULL, 0, PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_key_from_pem(NULL, "x", 1), PQCHA_ERR_INVALID_ARGUMENT);
}

static void test_truncated_pem_is_bad_key(void) {
    pqcha_key *key = NULL;
    CHECK_OK(pqcha_key_generate(&key, PQCHA_ML_DSA_65));
    REQUIRE(key != NULL);
    char *priv = NULL, *pub = NULL;
    size_t priv_len = 0, pub_len = 0;
    CHECK_OK(pqcha_key_private_pem(&priv, &priv_len, key));
    CHECK_OK(pqcha_key_public_pem(&pub, &pub_len, key));
    REQUIRE(priv != NULL && pub != NULL);

    check_rejected(priv, priv_len / 2, PQCHA_ERR_BAD_KEY);
    check_rejected(pub, pub_len / 2, PQCHA_ERR_BAD_KEY);
    check_rejected(priv, priv_len - 26, PQCHA_ERR_BAD_KEY); /* END line cut */
    check_rejected(pub, pub_len - 25, PQCHA_ERR_BAD_KEY);

    /* Whole framing, but body lines dropped: the DER inside is truncated. */
    const char *second_line = strchr(pub, '\n') + 1;
    const char *last_line = strstr(pub, "-----END");
    REQUIRE(second_line != NULL && last_line != NULL);
    char cut[8192];
    size_t head = (size_t)(second_line - pub);
    memcpy(cut, pub, head);
    memcpy(cut + head, second_line + 65 * 4, strlen(second_line + 65 * 4));
    size_t cut_len = head + strlen(second_line + 65 * 4);
    check_rejected(cut, cut_len, PQCHA_ERR_BAD_KEY);

    pqcha_free_secret(priv, priv_len);
    pqcha_free(pub);
    pqcha_key_free(key);
}

/* PEM text of a freshly generated non-ML-DSA key: private (PKCS#8), private
 * in OpenSSL's legacy form, or public (SPKI). */
enum foreign_form { FOREIGN_PKCS8, FOREIGN_TRADITIONAL, FOREIGN_SPKI };

static char *foreign_pem(const char *type, const char *param, enum foreign_form form, size_t *len) {
    EVP_PKEY *pkey =
        param ? EVP_PKEY_Q_keygen(NULL, NULL, type, param) : EVP_PKEY_Q_keygen(NULL, NULL, type);
    BIO *bio = BIO_new(BIO_s_mem());
    char *out = NULL;
    int ok = 0;
    if (pkey != NULL && bio != NULL) {
        if (form == FOREIGN_PKCS8)
            ok = PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL);
        else if (form == FOREIGN_TRADITIONAL)
            ok = PEM_write_bio_PrivateKey_traditional(bio, pkey, NULL, NULL, 0, NULL, NULL);
        else
            ok = PEM_write_bio_PUBKEY(bio, pkey);
    }
    char *data = NULL;
    long n = ok == 1 ? BIO_get_mem_data(bio, &data) : 0;
    if (n > 0 && (out = malloc((size_t)n + 1)) != NULL) {
        memcpy(out, data, (size_t)n);
        out[n] = '\0';
        *len = (size_t)n;
    }
    BIO_free(bio);
    EVP_PKEY_free(pkey);
    return out;
}

static void test_non_ml_dsa_keys_are_bad_key(void) {
    struct {
        const char *type;
        const char *param;
    } foreign[] = {{"ED25519", NULL}, {"EC", "P-256"}, {"ML-KEM-768", NULL}};
    for (size_t i = 0; i < sizeof foreign / sizeof foreign[0]; i++) {
        for (int form = FOREIGN_PKCS8; form <= FOREIGN_SPKI; form++) {
            if (form == FOREIGN_TRADITIONAL && strcmp(foreign[i].type, "EC") != 0)
                continue; /* only EC has a legacy "EC PRIVATE KEY" form here */
            size_t len = 0;
            char *pem =
                foreign_pem(foreign[i].type, foreign[i].param, (enum foreign_form)form, &len);
            REQUIRE(pem != NULL);
            check_rejected(pem, len, PQCHA_ERR_BAD_KEY);
            free(pem);
        }
    }
}

static void test_encrypted_private_key_is_bad_key_without_prompt(void) {
    pqcha_key *key = NULL;
    CHECK_OK(pqcha_key_generate(&key, PQCHA_ML_DSA_44));
    REQUIRE(key != NULL);
    char *plain = NULL;
    size_t plain_len = 0;
    CHECK_OK(pqcha_key_private_pem(&plain, &plain_len, key));
    REQUIRE(plain != NULL);
    BIO *in = BIO_new_mem_buf(plain, (int)plain_len);
    EVP_PKEY *pkey = PEM_read_bio_PrivateKey(in, NULL, NULL, NULL);
    BIO_free(in);
    REQUIRE(pkey != NULL);
    BIO *out = BIO_new(BIO_s_mem());
    REQUIRE(out != NULL);
    char pass[] = "correct horse";
    CHECK(PEM_write_bio_PKCS8PrivateKey(out, pkey, EVP_aes_256_cbc(), pass, (int)strlen(pass), NULL,
                                        NULL) == 1);
    char *enc = NULL;
    long enc_len = BIO_get_mem_data(out, &enc);
    REQUIRE(enc_len > 0);
    CHECK(strstr(enc, "ENCRYPTED PRIVATE KEY") != NULL);
    check_rejected(enc, (size_t)enc_len, PQCHA_ERR_BAD_KEY);
    BIO_free(out);
    EVP_PKEY_free(pkey);
    pqcha_free_secret(plain, plain_len);
    pqcha_key_free(key);
}

static void test_oversize_pem_is_too_large(void) {
    pqcha_key *key = NULL;
    CHECK_OK(pqcha_key_generate(&key, PQCHA_ML_DSA_65));
    REQUIRE(key != NULL);
    char *pub = NULL;
    size_t pub_len = 0;
    CHECK_OK(pqcha_key_public_pem(&pub, &pub_len, key));
    REQUIRE(pub != NULL);
    /* A valid key padded with trailing text: the size cap decides first. */
    char *big = malloc(PQCHA_MAX_PEM_LEN + 2);
    REQUIRE(big != NULL);
    memset(big, '\n', PQCHA_MAX_PEM_LEN + 2);
    memcpy(big, pub, pub_len);
    check_rejected(big, PQCHA_MAX_PEM_LEN + 1, PQCHA_ERR_TOO_LARGE);
    /* Exactly at the cap is still parsed. */
    pqcha_key *at_cap = NULL;
    CHECK_OK(pqcha_key_from_pem(&at_cap, big, PQCHA_MAX_PEM_LEN));
    CHECK(at_cap != NULL && strcmp(pqcha_key_id(at_cap), pqcha_key_id(key)) == 0);
    pqcha_key_free(at_cap);
    free(big);
    pqcha_free(pub);
    pqcha_key_free(key);
}

/* Two keys in one PEM text: refused, never read as the first alone. */
static void test_two_pem_blocks_are_bad_key(void) {
    pqcha_key *a = NULL, *b = NULL, *got = NULL;
    char *pa = NULL, *pb = NULL;
    size_t la = 0, lb = 0;
    CHECK_OK(pqcha_key_generate(&a, PQCHA_ML_DSA_44));
    CHECK_OK(pqcha_key_generate(&b, PQCHA_ML_DSA_44));
    REQUIRE(a && b);
    CHECK_OK(pqcha_key_public_pem(&pa, &la, a));
    CHECK_OK(pqcha_key_public_pem(&pb, &lb, b));
    REQUIRE(pa && pb);
    char *both = malloc(la + lb + 1);
    memcpy(both, pa, la);
    memcpy(both + la, pb, lb + 1);
    CHECK_ERR(pqcha_key_from_pem(&got, both, la + lb), PQCHA_ERR_BAD_KEY);
    CHECK(got == NULL);
    CHECK_OK(pqcha_key_from_pem(&got, both, la)); /* the first alone is fine */
    pqcha_key_free(got);
    free(both);
    pqcha_free(pa);
    pqcha_free(pb);
    pqcha_key_free(a);
    pqcha_key_free(b);
}

static void test_null_handles(void) {
    CHECK(pqcha_key_id(NULL) == NULL);
    CHECK(pqcha_key_has_private(NULL) == 0);
    CHECK(pqcha_key_algorithm(NULL) == 0);
    pqcha_key_free(NULL);
    pqcha_key *out = NULL;
    CHECK_ERR(pqcha_key_public_copy(&out, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    uint8_t *raw = NULL;
    size_t raw_len = 0;
    CHECK_ERR(pqcha_key_public_raw(&raw, &raw_len, NULL), PQCHA_ERR_INVALID_ARGUMENT);
}

TEST_MAIN(TEST(test_two_pem_blocks_are_bad_key), TEST(test_algorithm_names_and_lengths),
          TEST(test_generate_all_algorithms), TEST(test_private_pem_round_trip),
          TEST(test_public_pem_round_trip_and_copy),
          TEST(test_private_pem_of_public_key_is_refused), TEST(test_garbage_is_bad_key),
          TEST(test_truncated_pem_is_bad_key), TEST(test_non_ml_dsa_keys_are_bad_key),
          TEST(test_encrypted_private_key_is_bad_key_without_prompt),
          TEST(test_oversize_pem_is_too_large), TEST(test_null_handles))
