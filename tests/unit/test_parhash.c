/* test_parhash.c — the parallel digests (sha3-256-tree, k12): the tree's
 * exact structure, equality with plain SHA3-256 up to one leaf, and that
 * neither the chunking of the input, nor the thread count, nor the Keccak
 * implementation changes a single bit of the result. */
#include "testutil.h"

#include <stdatomic.h>

#include "core/keccak.h"
#include "core/parhash.h"

#define LEAF PQCHA_TREE_LEAF_SIZE

static uint8_t *pattern(size_t len, uint32_t seed) {
    uint8_t *p = malloc(len ? len : 1);
    uint32_t x = seed | 1;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5; /* xorshift32: fixed, reproducible */
        p[i] = (uint8_t)x;
    }
    return p;
}

/* Digest via the engine, feeding the input in chunks of `chunk` bytes (0 = at once). */
static void engine_digest(uint8_t out[32], pqcha_digest_alg alg, const uint8_t *data, size_t len,
                          unsigned threads, const pqcha__keccak_impl *impl, size_t leaf,
                          size_t chunk) {
    pqcha__parhash *ph = NULL;
    CHECK_OK(pqcha__parhash_new_custom(&ph, alg, threads, impl, leaf));
    if (!ph) return;
    size_t step = chunk ? chunk : (len ? len : 1);
    for (size_t off = 0; off < len; off += step)
        CHECK_OK(pqcha__parhash_update(ph, data + off, len - off < step ? len - off : step));
    CHECK_OK(pqcha__parhash_final(ph, out));
    pqcha__parhash_free(ph);
}

static void sha3(uint8_t out[32], const void *a, size_t alen, const void *b, size_t blen) {
    uint8_t buf[128];
    memcpy(buf, a, alen);
    memcpy(buf + alen, b, blen);
    CHECK_OK(pqcha_sha3_256(out, buf, alen + blen));
}

/* Up to one leaf, sha3-256-tree is plain SHA3-256, the digest other tools compute. */
static void test_tree_equals_sha3_up_to_one_leaf(void) {
    static const size_t lens[] = {0, 1, 135, 136, 137, 4096, LEAF - 1, LEAF};
    uint8_t *data = pattern(LEAF, 7);
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        uint8_t flat[32], tree[32];
        CHECK_OK(pqcha_digest(flat, 32, PQCHA_DIGEST_SHA3_256, data, lens[i], 1));
        CHECK_OK(pqcha_digest(tree, 32, PQCHA_DIGEST_SHA3_256_TREE, data, lens[i], 2));
        CHECK(memcmp(flat, tree, 32) == 0);
    }
    free(data);
}

/* Three leaves of 8 KiB, built by hand from SHA3-256 calls as FORMAT.md 4.4
 * describes: the RFC 9162 shape (left subtree = 2 leaves), the prefixes and
 * the length binding. */
