/* tdx_verify.c — offline verification of a TDX quote's signature chain:
 * PCK certificate chain to a pinned Intel SGX root, QE report signed by the
 * PCK, QE report data binding the attestation key, quote signed by the
 * attestation key; then REPORT_DATA and the minimal policy. All crypto is
 * OpenSSL's (X509 chain building, ECDSA P-256 with SHA-256).
 *
 * TODO(issue 10): collateral appraisal is not done here yet: the TCB info
 * and QE identity (their signatures, the TCB signing chain, the FMSPC from
 * the PCK certificate, the TCB level status), and the PCK and root CA CRLs.
 * Until then a verified quote says the hardware signed it, not that its TCB
 * is current or its PCK unrevoked. */
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "core/internal.h"
#include "core/tdx.h"

#define MAX_CERTS       8 /* in the quote's chain, and pinned roots */
#define CHAIN_LENGTH    3 /* PCK leaf, PCK Platform or Processor CA, root */
#define P256_COORD_LEN  32
#define SHA256_LEN      32
#define PEM_CERT_BEGIN  "-----BEGIN CERTIFICATE-----"
#define PEM_CERT_END    "-----END CERTIFICATE-----"
#define MAX_ROOTS_BYTES (1024u * 1024u)

/* ---- the checks list ---- */

static void add_check(pqcha__tdx_result *res, const char *name, pqcha_err err, const char *expected,
                      const char *found) {
    if (err != PQCHA_OK && res->error == PQCHA_OK) res->error = err;
    if (res->check_count >= PQCHA__TDX_MAX_CHECKS) return;
    pqcha__evidence_check *c = &res->checks[res->check_count++];
    c->name = name;
    c->status = err == PQCHA_OK ? PQCHA_CHECK_PASS : PQCHA_CHECK_FAIL;
    c->err = err;
    snprintf(c->expected, sizeof c->expected, "%s", expected);
    snprintf(c->found, sizeof c->found, "%s", found);
}

static void hex_text(char out[PQCHA__EVIDENCE_TEXT_MAX], const uint8_t *bytes, size_t len) {
    if (2 * len + 1 > PQCHA__EVIDENCE_TEXT_MAX) len = (PQCHA__EVIDENCE_TEXT_MAX - 1) / 2;
    pqcha_hex_encode(out, bytes, len);
}

/* ---- certificates ---- */

typedef struct cert_list {
    X509 *certs[MAX_CERTS];
    size_t count;
} cert_list;

static void cert_list_free(cert_list *l) {
    for (size_t i = 0; i < l->count; i++)
        X509_free(l->certs[i]);
    l->count = 0;
}

/* One or more PEM certificates, and nothing but whitespace around them. */
static pqcha_err read_pem_certs(cert_list *out, const uint8_t *pem, size_t len) {
    static const char begin[] = PEM_CERT_BEGIN, end[] = PEM_CERT_END;
    if (len < sizeof begin - 1 || memcmp(pem, begin, sizeof begin - 1) != 0 || len > INT32_MAX)
        return PQCHA_ERR_BAD_CERTIFICATE;
    size_t tail = len; /* where the last END line starts */
    while (tail >= sizeof end - 1 && memcmp(pem + tail - (sizeof end - 1), end, sizeof end - 1))
        tail--;
    if (tail < sizeof end - 1) return PQCHA_ERR_BAD_CERTIFICATE;
    for (size_t i = tail; i < len; i++)
        if (pem[i] != '\n' && pem[i] != '\r' && pem[i] != ' ' && pem[i] != '\t')
            return PQCHA_ERR_BAD_CERTIFICATE;

    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    if (bio == NULL) return PQCHA_ERR_NO_MEMORY;
    pqcha_err err = PQCHA_OK;
    ERR_clear_error();
    for (;;) {
        X509 *cert = PEM_read_bio_X509(bio, NULL, pqcha__pem_refuse_passphrase, NULL);
        if (cert == NULL) break;
        if (out->count == MAX_CERTS) {
            X509_free(cert);
            err = PQCHA_ERR_BAD_CERTIFICATE;
            break;
        }
        out->certs[out->count++] = cert;
    }
    /* The loop ends at "no more PEM blocks"; any other error is a block
     * that did not decode. */
    unsigned long e = ERR_peek_last_error();
    if (err == PQCHA_OK &&
        (out->count == 0 || (e != 0 && ERR_GET_REASON(e) != PEM_R_NO_START_LINE)))
        err = PQCHA_ERR_BAD_CERTIFICATE;
    ERR_clear_error();
    BIO_free(bio);
    if (err != PQCHA_OK) cert_list_free(out);
    return err;
}

static pqcha_err read_der_cert(cert_list *out, const uint8_t *der, size_t len) {
    if (len > INT32_MAX) return PQCHA_ERR_BAD_CERTIFICATE;
    const unsigned char *p = der;
    X509 *cert = d2i_X509(NULL, &p, (long)len);
    ERR_clear_error();
    if (cert == NULL) return PQCHA_ERR_BAD_CERTIFICATE;
    if (p != der + len) {
        X509_free(cert);
        return PQCHA_ERR_BAD_CERTIFICATE;
    }
    out->certs[out->count++] = cert;
    return PQCHA_OK;
}

