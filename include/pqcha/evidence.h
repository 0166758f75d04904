/* pqcha/evidence.h — hardware evidence (issue 10): AMD SEV-SNP attestation
 * reports and Intel TDX quotes, parsed for display and verified offline
 * against pinned vendor roots at a given time.
 *
 * What a verification covers today: the evidence's signature chain (SEV-SNP:
 * ARK pinned, ASK or ASVK, VCEK or VLEK, an optional CRL, the certificate
 * matching the report, the report's signature; TDX: the quote's PCK chain to
 * a pinned root, the QE report and its binding, the quote's signature) and,
 * if asked, the REPORT_DATA; for TDX with collateral
 * (pqcha_evidence_verifier_add_collateral), its appraisal and the TCB
 * status; and with a policy (pqcha_evidence_verifier_set_policy) the
 * measurements, attributes and TCB it requires. Without a policy a VALID
 * result means "genuine hardware evidence", not "the expected workload".
 * Getting evidence inside a guest: pqcha/tee.h. Evidence inside a pqcha
 * report is verified by pqcha_verify (pqcha_verifier_set_evidence_verifier)
 * when the policy requires it.
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
/* The largest certificate bundle carried with evidence (an SEV-SNP
 * extended report's certificate table is a few KB). */
#define PQCHA_MAX_EVIDENCE_CERTS_LEN (1024u * 1024u)
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
 * verified with a CRL set is INVALID_ARGUMENT, never silently unchecked:
 * Intel's CRLs are collateral (pqcha_evidence_verifier_add_collateral).
 * Replaces an earlier one; on error v is unchanged.
 * Returns: OK, INVALID_ARGUMENT, TOO_LARGE, BAD_CERTIFICATE, NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_evidence_verifier_set_crl(pqcha_evidence_verifier *v, const uint8_t *bytes,
                                          size_t len);
/* SEV-SNP only (ignored for TDX): the certificate table of an extended
 * report (SNP_GET_EXT_REPORT's certificate pages, configfs-tsm's auxblob),
 * at most 1 MiB: 24-byte entries {GUID, u32 offset, u32 length} ending in
 * an all-zero entry, then the certificates; a GUID's 16 bytes are those of
 * its text in order (as go-sev-guest and virtee write them, not the
 * mixed-endian uuid_le form). Its VCEK or VLEK (the one the
 * report names) is used when no signing certificate was set, its ASK (or
 * ASVK) and ARK when no chain was set. The host supplies the table, so it
 * is trusted no more than the evidence: its ARK must still be a pinned
 * root. Unknown GUIDs are ignored. Replaces an earlier one; on error v is
 * unchanged.
 * Returns: OK, INVALID_ARGUMENT, TOO_LARGE (over 1 MiB), BAD_EVIDENCE (a
 * malformed table: no terminator, more than 64 entries, a GUID twice, an
 * empty certificate, or one outside the blob, over the table or over
 * another), BAD_CERTIFICATE (its VCEK, VLEK, ASK or ARK is not one
 * certificate), NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_evidence_verifier_set_cert_table(pqcha_evidence_verifier *v, const uint8_t *bytes,
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
/* Intel's collateral for TDX quotes, as Intel's PCS (or a PCCS) serves it
 * and ../shared/testdata/hw/tdx/(folder)/collateral holds it, one piece
 * per call: */
