/* gguf.c — the tensor table of a GGUF file (versions 2 and 3, little-endian),
 * parsed strictly (docs/FORMAT.md section 8.3).
 *
 * Layout: "GGUF", u32 version, u64 tensor_count, u64 kv_count, the metadata
 * key-value pairs, the tensor infos (name, u32 n_dims, u64 ne[n_dims], u32
 * ggml type, u64 offset), padding to general.alignment (default 32), then the
 * data section. Versions 2 and 3 are byte-identical for little-endian files
 * (3 only added big-endian files, whose version field reads as 0x03000000 and
 * is refused here); version 1 had 32-bit counts and is refused.
 *
 * Every read goes through the bounded reader; every count is checked against
 * the bytes the file could hold before anything is allocated. Errors: bytes
 * beyond the file, bad magic, bad value types, nested arrays, n_dims outside
 * 1..4, misaligned offsets, a bad or repeated alignment, a row length that is
 * not a whole number of blocks, duplicate names and overlaps MALFORMED; an
 * unknown version or ggml type UNSUPPORTED_ALGORITHM (a newer file, not a
 * corrupt one); counts and names above their caps TOO_LARGE; dimensions above
 * 2^53-1, sizes that overflow and ranges past the end of the file
 * OUT_OF_RANGE; tensor names that are not UTF-8 BAD_IDENTIFIER. */
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "core/model_parsers.h"
#include "core/reader.h"

#define GGUF_MAGIC             "GGUF"
#define GGUF_DEFAULT_ALIGNMENT 32u
#define GGUF_ALIGNMENT_KEY     "general.alignment"
#define GGUF_MAX_KEY_LEN       65535u /* the specification's limit for keys */
#define GGUF_FIXED_HEADER      24u    /* magic, version, two counts */
#define GGUF_MIN_KV_BYTES      13u    /* key length, type, one byte of value */
#define GGUF_MIN_TENSOR_BYTES  32u    /* name length, n_dims, one dim, type, offset */

/* Metadata value types. */
enum {
    GGUF_UINT8 = 0,
    GGUF_INT8 = 1,
    GGUF_UINT16 = 2,
    GGUF_INT16 = 3,
    GGUF_UINT32 = 4,
    GGUF_INT32 = 5,
    GGUF_FLOAT32 = 6,
    GGUF_BOOL = 7,
    GGUF_STRING = 8,
    GGUF_ARRAY = 9,
    GGUF_UINT64 = 10,
    GGUF_INT64 = 11,
    GGUF_FLOAT64 = 12
};

/* ---- the cursor: the bounded reader plus the "need more bytes" rule ---- */

typedef struct gguf_cursor {
    pqcha__reader r;    /* over the head the caller has read */
    uint64_t file_size; /* the bytes that exist */
    size_t need;        /* set with TOO_LARGE: the head length that would do */
    pqcha__diag *diag;  /* explains a refused tensor; may be NULL */
} gguf_cursor;

/* Whether the next n bytes are there: MALFORMED if the file ends first,
 * TOO_LARGE (with need) if only the head does. */
static pqcha_err ensure(gguf_cursor *c, uint64_t n) {
    uint64_t pos = c->r.pos;
    if (n > c->file_size - pos) return PQCHA_ERR_MALFORMED;
    if (n > pqcha__reader_remaining(&c->r)) {
        c->need = pos + n > SIZE_MAX ? SIZE_MAX : (size_t)(pos + n);
        return PQCHA_ERR_TOO_LARGE;
    }
    return PQCHA_OK;
}

static pqcha_err take(gguf_cursor *c, uint64_t n, const uint8_t **out) {
    PQCHA_TRY(ensure(c, n));
    return pqcha__reader_bytes(&c->r, (size_t)n, out) ? PQCHA_OK : PQCHA_ERR_INTERNAL;
}

static pqcha_err read_u32(gguf_cursor *c, uint32_t *out) {
    PQCHA_TRY(ensure(c, 4));
    return pqcha__reader_u32le(&c->r, out) ? PQCHA_OK : PQCHA_ERR_INTERNAL;
}

