/* test_envelope.c — DSSE PAE, strict envelope decoding, signing, and the
 * unverified views (docs/FORMAT.md section 3). */
#include <stdlib.h>
#include <string.h>

#include "core/encoding.h"
#include "core/envelope.h"
#include "core/report_internal.h"
#include "testutil.h"

#define X8(s)  s s s s s s s s
#define KEY_ID X8("0123abcd")

static void check_pae(const char *type, const char *payload, size_t payload_len,
                      const char *expected, size_t expected_len) {
    uint8_t *out = NULL;
    size_t out_len = 0;
    CHECK_OK(pqcha__pae(&out, &out_len, type, (const uint8_t *)payload, payload_len));
    CHECK(out_len == expected_len);
    CHECK(out != NULL && memcmp(out, expected, expected_len) == 0);
    free(out);
}

static void test_pae_golden_bytes(void) {
    check_pae("a", "b", 1, "DSSEv1 1 a 1 b", 14);
    check_pae("t", "", 0, "DSSEv1 1 t 0 ", 13);
    check_pae("", "", 0, "DSSEv1 0  0 ", 12);
    check_pae("a", "0123456789", 10, "DSSEv1 1 a 10 0123456789", 24);
    check_pae("a", "x\0y", 3, "DSSEv1 1 a 3 x\0y", 16); /* payload bytes are opaque */
    check_pae(PQCHA_PAYLOAD_TYPE, "{}", 2,
              "DSSEv1 41 application/vnd.pqcha.attestation.v1+json 2 {}", 56);
    uint8_t *out = NULL;
    size_t len = 0;
    CHECK_ERR(pqcha__pae(&out, &len, NULL, (const uint8_t *)"", 0), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha__pae(&out, &len, "a", NULL, 1), PQCHA_ERR_INVALID_ARGUMENT);
}

/* An envelope around payload with a zero-filled signature of sig_len bytes. */
static char *make_envelope(const char *payload_type, const char *payload, size_t sig_len,
                           const char *key_id) {
    char *payload_b64 = NULL, *sig_b64 = NULL;
    uint8_t *sig = calloc(1, sig_len + 1);
    if (sig == NULL ||
        pqcha__base64_encode(&payload_b64, NULL, (const uint8_t *)payload, strlen(payload)) ||
        pqcha__base64_encode(&sig_b64, NULL, sig, sig_len)) {
        free(sig);
        free(payload_b64);
        return NULL;
    }
    size_t cap =
        strlen(payload_b64) + strlen(sig_b64) + strlen(payload_type) + strlen(key_id) + 128;
    char *out = malloc(cap);
    if (out != NULL)
        snprintf(out, cap,
                 "{\"payload\":\"%s\",\"payloadType\":\"%s\",\"signatures\":[{\"keyid\":\"%s\","
                 "\"sig\":\"%s\"}]}",
                 payload_b64, payload_type, key_id, sig_b64);
    free(sig);
    free(payload_b64);
    free(sig_b64);
    return out;
}

static pqcha_err decode(const char *text) {
    pqcha__envelope env;
    pqcha_err err = pqcha__envelope_decode(&env, text, strlen(text));
    if (err != PQCHA_OK && (env.payload != NULL || env.key_id != NULL || env.sig != NULL))
        err = PQCHA_ERR_INTERNAL; /* must be cleared on error */
    pqcha__envelope_clear(&env);
    return err;
}

