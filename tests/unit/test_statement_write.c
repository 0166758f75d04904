/* test_statement_write.c — the direct Statement writer must produce exactly
 * the bytes of the tree encoder (jansson, compact, sorted keys): every
 * optional field present and absent, every byte class a string may hold,
 * the extreme numbers, each algorithm and evidence kind, a few hundred
 * pseudo-random reports, and the errors with their exact codes. Hand-written
 * expected fragments pin the escaping and key order on their own. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "core/report_internal.h"
#include "core/segments.h"
#include "core/statement_write.h"
#include "core/tensor.h"
#include "reference.h"
#include "report_fixture.h"
#include "testutil.h"

#define EXPECTED   X8("cccccccc")
#define TREE_SIZE  (3u * PQCHA_TREE_LEAF_SIZE + 5u) /* 4 leaves: level 0, 4 nodes */
#define MAX_SAFE   PQCHA_MAX_SAFE_INTEGER
#define CONTEXT    40
#define RAND_SEED  0x9e3779b97f4a7c15u
#define RAND_COUNT 300

/* Text every constructor accepts: quotes, backslash, '/', 2-, 3- and 4-byte
 * UTF-8 (the first and last of each length), U+2028 and U+2029. */
#define CLEAN_TEXT                                                                     \
    "q\"b\\s/\xc2\xa0\xc3\xa9\xdf\xbf\xe0\xa0\x80\xe2\x82\xac\xe2\x80\xa8\xe2\x80\xa9" \
    "\xef\xbf\xbf\xf0\x90\x80\x80\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf"

/* ---- comparing the two encoders ---- */

/* The encoder the writer is held to: the former tree encoder, kept as a
 * reference (tests/reference), since the library itself now encodes with
 * the writer. */
#define TREE_ENCODE reference_statement_encode

static void print_around(const char *label, const char *text, size_t len, size_t at) {
    size_t from = at > CONTEXT ? at - CONTEXT : 0;
    size_t to = len - at > CONTEXT ? at + CONTEXT : len;
    fprintf(stderr, "    %s: ...%.*s...\n", label, (int)(to - from), text + from);
}

/* Fails, naming the first differing byte, unless the two are equal. */
static void check_equal_bytes(const char *what, const char *old, size_t old_len, const char *new,
                              size_t new_len) {
    if (old_len == new_len && memcmp(old, new, old_len) == 0) return;
    size_t at = 0;
    while (at < old_len && at < new_len && old[at] == new[at])
        at++;
    fprintf(stderr, "  %s: outputs differ at byte %zu (lengths %zu and %zu)\n", what, at, old_len,
            new_len);
    print_around("tree  ", old, old_len, at);
    print_around("writer", new, new_len, at);
    CHECK_FAILED("the writer's bytes differ from the tree encoder's");
}

/* Both encoders accept rep and write the same bytes; returns the writer's
 * text for further checks (or NULL). */
static char *encode_both(const pqcha_report *rep, const char *what) {
    char *old = NULL, *new = NULL;
    size_t old_len = 0, new_len = 0;
    CHECK_OK(TREE_ENCODE(&old, &old_len, rep));
    CHECK_OK(pqcha__statement_write(&new, &new_len, rep));
    if (old != NULL && new != NULL) check_equal_bytes(what, old, old_len, new, new_len);
    CHECK(new == NULL || strlen(new) == new_len);
    free(old);
    return new;
}

static void check_same(const pqcha_report *rep, const char *what) {
    free(encode_both(rep, what));
}

/* The writer refuses rep with want, leaving no output. */
static void check_write_error(const pqcha_report *rep, pqcha_err want) {
    char *text = (char *)"unchanged";
    size_t len = 99;
    CHECK_ERR(pqcha__statement_write(&text, &len, rep), want);
    CHECK(text == NULL && len == 0);
}

/* Both encoders refuse rep with want. */
static void check_both_error(const pqcha_report *rep, pqcha_err want) {
    char *text = NULL;
    size_t len = 0;
    CHECK_ERR(TREE_ENCODE(&text, &len, rep), want);
    free(text);
    check_write_error(rep, want);
}

/* ---- building reports ---- */

typedef struct claim_spec {
    const char *id, *description;
    uint64_t address, size;
    pqcha_protection protection;
    pqcha_digest_alg alg;
    const uint8_t *digest; /* 32 bytes, or NULL for a fill byte */
    uint8_t fill;
    int64_t taken_at;
    const char *expected; /* expectedDigest, or NULL */
    const char *file;     /* the mapping, or NULL */
    uint64_t file_offset;
    int deleted;
} claim_spec;

static claim_spec plain_spec(const char *id) {
    claim_spec s = {.id = id,
                    .description = "",
                    .address = 0x1000,
                    .size = 64,
                    .protection = PQCHA_PROT_RO,
                    .alg = PQCHA_DIGEST_SHA3_256,
                    .fill = 0xaa,
                    .taken_at = ISSUED_AT};
    return s;
}

