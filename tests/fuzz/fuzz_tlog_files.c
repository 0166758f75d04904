/* fuzz_tlog_files.c — libFuzzer target for pqcha's log files (FORMAT.md
 * 9.8-9.10): the input is parsed as a log entry, a receipt and a
 * consistency proof file. Invariants: a failure leaves no output; a parsed
 * entry is written back to exactly the bytes read (one spelling), with a
 * known verdict that agrees with its error; a parsed receipt or proof file
 * respects every cap, is written again without error, and what is written
 * parses to the same fields and writes to the same bytes. Violations trap;
 * leaks and overreads show up under ASan. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pqcha.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_entry(const char *text, size_t len) {
    pqcha_tlog_entry *e = NULL;
    if (pqcha_tlog_entry_parse(&e, text, len) != PQCHA_OK) {
        if (e != NULL) __builtin_trap();
        return;
    }
    const pqcha_tlog_entry_fields *f = pqcha_tlog_entry_get(e);
    if (f == NULL || len > PQCHA_TLOG_ENTRY_MAX_LEN || f->workload == NULL ||
        f->report_id == NULL || f->signer == NULL || f->verdict > PQCHA_VERDICT_MALFORMED ||
        (f->verdict == PQCHA_VERDICT_VALID) != (f->error == PQCHA_OK))
        __builtin_trap();
    char *again = NULL;
    size_t again_len = 0;
    if (pqcha_tlog_entry_encode(&again, &again_len, f) != PQCHA_OK || again_len != len ||
        memcmp(again, text, len) != 0)
        __builtin_trap();
    pqcha_free(again);
    pqcha_tlog_entry_free(e);
}

static char *encode_receipt(const pqcha_tlog_receipt *r, size_t *len) {
    size_t count = 0, entry_len = 0, note_len = 0;
    const uint8_t *proof = pqcha_tlog_receipt_proof(r, &count);
    const uint8_t *entry = pqcha_tlog_receipt_entry(r, &entry_len);
    const char *note = pqcha_tlog_receipt_checkpoint(r, &note_len);
    if (count > PQCHA_TLOG_MAX_PROOF_HASHES || entry_len > PQCHA_TLOG_MAX_ENTRY_LEN ||
        note_len > PQCHA_TLOG_RECEIPT_MAX_NOTE || (note != NULL && strlen(note) != note_len) ||
        pqcha_tlog_receipt_index(r) >= pqcha_tlog_receipt_tree_size(r) ||
        pqcha_tlog_receipt_tree_size(r) > PQCHA_TLOG_MAX_SIZE)
        __builtin_trap();
    char *text = NULL;
    if (pqcha_tlog_receipt_encode(&text, len, pqcha_tlog_receipt_index(r),
                                  pqcha_tlog_receipt_tree_size(r), entry, entry_len, proof, count,
                                  note, note_len) != PQCHA_OK ||
        *len > PQCHA_TLOG_FILE_MAX_LEN)
        __builtin_trap();
    return text;
}

static void check_receipt(const char *text, size_t len) {
    pqcha_tlog_receipt *r = NULL;
    if (pqcha_tlog_receipt_parse(&r, text, len) != PQCHA_OK) {
        if (r != NULL) __builtin_trap();
        return;
    }
    size_t first_len = 0, second_len = 0;
    char *first = encode_receipt(r, &first_len);
    pqcha_tlog_receipt *again = NULL;
    if (pqcha_tlog_receipt_parse(&again, first, first_len) != PQCHA_OK) __builtin_trap();
    char *second = encode_receipt(again, &second_len);
    if (second_len != first_len || memcmp(first, second, first_len) != 0) __builtin_trap();
    pqcha_free(first);
    pqcha_free(second);
    pqcha_tlog_receipt_free(again);
    pqcha_tlog_receipt_free(r);
}

static char *encode_consistency(const pqcha_tlog_consistency *c, size_t *len) {
    size_t count = 0;
    const uint8_t *proof = pqcha_tlog_consistency_hashes(c, &count);
    uint64_t old_size = pqcha_tlog_consistency_old_size(c);
    uint64_t new_size = pqcha_tlog_consistency_new_size(c);
    if (count > PQCHA_TLOG_MAX_PROOF_HASHES || old_size > new_size ||
        new_size > PQCHA_TLOG_MAX_SIZE)
        __builtin_trap();
    char *text = NULL;
    if (pqcha_tlog_consistency_encode(&text, len, old_size, new_size, proof, count) != PQCHA_OK)
        __builtin_trap();
    return text;
}

static void check_consistency(const char *text, size_t len) {
    pqcha_tlog_consistency *c = NULL;
    if (pqcha_tlog_consistency_parse(&c, text, len) != PQCHA_OK) {
        if (c != NULL) __builtin_trap();
        return;
    }
    size_t first_len = 0, second_len = 0;
    char *first = encode_consistency(c, &first_len);
    pqcha_tlog_consistency *again = NULL;
    if (pqcha_tlog_consistency_parse(&again, first, first_len) != PQCHA_OK) __builtin_trap();
    char *second = encode_consistency(again, &second_len);
    if (second_len != first_len || memcmp(first, second, first_len) != 0) __builtin_trap();
    pqcha_free(first);
    pqcha_free(second);
    pqcha_tlog_consistency_free(again);
    pqcha_tlog_consistency_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *text = (const char *)data;
    check_entry(text, size);
    check_receipt(text, size);
    check_consistency(text, size);
    return 0;
}
