/* test_safetensors.c — the safetensors header parser: a valid file built here
 * with its exact expected table, and every rejection with its exact code. */
#include <stdint.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/manifest.h"
#include "core/model_parsers.h"
#include "testutil.h"

/* A file: 8-byte little-endian length of header, header, data_len bytes. */
static uint8_t *make_file(const char *header, size_t data_len, size_t *len) {
    size_t n = strlen(header);
    *len = 8 + n + data_len;
    uint8_t *buf = malloc(*len);
    if (buf == NULL) return NULL;
    for (int i = 0; i < 8; i++)
        buf[i] = (uint8_t)((uint64_t)n >> (8 * i));
    memcpy(buf + 8, header, n);
    for (size_t i = 0; i < data_len; i++)
        buf[8 + n + i] = (uint8_t)(i * 7u);
    return buf;
}

/* Parses a whole file (head = file) and returns the error; frees the table. */
static pqcha_err parse_text(const char *header, size_t data_len) {
    size_t len = 0;
    uint8_t *buf = make_file(header, data_len, &len);
    if (buf == NULL) return PQCHA_ERR_NO_MEMORY;
    pqcha__tensor *t = NULL;
    size_t count = 0, need = 0;
    pqcha_err err = pqcha__safetensors_parse(&t, &count, &need, buf, len, len);
    if (err != PQCHA_OK && t != NULL) err = PQCHA_ERR_INTERNAL; /* no partial tables on error */
    pqcha__tensors_free(t, count);
    free(buf);
    return err;
}

static const char valid_header[] =
    "{\"b\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[24,30]},"
    "\"__metadata__\":{\"format\":\"pt\"},"
    "\"blk.0.attn_q.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
    "\"empty\":{\"dtype\":\"BF16\",\"shape\":[0,5],\"data_offsets\":[30,30]},"
    "\"s\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[30,38]}}    ";

static void test_valid_table(void) {
    size_t len = 0;
    uint8_t *buf = make_file(valid_header, 38, &len);
    REQUIRE(buf != NULL);
    uint64_t base = 8 + strlen(valid_header);
    pqcha__tensor *t = NULL;
    size_t count = 0, need = 99;
    CHECK_OK(pqcha__safetensors_parse(&t, &count, &need, buf, len, len));
    REQUIRE(t != NULL && count == 4);
    CHECK(need == 0);
    CHECK_STR(t[0].name, "blk.0.attn_q.weight");
    CHECK_STR(t[0].dtype, "F32");
    CHECK(t[0].ndims == 2 && t[0].shape[0] == 2 && t[0].shape[1] == 3);
    CHECK(t[0].offset == base && t[0].size == 24);
    CHECK_STR(t[1].name, "b");
    CHECK_STR(t[1].dtype, "F16");
    CHECK(t[1].ndims == 1 && t[1].shape[0] == 3);
    CHECK(t[1].offset == base + 24 && t[1].size == 6);
    /* Same offset: the empty tensor sorts before the one with bytes. */
    CHECK_STR(t[2].name, "empty");
    CHECK(t[2].ndims == 2 && t[2].shape[0] == 0 && t[2].shape[1] == 5);
    CHECK(t[2].offset == base + 30 && t[2].size == 0);
    CHECK_STR(t[3].name, "s");
    CHECK_STR(t[3].dtype, "I64");
    CHECK(t[3].ndims == 0 && t[3].offset == base + 30 && t[3].size == 8);
    for (size_t i = 0; i < count; i++)
        CHECK_OK(pqcha__safetensors_tensor_check(&t[i]));
    pqcha__tensors_free(t, count);
    free(buf);
}

static void test_empty_and_every_dtype(void) {
    CHECK_OK(parse_text("{}", 0));
    CHECK_OK(parse_text("{\"__metadata__\":{}}", 0));
    static const struct {
        const char *dtype;
        unsigned bytes;
    } dtypes[] = {{"F64", 8},     {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"F8_E4M3", 1},
                  {"F8_E5M2", 1}, {"I64", 8}, {"I32", 4}, {"I16", 2},  {"I8", 1},
                  {"U64", 8},     {"U32", 4}, {"U16", 2}, {"U8", 1},   {"BOOL", 1}};
    for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++) {
        char header[160];
        snprintf(header, sizeof header,
                 "{\"x\":{\"dtype\":\"%s\",\"shape\":[5],\"data_offsets\":[0,%u]}}",
                 dtypes[i].dtype, 5 * dtypes[i].bytes);
        CHECK_OK(parse_text(header, 5 * dtypes[i].bytes));
    }
}

