/* statement_write.c — the in-toto Statement written directly (see
 * statement_write.h for why). Every object's keys appear here in strcmp
 * order, as jansson's JSON_SORT_KEYS wrote them:
 *
 *   statement  _type, predicate, predicateType, subject
 *   predicate  evidence, expiresAt, issuedAt, nonce, platform, regions,
 *              reportId, sequence, signer, workloadId
 *   signer     algorithm, keyId
 *   subject    digest, name
 *   region     address, description, digestAlgorithm, expectedDigest?, id,
 *              mapping?, nodes?, protection, segments?, size, takenAt
 *   mapping    deleted?, file, offset
 *   nodes      digests, level
 *   segment    digest, offset, size, tensor?
 *   evidence   binding, certificates?, data, platform
 *
 * A new field goes into its object's list at its sorted place. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "core/binding.h"
#include "core/encoding.h"
#include "core/internal.h"
#include "core/report_internal.h"
#include "core/statement_write.h"

/* No cap of the writer's own: pqcha__statement_encode applies
 * PQCHA_MAX_PAYLOAD_LEN, and the attester measures a report's exact size
 * with the unchecked encoder, which must then see all of it. */
#define WRITER_MAX_BYTES (SIZE_MAX / 2)

/* The first buffer's size, from the counts alone: a claim's subject and
 * region take about 300 bytes besides their strings, a node digest 67, a
 * segment about 130 besides its tensor name. Too small only costs a
 * doubling. */
#define HEADER_GUESS_BYTES  1024u
#define CLAIM_GUESS_BYTES   512u
#define NODE_BYTES          67u /* "<64 hex>", */
#define SEGMENT_GUESS_BYTES 192u

#define INT_TEXT_MAX     20u /* "-9223372036854775808" */
#define ESCAPE_MAX_BYTES 6u  /* "\u00XX" */

typedef struct writer {
    char *buf;
    size_t len;
    size_t cap;    /* bytes of buf; len < cap once anything is written (the NUL) */
    pqcha_err err; /* the first failure; every later write is skipped */
    int have_time; /* time_text spells time_seconds */
    int64_t time_seconds;
    char time_text[PQCHA_TIMESTAMP_LEN + 1];
} writer;

/* ---- the buffer ---- */

/* room's slow path, out of line so that the common case inlines. */
static int grow_room(writer *w, size_t n) {
    if (w->err != PQCHA_OK) return 0;
    if (n >= WRITER_MAX_BYTES - w->len)
        w->err = PQCHA_ERR_TOO_LARGE;
    else
        w->err = pqcha__grow(&w->buf, &w->cap, w->len + n + 1, 1, WRITER_MAX_BYTES);
    return w->err == PQCHA_OK;
}

/* Room for n more bytes and the final NUL. Writes are not checked one by
 * one: after a failure room is refused, and the first error is kept. */
static inline int room(writer *w, size_t n) {
    if (w->err == PQCHA_OK && n < w->cap - w->len) return 1;
    return grow_room(w, n);
}

static void fail(writer *w, pqcha_err err) {
    if (w->err == PQCHA_OK) w->err = err;
}

static inline void put(writer *w, const char *bytes, size_t n) {
    if (!room(w, n)) return;
    memcpy(w->buf + w->len, bytes, n);
    w->len += n;
}

/* Structure and keys: string literals only. */
#define PUT_LITERAL(w, text) put((w), (text), sizeof(text) - 1)

/* ---- strings, as jansson 2.14 escapes them in compact UTF-8 mode ---- */

/* The escape of c, or 0 when it is written as it is. jansson escapes only
 * what JSON requires: '"', '\\' and C0 controls, five of those by their
 * short names and the rest as \u00XX in upper case. '/', DEL and every
 * other character, U+2028 included, are written raw. */
