/* test_json_pretty.c — the streaming pretty printer held to the path it
 * replaced (pqcha__json_parse_object + pqcha__json_dump(PQCHA__JSON_PRETTY),
 * jansson 2.14): byte for byte on the report seed corpus, on hand-written
 * documents of every escape, number and nesting kind, and on generated
 * documents with sorted keys; the same error where jansson refuses; and the
 * documented differences (unsorted keys, duplicates far apart, the output
 * cap). */
#include <jansson.h>
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/envelope.h"
#include "core/json.h"
#include "core/json_pretty.h"
#include "core/report_internal.h"
#include "testutil.h"

#define DEPTH 12u /* the payload's (pqcha__payload_json_limits) */

/* ---- the two paths ---- */

static pqcha_err old_pretty(char **out, size_t *out_len, const char *text, size_t len) {
    json_t *root = NULL;
    *out = NULL;
    pqcha_err err = pqcha__json_parse_object(&root, text, len, &pqcha__payload_json_limits);
    if (err != PQCHA_OK) return err;
    err = pqcha__json_dump(out, out_len, root, PQCHA__JSON_PRETTY);
    json_decref(root);
    return err;
}

/* Prints where two outputs first differ, with some context of each. */
static void report_difference(const char *what, const char *got, size_t got_len, const char *want,
                              size_t want_len) {
    size_t at = 0;
    while (at < got_len && at < want_len && got[at] == want[at])
        at++;
    size_t from = at > 40 ? at - 40 : 0;
    int got_n = (int)((got_len - from) < 80 ? got_len - from : 80);
    int want_n = (int)((want_len - from) < 80 ? want_len - from : 80);
    fprintf(stderr,
            "  %s: outputs differ at byte %zu (lengths %zu, jansson %zu)\n"
            "    got:     ...%.*s...\n    jansson: ...%.*s...\n",
            what, at, got_len, want_len, got_n, got + from, want_n, want + from);
}

/* Both paths on text: the same error, or the same bytes. Returns whether
 * they agreed and, through accepted, whether jansson printed it. */
static int same_as_jansson(const char *text, size_t len, const char *what, int *accepted) {
    char *want = NULL, *got = NULL;
    size_t want_len = 0, got_len = 0;
    pqcha_err want_err = old_pretty(&want, &want_len, text, len);
    pqcha_err got_err = pqcha__json_pretty(&got, &got_len, text, len, DEPTH);
    int same = got_err == want_err;
    if (!same)
        fprintf(stderr, "  %s: got %s, jansson %s\n", what, pqcha_error_name(got_err),
                pqcha_error_name(want_err));
    if (same && got_err == PQCHA_OK) {
        same = got_len == want_len && memcmp(got, want, got_len) == 0 && got[got_len] == '\0';
        if (!same) report_difference(what, got, got_len, want, want_len);
    }
    if (got_err != PQCHA_OK && got != NULL) {
        fprintf(stderr, "  %s: an output on error\n", what);
        same = 0;
    }
    if (accepted != NULL) *accepted = want_err == PQCHA_OK;
    free(want);
    free(got);
    if (!same) testutil_failures_in_test++;
    return same;
}

#define SAME(text) same_as_jansson(text, strlen(text), text, NULL)

/* The new path alone: its error, and on success its text equal to want. */
static void check_pretty(const char *text, pqcha_err want_err, const char *want) {
    char *got = (char *)"unset";
    size_t got_len = 99;
    CHECK_ERR(pqcha__json_pretty(&got, &got_len, text, strlen(text), DEPTH), want_err);
    if (want_err != PQCHA_OK) {
        CHECK(got == NULL && got_len == 0);
        return;
    }
    REQUIRE(got != NULL);
    if (got_len != strlen(want) || memcmp(got, want, got_len) != 0) {
        report_difference(text, got, got_len, want, strlen(want));
        testutil_failures_in_test++;
    }
    free(got);
}

