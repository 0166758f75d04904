/* snp_cert.c — AMD's certificates for SEV-SNP: loading the VCEK or VLEK,
 * the ASK/ASVK-then-ARK chain, pinned roots and CRLs from bytes; the
 * issuer, validity and pinning checks; and the AMD extensions a VCEK or
 * VLEK carries about the chip and its TCB (snp.h). */
#include "core/snp.h"

#include <stdio.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#define AMD_OID_PREFIX   "1.3.6.1.4.1.3704.1."
#define HWID_LEN         64u
#define HWID_LEN_TURIN   8u
#define PRODUCT_NAME_MAX 32u
#define PEM_LABEL_CERT   "CERTIFICATE"
#define PEM_LABEL_CRL    "X509 CRL"
#define DER_SEQUENCE     0x30u
#define DER_OCTET_STRING 0x04u
#define DER_IA5STRING    0x16u
#define CN_MAX           64u

/* The next PEM block of a memory BIO: 1 with its label and DER, 0 at the
 * end of the input, -1 for a malformed block. */
static int next_pem_block(BIO *bio, char **label, unsigned char **der, long *der_len) {
    char *header = NULL;
    *label = NULL;
    *der = NULL;
    *der_len = 0;
    if (PEM_read_bio(bio, label, &header, der, der_len) == 1) {
        OPENSSL_free(header);
        return 1;
    }
    unsigned long e = ERR_peek_last_error();
    int at_end = ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
    ERR_clear_error();
    return at_end ? 0 : -1;
}

/* Decodes exactly der_len bytes of DER as a certificate. */
static X509 *der_to_x509(const unsigned char *der, long der_len) {
    const unsigned char *p = der;
    X509 *cert = d2i_X509(NULL, &p, der_len);
    if (cert != NULL && p != der + der_len) {
        X509_free(cert);
        cert = NULL;
    }
    return cert;
}

static X509_CRL *der_to_crl(const unsigned char *der, long der_len) {
    const unsigned char *p = der;
    X509_CRL *crl = d2i_X509_CRL(NULL, &p, der_len);
    if (crl != NULL && p != der + der_len) {
        X509_CRL_free(crl);
        crl = NULL;
    }
    return crl;
}

/* Every PEM block of bytes must carry label and decode; up to max
 * certificates are pushed on certs. */
static pqcha_err pem_certs(STACK_OF(X509) * certs, const uint8_t *bytes, size_t len, size_t max) {
    BIO *bio = BIO_new_mem_buf(bytes, (int)len);
    if (bio == NULL) return PQCHA_ERR_NO_MEMORY;
    pqcha_err err = PQCHA_OK;
    for (;;) {
        char *label;
        unsigned char *der;
        long der_len;
        int got = next_pem_block(bio, &label, &der, &der_len);
        if (got == 0) break;
        X509 *cert = NULL;
        if (got < 0 || strcmp(label, PEM_LABEL_CERT) != 0 || (size_t)sk_X509_num(certs) >= max ||
            (cert = der_to_x509(der, der_len)) == NULL) {
            err = PQCHA_ERR_BAD_CERTIFICATE;
        } else if (!sk_X509_push(certs, cert)) {
            X509_free(cert);
            err = PQCHA_ERR_NO_MEMORY;
        }
        OPENSSL_free(label);
        OPENSSL_free(der);
        if (err != PQCHA_OK) break;
    }
    BIO_free(bio);
    ERR_clear_error();
    return err;
}

static pqcha_err check_input(const void *out, const uint8_t *bytes, size_t len, size_t cap) {
    if (out == NULL || (bytes == NULL && len > 0)) return PQCHA_ERR_INVALID_ARGUMENT;
    if (len > cap) return PQCHA_ERR_TOO_LARGE;
    if (len == 0) return PQCHA_ERR_BAD_CERTIFICATE;
    return PQCHA_OK;
}

/* Loads up to max PEM certificates; exactly `exact` of them when nonzero. */
static pqcha_err load_pem_stack(STACK_OF(X509) * *out, const uint8_t *bytes, size_t len, size_t max,
                                size_t exact) {
    STACK_OF(X509) *certs = sk_X509_new_null();
    if (certs == NULL) return PQCHA_ERR_NO_MEMORY;
    pqcha_err err = pem_certs(certs, bytes, len, max);
    size_t n = (size_t)sk_X509_num(certs);
    if (err == PQCHA_OK && (n == 0 || (exact != 0 && n != exact))) err = PQCHA_ERR_BAD_CERTIFICATE;
    if (err != PQCHA_OK) {
        sk_X509_pop_free(certs, X509_free);
        return err;
    }
    *out = certs;
    return PQCHA_OK;
}

