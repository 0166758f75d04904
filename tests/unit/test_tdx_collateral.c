/* test_tdx_collateral.c — TDX collateral appraised offline (tdx_collateral.c):
 * the real quotes of ../shared/testdata/hw/tdx with their collateral at
 * pinned times (skipped, saying so, when absent), and collateral
 * synthesised here for a synthetic quote (tdx_synth.h: a throw-away root,
 * PCK CA, PCK, TCB signing key) for every status and every rejection with
 * its exact code. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tdx.h"
#include "tdx_synth.h"
#include "testutil.h"

/* 2025-07-01T00:00:00Z: inside every validity of v4_dcapqvl's collateral
 * (TCB info 2025-06-19T10:16:03Z..07-19, QE identity 06-19T10:32:27Z..07-19,
 * PCK CRL 06-19T10:00:35Z..07-19, root CA CRL 2025-03-20..2026-04-03, TCB
 * signing certificate from 2025-05-06). */
#define V4_NOW 1751328000
/* 2026-02-15T00:00:00Z: inside v5_gotdxguest's TCB info (2026-02-01..03-03). */
#define V5_NOW            1771113600
#define V4_TCB_NEXT       1752920163 /* 2025-07-19T10:16:03Z, the TCB info's nextUpdate */
#define V4_PCK_CRL_UPDATE 1750327235 /* 2025-06-19T10:00:35Z, the PCK CRL's thisUpdate */

/* ---- collateral files ---- */

static const char *const piece_files[PQCHA__TDX_PIECES] = {
    [PQCHA__TDX_TCB_INFO] = "tcb_info.json",
    [PQCHA__TDX_TCB_INFO_CHAIN] = "tcb_info_issuer_chain.pem",
    [PQCHA__TDX_QE_IDENTITY] = "qe_identity.json",
    [PQCHA__TDX_QE_IDENTITY_CHAIN] = "qe_identity_issuer_chain.pem",
    [PQCHA__TDX_PCK_CRL] = "pck_crl.der",
    [PQCHA__TDX_PCK_CRL_CHAIN] = "pck_crl_issuer_chain.pem",
    [PQCHA__TDX_ROOT_CA_CRL] = "root_ca_crl.der",
};

typedef struct files {
    uint8_t *bytes[PQCHA__TDX_PIECES];
    size_t len[PQCHA__TDX_PIECES];
} files;

static int file_exists(const char *rel) {
    char path[4700];
    snprintf(path, sizeof path, "%s/%s", hw_dir, rel);
    FILE *f = fopen(path, "rb");
    if (f) fclose(f);
    return f != NULL;
}

/* Every piece the folder's collateral/ holds; missing ones stay NULL. */
static void read_collateral(files *f, const char *folder) {
    memset(f, 0, sizeof *f);
    for (int i = 0; i < PQCHA__TDX_PIECES; i++) {
        char rel[512];
        snprintf(rel, sizeof rel, "tdx/%s/collateral/%s", folder, piece_files[i]);
        if (file_exists(rel)) f->bytes[i] = read_hw(rel, &f->len[i]);
    }
}

static void set_piece(files *f, int piece, uint8_t *bytes, size_t len) {
    free(f->bytes[piece]);
    f->bytes[piece] = bytes;
    f->len[piece] = bytes ? len : 0;
}

/* set_piece for bytes made by the call in the argument list, which also
 * sets *len: read only once every argument has been evaluated. */
static void set_made(files *f, int piece, uint8_t *bytes, const size_t *len) {
    set_piece(f, piece, bytes, *len);
}

static void files_free(files *f) {
    for (int i = 0; i < PQCHA__TDX_PIECES; i++)
        free(f->bytes[i]);
    memset(f, 0, sizeof *f);
}

static pqcha__tdx_collateral collateral_of(const files *f) {
    pqcha__tdx_collateral c;
    memset(&c, 0, sizeof c);
    for (int i = 0; i < PQCHA__TDX_PIECES; i++) {
        pqcha__tdx_span *s = pqcha__tdx_collateral_piece(&c, i);
        s->bytes = f->bytes[i];
        s->len = f->len[i];
    }
    return c;
}

static pqcha__tdx_verify_options options(const uint8_t *roots, size_t roots_len, int64_t now,
                                         const pqcha__tdx_collateral *c) {
    pqcha__tdx_verify_options o;
    memset(&o, 0, sizeof o);
    o.roots = roots;
    o.roots_len = roots_len;
    o.now = now;
    o.collateral = c;
    return o;
}

/* The check names of res in order, space-separated. */
static void names_of(const pqcha__tdx_result *res, char *out, size_t cap) {
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < res->check_count && used < cap; i++) {
        int n = snprintf(out + used, cap - used, "%s%s%s", i ? " " : "", res->checks[i].name,
                         res->checks[i].status == PQCHA_CHECK_SKIPPED ? "(skip)" : "");
        used += n > 0 ? (size_t)n : 0;
    }
}

static void print_checks(const char *what, const pqcha__tdx_result *res) {
    printf("     %s: %s, TCB status %s\n", what, pqcha_error_name(res->error),
           res->tcb_status ? pqcha__tdx_tcb_status_name(res->tcb_status) : "(none)");
    for (size_t i = 0; i < res->check_count; i++) {
        const pqcha__evidence_check *c = &res->checks[i];
        printf("       %-4s %-22s %s\n",
               c->status == PQCHA_CHECK_PASS   ? "PASS"
               : c->status == PQCHA_CHECK_FAIL ? "FAIL"
                                               : "SKIP",
               c->name, c->found);
    }
}

typedef struct real_case {
    uint8_t *quote, *roots;
    size_t quote_len, roots_len;
    files f;
} real_case;

static int real_open(real_case *rc, const char *folder) {
    memset(rc, 0, sizeof rc[0]);
    char rel[256];
    snprintf(rel, sizeof rel, "tdx/%s/quote.bin", folder);
    rc->quote = read_hw(rel, &rc->quote_len);
    rc->roots = read_hw("roots/intel_sgx_root_ca.pem", &rc->roots_len);
    read_collateral(&rc->f, folder);
    return rc->quote != NULL && rc->roots != NULL;
}

static void real_close(real_case *rc) {
    free(rc->quote);
    free(rc->roots);
    files_free(&rc->f);
}

static pqcha_err real_verify(pqcha__tdx_result *res, const real_case *rc, int64_t now,
                             const pqcha__tdx_policy *policy) {
    pqcha__tdx_collateral c = collateral_of(&rc->f);
    pqcha__tdx_verify_options o = options(rc->roots, rc->roots_len, now, &c);
    o.policy = policy;
    return pqcha__tdx_verify(res, rc->quote, rc->quote_len, &o);
}

/* A real case opened and a result to fill, or NULL after failing the test
 * (nothing left open). */
static pqcha__tdx_result *real_start(real_case *rc, const char *folder) {
    memset(rc, 0, sizeof *rc);
    pqcha__tdx_result *res = malloc(sizeof *res);
    if (res != NULL && real_open(rc, folder)) return res;
    CHECK_FAILED(folder);
    real_close(rc);
    free(res);
    return NULL;
}

/* ---- the real quotes ---- */

/* v4_dcapqvl with its whole PCS collateral: every check passes and the
 * platform, its TDX module (TDX_01, SVN 6) and its QE (ISVSVN 6) are all
 * at the latest TCB. */
