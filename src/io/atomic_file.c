/* atomic_file.c — atomic, durable file writes (atomic_file.h). */
#define _GNU_SOURCE /* O_TMPFILE */
#include "io/atomic_file.h"

#include "pqcha/files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/internal.h"
#include "io/fileio.h"

#define TEMP_MARK   ".pqcha-"
#define TEMP_SUFFIX ".tmp"

static pqcha_err from_errno(void) {
    return pqcha__errno_to_err(errno, PQCHA_ERR_IO);
}

/* The directory part of path ("." for a bare name), and the base name. */
static char *dir_of(const char *path) {
    const char *slash = strrchr(path, '/');
    if (slash == NULL) return pqcha__strdup(".");
    return pqcha__strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

static const char *base_of(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

pqcha_err pqcha__sync_parent_dir(const char *path) {
    char *dir = dir_of(path);
    if (dir == NULL) return PQCHA_ERR_NO_MEMORY;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (fd < 0) return from_errno();
    pqcha_err err = PQCHA_OK;
    /* Some file systems cannot sync a directory (EINVAL): nothing to wait for. */
    if (fsync(fd) != 0 && errno != EINVAL && errno != EROFS) err = from_errno();
    close(fd);
    return err;
}

/* ---- temporary names ---- */

/* ".<base>.pqcha-<pid>-<random>.tmp" beside target. */
static char *temp_name(const char *target) {
    uint8_t r[4];
    if (pqcha__random(r, sizeof r) != PQCHA_OK) return NULL;
    const char *base = base_of(target);
    size_t dir_len = (size_t)(base - target);
    size_t cap = dir_len + strlen(base) + 64;
    char *name = malloc(cap);
    if (name == NULL) return NULL;
    snprintf(name, cap, "%.*s.%s" TEMP_MARK "%ld-%02x%02x%02x%02x" TEMP_SUFFIX, (int)dir_len,
             target, base, (long)getpid(), r[0], r[1], r[2], r[3]);
    return name;
}

/* The pid in a temporary name of target's, or 0 if entry is none of them. */
static long temp_owner(const char *entry, const char *base) {
    size_t n = strlen(base), len = strlen(entry);
    if (len < n + sizeof TEMP_MARK + sizeof TEMP_SUFFIX || entry[0] != '.' ||
        strncmp(entry + 1, base, n) != 0 ||
        strncmp(entry + 1 + n, TEMP_MARK, strlen(TEMP_MARK)) != 0 ||
        strcmp(entry + len - strlen(TEMP_SUFFIX), TEMP_SUFFIX) != 0)
        return 0;
    char *end = NULL;
    long pid = strtol(entry + 1 + n + strlen(TEMP_MARK), &end, 10);
    return end != NULL && *end == '-' && pid > 0 ? pid : 0;
}

/* Removes target's temporary files whose writer is gone (killed between
 * naming and renaming); a live writer's are left alone. Best effort. */
static void remove_stale_temps(const char *target) {
    char *dir = dir_of(target);
    DIR *d = dir ? opendir(dir) : NULL;
    const char *base = base_of(target);
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
        long pid = temp_owner(e->d_name, base);
        if (pid == 0 || pid == (long)getpid()) continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue; /* its writer may still be at work */
        (void)unlinkat(dirfd(d), e->d_name, 0);
    }
    if (d != NULL) closedir(d);
    free(dir);
}

/* ---- staging ---- */

static pqcha_err write_all(int fd, const uint8_t *data, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return from_errno();
        if (n == 0) return PQCHA_ERR_IO;
        data += n;
        len -= (size_t)n;
    }
    return PQCHA_OK;
}

/* An unnamed file in target's directory, or one under a temporary name
 * where unnamed files are not supported. */
