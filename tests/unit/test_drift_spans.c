/* test_drift_spans.c — drift localisation end to end (docs/FORMAT.md 4.5):
 * a manifest entry built in C for a multi-MiB buffer with a dozen tensors,
 * embedded in a policy; an attester over the in-memory backend; the verifier
 * names the changed byte ranges and exactly the tensors in them.
 *
 * Geometry: 17 MiB + 999 bytes = 273 leaves, so node level 1 (128 KiB per
 * node) and 137 nodes, the last one partial. Tensor i covers 1 MiB from
 * 256 KiB + i * 1400 KiB, leaving 376 KiB gaps without any tensor. */
#include "core/envelope.h"
#include "core/json.h"
#include "core/manifest.h"
#include "core/parhash.h"
#include "testutil.h"

#define KIB         1024u
#define MODEL_SIZE  (17u * 1024u * KIB + 999u)
#define TENSORS     12
#define TENSOR_SIZE (1024u * KIB)
#define NODE_WIDTH  (128u * KIB)
#define WORKLOAD    "llm"
#define REGION      "model.safetensors"
#define NOW         INT64_C(1795836655) /* 2026-11-28T03:30:55Z */

static uint64_t tensor_offset(unsigned i) {
    return 256u * KIB + (uint64_t)i * 1400u * KIB;
}

static pqcha_key *key(void) {
    static pqcha_key *k;
    if (!k && pqcha_key_generate(&k, PQCHA_ML_DSA_44) != PQCHA_OK) abort();
    return k;
}

static uint8_t *model_bytes(size_t len) {
    uint8_t *p = malloc(len);
    uint32_t x = 12345;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        p[i] = (uint8_t)x;
    }
    return p;
}

/* The manifest entry, as `pqcha manifest` would record it: digest and nodes
 * from the hasher, tensors sorted by offset. */
static void fill_entry(pqcha__model_file *f, const uint8_t *data, size_t len) {
    memset(f, 0, sizeof *f);
    f->name = strdup(REGION);
    f->format = strdup("safetensors");
    f->size = len;
    pqcha_hasher *h = NULL;
    CHECK_OK(pqcha_hasher_create(&h, PQCHA_DIGEST_SHA3_256_TREE));
    CHECK_OK(pqcha_hasher_expect_length(h, len));
    CHECK_OK(pqcha_hasher_update(h, data, len));
    CHECK_OK(pqcha_hasher_final(h, f->digest, sizeof f->digest));
    f->node_count = pqcha_hasher_node_count(h);
    f->node_level = pqcha_hasher_node_level(h);
    f->nodes = malloc(f->node_count * 32);
    memcpy(f->nodes, pqcha_hasher_nodes(h), f->node_count * 32);
    pqcha_hasher_free(h);
    f->tensors = calloc(TENSORS, sizeof f->tensors[0]);
    f->tensor_count = TENSORS;
    for (unsigned i = 0; i < TENSORS; i++) {
        char name[64];
        snprintf(name, sizeof name, "blk.%u.attn_q.weight", i);
        f->tensors[i].name = strdup(name);
        f->tensors[i].dtype = strdup("U8");
        f->tensors[i].ndims = 1;
        f->tensors[i].shape[0] = TENSOR_SIZE;
        f->tensors[i].offset = tensor_offset(i);
        f->tensors[i].size = TENSOR_SIZE;
    }
}

