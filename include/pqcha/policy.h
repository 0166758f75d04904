/* pqcha/policy.h — the verifier's reference values (docs/FORMAT.md section 6):
 * read from JSON, or built in code and written as JSON, in one place. */
#ifndef PQCHA_POLICY_H
#define PQCHA_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "pqcha/crypto.h"
#include "pqcha/error.h"
#include "pqcha/manifest.h"
#include "pqcha/report.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PQCHA_DEFAULT_MAX_SKEW_SECONDS     60
#define PQCHA_DEFAULT_MAX_LIFETIME_SECONDS 3600

typedef struct pqcha_policy pqcha_policy;

/* Reads a policy strictly (FORMAT.md section 6 lists every rejection). A
 * parsed policy is finished: it never changes unless added to.
 * Returns: OK, INVALID_ARGUMENT (out NULL, json NULL with len > 0),
 * NO_MEMORY, CRYPTO, BAD_POLICY, BAD_KEY, or another malformed-input error
 * (10-39) of the JSON or of an embedded manifest entry: TOO_LARGE,
 * JSON_SYNTAX, JSON_DUPLICATE_KEY, JSON_TOO_COMPLEX, UNKNOWN_FIELD,
 * MISSING_FIELD, WRONG_TYPE, OUT_OF_RANGE, BAD_HEX, BAD_IDENTIFIER,
 * MALFORMED, INCONSISTENT_CLAIMS, UNSUPPORTED_ALGORITHM. */
PQCHA_MUST_CHECK
pqcha_err pqcha_policy_parse(pqcha_policy **out, const char *json, size_t len);
/* The longest staleness interval a policy may name (a year), in seconds. */
#define PQCHA_MAX_STALE_AFTER_SECONDS 31536000
/* 1 if the policy has an entry for the workload, else 0 (also for NULL). */
int pqcha_policy_has_workload(const pqcha_policy *p, const char *workload_id);
/* The workloads, in the policy's order (sorted by id once parsed or
 * finished); the id is borrowed, valid until p is freed; NULL out of range. */
size_t pqcha_policy_workload_count(const pqcha_policy *p);
const char *pqcha_policy_workload_id(const pqcha_policy *p, size_t i);
/* The workload's staleAfterSeconds (docs/FORMAT.md 6): how long a verifier
 * service waits for its next report before calling it stale, 0 for never;
 * -1 when the policy leaves it to the service (or has no such workload). */
int64_t pqcha_policy_workload_stale_after(const pqcha_policy *p, const char *workload_id);
/* Trusted public keys listed in the policy; borrowed, valid until p is freed. */
size_t pqcha_policy_trusted_key_count(const pqcha_policy *p);
const pqcha_key *pqcha_policy_trusted_key(const pqcha_policy *p, size_t i);
void pqcha_policy_free(pqcha_policy *p);

/* ---- building a policy (what `pqcha policy` writes) ----
 * Create, add keys, manifest entries, workloads and their regions, then
 * pqcha_policy_finish: only a finished policy is used by a verifier
 * (INVALID_ARGUMENT otherwise) or written. Adding to a finished policy
 * unfinishes it. Strings and keys are copied. The same rules hold as for a
 * parsed policy, so what pqcha_policy_to_json writes parses back equal.
 * A failed add leaves the policy as it was. */
/* Returns: OK, INVALID_ARGUMENT, NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_policy_create(pqcha_policy **out);
/* The key's public half (a private key is refused: BAD_KEY, as in a policy
 * file). A key already trusted is not added twice.
 * Returns: OK, INVALID_ARGUMENT, BAD_KEY, TOO_LARGE (more than 256 keys),
 * NO_MEMORY, CRYPTO. */
