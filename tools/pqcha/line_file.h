/* line_file.h — an append-only file of whole lines, as `pqcha watch` writes
 * its reports and `pqcha agent` its receipts: each line in one write()
 * under a lock (two writers never interleave), fsync'd before the call
 * returns; a line torn by a kill or a full disk is removed, never
 * continued (at open, and after a short write). Standard output works too,
 * without the lock, the repair or the fsync. */
#ifndef PQCHA_CLI_LINE_FILE_H
#define PQCHA_CLI_LINE_FILE_H

#include <stddef.h>

#include "pqcha/error.h"

struct line_file {
    int fd;           /* standard output, or the file opened for appending; -1: none */
    const char *name; /* for messages: the file, or "standard output" */
    int is_file;      /* lines are locked, checked and fsync'd */
};

/* Standard output. */
void line_file_stdout(struct line_file *f);
/* Opens (creates, 0644) path for appending and removes a torn last line.
 * Prints what fails; returns 1, or 0 with f->fd closed (-1). */
int line_file_open(struct line_file *f, const char *path);
/* One whole line (ending in '\n'), or nothing. Returns: OK, NO_SPACE (a
 * short write, cut back off), or the I/O error. */
pqcha_err line_file_append(const struct line_file *f, const char *line, size_t len);
/* Closes a file (not standard output). Returns: OK, or the I/O error. */
pqcha_err line_file_close(struct line_file *f);

#endif
