/* process_model.c — the model file behind a mapping (process_model.h). */
#define _GNU_SOURCE
#include "io/process_model.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/internal.h"
#include "io/fileio.h"

static pqcha_err open_checked(int *fd_out, const char *path, uint64_t inode) {
    int fd;
    do
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return errno == EPERM || errno == EACCES ? PQCHA_ERR_PERMISSION
                                                 : pqcha__errno_to_err(errno, PQCHA_ERR_IO);
    struct stat st;
    /* The inode, not the device: overlayfs and btrfs show another device in
     * the memory map than stat does. */
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_ino != inode) {
        close(fd);
        return PQCHA_ERR_REGION_CHANGED;
    }
    *fd_out = fd;
    return PQCHA_OK;
}

pqcha_err pqcha__open_mapped_file(int *fd, int pid, const pqcha__map_entry *e) {
    if (fd == NULL || e == NULL || e->path == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    if (!e->deleted && open_checked(fd, e->path, e->inode) == PQCHA_OK) return PQCHA_OK;
    char link[96];
    snprintf(link, sizeof link, "/proc/%d/map_files/%llx-%llx", pid, (unsigned long long)e->start,
             (unsigned long long)e->end);
    pqcha_err err = open_checked(fd, link, e->inode);
    return err == PQCHA_ERR_NOT_FOUND ? PQCHA_ERR_REGION_CHANGED : err;
}

pqcha_err pqcha__mapped_file_header(pqcha__model_header *out, int pid, const pqcha__map_entry *e,
                                    uint64_t file_size, pqcha__diag *diag) {
    int fd = -1;
    PQCHA_TRY(pqcha__open_mapped_file(&fd, pid, e));
    pqcha_err err = pqcha__model_header_read(out, fd, file_size, diag);
    close(fd);
    return err;
}
