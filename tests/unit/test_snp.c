/* test_snp.c — SEV-SNP reports (src/core/snp*.c): the real public reports
 * and certificates of /work/shared/testdata/hw/snp (skipped, saying so, when
 * absent), and synthetic evidence signed by a throw-away AMD-like chain
 * generated here with OpenSSL (ARK and ASK: RSA 3072 with RSASSA-PSS
 * SHA-384, salt 48; VCEK: P-384), from which every rejection is produced
 * and asserted with its exact code. */
#include <stdint.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "core/snp.h"
#include "hwdata.h"

/* The real test data; PQCHA_HW_TESTDATA points elsewhere (or nowhere, to
 * see the skip). */
/* 2025-10-01T00:00:00Z: inside every real certificate's validity (the
 * Genoa VCEK starts 2025-08-07, the Milan VLEK ends 2025-12-10). */
#define REAL_NOW INT64_C(1759276800)
#define DAY      INT64_C(86400)
/* RSA 3072 rather than AMD's 4096: three 4096-bit keys take several
 * seconds to generate on a small machine; the code paths are the same. */
#define SYNTH_RSA_BITS 3072

/* ---- helpers ---- */

static const pqcha__evidence_check *find_check(const pqcha__snp_outcome *o, const char *name) {
    for (size_t i = 0; i < o->check_count; i++)
        if (strcmp(o->checks[i].name, name) == 0) return &o->checks[i];
    return NULL;
}

/* The named check exists with this status and error. */
static int check_is(const pqcha__snp_outcome *o, const char *name, pqcha_check_status status,
                    pqcha_err err) {
    const pqcha__evidence_check *c = find_check(o, name);
    if (c == NULL) {
        fprintf(stderr, "  no check %s\n", name);
        return 0;
    }
    if (c->status != status || c->err != err) {
        fprintf(stderr, "  check %s: status %d err %s (expected %s, found %s)\n", name,
                (int)c->status, pqcha_error_name(c->err), c->expected, c->found);
        return 0;
    }
    return 1;
}

static int all_checks_pass(const pqcha__snp_outcome *o) {
    int ok = o->check_count > 0;
    for (size_t i = 0; i < o->check_count; i++) {
        if (o->checks[i].status != PQCHA_CHECK_PASS) {
            fprintf(stderr, "  check %s did not pass: %s (expected %s, found %s)\n",
                    o->checks[i].name, pqcha_error_name(o->checks[i].err), o->checks[i].expected,
                    o->checks[i].found);
            ok = 0;
        }
    }
    return ok;
}

/* ---- real reports ---- */

typedef struct real_case {
    const char *dir;
    const char *report; /* file in dir */
    const char *cert;   /* file in dir */
    const char *roots;  /* file in roots/ */
    pqcha__snp_product product;
    uint32_t version;
    pqcha__snp_wrapper wrapper;
    int debug; /* launched with POLICY.DEBUG set */
} real_case;

static const real_case genuine[] = {
    {"genoa_v5_vcek_oak", "report.bin", "vcek.der", "amd_genoa_ark_ask.pem",
     PQCHA__SNP_PRODUCT_GENOA, 5, PQCHA__SNP_WRAPPER_NONE, 0},
    {"milan_v2_vcek_gosevguest", "report.bin", "vcek.der", "amd_milan_ark_ask.pem",
     PQCHA__SNP_PRODUCT_MILAN, 2, PQCHA__SNP_WRAPPER_NONE, 1},
    {"milan_v2_vcek_trustee_azure_hcl", "report.bin", "vcek.pem", "amd_milan_ark_ask.pem",
     PQCHA__SNP_PRODUCT_MILAN, 2, PQCHA__SNP_WRAPPER_NONE, 0},
    {"milan_v2_vcek_trustee_azure_hcl", "hcl_report.bin", "vcek.pem", "amd_milan_ark_ask.pem",
     PQCHA__SNP_PRODUCT_MILAN, 2, PQCHA__SNP_WRAPPER_AZURE_HCL, 0},
    {"milan_v2_vcek_virtee", "report.bin", "vcek.der", "amd_milan_ark_ask.pem",
     PQCHA__SNP_PRODUCT_MILAN, 2, PQCHA__SNP_WRAPPER_NONE, 0},
    {"milan_v3_vcek_oak_cb", "report.bin", "vcek.der", "amd_milan_ark_ask.pem",
     PQCHA__SNP_PRODUCT_MILAN, 3, PQCHA__SNP_WRAPPER_NONE, 0},
    {"milan_v3_vlek_trustee", "report.bin", "vlek.der", "amd_milan_vlek_asvk_ark.pem",
     PQCHA__SNP_PRODUCT_MILAN, 3, PQCHA__SNP_WRAPPER_NONE, 0},
};

typedef struct real_files {
    uint8_t *report, *cert, *chain, *roots;
    size_t report_len, cert_len, chain_len, roots_len;
} real_files;

static int real_load(real_files *f, const char *dir, const char *report, const char *cert,
                     const char *roots) {
    char rel[256];
    memset(f, 0, sizeof *f);
    snprintf(rel, sizeof rel, "snp/%s/%s", dir, report);
    f->report = report ? read_hw(rel, &f->report_len) : NULL;
    snprintf(rel, sizeof rel, "snp/%s/%s", dir, cert);
    f->cert = read_hw(rel, &f->cert_len);
    snprintf(rel, sizeof rel, "snp/%s/ask_ark.pem", dir);
    f->chain = read_hw(rel, &f->chain_len);
    snprintf(rel, sizeof rel, "roots/%s", roots);
    f->roots = read_hw(rel, &f->roots_len);
    return (report == NULL || f->report) && f->cert && f->chain && f->roots;
}

static void real_free(real_files *f) {
    free(f->report);
    free(f->cert);
    free(f->chain);
    free(f->roots);
}

static void real_inputs(pqcha__snp_inputs *in, const real_files *f) {
    memset(in, 0, sizeof *in);
    in->signing_cert = f->cert;
    in->signing_cert_len = f->cert_len;
    in->chain = f->chain;
    in->chain_len = f->chain_len;
    in->roots = f->roots;
    in->roots_len = f->roots_len;
    in->now = REAL_NOW;
}

static pqcha__snp_outcome outcome; /* large: one, static */

static void test_real_genuine(void) {
    if (!hw_present("real SEV-SNP reports")) return;
    for (size_t i = 0; i < sizeof genuine / sizeof genuine[0]; i++) {
        const real_case *c = &genuine[i];
        real_files f;
        if (!real_load(&f, c->dir, c->report, c->cert, c->roots)) {
            CHECK_FAILED(c->dir);
            real_free(&f);
            continue;
        }
        pqcha__snp_inputs in;
        real_inputs(&in, &f);
        pqcha_err err = pqcha__snp_verify(f.report, f.report_len, &in, &outcome);
        if (err != PQCHA_OK) fprintf(stderr, "  %s/%s\n", c->dir, c->report);
        CHECK_OK(err);
        CHECK(all_checks_pass(&outcome));
        CHECK(outcome.report_parsed && outcome.report.version == c->version);
        CHECK(outcome.report.product == c->product);
        CHECK(outcome.wrapper == c->wrapper);
        CHECK(check_is(&outcome, "report_signature", PQCHA_CHECK_PASS, PQCHA_OK));
        /* Genuine is not the same as acceptable: a zeroed policy (debug and
         * migration agent off) refuses the one launched with DEBUG. */
        pqcha__snp_policy zeroed;
        memset(&zeroed, 0, sizeof zeroed);
        in.policy = &zeroed;
        CHECK_ERR(pqcha__snp_verify(f.report, f.report_len, &in, &outcome),
                  c->debug ? PQCHA_ERR_EVIDENCE_POLICY : PQCHA_OK);
        CHECK(check_is(&outcome, "policy_debug", c->debug ? PQCHA_CHECK_FAIL : PQCHA_CHECK_PASS,
                       c->debug ? PQCHA_ERR_EVIDENCE_POLICY : PQCHA_OK));
        in.policy = NULL;
        /* The same with the report's own REPORT_DATA expected, and as the
         * chain's bundle from the folder serving as pinned roots. */
        uint8_t rd[64];
        memcpy(rd, outcome.report.report_data, sizeof rd);
        in.expected_report_data = rd;
        in.roots = f.chain;
        in.roots_len = f.chain_len;
        CHECK_OK(pqcha__snp_verify(f.report, f.report_len, &in, &outcome));
        rd[0] ^= 1;
        CHECK_ERR(pqcha__snp_verify(f.report, f.report_len, &in, &outcome),
                  PQCHA_ERR_EVIDENCE_BINDING);
        real_free(&f);
    }
}

