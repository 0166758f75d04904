/* verify.c — the verifier (docs/FORMAT.md section 5) and its result.
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
 * lifetime, nonce, workload, platform, unique-regions, then one
 * "region:<id>" per report region (report order) followed by one per policy
 * region missing from the report (id order). Region checks are listed only
 * when the region phase is reached: before that there is no authenticated
 * region list to name.
 *
 * Without a policy, workload, platform and the region checks are SKIPPED
 * (expected "(no policy)") and a VALID verdict means "authentic and fresh";
 * unique-regions runs regardless.
 *
 * Drift localisation (FORMAT.md 4.5): when a drifted region's reference is a
 * manifest entry with node digests and the report's claim has nodes of the
 * same shape (same size), the differing nodes name the changed byte ranges
 * ("spans"), merged when adjacent, and the manifest's tensor table names the
 * tensors in them. Report nodes are as authentic as the report's digest (the
 * decoder checked that they reproduce it), and spans exist only for regions
 * in the drift list, so they too are computed only after every earlier check passed. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "core/encoding.h"
#include "core/envelope.h"
#include "core/internal.h"
#include "core/json.h"
#include "core/manifest.h"
#include "core/policy_internal.h"
#include "core/report_internal.h"
#include "core/tensor_compare.h"

#define MAX_UNIX_SECONDS INT64_C(253402300799) /* 9999-12-31T23:59:59Z */
#define TEXT_LEN 1024 /* expected/found texts: ids are at most 256 bytes */

/* ======================================================================
 * verifier configuration
 * ====================================================================== */

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
};

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
static const pqcha_key *find_pinned_key(const pqcha_verifier *v, const char *key_id) {
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
    if (!v || unix_seconds < 0 || unix_seconds > MAX_UNIX_SECONDS)
        return PQCHA_ERR_INVALID_ARGUMENT;
    v->has_time = 1;
    v->time = unix_seconds;
    return PQCHA_OK;
}

pqcha_err pqcha_verifier_set_max_skew(pqcha_verifier *v, int64_t seconds) {
    if (!v || seconds < 0 || seconds > PQCHA__POLICY_MAX_SECONDS)
        return PQCHA_ERR_INVALID_ARGUMENT;
    v->has_max_skew = 1;
    v->max_skew = seconds;
    return PQCHA_OK;
}

pqcha_err pqcha_verifier_set_max_lifetime(pqcha_verifier *v, int64_t seconds) {
    if (!v || seconds < 0 || seconds > PQCHA__POLICY_MAX_SECONDS)
        return PQCHA_ERR_INVALID_ARGUMENT;
    v->has_max_lifetime = 1;
    v->max_lifetime = seconds;
    return PQCHA_OK;
}

/* ======================================================================
 * result
 * ====================================================================== */

typedef struct result_check {
    char *name;
    pqcha_check_status status;
    pqcha_err err;
    char *expected;
    char *found;
} result_check;

/* A changed byte range of a drifted region and the tensors it overlaps. */
typedef struct result_span {
    char *region;
    uint64_t offset; /* within the region */
    uint64_t length;
    char **tensors;      /* the first of them, up to PQCHA_MAX_SPAN_TENSORS */
    size_t tensor_count;
    size_t tensor_total; /* all the tensors it overlaps */
} result_span;

/* A required tensor of a drifted region that the report does not show at
 * its reference place. */
typedef struct result_missing_tensor {
    char *region;
    char *tensor;
} result_missing_tensor;

struct pqcha_result {
    pqcha_verdict verdict;
    pqcha_err error;
    result_missing_tensor *missing;
    size_t missing_count;
    size_t missing_cap;
    result_check *checks;
    size_t check_count;
    size_t check_cap;
    char **drift;
    size_t drift_count;
    size_t drift_cap;
    result_span *spans;
    size_t span_count;
    size_t span_cap;
    size_t names_listed; /* tensor names held by all spans: at most PQCHA_MAX_LISTED_TENSORS */
    pqcha_report *report; /* set only once authenticated by a pinned key */
};

const char *pqcha_verdict_name(pqcha_verdict v) {
    switch (v) {
    case PQCHA_VERDICT_VALID: return "valid";
    case PQCHA_VERDICT_DRIFT: return "drift";
    case PQCHA_VERDICT_REJECTED: return "rejected";
    case PQCHA_VERDICT_MALFORMED: return "malformed";
    }
    return "unknown";
}

static void span_clear(result_span *sp) {
    for (size_t i = 0; i < sp->tensor_count; i++)
        free(sp->tensors[i]);
    free(sp->tensors);
    free(sp->region);
    memset(sp, 0, sizeof *sp);
}

