/* safetensors.c — the tensor table of a safetensors file, parsed strictly
 * (docs/FORMAT.md section 8.2).
 *
 * Layout: an 8-byte little-endian header length N, N bytes of UTF-8 JSON
 * (possibly padded with trailing spaces), then the data section. The header
 * maps tensor names to {"dtype", "shape", "data_offsets": [begin, end]}
 * (offsets relative to the data section) plus an optional "__metadata__"
 * object of strings. The tensors must tile the data section exactly: no
 * overlap, no hole, no trailing bytes, as the format requires.
 *
 * Errors: a file too short for its header or header length MALFORMED; a
 * header above 100 MiB TOO_LARGE; the JSON errors of FORMAT.md section 1; an
 * unknown dtype UNSUPPORTED_ALGORITHM; a shape product that overflows or a
 * range past the data section OUT_OF_RANGE; a byte size that disagrees with
 * the shape INCONSISTENT_CLAIMS; overlaps, holes and trailing data MALFORMED. */
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "core/internal.h"
#include "core/json.h"
#include "core/json_pull.h"
#include "core/model_parsers.h"
#include "core/reader.h"

#define SAFETENSORS_LEN_BYTES     8u
#define SAFETENSORS_MAX_DTYPE_LEN 16u
#define SAFETENSORS_MAX_DIMS      PQCHA__MAX_TENSOR_DIMS
#define METADATA_KEY              "__metadata__"

/* ---- the header, decoded token by token ----
 * The header is read with the pull tokenizer, never built into a tree: what
 * it costs is the tensor table it describes (about three times the text),
 * however the 100 MiB a header may have are arranged. The syntax is checked
 * over the whole header first (pqcha__json_scan), so a syntax error anywhere
 * wins over a field error, as with a parser that reads everything first. */

/* A numeric list ("shape", "data_offsets"): up to `max` integers kept, the
 * count of elements, and the first element's error. */
typedef struct number_list {
    uint64_t values[SAFETENSORS_MAX_DIMS];
    size_t count;
    pqcha_err first_error;
} number_list;

/* What one tensor entry holds, collected in any order; each field once. */
typedef struct tensor_fields {
    unsigned seen;         /* FIELD_* bits */
    int unknown;           /* a key that is none of the three */
    pqcha_err dtype_error; /* not a string, or too long */
    char *dtype;
    pqcha_err shape_error; /* not an array */
    number_list shape;
    pqcha_err offsets_error;
    number_list offsets;
} tensor_fields;

enum { FIELD_DTYPE = 1, FIELD_SHAPE = 2, FIELD_OFFSETS = 4 };

static pqcha_err next_token(pqcha__json_pull *p, pqcha__json_token *t) {
    return pqcha__json_pull_next(p, t);
}

/* The value after a key when it must be a list of integers: elements past
 * the `keep` first are counted, not kept; a nested value is WRONG_TYPE. */
static pqcha_err read_number_list(pqcha__json_pull *p, pqcha__json_token first, size_t keep,
                                  pqcha_err *not_array, number_list *out) {
    memset(out, 0, sizeof *out);
    if (first != PQCHA__JSON_ARRAY) {
        *not_array = PQCHA_ERR_WRONG_TYPE;
        return pqcha__json_pull_skip(p, first);
    }
    for (;;) {
        pqcha__json_token t;
        PQCHA_TRY(next_token(p, &t));
        if (t == PQCHA__JSON_ARRAY_END) return PQCHA_OK;
        uint64_t v = 0;
        pqcha_err err = t == PQCHA__JSON_NUMBER
                            ? pqcha__json_pull_uint(p, PQCHA_MAX_SAFE_INTEGER, &v)
                            : PQCHA_ERR_WRONG_TYPE;
        PQCHA_TRY(pqcha__json_pull_skip(p, t));
        if (out->first_error == PQCHA_OK) out->first_error = err;
        if (out->count < keep) out->values[out->count] = v;
        out->count++;
    }
}

