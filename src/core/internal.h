/* internal.h — helpers shared by every libpqcha module. Internal symbols are
 * named pqcha__* and are not exported from the shared library. */
#ifndef PQCHA_INTERNAL_H
#define PQCHA_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "pqcha.h"

/* Propagates a non-OK pqcha_err. */
#define PQCHA_TRY(expr)                                        \
    do {                                                       \
        pqcha_err pqcha_try_err_ = (expr);                     \
        if (pqcha_try_err_ != PQCHA_OK) return pqcha_try_err_; \
    } while (0)

/* strdup that returns NULL on NULL input or allocation failure. */
char *pqcha__strdup(const char *s);
char *pqcha__strndup(const char *s, size_t n);
/* Current wall-clock time in Unix seconds. */
int64_t pqcha__now(void);
/* Fills buf with n bytes from OpenSSL's CSPRNG (PQCHA_ERR_RNG on failure). */
pqcha_err pqcha__random(uint8_t *buf, size_t n);
/* Length of the well-formed UTF-8 sequence (RFC 3629: shortest form, no
 * surrogates, at most U+10FFFF) at s[0..len), or 0 if it is malformed. */
size_t pqcha__utf8_sequence_length(const unsigned char *s, size_t len);
/* The PEM passphrase callback for every read: never let OpenSSL prompt on
 * the terminal (a library must not read from the user; nothing pqcha reads
 * is encrypted). Always -1. (key.c) */
int pqcha__pem_refuse_passphrase(char *buf, int size, int rwflag, void *userdata);
/* Compares in time independent of the content (for nonces and key ids). */
int pqcha__ct_equal(const void *a, const void *b, size_t n);

#endif
