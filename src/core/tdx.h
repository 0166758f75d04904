/* tdx.h — Intel TDX quotes (versions 4 and 5), for issue 10 (hardware roots
 * of trust): a strict parser of the quote bytes and an offline verifier of
 * its signature chain (PCK certificate chain to a pinned Intel SGX root, the
 * QE report signed by the PCK, the QE report binding the attestation key,
 * the quote signed by the attestation key), REPORT_DATA and a minimal
 * policy. A pure core unit: no files, devices or clock; the caller passes
 * the bytes, the pinned roots and the time.
 *
 * Layout (all integers little-endian; offsets of a v4 quote, a v5 quote
 * inserts a 6-byte body descriptor after the header):
 *   header (48): version u16, att_key_type u16 (2 = ECDSA P-256), tee_type
 *       u32 (0x81 = TDX), reserved 4, qe_vendor_id 16, user_data 20;
 *   v5 only: body type u16 (2 = TDX 1.0, 584 bytes; 3 = TDX 1.5, 648
 *       bytes), body size u32;
 *   TD report body (584 or 648);
 *   signature data length u32, then exactly that many bytes:
 *       quote signature 64 (r||s big-endian, over everything before the
 *       length field), attestation key 64 (x||y), certification data type
 *       u16 = 6, size u32, then exactly that many bytes: QE report 384, QE
 *       report signature 64, QE auth data size u16 and data, certification
 *       data type u16 = 5, size u32 and the PCK chain (PEM).
 * Bytes after the signature data (padding of a fixed-size buffer) are
 * allowed and counted, never interpreted. */
#ifndef PQCHA_TDX_H
#define PQCHA_TDX_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/evidence.h"
#include "pqcha.h"

#define PQCHA__TDX_HEADER_LEN       48
#define PQCHA__TDX_BODY_V10_LEN     584 /* TD report body, TDX 1.0 (v4, v5 type 2) */
#define PQCHA__TDX_BODY_V15_LEN     648 /* TD report body, TDX 1.5 (v5 type 3) */
#define PQCHA__TDX_SIGNATURE_LEN    64  /* ECDSA P-256 r||s, big-endian */
#define PQCHA__TDX_KEY_LEN          64  /* P-256 point x||y, big-endian */
#define PQCHA__TDX_QE_REPORT_LEN    384 /* SGX report body of the quoting enclave */
#define PQCHA__TDX_MEASUREMENT_LEN  48  /* SHA-384: MRTD, RTMRs, MRSEAM... */
#define PQCHA__TDX_REPORT_DATA_LEN  64
#define PQCHA__TDX_SVN_LEN          16
#define PQCHA__TDX_ATTRIBUTES_DEBUG 1u /* td_attributes bit 0: TUD.DEBUG */
/* Caps on the nested lengths, far above real quotes (a PCK chain is about
 * 3.7 KB): work and memory before a signature check stay small. */
#define PQCHA__TDX_MAX_PCK_CHAIN (64u * 1024u)

typedef struct pqcha__tdx_td_report {
    uint8_t tee_tcb_svn[PQCHA__TDX_SVN_LEN];
    uint8_t mr_seam[PQCHA__TDX_MEASUREMENT_LEN];
    uint8_t mr_signer_seam[PQCHA__TDX_MEASUREMENT_LEN];
    uint64_t seam_attributes;
    uint64_t td_attributes;
    uint64_t xfam;
    uint8_t mr_td[PQCHA__TDX_MEASUREMENT_LEN];
    uint8_t mr_config_id[PQCHA__TDX_MEASUREMENT_LEN];
    uint8_t mr_owner[PQCHA__TDX_MEASUREMENT_LEN];
    uint8_t mr_owner_config[PQCHA__TDX_MEASUREMENT_LEN];
    uint8_t rtmr[4][PQCHA__TDX_MEASUREMENT_LEN];
    uint8_t report_data[PQCHA__TDX_REPORT_DATA_LEN];
    /* TDX 1.5 (v5 body type 3) only; zero otherwise. */
    uint8_t tee_tcb_svn2[PQCHA__TDX_SVN_LEN];
    uint8_t mr_servicetd[PQCHA__TDX_MEASUREMENT_LEN];
} pqcha__tdx_td_report;

