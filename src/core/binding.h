/* binding.h — what a hardware report's 64-byte REPORT_DATA binds
 * (docs/FORMAT.md section 4.7): a domain-separated SHA-512 of
 *
 *   key binding:    the attester's ML-DSA key id and the verifier's nonce,
 *                   so the hardware vouches that this key lives in this VM;
 *   report binding: the signed statement itself with its evidence member
 *                   emptied, so the hardware vouches for this one report.
 *
 * The attester computes it before it asks the TEE for evidence; the
 * verifier recomputes it from what it knows (the key it pinned, its nonce,
 * the authenticated payload), never from a value the report states. Pure
 * core: bytes in, digest out. */
#ifndef PQCHA_CORE_BINDING_H
#define PQCHA_CORE_BINDING_H

#include <stddef.h>
#include <stdint.h>

#include "pqcha/error.h"

#define PQCHA__REPORT_DATA_LEN 64u

typedef enum pqcha__binding { PQCHA__BINDING_KEY = 1, PQCHA__BINDING_REPORT = 2 } pqcha__binding;

/* "key", "report"; NULL for another value. */
const char *pqcha__binding_name(pqcha__binding b);
/* Returns: OK, INVALID_ARGUMENT (NULL), BAD_EVIDENCE (neither name). */
PQCHA_MUST_CHECK pqcha_err pqcha__binding_parse(pqcha__binding *out, const char *name);

/* Key binding: SHA-512("pqcha/report-data/v1" 0x00 "key" 0x00 || key id
 * (32 bytes) || nonce (nonce_len bytes, 8..64)).
 * key_id_hex: the key id as pqcha_key_id gives it (64 lowercase hex).
 * Returns: OK, INVALID_ARGUMENT, BAD_HEX, OUT_OF_RANGE (nonce length),
 * CRYPTO. */
PQCHA_MUST_CHECK pqcha_err pqcha__report_data_for_key(uint8_t out[PQCHA__REPORT_DATA_LEN],
                                                      const char *key_id_hex,
                                                      const char *nonce_hex);

/* Report binding: SHA-512("pqcha/report-data/v1" 0x00 "report" 0x00 || S0)
 * where S0 is the statement bytes with the value of predicate.evidence —
 * from its '[' to the matching ']' — replaced by the two bytes "[]". The
 * statement is tokenised strictly (json_pull.h); nothing else about it is
 * interpreted, so an attester hashing its own statement before evidence
 * exists and a verifier hashing the signed one agree byte for byte.
 * Returns: OK, INVALID_ARGUMENT, JSON_SYNTAX, JSON_TOO_COMPLEX, MALFORMED
 * (no predicate object with an evidence array), CRYPTO. */
PQCHA_MUST_CHECK pqcha_err pqcha__report_data_for_statement(uint8_t out[PQCHA__REPORT_DATA_LEN],
                                                            const uint8_t *statement, size_t len);

#endif
