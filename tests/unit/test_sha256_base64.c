/* test_sha256_base64.c — the public SHA-256 and base64 (crypto.h) that the
 * transparency log's users outside the library name reports and encode
 * receipts with: FIPS 180-4 and RFC 4648 test vectors, and the strictness
 * of decoding. */
#include <string.h>

#include "testutil.h"

static void hex_of(char *out, const uint8_t *in, size_t len) {
    pqcha_hex_encode(out, in, len);
}

static void test_sha256_vectors(void) {
    uint8_t d[PQCHA_SHA256_LEN];
    char hex[2 * PQCHA_SHA256_LEN + 1];
    CHECK_OK(pqcha_sha256(d, "abc", 3));
    hex_of(hex, d, sizeof d);
    CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK_OK(pqcha_sha256(d, NULL, 0));
    hex_of(hex, d, sizeof d);
    CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    CHECK_OK(pqcha_sha256(d, two, strlen(two)));
    hex_of(hex, d, sizeof d);
    CHECK_STR(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    CHECK_ERR(pqcha_sha256(NULL, "abc", 3), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_sha256(d, NULL, 1), PQCHA_ERR_INVALID_ARGUMENT);
}

static void test_base64_round_trips_rfc4648_vectors(void) {
    static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const coded[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
                                        "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        char *text = NULL;
        size_t text_len = 99;
        uint8_t *bytes = NULL;
        size_t len = 99;
        CHECK_OK(
            pqcha_base64_encode(&text, &text_len, (const uint8_t *)plain[i], strlen(plain[i])));
        CHECK_STR(text, coded[i]);
        CHECK(text_len == strlen(coded[i]));
        CHECK_OK(pqcha_base64_decode(&bytes, &len, text, text_len, 64));
        CHECK(len == strlen(plain[i]) && memcmp(bytes, plain[i], len) == 0);
        pqcha_free(text);
        pqcha_free(bytes);
    }
}

static void test_base64_decoding_is_strict(void) {
    static const char *const refused[] = {"Zg",    "Zg=",      "Zh==", "Zm9v\n",
                                          " Zm9v", "Zm9v====", "Z!==", "Zm8=Zm8="};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        uint8_t *bytes = (uint8_t *)1;
        size_t len = 99;
        CHECK_ERR(pqcha_base64_decode(&bytes, &len, refused[i], strlen(refused[i]), 64),
                  PQCHA_ERR_BAD_BASE64);
        CHECK(bytes == NULL && len == 0);
    }
    uint8_t *bytes = NULL;
    size_t len = 0;
    CHECK_ERR(pqcha_base64_decode(&bytes, &len, "Zm9vYmFy", 8, 5), PQCHA_ERR_TOO_LARGE);
    CHECK_ERR(pqcha_base64_decode(NULL, &len, "Zg==", 4, 5), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_base64_decode(&bytes, NULL, "Zg==", 4, 5), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_base64_decode(&bytes, &len, NULL, 4, 5), PQCHA_ERR_INVALID_ARGUMENT);
    char *text = NULL;
    CHECK_ERR(pqcha_base64_encode(NULL, NULL, (const uint8_t *)"x", 1), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_base64_encode(&text, NULL, NULL, 1), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(text == NULL);
}

TEST_MAIN(TEST(test_sha256_vectors), TEST(test_base64_round_trips_rfc4648_vectors),
          TEST(test_base64_decoding_is_strict))
