/* attest_evidence.h — the attester's hardware evidence (issue 10): before a
 * report is signed, REPORT_DATA is computed for the chosen binding
 * (core/binding.h), the TEE is asked for evidence carrying it, and the
 * evidence goes into the predicate, inside the signed payload. Used by
 * attest.c only. */
#ifndef PQCHA_RUNTIME_ATTEST_EVIDENCE_H
#define PQCHA_RUNTIME_ATTEST_EVIDENCE_H

#include <stddef.h>

#include "core/binding.h"
#include "core/report_internal.h"
#include "pqcha.h"

typedef struct pqcha__attester_evidence {
    pqcha_evidence_source *source; /* borrowed; NULL: reports carry no evidence */
    pqcha__binding binding;
    /* Key binding vouches for (key, nonce), not for one report: the
     * evidence got for a nonce serves every report with that nonce, so a
     * continuous run asks the TEE once per challenge. */
    char cached_nonce[2 * PQCHA_MAX_NONCE_BYTES + 1];
    pqcha_raw_evidence *cached;
} pqcha__attester_evidence;

/* source NULL turns evidence off. Drops a cached piece. */
void pqcha__attester_evidence_set(pqcha__attester_evidence *ae, pqcha_evidence_source *source,
                                  pqcha__binding binding);
void pqcha__attester_evidence_clear(pqcha__attester_evidence *ae);
/* Bytes the evidence can add to a payload, at most (0 without a source). */
size_t pqcha__attester_evidence_bound(const pqcha__attester_evidence *ae);
/* Before measuring: OK when no evidence is wanted or an interface is
 * there; DEVICE_NOT_PRESENT otherwise, so a report that cannot get its
 * evidence fails before hashing gigabytes. */
pqcha_err pqcha__attester_evidence_probe(const pqcha__attester_evidence *ae);
/* Gets evidence bound to rep (every field but the evidence final) and key,
 * and sets it on rep. Nothing to do without a source.
 * Returns: OK, the source's errors (DEVICE_NOT_PRESENT, DEVICE_BUSY,
 * EVIDENCE_CHANGED, BAD_EVIDENCE, ...), POLICY_VIOLATION (the evidence is
 * of another platform than the source promised), and the encoder's. */
pqcha_err pqcha__attester_evidence_add(pqcha__attester_evidence *ae, pqcha_report *rep,
                                       const pqcha_key *key);

#endif
