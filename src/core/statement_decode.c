/* statement_decode.c — the strict decoder of a report's statement
 * (docs/FORMAT.md section 4), on the pull tokenizer, without a tree.
 *
 * Every rule of the format is checked here with the error code it names, in
 * the order the format states them, and nothing but the report is built:
 * objects are read member by member into slots (json_view.h), their nested
 * objects and arrays skipped by brackets and tokenized when opened, so a
 * payload of thousands of regions costs its report, not a tree of it, and
 * each byte is tokenized once. The decoder it replaced built a jansson
 * tree; tests/reference keeps it, and test_decoder_differential and
 * fuzz_report_diff hold the two to the same verdicts and fields. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "core/encoding.h"
#include "core/internal.h"
#include "core/json.h"
#include "core/json_view.h"
#include "core/report_internal.h"
#include "core/tensor.h"

/* A payload nests six deep (predicate, regions, region, segments, segment,
 * digest); 12 leaves room, and more is no report. */
const pqcha__json_limits pqcha__payload_json_limits = {PQCHA_MAX_PAYLOAD_LEN, 12, 0, 16};

/* Key lists: the required keys first, then the optional ones. */
enum {
    STATEMENT_TYPE,
    STATEMENT_PREDICATE_TYPE,
    STATEMENT_SUBJECT,
    STATEMENT_PREDICATE,
    STATEMENT_N
};
static const char *const statement_keys[] = {"_type", "predicateType", "subject", "predicate",
                                             NULL};
enum {
    PRED_REPORT_ID,
    PRED_WORKLOAD_ID,
    PRED_PLATFORM,
    PRED_SIGNER,
    PRED_NONCE,
    PRED_SEQUENCE,
    PRED_ISSUED_AT,
    PRED_EXPIRES_AT,
    PRED_REGIONS,
    PRED_EVIDENCE,
    PRED_N
};
static const char *const predicate_keys[] = {"reportId", "workloadId", "platform", "signer",
                                             "nonce",    "sequence",   "issuedAt", "expiresAt",
                                             "regions",  "evidence",   NULL};
enum { SIGNER_KEY_ID, SIGNER_ALGORITHM, SIGNER_N };
static const char *const signer_keys[] = {"keyId", "algorithm", NULL};
enum {
    REGION_ID,
    REGION_DESCRIPTION,
    REGION_ADDRESS,
    REGION_SIZE,
    REGION_PROTECTION,
    REGION_DIGEST_ALGORITHM,
    REGION_TAKEN_AT,
    REGION_REQUIRED, /* the optional ones follow */
    REGION_EXPECTED = REGION_REQUIRED,
    REGION_MAPPING,
    REGION_NODES,
    REGION_SEGMENTS,
    REGION_N
};
static const char *const region_keys[] = {
    "id",      "description",    "address", "size",  "protection", "digestAlgorithm",
    "takenAt", "expectedDigest", "mapping", "nodes", "segments",   NULL};
enum { MAPPING_FILE, MAPPING_OFFSET, MAPPING_DELETED, MAPPING_N };
static const char *const mapping_keys[] = {"file", "offset", "deleted", NULL};
enum { SEGMENT_OFFSET, SEGMENT_SIZE, SEGMENT_DIGEST, SEGMENT_TENSOR, SEGMENT_N };
static const char *const segment_keys[] = {"offset", "size", "digest", "tensor", NULL};
enum { NODES_LEVEL, NODES_DIGESTS, NODES_N };
static const char *const nodes_keys[] = {"level", "digests", NULL};
enum { SUBJECT_NAME, SUBJECT_DIGEST, SUBJECT_N };
static const char *const subject_keys[] = {"name", "digest", NULL};
enum { EVIDENCE_PLATFORM, EVIDENCE_BINDING, EVIDENCE_DATA, EVIDENCE_CERTIFICATES, EVIDENCE_N };
static const char *const evidence_keys[] = {"platform", "binding", "data", "certificates", NULL};

#define DEPTH PQCHA__JSON_MAX_DEPTH

/* ---- values ---- */

/* MISSING_FIELD unless the first `required` members are all present. */
static pqcha_err require(const pqcha__json_value *values, size_t required) {
    for (size_t i = 0; i < required; i++) {
        if (!pqcha__json_value_present(&values[i])) return PQCHA_ERR_MISSING_FIELD;
    }
    return PQCHA_OK;
}

