/* tdx.c — the strict TDX quote parser (layout in tdx.h). Every length is
 * read through the bounded reader and must fit inside its container and
 * fill it exactly; nothing is interpreted from bytes after the signature
 * data. */
#include <string.h>

#include "core/internal.h"
#include "core/reader.h"
#include "core/tdx.h"

#define TDX_VERSION_4         4
#define TDX_VERSION_5         5
#define TDX_ATT_KEY_ECDSA_256 2
#define TDX_TEE_TYPE          0x81u
#define TDX_BODY_TYPE_10      2
#define TDX_BODY_TYPE_15      3
#define TDX_CERT_QE_REPORT    6
#define TDX_CERT_PCK_CHAIN    5

typedef struct parse_state {
    pqcha__reader r;
    const char *why;
} parse_state;

static int read_copy(pqcha__reader *r, void *dst, size_t n) {
    const uint8_t *p = NULL;
    if (!pqcha__reader_bytes(r, n, &p)) return 0;
    memcpy(dst, p, n);
    return 1;
}

static pqcha_err fail(parse_state *st, const char *why) {
    st->why = why;
    return PQCHA_ERR_BAD_EVIDENCE;
}

static pqcha_err parse_header(parse_state *st, pqcha__tdx_quote *q) {
    pqcha__reader *r = &st->r;
    if (!pqcha__reader_u16le(r, &q->version) || !pqcha__reader_u16le(r, &q->att_key_type) ||
        !pqcha__reader_u32le(r, &q->tee_type) ||
        !read_copy(r, q->header_reserved, sizeof q->header_reserved) ||
        !read_copy(r, q->qe_vendor_id, sizeof q->qe_vendor_id) ||
        !read_copy(r, q->user_data, sizeof q->user_data))
        return fail(st, "truncated header");
    if (q->version != TDX_VERSION_4 && q->version != TDX_VERSION_5)
        return fail(st, "quote version is not 4 or 5");
    if (q->att_key_type != TDX_ATT_KEY_ECDSA_256) {
        st->why = "attestation key type is not ECDSA-256-with-P-256";
        return PQCHA_ERR_UNSUPPORTED_ALGORITHM;
    }
    if (q->tee_type != TDX_TEE_TYPE) return fail(st, "TEE type is not TDX (0x81)");
    return PQCHA_OK;
}

static pqcha_err parse_body_descriptor(parse_state *st, pqcha__tdx_quote *q) {
    if (q->version == TDX_VERSION_4) {
        q->body_type = TDX_BODY_TYPE_10;
        q->body_len = PQCHA__TDX_BODY_V10_LEN;
        return PQCHA_OK;
    }
    uint32_t size = 0;
    if (!pqcha__reader_u16le(&st->r, &q->body_type) || !pqcha__reader_u32le(&st->r, &size))
        return fail(st, "truncated body descriptor");
    if (q->body_type == TDX_BODY_TYPE_10)
        q->body_len = PQCHA__TDX_BODY_V10_LEN;
    else if (q->body_type == TDX_BODY_TYPE_15)
        q->body_len = PQCHA__TDX_BODY_V15_LEN;
    else
        return fail(st, "TD report body type is not 2 (TDX 1.0) or 3 (TDX 1.5)");
    if (size != q->body_len) return fail(st, "TD report body size does not match its type");
    return PQCHA_OK;
}

static pqcha_err parse_body(parse_state *st, pqcha__tdx_quote *q) {
    pqcha__reader *r = &st->r;
    pqcha__tdx_td_report *b = &q->body;
    int ok = read_copy(r, b->tee_tcb_svn, sizeof b->tee_tcb_svn) &&
             read_copy(r, b->mr_seam, sizeof b->mr_seam) &&
             read_copy(r, b->mr_signer_seam, sizeof b->mr_signer_seam) &&
             pqcha__reader_u64le(r, &b->seam_attributes) &&
             pqcha__reader_u64le(r, &b->td_attributes) && pqcha__reader_u64le(r, &b->xfam) &&
             read_copy(r, b->mr_td, sizeof b->mr_td) &&
             read_copy(r, b->mr_config_id, sizeof b->mr_config_id) &&
             read_copy(r, b->mr_owner, sizeof b->mr_owner) &&
             read_copy(r, b->mr_owner_config, sizeof b->mr_owner_config) &&
             read_copy(r, b->rtmr, sizeof b->rtmr) &&
             read_copy(r, b->report_data, sizeof b->report_data);
    if (ok && q->body_type == TDX_BODY_TYPE_15)
        ok = read_copy(r, b->tee_tcb_svn2, sizeof b->tee_tcb_svn2) &&
             read_copy(r, b->mr_servicetd, sizeof b->mr_servicetd);
    if (!ok) return fail(st, "truncated TD report body");
    return PQCHA_OK;
}

/* The SGX report body of the quoting enclave, fields at fixed offsets;
 * 1 when it decoded (always, given its 384 bytes). */