static pqcha_err add_spec(pqcha_report *rep, const claim_spec *s) {
    pqcha_region *region = NULL;
    PQCHA_TRY(
        pqcha_region_create(&region, s->id, s->description, s->address, s->size, s->protection));
    uint8_t digest[PQCHA_SHA3_256_LEN];
    memset(digest, s->fill, sizeof digest);
    pqcha_err err = PQCHA_OK;
    if (s->file != NULL) err = pqcha_region_set_mapping(region, s->file, s->file_offset);
    if (err == PQCHA_OK && s->deleted) err = pqcha_region_set_file_deleted(region, 1);
    if (err == PQCHA_OK)
        err = pqcha__report_add_claim(rep, region, s->alg, s->digest ? s->digest : digest,
                                      sizeof digest, s->taken_at, s->expected);
    pqcha_region_free(region);
    return err;
}

/* A sha3-256-tree claim over TREE_SIZE bytes with its real node digests,
 * mapped from a file. */
static pqcha_err add_tree_claim(pqcha_report *rep, int expected) {
    uint8_t *data = malloc(TREE_SIZE), digest[PQCHA_SHA3_256_LEN];
    if (data == NULL) return PQCHA_ERR_NO_MEMORY;
    for (size_t i = 0; i < TREE_SIZE; i++)
        data[i] = (uint8_t)(i * 7 + (i >> 13));
    pqcha_hasher *h = NULL;
    pqcha_err err = pqcha_hasher_create(&h, PQCHA_DIGEST_SHA3_256_TREE);
    if (err == PQCHA_OK) err = pqcha_hasher_expect_length(h, TREE_SIZE);
    if (err == PQCHA_OK) err = pqcha_hasher_update(h, data, TREE_SIZE);
    if (err == PQCHA_OK) err = pqcha_hasher_final(h, digest, sizeof digest);
    claim_spec s = {"weights/" CLEAN_TEXT,
                    "tree",
                    0x7f0000000000,
                    TREE_SIZE,
                    PQCHA_PROT_R,
                    PQCHA_DIGEST_SHA3_256_TREE,
                    digest,
                    0,
                    ISSUED_AT - 1,
                    expected ? EXPECTED : NULL,
                    "/models/w.bin",
                    8192,
                    0};
    if (err == PQCHA_OK) err = add_spec(rep, &s);
    if (err == PQCHA_OK)
        err = pqcha__report_set_claim_nodes(rep, rep->claim_count - 1, 0, pqcha_hasher_nodes(h),
                                            pqcha_hasher_node_count(h));
    pqcha_hasher_free(h);
    free(data);
    return err;
}

/* A sha3-256-segments claim: a gap, tensor `name`, a gap (made-up digests). */
static pqcha_err add_segments_claim(pqcha_report *rep, const char *name, int deleted) {
    pqcha__segment segs[3] = {
        {NULL, 4096, 100, {0}}, {(char *)(uintptr_t)name, 4196, 1000, {0}}, {NULL, 5196, 4, {0}}};
    for (int i = 0; i < 3; i++)
        memset(segs[i].digest, 0x11 * (i + 1), PQCHA_SHA3_256_LEN);
    uint8_t root[PQCHA_SHA3_256_LEN];
    PQCHA_TRY(pqcha__segments_root(segs, 3, 1104, root));
    claim_spec s = {"model.gguf",
                    CLEAN_TEXT,
                    0x7f0000003000,
                    1104,
                    PQCHA_PROT_R,
                    PQCHA_DIGEST_SHA3_256_SEGMENTS,
                    root,
                    0,
                    ISSUED_AT,
                    NULL,
                    "/models/" CLEAN_TEXT ".gguf",
                    4096,
                    deleted};
    PQCHA_TRY(add_spec(rep, &s));
    return pqcha__report_set_claim_segments(rep, rep->claim_count - 1, segs, 3);
}

enum { EVIDENCE_NONE, EVIDENCE_SNP, EVIDENCE_TDX, EVIDENCE_TINY, EVIDENCE_KINDS };

/* SEV-SNP with a certificate table, TDX without, and the shortest of each
 * (the lengths cover every base64 padding). */
static pqcha_err set_evidence(pqcha_report *rep, int kind) {
    static const uint8_t data[] = {0, 1, 2, 0xfb, 0xff, 0x3e, 0x3f, 0x80};
    static const uint8_t certs[] = {0xde, 0xad, 0xbe, 0xef, 0x00};
    if (kind == EVIDENCE_SNP)
        return pqcha__report_set_evidence(rep, PQCHA__PLATFORM_SNP, PQCHA__BINDING_KEY, data,
                                          sizeof data, certs, sizeof certs);
    if (kind == EVIDENCE_TDX)
        return pqcha__report_set_evidence(rep, PQCHA__PLATFORM_TDX, PQCHA__BINDING_REPORT, data, 7,
                                          NULL, 0);
    if (kind == EVIDENCE_TINY)
        return pqcha__report_set_evidence(rep, PQCHA__PLATFORM_SNP, PQCHA__BINDING_REPORT, data, 1,
                                          certs, 1);
    return PQCHA_OK;
}

