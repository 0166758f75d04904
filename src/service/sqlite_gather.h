/* sqlite_gather.h — a VFS over SQLite's default one that gathers a
 * connection's consecutive writes into one system call.
 *
 * SQLite writes each page of a commit to the write-ahead log with two
 * pwrite calls (the frame's 24-byte header, then the page); the service's
 * writer spent most of its CPU in system calls (about 11 pwrites a report,
 * docs/PERFORMANCE.md). Opened through this VFS, the log keeps writes that
 * continue one another in a buffer and writes them as one:
 *
 * - the buffer is written when the page of a commit frame (a frame header
 *   whose "database size after commit" is not zero) completes it, inside
 *   that xWrite, so a failure fails the commit as it would without the
 *   buffer; and, as a safety net for a write pattern SQLite might change,
 *   when the database's shared-memory barrier, locks or file controls are
 *   used (SQLite publishes a commit to readers only after its barrier);
 * - it is written before anything else is done with the log (a read, a
 *   sync, its size, closing), and before a write that does not continue
 *   it. The database file's own writes go through as they come.
 *
 * So readers never see a frame that is not in the file, and a sync covers
 * every write made before it. A write that fails where SQLite cannot hear
 * of it (the barrier returns nothing) is kept: gather_check reports it. */
#ifndef PQCHA_SERVICE_SQLITE_GATHER_H
#define PQCHA_SERVICE_SQLITE_GATHER_H

#include <sqlite3.h>

#define SQLITE_GATHER_VFS "pqcha-gather"

/* Registers the VFS (once; not as the default). Returns an SQLite code. */
int sqlite_gather_register(void);

/* After a commit on a connection opened through the VFS: SQLITE_OK, or the
 * error of a write of its log that failed after SQLite believed it done
 * (the commit must then be taken as lost). */
int sqlite_gather_check(sqlite3 *db);

#endif