static void test_need_more(void) {
    size_t len = 0;
    uint8_t *buf = make_file(valid_header, 38, &len);
    REQUIRE(buf != NULL);
    pqcha__tensor *t = NULL;
    size_t count = 0, need = 0;
    CHECK_ERR(pqcha__safetensors_parse(&t, &count, &need, buf, 5, len), PQCHA_ERR_TOO_LARGE);
    CHECK(need == 8);
    CHECK_ERR(pqcha__safetensors_parse(&t, &count, &need, buf, 40, len), PQCHA_ERR_TOO_LARGE);
    CHECK(need == 8 + strlen(valid_header));
    CHECK(t == NULL && count == 0);
    /* The header alone is enough: the data section is never read. */
    CHECK_OK(pqcha__safetensors_parse(&t, &count, &need, buf, need, len));
    CHECK(count == 4);
    pqcha__tensors_free(t, count);
    free(buf);
}

static void test_header_length(void) {
    uint8_t buf[16] = {0};
    pqcha__tensor *t = NULL;
    size_t count = 0, need = 0;
    /* Shorter than the length field. */
    CHECK_ERR(pqcha__safetensors_parse(&t, &count, &need, buf, 7, 7), PQCHA_ERR_MALFORMED);
    /* A header length beyond the file. */
    buf[0] = 9;
    CHECK_ERR(pqcha__safetensors_parse(&t, &count, &need, buf, 16, 16), PQCHA_ERR_MALFORMED);
    /* Above the cap, whatever the file size: no "need" for it. */
    memset(buf, 0, sizeof buf);
    buf[3] = 0x10; /* 256 MiB */
    CHECK_ERR(pqcha__safetensors_parse(&t, &count, &need, buf, 16, UINT64_C(1) << 40),
              PQCHA_ERR_TOO_LARGE);
    CHECK(need == 0);
    /* A zero-length header is not a JSON object. */
    memset(buf, 0, sizeof buf);
    CHECK_ERR(pqcha__safetensors_parse(&t, &count, &need, buf, 8, 8), PQCHA_ERR_JSON_SYNTAX);
    CHECK_ERR(pqcha__safetensors_parse(&t, &count, &need, buf, 9, 8), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha__safetensors_parse(NULL, &count, &need, buf, 8, 8), PQCHA_ERR_INVALID_ARGUMENT);
}