/* ---- the seed corpus ---- */

typedef struct corpus_tally {
    size_t files, objects, payloads;
} corpus_tally;

static void compare_file(const char *name, const char *text, size_t len, corpus_tally *t) {
    int accepted = 0;
    same_as_jansson(text, len, name, &accepted);
    t->files++;
    t->objects += (size_t)accepted;
    pqcha__envelope env;
    if (pqcha__envelope_decode(&env, text, len) != PQCHA_OK) return;
    char what[512];
    snprintf(what, sizeof what, "%s (payload)", name);
    same_as_jansson((const char *)env.payload, env.payload_len, what, &accepted);
    t->payloads += (size_t)accepted;
    pqcha__envelope_clear(&env);
}

static void compare_seed(const char *name, const uint8_t *text, size_t len, void *ctx) {
    compare_file(name, (const char *)text, len, ctx);
}

static void test_seed_corpus(void) {
    corpus_tally t = {0, 0, 0};
    REQUIRE(testutil_for_each_seed("report", compare_seed, &t) > 0);
    printf("  seed corpus: %zu files, %zu objects and %zu envelope payloads identical\n", t.files,
           t.objects, t.payloads);
    CHECK(t.files >= 17 && t.objects >= 14 && t.payloads >= 4);
}

/* pqcha_envelope_describe (what `pqcha inspect` prints) goes the new way
 * and prints what the old one printed. */
static void test_describe_matches_old_path(void) {
    const char *path = testutil_source_path("tests/fuzz/corpus/report/envelope-segments.json");
    size_t len = 0;
    char *text = testutil_read_file(path, &len);
    REQUIRE(text != NULL);
    pqcha__envelope env;
    char *pretty = NULL, *want = NULL;
    size_t want_len = 0;
    CHECK_OK(pqcha_envelope_describe(&pretty, NULL, NULL, text, len));
    CHECK_OK(pqcha__envelope_decode(&env, text, len));
    CHECK_OK(old_pretty(&want, &want_len, (const char *)env.payload, env.payload_len));
    CHECK(pretty != NULL && want != NULL && strcmp(pretty, want) == 0);
    pqcha__envelope_clear(&env);
    pqcha_free(pretty);
    free(want);
    free(text);
}

/* ---- hand-written documents ---- */

static void test_layout(void) {
    check_pretty("{}", PQCHA_OK, "{}");
    check_pretty(" {\"b\" : [ 1 , true , null ] , \"c\":{ }}\n", PQCHA_OK,
                 "{\n  \"b\": [\n    1,\n    true,\n    null\n  ],\n  \"c\": {}\n}");
    SAME("{}");
    SAME("{\"a\":[],\"b\":{},\"c\":[[],{}],\"d\":{\"e\":[{}],\"f\":[[[]]]}}");
    SAME("{\"a\":[{\"b\":[1,[2,{\"c\":false}]]},[]],\"d\":\"\"}");
    SAME("\t\r\n {\"a\"\n:\t1 ,\"b\" :[ ]\r}\n\n");
    SAME("{\"\":\"\",\"a\":null,\"b\":true,\"c\":false}");
}