/* Reads the object whose OBJECT token p has just returned, and checks that
 * its required members are there. */
static pqcha_err view(pqcha__json_pull *p, const char *const *keys, size_t required,
                      pqcha__json_value *values) {
    PQCHA_TRY(pqcha__json_view_object(p, keys, values));
    return require(values, required);
}

/* An object member opened and viewed. */
static pqcha_err view_member(const pqcha__json_value *member, const char *const *keys,
                             size_t required, pqcha__json_value *values) {
    pqcha__json_pull sub;
    PQCHA_TRY(pqcha__json_value_open(member, PQCHA__JSON_OBJECT, DEPTH, &sub));
    return view(&sub, keys, required, values);
}

/* Short strings (ids, names, times, hex) decode into a buffer of this size
 * on the stack; longer ones into the heap. */
#define SHORT_STRING 512

typedef struct text_buffer {
    char buf[SHORT_STRING];
    char *heap;
} text_buffer;

static pqcha_err string_in(const pqcha__json_value *v, size_t max_len, text_buffer *tb,
                           const char **out) {
    free(tb->heap);
    return pqcha__json_value_cstr(v, max_len, tb->buf, sizeof tb->buf, &tb->heap, out);
}

static pqcha_err expect_constant(const pqcha__json_value *v, const char *expected) {
    text_buffer tb = {.heap = NULL};
    const char *text;
    pqcha_err err = string_in(v, SIZE_MAX, &tb, &text);
    if (err == PQCHA_OK && strcmp(text, expected) != 0) err = PQCHA_ERR_BAD_STATEMENT_TYPE;
    free(tb.heap);
    return err;
}

static pqcha_err decode_time(const pqcha__json_value *v, int64_t *out) {
    text_buffer tb = {.heap = NULL};
    const char *text;
    pqcha_err err = string_in(v, SIZE_MAX, &tb, &text);
    if (err == PQCHA_OK) err = pqcha_time_parse(out, text);
    free(tb.heap);
    return err;
}

/* A string that must pass check before being copied into *field. */
static pqcha_err decode_checked_string(const pqcha__json_value *v, pqcha_err (*check)(const char *),
                                       char **field) {
    text_buffer tb = {.heap = NULL};
    const char *text;
    pqcha_err err = string_in(v, SIZE_MAX, &tb, &text);
    if (err == PQCHA_OK) err = check(text);
    if (err == PQCHA_OK) err = pqcha__report_set_string(field, text);
    free(tb.heap);
    return err;
}

/* ---- the predicate ---- */

static pqcha_err decode_signer(pqcha_report *rep, const pqcha__json_value *member) {
    pqcha__json_value v[SIGNER_N];
    PQCHA_TRY(view_member(member, signer_keys, SIGNER_N, v));
    text_buffer tb = {.heap = NULL};
    const char *key_id, *algorithm;
    pqcha_err err = string_in(&v[SIGNER_KEY_ID], SIZE_MAX, &tb, &key_id);
    if (err == PQCHA_OK) err = pqcha__report_key_id_check(key_id);
    if (err == PQCHA_OK) memcpy(rep->signer_key_id, key_id, PQCHA_KEY_ID_HEX_LEN + 1);
    if (err == PQCHA_OK) err = string_in(&v[SIGNER_ALGORITHM], SIZE_MAX, &tb, &algorithm);
    if (err == PQCHA_OK) err = pqcha_sig_alg_parse(&rep->signer_alg, algorithm);
    free(tb.heap);
    return err;
}

