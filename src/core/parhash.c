/* parhash.c — streaming, multi-lane, multi-thread sha3-256-tree and k12
 * (parhash.h, docs/FORMAT.md section 4.4).
 *
 * Input flows through three stages:
 *   1. Until the input is known to be longer than one leaf, it is kept in a
 *      staging buffer: a short input gets the algorithm's single-node digest
 *      (plain SHA3-256, or K12's single TurboSHAKE128 call), so small regions
 *      keep the digests every other tool computes.
 *   2. Full leaves are hashed in batches: each task takes `lanes` leaves and
 *      one SIMD pass; the pool spreads tasks over threads. Leaves are read in
 *      place from the caller's buffer, in whole SIMD groups; only what is
 *      left between groups when a piece of input ends is copied (into the
 *      staging buffer) to be completed by the next piece. With the length
 *      announced, a tree input starts in place at its first byte.
 *   3. Leaf digests are combined in input order: pushed onto a Merkle stack
 *      (sha3-256-tree) or absorbed into K12's final node.
 */
#include "core/parhash.h"

#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "base/pool.h"
#include "core/internal.h"
#include "core/keccak.h"
#include "core/merkle.h"

#define BATCH_TARGET_BYTES (4u << 20) /* enough work per pool hand-off to hide its cost */
/* pqcha__parhash_update_from: each task reads at least this much (whole
 * SIMD groups), so that a read's fixed cost is small next to its copy, and
 * at most what a core's L2 holds, so that hashing finds it there. */
#define READ_TASK_BYTES (256u << 10)

#define TREE_LEAF_PREFIX PQCHA__TREE_LEAF_PREFIX

/* K12 (RFC 9861) constants. */
#define K12_SINGLE_NODE_DS 0x07
#define K12_LEAF_DS        0x0B
#define K12_FINAL_DS       0x06

struct pqcha__parhash {
    pqcha_digest_alg alg;
    size_t leaf_size;
    const pqcha__keccak_impl *impl;   /* the SIMD lanes */
    const pqcha__keccak_impl *scalar; /* one-off small hashes */
    unsigned threads;
    pqcha__pool *pool; /* created on the first batch that can use it, or borrowed */
    int pool_borrowed; /* the pool belongs to the caller: not freed here */

    uint8_t *stage;
    size_t stage_len, stage_cap, stage_max;
    size_t batch_leaves;                         /* leaves per pool hand-off, multiple of lanes */
    uint8_t (*leaf_digests)[PQCHA_SHA3_256_LEN]; /* batch_leaves slots */

    uint64_t total;
    int started; /* the input is known to need leaves */
    int finished;

    /* sha3-256-tree: leaves go through `block` in blocks of 2^node_level
     * leaves; each finished block is a node (FORMAT.md 4.5), pushed onto
     * `main`. Without node recording node_level is 0 and every leaf is a block. */
    pqcha__merkle_stack block;
    uint64_t block_leaves;
    pqcha__merkle_stack main;
    unsigned node_level;
    uint64_t expected_total; /* announced by pqcha__parhash_expect_length */
    int expecting;
    uint8_t (*nodes)[PQCHA_SHA3_256_LEN]; /* node_capacity slots when recording */
    size_t node_capacity;
    size_t node_count;
    pqcha__tshake final_node; /* k12 */
    uint64_t k12_cvs;
    pqcha_progress_fn progress; /* pqcha__parhash_set_progress */
    void *progress_ctx;
};

/* ---- small one-off hashes ---- */

static void sha3_256_prefixed(const pqcha__parhash *ph, uint8_t out[PQCHA_SHA3_256_LEN], int prefix,
                              const uint8_t *data, size_t len) {
    (void)ph;
    pqcha__sha3_256_prefixed(out, prefix, data, len);
}

/* A block (2^node_level leaves, or the last, partial one) is complete: its
 * root is a node. Because every split point of the RFC 9162 tree over more
 * than 2^node_level leaves is a multiple of 2^node_level, pushing the nodes
 * as items onto the main stack gives the same root as pushing every leaf. */
static void finish_block(pqcha__parhash *ph) {
    uint8_t node[PQCHA_SHA3_256_LEN];
    pqcha__merkle_root(&ph->block, node);
    ph->block_leaves = 0;
    if (ph->nodes != NULL && ph->node_count < ph->node_capacity)
        memcpy(ph->nodes[ph->node_count], node, PQCHA_SHA3_256_LEN);
    ph->node_count++;
    pqcha__merkle_push(&ph->main, node);
}

