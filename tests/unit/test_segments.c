/* test_segments.c — sha3-256-segments (FORMAT.md 4.6): the layout of a
 * region cut at tensor boundaries, the combined digest built by hand, the
 * layout rules with their exact errors, and a streaming hasher whose result
 * depends on neither the chunking nor the thread count. */
#include "testutil.h"

#include "core/internal.h"
#include "core/segments.h"

#define LEAF PQCHA_TREE_LEAF_SIZE

static uint8_t *pattern(size_t len, uint32_t seed) {
    uint8_t *p = malloc(len ? len : 1);
    uint32_t x = seed | 1;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        p[i] = (uint8_t)x;
    }
    return p;
}

static pqcha__tensor_ref ref(const char *name, uint64_t offset, uint64_t size) {
    return (pqcha__tensor_ref){(char *)(uintptr_t)name, offset, size};
}

/* Tensors inside the range become segments; a tensor cut by the range's ends,
 * one outside it and an empty one leave their bytes to the gaps. */
static void test_layout(void) {
    const pqcha__tensor_ref t[] = {ref("cut", 0, 5000),     ref("a", 5000, 100),
                                   ref("empty", 5100, 0),   ref("b", 5132, 68),
                                   ref("tail", 5300, 1000), ref("far", 9000, 10)};
    pqcha__segment *s = NULL;
    size_t n = 0;
    /* The region [4096, 5600) of the file. */
    CHECK_OK(pqcha__segments_layout(&s, &n, 4096, 1504, t, 6));
    REQUIRE(n == 5);
    CHECK(s[0].tensor == NULL && s[0].offset == 4096 && s[0].size == 904);
    CHECK_STR(s[1].tensor, "a");
    CHECK(s[1].offset == 5000 && s[1].size == 100);
    CHECK(s[2].tensor == NULL && s[2].offset == 5100 && s[2].size == 32);
    CHECK_STR(s[3].tensor, "b");
    CHECK(s[4].tensor == NULL && s[4].offset == 5200 && s[4].size == 400);
    CHECK_OK(pqcha__segments_check(s, n, 4096, 1504));
    pqcha__segments_free(s, n);

    /* No tensors: one gap; a tensor exactly the range: one segment. */
    CHECK_OK(pqcha__segments_layout(&s, &n, 7, 10, NULL, 0));
    CHECK(n == 1 && s[0].tensor == NULL && s[0].offset == 7 && s[0].size == 10);
    pqcha__segments_free(s, n);
    CHECK_OK(pqcha__segments_layout(&s, &n, 5000, 100, t, 6));
    CHECK(n == 1 && s[0].tensor && strcmp(s[0].tensor, "a") == 0);
    pqcha__segments_free(s, n);

    CHECK_ERR(pqcha__segments_layout(&s, &n, 0, 0, t, 6), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha__segments_layout(&s, &n, UINT64_MAX, 2, t, 6), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha__segments_layout(NULL, &n, 0, 1, t, 6), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(s == NULL && n == 0);
}

/* SHA3-256(0x03 || u64be(total) || u64be(count) || (u64be(size) || digest)...). */
static void test_root_by_hand(void) {
    pqcha__segment s[2];
    memset(s, 0, sizeof s);
    s[0].size = 3;
    memset(s[0].digest, 0xaa, 32);
    s[1].size = 0x0102;
    memset(s[1].digest, 0x55, 32);
    uint8_t msg[1 + 8 + 8 + 2 * 40];
    memset(msg, 0, sizeof msg);
    msg[0] = 0x03;
    msg[8] = 0x05, msg[7] = 0x01; /* total 0x105 */
    msg[16] = 2;
    msg[24] = 3;
    memset(msg + 25, 0xaa, 32);
    msg[25 + 32 + 6] = 0x01, msg[25 + 32 + 7] = 0x02;
    memset(msg + 25 + 40, 0x55, 32);
    uint8_t want[32], got[32];
    CHECK_OK(pqcha_sha3_256(want, msg, sizeof msg));
    CHECK_OK(pqcha__segments_root(s, 2, 0x105, got));
    CHECK(memcmp(want, got, 32) == 0);
    CHECK_ERR(pqcha__segments_root(s, 2, 0x104, got), PQCHA_ERR_INVALID_ARGUMENT);
    s[0].size = 0;
    CHECK_ERR(pqcha__segments_root(s, 2, 0x102, got), PQCHA_ERR_INVALID_ARGUMENT);
}

static void test_check_rules(void) {
    pqcha__segment s[3] = {{NULL, 100, 10, {0}}, {(char *)"w", 110, 20, {0}}, {NULL, 130, 5, {0}}};
    CHECK_OK(pqcha__segments_check(s, 3, 100, 35));
    CHECK_ERR(pqcha__segments_check(s, 3, 99, 35), PQCHA_ERR_INCONSISTENT_CLAIMS);  /* base */
    CHECK_ERR(pqcha__segments_check(s, 3, 100, 36), PQCHA_ERR_INCONSISTENT_CLAIMS); /* short */
    CHECK_ERR(pqcha__segments_check(s, 3, 100, 34), PQCHA_ERR_INCONSISTENT_CLAIMS); /* long */
    CHECK_ERR(pqcha__segments_check(s, 0, 100, 35), PQCHA_ERR_INCONSISTENT_CLAIMS);
    s[2].offset = 131; /* a hole */
    CHECK_ERR(pqcha__segments_check(s, 3, 100, 35), PQCHA_ERR_INCONSISTENT_CLAIMS);
    s[2].offset = 130;
    s[1].size = 0; /* an empty segment */
    CHECK_ERR(pqcha__segments_check(s, 3, 100, 15), PQCHA_ERR_INCONSISTENT_CLAIMS);
    s[1].size = 20;
    s[2].tensor = (char *)"w"; /* one name twice */
    CHECK_ERR(pqcha__segments_check(s, 3, 100, 35), PQCHA_ERR_MALFORMED);
    s[2].tensor = (char *)"";
    CHECK_ERR(pqcha__segments_check(s, 3, 100, 35), PQCHA_ERR_BAD_IDENTIFIER);
    s[2].tensor = (char *)"\xff";
    CHECK_ERR(pqcha__segments_check(s, 3, 100, 35), PQCHA_ERR_BAD_IDENTIFIER);
    CHECK_ERR(pqcha__segments_check(s, PQCHA__MAX_SEGMENTS + 1, 100, 35), PQCHA_ERR_TOO_LARGE);
}

/* Streams data in chunks of `chunk` bytes; returns the root. */
static pqcha_err stream(uint8_t root[32], pqcha__segment *s, size_t n, const uint8_t *data,
                        size_t len, size_t chunk, unsigned threads) {
    pqcha__segment_hasher *sh = NULL;
    PQCHA_TRY(pqcha__segment_hasher_new(&sh, s, n, threads));
    pqcha_err err = PQCHA_OK;
    for (size_t off = 0; err == PQCHA_OK && off < len; off += chunk)
        err = pqcha__segment_hasher_update(sh, data + off, len - off < chunk ? len - off : chunk);
    if (err == PQCHA_OK) err = pqcha__segment_hasher_final(sh, root);
    pqcha__segment_hasher_free(sh);
    return err;
}

/* Every segment's digest is the sha3-256-tree of exactly its bytes, and the
 * root is the combination, whatever the chunks and threads. */
static void test_hasher_matches_pieces(void) {
    const size_t len = 5 * LEAF + 12345, base = 777;
    uint8_t *data = pattern(len, 11);
    const pqcha__tensor_ref t[] = {ref("small", base + 100, 3000),
                                   ref("big", base + 4096, 3 * LEAF + 17),
                                   ref("leaf", base + 4096 + 3 * LEAF + 32, LEAF)};
    pqcha__segment *s = NULL;
    size_t n = 0;
    CHECK_OK(pqcha__segments_layout(&s, &n, base, len, t, 3));
    REQUIRE(n == 7); /* gap small gap big gap leaf gap */
    static const size_t chunks[] = {1 << 20, 4096, 65537, 333};
    uint8_t first[32] = {0};
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
        for (unsigned threads = 1; threads <= 3; threads++) {
            uint8_t root[32];
            memset(s[3].digest, 0, 32);
            CHECK_OK(stream(root, s, n, data, len, chunks[c], threads));
            if (c == 0 && threads == 1) memcpy(first, root, 32);
            CHECK(memcmp(first, root, 32) == 0);
        }
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t want[32];
        CHECK_OK(pqcha_digest(want, 32, PQCHA_DIGEST_SHA3_256_TREE, data + (s[i].offset - base),
                              s[i].size, 1));
        CHECK(memcmp(want, s[i].digest, 32) == 0);
    }
    uint8_t combined[32];
    CHECK_OK(pqcha__segments_root(s, n, len, combined));
    CHECK(memcmp(combined, first, 32) == 0);
    pqcha__segments_free(s, n);
    free(data);
}

