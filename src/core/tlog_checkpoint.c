/* tlog_checkpoint.c — C2SP tlog-checkpoint bodies: written and parsed in
 * one spelling only, opened from a signed note with the log's key, and two
 * of them checked for consistency. FORMAT.md 9.4. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/encoding.h"
#include "core/internal.h"
#include "core/reader.h"
#include "core/tlog_note.h"

/* "9223372036854775807": the longest size line. */
#define MAX_SIZE_DIGITS 19

struct pqcha_checkpoint {
    char *origin;
    uint64_t size;
    uint8_t root[PQCHA_TLOG_HASH_LEN];
    char *extensions; /* the lines after the root, each with its newline; "" for none */
};

void pqcha_checkpoint_free(pqcha_checkpoint *cp) {
    if (cp == NULL) return;
    free(cp->origin);
    free(cp->extensions);
    free(cp);
}

const char *pqcha_checkpoint_origin(const pqcha_checkpoint *cp) {
    return cp ? cp->origin : NULL;
}

uint64_t pqcha_checkpoint_size(const pqcha_checkpoint *cp) {
    return cp ? cp->size : 0;
}

const uint8_t *pqcha_checkpoint_root(const pqcha_checkpoint *cp) {
    return cp ? cp->root : NULL;
}

const char *pqcha_checkpoint_extensions(const pqcha_checkpoint *cp) {
    return cp ? cp->extensions : NULL;
}

/* ---- writing ---- */

static pqcha_err check_origin(const char *origin, size_t len) {
    PQCHA_TRY(pqcha__note_text_check((const uint8_t *)origin, len));
    if (len == 0 || len > PQCHA_CHECKPOINT_MAX_ORIGIN || memchr(origin, '\n', len) != NULL)
        return PQCHA_ERR_LOG_CHECKPOINT;
    return PQCHA_OK;
}

/* Extension lines: non-empty, each ending in a newline. */
static pqcha_err check_extensions(const char *ext, size_t len) {
    PQCHA_TRY(pqcha__note_text_check((const uint8_t *)ext, len));
    if (len == 0) return PQCHA_OK;
    if (ext[0] == '\n' || ext[len - 1] != '\n') return PQCHA_ERR_LOG_CHECKPOINT;
    for (size_t i = 1; i < len; i++)
        if (ext[i] == '\n' && ext[i - 1] == '\n') return PQCHA_ERR_LOG_CHECKPOINT;
    return PQCHA_OK;
}

