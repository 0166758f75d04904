/* line_file.c — append-only files of whole lines (line_file.h). */
#include "line_file.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

void line_file_stdout(struct line_file *f) {
    f->fd = STDOUT_FILENO;
    f->name = "standard output";
    f->is_file = 0;
}

/* Where the last complete line ends: the file is cut back to it. Reads
 * backwards in blocks, so a long torn tail costs no more than reading it. */
static int find_last_newline(int fd, off_t size, off_t *end) {
    char block[4096];
    off_t at = size;
    while (at > 0) {
        size_t n = at < (off_t)sizeof block ? (size_t)at : sizeof block;
        at -= (off_t)n;
        if (pread(fd, block, n, at) != (ssize_t)n) return 0;
        while (n > 0)
            if (block[--n] == '\n') {
                *end = at + (off_t)n + 1;
                return 1;
            }
    }
    *end = 0;
    return 1;
}

/* A line torn by a kill, a full disk or an I/O error of an earlier run is
 * removed before anything is appended after it. */
static int repair_torn_tail(const struct line_file *f) {
    struct stat st;
    char last;
    off_t end = 0;
    if (fstat(f->fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) return 1;
    if (pread(f->fd, &last, 1, st.st_size - 1) != 1) return 0;
    if (last == '\n') return 1;
    if (!find_last_newline(f->fd, st.st_size, &end) || ftruncate(f->fd, end) != 0 ||
        fsync(f->fd) != 0)
        return 0;
    cli_warnf("%s: removed a torn last line of %lld bytes left by an interrupted run",
              cli_escaped(f->name), (long long)(st.st_size - end));
    return 1;
}

int line_file_open(struct line_file *f, const char *path) {
    int ok;
    f->fd =
        open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644); /* read: the tail */
    if (f->fd < 0) {
        cli_error(path, cli_error_from_errno(errno), NULL);
        return 0;
    }
    f->name = path;
    f->is_file = 1;
    /* Locked, so that a second writer appending to the same file never
     * sees (and cuts) a line in the middle of being written. */
    ok = flock(f->fd, LOCK_EX) == 0 && repair_torn_tail(f);
    if (!ok) cli_error(path, cli_error_from_errno(errno), NULL);
    flock(f->fd, LOCK_UN);
    if (!ok) {
        close(f->fd);
        f->fd = -1;
    }
    return ok;
}

/* One line in one write(), under the lock: concurrent writers never
 * interleave. A short write (a full disk) is cut back off, so the file ends
 * with a whole line either way; the line is fsync'd before this returns. */
pqcha_err line_file_append(const struct line_file *f, const char *line, size_t len) {
    struct stat st;
    ssize_t n;
    pqcha_err err = PQCHA_OK;
    if (!f->is_file) {
        n = write(f->fd, line, len);
        return n == (ssize_t)len ? PQCHA_OK : n < 0 ? cli_error_from_errno(errno) : PQCHA_ERR_IO;
    }
    if (flock(f->fd, LOCK_EX) != 0 || fstat(f->fd, &st) != 0) return cli_error_from_errno(errno);
    n = write(f->fd, line, len);
    if (n != (ssize_t)len) {
        err = n < 0 ? cli_error_from_errno(errno) : PQCHA_ERR_NO_SPACE;
        if (ftruncate(f->fd, st.st_size) != 0)
            cli_warnf("%s: could not remove a partly written line", cli_escaped(f->name));
    } else if (fsync(f->fd) != 0) {
        err = cli_error_from_errno(errno);
    }
    flock(f->fd, LOCK_UN);
    return err;
}

pqcha_err line_file_close(struct line_file *f) {
    int rc = f->is_file && f->fd >= 0 ? close(f->fd) : 0;
    if (f->is_file) f->fd = -1;
    return rc == 0 ? PQCHA_OK : cli_error_from_errno(errno);
}
