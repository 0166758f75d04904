/* pqcha/verify.h — the verifier's side: trust, policy, freshness, and the verdict. */
#ifndef PQCHA_VERIFY_H
#define PQCHA_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "pqcha/crypto.h"
#include "pqcha/error.h"
#include "pqcha/manifest.h"
#include "pqcha/policy.h"
#include "pqcha/report.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- verifier ----
 * Configure it from one thread; once configured, pqcha_verify only reads it,
 * so any number of threads may verify with one verifier at once, as long as
 * none reconfigures it and its policy stays unchanged. */
typedef struct pqcha_verifier pqcha_verifier;
/* Returns: OK, INVALID_ARGUMENT, NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_verifier_create(pqcha_verifier **out);
/* Pins a public key (a copy of its public half is kept).
 * Returns: OK, INVALID_ARGUMENT, NO_MEMORY, CRYPTO. */
PQCHA_MUST_CHECK
pqcha_err pqcha_verifier_trust_key(pqcha_verifier *v, const pqcha_key *key);
/* Uses a finished policy (held by reference: it must outlive v, unchanged)
 * and trusts its trustedKeys. Calling it again replaces the policy and, with it, the keys
 * only the previous policy listed; keys given to pqcha_verifier_trust_key stay.
 * Without a policy only trust, signature, freshness and nonce are checked
 * (docs/FORMAT.md section 5, checks 11-15 skipped): VALID then means only
 * "authentic and fresh", never "memory as expected".
 * Returns: OK, INVALID_ARGUMENT (NULL, or a policy not finished). */
PQCHA_MUST_CHECK
pqcha_err pqcha_verifier_set_policy(pqcha_verifier *v, const pqcha_policy *policy);
/* The challenge the report must carry (lowercase hex).
 * Returns: OK, INVALID_ARGUMENT, BAD_HEX (not PQCHA_MIN_NONCE_BYTES..
 * PQCHA_MAX_NONCE_BYTES bytes of lowercase hex), NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_verifier_expect_nonce(pqcha_verifier *v, const char *nonce_hex);
/* Verifies as of this Unix time instead of the clock (reproducible checks).
 * Returns: OK, INVALID_ARGUMENT (NULL, negative, after 9999-12-31T23:59:59Z). */
PQCHA_MUST_CHECK
pqcha_err pqcha_verifier_set_time(pqcha_verifier *v, int64_t unix_seconds);
/* The hardware-evidence verifier (pqcha/evidence.h) that checks the evidence
 * a report carries when the policy's workload requires it (docs/FORMAT.md
 * section 6.1): its pinned roots, certificates and collateral are used; its
 * time and expected REPORT_DATA are not (the verifier's time, and the
 * binding recomputed from the pinned key, the nonce and the payload, are).
 * It may hold the inputs of both platforms (every vendor root, an SEV-SNP
 * CRL and TDX collateral): each report's evidence is checked with those of
 * its own platform, so one verifier serves a mixed fleet. Borrowed: it must outlive v and not change while pqcha_verify runs. NULL:
 * none, and a report whose workload requires evidence is then rejected
 * (CERT_CHAIN: no roots to check it against).
 * Returns: OK, INVALID_ARGUMENT (v NULL). */
typedef struct pqcha_evidence_verifier pqcha_evidence_verifier;
PQCHA_MUST_CHECK
pqcha_err pqcha_verifier_set_evidence_verifier(pqcha_verifier *v,
                                               const pqcha_evidence_verifier *ev);
/* Overrides the policy's (or default) skew and lifetime bounds; 0..7 days.
 * Returns: OK, INVALID_ARGUMENT (NULL, or outside 0..604800 seconds). */
PQCHA_MUST_CHECK
pqcha_err pqcha_verifier_set_max_skew(pqcha_verifier *v, int64_t seconds);
/* Returns: as pqcha_verifier_set_max_skew. */
PQCHA_MUST_CHECK
pqcha_err pqcha_verifier_set_max_lifetime(pqcha_verifier *v, int64_t seconds);
void pqcha_verifier_free(pqcha_verifier *v);

