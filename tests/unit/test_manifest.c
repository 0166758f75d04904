/* test_manifest.c — the manifest model: the node-shape rule, encode -> parse
 * round trips, pqcha_manifest_add_file on real files, and every decoder
 * rejection with its exact code. */
#include <stdint.h>
#include <stdio.h>

#include "core/manifest.h"
#include "testutil.h"

#define LEAF    ((uint64_t)PQCHA_TREE_LEAF_SIZE)
#define HEX64_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HEX64_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static void shape(uint64_t size, unsigned want_level, size_t want_count) {
    unsigned level = 99;
    size_t count = 99;
    pqcha__tree_node_shape(size, &level, &count);
    if (level != want_level || count != want_count) {
        fprintf(stderr, "  size %llu: level %u count %zu, expected %u %zu\n",
                (unsigned long long)size, level, count, want_level, want_count);
        testutil_failures_in_test++;
    }
}

static void test_tree_node_shape(void) {
    shape(0, 0, 0);
    shape(1, 0, 0);
    shape(LEAF, 0, 0);
    shape(LEAF + 1, 0, 2);
    shape(3 * LEAF, 0, 3);
    shape(256 * LEAF, 0, 256);
    shape(256 * LEAF + 1, 1, 129);
    shape(257 * LEAF, 1, 129);
    shape(512 * LEAF, 1, 256);
    shape(512 * LEAF + 1, 2, 129);
    shape(UINT64_C(1) << 40, 16, 256);      /* 2^24 leaves */
    shape(PQCHA_MAX_SAFE_INTEGER, 29, 256); /* 2^37 leaves */
    shape(UINT64_MAX, 40, 256);             /* 2^48 leaves */
}

/* ---- a manifest built by hand ---- */

static char *dup(const char *s) {
    char *c = malloc(strlen(s) + 1);
    if (c) strcpy(c, s);
    return c;
}

/* Level-0 nodes (leaf digests, FORMAT.md 4.4) and the sha3-256-tree digest
 * of len bytes of a fixed pattern, computed here from the specification. */
static uint8_t pattern_byte(size_t i) {
    return (uint8_t)(i * 131u + 17u);
}

static void leaf_nodes(uint64_t len, uint8_t (*nodes)[32], size_t count, uint8_t digest[32]) {
    uint8_t *buf = malloc(1 + LEAF);
    if (!buf) exit(2);
    for (size_t i = 0; i < count; i++) {
        uint64_t start = i * LEAF, n = len - start < LEAF ? len - start : LEAF;
        buf[0] = 0x00;
        for (uint64_t j = 0; j < n; j++)
            buf[1 + j] = pattern_byte((size_t)(start + j));
        CHECK_OK(pqcha_sha3_256(nodes[i], buf, 1 + (size_t)n));
    }
    free(buf);
    uint8_t *data = malloc((size_t)len);
    if (!data) exit(2);
    for (uint64_t j = 0; j < len; j++)
        data[j] = pattern_byte((size_t)j);
    CHECK_OK(pqcha_digest(digest, 32, PQCHA_DIGEST_SHA3_256_TREE, data, (size_t)len, 1));
    free(data);
}

static void fill_gguf_file(pqcha__model_file *f) {
    memset(f, 0, sizeof *f);
    f->name = dup("model.gguf");
    f->format = dup("gguf");
    f->size = 3 * LEAF;
    pqcha__tree_node_shape(f->size, &f->node_level, &f->node_count);
    f->nodes = calloc(f->node_count, 32);
    if (!f->nodes) exit(2);
    leaf_nodes(f->size, f->nodes, f->node_count, f->digest);
    pqcha_hex_encode(f->digest_hex, f->digest, 32);
    f->tensor_count = 2;
    f->tensors = calloc(2, sizeof *f->tensors);
    if (!f->tensors) return;
    f->tensors[0].name = dup("blk.0.attn_q.weight");
    f->tensors[0].dtype = dup("Q8_0");
    f->tensors[0].ndims = 2;
    f->tensors[0].shape[0] = 64;
    f->tensors[0].shape[1] = 2;
    f->tensors[0].offset = 1024;
    f->tensors[0].size = 136;
    f->tensors[1].name = dup("output.weight");
    f->tensors[1].dtype = dup("F32");
    f->tensors[1].ndims = 1;
    f->tensors[1].shape[0] = 4;
    f->tensors[1].offset = 1184;
    f->tensors[1].size = 16;
}

