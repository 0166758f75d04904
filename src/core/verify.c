/* verify.c — the verification pipeline: FORMAT.md section 5's checks, in
 * order. Configuration (verifier.c), the result and its accessors
 * (result.c), drift localisation (drift.c) and JSON output (result_json.c)
 * live apart so that this file is the whole of what decides a verdict.
 *
 * The one rule everything here serves: nothing taken from a payload is acted
 * on, reported or returned before its signature has been verified with a
 * key the verifier pinned. So the checks run in a fixed order, the first
 * failure decides the error and verdict, and every later check is listed as
 * SKIPPED (never evaluated), which also keeps the drift list empty unless
 * trust, signature, freshness and nonce all passed.
 *
 * Check names, in order: envelope, trust, signature (FORMAT checks 3 and 4:
 * length, then ML-DSA), payload, signer, algorithm, not-expired, issued-at,
 * lifetime, nonce, workload, platform, evidence (then one "evidence:<check>"
 * per check the hardware-evidence verifier made), unique-regions, then one
 * "region:<id>" per report region (report order) followed by one per policy
 * region missing from the report (id order). Region checks are listed only
 * when the region phase is reached: before that there is no authenticated
 * region list to name.
 *
 * Without a policy, workload, platform, evidence and the region checks are SKIPPED
 * (expected "(no policy)") and a VALID verdict means "authentic and fresh";
 * unique-regions runs regardless. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/encoding.h"
#include "core/envelope.h"
#include "core/internal.h"
#include "core/verify_internal.h"

#define TEXT_LEN 1024 /* expected/found texts: ids are at most 256 bytes */

typedef struct verify_ctx {
    const pqcha_verifier *v;
    pqcha_result *res;
    int stopped;     /* a check failed: every later check is SKIPPED */
    pqcha_err fatal; /* NO_MEMORY (or a bug): abandon the result */
    pqcha__envelope env;
    const pqcha_key *key;    /* the pinned key the envelope's keyid names */
    const pqcha_report *rep; /* the decoded payload; set only after the signature passed */
    const pqcha__policy_workload *workload;
    const pqcha__claim **sorted; /* report claims sorted by region id */
    /* Claims and policy regions paired once by id (pair_with_policy):
     * the policy region of each claim (by claim index) and the claim of
     * each policy region (by policy index), NULL where there is none. */
    const pqcha__policy_region **policy_of;
    const pqcha__claim **claim_of;
    int64_t now;
    int64_t max_skew;
    int64_t max_lifetime;
    /* pqcha_verify_challenged: who says whether the report's nonce is an
     * outstanding challenge. challenge: the nonce the report must answer
     * (the verifier's, or the report's own once the callback accepted it),
     * which key-binding evidence must bind too. */
    pqcha_nonce_check_fn nonce_check;
    void *nonce_check_ctx;
    const char *challenge;
} verify_ctx;

/* Out of memory: the result is abandoned. Stopping as well keeps every
 * later step from touching state the failed step never set up. */
static void abandon(verify_ctx *c, pqcha_err err) {
    c->fatal = err;
    c->stopped = 1;
}

static void record(verify_ctx *c, const char *name, pqcha_check_status status, pqcha_err err,
                   const char *expected, const char *found) {
    if (c->fatal != PQCHA_OK) return;
    pqcha_err add = pqcha__result_add_check(c->res, name, status, err, expected, found);
    if (add != PQCHA_OK) abandon(c, add);
}

/* The first failure decides: later failures never override the verdict. */
static void decide(verify_ctx *c, pqcha_err err, pqcha_verdict verdict) {
    if (c->stopped) return;
    c->stopped = 1;
    c->res->error = err;
    c->res->verdict = verdict;
}

/* Records an evaluated check; a failure decides the result. */
static void conclude(verify_ctx *c, const char *name, pqcha_err err, pqcha_verdict verdict,
                     const char *expected, const char *found) {
    if (err == PQCHA_ERR_NO_MEMORY) {
        abandon(c, err);
        return;
    }
    record(c, name, err == PQCHA_OK ? PQCHA_CHECK_PASS : PQCHA_CHECK_FAIL, err, expected, found);
    if (err != PQCHA_OK) decide(c, err, verdict);
}

static void skip(verify_ctx *c, const char *name, const char *expected) {
    record(c, name, PQCHA_CHECK_SKIPPED, PQCHA_OK, expected, "");
}