pqcha_err pqcha__snp_cert_load(X509 **out, const uint8_t *bytes, size_t len) {
    if (out) *out = NULL;
    pqcha_err err = check_input(out, bytes, len, PQCHA__SNP_CERT_MAX);
    if (err != PQCHA_OK) return err;
    if (bytes[0] == DER_SEQUENCE) {
        X509 *cert = der_to_x509(bytes, (long)len);
        ERR_clear_error();
        if (cert == NULL) return PQCHA_ERR_BAD_CERTIFICATE;
        *out = cert;
        return PQCHA_OK;
    }
    STACK_OF(X509) *certs = NULL;
    err = load_pem_stack(&certs, bytes, len, 1, 1);
    if (err != PQCHA_OK) return err;
    *out = sk_X509_shift(certs);
    sk_X509_free(certs);
    return PQCHA_OK;
}

pqcha_err pqcha__snp_chain_load(X509 **ask, X509 **ark, const uint8_t *bytes, size_t len) {
    if (ask) *ask = NULL;
    if (ark) *ark = NULL;
    if (ask == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha_err err = check_input(ark, bytes, len, PQCHA__SNP_CERT_MAX);
    if (err != PQCHA_OK) return err;
    STACK_OF(X509) *certs = NULL;
    err = load_pem_stack(&certs, bytes, len, 2, 2);
    if (err != PQCHA_OK) return err;
    *ask = sk_X509_shift(certs);
    *ark = sk_X509_shift(certs);
    sk_X509_free(certs);
    return PQCHA_OK;
}

pqcha_err pqcha__snp_roots_load(STACK_OF(X509) * *out, const uint8_t *bytes, size_t len) {
    if (out) *out = NULL;
    pqcha_err err = check_input(out, bytes, len, PQCHA__SNP_ROOTS_MAX);
    if (err != PQCHA_OK) return err;
    return load_pem_stack(out, bytes, len, PQCHA__SNP_ROOTS_MAX_COUNT, 0);
}

pqcha_err pqcha__snp_crl_load(X509_CRL **out, const uint8_t *bytes, size_t len) {
    if (out) *out = NULL;
    pqcha_err err = check_input(out, bytes, len, PQCHA__SNP_CRL_MAX);
    if (err != PQCHA_OK) return err;
    X509_CRL *crl = NULL;
    if (bytes[0] == DER_SEQUENCE) {
        crl = der_to_crl(bytes, (long)len);
    } else {
        BIO *bio = BIO_new_mem_buf(bytes, (int)len);
        if (bio == NULL) return PQCHA_ERR_NO_MEMORY;
        char *label;
        unsigned char *der;
        long der_len;
        if (next_pem_block(bio, &label, &der, &der_len) == 1) {
            if (strcmp(label, PEM_LABEL_CRL) == 0) crl = der_to_crl(der, der_len);
            OPENSSL_free(label);
            OPENSSL_free(der);
            /* Nothing but text may follow the one block. */
            if (crl != NULL && next_pem_block(bio, &label, &der, &der_len) != 0) {
                OPENSSL_free(label);
                OPENSSL_free(der);
                X509_CRL_free(crl);
                crl = NULL;
            }
        }
        BIO_free(bio);
    }
    ERR_clear_error();
    if (crl == NULL) return PQCHA_ERR_BAD_CERTIFICATE;
    *out = crl;
    return PQCHA_OK;
}

/* The subject's one common name, or NULL (none, several, or too long). */
static const ASN1_STRING *subject_cn(const X509 *cert) {
    const X509_NAME *name = X509_get_subject_name(cert);
    int at = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (at < 0 || X509_NAME_get_index_by_NID(name, NID_commonName, at) >= 0) return NULL;
    const ASN1_STRING *cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, at));
    return cn != NULL && ASN1_STRING_length(cn) <= (int)CN_MAX ? cn : NULL;
}

static int cn_is(const X509 *cert, const char *want) {
    const ASN1_STRING *cn = subject_cn(cert);
    size_t n = strlen(want);
    return cn != NULL && (size_t)ASN1_STRING_length(cn) == n &&
           memcmp(ASN1_STRING_get0_data(cn), want, n) == 0;
}

static pqcha__snp_product product_from_prefixed_cn(const X509 *cert, const char *prefix) {
    static const pqcha__snp_product products[] = {
        PQCHA__SNP_PRODUCT_MILAN, PQCHA__SNP_PRODUCT_GENOA, PQCHA__SNP_PRODUCT_TURIN};
    char want[CN_MAX];
    for (size_t i = 0; i < sizeof products / sizeof products[0]; i++) {
        snprintf(want, sizeof want, "%s%s", prefix, pqcha__snp_product_name(products[i]));
        if (cn_is(cert, want)) return products[i];
    }
    return PQCHA__SNP_PRODUCT_UNKNOWN;
}

