/* manifest.c — the manifest model (docs/FORMAT.md section 8): reference
 * values for model files, a pretty encoder with sorted keys and a decoder as
 * strict as the report and policy decoders.
 *
 * Rejections beyond the generic JSON errors of FORMAT.md section 1:
 *  - version other than 1, an unknown format, tensors on a raw file, two
 *    files of one name, tensors out of offset order or overlapping, two
 *    tensors of one name: MALFORMED;
 *  - a file name that is not a base name (identifier rules, no '/', not "."
 *    or ".."): BAD_IDENTIFIER;
 *  - nodes on a file of at most one leaf, a level or node count other than
 *    FORMAT.md 4.5 gives for the size, or nodes from which the digest does
 *    not recompute; a tensor past the end of the file; a
 *    tensor size that disagrees with its shape and dtype: INCONSISTENT_CLAIMS
 *    (the last through the per-format checks, which also give
 *    UNSUPPORTED_ALGORITHM for an unknown dtype);
 *  - above PQCHA_MAX_MANIFEST_LEN bytes, PQCHA_MAX_MANIFEST_FILES files,
 *    PQCHA_MAX_TENSORS tensors, PQCHA_MAX_TREE_NODES nodes: TOO_LARGE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/encoding.h"
#include "core/internal.h"
#include "core/json.h"
#include "core/manifest.h"
#include "core/parhash.h"

#define MANIFEST_VERSION    1
#define DIGEST_ALG_NAME     "sha3-256-tree"
#define MAX_FORMAT_NAME_LEN 16u
#define MAX_DTYPE_LEN       16u

/* ======================================================================
 * Shared rules
 * ====================================================================== */

void pqcha__tree_node_shape(uint64_t size, unsigned *level, size_t *count) {
    /* One rule, the tree hasher's, at the format's leaf size. */
    unsigned k;
    size_t n;
    pqcha__parhash_node_shape(size, PQCHA_TREE_LEAF_SIZE, &k, &n);
    if (level != NULL) *level = k;
    if (count != NULL) *count = n;
}

/* A file's name in a manifest is a base name: what a process's memory map and
 * a policy call the file, without the directory it happened to be in. */