/* ---- 1. envelope ---- */
static void check_envelope(verify_ctx *c, const char *text, size_t len) {
    char found[TEXT_LEN];
    pqcha_err err = pqcha__envelope_decode(&c->env, text, len);
    if (err == PQCHA_OK)
        snprintf(found, sizeof found, "keyid %s, signature of %zu bytes", c->env.key_id,
                 c->env.sig_len);
    else
        snprintf(found, sizeof found, "%s", pqcha_strerror(err));
    conclude(c, "envelope", err, PQCHA_VERDICT_MALFORMED, "DSSE envelope with one signature",
             found);
}

/* ---- 2. trust: the envelope's keyid must name a pinned key ---- */
static void check_trust(verify_ctx *c) {
    char expected[TEXT_LEN], found[TEXT_LEN];
    snprintf(expected, sizeof expected, "one of %zu pinned keys",
             c->v->key_count + pqcha_policy_trusted_key_count(c->v->policy));
    if (c->stopped) {
        skip(c, "trust", expected);
        return;
    }
    c->key = pqcha__verifier_pinned_key(c->v, c->env.key_id);
    snprintf(found, sizeof found, "keyid %s", c->env.key_id);
    conclude(c, "trust", c->key ? PQCHA_OK : PQCHA_ERR_UNTRUSTED_KEY, PQCHA_VERDICT_REJECTED,
             expected, found);
}

/* ---- 3+4. signature: length for the PINNED key's algorithm, then ML-DSA ----
 * The algorithm comes from the pinned key, never from the payload, which is
 * still unauthenticated here. */
static pqcha_err verify_envelope_signature(const verify_ctx *c) {
    uint8_t *pae = NULL;
    size_t pae_len = 0;
    PQCHA_TRY(pqcha__pae(&pae, &pae_len, PQCHA_PAYLOAD_TYPE, c->env.payload, c->env.payload_len));
    pqcha_err err = pqcha_verify_signature(c->key, pae, pae_len, c->env.sig, c->env.sig_len);
    pqcha_free(pae);
    return err;
}

static void check_signature(verify_ctx *c) {
    if (c->stopped) {
        skip(c, "signature", "");
        return;
    }
    pqcha_sig_alg alg = pqcha_key_algorithm(c->key);
    size_t want = pqcha_sig_alg_signature_length(alg);
    char expected[TEXT_LEN], found[TEXT_LEN];
    snprintf(expected, sizeof expected, "valid %s signature (%zu bytes)", pqcha__sig_alg_text(alg),
             want);
    if (c->env.sig_len != want) {
        snprintf(found, sizeof found, "%zu bytes", c->env.sig_len);
        conclude(c, "signature", PQCHA_ERR_BAD_SIGNATURE_LENGTH, PQCHA_VERDICT_MALFORMED, expected,
                 found);
        return;
    }
    pqcha_err err = verify_envelope_signature(c);
    snprintf(found, sizeof found, "%s", err == PQCHA_OK ? "valid" : pqcha_strerror(err));
    conclude(c, "signature", err,
             err == PQCHA_ERR_BAD_SIGNATURE_LENGTH ? PQCHA_VERDICT_MALFORMED
                                                   : PQCHA_VERDICT_REJECTED,
             expected, found);
}

/* ---- 5. payload: decoded only now that its bytes are authentic ---- */
static void check_payload(verify_ctx *c) {
    const char *expected = "in-toto Statement v1 with a pqcha memory predicate";
    if (c->stopped) {
        skip(c, "payload", expected);
        return;
    }
    pqcha_report *rep = NULL;
    pqcha_err err = pqcha__statement_decode(&rep, c->env.payload, c->env.payload_len);
    char found[TEXT_LEN];
    if (err == PQCHA_OK) {
        c->res->report = rep; /* authenticated: the caller may read it from here on */
        c->rep = rep;
        snprintf(found, sizeof found, "report %s, workload %s, %zu regions", rep->report_id,
                 rep->workload_id, rep->claim_count);
    } else {
        snprintf(found, sizeof found, "%s", pqcha_strerror(err));
    }
    conclude(c, "payload", err, PQCHA_VERDICT_MALFORMED, expected, found);
}

