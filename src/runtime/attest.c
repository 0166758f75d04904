/* attest.c — the attester: measures every region a backend lists for one
 * workload and signs one report (docs/FORMAT.md sections 3 and 4).
 *
 * Differences from the original's attest_once, on purpose:
 *  - the nonce is the verifier's challenge and is validated, never silently
 *    replaced: it must be lowercase hex of PQCHA_MIN_NONCE_BYTES..
 *    PQCHA_MAX_NONCE_BYTES bytes, and every violation (upper case, odd length,
 *    non-hex, too short, too long, empty) is PQCHA_ERR_BAD_HEX, as for every
 *    other hex field of the wire format. NULL asks for a random 16-byte nonce;
 *  - a workload with no regions is PQCHA_ERR_EMPTY_REPORT, not a signed
 *    report that attests nothing;
 *  - the TTL is bounded (1..PQCHA_MAX_TTL_SECONDS), and the sequence number
 *    advances only when a report was actually produced;
 *  - expected digests are carried as "expectedDigest", informational only:
 *    the verifier decides on its own policy. */
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "base/pool.h"
#include "core/encoding.h"
#include "core/envelope.h"
#include "core/internal.h"
#include "core/parhash.h"
#include "core/report_internal.h"
#include "core/segments.h"
#include "core/statement_write.h"
#include "runtime/attest_evidence.h"

#define RANDOM_NONCE_BYTES 16
/* Upper bounds of a claim's encoding, for the quick size check: fixed keys
 * and values, a digest, a node, a segment; strings at their most escaped. */
#define CLAIM_FIXED_BYTES   512u
#define NODE_BYTES          80u
#define SEGMENT_FIXED_BYTES 160u
#define ESCAPED(len)        (6u * (size_t)(len))
#define HEADER_BYTES        4096u

/* A region this large keeps every lane and thread busy on its own leaves, so
 * it is hashed alone with all threads; smaller regions are hashed side by
 * side, one per thread (lanes x threads x leaf = 1 MiB on AVX-512, 2 threads). */
#define SOLO_REGION_BYTES (16u * PQCHA_TREE_LEAF_SIZE)

typedef struct expected_digest {
    char *region_id;
    char hex[2 * PQCHA_SHA3_256_LEN + 1];
} expected_digest;

struct pqcha_attester {
    const pqcha_key *key;   /* borrowed */
    pqcha_backend *backend; /* borrowed */
    char *workload_id;
    int64_t ttl_seconds;
    uint64_t next_sequence;
    int64_t fixed_time; /* negative: use the clock */
    pqcha_digest_alg digest_alg;
    unsigned threads;
    pqcha__pool *pool; /* for hashing small regions side by side; created on first use */
    expected_digest *expected;
    size_t expected_count;
    size_t expected_cap;
    pqcha__attester_evidence evidence;
    pqcha_region_progress_fn progress; /* pqcha_attester_set_progress */
    void *progress_ctx;
};

pqcha_err pqcha_attester_create(pqcha_attester **out, const pqcha_key *signing_key,
                                pqcha_backend *backend, const char *workload_id) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (signing_key == NULL || backend == NULL || workload_id == NULL)
        return PQCHA_ERR_INVALID_ARGUMENT;
    PQCHA_TRY(pqcha_identifier_check(workload_id));
    /* Fail at setup rather than after measuring every region. */
    if (!pqcha_key_has_private(signing_key)) return PQCHA_ERR_NOT_PRIVATE_KEY;

    pqcha_attester *a = calloc(1, sizeof *a);
    if (a == NULL) return PQCHA_ERR_NO_MEMORY;
    a->workload_id = pqcha__strdup(workload_id);
    if (a->workload_id == NULL) {
        free(a);
        return PQCHA_ERR_NO_MEMORY;
    }
    a->key = signing_key;
    a->backend = backend;
    a->ttl_seconds = PQCHA_DEFAULT_TTL_SECONDS;
    a->fixed_time = -1;
    a->digest_alg = PQCHA_DIGEST_SHA3_256_TREE;
    a->threads = 1;
    *out = a;
    return PQCHA_OK;
}

