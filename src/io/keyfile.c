/* keyfile.c — key files on disk. Private keys are 0600 before their first
 * byte reaches a name (never world-readable and chmod'ed afterwards); every
 * file is written atomically and durably (atomic_file.h); an existing key is
 * only replaced on request; and a key pair is published together, so a
 * crash leaves the old pair or the new one. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/internal.h"
#include "io/atomic_file.h"
#include "io/fileio.h"

#define PRIVATE_KEY_MODE 0600
#define PUBLIC_KEY_MODE  0644

/* ---- one key file ---- */

static pqcha_err save_pem(const char *path, const char *pem, size_t len, mode_t mode, int force) {
    /* Without force, link() refuses an existing file (or a planted symlink)
     * atomically; with it, rename() replaces the file, never a symlink's target. */
    return pqcha__write_file_atomic(path, pem, len, mode, force);
}

pqcha_err pqcha_key_save_private(const pqcha_key *key, const char *path, int force) {
    if (key == NULL || path == NULL || path[0] == '\0') return PQCHA_ERR_INVALID_ARGUMENT;
    char *pem = NULL;
    size_t pem_len = 0;
    PQCHA_TRY(pqcha_key_private_pem(&pem, &pem_len, key));
    pqcha_err err = save_pem(path, pem, pem_len, PRIVATE_KEY_MODE, force);
    pqcha_free_secret(pem, pem_len);
    return err;
}

pqcha_err pqcha_key_save_public(const pqcha_key *key, const char *path, int force) {
    if (key == NULL || path == NULL || path[0] == '\0') return PQCHA_ERR_INVALID_ARGUMENT;
    char *pem = NULL;
    size_t pem_len = 0;
    PQCHA_TRY(pqcha_key_public_pem(&pem, &pem_len, key));
    pqcha_err err = save_pem(path, pem, pem_len, PUBLIC_KEY_MODE, force);
    pqcha_free(pem);
    return err;
}

/* ---- a key pair, published together ----
 *
 * Both files are written and fsync'd under staging names
 * (".<name>.pqcha-new"), then a marker (".<private>.pqcha-pair", naming the
 * public key's path) records the decision to publish them, then both are
 * renamed (or, without force, linked) into place and the marker removed. A
 * kill before the marker leaves the old pair (the staged files are removed by
 * the next attempt); a kill after it leaves the marker, and the next keygen,
 * or the next load of the private key, completes the switch. So a reader
 * sees the old pair or the new one. */

#define PAIR_MARK   ".pqcha-pair"
#define STAGED_MARK ".pqcha-new"

/* "<dir>/.<base><suffix>" for path. */
static char *hidden_name(const char *path, const char *suffix) {
    const char *slash = strrchr(path, '/');
    size_t dir_len = slash ? (size_t)(slash - path) + 1 : 0;
    size_t cap = strlen(path) + strlen(suffix) + 2;
    char *name = malloc(cap);
    if (name != NULL) snprintf(name, cap, "%.*s.%s%s", (int)dir_len, path, path + dir_len, suffix);
    return name;
}

/* Moves a staged file into place: rename replaces, link does not. */
static pqcha_err place(const char *staged, const char *target, int replace) {
    if (access(staged, F_OK) != 0)
        return PQCHA_OK; /* already placed (a recovery run after a kill) */
    int rc = replace ? rename(staged, target) : link(staged, target);
    if (rc != 0 && !(errno == EEXIST && !replace)) return pqcha__errno_to_err(errno, PQCHA_ERR_IO);
    if (!replace) (void)unlink(staged);
    return PQCHA_OK;
}