static void test_round_trip(void) {
    pqcha_manifest *m = NULL;
    CHECK_OK(pqcha_manifest_create(&m));
    REQUIRE(m != NULL);
    m->files = calloc(2, sizeof *m->files);
    REQUIRE(m->files != NULL);
    m->cap = 2;
    fill_gguf_file(&m->files[0]);
    m->count = 1;
    pqcha__model_file *raw = &m->files[1];
    raw->name = dup("notes.bin");
    raw->format = dup("raw");
    raw->size = 5;
    memset(raw->digest, 0xbb, 32);
    m->count = 2;

    char *json = NULL;
    CHECK_OK(pqcha_manifest_to_json(&json, m));
    REQUIRE(json != NULL);
    CHECK(strstr(json, "\n  \"files\": [") != NULL); /* pretty, sorted keys */
    CHECK(strstr(json, "\"nodes\"") != NULL);
    pqcha_manifest *back = NULL;
    CHECK_OK(pqcha_manifest_parse(&back, json, strlen(json)));
    REQUIRE(back != NULL);
    CHECK(pqcha_manifest_file_count(back) == 2);
    CHECK_STR(pqcha_manifest_file_name(back, 0), "model.gguf");
    CHECK_STR(pqcha_manifest_file_format(back, 0), "gguf");
    CHECK(pqcha_manifest_file_size(back, 0) == 3 * LEAF);
    CHECK_STR(pqcha_manifest_file_digest_hex(back, 0), m->files[0].digest_hex);
    CHECK(pqcha_manifest_tensor_count(back, 0) == 2);
    CHECK_STR(pqcha_manifest_tensor_name(back, 0, 1), "output.weight");
    CHECK_STR(pqcha_manifest_tensor_dtype(back, 0, 0), "Q8_0");
    CHECK(pqcha_manifest_tensor_offset(back, 0, 1) == 1184);
    CHECK(pqcha_manifest_tensor_size(back, 0, 0) == 136);
    CHECK(back->files[0].node_count == 3 && back->files[0].node_level == 0);
    CHECK(back->files[0].nodes && memcmp(back->files[0].nodes, m->files[0].nodes, 3 * 32) == 0);
    CHECK(back->files[0].tensors[0].ndims == 2 && back->files[0].tensors[0].shape[1] == 2);
    CHECK_STR(pqcha_manifest_file_format(back, 1), "raw");
    CHECK_STR(pqcha_manifest_file_digest_hex(back, 1), HEX64_B);
    CHECK(pqcha_manifest_tensor_count(back, 1) == 0);
    /* out of range accessors */
    CHECK(pqcha_manifest_file_name(back, 2) == NULL);
    CHECK(pqcha_manifest_tensor_name(back, 0, 2) == NULL);
    CHECK(pqcha_manifest_file_count(NULL) == 0);

    /* the same text again: encoding is deterministic */
    char *again = NULL;
    CHECK_OK(pqcha_manifest_to_json(&again, back));
    CHECK(again && strcmp(again, json) == 0);

    /* copy is deep */
    pqcha__model_file copy;
    CHECK_OK(pqcha__model_file_copy(&copy, &back->files[0]));
    CHECK(copy.name != back->files[0].name && strcmp(copy.name, "model.gguf") == 0);
    CHECK(copy.tensors != back->files[0].tensors && copy.tensor_count == 2);
    CHECK(copy.nodes != back->files[0].nodes && copy.node_count == 3);
    CHECK_STR(copy.digest_hex, m->files[0].digest_hex);
    pqcha__model_file_clear(&copy);

    pqcha_free(again);
    pqcha_free(json);
    pqcha_manifest_free(back);
    pqcha_manifest_free(m);
}

static void test_encoder_refuses_invalid(void) {
    pqcha__model_file f;
    json_t *obj = NULL;
    fill_gguf_file(&f);
    f.tensors[1].size = 17; /* disagrees with F32[4] */
    CHECK_ERR(pqcha__model_file_encode(&obj, &f), PQCHA_ERR_INCONSISTENT_CLAIMS);
    f.tensors[1].size = 16;
    f.node_count = 2;
    CHECK_ERR(pqcha__model_file_encode(&obj, &f), PQCHA_ERR_INCONSISTENT_CLAIMS);
    f.node_count = 3;
    f.nodes[1][0] ^= 1; /* nodes that do not reproduce the digest */
    CHECK_ERR(pqcha__model_file_encode(&obj, &f), PQCHA_ERR_INCONSISTENT_CLAIMS);
    f.nodes[1][0] ^= 1;
    CHECK_OK(pqcha__model_file_encode(&obj, &f));
    json_decref(obj);
    pqcha__model_file_clear(&f);
    CHECK(f.name == NULL && f.tensors == NULL);
}

/* ---- decoding ---- */

static pqcha_err parse(const char *json) {
    pqcha_manifest *m = NULL;
    pqcha_err err = pqcha_manifest_parse(&m, json, strlen(json));
    if (err != PQCHA_OK && m != NULL) err = PQCHA_ERR_INTERNAL;
    pqcha_manifest_free(m);
    return err;
}

