/* test_tdx.c — the TDX quote parser and offline verifier: the real public
 * quotes of ../shared/testdata/hw/tdx (skipped, saying so, when absent),
 * and quotes synthesised (tdx_synth.h), signed by a throw-away P-256 root,
 * PCK CA, PCK and attestation key, for every rejection and its exact code. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tdx.h"
#include "tdx_synth.h"
#include "testutil.h"

#define TIME_2051      2556144000 /* after the Intel root's notAfter (2049-12-31) */
#define TIME_2018_JUNE 1527811200 /* before every real PCK certificate's notBefore */

/* Each GENUINE folder, a time inside its chain's validity (a day after the
 * PCK certificate's notBefore; the PCK CA runs to 2033, the root to 2049),
 * and what the quote is. */
typedef struct real_quote {
    const char *folder;
    int64_t now;
    uint16_t version, body_type;
    size_t quote_len, file_len;
} real_quote;

static const real_quote real_quotes[] = {
    {"v4_dcapqvl", 1738970751, 4, 2, 4936, 5006},               /* PCK from 2025-02-06 */
    {"v4_gce_cos113_gotdxguest", 1720008457, 4, 2, 4935, 8000}, /* PCK from 2024-07-02 */
    {"v4_trustee_q4", 1675843375, 4, 2, 4936, 4936},            /* PCK from 2023-02-07 */
    {"v5_gotdxguest", 1769611587, 5, 3, 5006, 5006},            /* PCK from 2026-01-27 */
    {"v5_trustee_q5", 1710837831, 5, 3, 5006, 5006},            /* PCK from 2024-03-18 */
};
#define REAL_COUNT (sizeof real_quotes / sizeof real_quotes[0])

static uint8_t *read_real_quote(const real_quote *rq, size_t *len) {
    char rel[256];
    snprintf(rel, sizeof rel, "tdx/%s/quote.bin", rq->folder);
    return read_hw(rel, len);
}

static pqcha__tdx_verify_options options(const uint8_t *roots, size_t roots_len, int64_t now) {
    pqcha__tdx_verify_options o;
    memset(&o, 0, sizeof o);
    o.roots = roots;
    o.roots_len = roots_len;
    o.now = now;
    return o;
}

/* ---- the real quotes ---- */

static void test_real_quotes_verify(void) {
    if (!hw_testdata()) return;
    size_t root_len = 0, der_len = 0;
    uint8_t *root = read_hw("roots/intel_sgx_root_ca.pem", &root_len);
    uint8_t *der = read_hw("roots/intel_sgx_root_ca.der", &der_len);
    REQUIRE(root != NULL && der != NULL);
    static const char *const steps[] = {"quote_format", "pck_chain", "qe_report_signature",
                                        "qe_report_binding", "quote_signature"};
    for (size_t i = 0; i < REAL_COUNT; i++) {
        const real_quote *rq = &real_quotes[i];
        size_t len = 0;
        uint8_t *bytes = read_real_quote(rq, &len);
        if (bytes == NULL) {
            CHECK_FAILED(rq->folder);
            continue;
        }
        pqcha__tdx_quote q;
        CHECK_OK(pqcha__tdx_quote_parse(&q, bytes, len));
        CHECK(len == rq->file_len);
        CHECK(q.version == rq->version && q.body_type == rq->body_type);
        CHECK(q.body_len == (rq->body_type == 3 ? 648u : 584u));
        CHECK(q.quote_len == rq->quote_len && q.trailing_len == len - rq->quote_len);
        CHECK(q.qe_auth_len == 32);
        CHECK(memcmp(bytes + q.pck_chain_off, "-----BEGIN CERTIFICATE-----", 27) == 0);

        pqcha__tdx_result *res = malloc(sizeof *res);
        REQUIRE(res != NULL);
        pqcha__tdx_verify_options o = options(root, root_len, rq->now);
        o.expected_report_data = q.body.report_data;
        CHECK_OK(pqcha__tdx_verify(res, bytes, len, &o));
        CHECK(res->error == PQCHA_OK && res->check_count == 6);
        for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
            const pqcha__evidence_check *c = find_check(res, steps[s]);
            CHECK(c != NULL && c->err == PQCHA_OK);
        }
        /* The root pinned as DER. */
        o = options(der, der_len, rq->now);
        CHECK_OK(pqcha__tdx_verify(res, bytes, len, &o));
        printf("     %s: v%u body type %u, %zu quote bytes + %zu trailing: GENUINE\n", rq->folder,
               q.version, q.body_type, q.quote_len, q.trailing_len);
        free(res);
        free(bytes);
    }
    free(root);
    free(der);
}

