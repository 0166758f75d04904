/* evidence_api.c — the public hardware-evidence API (include/pqcha/evidence.h)
 * over the SEV-SNP (snp*.c) and TDX (tdx*.c) units: the platform detected
 * from the bytes, every decoded field as text for display, the verification
 * inputs kept on a handle, and the checks of a verification as a result. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/pem.h>

#include "core/encoding.h"
#include "core/evidence.h"
#include "core/evidence_policy.h"
#include "core/internal.h"
#include "core/json.h"
#include "core/snp.h"
#include "core/snp_certtable.h"
#include "core/tdx.h"

#define MAX_FIELDS 96
#define MAX_CHECKS \
    (PQCHA__SNP_MAX_CHECKS > PQCHA__TDX_MAX_CHECKS ? PQCHA__SNP_MAX_CHECKS : PQCHA__TDX_MAX_CHECKS)

typedef enum evidence_kind { KIND_SNP = 1, KIND_TDX = 2 } evidence_kind;

typedef struct evidence_field {
    const char *name; /* static */
    char *value;      /* owned */
} evidence_field;

struct pqcha_evidence {
    evidence_kind kind;
    uint8_t *bytes;
    size_t len;
    size_t field_count;
    int failed; /* an allocation failed while listing fields */
    evidence_field fields[MAX_FIELDS];
};

struct pqcha_evidence_verifier {
    uint8_t *roots; /* a PEM bundle: every root added, DER ones converted */
    size_t roots_len;
    uint8_t *chain;
    size_t chain_len;
    uint8_t *signing_cert;
    size_t signing_cert_len;
    uint8_t *crl;
    size_t crl_len;
    uint8_t *cert_table; /* SEV-SNP: what the table offers stands in for what is not set */
    size_t cert_table_len;
    int has_time;
    int64_t now;
    int has_report_data;
    uint8_t report_data[PQCHA_EVIDENCE_REPORT_DATA_LEN];
    pqcha__evidence_policy *owned_policy; /* pqcha_evidence_verifier_set_policy's */
    const pqcha__evidence_policy *policy; /* the one in force: owned_policy or a request's */
    /* A report's certificate table (pqcha__evidence_verify_request): used
     * when cert_table is not set. Borrowed. */
    const uint8_t *request_cert_table;
    size_t request_cert_table_len;
    /* TDX collateral (pqcha_evidence_verifier_add_collateral), by piece:
     * pqcha_collateral_kind less one. */
    uint8_t *collateral[PQCHA__TDX_PIECES];
    size_t collateral_len[PQCHA__TDX_PIECES];
};

struct pqcha_evidence_result {
    evidence_kind kind;
    pqcha_err err;
    size_t check_count;
    pqcha__evidence_check checks[MAX_CHECKS];
    /* TDX collateral's appraisal: a static name or NULL, and its advisories. */
    const char *tcb_status;
    size_t advisory_count;
    char advisory_ids[PQCHA__TDX_MAX_ADVISORIES][PQCHA__TDX_ADVISORY_ID_MAX + 1];
};

static const char *kind_name(evidence_kind kind) {
    return kind == KIND_SNP ? "amd-sev-snp" : "intel-tdx";
}

/* ---- fields ---- */