/* ---- 6. signer named in the payload = the key that signed; algorithm allowed ---- */
static void check_signer(verify_ctx *c) {
    if (c->stopped) {
        skip(c, "signer", "");
        return;
    }
    pqcha_sig_alg key_alg = pqcha_key_algorithm(c->key);
    char expected[TEXT_LEN], found[TEXT_LEN];
    snprintf(expected, sizeof expected, "keyId %s, %s", c->env.key_id,
             pqcha__sig_alg_text(key_alg));
    snprintf(found, sizeof found, "keyId %s, %s", c->rep->signer_key_id,
             pqcha__sig_alg_text(c->rep->signer_alg));
    int same = strcmp(c->rep->signer_key_id, c->env.key_id) == 0 && c->rep->signer_alg == key_alg;
    conclude(c, "signer", same ? PQCHA_OK : PQCHA_ERR_SIGNER_MISMATCH, PQCHA_VERDICT_REJECTED,
             expected, found);
}

static void allowed_signature_names(char *out, size_t cap, const pqcha_policy *policy) {
    static const pqcha_sig_alg all[] = {PQCHA_ML_DSA_44, PQCHA_ML_DSA_65, PQCHA_ML_DSA_87};
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (!pqcha__policy_allows_signature(policy, all[i])) continue;
        int n =
            snprintf(out + used, cap - used, "%s%s", used ? ", " : "", pqcha__sig_alg_text(all[i]));
        if (n < 0 || (size_t)n >= cap - used) return;
        used += (size_t)n;
    }
}

static void check_algorithm(verify_ctx *c) {
    char expected[TEXT_LEN];
    allowed_signature_names(expected, sizeof expected, c->v->policy);
    if (c->stopped) {
        skip(c, "algorithm", expected);
        return;
    }
    pqcha_sig_alg alg = pqcha_key_algorithm(c->key);
    int allowed = pqcha__policy_allows_signature(c->v->policy, alg);
    conclude(c, "algorithm", allowed ? PQCHA_OK : PQCHA_ERR_POLICY_VIOLATION,
             PQCHA_VERDICT_REJECTED, expected, pqcha__sig_alg_text(alg));
}

/* ---- 7-9. freshness ---- */
static void check_not_expired(verify_ctx *c) {
    if (c->stopped) {
        skip(c, "not-expired", "");
        return;
    }
    char exp_ts[PQCHA_TIMESTAMP_LEN + 1], now_ts[PQCHA_TIMESTAMP_LEN + 1];
    char expected[TEXT_LEN], found[TEXT_LEN];
    pqcha__time_text(exp_ts, c->rep->expires_at);
    pqcha__time_text(now_ts, c->now);
    snprintf(expected, sizeof expected, "now before expiresAt %s", exp_ts);
    snprintf(found, sizeof found, "now %s", now_ts);
    conclude(c, "not-expired", c->now < c->rep->expires_at ? PQCHA_OK : PQCHA_ERR_EXPIRED,
             PQCHA_VERDICT_REJECTED, expected, found);
}

static void check_issued_at(verify_ctx *c) {
    if (c->stopped) {
        skip(c, "issued-at", "");
        return;
    }
    /* now + skew cannot overflow for any clock this side of year 292e9, but be exact anyway. */
    int not_future = c->now > INT64_MAX - c->max_skew || c->rep->issued_at <= c->now + c->max_skew;
    char issued_ts[PQCHA_TIMESTAMP_LEN + 1], now_ts[PQCHA_TIMESTAMP_LEN + 1];
    char expected[TEXT_LEN], found[TEXT_LEN];
    pqcha__time_text(issued_ts, c->rep->issued_at);
    pqcha__time_text(now_ts, c->now);
    snprintf(expected, sizeof expected, "issuedAt at most %" PRId64 "s after now %s", c->max_skew,
             now_ts);
    snprintf(found, sizeof found, "issuedAt %s", issued_ts);
    conclude(c, "issued-at", not_future ? PQCHA_OK : PQCHA_ERR_NOT_YET_VALID,
             PQCHA_VERDICT_REJECTED, expected, found);
}

static void check_lifetime(verify_ctx *c) {
    if (c->stopped) {
        skip(c, "lifetime", "");
        return;
    }
    /* The decoder guarantees issuedAt <= expiresAt, both within 1970..9999. */
    int64_t lifetime = c->rep->expires_at - c->rep->issued_at;
    char expected[TEXT_LEN], found[TEXT_LEN];
    snprintf(expected, sizeof expected, "at most %" PRId64 "s", c->max_lifetime);
    snprintf(found, sizeof found, "%" PRId64 "s", lifetime);
    conclude(c, "lifetime", lifetime <= c->max_lifetime ? PQCHA_OK : PQCHA_ERR_LIFETIME_TOO_LONG,
             PQCHA_VERDICT_REJECTED, expected, found);
}

