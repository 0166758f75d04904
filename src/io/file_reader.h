/* file_reader.h — streaming a byte range of an open file to a sink while the
 * next bytes are already being read, so that reading and hashing overlap. */
#ifndef PQCHA_FILE_READER_H
#define PQCHA_FILE_READER_H

#include <stdint.h>

#include "pqcha/backend.h"

/* The ring the reader thread fills: PQCHA__READ_AHEAD_SLOTS buffers of
 * PQCHA__READ_AHEAD_CHUNK bytes, the most a range costs in memory whatever
 * its size. Chosen by measurement (docs/PERFORMANCE.md, "Files"): 4 x 4 MiB
 * beat 4 x 8 MiB, 8 x 1 MiB and mmap on a cached 1 GiB file; 4 MiB is one
 * batch of leaves for the parallel digests. */
#define PQCHA__READ_AHEAD_SLOTS 4u
#define PQCHA__READ_AHEAD_CHUNK (4u * 1024u * 1024u)

/* Reads [offset, offset+size) of fd (a regular file, read from its current
 * position after seeking to offset) and hands it to sink in order, in
 * pieces of at most PQCHA__READ_AHEAD_CHUNK bytes. A range longer than one
 * piece is read ahead on a thread of its own (joined before this returns)
 * while sink runs here; a shorter one is read on this thread. The sink is
 * never called with bytes past the range or after an error.
 * Returns: OK; REGION_CHANGED (the file ended before the range did: it was
 * truncated under us); io_error (a failed seek or read, EIO included);
 * NO_MEMORY; or the first error sink returned. */
PQCHA_MUST_CHECK
pqcha_err pqcha__file_stream(int fd, uint64_t offset, uint64_t size, pqcha_err io_error,
                             pqcha_chunk_sink sink, void *sink_ctx);

/* Random access to [offset, offset+size) of fd, for readers on several
 * threads at once (the hashing threads, pqcha__parhash_update_from): each
 * read is a pread(2) of its own, so they share no file position. */
typedef struct pqcha__file_range {
    int fd;
    uint64_t offset, size;
    pqcha_err io_error;
} pqcha__file_range;

/* Hints sequential access over the range and starts reading its first
 * PQCHA__READ_AHEAD_SLOTS pieces, so that a cold file has reads in flight. */
void pqcha__file_range_init(pqcha__file_range *r, int fd, uint64_t offset, uint64_t size,
                            pqcha_err io_error);
/* Fills buf with the len bytes at `at` within the range (a
 * pqcha__parhash_source): OK; REGION_CHANGED when the file ends first (it
 * was truncated under us); io_error. Reading a piece boundary also asks the
 * kernel for the piece a ring ahead, as pqcha__file_stream does. */
pqcha_err pqcha__file_range_read(void *range, uint64_t at, uint8_t *buf, size_t len);

#endif