static void tree_add_leaf(pqcha__parhash *ph, const uint8_t leaf[PQCHA_SHA3_256_LEN]) {
    pqcha__merkle_push(&ph->block, leaf);
    if (++ph->block_leaves == (UINT64_C(1) << ph->node_level)) finish_block(ph);
}

static void combine_leaf(pqcha__parhash *ph, const uint8_t digest[PQCHA_SHA3_256_LEN]) {
    if (ph->alg == PQCHA_DIGEST_K12) {
        pqcha__tshake_absorb(&ph->final_node, digest, PQCHA_SHA3_256_LEN);
        ph->k12_cvs++;
    } else {
        tree_add_leaf(ph, digest);
    }
}

/* ---- hashing full leaves in lanes and threads ---- */

typedef struct leaf_job {
    pqcha__parhash *ph;
    const uint8_t *base; /* first leaf of the batch */
    size_t count;        /* leaves in the batch */
} leaf_job;

/* One task: `lanes` consecutive leaves in one SIMD pass. A short last group
 * repeats its final leaf in the spare lanes and discards those outputs. */
static void hash_leaf_group(void *arg, size_t task) {
    const leaf_job *job = arg;
    const pqcha__parhash *ph = job->ph;
    unsigned lanes = ph->impl->lanes;
    size_t first = task * lanes;
    uint8_t spare[PQCHA__KECCAK_MAX_LANES][PQCHA_SHA3_256_LEN];
    const uint8_t *msgs[PQCHA__KECCAK_MAX_LANES];
    uint8_t *outs[PQCHA__KECCAK_MAX_LANES];
    for (unsigned l = 0; l < lanes; l++) {
        size_t leaf = first + l < job->count ? first + l : job->count - 1;
        msgs[l] = job->base + leaf * ph->leaf_size;
        outs[l] = first + l < job->count ? ph->leaf_digests[first + l] : spare[l];
    }
    if (ph->alg == PQCHA_DIGEST_K12)
        pqcha__turboshake128_lanes(ph->impl, outs, PQCHA_SHA3_256_LEN, msgs, ph->leaf_size,
                                   K12_LEAF_DS);
    else
        pqcha__sha3_256_lanes(ph->impl, outs, msgs, ph->leaf_size, TREE_LEAF_PREFIX);
}

static void ensure_pool(pqcha__parhash *ph, size_t tasks) {
    if (ph->pool || ph->threads == 1 || tasks < 2) return;
    /* Without a pool the work still gets done, on this thread. */
    (void)pqcha__pool_create(&ph->pool, ph->threads);
}

/* Hashes n full leaves at base, in batches, and combines them in order. */
static void consume_leaves(pqcha__parhash *ph, const uint8_t *base, size_t n) {
    unsigned lanes = ph->impl->lanes;
    while (n > 0) {
        size_t count = n < ph->batch_leaves ? n : ph->batch_leaves;
        leaf_job job = {ph, base, count};
        size_t tasks = (count + lanes - 1) / lanes;
        ensure_pool(ph, tasks);
        pqcha__pool_run(ph->pool, tasks, hash_leaf_group, &job);
        for (size_t i = 0; i < count; i++)
            combine_leaf(ph, ph->leaf_digests[i]);
        base += count * ph->leaf_size;
        n -= count;
    }
}

/* ---- staging ---- */

static pqcha_err stage_reserve(pqcha__parhash *ph, size_t need) {
    return pqcha__grow(&ph->stage, &ph->stage_cap, need, 1, ph->stage_max);
}

static void stage_drop_front(pqcha__parhash *ph, size_t n) {
    memmove(ph->stage, ph->stage + n, ph->stage_len - n);
    ph->stage_len -= n;
}

/* Is an input of `total` bytes long enough to need leaves? sha3-256-tree:
 * more than one leaf. K12: S = M || 00 (empty customisation) exceeds one
 * chunk exactly when M has at least 8192 bytes. */
static int needs_leaves(const pqcha__parhash *ph, uint64_t total) {
    return ph->alg == PQCHA_DIGEST_K12 ? total >= ph->leaf_size : total > ph->leaf_size;
}

/* The input just became long enough for leaves. For K12 the first chunk S0
 * is not a leaf: it opens the final node, followed by 03 00 00 00 00 00 00 00. */