/* ---- result ---- */
typedef enum pqcha_verdict {
    PQCHA_VERDICT_VALID = 0, /* authentic, fresh, matches policy */
    PQCHA_VERDICT_DRIFT =
        1, /* authentic and fresh, but memory differs or a required region is missing */
    PQCHA_VERDICT_REJECTED = 2, /* signature, trust, freshness, nonce or policy failure */
    PQCHA_VERDICT_MALFORMED = 3 /* the input is not a well-formed report */
} pqcha_verdict;

typedef enum pqcha_check_status {
    PQCHA_CHECK_PASS = 0,
    PQCHA_CHECK_FAIL = 1,
    PQCHA_CHECK_SKIPPED = 2 /* not evaluated because an earlier check failed */
} pqcha_check_status;

typedef struct pqcha_result pqcha_result;

/* Always fills *out (unless an argument is invalid or memory runs out) so the
 * caller can print every check. Returns PQCHA_OK for a VALID verdict, otherwise the
 * deciding error (the first failing check in precedence order: malformed,
 * trust, signature, payload, freshness, nonce, policy, drift), which is also
 * pqcha_result_error(*out).
 * Returns: OK; with *out filled, a malformed-input error (10-39),
 * UNTRUSTED_KEY, BAD_SIGNATURE, CRYPTO, SIGNER_MISMATCH, POLICY_VIOLATION,
 * EXPIRED, NOT_YET_VALID, LIFETIME_TOO_LONG, NONCE_MISMATCH, UNKNOWN_WORKLOAD,
 * DUPLICATE_REGION, UNEXPECTED_REGION, MISSING_REGION, MEMORY_DRIFT; with
 * *out NULL, INVALID_ARGUMENT (out or v NULL, envelope NULL with len > 0) or
 * NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_verify(pqcha_result **out, const pqcha_verifier *v, const char *envelope,
                       size_t len);

/* For a verifier that keeps many outstanding challenges at once (a service
 * answering many workloads): instead of one expected nonce, check(ctx,
 * workload_id, nonce_hex) says whether the report's nonce is a challenge
 * issued for the report's workload, still open. It is called at most once,
 * from the calling thread, and only for an authentic report (trusted key,
 * valid signature, fresh), so an unauthenticated report never learns or
 * uses up a challenge. It returns OK, or the error the "nonce" check fails
 * with: NONCE_UNKNOWN, NONCE_USED or NONCE_EXPIRED (verdict REJECTED); any
 * other error (its store failed) abandons verification and is returned with
 * *out NULL. A nonce given with pqcha_verifier_expect_nonce is not used;
 * key-binding hardware evidence must bind the report's accepted nonce.
 * Returns: as pqcha_verify, plus NONCE_UNKNOWN, NONCE_USED, NONCE_EXPIRED,
 * and with *out NULL INVALID_ARGUMENT (check NULL) or check's own error. */
typedef pqcha_err (*pqcha_nonce_check_fn)(void *ctx, const char *workload_id,
                                          const char *nonce_hex);
PQCHA_MUST_CHECK
pqcha_err pqcha_verify_challenged(pqcha_result **out, const pqcha_verifier *v, const char *envelope,
                                  size_t len, pqcha_nonce_check_fn check, void *ctx);

/* A result never changes: any number of threads may read it at once. Its
 * strings are borrowed, valid until pqcha_result_free. A NULL result reads
 * as MALFORMED (never VALID), with error INVALID_ARGUMENT. */
pqcha_verdict pqcha_result_verdict(const pqcha_result *r);
/* Returns: the deciding error (OK for VALID); INVALID_ARGUMENT for r NULL. */
PQCHA_MUST_CHECK
pqcha_err pqcha_result_error(const pqcha_result *r);
/* Checks in evaluation order. name: e.g. "signature", "nonce", "region:model-weights-0". */
size_t pqcha_result_check_count(const pqcha_result *r);
const char *pqcha_result_check_name(const pqcha_result *r, size_t i);
pqcha_check_status pqcha_result_check_status(const pqcha_result *r, size_t i);
/* Returns: check i's error (OK unless it failed); INVALID_ARGUMENT for r NULL
 * or i out of range. */
