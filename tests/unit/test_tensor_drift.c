/* test_tensor_drift.c — tensor-level attestation end to end (FORMAT.md 4.6
 * and 5): a manifest entry with tensor and gap digests embedded in a policy;
 * an in-memory region that maps the file from a page past its header, with
 * the tensors it holds; the attester measures sha3-256-segments; the verifier
 * decides tensor by tensor and names exactly what changed or is missing.
 *
 * Geometry: a 600 KiB "file" whose first 8 KiB are header; sixteen 4 KiB tensors
 * (several in one 64 KiB tree leaf, so a node-level answer could not tell
 * them apart) at 8192 + i * 4128 (32 bytes of padding after each), then one
 * 300 KiB tensor. The mapping starts at 4096, inside the header. */
#include "core/json.h"
#include "core/manifest.h"
#include "testutil.h"

#define KIB        1024u
#define FILE_SIZE  (600u * KIB)
#define SMALL      16
#define SMALL_SIZE (4u * KIB)
#define BIG_OFFSET (8192u + SMALL * (SMALL_SIZE + 32u))
#define BIG_SIZE   (300u * KIB)
#define MAP_FROM   4096u
#define WORKLOAD   "llm"
#define REGION     "model.gguf"
#define NOW        INT64_C(1795836655)

static pqcha_key *key(void) {
    static pqcha_key *k;
    if (!k && pqcha_key_generate(&k, PQCHA_ML_DSA_44) != PQCHA_OK) abort();
    return k;
}

static uint8_t *file_bytes(void) {
    uint8_t *p = malloc(FILE_SIZE);
    uint32_t x = 777;
    for (size_t i = 0; i < FILE_SIZE; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        p[i] = (uint8_t)x;
    }
    return p;
}

static uint64_t tensor_offset(unsigned i) {
    return i < SMALL ? 8192u + i * (SMALL_SIZE + 32u) : BIG_OFFSET;
}

static uint64_t tensor_size(unsigned i) {
    return i < SMALL ? SMALL_SIZE : BIG_SIZE;
}

static void tree(uint8_t out[32], const uint8_t *data, uint64_t len) {
    CHECK_OK(pqcha_digest(out, 32, PQCHA_DIGEST_SHA3_256_TREE, data, (size_t)len, 1));
}

static void add_gap(pqcha__model_file *f, const uint8_t *data, uint64_t from, uint64_t to) {
    if (to <= from) return;
    pqcha__segment *g = &f->gaps[f->gap_count++];
    g->offset = from;
    g->size = to - from;
    tree(g->digest, data + from, to - from);
}

/* The entry `pqcha manifest` would write: tensors with digests, and gaps. */
static void fill_entry(pqcha__model_file *f, const uint8_t *data) {
    memset(f, 0, sizeof *f);
    f->name = strdup(REGION);
    f->format = strdup("gguf");
    f->size = FILE_SIZE;
    tree(f->digest, data, FILE_SIZE);
    f->tensor_count = SMALL + 1;
    f->tensors = calloc(f->tensor_count, sizeof f->tensors[0]);
    f->gaps = calloc(f->tensor_count + 1, sizeof f->gaps[0]);
    uint64_t at = 0;
    for (unsigned i = 0; i < f->tensor_count; i++) {
        char name[64];
        snprintf(name, sizeof name, i < SMALL ? "blk.%u.attn_norm.weight" : "token_embd.weight", i);
        pqcha__tensor *t = &f->tensors[i];
        t->name = strdup(name);
        t->dtype = strdup("I8");
        t->ndims = 1;
        t->shape[0] = tensor_size(i);
        t->offset = tensor_offset(i);
        t->size = tensor_size(i);
        tree(t->digest, data + t->offset, t->size);
        add_gap(f, data, at, t->offset);
        at = t->offset + t->size;
    }
    add_gap(f, data, at, FILE_SIZE);
    f->has_tensor_digests = 1;
}