static void start_leaves(pqcha__parhash *ph) {
    ph->started = 1;
    if (ph->alg != PQCHA_DIGEST_K12) return;
    static const uint8_t s0_marker[8] = {0x03, 0, 0, 0, 0, 0, 0, 0};
    pqcha__tshake_init(&ph->final_node);
    pqcha__tshake_absorb(&ph->final_node, ph->stage, ph->leaf_size);
    pqcha__tshake_absorb(&ph->final_node, s0_marker, sizeof s0_marker);
    stage_drop_front(ph, ph->leaf_size);
}

/* Copies as much of data as fits a staged batch; hashes the batch when full. */
static pqcha_err stage_input(pqcha__parhash *ph, const uint8_t **data, size_t *len) {
    size_t room = ph->stage_max - ph->stage_len;
    size_t take = *len < room ? *len : room;
    PQCHA_TRY(stage_reserve(ph, ph->stage_len + take));
    memcpy(ph->stage + ph->stage_len, *data, take);
    ph->stage_len += take;
    ph->total += take;
    *data += take;
    *len -= take;
    if (!ph->started && needs_leaves(ph, ph->total)) start_leaves(ph);
    if (ph->started && ph->stage_len == ph->stage_max) {
        consume_leaves(ph, ph->stage, ph->stage_len / ph->leaf_size);
        ph->stage_len = 0;
    }
    return PQCHA_OK;
}

/* ---- public-facing engine ---- */

pqcha_err pqcha__parhash_new_custom(pqcha__parhash **out, pqcha_digest_alg alg, unsigned threads,
                                    const pqcha__keccak_impl *impl, size_t tree_leaf_size) {
    if (!out) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (alg != PQCHA_DIGEST_SHA3_256_TREE && alg != PQCHA_DIGEST_K12)
        return PQCHA_ERR_UNSUPPORTED_ALGORITHM;
    if (tree_leaf_size < 8192 || (tree_leaf_size & (tree_leaf_size - 1)) != 0)
        return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha__parhash *ph = calloc(1, sizeof *ph);
    if (!ph) return PQCHA_ERR_NO_MEMORY;
    ph->alg = alg;
    ph->leaf_size = alg == PQCHA_DIGEST_K12 ? PQCHA__K12_CHUNK : tree_leaf_size;
    ph->impl = impl ? impl : pqcha__keccak_best();
    ph->scalar = pqcha__keccak_by_name("scalar");
    ph->threads = threads ? threads : pqcha__online_cpus();
    size_t group = (size_t)ph->impl->lanes * ph->leaf_size;
    size_t groups = BATCH_TARGET_BYTES / group;
    if (groups < 2 * (size_t)ph->threads) groups = 2 * (size_t)ph->threads;
    ph->batch_leaves = groups * ph->impl->lanes;
    /* The staging buffer holds one batch (K12's S0 leaves it before a batch fills). */
    ph->stage_max = ph->batch_leaves * ph->leaf_size;
    ph->leaf_digests = malloc(ph->batch_leaves * sizeof ph->leaf_digests[0]);
    if (!ph->leaf_digests) {
        free(ph);
        return PQCHA_ERR_NO_MEMORY;
    }
    *out = ph;
    return PQCHA_OK;
}

pqcha_err pqcha__parhash_new(pqcha__parhash **out, pqcha_digest_alg alg, unsigned threads) {
    return pqcha__parhash_new_custom(out, alg, threads, NULL, PQCHA_TREE_LEAF_SIZE);
}

/* Whether len bytes are all the input still to come (the length was announced). */
static int rest_at_hand(const pqcha__parhash *ph, size_t len) {
    return ph->expecting && len == ph->expected_total - ph->total;
}

/* With the length announced, a sha3-256-tree input longer than one leaf is
 * known to need leaves before it has arrived, so hashing starts in place
 * with the first byte. (K12's first chunk is special and stays staged.) */
static void start_early(pqcha__parhash *ph) {
    if (!ph->started && ph->alg == PQCHA_DIGEST_SHA3_256_TREE && ph->expecting &&
        needs_leaves(ph, ph->expected_total))
        ph->started = 1;
}

static void consume_in_place(pqcha__parhash *ph, const uint8_t **data, size_t *len, size_t leaves) {
    consume_leaves(ph, *data, leaves);
    ph->total += (uint64_t)leaves * ph->leaf_size;
    *data += leaves * ph->leaf_size;
    *len -= leaves * ph->leaf_size;
}

