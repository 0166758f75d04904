/* report_evidence.c — hardware evidence inside a report's predicate
 * (docs/FORMAT.md section 4.7): at most one element
 *   {"platform": "amd-sev-snp" | "intel-tdx", "binding": "key" | "report",
 *    "data": <base64 of the raw report or quote>,
 *    "certificates": <base64, optional: what came with it>}
 * Setting it and its accessors; statement_write.c writes it and
 * statement_decode.c decodes it. What the bytes say is the
 * evidence verifier's business (evidence_api.c), after the report's own
 * signature has been verified; here they are only carried. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "core/report_internal.h"

int pqcha__report_evidence_platform_known(const char *platform) {
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
    if (!pqcha__report_evidence_platform_known(platform) || pqcha__binding_name(binding) == NULL ||
        len == 0)
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