static pqcha_err decode_evidence_element(pqcha__report_evidence *ev,
                                         const pqcha__json_value *element) {
    pqcha__json_value v[EVIDENCE_N];
    PQCHA_TRY(view_member(element, evidence_keys, EVIDENCE_CERTIFICATES, v));
    text_buffer tb = {.heap = NULL};
    const char *platform, *binding;
    pqcha_err err = string_in(&v[EVIDENCE_PLATFORM], sizeof ev->platform - 1, &tb, &platform);
    if (err == PQCHA_OK && !pqcha__report_evidence_platform_known(platform))
        err = PQCHA_ERR_BAD_EVIDENCE;
    if (err == PQCHA_OK) memcpy(ev->platform, platform, strlen(platform) + 1);
    if (err == PQCHA_OK) err = string_in(&v[EVIDENCE_BINDING], SIZE_MAX, &tb, &binding);
    if (err == PQCHA_OK) err = pqcha__binding_parse(&ev->binding, binding);
    free(tb.heap);
    if (err == PQCHA_OK)
        err = pqcha__json_value_base64(&v[EVIDENCE_DATA], PQCHA_MAX_EVIDENCE_LEN, &ev->data,
                                       &ev->data_len);
    if (err == PQCHA_OK && ev->data_len == 0) err = PQCHA_ERR_BAD_EVIDENCE;
    if (err != PQCHA_OK || !pqcha__json_value_present(&v[EVIDENCE_CERTIFICATES])) return err;
    PQCHA_TRY(pqcha__json_value_base64(&v[EVIDENCE_CERTIFICATES], PQCHA_MAX_EVIDENCE_CERTS_LEN,
                                       &ev->certs, &ev->certs_len));
    /* Absent and empty would be two spellings of "none". */
    return ev->certs_len > 0 ? PQCHA_OK : PQCHA_ERR_BAD_EVIDENCE;
}

/* predicate.evidence: at most one element (FORMAT.md 4.7). */
static pqcha_err decode_evidence(pqcha_report *rep, const pqcha__json_value *member) {
    pqcha__json_pull list;
    PQCHA_TRY(pqcha__json_value_open(member, PQCHA__JSON_ARRAY, DEPTH, &list));
    pqcha__json_token t;
    PQCHA_TRY(pqcha__json_pull_next(&list, &t));
    if (t == PQCHA__JSON_ARRAY_END) return PQCHA_OK;
    pqcha__json_value element;
    PQCHA_TRY(pqcha__json_view_value(&list, t, &element));
    PQCHA_TRY(pqcha__json_pull_next(&list, &t));
    /* One VM runs in one TEE: one piece of evidence per report. */
    if (t != PQCHA__JSON_ARRAY_END) return PQCHA_ERR_TOO_LARGE;
    pqcha__report_evidence *ev = calloc(1, sizeof *ev);
    if (ev == NULL) return PQCHA_ERR_NO_MEMORY;
    pqcha_err err = decode_evidence_element(ev, &element);
    if (err != PQCHA_OK) {
        pqcha__report_evidence_free(ev);
        return err;
    }
    rep->evidence = ev;
    return PQCHA_OK;
}

/* Everything in the predicate except the regions, which are opened in
 * regions for the claims. */
static pqcha_err decode_predicate(pqcha_report *rep, const pqcha__json_value *member,
                                  pqcha__json_pull *regions) {
    pqcha__json_value v[PRED_N];
    PQCHA_TRY(view_member(member, predicate_keys, PRED_N, v));
    PQCHA_TRY(decode_checked_string(&v[PRED_REPORT_ID], pqcha__report_id_check, &rep->report_id));
    PQCHA_TRY(
        decode_checked_string(&v[PRED_WORKLOAD_ID], pqcha_identifier_check, &rep->workload_id));
    PQCHA_TRY(decode_checked_string(&v[PRED_PLATFORM], pqcha_identifier_check, &rep->platform));
    PQCHA_TRY(decode_signer(rep, &v[PRED_SIGNER]));
    PQCHA_TRY(decode_checked_string(&v[PRED_NONCE], pqcha__report_nonce_check, &rep->nonce_hex));
    PQCHA_TRY(pqcha__json_value_uint(&v[PRED_SEQUENCE], PQCHA_MAX_SAFE_INTEGER, &rep->sequence));
    PQCHA_TRY(decode_time(&v[PRED_ISSUED_AT], &rep->issued_at));
    PQCHA_TRY(decode_time(&v[PRED_EXPIRES_AT], &rep->expires_at));
    if (rep->expires_at < rep->issued_at) return PQCHA_ERR_INCONSISTENT_CLAIMS;
    PQCHA_TRY(pqcha__json_value_open(&v[PRED_REGIONS], PQCHA__JSON_ARRAY, DEPTH, regions));
    return decode_evidence(rep, &v[PRED_EVIDENCE]);
}

/* ---- one region ---- */

