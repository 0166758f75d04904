/* sqlite_gather.c — gathering consecutive writes (sqlite_gather.h).
 *
 * Each method of the log's file writes its buffer out first (but the two
 * that only describe the device), then calls the default VFS's. The log is
 * linked to its database's file (the names SQLite gives xOpen tell which
 * log is whose) so that the database's barrier, locks and file controls
 * write the log's buffer too. */
#include "service/sqlite_gather.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The write-ahead log's layout (sqlite.org/fileformat.html): a 32-byte
 * header, then frames of a 24-byte header and a page; bytes 4-7 of a
 * frame header (big-endian) are the database's size after a commit, 0 in
 * a frame that commits nothing. */
#define WAL_HEADER_BYTES       32
#define WAL_FRAME_HEADER_BYTES 24

/* A buffer holds this much, then is written out. The default VFS writes
 * at most 128 KiB - 1 bytes in one call (it masks the length to 17 bits),
 * so one write of the buffer stays below that; a group commit of a few
 * hundred reports (a few MiB) still takes a few dozen calls where it took
 * two per page. */
#define MAX_BUFFER ((size_t)120 << 10)

enum { KIND_OTHER, KIND_MAIN, KIND_WAL };

typedef struct gather_file {
    sqlite3_file base; /* pMethods: gather_methods */
    sqlite3_file *real;
    int kind;
    const char *key;    /* a database: its name; a log: its database's name */
    unsigned char *buf; /* a log's: MAX_BUFFER bytes, from the first write */
    size_t len;
    sqlite3_int64 start;          /* the file offset of buf[0] */
    sqlite3_int64 commit_page_at; /* where the page of a commit frame goes; -1 */
    int deferred_error;           /* a log's: of a write made where none could be returned */
    struct gather_file *wal;      /* a database: its log, while both are open */
    struct gather_file *main;     /* a log: its database */
    struct gather_file *next;     /* in the list of open databases */
} gather_file;

static sqlite3_vfs *default_vfs;
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static gather_file *open_databases;

static sqlite3_int64 real_offset_size(void) {
    return (sqlite3_int64)((sizeof(gather_file) + 15) & ~(size_t)15);
}

/* ---- the buffer ---- */

static int flush(gather_file *f) {
    if (f->len == 0) return SQLITE_OK;
    size_t len = f->len;
    f->len = 0;
    return f->real->pMethods->xWrite(f->real, f->buf, (int)len, f->start);
}

/* The log's buffer, from the log's file or its database's (only the log
 * has one): where SQLite cannot be told of a failure, the log keeps it for
 * sqlite_gather_check. */
static int flush_log(gather_file *f) {
    gather_file *wal = f->kind == KIND_WAL ? f : f->wal;
    if (!wal) return SQLITE_OK;
    int rc = flush(wal);
    if (rc != SQLITE_OK && !wal->deferred_error) wal->deferred_error = rc;
    return rc;
}

/* Room for amt more bytes: 0 when the buffer cannot hold them (or cannot
 * be had: the write then goes through as it comes). */
static int make_room(gather_file *f, size_t amt) {
    if (f->len + amt > MAX_BUFFER) return 0;
    if (!f->buf) f->buf = malloc(MAX_BUFFER);
    return f->buf != NULL;
}

static uint32_t load_be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A commit's frames are out when its last page is: the commit is written
 * inside the xWrite that completes it. */
static int after_wal_write(gather_file *f, const unsigned char *data, int amt, sqlite3_int64 off) {
    if (amt == WAL_FRAME_HEADER_BYTES && off >= WAL_HEADER_BYTES && load_be32(data + 4) != 0) {
        f->commit_page_at = off + WAL_FRAME_HEADER_BYTES;
        return SQLITE_OK;
    }
    if (off != f->commit_page_at) return SQLITE_OK;
    f->commit_page_at = -1;
    return flush(f);
}

/* ---- the file's methods ---- */

static gather_file *as_gather(sqlite3_file *file) {
    return (gather_file *)file;
}

static const sqlite3_io_methods *real_methods(gather_file *f) {
    return f->real->pMethods;
}

