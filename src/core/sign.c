/* sign.c — pure ML-DSA (FIPS 204 Algorithm 2/3) with an empty context string.
 * OpenSSL's default for ML-DSA through EVP_DigestSign with a NULL digest is
 * exactly that: pure (not HashML-DSA), ctx = "", hedged randomness. */
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "core/internal.h"
#include "core/key_internal.h"

/* OpenSSL wants a non-NULL pointer even for an empty message. */
static const uint8_t empty_message[1];

static const uint8_t *message_or_empty(const uint8_t *msg) {
    return msg != NULL ? msg : empty_message;
}

pqcha_err pqcha_sign(uint8_t **sig, size_t *sig_len, const pqcha_key *key, const uint8_t *msg,
                     size_t msg_len) {
    if (sig == NULL || sig_len == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *sig = NULL;
    *sig_len = 0;
    if (key == NULL || (msg == NULL && msg_len > 0)) return PQCHA_ERR_INVALID_ARGUMENT;
    if (!pqcha_key_has_private(key)) return PQCHA_ERR_NOT_PRIVATE_KEY;
    size_t expected = pqcha_sig_alg_signature_length(pqcha_key_algorithm(key));
    if (expected == 0) return PQCHA_ERR_INTERNAL;

    uint8_t *buf = malloc(expected);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (buf == NULL || ctx == NULL) {
        free(buf);
        EVP_MD_CTX_free(ctx);
        return PQCHA_ERR_NO_MEMORY;
    }
    size_t written = expected;
    pqcha_err err = PQCHA_OK;
    if (EVP_DigestSignInit_ex(ctx, NULL, NULL, NULL, NULL, pqcha__key_evp(key), NULL) != 1 ||
        EVP_DigestSign(ctx, buf, &written, message_or_empty(msg), msg_len) != 1 ||
        written != expected)
        err = PQCHA_ERR_CRYPTO;
    EVP_MD_CTX_free(ctx);
    if (err != PQCHA_OK) {
        ERR_clear_error();
        free(buf);
        return err;
    }
    *sig = buf;
    *sig_len = written;
    return PQCHA_OK;
}

pqcha_err pqcha_verify_signature(const pqcha_key *key, const uint8_t *msg, size_t msg_len,
                                 const uint8_t *sig, size_t sig_len) {
    if (key == NULL || (msg == NULL && msg_len > 0) || (sig == NULL && sig_len > 0))
        return PQCHA_ERR_INVALID_ARGUMENT;
    if (sig_len != pqcha_sig_alg_signature_length(pqcha_key_algorithm(key)))
        return PQCHA_ERR_BAD_SIGNATURE_LENGTH;

    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL) return PQCHA_ERR_NO_MEMORY;
    pqcha_err err;
    if (EVP_DigestVerifyInit_ex(ctx, NULL, NULL, NULL, NULL, pqcha__key_evp(key), NULL) != 1)
        err = PQCHA_ERR_CRYPTO;
    /* Once set up, any result but 1 means the signature does not verify
     * (OpenSSL reports undecodable signatures as errors, not as 0). */
    else if (EVP_DigestVerify(ctx, sig, sig_len, message_or_empty(msg), msg_len) != 1)
        err = PQCHA_ERR_BAD_SIGNATURE;
    else
        err = PQCHA_OK;
    EVP_MD_CTX_free(ctx);
    if (err != PQCHA_OK) ERR_clear_error();
    return err;
}