/* ---- 10. nonce: the verifier's challenge, the only replay protection ---- */
static int nonce_equal(const char *a, const char *b) {
    size_t len = strlen(a);
    return len == strlen(b) && pqcha__ct_equal(a, b, len);
}

/* The service's form: a callback knows the outstanding challenges. It is
 * asked only about an authentic report (the checks before this one passed),
 * so that no one but the key's holder learns or spends a challenge. */
static void check_nonce_by_callback(verify_ctx *c) {
    static const char expected[] = "an outstanding challenge for the workload";
    if (c->stopped) {
        skip(c, "nonce", expected);
        return;
    }
    pqcha_err err = c->nonce_check(c->nonce_check_ctx, c->rep->workload_id, c->rep->nonce_hex);
    if (err != PQCHA_OK && err != PQCHA_ERR_NONCE_UNKNOWN && err != PQCHA_ERR_NONCE_USED &&
        err != PQCHA_ERR_NONCE_EXPIRED) {
        abandon(c, err); /* the callback could not tell (its store failed) */
        return;
    }
    if (err == PQCHA_OK) c->challenge = c->rep->nonce_hex;
    conclude(c, "nonce", err, PQCHA_VERDICT_REJECTED, expected, c->rep->nonce_hex);
}

static void check_nonce(verify_ctx *c) {
    if (c->nonce_check) {
        check_nonce_by_callback(c);
        return;
    }
    const char *challenge = c->v->nonce_hex;
    if (!challenge) {
        /* Not a failure: without a challenge, freshness rests on the clock alone. */
        record(c, "nonce", PQCHA_CHECK_SKIPPED, PQCHA_OK, "(no challenge given)",
               c->rep ? c->rep->nonce_hex : "");
        return;
    }
    if (c->stopped) {
        skip(c, "nonce", challenge);
        return;
    }
    conclude(c, "nonce",
             nonce_equal(challenge, c->rep->nonce_hex) ? PQCHA_OK : PQCHA_ERR_NONCE_MISMATCH,
             PQCHA_VERDICT_REJECTED, challenge, c->rep->nonce_hex);
}

/* ---- 11. workload and platform ---- */
static void check_workload(verify_ctx *c) {
    if (!c->v->policy) {
        skip(c, "workload", "(no policy)");
        return;
    }
    if (c->stopped) {
        skip(c, "workload", "a workload of the policy");
        return;
    }
    c->workload = pqcha__policy_find_workload(c->v->policy, c->rep->workload_id);
    conclude(c, "workload", c->workload ? PQCHA_OK : PQCHA_ERR_UNKNOWN_WORKLOAD,
             PQCHA_VERDICT_REJECTED, "a workload of the policy", c->rep->workload_id);
}

static void check_platform(verify_ctx *c) {
    if (!c->v->policy) {
        skip(c, "platform", "(no policy)");
        return;
    }
    if (c->stopped) {
        skip(c, "platform", "");
        return;
    }
    const char *want = c->workload->platform;
    int ok = !want || strcmp(want, c->rep->platform) == 0;
    conclude(c, "platform", ok ? PQCHA_OK : PQCHA_ERR_POLICY_VIOLATION, PQCHA_VERDICT_REJECTED,
             want ? want : "(any)", c->rep->platform);
}

/* ---- 11b. hardware evidence, when the workload requires it ---- */
static void record_evidence_checks(verify_ctx *c, const pqcha_evidence_result *r) {
    char name[TEXT_LEN];
    for (size_t i = 0; r != NULL && i < pqcha_evidence_result_check_count(r); i++) {
        snprintf(name, sizeof name, "evidence:%s", pqcha_evidence_result_check_name(r, i));
        record(c, name, pqcha_evidence_result_check_status(r, i),
               pqcha_evidence_result_check_error(r, i), pqcha_evidence_result_check_expected(r, i),
               pqcha_evidence_result_check_found(r, i));
    }
}