/* The quoting enclave's SGX report body (384 bytes). */
typedef struct pqcha__tdx_qe_report {
    uint8_t cpu_svn[16];
    uint32_t misc_select;
    uint8_t attributes[16];
    uint8_t mr_enclave[32];
    uint8_t mr_signer[32];
    uint16_t isv_prod_id;
    uint16_t isv_svn;
    uint8_t report_data[PQCHA__TDX_REPORT_DATA_LEN];
} pqcha__tdx_qe_report;

/* A parsed quote. Fixed-size fields are copied; the variable parts are
 * given as offsets and lengths into the bytes that were parsed, which the
 * caller keeps. */
typedef struct pqcha__tdx_quote {
    uint16_t version;      /* 4 or 5 */
    uint16_t att_key_type; /* 2 */
    uint32_t tee_type;     /* 0x81 */
    uint8_t header_reserved[4];
    uint8_t qe_vendor_id[16];
    uint8_t user_data[20];
    uint16_t body_type; /* 2 (TDX 1.0) or 3 (TDX 1.5); 2 for every v4 quote */
    size_t body_len;    /* 584 or 648 */
    pqcha__tdx_td_report body;

    size_t signed_len;   /* bytes [0, signed_len) are signed by the attestation key */
    size_t sig_data_len; /* the signature data length field */
    size_t quote_len;    /* the quote's real length: signed_len + 4 + sig_data_len */
    size_t trailing_len; /* bytes after the quote in the input */

    uint8_t signature[PQCHA__TDX_SIGNATURE_LEN];
    uint8_t attestation_key[PQCHA__TDX_KEY_LEN];
    size_t qe_report_off; /* the raw 384 QE report bytes, signed by the PCK */
    pqcha__tdx_qe_report qe_report;
    uint8_t qe_report_signature[PQCHA__TDX_SIGNATURE_LEN];
    size_t qe_auth_off, qe_auth_len;
    size_t pck_chain_off, pck_chain_len; /* PEM, as the quote holds it */
} pqcha__tdx_quote;

/* Parses a TDX quote strictly from bytes[0, len); trailing bytes after the
 * signature data are allowed (out->trailing_len). On error *out is zeroed.
 * Returns: OK, INVALID_ARGUMENT (out NULL, or bytes NULL with len > 0),
 * UNSUPPORTED_ALGORITHM (att_key_type other than 2), BAD_EVIDENCE (anything
 * else: version, tee type, body type or size, a length past the end or not
 * filling its container exactly, certification data types other than 6
 * holding 5, a chain over PQCHA__TDX_MAX_PCK_CHAIN). */
PQCHA_MUST_CHECK
pqcha_err pqcha__tdx_quote_parse(pqcha__tdx_quote *out, const uint8_t *bytes, size_t len);

/* The same, and *why (if why is not NULL) names the first defect found, a
 * constant string ("" on success). */
PQCHA_MUST_CHECK
pqcha_err pqcha__tdx_quote_parse_why(pqcha__tdx_quote *out, const char **why, const uint8_t *bytes,
                                     size_t len);

/* ---- verification (tdx_verify.c) ---- */

/* The TCB status an appraisal of the collateral ends with (Intel's names,
 * pqcha__tdx_tcb_status_name). The first seven are what TCB info levels
 * state; the TD relaunch ones are only ever computed (a TDX 1.5 quote whose
 * TDX module is out of date while a newer one is already loaded). */