static void test_tree_structure_by_hand(void) {
    const size_t leaf = 8192, len = 2 * leaf + 100;
    uint8_t *data = pattern(len, 11);
    uint8_t l[3][32], n01[32], top[32], want[32], got[32];
    uint8_t *leafbuf = malloc(leaf + 1);
    for (int i = 0; i < 3; i++) {
        size_t n = i < 2 ? leaf : 100;
        leafbuf[0] = 0x00;
        memcpy(leafbuf + 1, data + (size_t)i * leaf, n);
        CHECK_OK(pqcha_sha3_256(l[i], leafbuf, n + 1));
    }
    uint8_t one = 0x01, pair[64], bound[41];
    memcpy(pair, l[0], 32), memcpy(pair + 32, l[1], 32);
    sha3(n01, &one, 1, pair, 64);
    memcpy(pair, n01, 32), memcpy(pair + 32, l[2], 32);
    sha3(top, &one, 1, pair, 64);
    bound[0] = 0x02;
    for (int i = 0; i < 8; i++)
        bound[1 + i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
    memcpy(bound + 9, top, 32);
    CHECK_OK(pqcha_sha3_256(want, bound, sizeof bound));
    engine_digest(got, PQCHA_DIGEST_SHA3_256_TREE, data, len, 1, NULL, leaf, 0);
    CHECK(memcmp(got, want, 32) == 0);
    free(leafbuf);
    free(data);
}

/* Lengths around leaf and batch boundaries, fed whole, in odd chunks and
 * leaf-sized chunks, on 1, 2 and 3 threads and every implementation: one answer. */
static void check_invariance(pqcha_digest_alg alg, size_t leaf, const size_t *lens, size_t nlens) {
    static const char *const impls[] = {"scalar", "avx2", "avx512"};
    for (size_t i = 0; i < nlens; i++) {
        uint8_t *data = pattern(lens[i], (uint32_t)(lens[i] + 3));
        uint8_t ref[32], got[32];
        engine_digest(ref, alg, data, lens[i], 1, pqcha__keccak_by_name("scalar"), leaf, 0);
        for (size_t m = 0; m < 3; m++) {
            const pqcha__keccak_impl *impl = pqcha__keccak_by_name(impls[m]);
            if (!impl) continue; /* this CPU lacks it */
            static const size_t chunks[] = {0, 1000, 8192, 65536 + 7};
            for (size_t c = 0; c < 4; c++) {
                if (chunks[c] == 1000 && lens[i] > 600000) continue; /* keep the test quick */
                unsigned threads = (unsigned)(1 + (c + m) % 3);
                engine_digest(got, alg, data, lens[i], threads, impl, leaf, chunks[c]);
                if (memcmp(got, ref, 32) != 0)
                    fprintf(stderr, "  %s len %zu impl %s chunk %zu threads %u differs\n",
                            pqcha_digest_alg_name(alg), lens[i], impls[m], chunks[c], threads);
                CHECK(memcmp(got, ref, 32) == 0);
            }
        }
        free(data);
    }
}

static void test_tree_invariance(void) {
    static const size_t lens[] = {LEAF + 1,      2 * LEAF,      2 * LEAF + 1,
                                  3 * LEAF - 1,  8 * LEAF,      9 * LEAF + 5,
                                  17 * LEAF + 3, 70 * LEAF + 11 /* > one batch */};
    check_invariance(PQCHA_DIGEST_SHA3_256_TREE, LEAF, lens, sizeof lens / sizeof lens[0]);
    static const size_t small_leaf_lens[] = {8193, 3 * 8192, 1000 * 8192 + 1};
    check_invariance(PQCHA_DIGEST_SHA3_256_TREE, 8192, small_leaf_lens, 3);
}

static void test_k12_matches_reference(void) {
    static const size_t lens[] = {
        0,     1,     8191,  8192,         8193,
        16383, 16384, 16385, 3 * 8192 + 1, 600 * 8192 - 1 /* more than one batch */};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        uint8_t *data = pattern(lens[i], (uint32_t)(lens[i] + 99));
        uint8_t want[32], got[32];
        pqcha__k12(NULL, want, 32, data, lens[i], NULL, 0);
        engine_digest(got, PQCHA_DIGEST_K12, data, lens[i], 2, NULL, LEAF, 5000);
        CHECK(memcmp(got, want, 32) == 0);
        free(data);
    }
    static const size_t lens2[] = {8192, 8193, 40 * 8192 + 3};
    check_invariance(PQCHA_DIGEST_K12, LEAF, lens2, 3);
}

/* RFC 9861: KT128(M = empty, C = empty, 32 bytes), through the public API. */
static void test_k12_rfc_vector(void) {
    static const char want[] = "1ac2d450fc3b4205d19da7bfca1b37513c0803577ac7167f06fe2ce1f0ef39e5";
    uint8_t got[32];
    char hex[65];
    CHECK_OK(pqcha_digest(got, 32, PQCHA_DIGEST_K12, NULL, 0, 0));
    pqcha_hex_encode(hex, got, 32);
    CHECK_STR(hex, want);
}

