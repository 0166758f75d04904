/* snp.c — the SEV-SNP ATTESTATION_REPORT: finding it in what the guest
 * read, and parsing it strictly (snp.h). */
#include "core/snp.h"

#include <string.h>

#include "core/reader.h"

/* Signer info (0x48): AUTHOR_KEY_EN bit 0, MASK_CHIP_KEY bit 1, SIGNING_KEY
 * bits 4:2, the rest reserved. */
#define SIGNER_AUTHOR_KEY_EN  0x1u
#define SIGNER_MASK_CHIP_KEY  0x2u
#define SIGNER_KEY_SHIFT      2u
#define SIGNER_KEY_MASK       0x7u
#define SIGNER_RESERVED       0xFFFFFFE0u
#define POLICY_KNOWN_BITS     ((UINT64_C(1) << 26) - 1u)
#define VMPL_HOST_REQUESTED   0xFFFFFFFFu
#define SIG_FIELD_LEN         72u /* R and S: 72 little-endian bytes each */
#define SIG_SCALAR_LEN        48u /* of which P-384 uses the low 48 */
#define SIG_AREA_LEN          512u
#define WRAPPED_REPORT_OFFSET 0x20u
/* Azure HCL report: "HCLA", u32 version, u32 report_size (header, report
 * and runtime data), u32 request type, u32 status, 12 reserved bytes; the
 * report at 0x20; then the runtime data header, whose third u32 is the
 * report type (2: SEV-SNP). */
#define HCL_SIZE_OFFSET        8u
#define HCL_RUNTIME_HEADER_LEN 20u
#define HCL_REPORT_TYPE_OFFSET (WRAPPED_REPORT_OFFSET + PQCHA__SNP_REPORT_LEN + 8u)
#define HCL_REPORT_TYPE_SNP    2u
#define MSG_REPORT_RSP_LEN     4000u

