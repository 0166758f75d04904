/* reader.h — the one bounded reader through which untrusted text and bytes
 * are parsed (hex, base64, timestamps, PEM framing). It never reads past
 * len; every accessor reports failure instead of advancing out of bounds. */
#ifndef PQCHA_READER_H
#define PQCHA_READER_H

#include <stddef.h>
#include <stdint.h>

typedef struct pqcha__reader {
    const uint8_t *data;
    size_t len;
    size_t pos; /* invariant: pos <= len */
} pqcha__reader;

void pqcha__reader_init(pqcha__reader *r, const void *data, size_t len);
size_t pqcha__reader_remaining(const pqcha__reader *r);
int pqcha__reader_at_end(const pqcha__reader *r);
/* Returns 1 and stores the next byte, or 0 at the end. */
int pqcha__reader_byte(pqcha__reader *r, uint8_t *out);
/* Returns 1 and advances if the next byte equals c. */
int pqcha__reader_expect(pqcha__reader *r, uint8_t c);
/* Exactly n ASCII digits as an unsigned value; 0 if fewer digits remain. */
int pqcha__reader_digits(pqcha__reader *r, size_t n, uint32_t *out);
/* Returns 1 and a pointer to the next n bytes, advancing; 0 if fewer remain. */
int pqcha__reader_bytes(pqcha__reader *r, size_t n, const uint8_t **out);
/* Little-endian integers (GGUF, the safetensors header length): 1 and the
 * value, advancing; 0 if fewer bytes remain. */
int pqcha__reader_u16le(pqcha__reader *r, uint16_t *out);
int pqcha__reader_u32le(pqcha__reader *r, uint32_t *out);
int pqcha__reader_u64le(pqcha__reader *r, uint64_t *out);

#endif