static void check_evidence(verify_ctx *c) {
    if (!c->v->policy) {
        skip(c, "evidence", "(no policy)");
        return;
    }
    if (c->stopped || !c->workload->evidence) {
        skip(c, "evidence", c->stopped ? "" : "(the policy requires no hardware evidence)");
        return;
    }
    pqcha__evidence_context ctx = {c->workload->evidence, c->v->evidence, c->key,
                                   c->challenge,          c->rep,         c->env.payload,
                                   c->env.payload_len,    c->now};
    pqcha__evidence_outcome o;
    pqcha_err err = pqcha__verify_report_evidence(&o, &ctx);
    if (err == PQCHA_ERR_NO_MEMORY) {
        pqcha__evidence_outcome_clear(&o);
        abandon(c, err);
        return;
    }
    conclude(c, "evidence", err, o.verdict, o.expected, o.found);
    record_evidence_checks(c, o.result);
    pqcha__evidence_outcome_clear(&o);
}

/* ---- 12. unique region ids ---- */
static int compare_claims_by_id(const void *a, const void *b) {
    const pqcha__claim *x = *(const pqcha__claim *const *)a;
    const pqcha__claim *y = *(const pqcha__claim *const *)b;
    return strcmp(x->region.id, y->region.id);
}

static void check_unique_regions(verify_ctx *c) {
    const char *expected = "no region id twice";
    /* Runs with or without a policy: a report naming one region twice is
     * ambiguous about what was measured, whatever the reference values. */
    if (c->stopped) {
        skip(c, "unique-regions", expected);
        return;
    }
    size_t n = c->rep->claim_count;
    c->sorted = malloc((n ? n : 1) * sizeof c->sorted[0]);
    if (!c->sorted) {
        abandon(c, PQCHA_ERR_NO_MEMORY);
        return;
    }
    for (size_t i = 0; i < n; i++)
        c->sorted[i] = &c->rep->claims[i];
    qsort(c->sorted, n, sizeof c->sorted[0], compare_claims_by_id);
    char found[TEXT_LEN];
    snprintf(found, sizeof found, "%zu distinct regions", n);
    pqcha_err err = PQCHA_OK;
    for (size_t i = 1; i < n && err == PQCHA_OK; i++) {
        if (compare_claims_by_id(&c->sorted[i - 1], &c->sorted[i]) == 0) {
            err = PQCHA_ERR_DUPLICATE_REGION;
            snprintf(found, sizeof found, "region %s more than once", c->sorted[i]->region.id);
        }
    }
    conclude(c, "unique-regions", err, PQCHA_VERDICT_REJECTED, expected, found);
}

/* ---- 13-15. regions against the policy ---- */
/* Appends text at out + *used, truncating as snprintf would (cap > 0).
 * The texts of every region's check are built with it: snprintf's
 * format parsing showed in the profile of a report of 1000 regions. */
static void append_text(char *out, size_t cap, size_t *used, const char *text) {
    size_t n = strlen(text);
    if (n > cap - 1 - *used) n = cap - 1 - *used;
    memcpy(out + *used, text, n);
    *used += n;
    out[*used] = '\0';
}

static void region_check_name(char *out, size_t cap, const char *id) {
    size_t used = 0;
    append_text(out, cap, &used, "region:");
    append_text(out, cap, &used, id);
}

static void digest_text(char *out, size_t cap, size_t *used, pqcha_digest_alg alg,
                        const char *hex) {
    append_text(out, cap, used, pqcha__digest_alg_text(alg));
    append_text(out, cap, used, ":");
    append_text(out, cap, used, hex);
}

static void claim_digest_text(char *out, size_t cap, const pqcha__claim *claim) {
    size_t used = 0;
    digest_text(out, cap, &used, claim->digest_alg, claim->digest_hex);
}

static void policy_digest_text(char *out, size_t cap, const pqcha__policy_region *pr,
                               int tensor_level) {
    size_t used = 0;
    out[0] = '\0';
    if (pr->manifest && tensor_level) {
        size_t required =
            pr->required_tensor_count ? pr->required_tensor_count : pr->manifest->tensor_count;
        snprintf(out, cap, "manifest %s: %zu %stensors with their sha3-256-tree digests",
                 pr->manifest_name, required, pr->required_tensor_count ? "required " : "");
        return;
    }
    if (pr->manifest) {
        snprintf(out, cap, "manifest %s: %s:%s (%" PRIu64 " bytes)", pr->manifest_name,
                 pqcha__digest_alg_text(pr->digests[0].alg), pr->digests[0].hex,
                 pr->manifest->size);
        return;
    }
    for (size_t i = 0; i < pr->digest_count; i++) {
        if (i > 0) append_text(out, cap, &used, " or ");
        digest_text(out, cap, &used, pr->digests[i].alg, pr->digests[i].hex);
    }
}

