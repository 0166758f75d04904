/* test_result_write.c — pqcha_result_to_json writes its text directly
 * (result_json.c, json_write.h), byte for byte what the jansson tree encoder
 * it replaced wrote (tests/reference/reference_result_json.c):
 *  - results of real reports through pqcha_verify: valid; drifted by digest,
 *    by node (spans with the tensors they overlap) and by tensor (missing
 *    tensors too); a missing region; rejected with the report (expired,
 *    platform, unexpected region) and without it (untrusted key, forged
 *    signature, garbage); hardware evidence and its checks; regions with
 *    mappings, expected digests and tensor counts; ids, descriptions, file
 *    and tensor names with quotes, backslashes, C0 controls, DEL, C1
 *    (U+009B), U+202E and 2- to 4-byte UTF-8;
 *  - every string slot of such results filled with hostile text, then a
 *    seeded pseudo-random sweep of code points of every class;
 *  - fields the verifier cannot produce (unknown names, out-of-range times
 *    and numbers), set by hand;
 *  - what the tree encoder refused (malformed UTF-8, a NULL string): both
 *    return NO_MEMORY, deliberately unchanged (result_json.c says why).
 * Hand-written fragments pin the escapes and the key order on their own. */
#include <inttypes.h>
#include <jansson.h>

#include "core/internal.h"
#include "core/json.h"
#include "core/verify_internal.h"
#include "reference.h"
#include "tdx_synth.h"

#define NOW       SYNTH_NOW /* inside the synthetic TDX chain's validity */
#define NONCE     "00112233445566778899aabbccddeeff"
#define WORKLOAD  "llm-\xc3\xa9t\xc3\xa9"
#define MODEL_ID  "model \"w\" \\ \xe2\x80\xae.safetensors"
#define TENSORS   6
#define NO_SKIP   TENSORS
#define ALL_RIGHT SIZE_MAX
#define SHOW      60 /* bytes shown around a difference */

#define SLOTS_MAX    512
#define SWEEP_SEED   0x5eed2026u
#define SWEEP_ROUNDS 400
#define SWEEP_CHARS  12

/* ---- comparing the two ---- */

static size_t first_difference(const char *a, const char *b) {
    size_t i = 0;
    while (a[i] != '\0' && a[i] == b[i])
        i++;
    return i;
}

/* Both accept r and write the same text, every byte of it ASCII; returns
 * the direct text for further checks (or NULL). */
static char *encode_both(const char *what, const pqcha_result *r) {
    char *tree = NULL, *direct = NULL;
    CHECK_OK(reference_result_to_json(&tree, r));
    CHECK_OK(pqcha_result_to_json(&direct, r));
    if (tree != NULL && direct != NULL && strcmp(tree, direct) != 0) {
        size_t at = first_difference(tree, direct), from = at > SHOW / 2 ? at - SHOW / 2 : 0;
        fprintf(stderr,
                "  %s: first difference at byte %zu\n    tree   ...%.*s\n    direct ...%.*s\n",
                what, at, SHOW, tree + from, SHOW, direct + from);
        CHECK_FAILED("pqcha_result_to_json wrote other bytes than the tree encoder");
    }
    for (size_t i = 0; direct != NULL && direct[i] != '\0'; i++) {
        if ((unsigned char)direct[i] > 0x7f) {
            CHECK_FAILED("a byte above 0x7f in the ASCII text");
            break;
        }
    }
    free(tree);
    return direct;
}

static void check_same(const char *what, const pqcha_result *r) {
    pqcha_free(encode_both(what, r));
}

/* Both refuse r as the tree encoder did, leaving no output. */
static void check_both_refuse(const pqcha_result *r) {
    char *tree = NULL, *direct = (char *)"unchanged";
    CHECK_ERR(reference_result_to_json(&tree, r), PQCHA_ERR_NO_MEMORY);
    CHECK_ERR(pqcha_result_to_json(&direct, r), PQCHA_ERR_NO_MEMORY);
    CHECK(tree == NULL && direct == NULL);
}

/* ---- keys, and a safetensors model with hostile tensor names ---- */

static pqcha_key *trusted_key, *stranger_key;
static pki world;
static uint8_t *pinned_root;
static size_t pinned_root_len;

static const char *const tensor_names[TENSORS] = {
    "embed \"q\" \\ /",                            /* quotes, backslash, slash */
    "ctl\x01\x08\x09\x0a\x0b\x0c\x0d\x1b\x1f\x7f", /* C0 controls and DEL */
    "c1 \xc2\x80\xc2\x9b[31m\xc2\x9f",             /* C1, U+009B (CSI) among them */
    "bidi \xe2\x80\xae txt \xe2\x80\xa8",          /* U+202E, U+2028 */
    "\xc3\xa9\xe2\x82\xac\xef\xbf\xbf\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf", /* 2- to 4-byte */
    "big.weight"};
static const size_t tensor_sizes[TENSORS] = {4096, 4000, 5000, 3000, 6000, 150000};

typedef struct model {
    uint8_t *bytes; /* the file */
    size_t len;
    uint64_t offsets[TENSORS]; /* in the file */
    json_t *entry;             /* files[0] of its manifest */
} model;

static model the_model;

/* The safetensors header: each tensor a U8 vector, one after the other. */
static char *model_header(void) {
    json_t *header = json_object();
    size_t at = 0;
    for (size_t i = 0; i < TENSORS; i++) {
        json_object_set_new(header, tensor_names[i],
                            json_pack("{s:s, s:[I], s:[I,I]}", "dtype", "U8", "shape",
                                      (json_int_t)tensor_sizes[i], "data_offsets", (json_int_t)at,
                                      (json_int_t)(at + tensor_sizes[i])));
        at += tensor_sizes[i];
    }
    char *text = json_dumps(header, JSON_COMPACT);
    json_decref(header);
    return text;
}

