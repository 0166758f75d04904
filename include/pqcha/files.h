/* pqcha/files.h — files: writing them the way every pqcha file is written,
 * and the digest of what an open file yields. */
#ifndef PQCHA_FILES_H
#define PQCHA_FILES_H

#include <stddef.h>

#include <stdint.h>

#include "pqcha/crypto.h"
#include "pqcha/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Writes len bytes to path atomically and durably: into a new file in the
 * same directory (0600 until complete, then `mode`), fsync'd, given path's
 * name by rename (replace non-zero) or link (replace 0: an existing path is
 * PQCHA_ERR_FILE_EXISTS), and the directory fsync'd. A failure or a kill at
 * any moment leaves the old file or the new one, never a torn, spliced or
 * empty one; concurrent writers each publish a whole file (the last wins). A
 * temporary name left by a kill is removed by the next write of that path.
 * Errors name the cause: NO_SPACE, PERMISSION, READ_ONLY, IS_DIRECTORY,
 * NOT_FOUND (no such directory), IO.
 * Returns: OK, INVALID_ARGUMENT (path NULL, empty or ending in '/', data NULL
 * with len > 0, mode above 07777), FILE_EXISTS, NO_SPACE, PERMISSION,
 * READ_ONLY, IS_DIRECTORY, NOT_FOUND, IO, NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_file_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
                                  int replace);

/* The digest of what fd holds (pqcha_digest_alg_length(alg) bytes into
 * out): a regular file whole, from offset 0 to its size, hashed by
 * `threads` threads (as for pqcha_hasher_set_threads: 0 = all CPUs) that
 * each read the part they hash; a pipe, socket or device read in turn from
 * where it stands to its end.
 * progress (may be NULL) is called with the bytes hashed so far, from the
 * calling thread or a hashing thread, never concurrently. fd is not closed,
 * and a regular file's offset is left as it was.
 * Returns: OK, INVALID_ARGUMENT (out NULL or too short, fd negative),
 * UNSUPPORTED_ALGORITHM (unknown, or sha3-256-segments), REGION_CHANGED (a
 * regular file truncated, extended or rewritten while it was hashed: a
 * digest of neither version), IS_DIRECTORY, PERMISSION, IO, NO_MEMORY, CRYPTO. */
PQCHA_MUST_CHECK
pqcha_err pqcha_digest_fd(uint8_t *out, size_t out_len, pqcha_digest_alg alg, int fd,
                          unsigned threads, pqcha_progress_fn progress, void *progress_ctx);

#ifdef __cplusplus
}
#endif
#endif