void pqcha_result_free(pqcha_result *r) {
    if (!r) return;
    for (size_t i = 0; i < r->check_count; i++) {
        free(r->checks[i].name);
        free(r->checks[i].expected);
        free(r->checks[i].found);
    }
    free(r->checks);
    for (size_t i = 0; i < r->drift_count; i++)
        free(r->drift[i]);
    free(r->drift);
    for (size_t i = 0; i < r->span_count; i++)
        span_clear(&r->spans[i]);
    free(r->spans);
    for (size_t i = 0; i < r->missing_count; i++) {
        free(r->missing[i].region);
        free(r->missing[i].tensor);
    }
    free(r->missing);
    pqcha_report_free(r->report);
    free(r);
}

/* A NULL result reads as malformed: callers that ignore an error never see "valid". */
pqcha_verdict pqcha_result_verdict(const pqcha_result *r) {
    return r ? r->verdict : PQCHA_VERDICT_MALFORMED;
}

pqcha_err pqcha_result_error(const pqcha_result *r) {
    return r ? r->error : PQCHA_ERR_INVALID_ARGUMENT;
}

size_t pqcha_result_check_count(const pqcha_result *r) {
    return r ? r->check_count : 0;
}

static const result_check *check_at(const pqcha_result *r, size_t i) {
    return (r && i < r->check_count) ? &r->checks[i] : NULL;
}

const char *pqcha_result_check_name(const pqcha_result *r, size_t i) {
    const result_check *c = check_at(r, i);
    return c ? c->name : NULL;
}

pqcha_check_status pqcha_result_check_status(const pqcha_result *r, size_t i) {
    const result_check *c = check_at(r, i);
    return c ? c->status : PQCHA_CHECK_SKIPPED;
}

pqcha_err pqcha_result_check_error(const pqcha_result *r, size_t i) {
    const result_check *c = check_at(r, i);
    return c ? c->err : PQCHA_ERR_INVALID_ARGUMENT;
}

const char *pqcha_result_check_expected(const pqcha_result *r, size_t i) {
    const result_check *c = check_at(r, i);
    return c ? c->expected : "";
}

const char *pqcha_result_check_found(const pqcha_result *r, size_t i) {
    const result_check *c = check_at(r, i);
    return c ? c->found : "";
}

size_t pqcha_result_drift_count(const pqcha_result *r) {
    return r ? r->drift_count : 0;
}

const char *pqcha_result_drift_region(const pqcha_result *r, size_t i) {
    return (r && i < r->drift_count) ? r->drift[i] : NULL;
}

size_t pqcha_result_span_count(const pqcha_result *r) {
    return r ? r->span_count : 0;
}

static const result_span *span_at(const pqcha_result *r, size_t i) {
    return (r && i < r->span_count) ? &r->spans[i] : NULL;
}

const char *pqcha_result_span_region(const pqcha_result *r, size_t i) {
    const result_span *sp = span_at(r, i);
    return sp ? sp->region : NULL;
}

uint64_t pqcha_result_span_offset(const pqcha_result *r, size_t i) {
    const result_span *sp = span_at(r, i);
    return sp ? sp->offset : 0;
}

uint64_t pqcha_result_span_length(const pqcha_result *r, size_t i) {
    const result_span *sp = span_at(r, i);
    return sp ? sp->length : 0;
}

size_t pqcha_result_span_tensor_count(const pqcha_result *r, size_t i) {
    const result_span *sp = span_at(r, i);
    return sp ? sp->tensor_count : 0;
}

size_t pqcha_result_span_tensor_total(const pqcha_result *r, size_t i) {
    const result_span *sp = span_at(r, i);
    return sp ? sp->tensor_total : 0;
}

const char *pqcha_result_span_tensor(const pqcha_result *r, size_t i, size_t t) {
    const result_span *sp = span_at(r, i);
    return (sp && t < sp->tensor_count) ? sp->tensors[t] : NULL;
}

size_t pqcha_result_missing_tensor_count(const pqcha_result *r) {
    return r ? r->missing_count : 0;
}

const char *pqcha_result_missing_tensor_region(const pqcha_result *r, size_t i) {
    return (r && i < r->missing_count) ? r->missing[i].region : NULL;
}

const char *pqcha_result_missing_tensor(const pqcha_result *r, size_t i) {
    return (r && i < r->missing_count) ? r->missing[i].tensor : NULL;
}

