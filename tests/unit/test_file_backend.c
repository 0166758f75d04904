/* test_file_backend.c — the "file" backend: whole files, byte ranges, range
 * checks at add time, and files that change between add and read. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

static pqcha_backend *file_backend(void) {
    pqcha_backend *b = NULL;
    CHECK_OK(pqcha_backend_create(&b, "file"));
    return b;
}

/* The single region the backend lists for workload "w" (NULL unless exactly one). */
static pqcha_region *only_region(pqcha_backend *b) {
    pqcha_region **list = NULL;
    size_t n = 0;
    CHECK_OK(pqcha_backend_list_regions(b, "w", &list, &n));
    pqcha_region *r = NULL;
    if (n == 1) CHECK_OK(pqcha_region_copy(&r, list[0]));
    pqcha_region_list_free(list, n);
    return r;
}

static pqcha_err digest_hex(char out[65], pqcha_backend *b, const pqcha_region *r) {
    uint8_t d[PQCHA_SHA3_256_LEN];
    pqcha_err err = pqcha_backend_digest(b, "w", r, PQCHA_DIGEST_SHA3_256, 1, d, sizeof d);
    pqcha_hex_encode(out, d, err == PQCHA_OK ? sizeof d : 0);
    return err;
}

static void sha3_hex(char out[65], const void *data, size_t len) {
    uint8_t d[PQCHA_SHA3_256_LEN];
    CHECK_OK(pqcha_sha3_256(d, data, len));
    pqcha_hex_encode(out, d, sizeof d);
}

static void test_whole_file(void) {
    const char *path = testutil_write_file("whole.bin", "\x00\x01\x02\x03", 4);
    pqcha_backend *b = file_backend();
    REQUIRE(path && b);
    CHECK_OK(pqcha_file_backend_add(b, "w", "weights", path, 0, 0));
    pqcha_region *r = only_region(b);
    REQUIRE(r);
    CHECK_STR(pqcha_region_id(r), "weights");
    CHECK_STR(pqcha_region_description(r), path);
    CHECK(pqcha_region_address(r) == 0);
    CHECK(pqcha_region_size(r) == 4);
    CHECK(pqcha_region_protection(r) == PQCHA_PROT_RO);
    char hex[65];
    CHECK_OK(digest_hex(hex, b, r));
    CHECK_STR(hex, "33bad5430899ed6f8beaf3e732b2a2cad1d40b7c9de0cfcdc7e0bc0756803a10");
    pqcha_region_free(r);
    pqcha_backend_free(b);
}

static void test_byte_range(void) {
    const char *text = "0123456789abcdef";
    const char *path = testutil_write_file("range.bin", text, 16);
    pqcha_backend *b = file_backend();
    REQUIRE(path && b);
    CHECK_OK(pqcha_file_backend_add(b, "w", "middle", path, 4, 6));
    pqcha_region *r = only_region(b);
    REQUIRE(r);
    CHECK(pqcha_region_address(r) == 4);
    CHECK(pqcha_region_size(r) == 6);
    char hex[65], want[65];
    sha3_hex(want, "456789", 6);
    CHECK_OK(digest_hex(hex, b, r));
    CHECK_STR(hex, want);
    pqcha_region_free(r);
    pqcha_backend_free(b);
}

static void test_length_zero_means_to_end(void) {
    const char *path = testutil_write_file("tail.bin", "0123456789", 10);
    pqcha_backend *b = file_backend();
    REQUIRE(path && b);
    CHECK_OK(pqcha_file_backend_add(b, "w", "tail", path, 7, 0));
    pqcha_region *r = only_region(b);
    REQUIRE(r);
    CHECK(pqcha_region_size(r) == 3);
    char hex[65], want[65];
    sha3_hex(want, "789", 3);
    CHECK_OK(digest_hex(hex, b, r));
    CHECK_STR(hex, want);
    pqcha_region_free(r);
    pqcha_backend_free(b);
}