static void test_real_v4_full(void) {
    if (!hw_testdata()) return;
    real_case rc;
    pqcha__tdx_result *res = real_start(&rc, "v4_dcapqvl");
    if (res == NULL) return;
    CHECK_OK(real_verify(res, &rc, V4_NOW, NULL));
    print_checks("v4_dcapqvl, full collateral, at 2025-07-01", res);
    char names[1024];
    names_of(res, names, sizeof names);
    CHECK_STR(names, "quote_format pck_chain qe_report_signature qe_report_binding quote_signature "
                     "root_ca_crl pck_crl tcb_info_chain tcb_info_signature tcb_info_validity "
                     "tcb_info_platform tdx_module qe_identity_chain qe_identity_signature "
                     "qe_identity_validity qe_identity tcb_level tdx_module_tcb qe_tcb tcb_status");
    CHECK(res->tcb_status == PQCHA__TDX_TCB_UP_TO_DATE && res->advisory_count == 0);
    const pqcha__evidence_check *c = find_check(res, "tcb_status");
    CHECK(c != NULL && strcmp(c->found, "UpToDate") == 0);
    CHECK_STR(c->expected, "one of: UpToDate (the default)");
    c = find_check(res, "tcb_info_platform");
    CHECK(c != NULL && strstr(c->found, "FMSPC b0c06f000000, PCE-ID 0000") == c->found);
    c = find_check(res, "tdx_module_tcb");
    CHECK(c != NULL && strstr(c->found, "level 1: UpToDate") == c->found);

    /* Without the collateral, the same as before it existed. */
    pqcha__tdx_verify_options o = options(rc.roots, rc.roots_len, V4_NOW, NULL);
    CHECK_OK(pqcha__tdx_verify(res, rc.quote, rc.quote_len, &o));
    CHECK(res->check_count == 5 && res->tcb_status == PQCHA__TDX_TCB_UNKNOWN);

    /* A policy that accepts only what this platform is not. */
    static const char *const only_sw[] = {"SWHardeningNeeded"};
    pqcha__tdx_policy pol;
    memset(&pol, 0, sizeof pol);
    pol.allow_debug = 1;
    pol.accepted_tcb_statuses = only_sw;
    pol.accepted_tcb_status_count = 1;
    CHECK_ERR(real_verify(res, &rc, V4_NOW, &pol), PQCHA_ERR_TCB_TOO_LOW);
    CHECK(res->tcb_status == PQCHA__TDX_TCB_UP_TO_DATE);
    c = find_check(res, "tcb_status");
    CHECK(c != NULL && c->err == PQCHA_ERR_TCB_TOO_LOW);
    CHECK_STR(c->expected, "one of: SWHardeningNeeded");
    /* A misspelt status is refused, not a list that accepts nothing. */
    static const char *const misspelt[] = {"UpToDate", "Uptodate"};
    pol.accepted_tcb_statuses = misspelt;
    pol.accepted_tcb_status_count = 2;
    CHECK_ERR(real_verify(res, &rc, V4_NOW, &pol), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(res->check_count == 0);
    pol.accepted_tcb_status_count = 1;
    CHECK_OK(real_verify(res, &rc, V4_NOW, &pol));

    free(res);
    real_close(&rc);
}

/* v5_gotdxguest comes with its TCB info only: the TCB signing certificate
 * Intel signs it with is pinned in roots/ (the same key as v4_dcapqvl's
 * chain), and the root CA CRL there is current in February 2026. */
static void test_real_v5_tcb_info_only(void) {
    if (!hw_testdata()) return;
    real_case rc;
    pqcha__tdx_result *res = real_start(&rc, "v5_gotdxguest");
    if (res == NULL) return;
    REQUIRE(rc.f.bytes[PQCHA__TDX_TCB_INFO] != NULL && rc.f.bytes[PQCHA__TDX_QE_IDENTITY] == NULL);
    /* Without a chain for it the TCB info cannot be checked: refused. */
    CHECK_ERR(real_verify(res, &rc, V5_NOW, NULL), PQCHA_ERR_INVALID_ARGUMENT);

    size_t len = 0;
    uint8_t *signing = read_hw("roots/intel_sgx_tcb_signing.pem", &len);
    REQUIRE(signing != NULL);
    set_piece(&rc.f, PQCHA__TDX_TCB_INFO_CHAIN, signing, len);
    CHECK_OK(real_verify(res, &rc, V5_NOW, NULL));
    print_checks("v5_gotdxguest, TCB info only, at 2026-02-15", res);
    char names[1024];
    names_of(res, names, sizeof names);
    CHECK_STR(names, "quote_format pck_chain qe_report_signature qe_report_binding quote_signature "
                     "root_ca_crl(skip) pck_crl(skip) tcb_info_chain tcb_info_signature "
                     "tcb_info_validity tcb_info_platform tdx_module qe_identity(skip) tcb_level "
                     "tdx_module_tcb qe_tcb(skip) tcb_status");
    CHECK(res->tcb_status == PQCHA__TDX_TCB_UP_TO_DATE);

    /* With the root CA CRL of roots/ as well. */
    uint8_t *crl = read_hw("roots/intel_sgx_root_ca_crl.der", &len);
    REQUIRE(crl != NULL);
    set_piece(&rc.f, PQCHA__TDX_ROOT_CA_CRL, crl, len);
    CHECK_OK(real_verify(res, &rc, V5_NOW, NULL));
    const pqcha__evidence_check *c = find_check(res, "root_ca_crl");
    CHECK(c != NULL && c->status == PQCHA_CHECK_PASS);

    /* The TCB signing certificate of 2018 (same key) had expired by then. */
    uint8_t *old = read_hw("roots/intel_sgx_tcb_signing_2018.pem", &len);
    REQUIRE(old != NULL);
    set_piece(&rc.f, PQCHA__TDX_TCB_INFO_CHAIN, old, len);
    CHECK_ERR(real_verify(res, &rc, V5_NOW, NULL), PQCHA_ERR_CERT_EXPIRED);
    c = find_check(res, "tcb_info_chain");
    CHECK(c != NULL && c->err == PQCHA_ERR_CERT_EXPIRED);
    free(res);
    real_close(&rc);
}

/* The real collateral, each piece spoilt in one way, each with its code. */
static void test_real_rejections(void) {
    if (!hw_testdata()) return;
    real_case rc;
    pqcha__tdx_result *res = real_start(&rc, "v4_dcapqvl");
    if (res == NULL) return;
    uint8_t *tcb = rc.f.bytes[PQCHA__TDX_TCB_INFO];
    size_t tcb_len = rc.f.len[PQCHA__TDX_TCB_INFO];
    const char *number = strstr((const char *)tcb, "\"tcbEvaluationDataNumber\":17");
    REQUIRE(number != NULL);
    size_t digit = (size_t)(number - (const char *)tcb) + 27; /* the 7 */

    /* One byte of the tcbInfo text (still valid JSON): the signature fails. */
    tcb[digit] = '8';
    CHECK_ERR(real_verify(res, &rc, V4_NOW, NULL), PQCHA_ERR_EVIDENCE_SIGNATURE);
    const pqcha__evidence_check *c = find_check(res, "tcb_info_signature");
    CHECK(c != NULL && c->err == PQCHA_ERR_EVIDENCE_SIGNATURE);
    CHECK(res->tcb_status == PQCHA__TDX_TCB_UNKNOWN && find_check(res, "tcb_status") == NULL);
    tcb[digit] = '7';
    /* A byte of the signature. */
    char *sig = strstr((char *)tcb, "\"signature\":\"");
    REQUIRE(sig != NULL);
    char was = sig[20];
    sig[20] = was == '0' ? '1' : '0';
    CHECK_ERR(real_verify(res, &rc, V4_NOW, NULL), PQCHA_ERR_EVIDENCE_SIGNATURE);
    sig[20] = was;
    CHECK_OK(real_verify(res, &rc, V4_NOW, NULL));

    /* The signed text is what the file holds: whitespace outside tcbInfo
     * changes nothing, whitespace inside breaks the signature. */
    uint8_t *spaced = malloc(tcb_len + 1);
    REQUIRE(spaced != NULL);
    size_t at = (size_t)(sig - (char *)tcb) - 1; /* the ',' before "signature" */
    memcpy(spaced, tcb, at + 1);
    spaced[at + 1] = ' ';
    memcpy(spaced + at + 2, tcb + at + 1, tcb_len - at - 1);
    rc.f.bytes[PQCHA__TDX_TCB_INFO] = spaced;
    rc.f.len[PQCHA__TDX_TCB_INFO] = tcb_len + 1;
    CHECK_OK(real_verify(res, &rc, V4_NOW, NULL));
    at = 12; /* inside tcbInfo, after {"tcbInfo":{ */
    memcpy(spaced, tcb, at);
    spaced[at] = ' ';
    memcpy(spaced + at + 1, tcb + at, tcb_len - at);
    CHECK_ERR(real_verify(res, &rc, V4_NOW, NULL), PQCHA_ERR_EVIDENCE_SIGNATURE);
    rc.f.bytes[PQCHA__TDX_TCB_INFO] = tcb;
    rc.f.len[PQCHA__TDX_TCB_INFO] = tcb_len;
    free(spaced);

    /* After the TCB info's nextUpdate (and the CRLs'): expired, the status
     * still worked out and shown. */
    CHECK_ERR(real_verify(res, &rc, V4_TCB_NEXT + 1, NULL), PQCHA_ERR_CERT_EXPIRED);
    c = find_check(res, "tcb_info_validity");
    CHECK(c != NULL && c->err == PQCHA_ERR_CERT_EXPIRED);
    CHECK(res->tcb_status == PQCHA__TDX_TCB_UP_TO_DATE);
    /* Before the PCK CRL was issued. */
    CHECK_ERR(real_verify(res, &rc, V4_PCK_CRL_UPDATE - 1, NULL), PQCHA_ERR_CERT_EXPIRED);
    c = find_check(res, "pck_crl");
    CHECK(c != NULL && c->err == PQCHA_ERR_CERT_EXPIRED);

    /* The CRLs swapped: neither is signed by what it must be. */
    files saved = rc.f;
    rc.f.bytes[PQCHA__TDX_PCK_CRL] = saved.bytes[PQCHA__TDX_ROOT_CA_CRL];
    rc.f.len[PQCHA__TDX_PCK_CRL] = saved.len[PQCHA__TDX_ROOT_CA_CRL];
    rc.f.bytes[PQCHA__TDX_PCK_CRL_CHAIN] = NULL;
    rc.f.len[PQCHA__TDX_PCK_CRL_CHAIN] = 0;
    CHECK_ERR(real_verify(res, &rc, V4_NOW, NULL), PQCHA_ERR_CERT_CHAIN);
    c = find_check(res, "pck_crl");
    CHECK(c != NULL && c->err == PQCHA_ERR_CERT_CHAIN);
    rc.f = saved;
    rc.f.bytes[PQCHA__TDX_ROOT_CA_CRL] = saved.bytes[PQCHA__TDX_PCK_CRL];
    rc.f.len[PQCHA__TDX_ROOT_CA_CRL] = saved.len[PQCHA__TDX_PCK_CRL];
    CHECK_ERR(real_verify(res, &rc, V4_NOW, NULL), PQCHA_ERR_CERT_CHAIN);
    c = find_check(res, "root_ca_crl");
    CHECK(c != NULL && c->err == PQCHA_ERR_CERT_CHAIN);
    /* The PCK CA's chain given as the TCB info's: a CA signs no TCB info. */
    rc.f = saved;
    rc.f.bytes[PQCHA__TDX_TCB_INFO_CHAIN] = saved.bytes[PQCHA__TDX_PCK_CRL_CHAIN];
    rc.f.len[PQCHA__TDX_TCB_INFO_CHAIN] = saved.len[PQCHA__TDX_PCK_CRL_CHAIN];
    CHECK_ERR(real_verify(res, &rc, V4_NOW, NULL), PQCHA_ERR_CERT_CHAIN);
    c = find_check(res, "tcb_info_chain");
    CHECK(c != NULL && strcmp(c->found, "the signing certificate is a CA") == 0);
    /* The TCB signing chain given as the PCK CRL's: not the quote's CA. */
    rc.f = saved;
    rc.f.bytes[PQCHA__TDX_PCK_CRL_CHAIN] = saved.bytes[PQCHA__TDX_TCB_INFO_CHAIN];
    rc.f.len[PQCHA__TDX_PCK_CRL_CHAIN] = saved.len[PQCHA__TDX_TCB_INFO_CHAIN];
    CHECK_ERR(real_verify(res, &rc, V4_NOW, NULL), PQCHA_ERR_CERT_CHAIN);
    rc.f = saved;

    /* Another platform's TCB info (v5_gotdxguest's FMSPC 90C06F000000),
     * genuine and current at its own time. */
    files other;
    read_collateral(&other, "v5_gotdxguest");
    rc.f.bytes[PQCHA__TDX_TCB_INFO] = other.bytes[PQCHA__TDX_TCB_INFO];
    rc.f.len[PQCHA__TDX_TCB_INFO] = other.len[PQCHA__TDX_TCB_INFO];
    rc.f.bytes[PQCHA__TDX_QE_IDENTITY] = rc.f.bytes[PQCHA__TDX_QE_IDENTITY_CHAIN] = NULL;
    rc.f.len[PQCHA__TDX_QE_IDENTITY] = rc.f.len[PQCHA__TDX_QE_IDENTITY_CHAIN] = 0;
    rc.f.bytes[PQCHA__TDX_PCK_CRL] = rc.f.bytes[PQCHA__TDX_PCK_CRL_CHAIN] = NULL;
    rc.f.len[PQCHA__TDX_PCK_CRL] = rc.f.len[PQCHA__TDX_PCK_CRL_CHAIN] = 0;
    CHECK_ERR(real_verify(res, &rc, V5_NOW, NULL), PQCHA_ERR_CERT_MISMATCH);
    c = find_check(res, "tcb_info_platform");
    CHECK(c != NULL && c->err == PQCHA_ERR_CERT_MISMATCH);
    CHECK(c != NULL && strstr(c->expected, "FMSPC 90c06f000000") == c->expected);
    CHECK(c != NULL && strstr(c->found, "FMSPC b0c06f000000") == c->found);
    rc.f = saved;
    files_free(&other);

    /* The QE identity's text given as the TCB info: malformed for it. */
    rc.f.bytes[PQCHA__TDX_TCB_INFO] = saved.bytes[PQCHA__TDX_QE_IDENTITY];
    rc.f.len[PQCHA__TDX_TCB_INFO] = saved.len[PQCHA__TDX_QE_IDENTITY];
    CHECK_ERR(real_verify(res, &rc, V4_NOW, NULL), PQCHA_ERR_BAD_CERTIFICATE);
    c = find_check(res, "tcb_info_format");
    CHECK(c != NULL && strcmp(c->found, "not exactly the signed object and its signature") == 0);
    rc.f = saved;
    CHECK_OK(real_verify(res, &rc, V4_NOW, NULL));

    free(res);
    real_close(&rc);
}

/* ---- synthetic collateral ---- */

#define COLL_ISSUED 1734220800 /* 2024-12-15: the collateral's issue and thisUpdate */
#define COLL_NEXT   1736899200 /* 2025-01-15: nextUpdate; SYNTH_NOW lies between */

typedef struct text {
    char data[65536];
    size_t len;
} text;

static void add(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(text *t, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->data + t->len, sizeof t->data - t->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof t->data - t->len)
        CHECK_FAILED("text too long");
    else
        t->len += (size_t)n;
}

static void add_components(text *t, const char *key, const uint8_t svn[16]) {
    add(t, "\"%s\":[", key);
    for (size_t i = 0; i < 16; i++)
        add(t,
            i == 1 ? "%s{\"svn\":%u,\"category\":\"BIOS\",\"type\":\"Early Microcode Update\"}"
                   : "%s{\"svn\":%u}",
            i ? "," : "", svn[i]);
    add(t, "]");
}

/* A platform TCB level of the synthetic TCB info. */
typedef struct spec_level {
    uint8_t sgx[16];
    unsigned pce_svn;
    uint8_t tdx[16];
    const char *status;
    const char *advisories; /* JSON array text, or NULL */
} spec_level;

/* A TDX module's or the QE's level. */
typedef struct spec_svn {
    unsigned svn;
    const char *status;
    const char *advisories;
} spec_svn;

typedef struct tcb_spec {
    const char *fmspc, *pce_id;
    size_t level_count;
    spec_level levels[4];
    size_t module_count; /* 0: no tdxModuleIdentities */
    unsigned module_version;
    size_t module_level_count;
    spec_svn module_levels[4];
    const char *extra; /* raw members appended to tcbInfo (",\"x\":1"), or NULL */
} tcb_spec;

typedef struct qe_spec {
    const char *mrsigner, *attributes, *attributes_mask, *miscselect;
    unsigned prod_id;
    size_t level_count;
    spec_svn levels[4];
} qe_spec;

/* What the synthetic quote's body and QE report hold. */
typedef struct quote_spec {
    uint8_t tee_tcb_svn[16], tee_tcb_svn2[16];
    uint8_t mr_signer_seam[48];
    uint8_t seam_attributes[8];
    uint8_t qe_mr_signer[32], qe_attributes[16];
    uint32_t misc_select;
    uint16_t prod_id, isv_svn;
} quote_spec;

static const uint8_t QE_SIGNER[32] = {
    0xdc, 0x9e, 0x2a, 0x7c, 0x6f, 0x94, 0x8f, 0x17, 0x47, 0x4e, 0x34, 0xa7, 0xfc, 0x43, 0xed, 0x03,
    0x0f, 0x7c, 0x15, 0x63, 0xf1, 0xba, 0xbd, 0xdf, 0x63, 0x40, 0xc8, 0x2e, 0x0e, 0x54, 0xa8, 0xc5};
#define QE_SIGNER_HEX "DC9E2A7C6F948F17474E34A7FC43ED030F7C1563F1BABDDF6340C82E0E54A8C5"
#define ZERO48_HEX                                                                               \
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" \
    "000000"

/* Intel's latest level and one out-of-date level below it; TDX module
 * version 1 with levels at SVN 4 (current) and 2; a QE at ISVSVN 4 and 2. */
static const tcb_spec default_tcb = {
    "123456789ABC",
    "0000",
    2,
    {{{3, 3, 2, 2, 4, 1, 0, 5}, 11, {4, 1, 3}, "UpToDate", NULL},
     {{2, 2, 2, 2, 3, 1, 0, 5}, 5, {2, 1, 2}, "OutOfDate", "[\"INTEL-SA-00837\"]"}},
    1,
    1,
    2,
    {{4, "UpToDate", NULL}, {2, "OutOfDate", "[\"INTEL-SA-01036\",\"INTEL-SA-00837\"]"}},
    NULL};

static const qe_spec default_qe = {
    QE_SIGNER_HEX,
    "11000000000000000000000000000000",
    "FBFFFFFFFFFFFFFF0000000000000000",
    "00000000",
    2,
    2,
    {{4, "UpToDate", NULL}, {2, "OutOfDate", "[\"INTEL-SA-00615\"]"}}};

static const quote_spec default_quote = {{4, 1, 3}, {4, 1, 3}, {0}, {0}, {0}, {0x15}, 0, 2, 6};

static void add_svn_levels(text *t, const spec_svn *levels, size_t n) {
    add(t, "\"tcbLevels\":[");
    for (size_t i = 0; i < n; i++) {
        add(t,
            "%s{\"tcb\":{\"isvsvn\":%u},\"tcbDate\":\"2024-03-13T00:00:00Z\",\"tcbStatus\":\"%s\"",
            i ? "," : "", levels[i].svn, levels[i].status);
        if (levels[i].advisories) add(t, ",\"advisoryIDs\":%s", levels[i].advisories);
        add(t, "}");
    }
    add(t, "]");
}

static void tcb_info_text(text *t, const tcb_spec *s) {
    t->len = 0;
    add(t,
        "{\"id\":\"TDX\",\"version\":3,\"issueDate\":\"2024-12-15T00:00:00Z\","
        "\"nextUpdate\":\"2025-01-15T00:00:00Z\",\"fmspc\":\"%s\",\"pceId\":\"%s\","
        "\"tcbType\":0,\"tcbEvaluationDataNumber\":17,\"tdxModule\":{\"mrsigner\":\"" ZERO48_HEX
        "\",\"attributes\":\"0000000000000000\",\"attributesMask\":\"FFFFFFFFFFFFFFFF\"}",
        s->fmspc, s->pce_id);
    if (s->module_count > 0) {
        add(t,
            ",\"tdxModuleIdentities\":[{\"id\":\"TDX_%02X\",\"mrsigner\":\"" ZERO48_HEX
            "\",\"attributes\":\"0000000000000000\",\"attributesMask\":\"FFFFFFFFFFFFFFFF\",",
            s->module_version);
        add_svn_levels(t, s->module_levels, s->module_level_count);
        add(t, "}]");
    }
    add(t, ",\"tcbLevels\":[");
    for (size_t i = 0; i < s->level_count; i++) {
        const spec_level *l = &s->levels[i];
        add(t, "%s{\"tcb\":{", i ? "," : "");
        add_components(t, "sgxtcbcomponents", l->sgx);
        add(t, ",\"pcesvn\":%u,", l->pce_svn);
        add_components(t, "tdxtcbcomponents", l->tdx);
        add(t, "},\"tcbDate\":\"2024-03-13T00:00:00Z\",\"tcbStatus\":\"%s\"", l->status);
        if (l->advisories) add(t, ",\"advisoryIDs\":%s", l->advisories);
        add(t, "}");
    }
    add(t, "]%s}", s->extra ? s->extra : "");
}

static void qe_identity_text(text *t, const qe_spec *s) {
    t->len = 0;
    add(t,
        "{\"id\":\"TD_QE\",\"version\":2,\"issueDate\":\"2024-12-15T00:00:00Z\","
        "\"nextUpdate\":\"2025-01-15T00:00:00Z\",\"tcbEvaluationDataNumber\":17,"
        "\"miscselect\":\"%s\",\"miscselectMask\":\"FFFFFFFF\",\"attributes\":\"%s\","
        "\"attributesMask\":\"%s\",\"mrsigner\":\"%s\",\"isvprodid\":%u,",
        s->miscselect, s->attributes, s->attributes_mask, s->mrsigner, s->prod_id);
    add_svn_levels(t, s->levels, s->level_count);
    add(t, "}");
}

/* {"<key>":<body>,"signature":"<hex>"}, body signed by key (malloc'd). */
static uint8_t *signed_doc(const char *key, const text *body, EVP_PKEY *signer, size_t *len) {
    uint8_t rs[64];
    char hex[129];
    CHECK(sign_rs(rs, signer, (const uint8_t *)body->data, body->len));
    pqcha_hex_encode(hex, rs, sizeof rs);
    size_t cap = body->len + 200;
    char *doc = malloc(cap);
    int n = snprintf(doc, cap, "{\"%s\":%.*s,\"signature\":\"%s\"}", key, (int)body->len,
                     body->data, hex);
    *len = (size_t)n;
    return (uint8_t *)doc;
}

/* A CRL by issuer listing serials, DER (malloc'd). */
static uint8_t *make_crl(X509 *issuer, EVP_PKEY *key, const long *serials, size_t n, int64_t last,
                         int64_t next, size_t *len) {
    X509_CRL *crl = X509_CRL_new();
    ASN1_TIME *t_last = ASN1_TIME_set(NULL, (time_t)last);
    ASN1_TIME *t_next = ASN1_TIME_set(NULL, (time_t)next);
    CHECK(X509_CRL_set_version(crl, 1) == 1);
    CHECK(X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer)) == 1);
    CHECK(X509_CRL_set1_lastUpdate(crl, t_last) == 1 && X509_CRL_set1_nextUpdate(crl, t_next) == 1);
    for (size_t i = 0; i < n; i++) {
        X509_REVOKED *r = X509_REVOKED_new();
        ASN1_INTEGER *serial = ASN1_INTEGER_new();
        ASN1_INTEGER_set(serial, serials[i]);
        X509_REVOKED_set_serialNumber(r, serial);
        X509_REVOKED_set_revocationDate(r, t_last);
        X509_CRL_add0_revoked(crl, r);
        ASN1_INTEGER_free(serial);
    }
    X509_CRL_sort(crl);
    CHECK(X509_CRL_sign(crl, key, EVP_sha256()) > 0);
    unsigned char *der = NULL;
    int der_len = i2d_X509_CRL(crl, &der);
    uint8_t *out = malloc((size_t)der_len);
    memcpy(out, der, (size_t)der_len);
    *len = (size_t)der_len;
    OPENSSL_free(der);
    ASN1_TIME_free(t_last);
    ASN1_TIME_free(t_next);
    X509_CRL_free(crl);
    return out;
}

