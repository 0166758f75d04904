/* model_header.h — the format and tensor table of an open model file
 * (docs/FORMAT.md section 8.4), read from the file with the parsers'
 * "need more bytes" protocol up to a cap. Shared by manifests (which hash
 * the very bytes parsed) and the process backend (which learns the tensor
 * table of a file a process maps). Private to src/io. */
#ifndef PQCHA_MODEL_HEADER_H
#define PQCHA_MODEL_HEADER_H

#include <stddef.h>
#include <stdint.h>

#include "core/manifest.h"
#include "core/model_parsers.h"

/* Headers above this are refused (TOO_LARGE): safetensors caps its own at
 * 100 MiB; GGUF headers with large vocabularies take a few tens of MiB. */
#define PQCHA__MAX_MODEL_HEADER (256u * 1024u * 1024u)

typedef struct pqcha__model_header {
    const char *format;     /* "gguf", "safetensors" or "raw" (static strings) */
    pqcha__tensor *tensors; /* sorted by offset; none for raw */
    size_t tensor_count;
    uint8_t *head; /* the first head_len bytes of the file: what was parsed */
    size_t head_len;
} pqcha__model_header;

/* Detects the format from the content and parses the tensor table of a
 * model file; a malformed model file is an error (explained in *diag, which
 * may be NULL), never "raw". REGION_CHANGED if the file is shorter than
 * file_size. On error *out is cleared. */
pqcha_err pqcha__model_header_read(pqcha__model_header *out, int fd, uint64_t file_size,
                                   pqcha__diag *diag);
void pqcha__model_header_clear(pqcha__model_header *h);

/* Exactly len bytes at offset; a file that ends early has changed under us
 * (REGION_CHANGED); other failures map through pqcha__errno_to_err. */
pqcha_err pqcha__read_exact_at(int fd, uint8_t *buf, size_t len, uint64_t offset);

#endif
