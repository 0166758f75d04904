/* fileio.c — see fileio.h. */
#include "io/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

pqcha_err pqcha__errno_to_err(int e, pqcha_err otherwise) {
    pqcha_err err = pqcha_error_from_errno(e);
    return err == PQCHA_ERR_IO ? otherwise : err;
}

pqcha_err pqcha__open_regular_file(int *fd_out, uint64_t *size_out, const char *path,
                                   pqcha_err io_error) {
    int fd;
    do
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) return pqcha__errno_to_err(errno, io_error);
    struct stat st;
    /* Only regular files have a size that means "the bytes we will read". */
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0) {
        int dir = S_ISDIR(st.st_mode);
        close(fd);
        return dir ? PQCHA_ERR_IS_DIRECTORY : io_error;
    }
    *fd_out = fd;
    *size_out = (uint64_t)st.st_size;
    return PQCHA_OK;
}
