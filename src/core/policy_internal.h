/* policy_internal.h — the parsed verifier policy (docs/FORMAT.md section 6)
 * and the lookups the verifier runs against it. The public API sees only
 * pqcha_policy_parse, the trusted-key accessors and pqcha_policy_free. */
#ifndef PQCHA_POLICY_INTERNAL_H
#define PQCHA_POLICY_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/evidence_policy.h"
#include "core/manifest.h"
#include "pqcha.h"

#define PQCHA__POLICY_MAX_TRUSTED_KEYS 256u
#define PQCHA__POLICY_MAX_WORKLOADS    1024u
#define PQCHA__POLICY_MAX_REGIONS      PQCHA_MAX_REGIONS
#define PQCHA__POLICY_MAX_MANIFESTS    PQCHA_MAX_MANIFEST_FILES
#define PQCHA__POLICY_MAX_SECONDS      604800 /* 7 days: the cap on skew and lifetime */

/* One acceptable digest of a region. */
typedef struct pqcha__policy_digest {
    pqcha_digest_alg alg;
    char hex[2 * PQCHA_MAX_DIGEST_LEN + 1];
} pqcha__policy_digest;

/* A required region and its digest set (any one of them matches). A region
 * whose reference is a manifest entry ({"manifest": "<name>"}) has a digest
 * set of one: the entry's sha3-256-tree digest, and the entry itself for
 * drift localisation. */
typedef struct pqcha__policy_region {
    char *id;
    pqcha__policy_digest *digests;
    size_t digest_count;
    const char *manifest_name; /* borrowed from the policy, or NULL */
    char *pending_manifest; /* a built region's reference until pqcha_policy_finish resolves it */
    const pqcha__model_file *manifest; /* borrowed from the policy, or NULL */
    /* With a manifest: the tensors a sha3-256-segments region must show with
     * the reference digest, sorted (strcmp); none listed means every tensor. */
    char **required_tensors;
    size_t required_tensor_count;
} pqcha__policy_region;

typedef struct pqcha__policy_workload {
    char *id;
    char *platform; /* NULL: any platform */
    int allow_extra_regions;
    /* Hardware evidence the workload's reports must carry (FORMAT.md 6.1),
     * or NULL; and the object as given, for writing the policy back. */
    pqcha__evidence_policy *evidence;
    json_t *evidence_json;
    /* staleAfterSeconds (FORMAT.md 6): how long a verifier service waits for
     * the workload's next report before calling it stale; 0: never. */
    int has_stale_after;
    int64_t stale_after;
    pqcha__policy_region *regions; /* sorted by id (strcmp) for binary search */
    size_t region_count, region_cap;
} pqcha__policy_workload;

/* A manifest entry the policy embeds as a reference value, under its name. */
typedef struct pqcha__policy_manifest {
    char *name;
    pqcha__model_file file;
} pqcha__policy_manifest;

struct pqcha_policy {
    pqcha__policy_manifest *manifests; /* sorted by name; regions point into it */
    size_t manifest_count, manifest_cap;
    pqcha_key **keys; /* public halves only */
    size_t key_count, key_cap;
    int64_t max_skew;
    int64_t max_lifetime;
    unsigned sig_alg_mask;    /* bit per allowed pqcha_sig_alg (pqcha__policy_sig_alg_bit) */
    unsigned digest_alg_mask; /* bit per allowed pqcha_digest_alg */
    pqcha__policy_workload *workloads; /* sorted by id for binary search */
    size_t workload_count, workload_cap;
    /* Parsed, or built and then finished (pqcha_policy_finish): sorted,
     * unique and resolved, fit for a verifier and for writing. */
    int finished;
};

unsigned pqcha__policy_sig_alg_bit(pqcha_sig_alg alg);
unsigned pqcha__policy_digest_alg_bit(pqcha_digest_alg alg);
#define PQCHA__POLICY_ALL_SIG_ALGS    0x7u /* ML-DSA-44, -65, -87 */
#define PQCHA__POLICY_ALL_DIGEST_ALGS 0xfu /* the four digest algorithms */

/* Shared by the parser (policy.c) and the builder (policy_write.c). */
void pqcha__policy_region_clear(pqcha__policy_region *r);
void pqcha__policy_workload_clear(pqcha__policy_workload *w);
int pqcha__policy_compare_workloads(const void *a, const void *b);
int pqcha__policy_compare_regions(const void *a, const void *b);
int pqcha__policy_compare_manifests(const void *a, const void *b);
/* JSON_DUPLICATE_KEY if two neighbours of a sorted array compare equal. */
pqcha_err pqcha__policy_check_sorted_unique(const void *base, size_t n, size_t size,
                                            int (*compare)(const void *, const void *));
/* Every required tensor name (sorted, unique) is a tensor of f: BAD_POLICY. */
pqcha_err pqcha__policy_required_tensors_exist(const pqcha__policy_region *r,
                                               const pqcha__model_file *f);

/* Lookups. All return NULL / 0 when p is NULL. */
const pqcha__policy_workload *pqcha__policy_workload_at(const pqcha_policy *p,
                                                        size_t i); /* id order */
const pqcha__policy_workload *pqcha__policy_find_workload(const pqcha_policy *p, const char *id);
const pqcha__policy_region *pqcha__policy_find_region(const pqcha__policy_workload *w,
                                                      const char *id);
/* The expected lowercase hex digest of region r for alg, or NULL if the
 * region's digest set has no entry for alg. */
const char *pqcha__policy_region_digest(const pqcha__policy_region *r, pqcha_digest_alg alg);
/* Whether the region requires the manifest tensor of that name (all do when
 * the policy lists none). */
int pqcha__policy_region_requires_tensor(const pqcha__policy_region *r, const char *name);
int pqcha__policy_allows_signature(const pqcha_policy *p, pqcha_sig_alg alg);
int pqcha__policy_allows_digest(const pqcha_policy *p, pqcha_digest_alg alg);
int64_t pqcha__policy_max_skew(const pqcha_policy *p);     /* the default when p is NULL */
int64_t pqcha__policy_max_lifetime(const pqcha_policy *p); /* the default when p is NULL */

#endif
