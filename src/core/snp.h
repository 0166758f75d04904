/* snp.h — AMD SEV-SNP attestation reports (issue 10, first slice): the
 * 0x4A0-byte ATTESTATION_REPORT parsed strictly (versions 2-5), and its
 * offline verification: the VCEK's or VLEK's ECDSA P-384 signature, the
 * ARK -> ASK (or ASVK) -> VCEK/VLEK RSA-PSS chain to a pinned ARK, an
 * optional CRL, the certificate's TCB and hwID extensions against the
 * report, the REPORT_DATA binding and a small policy. Every check lands in a
 * list with expected and found text, for `pqcha evidence verify --json`.
 *
 * Pure core: bytes in, no files, devices or clocks (the caller gives `now`).
 * The format it reads is AMD's (SEV-SNP firmware ABI, "ATTESTATION_REPORT");
 * the evidence section of docs/FORMAT.md will refer to it once wired in.
 * Parsing lives in snp.c, certificates in snp_cert.c, the signature and the
 * pipeline in snp_verify.c. */
#ifndef PQCHA_SNP_H
#define PQCHA_SNP_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/evidence.h"
#include "pqcha.h"

#define PQCHA__SNP_REPORT_LEN                 0x4A0u /* the ATTESTATION_REPORT, 1184 bytes */
#define PQCHA__SNP_SIGNED_LEN                 0x2A0u /* the signature covers [0, 0x2A0) */
#define PQCHA__SNP_SIG_ALGO_ECDSA_P384_SHA384 1u

/* POLICY bits (the guest policy the VM was launched with). */
#define PQCHA__SNP_POLICY_SMT               (UINT64_C(1) << 16)
#define PQCHA__SNP_POLICY_RESERVED_ONE      (UINT64_C(1) << 17)
#define PQCHA__SNP_POLICY_MIGRATE_MA        (UINT64_C(1) << 18)
#define PQCHA__SNP_POLICY_DEBUG             (UINT64_C(1) << 19)
#define PQCHA__SNP_POLICY_SINGLE_SOCKET     (UINT64_C(1) << 20)
#define PQCHA__SNP_POLICY_CXL_ALLOW         (UINT64_C(1) << 21)
#define PQCHA__SNP_POLICY_MEM_AES_256_XTS   (UINT64_C(1) << 22)
#define PQCHA__SNP_POLICY_RAPL_DIS          (UINT64_C(1) << 23)
#define PQCHA__SNP_POLICY_CIPHERTEXT_HIDING (UINT64_C(1) << 24)
#define PQCHA__SNP_POLICY_PAGE_SWAP_DISABLE (UINT64_C(1) << 25)

/* The CPU generation: it decides the TCB_VERSION byte layout and which AMD
 * roots apply. */
typedef enum pqcha__snp_product {
    PQCHA__SNP_PRODUCT_UNKNOWN = 0,
    PQCHA__SNP_PRODUCT_MILAN = 1,
    PQCHA__SNP_PRODUCT_GENOA = 2,
    PQCHA__SNP_PRODUCT_TURIN = 3
} pqcha__snp_product;

/* SIGNING_KEY (signer info bits 4:2): which key signed the report. */
typedef enum pqcha__snp_signing_key {
    PQCHA__SNP_KEY_VCEK = 0,
    PQCHA__SNP_KEY_VLEK = 1,
    PQCHA__SNP_KEY_NONE = 7
} pqcha__snp_signing_key;

/* Where pqcha__snp_find_report found the report. */
typedef enum pqcha__snp_wrapper {
    PQCHA__SNP_WRAPPER_NONE = 0,          /* a bare report */
    PQCHA__SNP_WRAPPER_AZURE_HCL = 1,     /* Azure vTPM HCL report: "HCLA" header, report at 0x20 */
    PQCHA__SNP_WRAPPER_MSG_REPORT_RSP = 2 /* /dev/sev-guest MSG_REPORT_RSP (4000 bytes) */
} pqcha__snp_wrapper;

