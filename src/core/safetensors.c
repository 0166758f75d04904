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

#include "core/internal.h"
#include "core/json.h"
#include "core/manifest.h"
#include "core/reader.h"

#define SAFETENSORS_LEN_BYTES 8u
/* The official implementation refuses headers above 100 MB; a little more
 * here costs nothing and never rejects a file it accepts. */
#define SAFETENSORS_MAX_HEADER (100u * 1024u * 1024u)
#define SAFETENSORS_MAX_DTYPE_LEN 16u
#define SAFETENSORS_MAX_DIMS PQCHA__MAX_TENSOR_DIMS
#define METADATA_KEY "__metadata__"

struct dtype_info {
    const char *name;
    uint64_t bytes;
};

static const struct dtype_info dtypes[] = {
    {"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"F8_E4M3", 1}, {"F8_E5M2", 1},
    {"I64", 8}, {"I32", 4}, {"I16", 2}, {"I8", 1},   {"U64", 8},     {"U32", 4},
    {"U16", 2}, {"U8", 1},  {"BOOL", 1},
};

/* Bytes per element, or 0 for a dtype the format does not define. */
static uint64_t dtype_bytes(const char *name) {
    for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
        if (strcmp(name, dtypes[i].name) == 0)
            return dtypes[i].bytes;
    return 0;
}

/* product(dims) * element, or OUT_OF_RANGE if it does not fit in 64 bits. */
static pqcha_err shape_bytes(uint64_t *out, const uint64_t *dims, unsigned ndims, uint64_t element) {
    uint64_t total = element;
    for (unsigned i = 0; i < ndims; i++) {
        if (dims[i] != 0 && total > UINT64_MAX / dims[i])
            return PQCHA_ERR_OUT_OF_RANGE;
        total *= dims[i];
    }
    *out = total;
    return PQCHA_OK;
}

pqcha_err pqcha__safetensors_tensor_check(const pqcha__tensor *t) {
    if (t == NULL || t->dtype == NULL)
        return PQCHA_ERR_INVALID_ARGUMENT;
    uint64_t element = dtype_bytes(t->dtype);
    if (element == 0)
        return PQCHA_ERR_UNSUPPORTED_ALGORITHM;
    if (t->ndims > SAFETENSORS_MAX_DIMS)
        return PQCHA_ERR_MALFORMED;
    uint64_t bytes = 0;
    PQCHA_TRY(shape_bytes(&bytes, t->shape, t->ndims, element));
    return bytes == t->size ? PQCHA_OK : PQCHA_ERR_INCONSISTENT_CLAIMS;
}

static pqcha_err parse_shape(pqcha__tensor *t, const json_t *obj) {
    json_t *shape = NULL;
    PQCHA_TRY(pqcha__json_array(obj, "shape", SAFETENSORS_MAX_DIMS, &shape));
    t->ndims = (unsigned)json_array_size(shape);
    for (unsigned i = 0; i < t->ndims; i++)
        PQCHA_TRY(pqcha__json_uint_value(json_array_get(shape, i), PQCHA_MAX_SAFE_INTEGER, &t->shape[i]));
    return PQCHA_OK;
}

/* data_offsets: exactly [begin, end] with begin <= end. */
static pqcha_err parse_offsets(uint64_t *begin, uint64_t *end, const json_t *obj) {
    json_t *offsets = NULL;
    PQCHA_TRY(pqcha__json_array(obj, "data_offsets", SIZE_MAX, &offsets));
    if (json_array_size(offsets) != 2)
        return PQCHA_ERR_MALFORMED;
    PQCHA_TRY(pqcha__json_uint_value(json_array_get(offsets, 0), PQCHA_MAX_SAFE_INTEGER, begin));
    PQCHA_TRY(pqcha__json_uint_value(json_array_get(offsets, 1), PQCHA_MAX_SAFE_INTEGER, end));
    return *begin <= *end ? PQCHA_OK : PQCHA_ERR_MALFORMED;
}

static pqcha_err parse_tensor(pqcha__tensor *t, const char *name, size_t name_len,
                              const json_t *obj, uint64_t data_start, uint64_t data_len,
                              pqcha__diag *diag) {
    static const char *const required[] = {"dtype", "shape", "data_offsets", NULL};
    PQCHA_TRY(pqcha__tensor_name_check(name, name_len));
    PQCHA_TRY(pqcha__json_check_fields(obj, required, NULL));
    const char *dtype = NULL;
    PQCHA_TRY(pqcha__json_string(obj, "dtype", SAFETENSORS_MAX_DTYPE_LEN, &dtype));
    if (dtype_bytes(dtype) == 0) {
        char shown[SAFETENSORS_MAX_DTYPE_LEN + 1];
        size_t n = 0;
        for (const char *p = dtype; *p && n < SAFETENSORS_MAX_DTYPE_LEN; p++)
            shown[n++] = (*p >= 0x20 && *p < 0x7f) ? *p : '?';
        shown[n] = '\0';
        pqcha__diag_tensor(diag, name, name_len, "has dtype '%s', which safetensors does not define", shown);
        return PQCHA_ERR_UNSUPPORTED_ALGORITHM;
    }
    PQCHA_TRY(parse_shape(t, obj));
    uint64_t begin = 0, end = 0;
    PQCHA_TRY(parse_offsets(&begin, &end, obj));
    t->name = pqcha__strndup(name, name_len);
    t->dtype = pqcha__strdup(dtype);
    if (t->name == NULL || t->dtype == NULL)
        return PQCHA_ERR_NO_MEMORY;
    t->size = end - begin;
    /* The entry must describe itself consistently before its range matters. */
    PQCHA_TRY(pqcha__safetensors_tensor_check(t));
    if (end > data_len)
        return PQCHA_ERR_OUT_OF_RANGE;
    t->offset = data_start + begin;
    return PQCHA_OK;
}

static pqcha_err parse_metadata(const json_t *meta) {
    if (!json_is_object(meta))
        return PQCHA_ERR_WRONG_TYPE;
    const char *key;
    json_t *value;
    json_object_foreach(pqcha__json_mutable(meta), key, value) {
        (void)key;
        if (!json_is_string(value))
            return PQCHA_ERR_WRONG_TYPE;
    }
    return PQCHA_OK;
}

static int compare_by_offset(const void *a, const void *b) {
    const pqcha__tensor *x = a, *y = b;
    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    if (x->size != y->size)
        return x->size < y->size ? -1 : 1;
    return strcmp(x->name, y->name); /* names are unique: a total order */
}

/* Sorted by offset, the tensors must follow each other without a gap and
 * end exactly at the end of the file. */
static pqcha_err check_tiling(const pqcha__tensor *t, size_t n, uint64_t data_start,
                              uint64_t file_size) {
    uint64_t expected = data_start;
    for (size_t i = 0; i < n; i++) {
        if (t[i].offset != expected)
            return PQCHA_ERR_MALFORMED; /* below: overlap; above: hole */
        expected = t[i].offset + t[i].size;
    }
    return expected == file_size ? PQCHA_OK : PQCHA_ERR_MALFORMED;
}

static pqcha_err parse_table(pqcha__tensor **out, size_t *out_count, const json_t *root,
                             uint64_t data_start, uint64_t file_size, pqcha__diag *diag) {
    size_t n = json_object_size(root);
    const json_t *meta = json_object_get(root, METADATA_KEY);
    if (meta != NULL) {
        PQCHA_TRY(parse_metadata(meta));
        n--;
    }
    if (n > PQCHA_MAX_TENSORS)
        return PQCHA_ERR_TOO_LARGE;
    pqcha__tensor *t = calloc(n ? n : 1, sizeof *t);
    if (t == NULL)
        return PQCHA_ERR_NO_MEMORY;
    size_t i = 0;
    pqcha_err err = PQCHA_OK;
    const char *name;
    size_t name_len;
    json_t *value;
    json_object_keylen_foreach(pqcha__json_mutable(root), name, name_len, value) {
        if (value == meta)
            continue;
        err = parse_tensor(&t[i], name, name_len, value, data_start, file_size - data_start, diag);
        i++;
        if (err != PQCHA_OK)
            break;
    }
    if (err == PQCHA_OK) {
        qsort(t, n, sizeof *t, compare_by_offset);
        err = check_tiling(t, n, data_start, file_size);
    }
    if (err != PQCHA_OK) {
        pqcha__tensors_free(t, i);
        return err;
    }
    *out = t;
    *out_count = n;
    return PQCHA_OK;
}

static uint64_t le64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
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
    if (need != NULL)
        *need = 0;
    if (file_size < SAFETENSORS_LEN_BYTES)
        return PQCHA_ERR_MALFORMED;
    pqcha__reader r;
    pqcha__reader_init(&r, head, head_len);
    const uint8_t *len_bytes = NULL;
    if (!pqcha__reader_bytes(&r, SAFETENSORS_LEN_BYTES, &len_bytes)) {
        if (need != NULL)
            *need = SAFETENSORS_LEN_BYTES;
        return PQCHA_ERR_TOO_LARGE;
    }
    uint64_t header_len = le64(len_bytes);
    if (header_len > SAFETENSORS_MAX_HEADER)
        return PQCHA_ERR_TOO_LARGE;
    if (header_len > file_size - SAFETENSORS_LEN_BYTES)
        return PQCHA_ERR_MALFORMED;
    const uint8_t *header = NULL;
    if (!pqcha__reader_bytes(&r, (size_t)header_len, &header)) {
        if (need != NULL)
            *need = SAFETENSORS_LEN_BYTES + (size_t)header_len;
        return PQCHA_ERR_TOO_LARGE;
    }
    /* The format: the header starts with '{' and may end in space padding. */
    size_t text_len = (size_t)header_len;
    if (text_len == 0 || header[0] != '{')
        return PQCHA_ERR_JSON_SYNTAX;
    while (text_len > 0 && header[text_len - 1] == ' ')
        text_len--;
    /* Only spaces pad: any other trailing whitespace (which JSON would allow)
     * is refused, so one header has one accepted spelling of its end. */
    if (text_len == 0 || header[text_len - 1] != '}')
        return PQCHA_ERR_JSON_SYNTAX;
    json_t *root = NULL;
    PQCHA_TRY(pqcha__json_parse_object(&root, (const char *)header, text_len, SAFETENSORS_MAX_HEADER));
    pqcha_err err = parse_table(tensors, count, root, SAFETENSORS_LEN_BYTES + header_len, file_size, diag);
    json_decref(root);
    return err;
}