/* One decoded predicate.regions[i], before it is paired with its subject. */
typedef struct region_fields {
    pqcha_region *region;
    pqcha_digest_alg alg;
    char alg_name[32];
    int64_t taken_at;
    char expected_hex[2 * PQCHA_MAX_DIGEST_LEN + 1]; /* "" when absent */
    uint64_t node_level;
    size_t node_count; /* 0: no "nodes" */
    uint8_t *nodes;    /* node_count * 32 bytes, owned */
    pqcha__segment *segments;
    size_t segment_count, segment_cap;
} region_fields;

static void region_fields_clear(region_fields *f) {
    pqcha_region_free(f->region);
    free(f->nodes);
    pqcha__segments_free(f->segments, f->segment_count);
    memset(f, 0, sizeof *f);
}

static pqcha_err decode_expected_digest(region_fields *f, const pqcha__json_value *v) {
    if (!pqcha__json_value_present(v)) return PQCHA_OK;
    text_buffer tb = {.heap = NULL};
    const char *hex;
    size_t digest_len = pqcha_digest_alg_length(f->alg);
    pqcha_err err = string_in(v, SIZE_MAX, &tb, &hex);
    if (err == PQCHA_OK) err = pqcha__hex_check(hex, digest_len, digest_len);
    if (err == PQCHA_OK) memcpy(f->expected_hex, hex, strlen(hex) + 1);
    free(tb.heap);
    return err;
}

/* "mapping": a clean, non-empty path of at most PQCHA__MAX_MAPPED_FILE_LEN
 * bytes and a file offset of at most 2^53-1, set on the region. */
static pqcha_err decode_mapping(pqcha_region *region, const pqcha__json_value *member) {
    if (!pqcha__json_value_present(member)) return PQCHA_OK;
    pqcha__json_value v[MAPPING_N];
    PQCHA_TRY(view_member(member, mapping_keys, MAPPING_DELETED, v));
    text_buffer tb = {.heap = NULL};
    const char *file = NULL;
    uint64_t offset = 0;
    int deleted = 0;
    pqcha_err err = string_in(&v[MAPPING_FILE], PQCHA__MAX_MAPPED_FILE_LEN, &tb, &file);
    if (err == PQCHA_OK)
        err = pqcha__json_value_uint(&v[MAPPING_OFFSET], PQCHA_MAX_SAFE_INTEGER, &offset);
    if (err == PQCHA_OK && file[0] == '\0') err = PQCHA_ERR_BAD_IDENTIFIER;
    if (err == PQCHA_OK && pqcha__json_value_present(&v[MAPPING_DELETED])) {
        err = pqcha__json_value_bool(&v[MAPPING_DELETED], &deleted);
        /* Written only when true: one encoding. */
        if (err == PQCHA_OK && !deleted) err = PQCHA_ERR_INCONSISTENT_CLAIMS;
    }
    if (err == PQCHA_OK) err = pqcha_region_set_mapping(region, file, offset);
    if (err == PQCHA_OK && deleted) err = pqcha_region_set_file_deleted(region, 1);
    free(tb.heap);
    return err;
}

/* "nodes", syntax only: the level, and 1..PQCHA_MAX_TREE_NODES digests.
 * Whether they fit the region is decided once the subject's digest is known
 * (pqcha__report_set_claim_nodes). */
static pqcha_err decode_nodes(region_fields *f, const pqcha__json_value *member) {
    if (!pqcha__json_value_present(member)) return PQCHA_OK;
    pqcha__json_value v[NODES_N];
    PQCHA_TRY(view_member(member, nodes_keys, NODES_N, v));
    PQCHA_TRY(pqcha__json_value_uint(&v[NODES_LEVEL], PQCHA_MAX_SAFE_INTEGER, &f->node_level));
    pqcha__json_pull list;
    PQCHA_TRY(pqcha__json_value_open(&v[NODES_DIGESTS], PQCHA__JSON_ARRAY, DEPTH, &list));
    f->nodes = malloc((size_t)PQCHA_MAX_TREE_NODES * PQCHA_SHA3_256_LEN);
    if (f->nodes == NULL) return PQCHA_ERR_NO_MEMORY;
    for (size_t n = 0;; n++) {
        pqcha__json_token t;
        pqcha__json_value item;
        PQCHA_TRY(pqcha__json_pull_next(&list, &t));
        if (t == PQCHA__JSON_ARRAY_END) break;
        if (n == PQCHA_MAX_TREE_NODES) return PQCHA_ERR_TOO_LARGE;
        PQCHA_TRY(pqcha__json_view_value(&list, t, &item));
        PQCHA_TRY(
            pqcha__json_value_hex(&item, f->nodes + n * PQCHA_SHA3_256_LEN, PQCHA_SHA3_256_LEN));
        f->node_count = n + 1;
    }
    /* Never the rule's count. */
    return f->node_count > 0 ? PQCHA_OK : PQCHA_ERR_INCONSISTENT_CLAIMS;
}

