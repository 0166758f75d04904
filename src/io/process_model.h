/* process_model.h — the model file behind a mapping of another process:
 * opening it (by path, or through /proc/PID/map_files when the path no
 * longer names it) and reading its tensor table, so that the process
 * backend can give a mapping region the tensors it holds. Private to src/io. */
#ifndef PQCHA_PROCESS_MODEL_H
#define PQCHA_PROCESS_MODEL_H

#include "io/model_header.h"
#include "io/procmaps.h"

/* Opens the mapped file read-only: through its path when that still names
 * the mapped inode (a regular file), else through /proc/PID/map_files/
 * START-END, which reaches a deleted or replaced file but needs
 * CAP_SYS_ADMIN (PERMISSION without). REGION_CHANGED when neither names
 * the mapped inode any more. */
pqcha_err pqcha__open_mapped_file(int *fd, int pid, const pqcha__map_entry *e);

/* The format and tensor table (absolute file offsets, sorted) of the file a
 * mapping shows, from its header; no tensors for a raw file. diag explains a
 * refused model file. */
pqcha_err pqcha__mapped_file_header(pqcha__model_header *out, int pid, const pqcha__map_entry *e,
                                    uint64_t file_size, pqcha__diag *diag);

#endif