/* ======================================================================
 * The index of a sharded model (model.safetensors.index.json)
 * ====================================================================== */

void pqcha__index_free(pqcha__safetensors_index *ix) {
    if (ix == NULL)
        return;
    for (size_t i = 0; i < ix->shard_count; i++)
        free(ix->shards[i]);
    free(ix->shards);
    for (size_t i = 0; i < ix->map_count; i++)
        free(ix->map[i].tensor);
    free(ix->map);
    memset(ix, 0, sizeof *ix);
}

static int compare_strings(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
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
    if (sorted == NULL)
        return PQCHA_ERR_NO_MEMORY;
    memcpy(sorted, values, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, compare_strings);
    ix->shards = calloc(n, sizeof ix->shards[0]);
    pqcha_err err = ix->shards ? PQCHA_OK : PQCHA_ERR_NO_MEMORY;
    for (size_t i = 0; err == PQCHA_OK && i < n; i++) {
        if (i > 0 && strcmp(sorted[i - 1], sorted[i]) == 0)
            continue;
        ix->shards[ix->shard_count] = pqcha__strdup(sorted[i]);
        err = ix->shards[ix->shard_count] ? PQCHA_OK : PQCHA_ERR_NO_MEMORY;
        ix->shard_count += err == PQCHA_OK;
    }
    free(sorted);
    for (size_t i = 0; err == PQCHA_OK && i < ix->map_count; i++) {
        char **hit = bsearch(&values[i], ix->shards, ix->shard_count, sizeof ix->shards[0],
                             compare_strings);
        ix->map[i].shard = hit ? *hit : NULL;
        if (hit == NULL)
            err = PQCHA_ERR_INTERNAL;
    }
    return err;
}