PQCHA_MUST_CHECK
pqcha_err pqcha_result_check_error(const pqcha_result *r, size_t i);
/* What the check expected and what it found, as text for people ("" if
 * none): UTF-8, names from the report escaped by no one (escape them before
 * a terminal); a long one is shortened, never inside a character. */
const char *pqcha_result_check_expected(const pqcha_result *r, size_t i); /* "" if none */
const char *pqcha_result_check_found(const pqcha_result *r, size_t i);    /* "" if none */
/* Region ids whose authentic digest differs from the policy, or that are missing. */
size_t pqcha_result_drift_count(const pqcha_result *r);
const char *pqcha_result_drift_region(const pqcha_result *r, size_t i);
/* Where drifted regions changed (docs/FORMAT.md section 4.5): byte ranges
 * ("spans") of a region, grouped by region in the report's order and by
 * offset within one, and the tensors each overlaps. Present only for a
 * drifted region whose policy reference is a manifest entry with node
 * digests and whose report claim carries nodes of the same shape (the same
 * size); never before trust, signature, freshness and nonce passed. Offsets
 * are relative to the region's first byte. A span lists the names of at
 * most PQCHA_MAX_SPAN_TENSORS of the tensors it overlaps, and a result at
 * most PQCHA_MAX_LISTED_TENSORS names in all, so that a region drifted end
 * to end costs no more than a summary; _tensor_total counts them all. */
#define PQCHA_MAX_SPAN_TENSORS   32u
#define PQCHA_MAX_LISTED_TENSORS 4096u
size_t pqcha_result_span_count(const pqcha_result *r);
const char *pqcha_result_span_region(const pqcha_result *r, size_t i);
uint64_t pqcha_result_span_offset(const pqcha_result *r, size_t i);
uint64_t pqcha_result_span_length(const pqcha_result *r, size_t i);
size_t pqcha_result_span_tensor_count(const pqcha_result *r, size_t i); /* listed */
size_t pqcha_result_span_tensor_total(const pqcha_result *r, size_t i); /* overlapped */
const char *pqcha_result_span_tensor(const pqcha_result *r, size_t i, size_t tensor);
/* For a sha3-256-segments region whose reference is a manifest entry
 * (docs/FORMAT.md section 5, "Tensor digests"), each changed tensor is a span
 * of exactly its bytes naming it, each changed run of bytes outside tensors a
 * span naming none, and each required tensor the report does not show at its
 * reference offset and size is listed here, in region and file order. */
size_t pqcha_result_missing_tensor_count(const pqcha_result *r);
const char *pqcha_result_missing_tensor_region(const pqcha_result *r, size_t i);
const char *pqcha_result_missing_tensor(const pqcha_result *r, size_t i);
/* The decoded report, only once its signature was verified by a trusted key; else NULL. */
const pqcha_report *pqcha_result_report(const pqcha_result *r);
/* The whole result as a JSON object (verdict, error, checks, drift, driftDetails
 * [{"region", "offset", "length", "tensorCount", "tensors"}], missingTensors [{"region",
 * "tensor"}], report summary). Compact, with every non-ASCII character as
 * \uXXXX: the values are exact, and none of a report's strings (tensor names,
 * ids) can reach a terminal as a control or bidirectional character.
 * Returns: OK, INVALID_ARGUMENT, NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_result_to_json(char **out, const pqcha_result *r);
void pqcha_result_free(pqcha_result *r);

const char *pqcha_verdict_name(pqcha_verdict v); /* "valid", "drift", "rejected", "malformed" */
/* "pass", "fail", "skipped" (as in the JSON results); "unknown" otherwise. */
const char *pqcha_check_status_name(pqcha_check_status s);

#ifdef __cplusplus
}
#endif
#endif
