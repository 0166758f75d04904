/* test_digest_fd.c — pqcha_digest_fd: regular files (whole, whatever the
 * offset, by several threads) and pipes give the digest of their bytes in
 * every algorithm; a file that changes while it is hashed gets no digest;
 * each bad argument has its own error. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#define BIG_LEN (24u * 1024u * 1024u + 12345u) /* several chunks and an odd tail */

static uint8_t *pattern(size_t len) {
    uint8_t *p = malloc(len);
    for (size_t i = 0; p != NULL && i < len; i++)
        p[i] = (uint8_t)(i * 2654435761u >> 13);
    return p;
}

static const pqcha_digest_alg streamable[] = {PQCHA_DIGEST_SHA3_256, PQCHA_DIGEST_SHA3_256_TREE,
                                              PQCHA_DIGEST_K12};

static void test_regular_file_every_algorithm(void) {
    uint8_t *data = pattern(BIG_LEN);
    const char *path = testutil_write_file("big.bin", data, BIG_LEN);
    REQUIRE(data && path);
    int fd = open(path, O_RDONLY);
    REQUIRE(fd >= 0);
    REQUIRE(lseek(fd, 1000, SEEK_SET) == 1000); /* the offset does not matter... */
    for (size_t a = 0; a < sizeof streamable / sizeof streamable[0]; a++) {
        uint8_t want[32], got[32];
        CHECK_OK(pqcha_digest(want, sizeof want, streamable[a], data, BIG_LEN, 1));
        CHECK_OK(pqcha_digest_fd(got, sizeof got, streamable[a], fd, 2, NULL, NULL));
        CHECK(memcmp(want, got, sizeof want) == 0);
    }
    CHECK(lseek(fd, 0, SEEK_CUR) == 1000); /* ...and is left where it was */
    close(fd);
    free(data);
}

static void test_empty_file(void) {
    const char *path = testutil_write_file("empty.bin", NULL, 0);
    REQUIRE(path);
    int fd = open(path, O_RDONLY);
    REQUIRE(fd >= 0);
    uint8_t want[32], got[32];
    CHECK_OK(pqcha_digest(want, sizeof want, PQCHA_DIGEST_SHA3_256, "", 0, 1));
    CHECK_OK(pqcha_digest_fd(got, sizeof got, PQCHA_DIGEST_SHA3_256, fd, 1, NULL, NULL));
    CHECK(memcmp(want, got, sizeof want) == 0);
    close(fd);
}

/* A child writes the pattern into the pipe in odd-sized pieces. */
static void test_pipe(void) {
    enum { PIPE_LEN = 3 * 1024 * 1024 + 7 };
    uint8_t *data = pattern(PIPE_LEN);
    int fds[2];
    REQUIRE(data && pipe(fds) == 0);
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        close(fds[0]);
        for (size_t off = 0; off < PIPE_LEN; off += 65537) {
            size_t n = PIPE_LEN - off < 65537 ? PIPE_LEN - off : 65537;
            if (write(fds[1], data + off, n) != (ssize_t)n) _exit(1);
        }
        _exit(0);
    }
    close(fds[1]);
    uint8_t want[32], got[32];
    CHECK_OK(pqcha_digest(want, sizeof want, PQCHA_DIGEST_SHA3_256_TREE, data, PIPE_LEN, 1));
    CHECK_OK(pqcha_digest_fd(got, sizeof got, PQCHA_DIGEST_SHA3_256_TREE, fds[0], 0, NULL, NULL));
    CHECK(memcmp(want, got, sizeof want) == 0);
    int status = 0;
    CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(fds[0]);
    free(data);
}

/* The progress callback appends to the file being hashed: deterministic
 * "changed while it was read". It also records the last count it saw. */
typedef struct grower {
    const char *path;
    int appended;
    uint64_t last;
} grower;

static void append_once(void *ctx, uint64_t bytes_done) {
    grower *g = ctx;
    g->last = bytes_done;
    if (g->appended || bytes_done == 0) return;
    g->appended = 1;
    int fd = open(g->path, O_WRONLY | O_APPEND);
    if (fd >= 0) {
        (void)!write(fd, "x", 1);
        close(fd);
    }
}

static void count_only(void *ctx, uint64_t bytes_done) {
    ((grower *)ctx)->last = bytes_done;
}

static void test_file_changed_while_hashed(void) {
    uint8_t *data = pattern(BIG_LEN);
    const char *path = testutil_write_file("growing.bin", data, BIG_LEN);
    REQUIRE(data && path);
    grower g = {path, 0, 0};
    int fd = open(path, O_RDONLY);
    REQUIRE(fd >= 0);
    uint8_t got[32];
    CHECK_ERR(pqcha_digest_fd(got, sizeof got, PQCHA_DIGEST_SHA3_256, fd, 1, append_once, &g),
              PQCHA_ERR_REGION_CHANGED);
    CHECK(g.appended);
    static const uint8_t zero[32];
    CHECK(memcmp(got, zero, sizeof got) == 0); /* no digest of neither version */
    g.appended = 1;                            /* unchanged now: a digest, progress to the end */
    CHECK_OK(pqcha_digest_fd(got, sizeof got, PQCHA_DIGEST_SHA3_256, fd, 1, count_only, &g));
    CHECK(g.last == BIG_LEN + 1);
    close(fd);
    free(data);
}

static void test_bad_arguments(void) {
    uint8_t out[32];
    int fd = open(testutil_tmpdir(), O_RDONLY | O_DIRECTORY);
    REQUIRE(fd >= 0);
    CHECK_ERR(pqcha_digest_fd(out, sizeof out, PQCHA_DIGEST_SHA3_256, fd, 1, NULL, NULL),
              PQCHA_ERR_IS_DIRECTORY);
    close(fd);
    CHECK_ERR(pqcha_digest_fd(NULL, 32, PQCHA_DIGEST_SHA3_256, 0, 1, NULL, NULL),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_digest_fd(out, 31, PQCHA_DIGEST_SHA3_256, 0, 1, NULL, NULL),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_digest_fd(out, sizeof out, PQCHA_DIGEST_SHA3_256, -1, 1, NULL, NULL),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_digest_fd(out, sizeof out, PQCHA_DIGEST_SHA3_256_SEGMENTS, 0, 1, NULL, NULL),
              PQCHA_ERR_UNSUPPORTED_ALGORITHM);
    CHECK_ERR(pqcha_digest_fd(out, sizeof out, (pqcha_digest_alg)99, 0, 1, NULL, NULL),
              PQCHA_ERR_UNSUPPORTED_ALGORITHM);
}

TEST_MAIN(TEST(test_regular_file_every_algorithm), TEST(test_empty_file), TEST(test_pipe),
          TEST(test_file_changed_while_hashed), TEST(test_bad_arguments))
