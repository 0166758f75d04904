/* test_report.c — the report model and the in-toto Statement codec
 * (docs/FORMAT.md section 4): a golden encoding, a round trip, and a table
 * of hand-written malformed payloads, each with the exact error it earns. */
#include <stdlib.h>
#include <string.h>

#include "core/report_internal.h"
#include "report_fixture.h"
#include "testutil.h"

#define DIGEST1   X8("aaaaaaaa")
#define DIGEST2   X8("bbbbbbbb")
#define EXPECTED2 X8("cccccccc")

#define REGION1                                                                               \
    "{\"address\":\"0x1000\",\"description\":\"Llama weights shard 0\",\"digestAlgorithm\":"  \
    "\"sha3-256\",\"id\":\"model-weights-0\",\"protection\":\"RO\",\"size\":128,\"takenAt\":" \
    "\"2026-11-28T03:30:55Z\"}"
#define REGION2                                                                         \
    "{\"address\":\"0x0\",\"description\":\"\",\"digestAlgorithm\":\"sha3-256\","       \
    "\"expectedDigest\":"                                                               \
    "\"" EXPECTED2 "\",\"id\":\"config\",\"protection\":\"RW\",\"size\":0,\"takenAt\":" \
    "\"2026-11-28T03:30:50Z\"}"
#define SUBJECTS                                                                 \
    "[{\"digest\":{\"sha3-256\":\"" DIGEST1 "\"},\"name\":\"model-weights-0\"}," \
    "{\"digest\":{\"sha3-256\":\"" DIGEST2 "\"},\"name\":\"config\"}]"

/* One well-formed evidence element (its bytes are only carried by the decoder). */
#define EVIDENCE_FIELDS "\"binding\":\"report\",\"data\":\"AAEC\",\"platform\":\"amd-sev-snp\""
#define EVIDENCE_OK     "{" EVIDENCE_FIELDS "}"

/* Exactly what the encoder writes for make_report(): compact, keys sorted. */
static const char golden_payload[] =
    "{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicate\":{\"evidence\":[],"
    "\"expiresAt\":\"2026-11-28T03:35:55Z\",\"issuedAt\":\"2026-11-28T03:30:55Z\","
    "\"nonce\":\"" NONCE "\",\"platform\":\"file\",\"regions\":[" REGION1 "," REGION2 "],"
    "\"reportId\":\"" REPORT_ID "\",\"sequence\":7,\"signer\":{\"algorithm\":\"ML-DSA-65\","
    "\"keyId\":\"" KEY_ID "\"},\"workloadId\":\"model-serving-1\"},"
    "\"predicateType\":\"https://pqcha.dev/attestation/memory/v1\",\"subject\":" SUBJECTS "}";

static pqcha_err add_claim(pqcha_report *rep, const char *id, const char *desc, uint64_t address,
                           uint64_t size, pqcha_protection prot, uint8_t fill, int64_t taken_at,
                           const char *expected) {
    pqcha_region *region = NULL;
    pqcha_err err = pqcha_region_create(&region, id, desc, address, size, prot);
    if (err != PQCHA_OK) return err;
    uint8_t digest[PQCHA_SHA3_256_LEN];
    memset(digest, fill, sizeof digest);
    err = pqcha__report_add_claim(rep, region, PQCHA_DIGEST_SHA3_256, digest, sizeof digest,
                                  taken_at, expected);
    pqcha_region_free(region);
    return err;
}

static pqcha_report *make_report(void) {
    pqcha_report *rep = fixture_report_header();
    if (rep == NULL) return NULL;
    int ok = add_claim(rep, "model-weights-0", "Llama weights shard 0", 0x1000, 128, PQCHA_PROT_RO,
                       0xaa, ISSUED_AT, NULL) == PQCHA_OK &&
             add_claim(rep, "config", "", 0, 0, PQCHA_PROT_RW, 0xbb, ISSUED_AT - 5, EXPECTED2) ==
                 PQCHA_OK;
    if (!ok) {
        pqcha_report_free(rep);
        return NULL;
    }
    return rep;
}

static pqcha_err decode_text(pqcha_report **out, const char *text) {
    return pqcha__statement_decode(out, (const uint8_t *)text, strlen(text));
}

static void test_encode_is_canonical(void) {
    pqcha_report *rep = make_report();
    REQUIRE(rep != NULL);
    char *text = NULL;
    size_t len = 0;
    CHECK_OK(pqcha__statement_encode(&text, &len, rep));
    CHECK_STR(text, golden_payload);
    CHECK(text != NULL && len == strlen(text));
    free(text);
    pqcha_report_free(rep);
}

static void test_decode_golden(void) {
    pqcha_report *rep = NULL;
    CHECK_OK(decode_text(&rep, golden_payload));
    REQUIRE(rep != NULL);
    CHECK_STR(pqcha_report_id(rep), REPORT_ID);
    CHECK_STR(pqcha_report_workload_id(rep), "model-serving-1");
    CHECK_STR(pqcha_report_platform(rep), "file");
    CHECK_STR(pqcha_report_signer_key_id(rep), KEY_ID);
    CHECK(pqcha_report_signer_algorithm(rep) == PQCHA_ML_DSA_65);
    CHECK_STR(pqcha_report_nonce(rep), NONCE);
    CHECK(pqcha_report_sequence(rep) == 7);
    CHECK(pqcha_report_issued_at(rep) == ISSUED_AT);
    CHECK(pqcha_report_expires_at(rep) == ISSUED_AT + 300);
    REQUIRE(pqcha_report_region_count(rep) == 2);
    const pqcha_region *r0 = pqcha_report_region(rep, 0);
    CHECK_STR(pqcha_region_id(r0), "model-weights-0");
    CHECK_STR(pqcha_region_description(r0), "Llama weights shard 0");
    CHECK(pqcha_region_address(r0) == 0x1000 && pqcha_region_size(r0) == 128);
    CHECK(pqcha_region_protection(r0) == PQCHA_PROT_RO);
    CHECK_STR(pqcha_report_region_digest_hex(rep, 0), DIGEST1);
    CHECK(pqcha_report_region_digest_alg(rep, 0) == PQCHA_DIGEST_SHA3_256);
    CHECK(pqcha_report_region_taken_at(rep, 0) == ISSUED_AT);
    CHECK(pqcha_report_region_expected_hex(rep, 0) == NULL);
    CHECK_STR(pqcha_report_region_digest_hex(rep, 1), DIGEST2);
    CHECK_STR(pqcha_report_region_expected_hex(rep, 1), EXPECTED2);
    CHECK(pqcha_report_region_taken_at(rep, 1) == ISSUED_AT - 5);
    CHECK(rep->claims[1].digest[0] == 0xbb && rep->claims[1].digest_len == 32);
    CHECK(pqcha_report_region(rep, 2) == NULL);
    CHECK(pqcha_report_region_digest_hex(rep, 2) == NULL);

    /* Decoding then encoding gives back the same bytes. */
    char *again = NULL;
    CHECK_OK(pqcha__statement_encode(&again, NULL, rep));
    CHECK_STR(again, golden_payload);
    free(again);
    pqcha_report_free(rep);
}

static void test_decode_ignores_whitespace_and_order(void) {
    const char *text =
        "{ \"subject\" : " SUBJECTS
        ", \"predicateType\":\"https://pqcha.dev/attestation/memory/v1\","
        "\n\"predicate\":{\"workloadId\":\"model-serving-1\",\"signer\":{\"keyId\":\"" KEY_ID "\","
        "\"algorithm\":\"ML-DSA-65\"},\"sequence\":7,\"reportId\":\"" REPORT_ID
        "\",\"regions\":[" REGION1 "," REGION2 "],\"platform\":\"file\",\"nonce\":\"" NONCE
        "\",\"issuedAt\":"
        "\"2026-11-28T03:30:55.75Z\",\"expiresAt\":\"2026-11-28T03:35:55Z\",\"evidence\":[ ]},"
        "\"_type\":\"https://in-toto.io/Statement/v1\"}\n";
    pqcha_report *rep = NULL;
    CHECK_OK(decode_text(&rep, text));
    CHECK(pqcha_report_issued_at(rep) == ISSUED_AT);
    pqcha_report_free(rep);
}