/* A TCB_VERSION: the raw value and its components for the product's layout
 * (Milan/Genoa: bl b0, tee b1, snp b6, microcode b7; Turin: fmc b0, bl b1,
 * tee b2, snp b3, microcode b7). Components are 0 while the product is
 * unknown; fmc is 0 except on Turin. */
typedef struct pqcha__snp_tcb {
    uint64_t raw;
    uint8_t fmc;
    uint8_t boot_loader;
    uint8_t tee;
    uint8_t snp;
    uint8_t microcode;
} pqcha__snp_tcb;

typedef struct pqcha__snp_version3 {
    uint8_t build, minor, major;
} pqcha__snp_version3;

/* Every field of the report, decoded. Byte arrays are copies. */
typedef struct pqcha__snp_report {
    uint32_t version;
    uint32_t guest_svn;
    uint64_t policy; /* raw; the fields below decode it */
    uint8_t policy_abi_minor, policy_abi_major;
    int policy_smt, policy_migrate_ma, policy_debug, policy_single_socket;
    uint8_t family_id[16];
    uint8_t image_id[16];
    uint32_t vmpl; /* 0-3, or 0xFFFFFFFF for a host-requested report */
    uint32_t signature_algo;
    uint64_t platform_info;
    uint32_t signer_info; /* raw; the fields below decode it */
    int author_key_en;
    int mask_chip_key;
    pqcha__snp_signing_key signing_key;
    uint8_t report_data[64];
    uint8_t measurement[48];
    uint8_t host_data[32];
    uint8_t id_key_digest[48];
    uint8_t author_key_digest[48];
    uint8_t report_id[32];
    uint8_t report_id_ma[32];
    /* CPUID of the chip (v3 and later; 0 in v2 reports). */
    uint8_t cpuid_fam_id, cpuid_mod_id, cpuid_step;
    uint8_t chip_id[64];
    pqcha__snp_version3 current_version;            /* CURRENT_BUILD, _MINOR, _MAJOR */
    pqcha__snp_version3 committed_version;          /* COMMITTED_BUILD, _MINOR, _MAJOR */
    uint64_t launch_mit_vector, current_mit_vector; /* v5; 0 before */
    /* The product: from the CPUID in v3+ reports, else UNKNOWN until the
     * caller sets it (pqcha__snp_report_set_product). */
    pqcha__snp_product product;
    pqcha__snp_tcb current_tcb, reported_tcb, committed_tcb, launch_tcb;
    /* The signature as big-endian 48-byte integers (the report stores 72
     * little-endian bytes each, the top 24 zero). */
    uint8_t sig_r[48], sig_s[48];
} pqcha__snp_report;

/* Finds the report in what the caller read: a bare 0x4A0-byte report (offset
 * 0), or a recognised wrapper with the report at 0x20: an Azure HCL report
 * ("HCLA" magic, its own length field covering the report and its runtime
 * data, report type 2 = SNP) or a /dev/sev-guest MSG_REPORT_RSP (status 0,
 * report_size 0x4A0, reserved bytes zero, 4000 bytes). wrapper may be NULL.
 * Returns: OK, INVALID_ARGUMENT, BAD_EVIDENCE (nothing recognised). */
PQCHA_MUST_CHECK pqcha_err pqcha__snp_find_report_wrapped(const uint8_t *bytes, size_t len,
                                                          size_t *offset,
                                                          pqcha__snp_wrapper *wrapper);
PQCHA_MUST_CHECK pqcha_err pqcha__snp_find_report(const uint8_t *bytes, size_t len, size_t *offset);