static void edit_body(uint8_t *body, const void *ctx) {
    const quote_spec *q = ctx;
    memcpy(body, q->tee_tcb_svn, 16);
    memcpy(body + 64, q->mr_signer_seam, 48);
    memcpy(body + 112, q->seam_attributes, 8);
    memcpy(body + 584, q->tee_tcb_svn2, 16); /* past a TDX 1.0 body: harmless there */
}

static void edit_qe(uint8_t *qe, const void *ctx) {
    const quote_spec *q = ctx;
    for (size_t i = 0; i < 4; i++)
        qe[16 + i] = (uint8_t)(q->misc_select >> (8 * i));
    memcpy(qe + 48, q->qe_attributes, 16);
    memcpy(qe + 128, q->qe_mr_signer, 32);
    qe[256] = (uint8_t)q->prod_id;
    qe[257] = (uint8_t)(q->prod_id >> 8);
    qe[258] = (uint8_t)q->isv_svn;
    qe[259] = (uint8_t)(q->isv_svn >> 8);
}

/* A synthetic quote, the roots, and every piece of collateral for it. */
typedef struct fixture {
    pki p;
    uint8_t *roots;
    size_t roots_len;
    quote_spec qs;
    uint16_t version, body_type;
    uint8_t *quote;
    size_t quote_len;
    files f;
    pqcha__tdx_policy policy;
} fixture;