static void test_escapes(void) {
    /* Every class: the short escapes, '/' and DEL kept, other C0 controls,
     * non-ASCII of 2, 3 and 4 bytes raw and escaped, U+2028 and U+202E. */
    check_pretty("{\"k\":\"\\\" \\\\ \\/ / \\b\\f\\n\\r\\t \\u0001\\u001F\x7f\"}", PQCHA_OK,
                 "{\n  \"k\": \"\\\" \\\\ / / \\b\\f\\n\\r\\t \\u0001\\u001F\x7f\"\n}");
    check_pretty("{\"\xc3\xa9\":\"\xe2\x82\xac\xf0\x9f\x98\x80\\u00e9\\ud83d\\ude00\"}", PQCHA_OK,
                 "{\n  \"\\u00E9\": \"\\u20AC\\uD83D\\uDE00\\u00E9\\uD83D\\uDE00\"\n}");
    SAME("{\"k\":\"\\\" \\\\ \\/ / \\b\\f\\n\\r\\t \\u0001\\u0008\\u000b\\u001f\x7f\"}");
    SAME("{\"k\":\"\xc2\x80\xc2\x9b\xc3\xbf\xdf\xbf\"}");                             /* 2 bytes */
    SAME("{\"k\":\"\xe0\xa0\x80\xe2\x80\xa8\xe2\x80\xae\xef\xbf\xbd\xef\xbf\xbf\"}"); /* 3 */
    SAME("{\"k\":\"\xf0\x90\x80\x80\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\"}");             /* 4 */
    SAME("{\"k\":\"\\u2028\\u2029\\u202E\\uFFFF\\uD800\\uDC00\\uDBFF\\uDFFF\\u0080\"}");
    SAME("{\"\\u0001\":1,\"\\n\":2,\"\\\"\":3,\"/"
         "\":4,\"\\\\\":5,\"\xc3\xa9\":6,\"\\ud83d\\ude00\":7}");
    SAME("{\"a\":\"plain ASCII text with spaces, digits 0123456789 and ~!@#$%^&*()\"}");
}

static void test_integers(void) {
    check_pretty("{\"a\":-0,\"b\":-1,\"c\":0}", PQCHA_OK,
                 "{\n  \"a\": 0,\n  \"b\": -1,\n  \"c\": 0\n}");
    SAME("{\"a\":0,\"b\":-0,\"c\":1,\"d\":-9,\"e\":42,\"f\":-10,\"g\":1234567890123}");
    SAME("{\"max\":9223372036854775807,\"min\":-9223372036854775808}");
    SAME("{\"a\":[999999999999999999,-999999999999999999,1000000000000000000]}");
    /* Beyond int64 jansson refuses the document (numeric overflow). */
    check_pretty("{\"a\":9223372036854775808}", PQCHA_ERR_OUT_OF_RANGE, NULL);
    SAME("{\"a\":9223372036854775808}");
    SAME("{\"a\":-9223372036854775809}");
    SAME("{\"a\":[1,99999999999999999999]}");
    SAME("{\"a\":18446744073709551616}");
}

/* Reals are reprinted as jansson reprints them ("%.17g" and its fix-ups),
 * not copied: "1E+03" prints as "1000.0". */
static void test_reals(void) {
    check_pretty("{\"a\":1E+03,\"b\":-0.0,\"c\":0.1,\"d\":1e-5,\"e\":1e300}", PQCHA_OK,
                 "{\n  \"a\": 1000.0,\n  \"b\": -0.0,\n  \"c\": 0.10000000000000001,\n"
                 "  \"d\": 1.0000000000000001e-5,\n  \"e\": 1.0000000000000001e300\n}");
    SAME("{\"a\":1.0,\"b\":1.5,\"c\":-0.0,\"d\":0.1,\"e\":1e3,\"f\":1E+03,\"g\":1e-5}");
    SAME("{\"a\":1e22,\"b\":1e21,\"c\":1e17,\"d\":1e16,\"e\":123456789012345678901234567890.5}");
    SAME("{\"a\":1e-400,\"b\":5e-324,\"c\":2.5e-310,\"d\":1.7976931348623157e308}");
    SAME("{\"a\":0.30000000000000004,\"b\":-2.5e-3,\"c\":3.0e0,\"d\":0e0,\"e\":-0e-0}");
    SAME("{\"a\":1.00000000000000000000000000000000000000000000000000000000000000000000001}");
    SAME("{\"a\":0.000000000000000000000000000000000000000000000000000000000000000000000001e5}");
    /* Infinity is an overflow jansson refuses. */
    check_pretty("{\"a\":1e400}", PQCHA_ERR_OUT_OF_RANGE, NULL);
    SAME("{\"a\":1e400}");
    SAME("{\"a\":[-1.8e308]}");
    SAME("{\"a\":17976931348623159077293051907890247336179769789423065727343008115773267580550"
         "0963210000000000000000000000000000000000000000000000000000000000000000000000000000000"
         "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
         "0000000000000000000000000000000000000000000000000000000000000000000000000000000000.0}");
}

