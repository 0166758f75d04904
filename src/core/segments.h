/* segments.h — sha3-256-segments (docs/FORMAT.md section 4.6): a region
 * that maps part of a model file is cut at the boundaries of the tensors
 * that lie wholly inside it; every piece ("segment": a tensor, or the bytes
 * between tensors) gets its own sha3-256-tree digest, and the region's digest
 * combines them. A verifier then compares each tensor with a manifest,
 * whatever file offset the mapping starts at, and the bytes outside tensors
 * are still covered by the region's digest.
 *
 * Pure: the layout is computed from a tensor table, and the hasher is fed
 * the region's bytes in order by whoever reads them. */
#ifndef PQCHA_SEGMENTS_H
#define PQCHA_SEGMENTS_H

#include <stddef.h>
#include <stdint.h>

#include "pqcha.h"

/* More segments than any real model has tensors (x2 + 1), far fewer than
 * the report's size cap could carry anyway. */
#define PQCHA__MAX_SEGMENTS         (1u << 20)
#define PQCHA__SEGMENTS_ROOT_PREFIX 0x03

/* A tensor of the model file a region maps: where its bytes are in the file. */
typedef struct pqcha__tensor_ref {
    char *name;
    uint64_t offset; /* absolute file offset */
    uint64_t size;   /* bytes, at least 1 */
} pqcha__tensor_ref;

typedef struct pqcha__segment {
    char *tensor;    /* the tensor's name, or NULL for bytes outside tensors */
    uint64_t offset; /* absolute file offset */
    uint64_t size;   /* at least 1 */
    uint8_t digest[PQCHA_SHA3_256_LEN];
} pqcha__segment;

/* The segments tiling the file range [base, base + size) (size >= 1): each
 * tensor of `tensors` (sorted by offset, not overlapping) that lies wholly
 * inside the range is one segment, and every maximal run of other bytes is
 * another (so a tensor cut by the range's ends is part of a gap). Names are
 * copied. TOO_LARGE above PQCHA__MAX_SEGMENTS. */
pqcha_err pqcha__segments_layout(pqcha__segment **out, size_t *count, uint64_t base, uint64_t size,
                                 const pqcha__tensor_ref *tensors, size_t n);
void pqcha__segments_free(pqcha__segment *segments, size_t count);
pqcha_err pqcha__segments_copy(pqcha__segment **out, const pqcha__segment *src, size_t count);

/* The region digest from the segments' digests and sizes:
 * SHA3-256(0x03 || u64be(total) || u64be(count) || (u64be(size_i) || digest_i)...).
 * INVALID_ARGUMENT unless the sizes add up to total and none is 0. */
pqcha_err pqcha__segments_root(const pqcha__segment *segments, size_t count, uint64_t total,
                               uint8_t out[PQCHA_SHA3_256_LEN]);

/* The shape every decoded or built segment list must have for a region
 * starting at file offset base with size bytes: 1..PQCHA__MAX_SEGMENTS
 * segments, each at least one byte, contiguous from base, adding up to size;
 * tensor names valid (pqcha__tensor_name_check) and unique. Errors:
 * TOO_LARGE, INCONSISTENT_CLAIMS, BAD_IDENTIFIER, MALFORMED (a repeated name). */
pqcha_err pqcha__segments_check(const pqcha__segment *segments, size_t count, uint64_t base,
                                uint64_t size);

/* Streaming: bytes of the region in order, any chunking. Segments larger than
 * one leaf are hashed with the parallel tree engine on `threads` threads
 * (0 = all CPUs); the rest on the calling thread. */
typedef struct pqcha__segment_hasher pqcha__segment_hasher;
/* The hasher borrows `segments` (count of them) and writes their digests. */
pqcha_err pqcha__segment_hasher_new(pqcha__segment_hasher **out, pqcha__segment *segments,
                                    size_t count, unsigned threads);
pqcha_err pqcha__segment_hasher_update(pqcha__segment_hasher *sh, const uint8_t *data, size_t len);
/* Every segment's digest is set, and the root written. REGION_CHANGED if
 * fewer or more bytes than the segments cover arrived. */
pqcha_err pqcha__segment_hasher_final(pqcha__segment_hasher *sh, uint8_t root[PQCHA_SHA3_256_LEN]);
void pqcha__segment_hasher_free(pqcha__segment_hasher *sh);

#endif