static pqcha_err read_u64(gguf_cursor *c, uint64_t *out) {
    PQCHA_TRY(ensure(c, 8));
    return pqcha__reader_u64le(&c->r, out) ? PQCHA_OK : PQCHA_ERR_INTERNAL;
}

/* A GGUF string: u64 length and that many bytes; TOO_LARGE above max. */
static pqcha_err read_string(gguf_cursor *c, uint64_t max, const uint8_t **bytes, uint64_t *len) {
    PQCHA_TRY(read_u64(c, len));
    if (*len > max) return PQCHA_ERR_TOO_LARGE;
    return take(c, *len, bytes);
}

/* ---- metadata ---- */

/* Bytes of one value of a fixed-size type; 0 for string, array and unknown. */
static unsigned fixed_size(uint32_t type) {
    switch (type) {
    case GGUF_UINT8:
    case GGUF_INT8:
    case GGUF_BOOL: return 1;
    case GGUF_UINT16:
    case GGUF_INT16: return 2;
    case GGUF_UINT32:
    case GGUF_INT32:
    case GGUF_FLOAT32: return 4;
    case GGUF_UINT64:
    case GGUF_INT64:
    case GGUF_FLOAT64: return 8;
    default: return 0;
    }
}

/* count values of a fixed-size type; booleans must be 0 or 1. */
static pqcha_err skip_fixed(gguf_cursor *c, uint32_t type, uint64_t count) {
    unsigned size = fixed_size(type);
    if (count > UINT64_MAX / size) return PQCHA_ERR_MALFORMED;
    const uint8_t *p = NULL;
    PQCHA_TRY(take(c, count * size, &p));
    if (type == GGUF_BOOL)
        for (uint64_t i = 0; i < count; i++)
            if (p[i] > 1) return PQCHA_ERR_MALFORMED;
    return PQCHA_OK;
}

/* An array: element type (no arrays of arrays: real files have none, and
 * refusing them bounds the recursion), count, elements. */
static pqcha_err skip_array(gguf_cursor *c) {
    uint32_t type = 0;
    uint64_t count = 0;
    PQCHA_TRY(read_u32(c, &type));
    PQCHA_TRY(read_u64(c, &count));
    if (fixed_size(type) != 0) return skip_fixed(c, type, count);
    if (type != GGUF_STRING) return PQCHA_ERR_MALFORMED; /* nested array or unknown type */
    /* Each string takes at least its 8-byte length: a count the file cannot
     * hold is refused before the loop, not after billions of iterations. */
    if (count > (c->file_size - c->r.pos) / 8) return PQCHA_ERR_MALFORMED;
    for (uint64_t i = 0; i < count; i++) {
        const uint8_t *s = NULL;
        uint64_t len = 0;
        PQCHA_TRY(read_string(c, UINT64_MAX, &s, &len));
    }
    return PQCHA_OK;
}

static pqcha_err skip_value(gguf_cursor *c, uint32_t type) {
    if (fixed_size(type) != 0) return skip_fixed(c, type, 1);
    if (type == GGUF_STRING) {
        const uint8_t *s = NULL;
        uint64_t len = 0;
        return read_string(c, UINT64_MAX, &s, &len);
    }
    if (type == GGUF_ARRAY) return skip_array(c);
    return PQCHA_ERR_MALFORMED;
}

/* general.alignment: once, a UINT32, a power of two. */
static pqcha_err read_alignment(gguf_cursor *c, uint32_t type, uint32_t *alignment, int *seen) {
    if (*seen || type != GGUF_UINT32) return PQCHA_ERR_MALFORMED;
    *seen = 1;
    uint32_t value = 0;
    PQCHA_TRY(read_u32(c, &value));
    if (value == 0 || (value & (value - 1)) != 0) return PQCHA_ERR_MALFORMED;
    *alignment = value;
    return PQCHA_OK;
}