static pqcha_policy *policy_for(const pqcha__model_file *f, const char *extra) {
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
    size_t cap = strlen(entry_text) + strlen(pem_text) + strlen(extra) + 512;
    char *text = malloc(cap);
    snprintf(text, cap,
             "{\"version\":1,\"trustedKeys\":[%s],\"manifests\":{\"weights\":%s},"
             "\"workloads\":{\"" WORKLOAD "\":{\"platform\":\"in-memory\",\"regions\":{\"" REGION
             "\":{\"manifest\":\"weights\"%s}}}}}",
             pem_text, entry_text, extra);
    pqcha_policy *p = NULL;
    CHECK_OK(pqcha_policy_parse(&p, text, strlen(text)));
    free(text);
    free(pem_text);
    json_decref(pem_json);
    pqcha_free(pem);
    free(entry_text);
    return p;
}

/* A report over file bytes [MAP_FROM, FILE_SIZE) of `data`, a mapping with
 * the tensors of f (all but `skip`, if it is a tensor index) inside it. */
static char *attest_region(const uint8_t *data, const pqcha__model_file *f, size_t skip) {
    pqcha_backend *b = NULL;
    pqcha_region *r = NULL;
    pqcha_attester *a = NULL;
    char *env = NULL;
    size_t len = FILE_SIZE - MAP_FROM;
    CHECK_OK(pqcha_backend_create(&b, "in-memory"));
    CHECK_OK(pqcha_region_create(&r, REGION, "weights", 0x7f0000001000, len, PQCHA_PROT_R));
    CHECK_OK(pqcha_region_set_mapping(r, "/models/" REGION, MAP_FROM));
    for (size_t i = 0; i < f->tensor_count; i++)
        if (i != skip)
            CHECK_OK(pqcha_region_add_tensor(r, f->tensors[i].name, f->tensors[i].offset,
                                             f->tensors[i].size));
    CHECK(pqcha_region_tensor_count(r) == f->tensor_count - (skip < f->tensor_count));
    CHECK_OK(pqcha_memory_backend_register(b, WORKLOAD, r, data + MAP_FROM, len));
    CHECK_OK(pqcha_attester_create(&a, key(), b, WORKLOAD));
    CHECK_OK(pqcha_attester_set_time(a, NOW));
    CHECK_OK(pqcha_attester_set_threads(a, 2));
    CHECK_OK(pqcha_attester_attest(a, NULL, &env, NULL));
    pqcha_attester_free(a);
    pqcha_region_free(r);
    pqcha_backend_free(b);
    return env;
}

static pqcha_result *verify(const pqcha_policy *p, const char *env) {
    pqcha_verifier *v = NULL;
    pqcha_result *res = NULL;
    CHECK_OK(pqcha_verifier_create(&v));
    CHECK_OK(pqcha_verifier_set_policy(v, p));
    CHECK_OK(pqcha_verifier_set_time(v, NOW + 10));
    pqcha_err err = pqcha_verify(&res, v, env, env ? strlen(env) : 0);
    /* Callers judge the result; what pqcha_verify returns is its deciding error. */
    CHECK(res != NULL && err == pqcha_result_error(res));
    pqcha_verifier_free(v);
    return res;
}

typedef struct fixture {
    uint8_t *data;
    pqcha__model_file entry;
    pqcha_policy *policy;
} fixture;

static int fixture_init(fixture *fx, const char *policy_extra) {
    fx->data = file_bytes();
    fill_entry(&fx->entry, fx->data);
    fx->policy = policy_for(&fx->entry, policy_extra);
    return fx->policy != NULL;
}

static void fixture_clear(fixture *fx) {
    pqcha_policy_free(fx->policy);
    pqcha__model_file_clear(&fx->entry);
    free(fx->data);
}

static const char *region_found(const pqcha_result *res) {
    size_t n = pqcha_result_check_count(res);
    return n ? pqcha_result_check_found(res, n - 1) : "";
}

/* The header pages are not mapped, yet the untouched model is VALID, tensor
 * by tensor; the header's mapped tail is counted as not compared. */
static void test_untouched_is_valid(void) {
    fixture fx;
    REQUIRE(fixture_init(&fx, ""));
    char *env = attest_region(fx.data, &fx.entry, SIZE_MAX);
    pqcha_result *res = verify(fx.policy, env);
    CHECK(pqcha_result_verdict(res) == PQCHA_VERDICT_VALID);
    const pqcha_report *rep = pqcha_result_report(res);
    CHECK(rep && pqcha_report_region_digest_alg(rep, 0) == PQCHA_DIGEST_SHA3_256_SEGMENTS);
    CHECK(strstr(region_found(res), "17 tensors as the manifest, 0 changed, 0 missing; 4096 bytes "
                                    "outside tensors not compared") != NULL);
    pqcha_result_free(res);
    pqcha_free(env);
    fixture_clear(&fx);
}