static pqcha_err read_roots(cert_list *out, const uint8_t *roots, size_t len) {
    if (len > MAX_ROOTS_BYTES) return PQCHA_ERR_BAD_CERTIFICATE;
    size_t skip = 0;
    while (skip < len && (roots[skip] == '\n' || roots[skip] == '\r' || roots[skip] == ' '))
        skip++;
    if (len - skip >= sizeof PEM_CERT_BEGIN - 1 &&
        memcmp(roots + skip, PEM_CERT_BEGIN, sizeof PEM_CERT_BEGIN - 1) == 0)
        return read_pem_certs(out, roots + skip, len - skip);
    return read_der_cert(out, roots, len);
}

static int same_certificate(X509 *a, X509 *b) {
    if (X509_cmp(a, b) == 0) return 1;
    int eq = EVP_PKEY_eq(X509_get0_pubkey(a), X509_get0_pubkey(b)) == 1;
    ERR_clear_error();
    return eq;
}

static int is_self_signed(X509 *cert) {
    int ss = X509_self_signed(cert, 0) == 1;
    ERR_clear_error();
    return ss;
}

static pqcha_err x509_error(int code) {
    switch (code) {
    case X509_V_ERR_CERT_NOT_YET_VALID:
    case X509_V_ERR_CERT_HAS_EXPIRED: return PQCHA_ERR_CERT_EXPIRED;
    case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
    case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD: return PQCHA_ERR_BAD_CERTIFICATE;
    case X509_V_ERR_OUT_OF_MEM: return PQCHA_ERR_NO_MEMORY;
    default: return PQCHA_ERR_CERT_CHAIN;
    }
}

/* Builds and verifies leaf -> intermediate -> pinned root at `now`; *why
 * is a constant string saying what failed. */
static pqcha_err verify_chain(const cert_list *chain, const cert_list *roots, int64_t now,
                              const char **why) {
    *why = "";
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    pqcha_err err = PQCHA_OK;
    if (store == NULL || ctx == NULL || untrusted == NULL) err = PQCHA_ERR_NO_MEMORY;
    for (size_t i = 0; err == PQCHA_OK && i < roots->count; i++)
        if (X509_STORE_add_cert(store, roots->certs[i]) != 1) err = PQCHA_ERR_CRYPTO;
    for (size_t i = 1; err == PQCHA_OK && i < chain->count; i++)
        if (sk_X509_push(untrusted, chain->certs[i]) <= 0) err = PQCHA_ERR_NO_MEMORY;
    if (err == PQCHA_OK && X509_STORE_CTX_init(ctx, store, chain->certs[0], untrusted) != 1)
        err = PQCHA_ERR_CRYPTO;
    if (err == PQCHA_OK) {
        X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
        X509_VERIFY_PARAM_set_time(param, (time_t)now);
        if (X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_X509_STRICT) != 1)
            err = PQCHA_ERR_CRYPTO;
    }
    if (err == PQCHA_OK) {
        if (X509_verify_cert(ctx) != 1) {
            int code = X509_STORE_CTX_get_error(ctx);
            *why = X509_verify_cert_error_string(code);
            err = x509_error(code);
        } else {
            STACK_OF(X509) *built = X509_STORE_CTX_get0_chain(ctx);
            if (built == NULL || sk_X509_num(built) != CHAIN_LENGTH) {
                *why = "the chain is not PCK certificate, PCK CA, root";
                err = PQCHA_ERR_CERT_CHAIN;
            }
        }
    }
    ERR_clear_error();
    X509_STORE_CTX_free(ctx);
    sk_X509_free(untrusted);
    X509_STORE_free(store);
    return err;
}