static pqcha_err parse_metadata(gguf_cursor *c, uint64_t kv_count, uint32_t *alignment) {
    int seen_alignment = 0;
    for (uint64_t i = 0; i < kv_count; i++) {
        const uint8_t *key = NULL;
        uint64_t key_len = 0;
        uint32_t type = 0;
        PQCHA_TRY(read_string(c, GGUF_MAX_KEY_LEN, &key, &key_len));
        PQCHA_TRY(read_u32(c, &type));
        if (key_len == sizeof GGUF_ALIGNMENT_KEY - 1 &&
            memcmp(key, GGUF_ALIGNMENT_KEY, sizeof GGUF_ALIGNMENT_KEY - 1) == 0)
            PQCHA_TRY(read_alignment(c, type, alignment, &seen_alignment));
        else
            PQCHA_TRY(skip_value(c, type));
    }
    return PQCHA_OK;
}

/* ---- tensor infos ---- */

/* One tensor info; t->offset is relative to the data section until
 * place_tensors makes it absolute. */
static pqcha_err parse_tensor_info(gguf_cursor *c, pqcha__tensor *t, uint32_t alignment) {
    const uint8_t *name = NULL;
    uint64_t name_len = 0;
    PQCHA_TRY(read_string(c, PQCHA__MAX_TENSOR_NAME_LEN, &name, &name_len));
    PQCHA_TRY(pqcha__tensor_name_check((const char *)name, (size_t)name_len));
    uint32_t ndims = 0;
    PQCHA_TRY(read_u32(c, &ndims));
    if (ndims == 0 || ndims > PQCHA__GGUF_MAX_DIMS) return PQCHA_ERR_MALFORMED;
    t->ndims = ndims;
    for (unsigned i = 0; i < ndims; i++) {
        PQCHA_TRY(read_u64(c, &t->shape[i]));
        if (t->shape[i] > PQCHA_MAX_SAFE_INTEGER) return PQCHA_ERR_OUT_OF_RANGE;
    }
    uint32_t type_id = 0;
    PQCHA_TRY(read_u32(c, &type_id));
    const pqcha__ggml_type *type = pqcha__ggml_type_by_id(type_id);
    if (type == NULL) {
        pqcha__diag_tensor(c->diag, (const char *)name, (size_t)name_len,
                           "has ggml type %u, which this version of pqcha does not know", type_id);
        return PQCHA_ERR_UNSUPPORTED_ALGORITHM;
    }
    PQCHA_TRY(read_u64(c, &t->offset));
    if (t->offset % alignment != 0) return PQCHA_ERR_MALFORMED;
    pqcha_err err = pqcha__ggml_tensor_bytes(&t->size, type, t->shape, t->ndims);
    if (err == PQCHA_ERR_MALFORMED)
        pqcha__diag_tensor(c->diag, (const char *)name, (size_t)name_len,
                           "has a row of %llu elements, not a whole number of %s blocks of %u",
                           (unsigned long long)t->shape[0], type->name, type->block);
    PQCHA_TRY(err);
    t->name = pqcha__strndup((const char *)name, (size_t)name_len);
    t->dtype = pqcha__strdup(type->name);
    return t->name && t->dtype ? PQCHA_OK : PQCHA_ERR_NO_MEMORY;
}

static int compare_by_name(const void *a, const void *b) {
    return strcmp(((const pqcha__tensor *)a)->name, ((const pqcha__tensor *)b)->name);
}