/* ---- the cases ---- */

/* The golden statement of test_report.c, written by the writer alone. */
static void test_golden(void) {
    static const char golden[] =
        "{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicate\":{\"evidence\":[],"
        "\"expiresAt\":\"2026-11-28T03:35:55Z\",\"issuedAt\":\"2026-11-28T03:30:55Z\","
        "\"nonce\":\"" NONCE "\",\"platform\":\"file\",\"regions\":[{\"address\":\"0x1000\","
        "\"description\":\"Llama weights shard 0\",\"digestAlgorithm\":\"sha3-256\",\"id\":"
        "\"model-weights-0\",\"protection\":\"RO\",\"size\":128,\"takenAt\":"
        "\"2026-11-28T03:30:55Z\"},{\"address\":\"0x0\",\"description\":\"\",\"digestAlgorithm\":"
        "\"sha3-256\",\"expectedDigest\":\"" EXPECTED "\",\"id\":\"config\",\"protection\":"
        "\"RW\",\"size\":0,\"takenAt\":\"2026-11-28T03:30:50Z\"}],\"reportId\":\"" REPORT_ID
        "\",\"sequence\":7,\"signer\":{\"algorithm\":\"ML-DSA-65\",\"keyId\":\"" KEY_ID "\"},"
        "\"workloadId\":\"model-serving-1\"},\"predicateType\":"
        "\"https://pqcha.dev/attestation/memory/v1\",\"subject\":[{\"digest\":{\"sha3-256\":"
        "\"" X8("aaaaaaaa") "\"},\"name\":\"model-weights-0\"},{\"digest\":{\"sha3-256\":"
                            "\"" X8("bbbbbbbb") "\"},\"name\":\"config\"}]}";
    pqcha_report *rep = fixture_report_header();
    REQUIRE(rep != NULL);
    claim_spec a = plain_spec("model-weights-0");
    a.description = "Llama weights shard 0";
    a.size = 128;
    claim_spec b = plain_spec("config");
    b.address = 0;
    b.size = 0;
    b.protection = PQCHA_PROT_RW;
    b.fill = 0xbb;
    b.taken_at = ISSUED_AT - 5;
    b.expected = EXPECTED;
    CHECK_OK(add_spec(rep, &a));
    CHECK_OK(add_spec(rep, &b));
    char *text = encode_both(rep, "golden");
    CHECK_STR(text, golden);
    free(text);
    pqcha_report_free(rep);
}

/* Claims with each optional field, alone and together (claim_mask), and
 * each kind of evidence. */
static pqcha_report *optional_fields_report(unsigned claim_mask, int evidence) {
    pqcha_report *rep = fixture_report_header();
    if (rep == NULL) return NULL;
    claim_spec plain = plain_spec("plain"), expected = plain_spec("expected"),
               mapped = plain_spec("mapped"), deleted = plain_spec("deleted");
    expected.expected = EXPECTED;
    mapped.file = "/lib/x86_64-linux-gnu/libc.so.6";
    mapped.alg = PQCHA_DIGEST_K12;
    deleted.file = "/tmp/gone (deleted)";
    deleted.file_offset = 12288;
    deleted.deleted = 1;
    const claim_spec *specs[] = {&plain, &expected, &mapped, &deleted};
    pqcha_err err = set_evidence(rep, evidence);
    for (unsigned i = 0; err == PQCHA_OK && i < 4; i++)
        if (claim_mask & (1u << i)) err = add_spec(rep, specs[i]);
    if (err == PQCHA_OK && (claim_mask & 16u)) err = add_tree_claim(rep, 1);
    if (err == PQCHA_OK && (claim_mask & 32u)) err = add_tree_claim(rep, 0);
    if (err == PQCHA_OK && (claim_mask & 64u)) err = add_segments_claim(rep, "w", 1);
    if (err == PQCHA_OK && (claim_mask & 128u)) err = add_segments_claim(rep, CLEAN_TEXT, 0);
    if (err != PQCHA_OK) {
        pqcha_report_free(rep);
        return NULL;
    }
    return rep;
}

static void test_optional_fields(void) {
    static const unsigned masks[] = {0, 1, 2, 4, 8, 16, 32, 64, 128, 0x0f, 0xf0, 0xff, 0xa5};
    for (size_t m = 0; m < sizeof masks / sizeof masks[0]; m++) {
        for (int ev = 0; ev < EVIDENCE_KINDS; ev++) {
            pqcha_report *rep = optional_fields_report(masks[m], ev);
            CHECK(rep != NULL);
            if (rep == NULL) continue;
            char what[64];
            snprintf(what, sizeof what, "claims 0x%02x, evidence %d", masks[m], ev);
            check_same(rep, what);
            pqcha_report_free(rep);
        }
    }
}