/* Parses exactly PQCHA__SNP_REPORT_LEN bytes: version 2-5, signature
 * algorithm 1, POLICY bit 17 set and bits 26-63 clear, SIGNING_KEY 0, 1 or
 * 7, VMPL 0-3 or 0xFFFFFFFF, every reserved field of that version zero, the
 * signature's high bytes and tail zero. *out is zeroed on error.
 * Returns: OK, INVALID_ARGUMENT, BAD_EVIDENCE, UNSUPPORTED_ALGORITHM. */
PQCHA_MUST_CHECK pqcha_err pqcha__snp_report_parse(pqcha__snp_report *out, const uint8_t *bytes,
                                                   size_t len);

/* The product a CPUID family/model belongs to (UNKNOWN if none). */
pqcha__snp_product pqcha__snp_product_from_cpuid(uint8_t family, uint8_t model);
/* "Milan", "Genoa", "Turin"; NULL for UNKNOWN or another value. */
const char *pqcha__snp_product_name(pqcha__snp_product product);
/* "VCEK", "VLEK", "none"; NULL for reserved values. */
const char *pqcha__snp_signing_key_name(pqcha__snp_signing_key key);
/* Decodes raw into *out for the product's layout (components 0 if UNKNOWN). */
void pqcha__snp_tcb_decode(pqcha__snp_tcb *out, uint64_t raw, pqcha__snp_product product);

/* Sets the product of a report whose CPUID does not name one (v2) and
 * decodes its TCBs. A report whose CPUID names a product keeps it.
 * Returns: OK, INVALID_ARGUMENT (NULL, UNKNOWN or another value),
 * CERT_MISMATCH (the CPUID names another product). */
PQCHA_MUST_CHECK pqcha_err pqcha__snp_report_set_product(pqcha__snp_report *r,
                                                         pqcha__snp_product product);

/* Verifies the report's ECDSA P-384/SHA-384 signature over bytes
 * [0, 0x2A0) of the report (bytes: the PQCHA__SNP_REPORT_LEN bytes r was
 * parsed from) with key, which must be an EC P-384 public key.
 * Returns: OK, INVALID_ARGUMENT, EVIDENCE_SIGNATURE, NO_MEMORY, CRYPTO. */
PQCHA_MUST_CHECK pqcha_err pqcha__snp_verify_signature(const pqcha__snp_report *r,
                                                       const uint8_t *bytes, EVP_PKEY *key);

/* ---- certificates (snp_cert.c) ---- */

#define PQCHA__SNP_CERT_MAX        (64u * 1024u)   /* one certificate, DER or PEM */
#define PQCHA__SNP_ROOTS_MAX       (256u * 1024u)  /* a PEM bundle of roots */
#define PQCHA__SNP_CRL_MAX         (1024u * 1024u) /* a CRL, DER or PEM */
#define PQCHA__SNP_ROOTS_MAX_COUNT 16u

/* Exactly one certificate, DER (starting with a SEQUENCE) or one PEM
 * "CERTIFICATE" block; DER must be consumed exactly.
 * Returns: OK, INVALID_ARGUMENT, TOO_LARGE, BAD_CERTIFICATE, NO_MEMORY. */
PQCHA_MUST_CHECK pqcha_err pqcha__snp_cert_load(X509 **out, const uint8_t *bytes, size_t len);
/* AMD's chain PEM: exactly two certificates, the ASK (or ASVK) then the ARK.
 * Returns: OK, INVALID_ARGUMENT, TOO_LARGE, BAD_CERTIFICATE, NO_MEMORY. */
PQCHA_MUST_CHECK pqcha_err pqcha__snp_chain_load(X509 **ask, X509 **ark, const uint8_t *bytes,
                                                 size_t len);
/* One or more PEM certificates (at most PQCHA__SNP_ROOTS_MAX_COUNT).
 * Returns: OK, INVALID_ARGUMENT, TOO_LARGE, BAD_CERTIFICATE, NO_MEMORY. */
PQCHA_MUST_CHECK pqcha_err pqcha__snp_roots_load(STACK_OF(X509) * *out, const uint8_t *bytes,
                                                 size_t len);
