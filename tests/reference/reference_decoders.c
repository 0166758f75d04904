/* reference_decoders.c — the tree-based (jansson) decoders of the envelope
 * and the statement that the library used before its single-pass decoders
 * (src/core/envelope.c, src/core/statement_decode.c), kept here unchanged
 * in substance as the reference the tests and the differential fuzz target
 * compare those with: the same input must be accepted or refused by both,
 * and accepted reports must carry the same fields. Not linked into
 * libpqcha. */
#include "reference.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/encoding.h"
#include "core/internal.h"
#include "core/json.h"
#include "core/tensor.h"

static const char *const envelope_fields[] = {"payload", "payloadType", "signatures", NULL};
static const char *const signature_fields[] = {"keyid", "sig", NULL};
static const char *const evidence_fields[] = {"platform", "binding", "data", NULL};
static const char *const evidence_optional_fields[] = {"certificates", NULL};

static int is_ml_dsa_signature_length(size_t len) {
    static const pqcha_sig_alg algs[] = {PQCHA_ML_DSA_44, PQCHA_ML_DSA_65, PQCHA_ML_DSA_87};
    for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++) {
        if (len == pqcha_sig_alg_signature_length(algs[i])) return 1;
    }
    return 0;
}

/* ---- the envelope ---- */

static pqcha_err envelope_payload(pqcha__envelope *env, const json_t *root) {
    const char *type = NULL;
    PQCHA_TRY(pqcha__json_string(root, "payloadType", SIZE_MAX, &type));
    if (strcmp(type, PQCHA_PAYLOAD_TYPE) != 0) return PQCHA_ERR_BAD_PAYLOAD_TYPE;
    const char *payload = NULL;
    PQCHA_TRY(pqcha__json_string(root, "payload", SIZE_MAX, &payload));
    return pqcha__base64_decode(&env->payload, &env->payload_len, payload, strlen(payload),
                                PQCHA_MAX_PAYLOAD_LEN);
}

static pqcha_err envelope_signature(pqcha__envelope *env, const json_t *root) {
    json_t *signatures;
    PQCHA_TRY(pqcha__json_array(root, "signatures", SIZE_MAX, &signatures));
    if (json_array_size(signatures) != 1) return PQCHA_ERR_SIGNATURE_COUNT;
    const json_t *sig_obj = json_array_get(signatures, 0);
    if (!json_is_object(sig_obj)) return PQCHA_ERR_WRONG_TYPE;
    PQCHA_TRY(pqcha__json_check_fields(sig_obj, signature_fields, NULL));
    const char *key_id = NULL, *sig = NULL;
    PQCHA_TRY(pqcha__json_string(sig_obj, "keyid", SIZE_MAX, &key_id));
    PQCHA_TRY(pqcha__hex_check(key_id, PQCHA_KEY_ID_HEX_LEN / 2, PQCHA_KEY_ID_HEX_LEN / 2));
    PQCHA_TRY(pqcha__json_string(sig_obj, "sig", SIZE_MAX, &sig));
    /* No tighter cap here: a long signature is a length error, not a size one;
     * the envelope cap already bounds it. */
    PQCHA_TRY(
        pqcha__base64_decode(&env->sig, &env->sig_len, sig, strlen(sig), PQCHA_MAX_ENVELOPE_LEN));
    if (!is_ml_dsa_signature_length(env->sig_len)) return PQCHA_ERR_BAD_SIGNATURE_LENGTH;
    env->key_id = pqcha__strdup(key_id);
    return env->key_id ? PQCHA_OK : PQCHA_ERR_NO_MEMORY;
}

pqcha_err reference_envelope_decode(pqcha__envelope *out, const char *json, size_t len) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    memset(out, 0, sizeof *out);
    if (json == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    json_t *root;
    /* Before the signer is known the envelope may cost a small multiple of
     * its size: seven values at most three deep are all it can hold. */
    static const pqcha__json_limits envelope_limits = {PQCHA_MAX_ENVELOPE_LEN, 3, 16, 4};
    PQCHA_TRY(pqcha__json_parse_object(&root, json, len, &envelope_limits));
    pqcha_err err = pqcha__json_check_fields(root, envelope_fields, NULL);
    if (err == PQCHA_OK) err = envelope_payload(out, root);
    if (err == PQCHA_OK) err = envelope_signature(out, root);
    json_decref(root);
    if (err != PQCHA_OK) pqcha__envelope_clear(out);
    return err;
}