/* jansson printed a reals under LC_NUMERIC with its own swaps of the
 * decimal point; so does the printer. Only where such a locale exists. */
static void test_reals_under_a_comma_locale(void) {
    static const char *const names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8"};
    const char *set = NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && set == NULL; i++)
        set = setlocale(LC_NUMERIC, names[i]);
    if (set == NULL) {
        printf("  skip: no locale with a decimal comma installed\n");
        return;
    }
    SAME("{\"a\":1.5,\"b\":1e3,\"c\":-2.25e-7,\"d\":[0.1,7]}");
    CHECK(setlocale(LC_NUMERIC, "C") != NULL);
}

static void test_not_an_object(void) {
    /* The payload must be an object, as pqcha__json_parse_object says. */
    static const char *const tops[] = {"[]", "[1,{\"a\":2}]", "\"s\"", "1", "-0.5", "true", "null"};
    for (size_t i = 0; i < sizeof tops / sizeof tops[0]; i++) {
        check_pretty(tops[i], PQCHA_ERR_WRONG_TYPE, NULL);
        SAME(tops[i]);
    }
    /* jansson reads the whole document before its type is looked at. */
    check_pretty("[1e400]", PQCHA_ERR_OUT_OF_RANGE, NULL);
    check_pretty("99999999999999999999", PQCHA_ERR_OUT_OF_RANGE, NULL);
    check_pretty("[{\"a\":1,\"a\":2}]", PQCHA_ERR_JSON_DUPLICATE_KEY, NULL);
    SAME("[1e400]");
    SAME("99999999999999999999");
    SAME("[{\"a\":1,\"a\":2}]");
}

static void test_syntax_errors(void) {
    static const char *const bad[] = {"",
                                      " ",
                                      "{",
                                      "}",
                                      "{\"a\"}",
                                      "{\"a\":}",
                                      "{\"a\":1,}",
                                      "{\"a\":1} x",
                                      "{\"a\" 1}",
                                      "{a:1}",
                                      "{\"a\":01}",
                                      "{\"a\":1.}",
                                      "{\"a\":.5}",
                                      "{\"a\":+1}",
                                      "{\"a\":1e}",
                                      "{\"a\":tru}",
                                      "{\"a\":\"\x01\"}",
                                      "{'a':1}",
                                      "{\"a\":\"\\u0000\"}",
                                      "{\"a\":\"\\ud800\"}",
                                      "{\"a\":\"\\x\"}",
                                      "{\"a\":\"\xc3\"}",
                                      "{\"a\":\"\xc0\xaf\"}",
                                      "{\"a\":\"\xed\xa0\x80\"}",
                                      "{\"a\":[1,2}",
                                      "{\"a\":1}{}",
                                      "{\"a\":NaN}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        check_pretty(bad[i], PQCHA_ERR_JSON_SYNTAX, NULL);
        SAME(bad[i]);
    }
    /* A syntax error anywhere comes before what jansson would refuse first. */
    check_pretty("{\"a\":1e400,\"b\":1,\"b\":2", PQCHA_ERR_JSON_SYNTAX, NULL);
    check_pretty("{\"a\":1,\"a\":2,", PQCHA_ERR_JSON_SYNTAX, NULL);
    check_pretty("[1,2", PQCHA_ERR_JSON_SYNTAX, NULL);
    /* NUL bytes inside and after the document. */
    static const char nul_inside[] = "{\"a\":\"x\0y\"}", nul_after[] = "{}\0";
    char *out = NULL;
    CHECK_ERR(pqcha__json_pretty(&out, NULL, nul_inside, sizeof nul_inside - 1, DEPTH),
              PQCHA_ERR_JSON_SYNTAX);
    CHECK_ERR(pqcha__json_pretty(&out, NULL, nul_after, sizeof nul_after - 1, DEPTH),
              PQCHA_ERR_JSON_SYNTAX);
    same_as_jansson(nul_inside, sizeof nul_inside - 1, "NUL inside", NULL);
    same_as_jansson(nul_after, sizeof nul_after - 1, "NUL after", NULL);
}

