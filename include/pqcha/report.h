/* pqcha/report.h — regions, signed reports and their DSSE envelope (docs/FORMAT.md). */
#ifndef PQCHA_REPORT_H
#define PQCHA_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "pqcha/crypto.h"
#include "pqcha/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- size caps (also in docs/FORMAT.md) ---- */
#define PQCHA_MAX_ENVELOPE_LEN    (16u * 1024u * 1024u)
#define PQCHA_MAX_PAYLOAD_LEN     (12u * 1024u * 1024u)
#define PQCHA_MAX_POLICY_LEN      (4u * 1024u * 1024u)
#define PQCHA_MAX_REGIONS         65536u
#define PQCHA_MAX_ID_LEN          256u /* region, workload, report ids (bytes) */
#define PQCHA_MAX_DESCRIPTION_LEN 1024u
#define PQCHA_MIN_NONCE_BYTES     8u
#define PQCHA_MAX_NONCE_BYTES     64u
#define PQCHA_MAX_SAFE_INTEGER    9007199254740991ull /* 2^53-1: every JSON reader agrees */

/* The strings that make a pqcha report a pqcha report. */
#define PQCHA_PAYLOAD_TYPE   "application/vnd.pqcha.attestation.v1+json"
#define PQCHA_STATEMENT_TYPE "https://in-toto.io/Statement/v1"
#define PQCHA_PREDICATE_TYPE "https://pqcha.dev/attestation/memory/v1"

/* ---- memory regions ---- */
typedef enum pqcha_protection {
    PQCHA_PROT_R = 1,
    PQCHA_PROT_RO = 2,
    PQCHA_PROT_RW = 3,
    PQCHA_PROT_RX = 4
} pqcha_protection;

/* "R", "RO", "RW" or "RX". On error *out is 0, no protection
 * (pqcha_protection_name(0) is NULL).
 * Returns: OK, INVALID_ARGUMENT (out NULL), BAD_PROTECTION (anything else, NULL too). */
PQCHA_MUST_CHECK
pqcha_err pqcha_protection_parse(pqcha_protection *out, const char *name);
const char *pqcha_protection_name(pqcha_protection p); /* NULL if unknown */

/* A named range of memory: id, description, address, size, protection.
 * Ids: 1..PQCHA_MAX_ID_LEN bytes of UTF-8 without control characters. */
typedef struct pqcha_region pqcha_region;
/* description NULL is "". size is at most 2^53-1 and address + size does not
 * pass 2^64.
 * Returns: OK, INVALID_ARGUMENT (out or id NULL), BAD_IDENTIFIER (the id, or
 * a description that is not UTF-8 without control characters), TOO_LARGE
 * (description above PQCHA_MAX_DESCRIPTION_LEN), OUT_OF_RANGE, BAD_PROTECTION,
 * NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_region_create(pqcha_region **out, const char *id, const char *description,
                              uint64_t address, uint64_t size, pqcha_protection protection);
/* A deep copy (mapping and tensors included).
 * Returns: OK, INVALID_ARGUMENT, NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_region_copy(pqcha_region **out, const pqcha_region *r);
/* A region that is a mapping of a file (from a process's memory map) records
 * the file's path and the file offset the mapping starts at.
 * Returns: OK, INVALID_ARGUMENT (NULL, empty file), TOO_LARGE (a path above
 * 4096 bytes), BAD_IDENTIFIER (not UTF-8 without control characters),
 * OUT_OF_RANGE (file_offset above 2^53-1), NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_region_set_mapping(pqcha_region *r, const char *file, uint64_t file_offset);
const char *pqcha_region_mapped_file(const pqcha_region *r); /* NULL if not a file mapping */
uint64_t pqcha_region_file_offset(const pqcha_region *r);
/* The mapped file was deleted or replaced on disk (its path now names another
 * file, or none): the report says so. Only on a file mapping.
 * Returns: OK, INVALID_ARGUMENT (r NULL or not a file mapping). */
PQCHA_MUST_CHECK
pqcha_err pqcha_region_set_file_deleted(pqcha_region *r, int deleted);
int pqcha_region_file_deleted(const pqcha_region *r);
/* Declares a tensor of the model file a mapping region holds: its name and
 * the absolute file offset and size of its bytes, which must lie wholly
 * inside the region's bytes of the file (OUT_OF_RANGE) and after the
 * previous tensor (MALFORMED). With tensors, the attester measures the region
 * as sha3-256-segments (docs/FORMAT.md section 4.6): one digest per tensor,
 * checked by a verifier against its manifest whatever file offset the mapping
 * starts at. Names follow the manifest's rules (BAD_IDENTIFIER, TOO_LARGE);
 * at most PQCHA_MAX_TENSORS per region. Only on a file mapping.
 * Returns: OK, INVALID_ARGUMENT (NULL, not a file mapping), BAD_IDENTIFIER,
 * TOO_LARGE, OUT_OF_RANGE, MALFORMED, NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_region_add_tensor(pqcha_region *r, const char *name, uint64_t file_offset,
                                  uint64_t size);
size_t pqcha_region_tensor_count(const pqcha_region *r);
const char *pqcha_region_tensor_name(const pqcha_region *r, size_t i);
const char *pqcha_region_id(const pqcha_region *r);
const char *pqcha_region_description(const pqcha_region *r);
uint64_t pqcha_region_address(const pqcha_region *r);
uint64_t pqcha_region_size(const pqcha_region *r);
pqcha_protection pqcha_region_protection(const pqcha_region *r);
void pqcha_region_free(pqcha_region *r);

/* Validates an identifier (region, workload) the way the decoder does.
 * Returns: OK, INVALID_ARGUMENT (id NULL), BAD_IDENTIFIER. */