typedef enum pqcha__tdx_tcb_status {
    PQCHA__TDX_TCB_UNKNOWN = 0,
    PQCHA__TDX_TCB_UP_TO_DATE,
    PQCHA__TDX_TCB_SW_HARDENING_NEEDED,
    PQCHA__TDX_TCB_CONFIGURATION_NEEDED,
    PQCHA__TDX_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED,
    PQCHA__TDX_TCB_OUT_OF_DATE,
    PQCHA__TDX_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED,
    PQCHA__TDX_TCB_REVOKED,
    PQCHA__TDX_TCB_TD_RELAUNCH_ADVISED,
    PQCHA__TDX_TCB_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED
} pqcha__tdx_tcb_status;

/* "UpToDate", "SWHardeningNeeded", "ConfigurationNeeded",
 * "ConfigurationAndSWHardeningNeeded", "OutOfDate",
 * "OutOfDateConfigurationNeeded", "Revoked", "TDRelaunchAdvised",
 * "TDRelaunchAdvisedConfigurationNeeded"; NULL for UNKNOWN and other values. */
const char *pqcha__tdx_tcb_status_name(pqcha__tdx_tcb_status s);
/* The status of that exact name, or UNKNOWN. */
pqcha__tdx_tcb_status pqcha__tdx_tcb_status_from_name(const char *name);

/* The minimal policy. A NULL pointer means "any value". With a policy, the
 * TD debug attribute must be off unless allow_debug is set. */
typedef struct pqcha__tdx_policy {
    const uint8_t *mr_td;        /* 48 bytes */
    const uint8_t *rtmr[4];      /* 48 bytes each */
    const uint8_t *mr_config_id; /* 48 bytes */
    const uint8_t *mr_owner;     /* 48 bytes */
    int allow_debug;
    const uint8_t *min_tee_tcb_svn; /* 16 bytes, each a minimum for its component */
    /* With collateral, the final TCB status must be one of these names
     * (pqcha__tdx_tcb_status_name). None (count 0), or no policy at all:
     * PQCHA__TDX_DEFAULT_TCB_STATUS only. A name that is no status is
     * INVALID_ARGUMENT, never a list that silently accepts nothing. */
    const char *const *accepted_tcb_statuses;
    size_t accepted_tcb_status_count;
} pqcha__tdx_policy;

/* What a demanding verifier accepts unless told otherwise: the platform,
 * its TDX module and its quoting enclave all at Intel's latest TCB. */
#define PQCHA__TDX_DEFAULT_TCB_STATUS PQCHA__TDX_TCB_UP_TO_DATE

typedef struct pqcha__tdx_span {
    const uint8_t *bytes; /* NULL: not given */
    size_t len;
} pqcha__tdx_span;

/* Intel's collateral for a TDX quote, as Intel's PCS serves it (and the
 * names of ../shared/testdata/hw/tdx/(folder)/collateral): each span
 * optional, but
 *   - tcb_info ({"tcbInfo": {...}, "signature": hex}, TDX version 3) is
 *     required once any collateral is given, with tcb_info_chain (PEM: the
 *     Intel SGX TCB Signing certificate, the root after it optional);
 *   - qe_identity ({"enclaveIdentity": {...}, "signature": hex}, TD_QE
 *     version 2) needs qe_identity_chain (PEM, as tcb_info_chain);
 *   - pck_crl (DER or PEM, by the PCK Platform or Processor CA) may come
 *     with pck_crl_chain (PEM: that CA, the root after it optional), which
 *     must then be the CA of the quote's chain; never without pck_crl;
 *   - root_ca_crl (DER or PEM, by the pinned root) stands alone.
 * What is absent is listed as a SKIPPED check ("partial collateral"): the
 * status then rests on the TCB info alone. Violations of these pairings
 * are INVALID_ARGUMENT: a piece that would go unchecked is never silently
 * ignored. */
typedef struct pqcha__tdx_collateral {
    pqcha__tdx_span tcb_info, tcb_info_chain;
    pqcha__tdx_span qe_identity, qe_identity_chain;
    pqcha__tdx_span pck_crl, pck_crl_chain;
    pqcha__tdx_span root_ca_crl;
} pqcha__tdx_collateral;