static pqcha_err parse_weight_map(pqcha__safetensors_index *ix, const json_t *map) {
    size_t n = json_object_size(map);
    if (n == 0)
        return PQCHA_ERR_MALFORMED; /* an index of nothing */
    if (n > PQCHA_MAX_TENSORS)
        return PQCHA_ERR_TOO_LARGE;
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
        if (err != PQCHA_OK)
            break;
        err = pqcha__tensor_name_check(name, name_len);
        if (err == PQCHA_OK && !json_is_string(value))
            err = PQCHA_ERR_WRONG_TYPE;
        if (err == PQCHA_OK && strlen(json_string_value(value)) != json_string_length(value))
            err = PQCHA_ERR_BAD_IDENTIFIER;
        if (err == PQCHA_OK)
            err = shard_name_check(json_string_value(value));
        if (err == PQCHA_OK && (ix->map[ix->map_count].tensor = pqcha__strndup(name, name_len)) == NULL)
            err = PQCHA_ERR_NO_MEMORY;
        if (err == PQCHA_OK)
            values[ix->map_count++] = json_string_value(value);
    }
    if (err == PQCHA_OK)
        err = collect_shards(ix, values, ix->map_count);
    free(values);
    if (err == PQCHA_OK)
        qsort(ix->map, ix->map_count, sizeof ix->map[0], compare_index_entries);
    return err;
}

pqcha_err pqcha__safetensors_index_parse(pqcha__safetensors_index *out, const char *text, size_t len) {
    static const char *const required[] = {"weight_map", NULL};
    static const char *const optional[] = {"metadata", NULL};
    if (out == NULL || (text == NULL && len > 0))
        return PQCHA_ERR_INVALID_ARGUMENT;
    memset(out, 0, sizeof *out);
    if (len > PQCHA__MAX_INDEX_LEN)
        return PQCHA_ERR_TOO_LARGE;
    json_t *root = NULL;
    PQCHA_TRY(pqcha__json_parse_object(&root, text ? text : "", len, PQCHA__MAX_INDEX_LEN));
    pqcha_err err = pqcha__json_check_fields(root, required, optional);
    json_t *meta = NULL, *map = NULL;
    if (err == PQCHA_OK && json_object_get(root, "metadata") != NULL)
        err = pqcha__json_object(root, "metadata", &meta);
    if (err == PQCHA_OK)
        err = pqcha__json_object(root, "weight_map", &map);
    if (err == PQCHA_OK)
        err = parse_weight_map(out, map);
    json_decref(root);
    if (err != PQCHA_OK)
        pqcha__index_free(out);
    return err;
}