static void test_real_vlek_is_not_vcek(void) {
    if (!hw_present("VLEK report")) return;
    /* The VLEK report with a Milan VCEK (and its ASK chain): the report says
     * VLEK, so a VCEK must not be used. */
    real_files f, v;
    REQUIRE(real_load(&f, "milan_v3_vlek_trustee", "report.bin", "vlek.der",
                      "amd_milan_vlek_asvk_ark.pem"));
    REQUIRE(
        real_load(&v, "milan_v2_vcek_virtee", "report.bin", "vcek.der", "amd_milan_ark_ask.pem"));
    pqcha__snp_inputs in;
    real_inputs(&in, &v);
    CHECK_ERR(pqcha__snp_verify(f.report, f.report_len, &in, &outcome), PQCHA_ERR_CERT_MISMATCH);
    CHECK(check_is(&outcome, "signing_key", PQCHA_CHECK_FAIL, PQCHA_ERR_CERT_MISMATCH));
    /* And a VCEK report with the VLEK and its ASVK chain. */
    real_inputs(&in, &f);
    CHECK_ERR(pqcha__snp_verify(v.report, v.report_len, &in, &outcome), PQCHA_ERR_CERT_MISMATCH);
    CHECK(check_is(&outcome, "signing_key", PQCHA_CHECK_FAIL, PQCHA_ERR_CERT_MISMATCH));
    /* A Milan report against Genoa's pinned ARK. */
    free(v.roots);
    v.roots = read_hw("roots/amd_genoa_ark_ask.pem", &v.roots_len);
    REQUIRE(v.roots != NULL);
    real_inputs(&in, &v);
    CHECK_ERR(pqcha__snp_verify(v.report, v.report_len, &in, &outcome), PQCHA_ERR_CERT_CHAIN);
    CHECK(check_is(&outcome, "ark_pinned", PQCHA_CHECK_FAIL, PQCHA_ERR_CERT_CHAIN));
    /* The right VCEK with the report of another chip. */
    real_free(&v);
    REQUIRE(real_load(&v, "milan_v2_vcek_gosevguest", "report.bin", "vcek.der",
                      "amd_milan_ark_ask.pem"));
    real_files w;
    REQUIRE(
        real_load(&w, "milan_v2_vcek_virtee", "report.bin", "vcek.der", "amd_milan_ark_ask.pem"));
    real_inputs(&in, &v);
    CHECK_ERR(pqcha__snp_verify(w.report, w.report_len, &in, &outcome), PQCHA_ERR_CERT_MISMATCH);
    CHECK(check_is(&outcome, "hwid", PQCHA_CHECK_FAIL, PQCHA_ERR_CERT_MISMATCH));
    CHECK(check_is(&outcome, "report_signature", PQCHA_CHECK_FAIL, PQCHA_ERR_EVIDENCE_SIGNATURE));
    real_free(&w);
    real_free(&v);
    real_free(&f);
}

static void test_real_turin_chain(void) {
    if (!hw_present("Turin VCEK")) return;
    real_files f;
    REQUIRE(real_load(&f, "turin_vcek_only_virtee", NULL, "vcek.der", "amd_turin_ark_ask.pem"));
    pqcha__snp_inputs in;
    real_inputs(&in, &f);
    /* No report: the report's checks fail or skip, the chain's pass. */
    CHECK_ERR(pqcha__snp_verify(NULL, 0, &in, &outcome), PQCHA_ERR_BAD_EVIDENCE);
    static const char *const chain_checks[] = {"signing_cert_format",
                                               "chain_format",
                                               "roots_format",
                                               "ark_pinned",
                                               "ark_self_signed",
                                               "ask_signed_by_ark",
                                               "signing_cert_signed_by_ask",
                                               "ark_validity",
                                               "ask_validity",
                                               "signing_cert_validity"};
    for (size_t i = 0; i < sizeof chain_checks / sizeof chain_checks[0]; i++)
        CHECK(check_is(&outcome, chain_checks[i], PQCHA_CHECK_PASS, PQCHA_OK));
    CHECK(check_is(&outcome, "report_signature", PQCHA_CHECK_SKIPPED, PQCHA_ERR_BAD_EVIDENCE));
    X509 *vcek = NULL;
    REQUIRE(pqcha__snp_cert_load(&vcek, f.cert, f.cert_len) == PQCHA_OK);
    pqcha__snp_cert_claims claims;
    CHECK_OK(pqcha__snp_cert_claims_read(&claims, vcek));
    CHECK(!claims.is_vlek && claims.product == PQCHA__SNP_PRODUCT_TURIN);
    CHECK(claims.has_hwid && claims.hwid_len == 8);
    CHECK(claims.has_fmc && claims.has_bl && claims.has_tee && claims.has_snp && claims.has_ucode);
    CHECK(claims.ucode == 9);
    X509_free(vcek);
    real_free(&f);
}

static void test_real_negative_encoding_variants(void) {
    if (!hw_present("VCEK encoding variants")) return;
    static const char *const certs[] = {"vcek_legacy.der", "vcek_new.der"};
    for (size_t i = 0; i < 2; i++) {
        real_files f;
        REQUIRE(real_load(&f, "NEGATIVE_milan_vcek_encoding_variants_trustee", NULL, certs[i],
                          "amd_milan_ark_ask.pem"));
        pqcha__snp_inputs in;
        real_inputs(&in, &f);
        CHECK_ERR(pqcha__snp_verify(NULL, 0, &in, &outcome), PQCHA_ERR_BAD_EVIDENCE);
        /* The hwID was overwritten, so AMD's signature no longer verifies. */
        CHECK(check_is(&outcome, "signing_cert_signed_by_ask", PQCHA_CHECK_FAIL,
                       PQCHA_ERR_CERT_CHAIN));
        CHECK(check_is(&outcome, "ask_signed_by_ark", PQCHA_CHECK_PASS, PQCHA_OK));
        /* Both encodings of hwID read as the same 64 bytes 00 01 .. 3f. */
        X509 *vcek = NULL;
        REQUIRE(pqcha__snp_cert_load(&vcek, f.cert, f.cert_len) == PQCHA_OK);
        pqcha__snp_cert_claims claims;
        CHECK_OK(pqcha__snp_cert_claims_read(&claims, vcek));
        CHECK(claims.has_hwid && claims.hwid_len == 64);
        for (size_t b = 0; b < 64; b++)
            CHECK(claims.hwid[b] == b);
        CHECK(claims.product == PQCHA__SNP_PRODUCT_MILAN);
        X509_free(vcek);
        real_free(&f);
    }
}

