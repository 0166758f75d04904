/* verifier.c — verifier configuration (pqcha/verify.h): the keys it pins,
 * its policy, the challenge it expects, its clock and freshness bounds.
 * What it does with them is verify.c. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "core/encoding.h"
#include "core/internal.h"
#include "core/verify_internal.h"

pqcha_err pqcha_verifier_create(pqcha_verifier **out) {
    if (!out) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = calloc(1, sizeof **out);
    return *out ? PQCHA_OK : PQCHA_ERR_NO_MEMORY;
}

void pqcha_verifier_free(pqcha_verifier *v) {
    if (!v) return;
    for (size_t i = 0; i < v->key_count; i++)
        pqcha_key_free(v->keys[i]);
    free(v->keys);
    free(v->nonce_hex);
    free(v);
}

/* Key ids are public, so a plain comparison is fine. */
static const pqcha_key *find_key_in(pqcha_key *const *keys, size_t n, const char *key_id) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(pqcha_key_id(keys[i]), key_id) == 0) return keys[i];
    return NULL;
}

/* FORMAT.md section 5, check 2: a key given to pqcha_verifier_trust_key, or
 * one listed in the current policy's trustedKeys. */
const pqcha_key *pqcha__verifier_pinned_key(const pqcha_verifier *v, const char *key_id) {
    const pqcha_key *key = find_key_in(v->keys, v->key_count, key_id);
    for (size_t i = 0; !key && i < pqcha_policy_trusted_key_count(v->policy); i++) {
        const pqcha_key *k = pqcha_policy_trusted_key(v->policy, i);
        if (strcmp(pqcha_key_id(k), key_id) == 0) key = k;
    }
    return key;
}

pqcha_err pqcha_verifier_trust_key(pqcha_verifier *v, const pqcha_key *key) {
    if (!v || !key) return PQCHA_ERR_INVALID_ARGUMENT;
    if (find_key_in(v->keys, v->key_count, pqcha_key_id(key))) return PQCHA_OK; /* already pinned */
    PQCHA_TRY(pqcha__grow(&v->keys, &v->key_cap, v->key_count + 1, sizeof v->keys[0],
                          SIZE_MAX / sizeof v->keys[0]));
    /* Only the public half: a verifier never needs, and must not keep, a secret. */
    PQCHA_TRY(pqcha_key_public_copy(&v->keys[v->key_count], key));
    v->key_count++;
    return PQCHA_OK;
}

/* The policy's keys are not copied into v->keys: a verifier given another
 * policy later must stop trusting the keys only the previous one listed. The
 * policy holds public halves only and outlives v (see verify.h). */
pqcha_err pqcha_verifier_set_policy(pqcha_verifier *v, const pqcha_policy *policy) {
    if (!v || !policy || !policy->finished) return PQCHA_ERR_INVALID_ARGUMENT;
    v->policy = policy;
    return PQCHA_OK;
}

pqcha_err pqcha_verifier_expect_nonce(pqcha_verifier *v, const char *nonce_hex) {
    if (!v || !nonce_hex) return PQCHA_ERR_INVALID_ARGUMENT;
    PQCHA_TRY(pqcha__hex_check(nonce_hex, PQCHA_MIN_NONCE_BYTES, PQCHA_MAX_NONCE_BYTES));
    char *copy = pqcha__strdup(nonce_hex);
    if (!copy) return PQCHA_ERR_NO_MEMORY;
    free(v->nonce_hex);
    v->nonce_hex = copy;
    return PQCHA_OK;
}

pqcha_err pqcha_verifier_set_time(pqcha_verifier *v, int64_t unix_seconds) {
    if (!v || unix_seconds < 0 || unix_seconds > PQCHA_MAX_UNIX_SECONDS)
        return PQCHA_ERR_INVALID_ARGUMENT;
    v->has_time = 1;
    v->time = unix_seconds;
    return PQCHA_OK;
}

pqcha_err pqcha_verifier_set_max_skew(pqcha_verifier *v, int64_t seconds) {
    if (!v || seconds < 0 || seconds > PQCHA__POLICY_MAX_SECONDS) return PQCHA_ERR_INVALID_ARGUMENT;
    v->has_max_skew = 1;
    v->max_skew = seconds;
    return PQCHA_OK;
}

pqcha_err pqcha_verifier_set_max_lifetime(pqcha_verifier *v, int64_t seconds) {
    if (!v || seconds < 0 || seconds > PQCHA__POLICY_MAX_SECONDS) return PQCHA_ERR_INVALID_ARGUMENT;
    v->has_max_lifetime = 1;
    v->max_lifetime = seconds;
    return PQCHA_OK;
}

pqcha_err pqcha_verifier_set_evidence_verifier(pqcha_verifier *v,
                                               const pqcha_evidence_verifier *ev) {
    if (!v) return PQCHA_ERR_INVALID_ARGUMENT;
    v->evidence = ev;
    return PQCHA_OK;
}