/* Trimmed to the real length and padded further, each parses to the same
 * quote (but for the trailing count) and still verifies. */
static void test_real_quotes_padding(void) {
    if (!hw_testdata()) return;
    size_t root_len = 0;
    uint8_t *root = read_hw("roots/intel_sgx_root_ca.pem", &root_len);
    REQUIRE(root != NULL);
    for (size_t i = 0; i < REAL_COUNT; i++) {
        size_t len = 0;
        uint8_t *bytes = read_real_quote(&real_quotes[i], &len);
        if (bytes == NULL) continue;
        pqcha__tdx_quote q, trimmed, padded;
        CHECK_OK(pqcha__tdx_quote_parse(&q, bytes, len));
        CHECK_OK(pqcha__tdx_quote_parse(&trimmed, bytes, q.quote_len));
        CHECK(trimmed.trailing_len == 0);
        uint8_t *big = calloc(q.quote_len + 4096, 1);
        REQUIRE(big != NULL);
        memcpy(big, bytes, q.quote_len);
        CHECK_OK(pqcha__tdx_quote_parse(&padded, big, q.quote_len + 4096));
        CHECK(padded.trailing_len == 4096);
        trimmed.trailing_len = padded.trailing_len = q.trailing_len;
        CHECK(memcmp(&q, &trimmed, sizeof q) == 0);
        CHECK(memcmp(&q, &padded, sizeof q) == 0);
        pqcha__tdx_result *res = malloc(sizeof *res);
        pqcha__tdx_verify_options o = options(root, root_len, real_quotes[i].now);
        CHECK_OK(pqcha__tdx_verify(res, bytes, q.quote_len, &o));
        CHECK_OK(pqcha__tdx_verify(res, big, q.quote_len + 4096, &o));
        free(res);
        free(big);
        free(bytes);
    }
    free(root);
}

/* Flipped signed bytes, a wrong REPORT_DATA, times outside the chain's
 * validity, an unpinned root and the policy, on a real quote. */
