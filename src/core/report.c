/* report.c — the report model, and the in-toto Statement that carries it
 * (docs/FORMAT.md section 4): a canonical encoder and a strict decoder that
 * enforces every rule of the format with the error code it names. */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "core/tensor.h"
#include "encoding.h"
#include "internal.h"
#include "parhash.h"
#include "reader.h"
#include "report_internal.h"
#include "statement_write.h"

#define REPORT_ID_PREFIX       "urn:uuid:"
#define REPORT_ID_PREFIX_LEN   9
#define UUID_TEXT_LEN          36
#define KEY_ID_BYTES           (PQCHA_KEY_ID_HEX_LEN / 2)
#define MAX_ADDRESS_HEX_DIGITS 16
#define INITIAL_CLAIM_CAP      8

/* ======================================================================
 * The model
 * ====================================================================== */

pqcha_err pqcha__report_new(pqcha_report **out) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = calloc(1, sizeof **out);
    return *out ? PQCHA_OK : PQCHA_ERR_NO_MEMORY;
}

pqcha_err pqcha__report_set_string(char **field, const char *value) {
    if (field == NULL || value == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    char *copy = pqcha__strdup(value);
    if (copy == NULL) return PQCHA_ERR_NO_MEMORY;
    free(*field);
    *field = copy;
    return PQCHA_OK;
}

static pqcha_err reserve_claim(pqcha_report *rep) {
    return pqcha__grow(&rep->claims, &rep->claim_cap, rep->claim_count + 1, sizeof *rep->claims,
                       PQCHA_MAX_REGIONS);
}

/* Re-creating the region through pqcha_region_create applies every region
 * rule (identifier, description, extent, protection) to whatever the
 * caller built, so a report only ever holds encodable claims. */
static pqcha_err validated_region_copy(pqcha_region *dst, const pqcha_region *src) {
    pqcha_region *checked = NULL;
    PQCHA_TRY(pqcha_region_create(&checked, src->id, src->description, src->address, src->size,
                                  src->protection));
    pqcha_err err = PQCHA_OK;
    if (src->mapped_file != NULL) /* applies the mapping's rules too */
        err = pqcha_region_set_mapping(checked, src->mapped_file, src->file_offset);
    if (err == PQCHA_OK && src->file_deleted) err = pqcha_region_set_file_deleted(checked, 1);
    /* The tensor table is how the attester cut the region; the claim keeps
     * the resulting segments instead (pqcha__report_set_claim_segments). */
    if (err != PQCHA_OK) {
        pqcha_region_free(checked);
        return err;
    }
    *dst = *checked; /* takes over the strings */
    free(checked);
    return PQCHA_OK;
}

/* Fills the claim around an already validated region, which it takes over
 * (also on error). */
static pqcha_err append_claim(pqcha_report *rep, pqcha_region *validated, pqcha_digest_alg alg,
                              const uint8_t *digest, size_t digest_len, int64_t taken_at,
                              const char *expected_hex) {
    pqcha__claim claim;
    memset(&claim, 0, sizeof claim);
    claim.region = *validated;
    if (expected_hex != NULL && (claim.expected_hex = pqcha__strdup(expected_hex)) == NULL) {
        pqcha__region_clear(&claim.region);
        return PQCHA_ERR_NO_MEMORY;
    }
    claim.digest_alg = alg;
    memcpy(claim.digest, digest, digest_len);
    claim.digest_len = digest_len;
    pqcha_hex_encode(claim.digest_hex, digest, digest_len);
    claim.taken_at = taken_at;
    rep->claims[rep->claim_count++] = claim;
    return PQCHA_OK;
}

/* What both ways of adding a claim check before the region is touched. */
static pqcha_err claim_arguments_check(pqcha_report *rep, pqcha_digest_alg alg, size_t digest_len,
                                       const char *expected_hex) {
    size_t alg_len = pqcha_digest_alg_length(alg);
    if (alg_len == 0 || alg_len > PQCHA_MAX_DIGEST_LEN) return PQCHA_ERR_UNSUPPORTED_ALGORITHM;
    if (digest_len != alg_len) return PQCHA_ERR_INVALID_ARGUMENT;
    if (expected_hex != NULL) PQCHA_TRY(pqcha__hex_check(expected_hex, alg_len, alg_len));
    return reserve_claim(rep);
}

pqcha_err pqcha__report_add_claim(pqcha_report *rep, const pqcha_region *region,
                                  pqcha_digest_alg alg, const uint8_t *digest, size_t digest_len,
                                  int64_t taken_at, const char *expected_hex) {
    if (rep == NULL || region == NULL || digest == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    PQCHA_TRY(claim_arguments_check(rep, alg, digest_len, expected_hex));
    pqcha_region copy;
    PQCHA_TRY(validated_region_copy(&copy, region));
    return append_claim(rep, &copy, alg, digest, digest_len, taken_at, expected_hex);
}

pqcha_err pqcha__report_take_claim(pqcha_report *rep, pqcha_region **region, pqcha_digest_alg alg,
                                   const uint8_t *digest, size_t digest_len, int64_t taken_at,
                                   const char *expected_hex) {
    if (region == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha_region *taken = *region;
    *region = NULL;
    pqcha_err err = PQCHA_ERR_INVALID_ARGUMENT;
    if (rep != NULL && taken != NULL && digest != NULL && taken->tensor_count == 0)
        err = claim_arguments_check(rep, alg, digest_len, expected_hex);
    if (err == PQCHA_OK)
        err = append_claim(rep, taken, alg, digest, digest_len, taken_at, expected_hex);
    else
        pqcha__region_clear(taken);
    free(taken);
    return err;
}

pqcha_err pqcha__report_set_claim_nodes(pqcha_report *rep, size_t i, unsigned level,
                                        const uint8_t *nodes, size_t count) {
    if (rep == NULL || i >= rep->claim_count || nodes == NULL || count == 0)
        return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha__claim *c = &rep->claims[i];
    if (c->digest_alg != PQCHA_DIGEST_SHA3_256_TREE || c->node_count != 0)
        return PQCHA_ERR_INCONSISTENT_CLAIMS;
    if (c->digest_len != PQCHA_SHA3_256_LEN) return PQCHA_ERR_INCONSISTENT_CLAIMS;
    PQCHA_TRY(pqcha__tree_nodes_check(nodes, count, level, c->region.size, c->digest));
    c->nodes = malloc(count * sizeof c->nodes[0]);
    if (c->nodes == NULL) return PQCHA_ERR_NO_MEMORY;
    memcpy(c->nodes, nodes, count * sizeof c->nodes[0]);
    c->node_level = level;
    c->node_count = count;
    return PQCHA_OK;
}

pqcha_err pqcha__report_set_claim_segments(pqcha_report *rep, size_t i,
                                           const pqcha__segment *segments, size_t count) {
    if (rep == NULL || i >= rep->claim_count || segments == NULL || count == 0)
        return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha__claim *c = &rep->claims[i];
    if (c->digest_alg != PQCHA_DIGEST_SHA3_256_SEGMENTS || c->segment_count != 0 ||
        c->region.mapped_file == NULL)
        return PQCHA_ERR_INCONSISTENT_CLAIMS;
    PQCHA_TRY(pqcha__segments_check(segments, count, c->region.file_offset, c->region.size));
    uint8_t root[PQCHA_SHA3_256_LEN];
    PQCHA_TRY(pqcha__segments_root(segments, count, c->region.size, root));
    if (c->digest_len != PQCHA_SHA3_256_LEN || memcmp(root, c->digest, PQCHA_SHA3_256_LEN) != 0)
        return PQCHA_ERR_INCONSISTENT_CLAIMS;
    PQCHA_TRY(pqcha__segments_copy(&c->segments, segments, count));
    c->segment_count = count;
    return PQCHA_OK;
}

pqcha_err pqcha__report_new_id(char **out) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    uint8_t b[16];
    PQCHA_TRY(pqcha__random(b, sizeof b));
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4: random */
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    char hex[33];
    pqcha_hex_encode(hex, b, sizeof b);
    char id[REPORT_ID_PREFIX_LEN + UUID_TEXT_LEN + 1];
    snprintf(id, sizeof id, "%s%.8s-%.4s-%.4s-%.4s-%.12s", REPORT_ID_PREFIX, hex, hex + 8, hex + 12,
             hex + 16, hex + 20);
    *out = pqcha__strdup(id);
    return *out ? PQCHA_OK : PQCHA_ERR_NO_MEMORY;
}

/* ---- public accessors ---- */

size_t pqcha_report_region_count(const pqcha_report *rep) {
    return rep ? rep->claim_count : 0;
}

const char *pqcha_report_id(const pqcha_report *rep) {
    return rep ? rep->report_id : NULL;
}

const char *pqcha_report_workload_id(const pqcha_report *rep) {
    return rep ? rep->workload_id : NULL;
}

const char *pqcha_report_platform(const pqcha_report *rep) {
    return rep ? rep->platform : NULL;
}

const char *pqcha_report_signer_key_id(const pqcha_report *rep) {
    return rep ? rep->signer_key_id : NULL;
}

pqcha_sig_alg pqcha_report_signer_algorithm(const pqcha_report *rep) {
    return rep ? rep->signer_alg : (pqcha_sig_alg)0;
}

const char *pqcha_report_nonce(const pqcha_report *rep) {
    return rep ? rep->nonce_hex : NULL;
}

uint64_t pqcha_report_sequence(const pqcha_report *rep) {
    return rep ? rep->sequence : 0;
}

int64_t pqcha_report_issued_at(const pqcha_report *rep) {
    return rep ? rep->issued_at : 0;
}

int64_t pqcha_report_expires_at(const pqcha_report *rep) {
    return rep ? rep->expires_at : 0;
}

static const pqcha__claim *claim_at(const pqcha_report *rep, size_t i) {
    return rep != NULL && i < rep->claim_count ? &rep->claims[i] : NULL;
}

const pqcha_region *pqcha_report_region(const pqcha_report *rep, size_t i) {
    const pqcha__claim *c = claim_at(rep, i);
    return c ? &c->region : NULL;
}

const char *pqcha_report_region_digest_hex(const pqcha_report *rep, size_t i) {
    const pqcha__claim *c = claim_at(rep, i);
    return c ? c->digest_hex : NULL;
}

pqcha_digest_alg pqcha_report_region_digest_alg(const pqcha_report *rep, size_t i) {
    const pqcha__claim *c = claim_at(rep, i);
    return c ? c->digest_alg : (pqcha_digest_alg)0;
}

int64_t pqcha_report_region_taken_at(const pqcha_report *rep, size_t i) {
    const pqcha__claim *c = claim_at(rep, i);
    return c ? c->taken_at : 0;
}

const char *pqcha_report_region_expected_hex(const pqcha_report *rep, size_t i) {
    const pqcha__claim *c = claim_at(rep, i);
    return c ? c->expected_hex : NULL;
}

void pqcha_report_free(pqcha_report *rep) {
    if (rep == NULL) return;
    for (size_t i = 0; i < rep->claim_count; i++) {
        pqcha__region_clear(&rep->claims[i].region);
        free(rep->claims[i].expected_hex);
        free(rep->claims[i].nodes);
        pqcha__segments_free(rep->claims[i].segments, rep->claims[i].segment_count);
    }
    free(rep->claims);
    free(rep->report_id);
    free(rep->workload_id);
    free(rep->platform);
    free(rep->nonce_hex);
    pqcha__report_evidence_free(rep->evidence);
    free(rep);
}

/* ======================================================================
 * Field rules shared by the encoder and the decoder
 * ====================================================================== */

/* "urn:uuid:" + 8-4-4-4-12 lowercase hex. */
pqcha_err pqcha__report_id_check(const char *id) {
    if (id == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha__reader r;
    pqcha__reader_init(&r, id, strlen(id));
    const uint8_t *prefix;
    if (!pqcha__reader_bytes(&r, REPORT_ID_PREFIX_LEN, &prefix) ||
        memcmp(prefix, REPORT_ID_PREFIX, REPORT_ID_PREFIX_LEN) != 0)
        return PQCHA_ERR_MALFORMED;
    static const size_t group_lengths[5] = {8, 4, 4, 4, 12};
    for (size_t g = 0; g < 5; g++) {
        if (g > 0 && !pqcha__reader_expect(&r, '-')) return PQCHA_ERR_MALFORMED;
        for (size_t i = 0; i < group_lengths[g]; i++) {
            uint8_t c;
            if (!pqcha__reader_byte(&r, &c) || !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
                return PQCHA_ERR_MALFORMED;
        }
    }
    return pqcha__reader_at_end(&r) ? PQCHA_OK : PQCHA_ERR_MALFORMED;
}

pqcha_err pqcha__report_nonce_check(const char *nonce_hex) {
    return pqcha__hex_check(nonce_hex, PQCHA_MIN_NONCE_BYTES, PQCHA_MAX_NONCE_BYTES);
}

pqcha_err pqcha__report_key_id_check(const char *key_id) {
    return pqcha__hex_check(key_id, KEY_ID_BYTES, KEY_ID_BYTES);
}

/* "0x" + lowercase hex without leading zeros ("0x0" for zero), <= 64 bits. */
pqcha_err pqcha__report_address_parse(uint64_t *out, const char *text) {
    pqcha__reader r;
    pqcha__reader_init(&r, text, strlen(text));
    if (!pqcha__reader_expect(&r, '0') || !pqcha__reader_expect(&r, 'x')) return PQCHA_ERR_BAD_HEX;
    size_t digits = pqcha__reader_remaining(&r);
    if (digits == 0 || digits > MAX_ADDRESS_HEX_DIGITS) return PQCHA_ERR_BAD_HEX;
    if (digits > 1 && r.data[r.pos] == '0') return PQCHA_ERR_BAD_HEX;
    uint64_t value = 0;
    uint8_t c;
    while (pqcha__reader_byte(&r, &c)) {
        unsigned v;
        if (c >= '0' && c <= '9')
            v = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v = (unsigned)(c - 'a' + 10);
        else
            return PQCHA_ERR_BAD_HEX;
        value = (value << 4) | v;
    }
    *out = value;
    return PQCHA_OK;
}

/* ======================================================================
 * Encoder
 * ====================================================================== */

/* The report-level fields, checked with the decoder's rules so that the
 * encoder never signs a statement the decoder would refuse. */
static pqcha_err check_report_fields(const pqcha_report *rep) {
    if (rep->report_id == NULL || rep->workload_id == NULL || rep->platform == NULL ||
        rep->nonce_hex == NULL)
        return PQCHA_ERR_INVALID_ARGUMENT;
    if (rep->claim_count == 0) return PQCHA_ERR_EMPTY_REPORT;
    PQCHA_TRY(pqcha__report_id_check(rep->report_id));
    PQCHA_TRY(pqcha_identifier_check(rep->workload_id));
    PQCHA_TRY(pqcha_identifier_check(rep->platform));
    PQCHA_TRY(pqcha__report_key_id_check(rep->signer_key_id));
    if (pqcha_sig_alg_name(rep->signer_alg) == NULL) return PQCHA_ERR_UNSUPPORTED_ALGORITHM;
    PQCHA_TRY(pqcha__report_nonce_check(rep->nonce_hex));
    if (rep->sequence > PQCHA_MAX_SAFE_INTEGER) return PQCHA_ERR_OUT_OF_RANGE;
    if (rep->expires_at < rep->issued_at) return PQCHA_ERR_INCONSISTENT_CLAIMS;
    for (size_t i = 0; i < rep->claim_count; i++) {
        const pqcha__claim *c = &rep->claims[i];
        if (c->taken_at > rep->issued_at) return PQCHA_ERR_INCONSISTENT_CLAIMS;
        if ((c->digest_alg == PQCHA_DIGEST_SHA3_256_SEGMENTS) != (c->segment_count > 0))
            return PQCHA_ERR_INCONSISTENT_CLAIMS; /* segments exactly for that algorithm */
    }
    return PQCHA_OK;
}

pqcha_err pqcha__statement_encode(char **out, size_t *out_len, const pqcha_report *rep) {
    size_t len = 0;
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (out_len) *out_len = 0;
    if (rep == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    PQCHA_TRY(check_report_fields(rep));
    pqcha_err err = pqcha__statement_write(out, &len, rep);
    if (err == PQCHA_OK && len > PQCHA_MAX_PAYLOAD_LEN) {
        free(*out);
        *out = NULL;
        return PQCHA_ERR_TOO_LARGE;
    }
    if (out_len) *out_len = len;
    return err;
}
