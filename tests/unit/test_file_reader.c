/* test_file_reader.c — pqcha__file_stream: the same bytes in the same order
 * for every size around the ring's piece and ring boundaries, the exact
 * error for a file truncated while it is read, a failed read and a failing
 * sink, and nothing read for an empty range. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "io/file_reader.h"
#include "testutil.h"

#define PIECE ((uint64_t)PQCHA__READ_AHEAD_CHUNK)
#define RING  ((uint64_t)PQCHA__READ_AHEAD_SLOTS * PIECE)

/* What the sink saw: the digest of every byte, in order, and the pieces. */
typedef struct collected {
    pqcha_hasher *hasher;
    uint64_t bytes;
    size_t calls;
    size_t largest;
    const char *truncate_path; /* cut to truncate_to at the first call */
    uint64_t truncate_to;
    size_t fail_at_call; /* 0: never */
} collected;

static pqcha_err collect(void *ctx, const uint8_t *data, size_t len) {
    collected *c = ctx;
    c->calls++;
    if (len > c->largest) c->largest = len;
    c->bytes += len;
    if (c->truncate_path != NULL && c->calls == 1 &&
        truncate(c->truncate_path, (off_t)c->truncate_to) != 0)
        CHECK_FAILED("truncate");
    if (c->fail_at_call == c->calls) return PQCHA_ERR_CRYPTO;
    return pqcha_hasher_update(c->hasher, data, len);
}

/* Byte i of every test file: no piece repeats another, so a piece handed
 * over twice or out of order changes the digest. */
static uint8_t pattern(uint64_t i) {
    return (uint8_t)((i * 2654435761u) >> 13);
}

static uint8_t *pattern_bytes(uint64_t n) {
    uint8_t *b = malloc(n ? (size_t)n : 1);
    for (uint64_t i = 0; b != NULL && i < n; i++)
        b[i] = pattern(i);
    return b;
}

/* A file of size pattern bytes; its path, or NULL. */
static const char *pattern_file(const char *name, uint64_t size) {
    uint8_t *bytes = pattern_bytes(size);
    const char *path = bytes != NULL ? testutil_write_file(name, bytes, size) : NULL;
    free(bytes);
    return path;
}

/* Streams [offset, offset+size) of path; the digest of what the sink saw. */
static pqcha_err stream_file(const char *path, uint64_t offset, uint64_t size, collected *c,
                             uint8_t digest[PQCHA_SHA3_256_LEN]) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return PQCHA_ERR_NOT_FOUND;
    pqcha_err err = pqcha_hasher_create(&c->hasher, PQCHA_DIGEST_SHA3_256_TREE);
    if (err == PQCHA_OK)
        err = pqcha__file_stream(fd, offset, size, PQCHA_ERR_BACKEND_IO, collect, c);
    if (err == PQCHA_OK) err = pqcha_hasher_final(c->hasher, digest, PQCHA_SHA3_256_LEN);
    pqcha_hasher_free(c->hasher);
    c->hasher = NULL;
    close(fd);
    return err;
}

static void check_range(const uint8_t *bytes, uint64_t file_len, uint64_t offset, uint64_t size) {
    const char *path = testutil_write_file("range.bin", bytes, file_len);
    REQUIRE(path != NULL);
    collected c = {0};
    uint8_t got[PQCHA_SHA3_256_LEN], want[PQCHA_SHA3_256_LEN];
    CHECK_OK(stream_file(path, offset, size, &c, got));
    CHECK_OK(pqcha_digest(want, sizeof want, PQCHA_DIGEST_SHA3_256_TREE, bytes + offset,
                          (size_t)size, 1));
    CHECK(memcmp(got, want, sizeof got) == 0);
    CHECK(c.bytes == size);
    CHECK(c.largest <= PIECE);
    CHECK(c.calls == (size + PIECE - 1) / PIECE);
    if (memcmp(got, want, sizeof got) != 0)
        fprintf(stderr, "    (offset %llu, size %llu)\n", (unsigned long long)offset,
                (unsigned long long)size);
}

/* Every size around a piece, a ring and a piece past the ring, at offset 0
 * and at an odd offset: the digest equals the in-memory digest. */
static void test_sizes_around_boundaries(void) {
    static const uint64_t sizes[] = {
        1,        2,    4095,     PIECE - 1,        PIECE, PIECE + 1, 2 * PIECE,
        RING - 1, RING, RING + 1, RING + PIECE + 17};
    static const uint64_t offsets[] = {0, 4097};
    uint64_t most = RING + PIECE + 17 + 4097 + 100; /* the longest file check_range writes */
    uint8_t *bytes = pattern_bytes(most);
    REQUIRE(bytes != NULL);
    for (size_t o = 0; o < sizeof offsets / sizeof offsets[0]; o++)
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
            check_range(bytes, offsets[o] + sizes[s] + 100, offsets[o], sizes[s]);
    free(bytes);
}

/* Exactly one piece: read on this thread, one call. */
static void test_exactly_one_piece(void) {
    uint8_t *bytes = pattern_bytes(PIECE);
    REQUIRE(bytes != NULL);
    check_range(bytes, PIECE, 0, PIECE);
    free(bytes);
}

