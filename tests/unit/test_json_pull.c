/* test_json_pull.c — the strict JSON tokenizer: tokens, string decoding,
 * integers, skipping, the scan's counts, and its verdict compared with
 * jansson's (an independent parser) on hand-picked and on generated inputs. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_pull.h"
#include "testutil.h"

static pqcha__json_token next(pqcha__json_pull *p) {
    pqcha__json_token t = PQCHA__JSON_END;
    CHECK_OK(pqcha__json_pull_next(p, &t));
    return t;
}

static void test_tokens_in_order(void) {
    const char *text = " {\"a\": [1, -2.5e3, \"s\", true, false, null, {}], \"b\" : {\"c\":[]}} ";
    static const pqcha__json_token want[] = {
        PQCHA__JSON_OBJECT,     PQCHA__JSON_KEY,        PQCHA__JSON_ARRAY,
        PQCHA__JSON_NUMBER,     PQCHA__JSON_NUMBER,     PQCHA__JSON_STRING,
        PQCHA__JSON_TRUE,       PQCHA__JSON_FALSE,      PQCHA__JSON_NULL,
        PQCHA__JSON_OBJECT,     PQCHA__JSON_OBJECT_END, PQCHA__JSON_ARRAY_END,
        PQCHA__JSON_KEY,        PQCHA__JSON_OBJECT,     PQCHA__JSON_KEY,
        PQCHA__JSON_ARRAY,      PQCHA__JSON_ARRAY_END,  PQCHA__JSON_OBJECT_END,
        PQCHA__JSON_OBJECT_END, PQCHA__JSON_END};
    pqcha__json_pull p;
    pqcha__json_pull_init(&p, text, strlen(text), PQCHA__JSON_MAX_DEPTH);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        pqcha__json_token t = next(&p);
        if (t != want[i])
            fprintf(stderr, "  token %zu: got %d, want %d\n", i, (int)t, (int)want[i]);
        CHECK(t == want[i]);
    }
    CHECK(next(&p) == PQCHA__JSON_END); /* the end stays the end */
}

static void test_strings_decoded(void) {
    /* é escaped and raw, a surrogate pair (U+1D11E), the simple escapes. */
    const char *text = "[\"\\u00e9\xc3\xa9\\uD834\\uDD1E\\\"\\\\\\/\\b\\f\\n\\r\\t\", \"plain\"]";
    pqcha__json_pull p;
    pqcha__json_pull_init(&p, text, strlen(text), 4);
    CHECK(next(&p) == PQCHA__JSON_ARRAY);
    CHECK(next(&p) == PQCHA__JSON_STRING);
    char *s = NULL;
    size_t len = 0;
    const char want[] = "\xc3\xa9\xc3\xa9\xf0\x9d\x84\x9e\"\\/\b\f\n\r\t";
    CHECK_OK(pqcha__json_pull_strdup(&p, 64, &s, &len));
    CHECK(len == sizeof want - 1 && s != NULL && memcmp(s, want, len) == 0 && s[len] == '\0');
    free(s);
    CHECK(pqcha__json_pull_equals(&p, want));
    CHECK(!pqcha__json_pull_equals(&p, "\xc3\xa9"));
    CHECK_ERR(pqcha__json_pull_strdup(&p, len - 1, &s, NULL), PQCHA_ERR_TOO_LARGE);
    CHECK(s == NULL);
    CHECK(next(&p) == PQCHA__JSON_STRING);
    CHECK(pqcha__json_pull_equals(&p, "plain"));
    CHECK(!pqcha__json_pull_equals(&p, "plai"));
}

static pqcha_err uint_of(const char *number, uint64_t max, uint64_t *out) {
    pqcha__json_pull p;
    pqcha__json_token t;
    pqcha__json_pull_init(&p, number, strlen(number), 1);
    pqcha_err err = pqcha__json_pull_next(&p, &t);
    return err != PQCHA_OK ? err : pqcha__json_pull_uint(&p, max, out);
}

