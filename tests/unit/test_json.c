/* test_json.c — strict JSON parsing, closed key sets and typed getters. */
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "testutil.h"

/* Limits of max_len bytes and otherwise those of the larger documents. */
#define LIM(max_len) (&(pqcha__json_limits){(max_len), 16, 0, 16})

static pqcha_err parse(const char *text) {
    json_t *root = (json_t *)1;
    pqcha_err err = pqcha__json_parse_object(&root, text, strlen(text), LIM(1024));
    if (err != PQCHA_OK && root != NULL) return PQCHA_ERR_INTERNAL;
    json_decref(root);
    return err;
}

static void test_parse_accepts_one_object(void) {
    CHECK_OK(parse("{}"));
    CHECK_OK(parse(" {\"a\": [1, 2, {\"b\": null}]} \n"));
    CHECK_OK(parse("{\"a\":\"\\u00e9\xc3\xa9\"}"));
}

static void test_parse_rejects_bad_json(void) {
    CHECK_ERR(parse(""), PQCHA_ERR_JSON_SYNTAX);
    CHECK_ERR(parse("{"), PQCHA_ERR_JSON_SYNTAX);
    CHECK_ERR(parse("{} {}"), PQCHA_ERR_JSON_SYNTAX); /* trailing data */
    CHECK_ERR(parse("{}x"), PQCHA_ERR_JSON_SYNTAX);
    CHECK_ERR(parse("{'a':1}"), PQCHA_ERR_JSON_SYNTAX);
    CHECK_ERR(parse("{\"a\":1,}"), PQCHA_ERR_JSON_SYNTAX);
    CHECK_ERR(parse("{\"a\":\"\\u0000\"}"), PQCHA_ERR_JSON_SYNTAX);  /* NUL character */
    CHECK_ERR(parse("{\"a\":\"\xff\"}"), PQCHA_ERR_JSON_SYNTAX);     /* not UTF-8 */
    CHECK_ERR(parse("{\"a\":\"\xc0\xaf\"}"), PQCHA_ERR_JSON_SYNTAX); /* overlong */
    CHECK_ERR(parse("{\"a\":\"\\ud800\"}"), PQCHA_ERR_JSON_SYNTAX);  /* lone surrogate */
    CHECK_ERR(parse("{\"a\":NaN}"), PQCHA_ERR_JSON_SYNTAX);
}

static void test_parse_rejects_raw_nul_byte(void) {
    json_t *root = NULL;
    CHECK_ERR(pqcha__json_parse_object(&root, "{}\0", 3, LIM(100)), PQCHA_ERR_JSON_SYNTAX);
    CHECK_ERR(pqcha__json_parse_object(&root, "{\"a\0\":1}", 8, LIM(100)), PQCHA_ERR_JSON_SYNTAX);
    CHECK(root == NULL);
}