static pqcha_err read_dtype(pqcha__json_pull *p, pqcha__json_token t, tensor_fields *f) {
    if (t != PQCHA__JSON_STRING) {
        f->dtype_error = PQCHA_ERR_WRONG_TYPE;
        return pqcha__json_pull_skip(p, t);
    }
    pqcha_err err = pqcha__json_pull_strdup(p, SAFETENSORS_MAX_DTYPE_LEN, &f->dtype, NULL);
    if (err == PQCHA_ERR_NO_MEMORY) return err;
    f->dtype_error = err;
    return PQCHA_OK;
}

/* One field of a tensor entry, its key just read. */
static pqcha_err read_tensor_field(pqcha__json_pull *p, tensor_fields *f) {
    unsigned bit = pqcha__json_pull_equals(p, "dtype")          ? FIELD_DTYPE
                   : pqcha__json_pull_equals(p, "shape")        ? FIELD_SHAPE
                   : pqcha__json_pull_equals(p, "data_offsets") ? FIELD_OFFSETS
                                                                : 0;
    if (bit != 0 && (f->seen & bit)) return PQCHA_ERR_JSON_DUPLICATE_KEY;
    f->seen |= bit;
    f->unknown |= bit == 0;
    pqcha__json_token t;
    PQCHA_TRY(next_token(p, &t));
    switch (bit) {
    case FIELD_DTYPE: return read_dtype(p, t, f);
    case FIELD_SHAPE:
        return read_number_list(p, t, SAFETENSORS_MAX_DIMS, &f->shape_error, &f->shape);
    case FIELD_OFFSETS: return read_number_list(p, t, 2, &f->offsets_error, &f->offsets);
    default: return pqcha__json_pull_skip(p, t);
    }
}

/* The fields of an entry whose '{' was just read, up to its '}'. */
static pqcha_err read_tensor_fields(pqcha__json_pull *p, tensor_fields *f) {
    for (;;) {
        pqcha__json_token t;
        PQCHA_TRY(next_token(p, &t));
        if (t == PQCHA__JSON_OBJECT_END) return PQCHA_OK;
        PQCHA_TRY(read_tensor_field(p, f));
    }
}

static pqcha_err unknown_dtype(const char *dtype, const char *name, size_t name_len,
                               pqcha__diag *diag) {
    char shown[SAFETENSORS_MAX_DTYPE_LEN + 1];
    size_t n = 0;
    for (const char *c = dtype; *c && n < SAFETENSORS_MAX_DTYPE_LEN; c++)
        shown[n++] = (*c >= 0x20 && *c < 0x7f) ? *c : '?';
    shown[n] = '\0';
    pqcha__diag_tensor(diag, name, name_len, "has dtype '%s', which safetensors does not define",
                       shown);
    return PQCHA_ERR_UNSUPPORTED_ALGORITHM;
}

/* The collected fields, checked in a fixed order (keys, dtype, shape,
 * offsets, then the entry as a whole), into t. */
