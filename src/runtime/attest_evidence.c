/* attest_evidence.c — hardware evidence for the attester's reports
 * (attest_evidence.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "runtime/attest_evidence.h"

void pqcha__attester_evidence_clear(pqcha__attester_evidence *ae) {
    pqcha_raw_evidence_free(ae->cached);
    ae->cached = NULL;
    ae->cached_nonce[0] = '\0';
}

void pqcha__attester_evidence_set(pqcha__attester_evidence *ae, pqcha_evidence_source *source,
                                  pqcha__binding binding) {
    pqcha__attester_evidence_clear(ae);
    ae->source = source;
    ae->binding = binding;
}

size_t pqcha__attester_evidence_bound(const pqcha__attester_evidence *ae) {
    if (ae->source == NULL) return 0;
    /* base64 of the largest evidence and certificates, and the keys. */
    return 4 * (PQCHA_MAX_EVIDENCE_LEN / 3 + 1) + 4 * (PQCHA_MAX_EVIDENCE_CERTS_LEN / 3 + 1) + 256;
}

pqcha_err pqcha__attester_evidence_probe(const pqcha__attester_evidence *ae) {
    return ae->source == NULL ? PQCHA_OK : pqcha_evidence_source_probe(ae->source);
}

/* REPORT_DATA for rep, whose evidence member is still empty. */
static pqcha_err report_data_for(uint8_t out[PQCHA__REPORT_DATA_LEN],
                                 const pqcha__attester_evidence *ae, const pqcha_report *rep,
                                 const pqcha_key *key) {
    if (ae->binding == PQCHA__BINDING_KEY)
        return pqcha__report_data_for_key(out, pqcha_key_id(key), rep->nonce_hex);
    char *statement = NULL;
    size_t len = 0;
    PQCHA_TRY(pqcha__statement_encode(&statement, &len, rep));
    pqcha_err err = pqcha__report_data_for_statement(out, (const uint8_t *)statement, len);
    pqcha_free(statement);
    return err;
}

/* The TEE answered with something that is not evidence of its platform
 * carrying our REPORT_DATA: refuse to sign it into a report, which would
 * only fail at the verifier, far from the cause. */
static pqcha_err check_raw(const pqcha_raw_evidence *raw,
                           const uint8_t report_data[PQCHA__REPORT_DATA_LEN]) {
    size_t len = 0;
    const uint8_t *bytes = pqcha_raw_evidence_bytes(raw, &len);
    pqcha_evidence *e = NULL;
    PQCHA_TRY(pqcha_evidence_parse(&e, bytes, len));
    pqcha_err err = strcmp(pqcha_evidence_platform(e), pqcha_raw_evidence_platform(raw)) == 0
                        ? PQCHA_OK
                        : PQCHA_ERR_BAD_EVIDENCE;
    char want[2 * PQCHA__REPORT_DATA_LEN + 1];
    pqcha_hex_encode(want, report_data, PQCHA__REPORT_DATA_LEN);
    const char *found = NULL;
    for (size_t i = 0; i < pqcha_evidence_field_count(e); i++)
        if (strcmp(pqcha_evidence_field_name(e, i), "report_data") == 0)
            found = pqcha_evidence_field_value(e, i);
    if (err == PQCHA_OK && (found == NULL || strcmp(found, want) != 0))
        err = PQCHA_ERR_EVIDENCE_BINDING;
    pqcha_evidence_free(e);
    return err;
}

static pqcha_err fetch(pqcha__attester_evidence *ae, const pqcha_report *rep,
                       const pqcha_key *key) {
    int reusable = ae->binding == PQCHA__BINDING_KEY && ae->cached != NULL &&
                   strcmp(ae->cached_nonce, rep->nonce_hex) == 0;
    if (reusable) return PQCHA_OK;
    pqcha__attester_evidence_clear(ae);
    uint8_t report_data[PQCHA__REPORT_DATA_LEN];
    PQCHA_TRY(report_data_for(report_data, ae, rep, key));
    pqcha_raw_evidence *raw = NULL;
    PQCHA_TRY(pqcha_evidence_source_get(ae->source, report_data, &raw));
    pqcha_err err = check_raw(raw, report_data);
    if (err != PQCHA_OK) {
        pqcha_raw_evidence_free(raw);
        return err;
    }
    ae->cached = raw;
    snprintf(ae->cached_nonce, sizeof ae->cached_nonce, "%s", rep->nonce_hex);
    return PQCHA_OK;
}

pqcha_err pqcha__attester_evidence_add(pqcha__attester_evidence *ae, pqcha_report *rep,
                                       const pqcha_key *key) {
    if (ae->source == NULL) return PQCHA_OK;
    pqcha_err err = fetch(ae, rep, key);
    if (err == PQCHA_OK) {
        size_t len = 0, certs_len = 0;
        const uint8_t *bytes = pqcha_raw_evidence_bytes(ae->cached, &len);
        const uint8_t *certs = pqcha_raw_evidence_certs(ae->cached, &certs_len);
        err = pqcha__report_set_evidence(rep, pqcha_raw_evidence_platform(ae->cached), ae->binding,
                                         bytes, len, certs, certs_len);
    }
    /* Report-bound evidence belongs to one report: never reused. */
    if (ae->binding == PQCHA__BINDING_REPORT || err != PQCHA_OK) pqcha__attester_evidence_clear(ae);
    return err;
}
