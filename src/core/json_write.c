/* json_write.c — JSON text written directly (see json_write.h for why). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "core/internal.h"
#include "core/json_write.h"

/* No cap of the writer's own: its callers apply theirs (the statement's
 * PQCHA_MAX_PAYLOAD_LEN), and the attester measures a report's exact size
 * with the unchecked encoder, which must then see all of it. */
#define WRITER_MAX_BYTES (SIZE_MAX / 2)

#define INT_TEXT_MAX 20u /* "-9223372036854775808" */

/* The most one input byte becomes: a control's "\u00XX". A character of 2
 * to 4 bytes becomes one or two "\uXXXX", at most 3 bytes per byte. */
#define ESCAPE_MAX_BYTES 6u

/* ---- the buffer ---- */

void pqcha__json_writer_init(pqcha__json_writer *w, int text, size_t size_guess) {
    memset(w, 0, sizeof *w);
    w->ascii = text == PQCHA__JSON_TEXT_ASCII;
    (void)pqcha__json_room(w, size_guess);
}

pqcha_err pqcha__json_writer_finish(pqcha__json_writer *w, char **out, size_t *out_len) {
    *out = NULL;
    *out_len = 0;
    if (w->err == PQCHA_OK) (void)pqcha__json_room(w, 0); /* a buffer even if nothing was written */
    if (w->err != PQCHA_OK) {
        free(w->buf);
        w->buf = NULL;
        return w->err;
    }
    w->buf[w->len] = '\0'; /* room kept a byte for it */
    *out = w->buf;
    *out_len = w->len;
    w->buf = NULL;
    return PQCHA_OK;
}

void pqcha__json_fail(pqcha__json_writer *w, pqcha_err err) {
    if (w->err == PQCHA_OK) w->err = err;
}

int pqcha__json_grow(pqcha__json_writer *w, size_t n) {
    if (w->err != PQCHA_OK) return 0;
    if (n >= WRITER_MAX_BYTES - w->len)
        w->err = PQCHA_ERR_TOO_LARGE;
    else
        w->err = pqcha__grow(&w->buf, &w->cap, w->len + n + 1, 1, WRITER_MAX_BYTES);
    return w->err == PQCHA_OK;
}

void pqcha__json_put_array(pqcha__json_writer *w, const void *items, size_t count, size_t item_size,
                           pqcha__json_item_writer write_item) {
    const unsigned char *at = items;
    PQCHA__JSON_PUT_LITERAL(w, "[");
    for (size_t i = 0; i < count; i++) {
        if (i > 0) PQCHA__JSON_PUT_LITERAL(w, ",");
        write_item(w, at + i * item_size);
    }
    PQCHA__JSON_PUT_LITERAL(w, "]");
}

/* ---- strings, as jansson 2.14 escapes them ---- */

/* "\uXXXX" in upper case, as jansson's "\\u%04X". */
static size_t escape_code_unit(char out[6], uint32_t unit) {
    static const char upper_hex[] = "0123456789ABCDEF";
    out[0] = '\\';
    out[1] = 'u';
    for (int i = 0; i < 4; i++)
        out[2 + i] = upper_hex[(unit >> (12 - 4 * i)) & 0x0f];
    return 6;
}

/* The escape of an ASCII byte c, or 0 when it is written as it is. jansson
 * escapes only what JSON requires: '"', '\\' and C0 controls, five of those
 * by their short names and the rest as \u00XX. '/' and DEL are written raw. */
static size_t escape_ascii(char out[ESCAPE_MAX_BYTES], unsigned char c) {
    static const char short_names[] = {'b', 't', 'n', 0, 'f', 'r'}; /* 0x08..0x0d; 0x0b: none */
    if (c == '"' || c == '\\') {
        out[0] = '\\';
        out[1] = (char)c;
        return 2;
    }
    if (c >= 0x20) return 0;
    if (c >= '\b' && c <= '\r' && short_names[c - '\b'] != '\0') {
        out[0] = '\\';
        out[1] = short_names[c - '\b'];
        return 2;
    }
    return escape_code_unit(out, c);
}

/* The code point of a well-formed sequence of n (2..4) bytes. */
static uint32_t code_point(const unsigned char *s, size_t n) {
    uint32_t cp = s[0] & (0x7fu >> n);
    for (size_t i = 1; i < n; i++)
        cp = (cp << 6) | (s[i] & 0x3fu);
    return cp;
}

/* A character above U+007F in ASCII mode: one \uXXXX, or a UTF-16
 * surrogate pair above U+FFFF (12 bytes for 4 of input). */
static size_t escape_non_ascii(char *out, uint32_t cp) {
    if (cp < 0x10000) return escape_code_unit(out, cp);
    cp -= 0x10000;
    escape_code_unit(out, 0xd800 | (cp >> 10));
    return 6 + escape_code_unit(out + 6, 0xdc00 | (cp & 0x3ff));
}