static void fixture_quote(fixture *fx) {
    synth_opts so = default_synth;
    so.version = fx->version;
    so.body_type = fx->body_type;
    so.edit_body = edit_body;
    so.edit_qe = edit_qe;
    so.edit_ctx = &fx->qs;
    free(fx->quote);
    fx->quote = synth_quote(&fx->p, &so, 0, &fx->quote_len);
}

static void fixture_tcb_info(fixture *fx, const tcb_spec *s) {
    static text t;
    size_t len = 0;
    tcb_info_text(&t, s);
    set_made(&fx->f, PQCHA__TDX_TCB_INFO, signed_doc("tcbInfo", &t, fx->p.tcb_key, &len), &len);
}

static void fixture_qe_identity(fixture *fx, const qe_spec *s) {
    static text t;
    size_t len = 0;
    qe_identity_text(&t, s);
    set_made(&fx->f, PQCHA__TDX_QE_IDENTITY, signed_doc("enclaveIdentity", &t, fx->p.tcb_key, &len),
             &len);
}

static void fixture_crls(fixture *fx, const long *root_revokes, size_t nr, const long *ca_revokes,
                         size_t nc) {
    size_t len = 0;
    uint8_t *crl =
        make_crl(fx->p.root, fx->p.root_key, root_revokes, nr, COLL_ISSUED, COLL_NEXT, &len);
    set_piece(&fx->f, PQCHA__TDX_ROOT_CA_CRL, crl, len);
    crl = make_crl(fx->p.ca, fx->p.ca_key, ca_revokes, nc, COLL_ISSUED, COLL_NEXT, &len);
    set_piece(&fx->f, PQCHA__TDX_PCK_CRL, crl, len);
}

static int fixture_make(fixture *fx) {
    memset(fx, 0, sizeof *fx);
    if (!pki_make(&fx->p)) return 0;
    fx->roots = root_pem(fx->p.root, &fx->roots_len);
    fx->qs = default_quote;
    memcpy(fx->qs.qe_mr_signer, QE_SIGNER, sizeof QE_SIGNER);
    fx->qs.qe_attributes[8] = 0xe7;
    fx->version = 4;
    fx->body_type = 2;
    fixture_quote(fx);
    fixture_tcb_info(fx, &default_tcb);
    fixture_qe_identity(fx, &default_qe);
    X509 *tcb_chain[2] = {fx->p.tcb, fx->p.root}, *ca_chain[2] = {fx->p.ca, fx->p.root};
    size_t len = 0;
    uint8_t *pem = certs_pem(tcb_chain, 2, &len);
    set_piece(&fx->f, PQCHA__TDX_TCB_INFO_CHAIN, pem, len);
    pem = certs_pem(tcb_chain, 1, &len); /* the leaf alone: the root is pinned */
    set_piece(&fx->f, PQCHA__TDX_QE_IDENTITY_CHAIN, pem, len);
    pem = certs_pem(ca_chain, 2, &len);
    set_piece(&fx->f, PQCHA__TDX_PCK_CRL_CHAIN, pem, len);
    fixture_crls(fx, NULL, 0, NULL, 0);
    fx->policy.allow_debug = 1;
    return 1;
}

static void fixture_free(fixture *fx) {
    free(fx->quote);
    free(fx->roots);
    files_free(&fx->f);
    pki_free(&fx->p);
}

static pqcha_err fixture_verify(pqcha__tdx_result *res, fixture *fx) {
    pqcha__tdx_collateral c = collateral_of(&fx->f);
    pqcha__tdx_verify_options o = options(fx->roots, fx->roots_len, SYNTH_NOW, &c);
    o.policy = &fx->policy;
    return pqcha__tdx_verify(res, fx->quote, fx->quote_len, &o);
}

static void accept(fixture *fx, const char *const *names, size_t n) {
    fx->policy.accepted_tcb_statuses = names;
    fx->policy.accepted_tcb_status_count = n;
}

static int check_is(const pqcha__tdx_result *res, const char *name, pqcha_err err) {
    const pqcha__evidence_check *c = find_check(res, name);
    if (c == NULL) fprintf(stderr, "  no check %s\n", name);
    return c != NULL && c->err == err;
}

/* ---- synthetic: genuine, and the statuses ---- */

static void test_synthetic_genuine(void) {
    fixture fx;
    pqcha__tdx_result *res = malloc(sizeof *res);
    REQUIRE(res != NULL && fixture_make(&fx));
    CHECK_OK(fixture_verify(res, &fx));
    CHECK(res->tcb_status == PQCHA__TDX_TCB_UP_TO_DATE && res->advisory_count == 0);
    /* + report_data none, policy_debug: the collateral's 15 and the quote's 5 */
    CHECK(res->check_count == 5 + 15);
    for (size_t i = 0; i < res->check_count; i++)
        CHECK(res->checks[i].status == PQCHA_CHECK_PASS);
    /* v5 quotes, both body types. */
    fx.version = 5;
    fixture_quote(&fx);
    CHECK_OK(fixture_verify(res, &fx));
    fx.body_type = 3;
    fixture_quote(&fx);
    CHECK_OK(fixture_verify(res, &fx));
    CHECK(res->tcb_status == PQCHA__TDX_TCB_UP_TO_DATE);
    fixture_free(&fx);
    free(res);
}

/* Each status a level can state, with the default (UpToDate only) and with
 * a list that accepts it. */
static void test_synthetic_statuses(void) {
    static const char *const names[] = {
        "SWHardeningNeeded", "ConfigurationNeeded",          "ConfigurationAndSWHardeningNeeded",
        "OutOfDate",         "OutOfDateConfigurationNeeded", "Revoked"};
    fixture fx;
    pqcha__tdx_result *res = malloc(sizeof *res);
    REQUIRE(res != NULL && fixture_make(&fx));
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        tcb_spec s = default_tcb;
        s.levels[0].status = names[i];
        s.levels[0].advisories = "[\"INTEL-SA-00001\",\"INTEL-SA-00002\"]";
        fixture_tcb_info(&fx, &s);
        accept(&fx, NULL, 0);
        CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_TCB_TOO_LOW);
        CHECK_STR(pqcha__tdx_tcb_status_name(res->tcb_status), names[i]);
        CHECK(check_is(res, "tcb_status", PQCHA_ERR_TCB_TOO_LOW));
        CHECK(res->advisory_count == 2 && strcmp(res->advisory_ids[1], "INTEL-SA-00002") == 0);
        accept(&fx, &names[i], 1);
        CHECK_OK(fixture_verify(res, &fx));
    }
    /* The platform below the first level: the second one (OutOfDate). */
    fixture_tcb_info(&fx, &default_tcb);
    accept(&fx, NULL, 0);
    fx.qs.tee_tcb_svn[2] = 2; /* TDX late microcode below level 1's 3 */
    fixture_quote(&fx);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_TCB_TOO_LOW);
    CHECK(res->tcb_status == PQCHA__TDX_TCB_OUT_OF_DATE);
    CHECK(res->advisory_count == 1 && strcmp(res->advisory_ids[0], "INTEL-SA-00837") == 0);
    const pqcha__evidence_check *c = find_check(res, "tcb_level");
    CHECK(c != NULL && strstr(c->found, "level 2: OutOfDate") == c->found);
    c = find_check(res, "tcb_status");
    CHECK(c != NULL && strcmp(c->found, "OutOfDate; advisories INTEL-SA-00837") == 0);
    /* Below every level: no status at all. */
    fx.qs.tee_tcb_svn[2] = 1;
    fixture_quote(&fx);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_TCB_TOO_LOW);
    CHECK(check_is(res, "tcb_level", PQCHA_ERR_TCB_TOO_LOW));
    CHECK(res->tcb_status == PQCHA__TDX_TCB_UNKNOWN && find_check(res, "tcb_status") == NULL);
    fx.qs.tee_tcb_svn[2] = 3;
    /* The PCK's PCESVN below level 1's: level 2. */
    sgx_tcb low = default_sgx_tcb;
    low.pce_svn = 10;
    REQUIRE(pki_set_tcb(&fx.p, &low));
    fixture_quote(&fx);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_TCB_TOO_LOW);
    CHECK(res->tcb_status == PQCHA__TDX_TCB_OUT_OF_DATE);
    /* An SGX component below: level 2 too; below level 2 as well: none. */
    low = default_sgx_tcb;
    low.comp[4] = 3;
    REQUIRE(pki_set_tcb(&fx.p, &low));
    fixture_quote(&fx);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_TCB_TOO_LOW);
    CHECK(res->tcb_status == PQCHA__TDX_TCB_OUT_OF_DATE);
    low.comp[0] = 1;
    REQUIRE(pki_set_tcb(&fx.p, &low));
    fixture_quote(&fx);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_TCB_TOO_LOW);
    c = find_check(res, "tcb_level");
    CHECK(c != NULL && strcmp(c->found, "none: the SGX TCB is below every level") == 0);
    fixture_free(&fx);
    free(res);
}

