/* pqcha/manifest.h — reference values from model files (docs/FORMAT.md section 8).
 *
 * A manifest lists model files by base name with their size, sha3-256-tree
 * digest, the tree's node digests (for drift localisation) and, for
 * safetensors and GGUF files, the tensor table: names, dtypes, shapes, byte
 * ranges and the sha3-256-tree digest of every tensor's bytes (and of the
 * bytes between tensors), so a verifier can check a model tensor by tensor
 * in a process that maps only part of the file. A verifier policy can name a manifest entry as the reference
 * for a region, so drift is reported down to the tensor. */
#ifndef PQCHA_MANIFEST_H
#define PQCHA_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "pqcha/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PQCHA_MAX_MANIFEST_LEN   (64u * 1024u * 1024u)
#define PQCHA_MAX_MANIFEST_FILES 1024u
#define PQCHA_MAX_TENSORS        1000000u

typedef struct pqcha_manifest pqcha_manifest;

/* Returns: OK, INVALID_ARGUMENT, NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_manifest_create(pqcha_manifest **out);
/* Hashes the file (sha3-256-tree with node digests, `threads` as for
 * pqcha_hasher_set_threads) and, if it is safetensors or GGUF (by content),
 * parses its tensor table strictly; a malformed model file is an error
 * (PQCHA_ERR_MALFORMED and friends), never a partial entry. The entry is named
 * by the file's base name; a second file of the same name is PQCHA_ERR_REGION_EXISTS.
 * On error the manifest is as it was (but for pqcha_manifest_error_detail).
 * Returns: OK, INVALID_ARGUMENT, BAD_IDENTIFIER (the base name), REGION_EXISTS,
 * TOO_LARGE (more than PQCHA_MAX_MANIFEST_FILES files), NOT_FOUND,
 * PERMISSION, IS_DIRECTORY, IO, OUT_OF_RANGE (a file above 2^53-1 bytes),
 * REGION_CHANGED (the file changed while it was read), NO_MEMORY, CRYPTO, or,
 * for a malformed safetensors or GGUF file, the malformed-input error (10-39)
 * naming the defect. */
PQCHA_MUST_CHECK
pqcha_err pqcha_manifest_add_file(pqcha_manifest *m, const char *path, unsigned threads);
/* A sharded safetensors model: reads its index ("model.safetensors.index.json",
 * {"metadata": {...}, "weight_map": {tensor: shard}}) and adds every shard it
 * names (base names, next to the index), in name order, as
 * pqcha_manifest_add_file would; then checks that each tensor of the weight
 * map is in the shard it names (INCONSISTENT_CLAIMS otherwise). All shards
 * or none are added. A process maps each shard as its own region, checked
 * against its own entry.
 * Returns: as pqcha_manifest_add_file, for the index and each shard; also
 * MALFORMED (a shard that is not safetensors), INCONSISTENT_CLAIMS (a tensor
 * not in the shard the index names). */
PQCHA_MUST_CHECK
pqcha_err pqcha_manifest_add_safetensors_index(pqcha_manifest *m, const char *index_path,
                                               unsigned threads);
/* After pqcha_manifest_add_file failed on a model file: one sentence naming
 * what was refused (e.g. "tensor 'blk.0.ffn_up.weight' has ggml type 43,
 * which this version of pqcha does not know"), control characters escaped;
 * "" when there is nothing to add to the error code. Never NULL. */
const char *pqcha_manifest_error_detail(const pqcha_manifest *m);
/* Pretty JSON (FORMAT.md section 8), NUL-terminated, free with pqcha_free.
 * Returns: OK, INVALID_ARGUMENT, TOO_LARGE (above PQCHA_MAX_MANIFEST_LEN),
 * NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_manifest_to_json(char **out, const pqcha_manifest *m);
/* Strict decoder, same rules as reports and policies.
 * Returns: OK, INVALID_ARGUMENT (out NULL, json NULL with len > 0), NO_MEMORY,
 * or the malformed-input error (10-39) of the first defect: TOO_LARGE,
 * JSON_SYNTAX, JSON_DUPLICATE_KEY, JSON_TOO_COMPLEX, UNKNOWN_FIELD,
 * MISSING_FIELD, WRONG_TYPE, BAD_HEX, OUT_OF_RANGE, BAD_IDENTIFIER,
 * UNSUPPORTED_ALGORITHM (an unknown dtype), INCONSISTENT_CLAIMS, MALFORMED. */
PQCHA_MUST_CHECK
pqcha_err pqcha_manifest_parse(pqcha_manifest **out, const char *json, size_t len);
void pqcha_manifest_free(pqcha_manifest *m);

size_t pqcha_manifest_file_count(const pqcha_manifest *m);
const char *pqcha_manifest_file_name(const pqcha_manifest *m, size_t file);
uint64_t pqcha_manifest_file_size(const pqcha_manifest *m, size_t file);
const char *pqcha_manifest_file_format(const pqcha_manifest *m,
                                       size_t file); /* "safetensors", "gguf", "raw" */
const char *pqcha_manifest_file_digest_hex(const pqcha_manifest *m,
                                           size_t file); /* sha3-256-tree */
size_t pqcha_manifest_tensor_count(const pqcha_manifest *m, size_t file);
const char *pqcha_manifest_tensor_name(const pqcha_manifest *m, size_t file, size_t tensor);
const char *pqcha_manifest_tensor_dtype(const pqcha_manifest *m, size_t file, size_t tensor);
/* Absolute byte range of the tensor's data within the file. */
uint64_t pqcha_manifest_tensor_offset(const pqcha_manifest *m, size_t file, size_t tensor);
uint64_t pqcha_manifest_tensor_size(const pqcha_manifest *m, size_t file, size_t tensor);

#ifdef __cplusplus
}
#endif
#endif
