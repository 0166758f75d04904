/* result.c — a verification's result (pqcha/verify.h): every check in the
 * order run, the verdict and deciding error, the drifted regions, the
 * localised spans and missing tensors, and the authenticated report. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "core/internal.h"
#include "core/verify_internal.h"

const char *pqcha_verdict_name(pqcha_verdict v) {
    switch (v) {
    case PQCHA_VERDICT_VALID: return "valid";
    case PQCHA_VERDICT_DRIFT: return "drift";
    case PQCHA_VERDICT_REJECTED: return "rejected";
    case PQCHA_VERDICT_MALFORMED: return "malformed";
    }
    return "unknown";
}

const char *pqcha_check_status_name(pqcha_check_status s) {
    switch (s) {
    case PQCHA_CHECK_PASS: return "pass";
    case PQCHA_CHECK_FAIL: return "fail";
    case PQCHA_CHECK_SKIPPED: return "skipped";
    }
    return "unknown";
}

void pqcha__result_span_clear(pqcha__result_span *sp) {
    for (size_t i = 0; i < sp->tensor_count; i++)
        free(sp->tensors[i]);
    free(sp->tensors);
    free(sp->region);
    memset(sp, 0, sizeof *sp);
}

void pqcha_result_free(pqcha_result *r) {
    if (!r) return;
    for (size_t i = 0; i < r->check_count; i++) {
        free(r->checks[i].name); /* the block that holds expected and found too */
    }
    free(r->checks);
    for (size_t i = 0; i < r->drift_count; i++)
        free(r->drift[i]);
    free(r->drift);
    for (size_t i = 0; i < r->span_count; i++)
        pqcha__result_span_clear(&r->spans[i]);
    free(r->spans);
    for (size_t i = 0; i < r->missing_count; i++) {
        free(r->missing[i].region);
        free(r->missing[i].tensor);
    }
    free(r->missing);
    pqcha_report_free(r->report);
    free(r);
}

/* A NULL result reads as malformed: callers that ignore an error never see "valid". */
pqcha_verdict pqcha_result_verdict(const pqcha_result *r) {
    return r ? r->verdict : PQCHA_VERDICT_MALFORMED;
}

pqcha_err pqcha_result_error(const pqcha_result *r) {
    return r ? r->error : PQCHA_ERR_INVALID_ARGUMENT;
}

size_t pqcha_result_check_count(const pqcha_result *r) {
    return r ? r->check_count : 0;
}

static const pqcha__result_check *check_at(const pqcha_result *r, size_t i) {
    return (r && i < r->check_count) ? &r->checks[i] : NULL;
}

const char *pqcha_result_check_name(const pqcha_result *r, size_t i) {
    const pqcha__result_check *c = check_at(r, i);
    return c ? c->name : NULL;
}

pqcha_check_status pqcha_result_check_status(const pqcha_result *r, size_t i) {
    const pqcha__result_check *c = check_at(r, i);
    return c ? c->status : PQCHA_CHECK_SKIPPED;
}

pqcha_err pqcha_result_check_error(const pqcha_result *r, size_t i) {
    const pqcha__result_check *c = check_at(r, i);
    return c ? c->err : PQCHA_ERR_INVALID_ARGUMENT;
}

const char *pqcha_result_check_expected(const pqcha_result *r, size_t i) {
    const pqcha__result_check *c = check_at(r, i);
    return c ? c->expected : "";
}

const char *pqcha_result_check_found(const pqcha_result *r, size_t i) {
    const pqcha__result_check *c = check_at(r, i);
    return c ? c->found : "";
}

size_t pqcha_result_drift_count(const pqcha_result *r) {
    return r ? r->drift_count : 0;
}

const char *pqcha_result_drift_region(const pqcha_result *r, size_t i) {
    return (r && i < r->drift_count) ? r->drift[i] : NULL;
}

size_t pqcha_result_span_count(const pqcha_result *r) {
    return r ? r->span_count : 0;
}

static const pqcha__result_span *span_at(const pqcha_result *r, size_t i) {
    return (r && i < r->span_count) ? &r->spans[i] : NULL;
}

const char *pqcha_result_span_region(const pqcha_result *r, size_t i) {
    const pqcha__result_span *sp = span_at(r, i);
    return sp ? sp->region : NULL;
}

uint64_t pqcha_result_span_offset(const pqcha_result *r, size_t i) {
    const pqcha__result_span *sp = span_at(r, i);
    return sp ? sp->offset : 0;
}

uint64_t pqcha_result_span_length(const pqcha_result *r, size_t i) {
    const pqcha__result_span *sp = span_at(r, i);
    return sp ? sp->length : 0;
}