/* TEE_TCB_SVN[0..1] are the TDX module's SVN and major version: with a
 * version above 0 they are judged by the module's identity, not by the
 * TCB levels; version 0 uses every byte and tdxModule. */
static void test_synthetic_module(void) {
    fixture fx;
    pqcha__tdx_result *res = malloc(sizeof *res);
    REQUIRE(res != NULL && fixture_make(&fx));
    /* Module SVN 3: its identity's level 2, OutOfDate, folds into UpToDate. */
    fx.qs.tee_tcb_svn[0] = 3;
    fixture_quote(&fx);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_TCB_TOO_LOW);
    CHECK(res->tcb_status == PQCHA__TDX_TCB_OUT_OF_DATE);
    CHECK(check_is(res, "tdx_module_tcb", PQCHA_OK) && check_is(res, "tcb_level", PQCHA_OK));
    CHECK(res->advisory_count == 2 && strcmp(res->advisory_ids[0], "INTEL-SA-01036") == 0);
    /* ... and ConfigurationNeeded into OutOfDateConfigurationNeeded. */
    tcb_spec s = default_tcb;
    s.levels[0].status = "ConfigurationNeeded";
    fixture_tcb_info(&fx, &s);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_TCB_TOO_LOW);
    CHECK(res->tcb_status == PQCHA__TDX_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED);
    /* A revoked module revokes all. */
    s = default_tcb;
    s.module_levels[1].status = "Revoked";
    fixture_tcb_info(&fx, &s);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_TCB_TOO_LOW);
    CHECK(res->tcb_status == PQCHA__TDX_TCB_REVOKED);
    /* Module SVN 1: below every module level. */
    fixture_tcb_info(&fx, &default_tcb);
    fx.qs.tee_tcb_svn[0] = 1;
    fixture_quote(&fx);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_TCB_TOO_LOW);
    CHECK(check_is(res, "tdx_module_tcb", PQCHA_ERR_TCB_TOO_LOW));
    /* Module version 2: the TCB info knows no TDX_02. */
    fx.qs.tee_tcb_svn[0] = 4;
    fx.qs.tee_tcb_svn[1] = 2;
    fixture_quote(&fx);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_CERT_MISMATCH);
    const pqcha__evidence_check *c = find_check(res, "tdx_module");
    CHECK(c != NULL && strcmp(c->found, "none for TDX_02") == 0);
    /* ... nor any module identity at all. */
    s = default_tcb;
    s.module_count = 0;
    fixture_tcb_info(&fx, &s);
    fx.qs.tee_tcb_svn[1] = 1;
    fixture_quote(&fx);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_CERT_MISMATCH);
    /* Version 0: every TEE_TCB_SVN byte against the levels, tdxModule's
     * signer; module SVN 4 meets level 1's 4. */
    fx.qs.tee_tcb_svn[1] = 0;
    fixture_quote(&fx);
    s.levels[0].tdx[1] = 0;
    s.levels[1].tdx[1] = 0;
    fixture_tcb_info(&fx, &s);
    CHECK_OK(fixture_verify(res, &fx));
    c = find_check(res, "tdx_module_tcb");
    CHECK(c != NULL && c->status == PQCHA_CHECK_SKIPPED);
    fx.qs.tee_tcb_svn[0] = 3; /* below level 1's module SVN: level 2 */
    fixture_quote(&fx);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_TCB_TOO_LOW);
    CHECK(res->tcb_status == PQCHA__TDX_TCB_OUT_OF_DATE);
    /* MRSIGNERSEAM or SEAM attributes other than Intel's. */
    fx.qs.tee_tcb_svn[0] = 4;
    fx.qs.mr_signer_seam[47] = 1;
    fixture_quote(&fx);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_EVIDENCE_POLICY);
    CHECK(check_is(res, "tdx_module", PQCHA_ERR_EVIDENCE_POLICY));
    fx.qs.mr_signer_seam[47] = 0;
    fx.qs.seam_attributes[7] = 0x80;
    fixture_quote(&fx);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_EVIDENCE_POLICY);
    c = find_check(res, "tdx_module");
    CHECK(c != NULL && strcmp(c->found, "0000000000000080") == 0);
    fixture_free(&fx);
    free(res);
}

/* A TDX 1.5 TD on an out-of-date module while a current one is loaded
 * (TEE_TCB_SVN2): Intel advises relaunching it. */
static void test_synthetic_relaunch(void) {
    fixture fx;
    pqcha__tdx_result *res = malloc(sizeof *res);
    REQUIRE(res != NULL && fixture_make(&fx));
    static const char *const relaunch[] = {"TDRelaunchAdvised"};
    fx.version = 5;
    fx.body_type = 3;
    fx.qs.tee_tcb_svn[0] = 2; /* the TD's module: OutOfDate */
    fixture_quote(&fx);       /* TEE_TCB_SVN2 stays 4, 1, 3: current */
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_TCB_TOO_LOW);
    CHECK(res->tcb_status == PQCHA__TDX_TCB_TD_RELAUNCH_ADVISED);
    accept(&fx, relaunch, 1);
    CHECK_OK(fixture_verify(res, &fx));
    /* With ConfigurationNeeded at the platform level. */
    tcb_spec s = default_tcb;
    s.levels[0].status = "ConfigurationNeeded";
    fixture_tcb_info(&fx, &s);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_TCB_TOO_LOW);
    CHECK(res->tcb_status == PQCHA__TDX_TCB_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED);
    fixture_tcb_info(&fx, &default_tcb);
    /* The loaded module is no newer: plain OutOfDate. */
    fx.qs.tee_tcb_svn2[0] = 3;
    fixture_quote(&fx);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_TCB_TOO_LOW);
    CHECK(res->tcb_status == PQCHA__TDX_TCB_OUT_OF_DATE);
    /* A loaded module of a version the TCB info does not know. */
    fx.qs.tee_tcb_svn2[0] = 4;
    fx.qs.tee_tcb_svn2[1] = 3;
    fixture_quote(&fx);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_CERT_MISMATCH);
    /* A TDX 1.0 body never relaunches. */
    fx.qs.tee_tcb_svn2[1] = 1;
    fx.body_type = 2;
    fixture_quote(&fx);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_TCB_TOO_LOW);
    CHECK(res->tcb_status == PQCHA__TDX_TCB_OUT_OF_DATE);
    fixture_free(&fx);
    free(res);
}

/* The quoting enclave: its identity and its TCB level. */
static void test_synthetic_qe(void) {
    fixture fx;
    pqcha__tdx_result *res = malloc(sizeof *res);
    REQUIRE(res != NULL && fixture_make(&fx));
    /* ISVSVN 3: the QE's level 2, OutOfDate: the whole is OutOfDate. */
    fx.qs.isv_svn = 3;
    fixture_quote(&fx);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_TCB_TOO_LOW);
    CHECK(res->tcb_status == PQCHA__TDX_TCB_OUT_OF_DATE);
    CHECK(res->advisory_count == 1 && strcmp(res->advisory_ids[0], "INTEL-SA-00615") == 0);
    /* ... with SWHardeningNeeded: still OutOfDate; ConfigurationAndSW...:
     * OutOfDateConfigurationNeeded. */
    tcb_spec s = default_tcb;
    s.levels[0].status = "SWHardeningNeeded";
    fixture_tcb_info(&fx, &s);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_TCB_TOO_LOW);
    CHECK(res->tcb_status == PQCHA__TDX_TCB_OUT_OF_DATE);
    s.levels[0].status = "ConfigurationAndSWHardeningNeeded";
    fixture_tcb_info(&fx, &s);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_TCB_TOO_LOW);
    CHECK(res->tcb_status == PQCHA__TDX_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED);
    fixture_tcb_info(&fx, &default_tcb);
    /* A revoked QE level revokes all. */
    qe_spec q = default_qe;
    q.levels[1].status = "Revoked";
    fixture_qe_identity(&fx, &q);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_TCB_TOO_LOW);
    CHECK(res->tcb_status == PQCHA__TDX_TCB_REVOKED);
    /* Below every QE level. */
    fixture_qe_identity(&fx, &default_qe);
    fx.qs.isv_svn = 1;
    fixture_quote(&fx);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_TCB_TOO_LOW);
    CHECK(check_is(res, "qe_tcb", PQCHA_ERR_TCB_TOO_LOW));
    fx.qs.isv_svn = 6;
    /* Another MRSIGNER, ISVPRODID, MISCSELECT, or attributes under the mask. */
    fx.qs.qe_mr_signer[0] ^= 1;
    fixture_quote(&fx);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_EVIDENCE_POLICY);
    const pqcha__evidence_check *c = find_check(res, "qe_identity");
    CHECK(c != NULL && strstr(c->found, "MRSIGNER differs") == c->found);
    fx.qs.qe_mr_signer[0] ^= 1;
    fx.qs.prod_id = 1;
    fixture_quote(&fx);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_EVIDENCE_POLICY);
    fx.qs.prod_id = 2;
    fx.qs.misc_select = 1;
    fixture_quote(&fx);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_EVIDENCE_POLICY);
    fx.qs.misc_select = 0;
    fx.qs.qe_attributes[0] = 0x17; /* bit 1 (DEBUG) is under the mask */
    fixture_quote(&fx);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_EVIDENCE_POLICY);
    c = find_check(res, "qe_identity");
    CHECK(c != NULL && strstr(c->found, "ATTRIBUTES differs") == c->found);
    fx.qs.qe_attributes[0] = 0x11; /* bit 2 is not: 0x15 & 0xfb == 0x11 as well */
    fixture_quote(&fx);
    CHECK_OK(fixture_verify(res, &fx));
    fixture_free(&fx);
    free(res);
}