static void test_decode_valid(void) {
    char *text = make_envelope(PQCHA_PAYLOAD_TYPE, "hello", 3309, KEY_ID);
    REQUIRE(text != NULL);
    pqcha__envelope env;
    CHECK_OK(pqcha__envelope_decode(&env, text, strlen(text)));
    CHECK(env.payload_len == 5 && memcmp(env.payload, "hello", 6) == 0);
    CHECK_STR(env.key_id, KEY_ID);
    CHECK(env.sig_len == 3309);
    pqcha__envelope_clear(&env);
    CHECK(env.payload == NULL && env.sig == NULL && env.key_id == NULL);
    free(text);
    static const size_t good_lengths[] = {2420, 3309, 4627};
    for (size_t i = 0; i < 3; i++) {
        text = make_envelope(PQCHA_PAYLOAD_TYPE, "x", good_lengths[i], KEY_ID);
        REQUIRE(text != NULL);
        CHECK_OK(decode(text));
        free(text);
    }
}

static void test_decode_rejects_bad_fields(void) {
    char *text = make_envelope("application/json", "x", 3309, KEY_ID);
    CHECK_ERR(decode(text), PQCHA_ERR_BAD_PAYLOAD_TYPE);
    free(text);
    text = make_envelope(PQCHA_PAYLOAD_TYPE " ", "x", 3309, KEY_ID);
    CHECK_ERR(decode(text), PQCHA_ERR_BAD_PAYLOAD_TYPE);
    free(text);
    text = make_envelope(PQCHA_PAYLOAD_TYPE, "x", 3309, X8("0123ABCD"));
    CHECK_ERR(decode(text), PQCHA_ERR_BAD_HEX);
    free(text);
    text = make_envelope(PQCHA_PAYLOAD_TYPE, "x", 3309, X8("0123abc"));
    CHECK_ERR(decode(text), PQCHA_ERR_BAD_HEX);
    free(text);
    static const size_t bad_lengths[] = {0, 1, 2419, 2421, 3308, 3310, 4626, 4628, 10000};
    for (size_t i = 0; i < sizeof bad_lengths / sizeof bad_lengths[0]; i++) {
        text = make_envelope(PQCHA_PAYLOAD_TYPE, "x", bad_lengths[i], KEY_ID);
        CHECK_ERR(decode(text), PQCHA_ERR_BAD_SIGNATURE_LENGTH);
        free(text);
    }
}