/* The key order inside the optional objects, pinned by hand. */
static void test_optional_key_order(void) {
    pqcha_report *rep = optional_fields_report(0xff, EVIDENCE_SNP);
    REQUIRE(rep != NULL);
    char *text = encode_both(rep, "key order");
    REQUIRE(text != NULL);
    CHECK(strstr(text, "\"evidence\":[{\"binding\":\"key\",\"certificates\":\"3q2+7wA=\","
                       "\"data\":\"AAEC+/8+P4A=\",\"platform\":\"amd-sev-snp\"}],") != NULL);
    CHECK(strstr(text, "\"expectedDigest\":\"" EXPECTED "\",\"id\":\"expected\",") != NULL);
    CHECK(strstr(text, "\"id\":\"deleted\",\"mapping\":{\"deleted\":true,\"file\":\"/tmp/gone "
                       "(deleted)\",\"offset\":12288},\"protection\":\"RO\",") != NULL);
    CHECK(strstr(text, "\"mapping\":{\"file\":\"/models/w.bin\",\"offset\":8192},\"nodes\":{"
                       "\"digests\":[\"") != NULL);
    CHECK(strstr(text, "\"],\"level\":0},\"protection\":\"R\",\"size\":196613,") != NULL);
    CHECK(strstr(text, "\"protection\":\"R\",\"segments\":[{\"digest\":\"" X8(
                           "11111111") "\",\"offset\":4096,\"size\":100},{\"digest\":") != NULL);
    CHECK(strstr(text, "\"offset\":4196,\"size\":1000,\"tensor\":\"w\"},") != NULL);
    free(text);
    pqcha_report_free(rep);
    rep = optional_fields_report(1, EVIDENCE_TDX);
    REQUIRE(rep != NULL);
    text = encode_both(rep, "tdx");
    CHECK(text && strstr(text, "\"evidence\":[{\"binding\":\"report\",\"data\":\"AAEC+/8+Pw==\","
                               "\"platform\":\"intel-tdx\"}],") != NULL);
    free(text);
    pqcha_report_free(rep);
}

/* What the constructors let through: region text may not hold controls,
 * DEL or C1; tensor names and the report's own strings may. */
static void test_constructor_byte_rules(void) {
    pqcha_region *r = NULL;
    CHECK_ERR(pqcha_region_create(&r, "a\x01", "", 0, 1, PQCHA_PROT_R), PQCHA_ERR_BAD_IDENTIFIER);
    CHECK_ERR(pqcha_region_create(&r, "a", "\x7f", 0, 1, PQCHA_PROT_R), PQCHA_ERR_BAD_IDENTIFIER);
    CHECK_ERR(pqcha_region_create(&r, "a", "\xc2\x9b", 0, 1, PQCHA_PROT_R),
              PQCHA_ERR_BAD_IDENTIFIER);
    CHECK_OK(pqcha_region_create(&r, CLEAN_TEXT, CLEAN_TEXT, 0, 1, PQCHA_PROT_R));
    CHECK_ERR(pqcha_region_set_mapping(r, "/a\n", 0), PQCHA_ERR_BAD_IDENTIFIER);
    CHECK_OK(pqcha_region_set_mapping(r, "/" CLEAN_TEXT, 0));
    pqcha_region_free(r);
    CHECK_OK(pqcha__tensor_name_check("\x01\x1f\x7f\xc2\x85", 5));
}

/* Every byte 0x01..0x7f and the C1 controls: in a tensor name (segments)
 * and in the report's workload id and platform (set unchecked). */
static void test_every_byte_class(void) {
    char all[0x80 + 2 * 32 + sizeof CLEAN_TEXT];
    size_t n = 0;
    for (int c = 1; c < 0x80; c++)
        all[n++] = (char)c;
    for (int c = 0x80; c < 0xa0; c++) {
        all[n++] = (char)0xc2;
        all[n++] = (char)c;
    }
    memcpy(all + n, CLEAN_TEXT, sizeof CLEAN_TEXT);
    pqcha_report *rep = fixture_report_header();
    REQUIRE(rep != NULL);
    CHECK_OK(add_segments_claim(rep, all, 0));
    CHECK_OK(pqcha__report_set_string(&rep->workload_id, all));
    CHECK_OK(pqcha__report_set_string(&rep->platform, all + 0x60));
    char *text = encode_both(rep, "every byte");
    REQUIRE(text != NULL);
    CHECK(strstr(text, "\"\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000B\\f\\r"
                       "\\u000E\\u000F\\u0010") != NULL);
    CHECK(strstr(text, "\\u001E\\u001F !\\\"#$%&'()*+,-./0123456789") != NULL);
    CHECK(strstr(text, "XYZ[\\\\]^_`abc") != NULL);
    CHECK(strstr(text, "xyz{|}~\x7f\xc2\x80\xc2\x81") != NULL);
    CHECK(strstr(text,
                 "q\\\"b\\\\s/\xc2\xa0\xc3\xa9\xdf\xbf\xe0\xa0\x80\xe2\x82\xac\xe2\x80\xa8"
                 "\xe2\x80\xa9\xef\xbf\xbf\xf0\x90\x80\x80\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf") !=
          NULL);
    free(text);
    pqcha_report_free(rep);

    /* One byte class at a time, in each kind of string. */
    for (int c = 1; c < 0x80; c++) {
        char name[4] = {'t', (char)c, 'z', 0};
        rep = fixture_report_header();
        REQUIRE(rep != NULL);
        CHECK_OK(add_segments_claim(rep, name, c & 1));
        CHECK_OK(pqcha__report_set_string(&rep->nonce_hex, name));
        check_same(rep, "one byte");
        pqcha_report_free(rep);
    }
}