/* 16 bytes changed in one small tensor name that tensor alone, although 15
 * others share its 64 KiB leaf; the span is exactly its bytes. */
static void test_one_tensor_named_exactly(void) {
    fixture fx;
    REQUIRE(fixture_init(&fx, ""));
    for (unsigned i = 0; i < 16; i++)
        fx.data[tensor_offset(7) + 100 + i] ^= 0xff;
    char *env = attest_region(fx.data, &fx.entry, SIZE_MAX);
    pqcha_result *res = verify(fx.policy, env);
    CHECK(pqcha_result_verdict(res) == PQCHA_VERDICT_DRIFT);
    CHECK_ERR(pqcha_result_error(res), PQCHA_ERR_MEMORY_DRIFT);
    REQUIRE(pqcha_result_span_count(res) == 1);
    CHECK(pqcha_result_span_offset(res, 0) == tensor_offset(7) - MAP_FROM);
    CHECK(pqcha_result_span_length(res, 0) == SMALL_SIZE);
    REQUIRE(pqcha_result_span_tensor_count(res, 0) == 1);
    CHECK_STR(pqcha_result_span_tensor(res, 0, 0), "blk.7.attn_norm.weight");
    CHECK(pqcha_result_missing_tensor_count(res) == 0);
    pqcha_result_free(res);
    pqcha_free(env);
    fixture_clear(&fx);
}

/* Padding between tensors is compared too: a change there is a span naming
 * no tensor. */
static void test_changed_padding(void) {
    fixture fx;
    REQUIRE(fixture_init(&fx, ""));
    fx.data[tensor_offset(3) + SMALL_SIZE + 5] ^= 1;
    char *env = attest_region(fx.data, &fx.entry, SIZE_MAX);
    pqcha_result *res = verify(fx.policy, env);
    CHECK(pqcha_result_verdict(res) == PQCHA_VERDICT_DRIFT);
    REQUIRE(pqcha_result_span_count(res) == 1);
    CHECK(pqcha_result_span_tensor_count(res, 0) == 0);
    CHECK(pqcha_result_span_offset(res, 0) == tensor_offset(3) + SMALL_SIZE - MAP_FROM);
    pqcha_result_free(res);
    pqcha_free(env);
    fixture_clear(&fx);
}

/* A tensor the attester did not measure as a tensor is missing, by name; a
 * policy that does not require it accepts the report. */
static void test_missing_tensor(void) {
    fixture fx;
    REQUIRE(fixture_init(&fx, ""));
    char *env = attest_region(fx.data, &fx.entry, SMALL); /* token_embd.weight */
    pqcha_result *res = verify(fx.policy, env);
    CHECK(pqcha_result_verdict(res) == PQCHA_VERDICT_DRIFT);
    CHECK(pqcha_result_span_count(res) == 0);
    REQUIRE(pqcha_result_missing_tensor_count(res) == 1);
    CHECK_STR(pqcha_result_missing_tensor_region(res, 0), REGION);
    CHECK_STR(pqcha_result_missing_tensor(res, 0), "token_embd.weight");
    char *json = NULL;
    CHECK_OK(pqcha_result_to_json(&json, res));
    CHECK(json && strstr(json, "\"missingTensors\":[{\"region\":\"model.gguf\",\"tensor\":"
                               "\"token_embd.weight\"}]") != NULL);
    pqcha_free(json);
    pqcha_result_free(res);
    fixture_clear(&fx);
    REQUIRE(
        fixture_init(&fx, ",\"tensors\":[\"blk.0.attn_norm.weight\",\"blk.15.attn_norm.weight\"]"));
    res = verify(fx.policy, env);
    CHECK(pqcha_result_verdict(res) == PQCHA_VERDICT_VALID);
    CHECK(strstr(pqcha_result_check_expected(res, pqcha_result_check_count(res) - 1),
                 "2 required tensors") != NULL);
    pqcha_result_free(res);
    pqcha_free(env);
    fixture_clear(&fx);
}

TEST_MAIN(TEST(test_untouched_is_valid), TEST(test_one_tensor_named_exactly),
          TEST(test_changed_padding), TEST(test_missing_tensor))