static void test_real_negative_badsig_and_parse_only(void) {
    if (!hw_present("LIT reports")) return;
    size_t len, off = 99;
    pqcha__snp_report r;
    uint8_t *b = read_hw("snp/NEGATIVE_unknown_v2_lit_badsig/report.bin", &len);
    REQUIRE(b != NULL && len == 1185);
    CHECK_ERR(pqcha__snp_find_report(b, len, &off), PQCHA_ERR_BAD_EVIDENCE);
    CHECK(off == 0);
    CHECK_ERR(pqcha__snp_report_parse(&r, b, len), PQCHA_ERR_BAD_EVIDENCE);
    CHECK(r.version == 0);
    pqcha__snp_inputs in;
    memset(&in, 0, sizeof in);
    CHECK_ERR(pqcha__snp_verify(b, len, &in, &outcome), PQCHA_ERR_BAD_EVIDENCE);
    CHECK(check_is(&outcome, "report_format", PQCHA_CHECK_FAIL, PQCHA_ERR_BAD_EVIDENCE));
    CHECK(check_is(&outcome, "report_signature", PQCHA_CHECK_SKIPPED, PQCHA_ERR_BAD_EVIDENCE));
    free(b);
    b = read_hw("snp/NEGATIVE_unknown_v2_lit_badsig/report_corrupt_793.bin", &len);
    REQUIRE(b != NULL && len == 793);
    CHECK_ERR(pqcha__snp_find_report(b, len, &off), PQCHA_ERR_BAD_EVIDENCE);
    CHECK_ERR(pqcha__snp_report_parse(&r, b, len), PQCHA_ERR_BAD_EVIDENCE);
    free(b);

    /* PARSE-ONLY: both reports parse; no signer, so the signature is skipped. */
    b = read_hw("snp/unknown_v2_nosigner_lit/report.bin", &len);
    REQUIRE(b != NULL);
    CHECK_OK(pqcha__snp_report_parse(&r, b, len));
    CHECK(r.version == 2 && r.product == PQCHA__SNP_PRODUCT_UNKNOWN);
    CHECK(r.reported_tcb.raw == UINT64_C(0x7305000000000002));
    CHECK_OK(pqcha__snp_report_set_product(&r, PQCHA__SNP_PRODUCT_MILAN));
    CHECK(r.reported_tcb.boot_loader == 2 && r.reported_tcb.snp == 5 &&
          r.reported_tcb.microcode == 0x73);
    CHECK(r.current_version.major == 1 && r.current_version.minor == 0x33);
    CHECK_ERR(pqcha__snp_verify(b, len, &in, &outcome), PQCHA_ERR_BAD_CERTIFICATE);
    CHECK(check_is(&outcome, "report_format", PQCHA_CHECK_PASS, PQCHA_OK));
    CHECK(check_is(&outcome, "report_signature", PQCHA_CHECK_SKIPPED, PQCHA_ERR_BAD_CERTIFICATE));
    free(b);
    b = read_hw("snp/unknown_v2_nosigner_lit/msg_report_rsp.bin", &len);
    REQUIRE(b != NULL);
    pqcha__snp_wrapper w;
    CHECK_OK(pqcha__snp_find_report_wrapped(b, len, &off, &w));
    CHECK(off == 0x20 && w == PQCHA__SNP_WRAPPER_MSG_REPORT_RSP);
    CHECK_OK(pqcha__snp_report_parse(&r, b + off, PQCHA__SNP_REPORT_LEN));
    free(b);
    b = read_hw("snp/milan_v2_vcek_trustee_azure_hcl/hcl_report.bin", &len);
    REQUIRE(b != NULL);
    CHECK_OK(pqcha__snp_find_report_wrapped(b, len, &off, &w));
    CHECK(off == 0x20 && w == PQCHA__SNP_WRAPPER_AZURE_HCL);
    b[0x4C8] = 4; /* report type 4 (TDX): not an SNP report */
    CHECK_ERR(pqcha__snp_find_report(b, len, &off), PQCHA_ERR_BAD_EVIDENCE);
    free(b);
}

/* ---- synthetic evidence ---- */

#define T0 REAL_NOW

typedef struct synth_keys {
    EVP_PKEY *ark, *ask, *other_ask, *vcek, *other_vcek;
} synth_keys;

static synth_keys keys;

static int synth_init(void) {
    if (keys.ark) return 1;
    keys.ark = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)SYNTH_RSA_BITS);
    keys.ask = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)SYNTH_RSA_BITS);
    keys.other_ask = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)SYNTH_RSA_BITS);
    keys.vcek = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    keys.other_vcek = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    return keys.ark && keys.ask && keys.other_ask && keys.vcek && keys.other_vcek;
}

static void synth_free(void) {
    EVP_PKEY_free(keys.ark);
    EVP_PKEY_free(keys.ask);
    EVP_PKEY_free(keys.other_ask);
    EVP_PKEY_free(keys.vcek);
    EVP_PKEY_free(keys.other_vcek);
    memset(&keys, 0, sizeof keys);
}

static X509_NAME *amd_name(const char *cn) {
    X509_NAME *n = X509_NAME_new();
    X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC,
                               (const unsigned char *)"Advanced Micro Devices", -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    return n;
}