typedef enum pqcha_collateral_kind {
    PQCHA_COLLATERAL_TCB_INFO = 1,          /* tcb_info.json: {"tcbInfo", "signature"}, TDX v3 */
    PQCHA_COLLATERAL_TCB_INFO_CHAIN = 2,    /* PEM: the TCB Signing certificate (root optional) */
    PQCHA_COLLATERAL_QE_IDENTITY = 3,       /* qe_identity.json: {"enclaveIdentity", ...}, TD_QE */
    PQCHA_COLLATERAL_QE_IDENTITY_CHAIN = 4, /* PEM, as TCB_INFO_CHAIN */
    PQCHA_COLLATERAL_PCK_CRL = 5,           /* DER or PEM, by the PCK Platform/Processor CA */
    PQCHA_COLLATERAL_PCK_CRL_CHAIN = 6,     /* PEM: that CA (root optional) */
    PQCHA_COLLATERAL_ROOT_CA_CRL = 7        /* DER or PEM, by the Intel SGX Root CA */
} pqcha_collateral_kind;
/* TDX only: adds (or replaces) one piece of collateral, copied after it
 * parses (its signatures and dates are checked at verification). With any
 * collateral, a TDX verification also appraises it (docs/EVIDENCE.md): the
 * CRLs, the TCB info's and QE identity's signatures and chains to the
 * pinned root, the platform (FMSPC, PCE-ID), the TDX module and the QE,
 * and the TCB status, which must be accepted: UpToDate unless a policy
 * (pqcha_evidence_verifier_set_policy, "acceptedTcbStatuses") says more.
 * The TCB info and its chain are then required, a QE identity needs its
 * chain, a PCK CRL chain needs the PCK CRL; the CRLs and the QE identity
 * are optional (listed as skipped checks when absent). Verifying TDX
 * evidence with pieces paired otherwise, or SEV-SNP evidence with any
 * collateral, is INVALID_ARGUMENT. On error v is unchanged.
 * Returns: OK, INVALID_ARGUMENT (v or bytes NULL, len 0, an unknown kind),
 * TOO_LARGE (a document over 128 KiB, a chain over 64 KiB, a CRL over
 * 1 MiB), BAD_CERTIFICATE (the piece does not parse as its kind),
 * NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_evidence_verifier_add_collateral(pqcha_evidence_verifier *v,
                                                 pqcha_collateral_kind kind, const uint8_t *bytes,
                                                 size_t len);
/* The evidence requirements (docs/FORMAT.md section 6.1, the JSON object a
 * policy's workloads[w].evidence holds): reference measurements, debug and
 * migration-agent bits, VMPL, minimum TCB, accepted TCB statuses. Without
 * one a verification checks authenticity only: a genuine report of a debug
 * VM verifies. Evidence of another platform than the policy names fails
 * ("policy_platform", EVIDENCE_POLICY). Replaces an earlier policy; on
 * error v is unchanged.
 * Returns: OK, INVALID_ARGUMENT, TOO_LARGE (over 64 KiB), JSON_SYNTAX,
 * JSON_DUPLICATE_KEY, JSON_TOO_COMPLEX, WRONG_TYPE, UNKNOWN_FIELD,
 * MISSING_FIELD, BAD_HEX, OUT_OF_RANGE, BAD_POLICY, NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_evidence_verifier_set_policy(pqcha_evidence_verifier *v, const char *json,
                                             size_t len);
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
 * no roots pinned; SEV-SNP evidence without a signing certificate or chain,
 * neither set nor in the certificate table, or with collateral; TDX
 * evidence with a CRL set, or with collateral pieces paired wrongly) or
 * NO_MEMORY. */
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
/* TDX with collateral: the TCB status the appraisal found ("UpToDate",
 * "SWHardeningNeeded", "ConfigurationNeeded",
 * "ConfigurationAndSWHardeningNeeded", "OutOfDate",
 * "OutOfDateConfigurationNeeded", "Revoked", "TDRelaunchAdvised",
 * "TDRelaunchAdvisedConfigurationNeeded"), also when it was not accepted;
 * NULL when none was found (no collateral, SEV-SNP, or the appraisal
 * stopped before), and for r NULL. */
const char *pqcha_evidence_result_tcb_status(const pqcha_evidence_result *r);
/* The Intel security advisory IDs ("INTEL-SA-00837") of the TCB levels the
 * status came from, each once. Out of range, or r NULL: 0 and NULL. */
size_t pqcha_evidence_result_advisory_count(const pqcha_evidence_result *r);
const char *pqcha_evidence_result_advisory_id(const pqcha_evidence_result *r, size_t i);
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