const pqcha_report *pqcha_result_report(const pqcha_result *r) {
    return r ? r->report : NULL;
}

static pqcha_err result_add_check(pqcha_result *r, const char *name, pqcha_check_status status,
                                  pqcha_err err, const char *expected, const char *found) {
    PQCHA_TRY(pqcha__grow(&r->checks, &r->check_cap, r->check_count + 1, sizeof r->checks[0],
                          SIZE_MAX / sizeof r->checks[0]));
    result_check c = {pqcha__strdup(name), status, err, pqcha__strdup(expected ? expected : ""),
                      pqcha__strdup(found ? found : "")};
    if (!c.name || !c.expected || !c.found) {
        free(c.name);
        free(c.expected);
        free(c.found);
        return PQCHA_ERR_NO_MEMORY;
    }
    r->checks[r->check_count++] = c;
    return PQCHA_OK;
}

static pqcha_err result_add_drift(pqcha_result *r, const char *region_id) {
    PQCHA_TRY(pqcha__grow(&r->drift, &r->drift_cap, r->drift_count + 1, sizeof r->drift[0],
                          PQCHA__POLICY_MAX_REGIONS + PQCHA_MAX_REGIONS));
    char *copy = pqcha__strdup(region_id);
    if (!copy) return PQCHA_ERR_NO_MEMORY;
    r->drift[r->drift_count++] = copy;
    return PQCHA_OK;
}

/* ---- drift spans ---- */

/* Counts one more tensor of the span and lists its name while the span's
 * and the result's lists have room: a region drifted end to end over 50 000
 * tensors, 700 times in one report, must not cost a name copy for each. */
static pqcha_err span_add_tensor(pqcha_result *r, result_span *sp, size_t *cap, const char *name) {
    sp->tensor_total++;
    if (sp->tensor_count == PQCHA_MAX_SPAN_TENSORS || r->names_listed == PQCHA_MAX_LISTED_TENSORS)
        return PQCHA_OK;
    PQCHA_TRY(pqcha__grow(&sp->tensors, cap, sp->tensor_count + 1, sizeof sp->tensors[0],
                          PQCHA_MAX_SPAN_TENSORS));
    sp->tensors[sp->tensor_count] = pqcha__strdup(name);
    if (!sp->tensors[sp->tensor_count]) return PQCHA_ERR_NO_MEMORY;
    sp->tensor_count++;
    r->names_listed++;
    return PQCHA_OK;
}

/* The first tensor that ends after start. A decoded entry's tensors are in
 * offset order and do not overlap (manifest.c), so their ends are in order
 * too and a binary search finds it. */
static size_t first_tensor_ending_after(const pqcha__model_file *f, uint64_t start) {
    size_t lo = 0, hi = f->tensor_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->tensors[mid].offset + f->tensors[mid].size > start)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* Every tensor whose bytes overlap the file range [start, end), in file
 * order: from a binary search, then only the tensors inside the range. */
static pqcha_err span_find_tensors(pqcha_result *r, result_span *sp, const pqcha__model_file *f,
                                   uint64_t start, uint64_t end) {
    size_t cap = 0;
    for (size_t i = first_tensor_ending_after(f, start); i < f->tensor_count; i++) {
        const pqcha__tensor *t = &f->tensors[i];
        if (t->offset >= end) break;
        if (t->size == 0) continue; /* holds no byte of the range */
        PQCHA_TRY(span_add_tensor(r, sp, &cap, t->name));
    }
    return PQCHA_OK;
}

static pqcha_err result_reserve_span(pqcha_result *r) {
    return pqcha__grow(&r->spans, &r->span_cap, r->span_count + 1, sizeof r->spans[0],
                       SIZE_MAX / sizeof r->spans[0]);
}

/* Records bytes [offset, offset + length) of the claim's region; the tensors
 * are looked up at file offsets: the region starts at its mapping's offset. */
static pqcha_err result_add_span(pqcha_result *r, const pqcha__claim *claim,
                                 const pqcha__model_file *f, uint64_t offset, uint64_t length) {
    PQCHA_TRY(result_reserve_span(r));
    result_span sp = {pqcha__strdup(claim->region.id), offset, length, NULL, 0, 0};
    if (!sp.region) return PQCHA_ERR_NO_MEMORY;
    uint64_t base = claim->region.mapped_file ? claim->region.file_offset : 0;
    pqcha_err err = span_find_tensors(r, &sp, f, base + offset, base + offset + length);
    if (err != PQCHA_OK) {
        span_clear(&sp);
        return err;
    }
    r->spans[r->span_count++] = sp;
    return PQCHA_OK;
}

