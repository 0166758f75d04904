/* test_binding.c — REPORT_DATA for key and report binding (core/binding.c,
 * docs/FORMAT.md 4.7) and the evidence a report carries
 * (core/report_evidence.c). The known answers were computed independently
 * with Python's hashlib from FORMAT.md's definition. */
#include <stdint.h>
#include <string.h>

#include "core/binding.h"
#include "core/report_internal.h"
#include "testutil.h"

/* SHA-512("pqcha/report-data/v1\0key\0" || 00 01 .. 1f || 00112233..eeff) */
static const char key_binding_kat[] =
    "d6bc5b2653bcb901ed44098ce8b31abb443c774dcfeeaa96fa136988e15f4984"
    "69cc242054cdee1fa93215e09083b6d8dd3cdbc82933a78c89a47e3023ee9cb6";
static const char kat_key_id[] = "000102030405060708090a0b0c0d0e0f"
                                 "101112131415161718191a1b1c1d1e1f";
static const char kat_nonce[] = "00112233445566778899aabbccddeeff";

/* SHA-512("pqcha/report-data/v1\0report\0" || statement_kat) */
static const char statement_kat[] =
    "{\"predicate\":{\"a\":1,\"evidence\":[],\"z\":[2]},\"x\":\"y\"}";
static const char report_binding_kat[] =
    "3b10da4e2b671d25257b601636624c1c8e71cdc8fbc925ec457a3a818728ad49"
    "68c342a432334983fb5dcc8310b7bc2fb5cd0907a23ba900f11c9fdd496b8c6f";

static void hex_of(char out[2 * PQCHA__REPORT_DATA_LEN + 1],
                   const uint8_t data[PQCHA__REPORT_DATA_LEN]) {
    pqcha_hex_encode(out, data, PQCHA__REPORT_DATA_LEN);
}

static pqcha_err statement_data(uint8_t out[PQCHA__REPORT_DATA_LEN], const char *text) {
    return pqcha__report_data_for_statement(out, (const uint8_t *)text, strlen(text));
}

