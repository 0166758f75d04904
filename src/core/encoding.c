/* encoding.c — strict hex and canonical base64. Each value has exactly one
 * accepted spelling, so two parties never disagree about what bytes a
 * signed document names. All decoding goes through the bounded reader. */
#include "encoding.h"

#include <stdlib.h>
#include <string.h>

#include "reader.h"

/* ---- hex ---- */

/* Lowercase hex digit value, or -1 (uppercase is rejected on purpose). */
static int hex_value(uint8_t c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

pqcha_err pqcha__hex_decode(uint8_t *out, size_t out_len, const char *text, size_t text_len) {
    if (text == NULL || (out == NULL && out_len != 0)) return PQCHA_ERR_INVALID_ARGUMENT;
    if (text_len % 2 != 0 || text_len / 2 != out_len) return PQCHA_ERR_BAD_HEX;
    /* The whole text is taken from the reader once: a call per byte cost
     * more than the decoding (a report holds thousands of digests). */
    pqcha__reader r;
    const uint8_t *digits;
    pqcha__reader_init(&r, text, text_len);
    if (!pqcha__reader_bytes(&r, text_len, &digits)) return PQCHA_ERR_BAD_HEX;
    for (size_t i = 0; i < out_len; i++) {
        int hi = hex_value(digits[2 * i]), lo = hex_value(digits[2 * i + 1]);
        if (hi < 0 || lo < 0) return PQCHA_ERR_BAD_HEX;
        out[i] = (uint8_t)((hi << 4) | lo);
    }
    return PQCHA_OK;
}

pqcha_err pqcha__hex_check(const char *text, size_t min_bytes, size_t max_bytes) {
    if (text == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    size_t len = strlen(text);
    if (len % 2 != 0 || len / 2 < min_bytes || len / 2 > max_bytes) return PQCHA_ERR_BAD_HEX;
    pqcha__reader r;
    const uint8_t *digits;
    pqcha__reader_init(&r, text, len);
    if (!pqcha__reader_bytes(&r, len, &digits)) return PQCHA_ERR_BAD_HEX;
    for (size_t i = 0; i < len; i++) {
        if (hex_value(digits[i]) < 0) return PQCHA_ERR_BAD_HEX;
    }
    return PQCHA_OK;
}

/* ---- base64 (RFC 4648 section 4, padded) ---- */

static const char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t pqcha__base64_encoded_len(size_t n) {
    return (n / 3 + (n % 3 != 0)) * 4;
}

pqcha_err pqcha__base64_encode(char **out, size_t *out_len, const uint8_t *in, size_t n) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (out_len) *out_len = 0;
    if (in == NULL && n != 0) return PQCHA_ERR_INVALID_ARGUMENT;
    if (n > (SIZE_MAX - 4) / 4 * 3) return PQCHA_ERR_TOO_LARGE;
    size_t len = pqcha__base64_encoded_len(n);
    char *text = malloc(len + 1);
    if (text == NULL) return PQCHA_ERR_NO_MEMORY;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        size_t left = n - i;
        uint32_t v = (uint32_t)in[i] << 16;
        if (left > 1) v |= (uint32_t)in[i + 1] << 8;
        if (left > 2) v |= in[i + 2];
        text[o++] = base64_alphabet[(v >> 18) & 63];
        text[o++] = base64_alphabet[(v >> 12) & 63];
        text[o++] = left > 1 ? base64_alphabet[(v >> 6) & 63] : '=';
        text[o++] = left > 2 ? base64_alphabet[v & 63] : '=';
    }
    text[o] = '\0';
    *out = text;
    if (out_len) *out_len = o;
    return PQCHA_OK;
}

/* Alphabet value of c, or -1 for anything else (including '=' and whitespace). */
/* The base64 value of each byte with bit 0x40 set, 0 for bytes outside the
 * alphabet: the hot loop below tests four bytes with one AND. */
#define BASE64_VALID 0x40
static const uint8_t base64_table[256] = {
    ['A'] = 0x40, ['B'] = 0x41, ['C'] = 0x42, ['D'] = 0x43, ['E'] = 0x44, ['F'] = 0x45,
    ['G'] = 0x46, ['H'] = 0x47, ['I'] = 0x48, ['J'] = 0x49, ['K'] = 0x4a, ['L'] = 0x4b,
    ['M'] = 0x4c, ['N'] = 0x4d, ['O'] = 0x4e, ['P'] = 0x4f, ['Q'] = 0x50, ['R'] = 0x51,
    ['S'] = 0x52, ['T'] = 0x53, ['U'] = 0x54, ['V'] = 0x55, ['W'] = 0x56, ['X'] = 0x57,
    ['Y'] = 0x58, ['Z'] = 0x59, ['a'] = 0x5a, ['b'] = 0x5b, ['c'] = 0x5c, ['d'] = 0x5d,
    ['e'] = 0x5e, ['f'] = 0x5f, ['g'] = 0x60, ['h'] = 0x61, ['i'] = 0x62, ['j'] = 0x63,
    ['k'] = 0x64, ['l'] = 0x65, ['m'] = 0x66, ['n'] = 0x67, ['o'] = 0x68, ['p'] = 0x69,
    ['q'] = 0x6a, ['r'] = 0x6b, ['s'] = 0x6c, ['t'] = 0x6d, ['u'] = 0x6e, ['v'] = 0x6f,
    ['w'] = 0x70, ['x'] = 0x71, ['y'] = 0x72, ['z'] = 0x73, ['0'] = 0x74, ['1'] = 0x75,
    ['2'] = 0x76, ['3'] = 0x77, ['4'] = 0x78, ['5'] = 0x79, ['6'] = 0x7a, ['7'] = 0x7b,
    ['8'] = 0x7c, ['9'] = 0x7d, ['+'] = 0x7e, ['/'] = 0x7f};