static pqcha_err decode_tensor_name(pqcha__segment *seg, const pqcha__json_value *v) {
    text_buffer tb = {.heap = NULL};
    const char *name;
    pqcha_err err = string_in(v, PQCHA__MAX_TENSOR_NAME_LEN, &tb, &name);
    if (err == PQCHA_OK) err = pqcha__tensor_name_check(name, v->text.decoded_len);
    if (err == PQCHA_OK && (seg->tensor = pqcha__strdup(name)) == NULL) err = PQCHA_ERR_NO_MEMORY;
    free(tb.heap);
    return err;
}

/* One element of "segments", syntax only; the layout rules and the digest
 * are checked once the whole list and the subject are known. */
static pqcha_err decode_segment(pqcha__segment *seg, pqcha__json_pull *list, pqcha__json_token t) {
    if (t != PQCHA__JSON_OBJECT) return PQCHA_ERR_WRONG_TYPE;
    pqcha__json_value v[SEGMENT_N];
    PQCHA_TRY(view(list, segment_keys, SEGMENT_TENSOR, v));
    PQCHA_TRY(pqcha__json_value_uint(&v[SEGMENT_OFFSET], PQCHA_MAX_SAFE_INTEGER, &seg->offset));
    PQCHA_TRY(pqcha__json_value_uint(&v[SEGMENT_SIZE], PQCHA_MAX_SAFE_INTEGER, &seg->size));
    PQCHA_TRY(pqcha__json_value_hex(&v[SEGMENT_DIGEST], seg->digest, PQCHA_SHA3_256_LEN));
    if (!pqcha__json_value_present(&v[SEGMENT_TENSOR])) return PQCHA_OK;
    return decode_tensor_name(seg, &v[SEGMENT_TENSOR]);
}

static pqcha_err decode_segments(region_fields *f, const pqcha__json_value *member) {
    if (!pqcha__json_value_present(member)) return PQCHA_OK;
    pqcha__json_pull list;
    PQCHA_TRY(pqcha__json_value_open(member, PQCHA__JSON_ARRAY, DEPTH, &list));
    for (;;) {
        pqcha__json_token t;
        PQCHA_TRY(pqcha__json_pull_next(&list, &t));
        if (t == PQCHA__JSON_ARRAY_END) break;
        PQCHA_TRY(pqcha__grow(&f->segments, &f->segment_cap, f->segment_count + 1,
                              sizeof f->segments[0], PQCHA__MAX_SEGMENTS));
        pqcha__segment *seg = &f->segments[f->segment_count++];
        memset(seg, 0, sizeof *seg); /* safe to free if it fails half-way */
        PQCHA_TRY(decode_segment(seg, &list, t));
    }
    /* A region has at least one byte. */
    return f->segment_count > 0 ? PQCHA_OK : PQCHA_ERR_INCONSISTENT_CLAIMS;
}

