/* tdx_synth.h — what the TDX unit tests (test_tdx.c, test_tdx_collateral.c)
 * share: the real test data on disk (../shared/testdata/hw, or
 * $PQCHA_HW_TESTDATA), and a throw-away P-256 PKI (root, PCK CA, PCK with
 * SGX extensions, TCB signing certificate, attestation key) that signs
 * synthetic quotes. Functions are static inline: each test uses some. */
#ifndef PQCHA_TEST_TDX_SYNTH_H
#define PQCHA_TEST_TDX_SYNTH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/tdx.h"
#include "testutil.h"

/* 2025-01-01T00:00:00Z, inside the synthetic chain's validity. */
#define SYNTH_NOW     1735689600
#define SYNTH_LEAF_NB 1704067200 /* 2024-01-01 */
#define SYNTH_LEAF_NA 1893456000 /* 2030-01-01 */
#define SYNTH_ROOT_NB 1577836800 /* 2020-01-01 */
#define SYNTH_ROOT_NA 2208988800 /* 2040-01-01 */

/* ---- test data on disk ---- */

static char hw_dir[4096];

/* ../shared/testdata/hw next to the source tree (derived from this file's
 * path), or $PQCHA_HW_TESTDATA. NULL, after a visible "skip:", if absent. */
static inline const char *hw_testdata(void) {
    if (hw_dir[0]) return hw_dir;
    const char *env = getenv("PQCHA_HW_TESTDATA");
    if (env && *env) {
        snprintf(hw_dir, sizeof hw_dir, "%s", env);
    } else {
        const char *self = __FILE__, *tail = strstr(self, "tests/unit/tdx_synth.h");
        int prefix = tail ? (int)(tail - self) : 0;
        snprintf(hw_dir, sizeof hw_dir, "%.*s../shared/testdata/hw", prefix, self);
    }
    char probe[4200];
    snprintf(probe, sizeof probe, "%s/roots/intel_sgx_root_ca.pem", hw_dir);
    FILE *f = fopen(probe, "rb");
    if (f == NULL) {
        printf("skip: %s is absent: the real TDX quotes are not tested\n", hw_dir);
        hw_dir[0] = '\0';
        return NULL;
    }
    fclose(f);
    return hw_dir;
}

static inline uint8_t *read_hw(const char *rel, size_t *len) {
    char path[4700];
    snprintf(path, sizeof path, "%s/%s", hw_dir, rel);
    uint8_t *b = (uint8_t *)testutil_read_file(path, len);
    if (b == NULL) fprintf(stderr, "  cannot read %s\n", path);
    return b;
}

static inline const pqcha__evidence_check *find_check(const pqcha__tdx_result *res,
                                                      const char *name) {
    for (size_t i = 0; i < res->check_count; i++)
        if (strcmp(res->checks[i].name, name) == 0) return &res->checks[i];
    return NULL;
}

/* ---- a throw-away P-256 PKI and synthetic quotes ---- */

/* The platform a synthetic PCK certificate describes (its SGX extensions,
 * OID 1.2.840.113741.1.13.1). */
typedef struct sgx_tcb {
    uint8_t fmspc[6];
    uint8_t pce_id[2];
    uint8_t comp[16]; /* SGX TCB components, also the CPUSVN */
    unsigned pce_svn;
} sgx_tcb;

static const sgx_tcb default_sgx_tcb = {{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc},
                                        {0x00, 0x00},
                                        {3, 3, 2, 2, 4, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0},
                                        11};

/* Root, PCK CA, PCK (with default_sgx_tcb) and attestation key, and a TCB
 * signing certificate under the root for collateral. */
typedef struct pki {
    EVP_PKEY *root_key, *ca_key, *pck_key, *att_key, *tcb_key;
    X509 *root, *ca, *pck, *tcb;
} pki;

/* ---- DER, enough to write SGX extensions ---- */

typedef struct der_buf {
    uint8_t data[2048];
    size_t len;
} der_buf;

