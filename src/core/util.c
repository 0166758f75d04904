/* util.c — small helpers every module uses: string copies, the clock, the
 * CSPRNG, constant-time comparison and the public hex encoder. */
#include "internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

char *pqcha__strdup(const char *s) {
    if (s == NULL) return NULL;
    return pqcha__strndup(s, strlen(s));
}

char *pqcha__strndup(const char *s, size_t n) {
    if (s == NULL) return NULL;
    /* Stop at an earlier NUL, like POSIX strndup, so we never read past it. */
    const char *nul = memchr(s, '\0', n);
    size_t len = nul ? (size_t)(nul - s) : n;
    if (len == SIZE_MAX) return NULL;
    char *copy = malloc(len + 1);
    if (copy == NULL) return NULL;
    memcpy(copy, s, len);
    copy[len] = '\0';
    return copy;
}

int64_t pqcha__now(void) {
    return (int64_t)time(NULL);
}

pqcha_err pqcha__random(uint8_t *buf, size_t n) {
    if (buf == NULL && n != 0) return PQCHA_ERR_INVALID_ARGUMENT;
    /* RAND_bytes takes an int; feed larger requests in chunks. */
    while (n > 0) {
        int chunk = n > (size_t)INT_MAX ? INT_MAX : (int)n;
        if (RAND_bytes(buf, chunk) != 1) return PQCHA_ERR_RNG;
        buf += chunk;
        n -= (size_t)chunk;
    }
    return PQCHA_OK;
}

int pqcha__ct_equal(const void *a, const void *b, size_t n) {
    if (n == 0) return 1;
    if (a == NULL || b == NULL) return 0;
    return CRYPTO_memcmp(a, b, n) == 0;
}

void pqcha_hex_encode(char *out, const uint8_t *in, size_t len) {
    static const char digits[] = "0123456789abcdef";
    if (out == NULL) return;
    for (size_t i = 0; in != NULL && i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0x0f];
    }
    out[in != NULL ? 2 * len : 0] = '\0';
}

/* Overlong forms, surrogates, code points above U+10FFFF and truncated
 * sequences are all malformed: one spelling per string. */
size_t pqcha__utf8_sequence_length(const unsigned char *s, size_t len) {
    unsigned char c = s[0];
    size_t n;
    uint32_t cp, min;
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2, cp = c & 0x1fu, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3, cp = c & 0x0fu, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4, cp = c & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (len < n) return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return n;
}