/* Nesting n deep: an object of nested arrays. */
static char *nested(unsigned n) {
    char *s = malloc(2 * n + 16);
    if (s == NULL) return NULL;
    size_t at = (size_t)sprintf(s, "{\"a\":");
    for (unsigned i = 1; i < n; i++)
        s[at++] = '[';
    for (unsigned i = 1; i < n; i++)
        s[at++] = ']';
    s[at++] = '}';
    s[at] = '\0';
    return s;
}

static void test_depth_limit(void) {
    char *ok = nested(DEPTH), *deep = nested(DEPTH + 1);
    REQUIRE(ok != NULL && deep != NULL);
    SAME(ok);
    SAME(deep);
    check_pretty(deep, PQCHA_ERR_JSON_TOO_COMPLEX, NULL);
    char *out = NULL;
    CHECK_ERR(pqcha__json_pretty(&out, NULL, deep, strlen(deep), DEPTH + 1), PQCHA_OK);
    free(out);
    /* Above PQCHA__JSON_MAX_DEPTH the limit is clamped. */
    char *deepest = nested(PQCHA__JSON_MAX_DEPTH + 1);
    REQUIRE(deepest != NULL);
    CHECK_ERR(pqcha__json_pretty(&out, NULL, deepest, strlen(deepest), 1000),
              PQCHA_ERR_JSON_TOO_COMPLEX);
    free(ok);
    free(deep);
    free(deepest);
}

static void test_duplicate_keys(void) {
    static const char *const dups[] = {
        "{\"a\":1,\"a\":2}",
        "{\"x\":{\"a\":1,\"a\":2}}",
        "{\"a\":1,\"\\u0061\":2}",                  /* equal once decoded */
        "{\"\xc3\xa9\":1,\"\\u00e9\":2}",           /* raw and escaped */
        "{\"a\":{\"b\":[1,{\"c\":2}]},\"a\":null}", /* the first holds containers */
        "{\"a\":1,\"a\":1e400}",                    /* the key comes before the number */
        "{\"\":1,\"\":2}",
    };
    for (size_t i = 0; i < sizeof dups / sizeof dups[0]; i++) {
        check_pretty(dups[i], PQCHA_ERR_JSON_DUPLICATE_KEY, NULL);
        SAME(dups[i]);
    }
    check_pretty("{\"a\":1e400,\"a\":1}", PQCHA_ERR_OUT_OF_RANGE, NULL);
    SAME("{\"a\":1e400,\"a\":1}");
    /* The same key in different objects is no duplicate. */
    SAME("{\"a\":{\"a\":{\"a\":1}},\"b\":[{\"a\":1},{\"a\":2}],\"c\":[{\"a\":1,\"b\":2},{\"a\":3}]"
         "}");
    SAME("{\"a\":1,\"aa\":2,\"ab\":3}");
    /* Documented difference: only a key next to its twin is found. Sorted
     * keys put every duplicate there; out of order, jansson refuses
     * what the printer prints. */
    check_pretty("{\"a\":1,\"b\":2,\"a\":3}", PQCHA_OK,
                 "{\n  \"a\": 1,\n  \"b\": 2,\n  \"a\": 3\n}");
    char *out = NULL;
    const char *far_apart = "{\"a\":1,\"b\":2,\"a\":3}";
    CHECK_ERR(old_pretty(&out, NULL, far_apart, strlen(far_apart)), PQCHA_ERR_JSON_DUPLICATE_KEY);
    CHECK(out == NULL);
}