/* Region ids, descriptions and mapped paths with every character they may hold. */
static void test_region_text(void) {
    static const char *const texts[] = {
        "\"",       "\\", "/", "\\\"/\\\\//\"\"", "\xc3\xa9", "\xe2\x80\xa8", "\xf0\x9f\x98\x80",
        CLEAN_TEXT, " x "};
    pqcha_report *rep = fixture_report_header();
    REQUIRE(rep != NULL);
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        claim_spec s = plain_spec(texts[i]);
        s.description = texts[i];
        s.file = texts[i];
        s.deleted = (int)(i & 1);
        CHECK_OK(add_spec(rep, &s));
    }
    char *text = encode_both(rep, "region text");
    CHECK(text && strstr(text, "\"description\":\"\\\\\\\"/\\\\\\\\//\\\"\\\"\",") != NULL);
    CHECK(text && strstr(text, "\"name\":\"\xe2\x80\xa8\"}") != NULL);
    free(text);
    pqcha_report_free(rep);
}

/* Sequence, addresses, sizes, offsets and times at their limits. */
static void test_numbers(void) {
    static const uint64_t sequences[] = {0,         1, MAX_SAFE, INT64_MAX, (uint64_t)INT64_MAX + 1,
                                         UINT64_MAX};
    for (size_t i = 0; i < sizeof sequences / sizeof sequences[0]; i++) {
        pqcha_report *rep = fixture_report_header();
        REQUIRE(rep != NULL);
        rep->sequence = sequences[i];
        claim_spec s = plain_spec("r");
        CHECK_OK(add_spec(rep, &s));
        check_same(rep, "sequence");
        pqcha_report_free(rep);
    }
    static const struct {
        uint64_t address, size, file_offset;
    } extents[] = {{0, 0, 0},
                   {0, MAX_SAFE, MAX_SAFE},
                   {UINT64_MAX, 0, 1},
                   {UINT64_MAX, 1, 0},
                   {UINT64_MAX - 0xffff, 0x10000, 15},
                   {0x10, 16, 16},
                   {0xf, 1, 9},
                   {0x123456789abcdef0, 4096, 1u << 31}};
    pqcha_report *rep = fixture_report_header();
    REQUIRE(rep != NULL);
    for (size_t i = 0; i < sizeof extents / sizeof extents[0]; i++) {
        claim_spec s = plain_spec("r");
        s.address = extents[i].address;
        s.size = extents[i].size;
        s.file = "/f";
        s.file_offset = extents[i].file_offset;
        s.taken_at = (int64_t)i;
        CHECK_OK(add_spec(rep, &s));
    }
    rep->issued_at = rep->expires_at = PQCHA_MAX_UNIX_SECONDS;
    rep->sequence = MAX_SAFE;
    char *text = encode_both(rep, "extents");
    REQUIRE(text != NULL);
    CHECK(strstr(text, "{\"address\":\"0xffffffffffffffff\",") != NULL);
    CHECK(strstr(text, "\"address\":\"0x123456789abcdef0\"") != NULL);
    CHECK(strstr(text, "\"offset\":9007199254740991},\"protection\":\"RO\","
                       "\"size\":9007199254740991,\"takenAt\":\"1970-01-01T00:00:01Z\"}") != NULL);
    CHECK(strstr(text, "\"issuedAt\":\"9999-12-31T23:59:59Z\"") != NULL);
    CHECK(strstr(text, "\"sequence\":9007199254740991,") != NULL);
    free(text);
    pqcha_report_free(rep);
}

/* Every digest algorithm (segments even without segments: unchecked), every
 * signature algorithm. */
