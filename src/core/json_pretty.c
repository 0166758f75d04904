/* json_pretty.c — the streaming pretty printer of json_pretty.h: each token
 * of the strict tokenizer is written as it comes, and an open container
 * remembers only whether it has items yet and where its last key was
 * written, so memory is the output plus a constant. */
#include "core/json_pretty.h"

#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "core/internal.h"
#include "core/json_pull.h"

/* What an open container needs to write its next item. */
typedef struct pretty_level {
    size_t key_at, key_len; /* its last key, as written (escaped, quoted) in the output */
    uint8_t has_items;
} pretty_level;

typedef struct pretty {
    pqcha__json_pull p;
    char *buf;
    size_t len, cap;
    pretty_level level[PQCHA__JSON_MAX_DEPTH];
} pretty;

/* ---- the output buffer ---- */

/* Room for n more bytes and the final NUL, within the cap. */
static pqcha_err reserve(pretty *pr, size_t n) {
    if (n > PQCHA__JSON_PRETTY_MAX_LEN - pr->len) return PQCHA_ERR_TOO_LARGE;
    return pqcha__grow(&pr->buf, &pr->cap, pr->len + n + 1, 1,
                       (size_t)PQCHA__JSON_PRETTY_MAX_LEN + 1);
}

static pqcha_err put(pretty *pr, const char *s, size_t n) {
    PQCHA_TRY(reserve(pr, n));
    memcpy(pr->buf + pr->len, s, n);
    pr->len += n;
    return PQCHA_OK;
}

/* A line break and the indent of an item at this depth (JSON_INDENT(2)). */
static pqcha_err newline(pretty *pr, unsigned depth) {
    size_t n = 1 + 2 * (size_t)depth;
    PQCHA_TRY(reserve(pr, n));
    pr->buf[pr->len] = '\n';
    memset(pr->buf + pr->len + 1, ' ', n - 1);
    pr->len += n;
    return PQCHA_OK;
}

/* Before an item (a member or an element) of the container at depth: the
 * comma that ends the line of the item before it, then the item's line. */
static pqcha_err start_item(pretty *pr, unsigned depth) {
    pretty_level *l = &pr->level[depth - 1];
    if (l->has_items) PQCHA_TRY(put(pr, ",", 1));
    l->has_items = 1;
    return newline(pr, depth);
}

/* ---- strings, escaped as jansson escapes them with JSON_ENSURE_ASCII ---- */

/* The letter of the two-character escape jansson uses for cp, or 0. */
static char short_escape(uint32_t cp) {
    switch (cp) {
    case '"': return '"';
    case '\\': return '\\';
    case '\b': return 'b';
    case '\f': return 'f';
    case '\n': return 'n';
    case '\r': return 'r';
    case '\t': return 't';
    default: return 0;
    }
}

/* The code point at s, which the tokenizer has validated as UTF-8, and its
 * length in *n. */
static uint32_t utf8_decode(const uint8_t *s, size_t *n) {
    if (s[0] < 0x80) {
        *n = 1;
        return s[0];
    }
    *n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
    static const uint8_t lead_bits[] = {0, 0, 0x1f, 0x0f, 0x07};
    uint32_t cp = (uint32_t)(s[0] & lead_bits[*n]);
    for (size_t i = 1; i < *n; i++)
        cp = (cp << 6) | (s[i] & 0x3fu);
    return cp;
}

/* The bytes jansson writes for cp: itself, a short escape, \uXXXX, or a
 * surrogate pair above U+FFFF. DEL (0x7f) and '/' stay as they are. */
static size_t escaped_length(uint32_t cp) {
    if (cp > 0xffff) return 12;
    if (cp >= 0x80) return 6;
    if (short_escape(cp)) return 2;
    return cp < 0x20 ? 6 : 1;
}

/* The escaped length of the decoded string s (n bytes); beyond the cap it
 * stops counting, since the output is refused anyway. */
static size_t escaped_size(const uint8_t *s, size_t n) {
    size_t total = 0;
    for (size_t i = 0; i < n && total <= PQCHA__JSON_PRETTY_MAX_LEN;) {
        if (s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' && s[i] != '\\') {
            total++; /* most text: printable ASCII, as it is */
            i++;
            continue;
        }
        size_t bytes;
        total += escaped_length(utf8_decode(s + i, &bytes));
        i += bytes;
    }
    return total;
}

static size_t put_u_escape(char *out, uint32_t unit) {
    static const char hex[] = "0123456789ABCDEF"; /* jansson prints "\\u%04X" */
    out[0] = '\\';
    out[1] = 'u';
    for (int i = 0; i < 4; i++)
        out[2 + i] = hex[(unit >> (12 - 4 * i)) & 0xf];
    return 6;
}

