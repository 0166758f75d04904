/* snp_verify.c — offline verification of an SEV-SNP report: its ECDSA
 * signature, and the pipeline that lists every check (snp.h). The order of
 * the checks is the order of precedence: the first failing one decides. */
#include "core/snp.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>

#include "core/internal.h"

#define P384_GROUP "secp384r1"

pqcha_err pqcha__snp_verify_signature(const pqcha__snp_report *r, const uint8_t *bytes,
                                      EVP_PKEY *key) {
    if (r == NULL || bytes == NULL || key == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    if (!pqcha__ec_key_on_curve(key, P384_GROUP)) return PQCHA_ERR_EVIDENCE_SIGNATURE;
    int valid = 0;
    pqcha_err err = pqcha__ecdsa_verify_raw(&valid, key, "SHA384", bytes, PQCHA__SNP_SIGNED_LEN,
                                            r->sig_r, r->sig_s, sizeof r->sig_r);
    if (err == PQCHA_OK && !valid) err = PQCHA_ERR_EVIDENCE_SIGNATURE;
    return err;
}

/* ---- the check list ---- */

/* Appends a check; status from err (OK: PASS) unless skipped. The first
 * failure decides the outcome's error. expected is a plain string; found a
 * format. */
static void record(pqcha__snp_outcome *out, const char *name, pqcha_check_status status,
                   pqcha_err err, const char *expected, const char *found_fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void record(pqcha__snp_outcome *out, const char *name, pqcha_check_status status,
                   pqcha_err err, const char *expected, const char *found_fmt, ...) {
    if (status == PQCHA_CHECK_FAIL && out->err == PQCHA_OK) out->err = err;
    if (out->check_count >= PQCHA__SNP_MAX_CHECKS) {
        if (out->err == PQCHA_OK) out->err = PQCHA_ERR_INTERNAL;
        return;
    }
    pqcha__evidence_check *c = &out->checks[out->check_count++];
    c->name = name;
    c->status = status;
    c->err = err;
    snprintf(c->expected, sizeof c->expected, "%s", expected);
    va_list ap;
    va_start(ap, found_fmt);
    if (vsnprintf(c->found, sizeof c->found, found_fmt, ap) < 0) c->found[0] = '\0';
    va_end(ap);
}

#define CHECK_RESULT(out, name, err, expected, ...)                                           \
    record(out, name, (err) == PQCHA_OK ? PQCHA_CHECK_PASS : PQCHA_CHECK_FAIL, err, expected, \
           __VA_ARGS__)
#define CHECK_SKIP(out, name, cause, expected, why) \
    record(out, name, PQCHA_CHECK_SKIPPED, cause, expected, "%s", why)

/* Everything the pipeline has learnt so far. */
typedef struct snp_state {
    const pqcha__snp_inputs *in;
    const pqcha__snp_policy *policy;
    pqcha__snp_outcome *out;
    const uint8_t *report_bytes; /* the 0x4A0 bytes, when parsed */
    pqcha_err report_err;
    X509 *leaf, *ask, *ark;
    pqcha_err leaf_err, chain_err;
    STACK_OF(X509) * roots;
    pqcha_err roots_err;
    X509_CRL *crl;
    pqcha__snp_cert_claims claims;
    pqcha__snp_product product;
    pqcha_err product_err;
} snp_state;

static const char *product_text(pqcha__snp_product p) {
    const char *name = pqcha__snp_product_name(p);
    return name ? name : "unknown";
}

static void step_report(snp_state *st, const uint8_t *bytes, size_t len) {
    pqcha__snp_outcome *out = st->out;
    size_t offset = 0;
    pqcha_err err = pqcha__snp_find_report_wrapped(bytes, len, &offset, &out->wrapper);
    if (err != PQCHA_OK) {
        st->report_err = err;
        CHECK_RESULT(out, "report_format", err, "a 1184-byte report, or an HCL or MSG_REPORT_RSP",
                     "%zu unrecognised bytes", len);
        return;
    }
    err = pqcha__snp_report_parse(&out->report, bytes + offset, PQCHA__SNP_REPORT_LEN);
    st->report_err = err;
    if (err == PQCHA_OK) {
        out->report_parsed = 1;
        out->report_offset = offset;
        st->report_bytes = bytes + offset;
    }
    if (err != PQCHA_OK) {
        CHECK_RESULT(out, "report_format", err, "SEV-SNP report v2-v5, ECDSA P-384", "%s",
                     pqcha_strerror(err));
    } else {
        CHECK_RESULT(out, "report_format", err, "SEV-SNP report v2-v5, ECDSA P-384",
                     "v%u at offset %zu", out->report.version, offset);
    }
}

static void step_load(snp_state *st) {
    const pqcha__snp_inputs *in = st->in;
    pqcha__snp_outcome *out = st->out;
    st->leaf_err = pqcha__snp_cert_load(&st->leaf, in->signing_cert, in->signing_cert_len);
    if (st->leaf_err == PQCHA_OK) st->leaf_err = pqcha__snp_cert_claims_read(&st->claims, st->leaf);
    CHECK_RESULT(out, "signing_cert_format", st->leaf_err, "a VCEK or VLEK certificate", "%s",
                 st->leaf_err != PQCHA_OK ? pqcha_strerror(st->leaf_err)
                 : st->claims.is_vlek     ? "VLEK"
                                          : "VCEK");
    st->chain_err = pqcha__snp_chain_load(&st->ask, &st->ark, in->chain, in->chain_len);
    CHECK_RESULT(out, "chain_format", st->chain_err, "PEM: ASK or ASVK, then ARK", "%s",
                 st->chain_err == PQCHA_OK ? "two certificates" : pqcha_strerror(st->chain_err));
    st->roots_err = pqcha__snp_roots_load(&st->roots, in->roots, in->roots_len);
    CHECK_RESULT(out, "roots_format", st->roots_err, "one or more PEM certificates", "%s",
                 st->roots_err == PQCHA_OK ? "ok" : pqcha_strerror(st->roots_err));
}

static void subject_text(char *dst, size_t cap, const X509 *cert) {
    dst[0] = '\0';
    int at = X509_NAME_get_index_by_NID(X509_get_subject_name(cert), NID_commonName, -1);
    const ASN1_STRING *cn =
        at < 0 ? NULL
               : X509_NAME_ENTRY_get_data(X509_NAME_get_entry(X509_get_subject_name(cert), at));
    if (cn == NULL) return;
    /* Printable ASCII only: the text reaches a terminal. */
    const unsigned char *p = ASN1_STRING_get0_data(cn);
    size_t n = (size_t)ASN1_STRING_length(cn), j = 0;
    for (size_t i = 0; i < n && j + 1 < cap; i++)
        dst[j++] = p[i] >= 0x20 && p[i] < 0x7F ? (char)p[i] : '?';
    dst[j] = '\0';
}

static void step_chain(snp_state *st) {
    pqcha__snp_outcome *out = st->out;
    char cn[64];
    if (st->chain_err != PQCHA_OK || st->roots_err != PQCHA_OK) {
        CHECK_SKIP(out, "ark_pinned", st->chain_err ? st->chain_err : st->roots_err,
                   "the ARK is a pinned root", "no chain or no roots");
    } else {
        pqcha_err err = pqcha__snp_ark_pinned(st->ark, st->roots);
        subject_text(cn, sizeof cn, st->ark);
        CHECK_RESULT(out, "ark_pinned", err, "the ARK is a pinned root", "%s %s", cn,
                     err == PQCHA_OK ? "is pinned" : "is not pinned");
    }
    if (st->chain_err != PQCHA_OK) {
        CHECK_SKIP(out, "ark_self_signed", st->chain_err, "ARK signed by itself", "no chain");
        CHECK_SKIP(out, "ask_signed_by_ark", st->chain_err, "ASK signed by ARK", "no chain");
    } else {
        pqcha_err err = pqcha__snp_cert_issued_by(st->ark, st->ark);
        CHECK_RESULT(out, "ark_self_signed", err, "ARK signed by itself", "%s",
                     err == PQCHA_OK ? "verifies" : "does not verify");
        err = pqcha__snp_cert_issued_by(st->ask, st->ark);
        subject_text(cn, sizeof cn, st->ask);
        CHECK_RESULT(out, "ask_signed_by_ark", err, "ASK signed by ARK", "%s %s", cn,
                     err == PQCHA_OK ? "verifies" : "does not verify");
    }
    if (st->chain_err != PQCHA_OK || st->leaf_err != PQCHA_OK) {
        CHECK_SKIP(out, "signing_cert_signed_by_ask", st->leaf_err ? st->leaf_err : st->chain_err,
                   "VCEK or VLEK signed by ASK or ASVK", "no certificate or no chain");
    } else {
        pqcha_err err = pqcha__snp_cert_issued_by(st->leaf, st->ask);
        CHECK_RESULT(out, "signing_cert_signed_by_ask", err, "VCEK or VLEK signed by ASK or ASVK",
                     "%s", err == PQCHA_OK ? "verifies" : "does not verify");
    }
}

static void validity(snp_state *st, const char *name, const X509 *cert, pqcha_err cause) {
    if (cert == NULL) {
        CHECK_SKIP(st->out, name, cause, "valid at the verification time", "no certificate");
        return;
    }
    pqcha_err err = pqcha__snp_cert_valid_at(cert, st->in->now);
    char expected[PQCHA__EVIDENCE_TEXT_MAX];
    snprintf(expected, sizeof expected, "valid at %lld", (long long)st->in->now);
    CHECK_RESULT(st->out, name, err, expected, "%s",
                 err == PQCHA_OK ? "within notBefore..notAfter" : "outside its validity");
}

static void step_validity(snp_state *st) {
    validity(st, "ark_validity", st->ark, st->chain_err);
    validity(st, "ask_validity", st->ask, st->chain_err);
    validity(st, "signing_cert_validity", st->leaf, st->leaf_err);
}

/* A CRL from the ARK covers the ASK; one from the ASK covers the leaf. */
static void crl_revocation(snp_state *st, const char *name, const X509 *cert) {
    if (cert == NULL) return;
    if (X509_NAME_cmp(X509_get_issuer_name(cert), X509_CRL_get_issuer(st->crl)) != 0) return;
    pqcha_err err = pqcha__snp_crl_lists(st->crl, cert);
    CHECK_RESULT(st->out, name, err, "serial not on the CRL", "%s",
                 err == PQCHA_OK ? "not listed" : "listed: revoked");
}

static void step_crl(snp_state *st) {
    const pqcha__snp_inputs *in = st->in;
    pqcha__snp_outcome *out = st->out;
    if (in->crl == NULL) return;
    pqcha_err err = pqcha__snp_crl_load(&st->crl, in->crl, in->crl_len);
    CHECK_RESULT(out, "crl_format", err, "a CRL, DER or PEM", "%s",
                 err == PQCHA_OK ? "ok" : pqcha_strerror(err));
    if (err != PQCHA_OK) return;
    const X509 *issuer = NULL;
    if (st->ark && X509_NAME_cmp(X509_CRL_get_issuer(st->crl), X509_get_subject_name(st->ark)) == 0)
        issuer = st->ark;
    else if (st->ask &&
             X509_NAME_cmp(X509_CRL_get_issuer(st->crl), X509_get_subject_name(st->ask)) == 0)
        issuer = st->ask;
    if (st->chain_err != PQCHA_OK) {
        CHECK_SKIP(out, "crl_signature", st->chain_err, "CRL signed by ARK or ASK", "no chain");
        return;
    }
    err = issuer ? pqcha__snp_crl_issued_by(st->crl, issuer) : PQCHA_ERR_CERT_CHAIN;
    CHECK_RESULT(out, "crl_signature", err, "CRL signed by ARK or ASK", "%s",
                 err == PQCHA_OK ? "verifies" : "another issuer, or does not verify");
    if (err != PQCHA_OK) return;
    err = pqcha__snp_crl_valid_at(st->crl, in->now);
    CHECK_RESULT(out, "crl_validity", err, "thisUpdate <= now <= nextUpdate", "%s",
                 err == PQCHA_OK ? "current" : "not current");
    crl_revocation(st, "ask_not_revoked", st->ask);
    crl_revocation(st, "signing_cert_not_revoked", st->leaf);
}

/* The product decides the TCB layout: the report's CPUID (v3+), else the
 * caller's, else the pinned ARK's; the chain must be that product's. */
static void step_product(snp_state *st) {
    pqcha__snp_outcome *out = st->out;
    if (st->report_err != PQCHA_OK || st->chain_err != PQCHA_OK) {
        st->product_err = st->report_err ? st->report_err : st->chain_err;
        CHECK_SKIP(out, "product", st->product_err, "the chain's product", "no report or chain");
        return;
    }
    pqcha__snp_product chain = pqcha__snp_ark_product(st->ark);
    pqcha__snp_product want = out->report.product;
    if (want == PQCHA__SNP_PRODUCT_UNKNOWN) want = st->in->product;
    if (want == PQCHA__SNP_PRODUCT_UNKNOWN) want = chain;
    pqcha_err err = PQCHA_OK;
    if (want == PQCHA__SNP_PRODUCT_UNKNOWN || chain != want ||
        (st->leaf_err == PQCHA_OK && st->claims.product != PQCHA__SNP_PRODUCT_UNKNOWN &&
         st->claims.product != want))
        err = PQCHA_ERR_CERT_MISMATCH;
    if (err == PQCHA_OK) err = pqcha__snp_report_set_product(&out->report, want);
    st->product = err == PQCHA_OK ? want : PQCHA__SNP_PRODUCT_UNKNOWN;
    st->product_err = err;
    char expected[PQCHA__EVIDENCE_TEXT_MAX];
    snprintf(expected, sizeof expected, "%s (report CPUID %02x/%02x)", product_text(want),
             out->report.cpuid_fam_id, out->report.cpuid_mod_id);
    CHECK_RESULT(out, "product", err, expected, "chain %s, certificate %s", product_text(chain),
                 st->leaf_err == PQCHA_OK ? product_text(st->claims.product) : "unreadable");
}

static void step_signing_key(snp_state *st) {
    pqcha__snp_outcome *out = st->out;
    if (st->report_err != PQCHA_OK || st->leaf_err != PQCHA_OK) {
        CHECK_SKIP(out, "signing_key", st->report_err ? st->report_err : st->leaf_err,
                   "the report's signing key", "no report or certificate");
        return;
    }
    const char *want = pqcha__snp_signing_key_name(out->report.signing_key);
    int cert_vlek = st->claims.is_vlek;
    pqcha_err err = PQCHA_OK;
    if (out->report.signing_key != (cert_vlek ? PQCHA__SNP_KEY_VLEK : PQCHA__SNP_KEY_VCEK))
        err = PQCHA_ERR_CERT_MISMATCH;
    if (st->chain_err == PQCHA_OK && pqcha__snp_intermediate_is_asvk(st->ask) != cert_vlek)
        err = PQCHA_ERR_CERT_MISMATCH;
    CHECK_RESULT(out, "signing_key", err, want, "%s certificate, %s", cert_vlek ? "VLEK" : "VCEK",
                 st->chain_err != PQCHA_OK                  ? "no chain"
                 : pqcha__snp_intermediate_is_asvk(st->ask) ? "ASVK chain"
                                                            : "ASK chain");
}

static void step_hwid(snp_state *st) {
    pqcha__snp_outcome *out = st->out;
    if (st->leaf_err == PQCHA_OK && st->claims.is_vlek) return; /* a VLEK names no chip */
    if (st->report_err != PQCHA_OK || st->leaf_err != PQCHA_OK || st->product_err != PQCHA_OK) {
        pqcha_err cause = st->report_err ? st->report_err
                          : st->leaf_err ? st->leaf_err
                                         : st->product_err;
        CHECK_SKIP(out, "hwid", cause, "the report's CHIP_ID", "no report, certificate or product");
        return;
    }
    size_t want_len = st->product == PQCHA__SNP_PRODUCT_TURIN ? 8u : 64u;
    char expected[PQCHA__EVIDENCE_TEXT_MAX], found[PQCHA__EVIDENCE_TEXT_MAX];
    pqcha_hex_encode(expected, out->report.chip_id, want_len);
    pqcha_hex_encode(found, st->claims.hwid, st->claims.hwid_len);
    pqcha_err err = st->claims.has_hwid && st->claims.hwid_len == want_len &&
                            memcmp(st->claims.hwid, out->report.chip_id, want_len) == 0
                        ? PQCHA_OK
                        : PQCHA_ERR_CERT_MISMATCH;
    CHECK_RESULT(out, "hwid", err, expected, "%s", st->claims.has_hwid ? found : "absent");
}

static void tcb_component(snp_state *st, const char *name, uint8_t reported, int has, uint8_t spl) {
    char expected[PQCHA__EVIDENCE_TEXT_MAX];
    snprintf(expected, sizeof expected, "%u (REPORTED_TCB)", reported);
    pqcha_err err = has && spl == reported ? PQCHA_OK : PQCHA_ERR_CERT_MISMATCH;
    if (has) {
        CHECK_RESULT(st->out, name, err, expected, "%u", spl);
    } else {
        CHECK_RESULT(st->out, name, err, expected, "%s", "absent");
    }
}

static void step_tcb(snp_state *st) {
    pqcha__snp_outcome *out = st->out;
    static const char *const names[] = {"cert_tcb_boot_loader", "cert_tcb_tee", "cert_tcb_snp",
                                        "cert_tcb_microcode"};
    if (st->report_err != PQCHA_OK || st->leaf_err != PQCHA_OK || st->product_err != PQCHA_OK) {
        pqcha_err cause = st->report_err ? st->report_err
                          : st->leaf_err ? st->leaf_err
                                         : st->product_err;
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            CHECK_SKIP(out, names[i], cause, "REPORTED_TCB", "no report, certificate or product");
        return;
    }
    const pqcha__snp_tcb *t = &out->report.reported_tcb;
    const pqcha__snp_cert_claims *c = &st->claims;
    if (st->product == PQCHA__SNP_PRODUCT_TURIN)
        tcb_component(st, "cert_tcb_fmc", t->fmc, c->has_fmc, c->fmc);
    tcb_component(st, names[0], t->boot_loader, c->has_bl, c->bl);
    tcb_component(st, names[1], t->tee, c->has_tee, c->tee);
    tcb_component(st, names[2], t->snp, c->has_snp, c->snp);
    tcb_component(st, names[3], t->microcode, c->has_ucode, c->ucode);
}

static void step_signature(snp_state *st) {
    pqcha__snp_outcome *out = st->out;
    if (st->report_err != PQCHA_OK || st->leaf_err != PQCHA_OK) {
        CHECK_SKIP(out, "report_signature", st->report_err ? st->report_err : st->leaf_err,
                   "ECDSA P-384/SHA-384 by the VCEK or VLEK", "no report or certificate");
        return;
    }
    pqcha_err err =
        pqcha__snp_verify_signature(&out->report, st->report_bytes, X509_get0_pubkey(st->leaf));
    CHECK_RESULT(out, "report_signature", err, "ECDSA P-384/SHA-384 by the VCEK or VLEK", "%s",
                 err == PQCHA_OK ? "verifies" : "does not verify");
}

/* Compares a report field with what the caller expects, as hex. */
static void bytes_check(snp_state *st, const char *name, pqcha_err fail, const uint8_t *want,
                        const uint8_t *got, size_t n) {
    char expected[PQCHA__EVIDENCE_TEXT_MAX], found[PQCHA__EVIDENCE_TEXT_MAX];
    pqcha_hex_encode(expected, want, n);
    pqcha_hex_encode(found, got, n);
    pqcha_err err = pqcha__ct_equal(want, got, n) ? PQCHA_OK : fail;
    CHECK_RESULT(st->out, name, err, expected, "%s", found);
}

static void flag_check(snp_state *st, const char *name, int allowed, int set) {
    pqcha_err err = set && !allowed ? PQCHA_ERR_EVIDENCE_POLICY : PQCHA_OK;
    CHECK_RESULT(st->out, name, err, allowed ? "on or off" : "off", "%s", set ? "on" : "off");
}

static void min_tcb(snp_state *st, const char *name, uint8_t min, uint8_t got) {
    char expected[PQCHA__EVIDENCE_TEXT_MAX];
    snprintf(expected, sizeof expected, ">= %u", min);
    CHECK_RESULT(st->out, name, got >= min ? PQCHA_OK : PQCHA_ERR_TCB_TOO_LOW, expected, "%u", got);
}

static void step_policy(snp_state *st) {
    const pqcha__snp_policy *p = st->policy;
    const pqcha__snp_report *r = &st->out->report;
    if (st->in->expected_report_data)
        bytes_check(st, "report_data", PQCHA_ERR_EVIDENCE_BINDING, st->in->expected_report_data,
                    r->report_data, sizeof r->report_data);
    if (p == NULL) return;
    if (p->min_version) {
        char expected[PQCHA__EVIDENCE_TEXT_MAX];
        snprintf(expected, sizeof expected, ">= %u", p->min_version);
        CHECK_RESULT(st->out, "policy_report_version",
                     r->version >= p->min_version ? PQCHA_OK : PQCHA_ERR_EVIDENCE_POLICY, expected,
                     "%u", r->version);
    }
    flag_check(st, "policy_debug", p->allow_debug, r->policy_debug);
    flag_check(st, "policy_migrate_ma", p->allow_migrate_ma, r->policy_migrate_ma);
    if (p->has_max_vmpl) {
        char expected[PQCHA__EVIDENCE_TEXT_MAX];
        snprintf(expected, sizeof expected, "<= %u", p->max_vmpl);
        CHECK_RESULT(st->out, "policy_vmpl",
                     r->vmpl <= p->max_vmpl ? PQCHA_OK : PQCHA_ERR_EVIDENCE_POLICY, expected, "%u",
                     r->vmpl);
    }
    if (p->measurement)
        bytes_check(st, "policy_measurement", PQCHA_ERR_EVIDENCE_POLICY, p->measurement,
                    r->measurement, sizeof r->measurement);
    if (p->host_data)
        bytes_check(st, "policy_host_data", PQCHA_ERR_EVIDENCE_POLICY, p->host_data, r->host_data,
                    sizeof r->host_data);
    if (p->id_key_digest)
        bytes_check(st, "policy_id_key_digest", PQCHA_ERR_EVIDENCE_POLICY, p->id_key_digest,
                    r->id_key_digest, sizeof r->id_key_digest);
    if (!p->has_min_tcb) return;
    if (st->product_err != PQCHA_OK) {
        CHECK_SKIP(st->out, "policy_min_tcb", st->product_err, "REPORTED_TCB >= the minimum",
                   "the product, and so the TCB layout, is unknown");
        return;
    }
    const pqcha__snp_tcb *t = &r->reported_tcb;
    if (st->product == PQCHA__SNP_PRODUCT_TURIN)
        min_tcb(st, "policy_min_tcb_fmc", p->min_tcb.fmc, t->fmc);
    min_tcb(st, "policy_min_tcb_boot_loader", p->min_tcb.boot_loader, t->boot_loader);
    min_tcb(st, "policy_min_tcb_tee", p->min_tcb.tee, t->tee);
    min_tcb(st, "policy_min_tcb_snp", p->min_tcb.snp, t->snp);
    min_tcb(st, "policy_min_tcb_microcode", p->min_tcb.microcode, t->microcode);
}

static void state_clear(snp_state *st) {
    X509_free(st->leaf);
    X509_free(st->ask);
    X509_free(st->ark);
    sk_X509_pop_free(st->roots, X509_free);
    X509_CRL_free(st->crl);
    ERR_clear_error();
}

pqcha_err pqcha__snp_verify(const uint8_t *bytes, size_t len, const pqcha__snp_inputs *in,
                            pqcha__snp_outcome *out) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    memset(out, 0, sizeof *out);
    if (in == NULL || (bytes == NULL && len > 0)) return PQCHA_ERR_INVALID_ARGUMENT;
    snp_state st;
    memset(&st, 0, sizeof st);
    st.in = in;
    st.policy = in->policy;
    st.out = out;
    step_report(&st, bytes, len);
    step_load(&st);
    step_chain(&st);
    step_validity(&st);
    step_crl(&st);
    step_product(&st);
    step_signing_key(&st);
    step_hwid(&st);
    step_tcb(&st);
    step_signature(&st);
    if (st.report_err == PQCHA_OK) step_policy(&st);
    state_clear(&st);
    return out->err;
}
