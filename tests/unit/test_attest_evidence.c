/* test_attest_evidence.c — hardware evidence end to end (issue 10): the
 * attester binds a TDX quote to its report (key or report binding) through
 * a custom evidence source that synthesises quotes with a throw-away Intel-
 * like PKI (tdx_synth.h); pqcha_verify then checks it against the policy's
 * evidence requirements (FORMAT.md 4.7, 6.1, check 11b). Every rejection is
 * asserted with its exact error and verdict. */
#include <string.h>

#include "core/binding.h"
#include "core/envelope.h"
#include "core/report_internal.h"
#include "tdx_synth.h"

#define WORKLOAD    "llm"
#define NONCE       "00112233445566778899aabbccddeeff"
#define OTHER_NONCE "ffeeddccbbaa99887766554433221100"
#define BODY_MRTD   136 /* TD report body: mr_td's offset */

static pqcha_key *key;
static const uint8_t weights[64] = {7}; /* the one region every report measures */
static pki world;
static uint8_t *pinned_root;
static size_t pinned_root_len;

/* What the synthetic TEE does: a quote carrying the REPORT_DATA asked for,
 * unless the test wants it to misbehave. */
typedef struct fake_tee {
    int calls;
    int debug;
    int wrong_report_data;
} fake_tee;

static void put_report_data(uint8_t *body, const void *ctx) {
    memcpy(body + 520, ctx, 64);
}

static pqcha_err fake_get(void *ctx, const uint8_t report_data[PQCHA_TEE_REPORT_DATA_LEN],
                          pqcha_raw_evidence **out) {
    fake_tee *tee = ctx;
    uint8_t data[64];
    memcpy(data, report_data, sizeof data);
    if (tee->wrong_report_data) data[0] ^= 1;
    synth_opts o = default_synth;
    o.debug = tee->debug;
    o.edit_body = put_report_data;
    o.edit_ctx = data;
    size_t len = 0;
    uint8_t *quote = synth_quote(&world, &o, 0, &len);
    tee->calls++;
    pqcha_err err = pqcha_raw_evidence_create(out, "intel-tdx", "test", quote, len, NULL, 0);
    free(quote);
    return err;
}

static int setup(void) {
    if (key != NULL) return 1;
    if (pqcha_key_generate(&key, PQCHA_ML_DSA_65) != PQCHA_OK || !pki_make(&world)) return 0;
    pinned_root = certs_pem(&world.root, 1, &pinned_root_len);
    return pinned_root != NULL;
}

/* A signed report of one in-memory region, with evidence from tee. */
static char *attest_with(fake_tee *tee, const char *binding, const char *nonce, pqcha_err *err) {
    pqcha_backend *b = NULL;
    pqcha_region *r = NULL;
    pqcha_attester *a = NULL;
    pqcha_evidence_source *src = NULL;
    char *env = NULL;
    *err = pqcha_backend_create(&b, "in-memory");
    if (*err == PQCHA_OK) *err = pqcha_region_create(&r, "w", "", 0, sizeof weights, PQCHA_PROT_RO);
    if (*err == PQCHA_OK)
        *err = pqcha_memory_backend_register(b, WORKLOAD, r, weights, sizeof weights);
    if (*err == PQCHA_OK) *err = pqcha_attester_create(&a, key, b, WORKLOAD);
    if (*err == PQCHA_OK) *err = pqcha_attester_set_time(a, SYNTH_NOW);
    if (*err == PQCHA_OK)
        *err = pqcha_evidence_source_create_custom(&src, "intel-tdx", fake_get, tee);
    if (*err == PQCHA_OK) *err = pqcha_attester_set_evidence(a, src, binding);
    if (*err == PQCHA_OK) *err = pqcha_attester_attest(a, nonce, &env, NULL);
    pqcha_attester_free(a);
    pqcha_evidence_source_free(src);
    pqcha_region_free(r);
    pqcha_backend_free(b);
    return env;
}

