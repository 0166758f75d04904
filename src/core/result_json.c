/* result_json.c — a verification result as JSON (pqcha_result_to_json,
 * what `pqcha verify --json` prints; docs/FORMAT.md section 9). */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "core/json.h"
#include "core/verify_internal.h"

/* json_object_set_new that also fails for a NULL value (an allocation that
 * failed); like json_object_set_new it always consumes value. */
static int set_new(json_t *obj, const char *key, json_t *value) {
    if (!value) return -1;
    return json_object_set_new(obj, key, value);
}

static json_t *check_to_json(const pqcha__result_check *rc) {
    json_t *obj = json_object();
    if (!obj) return NULL;
    int bad = 0;
    bad |= set_new(obj, "name", json_string(rc->name));
    bad |= set_new(obj, "status", json_string(pqcha_check_status_name(rc->status)));
    bad |= set_new(obj, "error", pqcha__json_error_or_null(rc->err));
    bad |= set_new(obj, "expected", json_string(rc->expected));
    bad |= set_new(obj, "found", json_string(rc->found));
    if (bad) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

static json_t *timestamp_json(int64_t t) {
    char ts[PQCHA_TIMESTAMP_LEN + 1];
    pqcha__time_text(ts, t);
    return json_string(ts);
}

static json_t *claim_to_json(const pqcha__claim *claim) {
    json_t *obj = json_object();
    if (!obj) return NULL;
    char address[2 + 16 + 1];
    snprintf(address, sizeof address, "0x%" PRIx64, claim->region.address);
    const char *prot = pqcha_protection_name(claim->region.protection);
    int bad = 0;
    bad |= set_new(obj, "id", json_string(claim->region.id));
    bad |= set_new(obj, "description",
                   json_string(claim->region.description ? claim->region.description : ""));
    bad |= set_new(obj, "digestAlgorithm", json_string(pqcha__digest_alg_text(claim->digest_alg)));
    bad |= set_new(obj, "digest", json_string(claim->digest_hex));
    bad |= set_new(obj, "size", json_integer((json_int_t)claim->region.size));
    bad |= set_new(obj, "address", json_string(address));
    bad |= set_new(obj, "protection", json_string(prot ? prot : "?"));
    bad |= set_new(obj, "takenAt", timestamp_json(claim->taken_at));
    if (claim->expected_hex) /* the attester's own claim: shown, never used */
        bad |= set_new(obj, "expectedDigest", json_string(claim->expected_hex));
    if (claim->region.mapped_file) /* where in which file the region's bytes come from */
        bad |= set_new(obj, "mapping",
                       json_pack("{s:s, s:I, s:b}", "file", claim->region.mapped_file, "offset",
                                 (json_int_t)claim->region.file_offset, "deleted",
                                 claim->region.file_deleted));
    if (claim->segment_count > 0) {
        size_t tensors = 0;
        for (size_t i = 0; i < claim->segment_count; i++)
            tensors += claim->segments[i].tensor != NULL;
        bad |= set_new(obj, "tensorCount", json_integer((json_int_t)tensors));
    }
    if (bad) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

static json_t *report_to_json(const pqcha_report *rep) {
    json_t *obj = json_object(), *signer = json_object(), *regions = json_array();
    int bad = !obj || !signer || !regions;
    if (!bad) {
        bad |= set_new(signer, "keyId", json_string(rep->signer_key_id));
        bad |= set_new(signer, "algorithm", json_string(pqcha__sig_alg_text(rep->signer_alg)));
        for (size_t i = 0; i < rep->claim_count && !bad; i++) {
            json_t *region = claim_to_json(&rep->claims[i]);
            bad |= region ? json_array_append_new(regions, region) : -1;
        }
    }
    if (!bad) {
        bad |= set_new(obj, "reportId", json_string(rep->report_id));
        bad |= set_new(obj, "workloadId", json_string(rep->workload_id));
        bad |= set_new(obj, "platform", json_string(rep->platform));
        bad |= set_new(obj, "nonce", json_string(rep->nonce_hex));
        bad |= set_new(obj, "sequence", json_integer((json_int_t)rep->sequence));
        bad |= set_new(obj, "issuedAt", timestamp_json(rep->issued_at));
        bad |= set_new(obj, "expiresAt", timestamp_json(rep->expires_at));
        bad |= set_new(obj, "signer", signer);
        signer = NULL; /* owned by obj now (or freed by set_new on failure) */
        bad |= set_new(obj, "regions", regions);
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

static json_t *span_to_json(const pqcha__result_span *sp) {
    json_t *obj = json_object(), *tensors = json_array();
    int bad = !obj || !tensors;
    for (size_t i = 0; i < sp->tensor_count && !bad; i++) {
        json_t *name = json_string(sp->tensors[i]);
        bad |= name ? json_array_append_new(tensors, name) : -1;
    }
    if (!bad) {
        bad |= set_new(obj, "region", json_string(sp->region));
        bad |= set_new(obj, "offset", json_integer((json_int_t)sp->offset));
        bad |= set_new(obj, "length", json_integer((json_int_t)sp->length));
        bad |= set_new(obj, "tensors", tensors);
        bad |= set_new(obj, "tensorCount", json_integer((json_int_t)sp->tensor_total));
        tensors = NULL;
    }
    json_decref(tensors);
    if (bad) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

static json_t *spans_to_json(const pqcha_result *r) {
    json_t *spans = json_array();
    for (size_t i = 0; spans && i < r->span_count; i++) {
        json_t *sp = span_to_json(&r->spans[i]);
        if (!sp || json_array_append_new(spans, sp) != 0) {
            json_decref(spans);
            return NULL;
        }
    }
    return spans;
}

static json_t *missing_tensors_to_json(const pqcha_result *r) {
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

static json_t *result_to_json_value(const pqcha_result *r) {
    json_t *obj = json_object(), *checks = json_array(), *drift = json_array();
    int bad = !obj || !checks || !drift;
    for (size_t i = 0; i < r->check_count && !bad; i++) {
        json_t *check = check_to_json(&r->checks[i]);
        bad |= check ? json_array_append_new(checks, check) : -1;
    }
    for (size_t i = 0; i < r->drift_count && !bad; i++) {
        json_t *id = json_string(r->drift[i]);
        bad |= id ? json_array_append_new(drift, id) : -1;
    }
    if (!bad) {
        bad |= set_new(obj, "verdict", json_string(pqcha_verdict_name(r->verdict)));
        bad |= set_new(obj, "error", json_integer(r->error));
        bad |= set_new(obj, "errorName", json_string(pqcha_error_name(r->error)));
        bad |= set_new(obj, "report", r->report ? report_to_json(r->report) : json_null());
        bad |= set_new(obj, "checks", checks);
        checks = NULL;
        bad |= set_new(obj, "drift", drift);
        drift = NULL;
        bad |= set_new(obj, "driftDetails", spans_to_json(r));
        bad |= set_new(obj, "missingTensors", missing_tensors_to_json(r));
    }
    json_decref(checks);
    json_decref(drift);
    if (bad) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

pqcha_err pqcha_result_to_json(char **out, const pqcha_result *r) {
    if (!out) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (!r) return PQCHA_ERR_INVALID_ARGUMENT;
    json_t *value = result_to_json_value(r);
    if (!value) return PQCHA_ERR_NO_MEMORY;
    size_t len = 0;
    pqcha_err err = pqcha__json_dump(out, &len, value, PQCHA__JSON_COMPACT_ASCII);
    json_decref(value);
    return err;
}