/* A policy whose only region refers to the manifest entry. */
static pqcha_policy *policy_for(const pqcha__model_file *f) {
    json_t *entry = NULL;
    CHECK_OK(pqcha__model_file_encode(&entry, f));
    if (!entry) return NULL;
    char *entry_text = json_dumps(entry, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(entry);
    char *pem = NULL;
    size_t pem_len = 0;
    CHECK_OK(pqcha_key_public_pem(&pem, &pem_len, key()));
    json_t *pem_json = json_string(pem);
    char *pem_text = json_dumps(pem_json, JSON_ENCODE_ANY);
    size_t cap = strlen(entry_text) + strlen(pem_text) + 512;
    char *text = malloc(cap);
    snprintf(text, cap,
             "{\"version\":1,\"trustedKeys\":[%s],\"manifests\":{\"weights\":%s},"
             "\"workloads\":{\"" WORKLOAD "\":{\"regions\":{\"" REGION
             "\":{\"manifest\":\"weights\"}}}}}",
             pem_text, entry_text);
    pqcha_policy *p = NULL;
    CHECK_OK(pqcha_policy_parse(&p, text, strlen(text)));
    free(text);
    free(pem_text);
    json_decref(pem_json);
    pqcha_free(pem);
    free(entry_text);
    return p;
}

/* A signed report over `data` as the in-memory region REGION, a mapping of
 * the file from file_offset. */
static char *attest_mapped(const uint8_t *data, size_t len, uint64_t file_offset) {
    pqcha_backend *b = NULL;
    pqcha_region *r = NULL;
    pqcha_attester *a = NULL;
    char *env = NULL;
    CHECK_OK(pqcha_backend_create(&b, "in-memory"));
    CHECK_OK(pqcha_region_create(&r, REGION, "weights", 0x7f0000000000, len, PQCHA_PROT_R));
    CHECK_OK(pqcha_region_set_mapping(r, "/models/" REGION, file_offset));
    CHECK_OK(pqcha_memory_backend_register(b, WORKLOAD, r, data, len));
    CHECK_OK(pqcha_attester_create(&a, key(), b, WORKLOAD));
    CHECK_OK(pqcha_attester_set_time(a, NOW));
    CHECK_OK(pqcha_attester_set_threads(a, 2));
    CHECK_OK(pqcha_attester_attest(a, NULL, &env, NULL));
    pqcha_attester_free(a);
    pqcha_region_free(r);
    pqcha_backend_free(b);
    return env;
}

/* ... at offset 0, as the process backend records a whole mapped file. */
static char *attest(const uint8_t *data, size_t len) {
    return attest_mapped(data, len, 0);
}

static pqcha_result *verify_at(const pqcha_policy *p, const char *env, int64_t now) {
    pqcha_verifier *v = NULL;
    pqcha_result *res = NULL;
    CHECK_OK(pqcha_verifier_create(&v));
    CHECK_OK(pqcha_verifier_set_policy(v, p));
    CHECK_OK(pqcha_verifier_set_time(v, now));
    pqcha_err err = pqcha_verify(&res, v, env, env ? strlen(env) : 0);
    /* Callers judge the result; what pqcha_verify returns is its deciding error. */
    CHECK(res != NULL && err == pqcha_result_error(res));
    pqcha_verifier_free(v);
    return res;
}

/* Shared fixture: the reference bytes, their entry and policy. */
typedef struct fixture {
    uint8_t *data;
    pqcha__model_file entry;
    pqcha_policy *policy;
} fixture;

static int fixture_init(fixture *fx) {
    fx->data = model_bytes(MODEL_SIZE);
    fill_entry(&fx->entry, fx->data, MODEL_SIZE);
    fx->policy = policy_for(&fx->entry);
    return fx->policy != NULL && fx->entry.node_count == 137 && fx->entry.node_level == 1;
}

static void fixture_clear(fixture *fx) {
    pqcha_policy_free(fx->policy);
    pqcha__model_file_clear(&fx->entry);
    free(fx->data);
}

/* Attests fx->data with the given byte offsets flipped, then verifies. */
static pqcha_result *drifted(fixture *fx, const uint64_t *offsets, size_t n, size_t len) {
    uint8_t *copy = malloc(MODEL_SIZE);
    memcpy(copy, fx->data, MODEL_SIZE);
    for (size_t i = 0; i < n; i++)
        copy[offsets[i]] ^= 0x5a;
    char *env = attest(copy, len);
    pqcha_result *res = verify_at(fx->policy, env, NOW + 10);
    pqcha_free(env);
    free(copy);
    return res;
}

static int span_covers(const pqcha_result *r, size_t i, uint64_t offset) {
    uint64_t start = pqcha_result_span_offset(r, i);
    return offset >= start && offset - start < pqcha_result_span_length(r, i);
}

static void test_unchanged_is_valid(void) {
    fixture fx;
    REQUIRE(fixture_init(&fx));
    pqcha_result *res = drifted(&fx, NULL, 0, MODEL_SIZE);
    CHECK(pqcha_result_verdict(res) == PQCHA_VERDICT_VALID);
    CHECK(pqcha_result_span_count(res) == 0);
    pqcha_result_free(res);
    fixture_clear(&fx);
}

static void test_one_byte_in_one_tensor(void) {
    fixture fx;
    REQUIRE(fixture_init(&fx));
    const uint64_t at = tensor_offset(5) + TENSOR_SIZE / 2 + 77;
    pqcha_result *res = drifted(&fx, &at, 1, MODEL_SIZE);
    CHECK(pqcha_result_verdict(res) == PQCHA_VERDICT_DRIFT);
    CHECK_ERR(pqcha_result_error(res), PQCHA_ERR_MEMORY_DRIFT);
    REQUIRE(pqcha_result_span_count(res) == 1);
    CHECK_STR(pqcha_result_span_region(res, 0), REGION);
    CHECK(span_covers(res, 0, at));
    CHECK(pqcha_result_span_offset(res, 0) == at / NODE_WIDTH * NODE_WIDTH);
    CHECK(pqcha_result_span_length(res, 0) == NODE_WIDTH);
    REQUIRE(pqcha_result_span_tensor_count(res, 0) == 1);
    CHECK(pqcha_result_span_tensor_total(res, 0) == 1);
    CHECK_STR(pqcha_result_span_tensor(res, 0, 0), "blk.5.attn_q.weight");
    CHECK(pqcha_result_span_tensor(res, 0, 1) == NULL);
    CHECK(pqcha_result_span_tensor(res, 1, 0) == NULL);
    char *json = NULL;
    CHECK_OK(pqcha_result_to_json(&json, res));
    CHECK(json && strstr(json, "\"driftDetails\":[{\"length\":131072,\"offset\":") != NULL);
    CHECK(json && strstr(json, "\"region\":\"" REGION "\",\"tensorCount\":1,"
                               "\"tensors\":[\"blk.5.attn_q.weight\"]}]") != NULL);
    pqcha_free(json);
    pqcha_result_free(res);
    fixture_clear(&fx);
}

static void test_two_distant_changes(void) {
    fixture fx;
    REQUIRE(fixture_init(&fx));
    const uint64_t at[2] = {tensor_offset(1) + 4096, tensor_offset(9) + TENSOR_SIZE - 300 * KIB};
    pqcha_result *res = drifted(&fx, at, 2, MODEL_SIZE);
    CHECK(pqcha_result_verdict(res) == PQCHA_VERDICT_DRIFT);
    REQUIRE(pqcha_result_span_count(res) == 2);
    CHECK(span_covers(res, 0, at[0]) && span_covers(res, 1, at[1]));
    CHECK(pqcha_result_span_tensor_count(res, 0) == 1 &&
          pqcha_result_span_tensor_count(res, 1) == 1);
    CHECK_STR(pqcha_result_span_tensor(res, 0, 0), "blk.1.attn_q.weight");
    CHECK_STR(pqcha_result_span_tensor(res, 1, 0), "blk.9.attn_q.weight");
    pqcha_result_free(res);
    fixture_clear(&fx);
}

/* Changes in adjacent nodes are one span; a span across a tensor boundary
 * names both tensors; the partial last node ends at the region's end. */
static void test_adjacent_nodes_merge(void) {
    fixture fx;
    REQUIRE(fixture_init(&fx));
    const uint64_t node = (tensor_offset(3) + 200 * KIB) / NODE_WIDTH;
    const uint64_t at[3] = {node * NODE_WIDTH + 1, (node + 1) * NODE_WIDTH + 5, MODEL_SIZE - 1};
    pqcha_result *res = drifted(&fx, at, 3, MODEL_SIZE);
    REQUIRE(pqcha_result_span_count(res) == 2);
    CHECK(pqcha_result_span_offset(res, 0) == node * NODE_WIDTH);
    CHECK(pqcha_result_span_length(res, 0) == 2 * NODE_WIDTH);
    CHECK(pqcha_result_span_offset(res, 1) == 136u * NODE_WIDTH);
    CHECK(pqcha_result_span_length(res, 1) == MODEL_SIZE - 136u * NODE_WIDTH);
    CHECK(pqcha_result_span_tensor_count(res, 1) == 0); /* past the last tensor */
    pqcha_result_free(res);
    /* The node holding the start of tensor 4 also holds the gap before it. */
    const uint64_t boundary = tensor_offset(4) + 10;
    res = drifted(&fx, &boundary, 1, MODEL_SIZE);
    REQUIRE(pqcha_result_span_count(res) == 1);
    CHECK(pqcha_result_span_tensor_count(res, 0) == 1);
    CHECK_STR(pqcha_result_span_tensor(res, 0, 0), "blk.4.attn_q.weight");
    pqcha_result_free(res);
    fixture_clear(&fx);
}

static void test_change_in_gap_names_no_tensor(void) {
    fixture fx;
    REQUIRE(fixture_init(&fx));
    const uint64_t at = tensor_offset(2) + TENSOR_SIZE + 190 * KIB; /* 4270 KiB: gap 4080..4456 */
    pqcha_result *res = drifted(&fx, &at, 1, MODEL_SIZE);
    CHECK(pqcha_result_verdict(res) == PQCHA_VERDICT_DRIFT);
    REQUIRE(pqcha_result_span_count(res) == 1);
    CHECK(span_covers(res, 0, at));
    CHECK(pqcha_result_span_tensor_count(res, 0) == 0);
    pqcha_result_free(res);
    fixture_clear(&fx);
}

static void test_size_mismatch_gives_no_spans(void) {
    fixture fx;
    REQUIRE(fixture_init(&fx));
    pqcha_result *res = drifted(&fx, NULL, 0, MODEL_SIZE - 1);
    CHECK(pqcha_result_verdict(res) == PQCHA_VERDICT_DRIFT);
    CHECK(pqcha_result_span_count(res) == 0);
    size_t n = pqcha_result_check_count(res);
    REQUIRE(n > 0);
    CHECK_STR(pqcha_result_check_name(res, n - 1), "region:" REGION);
    CHECK(strstr(pqcha_result_check_found(res, n - 1), "the size differs") != NULL);
    CHECK(strstr(pqcha_result_check_expected(res, n - 1), "manifest weights") != NULL);
    pqcha_result_free(res);
    fixture_clear(&fx);
}

/* Spans never come from a report that failed an earlier check. */
static void test_no_spans_for_rejected_report(void) {
    fixture fx;
    REQUIRE(fixture_init(&fx));
    uint8_t *copy = malloc(MODEL_SIZE);
    memcpy(copy, fx.data, MODEL_SIZE);
    copy[tensor_offset(0) + 1] ^= 1;
    char *env = attest(copy, MODEL_SIZE);
    pqcha_result *res = verify_at(fx.policy, env, NOW + 100000); /* expired */
    CHECK(pqcha_result_verdict(res) == PQCHA_VERDICT_REJECTED);
    CHECK(pqcha_result_span_count(res) == 0 && pqcha_result_drift_count(res) == 0);
    pqcha_result_free(res);
    pqcha_free(env);
    free(copy);
    fixture_clear(&fx);
}

/* Node digests changed in the payload and signed again: the decoder sees
 * that they no longer reproduce the digest. */
static void test_tampered_nodes_are_inconsistent(void) {
    fixture fx;
    REQUIRE(fixture_init(&fx));
    char *env = attest(fx.data, MODEL_SIZE);
    pqcha__envelope e;
    memset(&e, 0, sizeof e);
    REQUIRE(env && pqcha__envelope_decode(&e, env, strlen(env)) == PQCHA_OK);
    /* Swap the first two characters of the first node digest. */
    char *payload = (char *)e.payload;
    char *digests = strstr(payload, "\"digests\":[\"");
    REQUIRE(digests != NULL);
    char *hex = digests + strlen("\"digests\":[\"");
    char t = hex[0];
    hex[0] = hex[1] != t ? hex[1] : (char)(t == '0' ? '1' : '0');
    hex[1] = t;
    char *forged = NULL;
    CHECK_OK(pqcha__envelope_sign(&forged, NULL, key(), e.payload, e.payload_len));
    pqcha_result *res = verify_at(fx.policy, forged, NOW + 10);
    CHECK(pqcha_result_verdict(res) == PQCHA_VERDICT_MALFORMED);
    CHECK_ERR(pqcha_result_error(res), PQCHA_ERR_INCONSISTENT_CLAIMS);
    CHECK(pqcha_result_span_count(res) == 0);
    pqcha_result_free(res);
    pqcha_free(forged);
    pqcha__envelope_clear(&e);
    pqcha_free(env);
    fixture_clear(&fx);
}

/* A region of the entry's size whose mapping starts at another file offset
 * holds other bytes of the file than the entry's node i describes: its nodes
 * are not comparable, and a span would name tensors the change is not in. */
static void test_mapping_at_other_offset_gives_no_spans(void) {
    fixture fx;
    REQUIRE(fixture_init(&fx));
    uint8_t *copy = malloc(MODEL_SIZE);
    memcpy(copy, fx.data, MODEL_SIZE);
    copy[tensor_offset(5) + 77] ^= 0x5a;
    char *env = attest_mapped(copy, MODEL_SIZE, 1400u * KIB); /* tensor 5 would read as 6 */
    pqcha_result *res = verify_at(fx.policy, env, NOW + 10);
    CHECK(pqcha_result_verdict(res) == PQCHA_VERDICT_DRIFT);
    CHECK_ERR(pqcha_result_error(res), PQCHA_ERR_MEMORY_DRIFT);
    CHECK(pqcha_result_drift_count(res) == 1);
    CHECK(pqcha_result_span_count(res) == 0);
    pqcha_result_free(res);
    pqcha_free(env);
    free(copy);
    fixture_clear(&fx);
}

/* The accessors on a NULL result. */
static void test_null_result(void) {
    CHECK(pqcha_result_span_count(NULL) == 0);
    CHECK(pqcha_result_span_region(NULL, 0) == NULL);
    CHECK(pqcha_result_span_offset(NULL, 0) == 0 && pqcha_result_span_length(NULL, 0) == 0);
    CHECK(pqcha_result_span_tensor_count(NULL, 0) == 0 &&
          pqcha_result_span_tensor(NULL, 0, 0) == NULL);
}

/* The manifest's node rule and the hasher's agree everywhere. */
static void test_node_shape_agrees_with_manifest(void) {
    static const uint64_t sizes[] = {0,
                                     65536,
                                     65537,
                                     256ull * 65536,
                                     256ull * 65536 + 1,
                                     1000ull * 65536 + 3,
                                     9007199254740991ull};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        unsigned l1 = 7, l2 = 9;
        size_t c1 = 7, c2 = 9;
        pqcha__tree_node_shape(sizes[i], &l1, &c1);
        pqcha__parhash_node_shape(sizes[i], PQCHA_TREE_LEAF_SIZE, &l2, &c2);
        CHECK(l1 == l2 && c1 == c2);
    }
}

