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
#include "json.h"
#include "parhash.h"
#include "reader.h"
#include "report_internal.h"

#define REPORT_ID_PREFIX       "urn:uuid:"
#define REPORT_ID_PREFIX_LEN   9
#define UUID_TEXT_LEN          36
#define KEY_ID_BYTES           (PQCHA_KEY_ID_HEX_LEN / 2)
#define MAX_ADDRESS_HEX_DIGITS 16
#define INITIAL_CLAIM_CAP      8
#define MAX_MAPPED_FILE_LEN    4096u /* as pqcha_region_set_mapping */

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

pqcha_err pqcha__report_add_claim(pqcha_report *rep, const pqcha_region *region,
                                  pqcha_digest_alg alg, const uint8_t *digest, size_t digest_len,
                                  int64_t taken_at, const char *expected_hex) {
    if (rep == NULL || region == NULL || digest == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    size_t alg_len = pqcha_digest_alg_length(alg);
    if (alg_len == 0 || alg_len > PQCHA_MAX_DIGEST_LEN) return PQCHA_ERR_UNSUPPORTED_ALGORITHM;
    if (digest_len != alg_len) return PQCHA_ERR_INVALID_ARGUMENT;
    if (expected_hex != NULL) PQCHA_TRY(pqcha__hex_check(expected_hex, alg_len, alg_len));
    PQCHA_TRY(reserve_claim(rep));

    pqcha__claim claim;
    memset(&claim, 0, sizeof claim);
    PQCHA_TRY(validated_region_copy(&claim.region, region));
    if (expected_hex != NULL) {
        claim.expected_hex = pqcha__strdup(expected_hex);
        if (claim.expected_hex == NULL) {
            pqcha__region_clear(&claim.region);
            return PQCHA_ERR_NO_MEMORY;
        }
    }
    claim.digest_alg = alg;
    memcpy(claim.digest, digest, digest_len);
    claim.digest_len = digest_len;
    pqcha_hex_encode(claim.digest_hex, digest, digest_len);
    claim.taken_at = taken_at;
    rep->claims[rep->claim_count++] = claim;
    return PQCHA_OK;
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
static pqcha_err report_id_check(const char *id) {
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

static pqcha_err nonce_check(const char *nonce_hex) {
    return pqcha__hex_check(nonce_hex, PQCHA_MIN_NONCE_BYTES, PQCHA_MAX_NONCE_BYTES);
}

static pqcha_err key_id_check(const char *key_id) {
    return pqcha__hex_check(key_id, KEY_ID_BYTES, KEY_ID_BYTES);
}

/* "0x" + lowercase hex without leading zeros ("0x0" for zero), <= 64 bits. */
static pqcha_err address_parse(uint64_t *out, const char *text) {
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

/* Adds value under key; json_object_set_new takes the reference even when
 * it fails, and a NULL value means the constructor ran out of memory. */
static pqcha_err put(json_t *obj, const char *key, json_t *value) {
    if (value == NULL) return PQCHA_ERR_NO_MEMORY;
    return json_object_set_new(obj, key, value) == 0 ? PQCHA_OK : PQCHA_ERR_NO_MEMORY;
}

static pqcha_err append(json_t *array, json_t *value) {
    if (value == NULL) return PQCHA_ERR_NO_MEMORY;
    return json_array_append_new(array, value) == 0 ? PQCHA_OK : PQCHA_ERR_NO_MEMORY;
}

static pqcha_err put_string(json_t *obj, const char *key, const char *value) {
    return put(obj, key, json_string(value));
}

static pqcha_err put_time(json_t *obj, const char *key, int64_t unix_seconds) {
    char text[PQCHA_TIMESTAMP_LEN + 1];
    PQCHA_TRY(pqcha_time_format(text, unix_seconds));
    return put_string(obj, key, text);
}

/* The report-level fields, checked with the decoder's rules so that the
 * encoder never signs a statement the decoder would refuse. */
static pqcha_err check_report_fields(const pqcha_report *rep) {
    if (rep->report_id == NULL || rep->workload_id == NULL || rep->platform == NULL ||
        rep->nonce_hex == NULL)
        return PQCHA_ERR_INVALID_ARGUMENT;
    if (rep->claim_count == 0) return PQCHA_ERR_EMPTY_REPORT;
    PQCHA_TRY(report_id_check(rep->report_id));
    PQCHA_TRY(pqcha_identifier_check(rep->workload_id));
    PQCHA_TRY(pqcha_identifier_check(rep->platform));
    PQCHA_TRY(key_id_check(rep->signer_key_id));
    if (pqcha_sig_alg_name(rep->signer_alg) == NULL) return PQCHA_ERR_UNSUPPORTED_ALGORITHM;
    PQCHA_TRY(nonce_check(rep->nonce_hex));
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

static pqcha_err encode_subject(json_t *subjects, const pqcha__claim *c) {
    const char *alg_name = pqcha_digest_alg_name(c->digest_alg);
    if (alg_name == NULL) return PQCHA_ERR_UNSUPPORTED_ALGORITHM;
    json_t *subject = json_object();
    json_t *digest = json_object();
    pqcha_err err = subject && digest ? PQCHA_OK : PQCHA_ERR_NO_MEMORY;
    if (err == PQCHA_OK) err = put_string(digest, alg_name, c->digest_hex);
    if (err == PQCHA_OK) {
        err = put(subject, "digest", digest);
        digest = NULL; /* owned by subject now, even on failure */
    }
    if (err == PQCHA_OK) err = put_string(subject, "name", c->region.id);
    json_decref(digest);
    if (err != PQCHA_OK) {
        json_decref(subject);
        return err;
    }
    return append(subjects, subject);
}

/* "mapping": {"file": <path>, "offset": <file offset>} */
static pqcha_err encode_mapping(json_t *obj, const pqcha_region *r) {
    json_t *mapping = json_object();
    if (mapping == NULL) return PQCHA_ERR_NO_MEMORY;
    pqcha_err err = put_string(mapping, "file", r->mapped_file);
    if (err == PQCHA_OK) err = put(mapping, "offset", json_integer((json_int_t)r->file_offset));
    if (err == PQCHA_OK && r->file_deleted) err = put(mapping, "deleted", json_true());
    if (err != PQCHA_OK) {
        json_decref(mapping);
        return err;
    }
    return put(obj, "mapping", mapping);
}

/* "nodes": {"level": k, "digests": ["<64 hex>", ...]} */
static pqcha_err encode_nodes(json_t *obj, const pqcha__claim *c) {
    json_t *nodes = json_object();
    json_t *digests = json_array();
    pqcha_err err = nodes && digests ? PQCHA_OK : PQCHA_ERR_NO_MEMORY;
    for (size_t i = 0; err == PQCHA_OK && i < c->node_count; i++) {
        char hex[2 * PQCHA_SHA3_256_LEN + 1];
        pqcha_hex_encode(hex, c->nodes[i], PQCHA_SHA3_256_LEN);
        err = append(digests, json_string(hex));
    }
    if (err == PQCHA_OK) err = put(nodes, "level", json_integer((json_int_t)c->node_level));
    if (err == PQCHA_OK) {
        err = put(nodes, "digests", digests);
        digests = NULL; /* owned by nodes now, even on failure */
    }
    json_decref(digests);
    if (err != PQCHA_OK) {
        json_decref(nodes);
        return err;
    }
    return put(obj, "nodes", nodes);
}

/* "segments": [{"offset", "size", "digest", "tensor"?}, ...] */
static pqcha_err encode_segment(json_t *list, const pqcha__segment *seg) {
    json_t *obj = json_object();
    if (obj == NULL) return PQCHA_ERR_NO_MEMORY;
    char hex[2 * PQCHA_SHA3_256_LEN + 1];
    pqcha_hex_encode(hex, seg->digest, PQCHA_SHA3_256_LEN);
    pqcha_err err = put(obj, "offset", json_integer((json_int_t)seg->offset));
    if (err == PQCHA_OK) err = put(obj, "size", json_integer((json_int_t)seg->size));
    if (err == PQCHA_OK) err = put_string(obj, "digest", hex);
    if (err == PQCHA_OK && seg->tensor != NULL) err = put_string(obj, "tensor", seg->tensor);
    if (err != PQCHA_OK) {
        json_decref(obj);
        return err;
    }
    return append(list, obj);
}

static pqcha_err encode_segments(json_t *obj, const pqcha__claim *c) {
    json_t *list = json_array();
    if (list == NULL) return PQCHA_ERR_NO_MEMORY;
    pqcha_err err = PQCHA_OK;
    for (size_t i = 0; err == PQCHA_OK && i < c->segment_count; i++)
        err = encode_segment(list, &c->segments[i]);
    if (err != PQCHA_OK) {
        json_decref(list);
        return err;
    }
    return put(obj, "segments", list);
}

static pqcha_err fill_region(json_t *obj, const pqcha__claim *c) {
    char address[2 + MAX_ADDRESS_HEX_DIGITS + 1];
    snprintf(address, sizeof address, "0x%" PRIx64, c->region.address);
    PQCHA_TRY(put_string(obj, "id", c->region.id));
    PQCHA_TRY(put_string(obj, "description", c->region.description));
    PQCHA_TRY(put_string(obj, "address", address));
    PQCHA_TRY(put(obj, "size", json_integer((json_int_t)c->region.size)));
    const char *protection = pqcha_protection_name(c->region.protection);
    if (protection == NULL) return PQCHA_ERR_BAD_PROTECTION;
    PQCHA_TRY(put_string(obj, "protection", protection));
    PQCHA_TRY(put_string(obj, "digestAlgorithm", pqcha_digest_alg_name(c->digest_alg)));
    PQCHA_TRY(put_time(obj, "takenAt", c->taken_at));
    if (c->expected_hex != NULL) PQCHA_TRY(put_string(obj, "expectedDigest", c->expected_hex));
    if (c->region.mapped_file != NULL) PQCHA_TRY(encode_mapping(obj, &c->region));
    if (c->node_count > 0) PQCHA_TRY(encode_nodes(obj, c));
    if (c->segment_count > 0) PQCHA_TRY(encode_segments(obj, c));
    return PQCHA_OK;
}

static pqcha_err encode_region(json_t *regions, const pqcha__claim *c) {
    json_t *obj = json_object();
    if (obj == NULL) return PQCHA_ERR_NO_MEMORY;
    pqcha_err err = fill_region(obj, c);
    if (err != PQCHA_OK) {
        json_decref(obj);
        return err;
    }
    return append(regions, obj);
}

static pqcha_err fill_signer(json_t *obj, const pqcha_report *rep) {
    PQCHA_TRY(put_string(obj, "keyId", rep->signer_key_id));
    return put_string(obj, "algorithm", pqcha_sig_alg_name(rep->signer_alg));
}

static pqcha_err fill_predicate(json_t *pred, json_t *regions, const pqcha_report *rep) {
    PQCHA_TRY(put_string(pred, "reportId", rep->report_id));
    PQCHA_TRY(put_string(pred, "workloadId", rep->workload_id));
    PQCHA_TRY(put_string(pred, "platform", rep->platform));
    json_t *signer = json_object();
    if (signer == NULL) return PQCHA_ERR_NO_MEMORY;
    pqcha_err err = fill_signer(signer, rep);
    if (err != PQCHA_OK) {
        json_decref(signer);
        return err;
    }
    PQCHA_TRY(put(pred, "signer", signer));
    PQCHA_TRY(put_string(pred, "nonce", rep->nonce_hex));
    PQCHA_TRY(put(pred, "sequence", json_integer((json_int_t)rep->sequence)));
    PQCHA_TRY(put_time(pred, "issuedAt", rep->issued_at));
    PQCHA_TRY(put_time(pred, "expiresAt", rep->expires_at));
    PQCHA_TRY(put(pred, "regions", json_incref(regions)));
    json_t *evidence = NULL;
    PQCHA_TRY(pqcha__report_evidence_encode(&evidence, rep));
    return put(pred, "evidence", evidence);
}

static pqcha_err build_statement(json_t *root, const pqcha_report *rep) {
    json_t *subjects = json_array();
    json_t *regions = json_array();
    json_t *pred = json_object();
    pqcha_err err = subjects && regions && pred ? PQCHA_OK : PQCHA_ERR_NO_MEMORY;
    for (size_t i = 0; err == PQCHA_OK && i < rep->claim_count; i++) {
        err = encode_subject(subjects, &rep->claims[i]);
        if (err == PQCHA_OK) err = encode_region(regions, &rep->claims[i]);
    }
    if (err == PQCHA_OK) err = fill_predicate(pred, regions, rep);
    if (err == PQCHA_OK) err = put_string(root, "_type", PQCHA_STATEMENT_TYPE);
    if (err == PQCHA_OK) err = put_string(root, "predicateType", PQCHA_PREDICATE_TYPE);
    if (err == PQCHA_OK) err = put(root, "subject", json_incref(subjects));
    if (err == PQCHA_OK) err = put(root, "predicate", json_incref(pred));
    json_decref(subjects);
    json_decref(regions);
    json_decref(pred);
    return err;
}

pqcha_err pqcha__statement_encode_unchecked(char **out, size_t *out_len, const pqcha_report *rep) {
    if (out == NULL || out_len == NULL || rep == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    json_t *root = json_object();
    if (root == NULL) return PQCHA_ERR_NO_MEMORY;
    pqcha_err err = build_statement(root, rep);
    if (err == PQCHA_OK) err = pqcha__json_dump(out, out_len, root, PQCHA__JSON_COMPACT);
    json_decref(root);
    return err;
}

pqcha_err pqcha__statement_encode(char **out, size_t *out_len, const pqcha_report *rep) {
    size_t len = 0;
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (out_len) *out_len = 0;
    if (rep == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    PQCHA_TRY(check_report_fields(rep));
    pqcha_err err = pqcha__statement_encode_unchecked(out, &len, rep);
    if (err == PQCHA_OK && len > PQCHA_MAX_PAYLOAD_LEN) {
        free(*out);
        *out = NULL;
        return PQCHA_ERR_TOO_LARGE;
    }
    if (out_len) *out_len = len;
    return err;
}

/* ======================================================================
 * Decoder
 * ====================================================================== */

static const char *const statement_fields[] = {"_type", "predicateType", "subject", "predicate",
                                               NULL};
static const char *const predicate_fields[] = {"reportId", "workloadId", "platform", "signer",
                                               "nonce",    "sequence",   "issuedAt", "expiresAt",
                                               "regions",  "evidence",   NULL};
static const char *const signer_fields[] = {"keyId", "algorithm", NULL};
static const char *const region_fields[] = {"id",         "description",     "address", "size",
                                            "protection", "digestAlgorithm", "takenAt", NULL};
static const char *const region_optional_fields[] = {"expectedDigest", "mapping", "nodes",
                                                     "segments", NULL};
static const char *const mapping_fields[] = {"file", "offset", NULL};
static const char *const mapping_optional_fields[] = {"deleted", NULL};
static const char *const segment_fields[] = {"offset", "size", "digest", NULL};
static const char *const segment_optional_fields[] = {"tensor", NULL};
static const char *const nodes_fields[] = {"level", "digests", NULL};
static const char *const subject_fields[] = {"name", "digest", NULL};

static const char *string_of(const json_t *obj, const char *key, pqcha_err *err) {
    const char *value = NULL;
    *err = pqcha__json_string(obj, key, SIZE_MAX, &value);
    return *err == PQCHA_OK ? value : NULL;
}

static pqcha_err expect_constant(const json_t *obj, const char *key, const char *expected) {
    pqcha_err err;
    const char *value = string_of(obj, key, &err);
    if (value == NULL) return err;
    return strcmp(value, expected) == 0 ? PQCHA_OK : PQCHA_ERR_BAD_STATEMENT_TYPE;
}

static pqcha_err decode_time(const json_t *obj, const char *key, int64_t *out) {
    pqcha_err err;
    const char *text = string_of(obj, key, &err);
    if (text == NULL) return err;
    return pqcha_time_parse(out, text);
}

/* A string field that must pass check before being copied into *field. */
static pqcha_err decode_checked_string(const json_t *obj, const char *key,
                                       pqcha_err (*check)(const char *), char **field) {
    pqcha_err err;
    const char *value = string_of(obj, key, &err);
    if (value == NULL) return err;
    PQCHA_TRY(check(value));
    return pqcha__report_set_string(field, value);
}

static pqcha_err decode_signer(pqcha_report *rep, const json_t *pred) {
    json_t *signer;
    PQCHA_TRY(pqcha__json_object(pred, "signer", &signer));
    PQCHA_TRY(pqcha__json_check_fields(signer, signer_fields, NULL));
    pqcha_err err;
    const char *key_id = string_of(signer, "keyId", &err);
    if (key_id == NULL) return err;
    PQCHA_TRY(key_id_check(key_id));
    const char *algorithm = string_of(signer, "algorithm", &err);
    if (algorithm == NULL) return err;
    PQCHA_TRY(pqcha_sig_alg_parse(&rep->signer_alg, algorithm));
    memcpy(rep->signer_key_id, key_id, PQCHA_KEY_ID_HEX_LEN + 1);
    return PQCHA_OK;
}

/* Hardware evidence (report_evidence.c). */
static pqcha_err decode_evidence(pqcha_report *rep, const json_t *pred) {
    json_t *evidence;
    PQCHA_TRY(pqcha__json_array(pred, "evidence", SIZE_MAX, &evidence));
    return pqcha__report_evidence_decode(rep, evidence);
}

/* Everything in the predicate except the regions, which are returned. */
static pqcha_err decode_predicate(pqcha_report *rep, const json_t *pred, json_t **regions) {
    PQCHA_TRY(pqcha__json_check_fields(pred, predicate_fields, NULL));
    PQCHA_TRY(decode_checked_string(pred, "reportId", report_id_check, &rep->report_id));
    PQCHA_TRY(decode_checked_string(pred, "workloadId", pqcha_identifier_check, &rep->workload_id));
    PQCHA_TRY(decode_checked_string(pred, "platform", pqcha_identifier_check, &rep->platform));
    PQCHA_TRY(decode_signer(rep, pred));
    PQCHA_TRY(decode_checked_string(pred, "nonce", nonce_check, &rep->nonce_hex));
    PQCHA_TRY(pqcha__json_uint(pred, "sequence", PQCHA_MAX_SAFE_INTEGER, &rep->sequence));
    PQCHA_TRY(decode_time(pred, "issuedAt", &rep->issued_at));
    PQCHA_TRY(decode_time(pred, "expiresAt", &rep->expires_at));
    if (rep->expires_at < rep->issued_at) return PQCHA_ERR_INCONSISTENT_CLAIMS;
    PQCHA_TRY(pqcha__json_array(pred, "regions", PQCHA_MAX_REGIONS, regions));
    return decode_evidence(rep, pred);
}

/* One decoded predicate.regions[i], before it is paired with its subject. */
typedef struct region_fields_decoded {
    pqcha_region *region;
    pqcha_digest_alg alg;
    const char *alg_name;
    int64_t taken_at;
    const char *expected_hex; /* borrowed from the JSON tree, may be NULL */
    uint64_t node_level;
    size_t node_count;        /* 0: no "nodes" */
    uint8_t *nodes;           /* node_count * 32 bytes, owned */
    pqcha__segment *segments; /* owned; segment_count 0: no "segments" */
    size_t segment_count;
} region_fields_decoded;

static pqcha_err decode_expected_digest(const json_t *obj, size_t digest_len, const char **out) {
    *out = NULL;
    if (json_object_get(obj, "expectedDigest") == NULL) return PQCHA_OK;
    pqcha_err err;
    const char *hex = string_of(obj, "expectedDigest", &err);
    if (hex == NULL) return err;
    PQCHA_TRY(pqcha__hex_check(hex, digest_len, digest_len));
    *out = hex;
    return PQCHA_OK;
}

/* "mapping": a clean, non-empty path of at most 4096 bytes and a file
 * offset of at most 2^53-1, set on the region. */
static pqcha_err decode_mapping(pqcha_region *region, const json_t *obj) {
    if (json_object_get(obj, "mapping") == NULL) return PQCHA_OK;
    json_t *mapping;
    PQCHA_TRY(pqcha__json_object(obj, "mapping", &mapping));
    PQCHA_TRY(pqcha__json_check_fields(mapping, mapping_fields, mapping_optional_fields));
    const char *file = NULL;
    uint64_t offset = 0;
    PQCHA_TRY(pqcha__json_string(mapping, "file", MAX_MAPPED_FILE_LEN, &file));
    PQCHA_TRY(pqcha__json_uint(mapping, "offset", PQCHA_MAX_SAFE_INTEGER, &offset));
    if (file[0] == '\0' || strlen(file) != json_string_length(json_object_get(mapping, "file")))
        return PQCHA_ERR_BAD_IDENTIFIER; /* empty, or an embedded NUL */
    int deleted = 0;
    if (json_object_get(mapping, "deleted") != NULL) {
        PQCHA_TRY(pqcha__json_bool(mapping, "deleted", &deleted));
        if (!deleted)
            return PQCHA_ERR_INCONSISTENT_CLAIMS; /* written only when true: one encoding */
    }
    PQCHA_TRY(pqcha_region_set_mapping(region, file, offset));
    return deleted ? pqcha_region_set_file_deleted(region, 1) : PQCHA_OK;
}

/* One element of "segments", syntax only; the layout rules and the digest
 * are checked once the whole list and the subject are known. */
static pqcha_err decode_segment(pqcha__segment *seg, const json_t *obj) {
    if (!json_is_object(obj)) return PQCHA_ERR_WRONG_TYPE;
    PQCHA_TRY(pqcha__json_check_fields(obj, segment_fields, segment_optional_fields));
    PQCHA_TRY(pqcha__json_uint(obj, "offset", PQCHA_MAX_SAFE_INTEGER, &seg->offset));
    PQCHA_TRY(pqcha__json_uint(obj, "size", PQCHA_MAX_SAFE_INTEGER, &seg->size));
    const json_t *digest = json_object_get(obj, "digest");
    if (!json_is_string(digest)) return PQCHA_ERR_WRONG_TYPE;
    PQCHA_TRY(pqcha__hex_decode(seg->digest, PQCHA_SHA3_256_LEN, json_string_value(digest),
                                json_string_length(digest)));
    if (json_object_get(obj, "tensor") == NULL) return PQCHA_OK;
    const char *name = NULL;
    PQCHA_TRY(pqcha__json_string(obj, "tensor", PQCHA__MAX_TENSOR_NAME_LEN, &name));
    size_t len = json_string_length(json_object_get(obj, "tensor"));
    PQCHA_TRY(pqcha__tensor_name_check(name, len)); /* also refuses an embedded NUL */
    if (strlen(name) != len) return PQCHA_ERR_BAD_IDENTIFIER;
    seg->tensor = pqcha__strdup(name);
    return seg->tensor != NULL ? PQCHA_OK : PQCHA_ERR_NO_MEMORY;
}

static pqcha_err decode_segments(region_fields_decoded *out, const json_t *obj) {
    if (json_object_get(obj, "segments") == NULL) return PQCHA_OK;
    json_t *list;
    PQCHA_TRY(pqcha__json_array(obj, "segments", PQCHA__MAX_SEGMENTS, &list));
    size_t n = json_array_size(list);
    if (n == 0) return PQCHA_ERR_INCONSISTENT_CLAIMS; /* a region has at least one byte */
    out->segments = calloc(n, sizeof out->segments[0]);
    if (out->segments == NULL) return PQCHA_ERR_NO_MEMORY;
    out->segment_count = n; /* zeroed entries are safe to free on error */
    for (size_t i = 0; i < n; i++)
        PQCHA_TRY(decode_segment(&out->segments[i], json_array_get(list, i)));
    return PQCHA_OK;
}

/* "nodes", syntax only: the level, and 1..PQCHA_MAX_TREE_NODES digests of
 * lowercase hex. Whether they fit the region is decided once the subject's
 * digest is known (pqcha__report_set_claim_nodes). */
static pqcha_err decode_nodes(region_fields_decoded *out, const json_t *obj) {
    if (json_object_get(obj, "nodes") == NULL) return PQCHA_OK;
    json_t *nodes, *digests;
    PQCHA_TRY(pqcha__json_object(obj, "nodes", &nodes));
    PQCHA_TRY(pqcha__json_check_fields(nodes, nodes_fields, NULL));
    PQCHA_TRY(pqcha__json_uint(nodes, "level", PQCHA_MAX_SAFE_INTEGER, &out->node_level));
    PQCHA_TRY(pqcha__json_array(nodes, "digests", PQCHA_MAX_TREE_NODES, &digests));
    size_t n = json_array_size(digests);
    if (n == 0) return PQCHA_ERR_INCONSISTENT_CLAIMS; /* never the rule's count */
    out->nodes = malloc(n * PQCHA_SHA3_256_LEN);
    if (out->nodes == NULL) return PQCHA_ERR_NO_MEMORY;
    for (size_t i = 0; i < n; i++) {
        const json_t *item = json_array_get(digests, i);
        if (!json_is_string(item)) return PQCHA_ERR_WRONG_TYPE;
        PQCHA_TRY(pqcha__hex_decode(out->nodes + i * PQCHA_SHA3_256_LEN, PQCHA_SHA3_256_LEN,
                                    json_string_value(item), json_string_length(item)));
    }
    out->node_count = n;
    return PQCHA_OK;
}

static pqcha_err decode_region(region_fields_decoded *out, const json_t *obj, int64_t issued_at) {
    if (!json_is_object(obj)) return PQCHA_ERR_WRONG_TYPE;
    PQCHA_TRY(pqcha__json_check_fields(obj, region_fields, region_optional_fields));
    pqcha_err err;
    const char *id = string_of(obj, "id", &err);
    if (id == NULL) return err;
    PQCHA_TRY(pqcha_identifier_check(id));
    const char *description = string_of(obj, "description", &err);
    if (description == NULL) return err;
    const char *address_text = string_of(obj, "address", &err);
    if (address_text == NULL) return err;
    uint64_t address, size;
    PQCHA_TRY(address_parse(&address, address_text));
    PQCHA_TRY(pqcha__json_uint(obj, "size", PQCHA_MAX_SAFE_INTEGER, &size));
    const char *protection_name = string_of(obj, "protection", &err);
    if (protection_name == NULL) return err;
    pqcha_protection protection;
    PQCHA_TRY(pqcha_protection_parse(&protection, protection_name));
    out->alg_name = string_of(obj, "digestAlgorithm", &err);
    if (out->alg_name == NULL) return err;
    PQCHA_TRY(pqcha_digest_alg_parse(&out->alg, out->alg_name));
    PQCHA_TRY(decode_time(obj, "takenAt", &out->taken_at));
    if (out->taken_at > issued_at) return PQCHA_ERR_INCONSISTENT_CLAIMS;
    PQCHA_TRY(decode_expected_digest(obj, pqcha_digest_alg_length(out->alg), &out->expected_hex));
    /* Applies the description and address + size rules. */
    PQCHA_TRY(pqcha_region_create(&out->region, id, description, address, size, protection));
    PQCHA_TRY(decode_mapping(out->region, obj));
    PQCHA_TRY(decode_nodes(out, obj));
    return decode_segments(out, obj);
}

/* subject[i]: its name must be the region's id and its digest an object with
 * exactly one key, the region's digest algorithm. */
static pqcha_err decode_subject(uint8_t *digest, size_t digest_len, const json_t *obj,
                                const region_fields_decoded *region) {
    if (!json_is_object(obj)) return PQCHA_ERR_WRONG_TYPE;
    PQCHA_TRY(pqcha__json_check_fields(obj, subject_fields, NULL));
    pqcha_err err;
    const char *name = string_of(obj, "name", &err);
    if (name == NULL) return err;
    json_t *digests;
    PQCHA_TRY(pqcha__json_object(obj, "digest", &digests));
    if (strcmp(name, pqcha_region_id(region->region)) != 0) return PQCHA_ERR_INCONSISTENT_CLAIMS;
    if (json_object_size(digests) != 1 || json_object_get(digests, region->alg_name) == NULL)
        return PQCHA_ERR_INCONSISTENT_CLAIMS;
    const char *hex = string_of(digests, region->alg_name, &err);
    if (hex == NULL) return err;
    return pqcha__hex_decode(digest, digest_len, hex, strlen(hex));
}

static pqcha_err decode_claim(pqcha_report *rep, const json_t *region_obj,
                              const json_t *subject_obj) {
    region_fields_decoded fields;
    memset(&fields, 0, sizeof fields);
    pqcha_err err = decode_region(&fields, region_obj, rep->issued_at);
    uint8_t digest[PQCHA_MAX_DIGEST_LEN];
    size_t digest_len = pqcha_digest_alg_length(fields.alg);
    if (err == PQCHA_OK && (digest_len == 0 || digest_len > sizeof digest))
        err = PQCHA_ERR_UNSUPPORTED_ALGORITHM;
    if (err == PQCHA_OK) err = decode_subject(digest, digest_len, subject_obj, &fields);
    if (err == PQCHA_OK)
        err = pqcha__report_add_claim(rep, fields.region, fields.alg, digest, digest_len,
                                      fields.taken_at, fields.expected_hex);
    /* A level beyond any the rule can give is simply not the rule's level. */
    if (err == PQCHA_OK && fields.node_count > 0)
        err = fields.node_level > UINT_MAX
                  ? PQCHA_ERR_INCONSISTENT_CLAIMS
                  : pqcha__report_set_claim_nodes(rep, rep->claim_count - 1,
                                                  (unsigned)fields.node_level, fields.nodes,
                                                  fields.node_count);
    /* Segments exactly on sha3-256-segments regions, and always there. */
    int segmented = fields.alg == PQCHA_DIGEST_SHA3_256_SEGMENTS;
    if (err == PQCHA_OK && segmented != (fields.segment_count > 0))
        err = segmented ? PQCHA_ERR_MISSING_FIELD : PQCHA_ERR_INCONSISTENT_CLAIMS;
    if (err == PQCHA_OK && segmented)
        err = pqcha__report_set_claim_segments(rep, rep->claim_count - 1, fields.segments,
                                               fields.segment_count);
    pqcha_region_free(fields.region);
    free(fields.nodes);
    pqcha__segments_free(fields.segments, fields.segment_count);
    return err;
}

static pqcha_err decode_statement(pqcha_report *rep, const json_t *root) {
    PQCHA_TRY(pqcha__json_check_fields(root, statement_fields, NULL));
    PQCHA_TRY(expect_constant(root, "_type", PQCHA_STATEMENT_TYPE));
    PQCHA_TRY(expect_constant(root, "predicateType", PQCHA_PREDICATE_TYPE));
    json_t *subjects, *pred, *regions;
    PQCHA_TRY(pqcha__json_array(root, "subject", PQCHA_MAX_REGIONS, &subjects));
    if (json_array_size(subjects) == 0) return PQCHA_ERR_EMPTY_REPORT;
    PQCHA_TRY(pqcha__json_object(root, "predicate", &pred));
    PQCHA_TRY(decode_predicate(rep, pred, &regions));
    if (json_array_size(regions) != json_array_size(subjects)) return PQCHA_ERR_INCONSISTENT_CLAIMS;
    for (size_t i = 0; i < json_array_size(subjects); i++)
        PQCHA_TRY(decode_claim(rep, json_array_get(regions, i), json_array_get(subjects, i)));
    return PQCHA_OK;
}

/* A payload nests six deep (predicate, regions, region, segments, segment,
 * digest); 12 leaves room, and more is no report. */
const pqcha__json_limits pqcha__payload_json_limits = {PQCHA_MAX_PAYLOAD_LEN, 12, 0, 16};

pqcha_err pqcha__statement_decode(pqcha_report **out, const uint8_t *payload, size_t len) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (payload == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    json_t *root;
    PQCHA_TRY(
        pqcha__json_parse_object(&root, (const char *)payload, len, &pqcha__payload_json_limits));
    pqcha_report *rep = NULL;
    pqcha_err err = pqcha__report_new(&rep);
    if (err == PQCHA_OK) err = decode_statement(rep, root);
    json_decref(root);
    if (err != PQCHA_OK) {
        pqcha_report_free(rep);
        return err;
    }
    *out = rep;
    return PQCHA_OK;
}