/* The required scalar members, and the region built from them. */
static pqcha_err decode_region_core(region_fields *f, const pqcha__json_value *v,
                                    int64_t issued_at) {
    text_buffer id_tb = {.heap = NULL}, tb = {.heap = NULL};
    const char *id, *text;
    uint64_t address = 0, size = 0;
    pqcha_protection protection = PQCHA_PROT_RO;
    pqcha_err err = string_in(&v[REGION_ID], SIZE_MAX, &id_tb, &id);
    if (err == PQCHA_OK) err = pqcha_identifier_check(id);
    if (err == PQCHA_OK)
        err = v[REGION_DESCRIPTION].type == PQCHA__JSON_STRING ? PQCHA_OK : PQCHA_ERR_WRONG_TYPE;
    if (err == PQCHA_OK) err = string_in(&v[REGION_ADDRESS], SIZE_MAX, &tb, &text);
    if (err == PQCHA_OK) err = pqcha__report_address_parse(&address, text);
    if (err == PQCHA_OK)
        err = pqcha__json_value_uint(&v[REGION_SIZE], PQCHA_MAX_SAFE_INTEGER, &size);
    if (err == PQCHA_OK) err = string_in(&v[REGION_PROTECTION], SIZE_MAX, &tb, &text);
    if (err == PQCHA_OK) err = pqcha_protection_parse(&protection, text);
    if (err == PQCHA_OK)
        err = string_in(&v[REGION_DIGEST_ALGORITHM], sizeof f->alg_name - 1, &tb, &text);
    if (err == PQCHA_OK) err = pqcha_digest_alg_parse(&f->alg, text);
    if (err == PQCHA_OK) memcpy(f->alg_name, text, strlen(text) + 1);
    if (err == PQCHA_OK) err = decode_time(&v[REGION_TAKEN_AT], &f->taken_at);
    if (err == PQCHA_OK && f->taken_at > issued_at) err = PQCHA_ERR_INCONSISTENT_CLAIMS;
    if (err == PQCHA_OK) err = decode_expected_digest(f, &v[REGION_EXPECTED]);
    /* pqcha_region_create applies the description and address + size rules. */
    if (err == PQCHA_OK) err = string_in(&v[REGION_DESCRIPTION], SIZE_MAX, &tb, &text);
    if (err == PQCHA_OK) err = pqcha_region_create(&f->region, id, text, address, size, protection);
    free(id_tb.heap);
    free(tb.heap);
    return err;
}

static pqcha_err decode_region(region_fields *f, pqcha__json_pull *list, pqcha__json_token t,
                               int64_t issued_at) {
    if (t != PQCHA__JSON_OBJECT) return PQCHA_ERR_WRONG_TYPE;
    pqcha__json_value v[REGION_N];
    PQCHA_TRY(view(list, region_keys, REGION_REQUIRED, v));
    PQCHA_TRY(decode_region_core(f, v, issued_at));
    PQCHA_TRY(decode_mapping(f->region, &v[REGION_MAPPING]));
    PQCHA_TRY(decode_nodes(f, &v[REGION_NODES]));
    return decode_segments(f, &v[REGION_SEGMENTS]);
}

/* ---- subjects and claims ---- */

/* subject[i].digest is the one object whose keys are not a fixed list, so
 * a repeated key is looked for here: among the first DIGEST_KEYS_COMPARED
 * keys, which any object that is not refused anyway (it must have exactly
 * one member) stays within. */
#define DIGEST_KEYS_COMPARED 16

static int same_text(const pqcha__json_text *a, const pqcha__json_text *b) {
    if (a->decoded_len != b->decoded_len) return 0;
    if (!a->escaped && !b->escaped) return memcmp(a->raw, b->raw, a->raw_len) == 0;
    uint8_t *da = malloc(a->decoded_len + 1), *db = malloc(b->decoded_len + 1);
    int same = 0;
    if (da != NULL && db != NULL) {
        pqcha__json_text_decode(a, da);
        pqcha__json_text_decode(b, db);
        same = memcmp(da, db, a->decoded_len) == 0;
    }
    free(da);
    free(db);
    return same;
}

static int seen_before(const pqcha__json_text *keys, size_t count, const pqcha__json_text *key) {
    for (size_t i = 0; i < count && i < DIGEST_KEYS_COMPARED; i++) {
        if (same_text(&keys[i], key)) return 1;
    }
    return 0;
}

/* subject[i].digest: exactly one member, named after the region's digest
 * algorithm, whose value is the digest in hex. */
