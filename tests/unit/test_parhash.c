/* test_parhash.c — the parallel digests (sha3-256-tree, k12): the tree's
 * exact structure, equality with plain SHA3-256 up to one leaf, and that
 * neither the chunking of the input, nor the thread count, nor the Keccak
 * implementation changes a single bit of the result. */
#include "testutil.h"

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
    for (int i = 0; i < 8; i++) bound[1 + i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
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
    static const size_t lens[] = {LEAF + 1, 2 * LEAF, 2 * LEAF + 1, 3 * LEAF - 1, 8 * LEAF,
                                  9 * LEAF + 5, 17 * LEAF + 3, 70 * LEAF + 11 /* > one batch */};
    check_invariance(PQCHA_DIGEST_SHA3_256_TREE, LEAF, lens, sizeof lens / sizeof lens[0]);
    static const size_t small_leaf_lens[] = {8193, 3 * 8192, 1000 * 8192 + 1};
    check_invariance(PQCHA_DIGEST_SHA3_256_TREE, 8192, small_leaf_lens, 3);
}

static void test_k12_matches_reference(void) {
    static const size_t lens[] = {0, 1, 8191, 8192, 8193, 16383, 16384, 16385, 3 * 8192 + 1,
                                  600 * 8192 - 1 /* more than one batch */};
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

TEST_MAIN(TEST(test_tree_equals_sha3_up_to_one_leaf), TEST(test_tree_structure_by_hand),
          TEST(test_tree_invariance), TEST(test_k12_matches_reference), TEST(test_k12_rfc_vector),
          TEST(test_names_and_misuse))
