/* json_pretty.h — a JSON document indented for people, in one pass over the
 * strict tokenizer (json_pull.h), without a tree.
 *
 * `pqcha inspect` prints an unverified payload: building jansson's tree of
 * a hostile one cost up to 16 times its size. This writes what
 * pqcha__json_dump(..., PQCHA__JSON_PRETTY) writes (jansson 2.14 with
 * JSON_INDENT(2) | JSON_ENSURE_ASCII | JSON_SORT_KEYS) with memory of the
 * output plus a constant.
 *
 * The output is byte for byte jansson's when the keys of every object are
 * already in the order JSON_SORT_KEYS puts them (bytewise on their UTF-8),
 * as in every document pqcha writes. A streaming printer cannot sort:
 * members of an object whose keys are out of order are printed in document
 * order, where jansson would sort them. Everything else matches: two-space
 * indent, "key": value, "{}" and "[]" when empty, no trailing newline;
 * strings with ", \, \b \f \n \r \t escaped, other C0 controls and every
 * non-ASCII character as \uXXXX (uppercase hex; a surrogate pair above
 * U+FFFF), '/' and DEL (0x7f) as they are; integers as jansson reprints them
 * ("-0" is "0"); reals as jansson reprints them ("%.17g", ".0" added to a
 * whole number, the exponent without '+' and leading zeros, under the
 * locale's decimal point handled as jansson handles it). */
#ifndef PQCHA_JSON_PRETTY_H
#define PQCHA_JSON_PRETTY_H

#include <stddef.h>

#include "pqcha.h"

/* The output's cap, NUL not counted: four times the largest payload
 * (PQCHA_MAX_PAYLOAD_LEN). The payloads pqcha writes grow by about half
 * when indented (1.3 to 1.6 times on the seed corpus); a document built to
 * grow more (many small values deep down, each on a line indented by up to
 * 24 spaces) is refused rather than allowed to cost more than this. */
#define PQCHA__JSON_PRETTY_MAX_LEN (4u * PQCHA_MAX_PAYLOAD_LEN)

/* Writes text (len bytes, one JSON object) indented into a new
 * NUL-terminated string *out (free with free), *out_len bytes long without
 * the NUL (out_len may be NULL). Nesting deeper than max_depth (clamped to
 * PQCHA__JSON_MAX_DEPTH) is refused.
 *
 * Errors, in the order pqcha__json_parse_object reports them (whose checks
 * of the text's size and of its tree's cost this does not make: a caller
 * that wants them calls pqcha__json_check_shape first, as envelope.c's
 * pretty_payload does): JSON_SYNTAX or JSON_TOO_COMPLEX from
 * the tokenizer, which reads the whole text before anything else is
 * reported; then the first in document order of JSON_DUPLICATE_KEY,
 * OUT_OF_RANGE (an integer outside int64, a real beyond double, which
 * jansson refuses as numeric overflow) and TOO_LARGE (the output would
 * exceed PQCHA__JSON_PRETTY_MAX_LEN); then WRONG_TYPE when the top level is
 * not an object. NO_MEMORY at once. INVALID_ARGUMENT for a NULL out or
 * text. On error *out is NULL and *out_len 0.
 *
 * Duplicate keys are found by comparing each key with the one before it in
 * the same object, which keeps memory constant and finds every duplicate
 * when the keys are sorted; in an object whose keys are out of order a
 * duplicate that is not next to its twin is printed twice, where jansson
 * refuses the document.
 *
 * Besides the output: a copy of a real number's text while it is read
 * (its length, for a real longer than 63 characters). */
PQCHA_MUST_CHECK
pqcha_err pqcha__json_pretty(char **out, size_t *out_len, const void *text, size_t len,
                             unsigned max_depth);

#endif