size_t pqcha_result_span_tensor_count(const pqcha_result *r, size_t i) {
    const pqcha__result_span *sp = span_at(r, i);
    return sp ? sp->tensor_count : 0;
}

size_t pqcha_result_span_tensor_total(const pqcha_result *r, size_t i) {
    const pqcha__result_span *sp = span_at(r, i);
    return sp ? sp->tensor_total : 0;
}

const char *pqcha_result_span_tensor(const pqcha_result *r, size_t i, size_t t) {
    const pqcha__result_span *sp = span_at(r, i);
    return (sp && t < sp->tensor_count) ? sp->tensors[t] : NULL;
}

size_t pqcha_result_missing_tensor_count(const pqcha_result *r) {
    return r ? r->missing_count : 0;
}

const char *pqcha_result_missing_tensor_region(const pqcha_result *r, size_t i) {
    return (r && i < r->missing_count) ? r->missing[i].region : NULL;
}

const char *pqcha_result_missing_tensor(const pqcha_result *r, size_t i) {
    return (r && i < r->missing_count) ? r->missing[i].tensor : NULL;
}

const pqcha_report *pqcha_result_report(const pqcha_result *r) {
    return r ? r->report : NULL;
}

/* The length of text without the incomplete UTF-8 sequence it may end
 * in. Check texts are built in fixed buffers from names that are UTF-8
 * (region, workload and tensor names, paths), so a long one is cut, and
 * the cut may fall inside a character: the result's JSON would then fail
 * as a whole (the writer refuses malformed UTF-8) where a shorter text
 * does. Only the end is looked at: what comes before was whole input. */
static size_t without_cut_character(const char *text, size_t len) {
    size_t lead = len;
    /* a sequence is at most 4 bytes: its lead and up to 3 continuations */
    while (lead > 0 && len - lead < 4 && ((unsigned char)text[lead - 1] & 0xc0) == 0x80)
        lead--;
    if (lead == 0 || (unsigned char)text[lead - 1] < 0xc0) return len;
    lead--;
    size_t seq = pqcha__utf8_sequence_length((const unsigned char *)text + lead, len - lead);
    return seq == len - lead ? len : lead;
}

pqcha_err pqcha__result_add_check(pqcha_result *r, const char *name, pqcha_check_status status,
                                  pqcha_err err, const char *expected, const char *found) {
    PQCHA_TRY(pqcha__grow(&r->checks, &r->check_cap, r->check_count + 1, sizeof r->checks[0],
                          SIZE_MAX / sizeof r->checks[0]));
    /* One block for the three texts: a report of thousands of regions
     * records thousands of checks, and three allocations each showed. */
    const char *texts[3] = {name, expected ? expected : "", found ? found : ""};
    size_t lens[3], total = 0;
    for (size_t i = 0; i < 3; i++)
        total += (lens[i] = without_cut_character(texts[i], strlen(texts[i]))) + 1;
    char *block = malloc(total), *at = block;
    if (block == NULL) return PQCHA_ERR_NO_MEMORY;
    char *copies[3];
    for (size_t i = 0; i < 3; i++) {
        copies[i] = memcpy(at, texts[i], lens[i]);
        at[lens[i]] = '\0';
        at += lens[i] + 1;
    }
    pqcha__result_check c = {copies[0], status, err, copies[1], copies[2]};
    r->checks[r->check_count++] = c;
    return PQCHA_OK;
}

pqcha_err pqcha__result_add_drift(pqcha_result *r, const char *region_id) {
    PQCHA_TRY(pqcha__grow(&r->drift, &r->drift_cap, r->drift_count + 1, sizeof r->drift[0],
                          PQCHA__POLICY_MAX_REGIONS + PQCHA_MAX_REGIONS));
    char *copy = pqcha__strdup(region_id);
    if (!copy) return PQCHA_ERR_NO_MEMORY;
    r->drift[r->drift_count++] = copy;
    return PQCHA_OK;
}

/* ---- texts shared by the checks and the JSON output ---- */

void pqcha__time_text(char out[PQCHA_TIMESTAMP_LEN + 1], int64_t t) {
    if (pqcha_time_format(out, t) != PQCHA_OK)
        snprintf(out, PQCHA_TIMESTAMP_LEN + 1, "%" PRId64, t);
}

const char *pqcha__sig_alg_text(pqcha_sig_alg alg) {
    const char *name = pqcha_sig_alg_name(alg);
    return name ? name : "?";
}

const char *pqcha__digest_alg_text(pqcha_digest_alg alg) {
    const char *name = pqcha_digest_alg_name(alg);
    return name ? name : "?";
}
