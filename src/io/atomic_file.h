/* atomic_file.h — every file pqcha writes is written atomically and durably:
 * its bytes go to an unnamed file in the target's directory (O_TMPFILE, or a
 * temporary name where the file system has no unnamed files), are fsync'd,
 * and only then get the target's name, by rename (replacing) or link (never
 * replacing), after which the directory is fsync'd. A failure or a kill at
 * any moment leaves the old file or the new one, never a torn one.
 *
 * Temporary names are ".<name>.pqcha-<pid>-<random>.tmp" next to the target;
 * the next write of the same target removes those whose process is gone (a
 * kill between naming and renaming). Private to src/io. */
#ifndef PQCHA_ATOMIC_FILE_H
#define PQCHA_ATOMIC_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "pqcha/error.h"

/* A file written but not yet published. */
typedef struct pqcha__staged_file {
    int fd;       /* open, or -1 once published or discarded */
    char *target; /* the name it will get */
    char *temp;   /* its temporary name */
    int named;    /* the file has the name temp (0: unnamed, O_TMPFILE) */
} pqcha__staged_file;

/* Writes data (len bytes) into a new file beside target with the given mode
 * (the file is 0600 until then), fsync'd. Errors: the file-system errors of
 * pqcha__errno_to_err, e.g. NO_SPACE, PERMISSION, NOT_FOUND (no such
 * directory), READ_ONLY. On error nothing is left behind. */
pqcha_err pqcha__stage_file(pqcha__staged_file *out, const char *target, const void *data,
                            size_t len, mode_t mode);
/* Gives the staged file the durable name `name` (in the same directory), so
 * that a publication in several steps can be completed after a crash. */
pqcha_err pqcha__stage_name(pqcha__staged_file *sf, const char *name);
/* Publishes under its target name: replace 1 renames over an existing file;
 * 0 refuses one (FILE_EXISTS), atomically. Then fsyncs the directory. */
pqcha_err pqcha__stage_publish(pqcha__staged_file *sf, int replace);
/* Removes an unpublished file; harmless after publish. */
void pqcha__stage_discard(pqcha__staged_file *sf);

/* Stage and publish in one step. */
pqcha_err pqcha__write_file_atomic(const char *target, const void *data, size_t len, mode_t mode,
                                   int replace);

/* fsyncs the directory holding path, so a rename or link in it is durable. */
pqcha_err pqcha__sync_parent_dir(const char *path);

#endif
