/* pqcha/evidence.h — hardware evidence (issue 10): AMD SEV-SNP attestation
 * reports and Intel TDX quotes, parsed for display and verified offline
 * against pinned vendor roots at a given time.
 *
 * What a verification covers today: the evidence's signature chain (SEV-SNP:
 * ARK pinned, ASK or ASVK, VCEK or VLEK, an optional CRL, the certificate
 * matching the report, the report's signature; TDX: the quote's PCK chain to
 * a pinned root, the QE report and its binding, the quote's signature) and,
 * if asked, the REPORT_DATA. No measurement policy is applied yet, and TDX
 * collateral (TCB info, QE identity, CRLs) is not appraised: a VALID result
 * means "genuine hardware evidence", not "the expected workload".
 *
 * Thread safety: a pqcha_evidence and a pqcha_evidence_result never change
 * once made, so any number of threads may read one at once. A
 * pqcha_evidence_verifier: the setters from one thread with no
 * pqcha_evidence_verify running; pqcha_evidence_verify only reads it, so
 * several threads may verify with one verifier at once. */
#ifndef PQCHA_EVIDENCE_H
#define PQCHA_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>

#include "pqcha/error.h"
#include "pqcha/verify.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The largest evidence accepted (a TDX quote is about 5 KB, often padded to
 * a fixed buffer; an SEV-SNP report 1184 bytes). */
#define PQCHA_MAX_EVIDENCE_LEN (1024u * 1024u)
/* REPORT_DATA: 64 bytes on both platforms. */
#define PQCHA_EVIDENCE_REPORT_DATA_LEN 64u

/* ---- evidence ---- */
typedef struct pqcha_evidence pqcha_evidence;

/* Parses evidence, the platform told by the bytes: a bare 1184-byte SEV-SNP
 * ATTESTATION_REPORT, an SEV-SNP report wrapped in an Azure HCL report or a
 * /dev/sev-guest MSG_REPORT_RSP, or an Intel TDX quote version 4 or 5
 * (padding after the quote is allowed). The bytes are copied. Nothing is
 * verified.
 * Returns: OK, INVALID_ARGUMENT (out NULL, bytes NULL with len > 0),
 * TOO_LARGE (over PQCHA_MAX_EVIDENCE_LEN), BAD_EVIDENCE (neither platform's
 * format, or a malformed report or quote), UNSUPPORTED_ALGORITHM (a
 * signature algorithm or attestation key type pqcha does not know),
 * NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_evidence_parse(pqcha_evidence **out, const uint8_t *bytes, size_t len);
/* "amd-sev-snp" or "intel-tdx"; NULL for e NULL. */
const char *pqcha_evidence_platform(const pqcha_evidence *e);
/* Every decoded field, in the format's order, as a name (e.g. "measurement",
 * "rtmr0", "reported_tcb.microcode") and its value as text: decimal for
 * numbers, 0x-prefixed hex for flag words, lowercase hex for byte strings.
 * The values come from unverified input. NULL (or 0) for e NULL or i out of
 * range. */
size_t pqcha_evidence_field_count(const pqcha_evidence *e);
const char *pqcha_evidence_field_name(const pqcha_evidence *e, size_t i);
const char *pqcha_evidence_field_value(const pqcha_evidence *e, size_t i);
void pqcha_evidence_free(pqcha_evidence *e);

/* ---- verification inputs ---- */
typedef struct pqcha_evidence_verifier pqcha_evidence_verifier;

/* Returns: OK, INVALID_ARGUMENT, NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_evidence_verifier_create(pqcha_evidence_verifier **out);
/* Pins roots: one DER certificate, or one or more PEM certificates (AMD ARKs,
 * the Intel SGX Root CA). Each call adds to those pinned before (copies, at
 * most 16 in all). On error v is unchanged.
 * Returns: OK, INVALID_ARGUMENT, TOO_LARGE, BAD_CERTIFICATE, NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_evidence_verifier_add_roots(pqcha_evidence_verifier *v, const uint8_t *bytes,
                                            size_t len);
/* SEV-SNP only (ignored for TDX, whose quote carries its chain): AMD's
 * chain, PEM, the ASK (or ASVK) then the ARK. Replaces an earlier one; on
 * error v is unchanged.
 * Returns: OK, INVALID_ARGUMENT, TOO_LARGE, BAD_CERTIFICATE, NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_evidence_verifier_set_chain(pqcha_evidence_verifier *v, const uint8_t *bytes,
                                            size_t len);
/* SEV-SNP only (ignored for TDX): the VCEK or VLEK that signed the report,
 * DER or PEM. Replaces an earlier one; on error v is unchanged.
 * Returns: OK, INVALID_ARGUMENT, TOO_LARGE, BAD_CERTIFICATE, NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_evidence_verifier_set_signing_cert(pqcha_evidence_verifier *v, const uint8_t *bytes,
                                                   size_t len);
/* SEV-SNP only: a CRL of the ARK or the ASK, DER or PEM. TDX evidence
 * verified with a CRL set is INVALID_ARGUMENT (not supported yet), never
 * silently unchecked. Replaces an earlier one; on error v is unchanged.
 * Returns: OK, INVALID_ARGUMENT, TOO_LARGE, BAD_CERTIFICATE, NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_evidence_verifier_set_crl(pqcha_evidence_verifier *v, const uint8_t *bytes,
                                          size_t len);
/* Certificates (and a CRL) must be valid at this Unix time instead of the
 * clock's at verification.
 * Returns: OK, INVALID_ARGUMENT (NULL, negative, after 9999-12-31T23:59:59Z). */