/* Signs with RSASSA-PSS, SHA-384, MGF1 SHA-384, salt 48, as AMD does. */
static EVP_MD_CTX *pss_ctx(EVP_PKEY *key) {
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    EVP_PKEY_CTX *p = NULL;
    if (m == NULL || EVP_DigestSignInit(m, &p, EVP_sha384(), NULL, key) != 1 ||
        EVP_PKEY_CTX_set_rsa_padding(p, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(p, 48) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(p, EVP_sha384()) != 1) {
        EVP_MD_CTX_free(m);
        return NULL;
    }
    return m;
}

static void add_amd_ext(X509 *x, const char *suffix, const uint8_t *der, size_t len) {
    char oid[64];
    snprintf(oid, sizeof oid, "1.3.6.1.4.1.3704.1.%s", suffix);
    ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(os, der, (int)len);
    X509_EXTENSION *ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    ASN1_OCTET_STRING_free(os);
    ASN1_OBJECT_free(obj);
}

static void add_spl(X509 *x, const char *suffix, uint8_t v) {
    uint8_t der[4] = {0x02, 0x01, v, 0};
    size_t n = 3;
    if (v & 0x80) { /* a positive INTEGER needs a leading zero byte */
        der[1] = 2;
        der[2] = 0;
        der[3] = v;
        n = 4;
    }
    add_amd_ext(x, suffix, der, n);
}

typedef struct leaf_spec {
    const char *cn;     /* "SEV-VCEK" or "SEV-VLEK" */
    const char *issuer; /* the ASK's CN */
    EVP_PKEY *key, *signer;
    const char *product; /* productName, e.g. "Milan-B0" */
    int turin;
    const uint8_t *hwid; /* NULL: none (VLEK) */
    size_t hwid_len;
    int wrap_hwid;
    uint8_t fmc, bl, tee, snp, ucode;
    int64_t not_after;
} leaf_spec;

static X509 *make_cert(const char *cn, const char *issuer_cn, EVP_PKEY *key, EVP_PKEY *signer,
                       long serial, int64_t not_before, int64_t not_after, const leaf_spec *leaf) {
    X509 *x = X509_new();
    X509_NAME *subject = amd_name(cn), *issuer = amd_name(issuer_cn);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    X509_set_subject_name(x, subject);
    X509_set_issuer_name(x, issuer);
    ASN1_TIME_set(X509_getm_notBefore(x), (time_t)not_before);
    ASN1_TIME_set(X509_getm_notAfter(x), (time_t)not_after);
    X509_set_pubkey(x, key);
    if (leaf) {
        uint8_t der[80];
        size_t n = strlen(leaf->product);
        der[0] = 0x16;
        der[1] = (uint8_t)n;
        memcpy(der + 2, leaf->product, n);
        add_amd_ext(x, "2", der, n + 2);
        if (leaf->turin) add_spl(x, "3.9", leaf->fmc);
        add_spl(x, "3.1", leaf->bl);
        add_spl(x, "3.2", leaf->tee);
        add_spl(x, "3.3", leaf->snp);
        add_spl(x, "3.8", leaf->ucode);
        if (leaf->hwid) {
            der[0] = 0x04;
            der[1] = (uint8_t)leaf->hwid_len;
            memcpy(der + 2, leaf->hwid, leaf->hwid_len);
            if (leaf->wrap_hwid)
                add_amd_ext(x, "4", der, leaf->hwid_len + 2);
            else
                add_amd_ext(x, "4", leaf->hwid, leaf->hwid_len);
        }
    }
    EVP_MD_CTX *m = pss_ctx(signer);
    if (m == NULL || X509_sign_ctx(x, m) <= 0) {
        X509_free(x);
        x = NULL;
    }
    EVP_MD_CTX_free(m);
    X509_NAME_free(subject);
    X509_NAME_free(issuer);
    return x;
}

/* Appends x's PEM (or DER) to a growing buffer. */
static void append_cert(uint8_t **buf, size_t *len, X509 *x, int der) {
    BIO *bio = BIO_new(BIO_s_mem());
    if (der)
        i2d_X509_bio(bio, x);
    else
        PEM_write_bio_X509(bio, x);
    char *data;
    long n = BIO_get_mem_data(bio, &data);
    uint8_t *grown = realloc(*buf, *len + (size_t)n);
    if (grown) {
        memcpy(grown + *len, data, (size_t)n);
        *buf = grown;
        *len += (size_t)n;
    }
    BIO_free(bio);
}

static const uint8_t chip[64] = {0xc1, 0x1d, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
                                 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
                                 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f};

/* One synthetic world: chain, roots, signing certificate and report. */
typedef struct world {
    uint8_t *roots, *chain, *leaf, *crl;
    size_t roots_len, chain_len, leaf_len, crl_len;
    X509 *ark, *ask, *vcek;
    uint8_t report[PQCHA__SNP_REPORT_LEN];
    int turin;
} world;

static void put_le(uint8_t *p, uint64_t v, size_t n) {
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t tcb_raw(int turin, uint8_t fmc, uint8_t bl, uint8_t tee, uint8_t snp,
                        uint8_t ucode) {
    if (turin)
        return (uint64_t)fmc | (uint64_t)bl << 8 | (uint64_t)tee << 16 | (uint64_t)snp << 24 |
               (uint64_t)ucode << 56;
    return (uint64_t)bl | (uint64_t)tee << 8 | (uint64_t)snp << 48 | (uint64_t)ucode << 56;
}

/* A version-3 report of chip, with TCB fmc 1 bl 3 tee 0 snp 8 ucode 0x73. */
static void build_report(uint8_t *r, int turin) {
    memset(r, 0, PQCHA__SNP_REPORT_LEN);
    put_le(r + 0x00, 3, 4);
    put_le(r + 0x08, 0x30000, 8);
    put_le(r + 0x34, 1, 4);
    uint64_t tcb = tcb_raw(turin, 1, 3, 0, 8, 0x73);
    put_le(r + 0x38, tcb, 8);
    put_le(r + 0x40, 1, 8);
    for (size_t i = 0; i < 64; i++)
        r[0x50 + i] = (uint8_t)(0xA0 ^ i);
    memset(r + 0x90, 0x11, 48); /* measurement */
    memset(r + 0xC0, 0x22, 32); /* host_data */
    put_le(r + 0x180, tcb, 8);
    r[0x188] = turin ? 0x1A : 0x19;
    r[0x189] = turin ? 0x02 : 0x01;
    r[0x18A] = 0x01;
    memcpy(r + 0x1A0, chip, sizeof chip);
    put_le(r + 0x1E0, tcb, 8);
    put_le(r + 0x1E8, 0x0001371D, 4);
    put_le(r + 0x1EC, 0x0001371D, 4);
    put_le(r + 0x1F0, tcb, 8);
}

static int sign_report(uint8_t *r, EVP_PKEY *key) {
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    unsigned char der[128];
    size_t der_len = sizeof der;
    int ok = m && EVP_DigestSignInit(m, NULL, EVP_sha384(), NULL, key) == 1 &&
             EVP_DigestSign(m, der, &der_len, r, PQCHA__SNP_SIGNED_LEN) == 1;
    EVP_MD_CTX_free(m);
    if (!ok) return 0;
    const unsigned char *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
    if (sig == NULL) return 0;
    memset(r + 0x2A0, 0, 512);
    ok = BN_bn2lebinpad(ECDSA_SIG_get0_r(sig), r + 0x2A0, 72) == 72 &&
         BN_bn2lebinpad(ECDSA_SIG_get0_s(sig), r + 0x2E8, 72) == 72;
    ECDSA_SIG_free(sig);
    return ok;
}

static leaf_spec default_leaf(int turin) {
    leaf_spec s;
    memset(&s, 0, sizeof s);
    s.cn = "SEV-VCEK";
    s.issuer = turin ? "SEV-Turin" : "SEV-Milan";
    s.key = keys.vcek;
    s.signer = keys.ask;
    s.product = turin ? "Turin" : "Milan-B0";
    s.turin = turin;
    s.hwid = chip;
    s.hwid_len = turin ? 8 : 64;
    s.wrap_hwid = !turin;
    s.fmc = 1;
    s.bl = 3;
    s.tee = 0;
    s.snp = 8;
    s.ucode = 0x73;
    s.not_after = T0 + 365 * DAY;
    return s;
}

static void world_set_leaf(world *w, const leaf_spec *s) {
    X509_free(w->vcek);
    free(w->leaf);
    w->leaf = NULL;
    w->leaf_len = 0;
    w->vcek = make_cert(s->cn, s->issuer, s->key, s->signer, 0, T0 - 30 * DAY, s->not_after, s);
    if (w->vcek) append_cert(&w->leaf, &w->leaf_len, w->vcek, 1);
}

static int world_make(world *w, int turin) {
    memset(w, 0, sizeof *w);
    w->turin = turin;
    const char *ark_cn = turin ? "ARK-Turin" : "ARK-Milan";
    const char *ask_cn = turin ? "SEV-Turin" : "SEV-Milan";
    w->ark =
        make_cert(ark_cn, ark_cn, keys.ark, keys.ark, 1, T0 - 365 * DAY, T0 + 3650 * DAY, NULL);
    w->ask = make_cert(ask_cn, ark_cn, keys.ask, keys.ark, 0x1234, T0 - 365 * DAY, T0 + 3650 * DAY,
                       NULL);
    if (!w->ark || !w->ask) return 0;
    append_cert(&w->roots, &w->roots_len, w->ark, 0);
    append_cert(&w->chain, &w->chain_len, w->ask, 0);
    append_cert(&w->chain, &w->chain_len, w->ark, 0);
    leaf_spec s = default_leaf(turin);
    world_set_leaf(w, &s);
    build_report(w->report, turin);
    return w->vcek != NULL && sign_report(w->report, keys.vcek);
}

static void world_free(world *w) {
    X509_free(w->ark);
    X509_free(w->ask);
    X509_free(w->vcek);
    free(w->roots);
    free(w->chain);
    free(w->leaf);
    free(w->crl);
    memset(w, 0, sizeof *w);
}

static void world_inputs(pqcha__snp_inputs *in, const world *w) {
    memset(in, 0, sizeof *in);
    in->signing_cert = w->leaf;
    in->signing_cert_len = w->leaf_len;
    in->chain = w->chain;
    in->chain_len = w->chain_len;
    in->roots = w->roots;
    in->roots_len = w->roots_len;
    in->crl = w->crl;
    in->crl_len = w->crl_len;
    in->now = T0;
}

static pqcha_err world_verify(const world *w, const uint8_t *report) {
    pqcha__snp_inputs in;
    world_inputs(&in, w);
    return pqcha__snp_verify(report ? report : w->report, PQCHA__SNP_REPORT_LEN, &in, &outcome);
}

/* A CRL by signer (named issuer_cn) listing serial (negative: none), as DER. */
static void world_set_crl(world *w, const char *issuer_cn, EVP_PKEY *signer, long serial,
                          int64_t next_update) {
    X509_CRL *crl = X509_CRL_new();
    X509_NAME *issuer = amd_name(issuer_cn);
    X509_CRL_set_version(crl, 1);
    X509_CRL_set_issuer_name(crl, issuer);
    ASN1_TIME *t = ASN1_TIME_set(NULL, (time_t)(T0 - DAY));
    X509_CRL_set1_lastUpdate(crl, t);
    ASN1_TIME_set(t, (time_t)next_update);
    X509_CRL_set1_nextUpdate(crl, t);
    if (serial >= 0) {
        X509_REVOKED *rev = X509_REVOKED_new();
        ASN1_INTEGER *sn = ASN1_INTEGER_new();
        ASN1_INTEGER_set(sn, serial);
        X509_REVOKED_set_serialNumber(rev, sn);
        ASN1_TIME_set(t, (time_t)(T0 - 2 * DAY));
        X509_REVOKED_set_revocationDate(rev, t);
        X509_CRL_add0_revoked(crl, rev);
        ASN1_INTEGER_free(sn);
    }
    X509_CRL_sort(crl);
    EVP_MD_CTX *m = pss_ctx(signer);
    X509_CRL_sign_ctx(crl, m);
    EVP_MD_CTX_free(m);
    free(w->crl);
    w->crl = NULL;
    unsigned char *der = NULL;
    int n = i2d_X509_CRL(crl, &der);
    if (n > 0) {
        w->crl = malloc((size_t)n);
        if (w->crl) memcpy(w->crl, der, (size_t)n);
        w->crl_len = (size_t)n;
    }
    OPENSSL_free(der);
    ASN1_TIME_free(t);
    X509_NAME_free(issuer);
    X509_CRL_free(crl);
}

static void test_synth_genuine(void) {
    REQUIRE(synth_init());
    for (int turin = 0; turin <= 1; turin++) {
        world w;
        REQUIRE(world_make(&w, turin));
        CHECK_OK(world_verify(&w, NULL));
        CHECK(all_checks_pass(&outcome));
        CHECK(outcome.report.product ==
              (turin ? PQCHA__SNP_PRODUCT_TURIN : PQCHA__SNP_PRODUCT_MILAN));
        const pqcha__snp_tcb *t = &outcome.report.reported_tcb;
        CHECK(t->boot_loader == 3 && t->tee == 0 && t->snp == 8 && t->microcode == 0x73);
        CHECK(t->fmc == (turin ? 1 : 0));
        CHECK(find_check(&outcome, "cert_tcb_fmc") != NULL || !turin);
        /* As PEM, and with a CRL from the ARK that lists nothing. */
        free(w.leaf);
        w.leaf = NULL;
        w.leaf_len = 0;
        append_cert(&w.leaf, &w.leaf_len, w.vcek, 0);
        world_set_crl(&w, turin ? "ARK-Turin" : "ARK-Milan", keys.ark, -1, T0 + 30 * DAY);
        CHECK_OK(world_verify(&w, NULL));
        CHECK(check_is(&outcome, "crl_signature", PQCHA_CHECK_PASS, PQCHA_OK));
        CHECK(check_is(&outcome, "ask_not_revoked", PQCHA_CHECK_PASS, PQCHA_OK));
        world_free(&w);
    }
}

static void test_synth_signature(void) {
    REQUIRE(synth_init());
    world w;
    REQUIRE(world_make(&w, 0));
    uint8_t r[PQCHA__SNP_REPORT_LEN];
    memcpy(r, w.report, sizeof r);
    r[0x90] ^= 0x01; /* a byte of MEASUREMENT */
    CHECK_ERR(world_verify(&w, r), PQCHA_ERR_EVIDENCE_SIGNATURE);
    CHECK(check_is(&outcome, "report_signature", PQCHA_CHECK_FAIL, PQCHA_ERR_EVIDENCE_SIGNATURE));
    /* A byte outside the signed range, in the signature itself. */
    memcpy(r, w.report, sizeof r);
    r[0x2A0] ^= 0x01;
    CHECK_ERR(world_verify(&w, r), PQCHA_ERR_EVIDENCE_SIGNATURE);
    /* The direct call, and a key of the wrong kind. */
    pqcha__snp_report rep;
    REQUIRE(pqcha__snp_report_parse(&rep, w.report, sizeof w.report) == PQCHA_OK);
    CHECK_OK(pqcha__snp_verify_signature(&rep, w.report, keys.vcek));
    CHECK_ERR(pqcha__snp_verify_signature(&rep, w.report, keys.other_vcek),
              PQCHA_ERR_EVIDENCE_SIGNATURE);
    CHECK_ERR(pqcha__snp_verify_signature(&rep, w.report, keys.ark), PQCHA_ERR_EVIDENCE_SIGNATURE);
    CHECK_ERR(pqcha__snp_verify_signature(NULL, w.report, keys.vcek), PQCHA_ERR_INVALID_ARGUMENT);
    world_free(&w);
}

static void test_synth_other_chip_and_chain(void) {
    REQUIRE(synth_init());
    world w;
    REQUIRE(world_make(&w, 0));
    /* VCEK of another chip: its hwID differs (and its key too). */
    uint8_t other_chip[64];
    memcpy(other_chip, chip, sizeof other_chip);
    other_chip[5] ^= 0xFF;
    leaf_spec s = default_leaf(0);
    s.hwid = other_chip;
    s.key = keys.other_vcek;
    world_set_leaf(&w, &s);
    CHECK_ERR(world_verify(&w, NULL), PQCHA_ERR_CERT_MISMATCH);
    CHECK(check_is(&outcome, "hwid", PQCHA_CHECK_FAIL, PQCHA_ERR_CERT_MISMATCH));
    /* The same chip, but another TCB. */
    s = default_leaf(0);
    s.snp = 7;
    world_set_leaf(&w, &s);
    CHECK_ERR(world_verify(&w, NULL), PQCHA_ERR_CERT_MISMATCH);
    CHECK(check_is(&outcome, "cert_tcb_snp", PQCHA_CHECK_FAIL, PQCHA_ERR_CERT_MISMATCH));
    CHECK(check_is(&outcome, "report_signature", PQCHA_CHECK_PASS, PQCHA_OK));
    /* A VCEK from another chain: same names, another ASK key. */
    s = default_leaf(0);
    s.signer = keys.other_ask;
    world_set_leaf(&w, &s);
    CHECK_ERR(world_verify(&w, NULL), PQCHA_ERR_CERT_CHAIN);
    CHECK(check_is(&outcome, "signing_cert_signed_by_ask", PQCHA_CHECK_FAIL, PQCHA_ERR_CERT_CHAIN));
    /* A VLEK where the report says VCEK. */
    s = default_leaf(0);
    s.cn = "SEV-VLEK";
    s.hwid = NULL;
    world_set_leaf(&w, &s);
    CHECK_ERR(world_verify(&w, NULL), PQCHA_ERR_CERT_MISMATCH);
    CHECK(check_is(&outcome, "signing_key", PQCHA_CHECK_FAIL, PQCHA_ERR_CERT_MISMATCH));
    /* A root that is not pinned. */
    s = default_leaf(0);
    world_set_leaf(&w, &s);
    X509 *other_ark = make_cert("ARK-Milan", "ARK-Milan", keys.other_ask, keys.other_ask, 1,
                                T0 - DAY, T0 + DAY, NULL);
    REQUIRE(other_ark != NULL);
    free(w.roots);
    w.roots = NULL;
    w.roots_len = 0;
    append_cert(&w.roots, &w.roots_len, other_ark, 0);
    X509_free(other_ark);
    CHECK_ERR(world_verify(&w, NULL), PQCHA_ERR_CERT_CHAIN);
    CHECK(check_is(&outcome, "ark_pinned", PQCHA_CHECK_FAIL, PQCHA_ERR_CERT_CHAIN));
    CHECK(check_is(&outcome, "report_signature", PQCHA_CHECK_PASS, PQCHA_OK));
    world_free(&w);
}

static void test_synth_expired_and_revoked(void) {
    REQUIRE(synth_init());
    world w;
    REQUIRE(world_make(&w, 0));
    pqcha__snp_inputs in;
    world_inputs(&in, &w);
    in.now = T0 + 400 * DAY; /* past the VCEK's notAfter, within the ASK's */
    CHECK_ERR(pqcha__snp_verify(w.report, sizeof w.report, &in, &outcome), PQCHA_ERR_CERT_EXPIRED);
    CHECK(check_is(&outcome, "signing_cert_validity", PQCHA_CHECK_FAIL, PQCHA_ERR_CERT_EXPIRED));
    CHECK(check_is(&outcome, "ask_validity", PQCHA_CHECK_PASS, PQCHA_OK));
    in.now = T0 - 400 * DAY; /* before everything */
    CHECK_ERR(pqcha__snp_verify(w.report, sizeof w.report, &in, &outcome), PQCHA_ERR_CERT_EXPIRED);
    CHECK(check_is(&outcome, "ark_validity", PQCHA_CHECK_FAIL, PQCHA_ERR_CERT_EXPIRED));

    /* The ARK's CRL lists the ASK. */
    world_set_crl(&w, "ARK-Milan", keys.ark, 0x1234, T0 + 30 * DAY);
    CHECK_ERR(world_verify(&w, NULL), PQCHA_ERR_CERT_REVOKED);
    CHECK(check_is(&outcome, "ask_not_revoked", PQCHA_CHECK_FAIL, PQCHA_ERR_CERT_REVOKED));
    /* The ASK's CRL lists the VCEK (AMD's VCEKs all have serial 0). */
    world_set_crl(&w, "SEV-Milan", keys.ask, 0, T0 + 30 * DAY);
    CHECK_ERR(world_verify(&w, NULL), PQCHA_ERR_CERT_REVOKED);
    CHECK(check_is(&outcome, "signing_cert_not_revoked", PQCHA_CHECK_FAIL, PQCHA_ERR_CERT_REVOKED));
    world_set_crl(&w, "SEV-Milan", keys.ask, 7, T0 + 30 * DAY);
    CHECK_OK(world_verify(&w, NULL));
    CHECK(check_is(&outcome, "signing_cert_not_revoked", PQCHA_CHECK_PASS, PQCHA_OK));
    /* A CRL past its nextUpdate; one signed by another key; garbage. */
    world_set_crl(&w, "ARK-Milan", keys.ark, -1, T0 - 1);
    CHECK_ERR(world_verify(&w, NULL), PQCHA_ERR_CERT_EXPIRED);
    CHECK(check_is(&outcome, "crl_validity", PQCHA_CHECK_FAIL, PQCHA_ERR_CERT_EXPIRED));
    world_set_crl(&w, "ARK-Milan", keys.other_ask, -1, T0 + DAY);
    CHECK_ERR(world_verify(&w, NULL), PQCHA_ERR_CERT_CHAIN);
    CHECK(check_is(&outcome, "crl_signature", PQCHA_CHECK_FAIL, PQCHA_ERR_CERT_CHAIN));
    w.crl[0] = 'x';
    CHECK_ERR(world_verify(&w, NULL), PQCHA_ERR_BAD_CERTIFICATE);
    CHECK(check_is(&outcome, "crl_format", PQCHA_CHECK_FAIL, PQCHA_ERR_BAD_CERTIFICATE));
    world_free(&w);
}

static void test_synth_policy(void) {
    REQUIRE(synth_init());
    world w;
    REQUIRE(world_make(&w, 0));
    pqcha__snp_inputs in;
    pqcha__snp_policy policy;
    world_inputs(&in, &w);
    memset(&policy, 0, sizeof policy);
    in.policy = &policy;
    uint8_t meas[48], rd[64];
    memset(meas, 0x11, sizeof meas);
    for (size_t i = 0; i < 64; i++)
        rd[i] = (uint8_t)(0xA0 ^ i);
    policy.measurement = meas;
    in.expected_report_data = rd;
    policy.min_version = 3;
    policy.has_max_vmpl = 1;
    policy.max_vmpl = 0;
    policy.has_min_tcb = 1;
    policy.min_tcb.boot_loader = 3;
    policy.min_tcb.snp = 8;
    policy.min_tcb.microcode = 0x73;
    CHECK_OK(pqcha__snp_verify(w.report, sizeof w.report, &in, &outcome));
    CHECK(all_checks_pass(&outcome));

    policy.min_tcb.snp = 9;
    CHECK_ERR(pqcha__snp_verify(w.report, sizeof w.report, &in, &outcome), PQCHA_ERR_TCB_TOO_LOW);
    CHECK(check_is(&outcome, "policy_min_tcb_snp", PQCHA_CHECK_FAIL, PQCHA_ERR_TCB_TOO_LOW));
    policy.min_tcb.snp = 8;
    rd[63] ^= 1;
    CHECK_ERR(pqcha__snp_verify(w.report, sizeof w.report, &in, &outcome),
              PQCHA_ERR_EVIDENCE_BINDING);
    rd[63] ^= 1;
    meas[0] ^= 1;
    CHECK_ERR(pqcha__snp_verify(w.report, sizeof w.report, &in, &outcome),
              PQCHA_ERR_EVIDENCE_POLICY);
    CHECK(check_is(&outcome, "policy_measurement", PQCHA_CHECK_FAIL, PQCHA_ERR_EVIDENCE_POLICY));
    meas[0] ^= 1;
    policy.min_version = 4;
    CHECK_ERR(pqcha__snp_verify(w.report, sizeof w.report, &in, &outcome),
              PQCHA_ERR_EVIDENCE_POLICY);
    policy.min_version = 3;
    uint8_t host[32];
    memset(host, 0x23, sizeof host);
    policy.host_data = host;
    CHECK_ERR(pqcha__snp_verify(w.report, sizeof w.report, &in, &outcome),
              PQCHA_ERR_EVIDENCE_POLICY);
    CHECK(check_is(&outcome, "policy_host_data", PQCHA_CHECK_FAIL, PQCHA_ERR_EVIDENCE_POLICY));
    policy.host_data = NULL;
    uint8_t idk[48] = {1};
    policy.id_key_digest = idk;
    CHECK_ERR(pqcha__snp_verify(w.report, sizeof w.report, &in, &outcome),
              PQCHA_ERR_EVIDENCE_POLICY);
    policy.id_key_digest = NULL;

    /* Debug on, migration agent on, VMPL 2: each re-signed. */
    uint8_t r[PQCHA__SNP_REPORT_LEN];
    memcpy(r, w.report, sizeof r);
    put_le(r + 0x08, 0x30000 | (1u << 19), 8);
    REQUIRE(sign_report(r, keys.vcek));
    CHECK_ERR(pqcha__snp_verify(r, sizeof r, &in, &outcome), PQCHA_ERR_EVIDENCE_POLICY);
    CHECK(check_is(&outcome, "policy_debug", PQCHA_CHECK_FAIL, PQCHA_ERR_EVIDENCE_POLICY));
    CHECK(outcome.report.policy_debug);
    policy.allow_debug = 1;
    CHECK_OK(pqcha__snp_verify(r, sizeof r, &in, &outcome));
    pqcha__snp_policy zeroed;
    memset(&zeroed, 0, sizeof zeroed);
    in.policy = &zeroed; /* a zeroed policy refuses debug too */
    CHECK_ERR(pqcha__snp_verify(r, sizeof r, &in, &outcome), PQCHA_ERR_EVIDENCE_POLICY);
    in.policy = NULL; /* no policy: authenticity only */
    CHECK_OK(pqcha__snp_verify(r, sizeof r, &in, &outcome));
    CHECK(find_check(&outcome, "policy_debug") == NULL);
    in.policy = &policy;
    memcpy(r, w.report, sizeof r);
    put_le(r + 0x08, 0x30000 | (1u << 18), 8);
    REQUIRE(sign_report(r, keys.vcek));
    CHECK_ERR(pqcha__snp_verify(r, sizeof r, &in, &outcome), PQCHA_ERR_EVIDENCE_POLICY);
    CHECK(check_is(&outcome, "policy_migrate_ma", PQCHA_CHECK_FAIL, PQCHA_ERR_EVIDENCE_POLICY));
    memcpy(r, w.report, sizeof r);
    put_le(r + 0x30, 2, 4);
    REQUIRE(sign_report(r, keys.vcek));
    CHECK_ERR(pqcha__snp_verify(r, sizeof r, &in, &outcome), PQCHA_ERR_EVIDENCE_POLICY);
    CHECK(check_is(&outcome, "policy_vmpl", PQCHA_CHECK_FAIL, PQCHA_ERR_EVIDENCE_POLICY));
    world_free(&w);
}

static void test_synth_turin(void) {
    REQUIRE(synth_init());
    world w;
    REQUIRE(world_make(&w, 1));
    leaf_spec s = default_leaf(1);
    s.fmc = 2;
    world_set_leaf(&w, &s);
    CHECK_ERR(world_verify(&w, NULL), PQCHA_ERR_CERT_MISMATCH);
    CHECK(check_is(&outcome, "cert_tcb_fmc", PQCHA_CHECK_FAIL, PQCHA_ERR_CERT_MISMATCH));
    /* A Turin chip's hwID wrapped in an OCTET STRING. */
    s = default_leaf(1);
    s.wrap_hwid = 1;
    world_set_leaf(&w, &s);
    CHECK_OK(world_verify(&w, NULL));
    /* A 64-byte hwID on Turin does not match the 8-byte chip id KDS uses. */
    s.hwid_len = 64;
    world_set_leaf(&w, &s);
    CHECK_ERR(world_verify(&w, NULL), PQCHA_ERR_CERT_MISMATCH);
    /* A Turin report checked against Milan's chain. */
    world m;
    REQUIRE(world_make(&m, 0));
    pqcha__snp_inputs in;
    world_inputs(&in, &m);
    CHECK_ERR(pqcha__snp_verify(w.report, sizeof w.report, &in, &outcome), PQCHA_ERR_CERT_MISMATCH);
    CHECK(check_is(&outcome, "product", PQCHA_CHECK_FAIL, PQCHA_ERR_CERT_MISMATCH));
    world_free(&m);
    world_free(&w);
}

static void test_synth_v2_product(void) {
    REQUIRE(synth_init());
    world w;
    REQUIRE(world_make(&w, 1));
    /* A v2 report has no CPUID: the product comes from the caller or the ARK. */
    put_le(w.report, 2, 4);
    memset(w.report + 0x188, 0, 3);
    REQUIRE(sign_report(w.report, keys.vcek));
    CHECK_OK(world_verify(&w, NULL));
    CHECK(outcome.report.product == PQCHA__SNP_PRODUCT_TURIN);
    CHECK(outcome.report.reported_tcb.fmc == 1 && outcome.report.reported_tcb.snp == 8);
    pqcha__snp_inputs in;
    world_inputs(&in, &w);
    in.product = PQCHA__SNP_PRODUCT_MILAN;
    CHECK_ERR(pqcha__snp_verify(w.report, sizeof w.report, &in, &outcome), PQCHA_ERR_CERT_MISMATCH);
    in.product = PQCHA__SNP_PRODUCT_TURIN;
    CHECK_OK(pqcha__snp_verify(w.report, sizeof w.report, &in, &outcome));
    world_free(&w);
}

/* ---- parser rejections ---- */

static void test_parse_rejections(void) {
    REQUIRE(synth_init());
    world w;
    REQUIRE(world_make(&w, 0));
    pqcha__snp_report rep;
    uint8_t big[PQCHA__SNP_REPORT_LEN + 1];
    memcpy(big, w.report, sizeof w.report);
    big[PQCHA__SNP_REPORT_LEN] = '\n';
    CHECK_OK(pqcha__snp_report_parse(&rep, w.report, PQCHA__SNP_REPORT_LEN));
    CHECK_ERR(pqcha__snp_report_parse(&rep, w.report, PQCHA__SNP_REPORT_LEN - 1),
              PQCHA_ERR_BAD_EVIDENCE);
    CHECK(rep.version == 0);
    CHECK_ERR(pqcha__snp_report_parse(&rep, big, sizeof big), PQCHA_ERR_BAD_EVIDENCE);
    CHECK_ERR(pqcha__snp_report_parse(&rep, NULL, 0), PQCHA_ERR_BAD_EVIDENCE);
    CHECK_ERR(pqcha__snp_report_parse(NULL, w.report, sizeof w.report), PQCHA_ERR_INVALID_ARGUMENT);
    pqcha__snp_inputs in;
    world_inputs(&in, &w);
    CHECK_ERR(pqcha__snp_verify(w.report, PQCHA__SNP_REPORT_LEN - 1, &in, &outcome),
              PQCHA_ERR_BAD_EVIDENCE);
    CHECK_ERR(pqcha__snp_verify(big, sizeof big, &in, &outcome), PQCHA_ERR_BAD_EVIDENCE);
    CHECK(check_is(&outcome, "report_format", PQCHA_CHECK_FAIL, PQCHA_ERR_BAD_EVIDENCE));
    CHECK(check_is(&outcome, "ask_signed_by_ark", PQCHA_CHECK_PASS, PQCHA_OK));
    CHECK_ERR(pqcha__snp_verify(w.report, sizeof w.report, NULL, &outcome),
              PQCHA_ERR_INVALID_ARGUMENT);

    /* One mutation each: offset, value, width, expected error. */
    static const struct {
        size_t off;
        uint64_t value;
        size_t width;
        pqcha_err err;
    } cases[] = {
        {0x000, 1, 4, PQCHA_ERR_BAD_EVIDENCE},                    /* version 1 */
        {0x000, 6, 4, PQCHA_ERR_BAD_EVIDENCE},                    /* version 6 */
        {0x008, 0x10000, 8, PQCHA_ERR_BAD_EVIDENCE},              /* policy bit 17 clear */
        {0x008, 0x30000 | (1u << 26), 8, PQCHA_ERR_BAD_EVIDENCE}, /* reserved policy bit */
        {0x030, 4, 4, PQCHA_ERR_BAD_EVIDENCE},                    /* VMPL 4 */
        {0x034, 2, 4, PQCHA_ERR_UNSUPPORTED_ALGORITHM},           /* signature algorithm */
        {0x034, 0, 4, PQCHA_ERR_UNSUPPORTED_ALGORITHM},
        {0x048, 2u << 2, 4, PQCHA_ERR_BAD_EVIDENCE}, /* SIGNING_KEY 2: reserved */
        {0x048, 1u << 5, 4, PQCHA_ERR_BAD_EVIDENCE}, /* reserved signer bit */
        {0x04C, 1, 4, PQCHA_ERR_BAD_EVIDENCE},       /* reserved */
        {0x18B, 1, 1, PQCHA_ERR_BAD_EVIDENCE},       /* reserved after CPUID */
        {0x19F, 1, 1, PQCHA_ERR_BAD_EVIDENCE},
        {0x1EB, 1, 1, PQCHA_ERR_BAD_EVIDENCE}, /* reserved after CURRENT_MAJOR */
        {0x1EF, 1, 1, PQCHA_ERR_BAD_EVIDENCE},
        {0x1F8, 1, 1, PQCHA_ERR_BAD_EVIDENCE},      /* mitigation vector before v5 */
        {0x29F, 1, 1, PQCHA_ERR_BAD_EVIDENCE},      /* last reserved signed byte */
        {0x2A0 + 48, 1, 1, PQCHA_ERR_BAD_EVIDENCE}, /* R's high bytes */
        {0x2E8 + 71, 1, 1, PQCHA_ERR_BAD_EVIDENCE}, /* S's high bytes */
        {0x330, 1, 1, PQCHA_ERR_BAD_EVIDENCE},      /* the signature's tail */
        {0x49F, 1, 1, PQCHA_ERR_BAD_EVIDENCE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t r[PQCHA__SNP_REPORT_LEN];
        memcpy(r, w.report, sizeof r);
        put_le(r + cases[i].off, cases[i].value, cases[i].width);
        pqcha_err got = pqcha__snp_report_parse(&rep, r, sizeof r);
        if (got != cases[i].err) fprintf(stderr, "  case %zu (offset 0x%zx)\n", i, cases[i].off);
        CHECK_ERR(got, cases[i].err);
        CHECK(rep.version == 0 && rep.signature_algo == 0);
    }
    /* v2: the CPUID bytes are reserved; v5: the mitigation vectors are not. */
    uint8_t r[PQCHA__SNP_REPORT_LEN];
    memcpy(r, w.report, sizeof r);
    put_le(r, 2, 4);
    CHECK_ERR(pqcha__snp_report_parse(&rep, r, sizeof r), PQCHA_ERR_BAD_EVIDENCE);
    memset(r + 0x188, 0, 3);
    CHECK_OK(pqcha__snp_report_parse(&rep, r, sizeof r));
    CHECK(rep.product == PQCHA__SNP_PRODUCT_UNKNOWN && rep.reported_tcb.snp == 0);
    memcpy(r, w.report, sizeof r);
    put_le(r, 5, 4);
    put_le(r + 0x1F8, 0x3, 8);
    put_le(r + 0x200, 0x1, 8);
    CHECK_OK(pqcha__snp_report_parse(&rep, r, sizeof r));
    CHECK(rep.launch_mit_vector == 3 && rep.current_mit_vector == 1);
    r[0x208] = 1;
    CHECK_ERR(pqcha__snp_report_parse(&rep, r, sizeof r), PQCHA_ERR_BAD_EVIDENCE);
    /* A host-requested report (VMPL 0xFFFFFFFF) parses. */
    memcpy(r, w.report, sizeof r);
    put_le(r + 0x30, 0xFFFFFFFFu, 4);
    CHECK_OK(pqcha__snp_report_parse(&rep, r, sizeof r));

    /* find_report: only what it recognises. */
    size_t off = 7;
    CHECK_OK(pqcha__snp_find_report(w.report, sizeof w.report, &off));
    CHECK(off == 0);
    uint8_t hcl[0x20 + PQCHA__SNP_REPORT_LEN + 20];
    memset(hcl, 0, sizeof hcl);
    memcpy(hcl, "HCLA", 4);
    put_le(hcl + 8, sizeof hcl, 4);
    memcpy(hcl + 0x20, w.report, sizeof w.report);
    put_le(hcl + 0x4C8, 2, 4);
    CHECK_OK(pqcha__snp_find_report(hcl, sizeof hcl, &off));
    CHECK(off == 0x20);
    CHECK_OK(pqcha__snp_verify(hcl, sizeof hcl, &in, &outcome));
    put_le(hcl + 8, sizeof hcl + 1, 4); /* claims more than there is */
    CHECK_ERR(pqcha__snp_find_report(hcl, sizeof hcl, &off), PQCHA_ERR_BAD_EVIDENCE);
    CHECK(off == 0);
    put_le(hcl + 8, sizeof hcl, 4);
    hcl[0] = 'h';
    CHECK_ERR(pqcha__snp_find_report(hcl, sizeof hcl, &off), PQCHA_ERR_BAD_EVIDENCE);
    CHECK_ERR(pqcha__snp_find_report(hcl, 4, &off), PQCHA_ERR_BAD_EVIDENCE);
    CHECK_ERR(pqcha__snp_find_report(NULL, 0, &off), PQCHA_ERR_BAD_EVIDENCE);
    CHECK_ERR(pqcha__snp_find_report(hcl, sizeof hcl, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    world_free(&w);
}

static void test_cert_loading(void) {
    REQUIRE(synth_init());
    world w;
    REQUIRE(world_make(&w, 0));
    X509 *x = NULL, *y = NULL;
    CHECK_OK(pqcha__snp_cert_load(&x, w.leaf, w.leaf_len));
    X509_free(x);
    /* DER with a trailing byte; PEM of two certificates; garbage; nothing. */
    uint8_t *der = malloc(w.leaf_len + 1);
    REQUIRE(der != NULL);
    memcpy(der, w.leaf, w.leaf_len);
    der[w.leaf_len] = 0;
    CHECK_ERR(pqcha__snp_cert_load(&x, der, w.leaf_len + 1), PQCHA_ERR_BAD_CERTIFICATE);
    CHECK(x == NULL);
    CHECK_ERR(pqcha__snp_cert_load(&x, der, w.leaf_len - 1), PQCHA_ERR_BAD_CERTIFICATE);
    free(der);
    CHECK_ERR(pqcha__snp_cert_load(&x, w.chain, w.chain_len), PQCHA_ERR_BAD_CERTIFICATE);
    CHECK_ERR(pqcha__snp_cert_load(&x, (const uint8_t *)"hello", 5), PQCHA_ERR_BAD_CERTIFICATE);
    CHECK_ERR(pqcha__snp_cert_load(&x, NULL, 0), PQCHA_ERR_BAD_CERTIFICATE);
    CHECK_ERR(pqcha__snp_cert_load(&x, w.leaf, PQCHA__SNP_CERT_MAX + 1), PQCHA_ERR_TOO_LARGE);
    CHECK_ERR(pqcha__snp_cert_load(NULL, w.leaf, w.leaf_len), PQCHA_ERR_INVALID_ARGUMENT);
    /* The chain needs exactly two certificates. */
    CHECK_OK(pqcha__snp_chain_load(&x, &y, w.chain, w.chain_len));
    CHECK(x != NULL && y != NULL);
    X509_free(x);
    X509_free(y);
    CHECK_ERR(pqcha__snp_chain_load(&x, &y, w.roots, w.roots_len), PQCHA_ERR_BAD_CERTIFICATE);
    CHECK(x == NULL && y == NULL);
    /* A PEM block with another label. */
    static const char key_pem[] = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
    CHECK_ERR(pqcha__snp_cert_load(&x, (const uint8_t *)key_pem, sizeof key_pem - 1),
              PQCHA_ERR_BAD_CERTIFICATE);
    STACK_OF(X509) *roots = NULL;
    CHECK_OK(pqcha__snp_roots_load(&roots, w.chain, w.chain_len));
    CHECK(roots != NULL && sk_X509_num(roots) == 2);
    sk_X509_pop_free(roots, X509_free);
    CHECK_ERR(pqcha__snp_roots_load(&roots, (const uint8_t *)"x", 1), PQCHA_ERR_BAD_CERTIFICATE);
    CHECK(roots == NULL);
    /* An SEV-VCEK whose extension is malformed, and one not from AMD at all. */
    pqcha__snp_cert_claims claims;
    X509 *odd = make_cert("SEV-VCEK", "SEV-Milan", keys.vcek, keys.ask, 0, T0, T0 + DAY, NULL);
    REQUIRE(odd != NULL);
    CHECK_OK(pqcha__snp_cert_claims_read(&claims, odd));
    CHECK(!claims.has_hwid && !claims.has_bl);
    add_amd_ext(odd, "3.1", (const uint8_t *)"\x02\x01", 2);
    CHECK_ERR(pqcha__snp_cert_claims_read(&claims, odd), PQCHA_ERR_BAD_CERTIFICATE);
    X509_free(odd);
    odd = make_cert("Someone", "SEV-Milan", keys.vcek, keys.ask, 0, T0, T0 + DAY, NULL);
    REQUIRE(odd != NULL);
    CHECK_ERR(pqcha__snp_cert_claims_read(&claims, odd), PQCHA_ERR_BAD_CERTIFICATE);
    X509_free(odd);
    /* A VCEK without its AMD extensions cannot match a report. */
    X509_free(w.vcek);
    free(w.leaf);
    w.leaf = NULL;
    w.leaf_len = 0;
    w.vcek = make_cert("SEV-VCEK", "SEV-Milan", keys.vcek, keys.ask, 0, T0 - DAY, T0 + DAY, NULL);
    REQUIRE(w.vcek != NULL);
    append_cert(&w.leaf, &w.leaf_len, w.vcek, 1);
    CHECK_ERR(world_verify(&w, NULL), PQCHA_ERR_CERT_MISMATCH);
    CHECK(check_is(&outcome, "hwid", PQCHA_CHECK_FAIL, PQCHA_ERR_CERT_MISMATCH));
    world_free(&w);
}

static void test_names(void) {
    CHECK_STR(pqcha__snp_product_name(PQCHA__SNP_PRODUCT_GENOA), "Genoa");
    CHECK(pqcha__snp_product_name(PQCHA__SNP_PRODUCT_UNKNOWN) == NULL);
    CHECK(pqcha__snp_product_name((pqcha__snp_product)9) == NULL);
    CHECK_STR(pqcha__snp_signing_key_name(PQCHA__SNP_KEY_VLEK), "VLEK");
    CHECK(pqcha__snp_signing_key_name((pqcha__snp_signing_key)3) == NULL);
    CHECK(pqcha__snp_product_from_cpuid(0x19, 0x01) == PQCHA__SNP_PRODUCT_MILAN);
    CHECK(pqcha__snp_product_from_cpuid(0x19, 0x11) == PQCHA__SNP_PRODUCT_GENOA);
    CHECK(pqcha__snp_product_from_cpuid(0x19, 0xA0) == PQCHA__SNP_PRODUCT_GENOA);
    CHECK(pqcha__snp_product_from_cpuid(0x1A, 0x02) == PQCHA__SNP_PRODUCT_TURIN);
    CHECK(pqcha__snp_product_from_cpuid(0x17, 0x31) == PQCHA__SNP_PRODUCT_UNKNOWN);
    pqcha__snp_tcb t;
    pqcha__snp_tcb_decode(&t, UINT64_C(0xDB18000000000004), PQCHA__SNP_PRODUCT_MILAN);
    CHECK(t.boot_loader == 4 && t.tee == 0 && t.snp == 0x18 && t.microcode == 0xDB && t.fmc == 0);
    pqcha__snp_tcb_decode(&t, UINT64_C(0x0900000004030201), PQCHA__SNP_PRODUCT_TURIN);
    CHECK(t.fmc == 1 && t.boot_loader == 2 && t.tee == 3 && t.snp == 4 && t.microcode == 9);
    pqcha__snp_report r;
    memset(&r, 0, sizeof r);
    CHECK_ERR(pqcha__snp_report_set_product(&r, PQCHA__SNP_PRODUCT_UNKNOWN),
              PQCHA_ERR_INVALID_ARGUMENT);
    r.product = PQCHA__SNP_PRODUCT_GENOA;
    CHECK_ERR(pqcha__snp_report_set_product(&r, PQCHA__SNP_PRODUCT_MILAN), PQCHA_ERR_CERT_MISMATCH);
    CHECK_OK(pqcha__snp_report_set_product(&r, PQCHA__SNP_PRODUCT_GENOA));
}

static void test_cleanup(void) {
    synth_free();
}

TEST_MAIN(TEST(test_names), TEST(test_real_genuine), TEST(test_real_vlek_is_not_vcek),
          TEST(test_real_turin_chain), TEST(test_real_negative_encoding_variants),
          TEST(test_real_negative_badsig_and_parse_only), TEST(test_synth_genuine),
          TEST(test_synth_signature), TEST(test_synth_other_chip_and_chain),
          TEST(test_synth_expired_and_revoked), TEST(test_synth_policy), TEST(test_synth_turin),
          TEST(test_synth_v2_product), TEST(test_parse_rejections), TEST(test_cert_loading),
          TEST(test_cleanup))