static void test_binding_names(void) {
    pqcha__binding b;
    CHECK_OK(pqcha__binding_parse(&b, "key"));
    CHECK(b == PQCHA__BINDING_KEY);
    CHECK_OK(pqcha__binding_parse(&b, "report"));
    CHECK(b == PQCHA__BINDING_REPORT);
    CHECK_ERR(pqcha__binding_parse(&b, "Key"), PQCHA_ERR_BAD_EVIDENCE);
    CHECK_ERR(pqcha__binding_parse(&b, "any"), PQCHA_ERR_BAD_EVIDENCE);
    CHECK_ERR(pqcha__binding_parse(NULL, "key"), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha__binding_parse(&b, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_STR(pqcha__binding_name(PQCHA__BINDING_KEY), "key");
    CHECK_STR(pqcha__binding_name(PQCHA__BINDING_REPORT), "report");
    CHECK(pqcha__binding_name((pqcha__binding)0) == NULL);
}

static void test_key_binding_known_answer(void) {
    uint8_t data[PQCHA__REPORT_DATA_LEN];
    char hex[2 * PQCHA__REPORT_DATA_LEN + 1];
    CHECK_OK(pqcha__report_data_for_key(data, kat_key_id, kat_nonce));
    hex_of(hex, data);
    CHECK_STR(hex, key_binding_kat);
}

static void test_key_binding_inputs(void) {
    uint8_t data[PQCHA__REPORT_DATA_LEN], other[PQCHA__REPORT_DATA_LEN];
    CHECK_OK(pqcha__report_data_for_key(data, kat_key_id, kat_nonce));
    /* another nonce, another key: another REPORT_DATA */
    CHECK_OK(pqcha__report_data_for_key(other, kat_key_id, "00112233445566778899aabbccddeefe"));
    CHECK(memcmp(data, other, sizeof data) != 0);
    CHECK_OK(pqcha__report_data_for_key(
        other, "100102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", kat_nonce));
    CHECK(memcmp(data, other, sizeof data) != 0);
    CHECK_ERR(pqcha__report_data_for_key(data, kat_key_id, "0011223344556677a"),
              PQCHA_ERR_BAD_HEX); /* odd length */
    CHECK_ERR(pqcha__report_data_for_key(data, kat_key_id, "00112233445566"),
              PQCHA_ERR_OUT_OF_RANGE); /* 7 bytes */
    char long_nonce[2 * 65 + 1];
    memset(long_nonce, 'a', 2 * 65);
    long_nonce[2 * 65] = '\0';
    CHECK_ERR(pqcha__report_data_for_key(data, kat_key_id, long_nonce), PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(pqcha__report_data_for_key(data, "00010203", kat_nonce), PQCHA_ERR_BAD_HEX);
    CHECK_ERR(pqcha__report_data_for_key(data, kat_key_id, "0011223344556677889AABBCCDDEEFF0"),
              PQCHA_ERR_BAD_HEX);
    CHECK_ERR(pqcha__report_data_for_key(NULL, kat_key_id, kat_nonce), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha__report_data_for_key(data, NULL, kat_nonce), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha__report_data_for_key(data, kat_key_id, NULL), PQCHA_ERR_INVALID_ARGUMENT);
}

static void test_report_binding_known_answer(void) {
    uint8_t data[PQCHA__REPORT_DATA_LEN];
    char hex[2 * PQCHA__REPORT_DATA_LEN + 1];
    CHECK_OK(statement_data(data, statement_kat));
    hex_of(hex, data);
    CHECK_STR(hex, report_binding_kat);
    /* The evidence's value, whatever it holds and however it is spaced,
     * is replaced by "[]": the statement as signed binds the same. */
    CHECK_OK(statement_data(
        data, "{\"predicate\":{\"a\":1,\"evidence\":[{\"data\":\"AAEC\",\"x\":[1,[2]]}],\"z\":[2]},"
              "\"x\":\"y\"}"));
    hex_of(hex, data);
    CHECK_STR(hex, report_binding_kat);
    CHECK_OK(statement_data(data, "{\"predicate\":{\"a\":1,\"evidence\":[ \"]\" ],\"z\":[2]},"
                                  "\"x\":\"y\"}"));
    hex_of(hex, data);
    CHECK_STR(hex, report_binding_kat);
}

static void test_report_binding_covers_everything_else(void) {
    uint8_t data[PQCHA__REPORT_DATA_LEN];
    char hex[2 * PQCHA__REPORT_DATA_LEN + 1];
    static const char *const others[] = {
        "{\"predicate\":{\"a\":2,\"evidence\":[],\"z\":[2]},\"x\":\"y\"}",
        "{\"predicate\":{\"a\":1,\"evidence\":[],\"z\":[2]},\"x\":\"z\"}",
        "{\"predicate\":{\"a\":1,\"evidence\":[] ,\"z\":[2]},\"x\":\"y\"}",
        "{\"predicate\":{\"a\":1,\"evidence\": [],\"z\":[2]},\"x\":\"y\"}", /* only the value goes */
        "{\"predicate\":{\"a\":1,\"evidence\":[],\"z\":[2]},\"x\":\"y\"} ",
    };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        CHECK_OK(statement_data(data, others[i]));
        hex_of(hex, data);
        CHECK(strcmp(hex, report_binding_kat) != 0);
    }
}

static void test_report_binding_needs_the_member(void) {
    uint8_t data[PQCHA__REPORT_DATA_LEN];
    CHECK_ERR(statement_data(data, "{\"x\":1}"), PQCHA_ERR_MALFORMED);
    CHECK_ERR(statement_data(data, "{\"predicate\":[]}"), PQCHA_ERR_MALFORMED);
    CHECK_ERR(statement_data(data, "{\"predicate\":{\"evidence\":{}}}"), PQCHA_ERR_MALFORMED);
    CHECK_ERR(statement_data(data, "{\"predicate\":{\"a\":{\"evidence\":[]}}}"),
              PQCHA_ERR_MALFORMED); /* only predicate.evidence counts */
    CHECK_ERR(statement_data(data, "{\"evidence\":[],\"predicate\":{}}"), PQCHA_ERR_MALFORMED);
    CHECK_ERR(statement_data(data, "[]"), PQCHA_ERR_MALFORMED);
    CHECK_ERR(statement_data(data, "{\"predicate\":{\"evidence\":[]}} x"), PQCHA_ERR_JSON_SYNTAX);
    CHECK_ERR(statement_data(data, "{\"predicate\":{\"evidence\":[}}"), PQCHA_ERR_JSON_SYNTAX);
    CHECK_ERR(statement_data(data, ""), PQCHA_ERR_JSON_SYNTAX);
    CHECK_ERR(pqcha__report_data_for_statement(NULL, (const uint8_t *)"{}", 2),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha__report_data_for_statement(data, NULL, 0), PQCHA_ERR_INVALID_ARGUMENT);
}

/* ---- evidence in a report ---- */

static pqcha_report *small_report(void) {
    pqcha_report *rep = NULL;
    pqcha_region *region = NULL;
    uint8_t digest[PQCHA_SHA3_256_LEN] = {1};
    if (pqcha__report_new(&rep) != PQCHA_OK) return NULL;
    int ok = pqcha__report_set_string(
                 &rep->report_id, "urn:uuid:5f0c8a4e-1b7d-4c1e-9a53-2f7d3c0b9e61") == PQCHA_OK &&
             pqcha__report_set_string(&rep->workload_id, "w") == PQCHA_OK &&
             pqcha__report_set_string(&rep->platform, "file") == PQCHA_OK &&
             pqcha__report_set_string(&rep->nonce_hex, kat_nonce) == PQCHA_OK &&
             pqcha_region_create(&region, "r", "", 0, 1, PQCHA_PROT_RO) == PQCHA_OK &&
             pqcha__report_add_claim(rep, region, PQCHA_DIGEST_SHA3_256, digest, sizeof digest,
                                     1000, NULL) == PQCHA_OK;
    memcpy(rep->signer_key_id, kat_key_id, sizeof rep->signer_key_id);
    rep->signer_alg = PQCHA_ML_DSA_65;
    rep->issued_at = 1000;
    rep->expires_at = 1300;
    pqcha_region_free(region);
    if (!ok) {
        pqcha_report_free(rep);
        return NULL;
    }
    return rep;
}

static void test_evidence_round_trip_and_binding(void) {
    pqcha_report *rep = small_report();
    REQUIRE(rep != NULL);
    char *bare = NULL, *full = NULL;
    size_t bare_len = 0, full_len = 0;
    uint8_t before[PQCHA__REPORT_DATA_LEN], after[PQCHA__REPORT_DATA_LEN];
    CHECK_OK(pqcha__statement_encode(&bare, &bare_len, rep));
    static const uint8_t quote[5] = {1, 2, 3, 4, 5}, certs[3] = {9, 8, 7};
    CHECK_OK(pqcha__report_set_evidence(rep, "intel-tdx", PQCHA__BINDING_REPORT, quote,
                                        sizeof quote, certs, sizeof certs));
    CHECK_OK(pqcha__statement_encode(&full, &full_len, rep));
    REQUIRE(bare != NULL && full != NULL);
    CHECK(strstr(full, "\"evidence\":[{\"binding\":\"report\",\"certificates\":\"CQgH\","
                       "\"data\":\"AQIDBAU=\",\"platform\":\"intel-tdx\"}]") != NULL);
    /* What the attester binds before the evidence exists is what the
     * verifier recomputes from the signed statement. */
    CHECK_OK(statement_data(before, bare));
    CHECK_OK(statement_data(after, full));
    CHECK(memcmp(before, after, sizeof before) == 0);

    pqcha_report *back = NULL;
    CHECK_OK(pqcha__statement_decode(&back, (const uint8_t *)full, full_len));
    REQUIRE(back != NULL);
    size_t len = 0;
    CHECK_STR(pqcha_report_evidence_platform(back), "intel-tdx");
    CHECK_STR(pqcha_report_evidence_binding(back), "report");
    const uint8_t *bytes = pqcha_report_evidence_bytes(back, &len);
    CHECK(len == sizeof quote && bytes != NULL && memcmp(bytes, quote, len) == 0);
    bytes = pqcha_report_evidence_certificates(back, &len);
    CHECK(len == sizeof certs && bytes != NULL && memcmp(bytes, certs, len) == 0);
    pqcha_report_free(back);
    pqcha_free(bare);
    pqcha_free(full);
    pqcha_report_free(rep);
}

static void test_report_without_evidence(void) {
    pqcha_report *rep = small_report();
    REQUIRE(rep != NULL);
    size_t len = 99;
    CHECK(pqcha_report_evidence_platform(rep) == NULL);
    CHECK(pqcha_report_evidence_binding(rep) == NULL);
    CHECK(pqcha_report_evidence_bytes(rep, &len) == NULL && len == 0);
    len = 99;
    CHECK(pqcha_report_evidence_certificates(rep, &len) == NULL && len == 0);
    CHECK(pqcha_report_evidence_platform(NULL) == NULL);
    pqcha_report_free(rep);
}

static void test_set_evidence_rejections(void) {
    pqcha_report *rep = small_report();
    REQUIRE(rep != NULL);
    static const uint8_t byte = 1;
    CHECK_ERR(pqcha__report_set_evidence(rep, "tpm", PQCHA__BINDING_KEY, &byte, 1, NULL, 0),
              PQCHA_ERR_BAD_EVIDENCE);
    CHECK_ERR(pqcha__report_set_evidence(rep, "intel-tdx", (pqcha__binding)9, &byte, 1, NULL, 0),
              PQCHA_ERR_BAD_EVIDENCE);
    CHECK_ERR(pqcha__report_set_evidence(rep, "intel-tdx", PQCHA__BINDING_KEY, &byte, 0, NULL, 0),
              PQCHA_ERR_BAD_EVIDENCE);
    CHECK_ERR(pqcha__report_set_evidence(rep, "intel-tdx", PQCHA__BINDING_KEY, &byte,
                                         PQCHA_MAX_EVIDENCE_LEN + 1, NULL, 0),
              PQCHA_ERR_TOO_LARGE);
    CHECK_ERR(pqcha__report_set_evidence(rep, "intel-tdx", PQCHA__BINDING_KEY, &byte, 1, &byte,
                                         PQCHA_MAX_EVIDENCE_CERTS_LEN + 1),
              PQCHA_ERR_TOO_LARGE);
    CHECK_ERR(pqcha__report_set_evidence(rep, "intel-tdx", PQCHA__BINDING_KEY, NULL, 1, NULL, 0),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha__report_set_evidence(rep, "intel-tdx", PQCHA__BINDING_KEY, &byte, 1, NULL, 1),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(rep->evidence == NULL);
    pqcha_report_free(rep);
}

TEST_MAIN(TEST(test_binding_names), TEST(test_key_binding_known_answer),
          TEST(test_key_binding_inputs), TEST(test_report_binding_known_answer),
          TEST(test_report_binding_covers_everything_else),
          TEST(test_report_binding_needs_the_member), TEST(test_evidence_round_trip_and_binding),
          TEST(test_report_without_evidence), TEST(test_set_evidence_rejections))