/* A region compared with a manifest entry of another size cannot be
 * localised: say why, next to what was found. */
static void manifest_size_note(char *found, size_t cap, const pqcha__claim *claim,
                               const pqcha__policy_region *pr) {
    if (!pr->manifest || claim->region.size == pr->manifest->size) return;
    size_t used = strlen(found);
    snprintf(found + used, cap - used, " (%" PRIu64 " bytes: the size differs)",
             claim->region.size);
    if (claim->region.mapped_file && claim->region.file_offset != 0) {
        used = strlen(found);
        snprintf(found + used, cap - used,
                 "; mapped from file offset 0x%" PRIx64 ", measured without its tensor table",
                 claim->region.file_offset);
    }
}

/* A mapped file that is gone from disk is shown, whatever the verdict. */
static void deleted_file_note(char *found, size_t cap, const pqcha__claim *claim) {
    if (!claim->region.file_deleted) return;
    size_t used = strlen(found);
    snprintf(found + used, cap - used, " [the mapped file was deleted or replaced on disk]");
}

/* Checks 15 for one claim: does it match the policy region? Records tensor
 * drift for a segmented region against a manifest. */
static int claim_matches(verify_ctx *c, const pqcha__claim *claim, const pqcha__policy_region *pr,
                         char *found, size_t cap, int *tensor_level) {
    *tensor_level = pr->manifest && claim->digest_alg == PQCHA_DIGEST_SHA3_256_SEGMENTS;
    if (!*tensor_level) {
        /* The attester's expectedDigest is never consulted: only the policy decides. */
        const char *want = pqcha__policy_region_digest(pr, claim->digest_alg);
        int match = want && strcmp(want, claim->digest_hex) == 0;
        if (!match) manifest_size_note(found, cap, claim, pr);
        return match;
    }
    pqcha__tensor_comparison tc;
    pqcha_err err = pqcha__compare_tensors(&tc, claim, pr->manifest, pr);
    if (err != PQCHA_OK) {
        abandon(c, err);
        return 0;
    }
    int match = pqcha__tensor_comparison_passed(&tc);
    pqcha__tensor_comparison_text(found, cap, claim, &tc);
    if (!match) err = pqcha__result_record_tensor_drift(c->res, claim, &tc);
    if (err != PQCHA_OK) abandon(c, err);
    pqcha__tensor_comparison_clear(&tc);
    return match;
}

/* Pairs the report's claims (sorted by id, check 12) with the policy's
 * regions (sorted by id) in one merge: a lookup per claim and per policy
 * region cost more than the comparisons themselves in a report of
 * thousands of regions. */
static pqcha_err pair_with_policy(verify_ctx *c) {
    size_t n = c->rep->claim_count, m = c->workload->region_count;
    c->policy_of = calloc(n ? n : 1, sizeof c->policy_of[0]);
    c->claim_of = calloc(m ? m : 1, sizeof c->claim_of[0]);
    if (!c->policy_of || !c->claim_of) return PQCHA_ERR_NO_MEMORY;
    for (size_t i = 0, j = 0; i < n && j < m;) {
        const pqcha__claim *claim = c->sorted[i];
        int order = strcmp(claim->region.id, c->workload->regions[j].id);
        if (order == 0) {
            c->policy_of[claim - c->rep->claims] = &c->workload->regions[j];
            c->claim_of[j] = claim;
        }
        i += order <= 0;
        j += order >= 0;
    }
    return PQCHA_OK;
}

static const pqcha__policy_region *policy_region_of(const verify_ctx *c,
                                                    const pqcha__claim *claim) {
    return c->policy_of[claim - c->rep->claims];
}

/* Whether the policy's reference for a region can be compared with the
 * claim at all: a digest of the claim's algorithm, or a manifest for a
 * sha3-256-segments claim (decided tensor by tensor). Without one the
 * comparison could only fail, and calling that drift would say the memory
 * changed when only the attester's --digest differs from the policy's. */
static int policy_can_appraise(const pqcha__policy_region *pr, const pqcha__claim *claim) {
    if (pr->manifest && claim->digest_alg == PQCHA_DIGEST_SHA3_256_SEGMENTS) return 1;
    return pqcha__policy_region_digest(pr, claim->digest_alg) != NULL;
}