static pqcha_err decode_subject_digest(uint8_t *digest, size_t digest_len,
                                       const pqcha__json_value *member, const char *alg_name) {
    pqcha__json_pull sub;
    PQCHA_TRY(pqcha__json_value_open(member, PQCHA__JSON_OBJECT, DEPTH, &sub));
    pqcha__json_value value = {.type = PQCHA__JSON_END};
    pqcha__json_text keys[DIGEST_KEYS_COMPARED];
    size_t members = 0;
    int named = 0, duplicate = 0;
    for (;;) {
        pqcha__json_token t;
        PQCHA_TRY(pqcha__json_pull_next(&sub, &t));
        if (t == PQCHA__JSON_OBJECT_END) break;
        named = pqcha__json_pull_equals(&sub, alg_name);
        duplicate |= seen_before(keys, members, &sub.text);
        if (members < DIGEST_KEYS_COMPARED) keys[members] = sub.text;
        members++;
        PQCHA_TRY(pqcha__json_pull_next(&sub, &t));
        PQCHA_TRY(pqcha__json_view_value(&sub, t, &value));
    }
    if (duplicate) return PQCHA_ERR_JSON_DUPLICATE_KEY;
    if (members != 1 || !named) return PQCHA_ERR_INCONSISTENT_CLAIMS;
    return pqcha__json_value_hex(&value, digest, digest_len);
}

/* subject[i]: its name must be the region's id. */
static pqcha_err decode_subject(uint8_t *digest, size_t digest_len, pqcha__json_pull *list,
                                pqcha__json_token t, const region_fields *f) {
    if (t != PQCHA__JSON_OBJECT) return PQCHA_ERR_WRONG_TYPE;
    pqcha__json_value v[SUBJECT_N];
    PQCHA_TRY(view(list, subject_keys, SUBJECT_N, v));
    text_buffer tb = {.heap = NULL};
    const char *name;
    pqcha_err err = string_in(&v[SUBJECT_NAME], SIZE_MAX, &tb, &name);
    if (err == PQCHA_OK && v[SUBJECT_DIGEST].type != PQCHA__JSON_OBJECT) err = PQCHA_ERR_WRONG_TYPE;
    if (err == PQCHA_OK && strcmp(name, pqcha_region_id(f->region)) != 0)
        err = PQCHA_ERR_INCONSISTENT_CLAIMS;
    free(tb.heap);
    if (err != PQCHA_OK) return err;
    return decode_subject_digest(digest, digest_len, &v[SUBJECT_DIGEST], f->alg_name);
}

/* Node digests and segments, attached once the claim's digest is known. */
static pqcha_err attach_detail(pqcha_report *rep, const region_fields *f) {
    size_t last = rep->claim_count - 1;
    /* A level beyond any the rule can give is simply not the rule's level. */
    if (f->node_count > 0) {
        if (f->node_level > UINT_MAX) return PQCHA_ERR_INCONSISTENT_CLAIMS;
        PQCHA_TRY(pqcha__report_set_claim_nodes(rep, last, (unsigned)f->node_level, f->nodes,
                                                f->node_count));
    }
    /* Segments exactly on sha3-256-segments regions, and always there. */
    int segmented = f->alg == PQCHA_DIGEST_SHA3_256_SEGMENTS;
    if (segmented != (f->segment_count > 0))
        return segmented ? PQCHA_ERR_MISSING_FIELD : PQCHA_ERR_INCONSISTENT_CLAIMS;
    return segmented ? pqcha__report_set_claim_segments(rep, last, f->segments, f->segment_count)
                     : PQCHA_OK;
}

/* regions[i] (first token rt) and subject[i] (first token st) as one claim. */
static pqcha_err decode_claim(pqcha_report *rep, pqcha__json_pull *regions, pqcha__json_token rt,
                              pqcha__json_pull *subjects, pqcha__json_token st) {
    region_fields f;
    memset(&f, 0, sizeof f);
    uint8_t digest[PQCHA_MAX_DIGEST_LEN];
    pqcha_err err = decode_region(&f, regions, rt, rep->issued_at);
    size_t digest_len = pqcha_digest_alg_length(f.alg);
    if (err == PQCHA_OK && (digest_len == 0 || digest_len > sizeof digest))
        err = PQCHA_ERR_UNSUPPORTED_ALGORITHM;
    if (err == PQCHA_OK) err = decode_subject(digest, digest_len, subjects, st, &f);
    if (err == PQCHA_OK)
        err = pqcha__report_take_claim(rep, &f.region, f.alg, digest, digest_len, f.taken_at,
                                       f.expected_hex[0] ? f.expected_hex : NULL);
    if (err == PQCHA_OK) err = attach_detail(rep, &f);
    region_fields_clear(&f);
    return err;
}

/* The regions and the subjects side by side: the i-th of each is one claim,
 * and the two lists have the same length. */
