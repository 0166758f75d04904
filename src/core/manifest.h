/* manifest.h — the manifest model shared by the manifest encoder/decoder,
 * the policy (which can embed manifest entries as reference values) and the
 * verifier (which maps drifted byte ranges to tensors). Tensors are
 * core/tensor.h's; the parsers that make them, core/model_parsers.h's. */
#ifndef PQCHA_MANIFEST_INTERNAL_H
#define PQCHA_MANIFEST_INTERNAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/segments.h"
#include "core/tensor.h"
#include "pqcha.h"

typedef struct pqcha__model_file {
    char *name;   /* base name: how policies and process regions refer to it */
    char *format; /* "safetensors", "gguf" or "raw" */
    uint64_t size;
    uint8_t digest[PQCHA_SHA3_256_LEN]; /* sha3-256-tree of the whole file */
    char digest_hex[65]; /* the same in lowercase hex (pqcha_manifest_file_digest_hex) */
    unsigned node_level; /* FORMAT.md 4.5; meaningful when node_count > 0 */
    size_t node_count;
    uint8_t (*nodes)[PQCHA_SHA3_256_LEN];
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
