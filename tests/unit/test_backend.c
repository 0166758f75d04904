/* test_backend.c — the backend registry, the in-memory backend, the platform
 * stubs and the checks every backend gets (ports of the original's
 * test_backends.py and test_region.py, plus the fixes). */
#include <stdint.h>
#include <string.h>

#include "io/backend_internal.h"
#include "testutil.h"

static const char *const WEIGHTS_SHA3 =
    "33bad5430899ed6f8beaf3e732b2a2cad1d40b7c9de0cfcdc7e0bc0756803a10"; /* SHA3-256(00010203) */

static pqcha_backend *memory_backend(void) {
    pqcha_backend *b = NULL;
    CHECK_OK(pqcha_backend_create(&b, "in-memory"));
    return b;
}

static pqcha_region *region(const char *id, uint64_t size) {
    pqcha_region *r = NULL;
    CHECK_OK(pqcha_region_create(&r, id, "test region", 0x1000, size, PQCHA_PROT_RO));
    return r;
}

/* Hex of the SHA3-256 digest the backend computes for a region. */
static pqcha_err digest_hex(char out[65], pqcha_backend *b, const char *workload,
                            const pqcha_region *r) {
    uint8_t d[PQCHA_SHA3_256_LEN];
    pqcha_err err = pqcha_backend_digest(b, workload, r, PQCHA_DIGEST_SHA3_256, 1, d, sizeof d);
    if (err == PQCHA_OK)
        pqcha_hex_encode(out, d, sizeof d);
    else
        out[0] = '\0';
    return err;
}

/* test_backends.py::test_in_memory_register_list_snapshot */
static void test_register_list_digest(void) {
    pqcha_backend *b = memory_backend();
    pqcha_region *r = region("r1", 4);
    REQUIRE(b && r);
    CHECK_OK(pqcha_memory_backend_register(b, "w", r, "abcd", 4));

    pqcha_region **list = NULL;
    size_t n = 0;
    CHECK_OK(pqcha_backend_list_regions(b, "w", &list, &n));
    CHECK(n == 1);
    if (n == 1) {
        CHECK_STR(pqcha_region_id(list[0]), "r1");
        CHECK_STR(pqcha_region_description(list[0]), "test region");
        CHECK(pqcha_region_address(list[0]) == 0x1000);
        CHECK(pqcha_region_size(list[0]) == 4);
        CHECK(pqcha_region_protection(list[0]) == PQCHA_PROT_RO);
    }
    char hex[65];
    CHECK_OK(digest_hex(hex, b, "w", r));
    CHECK(strlen(hex) == 64);
    pqcha_region_list_free(list, n);
    pqcha_region_free(r);
    pqcha_backend_free(b);
}

/* test_backends.py::test_in_memory_invalid_region_raises */
static void test_unknown_region(void) {
    pqcha_backend *b = memory_backend();
    pqcha_region *r = region("never-registered", 4);
    REQUIRE(b && r);
    char hex[65];
    CHECK_ERR(digest_hex(hex, b, "w", r), PQCHA_ERR_NO_SUCH_REGION);
    CHECK_ERR(pqcha_memory_backend_update(b, "w", "missing", "x", 1), PQCHA_ERR_NO_SUCH_REGION);
    pqcha_region_free(r);
    pqcha_backend_free(b);
}

/* test_backends.py::test_sev_snp_list_regions_raises */
static void test_sev_snp_not_present(void) {
    pqcha_backend *b = NULL;
    CHECK_OK(pqcha_backend_create(&b, "amd-sev-snp"));
    REQUIRE(b);
    CHECK_STR(pqcha_backend_platform(b), "amd-sev-snp");
    pqcha_region **list = NULL;
    size_t n = 7;
    CHECK_ERR(pqcha_backend_list_regions(b, "any", &list, &n), PQCHA_ERR_DEVICE_NOT_PRESENT);
    CHECK(list == NULL && n == 0);
    pqcha_backend_free(b);
}