/* Completes a publication the marker records, and removes the marker. */
static pqcha_err roll_forward(const char *private_path, const char *marker) {
    char text[PQCHA_MAX_PEM_LEN];
    int fd = open(marker, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? PQCHA_OK : pqcha__errno_to_err(errno, PQCHA_ERR_IO);
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n < 2 || (text[0] != 'r' && text[0] != 'c') || text[1] != ' ') return PQCHA_ERR_IO;
    text[n] = '\0';
    char *newline = strchr(text, '\n');
    if (newline != NULL) *newline = '\0';
    int replace = text[0] == 'r';
    const char *public_path = text + 2;
    char *staged_private = hidden_name(private_path, STAGED_MARK);
    char *staged_public = hidden_name(public_path, STAGED_MARK);
    pqcha_err err = staged_private && staged_public ? PQCHA_OK : PQCHA_ERR_NO_MEMORY;
    if (err == PQCHA_OK) err = place(staged_private, private_path, replace);
    if (err == PQCHA_OK) err = place(staged_public, public_path, replace);
    if (err == PQCHA_OK) err = pqcha__sync_parent_dir(public_path);
    if (err == PQCHA_OK && unlink(marker) != 0) err = pqcha__errno_to_err(errno, PQCHA_ERR_IO);
    if (err == PQCHA_OK) err = pqcha__sync_parent_dir(private_path);
    free(staged_private);
    free(staged_public);
    return err;
}

/* An interrupted publication is completed. Before a new pair (cleanup 1)
 * the staged private key of an abandoned one — killed before its marker — is
 * removed too; a mere reader leaves it, as it may belong to a keygen at work. */
static pqcha_err recover_pair(const char *private_path, int cleanup) {
    char *marker = hidden_name(private_path, PAIR_MARK);
    char *staged = hidden_name(private_path, STAGED_MARK);
    pqcha_err err = marker && staged ? PQCHA_OK : PQCHA_ERR_NO_MEMORY;
    int pending = err == PQCHA_OK && access(marker, F_OK) == 0;
    if (pending)
        err = roll_forward(private_path, marker);
    else if (err == PQCHA_OK && cleanup && unlink(staged) == 0)
        err = pqcha__sync_parent_dir(private_path);
    free(marker);
    free(staged);
    return err;
}

static pqcha_err stage_key(pqcha__staged_file *sf, const char *path, const char *pem, size_t len,
                           mode_t mode) {
    char *staged = hidden_name(path, STAGED_MARK);
    if (staged == NULL) return PQCHA_ERR_NO_MEMORY;
    pqcha_err err = pqcha__stage_file(sf, path, pem, len, mode);
    if (err == PQCHA_OK) err = pqcha__stage_name(sf, staged);
    free(staged);
    return err;
}

static pqcha_err write_marker(const char *private_path, const char *public_path, int force) {
    char *marker = hidden_name(private_path, PAIR_MARK);
    size_t len = strlen(public_path) + 4;
    char *text = malloc(len);
    pqcha_err err = marker && text ? PQCHA_OK : PQCHA_ERR_NO_MEMORY;
    if (err == PQCHA_OK) {
        snprintf(text, len, "%c %s\n", force ? 'r' : 'c', public_path);
        err = pqcha__write_file_atomic(marker, text, strlen(text), 0600, 1);
    }
    free(marker);
    free(text);
    return err;
}

/* Without force, an existing file of the pair is refused before anything is written. */
static pqcha_err check_absent(const char *path) {
    struct stat st;
    if (lstat(path, &st) == 0) return PQCHA_ERR_FILE_EXISTS;
    return errno == ENOENT ? PQCHA_OK : pqcha__errno_to_err(errno, PQCHA_ERR_IO);
}

static pqcha_err publish_pair(const char *private_path, const char *private_pem, size_t private_len,
                              const char *public_path, const char *public_pem, size_t public_len,
                              int force) {
    pqcha__staged_file priv, pub;
    memset(&pub, 0, sizeof pub);
    pub.fd = -1;
    pqcha_err err = stage_key(&priv, private_path, private_pem, private_len, PRIVATE_KEY_MODE);
    if (err == PQCHA_OK)
        err = stage_key(&pub, public_path, public_pem, public_len, PUBLIC_KEY_MODE);
    if (err == PQCHA_OK)
        err = write_marker(private_path, public_path, force); /* the commit point */
    if (err == PQCHA_OK) {
        /* From here on the staged files are the pair's: never removed, placed
         * now or, if this fails, by the next run (the marker stays). */
        priv.named = pub.named = 0;
        err = recover_pair(private_path, 0);
    }
    pqcha__stage_discard(&priv);
    pqcha__stage_discard(&pub);
    return err;
}