static size_t put_escaped(char *out, uint32_t cp) {
    char letter = short_escape(cp);
    if (letter) {
        out[0] = '\\';
        out[1] = letter;
        return 2;
    }
    if (cp >= 0x20 && cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp <= 0xffff) return put_u_escape(out, cp);
    cp -= 0x10000;
    put_u_escape(out, 0xd800 | (cp >> 10));
    return 6 + put_u_escape(out + 6, 0xdc00 | (cp & 0x3ff));
}

/* Escapes the decoded string at from (n bytes) to out. from may lie inside
 * the space being written, as long as it ends where the escaped text ends:
 * no character's escape is shorter than the character, so the writing
 * never reaches bytes not yet read. */
static void escape_forward(char *out, const uint8_t *from, size_t n) {
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t bytes;
        uint32_t cp = utf8_decode(from + i, &bytes);
        i += bytes;
        o += put_escaped(out + o, cp);
    }
}

/* The string t in quotes, escaped. It is decoded (by the tokenizer's own
 * decoder) straight into the output where its escaped form goes; only when
 * something needs escaping is it moved to the end of that space and escaped
 * forward from there, so no second buffer is needed. */
static pqcha_err put_string(pretty *pr, const pqcha__json_text *t) {
    size_t decoded = t->decoded_len;
    PQCHA_TRY(put(pr, "\"", 1));
    PQCHA_TRY(reserve(pr, decoded));
    pqcha__json_text_decode(t, (uint8_t *)pr->buf + pr->len);
    size_t escaped = escaped_size((const uint8_t *)pr->buf + pr->len, decoded);
    if (escaped != decoded) {
        PQCHA_TRY(reserve(pr, escaped));
        char *at = pr->buf + pr->len;
        memmove(at + (escaped - decoded), at, decoded);
        escape_forward(at, (const uint8_t *)at + (escaped - decoded), decoded);
    }
    pr->len += escaped;
    return put(pr, "\"", 1);
}

/* ---- numbers, reprinted as jansson reprints them ---- */

/* jansson reads an integer with strtoll and refuses one outside int64. The
 * tokenizer allows no leading zeros, so the digit count decides, and at 19
 * digits a comparison with the limit. */
static int fits_int64(const uint8_t *s, size_t n) {
    int negative = s[0] == '-';
    const char *limit = negative ? "9223372036854775808" : "9223372036854775807";
    size_t digits = n - (size_t)negative;
    if (digits != 19) return digits < 19;
    return memcmp(s + negative, limit, 19) <= 0;
}

static pqcha_err put_integer(pretty *pr, const pqcha__json_text *t) {
    if (!fits_int64(t->raw, t->raw_len)) return PQCHA_ERR_OUT_OF_RANGE;
    /* "-0" is the integer 0, which "%lld" prints without a sign. */
    if (t->raw_len == 2 && t->raw[0] == '-' && t->raw[1] == '0') return put(pr, "0", 1);
    return put(pr, (const char *)t->raw, t->raw_len);
}

/* jansson reads and prints reals with strtod and snprintf, which follow
 * LC_NUMERIC, and swaps the first '.' for the locale's decimal point (and
 * back) around them: so does this, to read the same values. */
static void swap_first(char *s, char from, char to) {
    char *hit = strchr(s, from);
    if (hit != NULL) *hit = to;
}

/* '.' also for a locale that names none. */
static char decimal_point(void) {
    char point = localeconv()->decimal_point[0];
    return point != '\0' ? point : '.';
}

static pqcha_err read_real(const pqcha__json_text *t, double *value) {
    char small[64];
    char *s = t->raw_len < sizeof small ? small : malloc(t->raw_len + 1);
    if (s == NULL) return PQCHA_ERR_NO_MEMORY;
    memcpy(s, t->raw, t->raw_len);
    s[t->raw_len] = '\0';
    char point = decimal_point();
    if (point != '.') swap_first(s, '.', point);
    *value = strtod(s, NULL);
    if (s != small) free(s);
    /* The grammar allows no "inf": infinity is an overflow, which jansson
     * refuses ("real number overflow"); an underflow reads as 0 or a
     * subnormal, which it keeps. */
    return isinf(*value) ? PQCHA_ERR_OUT_OF_RANGE : PQCHA_OK;
}

/* jansson's exponent: no '+', no leading zeros. start is just after 'e'. */
static size_t trim_exponent(char *s, size_t len, char *start) {
    char *end = start + 1;
    if (*start == '-') start++;
    while (*end == '0')
        end++;
    if (end == start) return len;
    memmove(start, end, len - (size_t)(end - s) + 1);
    return len - (size_t)(end - start);
}

/* jansson's jsonp_dtostr at its default precision: "%.17g", then ".0" for
 * a whole number so that it reads back as a real, then the exponent. */
static pqcha_err put_real(pretty *pr, const pqcha__json_text *t) {
    double value;
    PQCHA_TRY(read_real(t, &value));
    char s[100];
    int n = snprintf(s, sizeof s - 2, "%.17g", value);
    if (n < 0 || (size_t)n >= sizeof s - 2) return PQCHA_ERR_INTERNAL;
    char point = decimal_point();
    if (point != '.') swap_first(s, point, '.');
    size_t len = (size_t)n;
    if (strchr(s, '.') == NULL && strchr(s, 'e') == NULL) {
        memcpy(s + len, ".0", 3);
        len += 2;
    }
    char *e = strchr(s, 'e');
    if (e != NULL) len = trim_exponent(s, len, e + 1);
    return put(pr, s, len);
}

