/* key_internal.h — what sign.c needs to see of a pqcha_key (key.c owns the struct). */
#ifndef PQCHA_KEY_INTERNAL_H
#define PQCHA_KEY_INTERNAL_H

#include <openssl/evp.h>

#include "pqcha/crypto.h"

/* The OpenSSL key behind a handle; owned by the handle, never NULL for a valid key. */
EVP_PKEY *pqcha__key_evp(const pqcha_key *key);

#endif
