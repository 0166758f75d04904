/* test_sqlite_gather.c — the VFS that gathers SQLite's writes
 * (src/service/sqlite_gather.h): a commit is one write instead of two per
 * page, readers on the default VFS see every commit and nothing else, a
 * write the disk refuses fails its commit, and the database's barrier
 * writes out what a log holds.
 *
 * The default VFS's system calls are replaced through its own testing
 * interface (xSetSystemCall): the replacements count the writes, or refuse
 * them with ENOSPC on demand. */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "service/sqlite_gather.h"
#include "testutil.h"

#define ROWS      40
#define ROW_BYTES 3000

static int writes;
static int refuse_writes;
static sqlite3_syscall_ptr real_pwrite, real_pwrite64;

typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);

static ssize_t count_one(sqlite3_syscall_ptr real, int fd, const void *buf, size_t n, off_t off) {
    writes++;
    if (refuse_writes) {
        errno = ENOSPC;
        return -1;
    }
    pwrite_fn write_to = (pwrite_fn)real;
    return write_to(fd, buf, n, off);
}

static ssize_t counting_pwrite(int fd, const void *buf, size_t n, off_t off) {
    return count_one(real_pwrite, fd, buf, n, off);
}

static ssize_t counting_pwrite64(int fd, const void *buf, size_t n, off_t off) {
    return count_one(real_pwrite64, fd, buf, n, off);
}

/* Whichever of the two the default VFS was built to use. */
static void count_writes(void) {
    sqlite3_vfs *vfs = sqlite3_vfs_find(NULL);
    real_pwrite = vfs->xGetSystemCall(vfs, "pwrite");
    real_pwrite64 = vfs->xGetSystemCall(vfs, "pwrite64");
    if (real_pwrite) vfs->xSetSystemCall(vfs, "pwrite", (sqlite3_syscall_ptr)counting_pwrite);
    if (real_pwrite64) vfs->xSetSystemCall(vfs, "pwrite64", (sqlite3_syscall_ptr)counting_pwrite64);
}

static void db_path(char *out, size_t size, const char *name) {
    snprintf(out, size, "%s/gather-%ld-%s.db", testutil_tmpdir(), (long)getpid(), name);
}

static void remove_db(const char *path) {
    char side[4500];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

static sqlite3 *open_db(const char *path, const char *vfs) {
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs);
    CHECK(rc == SQLITE_OK);
    CHECK(sqlite3_exec(db,
                       "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                       "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v BLOB)",
                       NULL, NULL, NULL) == SQLITE_OK);
    return db;
}

/* ROWS rows of ROW_BYTES in one transaction, each byte its row's; returns
 * COMMIT's code. */
