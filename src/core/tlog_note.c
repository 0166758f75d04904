/* tlog_note.c — C2SP signed notes with pqcha's ML-DSA signature type:
 * key IDs, signing, cosigning, strict parsing and verification against one
 * key or a set of them. FORMAT.md 9.5 and 9.6. */
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "core/encoding.h"
#include "core/internal.h"
#include "core/reader.h"
#include "core/tlog_internal.h"
#include "core/tlog_note.h"

/* "— " (U+2014 EM DASH, space) opens every signature line. */
static const char line_prefix[] = "\xe2\x80\x94 ";
#define LINE_PREFIX_LEN (sizeof line_prefix - 1)
/* The signed-note escape for a signature type without an assigned byte. */
#define TYPE_ESCAPE 0xff
/* Domain separation: no report signature's message (DSSE PAE, which starts
 * "DSSEv1 ") starts with this line. */
static const char message_header[] = "pqcha-note/v1\n";
#define KEY_ID_LEN 4
/* A decoded signature: the key ID and an ML-DSA-87 signature fit with room. */
#define MAX_SIGNATURE_BYTES (8 * 1024)

typedef struct note_signature {
    char *name;
    uint32_t key_id;
    uint8_t *sig; /* after the key ID */
    size_t sig_len;
} note_signature;

struct pqcha_note {
    char *text;
    size_t text_len;
    note_signature *sigs;
    size_t count;
};

typedef struct verifier_entry {
    char *name;
    pqcha_key *key; /* public half */
    uint32_t key_id;
} verifier_entry;

struct pqcha_note_verifier {
    verifier_entry *entries;
    size_t count;
    size_t cap;
};

/* ---- text and names ---- */

pqcha_err pqcha__note_text_check(const uint8_t *s, size_t len) {
    for (size_t i = 0; i < len;) {
        if (s[i] < 0x20 && s[i] != '\n') return PQCHA_ERR_LOG_TEXT;
        size_t n = pqcha__utf8_sequence_length(s + i, len - i);
        if (n == 0) return PQCHA_ERR_LOG_TEXT;
        i += n;
    }
    return PQCHA_OK;
}

/* The code point of a well-formed UTF-8 sequence of n bytes. */
static uint32_t code_point(const uint8_t *s, size_t n) {
    static const uint8_t lead_mask[5] = {0, 0x7f, 0x1f, 0x0f, 0x07};
    uint32_t cp = s[0] & lead_mask[n];
    for (size_t i = 1; i < n; i++)
        cp = (cp << 6) | (s[i] & 0x3fu);
    return cp;
}

/* Unicode's White_Space property: a key name holds none of these. */
static int is_unicode_space(uint32_t cp) {
    return (cp >= 0x09 && cp <= 0x0d) || cp == 0x20 || cp == 0x85 || cp == 0xa0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 || cp == 0x202f ||
           cp == 0x205f || cp == 0x3000;
}

int pqcha__note_name_valid(const char *name, size_t len) {
    const uint8_t *s = (const uint8_t *)name;
    if (len == 0 || len > PQCHA_NOTE_MAX_NAME) return 0;
    for (size_t i = 0; i < len;) {
        size_t n = pqcha__utf8_sequence_length(s + i, len - i);
        if (n == 0 || s[i] < 0x20 || s[i] == '+' || is_unicode_space(code_point(s + i, n)))
            return 0;
        i += n;
    }
    return 1;
}

/* ---- key IDs and the signed message ---- */