/* Node digests of the same shape over the same bytes of the file: comparable.
 * A region mapped from another file offset than 0 holds other bytes of the
 * file than the entry's node i covers, whatever its size. */
static int nodes_comparable(const pqcha__claim *claim, const pqcha__model_file *f) {
    return f && f->node_count > 0 && claim->node_count > 0 &&
           claim->digest_alg == PQCHA_DIGEST_SHA3_256_TREE && claim->region.size == f->size &&
           (!claim->region.mapped_file || claim->region.file_offset == 0) &&
           claim->node_level == f->node_level && claim->node_count == f->node_count;
}

/* One span per run of adjacent differing nodes: node i covers bytes
 * [i * 2^level * L, min((i + 1) * 2^level * L, size)). */
static pqcha_err localise_drift(pqcha_result *r, const pqcha__claim *claim,
                                const pqcha__model_file *f) {
    if (!nodes_comparable(claim, f)) return PQCHA_OK;
    uint64_t width = (uint64_t)PQCHA_TREE_LEAF_SIZE << claim->node_level;
    size_t n = claim->node_count;
    for (size_t i = 0; i < n;) {
        if (memcmp(claim->nodes[i], f->nodes[i], sizeof f->nodes[i]) == 0) {
            i++;
            continue;
        }
        size_t j = i + 1;
        while (j < n && memcmp(claim->nodes[j], f->nodes[j], sizeof f->nodes[j]) != 0) j++;
        uint64_t start = i * width;
        uint64_t end = j * width < claim->region.size ? j * width : claim->region.size;
        PQCHA_TRY(result_add_span(r, claim, f, start, end - start));
        i = j;
    }
    return PQCHA_OK;
}

/* ---- tensor-level drift (sha3-256-segments against a manifest) ---- */

static pqcha_err result_add_missing(pqcha_result *r, const char *region, const char *tensor) {
    PQCHA_TRY(pqcha__grow(&r->missing, &r->missing_cap, r->missing_count + 1, sizeof r->missing[0],
                          SIZE_MAX / sizeof r->missing[0]));
    result_missing_tensor m = {pqcha__strdup(region), pqcha__strdup(tensor)};
    if (!m.region || !m.tensor) {
        free(m.region);
        free(m.tensor);
        return PQCHA_ERR_NO_MEMORY;
    }
    r->missing[r->missing_count++] = m;
    return PQCHA_OK;
}

/* One span per changed tensor or gap (offsets relative to the region), then
 * the missing tensors. */
static pqcha_err record_tensor_drift(pqcha_result *r, const pqcha__claim *claim,
                                     const pqcha__tensor_comparison *tc) {
    uint64_t base = claim->region.file_offset;
    for (size_t i = 0; i < tc->changed_count; i++) {
        const pqcha__changed_piece *p = &tc->changed[i];
        PQCHA_TRY(result_reserve_span(r));
        result_span sp = {pqcha__strdup(claim->region.id), p->offset - base, p->size, NULL, 0, 0};
        size_t cap = 0;
        pqcha_err err = sp.region ? PQCHA_OK : PQCHA_ERR_NO_MEMORY;
        if (err == PQCHA_OK && p->tensor) err = span_add_tensor(r, &sp, &cap, p->tensor);
        if (err != PQCHA_OK) {
            span_clear(&sp);
            return err;
        }
        r->spans[r->span_count++] = sp;
    }
    for (size_t i = 0; i < tc->missing_count; i++)
        PQCHA_TRY(result_add_missing(r, claim->region.id, tc->missing[i]));
    return PQCHA_OK;
}

/* What the region check shows for a tensor comparison. */
static void tensor_comparison_text(char *out, size_t cap, const pqcha__claim *claim,
                                   const pqcha__tensor_comparison *tc) {
    size_t used = strlen(out);
    if (tc->beyond_file) {
        snprintf(out + used, cap - used, " (file bytes 0x%" PRIx64 "..0x%" PRIx64
                 ": beyond the end of the reference file)", claim->region.file_offset,
                 claim->region.file_offset + claim->region.size);
        return;
    }
    if (tc->no_reference_digests) {
        snprintf(out + used, cap - used, " (the manifest entry has no tensor digests: "
                 "re-create it with this version of 'pqcha manifest')");
        return;
    }
    snprintf(out + used, cap - used,
             " (file offset 0x%" PRIx64 ": %zu tensors as the manifest, %zu changed, %zu missing;"
             " %" PRIu64 " bytes outside tensors not compared)",
             claim->region.file_offset, tc->tensors_matched, tc->changed_count,
             tc->missing_count, tc->bytes_not_compared);
}

