/* key.c — ML-DSA key handles: generation, PEM/DER import and export, key ids.
 * Only ML-DSA-44/65/87 keys are ever admitted (docs/FORMAT.md §2); anything
 * OpenSSL can parse but that is not ML-DSA is PQCHA_ERR_BAD_KEY. */
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/internal.h"
#include "core/key_internal.h"

struct pqcha_key {
    EVP_PKEY *pkey;
    pqcha_sig_alg alg;
    int has_private;
    /* Computed once: callers compare ids on every verification. */
    char id[PQCHA_KEY_ID_HEX_LEN + 1];
};

typedef struct sig_alg_info {
    pqcha_sig_alg alg;
    const char *name; /* both the wire name and OpenSSL's algorithm name */
    size_t signature_len;
    size_t public_key_len;
} sig_alg_info;

/* FIPS 204 Table 2. */
static const sig_alg_info sig_algs[] = {
    {PQCHA_ML_DSA_44, "ML-DSA-44", 2420, 1312},
    {PQCHA_ML_DSA_65, "ML-DSA-65", 3309, 1952},
    {PQCHA_ML_DSA_87, "ML-DSA-87", 4627, 2592},
};
#define SIG_ALG_COUNT (sizeof sig_algs / sizeof sig_algs[0])

static const sig_alg_info *sig_alg_lookup(pqcha_sig_alg alg) {
    for (size_t i = 0; i < SIG_ALG_COUNT; i++)
        if (sig_algs[i].alg == alg) return &sig_algs[i];
    return NULL;
}

pqcha_err pqcha_sig_alg_parse(pqcha_sig_alg *out, const char *name) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = (pqcha_sig_alg)0; /* on error: no algorithm (docs/API-CONVENTIONS.md) */
    if (name == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    for (size_t i = 0; i < SIG_ALG_COUNT; i++) {
        if (strcmp(name, sig_algs[i].name) == 0) {
            *out = sig_algs[i].alg;
            return PQCHA_OK;
        }
    }
    return PQCHA_ERR_UNSUPPORTED_ALGORITHM;
}

const char *pqcha_sig_alg_name(pqcha_sig_alg alg) {
    const sig_alg_info *info = sig_alg_lookup(alg);
    return info ? info->name : NULL;
}

size_t pqcha_sig_alg_signature_length(pqcha_sig_alg alg) {
    const sig_alg_info *info = sig_alg_lookup(alg);
    return info ? info->signature_len : 0;
}

size_t pqcha_sig_alg_public_key_length(pqcha_sig_alg alg) {
    const sig_alg_info *info = sig_alg_lookup(alg);
    return info ? info->public_key_len : 0;
}

EVP_PKEY *pqcha__key_evp(const pqcha_key *key) {
    return key ? key->pkey : NULL;
}

/* Which ML-DSA parameter set an OpenSSL key is, or 0 when it is not ML-DSA. */
static pqcha_sig_alg sig_alg_of(const EVP_PKEY *pkey) {
    for (size_t i = 0; i < SIG_ALG_COUNT; i++)
        if (EVP_PKEY_is_a(pkey, sig_algs[i].name)) return sig_algs[i].alg;
    return (pqcha_sig_alg)0;
}

static pqcha_err spki_der(uint8_t **out, size_t *out_len, EVP_PKEY *pkey) {
    unsigned char *der = NULL;
    int len = i2d_PUBKEY(pkey, &der);
    if (len <= 0) {
        ERR_clear_error();
        return PQCHA_ERR_CRYPTO;
    }
    /* Hand out malloc'd memory so callers release it with pqcha_free. */
    uint8_t *copy = malloc((size_t)len);
    if (copy == NULL) {
        OPENSSL_free(der);
        return PQCHA_ERR_NO_MEMORY;
    }
    memcpy(copy, der, (size_t)len);
    OPENSSL_free(der);
    *out = copy;
    *out_len = (size_t)len;
    return PQCHA_OK;
}

static pqcha_err compute_key_id(pqcha_key *key) {
    uint8_t *der = NULL;
    size_t der_len = 0;
    PQCHA_TRY(spki_der(&der, &der_len, key->pkey));
    uint8_t digest[PQCHA_SHA3_256_LEN];
    pqcha_err err = pqcha_sha3_256(digest, der, der_len);
    free(der);
    if (err != PQCHA_OK) return err;
    pqcha_hex_encode(key->id, digest, sizeof digest);
    return PQCHA_OK;
}

