/* json_pull.c — the strict JSON tokenizer of json_pull.h. Every byte is read
 * through the bounded reader; strings are validated (UTF-8, escapes) when
 * they are tokenized and decoded only on request. */
#include "json_pull.h"

#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

enum pull_state {
    EXPECT_VALUE,              /* at the start, after ':' and after ',' in an array */
    EXPECT_VALUE_OR_ARRAY_END, /* after '[' */
    EXPECT_KEY,                /* after ',' in an object */
    EXPECT_KEY_OR_OBJECT_END,  /* after '{' */
    EXPECT_COMMA_OR_END,       /* after a value inside a container */
    EXPECT_EOF,                /* after the top-level value */
    FAILED
};

void pqcha__json_pull_init(pqcha__json_pull *p, const void *text, size_t len, unsigned max_depth) {
    memset(p, 0, sizeof *p);
    pqcha__reader_init(&p->r, text, len);
    p->max_depth = max_depth < PQCHA__JSON_MAX_DEPTH ? max_depth : PQCHA__JSON_MAX_DEPTH;
    p->state = EXPECT_VALUE;
}

void pqcha__json_pull_init_lazy(pqcha__json_pull *p, const void *text, size_t len,
                                unsigned max_depth) {
    pqcha__json_pull_init(p, text, len, max_depth);
    p->lazy = 1;
}

static pqcha_err fail(pqcha__json_pull *p, pqcha_err err) {
    p->state = FAILED;
    return err;
}

/* The two hottest reads go to the reader's fields directly: a call per
 * byte of whitespace cost a tenth of decoding a report. */