/* Documented difference: unsorted keys are printed in document order. */
static void test_unsorted_keys_keep_document_order(void) {
    const char *text = "{\"b\":1,\"a\":{\"d\":2,\"c\":3}}";
    check_pretty(text, PQCHA_OK, "{\n  \"b\": 1,\n  \"a\": {\n    \"d\": 2,\n    \"c\": 3\n  }\n}");
    char *sorted = NULL;
    CHECK_OK(old_pretty(&sorted, NULL, text, strlen(text)));
    CHECK_STR(sorted, "{\n  \"a\": {\n    \"c\": 3,\n    \"d\": 2\n  },\n  \"b\": 1\n}");
    free(sorted);
    /* Sorted means bytewise on UTF-8, as jansson sorts: "Z" < "a" < "é". */
    SAME("{\"A\":1,\"Z\":2,\"a\":3,\"b\\n\":4,\"ba\":5,\"\\u00e9\":6,\"\xe2\x82\xac\":7,"
         "\"\xf0\x9f\x98\x80\":8}");
}

/* A document whose output outgrows PQCHA__JSON_PRETTY_MAX_LEN: zeros in
 * arrays 11 deep, each "0," becoming a line of 25 bytes. */
static char *zeros_deep(size_t zeros, int close) {
    char *s = malloc(2 * zeros + 64);
    if (s == NULL) return NULL;
    size_t at = (size_t)sprintf(s, "{\"a\":[[[[[[[[[[");
    for (size_t i = 0; i < zeros; i++) {
        s[at++] = '0';
        s[at++] = ',';
    }
    s[at - 1] = ']'; /* the last comma */
    if (close) at += (size_t)sprintf(s + at, "]]]]]]]]]}");
    s[at] = '\0';
    return s;
}

static void test_output_cap(void) {
    size_t zeros = PQCHA__JSON_PRETTY_MAX_LEN / 25 + 1;
    char *big = zeros_deep(zeros, 1), *cut = zeros_deep(zeros, 0);
    REQUIRE(big != NULL && cut != NULL);
    char *out = (char *)"unset";
    size_t out_len = 99;
    CHECK_ERR(pqcha__json_pretty(&out, &out_len, big, strlen(big), DEPTH), PQCHA_ERR_TOO_LARGE);
    CHECK(out == NULL && out_len == 0);
    /* The tokenizer still reads to the end: a syntax error comes first. */
    CHECK_ERR(pqcha__json_pretty(&out, &out_len, cut, strlen(cut), DEPTH), PQCHA_ERR_JSON_SYNTAX);
    /* Just below the cap it is printed (and jansson's tree would be too
     * large: inspect refuses it from the scan before the printer runs). */
    size_t fits = (PQCHA__JSON_PRETTY_MAX_LEN - 400) / 25;
    char *below = zeros_deep(fits, 1);
    REQUIRE(below != NULL);
    CHECK_OK(pqcha__json_pretty(&out, &out_len, below, strlen(below), DEPTH));
    CHECK(out != NULL && out_len <= PQCHA__JSON_PRETTY_MAX_LEN && out_len > fits * 25);
    CHECK_ERR(pqcha__json_check_shape(below, strlen(below), &pqcha__payload_json_limits),
              PQCHA_ERR_JSON_TOO_COMPLEX);
    free(out);
    free(below);
    free(big);
    free(cut);
}