static size_t escape_ascii(char out[ESCAPE_MAX_BYTES], unsigned char c) {
    static const char upper_hex[] = "0123456789ABCDEF";
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
    memcpy(out, "\\u00", 4);
    out[4] = upper_hex[c >> 4];
    out[5] = upper_hex[c & 0x0f];
    return 6;
}

/* Copies s[0..n) escaped to out (room for 6 bytes per input byte), and
 * returns the bytes written, or SIZE_MAX for malformed UTF-8: jansson
 * refused such a string (json_string returned NULL). */
static size_t escape_into(char *out, const unsigned char *s, size_t n) {
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
        memcpy(out + o, s + i, seq);
        o += seq;
        i += seq;
    }
    return o;
}

/* Bytes jansson writes as they are, and that need no look at what follows:
 * printable ASCII but '"' and '\\'. The NUL is not one, so a scan for
 * them also finds the end. */
static inline int plain_byte(unsigned char c) {
    return (unsigned char)(c - 0x20) < 0x60 && c != '"' && c != '\\';
}

/* The rest of a string from its first byte that is not plain: room for the
 * worst case (every byte escaped), so that the copy runs unchecked. */
static void put_string_escaped(writer *w, const char *s, size_t plain_len) {
    size_t n = plain_len + strlen(s + plain_len);
    if (n > (WRITER_MAX_BYTES - 2) / ESCAPE_MAX_BYTES) {
        fail(w, PQCHA_ERR_TOO_LARGE);
        return;
    }
    if (!room(w, ESCAPE_MAX_BYTES * n + 2)) return;
    char *at = w->buf + w->len;
    memcpy(at + 1, s, plain_len);
    const unsigned char *rest = (const unsigned char *)s + plain_len;
    size_t body = escape_into(at + 1 + plain_len, rest, n - plain_len);
    if (body == SIZE_MAX) {
        fail(w, PQCHA_ERR_BAD_IDENTIFIER);
        return;
    }
    at[0] = '"';
    at[plain_len + body + 1] = '"';
    w->len += plain_len + body + 2;
}

/* A JSON string. Most are plain throughout (ids, hex, names): one scan
 * finds both that and the length, and they are copied whole. */
static void put_string(writer *w, const char *s) {
    if (s == NULL) {
        fail(w, PQCHA_ERR_INVALID_ARGUMENT);
        return;
    }
    size_t n = 0;
    while (plain_byte((unsigned char)s[n]))
        n++;
    if (s[n] != '\0') {
        put_string_escaped(w, s, n);
        return;
    }
    if (!room(w, n + 2)) return;
    w->buf[w->len] = '"';
    memcpy(w->buf + w->len + 1, s, n);
    w->buf[w->len + n + 1] = '"';
    w->len += n + 2;
}

/* ---- numbers, hex, times ---- */

/* In decimal, as jansson printed a json_int_t ("%lld"). Callers pass the
 * value converted as the tree encoder converted it, (json_int_t)value, so
 * that even an out-of-range unchecked field is spelled the same. */
static void put_int(writer *w, int64_t v) {
    char digits[INT_TEXT_MAX];
    size_t n = 0;
    uint64_t magnitude = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        digits[n++] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude != 0);
    if (v < 0) digits[n++] = '-';
    if (!room(w, n)) return;
    while (n > 0)
        w->buf[w->len++] = digits[--n];
}

/* "0x" and lowercase hex without leading zeros ("0x0" for zero), as
 * "0x%" PRIx64 and FORMAT.md 4.3 spell an address. */
static void put_address(writer *w, uint64_t address) {
    static const char hex[] = "0123456789abcdef";
    char digits[16];
    size_t n = 0;
    do {
        digits[n++] = hex[address & 0x0f];
        address >>= 4;
    } while (address != 0);
    if (!room(w, n + 4)) return;
    memcpy(w->buf + w->len, "\"0x", 3);
    w->len += 3;
    while (n > 0)
        w->buf[w->len++] = digits[--n];
    w->buf[w->len++] = '"';
}