/* ---- malformed payloads: each is the golden payload with one edit ---- */

typedef struct payload_case {
    const char *find;
    const char *replace;
    pqcha_err expected;
} payload_case;

static const payload_case payload_cases[] = {
    /* closed key sets, at every level */
    {"{\"_type\"", "{\"extra\":1,\"_type\"", PQCHA_ERR_UNKNOWN_FIELD},
    {"\"evidence\":[],", "\"evidence\":[],\"extra\":true,", PQCHA_ERR_UNKNOWN_FIELD},
    {"\"algorithm\":\"ML-DSA-65\",", "\"algorithm\":\"ML-DSA-65\",\"x\":1,",
     PQCHA_ERR_UNKNOWN_FIELD},
    {"\"address\":\"0x1000\",", "\"address\":\"0x1000\",\"flags\":0,", PQCHA_ERR_UNKNOWN_FIELD},
    {"\"name\":\"config\"", "\"name\":\"config\",\"uri\":\"x\"", PQCHA_ERR_UNKNOWN_FIELD},
    {"{\"sha3-256\":\"" DIGEST2 "\"}", "{\"sha3-256\":\"" DIGEST2 "\",\"x\":\"y\"}",
     PQCHA_ERR_INCONSISTENT_CLAIMS},
    /* missing fields */
    {"\"predicateType\":\"https://pqcha.dev/attestation/memory/v1\",", "", PQCHA_ERR_MISSING_FIELD},
    {"\"sequence\":7,", "", PQCHA_ERR_MISSING_FIELD},
    {"\"evidence\":[],", "", PQCHA_ERR_MISSING_FIELD},
    {"\"description\":\"\",", "", PQCHA_ERR_MISSING_FIELD},
    {",\"takenAt\":\"2026-11-28T03:30:50Z\"", "", PQCHA_ERR_MISSING_FIELD},
    {",\"keyId\":\"" KEY_ID "\"", "", PQCHA_ERR_MISSING_FIELD},
    {",\"name\":\"config\"", "", PQCHA_ERR_MISSING_FIELD},
    {"{\"digest\":{\"sha3-256\":\"" DIGEST2 "\"},", "{", PQCHA_ERR_MISSING_FIELD},
    /* duplicate keys, at the top and deep inside */
    {"{\"_type\":\"https://in-toto.io/Statement/v1\",",
     "{\"_type\":\"https://in-toto.io/Statement/v1\",\"_type\":\"https://in-toto.io/Statement/"
     "v1\",",
     PQCHA_ERR_JSON_DUPLICATE_KEY},
    {"\"size\":128,", "\"size\":128,\"size\":128,", PQCHA_ERR_JSON_DUPLICATE_KEY},
    {"{\"sha3-256\":\"" DIGEST2 "\"}",
     "{\"sha3-256\":\"" DIGEST2 "\",\"sha3-256\":\"" DIGEST2 "\"}", PQCHA_ERR_JSON_DUPLICATE_KEY},
    /* types */
    {"\"sequence\":7", "\"sequence\":\"7\"", PQCHA_ERR_WRONG_TYPE},
    {"\"sequence\":7", "\"sequence\":7.0", PQCHA_ERR_WRONG_TYPE},
    {"\"sequence\":7", "\"sequence\":7e0", PQCHA_ERR_WRONG_TYPE},
    {"\"size\":128", "\"size\":128.5", PQCHA_ERR_WRONG_TYPE},
    {"\"size\":128", "\"size\":true", PQCHA_ERR_WRONG_TYPE},
    {"\"size\":128", "\"size\":null", PQCHA_ERR_WRONG_TYPE},
    {"\"_type\":\"https://in-toto.io/Statement/v1\"", "\"_type\":1", PQCHA_ERR_WRONG_TYPE},
    {"\"evidence\":[]", "\"evidence\":{}", PQCHA_ERR_WRONG_TYPE},
    {"\"nonce\":\"" NONCE "\"", "\"nonce\":null", PQCHA_ERR_WRONG_TYPE},
    {"\"id\":\"config\"", "\"id\":5", PQCHA_ERR_WRONG_TYPE},
    {"\"takenAt\":\"2026-11-28T03:30:50Z\"", "\"takenAt\":1795836650", PQCHA_ERR_WRONG_TYPE},
    {"\"sha3-256\":\"" DIGEST2 "\"", "\"sha3-256\":[]", PQCHA_ERR_WRONG_TYPE},
    {"{\"digest\":{\"sha3-256\":\"" DIGEST1 "\"},\"name\":\"model-weights-0\"}",
     "\"model-weights-0\"", PQCHA_ERR_WRONG_TYPE},
    {REGION1, "[]", PQCHA_ERR_WRONG_TYPE},
    {"\"signer\":{\"algorithm\":\"ML-DSA-65\",\"keyId\":\"" KEY_ID "\"}",
     "\"signer\":\"" KEY_ID "\"", PQCHA_ERR_WRONG_TYPE},
    {"\"digest\":{\"sha3-256\":\"" DIGEST2 "\"}", "\"digest\":\"" DIGEST2 "\"",
     PQCHA_ERR_WRONG_TYPE},
    /* integer ranges */
    {"\"sequence\":7", "\"sequence\":-1", PQCHA_ERR_OUT_OF_RANGE},
    {"\"sequence\":7", "\"sequence\":9007199254740992", PQCHA_ERR_OUT_OF_RANGE},
    {"\"size\":128", "\"size\":18446744073709551616", PQCHA_ERR_OUT_OF_RANGE},
    {"\"size\":128", "\"size\":-0", PQCHA_OK},
    {"\"sequence\":7", "\"sequence\":9007199254740991", PQCHA_OK},
    /* statement types */
    {"https://in-toto.io/Statement/v1", "https://in-toto.io/Statement/v0.1",
     PQCHA_ERR_BAD_STATEMENT_TYPE},
    {"https://pqcha.dev/attestation/memory/v1", "https://pqcha.dev/attestation/memory/v2",
     PQCHA_ERR_BAD_STATEMENT_TYPE},
    /* hex */
    {DIGEST1, X8("AAAAAAAA"), PQCHA_ERR_BAD_HEX},
    {DIGEST1, X8("aaaaaaa") "aaaaaaa", PQCHA_ERR_BAD_HEX},
    {DIGEST1, X8("aaaaaaaa") "aa", PQCHA_ERR_BAD_HEX},
    {DIGEST1, X8("aaaaaaag"), PQCHA_ERR_BAD_HEX},
    {KEY_ID, X8("DDDDDDDD"), PQCHA_ERR_BAD_HEX},
    {KEY_ID, X8("ddddddd"), PQCHA_ERR_BAD_HEX},
    {EXPECTED2, X8("CCCCCCCC"), PQCHA_ERR_BAD_HEX},
    {EXPECTED2, "cc", PQCHA_ERR_BAD_HEX},
    /* addresses */
    {"\"address\":\"0x1000\"", "\"address\":\"0x01\"", PQCHA_ERR_BAD_HEX},
    {"\"address\":\"0x1000\"", "\"address\":\"0x00\"", PQCHA_ERR_BAD_HEX},
    {"\"address\":\"0x1000\"", "\"address\":\"0X1\"", PQCHA_ERR_BAD_HEX},
    {"\"address\":\"0x1000\"", "\"address\":\"1000\"", PQCHA_ERR_BAD_HEX},
    {"\"address\":\"0x1000\"", "\"address\":\"0x\"", PQCHA_ERR_BAD_HEX},
    {"\"address\":\"0x1000\"", "\"address\":\"0xABC\"", PQCHA_ERR_BAD_HEX},
    {"\"address\":\"0x1000\"", "\"address\":\" 0x1000\"", PQCHA_ERR_BAD_HEX},
    {"\"address\":\"0x1000\"", "\"address\":\"0x1000 \"", PQCHA_ERR_BAD_HEX},
    {"\"address\":\"0x1000\"", "\"address\":\"-0x1\"", PQCHA_ERR_BAD_HEX},
    {"\"address\":\"0x1000\"", "\"address\":\"0x10000000000000000\"", PQCHA_ERR_BAD_HEX},
    {"\"address\":\"0x1000\"", "\"address\":4096", PQCHA_ERR_WRONG_TYPE},
    {"\"address\":\"0x1000\"", "\"address\":\"0xffffffffffffff80\"", PQCHA_OK}, /* ends at 2^64 */
    {"\"address\":\"0x1000\"", "\"address\":\"0xffffffffffffff81\"", PQCHA_ERR_OUT_OF_RANGE},
    {"\"address\":\"0x1000\"", "\"address\":\"0xffffffffffffffff\"", PQCHA_ERR_OUT_OF_RANGE},
    {"\"address\":\"0x0\"", "\"address\":\"0xffffffffffffffff\"", PQCHA_OK}, /* size 0 */
    /* timestamps */
    {"\"issuedAt\":\"2026-11-28T03:30:55Z\"", "\"issuedAt\":\"2026-11-28T03:30:55\"",
     PQCHA_ERR_TIMESTAMP_NO_ZONE},
    {"\"issuedAt\":\"2026-11-28T03:30:55Z\"", "\"issuedAt\":\"2026-11-28T03:30:55+00:00\"",
     PQCHA_ERR_BAD_TIMESTAMP},
    {"\"expiresAt\":\"2026-11-28T03:35:55Z\"", "\"expiresAt\":\"2026-11-28t03:35:55z\"",
     PQCHA_ERR_BAD_TIMESTAMP},
    {"\"takenAt\":\"2026-11-28T03:30:50Z\"", "\"takenAt\":\"2026-02-30T03:30:50Z\"",
     PQCHA_ERR_BAD_TIMESTAMP},
    {"\"takenAt\":\"2026-11-28T03:30:55Z\"", "\"takenAt\":\"2026-11-28T03:30:56Z\"",
     PQCHA_ERR_INCONSISTENT_CLAIMS},
    {"\"expiresAt\":\"2026-11-28T03:35:55Z\"", "\"expiresAt\":\"2026-11-28T03:30:54Z\"",
     PQCHA_ERR_INCONSISTENT_CLAIMS},
    {"\"expiresAt\":\"2026-11-28T03:35:55Z\"", "\"expiresAt\":\"2026-11-28T03:30:55Z\"", PQCHA_OK},
    /* subjects and regions must agree */
    {",{\"digest\":{\"sha3-256\":\"" DIGEST2 "\"},\"name\":\"config\"}]", "]",
     PQCHA_ERR_INCONSISTENT_CLAIMS},
    {"," REGION2 "]", "]", PQCHA_ERR_INCONSISTENT_CLAIMS},
    {"\"name\":\"config\"", "\"name\":\"Config\"", PQCHA_ERR_INCONSISTENT_CLAIMS},
    {"\"name\":\"model-weights-0\"", "\"name\":\"config\"", PQCHA_ERR_INCONSISTENT_CLAIMS},
    {"{\"sha3-256\":\"" DIGEST2 "\"}", "{\"sha256\":\"" DIGEST2 "\"}",
     PQCHA_ERR_INCONSISTENT_CLAIMS},
    {"{\"sha3-256\":\"" DIGEST2 "\"}", "{}", PQCHA_ERR_INCONSISTENT_CLAIMS},
    {"{\"sha3-256\":\"" DIGEST2 "\"}", "{\"sha256\":\"" DIGEST2 "\",\"sha3-256\":\"" DIGEST2 "\"}",
     PQCHA_ERR_INCONSISTENT_CLAIMS},
    {"\"subject\":" SUBJECTS, "\"subject\":[]", PQCHA_ERR_EMPTY_REPORT},
    {"\"regions\":[" REGION1 "," REGION2 "]", "\"regions\":[]", PQCHA_ERR_INCONSISTENT_CLAIMS},
    /* hardware evidence (FORMAT.md 4.7): one strict element at most */
    {"\"evidence\":[]", "\"evidence\":[{}]", PQCHA_ERR_MISSING_FIELD},
    {"\"evidence\":[]", "\"evidence\":[null]", PQCHA_ERR_WRONG_TYPE},
    {"\"evidence\":[]", "\"evidence\":[" EVIDENCE_OK "," EVIDENCE_OK "]", PQCHA_ERR_TOO_LARGE},
    {"\"evidence\":[]", "\"evidence\":[" EVIDENCE_OK "]", PQCHA_OK},
    {"\"evidence\":[]", "\"evidence\":[{" EVIDENCE_FIELDS ",\"extra\":1}]",
     PQCHA_ERR_UNKNOWN_FIELD},
    {"\"evidence\":[]",
     "\"evidence\":[{\"binding\":\"key\",\"data\":\"AAEC\",\"platform\":\"amd-sev\"}]",
     PQCHA_ERR_BAD_EVIDENCE},
    {"\"evidence\":[]",
     "\"evidence\":[{\"binding\":\"both\",\"data\":\"AAEC\",\"platform\":\"intel-tdx\"}]",
     PQCHA_ERR_BAD_EVIDENCE},
    {"\"evidence\":[]",
     "\"evidence\":[{\"binding\":\"key\",\"data\":\"\",\"platform\":\"intel-tdx\"}]",
     PQCHA_ERR_BAD_EVIDENCE},
    {"\"evidence\":[]",
     "\"evidence\":[{\"binding\":\"key\",\"data\":\"AAE=\",\"platform\":\"intel-tdx\"}]", PQCHA_OK},
    {"\"evidence\":[]",
     "\"evidence\":[{\"binding\":\"key\",\"data\":\"AAF=\",\"platform\":\"intel-tdx\"}]",
     PQCHA_ERR_BAD_BASE64},
    {"\"evidence\":[]", "\"evidence\":[{" EVIDENCE_FIELDS ",\"certificates\":\"\"}]",
     PQCHA_ERR_BAD_EVIDENCE},
    {"\"evidence\":[]", "\"evidence\":[{" EVIDENCE_FIELDS ",\"certificates\":\"AAEC\"}]", PQCHA_OK},
    {"\"evidence\":[]", "\"evidence\":[{" EVIDENCE_FIELDS ",\"certificates\":7}]",
     PQCHA_ERR_WRONG_TYPE},
    /* enumerations */
    {"\"protection\":\"RO\"", "\"protection\":\"rwx\"", PQCHA_ERR_BAD_PROTECTION},
    {"\"protection\":\"RO\"", "\"protection\":\"ro\"", PQCHA_ERR_BAD_PROTECTION},
    {"\"digestAlgorithm\":\"sha3-256\",\"id\":\"model-weights-0\"",
     "\"digestAlgorithm\":\"sha256\",\"id\":\"model-weights-0\"", PQCHA_ERR_UNSUPPORTED_ALGORITHM},
    {"ML-DSA-65", "ML-DSA-66", PQCHA_ERR_UNSUPPORTED_ALGORITHM},
    {"ML-DSA-65", "ml-dsa-65", PQCHA_ERR_UNSUPPORTED_ALGORITHM},
    {"ML-DSA-65", "ML-DSA-87", PQCHA_OK},
    /* nonces: 8..64 bytes of lowercase hex */
    {NONCE, "00112233445566", PQCHA_ERR_BAD_HEX},
    {NONCE, "0011223344556677", PQCHA_OK},
    {NONCE, "001122334455667", PQCHA_ERR_BAD_HEX},
    {NONCE, "00112233445566778899AABBCCDDEEFF", PQCHA_ERR_BAD_HEX},
    {NONCE, X8(X8("ab")), PQCHA_OK},
    {NONCE, X8(X8("ab")) "ab", PQCHA_ERR_BAD_HEX},
    {NONCE, "", PQCHA_ERR_BAD_HEX},
    /* identifiers */
    {"\"id\":\"config\"", "\"id\":\"config\\u0007\"", PQCHA_ERR_BAD_IDENTIFIER},
    {"\"id\":\"config\"", "\"id\":\"con\\nfig\"", PQCHA_ERR_BAD_IDENTIFIER},
    {"\"id\":\"config\"", "\"id\":\"config\\u007f\"", PQCHA_ERR_BAD_IDENTIFIER},
    {"\"id\":\"config\"", "\"id\":\"\"", PQCHA_ERR_BAD_IDENTIFIER},
    {"\"workloadId\":\"model-serving-1\"", "\"workloadId\":\"model\\u001b[2Jserving\"",
     PQCHA_ERR_BAD_IDENTIFIER},
    {"\"platform\":\"file\"", "\"platform\":\"\"", PQCHA_ERR_BAD_IDENTIFIER},
    {"\"platform\":\"file\"", "\"platform\":\"fi\\rle\"", PQCHA_ERR_BAD_IDENTIFIER},
    {"\"description\":\"Llama weights shard 0\"", "\"description\":\"Llama\\tweights\"",
     PQCHA_ERR_BAD_IDENTIFIER},
    {"\"description\":\"Llama weights shard 0\"",
     "\"description\":\"Llama w\\u00e9ights \\ud83d\\udd12\"", PQCHA_OK},
    /* C1 controls (U+0080-U+009F): U+009B is CSI to a terminal */
    {"\"id\":\"config\"", "\"id\":\"config\\u009b2J\"", PQCHA_ERR_BAD_IDENTIFIER},
    {"\"workloadId\":\"model-serving-1\"", "\"workloadId\":\"model\xc2\x85serving\"",
     PQCHA_ERR_BAD_IDENTIFIER},
    {"\"description\":\"Llama weights shard 0\"", "\"description\":\"Llama \\u0090weights\"",
     PQCHA_ERR_BAD_IDENTIFIER},
    {"\"description\":\"Llama weights shard 0\"", "\"description\":\"Llama\\u00a0weights\"",
     PQCHA_OK},
    /* report ids */
    {REPORT_ID, "urn:uuid:5F0C8A4E-1B7D-4C1E-9A53-2F7D3C0B9E61", PQCHA_ERR_MALFORMED},
    {REPORT_ID, "5f0c8a4e-1b7d-4c1e-9a53-2f7d3c0b9e61", PQCHA_ERR_MALFORMED},
    {REPORT_ID, "urn:uuid:5f0c8a4e1b7d4c1e9a532f7d3c0b9e61", PQCHA_ERR_MALFORMED},
    {REPORT_ID, REPORT_ID "0", PQCHA_ERR_MALFORMED},
    {REPORT_ID, "urn:uuid:5f0c8a4e-1b7d-4c1e-9a53-2f7d3c0b9e6", PQCHA_ERR_MALFORMED},
    {REPORT_ID, "urn:uuid:5f0c8a4e-1b7d-4c1e-9a53-2f7d3c0b9e6g", PQCHA_ERR_MALFORMED},
/* region file mappings (FORMAT.md 4.3) */
#define ADDR1           "\"address\":\"0x1000\","
#define WITH_MAPPING(m) "\"address\":\"0x1000\",\"mapping\":" m ","
    {ADDR1, WITH_MAPPING("{\"file\":\"/models/llama.gguf\",\"offset\":4096}"), PQCHA_OK},
    {ADDR1, WITH_MAPPING("{\"file\":\"/m\",\"offset\":9007199254740991}"), PQCHA_OK},
    {ADDR1, WITH_MAPPING("{\"file\":\"/m\",\"offset\":0,\"inode\":1}"), PQCHA_ERR_UNKNOWN_FIELD},
    {ADDR1, WITH_MAPPING("{\"file\":\"/m\"}"), PQCHA_ERR_MISSING_FIELD},
    {ADDR1, WITH_MAPPING("{\"offset\":0}"), PQCHA_ERR_MISSING_FIELD},
    {ADDR1, WITH_MAPPING("{\"file\":\"\",\"offset\":0}"), PQCHA_ERR_BAD_IDENTIFIER},
    {ADDR1, WITH_MAPPING("{\"file\":\"/m\\n\",\"offset\":0}"), PQCHA_ERR_BAD_IDENTIFIER},
    {ADDR1, WITH_MAPPING("{\"file\":\"/m\\u0000x\",\"offset\":0}"), PQCHA_ERR_JSON_SYNTAX},
    {ADDR1, WITH_MAPPING("{\"file\":\"/m\",\"offset\":9007199254740992}"), PQCHA_ERR_OUT_OF_RANGE},
    {ADDR1, WITH_MAPPING("{\"file\":\"/m\",\"offset\":-1}"), PQCHA_ERR_OUT_OF_RANGE},
    {ADDR1, WITH_MAPPING("{\"file\":\"/m\",\"offset\":\"0\"}"), PQCHA_ERR_WRONG_TYPE},
    {ADDR1, WITH_MAPPING("{\"file\":7,\"offset\":0}"), PQCHA_ERR_WRONG_TYPE},
    {ADDR1, WITH_MAPPING("\"/m\""), PQCHA_ERR_WRONG_TYPE},
    {ADDR1, WITH_MAPPING("{\"file\":\"/m\",\"offset\":0,\"file\":\"/n\"}"),
     PQCHA_ERR_JSON_DUPLICATE_KEY},
/* node digests (FORMAT.md 4.5): syntax first, then the region must be
     * sha3-256-tree over more than one leaf (these are sha3-256, 128 bytes) */
#define WITH_NODES(n) "\"address\":\"0x1000\",\"nodes\":" n ","
    {ADDR1, WITH_NODES("{\"level\":0,\"digests\":[\"" DIGEST1 "\",\"" DIGEST1 "\"]}"),
     PQCHA_ERR_INCONSISTENT_CLAIMS},
    {ADDR1, WITH_NODES("{\"level\":0,\"digests\":[]}"), PQCHA_ERR_INCONSISTENT_CLAIMS},
    {ADDR1, WITH_NODES("{\"level\":0,\"digests\":[\"" DIGEST1 "\"],\"x\":1}"),
     PQCHA_ERR_UNKNOWN_FIELD},
    {ADDR1, WITH_NODES("{\"digests\":[\"" DIGEST1 "\"]}"), PQCHA_ERR_MISSING_FIELD},
    {ADDR1, WITH_NODES("{\"level\":0}"), PQCHA_ERR_MISSING_FIELD},
    {ADDR1, WITH_NODES("{\"level\":\"0\",\"digests\":[\"" DIGEST1 "\"]}"), PQCHA_ERR_WRONG_TYPE},
    {ADDR1, WITH_NODES("{\"level\":-1,\"digests\":[\"" DIGEST1 "\"]}"), PQCHA_ERR_OUT_OF_RANGE},
    {ADDR1, WITH_NODES("{\"level\":0,\"digests\":\"" DIGEST1 "\"}"), PQCHA_ERR_WRONG_TYPE},
    {ADDR1, WITH_NODES("{\"level\":0,\"digests\":[7]}"), PQCHA_ERR_WRONG_TYPE},
    {ADDR1, WITH_NODES("{\"level\":0,\"digests\":[\"" X8("AAAAAAAA") "\"]}"), PQCHA_ERR_BAD_HEX},
    {ADDR1, WITH_NODES("{\"level\":0,\"digests\":[\"" DIGEST1 "aa\"]}"), PQCHA_ERR_BAD_HEX},
    {ADDR1, WITH_NODES("[\"" DIGEST1 "\"]"), PQCHA_ERR_WRONG_TYPE},
    /* syntax */
    {"\"sequence\":7", "\"sequence\":07", PQCHA_ERR_JSON_SYNTAX},
    {"\"evidence\":[]", "\"evidence\":[],", PQCHA_ERR_JSON_SYNTAX},
    {"\"platform\":\"file\"", "\"platform\":\"f\xc3\x28le\"", PQCHA_ERR_JSON_SYNTAX},
};

