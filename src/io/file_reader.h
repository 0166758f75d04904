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

#endif