static void test_integers(void) {
    uint64_t v = 99;
    CHECK_OK(uint_of("0", 10, &v));
    CHECK(v == 0);
    CHECK_OK(uint_of("-0", 10, &v)); /* jansson reads it as the integer 0 */
    CHECK(v == 0);
    CHECK_OK(uint_of("18446744073709551615", UINT64_MAX, &v));
    CHECK(v == UINT64_MAX);
    CHECK_ERR(uint_of("18446744073709551616", UINT64_MAX, &v), PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(uint_of("11", 10, &v), PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(uint_of("-1", 10, &v), PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(uint_of("1.0", 10, &v), PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(uint_of("1e0", 10, &v), PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(uint_of("\"1\"", 10, &v), PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(uint_of("01", 10, &v), PQCHA_ERR_JSON_SYNTAX);
}

static void test_skip(void) {
    const char *text = "{\"skip\": {\"a\": [1, {\"b\": [[]]}]}, \"keep\": 7}";
    pqcha__json_pull p;
    pqcha__json_pull_init(&p, text, strlen(text), 8);
    CHECK(next(&p) == PQCHA__JSON_OBJECT);
    CHECK(next(&p) == PQCHA__JSON_KEY);
    pqcha__json_token t = next(&p);
    CHECK(t == PQCHA__JSON_OBJECT);
    CHECK_OK(pqcha__json_pull_skip(&p, t));
    CHECK(next(&p) == PQCHA__JSON_KEY);
    CHECK(pqcha__json_pull_equals(&p, "keep"));
    t = next(&p);
    CHECK_OK(pqcha__json_pull_skip(&p, t)); /* a scalar: nothing to skip */
    uint64_t v = 0;
    CHECK_OK(pqcha__json_pull_uint(&p, 10, &v));
    CHECK(v == 7);
    CHECK(next(&p) == PQCHA__JSON_OBJECT_END);
    CHECK(next(&p) == PQCHA__JSON_END);
}

static void test_scan_counts(void) {
    const char *text = "{\"ab\":[1,\"xyz\",{\"c\":null}],\"d\":\"\\u00e9\"}";
    pqcha__json_stats st;
    CHECK_OK(pqcha__json_scan(text, strlen(text), 8, &st));
    CHECK(st.objects == 2 && st.arrays == 1 && st.members == 3);
    CHECK(st.array_items == 3 && st.strings == 2 && st.numbers == 1 && st.literals == 1);
    CHECK(st.string_bytes == 2 + 3 + 1 + 1 + 2); /* ab xyz c d é */
    CHECK(st.depth == 3);
    CHECK_ERR(pqcha__json_scan("[[[1]]]", 7, 2, &st), PQCHA_ERR_JSON_TOO_COMPLEX);
    CHECK_OK(pqcha__json_scan("[[[1]]]", 7, 3, &st));
}

/* jansson's verdict on text as any JSON value; -1 when it refuses a number
 * it cannot hold (a matter of range, not of syntax, for the tokenizer). */
static int jansson_accepts(const char *text, size_t len) {
    json_error_t e;
    json_t *v = json_loadb(text, len, JSON_DECODE_ANY, &e);
    if (v != NULL) {
        json_decref(v);
        return 1;
    }
    return json_error_code(&e) == json_error_numeric_overflow ? -1 : 0;
}

static int pull_accepts(const char *text, size_t len) {
    pqcha__json_stats st;
    return pqcha__json_scan(text, len, PQCHA__JSON_MAX_DEPTH, &st) == PQCHA_OK;
}

static void compare_with_jansson(const char *text, size_t len) {
    int want = jansson_accepts(text, len);
    if (want < 0) return;
    int got = pull_accepts(text, len);
    if (got != want) {
        fprintf(stderr, "  disagree (jansson %d, pull %d) on:", want, got);
        for (size_t i = 0; i < len; i++)
            fprintf(stderr, " %02x", (unsigned char)text[i]);
        fputc('\n', stderr);
    }
    CHECK(got == want);
}

static void test_same_verdict_as_jansson_on_edge_cases(void) {
    static const char *const cases[] = {
        "{}",
        "[]",
        "0",
        "-0",
        "-0.0e-0",
        "1E5",
        "1e+5",
        "\"\"",
        " [ 1 , 2 ] \n",
        "true",
        "",
        " ",
        "01",
        "1.",
        ".5",
        "-",
        "1e",
        "1e+",
        "+1",
        "tru",
        "nul",
        "[1,]",
        "{,}",
        "[",
        "]",
        "{\"a\"1}",
        "{\"a\":}",
        "[1 2]",
        "{\"a\":1 \"b\":2}",
        "\"\\x\"",
        "\"\t\"",
        "\"\\uD834\\uDD1E\"",
        "\"\\uDD1E\"",
        "\"\\uD834x\"",
        "\"\\uD834\\u0041\"",
        "\"\\u00\"",
        "\"\\u0000\"",
        "\"\\u0001\"",
        "\xef\xbb\xbf{}",
        "\"\xed\xa0\x80\"",
        "\"\xf4\x90\x80\x80\"",
        "\"\xc2\x80\"",
        "\"\xc0\x80\"",
        "\"\xe0\x80\x80\"",
        "\"\xf0\x80\x80\x80\"",
        "\"\x7f\"",
        "[\"a\",{\"b\":[true,false,null]}]",
        "{\"a\":{\"a\":{\"a\":1}}}",
        "[]]",
        "{}}",
        "[}",
        "{]",
        "nulll",
        "[-]",
        "[--1]",
        "[1e5.0]",
        "\"abc",
        "\"\\",
        "\"\\u12",
        "{\"a\"",
        "{\"a\":",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        compare_with_jansson(cases[i], strlen(cases[i]));
    /* NUL bytes inside and after a value. */
    compare_with_jansson("[1]\0", 4);
    compare_with_jansson("\"a\0b\"", 5);
}

/* Short documents drawn from JSON's own characters (a fixed seed, so the
 * test is the same every run): both parsers must agree on every one. */
static void test_same_verdict_as_jansson_on_generated_inputs(void) {
    static const char alphabet[] = "{}[],:\"\\ 0123456789-+.eEtrufalsnu\t\nx\x80\xc3\xa9";
    uint64_t state = 0x9e3779b97f4a7c15u;
    char text[24];
    size_t agreed = 0, valid = 0;
    for (int n = 0; n < 200000; n++) {
        state = state * 6364136223846793005u + 1442695040888963407u;
        size_t len = 1 + (size_t)(state >> 60);
        for (size_t i = 0; i < len; i++) {
            state = state * 6364136223846793005u + 1442695040888963407u;
            text[i] = alphabet[(state >> 33) % (sizeof alphabet - 1)];
        }
        int want = jansson_accepts(text, len);
        if (want < 0) continue;
        if (pull_accepts(text, len) != want) {
            compare_with_jansson(text, len); /* prints it and fails */
            return;
        }
        agreed++;
        valid += (size_t)want;
    }
    CHECK(agreed > 190000);
    CHECK(valid > 1000); /* both verdicts occur often enough to compare */
}

TEST_MAIN(TEST(test_tokens_in_order), TEST(test_strings_decoded), TEST(test_integers),
          TEST(test_skip), TEST(test_scan_counts), TEST(test_same_verdict_as_jansson_on_edge_cases),
          TEST(test_same_verdict_as_jansson_on_generated_inputs))