pqcha_err pqcha_checkpoint_encode(char **out, size_t *out_len, const char *origin, uint64_t size,
                                  const uint8_t root[PQCHA_TLOG_HASH_LEN], const char *extensions) {
    if (out == NULL || out_len == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    *out_len = 0;
    if (origin == NULL || root == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    const char *ext = extensions ? extensions : "";
    size_t origin_len = strlen(origin), ext_len = strlen(ext);
    PQCHA_TRY(check_origin(origin, origin_len));
    PQCHA_TRY(check_extensions(ext, ext_len));
    if (size > PQCHA_TLOG_MAX_SIZE) return PQCHA_ERR_LOG_TREE_SIZE;
    if (origin_len + ext_len > PQCHA_CHECKPOINT_MAX_LEN) return PQCHA_ERR_TOO_LARGE;
    char *b64 = NULL;
    PQCHA_TRY(pqcha__base64_encode(&b64, NULL, root, PQCHA_TLOG_HASH_LEN));
    size_t cap = origin_len + ext_len + 2 * MAX_SIZE_DIGITS + 64;
    char *text = malloc(cap);
    if (text == NULL) {
        free(b64);
        return PQCHA_ERR_NO_MEMORY;
    }
    int n = snprintf(text, cap, "%s\n%" PRIu64 "\n%s\n%s", origin, size, b64, ext);
    free(b64);
    if (n < 0 || (size_t)n >= cap || (size_t)n > PQCHA_CHECKPOINT_MAX_LEN) {
        free(text);
        return n < 0 ? PQCHA_ERR_INTERNAL : PQCHA_ERR_TOO_LARGE;
    }
    *out = text;
    *out_len = (size_t)n;
    return PQCHA_OK;
}

/* ---- parsing ---- */

/* The next line without its newline; 0 at the end of the text. */
static int read_line(pqcha__reader *r, const uint8_t **line, size_t *len) {
    if (pqcha__reader_at_end(r) || !pqcha__reader_bytes(r, 0, line)) return 0;
    uint8_t c;
    size_t n = 0;
    while (pqcha__reader_byte(r, &c) && c != '\n')
        n++;
    *len = n;
    return 1;
}

/* Decimal with no sign and no leading zero ("0" alone is zero), at most
 * PQCHA_TLOG_MAX_SIZE: one spelling per size. */
static pqcha_err parse_size(uint64_t *out, const uint8_t *s, size_t len) {
    if (len == 0 || len > MAX_SIZE_DIGITS || (s[0] == '0' && len > 1))
        return PQCHA_ERR_LOG_TREE_SIZE;
    uint64_t value = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return PQCHA_ERR_LOG_TREE_SIZE;
        unsigned digit = (unsigned)(s[i] - '0');
        if (value > (PQCHA_TLOG_MAX_SIZE - digit) / 10) return PQCHA_ERR_LOG_TREE_SIZE;
        value = value * 10 + digit;
    }
    *out = value;
    return PQCHA_OK;
}

static pqcha_err parse_root(uint8_t out[PQCHA_TLOG_HASH_LEN], const uint8_t *s, size_t len) {
    uint8_t *root = NULL;
    size_t n = 0;
    pqcha_err err = pqcha__base64_decode(&root, &n, (const char *)s, len, PQCHA_TLOG_HASH_LEN);
    if (err == PQCHA_ERR_TOO_LARGE) return PQCHA_ERR_LOG_CHECKPOINT; /* a longer hash */
    if (err != PQCHA_OK) return err;
    if (n == PQCHA_TLOG_HASH_LEN) memcpy(out, root, n);
    free(root);
    return n == PQCHA_TLOG_HASH_LEN ? PQCHA_OK : PQCHA_ERR_LOG_CHECKPOINT;
}

/* The three mandatory lines, then the extension lines. */
static pqcha_err parse_body(pqcha_checkpoint *cp, const char *text, size_t len) {
    pqcha__reader r;
    const uint8_t *lines[3];
    size_t lens[3];
    pqcha__reader_init(&r, text, len);
    for (int i = 0; i < 3; i++)
        if (!read_line(&r, &lines[i], &lens[i]) || lens[i] == 0) return PQCHA_ERR_LOG_CHECKPOINT;
    const uint8_t *ext = NULL;
    size_t ext_len = pqcha__reader_remaining(&r);
    if (!pqcha__reader_bytes(&r, ext_len, &ext)) return PQCHA_ERR_INTERNAL;
    PQCHA_TRY(check_extensions((const char *)ext, ext_len));
    if (lens[0] > PQCHA_CHECKPOINT_MAX_ORIGIN) return PQCHA_ERR_LOG_CHECKPOINT;
    PQCHA_TRY(parse_size(&cp->size, lines[1], lens[1]));
    PQCHA_TRY(parse_root(cp->root, lines[2], lens[2]));
    cp->origin = pqcha__strndup((const char *)lines[0], lens[0]);
    cp->extensions = pqcha__strndup((const char *)ext, ext_len);
    return cp->origin && cp->extensions ? PQCHA_OK : PQCHA_ERR_NO_MEMORY;
}

pqcha_err pqcha_checkpoint_parse(pqcha_checkpoint **out, const char *text, size_t len) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (text == NULL && len > 0) return PQCHA_ERR_INVALID_ARGUMENT;
    if (len > PQCHA_CHECKPOINT_MAX_LEN) return PQCHA_ERR_TOO_LARGE;
    PQCHA_TRY(pqcha__note_text_check((const uint8_t *)text, len));
    /* Every line ends in a newline, the last one too. */
    if (len == 0 || text[len - 1] != '\n') return PQCHA_ERR_LOG_CHECKPOINT;
    pqcha_checkpoint *cp = calloc(1, sizeof *cp);
    if (cp == NULL) return PQCHA_ERR_NO_MEMORY;
    pqcha_err err = parse_body(cp, text, len);
    if (err != PQCHA_OK) {
        pqcha_checkpoint_free(cp);
        return err;
    }
    *out = cp;
    return PQCHA_OK;
}

/* ---- signed checkpoints ---- */

static pqcha_err open_parsed(pqcha_checkpoint **out, const pqcha_note *n, const char *origin,
                             const pqcha_key *log_key) {
    pqcha_checkpoint *cp = NULL;
    PQCHA_TRY(pqcha_checkpoint_parse(&cp, pqcha_note_text(n), pqcha_note_text_length(n)));
    const char *name = origin ? origin : cp->origin;
    pqcha_err err = pqcha_note_verify_key(n, name, log_key);
    /* A body origin that cannot be a key name cannot have signed it. */
    if (err == PQCHA_ERR_BAD_IDENTIFIER && origin == NULL) err = PQCHA_ERR_UNTRUSTED_KEY;
    if (err == PQCHA_OK && origin != NULL && strcmp(cp->origin, origin) != 0)
        err = PQCHA_ERR_LOG_ORIGIN;
    if (err != PQCHA_OK) {
        pqcha_checkpoint_free(cp);
        return err;
    }
    *out = cp;
    return PQCHA_OK;
}

pqcha_err pqcha_checkpoint_open(pqcha_checkpoint **out, const char *note, size_t len,
                                const char *origin, const pqcha_key *log_key) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (note == NULL || log_key == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha_note *n = NULL;
    PQCHA_TRY(pqcha_note_parse(&n, note, len));
    pqcha_err err = open_parsed(out, n, origin, log_key);
    pqcha_note_free(n);
    return err;
}

pqcha_err pqcha_checkpoint_verify_consistency(const pqcha_checkpoint *older,
                                              const pqcha_checkpoint *newer, const uint8_t *proof,
                                              size_t count) {
    if (older == NULL || newer == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    if (strcmp(older->origin, newer->origin) != 0) return PQCHA_ERR_LOG_ORIGIN;
    return pqcha_tlog_verify_consistency(older->size, older->root, newer->size, newer->root, proof,
                                         count);
}
