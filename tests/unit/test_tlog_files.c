/* test_tlog_files.c — pqcha's log files (FORMAT.md 9.8-9.10): log entries
 * written and parsed in one spelling, receipts and consistency proof files,
 * each rejection with its own code; a receipt made from a real tree
 * verifies; the seed corpus of fuzz_tlog_files. */
#include "testutil.h"
#include "tlog_fixture.h"

#define H PQCHA_TLOG_HASH_LEN

/* ---- helpers ---- */

#define HEX11 "1111111111111111111111111111111111111111111111111111111111111111"
#define HEXAA "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HEX22 "2222222222222222222222222222222222222222222222222222222222222222"

static const char golden_entry[] =
    "{\"v\":1,\"receivedAt\":\"2026-12-01T10:00:00Z\",\"workload\":\"serving-1\","
    "\"reportId\":\"r-1\",\"envelopeSha256\":\"" HEX11 "\",\"signer\":\"" HEXAA "\","
    "\"verdict\":\"drift\",\"error\":\"MEMORY_DRIFT\",\"policySha256\":\"" HEX22 "\"}";

static pqcha_tlog_entry_fields golden_fields(void) {
    pqcha_tlog_entry_fields f;
    memset(&f, 0, sizeof f);
    f.received_at = 1796119200; /* 2026-12-01T10:00:00Z */
    f.workload = "serving-1";
    f.report_id = "r-1";
    memset(f.envelope_sha256, 0x11, H);
    f.signer = HEXAA;
    f.verdict = PQCHA_VERDICT_DRIFT;
    f.error = PQCHA_ERR_MEMORY_DRIFT;
    memset(f.policy_sha256, 0x22, H);
    return f;
}

/* text with the first occurrence of from replaced by to; kept until
 * replaced_free_all. */
static char *replaced_pool[256];
static size_t replaced_count;

static const char *replaced(const char *text, const char *from, const char *to) {
    const char *at = strstr(text, from);
    size_t len = strlen(text) - strlen(from) + strlen(to) + 1;
    char *buf = at ? malloc(len) : NULL;
    if (buf == NULL || replaced_count == sizeof replaced_pool / sizeof replaced_pool[0]) {
        fprintf(stderr, "replaced: '%s' not in the text\n", from);
        exit(2);
    }
    size_t head = (size_t)(at - text);
    memcpy(buf, text, head);
    snprintf(buf + head, len - head, "%s%s", to, at + strlen(from));
    replaced_pool[replaced_count++] = buf;
    return buf;
}

static void replaced_free_all(void) {
    while (replaced_count > 0)
        free(replaced_pool[--replaced_count]);
}

static pqcha_err parse_entry_text(const char *text) {
    pqcha_tlog_entry *e = (pqcha_tlog_entry *)1;
    pqcha_err err = pqcha_tlog_entry_parse(&e, text, strlen(text));
    if ((err == PQCHA_OK) != (e != NULL)) CHECK_FAILED("output not reset on error");
    pqcha_tlog_entry_free(e);
    return err;
}

static pqcha_err parse_receipt_text(const char *text) {
    pqcha_tlog_receipt *r = (pqcha_tlog_receipt *)1;
    pqcha_err err = pqcha_tlog_receipt_parse(&r, text, strlen(text));
    if ((err == PQCHA_OK) != (r != NULL)) CHECK_FAILED("output not reset on error");
    pqcha_tlog_receipt_free(r);
    return err;
}

static pqcha_err parse_consistency_text(const char *text) {
    pqcha_tlog_consistency *c = (pqcha_tlog_consistency *)1;
    pqcha_err err = pqcha_tlog_consistency_parse(&c, text, strlen(text));
    if ((err == PQCHA_OK) != (c != NULL)) CHECK_FAILED("output not reset on error");
    pqcha_tlog_consistency_free(c);
    return err;
}

/* ---- entries ---- */

static void test_entry_golden(void) {
    pqcha_tlog_entry_fields f = golden_fields();
    char *text = NULL;
    size_t len = 0;
    CHECK_OK(pqcha_tlog_entry_encode(&text, &len, &f));
    REQUIRE(text != NULL);
    CHECK_STR(text, golden_entry);
    CHECK(len == strlen(golden_entry));

    pqcha_tlog_entry *e = NULL;
    CHECK_OK(pqcha_tlog_entry_parse(&e, text, len));
    const pqcha_tlog_entry_fields *g = pqcha_tlog_entry_get(e);
    REQUIRE(g != NULL);
    CHECK(g->received_at == f.received_at);
    CHECK_STR(g->workload, "serving-1");
    CHECK_STR(g->report_id, "r-1");
    CHECK_STR(g->signer, HEXAA);
    CHECK(memcmp(g->envelope_sha256, f.envelope_sha256, H) == 0);
    CHECK(memcmp(g->policy_sha256, f.policy_sha256, H) == 0);
    CHECK(g->verdict == PQCHA_VERDICT_DRIFT);
    CHECK(g->error == PQCHA_ERR_MEMORY_DRIFT);
    /* What parses writes back to the same bytes. */
    char *again = NULL;
    size_t again_len = 0;
    CHECK_OK(pqcha_tlog_entry_encode(&again, &again_len, g));
    CHECK(again != NULL && again_len == len && memcmp(again, text, len) == 0);
    pqcha_free(again);
    pqcha_tlog_entry_free(e);
    pqcha_free(text);
    CHECK(pqcha_tlog_entry_get(NULL) == NULL);
    pqcha_tlog_entry_free(NULL);
}

