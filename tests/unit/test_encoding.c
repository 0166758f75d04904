/* test_encoding.c — the bounded reader, strict hex, canonical base64 and the
 * small utilities in util.c. */
#include <stdlib.h>
#include <string.h>

#include "core/encoding.h"
#include "core/internal.h"
#include "core/reader.h"
#include "testutil.h"

static void test_reader_stays_in_bounds(void) {
    pqcha__reader r;
    pqcha__reader_init(&r, "12ab", 4);
    uint32_t v = 0;
    CHECK(pqcha__reader_remaining(&r) == 4);
    CHECK(!pqcha__reader_digits(&r, 3, &v)); /* 'a' is no digit */
    CHECK(r.pos == 0);
    CHECK(pqcha__reader_digits(&r, 2, &v) && v == 12);
    CHECK(!pqcha__reader_expect(&r, 'b'));
    CHECK(pqcha__reader_expect(&r, 'a'));
    const uint8_t *p = NULL;
    CHECK(!pqcha__reader_bytes(&r, 2, &p));
    CHECK(pqcha__reader_bytes(&r, 1, &p) && p[0] == 'b');
    CHECK(pqcha__reader_at_end(&r));
    uint8_t c;
    CHECK(!pqcha__reader_byte(&r, &c));
    CHECK(!pqcha__reader_expect(&r, 'x'));
    CHECK(!pqcha__reader_digits(&r, 1, &v));
    CHECK(pqcha__reader_bytes(&r, 0, &p));
    CHECK(r.pos == r.len);
}

/* Little-endian integers, and nothing read past the end. */
static void test_reader_little_endian(void) {
    static const uint8_t bytes[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0xaa, 0xbb};
    pqcha__reader r;
    uint32_t u32 = 0;
    uint64_t u64 = 0;
    pqcha__reader_init(&r, bytes, sizeof bytes);
    CHECK(pqcha__reader_u32le(&r, &u32) && u32 == 0x04030201u);
    CHECK(pqcha__reader_u32le(&r, &u32) && u32 == 0x08070605u);
    CHECK(!pqcha__reader_u32le(&r, &u32) && r.pos == 8); /* two bytes left */
    pqcha__reader_init(&r, bytes, sizeof bytes);
    CHECK(pqcha__reader_u64le(&r, &u64) && u64 == UINT64_C(0x0807060504030201));
    CHECK(!pqcha__reader_u64le(&r, &u64) && r.pos == 8);
    uint16_t u16 = 0;
    CHECK(pqcha__reader_u16le(&r, &u16) && u16 == 0xbbaau);
    CHECK(!pqcha__reader_u16le(&r, &u16) && r.pos == 10);
}

static void test_hex_encode(void) {
    const uint8_t in[] = {0x00, 0x01, 0xab, 0xff};
    char out[9];
    pqcha_hex_encode(out, in, sizeof in);
    CHECK_STR(out, "0001abff");
    pqcha_hex_encode(out, in, 0);
    CHECK_STR(out, "");
}