static void test_bad_json(void) {
    CHECK_ERR(parse_text(" {}", 0), PQCHA_ERR_JSON_SYNTAX); /* must start with '{' */
    CHECK_ERR(parse_text("{", 0), PQCHA_ERR_JSON_SYNTAX);
    CHECK_ERR(parse_text("{}x", 0), PQCHA_ERR_JSON_SYNTAX); /* only spaces may pad */
    CHECK_ERR(parse_text("{}\n", 0), PQCHA_ERR_JSON_SYNTAX);
    CHECK_ERR(parse_text("{\"a\":\"\xff\"}", 0), PQCHA_ERR_JSON_SYNTAX);
    CHECK_ERR(parse_text("{\"x\":1}", 0), PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(parse_text("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                         "\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                         8),
              PQCHA_ERR_JSON_DUPLICATE_KEY);
    CHECK_ERR(parse_text("{\"__metadata__\":{\"a\":1}}", 0), PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(parse_text("{\"__metadata__\":[]}", 0), PQCHA_ERR_WRONG_TYPE);
}

static void test_entry_fields(void) {
    CHECK_ERR(parse_text("{\"x\":{\"dtype\":\"F32\",\"shape\":[1]}}", 0), PQCHA_ERR_MISSING_FIELD);
    CHECK_ERR(
        parse_text("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"y\":1}}", 4),
        PQCHA_ERR_UNKNOWN_FIELD);
    CHECK_ERR(parse_text("{\"x\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}}", 4),
              PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(parse_text("{\"x\":{\"dtype\":\"F32\",\"shape\":1,\"data_offsets\":[0,4]}}", 4),
              PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(parse_text("{\"x\":{\"dtype\":\"F32\",\"shape\":[1.0],\"data_offsets\":[0,4]}}", 4),
              PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(parse_text("{\"x\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4),
              PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(
        parse_text(
            "{\"x\":{\"dtype\":\"F32\",\"shape\":[9007199254740992],\"data_offsets\":[0,4]}}", 4),
        PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(
        parse_text(
            "{\"x\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}", 4),
        PQCHA_ERR_TOO_LARGE);
    CHECK_ERR(parse_text("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 8),
              PQCHA_ERR_MALFORMED);
    CHECK_ERR(parse_text("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4]}}", 4),
              PQCHA_ERR_MALFORMED);
    CHECK_ERR(parse_text("{\"x\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,0]}}", 4),
              PQCHA_ERR_MALFORMED);
    CHECK_ERR(parse_text("{\"\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4),
              PQCHA_ERR_BAD_IDENTIFIER);
}

static void test_dtype_and_size(void) {
    CHECK_ERR(parse_text("{\"x\":{\"dtype\":\"F128\",\"shape\":[1],\"data_offsets\":[0,16]}}", 16),
              PQCHA_ERR_UNSUPPORTED_ALGORITHM);
    CHECK_ERR(parse_text("{\"x\":{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4),
              PQCHA_ERR_UNSUPPORTED_ALGORITHM);
    /* shape says 24 bytes, data_offsets say 20 */
    CHECK_ERR(parse_text("{\"x\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", 20),
              PQCHA_ERR_INCONSISTENT_CLAIMS);
    /* 2^32 * 2^32 elements: the product overflows 64 bits */
    CHECK_ERR(parse_text("{\"x\":{\"dtype\":\"U8\",\"shape\":[4294967296,4294967296],"
                         "\"data_offsets\":[0,0]}}",
                         0),
              PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(parse_text("{\"x\":{\"dtype\":\"F64\",\"shape\":[2147483648,2147483648,4],"
                         "\"data_offsets\":[0,0]}}",
                         0),
              PQCHA_ERR_OUT_OF_RANGE);
    /* a zero dimension makes any product zero */
    CHECK_OK(parse_text("{\"x\":{\"dtype\":\"U8\",\"shape\":[4294967296,0,4294967296],"
                        "\"data_offsets\":[0,0]}}",
                        0));
}

static void test_ranges(void) {
    /* past the data section */
    CHECK_ERR(parse_text("{\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", 16),
              PQCHA_ERR_OUT_OF_RANGE);
    /* overlap */
    CHECK_ERR(parse_text("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                         "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}",
                         24),
              PQCHA_ERR_MALFORMED);
    /* an empty tensor inside another one is still out of place */
    CHECK_ERR(parse_text("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                         "\"b\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,8]}}",
                         16),
              PQCHA_ERR_MALFORMED);
    /* hole between tensors */
    CHECK_ERR(parse_text("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                         "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]}}",
                         24),
              PQCHA_ERR_MALFORMED);
    /* hole at the start */
    CHECK_ERR(parse_text("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 16),
              PQCHA_ERR_MALFORMED);
    /* trailing bytes after the last tensor */
    CHECK_ERR(parse_text("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 16),
              PQCHA_ERR_MALFORMED);
    CHECK_ERR(parse_text("{}", 1), PQCHA_ERR_MALFORMED);
}

/* The header is decoded token by token: fields in any order, escapes in
 * names decoded, every key of an entry and of the metadata once. */
static void test_streamed_header_rules(void) {
    CHECK_OK(parse_text("{\"x\":{\"data_offsets\":[0,4],\"shape\":[1],\"dtype\":\"F32\"}}", 4));
    size_t len = 0;
    uint8_t *buf = make_file(
        "{\"a\\u0062\\u00e9\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, &len);
    REQUIRE(buf != NULL);
    pqcha__tensor *t = NULL;
    size_t count = 0;
    CHECK_OK(pqcha__safetensors_parse(&t, &count, NULL, buf, len, len));
    CHECK(count == 1 && t != NULL && strcmp(t[0].name, "ab\xc3\xa9") == 0);
    pqcha__tensors_free(t, count);
    free(buf);
    /* The same name spelled twice, once escaped. */
    CHECK_ERR(parse_text("{\"ab\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                         "\"a\\u0062\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                         8),
              PQCHA_ERR_JSON_DUPLICATE_KEY);
    CHECK_ERR(
        parse_text(
            "{\"x\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
            4),
        PQCHA_ERR_JSON_DUPLICATE_KEY);
    CHECK_ERR(parse_text("{\"__metadata__\":{\"a\":\"1\",\"a\":\"2\"}}", 0),
              PQCHA_ERR_JSON_DUPLICATE_KEY);
    CHECK_ERR(parse_text("{\"__metadata__\":{},\"__metadata__\":{}}", 0),
              PQCHA_ERR_JSON_DUPLICATE_KEY);
    /* A syntax error anywhere wins over a field error before it. */
    CHECK_ERR(
        parse_text("{\"x\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]},\"y\":[1,]}", 4),
        PQCHA_ERR_JSON_SYNTAX);
    /* Nested values where numbers belong; an unknown field holding anything. */
    CHECK_ERR(parse_text("{\"x\":{\"dtype\":\"F32\",\"shape\":[[1]],\"data_offsets\":[0,4]}}", 4),
              PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(parse_text("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,{}]}}", 4),
              PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(
        parse_text(
            "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"z\":{\"q\":[[]]}}}",
            4),
        PQCHA_ERR_UNKNOWN_FIELD);
    CHECK_ERR(parse_text("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":{}}}", 4),
              PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(parse_text("{\"x\":{\"dtype\":[],\"shape\":[1],\"data_offsets\":[0,4]}}", 4),
              PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(
        parse_text(
            "{\"x\":{\"dtype\":\"F32F32F32F32F32F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4),
        PQCHA_ERR_TOO_LARGE);
}

/* Peak RSS (KiB) of a child that parses a file whose header is n copies of
 * item inside {"a":[...]} (the review's hostile shapes) or, with a NULL
 * item, n small real tensors; the child exits with the error code. */
static long peak_kib_parsing(const char *item, size_t n, pqcha_err *err) {
    fflush(NULL);
    pid_t child = fork();
    if (child == 0) {
        size_t item_len = item ? strlen(item) : 0, cap = 64 + n * (item ? item_len + 1 : 96);
        char *header = malloc(cap);
        if (header == NULL) _exit(PQCHA_ERR_NO_MEMORY);
        size_t at = 0, data = 0;
        if (item != NULL) {
            at += (size_t)sprintf(header, "{\"a\":[");
            for (size_t i = 0; i < n; i++) {
                memcpy(header + at, item, item_len);
                at += item_len;
                header[at++] = i + 1 < n ? ',' : ']';
            }
        } else {
            header[at++] = '{';
            for (size_t i = 0; i < n; i++, data += 4)
                at += (size_t)sprintf(header + at,
                                      "%s\"t%zu\":{\"dtype\":\"F32\",\"shape\":[1],"
                                      "\"data_offsets\":[%zu,%zu]}",
                                      i ? "," : "", i, data, data + 4);
        }
        header[at++] = '}';
        header[at] = '\0';
        size_t len = 0;
        uint8_t *file = make_file(header, data, &len);
        free(header);
        pqcha__tensor *t = NULL;
        size_t count = 0;
        pqcha_err e =
            file ? pqcha__safetensors_parse(&t, &count, NULL, file, len, len) : PQCHA_ERR_NO_MEMORY;
        _exit((int)e);
    }
    int status = 0;
    struct rusage ru;
    if (child < 0 || wait4(child, &status, 0, &ru) != child || !WIFEXITED(status)) return -1;
    *err = (pqcha_err)WEXITSTATUS(status);
    return ru.ru_maxrss;
}

/* Memory follows the table, not the text's structure: 16 MiB of hostile
 * structure costs about what the text itself costs (it was 1.3 GB as a
 * tree), and a real header of 200 000 tensors a small multiple of its size. */
static void test_memory_bounded_by_the_table(void) {
#if defined(__SANITIZE_ADDRESS__)
    printf("note: test_memory_bounded_by_the_table skipped: AddressSanitizer's shadow memory and "
           "quarantine change peak RSS (the regular build measures it)\n");
    return;
#endif
    const size_t n = 5u << 20; /* 5.2 M items, 10.5-21 MiB of text */
    const char *hostile[] = {"{}", "[]", "0"};
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        pqcha_err err = PQCHA_OK;
        long kib = peak_kib_parsing(hostile[i], n, &err);
        size_t text_kib = n * (strlen(hostile[i]) + 1) / 1024;
        printf("note: {\"a\":[%s,...]} (%zu KiB of header): peak RSS %ld KiB\n", hostile[i],
               text_kib, kib);
        CHECK(err == PQCHA_ERR_WRONG_TYPE);
        /* the test's own copies: header text + file (2x), plus the process */
        CHECK(kib > 0 && (size_t)kib < 3 * text_kib + 64 * 1024);
    }
    pqcha_err err = PQCHA_ERR_INTERNAL;
    long kib = peak_kib_parsing(NULL, 200000, &err);
    printf("note: 200 000 tensors (about 13 MiB of header): peak RSS %ld KiB\n", kib);
    CHECK_OK(err);
    CHECK(kib > 0 && kib < 160 * 1024);
}

static pqcha_err index_of(const char *text) {
    pqcha__safetensors_index ix;
    pqcha_err err = pqcha__safetensors_index_parse(&ix, text, strlen(text));
    if (err != PQCHA_OK && (ix.map != NULL || ix.shards != NULL)) err = PQCHA_ERR_INTERNAL;
    pqcha__index_free(&ix);
    return err;
}

/* model.safetensors.index.json: the weight map, strictly. */
static void test_index(void) {
    pqcha__safetensors_index ix;
    const char *text = "{\"metadata\":{\"total_size\":9,\"x\":[1]},\"weight_map\":"
                       "{\"z\":\"s2\",\"a\":\"s1\",\"m\":\"s2\"}}";
    CHECK_OK(pqcha__safetensors_index_parse(&ix, text, strlen(text)));
    REQUIRE(ix.shard_count == 2 && ix.map_count == 3);
    CHECK_STR(ix.shards[0], "s1");
    CHECK_STR(ix.map[0].tensor, "a");
    CHECK_STR(ix.map[0].shard, "s1");
    CHECK_STR(ix.map[2].tensor, "z");
    CHECK_STR(ix.map[2].shard, "s2");
    pqcha__index_free(&ix);
    CHECK_OK(index_of("{\"weight_map\":{\"a\":\"s\"}}"));
    CHECK_ERR(index_of("{\"weight_map\":{}}"), PQCHA_ERR_MALFORMED);
    CHECK_ERR(index_of("{\"metadata\":{}}"), PQCHA_ERR_MISSING_FIELD);
    CHECK_ERR(index_of("{\"weight_map\":{\"a\":\"s\"},\"x\":1}"), PQCHA_ERR_UNKNOWN_FIELD);
    CHECK_ERR(index_of("{\"weight_map\":{\"a\":\"../s\"}}"), PQCHA_ERR_BAD_IDENTIFIER);
    CHECK_ERR(index_of("{\"weight_map\":{\"a\":\"..\"}}"), PQCHA_ERR_BAD_IDENTIFIER);
    CHECK_ERR(index_of("{\"weight_map\":{\"a\":\"\"}}"), PQCHA_ERR_BAD_IDENTIFIER);
    CHECK_ERR(index_of("{\"weight_map\":{\"\":\"s\"}}"), PQCHA_ERR_BAD_IDENTIFIER);
    CHECK_ERR(index_of("{\"weight_map\":{\"a\":1}}"), PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(index_of("{\"weight_map\":{\"a\":\"s\",\"a\":\"t\"}}"), PQCHA_ERR_JSON_DUPLICATE_KEY);
    CHECK_ERR(index_of("{\"weight_map\":[]}"), PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(index_of("{\"metadata\":1,\"weight_map\":{\"a\":\"s\"}}"), PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(index_of("[]"), PQCHA_ERR_WRONG_TYPE);
}

TEST_MAIN(TEST(test_valid_table), TEST(test_streamed_header_rules),
          TEST(test_memory_bounded_by_the_table), TEST(test_empty_and_every_dtype),
          TEST(test_need_more), TEST(test_header_length), TEST(test_bad_json),
          TEST(test_entry_fields), TEST(test_dtype_and_size), TEST(test_ranges), TEST(test_index))