/* 5000 tensors of 3 KiB from offset 0, and one byte changed in every node:
 * one span over the whole file, counting every tensor and naming only the
 * first PQCHA_MAX_SPAN_TENSORS (a drifted 50 000-tensor model costs a
 * summary, not 50 000 names per region). */
static void test_whole_file_drift_is_summarised(void) {
    enum { MANY = 5000, SMALL = 3 * KIB };
    fixture fx;
    fx.data = model_bytes(MODEL_SIZE);
    fill_entry(&fx.entry, fx.data, MODEL_SIZE);
    pqcha__tensors_free(fx.entry.tensors, fx.entry.tensor_count);
    fx.entry.tensors = calloc(MANY, sizeof fx.entry.tensors[0]);
    REQUIRE(fx.entry.tensors != NULL);
    fx.entry.tensor_count = MANY;
    for (unsigned i = 0; i < MANY; i++) {
        char name[32];
        snprintf(name, sizeof name, "t%u", i);
        fx.entry.tensors[i].name = strdup(name);
        fx.entry.tensors[i].dtype = strdup("U8");
        fx.entry.tensors[i].ndims = 1;
        fx.entry.tensors[i].shape[0] = SMALL;
        fx.entry.tensors[i].offset = (uint64_t)i * SMALL;
        fx.entry.tensors[i].size = SMALL;
    }
    fx.policy = policy_for(&fx.entry);
    REQUIRE(fx.policy != NULL);
    uint64_t offsets[137];
    for (unsigned i = 0; i < 137; i++)
        offsets[i] = (uint64_t)i * NODE_WIDTH;
    pqcha_result *res = drifted(&fx, offsets, 137, MODEL_SIZE);
    REQUIRE(res != NULL);
    CHECK(pqcha_result_verdict(res) == PQCHA_VERDICT_DRIFT);
    REQUIRE(pqcha_result_span_count(res) == 1);
    CHECK(pqcha_result_span_offset(res, 0) == 0 && pqcha_result_span_length(res, 0) == MODEL_SIZE);
    CHECK(pqcha_result_span_tensor_total(res, 0) == MANY);
    CHECK(pqcha_result_span_tensor_count(res, 0) == PQCHA_MAX_SPAN_TENSORS);
    CHECK_STR(pqcha_result_span_tensor(res, 0, 0), "t0");
    CHECK_STR(pqcha_result_span_tensor(res, 0, PQCHA_MAX_SPAN_TENSORS - 1), "t31");
    CHECK(pqcha_result_span_tensor(res, 0, PQCHA_MAX_SPAN_TENSORS) == NULL);
    char *json = NULL;
    CHECK_OK(pqcha_result_to_json(&json, res));
    CHECK(json && strstr(json, "\"tensorCount\":5000,\"tensors\":[\"t0\",\"t1\",") != NULL);
    pqcha_free(json);
    pqcha_result_free(res);
    /* A change inside the 2000th tensor alone: found by the binary search. */
    uint64_t one = 2000u * SMALL + 5;
    res = drifted(&fx, &one, 1, MODEL_SIZE);
    REQUIRE(res != NULL && pqcha_result_span_count(res) == 1);
    uint64_t start = pqcha_result_span_offset(res, 0);
    uint64_t last = start + pqcha_result_span_length(res, 0) - 1;
    CHECK(pqcha_result_span_tensor_total(res, 0) == last / SMALL - start / SMALL + 1);
    CHECK(span_covers(res, 0, one));
    char first_name[32];
    snprintf(first_name, sizeof first_name, "t%u", (unsigned)(start / SMALL));
    CHECK_STR(pqcha_result_span_tensor(res, 0, 0), first_name);
    pqcha_result_free(res);
    fixture_clear(&fx);
}

TEST_MAIN(TEST(test_unchanged_is_valid), TEST(test_one_byte_in_one_tensor),
          TEST(test_whole_file_drift_is_summarised), TEST(test_two_distant_changes),
          TEST(test_adjacent_nodes_merge), TEST(test_change_in_gap_names_no_tensor),
          TEST(test_size_mismatch_gives_no_spans),
          TEST(test_mapping_at_other_offset_gives_no_spans),
          TEST(test_no_spans_for_rejected_report), TEST(test_tampered_nodes_are_inconsistent),
          TEST(test_null_result), TEST(test_node_shape_agrees_with_manifest))