static void test_hex_decode(void) {
    uint8_t out[4];
    CHECK_OK(pqcha__hex_decode(out, 4, "0001abff", 8));
    CHECK(out[0] == 0x00 && out[1] == 0x01 && out[2] == 0xab && out[3] == 0xff);
    CHECK_ERR(pqcha__hex_decode(out, 4, "0001ABFF", 8), PQCHA_ERR_BAD_HEX);
    CHECK_ERR(pqcha__hex_decode(out, 4, "0001abf", 7), PQCHA_ERR_BAD_HEX);
    CHECK_ERR(pqcha__hex_decode(out, 3, "0001abff", 8), PQCHA_ERR_BAD_HEX);
    CHECK_ERR(pqcha__hex_decode(out, 4, "0001abfg", 8), PQCHA_ERR_BAD_HEX);
    CHECK_ERR(pqcha__hex_decode(out, 4, "0001ab f", 8), PQCHA_ERR_BAD_HEX);
    CHECK_ERR(pqcha__hex_decode(out, 4, NULL, 8), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_OK(pqcha__hex_decode(out, 0, "", 0));
}

static void test_hex_check(void) {
    CHECK_OK(pqcha__hex_check("0123456789abcdef", 8, 8));
    CHECK_OK(pqcha__hex_check("0123456789abcdef", 1, 64));
    CHECK_ERR(pqcha__hex_check("0123456789abcdef", 9, 64), PQCHA_ERR_BAD_HEX);
    CHECK_ERR(pqcha__hex_check("0123456789abcdef", 1, 7), PQCHA_ERR_BAD_HEX);
    CHECK_ERR(pqcha__hex_check("0123456789ABCDEF", 8, 8), PQCHA_ERR_BAD_HEX);
    CHECK_ERR(pqcha__hex_check("abc", 1, 8), PQCHA_ERR_BAD_HEX);
    CHECK_ERR(pqcha__hex_check("", 1, 8), PQCHA_ERR_BAD_HEX);
    CHECK_OK(pqcha__hex_check("", 0, 8));
    CHECK_ERR(pqcha__hex_check("0x12", 1, 8), PQCHA_ERR_BAD_HEX);
}

static const struct {
    const char *plain;
    const char *b64;
} rfc4648_vectors[] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

static void test_base64_rfc4648_vectors(void) {
    for (size_t i = 0; i < sizeof rfc4648_vectors / sizeof rfc4648_vectors[0]; i++) {
        const char *plain = rfc4648_vectors[i].plain;
        const char *b64 = rfc4648_vectors[i].b64;
        char *enc = NULL;
        size_t enc_len = 0;
        CHECK_OK(pqcha__base64_encode(&enc, &enc_len, (const uint8_t *)plain, strlen(plain)));
        CHECK_STR(enc, b64);
        CHECK(enc_len == strlen(b64));
        CHECK(pqcha__base64_encoded_len(strlen(plain)) == strlen(b64));
        free(enc);
        uint8_t *dec = NULL;
        size_t dec_len = 99;
        CHECK_OK(pqcha__base64_decode(&dec, &dec_len, b64, strlen(b64), 100));
        CHECK(dec_len == strlen(plain));
        CHECK(dec != NULL && memcmp(dec, plain, dec_len) == 0 && dec[dec_len] == '\0');
        free(dec);
    }
}

static void test_base64_all_bytes_round_trip(void) {
    uint8_t in[256];
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)i;
    for (size_t n = 0; n <= sizeof in; n += 17) {
        char *enc = NULL;
        size_t enc_len = 0;
        CHECK_OK(pqcha__base64_encode(&enc, &enc_len, in, n));
        uint8_t *dec = NULL;
        size_t dec_len = 0;
        CHECK_OK(pqcha__base64_decode(&dec, &dec_len, enc, enc_len, n));
        CHECK(dec_len == n && (n == 0 || memcmp(dec, in, n) == 0));
        free(enc);
        free(dec);
    }
}

static pqcha_err decode_text(const char *text) {
    uint8_t *dec = (uint8_t *)"not touched";
    size_t dec_len = 7;
    pqcha_err err = pqcha__base64_decode(&dec, &dec_len, text, strlen(text), 1024);
    if (err != PQCHA_OK && (dec != NULL || dec_len != 0))
        return PQCHA_ERR_INTERNAL; /* outputs must be cleared on error */
    free(dec);
    return err;
}