/* Hand-written envelopes; "SIG" stands for a valid 3309-byte signature. */
static const struct {
    const char *text;
    pqcha_err expected;
} envelope_cases[] = {
    {"{\"payload\":\"QQ==\",\"payloadType\":\"" PQCHA_PAYLOAD_TYPE
     "\",\"signatures\":[{\"keyid\":\"" KEY_ID "\",SIG}]}",
     PQCHA_OK},
    {"{\"payload\":\"QR==\",\"payloadType\":\"" PQCHA_PAYLOAD_TYPE
     "\",\"signatures\":[{\"keyid\":\"" KEY_ID "\",SIG}]}",
     PQCHA_ERR_BAD_BASE64},
    {"{\"payload\":\"QQ\",\"payloadType\":\"" PQCHA_PAYLOAD_TYPE
     "\",\"signatures\":[{\"keyid\":\"" KEY_ID "\",SIG}]}",
     PQCHA_ERR_BAD_BASE64},
    {"{\"payload\":\"QQ= \",\"payloadType\":\"" PQCHA_PAYLOAD_TYPE
     "\",\"signatures\":[{\"keyid\":\"" KEY_ID "\",SIG}]}",
     PQCHA_ERR_BAD_BASE64},
    {"{\"payload\":\"QQ==\\n\",\"payloadType\":\"" PQCHA_PAYLOAD_TYPE
     "\",\"signatures\":[{\"keyid\":\"" KEY_ID "\",SIG}]}",
     PQCHA_ERR_BAD_BASE64},
    {"{\"payload\":\"QUJD\\nREVG\",\"payloadType\":\"" PQCHA_PAYLOAD_TYPE
     "\",\"signatures\":[{\"keyid\":\"" KEY_ID "\",SIG}]}",
     PQCHA_ERR_BAD_BASE64},
    {"{\"payload\":\"QUJD-_\",\"payloadType\":\"" PQCHA_PAYLOAD_TYPE
     "\",\"signatures\":[{\"keyid\":\"" KEY_ID "\",SIG}]}",
     PQCHA_ERR_BAD_BASE64},
    {"{\"payload\":\"\",\"payloadType\":\"" PQCHA_PAYLOAD_TYPE
     "\",\"signatures\":[{\"keyid\":\"" KEY_ID "\",SIG}]}",
     PQCHA_OK},
    {"{\"payload\":\"QQ==\",\"payloadType\":\"" PQCHA_PAYLOAD_TYPE "\",\"signatures\":[]}",
     PQCHA_ERR_SIGNATURE_COUNT},
    {"{\"payload\":\"QQ==\",\"payloadType\":\"" PQCHA_PAYLOAD_TYPE
     "\",\"signatures\":[{\"keyid\":\"" KEY_ID "\",SIG},{\"keyid\":\"" KEY_ID "\",SIG}]}",
     PQCHA_ERR_SIGNATURE_COUNT},
    {"{\"payload\":\"QQ==\",\"payloadType\":\"" PQCHA_PAYLOAD_TYPE
     "\",\"signatures\":{\"keyid\":\"" KEY_ID "\",SIG}}",
     PQCHA_ERR_WRONG_TYPE},
    {"{\"payload\":\"QQ==\",\"payloadType\":\"" PQCHA_PAYLOAD_TYPE "\",\"signatures\":[\"" KEY_ID
     "\"]}",
     PQCHA_ERR_WRONG_TYPE},
    {"{\"payload\":\"QQ==\",\"payloadType\":\"" PQCHA_PAYLOAD_TYPE "\",\"signatures\":[{SIG}]}",
     PQCHA_ERR_MISSING_FIELD},
    {"{\"payload\":\"QQ==\",\"payloadType\":\"" PQCHA_PAYLOAD_TYPE
     "\",\"signatures\":[{\"keyid\":\"" KEY_ID "\",SIG,\"cert\":\"\"}]}",
     PQCHA_ERR_UNKNOWN_FIELD},
    {"{\"payload\":\"QQ==\",\"payloadType\":\"" PQCHA_PAYLOAD_TYPE
     "\",\"signatures\":[{\"keyid\":\"" KEY_ID "\",SIG}],\"x\":1}",
     PQCHA_ERR_UNKNOWN_FIELD},
    {"{\"payloadType\":\"" PQCHA_PAYLOAD_TYPE "\",\"signatures\":[{\"keyid\":\"" KEY_ID "\",SIG}]}",
     PQCHA_ERR_MISSING_FIELD},
    {"{\"payload\":\"QQ==\",\"payload\":\"QQ==\",\"payloadType\":\"" PQCHA_PAYLOAD_TYPE
     "\",\"signatures\":[{\"keyid\":\"" KEY_ID "\",SIG}]}",
     PQCHA_ERR_JSON_DUPLICATE_KEY},
    {"{\"payload\":\"QQ==\",\"payloadType\":\"" PQCHA_PAYLOAD_TYPE
     "\",\"signatures\":[{\"keyid\":\"" KEY_ID "\",\"keyid\":\"" KEY_ID "\",SIG}]}",
     PQCHA_ERR_JSON_DUPLICATE_KEY},
    {"{\"payload\":65,\"payloadType\":\"" PQCHA_PAYLOAD_TYPE
     "\",\"signatures\":[{\"keyid\":\"" KEY_ID "\",SIG}]}",
     PQCHA_ERR_WRONG_TYPE},
    {"{\"payload\":\"QQ==\",\"payloadType\":null,\"signatures\":[{\"keyid\":\"" KEY_ID "\",SIG}]}",
     PQCHA_ERR_WRONG_TYPE},
    {"{\"payload\":\"QQ==\",\"payloadType\":\"" PQCHA_PAYLOAD_TYPE
     "\",\"signatures\":[{\"keyid\":1,SIG}]}",
     PQCHA_ERR_WRONG_TYPE},
    {"{\"payload\":\"QQ==\",\"payloadType\":\"" PQCHA_PAYLOAD_TYPE
     "\",\"signatures\":[{\"keyid\":\"" KEY_ID "\",\"sig\":\"AAA=\"}]}",
     PQCHA_ERR_BAD_SIGNATURE_LENGTH},
    {"{\"payload\":\"QQ==\",\"payloadType\":\"" PQCHA_PAYLOAD_TYPE
     "\",\"signatures\":[{\"keyid\":\"" KEY_ID "\",\"sig\":\"AB==\"}]}",
     PQCHA_ERR_BAD_BASE64},
    {"[]", PQCHA_ERR_WRONG_TYPE},
    {"", PQCHA_ERR_JSON_SYNTAX},
    {"{\"payload\":\"QQ==\"", PQCHA_ERR_JSON_SYNTAX},
};

