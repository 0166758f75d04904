/* json.c — strict JSON on top of jansson. jansson parses; this file adds the
 * rules of docs/FORMAT.md section 1: size caps before parsing, duplicate
 * keys rejected, closed key sets, exact types and integer ranges. */
#include "json.h"

#include "core/internal.h"

#include <string.h>

json_t *pqcha__json_mutable(const json_t *value) {
    union {
        const json_t *c;
        json_t *m;
    } u;
    u.c = value;
    return u.m;
}

static pqcha_err map_load_error(const json_error_t *err) {
    switch (json_error_code(err)) {
    case json_error_duplicate_key: return PQCHA_ERR_JSON_DUPLICATE_KEY;
    case json_error_out_of_memory: return PQCHA_ERR_NO_MEMORY;
    case json_error_numeric_overflow:
        /* A number too large for jansson: certainly above 2^53-1. */
        return PQCHA_ERR_OUT_OF_RANGE;
    default: return PQCHA_ERR_JSON_SYNTAX;
    }
}

/* Per value kind, the most jansson 2.14 allocates for it (its struct, a
 * hashtable for an object, a slot in an array's table, which doubles as it
 * grows; 16 bytes of malloc bookkeeping each), measured with
 * json_set_alloc_funcs on documents of 100 000 values of one kind. Strings
 * and keys cost their bytes on top. true, false and null are shared. */
#define TREE_OBJECT     256u
#define TREE_ARRAY      160u
#define TREE_ARRAY_SLOT 16u
#define TREE_MEMBER     112u
#define TREE_STRING     96u
#define TREE_NUMBER     48u

size_t pqcha__json_tree_cost(const pqcha__json_stats *st) {
    return st->objects * TREE_OBJECT + st->arrays * TREE_ARRAY + st->array_items * TREE_ARRAY_SLOT +
           st->members * TREE_MEMBER + st->strings * TREE_STRING + st->numbers * TREE_NUMBER +
           st->string_bytes;
}

