/* verify_internal.h — the verifier and its result, shared by the units
 * that make up verification (DEVELOPMENT.md):
 *   verify.c       the ordered check pipeline (FORMAT.md section 5): the one
 *                  file a security reviewer must read
 *   verifier.c     verifier configuration: pinned keys, policy, nonce, time
 *   result.c       the result: checks, verdict, drift list, accessors
 *   drift.c        drift localisation: changed byte ranges and tensors
 *   result_json.c  the result as JSON (pqcha verify --json) */
#ifndef PQCHA_CORE_VERIFY_INTERNAL_H
#define PQCHA_CORE_VERIFY_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/evidence.h"
#include "core/manifest.h"
#include "core/policy_internal.h"
#include "core/report_internal.h"
#include "core/tensor_compare.h"
#include "pqcha/verify.h"

/* ---- verifier (verifier.c) ---- */

struct pqcha_verifier {
    /* Keys pinned with pqcha_verifier_trust_key (public halves, distinct key
     * ids). The policy's trustedKeys are looked up in the policy itself, so
     * replacing the policy also replaces the keys it brought. */
    pqcha_key **keys;
    size_t key_count;
    size_t key_cap;
    const pqcha_policy *policy; /* borrowed */
    char *nonce_hex;            /* the challenge, or NULL */
    int has_time;
    int64_t time;
    int has_max_skew;
    int64_t max_skew;
    int has_max_lifetime;
    int64_t max_lifetime;
    const pqcha_evidence_verifier *evidence; /* borrowed, or NULL */
};

/* FORMAT.md section 5, check 2: the key with that id given to
 * pqcha_verifier_trust_key or listed in the current policy's trustedKeys;
 * NULL if none. */
const pqcha_key *pqcha__verifier_pinned_key(const pqcha_verifier *v, const char *key_id);

/* ---- result (result.c) ---- */

typedef struct pqcha__result_check {
    char *name; /* one allocation holding name, expected and found */
    pqcha_check_status status;
    pqcha_err err;
    char *expected;
    char *found;
} pqcha__result_check;

/* A changed byte range of a drifted region and the tensors it overlaps. */
typedef struct pqcha__result_span {
    char *region;
    uint64_t offset; /* within the region */
    uint64_t length;
    char **tensors; /* the first of them, up to PQCHA_MAX_SPAN_TENSORS */
    size_t tensor_count;
    size_t tensor_total; /* all the tensors it overlaps */
} pqcha__result_span;

/* A required tensor of a drifted region that the report does not show at
 * its reference place. */
typedef struct pqcha__result_missing_tensor {
    char *region;
    char *tensor;
} pqcha__result_missing_tensor;

struct pqcha_result {
    pqcha_verdict verdict;
    pqcha_err error;
    pqcha__result_missing_tensor *missing;
    size_t missing_count;
    size_t missing_cap;
    pqcha__result_check *checks;
    size_t check_count;
    size_t check_cap;
    char **drift;
    size_t drift_count;
    size_t drift_cap;
    pqcha__result_span *spans;
    size_t span_count;
    size_t span_cap;
    size_t names_listed;  /* tensor names held by all spans: at most PQCHA_MAX_LISTED_TENSORS */
    pqcha_report *report; /* set only once authenticated by a pinned key */
};

pqcha_err pqcha__result_add_check(pqcha_result *r, const char *name, pqcha_check_status status,
                                  pqcha_err err, const char *expected, const char *found);
pqcha_err pqcha__result_add_drift(pqcha_result *r, const char *region_id);
void pqcha__result_span_clear(pqcha__result_span *sp);
/* Texts for check details and JSON: a time as RFC 3339 (seconds if out of
 * range), an algorithm's name ("?" if unknown). */
void pqcha__time_text(char out[PQCHA_TIMESTAMP_LEN + 1], int64_t t);
const char *pqcha__sig_alg_text(pqcha_sig_alg alg);
const char *pqcha__digest_alg_text(pqcha_digest_alg alg);

/* ---- drift localisation (drift.c), for regions already in the drift list ---- */

/* Whole-file digests: one span per run of differing node digests, when the
 * claim's nodes and the manifest entry's cover the same bytes (else none). */
pqcha_err pqcha__result_localise_drift(pqcha_result *r, const pqcha__claim *claim,
                                       const pqcha__model_file *f);
/* Tensor digests: one span per changed tensor or gap, then the missing tensors. */
pqcha_err pqcha__result_record_tensor_drift(pqcha_result *r, const pqcha__claim *claim,
                                            const pqcha__tensor_comparison *tc);
/* Appends to out (a region check's "found" text) what a tensor comparison saw. */
void pqcha__tensor_comparison_text(char *out, size_t cap, const pqcha__claim *claim,
                                   const pqcha__tensor_comparison *tc);

/* ---- hardware evidence (verify_evidence.c), check 11b ---- */

typedef struct pqcha__evidence_context {
    const pqcha__evidence_policy *policy;             /* the workload's requirements */
    const pqcha_evidence_verifier *evidence_verifier; /* roots etc., or NULL */
    const pqcha_key *key;                             /* the pinned key that signed */
    const char *challenge;                            /* the verifier's nonce, or NULL */
    const pqcha_report *rep;                          /* authenticated */
    const uint8_t *payload;                           /* the signed statement bytes */
    size_t payload_len;
    int64_t now;
} pqcha__evidence_context;

typedef struct pqcha__evidence_outcome {
    pqcha_err err;
    pqcha_verdict verdict; /* VALID, REJECTED or MALFORMED */
    char expected[256];
    char found[512];
    pqcha_evidence_result *result; /* the evidence verifier's checks (owned), or NULL */
} pqcha__evidence_outcome;

/* Decides check 11b into *o (cleared first); returns o->err. */
pqcha_err pqcha__verify_report_evidence(pqcha__evidence_outcome *o,
                                        const pqcha__evidence_context *ctx);
void pqcha__evidence_outcome_clear(pqcha__evidence_outcome *o);

#endif