static void test_names_and_misuse(void) {
    pqcha_digest_alg alg;
    CHECK_OK(pqcha_digest_alg_parse(&alg, "sha3-256-tree"));
    CHECK(alg == PQCHA_DIGEST_SHA3_256_TREE);
    CHECK_OK(pqcha_digest_alg_parse(&alg, "k12"));
    CHECK(alg == PQCHA_DIGEST_K12);
    CHECK_ERR(pqcha_digest_alg_parse(&alg, "K12"), PQCHA_ERR_UNSUPPORTED_ALGORITHM);
    CHECK_ERR(pqcha_digest_alg_parse(&alg, "kangarootwelve"), PQCHA_ERR_UNSUPPORTED_ALGORITHM);
    CHECK(pqcha_digest_alg_length(PQCHA_DIGEST_K12) == 32);
    CHECK_STR(pqcha_digest_alg_name(PQCHA_DIGEST_SHA3_256_TREE), "sha3-256-tree");

    pqcha_hasher *h = NULL;
    uint8_t out[32], data[10] = {0};
    CHECK_OK(pqcha_hasher_create(&h, PQCHA_DIGEST_SHA3_256_TREE));
    CHECK_OK(pqcha_hasher_set_threads(h, 4));
    CHECK_OK(pqcha_hasher_update(h, data, sizeof data));
    CHECK_ERR(pqcha_hasher_set_threads(h, 2), PQCHA_ERR_INVALID_ARGUMENT); /* too late */
    CHECK_OK(pqcha_hasher_final(h, out, sizeof out));
    CHECK_ERR(pqcha_hasher_final(h, out, sizeof out), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_hasher_update(h, data, 1), PQCHA_ERR_INVALID_ARGUMENT);
    pqcha_hasher_free(h);

    pqcha__parhash *ph = NULL;
    CHECK_ERR(pqcha__parhash_new_custom(&ph, PQCHA_DIGEST_SHA3_256_TREE, 1, NULL, 4096),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha__parhash_new_custom(&ph, PQCHA_DIGEST_SHA3_256_TREE, 1, NULL, 3 * 8192),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha__parhash_new(&ph, PQCHA_DIGEST_SHA3_256, 1), PQCHA_ERR_UNSUPPORTED_ALGORITHM);
    const char *impl = pqcha_keccak_implementation();
    CHECK(strcmp(impl, "avx512") == 0 || strcmp(impl, "avx2") == 0 || strcmp(impl, "scalar") == 0);
}

/* ---- node digests (FORMAT.md 4.5) ---- */

static void test_node_shape(void) {
    static const struct {
        uint64_t total;
        unsigned level;
        size_t count;
    } cases[] = {
        {0, 0, 0},
        {LEAF, 0, 0},
        {LEAF + 1, 0, 2},
        {256ull * LEAF, 0, 256},
        {256ull * LEAF + 1, 1, 129}, /* 257 leaves */
        {258ull * LEAF, 1, 129},
        {512ull * LEAF, 1, 256},
        {512ull * LEAF + 1, 2, 129},
        {1000ull * LEAF, 2, 250},
        {1024ull * LEAF, 2, 256},
        {PQCHA_MAX_SAFE_INTEGER, 29, 256}, /* 2^37 leaves, 2^53-1 bytes: the largest region */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned level = 99;
        size_t count = 99;
        pqcha__parhash_node_shape(cases[i].total, LEAF, &level, &count);
        if (level != cases[i].level || count != cases[i].count)
            fprintf(stderr, "  total %llu: level %u count %zu\n",
                    (unsigned long long)cases[i].total, level, count);
        CHECK(level == cases[i].level && count == cases[i].count);
    }
}

/* The RFC 9162 MTH of n digests, written recursively from the RFC, sharing
 * nothing with the engine's stacks. (h is not const: C11 does not convert
 * T (*)[N] to const T (*)[N].) */
static void ref_mth(uint8_t out[32], uint8_t (*h)[32], size_t n) {
    if (n == 1) {
        memcpy(out, h[0], 32);
        return;
    }
    size_t split = 1;
    while (split * 2 < n)
        split *= 2;
    uint8_t pair[64], one = 0x01;
    ref_mth(pair, h, split);
    ref_mth(pair + 32, h + split, n - split);
    sha3(out, &one, 1, pair, 64);
}

/* Reference nodes: leaf hashes by hand, then node i = MTH of its block. */
static uint8_t (*ref_nodes(const uint8_t *data, size_t len, size_t leaf, unsigned *level,
                           size_t *count))[32] {
    size_t m = (len - 1) / leaf + 1;
    uint8_t(*leaves)[32] = malloc(m * 32);
    uint8_t *buf = malloc(leaf + 1);
    for (size_t i = 0; i < m; i++) {
        size_t n = i + 1 < m ? leaf : len - i * leaf;
        buf[0] = 0x00;
        memcpy(buf + 1, data + i * leaf, n);
        CHECK_OK(pqcha_sha3_256(leaves[i], buf, n + 1));
    }
    free(buf);
    unsigned k = 0;
    while ((m + ((size_t)1 << k) - 1) >> k > 256)
        k++;
    size_t width = (size_t)1 << k, c = (m + width - 1) / width;
    uint8_t(*nodes)[32] = malloc(c * 32);
    for (size_t i = 0; i < c; i++)
        ref_mth(nodes[i], leaves + i * width, i + 1 < c ? width : m - i * width);
    free(leaves);
    *level = k;
    *count = c;
    return nodes;
}