static void unlink_file(gather_file *f) {
    pthread_mutex_lock(&registry_lock);
    if (f->kind == KIND_MAIN) {
        for (gather_file **p = &open_databases; *p; p = &(*p)->next)
            if (*p == f) {
                *p = f->next;
                break;
            }
        if (f->wal) f->wal->main = NULL;
    } else if (f->kind == KIND_WAL && f->main) {
        f->main->wal = NULL;
    }
    pthread_mutex_unlock(&registry_lock);
}

static int gather_close(sqlite3_file *file) {
    gather_file *f = as_gather(file);
    int rc = flush(f);
    unlink_file(f);
    int closed = real_methods(f)->xClose(f->real);
    free(f->buf);
    f->buf = NULL;
    return rc != SQLITE_OK ? rc : closed;
}

static int gather_read(sqlite3_file *file, void *out, int amt, sqlite3_int64 off) {
    gather_file *f = as_gather(file);
    int rc = flush(f);
    return rc != SQLITE_OK ? rc : real_methods(f)->xRead(f->real, out, amt, off);
}

/* Only the log's writes are gathered. A checkpoint's writes to the
 * database would gather well too, but their last one would then fail, if
 * it failed, only in the SQLITE_FCNTL_CKPT_DONE that follows, whose result
 * SQLite ignores: a partial checkpoint would be recorded as done with
 * pages missing from the file. */
static int gather_write(sqlite3_file *file, const void *data, int amt, sqlite3_int64 off) {
    gather_file *f = as_gather(file);
    if (f->kind != KIND_WAL) return real_methods(f)->xWrite(f->real, data, amt, off);
    if (f->len > 0 &&
        (off != f->start + (sqlite3_int64)f->len || f->len + (size_t)amt > MAX_BUFFER)) {
        int rc = flush(f);
        if (rc != SQLITE_OK) return rc;
    }
    if (!make_room(f, (size_t)amt)) return real_methods(f)->xWrite(f->real, data, amt, off);
    if (f->len == 0) f->start = off;
    memcpy(f->buf + f->len, data, (size_t)amt);
    f->len += (size_t)amt;
    return after_wal_write(f, data, amt, off);
}

static int gather_truncate(sqlite3_file *file, sqlite3_int64 size) {
    gather_file *f = as_gather(file);
    int rc = flush(f);
    return rc != SQLITE_OK ? rc : real_methods(f)->xTruncate(f->real, size);
}

static int gather_sync(sqlite3_file *file, int flags) {
    gather_file *f = as_gather(file);
    int rc = flush(f);
    return rc != SQLITE_OK ? rc : real_methods(f)->xSync(f->real, flags);
}

static int gather_file_size(sqlite3_file *file, sqlite3_int64 *size) {
    gather_file *f = as_gather(file);
    int rc = flush(f);
    return rc != SQLITE_OK ? rc : real_methods(f)->xFileSize(f->real, size);
}

static int gather_lock(sqlite3_file *file, int level) {
    gather_file *f = as_gather(file);
    int rc = flush_log(f);
    return rc != SQLITE_OK ? rc : real_methods(f)->xLock(f->real, level);
}

static int gather_unlock(sqlite3_file *file, int level) {
    gather_file *f = as_gather(file);
    int rc = flush_log(f);
    int unlocked = real_methods(f)->xUnlock(f->real, level); /* whatever happened */
    return rc != SQLITE_OK ? rc : unlocked;
}

static int gather_check_reserved(sqlite3_file *file, int *reserved) {
    gather_file *f = as_gather(file);
    return real_methods(f)->xCheckReservedLock(f->real, reserved);
}

static int gather_file_control(sqlite3_file *file, int op, void *arg) {
    gather_file *f = as_gather(file);
    int rc = flush_log(f); /* e.g. SQLITE_FCNTL_CKPT_DONE: before the checkpoint is recorded */
    return rc != SQLITE_OK ? rc : real_methods(f)->xFileControl(f->real, op, arg);
}

static int gather_sector_size(sqlite3_file *file) {
    gather_file *f = as_gather(file);
    return real_methods(f)->xSectorSize(f->real);
}

static int gather_device_characteristics(sqlite3_file *file) {
    gather_file *f = as_gather(file);
    return real_methods(f)->xDeviceCharacteristics(f->real);
}