static void skip_whitespace(pqcha__json_pull *p) {
    while (p->r.pos < p->r.len) {
        uint8_t c = p->r.data[p->r.pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
        p->r.pos++;
    }
}

static int peek(const pqcha__json_pull *p, uint8_t *c) {
    if (p->r.pos >= p->r.len) return 0;
    *c = p->r.data[p->r.pos];
    return 1;
}

/* ---- strings ---- */

static int hex_value(uint8_t c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Four hex digits at s (avail bytes) -> 0..0xffff, or -1. */
static long hex4(const uint8_t *s, size_t avail) {
    if (avail < 4) return -1;
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int d = hex_value(s[i]);
        if (d < 0) return -1;
        v = (v << 4) | d;
    }
    return v;
}

static size_t utf8_length(uint32_t cp) {
    return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/* One escape after the backslash at s[0] == '\\': its length in the raw text
 * and the code point it stands for, or 0 if it is invalid (also "\u0000",
 * which jansson refuses, and unpaired surrogates). */
static size_t escape_sequence(const uint8_t *s, size_t avail, uint32_t *cp) {
    static const char simple[] = "\"\\/bfnrt";
    static const char meaning[] = "\"\\/\b\f\n\r\t";
    if (avail < 2) return 0;
    const char *hit = s[1] != '\0' ? strchr(simple, s[1]) : NULL;
    if (hit != NULL) {
        *cp = (uint8_t)meaning[hit - simple];
        return 2;
    }
    if (s[1] != 'u') return 0;
    long hi = hex4(s + 2, avail - 2);
    if (hi <= 0 || (hi >= 0xdc00 && hi <= 0xdfff)) return 0;
    if (hi < 0xd800 || hi > 0xdbff) {
        *cp = (uint32_t)hi;
        return 6;
    }
    if (avail < 12 || s[6] != '\\' || s[7] != 'u') return 0;
    long lo = hex4(s + 8, avail - 8);
    if (lo < 0xdc00 || lo > 0xdfff) return 0;
    *cp = 0x10000u + (((uint32_t)hi - 0xd800u) << 10) + ((uint32_t)lo - 0xdc00u);
    return 12;
}

/* The next character of a raw string at s: its raw length, and in
 * *decoded the bytes it decodes to; 0 if it is not allowed. */
static size_t string_char(const uint8_t *s, size_t avail, size_t *decoded) {
    uint32_t cp = 0;
    size_t n;
    if (s[0] == '\\') {
        n = escape_sequence(s, avail, &cp);
        *decoded = utf8_length(cp);
        return n;
    }
    if (s[0] < 0x20) return 0;
    *decoded = n = pqcha__utf8_sequence_length(s, avail);
    return n;
}

/* The length of the run at s of printable ASCII other than '"' and '\\',
 * which stands for itself: base64 payloads and hex digests are nothing
 * else, so they are checked sixteen bytes at a time where SSE2 is there
 * (every x86-64), eight at a time elsewhere. */
static inline size_t plain_run(const uint8_t *s, size_t avail) {
    size_t i = 0;
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'),
                  space = _mm_set1_epi8(0x20);
    for (; i + 16 <= avail; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        /* As signed bytes, controls and non-ASCII bytes are both below ' '. */
        __m128i special =
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                         _mm_cmplt_epi8(v, space));
        unsigned mask = (unsigned)_mm_movemask_epi8(special);
        if (mask != 0) return i + (size_t)__builtin_ctz(mask);
    }
#else
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    for (; i + 8 <= avail; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        uint64_t quote = w ^ (ones * '"'), backslash = w ^ (ones * '\\');
        /* A byte is special if it is zero after the XOR (quote, backslash),
         * below 0x20, or has its high bit set (not ASCII). */
        uint64_t special = ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash) |
                           ((w - ones * 0x20) & ~w) | w;
        if (special & highs) break;
    }
#endif
    while (i < avail && s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' && s[i] != '\\')
        i++;
    return i;
}

/* At the opening quote: validates the string, sets raw/decoded_len/escaped
 * and moves past the closing quote. */
static pqcha_err lex_string(pqcha__json_pull *p) {
    const uint8_t *s = p->r.data + p->r.pos + 1;
    size_t avail = pqcha__reader_remaining(&p->r) - 1, i = 0, decoded = 0;
    uint8_t escaped = 0;
    for (;;) {
        size_t plain = plain_run(s + i, avail - i);
        i += plain;
        decoded += plain;
        if (i == avail || s[i] == '"') break;
        size_t bytes = 0, n = string_char(s + i, avail - i, &bytes);
        if (n == 0) return fail(p, PQCHA_ERR_JSON_SYNTAX);
        escaped |= s[i] == '\\';
        decoded += bytes;
        i += n;
    }
    if (i == avail) return fail(p, PQCHA_ERR_JSON_SYNTAX); /* no closing quote */
    p->text.raw = s;
    p->text.raw_len = i;
    p->text.decoded_len = decoded;
    p->text.escaped = escaped;
    p->r.pos += i + 2;
    return PQCHA_OK;
}

/* ---- numbers and literals ---- */

static size_t digits_at(const pqcha__json_pull *p, size_t at) {
    size_t n = 0;
    while (at + n < p->r.len && p->r.data[at + n] >= '0' && p->r.data[at + n] <= '9')
        n++;
    return n;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static pqcha_err lex_number(pqcha__json_pull *p) {
    size_t start = p->r.pos, at = start;
    const uint8_t *d = p->r.data;
    if (at < p->r.len && d[at] == '-') at++;
    size_t n = digits_at(p, at);
    if (n == 0 || (d[at] == '0' && n > 1)) return fail(p, PQCHA_ERR_JSON_SYNTAX);
    at += n;
    p->integer = 1;
    if (at < p->r.len && d[at] == '.') {
        if ((n = digits_at(p, at + 1)) == 0) return fail(p, PQCHA_ERR_JSON_SYNTAX);
        at += 1 + n;
        p->integer = 0;
    }
    if (at < p->r.len && (d[at] == 'e' || d[at] == 'E')) {
        at++;
        if (at < p->r.len && (d[at] == '+' || d[at] == '-')) at++;
        if ((n = digits_at(p, at)) == 0) return fail(p, PQCHA_ERR_JSON_SYNTAX);
        at += n;
        p->integer = 0;
    }
    p->text.raw = d + start;
    p->text.raw_len = p->text.decoded_len = at - start;
    p->text.escaped = 0;
    p->r.pos = at;
    return PQCHA_OK;
}

static pqcha_err lex_literal(pqcha__json_pull *p, const char *word) {
    size_t n = strlen(word);
    const uint8_t *bytes = NULL;
    if (!pqcha__reader_bytes(&p->r, n, &bytes) || memcmp(bytes, word, n) != 0)
        return fail(p, PQCHA_ERR_JSON_SYNTAX);
    return PQCHA_OK;
}

/* ---- the state machine ---- */

static void value_done(pqcha__json_pull *p) {
    p->state = p->depth == 0 ? EXPECT_EOF : EXPECT_COMMA_OR_END;
}

static pqcha_err open_container(pqcha__json_pull *p, int object, pqcha__json_token *token) {
    if (p->depth >= p->max_depth) return fail(p, PQCHA_ERR_JSON_TOO_COMPLEX);
    p->in_object[p->depth++] = (uint8_t)object;
    p->r.pos++;
    p->state = object ? EXPECT_KEY_OR_OBJECT_END : EXPECT_VALUE_OR_ARRAY_END;
    *token = object ? PQCHA__JSON_OBJECT : PQCHA__JSON_ARRAY;
    return PQCHA_OK;
}

static pqcha_err close_container(pqcha__json_pull *p, int object, pqcha__json_token *token) {
    if (p->depth == 0 || p->in_object[p->depth - 1] != object)
        return fail(p, PQCHA_ERR_JSON_SYNTAX);
    p->depth--;
    p->r.pos++;
    value_done(p);
    *token = object ? PQCHA__JSON_OBJECT_END : PQCHA__JSON_ARRAY_END;
    return PQCHA_OK;
}

static pqcha_err lex_value(pqcha__json_pull *p, pqcha__json_token *token) {
    uint8_t c;
    if (!peek(p, &c)) return fail(p, PQCHA_ERR_JSON_SYNTAX);
    pqcha_err err = PQCHA_OK;
    switch (c) {
    case '{': return open_container(p, 1, token);
    case '[': return open_container(p, 0, token);
    case '"':
        err = lex_string(p);
        *token = PQCHA__JSON_STRING;
        break;
    case 't':
        err = lex_literal(p, "true");
        *token = PQCHA__JSON_TRUE;
        break;
    case 'f':
        err = lex_literal(p, "false");
        *token = PQCHA__JSON_FALSE;
        break;
    case 'n':
        err = lex_literal(p, "null");
        *token = PQCHA__JSON_NULL;
        break;
    default:
        if (c != '-' && (c < '0' || c > '9')) return fail(p, PQCHA_ERR_JSON_SYNTAX);
        err = lex_number(p);
        *token = PQCHA__JSON_NUMBER;
    }
    if (err == PQCHA_OK) value_done(p);
    return err;
}

static pqcha_err lex_key(pqcha__json_pull *p, pqcha__json_token *token) {
    uint8_t c;
    if (!peek(p, &c) || c != '"') return fail(p, PQCHA_ERR_JSON_SYNTAX);
    PQCHA_TRY(lex_string(p));
    skip_whitespace(p);
    if (!pqcha__reader_expect(&p->r, ':')) return fail(p, PQCHA_ERR_JSON_SYNTAX);
    p->state = EXPECT_VALUE;
    *token = PQCHA__JSON_KEY;
    return PQCHA_OK;
}

static pqcha_err after_value(pqcha__json_pull *p, pqcha__json_token *token) {
    uint8_t c;
    int object = p->in_object[p->depth - 1];
    if (!peek(p, &c)) return fail(p, PQCHA_ERR_JSON_SYNTAX);
    if (c == '}' || c == ']') return close_container(p, c == '}', token);
    if (c != ',') return fail(p, PQCHA_ERR_JSON_SYNTAX);
    p->r.pos++;
    skip_whitespace(p);
    return object ? lex_key(p, token) : lex_value(p, token);
}

pqcha_err pqcha__json_pull_next(pqcha__json_pull *p, pqcha__json_token *token) {
    uint8_t c = 0;
    *token = PQCHA__JSON_END;
    skip_whitespace(p);
    int more = peek(p, &c);
    switch (p->state) {
    case EXPECT_VALUE: return lex_value(p, token);
    case EXPECT_VALUE_OR_ARRAY_END:
        return more && c == ']' ? close_container(p, 0, token) : lex_value(p, token);
    case EXPECT_KEY: return lex_key(p, token);
    case EXPECT_KEY_OR_OBJECT_END:
        return more && c == '}' ? close_container(p, 1, token) : lex_key(p, token);
    case EXPECT_COMMA_OR_END: return after_value(p, token);
    case EXPECT_EOF: return more ? fail(p, PQCHA_ERR_JSON_SYNTAX) : PQCHA_OK;
    default: return PQCHA_ERR_JSON_SYNTAX;
    }
}

/* The position of the quote that closes the string whose first byte (after
 * the opening quote) is at `at`, as lex_string would find it on valid text;
 * len if there is none. */
static size_t string_end(const uint8_t *d, size_t len, size_t at) {
    for (;;) {
        at += plain_run(d + at, len - at);
        if (at >= len || d[at] == '"') return at;
        at += d[at] == '\\' ? 2 : 1; /* an escape, or a byte of UTF-8 */
        if (at > len) return len;
    }
}

/* Skips to just after the bracket closing the container the last token
 * opened, looking only at strings and brackets (pqcha__json_pull_init_lazy). */
static pqcha_err skip_by_brackets(pqcha__json_pull *p) {
    const uint8_t *d = p->r.data;
    size_t at = p->r.pos, open = 1, len = p->r.len, commas = 0;
    int empty = 1; /* nothing but whitespace directly inside, so far */
    while (open > 0 && at < len) {
        uint8_t c = d[at++];
        if (open == 1) {
            commas += c == ',';
            empty &= c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '}' || c == ']';
        }
        if (c == '"') {
            at = string_end(d, len, at);
            if (at == len) break; /* no closing quote */
            at++;
        } else if (c == '{' || c == '[') {
            open++;
        } else if (c == '}' || c == ']') {
            open--;
        }
    }
    if (open > 0) return fail(p, PQCHA_ERR_JSON_SYNTAX);
    p->skipped_items = empty ? 0 : commas + 1;
    p->r.pos = at;
    p->depth--;
    value_done(p);
    return PQCHA_OK;
}

pqcha_err pqcha__json_pull_skip(pqcha__json_pull *p, pqcha__json_token token) {
    if (token != PQCHA__JSON_OBJECT && token != PQCHA__JSON_ARRAY) return PQCHA_OK;
    if (p->lazy) return skip_by_brackets(p);
    unsigned level = p->depth - 1;
    while (p->depth > level) {
        pqcha__json_token t;
        PQCHA_TRY(pqcha__json_pull_next(p, &t));
    }
    return PQCHA_OK;
}

/* ---- decoding the current string ---- */

/* Writes code point cp as UTF-8 into out (4 bytes); returns its length. */
static size_t put_utf8(uint8_t *out, uint32_t cp) {
    size_t n = utf8_length(cp);
    if (n == 1) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    static const uint8_t lead[] = {0, 0, 0xc0, 0xe0, 0xf0};
    for (size_t i = n - 1; i > 0; i--) {
        out[i] = (uint8_t)(0x80 | (cp & 0x3f));
        cp >>= 6;
    }
    out[0] = (uint8_t)(lead[n] | cp);
    return n;
}

void pqcha__json_text_decode(const pqcha__json_text *t, uint8_t *out) {
    if (!t->escaped) {
        if (t->raw_len) memcpy(out, t->raw, t->raw_len);
        return;
    }
    size_t i = 0, o = 0;
    while (i < t->raw_len) {
        uint32_t cp = 0;
        if (t->raw[i] != '\\') {
            out[o++] = t->raw[i++];
            continue;
        }
        i += escape_sequence(t->raw + i, t->raw_len - i, &cp);
        o += put_utf8(out + o, cp);
    }
}

int pqcha__json_text_equals(const pqcha__json_text *t, const char *text) {
    /* Most comparisons are of a key with the wrong name: the first byte
     * settles them. */
    if (!t->escaped && t->raw_len > 0 && t->raw[0] != (uint8_t)text[0]) return 0;
    size_t n = strlen(text);
    if (t->decoded_len != n) return 0;
    if (!t->escaped) return memcmp(t->raw, text, n) == 0;
    uint8_t *decoded = malloc(n ? n : 1);
    if (decoded == NULL) return 0;
    pqcha__json_text_decode(t, decoded);
    int same = memcmp(decoded, text, n) == 0;
    free(decoded);
    return same;
}

int pqcha__json_pull_equals(const pqcha__json_pull *p, const char *text) {
    return pqcha__json_text_equals(&p->text, text);
}

pqcha_err pqcha__json_pull_strdup(const pqcha__json_pull *p, size_t max_len, char **out,
                                  size_t *out_len) {
    *out = NULL;
    if (p->text.decoded_len > max_len) return PQCHA_ERR_TOO_LARGE;
    char *s = malloc(p->text.decoded_len + 1);
    if (s == NULL) return PQCHA_ERR_NO_MEMORY;
    pqcha__json_text_decode(&p->text, (uint8_t *)s);
    s[p->text.decoded_len] = '\0';
    *out = s;
    if (out_len != NULL) *out_len = p->text.decoded_len;
    return PQCHA_OK;
}

pqcha_err pqcha__json_pull_uint(const pqcha__json_pull *p, uint64_t max, uint64_t *out) {
    return pqcha__json_number_uint(&p->text, p->integer, max, out);
}

pqcha_err pqcha__json_number_uint(const pqcha__json_text *t, int integer, uint64_t max,
                                  uint64_t *out) {
    if (t->raw == NULL || t->raw_len == 0 || !integer) return PQCHA_ERR_WRONG_TYPE;
    size_t i = 0;
    int negative = t->raw[0] == '-';
    i += (size_t)negative;
    uint64_t v = 0;
    for (; i < t->raw_len; i++) {
        unsigned digit = (unsigned)(t->raw[i] - '0');
        if (v > (UINT64_MAX - digit) / 10) return PQCHA_ERR_OUT_OF_RANGE;
        v = v * 10 + digit;
    }
    if ((negative && v != 0) || v > max) return PQCHA_ERR_OUT_OF_RANGE;
    *out = v;
    return PQCHA_OK;
}

/* ---- whole documents ---- */

static void count_token(pqcha__json_stats *st, const pqcha__json_pull *p, pqcha__json_token t,
                        int parent_is_array) {
    switch (t) {
    case PQCHA__JSON_KEY:
        st->members++;
        st->string_bytes += p->text.decoded_len;
        return;
    case PQCHA__JSON_OBJECT: st->objects++; break;
    case PQCHA__JSON_ARRAY: st->arrays++; break;
    case PQCHA__JSON_STRING:
        st->strings++;
        st->string_bytes += p->text.decoded_len;
        break;
    case PQCHA__JSON_NUMBER: st->numbers++; break;
    case PQCHA__JSON_TRUE:
    case PQCHA__JSON_FALSE:
    case PQCHA__JSON_NULL: st->literals++; break;
    default: return; /* ends of containers and of the document are no values */
    }
    st->array_items += (size_t)parent_is_array;
}

pqcha_err pqcha__json_scan(const void *text, size_t len, unsigned max_depth,
                           pqcha__json_stats *st) {
    pqcha__json_pull p;
    pqcha__json_pull_init(&p, text, len, max_depth);
    memset(st, 0, sizeof *st);
    for (;;) {
        int parent_is_array = p.depth > 0 && !p.in_object[p.depth - 1];
        pqcha__json_token t;
        PQCHA_TRY(pqcha__json_pull_next(&p, &t));
        if (t == PQCHA__JSON_END) return PQCHA_OK;
        count_token(st, &p, t, parent_is_array);
        if (p.depth > st->depth) st->depth = p.depth;
    }
}
