/* manifest.h — the manifest model shared by the manifest encoder/decoder,
 * the model-file parsers, the policy (which can embed manifest entries as
 * reference values) and the verifier (which maps drifted byte ranges to
 * tensors). */
#ifndef PQCHA_MANIFEST_INTERNAL_H
#define PQCHA_MANIFEST_INTERNAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "pqcha.h"
#include "core/segments.h"

#define PQCHA__MAX_TENSOR_DIMS 8

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
pqcha_err pqcha__safetensors_index_parse(pqcha__safetensors_index *out, const char *text, size_t len);
void pqcha__index_free(pqcha__safetensors_index *ix);

/* A sentence for the person reading the error: which element of a model file
 * a parser refused, e.g. the tensor and the unknown type id. The error code
 * stays the decision; the text only explains it. Names from the file are
 * escaped (\xNN for control and non-ASCII bytes), so it is safe to print. */
typedef struct pqcha__diag {
    char text[320];
} pqcha__diag;

typedef struct pqcha__tensor {
    char *name;
    char *dtype;   /* as the file names it: "F32", "BF16" (safetensors); "F16", "Q4_K" (GGUF) */
    uint64_t shape[PQCHA__MAX_TENSOR_DIMS];
    unsigned ndims;
    uint64_t offset; /* absolute byte offset of the data within the file */
    uint64_t size;   /* bytes */
    uint8_t digest[32]; /* sha3-256-tree of exactly those bytes, when the file has tensor digests */
} pqcha__tensor;

typedef struct pqcha__model_file {
    char *name;   /* base name: how policies and process regions refer to it */
    char *format; /* "safetensors", "gguf" or "raw" */
    uint64_t size;
    uint8_t digest[32];  /* sha3-256-tree of the whole file */
    char digest_hex[65]; /* the same in lowercase hex (pqcha_manifest_file_digest_hex) */
    unsigned node_level; /* FORMAT.md 4.5; meaningful when node_count > 0 */
    size_t node_count;
    uint8_t (*nodes)[32];
    pqcha__tensor *tensors; /* sorted by offset */
    size_t tensor_count;
    /* Tensor digests (FORMAT.md 8.1): every tensor's digest is set, and the
     * bytes outside tensors are the gaps, in offset order, each with its
     * sha3-256-tree digest. A manifest written before tensor digests existed
     * has neither (has_tensor_digests 0). */
    int has_tensor_digests;
    pqcha__segment *gaps; /* tensor NULL in each */
    size_t gap_count;
} pqcha__model_file;

struct pqcha_manifest {
    pqcha__model_file *files;
    size_t count;
    size_t cap;
    pqcha__diag diag; /* why the last pqcha_manifest_add_file failed, or "" */
};

/* One manifest entry as a JSON object and back (strict). */
pqcha_err pqcha__model_file_encode(json_t **out, const pqcha__model_file *f);
pqcha_err pqcha__model_file_decode(pqcha__model_file *out, const json_t *obj);
pqcha_err pqcha__model_file_copy(pqcha__model_file *dst, const pqcha__model_file *src);
void pqcha__model_file_clear(pqcha__model_file *f);

/* ---- model-file parsers (pure: they see only bytes) ----
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

/* "tensor '<escaped name>'" + the rest, formatted. */
void pqcha__diag_tensor(pqcha__diag *d, const char *name, size_t name_len, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* The parsers above, also explaining a refusal in *diag (may be NULL). */
pqcha_err pqcha__safetensors_parse_diag(pqcha__tensor **tensors, size_t *count, size_t *need,
                                        const uint8_t *head, size_t head_len, uint64_t file_size,
                                        pqcha__diag *diag);
pqcha_err pqcha__gguf_parse_diag(pqcha__tensor **tensors, size_t *count, size_t *need,
                                 const uint8_t *head, size_t head_len, uint64_t file_size,
                                 pqcha__diag *diag);
void pqcha__tensors_free(pqcha__tensor *tensors, size_t count);

/* Tensor names in both formats and in manifests: 1..PQCHA__MAX_TENSOR_NAME_LEN
 * bytes of UTF-8 without NUL. BAD_IDENTIFIER, or TOO_LARGE above the cap. */
#define PQCHA__MAX_TENSOR_NAME_LEN 65536u
pqcha_err pqcha__tensor_name_check(const char *name, size_t len);
/* The per-format rules for one tensor table entry, shared by the parsers and
 * the manifest decoder: the dtype is one the format defines
 * (UNSUPPORTED_ALGORITHM), the shape has a dimension count the format allows
 * (MALFORMED) and size is exactly the bytes the shape and dtype occupy
 * (OUT_OF_RANGE on overflow, INCONSISTENT_CLAIMS on a mismatch). */
pqcha_err pqcha__safetensors_tensor_check(const pqcha__tensor *t);
pqcha_err pqcha__gguf_tensor_check(const pqcha__tensor *t);

/* The entry describing a file of `size` bytes that a process maps: the entry
 * named `id` (an explicit region id) if there is one, else the entry named
 * like the file's base name, else the only entry of that size; in every case
 * only an entry of exactly that size (another size is another file). NULL if
 * none. */
const pqcha__model_file *pqcha__manifest_match(const pqcha_manifest *m, const char *id,
                                               const char *base_name, uint64_t size);

/* The tensors of f as references for pqcha__segments_layout (names borrowed,
 * not copied: free the array alone). */
pqcha_err pqcha__model_file_tensor_refs(pqcha__tensor_ref **out, const pqcha__model_file *f);

/* FORMAT.md 4.5: the node digests sha3-256-tree records for an input of size
 * bytes. With m = ceil(size / PQCHA_TREE_LEAF_SIZE) leaves: none (count 0,
 * level 0) when size <= one leaf; otherwise level k is the smallest k >= 0
 * with ceil(m / 2^k) <= PQCHA_MAX_TREE_NODES, and count = ceil(m / 2^k). */
void pqcha__tree_node_shape(uint64_t size, unsigned *level, size_t *count);

#endif
