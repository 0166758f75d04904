/* fuzz_policy.c — libFuzzer target for the verifier policy parser
 * (docs/FORMAT.md section 6). A parsed policy must honour every invariant
 * the verifier relies on: bounded sizes, public keys only, in-range bounds,
 * and lookup tables in which every workload and region can be found by its
 * own id. Every parsed policy is written back (pqcha_policy_to_json), and
 * what is written parses to a policy that writes the same bytes: the format
 * is read and written in one place and the two agree. Violations trap;
 * leaks and overreads show up under ASan. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/policy_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_workload(const pqcha_policy *p, const pqcha__policy_workload *w) {
    if (pqcha__policy_find_workload(p, w->id) != w) __builtin_trap();
    if (w->region_count == 0 || w->region_count > PQCHA__POLICY_MAX_REGIONS) __builtin_trap();
    int64_t stale_after = pqcha_policy_workload_stale_after(p, w->id);
    if (stale_after < -1 || stale_after > PQCHA_MAX_STALE_AFTER_SECONDS ||
        (stale_after == -1) != !w->has_stale_after)
        __builtin_trap();
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

/* Written, parsed again, written again: the same text. A policy whose
 * outline exceeds the size cap (a compact input can) is refused, not cut. */
static void check_round_trip(const pqcha_policy *p) {
    char *json = NULL, *again = NULL;
    size_t len = 0, again_len = 0;
    pqcha_err err = pqcha_policy_to_json(&json, &len, p);
    if (err == PQCHA_ERR_TOO_LARGE && json == NULL && len > PQCHA_MAX_POLICY_LEN) return;
    if (err != PQCHA_OK || json == NULL || strlen(json) != len) __builtin_trap();
    pqcha_policy *back = NULL;
    if (pqcha_policy_parse(&back, json, len) != PQCHA_OK) __builtin_trap();
    if (pqcha_policy_to_json(&again, &again_len, back) != PQCHA_OK) __builtin_trap();
    if (again_len != len || memcmp(again, json, len) != 0) __builtin_trap();
    pqcha_free(json);
    pqcha_free(again);
    pqcha_policy_free(back);
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
    size_t n = pqcha_policy_workload_count(p);
    if (n == 0 || n > PQCHA__POLICY_MAX_WORKLOADS) __builtin_trap();
    for (size_t i = 0; i < n; i++)
        check_workload(p, pqcha__policy_workload_at(p, i));
    check_round_trip(p);
    pqcha_policy_free(p);
    return 0;
}