/* A quoted 64-digit digest; hex needs no escaping. */
static void put_digest(writer *w, const uint8_t digest[PQCHA_SHA3_256_LEN]) {
    if (!room(w, 2 * PQCHA_SHA3_256_LEN + 2)) return;
    w->buf[w->len] = '"';
    pqcha_hex_encode(w->buf + w->len + 1, digest, PQCHA_SHA3_256_LEN); /* its NUL fits: room */
    w->len += 2 * PQCHA_SHA3_256_LEN + 1;
    w->buf[w->len++] = '"';
}

/* A quoted RFC 3339 time. The claims of one report are mostly taken in the
 * same second as it is issued: the last text is kept, which spares a
 * formatting (an snprintf) per region. */
static void put_time(writer *w, int64_t unix_seconds) {
    if (!w->have_time || w->time_seconds != unix_seconds) {
        pqcha_err err = pqcha_time_format(w->time_text, unix_seconds);
        w->have_time = err == PQCHA_OK;
        if (err != PQCHA_OK) {
            fail(w, err);
            return;
        }
        w->time_seconds = unix_seconds;
    }
    PUT_LITERAL(w, "\"");
    put(w, w->time_text, PQCHA_TIMESTAMP_LEN);
    PUT_LITERAL(w, "\"");
}

static void put_base64(writer *w, const uint8_t *bytes, size_t len) {
    char *text = NULL;
    size_t text_len = 0;
    pqcha_err err = pqcha__base64_encode(&text, &text_len, bytes, len);
    if (err != PQCHA_OK) {
        fail(w, err);
        return;
    }
    PUT_LITERAL(w, "\"");
    put(w, text, text_len); /* the base64 alphabet needs no escaping */
    PUT_LITERAL(w, "\"");
    free(text);
}

/* ---- a claim: its subject, and its region ---- */

static void write_subject(writer *w, const pqcha__claim *c) {
    PUT_LITERAL(w, "{\"digest\":{");
    put_string(w, pqcha_digest_alg_name(c->digest_alg));
    PUT_LITERAL(w, ":");
    put_string(w, c->digest_hex);
    PUT_LITERAL(w, "},\"name\":");
    put_string(w, c->region.id);
    PUT_LITERAL(w, "}");
}

static void write_mapping(writer *w, const pqcha_region *r) {
    PUT_LITERAL(w, ",\"mapping\":{");
    if (r->file_deleted) PUT_LITERAL(w, "\"deleted\":true,");
    PUT_LITERAL(w, "\"file\":");
    put_string(w, r->mapped_file);
    PUT_LITERAL(w, ",\"offset\":");
    put_int(w, (int64_t)r->file_offset);
    PUT_LITERAL(w, "}");
}

static void write_nodes(writer *w, const pqcha__claim *c) {
    PUT_LITERAL(w, ",\"nodes\":{\"digests\":[");
    for (size_t i = 0; i < c->node_count; i++) {
        if (i > 0) PUT_LITERAL(w, ",");
        put_digest(w, c->nodes[i]);
    }
    PUT_LITERAL(w, "],\"level\":");
    put_int(w, (int64_t)c->node_level);
    PUT_LITERAL(w, "}");
}

static void write_segment(writer *w, const pqcha__segment *seg) {
    PUT_LITERAL(w, "{\"digest\":");
    put_digest(w, seg->digest);
    PUT_LITERAL(w, ",\"offset\":");
    put_int(w, (int64_t)seg->offset);
    PUT_LITERAL(w, ",\"size\":");
    put_int(w, (int64_t)seg->size);
    if (seg->tensor != NULL) {
        PUT_LITERAL(w, ",\"tensor\":");
        put_string(w, seg->tensor);
    }
    PUT_LITERAL(w, "}");
}