static uint32_t load_u32le(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int all_zero(const uint8_t *p, size_t n) {
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

static int is_azure_hcl(const uint8_t *bytes, size_t len) {
    if (len < HCL_REPORT_TYPE_OFFSET + 4u || memcmp(bytes, "HCLA", 4) != 0) return 0;
    uint32_t size = load_u32le(bytes + HCL_SIZE_OFFSET);
    if (size < WRAPPED_REPORT_OFFSET + PQCHA__SNP_REPORT_LEN + HCL_RUNTIME_HEADER_LEN || size > len)
        return 0;
    return load_u32le(bytes + HCL_REPORT_TYPE_OFFSET) == HCL_REPORT_TYPE_SNP;
}

static int is_msg_report_rsp(const uint8_t *bytes, size_t len) {
    return len == MSG_REPORT_RSP_LEN && load_u32le(bytes) == 0 &&
           load_u32le(bytes + 4) == PQCHA__SNP_REPORT_LEN && all_zero(bytes + 8, 24);
}

pqcha_err pqcha__snp_find_report_wrapped(const uint8_t *bytes, size_t len, size_t *offset,
                                         pqcha__snp_wrapper *wrapper) {
    if (offset) *offset = 0;
    if (wrapper) *wrapper = PQCHA__SNP_WRAPPER_NONE;
    if (offset == NULL || (bytes == NULL && len > 0)) return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha__snp_wrapper kind;
    if (len == PQCHA__SNP_REPORT_LEN) {
        kind = PQCHA__SNP_WRAPPER_NONE;
    } else if (is_azure_hcl(bytes, len)) {
        kind = PQCHA__SNP_WRAPPER_AZURE_HCL;
    } else if (is_msg_report_rsp(bytes, len)) {
        kind = PQCHA__SNP_WRAPPER_MSG_REPORT_RSP;
    } else {
        return PQCHA_ERR_BAD_EVIDENCE;
    }
    *offset = kind == PQCHA__SNP_WRAPPER_NONE ? 0 : WRAPPED_REPORT_OFFSET;
    if (wrapper) *wrapper = kind;
    return PQCHA_OK;
}

pqcha_err pqcha__snp_find_report(const uint8_t *bytes, size_t len, size_t *offset) {
    return pqcha__snp_find_report_wrapped(bytes, len, offset, NULL);
}

pqcha__snp_product pqcha__snp_product_from_cpuid(uint8_t family, uint8_t model) {
    if (family == 0x19) {
        if (model <= 0x0F) return PQCHA__SNP_PRODUCT_MILAN;
        /* Genoa, and Bergamo and Siena, which use Genoa's keys. */
        if (model <= 0x1F || (model >= 0xA0 && model <= 0xAF)) return PQCHA__SNP_PRODUCT_GENOA;
    } else if (family == 0x1A && model <= 0x1F) {
        return PQCHA__SNP_PRODUCT_TURIN;
    }
    return PQCHA__SNP_PRODUCT_UNKNOWN;
}

const char *pqcha__snp_product_name(pqcha__snp_product product) {
    switch (product) {
    case PQCHA__SNP_PRODUCT_MILAN: return "Milan";
    case PQCHA__SNP_PRODUCT_GENOA: return "Genoa";
    case PQCHA__SNP_PRODUCT_TURIN: return "Turin";
    case PQCHA__SNP_PRODUCT_UNKNOWN: break;
    }
    return NULL;
}

const char *pqcha__snp_signing_key_name(pqcha__snp_signing_key key) {
    switch (key) {
    case PQCHA__SNP_KEY_VCEK: return "VCEK";
    case PQCHA__SNP_KEY_VLEK: return "VLEK";
    case PQCHA__SNP_KEY_NONE: return "none";
    }
    return NULL;
}

static uint8_t tcb_byte(uint64_t raw, unsigned index) {
    return (uint8_t)(raw >> (8u * index));
}

void pqcha__snp_tcb_decode(pqcha__snp_tcb *out, uint64_t raw, pqcha__snp_product product) {
    memset(out, 0, sizeof *out);
    out->raw = raw;
    switch (product) {
    case PQCHA__SNP_PRODUCT_MILAN:
    case PQCHA__SNP_PRODUCT_GENOA:
        out->boot_loader = tcb_byte(raw, 0);
        out->tee = tcb_byte(raw, 1);
        out->snp = tcb_byte(raw, 6);
        out->microcode = tcb_byte(raw, 7);
        break;
    case PQCHA__SNP_PRODUCT_TURIN:
        out->fmc = tcb_byte(raw, 0);
        out->boot_loader = tcb_byte(raw, 1);
        out->tee = tcb_byte(raw, 2);
        out->snp = tcb_byte(raw, 3);
        out->microcode = tcb_byte(raw, 7);
        break;
    case PQCHA__SNP_PRODUCT_UNKNOWN: break;
    }
}

static void decode_tcbs(pqcha__snp_report *r) {
    pqcha__snp_tcb_decode(&r->current_tcb, r->current_tcb.raw, r->product);
    pqcha__snp_tcb_decode(&r->reported_tcb, r->reported_tcb.raw, r->product);
    pqcha__snp_tcb_decode(&r->committed_tcb, r->committed_tcb.raw, r->product);
    pqcha__snp_tcb_decode(&r->launch_tcb, r->launch_tcb.raw, r->product);
}

pqcha_err pqcha__snp_report_set_product(pqcha__snp_report *r, pqcha__snp_product product) {
    if (r == NULL || pqcha__snp_product_name(product) == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    if (r->product != PQCHA__SNP_PRODUCT_UNKNOWN && r->product != product)
        return PQCHA_ERR_CERT_MISMATCH;
    r->product = product;
    decode_tcbs(r);
    return PQCHA_OK;
}

/* Reads n bytes into dst (a field of the report). */
static int take(pqcha__reader *rd, void *dst, size_t n) {
    const uint8_t *p;
    if (!pqcha__reader_bytes(rd, n, &p)) return 0;
    memcpy(dst, p, n);
    return 1;
}

/* Reads n bytes that must be zero. */
static int take_zero(pqcha__reader *rd, size_t n) {
    const uint8_t *p;
    return pqcha__reader_bytes(rd, n, &p) && all_zero(p, n);
}

static int take_version3(pqcha__reader *rd, pqcha__snp_version3 *v) {
    uint8_t b[4];
    if (!take(rd, b, sizeof b) || b[3] != 0) return 0;
    v->build = b[0];
    v->minor = b[1];
    v->major = b[2];
    return 1;
}

/* A 72-byte little-endian scalar whose top 24 bytes are zero, stored
 * big-endian in out[48]. */
static int take_scalar(pqcha__reader *rd, uint8_t out[SIG_SCALAR_LEN]) {
    const uint8_t *p;
    if (!pqcha__reader_bytes(rd, SIG_FIELD_LEN, &p)) return 0;
    if (!all_zero(p + SIG_SCALAR_LEN, SIG_FIELD_LEN - SIG_SCALAR_LEN)) return 0;
    for (size_t i = 0; i < SIG_SCALAR_LEN; i++)
        out[i] = p[SIG_SCALAR_LEN - 1 - i];
    return 1;
}

/* The fields up to REPORT_DATA (0x000-0x04F). */
static pqcha_err parse_header(pqcha__reader *rd, pqcha__snp_report *r) {
    if (!pqcha__reader_u32le(rd, &r->version) || r->version < 2 || r->version > 5)
        return PQCHA_ERR_BAD_EVIDENCE;
    if (!pqcha__reader_u32le(rd, &r->guest_svn) || !pqcha__reader_u64le(rd, &r->policy))
        return PQCHA_ERR_BAD_EVIDENCE;
    if ((r->policy & PQCHA__SNP_POLICY_RESERVED_ONE) == 0 || (r->policy & ~POLICY_KNOWN_BITS) != 0)
        return PQCHA_ERR_BAD_EVIDENCE;
    r->policy_abi_minor = (uint8_t)r->policy;
    r->policy_abi_major = (uint8_t)(r->policy >> 8);
    r->policy_smt = (r->policy & PQCHA__SNP_POLICY_SMT) != 0;
    r->policy_migrate_ma = (r->policy & PQCHA__SNP_POLICY_MIGRATE_MA) != 0;
    r->policy_debug = (r->policy & PQCHA__SNP_POLICY_DEBUG) != 0;
    r->policy_single_socket = (r->policy & PQCHA__SNP_POLICY_SINGLE_SOCKET) != 0;
    if (!take(rd, r->family_id, sizeof r->family_id) || !take(rd, r->image_id, sizeof r->image_id))
        return PQCHA_ERR_BAD_EVIDENCE;
    if (!pqcha__reader_u32le(rd, &r->vmpl) || (r->vmpl > 3 && r->vmpl != VMPL_HOST_REQUESTED))
        return PQCHA_ERR_BAD_EVIDENCE;
    if (!pqcha__reader_u32le(rd, &r->signature_algo)) return PQCHA_ERR_BAD_EVIDENCE;
    if (r->signature_algo != PQCHA__SNP_SIG_ALGO_ECDSA_P384_SHA384)
        return PQCHA_ERR_UNSUPPORTED_ALGORITHM;
    if (!pqcha__reader_u64le(rd, &r->current_tcb.raw) ||
        !pqcha__reader_u64le(rd, &r->platform_info) || !pqcha__reader_u32le(rd, &r->signer_info))
        return PQCHA_ERR_BAD_EVIDENCE;
    uint32_t key = (r->signer_info >> SIGNER_KEY_SHIFT) & SIGNER_KEY_MASK;
    if ((r->signer_info & SIGNER_RESERVED) != 0 || pqcha__snp_signing_key_name(key) == NULL)
        return PQCHA_ERR_BAD_EVIDENCE;
    r->author_key_en = (r->signer_info & SIGNER_AUTHOR_KEY_EN) != 0;
    r->mask_chip_key = (r->signer_info & SIGNER_MASK_CHIP_KEY) != 0;
    r->signing_key = (pqcha__snp_signing_key)key;
    return take_zero(rd, 4) ? PQCHA_OK : PQCHA_ERR_BAD_EVIDENCE;
}

/* REPORT_DATA to CHIP_ID (0x050-0x1DF). */
static pqcha_err parse_body(pqcha__reader *rd, pqcha__snp_report *r) {
    if (!take(rd, r->report_data, sizeof r->report_data) ||
        !take(rd, r->measurement, sizeof r->measurement) ||
        !take(rd, r->host_data, sizeof r->host_data) ||
        !take(rd, r->id_key_digest, sizeof r->id_key_digest) ||
        !take(rd, r->author_key_digest, sizeof r->author_key_digest) ||
        !take(rd, r->report_id, sizeof r->report_id) ||
        !take(rd, r->report_id_ma, sizeof r->report_id_ma) ||
        !pqcha__reader_u64le(rd, &r->reported_tcb.raw))
        return PQCHA_ERR_BAD_EVIDENCE;
    /* 0x188: CPUID family, model, stepping from version 3 on; reserved in v2. */
    size_t reserved = 24;
    if (r->version >= 3) {
        uint8_t cpuid[3];
        if (!take(rd, cpuid, sizeof cpuid)) return PQCHA_ERR_BAD_EVIDENCE;
        r->cpuid_fam_id = cpuid[0];
        r->cpuid_mod_id = cpuid[1];
        r->cpuid_step = cpuid[2];
        reserved -= sizeof cpuid;
    }
    if (!take_zero(rd, reserved) || !take(rd, r->chip_id, sizeof r->chip_id))
        return PQCHA_ERR_BAD_EVIDENCE;
    return PQCHA_OK;
}

/* COMMITTED_TCB to the end (0x1E0-0x49F). */
static pqcha_err parse_tail(pqcha__reader *rd, pqcha__snp_report *r) {
    if (!pqcha__reader_u64le(rd, &r->committed_tcb.raw) ||
        !take_version3(rd, &r->current_version) || !take_version3(rd, &r->committed_version) ||
        !pqcha__reader_u64le(rd, &r->launch_tcb.raw))
        return PQCHA_ERR_BAD_EVIDENCE;
    /* 0x1F8: the mitigation vectors from version 5 on; reserved before. */
    size_t reserved = PQCHA__SNP_SIGNED_LEN - 0x1F8u;
    if (r->version >= 5) {
        if (!pqcha__reader_u64le(rd, &r->launch_mit_vector) ||
            !pqcha__reader_u64le(rd, &r->current_mit_vector))
            return PQCHA_ERR_BAD_EVIDENCE;
        reserved -= 16;
    }
    if (!take_zero(rd, reserved) || !take_scalar(rd, r->sig_r) || !take_scalar(rd, r->sig_s) ||
        !take_zero(rd, SIG_AREA_LEN - 2 * SIG_FIELD_LEN))
        return PQCHA_ERR_BAD_EVIDENCE;
    return pqcha__reader_at_end(rd) ? PQCHA_OK : PQCHA_ERR_BAD_EVIDENCE;
}

pqcha_err pqcha__snp_report_parse(pqcha__snp_report *out, const uint8_t *bytes, size_t len) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    memset(out, 0, sizeof *out);
    if (bytes == NULL && len > 0) return PQCHA_ERR_INVALID_ARGUMENT;
    if (len != PQCHA__SNP_REPORT_LEN) return PQCHA_ERR_BAD_EVIDENCE;
    pqcha__reader rd;
    pqcha__reader_init(&rd, bytes, len);
    pqcha__snp_report r;
    memset(&r, 0, sizeof r);
    pqcha_err err = parse_header(&rd, &r);
    if (err == PQCHA_OK) err = parse_body(&rd, &r);
    if (err == PQCHA_OK) err = parse_tail(&rd, &r);
    if (err != PQCHA_OK) return err;
    if (r.version >= 3) r.product = pqcha__snp_product_from_cpuid(r.cpuid_fam_id, r.cpuid_mod_id);
    decode_tcbs(&r);
    *out = r;
    return PQCHA_OK;
}