/* A CRL, DER or one PEM "X509 CRL" block.
 * Returns: OK, INVALID_ARGUMENT, TOO_LARGE, BAD_CERTIFICATE, NO_MEMORY. */
PQCHA_MUST_CHECK pqcha_err pqcha__snp_crl_load(X509_CRL **out, const uint8_t *bytes, size_t len);

/* What an AMD signing certificate (VCEK or VLEK) says about the chip. */
typedef struct pqcha__snp_cert_claims {
    int is_vlek;                /* subject CN "SEV-VLEK" (else "SEV-VCEK") */
    pqcha__snp_product product; /* from the productName extension, else UNKNOWN */
    int has_hwid;
    uint8_t hwid[64]; /* the hwID extension, raw or unwrapped from an OCTET STRING */
    size_t hwid_len;  /* 64, or 8 on Turin */
    /* TCB SPL extensions; has_* is 0 when the extension is absent. */
    int has_bl, has_tee, has_snp, has_ucode, has_fmc;
    uint8_t bl, tee, snp, ucode, fmc;
} pqcha__snp_cert_claims;

/* Reads the subject and the AMD extensions (1.3.6.1.4.1.3704.1.*) of a VCEK
 * or VLEK: SPLs are DER INTEGERs 0-255, productName an IA5String, hwID 64 or
 * 8 bytes raw or in an OCTET STRING; an extension present twice is refused.
 * Returns: OK, INVALID_ARGUMENT, BAD_CERTIFICATE (subject is neither
 * SEV-VCEK nor SEV-VLEK, or a malformed extension). */
PQCHA_MUST_CHECK pqcha_err pqcha__snp_cert_claims_read(pqcha__snp_cert_claims *out,
                                                       const X509 *cert);

/* The product an AMD ARK names in its subject CN ("ARK-Milan", ...). */
pqcha__snp_product pqcha__snp_ark_product(const X509 *ark);
/* 1 if the ASK's subject CN names a VLEK signing key (ASVK, "SEV-VLEK-..."). */
int pqcha__snp_intermediate_is_asvk(const X509 *ask);

/* child's issuer is parent's subject, child is signed with RSASSA-PSS (as
 * all of AMD's are), and parent's key verifies that signature with the
 * parameters the certificate states.
 * Returns: OK, INVALID_ARGUMENT, CERT_CHAIN. */
PQCHA_MUST_CHECK pqcha_err pqcha__snp_cert_issued_by(X509 *child, const X509 *parent);
/* notBefore <= now <= notAfter.
 * Returns: OK, INVALID_ARGUMENT, CERT_EXPIRED, BAD_CERTIFICATE (a time that
 * cannot be compared). */
PQCHA_MUST_CHECK pqcha_err pqcha__snp_cert_valid_at(const X509 *cert, int64_t now);
/* ark is one of roots, byte for byte or by public key.
 * Returns: OK, INVALID_ARGUMENT, CERT_CHAIN. */
PQCHA_MUST_CHECK pqcha_err pqcha__snp_ark_pinned(const X509 *ark, const STACK_OF(X509) * roots);
/* The CRL names issuer and issuer's key verifies it.
 * Returns: OK, INVALID_ARGUMENT, CERT_CHAIN. */
PQCHA_MUST_CHECK pqcha_err pqcha__snp_crl_issued_by(X509_CRL *crl, const X509 *issuer);
/* thisUpdate <= now <= nextUpdate (when present).
 * Returns: OK, INVALID_ARGUMENT, CERT_EXPIRED, BAD_CERTIFICATE (a time that
 * cannot be compared). */
PQCHA_MUST_CHECK pqcha_err pqcha__snp_crl_valid_at(const X509_CRL *crl, int64_t now);
/* Returns: OK (cert's serial is not listed), INVALID_ARGUMENT, CERT_REVOKED. */
PQCHA_MUST_CHECK pqcha_err pqcha__snp_crl_lists(X509_CRL *crl, const X509 *cert);