/* Length prefix, header, then pseudo-random tensor bytes. */
static int model_bytes(model *m) {
    char *header = model_header();
    if (header == NULL) return 0;
    size_t header_len = strlen(header), data_len = 0;
    for (size_t i = 0; i < TENSORS; i++)
        data_len += tensor_sizes[i];
    m->len = 8 + header_len + data_len;
    m->bytes = malloc(m->len);
    if (m->bytes == NULL) {
        free(header);
        return 0;
    }
    for (int i = 0; i < 8; i++)
        m->bytes[i] = (uint8_t)(header_len >> (8 * i));
    memcpy(m->bytes + 8, header, header_len);
    free(header);
    uint64_t at = 8 + header_len;
    for (size_t i = 0; i < TENSORS; i++) {
        m->offsets[i] = at;
        at += tensor_sizes[i];
    }
    for (size_t i = 8 + header_len; i < m->len; i++)
        m->bytes[i] = (uint8_t)((i * 2654435761u) >> 13);
    return 1;
}

/* The manifest entry `pqcha manifest` writes for the model file. */
static json_t *model_entry(const model *m) {
    const char *path = testutil_write_file("model.safetensors", m->bytes, m->len);
    pqcha_manifest *manifest = NULL;
    char *text = NULL;
    json_t *doc = NULL, *entry = NULL;
    if (path == NULL || pqcha_manifest_create(&manifest) != PQCHA_OK) return NULL;
    if (pqcha_manifest_add_file(manifest, path, 1) == PQCHA_OK &&
        pqcha_manifest_tensor_count(manifest, 0) == TENSORS &&
        pqcha_manifest_to_json(&text, manifest) == PQCHA_OK)
        doc = json_loads(text, 0, NULL);
    entry = json_incref(json_array_get(json_object_get(doc, "files"), 0));
    json_decref(doc);
    pqcha_free(text);
    pqcha_manifest_free(manifest);
    return entry;
}

static int setup(void) {
    if (trusted_key != NULL) return 1;
    if (pqcha_key_generate(&trusted_key, PQCHA_ML_DSA_65) != PQCHA_OK ||
        pqcha_key_generate(&stranger_key, PQCHA_ML_DSA_44) != PQCHA_OK || !pki_make(&world) ||
        !model_bytes(&the_model))
        return 0;
    pinned_root = certs_pem(&world.root, 1, &pinned_root_len);
    the_model.entry = model_entry(&the_model);
    return pinned_root != NULL && the_model.entry != NULL;
}

/* ---- reports through the attester ---- */

typedef struct region_spec {
    const char *id, *description;
    const uint8_t *bytes;
    size_t len;
    const char *file; /* mapped from its offset 0, or NULL */
    int deleted;
    const char *expected; /* the attester's expected digest, or NULL */
    int tensors;          /* shows the model's tensors... */
    size_t skip;          /* ...but this one (NO_SKIP: none) */
} region_spec;

static pqcha_err register_region(pqcha_backend *b, const region_spec *s) {
    pqcha_region *r = NULL;
    PQCHA_TRY(pqcha_region_create(&r, s->id, s->description, 0x7f0000001000, s->len, PQCHA_PROT_R));
    pqcha_err err = s->file ? pqcha_region_set_mapping(r, s->file, 0) : PQCHA_OK;
    if (err == PQCHA_OK && s->deleted) err = pqcha_region_set_file_deleted(r, 1);
    for (size_t i = 0; err == PQCHA_OK && s->tensors && i < TENSORS; i++)
        if (i != s->skip)
            err =
                pqcha_region_add_tensor(r, tensor_names[i], the_model.offsets[i], tensor_sizes[i]);
    if (err == PQCHA_OK) err = pqcha_memory_backend_register(b, WORKLOAD, r, s->bytes, s->len);
    pqcha_region_free(r);
    return err;
}

/* A TDX quote from the synthetic PKI carrying the REPORT_DATA asked for. */
static void stamp_report_data(uint8_t *body, const void *report_data) {
    memcpy(body + 520, report_data, PQCHA_TEE_REPORT_DATA_LEN);
}

static pqcha_err synthetic_quote(void *ctx, const uint8_t report_data[PQCHA_TEE_REPORT_DATA_LEN],
                                 pqcha_raw_evidence **out) {
    (void)ctx;
    synth_opts o = default_synth;
    o.edit_body = stamp_report_data;
    o.edit_ctx = report_data;
    size_t len = 0;
    uint8_t *quote = synth_quote(&world, &o, 0, &len);
    pqcha_err err = quote ? pqcha_raw_evidence_create(out, "intel-tdx", "test", quote, len, NULL, 0)
                          : PQCHA_ERR_NO_MEMORY;
    free(quote);
    return err;
}

