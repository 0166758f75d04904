/* test_tlog.c — the transparency log's Merkle tree (RFC 9162 with SHA-256):
 * roots against the Certificate Transparency test vectors, inclusion and
 * consistency proofs for every tree size up to 2048 (all leaves and all old
 * sizes for the smaller sizes) and random pairs in a tree of 2^17 leaves,
 * each tampering rejected with its own code; tiles (C2SP tlog-tiles):
 * paths, nodes read from tiles, the audit of a tree's tiles, entry bundles. */
#include "testutil.h"
#include "tlog_fixture.h"

#define H PQCHA_TLOG_HASH_LEN

static void unhex(uint8_t *out, const char *hex) {
    size_t n = strlen(hex) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

/* A deterministic generator, so every run checks the same pairs. */
static uint64_t rng_state = 0x9162u;
static uint64_t next_random(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* ---- Certificate Transparency's vectors (RFC 6962 tests) ---- */

static const char *const ct_entries_hex[] = {"",
                                             "00",
                                             "10",
                                             "2021",
                                             "3031",
                                             "40414243",
                                             "5051525354555657",
                                             "606162636465666768696a6b6c6d6e6f"};
static const char *const ct_roots[] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};

typedef struct ct_proof {
    uint64_t a, b; /* inclusion: index, size; consistency: old, new */
    size_t count;
    const char *hashes[3];
} ct_proof;

static const ct_proof ct_inclusion[] = {
    {0,
     8,
     3,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {5,
     8,
     3,
     {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 3, 1, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
    {1,
     5,
     3,
     {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
};

static const ct_proof ct_consistency[] = {
    {1, 1, 0, {NULL}},
    {1,
     8,
     3,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {6,
     8,
     3,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2,
     5,
     2,
     {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
};

static void ct_leaf_hashes(uint8_t leaves[8][H]) {
    for (int i = 0; i < 8; i++) {
        uint8_t entry[16];
        size_t len = strlen(ct_entries_hex[i]) / 2;
        unhex(entry, ct_entries_hex[i]);
        CHECK_OK(pqcha_tlog_leaf_hash(leaves[i], entry, len));
    }
}

static int proof_equals(const uint8_t *proof, size_t count, const ct_proof *want) {
    if (count != want->count) return 0;
    for (size_t i = 0; i < count; i++) {
        uint8_t h[H];
        unhex(h, want->hashes[i]);
        if (memcmp(proof + i * H, h, H) != 0) return 0;
    }
    return 1;
}

static void test_ct_vectors(void) {
    uint8_t leaves[8][H], root[H], want[H];
    ct_leaf_hashes(leaves);
    for (uint64_t n = 0; n <= 8; n++) {
        unhex(want, ct_roots[n]);
        CHECK_OK(pqcha_tlog_root_of_hashes(root, n ? leaves[0] : NULL, n));
        CHECK(memcmp(root, want, H) == 0);
        pqcha_tlog_hashes row = {leaves[0], n};
        CHECK_OK(pqcha_tlog_tree_root(root, n, pqcha_tlog_hashes_node, &row));
        CHECK(memcmp(root, want, H) == 0);
    }
    pqcha_tlog_hashes row = {leaves[0], 8};
    for (size_t i = 0; i < sizeof ct_inclusion / sizeof ct_inclusion[0]; i++) {
        const ct_proof *v = &ct_inclusion[i];
        uint8_t *proof = NULL;
        size_t count = 0;
        CHECK_OK(
            pqcha_tlog_inclusion_proof(&proof, &count, v->a, v->b, pqcha_tlog_hashes_node, &row));
        CHECK(proof_equals(proof, count, v));
        unhex(want, ct_roots[v->b]);
        CHECK_OK(pqcha_tlog_verify_inclusion(leaves[v->a], v->a, v->b, proof, count, want));
        pqcha_free(proof);
    }
    for (size_t i = 0; i < sizeof ct_consistency / sizeof ct_consistency[0]; i++) {
        const ct_proof *v = &ct_consistency[i];
        uint8_t *proof = NULL, old_root[H];
        size_t count = 0;
        CHECK_OK(
            pqcha_tlog_consistency_proof(&proof, &count, v->a, v->b, pqcha_tlog_hashes_node, &row));
        CHECK(proof_equals(proof, count, v));
        unhex(old_root, ct_roots[v->a]);
        unhex(want, ct_roots[v->b]);
        CHECK_OK(pqcha_tlog_verify_consistency(v->a, old_root, v->b, want, proof, count));
        pqcha_free(proof);
    }
}

static void test_leaf_and_node_hashes(void) {
    uint8_t leaf[H], node[H], want[H];
    CHECK_OK(pqcha_tlog_leaf_hash(leaf, NULL, 0));
    unhex(want, ct_roots[1]); /* SHA-256(0x00) */
    CHECK(memcmp(leaf, want, H) == 0);
    uint8_t leaves[8][H];
    ct_leaf_hashes(leaves);
    CHECK_OK(pqcha_tlog_node_hash(node, leaves[0], leaves[1]));
    unhex(want, ct_roots[2]);
    CHECK(memcmp(node, want, H) == 0);
    CHECK_ERR(pqcha_tlog_leaf_hash(NULL, NULL, 0), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_tlog_leaf_hash(leaf, NULL, 1), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_tlog_node_hash(node, NULL, leaf), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_tlog_root_of_hashes(node, NULL, 1), PQCHA_ERR_INVALID_ARGUMENT);
}

/* ---- every tree size ---- */

#define ALL_SIZES 2048
/* Below these, every leaf's proof and every old size's proof is checked. */
#define ALL_LEAVES_BELOW    512
#define ALL_OLD_SIZES_BELOW 320

static tlog_fixture fixture;

static void fixture_once(void) {
    if (fixture.size == 0 && !tlog_fixture_build(&fixture, 1u << 17)) {
        fprintf(stderr, "cannot build the test tree\n");
        exit(2);
    }
}

static void tree_root(uint8_t out[H], uint64_t size) {
    CHECK_OK(pqcha_tlog_tree_root(out, size, tlog_fixture_node, &fixture));
}

static void test_roots_every_size(void) {
    fixture_once();
    for (uint64_t n = 1; n <= ALL_SIZES; n++) {
        uint8_t a[H], b[H], c[H];
        tree_root(a, n);
        REQUIRE(tlog_fixture_mth(&fixture, 0, n, b));
        CHECK(memcmp(a, b, H) == 0);
        CHECK_OK(pqcha_tlog_root_of_hashes(c, tlog_fixture_leaf(&fixture, 0), n));
        CHECK(memcmp(a, c, H) == 0);
    }
}

static int check_inclusion(uint64_t index, uint64_t size, const uint8_t root[H]) {
    uint8_t *proof = NULL;
    size_t count = 0;
    int ok = pqcha_tlog_inclusion_proof(&proof, &count, index, size, tlog_fixture_node, &fixture) ==
                 PQCHA_OK &&
             count == pqcha_tlog_inclusion_proof_count(index, size) &&
             pqcha_tlog_verify_inclusion(tlog_fixture_leaf(&fixture, index), index, size, proof,
                                         count, root) == PQCHA_OK;
    if (!ok)
        fprintf(stderr, "  inclusion of %llu in %llu\n", (unsigned long long)index,
                (unsigned long long)size);
    pqcha_free(proof);
    return ok;
}

static int check_consistency(uint64_t old_size, uint64_t size, const uint8_t root[H]) {
    uint8_t *proof = NULL, old_root[H];
    size_t count = 0;
    tree_root(old_root, old_size);
    int ok =
        pqcha_tlog_consistency_proof(&proof, &count, old_size, size, tlog_fixture_node, &fixture) ==
            PQCHA_OK &&
        count == pqcha_tlog_consistency_proof_count(old_size, size) &&
        count <= PQCHA_TLOG_MAX_PROOF_HASHES &&
        pqcha_tlog_verify_consistency(old_size, old_root, size, root, proof, count) == PQCHA_OK;
    if (!ok)
        fprintf(stderr, "  consistency of %llu with %llu\n", (unsigned long long)old_size,
                (unsigned long long)size);
    pqcha_free(proof);
    return ok;
}

static void test_inclusion_every_size(void) {
    fixture_once();
    for (uint64_t n = 1; n <= ALL_SIZES; n++) {
        uint8_t root[H];
        tree_root(root, n);
        if (n < ALL_LEAVES_BELOW) {
            for (uint64_t i = 0; i < n; i++)
                CHECK(check_inclusion(i, n, root));
            continue;
        }
        const uint64_t some[] = {
            0, 1, n / 3, n / 2, n - 2, n - 1, next_random() % n, next_random() % n};
        for (size_t k = 0; k < sizeof some / sizeof some[0]; k++)
            CHECK(check_inclusion(some[k], n, root));
    }
}

static void test_consistency_every_size(void) {
    fixture_once();
    for (uint64_t n = 1; n <= ALL_SIZES; n++) {
        uint8_t root[H];
        tree_root(root, n);
        if (n < ALL_OLD_SIZES_BELOW) {
            for (uint64_t m = 0; m <= n; m++)
                CHECK(check_consistency(m, n, root));
            continue;
        }
        const uint64_t some[] = {
            0, 1, 2, 3, n / 2, n - 1, n, next_random() % n + 1, next_random() % n + 1};
        for (size_t k = 0; k < sizeof some / sizeof some[0]; k++)
            CHECK(check_consistency(some[k], n, root));
        for (uint64_t power = 4; power < n; power *= 2)
            CHECK(check_consistency(power, n, root));
    }
}

static void test_random_pairs_in_a_large_tree(void) {
    fixture_once();
    for (int i = 0; i < 400; i++) {
        uint64_t n = next_random() % fixture.size + 1;
        uint64_t m = next_random() % n + 1;
        uint8_t root[H];
        tree_root(root, n);
        CHECK(check_inclusion(next_random() % n, n, root));
        CHECK(check_consistency(m, n, root));
    }
    /* The whole tree, and its last leaf. */
    uint8_t root[H];
    tree_root(root, fixture.size);
    CHECK(check_inclusion(fixture.size - 1, fixture.size, root));
    CHECK(check_consistency(fixture.size - 1, fixture.size, root));
}

/* The proof sizes: a proof never exceeds its bound, at the largest trees too. */
static void test_proof_counts(void) {
    CHECK(pqcha_tlog_inclusion_proof_count(0, 1) == 0);
    CHECK(pqcha_tlog_inclusion_proof_count(5, 8) == 3);
    CHECK(pqcha_tlog_inclusion_proof_count(8, 8) == 0);
    CHECK(pqcha_tlog_consistency_proof_count(0, 8) == 0);
    CHECK(pqcha_tlog_consistency_proof_count(8, 8) == 0);
    CHECK(pqcha_tlog_consistency_proof_count(9, 8) == 0);
    CHECK(pqcha_tlog_consistency_proof_count(6, 8) == 3);
    uint64_t max = PQCHA_TLOG_MAX_SIZE;
    CHECK(pqcha_tlog_inclusion_proof_count(0, max) == 63);
    CHECK(pqcha_tlog_inclusion_proof_count(max - 1, max) == 62);
    CHECK(pqcha_tlog_inclusion_proof_count(0, max + 1) == 0);
    for (int i = 0; i < 2000; i++) {
        uint64_t n = (next_random() % max) + 1, m = next_random() % n + 1;
        CHECK(pqcha_tlog_inclusion_proof_count(next_random() % n, n) < PQCHA_TLOG_MAX_PROOF_HASHES);
        CHECK(pqcha_tlog_consistency_proof_count(m, n) <= PQCHA_TLOG_MAX_PROOF_HASHES);
    }
    CHECK(pqcha_tlog_consistency_proof_count(((uint64_t)1 << 62) - 1, max) <=
          PQCHA_TLOG_MAX_PROOF_HASHES);
}

/* ---- tampering ---- */

static void tampered_inclusion(uint64_t index, uint64_t size) {
    uint8_t root[H], *proof = NULL;
    size_t count = 0;
    tree_root(root, size);
    REQUIRE(pqcha_tlog_inclusion_proof(&proof, &count, index, size, tlog_fixture_node, &fixture) ==
            PQCHA_OK);
    const uint8_t *leaf = tlog_fixture_leaf(&fixture, index);
    uint8_t *bigger = malloc((count + 1) * H);
    REQUIRE(bigger != NULL);
    if (count > 0) memcpy(bigger, proof, count * H);
    memset(bigger + count * H, 7, H);
    for (size_t b = 0; b < count * H; b++) { /* every byte of every hash */
        proof[b] ^= 0x01;
        CHECK_ERR(pqcha_tlog_verify_inclusion(leaf, index, size, proof, count, root),
                  PQCHA_ERR_LOG_PROOF);
        proof[b] ^= 0x01;
    }
    CHECK_ERR(pqcha_tlog_verify_inclusion(leaf, index, size, bigger, count + 1, root),
              PQCHA_ERR_LOG_PROOF_SIZE);
    if (count > 0)
        CHECK_ERR(pqcha_tlog_verify_inclusion(leaf, index, size, proof, count - 1, root),
                  PQCHA_ERR_LOG_PROOF_SIZE);
    uint8_t other[H];
    memcpy(other, leaf, H);
    other[H - 1] ^= 0x80;
    CHECK_ERR(pqcha_tlog_verify_inclusion(other, index, size, proof, count, root),
              PQCHA_ERR_LOG_PROOF);
    CHECK_ERR(pqcha_tlog_verify_inclusion(leaf, index, size, proof, count, other),
              PQCHA_ERR_LOG_PROOF);
    CHECK_ERR(pqcha_tlog_verify_inclusion(leaf, size, size, proof, count, root),
              PQCHA_ERR_OUT_OF_RANGE);
    /* Another index: a proof of another shape, or one that leads elsewhere. */
    for (uint64_t j = 0; j < size; j++) {
        if (j == index) continue;
        pqcha_err want = pqcha_tlog_inclusion_proof_count(j, size) == count
                             ? PQCHA_ERR_LOG_PROOF
                             : PQCHA_ERR_LOG_PROOF_SIZE;
        CHECK_ERR(pqcha_tlog_verify_inclusion(leaf, j, size, proof, count, root), want);
    }
    free(bigger);
    pqcha_free(proof);
}

static void test_tampered_inclusion_proofs(void) {
    fixture_once();
    for (uint64_t size = 1; size <= 24; size++)
        for (uint64_t index = 0; index < size; index++)
            tampered_inclusion(index, size);
    tampered_inclusion(1000, 1999);
    tampered_inclusion(2047, 2048);
    uint8_t root[H];
    tree_root(root, 8);
    CHECK_ERR(pqcha_tlog_verify_inclusion(root, 0, 0, NULL, 0, root), PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(pqcha_tlog_verify_inclusion(root, 0, PQCHA_TLOG_MAX_SIZE + 1, NULL, 0, root),
              PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(pqcha_tlog_verify_inclusion(NULL, 0, 8, NULL, 0, root), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_tlog_verify_inclusion(root, 0, 8, NULL, 3, root), PQCHA_ERR_INVALID_ARGUMENT);
}

static void tampered_consistency(uint64_t old_size, uint64_t size) {
    uint8_t old_root[H], root[H], *proof = NULL;
    size_t count = 0;
    tree_root(old_root, old_size);
    tree_root(root, size);
    REQUIRE(pqcha_tlog_consistency_proof(&proof, &count, old_size, size, tlog_fixture_node,
                                         &fixture) == PQCHA_OK);
    REQUIRE(count > 0);
    for (size_t b = 0; b < count * H; b++) {
        proof[b] ^= 0x01;
        CHECK_ERR(pqcha_tlog_verify_consistency(old_size, old_root, size, root, proof, count),
                  PQCHA_ERR_LOG_PROOF);
        proof[b] ^= 0x01;
    }
    CHECK_ERR(pqcha_tlog_verify_consistency(old_size, old_root, size, root, proof, count - 1),
              PQCHA_ERR_LOG_PROOF_SIZE);
    uint8_t *bigger = malloc((count + 1) * H);
    REQUIRE(bigger != NULL);
    memcpy(bigger, proof, count * H);
    memset(bigger + count * H, 9, H);
    CHECK_ERR(pqcha_tlog_verify_consistency(old_size, old_root, size, root, bigger, count + 1),
              PQCHA_ERR_LOG_PROOF_SIZE);
    free(bigger);
    /* Either root altered: the old tree is not a prefix of the new one. */
    uint8_t other[H];
    memcpy(other, old_root, H);
    other[0] ^= 0x40;
    CHECK_ERR(pqcha_tlog_verify_consistency(old_size, other, size, root, proof, count),
              PQCHA_ERR_LOG_PROOF);
    memcpy(other, root, H);
    other[7] ^= 0x02;
    CHECK_ERR(pqcha_tlog_verify_consistency(old_size, old_root, size, other, proof, count),
              PQCHA_ERR_LOG_PROOF);
    /* Swapped sizes: the log rolled back. */
    CHECK_ERR(pqcha_tlog_verify_consistency(size, root, old_size, old_root, proof, count),
              PQCHA_ERR_LOG_ROLLBACK);
    /* The proof for another pair of sizes. */
    for (uint64_t m = 1; m < size; m++) {
        if (m == old_size) continue;
        uint8_t m_root[H];
        tree_root(m_root, m);
        pqcha_err want = pqcha_tlog_consistency_proof_count(m, size) == count
                             ? PQCHA_ERR_LOG_PROOF
                             : PQCHA_ERR_LOG_PROOF_SIZE;
        CHECK_ERR(pqcha_tlog_verify_consistency(m, m_root, size, root, proof, count), want);
    }
    pqcha_free(proof);
}

static void test_tampered_consistency_proofs(void) {
    fixture_once();
    for (uint64_t size = 2; size <= 24; size++)
        for (uint64_t old_size = 1; old_size < size; old_size++)
            tampered_consistency(old_size, size);
    tampered_consistency(1000, 1999);
    tampered_consistency(1024, 2048);
    tampered_consistency(2047, 2048);
}

/* Forks and rollbacks need no proof to be caught. */
static void test_fork_and_rollback(void) {
    fixture_once();
    uint8_t a[H], b[H], empty[H];
    tree_root(a, 10);
    tree_root(b, 11);
    uint8_t forked[H];
    memcpy(forked, a, H);
    forked[31] ^= 1;
    CHECK_OK(pqcha_tlog_verify_consistency(10, a, 10, a, NULL, 0));
    CHECK_ERR(pqcha_tlog_verify_consistency(10, a, 10, forked, NULL, 0), PQCHA_ERR_LOG_FORK);
    CHECK_ERR(pqcha_tlog_verify_consistency(10, a, 10, a, b, 1), PQCHA_ERR_LOG_PROOF_SIZE);
    CHECK_ERR(pqcha_tlog_verify_consistency(11, b, 10, a, NULL, 0), PQCHA_ERR_LOG_ROLLBACK);
    CHECK_OK(pqcha_tlog_root_of_hashes(empty, NULL, 0));
    CHECK_OK(pqcha_tlog_verify_consistency(0, empty, 11, b, NULL, 0));
    CHECK_OK(pqcha_tlog_verify_consistency(0, empty, 0, empty, NULL, 0));
    CHECK_ERR(pqcha_tlog_verify_consistency(0, empty, 11, b, b, 1), PQCHA_ERR_LOG_PROOF_SIZE);
    CHECK_ERR(pqcha_tlog_verify_consistency(0, a, 11, b, NULL, 0), PQCHA_ERR_LOG_FORK);
    CHECK_ERR(pqcha_tlog_verify_consistency(1, a, PQCHA_TLOG_MAX_SIZE + 1, b, NULL, 0),
              PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(pqcha_tlog_verify_consistency(1, NULL, 2, b, NULL, 0), PQCHA_ERR_INVALID_ARGUMENT);
}

static pqcha_err failing_node(void *ctx, unsigned level, uint64_t index, uint8_t out[H]) {
    (void)ctx, (void)level, (void)index, (void)out;
    return PQCHA_ERR_STORE;
}

static void test_proof_arguments(void) {
    fixture_once();
    uint8_t *proof = (uint8_t *)1, root[H];
    size_t count = 99;
    CHECK_ERR(pqcha_tlog_inclusion_proof(&proof, &count, 3, 3, tlog_fixture_node, &fixture),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(proof == NULL && count == 0);
    CHECK_ERR(pqcha_tlog_inclusion_proof(&proof, &count, 0, 3, NULL, NULL),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_tlog_inclusion_proof(NULL, &count, 0, 3, tlog_fixture_node, &fixture),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_tlog_consistency_proof(&proof, &count, 4, 3, tlog_fixture_node, &fixture),
              PQCHA_ERR_INVALID_ARGUMENT);
    /* A storage failure comes back as it was. */
    CHECK_ERR(pqcha_tlog_inclusion_proof(&proof, &count, 0, 3, failing_node, NULL),
              PQCHA_ERR_STORE);
    CHECK(proof == NULL && count == 0);
    CHECK_ERR(pqcha_tlog_consistency_proof(&proof, &count, 2, 3, failing_node, NULL),
              PQCHA_ERR_STORE);
    CHECK_ERR(pqcha_tlog_tree_root(root, 3, failing_node, NULL), PQCHA_ERR_STORE);
    /* The trivial proofs. */
    CHECK_OK(pqcha_tlog_inclusion_proof(&proof, &count, 0, 1, failing_node, NULL));
    CHECK(proof == NULL && count == 0);
    CHECK_OK(pqcha_tlog_consistency_proof(&proof, &count, 0, 5, failing_node, NULL));
    CHECK_OK(pqcha_tlog_consistency_proof(&proof, &count, 5, 5, failing_node, NULL));
    CHECK(proof == NULL && count == 0);
    /* An in-memory row refuses a subtree it does not hold. */
    pqcha_tlog_hashes row = {tlog_fixture_leaf(&fixture, 0), 5};
    CHECK_ERR(pqcha_tlog_hashes_node(&row, 1, 2, root), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_OK(pqcha_tlog_hashes_node(&row, 1, 1, root));
    CHECK_ERR(pqcha_tlog_hashes_node(&row, PQCHA_TLOG_MAX_LEVEL + 1, 0, root),
              PQCHA_ERR_INVALID_ARGUMENT);
}

/* ---- tiles ---- */

static void test_tile_counts(void) {
    /* C2SP tlog-tiles' example: a tree of 70,000 leaves. */
    CHECK(pqcha_tlog_tile_full_count(70000, 0) == 273);
    CHECK(pqcha_tlog_tile_partial_width(70000, 0) == 112);
    CHECK(pqcha_tlog_tile_full_count(70000, 1) == 1);
    CHECK(pqcha_tlog_tile_partial_width(70000, 1) == 17);
    CHECK(pqcha_tlog_tile_full_count(70000, 2) == 0);
    CHECK(pqcha_tlog_tile_partial_width(70000, 2) == 1);
    CHECK(pqcha_tlog_tile_levels(70000) == 3);
    CHECK(pqcha_tlog_tile_full_count(256, 0) == 1);
    CHECK(pqcha_tlog_tile_partial_width(256, 0) == 0);
    CHECK(pqcha_tlog_tile_partial_width(256, 1) == 1);
    CHECK(pqcha_tlog_tile_levels(256) == 2);
    CHECK(pqcha_tlog_tile_levels(0) == 0);
    CHECK(pqcha_tlog_tile_levels(PQCHA_TLOG_MAX_SIZE) == 8);
    CHECK(pqcha_tlog_tile_full_count(PQCHA_TLOG_MAX_SIZE, 9) == 0);
}

static void path_is(int level, uint64_t index, unsigned width, const char *want) {
    char path[PQCHA_TLOG_TILE_PATH_MAX];
    CHECK_OK(pqcha_tlog_tile_path(path, sizeof path, level, index, width));
    CHECK_STR(path, want);
    int l = -2;
    uint64_t i = 1;
    unsigned w = 0;
    CHECK_OK(pqcha_tlog_tile_path_parse(&l, &i, &w, path, strlen(path)));
    CHECK(l == level && i == index && w == width);
}

static void test_tile_paths(void) {
    path_is(0, 1234067, 256, "tile/0/x001/x234/067");
    path_is(1, 5, 8, "tile/1/005.p/8");
    path_is(63, 0, 255, "tile/63/000.p/255");
    path_is(PQCHA_TLOG_ENTRIES, 0, 256, "tile/entries/000");
    path_is(PQCHA_TLOG_ENTRIES, 1000, 1, "tile/entries/x001/000.p/1");
    path_is(2, 999, 256, "tile/2/999");
    path_is(PQCHA_TLOG_ENTRIES, UINT64_MAX, 255,
            "tile/entries/x018/x446/x744/x073/x709/x551/615.p/255");
    for (int k = 0; k < 2000; k++) {
        char path[PQCHA_TLOG_TILE_PATH_MAX];
        int level = (int)(next_random() % 65) - 1;
        uint64_t index = next_random() >> (next_random() % 64);
        unsigned width = (unsigned)(next_random() % 256) + 1;
        CHECK_OK(pqcha_tlog_tile_path(path, sizeof path, level, index, width));
        int l;
        uint64_t i;
        unsigned w;
        CHECK_OK(pqcha_tlog_tile_path_parse(&l, &i, &w, path, strlen(path)));
        CHECK(l == level && i == index && w == width);
    }
    char small[8];
    CHECK_ERR(pqcha_tlog_tile_path(small, sizeof small, 0, 0, 256), PQCHA_ERR_INVALID_ARGUMENT);
    char path[PQCHA_TLOG_TILE_PATH_MAX];
    CHECK_ERR(pqcha_tlog_tile_path(path, sizeof path, 64, 0, 256), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_tlog_tile_path(path, sizeof path, -2, 0, 256), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_tlog_tile_path(path, sizeof path, 0, 0, 0), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_tlog_tile_path(path, sizeof path, 0, 0, 257), PQCHA_ERR_INVALID_ARGUMENT);
}

static void test_tile_path_rejections(void) {
    static const char *const bad[] = {
        "",
        "tile/0/5",
        "tile/0/0005",
        "tile/0/x000/005", /* a leading zero group */
        "tile/00/000",
        "tile/01/000",
        "tile/64/000",
        "tile/0/005.p/0",
        "tile/0/005.p/256",
        "tile/0/005.p/08",
        "tile/0/005.p/",
        "tile/0/005.p/8/",
        "tile/0/005/",
        "tile/0/x001",
        "tile/0/x001/",
        "/tile/0/000",
        "tile//000",
        "tile/-1/000",
        "tile/entries",
        "tile/entrie/000",
        "tile/entries/x1/000",
        "tile/0/X001/000",
        "tile/0/x999/x999/x999/x999/x999/x999/999", /* beyond 2^64 */
        "tile/0/x001/x001/x001/x001/x001/x001/x001/001",
        "tile/0/00a",
        "tiles/0/000",
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        int l = 5;
        uint64_t i = 5;
        unsigned w = 5;
        pqcha_err err = pqcha_tlog_tile_path_parse(&l, &i, &w, bad[k], strlen(bad[k]));
        if (err != PQCHA_ERR_LOG_TILE_PATH) fprintf(stderr, "  accepted \"%s\"\n", bad[k]);
        CHECK_ERR(err, PQCHA_ERR_LOG_TILE_PATH);
        CHECK(l == 0 && i == 0 && w == 0);
    }
    int l;
    uint64_t i;
    unsigned w;
    CHECK_ERR(pqcha_tlog_tile_path_parse(&l, &i, &w, NULL, 3), PQCHA_ERR_INVALID_ARGUMENT);
    /* A NUL byte ends nothing: the length does. */
    CHECK_ERR(pqcha_tlog_tile_path_parse(&l, &i, &w, "tile/0/000\0", 11), PQCHA_ERR_LOG_TILE_PATH);
}

/* Tiles of the fixture's tree as a log would store them, with faults to inject. */
typedef struct tile_store {
    uint64_t size;
    int tamper_level;
    uint64_t tamper_index;
    size_t tamper_byte;
    int truncate_level;
    uint64_t truncate_index;
    int fail; /* return STORE for every read */
    unsigned reads;
} tile_store;

static pqcha_err store_read(void *ctx, unsigned level, uint64_t index, unsigned width, uint8_t *out,
                            size_t *out_len) {
    tile_store *s = ctx;
    s->reads++;
    if (s->fail) return PQCHA_ERR_STORE;
    /* Entry i of tile level L is the complete subtree of 256^L leaves at i. */
    unsigned node_level = level * PQCHA_TLOG_TILE_HEIGHT;
    for (unsigned k = 0; k < width; k++)
        if (tlog_fixture_node(&fixture, node_level, index * 256 + k, out + k * H) != PQCHA_OK)
            return PQCHA_ERR_INTERNAL;
    *out_len = (size_t)width * H;
    if ((int)level == s->tamper_level && index == s->tamper_index) out[s->tamper_byte] ^= 0x10;
    if ((int)level == s->truncate_level && index == s->truncate_index) *out_len -= H;
    return PQCHA_OK;
}

static tile_store clean_store(uint64_t size) {
    tile_store s = {size, -1, 0, 0, -1, 0, 0, 0};
    return s;
}

static void test_nodes_and_proofs_from_tiles(void) {
    fixture_once();
    const uint64_t sizes[] = {1, 255, 256, 257, 65535, 65536, 70000, 131072};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        uint64_t size = sizes[k];
        tile_store s = clean_store(size);
        pqcha_tlog_tiles tiles = {store_read, &s, size};
        uint8_t a[H], b[H];
        CHECK_OK(pqcha_tlog_tree_root(a, size, pqcha_tlog_tiles_node, &tiles));
        tree_root(b, size);
        CHECK(memcmp(a, b, H) == 0);
        for (int j = 0; j < 40; j++) {
            uint64_t index = next_random() % size, old_size = next_random() % size + 1;
            uint8_t *p1 = NULL, *p2 = NULL;
            size_t c1 = 0, c2 = 0;
            CHECK_OK(
                pqcha_tlog_inclusion_proof(&p1, &c1, index, size, pqcha_tlog_tiles_node, &tiles));
            CHECK_OK(
                pqcha_tlog_inclusion_proof(&p2, &c2, index, size, tlog_fixture_node, &fixture));
            CHECK(c1 == c2 && (c1 == 0 || memcmp(p1, p2, c1 * H) == 0));
            pqcha_free(p1);
            pqcha_free(p2);
            CHECK_OK(pqcha_tlog_consistency_proof(&p1, &c1, old_size, size, pqcha_tlog_tiles_node,
                                                  &tiles));
            CHECK_OK(pqcha_tlog_consistency_proof(&p2, &c2, old_size, size, tlog_fixture_node,
                                                  &fixture));
            CHECK(c1 == c2 && (c1 == 0 || memcmp(p1, p2, c1 * H) == 0));
            pqcha_free(p1);
            pqcha_free(p2);
        }
    }
    /* A node costs one tile read, whatever the tree. */
    tile_store s = clean_store(131072);
    pqcha_tlog_tiles tiles = {store_read, &s, s.size};
    uint8_t node[H], want[H];
    CHECK_OK(pqcha_tlog_tiles_node(&tiles, 16, 1, node));
    CHECK_OK(tlog_fixture_node(&fixture, 16, 1, want));
    CHECK(memcmp(node, want, H) == 0 && s.reads == 1);
    CHECK_ERR(pqcha_tlog_tiles_node(&tiles, 17, 1, node), PQCHA_ERR_INVALID_ARGUMENT);
    s.truncate_level = 0;
    CHECK_ERR(pqcha_tlog_tiles_node(&tiles, 3, 0, node), PQCHA_ERR_LOG_TILE_SIZE);
}

static void test_tiles_audit(void) {
    fixture_once();
    const uint64_t sizes[] = {0, 1, 255, 256, 257, 65536, 70000};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        tile_store s = clean_store(sizes[k]);
        uint8_t root[H];
        tree_root(root, sizes[k]);
        CHECK_OK(pqcha_tlog_tiles_verify(sizes[k], root, store_read, &s));
        if (sizes[k] == 0) continue;
        root[0] ^= 1;
        CHECK_ERR(pqcha_tlog_tiles_verify(sizes[k], root, store_read, &s), PQCHA_ERR_LOG_TILE);
    }
    uint8_t root[H];
    tree_root(root, 70000);
    /* A hash altered in a full level-0 tile, in the partial one, in level 1, 2. */
    const struct {
        int level;
        uint64_t index;
        size_t byte;
    } tampered[] = {{0, 0, 0}, {0, 272, 8191}, {0, 273, 100}, {1, 0, 33}, {1, 1, 0}, {2, 0, 5}};
    for (size_t k = 0; k < sizeof tampered / sizeof tampered[0]; k++) {
        tile_store s = clean_store(70000);
        s.tamper_level = tampered[k].level;
        s.tamper_index = tampered[k].index;
        s.tamper_byte = tampered[k].byte;
        CHECK_ERR(pqcha_tlog_tiles_verify(70000, root, store_read, &s), PQCHA_ERR_LOG_TILE);
    }
    /* A truncated tile: full, partial, above. */
    const struct {
        int level;
        uint64_t index;
    } truncated[] = {{0, 5}, {0, 273}, {1, 0}, {1, 1}, {2, 0}};
    for (size_t k = 0; k < sizeof truncated / sizeof truncated[0]; k++) {
        tile_store s = clean_store(70000);
        s.truncate_level = truncated[k].level;
        s.truncate_index = truncated[k].index;
        CHECK_ERR(pqcha_tlog_tiles_verify(70000, root, store_read, &s), PQCHA_ERR_LOG_TILE_SIZE);
    }
    tile_store s = clean_store(70000);
    s.fail = 1;
    CHECK_ERR(pqcha_tlog_tiles_verify(70000, root, store_read, &s), PQCHA_ERR_STORE);
    CHECK_ERR(pqcha_tlog_tiles_verify(70000, NULL, store_read, &s), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_tlog_tiles_verify(70000, root, NULL, &s), PQCHA_ERR_INVALID_ARGUMENT);
}

/* ---- entry bundles ---- */

static void test_bundles(void) {
    static const uint8_t e0[] = "first", e2[] = "third entry";
    uint8_t big[PQCHA_TLOG_MAX_ENTRY_LEN + 1];
    memset(big, 'x', sizeof big);
    const uint8_t *entries[] = {e0, NULL, e2, big};
    size_t lens[] = {5, 0, 11, PQCHA_TLOG_MAX_ENTRY_LEN};
    uint8_t *bundle = NULL, tile[4 * H];
    size_t len = 0;
    CHECK_OK(pqcha_tlog_bundle_encode(&bundle, &len, entries, lens, 4));
    REQUIRE(bundle != NULL);
    CHECK(len == 8 + 5 + 11 + PQCHA_TLOG_MAX_ENTRY_LEN);
    CHECK(bundle[0] == 0 && bundle[1] == 5 && bundle[7] == 0 && bundle[8] == 0);
    size_t offset = 0;
    for (int i = 0; i < 4; i++) {
        const uint8_t *entry;
        size_t entry_len;
        CHECK_OK(pqcha_tlog_bundle_entry(&entry, &entry_len, bundle, len, &offset));
        CHECK(entry_len == lens[i] &&
              (entry_len == 0 || memcmp(entry, entries[i], entry_len) == 0));
        CHECK_OK(pqcha_tlog_leaf_hash(tile + i * H, entry, entry_len));
    }
    CHECK(offset == len);
    const uint8_t *entry;
    size_t entry_len;
    CHECK_ERR(pqcha_tlog_bundle_entry(&entry, &entry_len, bundle, len, &offset),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_OK(pqcha_tlog_bundle_verify(bundle, len, tile, sizeof tile, 4));
    /* Truncated: in an entry, or in a length prefix. */
    CHECK_ERR(pqcha_tlog_bundle_verify(bundle, len - 1, tile, sizeof tile, 4),
              PQCHA_ERR_LOG_BUNDLE);
    CHECK_ERR(pqcha_tlog_bundle_verify(bundle, 8, tile, sizeof tile, 4), PQCHA_ERR_LOG_BUNDLE);
    CHECK_ERR(pqcha_tlog_bundle_verify(bundle, 1, tile, sizeof tile, 4), PQCHA_ERR_LOG_BUNDLE);
    CHECK_ERR(pqcha_tlog_bundle_verify(bundle, 7 + 11 + 2, tile, 3 * H, 3), PQCHA_ERR_LOG_BUNDLE);
    /* Too few entries for the tile, one too many. */
    CHECK_ERR(pqcha_tlog_bundle_verify(bundle, 2 + 5, tile, 2 * H, 2), PQCHA_ERR_LOG_BUNDLE);
    CHECK_ERR(pqcha_tlog_bundle_verify(bundle, len, tile, 3 * H, 3), PQCHA_ERR_LOG_BUNDLE);
    /* An altered entry, an altered tile, a tile of the wrong length. */
    bundle[3] ^= 1;
    CHECK_ERR(pqcha_tlog_bundle_verify(bundle, len, tile, sizeof tile, 4), PQCHA_ERR_LOG_TILE);
    bundle[3] ^= 1;
    tile[H + 2] ^= 1;
    CHECK_ERR(pqcha_tlog_bundle_verify(bundle, len, tile, sizeof tile, 4), PQCHA_ERR_LOG_TILE);
    tile[H + 2] ^= 1;
    CHECK_ERR(pqcha_tlog_bundle_verify(bundle, len, tile, sizeof tile - 1, 4),
              PQCHA_ERR_LOG_TILE_SIZE);
    CHECK_ERR(pqcha_tlog_bundle_verify(bundle, len, tile, sizeof tile, 0),
              PQCHA_ERR_INVALID_ARGUMENT);
    pqcha_free(bundle);
    /* Caps: an entry the uint16 prefix cannot say, a bundle wider than a tile. */
    lens[3] = sizeof big;
    CHECK_ERR(pqcha_tlog_bundle_encode(&bundle, &len, entries, lens, 4), PQCHA_ERR_TOO_LARGE);
    CHECK(bundle == NULL && len == 0);
    const uint8_t *many[257];
    size_t many_lens[257];
    for (int i = 0; i < 257; i++)
        many[i] = e0, many_lens[i] = 1;
    CHECK_ERR(pqcha_tlog_bundle_encode(&bundle, &len, many, many_lens, 257), PQCHA_ERR_TOO_LARGE);
    CHECK_OK(pqcha_tlog_bundle_encode(&bundle, &len, many, many_lens, 256));
    CHECK(len == 256 * 3);
    pqcha_free(bundle);
    CHECK_ERR(pqcha_tlog_bundle_encode(&bundle, &len, many, many_lens, 0),
              PQCHA_ERR_INVALID_ARGUMENT);
}

static void test_teardown(void) {
    tlog_fixture_free(&fixture);
}

TEST_MAIN(TEST(test_ct_vectors), TEST(test_leaf_and_node_hashes), TEST(test_roots_every_size),
          TEST(test_inclusion_every_size), TEST(test_consistency_every_size),
          TEST(test_random_pairs_in_a_large_tree), TEST(test_proof_counts),
          TEST(test_tampered_inclusion_proofs), TEST(test_tampered_consistency_proofs),
          TEST(test_fork_and_rollback), TEST(test_proof_arguments), TEST(test_tile_counts),
          TEST(test_tile_paths), TEST(test_tile_path_rejections),
          TEST(test_nodes_and_proofs_from_tiles), TEST(test_tiles_audit), TEST(test_bundles),
          TEST(test_teardown))