static void test_arguments(void) {
    char *out = (char *)"unset";
    size_t out_len = 99;
    CHECK_ERR(pqcha__json_pretty(NULL, &out_len, "{}", 2, DEPTH), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(out_len == 0);
    CHECK_ERR(pqcha__json_pretty(&out, &out_len, NULL, 2, DEPTH), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(out == NULL);
    CHECK_OK(pqcha__json_pretty(&out, NULL, "{\"a\":1}", 7, DEPTH)); /* out_len may be NULL */
    CHECK_STR(out, "{\n  \"a\": 1\n}");
    free(out);
}

/* ---- generated documents with sorted keys ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

typedef struct gen {
    char *s;
    size_t len, cap;
} gen;

static void emit(gen *g, const char *s, size_t n) {
    if (g->len + n + 1 > g->cap) {
        g->cap = 2 * (g->len + n + 1);
        g->s = realloc(g->s, g->cap);
        if (g->s == NULL) abort();
    }
    memcpy(g->s + g->len, s, n);
    g->len += n;
    g->s[g->len] = '\0';
}

static void emit_str(gen *g, const char *s) {
    emit(g, s, strlen(s));
}

static uint32_t random_code_point(void) {
    static const uint32_t picks[] = {
        '"',  '\\', '/',   '\b',  '\f',   '\n',   '\r',   '\t',   0x01,    0x1f,    0x7f,
        0x80, 0xe9, 0x7ff, 0x800, 0x2028, 0x202e, 0xfffd, 0xffff, 0x10000, 0x1f600, 0x10ffff};
    switch (rnd(4)) {
    case 0: return picks[rnd(sizeof picks / sizeof picks[0])];
    case 1: {
        uint32_t cp = 1 + rnd(0x10fffe);
        return cp >= 0xd800 && cp <= 0xdfff ? 'x' : cp;
    }
    default: return 'a' + rnd(26);
    }
}

static size_t utf8_encode(char *out, uint32_t cp) {
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* A string's UTF-8, sorted and compared as jansson sorts keys. */
typedef struct gen_key {
    uint32_t cps[6];
    size_t n;
    char utf8[25];
} gen_key;

static void random_key(gen_key *k) {
    k->n = rnd(4) == 0 ? 0 : 1 + rnd(5);
    size_t at = 0;
    for (size_t i = 0; i < k->n; i++) {
        k->cps[i] = random_code_point();
        at += utf8_encode(k->utf8 + at, k->cps[i]);
    }
    k->utf8[at] = '\0';
}

/* cp in JSON, each time one of the ways it may be written. */
static void emit_code_point(gen *g, uint32_t cp) {
    char buf[16];
    const char *shorts = "\"\\/\b\f\n\r\t", *letters = "\"\\/bfnrt";
    const char *hit = cp != 0 && cp < 0x80 ? strchr(shorts, (int)cp) : NULL;
    if (hit != NULL && (cp == '"' || cp == '\\' || rnd(2) == 0)) {
        buf[0] = '\\';
        buf[1] = letters[hit - shorts];
        emit(g, buf, 2);
    } else if (cp < 0x20 || (rnd(3) == 0 && cp != '"' && cp != '\\')) {
        if (cp > 0xffff) {
            uint32_t v = cp - 0x10000;
            snprintf(buf, sizeof buf, "\\u%04x\\u%04X", 0xd800 | (v >> 10), 0xdc00 | (v & 0x3ff));
        } else {
            snprintf(buf, sizeof buf, rnd(2) ? "\\u%04x" : "\\u%04X", cp);
        }
        emit_str(g, buf);
    } else {
        emit(g, buf, utf8_encode(buf, cp));
    }
}

static void emit_json_string(gen *g, const uint32_t *cps, size_t n) {
    emit_str(g, "\"");
    for (size_t i = 0; i < n; i++)
        emit_code_point(g, cps[i]);
    emit_str(g, "\"");
}

static void emit_digits(gen *g, size_t n, int leading_nonzero) {
    for (size_t i = 0; i < n; i++) {
        char d = (char)('0' + ((i == 0 && leading_nonzero) ? 1 + rnd(9) : rnd(10)));
        emit(g, &d, 1);
    }
}

static void emit_number(gen *g) {
    if (rnd(2)) emit_str(g, "-");
    size_t digits = 1 + rnd(rnd(4) == 0 ? 22 : 8);
    if (digits == 1)
        emit_digits(g, 1, 0);
    else
        emit_digits(g, digits, 1);
    uint32_t real = rnd(2);
    if (real && rnd(2)) {
        emit_str(g, ".");
        emit_digits(g, 1 + rnd(20), 0);
    }
    if (real && rnd(2)) {
        static const char *const e[] = {"e", "E", "e+", "E-", "e-"};
        emit_str(g, e[rnd(5)]);
        emit_digits(g, 1 + rnd(3), 0);
    }
}

static int compare_keys(const void *a, const void *b) {
    return strcmp(((const gen_key *)a)->utf8, ((const gen_key *)b)->utf8);
}

static void emit_value(gen *g, unsigned depth);

static void emit_ws(gen *g) {
    static const char *const ws[] = {"", "", "", " ", "\n", "\t ", "\r\n  "};
    emit_str(g, ws[rnd(7)]);
}

static void emit_object(gen *g, unsigned depth) {
    gen_key keys[8];
    size_t n = rnd(depth > 4 ? 2 : 6);
    for (size_t i = 0; i < n; i++)
        random_key(&keys[i]);
    qsort(keys, n, sizeof keys[0], compare_keys);
    emit_str(g, "{");
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(keys[i].utf8, keys[i - 1].utf8) == 0) continue;
        if (g->s[g->len - 1] != '{') emit_str(g, ",");
        emit_ws(g);
        emit_json_string(g, keys[i].cps, keys[i].n);
        emit_ws(g);
        emit_str(g, ":");
        emit_ws(g);
        emit_value(g, depth + 1);
        emit_ws(g);
    }
    emit_str(g, "}");
}