PQCHA_MUST_CHECK
pqcha_err pqcha_identifier_check(const char *id);

/* ---- reports ----
 * A decoded or about-to-be-signed report. Everything in it is covered by
 * the signature: the verifier decides on nothing else. */
typedef struct pqcha_report pqcha_report;

size_t pqcha_report_region_count(const pqcha_report *rep);
const char *pqcha_report_id(const pqcha_report *rep);
const char *pqcha_report_workload_id(const pqcha_report *rep);
const char *pqcha_report_platform(const pqcha_report *rep);
const char *pqcha_report_signer_key_id(const pqcha_report *rep);
pqcha_sig_alg pqcha_report_signer_algorithm(const pqcha_report *rep);
const char *pqcha_report_nonce(const pqcha_report *rep); /* lowercase hex */
uint64_t pqcha_report_sequence(const pqcha_report *rep);
int64_t pqcha_report_issued_at(const pqcha_report *rep);  /* Unix seconds */
int64_t pqcha_report_expires_at(const pqcha_report *rep); /* Unix seconds */
/* Region i (0-based) in report order; NULL if out of range. */
const pqcha_region *pqcha_report_region(const pqcha_report *rep, size_t i);
const char *pqcha_report_region_digest_hex(const pqcha_report *rep, size_t i);
pqcha_digest_alg pqcha_report_region_digest_alg(const pqcha_report *rep, size_t i);
int64_t pqcha_report_region_taken_at(const pqcha_report *rep, size_t i);
/* Attester-supplied expected digest (informational only, never trusted); NULL if absent. */
const char *pqcha_report_region_expected_hex(const pqcha_report *rep, size_t i);
/* The hardware evidence the report carries (docs/FORMAT.md 4.7): its
 * platform ("amd-sev-snp", "intel-tdx") and binding ("key", "report"), or
 * NULL when there is none; its raw bytes (a report or quote for
 * pqcha_evidence_parse) and the certificates that came with it (an SEV-SNP
 * certificate table), or NULL with *len 0. As authentic as the report: read
 * them from a verified report (pqcha_result_report) to trust them. */
const char *pqcha_report_evidence_platform(const pqcha_report *rep);
const char *pqcha_report_evidence_binding(const pqcha_report *rep);
const uint8_t *pqcha_report_evidence_bytes(const pqcha_report *rep, size_t *len);
const uint8_t *pqcha_report_evidence_certificates(const pqcha_report *rep, size_t *len);
void pqcha_report_free(pqcha_report *rep);

/* Decodes an envelope WITHOUT verifying it (for `pqcha inspect`): strict
 * syntax checks only. Never base a decision on the result.
 * Returns: OK, INVALID_ARGUMENT, NO_MEMORY, or the malformed-input error
 * (10-39) of the first defect found: any of them but BAD_KEY and BAD_POLICY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_report_decode_unverified(pqcha_report **out, const char *envelope, size_t len);

/* The payload JSON of an envelope, pretty-printed, and its single signature's
 * key id and length, without verification. Each output may be NULL (not
 * wanted), but not all three.
 * Returns: OK, INVALID_ARGUMENT, NO_MEMORY, or the malformed-input error of
 * the envelope (or, when payload_pretty is wanted, of the payload as JSON):
 * TOO_LARGE, JSON_SYNTAX, JSON_DUPLICATE_KEY, JSON_TOO_COMPLEX, OUT_OF_RANGE,
 * UNKNOWN_FIELD, MISSING_FIELD, WRONG_TYPE, BAD_BASE64, BAD_HEX,
 * BAD_PAYLOAD_TYPE, SIGNATURE_COUNT, BAD_SIGNATURE_LENGTH. */
PQCHA_MUST_CHECK
pqcha_err pqcha_envelope_describe(char **payload_pretty, char **key_id, size_t *sig_len,
                                  const char *envelope, size_t len);

/* Time helpers: RFC 3339 "YYYY-MM-DDTHH:MM:SSZ" <-> Unix seconds, years
 * 1970..9999. */
#define PQCHA_TIMESTAMP_LEN 20 /* without NUL */
/* The latest time a timestamp can hold: 9999-12-31T23:59:59Z. */
#define PQCHA_MAX_UNIX_SECONDS INT64_C(253402300799)
/* On error out is "".
 * Returns: OK, INVALID_ARGUMENT (out NULL), OUT_OF_RANGE (before 1970 or
 * after 9999-12-31T23:59:59Z). */
PQCHA_MUST_CHECK
pqcha_err pqcha_time_format(char out[PQCHA_TIMESTAMP_LEN + 1], int64_t unix_seconds);
/* Accepts (and ignores) a fraction of 1 to 9 digits before the "Z"; nothing
 * but "Z" as the zone. On error *out is 0.
 * Returns: OK, INVALID_ARGUMENT, BAD_TIMESTAMP, TIMESTAMP_NO_ZONE. */
PQCHA_MUST_CHECK
pqcha_err pqcha_time_parse(int64_t *out, const char *text);

#ifdef __cplusplus
}
#endif
#endif