static void write_segments(writer *w, const pqcha__claim *c) {
    PUT_LITERAL(w, ",\"segments\":[");
    for (size_t i = 0; i < c->segment_count; i++) {
        if (i > 0) PUT_LITERAL(w, ",");
        write_segment(w, &c->segments[i]);
    }
    PUT_LITERAL(w, "]");
}

/* The keys up to "id", in their sorted order. */
static void write_region_head(writer *w, const pqcha__claim *c) {
    PUT_LITERAL(w, "{\"address\":");
    put_address(w, c->region.address);
    PUT_LITERAL(w, ",\"description\":");
    put_string(w, c->region.description);
    PUT_LITERAL(w, ",\"digestAlgorithm\":");
    put_string(w, pqcha_digest_alg_name(c->digest_alg));
    if (c->expected_hex != NULL) {
        PUT_LITERAL(w, ",\"expectedDigest\":");
        put_string(w, c->expected_hex);
    }
    PUT_LITERAL(w, ",\"id\":");
    put_string(w, c->region.id);
}

static void write_region(writer *w, const pqcha__claim *c) {
    write_region_head(w, c);
    if (c->region.mapped_file != NULL) write_mapping(w, &c->region);
    if (c->node_count > 0) write_nodes(w, c);
    PUT_LITERAL(w, ",\"protection\":");
    put_string(w, pqcha_protection_name(c->region.protection));
    if (c->segment_count > 0) write_segments(w, c);
    PUT_LITERAL(w, ",\"size\":");
    put_int(w, (int64_t)c->region.size);
    PUT_LITERAL(w, ",\"takenAt\":");
    put_time(w, c->taken_at);
    PUT_LITERAL(w, "}");
}

/* ---- the predicate and the statement ---- */

/* predicate.evidence: [] or one element (report_evidence.c has the rules). */
static void write_evidence(writer *w, const pqcha__report_evidence *ev) {
    if (ev == NULL) {
        PUT_LITERAL(w, "[]");
        return;
    }
    PUT_LITERAL(w, "[{\"binding\":");
    put_string(w, pqcha__binding_name(ev->binding));
    if (ev->certs_len > 0) {
        PUT_LITERAL(w, ",\"certificates\":");
        put_base64(w, ev->certs, ev->certs_len);
    }
    PUT_LITERAL(w, ",\"data\":");
    put_base64(w, ev->data, ev->data_len);
    PUT_LITERAL(w, ",\"platform\":");
    put_string(w, ev->platform);
    PUT_LITERAL(w, "}]");
}

/* predicate.regions and subject: one array element per claim, in order. */
static void write_claims(writer *w, const pqcha_report *rep,
                         void (*write_one)(writer *, const pqcha__claim *)) {
    PUT_LITERAL(w, "[");
    for (size_t i = 0; i < rep->claim_count; i++) {
        if (i > 0) PUT_LITERAL(w, ",");
        write_one(w, &rep->claims[i]);
    }
    PUT_LITERAL(w, "]");
}

static void write_signer(writer *w, const pqcha_report *rep) {
    PUT_LITERAL(w, "{\"algorithm\":");
    put_string(w, pqcha_sig_alg_name(rep->signer_alg));
    PUT_LITERAL(w, ",\"keyId\":");
    put_string(w, rep->signer_key_id);
    PUT_LITERAL(w, "}");
}

static void write_predicate(writer *w, const pqcha_report *rep) {
    PUT_LITERAL(w, "{\"evidence\":");
    write_evidence(w, rep->evidence);
    PUT_LITERAL(w, ",\"expiresAt\":");
    put_time(w, rep->expires_at);
    PUT_LITERAL(w, ",\"issuedAt\":");
    put_time(w, rep->issued_at);
    PUT_LITERAL(w, ",\"nonce\":");
    put_string(w, rep->nonce_hex);
    PUT_LITERAL(w, ",\"platform\":");
    put_string(w, rep->platform);
    PUT_LITERAL(w, ",\"regions\":");
    write_claims(w, rep, write_region);
    PUT_LITERAL(w, ",\"reportId\":");
    put_string(w, rep->report_id);
    PUT_LITERAL(w, ",\"sequence\":");
    put_int(w, (int64_t)rep->sequence);
    PUT_LITERAL(w, ",\"signer\":");
    write_signer(w, rep);
    PUT_LITERAL(w, ",\"workloadId\":");
    put_string(w, rep->workload_id);
    PUT_LITERAL(w, "}");
}