/* ======================================================================
 * the verification run
 * ====================================================================== */

typedef struct verify_ctx {
    const pqcha_verifier *v;
    pqcha_result *res;
    int stopped;       /* a check failed: every later check is SKIPPED */
    pqcha_err fatal;   /* NO_MEMORY (or a bug): abandon the result */
    pqcha__envelope env;
    const pqcha_key *key;     /* the pinned key the envelope's keyid names */
    const pqcha_report *rep;  /* the decoded payload; set only after the signature passed */
    const pqcha__policy_workload *workload;
    const pqcha__claim **sorted; /* report claims sorted by region id */
    int64_t now;
    int64_t max_skew;
    int64_t max_lifetime;
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
    pqcha_err add = result_add_check(c->res, name, status, err, expected, found);
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

static void format_time(char out[PQCHA_TIMESTAMP_LEN + 1], int64_t t) {
    if (pqcha_time_format(out, t) != PQCHA_OK) snprintf(out, PQCHA_TIMESTAMP_LEN + 1, "%" PRId64, t);
}

static const char *sig_alg_name(pqcha_sig_alg alg) {
    const char *name = pqcha_sig_alg_name(alg);
    return name ? name : "?";
}

static const char *digest_alg_name(pqcha_digest_alg alg) {
    const char *name = pqcha_digest_alg_name(alg);
    return name ? name : "?";
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
    conclude(c, "envelope", err, PQCHA_VERDICT_MALFORMED, "DSSE envelope with one signature", found);
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
    c->key = find_pinned_key(c->v, c->env.key_id);
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
    snprintf(expected, sizeof expected, "valid %s signature (%zu bytes)", sig_alg_name(alg), want);
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
    snprintf(expected, sizeof expected, "keyId %s, %s", c->env.key_id, sig_alg_name(key_alg));
    snprintf(found, sizeof found, "keyId %s, %s", c->rep->signer_key_id,
             sig_alg_name(c->rep->signer_alg));
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
        int n = snprintf(out + used, cap - used, "%s%s", used ? ", " : "", sig_alg_name(all[i]));
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
             PQCHA_VERDICT_REJECTED, expected, sig_alg_name(alg));
}

