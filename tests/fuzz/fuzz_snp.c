/* fuzz_snp.c — libFuzzer target for SEV-SNP evidence (src/core/snp*.c):
 * finding a report in a bare or wrapped blob, parsing it strictly, and
 * loading certificates, chains and CRLs from the same bytes. Invariants:
 * what parses is exactly 0x4A0 bytes at a recognised offset, has a version
 * of 2-5, and re-derives the same decoded fields; failures leave outputs
 * reset. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/snp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_report(const uint8_t *data, size_t size) {
    size_t offset = 1;
    pqcha__snp_wrapper wrapper = PQCHA__SNP_WRAPPER_MSG_REPORT_RSP;
    pqcha_err err = pqcha__snp_find_report_wrapped(data, size, &offset, &wrapper);
    if (err != PQCHA_OK) {
        if (offset != 0 || wrapper != PQCHA__SNP_WRAPPER_NONE) __builtin_trap();
    } else {
        if (offset + PQCHA__SNP_REPORT_LEN > size) __builtin_trap();
        if ((offset == 0) != (wrapper == PQCHA__SNP_WRAPPER_NONE)) __builtin_trap();
    }
    /* The parser on the input as given, and at the found offset. */
    pqcha__snp_report r;
    err = pqcha__snp_report_parse(&r, data, size);
    if (err == PQCHA_OK) {
        if (size != PQCHA__SNP_REPORT_LEN || r.version < 2 || r.version > 5) __builtin_trap();
        if (r.signature_algo != PQCHA__SNP_SIG_ALGO_ECDSA_P384_SHA384) __builtin_trap();
        if (pqcha__snp_signing_key_name(r.signing_key) == NULL) __builtin_trap();
        if (memcmp(r.report_data, data + 0x50, 64) != 0) __builtin_trap();
        if (memcmp(r.chip_id, data + 0x1A0, 64) != 0) __builtin_trap();
        if (r.policy_debug != ((r.policy >> 19) & 1)) __builtin_trap();
        /* Decoding the TCB for any product keeps the raw value. */
        pqcha__snp_tcb t;
        pqcha__snp_tcb_decode(&t, r.reported_tcb.raw, PQCHA__SNP_PRODUCT_TURIN);
        if (t.raw != r.reported_tcb.raw || t.microcode != (uint8_t)(t.raw >> 56)) __builtin_trap();
        if (r.product != PQCHA__SNP_PRODUCT_UNKNOWN && r.version < 3) __builtin_trap();
    } else {
        static const pqcha__snp_report zero;
        if (memcmp(&r, &zero, sizeof r) != 0) __builtin_trap();
        if (err != PQCHA_ERR_BAD_EVIDENCE && err != PQCHA_ERR_UNSUPPORTED_ALGORITHM)
            __builtin_trap();
    }
}

static void check_certs(const uint8_t *data, size_t size) {
    X509 *cert = (X509 *)1;
    if (pqcha__snp_cert_load(&cert, data, size) == PQCHA_OK) {
        if (cert == NULL) __builtin_trap();
        pqcha__snp_cert_claims c;
        if (pqcha__snp_cert_claims_read(&c, cert) == PQCHA_OK) {
            if (c.has_hwid && c.hwid_len != 64 && c.hwid_len != 8) __builtin_trap();
        }
        X509_free(cert);
    } else if (cert != NULL) {
        __builtin_trap();
    }
    X509 *ask = NULL, *ark = NULL;
    if (pqcha__snp_chain_load(&ask, &ark, data, size) == PQCHA_OK) {
        if (ask == NULL || ark == NULL) __builtin_trap();
        pqcha_err err = pqcha__snp_cert_issued_by(ask, ark);
        if (err != PQCHA_OK && err != PQCHA_ERR_CERT_CHAIN) __builtin_trap();
        X509_free(ask);
        X509_free(ark);
    } else if (ask != NULL || ark != NULL) {
        __builtin_trap();
    }
    X509_CRL *crl = NULL;
    if (pqcha__snp_crl_load(&crl, data, size) == PQCHA_OK) {
        if (crl == NULL) __builtin_trap();
        X509_CRL_free(crl);
    } else if (crl != NULL) {
        __builtin_trap();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    check_report(data, size);
    check_certs(data, size);
    /* The pipeline with the input as evidence and as certificates. */
    pqcha__snp_inputs in;
    memset(&in, 0, sizeof in);
    in.signing_cert = data;
    in.signing_cert_len = size;
    in.chain = data;
    in.chain_len = size;
    in.roots = data;
    in.roots_len = size;
    static pqcha__snp_outcome out;
    pqcha_err err = pqcha__snp_verify(data, size, &in, &out);
    if (err != out.err || out.check_count == 0 || out.check_count > PQCHA__SNP_MAX_CHECKS)
        __builtin_trap();
    if (err == PQCHA_OK) __builtin_trap(); /* nothing can pass every check against itself */
    return 0;
}
