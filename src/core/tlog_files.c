/* tlog_files.c — the files of a pqcha log around the tree: its entries
 * (one report and its verdict, compact JSON in one spelling), receipts
 * (an entry's inclusion proof and checkpoint, as an acknowledgement carries
 * it) and consistency proof files. Strict JSON through json.h; FORMAT.md
 * 9.8-9.10. */
#include <stdlib.h>
#include <string.h>

#include "core/encoding.h"
#include "core/internal.h"
#include "core/json.h"
#include "core/tlog_internal.h"
#include "core/tlog_note.h"

#define H PQCHA_TLOG_HASH_LEN

/* ---- shared: JSON in, JSON out ---- */

/* jansson keeps members in insertion order and writes compact JSON with
 * "," and ":" only: the key order of the formats is the order added. */
static pqcha_err dump_compact(char **out, size_t *out_len, json_t *obj) {
    char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    json_decref(obj);
    if (text == NULL) return PQCHA_ERR_NO_MEMORY;
    *out = text;
    *out_len = strlen(text);
    return PQCHA_OK;
}

/* Adds key: value to obj, taking value; 0 when out of memory. */
static int put(json_t *obj, const char *key, json_t *value) {
    return value != NULL && json_object_set_new(obj, key, value) == 0;
}

static json_t *base64_string(const uint8_t *data, size_t len) {
    char *b64 = NULL;
    if (pqcha__base64_encode(&b64, NULL, len ? data : (const uint8_t *)"", len) != PQCHA_OK)
        return NULL;
    json_t *s = json_string(b64);
    free(b64);
    return s;
}