static void test_real_quote_rejections(void) {
    if (!hw_testdata()) return;
    const real_quote *rq = &real_quotes[3]; /* v5, TDX 1.5 */
    size_t root_len = 0, len = 0;
    uint8_t *root = read_hw("roots/intel_sgx_root_ca.pem", &root_len);
    uint8_t *bytes = read_real_quote(rq, &len);
    pqcha__tdx_result *res = malloc(sizeof *res);
    REQUIRE(root != NULL && bytes != NULL && res != NULL);
    pqcha__tdx_quote q;
    CHECK_OK(pqcha__tdx_quote_parse(&q, bytes, len));
    pqcha__tdx_verify_options o = options(root, root_len, rq->now);

    bytes[54 + 200] ^= 1; /* the body (mr_config_id) */
    CHECK_ERR(pqcha__tdx_verify(res, bytes, len, &o), PQCHA_ERR_EVIDENCE_SIGNATURE);
    CHECK(res->check_count == 5 && strcmp(res->checks[4].name, "quote_signature") == 0);
    bytes[54 + 200] ^= 1;
    bytes[2 + 8] ^= 1; /* the header (reserved) */
    CHECK_ERR(pqcha__tdx_verify(res, bytes, len, &o), PQCHA_ERR_EVIDENCE_SIGNATURE);
    bytes[2 + 8] ^= 1;
    bytes[q.qe_report_off + 100] ^= 1; /* the QE report */
    CHECK_ERR(pqcha__tdx_verify(res, bytes, len, &o), PQCHA_ERR_EVIDENCE_SIGNATURE);
    CHECK(res->check_count == 3 && strcmp(res->checks[2].name, "qe_report_signature") == 0);
    bytes[q.qe_report_off + 100] ^= 1;
    bytes[q.qe_auth_off + 3] ^= 1; /* QE auth data: the QE report no longer binds it */
    CHECK_ERR(pqcha__tdx_verify(res, bytes, len, &o), PQCHA_ERR_EVIDENCE_BINDING);
    CHECK(res->check_count == 4 && strcmp(res->checks[3].name, "qe_report_binding") == 0);
    bytes[q.qe_auth_off + 3] ^= 1;
    bytes[q.signed_len + 4 + 10] ^= 1; /* the quote signature itself */
    CHECK_ERR(pqcha__tdx_verify(res, bytes, len, &o), PQCHA_ERR_EVIDENCE_SIGNATURE);
    bytes[q.signed_len + 4 + 10] ^= 1;
    bytes[q.pck_chain_off + 5] ^= 0x20; /* "-----begin CERTIFICATE" */
    CHECK_ERR(pqcha__tdx_verify(res, bytes, len, &o), PQCHA_ERR_BAD_CERTIFICATE);
    bytes[q.pck_chain_off + 5] ^= 0x20;
    CHECK_OK(pqcha__tdx_verify(res, bytes, len, &o));

    uint8_t wrong[64];
    memcpy(wrong, q.body.report_data, sizeof wrong);
    wrong[63] ^= 1;
    o.expected_report_data = wrong;
    CHECK_ERR(pqcha__tdx_verify(res, bytes, len, &o), PQCHA_ERR_EVIDENCE_BINDING);
    const pqcha__evidence_check *c = find_check(res, "report_data");
    CHECK(c != NULL && c->err == PQCHA_ERR_EVIDENCE_BINDING && strlen(c->found) == 128);
    o.expected_report_data = NULL;

    o.now = TIME_2018_JUNE;
    CHECK_ERR(pqcha__tdx_verify(res, bytes, len, &o), PQCHA_ERR_CERT_EXPIRED);
    o.now = TIME_2051;
    CHECK_ERR(pqcha__tdx_verify(res, bytes, len, &o), PQCHA_ERR_CERT_EXPIRED);
    o.now = rq->now;

    /* A throw-away root pinned instead of Intel's. */
    pki p;
    REQUIRE(pki_make(&p));
    size_t other_len = 0;
    uint8_t *other = root_pem(p.root, &other_len);
    pqcha__tdx_verify_options ot = options(other, other_len, rq->now);
    CHECK_ERR(pqcha__tdx_verify(res, bytes, len, &ot), PQCHA_ERR_CERT_CHAIN);
    free(other);
    pki_free(&p);

    /* The policy: the quote's own values pass, others do not. */
    uint8_t bad[48], high_svn[16];
    memset(bad, 0xee, sizeof bad);
    memset(high_svn, 0xff, sizeof high_svn);
    pqcha__tdx_policy pol;
    memset(&pol, 0, sizeof pol);
    pol.mr_td = q.body.mr_td;
    for (int i = 0; i < 4; i++)
        pol.rtmr[i] = q.body.rtmr[i];
    pol.mr_config_id = q.body.mr_config_id;
    pol.mr_owner = q.body.mr_owner;
    pol.min_tee_tcb_svn = q.body.tee_tcb_svn;
    o.policy = &pol;
    CHECK_OK(pqcha__tdx_verify(res, bytes, len, &o));
    CHECK(res->check_count == 5 + 9);
    pol.rtmr[2] = bad;
    CHECK_ERR(pqcha__tdx_verify(res, bytes, len, &o), PQCHA_ERR_EVIDENCE_POLICY);
    c = find_check(res, "policy_rtmr2");
    CHECK(c != NULL && c->err == PQCHA_ERR_EVIDENCE_POLICY);
    CHECK(find_check(res, "policy_tee_tcb_svn") != NULL); /* every policy check is made */
    pol.rtmr[2] = q.body.rtmr[2];
    pol.mr_td = bad;
    CHECK_ERR(pqcha__tdx_verify(res, bytes, len, &o), PQCHA_ERR_EVIDENCE_POLICY);
    pol.mr_td = q.body.mr_td;
    pol.min_tee_tcb_svn = high_svn;
    CHECK_ERR(pqcha__tdx_verify(res, bytes, len, &o), PQCHA_ERR_TCB_TOO_LOW);
    c = find_check(res, "policy_debug");
    CHECK(c != NULL && c->err == PQCHA_OK && strcmp(c->found, "off") == 0);

    free(res);
    free(bytes);
    free(root);
}

/* ---- synthetic quotes ---- */