/* A signed report of the regions by key, with TDX evidence if asked. */
static char *attest(const region_spec *specs, size_t n, const pqcha_key *key, int evidence) {
    pqcha_backend *b = NULL;
    pqcha_attester *a = NULL;
    pqcha_evidence_source *src = NULL;
    char *env = NULL;
    pqcha_err err = pqcha_backend_create(&b, "in-memory");
    for (size_t i = 0; err == PQCHA_OK && i < n; i++)
        err = register_region(b, &specs[i]);
    if (err == PQCHA_OK) err = pqcha_attester_create(&a, key, b, WORKLOAD);
    if (err == PQCHA_OK) err = pqcha_attester_set_time(a, NOW);
    for (size_t i = 0; err == PQCHA_OK && i < n; i++)
        if (specs[i].expected) err = pqcha_attester_set_expected(a, specs[i].id, specs[i].expected);
    if (err == PQCHA_OK && evidence)
        err = pqcha_evidence_source_create_custom(&src, "intel-tdx", synthetic_quote, NULL);
    if (err == PQCHA_OK && evidence) err = pqcha_attester_set_evidence(a, src, "report");
    if (err == PQCHA_OK) err = pqcha_attester_attest(a, NONCE, &env, NULL);
    CHECK_OK(err);
    pqcha_evidence_source_free(src);
    pqcha_attester_free(a);
    pqcha_backend_free(b);
    return env;
}

/* ---- policies and verification ---- */

typedef struct policy_spec {
    const char *ids[4];
    const char *digests[4]; /* sha3-256-tree hex, or NULL: the model's manifest entry */
    size_t count;
    const char *platform; /* the workload's, or NULL */
    const char *evidence; /* the platform whose evidence it requires, or NULL */
} policy_spec;

static pqcha_policy *make_policy(const policy_spec *ps) {
    json_t *regions = json_object();
    for (size_t i = 0; i < ps->count; i++)
        json_object_set_new(regions, ps->ids[i],
                            ps->digests[i] ? json_pack("{s:s}", "sha3-256-tree", ps->digests[i])
                                           : json_pack("{s:s}", "manifest", "weights"));
    json_t *workload = json_pack("{s:o}", "regions", regions);
    if (ps->platform) json_object_set_new(workload, "platform", json_string(ps->platform));
    if (ps->evidence)
        json_object_set_new(workload, "evidence", json_pack("{s:s}", "platform", ps->evidence));
    json_t *root = json_pack("{s:i, s:{s:O}, s:{s:o}}", "version", 1, "manifests", "weights",
                             the_model.entry, "workloads", WORKLOAD, workload);
    char *text = json_dumps(root, JSON_COMPACT);
    pqcha_policy *p = NULL;
    if (text != NULL) CHECK_OK(pqcha_policy_parse(&p, text, strlen(text)));
    free(text);
    json_decref(root);
    return p;
}

/* How a verification must end. */
typedef struct outcome {
    pqcha_verdict verdict;
    pqcha_err error;
    int has_report;
} outcome;

/* Verifies env at `now` against the policy (NULL: authenticity only), with
 * the synthetic roots pinned if asked; checks the outcome and that both
 * encoders agree, and returns the result. */
static pqcha_result *verify(const char *what, const char *env, const pqcha_policy *p, int64_t now,
                            int with_roots, outcome want) {
    pqcha_verifier *v = NULL;
    pqcha_evidence_verifier *ev = NULL;
    pqcha_result *res = NULL;
    CHECK_OK(pqcha_verifier_create(&v));
    CHECK_OK(pqcha_verifier_trust_key(v, trusted_key));
    if (p) CHECK_OK(pqcha_verifier_set_policy(v, p));
    CHECK_OK(pqcha_verifier_set_time(v, now));
    CHECK_OK(pqcha_verifier_expect_nonce(v, NONCE));
    CHECK_OK(pqcha_evidence_verifier_create(&ev));
    CHECK_OK(pqcha_evidence_verifier_add_roots(ev, pinned_root, pinned_root_len));
    if (with_roots) CHECK_OK(pqcha_verifier_set_evidence_verifier(v, ev));
    pqcha_err err = pqcha_verify(&res, v, env, env ? strlen(env) : 0);
    pqcha_verifier_free(v);
    pqcha_evidence_verifier_free(ev);
    if (res == NULL) {
        CHECK_FAILED("no result");
        return NULL;
    }
    CHECK_ERR(err, want.error);
    CHECK_ERR(pqcha_result_error(res), want.error);
    CHECK(pqcha_result_verdict(res) == want.verdict);
    CHECK((pqcha_result_report(res) != NULL) == want.has_report);
    check_same(what, res);
    return res;
}

static void verify_and_free(const char *what, const char *env, const pqcha_policy *p, int64_t now,
                            outcome want) {
    pqcha_result_free(verify(what, env, p, now, 0, want));
}

static void tree_hex(char out[2 * PQCHA_SHA3_256_LEN + 1], const uint8_t *bytes, size_t len) {
    uint8_t digest[PQCHA_SHA3_256_LEN];
    CHECK_OK(pqcha_digest(digest, sizeof digest, PQCHA_DIGEST_SHA3_256_TREE, bytes, len, 1));
    pqcha_hex_encode(out, digest, sizeof digest);
}

/* ---- plain regions: three, with every kind of region text ---- */

static const uint8_t plain_bytes[3][100] = {{1}, {2}, {3}};
#define EXPECTED_HEX "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const region_spec plain_regions[3] = {
    {"w \"q\" \\ /\xe2\x80\xae", "desc \xc3\xa9\xf0\x9f\x98\x80 \"\\", plain_bytes[0], 100, NULL, 0,
     EXPECTED_HEX, 0, NO_SKIP},
    {"cache-\xe4\xb8\xad", "", plain_bytes[1], 100, "/lib/\xe2\x80\xae\"x\".so", 1, NULL, 0,
     NO_SKIP},
    {"tok", "tokenizer \xef\xbf\xbf", plain_bytes[2], 100, "/models/tok.json", 0, NULL, 0, NO_SKIP},
};

