/* evidence_policy.h — a verifier's requirements on hardware evidence
 * (docs/FORMAT.md section 6.1): the platform, the binding modes it
 * accepts, and the reference values the SEV-SNP or TDX verifier enforces.
 * One JSON object, the same in a policy's workloads[w].evidence and in the
 * file `pqcha evidence verify --policy` reads. Pure core. */
#ifndef PQCHA_CORE_EVIDENCE_POLICY_H
#define PQCHA_CORE_EVIDENCE_POLICY_H

#include <jansson.h>

#include "core/binding.h"
#include "core/snp.h"
#include "core/tdx.h"

#define PQCHA__EVIDENCE_POLICY_MAX_STATUSES 9u /* every status Intel names */

/* Bits of binding_mask. */
#define PQCHA__BINDING_BIT(b) (1u << (unsigned)(b))

typedef struct pqcha__evidence_policy {
    char platform[16];     /* "amd-sev-snp" or "intel-tdx" */
    unsigned binding_mask; /* PQCHA__BINDING_BIT of each accepted binding */
    /* SEV-SNP: the values; snp's pointers point into them. */
    uint8_t measurement[48], host_data[32], id_key_digest[48];
    pqcha__snp_policy snp;
    /* TDX: the values; tdx's pointers point into them. */
    uint8_t mr_td[48], rtmr[4][48], mr_config_id[48], mr_owner[48], min_tee_tcb_svn[16];
    const char *tcb_statuses[PQCHA__EVIDENCE_POLICY_MAX_STATUSES]; /* static names */
    size_t tcb_status_count;
    pqcha__tdx_policy tdx;
} pqcha__evidence_policy;

/* Parses the object strictly: "platform" required; every other key
 * optional and known for that platform (UNKNOWN_FIELD otherwise); types
 * (WRONG_TYPE), hex of the exact length (BAD_HEX), integer ranges
 * (OUT_OF_RANGE); an unknown platform, binding or TCB status, or an empty
 * status list, is BAD_POLICY. *out is heap-allocated (its pointers point
 * into itself): free with pqcha__evidence_policy_free.
 * Returns: OK, the errors above, INVALID_ARGUMENT, NO_MEMORY. */
PQCHA_MUST_CHECK pqcha_err pqcha__evidence_policy_from_json(pqcha__evidence_policy **out,
                                                            const json_t *obj);
/* The same from JSON text (at most 64 KiB: TOO_LARGE), with the strict
 * JSON rules of every pqcha document (duplicate keys, syntax). */
PQCHA_MUST_CHECK pqcha_err pqcha__evidence_policy_parse(pqcha__evidence_policy **out,
                                                        const char *text, size_t len);
void pqcha__evidence_policy_free(pqcha__evidence_policy *p);

/* 1 if the policy accepts evidence bound in mode b. */
int pqcha__evidence_policy_accepts_binding(const pqcha__evidence_policy *p, pqcha__binding b);

#endif