pqcha_err pqcha_note_key_id(uint32_t *out, const char *name, const pqcha_key *key) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = 0;
    if (name == NULL || key == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    if (!pqcha__note_name_valid(name, strlen(name))) return PQCHA_ERR_BAD_IDENTIFIER;
    const char *alg = pqcha_sig_alg_name(pqcha_key_algorithm(key)); /* "ML-DSA-65" */
    if (alg == NULL) return PQCHA_ERR_INTERNAL; /* a key always has its algorithm */
    uint8_t *raw = NULL;
    size_t raw_len = 0;
    PQCHA_TRY(pqcha_key_public_raw(&raw, &raw_len, key));
    /* name || 0x0a || 0xff || "pqcha-ml-dsa-NN" || 0x0a || public key */
    size_t name_len = strlen(name), type_len = 1 + strlen("pqcha-ml-dsa-") + 2 + 1;
    size_t len = name_len + 1 + type_len + raw_len;
    uint8_t *buf = malloc(len);
    if (buf == NULL) {
        free(raw);
        return PQCHA_ERR_NO_MEMORY;
    }
    uint8_t *p = buf;
    memcpy(p, name, name_len);
    p += name_len;
    *p++ = '\n';
    *p++ = TYPE_ESCAPE;
    memcpy(p, "pqcha-ml-dsa-", 13);
    memcpy(p + 13, alg + strlen("ML-DSA-"), 2);
    p += 15;
    *p++ = '\n';
    memcpy(p, raw, raw_len);
    uint8_t digest[PQCHA_TLOG_HASH_LEN];
    pqcha_err err = pqcha__sha256_once(digest, buf, len);
    free(buf);
    free(raw);
    if (err != PQCHA_OK) return err;
    *out = ((uint32_t)digest[0] << 24) | ((uint32_t)digest[1] << 16) | ((uint32_t)digest[2] << 8) |
           digest[3];
    return PQCHA_OK;
}

/* "pqcha-note/v1\n" || name || "\n" || text: binding the name keeps one key
 * signing under two names from lending a signature from one to the other. */
static pqcha_err signed_message(uint8_t **out, size_t *out_len, const char *name, const char *text,
                                size_t text_len) {
    size_t header_len = sizeof message_header - 1, name_len = strlen(name);
    size_t len = header_len + name_len + 1 + text_len;
    uint8_t *msg = malloc(len);
    if (msg == NULL) return PQCHA_ERR_NO_MEMORY;
    memcpy(msg, message_header, header_len);
    memcpy(msg + header_len, name, name_len);
    msg[header_len + name_len] = '\n';
    if (text_len > 0) memcpy(msg + header_len + name_len + 1, text, text_len);
    *out = msg;
    *out_len = len;
    return PQCHA_OK;
}

/* "— name base64(key ID || signature)\n", NUL-terminated. */
static pqcha_err format_line(char **out, size_t *out_len, const char *name, uint32_t key_id,
                             const uint8_t *sig, size_t sig_len) {
    uint8_t *bytes = malloc(KEY_ID_LEN + sig_len);
    if (bytes == NULL) return PQCHA_ERR_NO_MEMORY;
    for (int i = 0; i < KEY_ID_LEN; i++)
        bytes[i] = (uint8_t)(key_id >> (24 - 8 * i));
    memcpy(bytes + KEY_ID_LEN, sig, sig_len);
    char *b64 = NULL;
    size_t b64_len = 0;
    pqcha_err err = pqcha__base64_encode(&b64, &b64_len, bytes, KEY_ID_LEN + sig_len);
    free(bytes);
    if (err != PQCHA_OK) return err;
    size_t name_len = strlen(name);
    size_t len = LINE_PREFIX_LEN + name_len + 1 + b64_len + 1;
    char *line = malloc(len + 1);
    if (line == NULL) {
        free(b64);
        return PQCHA_ERR_NO_MEMORY;
    }
    memcpy(line, line_prefix, LINE_PREFIX_LEN);
    memcpy(line + LINE_PREFIX_LEN, name, name_len);
    line[LINE_PREFIX_LEN + name_len] = ' ';
    memcpy(line + LINE_PREFIX_LEN + name_len + 1, b64, b64_len);
    line[len - 1] = '\n';
    line[len] = '\0';
    free(b64);
    *out = line;
    *out_len = len;
    return PQCHA_OK;
}