/* The stage holds leaves begun by an earlier piece of input: it is topped up
 * to a whole SIMD group (or, when the rest of the input is at hand, to its
 * last whole leaf), its leaves hashed and the stage emptied, so that the rest
 * of the input is hashed in place. Too little input to do so is staged. */
static pqcha_err drain_stage(pqcha__parhash *ph, const uint8_t **data, size_t *len) {
    size_t group = (size_t)ph->impl->lanes * ph->leaf_size;
    size_t want = group - ph->stage_len % group;
    if (rest_at_hand(ph, *len))
        want = (ph->leaf_size - ph->stage_len % ph->leaf_size) % ph->leaf_size;
    if (*len < want) return stage_input(ph, data, len);
    PQCHA_TRY(stage_reserve(ph, ph->stage_len + want));
    memcpy(ph->stage + ph->stage_len, *data, want);
    ph->stage_len += want;
    ph->total += want;
    *data += want;
    *len -= want;
    consume_leaves(ph, ph->stage, ph->stage_len / ph->leaf_size);
    ph->stage_len = 0;
    return PQCHA_OK;
}

pqcha_err pqcha__parhash_update(pqcha__parhash *ph, const uint8_t *data, size_t len) {
    if (!ph || (!data && len) || ph->finished) return PQCHA_ERR_INVALID_ARGUMENT;
    if (UINT64_MAX - ph->total < len) return PQCHA_ERR_TOO_LARGE;
    /* More than announced: refused before a single extra byte reaches the
     * tree, so the node array sized for the announcement can never overflow. */
    if (ph->expecting && len > ph->expected_total - ph->total) return PQCHA_ERR_REGION_CHANGED;
    start_early(ph);
    while (len > 0) {
        if (!ph->started) {
            PQCHA_TRY(stage_input(ph, &data, &len));
            continue;
        }
        if (ph->stage_len > 0) {
            PQCHA_TRY(drain_stage(ph, &data, &len));
            continue;
        }
        /* Leaves are read in place: a copy costs nearly what hashing does.
         * Mid-stream only whole SIMD groups (a partial group leaves lanes
         * idle that later input could fill); at the end of an announced
         * input every whole leaf, since nothing will come to fill them. */
        size_t leaves = len / ph->leaf_size;
        if (!rest_at_hand(ph, len)) leaves -= leaves % ph->impl->lanes;
        if (leaves == 0) {
            PQCHA_TRY(stage_input(ph, &data, &len));
            continue;
        }
        consume_in_place(ph, &data, &len, leaves);
    }
    return PQCHA_OK;
}

/* ---- input read by the hashing threads ---- */

typedef struct read_job {
    pqcha__parhash *ph;
    pqcha__parhash_source source;
    void *ctx;
    uint64_t offset;    /* source offset of the batch's first leaf */
    size_t count;       /* leaves in the batch, read into ph->stage */
    size_t task_leaves; /* leaves per task: whole SIMD groups */
    pqcha_err *errors;  /* one slot per task */
} read_job;

/* One task: reads its leaves into its slice of the batch, then hashes them
 * group by group on the same core. */
static void read_and_hash(void *arg, size_t task) {
    const read_job *job = arg;
    const pqcha__parhash *ph = job->ph;
    size_t first = task * job->task_leaves;
    size_t n = job->count - first < job->task_leaves ? job->count - first : job->task_leaves;
    job->errors[task] = job->source(job->ctx, job->offset + (uint64_t)first * ph->leaf_size,
                                    ph->stage + first * ph->leaf_size, n * ph->leaf_size);
    if (job->errors[task] != PQCHA_OK) return;
    leaf_job leaves = {job->ph, ph->stage, job->count};
    size_t lanes = ph->impl->lanes;
    for (size_t group = first / lanes; group * lanes < first + n; group++)
        hash_leaf_group(&leaves, group);
}

static size_t read_task_leaves(const pqcha__parhash *ph) {
    size_t group = (size_t)ph->impl->lanes * ph->leaf_size;
    size_t groups = READ_TASK_BYTES / group;
    return (groups ? groups : 1) * ph->impl->lanes;
}

/* Reads and hashes n whole leaves from source at offset, batch by batch,
 * and combines them in order. The batch buffer is the (empty) stage. */