static void test_synthetic_genuine(void) {
    pki p;
    REQUIRE(pki_make(&p));
    size_t root_len = 0;
    uint8_t *root = root_pem(p.root, &root_len);
    pqcha__tdx_result *res = malloc(sizeof *res);
    REQUIRE(res != NULL);
    pqcha__tdx_verify_options o = options(root, root_len, SYNTH_NOW);
    static const uint16_t versions[3][2] = {{4, 2}, {5, 2}, {5, 3}};
    for (size_t i = 0; i < 3; i++) {
        synth_opts so = default_synth;
        so.version = versions[i][0];
        so.body_type = versions[i][1];
        size_t len = 0;
        uint8_t *bytes = synth_quote(&p, &so, 0, &len);
        uint8_t want[64];
        memset(want, so.report_data_byte, sizeof want);
        o.expected_report_data = want;
        CHECK_OK(pqcha__tdx_verify(res, bytes, len, &o));
        CHECK(res->quote.version == so.version && res->quote.body_type == so.body_type);
        CHECK(res->quote.body.report_data[0] == so.report_data_byte);
        free(bytes);
    }
    o.expected_report_data = NULL;

    /* A chain without its root (the pinned one completes it). */
    synth_opts so = default_synth;
    so.chain_len = 2;
    size_t len = 0;
    uint8_t *bytes = synth_quote(&p, &so, 0, &len);
    CHECK_OK(pqcha__tdx_verify(res, bytes, len, &o));
    free(bytes);
    /* The PCK certificate alone does not reach the root. */
    so.chain_len = 1;
    bytes = synth_quote(&p, &so, 0, &len);
    CHECK_ERR(pqcha__tdx_verify(res, bytes, len, &o), PQCHA_ERR_CERT_CHAIN);
    free(bytes);

    /* A pinned root with the quote root's key but other bytes (re-issued). */
    X509 *reissued = make_cert("Test SGX Root CA", 99, p.root_key, NULL, p.root_key, 1,
                               SYNTH_ROOT_NB, SYNTH_ROOT_NA);
    size_t re_len = 0;
    uint8_t *re = root_pem(reissued, &re_len);
    pqcha__tdx_verify_options ore = options(re, re_len, SYNTH_NOW);
    bytes = synth_quote(&p, &default_synth, 0, &len);
    CHECK_OK(pqcha__tdx_verify(res, bytes, len, &ore));
    free(bytes);
    free(re);
    X509_free(reissued);

    /* Several pinned roots, one of them right. */
    pki other;
    REQUIRE(pki_make(&other));
    X509 *both[2] = {other.root, p.root};
    size_t two_len = 0;
    uint8_t *two = certs_pem(both, 2, &two_len);
    pqcha__tdx_verify_options o2 = options(two, two_len, SYNTH_NOW);
    bytes = synth_quote(&p, &default_synth, 0, &len);
    CHECK_OK(pqcha__tdx_verify(res, bytes, len, &o2));
    free(bytes);
    free(two);
    pki_free(&other);

    free(res);
    free(root);
    pki_free(&p);
}

