/* spool.h — the agent's on-disk queue of reports not yet delivered to the
 * verifier: nothing an agent measured is lost to an outage, a restart or a
 * kill, and the queue never grows past its bounds.
 *
 * One directory (created 0700 when absent; its parent must exist) holds:
 *   NNNNNNNNNNNNNNNNNNNN.report  one report each, the exact bytes to POST;
 *                                20 decimal digits, so that the names sort
 *                                oldest first (the sequence grows by one per
 *                                report and is recovered from the names at
 *                                open)
 *   dropped                      how many reports the bounds pushed out,
 *                                decimal and a newline (absent: none)
 *   lock                         held (flock) while a spool is open: one
 *                                agent per directory
 *   .tmp-NAME                    NAME (a report or the counter) being
 *                                written; one left by a kill is removed at
 *                                the next open
 * Every file is written to a temporary name, fsync'd and renamed into
 * place, and the directory is fsync'd after each rename or unlink: a report
 * is either whole under its name or absent. Other files are left alone.
 *
 * The bounds (at most max_reports reports and max_bytes bytes of reports,
 * counting report bytes, not file system blocks) hold after every put: a
 * put that would pass either drops the oldest reports, and counts them in
 * `dropped`, which survives restarts. The new report is made durable before
 * any old one is dropped, so a kill in between leaves one report too many,
 * never one too few; so does an old report that cannot be removed (it is
 * tried again at the next put). Lowering the bounds takes effect at the
 * next put.
 *
 * A handle is used by one thread at a time. */
#ifndef PQCHA_SERVICE_SPOOL_H
#define PQCHA_SERVICE_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "pqcha/error.h"

/* The largest report a spool keeps: the verifier's own limit
 * (SERVICE_MAX_REPORT_BYTES), since a larger one could never be delivered. */
#define SPOOL_MAX_REPORT_BYTES (16u << 20)

typedef struct spool spool;

typedef struct spool_limits {
    uint64_t max_reports; /* at least 1 */
    uint64_t max_bytes;   /* at least 1 */
} spool_limits;

/* Opens (creating it if absent) the spool directory dir, removes leftover
 * temporary files and indexes the reports it holds.
 * Returns: OK, INVALID_ARGUMENT (a NULL, a limit of 0), NOT_FOUND (the
 * parent directory is missing), NOT_DIRECTORY (dir exists and is not a
 * directory), PERMISSION, READ_ONLY, NO_SPACE, IN_USE (another process
 * holds the spool open), MALFORMED (the dropped counter is not a decimal
 * number), IO, NO_MEMORY. */
pqcha_err spool_open(spool **out, const char *dir, const spool_limits *limits);
void spool_close(spool *s);

/* New bounds (a reloaded configuration), enforced from the next put.
 * Returns: OK, INVALID_ARGUMENT. */
pqcha_err spool_set_limits(spool *s, const spool_limits *limits);

/* Adds a report durably; *id (may be NULL) receives its id, which sorts
 * after every id before it. Drops the oldest reports as the bounds require.
 * Returns: OK, INVALID_ARGUMENT, TOO_LARGE (len above max_bytes or
 * SPOOL_MAX_REPORT_BYTES: nothing is written or dropped), NO_SPACE,
 * PERMISSION, READ_ONLY, IO, NO_MEMORY. After an error the report is not in
 * the spool. */
pqcha_err spool_put(spool *s, const char *data, size_t len, uint64_t *id);

/* The oldest report's id. Returns: OK, NOT_FOUND (the spool is empty). */
pqcha_err spool_oldest(const spool *s, uint64_t *id);

/* A report's bytes (malloc'd, NUL-terminated; free with free()).
 * Returns: OK, INVALID_ARGUMENT, NOT_FOUND (no such report, or its file was
 * removed behind the spool's back: spool_remove forgets it), TOO_LARGE,
 * PERMISSION, IO, NO_MEMORY. */
pqcha_err spool_read(spool *s, uint64_t id, char **data, size_t *len);

/* Removes a delivered (or refused) report durably; a report whose file is
 * already gone is forgotten. Returns: OK, INVALID_ARGUMENT, NOT_FOUND (no
 * such report), PERMISSION, READ_ONLY (the report stays), IO (the file is
 * removed but the directory could not be synced: a crash may bring it back,
 * and it is sent again — the verifier stores a report once). */
pqcha_err spool_remove(spool *s, uint64_t id);

size_t spool_count(const spool *s);
uint64_t spool_bytes(const spool *s);
/* Reports dropped by the bounds since the directory was created. */
uint64_t spool_dropped(const spool *s);
const char *spool_dir(const spool *s);

#endif