/* Signs text as name: the signature line and the key ID. */
static pqcha_err sign_line(char **line, size_t *line_len, uint32_t *key_id, const char *text,
                           size_t text_len, const char *name, const pqcha_key *key) {
    PQCHA_TRY(pqcha_note_key_id(key_id, name, key));
    if (!pqcha_key_has_private(key)) return PQCHA_ERR_NOT_PRIVATE_KEY;
    uint8_t *msg = NULL, *sig = NULL;
    size_t msg_len = 0, sig_len = 0;
    PQCHA_TRY(signed_message(&msg, &msg_len, name, text, text_len));
    pqcha_err err = pqcha_sign(&sig, &sig_len, key, msg, msg_len);
    free(msg);
    if (err == PQCHA_OK) err = format_line(line, line_len, name, *key_id, sig, sig_len);
    pqcha_free(sig);
    return err;
}

/* ---- signing ---- */

static pqcha_err check_text(const char *text, size_t len) {
    PQCHA_TRY(pqcha__note_text_check((const uint8_t *)text, len));
    if (len == 0 || text[len - 1] != '\n') return PQCHA_ERR_LOG_NOTE;
    return PQCHA_OK;
}

/* text || "\n" || lines..., each piece (ptr, len); the note's size capped. */
static pqcha_err join(char **out, size_t *out_len, const char *const *parts, const size_t *lens,
                      size_t n) {
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += lens[i];
    if (total > PQCHA_NOTE_MAX_LEN) return PQCHA_ERR_TOO_LARGE;
    char *buf = malloc(total + 1);
    if (buf == NULL) return PQCHA_ERR_NO_MEMORY;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(buf + at, parts[i], lens[i]);
        at += lens[i];
    }
    buf[at] = '\0';
    *out = buf;
    *out_len = at;
    return PQCHA_OK;
}