/* Copies s[0..n) escaped to out (room for 6 bytes per input byte), and
 * returns the bytes written, or SIZE_MAX for malformed UTF-8: jansson
 * refused such a string (json_string returned NULL). */
static size_t escape_into(char *out, const unsigned char *s, size_t n, int ascii) {
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (s[i] < 0x80) {
            size_t e = escape_ascii(out + o, s[i]);
            if (e == 0) out[o] = (char)s[i];
            o += e == 0 ? 1 : e;
            i++;
            continue;
        }
        size_t seq = pqcha__utf8_sequence_length(s + i, n - i);
        if (seq == 0) return SIZE_MAX;
        if (ascii) {
            o += escape_non_ascii(out + o, code_point(s + i, seq));
        } else {
            memcpy(out + o, s + i, seq);
            o += seq;
        }
        i += seq;
    }
    return o;
}

/* Bytes jansson writes as they are in either mode, and that need no look
 * at what follows: printable ASCII and DEL, but '"' and '\\'. The NUL is
 * not one, so a scan for them also finds the end. */
static inline int plain_byte(unsigned char c) {
    return (unsigned char)(c - 0x20) < 0x60 && c != '"' && c != '\\';
}

/* The rest of a string from its first byte that is not plain: room for the
 * worst case (every byte escaped), so that the copy runs unchecked. */
static void put_string_escaped(pqcha__json_writer *w, const char *s, size_t plain_len) {
    size_t n = plain_len + strlen(s + plain_len);
    if (n > (WRITER_MAX_BYTES - 2) / ESCAPE_MAX_BYTES) {
        pqcha__json_fail(w, PQCHA_ERR_TOO_LARGE);
        return;
    }
    if (!pqcha__json_room(w, ESCAPE_MAX_BYTES * n + 2)) return;
    char *at = w->buf + w->len;
    memcpy(at + 1, s, plain_len);
    const unsigned char *rest = (const unsigned char *)s + plain_len;
    size_t body = escape_into(at + 1 + plain_len, rest, n - plain_len, w->ascii);
    if (body == SIZE_MAX) {
        pqcha__json_fail(w, PQCHA_ERR_BAD_IDENTIFIER);
        return;
    }
    at[0] = '"';
    at[plain_len + body + 1] = '"';
    w->len += plain_len + body + 2;
}

/* Most strings are plain throughout (ids, hex, names): one scan finds both
 * that and the length, and they are copied whole. */
void pqcha__json_put_string(pqcha__json_writer *w, const char *s) {
    if (s == NULL) {
        pqcha__json_fail(w, PQCHA_ERR_INVALID_ARGUMENT);
        return;
    }
    size_t n = 0;
    while (plain_byte((unsigned char)s[n]))
        n++;
    if (s[n] != '\0') {
        put_string_escaped(w, s, n);
        return;
    }
    if (!pqcha__json_room(w, n + 2)) return;
    w->buf[w->len] = '"';
    memcpy(w->buf + w->len + 1, s, n);
    w->buf[w->len + n + 1] = '"';
    w->len += n + 2;
}

/* ---- numbers and times ---- */

void pqcha__json_put_int(pqcha__json_writer *w, int64_t v) {
    char digits[INT_TEXT_MAX];
    size_t n = 0;
    uint64_t magnitude = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        digits[n++] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude != 0);
    if (v < 0) digits[n++] = '-';
    if (!pqcha__json_room(w, n)) return;
    while (n > 0)
        w->buf[w->len++] = digits[--n];
}

void pqcha__json_put_address(pqcha__json_writer *w, uint64_t address) {
    static const char hex[] = "0123456789abcdef";
    char digits[16];
    size_t n = 0;
    do {
        digits[n++] = hex[address & 0x0f];
        address >>= 4;
    } while (address != 0);
    if (!pqcha__json_room(w, n + 4)) return;
    memcpy(w->buf + w->len, "\"0x", 3);
    w->len += 3;
    while (n > 0)
        w->buf[w->len++] = digits[--n];
    w->buf[w->len++] = '"';
}

pqcha_err pqcha__json_put_time(pqcha__json_writer *w, int64_t unix_seconds) {
    if (!w->have_time || w->time_seconds != unix_seconds) {
        pqcha_err err = pqcha_time_format(w->time_text, unix_seconds);
        w->have_time = err == PQCHA_OK;
        if (err != PQCHA_OK) return err;
        w->time_seconds = unix_seconds;
    }
    if (!pqcha__json_room(w, PQCHA_TIMESTAMP_LEN + 2)) return PQCHA_OK;
    w->buf[w->len] = '"';
    memcpy(w->buf + w->len + 1, w->time_text, PQCHA_TIMESTAMP_LEN);
    w->buf[w->len + PQCHA_TIMESTAMP_LEN + 1] = '"';
    w->len += PQCHA_TIMESTAMP_LEN + 2;
    return PQCHA_OK;
}