static void test_synthetic_rejections(void) {
    pki p, other;
    REQUIRE(pki_make(&p));
    REQUIRE(pki_make(&other));
    size_t root_len = 0, other_len = 0, len = 0;
    uint8_t *root = root_pem(p.root, &root_len);
    uint8_t *other_root = root_pem(other.root, &other_len);
    pqcha__tdx_result *res = malloc(sizeof *res);
    REQUIRE(res != NULL);
    pqcha__tdx_verify_options o = options(root, root_len, SYNTH_NOW);

    /* A chain to a root that is not pinned. */
    uint8_t *bytes = synth_quote(&p, &default_synth, 0, &len);
    pqcha__tdx_verify_options oo = options(other_root, other_len, SYNTH_NOW);
    CHECK_ERR(pqcha__tdx_verify(res, bytes, len, &oo), PQCHA_ERR_CERT_CHAIN);
    CHECK(res->check_count == 2 && res->checks[1].err == PQCHA_ERR_CERT_CHAIN);
    /* ... also when the quote leaves its root out. */
    free(bytes);
    synth_opts so = default_synth;
    so.chain_len = 2;
    bytes = synth_quote(&p, &so, 0, &len);
    CHECK_ERR(pqcha__tdx_verify(res, bytes, len, &oo), PQCHA_ERR_CERT_CHAIN);
    free(bytes);

    /* Outside the PCK certificate's validity. */
    bytes = synth_quote(&p, &default_synth, 0, &len);
    o.now = SYNTH_LEAF_NB - 1;
    CHECK_ERR(pqcha__tdx_verify(res, bytes, len, &o), PQCHA_ERR_CERT_EXPIRED);
    o.now = SYNTH_LEAF_NA + 1;
    CHECK_ERR(pqcha__tdx_verify(res, bytes, len, &o), PQCHA_ERR_CERT_EXPIRED);
    o.now = SYNTH_NOW;
    free(bytes);

    /* Debug on: refused by a policy, unless it allows debug. */
    so = default_synth;
    so.debug = 1;
    bytes = synth_quote(&p, &so, 0, &len);
    CHECK_OK(pqcha__tdx_verify(res, bytes, len, &o)); /* no policy */
    CHECK(res->quote.body.td_attributes & PQCHA__TDX_ATTRIBUTES_DEBUG);
    pqcha__tdx_policy pol;
    memset(&pol, 0, sizeof pol);
    o.policy = &pol;
    CHECK_ERR(pqcha__tdx_verify(res, bytes, len, &o), PQCHA_ERR_EVIDENCE_POLICY);
    const pqcha__evidence_check *c = find_check(res, "policy_debug");
    CHECK(c != NULL && strcmp(c->found, "on") == 0);
    pol.allow_debug = 1;
    CHECK_OK(pqcha__tdx_verify(res, bytes, len, &o));
    o.policy = NULL;
    free(bytes);

    /* A QE report that does not bind the attestation key. */
    so = default_synth;
    so.bad_binding = 1;
    bytes = synth_quote(&p, &so, 0, &len);
    CHECK_ERR(pqcha__tdx_verify(res, bytes, len, &o), PQCHA_ERR_EVIDENCE_BINDING);
    c = find_check(res, "qe_report_binding");
    CHECK(c != NULL && c->err == PQCHA_ERR_EVIDENCE_BINDING);
    free(bytes);

    /* The QE report data holds the right digest, but not zeros after it. */
    so = default_synth;
    so.binding_tail = 1;
    bytes = synth_quote(&p, &so, 0, &len);
    CHECK_ERR(pqcha__tdx_verify(res, bytes, len, &o), PQCHA_ERR_EVIDENCE_BINDING);
    free(bytes);

    /* An attestation key changed after the QE bound it. */
    bytes = synth_quote(&p, &default_synth, 0, &len);
    pqcha__tdx_quote q;
    CHECK_OK(pqcha__tdx_quote_parse(&q, bytes, len));
    bytes[q.signed_len + 4 + 64] ^= 1;
    CHECK_ERR(pqcha__tdx_verify(res, bytes, len, &o), PQCHA_ERR_EVIDENCE_BINDING);
    free(bytes);

    /* A bound attestation key that is no point on P-256. */
    so = default_synth;
    so.bad_point = 1;
    bytes = synth_quote(&p, &so, 0, &len);
    CHECK_ERR(pqcha__tdx_verify(res, bytes, len, &o), PQCHA_ERR_EVIDENCE_SIGNATURE);
    c = find_check(res, "quote_signature");
    CHECK(c != NULL && strcmp(c->found, "the attestation key is not a P-256 point") == 0);
    free(bytes);

    /* Header and body signed by a key other than the bound one. */
    so = default_synth;
    so.quote_signer = other.att_key;
    bytes = synth_quote(&p, &so, 0, &len);
    CHECK_ERR(pqcha__tdx_verify(res, bytes, len, &o), PQCHA_ERR_EVIDENCE_SIGNATURE);
    CHECK(res->check_count == 5 && res->checks[3].err == PQCHA_OK);
    free(bytes);

    /* The QE report signed by a key other than the PCK certificate's. */
    so = default_synth;
    so.qe_signer = other.pck_key;
    bytes = synth_quote(&p, &so, 0, &len);
    CHECK_ERR(pqcha__tdx_verify(res, bytes, len, &o), PQCHA_ERR_EVIDENCE_SIGNATURE);
    CHECK(res->check_count == 3 && res->checks[2].err == PQCHA_ERR_EVIDENCE_SIGNATURE);
    free(bytes);

    /* Roots that do not parse; no roots. */
    bytes = synth_quote(&p, &default_synth, 0, &len);
    pqcha__tdx_verify_options ob = options((const uint8_t *)"not a certificate", 17, SYNTH_NOW);
    CHECK_ERR(pqcha__tdx_verify(res, bytes, len, &ob), PQCHA_ERR_BAD_CERTIFICATE);
    ob = options(root, root_len - 30, SYNTH_NOW); /* PEM cut short */
    CHECK_ERR(pqcha__tdx_verify(res, bytes, len, &ob), PQCHA_ERR_BAD_CERTIFICATE);
    ob = options(NULL, 0, SYNTH_NOW);
    CHECK_ERR(pqcha__tdx_verify(res, bytes, len, &ob), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(res->check_count == 0);
    CHECK_ERR(pqcha__tdx_verify(res, bytes, len, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha__tdx_verify(NULL, bytes, len, &o), PQCHA_ERR_INVALID_ARGUMENT);
    /* A malformed quote: the first check says why. */
    CHECK_ERR(pqcha__tdx_verify(res, bytes, 600, &o), PQCHA_ERR_BAD_EVIDENCE);
    CHECK(res->check_count == 1 && strcmp(res->checks[0].name, "quote_format") == 0 &&
          strcmp(res->checks[0].found, "truncated TD report body") == 0);
    free(bytes);

    free(res);
    free(root);
    free(other_root);
    pki_free(&p);
    pki_free(&other);
}

/* ---- the parser's rejections ---- */

static int is_zero(const void *p, size_t n) {
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i]) return 0;
    return 1;
}