static void emit_value(gen *g, unsigned depth) {
    switch (depth >= DEPTH - 1 ? 2 + rnd(4) : rnd(6)) {
    case 0: emit_object(g, depth); return;
    case 1: {
        size_t n = rnd(depth > 4 ? 2 : 5);
        emit_str(g, "[");
        for (size_t i = 0; i < n; i++) {
            if (i > 0) emit_str(g, ",");
            emit_ws(g);
            emit_value(g, depth + 1);
        }
        emit_str(g, "]");
        return;
    }
    case 2: {
        uint32_t cps[12];
        size_t n = rnd(12);
        for (size_t i = 0; i < n; i++)
            cps[i] = random_code_point();
        emit_json_string(g, cps, n);
        return;
    }
    case 3: emit_number(g); return;
    default: {
        static const char *const literals[] = {"true", "false", "null"};
        emit_str(g, literals[rnd(3)]);
    }
    }
}

static void test_generated_documents(void) {
    size_t accepted = 0, refused = 0;
    for (int i = 0; i < 3000; i++) {
        gen g = {NULL, 0, 0};
        emit_object(&g, 0);
        char what[32];
        snprintf(what, sizeof what, "generated document %d", i);
        int ok = 0;
        if (!same_as_jansson(g.s, g.len, what, &ok)) fprintf(stderr, "    document: %s\n", g.s);
        accepted += (size_t)ok;
        refused += (size_t)!ok;
        free(g.s);
    }
    printf("  generated: %zu printed identically, %zu refused alike\n", accepted, refused);
    /* Refusals are numbers beyond int64 or double. */
    CHECK(accepted > 2000 && refused > 50);
}

TEST_MAIN(TEST(test_seed_corpus), TEST(test_describe_matches_old_path), TEST(test_layout),
          TEST(test_escapes), TEST(test_integers), TEST(test_reals),
          TEST(test_reals_under_a_comma_locale), TEST(test_not_an_object), TEST(test_syntax_errors),
          TEST(test_depth_limit), TEST(test_duplicate_keys),
          TEST(test_unsorted_keys_keep_document_order), TEST(test_output_cap), TEST(test_arguments),
          TEST(test_generated_documents))