/* Many random layouts (tiny, leaf-sized and multi-leaf tensors, gaps or
 * none) fed in random chunk sizes: every segment digest is the tree digest
 * of exactly its bytes. Seeds are fixed: the test is deterministic. */
static void test_hasher_random_layouts(void) {
    const size_t len = 3 * LEAF + 40000;
    uint8_t *data = pattern(len, 5);
    uint32_t x = 0x9e3779b9;
    for (int round = 0; round < 40; round++) {
        pqcha__tensor_ref t[64];
        char names[64][16];
        size_t n = 0, at = 0;
        while (n < 64) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            size_t gap = (x >> 4) % 3 == 0 ? 0 : (x >> 8) % 100;
            static const size_t sizes[] = {1, 31, 4096, LEAF - 1, LEAF, LEAF + 1, 2 * LEAF + 7};
            size_t size = sizes[(x >> 16) % 7];
            if (at + gap + size > len) break;
            snprintf(names[n], sizeof names[n], "t%zu", n);
            t[n] = ref(names[n], at + gap, size);
            at += gap + size;
            n++;
        }
        pqcha__segment *s = NULL;
        size_t count = 0;
        CHECK_OK(pqcha__segments_layout(&s, &count, 0, len, t, n));
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        size_t chunk = 1 + x % (2 * LEAF);
        uint8_t root[32];
        CHECK_OK(stream(root, s, count, data, len, chunk, 1 + (unsigned)(x >> 30) % 3));
        for (size_t i = 0; i < count; i++) {
            uint8_t want[32];
            CHECK_OK(pqcha_digest(want, 32, PQCHA_DIGEST_SHA3_256_TREE, data + s[i].offset,
                                  s[i].size, 1));
            if (memcmp(want, s[i].digest, 32) != 0) {
                fprintf(stderr, "  round %d chunk %zu segment %zu (%zu bytes at %zu) differs\n",
                        round, chunk, i, (size_t)s[i].size, (size_t)s[i].offset);
                testutil_failures_in_test++;
                break;
            }
        }
        pqcha__segments_free(s, count);
    }
    free(data);
}

/* A region that grew or shrank while it was read gets no digest. */
static void test_hasher_length_changes(void) {
    uint8_t data[300] = {0}, root[32];
    pqcha__segment s[2] = {{NULL, 0, 100, {0}}, {(char *)"t", 100, 100, {0}}};
    CHECK_ERR(stream(root, s, 2, data, 300, 64, 1), PQCHA_ERR_REGION_CHANGED);
    CHECK_ERR(stream(root, s, 2, data, 150, 64, 1), PQCHA_ERR_REGION_CHANGED);
    CHECK_OK(stream(root, s, 2, data, 200, 64, 1));
    pqcha__segment_hasher *sh = NULL;
    CHECK_ERR(pqcha__segment_hasher_new(&sh, NULL, 0, 1), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(sh == NULL);
}

TEST_MAIN(TEST(test_layout), TEST(test_root_by_hand), TEST(test_check_rules),
          TEST(test_hasher_matches_pieces), TEST(test_hasher_random_layouts),
          TEST(test_hasher_length_changes))
