/* json.h — strict JSON decoding on top of jansson: size caps, duplicate keys
 * rejected, unknown fields rejected, exact types. */
#ifndef PQCHA_JSON_H
#define PQCHA_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "pqcha/error.h"

/* Parses exactly one JSON object from text (len bytes, at most cap).
 * PQCHA_ERR_TOO_LARGE, PQCHA_ERR_JSON_DUPLICATE_KEY, PQCHA_ERR_JSON_SYNTAX
 * (also for NUL bytes, invalid UTF-8, trailing data), PQCHA_ERR_WRONG_TYPE
 * if the top level is not an object. */
pqcha_err pqcha__json_parse_object(json_t **out, const char *text, size_t len, size_t cap);

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

/* Serialises with sorted keys into a new NUL-terminated string: compactly,
 * or (pretty) indented with every non-ASCII character escaped as \uXXXX. */
pqcha_err pqcha__json_dump(char **out, size_t *out_len, const json_t *value, int pretty);

#endif