static void field_add(pqcha_evidence *e, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void field_add(pqcha_evidence *e, const char *name, const char *fmt, ...) {
    char text[64];
    va_list ap;
    if (e->field_count >= MAX_FIELDS) {
        e->failed = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    e->fields[e->field_count].name = name;
    e->fields[e->field_count].value = pqcha__strdup(text);
    if (e->fields[e->field_count].value == NULL) e->failed = 1;
    e->field_count++;
}

static void field_hex(pqcha_evidence *e, const char *name, const uint8_t *bytes, size_t n) {
    char *text;
    if (e->field_count >= MAX_FIELDS) {
        e->failed = 1;
        return;
    }
    text = malloc(2 * n + 1);
    if (text == NULL) {
        e->failed = 1;
        return;
    }
    pqcha_hex_encode(text, bytes, n);
    e->fields[e->field_count].name = name;
    e->fields[e->field_count].value = text;
    e->field_count++;
}

static void field_flag(pqcha_evidence *e, const char *name, int on) {
    field_add(e, name, "%s", on ? "on" : "off");
}

static const char *wrapper_name(pqcha__snp_wrapper w) {
    switch (w) {
    case PQCHA__SNP_WRAPPER_NONE: return "none";
    case PQCHA__SNP_WRAPPER_AZURE_HCL: return "azure-hcl";
    case PQCHA__SNP_WRAPPER_MSG_REPORT_RSP: return "msg-report-rsp";
    }
    return "unknown";
}

/* A TCB_VERSION: its raw value and, once the product is known, its parts. */
static void field_tcb(pqcha_evidence *e, const char *const names[6], const pqcha__snp_tcb *t,
                      pqcha__snp_product product) {
    field_add(e, names[0], "0x%016" PRIx64, t->raw);
    if (product == PQCHA__SNP_PRODUCT_UNKNOWN) return;
    if (product == PQCHA__SNP_PRODUCT_TURIN) field_add(e, names[1], "%u", t->fmc);
    field_add(e, names[2], "%u", t->boot_loader);
    field_add(e, names[3], "%u", t->tee);
    field_add(e, names[4], "%u", t->snp);
    field_add(e, names[5], "%u", t->microcode);
}

#define TCB_NAMES(prefix)                                                           \
    {                                                                               \
        prefix, prefix ".fmc", prefix ".boot_loader", prefix ".tee", prefix ".snp", \
            prefix ".microcode"                                                     \
    }

static void snp_fields(pqcha_evidence *e, const pqcha__snp_report *r, pqcha__snp_wrapper w) {
    static const char *const current[6] = TCB_NAMES("current_tcb");
    static const char *const reported[6] = TCB_NAMES("reported_tcb");
    static const char *const committed[6] = TCB_NAMES("committed_tcb");
    static const char *const launch[6] = TCB_NAMES("launch_tcb");
    const char *product = pqcha__snp_product_name(r->product);
    const char *key = pqcha__snp_signing_key_name(r->signing_key);

    field_add(e, "wrapper", "%s", wrapper_name(w));
    field_add(e, "version", "%" PRIu32, r->version);
    field_add(e, "guest_svn", "%" PRIu32, r->guest_svn);
    field_add(e, "policy", "0x%016" PRIx64, r->policy);
    field_add(e, "policy.abi", "%u.%u", r->policy_abi_major, r->policy_abi_minor);
    field_flag(e, "policy.smt", r->policy_smt);
    field_flag(e, "policy.migrate_ma", r->policy_migrate_ma);
    field_flag(e, "policy.debug", r->policy_debug);
    field_flag(e, "policy.single_socket", r->policy_single_socket);
    field_hex(e, "family_id", r->family_id, sizeof r->family_id);
    field_hex(e, "image_id", r->image_id, sizeof r->image_id);
    field_add(e, "vmpl", "%" PRIu32, r->vmpl);
    field_add(e, "signature_algo", "%" PRIu32, r->signature_algo);
    field_tcb(e, current, &r->current_tcb, r->product);
    field_add(e, "platform_info", "0x%016" PRIx64, r->platform_info);
    field_add(e, "signer_info", "0x%08" PRIx32, r->signer_info);
    field_flag(e, "author_key_en", r->author_key_en);
    field_flag(e, "mask_chip_key", r->mask_chip_key);
    field_add(e, "signing_key", "%s", key ? key : "reserved");
    field_hex(e, "report_data", r->report_data, sizeof r->report_data);
    field_hex(e, "measurement", r->measurement, sizeof r->measurement);
    field_hex(e, "host_data", r->host_data, sizeof r->host_data);
    field_hex(e, "id_key_digest", r->id_key_digest, sizeof r->id_key_digest);
    field_hex(e, "author_key_digest", r->author_key_digest, sizeof r->author_key_digest);
    field_hex(e, "report_id", r->report_id, sizeof r->report_id);
    field_hex(e, "report_id_ma", r->report_id_ma, sizeof r->report_id_ma);
    field_tcb(e, reported, &r->reported_tcb, r->product);
    field_add(e, "cpuid", "family 0x%02x model 0x%02x stepping 0x%02x", r->cpuid_fam_id,
              r->cpuid_mod_id, r->cpuid_step);
    field_add(e, "product", "%s", product ? product : "unknown");
    field_hex(e, "chip_id", r->chip_id, sizeof r->chip_id);
    field_tcb(e, committed, &r->committed_tcb, r->product);
    field_add(e, "current_version", "%u.%u.%u", r->current_version.major, r->current_version.minor,
              r->current_version.build);
    field_add(e, "committed_version", "%u.%u.%u", r->committed_version.major,
              r->committed_version.minor, r->committed_version.build);
    field_tcb(e, launch, &r->launch_tcb, r->product);
    field_add(e, "launch_mit_vector", "0x%016" PRIx64, r->launch_mit_vector);
    field_add(e, "current_mit_vector", "0x%016" PRIx64, r->current_mit_vector);
    field_hex(e, "signature.r", r->sig_r, sizeof r->sig_r);
    field_hex(e, "signature.s", r->sig_s, sizeof r->sig_s);
}

static void tdx_fields(pqcha_evidence *e, const pqcha__tdx_quote *q) {
    static const char *const rtmr[4] = {"rtmr0", "rtmr1", "rtmr2", "rtmr3"};
    const pqcha__tdx_td_report *b = &q->body;
    const pqcha__tdx_qe_report *qe = &q->qe_report;

    field_add(e, "version", "%u", q->version);
    field_add(e, "att_key_type", "%u", q->att_key_type);
    field_add(e, "tee_type", "0x%08" PRIx32, q->tee_type);
    field_hex(e, "qe_vendor_id", q->qe_vendor_id, sizeof q->qe_vendor_id);
    field_hex(e, "user_data", q->user_data, sizeof q->user_data);
    field_add(e, "body_type", "%u", q->body_type);
    field_add(e, "body_size", "%zu", q->body_len);
    field_hex(e, "tee_tcb_svn", b->tee_tcb_svn, sizeof b->tee_tcb_svn);
    field_hex(e, "mr_seam", b->mr_seam, sizeof b->mr_seam);
    field_hex(e, "mr_signer_seam", b->mr_signer_seam, sizeof b->mr_signer_seam);
    field_add(e, "seam_attributes", "0x%016" PRIx64, b->seam_attributes);
    field_add(e, "td_attributes", "0x%016" PRIx64, b->td_attributes);
    field_flag(e, "td_attributes.debug", (b->td_attributes & PQCHA__TDX_ATTRIBUTES_DEBUG) != 0);
    field_add(e, "xfam", "0x%016" PRIx64, b->xfam);
    field_hex(e, "mr_td", b->mr_td, sizeof b->mr_td);
    field_hex(e, "mr_config_id", b->mr_config_id, sizeof b->mr_config_id);
    field_hex(e, "mr_owner", b->mr_owner, sizeof b->mr_owner);
    field_hex(e, "mr_owner_config", b->mr_owner_config, sizeof b->mr_owner_config);
    for (size_t i = 0; i < 4; i++)
        field_hex(e, rtmr[i], b->rtmr[i], sizeof b->rtmr[i]);
    field_hex(e, "report_data", b->report_data, sizeof b->report_data);
    if (q->body_len == PQCHA__TDX_BODY_V15_LEN) {
        field_hex(e, "tee_tcb_svn2", b->tee_tcb_svn2, sizeof b->tee_tcb_svn2);
        field_hex(e, "mr_servicetd", b->mr_servicetd, sizeof b->mr_servicetd);
    }
    field_add(e, "quote_length", "%zu", q->quote_len);
    field_add(e, "trailing_bytes", "%zu", q->trailing_len);
    field_hex(e, "signature", q->signature, sizeof q->signature);
    field_hex(e, "attestation_key", q->attestation_key, sizeof q->attestation_key);
    field_hex(e, "qe_report.cpu_svn", qe->cpu_svn, sizeof qe->cpu_svn);
    field_add(e, "qe_report.misc_select", "0x%08" PRIx32, qe->misc_select);
    field_hex(e, "qe_report.attributes", qe->attributes, sizeof qe->attributes);
    field_hex(e, "qe_report.mr_enclave", qe->mr_enclave, sizeof qe->mr_enclave);
    field_hex(e, "qe_report.mr_signer", qe->mr_signer, sizeof qe->mr_signer);
    field_add(e, "qe_report.isv_prod_id", "%u", qe->isv_prod_id);
    field_add(e, "qe_report.isv_svn", "%u", qe->isv_svn);
    field_hex(e, "qe_report.report_data", qe->report_data, sizeof qe->report_data);
    field_hex(e, "qe_report_signature", q->qe_report_signature, sizeof q->qe_report_signature);
    field_hex(e, "qe_auth_data", e->bytes + q->qe_auth_off, q->qe_auth_len);
    field_add(e, "pck_chain_length", "%zu", q->pck_chain_len);
}

/* ---- evidence ---- */

void pqcha_evidence_free(pqcha_evidence *e) {
    if (e == NULL) return;
    for (size_t i = 0; i < e->field_count; i++)
        free(e->fields[i].value);
    free(e->bytes);
    free(e);
}

/* An SEV-SNP report (bare or wrapped) when one is recognised, else a TDX
 * quote: an SNP report's first word is its version (2-5) and a wrapper
 * starts with its own magic or status, never a quote's version and TEE type. */
static pqcha_err evidence_decode(pqcha_evidence *e) {
    size_t offset = 0;
    pqcha__snp_wrapper wrapper = PQCHA__SNP_WRAPPER_NONE;

    if (pqcha__snp_find_report_wrapped(e->bytes, e->len, &offset, &wrapper) == PQCHA_OK) {
        pqcha__snp_report r;
        PQCHA_TRY(pqcha__snp_report_parse(&r, e->bytes + offset, PQCHA__SNP_REPORT_LEN));
        e->kind = KIND_SNP;
        snp_fields(e, &r, wrapper);
    } else {
        pqcha__tdx_quote *q = malloc(sizeof *q);
        pqcha_err err;
        if (q == NULL) return PQCHA_ERR_NO_MEMORY;
        err = pqcha__tdx_quote_parse(q, e->bytes, e->len);
        if (err == PQCHA_OK) {
            e->kind = KIND_TDX;
            tdx_fields(e, q);
        }
        free(q);
        PQCHA_TRY(err);
    }
    return e->failed ? PQCHA_ERR_NO_MEMORY : PQCHA_OK;
}

pqcha_err pqcha_evidence_parse(pqcha_evidence **out, const uint8_t *bytes, size_t len) {
    pqcha_evidence *e;
    pqcha_err err;

    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (bytes == NULL && len > 0) return PQCHA_ERR_INVALID_ARGUMENT;
    if (len > PQCHA_MAX_EVIDENCE_LEN) return PQCHA_ERR_TOO_LARGE;
    e = calloc(1, sizeof *e);
    if (e == NULL) return PQCHA_ERR_NO_MEMORY;
    e->bytes = malloc(len > 0 ? len : 1);
    if (e->bytes == NULL) {
        free(e);
        return PQCHA_ERR_NO_MEMORY;
    }
    if (len > 0) memcpy(e->bytes, bytes, len);
    e->len = len;
    err = evidence_decode(e);
    if (err != PQCHA_OK) {
        pqcha_evidence_free(e);
        return err;
    }
    *out = e;
    return PQCHA_OK;
}

const char *pqcha_evidence_platform(const pqcha_evidence *e) {
    return e ? kind_name(e->kind) : NULL;
}

size_t pqcha_evidence_field_count(const pqcha_evidence *e) {
    return e ? e->field_count : 0;
}

const char *pqcha_evidence_field_name(const pqcha_evidence *e, size_t i) {
    return e && i < e->field_count ? e->fields[i].name : NULL;
}

const char *pqcha_evidence_field_value(const pqcha_evidence *e, size_t i) {
    return e && i < e->field_count ? e->fields[i].value : NULL;
}

/* ---- verification inputs ---- */

pqcha_err pqcha_evidence_verifier_create(pqcha_evidence_verifier **out) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = calloc(1, sizeof **out);
    return *out ? PQCHA_OK : PQCHA_ERR_NO_MEMORY;
}

void pqcha_evidence_verifier_free(pqcha_evidence_verifier *v) {
    if (v == NULL) return;
    free(v->roots);
    free(v->chain);
    free(v->signing_cert);
    free(v->crl);
    free(v->cert_table);
    pqcha__evidence_policy_free(v->owned_policy);
    for (size_t i = 0; i < PQCHA__TDX_PIECES; i++)
        free(v->collateral[i]);
    free(v);
}

static int is_pem(const uint8_t *bytes, size_t len) {
    static const char begin[] = "-----BEGIN";
    for (size_t i = 0; i + sizeof begin - 1 <= len; i++) {
        if (bytes[i] == '-') return memcmp(bytes + i, begin, sizeof begin - 1) == 0;
        if (bytes[i] != ' ' && bytes[i] != '\t' && bytes[i] != '\r' && bytes[i] != '\n') break;
    }
    return 0;
}

/* The PEM text of roots given as PEM (checked, copied) or one DER
 * certificate (converted), into a new buffer. */
static pqcha_err roots_as_pem(uint8_t **out, size_t *out_len, const uint8_t *bytes, size_t len) {
    X509 *cert = NULL;
    BIO *bio;
    char *data;
    long n;
    pqcha_err err = PQCHA_OK;

    *out = NULL;
    *out_len = 0;
    if (is_pem(bytes, len)) {
        STACK_OF(X509) *roots = NULL;
        PQCHA_TRY(pqcha__snp_roots_load(&roots, bytes, len));
        sk_X509_pop_free(roots, X509_free);
        *out = malloc(len + 1);
        if (*out == NULL) return PQCHA_ERR_NO_MEMORY;
        memcpy(*out, bytes, len);
        (*out)[len] = '\n'; /* the next root starts on a line of its own */
        *out_len = len + 1;
        return PQCHA_OK;
    }
    PQCHA_TRY(pqcha__snp_cert_load(&cert, bytes, len));
    /* A memory BIO fails only for want of memory. */
    bio = BIO_new(BIO_s_mem());
    if (bio != NULL && PEM_write_bio_X509(bio, cert) == 1 &&
        (n = BIO_get_mem_data(bio, &data)) > 0 && (*out = malloc((size_t)n)) != NULL) {
        memcpy(*out, data, (size_t)n);
        *out_len = (size_t)n;
    } else {
        err = PQCHA_ERR_NO_MEMORY;
    }
    BIO_free(bio);
    X509_free(cert);
    return err;
}

pqcha_err pqcha_evidence_verifier_add_roots(pqcha_evidence_verifier *v, const uint8_t *bytes,
                                            size_t len) {
    uint8_t *pem = NULL, *joined;
    size_t pem_len = 0;
    STACK_OF(X509) *all = NULL;
    pqcha_err err;

    if (v == NULL || bytes == NULL || len == 0) return PQCHA_ERR_INVALID_ARGUMENT;
    PQCHA_TRY(roots_as_pem(&pem, &pem_len, bytes, len));
    joined = malloc(v->roots_len + pem_len);
    if (joined == NULL) {
        free(pem);
        return PQCHA_ERR_NO_MEMORY;
    }
    if (v->roots_len > 0) memcpy(joined, v->roots, v->roots_len);
    memcpy(joined + v->roots_len, pem, pem_len);
    free(pem);
    /* The whole bundle within the caps on size and count. */
    err = pqcha__snp_roots_load(&all, joined, v->roots_len + pem_len);
    sk_X509_pop_free(all, X509_free);
    if (err != PQCHA_OK) {
        free(joined);
        return err;
    }
    free(v->roots);
    v->roots = joined;
    v->roots_len += pem_len;
    return PQCHA_OK;
}

/* Replaces *slot with a copy of bytes once check accepted them. */
static pqcha_err keep_copy(uint8_t **slot, size_t *slot_len, const uint8_t *bytes, size_t len) {
    uint8_t *copy = malloc(len);
    if (copy == NULL) return PQCHA_ERR_NO_MEMORY;
    memcpy(copy, bytes, len);
    free(*slot);
    *slot = copy;
    *slot_len = len;
    return PQCHA_OK;
}

pqcha_err pqcha_evidence_verifier_set_chain(pqcha_evidence_verifier *v, const uint8_t *bytes,
                                            size_t len) {
    X509 *ask = NULL, *ark = NULL;
    if (v == NULL || bytes == NULL || len == 0) return PQCHA_ERR_INVALID_ARGUMENT;
    PQCHA_TRY(pqcha__snp_chain_load(&ask, &ark, bytes, len));
    X509_free(ask);
    X509_free(ark);
    return keep_copy(&v->chain, &v->chain_len, bytes, len);
}

pqcha_err pqcha_evidence_verifier_set_signing_cert(pqcha_evidence_verifier *v, const uint8_t *bytes,
                                                   size_t len) {
    X509 *cert = NULL;
    if (v == NULL || bytes == NULL || len == 0) return PQCHA_ERR_INVALID_ARGUMENT;
    PQCHA_TRY(pqcha__snp_cert_load(&cert, bytes, len));
    X509_free(cert);
    return keep_copy(&v->signing_cert, &v->signing_cert_len, bytes, len);
}

pqcha_err pqcha_evidence_verifier_set_crl(pqcha_evidence_verifier *v, const uint8_t *bytes,
                                          size_t len) {
    X509_CRL *crl = NULL;
    if (v == NULL || bytes == NULL || len == 0) return PQCHA_ERR_INVALID_ARGUMENT;
    PQCHA_TRY(pqcha__snp_crl_load(&crl, bytes, len));
    X509_CRL_free(crl);
    return keep_copy(&v->crl, &v->crl_len, bytes, len);
}

pqcha_err pqcha_evidence_verifier_set_cert_table(pqcha_evidence_verifier *v, const uint8_t *bytes,
                                                 size_t len) {
    pqcha__snp_certtable t;
    if (v == NULL || bytes == NULL || len == 0) return PQCHA_ERR_INVALID_ARGUMENT;
    PQCHA_TRY(pqcha__snp_certtable_parse(&t, bytes, len));
    PQCHA_TRY(pqcha__snp_certtable_check_certs(&t));
    return keep_copy(&v->cert_table, &v->cert_table_len, bytes, len);
}

pqcha_err pqcha_evidence_verifier_set_time(pqcha_evidence_verifier *v, int64_t unix_seconds) {
    if (v == NULL || unix_seconds < 0 || unix_seconds > PQCHA_MAX_UNIX_SECONDS)
        return PQCHA_ERR_INVALID_ARGUMENT;
    v->has_time = 1;
    v->now = unix_seconds;
    return PQCHA_OK;
}

pqcha_err pqcha_evidence_verifier_expect_report_data(pqcha_evidence_verifier *v, const char *hex) {
    uint8_t data[PQCHA_EVIDENCE_REPORT_DATA_LEN];
    if (v == NULL || hex == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    PQCHA_TRY(pqcha__hex_decode(data, sizeof data, hex, strlen(hex)));
    memcpy(v->report_data, data, sizeof data);
    v->has_report_data = 1;
    return PQCHA_OK;
}

pqcha_err pqcha_evidence_verifier_add_collateral(pqcha_evidence_verifier *v,
                                                 pqcha_collateral_kind kind, const uint8_t *bytes,
                                                 size_t len) {
    int piece = (int)kind - 1; /* the kinds are the core's pieces, counted from 1 */
    if (v == NULL || piece < 0 || piece >= PQCHA__TDX_PIECES) return PQCHA_ERR_INVALID_ARGUMENT;
    PQCHA_TRY(pqcha__tdx_collateral_piece_check(piece, bytes, len));
    return keep_copy(&v->collateral[piece], &v->collateral_len[piece], bytes, len);
}

static int has_collateral(const pqcha_evidence_verifier *v) {
    for (size_t i = 0; i < PQCHA__TDX_PIECES; i++)
        if (v->collateral[i] != NULL) return 1;
    return 0;
}

/* ---- verification ---- */

/* The certificate table in force: the verifier's own, else a report's. */
static const uint8_t *cert_table_of(const pqcha_evidence_verifier *v, size_t *len) {
    *len = v->cert_table != NULL ? v->cert_table_len : v->request_cert_table_len;
    return v->cert_table != NULL ? v->cert_table : v->request_cert_table;
}

static void result_take_checks(pqcha_evidence_result *r, const pqcha__evidence_check *checks,
                               size_t count) {
    r->check_count = count < MAX_CHECKS ? count : MAX_CHECKS;
    memcpy(r->checks, checks, r->check_count * sizeof checks[0]);
}

/* The inputs of an SEV-SNP verification: what v holds, completed from its
 * certificate table (*table_chain then owns the chain built from it). */
static pqcha_err snp_inputs(pqcha__snp_inputs *in, uint8_t **table_chain,
                            const pqcha_evidence_verifier *v, const pqcha_evidence *e,
                            int64_t now) {
    memset(in, 0, sizeof *in);
    in->signing_cert = v->signing_cert;
    in->signing_cert_len = v->signing_cert_len;
    in->chain = v->chain;
    in->chain_len = v->chain_len;
    in->roots = v->roots;
    in->roots_len = v->roots_len;
    in->crl = v->crl;
    in->crl_len = v->crl_len;
    in->now = now;
    in->product = PQCHA__SNP_PRODUCT_UNKNOWN;
    in->expected_report_data = v->has_report_data ? v->report_data : NULL;
    in->policy = v->policy != NULL ? &v->policy->snp : NULL;
    size_t table_len = 0;
    const uint8_t *table = cert_table_of(v, &table_len);
    if (table != NULL)
        PQCHA_TRY(
            pqcha__snp_certtable_complete(in, table_chain, table, table_len, e->bytes, e->len));
    return in->signing_cert != NULL && in->chain != NULL ? PQCHA_OK : PQCHA_ERR_INVALID_ARGUMENT;
}

static pqcha_err verify_snp(pqcha_evidence_result *r, const pqcha_evidence_verifier *v,
                            const pqcha_evidence *e, int64_t now) {
    pqcha__snp_inputs in;
    pqcha__snp_outcome *o = NULL;
    uint8_t *table_chain = NULL;

    /* An input that fails here fails the whole result (never an empty VALID). */
    r->err = snp_inputs(&in, &table_chain, v, e, now);
    if (r->err == PQCHA_OK && (o = calloc(1, sizeof *o)) == NULL) r->err = PQCHA_ERR_NO_MEMORY;
    if (r->err == PQCHA_OK) {
        r->err = pqcha__snp_verify(e->bytes, e->len, &in, o);
        result_take_checks(r, o->checks, o->check_count);
    }
    free(o);
    free(table_chain);
    return r->err;
}

static pqcha_err verify_tdx(pqcha_evidence_result *r, const pqcha_evidence_verifier *v,
                            const pqcha_evidence *e, int64_t now) {
    pqcha__tdx_verify_options opts;
    pqcha__tdx_result *res = calloc(1, sizeof *res);

    if (res == NULL) return PQCHA_ERR_NO_MEMORY;
    memset(&opts, 0, sizeof opts);
    opts.roots = v->roots;
    opts.roots_len = v->roots_len;
    opts.now = now;
    opts.expected_report_data = v->has_report_data ? v->report_data : NULL;
    opts.policy = v->policy != NULL ? &v->policy->tdx : NULL;
    pqcha__tdx_collateral collateral;
    memset(&collateral, 0, sizeof collateral);
    for (int i = 0; i < PQCHA__TDX_PIECES; i++) {
        pqcha__tdx_span *span = pqcha__tdx_collateral_piece(&collateral, i);
        span->bytes = v->collateral[i];
        span->len = v->collateral_len[i];
    }
    opts.collateral = has_collateral(v) ? &collateral : NULL;
    r->err = pqcha__tdx_verify(res, e->bytes, e->len, &opts);
    result_take_checks(r, res->checks, res->check_count);
    r->tcb_status = pqcha__tdx_tcb_status_name(res->tcb_status);
    r->advisory_count = res->advisory_count;
    memcpy(r->advisory_ids, res->advisory_ids, sizeof r->advisory_ids);
    free(res);
    return r->err;
}

/* The policy is for the other platform: nothing of the evidence can meet it. */
static pqcha_err policy_platform_mismatch(pqcha_evidence_result *r,
                                          const pqcha__evidence_policy *policy) {
    pqcha__evidence_check *c = &r->checks[0];
    c->name = "policy_platform";
    c->status = PQCHA_CHECK_FAIL;
    c->err = PQCHA_ERR_EVIDENCE_POLICY;
    snprintf(c->expected, sizeof c->expected, "%s evidence", policy->platform);
    snprintf(c->found, sizeof c->found, "%s evidence", kind_name(r->kind));
    r->check_count = 1;
    r->err = c->err;
    return r->err;
}

pqcha_err pqcha_evidence_verify(pqcha_evidence_result **out, const pqcha_evidence_verifier *v,
                                const pqcha_evidence *e) {
    pqcha_evidence_result *r;
    pqcha_err err;

    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (v == NULL || e == NULL || v->roots == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    size_t table_len = 0;
    if (e->kind == KIND_SNP && cert_table_of(v, &table_len) == NULL &&
        (v->signing_cert == NULL || v->chain == NULL))
        return PQCHA_ERR_INVALID_ARGUMENT;
    if (e->kind == KIND_TDX && v->crl != NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    if (e->kind == KIND_SNP && has_collateral(v)) return PQCHA_ERR_INVALID_ARGUMENT;
    r = calloc(1, sizeof *r);
    if (r == NULL) return PQCHA_ERR_NO_MEMORY;
    r->kind = e->kind;
    if (v->policy != NULL && strcmp(v->policy->platform, kind_name(e->kind)) != 0)
        err = policy_platform_mismatch(r, v->policy);
    else if (e->kind == KIND_SNP)
        err = verify_snp(r, v, e, v->has_time ? v->now : pqcha__now());
    else
        err = verify_tdx(r, v, e, v->has_time ? v->now : pqcha__now());
    /* Without memory the checks are incomplete; INVALID_ARGUMENT from below
     * is misuse (TDX collateral paired wrongly, which the core checks) or a
     * bug, never a result. */
    if (err == PQCHA_ERR_NO_MEMORY || err == PQCHA_ERR_INVALID_ARGUMENT) {
        free(r);
        return err == PQCHA_ERR_NO_MEMORY ? err : PQCHA_ERR_INVALID_ARGUMENT;
    }
    *out = r;
    return err;
}

/* A verifier of reports may serve a fleet of both platforms (one
 * "pqcha serve" for SEV-SNP and TDX workloads): each evidence is checked
 * with its own platform's inputs, as pqcha_evidence_verify would refuse a
 * CRL of AMD's beside a TDX quote or Intel's collateral beside an SEV-SNP
 * report. Neither means anything to the other platform. */
static void keep_platform_inputs(pqcha_evidence_verifier *with, evidence_kind kind) {
    if (kind == KIND_TDX) {
        with->crl = NULL;
        with->crl_len = 0;
        return;
    }
    for (size_t i = 0; i < PQCHA__TDX_PIECES; i++) {
        with->collateral[i] = NULL;
        with->collateral_len[i] = 0;
    }
}

pqcha_err pqcha__evidence_verify_request(pqcha_evidence_result **out,
                                         const pqcha_evidence_verifier *v, const pqcha_evidence *e,
                                         const pqcha__evidence_request *req) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (v == NULL || req == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    /* A shallow copy: it borrows v's buffers and req's, and is never freed. */
    pqcha_evidence_verifier with = *v;
    with.has_time = 1;
    with.now = req->now;
    with.has_report_data = 1;
    memcpy(with.report_data, req->report_data, sizeof with.report_data);
    with.policy = req->policy;
    with.request_cert_table = req->cert_table;
    with.request_cert_table_len = req->cert_table_len;
    keep_platform_inputs(&with, e->kind);
    return pqcha_evidence_verify(out, &with, e);
}

pqcha_err pqcha_evidence_verifier_set_policy(pqcha_evidence_verifier *v, const char *json,
                                             size_t len) {
    if (v == NULL || json == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha__evidence_policy *policy = NULL;
    PQCHA_TRY(pqcha__evidence_policy_parse(&policy, json, len));
    pqcha__evidence_policy_free(v->owned_policy);
    v->owned_policy = policy;
    v->policy = policy;
    return PQCHA_OK;
}

/* ---- result ---- */

pqcha_verdict pqcha_evidence_result_verdict(const pqcha_evidence_result *r) {
    if (r == NULL) return PQCHA_VERDICT_MALFORMED;
    if (r->err == PQCHA_OK) return PQCHA_VERDICT_VALID;
    return pqcha_error_is_malformed(r->err) ? PQCHA_VERDICT_MALFORMED : PQCHA_VERDICT_REJECTED;
}

pqcha_err pqcha_evidence_result_error(const pqcha_evidence_result *r) {
    return r ? r->err : PQCHA_ERR_INVALID_ARGUMENT;
}

const char *pqcha_evidence_result_platform(const pqcha_evidence_result *r) {
    return r ? kind_name(r->kind) : NULL;
}

size_t pqcha_evidence_result_check_count(const pqcha_evidence_result *r) {
    return r ? r->check_count : 0;
}

static const pqcha__evidence_check *check_at(const pqcha_evidence_result *r, size_t i) {
    return r && i < r->check_count ? &r->checks[i] : NULL;
}

const char *pqcha_evidence_result_check_name(const pqcha_evidence_result *r, size_t i) {
    const pqcha__evidence_check *c = check_at(r, i);
    return c ? c->name : NULL;
}

pqcha_check_status pqcha_evidence_result_check_status(const pqcha_evidence_result *r, size_t i) {
    const pqcha__evidence_check *c = check_at(r, i);
    return c ? c->status : PQCHA_CHECK_SKIPPED;
}

pqcha_err pqcha_evidence_result_check_error(const pqcha_evidence_result *r, size_t i) {
    const pqcha__evidence_check *c = check_at(r, i);
    return c ? c->err : PQCHA_ERR_INVALID_ARGUMENT;
}

const char *pqcha_evidence_result_check_expected(const pqcha_evidence_result *r, size_t i) {
    const pqcha__evidence_check *c = check_at(r, i);
    return c ? c->expected : "";
}

const char *pqcha_evidence_result_check_found(const pqcha_evidence_result *r, size_t i) {
    const pqcha__evidence_check *c = check_at(r, i);
    return c ? c->found : "";
}

const char *pqcha_evidence_result_tcb_status(const pqcha_evidence_result *r) {
    return r ? r->tcb_status : NULL;
}

size_t pqcha_evidence_result_advisory_count(const pqcha_evidence_result *r) {
    return r ? r->advisory_count : 0;
}

const char *pqcha_evidence_result_advisory_id(const pqcha_evidence_result *r, size_t i) {
    return r && i < r->advisory_count ? r->advisory_ids[i] : NULL;
}

static json_t *check_json(const pqcha__evidence_check *c) {
    return json_pack("{s:s, s:s, s:o, s:s, s:s}", "name", c->name, "status",
                     pqcha_check_status_name(c->status), "error", pqcha__json_error_or_null(c->err),
                     "expected", c->expected, "found", c->found);
}

pqcha_err pqcha_evidence_result_to_json(char **out, const pqcha_evidence_result *r) {
    json_t *root, *checks;
    pqcha_err err;

    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (r == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    checks = json_array();
    for (size_t i = 0; checks != NULL && i < r->check_count; i++) {
        if (json_array_append_new(checks, check_json(&r->checks[i])) != 0) {
            json_decref(checks);
            checks = NULL;
        }
    }
    if (checks == NULL) return PQCHA_ERR_NO_MEMORY;
    root = json_pack("{s:s, s:s, s:o, s:o}", "platform", kind_name(r->kind), "verdict",
                     pqcha_verdict_name(pqcha_evidence_result_verdict(r)), "error",
                     pqcha__json_error_or_null(r->err), "checks", checks);
    if (root == NULL) return PQCHA_ERR_NO_MEMORY;
    err = pqcha__json_dump(out, NULL, root, PQCHA__JSON_COMPACT_ASCII);
    json_decref(root);
    return err;
}

void pqcha_evidence_result_free(pqcha_evidence_result *r) {
    free(r);
}