/* A proof's hashes as an array of base64 strings. */
static json_t *proof_array(const uint8_t *proof, size_t count) {
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < count; i++)
        if (json_array_append_new(a, base64_string(proof + i * H, H)) != 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

/* A proof as a file holds it: count hashes, concatenated. */
typedef struct hash_list {
    uint8_t *hashes;
    size_t count;
} hash_list;

static const uint8_t *hash_list_get(const hash_list *l, size_t *count) {
    if (count) *count = l ? l->count : 0;
    return l && l->count ? l->hashes : NULL;
}

/* A proof's hashes from an array of at most PQCHA_TLOG_MAX_PROOF_HASHES
 * base64 strings of 32 bytes each. */
static pqcha_err parse_proof(const json_t *root, const char *key, hash_list *out) {
    json_t *a = NULL;
    PQCHA_TRY(pqcha__json_array(root, key, PQCHA_TLOG_MAX_PROOF_HASHES, &a));
    size_t n = json_array_size(a);
    uint8_t *proof = malloc(n ? n * H : 1);
    if (proof == NULL) return PQCHA_ERR_NO_MEMORY;
    for (size_t i = 0; i < n; i++) {
        const json_t *item = json_array_get(a, i);
        uint8_t *hash = NULL;
        size_t len = 0;
        pqcha_err err = json_is_string(item) ? PQCHA_OK : PQCHA_ERR_WRONG_TYPE;
        if (err == PQCHA_OK)
            err = pqcha__base64_decode(&hash, &len, json_string_value(item),
                                       json_string_length(item), H);
        if (err == PQCHA_ERR_TOO_LARGE || (err == PQCHA_OK && len != H))
            err = PQCHA_ERR_LOG_PROOF_SIZE; /* not a hash */
        if (err == PQCHA_OK) memcpy(proof + i * H, hash, H);
        free(hash);
        if (err != PQCHA_OK) {
            free(proof);
            return err;
        }
    }
    out->hashes = proof;
    out->count = n;
    return PQCHA_OK;
}

/* Receipts and proof files: a small object, a proof of at most 64
 * strings; the size cap bounds the rest. */
static const pqcha__json_limits file_limits = {PQCHA_TLOG_FILE_MAX_LEN, 2, 0, 16};

static pqcha_err parse_file(json_t **root, const char *text, size_t len,
                            const char *const *required, const char *const *optional) {
    if (text == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    PQCHA_TRY(pqcha__json_parse_object(root, text, len, &file_limits));
    pqcha_err err = pqcha__json_check_fields(*root, required, optional);
    if (err != PQCHA_OK) {
        json_decref(*root);
        *root = NULL;
    }
    return err;
}

/* ---- entries ---- */

struct pqcha_tlog_entry {
    pqcha_tlog_entry_fields f;
    char *strings; /* workload, report id and signer, each NUL-terminated */
};

const pqcha_tlog_entry_fields *pqcha_tlog_entry_get(const pqcha_tlog_entry *e) {
    return e ? &e->f : NULL;
}

void pqcha_tlog_entry_free(pqcha_tlog_entry *e) {
    if (e == NULL) return;
    free(e->strings);
    free(e);
}

static int verdict_known(pqcha_verdict v) {
    return v == PQCHA_VERDICT_VALID || v == PQCHA_VERDICT_DRIFT || v == PQCHA_VERDICT_REJECTED ||
           v == PQCHA_VERDICT_MALFORMED;
}

/* An error code that has a name (numbers have gaps between ranges). */
static int error_known(pqcha_err err) {
    return (int)err >= 0 && err < PQCHA_ERR_LAST_ && strcmp(pqcha_error_name(err), "UNKNOWN") != 0;
}

static const char *or_empty(const char *s) {
    return s ? s : "";
}

/* The rules both directions share, on the fields themselves. */
static pqcha_err check_entry_strings(const pqcha_tlog_entry_fields *f) {
    if (f->workload == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    PQCHA_TRY(pqcha_identifier_check(f->workload));
    if (*or_empty(f->report_id) != '\0') PQCHA_TRY(pqcha_identifier_check(f->report_id));
    if (*or_empty(f->signer) != '\0') PQCHA_TRY(pqcha__hex_check(f->signer, H, H));
    return PQCHA_OK;
}

static json_t *hex_string(const uint8_t bytes[H]) {
    char hex[2 * H + 1];
    pqcha_hex_encode(hex, bytes, H);
    return json_string(hex);
}

static pqcha_err write_entry(char **out, size_t *out_len, const pqcha_tlog_entry_fields *f) {
    char when[PQCHA_TIMESTAMP_LEN + 1];
    PQCHA_TRY(pqcha_time_format(when, f->received_at));
    json_t *o = json_object();
    int ok = o != NULL && put(o, "v", json_integer(PQCHA_TLOG_ENTRY_VERSION)) &&
             put(o, "receivedAt", json_string(when)) &&
             put(o, "workload", json_string(f->workload)) &&
             put(o, "reportId", json_string(or_empty(f->report_id))) &&
             put(o, "envelopeSha256", hex_string(f->envelope_sha256)) &&
             put(o, "signer", json_string(or_empty(f->signer))) &&
             put(o, "verdict", json_string(pqcha_verdict_name(f->verdict))) &&
             put(o, "error", json_string(pqcha_error_name(f->error))) &&
             put(o, "policySha256", hex_string(f->policy_sha256));
    if (!ok) {
        json_decref(o);
        return PQCHA_ERR_NO_MEMORY;
    }
    PQCHA_TRY(dump_compact(out, out_len, o));
    if (*out_len > PQCHA_TLOG_ENTRY_MAX_LEN) { /* identifiers are capped: cannot happen */
        free(*out);
        *out = NULL;
        *out_len = 0;
        return PQCHA_ERR_TOO_LARGE;
    }
    return PQCHA_OK;
}

pqcha_err pqcha_tlog_entry_encode(char **out, size_t *out_len, const pqcha_tlog_entry_fields *f) {
    if (out == NULL || out_len == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    *out_len = 0;
    if (f == NULL || !verdict_known(f->verdict) || !error_known(f->error))
        return PQCHA_ERR_INVALID_ARGUMENT;
    PQCHA_TRY(check_entry_strings(f));
    if ((f->verdict == PQCHA_VERDICT_VALID) != (f->error == PQCHA_OK))
        return PQCHA_ERR_INCONSISTENT_CLAIMS;
    return write_entry(out, out_len, f);
}

/* One object, nine members, no nesting. */
static const pqcha__json_limits entry_limits = {PQCHA_TLOG_ENTRY_MAX_LEN, 1, 16, 16};

static pqcha_err parse_time(int64_t *out, const char *text) {
    PQCHA_TRY(pqcha_time_parse(out, text));
    char again[PQCHA_TIMESTAMP_LEN + 1];
    /* One spelling: seconds, no fraction. */
    if (pqcha_time_format(again, *out) != PQCHA_OK || strcmp(again, text) != 0)
        return PQCHA_ERR_BAD_TIMESTAMP;
    return PQCHA_OK;
}

static pqcha_err parse_verdict(pqcha_verdict *out, const char *name) {
    for (int v = PQCHA_VERDICT_VALID; v <= PQCHA_VERDICT_MALFORMED; v++)
        if (strcmp(name, pqcha_verdict_name((pqcha_verdict)v)) == 0) {
            *out = (pqcha_verdict)v;
            return PQCHA_OK;
        }
    return PQCHA_ERR_BAD_IDENTIFIER;
}

static pqcha_err parse_error_name(pqcha_err *out, const char *name) {
    for (int e = 0; e < (int)PQCHA_ERR_LAST_; e++)
        if (error_known((pqcha_err)e) && strcmp(name, pqcha_error_name((pqcha_err)e)) == 0) {
            *out = (pqcha_err)e;
            return PQCHA_OK;
        }
    return PQCHA_ERR_BAD_IDENTIFIER;
}

static pqcha_err entry_string(const json_t *root, const char *key, const char **out) {
    return pqcha__json_string(root, key, PQCHA_TLOG_ENTRY_MAX_LEN, out);
}

static pqcha_err entry_hash(const json_t *root, const char *key, uint8_t out[H]) {
    const char *hex;
    PQCHA_TRY(entry_string(root, key, &hex));
    return pqcha__hex_decode(out, H, hex, strlen(hex));
}

/* The members in the order of FORMAT.md 9.8's table; strings borrowed
 * from root. */
static pqcha_err read_entry(pqcha_tlog_entry_fields *f, const json_t *root) {
    uint64_t v = 0;
    const char *text;
    PQCHA_TRY(pqcha__json_uint(root, "v", PQCHA_TLOG_ENTRY_VERSION, &v));
    if (v != PQCHA_TLOG_ENTRY_VERSION) return PQCHA_ERR_OUT_OF_RANGE;
    PQCHA_TRY(entry_string(root, "receivedAt", &text));
    PQCHA_TRY(parse_time(&f->received_at, text));
    PQCHA_TRY(entry_string(root, "workload", &f->workload));
    PQCHA_TRY(entry_string(root, "reportId", &f->report_id));
    PQCHA_TRY(entry_hash(root, "envelopeSha256", f->envelope_sha256));
    PQCHA_TRY(entry_string(root, "signer", &f->signer));
    PQCHA_TRY(check_entry_strings(f));
    PQCHA_TRY(entry_string(root, "verdict", &text));
    PQCHA_TRY(parse_verdict(&f->verdict, text));
    PQCHA_TRY(entry_string(root, "error", &text));
    PQCHA_TRY(parse_error_name(&f->error, text));
    PQCHA_TRY(entry_hash(root, "policySha256", f->policy_sha256));
    if ((f->verdict == PQCHA_VERDICT_VALID) != (f->error == PQCHA_OK))
        return PQCHA_ERR_INCONSISTENT_CLAIMS;
    return PQCHA_OK;
}

/* The entry keeps its strings in one block of its own. */
static pqcha_err keep_strings(pqcha_tlog_entry *e, const pqcha_tlog_entry_fields *f) {
    size_t w = strlen(f->workload) + 1, r = strlen(f->report_id) + 1, s = strlen(f->signer) + 1;
    e->strings = malloc(w + r + s);
    if (e->strings == NULL) return PQCHA_ERR_NO_MEMORY;
    memcpy(e->strings, f->workload, w);
    memcpy(e->strings + w, f->report_id, r);
    memcpy(e->strings + w + r, f->signer, s);
    e->f = *f;
    e->f.workload = e->strings;
    e->f.report_id = e->strings + w;
    e->f.signer = e->strings + w + r;
    return PQCHA_OK;
}

/* Valid fields, but is the text their one spelling? */
static pqcha_err check_spelling(const pqcha_tlog_entry_fields *f, const char *text, size_t len) {
    char *again = NULL;
    size_t again_len = 0;
    PQCHA_TRY(write_entry(&again, &again_len, f));
    int same = again_len == len && memcmp(again, text, len) == 0;
    free(again);
    return same ? PQCHA_OK : PQCHA_ERR_MALFORMED;
}

pqcha_err pqcha_tlog_entry_parse(pqcha_tlog_entry **out, const char *text, size_t len) {
    static const char *const keys[] = {
        "v",      "receivedAt", "workload", "reportId",     "envelopeSha256",
        "signer", "verdict",    "error",    "policySha256", NULL};
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (text == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    json_t *root = NULL;
    PQCHA_TRY(pqcha__json_parse_object(&root, text, len, &entry_limits));
    pqcha_tlog_entry_fields f;
    memset(&f, 0, sizeof f);
    pqcha_err err = pqcha__json_check_fields(root, keys, NULL);
    if (err == PQCHA_OK) err = read_entry(&f, root);
    if (err == PQCHA_OK) err = check_spelling(&f, text, len);
    pqcha_tlog_entry *e = err == PQCHA_OK ? calloc(1, sizeof *e) : NULL;
    if (err == PQCHA_OK && e == NULL) err = PQCHA_ERR_NO_MEMORY;
    if (err == PQCHA_OK) err = keep_strings(e, &f);
    json_decref(root);
    if (err != PQCHA_OK) {
        pqcha_tlog_entry_free(e);
        return err;
    }
    *out = e;
    return PQCHA_OK;
}

/* ---- receipts ---- */

struct pqcha_tlog_receipt {
    uint64_t index, tree_size;
    hash_list proof;
    uint8_t *entry; /* NULL: none */
    size_t entry_len;
    char *checkpoint; /* NULL: none */
    size_t checkpoint_len;
};

uint64_t pqcha_tlog_receipt_index(const pqcha_tlog_receipt *r) {
    return r ? r->index : 0;
}

uint64_t pqcha_tlog_receipt_tree_size(const pqcha_tlog_receipt *r) {
    return r ? r->tree_size : 0;
}

const uint8_t *pqcha_tlog_receipt_proof(const pqcha_tlog_receipt *r, size_t *count) {
    return hash_list_get(r ? &r->proof : NULL, count);
}

const uint8_t *pqcha_tlog_receipt_entry(const pqcha_tlog_receipt *r, size_t *len) {
    if (len) *len = r && r->entry ? r->entry_len : 0;
    return r ? r->entry : NULL;
}

const char *pqcha_tlog_receipt_checkpoint(const pqcha_tlog_receipt *r, size_t *len) {
    if (len) *len = r && r->checkpoint ? r->checkpoint_len : 0;
    return r ? r->checkpoint : NULL;
}

void pqcha_tlog_receipt_free(pqcha_tlog_receipt *r) {
    if (r == NULL) return;
    free(r->proof.hashes);
    free(r->entry);
    free(r->checkpoint);
    free(r);
}

static pqcha_err check_index(uint64_t index, uint64_t tree_size) {
    return tree_size <= PQCHA_TLOG_MAX_SIZE && index < tree_size ? PQCHA_OK
                                                                 : PQCHA_ERR_OUT_OF_RANGE;
}

static pqcha_err check_note_text(const char *text, size_t len) {
    if (len > PQCHA_TLOG_RECEIPT_MAX_NOTE) return PQCHA_ERR_TOO_LARGE;
    return pqcha__note_text_check((const uint8_t *)text, len);
}

pqcha_err pqcha_tlog_receipt_encode(char **out, size_t *out_len, uint64_t index, uint64_t tree_size,
                                    const uint8_t *entry, size_t entry_len, const uint8_t *proof,
                                    size_t count, const char *checkpoint, size_t checkpoint_len) {
    if (out == NULL || out_len == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    *out_len = 0;
    if (proof == NULL && count > 0) return PQCHA_ERR_INVALID_ARGUMENT;
    PQCHA_TRY(check_index(index, tree_size));
    if (count > PQCHA_TLOG_MAX_PROOF_HASHES || entry_len > PQCHA_TLOG_MAX_ENTRY_LEN)
        return PQCHA_ERR_TOO_LARGE;
    if (checkpoint != NULL) PQCHA_TRY(check_note_text(checkpoint, checkpoint_len));
    json_t *o = json_object();
    int ok = o != NULL && put(o, "index", json_integer((json_int_t)index)) &&
             put(o, "treeSize", json_integer((json_int_t)tree_size)) &&
             (entry == NULL || put(o, "entry", base64_string(entry, entry_len))) &&
             put(o, "inclusionProof", proof_array(proof, count)) &&
             (checkpoint == NULL || put(o, "checkpoint", json_stringn(checkpoint, checkpoint_len)));
    if (!ok) {
        json_decref(o);
        return PQCHA_ERR_NO_MEMORY;
    }
    return dump_compact(out, out_len, o);
}

static pqcha_err read_receipt(pqcha_tlog_receipt *r, const json_t *root) {
    PQCHA_TRY(pqcha__json_uint(root, "index", PQCHA_TLOG_MAX_SIZE, &r->index));
    PQCHA_TRY(pqcha__json_uint(root, "treeSize", PQCHA_TLOG_MAX_SIZE, &r->tree_size));
    PQCHA_TRY(check_index(r->index, r->tree_size));
    PQCHA_TRY(parse_proof(root, "inclusionProof", &r->proof));
    const char *text;
    if (json_object_get(root, "entry") != NULL) {
        PQCHA_TRY(pqcha__json_string(root, "entry", PQCHA_TLOG_FILE_MAX_LEN, &text));
        PQCHA_TRY(pqcha__base64_decode(&r->entry, &r->entry_len, text, strlen(text),
                                       PQCHA_TLOG_MAX_ENTRY_LEN));
    }
    if (json_object_get(root, "checkpoint") != NULL) {
        PQCHA_TRY(pqcha__json_string(root, "checkpoint", PQCHA_TLOG_RECEIPT_MAX_NOTE, &text));
        size_t len = strlen(text);
        PQCHA_TRY(check_note_text(text, len));
        r->checkpoint = pqcha__strndup(text, len);
        if (r->checkpoint == NULL) return PQCHA_ERR_NO_MEMORY;
        r->checkpoint_len = len;
    }
    return PQCHA_OK;
}

pqcha_err pqcha_tlog_receipt_parse(pqcha_tlog_receipt **out, const char *text, size_t len) {
    static const char *const required[] = {"index", "treeSize", "inclusionProof", NULL};
    static const char *const optional[] = {"entry", "checkpoint", NULL};
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    json_t *root = NULL;
    PQCHA_TRY(parse_file(&root, text, len, required, optional));
    pqcha_tlog_receipt *r = calloc(1, sizeof *r);
    pqcha_err err = r ? read_receipt(r, root) : PQCHA_ERR_NO_MEMORY;
    json_decref(root);
    if (err != PQCHA_OK) {
        pqcha_tlog_receipt_free(r);
        return err;
    }
    *out = r;
    return PQCHA_OK;
}

/* ---- consistency proofs ---- */

struct pqcha_tlog_consistency {
    uint64_t old_size, new_size;
    hash_list proof;
};

uint64_t pqcha_tlog_consistency_old_size(const pqcha_tlog_consistency *c) {
    return c ? c->old_size : 0;
}

uint64_t pqcha_tlog_consistency_new_size(const pqcha_tlog_consistency *c) {
    return c ? c->new_size : 0;
}

const uint8_t *pqcha_tlog_consistency_hashes(const pqcha_tlog_consistency *c, size_t *count) {
    return hash_list_get(c ? &c->proof : NULL, count);
}

void pqcha_tlog_consistency_free(pqcha_tlog_consistency *c) {
    if (c == NULL) return;
    free(c->proof.hashes);
    free(c);
}

static pqcha_err check_sizes(uint64_t old_size, uint64_t new_size) {
    return new_size <= PQCHA_TLOG_MAX_SIZE && old_size <= new_size ? PQCHA_OK
                                                                   : PQCHA_ERR_OUT_OF_RANGE;
}

pqcha_err pqcha_tlog_consistency_encode(char **out, size_t *out_len, uint64_t old_size,
                                        uint64_t new_size, const uint8_t *proof, size_t count) {
    if (out == NULL || out_len == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    *out_len = 0;
    if (proof == NULL && count > 0) return PQCHA_ERR_INVALID_ARGUMENT;
    PQCHA_TRY(check_sizes(old_size, new_size));
    if (count > PQCHA_TLOG_MAX_PROOF_HASHES) return PQCHA_ERR_TOO_LARGE;
    json_t *o = json_object();
    int ok = o != NULL && put(o, "oldSize", json_integer((json_int_t)old_size)) &&
             put(o, "newSize", json_integer((json_int_t)new_size)) &&
             put(o, "consistencyProof", proof_array(proof, count));
    if (!ok) {
        json_decref(o);
        return PQCHA_ERR_NO_MEMORY;
    }
    return dump_compact(out, out_len, o);
}

static pqcha_err read_consistency(pqcha_tlog_consistency *c, const json_t *root) {
    PQCHA_TRY(pqcha__json_uint(root, "oldSize", PQCHA_TLOG_MAX_SIZE, &c->old_size));
    PQCHA_TRY(pqcha__json_uint(root, "newSize", PQCHA_TLOG_MAX_SIZE, &c->new_size));
    PQCHA_TRY(check_sizes(c->old_size, c->new_size));
    return parse_proof(root, "consistencyProof", &c->proof);
}

pqcha_err pqcha_tlog_consistency_parse(pqcha_tlog_consistency **out, const char *text, size_t len) {
    static const char *const required[] = {"oldSize", "newSize", "consistencyProof", NULL};
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    json_t *root = NULL;
    PQCHA_TRY(parse_file(&root, text, len, required, NULL));
    pqcha_tlog_consistency *c = calloc(1, sizeof *c);
    pqcha_err err = c ? read_consistency(c, root) : PQCHA_ERR_NO_MEMORY;
    json_decref(root);
    if (err != PQCHA_OK) {
        pqcha_tlog_consistency_free(c);
        return err;
    }
    *out = c;
    return PQCHA_OK;
}
