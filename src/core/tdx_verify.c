/* tdx_verify.c — offline verification of a TDX quote's signature chain:
 * PCK certificate chain to a pinned Intel SGX root, QE report signed by the
 * PCK, QE report data binding the attestation key, quote signed by the
 * attestation key; then, with collateral, its appraisal (tdx_collateral.c:
 * CRLs, TCB info, QE identity, the TCB status), REPORT_DATA and the minimal
 * policy. All crypto is OpenSSL's (X509 chain building, ECDSA P-256 with
 * SHA-256); the certificate helpers and the check list are tdx_cert.c's. */
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/x509.h>

#include "core/internal.h"
#include "core/tdx.h"

#define CHAIN_LENGTH 3 /* PCK leaf, PCK Platform or Processor CA, root */
#define SHA256_LEN   32

/* ---- the PCK chain ---- */

/* The quote's chain verified to a pinned root; the chain OpenSSL built
 * (PCK, PCK CA, root) goes to *built for the collateral's appraisal. */
static pqcha_err check_chain(pqcha__tdx_result *res, pqcha__tdx_certs *built,
                             const pqcha__tdx_certs *roots, const uint8_t *pem, size_t pem_len,
                             int64_t now) {
    char expected[PQCHA__EVIDENCE_TEXT_MAX], when[PQCHA_TIMESTAMP_LEN + 1];
    if (pqcha_time_format(when, now) != PQCHA_OK) snprintf(when, sizeof when, "?");
    snprintf(expected, sizeof expected, "PCK certificate -> PCK CA -> a pinned root, valid at %s",
             when);
    /* Quote generators end the PEM text with a NUL; one is allowed. */
    if (pem_len > 0 && pem[pem_len - 1] == '\0') pem_len--;
    pqcha__tdx_certs chain = {.count = 0};
    pqcha_err err = pqcha__tdx_certs_read_pem(&chain, pem, pem_len);
    const char *why = "a certificate of the quote's PCK chain does not parse";
    if (err == PQCHA_OK &&
        !pqcha__ec_key_on_curve(X509_get0_pubkey(chain.certs[0]), SN_X9_62_prime256v1)) {
        err = PQCHA_ERR_BAD_CERTIFICATE;
        why = "the PCK certificate's key is not ECDSA P-256";
    }
    if (err == PQCHA_OK)
        err = pqcha__tdx_chain_verify(built, &chain, roots, now, CHAIN_LENGTH,
                                      "the chain is not PCK certificate, PCK CA, root", &why);
    pqcha__tdx_certs_free(&chain);
    if (err == PQCHA_OK) why = "verified";
    pqcha__tdx_check(res, "pck_chain", err, expected, why);
    return err;
}

/* ---- ECDSA P-256 ---- */

static EVP_PKEY *p256_key_from_xy(const uint8_t xy[PQCHA__TDX_KEY_LEN]) {
    static char group[] = SN_X9_62_prime256v1;
    uint8_t point[1 + PQCHA__TDX_KEY_LEN];
    point[0] = POINT_CONVERSION_UNCOMPRESSED;
    memcpy(point + 1, xy, PQCHA__TDX_KEY_LEN);
    OSSL_PARAM params[] = {OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
                           OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point),
                           OSSL_PARAM_END};
    EVP_PKEY *key = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1) {
        EVP_PKEY_free(key);
        key = NULL;
    }
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();
    return key;
}

static pqcha_err check_signature(pqcha__tdx_result *res, const char *name, const char *expected,
                                 EVP_PKEY *key, const uint8_t *msg, size_t len,
                                 const uint8_t sig[PQCHA__TDX_SIGNATURE_LEN]) {
    int valid = 0;
    pqcha_err err = pqcha__tdx_p256_verify(&valid, key, msg, len, sig);
    if (err != PQCHA_OK) return err;
    err = valid ? PQCHA_OK : PQCHA_ERR_EVIDENCE_SIGNATURE;
    pqcha__tdx_check(res, name, err, expected, valid ? "valid" : "does not verify");
    return err;
}