pqcha_err pqcha__json_check_shape(const char *text, size_t len, const pqcha__json_limits *lim) {
    if (text == NULL || lim == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    if (len > lim->max_len) return PQCHA_ERR_TOO_LARGE;
    pqcha__json_stats st;
    PQCHA_TRY(pqcha__json_scan(text, len, lim->max_depth, &st));
    size_t values = st.objects + st.arrays + st.strings + st.numbers + st.literals;
    if (lim->max_values != 0 && values > lim->max_values) return PQCHA_ERR_JSON_TOO_COMPLEX;
    /* len is at most a few hundred MiB: the product cannot overflow. */
    if (pqcha__json_tree_cost(&st) > (size_t)lim->tree_factor * len + PQCHA__JSON_TREE_SLACK)
        return PQCHA_ERR_JSON_TOO_COMPLEX;
    return PQCHA_OK;
}

pqcha_err pqcha__json_parse_object(json_t **out, const char *text, size_t len,
                                   const pqcha__json_limits *lim) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (text == NULL || lim == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    PQCHA_TRY(pqcha__json_check_shape(text, len, lim));
    json_error_t err;
    /* JSON_DECODE_ANY so a scalar top level is reported as a type error,
     * not as a syntax error. NUL bytes and trailing data stay rejected. */
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
    if (root == NULL) return map_load_error(&err);
    if (!json_is_object(root)) {
        json_decref(root);
        return PQCHA_ERR_WRONG_TYPE;
    }
    *out = root;
    return PQCHA_OK;
}

static int key_in_list(const char *key, const char *const *list) {
    for (size_t i = 0; list != NULL && list[i] != NULL; i++) {
        if (strcmp(key, list[i]) == 0) return 1;
    }
    return 0;
}

pqcha_err pqcha__json_check_fields(const json_t *obj, const char *const *required,
                                   const char *const *optional) {
    if (!json_is_object(obj)) return PQCHA_ERR_WRONG_TYPE;
    const char *key;
    json_t *value;
    json_object_foreach(pqcha__json_mutable(obj), key, value) {
        (void)value;
        if (!key_in_list(key, required) && !key_in_list(key, optional))
            return PQCHA_ERR_UNKNOWN_FIELD;
    }
    for (size_t i = 0; required != NULL && required[i] != NULL; i++) {
        if (json_object_get(obj, required[i]) == NULL) return PQCHA_ERR_MISSING_FIELD;
    }
    return PQCHA_OK;
}

/* The member key of obj, or NULL with the error to return. */
static json_t *member(const json_t *obj, const char *key, pqcha_err *err) {
    if (!json_is_object(obj) || key == NULL) {
        *err = PQCHA_ERR_INVALID_ARGUMENT;
        return NULL;
    }
    json_t *value = json_object_get(obj, key);
    *err = value ? PQCHA_OK : PQCHA_ERR_MISSING_FIELD;
    return value;
}

pqcha_err pqcha__json_string(const json_t *obj, const char *key, size_t max_len, const char **out) {
    pqcha_err err;
    json_t *value = member(obj, key, &err);
    if (value == NULL) return err;
    if (!json_is_string(value)) return PQCHA_ERR_WRONG_TYPE;
    if (json_string_length(value) > max_len) return PQCHA_ERR_TOO_LARGE;
    *out = json_string_value(value);
    return PQCHA_OK;
}

pqcha_err pqcha__json_uint(const json_t *obj, const char *key, uint64_t max, uint64_t *out) {
    pqcha_err err;
    json_t *value = member(obj, key, &err);
    if (value == NULL) return err;
    return pqcha__json_uint_value(value, max, out);
}

pqcha_err pqcha__json_uint_value(const json_t *value, uint64_t max, uint64_t *out) {
    /* Reals (1.0, 1e3) are a different type even when their value is whole. */
    if (!json_is_integer(value)) return PQCHA_ERR_WRONG_TYPE;
    json_int_t n = json_integer_value(value);
    if (n < 0 || (uint64_t)n > max) return PQCHA_ERR_OUT_OF_RANGE;
    *out = (uint64_t)n;
    return PQCHA_OK;
}

pqcha_err pqcha__json_bool(const json_t *obj, const char *key, int *out) {
    pqcha_err err;
    json_t *value = member(obj, key, &err);
    if (value == NULL) return err;
    if (!json_is_boolean(value)) return PQCHA_ERR_WRONG_TYPE;
    *out = json_is_true(value);
    return PQCHA_OK;
}

pqcha_err pqcha__json_object(const json_t *obj, const char *key, json_t **out) {
    pqcha_err err;
    json_t *value = member(obj, key, &err);
    if (value == NULL) return err;
    if (!json_is_object(value)) return PQCHA_ERR_WRONG_TYPE;
    *out = value;
    return PQCHA_OK;
}

pqcha_err pqcha__json_array(const json_t *obj, const char *key, size_t max_items, json_t **out) {
    pqcha_err err;
    json_t *value = member(obj, key, &err);
    if (value == NULL) return err;
    if (!json_is_array(value)) return PQCHA_ERR_WRONG_TYPE;
    if (json_array_size(value) > max_items) return PQCHA_ERR_TOO_LARGE;
    *out = value;
    return PQCHA_OK;
}

pqcha_err pqcha__json_dump(char **out, size_t *out_len, const json_t *value, int style) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (out_len) *out_len = 0;
    if (value == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    /* The pretty and ASCII forms are for people ('pqcha inspect' prints
     * unverified payloads, 'verify --json' results): json.h says why. */
    size_t flags = JSON_SORT_KEYS;
    if (style == PQCHA__JSON_PRETTY)
        flags |= JSON_INDENT(2) | JSON_ENSURE_ASCII;
    else
        flags |= JSON_COMPACT | (style == PQCHA__JSON_COMPACT_ASCII ? JSON_ENSURE_ASCII : 0);
    char *text = json_dumps(value, flags);
    if (text == NULL) return PQCHA_ERR_NO_MEMORY;
    *out = text;
    if (out_len) *out_len = strlen(text);
    return PQCHA_OK;
}

json_t *pqcha__json_error_or_null(pqcha_err err) {
    return err == PQCHA_OK ? json_null() : json_string(pqcha_error_name(err));
}
