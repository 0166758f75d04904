/* reference.h — the former tree-based (jansson) decoders and encoder of
 * the envelope and the statement, and the encoder of a verification
 * result, as the reference the tests and the differential fuzz target hold
 * the library's single-pass ones to (reference_decoders.c,
 * reference_encoder.c, reference_result_json.c). */
#ifndef PQCHA_REFERENCE_H
#define PQCHA_REFERENCE_H

#include <stddef.h>
#include <stdint.h>

#include "core/envelope.h"
#include "core/report_internal.h"

/* What pqcha__envelope_decode and pqcha__statement_decode were. */
pqcha_err reference_envelope_decode(pqcha__envelope *out, const char *json, size_t len);
pqcha_err reference_statement_decode(pqcha_report **out, const uint8_t *payload, size_t len);
/* What pqcha__statement_encode_unchecked was: the statement, no rules
 * checked, through a jansson tree dumped compact with sorted keys. */
pqcha_err reference_statement_encode(char **out, size_t *out_len, const pqcha_report *rep);
/* What pqcha_result_to_json was: a jansson tree of the result, dumped
 * compact and ASCII with sorted keys. */
pqcha_err reference_result_to_json(char **out, const pqcha_result *r);

#endif
