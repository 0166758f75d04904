/* sqlite_writer.h — how the SQLite store writes: group commits on a thread
 * of their own, made durable by another.
 *
 * Any thread queues a write (a function run inside the transaction); one
 * writer thread takes every write queued so far, runs each in a savepoint
 * of one transaction (a write that fails rolls back alone) and commits
 * them together; a flusher thread then makes that commit durable (one
 * fdatasync of the write-ahead log) while the writer already runs the next
 * group. A write's caller hears of it only after its flush: nothing is
 * answered before it is on disk, yet the disk's latency no longer holds up
 * the next commit, and nobody waits in a queue of threads to take turns.
 *
 * The connection commits with synchronous=NORMAL (SQLite writes the log at
 * commit but leaves its flush to us; it still flushes around its own
 * checkpoints), through the VFS that gathers its log writes (sqlite_gather.h:
 * the store opens it so); a commit whose gathered log write failed unseen
 * by SQLite fails its group and breaks the writer, as a failed flush does.
 * Another reader may see a commit a few milliseconds before it is durable,
 * never an answer. A flush that fails (EIO, ENOSPC) leaves
 * the writer refusing every later write, until the store is opened again:
 * after a failed fsync the kernel may have dropped the log's pages, and
 * later commits written after them would not survive a power cut either. */
#ifndef PQCHA_SERVICE_SQLITE_WRITER_H
#define PQCHA_SERVICE_SQLITE_WRITER_H

#include <sqlite3.h>

#include "pqcha/error.h"

typedef struct sqlite_writer sqlite_writer;

/* One queued write. run is called on the writer thread inside the group's
 * transaction; done(ctx, err) once, on the flusher thread, after the flush
 * (err: run's result, or STORE when the commit or the flush failed). The
 * struct is the caller's and must stay valid until done is called. */
typedef struct sqlite_write {
    pqcha_err (*run)(sqlite3 *db, void *arg);
    void *arg;
    void (*done)(void *ctx, pqcha_err err);
    void *ctx;
    /* the writer's: */
    pqcha_err err;
    struct sqlite_write *next;
} sqlite_write;

/* Takes over db (committing with synchronous=NORMAL from now on; closed by
 * sqlite_writer_stop) and flushes the log at wal_path (which must exist:
 * SQLite creates it when it opens the database in WAL mode).
 * Returns: OK, STORE (the log cannot be opened), NO_MEMORY, INTERNAL. */
pqcha_err sqlite_writer_start(sqlite_writer **out, sqlite3 *db, const char *wal_path);

/* Runs and flushes every write already queued, stops both threads, closes
 * the connection and frees. Writes queued from then on fail with STORE. */
void sqlite_writer_stop(sqlite_writer *w);

/* Queues a write; done will be called (with STORE at once, from this
 * thread, when the writer stopped or is broken). */
void sqlite_writer_submit(sqlite_writer *w, sqlite_write *job);

/* Queues a write and waits for its flush. Returns run's result, or STORE. */
pqcha_err sqlite_writer_run(sqlite_writer *w, pqcha_err (*run)(sqlite3 *db, void *arg), void *arg);

/* Finalizes every statement of db (its cached ones too) and closes it. */
void sqlite_close_connection(sqlite3 *db);

/* Whether a flush failed (every write now fails). */
int sqlite_writer_broken(sqlite_writer *w);

#endif