static int compare_by_offset(const void *a, const void *b) {
    const pqcha__tensor *x = a, *y = b;
    if (x->offset != y->offset) return x->offset < y->offset ? -1 : 1;
    if (x->size != y->size) return x->size < y->size ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Absolute offsets inside the file, unique names, no overlaps; sorted by offset. */
static pqcha_err place_tensors(pqcha__tensor *t, size_t n, uint64_t data_start,
                               uint64_t file_size) {
    if (n == 0) return PQCHA_OK;
    if (data_start > file_size)
        return PQCHA_ERR_MALFORMED; /* the data section's padding is missing */
    for (size_t i = 0; i < n; i++) {
        uint64_t room = file_size - data_start;
        if (t[i].offset > room || t[i].size > room - t[i].offset) return PQCHA_ERR_OUT_OF_RANGE;
        t[i].offset += data_start;
    }
    qsort(t, n, sizeof *t, compare_by_name);
    for (size_t i = 1; i < n; i++)
        if (strcmp(t[i - 1].name, t[i].name) == 0) return PQCHA_ERR_MALFORMED;
    qsort(t, n, sizeof *t, compare_by_offset);
    for (size_t i = 1; i < n; i++)
        if (t[i].offset < t[i - 1].offset + t[i - 1].size) return PQCHA_ERR_MALFORMED;
    return PQCHA_OK;
}

static pqcha_err parse_tensor_infos(gguf_cursor *c, pqcha__tensor **out, size_t n,
                                    uint32_t alignment) {
    pqcha__tensor *t = calloc(n ? n : 1, sizeof *t);
    if (t == NULL) return PQCHA_ERR_NO_MEMORY;
    pqcha_err err = PQCHA_OK;
    for (size_t i = 0; i < n && err == PQCHA_OK; i++)
        err = parse_tensor_info(c, &t[i], alignment);
    if (err == PQCHA_OK) {
        uint64_t end = c->r.pos;
        uint64_t data_start = end + (alignment - end % alignment) % alignment;
        err = place_tensors(t, n, data_start, c->file_size);
    }
    if (err != PQCHA_OK) {
        pqcha__tensors_free(t, n);
        return err;
    }
    *out = t;
    return PQCHA_OK;
}

/* ---- the header ---- */

static pqcha_err parse_fixed_header(gguf_cursor *c, uint64_t *tensor_count, uint64_t *kv_count) {
    const uint8_t *magic = NULL;
    uint32_t version = 0;
    PQCHA_TRY(take(c, 4, &magic));
    if (memcmp(magic, GGUF_MAGIC, 4) != 0) return PQCHA_ERR_MALFORMED;
    PQCHA_TRY(read_u32(c, &version));
    if (version != 2 && version != 3) return PQCHA_ERR_UNSUPPORTED_ALGORITHM;
    PQCHA_TRY(read_u64(c, tensor_count));
    PQCHA_TRY(read_u64(c, kv_count));
    if (*tensor_count > PQCHA_MAX_TENSORS) return PQCHA_ERR_TOO_LARGE;
    /* Counts the rest of the file cannot hold are refused before any loop
     * or allocation depends on them. */
    uint64_t rest = c->file_size - c->r.pos;
    if (*kv_count > rest / GGUF_MIN_KV_BYTES || *tensor_count > rest / GGUF_MIN_TENSOR_BYTES ||
        *kv_count * GGUF_MIN_KV_BYTES > rest - *tensor_count * GGUF_MIN_TENSOR_BYTES)
        return PQCHA_ERR_MALFORMED;
    return PQCHA_OK;
}

pqcha_err pqcha__gguf_parse(pqcha__tensor **tensors, size_t *count, size_t *need,
                            const uint8_t *head, size_t head_len, uint64_t file_size) {
    return pqcha__gguf_parse_diag(tensors, count, need, head, head_len, file_size, NULL);
}

pqcha_err pqcha__gguf_parse_diag(pqcha__tensor **tensors, size_t *count, size_t *need,
                                 const uint8_t *head, size_t head_len, uint64_t file_size,
                                 pqcha__diag *diag) {
    if (tensors == NULL || count == NULL || (head == NULL && head_len != 0) || head_len > file_size)
        return PQCHA_ERR_INVALID_ARGUMENT;
    *tensors = NULL;
    *count = 0;
    if (need != NULL) *need = 0;
    gguf_cursor c;
    pqcha__reader_init(&c.r, head, head_len);
    c.file_size = file_size;
    c.need = 0;
    c.diag = diag;
    uint64_t tensor_count = 0, kv_count = 0;
    uint32_t alignment = GGUF_DEFAULT_ALIGNMENT;
    pqcha_err err = parse_fixed_header(&c, &tensor_count, &kv_count);
    if (err == PQCHA_OK) err = parse_metadata(&c, kv_count, &alignment);
    if (err == PQCHA_OK) err = parse_tensor_infos(&c, tensors, (size_t)tensor_count, alignment);
    if (err != PQCHA_OK) {
        if (need != NULL) *need = c.need;
        return err;
    }
    *count = (size_t)tensor_count;
    return PQCHA_OK;
}