static pqcha_err tensor_from_fields(pqcha__tensor *t, const tensor_fields *f, const char *name,
                                    size_t name_len, uint64_t data_start, uint64_t data_len,
                                    pqcha__diag *diag) {
    if (f->unknown) return PQCHA_ERR_UNKNOWN_FIELD;
    if (f->seen != (FIELD_DTYPE | FIELD_SHAPE | FIELD_OFFSETS)) return PQCHA_ERR_MISSING_FIELD;
    PQCHA_TRY(f->dtype_error);
    if (pqcha__safetensors_dtype_bytes(f->dtype) == 0)
        return unknown_dtype(f->dtype, name, name_len, diag);
    PQCHA_TRY(f->shape_error);
    if (f->shape.count > SAFETENSORS_MAX_DIMS) return PQCHA_ERR_TOO_LARGE;
    PQCHA_TRY(f->shape.first_error);
    PQCHA_TRY(f->offsets_error);
    if (f->offsets.count != 2) return PQCHA_ERR_MALFORMED;
    PQCHA_TRY(f->offsets.first_error);
    uint64_t begin = f->offsets.values[0], end = f->offsets.values[1];
    if (begin > end) return PQCHA_ERR_MALFORMED;
    t->ndims = (unsigned)f->shape.count;
    memcpy(t->shape, f->shape.values, sizeof t->shape);
    t->name = pqcha__strndup(name, name_len);
    t->dtype = pqcha__strdup(f->dtype);
    if (t->name == NULL || t->dtype == NULL) return PQCHA_ERR_NO_MEMORY;
    t->size = end - begin;
    /* The entry must describe itself consistently before its range matters. */
    PQCHA_TRY(pqcha__safetensors_tensor_check(t));
    if (end > data_len) return PQCHA_ERR_OUT_OF_RANGE;
    t->offset = data_start + begin;
    return PQCHA_OK;
}

/* One tensor entry, its name (the key) decoded, its value's first token t. */
static pqcha_err read_tensor(pqcha__json_pull *p, pqcha__json_token t, pqcha__tensor *out,
                             const char *name, size_t name_len, uint64_t data_start,
                             uint64_t data_len, pqcha__diag *diag) {
    PQCHA_TRY(pqcha__tensor_name_check(name, name_len));
    if (t != PQCHA__JSON_OBJECT) return PQCHA_ERR_WRONG_TYPE;
    tensor_fields f;
    memset(&f, 0, sizeof f);
    pqcha_err err = read_tensor_fields(p, &f);
    if (err == PQCHA_OK)
        err = tensor_from_fields(out, &f, name, name_len, data_start, data_len, diag);
    free(f.dtype);
    return err;
}

