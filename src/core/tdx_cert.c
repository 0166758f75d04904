/* tdx_cert.c — what the TDX quote verifier (tdx_verify.c) and the collateral
 * appraisal (tdx_collateral.c) share: the check list they append to,
 * certificate lists read from PEM, chains verified to the pinned Intel SGX
 * roots, and ECDSA P-256 signatures given as raw r||s. It sits below both
 * so that the verifier can call the appraisal without a cycle between
 * units. All crypto is OpenSSL's. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "core/internal.h"
#include "core/tdx.h"

#define PEM_CERT_BEGIN  "-----BEGIN CERTIFICATE-----"
#define PEM_CERT_END    "-----END CERTIFICATE-----"
#define MAX_ROOTS_BYTES (1024u * 1024u)
#define P256_COORD_LEN  32

/* ---- the check list ---- */

static pqcha__evidence_check *next_check(pqcha__tdx_result *res, const char *name,
                                         pqcha_check_status status, pqcha_err err) {
    if (status == PQCHA_CHECK_FAIL && res->error == PQCHA_OK) res->error = err;
    if (res->check_count >= PQCHA__TDX_MAX_CHECKS) {
        /* A verdict without the check that decided it would mislead. */
        if (res->error == PQCHA_OK) res->error = PQCHA_ERR_INTERNAL;
        return NULL;
    }
    pqcha__evidence_check *c = &res->checks[res->check_count++];
    c->name = name;
    c->status = status;
    c->err = err;
    return c;
}

void pqcha__tdx_check(pqcha__tdx_result *res, const char *name, pqcha_err err, const char *expected,
                      const char *found) {
    pqcha__evidence_check *c =
        next_check(res, name, err == PQCHA_OK ? PQCHA_CHECK_PASS : PQCHA_CHECK_FAIL, err);
    if (c == NULL) return;
    snprintf(c->expected, sizeof c->expected, "%s", expected);
    snprintf(c->found, sizeof c->found, "%s", found);
}

void pqcha__tdx_checkf(pqcha__tdx_result *res, const char *name, pqcha_err err,
                       const char *expected, const char *found_fmt, ...) {
    pqcha__evidence_check *c =
        next_check(res, name, err == PQCHA_OK ? PQCHA_CHECK_PASS : PQCHA_CHECK_FAIL, err);
    if (c == NULL) return;
    snprintf(c->expected, sizeof c->expected, "%s", expected);
    va_list ap;
    va_start(ap, found_fmt);
    if (vsnprintf(c->found, sizeof c->found, found_fmt, ap) < 0) c->found[0] = '\0';
    va_end(ap);
}

void pqcha__tdx_check_skip(pqcha__tdx_result *res, const char *name, const char *expected,
                           const char *why) {
    pqcha__evidence_check *c = next_check(res, name, PQCHA_CHECK_SKIPPED, PQCHA_OK);
    if (c == NULL) return;
    snprintf(c->expected, sizeof c->expected, "%s", expected);
    snprintf(c->found, sizeof c->found, "%s", why);
}

void pqcha__tdx_hex_text(char out[PQCHA__EVIDENCE_TEXT_MAX], const uint8_t *bytes, size_t len) {
    if (2 * len + 1 > PQCHA__EVIDENCE_TEXT_MAX) len = (PQCHA__EVIDENCE_TEXT_MAX - 1) / 2;
    pqcha_hex_encode(out, bytes, len);
}

/* ---- certificate lists ---- */

void pqcha__tdx_certs_free(pqcha__tdx_certs *l) {
    if (l == NULL) return;
    for (size_t i = 0; i < l->count; i++)
        X509_free(l->certs[i]);
    l->count = 0;
}

static int is_space(uint8_t c) {
    return c == '\n' || c == '\r' || c == ' ' || c == '\t';
}

