/* report_evidence.c — hardware evidence inside a report's predicate
 * (docs/FORMAT.md section 4.7): at most one element
 *   {"platform": "amd-sev-snp" | "intel-tdx", "binding": "key" | "report",
 *    "data": <base64 of the raw report or quote>,
 *    "certificates": <base64, optional: what came with it>}
 * Its encoding, strict decoding and accessors. What the bytes say is the
 * evidence verifier's business (evidence_api.c), after the report's own
 * signature has been verified; here they are only carried. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/encoding.h"
#include "core/internal.h"
#include "core/json.h"
#include "core/report_internal.h"

static const char *const evidence_fields[] = {"platform", "binding", "data", NULL};
static const char *const evidence_optional_fields[] = {"certificates", NULL};

static int known_platform(const char *platform) {
    return strcmp(platform, PQCHA__PLATFORM_SNP) == 0 || strcmp(platform, PQCHA__PLATFORM_TDX) == 0;
}

void pqcha__report_evidence_free(pqcha__report_evidence *ev) {
    if (ev == NULL) return;
    free(ev->data);
    free(ev->certs);
    free(ev);
}

static pqcha_err copy_bytes(uint8_t **out, const uint8_t *bytes, size_t len) {
    *out = NULL;
    if (len == 0) return PQCHA_OK;
    *out = malloc(len);
    if (*out == NULL) return PQCHA_ERR_NO_MEMORY;
    memcpy(*out, bytes, len);
    return PQCHA_OK;
}

/* ev, once built without error, replaces rep's evidence; else it is dropped. */
static pqcha_err adopt(pqcha_report *rep, pqcha__report_evidence *ev, pqcha_err err) {
    if (err != PQCHA_OK) {
        pqcha__report_evidence_free(ev);
        return err;
    }
    pqcha__report_evidence_free(rep->evidence);
    rep->evidence = ev;
    return PQCHA_OK;
}

pqcha_err pqcha__report_set_evidence(pqcha_report *rep, const char *platform,
                                     pqcha__binding binding, const uint8_t *data, size_t len,
                                     const uint8_t *certs, size_t certs_len) {
    if (rep == NULL || platform == NULL || data == NULL || (certs == NULL && certs_len > 0))
        return PQCHA_ERR_INVALID_ARGUMENT;
    if (!known_platform(platform) || pqcha__binding_name(binding) == NULL || len == 0)
        return PQCHA_ERR_BAD_EVIDENCE;
    if (len > PQCHA_MAX_EVIDENCE_LEN || certs_len > PQCHA_MAX_EVIDENCE_CERTS_LEN)
        return PQCHA_ERR_TOO_LARGE;
    pqcha__report_evidence *ev = calloc(1, sizeof *ev);
    if (ev == NULL) return PQCHA_ERR_NO_MEMORY;
    snprintf(ev->platform, sizeof ev->platform, "%s", platform);
    ev->binding = binding;
    ev->data_len = len;
    ev->certs_len = certs_len;
    pqcha_err err = copy_bytes(&ev->data, data, len);
    if (err == PQCHA_OK) err = copy_bytes(&ev->certs, certs, certs_len);
    return adopt(rep, ev, err);
}

/* ---- encoding ---- */

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

pqcha_err pqcha__report_evidence_encode(json_t **out, const pqcha_report *rep) {
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

/* ---- decoding ---- */

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
    if (!known_platform(platform)) return PQCHA_ERR_BAD_EVIDENCE;
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

pqcha_err pqcha__report_evidence_decode(pqcha_report *rep, const json_t *array) {
    if (!json_is_array(array)) return PQCHA_ERR_WRONG_TYPE;
    size_t count = json_array_size(array);
    if (count == 0) return PQCHA_OK;
    /* One VM runs in one TEE: one piece of evidence per report. */
    if (count > 1) return PQCHA_ERR_TOO_LARGE;
    pqcha__report_evidence *ev = calloc(1, sizeof *ev);
    if (ev == NULL) return PQCHA_ERR_NO_MEMORY;
    return adopt(rep, ev, decode_element(ev, json_array_get(array, 0)));
}

/* ---- public accessors ---- */

const char *pqcha_report_evidence_platform(const pqcha_report *rep) {
    return rep && rep->evidence ? rep->evidence->platform : NULL;
}

const char *pqcha_report_evidence_binding(const pqcha_report *rep) {
    return rep && rep->evidence ? pqcha__binding_name(rep->evidence->binding) : NULL;
}

const uint8_t *pqcha_report_evidence_bytes(const pqcha_report *rep, size_t *len) {
    if (len) *len = rep && rep->evidence ? rep->evidence->data_len : 0;
    return rep && rep->evidence ? rep->evidence->data : NULL;
}

const uint8_t *pqcha_report_evidence_certificates(const pqcha_report *rep, size_t *len) {
    const uint8_t *certs = rep && rep->evidence ? rep->evidence->certs : NULL;
    if (len) *len = certs ? rep->evidence->certs_len : 0;
    return certs;
}