static void test_empty_range_reads_nothing(void) {
    const char *path = testutil_write_file("empty.bin", NULL, 0);
    REQUIRE(path != NULL);
    int fd = open(path, O_RDONLY);
    REQUIRE(fd >= 0);
    collected c = {0};
    CHECK_OK(pqcha__file_stream(fd, 0, 0, PQCHA_ERR_BACKEND_IO, collect, &c));
    CHECK(c.calls == 0);
    close(fd);
    CHECK_ERR(pqcha__file_stream(fd, 0, 1, PQCHA_ERR_BACKEND_IO, NULL, NULL),
              PQCHA_ERR_INVALID_ARGUMENT);
}

/* The file is cut to half while the first piece is hashed: the reader
 * (at most a ring ahead) meets the end before the range's end. */
static void test_truncated_while_read(void) {
    uint64_t size = 4 * RING;
    const char *path = pattern_file("shrinking.bin", size);
    REQUIRE(path != NULL);
    collected c = {0};
    c.truncate_path = path;
    c.truncate_to = size / 2;
    uint8_t digest[PQCHA_SHA3_256_LEN];
    CHECK_ERR(stream_file(path, 0, size, &c, digest), PQCHA_ERR_REGION_CHANGED);
    CHECK(c.bytes <= size / 2);
}

/* A range that is already past the end of the file (one piece, and a ring). */
static void test_file_shorter_than_range(void) {
    const char *path = pattern_file("short.bin", PIECE);
    REQUIRE(path != NULL);
    collected c = {0};
    uint8_t digest[PQCHA_SHA3_256_LEN];
    CHECK_ERR(stream_file(path, 1, PIECE, &c, digest), PQCHA_ERR_REGION_CHANGED);
    collected d = {0};
    CHECK_ERR(stream_file(path, 0, 3 * PIECE, &d, digest), PQCHA_ERR_REGION_CHANGED);
    CHECK(d.bytes <= PIECE); /* the whole file, then the end where more was due */
}

/* read(2) fails (a directory: EISDIR; the CLI test injects EIO): the
 * caller's I/O error, on the small path and on the ring's thread alike. */
static void test_read_error_is_io_error(void) {
    int fd = open(testutil_tmpdir(), O_RDONLY | O_DIRECTORY);
    REQUIRE(fd >= 0);
    collected c = {0};
    CHECK_ERR(pqcha__file_stream(fd, 0, 10, PQCHA_ERR_BACKEND_IO, collect, &c),
              PQCHA_ERR_BACKEND_IO);
    CHECK_ERR(pqcha__file_stream(fd, 0, 2 * RING, PQCHA_ERR_IO, collect, &c), PQCHA_ERR_IO);
    CHECK(c.calls == 0);
    close(fd);
    int pipe_fds[2];
    REQUIRE(pipe(pipe_fds) == 0);
    CHECK_ERR(pqcha__file_stream(pipe_fds[0], 0, 10, PQCHA_ERR_BACKEND_IO, collect, &c),
              PQCHA_ERR_BACKEND_IO); /* cannot seek */
    close(pipe_fds[0]);
    close(pipe_fds[1]);
}

/* The sink's error is returned as it is and the reader stops (the call
 * returns: the reader thread was joined, not left waiting for a slot). */
static void test_sink_error_stops_reader(void) {
    uint64_t size = 3 * RING;
    const char *path = pattern_file("sinkfail.bin", size);
    REQUIRE(path != NULL);
    collected c = {0};
    c.fail_at_call = 2;
    uint8_t digest[PQCHA_SHA3_256_LEN];
    CHECK_ERR(stream_file(path, 0, size, &c, digest), PQCHA_ERR_CRYPTO);
    CHECK(c.calls == 2);
}

/* The file backend's digests equal the in-memory ones, for every algorithm. */
static void test_file_backend_digests_match_memory(void) {
    static const pqcha_digest_alg algs[] = {PQCHA_DIGEST_SHA3_256, PQCHA_DIGEST_SHA3_256_TREE,
                                            PQCHA_DIGEST_K12};
    uint64_t size = RING + 3 * PIECE + 12345;
    uint8_t *bytes = pattern_bytes(size);
    REQUIRE(bytes != NULL);
    const char *path = testutil_write_file("backend.bin", bytes, size);
    REQUIRE(path != NULL);
    pqcha_backend *b = NULL;
    CHECK_OK(pqcha_backend_create(&b, "file"));
    CHECK_OK(pqcha_file_backend_add(b, "w", "r", path, 0, 0));
    pqcha_region **list = NULL;
    size_t n = 0;
    CHECK_OK(pqcha_backend_list_regions(b, "w", &list, &n));
    for (size_t a = 0; n == 1 && a < sizeof algs / sizeof algs[0]; a++) {
        uint8_t got[PQCHA_SHA3_256_LEN], want[PQCHA_SHA3_256_LEN];
        CHECK_OK(pqcha_backend_digest(b, "w", list[0], algs[a], 2, got, sizeof got));
        CHECK_OK(pqcha_digest(want, sizeof want, algs[a], bytes, (size_t)size, 2));
        CHECK(memcmp(got, want, sizeof got) == 0);
    }
    pqcha_region_list_free(list, n);
    pqcha_backend_free(b);
    free(bytes);
}

TEST_MAIN(TEST(test_sizes_around_boundaries), TEST(test_exactly_one_piece),
          TEST(test_empty_range_reads_nothing), TEST(test_truncated_while_read),
          TEST(test_file_shorter_than_range), TEST(test_read_error_is_io_error),
          TEST(test_sink_error_stops_reader), TEST(test_file_backend_digests_match_memory))