/* QE_REPORT.report_data = SHA-256(attestation key || QE auth data) || 0^32 */
static pqcha_err check_qe_binding(pqcha__tdx_result *res, const pqcha__tdx_quote *q,
                                  const uint8_t *bytes) {
    uint8_t want[PQCHA__TDX_REPORT_DATA_LEN] = {0};
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (md == NULL) return PQCHA_ERR_NO_MEMORY;
    unsigned int n = 0;
    int ok = EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
             EVP_DigestUpdate(md, q->attestation_key, sizeof q->attestation_key) == 1 &&
             EVP_DigestUpdate(md, bytes + q->qe_auth_off, q->qe_auth_len) == 1 &&
             EVP_DigestFinal_ex(md, want, &n) == 1 && n == SHA256_LEN;
    EVP_MD_CTX_free(md);
    ERR_clear_error();
    if (!ok) return PQCHA_ERR_CRYPTO;
    char expected[PQCHA__EVIDENCE_TEXT_MAX], found[PQCHA__EVIDENCE_TEXT_MAX];
    pqcha__tdx_hex_text(expected, want, sizeof want);
    pqcha__tdx_hex_text(found, q->qe_report.report_data, sizeof want);
    pqcha_err err = pqcha__ct_equal(want, q->qe_report.report_data, sizeof want)
                        ? PQCHA_OK
                        : PQCHA_ERR_EVIDENCE_BINDING;
    pqcha__tdx_check(res, "qe_report_binding", err, expected, found);
    return err;
}

static pqcha_err verify_signatures(pqcha__tdx_result *res, const pqcha__tdx_quote *q,
                                   const uint8_t *bytes, X509 *pck) {
    PQCHA_TRY(check_signature(res, "qe_report_signature",
                              "ECDSA P-256 signature of the QE report by the PCK key",
                              X509_get0_pubkey(pck), bytes + q->qe_report_off,
                              PQCHA__TDX_QE_REPORT_LEN, q->qe_report_signature));
    PQCHA_TRY(check_qe_binding(res, q, bytes));
    EVP_PKEY *att = p256_key_from_xy(q->attestation_key);
    if (att == NULL) {
        pqcha__tdx_check(res, "quote_signature", PQCHA_ERR_EVIDENCE_SIGNATURE,
                         "ECDSA P-256 signature of header and body by the attestation key",
                         "the attestation key is not a P-256 point");
        return PQCHA_ERR_EVIDENCE_SIGNATURE;
    }
    pqcha_err err = check_signature(
        res, "quote_signature", "ECDSA P-256 signature of header and body by the attestation key",
        att, bytes, q->signed_len, q->signature);
    EVP_PKEY_free(att);
    return err;
}

/* ---- REPORT_DATA and policy ---- */

static void check_bytes(pqcha__tdx_result *res, const char *name, pqcha_err on_mismatch,
                        const uint8_t *want, const uint8_t *got, size_t len) {
    if (want == NULL) return;
    char expected[PQCHA__EVIDENCE_TEXT_MAX], found[PQCHA__EVIDENCE_TEXT_MAX];
    pqcha__tdx_hex_text(expected, want, len);
    pqcha__tdx_hex_text(found, got, len);
    pqcha__tdx_check(res, name, pqcha__ct_equal(want, got, len) ? PQCHA_OK : on_mismatch, expected,
                     found);
}

static void check_policy(pqcha__tdx_result *res, const pqcha__tdx_td_report *b,
                         const pqcha__tdx_policy *p) {
    static const char *const rtmr_names[4] = {"policy_rtmr0", "policy_rtmr1", "policy_rtmr2",
                                              "policy_rtmr3"};
    const size_t m = PQCHA__TDX_MEASUREMENT_LEN;
    check_bytes(res, "policy_mr_td", PQCHA_ERR_EVIDENCE_POLICY, p->mr_td, b->mr_td, m);
    for (size_t i = 0; i < 4; i++)
        check_bytes(res, rtmr_names[i], PQCHA_ERR_EVIDENCE_POLICY, p->rtmr[i], b->rtmr[i], m);
    check_bytes(res, "policy_mr_config_id", PQCHA_ERR_EVIDENCE_POLICY, p->mr_config_id,
                b->mr_config_id, m);
    check_bytes(res, "policy_mr_owner", PQCHA_ERR_EVIDENCE_POLICY, p->mr_owner, b->mr_owner, m);
    if (!p->allow_debug) {
        int debug = (b->td_attributes & PQCHA__TDX_ATTRIBUTES_DEBUG) != 0;
        pqcha__tdx_check(res, "policy_debug", debug ? PQCHA_ERR_EVIDENCE_POLICY : PQCHA_OK, "off",
                         debug ? "on" : "off");
    }
    if (p->min_tee_tcb_svn != NULL) {
        int low = 0;
        for (size_t i = 0; i < PQCHA__TDX_SVN_LEN; i++)
            low |= b->tee_tcb_svn[i] < p->min_tee_tcb_svn[i];
        char expected[PQCHA__EVIDENCE_TEXT_MAX], min[2 * PQCHA__TDX_SVN_LEN + 1];
        char found[PQCHA__EVIDENCE_TEXT_MAX];
        pqcha_hex_encode(min, p->min_tee_tcb_svn, PQCHA__TDX_SVN_LEN);
        snprintf(expected, sizeof expected, "each byte at least that of %s", min);
        pqcha__tdx_hex_text(found, b->tee_tcb_svn, PQCHA__TDX_SVN_LEN);
        pqcha__tdx_check(res, "policy_tee_tcb_svn", low ? PQCHA_ERR_TCB_TOO_LOW : PQCHA_OK,
                         expected, found);
    }
}