typedef struct pqcha__tdx_verify_options {
    /* The pinned roots: one DER certificate, or one or more PEM
     * certificates. The quote's chain must end at one of them (the same
     * certificate, or a certificate with the same public key). */
    const uint8_t *roots;
    size_t roots_len;
    int64_t now;                             /* Unix seconds: certificate validity */
    const uint8_t *expected_report_data;     /* 64 bytes, or NULL: not checked */
    const pqcha__tdx_policy *policy;         /* NULL: no policy */
    const pqcha__tdx_collateral *collateral; /* NULL: no appraisal (as before issue 10's slice) */
} pqcha__tdx_verify_options;

/* The checks are pqcha__evidence_check (core/evidence.h): a name, PASS,
 * FAIL with the rejection, or SKIPPED (collateral not given), and what was
 * expected and found (text for people, hex for byte strings). */
#define PQCHA__TDX_MAX_CHECKS      40
#define PQCHA__TDX_MAX_ADVISORIES  64 /* advisory IDs kept for a result */
#define PQCHA__TDX_ADVISORY_ID_MAX 32 /* "INTEL-SA-00837" is 14 */
typedef struct pqcha__tdx_result {
    pqcha_err error; /* the first failed check's error, or OK */
    size_t check_count;
    pqcha__evidence_check checks[PQCHA__TDX_MAX_CHECKS];
    pqcha__tdx_quote quote; /* valid when the quote parsed */
    /* With collateral: the final TCB status once it was determined (also
     * when not accepted), else UNKNOWN; the advisory IDs of the TCB levels
     * it came from (platform, TDX module, QE), each once, in that order. */
    pqcha__tdx_tcb_status tcb_status;
    size_t advisory_count;
    char advisory_ids[PQCHA__TDX_MAX_ADVISORIES][PQCHA__TDX_ADVISORY_ID_MAX + 1];
} pqcha__tdx_result;

/* Verifies a TDX quote offline, in this order: the quote parses
 * ("quote_format"); its PCK chain verifies to a pinned root at opts->now
 * ("pck_chain"); the PCK signs the QE report ("qe_report_signature"); the
 * QE report data binds the attestation key and QE auth data
 * ("qe_report_binding"); the attestation key signs header and body
 * ("quote_signature"); with collateral, its appraisal
 * (pqcha__tdx_collateral_appraise: "root_ca_crl" ... "tcb_status"); then,
 * each recorded, REPORT_DATA ("report_data") and the policy ("policy_*").
 * The signature chain stops at its first failure (what follows would rest
 * on it); the REPORT_DATA and policy checks are all made once it holds.
 * *out is filled for every verification that ran, also a failed one; its
 * error is the returned one.
 * Returns: OK, INVALID_ARGUMENT (out or opts NULL, no roots, collateral
 * pieces paired wrongly, an accepted status that is no status; *out
 * zeroed), NO_MEMORY, CRYPTO, BAD_EVIDENCE or UNSUPPORTED_ALGORITHM (the
 * quote does not parse), BAD_CERTIFICATE (a root or a chain certificate
 * that does not parse, a PCK key that is not P-256, malformed collateral),
 * CERT_CHAIN, CERT_EXPIRED, CERT_REVOKED, CERT_MISMATCH, EVIDENCE_SIGNATURE,
 * EVIDENCE_BINDING, EVIDENCE_POLICY, TCB_TOO_LOW. */
PQCHA_MUST_CHECK
pqcha_err pqcha__tdx_verify(pqcha__tdx_result *out, const uint8_t *bytes, size_t len,
                            const pqcha__tdx_verify_options *opts);

/* ---- shared by the verifier and the appraisal (tdx_cert.c) ---- */

/* Appends a check to res (PASS when err is OK, else FAIL with err); the
 * first failure becomes res->error. A list already full records INTERNAL
 * rather than drop a failure unseen. */
