/* reader.c — the bounded reader: every access checks the remaining length
 * first, so a parser built on it cannot run past the end of its input. */
#include "reader.h"

void pqcha__reader_init(pqcha__reader *r, const void *data, size_t len) {
    r->data = data;
    r->len = data != NULL ? len : 0;
    r->pos = 0;
}

size_t pqcha__reader_remaining(const pqcha__reader *r) {
    return r->len - r->pos;
}

int pqcha__reader_at_end(const pqcha__reader *r) {
    return r->pos >= r->len;
}

int pqcha__reader_byte(pqcha__reader *r, uint8_t *out) {
    if (pqcha__reader_at_end(r)) return 0;
    *out = r->data[r->pos++];
    return 1;
}

int pqcha__reader_expect(pqcha__reader *r, uint8_t c) {
    if (pqcha__reader_at_end(r) || r->data[r->pos] != c) return 0;
    r->pos++;
    return 1;
}

int pqcha__reader_digits(pqcha__reader *r, size_t n, uint32_t *out) {
    /* At most 9 digits so the value always fits in 32 bits. */
    if (n == 0 || n > 9 || pqcha__reader_remaining(r) < n) return 0;
    uint32_t value = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = r->data[r->pos + i];
        if (c < '0' || c > '9') return 0;
        value = value * 10u + (uint32_t)(c - '0');
    }
    r->pos += n;
    *out = value;
    return 1;
}

int pqcha__reader_bytes(pqcha__reader *r, size_t n, const uint8_t **out) {
    if (pqcha__reader_remaining(r) < n) return 0;
    *out = r->data + r->pos;
    r->pos += n;
    return 1;
}

static uint64_t le_value(const uint8_t *p, unsigned n) {
    uint64_t v = 0;
    while (n-- > 0)
        v = (v << 8) | p[n];
    return v;
}

int pqcha__reader_u16le(pqcha__reader *r, uint16_t *out) {
    const uint8_t *p = NULL;
    if (!pqcha__reader_bytes(r, 2, &p)) return 0;
    *out = (uint16_t)le_value(p, 2);
    return 1;
}

int pqcha__reader_u32le(pqcha__reader *r, uint32_t *out) {
    const uint8_t *p = NULL;
    if (!pqcha__reader_bytes(r, 4, &p)) return 0;
    *out = (uint32_t)le_value(p, 4);
    return 1;
}

int pqcha__reader_u64le(pqcha__reader *r, uint64_t *out) {
    const uint8_t *p = NULL;
    if (!pqcha__reader_bytes(r, 8, &p)) return 0;
    *out = le_value(p, 8);
    return 1;
}
