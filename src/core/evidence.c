/* evidence.c — helpers the SEV-SNP and TDX verifiers share (evidence.h). */
#include "core/evidence.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>

int pqcha__ec_key_on_curve(const EVP_PKEY *key, const char *group) {
    char name[32];
    size_t name_len = 0;
    int on = key != NULL && group != NULL && EVP_PKEY_is_a(key, "EC") &&
             EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name,
                                            &name_len) == 1 &&
             strcmp(name, group) == 0;
    ERR_clear_error();
    return on;
}

/* (r, s) as the DER ECDSA-Sig-Value OpenSSL verifies. */
static pqcha_err der_signature(unsigned char **der, int *der_len, const uint8_t *r,
                               const uint8_t *s, size_t coord_len) {
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *bn_r = BN_bin2bn(r, (int)coord_len, NULL);
    BIGNUM *bn_s = BN_bin2bn(s, (int)coord_len, NULL);
    if (sig == NULL || bn_r == NULL || bn_s == NULL || ECDSA_SIG_set0(sig, bn_r, bn_s) != 1) {
        ECDSA_SIG_free(sig);
        BN_free(bn_r);
        BN_free(bn_s);
        return PQCHA_ERR_NO_MEMORY;
    }
    *der_len = i2d_ECDSA_SIG(sig, der);
    ECDSA_SIG_free(sig);
    if (*der_len <= 0) {
        *der = NULL;
        return PQCHA_ERR_CRYPTO;
    }
    return PQCHA_OK;
}

pqcha_err pqcha__ecdsa_verify_raw(int *valid, EVP_PKEY *key, const char *digest, const uint8_t *msg,
                                  size_t len, const uint8_t *r, const uint8_t *s,
                                  size_t coord_len) {
    if (valid == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *valid = 0;
    if (key == NULL || digest == NULL || (msg == NULL && len != 0) || r == NULL || s == NULL ||
        coord_len == 0 || coord_len > 66)
        return PQCHA_ERR_INVALID_ARGUMENT;
    unsigned char *der = NULL;
    int der_len = 0;
    pqcha_err err = der_signature(&der, &der_len, r, s, coord_len);
    EVP_MD_CTX *ctx = err == PQCHA_OK ? EVP_MD_CTX_new() : NULL;
    if (err == PQCHA_OK && ctx == NULL) err = PQCHA_ERR_NO_MEMORY;
    if (err == PQCHA_OK && EVP_DigestVerifyInit_ex(ctx, NULL, digest, NULL, NULL, key, NULL) != 1)
        err = PQCHA_ERR_CRYPTO;
    if (err == PQCHA_OK) *valid = EVP_DigestVerify(ctx, der, (size_t)der_len, msg, len) == 1;
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
    ERR_clear_error();
    return err;
}

int pqcha__cert_matches_root(const X509 *cert, const X509 *root) {
    if (cert == NULL || root == NULL) return 0;
    if (X509_cmp(cert, root) == 0) return 1;
    const EVP_PKEY *key = X509_get0_pubkey(cert);
    int eq = key != NULL && EVP_PKEY_eq(key, X509_get0_pubkey(root)) == 1;
    ERR_clear_error();
    return eq;
}