pqcha__snp_product pqcha__snp_ark_product(const X509 *ark) {
    return ark ? product_from_prefixed_cn(ark, "ARK-") : PQCHA__SNP_PRODUCT_UNKNOWN;
}

int pqcha__snp_intermediate_is_asvk(const X509 *ask) {
    return ask != NULL && product_from_prefixed_cn(ask, "SEV-VLEK-") != PQCHA__SNP_PRODUCT_UNKNOWN;
}

/* The content of the one extension with AMD OID suffix, or NULL if absent.
 * *dup is set when it occurs more than once. */
static const ASN1_OCTET_STRING *amd_extension(const X509 *cert, const char *suffix, int *dup) {
    char oid[48];
    snprintf(oid, sizeof oid, "%s%s", AMD_OID_PREFIX, suffix);
    ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
    if (obj == NULL) {
        *dup = 1; /* cannot happen with these constants; refuse rather than skip */
        return NULL;
    }
    int at = X509_get_ext_by_OBJ(cert, obj, -1);
    if (at >= 0 && X509_get_ext_by_OBJ(cert, obj, at) >= 0) *dup = 1;
    ASN1_OBJECT_free(obj);
    if (at < 0) return NULL;
    return X509_EXTENSION_get_data(X509_get_ext(cert, at));
}

/* An SPL: a DER INTEGER 0-255. Returns 1 (absent), 0 (read), -1 (malformed). */
static int read_spl(const X509 *cert, const char *suffix, int *has, uint8_t *value, int *dup) {
    const ASN1_OCTET_STRING *ext = amd_extension(cert, suffix, dup);
    *has = 0;
    *value = 0;
    if (ext == NULL) return 1;
    const unsigned char *der = ASN1_STRING_get0_data(ext);
    const unsigned char *p = der;
    long len = ASN1_STRING_length(ext);
    ASN1_INTEGER *n = d2i_ASN1_INTEGER(NULL, &p, len);
    int64_t v = -1;
    int ok = n != NULL && p == der + len && ASN1_INTEGER_get_int64(&v, n) == 1 && v >= 0 &&
             v <= UINT8_MAX;
    ASN1_INTEGER_free(n);
    if (!ok) return -1;
    *has = 1;
    *value = (uint8_t)v;
    return 0;
}

/* productName: an IA5String such as "Milan-B0" or "Turin". */
static int read_product(const X509 *cert, pqcha__snp_product *out, int *dup) {
    const ASN1_OCTET_STRING *ext = amd_extension(cert, "2", dup);
    *out = PQCHA__SNP_PRODUCT_UNKNOWN;
    if (ext == NULL) return 0;
    const unsigned char *der = ASN1_STRING_get0_data(ext);
    const unsigned char *p = der;
    long len = ASN1_STRING_length(ext);
    ASN1_IA5STRING *s = d2i_ASN1_IA5STRING(NULL, &p, len);
    int ok = s != NULL && p == der + len && ASN1_STRING_length(s) <= (int)PRODUCT_NAME_MAX;
    if (ok) {
        const unsigned char *name = ASN1_STRING_get0_data(s);
        size_t n = (size_t)ASN1_STRING_length(s);
        const char *dash = memchr(name, '-', n);
        size_t stem = dash ? (size_t)(dash - (const char *)name) : n;
        for (int i = PQCHA__SNP_PRODUCT_MILAN; i <= PQCHA__SNP_PRODUCT_TURIN; i++) {
            const char *known = pqcha__snp_product_name((pqcha__snp_product)i);
            if (strlen(known) == stem && memcmp(known, name, stem) == 0)
                *out = (pqcha__snp_product)i;
        }
    }
    ASN1_IA5STRING_free(s);
    return ok ? 0 : -1;
}

/* hwID: 64 bytes (8 on Turin), raw or wrapped in a DER OCTET STRING. */
static int read_hwid(const X509 *cert, pqcha__snp_cert_claims *c, int *dup) {
    const ASN1_OCTET_STRING *ext = amd_extension(cert, "4", dup);
    if (ext == NULL) return 0;
    const unsigned char *der = ASN1_STRING_get0_data(ext);
    size_t len = (size_t)ASN1_STRING_length(ext);
    if (len == 2 + HWID_LEN || len == 2 + HWID_LEN_TURIN) {
        if (der[0] != DER_OCTET_STRING || der[1] != len - 2) return -1;
        der += 2;
        len -= 2;
    } else if (len != HWID_LEN && len != HWID_LEN_TURIN) {
        return -1;
    }
    memcpy(c->hwid, der, len);
    c->hwid_len = len;
    c->has_hwid = 1;
    return 0;
}