static inline int base64_value(uint8_t c) {
    uint8_t t = base64_table[c];
    return (t & BASE64_VALID) ? t & 0x3f : -1;
}

/* Number of '=' at the end of a length-checked text (0, 1 or 2). */
static size_t base64_padding(const char *text, size_t len) {
    if (len == 0 || text[len - 1] != '=') return 0;
    return text[len - 2] == '=' ? 2 : 1;
}

/* Decodes one 4-character group. is_last allows padding; canonical form
 * requires the bits that padding leaves unused to be zero. Returns the number
 * of bytes written (1..3) or 0 on a bad group. */
static size_t base64_decode_group(uint8_t *out, const uint8_t group[4], int is_last) {
    int v[4];
    size_t pad = 0;
    for (int i = 0; i < 4; i++) {
        if (group[i] == '=' && is_last && i >= 2) {
            v[i] = 0;
            pad++;
            continue;
        }
        if (pad != 0) /* data after '=' */
            return 0;
        v[i] = base64_value(group[i]);
        if (v[i] < 0) return 0;
    }
    if (pad == 2 && (v[1] & 0x0f) != 0) return 0;
    if (pad == 1 && (v[2] & 0x03) != 0) return 0;
    uint32_t bits =
        ((uint32_t)v[0] << 18) | ((uint32_t)v[1] << 12) | ((uint32_t)v[2] << 6) | (uint32_t)v[3];
    out[0] = (uint8_t)(bits >> 16);
    if (pad < 2) out[1] = (uint8_t)(bits >> 8);
    if (pad < 1) out[2] = (uint8_t)bits;
    return 3 - pad;
}

pqcha_err pqcha__base64_decode(uint8_t **out, size_t *out_len, const char *text, size_t text_len,
                               size_t max_out) {
    if (out == NULL || out_len == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    *out_len = 0;
    if (text == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    if (text_len % 4 != 0) return PQCHA_ERR_BAD_BASE64;
    size_t decoded_len = text_len / 4 * 3 - base64_padding(text, text_len);
    if (decoded_len > max_out) return PQCHA_ERR_TOO_LARGE;
    /* One spare byte keeps the result NUL-terminated for text payloads. */
    uint8_t *buf = malloc(decoded_len + 1);
    if (buf == NULL) return PQCHA_ERR_NO_MEMORY;
    pqcha__reader r;
    pqcha__reader_init(&r, text, text_len);
    size_t o = 0;
    /* All groups but the last cannot hold padding: decode them in one tight
     * loop over a slice the reader has bounds-checked (reports carry
     * megabytes of base64, so this loop is on the verifier's hot path). */
    const uint8_t *body;
    size_t body_len = text_len >= 4 ? text_len - 4 : 0;
    if (!pqcha__reader_bytes(&r, body_len, &body)) {
        free(buf);
        return PQCHA_ERR_BAD_BASE64;
    }
    for (size_t i = 0; i < body_len; i += 4, o += 3) {
        uint8_t a = base64_table[body[i]], b = base64_table[body[i + 1]];
        uint8_t c = base64_table[body[i + 2]], d = base64_table[body[i + 3]];
        if ((a & b & c & d & BASE64_VALID) == 0) {
            free(buf);
            return PQCHA_ERR_BAD_BASE64;
        }
        uint32_t bits = ((uint32_t)(a & 0x3f) << 18) | ((uint32_t)(b & 0x3f) << 12) |
                        ((uint32_t)(c & 0x3f) << 6) | (uint32_t)(d & 0x3f);
        buf[o] = (uint8_t)(bits >> 16);
        buf[o + 1] = (uint8_t)(bits >> 8);
        buf[o + 2] = (uint8_t)bits;
    }
    const uint8_t *group;
    while (pqcha__reader_bytes(&r, 4, &group)) {
        int is_last = pqcha__reader_at_end(&r);
        uint8_t bytes[3];
        size_t n = base64_decode_group(bytes, group, is_last);
        if (n == 0 || o + n > decoded_len) {
            free(buf);
            return PQCHA_ERR_BAD_BASE64;
        }
        memcpy(buf + o, bytes, n);
        o += n;
    }
    if (o != decoded_len) {
        free(buf);
        return PQCHA_ERR_BAD_BASE64;
    }
    buf[o] = '\0';
    *out = buf;
    *out_len = o;
    return PQCHA_OK;
}