static pqcha_err decode_claims(pqcha_report *rep, pqcha__json_pull *regions,
                               pqcha__json_pull *subjects, pqcha__json_token first_subject) {
    pqcha__json_token st = first_subject;
    for (size_t i = 0;; i++) {
        pqcha__json_token rt;
        PQCHA_TRY(pqcha__json_pull_next(regions, &rt));
        if (i > 0) PQCHA_TRY(pqcha__json_pull_next(subjects, &st));
        int region_end = rt == PQCHA__JSON_ARRAY_END, subject_end = st == PQCHA__JSON_ARRAY_END;
        if (region_end && subject_end) return PQCHA_OK;
        if (i == PQCHA_MAX_REGIONS) return PQCHA_ERR_TOO_LARGE;
        if (region_end || subject_end) return PQCHA_ERR_INCONSISTENT_CLAIMS;
        PQCHA_TRY(decode_claim(rep, regions, rt, subjects, st));
    }
}

/* A document that is no object: WRONG_TYPE if it is a valid value. */
static pqcha_err top_level_type(pqcha__json_pull *p, pqcha__json_token first) {
    PQCHA_TRY(pqcha__json_pull_skip(p, first));
    pqcha__json_token t;
    PQCHA_TRY(pqcha__json_pull_next(p, &t));
    return PQCHA_ERR_WRONG_TYPE;
}

/* 1..PQCHA_MAX_REGIONS subjects, counted before anything is built (the
 * count the lazy skip made; the lists are decoded side by side later). */
static pqcha_err check_subject_count(const pqcha__json_value *member) {
    if (member->type != PQCHA__JSON_ARRAY) return PQCHA_ERR_WRONG_TYPE;
    if (member->items == 0) return PQCHA_ERR_EMPTY_REPORT;
    return member->items > PQCHA_MAX_REGIONS ? PQCHA_ERR_TOO_LARGE : PQCHA_OK;
}

static pqcha_err decode_statement(pqcha_report *rep, const uint8_t *payload, size_t len) {
    pqcha__json_pull top, subjects, regions;
    pqcha__json_token t;
    pqcha__json_value v[STATEMENT_N];
    pqcha__json_pull_init_lazy(&top, payload, len, DEPTH);
    PQCHA_TRY(pqcha__json_pull_next(&top, &t));
    if (t != PQCHA__JSON_OBJECT) return top_level_type(&top, t);
    PQCHA_TRY(pqcha__json_view_object(&top, statement_keys, v));
    PQCHA_TRY(pqcha__json_pull_next(&top, &t)); /* only whitespace may follow */
    PQCHA_TRY(require(v, STATEMENT_N));
    PQCHA_TRY(expect_constant(&v[STATEMENT_TYPE], PQCHA_STATEMENT_TYPE));
    PQCHA_TRY(expect_constant(&v[STATEMENT_PREDICATE_TYPE], PQCHA_PREDICATE_TYPE));
    PQCHA_TRY(check_subject_count(&v[STATEMENT_SUBJECT]));
    PQCHA_TRY(decode_predicate(rep, &v[STATEMENT_PREDICATE], &regions));
    PQCHA_TRY(pqcha__json_value_open(&v[STATEMENT_SUBJECT], PQCHA__JSON_ARRAY, DEPTH, &subjects));
    PQCHA_TRY(pqcha__json_pull_next(&subjects, &t));
    return decode_claims(rep, &regions, &subjects, t);
}

pqcha_err pqcha__statement_decode(pqcha_report **out, const uint8_t *payload, size_t len) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (payload == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    /* pqcha_verify decodes a payload only once its signature has passed,
     * but inspect and the CLI's choice of shipped roots decode it
     * unverified: it is decoded as strictly as any hostile input. No tree
     * is built, so the tree-cost rule of the former decoder has nothing to
     * bound (what is built is the report, about twice the text), and every
     * byte is validated as it is decoded (json_view.h). */
    if (len > PQCHA_MAX_PAYLOAD_LEN) return PQCHA_ERR_TOO_LARGE;
    pqcha_report *rep = NULL;
    pqcha_err err = pqcha__report_new(&rep);
    if (err == PQCHA_OK) err = decode_statement(rep, payload, len);
    if (err != PQCHA_OK) {
        pqcha_report_free(rep);
        return err;
    }
    *out = rep;
    return PQCHA_OK;
}
