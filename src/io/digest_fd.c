/* digest_fd.c — the digest of everything an open file descriptor yields:
 * what `pqcha hash` prints and the Python binding's digest_file computes.
 *
 * A regular file goes through the "file" backend, whose hashing threads each
 * read the part they hash (docs/PERFORMANCE.md, "Files"); it is reopened as
 * /proc/self/fd/N, so the bytes are those of the very file fd is, not of
 * whatever its name points at by now. Pipes, sockets, character devices and
 * files whose size says nothing (/proc) are read in turn until end of file.
 * A regular file that was truncated, extended or rewritten while it was read
 * gets no digest (REGION_CHANGED): it would be a digest of neither version. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/internal.h"
#include "pqcha/backend.h"
#include "pqcha/files.h"

/* Large enough that every thread of the parallel digests gets whole batches of leaves. */
#define DIGEST_FD_CHUNK (8u * 1024u * 1024u)

/* The identity and extent of a regular file, to tell whether it changed. */
typedef struct file_state {
    int regular;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
} file_state;

static void file_state_of(int fd, file_state *fs) {
    struct stat st;
    memset(fs, 0, sizeof(*fs));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return;
    fs->regular = 1;
    fs->dev = st.st_dev;
    fs->ino = st.st_ino;
    fs->size = st.st_size;
    fs->mtime = st.st_mtim;
}

static int file_unchanged(const file_state *before, const file_state *after, uint64_t bytes) {
    return !before->regular ||
           (after->regular && after->dev == before->dev && after->ino == before->ino &&
            after->size == before->size && (uint64_t)after->size == bytes &&
            after->mtime.tv_sec == before->mtime.tv_sec &&
            after->mtime.tv_nsec == before->mtime.tv_nsec);
}

/* The caller's progress callback and the byte count so far. */
typedef struct fd_feed {
    pqcha_hasher *hasher;
    pqcha_progress_fn progress;
    void *progress_ctx;
    uint64_t total;
} fd_feed;

static void count_hashed(void *ctx, uint64_t bytes_done) {
    fd_feed *feed = ctx;
    feed->total = bytes_done;
    if (feed->progress != NULL) feed->progress(feed->progress_ctx, bytes_done);
}

/* Reads fd to its end, hashing each chunk as it arrives. */
static pqcha_err read_to_end(int fd, fd_feed *feed) {
    uint8_t *chunk = malloc(DIGEST_FD_CHUNK);
    pqcha_err err = chunk == NULL ? PQCHA_ERR_NO_MEMORY : PQCHA_OK;
    while (err == PQCHA_OK) {
        ssize_t n = read(fd, chunk, DIGEST_FD_CHUNK);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n < 0)
                err = errno == EISDIR ? PQCHA_ERR_IS_DIRECTORY : pqcha_error_from_errno(errno);
            break;
        }
        err = pqcha_hasher_update(feed->hasher, chunk, (size_t)n);
        if (err == PQCHA_OK) count_hashed(feed, feed->total + (uint64_t)n);
    }
    free(chunk);
    return err;
}

/* Hashes a regular file of `size` bytes through the file backend. Returns 0,
 * having read nothing, where that is not possible (no /proc): the caller
 * then reads fd itself. */
static int hash_by_backend(int fd, uint64_t size, fd_feed *feed, pqcha_err *err) {
    pqcha_backend *backend = NULL;
    pqcha_region **regions = NULL;
    size_t count = 0;
    char path[64];

    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    if (pqcha_backend_create(&backend, "file") != PQCHA_OK) return 0;
    if (pqcha_file_backend_add(backend, "digest", "input", path, 0, size) != PQCHA_OK ||
        pqcha_backend_list_regions(backend, "digest", &regions, &count) != PQCHA_OK || count != 1) {
        pqcha_region_list_free(regions, count);
        pqcha_backend_free(backend);
        return 0;
    }
    *err = pqcha_hasher_set_progress(feed->hasher, count_hashed, feed);
    if (*err == PQCHA_OK) *err = pqcha_backend_hash(backend, "digest", regions[0], feed->hasher);
    pqcha_region_list_free(regions, count);
    pqcha_backend_free(backend);
    return 1;
}

static pqcha_err check_arguments(const uint8_t *out, size_t out_len, pqcha_digest_alg alg, int fd) {
    size_t need = pqcha_digest_alg_length(alg);
    if (out == NULL || fd < 0) return PQCHA_ERR_INVALID_ARGUMENT;
    if (need == 0 || alg == PQCHA_DIGEST_SHA3_256_SEGMENTS) return PQCHA_ERR_UNSUPPORTED_ALGORITHM;
    return out_len < need ? PQCHA_ERR_INVALID_ARGUMENT : PQCHA_OK;
}

pqcha_err pqcha_digest_fd(uint8_t *out, size_t out_len, pqcha_digest_alg alg, int fd,
                          unsigned threads, pqcha_progress_fn progress, void *progress_ctx) {
    fd_feed feed = {NULL, progress, progress_ctx, 0};
    file_state before, after;
    pqcha_err err = check_arguments(out, out_len, alg, fd);

    if (err != PQCHA_OK) return err;
    memset(out, 0, out_len);
    PQCHA_TRY(pqcha_hasher_create(&feed.hasher, alg));
    err = pqcha_hasher_set_threads(feed.hasher, threads);
    file_state_of(fd, &before);
    if (err == PQCHA_OK && !(before.regular && before.size > 0 &&
                             hash_by_backend(fd, (uint64_t)before.size, &feed, &err)))
        err = read_to_end(fd, &feed);
    file_state_of(fd, &after);
    if (err == PQCHA_OK && !file_unchanged(&before, &after, feed.total))
        err = PQCHA_ERR_REGION_CHANGED;
    if (err == PQCHA_OK) err = pqcha_hasher_final(feed.hasher, out, out_len);
    pqcha_hasher_free(feed.hasher);
    if (err != PQCHA_OK) memset(out, 0, out_len);
    return err;
}