/* Takes ownership of pkey in every case. */
static pqcha_err key_wrap(pqcha_key **out, EVP_PKEY *pkey, int has_private) {
    pqcha_sig_alg alg = sig_alg_of(pkey);
    if (alg == 0) {
        EVP_PKEY_free(pkey);
        return PQCHA_ERR_BAD_KEY;
    }
    pqcha_key *key = calloc(1, sizeof *key);
    if (key == NULL) {
        EVP_PKEY_free(pkey);
        return PQCHA_ERR_NO_MEMORY;
    }
    key->pkey = pkey;
    key->alg = alg;
    key->has_private = has_private;
    pqcha_err err = compute_key_id(key);
    if (err != PQCHA_OK) {
        pqcha_key_free(key);
        return err;
    }
    *out = key;
    return PQCHA_OK;
}

pqcha_err pqcha_key_generate(pqcha_key **out, pqcha_sig_alg alg) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    const sig_alg_info *info = sig_alg_lookup(alg);
    if (info == NULL) return PQCHA_ERR_UNSUPPORTED_ALGORITHM;

    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, info->name, NULL);
    EVP_PKEY *pkey = NULL;
    int ok = ctx != NULL && EVP_PKEY_keygen_init(ctx) == 1 && EVP_PKEY_generate(ctx, &pkey) == 1;
    EVP_PKEY_CTX_free(ctx);
    if (!ok) {
        EVP_PKEY_free(pkey);
        ERR_clear_error();
        return PQCHA_ERR_CRYPTO;
    }
    return key_wrap(out, pkey, 1);
}

int pqcha__pem_refuse_passphrase(char *buf, int size, int rwflag, void *userdata) {
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)userdata;
    return -1;
}

typedef enum pem_kind { PEM_KIND_OTHER, PEM_KIND_PRIVATE, PEM_KIND_PUBLIC } pem_kind;

/* The label of the first PEM block, read without decoding the key. Only the
 * two RFC 7468 labels are admitted: legacy "RSA PRIVATE KEY", "EC PRIVATE
 * KEY" or "ENCRYPTED PRIVATE KEY" blocks are rejected before OpenSSL's
 * generic readers (which would accept them) see the data. */
static int another_pem_block(BIO *bio) {
    char *rest = NULL;
    long n = BIO_get_mem_data(bio, &rest);
    static const char begin[] = "-----BEGIN";
    for (long i = 0; rest != NULL && i + (long)sizeof begin - 1 <= n; i++)
        if (memcmp(rest + i, begin, sizeof begin - 1) == 0) return 1;
    return 0;
}

static pem_kind first_pem_kind(const char *pem, size_t len) {
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    if (bio == NULL) return PEM_KIND_OTHER;
    char *name = NULL, *header = NULL;
    unsigned char *data = NULL;
    long data_len = 0;
    pem_kind kind = PEM_KIND_OTHER;
    if (PEM_read_bio(bio, &name, &header, &data, &data_len) == 1) {
        /* RFC 7468 blocks carry no "Proc-Type"/"DEK-Info" headers. */
        int plain = header == NULL || header[0] == '\0';
        if (plain && strcmp(name, "PRIVATE KEY") == 0)
            kind = PEM_KIND_PRIVATE;
        else if (plain && strcmp(name, "PUBLIC KEY") == 0)
            kind = PEM_KIND_PUBLIC;
        /* A second key in the same text would be silently ignored: refused,
         * so that "trust this file" never trusts less than it holds. */
        if (another_pem_block(bio)) kind = PEM_KIND_OTHER;
    }
    /* data may be a private key's DER. */
    if (data != NULL && data_len > 0) OPENSSL_cleanse(data, (size_t)data_len);
    OPENSSL_free(data);
    OPENSSL_free(header);
    OPENSSL_free(name);
    BIO_free(bio);
    return kind;
}

static EVP_PKEY *read_pem_key(const char *pem, size_t len, pem_kind kind) {
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    if (bio == NULL) return NULL;
    EVP_PKEY *pkey = kind == PEM_KIND_PRIVATE
                         ? PEM_read_bio_PrivateKey(bio, NULL, pqcha__pem_refuse_passphrase, NULL)
                         : PEM_read_bio_PUBKEY(bio, NULL, pqcha__pem_refuse_passphrase, NULL);
    BIO_free(bio);
    return pkey;
}

pqcha_err pqcha_key_from_pem(pqcha_key **out, const char *pem, size_t len) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (pem == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    if (len > PQCHA_MAX_PEM_LEN) return PQCHA_ERR_TOO_LARGE;

    pem_kind kind = first_pem_kind(pem, len);
    EVP_PKEY *pkey = kind == PEM_KIND_OTHER ? NULL : read_pem_key(pem, len, kind);
    ERR_clear_error(); /* PEM readers queue "no start line" etc. even on paths we expect */
    if (pkey == NULL) return PQCHA_ERR_BAD_KEY;
    return key_wrap(out, pkey, kind == PEM_KIND_PRIVATE);
}