/* golden_payload with the single occurrence of find replaced; NULL if find
 * is not there exactly once (a broken test case). */
static char *edit_golden(const char *find, const char *replace) {
    const char *at = strstr(golden_payload, find);
    if (at == NULL || strstr(at + 1, find) != NULL) return NULL;
    size_t prefix = (size_t)(at - golden_payload);
    size_t find_len = strlen(find), replace_len = strlen(replace);
    size_t total = strlen(golden_payload) - find_len + replace_len;
    char *out = malloc(total + 1);
    if (out == NULL) return NULL;
    memcpy(out, golden_payload, prefix);
    memcpy(out + prefix, replace, replace_len);
    strcpy(out + prefix + replace_len, at + find_len);
    return out;
}

static void test_malformed_payload_table(void) {
    for (size_t i = 0; i < sizeof payload_cases / sizeof payload_cases[0]; i++) {
        const payload_case *c = &payload_cases[i];
        char *text = edit_golden(c->find, c->replace);
        if (text == NULL) {
            fprintf(stderr, "  case %zu: \"%s\" is not in the golden payload exactly once\n", i,
                    c->find);
            CHECK(text != NULL);
            continue;
        }
        pqcha_report *rep = (pqcha_report *)text; /* must be overwritten */
        pqcha_err err = decode_text(&rep, text);
        if (err != c->expected)
            fprintf(stderr, "  case %zu: \"%s\" -> \"%s\"\n", i, c->find, c->replace);
        CHECK_ERR(err, c->expected);
        CHECK((err == PQCHA_OK) == (rep != NULL));
        pqcha_report_free(rep);
        free(text);
    }
}