/* ---- synthetic: revocation, validity, chains ---- */

static void test_synthetic_revocation(void) {
    fixture fx;
    pqcha__tdx_result *res = malloc(sizeof *res);
    REQUIRE(res != NULL && fixture_make(&fx));
    const long pck[] = {SYNTH_PCK_SERIAL}, ca[] = {2}, tcb[] = {SYNTH_TCB_SERIAL}, other[] = {99};
    /* The PCK revoked by its CA: refused, the status still worked out. */
    fixture_crls(&fx, NULL, 0, pck, 1);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_CERT_REVOKED);
    CHECK(check_is(res, "pck_crl", PQCHA_ERR_CERT_REVOKED));
    CHECK(res->tcb_status == PQCHA__TDX_TCB_UP_TO_DATE && check_is(res, "tcb_status", PQCHA_OK));
    /* The PCK CA revoked by the root. */
    fixture_crls(&fx, ca, 1, NULL, 0);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_CERT_REVOKED);
    CHECK(check_is(res, "root_ca_crl", PQCHA_ERR_CERT_REVOKED));
    /* The TCB signing certificate revoked by the root. */
    fixture_crls(&fx, tcb, 1, NULL, 0);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_CERT_REVOKED);
    CHECK(check_is(res, "tcb_info_chain", PQCHA_ERR_CERT_REVOKED));
    CHECK(check_is(res, "qe_identity_chain", PQCHA_ERR_CERT_REVOKED));
    /* Other serials listed: fine. */
    fixture_crls(&fx, other, 1, other, 1);
    CHECK_OK(fixture_verify(res, &fx));
    /* A PCK CRL by another CA (the root), and one by a stranger. */
    size_t len = 0;
    set_made(&fx.f, PQCHA__TDX_PCK_CRL,
             make_crl(fx.p.root, fx.p.root_key, pck, 1, COLL_ISSUED, COLL_NEXT, &len), &len);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_CERT_CHAIN);
    pki stranger;
    REQUIRE(pki_make(&stranger));
    set_made(&fx.f, PQCHA__TDX_PCK_CRL,
             make_crl(fx.p.ca, stranger.ca_key, pck, 1, COLL_ISSUED, COLL_NEXT, &len), &len);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_CERT_CHAIN);
    /* A root CA CRL by a stranger's root of the same name. */
    set_made(&fx.f, PQCHA__TDX_ROOT_CA_CRL,
             make_crl(fx.p.root, stranger.root_key, NULL, 0, COLL_ISSUED, COLL_NEXT, &len), &len);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_CERT_CHAIN);
    CHECK(check_is(res, "root_ca_crl", PQCHA_ERR_CERT_CHAIN));
    /* Expired CRLs. */
    set_made(
        &fx.f, PQCHA__TDX_ROOT_CA_CRL,
        make_crl(fx.p.root, fx.p.root_key, NULL, 0, COLL_ISSUED - 86400 * 60, SYNTH_NOW - 1, &len),
        &len);
    set_made(&fx.f, PQCHA__TDX_PCK_CRL,
             make_crl(fx.p.ca, fx.p.ca_key, NULL, 0, COLL_ISSUED, COLL_NEXT, &len), &len);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_CERT_EXPIRED);
    CHECK(check_is(res, "root_ca_crl", PQCHA_ERR_CERT_EXPIRED));
    CHECK(check_is(res, "tcb_status", PQCHA_OK));
    /* A PCK CRL chain with a stranger's CA. */
    fixture_crls(&fx, NULL, 0, NULL, 0);
    X509 *wrong[2] = {stranger.ca, stranger.root};
    set_made(&fx.f, PQCHA__TDX_PCK_CRL_CHAIN, certs_pem(wrong, 2, &len), &len);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_CERT_CHAIN);
    /* The TCB info signed by a key the chain does not hold. */
    static text t;
    tcb_info_text(&t, &default_tcb);
    set_piece(&fx.f, PQCHA__TDX_PCK_CRL_CHAIN, NULL, 0);
    set_made(&fx.f, PQCHA__TDX_TCB_INFO, signed_doc("tcbInfo", &t, stranger.tcb_key, &len), &len);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_EVIDENCE_SIGNATURE);
    /* ... and a chain to a root that is not pinned. */
    X509 *foreign[2] = {stranger.tcb, stranger.root};
    set_made(&fx.f, PQCHA__TDX_TCB_INFO, signed_doc("tcbInfo", &t, fx.p.tcb_key, &len), &len);
    set_made(&fx.f, PQCHA__TDX_TCB_INFO_CHAIN, certs_pem(foreign, 2, &len), &len);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_CERT_CHAIN);
    set_made(&fx.f, PQCHA__TDX_TCB_INFO_CHAIN, certs_pem(foreign, 1, &len), &len);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_CERT_CHAIN);
    pki_free(&stranger);
    fixture_free(&fx);
    free(res);
}

/* Dates outside the TCB info's and QE identity's windows, a TCB info for
 * another platform, partial collateral and pieces paired wrongly. */
static void test_synthetic_validity_and_pairs(void) {
    fixture fx;
    pqcha__tdx_result *res = malloc(sizeof *res);
    REQUIRE(res != NULL && fixture_make(&fx));
    pqcha__tdx_collateral c = collateral_of(&fx.f);
    pqcha__tdx_verify_options o = options(fx.roots, fx.roots_len, COLL_NEXT + 1, &c);
    CHECK_ERR(pqcha__tdx_verify(res, fx.quote, fx.quote_len, &o), PQCHA_ERR_CERT_EXPIRED);
    CHECK(check_is(res, "root_ca_crl", PQCHA_ERR_CERT_EXPIRED));
    CHECK(check_is(res, "tcb_info_validity", PQCHA_ERR_CERT_EXPIRED));
    CHECK(check_is(res, "qe_identity_validity", PQCHA_ERR_CERT_EXPIRED));
    CHECK(res->tcb_status == PQCHA__TDX_TCB_UP_TO_DATE);
    o.now = COLL_ISSUED - 1;
    CHECK_ERR(pqcha__tdx_verify(res, fx.quote, fx.quote_len, &o), PQCHA_ERR_CERT_EXPIRED);
    CHECK(check_is(res, "tcb_info_validity", PQCHA_ERR_CERT_EXPIRED));

    /* Another FMSPC, another PCE-ID. */
    tcb_spec s = default_tcb;
    s.fmspc = "123456789ABD";
    fixture_tcb_info(&fx, &s);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_CERT_MISMATCH);
    CHECK(check_is(res, "tcb_info_platform", PQCHA_ERR_CERT_MISMATCH));
    s.fmspc = "123456789abc"; /* the same in lower case */
    fixture_tcb_info(&fx, &s);
    CHECK_OK(fixture_verify(res, &fx));
    s.pce_id = "0100";
    fixture_tcb_info(&fx, &s);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_CERT_MISMATCH);
    fixture_tcb_info(&fx, &default_tcb);

    /* Partial: each optional piece left out is a skipped check. */
    files full = fx.f;
    fx.f.bytes[PQCHA__TDX_ROOT_CA_CRL] = NULL;
    fx.f.len[PQCHA__TDX_ROOT_CA_CRL] = 0;
    CHECK_OK(fixture_verify(res, &fx));
    CHECK(find_check(res, "root_ca_crl")->status == PQCHA_CHECK_SKIPPED);
    fx.f.bytes[PQCHA__TDX_PCK_CRL_CHAIN] = NULL;
    fx.f.len[PQCHA__TDX_PCK_CRL_CHAIN] = 0;
    CHECK_OK(fixture_verify(res, &fx)); /* the PCK CRL by the quote's own CA */
    CHECK(find_check(res, "pck_crl")->status == PQCHA_CHECK_PASS);
    /* Wrong pairs: a chain without its document, a document without its
     * chain, the PCK CRL's chain without the CRL, no TCB info at all. */
    static const int pairs[][2] = {
        {PQCHA__TDX_QE_IDENTITY, -1},    {PQCHA__TDX_QE_IDENTITY_CHAIN, -1},
        {PQCHA__TDX_TCB_INFO_CHAIN, -1}, {PQCHA__TDX_TCB_INFO, PQCHA__TDX_TCB_INFO_CHAIN},
        {PQCHA__TDX_PCK_CRL, -1},
    };
    fx.f = full;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        files cut = full;
        for (int j = 0; j < 2; j++)
            if (pairs[i][j] >= 0) {
                cut.bytes[pairs[i][j]] = NULL;
                cut.len[pairs[i][j]] = 0;
            }
        fx.f = cut;
        CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_INVALID_ARGUMENT);
        CHECK(res->check_count == 0);
    }
    /* A span with bytes and no length. */
    fx.f = full;
    fx.f.len[PQCHA__TDX_ROOT_CA_CRL] = 0;
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_INVALID_ARGUMENT);
    fx.f = full;
    fixture_free(&fx);
    free(res);
}

/* ---- malformed collateral ---- */

static void tcb_parse_err(const uint8_t *bytes, size_t len, const char *why) {
    pqcha__tdx_tcb_info *t = malloc(sizeof *t);
    const char *got = NULL;
    if (t == NULL) return;
    memset(t, 0xa5, sizeof *t);
    CHECK_ERR(pqcha__tdx_tcb_info_parse(t, &got, bytes, len), PQCHA_ERR_BAD_CERTIFICATE);
    CHECK(t->advisory_pool == NULL && t->level_count == 0 && t->body_len == 0);
    if (why != NULL) CHECK_STR(got, why);
    free(t);
}

/* The synthetic TCB info's text with `from` (first occurrence) replaced. */
static void tcb_mutated(const char *from, const char *to, const char *why) {
    static text t, m;
    tcb_info_text(&t, &default_tcb);
    const char *at = strstr(t.data, from);
    if (at == NULL) {
        CHECK_FAILED(from);
        return;
    }
    m.len = 0;
    add(&m, "{\"tcbInfo\":%.*s%s%s,\"signature\":\"%0128d\"}", (int)(at - t.data), t.data, to,
        at + strlen(from), 0);
    tcb_parse_err((const uint8_t *)m.data, m.len, why);
}