static void test_algorithms(void) {
    static const pqcha_digest_alg digests[] = {PQCHA_DIGEST_SHA3_256, PQCHA_DIGEST_SHA3_256_TREE,
                                               PQCHA_DIGEST_K12, PQCHA_DIGEST_SHA3_256_SEGMENTS};
    static const pqcha_sig_alg sigs[] = {PQCHA_ML_DSA_44, PQCHA_ML_DSA_65, PQCHA_ML_DSA_87};
    for (size_t s = 0; s < sizeof sigs / sizeof sigs[0]; s++) {
        pqcha_report *rep = fixture_report_header();
        REQUIRE(rep != NULL);
        rep->signer_alg = sigs[s];
        for (size_t d = 0; d < sizeof digests / sizeof digests[0]; d++) {
            claim_spec spec = plain_spec("r");
            spec.alg = digests[d];
            spec.fill = (uint8_t)(0x0f * d);
            CHECK_OK(add_spec(rep, &spec));
        }
        CHECK_OK(set_evidence(rep, (int)s));
        check_same(rep, "algorithms");
        pqcha_report_free(rep);
    }
}

/* ---- pseudo-random reports ---- */

static uint64_t rand_state;

static uint64_t next_rand(void) {
    rand_state ^= rand_state << 13;
    rand_state ^= rand_state >> 7;
    rand_state ^= rand_state << 17;
    return rand_state;
}

static size_t rand_below(size_t n) {
    return (size_t)(next_rand() % n);
}

static uint64_t rand_u64_upto(uint64_t max) {
    switch (next_rand() % 4) {
    case 0: return 0;
    case 1: return max;
    case 2: return next_rand() % 100000;
    default: return max == UINT64_MAX ? next_rand() : next_rand() % (max + 1);
    }
}

/* Pieces of text: the first CLEAN_PIECES are allowed in region text. */
static const char *const pieces[] = {"a",
                                     "Z",
                                     "0",
                                     "-",
                                     "_",
                                     " ",
                                     "\"",
                                     "\\",
                                     "/",
                                     ".",
                                     "~",
                                     "\xc2\xa0",
                                     "\xc3\xa9",
                                     "\xe2\x82\xac",
                                     "\xe2\x80\xa8",
                                     "\xef\xbf\xbf",
                                     "\xf0\x9f\x98\x80",
                                     "\xf4\x8f\xbf\xbf",
                                     "\x01",
                                     "\b",
                                     "\t",
                                     "\n",
                                     "\x0b",
                                     "\f",
                                     "\r",
                                     "\x1f",
                                     "\x7f",
                                     "\xc2\x80",
                                     "\xc2\x9f"};
#define CLEAN_PIECES 18u
#define PIECE_COUNT  (sizeof pieces / sizeof pieces[0])

/* 1..max_pieces random pieces (0.. when empty_ok) into buf (4 bytes each). */
static const char *rand_text(char *buf, size_t max_pieces, int clean, int empty_ok) {
    size_t count = rand_below(max_pieces) + (empty_ok ? 0 : 1), n = 0;
    for (size_t i = 0; i < count; i++) {
        const char *p = pieces[rand_below(clean ? CLEAN_PIECES : PIECE_COUNT)];
        memcpy(buf + n, p, strlen(p));
        n += strlen(p);
    }
    buf[n] = '\0';
    return buf;
}

static void rand_bytes(uint8_t *out, size_t n) {
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)next_rand();
}

/* Node digests stored as the attester stores its placeholders: unchecked,
 * the encoders only write them. */
static int rand_nodes(pqcha__claim *c) {
    size_t count = 1 + rand_below(6);
    c->nodes = malloc(count * sizeof c->nodes[0]);
    if (c->nodes == NULL) return 0;
    rand_bytes(c->nodes[0], count * sizeof c->nodes[0]);
    c->node_count = count;
    c->node_level = (unsigned)rand_below(4);
    return 1;
}

/* Segments with any tensor names (unchecked, as above). */
static int rand_segments(pqcha__claim *c) {
    size_t count = 1 + rand_below(5);
    c->segments = calloc(count, sizeof *c->segments);
    if (c->segments == NULL) return 0;
    c->segment_count = count;
    for (size_t i = 0; i < count; i++) {
        char name[4 * 16 + 1];
        c->segments[i].offset = rand_u64_upto(MAX_SAFE);
        c->segments[i].size = rand_u64_upto(MAX_SAFE);
        rand_bytes(c->segments[i].digest, PQCHA_SHA3_256_LEN);
        if (next_rand() % 2 &&
            (c->segments[i].tensor = pqcha__strdup(rand_text(name, 16, 0, 0))) == NULL)
            return 0;
    }
    return 1;
}