static void test_duplicate_region_ids_are_decoded(void) {
    char *step = edit_golden("\"name\":\"model-weights-0\"", "\"name\":\"config\"");
    REQUIRE(step != NULL);
    char *at = strstr(step, "\"id\":\"model-weights-0\"");
    REQUIRE(at != NULL);
    /* Same length ids keep the edit in place. */
    char *text = malloc(strlen(step) + 1);
    REQUIRE(text != NULL);
    size_t prefix = (size_t)(at - step);
    memcpy(text, step, prefix);
    strcpy(text + prefix, "\"id\":\"config\"");
    strcat(text, at + strlen("\"id\":\"model-weights-0\""));
    pqcha_report *rep = NULL;
    CHECK_OK(decode_text(&rep, text));
    CHECK(pqcha_report_region_count(rep) == 2);
    CHECK_STR(pqcha_region_id(pqcha_report_region(rep, 0)), "config");
    CHECK_STR(pqcha_region_id(pqcha_report_region(rep, 1)), "config");
    pqcha_report_free(rep);
    free(text);
    free(step);
}

static void test_long_fields(void) {
    char id[PQCHA_MAX_ID_LEN + 2], desc[PQCHA_MAX_DESCRIPTION_LEN + 2];
    memset(id, 'w', sizeof id);
    memset(desc, 'd', sizeof desc);
    id[PQCHA_MAX_ID_LEN + 1] = '\0';
    desc[PQCHA_MAX_DESCRIPTION_LEN + 1] = '\0';
    char *text = edit_golden("model-serving-1", id);
    REQUIRE(text != NULL);
    pqcha_report *rep = NULL;
    CHECK_ERR(decode_text(&rep, text), PQCHA_ERR_BAD_IDENTIFIER);
    free(text);
    id[PQCHA_MAX_ID_LEN] = '\0';
    text = edit_golden("model-serving-1", id);
    REQUIRE(text != NULL);
    CHECK_OK(decode_text(&rep, text));
    pqcha_report_free(rep);
    free(text);

    text = edit_golden("Llama weights shard 0", desc);
    REQUIRE(text != NULL);
    CHECK_ERR(decode_text(&rep, text), PQCHA_ERR_TOO_LARGE);
    free(text);
    desc[PQCHA_MAX_DESCRIPTION_LEN] = '\0';
    text = edit_golden("Llama weights shard 0", desc);
    REQUIRE(text != NULL);
    CHECK_OK(decode_text(&rep, text));
    pqcha_report_free(rep);
    free(text);
}