/* Check 13 for one claim: may this region be in the report at all? */
static pqcha_err admit_claim(const verify_ctx *c, const pqcha__claim *claim) {
    const pqcha__policy_region *pr = policy_region_of(c, claim);
    if (!pqcha__policy_allows_digest(c->v->policy, claim->digest_alg))
        return PQCHA_ERR_POLICY_VIOLATION;
    if (!pr && !c->workload->allow_extra_regions) return PQCHA_ERR_UNEXPECTED_REGION;
    if (pr && !policy_can_appraise(pr, claim)) return PQCHA_ERR_POLICY_VIOLATION;
    return PQCHA_OK;
}

/* What check 13 expected of a claim it refused. */
static void admission_expected_text(char *out, size_t cap, const verify_ctx *c,
                                    const pqcha__claim *claim, pqcha_err err) {
    const pqcha__policy_region *pr = policy_region_of(c, claim);
    out[0] = '\0';
    if (err == PQCHA_ERR_UNEXPECTED_REGION) {
        snprintf(out, cap, "(not in policy)");
    } else if (!pqcha__policy_allows_digest(c->v->policy, claim->digest_alg)) {
        snprintf(out, cap, "a digest algorithm the policy allows");
    } else if (pr) {
        int used = snprintf(out, cap, "a digest the policy has a reference for: ");
        if (used > 0 && (size_t)used < cap)
            policy_digest_text(out + used, cap - (size_t)used, pr, 0);
    }
}

static void record_region(verify_ctx *c, const char *id, pqcha_check_status status, pqcha_err err,
                          const char *expected, const char *found) {
    char name[TEXT_LEN];
    region_check_name(name, sizeof name, id);
    record(c, name, status, err, expected, found);
}

/* Check 13 failed for at least one region: list the culprits, skip the rest. */
static void record_admission_failures(verify_ctx *c, pqcha_err first) {
    char expected[TEXT_LEN], found[TEXT_LEN];
    for (size_t i = 0; i < c->rep->claim_count; i++) {
        const pqcha__claim *claim = &c->rep->claims[i];
        const pqcha__policy_region *pr = policy_region_of(c, claim);
        pqcha_err err = admit_claim(c, claim);
        claim_digest_text(found, sizeof found, claim);
        admission_expected_text(expected, sizeof expected, c, claim, err);
        if (err != PQCHA_OK)
            record_region(c, claim->region.id, PQCHA_CHECK_FAIL, err, expected, found);
        else if (pr)
            record_region(c, claim->region.id, PQCHA_CHECK_SKIPPED, PQCHA_OK, "", "");
        else
            record_region(c, claim->region.id, PQCHA_CHECK_PASS, PQCHA_OK,
                          "(not in policy; extra regions allowed)", found);
    }
    for (size_t i = 0; i < c->workload->region_count; i++) {
        const pqcha__policy_region *pr = &c->workload->regions[i];
        if (!c->claim_of[i]) record_region(c, pr->id, PQCHA_CHECK_SKIPPED, PQCHA_OK, "", "");
    }
    decide(c, first, PQCHA_VERDICT_REJECTED);
}

/* Checks 14 and 15 are evaluated together: both give the DRIFT verdict, and
 * the operator needs every drifted or missing region, not just the first.
 * A missing region still takes precedence as the deciding error. */