static pqcha_err base_name_check(const char *name) {
    PQCHA_TRY(pqcha_identifier_check(name));
    if (strchr(name, '/') != NULL || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return PQCHA_ERR_BAD_IDENTIFIER;
    return PQCHA_OK;
}

static int format_known(const char *format) {
    return strcmp(format, "safetensors") == 0 || strcmp(format, "gguf") == 0 ||
           strcmp(format, "raw") == 0;
}

pqcha_err pqcha__model_file_tensor_refs(pqcha__tensor_ref **out, const pqcha__model_file *f) {
    if (out == NULL || f == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (f->tensor_count == 0) return PQCHA_OK;
    pqcha__tensor_ref *refs = malloc(f->tensor_count * sizeof *refs);
    if (refs == NULL) return PQCHA_ERR_NO_MEMORY;
    for (size_t i = 0; i < f->tensor_count; i++)
        refs[i] = (pqcha__tensor_ref){f->tensors[i].name, f->tensors[i].offset, f->tensors[i].size};
    *out = refs;
    return PQCHA_OK;
}

/* The gaps are exactly the bytes outside the tensors (which are in order and
 * do not overlap: checked before), in offset order, none empty. An empty
 * tensor holds no bytes and splits no gap. */
static pqcha_err gaps_check(const pqcha__model_file *f) {
    size_t g = 0;
    uint64_t at = 0;
    for (size_t i = 0; i <= f->tensor_count; i++) {
        if (i < f->tensor_count && f->tensors[i].size == 0) continue;
        uint64_t next = i < f->tensor_count ? f->tensors[i].offset : f->size;
        if (next > at) {
            if (g == f->gap_count || f->gaps[g].offset != at || f->gaps[g].size != next - at ||
                f->gaps[g].tensor != NULL)
                return PQCHA_ERR_INCONSISTENT_CLAIMS;
            g++;
        }
        if (i < f->tensor_count) at = f->tensors[i].offset + f->tensors[i].size;
    }
    return g == f->gap_count ? PQCHA_OK : PQCHA_ERR_INCONSISTENT_CLAIMS;
}

/* Everything a decoded entry must satisfy, applied to the encoder's input
 * too, so that whatever pqcha writes it also reads back. */
static pqcha_err model_file_check(const pqcha__model_file *f) {
    PQCHA_TRY(base_name_check(f->name));
    if (f->format == NULL || !format_known(f->format)) return PQCHA_ERR_MALFORMED;
    if (f->size > PQCHA_MAX_SAFE_INTEGER) return PQCHA_ERR_OUT_OF_RANGE;
    if (f->node_count != 0) /* any others would localise drift wrongly */
        PQCHA_TRY(pqcha__tree_nodes_check(f->nodes ? f->nodes[0] : NULL, f->node_count,
                                          f->node_level, f->size, f->digest));
    int raw = strcmp(f->format, "raw") == 0;
    if (raw && (f->tensor_count != 0 || f->has_tensor_digests)) return PQCHA_ERR_MALFORMED;
    if (f->tensor_count > PQCHA_MAX_TENSORS) return PQCHA_ERR_TOO_LARGE;
    for (size_t i = 0; i < f->tensor_count; i++) {
        const pqcha__tensor *t = &f->tensors[i];
        if (t->name == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
        PQCHA_TRY(pqcha__tensor_name_check(t->name, strlen(t->name)));
        PQCHA_TRY(pqcha__tensor_check(f->format, t));
        if (t->offset > f->size || t->size > f->size - t->offset)
            return PQCHA_ERR_INCONSISTENT_CLAIMS;
        if (i > 0 && t->offset < f->tensors[i - 1].offset + f->tensors[i - 1].size)
            return PQCHA_ERR_MALFORMED; /* out of order or overlapping */
    }
    return f->has_tensor_digests ? gaps_check(f) : PQCHA_OK;
}

static int compare_name_ptrs(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Tensor names are unique within a file (a name is how drift is reported). */
static pqcha_err tensor_names_unique(const pqcha__model_file *f) {
    if (f->tensor_count < 2) return PQCHA_OK;
    const char **names = malloc(f->tensor_count * sizeof *names);
    if (names == NULL) return PQCHA_ERR_NO_MEMORY;
    for (size_t i = 0; i < f->tensor_count; i++)
        names[i] = f->tensors[i].name;
    qsort(names, f->tensor_count, sizeof *names, compare_name_ptrs);
    pqcha_err err = PQCHA_OK;
    for (size_t i = 1; i < f->tensor_count && err == PQCHA_OK; i++)
        if (strcmp(names[i - 1], names[i]) == 0) err = PQCHA_ERR_MALFORMED;
    free(names);
    return err;
}

/* ======================================================================
 * The model
 * ====================================================================== */

void pqcha__model_file_clear(pqcha__model_file *f) {
    if (f == NULL) return;
    free(f->name);
    free(f->format);
    free(f->nodes);
    pqcha__tensors_free(f->tensors, f->tensor_count);
    pqcha__segments_free(f->gaps, f->gap_count);
    memset(f, 0, sizeof *f);
}

static pqcha_err tensors_copy(pqcha__tensor **out, const pqcha__tensor *src, size_t n) {
    *out = NULL;
    if (n == 0) return PQCHA_OK;
    pqcha__tensor *t = calloc(n, sizeof *t);
    if (t == NULL) return PQCHA_ERR_NO_MEMORY;
    for (size_t i = 0; i < n; i++) {
        t[i] = src[i];
        t[i].name = pqcha__strdup(src[i].name);
        t[i].dtype = pqcha__strdup(src[i].dtype);
        if (t[i].name == NULL || t[i].dtype == NULL) {
            pqcha__tensors_free(t, i + 1);
            return PQCHA_ERR_NO_MEMORY;
        }
    }
    *out = t;
    return PQCHA_OK;
}

pqcha_err pqcha__model_file_copy(pqcha__model_file *dst, const pqcha__model_file *src) {
    if (dst == NULL || src == NULL || src->name == NULL || src->format == NULL)
        return PQCHA_ERR_INVALID_ARGUMENT;
    memset(dst, 0, sizeof *dst);
    dst->name = pqcha__strdup(src->name);
    dst->format = pqcha__strdup(src->format);
    if (dst->name == NULL || dst->format == NULL) goto no_memory;
    if (src->node_count > 0) {
        dst->nodes = malloc(src->node_count * sizeof dst->nodes[0]);
        if (dst->nodes == NULL) goto no_memory;
        memcpy(dst->nodes, src->nodes, src->node_count * sizeof dst->nodes[0]);
    }
    if (tensors_copy(&dst->tensors, src->tensors, src->tensor_count) != PQCHA_OK) goto no_memory;
    dst->tensor_count = src->tensor_count;
    if (pqcha__segments_copy(&dst->gaps, src->gaps, src->gap_count) != PQCHA_OK) goto no_memory;
    dst->gap_count = src->gap_count;
    dst->has_tensor_digests = src->has_tensor_digests;
    dst->size = src->size;
    memcpy(dst->digest, src->digest, sizeof dst->digest);
    pqcha_hex_encode(dst->digest_hex, dst->digest, sizeof dst->digest);
    dst->node_level = src->node_level;
    dst->node_count = src->node_count;
    dst->tensor_count = src->tensor_count;
    return PQCHA_OK;
no_memory:
    pqcha__model_file_clear(dst);
    return PQCHA_ERR_NO_MEMORY;
}

pqcha_err pqcha_manifest_create(pqcha_manifest **out) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = calloc(1, sizeof **out);
    return *out ? PQCHA_OK : PQCHA_ERR_NO_MEMORY;
}

void pqcha_manifest_free(pqcha_manifest *m) {
    if (m == NULL) return;
    for (size_t i = 0; i < m->count; i++)
        pqcha__model_file_clear(&m->files[i]);
    free(m->files);
    free(m);
}

static const pqcha__model_file *file_at(const pqcha_manifest *m, size_t i) {
    return m != NULL && i < m->count ? &m->files[i] : NULL;
}

static const pqcha__tensor *tensor_at(const pqcha_manifest *m, size_t file, size_t tensor) {
    const pqcha__model_file *f = file_at(m, file);
    return f != NULL && tensor < f->tensor_count ? &f->tensors[tensor] : NULL;
}

static const pqcha__model_file *entry_named(const pqcha_manifest *m, const char *name,
                                            uint64_t size) {
    for (size_t i = 0; name != NULL && i < m->count; i++)
        if (strcmp(m->files[i].name, name) == 0)
            return m->files[i].size == size ? &m->files[i] : NULL;
    return NULL;
}

const pqcha__model_file *pqcha__manifest_match(const pqcha_manifest *m, const char *id,
                                               const char *base_name, uint64_t size) {
    if (m == NULL) return NULL;
    const pqcha__model_file *f = entry_named(m, id, size);
    if (f == NULL) f = entry_named(m, base_name, size);
    if (f != NULL) return f;
    const pqcha__model_file *only = NULL;
    for (size_t i = 0; i < m->count; i++) {
        if (m->files[i].size != size) continue;
        if (only != NULL) return NULL; /* two candidates: no guessing */
        only = &m->files[i];
    }
    return only;
}

const char *pqcha_manifest_error_detail(const pqcha_manifest *m) {
    return m ? m->diag.text : "";
}

size_t pqcha_manifest_file_count(const pqcha_manifest *m) {
    return m ? m->count : 0;
}

const char *pqcha_manifest_file_name(const pqcha_manifest *m, size_t file) {
    const pqcha__model_file *f = file_at(m, file);
    return f ? f->name : NULL;
}

uint64_t pqcha_manifest_file_size(const pqcha_manifest *m, size_t file) {
    const pqcha__model_file *f = file_at(m, file);
    return f ? f->size : 0;
}

const char *pqcha_manifest_file_format(const pqcha_manifest *m, size_t file) {
    const pqcha__model_file *f = file_at(m, file);
    return f ? f->format : NULL;
}

const char *pqcha_manifest_file_digest_hex(const pqcha_manifest *m, size_t file) {
    const pqcha__model_file *f = file_at(m, file);
    return f ? f->digest_hex : NULL;
}

size_t pqcha_manifest_tensor_count(const pqcha_manifest *m, size_t file) {
    const pqcha__model_file *f = file_at(m, file);
    return f ? f->tensor_count : 0;
}

const char *pqcha_manifest_tensor_name(const pqcha_manifest *m, size_t file, size_t tensor) {
    const pqcha__tensor *t = tensor_at(m, file, tensor);
    return t ? t->name : NULL;
}

const char *pqcha_manifest_tensor_dtype(const pqcha_manifest *m, size_t file, size_t tensor) {
    const pqcha__tensor *t = tensor_at(m, file, tensor);
    return t ? t->dtype : NULL;
}

uint64_t pqcha_manifest_tensor_offset(const pqcha_manifest *m, size_t file, size_t tensor) {
    const pqcha__tensor *t = tensor_at(m, file, tensor);
    return t ? t->offset : 0;
}

uint64_t pqcha_manifest_tensor_size(const pqcha_manifest *m, size_t file, size_t tensor) {
    const pqcha__tensor *t = tensor_at(m, file, tensor);
    return t ? t->size : 0;
}

/* ======================================================================
 * Encoding
 * ====================================================================== */

/* Adds value to obj under key, taking the reference; NULL values (failed
 * allocations) become NO_MEMORY. */
static pqcha_err put(json_t *obj, const char *key, json_t *value) {
    if (value == NULL || json_object_set_new(obj, key, value) != 0) return PQCHA_ERR_NO_MEMORY;
    return PQCHA_OK;
}

static pqcha_err append(json_t *array, json_t *value) {
    if (value == NULL || json_array_append_new(array, value) != 0) return PQCHA_ERR_NO_MEMORY;
    return PQCHA_OK;
}

static json_t *hex_string(const uint8_t digest[PQCHA_SHA3_256_LEN]) {
    char hex[2 * PQCHA_SHA3_256_LEN + 1];
    pqcha_hex_encode(hex, digest, PQCHA_SHA3_256_LEN);
    return json_string(hex);
}

static pqcha_err encode_tensor(json_t *obj, const pqcha__tensor *t) {
    json_t *shape = json_array();
    PQCHA_TRY(put(obj, "shape", shape));
    for (unsigned i = 0; i < t->ndims; i++)
        PQCHA_TRY(append(shape, json_integer((json_int_t)t->shape[i])));
    PQCHA_TRY(put(obj, "name", json_string(t->name)));
    PQCHA_TRY(put(obj, "dtype", json_string(t->dtype)));
    PQCHA_TRY(put(obj, "offset", json_integer((json_int_t)t->offset)));
    return put(obj, "size", json_integer((json_int_t)t->size));
}

/* {"sha3-256-tree": "<64 hex>"} */
static pqcha_err put_digest(json_t *obj, const uint8_t digest[PQCHA_SHA3_256_LEN]) {
    json_t *d = json_object();
    PQCHA_TRY(put(obj, "digest", d));
    return put(d, DIGEST_ALG_NAME, hex_string(digest));
}

static pqcha_err encode_gaps(json_t *obj, const pqcha__model_file *f) {
    json_t *gaps = json_array();
    PQCHA_TRY(put(obj, "gaps", gaps));
    for (size_t i = 0; i < f->gap_count; i++) {
        json_t *g = json_object();
        PQCHA_TRY(append(gaps, g));
        PQCHA_TRY(put(g, "offset", json_integer((json_int_t)f->gaps[i].offset)));
        PQCHA_TRY(put(g, "size", json_integer((json_int_t)f->gaps[i].size)));
        PQCHA_TRY(put_digest(g, f->gaps[i].digest));
    }
    return PQCHA_OK;
}

static pqcha_err encode_nodes(json_t *obj, const pqcha__model_file *f) {
    json_t *nodes = json_object();
    PQCHA_TRY(put(obj, "nodes", nodes));
    PQCHA_TRY(put(nodes, "level", json_integer((json_int_t)f->node_level)));
    json_t *digests = json_array();
    PQCHA_TRY(put(nodes, "digests", digests));
    for (size_t i = 0; i < f->node_count; i++)
        PQCHA_TRY(append(digests, hex_string(f->nodes[i])));
    return PQCHA_OK;
}

static pqcha_err encode_file(json_t *obj, const pqcha__model_file *f) {
    PQCHA_TRY(put(obj, "name", json_string(f->name)));
    PQCHA_TRY(put(obj, "format", json_string(f->format)));
    PQCHA_TRY(put(obj, "size", json_integer((json_int_t)f->size)));
    json_t *digest = json_object();
    PQCHA_TRY(put(obj, "digest", digest));
    PQCHA_TRY(put(digest, DIGEST_ALG_NAME, hex_string(f->digest)));
    if (f->node_count > 0) PQCHA_TRY(encode_nodes(obj, f));
    if (strcmp(f->format, "raw") == 0) return PQCHA_OK;
    json_t *tensors = json_array();
    PQCHA_TRY(put(obj, "tensors", tensors));
    for (size_t i = 0; i < f->tensor_count; i++) {
        json_t *t = json_object();
        PQCHA_TRY(append(tensors, t));
        PQCHA_TRY(encode_tensor(t, &f->tensors[i]));
        if (f->has_tensor_digests) PQCHA_TRY(put_digest(t, f->tensors[i].digest));
    }
    return f->has_tensor_digests ? encode_gaps(obj, f) : PQCHA_OK;
}

pqcha_err pqcha__model_file_encode(json_t **out, const pqcha__model_file *f) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (f == NULL || f->name == NULL || f->format == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    PQCHA_TRY(model_file_check(f));
    PQCHA_TRY(tensor_names_unique(f));
    json_t *obj = json_object();
    if (obj == NULL) return PQCHA_ERR_NO_MEMORY;
    pqcha_err err = encode_file(obj, f);
    if (err != PQCHA_OK) {
        json_decref(obj);
        return err;
    }
    *out = obj;
    return PQCHA_OK;
}

static pqcha_err manifest_to_value(json_t *root, const pqcha_manifest *m) {
    PQCHA_TRY(put(root, "version", json_integer(MANIFEST_VERSION)));
    json_t *files = json_array();
    PQCHA_TRY(put(root, "files", files));
    for (size_t i = 0; i < m->count; i++) {
        json_t *file = NULL;
        PQCHA_TRY(pqcha__model_file_encode(&file, &m->files[i]));
        PQCHA_TRY(append(files, file));
    }
    return PQCHA_OK;
}

pqcha_err pqcha_manifest_to_json(char **out, const pqcha_manifest *m) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (m == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    json_t *root = json_object();
    if (root == NULL) return PQCHA_ERR_NO_MEMORY;
    pqcha_err err = manifest_to_value(root, m);
    char *text = NULL;
    size_t len = 0;
    if (err == PQCHA_OK) err = pqcha__json_dump(&text, &len, root, PQCHA__JSON_PRETTY);
    json_decref(root);
    /* Never hand out a manifest the decoder would refuse for its size. */
    if (err == PQCHA_OK && len > PQCHA_MAX_MANIFEST_LEN) {
        pqcha_free(text);
        return PQCHA_ERR_TOO_LARGE;
    }
    if (err == PQCHA_OK) *out = text;
    return err;
}

/* ======================================================================
 * Decoding
 * ====================================================================== */

static pqcha_err hex_value(uint8_t out[PQCHA_SHA3_256_LEN], const json_t *v) {
    if (!json_is_string(v)) return PQCHA_ERR_WRONG_TYPE;
    return pqcha__hex_decode(out, PQCHA_SHA3_256_LEN, json_string_value(v), json_string_length(v));
}

static pqcha_err decode_shape(pqcha__tensor *t, const json_t *obj) {
    json_t *shape = NULL;
    PQCHA_TRY(pqcha__json_array(obj, "shape", PQCHA__MAX_TENSOR_DIMS, &shape));
    t->ndims = (unsigned)json_array_size(shape);
    for (unsigned i = 0; i < t->ndims; i++)
        PQCHA_TRY(
            pqcha__json_uint_value(json_array_get(shape, i), PQCHA_MAX_SAFE_INTEGER, &t->shape[i]));
    return PQCHA_OK;
}

/* "digest": exactly {"sha3-256-tree": "<64 hex>"}. */
static pqcha_err decode_digest_object(uint8_t out[PQCHA_SHA3_256_LEN], const json_t *obj) {
    static const char *const required[] = {DIGEST_ALG_NAME, NULL};
    json_t *digest = NULL;
    PQCHA_TRY(pqcha__json_object(obj, "digest", &digest));
    PQCHA_TRY(pqcha__json_check_fields(digest, required, NULL));
    return hex_value(out, json_object_get(digest, DIGEST_ALG_NAME));
}

/* with_digest: the file has tensor digests, so this tensor must have one
 * (and otherwise must not): one rule for the whole table. */
static pqcha_err decode_tensor(pqcha__tensor *t, const json_t *obj, int with_digest) {
    static const char *const required[] = {"name", "dtype", "shape", "offset", "size", NULL};
    static const char *const optional[] = {"digest", NULL};
    if (!json_is_object(obj)) return PQCHA_ERR_WRONG_TYPE;
    PQCHA_TRY(pqcha__json_check_fields(obj, required, optional));
    if ((json_object_get(obj, "digest") != NULL) != with_digest) return PQCHA_ERR_MALFORMED;
    if (with_digest) PQCHA_TRY(decode_digest_object(t->digest, obj));
    const char *name = NULL, *dtype = NULL;
    PQCHA_TRY(pqcha__json_string(obj, "name", PQCHA__MAX_TENSOR_NAME_LEN, &name));
    PQCHA_TRY(pqcha__tensor_name_check(name, json_string_length(json_object_get(obj, "name"))));
    PQCHA_TRY(pqcha__json_string(obj, "dtype", MAX_DTYPE_LEN, &dtype));
    PQCHA_TRY(decode_shape(t, obj));
    PQCHA_TRY(pqcha__json_uint(obj, "offset", PQCHA_MAX_SAFE_INTEGER, &t->offset));
    PQCHA_TRY(pqcha__json_uint(obj, "size", PQCHA_MAX_SAFE_INTEGER, &t->size));
    t->name = pqcha__strdup(name);
    t->dtype = pqcha__strdup(dtype);
    return t->name && t->dtype ? PQCHA_OK : PQCHA_ERR_NO_MEMORY;
}

static pqcha_err decode_tensors(pqcha__model_file *f, const json_t *obj) {
    json_t *list = NULL;
    PQCHA_TRY(pqcha__json_array(obj, "tensors", PQCHA_MAX_TENSORS, &list));
    size_t n = json_array_size(list);
    if (n == 0) return PQCHA_OK;
    f->tensors = calloc(n, sizeof f->tensors[0]);
    if (f->tensors == NULL) return PQCHA_ERR_NO_MEMORY;
    f->tensor_count = n; /* zeroed entries are safe to clear on error */
    for (size_t i = 0; i < n; i++)
        PQCHA_TRY(decode_tensor(&f->tensors[i], json_array_get(list, i), f->has_tensor_digests));
    return PQCHA_OK;
}

static pqcha_err decode_gap(pqcha__segment *g, const json_t *obj) {
    static const char *const required[] = {"offset", "size", "digest", NULL};
    if (!json_is_object(obj)) return PQCHA_ERR_WRONG_TYPE;
    PQCHA_TRY(pqcha__json_check_fields(obj, required, NULL));
    PQCHA_TRY(pqcha__json_uint(obj, "offset", PQCHA_MAX_SAFE_INTEGER, &g->offset));
    PQCHA_TRY(pqcha__json_uint(obj, "size", PQCHA_MAX_SAFE_INTEGER, &g->size));
    return decode_digest_object(g->digest, obj);
}

/* "gaps": syntax here; that they are the complement of the tensors is
 * checked with the rest of the entry (gaps_check). */
static pqcha_err decode_gaps(pqcha__model_file *f, const json_t *obj) {
    json_t *list = NULL;
    PQCHA_TRY(pqcha__json_array(obj, "gaps", PQCHA_MAX_TENSORS + 1u, &list));
    size_t n = json_array_size(list);
    f->has_tensor_digests = 1;
    if (n == 0) return PQCHA_OK;
    f->gaps = calloc(n, sizeof f->gaps[0]);
    if (f->gaps == NULL) return PQCHA_ERR_NO_MEMORY;
    f->gap_count = n;
    for (size_t i = 0; i < n; i++)
        PQCHA_TRY(decode_gap(&f->gaps[i], json_array_get(list, i)));
    return PQCHA_OK;
}

static pqcha_err decode_nodes(pqcha__model_file *f, const json_t *obj) {
    static const char *const required[] = {"level", "digests", NULL};
    json_t *nodes = NULL, *digests = NULL;
    PQCHA_TRY(pqcha__json_object(obj, "nodes", &nodes));
    PQCHA_TRY(pqcha__json_check_fields(nodes, required, NULL));
    uint64_t level = 0;
    PQCHA_TRY(pqcha__json_uint(nodes, "level", PQCHA_MAX_SAFE_INTEGER, &level));
    PQCHA_TRY(pqcha__json_array(nodes, "digests", PQCHA_MAX_TREE_NODES, &digests));
    size_t n = json_array_size(digests);
    unsigned want_level;
    size_t want_count;
    pqcha__tree_node_shape(f->size, &want_level, &want_count);
    if (n == 0 || n != want_count || level != want_level) return PQCHA_ERR_INCONSISTENT_CLAIMS;
    f->nodes = calloc(n, sizeof f->nodes[0]);
    if (f->nodes == NULL) return PQCHA_ERR_NO_MEMORY;
    f->node_count = n;
    f->node_level = want_level;
    for (size_t i = 0; i < n; i++)
        PQCHA_TRY(hex_value(f->nodes[i], json_array_get(digests, i)));
    return PQCHA_OK;
}

static pqcha_err decode_digest(pqcha__model_file *f, const json_t *obj) {
    PQCHA_TRY(decode_digest_object(f->digest, obj));
    pqcha_hex_encode(f->digest_hex, f->digest, PQCHA_SHA3_256_LEN);
    return PQCHA_OK;
}

static pqcha_err decode_file_fields(pqcha__model_file *f, const json_t *obj) {
    static const char *const required[] = {"name", "format", "size", "digest", NULL};
    static const char *const optional[] = {"nodes", "tensors", "gaps", NULL};
    if (!json_is_object(obj)) return PQCHA_ERR_WRONG_TYPE;
    PQCHA_TRY(pqcha__json_check_fields(obj, required, optional));
    const char *name = NULL, *format = NULL;
    PQCHA_TRY(pqcha__json_string(obj, "name", SIZE_MAX, &name));
    if (strlen(name) != json_string_length(json_object_get(obj, "name")))
        return PQCHA_ERR_BAD_IDENTIFIER; /* an embedded NUL */
    PQCHA_TRY(base_name_check(name));
    PQCHA_TRY(pqcha__json_string(obj, "format", MAX_FORMAT_NAME_LEN, &format));
    if (!format_known(format)) return PQCHA_ERR_MALFORMED;
    f->name = pqcha__strdup(name);
    f->format = pqcha__strdup(format);
    if (f->name == NULL || f->format == NULL) return PQCHA_ERR_NO_MEMORY;
    PQCHA_TRY(pqcha__json_uint(obj, "size", PQCHA_MAX_SAFE_INTEGER, &f->size));
    PQCHA_TRY(decode_digest(f, obj));
    if (json_object_get(obj, "nodes") != NULL) {
        if (f->size <= PQCHA_TREE_LEAF_SIZE)
            return PQCHA_ERR_INCONSISTENT_CLAIMS; /* one leaf has no nodes */
        PQCHA_TRY(decode_nodes(f, obj));
    }
    int raw = strcmp(format, "raw") == 0;
    int has_tensors = json_object_get(obj, "tensors") != NULL;
    int has_gaps = json_object_get(obj, "gaps") != NULL;
    if (raw && (has_tensors || has_gaps)) return PQCHA_ERR_MALFORMED;
    if (!raw && !has_tensors) return PQCHA_ERR_MISSING_FIELD;
    if (has_gaps) PQCHA_TRY(decode_gaps(f, obj)); /* first: it says whether tensors carry digests */
    return raw ? PQCHA_OK : decode_tensors(f, obj);
}

pqcha_err pqcha__model_file_decode(pqcha__model_file *out, const json_t *obj) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    memset(out, 0, sizeof *out);
    if (obj == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha_err err = decode_file_fields(out, obj);
    if (err == PQCHA_OK) err = model_file_check(out);
    if (err == PQCHA_OK) err = tensor_names_unique(out);
    if (err != PQCHA_OK) pqcha__model_file_clear(out);
    return err;
}

static int compare_files(const void *a, const void *b) {
    return strcmp(((const pqcha__model_file *)a)->name, ((const pqcha__model_file *)b)->name);
}

/* File names are unique (policies and process regions find entries by name). */
static pqcha_err file_names_unique(const pqcha_manifest *m) {
    if (m->count < 2) return PQCHA_OK;
    pqcha__model_file *sorted = malloc(m->count * sizeof *sorted);
    if (sorted == NULL) return PQCHA_ERR_NO_MEMORY;
    memcpy(sorted, m->files, m->count * sizeof *sorted); /* shallow: only names are compared */
    qsort(sorted, m->count, sizeof *sorted, compare_files);
    pqcha_err err = PQCHA_OK;
    for (size_t i = 1; i < m->count && err == PQCHA_OK; i++)
        if (strcmp(sorted[i - 1].name, sorted[i].name) == 0) err = PQCHA_ERR_MALFORMED;
    free(sorted);
    return err;
}

/* Checked before the key set, as for policies: a later version may have keys
 * this decoder does not know, and "wrong version" is the honest error. */
static pqcha_err decode_version(const json_t *root) {
    uint64_t version = 0;
    PQCHA_TRY(pqcha__json_uint(root, "version", PQCHA_MAX_SAFE_INTEGER, &version));
    return version == MANIFEST_VERSION ? PQCHA_OK : PQCHA_ERR_MALFORMED;
}

static pqcha_err manifest_from_value(pqcha_manifest *m, const json_t *root) {
    static const char *const required[] = {"version", "files", NULL};
    PQCHA_TRY(decode_version(root));
    PQCHA_TRY(pqcha__json_check_fields(root, required, NULL));
    json_t *files = NULL;
    PQCHA_TRY(pqcha__json_array(root, "files", PQCHA_MAX_MANIFEST_FILES, &files));
    size_t n = json_array_size(files);
    if (n == 0) return PQCHA_OK;
    m->files = calloc(n, sizeof m->files[0]);
    if (m->files == NULL) return PQCHA_ERR_NO_MEMORY;
    m->cap = n;
    for (size_t i = 0; i < n; i++) {
        PQCHA_TRY(
            pqcha__model_file_decode(&m->files[i], pqcha__json_mutable(json_array_get(files, i))));
        m->count = i + 1;
    }
    return file_names_unique(m);
}

pqcha_err pqcha_manifest_parse(pqcha_manifest **out, const char *json, size_t len) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (json == NULL && len != 0) return PQCHA_ERR_INVALID_ARGUMENT;
    if (len > PQCHA_MAX_MANIFEST_LEN) return PQCHA_ERR_TOO_LARGE;
    json_t *root = NULL;
    static const pqcha__json_limits limits = {PQCHA_MAX_MANIFEST_LEN, 8, 0, 16};
    PQCHA_TRY(pqcha__json_parse_object(&root, json ? json : "", len, &limits));
    pqcha_manifest *m = NULL;
    pqcha_err err = pqcha_manifest_create(&m);
    if (err == PQCHA_OK) err = manifest_from_value(m, root);
    json_decref(root);
    if (err != PQCHA_OK) {
        pqcha_manifest_free(m);
        return err;
    }
    *out = m;
    return PQCHA_OK;
}
