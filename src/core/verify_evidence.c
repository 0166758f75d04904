/* verify_evidence.c — FORMAT.md section 5, check 11b: the hardware evidence
 * a report carries, against the workload's evidence requirements. Called by
 * verify.c once the report is authentic, fresh and its workload known.
 *
 * The binding is recomputed from what the verifier knows — the key it
 * pinned (whose id the signature check established), the nonce it issued
 * (or, without a challenge, the report's signed nonce) and the payload
 * bytes it verified — never read from the report. */
#include <stdio.h>
#include <string.h>

#include "core/binding.h"
#include "core/evidence.h"
#include "core/internal.h"
#include "core/verify_internal.h"

/* Adds "; text" to what the outcome found. */
static void append_found(pqcha__evidence_outcome *o, const char *text) {
    size_t used = strlen(o->found);
    snprintf(o->found + used, sizeof o->found - used, "; %s", text);
}

/* Which REPORT_DATA the evidence must carry, from the verifier's side. */
static pqcha_err expected_report_data(uint8_t out[PQCHA__REPORT_DATA_LEN],
                                      const pqcha__report_evidence *ev,
                                      const pqcha__evidence_context *ctx) {
    if (ev->binding == PQCHA__BINDING_KEY)
        return pqcha__report_data_for_key(out, pqcha_key_id(ctx->key),
                                          ctx->challenge ? ctx->challenge : ctx->rep->nonce_hex);
    return pqcha__report_data_for_statement(out, ctx->payload, ctx->payload_len);
}

/* The checks made before the evidence verifier runs: present, of the
 * platform and binding the policy wants, roots to check it against. */
static pqcha_err precheck(pqcha__evidence_outcome *o, const pqcha__evidence_context *ctx) {
    const pqcha__evidence_policy *pol = ctx->policy;
    const pqcha__report_evidence *ev = ctx->rep->evidence;
    int key = pqcha__evidence_policy_accepts_binding(pol, PQCHA__BINDING_KEY);
    int report = pqcha__evidence_policy_accepts_binding(pol, PQCHA__BINDING_REPORT);
    snprintf(o->expected, sizeof o->expected, "%s evidence, binding %s", pol->platform,
             key && report ? "key or report"
             : key         ? "key"
                           : "report");
    if (ev == NULL || strcmp(ev->platform, pol->platform) != 0) {
        snprintf(o->found, sizeof o->found, "%s%s", ev ? ev->platform : "no evidence",
                 ev ? " evidence" : "");
        return PQCHA_ERR_NO_EVIDENCE;
    }
    snprintf(o->found, sizeof o->found, "%s evidence, binding %s", ev->platform,
             pqcha__binding_name(ev->binding));
    if (!pqcha__evidence_policy_accepts_binding(pol, ev->binding)) return PQCHA_ERR_EVIDENCE_POLICY;
    if (ctx->evidence_verifier == NULL) {
        append_found(o, "no roots pinned to check it");
        return PQCHA_ERR_CERT_CHAIN;
    }
    return PQCHA_OK;
}

static pqcha_err run_evidence_verifier(pqcha__evidence_outcome *o,
                                       const pqcha__evidence_context *ctx) {
    const pqcha__report_evidence *ev = ctx->rep->evidence;
    pqcha_evidence *e = NULL;
    pqcha_err err = pqcha_evidence_parse(&e, ev->data, ev->data_len);
    if (err == PQCHA_OK && strcmp(pqcha_evidence_platform(e), ev->platform) != 0)
        err = PQCHA_ERR_BAD_EVIDENCE; /* the bytes say another platform than the claim */
    if (err != PQCHA_OK) {
        pqcha_evidence_free(e);
        o->verdict = err == PQCHA_ERR_NO_MEMORY ? PQCHA_VERDICT_REJECTED : PQCHA_VERDICT_MALFORMED;
        append_found(o, pqcha_strerror(err));
        return err;
    }
    pqcha__evidence_request req;
    memset(&req, 0, sizeof req);
    req.now = ctx->now;
    req.cert_table = ev->certs;
    req.cert_table_len = ev->certs_len;
    req.policy = ctx->policy;
    err = expected_report_data(req.report_data, ev, ctx);
    if (err == PQCHA_OK)
        err = pqcha__evidence_verify_request(&o->result, ctx->evidence_verifier, e, &req);
    pqcha_evidence_free(e);
    if (o->result != NULL) {
        o->verdict = pqcha_evidence_result_verdict(o->result);
    } else if (err == PQCHA_ERR_INVALID_ARGUMENT) {
        /* SEV-SNP evidence with neither a certificate table in the report
         * nor a VCEK/VLEK and chain at the verifier: nothing to check it by. */
        append_found(o, "no signing certificate or chain to check it");
        err = PQCHA_ERR_CERT_CHAIN;
    }
    return err;
}

pqcha_err pqcha__verify_report_evidence(pqcha__evidence_outcome *o,
                                        const pqcha__evidence_context *ctx) {
    memset(o, 0, sizeof *o);
    o->verdict = PQCHA_VERDICT_REJECTED;
    pqcha_err err = precheck(o, ctx);
    if (err == PQCHA_OK) err = run_evidence_verifier(o, ctx);
    if (err == PQCHA_OK) o->verdict = PQCHA_VERDICT_VALID;
    o->err = err;
    return err;
}

void pqcha__evidence_outcome_clear(pqcha__evidence_outcome *o) {
    pqcha_evidence_result_free(o->result);
    o->result = NULL;
}