static void test_range_beyond_eof(void) {
    const char *path = testutil_write_file("short.bin", "0123456789", 10);
    pqcha_backend *b = file_backend();
    REQUIRE(path && b);
    CHECK_ERR(pqcha_file_backend_add(b, "w", "r", path, 11, 0), PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(pqcha_file_backend_add(b, "w", "r", path, 4, 7), PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(pqcha_file_backend_add(b, "w", "r", path, UINT64_MAX, 1), PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(pqcha_file_backend_add(b, "w", "r", path, 1, UINT64_MAX), PQCHA_ERR_OUT_OF_RANGE);
    CHECK_OK(pqcha_file_backend_add(b, "w", "r", path, 4, 6)); /* exactly to the end */
    CHECK_ERR(pqcha_file_backend_add(b, "w", "r", path, 0, 0), PQCHA_ERR_REGION_EXISTS);
    pqcha_backend_free(b);
}

static void test_missing_file(void) {
    char path[4200];
    snprintf(path, sizeof path, "%s/does-not-exist", testutil_tmpdir());
    pqcha_backend *b = file_backend();
    REQUIRE(b);
    CHECK_ERR(pqcha_file_backend_add(b, "w", "r", path, 0, 0), PQCHA_ERR_NOT_FOUND);
    /* A directory is not a region. */
    CHECK_ERR(pqcha_file_backend_add(b, "w", "r", testutil_tmpdir(), 0, 0), PQCHA_ERR_IS_DIRECTORY);
    CHECK_ERR(pqcha_file_backend_add(b, "w", "bad\tid", "/etc/hostname", 0, 0),
              PQCHA_ERR_BAD_IDENTIFIER);
    pqcha_region **list = NULL;
    size_t n = 0;
    CHECK_OK(pqcha_backend_list_regions(b, "w", &list, &n));
    CHECK(n == 0);
    pqcha_backend_free(b);
}

static void test_truncated_after_add(void) {
    const char *path = testutil_write_file("shrinks.bin", "0123456789", 10);
    pqcha_backend *b = file_backend();
    REQUIRE(path && b);
    CHECK_OK(pqcha_file_backend_add(b, "w", "r", path, 2, 0));
    pqcha_region *r = only_region(b);
    REQUIRE(r);
    CHECK(truncate(path, 8) == 0);
    char hex[65];
    CHECK_ERR(digest_hex(hex, b, r), PQCHA_ERR_REGION_CHANGED);
    /* Growing back restores it; bytes past the range do not matter. */
    CHECK(testutil_write_file("shrinks.bin", "0123456789+extra", 16) != NULL);
    char want[65];
    sha3_hex(want, "23456789", 8);
    CHECK_OK(digest_hex(hex, b, r));
    CHECK_STR(hex, want);
    pqcha_region_free(r);
    pqcha_backend_free(b);
}

static void test_file_removed_after_add(void) {
    const char *path = testutil_write_file("vanishes.bin", "abc", 3);
    pqcha_backend *b = file_backend();
    REQUIRE(path && b);
    CHECK_OK(pqcha_file_backend_add(b, "w", "r", path, 0, 0));
    pqcha_region *r = only_region(b);
    REQUIRE(r);
    CHECK(unlink(path) == 0);
    char hex[65];
    CHECK_ERR(digest_hex(hex, b, r), PQCHA_ERR_NOT_FOUND);
    pqcha_region_free(r);
    pqcha_backend_free(b);
}

/* Several MiB, not a multiple of the 1 MiB read chunk. */
static void test_multi_mib_file(void) {
    size_t size = 5u * 1024u * 1024u + 12345u;
    uint8_t *data = malloc(size);
    REQUIRE(data);
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < size; i++) { /* xorshift: cheap, deterministic, not all one value */
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        data[i] = (uint8_t)x;
    }
    const char *path = testutil_write_file("big.bin", data, size);
    pqcha_backend *b = file_backend();
    REQUIRE(path && b);
    CHECK_OK(pqcha_file_backend_add(b, "w", "big", path, 0, 0));
    pqcha_region *r = only_region(b);
    REQUIRE(r);
    CHECK(pqcha_region_size(r) == size);
    char hex[65], want[65];
    sha3_hex(want, data, size);
    CHECK_OK(digest_hex(hex, b, r));
    CHECK_STR(hex, want);
    pqcha_region_free(r);
    pqcha_backend_free(b);
    free(data);
}

static void test_regions_per_workload_in_order(void) {
    const char *path = testutil_write_file("two.bin", "abcdef", 6);
    pqcha_backend *b = file_backend();
    REQUIRE(path && b);
    CHECK_OK(pqcha_file_backend_add(b, "w", "second-half", path, 3, 3));
    CHECK_OK(pqcha_file_backend_add(b, "other", "second-half", path, 0, 3));
    CHECK_OK(pqcha_file_backend_add(b, "w", "first-half", path, 0, 3));
    pqcha_region **list = NULL;
    size_t n = 0;
    CHECK_OK(pqcha_backend_list_regions(b, "w", &list, &n));
    REQUIRE(n == 2);
    CHECK_STR(pqcha_region_id(list[0]), "second-half");
    CHECK_STR(pqcha_region_id(list[1]), "first-half");
    char hex[65], want[65];
    sha3_hex(want, "def", 3);
    CHECK_OK(digest_hex(hex, b, list[0]));
    CHECK_STR(hex, want);
    pqcha_region_list_free(list, n);
    pqcha_backend_free(b);
}

TEST_MAIN(TEST(test_whole_file), TEST(test_byte_range), TEST(test_length_zero_means_to_end),
          TEST(test_range_beyond_eof), TEST(test_missing_file), TEST(test_truncated_after_add),
          TEST(test_file_removed_after_add), TEST(test_multi_mib_file),
          TEST(test_regions_per_workload_in_order))
