/* json.h — strict JSON decoding on top of jansson: size caps, duplicate keys
 * rejected, unknown fields rejected, exact types. */
#ifndef PQCHA_JSON_H
#define PQCHA_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/json_pull.h"
#include "pqcha/error.h"

/* What a document may hold before it is parsed into a tree. */
typedef struct pqcha__json_limits {
    size_t max_len;     /* bytes: TOO_LARGE above */
    unsigned max_depth; /* nesting of objects and arrays: JSON_TOO_COMPLEX deeper */
    size_t max_values;  /* values of any kind, keys not counted; 0: no count */
    /* The tree jansson builds may cost at most tree_factor times the text
     * (plus PQCHA__JSON_TREE_SLACK); a document whose tree would cost more
     * is refused (JSON_TOO_COMPLEX) before the tree is built. Chosen per
     * document from what real documents need (docs/FORMAT.md section 1). */
    unsigned tree_factor;
} pqcha__json_limits;

#define PQCHA__JSON_TREE_SLACK (64u * 1024u)

/* The bytes jansson's tree of a document with these counts takes, at most
 * (measured on jansson 2.14, malloc's overhead included). */
size_t pqcha__json_tree_cost(const pqcha__json_stats *st);

/* The checks pqcha__json_parse_object makes before a tree is built (size,
 * syntax, depth, number of values, the tree's cost), for decoders that
 * build none but accept exactly the same documents. */
pqcha_err pqcha__json_check_shape(const char *text, size_t len, const pqcha__json_limits *lim);

/* Parses exactly one JSON object from text (len bytes) within lim: a scan
 * first (json_pull.h) checks syntax, depth, the number of values and the
 * tree's cost, then jansson builds the tree. PQCHA_ERR_TOO_LARGE,
 * PQCHA_ERR_JSON_TOO_COMPLEX, PQCHA_ERR_JSON_DUPLICATE_KEY,
 * PQCHA_ERR_JSON_SYNTAX (also for NUL bytes, invalid UTF-8, trailing data),
 * PQCHA_ERR_WRONG_TYPE if the top level is not an object. */
pqcha_err pqcha__json_parse_object(json_t **out, const char *text, size_t len,
                                   const pqcha__json_limits *lim);

/* Every key of obj must be in required or optional (NULL-terminated lists,
 * either may be NULL) -> PQCHA_ERR_UNKNOWN_FIELD; every required key must be
 * present -> PQCHA_ERR_MISSING_FIELD. */
pqcha_err pqcha__json_check_fields(const json_t *obj, const char *const *required,
                                   const char *const *optional);

/* Typed getters: PQCHA_ERR_MISSING_FIELD if absent, PQCHA_ERR_WRONG_TYPE if of
 * another type. Strings: PQCHA_ERR_TOO_LARGE above max_len bytes. Integers:
 * JSON integers only (no reals), 0..max else PQCHA_ERR_OUT_OF_RANGE. */
pqcha_err pqcha__json_string(const json_t *obj, const char *key, size_t max_len, const char **out);
pqcha_err pqcha__json_uint(const json_t *obj, const char *key, uint64_t max, uint64_t *out);
pqcha_err pqcha__json_bool(const json_t *obj, const char *key, int *out);
pqcha_err pqcha__json_object(const json_t *obj, const char *key, json_t **out);
/* Arrays: PQCHA_ERR_TOO_LARGE above max_items. */
pqcha_err pqcha__json_array(const json_t *obj, const char *key, size_t max_items, json_t **out);

/* A JSON integer value (not a member) in 0..max: WRONG_TYPE for reals and
 * other types, OUT_OF_RANGE otherwise. */
pqcha_err pqcha__json_uint_value(const json_t *value, uint64_t max, uint64_t *out);
/* jansson's iteration API takes non-const objects although it only reads
 * them: this keeps read-only interfaces const without a qualifier cast. */
json_t *pqcha__json_mutable(const json_t *value);

/* An error as JSON results show it: null for OK, else its name
 * (pqcha_error_name). NULL only when out of memory. */
json_t *pqcha__json_error_or_null(pqcha_err err);

/* How pqcha__json_dump writes. */
enum pqcha__json_style {
    PQCHA__JSON_COMPACT = 0,      /* the wire form: UTF-8 as is */
    PQCHA__JSON_PRETTY = 1,       /* indented, every non-ASCII character as \uXXXX */
    PQCHA__JSON_COMPACT_ASCII = 2 /* compact, non-ASCII as \uXXXX: for terminals */
};

/* Serialises with sorted keys into a new NUL-terminated string. The ASCII
 * styles keep every value exact (JSON escapes decode to the same text) while
 * no C1 control (U+009B is CSI) or bidirectional override such as U+202E
 * reaches a terminal raw; JSON itself escapes C0 controls. */
pqcha_err pqcha__json_dump(char **out, size_t *out_len, const json_t *value, int style);

#endif
