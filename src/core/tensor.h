/* tensor.h — the tensor model shared by the model-file parsers (gguf.c,
 * safetensors.c), the manifest, the policy and the verifier: a tensor table
 * entry, the rules every tensor name follows, and each format's element
 * types with the rule that a tensor's size is what its shape and type
 * occupy. Parsers and manifest depend on this unit, never on each other. */
#ifndef PQCHA_TENSOR_H
#define PQCHA_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#include "pqcha.h"

#define PQCHA__MAX_TENSOR_DIMS 8
/* Tensor names in both formats and in manifests: 1..PQCHA__MAX_TENSOR_NAME_LEN
 * bytes of UTF-8 without NUL. */
#define PQCHA__MAX_TENSOR_NAME_LEN 65536u
/* The official safetensors implementation refuses headers above 100 MB; a
 * little more here never rejects a file it accepts. */
#define PQCHA__SAFETENSORS_MAX_HEADER (100u * 1024u * 1024u)
#define PQCHA__GGUF_MAX_DIMS          4u /* GGML_MAX_DIMS */

typedef struct pqcha__tensor {
    char *name;
    char *dtype; /* as the file names it: "F32", "BF16" (safetensors); "F16", "Q4_K" (GGUF) */
    uint64_t shape[PQCHA__MAX_TENSOR_DIMS];
    unsigned ndims;
    uint64_t offset; /* absolute byte offset of the data within the file */
    uint64_t size;   /* bytes */
    uint8_t digest
        [PQCHA_SHA3_256_LEN]; /* sha3-256-tree of exactly those bytes, when the file has tensor digests */
} pqcha__tensor;

/* Frees a table of count tensors and their strings (NULL: nothing). */
void pqcha__tensors_free(pqcha__tensor *tensors, size_t count);

/* BAD_IDENTIFIER for an empty name, NUL or bytes that are not UTF-8;
 * TOO_LARGE above PQCHA__MAX_TENSOR_NAME_LEN. */
pqcha_err pqcha__tensor_name_check(const char *name, size_t len);

/* A sentence for the person reading the error: which element of a model file
 * a parser refused, e.g. the tensor and the unknown type id. The error code
 * stays the decision; the text only explains it. Names from the file are
 * escaped (\xNN for control and non-ASCII bytes), so it is safe to print. */
typedef struct pqcha__diag {
    char text[320];
} pqcha__diag;

/* "tensor '<escaped name>'" + the rest, formatted; d may be NULL. */
void pqcha__diag_tensor(pqcha__diag *d, const char *name, size_t name_len, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* first * dims[0] * ... * dims[ndims-1], or OUT_OF_RANGE if it does not fit
 * in 64 bits. */
pqcha_err pqcha__shape_product(uint64_t *out, uint64_t first, const uint64_t *dims, unsigned ndims);

/* safetensors: bytes per element of a dtype, 0 for one the format does not define. */
uint64_t pqcha__safetensors_dtype_bytes(const char *name);

/* ggml tensor types: id, name, elements per block, bytes per block. */
typedef struct pqcha__ggml_type {
    uint32_t id;
    const char *name;
    uint32_t block;
    uint32_t bytes;
} pqcha__ggml_type;
const pqcha__ggml_type *pqcha__ggml_type_by_id(uint32_t id); /* NULL if unknown */
const pqcha__ggml_type *pqcha__ggml_type_by_name(const char *name);
/* Bytes of a tensor: rows of ne[0] elements in whole blocks, times the other
 * dimensions. MALFORMED if a row is not a whole number of blocks,
 * OUT_OF_RANGE on overflow. */
pqcha_err pqcha__ggml_tensor_bytes(uint64_t *out, const pqcha__ggml_type *type, const uint64_t *ne,
                                   unsigned ndims);

/* The per-format rules for one tensor table entry, shared by the parsers and
 * the manifest decoder: the dtype is one the format defines
 * (UNSUPPORTED_ALGORITHM), the shape has a dimension count the format allows
 * (MALFORMED) and size is exactly the bytes the shape and dtype occupy
 * (OUT_OF_RANGE on overflow, INCONSISTENT_CLAIMS on a mismatch). */
pqcha_err pqcha__safetensors_tensor_check(const pqcha__tensor *t);
pqcha_err pqcha__gguf_tensor_check(const pqcha__tensor *t);
/* The same by format name ("safetensors", "gguf"); a raw file has no
 * tensors: MALFORMED. */
pqcha_err pqcha__tensor_check(const char *format, const pqcha__tensor *t);

#endif
