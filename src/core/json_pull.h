/* json_pull.h — a strict JSON tokenizer (RFC 8259) on the bounded reader.
 *
 * It hands out one token at a time and allocates nothing, so a decoder
 * built on it keeps only what it decides to keep: the safetensors header's
 * tensor table, never a tree of the whole text. pqcha__json_scan runs it
 * over a whole document to validate the syntax and count what a tree of it
 * would cost, so that documents still parsed into a tree are refused before
 * the tree is built when they hold more structure than their size allows.
 *
 * Strictness is jansson's (json.c): UTF-8 only, shortest forms, no
 * surrogates in UTF-8 or unpaired in \u escapes, no control characters in
 * strings, no "\u0000", exactly one value and only whitespace after it.
 * Errors: PQCHA_ERR_JSON_SYNTAX, PQCHA_ERR_JSON_TOO_COMPLEX (nesting deeper
 * than allowed). Duplicate keys are the decoder's to find (a tokenizer does
 * not remember keys); pqcha__json_parse_object leaves them to jansson. */
#ifndef PQCHA_JSON_PULL_H
#define PQCHA_JSON_PULL_H

#include <stddef.h>
#include <stdint.h>

#include "core/reader.h"
#include "pqcha/error.h"

/* Nesting any pqcha document needs stays far below; deeper is refused. */
#define PQCHA__JSON_MAX_DEPTH 32u

typedef enum pqcha__json_token {
    PQCHA__JSON_END = 0,    /* after the top-level value and its trailing whitespace */
    PQCHA__JSON_OBJECT,     /* '{' */
    PQCHA__JSON_OBJECT_END, /* '}' */
    PQCHA__JSON_ARRAY,      /* '[' */
    PQCHA__JSON_ARRAY_END,  /* ']' */
    PQCHA__JSON_KEY,        /* a member's name (the ':' after it is consumed) */
    PQCHA__JSON_STRING,
    PQCHA__JSON_NUMBER,
    PQCHA__JSON_TRUE,
    PQCHA__JSON_FALSE,
    PQCHA__JSON_NULL
} pqcha__json_token;

/* A string's (or key's) bytes between the quotes in the text, escapes not
 * yet decoded, or a number's text (decoded_len == raw_len, no escapes). */
typedef struct pqcha__json_text {
    const uint8_t *raw;
    size_t raw_len;
    size_t decoded_len; /* its length once decoded */
    uint8_t escaped;    /* raw holds escapes */
} pqcha__json_text;

typedef struct pqcha__json_pull {
    pqcha__reader r;
    unsigned depth, max_depth;
    uint8_t in_object[PQCHA__JSON_MAX_DEPTH]; /* per open container: object (1) or array */
    uint8_t state;                            /* what may come next (json_pull.c) */
    pqcha__json_text text;                    /* the current KEY, STRING or NUMBER */
    uint8_t integer;                          /* the number has no fraction and no exponent */
    uint8_t lazy;                             /* skips by brackets (pqcha__json_pull_init_lazy) */
    size_t skipped_items; /* lazy: the elements or members of the container last skipped */
} pqcha__json_pull;

/* max_depth: at most PQCHA__JSON_MAX_DEPTH (larger values are clamped). */
void pqcha__json_pull_init(pqcha__json_pull *p, const void *text, size_t len, unsigned max_depth);
/* The same, except that pqcha__json_pull_skip skips a container by
 * matching its brackets (outside strings) without validating what it holds,
 * which is several times faster than tokenizing it. For decoders that open
 * every container they skip with a pull of its own (json_view.h), so every
 * byte is still validated once: a span the brackets delimit differently from
 * the true structure is invalid JSON, and its own pull says so. Bounded on
 * any input. */
void pqcha__json_pull_init_lazy(pqcha__json_pull *p, const void *text, size_t len,
                                unsigned max_depth);
/* The next token; after an error every call returns the same error. */
pqcha_err pqcha__json_pull_next(pqcha__json_pull *p, pqcha__json_token *token);
/* After OBJECT or ARRAY: consumes up to and including the matching end.
 * After any other token: nothing to do. */
pqcha_err pqcha__json_pull_skip(pqcha__json_pull *p, pqcha__json_token token);

/* The current KEY or STRING decoded equals text (NUL-terminated). */
int pqcha__json_pull_equals(const pqcha__json_pull *p, const char *text);
/* A validated string's text decoded into out (t->decoded_len bytes, no NUL
 * added). */
void pqcha__json_text_decode(const pqcha__json_text *t, uint8_t *out);
/* The same decoded equals text (NUL-terminated). */
int pqcha__json_text_equals(const pqcha__json_text *t, const char *text);
/* A number's text as an integer in 0..max: WRONG_TYPE unless integer (no
 * fraction, no exponent), OUT_OF_RANGE for a negative value or above max. */
pqcha_err pqcha__json_number_uint(const pqcha__json_text *t, int integer, uint64_t max,
                                  uint64_t *out);
/* The current KEY or STRING decoded into a new NUL-terminated string (free
 * with free); TOO_LARGE above max_len decoded bytes, NO_MEMORY. */
pqcha_err pqcha__json_pull_strdup(const pqcha__json_pull *p, size_t max_len, char **out,
                                  size_t *out_len);
/* The current NUMBER as an integer in 0..max: WRONG_TYPE for a fraction or
 * exponent (1.0, 1e3) or a token that is no number, OUT_OF_RANGE otherwise. */
pqcha_err pqcha__json_pull_uint(const pqcha__json_pull *p, uint64_t max, uint64_t *out);

/* What a whole document holds, counted by pqcha__json_scan. */
typedef struct pqcha__json_stats {
    size_t objects, arrays;
    size_t members;      /* keys */
    size_t array_items;  /* values directly inside arrays */
    size_t strings;      /* string values (not keys) */
    size_t string_bytes; /* decoded bytes of keys and strings */
    size_t numbers, literals;
    unsigned depth; /* the deepest nesting */
} pqcha__json_stats;

/* Validates text as one JSON document (no duplicate-key check) and counts it. */
pqcha_err pqcha__json_scan(const void *text, size_t len, unsigned max_depth, pqcha__json_stats *st);

#endif