static void test_parse_duplicates_and_top_level_type(void) {
    CHECK_ERR(parse("{\"a\":1,\"a\":2}"), PQCHA_ERR_JSON_DUPLICATE_KEY);
    CHECK_ERR(parse("{\"x\":{\"a\":1,\"b\":2,\"a\":1}}"), PQCHA_ERR_JSON_DUPLICATE_KEY);
    CHECK_ERR(parse("{\"x\":[{\"a\":1,\"a\":1}]}"), PQCHA_ERR_JSON_DUPLICATE_KEY);
    CHECK_ERR(parse("[]"), PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(parse("1"), PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(parse("\"s\""), PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(parse("null"), PQCHA_ERR_WRONG_TYPE);
}

static void test_parse_cap_checked_first(void) {
    json_t *root = NULL;
    CHECK_ERR(pqcha__json_parse_object(&root, "{}   ", 5, LIM(4)), PQCHA_ERR_TOO_LARGE);
    /* The cap comes before parsing: even garbage is TOO_LARGE. */
    CHECK_ERR(pqcha__json_parse_object(&root, "garbage", 7, LIM(4)), PQCHA_ERR_TOO_LARGE);
    CHECK_OK(pqcha__json_parse_object(&root, "{}  ", 4, LIM(4)));
    json_decref(root);
    CHECK_ERR(pqcha__json_parse_object(NULL, "{}", 2, LIM(4)), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha__json_parse_object(&root, NULL, 2, LIM(4)), PQCHA_ERR_INVALID_ARGUMENT);
}

static void test_huge_integer_is_out_of_range(void) {
    CHECK_ERR(parse("{\"n\":123456789012345678901234567890}"), PQCHA_ERR_OUT_OF_RANGE);
}

/* n copies of item, comma-separated, inside {"x":[...]}: the shapes of
 * the review's hostile inputs. */
static char *array_of(const char *item, size_t n) {
    size_t item_len = strlen(item), len = 7 + n * (item_len + 1);
    char *text = malloc(len + 1);
    if (text == NULL) return NULL;
    size_t at = (size_t)sprintf(text, "{\"x\":[");
    for (size_t i = 0; i < n; i++) {
        memcpy(text + at, item, item_len);
        at += item_len;
        text[at++] = i + 1 < n ? ',' : ']';
    }
    text[at++] = '}';
    text[at] = '\0';
    return text;
}

static pqcha_err parse_with(const char *text, const pqcha__json_limits *lim) {
    json_t *root = NULL;
    pqcha_err err = pqcha__json_parse_object(&root, text, strlen(text), lim);
    json_decref(root);
    return err;
}

/* Structure that would cost more than tree_factor (16 here) times the
 * text is refused before any tree is built; the same number of bytes as
 * strings (what real documents are made of) is accepted. */
static void test_tree_cost_bounded(void) {
    const size_t n = 100000;
    const char *hostile[] = {"{}", "[]", "0", "\"\"", "{\"a\":0}"};
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        char *text = array_of(hostile[i], n);
        REQUIRE(text != NULL);
        CHECK_ERR(parse_with(text, LIM(64u << 20)), PQCHA_ERR_JSON_TOO_COMPLEX);
        free(text);
    }
    char *fine =
        array_of("\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"", n);
    REQUIRE(fine != NULL);
    CHECK_OK(parse_with(fine, LIM(64u << 20)));
    free(fine);
    /* Small documents always fit in the slack. */
    char *small = array_of("{}", 200);
    REQUIRE(small != NULL);
    CHECK_OK(parse_with(small, LIM(4096)));
    free(small);
}

static void test_depth_and_value_limits(void) {
    const pqcha__json_limits three = {4096, 3, 0, 16}, seven = {4096, 3, 7, 16};
    CHECK_OK(parse_with("{\"a\":{\"b\":[1]}}", &three));
    CHECK_ERR(parse_with("{\"a\":{\"b\":[[1]]}}", &three), PQCHA_ERR_JSON_TOO_COMPLEX);
    CHECK_OK(parse_with("{\"a\":\"x\",\"b\":\"y\",\"s\":[{\"k\":\"1\",\"v\":\"2\"}]}", &seven));
    CHECK_ERR(parse_with("{\"a\":\"x\",\"b\":\"y\",\"s\":[{\"k\":\"1\",\"v\":\"2\"},1]}", &seven),
              PQCHA_ERR_JSON_TOO_COMPLEX);
    /* Deeper than the tokenizer's own ceiling, whatever the limit says. */
    char deep[2 * PQCHA__JSON_MAX_DEPTH + 16];
    size_t at = (size_t)sprintf(deep, "{\"a\":");
    for (unsigned i = 0; i < PQCHA__JSON_MAX_DEPTH; i++)
        deep[at++] = '[';
    for (unsigned i = 0; i < PQCHA__JSON_MAX_DEPTH; i++)
        deep[at++] = ']';
    deep[at++] = '}';
    deep[at] = '\0';
    const pqcha__json_limits huge_depth = {4096, 1000, 0, 16};
    CHECK_ERR(parse_with(deep, &huge_depth), PQCHA_ERR_JSON_TOO_COMPLEX);
}

static json_t *load(const char *text) {
    json_t *root = NULL;
    if (pqcha__json_parse_object(&root, text, strlen(text), LIM(4096)) != PQCHA_OK) return NULL;
    return root;
}

static void test_check_fields(void) {
    static const char *const required[] = {"a", "b", NULL};
    static const char *const optional[] = {"c", NULL};
    json_t *o = load("{\"a\":1,\"b\":2}");
    REQUIRE(o != NULL);
    CHECK_OK(pqcha__json_check_fields(o, required, optional));
    CHECK_OK(pqcha__json_check_fields(o, required, NULL));
    CHECK_ERR(pqcha__json_check_fields(o, NULL, optional), PQCHA_ERR_UNKNOWN_FIELD);
    json_decref(o);

    o = load("{\"a\":1,\"b\":2,\"c\":3}");
    REQUIRE(o != NULL);
    CHECK_OK(pqcha__json_check_fields(o, required, optional));
    CHECK_ERR(pqcha__json_check_fields(o, required, NULL), PQCHA_ERR_UNKNOWN_FIELD);
    json_decref(o);

    o = load("{\"a\":1}");
    REQUIRE(o != NULL);
    CHECK_ERR(pqcha__json_check_fields(o, required, optional), PQCHA_ERR_MISSING_FIELD);
    json_decref(o);

    o = load("{\"a\":1,\"b\":2,\"A\":3}"); /* keys are case-sensitive */
    REQUIRE(o != NULL);
    CHECK_ERR(pqcha__json_check_fields(o, required, optional), PQCHA_ERR_UNKNOWN_FIELD);
    json_decref(o);

    o = load("{}");
    REQUIRE(o != NULL);
    CHECK_OK(pqcha__json_check_fields(o, NULL, NULL));
    CHECK_ERR(pqcha__json_check_fields(json_object_get(o, "x"), NULL, NULL), PQCHA_ERR_WRONG_TYPE);
    json_decref(o);
}

static void test_typed_getters(void) {
    json_t *o =
        load("{\"s\":\"hello\",\"i\":42,\"neg\":-1,\"r\":1.0,\"e\":1e3,\"big\":9007199254740992,"
             "\"safe\":9007199254740991,\"t\":true,\"f\":false,\"n\":null,\"o\":{},"
             "\"a\":[1,2,3]}");
    REQUIRE(o != NULL);
    const char *s = NULL;
    CHECK_OK(pqcha__json_string(o, "s", 5, &s));
    CHECK_STR(s, "hello");
    CHECK_ERR(pqcha__json_string(o, "s", 4, &s), PQCHA_ERR_TOO_LARGE);
    CHECK_ERR(pqcha__json_string(o, "i", 10, &s), PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(pqcha__json_string(o, "n", 10, &s), PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(pqcha__json_string(o, "missing", 10, &s), PQCHA_ERR_MISSING_FIELD);

    uint64_t u = 0;
    CHECK_OK(pqcha__json_uint(o, "i", 100, &u));
    CHECK(u == 42);
    CHECK_ERR(pqcha__json_uint(o, "i", 41, &u), PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(pqcha__json_uint(o, "neg", 100, &u), PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(pqcha__json_uint(o, "r", 100, &u), PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(pqcha__json_uint(o, "e", 10000, &u), PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(pqcha__json_uint(o, "s", 100, &u), PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(pqcha__json_uint(o, "t", 100, &u), PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(pqcha__json_uint(o, "big", PQCHA_MAX_SAFE_INTEGER, &u), PQCHA_ERR_OUT_OF_RANGE);
    CHECK_OK(pqcha__json_uint(o, "safe", PQCHA_MAX_SAFE_INTEGER, &u));
    CHECK(u == PQCHA_MAX_SAFE_INTEGER);
    CHECK_ERR(pqcha__json_uint(o, "missing", 1, &u), PQCHA_ERR_MISSING_FIELD);

    int b = -1;
    CHECK_OK(pqcha__json_bool(o, "t", &b));
    CHECK(b == 1);
    CHECK_OK(pqcha__json_bool(o, "f", &b));
    CHECK(b == 0);
    CHECK_ERR(pqcha__json_bool(o, "i", &b), PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(pqcha__json_bool(o, "missing", &b), PQCHA_ERR_MISSING_FIELD);

    json_t *v = NULL;
    CHECK_OK(pqcha__json_object(o, "o", &v));
    CHECK(json_is_object(v));
    CHECK_ERR(pqcha__json_object(o, "a", &v), PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(pqcha__json_object(o, "missing", &v), PQCHA_ERR_MISSING_FIELD);
    CHECK_OK(pqcha__json_array(o, "a", 3, &v));
    CHECK(json_array_size(v) == 3);
    CHECK_ERR(pqcha__json_array(o, "a", 2, &v), PQCHA_ERR_TOO_LARGE);
    CHECK_ERR(pqcha__json_array(o, "o", 2, &v), PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(pqcha__json_array(o, "missing", 2, &v), PQCHA_ERR_MISSING_FIELD);
    json_decref(o);
}

static void test_dump_sorted(void) {
    json_t *o = load("{\"b\":1,\"a\":{\"z\":\"/\",\"y\":[true]}}");
    REQUIRE(o != NULL);
    char *text = NULL;
    size_t len = 0;
    CHECK_OK(pqcha__json_dump(&text, &len, o, PQCHA__JSON_COMPACT));
    CHECK_STR(text, "{\"a\":{\"y\":[true],\"z\":\"/\"},\"b\":1}");
    CHECK(text != NULL && len == strlen(text));
    free(text);
    CHECK_OK(pqcha__json_dump(&text, NULL, o, PQCHA__JSON_PRETTY));
    CHECK_STR(
        text,
        "{\n  \"a\": {\n    \"y\": [\n      true\n    ],\n    \"z\": \"/\"\n  },\n  \"b\": 1\n}");
    free(text);
    json_decref(o);
}

/* For terminals: non-ASCII (a C1 control, a bidi override) as \\uXXXX, C0
 * controls escaped by JSON itself; the wire form keeps UTF-8 as is. */
static void test_dump_for_terminals(void) {
    json_t *o = load("{\"t\":\"a\\u202eb\\u009b\\u001b[8m\\n\u00e9\"}");
    REQUIRE(o != NULL);
    char *text = NULL;
    CHECK_OK(pqcha__json_dump(&text, NULL, o, PQCHA__JSON_COMPACT_ASCII));
    CHECK_STR(text, "{\"t\":\"a\\u202Eb\\u009B\\u001B[8m\\n\\u00E9\"}");
    free(text);
    CHECK_OK(pqcha__json_dump(&text, NULL, o, PQCHA__JSON_COMPACT));
    CHECK_STR(text, "{\"t\":\"a\xe2\x80\xae"
                    "b\xc2\x9b\\u001B[8m\\n\xc3\xa9\"}");
    free(text);
    json_decref(o);
}

TEST_MAIN(TEST(test_parse_accepts_one_object), TEST(test_parse_rejects_bad_json),
          TEST(test_parse_rejects_raw_nul_byte), TEST(test_parse_duplicates_and_top_level_type),
          TEST(test_parse_cap_checked_first), TEST(test_huge_integer_is_out_of_range),
          TEST(test_tree_cost_bounded), TEST(test_depth_and_value_limits), TEST(test_check_fields),
          TEST(test_typed_getters), TEST(test_dump_sorted), TEST(test_dump_for_terminals))
