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

#include "core/binding.h"
#include "core/encoding.h"
#include "core/internal.h"
#include "core/json_write.h"
#include "core/report_internal.h"
#include "core/statement_write.h"

/* The first buffer's size, from the counts alone: a claim's subject and
 * region take about 300 bytes besides their strings, a node digest 67, a
 * segment about 130 besides its tensor name. Too small only costs a
 * doubling. */
#define HEADER_GUESS_BYTES  1024u
#define CLAIM_GUESS_BYTES   512u
#define NODE_BYTES          67u /* "<64 hex>", */
#define SEGMENT_GUESS_BYTES 192u

/* ---- values only the statement holds ---- */

/* A quoted 64-digit digest; hex needs no escaping. */
static void put_digest(pqcha__json_writer *w, const uint8_t digest[PQCHA_SHA3_256_LEN]) {
    if (!pqcha__json_room(w, 2 * PQCHA_SHA3_256_LEN + 2)) return;
    w->buf[w->len] = '"';
    pqcha_hex_encode(w->buf + w->len + 1, digest, PQCHA_SHA3_256_LEN); /* its NUL fits: room */
    w->len += 2 * PQCHA_SHA3_256_LEN + 1;
    w->buf[w->len++] = '"';
}

/* A quoted RFC 3339 time; one pqcha_time_format refuses fails the statement. */
static void put_time(pqcha__json_writer *w, int64_t unix_seconds) {
    pqcha_err err = pqcha__json_put_time(w, unix_seconds);
    if (err != PQCHA_OK) pqcha__json_fail(w, err);
}

static void put_base64(pqcha__json_writer *w, const uint8_t *bytes, size_t len) {
    char *text = NULL;
    size_t text_len = 0;
    pqcha_err err = pqcha__base64_encode(&text, &text_len, bytes, len);
    if (err != PQCHA_OK) {
        pqcha__json_fail(w, err);
        return;
    }
    PQCHA__JSON_PUT_LITERAL(w, "\"");
    pqcha__json_put(w, text, text_len); /* the base64 alphabet needs no escaping */
    PQCHA__JSON_PUT_LITERAL(w, "\"");
    free(text);
}

/* ---- a claim: its subject, and its region ---- */

/* Array items (pqcha__json_put_array): a subject, a region, a segment, a node digest. */
static void write_subject(pqcha__json_writer *w, const void *item) {
    const pqcha__claim *c = item;
    PQCHA__JSON_PUT_LITERAL(w, "{\"digest\":{");
    pqcha__json_put_string(w, pqcha_digest_alg_name(c->digest_alg));
    PQCHA__JSON_PUT_LITERAL(w, ":");
    pqcha__json_put_string(w, c->digest_hex);
    PQCHA__JSON_PUT_LITERAL(w, "},\"name\":");
    pqcha__json_put_string(w, c->region.id);
    PQCHA__JSON_PUT_LITERAL(w, "}");
}

static void write_mapping(pqcha__json_writer *w, const pqcha_region *r) {
    PQCHA__JSON_PUT_LITERAL(w, ",\"mapping\":{");
    if (r->file_deleted) PQCHA__JSON_PUT_LITERAL(w, "\"deleted\":true,");
    PQCHA__JSON_PUT_LITERAL(w, "\"file\":");
    pqcha__json_put_string(w, r->mapped_file);
    PQCHA__JSON_PUT_LITERAL(w, ",\"offset\":");
    pqcha__json_put_int(w, (int64_t)r->file_offset);
    PQCHA__JSON_PUT_LITERAL(w, "}");
}

static void write_node(pqcha__json_writer *w, const void *item) {
    put_digest(w, item);
}

static void write_nodes(pqcha__json_writer *w, const pqcha__claim *c) {
    PQCHA__JSON_PUT_LITERAL(w, ",\"nodes\":{\"digests\":");
    pqcha__json_put_array(w, c->nodes, c->node_count, sizeof c->nodes[0], write_node);
    PQCHA__JSON_PUT_LITERAL(w, ",\"level\":");
    pqcha__json_put_int(w, (int64_t)c->node_level);
    PQCHA__JSON_PUT_LITERAL(w, "}");
}

static void write_segment(pqcha__json_writer *w, const void *item) {
    const pqcha__segment *seg = item;
    PQCHA__JSON_PUT_LITERAL(w, "{\"digest\":");
    put_digest(w, seg->digest);
    PQCHA__JSON_PUT_LITERAL(w, ",\"offset\":");
    pqcha__json_put_int(w, (int64_t)seg->offset);
    PQCHA__JSON_PUT_LITERAL(w, ",\"size\":");
    pqcha__json_put_int(w, (int64_t)seg->size);
    if (seg->tensor != NULL) {
        PQCHA__JSON_PUT_LITERAL(w, ",\"tensor\":");
        pqcha__json_put_string(w, seg->tensor);
    }
    PQCHA__JSON_PUT_LITERAL(w, "}");
}

static void write_segments(pqcha__json_writer *w, const pqcha__claim *c) {
    PQCHA__JSON_PUT_LITERAL(w, ",\"segments\":");
    pqcha__json_put_array(w, c->segments, c->segment_count, sizeof c->segments[0], write_segment);
}

