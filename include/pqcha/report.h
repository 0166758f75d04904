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
#define PQCHA_MAX_ENVELOPE_LEN (16u * 1024u * 1024u)
#define PQCHA_MAX_PAYLOAD_LEN (12u * 1024u * 1024u)
#define PQCHA_MAX_POLICY_LEN (4u * 1024u * 1024u)
#define PQCHA_MAX_REGIONS 65536u
#define PQCHA_MAX_ID_LEN 256u          /* region, workload, report ids (bytes) */
#define PQCHA_MAX_DESCRIPTION_LEN 1024u
#define PQCHA_MIN_NONCE_BYTES 8u
#define PQCHA_MAX_NONCE_BYTES 64u
#define PQCHA_MAX_SAFE_INTEGER 9007199254740991ull /* 2^53-1: every JSON reader agrees */

/* The strings that make a pqcha report a pqcha report. */
#define PQCHA_PAYLOAD_TYPE "application/vnd.pqcha.attestation.v1+json"
#define PQCHA_STATEMENT_TYPE "https://in-toto.io/Statement/v1"
#define PQCHA_PREDICATE_TYPE "https://pqcha.dev/attestation/memory/v1"

/* ---- memory regions ---- */
typedef enum pqcha_protection {
    PQCHA_PROT_R = 1,
    PQCHA_PROT_RO = 2,
    PQCHA_PROT_RW = 3,
    PQCHA_PROT_RX = 4
} pqcha_protection;

pqcha_err pqcha_protection_parse(pqcha_protection *out, const char *name); /* PQCHA_ERR_BAD_PROTECTION */
const char *pqcha_protection_name(pqcha_protection p);                   /* NULL if unknown */

/* A named range of memory: id, description, address, size, protection.
 * Ids: 1..PQCHA_MAX_ID_LEN bytes of UTF-8 without control characters. */
typedef struct pqcha_region pqcha_region;
pqcha_err pqcha_region_create(pqcha_region **out, const char *id, const char *description,
                              uint64_t address, uint64_t size, pqcha_protection protection);
pqcha_err pqcha_region_copy(pqcha_region **out, const pqcha_region *r);
/* A region that is a mapping of a file (from a process's memory map) records
 * the file's path and the file offset the mapping starts at. */
pqcha_err pqcha_region_set_mapping(pqcha_region *r, const char *file, uint64_t file_offset);
const char *pqcha_region_mapped_file(const pqcha_region *r); /* NULL if not a file mapping */
uint64_t pqcha_region_file_offset(const pqcha_region *r);
/* The mapped file was deleted or replaced on disk (its path now names another
 * file, or none): the report says so. Only on a file mapping. */
pqcha_err pqcha_region_set_file_deleted(pqcha_region *r, int deleted);
int pqcha_region_file_deleted(const pqcha_region *r);
/* Declares a tensor of the model file a mapping region holds: its name and
 * the absolute file offset and size of its bytes, which must lie wholly
 * inside the region's bytes of the file (OUT_OF_RANGE) and after the
 * previous tensor (MALFORMED). With tensors, the attester measures the region
 * as sha3-256-segments (docs/FORMAT.md section 4.6): one digest per tensor,
 * checked by a verifier against its manifest whatever file offset the mapping
 * starts at. Names follow the manifest's rules (BAD_IDENTIFIER, TOO_LARGE);
 * at most PQCHA_MAX_TENSORS per region. Only on a file mapping. */
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

/* Validates an identifier (region, workload) the way the decoder does. */
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
void pqcha_report_free(pqcha_report *rep);

/* Decodes an envelope WITHOUT verifying it (for `pqcha inspect`): strict
 * syntax checks only. Never base a decision on the result. */
pqcha_err pqcha_report_decode_unverified(pqcha_report **out, const char *envelope, size_t len);

/* The payload JSON of an envelope, pretty-printed, and its single signature's
 * key id and length, without verification. */
pqcha_err pqcha_envelope_describe(char **payload_pretty, char **key_id, size_t *sig_len,
                                  const char *envelope, size_t len);

/* Time helpers: RFC 3339 "YYYY-MM-DDTHH:MM:SSZ" <-> Unix seconds. */
#define PQCHA_TIMESTAMP_LEN 20 /* without NUL */
pqcha_err pqcha_time_format(char out[PQCHA_TIMESTAMP_LEN + 1], int64_t unix_seconds);
pqcha_err pqcha_time_parse(int64_t *out, const char *text);

#ifdef __cplusplus
}
#endif
#endif
