/* report_fixture.h — the report header the report tests build on
 * (test_report.c, test_statement_write.c): fixed ids, nonce, key id and
 * times, so each test adds only the claims it is about. */
#ifndef PQCHA_REPORT_FIXTURE_H
#define PQCHA_REPORT_FIXTURE_H

#include <string.h>

#include "core/report_internal.h"

#define X8(s)     s s s s s s s s
#define KEY_ID    X8("dddddddd")
#define NONCE     "00112233445566778899aabbccddeeff"
#define REPORT_ID "urn:uuid:5f0c8a4e-1b7d-4c1e-9a53-2f7d3c0b9e61"
#define ISSUED_AT 1795836655 /* 2026-11-28T03:30:55Z */

/* A report with every header field set and no claims; NULL when out of memory. */
static inline pqcha_report *fixture_report_header(void) {
    pqcha_report *rep = NULL;
    if (pqcha__report_new(&rep) != PQCHA_OK) return NULL;
    int ok = pqcha__report_set_string(&rep->report_id, REPORT_ID) == PQCHA_OK &&
             pqcha__report_set_string(&rep->workload_id, "model-serving-1") == PQCHA_OK &&
             pqcha__report_set_string(&rep->platform, "file") == PQCHA_OK &&
             pqcha__report_set_string(&rep->nonce_hex, NONCE) == PQCHA_OK;
    memcpy(rep->signer_key_id, KEY_ID, sizeof rep->signer_key_id);
    rep->signer_alg = PQCHA_ML_DSA_65;
    rep->sequence = 7;
    rep->issued_at = ISSUED_AT;
    rep->expires_at = ISSUED_AT + 300;
    if (!ok) {
        pqcha_report_free(rep);
        return NULL;
    }
    return rep;
}

#endif