static void compare_regions(verify_ctx *c) {
    char expected[TEXT_LEN], found[TEXT_LEN];
    pqcha_err drift = PQCHA_OK;
    for (size_t i = 0; i < c->rep->claim_count && !c->fatal; i++) {
        const pqcha__claim *claim = &c->rep->claims[i];
        const pqcha__policy_region *pr = policy_region_of(c, claim);
        claim_digest_text(found, sizeof found, claim);
        if (!pr) {
            record_region(c, claim->region.id, PQCHA_CHECK_PASS, PQCHA_OK,
                          "(not in policy; extra regions allowed)", found);
            continue;
        }
        int tensor_level = 0;
        int match = claim_matches(c, claim, pr, found, sizeof found, &tensor_level);
        if (c->fatal) break;
        deleted_file_note(found, sizeof found, claim);
        policy_digest_text(expected, sizeof expected, pr, tensor_level);
        record_region(c, claim->region.id, match ? PQCHA_CHECK_PASS : PQCHA_CHECK_FAIL,
                      match ? PQCHA_OK : PQCHA_ERR_MEMORY_DRIFT, expected, found);
        if (!match) {
            drift = PQCHA_ERR_MEMORY_DRIFT;
            pqcha_err err = pqcha__result_add_drift(c->res, claim->region.id);
            if (err == PQCHA_OK && !tensor_level)
                err = pqcha__result_localise_drift(c->res, claim, pr->manifest);
            if (err != PQCHA_OK) abandon(c, err);
        }
    }
    for (size_t i = 0; i < c->workload->region_count && !c->fatal; i++) {
        const pqcha__policy_region *pr = &c->workload->regions[i];
        if (c->claim_of[i]) continue;
        policy_digest_text(expected, sizeof expected, pr, 0);
        record_region(c, pr->id, PQCHA_CHECK_FAIL, PQCHA_ERR_MISSING_REGION, expected, "(absent)");
        drift = PQCHA_ERR_MISSING_REGION;
        pqcha_err err = pqcha__result_add_drift(c->res, pr->id);
        if (err != PQCHA_OK) abandon(c, err);
    }
    if (drift != PQCHA_OK) decide(c, drift, PQCHA_VERDICT_DRIFT);
}

static void check_regions(verify_ctx *c) {
    if (c->stopped || !c->v->policy || c->fatal || !c->sorted) return;
    pqcha_err pairing = pair_with_policy(c);
    if (pairing != PQCHA_OK) {
        abandon(c, pairing);
        return;
    }
    pqcha_err first = PQCHA_OK;
    for (size_t i = 0; i < c->rep->claim_count && first == PQCHA_OK; i++)
        first = admit_claim(c, &c->rep->claims[i]);
    if (first != PQCHA_OK)
        record_admission_failures(c, first);
    else
        compare_regions(c);
}

/* Runs every check in FORMAT.md order; each step records itself as SKIPPED
 * once an earlier one failed. */
static void run_checks(verify_ctx *c, const char *envelope, size_t len) {
    check_envelope(c, envelope, len);
    check_trust(c);
    check_signature(c);
    check_payload(c);
    check_signer(c);
    check_algorithm(c);
    check_not_expired(c);
    check_issued_at(c);
    check_lifetime(c);
    check_nonce(c);
    check_workload(c);
    check_platform(c);
    check_evidence(c);
    check_unique_regions(c);
    check_regions(c);
}

static pqcha_err verify_with(pqcha_result **out, const pqcha_verifier *v, const char *envelope,
                             size_t len, pqcha_nonce_check_fn nonce_check, void *nonce_check_ctx) {
    if (!out) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (!v || (!envelope && len != 0)) return PQCHA_ERR_INVALID_ARGUMENT;
    verify_ctx c;
    memset(&c, 0, sizeof c);
    c.v = v;
    c.nonce_check = nonce_check;
    c.nonce_check_ctx = nonce_check_ctx;
    c.challenge = nonce_check ? NULL : v->nonce_hex;
    c.res = calloc(1, sizeof *c.res);
    if (!c.res) return PQCHA_ERR_NO_MEMORY;
    c.res->verdict = PQCHA_VERDICT_VALID;
    c.res->error = PQCHA_OK;
    c.now = v->has_time ? v->time : pqcha__now();
    c.max_skew = v->has_max_skew ? v->max_skew : pqcha__policy_max_skew(v->policy);
    c.max_lifetime = v->has_max_lifetime ? v->max_lifetime : pqcha__policy_max_lifetime(v->policy);

    run_checks(&c, envelope ? envelope : "", len);

    pqcha__envelope_clear(&c.env);
    free(c.sorted);
    free(c.policy_of);
    free(c.claim_of);
    if (c.fatal != PQCHA_OK) {
        pqcha_result_free(c.res);
        return c.fatal;
    }
    *out = c.res;
    return c.res->error;
}

pqcha_err pqcha_verify(pqcha_result **out, const pqcha_verifier *v, const char *envelope,
                       size_t len) {
    return verify_with(out, v, envelope, len, NULL, NULL);
}

pqcha_err pqcha_verify_challenged(pqcha_result **out, const pqcha_verifier *v, const char *envelope,
                                  size_t len, pqcha_nonce_check_fn check, void *ctx) {
    if (!check) {
        if (out) *out = NULL;
        return PQCHA_ERR_INVALID_ARGUMENT;
    }
    return verify_with(out, v, envelope, len, check, ctx);
}