/* test_backends.py::test_tdx_snapshot_raises */
static void test_tdx_not_present(void) {
    pqcha_backend *b = NULL;
    CHECK_OK(pqcha_backend_create(&b, "intel-tdx"));
    pqcha_region *r = region("r", 4);
    REQUIRE(b && r);
    CHECK_STR(pqcha_backend_platform(b), "intel-tdx");
    char hex[65];
    CHECK_ERR(digest_hex(hex, b, "w", r), PQCHA_ERR_DEVICE_NOT_PRESENT);
    pqcha_region **list = NULL;
    size_t n = 0;
    CHECK_ERR(pqcha_backend_list_regions(b, "w", &list, &n), PQCHA_ERR_DEVICE_NOT_PRESENT);
    pqcha_region_free(r);
    pqcha_backend_free(b);
}

/* test_backends.py::test_workload_isolation */
static void test_workload_isolation(void) {
    pqcha_backend *b = memory_backend();
    pqcha_region *r = region("r", 2);
    REQUIRE(b && r);
    CHECK_OK(pqcha_memory_backend_register(b, "workload-a", r, "xy", 2));
    pqcha_region **list = NULL;
    size_t n = 0;
    CHECK_OK(pqcha_backend_list_regions(b, "workload-a", &list, &n));
    CHECK(n == 1);
    pqcha_region_list_free(list, n);
    CHECK_OK(pqcha_backend_list_regions(b, "workload-b", &list, &n));
    CHECK(n == 0 && list == NULL);
    char hex[65];
    CHECK_ERR(digest_hex(hex, b, "workload-b", r), PQCHA_ERR_NO_SUCH_REGION);
    pqcha_region_free(r);
    pqcha_backend_free(b);
}

/* The original keyed regions by id alone: registering "weights" under a
 * second workload replaced the first workload's bytes. */
static void test_same_id_in_two_workloads(void) {
    pqcha_backend *b = memory_backend();
    pqcha_region *r = region("weights", 4);
    REQUIRE(b && r);
    const uint8_t a_bytes[4] = {0, 1, 2, 3};
    CHECK_OK(pqcha_memory_backend_register(b, "workload-a", r, a_bytes, 4));
    CHECK_OK(pqcha_memory_backend_register(b, "workload-b", r, "zzzz", 4));

    char hex_a[65], hex_b[65];
    CHECK_OK(digest_hex(hex_a, b, "workload-a", r));
    CHECK_STR(hex_a, WEIGHTS_SHA3);
    CHECK_OK(digest_hex(hex_b, b, "workload-b", r));
    CHECK(strcmp(hex_a, hex_b) != 0);

    /* Updating one workload's region leaves the other's alone. */
    CHECK_OK(pqcha_memory_backend_update(b, "workload-b", "weights", "yyyy", 4));
    CHECK_OK(digest_hex(hex_a, b, "workload-a", r));
    CHECK_STR(hex_a, WEIGHTS_SHA3);
    pqcha_region_free(r);
    pqcha_backend_free(b);
}

static void test_registration_order_kept(void) {
    pqcha_backend *b = memory_backend();
    REQUIRE(b);
    const char *ids[] = {"zeta", "alpha", "mid"};
    for (size_t i = 0; i < 3; i++) {
        pqcha_region *r = region(ids[i], 1);
        CHECK_OK(pqcha_memory_backend_register(b, "w", r, "x", 1));
        pqcha_region_free(r);
    }
    pqcha_region **list = NULL;
    size_t n = 0;
    CHECK_OK(pqcha_backend_list_regions(b, "w", &list, &n));
    REQUIRE(n == 3);
    for (size_t i = 0; i < 3; i++)
        CHECK_STR(pqcha_region_id(list[i]), ids[i]);
    pqcha_region_list_free(list, n);
    pqcha_backend_free(b);
}