static pqcha_err consume_leaves_from(pqcha__parhash *ph, pqcha__parhash_source source, void *ctx,
                                     uint64_t offset, size_t n) {
    PQCHA_TRY(stage_reserve(ph, ph->stage_max));
    size_t task_leaves = read_task_leaves(ph);
    pqcha_err *errors = calloc(ph->batch_leaves / task_leaves + 1, sizeof *errors);
    if (errors == NULL) return PQCHA_ERR_NO_MEMORY;
    pqcha_err err = PQCHA_OK;
    while (n > 0 && err == PQCHA_OK) {
        size_t count = n < ph->batch_leaves ? n : ph->batch_leaves;
        size_t tasks = (count + task_leaves - 1) / task_leaves;
        read_job job = {ph, source, ctx, offset, count, task_leaves, errors};
        ensure_pool(ph, tasks);
        pqcha__pool_run(ph->pool, tasks, read_and_hash, &job);
        for (size_t t = 0; t < tasks && err == PQCHA_OK; t++)
            err = errors[t];
        for (size_t i = 0; i < count && err == PQCHA_OK; i++)
            combine_leaf(ph, ph->leaf_digests[i]);
        ph->total += (uint64_t)count * ph->leaf_size;
        offset += (uint64_t)count * ph->leaf_size;
        n -= count;
        if (err == PQCHA_OK && ph->progress) ph->progress(ph->progress_ctx, ph->total);
    }
    free(errors);
    return err;
}

/* How many of the `left` bytes still to come may be read by the hashing
 * threads now: whole leaves, in whole SIMD groups unless they are the last
 * of an announced input (as pqcha__parhash_update takes them in place). */
static size_t leaves_to_read(const pqcha__parhash *ph, uint64_t left) {
    if (!ph->started || ph->stage_len > 0) return 0;
    uint64_t leaves = left / ph->leaf_size;
    if (!(ph->expecting && left == ph->expected_total - ph->total))
        leaves -= leaves % ph->impl->lanes;
    return leaves > SIZE_MAX / ph->leaf_size ? SIZE_MAX / ph->leaf_size : (size_t)leaves;
}

/* The bytes to read on this thread and pass to pqcha__parhash_update before
 * the threads can read again: up to the end of K12's first chunk or of the
 * first leaves of a tree, or to the end of the staged SIMD group. */
static size_t bytes_to_bounce(const pqcha__parhash *ph, uint64_t left, size_t bounce_cap) {
    size_t group = (size_t)ph->impl->lanes * ph->leaf_size;
    size_t want = !ph->started ? ph->leaf_size : group - ph->stage_len % group;
    if (want > bounce_cap) want = bounce_cap;
    return left < want ? (size_t)left : want;
}

void pqcha__parhash_set_progress(pqcha__parhash *ph, pqcha_progress_fn fn, void *ctx) {
    ph->progress = fn;
    ph->progress_ctx = ctx;
}

pqcha_err pqcha__parhash_update_from(pqcha__parhash *ph, pqcha__parhash_source source, void *ctx,
                                     uint64_t len) {
    if (!ph || !source || ph->finished) return PQCHA_ERR_INVALID_ARGUMENT;
    if (UINT64_MAX - ph->total < len) return PQCHA_ERR_TOO_LARGE;
    if (ph->expecting && len > ph->expected_total - ph->total) return PQCHA_ERR_REGION_CHANGED;
    size_t bounce_cap = (size_t)ph->impl->lanes * ph->leaf_size;
    uint8_t *bounce = NULL;
    pqcha_err err = PQCHA_OK;
    for (uint64_t done = 0; done < len && err == PQCHA_OK;) {
        start_early(ph);
        size_t leaves = leaves_to_read(ph, len - done);
        if (leaves > 0) {
            err = consume_leaves_from(ph, source, ctx, done, leaves);
            done += (uint64_t)leaves * ph->leaf_size;
            continue;
        }
        if (bounce == NULL && (bounce = malloc(bounce_cap)) == NULL) err = PQCHA_ERR_NO_MEMORY;
        size_t n = bytes_to_bounce(ph, len - done, bounce_cap);
        if (err == PQCHA_OK) err = source(ctx, done, bounce, n);
        if (err == PQCHA_OK) err = pqcha__parhash_update(ph, bounce, n);
        done += n;
    }
    free(bounce);
    return err;
}