/* Replaces every "SIG" in a case with a real "sig" member. */
static char *expand_sig(const char *text, const char *sig_member) {
    size_t count = 0;
    for (const char *p = strstr(text, "SIG"); p; p = strstr(p + 3, "SIG"))
        count++;
    size_t len = strlen(text) + count * strlen(sig_member) + 1;
    char *out = malloc(len);
    if (out == NULL) return NULL;
    char *o = out;
    for (const char *p = text; *p;) {
        if (strncmp(p, "SIG", 3) == 0) {
            strcpy(o, sig_member);
            o += strlen(sig_member);
            p += 3;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    return out;
}

static void test_hand_written_envelopes(void) {
    uint8_t sig[3309] = {0};
    char *sig_b64 = NULL;
    REQUIRE(pqcha__base64_encode(&sig_b64, NULL, sig, sizeof sig) == PQCHA_OK);
    size_t member_len = strlen(sig_b64) + 16;
    char *member = malloc(member_len);
    REQUIRE(member != NULL);
    snprintf(member, member_len, "\"sig\":\"%s\"", sig_b64);
    for (size_t i = 0; i < sizeof envelope_cases / sizeof envelope_cases[0]; i++) {
        char *text = expand_sig(envelope_cases[i].text, member);
        if (text == NULL) break;
        pqcha_err err = decode(text);
        if (err != envelope_cases[i].expected) fprintf(stderr, "  case %zu\n", i);
        CHECK_ERR(err, envelope_cases[i].expected);
        free(text);
    }
    free(member);
    free(sig_b64);
}

static void test_envelope_size_cap(void) {
    size_t big = PQCHA_MAX_ENVELOPE_LEN + 1;
    char *blob = malloc(big);
    REQUIRE(blob != NULL);
    memset(blob, ' ', big);
    blob[0] = '{';
    blob[big - 1] = '}';
    pqcha__envelope env;
    CHECK_ERR(pqcha__envelope_decode(&env, blob, big), PQCHA_ERR_TOO_LARGE);
    pqcha_report *rep = NULL;
    CHECK_ERR(pqcha_report_decode_unverified(&rep, blob, big), PQCHA_ERR_TOO_LARGE);
    CHECK(rep == NULL);
    free(blob);
    CHECK_ERR(pqcha__envelope_decode(&env, NULL, 0), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha__envelope_decode(NULL, "{}", 2), PQCHA_ERR_INVALID_ARGUMENT);
}

/* A small valid statement for the unverified views. */
#define STATEMENT                                                                                  \
    "{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicate\":{\"evidence\":[],"               \
    "\"expiresAt\":\"2026-11-28T03:35:55Z\",\"issuedAt\":\"2026-11-28T03:30:55Z\","                \
    "\"nonce\":\"0011223344556677\",\"platform\":\"in-memory\",\"regions\":[{\"address\":\"0x0\"," \
    "\"description\":\"\",\"digestAlgorithm\":\"sha3-256\",\"id\":\"r\",\"protection\":\"RW\","    \
    "\"size\":3,\"takenAt\":\"2026-11-28T03:30:55Z\"}],\"reportId\":"                              \
    "\"urn:uuid:5f0c8a4e-1b7d-4c1e-9a53-2f7d3c0b9e61\",\"sequence\":0,\"signer\":{\"algorithm\":"  \
    "\"ML-DSA-65\",\"keyId\":\"" KEY_ID "\"},\"workloadId\":\"w\"},\"predicateType\":"             \
    "\"https://pqcha.dev/attestation/memory/v1\",\"subject\":[{\"digest\":{\"sha3-256\":\"" X8(    \
        "eeeeeeee") "\"},\"name\":\"r\"}]}"

static void test_decode_unverified(void) {
    char *text = make_envelope(PQCHA_PAYLOAD_TYPE, STATEMENT, 3309, KEY_ID);
    REQUIRE(text != NULL);
    pqcha_report *rep = NULL;
    CHECK_OK(pqcha_report_decode_unverified(&rep, text, strlen(text)));
    CHECK_STR(pqcha_report_workload_id(rep), "w");
    CHECK_STR(pqcha_report_platform(rep), "in-memory");
    CHECK(pqcha_report_region_count(rep) == 1);
    CHECK_STR(pqcha_report_region_digest_hex(rep, 0), X8("eeeeeeee"));
    pqcha_report_free(rep);
    free(text);

    text = make_envelope(PQCHA_PAYLOAD_TYPE, "{\"_type\":1}", 3309, KEY_ID);
    REQUIRE(text != NULL);
    rep = NULL;
    CHECK_ERR(pqcha_report_decode_unverified(&rep, text, strlen(text)), PQCHA_ERR_MISSING_FIELD);
    CHECK(rep == NULL);
    free(text);
    text = make_envelope(PQCHA_PAYLOAD_TYPE, "not json", 3309, KEY_ID);
    REQUIRE(text != NULL);
    CHECK_ERR(pqcha_report_decode_unverified(&rep, text, strlen(text)), PQCHA_ERR_JSON_SYNTAX);
    free(text);
    CHECK_ERR(pqcha_report_decode_unverified(NULL, "{}", 2), PQCHA_ERR_INVALID_ARGUMENT);
}

static void test_describe(void) {
    char *text = make_envelope(PQCHA_PAYLOAD_TYPE, "{\"a\":\"x\",\"b\":[1]}", 4627, KEY_ID);
    REQUIRE(text != NULL);
    char *pretty = NULL, *kid = NULL;
    size_t sig_len = 0;
    CHECK_OK(pqcha_envelope_describe(&pretty, &kid, &sig_len, text, strlen(text)));
    CHECK_STR(pretty, "{\n  \"a\": \"x\",\n  \"b\": [\n    1\n  ]\n}");
    CHECK_STR(kid, KEY_ID);
    CHECK(sig_len == 4627);
    free(pretty);
    free(kid);
    free(text);

    /* Printed as it comes, without a tree (json_pretty.h): what pqcha writes
     * has its keys sorted already. */
    text = make_envelope(PQCHA_PAYLOAD_TYPE, "{\"b\":[1],\"a\":\"x\"}", 4627, KEY_ID);
    REQUIRE(text != NULL);
    CHECK_OK(pqcha_envelope_describe(&pretty, NULL, NULL, text, strlen(text)));
    CHECK_STR(pretty, "{\n  \"b\": [\n    1\n  ],\n  \"a\": \"x\"\n}");
    free(pretty);
    free(text);

    text = make_envelope(PQCHA_PAYLOAD_TYPE, "[1]", 4627, KEY_ID);
    REQUIRE(text != NULL);
    pretty = kid = (char *)"untouched";
    CHECK_ERR(pqcha_envelope_describe(&pretty, &kid, &sig_len, text, strlen(text)),
              PQCHA_ERR_WRONG_TYPE);
    CHECK(pretty == NULL && kid == NULL && sig_len == 0);
    free(text);
}

/* 'pqcha inspect' prints the pretty payload of an UNVERIFIED report to the
 * terminal. JSON escapes C0 controls but lets every other code point through
 * as raw UTF-8: C1 controls (U+009B is CSI, which xterm acts on) and bidi
 * overrides (U+202E) would reach the terminal from anyone's forged report.
 * The pretty view is therefore pure printable ASCII. */
static void test_describe_escapes_terminal_controls(void) {
    char *text = make_envelope(PQCHA_PAYLOAD_TYPE,
                               "{\"x\":\"\\u009b2J\xc2\x9b"
                               "31m\\u202eabc\xe2\x80\xae\\u00e9\"}",
                               3309, KEY_ID);
    REQUIRE(text != NULL);
    char *pretty = NULL;
    CHECK_OK(pqcha_envelope_describe(&pretty, NULL, NULL, text, strlen(text)));
    REQUIRE(pretty != NULL);
    for (const unsigned char *p = (const unsigned char *)pretty; *p; p++)
        CHECK(*p == '\n' || (*p >= 0x20 && *p < 0x7f));
    CHECK_STR(pretty, "{\n  \"x\": \"\\u009B2J\\u009B31m\\u202Eabc\\u202E\\u00E9\"\n}");
    free(pretty);
    free(text);
}

static void test_sign_then_decode(void) {
    pqcha_key *key = NULL;
    CHECK_OK(pqcha_key_generate(&key, PQCHA_ML_DSA_65));
    REQUIRE(key != NULL);
    const char *payload = STATEMENT;
    char *text = NULL;
    size_t len = 0;
    CHECK_OK(pqcha__envelope_sign(&text, &len, key, (const uint8_t *)payload, strlen(payload)));
    REQUIRE(text != NULL);
    CHECK(len == strlen(text));
    CHECK(strncmp(text, "{\"payload\":\"", 12) == 0); /* compact, sorted */

    pqcha__envelope env;
    CHECK_OK(pqcha__envelope_decode(&env, text, len));
    CHECK(env.payload_len == strlen(payload) && memcmp(env.payload, payload, env.payload_len) == 0);
    CHECK_STR(env.key_id, pqcha_key_id(key));
    CHECK(env.sig_len == pqcha_sig_alg_signature_length(PQCHA_ML_DSA_65));
    uint8_t *pae = NULL;
    size_t pae_len = 0;
    CHECK_OK(pqcha__pae(&pae, &pae_len, PQCHA_PAYLOAD_TYPE, env.payload, env.payload_len));
    CHECK_OK(pqcha_verify_signature(key, pae, pae_len, env.sig, env.sig_len));
    pae[pae_len - 2] ^= 1;
    CHECK_ERR(pqcha_verify_signature(key, pae, pae_len, env.sig, env.sig_len),
              PQCHA_ERR_BAD_SIGNATURE);
    free(pae);
    pqcha__envelope_clear(&env);

    pqcha_report *rep = NULL;
    CHECK_OK(pqcha_report_decode_unverified(&rep, text, len));
    CHECK_STR(pqcha_report_signer_key_id(rep), KEY_ID);
    pqcha_report_free(rep);
    free(text);

    CHECK_ERR(pqcha__envelope_sign(&text, &len, NULL, (const uint8_t *)"x", 1),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(text == NULL);
    pqcha_key_free(key);
}

TEST_MAIN(TEST(test_pae_golden_bytes), TEST(test_decode_valid),
          TEST(test_decode_rejects_bad_fields), TEST(test_hand_written_envelopes),
          TEST(test_envelope_size_cap), TEST(test_decode_unverified), TEST(test_describe),
          TEST(test_describe_escapes_terminal_controls), TEST(test_sign_then_decode))