/* A policy for the plain regions: the digest of region `wrong` (ALL_RIGHT:
 * none) of other bytes, and `extra` regions more (missing from the report)
 * or fewer (negative: the report's last region is unexpected). */
static pqcha_policy *plain_policy(size_t wrong, int extra, const char *platform) {
    static char hex[4][2 * PQCHA_SHA3_256_LEN + 1];
    policy_spec ps = {{"", "", "", ""}, {NULL, NULL, NULL, NULL}, 0, platform, NULL};
    for (size_t i = 0; i < 3; i++) {
        tree_hex(hex[i], plain_bytes[i], i == wrong ? 99 : 100);
        ps.ids[i] = plain_regions[i].id;
        ps.digests[i] = hex[i];
    }
    ps.ids[3] = "absent \xe2\x80\xae\"";
    ps.digests[3] = hex[0];
    ps.count = (size_t)(3 + extra);
    return make_policy(&ps);
}

static void test_plain_results(void) {
    REQUIRE(setup());
    char *env = attest(plain_regions, 3, trusted_key, 0);
    REQUIRE(env != NULL);
    pqcha_policy *valid = plain_policy(ALL_RIGHT, 0, "in-memory"),
                 *drift = plain_policy(1, 0, NULL), *missing = plain_policy(0, 1, NULL),
                 *fewer = plain_policy(ALL_RIGHT, -1, NULL),
                 *platform = plain_policy(ALL_RIGHT, 0, "process");
    REQUIRE(valid && drift && missing && fewer && platform);
    pqcha_result *res =
        verify("valid", env, valid, NOW + 5, 0, (outcome){PQCHA_VERDICT_VALID, PQCHA_OK, 1});
    char *text = res ? encode_both("valid", res) : NULL;
    CHECK(text &&
          strstr(text, "\"digestAlgorithm\":\"sha3-256-tree\",\"expectedDigest\":\"" EXPECTED_HEX
                       "\",\"id\":\"w \\\"q\\\" \\\\ /\\u202E\",\"protection\":") != NULL);
    CHECK(text && strstr(text, ",\"mapping\":{\"deleted\":true,\"file\":"
                               "\"/lib/\\u202E\\\"x\\\".so\",\"offset\":0},") != NULL);
    pqcha_free(text);
    pqcha_result_free(res);
    verify_and_free("authenticity only", env, NULL, NOW + 5,
                    (outcome){PQCHA_VERDICT_VALID, PQCHA_OK, 1});
    verify_and_free("digest drift", env, drift, NOW + 5,
                    (outcome){PQCHA_VERDICT_DRIFT, PQCHA_ERR_MEMORY_DRIFT, 1});
    verify_and_free("missing region", env, missing, NOW + 5,
                    (outcome){PQCHA_VERDICT_DRIFT, PQCHA_ERR_MISSING_REGION, 1});
    verify_and_free("unexpected region", env, fewer, NOW + 5,
                    (outcome){PQCHA_VERDICT_REJECTED, PQCHA_ERR_UNEXPECTED_REGION, 1});
    verify_and_free("platform", env, platform, NOW + 5,
                    (outcome){PQCHA_VERDICT_REJECTED, PQCHA_ERR_POLICY_VIOLATION, 1});
    verify_and_free("expired", env, valid, NOW + 100000,
                    (outcome){PQCHA_VERDICT_REJECTED, PQCHA_ERR_EXPIRED, 1});
    pqcha_policy_free(valid);
    pqcha_policy_free(drift);
    pqcha_policy_free(missing);
    pqcha_policy_free(fewer);
    pqcha_policy_free(platform);
    pqcha_free(env);
}

/* Rejections that never expose the report. */
static void test_results_without_report(void) {
    REQUIRE(setup());
    pqcha_policy *p = plain_policy(ALL_RIGHT, 0, NULL);
    char *stranger = attest(plain_regions, 3, stranger_key, 0);
    char *forged = attest(plain_regions, 3, trusted_key, 0);
    REQUIRE(p && stranger && forged);
    char *sig = strstr(forged, "\"sig\":\"");
    REQUIRE(sig != NULL);
    sig[7] = sig[7] == 'A' ? 'B' : 'A';
    verify_and_free("untrusted key", stranger, p, NOW + 5,
                    (outcome){PQCHA_VERDICT_REJECTED, PQCHA_ERR_UNTRUSTED_KEY, 0});
    verify_and_free("forged signature", forged, p, NOW + 5,
                    (outcome){PQCHA_VERDICT_REJECTED, PQCHA_ERR_BAD_SIGNATURE, 0});
    verify_and_free("garbage", "{\"payloadType\":\"\xe2\x80\xae\"}", p, NOW + 5,
                    (outcome){PQCHA_VERDICT_MALFORMED, PQCHA_ERR_MISSING_FIELD, 0});
    verify_and_free("not JSON", "\x01\"\\", p, NOW + 5,
                    (outcome){PQCHA_VERDICT_MALFORMED, PQCHA_ERR_JSON_SYNTAX, 0});
    pqcha_free(stranger);
    pqcha_free(forged);
    pqcha_policy_free(p);
}

/* ---- the model: drift by node and by tensor ---- */

/* The model, with one byte flipped in each tensor of `flip` (a bit mask). */
static uint8_t *model_copy(unsigned flip) {
    uint8_t *copy = malloc(the_model.len);
    if (copy == NULL) return NULL;
    memcpy(copy, the_model.bytes, the_model.len);
    for (size_t i = 0; i < TENSORS; i++)
        if (flip & (1u << i)) copy[the_model.offsets[i] + tensor_sizes[i] / 2] ^= 0x5a;
    return copy;
}