static int compare_strings(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted, no two alike: JSON_DUPLICATE_KEY otherwise (names[] is sorted). */
static pqcha_err names_unique(char **names, size_t n) {
    if (n > 1) qsort(names, n, sizeof *names, compare_strings);
    for (size_t i = 1; i < n; i++)
        if (strcmp(names[i - 1], names[i]) == 0) return PQCHA_ERR_JSON_DUPLICATE_KEY;
    return PQCHA_OK;
}

/* "__metadata__": an object of strings, keys unique. */
static pqcha_err read_metadata(pqcha__json_pull *p, pqcha__json_token t) {
    if (t != PQCHA__JSON_OBJECT) return PQCHA_ERR_WRONG_TYPE;
    char **keys = NULL;
    size_t count = 0, cap = 0;
    pqcha_err err = PQCHA_OK;
    while (err == PQCHA_OK) {
        err = next_token(p, &t);
        if (err != PQCHA_OK || t == PQCHA__JSON_OBJECT_END) break;
        err = pqcha__grow(&keys, &cap, count + 1, sizeof *keys, SIZE_MAX / sizeof *keys);
        if (err == PQCHA_OK) err = pqcha__json_pull_strdup(p, SIZE_MAX, &keys[count], NULL);
        count += err == PQCHA_OK;
        if (err == PQCHA_OK) err = next_token(p, &t);
        if (err == PQCHA_OK && t != PQCHA__JSON_STRING) err = PQCHA_ERR_WRONG_TYPE;
    }
    if (err == PQCHA_OK) err = names_unique(keys, count);
    for (size_t i = 0; i < count; i++)
        free(keys[i]);
    free(keys);
    return err;
}

typedef struct table_builder {
    pqcha__tensor *tensors;
    size_t count, cap;
    int saw_metadata;
} table_builder;

static pqcha_err table_slot(table_builder *b, pqcha__tensor **slot) {
    PQCHA_TRY(
        pqcha__grow(&b->tensors, &b->cap, b->count + 1, sizeof *b->tensors, PQCHA_MAX_TENSORS));
    *slot = &b->tensors[b->count];
    memset(*slot, 0, sizeof **slot);
    b->count++; /* zeroed: safe to free on error */
    return PQCHA_OK;
}

/* One top-level member, its key just read. */
static pqcha_err read_member(pqcha__json_pull *p, table_builder *b, uint64_t data_start,
                             uint64_t data_len, pqcha__diag *diag) {
    char *name = NULL;
    size_t name_len = 0;
    pqcha__json_token t;
    PQCHA_TRY(pqcha__json_pull_strdup(p, SIZE_MAX, &name, &name_len));
    pqcha_err err = next_token(p, &t);
    if (err == PQCHA_OK && strcmp(name, METADATA_KEY) == 0 && strlen(name) == name_len) {
        err = b->saw_metadata ? PQCHA_ERR_JSON_DUPLICATE_KEY : read_metadata(p, t);
        b->saw_metadata = 1;
    } else if (err == PQCHA_OK) {
        pqcha__tensor *slot = NULL;
        err = table_slot(b, &slot);
        if (err == PQCHA_OK)
            err = read_tensor(p, t, slot, name, name_len, data_start, data_len, diag);
    }
    free(name);
    return err;
}

static int compare_by_offset(const void *a, const void *b) {
    const pqcha__tensor *x = a, *y = b;
    if (x->offset != y->offset) return x->offset < y->offset ? -1 : 1;
    if (x->size != y->size) return x->size < y->size ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Sorted by offset, the tensors must follow each other without a gap and
 * end exactly at the end of the file. */
static pqcha_err check_tiling(const pqcha__tensor *t, size_t n, uint64_t data_start,
                              uint64_t file_size) {
    uint64_t expected = data_start;
    for (size_t i = 0; i < n; i++) {
        if (t[i].offset != expected) return PQCHA_ERR_MALFORMED; /* below: overlap; above: hole */
        expected = t[i].offset + t[i].size;
    }
    return expected == file_size ? PQCHA_OK : PQCHA_ERR_MALFORMED;
}

/* Tensor names are the header's keys: unique, as JSON objects' keys must be. */
static pqcha_err tensor_names_distinct(const pqcha__tensor *t, size_t n) {
    char **names = malloc((n ? n : 1) * sizeof *names);
    if (names == NULL) return PQCHA_ERR_NO_MEMORY;
    for (size_t i = 0; i < n; i++)
        names[i] = t[i].name;
    pqcha_err err = names_unique(names, n);
    free(names);
    return err;
}

static pqcha_err read_table(table_builder *b, const uint8_t *text, size_t len, uint64_t data_start,
                            uint64_t file_size, pqcha__diag *diag) {
    pqcha__json_stats st;
    PQCHA_TRY(pqcha__json_scan(text, len, PQCHA__JSON_MAX_DEPTH, &st));
    pqcha__json_pull p;
    pqcha__json_token t;
    pqcha__json_pull_init(&p, text, len, PQCHA__JSON_MAX_DEPTH);
    PQCHA_TRY(next_token(&p, &t)); /* '{': the caller saw it */
    for (;;) {
        PQCHA_TRY(next_token(&p, &t));
        if (t == PQCHA__JSON_OBJECT_END) break;
        PQCHA_TRY(read_member(&p, b, data_start, file_size - data_start, diag));
    }
    PQCHA_TRY(tensor_names_distinct(b->tensors, b->count));
    if (b->count > 1) qsort(b->tensors, b->count, sizeof *b->tensors, compare_by_offset);
    return check_tiling(b->tensors, b->count, data_start, file_size);
}

pqcha_err pqcha__safetensors_parse(pqcha__tensor **tensors, size_t *count, size_t *need,
                                   const uint8_t *head, size_t head_len, uint64_t file_size) {
    return pqcha__safetensors_parse_diag(tensors, count, need, head, head_len, file_size, NULL);
}

pqcha_err pqcha__safetensors_parse_diag(pqcha__tensor **tensors, size_t *count, size_t *need,
                                        const uint8_t *head, size_t head_len, uint64_t file_size,
                                        pqcha__diag *diag) {
    if (tensors == NULL || count == NULL || (head == NULL && head_len != 0) || head_len > file_size)
        return PQCHA_ERR_INVALID_ARGUMENT;
    *tensors = NULL;
    *count = 0;
    if (need != NULL) *need = 0;
    if (file_size < SAFETENSORS_LEN_BYTES) return PQCHA_ERR_MALFORMED;
    pqcha__reader r;
    pqcha__reader_init(&r, head, head_len);
    uint64_t header_len = 0;
    if (!pqcha__reader_u64le(&r, &header_len)) {
        if (need != NULL) *need = SAFETENSORS_LEN_BYTES;
        return PQCHA_ERR_TOO_LARGE;
    }
    if (header_len > PQCHA__SAFETENSORS_MAX_HEADER) return PQCHA_ERR_TOO_LARGE;
    if (header_len > file_size - SAFETENSORS_LEN_BYTES) return PQCHA_ERR_MALFORMED;
    const uint8_t *header = NULL;
    if (!pqcha__reader_bytes(&r, (size_t)header_len, &header)) {
        if (need != NULL) *need = SAFETENSORS_LEN_BYTES + (size_t)header_len;
        return PQCHA_ERR_TOO_LARGE;
    }
    /* The format: the header starts with '{' and may end in space padding. */
    size_t text_len = (size_t)header_len;
    if (text_len == 0 || header[0] != '{') return PQCHA_ERR_JSON_SYNTAX;
    while (text_len > 0 && header[text_len - 1] == ' ')
        text_len--;
    /* Only spaces pad: any other trailing whitespace (which JSON would allow)
     * is refused, so one header has one accepted spelling of its end. */
    if (text_len == 0 || header[text_len - 1] != '}') return PQCHA_ERR_JSON_SYNTAX;
    table_builder b = {NULL, 0, 0, 0};
    pqcha_err err =
        read_table(&b, header, text_len, SAFETENSORS_LEN_BYTES + header_len, file_size, diag);
    if (err != PQCHA_OK) {
        pqcha__tensors_free(b.tensors, b.count);
        return err;
    }
    *tensors = b.tensors;
    *count = b.count;
    return PQCHA_OK;
}

/* ======================================================================
 * The index of a sharded model (model.safetensors.index.json)
 * ====================================================================== */

void pqcha__index_free(pqcha__safetensors_index *ix) {
    if (ix == NULL) return;
    for (size_t i = 0; i < ix->shard_count; i++)
        free(ix->shards[i]);
    free(ix->shards);
    for (size_t i = 0; i < ix->map_count; i++)
        free(ix->map[i].tensor);
    free(ix->map);
    memset(ix, 0, sizeof *ix);
}

static int compare_index_entries(const void *a, const void *b) {
    return strcmp(((const pqcha__index_entry *)a)->tensor, ((const pqcha__index_entry *)b)->tensor);
}

/* A shard is named by its base name, next to the index. */
static pqcha_err shard_name_check(const char *name) {
    PQCHA_TRY(pqcha_identifier_check(name));
    if (strchr(name, '/') != NULL || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return PQCHA_ERR_BAD_IDENTIFIER;
    return PQCHA_OK;
}

/* The weight map's values, each once, sorted; entries point at them. */
static pqcha_err collect_shards(pqcha__safetensors_index *ix, const char **values, size_t n) {
    const char **sorted = malloc(n * sizeof *sorted);
    if (sorted == NULL) return PQCHA_ERR_NO_MEMORY;
    memcpy(sorted, values, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, compare_strings);
    ix->shards = calloc(n, sizeof ix->shards[0]);
    pqcha_err err = ix->shards ? PQCHA_OK : PQCHA_ERR_NO_MEMORY;
    for (size_t i = 0; err == PQCHA_OK && i < n; i++) {
        if (i > 0 && strcmp(sorted[i - 1], sorted[i]) == 0) continue;
        ix->shards[ix->shard_count] = pqcha__strdup(sorted[i]);
        err = ix->shards[ix->shard_count] ? PQCHA_OK : PQCHA_ERR_NO_MEMORY;
        ix->shard_count += err == PQCHA_OK;
    }
    free(sorted);
    for (size_t i = 0; err == PQCHA_OK && i < ix->map_count; i++) {
        char **hit =
            bsearch(&values[i], ix->shards, ix->shard_count, sizeof ix->shards[0], compare_strings);
        ix->map[i].shard = hit ? *hit : NULL;
        if (hit == NULL) err = PQCHA_ERR_INTERNAL;
    }
    return err;
}

static pqcha_err parse_weight_map(pqcha__safetensors_index *ix, const json_t *map) {
    size_t n = json_object_size(map);
    if (n == 0) return PQCHA_ERR_MALFORMED; /* an index of nothing */
    if (n > PQCHA_MAX_TENSORS) return PQCHA_ERR_TOO_LARGE;
    const char **values = malloc(n * sizeof *values);
    ix->map = calloc(n, sizeof ix->map[0]);
    if (values == NULL || ix->map == NULL) {
        free(values);
        return PQCHA_ERR_NO_MEMORY;
    }
    pqcha_err err = PQCHA_OK;
    const char *name;
    size_t name_len;
    json_t *value;
    json_object_keylen_foreach(pqcha__json_mutable(map), name, name_len, value) {
        if (err != PQCHA_OK) break;
        err = pqcha__tensor_name_check(name, name_len);
        if (err == PQCHA_OK && !json_is_string(value)) err = PQCHA_ERR_WRONG_TYPE;
        if (err == PQCHA_OK && strlen(json_string_value(value)) != json_string_length(value))
            err = PQCHA_ERR_BAD_IDENTIFIER;
        if (err == PQCHA_OK) err = shard_name_check(json_string_value(value));
        if (err == PQCHA_OK &&
            (ix->map[ix->map_count].tensor = pqcha__strndup(name, name_len)) == NULL)
            err = PQCHA_ERR_NO_MEMORY;
        if (err == PQCHA_OK) values[ix->map_count++] = json_string_value(value);
    }
    if (err == PQCHA_OK) err = collect_shards(ix, values, ix->map_count);
    free(values);
    if (err == PQCHA_OK) qsort(ix->map, ix->map_count, sizeof ix->map[0], compare_index_entries);
    return err;
}

pqcha_err pqcha__safetensors_index_parse(pqcha__safetensors_index *out, const char *text,
                                         size_t len) {
    static const char *const required[] = {"weight_map", NULL};
    static const char *const optional[] = {"metadata", NULL};
    if (out == NULL || (text == NULL && len > 0)) return PQCHA_ERR_INVALID_ARGUMENT;
    memset(out, 0, sizeof *out);
    if (len > PQCHA__MAX_INDEX_LEN) return PQCHA_ERR_TOO_LARGE;
    json_t *root = NULL;
    static const pqcha__json_limits limits = {PQCHA__MAX_INDEX_LEN, 8, 0, 16};
    PQCHA_TRY(pqcha__json_parse_object(&root, text ? text : "", len, &limits));
    pqcha_err err = pqcha__json_check_fields(root, required, optional);
    json_t *meta = NULL, *map = NULL;
    if (err == PQCHA_OK && json_object_get(root, "metadata") != NULL)
        err = pqcha__json_object(root, "metadata", &meta);
    if (err == PQCHA_OK) err = pqcha__json_object(root, "weight_map", &map);
    if (err == PQCHA_OK) err = parse_weight_map(out, map);
    json_decref(root);
    if (err != PQCHA_OK) pqcha__index_free(out);
    return err;
}
