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

/* The minimal policy. A NULL pointer means "any value". With a policy, the
 * TD debug attribute must be off unless allow_debug is set. */
typedef struct pqcha__tdx_policy {
    const uint8_t *mr_td;        /* 48 bytes */
    const uint8_t *rtmr[4];      /* 48 bytes each */
    const uint8_t *mr_config_id; /* 48 bytes */
    const uint8_t *mr_owner;     /* 48 bytes */
    int allow_debug;
    const uint8_t *min_tee_tcb_svn; /* 16 bytes, each a minimum for its component */
} pqcha__tdx_policy;

typedef struct pqcha__tdx_verify_options {
    /* The pinned roots: one DER certificate, or one or more PEM
     * certificates. The quote's chain must end at one of them (the same
     * certificate, or a certificate with the same public key). */
    const uint8_t *roots;
    size_t roots_len;
    int64_t now;                         /* Unix seconds: certificate validity */
    const uint8_t *expected_report_data; /* 64 bytes, or NULL: not checked */
    const pqcha__tdx_policy *policy;     /* NULL: no policy */
} pqcha__tdx_verify_options;

/* The checks are pqcha__evidence_check (core/evidence.h): a name, PASS or
 * FAIL with the rejection, and what was expected and found (text for
 * people, hex for byte strings). */
#define PQCHA__TDX_MAX_CHECKS 20
typedef struct pqcha__tdx_result {
    pqcha_err error; /* the first failed check's error, or OK */
    size_t check_count;
    pqcha__evidence_check checks[PQCHA__TDX_MAX_CHECKS];
    pqcha__tdx_quote quote; /* valid when the quote parsed */
} pqcha__tdx_result;

/* Verifies a TDX quote offline, in this order: the quote parses
 * ("quote_format"); its PCK chain verifies to a pinned root at opts->now
 * ("pck_chain"); the PCK signs the QE report ("qe_report_signature"); the
 * QE report data binds the attestation key and QE auth data
 * ("qe_report_binding"); the attestation key signs header and body
 * ("quote_signature"); then, each recorded, REPORT_DATA ("report_data") and
 * the policy ("policy_*"). The signature chain stops at its first failure
 * (what follows would rest on it); the REPORT_DATA and policy checks are
 * all made once it holds. *out is filled for every verification that ran,
 * also a failed one; its error is the returned one. Collateral (TCB info,
 * QE identity, CRLs) is not checked yet — see the TODO in tdx_verify.c.
 * Returns: OK, INVALID_ARGUMENT (out or opts NULL, no roots; *out zeroed),
 * NO_MEMORY, CRYPTO, BAD_EVIDENCE or UNSUPPORTED_ALGORITHM (the quote does
 * not parse), BAD_CERTIFICATE (a root or a chain certificate that does not
 * parse, or a PCK key that is not P-256), CERT_CHAIN, CERT_EXPIRED,
 * EVIDENCE_SIGNATURE, EVIDENCE_BINDING, EVIDENCE_POLICY, TCB_TOO_LOW. */
PQCHA_MUST_CHECK
pqcha_err pqcha__tdx_verify(pqcha__tdx_result *out, const uint8_t *bytes, size_t len,
                            const pqcha__tdx_verify_options *opts);

#endif