PQCHA_MUST_CHECK
pqcha_err pqcha_evidence_verifier_set_time(pqcha_evidence_verifier *v, int64_t unix_seconds);
/* The REPORT_DATA the evidence must carry: 128 lowercase hex characters (64
 * bytes). On error v is unchanged.
 * Returns: OK, INVALID_ARGUMENT, BAD_HEX. */
PQCHA_MUST_CHECK
pqcha_err pqcha_evidence_verifier_expect_report_data(pqcha_evidence_verifier *v, const char *hex);
void pqcha_evidence_verifier_free(pqcha_evidence_verifier *v);

/* ---- result ---- */
typedef struct pqcha_evidence_result pqcha_evidence_result;

/* Verifies e offline with v's inputs. Like pqcha_verify, and unlike the rule
 * for outputs, *out is filled for every verification that ran, also a failed
 * one, so the caller can print each check; the returned error is then
 * pqcha_evidence_result_error(*out).
 * Returns: OK; with *out filled, BAD_EVIDENCE, UNSUPPORTED_ALGORITHM,
 * TOO_LARGE, BAD_CERTIFICATE, CERT_CHAIN, CERT_EXPIRED, CERT_REVOKED,
 * CERT_MISMATCH, EVIDENCE_SIGNATURE, EVIDENCE_BINDING, EVIDENCE_POLICY,
 * TCB_TOO_LOW, CRYPTO; with *out NULL, INVALID_ARGUMENT (out, v or e NULL;
 * no roots pinned; SEV-SNP evidence without a signing certificate or chain;
 * TDX evidence with a CRL set) or NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_evidence_verify(pqcha_evidence_result **out, const pqcha_evidence_verifier *v,
                                const pqcha_evidence *e);

/* Strings are borrowed, valid until pqcha_evidence_result_free. A NULL
 * result reads as MALFORMED (never VALID), with error INVALID_ARGUMENT.
 * Verdicts: VALID (every check passed), MALFORMED (the evidence, a
 * certificate or a CRL is malformed: pqcha_error_is_malformed), REJECTED
 * (anything else); never DRIFT. */
pqcha_verdict pqcha_evidence_result_verdict(const pqcha_evidence_result *r);
/* Returns: the deciding error (OK for VALID); INVALID_ARGUMENT for r NULL. */
PQCHA_MUST_CHECK
pqcha_err pqcha_evidence_result_error(const pqcha_evidence_result *r);
/* "amd-sev-snp" or "intel-tdx"; NULL for r NULL. */
const char *pqcha_evidence_result_platform(const pqcha_evidence_result *r);
/* Checks in evaluation order, e.g. "ark_pinned", "report_signature",
 * "pck_chain", "quote_signature", "report_data". Out of range: name NULL,
 * status SKIPPED, expected and found "". */
size_t pqcha_evidence_result_check_count(const pqcha_evidence_result *r);
const char *pqcha_evidence_result_check_name(const pqcha_evidence_result *r, size_t i);
pqcha_check_status pqcha_evidence_result_check_status(const pqcha_evidence_result *r, size_t i);
/* Returns: check i's error (OK when it passed); INVALID_ARGUMENT for r NULL
 * or i out of range. */
PQCHA_MUST_CHECK
pqcha_err pqcha_evidence_result_check_error(const pqcha_evidence_result *r, size_t i);
const char *pqcha_evidence_result_check_expected(const pqcha_evidence_result *r, size_t i);
const char *pqcha_evidence_result_check_found(const pqcha_evidence_result *r, size_t i);
/* The result as one compact JSON object: {"platform", "verdict", "error"
 * (null or an error name), "checks": [{"name", "status" ("pass", "fail",
 * "skipped"), "error", "expected", "found"}]}, every non-ASCII character as
 * \uXXXX. Free *out with pqcha_free.
 * Returns: OK, INVALID_ARGUMENT, NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_evidence_result_to_json(char **out, const pqcha_evidence_result *r);
void pqcha_evidence_result_free(pqcha_evidence_result *r);

#ifdef __cplusplus
}
#endif
#endif