static int insert_rows(sqlite3 *db, int first) {
    static unsigned char value[ROW_BYTES];
    sqlite3_stmt *st;
    CHECK(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK);
    CHECK(sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?, ?)", -1, &st, NULL) == SQLITE_OK);
    for (int i = first; i < first + ROWS; i++) {
        memset(value, i & 0xff, sizeof value);
        sqlite3_bind_int(st, 1, i);
        sqlite3_bind_blob(st, 2, value, sizeof value, SQLITE_STATIC);
        CHECK(sqlite3_step(st) == SQLITE_DONE);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    int rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* The rows as a reader sees them: how many, and -1 when one is wrong. */
static int rows_seen(sqlite3 *db) {
    sqlite3_stmt *st;
    int count = 0;
    CHECK(sqlite3_prepare_v2(db, "SELECT id, v FROM t ORDER BY id", -1, &st, NULL) == SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *v = sqlite3_column_blob(st, 1);
        int id = sqlite3_column_int(st, 0);
        if (sqlite3_column_bytes(st, 1) != ROW_BYTES || v[0] != (id & 0xff) ||
            v[ROW_BYTES - 1] != (id & 0xff))
            count = -1000000;
        count++;
    }
    sqlite3_finalize(st);
    return count < 0 ? -1 : count;
}

static int integrity_ok(sqlite3 *db) {
    sqlite3_stmt *st;
    CHECK(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK);
    int ok = sqlite3_step(st) == SQLITE_ROW &&
             strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
    sqlite3_finalize(st);
    return ok;
}

/* Writes COMMIT makes: the default VFS's two a page, or the gathered few. */
static int commit_writes(const char *vfs) {
    char path[4400];
    db_path(path, sizeof path, vfs ? "gathered" : "plain");
    remove_db(path);
    sqlite3 *db = open_db(path, vfs);
    writes = 0;
    CHECK(insert_rows(db, 0) == SQLITE_OK);
    int made = writes;
    sqlite3_close(db);
    remove_db(path);
    return made;
}

static void test_a_commit_is_a_few_writes(void) {
    int plain = commit_writes(NULL), gathered = commit_writes(SQLITE_GATHER_VFS);
    /* 40 pages and more: two writes a page; gathered, 120 KiB a write. */
    CHECK(plain >= 2 * ROWS);
    CHECK(gathered >= 1 && gathered <= 4);
}

static void test_readers_see_every_commit(void) {
    char path[4400];
    db_path(path, sizeof path, "readers");
    remove_db(path);
    sqlite3 *writer = open_db(path, SQLITE_GATHER_VFS), *reader = open_db(path, NULL);
    for (int round = 0; round < 5; round++) {
        CHECK(insert_rows(writer, round * ROWS) == SQLITE_OK);
        CHECK(sqlite_gather_check(writer) == SQLITE_OK);
        CHECK(rows_seen(reader) == (round + 1) * ROWS);
        if (round == 2) /* a checkpoint between commits */
            CHECK(sqlite3_exec(writer, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL) ==
                  SQLITE_OK);
    }
    CHECK(integrity_ok(reader));
    sqlite3_close(writer);
    sqlite3_close(reader);
    reader = open_db(path, NULL);
    CHECK(rows_seen(reader) == 5 * ROWS);
    CHECK(integrity_ok(reader));
    sqlite3_close(reader);
    remove_db(path);
}

static void test_a_refused_write_fails_its_commit(void) {
    char path[4400];
    db_path(path, sizeof path, "refused");
    remove_db(path);
    sqlite3 *writer = open_db(path, SQLITE_GATHER_VFS), *reader = open_db(path, NULL);
    CHECK(insert_rows(writer, 0) == SQLITE_OK);
    refuse_writes = 1;
    int rc = insert_rows(writer, ROWS);
    refuse_writes = 0;
    CHECK(rc == SQLITE_FULL || (rc & 0xff) == SQLITE_IOERR);
    CHECK(rows_seen(reader) == ROWS);
    CHECK(insert_rows(writer, ROWS) == SQLITE_OK);
    CHECK(rows_seen(reader) == 2 * ROWS);
    CHECK(integrity_ok(reader));
    sqlite3_close(writer);
    sqlite3_close(reader);
    remove_db(path);
}

static long long file_size(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* Writes SQLite's pattern does not make (no commit frame): held until the
 * database's barrier, which SQLite calls before it publishes a commit. */
static void test_the_barrier_writes_the_log_out(void) {
    char path[4400];
    db_path(path, sizeof path, "barrier");
    remove_db(path);
    sqlite3_vfs *vfs = sqlite3_vfs_find(SQLITE_GATHER_VFS);
    REQUIRE(vfs != NULL);
    char journal_path[4500], wal_path[4500];
    snprintf(journal_path, sizeof journal_path, "%s-journal", path);
    snprintf(wal_path, sizeof wal_path, "%s-wal", path);
    const char *name = sqlite3_create_filename(path, journal_path, wal_path, 0, NULL);
    const char *wal_name = sqlite3_filename_wal(name);
    sqlite3_file *db = sqlite3_malloc(vfs->szOsFile), *wal = sqlite3_malloc(vfs->szOsFile);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    REQUIRE(vfs->xOpen(vfs, name, db, flags | SQLITE_OPEN_MAIN_DB, NULL) == SQLITE_OK);
    REQUIRE(vfs->xOpen(vfs, wal_name, wal, flags | SQLITE_OPEN_WAL, NULL) == SQLITE_OK);
    static const unsigned char chunk[1000] = {1};
    for (int i = 0; i < 3; i++)
        CHECK(wal->pMethods->xWrite(wal, chunk, sizeof chunk, i * (sqlite3_int64)sizeof chunk) ==
              SQLITE_OK);
    CHECK(file_size(wal_name) == 0);
    db->pMethods->xShmBarrier(db);
    CHECK(file_size(wal_name) == 3 * (long long)sizeof chunk);
    /* A write that does not continue the last one sends the buffer first. */
    CHECK(wal->pMethods->xWrite(wal, chunk, 10, 3 * (sqlite3_int64)sizeof chunk) == SQLITE_OK);
    CHECK(wal->pMethods->xWrite(wal, chunk, 10, 5000) == SQLITE_OK);
    CHECK(file_size(wal_name) == 3 * (long long)sizeof chunk + 10);
    CHECK(wal->pMethods->xClose(wal) == SQLITE_OK); /* closing writes the rest */
    CHECK(file_size(wal_name) == 5010);
    CHECK(db->pMethods->xClose(db) == SQLITE_OK);
    sqlite3_free(wal);
    sqlite3_free(db);
    sqlite3_free_filename(name);
    remove_db(path);
}

/* First: the VFS registered (twice is harmless), the writes counted. */
static void test_setup(void) {
    REQUIRE(sqlite_gather_register() == SQLITE_OK);
    REQUIRE(sqlite_gather_register() == SQLITE_OK);
    count_writes();
    REQUIRE(real_pwrite != NULL || real_pwrite64 != NULL);
}

TEST_MAIN(TEST(test_setup), TEST(test_a_commit_is_a_few_writes),
          TEST(test_readers_see_every_commit), TEST(test_a_refused_write_fails_its_commit),
          TEST(test_the_barrier_writes_the_log_out))