/* ---- the pipeline ---- */

static int is_machinery(pqcha_err err) {
    return err == PQCHA_ERR_NO_MEMORY || err == PQCHA_ERR_CRYPTO || err == PQCHA_ERR_INTERNAL ||
           err == PQCHA_ERR_INVALID_ARGUMENT;
}

static pqcha_err verify(pqcha__tdx_result *res, const uint8_t *bytes, size_t len,
                        const pqcha__tdx_verify_options *opts, pqcha__tdx_certs *roots,
                        pqcha__tdx_certs *built) {
    const char *why = "";
    pqcha_err err = pqcha__tdx_quote_parse_why(&res->quote, &why, bytes, len);
    pqcha__tdx_check(res, "quote_format", err, "a TDX quote v4 or v5, ECDSA P-256",
                     err == PQCHA_OK ? "well-formed" : why);
    if (err != PQCHA_OK) return err;
    const pqcha__tdx_quote *q = &res->quote;

    err = pqcha__tdx_certs_read_roots(roots, opts->roots, opts->roots_len);
    if (err != PQCHA_OK) {
        pqcha__tdx_check(res, "pck_chain", err, "pinned roots", "a pinned root does not parse");
        return err;
    }
    PQCHA_TRY(
        check_chain(res, built, roots, bytes + q->pck_chain_off, q->pck_chain_len, opts->now));
    PQCHA_TRY(verify_signatures(res, q, bytes, built->certs[0]));

    /* The collateral's verdict is recorded in res; what follows does not
     * rest on it, so it is checked all the same. */
    if (opts->collateral != NULL) {
        err = pqcha__tdx_collateral_appraise(res, q, built, roots, opts);
        if (is_machinery(err)) return err;
    }
    check_bytes(res, "report_data", PQCHA_ERR_EVIDENCE_BINDING, opts->expected_report_data,
                q->body.report_data, PQCHA__TDX_REPORT_DATA_LEN);
    if (opts->policy != NULL) check_policy(res, &q->body, opts->policy);
    return res->error;
}

/* Every accepted status must be a status: a misspelt one would make the
 * list accept less than its author meant, silently. */
static int policy_ok(const pqcha__tdx_policy *p) {
    if (p == NULL) return 1;
    if (p->accepted_tcb_status_count > 0 && p->accepted_tcb_statuses == NULL) return 0;
    for (size_t i = 0; i < p->accepted_tcb_status_count; i++)
        if (pqcha__tdx_tcb_status_from_name(p->accepted_tcb_statuses[i]) == PQCHA__TDX_TCB_UNKNOWN)
            return 0;
    return 1;
}

pqcha_err pqcha__tdx_verify(pqcha__tdx_result *out, const uint8_t *bytes, size_t len,
                            const pqcha__tdx_verify_options *opts) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    memset(out, 0, sizeof *out);
    if (opts == NULL || (bytes == NULL && len > 0) || opts->roots == NULL || opts->roots_len == 0 ||
        !policy_ok(opts->policy))
        return PQCHA_ERR_INVALID_ARGUMENT;
    if (opts->collateral != NULL) PQCHA_TRY(pqcha__tdx_collateral_check_pairs(opts->collateral));
    pqcha__tdx_certs roots = {.count = 0}, built = {.count = 0};
    pqcha_err err = verify(out, bytes, len, opts, &roots, &built);
    pqcha__tdx_certs_free(&built);
    pqcha__tdx_certs_free(&roots);
    /* A failure of the machinery (memory, OpenSSL) is no verdict. */
    if (is_machinery(err)) {
        memset(out, 0, sizeof *out);
        return err;
    }
    out->error = err;
    return err;
}