static void write_statement(writer *w, const pqcha_report *rep) {
    PUT_LITERAL(w, "{\"_type\":");
    put_string(w, PQCHA_STATEMENT_TYPE);
    PUT_LITERAL(w, ",\"predicate\":");
    write_predicate(w, rep);
    PUT_LITERAL(w, ",\"predicateType\":");
    put_string(w, PQCHA_PREDICATE_TYPE);
    PUT_LITERAL(w, ",\"subject\":");
    write_claims(w, rep, write_subject);
    PUT_LITERAL(w, "}");
}

/* ---- before writing ---- */

/* The faults the tree encoder named, found in the order it met them (each
 * claim's subject, then its region): the written order is another one. */
static pqcha_err check_claim(const pqcha__claim *c) {
    if (pqcha_digest_alg_name(c->digest_alg) == NULL) return PQCHA_ERR_UNSUPPORTED_ALGORITHM;
    if (c->region.id == NULL || c->region.description == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    if (pqcha_protection_name(c->region.protection) == NULL) return PQCHA_ERR_BAD_PROTECTION;
    return PQCHA_OK;
}

static pqcha_err check_report(const pqcha_report *rep) {
    for (size_t i = 0; i < rep->claim_count; i++)
        PQCHA_TRY(check_claim(&rep->claims[i]));
    if (rep->report_id == NULL || rep->workload_id == NULL || rep->platform == NULL ||
        rep->nonce_hex == NULL)
        return PQCHA_ERR_INVALID_ARGUMENT;
    if (pqcha_sig_alg_name(rep->signer_alg) == NULL) return PQCHA_ERR_UNSUPPORTED_ALGORITHM;
    if (rep->evidence != NULL && pqcha__binding_name(rep->evidence->binding) == NULL)
        return PQCHA_ERR_BAD_EVIDENCE;
    return PQCHA_OK;
}

/* The first buffer: large enough for most reports, so it seldom moves, and
 * no larger than a payload may be (a report above that is refused anyway). */
static size_t size_guess(const pqcha_report *rep) {
    size_t bytes = HEADER_GUESS_BYTES;
    for (size_t i = 0; i < rep->claim_count; i++) {
        const pqcha__claim *c = &rep->claims[i];
        bytes +=
            CLAIM_GUESS_BYTES + NODE_BYTES * c->node_count + SEGMENT_GUESS_BYTES * c->segment_count;
    }
    if (rep->evidence != NULL)
        bytes += pqcha__base64_encoded_len(rep->evidence->data_len) +
                 pqcha__base64_encoded_len(rep->evidence->certs_len);
    return bytes < PQCHA_MAX_PAYLOAD_LEN ? bytes : PQCHA_MAX_PAYLOAD_LEN;
}

pqcha_err pqcha__statement_write(char **out, size_t *out_len, const pqcha_report *rep) {
    if (out != NULL) *out = NULL;
    if (out_len != NULL) *out_len = 0;
    if (out == NULL || out_len == NULL || rep == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    PQCHA_TRY(check_report(rep));
    writer w;
    memset(&w, 0, sizeof w);
    if (room(&w, size_guess(rep))) write_statement(&w, rep);
    if (w.err != PQCHA_OK) {
        free(w.buf);
        return w.err;
    }
    w.buf[w.len] = '\0'; /* room kept a byte for it */
    *out = w.buf;
    *out_len = w.len;
    return PQCHA_OK;
}