static void parse_err(const uint8_t *bytes, size_t len, pqcha_err want, const char *why) {
    pqcha__tdx_quote q;
    memset(&q, 0xa5, sizeof q);
    const char *got_why = NULL;
    CHECK_ERR(pqcha__tdx_quote_parse_why(&q, &got_why, bytes, len), want);
    CHECK(is_zero(&q, sizeof q));
    if (why != NULL) CHECK_STR(got_why, why);
}

static void test_parse_rejections(void) {
    pki p;
    REQUIRE(pki_make(&p));
    size_t len = 0;
    synth_opts so = default_synth;
    so.version = 5;
    so.body_type = 3;
    uint8_t *bytes = synth_quote(&p, &so, 64, &len);
    size_t real = len - 64;
    pqcha__tdx_quote q;
    CHECK_OK(pqcha__tdx_quote_parse(&q, bytes, len));
    CHECK(q.quote_len == real && q.trailing_len == 64 && q.signed_len == 48 + 6 + 648);

    /* Truncated anywhere. */
    static const size_t cuts[] = {0, 1, 3, 47, 48, 53, 54, 600, 701, 702, 705, 706, 800, 900};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++)
        parse_err(bytes, cuts[i], PQCHA_ERR_BAD_EVIDENCE, NULL);
    for (size_t cut = real - 40; cut < real; cut += 7)
        parse_err(bytes, cut, PQCHA_ERR_BAD_EVIDENCE,
                  "signature data length runs past the end of the input");
    parse_err(bytes, 706, PQCHA_ERR_BAD_EVIDENCE,
              "signature data length runs past the end of the input");
    parse_err(NULL, 0, PQCHA_ERR_BAD_EVIDENCE, "truncated header");

    uint8_t *m = malloc(len);
    REQUIRE(m != NULL);