static void test_malformed_tcb_info(void) {
    static text t, doc;
    tcb_info_text(&t, &default_tcb);
    doc.len = 0;
    add(&doc, "{\"tcbInfo\":%s,\"signature\":\"%0128d\"}", t.data, 0);
    pqcha__tdx_tcb_info *info = malloc(sizeof *info);
    REQUIRE(info != NULL);
    const char *why = NULL;
    CHECK_OK(pqcha__tdx_tcb_info_parse(info, &why, (const uint8_t *)doc.data, doc.len));
    CHECK_STR(why, "");
    CHECK(info->body_off == 11 && info->body_len == t.len && info->level_count == 2);
    CHECK(info->has_module_identities && info->module_identity_count == 1);
    CHECK(info->module_identities[0].version == 1 && info->levels[1].pce_svn == 5);
    CHECK(info->levels[1].advisories.count == 1 && info->fmspc[5] == 0xbc);
    pqcha__tdx_tcb_info_free(info);
    free(info);

    /* Truncated anywhere. */
    for (size_t cut = 0; cut < doc.len; cut += doc.len / 37 + 1)
        tcb_parse_err((const uint8_t *)doc.data, cut, NULL);
    tcb_parse_err((const uint8_t *)doc.data, doc.len - 1, NULL);
    /* Oversized: past the cap before anything is parsed. */
    uint8_t *big = malloc(PQCHA__TDX_COLLATERAL_JSON_MAX + 1);
    REQUIRE(big != NULL);
    memset(big, ' ', PQCHA__TDX_COLLATERAL_JSON_MAX + 1);
    memcpy(big, doc.data, doc.len);
    tcb_parse_err(big, PQCHA__TDX_COLLATERAL_JSON_MAX + 1, "larger than 128 KiB");
    free(big);
    /* Duplicate keys, top level and inside. */
    static text dup;
    dup.len = 0;
    add(&dup, "{\"tcbInfo\":%s,\"signature\":\"%0128d\",\"signature\":\"%0128d\"}", t.data, 0, 0);
    tcb_parse_err((const uint8_t *)dup.data, dup.len, "a key appears twice in an object");
    dup.len = 0;
    add(&dup, "{\"tcbInfo\":%s,\"tcbInfo\":%s,\"signature\":\"%0128d\"}", t.data, t.data, 0);
    tcb_parse_err((const uint8_t *)dup.data, dup.len, "a key appears twice in an object");
    tcb_mutated("\"tcbType\":0", "\"tcbType\":0,\"tcbType\":0", "a key appears twice in an object");
    tcb_mutated("{\"svn\":3}", "{\"svn\":3,\"svn\":3}", "a key appears twice in an object");
    /* Each field's defects. */
    tcb_mutated("\"version\":3", "\"version\":2", "not a TDX TCB info of version 3 (id \"TDX\")");
    tcb_mutated("\"id\":\"TDX\"", "\"id\":\"SGX\"", "not a TDX TCB info of version 3 (id \"TDX\")");
    tcb_mutated("\"tcbType\":0", "\"tcbType\":0,\"extra\":1",
                "tcbInfo does not have the fields of version 3");
    tcb_mutated(",\"tcbType\":0", "", "tcbInfo does not have the fields of version 3");
    tcb_mutated("\"tcbType\":0", "\"tcbType\":1", "a tcbType other than 0");
    tcb_mutated("123456789ABC", "123456789AB", "a hex field of the wrong length");
    tcb_mutated("123456789ABC", "123456789ABG", "a hex field is not hex");
    tcb_mutated("2024-12-15T00:00:00Z", "2024-12-15 00:00:00", "a date is not RFC 3339 UTC");
    tcb_mutated("\"UpToDate\"", "\"Uptodate\"", "a tcbStatus that is not a status of its kind");
    tcb_mutated("\"UpToDate\"", "\"TDRelaunchAdvised\"",
                "a tcbStatus that is not a status of its kind");
    tcb_mutated("\"pcesvn\":11", "\"pcesvn\":65536", "a number out of range or not an integer");
    tcb_mutated("\"pcesvn\":11", "\"pcesvn\":11.0", "a number out of range or not an integer");
    tcb_mutated("{\"svn\":3}", "{\"svn\":256}", "a number out of range or not an integer");
    tcb_mutated("{\"svn\":3},", "", "a TCB component list is not of 16 components");
    tcb_mutated("{\"svn\":3}", "{\"svn\":3,\"kind\":\"x\"}",
                "a TCB component is not {svn, category, type}");
    tcb_mutated("\"TDX_01\"", "\"TDX_1\"",
                "a TDX module identity's id is not TDX_ and two hex digits");
    tcb_mutated("\"INTEL-SA-00837\"", "\"INTEL SA\"",
                "an advisory ID that is not 1-32 visible ASCII characters");
    tcb_mutated("\"INTEL-SA-00837\"", "7",
                "an advisory ID that is not 1-32 visible ASCII characters");
    tcb_mutated("\"tcbLevels\":[{\"tcb\":{\"sgx", "\"tcbLevels\":[],\"x\":[{\"tcb\":{\"sgx", NULL);
    tcb_mutated("\"tdxModule\":{", "\"tdxModule\":[{", NULL);
    /* Not JSON, a signature of the wrong length, nothing but the body. */
    tcb_parse_err((const uint8_t *)"{\"tcbInfo\":", 11, NULL);
    tcb_parse_err((const uint8_t *)"[]", 2, NULL);
    tcb_parse_err((const uint8_t *)t.data, t.len,
                  "not exactly the signed object and its signature");
    dup.len = 0;
    add(&dup, "{\"tcbInfo\":%s,\"signature\":\"%0126d\"}", t.data, 0);
    tcb_parse_err((const uint8_t *)dup.data, dup.len, "a hex field of the wrong length");
    CHECK_ERR(pqcha__tdx_tcb_info_parse(NULL, NULL, (const uint8_t *)doc.data, doc.len),
              PQCHA_ERR_INVALID_ARGUMENT);
}

static void test_malformed_qe_identity(void) {
    static text t, doc;
    qe_identity_text(&t, &default_qe);
    doc.len = 0;
    add(&doc, "{\"enclaveIdentity\":%s,\"signature\":\"%0128d\"}", t.data, 0);
    pqcha__tdx_qe_identity *q = malloc(sizeof *q);
    REQUIRE(q != NULL);
    CHECK_OK(pqcha__tdx_qe_identity_parse(q, NULL, (const uint8_t *)doc.data, doc.len));
    CHECK(q->body_off == 19 && q->body_len == t.len && q->isv_prod_id == 2);
    CHECK(q->level_count == 2 && q->levels[1].isv_svn == 2 && q->attributes_mask[0] == 0xfb);
    pqcha__tdx_qe_identity_free(q);
    const char *why = NULL;
    for (size_t cut = 0; cut < doc.len; cut += 13) {
        CHECK_ERR(pqcha__tdx_qe_identity_parse(q, &why, (const uint8_t *)doc.data, cut),
                  PQCHA_ERR_BAD_CERTIFICATE);
        CHECK(q->advisory_pool == NULL && why != NULL && why[0] != '\0');
    }
    /* A TCB info is no QE identity. */
    static text tcb;
    tcb_info_text(&tcb, &default_tcb);
    doc.len = 0;
    add(&doc, "{\"enclaveIdentity\":%s,\"signature\":\"%0128d\"}", tcb.data, 0);
    CHECK_ERR(pqcha__tdx_qe_identity_parse(q, &why, (const uint8_t *)doc.data, doc.len),
              PQCHA_ERR_BAD_CERTIFICATE);
    qe_spec s = default_qe;
    s.levels[0].status = "SWHardeningNeeded"; /* not a QE status */
    qe_identity_text(&t, &s);
    doc.len = 0;
    add(&doc, "{\"enclaveIdentity\":%s,\"signature\":\"%0128d\"}", t.data, 0);
    CHECK_ERR(pqcha__tdx_qe_identity_parse(q, &why, (const uint8_t *)doc.data, doc.len),
              PQCHA_ERR_BAD_CERTIFICATE);
    CHECK_STR(why, "a tcbStatus that is not a status of its kind");
    s = default_qe;
    s.mrsigner = "DC9E";
    qe_identity_text(&t, &s);
    doc.len = 0;
    add(&doc, "{\"enclaveIdentity\":%s,\"signature\":\"%0128d\"}", t.data, 0);
    CHECK_ERR(pqcha__tdx_qe_identity_parse(q, &why, (const uint8_t *)doc.data, doc.len),
              PQCHA_ERR_BAD_CERTIFICATE);
    free(q);

    /* In a verification: the malformed piece named, the rest not reached. */
    fixture fx;
    pqcha__tdx_result *res = malloc(sizeof *res);
    REQUIRE(res != NULL && fixture_make(&fx));
    set_piece(&fx.f, PQCHA__TDX_QE_IDENTITY, (uint8_t *)strdup("{\"enclaveIdentity\":{}"), 21);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_BAD_CERTIFICATE);
    CHECK(check_is(res, "qe_identity_format", PQCHA_ERR_BAD_CERTIFICATE));
    CHECK(find_check(res, "tcb_status") == NULL);
    set_piece(&fx.f, PQCHA__TDX_QE_IDENTITY_CHAIN, (uint8_t *)strdup("-----BEGIN"), 10);
    fixture_qe_identity(&fx, &default_qe);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_BAD_CERTIFICATE);
    CHECK(check_is(res, "qe_identity_chain", PQCHA_ERR_BAD_CERTIFICATE));
    set_piece(&fx.f, PQCHA__TDX_PCK_CRL, (uint8_t *)strdup("0\x82junk"), 6);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_BAD_CERTIFICATE);
    CHECK(check_is(res, "pck_crl", PQCHA_ERR_BAD_CERTIFICATE));
    fixture_free(&fx);
    free(res);
}

/* The PCK certificate's SGX extensions, each defect. */
static void pck_err(const der_buf *d, const char *why) {
    pqcha__tdx_pck_info info;
    const char *got = NULL;
    memset(&info, 0xa5, sizeof info);
    CHECK_ERR(pqcha__tdx_pck_info_parse(&info, &got, d->data, d->len), PQCHA_ERR_BAD_CERTIFICATE);
    CHECK(info.pce_svn == 0 && info.fmspc[0] == 0);
    if (why != NULL) CHECK_STR(got, why);
}

