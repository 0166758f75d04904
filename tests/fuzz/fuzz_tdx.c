/* fuzz_tdx.c — libFuzzer target for the TDX quote parser (pqcha__tdx_quote_parse):
 * whatever the bytes, it never reads out of bounds (ASan), a parsed quote's
 * offsets and lengths lie inside the input and add up, parsing is
 * deterministic, and a rejected input leaves no output behind. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/tdx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int inside(size_t off, size_t len, size_t limit) {
    return off <= limit && len <= limit - off;
}

static int all_zero(const void *p, size_t n) {
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != 0) return 0;
    return 1;
}

static void check_parsed(const pqcha__tdx_quote *q, const uint8_t *data, size_t size) {
    if (q->version != 4 && q->version != 5) __builtin_trap();
    if (q->att_key_type != 2 || q->tee_type != 0x81) __builtin_trap();
    if (q->body_type == 2 ? q->body_len != PQCHA__TDX_BODY_V10_LEN
                          : q->body_type != 3 || q->body_len != PQCHA__TDX_BODY_V15_LEN)
        __builtin_trap();
    if (q->version == 4 && q->body_type != 2) __builtin_trap();
    size_t descriptor = q->version == 5 ? 6 : 0;
    if (q->signed_len != PQCHA__TDX_HEADER_LEN + descriptor + q->body_len) __builtin_trap();
    if (q->quote_len != q->signed_len + 4 + q->sig_data_len) __builtin_trap();
    if (q->quote_len > size || q->trailing_len != size - q->quote_len) __builtin_trap();
    /* The nested parts tile the signature data exactly. */
    if (q->qe_report_off != q->signed_len + 4 + 64 + 64 + 6) __builtin_trap();
    if (q->qe_auth_off != q->qe_report_off + PQCHA__TDX_QE_REPORT_LEN + 64 + 2) __builtin_trap();
    if (q->pck_chain_off != q->qe_auth_off + q->qe_auth_len + 6) __builtin_trap();
    if (q->pck_chain_off + q->pck_chain_len != q->quote_len) __builtin_trap();
    if (q->pck_chain_len == 0 || q->pck_chain_len > PQCHA__TDX_MAX_PCK_CHAIN) __builtin_trap();
    if (!inside(q->qe_report_off, PQCHA__TDX_QE_REPORT_LEN, q->quote_len) ||
        !inside(q->qe_auth_off, q->qe_auth_len, q->quote_len) ||
        !inside(q->pck_chain_off, q->pck_chain_len, q->quote_len))
        __builtin_trap();
    /* The decoded copies are the bytes at their offsets. */
    if (memcmp(q->body.report_data, data + q->signed_len - q->body_len + 520, 64) != 0)
        __builtin_trap();
    if (memcmp(q->signature, data + q->signed_len + 4, 64) != 0) __builtin_trap();
    if (memcmp(q->qe_report.report_data, data + q->qe_report_off + 320, 64) != 0) __builtin_trap();
    if (q->body_type == 2 && !all_zero(q->body.mr_servicetd, sizeof q->body.mr_servicetd))
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    pqcha__tdx_quote a, b;
    memset(&a, 0x5a, sizeof a);
    memset(&b, 0xa5, sizeof b);
    const char *why_a = NULL, *why_b = NULL;
    pqcha_err ea = pqcha__tdx_quote_parse_why(&a, &why_a, data, size);
    pqcha_err eb = pqcha__tdx_quote_parse_why(&b, &why_b, data, size);
    if (ea != eb || why_a == NULL || why_b == NULL || strcmp(why_a, why_b) != 0) __builtin_trap();
    if (memcmp(&a, &b, sizeof a) != 0) __builtin_trap();
    if (ea != PQCHA_OK) {
        if (ea != PQCHA_ERR_BAD_EVIDENCE && ea != PQCHA_ERR_UNSUPPORTED_ALGORITHM) __builtin_trap();
        if (!all_zero(&a, sizeof a) || why_a[0] == '\0') __builtin_trap();
        return 0;
    }
    if (why_a[0] != '\0') __builtin_trap();
    check_parsed(&a, data, size);
    /* The quote alone, without what followed it, parses the same. */
    if (a.trailing_len > 0) {
        if (pqcha__tdx_quote_parse(&b, data, a.quote_len) != PQCHA_OK) __builtin_trap();
        b.trailing_len = a.trailing_len;
        if (memcmp(&a, &b, sizeof a) != 0) __builtin_trap();
    }
    return 0;
}