static void test_size_caps(void) {
    pqcha_report *rep = NULL;
    /* The payload cap is checked before parsing. */
    size_t big = PQCHA_MAX_PAYLOAD_LEN + 1;
    uint8_t *blob = malloc(big);
    REQUIRE(blob != NULL);
    memset(blob, ' ', big);
    blob[0] = '{';
    blob[big - 1] = '}';
    CHECK_ERR(pqcha__statement_decode(&rep, blob, big), PQCHA_ERR_TOO_LARGE);
    free(blob);

    /* More subjects than PQCHA_MAX_REGIONS. */
    const char *head = "{\"_type\":\"https://in-toto.io/Statement/v1\","
                       "\"predicateType\":\"https://pqcha.dev/attestation/memory/v1\","
                       "\"predicate\":{},\"subject\":[";
    /* Subjects of a realistic size, so that the count, not the structure
     * (JSON_TOO_COMPLEX, test_json.c), is what the decoder refuses. */
    static const char subject[] = "{\"name\":\"a-region-id-as-long-as-real-ones-are-0123456789"
                                  "0123456789012345678901234567890123456789\"}";
    const size_t item = sizeof subject; /* with the comma */
    size_t n = PQCHA_MAX_REGIONS + 1;
    size_t len = strlen(head) + item * n + 2;
    char *text = malloc(len + 1);
    REQUIRE(text != NULL);
    strcpy(text, head);
    char *p = text + strlen(head);
    for (size_t i = 0; i < n; i++, p += item) {
        memcpy(p, subject, item - 1);
        p[item - 1] = i + 1 < n ? ',' : ']';
    }
    strcpy(p, "}");
    CHECK_ERR(decode_text(&rep, text), PQCHA_ERR_TOO_LARGE);
    free(text);
}