/* ---- hardware evidence ---- */

static pqcha_err decode_base64(const json_t *obj, const char *key, size_t max, uint8_t **out,
                               size_t *out_len) {
    const char *text = NULL;
    PQCHA_TRY(pqcha__json_string(obj, key, SIZE_MAX, &text));
    return pqcha__base64_decode(out, out_len, text, strlen(text), max);
}

static pqcha_err decode_element(pqcha__report_evidence *ev, const json_t *obj) {
    if (!json_is_object(obj)) return PQCHA_ERR_WRONG_TYPE;
    PQCHA_TRY(pqcha__json_check_fields(obj, evidence_fields, evidence_optional_fields));
    const char *platform = NULL, *binding = NULL;
    PQCHA_TRY(pqcha__json_string(obj, "platform", sizeof ev->platform - 1, &platform));
    if (!pqcha__report_evidence_platform_known(platform)) return PQCHA_ERR_BAD_EVIDENCE;
    snprintf(ev->platform, sizeof ev->platform, "%s", platform);
    PQCHA_TRY(pqcha__json_string(obj, "binding", SIZE_MAX, &binding));
    PQCHA_TRY(pqcha__binding_parse(&ev->binding, binding));
    PQCHA_TRY(decode_base64(obj, "data", PQCHA_MAX_EVIDENCE_LEN, &ev->data, &ev->data_len));
    if (ev->data_len == 0) return PQCHA_ERR_BAD_EVIDENCE;
    if (json_object_get(obj, "certificates") == NULL) return PQCHA_OK;
    PQCHA_TRY(decode_base64(obj, "certificates", PQCHA_MAX_EVIDENCE_CERTS_LEN, &ev->certs,
                            &ev->certs_len));
    /* Absent and empty would be two spellings of "none". */
    return ev->certs_len > 0 ? PQCHA_OK : PQCHA_ERR_BAD_EVIDENCE;
}

static pqcha_err reference_evidence_decode(pqcha_report *rep, const json_t *array) {
    if (!json_is_array(array)) return PQCHA_ERR_WRONG_TYPE;
    size_t count = json_array_size(array);
    if (count == 0) return PQCHA_OK;
    /* One VM runs in one TEE: one piece of evidence per report. */
    if (count > 1) return PQCHA_ERR_TOO_LARGE;
    pqcha__report_evidence *ev = calloc(1, sizeof *ev);
    if (ev == NULL) return PQCHA_ERR_NO_MEMORY;
    pqcha_err err = decode_element(ev, json_array_get(array, 0));
    if (err != PQCHA_OK) {
        pqcha__report_evidence_free(ev);
        return err;
    }
    rep->evidence = ev;
    return PQCHA_OK;
}

/* ---- the statement ---- */

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
    PQCHA_TRY(pqcha__report_key_id_check(key_id));
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
    return reference_evidence_decode(rep, evidence);
}

/* Everything in the predicate except the regions, which are returned. */
static pqcha_err decode_predicate(pqcha_report *rep, const json_t *pred, json_t **regions) {
    PQCHA_TRY(pqcha__json_check_fields(pred, predicate_fields, NULL));
    PQCHA_TRY(decode_checked_string(pred, "reportId", pqcha__report_id_check, &rep->report_id));
    PQCHA_TRY(decode_checked_string(pred, "workloadId", pqcha_identifier_check, &rep->workload_id));
    PQCHA_TRY(decode_checked_string(pred, "platform", pqcha_identifier_check, &rep->platform));
    PQCHA_TRY(decode_signer(rep, pred));
    PQCHA_TRY(decode_checked_string(pred, "nonce", pqcha__report_nonce_check, &rep->nonce_hex));
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
    PQCHA_TRY(pqcha__json_string(mapping, "file", PQCHA__MAX_MAPPED_FILE_LEN, &file));
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
    PQCHA_TRY(pqcha__report_address_parse(&address, address_text));
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

pqcha_err reference_statement_decode(pqcha_report **out, const uint8_t *payload, size_t len) {
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