static pqcha_err add_rand_claim(pqcha_report *rep) {
    char id[4 * 12 + 1], description[4 * 24 + 1], file[4 * 24 + 2], expected[65];
    uint8_t digest[PQCHA_SHA3_256_LEN], expected_bytes[PQCHA_SHA3_256_LEN];
    static const pqcha_protection prots[] = {PQCHA_PROT_R, PQCHA_PROT_RO, PQCHA_PROT_RW,
                                             PQCHA_PROT_RX};
    rand_bytes(digest, sizeof digest);
    rand_bytes(expected_bytes, sizeof expected_bytes);
    pqcha_hex_encode(expected, expected_bytes, sizeof expected_bytes);
    claim_spec s = {rand_text(id, 12, 1, 0),
                    rand_text(description, 24, 1, 1),
                    0,
                    rand_u64_upto(MAX_SAFE),
                    prots[rand_below(4)],
                    (pqcha_digest_alg)(1 + rand_below(4)),
                    digest,
                    0,
                    (int64_t)rand_u64_upto((uint64_t)PQCHA_MAX_UNIX_SECONDS),
                    next_rand() % 2 ? expected : NULL,
                    NULL,
                    rand_u64_upto(MAX_SAFE),
                    0};
    s.address = rand_u64_upto(s.size == 0 ? UINT64_MAX : UINT64_MAX - (s.size - 1));
    if (next_rand() % 2) {
        file[0] = '/';
        s.file = rand_text(file + 1, 24, 1, 0) - 1;
        s.deleted = next_rand() % 2 == 0;
    }
    PQCHA_TRY(add_spec(rep, &s));
    pqcha__claim *c = &rep->claims[rep->claim_count - 1];
    if (next_rand() % 3 == 0 && !rand_nodes(c)) return PQCHA_ERR_NO_MEMORY;
    if (next_rand() % 3 == 0 && !rand_segments(c)) return PQCHA_ERR_NO_MEMORY;
    return PQCHA_OK;
}

static pqcha_err set_rand_evidence(pqcha_report *rep) {
    uint8_t data[300], certs[300];
    size_t len = 1 + rand_below(sizeof data), certs_len = rand_below(sizeof certs);
    rand_bytes(data, len);
    rand_bytes(certs, certs_len);
    return pqcha__report_set_evidence(rep,
                                      next_rand() % 2 ? PQCHA__PLATFORM_SNP : PQCHA__PLATFORM_TDX,
                                      next_rand() % 2 ? PQCHA__BINDING_KEY : PQCHA__BINDING_REPORT,
                                      data, len, certs_len ? certs : NULL, certs_len);
}

static pqcha_report *rand_report(void) {
    char workload[4 * 20 + 1], platform[4 * 8 + 1];
    static const pqcha_sig_alg sigs[] = {PQCHA_ML_DSA_44, PQCHA_ML_DSA_65, PQCHA_ML_DSA_87};
    pqcha_report *rep = fixture_report_header();
    if (rep == NULL) return NULL;
    pqcha_err err = pqcha__report_set_string(&rep->workload_id, rand_text(workload, 20, 0, 0));
    if (err == PQCHA_OK)
        err = pqcha__report_set_string(&rep->platform, rand_text(platform, 8, 0, 1));
    rep->signer_alg = sigs[rand_below(3)];
    rep->sequence = rand_u64_upto(UINT64_MAX);
    rep->issued_at = (int64_t)rand_u64_upto((uint64_t)PQCHA_MAX_UNIX_SECONDS);
    rep->expires_at = (int64_t)rand_u64_upto((uint64_t)PQCHA_MAX_UNIX_SECONDS);
    size_t claims = rand_below(12);
    for (size_t i = 0; err == PQCHA_OK && i < claims; i++)
        err = add_rand_claim(rep);
    if (err == PQCHA_OK && next_rand() % 2) err = set_rand_evidence(rep);
    if (err != PQCHA_OK) {
        pqcha_report_free(rep);
        return NULL;
    }
    return rep;
}

static void test_random_reports(void) {
    rand_state = RAND_SEED;
    for (int i = 0; i < RAND_COUNT; i++) {
        pqcha_report *rep = rand_report();
        CHECK(rep != NULL);
        if (rep == NULL) continue;
        char what[32];
        snprintf(what, sizeof what, "random report %d", i);
        check_same(rep, what);
        pqcha_report_free(rep);
    }
}

/* A valid report's output is a statement the strict decoder accepts, and
 * encodes again to the same bytes. */
static void test_round_trip(void) {
    pqcha_report *rep = optional_fields_report(0xff, EVIDENCE_SNP);
    REQUIRE(rep != NULL);
    char *text = NULL, *again = NULL;
    size_t len = 0, again_len = 0;
    CHECK_OK(pqcha__statement_write(&text, &len, rep));
    pqcha_report *decoded = NULL;
    if (text) CHECK_OK(pqcha__statement_decode(&decoded, (const uint8_t *)text, len));
    if (decoded) CHECK_OK(pqcha__statement_write(&again, &again_len, decoded));
    if (text && again) check_equal_bytes("round trip", text, len, again, again_len);
    free(text);
    free(again);
    pqcha_report_free(decoded);
    pqcha_report_free(rep);
}

/* ---- errors ---- */

static pqcha_report *two_claim_report(void) {
    pqcha_report *rep = fixture_report_header();
    claim_spec a = plain_spec("a"), b = plain_spec("b");
    if (rep != NULL && (add_spec(rep, &a) != PQCHA_OK || add_spec(rep, &b) != PQCHA_OK)) {
        pqcha_report_free(rep);
        return NULL;
    }
    return rep;
}