static void test_base64_rejects_non_canonical(void) {
    CHECK_OK(decode_text("QQ=="));
    CHECK_ERR(decode_text("QR=="), PQCHA_ERR_BAD_BASE64); /* non-zero pad bits */
    CHECK_ERR(decode_text("QUI="), PQCHA_OK);
    CHECK_ERR(decode_text("QUJ="), PQCHA_ERR_BAD_BASE64);
    CHECK_ERR(decode_text("Zm8"), PQCHA_ERR_BAD_BASE64); /* missing padding */
    CHECK_ERR(decode_text("Zg"), PQCHA_ERR_BAD_BASE64);
    CHECK_ERR(decode_text("Zg="), PQCHA_ERR_BAD_BASE64);
    CHECK_ERR(decode_text("Zg==="), PQCHA_ERR_BAD_BASE64); /* extra padding */
    CHECK_ERR(decode_text("Zm9v===="), PQCHA_ERR_BAD_BASE64);
    CHECK_ERR(decode_text("Z==="), PQCHA_ERR_BAD_BASE64);
    CHECK_ERR(decode_text("===="), PQCHA_ERR_BAD_BASE64);
    CHECK_ERR(decode_text("Zg=a"), PQCHA_ERR_BAD_BASE64);
    CHECK_ERR(decode_text("Zg==Zm9v"), PQCHA_ERR_BAD_BASE64); /* padding in the middle */
    CHECK_ERR(decode_text("Zm9v\n"), PQCHA_ERR_BAD_BASE64);   /* whitespace */
    CHECK_ERR(decode_text("Zm9v\nYmFy"), PQCHA_ERR_BAD_BASE64);
    CHECK_ERR(decode_text(" Zm9vYmF"), PQCHA_ERR_BAD_BASE64);
    CHECK_ERR(decode_text("Zm9 v"), PQCHA_ERR_BAD_BASE64);
    CHECK_ERR(decode_text("Zm-_"), PQCHA_ERR_BAD_BASE64); /* URL-safe alphabet */
    CHECK_ERR(decode_text("Zm9\x80"), PQCHA_ERR_BAD_BASE64);
}

static void test_base64_embedded_nul_and_cap(void) {
    uint8_t *dec = NULL;
    size_t dec_len = 0;
    CHECK_ERR(pqcha__base64_decode(&dec, &dec_len, "Zm\0v", 4, 10), PQCHA_ERR_BAD_BASE64);
    CHECK(dec == NULL && dec_len == 0);
    CHECK_ERR(pqcha__base64_decode(&dec, &dec_len, "Zm9vYmFy", 8, 5), PQCHA_ERR_TOO_LARGE);
    CHECK_OK(pqcha__base64_decode(&dec, &dec_len, "Zm9vYmFy", 8, 6));
    free(dec);
    CHECK_ERR(pqcha__base64_decode(NULL, &dec_len, "", 0, 1), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha__base64_decode(&dec, &dec_len, NULL, 0, 1), PQCHA_ERR_INVALID_ARGUMENT);
}

static void test_util_strings_and_compare(void) {
    char *s = pqcha__strdup("hello");
    CHECK_STR(s, "hello");
    free(s);
    CHECK(pqcha__strdup(NULL) == NULL);
    s = pqcha__strndup("hello", 3);
    CHECK_STR(s, "hel");
    free(s);
    s = pqcha__strndup("hi", 10);
    CHECK_STR(s, "hi");
    free(s);
    CHECK(pqcha__ct_equal("abc", "abc", 3));
    CHECK(!pqcha__ct_equal("abc", "abd", 3));
    CHECK(pqcha__ct_equal("abc", "xyz", 0));
    CHECK(pqcha__now() > 1600000000);
}

static void test_util_random(void) {
    uint8_t a[32], b[32];
    CHECK_OK(pqcha__random(a, sizeof a));
    CHECK_OK(pqcha__random(b, sizeof b));
    CHECK(memcmp(a, b, sizeof a) != 0); /* 2^-256 chance of a false failure */
    CHECK_OK(pqcha__random(NULL, 0));
    CHECK_ERR(pqcha__random(NULL, 1), PQCHA_ERR_INVALID_ARGUMENT);
}

TEST_MAIN(TEST(test_reader_stays_in_bounds), TEST(test_reader_little_endian), TEST(test_hex_encode),
          TEST(test_hex_decode), TEST(test_hex_check), TEST(test_base64_rfc4648_vectors),
          TEST(test_base64_all_bytes_round_trip), TEST(test_base64_rejects_non_canonical),
          TEST(test_base64_embedded_nul_and_cap), TEST(test_util_strings_and_compare),
          TEST(test_util_random))