static void test_registry(void) {
    const char *const *names = pqcha_backend_names();
    const char *want[] = {"in-memory", "file", "amd-sev-snp", "intel-tdx", "process"};
    size_t n = 0;
    while (names[n] != NULL)
        n++;
    REQUIRE(n == sizeof want / sizeof want[0]);
    for (size_t i = 0; i < n; i++) {
        CHECK_STR(names[i], want[i]);
        pqcha_backend *b = NULL;
        CHECK_OK(pqcha_backend_create(&b, names[i]));
        CHECK_STR(pqcha_backend_name(b), want[i]);
        CHECK_STR(pqcha_backend_platform(b), want[i]);
        pqcha_backend_free(b);
    }
    pqcha_backend *b = (pqcha_backend *)&n; /* must be reset to NULL on error */
    CHECK_ERR(pqcha_backend_create(&b, "vmware"), PQCHA_ERR_UNKNOWN_BACKEND);
    CHECK(b == NULL);
    CHECK_ERR(pqcha_backend_create(&b, ""), PQCHA_ERR_UNKNOWN_BACKEND);
    CHECK_ERR(pqcha_backend_create(&b, "In-Memory"), PQCHA_ERR_UNKNOWN_BACKEND);
    CHECK_ERR(pqcha_backend_create(&b, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_backend_create(NULL, "file"), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(pqcha_backend_name(NULL) == NULL);
    pqcha_backend_free(NULL);
}

static void test_register_duplicate(void) {
    pqcha_backend *b = memory_backend();
    pqcha_region *r = region("r", 4);
    REQUIRE(b && r);
    CHECK_OK(pqcha_memory_backend_register(b, "w", r, "abcd", 4));
    CHECK_ERR(pqcha_memory_backend_register(b, "w", r, "efgh", 4), PQCHA_ERR_REGION_EXISTS);
    char hex[65], again[65];
    uint8_t want[PQCHA_SHA3_256_LEN];
    CHECK_OK(pqcha_sha3_256(want, "abcd", 4));
    pqcha_hex_encode(again, want, sizeof want);
    CHECK_OK(digest_hex(hex, b, "w", r));
    CHECK_STR(hex, again); /* the refused registration changed nothing */
    pqcha_region_free(r);
    pqcha_backend_free(b);
}

static void test_length_must_match_size(void) {
    pqcha_backend *b = memory_backend();
    pqcha_region *r = region("r", 4);
    REQUIRE(b && r);
    CHECK_ERR(pqcha_memory_backend_register(b, "w", r, "abc", 3), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_memory_backend_register(b, "w", r, "abcde", 5), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_memory_backend_register(b, "w", r, NULL, 4), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_OK(pqcha_memory_backend_register(b, "w", r, "abcd", 4));
    CHECK_ERR(pqcha_memory_backend_update(b, "w", "r", "ab", 2), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_memory_backend_update(b, "w", "r", "abcdef", 6), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_OK(pqcha_memory_backend_update(b, "w", "r", "wxyz", 4));
    CHECK_ERR(pqcha_memory_backend_register(b, "", r, "abcd", 4), PQCHA_ERR_BAD_IDENTIFIER);
    pqcha_region_free(r);
    pqcha_backend_free(b);
}

static void test_wrong_kind_refused(void) {
    pqcha_backend *file = NULL;
    CHECK_OK(pqcha_backend_create(&file, "file"));
    pqcha_backend *mem = memory_backend();
    pqcha_region *r = region("r", 1);
    REQUIRE(file && mem && r);
    CHECK_ERR(pqcha_memory_backend_register(file, "w", r, "x", 1), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_memory_backend_update(file, "w", "r", "x", 1), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_file_backend_add(mem, "w", "r", "/etc/hostname", 0, 0),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_memory_backend_register(NULL, "w", r, "x", 1), PQCHA_ERR_INVALID_ARGUMENT);
    pqcha_region_free(r);
    pqcha_backend_free(mem);
    pqcha_backend_free(file);
}

/* A region whose size does not match the registered one is stale. */
static void test_stale_region_size(void) {
    pqcha_backend *b = memory_backend();
    pqcha_region *r4 = region("r", 4), *r8 = region("r", 8);
    REQUIRE(b && r4 && r8);
    CHECK_OK(pqcha_memory_backend_register(b, "w", r4, "abcd", 4));
    char hex[65];
    CHECK_ERR(digest_hex(hex, b, "w", r8), PQCHA_ERR_REGION_CHANGED);
    pqcha_region_free(r4);
    pqcha_region_free(r8);
    pqcha_backend_free(b);
}

/* ---- a backend implemented outside libpqcha ---- */

typedef struct fake_backend {
    size_t deliver; /* bytes read_region actually hands over */
    uint8_t fill;
    int destroyed;
} fake_backend;

static pqcha_err fake_list(void *self, const char *workload, pqcha_region ***regions,
                           size_t *count) {
    (void)self;
    if (strcmp(workload, "w") != 0) return PQCHA_OK;
    pqcha_region *r = NULL;
    pqcha_err err = pqcha_region_create(&r, "fake", "", 0, 8, PQCHA_PROT_RW);
    if (err != PQCHA_OK) return err;
    err = pqcha__region_list_append(regions, count, r);
    if (err != PQCHA_OK) pqcha_region_free(r);
    return err;
}

static pqcha_err fake_read(void *self, const char *workload, const pqcha_region *region,
                           pqcha_chunk_sink sink, void *sink_ctx) {
    (void)workload;
    (void)region;
    const fake_backend *f = self;
    uint8_t buf[64];
    memset(buf, f->fill, sizeof buf);
    /* One byte at a time, so chunking is exercised too. */
    for (size_t i = 0; i < f->deliver; i++) {
        pqcha_err err = sink(sink_ctx, buf, 1);
        if (err != PQCHA_OK) return err;
    }
    return PQCHA_OK;
}

static void fake_destroy(void *self) {
    ((fake_backend *)self)->destroyed = 1;
}

static const pqcha_backend_ops fake_ops = {
    .name = "fake",
    .platform = "fake-platform",
    .list_regions = fake_list,
    .read_region = fake_read,
    .destroy = fake_destroy,
};

static void test_custom_backend(void) {
    fake_backend f = {8, 0x5a, 0};
    pqcha_backend *b = NULL;
    CHECK_OK(pqcha_backend_create_custom(&b, &fake_ops, &f));
    REQUIRE(b);
    CHECK_STR(pqcha_backend_name(b), "fake");
    CHECK_STR(pqcha_backend_platform(b), "fake-platform");

    pqcha_region **list = NULL;
    size_t n = 0;
    CHECK_OK(pqcha_backend_list_regions(b, "w", &list, &n));
    REQUIRE(n == 1);
    char hex[65], want_hex[65];
    uint8_t bytes[8], want[PQCHA_SHA3_256_LEN];
    memset(bytes, 0x5a, sizeof bytes);
    CHECK_OK(pqcha_sha3_256(want, bytes, sizeof bytes));
    pqcha_hex_encode(want_hex, want, sizeof want);
    CHECK_OK(digest_hex(hex, b, "w", list[0]));
    CHECK_STR(hex, want_hex);

    f.deliver = 5; /* too few bytes */
    CHECK_ERR(digest_hex(hex, b, "w", list[0]), PQCHA_ERR_REGION_CHANGED);
    f.deliver = 9; /* too many */
    CHECK_ERR(digest_hex(hex, b, "w", list[0]), PQCHA_ERR_REGION_CHANGED);

    pqcha_region_list_free(list, n);
    pqcha_backend_free(b);
    CHECK(f.destroyed == 1);
}

static void test_custom_backend_invalid_ops(void) {
    pqcha_backend *b = NULL;
    pqcha_backend_ops ops = fake_ops;
    ops.read_region = NULL;
    CHECK_ERR(pqcha_backend_create_custom(&b, &ops, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    ops = fake_ops;
    ops.platform = "bad\nplatform";
    CHECK_ERR(pqcha_backend_create_custom(&b, &ops, NULL), PQCHA_ERR_BAD_IDENTIFIER);
    CHECK_ERR(pqcha_backend_create_custom(&b, NULL, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(b == NULL);
}

static pqcha_err collect_sink(void *ctx, const uint8_t *data, size_t len) {
    size_t *total = ctx;
    (void)data;
    *total += len;
    return PQCHA_OK;
}

static pqcha_err refusing_sink(void *ctx, const uint8_t *data, size_t len) {
    (void)ctx;
    (void)data;
    (void)len;
    return PQCHA_ERR_CANCELLED;
}

/* A region larger than one 64 KiB chunk is streamed, and a sink error stops it. */
static void test_read_streams_and_propagates_sink_error(void) {
    size_t size = 200000;
    uint8_t *data = calloc(1, size);
    pqcha_backend *b = memory_backend();
    pqcha_region *r = region("big", size);
    REQUIRE(data && b && r);
    CHECK_OK(pqcha_memory_backend_register(b, "w", r, data, size));
    size_t total = 0;
    CHECK_OK(pqcha_backend_read(b, "w", r, collect_sink, &total));
    CHECK(total == size);
    CHECK_ERR(pqcha_backend_read(b, "w", r, refusing_sink, NULL), PQCHA_ERR_CANCELLED);

    char hex[65], want_hex[65];
    uint8_t want[PQCHA_SHA3_256_LEN];
    CHECK_OK(pqcha_sha3_256(want, data, size));
    pqcha_hex_encode(want_hex, want, sizeof want);
    CHECK_OK(digest_hex(hex, b, "w", r));
    CHECK_STR(hex, want_hex);
    free(data);
    pqcha_region_free(r);
    pqcha_backend_free(b);
}

/* Known vector: SHA3-256(00 01 02 03). */
static void test_digest_known_vector(void) {
    pqcha_backend *b = memory_backend();
    pqcha_region *r = region("model-weights-0", 4);
    REQUIRE(b && r);
    const uint8_t bytes[4] = {0, 1, 2, 3};
    CHECK_OK(pqcha_memory_backend_register(b, "model-serving-1", r, bytes, 4));
    char hex[65];
    CHECK_OK(digest_hex(hex, b, "model-serving-1", r));
    CHECK_STR(hex, WEIGHTS_SHA3);
    uint8_t small[8];
    CHECK_ERR(pqcha_backend_digest(b, "model-serving-1", r, PQCHA_DIGEST_SHA3_256, 1, small, 8),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_backend_digest(b, "model-serving-1", r, (pqcha_digest_alg)99, 1, small, 8),
              PQCHA_ERR_UNSUPPORTED_ALGORITHM);
    pqcha_region_free(r);
    pqcha_backend_free(b);
}

/* test_region.py::test_snapshot_hash_is_deterministic */
static void test_digest_deterministic(void) {
    pqcha_backend *b = memory_backend();
    pqcha_region *r = region("r", 4);
    REQUIRE(b && r);
    CHECK_OK(pqcha_memory_backend_register(b, "w", r, "abcd", 4));
    char h1[65], h2[65];
    CHECK_OK(digest_hex(h1, b, "w", r));
    CHECK_OK(digest_hex(h2, b, "w", r));
    CHECK_STR(h1, h2);
    size_t total = 0;
    CHECK_OK(pqcha_backend_read(b, "w", r, collect_sink, &total));
    CHECK(total == 4); /* size == len(data) */
    pqcha_region_free(r);
    pqcha_backend_free(b);
}

/* test_region.py::test_snapshot_hash_changes_with_content */
static void test_digest_changes_with_content(void) {
    pqcha_backend *b = memory_backend();
    pqcha_region *r = region("r", 4);
    REQUIRE(b && r);
    CHECK_OK(pqcha_memory_backend_register(b, "w", r, "aaaa", 4));
    char h1[65], h2[65];
    CHECK_OK(digest_hex(h1, b, "w", r));
    CHECK_OK(pqcha_memory_backend_update(b, "w", "r", "aaab", 4));
    CHECK_OK(digest_hex(h2, b, "w", r));
    CHECK(strcmp(h1, h2) != 0);
    pqcha_region_free(r);
    pqcha_backend_free(b);
}

static void test_zero_size_region(void) {
    pqcha_backend *b = memory_backend();
    pqcha_region *r = region("empty", 0);
    REQUIRE(b && r);
    CHECK_OK(pqcha_memory_backend_register(b, "w", r, NULL, 0));
    char hex[65];
    CHECK_OK(digest_hex(hex, b, "w", r));
    /* SHA3-256 of the empty string */
    CHECK_STR(hex, "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
    pqcha_region_free(r);
    pqcha_backend_free(b);
}

/* pqcha_backend_hash announces the size, so a tree hasher records nodes. */
static void test_backend_hash_records_nodes(void) {
    size_t size = 3 * PQCHA_TREE_LEAF_SIZE + 1; /* four leaves: four level-0 nodes */
    uint8_t *bytes = malloc(size);
    REQUIRE(bytes);
    memset(bytes, 0x3c, size);
    pqcha_backend *b = NULL;
    pqcha_region *r = NULL;
    CHECK_OK(pqcha_backend_create(&b, "in-memory"));
    CHECK_OK(pqcha_region_create(&r, "big", "", 0, size, PQCHA_PROT_RO));
    REQUIRE(b && r);
    CHECK_OK(pqcha_memory_backend_register(b, "w", r, bytes, size));
    pqcha_hasher *h = NULL;
    CHECK_OK(pqcha_hasher_create(&h, PQCHA_DIGEST_SHA3_256_TREE));
    CHECK_OK(pqcha_backend_hash(b, "w", r, h));
    uint8_t got[32], want[32];
    CHECK_OK(pqcha_hasher_final(h, got, sizeof got));
    CHECK_OK(pqcha_digest(want, sizeof want, PQCHA_DIGEST_SHA3_256_TREE, bytes, size, 1));
    CHECK(memcmp(got, want, 32) == 0);
    CHECK(pqcha_hasher_node_count(h) == 4);
    CHECK(pqcha_hasher_node_level(h) == 0);
    pqcha_hasher_free(h);
    /* A hasher that already took bytes cannot be told the size any more. */
    CHECK_OK(pqcha_hasher_create(&h, PQCHA_DIGEST_SHA3_256_TREE));
    CHECK_OK(pqcha_hasher_update(h, bytes, 1));
    CHECK_ERR(pqcha_backend_hash(b, "w", r, h), PQCHA_ERR_INVALID_ARGUMENT);
    pqcha_hasher_free(h);
    CHECK_ERR(pqcha_backend_hash(b, "w", r, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    pqcha_region_free(r);
    pqcha_backend_free(b);
    free(bytes);
}

TEST_MAIN(TEST(test_backend_hash_records_nodes), TEST(test_register_list_digest),
          TEST(test_unknown_region), TEST(test_sev_snp_not_present), TEST(test_tdx_not_present),
          TEST(test_workload_isolation), TEST(test_same_id_in_two_workloads),
          TEST(test_registration_order_kept), TEST(test_registry), TEST(test_register_duplicate),
          TEST(test_length_must_match_size), TEST(test_wrong_kind_refused),
          TEST(test_stale_region_size), TEST(test_custom_backend),
          TEST(test_custom_backend_invalid_ops), TEST(test_read_streams_and_propagates_sink_error),
          TEST(test_digest_known_vector), TEST(test_digest_deterministic),
          TEST(test_digest_changes_with_content), TEST(test_zero_size_region))