static void final_single_node(pqcha__parhash *ph, uint8_t out[PQCHA_SHA3_256_LEN]) {
    if (ph->alg == PQCHA_DIGEST_K12) {
        static const uint8_t empty_custom_suffix = 0x00; /* length_encode(0) */
        pqcha__tshake t;
        pqcha__tshake_init(&t);
        pqcha__tshake_absorb(&t, ph->stage, ph->stage_len);
        pqcha__tshake_absorb(&t, &empty_custom_suffix, 1);
        pqcha__tshake_final(&t, K12_SINGLE_NODE_DS, out, PQCHA_SHA3_256_LEN);
    } else {
        /* Plain SHA3-256: a small region keeps the digest openssl dgst prints. */
        sha3_256_prefixed(ph, out, -1, ph->stage, ph->stage_len);
    }
}

static void final_k12(pqcha__parhash *ph, const uint8_t *tail, size_t tail_len,
                      uint8_t out[PQCHA_SHA3_256_LEN]) {
    /* The last chunk is whatever of M is left, then the empty customisation's 00. */
    static const uint8_t suffix = 0x00;
    static const uint8_t terminator[2] = {0xFF, 0xFF};
    pqcha__tshake leaf;
    uint8_t cv[PQCHA_SHA3_256_LEN];
    pqcha__tshake_init(&leaf);
    pqcha__tshake_absorb(&leaf, tail, tail_len);
    pqcha__tshake_absorb(&leaf, &suffix, 1);
    pqcha__tshake_final(&leaf, K12_LEAF_DS, cv, PQCHA_SHA3_256_LEN);
    combine_leaf(ph, cv);
    uint8_t encoded[9];
    size_t n = pqcha__k12_length_encode(encoded, ph->k12_cvs);
    pqcha__tshake_absorb(&ph->final_node, encoded, n);
    pqcha__tshake_absorb(&ph->final_node, terminator, sizeof terminator);
    pqcha__tshake_final(&ph->final_node, K12_FINAL_DS, out, PQCHA_SHA3_256_LEN);
}

static void final_tree(pqcha__parhash *ph, const uint8_t *tail, size_t tail_len,
                       uint8_t out[PQCHA_SHA3_256_LEN]) {
    if (tail_len > 0) {
        uint8_t leaf[PQCHA_SHA3_256_LEN];
        sha3_256_prefixed(ph, leaf, TREE_LEAF_PREFIX, tail, tail_len);
        tree_add_leaf(ph, leaf);
    }
    if (ph->block_leaves > 0) finish_block(ph); /* the last, partial block */
    uint8_t mth[PQCHA_SHA3_256_LEN];
    pqcha__merkle_root(&ph->main, mth);
    pqcha__tree_bind_length(out, ph->total, mth);
}

pqcha_err pqcha__parhash_final(pqcha__parhash *ph, uint8_t out[PQCHA_SHA3_256_LEN]) {
    if (!ph || !out || ph->finished) return PQCHA_ERR_INVALID_ARGUMENT;
    ph->finished = 1;
    if (ph->expecting && ph->total != ph->expected_total) {
        ph->node_count = 0; /* nodes of a shorter input than announced mean nothing */
        return PQCHA_ERR_REGION_CHANGED;
    }
    if (!ph->started) {
        final_single_node(ph, out);
        return PQCHA_OK;
    }
    size_t full = ph->stage_len / ph->leaf_size;
    consume_leaves(ph, ph->stage, full);
    const uint8_t *tail = ph->stage + full * ph->leaf_size;
    size_t tail_len = ph->stage_len - full * ph->leaf_size;
    if (ph->alg == PQCHA_DIGEST_K12)
        final_k12(ph, tail, tail_len, out);
    else
        final_tree(ph, tail, tail_len, out);
    return PQCHA_OK;
}

void pqcha__parhash_borrow_pool(pqcha__parhash *ph, pqcha__pool *pool) {
    if (!ph || !pool || ph->pool) return;
    ph->pool = pool;
    ph->pool_borrowed = 1;
}

void pqcha__parhash_free(pqcha__parhash *ph) {
    if (!ph) return;
    if (!ph->pool_borrowed) pqcha__pool_free(ph->pool);
    free(ph->nodes);
    free(ph->stage);
    free(ph->leaf_digests);
    free(ph);
}

/* ---- node digests (FORMAT.md 4.5) ---- */