/* The model region (tensor level or not), next to a plain region, verified
 * against the manifest; returns the result. */
static pqcha_result *model_result(const char *what, unsigned flip, int tensors, size_t skip,
                                  outcome want) {
    uint8_t *bytes = model_copy(flip);
    if (bytes == NULL) return NULL;
    region_spec specs[2] = {{MODEL_ID, "weights \xe2\x80\xae", bytes, the_model.len,
                             "/models/\xc3\xa9/model.safetensors", flip != 0, EXPECTED_HEX, tensors,
                             skip},
                            plain_regions[2]};
    char plain[2 * PQCHA_SHA3_256_LEN + 1];
    tree_hex(plain, plain_bytes[2], 100);
    policy_spec ps = {{MODEL_ID, plain_regions[2].id}, {NULL, plain}, 2, NULL, NULL};
    pqcha_policy *p = make_policy(&ps);
    char *env = attest(specs, 2, trusted_key, 0);
    pqcha_result *res = p && env ? verify(what, env, p, NOW + 5, 0, want) : NULL;
    pqcha_free(env);
    pqcha_policy_free(p);
    free(bytes);
    return res;
}

static void test_model_results(void) {
    REQUIRE(setup());
    const outcome valid = {PQCHA_VERDICT_VALID, PQCHA_OK, 1};
    const outcome drift = {PQCHA_VERDICT_DRIFT, PQCHA_ERR_MEMORY_DRIFT, 1};
    pqcha_result_free(model_result("whole file", 0, 0, NO_SKIP, valid));
    pqcha_result_free(model_result("tensors", 0, 1, NO_SKIP, valid));
    pqcha_result *res = model_result("node drift", 0x3f, 0, NO_SKIP, drift);
    CHECK(res != NULL && pqcha_result_span_count(res) > 0);
    CHECK(res != NULL && pqcha_result_span_tensor_count(res, 0) > 0);
    pqcha_result_free(res);
    res = model_result("tensor drift", 0x1e, 1, 0, drift);
    CHECK(res != NULL && pqcha_result_span_count(res) == 4);
    CHECK(res != NULL && pqcha_result_missing_tensor_count(res) == 1);
    pqcha_result_free(res);
    pqcha_result_free(model_result("missing tensor", 0, 1, 5, drift));
}

/* ---- hardware evidence ---- */

static void test_evidence_results(void) {
    REQUIRE(setup());
    char hex[2 * PQCHA_SHA3_256_LEN + 1];
    tree_hex(hex, plain_bytes[2], 100);
    policy_spec ps = {{plain_regions[2].id}, {hex}, 1, NULL, "intel-tdx"};
    pqcha_policy *tdx = make_policy(&ps);
    ps.evidence = "amd-sev-snp";
    pqcha_policy *snp = make_policy(&ps);
    char *with = attest(&plain_regions[2], 1, trusted_key, 1);
    char *without = attest(&plain_regions[2], 1, trusted_key, 0);
    REQUIRE(tdx && snp && with && without);
    pqcha_result *res =
        verify("evidence", with, tdx, NOW + 5, 1, (outcome){PQCHA_VERDICT_VALID, PQCHA_OK, 1});
    CHECK(res != NULL && pqcha_result_check_count(res) > 18); /* the evidence verifier's too */
    pqcha_result_free(res);
    pqcha_result_free(verify("no roots", with, tdx, NOW + 5, 0,
                             (outcome){PQCHA_VERDICT_REJECTED, PQCHA_ERR_CERT_CHAIN, 1}));
    pqcha_result_free(verify("other platform", with, snp, NOW + 5, 1,
                             (outcome){PQCHA_VERDICT_REJECTED, PQCHA_ERR_NO_EVIDENCE, 1}));
    pqcha_result_free(verify("no evidence", without, tdx, NOW + 5, 1,
                             (outcome){PQCHA_VERDICT_REJECTED, PQCHA_ERR_NO_EVIDENCE, 1}));
    pqcha_free(with);
    pqcha_free(without);
    pqcha_policy_free(tdx);
    pqcha_policy_free(snp);
}

/* ---- every string slot of a result ---- */

typedef struct slots {
    char **at[SLOTS_MAX];
    char *saved[SLOTS_MAX];
    int optional[SLOTS_MAX]; /* NULL there leaves the field out (or reads "") */
    size_t count;
} slots;

static void add_slot_of(slots *s, char **slot, int optional) {
    if (*slot == NULL || s->count == SLOTS_MAX) return;
    s->at[s->count] = slot;
    s->optional[s->count] = optional;
    s->saved[s->count++] = *slot;
}

static void add_slot(slots *s, char **slot) {
    add_slot_of(s, slot, 0);
}

static void add_report_slots(slots *s, pqcha_report *rep) {
    add_slot(s, &rep->report_id);
    add_slot(s, &rep->workload_id);
    add_slot(s, &rep->platform);
    add_slot(s, &rep->nonce_hex);
    for (size_t i = 0; i < rep->claim_count; i++) {
        pqcha__claim *c = &rep->claims[i];
        add_slot(s, &c->region.id);
        add_slot_of(s, &c->region.description, 1);
        add_slot_of(s, &c->region.mapped_file, 1);
        add_slot_of(s, &c->expected_hex, 1);
    }
}