pqcha_err pqcha_key_public_copy(pqcha_key **out, const pqcha_key *key) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (key == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    uint8_t *der = NULL;
    size_t der_len = 0;
    PQCHA_TRY(spki_der(&der, &der_len, key->pkey));
    const unsigned char *p = der;
    EVP_PKEY *pub = d2i_PUBKEY(NULL, &p, (long)der_len);
    free(der);
    if (pub == NULL) {
        ERR_clear_error();
        return PQCHA_ERR_CRYPTO;
    }
    return key_wrap(out, pub, 0);
}

/* Copies a memory BIO's contents into a fresh malloc'd NUL-terminated string. */
static pqcha_err bio_to_string(char **out, size_t *out_len, BIO *bio) {
    char *data = NULL;
    long len = BIO_get_mem_data(bio, &data);
    if (len <= 0 || data == NULL) return PQCHA_ERR_CRYPTO;
    char *copy = malloc((size_t)len + 1);
    if (copy == NULL) return PQCHA_ERR_NO_MEMORY;
    memcpy(copy, data, (size_t)len);
    copy[len] = '\0';
    *out = copy;
    *out_len = (size_t)len;
    return PQCHA_OK;
}

pqcha_err pqcha_key_private_pem(char **out, size_t *out_len, const pqcha_key *key) {
    if (out == NULL || out_len == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    *out_len = 0;
    if (key == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    if (!key->has_private) return PQCHA_ERR_NOT_PRIVATE_KEY;
    /* A secure-memory BIO clears its buffer (and every buffer it outgrew) on free. */
    BIO *bio = BIO_new(BIO_s_secmem());
    if (bio == NULL) {
        ERR_clear_error();
        return PQCHA_ERR_NO_MEMORY;
    }
    pqcha_err err = PQCHA_ERR_CRYPTO;
    if (PEM_write_bio_PrivateKey(bio, key->pkey, NULL, NULL, 0, NULL, NULL) == 1)
        err = bio_to_string(out, out_len, bio);
    BIO_free(bio);
    if (err != PQCHA_OK) ERR_clear_error();
    return err;
}

pqcha_err pqcha_key_public_pem(char **out, size_t *out_len, const pqcha_key *key) {
    if (out == NULL || out_len == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    *out_len = 0;
    if (key == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL) {
        ERR_clear_error();
        return PQCHA_ERR_NO_MEMORY;
    }
    pqcha_err err = PQCHA_ERR_CRYPTO;
    if (PEM_write_bio_PUBKEY(bio, key->pkey) == 1) err = bio_to_string(out, out_len, bio);
    BIO_free(bio);
    if (err != PQCHA_OK) ERR_clear_error();
    return err;
}

pqcha_err pqcha_key_public_der(uint8_t **out, size_t *out_len, const pqcha_key *key) {
    if (out == NULL || out_len == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    *out_len = 0;
    if (key == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    return spki_der(out, out_len, key->pkey);
}

pqcha_err pqcha_key_public_raw(uint8_t **out, size_t *out_len, const pqcha_key *key) {
    if (out == NULL || out_len == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    *out_len = 0;
    if (key == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    size_t expected = pqcha_sig_alg_public_key_length(key->alg);
    uint8_t *raw = malloc(expected);
    if (raw == NULL) return PQCHA_ERR_NO_MEMORY;
    size_t got = 0;
    if (EVP_PKEY_get_octet_string_param(key->pkey, OSSL_PKEY_PARAM_PUB_KEY, raw, expected, &got) !=
            1 ||
        got != expected) {
        ERR_clear_error();
        free(raw);
        return PQCHA_ERR_CRYPTO;
    }
    *out = raw;
    *out_len = got;
    return PQCHA_OK;
}

int pqcha_key_has_private(const pqcha_key *key) {
    return key != NULL && key->has_private;
}

pqcha_sig_alg pqcha_key_algorithm(const pqcha_key *key) {
    return key ? key->alg : (pqcha_sig_alg)0;
}

const char *pqcha_key_id(const pqcha_key *key) {
    return key ? key->id : NULL;
}

void pqcha_key_free(pqcha_key *key) {
    if (key == NULL) return;
    EVP_PKEY_free(key->pkey); /* OpenSSL's ML-DSA key free cleanses the private key */
    free(key);
}
