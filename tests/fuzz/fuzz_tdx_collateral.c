/* fuzz_tdx_collateral.c — libFuzzer target for the parsers of Intel's TDX
 * collateral (tdx_collateral.c): the TCB info, the QE identity and the PCK
 * certificate's SGX extensions, each given the same bytes. Whatever they
 * are, nothing is read out of bounds (ASan), each parse is deterministic, a
 * rejection is BAD_CERTIFICATE with a reason and leaves nothing behind, and
 * what a parse accepts is coherent: the signed span is an object inside the
 * input, counts within the caps, advisory IDs inside their pool, statuses
 * of their kind. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/tdx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int all_zero(const void *p, size_t n) {
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != 0) return 0;
    return 1;
}

static void check_rejection(pqcha_err err, const char *why, const void *out, size_t n) {
    if (err != PQCHA_ERR_BAD_CERTIFICATE && err != PQCHA_ERR_NO_MEMORY) __builtin_trap();
    if (why == NULL || why[0] == '\0' || !all_zero(out, n)) __builtin_trap();
}

/* The span the signature covers: a '{' ... '}' inside the input. */
static void check_span(size_t off, size_t len, const uint8_t *data, size_t size) {
    if (len < 2 || off > size || len > size - off) __builtin_trap();
    if (data[off] != '{' || data[off + len - 1] != '}') __builtin_trap();
}

/* Every ID of ref lies in the pool, NUL-terminated, 1-32 visible ASCII. */
static void check_advisories(pqcha__tdx_advisory_ref ref, const char *pool, size_t pool_len) {
    size_t at = ref.off;
    if (ref.count > PQCHA__TDX_MAX_ADVISORIES || at > pool_len) __builtin_trap();
    for (size_t i = 0; i < ref.count; i++) {
        const char *nul = memchr(pool + at, '\0', pool_len - at);
        if (nul == NULL) __builtin_trap();
        size_t n = (size_t)(nul - (pool + at));
        if (n == 0 || n > PQCHA__TDX_ADVISORY_ID_MAX) __builtin_trap();
        for (size_t j = 0; j < n; j++)
            if (pool[at + j] <= ' ' || pool[at + j] > '~') __builtin_trap();
        at += n + 1;
    }
}

static void check_svn_levels(const pqcha__tdx_svn_level *l, size_t n, size_t max, const char *pool,
                             size_t pool_len) {
    if (n == 0 || n > max) __builtin_trap();
    for (size_t i = 0; i < n; i++) {
        if (l[i].status != PQCHA__TDX_TCB_UP_TO_DATE && l[i].status != PQCHA__TDX_TCB_OUT_OF_DATE &&
            l[i].status != PQCHA__TDX_TCB_REVOKED)
            __builtin_trap();
        check_advisories(l[i].advisories, pool, pool_len);
    }
}

static void fuzz_tcb_info(const uint8_t *data, size_t size) {
    static pqcha__tdx_tcb_info a, b;
    const char *why_a = NULL, *why_b = NULL;
    memset(&a, 0x5a, sizeof a);
    memset(&b, 0xa5, sizeof b);
    pqcha_err ea = pqcha__tdx_tcb_info_parse(&a, &why_a, data, size);
    pqcha_err eb = pqcha__tdx_tcb_info_parse(&b, &why_b, data, size);
    if (ea != eb || why_a == NULL || why_b == NULL || strcmp(why_a, why_b) != 0) __builtin_trap();
    if (ea != PQCHA_OK) {
        check_rejection(ea, why_a, &a, sizeof a);
        return;
    }
    /* The same, but for where the pools were put. */
    if (a.advisory_pool_len != b.advisory_pool_len ||
        (a.advisory_pool_len > 0 &&
         memcmp(a.advisory_pool, b.advisory_pool, a.advisory_pool_len) != 0))
        __builtin_trap();
    char *pool = b.advisory_pool;
    b.advisory_pool = a.advisory_pool;
    if (memcmp(&a, &b, sizeof a) != 0) __builtin_trap();
    b.advisory_pool = pool;
    check_span(a.body_off, a.body_len, data, size);
    if (a.level_count == 0 || a.level_count > PQCHA__TDX_MAX_TCB_LEVELS) __builtin_trap();
    if (a.module_identity_count > PQCHA__TDX_MAX_MODULE_IDENTITIES) __builtin_trap();
    if (!a.has_module_identities && a.module_identity_count != 0) __builtin_trap();
    if (a.issue_date < 0 || a.next_update < 0) __builtin_trap();
    for (size_t i = 0; i < a.level_count; i++) {
        pqcha__tdx_tcb_status s = a.levels[i].status;
        if (s < PQCHA__TDX_TCB_UP_TO_DATE || s > PQCHA__TDX_TCB_REVOKED) __builtin_trap();
        check_advisories(a.levels[i].advisories, a.advisory_pool, a.advisory_pool_len);
    }
    for (size_t i = 0; i < a.module_identity_count; i++) {
        const pqcha__tdx_module_identity *m = &a.module_identities[i];
        check_svn_levels(m->levels, m->level_count, PQCHA__TDX_MAX_MODULE_LEVELS, a.advisory_pool,
                         a.advisory_pool_len);
        for (size_t j = 0; j < i; j++)
            if (a.module_identities[j].version == m->version) __builtin_trap();
    }
    pqcha__tdx_tcb_info_free(&a);
    pqcha__tdx_tcb_info_free(&b);
    if (!all_zero(&a, sizeof a)) __builtin_trap();
}

static void fuzz_qe_identity(const uint8_t *data, size_t size) {
    static pqcha__tdx_qe_identity a, b;
    const char *why_a = NULL, *why_b = NULL;
    memset(&a, 0x5a, sizeof a);
    pqcha_err ea = pqcha__tdx_qe_identity_parse(&a, &why_a, data, size);
    pqcha_err eb = pqcha__tdx_qe_identity_parse(&b, &why_b, data, size);
    if (ea != eb || why_a == NULL || why_b == NULL || strcmp(why_a, why_b) != 0) __builtin_trap();
    if (ea != PQCHA_OK) {
        check_rejection(ea, why_a, &a, sizeof a);
        return;
    }
    char *pool = b.advisory_pool;
    b.advisory_pool = a.advisory_pool;
    if (memcmp(&a, &b, sizeof a) != 0) __builtin_trap();
    b.advisory_pool = pool;
    check_span(a.body_off, a.body_len, data, size);
    check_svn_levels(a.levels, a.level_count, PQCHA__TDX_MAX_QE_LEVELS, a.advisory_pool,
                     a.advisory_pool_len);
    pqcha__tdx_qe_identity_free(&a);
    pqcha__tdx_qe_identity_free(&b);
}

static void fuzz_pck_info(const uint8_t *data, size_t size) {
    pqcha__tdx_pck_info a, b;
    const char *why_a = NULL, *why_b = NULL;
    memset(&a, 0x5a, sizeof a);
    memset(&b, 0xa5, sizeof b);
    pqcha_err ea = pqcha__tdx_pck_info_parse(&a, &why_a, data, size);
    pqcha_err eb = pqcha__tdx_pck_info_parse(&b, &why_b, data, size);
    if (ea != eb || why_a == NULL || why_b == NULL || strcmp(why_a, why_b) != 0) __builtin_trap();
    if (ea != PQCHA_OK) {
        check_rejection(ea, why_a, &a, sizeof a);
        return;
    }
    if (memcmp(&a, &b, sizeof a) != 0 || why_a[0] != '\0') __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_tcb_info(data, size);
    fuzz_qe_identity(data, size);
    fuzz_pck_info(data, size);
    return 0;
}