static int gather_shm_map(sqlite3_file *file, int region, int size, int extend,
                          void volatile **out) {
    gather_file *f = as_gather(file);
    if (real_methods(f)->iVersion < 2) return SQLITE_IOERR;
    int rc = flush_log(f);
    return rc != SQLITE_OK ? rc : real_methods(f)->xShmMap(f->real, region, size, extend, out);
}

static int gather_shm_lock(sqlite3_file *file, int offset, int n, int flags) {
    gather_file *f = as_gather(file);
    if (real_methods(f)->iVersion < 2) return SQLITE_IOERR;
    int rc = flush_log(f);
    if (rc != SQLITE_OK && (flags & SQLITE_SHM_LOCK)) return rc;
    return real_methods(f)->xShmLock(f->real, offset, n, flags); /* an unlock, whatever happened */
}

/* SQLite publishes a commit to readers after this barrier: the log's
 * frames must be in the file by then. */
static void gather_shm_barrier(sqlite3_file *file) {
    gather_file *f = as_gather(file);
    if (real_methods(f)->iVersion < 2) return;
    (void)flush_log(f);
    real_methods(f)->xShmBarrier(f->real);
}

static int gather_shm_unmap(sqlite3_file *file, int delete_flag) {
    gather_file *f = as_gather(file);
    if (real_methods(f)->iVersion < 2) return SQLITE_OK;
    (void)flush_log(f);
    return real_methods(f)->xShmUnmap(f->real, delete_flag);
}

static int gather_fetch(sqlite3_file *file, sqlite3_int64 off, int amt, void **out) {
    gather_file *f = as_gather(file);
    *out = NULL;
    if (real_methods(f)->iVersion < 3) return SQLITE_OK;
    int rc = flush(f);
    return rc != SQLITE_OK ? rc : real_methods(f)->xFetch(f->real, off, amt, out);
}

static int gather_unfetch(sqlite3_file *file, sqlite3_int64 off, void *page) {
    gather_file *f = as_gather(file);
    if (real_methods(f)->iVersion < 3) return SQLITE_OK;
    return real_methods(f)->xUnfetch(f->real, off, page);
}

static const sqlite3_io_methods gather_methods = {
    3,
    gather_close,
    gather_read,
    gather_write,
    gather_truncate,
    gather_sync,
    gather_file_size,
    gather_lock,
    gather_unlock,
    gather_check_reserved,
    gather_file_control,
    gather_sector_size,
    gather_device_characteristics,
    gather_shm_map,
    gather_shm_lock,
    gather_shm_barrier,
    gather_shm_unmap,
    gather_fetch,
    gather_unfetch,
};

/* ---- the VFS: opening files, and everything else as the default ---- */

static void link_file(gather_file *f, const char *name, int flags) {
    if (flags & SQLITE_OPEN_MAIN_DB) {
        f->kind = KIND_MAIN;
        f->key = name;
    } else if (flags & SQLITE_OPEN_WAL) {
        f->kind = KIND_WAL;
        f->key = sqlite3_filename_database(name);
    }
    if (f->kind == KIND_OTHER || !f->key) return;
    pthread_mutex_lock(&registry_lock);
    if (f->kind == KIND_MAIN) {
        f->next = open_databases;
        open_databases = f;
    } else {
        for (gather_file *m = open_databases; m; m = m->next)
            if (m->key == f->key && !m->wal) {
                m->wal = f;
                f->main = m;
                break;
            }
    }
    pthread_mutex_unlock(&registry_lock);
}

static int gather_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags,
                       int *out_flags) {
    (void)vfs;
    gather_file *f = as_gather(file);
    memset(f, 0, sizeof *f);
    f->real = (sqlite3_file *)((char *)file + real_offset_size());
    f->commit_page_at = -1;
    int rc = default_vfs->xOpen(default_vfs, name, f->real, flags, out_flags);
    if (rc != SQLITE_OK) return rc; /* base.pMethods stays NULL: no xClose */
    f->base.pMethods = &gather_methods;
    link_file(f, name, flags);
    return SQLITE_OK;
}

