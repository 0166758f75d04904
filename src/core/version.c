/* version.c — the library's version and the crypto library underneath. */
#include <openssl/crypto.h>

#include "core/internal.h"

const char *pqcha_version(void) {
    return PQCHA_VERSION_STRING;
}

/* Reported so bug reports name the exact OpenSSL, which matters for ML-DSA
 * (only 3.5 and later implement FIPS 204). */
const char *pqcha_crypto_version(void) {
    return OpenSSL_version(OPENSSL_VERSION);
}