static void test_entry_variants(void) {
    /* Empty report id and signer, every verdict, escapes and UTF-8 in ids. */
    const struct {
        pqcha_verdict verdict;
        pqcha_err error;
        const char *workload, *report_id, *signer;
    } cases[] = {
        {PQCHA_VERDICT_VALID, PQCHA_OK, "w", NULL, NULL},
        {PQCHA_VERDICT_REJECTED, PQCHA_ERR_UNTRUSTED_KEY, "a\"b\\c/d", "", ""},
        {PQCHA_VERDICT_MALFORMED, PQCHA_ERR_BAD_BASE64, "caf\xc3\xa9-\xe2\x80\xae", "id", HEXAA},
        {PQCHA_VERDICT_REJECTED, PQCHA_ERR_NONCE_USED, "w", "r", ""},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        pqcha_tlog_entry_fields f = golden_fields();
        f.verdict = cases[k].verdict;
        f.error = cases[k].error;
        f.workload = cases[k].workload;
        f.report_id = cases[k].report_id;
        f.signer = cases[k].signer;
        char *text = NULL;
        size_t len = 0;
        CHECK_OK(pqcha_tlog_entry_encode(&text, &len, &f));
        REQUIRE(text != NULL);
        pqcha_tlog_entry *e = NULL;
        CHECK_OK(pqcha_tlog_entry_parse(&e, text, len));
        const pqcha_tlog_entry_fields *g = pqcha_tlog_entry_get(e);
        REQUIRE(g != NULL);
        CHECK(g->verdict == f.verdict && g->error == f.error);
        CHECK_STR(g->workload, f.workload);
        CHECK_STR(g->report_id, f.report_id ? f.report_id : "");
        CHECK_STR(g->signer, f.signer ? f.signer : "");
        pqcha_tlog_entry_free(e);
        pqcha_free(text);
    }
    /* The longest entry fits its cap with room. */
    char longest[257];
    memset(longest, '"', 256);
    longest[256] = '\0';
    pqcha_tlog_entry_fields f = golden_fields();
    f.workload = longest;
    f.report_id = longest;
    char *text = NULL;
    size_t len = 0;
    CHECK_OK(pqcha_tlog_entry_encode(&text, &len, &f));
    CHECK(len < PQCHA_TLOG_ENTRY_MAX_LEN);
    CHECK_OK(parse_entry_text(text));
    pqcha_free(text);
}