/* ---- 7-9. freshness ---- */
static void check_not_expired(verify_ctx *c) {
    if (c->stopped) {
        skip(c, "not-expired", "");
        return;
    }
    char exp_ts[PQCHA_TIMESTAMP_LEN + 1], now_ts[PQCHA_TIMESTAMP_LEN + 1];
    char expected[TEXT_LEN], found[TEXT_LEN];
    format_time(exp_ts, c->rep->expires_at);
    format_time(now_ts, c->now);
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
    format_time(issued_ts, c->rep->issued_at);
    format_time(now_ts, c->now);
    snprintf(expected, sizeof expected, "issuedAt at most %" PRId64 "s after now %s",
             c->max_skew, now_ts);
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

static void check_nonce(verify_ctx *c) {
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
    conclude(c, "nonce", nonce_equal(challenge, c->rep->nonce_hex) ? PQCHA_OK
                                                                   : PQCHA_ERR_NONCE_MISMATCH,
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

/* ---- 12. unique region ids ---- */
static int compare_claims_by_id(const void *a, const void *b) {
    const pqcha__claim *x = *(const pqcha__claim *const *)a;
    const pqcha__claim *y = *(const pqcha__claim *const *)b;
    return strcmp(x->region.id, y->region.id);
}

static int compare_id_to_claim(const void *key, const void *elem) {
    return strcmp((const char *)key, (*(const pqcha__claim *const *)elem)->region.id);
}

static const pqcha__claim *find_claim(const verify_ctx *c, const char *id) {
    const pqcha__claim *const *hit =
        bsearch(id, c->sorted, c->rep->claim_count, sizeof c->sorted[0], compare_id_to_claim);
    return hit ? *hit : NULL;
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
static void region_check_name(char *out, size_t cap, const char *id) {
    snprintf(out, cap, "region:%s", id);
}

static void claim_digest_text(char *out, size_t cap, const pqcha__claim *claim) {
    snprintf(out, cap, "%s:%s", digest_alg_name(claim->digest_alg), claim->digest_hex);
}

static void policy_digest_text(char *out, size_t cap, const pqcha__policy_region *pr,
                               int tensor_level) {
    size_t used = 0;
    out[0] = '\0';
    if (pr->manifest && tensor_level) {
        size_t required = pr->required_tensor_count ? pr->required_tensor_count
                                                    : pr->manifest->tensor_count;
        snprintf(out, cap, "manifest %s: %zu %stensors with their sha3-256-tree digests",
                 pr->manifest_name, required, pr->required_tensor_count ? "required " : "");
        return;
    }
    if (pr->manifest) {
        snprintf(out, cap, "manifest %s: %s:%s (%" PRIu64 " bytes)", pr->manifest_name,
                 digest_alg_name(pr->digests[0].alg), pr->digests[0].hex, pr->manifest->size);
        return;
    }
    for (size_t i = 0; i < pr->digest_count; i++) {
        int n = snprintf(out + used, cap - used, "%s%s:%s", used ? " or " : "",
                         digest_alg_name(pr->digests[i].alg), pr->digests[i].hex);
        if (n < 0 || (size_t)n >= cap - used) return;
        used += (size_t)n;
    }
}

/* A region compared with a manifest entry of another size cannot be
 * localised: say why, next to what was found. */
static void manifest_size_note(char *found, size_t cap, const pqcha__claim *claim,
                               const pqcha__policy_region *pr) {
    if (!pr->manifest || claim->region.size == pr->manifest->size) return;
    size_t used = strlen(found);
    snprintf(found + used, cap - used, " (%" PRIu64 " bytes: the size differs)", claim->region.size);
    if (claim->region.mapped_file && claim->region.file_offset != 0) {
        used = strlen(found);
        snprintf(found + used, cap - used, "; mapped from file offset 0x%" PRIx64
                 ", measured without its tensor table", claim->region.file_offset);
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
    tensor_comparison_text(found, cap, claim, &tc);
    if (!match) err = record_tensor_drift(c->res, claim, &tc);
    if (err != PQCHA_OK) abandon(c, err);
    pqcha__tensor_comparison_clear(&tc);
    return match;
}

/* Check 13 for one claim: may this region be in the report at all? */
static pqcha_err admit_claim(const verify_ctx *c, const pqcha__claim *claim) {
    if (!pqcha__policy_allows_digest(c->v->policy, claim->digest_alg))
        return PQCHA_ERR_POLICY_VIOLATION;
    if (!pqcha__policy_find_region(c->workload, claim->region.id) && !c->workload->allow_extra_regions)
        return PQCHA_ERR_UNEXPECTED_REGION;
    return PQCHA_OK;
}

static void record_region(verify_ctx *c, const char *id, pqcha_check_status status, pqcha_err err,
                          const char *expected, const char *found) {
    char name[TEXT_LEN];
    region_check_name(name, sizeof name, id);
    record(c, name, status, err, expected, found);
}

/* Check 13 failed for at least one region: list the culprits, skip the rest. */
static void record_admission_failures(verify_ctx *c, pqcha_err first) {
    char expected[TEXT_LEN] = "", found[TEXT_LEN];
    for (size_t i = 0; i < c->rep->claim_count; i++) {
        const pqcha__claim *claim = &c->rep->claims[i];
        const pqcha__policy_region *pr = pqcha__policy_find_region(c->workload, claim->region.id);
        pqcha_err err = admit_claim(c, claim);
        claim_digest_text(found, sizeof found, claim);
        if (err == PQCHA_ERR_POLICY_VIOLATION) {
            snprintf(expected, sizeof expected, "a digest algorithm the policy allows");
        } else if (err == PQCHA_ERR_UNEXPECTED_REGION) {
            snprintf(expected, sizeof expected, "(not in policy)");
        }
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
        if (!find_claim(c, pr->id)) record_region(c, pr->id, PQCHA_CHECK_SKIPPED, PQCHA_OK, "", "");
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
        const pqcha__policy_region *pr = pqcha__policy_find_region(c->workload, claim->region.id);
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
            pqcha_err err = result_add_drift(c->res, claim->region.id);
            if (err == PQCHA_OK && !tensor_level) err = localise_drift(c->res, claim, pr->manifest);
            if (err != PQCHA_OK) abandon(c, err);
        }
    }
    for (size_t i = 0; i < c->workload->region_count && !c->fatal; i++) {
        const pqcha__policy_region *pr = &c->workload->regions[i];
        if (find_claim(c, pr->id)) continue;
        policy_digest_text(expected, sizeof expected, pr, 0);
        record_region(c, pr->id, PQCHA_CHECK_FAIL, PQCHA_ERR_MISSING_REGION, expected, "(absent)");
        drift = PQCHA_ERR_MISSING_REGION;
        pqcha_err err = result_add_drift(c->res, pr->id);
        if (err != PQCHA_OK) abandon(c, err);
    }
    if (drift != PQCHA_OK) decide(c, drift, PQCHA_VERDICT_DRIFT);
}

static void check_regions(verify_ctx *c) {
    if (c->stopped || !c->v->policy || c->fatal) return;
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
    check_unique_regions(c);
    check_regions(c);
}

pqcha_err pqcha_verify(pqcha_result **out, const pqcha_verifier *v, const char *envelope,
                       size_t len) {
    if (!out) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (!v || (!envelope && len != 0)) return PQCHA_ERR_INVALID_ARGUMENT;
    verify_ctx c;
    memset(&c, 0, sizeof c);
    c.v = v;
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
    if (c.fatal != PQCHA_OK) {
        pqcha_result_free(c.res);
        return c.fatal;
    }
    *out = c.res;
    return c.res->error;
}

/* ======================================================================
 * result as JSON
 * ====================================================================== */

/* json_object_set_new that also fails for a NULL value (an allocation that
 * failed); like json_object_set_new it always consumes value. */
static int set_new(json_t *obj, const char *key, json_t *value) {
    if (!value) return -1;
    return json_object_set_new(obj, key, value);
}

static json_t *error_name_or_null(pqcha_err err) {
    return err == PQCHA_OK ? json_null() : json_string(pqcha_error_name(err));
}

static const char *status_name(pqcha_check_status s) {
    switch (s) {
    case PQCHA_CHECK_PASS: return "pass";
    case PQCHA_CHECK_FAIL: return "fail";
    case PQCHA_CHECK_SKIPPED: return "skipped";
    }
    return "unknown";
}

static json_t *check_to_json(const result_check *rc) {
    json_t *obj = json_object();
    if (!obj) return NULL;
    int bad = 0;
    bad |= set_new(obj, "name", json_string(rc->name));
    bad |= set_new(obj, "status", json_string(status_name(rc->status)));
    bad |= set_new(obj, "error", error_name_or_null(rc->err));
    bad |= set_new(obj, "expected", json_string(rc->expected));
    bad |= set_new(obj, "found", json_string(rc->found));
    if (bad) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

static json_t *timestamp_json(int64_t t) {
    char ts[PQCHA_TIMESTAMP_LEN + 1];
    format_time(ts, t);
    return json_string(ts);
}

static json_t *claim_to_json(const pqcha__claim *claim) {
    json_t *obj = json_object();
    if (!obj) return NULL;
    char address[2 + 16 + 1];
    snprintf(address, sizeof address, "0x%" PRIx64, claim->region.address);
    const char *prot = pqcha_protection_name(claim->region.protection);
    int bad = 0;
    bad |= set_new(obj, "id", json_string(claim->region.id));
    bad |= set_new(obj, "description",
                   json_string(claim->region.description ? claim->region.description : ""));
    bad |= set_new(obj, "digestAlgorithm", json_string(digest_alg_name(claim->digest_alg)));
    bad |= set_new(obj, "digest", json_string(claim->digest_hex));
    bad |= set_new(obj, "size", json_integer((json_int_t)claim->region.size));
    bad |= set_new(obj, "address", json_string(address));
    bad |= set_new(obj, "protection", json_string(prot ? prot : "?"));
    bad |= set_new(obj, "takenAt", timestamp_json(claim->taken_at));
    if (claim->expected_hex) /* the attester's own claim: shown, never used */
        bad |= set_new(obj, "expectedDigest", json_string(claim->expected_hex));
    if (claim->region.mapped_file) /* where in which file the region's bytes come from */
        bad |= set_new(obj, "mapping", json_pack("{s:s, s:I, s:b}", "file", claim->region.mapped_file,
                                                 "offset", (json_int_t)claim->region.file_offset,
                                                 "deleted", claim->region.file_deleted));
    if (claim->segment_count > 0) {
        size_t tensors = 0;
        for (size_t i = 0; i < claim->segment_count; i++)
            tensors += claim->segments[i].tensor != NULL;
        bad |= set_new(obj, "tensorCount", json_integer((json_int_t)tensors));
    }
    if (bad) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

static json_t *report_to_json(const pqcha_report *rep) {
    json_t *obj = json_object(), *signer = json_object(), *regions = json_array();
    int bad = !obj || !signer || !regions;
    if (!bad) {
        bad |= set_new(signer, "keyId", json_string(rep->signer_key_id));
        bad |= set_new(signer, "algorithm", json_string(sig_alg_name(rep->signer_alg)));
        for (size_t i = 0; i < rep->claim_count && !bad; i++) {
            json_t *region = claim_to_json(&rep->claims[i]);
            bad |= region ? json_array_append_new(regions, region) : -1;
        }
    }
    if (!bad) {
        bad |= set_new(obj, "reportId", json_string(rep->report_id));
        bad |= set_new(obj, "workloadId", json_string(rep->workload_id));
        bad |= set_new(obj, "platform", json_string(rep->platform));
        bad |= set_new(obj, "nonce", json_string(rep->nonce_hex));
        bad |= set_new(obj, "sequence", json_integer((json_int_t)rep->sequence));
        bad |= set_new(obj, "issuedAt", timestamp_json(rep->issued_at));
        bad |= set_new(obj, "expiresAt", timestamp_json(rep->expires_at));
        bad |= set_new(obj, "signer", signer);
        signer = NULL; /* owned by obj now (or freed by set_new on failure) */
        bad |= set_new(obj, "regions", regions);
        regions = NULL;
    }
    json_decref(signer);
    json_decref(regions);
    if (bad) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

static json_t *span_to_json(const result_span *sp) {
    json_t *obj = json_object(), *tensors = json_array();
    int bad = !obj || !tensors;
    for (size_t i = 0; i < sp->tensor_count && !bad; i++) {
        json_t *name = json_string(sp->tensors[i]);
        bad |= name ? json_array_append_new(tensors, name) : -1;
    }
    if (!bad) {
        bad |= set_new(obj, "region", json_string(sp->region));
        bad |= set_new(obj, "offset", json_integer((json_int_t)sp->offset));
        bad |= set_new(obj, "length", json_integer((json_int_t)sp->length));
        bad |= set_new(obj, "tensors", tensors);
        bad |= set_new(obj, "tensorCount", json_integer((json_int_t)sp->tensor_total));
        tensors = NULL;
    }
    json_decref(tensors);
    if (bad) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

static json_t *spans_to_json(const pqcha_result *r) {
    json_t *spans = json_array();
    for (size_t i = 0; spans && i < r->span_count; i++) {
        json_t *sp = span_to_json(&r->spans[i]);
        if (!sp || json_array_append_new(spans, sp) != 0) {
            json_decref(spans);
            return NULL;
        }
    }
    return spans;
}

static json_t *missing_tensors_to_json(const pqcha_result *r) {
    json_t *list = json_array();
    for (size_t i = 0; list && i < r->missing_count; i++) {
        json_t *item = json_pack("{s:s, s:s}", "region", r->missing[i].region, "tensor",
                                 r->missing[i].tensor);
        if (!item || json_array_append_new(list, item) != 0) {
            json_decref(list);
            return NULL;
        }
    }
    return list;
}

static json_t *result_to_json_value(const pqcha_result *r) {
    json_t *obj = json_object(), *checks = json_array(), *drift = json_array();
    int bad = !obj || !checks || !drift;
    for (size_t i = 0; i < r->check_count && !bad; i++) {
        json_t *check = check_to_json(&r->checks[i]);
        bad |= check ? json_array_append_new(checks, check) : -1;
    }
    for (size_t i = 0; i < r->drift_count && !bad; i++) {
        json_t *id = json_string(r->drift[i]);
        bad |= id ? json_array_append_new(drift, id) : -1;
    }
    if (!bad) {
        bad |= set_new(obj, "verdict", json_string(pqcha_verdict_name(r->verdict)));
        bad |= set_new(obj, "error", json_integer(r->error));
        bad |= set_new(obj, "errorName", json_string(pqcha_error_name(r->error)));
        bad |= set_new(obj, "report", r->report ? report_to_json(r->report) : json_null());
        bad |= set_new(obj, "checks", checks);
        checks = NULL;
        bad |= set_new(obj, "drift", drift);
        drift = NULL;
        bad |= set_new(obj, "driftDetails", spans_to_json(r));
        bad |= set_new(obj, "missingTensors", missing_tensors_to_json(r));
    }
    json_decref(checks);
    json_decref(drift);
    if (bad) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

pqcha_err pqcha_result_to_json(char **out, const pqcha_result *r) {
    if (!out) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (!r) return PQCHA_ERR_INVALID_ARGUMENT;
    json_t *value = result_to_json_value(r);
    if (!value) return PQCHA_ERR_NO_MEMORY;
    size_t len = 0;
    pqcha_err err = pqcha__json_dump(out, &len, value, PQCHA__JSON_COMPACT_ASCII);
    json_decref(value);
    return err;
}
