/* test_evidence.c — the public hardware-evidence API (include/pqcha/evidence.h,
 * src/core/evidence_api.c): parsing and platform detection of every real
 * report and quote of the shared test data (skipped, saying so, when it is
 * absent), the field list, verification of a real SEV-SNP report and a real
 * TDX quote against pinned roots at a fixed time, a wrong root, and the
 * API's rules on NULL, outputs and argument checks. */
#include <stdint.h>
#include <string.h>

#include "hwdata.h"

/* 2025-10-01T00:00:00Z: inside every real AMD certificate's validity. */
#define SNP_NOW INT64_C(1759276800)
/* A day after the PCK certificate's notBefore of tdx/v4_trustee_q4. */
#define TDX_NOW INT64_C(1675843375)

/* The value of the named field, or NULL. */
static const char *field(const pqcha_evidence *e, const char *name) {
    for (size_t i = 0; i < pqcha_evidence_field_count(e); i++)
        if (strcmp(pqcha_evidence_field_name(e, i), name) == 0)
            return pqcha_evidence_field_value(e, i);
    return NULL;
}

typedef struct parse_case {
    const char *file;
    const char *platform;
    const char *version;
} parse_case;

static const parse_case parse_cases[] = {
    {"snp/genoa_v5_vcek_oak/report.bin", "amd-sev-snp", "5"},
    {"snp/milan_v2_vcek_gosevguest/report.bin", "amd-sev-snp", "2"},
    {"snp/milan_v2_vcek_trustee_azure_hcl/report.bin", "amd-sev-snp", "2"},
    {"snp/milan_v2_vcek_trustee_azure_hcl/hcl_report.bin", "amd-sev-snp", "2"},
    {"snp/milan_v2_vcek_virtee/report.bin", "amd-sev-snp", "2"},
    {"snp/milan_v3_vcek_oak_cb/report.bin", "amd-sev-snp", "3"},
    {"snp/milan_v3_vlek_trustee/report.bin", "amd-sev-snp", "3"},
    {"snp/unknown_v2_nosigner_lit/report.bin", "amd-sev-snp", "2"},
    {"snp/unknown_v2_nosigner_lit/msg_report_rsp.bin", "amd-sev-snp", "2"},
    {"tdx/v4_dcapqvl/quote.bin", "intel-tdx", "4"},
    {"tdx/v4_gce_cos113_gotdxguest/quote.bin", "intel-tdx", "4"},
    {"tdx/v4_trustee_q4/quote.bin", "intel-tdx", "4"},
    {"tdx/v5_gotdxguest/quote.bin", "intel-tdx", "5"},
    {"tdx/v5_trustee_q5/quote.bin", "intel-tdx", "5"},
};

static void test_parse_real(void) {
    if (!hw_present("real evidence")) return;
    for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
        const parse_case *c = &parse_cases[i];
        size_t len;
        uint8_t *bytes = read_hw(c->file, &len);
        pqcha_evidence *e = NULL;
        if (bytes == NULL) {
            CHECK_FAILED(c->file);
            continue;
        }
        pqcha_err err = pqcha_evidence_parse(&e, bytes, len);
        if (err != PQCHA_OK) fprintf(stderr, "  %s\n", c->file);
        CHECK_OK(err);
        CHECK_STR(pqcha_evidence_platform(e), c->platform);
        CHECK_STR(field(e, "version"), c->version);
        CHECK(field(e, "report_data") != NULL && strlen(field(e, "report_data")) == 128);
        CHECK(pqcha_evidence_field_count(e) > 20);
        CHECK(pqcha_evidence_field_name(e, pqcha_evidence_field_count(e)) == NULL);
        CHECK(pqcha_evidence_field_value(e, pqcha_evidence_field_count(e)) == NULL);
        pqcha_evidence_free(e);
        free(bytes);
    }
}

static void test_parse_fields(void) {
    if (!hw_present("real evidence")) return;
    size_t len;
    uint8_t *bytes = read_hw("snp/milan_v2_vcek_trustee_azure_hcl/hcl_report.bin", &len);
    pqcha_evidence *e = NULL;
    REQUIRE(bytes != NULL);
    CHECK_OK(pqcha_evidence_parse(&e, bytes, len));
    CHECK_STR(field(e, "wrapper"), "azure-hcl");
    CHECK_STR(field(e, "signing_key"), "VCEK");
    CHECK(field(e, "measurement") != NULL && strlen(field(e, "measurement")) == 96);
    pqcha_evidence_free(e);
    free(bytes);

    bytes = read_hw("tdx/v5_trustee_q5/quote.bin", &len);
    REQUIRE(bytes != NULL);
    CHECK_OK(pqcha_evidence_parse(&e, bytes, len));
    CHECK_STR(field(e, "body_type"), "3");
    CHECK(field(e, "mr_td") != NULL && strlen(field(e, "mr_td")) == 96);
    CHECK(field(e, "rtmr3") != NULL && field(e, "mr_servicetd") != NULL);
    pqcha_evidence_free(e);
    free(bytes);
}

