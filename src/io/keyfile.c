/* keyfile.c — key files on disk. Private keys are created 0600 from the first
 * byte (never written world-readable and chmod'ed afterwards), and an
 * existing key is only replaced on request, atomically, so a crash never
 * leaves a half-written or missing key behind. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/internal.h"
#include "io/fileio.h"

#define PRIVATE_KEY_MODE 0600
#define PUBLIC_KEY_MODE 0644

static pqcha_err write_all(int fd, const char *data, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return pqcha__errno_to_err(errno, PQCHA_ERR_IO);
        }
        data += n;
        len -= (size_t)n;
    }
    return PQCHA_OK;
}

/* Sets the final mode explicitly (the umask may have removed bits from a
 * public key, or a pre-existing temp name may carry others), writes, syncs. */
static pqcha_err fill_and_close(int fd, const char *data, size_t len, mode_t mode) {
    pqcha_err err = PQCHA_OK;
    if (fchmod(fd, mode) != 0)
        err = pqcha__errno_to_err(errno, PQCHA_ERR_IO);
    if (err == PQCHA_OK)
        err = write_all(fd, data, len);
    if (err == PQCHA_OK && fsync(fd) != 0)
        err = pqcha__errno_to_err(errno, PQCHA_ERR_IO);
    if (close(fd) != 0 && err == PQCHA_OK)
        err = pqcha__errno_to_err(errno, PQCHA_ERR_IO);
    return err;
}

static pqcha_err write_new_file(const char *path, const char *data, size_t len, mode_t mode) {
    /* O_EXCL refuses an existing file and, with O_NOFOLLOW, a planted symlink. */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 0600);
    if (fd < 0)
        return pqcha__errno_to_err(errno, PQCHA_ERR_IO);
    pqcha_err err = fill_and_close(fd, data, len, mode);
    if (err != PQCHA_OK)
        unlink(path);
    return err;
}

/* "<dir>/.<base>.tmp-XXXXXX" next to path, so rename() stays in one file system. */
static char *temp_name_for(const char *path) {
    const char *slash = strrchr(path, '/');
    size_t dir_len = slash ? (size_t)(slash - path) + 1 : 0;
    const char *base = path + dir_len;
    size_t need = dir_len + 1 + strlen(base) + sizeof ".tmp-XXXXXX";
    char *tmp = malloc(need);
    if (tmp == NULL)
        return NULL;
    memcpy(tmp, path, dir_len);
    snprintf(tmp + dir_len, need - dir_len, ".%s.tmp-XXXXXX", base);
    return tmp;
}

/* Makes a rename durable: the new directory entry reaches the disk. Best
 * effort, since some file systems refuse fsync on a directory. */
static void sync_parent_dir(const char *path) {
    const char *slash = strrchr(path, '/');
    char *dir = slash == NULL ? pqcha__strdup(".")
                              : pqcha__strndup(path, slash == path ? 1 : (size_t)(slash - path));
    if (dir == NULL)
        return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(dir);
}

static pqcha_err replace_file(const char *path, const char *data, size_t len, mode_t mode) {
    char *tmp = temp_name_for(path);
    if (tmp == NULL)
        return PQCHA_ERR_NO_MEMORY;
    int fd = mkstemp(tmp); /* created 0600 and exclusively */
    if (fd < 0) {
        pqcha_err err = pqcha__errno_to_err(errno, PQCHA_ERR_IO);
        free(tmp);
        return err;
    }
    pqcha_err err = fill_and_close(fd, data, len, mode);
    /* rename replaces a symlink at path itself, never the file it points to. */
    if (err == PQCHA_OK && rename(tmp, path) != 0)
        err = pqcha__errno_to_err(errno, PQCHA_ERR_IO);
    if (err == PQCHA_OK)
        sync_parent_dir(path);
    else
        unlink(tmp);
    free(tmp);
    return err;
}

static pqcha_err write_key_file(const char *path, const char *data, size_t len, mode_t mode,
                                int force) {
    return force ? replace_file(path, data, len, mode) : write_new_file(path, data, len, mode);
}

pqcha_err pqcha_key_save_private(const pqcha_key *key, const char *path, int force) {
    if (key == NULL || path == NULL || path[0] == '\0')
        return PQCHA_ERR_INVALID_ARGUMENT;
    char *pem = NULL;
    size_t pem_len = 0;
    PQCHA_TRY(pqcha_key_private_pem(&pem, &pem_len, key));
    pqcha_err err = write_key_file(path, pem, pem_len, PRIVATE_KEY_MODE, force);
    pqcha_free_secret(pem, pem_len);
    return err;
}

pqcha_err pqcha_key_save_public(const pqcha_key *key, const char *path, int force) {
    if (key == NULL || path == NULL || path[0] == '\0')
        return PQCHA_ERR_INVALID_ARGUMENT;
    char *pem = NULL;
    size_t pem_len = 0;
    PQCHA_TRY(pqcha_key_public_pem(&pem, &pem_len, key));
    pqcha_err err = write_key_file(path, pem, pem_len, PUBLIC_KEY_MODE, force);
    pqcha_free(pem);
    return err;
}

/* Reads at most PQCHA_MAX_PEM_LEN bytes; one byte more proves the file is
 * too large even if it grew after fstat. */
static pqcha_err read_capped(int fd, char *buf, size_t cap, size_t *out_len) {
    size_t total = 0;
    for (;;) {
        ssize_t n = read(fd, buf + total, cap + 1 - total);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return PQCHA_ERR_IO;
        }
        if (n == 0)
            break;
        total += (size_t)n;
        if (total > cap)
            return PQCHA_ERR_TOO_LARGE;
    }
    *out_len = total;
    return PQCHA_OK;
}

static pqcha_err load_from_fd(pqcha_key **out, int fd, int *loose_permissions) {
    struct stat st;
    if (fstat(fd, &st) != 0)
        return pqcha__errno_to_err(errno, PQCHA_ERR_IO);
    if (!S_ISREG(st.st_mode))
        return PQCHA_ERR_IO;
    if (st.st_size > (off_t)PQCHA_MAX_PEM_LEN)
        return PQCHA_ERR_TOO_LARGE;

    char *buf = malloc(PQCHA_MAX_PEM_LEN + 1);
    if (buf == NULL)
        return PQCHA_ERR_NO_MEMORY;
    size_t len = 0;
    pqcha_err err = read_capped(fd, buf, PQCHA_MAX_PEM_LEN, &len);
    if (err == PQCHA_OK)
        err = pqcha_key_from_pem(out, buf, len);
    pqcha_free_secret(buf, PQCHA_MAX_PEM_LEN + 1); /* it may hold a private key */
    if (err == PQCHA_OK && loose_permissions != NULL)
        *loose_permissions = pqcha_key_has_private(*out) && (st.st_mode & 077) != 0;
    return err;
}

pqcha_err pqcha_key_load(pqcha_key **out, const char *path, int *loose_permissions) {
    if (out == NULL || path == NULL)
        return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (loose_permissions != NULL)
        *loose_permissions = 0;
    /* O_NONBLOCK so a FIFO at path cannot hang us before the S_ISREG check. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return pqcha__errno_to_err(errno, PQCHA_ERR_IO);
    pqcha_err err = load_from_fd(out, fd, loose_permissions);
    close(fd);
    return err;
}
