/* json_write.h — JSON text written directly into one growing buffer, with
 * the bytes jansson 2.14 wrote (JSON_COMPACT | JSON_SORT_KEYS), for the
 * documents whose speed matters: the in-toto Statement (statement_write.c)
 * and the verification result (result_json.c).
 *
 * Why it exists: a jansson tree per document (a node per value, sorted
 * keys, a dump) cost more than the work around it. Callers write structure
 * and keys as literals, in the order strcmp sorts them; this unit holds the
 * buffer, the first error, and the values, strings escaped exactly as
 * jansson escaped them (the one home of that rule). Writes are not checked
 * one by one: after a failure every write is skipped and the first error is
 * kept, for pqcha__json_writer_finish to return. */
#ifndef PQCHA_JSON_WRITE_H
#define PQCHA_JSON_WRITE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pqcha.h"

/* How strings are written. */
enum pqcha__json_text_mode {
    /* UTF-8 as is: only '"', '\\' and C0 controls are escaped (the wire form). */
    PQCHA__JSON_TEXT_UTF8 = 0,
    /* As jansson's JSON_ENSURE_ASCII: besides, every character above U+007F
     * as \uXXXX in upper-case hex, a surrogate pair above U+FFFF. DEL stays
     * raw, as jansson left it. For output that may reach a terminal. */
    PQCHA__JSON_TEXT_ASCII = 1
};

typedef struct pqcha__json_writer {
    char *buf;
    size_t len;
    size_t cap;    /* bytes of buf; len < cap once anything is written (the NUL) */
    pqcha_err err; /* the first failure; every later write is skipped */
    int ascii;     /* PQCHA__JSON_TEXT_ASCII */
    int have_time; /* time_text spells time_seconds */
    int64_t time_seconds;
    char time_text[PQCHA_TIMESTAMP_LEN + 1];
} pqcha__json_writer;

/* Starts *w with room for about size_guess bytes (a guess too small only
 * costs a doubling). text: an enum pqcha__json_text_mode. */
void pqcha__json_writer_init(pqcha__json_writer *w, int text, size_t size_guess);

/* Ends the text: on success *out is the NUL-terminated text (free with
 * free()) and *out_len its length without the NUL; after a failure the
 * buffer is freed, *out is NULL, *out_len 0, and the first error returned:
 * INVALID_ARGUMENT (a NULL string), BAD_IDENTIFIER (a string that is not
 * well-formed UTF-8), TOO_LARGE (text above SIZE_MAX / 2), NO_MEMORY, or
 * what a caller passed to pqcha__json_fail. */
pqcha_err pqcha__json_writer_finish(pqcha__json_writer *w, char **out, size_t *out_len);

/* Records err unless an error is already kept. */
void pqcha__json_fail(pqcha__json_writer *w, pqcha_err err);

/* pqcha__json_room's slow path: grows the buffer. */
int pqcha__json_grow(pqcha__json_writer *w, size_t n);

/* Room for n more bytes and the final NUL; 0 after a failure (kept in w). */
static inline int pqcha__json_room(pqcha__json_writer *w, size_t n) {
    if (w->err == PQCHA_OK && n < w->cap - w->len) return 1;
    return pqcha__json_grow(w, n);
}

/* Bytes that need no escaping: structure, keys, hex. */
static inline void pqcha__json_put(pqcha__json_writer *w, const char *bytes, size_t n) {
    if (!pqcha__json_room(w, n)) return;
    memcpy(w->buf + w->len, bytes, n);
    w->len += n;
}

/* Structure and keys: string literals only. */
#define PQCHA__JSON_PUT_LITERAL(w, text) pqcha__json_put((w), (text), sizeof(text) - 1)

/* A JSON array of count items of item_size bytes each, from items: each
 * written by write_item, which gets a pointer to it. */
typedef void (*pqcha__json_item_writer)(pqcha__json_writer *w, const void *item);
void pqcha__json_put_array(pqcha__json_writer *w, const void *items, size_t count, size_t item_size,
                           pqcha__json_item_writer write_item);

/* A JSON string, escaped as the writer's text mode says. s NULL fails with
 * INVALID_ARGUMENT, malformed UTF-8 with BAD_IDENTIFIER (jansson's
 * json_string refused both). */
void pqcha__json_put_string(pqcha__json_writer *w, const char *s);

/* In decimal, as jansson printed a json_int_t ("%lld"). Callers pass the
 * value converted as a tree encoder converted it, (json_int_t)value, so
 * that even an out-of-range field is spelled the same. */
void pqcha__json_put_int(pqcha__json_writer *w, int64_t v);

/* A quoted "0x" and lowercase hex without leading zeros ("0x0" for zero),
 * as "0x%" PRIx64 and FORMAT.md 4.3 spell an address. */
void pqcha__json_put_address(pqcha__json_writer *w, uint64_t address);

/* A quoted RFC 3339 time (pqcha_time_format). Returns its error, with
 * nothing written and w not failed, for the caller to decide what an
 * out-of-range time becomes. The last text is kept: a report's times mostly
 * fall in one second, and this spares a formatting per region. */
pqcha_err pqcha__json_put_time(pqcha__json_writer *w, int64_t unix_seconds);

#endif