/* ---- checks and the pipeline (snp_verify.c) ---- */

#define PQCHA__SNP_MAX_CHECKS 40

/* The policy a report must meet. Zeroed: debug and the migration agent must
 * be off, nothing else is required. (No policy at all, NULL in the inputs,
 * checks authenticity only: a genuine report of a debug VM verifies.) */
typedef struct pqcha__snp_policy {
    const uint8_t *measurement;   /* 48 bytes, or NULL: any */
    const uint8_t *host_data;     /* 32 bytes, or NULL */
    const uint8_t *id_key_digest; /* 48 bytes, or NULL */
    uint32_t min_version;         /* minimum report VERSION; 0: any */
    int allow_debug;              /* POLICY bit 19 may be set */
    int allow_migrate_ma;         /* POLICY bit 18 may be set */
    int has_max_vmpl;
    uint32_t max_vmpl;
    int has_min_tcb; /* each component of REPORTED_TCB >= min_tcb's */
    pqcha__snp_tcb min_tcb;
} pqcha__snp_policy;

typedef struct pqcha__snp_inputs {
    const uint8_t *signing_cert; /* VCEK or VLEK, DER or PEM */
    size_t signing_cert_len;
    const uint8_t *chain; /* AMD's PEM chain: ASK (or ASVK), then ARK */
    size_t chain_len;
    const uint8_t *roots; /* pinned ARKs, one or more PEM certificates */
    size_t roots_len;
    const uint8_t *crl; /* optional (NULL), DER or PEM, from the ARK or the ASK */
    size_t crl_len;
    int64_t now; /* Unix seconds at which certificates must be valid */
    /* For a report whose CPUID does not name the product (v2): UNKNOWN takes
     * the product from the pinned ARK. */
    pqcha__snp_product product;
    const uint8_t *expected_report_data; /* 64 bytes, or NULL: not checked */
    const pqcha__snp_policy *policy;     /* NULL: none (authenticity only) */
} pqcha__snp_inputs;

typedef struct pqcha__snp_outcome {
    pqcha_err err; /* the first failing check's error, or OK */
    int report_parsed;
    size_t report_offset;
    pqcha__snp_wrapper wrapper;
    pqcha__snp_report report; /* valid when report_parsed */
    size_t check_count;
    pqcha__evidence_check checks[PQCHA__SNP_MAX_CHECKS];
} pqcha__snp_outcome;

/* Verifies SEV-SNP evidence (a bare or wrapped report, as
 * pqcha__snp_find_report) offline. Order: report format; certificates parse;
 * ARK pinned and self-signed, ASK by ARK, VCEK/VLEK by ASK; validity at now;
 * CRL; the certificate matches the report (signing key kind, product, hwID,
 * TCB SPLs); the report's signature; REPORT_DATA; the policy. Every check is
 * listed in out; one that cannot be evaluated (its input failed) is SKIPPED.
 * Unlike the rule for outputs, *out is filled for every failed verification
 * (only INVALID_ARGUMENT leaves it zeroed); the return value is out->err.
 * Returns: OK, INVALID_ARGUMENT, BAD_EVIDENCE, UNSUPPORTED_ALGORITHM,
 * TOO_LARGE, BAD_CERTIFICATE, CERT_CHAIN, CERT_EXPIRED, CERT_REVOKED,
 * CERT_MISMATCH, EVIDENCE_SIGNATURE, EVIDENCE_BINDING, EVIDENCE_POLICY,
 * TCB_TOO_LOW, NO_MEMORY, CRYPTO. */
PQCHA_MUST_CHECK pqcha_err pqcha__snp_verify(const uint8_t *bytes, size_t len,
                                             const pqcha__snp_inputs *in, pqcha__snp_outcome *out);

#endif