pqcha_err pqcha__tdx_certs_read_pem(pqcha__tdx_certs *out, const uint8_t *pem, size_t len) {
    static const char begin[] = PEM_CERT_BEGIN, end[] = PEM_CERT_END;
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    out->count = 0;
    if (pem == NULL || len < sizeof begin - 1 || memcmp(pem, begin, sizeof begin - 1) != 0 ||
        len > INT32_MAX)
        return PQCHA_ERR_BAD_CERTIFICATE;
    size_t tail = len; /* where the last END line starts */
    while (tail >= sizeof end - 1 && memcmp(pem + tail - (sizeof end - 1), end, sizeof end - 1))
        tail--;
    if (tail < sizeof end - 1) return PQCHA_ERR_BAD_CERTIFICATE;
    for (size_t i = tail; i < len; i++)
        if (!is_space(pem[i])) return PQCHA_ERR_BAD_CERTIFICATE;

    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    if (bio == NULL) return PQCHA_ERR_NO_MEMORY;
    pqcha_err err = PQCHA_OK;
    ERR_clear_error();
    for (;;) {
        X509 *cert = PEM_read_bio_X509(bio, NULL, pqcha__pem_refuse_passphrase, NULL);
        if (cert == NULL) break;
        if (out->count == PQCHA__TDX_MAX_CERTS) {
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
    if (err != PQCHA_OK) pqcha__tdx_certs_free(out);
    return err;
}

static pqcha_err read_der_cert(pqcha__tdx_certs *out, const uint8_t *der, size_t len) {
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

pqcha_err pqcha__tdx_certs_read_roots(pqcha__tdx_certs *out, const uint8_t *roots, size_t len) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    out->count = 0;
    if (roots == NULL || len > MAX_ROOTS_BYTES) return PQCHA_ERR_BAD_CERTIFICATE;
    size_t skip = 0;
    while (skip < len && is_space(roots[skip]))
        skip++;
    if (len - skip >= sizeof PEM_CERT_BEGIN - 1 &&
        memcmp(roots + skip, PEM_CERT_BEGIN, sizeof PEM_CERT_BEGIN - 1) == 0)
        return pqcha__tdx_certs_read_pem(out, roots + skip, len - skip);
    return read_der_cert(out, roots, len);
}

int pqcha__tdx_is_pinned(const X509 *cert, const pqcha__tdx_certs *roots) {
    for (size_t i = 0; i < roots->count; i++)
        if (pqcha__cert_matches_root(cert, roots->certs[i])) return 1;
    return 0;
}

static int is_self_signed(X509 *cert) {
    int ss = X509_self_signed(cert, 0) == 1;
    ERR_clear_error();
    return ss;
}

/* ---- chains to the pinned roots ---- */

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

/* Copies (up-referenced) the chain OpenSSL built into *built. */
static pqcha_err keep_built(pqcha__tdx_certs *built, X509_STORE_CTX *ctx) {
    STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
    int n = chain ? sk_X509_num(chain) : 0;
    if (n <= 0 || (size_t)n > PQCHA__TDX_MAX_CERTS) return PQCHA_ERR_CERT_CHAIN;
    for (int i = 0; i < n; i++) {
        X509 *cert = sk_X509_value(chain, i);
        if (X509_up_ref(cert) != 1) {
            pqcha__tdx_certs_free(built);
            return PQCHA_ERR_CRYPTO;
        }
        built->certs[built->count++] = cert;
    }
    return PQCHA_OK;
}

static pqcha_err run_store(pqcha__tdx_certs *built, const pqcha__tdx_certs *chain,
                           const pqcha__tdx_certs *roots, int64_t now, const char **why) {
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
            err = keep_built(built, ctx);
        }
    }
    ERR_clear_error();
    X509_STORE_CTX_free(ctx);
    sk_X509_free(untrusted);
    X509_STORE_free(store);
    return err;
}

pqcha_err pqcha__tdx_chain_verify(pqcha__tdx_certs *built, const pqcha__tdx_certs *chain,
                                  const pqcha__tdx_certs *roots, int64_t now, size_t length,
                                  const char *shape, const char **why) {
    static const char *const unset = "";
    if (why == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *why = unset;
    if (built == NULL || chain == NULL || roots == NULL || chain->count == 0)
        return PQCHA_ERR_INVALID_ARGUMENT;
    built->count = 0;
    /* A root the chain carries must be one of the pinned ones. */
    X509 *last = chain->certs[chain->count - 1];
    if (chain->count > 1 && is_self_signed(last) && !pqcha__tdx_is_pinned(last, roots)) {
        *why = "the chain's root certificate is not a pinned root";
        return PQCHA_ERR_CERT_CHAIN;
    }
    pqcha_err err = run_store(built, chain, roots, now, why);
    if (err == PQCHA_OK && built->count != length) {
        pqcha__tdx_certs_free(built);
        *why = shape;
        err = PQCHA_ERR_CERT_CHAIN;
    }
    return err;
}

/* ---- ECDSA P-256 ---- */

pqcha_err pqcha__tdx_p256_verify(int *valid, EVP_PKEY *key, const uint8_t *msg, size_t len,
                                 const uint8_t sig[PQCHA__TDX_SIGNATURE_LEN]) {
    return pqcha__ecdsa_verify_raw(valid, key, "SHA256", msg, len, sig, sig + P256_COORD_LEN,
                                   P256_COORD_LEN);
}