/* Every string of r the text shows, but the fixed-size hex arrays. */
static void collect_slots(slots *s, pqcha_result *r) {
    s->count = 0;
    for (size_t i = 0; i < r->check_count; i++) {
        add_slot(s, &r->checks[i].name);
        add_slot(s, &r->checks[i].expected);
        add_slot(s, &r->checks[i].found);
    }
    for (size_t i = 0; i < r->drift_count; i++)
        add_slot(s, &r->drift[i]);
    for (size_t i = 0; i < r->span_count; i++) {
        add_slot(s, &r->spans[i].region);
        for (size_t t = 0; t < r->spans[i].tensor_count; t++)
            add_slot(s, &r->spans[i].tensors[t]);
    }
    for (size_t i = 0; i < r->missing_count; i++) {
        add_slot(s, &r->missing[i].region);
        add_slot(s, &r->missing[i].tensor);
    }
    if (r->report) add_report_slots(s, r->report);
}

/* Puts the result's own strings back, before it is freed. */
static void restore_slots(const slots *s) {
    for (size_t i = 0; i < s->count; i++)
        *s->at[i] = s->saved[i];
}

/* Results that show every kind of slot: tensor drift with a missing tensor,
 * and node drift with spans that list tensors. */
static pqcha_result *rich_result(int tensors) {
    const outcome drift = {PQCHA_VERDICT_DRIFT, PQCHA_ERR_MEMORY_DRIFT, 1};
    return model_result("rich", tensors ? 0x0c : 0x21, tensors, tensors ? 1 : NO_SKIP, drift);
}

static void test_hostile_text_in_every_slot(void) {
    static const char *const texts[] = {
        "",
        "\"",
        "\\",
        "/\"\\/",
        "\b\f\n\r\t\x01\x0b\x0e\x1f",
        "\x7f",
        "\xc2\x80\xc2\x9b\xc2\x9f\xc2\xa0",
        "\xe2\x80\xae\xe2\x80\xad\xe2\x81\xa6\xe2\x80\xa8\xe2\x80\xa9",
        "\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbd\xef\xbf\xbf",
        "\xf0\x90\x80\x80\xf0\x9f\x98\x80\xf3\xa0\x80\x81\xf4\x8f\xbf\xbf",
        "plain ascii text that needs no escape at all, long enough to matter: 0123456789"};
    REQUIRE(setup());
    for (int tensors = 0; tensors < 2; tensors++) {
        pqcha_result *r = rich_result(tensors);
        REQUIRE(r != NULL);
        slots s;
        collect_slots(&s, r);
        CHECK(s.count > 60);
        for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
            for (size_t i = 0; i < s.count; i++)
                *s.at[i] = (char *)(uintptr_t)texts[t];
            char what[48];
            snprintf(what, sizeof what, "hostile text %zu, tensors %d", t, tensors);
            check_same(what, r);
        }
        restore_slots(&s);
        pqcha_result_free(r);
    }
}

/* ---- the pseudo-random sweep ---- */

static uint64_t sweep_state;