void pqcha__tdx_check(pqcha__tdx_result *res, const char *name, pqcha_err err, const char *expected,
                      const char *found);
void pqcha__tdx_checkf(pqcha__tdx_result *res, const char *name, pqcha_err err,
                       const char *expected, const char *found_fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* A check that was not made, and why. */
void pqcha__tdx_check_skip(pqcha__tdx_result *res, const char *name, const char *expected,
                           const char *why);
/* Hex of bytes, cut to what a check's text holds. */
void pqcha__tdx_hex_text(char out[PQCHA__EVIDENCE_TEXT_MAX], const uint8_t *bytes, size_t len);

#define PQCHA__TDX_MAX_CERTS 16 /* in a chain, and pinned roots (a verifier pins at most 16) */
typedef struct pqcha__tdx_certs {
    X509 *certs[PQCHA__TDX_MAX_CERTS];
    size_t count;
} pqcha__tdx_certs;

void pqcha__tdx_certs_free(pqcha__tdx_certs *l);
/* One or more PEM certificates and nothing but whitespace after them.
 * Returns: OK, INVALID_ARGUMENT, BAD_CERTIFICATE, NO_MEMORY. */
PQCHA_MUST_CHECK pqcha_err pqcha__tdx_certs_read_pem(pqcha__tdx_certs *out, const uint8_t *pem,
                                                     size_t len);
/* Pinned roots: one DER certificate, or PEM certificates (whitespace first
 * allowed). Returns: OK, INVALID_ARGUMENT, BAD_CERTIFICATE, NO_MEMORY. */
PQCHA_MUST_CHECK pqcha_err pqcha__tdx_certs_read_roots(pqcha__tdx_certs *out, const uint8_t *roots,
                                                       size_t len);
/* cert matches one of roots (pqcha__cert_matches_root). */
int pqcha__tdx_is_pinned(const X509 *cert, const pqcha__tdx_certs *roots);
/* chain->certs[0] verified through the others (untrusted) to one of roots
 * at now, X.509 strict; a self-signed last certificate must be pinned. The
 * chain OpenSSL built (leaf first, the pinned root last; up-referenced)
 * goes to *built and must have `length` certificates, else CERT_CHAIN with
 * *why = shape. *why names a failure (a constant string).
 * Returns: OK, INVALID_ARGUMENT, CERT_CHAIN, CERT_EXPIRED, BAD_CERTIFICATE,
 * NO_MEMORY, CRYPTO. */
PQCHA_MUST_CHECK pqcha_err pqcha__tdx_chain_verify(pqcha__tdx_certs *built,
                                                   const pqcha__tdx_certs *chain,
                                                   const pqcha__tdx_certs *roots, int64_t now,
                                                   size_t length, const char *shape,
                                                   const char **why);
/* *valid is 1 when sig (r||s, big-endian) is key's ECDSA signature over
 * SHA-256(msg). Returns: OK (whatever *valid), INVALID_ARGUMENT, NO_MEMORY,
 * CRYPTO. */
PQCHA_MUST_CHECK pqcha_err pqcha__tdx_p256_verify(int *valid, EVP_PKEY *key, const uint8_t *msg,
                                                  size_t len,
                                                  const uint8_t sig[PQCHA__TDX_SIGNATURE_LEN]);

/* ---- collateral (tdx_collateral.c) ---- */

/* Caps, far above what Intel serves (a TDX TCB info is 3-5 KB with 3-4
 * levels; a QE identity under 1 KB): work and memory before a signature
 * is checked stay small. */
#define PQCHA__TDX_COLLATERAL_JSON_MAX   (128u * 1024u)
#define PQCHA__TDX_COLLATERAL_CHAIN_MAX  (64u * 1024u)
#define PQCHA__TDX_COLLATERAL_CRL_MAX    (1024u * 1024u)
#define PQCHA__TDX_MAX_TCB_LEVELS        128
#define PQCHA__TDX_MAX_MODULE_IDENTITIES 16
#define PQCHA__TDX_MAX_MODULE_LEVELS     32
#define PQCHA__TDX_MAX_QE_LEVELS         32
#define PQCHA__TDX_TCB_COMPONENTS        16
#define PQCHA__TDX_MODULE_MR_SIGNER_LEN  48
#define PQCHA__TDX_MODULE_ATTRIBUTES_LEN 8

/* A level's advisory IDs: count strings, NUL-terminated one after another
 * from offset off of the owner's advisory pool. */
typedef struct pqcha__tdx_advisory_ref {
    size_t off, count;
} pqcha__tdx_advisory_ref;

typedef struct pqcha__tdx_tcb_level {
    uint8_t sgx_svn[PQCHA__TDX_TCB_COMPONENTS];
    uint8_t tdx_svn[PQCHA__TDX_TCB_COMPONENTS];
    uint16_t pce_svn;
    pqcha__tdx_tcb_status status;
    int64_t tcb_date;
    pqcha__tdx_advisory_ref advisories;
} pqcha__tdx_tcb_level;

/* A TDX module's TCB level, and a QE identity's: an ISVSVN and its status. */
typedef struct pqcha__tdx_svn_level {
    uint16_t isv_svn;
    pqcha__tdx_tcb_status status; /* UpToDate, OutOfDate or Revoked */
    int64_t tcb_date;
    pqcha__tdx_advisory_ref advisories;
} pqcha__tdx_svn_level;

typedef struct pqcha__tdx_module_identity {
    uint8_t version; /* the id "TDX_XX": XX, hex, TEE_TCB_SVN[1] of the modules it covers */
    uint8_t mr_signer[PQCHA__TDX_MODULE_MR_SIGNER_LEN];
    uint8_t attributes[PQCHA__TDX_MODULE_ATTRIBUTES_LEN];
    uint8_t attributes_mask[PQCHA__TDX_MODULE_ATTRIBUTES_LEN];
    size_t level_count;
    pqcha__tdx_svn_level levels[PQCHA__TDX_MAX_MODULE_LEVELS];
} pqcha__tdx_module_identity;

/* A parsed TDX TCB info (version 3). Free with pqcha__tdx_tcb_info_free. */
typedef struct pqcha__tdx_tcb_info {
    size_t body_off, body_len; /* the tcbInfo object's exact text: what is signed */
    uint8_t signature[PQCHA__TDX_SIGNATURE_LEN];
    int64_t issue_date, next_update;
    uint8_t fmspc[6];
    uint8_t pce_id[2];
    uint32_t evaluation_number;
    uint8_t module_mr_signer[PQCHA__TDX_MODULE_MR_SIGNER_LEN]; /* tdxModule */
    uint8_t module_attributes[PQCHA__TDX_MODULE_ATTRIBUTES_LEN];
    uint8_t module_attributes_mask[PQCHA__TDX_MODULE_ATTRIBUTES_LEN];
    int has_module_identities; /* tdxModuleIdentities present */
    size_t module_identity_count;
    pqcha__tdx_module_identity module_identities[PQCHA__TDX_MAX_MODULE_IDENTITIES];
    size_t level_count; /* at least 1, in the order given (Intel's: newest first) */
    pqcha__tdx_tcb_level levels[PQCHA__TDX_MAX_TCB_LEVELS];
    char *advisory_pool; /* owned */
    size_t advisory_pool_len;
} pqcha__tdx_tcb_info;

/* A parsed QE identity (TD_QE, version 2). Free with
 * pqcha__tdx_qe_identity_free. */
typedef struct pqcha__tdx_qe_identity {
    size_t body_off, body_len; /* the enclaveIdentity object's exact text */
    uint8_t signature[PQCHA__TDX_SIGNATURE_LEN];
    int64_t issue_date, next_update;
    uint32_t evaluation_number;
    uint8_t miscselect[4], miscselect_mask[4]; /* bytes as in the QE report */
    uint8_t attributes[16], attributes_mask[16];
    uint8_t mr_signer[32];
    uint16_t isv_prod_id;
    size_t level_count;
    pqcha__tdx_svn_level levels[PQCHA__TDX_MAX_QE_LEVELS];
    char *advisory_pool; /* owned */
    size_t advisory_pool_len;
} pqcha__tdx_qe_identity;

/* Parse strictly from bytes[0, len) (at most PQCHA__TDX_COLLATERAL_JSON_MAX):
 * exactly the fields of the format (none unknown, none twice at any level),
 * hex of the exact length in either case, RFC 3339 times, statuses by
 * their names, counts within the caps above. The signed object's span is
 * found in the text itself, never re-serialised. On error *out is zeroed
 * (nothing to free) and *why (if why is not NULL) names the defect, a
 * constant string ("" on success).
 * Returns: OK, INVALID_ARGUMENT (out NULL, bytes NULL with len > 0),
 * NO_MEMORY, BAD_CERTIFICATE (anything malformed). */
PQCHA_MUST_CHECK pqcha_err pqcha__tdx_tcb_info_parse(pqcha__tdx_tcb_info *out, const char **why,
                                                     const uint8_t *bytes, size_t len);
void pqcha__tdx_tcb_info_free(pqcha__tdx_tcb_info *t);
PQCHA_MUST_CHECK pqcha_err pqcha__tdx_qe_identity_parse(pqcha__tdx_qe_identity *out,
                                                        const char **why, const uint8_t *bytes,
                                                        size_t len);
void pqcha__tdx_qe_identity_free(pqcha__tdx_qe_identity *q);

/* What a PCK certificate's SGX extensions (OID 1.2.840.113741.1.13.1)
 * say about the platform. */
typedef struct pqcha__tdx_pck_info {
    uint8_t fmspc[6];
    uint8_t pce_id[2];
    uint8_t cpu_svn_components[PQCHA__TDX_TCB_COMPONENTS]; /* SGX TCB COMP01..16 SVN */
    uint16_t pce_svn;
    uint8_t cpu_svn[16];
} pqcha__tdx_pck_info;

/* From the extension's value: a DER SEQUENCE of (OID, value) SEQUENCEs,
 * each of PPID, TCB, PCE-ID, FMSPC and SGX type exactly once (others, such
 * as a Platform CA's platform instance and configuration, are allowed);
 * the TCB a SEQUENCE of its 18 (OID, value) pairs: 16 component SVNs
 * (INTEGER 0-255), PCESVN (INTEGER 0-65535), CPUSVN (OCTET STRING, 16).
 * Parsed with OpenSSL's DER decoder, bounded by len. On error *out is
 * zeroed and *why (if not NULL) names the defect.
 * Returns: OK, INVALID_ARGUMENT, NO_MEMORY, BAD_CERTIFICATE. */
PQCHA_MUST_CHECK pqcha_err pqcha__tdx_pck_info_parse(pqcha__tdx_pck_info *out, const char **why,
                                                     const uint8_t *der, size_t len);
/* The same from the certificate (the extension present exactly once).
 * Returns: as pqcha__tdx_pck_info_parse. */
PQCHA_MUST_CHECK pqcha_err pqcha__tdx_pck_info_read(pqcha__tdx_pck_info *out, const char **why,
                                                    const X509 *pck);

/* Appraises opts->collateral for a quote whose signature chain verified
 * (pck_chain: the chain built to the pinned root: PCK certificate, PCK CA,
 * root), appending its checks to res in this order:
 *   root_ca_crl          signed by the root the quote's chain ends at,
 *                        current at now; lists neither the PCK CA nor
 *                        (later) a signing certificate it issued;
 *   pck_crl              signed by the quote's PCK CA (and pck_crl_chain,
 *                        if given, that same CA, to a pinned root), current,
 *                        not listing the quote's PCK certificate;
 *   tcb_info_chain       the TCB signing certificate, to a pinned root;
 *   tcb_info_signature   ECDSA P-256 over the tcbInfo object's exact text;
 *   tcb_info_validity    issueDate <= now <= nextUpdate;
 *   tcb_info_platform    FMSPC and PCE-ID of the PCK certificate;
 *   tdx_module           MRSIGNERSEAM and SEAM attributes (tdxModule, or
 *                        the tdxModuleIdentities entry of the module's
 *                        major version when TEE_TCB_SVN[1] > 0);
 *   qe_identity_chain, qe_identity_signature, qe_identity_validity;
 *   qe_identity          MRSIGNER, ISVPRODID, MISCSELECT and ATTRIBUTES
 *                        under their masks;
 *   tcb_level            the first TCB level (in order) whose SGX
 *                        components and PCESVN are at most the PCK's and
 *                        whose TDX components are at most TEE_TCB_SVN
 *                        (the first two skipped when TEE_TCB_SVN[1] > 0);
 *   tdx_module_tcb       the module identity's first level with ISVSVN at
 *                        most TEE_TCB_SVN[0] (TEE_TCB_SVN[1] > 0 only);
 *   qe_tcb               the QE identity's first level with ISVSVN at most
 *                        the QE report's;
 *   tcb_status           the statuses merged as Intel's QVL does, in
 *                        the accepted list.
 * Absent pieces are SKIPPED checks. A failure of authenticity or a
 * mismatch stops the appraisal (what follows would rest on it); a time
 * outside a validity window and a revocation are recorded and the
 * appraisal goes on, so the status is still shown. res->tcb_status and the
 * advisory IDs are set once the status is known.
 * Returns: OK or the first failed check's error (as pqcha__tdx_verify);
 * INVALID_ARGUMENT, NO_MEMORY, CRYPTO. */
PQCHA_MUST_CHECK pqcha_err pqcha__tdx_collateral_appraise(pqcha__tdx_result *res,
                                                          const pqcha__tdx_quote *q,
                                                          const pqcha__tdx_certs *pck_chain,
                                                          const pqcha__tdx_certs *roots,
                                                          const pqcha__tdx_verify_options *opts);
/* INVALID_ARGUMENT when the pieces are paired wrongly (see
 * pqcha__tdx_collateral) or a span is NULL with a length, or empty with
 * bytes; else OK. */
PQCHA_MUST_CHECK pqcha_err pqcha__tdx_collateral_check_pairs(const pqcha__tdx_collateral *c);

/* The pieces of pqcha__tdx_collateral, in its order (and the public
 * pqcha_collateral_kind's, less one). */
enum {
    PQCHA__TDX_TCB_INFO = 0,
    PQCHA__TDX_TCB_INFO_CHAIN,
    PQCHA__TDX_QE_IDENTITY,
    PQCHA__TDX_QE_IDENTITY_CHAIN,
    PQCHA__TDX_PCK_CRL,
    PQCHA__TDX_PCK_CRL_CHAIN,
    PQCHA__TDX_ROOT_CA_CRL,
    PQCHA__TDX_PIECES
};
/* Whether bytes can be that piece, before they are kept: within the
 * piece's cap, and parsing (a TCB info or QE identity strictly, a chain
 * as PEM certificates, a CRL as DER or PEM). Authenticity is the
 * appraisal's.
 * Returns: OK, INVALID_ARGUMENT (no such piece, bytes NULL or len 0),
 * TOO_LARGE (over the cap), BAD_CERTIFICATE, NO_MEMORY. */
PQCHA_MUST_CHECK pqcha_err pqcha__tdx_collateral_piece_check(int piece, const uint8_t *bytes,
                                                             size_t len);
/* The span of piece in c, or NULL for no such piece. */
pqcha__tdx_span *pqcha__tdx_collateral_piece(pqcha__tdx_collateral *c, int piece);

#endif
