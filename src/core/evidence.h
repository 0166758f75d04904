/* evidence.h — what the hardware-evidence verifiers (snp*.c for AMD SEV-SNP,
 * tdx*.c for Intel TDX; issue 10) share: the check a verification lists,
 * and the ECDSA verification of a signature given as raw r and s.
 * Private to src/core. */
#ifndef PQCHA_CORE_EVIDENCE_H
#define PQCHA_CORE_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

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

/* 1 if cert is root — the same certificate, or one with the same public
 * key (a re-issued root keeps its key) — else 0. The one rule by which
 * both verifiers pin a chain's end: an AMD ARK, the Intel SGX Root CA. */
int pqcha__cert_matches_root(const X509 *cert, const X509 *root);

/* *valid is 1 when (r, s) — each coord_len bytes, big-endian — is key's
 * ECDSA signature over the digest (an OpenSSL name: "SHA256", "SHA384") of
 * msg, else 0. The key's curve is the caller's to check.
 * Returns: OK (whatever *valid says), INVALID_ARGUMENT, NO_MEMORY, CRYPTO. */
PQCHA_MUST_CHECK pqcha_err pqcha__ecdsa_verify_raw(int *valid, EVP_PKEY *key, const char *digest,
                                                   const uint8_t *msg, size_t len, const uint8_t *r,
                                                   const uint8_t *s, size_t coord_len);

/* What a report's verification adds to an evidence verifier's own inputs
 * (evidence_api.c): its time, the REPORT_DATA the binding requires, the
 * certificates the report carried (an SEV-SNP certificate table, used where
 * the verifier has none of its own) and the workload's requirements. */
struct pqcha__evidence_policy;
typedef struct pqcha__evidence_request {
    int64_t now;
    uint8_t report_data[64];
    const uint8_t *cert_table; /* or NULL */
    size_t cert_table_len;
    const struct pqcha__evidence_policy *policy; /* or NULL: authenticity only */
} pqcha__evidence_request;

/* pqcha_evidence_verify with v's roots, certificates and collateral and
 * req's time, REPORT_DATA, certificate table and policy.
 * Returns: as pqcha_evidence_verify. */
PQCHA_MUST_CHECK pqcha_err pqcha__evidence_verify_request(pqcha_evidence_result **out,
                                                          const pqcha_evidence_verifier *v,
                                                          const pqcha_evidence *e,
                                                          const pqcha__evidence_request *req);

#endif
