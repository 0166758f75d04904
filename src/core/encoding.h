/* encoding.h — strict, canonical hex and base64 (RFC 4648 section 4, padded).
 * Decoders accept exactly one spelling of each value: lowercase hex of the
 * expected length; base64 with '=' padding, no whitespace, zero pad bits. */
#ifndef PQCHA_ENCODING_H
#define PQCHA_ENCODING_H

#include <stddef.h>
#include <stdint.h>

#include "pqcha/error.h"

/* Decodes lowercase hex into out (out_len = text_len/2 must hold exactly).
 * PQCHA_ERR_BAD_HEX for odd length, uppercase, non-hex or size mismatch. */
pqcha_err pqcha__hex_decode(uint8_t *out, size_t out_len, const char *text, size_t text_len);
/* Checks that text is lowercase hex of min..max bytes (so 2*min..2*max chars). */
pqcha_err pqcha__hex_check(const char *text, size_t min_bytes, size_t max_bytes);

size_t pqcha__base64_encoded_len(size_t n); /* without NUL */
/* Encodes into a new NUL-terminated string. */
pqcha_err pqcha__base64_encode(char **out, size_t *out_len, const uint8_t *in, size_t n);
/* Decodes into a new buffer; PQCHA_ERR_BAD_BASE64 unless canonical. max_out caps
 * the decoded size (PQCHA_ERR_TOO_LARGE). */
pqcha_err pqcha__base64_decode(uint8_t **out, size_t *out_len, const char *text, size_t text_len,
                               size_t max_out);

#endif