static int decode_qe_report(pqcha__tdx_qe_report *qe, const uint8_t *p) {
    pqcha__reader r;
    pqcha__reader_init(&r, p, PQCHA__TDX_QE_REPORT_LEN);
    const uint8_t *skip = NULL;
    uint16_t v16 = 0;
    int ok = read_copy(&r, qe->cpu_svn, sizeof qe->cpu_svn) &&
             pqcha__reader_u32le(&r, &qe->misc_select) && pqcha__reader_bytes(&r, 28, &skip) &&
             read_copy(&r, qe->attributes, sizeof qe->attributes) &&
             read_copy(&r, qe->mr_enclave, sizeof qe->mr_enclave) &&
             pqcha__reader_bytes(&r, 32, &skip) &&
             read_copy(&r, qe->mr_signer, sizeof qe->mr_signer) &&
             pqcha__reader_bytes(&r, 96, &skip) && pqcha__reader_u16le(&r, &v16);
    qe->isv_prod_id = v16;
    ok = ok && pqcha__reader_u16le(&r, &v16);
    qe->isv_svn = v16;
    return ok && pqcha__reader_bytes(&r, 60, &skip) &&
           read_copy(&r, qe->report_data, sizeof qe->report_data) && pqcha__reader_at_end(&r);
}

/* Reads a certification data header (type u16, size u32) and checks that
 * the data fits in what remains of the reader. */
static pqcha_err cert_data_header(parse_state *st, uint16_t want_type, size_t *size) {
    uint16_t type = 0;
    uint32_t n = 0;
    if (!pqcha__reader_u16le(&st->r, &type) || !pqcha__reader_u32le(&st->r, &n))
        return fail(st, "truncated certification data header");
    if (type != want_type)
        return fail(st, want_type == TDX_CERT_QE_REPORT
                            ? "certification data type is not 6 (QE report)"
                            : "nested certification data type is not 5 (PCK chain)");
    if (n > pqcha__reader_remaining(&st->r))
        return fail(st, "certification data size runs past the signature data");
    *size = n;
    return PQCHA_OK;
}

static pqcha_err parse_signature_data(parse_state *st, pqcha__tdx_quote *q) {
    pqcha__reader *r = &st->r;
    size_t outer = 0, inner = 0;
    const uint8_t *qe = NULL;
    uint16_t auth_len = 0;
    if (!read_copy(r, q->signature, sizeof q->signature) ||
        !read_copy(r, q->attestation_key, sizeof q->attestation_key))
        return fail(st, "truncated signature or attestation key");
    PQCHA_TRY(cert_data_header(st, TDX_CERT_QE_REPORT, &outer));
    if (outer != pqcha__reader_remaining(r))
        return fail(st, "QE report certification data does not fill the signature data");
    q->qe_report_off = r->pos;
    if (!pqcha__reader_bytes(r, PQCHA__TDX_QE_REPORT_LEN, &qe) ||
        !read_copy(r, q->qe_report_signature, sizeof q->qe_report_signature) ||
        !pqcha__reader_u16le(r, &auth_len))
        return fail(st, "truncated QE report certification data");
    if (!decode_qe_report(&q->qe_report, qe)) return PQCHA_ERR_INTERNAL;
    q->qe_auth_off = r->pos;
    q->qe_auth_len = auth_len;
    const uint8_t *auth = NULL;
    if (!pqcha__reader_bytes(r, q->qe_auth_len, &auth))
        return fail(st, "QE auth data runs past the certification data");
    PQCHA_TRY(cert_data_header(st, TDX_CERT_PCK_CHAIN, &inner));
    if (inner != pqcha__reader_remaining(r))
        return fail(st, "PCK chain does not fill the QE report certification data");
    if (inner == 0) return fail(st, "empty PCK chain");
    if (inner > PQCHA__TDX_MAX_PCK_CHAIN) return fail(st, "PCK chain over its size cap");
    q->pck_chain_off = r->pos;
    q->pck_chain_len = inner;
    r->pos = r->len;
    return PQCHA_OK;
}

static pqcha_err parse(parse_state *st, pqcha__tdx_quote *q, const uint8_t *bytes, size_t len) {
    pqcha__reader_init(&st->r, bytes, len);
    PQCHA_TRY(parse_header(st, q));
    PQCHA_TRY(parse_body_descriptor(st, q));
    PQCHA_TRY(parse_body(st, q));
    q->signed_len = st->r.pos;
    uint32_t sig_len = 0;
    if (!pqcha__reader_u32le(&st->r, &sig_len)) return fail(st, "truncated signature data length");
    if (sig_len > pqcha__reader_remaining(&st->r))
        return fail(st, "signature data length runs past the end of the input");
    q->sig_data_len = sig_len;
    q->quote_len = st->r.pos + q->sig_data_len;
    q->trailing_len = len - q->quote_len;
    /* The signature data alone, so that no nested length can reach past it. */
    pqcha__reader_init(&st->r, bytes, q->quote_len);
    st->r.pos = q->quote_len - q->sig_data_len;
    return parse_signature_data(st, q);
}

pqcha_err pqcha__tdx_quote_parse_why(pqcha__tdx_quote *out, const char **why, const uint8_t *bytes,
                                     size_t len) {
    if (why != NULL) *why = "";
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    memset(out, 0, sizeof *out);
    if (bytes == NULL && len > 0) return PQCHA_ERR_INVALID_ARGUMENT;
    parse_state st = {.why = ""};
    pqcha_err err = parse(&st, out, bytes, len);
    if (err != PQCHA_OK) memset(out, 0, sizeof *out);
    if (why != NULL) *why = st.why;
    return err;
}

pqcha_err pqcha__tdx_quote_parse(pqcha__tdx_quote *out, const uint8_t *bytes, size_t len) {
    return pqcha__tdx_quote_parse_why(out, NULL, bytes, len);
}