/* Digest and nodes via the engine with the length announced. */
static void engine_nodes(uint8_t digest[32], uint8_t **nodes, size_t *count, unsigned *level,
                         const uint8_t *data, size_t len, size_t leaf, unsigned threads,
                         size_t chunk) {
    pqcha__parhash *ph = NULL;
    *nodes = NULL;
    *count = 0;
    CHECK_OK(pqcha__parhash_new_custom(&ph, PQCHA_DIGEST_SHA3_256_TREE, threads, NULL, leaf));
    if (!ph) return;
    CHECK_OK(pqcha__parhash_expect_length(ph, len));
    size_t step = chunk ? chunk : (len ? len : 1);
    for (size_t off = 0; off < len; off += step)
        CHECK_OK(pqcha__parhash_update(ph, data + off, len - off < step ? len - off : step));
    CHECK_OK(pqcha__parhash_final(ph, digest));
    *count = pqcha__parhash_node_count(ph);
    *level = pqcha__parhash_node_level(ph);
    if (*count) {
        *nodes = malloc(*count * 32);
        memcpy(*nodes, pqcha__parhash_nodes(ph), *count * 32);
    }
    pqcha__parhash_free(ph);
}

/* Many shapes with 8 KiB leaves: around 256/257 leaves, powers of two,
 * partial last blocks and partial last leaves. For each: the nodes equal the
 * reference, recomputing the root from them gives the digest, recording
 * leaves the digest unchanged, and threads and chunking change nothing. */
static void test_nodes_many_sizes(void) {
    const size_t leaf = 8192;
    static const size_t leaves[] = {2,   3,   128, 255, 256,  257,  258,
                                    511, 512, 513, 767, 1024, 1025, 2049};
    static const size_t extras[] = {0, 1, 8191};
    uint8_t *data = pattern(2050 * leaf, 5);
    for (size_t i = 0; i < sizeof leaves / sizeof leaves[0]; i++) {
        for (size_t e = 0; e < 3; e++) {
            size_t len = (leaves[i] - (extras[e] ? 1 : 0)) * leaf + extras[e];
            unsigned want_level, level = 0;
            size_t want_count, count = 0;
            uint8_t(*want)[32] = ref_nodes(data, len, leaf, &want_level, &want_count);
            uint8_t plain[32], digest[32], again[32], *nodes = NULL;
            engine_digest(plain, PQCHA_DIGEST_SHA3_256_TREE, data, len, 1, NULL, leaf, 0);
            engine_nodes(digest, &nodes, &count, &level, data, len, leaf, 1, 0);
            CHECK(memcmp(plain, digest, 32) == 0);
            CHECK(level == want_level && count == want_count);
            if (nodes && count == want_count) CHECK(memcmp(nodes, want, count * 32) == 0);
            CHECK_OK(pqcha__tree_root_from_nodes_custom(nodes, count, len, leaf, again));
            CHECK(memcmp(again, digest, 32) == 0);
            if (leaves[i] == 257 || leaves[i] == 1025) { /* other threads and chunkings */
                uint8_t *other = NULL, d2[32];
                size_t c2;
                unsigned l2;
                engine_nodes(d2, &other, &c2, &l2, data, len, leaf, 3, 10007);
                CHECK(c2 == count && l2 == level && memcmp(d2, digest, 32) == 0);
                if (other && c2 == count) CHECK(memcmp(other, nodes, count * 32) == 0);
                free(other);
            }
            free(nodes);
            free(want);
        }
    }
    free(data);
}

