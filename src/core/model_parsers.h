/* model_parsers.h — the model-file parsers (pure: they see only bytes) and
 * the index of a sharded safetensors model. They make core/tensor.h's
 * tables; the manifest and the io layer use them. */
#ifndef PQCHA_MODEL_PARSERS_H
#define PQCHA_MODEL_PARSERS_H

#include <stddef.h>
#include <stdint.h>

#include "core/tensor.h"

/* A sharded safetensors model's index ("model.safetensors.index.json":
 * {"metadata": {...}, "weight_map": {"<tensor>": "<shard file name>", ...}}),
 * parsed strictly: exactly those two keys, metadata an object, weight_map
 * 1..PQCHA_MAX_TENSORS tensor names (the tensor-name rules) each mapping to a
 * shard's base name (an identifier without '/', not "." or ".."). On success
 * *shards holds the distinct shard names sorted (free with
 * pqcha__index_free), and *map the (tensor, shard) pairs sorted by tensor. */
typedef struct pqcha__index_entry {
    char *tensor;
    const char *shard; /* points into the shard list */
} pqcha__index_entry;
typedef struct pqcha__safetensors_index {
    char **shards;
    size_t shard_count;
    pqcha__index_entry *map;
    size_t map_count;
} pqcha__safetensors_index;
#define PQCHA__MAX_INDEX_LEN (64u * 1024u * 1024u)
pqcha_err pqcha__safetensors_index_parse(pqcha__safetensors_index *out, const char *text,
                                         size_t len);
void pqcha__index_free(pqcha__safetensors_index *ix);

/* ---- model files ----
 * Both parse the header at the start of a file of file_size bytes, of which
 * the first head_len are in head. If the header extends beyond head, they
 * return PQCHA_ERR_TOO_LARGE with *need set to the bytes required (the caller
 * reads more, up to its cap, and calls again). Every tensor's byte range must
 * lie inside the file's data section; overlaps, unknown dtypes, shape/size
 * mismatches, duplicate names and trailing garbage in the header are errors.
 * On success *tensors (sorted by offset) and *count are set. */
pqcha_err pqcha__safetensors_parse(pqcha__tensor **tensors, size_t *count, size_t *need,
                                   const uint8_t *head, size_t head_len, uint64_t file_size);
pqcha_err pqcha__gguf_parse(pqcha__tensor **tensors, size_t *count, size_t *need,
                            const uint8_t *head, size_t head_len, uint64_t file_size);

/* The parsers above, also explaining a refusal in *diag (may be NULL). */
pqcha_err pqcha__safetensors_parse_diag(pqcha__tensor **tensors, size_t *count, size_t *need,
                                        const uint8_t *head, size_t head_len, uint64_t file_size,
                                        pqcha__diag *diag);
pqcha_err pqcha__gguf_parse_diag(pqcha__tensor **tensors, size_t *count, size_t *need,
                                 const uint8_t *head, size_t head_len, uint64_t file_size,
                                 pqcha__diag *diag);

#endif
