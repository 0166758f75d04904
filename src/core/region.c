/* region.c — memory regions, protections and the identifier rules shared by
 * the API and the decoder (docs/FORMAT.md sections 1 and 4.3). */
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "core/internal.h"
#include "core/region_internal.h"
#include "core/tensor.h"

/* ---- protection ---- */

static const struct {
    pqcha_protection value;
    const char *name;
} protection_names[] = {
    {PQCHA_PROT_R, "R"},
    {PQCHA_PROT_RO, "RO"},
    {PQCHA_PROT_RW, "RW"},
    {PQCHA_PROT_RX, "RX"},
};

#define PROTECTION_COUNT (sizeof protection_names / sizeof protection_names[0])

pqcha_err pqcha_protection_parse(pqcha_protection *out, const char *name) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = (pqcha_protection)0; /* on error: no protection (docs/API-CONVENTIONS.md) */
    if (name == NULL) return PQCHA_ERR_BAD_PROTECTION;
    for (size_t i = 0; i < PROTECTION_COUNT; i++) {
        if (strcmp(name, protection_names[i].name) == 0) {
            *out = protection_names[i].value;
            return PQCHA_OK;
        }
    }
    return PQCHA_ERR_BAD_PROTECTION;
}

const char *pqcha_protection_name(pqcha_protection p) {
    for (size_t i = 0; i < PROTECTION_COUNT; i++) {
        if (protection_names[i].value == p) return protection_names[i].name;
    }
    return NULL;
}

/* ---- identifiers and descriptions ---- */

/* UTF-8 without control characters: no C0 (U+0000-U+001F), no DEL and no
 * C1 (U+0080-U+009F, encoded 0xc2 0x80-0x9f; U+009B is CSI, which terminals
 * such as xterm act on). The text may be printed to a terminal or a log and
 * must not be able to forge lines or escape sequences. */
static int is_clean_utf8(const char *text, size_t len) {
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    while (i < len) {
        if (s[i] < 0x20 || s[i] == 0x7f) return 0;
        size_t n = pqcha__utf8_sequence_length(s + i, len - i);
        if (n == 0) return 0;
        if (n == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0) return 0;
        i += n;
    }
    return 1;
}

pqcha_err pqcha_identifier_check(const char *id) {
    if (id == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    size_t len = strlen(id);
    if (len == 0 || len > PQCHA_MAX_ID_LEN || !is_clean_utf8(id, len))
        return PQCHA_ERR_BAD_IDENTIFIER;
    return PQCHA_OK;
}

static pqcha_err description_check(const char *text) {
    size_t len = strlen(text);
    if (len > PQCHA_MAX_DESCRIPTION_LEN) return PQCHA_ERR_TOO_LARGE;
    if (!is_clean_utf8(text, len)) return PQCHA_ERR_BAD_IDENTIFIER;
    return PQCHA_OK;
}

/* ---- regions ---- */

/* address + size must not pass 2^64, and the size must survive a JSON
 * round trip (FORMAT.md section 4.3). */
static pqcha_err extent_check(uint64_t address, uint64_t size) {
    if (size > PQCHA_MAX_SAFE_INTEGER) return PQCHA_ERR_OUT_OF_RANGE;
    if (size != 0 && address > UINT64_MAX - (size - 1)) return PQCHA_ERR_OUT_OF_RANGE;
    return PQCHA_OK;
}

pqcha_err pqcha_region_create(pqcha_region **out, const char *id, const char *description,
                              uint64_t address, uint64_t size, pqcha_protection protection) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (description == NULL) description = "";
    PQCHA_TRY(pqcha_identifier_check(id));
    PQCHA_TRY(description_check(description));
    PQCHA_TRY(extent_check(address, size));
    if (pqcha_protection_name(protection) == NULL) return PQCHA_ERR_BAD_PROTECTION;
    pqcha_region *r = calloc(1, sizeof *r);
    if (r == NULL) return PQCHA_ERR_NO_MEMORY;
    r->id = pqcha__strdup(id);
    r->description = pqcha__strdup(description);
    if (r->id == NULL || r->description == NULL) {
        pqcha_region_free(r);
        return PQCHA_ERR_NO_MEMORY;
    }
    r->address = address;
    r->size = size;
    r->protection = protection;
    *out = r;
    return PQCHA_OK;
}

