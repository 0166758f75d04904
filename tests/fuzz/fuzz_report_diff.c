/* fuzz_report_diff.c — differential libFuzzer target: the library's
 * single-pass envelope and statement decoders against the tree-based
 * (jansson) decoders they replaced (tests/reference). On every input both
 * must accept or both refuse; what both accept must carry the same fields
 * (compared through the canonical writer, which writes every field); and
 * the writer must produce the reference encoder's bytes for it. Any
 * difference traps. The input is tried as an envelope, as a bare statement,
 * and (when it is an envelope) its payload as a statement. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/envelope.h"
#include "core/report_internal.h"
#include "core/statement_write.h"
#include "reference.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_bytes(const void *a, size_t a_len, const void *b, size_t b_len) {
    if (a_len != b_len || (a_len > 0 && memcmp(a, b, a_len) != 0)) __builtin_trap();
}

/* The canonical text of a decoded report: every field it holds. */
static char *written(const pqcha_report *rep, size_t *len) {
    char *text = NULL;
    if (pqcha__statement_write(&text, len, rep) != PQCHA_OK) __builtin_trap();
    return text;
}

static void compare_reports(const pqcha_report *fast, const pqcha_report *tree) {
    size_t fast_len = 0, tree_len = 0, ref_len = 0;
    char *fast_text = written(fast, &fast_len), *tree_text = written(tree, &tree_len);
    same_bytes(fast_text, fast_len, tree_text, tree_len);
    /* The writer and the reference encoder agree on what was decoded. */
    char *ref_text = NULL;
    if (reference_statement_encode(&ref_text, &ref_len, fast) != PQCHA_OK) __builtin_trap();
    same_bytes(fast_text, fast_len, ref_text, ref_len);
    free(fast_text);
    free(tree_text);
    free(ref_text);
}

static void diff_statement(const uint8_t *payload, size_t len) {
    pqcha_report *fast = NULL, *tree = NULL;
    int fast_ok = pqcha__statement_decode(&fast, payload, len) == PQCHA_OK;
    int tree_ok = reference_statement_decode(&tree, payload, len) == PQCHA_OK;
    if (fast_ok != tree_ok) __builtin_trap();
    if (fast_ok) compare_reports(fast, tree);
    pqcha_report_free(fast);
    pqcha_report_free(tree);
}

static void diff_envelope(const uint8_t *data, size_t size) {
    pqcha__envelope fast, tree;
    int fast_ok = pqcha__envelope_decode(&fast, (const char *)data, size) == PQCHA_OK;
    int tree_ok = reference_envelope_decode(&tree, (const char *)data, size) == PQCHA_OK;
    if (fast_ok != tree_ok) __builtin_trap();
    if (fast_ok) {
        same_bytes(fast.payload, fast.payload_len, tree.payload, tree.payload_len);
        same_bytes(fast.sig, fast.sig_len, tree.sig, tree.sig_len);
        same_bytes(fast.key_id, strlen(fast.key_id), tree.key_id, strlen(tree.key_id));
        diff_statement(fast.payload, fast.payload_len);
        pqcha__envelope_clear(&fast);
        pqcha__envelope_clear(&tree);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    diff_envelope(data, size);
    diff_statement(data, size);
    return 0;
}