/* Appends tag, length and content; lengths up to 65535. */
static inline void der_put(der_buf *d, uint8_t tag, const uint8_t *content, size_t n) {
    d->data[d->len++] = tag;
    if (n < 128) {
        d->data[d->len++] = (uint8_t)n;
    } else if (n < 256) {
        d->data[d->len++] = 0x81;
        d->data[d->len++] = (uint8_t)n;
    } else {
        d->data[d->len++] = 0x82;
        d->data[d->len++] = (uint8_t)(n >> 8);
        d->data[d->len++] = (uint8_t)n;
    }
    memcpy(d->data + d->len, content, n);
    d->len += n;
}

/* OID 1.2.840.113741.1.13.1 with arcs a (and b when not 0) appended. */
static inline void der_sgx_oid(der_buf *d, uint8_t a, uint8_t b) {
    uint8_t oid[11] = {0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01, a, b};
    der_put(d, 0x06, oid, b ? 11 : 10);
}

/* An INTEGER (or ENUMERATED) 0..65535 in its shortest two's complement. */
static inline void der_uint(der_buf *d, uint8_t tag, unsigned v) {
    uint8_t b[3] = {0, (uint8_t)(v >> 8), (uint8_t)v};
    if (v < 0x80)
        der_put(d, tag, b + 2, 1);
    else if (v < 0x100)
        der_put(d, tag, (const uint8_t[]){0, (uint8_t)v}, 2);
    else if (v < 0x8000)
        der_put(d, tag, b + 1, 2);
    else
        der_put(d, tag, b, 3);
}

/* SEQUENCE { OID, value } with the value already DER in v. */
static inline void der_pair(der_buf *out, uint8_t a, uint8_t b, const der_buf *v) {
    der_buf pair = {.len = 0};
    der_sgx_oid(&pair, a, b);
    memcpy(pair.data + pair.len, v->data, v->len);
    pair.len += v->len;
    der_put(out, 0x30, pair.data, pair.len);
}

/* The SGX extensions' value as Intel writes it: PPID, TCB (16 component
 * SVNs, PCESVN, CPUSVN), PCE-ID, FMSPC (fmspc_len of its bytes), SGX type;
 * the pair of arc `omit` left out, that of arc `repeat` written twice (0:
 * none). */