/* A valid manifest with one entry whose fields are the arguments. */
static pqcha_err parse_entry(const char *fields) {
    char json[4096];
    snprintf(json, sizeof json, "{\"version\": 1, \"files\": [{%s}]}", fields);
    return parse(json);
}

#define RAW_OK                                                                                \
    "\"name\": \"a.bin\", \"format\": \"raw\", \"size\": 5, \"digest\": {\"sha3-256-tree\": " \
    "\"" HEX64_A "\"}"
#define GG(tensors)                                                                                \
    "\"name\": \"m.gguf\", \"format\": \"gguf\", \"size\": 4096, \"digest\": {\"sha3-256-tree\": " \
    "\"" HEX64_A "\"}, \"tensors\": [" tensors "]"
#define T(name, dtype, shape, offset, size)                                                        \
    "{\"name\": \"" name "\", \"dtype\": \"" dtype "\", \"shape\": " shape ", \"offset\": " offset \
    ", \"size\": " size "}"

static void test_decode_top_level(void) {
    CHECK_OK(parse("{\"version\": 1, \"files\": []}"));
    CHECK_OK(parse_entry(RAW_OK));
    CHECK_ERR(parse("{\"version\": 1, \"files\": []"), PQCHA_ERR_JSON_SYNTAX);
    CHECK_ERR(parse("[]"), PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(parse("{\"version\": 1, \"version\": 1, \"files\": []}"),
              PQCHA_ERR_JSON_DUPLICATE_KEY);
    CHECK_ERR(parse("{\"version\": 2, \"files\": [], \"future\": 1}"), PQCHA_ERR_MALFORMED);
    CHECK_ERR(parse("{\"files\": []}"), PQCHA_ERR_MISSING_FIELD);
    CHECK_ERR(parse("{\"version\": 1}"), PQCHA_ERR_MISSING_FIELD);
    CHECK_ERR(parse("{\"version\": 1, \"files\": [], \"x\": 0}"), PQCHA_ERR_UNKNOWN_FIELD);
    CHECK_ERR(parse("{\"version\": \"1\", \"files\": []}"), PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(parse("{\"version\": 1, \"files\": {}}"), PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(parse("{\"version\": 1, \"files\": [1]}"), PQCHA_ERR_WRONG_TYPE);
    /* two entries of one name */
    CHECK_ERR(parse("{\"version\": 1, \"files\": [{" RAW_OK "}, {" RAW_OK "}]}"),
              PQCHA_ERR_MALFORMED);
    /* above the file cap */
    size_t n = PQCHA_MAX_MANIFEST_FILES + 1;
    char *big = malloc(64 + 2 * n);
    REQUIRE(big != NULL);
    strcpy(big, "{\"version\": 1, \"files\": [");
    for (size_t i = 0; i < n; i++)
        strcat(big, i ? ",0" : "0");
    strcat(big, "]}");
    CHECK_ERR(parse(big), PQCHA_ERR_TOO_LARGE);
    free(big);
    pqcha_manifest *m = NULL;
    CHECK_ERR(pqcha_manifest_parse(&m, "{}", (size_t)PQCHA_MAX_MANIFEST_LEN + 1),
              PQCHA_ERR_TOO_LARGE);
    CHECK_ERR(pqcha_manifest_parse(NULL, "{}", 2), PQCHA_ERR_INVALID_ARGUMENT);
}

static void test_decode_file_fields(void) {
    CHECK_ERR(parse_entry(RAW_OK ", \"x\": 1"), PQCHA_ERR_UNKNOWN_FIELD);
    CHECK_ERR(parse_entry("\"name\": \"a\", \"format\": \"raw\", \"size\": 5"),
              PQCHA_ERR_MISSING_FIELD);
    const char *names[] = {"\"\"", "\"a/b\"", "\".\"", "\"..\"", "\"a\\u0001\""};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char fields[512];
        snprintf(fields, sizeof fields,
                 "\"name\": %s, \"format\": \"raw\", \"size\": 5, \"digest\": {\"sha3-256-tree\": "
                 "\"" HEX64_A "\"}",
                 names[i]);
        CHECK_ERR(parse_entry(fields), PQCHA_ERR_BAD_IDENTIFIER);
    }
    CHECK_ERR(parse_entry("\"name\": \"a\", \"format\": \"onnx\", \"size\": 5, \"digest\": "
                          "{\"sha3-256-tree\": \"" HEX64_A "\"}"),
              PQCHA_ERR_MALFORMED);
    CHECK_ERR(parse_entry("\"name\": \"a\", \"format\": \"raw\", \"size\": -1, \"digest\": "
                          "{\"sha3-256-tree\": \"" HEX64_A "\"}"),
              PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(parse_entry("\"name\": \"a\", \"format\": \"raw\", \"size\": 9007199254740992, "
                          "\"digest\": {\"sha3-256-tree\": \"" HEX64_A "\"}"),
              PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(parse_entry("\"name\": \"a\", \"format\": \"raw\", \"size\": 5.0, \"digest\": "
                          "{\"sha3-256-tree\": \"" HEX64_A "\"}"),
              PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(parse_entry("\"name\": \"a\", \"format\": \"raw\", \"size\": 5, \"digest\": "
                          "{\"sha3-256-tree\": \"" HEX64_A "\", \"k12\": \"" HEX64_A "\"}"),
              PQCHA_ERR_UNKNOWN_FIELD);
    CHECK_ERR(parse_entry("\"name\": \"a\", \"format\": \"raw\", \"size\": 5, \"digest\": "
                          "{\"sha3-256\": \"" HEX64_A "\"}"),
              PQCHA_ERR_UNKNOWN_FIELD);
    CHECK_ERR(parse_entry("\"name\": \"a\", \"format\": \"raw\", \"size\": 5, \"digest\": "
                          "{\"sha3-256-tree\": \"AA" HEX64_A "\"}"),
              PQCHA_ERR_BAD_HEX);
    CHECK_ERR(parse_entry("\"name\": \"a\", \"format\": \"raw\", \"size\": 5, \"digest\": "
                          "{\"sha3-256-tree\": \"A" HEX64_A "\"}"),
              PQCHA_ERR_BAD_HEX);
    CHECK_ERR(parse_entry(RAW_OK ", \"tensors\": []"), PQCHA_ERR_MALFORMED);
    CHECK_ERR(parse_entry("\"name\": \"m\", \"format\": \"gguf\", \"size\": 5, \"digest\": "
                          "{\"sha3-256-tree\": \"" HEX64_A "\"}"),
              PQCHA_ERR_MISSING_FIELD);
}

static void test_decode_nodes(void) {
    uint8_t nodes[2][32], digest[32];
    char n0[65], n1[65], dhex[65], big[512], nodes2[512];
    leaf_nodes(LEAF + 1, nodes, 2, digest);
    pqcha_hex_encode(n0, nodes[0], 32);
    pqcha_hex_encode(n1, nodes[1], 32);
    pqcha_hex_encode(dhex, digest, 32);
    snprintf(big, sizeof big,
             "\"name\": \"a\", \"format\": \"raw\", \"size\": 65537, "
             "\"digest\": {\"sha3-256-tree\": \"%s\"}",
             dhex);
    snprintf(nodes2, sizeof nodes2, "\"nodes\": {\"level\": 0, \"digests\": [\"%s\", \"%s\"]}", n0,
             n1);
    char fields[2048];
    snprintf(fields, sizeof fields, "%s, %s", big, nodes2);
    CHECK_OK(parse_entry(fields));
    /* swapped nodes do not reproduce the digest */
    snprintf(fields, sizeof fields, "%s, \"nodes\": {\"level\": 0, \"digests\": [\"%s\", \"%s\"]}",
             big, n1, n0);
    CHECK_ERR(parse_entry(fields), PQCHA_ERR_INCONSISTENT_CLAIMS);
    /* absent nodes are accepted (a producer that records none) */
    CHECK_OK(parse_entry(big));
    /* a single leaf has no nodes */
    snprintf(fields, sizeof fields, "%s, %s", RAW_OK, nodes2);
    CHECK_ERR(parse_entry(fields), PQCHA_ERR_INCONSISTENT_CLAIMS);
    snprintf(fields, sizeof fields,
             "%s, \"nodes\": {\"level\": 1, \"digests\": [\"" HEX64_A "\", \"" HEX64_B "\"]}", big);
    CHECK_ERR(parse_entry(fields), PQCHA_ERR_INCONSISTENT_CLAIMS);
    snprintf(fields, sizeof fields, "%s, \"nodes\": {\"level\": 0, \"digests\": [\"" HEX64_A "\"]}",
             big);
    CHECK_ERR(parse_entry(fields), PQCHA_ERR_INCONSISTENT_CLAIMS);
    snprintf(fields, sizeof fields, "%s, \"nodes\": {\"level\": 0, \"digests\": []}", big);
    CHECK_ERR(parse_entry(fields), PQCHA_ERR_INCONSISTENT_CLAIMS);
    snprintf(fields, sizeof fields,
             "%s, \"nodes\": {\"level\": 0, \"digests\": [\"" HEX64_A "\", 1]}", big);
    CHECK_ERR(parse_entry(fields), PQCHA_ERR_WRONG_TYPE);
    snprintf(fields, sizeof fields,
             "%s, \"nodes\": {\"level\": 0, \"digests\": [\"" HEX64_A "\", \"ab\"]}", big);
    CHECK_ERR(parse_entry(fields), PQCHA_ERR_BAD_HEX);
    snprintf(fields, sizeof fields, "%s, \"nodes\": {\"level\": 0}", big);
    CHECK_ERR(parse_entry(fields), PQCHA_ERR_MISSING_FIELD);
    snprintf(fields, sizeof fields, "%s, \"nodes\": {\"level\": 0, \"digests\": [], \"x\": 1}",
             big);
    CHECK_ERR(parse_entry(fields), PQCHA_ERR_UNKNOWN_FIELD);
    snprintf(fields, sizeof fields, "%s, \"nodes\": []", big);
    CHECK_ERR(parse_entry(fields), PQCHA_ERR_WRONG_TYPE);
    /* more digests than any file has nodes */
    char *many = malloc(257 * 3 + 256);
    REQUIRE(many != NULL);
    strcpy(many, "\"name\": \"a\", \"format\": \"raw\", \"size\": 65537, \"digest\": "
                 "{\"sha3-256-tree\": \"" HEX64_A "\"}, \"nodes\": {\"level\": 0, \"digests\": [");
    for (int i = 0; i < 257; i++)
        strcat(many, i ? ",0" : "0");
    strcat(many, "]}");
    char *json = malloc(strlen(many) + 64);
    REQUIRE(json != NULL);
    sprintf(json, "{\"version\": 1, \"files\": [{%s}]}", many);
    CHECK_ERR(parse(json), PQCHA_ERR_TOO_LARGE);
    free(json);
    free(many);
}

static void test_decode_tensors(void) {
    CHECK_OK(parse_entry(
        GG(T("a", "F32", "[4]", "1024", "16") ", " T("b", "Q8_0", "[64, 2]", "1040", "136"))));
    CHECK_OK(parse_entry(GG("")));
    CHECK_ERR(
        parse_entry(GG(T("a", "F32", "[4]", "1024", "16") ", " T("a", "F32", "[4]", "2048", "16"))),
        PQCHA_ERR_MALFORMED); /* duplicate name */
    CHECK_ERR(
        parse_entry(GG(T("a", "F32", "[4]", "1024", "16") ", " T("b", "F32", "[4]", "1032", "16"))),
        PQCHA_ERR_MALFORMED); /* overlap */
    CHECK_ERR(
        parse_entry(GG(T("a", "F32", "[4]", "2048", "16") ", " T("b", "F32", "[4]", "1024", "16"))),
        PQCHA_ERR_MALFORMED); /* out of order */
    CHECK_ERR(parse_entry(GG(T("a", "F32", "[4]", "4090", "16"))), PQCHA_ERR_INCONSISTENT_CLAIMS);
    CHECK_ERR(parse_entry(GG(T("a", "F32", "[4]", "1024", "17"))), PQCHA_ERR_INCONSISTENT_CLAIMS);
    CHECK_ERR(parse_entry(GG(T("a", "Q4_2", "[32]", "1024", "16"))),
              PQCHA_ERR_UNSUPPORTED_ALGORITHM);
    CHECK_ERR(parse_entry(GG(T("a", "F8_E4M3", "[4]", "1024", "4"))),
              PQCHA_ERR_UNSUPPORTED_ALGORITHM);
    CHECK_ERR(parse_entry(GG(T("a", "F32", "[1, 1, 1, 1, 4]", "1024", "16"))), PQCHA_ERR_MALFORMED);
    CHECK_ERR(parse_entry(GG(T("a", "F32", "[]", "1024", "4"))), PQCHA_ERR_MALFORMED);
    CHECK_ERR(parse_entry(GG(T("a", "F32", "[1, 1, 1, 1, 1, 1, 1, 1, 4]", "1024", "16"))),
              PQCHA_ERR_TOO_LARGE);
    CHECK_ERR(parse_entry(GG(T("a", "Q8_0", "[33]", "1024", "34"))), PQCHA_ERR_MALFORMED);
    CHECK_ERR(parse_entry(GG(T("", "F32", "[4]", "1024", "16"))), PQCHA_ERR_BAD_IDENTIFIER);
    CHECK_ERR(parse_entry(GG(T("a", "F32", "[4]", "\"1024\"", "16"))), PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(parse_entry(GG(T("a", "F32", "[-4]", "1024", "16"))), PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(
        parse_entry(GG("{\"name\": \"a\", \"dtype\": \"F32\", \"shape\": [4], \"offset\": 0}")),
        PQCHA_ERR_MISSING_FIELD);
    CHECK_ERR(parse_entry(GG("{\"name\": \"a\", \"dtype\": \"F32\", \"shape\": [4], \"offset\": 0, "
                             "\"size\": 16, \"x\": 0}")),
              PQCHA_ERR_UNKNOWN_FIELD);
    CHECK_ERR(parse_entry(GG("[]")), PQCHA_ERR_WRONG_TYPE);
    /* safetensors rules for safetensors files */
    CHECK_OK(parse_entry("\"name\": \"m.safetensors\", \"format\": \"safetensors\", \"size\": 100, "
                         "\"digest\": {\"sha3-256-tree\": \"" HEX64_A
                         "\"}, \"tensors\": [" T("s", "I64", "[]", "80", "8") ", " T(
                             "t", "F8_E4M3", "[2, 2, 1, 1, 1, 1, 1, 3]", "88", "12") "]"));
    CHECK_ERR(parse_entry("\"name\": \"m.safetensors\", \"format\": \"safetensors\", \"size\": "
                          "100, \"digest\": {\"sha3-256-tree\": \"" HEX64_A
                          "\"}, \"tensors\": [" T("q", "Q8_0", "[32]", "80", "34") "]"),
              PQCHA_ERR_UNSUPPORTED_ALGORITHM);
}

/* Tensor digests and gaps: all tensors or none carry a digest, exactly when
 * "gaps" is present, and the gaps are the bytes outside tensors. */
#define D "\"digest\": {\"sha3-256-tree\": \"" HEX64_B "\"}"
#define TD(name, offset, size)                                                               \
    "{\"name\": \"" name "\", \"dtype\": \"I8\", \"shape\": [" size "], \"offset\": " offset \
    ", \"size\": " size ", " D "}"
#define GAP(offset, size)  "{\"offset\": " offset ", \"size\": " size ", " D "}"
#define GGD(tensors, gaps) GG(tensors) ", \"gaps\": [" gaps "]"

static void test_decode_tensor_digests(void) {
    CHECK_OK(parse_entry(GGD(TD("a", "1024", "16") ", " TD("b", "1056", "8"),
                             GAP("0", "1024") ", " GAP("1040", "16") ", " GAP("1064", "3032"))));
    CHECK_OK(parse_entry(GGD("", GAP("0", "4096"))));
    CHECK_ERR(parse_entry(GGD(TD("a", "1024", "16"), GAP("0", "1024"))),
              PQCHA_ERR_INCONSISTENT_CLAIMS); /* the tail after a is missing */
    CHECK_ERR(parse_entry(GGD(TD("a", "1024", "16"), GAP("0", "1024") ", " GAP("1040", "3055"))),
              PQCHA_ERR_INCONSISTENT_CLAIMS);
    CHECK_ERR(parse_entry(GGD(TD("a", "1024", "16"),
                              GAP("0", "1024") ", " GAP("1040", "3056") ", " GAP("4096", "1"))),
              PQCHA_ERR_INCONSISTENT_CLAIMS);
    CHECK_ERR(parse_entry(GGD(TD("a", "0", "16"), GAP("0", "16") ", " GAP("16", "4080"))),
              PQCHA_ERR_INCONSISTENT_CLAIMS); /* a gap over a tensor */
    CHECK_ERR(parse_entry(GGD(TD("a", "1024", "16") ", " T("b", "I8", "[8]", "1056", "8"),
                              GAP("0", "1024") ", " GAP("1040", "16") ", " GAP("1064", "3032"))),
              PQCHA_ERR_MALFORMED);                                         /* b without a digest */
    CHECK_ERR(parse_entry(GG(TD("a", "1024", "16"))), PQCHA_ERR_MALFORMED); /* digests, no gaps */
    CHECK_ERR(
        parse_entry(GGD(TD("a", "1024", "16"), "{\"offset\": 0, \"size\": 1024, " D ", \"x\": 1}")),
        PQCHA_ERR_UNKNOWN_FIELD);
    CHECK_ERR(parse_entry(GGD(TD("a", "1024", "16"), "{\"offset\": 0, \"size\": 1024}")),
              PQCHA_ERR_MISSING_FIELD);
    CHECK_ERR(parse_entry(RAW_OK ", \"gaps\": []"), PQCHA_ERR_MALFORMED);
    CHECK_ERR(
        parse_entry(GGD("{\"name\": \"a\", \"dtype\": \"I8\", \"shape\": [16], \"offset\": 1024, "
                        "\"size\": 16, \"digest\": {\"sha3-256\": \"" HEX64_B "\"}}",
                        GAP("0", "1024") ", " GAP("1040", "3056"))),
        PQCHA_ERR_UNKNOWN_FIELD); /* tensor digests are sha3-256-tree only */
}

/* ---- pqcha_manifest_add_file ---- */

static const char *write_temp(const char *name, const void *data, size_t len) {
    static char path[4][4200];
    static int next;
    char *p = path[next++ % 4];
    snprintf(p, sizeof path[0], "%s/%s", testutil_tmpdir(), name);
    FILE *f = fopen(p, "wb");
    if (!f) return NULL;
    if (len && fwrite(data, 1, len, f) != len) {
        fclose(f);
        return NULL;
    }
    fclose(f);
    return p;
}

static uint8_t *safetensors_bytes(const char *header, size_t data_len, size_t *len) {
    size_t n = strlen(header);
    *len = 8 + n + data_len;
    uint8_t *b = calloc(1, *len);
    if (!b) return NULL;
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)((uint64_t)n >> (8 * i));
    memcpy(b + 8, header, n);
    for (size_t i = 0; i < data_len; i++)
        b[8 + n + i] = (uint8_t)(i * 31u + 7u);
    return b;
}

static void check_digest(const pqcha_manifest *m, size_t i, const void *data, size_t len) {
    uint8_t d[32];
    char hex[65];
    CHECK_OK(pqcha_digest(d, 32, PQCHA_DIGEST_SHA3_256_TREE, data, len, 1));
    pqcha_hex_encode(hex, d, 32);
    CHECK_STR(pqcha_manifest_file_digest_hex(m, i), hex);
}

static void test_add_files(void) {
    /* A safetensors file of several leaves, a raw one, and each round-tripped. */
    static const char header[] =
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[300,256],\"data_offsets\":[0,307200]},"
        "\"b\":{\"dtype\":\"U8\",\"shape\":[7],\"data_offsets\":[307200,307207]}}";
    size_t st_len = 0;
    uint8_t *st = safetensors_bytes(header, 307207, &st_len);
    REQUIRE(st != NULL);
    const char *st_path = write_temp("model.safetensors", st, st_len);
    const char raw_data[] = "just some bytes";
    const char *raw_path = write_temp("notes.txt", raw_data, sizeof raw_data - 1);
    REQUIRE(st_path && raw_path);

    pqcha_manifest *m = NULL;
    CHECK_OK(pqcha_manifest_create(&m));
    REQUIRE(m != NULL);
    CHECK_OK(pqcha_manifest_add_file(m, st_path, 2));
    CHECK_OK(pqcha_manifest_add_file(m, raw_path, 0));
    CHECK_ERR(pqcha_manifest_add_file(m, st_path, 1), PQCHA_ERR_REGION_EXISTS);
    REQUIRE(pqcha_manifest_file_count(m) == 2);
    CHECK_STR(pqcha_manifest_file_name(m, 0), "model.safetensors");
    CHECK_STR(pqcha_manifest_file_format(m, 0), "safetensors");
    CHECK(pqcha_manifest_file_size(m, 0) == st_len);
    check_digest(m, 0, st, st_len);
    REQUIRE(pqcha_manifest_tensor_count(m, 0) == 2);
    CHECK_STR(pqcha_manifest_tensor_name(m, 0, 0), "w");
    CHECK(pqcha_manifest_tensor_offset(m, 0, 0) == 8 + strlen(header));
    CHECK(pqcha_manifest_tensor_size(m, 0, 1) == 7);
    CHECK_STR(pqcha_manifest_file_format(m, 1), "raw");
    check_digest(m, 1, raw_data, sizeof raw_data - 1);

    /* Node digests: none for one leaf; for more, exactly the rule's shape
     * once the hasher records them (it may record none). */
    const pqcha__model_file *f = &m->files[0];
    CHECK(m->files[1].node_count == 0);
    if (f->node_count != 0) {
        unsigned level;
        size_t count;
        pqcha__tree_node_shape(f->size, &level, &count);
        CHECK(f->node_count == count && f->node_level == level);
    }
    /* Tensor digests over exactly each tensor's bytes; the header is the one gap. */
    REQUIRE(f->has_tensor_digests && f->gap_count == 1);
    uint8_t want[32];
    CHECK_OK(pqcha_digest(want, 32, PQCHA_DIGEST_SHA3_256_TREE, st + f->tensors[0].offset,
                          (size_t)f->tensors[0].size, 1));
    CHECK(memcmp(want, f->tensors[0].digest, 32) == 0);
    CHECK_OK(pqcha_digest(want, 32, PQCHA_DIGEST_SHA3_256_TREE, st + f->tensors[1].offset, 7, 1));
    CHECK(memcmp(want, f->tensors[1].digest, 32) == 0);
    CHECK(f->gaps[0].offset == 0 && f->gaps[0].size == 8 + strlen(header));
    CHECK_OK(pqcha_digest(want, 32, PQCHA_DIGEST_SHA3_256_TREE, st, 8 + strlen(header), 1));
    CHECK(memcmp(want, f->gaps[0].digest, 32) == 0);
    CHECK(!m->files[1].has_tensor_digests && m->files[1].gap_count == 0);
    char *json = NULL;
    CHECK_OK(pqcha_manifest_to_json(&json, m));
    pqcha_manifest *back = NULL;
    CHECK_OK(pqcha_manifest_parse(&back, json ? json : "", json ? strlen(json) : 0));
    if (back) {
        CHECK(back->files[0].has_tensor_digests && back->files[0].gap_count == 1);
        CHECK(memcmp(back->files[0].tensors[0].digest, f->tensors[0].digest, 32) == 0);
        CHECK(memcmp(back->files[0].gaps[0].digest, f->gaps[0].digest, 32) == 0);
        CHECK(back->files[0].node_count == f->node_count);
        CHECK(back->files[0].node_level == f->node_level);
        CHECK(f->node_count == 0 ||
              memcmp(back->files[0].nodes, f->nodes, f->node_count * 32) == 0);
        CHECK_STR(pqcha_manifest_file_digest_hex(back, 0), pqcha_manifest_file_digest_hex(m, 0));
    }
    pqcha_manifest_free(back);
    pqcha_free(json);
    pqcha_manifest_free(m);
    free(st);
}

static void test_add_file_errors(void) {
    pqcha_manifest *m = NULL;
    CHECK_OK(pqcha_manifest_create(&m));
    REQUIRE(m != NULL);
    char missing[4200];
    snprintf(missing, sizeof missing, "%s/does-not-exist", testutil_tmpdir());
    CHECK_ERR(pqcha_manifest_add_file(m, missing, 1), PQCHA_ERR_NOT_FOUND);
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/.", testutil_tmpdir());
    CHECK_ERR(pqcha_manifest_add_file(m, dir, 1), PQCHA_ERR_BAD_IDENTIFIER);
    CHECK_ERR(pqcha_manifest_add_file(m, testutil_tmpdir(), 1), PQCHA_ERR_IS_DIRECTORY);
    CHECK_ERR(pqcha_manifest_add_file(m, NULL, 1), PQCHA_ERR_INVALID_ARGUMENT);

    /* Malformed model files fail with the parser's exact code. */
    size_t len = 0;
    uint8_t *st = safetensors_bytes(
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 12, &len);
    REQUIRE(st != NULL);
    CHECK_ERR(pqcha_manifest_add_file(m, write_temp("short.safetensors", st, len), 1),
              PQCHA_ERR_OUT_OF_RANGE);
    free(st);
    st = safetensors_bytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}", 16,
                           &len);
    REQUIRE(st != NULL);
    CHECK_ERR(pqcha_manifest_add_file(m, write_temp("bad.safetensors", st, len), 1),
              PQCHA_ERR_JSON_SYNTAX);
    free(st);
    static const uint8_t gguf_v1[24] = {'G', 'G', 'U', 'F', 1};
    CHECK_ERR(pqcha_manifest_add_file(m, write_temp("old.gguf", gguf_v1, sizeof gguf_v1), 1),
              PQCHA_ERR_UNSUPPORTED_ALGORITHM);
    /* An unknown dtype is explained: the tensor and the dtype. */
    st = safetensors_bytes("{\"w\":{\"dtype\":\"F4\",\"shape\":[4],\"data_offsets\":[0,2]}}", 2,
                           &len);
    REQUIRE(st != NULL);
    CHECK_ERR(pqcha_manifest_add_file(m, write_temp("new.safetensors", st, len), 1),
              PQCHA_ERR_UNSUPPORTED_ALGORITHM);
    CHECK_STR(pqcha_manifest_error_detail(m),
              "tensor 'w' has dtype 'F4', which safetensors does not define");
    free(st);
    static const uint8_t gguf_short[10] = {'G', 'G', 'U', 'F', 3};
    CHECK_ERR(
        pqcha_manifest_add_file(m, write_temp("short.gguf", gguf_short, sizeof gguf_short), 1),
        PQCHA_ERR_MALFORMED);
    /* An empty file and a file that merely starts like neither are raw. */
    CHECK_OK(pqcha_manifest_add_file(m, write_temp("empty", "", 0), 1));
    CHECK_OK(pqcha_manifest_add_file(m, write_temp("text", "{\"a\": 1}\n", 9), 1));
    CHECK(pqcha_manifest_file_count(m) == 2);
    CHECK_STR(pqcha_manifest_file_format(m, 0), "raw");
    CHECK_STR(pqcha_manifest_file_format(m, 1), "raw");
    CHECK_STR(pqcha_manifest_file_digest_hex(m, 0),
              "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
    CHECK_STR(pqcha_manifest_error_detail(m), ""); /* cleared by the next add */
    pqcha_manifest_free(m);
}

TEST_MAIN(TEST(test_tree_node_shape), TEST(test_round_trip), TEST(test_encoder_refuses_invalid),
          TEST(test_decode_top_level), TEST(test_decode_file_fields), TEST(test_decode_nodes),
          TEST(test_decode_tensors), TEST(test_decode_tensor_digests), TEST(test_add_files),
          TEST(test_add_file_errors))
