/* test_decoder_differential.c — the single-pass envelope and statement
 * decoders (src/core/envelope.c, statement_decode.c) against the tree-based
 * decoders they replaced (tests/reference), deterministically: every report
 * of the fuzz seed corpus, and thousands of mutants of the valid ones (each
 * byte deleted, replaced by a structural character, or doubled), must be
 * accepted by both or refused by both, and what both accept must carry the
 * same fields. The differential fuzz target (tests/fuzz/fuzz_report_diff.c)
 * explores further; this keeps the property in every `make check`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/envelope.h"
#include "core/report_internal.h"
#include "core/statement_write.h"
#include "reference.h"
#include "testutil.h"

typedef struct tally {
    size_t inputs, accepted, refused;
} tally;

static char *written(const pqcha_report *rep, size_t *len) {
    char *text = NULL;
    CHECK_OK(pqcha__statement_write(&text, len, rep));
    return text;
}

/* Both decoders on one statement text: the same verdict and fields. */
static void diff_statement(const uint8_t *text, size_t len, tally *t, const char *what) {
    pqcha_report *fast = NULL, *tree = NULL;
    pqcha_err fast_err = pqcha__statement_decode(&fast, text, len);
    pqcha_err tree_err = reference_statement_decode(&tree, text, len);
    t->inputs++;
    if ((fast_err == PQCHA_OK) != (tree_err == PQCHA_OK)) {
        fprintf(stderr, "  %s: statement decoders disagree: %s vs reference %s\n", what,
                pqcha_error_name(fast_err), pqcha_error_name(tree_err));
        CHECK_FAILED("the decoders disagree on a statement");
    } else if (fast_err == PQCHA_OK) {
        size_t a_len = 0, b_len = 0;
        char *a = written(fast, &a_len), *b = written(tree, &b_len);
        CHECK(a != NULL && b != NULL && a_len == b_len && memcmp(a, b, a_len) == 0);
        free(a);
        free(b);
        t->accepted++;
    } else {
        t->refused++;
    }
    pqcha_report_free(fast);
    pqcha_report_free(tree);
}

/* Both decoders on one envelope text; an accepted payload goes on to the
 * statement decoders. */
static void diff_envelope(const char *text, size_t len, tally *t, const char *what) {
    pqcha__envelope fast, tree;
    pqcha_err fast_err = pqcha__envelope_decode(&fast, text, len);
    pqcha_err tree_err = reference_envelope_decode(&tree, text, len);
    t->inputs++;
    if ((fast_err == PQCHA_OK) != (tree_err == PQCHA_OK)) {
        fprintf(stderr, "  %s: envelope decoders disagree: %s vs reference %s\n", what,
                pqcha_error_name(fast_err), pqcha_error_name(tree_err));
        CHECK_FAILED("the decoders disagree on an envelope");
        return;
    }
    if (fast_err != PQCHA_OK) {
        t->refused++;
        return;
    }
    t->accepted++;
    CHECK(fast.payload_len == tree.payload_len &&
          memcmp(fast.payload, tree.payload, fast.payload_len) == 0);
    CHECK(fast.sig_len == tree.sig_len && memcmp(fast.sig, tree.sig, fast.sig_len) == 0);
    CHECK_STR(fast.key_id, tree.key_id);
    diff_statement(fast.payload, fast.payload_len, t, what);
    pqcha__envelope_clear(&fast);
    pqcha__envelope_clear(&tree);
}

static void report_tally(const char *what, const tally *t) {
    printf("     %s: %zu decodes, %zu accepted by both, %zu refused by both\n", what, t->inputs,
           t->accepted, t->refused);
}

static void diff_both(const uint8_t *text, size_t len, tally *t, const char *what) {
    diff_envelope((const char *)text, len, t, what);
    diff_statement(text, len, t, what);
}

/* ---- inputs ---- */

/* Each byte deleted, replaced by one of these, or doubled. */
static const uint8_t replacements[] = {'"', '{', '}', '[', ']', ',',  ':',  ' ',
                                       '0', '1', '-', 'a', 'x', '\\', 0x80, 0};

static void mutate_at(const uint8_t *text, size_t len, size_t at, tally *t, const char *what) {
    uint8_t *m = malloc(len + 1);
    REQUIRE(m != NULL);
    memcpy(m, text, at);
    memcpy(m + at, text + at + 1, len - at - 1); /* deleted */
    diff_both(m, len - 1, t, what);
    memcpy(m, text, len);
    for (size_t r = 0; r < sizeof replacements; r++) {
        m[at] = replacements[r];
        diff_both(m, len, t, what);
    }
    memcpy(m, text, at + 1);
    memcpy(m + at + 1, text + at, len - at); /* doubled */
    diff_both(m, len + 1, t, what);
    free(m);
}

/* Structural bytes and their neighbours everywhere; inside long runs of
 * base64 or hex, every 16th byte (one mutant there is like another). */
static int worth_mutating(const uint8_t *text, size_t len, size_t at) {
    for (size_t i = at > 2 ? at - 2 : 0; i < len && i <= at + 2; i++) {
        uint8_t c = text[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '+' || c == '/'))
            return 1;
    }
    return at % 16 == 0;
}

static void mutate_all(const uint8_t *text, size_t len, tally *t, const char *what) {
    for (size_t at = 0; at < len; at++) {
        if (worth_mutating(text, len, at)) mutate_at(text, len, at, t, what);
    }
}

/* ---- tests ---- */

static void diff_seed(const char *name, const uint8_t *text, size_t len, void *ctx) {
    diff_both(text, len, ctx, name);
}

static void test_corpus_as_is(void) {
    tally t = {0};
    REQUIRE(testutil_for_each_seed("report", diff_seed, &t) > 0);
    report_tally("seed corpus", &t);
    /* The seeds hold valid envelopes and statements and broken ones. */
    CHECK(t.inputs >= 30 && t.accepted >= 10 && t.refused >= 10);
}

static void mutate_seed(const char *name, tally *t) {
    char relative[256];
    snprintf(relative, sizeof relative, "tests/fuzz/corpus/report/%s", name);
    const char *path = testutil_source_path(relative);
    size_t len = 0;
    uint8_t *text = (uint8_t *)testutil_read_file(path, &len);
    REQUIRE(text != NULL && len > 0);
    mutate_all(text, len, t, name);
    free(text);
}

static void test_mutants_of_statements(void) {
    static const char *const seeds[] = {"payload-valid.json", "payload-segments.json",
                                        "payload-tdx-evidence.json", "payload-nodes.json"};
    tally t = {0};
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++)
        mutate_seed(seeds[i], &t);
    report_tally("statement mutants", &t);
    /* Whitespace and a few harmless edits keep some mutants valid. */
    CHECK(t.inputs > 20000 && t.accepted > 100 && t.refused > 10000);
}

static void test_mutants_of_envelopes(void) {
    static const char *const seeds[] = {"envelope-valid.json", "envelope-nodes.json"};
    tally t = {0};
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++)
        mutate_seed(seeds[i], &t);
    report_tally("envelope mutants", &t);
    CHECK(t.inputs > 2000 && t.accepted > 50 && t.refused > 1000);
}

TEST_MAIN(TEST(test_corpus_as_is), TEST(test_mutants_of_statements),
          TEST(test_mutants_of_envelopes))
