/* pqcha/files.h — writing files the way every pqcha file is written. */
#ifndef PQCHA_FILES_H
#define PQCHA_FILES_H

#include <stddef.h>

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

#ifdef __cplusplus
}
#endif
#endif