PQCHA_MUST_CHECK
pqcha_err pqcha_policy_add_trusted_key(pqcha_policy *p, const pqcha_key *key);
/* File entry `file` of a manifest, embedded under its name (the file's base
 * name), for regions to refer to.
 * Returns: OK, INVALID_ARGUMENT (NULL, file out of range), TOO_LARGE (more
 * than PQCHA_MAX_MANIFEST_FILES entries), NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_policy_add_manifest_entry(pqcha_policy *p, const pqcha_manifest *m, size_t file);
/* platform NULL: any platform.
 * Returns: OK, INVALID_ARGUMENT, BAD_IDENTIFIER (workload id or platform),
 * TOO_LARGE (more than 1024 workloads), NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_policy_add_workload(pqcha_policy *p, const char *workload_id, const char *platform,
                                    int allow_extra_regions);
/* The workload's staleness interval (pqcha_policy_workload_stale_after),
 * 0 (never) to PQCHA_MAX_STALE_AFTER_SECONDS.
 * Returns: OK, INVALID_ARGUMENT, OUT_OF_RANGE, UNKNOWN_WORKLOAD (no
 * workload of that id added). */
PQCHA_MUST_CHECK
pqcha_err pqcha_policy_set_workload_stale_after(pqcha_policy *p, const char *workload_id,
                                                int64_t seconds);
/* The hardware evidence the workload's reports must carry: json is the
 * requirements object of docs/FORMAT.md section 6.1 (platform, binding,
 * reference values), as pqcha policy --evidence reads it from a file.
 * Replaces an earlier one; on error p is unchanged.
 * Returns: OK, INVALID_ARGUMENT, UNKNOWN_WORKLOAD (no workload of that id
 * added), BAD_POLICY, and the JSON and field errors of section 1
 * (JSON_SYNTAX, JSON_DUPLICATE_KEY, UNKNOWN_FIELD, WRONG_TYPE, BAD_HEX,
 * OUT_OF_RANGE, TOO_LARGE), NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_policy_set_workload_evidence(pqcha_policy *p, const char *workload_id,
                                             const char *json, size_t len);
/* A region of a workload added before, matching any of n digests (one per
 * algorithm, lowercase hex of the algorithm's length).
 * Returns: OK, INVALID_ARGUMENT (NULL, an unknown algorithm), BAD_IDENTIFIER,
 * BAD_HEX, BAD_POLICY (n 0, an algorithm twice), UNKNOWN_WORKLOAD, TOO_LARGE
 * (more than PQCHA_MAX_REGIONS regions), NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_policy_add_region_digests(pqcha_policy *p, const char *workload_id,
                                          const char *region_id, const pqcha_digest_alg *algs,
                                          const char *const *hex, size_t n);
/* A region that must equal the manifest entry named `manifest` (added
 * before finishing), and, measured tensor by tensor, show the n tensors
 * named (n 0: every tensor of the entry).
 * Returns: OK, INVALID_ARGUMENT (NULL, a NULL tensor name), BAD_IDENTIFIER
 * (region id or manifest name), BAD_POLICY (a tensor named twice),
 * UNKNOWN_WORKLOAD, TOO_LARGE, NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_policy_add_region_manifest(pqcha_policy *p, const char *workload_id,
                                           const char *region_id, const char *manifest,
                                           const char *const *tensors, size_t n);
/* Sorts and checks what was added: BAD_POLICY for no workload, a workload
 * without regions, two workloads or manifest entries of one name, a
 * reference to a manifest entry or tensor that is not there; REGION_EXISTS
 * for two regions of one id in a workload.
 * Returns: OK, INVALID_ARGUMENT, BAD_POLICY, REGION_EXISTS, NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_policy_finish(pqcha_policy *p);
/* The policy as JSON: an outline (one key, entry or region per line, values
 * compact), keys in a fixed order, non-ASCII escaped; NUL-terminated, free
 * with pqcha_free. INVALID_ARGUMENT if not finished. out_len may be NULL.
 * A text above PQCHA_MAX_POLICY_LEN is TOO_LARGE, with *out NULL and its
 * size in *out_len (for the message); on any other error *out_len is 0.
 * Returns: OK, INVALID_ARGUMENT, TOO_LARGE, NO_MEMORY, CRYPTO. */
PQCHA_MUST_CHECK
pqcha_err pqcha_policy_to_json(char **out, size_t *out_len, const pqcha_policy *p);
/* File entry `file` of a manifest as the compact JSON object a policy's
 * "manifests" section embeds (docs/FORMAT.md sections 6 and 8),
 * NUL-terminated, free with pqcha_free.
 * Returns: OK, INVALID_ARGUMENT (NULL, file out of range), NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_policy_manifest_entry_json(char **out, const pqcha_manifest *m, size_t file);

#ifdef __cplusplus
}
#endif
#endif
