/* fileio.h — opening files whose bytes pqcha measures or parses. */
#ifndef PQCHA_FILEIO_H
#define PQCHA_FILEIO_H

#include <stdint.h>

#include "pqcha/error.h"

/* Bytes read and handed to a hasher per step, by every backend and the
 * manifest builder: large enough to keep every hashing thread busy between
 * reads (parhash hashes whole batches of leaves), small enough that a read
 * costs a bounded buffer whatever the region's size. */
#define PQCHA__IO_CHUNK (8u * 1024u * 1024u)

/* The pqcha_err for a failed file system call: EEXIST -> FILE_EXISTS,
 * ENOENT/ENOTDIR -> NOT_FOUND, EACCES/EPERM -> PERMISSION, ENOSPC/EDQUOT ->
 * NO_SPACE, EISDIR -> IS_DIRECTORY, EROFS -> READ_ONLY, ENOMEM -> NO_MEMORY,
 * anything else -> otherwise. */
pqcha_err pqcha__errno_to_err(int e, pqcha_err otherwise);

/* Opens a regular file read-only and returns its size. Close-on-exec (a
 * fork+exec elsewhere in the process does not inherit it) and non-blocking
 * (a FIFO cannot hang the open before the regular-file check). Missing →
 * PQCHA_ERR_NOT_FOUND; anything else, or not a regular file → io_error. */
pqcha_err pqcha__open_regular_file(int *fd_out, uint64_t *size_out, const char *path,
                                   pqcha_err io_error);

#endif
