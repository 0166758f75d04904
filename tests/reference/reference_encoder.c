/* reference_encoder.c — the tree-based (jansson) encoder of the statement
 * that the library used before its single-pass writer
 * (src/core/statement_write.c), kept unchanged in substance as the
 * reference test_statement_write holds the writer to, byte for byte. Not
 * linked into libpqcha. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/encoding.h"
#include "core/internal.h"
#include "core/json.h"
#include "reference.h"

#define MAX_ADDRESS_HEX_DIGITS 16

/* ---- hardware evidence ---- */

static pqcha_err put_new(json_t *obj, const char *key, json_t *value) {
    if (value == NULL) return PQCHA_ERR_NO_MEMORY;
    return json_object_set_new(obj, key, value) == 0 ? PQCHA_OK : PQCHA_ERR_NO_MEMORY;
}

static pqcha_err put_base64(json_t *obj, const char *key, const uint8_t *bytes, size_t len) {
    char *text = NULL;
    size_t text_len = 0;
    PQCHA_TRY(pqcha__base64_encode(&text, &text_len, bytes, len));
    pqcha_err err = put_new(obj, key, json_stringn(text, text_len));
    free(text);
    return err;
}

static pqcha_err fill_element(json_t *obj, const pqcha__report_evidence *ev) {
    PQCHA_TRY(put_new(obj, "platform", json_string(ev->platform)));
    PQCHA_TRY(put_new(obj, "binding", json_string(pqcha__binding_name(ev->binding))));
    PQCHA_TRY(put_base64(obj, "data", ev->data, ev->data_len));
    if (ev->certs_len > 0) PQCHA_TRY(put_base64(obj, "certificates", ev->certs, ev->certs_len));
    return PQCHA_OK;
}

static pqcha_err reference_evidence_encode(json_t **out, const pqcha_report *rep) {
    *out = json_array();
    if (*out == NULL) return PQCHA_ERR_NO_MEMORY;
    if (rep->evidence == NULL) return PQCHA_OK;
    json_t *obj = json_object();
    pqcha_err err = obj ? fill_element(obj, rep->evidence) : PQCHA_ERR_NO_MEMORY;
    if (err == PQCHA_OK && json_array_append(*out, obj) != 0) err = PQCHA_ERR_NO_MEMORY;
    json_decref(obj);
    if (err != PQCHA_OK) {
        json_decref(*out);
        *out = NULL;
    }
    return err;
}

/* ---- the statement ---- */

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
    PQCHA_TRY(reference_evidence_encode(&evidence, rep));
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

pqcha_err reference_statement_encode(char **out, size_t *out_len, const pqcha_report *rep) {
    if (out == NULL || out_len == NULL || rep == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    json_t *root = json_object();
    if (root == NULL) return PQCHA_ERR_NO_MEMORY;
    pqcha_err err = build_statement(root, rep);
    if (err == PQCHA_OK) err = pqcha__json_dump(out, out_len, root, PQCHA__JSON_COMPACT);
    json_decref(root);
    return err;
}