static pqcha_err create_temp(pqcha__staged_file *sf) {
    char *dir = dir_of(sf->target);
    if (dir == NULL) return PQCHA_ERR_NO_MEMORY;
    sf->fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    int tmpfile_errno = errno;
    free(dir);
    if (sf->fd >= 0) return PQCHA_OK;
    if (tmpfile_errno != EOPNOTSUPP && tmpfile_errno != EISDIR && tmpfile_errno != EINVAL)
        return pqcha__errno_to_err(tmpfile_errno, PQCHA_ERR_IO);
    if ((sf->temp = temp_name(sf->target)) == NULL) return PQCHA_ERR_NO_MEMORY;
    sf->fd = open(sf->temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (sf->fd >= 0) {
        sf->named = 1;
        return PQCHA_OK;
    }
    pqcha_err err = from_errno();
    free(sf->temp);
    sf->temp = NULL;
    return err;
}

pqcha_err pqcha__stage_file(pqcha__staged_file *out, const char *target, const void *data,
                            size_t len, mode_t mode) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    memset(out, 0, sizeof *out);
    out->fd = -1;
    if (target == NULL || target[0] == '\0' || base_of(target)[0] == '\0' ||
        (data == NULL && len > 0))
        return PQCHA_ERR_INVALID_ARGUMENT;
    if ((out->target = pqcha__strdup(target)) == NULL) return PQCHA_ERR_NO_MEMORY;
    remove_stale_temps(target);
    pqcha_err err = create_temp(out);
    /* The final mode only once the bytes are in (a private key is never
     * readable by others, even half-written). */
    if (err == PQCHA_OK) err = write_all(out->fd, data, len);
    if (err == PQCHA_OK && fchmod(out->fd, mode) != 0) err = from_errno();
    if (err == PQCHA_OK && fsync(out->fd) != 0) err = from_errno();
    if (err != PQCHA_OK) pqcha__stage_discard(out);
    return err;
}

/* Names the open file at name (linkat through /proc/self/fd for an unnamed
 * file). EEXIST is FILE_EXISTS. */
static pqcha_err link_open_file(const pqcha__staged_file *sf, const char *name) {
    if (sf->named) return link(sf->temp, name) == 0 ? PQCHA_OK : from_errno();
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", sf->fd);
    return linkat(AT_FDCWD, proc, AT_FDCWD, name, AT_SYMLINK_FOLLOW) == 0 ? PQCHA_OK : from_errno();
}

pqcha_err pqcha__stage_name(pqcha__staged_file *sf, const char *name) {
    if (sf == NULL || sf->fd < 0 || name == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    char *copy = pqcha__strdup(name);
    if (copy == NULL) return PQCHA_ERR_NO_MEMORY;
    (void)unlink(name); /* a leftover of an earlier, abandoned attempt */
    pqcha_err err = link_open_file(sf, name);
    if (err == PQCHA_OK && sf->named) (void)unlink(sf->temp);
    if (err != PQCHA_OK) {
        free(copy);
        return err;
    }
    free(sf->temp);
    sf->temp = copy;
    sf->named = 1;
    return pqcha__sync_parent_dir(name);
}

pqcha_err pqcha__stage_publish(pqcha__staged_file *sf, int replace) {
    if (sf == NULL || sf->fd < 0) return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha_err err = PQCHA_OK;
    if (!replace) {
        /* link() never replaces: an existing target is refused atomically. */
        err = link_open_file(sf, sf->target);
        if (err == PQCHA_OK && sf->named) (void)unlink(sf->temp);
    } else {
        if (!sf->named) { /* an unnamed file is named first: rename needs a name */
            if (sf->temp == NULL && (sf->temp = temp_name(sf->target)) == NULL)
                return PQCHA_ERR_NO_MEMORY;
            err = link_open_file(sf, sf->temp);
            sf->named = err == PQCHA_OK;
        }
        /* rename replaces a symlink at target itself, never the file it points to. */
        if (err == PQCHA_OK && rename(sf->temp, sf->target) != 0) err = from_errno();
    }
    if (err != PQCHA_OK) return err;
    free(sf->temp);
    sf->temp = NULL;
    sf->named = 0;
    close(sf->fd);
    sf->fd = -1;
    return pqcha__sync_parent_dir(sf->target);
}

void pqcha__stage_discard(pqcha__staged_file *sf) {
    if (sf == NULL) return;
    if (sf->fd >= 0) close(sf->fd);
    if (sf->named) (void)unlink(sf->temp);
    free(sf->temp);
    free(sf->target);
    memset(sf, 0, sizeof *sf);
    sf->fd = -1;
}

pqcha_err pqcha__write_file_atomic(const char *target, const void *data, size_t len, mode_t mode,
                                   int replace) {
    pqcha__staged_file sf;
    PQCHA_TRY(pqcha__stage_file(&sf, target, data, len, mode));
    pqcha_err err = pqcha__stage_publish(&sf, replace);
    pqcha__stage_discard(&sf);
    return err;
}

pqcha_err pqcha_file_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
                                  int replace) {
    if (mode > 07777) return PQCHA_ERR_INVALID_ARGUMENT;
    return pqcha__write_file_atomic(path, data, len, (mode_t)mode, replace);
}