static uint64_t sweep_next(void) { /* splitmix64 */
    uint64_t z = (sweep_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static uint32_t sweep_below(uint32_t n) {
    return (uint32_t)(sweep_next() % n);
}

/* A code point of a class picked at random: printable ASCII, what JSON
 * escapes by name, C0 controls, the edges of each UTF-8 length and of the
 * surrogates, C1 and bidirectional controls, then any of 2, 3 or 4 bytes. */
static uint32_t random_code_point(void) {
    static const uint32_t edges[] = {0x7f,   0x80,    0x9b,    0x9f,    0xa0,    0x7ff,  0x800,
                                     0x2028, 0x202e,  0x2066,  0xd7ff,  0xe000,  0xfeff, 0xfffd,
                                     0xffff, 0x10000, 0x1f600, 0xe0001, 0x10ffff};
    switch (sweep_below(8)) {
    case 0: return (uint32_t) "\"\\/"[sweep_below(3)];
    case 1: return 1 + sweep_below(0x1f);
    case 2: return edges[sweep_below(sizeof edges / sizeof edges[0])];
    case 3: return 0x80 + sweep_below(0x780);
    case 4: {
        uint32_t cp = 0x800 + sweep_below(0x10000 - 0x800 - 0x800);
        return cp < 0xd800 ? cp : cp + 0x800; /* not a surrogate */
    }
    case 5: return 0x10000 + sweep_below(0x100000);
    default: return 0x20 + sweep_below(0x5f);
    }
}

static size_t utf8_encode(char *out, uint32_t cp) {
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    size_t n = cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    static const unsigned char lead[] = {0, 0, 0xc0, 0xe0, 0xf0};
    for (size_t i = n - 1; i > 0; i--) {
        out[i] = (char)(0x80 | (cp & 0x3f));
        cp >>= 6;
    }
    out[0] = (char)(lead[n] | cp);
    return n;
}

/* Up to max_chars random characters into out (4 bytes each, and the NUL). */
static char *random_text(char *out, size_t max_chars) {
    size_t count = sweep_below((uint32_t)max_chars + 1), n = 0;
    for (size_t i = 0; i < count; i++)
        n += utf8_encode(out + n, random_code_point());
    out[n] = '\0';
    return out;
}

/* Sizes, offsets, times and the sequence as the sweep sets them: any
 * 64-bit value, and times also out of what RFC 3339 spells. */
static void randomise_numbers(pqcha_result *r) {
    pqcha_report *rep = r->report;
    for (size_t i = 0; i < r->span_count; i++) {
        r->spans[i].offset = sweep_next();
        r->spans[i].length = sweep_next() >> sweep_below(64);
    }
    if (rep == NULL) return;
    rep->sequence = sweep_next() >> sweep_below(64);
    rep->issued_at = (int64_t)(sweep_next() % ((uint64_t)PQCHA_MAX_UNIX_SECONDS + 2));
    rep->expires_at = (int64_t)sweep_next();
    for (size_t i = 0; i < rep->claim_count; i++) {
        rep->claims[i].region.size = sweep_next();
        rep->claims[i].region.address = sweep_next() >> sweep_below(64);
        rep->claims[i].region.file_offset = sweep_next();
        rep->claims[i].taken_at = sweep_below(2) ? rep->issued_at : (int64_t)sweep_next();
    }
}

static void sweep_one(pqcha_result *r, slots *s, char (*texts)[4 * SWEEP_CHARS + 1], int round) {
    for (size_t i = 0; i < s->count; i++)
        *s->at[i] = random_text(texts[i], SWEEP_CHARS);
    randomise_numbers(r);
    if (sweep_below(16) == 0) {
        /* A malformed sequence somewhere: refused by both, as before. */
        static const char *const malformed[] = {
            "\xff", "a\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "x\x80"};
        *s->at[sweep_below((uint32_t)s->count)] = (char *)(uintptr_t)malformed[sweep_below(6)];
        check_both_refuse(r);
        return;
    }
    char what[32];
    snprintf(what, sizeof what, "sweep round %d", round);
    check_same(what, r);
}

static void test_random_sweep(void) {
    REQUIRE(setup());
    pqcha_result *results[2] = {rich_result(1), rich_result(0)};
    REQUIRE(results[0] != NULL && results[1] != NULL);
    slots s[2];
    collect_slots(&s[0], results[0]);
    collect_slots(&s[1], results[1]);
    char(*texts)[4 * SWEEP_CHARS + 1] = calloc(SLOTS_MAX, sizeof *texts);
    REQUIRE(texts != NULL);
    sweep_state = SWEEP_SEED;
    for (int round = 0; round < SWEEP_ROUNDS; round++)
        sweep_one(results[round % 2], &s[round % 2], texts, round);
    for (int i = 0; i < 2; i++) {
        restore_slots(&s[i]);
        pqcha_result_free(results[i]);
    }
    free(texts);
}

/* ---- by hand: what the verifier cannot produce ---- */

static void test_fields_set_by_hand(void) {
    REQUIRE(setup());
    pqcha_result *r = rich_result(1);
    REQUIRE(r != NULL && r->report != NULL && r->report->claim_count == 2 && r->check_count > 0);
    pqcha__claim *c = &r->report->claims[0];
    char *description = c->region.description;
    size_t segments = c->segment_count;
    c->region.description = NULL; /* shown as "" */
    c->digest_alg = (pqcha_digest_alg)99;
    c->region.protection = (pqcha_protection)0;
    r->report->signer_alg = (pqcha_sig_alg)0;
    r->verdict = (pqcha_verdict)77;
    r->error = (pqcha_err)9999;
    r->checks[0].status = (pqcha_check_status)42;
    r->checks[0].err = (pqcha_err)-3;
    static const int64_t times[] = {-1,        INT64_MIN, PQCHA_MAX_UNIX_SECONDS + 1,
                                    INT64_MAX, 0,         PQCHA_MAX_UNIX_SECONDS};
    static const uint64_t numbers[] = {
        0, 1, PQCHA_MAX_SAFE_INTEGER, INT64_MAX, (uint64_t)INT64_MAX + 1, UINT64_MAX};
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        r->report->issued_at = times[i];
        r->report->expires_at = times[(i + 1) % 6];
        c->taken_at = times[(i + 2) % 6];
        r->report->sequence = c->region.size = c->region.file_offset = numbers[i];
        c->region.address = numbers[(i + 3) % 6];
        r->spans[0].offset = r->spans[0].length = numbers[(i + 1) % 6];
        r->spans[0].tensor_total = (size_t)numbers[(i + 2) % 6];
        c->segment_count = i % 2 ? segments : 1; /* the first: a gap, so tensorCount 0 */
        check_same("by hand", r);
    }
    c->region.description = description;
    c->segment_count = segments;
    pqcha_result_free(r);
}

/* An empty result, as a caller could never get one, and the argument errors. */
static void test_empty_result_and_arguments(void) {
    pqcha_result *r = calloc(1, sizeof *r);
    REQUIRE(r != NULL);
    char *text = encode_both("empty", r);
    CHECK_STR(text, "{\"checks\":[],\"drift\":[],\"driftDetails\":[],\"error\":0,\"errorName\":"
                    "\"OK\",\"missingTensors\":[],\"report\":null,\"verdict\":\"valid\"}");
    pqcha_free(text);
    text = (char *)"unchanged";
    CHECK_ERR(pqcha_result_to_json(&text, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(text == NULL);
    CHECK_ERR(pqcha_result_to_json(NULL, r), PQCHA_ERR_INVALID_ARGUMENT);
    pqcha_result_free(r);
}

/* Malformed UTF-8 or a NULL string in any kind of slot: NO_MEMORY and no
 * text from both (result_json.c: the tree encoder's answer, kept). */
static void test_refused_strings(void) {
    REQUIRE(setup());
    pqcha_result *r = rich_result(1);
    REQUIRE(r != NULL);
    slots s;
    collect_slots(&s, r);
    for (size_t i = 0; i < s.count; i++) {
        char *saved = *s.at[i];
        *s.at[i] = (char *)"ok \xe2\x80";
        check_both_refuse(r);
        if (!s.optional[i]) {
            *s.at[i] = NULL;
            check_both_refuse(r);
        }
        *s.at[i] = saved;
    }
    check_same("restored", r);
    pqcha_result_free(r);
}

/* A check text cut inside a character (the verifier builds its texts in
 * fixed buffers from UTF-8 names: regions, workloads, tensors, paths) is
 * kept without the cut character, so the result still writes, where a
 * malformed text refuses the whole result (above). Whole characters at
 * the end stay. */
static void test_cut_character_in_a_check_text(void) {
    pqcha_result *r = calloc(1, sizeof *r);
    REQUIRE(r != NULL);
    CHECK_OK(pqcha__result_add_check(r, "region:w", PQCHA_CHECK_FAIL, PQCHA_ERR_MEMORY_DRIFT,
                                     "tensor \xe2\x80\xae", "tensor \xe2\x80"));
    CHECK_OK(pqcha__result_add_check(r, "n\xc3\xa9", PQCHA_CHECK_PASS, PQCHA_OK, "\xf0\x9f\x98",
                                     "a\xc3"));
    CHECK_OK(
        pqcha__result_add_check(r, "4", PQCHA_CHECK_PASS, PQCHA_OK, "\xf0\x9f\x98\x80", "ab\xf0"));
    REQUIRE(r->check_count == 3);
    CHECK_STR(r->checks[0].expected, "tensor \xe2\x80\xae");
    CHECK_STR(r->checks[0].found, "tensor ");
    CHECK_STR(r->checks[1].name, "n\xc3\xa9");
    CHECK_STR(r->checks[1].expected, "");
    CHECK_STR(r->checks[1].found, "a");
    CHECK_STR(r->checks[2].expected, "\xf0\x9f\x98\x80");
    CHECK_STR(r->checks[2].found, "ab");
    char *text = NULL;
    CHECK_OK(pqcha_result_to_json(&text, r));
    CHECK(text != NULL && strstr(text, "\"found\":\"tensor \"") != NULL);
    pqcha_free(text);
    pqcha_result_free(r);
}

/* ---- fragments pinned by hand ---- */

static void test_pinned_escapes_and_order(void) {
    REQUIRE(setup());
    pqcha_result *r = rich_result(1);
    REQUIRE(r != NULL && r->check_count > 0);
    char *found = r->checks[0].found;
    r->checks[0].found = (char *)"\"\\/\b\f\n\r\t\x01\x0b\x1f\x7f\xc2\x9b\xc3\xa9\xe2\x80\xae"
                                 "\xef\xbf\xbf\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf";
    char *text = encode_both("pinned", r);
    REQUIRE(text != NULL);
    CHECK(strstr(text, "\"found\":\"\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u000B\\u001F\x7f\\u009B"
                       "\\u00E9\\u202E\\uFFFF\\uD83D\\uDE00\\uDBFF\\uDFFF\",\"name\":") != NULL);
    static const char head[] = "{\"checks\":[{\"error\":null,\"expected\":";
    CHECK(strncmp(text, head, sizeof head - 1) == 0);
    CHECK(strstr(text, "],\"drift\":[\"model \\\"w\\\" \\\\ \\u202E.safetensors\"],"
                       "\"driftDetails\":[{\"length\":") != NULL);
    CHECK(strstr(text,
                 ",\"region\":\"model \\\"w\\\" \\\\ \\u202E.safetensors\","
                 "\"tensorCount\":1,\"tensors\":[\"c1 \\u0080\\u009B[31m\\u009F\"]}") != NULL);
    CHECK(strstr(text, "],\"error\":46,\"errorName\":\"MEMORY_DRIFT\",\"missingTensors\":"
                       "[{\"region\":\"model \\\"w\\\" \\\\ \\u202E.safetensors\",\"tensor\":"
                       "\"ctl\\u0001\\b\\t\\n\\u000B\\f\\r\\u001B\\u001F\x7f\"}],\"report\":"
                       "{\"expiresAt\":\"2025-01-01T00:05:00Z\",\"issuedAt\":") != NULL);
    CHECK(strstr(text, ",\"digestAlgorithm\":\"sha3-256-segments\",\"id\":\"model \\\"w\\\" \\\\ "
                       "\\u202E.safetensors\",\"mapping\":{"
                       "\"deleted\":true,\"file\":\"/models/\\u00E9/model.safetensors\","
                       "\"offset\":0},\"protection\":\"R\",\"size\":") != NULL);
    CHECK(strstr(text, ",\"tensorCount\":5}") != NULL);
    CHECK(strstr(text, "\"signer\":{\"algorithm\":\"ML-DSA-65\",\"keyId\":\"") != NULL);
    CHECK(strstr(text, "\"workloadId\":\"llm-\\u00E9t\\u00E9\"},\"verdict\":\"drift\"}") != NULL);
    pqcha_free(text);
    r->checks[0].found = found;
    pqcha_result_free(r);
}

static void test_teardown(void) {
    json_decref(the_model.entry);
    free(the_model.bytes);
    free(pinned_root);
    pki_free(&world);
    pqcha_key_free(trusted_key);
    pqcha_key_free(stranger_key);
}

TEST_MAIN(TEST(test_plain_results), TEST(test_cut_character_in_a_check_text),
          TEST(test_results_without_report), TEST(test_model_results), TEST(test_evidence_results),
          TEST(test_hostile_text_in_every_slot), TEST(test_random_sweep),
          TEST(test_fields_set_by_hand), TEST(test_empty_result_and_arguments),
          TEST(test_refused_strings), TEST(test_pinned_escapes_and_order), TEST(test_teardown))