/* The format's own 64 KiB leaves, through the public hasher API. */
static void test_hasher_nodes_public_api(void) {
    const size_t len = 257 * LEAF + 3;
    uint8_t *data = pattern(len, 9);
    pqcha_hasher *h = NULL;
    uint8_t digest[32], plain[32], again[32];
    CHECK_OK(pqcha_digest(plain, 32, PQCHA_DIGEST_SHA3_256_TREE, data, len, 2));
    CHECK_OK(pqcha_hasher_create(&h, PQCHA_DIGEST_SHA3_256_TREE));
    CHECK_OK(pqcha_hasher_set_threads(h, 2));
    CHECK_OK(pqcha_hasher_expect_length(h, len));
    CHECK_ERR(pqcha_hasher_expect_length(h, len), PQCHA_ERR_INVALID_ARGUMENT); /* once */
    CHECK(pqcha_hasher_node_count(h) == 0); /* not before final */
    CHECK_OK(pqcha_hasher_update(h, data, 1000));
    CHECK_OK(pqcha_hasher_update(h, data + 1000, len - 1000));
    CHECK_OK(pqcha_hasher_final(h, digest, sizeof digest));
    CHECK(memcmp(digest, plain, 32) == 0);
    CHECK(pqcha_hasher_node_count(h) == 129 && pqcha_hasher_node_level(h) == 1);
    CHECK_OK(
        pqcha__tree_root_from_nodes(pqcha_hasher_nodes(h), pqcha_hasher_node_count(h), len, again));
    CHECK(memcmp(again, digest, 32) == 0);
    /* A wrong count or length is refused, never silently recomputed. */
    CHECK_ERR(pqcha__tree_root_from_nodes(pqcha_hasher_nodes(h), 128, len, again),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha__tree_root_from_nodes(pqcha_hasher_nodes(h), 129, LEAF, again),
              PQCHA_ERR_INVALID_ARGUMENT);
    pqcha_hasher_free(h);
    free(data);
}

static void expect_no_nodes(pqcha_digest_alg alg, const uint8_t *data, size_t len, int announce) {
    pqcha_hasher *h = NULL;
    uint8_t out[32];
    CHECK_OK(pqcha_hasher_create(&h, alg));
    if (announce) CHECK_OK(pqcha_hasher_expect_length(h, len));
    CHECK_OK(pqcha_hasher_update(h, data, len));
    CHECK_OK(pqcha_hasher_final(h, out, sizeof out));
    CHECK(pqcha_hasher_node_count(h) == 0 && pqcha_hasher_nodes(h) == NULL);
    CHECK(pqcha_hasher_node_level(h) == 0);
    pqcha_hasher_free(h);
}

/* No nodes: another algorithm, at most one leaf, or no announced length.
 * A length other than the announced one is REGION_CHANGED for every algorithm. */