static void test_entry_encode_rejections(void) {
    char *text = (char *)1;
    size_t len = 1;
    pqcha_tlog_entry_fields f = golden_fields();
    CHECK_ERR(pqcha_tlog_entry_encode(NULL, &len, &f), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_tlog_entry_encode(&text, NULL, &f), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_tlog_entry_encode(&text, &len, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(text == NULL && len == 0);
    f.verdict = (pqcha_verdict)7;
    CHECK_ERR(pqcha_tlog_entry_encode(&text, &len, &f), PQCHA_ERR_INVALID_ARGUMENT);
    f = golden_fields();
    f.error = (pqcha_err)7; /* a gap in the numbering */
    CHECK_ERR(pqcha_tlog_entry_encode(&text, &len, &f), PQCHA_ERR_INVALID_ARGUMENT);
    f.error = PQCHA_ERR_LAST_;
    CHECK_ERR(pqcha_tlog_entry_encode(&text, &len, &f), PQCHA_ERR_INVALID_ARGUMENT);
    f = golden_fields();
    f.workload = NULL;
    CHECK_ERR(pqcha_tlog_entry_encode(&text, &len, &f), PQCHA_ERR_INVALID_ARGUMENT);
    f.workload = "";
    CHECK_ERR(pqcha_tlog_entry_encode(&text, &len, &f), PQCHA_ERR_BAD_IDENTIFIER);
    f = golden_fields();
    f.report_id = "a\tb";
    CHECK_ERR(pqcha_tlog_entry_encode(&text, &len, &f), PQCHA_ERR_BAD_IDENTIFIER);
    f = golden_fields();
    f.signer = "ABCD";
    CHECK_ERR(pqcha_tlog_entry_encode(&text, &len, &f), PQCHA_ERR_BAD_HEX);
    f = golden_fields();
    f.received_at = -1;
    CHECK_ERR(pqcha_tlog_entry_encode(&text, &len, &f), PQCHA_ERR_OUT_OF_RANGE);
    f = golden_fields();
    f.verdict = PQCHA_VERDICT_VALID; /* with MEMORY_DRIFT */
    CHECK_ERR(pqcha_tlog_entry_encode(&text, &len, &f), PQCHA_ERR_INCONSISTENT_CLAIMS);
    f = golden_fields();
    f.error = PQCHA_OK; /* drift without an error */
    CHECK_ERR(pqcha_tlog_entry_encode(&text, &len, &f), PQCHA_ERR_INCONSISTENT_CLAIMS);
    CHECK(text == NULL && len == 0);
}

static void test_entry_parse_rejections(void) {
    const char *g = golden_entry;
    const struct {
        const char *text;
        pqcha_err want;
    } cases[] = {
        /* JSON */
        {"", PQCHA_ERR_JSON_SYNTAX},
        {"{\"v\":1", PQCHA_ERR_JSON_SYNTAX},
        {"[1]", PQCHA_ERR_WRONG_TYPE},
        {replaced(g, "\"v\":1", "\"v\":{}"), PQCHA_ERR_JSON_TOO_COMPLEX},
        {replaced(g, "\"v\":1", "\"v\":1,\"v\":1"), PQCHA_ERR_JSON_DUPLICATE_KEY},
        {replaced(g, "\"v\":1", "\"v\":1,\"extra\":1"), PQCHA_ERR_UNKNOWN_FIELD},
        {replaced(g, "\"v\":1,", ""), PQCHA_ERR_MISSING_FIELD},
        /* v */
        {replaced(g, "\"v\":1", "\"v\":2"), PQCHA_ERR_OUT_OF_RANGE},
        {replaced(g, "\"v\":1", "\"v\":-1"), PQCHA_ERR_OUT_OF_RANGE},
        {replaced(g, "\"v\":1", "\"v\":1.0"), PQCHA_ERR_WRONG_TYPE},
        {replaced(g, "\"v\":1", "\"v\":\"1\""), PQCHA_ERR_WRONG_TYPE},
        /* receivedAt */
        {replaced(g, "10:00:00Z", "10:00:00.5Z"), PQCHA_ERR_BAD_TIMESTAMP},
        {replaced(g, "10:00:00Z", "10:00:00"), PQCHA_ERR_TIMESTAMP_NO_ZONE},
        {replaced(g, "2026-12-01T", "2026-13-01T"), PQCHA_ERR_BAD_TIMESTAMP},
        {replaced(g, "\"2026-12-01T10:00:00Z\"", "0"), PQCHA_ERR_WRONG_TYPE},
        /* workload, reportId */
        {replaced(g, "\"serving-1\"", "\"\""), PQCHA_ERR_BAD_IDENTIFIER},
        {replaced(g, "\"serving-1\"", "\"a\\u0001b\""), PQCHA_ERR_BAD_IDENTIFIER},
        {replaced(g, "\"serving-1\"", "null"), PQCHA_ERR_WRONG_TYPE},
        {replaced(g, "\"r-1\"", "\"r\\n1\""), PQCHA_ERR_BAD_IDENTIFIER},
        /* hashes and signer */
        {replaced(g, "\"1111", "\"111"), PQCHA_ERR_BAD_HEX},
        {replaced(g, "\"1111", "\"A111"), PQCHA_ERR_BAD_HEX},
        {replaced(g, "\"aaaa", "\"aaa"), PQCHA_ERR_BAD_HEX},
        {replaced(g, "\"aaaa", "\"Aaaa"), PQCHA_ERR_BAD_HEX},
        {replaced(g, "\"2222", "\"222g"), PQCHA_ERR_BAD_HEX},
        /* verdict and error */
        {replaced(g, "\"drift\"", "\"Drift\""), PQCHA_ERR_BAD_IDENTIFIER},
        {replaced(g, "\"drift\"", "1"), PQCHA_ERR_WRONG_TYPE},
        {replaced(g, "MEMORY_DRIFT", "NO_SUCH_ERROR"), PQCHA_ERR_BAD_IDENTIFIER},
        {replaced(g, "MEMORY_DRIFT", "UNKNOWN"), PQCHA_ERR_BAD_IDENTIFIER},
        {replaced(g, "\"drift\"", "\"valid\""), PQCHA_ERR_INCONSISTENT_CLAIMS},
        {replaced(g, "MEMORY_DRIFT", "OK"), PQCHA_ERR_INCONSISTENT_CLAIMS},
        /* valid, but not the one spelling */
        {replaced(g, "\"v\":1,", "\"v\": 1,"), PQCHA_ERR_MALFORMED},
        {replaced(g, "}", "}\n"), PQCHA_ERR_MALFORMED},
        {replaced(g, "serving-1", "serving\\u002d1"), PQCHA_ERR_MALFORMED},
        {replaced(g, "serving-1", "serving\\/1"), PQCHA_ERR_MALFORMED},
        {replaced(replaced(g, "\"v\":1,", ""), "\"receivedAt\"", "\"v\":1,\"receivedAt\""),
         PQCHA_OK},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        pqcha_err got = parse_entry_text(cases[k].text);
        if (got != cases[k].want) fprintf(stderr, "  case %zu: %s\n", k, cases[k].text);
        CHECK_ERR(got, cases[k].want);
    }
    /* Another key order. */
    const char *moved = replaced(g, "\"v\":1,", "");
    char reordered[1024];
    snprintf(reordered, sizeof reordered, "{%s", moved + 1);
    snprintf(reordered + strlen(reordered) - 1, 16, ",\"v\":1}");
    CHECK_ERR(parse_entry_text(reordered), PQCHA_ERR_MALFORMED);
    /* Too large, before anything else. */
    char *big = malloc(PQCHA_TLOG_ENTRY_MAX_LEN + 2);
    REQUIRE(big != NULL);
    memset(big, ' ', PQCHA_TLOG_ENTRY_MAX_LEN + 1);
    big[PQCHA_TLOG_ENTRY_MAX_LEN + 1] = '\0';
    CHECK_ERR(parse_entry_text(big), PQCHA_ERR_TOO_LARGE);
    free(big);
    pqcha_tlog_entry *e = NULL;
    CHECK_ERR(pqcha_tlog_entry_parse(NULL, g, strlen(g)), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_tlog_entry_parse(&e, NULL, 0), PQCHA_ERR_INVALID_ARGUMENT);
    replaced_free_all();
}

/* ---- receipts ---- */

static const char checkpoint_note[] = "log.example/pqcha\n3\nAAAA\n\n\xe2\x80\x94 log sig\n";

static void test_receipt_round_trip(void) {
    uint8_t proof[3 * H];
    for (size_t i = 0; i < sizeof proof; i++)
        proof[i] = (uint8_t)i;
    const uint8_t entry[] = "an entry";
    char *text = NULL;
    size_t len = 0;
    CHECK_OK(pqcha_tlog_receipt_encode(&text, &len, 5, 8, entry, 8, proof, 3, checkpoint_note,
                                       strlen(checkpoint_note)));
    REQUIRE(text != NULL && strlen(text) == len);
    CHECK(strncmp(text,
                  "{\"index\":5,\"treeSize\":8,\"entry\":\"YW4gZW50cnk=\",\"inclusionProof\":[",
                  64) == 0);
    CHECK(strstr(text,
                 "\"checkpoint\":\"log.example/pqcha\\n3\\nAAAA\\n\\n\xe2\x80\x94 log sig\\n\"}") !=
          NULL);
    pqcha_tlog_receipt *r = NULL;
    CHECK_OK(pqcha_tlog_receipt_parse(&r, text, len));
    CHECK(pqcha_tlog_receipt_index(r) == 5 && pqcha_tlog_receipt_tree_size(r) == 8);
    size_t count = 0, n = 0;
    const uint8_t *p = pqcha_tlog_receipt_proof(r, &count);
    CHECK(count == 3 && p != NULL && memcmp(p, proof, sizeof proof) == 0);
    const uint8_t *got = pqcha_tlog_receipt_entry(r, &n);
    CHECK(got != NULL && n == 8 && memcmp(got, entry, 8) == 0);
    const char *cp = pqcha_tlog_receipt_checkpoint(r, &n);
    CHECK(cp != NULL && n == strlen(checkpoint_note));
    CHECK_STR(cp, checkpoint_note);
    pqcha_tlog_receipt_free(r);
    pqcha_free(text);

    /* A proof file: no entry, no checkpoint, any whitespace. */
    const char *bare = " {\n \"treeSize\" : 1 , \"index\" : 0 , \"inclusionProof\" : [ ] }\n";
    CHECK_OK(pqcha_tlog_receipt_parse(&r, bare, strlen(bare)));
    CHECK(pqcha_tlog_receipt_entry(r, &n) == NULL && n == 0);
    CHECK(pqcha_tlog_receipt_checkpoint(r, &n) == NULL && n == 0);
    CHECK(pqcha_tlog_receipt_proof(r, &count) == NULL && count == 0);
    pqcha_tlog_receipt_free(r);
    CHECK_OK(pqcha_tlog_receipt_encode(&text, &len, 0, 1, NULL, 0, NULL, 0, NULL, 0));
    CHECK_STR(text, "{\"index\":0,\"treeSize\":1,\"inclusionProof\":[]}");
    pqcha_free(text);
    /* An empty entry is an entry. */
    CHECK_OK(pqcha_tlog_receipt_encode(&text, &len, 0, 1, entry, 0, NULL, 0, NULL, 0));
    CHECK_STR(text, "{\"index\":0,\"treeSize\":1,\"entry\":\"\",\"inclusionProof\":[]}");
    CHECK_OK(pqcha_tlog_receipt_parse(&r, text, len));
    CHECK(pqcha_tlog_receipt_entry(r, &n) != NULL && n == 0);
    pqcha_tlog_receipt_free(r);
    pqcha_free(text);
    CHECK(pqcha_tlog_receipt_index(NULL) == 0 && pqcha_tlog_receipt_proof(NULL, &count) == NULL);
    pqcha_tlog_receipt_free(NULL);
}

/* The largest receipt the encoder writes parses back. */
static void test_receipt_caps(void) {
    uint8_t *entry = malloc(PQCHA_TLOG_MAX_ENTRY_LEN + 1);
    uint8_t proof[PQCHA_TLOG_MAX_PROOF_HASHES * H + H];
    char *note = malloc(PQCHA_TLOG_RECEIPT_MAX_NOTE + 2);
    REQUIRE(entry != NULL && note != NULL);
    memset(entry, 0xff, PQCHA_TLOG_MAX_ENTRY_LEN + 1);
    memset(proof, 0x5a, sizeof proof);
    memset(note, '"', PQCHA_TLOG_RECEIPT_MAX_NOTE + 1);
    note[PQCHA_TLOG_RECEIPT_MAX_NOTE + 1] = '\0';
    char *text = NULL;
    size_t len = 0;
    CHECK_OK(pqcha_tlog_receipt_encode(
        &text, &len, PQCHA_TLOG_MAX_SIZE - 1, PQCHA_TLOG_MAX_SIZE, entry, PQCHA_TLOG_MAX_ENTRY_LEN,
        proof, PQCHA_TLOG_MAX_PROOF_HASHES, note, PQCHA_TLOG_RECEIPT_MAX_NOTE));
    CHECK(len <= PQCHA_TLOG_FILE_MAX_LEN);
    pqcha_tlog_receipt *r = NULL;
    CHECK_OK(pqcha_tlog_receipt_parse(&r, text, len));
    CHECK(pqcha_tlog_receipt_index(r) == PQCHA_TLOG_MAX_SIZE - 1);
    pqcha_tlog_receipt_free(r);
    pqcha_free(text);
    CHECK_ERR(pqcha_tlog_receipt_encode(&text, &len, 0, 1, entry, PQCHA_TLOG_MAX_ENTRY_LEN + 1,
                                        NULL, 0, NULL, 0),
              PQCHA_ERR_TOO_LARGE);
    CHECK_ERR(pqcha_tlog_receipt_encode(&text, &len, 0, 1, NULL, 0, proof,
                                        PQCHA_TLOG_MAX_PROOF_HASHES + 1, NULL, 0),
              PQCHA_ERR_TOO_LARGE);
    CHECK_ERR(pqcha_tlog_receipt_encode(&text, &len, 0, 1, NULL, 0, NULL, 0, note,
                                        PQCHA_TLOG_RECEIPT_MAX_NOTE + 1),
              PQCHA_ERR_TOO_LARGE);
    CHECK_ERR(pqcha_tlog_receipt_encode(&text, &len, 0, 1, NULL, 0, NULL, 0, "a\tb\n", 4),
              PQCHA_ERR_LOG_TEXT);
    CHECK_ERR(pqcha_tlog_receipt_encode(&text, &len, 0, 1, NULL, 0, NULL, 0, "a\0b\n", 4),
              PQCHA_ERR_LOG_TEXT);
    CHECK_ERR(pqcha_tlog_receipt_encode(&text, &len, 1, 1, NULL, 0, NULL, 0, NULL, 0),
              PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(pqcha_tlog_receipt_encode(&text, &len, 0, PQCHA_TLOG_MAX_SIZE + 1, NULL, 0, NULL, 0,
                                        NULL, 0),
              PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(pqcha_tlog_receipt_encode(&text, &len, 0, 2, NULL, 0, NULL, 1, NULL, 0),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_tlog_receipt_encode(NULL, &len, 0, 1, NULL, 0, NULL, 0, NULL, 0),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(text == NULL && len == 0);
    free(entry);
    free(note);
}

#define B32 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

static void test_receipt_parse_rejections(void) {
    static const char base[] =
        "{\"index\":1,\"treeSize\":2,\"entry\":\"YQ==\",\"inclusionProof\":[\"" B32
        "\"],\"checkpoint\":\"x\\n\"}";
    CHECK_OK(parse_receipt_text(base));
    char many[80 * 48];
    strcpy(many, "{\"index\":1,\"treeSize\":2,\"inclusionProof\":[");
    for (int i = 0; i < PQCHA_TLOG_MAX_PROOF_HASHES + 1; i++)
        strcat(strcat(many, i ? ",\"" : "\""), B32 "\"");
    strcat(many, "]}");
    const struct {
        const char *text;
        pqcha_err want;
    } cases[] = {
        {"", PQCHA_ERR_JSON_SYNTAX},
        {"[]", PQCHA_ERR_WRONG_TYPE},
        {replaced(base, "\"index\":1", "\"index\":1,\"index\":1"), PQCHA_ERR_JSON_DUPLICATE_KEY},
        {replaced(base, "\"index\":1", "\"index\":1,\"size\":1"), PQCHA_ERR_UNKNOWN_FIELD},
        {replaced(base, "\"index\":1,", ""), PQCHA_ERR_MISSING_FIELD},
        {replaced(base, "\"treeSize\":2,", ""), PQCHA_ERR_MISSING_FIELD},
        {replaced(base, "\"index\":1", "\"index\":1.0"), PQCHA_ERR_WRONG_TYPE},
        {replaced(base, "\"index\":1", "\"index\":\"1\""), PQCHA_ERR_WRONG_TYPE},
        {replaced(base, "\"index\":1", "\"index\":-1"), PQCHA_ERR_OUT_OF_RANGE},
        {replaced(base, "\"index\":1", "\"index\":2"), PQCHA_ERR_OUT_OF_RANGE},
        {replaced(base, "\"treeSize\":2", "\"treeSize\":9223372036854775808"),
         PQCHA_ERR_OUT_OF_RANGE},
        {replaced(base, "\"treeSize\":2", "\"treeSize\":[2]"), PQCHA_ERR_WRONG_TYPE},
        {replaced(base, "[\"" B32 "\"]", "[[]]"), PQCHA_ERR_JSON_TOO_COMPLEX},
        {replaced(base, "[\"" B32 "\"]", "[1]"), PQCHA_ERR_WRONG_TYPE},
        {replaced(base, "[\"" B32 "\"]", "\"" B32 "\""), PQCHA_ERR_WRONG_TYPE},
        {replaced(base, "[\"" B32 "\"]", "[\"AAAA\"]"), PQCHA_ERR_LOG_PROOF_SIZE},
        {replaced(base, "[\"" B32 "\"]", "[\"" B32 "AAAA\"]"), PQCHA_ERR_LOG_PROOF_SIZE},
        {replaced(base, "[\"" B32 "\"]", "[\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=\"]"),
         PQCHA_ERR_BAD_BASE64},
        {many, PQCHA_ERR_TOO_LARGE},
        {replaced(base, "\"YQ==\"", "\"YQ\""), PQCHA_ERR_BAD_BASE64},
        {replaced(base, "\"YQ==\"", "null"), PQCHA_ERR_WRONG_TYPE},
        {replaced(base, "\"x\\n\"", "\"x\\tb\\n\""), PQCHA_ERR_LOG_TEXT},
        {replaced(base, "\"x\\n\"", "\"x\\r\\n\""), PQCHA_ERR_LOG_TEXT},
        {replaced(base, "\"x\\n\"", "{}"), PQCHA_ERR_WRONG_TYPE},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        pqcha_err got = parse_receipt_text(cases[k].text);
        if (got != cases[k].want) fprintf(stderr, "  case %zu: %s\n", k, cases[k].text);
        CHECK_ERR(got, cases[k].want);
    }
    /* Over the caps: the file, the entry, the checkpoint. */
    size_t cap = PQCHA_TLOG_FILE_MAX_LEN;
    char *big = malloc(cap + 200);
    REQUIRE(big != NULL);
    memset(big, ' ', cap + 1);
    big[cap + 1] = '\0';
    CHECK_ERR(parse_receipt_text(big), PQCHA_ERR_TOO_LARGE);
    /* 65 536 bytes of entry: 87 384 base64 characters */
    size_t at = (size_t)snprintf(big, cap,
                                 "{\"index\":0,\"treeSize\":1,\"inclusionProof\":[],\"entry\":\"");
    size_t b64 = (PQCHA_TLOG_MAX_ENTRY_LEN + 1 + 2) / 3 * 4;
    memset(big + at, 'A', b64);
    if ((PQCHA_TLOG_MAX_ENTRY_LEN + 1) % 3 == 1) memcpy(big + at + b64 - 2, "==", 2);
    if ((PQCHA_TLOG_MAX_ENTRY_LEN + 1) % 3 == 2) big[at + b64 - 1] = '=';
    strcpy(big + at + b64, "\"}");
    CHECK_ERR(parse_receipt_text(big), PQCHA_ERR_TOO_LARGE);
    at = (size_t)snprintf(big, cap,
                          "{\"index\":0,\"treeSize\":1,\"inclusionProof\":[],\"checkpoint\":\"");
    memset(big + at, 'x', PQCHA_TLOG_RECEIPT_MAX_NOTE + 1);
    strcpy(big + at + PQCHA_TLOG_RECEIPT_MAX_NOTE + 1, "\"}");
    CHECK_ERR(parse_receipt_text(big), PQCHA_ERR_TOO_LARGE);
    free(big);
    CHECK_ERR(pqcha_tlog_receipt_parse(NULL, base, strlen(base)), PQCHA_ERR_INVALID_ARGUMENT);
    pqcha_tlog_receipt *r = NULL;
    CHECK_ERR(pqcha_tlog_receipt_parse(&r, NULL, 0), PQCHA_ERR_INVALID_ARGUMENT);
    replaced_free_all();
}

/* ---- consistency proofs ---- */

static void test_consistency_files(void) {
    uint8_t proof[2 * H];
    memset(proof, 0x42, sizeof proof);
    char *text = NULL;
    size_t len = 0;
    CHECK_OK(pqcha_tlog_consistency_encode(&text, &len, 3, 7, proof, 2));
    REQUIRE(text != NULL);
    CHECK(strncmp(text, "{\"oldSize\":3,\"newSize\":7,\"consistencyProof\":[\"QkJC", 50) == 0);
    pqcha_tlog_consistency *c = NULL;
    CHECK_OK(pqcha_tlog_consistency_parse(&c, text, len));
    size_t count = 0;
    const uint8_t *p = pqcha_tlog_consistency_hashes(c, &count);
    CHECK(pqcha_tlog_consistency_old_size(c) == 3 && pqcha_tlog_consistency_new_size(c) == 7);
    CHECK(count == 2 && p != NULL && memcmp(p, proof, sizeof proof) == 0);
    pqcha_tlog_consistency_free(c);
    pqcha_free(text);
    CHECK_OK(pqcha_tlog_consistency_encode(&text, &len, 5, 5, NULL, 0));
    CHECK_STR(text, "{\"oldSize\":5,\"newSize\":5,\"consistencyProof\":[]}");
    pqcha_free(text);
    CHECK_ERR(pqcha_tlog_consistency_encode(&text, &len, 6, 5, NULL, 0), PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(pqcha_tlog_consistency_encode(&text, &len, 0, PQCHA_TLOG_MAX_SIZE + 1, NULL, 0),
              PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(pqcha_tlog_consistency_encode(&text, &len, 1, 2, proof, 65), PQCHA_ERR_TOO_LARGE);
    CHECK_ERR(pqcha_tlog_consistency_encode(&text, &len, 1, 2, NULL, 1),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(text == NULL && len == 0);

    static const char base[] = "{\"oldSize\":1,\"newSize\":2,\"consistencyProof\":[\"" B32 "\"]}";
    CHECK_OK(parse_consistency_text(base));
    const struct {
        const char *text;
        pqcha_err want;
    } cases[] = {
        {"{}", PQCHA_ERR_MISSING_FIELD},
        {replaced(base, "\"oldSize\":1", "\"oldSize\":3"), PQCHA_ERR_OUT_OF_RANGE},
        {replaced(base, "\"oldSize\":1", "\"oldSize\":1,\"index\":0"), PQCHA_ERR_UNKNOWN_FIELD},
        {replaced(base, "\"oldSize\":1", "\"oldSize\":1,\"oldSize\":1"),
         PQCHA_ERR_JSON_DUPLICATE_KEY},
        {replaced(base, "\"newSize\":2", "\"newSize\":2e0"), PQCHA_ERR_WRONG_TYPE},
        {replaced(base, "\"" B32 "\"", "\"AA==\""), PQCHA_ERR_LOG_PROOF_SIZE},
        {replaced(base, "\"" B32 "\"", "\"A===\""), PQCHA_ERR_BAD_BASE64},
        {replaced(base, "\"consistencyProof\"", "\"inclusionProof\""), PQCHA_ERR_UNKNOWN_FIELD},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        pqcha_err got = parse_consistency_text(cases[k].text);
        if (got != cases[k].want) fprintf(stderr, "  case %zu: %s\n", k, cases[k].text);
        CHECK_ERR(got, cases[k].want);
    }
    CHECK(pqcha_tlog_consistency_hashes(NULL, &count) == NULL && count == 0);
    pqcha_tlog_consistency_free(NULL);
    replaced_free_all();
}

/* ---- with a real tree ---- */

static void test_receipt_verifies(void) {
    tlog_fixture t;
    REQUIRE(tlog_fixture_build(&t, 13));
    uint8_t root[H], root7[H];
    CHECK_OK(pqcha_tlog_tree_root(root, 13, tlog_fixture_node, &t));
    CHECK_OK(pqcha_tlog_tree_root(root7, 7, tlog_fixture_node, &t));
    uint8_t *proof = NULL;
    size_t count = 0;
    CHECK_OK(pqcha_tlog_inclusion_proof(&proof, &count, 9, 13, tlog_fixture_node, &t));
    char entry[TLOG_FIXTURE_ENTRY_MAX];
    size_t entry_len = tlog_fixture_entry(entry, 9);
    char *text = NULL;
    size_t len = 0;
    CHECK_OK(pqcha_tlog_receipt_encode(&text, &len, 9, 13, (const uint8_t *)entry, entry_len, proof,
                                       count, NULL, 0));
    pqcha_free(proof);
    pqcha_tlog_receipt *r = NULL;
    CHECK_OK(pqcha_tlog_receipt_parse(&r, text, len));
    size_t n = 0, got_count = 0;
    const uint8_t *got = pqcha_tlog_receipt_entry(r, &n);
    uint8_t leaf[H];
    CHECK_OK(pqcha_tlog_leaf_hash(leaf, got, n));
    const uint8_t *p = pqcha_tlog_receipt_proof(r, &got_count);
    CHECK_OK(pqcha_tlog_verify_inclusion(leaf, pqcha_tlog_receipt_index(r),
                                         pqcha_tlog_receipt_tree_size(r), p, got_count, root));
    pqcha_tlog_receipt_free(r);
    pqcha_free(text);

    CHECK_OK(pqcha_tlog_consistency_proof(&proof, &count, 7, 13, tlog_fixture_node, &t));
    CHECK_OK(pqcha_tlog_consistency_encode(&text, &len, 7, 13, proof, count));
    pqcha_free(proof);
    pqcha_tlog_consistency *c = NULL;
    CHECK_OK(pqcha_tlog_consistency_parse(&c, text, len));
    p = pqcha_tlog_consistency_hashes(c, &got_count);
    CHECK_OK(pqcha_tlog_verify_consistency(7, root7, 13, root, p, got_count));
    pqcha_tlog_consistency_free(c);
    pqcha_free(text);
    tlog_fixture_free(&t);
}

/* ---- the fuzz target's seeds: <kind>-<valid|CODE>-<what> ---- */

static pqcha_err parse_seed(const char *kind, const uint8_t *text, size_t len) {
    const char *s = (const char *)text;
    pqcha_err err = PQCHA_ERR_INTERNAL;
    if (strcmp(kind, "entry") == 0) {
        pqcha_tlog_entry *e = NULL;
        err = pqcha_tlog_entry_parse(&e, s, len);
        pqcha_tlog_entry_free(e);
    } else if (strcmp(kind, "receipt") == 0) {
        pqcha_tlog_receipt *r = NULL;
        err = pqcha_tlog_receipt_parse(&r, s, len);
        pqcha_tlog_receipt_free(r);
    } else if (strcmp(kind, "consistency") == 0) {
        pqcha_tlog_consistency *c = NULL;
        err = pqcha_tlog_consistency_parse(&c, s, len);
        pqcha_tlog_consistency_free(c);
    }
    return err;
}

static void check_seed(const char *name, const uint8_t *text, size_t len, void *ctx) {
    char kind[32], outcome[64];
    if (sscanf(name, "%31[a-z]-%63[A-Z_a-z0-9]", kind, outcome) != 2) {
        fprintf(stderr, "  seed %s: not <kind>-<outcome>-<what>\n", name);
        CHECK_FAILED("seed name");
        return;
    }
    pqcha_err got = parse_seed(kind, text, len);
    const char *want = strcmp(outcome, "valid") == 0 ? "OK" : outcome;
    if (strcmp(pqcha_error_name(got), want) != 0) {
        fprintf(stderr, "  seed %s: %s, expected %s\n", name, pqcha_error_name(got), want);
        CHECK_FAILED("seed outcome");
    }
    (*(int *)ctx)++;
}

static void test_fuzz_seeds(void) {
    int checked = 0;
    CHECK(testutil_for_each_seed("tlog_files", check_seed, &checked) >= 10);
    CHECK(checked >= 10);
}

TEST_MAIN(TEST(test_entry_golden), TEST(test_entry_variants), TEST(test_entry_encode_rejections),
          TEST(test_entry_parse_rejections), TEST(test_receipt_round_trip), TEST(test_receipt_caps),
          TEST(test_receipt_parse_rejections), TEST(test_consistency_files),
          TEST(test_receipt_verifies), TEST(test_fuzz_seeds))