static int gather_delete(sqlite3_vfs *vfs, const char *name, int sync_dir) {
    (void)vfs;
    return default_vfs->xDelete(default_vfs, name, sync_dir);
}

static int gather_access(sqlite3_vfs *vfs, const char *name, int flags, int *out) {
    (void)vfs;
    return default_vfs->xAccess(default_vfs, name, flags, out);
}

static int gather_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out) {
    (void)vfs;
    return default_vfs->xFullPathname(default_vfs, name, n, out);
}

static void *gather_dl_open(sqlite3_vfs *vfs, const char *name) {
    (void)vfs;
    return default_vfs->xDlOpen(default_vfs, name);
}

static void gather_dl_error(sqlite3_vfs *vfs, int n, char *out) {
    (void)vfs;
    default_vfs->xDlError(default_vfs, n, out);
}

static void (*gather_dl_sym(sqlite3_vfs *vfs, void *handle, const char *symbol))(void) {
    (void)vfs;
    return default_vfs->xDlSym(default_vfs, handle, symbol);
}

static void gather_dl_close(sqlite3_vfs *vfs, void *handle) {
    (void)vfs;
    default_vfs->xDlClose(default_vfs, handle);
}

static int gather_randomness(sqlite3_vfs *vfs, int n, char *out) {
    (void)vfs;
    return default_vfs->xRandomness(default_vfs, n, out);
}

static int gather_sleep(sqlite3_vfs *vfs, int microseconds) {
    (void)vfs;
    return default_vfs->xSleep(default_vfs, microseconds);
}

static int gather_current_time(sqlite3_vfs *vfs, double *out) {
    (void)vfs;
    return default_vfs->xCurrentTime(default_vfs, out);
}

static int gather_last_error(sqlite3_vfs *vfs, int n, char *out) {
    (void)vfs;
    return default_vfs->xGetLastError(default_vfs, n, out);
}

static int gather_current_time_int64(sqlite3_vfs *vfs, sqlite3_int64 *out) {
    (void)vfs;
    return default_vfs->xCurrentTimeInt64(default_vfs, out);
}

static int gather_set_system_call(sqlite3_vfs *vfs, const char *name, sqlite3_syscall_ptr fn) {
    (void)vfs;
    return default_vfs->xSetSystemCall(default_vfs, name, fn);
}

static sqlite3_syscall_ptr gather_get_system_call(sqlite3_vfs *vfs, const char *name) {
    (void)vfs;
    return default_vfs->xGetSystemCall(default_vfs, name);
}

static const char *gather_next_system_call(sqlite3_vfs *vfs, const char *name) {
    (void)vfs;
    return default_vfs->xNextSystemCall(default_vfs, name);
}

static sqlite3_vfs gather_vfs = {
    3,
    0, /* szOsFile, mxPathname: from the default VFS */
    0,
    NULL,
    SQLITE_GATHER_VFS,
    NULL,
    gather_open,
    gather_delete,
    gather_access,
    gather_full_pathname,
    gather_dl_open,
    gather_dl_error,
    gather_dl_sym,
    gather_dl_close,
    gather_randomness,
    gather_sleep,
    gather_current_time,
    gather_last_error,
    gather_current_time_int64,
    gather_set_system_call,
    gather_get_system_call,
    gather_next_system_call,
};

static int registered = SQLITE_ERROR;

static void register_once(void) {
    default_vfs = sqlite3_vfs_find(NULL);
    if (!default_vfs || default_vfs->iVersion < 3) return;
    gather_vfs.szOsFile = (int)(real_offset_size() + default_vfs->szOsFile);
    gather_vfs.mxPathname = default_vfs->mxPathname;
    registered = sqlite3_vfs_register(&gather_vfs, 0);
}

int sqlite_gather_register(void) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, register_once);
    return registered;
}

int sqlite_gather_check(sqlite3 *db) {
    sqlite3_file *file = NULL;
    if (sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &file) != SQLITE_OK || !file ||
        file->pMethods != &gather_methods)
        return SQLITE_OK;
    gather_file *f = as_gather(file);
    (void)flush_log(f); /* nothing is left after a commit; were it, it is out now */
    return f->wal ? f->wal->deferred_error : SQLITE_OK;
}