/* The policy: the one region's digest, and the evidence object if any. */
static char *policy_text(const char *evidence) {
    static char text[4096];
    uint8_t digest[PQCHA_SHA3_256_LEN];
    char hex[2 * PQCHA_SHA3_256_LEN + 1] = "";
    if (pqcha_digest(digest, sizeof digest, PQCHA_DIGEST_SHA3_256_TREE, weights, sizeof weights,
                     1) == PQCHA_OK)
        pqcha_hex_encode(hex, digest, sizeof digest);
    snprintf(text, sizeof text,
             "{\"version\":1,\"workloads\":{\"" WORKLOAD "\":{%s%s%s"
             "\"regions\":{\"w\":{\"sha3-256-tree\":\"%s\"}}}}}",
             evidence ? "\"evidence\":" : "", evidence ? evidence : "", evidence ? "," : "", hex);
    return text;
}

/* Verifies env against a policy whose workload has this evidence object. */
static pqcha_result *verify_with(const char *env, const char *evidence, int with_roots,
                                 const char *challenge) {
    pqcha_policy *policy = NULL;
    pqcha_verifier *v = NULL;
    pqcha_evidence_verifier *ev = NULL;
    pqcha_result *res = NULL;
    const char *text = policy_text(evidence);
    CHECK_OK(pqcha_policy_parse(&policy, text, strlen(text)));
    CHECK_OK(pqcha_verifier_create(&v));
    CHECK_OK(pqcha_verifier_trust_key(v, key));
    CHECK_OK(pqcha_verifier_set_policy(v, policy));
    CHECK_OK(pqcha_verifier_set_time(v, SYNTH_NOW + 1));
    if (challenge) CHECK_OK(pqcha_verifier_expect_nonce(v, challenge));
    CHECK_OK(pqcha_evidence_verifier_create(&ev));
    CHECK_OK(pqcha_evidence_verifier_add_roots(ev, pinned_root, pinned_root_len));
    CHECK_OK(pqcha_verifier_set_evidence_verifier(v, with_roots ? ev : NULL));
    pqcha_err err = pqcha_verify(&res, v, env, strlen(env));
    CHECK(res == NULL || err == pqcha_result_error(res));
    pqcha_verifier_free(v);
    pqcha_evidence_verifier_free(ev);
    pqcha_policy_free(policy);
    return res;
}

static size_t check_index(const pqcha_result *r, const char *name) {
    for (size_t i = 0; i < pqcha_result_check_count(r); i++)
        if (strcmp(pqcha_result_check_name(r, i), name) == 0) return i;
    return (size_t)-1;
}

static void expect_verdict(const pqcha_result *r, pqcha_verdict verdict, pqcha_err err) {
    CHECK(r != NULL);
    if (r == NULL) return;
    CHECK(pqcha_result_verdict(r) == verdict);
    CHECK_ERR(pqcha_result_error(r), err);
}

static void test_report_binding_verifies(void) {
    REQUIRE(setup());
    fake_tee tee = {0, 0, 0};
    pqcha_err err;
    char *env = attest_with(&tee, "report", NONCE, &err);
    CHECK_OK(err);
    REQUIRE(env != NULL);
    CHECK(tee.calls == 1);
    pqcha_result *r = verify_with(env, "{\"platform\":\"intel-tdx\"}", 1, NONCE);
    expect_verdict(r, PQCHA_VERDICT_VALID, PQCHA_OK);
    size_t i = check_index(r, "evidence");
    REQUIRE(i != (size_t)-1);
    CHECK(pqcha_result_check_status(r, i) == PQCHA_CHECK_PASS);
    CHECK_STR(pqcha_result_check_found(r, i), "intel-tdx evidence, binding report");
    /* the evidence verifier's checks follow, each named */
    i = check_index(r, "evidence:quote_signature");
    CHECK(i != (size_t)-1 && pqcha_result_check_status(r, i) == PQCHA_CHECK_PASS);
    i = check_index(r, "evidence:report_data");
    CHECK(i != (size_t)-1 && pqcha_result_check_status(r, i) == PQCHA_CHECK_PASS);
    /* the verified report exposes the evidence */
    const pqcha_report *rep = pqcha_result_report(r);
    CHECK_STR(pqcha_report_evidence_platform(rep), "intel-tdx");
    CHECK_STR(pqcha_report_evidence_binding(rep), "report");
    pqcha_result_free(r);

    /* the same report passes a policy that names the quote's MRTD */
    char evidence[512], mrtd[97];
    uint8_t bytes[48];
    for (size_t k = 0; k < sizeof bytes; k++)
        bytes[k] = (uint8_t)((BODY_MRTD + k) * 7 + 1);
    pqcha_hex_encode(mrtd, bytes, sizeof bytes);
    snprintf(evidence, sizeof evidence, "{\"platform\":\"intel-tdx\",\"mrTd\":\"%s\"}", mrtd);
    r = verify_with(env, evidence, 1, NULL);
    expect_verdict(r, PQCHA_VERDICT_VALID, PQCHA_OK);
    pqcha_result_free(r);
    mrtd[0] = mrtd[0] == '0' ? '1' : '0';
    snprintf(evidence, sizeof evidence, "{\"platform\":\"intel-tdx\",\"mrTd\":\"%s\"}", mrtd);
    r = verify_with(env, evidence, 1, NULL);
    expect_verdict(r, PQCHA_VERDICT_REJECTED, PQCHA_ERR_EVIDENCE_POLICY);
    pqcha_result_free(r);
    pqcha_free(env);
}