static void test_hasher_nodes_absent_and_length_rules(void) {
    const size_t len = 3 * LEAF;
    uint8_t *data = pattern(len, 13);
    expect_no_nodes(PQCHA_DIGEST_SHA3_256, data, len, 1);
    expect_no_nodes(PQCHA_DIGEST_K12, data, len, 1);
    expect_no_nodes(PQCHA_DIGEST_SHA3_256_TREE, data, LEAF, 1);
    expect_no_nodes(PQCHA_DIGEST_SHA3_256_TREE, data, len, 0);
    static const pqcha_digest_alg algs[] = {PQCHA_DIGEST_SHA3_256, PQCHA_DIGEST_SHA3_256_TREE,
                                            PQCHA_DIGEST_K12};
    for (size_t a = 0; a < 3; a++) {
        pqcha_hasher *h = NULL;
        uint8_t out[32];
        CHECK_OK(pqcha_hasher_create(&h, algs[a]));
        CHECK_OK(pqcha_hasher_expect_length(h, len));
        CHECK_OK(pqcha_hasher_update(h, data, len - 1));
        CHECK_ERR(pqcha_hasher_update(h, data, 2), PQCHA_ERR_REGION_CHANGED); /* one too many */
        CHECK_ERR(pqcha_hasher_final(h, out, sizeof out), PQCHA_ERR_REGION_CHANGED); /* one short */
        CHECK(pqcha_hasher_node_count(h) == 0);
        pqcha_hasher_free(h);
    }
    pqcha_hasher *h = NULL;
    CHECK_ERR(pqcha_hasher_expect_length(NULL, 1), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_OK(pqcha_hasher_create(&h, PQCHA_DIGEST_SHA3_256_TREE));
    CHECK_OK(pqcha_hasher_update(h, data, 10));
    CHECK_ERR(pqcha_hasher_expect_length(h, 10), PQCHA_ERR_INVALID_ARGUMENT); /* too late */
    pqcha_hasher_free(h);
    CHECK(pqcha_hasher_node_count(NULL) == 0 && pqcha_hasher_nodes(NULL) == NULL);
    free(data);
}

/* ---- input read by the hashing threads (pqcha__parhash_update_from) ---- */

typedef struct memory_source {
    const uint8_t *data;
    uint64_t len;
    uint64_t fail_at; /* a read covering this offset fails (UINT64_MAX: none) */
    pqcha_err failure;
    atomic_int reads; /* calls (from the hashing threads) */
} memory_source;

static pqcha_err read_memory(void *ctx, uint64_t offset, uint8_t *buf, size_t len) {
    memory_source *m = ctx;
    atomic_fetch_add(&m->reads, 1);
    if (offset > m->len || len > m->len - offset) return PQCHA_ERR_INTERNAL;
    if (m->fail_at >= offset && m->fail_at - offset < len) return m->failure;
    memcpy(buf, m->data + offset, len);
    return PQCHA_OK;
}

/* The digest with `prefix` bytes given to update first and the rest read
 * from the source, the length announced or not. */
static pqcha_err digest_from(uint8_t out[32], pqcha_digest_alg alg, const uint8_t *data, size_t len,
                             size_t prefix, unsigned threads, int announce) {
    pqcha__parhash *ph = NULL;
    memory_source m = {data + prefix, len - prefix, UINT64_MAX, PQCHA_OK, 0};
    pqcha_err err = pqcha__parhash_new(&ph, alg, threads);
    if (err == PQCHA_OK && announce) err = pqcha__parhash_expect_length(ph, len);
    if (err == PQCHA_OK && prefix) err = pqcha__parhash_update(ph, data, prefix);
    if (err == PQCHA_OK) err = pqcha__parhash_update_from(ph, read_memory, &m, len - prefix);
    if (err == PQCHA_OK) err = pqcha__parhash_final(ph, out);
    pqcha__parhash_free(ph);
    return err;
}

/* Reading from a source gives the bits feeding the same bytes does, at
 * every boundary that matters: K12's first chunk, one tree leaf, a SIMD
 * group, a batch; with a prefix already staged; announced or not. */
static void test_update_from_equals_update(void) {
    static const size_t lens[] = {1,
                                  8191,
                                  8192,
                                  8193,
                                  LEAF,
                                  LEAF + 1,
                                  8 * LEAF,
                                  8 * LEAF + 8192,
                                  70 * LEAF + 11,
                                  (size_t)(4u << 20) + 3 * 8192 + 5};
    static const size_t prefixes[] = {0, 1, 8192, LEAF + 3};
    static const pqcha_digest_alg algs[] = {PQCHA_DIGEST_SHA3_256_TREE, PQCHA_DIGEST_K12};
    for (size_t a = 0; a < 2; a++) {
        for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
            uint8_t *data = pattern(lens[i], (uint32_t)(lens[i] * 7 + a));
            uint8_t want[32], got[32];
            engine_digest(want, algs[a], data, lens[i], 1, NULL, LEAF, 0);
            for (size_t p = 0; p < 4 && prefixes[p] <= lens[i]; p++) {
                for (int announce = 0; announce < 2; announce++) {
                    unsigned threads = (unsigned)(1 + (i + p) % 3);
                    CHECK_OK(
                        digest_from(got, algs[a], data, lens[i], prefixes[p], threads, announce));
                    if (memcmp(got, want, 32) != 0)
                        fprintf(stderr, "  %s len %zu prefix %zu announce %d differs\n",
                                pqcha_digest_alg_name(algs[a]), lens[i], prefixes[p], announce);
                    CHECK(memcmp(got, want, 32) == 0);
                }
            }
            free(data);
        }
    }
}

/* The node digests recorded when the threads read are those of update. */
static void test_update_from_records_nodes(void) {
    size_t len = 300 * LEAF + 17;
    uint8_t *data = pattern(len, 99);
    pqcha__parhash *a = NULL, *b = NULL;
    memory_source m = {data, len, UINT64_MAX, PQCHA_OK, 0};
    uint8_t da[32], db[32];
    CHECK_OK(pqcha__parhash_new(&a, PQCHA_DIGEST_SHA3_256_TREE, 2));
    CHECK_OK(pqcha__parhash_new(&b, PQCHA_DIGEST_SHA3_256_TREE, 2));
    CHECK_OK(pqcha__parhash_expect_length(a, len));
    CHECK_OK(pqcha__parhash_expect_length(b, len));
    CHECK_OK(pqcha__parhash_update(a, data, len));
    CHECK_OK(pqcha__parhash_update_from(b, read_memory, &m, len));
    CHECK_OK(pqcha__parhash_final(a, da));
    CHECK_OK(pqcha__parhash_final(b, db));
    CHECK(memcmp(da, db, 32) == 0);
    CHECK(pqcha__parhash_node_count(a) > 0 &&
          pqcha__parhash_node_count(a) == pqcha__parhash_node_count(b));
    CHECK(memcmp(pqcha__parhash_nodes(a), pqcha__parhash_nodes(b),
                 pqcha__parhash_node_count(a) * 32) == 0);
    pqcha__parhash_free(a);
    pqcha__parhash_free(b);
    free(data);
}

