/* tensor.c — the tensor model (tensor.h): names, tables, and each format's
 * element types with the size rule. */
#include "core/tensor.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

void pqcha__tensors_free(pqcha__tensor *tensors, size_t count) {
    if (tensors == NULL) return;
    for (size_t i = 0; i < count; i++) {
        free(tensors[i].name);
        free(tensors[i].dtype);
    }
    free(tensors);
}

pqcha_err pqcha__tensor_name_check(const char *name, size_t len) {
    if (name == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    if (len > PQCHA__MAX_TENSOR_NAME_LEN) return PQCHA_ERR_TOO_LARGE;
    if (len == 0) return PQCHA_ERR_BAD_IDENTIFIER;
    const uint8_t *s = (const uint8_t *)name;
    for (size_t i = 0; i < len;) {
        size_t n = s[i] == 0 ? 0 : pqcha__utf8_sequence_length(s + i, len - i);
        if (n == 0) return PQCHA_ERR_BAD_IDENTIFIER;
        i += n;
    }
    return PQCHA_OK;
}

void pqcha__diag_tensor(pqcha__diag *d, const char *name, size_t name_len, const char *fmt, ...) {
    if (d == NULL) return;
    size_t used = (size_t)snprintf(d->text, sizeof d->text, "tensor '");
    for (size_t i = 0; i < name_len && used + 8 < sizeof d->text; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'')
            d->text[used++] = (char)c;
        else
            used += (size_t)snprintf(d->text + used, sizeof d->text - used, "\\x%02x", c);
    }
    if (used + 2 >= sizeof d->text) return;
    d->text[used++] = '\'';
    d->text[used++] = ' ';
    d->text[used] = '\0';
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->text + used, sizeof d->text - used, fmt, ap);
    va_end(ap);
}

pqcha_err pqcha__shape_product(uint64_t *out, uint64_t first, const uint64_t *dims,
                               unsigned ndims) {
    uint64_t total = first;
    for (unsigned i = 0; i < ndims; i++) {
        if (dims[i] != 0 && total > UINT64_MAX / dims[i]) return PQCHA_ERR_OUT_OF_RANGE;
        total *= dims[i];
    }
    *out = total;
    return PQCHA_OK;
}

/* ---- safetensors ---- */

struct dtype_info {
    const char *name;
    uint64_t bytes;
};

static const struct dtype_info dtypes[] = {
    {"F64", 8},     {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"F8_E4M3", 1},
    {"F8_E5M2", 1}, {"I64", 8}, {"I32", 4}, {"I16", 2},  {"I8", 1},
    {"U64", 8},     {"U32", 4}, {"U16", 2}, {"U8", 1},   {"BOOL", 1},
};

uint64_t pqcha__safetensors_dtype_bytes(const char *name) {
    for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
        if (strcmp(name, dtypes[i].name) == 0) return dtypes[i].bytes;
    return 0;
}

pqcha_err pqcha__safetensors_tensor_check(const pqcha__tensor *t) {
    if (t == NULL || t->dtype == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    uint64_t element = pqcha__safetensors_dtype_bytes(t->dtype);
    if (element == 0) return PQCHA_ERR_UNSUPPORTED_ALGORITHM;
    if (t->ndims > PQCHA__MAX_TENSOR_DIMS) return PQCHA_ERR_MALFORMED;
    uint64_t bytes = 0;
    PQCHA_TRY(pqcha__shape_product(&bytes, element, t->shape, t->ndims));
    return bytes == t->size ? PQCHA_OK : PQCHA_ERR_INCONSISTENT_CLAIMS;
}

/* ---- GGUF (ggml) ---- */

/* Ids that ggml retired (4, 5, 31-33, 36-38) are unknown like any other. */
static const pqcha__ggml_type ggml_types[] = {
    {0, "F32", 1, 4},         {1, "F16", 1, 2},         {2, "Q4_0", 32, 18},
    {3, "Q4_1", 32, 20},      {6, "Q5_0", 32, 22},      {7, "Q5_1", 32, 24},
    {8, "Q8_0", 32, 34},      {9, "Q8_1", 32, 36},      {10, "Q2_K", 256, 84},
    {11, "Q3_K", 256, 110},   {12, "Q4_K", 256, 144},   {13, "Q5_K", 256, 176},
    {14, "Q6_K", 256, 210},   {15, "Q8_K", 256, 292},   {16, "IQ2_XXS", 256, 66},
    {17, "IQ2_XS", 256, 74},  {18, "IQ3_XXS", 256, 98}, {19, "IQ1_S", 256, 50},
    {20, "IQ4_NL", 32, 18},   {21, "IQ3_S", 256, 110},  {22, "IQ2_S", 256, 82},
    {23, "IQ4_XS", 256, 136}, {24, "I8", 1, 1},         {25, "I16", 1, 2},
    {26, "I32", 1, 4},        {27, "I64", 1, 8},        {28, "F64", 1, 8},
    {29, "IQ1_M", 256, 56},   {30, "BF16", 1, 2},       {34, "TQ1_0", 256, 54},
    {35, "TQ2_0", 256, 66},   {39, "MXFP4", 32, 17},    {40, "NVFP4", 64, 36},
    {41, "Q1_0", 128, 18},    {42, "Q2_0", 64, 18},
};
#define GGML_TYPE_COUNT (sizeof ggml_types / sizeof ggml_types[0])

const pqcha__ggml_type *pqcha__ggml_type_by_id(uint32_t id) {
    for (size_t i = 0; i < GGML_TYPE_COUNT; i++)
        if (ggml_types[i].id == id) return &ggml_types[i];
    return NULL;
}

const pqcha__ggml_type *pqcha__ggml_type_by_name(const char *name) {
    for (size_t i = 0; i < GGML_TYPE_COUNT; i++)
        if (strcmp(ggml_types[i].name, name) == 0) return &ggml_types[i];
    return NULL;
}

pqcha_err pqcha__ggml_tensor_bytes(uint64_t *out, const pqcha__ggml_type *type, const uint64_t *ne,
                                   unsigned ndims) {
    if (ne[0] % type->block != 0) return PQCHA_ERR_MALFORMED;
    uint64_t row = (ne[0] / type->block) * type->bytes; /* ne[0] <= 2^53: no overflow */
    return pqcha__shape_product(out, row, ne + 1, ndims - 1);
}

pqcha_err pqcha__gguf_tensor_check(const pqcha__tensor *t) {
    if (t == NULL || t->dtype == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    const pqcha__ggml_type *type = pqcha__ggml_type_by_name(t->dtype);
    if (type == NULL) return PQCHA_ERR_UNSUPPORTED_ALGORITHM;
    if (t->ndims == 0 || t->ndims > PQCHA__GGUF_MAX_DIMS) return PQCHA_ERR_MALFORMED;
    for (unsigned i = 0; i < t->ndims; i++)
        if (t->shape[i] > PQCHA_MAX_SAFE_INTEGER) return PQCHA_ERR_OUT_OF_RANGE;
    uint64_t bytes = 0;
    PQCHA_TRY(pqcha__ggml_tensor_bytes(&bytes, type, t->shape, t->ndims));
    return bytes == t->size ? PQCHA_OK : PQCHA_ERR_INCONSISTENT_CLAIMS;
}

pqcha_err pqcha__tensor_check(const char *format, const pqcha__tensor *t) {
    if (strcmp(format, "safetensors") == 0) return pqcha__safetensors_tensor_check(t);
    if (strcmp(format, "gguf") == 0) return pqcha__gguf_tensor_check(t);
    return PQCHA_ERR_MALFORMED; /* a raw file has no tensors */
}