static inline void sgx_ext_der_with(der_buf *out, const sgx_tcb *t, size_t fmspc_len, int omit,
                                    int repeat) {
    der_buf items = {.len = 0}, tcb = {.len = 0}, v[6], seq = {.len = 0};
    static const uint8_t ppid[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    memset(v, 0, sizeof v);
    der_put(&v[1], 0x04, ppid, sizeof ppid);
    for (uint8_t i = 1; i <= 16; i++) {
        seq.len = 0;
        der_uint(&seq, 0x02, t->comp[i - 1]);
        der_pair(&tcb, 2, i, &seq);
    }
    seq.len = 0;
    der_uint(&seq, 0x02, t->pce_svn);
    der_pair(&tcb, 2, 17, &seq);
    seq.len = 0;
    der_put(&seq, 0x04, t->comp, 16);
    der_pair(&tcb, 2, 18, &seq);
    der_put(&v[2], 0x30, tcb.data, tcb.len);
    der_put(&v[3], 0x04, t->pce_id, 2);
    der_put(&v[4], 0x04, t->fmspc, fmspc_len);
    der_uint(&v[5], 0x0a, 0);
    for (int arc = 1; arc <= 5; arc++) {
        if (arc == omit) continue;
        der_pair(&items, (uint8_t)arc, 0, &v[arc]);
        if (arc == repeat) der_pair(&items, (uint8_t)arc, 0, &v[arc]);
    }
    out->len = 0;
    der_put(out, 0x30, items.data, items.len);
}

static inline void sgx_ext_der(der_buf *out, const sgx_tcb *t) {
    sgx_ext_der_with(out, t, 6, 0, 0);
}

static inline void add_ext(X509 *cert, X509 *issuer, int nid, const char *value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (ext == NULL || X509_add_ext(cert, ext, -1) != 1) CHECK_FAILED("X509 extension");
    X509_EXTENSION_free(ext);
}

/* A certificate; with sgx_ext (n bytes of DER), the SGX extensions too. */
static inline X509 *make_cert_ext(const char *cn, long serial, EVP_PKEY *key, X509 *issuer,
                                  EVP_PKEY *issuer_key, int ca, int64_t not_before,
                                  int64_t not_after, const uint8_t *sgx_ext, size_t n) {
    X509 *cert = X509_new();
    X509_NAME *name = X509_NAME_new();
    if (cert == NULL || name == NULL) return NULL;
    X509_set_version(cert, X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"pqcha test", -1, -1,
                               0);
    X509_set_subject_name(cert, name);
    X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name);
    ASN1_TIME_set(X509_getm_notBefore(cert), (time_t)not_before);
    ASN1_TIME_set(X509_getm_notAfter(cert), (time_t)not_after);
    X509_set_pubkey(cert, key);
    X509 *signer = issuer ? issuer : cert;
    add_ext(cert, signer, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    add_ext(cert, signer, NID_key_usage,
            ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
    add_ext(cert, signer, NID_subject_key_identifier, "hash");
    add_ext(cert, signer, NID_authority_key_identifier, "keyid:always");
    if (sgx_ext != NULL) {
        ASN1_OBJECT *oid = OBJ_txt2obj("1.2.840.113741.1.13.1", 1);
        ASN1_OCTET_STRING *value = ASN1_OCTET_STRING_new();
        X509_EXTENSION *ext = NULL;
        if (oid == NULL || value == NULL || ASN1_OCTET_STRING_set(value, sgx_ext, (int)n) != 1 ||
            (ext = X509_EXTENSION_create_by_OBJ(NULL, oid, 0, value)) == NULL ||
            X509_add_ext(cert, ext, -1) != 1)
            CHECK_FAILED("SGX extension");
        X509_EXTENSION_free(ext);
        ASN1_OCTET_STRING_free(value);
        ASN1_OBJECT_free(oid);
    }
    if (X509_sign(cert, issuer_key, EVP_sha256()) <= 0) CHECK_FAILED("X509_sign");
    X509_NAME_free(name);
    return cert;
}

static inline X509 *make_cert(const char *cn, long serial, EVP_PKEY *key, X509 *issuer,
                              EVP_PKEY *issuer_key, int ca, int64_t not_before, int64_t not_after) {
    return make_cert_ext(cn, serial, key, issuer, issuer_key, ca, not_before, not_after, NULL, 0);
}

#define SYNTH_PCK_SERIAL 3
#define SYNTH_TCB_SERIAL 4

/* A new PCK certificate (same key, same serial) with these SGX extensions
 * (n bytes of DER; NULL: none), valid from not_before to not_after. */
static inline int pki_reissue_pck_between(pki *p, const uint8_t *sgx_ext, size_t n,
                                          int64_t not_before, int64_t not_after) {
    X509_free(p->pck);
    p->pck = make_cert_ext("Test SGX PCK Certificate", SYNTH_PCK_SERIAL, p->pck_key, p->ca,
                           p->ca_key, 0, not_before, not_after, sgx_ext, n);
    return p->pck != NULL;
}

static inline int pki_reissue_pck(pki *p, const uint8_t *sgx_ext, size_t n) {
    return pki_reissue_pck_between(p, sgx_ext, n, SYNTH_LEAF_NB, SYNTH_LEAF_NA);
}

static inline int pki_set_tcb(pki *p, const sgx_tcb *t) {
    der_buf ext;
    sgx_ext_der(&ext, t);
    return pki_reissue_pck(p, ext.data, ext.len);
}

/* The PCK certificate valid around now (from a day before to a year after):
 * for tests that run on the real clock, such as pqcha serve's. */
static inline int pki_renew_pck_around(pki *p, int64_t now) {
    der_buf ext;
    sgx_ext_der(&ext, &default_sgx_tcb);
    return pki_reissue_pck_between(p, ext.data, ext.len, now - 86400, now + 365 * 86400);
}

static inline int pki_make(pki *p) {
    memset(p, 0, sizeof *p);
    p->root_key = EVP_EC_gen("P-256");
    p->ca_key = EVP_EC_gen("P-256");
    p->pck_key = EVP_EC_gen("P-256");
    p->att_key = EVP_EC_gen("P-256");
    p->tcb_key = EVP_EC_gen("P-256");
    if (!p->root_key || !p->ca_key || !p->pck_key || !p->att_key || !p->tcb_key) return 0;
    p->root = make_cert("Test SGX Root CA", 1, p->root_key, NULL, p->root_key, 1, SYNTH_ROOT_NB,
                        SYNTH_ROOT_NA);
    p->ca = make_cert("Test SGX PCK Platform CA", 2, p->ca_key, p->root, p->root_key, 1,
                      SYNTH_ROOT_NB, SYNTH_ROOT_NA);
    p->tcb = make_cert("Test SGX TCB Signing", SYNTH_TCB_SERIAL, p->tcb_key, p->root, p->root_key,
                       0, SYNTH_ROOT_NB, SYNTH_ROOT_NA);
    return p->root && p->ca && p->tcb && pki_set_tcb(p, &default_sgx_tcb);
}

static inline void pki_free(pki *p) {
    X509_free(p->root);
    X509_free(p->ca);
    X509_free(p->pck);
    X509_free(p->tcb);
    EVP_PKEY_free(p->root_key);
    EVP_PKEY_free(p->ca_key);
    EVP_PKEY_free(p->pck_key);
    EVP_PKEY_free(p->att_key);
    EVP_PKEY_free(p->tcb_key);
}

/* PEM of the certificates, concatenated, malloc'd. */
static inline uint8_t *certs_pem(X509 *const *certs, size_t n, size_t *len) {
    BIO *bio = BIO_new(BIO_s_mem());
    for (size_t i = 0; i < n; i++)
        PEM_write_bio_X509(bio, certs[i]);
    char *data = NULL;
    long got = BIO_get_mem_data(bio, &data);
    uint8_t *out = malloc((size_t)got + 1);
    memcpy(out, data, (size_t)got);
    *len = (size_t)got;
    BIO_free(bio);
    return out;
}

static inline int sign_rs(uint8_t rs[64], EVP_PKEY *key, const uint8_t *msg, size_t len) {
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    uint8_t der[80];
    size_t der_len = sizeof der;
    int ok = EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
             EVP_DigestSign(md, der, &der_len, msg, len) == 1;
    EVP_MD_CTX_free(md);
    const unsigned char *p = der;
    ECDSA_SIG *sig = ok ? d2i_ECDSA_SIG(NULL, &p, (long)der_len) : NULL;
    ok = sig != NULL && BN_bn2binpad(ECDSA_SIG_get0_r(sig), rs, 32) == 32 &&
         BN_bn2binpad(ECDSA_SIG_get0_s(sig), rs + 32, 32) == 32;
    ECDSA_SIG_free(sig);
    return ok;
}

typedef struct buf {
    uint8_t data[16384];
    size_t len;
} buf;

static inline void put(buf *b, const void *p, size_t n) {
    memcpy(b->data + b->len, p, n);
    b->len += n;
}
static inline void put_u16(buf *b, unsigned v) {
    uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    put(b, x, 2);
}
static inline void put_u32(buf *b, size_t v) {
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(b, x, 4);
}
static inline void set_u32(uint8_t *p, size_t v) {
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

typedef struct synth_opts {
    uint16_t version;   /* 4 or 5 */
    uint16_t body_type; /* v5: 2 or 3 */
    int debug;
    int bad_binding;  /* QE report data not SHA-256(attestation key || auth data) */
    int binding_tail; /* QE report data right, but not zero after the digest */
    int bad_point;    /* an attestation key that is no P-256 point (bound all the same) */
    size_t chain_len; /* certificates in the quote: 1 (PCK), 2 (+CA), 3 (+root) */
    uint8_t report_data_byte;
    EVP_PKEY *quote_signer, *qe_signer; /* NULL: the attestation key, the PCK key */
    /* Called, when set, on the TD report body before it is signed and on
     * the QE report before its binding is written and it is signed. */
    void (*edit_body)(uint8_t *body, const void *ctx);
    void (*edit_qe)(uint8_t *qe_report, const void *ctx);
    const void *edit_ctx;
} synth_opts;

static const synth_opts default_synth = {4, 2, 0, 0, 0, 0, 3, 0x5a, NULL, NULL, NULL, NULL, NULL};

/* A quote signed by p's keys, followed by `padding` zero bytes. */
static inline uint8_t *synth_quote(const pki *p, const synth_opts *o, size_t padding, size_t *len) {
    static buf q, pem;
    q.len = 0;
    pem.len = 0;
    static const uint8_t vendor[16] = {0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
                                       0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07};
    uint8_t zero[64] = {0};
    put_u16(&q, o->version);
    put_u16(&q, 2);
    put_u32(&q, 0x81);
    put(&q, zero, 4);
    put(&q, vendor, sizeof vendor);
    put(&q, zero, 20);
    size_t body_len = o->body_type == 3 ? 648 : 584;
    if (o->version == 5) {
        put_u16(&q, o->body_type);
        put_u32(&q, body_len);
    }
    size_t body = q.len;
    for (size_t i = 0; i < body_len; i++)
        q.data[body + i] = (uint8_t)(i * 7 + 1);
    q.data[body + 120] = (uint8_t)(o->debug ? 1 : 0); /* td_attributes byte 0 */
    memset(q.data + body + 520, o->report_data_byte, 64);
    if (o->edit_body) o->edit_body(q.data + body, o->edit_ctx);
    q.len += body_len;
    size_t signed_len = q.len;

    uint8_t rs[64], att_xy[65], qe[384];
    size_t xy_len = 0;
    EVP_PKEY_get_octet_string_param(p->att_key, "pub", att_xy, sizeof att_xy, &xy_len);
    CHECK(xy_len == 65);
    CHECK(sign_rs(rs, o->quote_signer ? o->quote_signer : p->att_key, q.data, signed_len));
    if (o->bad_point) memset(att_xy + 1, 0, 64);

    uint8_t auth[32];
    for (size_t i = 0; i < sizeof auth; i++)
        auth[i] = (uint8_t)i;
    for (size_t i = 0; i < sizeof qe; i++)
        qe[i] = (uint8_t)(i * 3);
    if (o->edit_qe) o->edit_qe(qe, o->edit_ctx);
    uint8_t digest[32];
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    EVP_DigestUpdate(md, att_xy + 1, 64);
    EVP_DigestUpdate(md, auth, sizeof auth);
    EVP_DigestFinal_ex(md, digest, NULL);
    EVP_MD_CTX_free(md);
    if (o->bad_binding) digest[0] ^= 1;
    memcpy(qe + 320, digest, 32);
    memset(qe + 352, 0, 32);
    if (o->binding_tail) qe[383] = 1;
    uint8_t qe_sig[64];
    CHECK(sign_rs(qe_sig, o->qe_signer ? o->qe_signer : p->pck_key, qe, sizeof qe));

    X509 *chain[3] = {p->pck, p->ca, p->root};
    size_t chain_text_len = 0;
    uint8_t *chain_text = certs_pem(chain, o->chain_len, &chain_text_len);
    put(&pem, chain_text, chain_text_len);
    free(chain_text);
    put(&pem, zero, 1); /* the NUL real quote generators append */

    size_t inner = 6 + pem.len;
    size_t outer = 384 + 64 + 2 + sizeof auth + inner;
    put_u32(&q, 64 + 64 + 6 + outer);
    put(&q, rs, 64);
    put(&q, att_xy + 1, 64);
    put_u16(&q, 6);
    put_u32(&q, outer);
    put(&q, qe, sizeof qe);
    put(&q, qe_sig, 64);
    put_u16(&q, sizeof auth);
    put(&q, auth, sizeof auth);
    put_u16(&q, 5);
    put_u32(&q, pem.len);
    put(&q, pem.data, pem.len);
    memset(q.data + q.len, 0, padding);
    q.len += padding;
    uint8_t *out = malloc(q.len);
    memcpy(out, q.data, q.len);
    *len = q.len;
    return out;
}

static inline uint8_t *root_pem(X509 *root, size_t *len) {
    return certs_pem(&root, 1, len);
}
#endif