/* ---- tokens ---- */

/* A member's key and ": ". A key equal to the one before it in the same
 * object is a duplicate (escaping is one-to-one, so the escaped forms
 * compare as the keys do): in sorted keys every duplicate is next to its
 * twin, and no more than the last key needs remembering. */
static pqcha_err put_key(pretty *pr, unsigned depth) {
    pretty_level *l = &pr->level[depth - 1];
    int first = !l->has_items;
    PQCHA_TRY(start_item(pr, depth));
    size_t at = pr->len;
    PQCHA_TRY(put_string(pr, &pr->p.text));
    size_t n = pr->len - at;
    if (!first && n == l->key_len && memcmp(pr->buf + at, pr->buf + l->key_at, n) == 0)
        return PQCHA_ERR_JSON_DUPLICATE_KEY;
    l->key_at = at;
    l->key_len = n;
    return put(pr, ": ", 2);
}

/* depth: the depth of the new container's parent. */
static pqcha_err open_container(pretty *pr, unsigned depth, const char *bracket) {
    pr->level[depth].has_items = 0;
    return put(pr, bracket, 1);
}

/* depth: the depth of the container closing. An empty one stays "{}". */
static pqcha_err close_container(pretty *pr, unsigned depth, const char *bracket) {
    if (pr->level[depth - 1].has_items) PQCHA_TRY(newline(pr, depth - 1));
    return put(pr, bracket, 1);
}

static pqcha_err put_value(pretty *pr, pqcha__json_token t, unsigned depth) {
    switch (t) {
    case PQCHA__JSON_OBJECT: return open_container(pr, depth, "{");
    case PQCHA__JSON_ARRAY: return open_container(pr, depth, "[");
    case PQCHA__JSON_STRING: return put_string(pr, &pr->p.text);
    case PQCHA__JSON_NUMBER:
        return pr->p.integer ? put_integer(pr, &pr->p.text) : put_real(pr, &pr->p.text);
    case PQCHA__JSON_TRUE: return put(pr, "true", 4);
    case PQCHA__JSON_FALSE: return put(pr, "false", 5);
    case PQCHA__JSON_NULL: return put(pr, "null", 4);
    default: return PQCHA_ERR_INTERNAL; /* the other tokens are no values */
    }
}

/* Writes token t, read at depth (the tokenizer's depth before it). */
static pqcha_err put_token(pretty *pr, pqcha__json_token t, unsigned depth) {
    if (t == PQCHA__JSON_OBJECT_END) return close_container(pr, depth, "}");
    if (t == PQCHA__JSON_ARRAY_END) return close_container(pr, depth, "]");
    if (t == PQCHA__JSON_KEY) return put_key(pr, depth);
    /* A member's value follows its key on the key's line. */
    if (depth > 0 && !pr->p.in_object[depth - 1]) PQCHA_TRY(start_item(pr, depth));
    return put_value(pr, t, depth);
}

/* Tokenizes the whole text, writing it until the first refusal. The
 * tokenizer goes on after a refusal so that its errors come first, as they
 * do in pqcha__json_parse_object, which scans the text before jansson
 * reads it. */
static pqcha_err run(pretty *pr, pqcha__json_token *top) {
    pqcha_err refused = PQCHA_OK;
    for (;;) {
        unsigned depth = pr->p.depth;
        pqcha__json_token t;
        PQCHA_TRY(pqcha__json_pull_next(&pr->p, &t));
        if (t == PQCHA__JSON_END) return refused;
        if (depth == 0) *top = t; /* only the first token is read at depth 0 */
        if (refused == PQCHA_OK) refused = put_token(pr, t, depth);
        if (refused == PQCHA_ERR_NO_MEMORY) return refused;
    }
}

pqcha_err pqcha__json_pretty(char **out, size_t *out_len, const void *text, size_t len,
                             unsigned max_depth) {
    if (out_len != NULL) *out_len = 0;
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (text == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    pretty pr;
    memset(&pr, 0, sizeof pr);
    pqcha__json_pull_init(&pr.p, text, len, max_depth);
    pqcha__json_token top = PQCHA__JSON_END;
    pqcha_err err = run(&pr, &top);
    /* Checked last, as jansson's tree is typed only once it is built. */
    if (err == PQCHA_OK && top != PQCHA__JSON_OBJECT) err = PQCHA_ERR_WRONG_TYPE;
    if (err != PQCHA_OK) {
        free(pr.buf);
        return err;
    }
    pr.buf[pr.len] = '\0';
    *out = pr.buf;
    if (out_len != NULL) *out_len = pr.len;
    return PQCHA_OK;
}