#define MUTATE(off, value, want, why)     \
    do {                                  \
        memcpy(m, bytes, len);            \
        m[(off)] = (uint8_t)(value);      \
        parse_err(m, len, (want), (why)); \
    } while (0)
    MUTATE(0, 3, PQCHA_ERR_BAD_EVIDENCE, "quote version is not 4 or 5");
    MUTATE(0, 6, PQCHA_ERR_BAD_EVIDENCE, "quote version is not 4 or 5");
    MUTATE(1, 1, PQCHA_ERR_BAD_EVIDENCE, "quote version is not 4 or 5");
    MUTATE(2, 3, PQCHA_ERR_UNSUPPORTED_ALGORITHM, NULL);
    MUTATE(4, 0x00, PQCHA_ERR_BAD_EVIDENCE, "TEE type is not TDX (0x81)"); /* SGX */
    MUTATE(7, 0x01, PQCHA_ERR_BAD_EVIDENCE, "TEE type is not TDX (0x81)");
    MUTATE(48, 4, PQCHA_ERR_BAD_EVIDENCE, "TD report body type is not 2 (TDX 1.0) or 3 (TDX 1.5)");
    MUTATE(48, 1, PQCHA_ERR_BAD_EVIDENCE, "TD report body type is not 2 (TDX 1.0) or 3 (TDX 1.5)");
    MUTATE(48, 2, PQCHA_ERR_BAD_EVIDENCE, "TD report body size does not match its type");
    MUTATE(50, 0x89, PQCHA_ERR_BAD_EVIDENCE, "TD report body size does not match its type");
    size_t cd = q.signed_len + 4 + 128; /* certification data header */
    MUTATE(cd, 5, PQCHA_ERR_BAD_EVIDENCE, "certification data type is not 6 (QE report)");
    MUTATE(cd, 7, PQCHA_ERR_BAD_EVIDENCE, "certification data type is not 6 (QE report)");
    size_t inner = q.pck_chain_off - 6;
    MUTATE(inner, 6, PQCHA_ERR_BAD_EVIDENCE, "nested certification data type is not 5 (PCK chain)");
    MUTATE(inner, 1, PQCHA_ERR_BAD_EVIDENCE, "nested certification data type is not 5 (PCK chain)");

    /* Lengths that do not fit or do not fill their containers. */
    memcpy(m, bytes, len);
    set_u32(m + q.signed_len, q.sig_data_len + 65); /* past the end, padding included */
    parse_err(m, len, PQCHA_ERR_BAD_EVIDENCE,
              "signature data length runs past the end of the input");
    set_u32(m + q.signed_len, 0xffffffffu);
    parse_err(m, len, PQCHA_ERR_BAD_EVIDENCE,
              "signature data length runs past the end of the input");
    set_u32(m + q.signed_len, q.sig_data_len + 1); /* eats a padding byte */
    parse_err(m, len, PQCHA_ERR_BAD_EVIDENCE,
              "QE report certification data does not fill the signature data");
    set_u32(m + q.signed_len, 100);
    parse_err(m, len, PQCHA_ERR_BAD_EVIDENCE, "truncated signature or attestation key");
    set_u32(m + q.signed_len, 130);
    parse_err(m, len, PQCHA_ERR_BAD_EVIDENCE, "truncated certification data header");

    memcpy(m, bytes, len);
    set_u32(m + cd + 2, q.sig_data_len); /* outer size past the signature data */
    parse_err(m, len, PQCHA_ERR_BAD_EVIDENCE,
              "certification data size runs past the signature data");
    set_u32(m + cd + 2, q.sig_data_len - 128 - 6 - 1);
    parse_err(m, len, PQCHA_ERR_BAD_EVIDENCE,
              "QE report certification data does not fill the signature data");

    memcpy(m, bytes, len);
    m[q.qe_auth_off - 2] = 0xff; /* QE auth data size */
    m[q.qe_auth_off - 1] = 0xff;
    parse_err(m, len, PQCHA_ERR_BAD_EVIDENCE, "QE auth data runs past the certification data");
    m[q.qe_auth_off - 2] = 33;
    m[q.qe_auth_off - 1] = 0;
    parse_err(m, len, PQCHA_ERR_BAD_EVIDENCE, NULL);

    memcpy(m, bytes, len);
    set_u32(m + inner + 2, q.pck_chain_len + 1);
    parse_err(m, len, PQCHA_ERR_BAD_EVIDENCE,
              "certification data size runs past the signature data");
    set_u32(m + inner + 2, q.pck_chain_len - 1);
    parse_err(m, len, PQCHA_ERR_BAD_EVIDENCE,
              "PCK chain does not fill the QE report certification data");
#undef MUTATE

    /* An empty chain, and bad arguments. */
    memcpy(m, bytes, len);
    size_t shrink = q.pck_chain_len;
    set_u32(m + q.signed_len, q.sig_data_len - shrink);
    set_u32(m + cd + 2, q.sig_data_len - 134 - shrink);
    set_u32(m + inner + 2, 0);
    parse_err(m, q.quote_len - shrink, PQCHA_ERR_BAD_EVIDENCE, "empty PCK chain");
    CHECK_ERR(pqcha__tdx_quote_parse(NULL, bytes, len), PQCHA_ERR_INVALID_ARGUMENT);
    parse_err(NULL, 10, PQCHA_ERR_INVALID_ARGUMENT, NULL);

    free(m);
    free(bytes);
    pki_free(&p);
}