/* The keys up to "id", in their sorted order. */
static void write_region_head(pqcha__json_writer *w, const pqcha__claim *c) {
    PQCHA__JSON_PUT_LITERAL(w, "{\"address\":");
    pqcha__json_put_address(w, c->region.address);
    PQCHA__JSON_PUT_LITERAL(w, ",\"description\":");
    pqcha__json_put_string(w, c->region.description);
    PQCHA__JSON_PUT_LITERAL(w, ",\"digestAlgorithm\":");
    pqcha__json_put_string(w, pqcha_digest_alg_name(c->digest_alg));
    if (c->expected_hex != NULL) {
        PQCHA__JSON_PUT_LITERAL(w, ",\"expectedDigest\":");
        pqcha__json_put_string(w, c->expected_hex);
    }
    PQCHA__JSON_PUT_LITERAL(w, ",\"id\":");
    pqcha__json_put_string(w, c->region.id);
}

static void write_region(pqcha__json_writer *w, const void *item) {
    const pqcha__claim *c = item;
    write_region_head(w, c);
    if (c->region.mapped_file != NULL) write_mapping(w, &c->region);
    if (c->node_count > 0) write_nodes(w, c);
    PQCHA__JSON_PUT_LITERAL(w, ",\"protection\":");
    pqcha__json_put_string(w, pqcha_protection_name(c->region.protection));
    if (c->segment_count > 0) write_segments(w, c);
    PQCHA__JSON_PUT_LITERAL(w, ",\"size\":");
    pqcha__json_put_int(w, (int64_t)c->region.size);
    PQCHA__JSON_PUT_LITERAL(w, ",\"takenAt\":");
    put_time(w, c->taken_at);
    PQCHA__JSON_PUT_LITERAL(w, "}");
}

/* ---- the predicate and the statement ---- */

/* predicate.evidence: [] or one element (report_evidence.c has the rules). */
static void write_evidence(pqcha__json_writer *w, const pqcha__report_evidence *ev) {
    if (ev == NULL) {
        PQCHA__JSON_PUT_LITERAL(w, "[]");
        return;
    }
    PQCHA__JSON_PUT_LITERAL(w, "[{\"binding\":");
    pqcha__json_put_string(w, pqcha__binding_name(ev->binding));
    if (ev->certs_len > 0) {
        PQCHA__JSON_PUT_LITERAL(w, ",\"certificates\":");
        put_base64(w, ev->certs, ev->certs_len);
    }
    PQCHA__JSON_PUT_LITERAL(w, ",\"data\":");
    put_base64(w, ev->data, ev->data_len);
    PQCHA__JSON_PUT_LITERAL(w, ",\"platform\":");
    pqcha__json_put_string(w, ev->platform);
    PQCHA__JSON_PUT_LITERAL(w, "}]");
}

/* predicate.regions and subject: one array element per claim, in order. */
static void write_claims(pqcha__json_writer *w, const pqcha_report *rep,
                         pqcha__json_item_writer write_one) {
    pqcha__json_put_array(w, rep->claims, rep->claim_count, sizeof rep->claims[0], write_one);
}

static void write_signer(pqcha__json_writer *w, const pqcha_report *rep) {
    PQCHA__JSON_PUT_LITERAL(w, "{\"algorithm\":");
    pqcha__json_put_string(w, pqcha_sig_alg_name(rep->signer_alg));
    PQCHA__JSON_PUT_LITERAL(w, ",\"keyId\":");
    pqcha__json_put_string(w, rep->signer_key_id);
    PQCHA__JSON_PUT_LITERAL(w, "}");
}

static void write_predicate(pqcha__json_writer *w, const pqcha_report *rep) {
    PQCHA__JSON_PUT_LITERAL(w, "{\"evidence\":");
    write_evidence(w, rep->evidence);
    PQCHA__JSON_PUT_LITERAL(w, ",\"expiresAt\":");
    put_time(w, rep->expires_at);
    PQCHA__JSON_PUT_LITERAL(w, ",\"issuedAt\":");
    put_time(w, rep->issued_at);
    PQCHA__JSON_PUT_LITERAL(w, ",\"nonce\":");
    pqcha__json_put_string(w, rep->nonce_hex);
    PQCHA__JSON_PUT_LITERAL(w, ",\"platform\":");
    pqcha__json_put_string(w, rep->platform);
    PQCHA__JSON_PUT_LITERAL(w, ",\"regions\":");
    write_claims(w, rep, write_region);
    PQCHA__JSON_PUT_LITERAL(w, ",\"reportId\":");
    pqcha__json_put_string(w, rep->report_id);
    PQCHA__JSON_PUT_LITERAL(w, ",\"sequence\":");
    pqcha__json_put_int(w, (int64_t)rep->sequence);
    PQCHA__JSON_PUT_LITERAL(w, ",\"signer\":");
    write_signer(w, rep);
    PQCHA__JSON_PUT_LITERAL(w, ",\"workloadId\":");
    pqcha__json_put_string(w, rep->workload_id);
    PQCHA__JSON_PUT_LITERAL(w, "}");
}

static void write_statement(pqcha__json_writer *w, const pqcha_report *rep) {
    PQCHA__JSON_PUT_LITERAL(w, "{\"_type\":");
    pqcha__json_put_string(w, PQCHA_STATEMENT_TYPE);
    PQCHA__JSON_PUT_LITERAL(w, ",\"predicate\":");
    write_predicate(w, rep);
    PQCHA__JSON_PUT_LITERAL(w, ",\"predicateType\":");
    pqcha__json_put_string(w, PQCHA_PREDICATE_TYPE);
    PQCHA__JSON_PUT_LITERAL(w, ",\"subject\":");
    write_claims(w, rep, write_subject);
    PQCHA__JSON_PUT_LITERAL(w, "}");
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
    pqcha__json_writer w;
    pqcha__json_writer_init(&w, PQCHA__JSON_TEXT_UTF8, size_guess(rep));
    write_statement(&w, rep);
    return pqcha__json_writer_finish(&w, out, out_len);
}