pqcha_err pqcha_attester_set_digest(pqcha_attester *a, pqcha_digest_alg alg) {
    if (a == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    if (!pqcha_digest_alg_is_streaming(alg))
        return PQCHA_ERR_UNSUPPORTED_ALGORITHM; /* segments follow from regions' tensors */
    a->digest_alg = alg;
    return PQCHA_OK;
}

pqcha_err pqcha_attester_set_progress(pqcha_attester *a, pqcha_region_progress_fn fn, void *ctx) {
    if (a == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    a->progress = fn;
    a->progress_ctx = ctx;
    return PQCHA_OK;
}

pqcha_err pqcha_attester_set_threads(pqcha_attester *a, unsigned threads) {
    if (a == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    if (a->pool != NULL &&
        pqcha__pool_threads(a->pool) != (threads ? threads : pqcha__online_cpus())) {
        pqcha__pool_free(a->pool); /* sized for the old count */
        a->pool = NULL;
    }
    a->threads = threads;
    return PQCHA_OK;
}

void pqcha_attester_free(pqcha_attester *a) {
    if (a == NULL) return;
    pqcha__pool_free(a->pool);
    for (size_t i = 0; i < a->expected_count; i++)
        free(a->expected[i].region_id);
    free(a->expected);
    free(a->workload_id);
    pqcha__attester_evidence_clear(&a->evidence);
    free(a);
}

pqcha_err pqcha_attester_set_evidence(pqcha_attester *a, pqcha_evidence_source *source,
                                      const char *binding) {
    if (a == NULL || (source != NULL && binding == NULL)) return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha__binding mode = PQCHA__BINDING_KEY;
    if (source != NULL && pqcha__binding_parse(&mode, binding) != PQCHA_OK)
        return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha__attester_evidence_set(&a->evidence, source, mode);
    return PQCHA_OK;
}

pqcha_err pqcha_attester_set_ttl(pqcha_attester *a, int64_t ttl_seconds) {
    if (a == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    if (ttl_seconds < 1 || ttl_seconds > PQCHA_MAX_TTL_SECONDS) return PQCHA_ERR_OUT_OF_RANGE;
    a->ttl_seconds = ttl_seconds;
    return PQCHA_OK;
}

pqcha_err pqcha_attester_set_sequence(pqcha_attester *a, uint64_t next_sequence) {
    if (a == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    if (next_sequence > PQCHA_MAX_SAFE_INTEGER) /* must survive the JSON round trip */
        return PQCHA_ERR_OUT_OF_RANGE;
    a->next_sequence = next_sequence;
    return PQCHA_OK;
}

pqcha_err pqcha_attester_set_time(pqcha_attester *a, int64_t unix_seconds) {
    if (a == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    a->fixed_time = unix_seconds < 0 ? -1 : unix_seconds;
    return PQCHA_OK;
}

static expected_digest *find_expected(const pqcha_attester *a, const char *region_id) {
    for (size_t i = 0; i < a->expected_count; i++)
        if (strcmp(a->expected[i].region_id, region_id) == 0) return &a->expected[i];
    return NULL;
}

pqcha_err pqcha_attester_set_expected(pqcha_attester *a, const char *region_id,
                                      const char *digest_hex) {
    if (a == NULL || region_id == NULL || digest_hex == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    PQCHA_TRY(pqcha_identifier_check(region_id));
    /* Regions are measured with SHA3-256 only, so an expectation is 32 bytes. */
    PQCHA_TRY(pqcha__hex_check(digest_hex, PQCHA_SHA3_256_LEN, PQCHA_SHA3_256_LEN));

    expected_digest *e = find_expected(a, region_id);
    if (e == NULL) {
        PQCHA_TRY(pqcha__grow(&a->expected, &a->expected_cap, a->expected_count + 1,
                              sizeof *a->expected, PQCHA_MAX_REGIONS));
        char *id = pqcha__strdup(region_id);
        if (id == NULL) return PQCHA_ERR_NO_MEMORY;
        e = &a->expected[a->expected_count++];
        e->region_id = id;
    }
    memcpy(e->hex, digest_hex, sizeof e->hex); /* length checked above: 64 chars + NUL */
    return PQCHA_OK;
}

/* The challenge as given, or a fresh random one. */
static pqcha_err prepare_nonce(char out[2 * PQCHA_MAX_NONCE_BYTES + 1], const char *nonce_hex) {
    if (nonce_hex != NULL) {
        PQCHA_TRY(pqcha__hex_check(nonce_hex, PQCHA_MIN_NONCE_BYTES, PQCHA_MAX_NONCE_BYTES));
        memcpy(out, nonce_hex, strlen(nonce_hex) + 1);
        return PQCHA_OK;
    }
    uint8_t random[RANDOM_NONCE_BYTES];
    PQCHA_TRY(pqcha__random(random, sizeof random));
    pqcha_hex_encode(out, random, sizeof random);
    return PQCHA_OK;
}

static int64_t attester_now(const pqcha_attester *a) {
    return a->fixed_time >= 0 ? a->fixed_time : pqcha__now();
}

/* Fields of the report that do not depend on the measurements. */
static pqcha_err fill_header(pqcha_report *rep, const pqcha_attester *a, const char *nonce) {
    PQCHA_TRY(pqcha__report_new_id(&rep->report_id));
    PQCHA_TRY(pqcha__report_set_string(&rep->workload_id, a->workload_id));
    PQCHA_TRY(pqcha__report_set_string(&rep->platform, pqcha_backend_platform(a->backend)));
    PQCHA_TRY(pqcha__report_set_string(&rep->nonce_hex, nonce));
    const char *key_id = pqcha_key_id(a->key);
    if (key_id == NULL || strlen(key_id) != PQCHA_KEY_ID_HEX_LEN) return PQCHA_ERR_INTERNAL;
    memcpy(rep->signer_key_id, key_id, PQCHA_KEY_ID_HEX_LEN + 1);
    rep->signer_alg = pqcha_key_algorithm(a->key);
    rep->sequence = a->next_sequence;
    return PQCHA_OK;
}

/* One region's measurement, taken before claims are appended in report order. */
typedef struct measurement {
    uint8_t digest[PQCHA_MAX_DIGEST_LEN];
    int64_t taken_at;
    pqcha_err err;
    int done;
    /* sha3-256-tree over more than one leaf: the node digests (FORMAT.md
     * 4.5) that let a verifier name the changed byte ranges. */
    unsigned node_level;
    size_t node_count;
    uint8_t *nodes;
    /* sha3-256-segments (a region with a tensor table): the pieces. */
    pqcha__segment *segments;
    size_t segment_count;
} measurement;

typedef struct measure_job {
    const pqcha_attester *a;
    pqcha_region *const *regions;
    measurement *results;
} measure_job;

/* Keeps a copy of the hasher's nodes (none for other algorithms or small regions). */
static pqcha_err keep_nodes(measurement *m, const pqcha_hasher *h) {
    size_t count = pqcha_hasher_node_count(h);
    if (count == 0) return PQCHA_OK;
    m->nodes = malloc(count * PQCHA_SHA3_256_LEN);
    if (m->nodes == NULL) return PQCHA_ERR_NO_MEMORY;
    memcpy(m->nodes, pqcha_hasher_nodes(h), count * PQCHA_SHA3_256_LEN);
    m->node_count = count;
    m->node_level = pqcha_hasher_node_level(h);
    return PQCHA_OK;
}

/* Where one region's progress goes (NULL fields: nowhere). */
typedef struct region_progress {
    const pqcha_attester *a; /* NULL: the region is not reported */
    const pqcha_region *region;
    uint64_t done;
} region_progress;

static void progress_to(region_progress *rp, uint64_t bytes_done, int finished) {
    if (rp->a == NULL || rp->a->progress == NULL) return;
    rp->done = bytes_done;
    rp->a->progress(rp->a->progress_ctx, rp->region, bytes_done, finished);
}

static void hashed_so_far(void *ctx, uint64_t bytes_done) {
    progress_to(ctx, bytes_done, 0);
}

/* The backend's hashing path (which announces the region's size, so the
 * hasher records nodes), keeping the nodes for the claim. */
static pqcha_err digest_region(const pqcha_attester *a, const pqcha_region *region,
                               unsigned threads, measurement *m, region_progress *rp) {
    pqcha_hasher *h = NULL;
    PQCHA_TRY(pqcha_hasher_create(&h, a->digest_alg));
    pqcha_err err = pqcha_hasher_set_threads(h, threads);
    if (err == PQCHA_OK && rp->a != NULL) err = pqcha_hasher_set_progress(h, hashed_so_far, rp);
    if (err == PQCHA_OK) err = pqcha_backend_hash(a->backend, a->workload_id, region, h);
    if (err == PQCHA_OK) err = pqcha_hasher_final(h, m->digest, sizeof m->digest);
    if (err == PQCHA_OK) err = keep_nodes(m, h);
    pqcha_hasher_free(h);
    if (err != PQCHA_OK)
        memset(m->digest, 0, sizeof m->digest); /* never a digest of partial bytes */
    return err;
}

typedef struct segment_feed {
    pqcha__segment_hasher *sh;
    region_progress *rp;
} segment_feed;

static pqcha_err segment_sink_write(void *ctx, const uint8_t *data, size_t len) {
    segment_feed *feed = ctx;
    PQCHA_TRY(pqcha__segment_hasher_update(feed->sh, data, len));
    progress_to(feed->rp, feed->rp->done + len, 0);
    return PQCHA_OK;
}

/* A region with tensors, cut at their boundaries: every byte is hashed once,
 * into its tensor's digest or a gap's (FORMAT.md 4.6). */
static pqcha_err digest_segments(const pqcha_attester *a, const pqcha_region *region,
                                 unsigned threads, measurement *m, region_progress *rp) {
    PQCHA_TRY(pqcha__segments_layout(&m->segments, &m->segment_count, region->file_offset,
                                     region->size, region->tensors, region->tensor_count));
    pqcha__segment_hasher *sh = NULL;
    pqcha_err err = pqcha__segment_hasher_new(&sh, m->segments, m->segment_count, threads);
    segment_feed feed = {sh, rp};
    if (err == PQCHA_OK)
        err = pqcha_backend_read(a->backend, a->workload_id, region, segment_sink_write, &feed);
    if (err == PQCHA_OK) err = pqcha__segment_hasher_final(sh, m->digest);
    pqcha__segment_hasher_free(sh);
    if (err != PQCHA_OK) memset(m->digest, 0, sizeof m->digest);
    return err;
}

/* Segments when the region carries a tensor table and the attester uses the
 * default tree digest (of which segments are made); the plain digest otherwise. */
static pqcha_digest_alg claim_algorithm(const pqcha_attester *a, const pqcha_region *region) {
    int segmented =
        region->tensor_count > 0 && region->size > 0 && a->digest_alg == PQCHA_DIGEST_SHA3_256_TREE;
    return segmented ? PQCHA_DIGEST_SHA3_256_SEGMENTS : a->digest_alg;
}

/* shown: the region's progress is reported (it is measured on the thread
 * that runs pqcha_attester_attest, alone). */
static void measure_one(const pqcha_attester *a, const pqcha_region *region, unsigned threads,
                        measurement *m, int shown) {
    region_progress rp = {shown ? a : NULL, region, 0};
    progress_to(&rp, 0, 0);
    if (claim_algorithm(a, region) == PQCHA_DIGEST_SHA3_256_SEGMENTS)
        m->err = digest_segments(a, region, threads, m, &rp);
    else
        m->err = digest_region(a, region, threads, m, &rp);
    progress_to(&rp, rp.done, 1);
    m->taken_at = attester_now(a);
    m->done = 1;
}

/* Pool task: a small region, hashed on this thread alone. */
static void measure_small_region(void *ctx, size_t i) {
    const measure_job *job = ctx;
    if (job->regions[i]->size < SOLO_REGION_BYTES)
        measure_one(job->a, job->regions[i], 1, &job->results[i], 0);
}

/* Hashes the small regions in parallel when the backend allows concurrent
 * reads and more than one thread is wanted; the rest are left for later. */
static void measure_small_regions_in_parallel(pqcha_attester *a, measure_job *job, size_t count) {
    if (a->threads == 1 || count < 2 ||
        !(pqcha_backend_flags(a->backend) & PQCHA_BACKEND_CONCURRENT_READS))
        return;
    if (a->pool == NULL && pqcha__pool_create(&a->pool, a->threads) != PQCHA_OK)
        return; /* no pool: every region is measured in order below instead */
    pqcha__pool_run(a->pool, count, measure_small_region, job);
}

/* ---- the report's size, known before anything is hashed ---- */

/* The claim region i will get, with zero digests: everything but the digests'
 * values is known from the region (digests, nodes and segments have fixed
 * lengths), so its encoding has the real report's size. */
static pqcha_err add_placeholder_claim(pqcha_report *rep, const pqcha_attester *a,
                                       const pqcha_region *region) {
    static const uint8_t zeros[PQCHA_MAX_DIGEST_LEN] = {0};
    pqcha_digest_alg alg = claim_algorithm(a, region);
    const expected_digest *e = find_expected(a, region->id);
    pqcha__claim *c;
    PQCHA_TRY(pqcha__report_add_claim(rep, region, alg, zeros, pqcha_digest_alg_length(alg), 0,
                                      e && alg == a->digest_alg ? e->hex : NULL));
    c = &rep->claims[rep->claim_count - 1];
    if (alg == PQCHA_DIGEST_SHA3_256_TREE) {
        unsigned level;
        size_t count;
        pqcha__parhash_node_shape(region->size, PQCHA_TREE_LEAF_SIZE, &level, &count);
        if (count > 0) { /* stored unchecked: only their encoding's length matters */
            if ((c->nodes = calloc(count, sizeof c->nodes[0])) == NULL) return PQCHA_ERR_NO_MEMORY;
            c->node_count = count;
            c->node_level = level;
        }
    }
    if (alg == PQCHA_DIGEST_SHA3_256_SEGMENTS)
        PQCHA_TRY(pqcha__segments_layout(&c->segments, &c->segment_count, region->file_offset,
                                         region->size, region->tensors, region->tensor_count));
    return PQCHA_OK;
}

/* The exact payload size for these regions, from placeholder claims. */
static pqcha_err exact_size(const pqcha_attester *a, pqcha_region *const *regions, size_t count,
                            size_t *payload_bytes) {
    pqcha_report *rep = NULL;
    char nonce[2 * PQCHA_MAX_NONCE_BYTES + 1];
    memset(nonce, '0', 2 * PQCHA_MAX_NONCE_BYTES); /* the longest a challenge can be */
    nonce[2 * PQCHA_MAX_NONCE_BYTES] = '\0';
    pqcha_err err = count == 0 ? PQCHA_ERR_EMPTY_REPORT : pqcha__report_new(&rep);
    if (err == PQCHA_OK) err = fill_header(rep, a, nonce);
    for (size_t i = 0; err == PQCHA_OK && i < count; i++)
        err = add_placeholder_claim(rep, a, regions[i]);
    char *text = NULL;
    size_t len = 0;
    if (err == PQCHA_OK) {
        rep->issued_at = rep->expires_at = attester_now(a);
        err = pqcha__statement_write(&text, &len, rep);
    }
    free(text);
    pqcha_report_free(rep);
    if (err == PQCHA_OK) *payload_bytes = len + pqcha__attester_evidence_bound(&a->evidence);
    return err;
}

pqcha_err pqcha_attester_report_size(pqcha_attester *a, size_t *payload_bytes) {
    if (payload_bytes == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *payload_bytes = 0;
    if (a == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha_region **regions = NULL;
    size_t count = 0;
    PQCHA_TRY(pqcha_backend_list_regions(a->backend, a->workload_id, &regions, &count));
    pqcha_err err = exact_size(a, regions, count, payload_bytes);
    pqcha_region_list_free(regions, count);
    return err;
}

/* A bound above the payload's size, from the regions alone (no encoding). */
static size_t claim_bound(const pqcha_attester *a, const pqcha_region *r) {
    size_t bytes = CLAIM_FIXED_BYTES + ESCAPED(2 * strlen(r->id)) + ESCAPED(strlen(r->description));
    if (r->mapped_file != NULL) bytes += ESCAPED(strlen(r->mapped_file));
    pqcha_digest_alg alg = claim_algorithm(a, r);
    if (alg == PQCHA_DIGEST_SHA3_256_TREE) bytes += NODE_BYTES * PQCHA_MAX_TREE_NODES;
    if (alg == PQCHA_DIGEST_SHA3_256_SEGMENTS)
        for (size_t i = 0; i < r->tensor_count; i++) /* a tensor and the gap before it */
            bytes += 2 * SEGMENT_FIXED_BYTES + ESCAPED(strlen(r->tensors[i].name));
    return bytes;
}

/* A report that would not fit is refused before any region is hashed: a
 * cheap bound first, the exact size only when the bound is near the cap. */
static pqcha_err check_report_fits(const pqcha_attester *a, pqcha_region *const *regions,
                                   size_t count) {
    size_t bytes = HEADER_BYTES + ESCAPED(strlen(a->workload_id)) +
                   pqcha__attester_evidence_bound(&a->evidence);
    for (size_t i = 0; i < count; i++)
        bytes += claim_bound(a, regions[i]);
    if (bytes <= PQCHA_MAX_PAYLOAD_LEN) return PQCHA_OK;
    PQCHA_TRY(exact_size(a, regions, count, &bytes));
    return bytes > PQCHA_MAX_PAYLOAD_LEN ? PQCHA_ERR_TOO_LARGE : PQCHA_OK;
}

/* Lists and measures the workload's regions and appends their claims in the
 * backend's order; sets *last_taken_at to the latest measurement time. */
static pqcha_err measure_all(pqcha_report *rep, pqcha_attester *a, int64_t *last_taken_at) {
    pqcha_region **regions = NULL;
    size_t count = 0;
    PQCHA_TRY(pqcha_backend_list_regions(a->backend, a->workload_id, &regions, &count));
    measurement *results = count ? calloc(count, sizeof *results) : NULL;
    pqcha_err err = count == 0        ? PQCHA_ERR_EMPTY_REPORT
                    : results == NULL ? PQCHA_ERR_NO_MEMORY
                                      : PQCHA_OK;
    if (err == PQCHA_OK) err = check_report_fits(a, regions, count);
    if (err == PQCHA_OK) {
        measure_job job = {a, regions, results};
        measure_small_regions_in_parallel(a, &job, count);
    }
    size_t digest_len = pqcha_digest_alg_length(a->digest_alg);
    for (size_t i = 0; err == PQCHA_OK && i < count; i++) {
        measurement *m = &results[i];
        if (!m->done) measure_one(a, regions[i], a->threads, m, 1);
        err = m->err;
        if (err != PQCHA_OK) break;
        const expected_digest *e = find_expected(a, regions[i]->id);
        pqcha_digest_alg alg = claim_algorithm(a, regions[i]);
        /* An expectation is a sha3-256-tree digest: meaningless for segments. */
        err = pqcha__report_add_claim(rep, regions[i], alg, m->digest, digest_len, m->taken_at,
                                      e && alg == a->digest_alg ? e->hex : NULL);
        if (err == PQCHA_OK && m->node_count > 0)
            err = pqcha__report_set_claim_nodes(rep, rep->claim_count - 1, m->node_level, m->nodes,
                                                m->node_count);
        if (err == PQCHA_OK && m->segment_count > 0)
            err = pqcha__report_set_claim_segments(rep, rep->claim_count - 1, m->segments,
                                                   m->segment_count);
        if (m->taken_at > *last_taken_at) *last_taken_at = m->taken_at;
    }
    for (size_t i = 0; results != NULL && i < count; i++) {
        free(results[i].nodes);
        pqcha__segments_free(results[i].segments, results[i].segment_count);
    }
    free(results);
    pqcha_region_list_free(regions, count);
    return err;
}

/* Builds, encodes and signs the report. */
static pqcha_err attest_report(pqcha_attester *a, const char *nonce, char **envelope,
                               size_t *envelope_len) {
    pqcha_report *rep = NULL;
    PQCHA_TRY(pqcha__report_new(&rep));
    pqcha_err err = fill_header(rep, a, nonce);
    int64_t last_taken_at = 0;
    /* No TEE: say so before measuring, not after. */
    if (err == PQCHA_OK) err = pqcha__attester_evidence_probe(&a->evidence);
    if (err == PQCHA_OK) err = measure_all(rep, a, &last_taken_at);
    if (err == PQCHA_OK) {
        /* issuedAt is when the report is signed: after every measurement. A
         * wall clock stepped back mid-report must still not put a takenAt
         * after issuedAt (verifiers reject that). */
        int64_t now = attester_now(a);
        rep->issued_at = now > last_taken_at ? now : last_taken_at;
        if (rep->issued_at > INT64_MAX - a->ttl_seconds)
            err = PQCHA_ERR_OUT_OF_RANGE;
        else
            rep->expires_at = rep->issued_at + a->ttl_seconds;
    }
    /* Last before encoding: report binding covers every other field. */
    if (err == PQCHA_OK) err = pqcha__attester_evidence_add(&a->evidence, rep, a->key);
    char *payload = NULL;
    size_t payload_len = 0;
    if (err == PQCHA_OK) err = pqcha__statement_encode(&payload, &payload_len, rep);
    if (err == PQCHA_OK)
        err = pqcha__envelope_sign(envelope, envelope_len, a->key, (const uint8_t *)payload,
                                   payload_len);
    pqcha_free(payload);
    pqcha_report_free(rep);
    return err;
}

pqcha_err pqcha_attester_attest(pqcha_attester *a, const char *nonce_hex, char **envelope,
                                size_t *envelope_len) {
    if (envelope == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *envelope = NULL;
    if (envelope_len != NULL) *envelope_len = 0;
    if (a == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    if (!pqcha_key_has_private(a->key)) return PQCHA_ERR_NOT_PRIVATE_KEY;
    if (a->next_sequence > PQCHA_MAX_SAFE_INTEGER) return PQCHA_ERR_OUT_OF_RANGE;

    char nonce[2 * PQCHA_MAX_NONCE_BYTES + 1];
    PQCHA_TRY(prepare_nonce(nonce, nonce_hex));
    char *out = NULL;
    size_t out_len = 0;
    PQCHA_TRY(attest_report(a, nonce, &out, &out_len));
    /* Only a report that was produced consumes a sequence number. */
    a->next_sequence++;
    *envelope = out;
    if (envelope_len != NULL) *envelope_len = out_len;
    return PQCHA_OK;
}
