/* evidence.h — what the hardware-evidence verifiers (snp*.c for AMD SEV-SNP,
 * tdx*.c for Intel TDX; issue 10) share: the check a verification lists,
 * and the ECDSA verification of a signature given as raw r and s.
 * Private to src/core. */
#ifndef PQCHA_CORE_EVIDENCE_H
#define PQCHA_CORE_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "pqcha.h"

/* One check of a hardware-evidence verification, as a CLI prints it. */
#define PQCHA__EVIDENCE_TEXT_MAX 160
typedef struct pqcha__evidence_check {
    const char *name; /* static, e.g. "report_signature" */
    pqcha_check_status status;
    pqcha_err err; /* OK when passed; the error it fails (or was skipped) with */
    char expected[PQCHA__EVIDENCE_TEXT_MAX];
    char found[PQCHA__EVIDENCE_TEXT_MAX];
} pqcha__evidence_check;

/* 1 if key is an EC key on the named curve (an OpenSSL group name:
 * "secp384r1", "prime256v1"), else 0. */
int pqcha__ec_key_on_curve(const EVP_PKEY *key, const char *group);

/* *valid is 1 when (r, s) — each coord_len bytes, big-endian — is key's
 * ECDSA signature over the digest (an OpenSSL name: "SHA256", "SHA384") of
 * msg, else 0. The key's curve is the caller's to check.
 * Returns: OK (whatever *valid says), INVALID_ARGUMENT, NO_MEMORY, CRYPTO. */
PQCHA_MUST_CHECK pqcha_err pqcha__ecdsa_verify_raw(int *valid, EVP_PKEY *key, const char *digest,
                                                   const uint8_t *msg, size_t len, const uint8_t *r,
                                                   const uint8_t *s, size_t coord_len);

#endif
