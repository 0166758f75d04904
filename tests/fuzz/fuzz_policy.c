/* fuzz_policy.c — libFuzzer target for the verifier policy parser
 * (docs/FORMAT.md section 6). A parsed policy must honour every invariant
 * the verifier relies on: bounded sizes, public keys only, in-range bounds,
 * and lookup tables in which every workload and region can be found by its
 * own id. Violations trap; leaks and overreads show up under ASan. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/policy_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_workload(const pqcha_policy *p, const pqcha__policy_workload *w) {
    if (pqcha__policy_find_workload(p, w->id) != w) __builtin_trap();
    if (w->region_count == 0 || w->region_count > PQCHA__POLICY_MAX_REGIONS) __builtin_trap();
    for (size_t i = 0; i < w->region_count; i++) {
        const pqcha__policy_region *r = &w->regions[i];
        if (pqcha__policy_find_region(w, r->id) != r) __builtin_trap();
        if (r->digest_count == 0) __builtin_trap();
        for (size_t k = 0; k < r->digest_count; k++) {
            size_t hex_len = 2 * pqcha_digest_alg_length(r->digests[k].alg);
            if (hex_len == 0 || strlen(r->digests[k].hex) != hex_len) __builtin_trap();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    pqcha_policy *p = NULL;
    if (pqcha_policy_parse(&p, (const char *)data, size) != PQCHA_OK) {
        if (p != NULL) __builtin_trap(); /* no output on error */
        return 0;
    }
    if (pqcha_policy_trusted_key_count(p) > PQCHA__POLICY_MAX_TRUSTED_KEYS) __builtin_trap();
    for (size_t i = 0; i < pqcha_policy_trusted_key_count(p); i++)
        if (pqcha_key_has_private(pqcha_policy_trusted_key(p, i))) __builtin_trap();
    int64_t skew = pqcha__policy_max_skew(p), lifetime = pqcha__policy_max_lifetime(p);
    if (skew < 0 || skew > PQCHA__POLICY_MAX_SECONDS) __builtin_trap();
    if (lifetime < 1 || lifetime > PQCHA__POLICY_MAX_SECONDS) __builtin_trap();
    size_t n = pqcha__policy_workload_count(p);
    if (n == 0 || n > PQCHA__POLICY_MAX_WORKLOADS) __builtin_trap();
    for (size_t i = 0; i < n; i++)
        check_workload(p, pqcha__policy_workload_at(p, i));
    pqcha_policy_free(p);
    return 0;
}