pqcha_err pqcha_key_save_pair(const pqcha_key *key, const char *private_path,
                              const char *public_path, int force) {
    if (key == NULL || private_path == NULL || public_path == NULL || private_path[0] == '\0' ||
        public_path[0] == '\0' || strcmp(private_path, public_path) == 0)
        return PQCHA_ERR_INVALID_ARGUMENT;
    if (!pqcha_key_has_private(key)) return PQCHA_ERR_NOT_PRIVATE_KEY;
    PQCHA_TRY(recover_pair(private_path, 1));
    if (!force) {
        PQCHA_TRY(check_absent(private_path));
        PQCHA_TRY(check_absent(public_path));
    }
    char *private_pem = NULL, *public_pem = NULL;
    size_t private_len = 0, public_len = 0;
    pqcha_err err = pqcha_key_private_pem(&private_pem, &private_len, key);
    if (err == PQCHA_OK) err = pqcha_key_public_pem(&public_pem, &public_len, key);
    if (err == PQCHA_OK)
        err = publish_pair(private_path, private_pem, private_len, public_path, public_pem,
                           public_len, force);
    pqcha_free_secret(private_pem, private_len);
    pqcha_free(public_pem);
    return err;
}

/* Reads at most PQCHA_MAX_PEM_LEN bytes; one byte more proves the file is
 * too large even if it grew after fstat. */
static pqcha_err read_capped(int fd, char *buf, size_t cap, size_t *out_len) {
    size_t total = 0;
    for (;;) {
        ssize_t n = read(fd, buf + total, cap + 1 - total);
        if (n < 0) {
            if (errno == EINTR) continue;
            return PQCHA_ERR_IO;
        }
        if (n == 0) break;
        total += (size_t)n;
        if (total > cap) return PQCHA_ERR_TOO_LARGE;
    }
    *out_len = total;
    return PQCHA_OK;
}

static pqcha_err load_from_fd(pqcha_key **out, int fd, int *loose_permissions) {
    struct stat st;
    if (fstat(fd, &st) != 0) return pqcha__errno_to_err(errno, PQCHA_ERR_IO);
    if (S_ISDIR(st.st_mode)) return PQCHA_ERR_IS_DIRECTORY;
    if (!S_ISREG(st.st_mode)) return PQCHA_ERR_IO;
    if (st.st_size > (off_t)PQCHA_MAX_PEM_LEN) return PQCHA_ERR_TOO_LARGE;

    char *buf = malloc(PQCHA_MAX_PEM_LEN + 1);
    if (buf == NULL) return PQCHA_ERR_NO_MEMORY;
    size_t len = 0;
    pqcha_err err = read_capped(fd, buf, PQCHA_MAX_PEM_LEN, &len);
    if (err == PQCHA_OK) err = pqcha_key_from_pem(out, buf, len);
    pqcha_free_secret(buf, PQCHA_MAX_PEM_LEN + 1); /* it may hold a private key */
    if (err == PQCHA_OK && loose_permissions != NULL)
        *loose_permissions = pqcha_key_has_private(*out) && (st.st_mode & 077) != 0;
    return err;
}

pqcha_err pqcha_key_load(pqcha_key **out, const char *path, int *loose_permissions) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (loose_permissions != NULL) *loose_permissions = 0;
    if (path == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    /* A key pair whose publication a kill interrupted is completed first,
     * when this user may (best effort: a reader without write access still
     * reads the old key, which is then the old pair's). */
    (void)recover_pair(path, 0);
    /* O_NONBLOCK so a FIFO at path cannot hang us before the S_ISREG check. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return pqcha__errno_to_err(errno, PQCHA_ERR_IO);
    pqcha_err err = load_from_fd(out, fd, loose_permissions);
    close(fd);
    return err;
}
