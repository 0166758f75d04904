/* statement_write.h — the in-toto Statement of a report (docs/FORMAT.md
 * section 4), written in one pass into one growing buffer.
 *
 * Why it exists: building a jansson tree for every region and dumping it
 * cost several milliseconds of allocation for a report of 1000 small
 * regions, more than signing it. This writer produces the same bytes as the
 * former tree encoder (jansson 2.14, JSON_COMPACT | JSON_SORT_KEYS, UTF-8 as
 * is): the keys of every object are written by hand in the order strcmp
 * sorts them, and strings are escaped exactly as jansson escapes them (the
 * shared writer, json_write.h). tests/unit/test_statement_write.c holds it
 * to that, byte for byte. */
#ifndef PQCHA_STATEMENT_WRITE_H
#define PQCHA_STATEMENT_WRITE_H

#include <stddef.h>

#include "pqcha.h"

/* The payload of rep as compact JSON, NUL-terminated, in *out (free with
 * free()) and its length, without the NUL, in *out_len. It applies
 * none of the report's rules and no size cap: pqcha__statement_encode does
 * both (the attester also calls it directly, to measure placeholder
 * reports).
 * On error *out is NULL and *out_len 0. Returns: OK,
 * INVALID_ARGUMENT (out, out_len or rep NULL; a required string of the
 * report or of a claim NULL), UNSUPPORTED_ALGORITHM (a claim's digest
 * algorithm or the signer's algorithm unknown), BAD_PROTECTION (a claim's
 * protection unknown), OUT_OF_RANGE (a time pqcha_time_format refuses),
 * BAD_EVIDENCE (an evidence binding without a name), BAD_IDENTIFIER (a
 * string that is not well-formed UTF-8), TOO_LARGE, NO_MEMORY. Several
 * faults: the first in the order the tree encoder met them (each claim's
 * subject and region, then the predicate), except times and UTF-8, which
 * are found as they are written. */
PQCHA_MUST_CHECK pqcha_err pqcha__statement_write(char **out, size_t *out_len,
                                                  const pqcha_report *rep);

#endif