/* A failed read is the error, whichever part of the input it is in
 * (K12's first chunk, a thread's batch, the tail); more than announced is
 * refused before anything is read. */
static void test_update_from_errors(void) {
    size_t len = 40 * LEAF + 100;
    uint8_t *data = pattern(len, 5);
    static const uint64_t fail_at[] = {0, 8191, 3 * LEAF, 39 * LEAF, 40 * LEAF + 99};
    for (size_t a = 0; a < 2; a++) {
        pqcha_digest_alg alg = a ? PQCHA_DIGEST_K12 : PQCHA_DIGEST_SHA3_256_TREE;
        for (size_t i = 0; i < sizeof fail_at / sizeof fail_at[0]; i++) {
            pqcha__parhash *ph = NULL;
            memory_source m = {data, len, fail_at[i], PQCHA_ERR_BACKEND_IO, 0};
            CHECK_OK(pqcha__parhash_new(&ph, alg, 2));
            CHECK_ERR(pqcha__parhash_update_from(ph, read_memory, &m, len), PQCHA_ERR_BACKEND_IO);
            pqcha__parhash_free(ph);
        }
    }
    pqcha__parhash *ph = NULL;
    memory_source m = {data, len, UINT64_MAX, PQCHA_OK, 0};
    CHECK_OK(pqcha__parhash_new(&ph, PQCHA_DIGEST_SHA3_256_TREE, 2));
    CHECK_OK(pqcha__parhash_expect_length(ph, len - 1));
    CHECK_ERR(pqcha__parhash_update_from(ph, read_memory, &m, len), PQCHA_ERR_REGION_CHANGED);
    CHECK(atomic_load(&m.reads) == 0);
    CHECK_ERR(pqcha__parhash_update_from(ph, NULL, &m, 1), PQCHA_ERR_INVALID_ARGUMENT);
    pqcha__parhash_free(ph);
    free(data);
}

static void note_progress(void *ctx, uint64_t bytes_done) {
    uint64_t *last = ctx;
    CHECK(bytes_done >= *last); /* never backwards */
    *last = bytes_done;
}

/* The public hasher reports progress up to the whole input, both ways of
 * feeding it. */
static void test_hasher_progress(void) {
    size_t len = 20 * LEAF + 3;
    uint8_t *data = pattern(len, 11);
    memory_source m = {data, len, UINT64_MAX, PQCHA_OK, 0};
    for (int from = 0; from < 2; from++) {
        pqcha_hasher *h = NULL;
        uint64_t last = 0;
        uint8_t d[32];
        CHECK_OK(pqcha_hasher_create(&h, PQCHA_DIGEST_K12));
        CHECK_OK(pqcha_hasher_set_progress(h, note_progress, &last));
        if (from)
            CHECK_OK(pqcha__hasher_update_from(h, read_memory, &m, len));
        else
            CHECK_OK(pqcha_hasher_update(h, data, len));
        CHECK(last == len);
        CHECK_OK(pqcha_hasher_final(h, d, sizeof d));
        CHECK_ERR(pqcha_hasher_set_progress(h, NULL, NULL), PQCHA_ERR_INVALID_ARGUMENT);
        pqcha_hasher_free(h);
    }
    CHECK_ERR(pqcha_hasher_set_progress(NULL, NULL, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    free(data);
}

TEST_MAIN(TEST(test_tree_equals_sha3_up_to_one_leaf), TEST(test_tree_structure_by_hand),
          TEST(test_tree_invariance), TEST(test_k12_matches_reference), TEST(test_k12_rfc_vector),
          TEST(test_names_and_misuse), TEST(test_node_shape), TEST(test_nodes_many_sizes),
          TEST(test_hasher_nodes_public_api), TEST(test_hasher_nodes_absent_and_length_rules),
          TEST(test_update_from_equals_update), TEST(test_update_from_records_nodes),
          TEST(test_update_from_errors), TEST(test_hasher_progress))
