/* reference_result_json.c — the tree-based (jansson) encoder of a
 * verification result that pqcha_result_to_json used before its
 * single-pass writer (src/core/result_json.c), kept unchanged as the
 * reference test_result_write holds the writer to, byte for byte. Not
 * linked into libpqcha. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>

#include "core/internal.h"
#include "core/json.h"
#include "core/verify_internal.h"
#include "reference.h"

static int tree_set(json_t *obj, const char *key, json_t *value) {
    if (!value) return -1;
    return json_object_set_new(obj, key, value);
}

static json_t *tree_check(const pqcha__result_check *rc) {
    json_t *obj = json_object();
    if (!obj) return NULL;
    int bad = 0;
    bad |= tree_set(obj, "name", json_string(rc->name));
    bad |= tree_set(obj, "status", json_string(pqcha_check_status_name(rc->status)));
    bad |= tree_set(obj, "error", pqcha__json_error_or_null(rc->err));
    bad |= tree_set(obj, "expected", json_string(rc->expected));
    bad |= tree_set(obj, "found", json_string(rc->found));
    if (bad) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

static json_t *tree_timestamp(int64_t t) {
    char ts[PQCHA_TIMESTAMP_LEN + 1];
    pqcha__time_text(ts, t);
    return json_string(ts);
}

static json_t *tree_claim(const pqcha__claim *claim) {
    json_t *obj = json_object();
    if (!obj) return NULL;
    char address[2 + 16 + 1];
    snprintf(address, sizeof address, "0x%" PRIx64, claim->region.address);
    const char *prot = pqcha_protection_name(claim->region.protection);
    int bad = 0;
    bad |= tree_set(obj, "id", json_string(claim->region.id));
    bad |= tree_set(obj, "description",
                    json_string(claim->region.description ? claim->region.description : ""));
    bad |= tree_set(obj, "digestAlgorithm", json_string(pqcha__digest_alg_text(claim->digest_alg)));
    bad |= tree_set(obj, "digest", json_string(claim->digest_hex));
    bad |= tree_set(obj, "size", json_integer((json_int_t)claim->region.size));
    bad |= tree_set(obj, "address", json_string(address));
    bad |= tree_set(obj, "protection", json_string(prot ? prot : "?"));
    bad |= tree_set(obj, "takenAt", tree_timestamp(claim->taken_at));
    if (claim->expected_hex)
        bad |= tree_set(obj, "expectedDigest", json_string(claim->expected_hex));
    if (claim->region.mapped_file)
        bad |= tree_set(obj, "mapping",
                        json_pack("{s:s, s:I, s:b}", "file", claim->region.mapped_file, "offset",
                                  (json_int_t)claim->region.file_offset, "deleted",
                                  claim->region.file_deleted));
    if (claim->segment_count > 0) {
        size_t tensors = 0;
        for (size_t i = 0; i < claim->segment_count; i++)
            tensors += claim->segments[i].tensor != NULL;
        bad |= tree_set(obj, "tensorCount", json_integer((json_int_t)tensors));
    }
    if (bad) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

static json_t *tree_report(const pqcha_report *rep) {
    json_t *obj = json_object(), *signer = json_object(), *regions = json_array();
    int bad = !obj || !signer || !regions;
    if (!bad) {
        bad |= tree_set(signer, "keyId", json_string(rep->signer_key_id));
        bad |= tree_set(signer, "algorithm", json_string(pqcha__sig_alg_text(rep->signer_alg)));
        for (size_t i = 0; i < rep->claim_count && !bad; i++) {
            json_t *region = tree_claim(&rep->claims[i]);
            bad |= region ? json_array_append_new(regions, region) : -1;
        }
    }
    if (!bad) {
        bad |= tree_set(obj, "reportId", json_string(rep->report_id));
        bad |= tree_set(obj, "workloadId", json_string(rep->workload_id));
        bad |= tree_set(obj, "platform", json_string(rep->platform));
        bad |= tree_set(obj, "nonce", json_string(rep->nonce_hex));
        bad |= tree_set(obj, "sequence", json_integer((json_int_t)rep->sequence));
        bad |= tree_set(obj, "issuedAt", tree_timestamp(rep->issued_at));
        bad |= tree_set(obj, "expiresAt", tree_timestamp(rep->expires_at));
        bad |= tree_set(obj, "signer", signer);
        signer = NULL;
        bad |= tree_set(obj, "regions", regions);
        regions = NULL;
    }
    json_decref(signer);
    json_decref(regions);
    if (bad) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

static json_t *tree_span(const pqcha__result_span *sp) {
    json_t *obj = json_object(), *tensors = json_array();
    int bad = !obj || !tensors;
    for (size_t i = 0; i < sp->tensor_count && !bad; i++) {
        json_t *name = json_string(sp->tensors[i]);
        bad |= name ? json_array_append_new(tensors, name) : -1;
    }
    if (!bad) {
        bad |= tree_set(obj, "region", json_string(sp->region));
        bad |= tree_set(obj, "offset", json_integer((json_int_t)sp->offset));
        bad |= tree_set(obj, "length", json_integer((json_int_t)sp->length));
        bad |= tree_set(obj, "tensors", tensors);
        bad |= tree_set(obj, "tensorCount", json_integer((json_int_t)sp->tensor_total));
        tensors = NULL;
    }
    json_decref(tensors);
    if (bad) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

static json_t *tree_spans(const pqcha_result *r) {
    json_t *spans = json_array();
    for (size_t i = 0; spans && i < r->span_count; i++) {
        json_t *sp = tree_span(&r->spans[i]);
        if (!sp || json_array_append_new(spans, sp) != 0) {
            json_decref(spans);
            return NULL;
        }
    }
    return spans;
}

static json_t *tree_missing_tensors(const pqcha_result *r) {
    json_t *list = json_array();
    for (size_t i = 0; list && i < r->missing_count; i++) {
        json_t *item =
            json_pack("{s:s, s:s}", "region", r->missing[i].region, "tensor", r->missing[i].tensor);
        if (!item || json_array_append_new(list, item) != 0) {
            json_decref(list);
            return NULL;
        }
    }
    return list;
}

static json_t *tree_result(const pqcha_result *r) {
    json_t *obj = json_object(), *checks = json_array(), *drift = json_array();
    int bad = !obj || !checks || !drift;
    for (size_t i = 0; i < r->check_count && !bad; i++) {
        json_t *check = tree_check(&r->checks[i]);
        bad |= check ? json_array_append_new(checks, check) : -1;
    }
    for (size_t i = 0; i < r->drift_count && !bad; i++) {
        json_t *id = json_string(r->drift[i]);
        bad |= id ? json_array_append_new(drift, id) : -1;
    }
    if (!bad) {
        bad |= tree_set(obj, "verdict", json_string(pqcha_verdict_name(r->verdict)));
        bad |= tree_set(obj, "error", json_integer(r->error));
        bad |= tree_set(obj, "errorName", json_string(pqcha_error_name(r->error)));
        bad |= tree_set(obj, "report", r->report ? tree_report(r->report) : json_null());
        bad |= tree_set(obj, "checks", checks);
        checks = NULL;
        bad |= tree_set(obj, "drift", drift);
        drift = NULL;
        bad |= tree_set(obj, "driftDetails", tree_spans(r));
        bad |= tree_set(obj, "missingTensors", tree_missing_tensors(r));
    }
    json_decref(checks);
    json_decref(drift);
    if (bad) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

/* What pqcha_result_to_json was. */
pqcha_err reference_result_to_json(char **out, const pqcha_result *r) {
    if (!out) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (!r) return PQCHA_ERR_INVALID_ARGUMENT;
    json_t *value = tree_result(r);
    if (!value) return PQCHA_ERR_NO_MEMORY;
    size_t len = 0;
    pqcha_err err = pqcha__json_dump(out, &len, value, PQCHA__JSON_COMPACT_ASCII);
    json_decref(value);
    return err;
}
