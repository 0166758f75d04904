/* mem.c — releasing memory handed out by libpqcha, and wiping secrets. */
#include <stdlib.h>

#include <openssl/crypto.h>

#include "core/internal.h"

void pqcha_free(void *p) {
    free(p);
}

/* OPENSSL_cleanse is written so the compiler cannot drop it as a dead store. */
void pqcha_wipe(void *p, size_t len) {
    if (p != NULL && len > 0) OPENSSL_cleanse(p, len);
}

void pqcha_free_secret(void *p, size_t len) {
    if (p == NULL) return;
    pqcha_wipe(p, len);
    free(p);
}
