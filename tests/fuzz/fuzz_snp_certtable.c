/* fuzz_snp_certtable.c — libFuzzer target for the certificate table of an
 * SEV-SNP extended report (src/core/snp_certtable.c). Invariants: what
 * parses has its terminator where table_len says, at most the cap of
 * entries, and each known certificate inside the blob, after the table, not
 * empty and sharing no byte with another; a failure is BAD_EVIDENCE or
 * TOO_LARGE with the output zeroed. The certificates are then loaded and
 * the inputs of a verification completed from the table, which must hold
 * what the table offers and nothing else. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/snp_certtable.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_span(const pqcha__snp_span *s, const pqcha__snp_certtable *t, const uint8_t *data,
                       size_t size) {
    if (s->bytes == NULL) {
        if (s->len != 0) __builtin_trap();
        return;
    }
    if (s->len == 0 || s->bytes < data + t->table_len || s->bytes + s->len > data + size)
        __builtin_trap();
}

static int disjoint(const pqcha__snp_span *a, const pqcha__snp_span *b) {
    if (a->bytes == NULL || b->bytes == NULL) return 1;
    return a->bytes + a->len <= b->bytes || b->bytes + b->len <= a->bytes;
}

static void check_table(const pqcha__snp_certtable *t, const uint8_t *data, size_t size) {
    if (t->entry_count > PQCHA__SNP_CERTTABLE_MAX_ENTRIES) __builtin_trap();
    if (t->table_len != (t->entry_count + 1) * PQCHA__SNP_CERTTABLE_ENTRY_LEN) __builtin_trap();
    if (t->table_len > size) __builtin_trap();
    /* The terminator is all zero. */
    for (size_t i = t->table_len - PQCHA__SNP_CERTTABLE_ENTRY_LEN; i < t->table_len; i++)
        if (data[i] != 0) __builtin_trap();
    const pqcha__snp_span *spans[] = {&t->vcek, &t->vlek, &t->ask, &t->ark};
    for (size_t i = 0; i < 4; i++) {
        check_span(spans[i], t, data, size);
        for (size_t j = 0; j < i; j++)
            if (!disjoint(spans[i], spans[j])) __builtin_trap();
    }
}

static void check_complete(const pqcha__snp_certtable *t, const uint8_t *data, size_t size) {
    pqcha__snp_inputs in;
    uint8_t *chain = (uint8_t *)1;
    memset(&in, 0, sizeof in);
    /* The input also stands for the evidence: a report is rarely found,
     * and then the VCEK is preferred. */
    pqcha_err err = pqcha__snp_certtable_complete(&in, &chain, data, size, data, size);
    if (err != PQCHA_OK) {
        if (chain != NULL) __builtin_trap();
        if (err != PQCHA_ERR_BAD_CERTIFICATE && err != PQCHA_ERR_TOO_LARGE &&
            err != PQCHA_ERR_NO_MEMORY)
            __builtin_trap();
        return;
    }
    if (in.signing_cert != NULL && in.signing_cert != t->vcek.bytes &&
        in.signing_cert != t->vlek.bytes)
        __builtin_trap();
    if ((in.signing_cert == NULL) != (t->vcek.bytes == NULL && t->vlek.bytes == NULL))
        __builtin_trap();
    if ((in.chain != NULL) != (chain != NULL)) __builtin_trap();
    if (chain != NULL && (t->ask.bytes == NULL || t->ark.bytes == NULL)) __builtin_trap();
    free(chain);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    pqcha__snp_certtable t;
    pqcha_err err = pqcha__snp_certtable_parse(&t, data, size);
    if (err != PQCHA_OK) {
        static const pqcha__snp_certtable zero;
        if (memcmp(&t, &zero, sizeof t) != 0) __builtin_trap();
        if (err != PQCHA_ERR_BAD_EVIDENCE && err != PQCHA_ERR_TOO_LARGE) __builtin_trap();
        return 0;
    }
    check_table(&t, data, size);
    err = pqcha__snp_certtable_check_certs(&t);
    if (err != PQCHA_OK && err != PQCHA_ERR_BAD_CERTIFICATE && err != PQCHA_ERR_TOO_LARGE &&
        err != PQCHA_ERR_NO_MEMORY)
        __builtin_trap();
    check_complete(&t, data, size);
    return 0;
}