/* A v4 quote decodes its fields at the documented offsets. */
static void test_parse_fields(void) {
    pki p;
    REQUIRE(pki_make(&p));
    size_t len = 0;
    uint8_t *bytes = synth_quote(&p, &default_synth, 0, &len);
    pqcha__tdx_quote q;
    CHECK_OK(pqcha__tdx_quote_parse(&q, bytes, len));
    CHECK(q.version == 4 && q.att_key_type == 2 && q.tee_type == 0x81 && q.body_type == 2);
    CHECK(q.qe_vendor_id[0] == 0x93 && q.qe_vendor_id[15] == 0x07);
    CHECK(q.signed_len == 632 && q.quote_len == len && q.trailing_len == 0);
    CHECK(q.sig_data_len == len - 636);
    const uint8_t *b = bytes + 48;
    CHECK(memcmp(q.body.tee_tcb_svn, b, 16) == 0);
    CHECK(memcmp(q.body.mr_seam, b + 16, 48) == 0);
    CHECK(memcmp(q.body.mr_signer_seam, b + 64, 48) == 0);
    CHECK(q.body.seam_attributes == (uint64_t)b[112] + ((uint64_t)b[119] << 56) +
                                        ((uint64_t)b[113] << 8) + ((uint64_t)b[114] << 16) +
                                        ((uint64_t)b[115] << 24) + ((uint64_t)b[116] << 32) +
                                        ((uint64_t)b[117] << 40) + ((uint64_t)b[118] << 48));
    CHECK((q.body.td_attributes & 0xff) == b[120]);
    CHECK((q.body.xfam & 0xff) == b[128]);
    CHECK(memcmp(q.body.mr_td, b + 136, 48) == 0);
    CHECK(memcmp(q.body.mr_config_id, b + 184, 48) == 0);
    CHECK(memcmp(q.body.mr_owner, b + 232, 48) == 0);
    CHECK(memcmp(q.body.mr_owner_config, b + 280, 48) == 0);
    CHECK(memcmp(q.body.rtmr[0], b + 328, 48) == 0);
    CHECK(memcmp(q.body.rtmr[3], b + 472, 48) == 0);
    CHECK(memcmp(q.body.report_data, b + 520, 64) == 0);
    CHECK(is_zero(q.body.tee_tcb_svn2, 16) && is_zero(q.body.mr_servicetd, 48));
    const uint8_t *qe = bytes + q.qe_report_off;
    CHECK(q.qe_report_off == 636 + 128 + 6);
    CHECK(memcmp(q.qe_report.cpu_svn, qe, 16) == 0);
    CHECK(q.qe_report.misc_select ==
          (uint32_t)(qe[16] | qe[17] << 8 | qe[18] << 16 | qe[19] << 24));
    CHECK(memcmp(q.qe_report.attributes, qe + 48, 16) == 0);
    CHECK(memcmp(q.qe_report.mr_enclave, qe + 64, 32) == 0);
    CHECK(memcmp(q.qe_report.mr_signer, qe + 128, 32) == 0);
    CHECK(q.qe_report.isv_prod_id == (uint16_t)(qe[256] | qe[257] << 8));
    CHECK(q.qe_report.isv_svn == (uint16_t)(qe[258] | qe[259] << 8));
    CHECK(memcmp(q.qe_report.report_data, qe + 320, 64) == 0);
    CHECK(memcmp(q.qe_report_signature, qe + 384, 64) == 0);
    CHECK(q.qe_auth_off == q.qe_report_off + 384 + 64 + 2 && q.qe_auth_len == 32);
    CHECK(q.pck_chain_off == q.qe_auth_off + 32 + 6 && q.pck_chain_off + q.pck_chain_len == len);
    free(bytes);

    synth_opts so = default_synth;
    so.version = 5;
    so.body_type = 3;
    bytes = synth_quote(&p, &so, 0, &len);
    CHECK_OK(pqcha__tdx_quote_parse(&q, bytes, len));
    CHECK(q.signed_len == 48 + 6 + 648 && q.body_len == 648);
    CHECK(memcmp(q.body.report_data, bytes + 54 + 520, 64) == 0);
    CHECK(memcmp(q.body.tee_tcb_svn2, bytes + 54 + 584, 16) == 0);
    CHECK(memcmp(q.body.mr_servicetd, bytes + 54 + 600, 48) == 0);
    free(bytes);
    pki_free(&p);
}

TEST_MAIN(TEST(test_parse_fields), TEST(test_parse_rejections), TEST(test_synthetic_genuine),
          TEST(test_synthetic_rejections), TEST(test_real_quotes_verify),
          TEST(test_real_quotes_padding), TEST(test_real_quote_rejections))