static void test_not_a_statement(void) {
    pqcha_report *rep = NULL;
    CHECK_ERR(decode_text(&rep, ""), PQCHA_ERR_JSON_SYNTAX);
    CHECK_ERR(decode_text(&rep, "[]"), PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(decode_text(&rep, "{}"), PQCHA_ERR_MISSING_FIELD);
    CHECK_ERR(pqcha__statement_decode(&rep, NULL, 0), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha__statement_decode(NULL, (const uint8_t *)"{}", 2), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(rep == NULL);
}

/* ---- the model and the encoder's own checks ---- */

static void test_encoder_refuses_what_decoder_would(void) {
    pqcha_report *rep = make_report();
    REQUIRE(rep != NULL);
    char *text = NULL;
    rep->sequence = PQCHA_MAX_SAFE_INTEGER + 1;
    CHECK_ERR(pqcha__statement_encode(&text, NULL, rep), PQCHA_ERR_OUT_OF_RANGE);
    rep->sequence = 0;
    rep->expires_at = rep->issued_at - 1;
    CHECK_ERR(pqcha__statement_encode(&text, NULL, rep), PQCHA_ERR_INCONSISTENT_CLAIMS);
    rep->expires_at = rep->issued_at;
    rep->claims[0].taken_at = rep->issued_at + 1;
    CHECK_ERR(pqcha__statement_encode(&text, NULL, rep), PQCHA_ERR_INCONSISTENT_CLAIMS);
    rep->claims[0].taken_at = rep->issued_at;
    CHECK_OK(pqcha__report_set_string(&rep->nonce_hex, "abcd"));
    CHECK_ERR(pqcha__statement_encode(&text, NULL, rep), PQCHA_ERR_BAD_HEX);
    CHECK_OK(pqcha__report_set_string(&rep->nonce_hex, NONCE));
    rep->signer_alg = (pqcha_sig_alg)66;
    CHECK_ERR(pqcha__statement_encode(&text, NULL, rep), PQCHA_ERR_UNSUPPORTED_ALGORITHM);
    rep->signer_alg = PQCHA_ML_DSA_44;
    CHECK_OK(pqcha__report_set_string(&rep->report_id, "urn:uuid:nope"));
    CHECK_ERR(pqcha__statement_encode(&text, NULL, rep), PQCHA_ERR_MALFORMED);
    CHECK_OK(pqcha__report_set_string(&rep->report_id, REPORT_ID));
    CHECK_OK(pqcha__report_set_string(&rep->workload_id, "bad\nid"));
    CHECK_ERR(pqcha__statement_encode(&text, NULL, rep), PQCHA_ERR_BAD_IDENTIFIER);
    CHECK_OK(pqcha__report_set_string(&rep->workload_id, "w"));
    CHECK_OK(pqcha__statement_encode(&text, NULL, rep));
    CHECK(text != NULL && strstr(text, "\"algorithm\":\"ML-DSA-44\"") != NULL);
    free(text);
    text = NULL;
    pqcha_report_free(rep);

    CHECK_OK(pqcha__report_new(&rep));
    CHECK_OK(pqcha__report_set_string(&rep->report_id, REPORT_ID));
    CHECK_OK(pqcha__report_set_string(&rep->workload_id, "w"));
    CHECK_OK(pqcha__report_set_string(&rep->platform, "p"));
    CHECK_OK(pqcha__report_set_string(&rep->nonce_hex, NONCE));
    memcpy(rep->signer_key_id, KEY_ID, sizeof rep->signer_key_id);
    rep->signer_alg = PQCHA_ML_DSA_65;
    CHECK_ERR(pqcha__statement_encode(&text, NULL, rep), PQCHA_ERR_EMPTY_REPORT);
    CHECK(text == NULL);
    pqcha_report_free(rep);
}

static void test_add_claim_rules(void) {
    pqcha_report *rep = NULL;
    CHECK_OK(pqcha__report_new(&rep));
    pqcha_region *region = NULL;
    CHECK_OK(pqcha_region_create(&region, "r", "", 0, 1, PQCHA_PROT_R));
    uint8_t digest[PQCHA_SHA3_256_LEN] = {0};
    CHECK_ERR(pqcha__report_add_claim(rep, region, PQCHA_DIGEST_SHA3_256, digest, 31, 0, NULL),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha__report_add_claim(rep, region, (pqcha_digest_alg)9, digest, 32, 0, NULL),
              PQCHA_ERR_UNSUPPORTED_ALGORITHM);
    CHECK_ERR(pqcha__report_add_claim(rep, region, PQCHA_DIGEST_SHA3_256, digest, 32, 0, "ABCD"),
              PQCHA_ERR_BAD_HEX);
    CHECK(pqcha_report_region_count(rep) == 0);
    for (size_t i = 0; i < PQCHA_MAX_REGIONS; i++) {
        if (pqcha__report_add_claim(rep, region, PQCHA_DIGEST_SHA3_256, digest, 32, 0, NULL) !=
            PQCHA_OK) {
            CHECK_FAILED("add_claim failed below the cap");
            break;
        }
    }
    CHECK(pqcha_report_region_count(rep) == PQCHA_MAX_REGIONS);
    CHECK_ERR(pqcha__report_add_claim(rep, region, PQCHA_DIGEST_SHA3_256, digest, 32, 0, NULL),
              PQCHA_ERR_TOO_LARGE);
    CHECK_STR(pqcha_report_region_digest_hex(rep, 5), X8("00000000"));
    pqcha_region_free(region);
    pqcha_report_free(rep);

    CHECK_ERR(pqcha__report_set_string(NULL, "x"), PQCHA_ERR_INVALID_ARGUMENT);
    pqcha_report_free(NULL);
    CHECK(pqcha_report_region_count(NULL) == 0 && pqcha_report_id(NULL) == NULL);
}

static int is_lower_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static void test_new_report_ids(void) {
    char *a = NULL, *b = NULL;
    CHECK_OK(pqcha__report_new_id(&a));
    CHECK_OK(pqcha__report_new_id(&b));
    REQUIRE(a != NULL && b != NULL);
    CHECK(strcmp(a, b) != 0);
    CHECK(strlen(a) == 45 && strncmp(a, "urn:uuid:", 9) == 0);
    for (size_t i = 9; i < 45; i++) {
        if (i == 17 || i == 22 || i == 27 || i == 32)
            CHECK(a[i] == '-');
        else
            CHECK(is_lower_hex(a[i]));
    }
    CHECK(a[23] == '4');                                                 /* version 4 */
    CHECK(a[28] == '8' || a[28] == '9' || a[28] == 'a' || a[28] == 'b'); /* RFC 4122 variant */
    free(a);
    free(b);
}

/* ---- node digests and mappings on a real sha3-256-tree claim ---- */

#define TREE_SIZE (3u * PQCHA_TREE_LEAF_SIZE + 5u) /* 4 leaves: level 0, 4 nodes */

/* A report with one sha3-256-tree claim over TREE_SIZE bytes, its real node
 * digests and a file mapping, encoded. */
static char *tree_payload(uint8_t nodes[4][32]) {
    uint8_t *data = malloc(TREE_SIZE), digest[32];
    for (size_t i = 0; i < TREE_SIZE; i++)
        data[i] = (uint8_t)(i * 7 + (i >> 13));
    pqcha_hasher *h = NULL;
    pqcha_region *region = NULL;
    pqcha_report *rep = make_report();
    char *text = NULL;
    int ok = rep && pqcha_hasher_create(&h, PQCHA_DIGEST_SHA3_256_TREE) == PQCHA_OK &&
             pqcha_hasher_expect_length(h, TREE_SIZE) == PQCHA_OK &&
             pqcha_hasher_update(h, data, TREE_SIZE) == PQCHA_OK &&
             pqcha_hasher_final(h, digest, 32) == PQCHA_OK && pqcha_hasher_node_count(h) == 4 &&
             pqcha_region_create(&region, "weights", "", 0x7f0000000000, TREE_SIZE, PQCHA_PROT_R) ==
                 PQCHA_OK &&
             pqcha_region_set_mapping(region, "/models/w.bin", 8192) == PQCHA_OK &&
             pqcha__report_add_claim(rep, region, PQCHA_DIGEST_SHA3_256_TREE, digest, 32, ISSUED_AT,
                                     NULL) == PQCHA_OK;
    if (ok) {
        memcpy(nodes, pqcha_hasher_nodes(h), 4 * 32);
        /* Wrong shape or wrong digests are refused before they reach a payload. */
        CHECK_ERR(pqcha__report_set_claim_nodes(rep, 2, 1, nodes[0], 4),
                  PQCHA_ERR_INCONSISTENT_CLAIMS);
        CHECK_ERR(pqcha__report_set_claim_nodes(rep, 2, 0, nodes[0], 3),
                  PQCHA_ERR_INCONSISTENT_CLAIMS);
        CHECK_ERR(pqcha__report_set_claim_nodes(rep, 2, 0, nodes[1], 3),
                  PQCHA_ERR_INCONSISTENT_CLAIMS);
        CHECK_ERR(pqcha__report_set_claim_nodes(rep, 0, 0, nodes[0], 4),
                  PQCHA_ERR_INCONSISTENT_CLAIMS);
        ok = pqcha__report_set_claim_nodes(rep, 2, 0, nodes[0], 4) == PQCHA_OK;
        CHECK_ERR(pqcha__report_set_claim_nodes(rep, 2, 0, nodes[0], 4),
                  PQCHA_ERR_INCONSISTENT_CLAIMS);
    }
    if (ok) CHECK_OK(pqcha__statement_encode(&text, NULL, rep));
    pqcha_report_free(rep);
    pqcha_region_free(region);
    pqcha_hasher_free(h);
    free(data);
    return text;
}

static void test_nodes_and_mapping_round_trip(void) {
    uint8_t nodes[4][32];
    char *text = tree_payload(nodes);
    REQUIRE(text != NULL);
    CHECK(strstr(text, "\"mapping\":{\"file\":\"/models/w.bin\",\"offset\":8192}") != NULL);
    CHECK(strstr(text, "\"nodes\":{\"digests\":[\"") != NULL);
    CHECK(strstr(text, "],\"level\":0}") != NULL);
    pqcha_report *rep = NULL;
    CHECK_OK(decode_text(&rep, text));
    REQUIRE(rep != NULL);
    const pqcha__claim *c = &rep->claims[2];
    CHECK(c->node_count == 4 && c->node_level == 0 && memcmp(c->nodes, nodes, sizeof nodes) == 0);
    CHECK_STR(pqcha_region_mapped_file(pqcha_report_region(rep, 2)), "/models/w.bin");
    CHECK(pqcha_region_file_offset(pqcha_report_region(rep, 2)) == 8192);
    CHECK(pqcha_region_mapped_file(pqcha_report_region(rep, 0)) == NULL);
    CHECK(rep->claims[0].node_count == 0 && rep->claims[1].node_count == 0);
    char *again = NULL;
    CHECK_OK(pqcha__statement_encode(&again, NULL, rep));
    CHECK_STR(again, text);
    free(again);
    pqcha_report_free(rep);
    free(text);
}

static char *replace_once(const char *text, const char *find, const char *replace) {
    const char *at = strstr(text, find);
    if (at == NULL) return NULL;
    size_t prefix = (size_t)(at - text), flen = strlen(find), rlen = strlen(replace);
    char *out = malloc(strlen(text) - flen + rlen + 1);
    memcpy(out, text, prefix);
    memcpy(out + prefix, replace, rlen);
    strcpy(out + prefix + rlen, at + flen);
    return out;
}

static void expect_tree_edit(const char *text, const char *find, const char *replace,
                             pqcha_err want) {
    char *edited = replace_once(text, find, replace);
    CHECK(edited != NULL);
    if (edited == NULL) return;
    pqcha_report *rep = NULL;
    pqcha_err err = decode_text(&rep, edited);
    if (err != want) fprintf(stderr, "  edit \"%.40s\" -> \"%.40s\"\n", find, replace);
    CHECK_ERR(err, want);
    pqcha_report_free(rep);
    free(edited);
}

/* Nodes that do not reproduce the subject digest, or of the wrong shape, are
 * INCONSISTENT_CLAIMS; so are nodes on a region of another algorithm. */
static void test_nodes_must_reproduce_digest(void) {
    uint8_t nodes[4][32];
    char *text = tree_payload(nodes);
    REQUIRE(text != NULL);
    char h0[65], h1[65], h3[65], pair[200], swapped[200];
    pqcha_hex_encode(h0, nodes[0], 32);
    pqcha_hex_encode(h1, nodes[1], 32);
    pqcha_hex_encode(h3, nodes[3], 32);
    snprintf(pair, sizeof pair, "\"%s\",\"%s\"", h0, h1);
    snprintf(swapped, sizeof swapped, "\"%s\",\"%s\"", h1, h0);
    expect_tree_edit(text, pair, swapped, PQCHA_ERR_INCONSISTENT_CLAIMS);
    char flipped[65];
    memcpy(flipped, h3, 65);
    flipped[10] = flipped[10] == '0' ? '1' : '0';
    expect_tree_edit(text, h3, flipped, PQCHA_ERR_INCONSISTENT_CLAIMS);
    char last[100];
    snprintf(last, sizeof last, ",\"%s\"]", h3);
    expect_tree_edit(text, last, "]", PQCHA_ERR_INCONSISTENT_CLAIMS); /* 3 nodes */
    snprintf(swapped, sizeof swapped, ",\"%s\",\"%s\"]", h3, h3);
    expect_tree_edit(text, last, swapped, PQCHA_ERR_INCONSISTENT_CLAIMS); /* 5 nodes */
    expect_tree_edit(text, "\"level\":0}", "\"level\":1}", PQCHA_ERR_INCONSISTENT_CLAIMS);
    expect_tree_edit(text, "\"level\":0}", "\"level\":9007199254740991}",
                     PQCHA_ERR_INCONSISTENT_CLAIMS);
    expect_tree_edit(text, "\"digestAlgorithm\":\"sha3-256-tree\"", "\"digestAlgorithm\":\"k12\"",
                     PQCHA_ERR_INCONSISTENT_CLAIMS); /* the subject still says sha3-256-tree */
    for (char *p = h0; *p; p++)
        *p = (char)(*p >= 'a' ? *p - 32 : *p);
    pqcha_hex_encode(flipped, nodes[0], 32);
    expect_tree_edit(text, flipped, h0, PQCHA_ERR_BAD_HEX);
    free(text);
}

/* Limits that do not fit the table: a 4097-byte path, 257 node digests. */
static void test_mapping_and_nodes_caps(void) {
    char *path = malloc(4100), *mapping = malloc(4200);
    memset(path, 'a', 4097);
    path[0] = '/';
    path[4097] = '\0';
    snprintf(mapping, 4200, ADDR1 "\"mapping\":{\"file\":\"%s\",\"offset\":0},", path);
    char *text = edit_golden(ADDR1, mapping);
    pqcha_report *rep = NULL;
    CHECK_ERR(decode_text(&rep, text), PQCHA_ERR_TOO_LARGE);
    free(text);
    path[4096] = '\0'; /* exactly 4096 bytes */
    snprintf(mapping, 4200, ADDR1 "\"mapping\":{\"file\":\"%s\",\"offset\":0},", path);
    text = edit_golden(ADDR1, mapping);
    CHECK_OK(decode_text(&rep, text));
    pqcha_report_free(rep);
    rep = NULL;
    free(text);
    free(path);
    free(mapping);
    size_t cap = 257 * 68 + 200;
    char *nodes = malloc(cap);
    size_t used = (size_t)snprintf(nodes, cap, ADDR1 "\"nodes\":{\"level\":0,\"digests\":[");
    for (int i = 0; i < 257; i++)
        used += (size_t)snprintf(nodes + used, cap - used, "%s\"" DIGEST1 "\"", i ? "," : "");
    snprintf(nodes + used, cap - used, "]},");
    text = edit_golden(ADDR1, nodes);
    CHECK_ERR(decode_text(&rep, text), PQCHA_ERR_TOO_LARGE);
    free(text);
    free(nodes);
}

/* ---- sha3-256-segments claims (FORMAT.md 4.6) ---- */

/* A report whose third claim is sha3-256-segments over a region mapped from
 * file offset 4096: a gap, tensor "w", a gap, with made-up digests. */
static char *segments_payload(int deleted) {
    pqcha__segment segs[3] = {
        {NULL, 4096, 100, {0}}, {(char *)"w", 4196, 1000, {0}}, {NULL, 5196, 4, {0}}};
    for (int i = 0; i < 3; i++)
        memset(segs[i].digest, 0x11 * (i + 1), 32);
    uint8_t root[32];
    pqcha_region *region = NULL;
    pqcha_report *rep = make_report();
    char *text = NULL;
    int ok = rep && pqcha__segments_root(segs, 3, 1104, root) == PQCHA_OK &&
             pqcha_region_create(&region, "model.gguf", "", 0x7f0000003000, 1104, PQCHA_PROT_R) ==
                 PQCHA_OK &&
             pqcha_region_set_mapping(region, "/models/model.gguf", 4096) == PQCHA_OK &&
             (!deleted || pqcha_region_set_file_deleted(region, 1) == PQCHA_OK) &&
             pqcha__report_add_claim(rep, region, PQCHA_DIGEST_SHA3_256_SEGMENTS, root, 32,
                                     ISSUED_AT, NULL) == PQCHA_OK;
    if (ok) {
        /* Segments that do not tile the region or reproduce the digest are refused. */
        CHECK_ERR(pqcha__report_set_claim_segments(rep, 2, segs, 2), PQCHA_ERR_INCONSISTENT_CLAIMS);
        CHECK_ERR(pqcha__report_set_claim_segments(rep, 0, segs, 3), PQCHA_ERR_INCONSISTENT_CLAIMS);
        segs[1].digest[0] ^= 1;
        CHECK_ERR(pqcha__report_set_claim_segments(rep, 2, segs, 3), PQCHA_ERR_INCONSISTENT_CLAIMS);
        segs[1].digest[0] ^= 1;
        /* Without them the encoder refuses the claim. */
        char *early = NULL;
        CHECK_ERR(pqcha__statement_encode(&early, NULL, rep), PQCHA_ERR_INCONSISTENT_CLAIMS);
        ok = pqcha__report_set_claim_segments(rep, 2, segs, 3) == PQCHA_OK;
    }
    if (ok) CHECK_OK(pqcha__statement_encode(&text, NULL, rep));
    pqcha_report_free(rep);
    pqcha_region_free(region);
    return text;
}

static void test_segments_round_trip(void) {
    char *text = segments_payload(1);
    REQUIRE(text != NULL);
    CHECK(
        strstr(text,
               "\"mapping\":{\"deleted\":true,\"file\":\"/models/model.gguf\",\"offset\":4096}") !=
        NULL);
    CHECK(strstr(text,
                 "\"segments\":[{\"digest\":\"" X8(
                     "11111111") "\",\"offset\":4096,\"size\":100},"
                                 "{\"digest\":\"" X8("22222222") "\",\"offset\":4196,\"size\":1000,"
                                                                 "\"tensor\":\"w\"},") != NULL);
    pqcha_report *rep = NULL;
    CHECK_OK(decode_text(&rep, text));
    REQUIRE(rep != NULL);
    const pqcha__claim *c = &rep->claims[2];
    CHECK(c->digest_alg == PQCHA_DIGEST_SHA3_256_SEGMENTS && c->segment_count == 3);
    CHECK(c->segment_count == 3 && c->segments[1].tensor &&
          strcmp(c->segments[1].tensor, "w") == 0);
    CHECK(pqcha_region_file_deleted(pqcha_report_region(rep, 2)));
    CHECK(!pqcha_region_file_deleted(pqcha_report_region(rep, 0)));
    char *again = NULL;
    CHECK_OK(pqcha__statement_encode(&again, NULL, rep));
    CHECK_STR(again, text);
    free(again);
    pqcha_report_free(rep);
    free(text);
}

/* Every rule of the segments field, each with its own error. */
static void test_segments_rules(void) {
    char *text = segments_payload(0);
    REQUIRE(text != NULL);
    const char *seg0 = "{\"digest\":\"" X8("11111111") "\",\"offset\":4096,\"size\":100}";
    expect_tree_edit(text, "\"offset\":4096,\"size\":100}", "\"offset\":4095,\"size\":100}",
                     PQCHA_ERR_INCONSISTENT_CLAIMS); /* not from the mapping's offset */
    expect_tree_edit(text, "\"size\":100}", "\"size\":101}", PQCHA_ERR_INCONSISTENT_CLAIMS);
    expect_tree_edit(text, X8("22222222"), X8("22222223"),
                     PQCHA_ERR_INCONSISTENT_CLAIMS); /* digest */
    expect_tree_edit(text, X8("22222222"), X8("2222222Z"), PQCHA_ERR_BAD_HEX);
    expect_tree_edit(text, "\"tensor\":\"w\"", "\"tensor\":\"\"", PQCHA_ERR_BAD_IDENTIFIER);
    expect_tree_edit(text, "\"tensor\":\"w\"", "\"tensor\":\"w\\u0000\"",
                     PQCHA_ERR_JSON_SYNTAX); /* FORMAT.md 1: no NUL */
    expect_tree_edit(text, "\"tensor\":\"w\"", "\"tensor\":7", PQCHA_ERR_WRONG_TYPE);
    expect_tree_edit(text, "\"size\":100}", "\"size\":100,\"extra\":1}", PQCHA_ERR_UNKNOWN_FIELD);
    expect_tree_edit(text, seg0, "", PQCHA_ERR_JSON_SYNTAX);
    char *edited = replace_once(
        text, seg0,
        "{\"digest\":\"" X8("11111111") "\",\"offset\":4096,\"size\":100,\"tensor\":\"w\"}");
    REQUIRE(edited != NULL);
    pqcha_report *rep = NULL;
    CHECK_ERR(decode_text(&rep, edited),
              PQCHA_ERR_MALFORMED); /* one name twice (before the digest) */
    free(edited);
    expect_tree_edit(text, "\"segments\":[", "\"segments\":[],\"x\":[", PQCHA_ERR_UNKNOWN_FIELD);
    /* Segments belong to sha3-256-segments regions with a mapping, always. */
    expect_tree_edit(text, ",\"offset\":4096},",
                     ",\"offset\":4096},\"nodes\":{\"level\":0,\"digests\":[]},",
                     PQCHA_ERR_INCONSISTENT_CLAIMS);
    expect_tree_edit(text, "\"mapping\":{\"file\":\"/models/model.gguf\",\"offset\":4096},", "",
                     PQCHA_ERR_INCONSISTENT_CLAIMS);
    expect_tree_edit(text, "\"offset\":4096},", "\"offset\":4096,\"deleted\":false},",
                     PQCHA_ERR_INCONSISTENT_CLAIMS);
    expect_tree_edit(text, "\"offset\":4096},", "\"offset\":4096,\"deleted\":1},",
                     PQCHA_ERR_WRONG_TYPE);
    char *no_segments = strstr(text, ",\"segments\":[");
    REQUIRE(no_segments != NULL);
    char *cut = strdup(text);
    char *end = strstr(cut + (no_segments - text), "}]");
    REQUIRE(end != NULL);
    memmove(cut + (no_segments - text), end + 2, strlen(end + 2) + 1);
    CHECK_ERR(decode_text(&rep, cut), PQCHA_ERR_MISSING_FIELD);
    free(cut);
    free(text);
}

TEST_MAIN(TEST(test_encode_is_canonical), TEST(test_decode_golden),
          TEST(test_decode_ignores_whitespace_and_order), TEST(test_malformed_payload_table),
          TEST(test_duplicate_region_ids_are_decoded), TEST(test_long_fields), TEST(test_size_caps),
          TEST(test_not_a_statement), TEST(test_encoder_refuses_what_decoder_would),
          TEST(test_add_claim_rules), TEST(test_new_report_ids),
          TEST(test_nodes_and_mapping_round_trip), TEST(test_nodes_must_reproduce_digest),
          TEST(test_mapping_and_nodes_caps), TEST(test_segments_round_trip),
          TEST(test_segments_rules))