static void test_parse_rejects(void) {
    static const uint8_t garbage[] = "this is neither a report nor a quote";
    pqcha_evidence *e = (pqcha_evidence *)1;
    CHECK_ERR(pqcha_evidence_parse(&e, garbage, sizeof garbage), PQCHA_ERR_BAD_EVIDENCE);
    CHECK(e == NULL);
    e = (pqcha_evidence *)1;
    CHECK_ERR(pqcha_evidence_parse(&e, NULL, 0), PQCHA_ERR_BAD_EVIDENCE);
    CHECK(e == NULL);
    e = (pqcha_evidence *)1;
    CHECK_ERR(pqcha_evidence_parse(&e, NULL, 5), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(e == NULL);
    CHECK_ERR(pqcha_evidence_parse(NULL, garbage, sizeof garbage), PQCHA_ERR_INVALID_ARGUMENT);
    uint8_t *big = calloc(1, PQCHA_MAX_EVIDENCE_LEN + 1);
    REQUIRE(big != NULL);
    CHECK_ERR(pqcha_evidence_parse(&e, big, PQCHA_MAX_EVIDENCE_LEN + 1), PQCHA_ERR_TOO_LARGE);
    CHECK(e == NULL);
    free(big);
    /* An SNP-sized run of zeros: a report whose version 0 is unknown. */
    uint8_t zeros[1184] = {0};
    CHECK_ERR(pqcha_evidence_parse(&e, zeros, sizeof zeros), PQCHA_ERR_BAD_EVIDENCE);

    CHECK(pqcha_evidence_platform(NULL) == NULL);
    CHECK(pqcha_evidence_field_count(NULL) == 0);
    CHECK(pqcha_evidence_field_name(NULL, 0) == NULL);
    CHECK(pqcha_evidence_field_value(NULL, 0) == NULL);
    pqcha_evidence_free(NULL);

    if (!hw_present("real evidence rejections")) return;
    size_t len;
    uint8_t *bytes = read_hw("snp/NEGATIVE_unknown_v2_lit_badsig/report.bin", &len);
    REQUIRE(bytes != NULL);
    CHECK_ERR(pqcha_evidence_parse(&e, bytes, len), PQCHA_ERR_BAD_EVIDENCE); /* 1185 bytes */
    CHECK(e == NULL);
    free(bytes);
    bytes = read_hw("tdx/v4_trustee_q4/quote.bin", &len);
    REQUIRE(bytes != NULL);
    CHECK_ERR(pqcha_evidence_parse(&e, bytes, len / 2), PQCHA_ERR_BAD_EVIDENCE); /* truncated */
    CHECK(e == NULL);
    free(bytes);
}

/* Parses rel and verifies it with the given inputs (files relative to the
 * test data; NULL: not set). */
static pqcha_err verify_files(pqcha_evidence_result **out, const char *rel, const char *root,
                              const char *chain, const char *cert, int64_t now) {
    size_t len, root_len, chain_len = 0, cert_len = 0;
    uint8_t *bytes = read_hw(rel, &len), *root_bytes = read_hw(root, &root_len);
    uint8_t *chain_bytes = chain ? read_hw(chain, &chain_len) : NULL;
    uint8_t *cert_bytes = cert ? read_hw(cert, &cert_len) : NULL;
    pqcha_evidence *e = NULL;
    pqcha_evidence_verifier *v = NULL;
    pqcha_err err = PQCHA_ERR_INTERNAL;

    *out = NULL;
    if (bytes && root_bytes && (chain == NULL || chain_bytes) && (cert == NULL || cert_bytes)) {
        CHECK_OK(pqcha_evidence_parse(&e, bytes, len));
        CHECK_OK(pqcha_evidence_verifier_create(&v));
        CHECK_OK(pqcha_evidence_verifier_add_roots(v, root_bytes, root_len));
        if (chain) CHECK_OK(pqcha_evidence_verifier_set_chain(v, chain_bytes, chain_len));
        if (cert) CHECK_OK(pqcha_evidence_verifier_set_signing_cert(v, cert_bytes, cert_len));
        CHECK_OK(pqcha_evidence_verifier_set_time(v, now));
        err = pqcha_evidence_verify(out, v, e);
    } else {
        CHECK_FAILED(rel);
    }
    pqcha_evidence_verifier_free(v);
    pqcha_evidence_free(e);
    free(bytes);
    free(root_bytes);
    free(chain_bytes);
    free(cert_bytes);
    return err;
}

static void test_verify_snp(void) {
    if (!hw_present("real SEV-SNP verification")) return;
    pqcha_evidence_result *r = NULL;
    char *json = NULL;
    CHECK_OK(verify_files(&r, "snp/milan_v2_vcek_trustee_azure_hcl/hcl_report.bin",
                          "roots/amd_milan_ark_ask.pem",
                          "snp/milan_v2_vcek_trustee_azure_hcl/ask_ark.pem",
                          "snp/milan_v2_vcek_trustee_azure_hcl/vcek.pem", SNP_NOW));
    CHECK(pqcha_evidence_result_verdict(r) == PQCHA_VERDICT_VALID);
    CHECK_OK(pqcha_evidence_result_error(r));
    CHECK_STR(pqcha_evidence_result_platform(r), "amd-sev-snp");
    CHECK(all_pass(r));
    CHECK_OK(pqcha_evidence_result_to_json(&json, r));
    CHECK(json != NULL && strstr(json, "\"verdict\":\"valid\"") != NULL);
    CHECK(json != NULL && strstr(json, "\"report_signature\"") != NULL);
    pqcha_free(json);
    pqcha_evidence_result_free(r);

    /* Genoa's roots do not pin a Milan ARK. */
    CHECK_ERR(verify_files(&r, "snp/milan_v3_vcek_oak_cb/report.bin", "roots/amd_genoa_ark_ask.pem",
                           "snp/milan_v3_vcek_oak_cb/ask_ark.pem",
                           "snp/milan_v3_vcek_oak_cb/vcek.der", SNP_NOW),
              PQCHA_ERR_CERT_CHAIN);
    CHECK(pqcha_evidence_result_verdict(r) == PQCHA_VERDICT_REJECTED);
    CHECK_ERR(pqcha_evidence_result_error(r), PQCHA_ERR_CERT_CHAIN);
    pqcha_evidence_result_free(r);

    /* Outside the certificates' validity. */
    CHECK_ERR(verify_files(&r, "snp/milan_v3_vcek_oak_cb/report.bin", "roots/amd_milan_ark_ask.pem",
                           "snp/milan_v3_vcek_oak_cb/ask_ark.pem",
                           "snp/milan_v3_vcek_oak_cb/vcek.der", INT64_C(946684800)),
              PQCHA_ERR_CERT_EXPIRED);
    pqcha_evidence_result_free(r);
}

static void test_verify_tdx(void) {
    if (!hw_present("real TDX verification")) return;
    pqcha_evidence_result *r = NULL;
    CHECK_OK(verify_files(&r, "tdx/v4_trustee_q4/quote.bin", "roots/intel_sgx_root_ca.der", NULL,
                          NULL, TDX_NOW));
    CHECK(pqcha_evidence_result_verdict(r) == PQCHA_VERDICT_VALID);
    CHECK_STR(pqcha_evidence_result_platform(r), "intel-tdx");
    CHECK(all_pass(r));
    pqcha_evidence_result_free(r);

    /* The same root as PEM. */
    CHECK_OK(verify_files(&r, "tdx/v4_trustee_q4/quote.bin", "roots/intel_sgx_root_ca.pem", NULL,
                          NULL, TDX_NOW));
    pqcha_evidence_result_free(r);

    /* An AMD root does not pin Intel's chain. */
    CHECK_ERR(verify_files(&r, "tdx/v4_trustee_q4/quote.bin", "roots/amd_milan_ark_ask.pem", NULL,
                           NULL, TDX_NOW),
              PQCHA_ERR_CERT_CHAIN);
    CHECK(pqcha_evidence_result_verdict(r) == PQCHA_VERDICT_REJECTED);
    CHECK(pqcha_evidence_result_check_count(r) > 0);
    pqcha_evidence_result_free(r);
}

static void test_verifier_rules(void) {
    static const char good_hex[] =
        "00000000000000000000000000000000000000000000000000000000000000000000000000000000"
        "000000000000000000000000000000000000000000000000";
    static const uint8_t junk[] = "not a certificate";
    pqcha_evidence_verifier *v = NULL;
    pqcha_evidence_result *r = (pqcha_evidence_result *)1;
    pqcha_evidence *e = NULL;

    CHECK_ERR(pqcha_evidence_verifier_create(NULL), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_OK(pqcha_evidence_verifier_create(&v));
    CHECK_ERR(pqcha_evidence_verifier_add_roots(v, junk, sizeof junk), PQCHA_ERR_BAD_CERTIFICATE);
    CHECK_ERR(pqcha_evidence_verifier_add_roots(v, NULL, 0), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_evidence_verifier_set_chain(v, junk, sizeof junk), PQCHA_ERR_BAD_CERTIFICATE);
    CHECK_ERR(pqcha_evidence_verifier_set_signing_cert(v, junk, sizeof junk),
              PQCHA_ERR_BAD_CERTIFICATE);
    CHECK_ERR(pqcha_evidence_verifier_set_crl(v, junk, sizeof junk), PQCHA_ERR_BAD_CERTIFICATE);
    CHECK_ERR(pqcha_evidence_verifier_set_time(v, -1), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_evidence_verifier_set_time(v, INT64_C(253402300800)),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_OK(pqcha_evidence_verifier_set_time(v, SNP_NOW));
    CHECK_ERR(pqcha_evidence_verifier_expect_report_data(v, "00"), PQCHA_ERR_BAD_HEX);
    CHECK_ERR(pqcha_evidence_verifier_expect_report_data(v, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_OK(pqcha_evidence_verifier_expect_report_data(v, good_hex));
    CHECK_ERR(pqcha_evidence_verify(&r, v, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(r == NULL);
    CHECK_ERR(pqcha_evidence_verify(NULL, v, NULL), PQCHA_ERR_INVALID_ARGUMENT);

    if (hw_present("verifier rules on real evidence")) {
        size_t len;
        uint8_t *bytes = read_hw("tdx/v4_trustee_q4/quote.bin", &len);
        REQUIRE(bytes != NULL);
        CHECK_OK(pqcha_evidence_parse(&e, bytes, len));
        free(bytes);
        r = (pqcha_evidence_result *)1;
        CHECK_ERR(pqcha_evidence_verify(&r, v, e), PQCHA_ERR_INVALID_ARGUMENT); /* no roots */
        CHECK(r == NULL);
        bytes = read_hw("roots/intel_sgx_root_ca.der", &len);
        REQUIRE(bytes != NULL);
        CHECK_OK(pqcha_evidence_verifier_add_roots(v, bytes, len));
        free(bytes);
        bytes = read_hw("roots/intel_sgx_root_ca_crl.der", &len);
        REQUIRE(bytes != NULL);
        CHECK_OK(pqcha_evidence_verifier_set_crl(v, bytes, len));
        free(bytes);
        /* A CRL is not checked for TDX yet: refused, never ignored. */
        CHECK_ERR(pqcha_evidence_verify(&r, v, e), PQCHA_ERR_INVALID_ARGUMENT);
        CHECK(r == NULL);
        pqcha_evidence_free(e);
    }
    pqcha_evidence_verifier_free(v);
    pqcha_evidence_verifier_free(NULL);

    /* A NULL result reads as malformed, never valid. */
    CHECK(pqcha_evidence_result_verdict(NULL) == PQCHA_VERDICT_MALFORMED);
    CHECK_ERR(pqcha_evidence_result_error(NULL), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(pqcha_evidence_result_platform(NULL) == NULL);
    CHECK(pqcha_evidence_result_check_count(NULL) == 0);
    CHECK(pqcha_evidence_result_check_name(NULL, 0) == NULL);
    CHECK(pqcha_evidence_result_check_status(NULL, 0) == PQCHA_CHECK_SKIPPED);
    CHECK_ERR(pqcha_evidence_result_check_error(NULL, 0), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_STR(pqcha_evidence_result_check_expected(NULL, 0), "");
    CHECK_STR(pqcha_evidence_result_check_found(NULL, 0), "");
    char *json = (char *)1;
    CHECK_ERR(pqcha_evidence_result_to_json(&json, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(json == NULL);
    pqcha_evidence_result_free(NULL);
}

TEST_MAIN(TEST(test_parse_real), TEST(test_parse_fields), TEST(test_parse_rejects),
          TEST(test_verify_snp), TEST(test_verify_tdx), TEST(test_verifier_rules))