pqcha_err pqcha__snp_cert_claims_read(pqcha__snp_cert_claims *out, const X509 *cert) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    memset(out, 0, sizeof *out);
    if (cert == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha__snp_cert_claims c;
    memset(&c, 0, sizeof c);
    if (cn_is(cert, "SEV-VLEK")) {
        c.is_vlek = 1;
    } else if (!cn_is(cert, "SEV-VCEK")) {
        return PQCHA_ERR_BAD_CERTIFICATE;
    }
    int dup = 0;
    int bad = read_spl(cert, "3.1", &c.has_bl, &c.bl, &dup) < 0;
    bad |= read_spl(cert, "3.2", &c.has_tee, &c.tee, &dup) < 0;
    bad |= read_spl(cert, "3.3", &c.has_snp, &c.snp, &dup) < 0;
    bad |= read_spl(cert, "3.8", &c.has_ucode, &c.ucode, &dup) < 0;
    bad |= read_spl(cert, "3.9", &c.has_fmc, &c.fmc, &dup) < 0;
    bad |= read_product(cert, &c.product, &dup) < 0;
    bad |= read_hwid(cert, &c, &dup) < 0;
    ERR_clear_error();
    if (bad || dup) return PQCHA_ERR_BAD_CERTIFICATE;
    *out = c;
    return PQCHA_OK;
}

pqcha_err pqcha__snp_cert_issued_by(X509 *child, const X509 *parent) {
    if (child == NULL || parent == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    EVP_PKEY *key = X509_get0_pubkey(parent);
    int ok = key != NULL &&
             X509_NAME_cmp(X509_get_issuer_name(child), X509_get_subject_name(parent)) == 0 &&
             X509_get_signature_nid(child) == NID_rsassaPss && X509_verify(child, key) == 1;
    ERR_clear_error();
    return ok ? PQCHA_OK : PQCHA_ERR_CERT_CHAIN;
}

/* -1: before, 0: within, 1: after, 2: a time cannot be compared. */
static int compare_window(const ASN1_TIME *not_before, const ASN1_TIME *not_after, int64_t now) {
    ASN1_TIME *t = ASN1_TIME_set(NULL, (time_t)now);
    if (t == NULL) return 2;
    int before = not_before ? ASN1_TIME_compare(not_before, t) : -1;
    int after = not_after ? ASN1_TIME_compare(not_after, t) : 1;
    ASN1_TIME_free(t);
    ERR_clear_error();
    if (before == -2 || after == -2) return 2;
    if (before > 0) return -1;
    return after < 0 ? 1 : 0;
}

pqcha_err pqcha__snp_cert_valid_at(const X509 *cert, int64_t now) {
    if (cert == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    int where = compare_window(X509_get0_notBefore(cert), X509_get0_notAfter(cert), now);
    if (where == 2) return PQCHA_ERR_BAD_CERTIFICATE;
    return where == 0 ? PQCHA_OK : PQCHA_ERR_CERT_EXPIRED;
}

pqcha_err pqcha__snp_ark_pinned(const X509 *ark, const STACK_OF(X509) * roots) {
    if (ark == NULL || roots == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    for (int i = 0; i < sk_X509_num(roots); i++)
        if (pqcha__cert_matches_root(ark, sk_X509_value(roots, i))) return PQCHA_OK;
    return PQCHA_ERR_CERT_CHAIN;
}

pqcha_err pqcha__snp_crl_issued_by(X509_CRL *crl, const X509 *issuer) {
    if (crl == NULL || issuer == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    EVP_PKEY *key = X509_get0_pubkey(issuer);
    int ok = key != NULL &&
             X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer)) == 0 &&
             X509_CRL_verify(crl, key) == 1;
    ERR_clear_error();
    return ok ? PQCHA_OK : PQCHA_ERR_CERT_CHAIN;
}

pqcha_err pqcha__snp_crl_valid_at(const X509_CRL *crl, int64_t now) {
    if (crl == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    int where = compare_window(X509_CRL_get0_lastUpdate(crl), X509_CRL_get0_nextUpdate(crl), now);
    if (where == 2) return PQCHA_ERR_BAD_CERTIFICATE;
    return where == 0 ? PQCHA_OK : PQCHA_ERR_CERT_EXPIRED;
}

pqcha_err pqcha__snp_crl_lists(X509_CRL *crl, const X509 *cert) {
    if (crl == NULL || cert == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    X509_REVOKED *entry = NULL;
    int listed = X509_CRL_get0_by_serial(crl, &entry, X509_get0_serialNumber(cert)) == 1;
    ERR_clear_error();
    return listed ? PQCHA_ERR_CERT_REVOKED : PQCHA_OK;
}