pqcha_err pqcha__region_init_copy(pqcha_region *dst, const pqcha_region *src) {
    if (dst == NULL || src == NULL || src->id == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    memset(dst, 0, sizeof *dst);
    dst->id = pqcha__strdup(src->id);
    dst->description = pqcha__strdup(src->description ? src->description : "");
    if (dst->id == NULL || dst->description == NULL) {
        pqcha__region_clear(dst);
        return PQCHA_ERR_NO_MEMORY;
    }
    dst->address = src->address;
    dst->size = src->size;
    dst->protection = src->protection;
    pqcha_err err = PQCHA_OK;
    if (src->mapped_file != NULL)
        err = pqcha_region_set_mapping(dst, src->mapped_file, src->file_offset);
    dst->file_deleted = src->file_deleted;
    for (size_t i = 0; err == PQCHA_OK && i < src->tensor_count; i++)
        err = pqcha_region_add_tensor(dst, src->tensors[i].name, src->tensors[i].offset,
                                      src->tensors[i].size);
    if (err != PQCHA_OK) pqcha__region_clear(dst);
    return err;
}

/* The path is what the process's memory map shows: up to PATH_MAX bytes of
 * anything but control characters (it is printed and signed). */

pqcha_err pqcha_region_set_mapping(pqcha_region *r, const char *file, uint64_t file_offset) {
    if (r == NULL || file == NULL || file[0] == '\0') return PQCHA_ERR_INVALID_ARGUMENT;
    size_t len = strlen(file);
    if (len > PQCHA__MAX_MAPPED_FILE_LEN) return PQCHA_ERR_TOO_LARGE;
    if (!is_clean_utf8(file, len)) return PQCHA_ERR_BAD_IDENTIFIER;
    if (file_offset > PQCHA_MAX_SAFE_INTEGER) return PQCHA_ERR_OUT_OF_RANGE;
    char *copy = pqcha__strdup(file);
    if (copy == NULL) return PQCHA_ERR_NO_MEMORY;
    free(r->mapped_file);
    r->mapped_file = copy;
    r->file_offset = file_offset;
    return PQCHA_OK;
}

pqcha_err pqcha_region_set_file_deleted(pqcha_region *r, int deleted) {
    if (r == NULL || r->mapped_file == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    r->file_deleted = deleted != 0;
    return PQCHA_OK;
}

int pqcha_region_file_deleted(const pqcha_region *r) {
    return r != NULL && r->file_deleted;
}

/* ---- tensors of a mapped model file ---- */

static pqcha_err reserve_tensor(pqcha_region *r) {
    return pqcha__grow(&r->tensors, &r->tensor_cap, r->tensor_count + 1, sizeof *r->tensors,
                       PQCHA_MAX_TENSORS);
}

/* Inside the region's bytes of the file, and after the previous tensor. */
static pqcha_err tensor_place_check(const pqcha_region *r, uint64_t offset, uint64_t size) {
    if (size == 0 || offset < r->file_offset || offset - r->file_offset > r->size ||
        size > r->size - (offset - r->file_offset))
        return PQCHA_ERR_OUT_OF_RANGE;
    if (r->tensor_count > 0) {
        const pqcha__tensor_ref *last = &r->tensors[r->tensor_count - 1];
        if (offset < last->offset + last->size)
            return PQCHA_ERR_MALFORMED; /* out of order or overlapping */
    }
    return PQCHA_OK;
}

pqcha_err pqcha_region_add_tensor(pqcha_region *r, const char *name, uint64_t file_offset,
                                  uint64_t size) {
    if (r == NULL || name == NULL || r->mapped_file == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    PQCHA_TRY(pqcha__tensor_name_check(name, strlen(name)));
    PQCHA_TRY(tensor_place_check(r, file_offset, size));
    PQCHA_TRY(reserve_tensor(r));
    char *copy = pqcha__strdup(name);
    if (copy == NULL) return PQCHA_ERR_NO_MEMORY;
    r->tensors[r->tensor_count++] = (pqcha__tensor_ref){copy, file_offset, size};
    return PQCHA_OK;
}

size_t pqcha_region_tensor_count(const pqcha_region *r) {
    return r ? r->tensor_count : 0;
}

const char *pqcha_region_tensor_name(const pqcha_region *r, size_t i) {
    return r != NULL && i < r->tensor_count ? r->tensors[i].name : NULL;
}

const char *pqcha_region_mapped_file(const pqcha_region *r) {
    return r ? r->mapped_file : NULL;
}

uint64_t pqcha_region_file_offset(const pqcha_region *r) {
    return r ? r->file_offset : 0;
}

pqcha_err pqcha_region_copy(pqcha_region **out, const pqcha_region *r) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (r == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha_region *copy = calloc(1, sizeof *copy);
    if (copy == NULL) return PQCHA_ERR_NO_MEMORY;
    pqcha_err err = pqcha__region_init_copy(copy, r);
    if (err != PQCHA_OK) {
        free(copy);
        return err;
    }
    *out = copy;
    return PQCHA_OK;
}

const char *pqcha_region_id(const pqcha_region *r) {
    return r ? r->id : NULL;
}

const char *pqcha_region_description(const pqcha_region *r) {
    return r ? r->description : NULL;
}

uint64_t pqcha_region_address(const pqcha_region *r) {
    return r ? r->address : 0;
}

uint64_t pqcha_region_size(const pqcha_region *r) {
    return r ? r->size : 0;
}

pqcha_protection pqcha_region_protection(const pqcha_region *r) {
    return r ? r->protection : (pqcha_protection)0;
}

void pqcha__region_clear(pqcha_region *r) {
    if (r == NULL) return;
    free(r->id);
    free(r->description);
    free(r->mapped_file);
    for (size_t i = 0; i < r->tensor_count; i++)
        free(r->tensors[i].name);
    free(r->tensors);
    memset(r, 0, sizeof *r);
}

void pqcha_region_free(pqcha_region *r) {
    if (r == NULL) return;
    pqcha__region_clear(r);
    free(r);
}