pqcha_err pqcha_note_sign(char **out, size_t *out_len, const char *text, size_t len,
                          const char *name, const pqcha_key *key) {
    if (out == NULL || out_len == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    *out_len = 0;
    if (text == NULL || name == NULL || key == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    if (len > PQCHA_NOTE_MAX_LEN) return PQCHA_ERR_TOO_LARGE;
    PQCHA_TRY(check_text(text, len));
    char *line = NULL;
    size_t line_len = 0;
    uint32_t key_id = 0;
    PQCHA_TRY(sign_line(&line, &line_len, &key_id, text, len, name, key));
    const char *parts[] = {text, "\n", line};
    size_t lens[] = {len, 1, line_len};
    pqcha_err err = join(out, out_len, parts, lens, 3);
    free(line);
    return err;
}

/* The note's lines but those by (name, key_id), re-encoded (the encoding
 * is canonical, so they are the bytes parsed), each as its own string. */
static pqcha_err other_lines(char ***lines, size_t **lens, size_t *count, const pqcha_note *n,
                             const char *name, uint32_t key_id) {
    *lines = calloc(n->count + 1, sizeof **lines);
    *lens = calloc(n->count + 1, sizeof **lens);
    *count = 0;
    if (*lines == NULL || *lens == NULL) return PQCHA_ERR_NO_MEMORY;
    for (size_t i = 0; i < n->count; i++) {
        const note_signature *s = &n->sigs[i];
        if (s->key_id == key_id && strcmp(s->name, name) == 0) continue;
        PQCHA_TRY(format_line(&(*lines)[*count], &(*lens)[*count], s->name, s->key_id, s->sig,
                              s->sig_len));
        (*count)++;
    }
    return PQCHA_OK;
}

static pqcha_err cosign_parsed(char **out, size_t *out_len, const pqcha_note *n, const char *name,
                               const pqcha_key *key) {
    char *line = NULL, **lines = NULL;
    size_t line_len = 0, *lens = NULL, count = 0;
    uint32_t key_id = 0;
    pqcha_err err = sign_line(&line, &line_len, &key_id, n->text, n->text_len, name, key);
    if (err == PQCHA_OK) err = other_lines(&lines, &lens, &count, n, name, key_id);
    const char **parts = err == PQCHA_OK ? calloc(count + 3, sizeof *parts) : NULL;
    size_t *part_lens = err == PQCHA_OK ? calloc(count + 3, sizeof *part_lens) : NULL;
    if (err == PQCHA_OK && (parts == NULL || part_lens == NULL)) err = PQCHA_ERR_NO_MEMORY;
    if (err == PQCHA_OK) {
        parts[0] = n->text, part_lens[0] = n->text_len;
        parts[1] = "\n", part_lens[1] = 1;
        for (size_t i = 0; i < count; i++)
            parts[2 + i] = lines[i], part_lens[2 + i] = lens[i];
        parts[2 + count] = line, part_lens[2 + count] = line_len;
        err = join(out, out_len, parts, part_lens, count + 3);
    }
    for (size_t i = 0; lines != NULL && i < n->count; i++)
        free(lines[i]);
    free(lines);
    free(lens);
    free(parts);
    free(part_lens);
    free(line);
    return err;
}

pqcha_err pqcha_note_cosign(char **out, size_t *out_len, const char *note, size_t len,
                            const char *name, const pqcha_key *key) {
    if (out == NULL || out_len == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    *out_len = 0;
    if (note == NULL || name == NULL || key == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha_note *n = NULL;
    PQCHA_TRY(pqcha_note_parse(&n, note, len));
    pqcha_err err = cosign_parsed(out, out_len, n, name, key);
    pqcha_note_free(n);
    return err;
}

/* ---- parsing ---- */

void pqcha_note_free(pqcha_note *n) {
    if (n == NULL) return;
    for (size_t i = 0; i < n->count; i++) {
        free(n->sigs[i].name);
        free(n->sigs[i].sig);
    }
    free(n->sigs);
    free(n->text);
    free(n);
}

/* The offset just past the last blank line ("\n\n"), or 0 if none. */
static size_t signatures_start(const char *s, size_t len) {
    for (size_t i = len; i >= 2; i--)
        if (s[i - 1] == '\n' && s[i - 2] == '\n') return i;
    return 0;
}

/* "— name base64", the newline already cut off. */
static pqcha_err parse_line(note_signature *out, const uint8_t *line, size_t len) {
    pqcha__reader r;
    const uint8_t *prefix, *name;
    pqcha__reader_init(&r, line, len);
    if (!pqcha__reader_bytes(&r, LINE_PREFIX_LEN, &prefix) ||
        memcmp(prefix, line_prefix, LINE_PREFIX_LEN) != 0)
        return PQCHA_ERR_LOG_NOTE;
    const uint8_t *space = memchr(line + LINE_PREFIX_LEN, ' ', len - LINE_PREFIX_LEN);
    if (space == NULL) return PQCHA_ERR_LOG_NOTE;
    size_t name_len = (size_t)(space - line) - LINE_PREFIX_LEN;
    if (!pqcha__reader_bytes(&r, name_len, &name) || !pqcha__reader_expect(&r, ' ') ||
        !pqcha__note_name_valid((const char *)name, name_len))
        return PQCHA_ERR_LOG_NOTE;
    const uint8_t *b64;
    size_t b64_len = pqcha__reader_remaining(&r);
    if (!pqcha__reader_bytes(&r, b64_len, &b64)) return PQCHA_ERR_INTERNAL;
    uint8_t *bytes = NULL;
    size_t n = 0;
    PQCHA_TRY(pqcha__base64_decode(&bytes, &n, (const char *)b64, b64_len, MAX_SIGNATURE_BYTES));
    out->name = pqcha__strndup((const char *)name, name_len);
    out->sig = n > KEY_ID_LEN ? malloc(n - KEY_ID_LEN) : NULL;
    pqcha_err err = n <= KEY_ID_LEN ? PQCHA_ERR_LOG_NOTE : PQCHA_OK;
    if (err == PQCHA_OK && (out->name == NULL || out->sig == NULL)) err = PQCHA_ERR_NO_MEMORY;
    if (err == PQCHA_OK) {
        out->key_id = ((uint32_t)bytes[0] << 24) | ((uint32_t)bytes[1] << 16) |
                      ((uint32_t)bytes[2] << 8) | bytes[3];
        out->sig_len = n - KEY_ID_LEN;
        memcpy(out->sig, bytes + KEY_ID_LEN, out->sig_len);
    }
    free(bytes);
    return err;
}

static pqcha_err parse_signatures(pqcha_note *n, const char *s, size_t len) {
    size_t cap = 0;
    /* Lines end in a newline; the block does too, or it is empty. */
    if (len == 0 || s[len - 1] != '\n') return PQCHA_ERR_LOG_NOTE;
    for (size_t at = 0; at < len;) {
        const char *end = memchr(s + at, '\n', len - at);
        size_t line_len = (size_t)(end - (s + at));
        PQCHA_TRY(
            pqcha__grow(&n->sigs, &cap, n->count + 1, sizeof *n->sigs, PQCHA_NOTE_MAX_SIGNATURES));
        note_signature *sig = &n->sigs[n->count];
        memset(sig, 0, sizeof *sig);
        n->count++; /* counted before it is filled, so that free releases it */
        PQCHA_TRY(parse_line(sig, (const uint8_t *)s + at, line_len));
        at += line_len + 1;
    }
    return PQCHA_OK;
}

static pqcha_err parse_note(pqcha_note *n, const char *note, size_t len) {
    PQCHA_TRY(pqcha__note_text_check((const uint8_t *)note, len));
    size_t sigs = signatures_start(note, len);
    if (sigs == 0) return PQCHA_ERR_LOG_NOTE;
    n->text_len = sigs - 1; /* the text keeps its newline, not the blank line */
    n->text = pqcha__strndup(note, n->text_len);
    if (n->text == NULL) return PQCHA_ERR_NO_MEMORY;
    return parse_signatures(n, note + sigs, len - sigs);
}

pqcha_err pqcha_note_parse(pqcha_note **out, const char *note, size_t len) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (note == NULL && len > 0) return PQCHA_ERR_INVALID_ARGUMENT;
    if (len > PQCHA_NOTE_MAX_LEN) return PQCHA_ERR_TOO_LARGE;
    pqcha_note *n = calloc(1, sizeof *n);
    if (n == NULL) return PQCHA_ERR_NO_MEMORY;
    pqcha_err err = parse_note(n, note, len);
    if (err != PQCHA_OK) {
        pqcha_note_free(n);
        return err;
    }
    *out = n;
    return PQCHA_OK;
}

const char *pqcha_note_text(const pqcha_note *n) {
    return n ? n->text : NULL;
}

size_t pqcha_note_text_length(const pqcha_note *n) {
    return n ? n->text_len : 0;
}

size_t pqcha_note_signature_count(const pqcha_note *n) {
    return n ? n->count : 0;
}

static const note_signature *signature_at(const pqcha_note *n, size_t i) {
    return n != NULL && i < n->count ? &n->sigs[i] : NULL;
}

const char *pqcha_note_signature_name(const pqcha_note *n, size_t i) {
    const note_signature *s = signature_at(n, i);
    return s ? s->name : NULL;
}

uint32_t pqcha_note_signature_key_id(const pqcha_note *n, size_t i) {
    const note_signature *s = signature_at(n, i);
    return s ? s->key_id : 0;
}

const uint8_t *pqcha_note_signature(const pqcha_note *n, size_t i) {
    const note_signature *s = signature_at(n, i);
    return s ? s->sig : NULL;
}

size_t pqcha_note_signature_length(const pqcha_note *n, size_t i) {
    const note_signature *s = signature_at(n, i);
    return s ? s->sig_len : 0;
}

/* ---- verification ---- */

static pqcha_err verify_line(const pqcha_note *n, const note_signature *s, const pqcha_key *key) {
    uint8_t *msg = NULL;
    size_t msg_len = 0;
    PQCHA_TRY(signed_message(&msg, &msg_len, s->name, n->text, n->text_len));
    pqcha_err err = pqcha_verify_signature(key, msg, msg_len, s->sig, s->sig_len);
    free(msg);
    return err;
}

/* Verifies every line by (name, key_id); *found counts them. */
static pqcha_err verify_lines_of(size_t *found, const pqcha_note *n, const char *name,
                                 uint32_t key_id, const pqcha_key *key) {
    *found = 0;
    for (size_t i = 0; i < n->count; i++) {
        const note_signature *s = &n->sigs[i];
        if (s->key_id != key_id || strcmp(s->name, name) != 0) continue;
        PQCHA_TRY(verify_line(n, s, key));
        (*found)++;
    }
    return PQCHA_OK;
}

pqcha_err pqcha_note_verify_key(const pqcha_note *n, const char *name, const pqcha_key *key) {
    if (n == NULL || name == NULL || key == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    uint32_t key_id = 0;
    PQCHA_TRY(pqcha_note_key_id(&key_id, name, key));
    size_t found = 0;
    PQCHA_TRY(verify_lines_of(&found, n, name, key_id, key));
    return found > 0 ? PQCHA_OK : PQCHA_ERR_UNTRUSTED_KEY;
}

pqcha_err pqcha_note_verifier_create(pqcha_note_verifier **out) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = calloc(1, sizeof **out);
    return *out != NULL ? PQCHA_OK : PQCHA_ERR_NO_MEMORY;
}

void pqcha_note_verifier_free(pqcha_note_verifier *v) {
    if (v == NULL) return;
    for (size_t i = 0; i < v->count; i++) {
        free(v->entries[i].name);
        pqcha_key_free(v->entries[i].key);
    }
    free(v->entries);
    free(v);
}

size_t pqcha_note_verifier_count(const pqcha_note_verifier *v) {
    return v ? v->count : 0;
}

pqcha_err pqcha_note_verifier_add(pqcha_note_verifier *v, const char *name, const pqcha_key *key) {
    if (v == NULL || name == NULL || key == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    uint32_t key_id = 0;
    PQCHA_TRY(pqcha_note_key_id(&key_id, name, key));
    /* One signature must never count twice towards a quorum. */
    for (size_t i = 0; i < v->count; i++)
        if (v->entries[i].key_id == key_id && strcmp(v->entries[i].name, name) == 0)
            return PQCHA_ERR_INVALID_ARGUMENT;
    PQCHA_TRY(pqcha__grow(&v->entries, &v->cap, v->count + 1, sizeof *v->entries,
                          PQCHA_NOTE_MAX_SIGNATURES));
    verifier_entry e = {pqcha__strdup(name), NULL, key_id};
    pqcha_err err = e.name != NULL ? pqcha_key_public_copy(&e.key, key) : PQCHA_ERR_NO_MEMORY;
    if (err != PQCHA_OK) {
        free(e.name);
        return err;
    }
    v->entries[v->count++] = e;
    return PQCHA_OK;
}

pqcha_err pqcha_note_verify(size_t *verified, const pqcha_note *n, const pqcha_note_verifier *v,
                            size_t required) {
    if (verified == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *verified = 0;
    if (n == NULL || v == NULL || required == 0) return PQCHA_ERR_INVALID_ARGUMENT;
    size_t count = 0;
    for (size_t i = 0; i < v->count; i++) {
        const verifier_entry *e = &v->entries[i];
        size_t found = 0;
        PQCHA_TRY(verify_lines_of(&found, n, e->name, e->key_id, e->key));
        if (found > 0) count++;
    }
    if (count < required) return PQCHA_ERR_LOG_WITNESSES;
    *verified = count;
    return PQCHA_OK;
}