static void test_key_binding_verifies_and_is_reused(void) {
    REQUIRE(setup());
    fake_tee tee = {0, 0, 0};
    pqcha_err err;
    char *env = attest_with(&tee, "key", NONCE, &err);
    CHECK_OK(err);
    REQUIRE(env != NULL);
    pqcha_result *r =
        verify_with(env, "{\"platform\":\"intel-tdx\",\"binding\":\"key\"}", 1, NONCE);
    expect_verdict(r, PQCHA_VERDICT_VALID, PQCHA_OK);
    pqcha_result_free(r);
    /* a policy that wants report binding refuses key-bound evidence */
    r = verify_with(env, "{\"platform\":\"intel-tdx\",\"binding\":\"report\"}", 1, NONCE);
    expect_verdict(r, PQCHA_VERDICT_REJECTED, PQCHA_ERR_EVIDENCE_POLICY);
    pqcha_result_free(r);
    pqcha_free(env);
}

static void test_key_binding_one_quote_per_nonce(void) {
    REQUIRE(setup());
    fake_tee tee = {0, 0, 0};
    pqcha_backend *b = NULL;
    pqcha_region *r = NULL;
    pqcha_attester *a = NULL;
    pqcha_evidence_source *src = NULL;
    char *env = NULL;
    CHECK_OK(pqcha_backend_create(&b, "in-memory"));
    CHECK_OK(pqcha_region_create(&r, "w", "", 0, sizeof weights, PQCHA_PROT_RO));
    CHECK_OK(pqcha_memory_backend_register(b, WORKLOAD, r, weights, sizeof weights));
    CHECK_OK(pqcha_attester_create(&a, key, b, WORKLOAD));
    CHECK_OK(pqcha_evidence_source_create_custom(&src, "intel-tdx", fake_get, &tee));
    CHECK_OK(pqcha_attester_set_evidence(a, src, "key"));
    for (int i = 0; i < 3; i++) {
        CHECK_OK(pqcha_attester_attest(a, NONCE, &env, NULL));
        pqcha_free(env);
    }
    CHECK(tee.calls == 1); /* one quote for the challenge */
    CHECK_OK(pqcha_attester_attest(a, OTHER_NONCE, &env, NULL));
    pqcha_free(env);
    CHECK(tee.calls == 2); /* a new challenge, a new quote */
    CHECK_OK(pqcha_attester_set_evidence(a, src, "report"));
    for (int i = 0; i < 2; i++) {
        CHECK_OK(pqcha_attester_attest(a, NONCE, &env, NULL));
        pqcha_free(env);
    }
    CHECK(tee.calls == 4); /* report binding: one quote per report */
    CHECK_ERR(pqcha_attester_set_evidence(a, src, "both"), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_attester_set_evidence(a, src, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_OK(pqcha_attester_set_evidence(a, NULL, NULL)); /* off */
    CHECK_ERR(pqcha_attester_set_evidence(NULL, NULL, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    pqcha_attester_free(a);
    pqcha_evidence_source_free(src);
    pqcha_region_free(r);
    pqcha_backend_free(b);
}

static void test_attester_refuses_unbound_evidence(void) {
    REQUIRE(setup());
    fake_tee tee = {0, 0, 1};
    pqcha_err err;
    char *env = attest_with(&tee, "report", NONCE, &err);
    CHECK_ERR(err, PQCHA_ERR_EVIDENCE_BINDING);
    CHECK(env == NULL);
}

/* Report B carrying report A's (genuine, report-bound) evidence: signed by
 * the trusted key, yet its quote does not vouch for B's statement. */
static char *transplant(const char *from, const char *to) {
    pqcha__envelope a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    pqcha_report *ra = NULL, *rb = NULL;
    char *payload = NULL, *env = NULL;
    size_t len = 0;
    if (pqcha__envelope_decode(&a, from, strlen(from)) == PQCHA_OK &&
        pqcha__envelope_decode(&b, to, strlen(to)) == PQCHA_OK &&
        pqcha__statement_decode(&ra, a.payload, a.payload_len) == PQCHA_OK &&
        pqcha__statement_decode(&rb, b.payload, b.payload_len) == PQCHA_OK &&
        pqcha__report_set_evidence(rb, ra->evidence->platform, ra->evidence->binding,
                                   ra->evidence->data, ra->evidence->data_len, NULL,
                                   0) == PQCHA_OK &&
        pqcha__statement_encode(&payload, &len, rb) == PQCHA_OK)
        (void)pqcha__envelope_sign(&env, NULL, key, (const uint8_t *)payload, len);
    pqcha_free(payload);
    pqcha_report_free(ra);
    pqcha_report_free(rb);
    pqcha__envelope_clear(&a);
    pqcha__envelope_clear(&b);
    return env;
}

static void test_verifier_recomputes_the_binding(void) {
    REQUIRE(setup());
    fake_tee tee = {0, 0, 0};
    pqcha_err err;
    char *first = attest_with(&tee, "report", NONCE, &err);
    char *second = attest_with(&tee, "report", NONCE, &err);
    REQUIRE(first != NULL && second != NULL);
    char *mixed = transplant(first, second);
    REQUIRE(mixed != NULL);
    pqcha_result *r = verify_with(mixed, "{\"platform\":\"intel-tdx\"}", 1, NONCE);
    expect_verdict(r, PQCHA_VERDICT_REJECTED, PQCHA_ERR_EVIDENCE_BINDING);
    size_t i = check_index(r, "evidence:report_data");
    CHECK(i != (size_t)-1 && pqcha_result_check_status(r, i) == PQCHA_CHECK_FAIL);
    pqcha_result_free(r);

    /* key binding: a quote that bound this key to NONCE, carried by a
     * report answering another challenge, does not vouch for that one */
    char *keyed = attest_with(&tee, "key", NONCE, &err);
    char *other = attest_with(&tee, "key", OTHER_NONCE, &err);
    REQUIRE(keyed != NULL && other != NULL);
    char *stale = transplant(keyed, other);
    REQUIRE(stale != NULL);
    r = verify_with(stale, "{\"platform\":\"intel-tdx\"}", 1, OTHER_NONCE);
    expect_verdict(r, PQCHA_VERDICT_REJECTED, PQCHA_ERR_EVIDENCE_BINDING);
    pqcha_result_free(r);
    r = verify_with(other, "{\"platform\":\"intel-tdx\"}", 1, OTHER_NONCE);
    expect_verdict(r, PQCHA_VERDICT_VALID, PQCHA_OK);
    pqcha_result_free(r);
    pqcha_free(stale);
    pqcha_free(other);
    pqcha_free(keyed);
    pqcha_free(mixed);
    pqcha_free(first);
    pqcha_free(second);
}

static void test_evidence_required_but_absent_or_wrong(void) {
    REQUIRE(setup());
    pqcha_err err;
    /* a report without evidence */
    pqcha_backend *b = NULL;
    pqcha_region *reg = NULL;
    pqcha_attester *a = NULL;
    char *env = NULL;
    CHECK_OK(pqcha_backend_create(&b, "in-memory"));
    CHECK_OK(pqcha_region_create(&reg, "w", "", 0, sizeof weights, PQCHA_PROT_RO));
    CHECK_OK(pqcha_memory_backend_register(b, WORKLOAD, reg, weights, sizeof weights));
    CHECK_OK(pqcha_attester_create(&a, key, b, WORKLOAD));
    CHECK_OK(pqcha_attester_set_time(a, SYNTH_NOW));
    CHECK_OK(pqcha_attester_attest(a, NONCE, &env, NULL));
    REQUIRE(env != NULL);
    pqcha_result *r = verify_with(env, "{\"platform\":\"intel-tdx\"}", 1, NONCE);
    expect_verdict(r, PQCHA_VERDICT_REJECTED, PQCHA_ERR_NO_EVIDENCE);
    pqcha_result_free(r);
    /* without evidence requirements the report passes as before */
    r = verify_with(env, NULL, 1, NONCE);
    expect_verdict(r, PQCHA_VERDICT_VALID, PQCHA_OK);
    pqcha_result_free(r);
    pqcha_free(env);
    pqcha_attester_free(a);
    pqcha_region_free(reg);
    pqcha_backend_free(b);

    fake_tee tee = {0, 0, 0};
    env = attest_with(&tee, "report", NONCE, &err);
    REQUIRE(env != NULL);
    /* TDX evidence where the policy wants SEV-SNP */
    r = verify_with(env, "{\"platform\":\"amd-sev-snp\"}", 1, NONCE);
    expect_verdict(r, PQCHA_VERDICT_REJECTED, PQCHA_ERR_NO_EVIDENCE);
    pqcha_result_free(r);
    /* no roots to check it against */
    r = verify_with(env, "{\"platform\":\"intel-tdx\"}", 0, NONCE);
    expect_verdict(r, PQCHA_VERDICT_REJECTED, PQCHA_ERR_CERT_CHAIN);
    pqcha_result_free(r);
    pqcha_free(env);
}

static void test_debug_and_foreign_roots(void) {
    REQUIRE(setup());
    fake_tee tee = {0, 1, 0};
    pqcha_err err;
    char *env = attest_with(&tee, "report", NONCE, &err);
    REQUIRE(env != NULL);
    pqcha_result *r = verify_with(env, "{\"platform\":\"intel-tdx\"}", 1, NONCE);
    expect_verdict(r, PQCHA_VERDICT_REJECTED, PQCHA_ERR_EVIDENCE_POLICY);
    pqcha_result_free(r);
    r = verify_with(env, "{\"platform\":\"intel-tdx\",\"allowDebug\":true}", 1, NONCE);
    expect_verdict(r, PQCHA_VERDICT_VALID, PQCHA_OK);
    pqcha_result_free(r);
    pqcha_free(env);

    /* quotes of another PKI than the pinned root */
    pki other = world;
    REQUIRE(pki_make(&world));
    tee.debug = 0;
    env = attest_with(&tee, "report", NONCE, &err);
    pki fresh = world;
    world = other;
    REQUIRE(env != NULL);
    r = verify_with(env, "{\"platform\":\"intel-tdx\"}", 1, NONCE);
    expect_verdict(r, PQCHA_VERDICT_REJECTED, PQCHA_ERR_CERT_CHAIN);
    pqcha_result_free(r);
    pki_free(&fresh);
    pqcha_free(env);
}

/* A CRL (an SEV-SNP input: AMD revokes through its ARK's and ASK's) issued
 * by the synthetic root, in PEM. */
static uint8_t *synthetic_crl(size_t *len) {
    X509_CRL *crl = X509_CRL_new();
    ASN1_TIME *at = ASN1_TIME_set(NULL, (time_t)SYNTH_NOW);
    BIO *bio = BIO_new(BIO_s_mem());
    uint8_t *out = NULL;
    char *data = NULL;
    if (crl && at && bio && X509_CRL_set_version(crl, 1) &&
        X509_CRL_set_issuer_name(crl, X509_get_subject_name(world.root)) &&
        X509_CRL_set1_lastUpdate(crl, at) && X509_CRL_sign(crl, world.root_key, EVP_sha256()) &&
        PEM_write_bio_X509_CRL(bio, crl)) {
        long n = BIO_get_mem_data(bio, &data);
        if (n > 0 && (out = malloc((size_t)n)) != NULL) {
            memcpy(out, data, (size_t)n);
            *len = (size_t)n;
        }
    }
    BIO_free(bio);
    ASN1_TIME_free(at);
    X509_CRL_free(crl);
    return out;
}

/* One evidence verifier for a fleet of both platforms (pqcha serve's): an
 * SEV-SNP input beside the TDX root does not stop a TDX report verifying,
 * which pqcha_evidence_verify alone refuses as misuse. */
static void test_one_verifier_for_both_platforms(void) {
    REQUIRE(setup());
    fake_tee tee = {0, 0, 0};
    pqcha_err err;
    size_t crl_len = 0;
    uint8_t *crl = synthetic_crl(&crl_len);
    REQUIRE(crl != NULL);
    char *env = attest_with(&tee, "report", NONCE, &err);
    REQUIRE(env != NULL);
    pqcha_evidence_verifier *ev = NULL;
    CHECK_OK(pqcha_evidence_verifier_create(&ev));
    CHECK_OK(pqcha_evidence_verifier_add_roots(ev, pinned_root, pinned_root_len));
    CHECK_OK(pqcha_evidence_verifier_set_crl(ev, crl, crl_len));

    /* the quote alone, with an SEV-SNP CRL: misuse, as documented */
    pqcha_report *rep = NULL;
    pqcha_evidence *e = NULL;
    pqcha_evidence_result *er = NULL;
    size_t qlen = 0;
    CHECK_OK(pqcha_report_decode_unverified(&rep, env, strlen(env)));
    const uint8_t *quote = rep ? pqcha_report_evidence_bytes(rep, &qlen) : NULL;
    REQUIRE(quote != NULL);
    CHECK_OK(pqcha_evidence_parse(&e, quote, qlen));
    CHECK_ERR(pqcha_evidence_verify(&er, ev, e), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(er == NULL);

    /* in a report: checked with the TDX inputs only */
    const char *text = policy_text("{\"platform\":\"intel-tdx\"}");
    pqcha_policy *policy = NULL;
    pqcha_verifier *v = NULL;
    pqcha_result *r = NULL;
    CHECK_OK(pqcha_policy_parse(&policy, text, strlen(text)));
    CHECK_OK(pqcha_verifier_create(&v));
    CHECK_OK(pqcha_verifier_trust_key(v, key));
    CHECK_OK(pqcha_verifier_set_policy(v, policy));
    CHECK_OK(pqcha_verifier_set_time(v, SYNTH_NOW + 1));
    CHECK_OK(pqcha_verifier_expect_nonce(v, NONCE));
    CHECK_OK(pqcha_verifier_set_evidence_verifier(v, ev));
    CHECK_OK(pqcha_verify(&r, v, env, strlen(env)));
    expect_verdict(r, PQCHA_VERDICT_VALID, PQCHA_OK);
    size_t i = check_index(r, "evidence:quote_signature");
    CHECK(i != (size_t)-1 && pqcha_result_check_status(r, i) == PQCHA_CHECK_PASS);

    pqcha_result_free(r);
    pqcha_verifier_free(v);
    pqcha_policy_free(policy);
    pqcha_evidence_free(e);
    pqcha_report_free(rep);
    pqcha_evidence_verifier_free(ev);
    free(crl);
    pqcha_free(env);
}

static void test_malformed_evidence_in_a_signed_report(void) {
    REQUIRE(setup());
    fake_tee tee = {0, 0, 0};
    pqcha_err err;
    char *good = attest_with(&tee, "report", NONCE, &err);
    REQUIRE(good != NULL);
    pqcha__envelope e;
    memset(&e, 0, sizeof e);
    pqcha_report *rep = NULL;
    char *payload = NULL, *env = NULL;
    size_t len = 0;
    static const uint8_t junk[16] = {4, 0, 2, 0};
    CHECK_OK(pqcha__envelope_decode(&e, good, strlen(good)));
    CHECK_OK(pqcha__statement_decode(&rep, e.payload, e.payload_len));
    REQUIRE(rep != NULL);
    CHECK_OK(pqcha__report_set_evidence(rep, "intel-tdx", PQCHA__BINDING_REPORT, junk, sizeof junk,
                                        NULL, 0));
    CHECK_OK(pqcha__statement_encode(&payload, &len, rep));
    CHECK_OK(pqcha__envelope_sign(&env, NULL, key, (const uint8_t *)payload, len));
    REQUIRE(env != NULL);
    pqcha_result *r = verify_with(env, "{\"platform\":\"intel-tdx\"}", 1, NONCE);
    expect_verdict(r, PQCHA_VERDICT_MALFORMED, PQCHA_ERR_BAD_EVIDENCE);
    pqcha_result_free(r);
    pqcha_free(env);
    pqcha_free(payload);
    pqcha_report_free(rep);
    pqcha__envelope_clear(&e);
    pqcha_free(good);
}

/* A backend that counts its reads: no TEE must mean nothing read. */
static int reads;

static pqcha_err counting_list(void *self, const char *workload_id, pqcha_region ***regions,
                               size_t *count) {
    (void)self;
    (void)workload_id;
    pqcha_region *r = NULL;
    pqcha_err err = pqcha_region_create(&r, "w", "", 0, sizeof weights, PQCHA_PROT_RO);
    if (err != PQCHA_OK) return err;
    pqcha_region **grown = realloc(*regions, (*count + 1) * sizeof *grown);
    if (grown == NULL) {
        pqcha_region_free(r);
        return PQCHA_ERR_NO_MEMORY;
    }
    grown[(*count)++] = r;
    *regions = grown;
    return PQCHA_OK;
}

static pqcha_err counting_read(void *self, const char *workload_id, const pqcha_region *region,
                               pqcha_chunk_sink sink, void *sink_ctx) {
    (void)self;
    (void)workload_id;
    (void)region;
    reads++;
    return sink(sink_ctx, weights, sizeof weights);
}

static void test_no_tee_fails_before_measuring(void) {
    REQUIRE(setup());
    static const pqcha_backend_ops ops = {"counting",    "in-memory", counting_list,
                                          counting_read, NULL,        0};
    pqcha_backend *b = NULL;
    pqcha_attester *a = NULL;
    pqcha_evidence_source *src = NULL;
    char *env = NULL, missing[4200];
    snprintf(missing, sizeof missing, "%.4000s/no-tsm-here", testutil_tmpdir());
    CHECK_OK(pqcha_backend_create_custom(&b, &ops, NULL));
    CHECK_OK(pqcha_attester_create(&a, key, b, WORKLOAD));
    CHECK_OK(pqcha_attester_attest(a, NONCE, &env, NULL));
    CHECK(reads == 1);
    pqcha_free(env);
    env = NULL;
    CHECK_OK(pqcha_evidence_source_create(&src));
    CHECK_OK(pqcha_evidence_source_set_platform(src, "intel-tdx"));
    CHECK_OK(pqcha_evidence_source_set_tsm_root(src, missing));
    CHECK_OK(pqcha_attester_set_evidence(a, src, "report"));
    CHECK_ERR(pqcha_attester_attest(a, NONCE, &env, NULL), PQCHA_ERR_DEVICE_NOT_PRESENT);
    CHECK(env == NULL);
    CHECK(reads == 1); /* nothing measured for a report that could not be made */
    pqcha_attester_free(a);
    pqcha_evidence_source_free(src);
    pqcha_backend_free(b);
}

static void test_teardown(void) {
    pqcha_key_free(key);
    key = NULL;
    pki_free(&world);
    free(pinned_root);
    pinned_root = NULL;
}

TEST_MAIN(TEST(test_report_binding_verifies), TEST(test_key_binding_verifies_and_is_reused),
          TEST(test_key_binding_one_quote_per_nonce), TEST(test_attester_refuses_unbound_evidence),
          TEST(test_verifier_recomputes_the_binding),
          TEST(test_evidence_required_but_absent_or_wrong), TEST(test_debug_and_foreign_roots),
          TEST(test_one_verifier_for_both_platforms),
          TEST(test_malformed_evidence_in_a_signed_report),
          TEST(test_no_tee_fails_before_measuring), TEST(test_teardown))