void pqcha__parhash_node_shape(uint64_t total, size_t leaf_size, unsigned *level, size_t *count) {
    *level = 0;
    *count = 0;
    if (leaf_size == 0 || total <= leaf_size) return; /* one leaf: no tree, no nodes */
    uint64_t leaves = (total - 1) / leaf_size + 1;
    unsigned k = 0;
    while (((leaves - 1) >> k) + 1 > PQCHA_MAX_TREE_NODES)
        k++;
    *level = k;
    *count = (size_t)(((leaves - 1) >> k) + 1);
}

pqcha_err pqcha__parhash_expect_length(pqcha__parhash *ph, uint64_t total) {
    if (!ph || ph->finished || ph->expecting || ph->total > 0) return PQCHA_ERR_INVALID_ARGUMENT;
    ph->expecting = 1;
    ph->expected_total = total;
    if (ph->alg != PQCHA_DIGEST_SHA3_256_TREE) return PQCHA_OK;
    size_t count;
    pqcha__parhash_node_shape(total, ph->leaf_size, &ph->node_level, &count);
    if (count == 0) return PQCHA_OK;
    ph->nodes = malloc(count * sizeof ph->nodes[0]);
    if (!ph->nodes) {
        ph->node_level = 0; /* no recording: leaves stay their own blocks */
        ph->expecting = 0;
        return PQCHA_ERR_NO_MEMORY;
    }
    ph->node_capacity = count;
    return PQCHA_OK;
}

/* Nodes exist once final succeeded for an announced input longer than a leaf. */
static int nodes_ready(const pqcha__parhash *ph) {
    return ph && ph->finished && ph->nodes && ph->node_count == ph->node_capacity;
}

size_t pqcha__parhash_node_count(const pqcha__parhash *ph) {
    return nodes_ready(ph) ? ph->node_count : 0;
}

unsigned pqcha__parhash_node_level(const pqcha__parhash *ph) {
    return nodes_ready(ph) ? ph->node_level : 0;
}

const uint8_t *pqcha__parhash_nodes(const pqcha__parhash *ph) {
    return nodes_ready(ph) ? ph->nodes[0] : NULL;
}

pqcha_err pqcha__tree_root_from_nodes_custom(const uint8_t *nodes, size_t count, uint64_t total,
                                             size_t leaf_size, uint8_t out[PQCHA_SHA3_256_LEN]) {
    if (!nodes || !out) return PQCHA_ERR_INVALID_ARGUMENT;
    unsigned level;
    size_t want;
    pqcha__parhash_node_shape(total, leaf_size, &level, &want);
    if (want == 0 || count != want) return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha__merkle_stack *st = calloc(1, sizeof *st);
    if (!st) return PQCHA_ERR_NO_MEMORY;
    for (size_t i = 0; i < count; i++)
        pqcha__merkle_push(st, nodes + i * PQCHA_SHA3_256_LEN);
    uint8_t mth[PQCHA_SHA3_256_LEN];
    pqcha__merkle_root(st, mth);
    free(st);
    pqcha__tree_bind_length(out, total, mth);
    return PQCHA_OK;
}

pqcha_err pqcha__tree_root_from_nodes(const uint8_t *nodes, size_t count, uint64_t total,
                                      uint8_t out[PQCHA_SHA3_256_LEN]) {
    return pqcha__tree_root_from_nodes_custom(nodes, count, total, PQCHA_TREE_LEAF_SIZE, out);
}

pqcha_err pqcha__tree_nodes_check(const uint8_t *nodes, size_t count, unsigned level,
                                  uint64_t total, const uint8_t digest[PQCHA_SHA3_256_LEN]) {
    unsigned want_level;
    size_t want_count;
    pqcha__parhash_node_shape(total, PQCHA_TREE_LEAF_SIZE, &want_level, &want_count);
    if (nodes == NULL || count == 0 || count != want_count || level != want_level)
        return PQCHA_ERR_INCONSISTENT_CLAIMS;
    uint8_t root[PQCHA_SHA3_256_LEN];
    pqcha_err err = pqcha__tree_root_from_nodes(nodes, count, total, root);
    if (err == PQCHA_ERR_NO_MEMORY) return err;
    if (err != PQCHA_OK || memcmp(root, digest, PQCHA_SHA3_256_LEN) != 0)
        return PQCHA_ERR_INCONSISTENT_CLAIMS;
    return PQCHA_OK;
}