static pqcha_err check_chain(pqcha__tdx_result *res, cert_list *chain, const cert_list *roots,
                             const uint8_t *pem, size_t pem_len, int64_t now) {
    char expected[PQCHA__EVIDENCE_TEXT_MAX], when[PQCHA_TIMESTAMP_LEN + 1];
    if (pqcha_time_format(when, now) != PQCHA_OK) snprintf(when, sizeof when, "?");
    snprintf(expected, sizeof expected, "PCK certificate -> PCK CA -> a pinned root, valid at %s",
             when);
    /* Quote generators end the PEM text with a NUL; one is allowed. */
    if (pem_len > 0 && pem[pem_len - 1] == '\0') pem_len--;
    pqcha_err err = read_pem_certs(chain, pem, pem_len);
    const char *why = "a certificate of the quote's PCK chain does not parse";
    if (err == PQCHA_OK &&
        !pqcha__ec_key_on_curve(X509_get0_pubkey(chain->certs[0]), SN_X9_62_prime256v1)) {
        err = PQCHA_ERR_BAD_CERTIFICATE;
        why = "the PCK certificate's key is not ECDSA P-256";
    }
    /* A root the quote carries must be one of the pinned ones. */
    if (err == PQCHA_OK && chain->count > 1 && is_self_signed(chain->certs[chain->count - 1])) {
        int pinned = 0;
        for (size_t i = 0; i < roots->count && !pinned; i++)
            pinned = same_certificate(chain->certs[chain->count - 1], roots->certs[i]);
        if (!pinned) {
            err = PQCHA_ERR_CERT_CHAIN;
            why = "the quote's root certificate is not a pinned root";
        }
    }
    if (err == PQCHA_OK) err = verify_chain(chain, roots, now, &why);
    if (err == PQCHA_OK) why = "verified";
    add_check(res, "pck_chain", err, expected, why);
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

/* *valid is 1 when sig (r||s, big-endian) is key's ECDSA signature over
 * SHA-256(msg). */
static pqcha_err ecdsa_p256_verify(int *valid, EVP_PKEY *key, const uint8_t *msg, size_t len,
                                   const uint8_t sig[PQCHA__TDX_SIGNATURE_LEN]) {
    return pqcha__ecdsa_verify_raw(valid, key, "SHA256", msg, len, sig, sig + P256_COORD_LEN,
                                   P256_COORD_LEN);
}

static pqcha_err check_signature(pqcha__tdx_result *res, const char *name, const char *expected,
                                 EVP_PKEY *key, const uint8_t *msg, size_t len,
                                 const uint8_t sig[PQCHA__TDX_SIGNATURE_LEN]) {
    int valid = 0;
    pqcha_err err = ecdsa_p256_verify(&valid, key, msg, len, sig);
    if (err != PQCHA_OK) return err;
    err = valid ? PQCHA_OK : PQCHA_ERR_EVIDENCE_SIGNATURE;
    add_check(res, name, err, expected, valid ? "valid" : "does not verify");
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
    hex_text(expected, want, sizeof want);
    hex_text(found, q->qe_report.report_data, sizeof want);
    pqcha_err err = pqcha__ct_equal(want, q->qe_report.report_data, sizeof want)
                        ? PQCHA_OK
                        : PQCHA_ERR_EVIDENCE_BINDING;
    add_check(res, "qe_report_binding", err, expected, found);
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
        add_check(res, "quote_signature", PQCHA_ERR_EVIDENCE_SIGNATURE,
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
    hex_text(expected, want, len);
    hex_text(found, got, len);
    add_check(res, name, pqcha__ct_equal(want, got, len) ? PQCHA_OK : on_mismatch, expected, found);
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
        add_check(res, "policy_debug", debug ? PQCHA_ERR_EVIDENCE_POLICY : PQCHA_OK, "off",
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
        hex_text(found, b->tee_tcb_svn, PQCHA__TDX_SVN_LEN);
        add_check(res, "policy_tee_tcb_svn", low ? PQCHA_ERR_TCB_TOO_LOW : PQCHA_OK, expected,
                  found);
    }
}

/* ---- the pipeline ---- */

static pqcha_err verify(pqcha__tdx_result *res, const uint8_t *bytes, size_t len,
                        const pqcha__tdx_verify_options *opts, cert_list *roots, cert_list *chain) {
    const char *why = "";
    pqcha_err err = pqcha__tdx_quote_parse_why(&res->quote, &why, bytes, len);
    add_check(res, "quote_format", err, "a TDX quote v4 or v5, ECDSA P-256",
              err == PQCHA_OK ? "well-formed" : why);
    if (err != PQCHA_OK) return err;
    const pqcha__tdx_quote *q = &res->quote;

    err = read_roots(roots, opts->roots, opts->roots_len);
    if (err != PQCHA_OK) {
        add_check(res, "pck_chain", err, "pinned roots", "a pinned root does not parse");
        return err;
    }
    PQCHA_TRY(
        check_chain(res, chain, roots, bytes + q->pck_chain_off, q->pck_chain_len, opts->now));
    PQCHA_TRY(verify_signatures(res, q, bytes, chain->certs[0]));

    check_bytes(res, "report_data", PQCHA_ERR_EVIDENCE_BINDING, opts->expected_report_data,
                q->body.report_data, PQCHA__TDX_REPORT_DATA_LEN);
    if (opts->policy != NULL) check_policy(res, &q->body, opts->policy);
    return res->error;
}

pqcha_err pqcha__tdx_verify(pqcha__tdx_result *out, const uint8_t *bytes, size_t len,
                            const pqcha__tdx_verify_options *opts) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    memset(out, 0, sizeof *out);
    if (opts == NULL || (bytes == NULL && len > 0) || opts->roots == NULL || opts->roots_len == 0)
        return PQCHA_ERR_INVALID_ARGUMENT;
    cert_list roots = {.count = 0}, chain = {.count = 0};
    pqcha_err err = verify(out, bytes, len, opts, &roots, &chain);
    cert_list_free(&chain);
    cert_list_free(&roots);
    /* A failure of the machinery (memory, OpenSSL) is no verdict. */
    if (err == PQCHA_ERR_NO_MEMORY || err == PQCHA_ERR_CRYPTO || err == PQCHA_ERR_INTERNAL) {
        memset(out, 0, sizeof *out);
        return err;
    }
    out->error = err;
    return err;
}