static void test_pck_extensions(void) {
    der_buf d;
    sgx_ext_der(&d, &default_sgx_tcb);
    pqcha__tdx_pck_info info;
    CHECK_OK(pqcha__tdx_pck_info_parse(&info, NULL, d.data, d.len));
    CHECK(memcmp(info.fmspc, default_sgx_tcb.fmspc, 6) == 0 && info.pce_svn == 11);
    CHECK(memcmp(info.cpu_svn_components, default_sgx_tcb.comp, 16) == 0);
    CHECK(memcmp(info.cpu_svn, default_sgx_tcb.comp, 16) == 0);
    /* Large values: PCESVN 0x8000, a component 0xff (two-byte INTEGERs). */
    sgx_tcb big = default_sgx_tcb;
    big.pce_svn = 0x8000;
    big.comp[3] = 0xff;
    sgx_ext_der(&d, &big);
    CHECK_OK(pqcha__tdx_pck_info_parse(&info, NULL, d.data, d.len));
    CHECK(info.pce_svn == 0x8000 && info.cpu_svn_components[3] == 0xff);
    /* Truncated anywhere, and with a byte after. */
    sgx_ext_der(&d, &default_sgx_tcb);
    size_t full = d.len;
    for (d.len = 0; d.len < full; d.len += 7)
        pck_err(&d, NULL);
    d.len = full + 1;
    d.data[full] = 0;
    pck_err(&d, NULL);
    d.len = full;
    /* An FMSPC of 5 bytes, a pair missing, a pair twice. */
    sgx_ext_der_with(&d, &default_sgx_tcb, 5, 0, 0);
    pck_err(&d, "the PCK certificate's FMSPC is not 6 octets");
    for (int arc = 1; arc <= 5; arc++) {
        sgx_ext_der_with(&d, &default_sgx_tcb, 6, arc, 0);
        pck_err(&d, "the PCK certificate's SGX extensions lack PPID, TCB, PCE-ID, FMSPC or type");
        sgx_ext_der_with(&d, &default_sgx_tcb, 6, 0, arc);
        pck_err(&d, "the PCK certificate's SGX extensions hold a malformed or repeated pair");
    }
    der_buf out;
    sgx_ext_der_with(&out, &default_sgx_tcb, 6, 4, 0);
    CHECK_ERR(pqcha__tdx_pck_info_parse(&info, NULL, NULL, 0), PQCHA_ERR_BAD_CERTIFICATE);

    /* In a verification: a PCK without the extension, with a broken one. */
    fixture fx;
    pqcha__tdx_result *res = malloc(sizeof *res);
    REQUIRE(res != NULL && fixture_make(&fx));
    REQUIRE(pki_reissue_pck(&fx.p, NULL, 0));
    fixture_quote(&fx);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_BAD_CERTIFICATE);
    const pqcha__evidence_check *c = find_check(res, "tcb_info_platform");
    CHECK(c != NULL && strcmp(c->found, "the PCK certificate does not hold its SGX extensions "
                                        "exactly once") == 0);
    REQUIRE(pki_reissue_pck(&fx.p, out.data, out.len));
    fixture_quote(&fx);
    CHECK_ERR(fixture_verify(res, &fx), PQCHA_ERR_BAD_CERTIFICATE);
    fixture_free(&fx);
    free(res);
}

/* ---- the public API ---- */

static const pqcha_collateral_kind kinds[PQCHA__TDX_PIECES] = {
    PQCHA_COLLATERAL_TCB_INFO,    PQCHA_COLLATERAL_TCB_INFO_CHAIN,
    PQCHA_COLLATERAL_QE_IDENTITY, PQCHA_COLLATERAL_QE_IDENTITY_CHAIN,
    PQCHA_COLLATERAL_PCK_CRL,     PQCHA_COLLATERAL_PCK_CRL_CHAIN,
    PQCHA_COLLATERAL_ROOT_CA_CRL};

static void test_public_api(void) {
    fixture fx;
    REQUIRE(fixture_make(&fx));
    pqcha_evidence *e = NULL;
    pqcha_evidence_verifier *v = NULL;
    pqcha_evidence_result *r = NULL;
    CHECK_OK(pqcha_evidence_parse(&e, fx.quote, fx.quote_len));
    CHECK_OK(pqcha_evidence_verifier_create(&v));
    CHECK_OK(pqcha_evidence_verifier_add_roots(v, fx.roots, fx.roots_len));
    CHECK_OK(pqcha_evidence_verifier_set_time(v, SYNTH_NOW));
    for (int i = 0; i < PQCHA__TDX_PIECES; i++)
        CHECK_OK(pqcha_evidence_verifier_add_collateral(v, kinds[i], fx.f.bytes[i], fx.f.len[i]));
    CHECK_OK(pqcha_evidence_verify(&r, v, e));
    CHECK_STR(pqcha_evidence_result_tcb_status(r), "UpToDate");
    CHECK(pqcha_evidence_result_advisory_count(r) == 0);
    CHECK(pqcha_evidence_result_check_count(r) == 20);
    pqcha_evidence_result_free(r);

    /* Rejections at the setter leave the verifier as it was. */
    CHECK_ERR(pqcha_evidence_verifier_add_collateral(v, (pqcha_collateral_kind)0, fx.f.bytes[0],
                                                     fx.f.len[0]),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_evidence_verifier_add_collateral(v, (pqcha_collateral_kind)8, fx.f.bytes[0],
                                                     fx.f.len[0]),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_evidence_verifier_add_collateral(NULL, PQCHA_COLLATERAL_TCB_INFO, fx.f.bytes[0],
                                                     fx.f.len[0]),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_evidence_verifier_add_collateral(v, PQCHA_COLLATERAL_TCB_INFO, NULL, 0),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_evidence_verifier_add_collateral(v, PQCHA_COLLATERAL_TCB_INFO,
                                                     (const uint8_t *)"{}", 2),
              PQCHA_ERR_BAD_CERTIFICATE);
    CHECK_ERR(pqcha_evidence_verifier_add_collateral(v, PQCHA_COLLATERAL_PCK_CRL,
                                                     fx.f.bytes[PQCHA__TDX_TCB_INFO],
                                                     fx.f.len[PQCHA__TDX_TCB_INFO]),
              PQCHA_ERR_BAD_CERTIFICATE);
    CHECK_ERR(pqcha_evidence_verifier_add_collateral(v, PQCHA_COLLATERAL_TCB_INFO_CHAIN,
                                                     fx.f.bytes[PQCHA__TDX_PCK_CRL],
                                                     fx.f.len[PQCHA__TDX_PCK_CRL]),
              PQCHA_ERR_BAD_CERTIFICATE);
    uint8_t *big = calloc(PQCHA__TDX_COLLATERAL_JSON_MAX + 1, 1);
    REQUIRE(big != NULL);
    CHECK_ERR(pqcha_evidence_verifier_add_collateral(v, PQCHA_COLLATERAL_QE_IDENTITY, big,
                                                     PQCHA__TDX_COLLATERAL_JSON_MAX + 1),
              PQCHA_ERR_TOO_LARGE);
    free(big);
    CHECK_OK(pqcha_evidence_verify(&r, v, e));
    pqcha_evidence_result_free(r);

    /* A rejected platform shows its status and the rejection. */
    tcb_spec s = default_tcb;
    s.levels[0].status = "SWHardeningNeeded";
    s.levels[0].advisories = "[\"INTEL-SA-00615\",\"INTEL-SA-00657\"]";
    fixture_tcb_info(&fx, &s);
    CHECK_OK(pqcha_evidence_verifier_add_collateral(v, PQCHA_COLLATERAL_TCB_INFO,
                                                    fx.f.bytes[PQCHA__TDX_TCB_INFO],
                                                    fx.f.len[PQCHA__TDX_TCB_INFO]));
    CHECK_ERR(pqcha_evidence_verify(&r, v, e), PQCHA_ERR_TCB_TOO_LOW);
    CHECK(pqcha_evidence_result_verdict(r) == PQCHA_VERDICT_REJECTED);
    CHECK_STR(pqcha_evidence_result_tcb_status(r), "SWHardeningNeeded");
    CHECK(pqcha_evidence_result_advisory_count(r) == 2);
    CHECK_STR(pqcha_evidence_result_advisory_id(r, 1), "INTEL-SA-00657");
    CHECK(pqcha_evidence_result_advisory_id(r, 2) == NULL);
    pqcha_evidence_result_free(r);
    CHECK(pqcha_evidence_result_tcb_status(NULL) == NULL);
    CHECK(pqcha_evidence_result_advisory_count(NULL) == 0);
    CHECK(pqcha_evidence_result_advisory_id(NULL, 0) == NULL);

    /* Without its chain a TCB info is refused at verification. */
    pqcha_evidence_verifier *bare = NULL;
    CHECK_OK(pqcha_evidence_verifier_create(&bare));
    CHECK_OK(pqcha_evidence_verifier_add_roots(bare, fx.roots, fx.roots_len));
    CHECK_OK(pqcha_evidence_verifier_set_time(bare, SYNTH_NOW));
    CHECK_OK(pqcha_evidence_verify(&r, bare, e)); /* no collateral: no status */
    CHECK(pqcha_evidence_result_tcb_status(r) == NULL);
    pqcha_evidence_result_free(r);
    CHECK_OK(pqcha_evidence_verifier_add_collateral(bare, PQCHA_COLLATERAL_TCB_INFO,
                                                    fx.f.bytes[PQCHA__TDX_TCB_INFO],
                                                    fx.f.len[PQCHA__TDX_TCB_INFO]));
    r = (pqcha_evidence_result *)1;
    CHECK_ERR(pqcha_evidence_verify(&r, bare, e), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(r == NULL);
    pqcha_evidence_verifier_free(bare);

    pqcha_evidence_free(e);
    pqcha_evidence_verifier_free(v);
    fixture_free(&fx);
}

TEST_MAIN(TEST(test_real_v4_full), TEST(test_real_v5_tcb_info_only), TEST(test_real_rejections),
          TEST(test_synthetic_genuine), TEST(test_synthetic_statuses), TEST(test_synthetic_module),
          TEST(test_synthetic_relaunch), TEST(test_synthetic_qe), TEST(test_synthetic_revocation),
          TEST(test_synthetic_validity_and_pairs), TEST(test_malformed_tcb_info),
          TEST(test_malformed_qe_identity), TEST(test_pck_extensions), TEST(test_public_api))
