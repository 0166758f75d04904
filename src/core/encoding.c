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
    pqcha__reader r;
    pqcha__reader_init(&r, text, text_len);
    for (size_t i = 0; i < out_len; i++) {
        uint8_t hi_c, lo_c;
        if (!pqcha__reader_byte(&r, &hi_c) || !pqcha__reader_byte(&r, &lo_c))
            return PQCHA_ERR_BAD_HEX;
        int hi = hex_value(hi_c), lo = hex_value(lo_c);
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
    pqcha__reader_init(&r, text, len);
    uint8_t c;
    while (pqcha__reader_byte(&r, &c)) {
        if (hex_value(c) < 0) return PQCHA_ERR_BAD_HEX;
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
static inline int base64_value(uint8_t c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
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
        int a = base64_value(body[i]), b = base64_value(body[i + 1]);
        int c = base64_value(body[i + 2]), d = base64_value(body[i + 3]);
        if ((a | b | c | d) < 0) {
            free(buf);
            return PQCHA_ERR_BAD_BASE64;
        }
        uint32_t bits =
            ((uint32_t)a << 18) | ((uint32_t)b << 12) | ((uint32_t)c << 6) | (uint32_t)d;
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