static void test_argument_errors(void) {
    pqcha_report *rep = two_claim_report();
    REQUIRE(rep != NULL);
    char *text = (char *)"unchanged";
    size_t len = 99;
    CHECK_ERR(pqcha__statement_write(NULL, &len, rep), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(len == 0);
    CHECK_ERR(pqcha__statement_write(&text, NULL, rep), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(text == NULL);
    check_write_error(NULL, PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha__statement_write(NULL, NULL, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    pqcha_report_free(rep);
}

/* The faults the tree encoder named, with its codes, and its order when a
 * report has two. */
static void test_shared_errors(void) {
    pqcha_report *rep = two_claim_report();
    REQUIRE(rep != NULL);
    rep->claims[1].digest_alg = (pqcha_digest_alg)99;
    check_both_error(rep, PQCHA_ERR_UNSUPPORTED_ALGORITHM);
    rep->claims[0].region.protection = (pqcha_protection)0;
    check_both_error(rep, PQCHA_ERR_BAD_PROTECTION); /* claim 0 comes first */
    rep->claims[1].digest_alg = PQCHA_DIGEST_SHA3_256;
    rep->claims[0].digest_alg = (pqcha_digest_alg)0;
    check_both_error(rep, PQCHA_ERR_UNSUPPORTED_ALGORITHM); /* a subject before its region */
    rep->claims[0].digest_alg = PQCHA_DIGEST_SHA3_256;
    rep->claims[0].region.protection = PQCHA_PROT_RX;
    check_same(rep, "repaired");

    static const int64_t bad_times[] = {-1, INT64_MIN, PQCHA_MAX_UNIX_SECONDS + 1, INT64_MAX};
    for (size_t i = 0; i < sizeof bad_times / sizeof bad_times[0]; i++) {
        rep->issued_at = bad_times[i];
        check_both_error(rep, PQCHA_ERR_OUT_OF_RANGE);
        rep->issued_at = ISSUED_AT;
        rep->expires_at = bad_times[i];
        check_both_error(rep, PQCHA_ERR_OUT_OF_RANGE);
        rep->expires_at = ISSUED_AT;
        rep->claims[1].taken_at = bad_times[i];
        check_both_error(rep, PQCHA_ERR_OUT_OF_RANGE);
        rep->claims[1].taken_at = ISSUED_AT;
    }
    check_same(rep, "repaired");
    pqcha_report_free(rep);
}

/* Faults the tree encoder reported as NO_MEMORY (jansson returned NULL for
 * a NULL or malformed string); the writer names them. */
static void test_named_errors(void) {
    pqcha_report *rep = two_claim_report();
    REQUIRE(rep != NULL);
    char *saved = rep->workload_id;
    rep->workload_id = NULL;
    check_write_error(rep, PQCHA_ERR_INVALID_ARGUMENT);
    rep->workload_id = saved;
    saved = rep->claims[1].region.description;
    rep->claims[1].region.description = NULL;
    check_write_error(rep, PQCHA_ERR_INVALID_ARGUMENT);
    rep->claims[1].region.description = saved;
    rep->signer_alg = (pqcha_sig_alg)0;
    check_write_error(rep, PQCHA_ERR_UNSUPPORTED_ALGORITHM);
    rep->signer_alg = PQCHA_ML_DSA_87;
    static const char *const malformed[] = {
        "\xff", "a\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "x\x80"};
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        CHECK_OK(pqcha__report_set_string(&rep->platform, malformed[i]));
        check_write_error(rep, PQCHA_ERR_BAD_IDENTIFIER);
    }
    CHECK_OK(pqcha__report_set_string(&rep->platform, "file"));
    CHECK_OK(set_evidence(rep, EVIDENCE_TDX));
    rep->evidence->binding = (pqcha__binding)0;
    check_write_error(rep, PQCHA_ERR_BAD_EVIDENCE);
    rep->evidence->binding = PQCHA__BINDING_KEY;
    check_same(rep, "repaired");
    pqcha_report_free(rep);
}

/* An empty report is the unchecked encoder's business to write. */
static void test_empty_report(void) {
    pqcha_report *rep = fixture_report_header();
    REQUIRE(rep != NULL);
    char *text = encode_both(rep, "empty");
    CHECK(text && strstr(text, "\"regions\":[],") && strstr(text, "\"subject\":[]}"));
    free(text);
    pqcha_report_free(rep);
}

TEST_MAIN(TEST(test_golden), TEST(test_optional_fields), TEST(test_optional_key_order),
          TEST(test_constructor_byte_rules), TEST(test_every_byte_class), TEST(test_region_text),
          TEST(test_numbers), TEST(test_algorithms), TEST(test_random_reports),
          TEST(test_round_trip), TEST(test_argument_errors), TEST(test_shared_errors),
          TEST(test_named_errors), TEST(test_empty_report))
