/* json_view.h — a JSON object's members by name, read from the pull
 * tokenizer without building a tree.
 *
 * The schema-specific decoders (the envelope, the report's statement) know
 * every key an object may hold. pqcha__json_view_object reads one object's
 * members into a slot per known key — scalars by reference into the text,
 * objects and arrays as the span of text they occupy, opened later with
 * pqcha__json_value_open — so the decoder checks them in the order the
 * format's rules are stated, whatever order the members came in. Nothing is
 * allocated: memory stays what the caller keeps.
 *
 * Errors are those of the tree-based helpers (json.h): UNKNOWN_FIELD for a
 * key not in the list, JSON_DUPLICATE_KEY for a key seen twice,
 * MISSING_FIELD for an absent member, WRONG_TYPE, TOO_LARGE for a string
 * over its cap, OUT_OF_RANGE for an integer outside its range. */
#ifndef PQCHA_JSON_VIEW_H
#define PQCHA_JSON_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "core/json_pull.h"
#include "pqcha/error.h"

typedef struct pqcha__json_value {
    pqcha__json_token type; /* PQCHA__JSON_END: the member is absent */
    pqcha__json_text text;  /* STRING and NUMBER */
    uint8_t integer;        /* NUMBER without fraction or exponent */
    const uint8_t *span;    /* OBJECT and ARRAY: the value's whole text */
    size_t span_len;
    uint8_t lazy; /* it comes from a lazy pull (pqcha__json_pull_init_lazy) */
    size_t items; /* lazy OBJECT and ARRAY: members or elements, counted by brackets
                          and commas (exact for valid JSON; a hint until it is opened) */
} pqcha__json_value;

/* After p returned OBJECT: reads its members up to and including the
 * matching OBJECT_END. keys is NULL-terminated; values has one slot per key
 * and is cleared first. */
pqcha_err pqcha__json_view_object(pqcha__json_pull *p, const char *const *keys,
                                  pqcha__json_value *values);

/* The member is there (any type). */
int pqcha__json_value_present(const pqcha__json_value *v);

/* A string of at most max_len decoded bytes, NUL-terminated: in buf when it
 * fits (cap bytes, NUL included), else in *heap (free it; NULL otherwise). */
pqcha_err pqcha__json_value_cstr(const pqcha__json_value *v, size_t max_len, char *buf, size_t cap,
                                 char **heap, const char **out);
/* A string's decoded bytes (len of them, not NUL-terminated): in place in
 * the text when it holds no escapes, else decoded into *copy (free it; NULL
 * otherwise). The long strings of the formats (base64, hex) never hold
 * escapes, so they are read where they lie. */
pqcha_err pqcha__json_value_bytes(const pqcha__json_value *v, char **copy, const char **text,
                                  size_t *len);
/* A string of canonical base64 decoded into a new buffer of at most max
 * bytes (pqcha__base64_decode's errors). */
pqcha_err pqcha__json_value_base64(const pqcha__json_value *v, size_t max, uint8_t **out,
                                   size_t *out_len);
/* A string of lowercase hex of exactly out_len bytes (pqcha__hex_decode's errors). */
pqcha_err pqcha__json_value_hex(const pqcha__json_value *v, uint8_t *out, size_t out_len);
/* An integer in 0..max. */
pqcha_err pqcha__json_value_uint(const pqcha__json_value *v, uint64_t max, uint64_t *out);
pqcha_err pqcha__json_value_bool(const pqcha__json_value *v, int *out);
/* An object or array (type) opened in sub, which has returned its first
 * token (OBJECT or ARRAY); max_depth as for pqcha__json_pull_init. A value
 * from a lazy pull is opened lazily too. */
pqcha_err pqcha__json_value_open(const pqcha__json_value *v, pqcha__json_token type,
                                 unsigned max_depth, pqcha__json_pull *sub);

/* The value whose first token p has just returned (the next element of an
 * array, say), taken into v as pqcha__json_view_object takes members. */
pqcha_err pqcha__json_view_value(pqcha__json_pull *p, pqcha__json_token first,
                                 pqcha__json_value *v);

#endif
