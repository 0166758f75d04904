/* test_gguf.c — the GGUF header parser: valid files built here byte by byte
 * with their exact expected tables, the "need more bytes" protocol, and every
 * rejection with its exact code. */
#include <stdint.h>

#include "core/manifest.h"
#include "core/model_parsers.h"
#include "testutil.h"

/* ---- a byte builder ---- */

typedef struct buf {
    uint8_t data[8192];
    size_t len;
} buf;

static void put(buf *b, const void *p, size_t n) {
    if (b->len + n > sizeof b->data) {
        fprintf(stderr, "test buffer too small\n");
        exit(2);
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void put_le(buf *b, uint64_t v, unsigned n) {
    for (unsigned i = 0; i < n; i++) {
        uint8_t byte = (uint8_t)(v >> (8 * i));
        put(b, &byte, 1);
    }
}

static void u8(buf *b, uint8_t v) {
    put_le(b, v, 1);
}
static void u32(buf *b, uint32_t v) {
    put_le(b, v, 4);
}
static void u64(buf *b, uint64_t v) {
    put_le(b, v, 8);
}
static void str(buf *b, const char *s) {
    u64(b, strlen(s));
    put(b, s, strlen(s));
}
static void pad(buf *b, size_t align) {
    while (b->len % align != 0)
        u8(b, 0);
}
static void fill(buf *b, size_t n) {
    for (size_t i = 0; i < n; i++)
        u8(b, (uint8_t)(i * 13u + 1u));
}

enum {
    T_UINT8,
    T_INT8,
    T_UINT16,
    T_INT16,
    T_UINT32,
    T_INT32,
    T_FLOAT32,
    T_BOOL,
    T_STRING,
    T_ARRAY,
    T_UINT64,
    T_INT64,
    T_FLOAT64
};
enum { G_F32 = 0, G_F16 = 1, G_Q8_0 = 8, G_Q4_K = 12 };

static void header(buf *b, uint32_t version, uint64_t tensors, uint64_t kvs) {
    b->len = 0;
    put(b, "GGUF", 4);
    u32(b, version);
    u64(b, tensors);
    u64(b, kvs);
}

static void kv_u32(buf *b, const char *key, uint32_t v) {
    str(b, key);
    u32(b, T_UINT32);
    u32(b, v);
}

static void tensor_info(buf *b, const char *name, uint32_t ndims, const uint64_t *ne, uint32_t type,
                        uint64_t offset) {
    str(b, name);
    u32(b, ndims);
    for (uint32_t i = 0; i < ndims; i++)
        u64(b, ne[i]);
    u32(b, type);
    u64(b, offset);
}

/* Every metadata value type once, including arrays of numbers and strings. */
static void all_kvs(buf *b) {
    str(b, "general.architecture");
    u32(b, T_STRING);
    str(b, "llama");
    kv_u32(b, "general.alignment", 32);
    str(b, "a.u8");
    u32(b, T_UINT8);
    u8(b, 7);
    str(b, "a.i8");
    u32(b, T_INT8);
    u8(b, 0xff);
    str(b, "a.u16");
    u32(b, T_UINT16);
    put_le(b, 1, 2);
    str(b, "a.i16");
    u32(b, T_INT16);
    put_le(b, 1, 2);
    str(b, "a.i32");
    u32(b, T_INT32);
    u32(b, 1);
    str(b, "a.f32");
    u32(b, T_FLOAT32);
    u32(b, 0x3f800000);
    str(b, "a.bool");
    u32(b, T_BOOL);
    u8(b, 1);
    str(b, "a.u64");
    u32(b, T_UINT64);
    u64(b, 1);
    str(b, "a.i64");
    u32(b, T_INT64);
    u64(b, 1);
    str(b, "a.f64");
    u32(b, T_FLOAT64);
    u64(b, 0);
    str(b, "tokenizer.ggml.tokens");
    u32(b, T_ARRAY);
    u32(b, T_STRING);
    u64(b, 3);
    str(b, "<s>");
    str(b, "hello");
    str(b, "");
    str(b, "tokenizer.ggml.scores");
    u32(b, T_ARRAY);
    u32(b, T_FLOAT32);
    u64(b, 2);
    u32(b, 0);
    u32(b, 0);
    str(b, "a.bools");
    u32(b, T_ARRAY);
    u32(b, T_BOOL);
    u64(b, 2);
    u8(b, 0);
    u8(b, 1);
}
#define ALL_KVS 15

/* The valid file: three tensors listed out of offset order. */
static const uint64_t ne_q[] = {64, 2}; /* Q8_0: 2 blocks per row * 34 * 2 rows = 136 */
static const uint64_t ne_n[] = {16};    /* F32: 64 */
static const uint64_t ne_o[] = {8, 3};  /* F16: 48 */

static size_t build_valid(buf *b, uint32_t version) {
    header(b, version, 3, ALL_KVS);
    all_kvs(b);
    tensor_info(b, "output.weight", 2, ne_o, G_F16, 224);
    tensor_info(b, "blk.0.attn_q.weight", 2, ne_q, G_Q8_0, 0);
    tensor_info(b, "blk.0.attn_norm.weight", 1, ne_n, G_F32, 160);
    pad(b, 32);
    size_t data_start = b->len;
    fill(b, 272);
    return data_start;
}

static pqcha_err parse_buf(const buf *b) {
    pqcha__tensor *t = NULL;
    size_t count = 0, need = 0;
    pqcha_err err = pqcha__gguf_parse(&t, &count, &need, b->data, b->len, b->len);
    if (err != PQCHA_OK && (t != NULL || count != 0))
        err = PQCHA_ERR_INTERNAL; /* no partial tables on error */
    pqcha__tensors_free(t, count);
    return err;
}

static void check_valid_table(const pqcha__tensor *t, size_t count, uint64_t base) {
    REQUIRE(count == 3);
    CHECK_STR(t[0].name, "blk.0.attn_q.weight");
    CHECK_STR(t[0].dtype, "Q8_0");
    CHECK(t[0].ndims == 2 && t[0].shape[0] == 64 && t[0].shape[1] == 2);
    CHECK(t[0].offset == base && t[0].size == 136);
    CHECK_STR(t[1].name, "blk.0.attn_norm.weight");
    CHECK_STR(t[1].dtype, "F32");
    CHECK(t[1].ndims == 1 && t[1].shape[0] == 16);
    CHECK(t[1].offset == base + 160 && t[1].size == 64);
    CHECK_STR(t[2].name, "output.weight");
    CHECK_STR(t[2].dtype, "F16");
    CHECK(t[2].ndims == 2 && t[2].shape[0] == 8 && t[2].shape[1] == 3);
    CHECK(t[2].offset == base + 224 && t[2].size == 48);
    for (size_t i = 0; i < count; i++)
        CHECK_OK(pqcha__gguf_tensor_check(&t[i]));
}

static buf b; /* large; one per test run */

static void test_valid_v3_and_v2(void) {
    for (uint32_t version = 2; version <= 3; version++) {
        size_t base = build_valid(&b, version);
        pqcha__tensor *t = NULL;
        size_t count = 0, need = 99;
        CHECK_OK(pqcha__gguf_parse(&t, &count, &need, b.data, b.len, b.len));
        CHECK(need == 0);
        check_valid_table(t, count, base);
        pqcha__tensors_free(t, count);
    }
}

static void test_no_tensors_default_alignment(void) {
    header(&b, 3, 0, 0);
    CHECK_OK(parse_buf(&b));
    /* Default alignment 32, a tensor at relative offset 32. */
    header(&b, 3, 1, 0);
    tensor_info(&b, "x", 1, ne_n, G_F32, 32);
    pad(&b, 32);
    size_t base = b.len;
    fill(&b, 96);
    pqcha__tensor *t = NULL;
    size_t count = 0, need = 0;
    CHECK_OK(pqcha__gguf_parse(&t, &count, &need, b.data, b.len, b.len));
    CHECK(count == 1 && t != NULL && t[0].offset == base + 32 && t[0].size == 64);
    pqcha__tensors_free(t, count);
}

static void test_other_alignment(void) {
    header(&b, 3, 2, 1);
    kv_u32(&b, "general.alignment", 64);
    tensor_info(&b, "a", 1, ne_n, G_F32, 0);
    tensor_info(&b, "b", 1, ne_n, G_F32, 64);
    pad(&b, 64);
    fill(&b, 128);
    CHECK_OK(parse_buf(&b));
    /* 32-aligned is not 64-aligned */
    header(&b, 3, 2, 1);
    kv_u32(&b, "general.alignment", 64);
    tensor_info(&b, "a", 1, ne_n, G_F32, 0);
    tensor_info(&b, "b", 1, ne_n, G_F32, 96);
    pad(&b, 64);
    fill(&b, 192);
    CHECK_ERR(parse_buf(&b), PQCHA_ERR_MALFORMED);
}

static void test_need_more(void) {
    build_valid(&b, 3);
    pqcha__tensor *t = NULL;
    size_t count = 0, need = 0;
    CHECK_ERR(pqcha__gguf_parse(&t, &count, &need, b.data, 0, b.len), PQCHA_ERR_TOO_LARGE);
    CHECK(need == 4);
    /* Grow the head to what the parser asks for, as the caller does. */
    size_t head = 30, rounds = 0;
    pqcha_err err;
    while ((err = pqcha__gguf_parse(&t, &count, &need, b.data, head, b.len)) ==
           PQCHA_ERR_TOO_LARGE) {
        REQUIRE(need > head && need <= b.len);
        CHECK(t == NULL && count == 0);
        head = need;
        rounds++;
    }
    CHECK_OK(err);
    CHECK(rounds > 10); /* it really stopped at every field */
    /* The tensor infos end before the data: the data is never needed. */
    CHECK(head < b.len - 272);
    pqcha__tensors_free(t, count);
}

static void test_fixed_header(void) {
    build_valid(&b, 3);
    b.data[0] = 'g';
    CHECK_ERR(parse_buf(&b), PQCHA_ERR_MALFORMED);
    uint32_t versions[] = {0, 1, 4, 0x03000000u};
    for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
        build_valid(&b, versions[i]);
        CHECK_ERR(parse_buf(&b), PQCHA_ERR_UNSUPPORTED_ALGORITHM);
    }
    header(&b, 3, (uint64_t)PQCHA_MAX_TENSORS + 1, 0);
    CHECK_ERR(parse_buf(&b), PQCHA_ERR_TOO_LARGE);
    header(&b, 3, 1000, 0); /* more tensors than the file could describe */
    fill(&b, 1000);
    CHECK_ERR(parse_buf(&b), PQCHA_ERR_MALFORMED);
    header(&b, 3, 0, UINT64_MAX);
    fill(&b, 1000);
    CHECK_ERR(parse_buf(&b), PQCHA_ERR_MALFORMED);
    header(&b, 3, 20, 60); /* each fits alone, not both */
    fill(&b, 1000);
    CHECK_ERR(parse_buf(&b), PQCHA_ERR_MALFORMED);
    header(&b, 3, 0, 0);
    b.len = 23; /* truncated counts */
    CHECK_ERR(parse_buf(&b), PQCHA_ERR_MALFORMED);
}

static void test_strings(void) {
    header(&b, 3, 0, 1);
    u64(&b, 1000); /* key length beyond the file */
    put(&b, "general.name", 12);
    CHECK_ERR(parse_buf(&b), PQCHA_ERR_MALFORMED);
    header(&b, 3, 0, 1);
    u64(&b, 65536); /* key length above the cap */
    fill(&b, 100);
    CHECK_ERR(parse_buf(&b), PQCHA_ERR_TOO_LARGE);
    header(&b, 3, 0, 1);
    str(&b, "k");
    u32(&b, T_STRING);
    u64(&b, UINT64_MAX); /* value length beyond the file */
    CHECK_ERR(parse_buf(&b), PQCHA_ERR_MALFORMED);
}

static void test_kv_types(void) {
    header(&b, 3, 0, 1);
    str(&b, "k");
    u32(&b, 13); /* no such type */
    u64(&b, 0);
    CHECK_ERR(parse_buf(&b), PQCHA_ERR_MALFORMED);
    header(&b, 3, 0, 1);
    str(&b, "k");
    u32(&b, T_BOOL);
    u8(&b, 2); /* booleans are 0 or 1 */
    fill(&b, 12);
    CHECK_ERR(parse_buf(&b), PQCHA_ERR_MALFORMED);
    header(&b, 3, 0, 1);
    str(&b, "k");
    u32(&b, T_ARRAY);
    u32(&b, T_ARRAY); /* arrays of arrays */
    u64(&b, 1);
    u32(&b, T_UINT8);
    u64(&b, 1);
    u8(&b, 0);
    CHECK_ERR(parse_buf(&b), PQCHA_ERR_MALFORMED);
    header(&b, 3, 0, 1);
    str(&b, "k");
    u32(&b, T_ARRAY);
    u32(&b, 77); /* array of an unknown type */
    u64(&b, 0);
    CHECK_ERR(parse_buf(&b), PQCHA_ERR_MALFORMED);
    header(&b, 3, 0, 1);
    str(&b, "k");
    u32(&b, T_ARRAY);
    u32(&b, T_UINT64);
    u64(&b, UINT64_C(1) << 62); /* count * 8 overflows */
    fill(&b, 16);
    CHECK_ERR(parse_buf(&b), PQCHA_ERR_MALFORMED);
    header(&b, 3, 0, 1);
    str(&b, "k");
    u32(&b, T_ARRAY);
    u32(&b, T_STRING);
    u64(&b, 1000000); /* more strings than bytes */
    fill(&b, 64);
    CHECK_ERR(parse_buf(&b), PQCHA_ERR_MALFORMED);
}

static void test_alignment_kv(void) {
    const uint32_t bad[] = {0, 3, 48, 0x80000001u};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        header(&b, 3, 0, 1);
        kv_u32(&b, "general.alignment", bad[i]);
        CHECK_ERR(parse_buf(&b), PQCHA_ERR_MALFORMED);
    }
    header(&b, 3, 0, 1);
    str(&b, "general.alignment");
    u32(&b, T_UINT64);
    u64(&b, 32);
    CHECK_ERR(parse_buf(&b), PQCHA_ERR_MALFORMED);
    header(&b, 3, 0, 2);
    kv_u32(&b, "general.alignment", 32);
    kv_u32(&b, "general.alignment", 32);
    CHECK_ERR(parse_buf(&b), PQCHA_ERR_MALFORMED);
}

/* One tensor after no metadata, then 4 KiB of data. */
static pqcha_err one_tensor(const char *name, uint32_t ndims, const uint64_t *ne, uint32_t type,
                            uint64_t offset) {
    header(&b, 3, 1, 0);
    tensor_info(&b, name, ndims, ne, type, offset);
    pad(&b, 32);
    fill(&b, 4096);
    return parse_buf(&b);
}

static void test_tensor_infos(void) {
    const uint64_t ne5[] = {1, 1, 1, 1, 1};
    CHECK_OK(one_tensor("x", 4, ne5, G_F32, 0));
    CHECK_ERR(one_tensor("x", 0, ne5, G_F32, 0), PQCHA_ERR_MALFORMED);
    CHECK_ERR(one_tensor("x", 5, ne5, G_F32, 0), PQCHA_ERR_MALFORMED);
    CHECK_ERR(one_tensor("x", 1, ne_n, G_F32, 16), PQCHA_ERR_MALFORMED); /* misaligned */
    const uint32_t unknown[] = {4, 5, 31, 36, 43, 1000};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
        CHECK_ERR(one_tensor("x", 1, ne_n, unknown[i], 0), PQCHA_ERR_UNSUPPORTED_ALGORITHM);
    const uint64_t ne33[] = {33, 1};
    CHECK_ERR(one_tensor("x", 2, ne33, G_Q8_0, 0), PQCHA_ERR_MALFORMED);
    const uint64_t ne64[] = {64, 1};
    CHECK_ERR(one_tensor("x", 2, ne64, G_Q4_K, 0), PQCHA_ERR_MALFORMED); /* 256-element blocks */
    const uint64_t ne256[] = {256, 2};
    CHECK_OK(one_tensor("x", 2, ne256, G_Q4_K, 0)); /* 2 * 144 bytes */
    const uint64_t huge[] = {UINT64_C(1) << 53};
    CHECK_ERR(one_tensor("x", 1, huge, G_F32, 0), PQCHA_ERR_OUT_OF_RANGE);
    const uint64_t product[] = {UINT64_C(1) << 32, UINT64_C(1) << 32};
    CHECK_ERR(one_tensor("x", 2, product, G_F32, 0), PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(one_tensor("x", 1, ne_n, G_F32, 4096), PQCHA_ERR_OUT_OF_RANGE); /* past the end */
    CHECK_ERR(one_tensor("x", 1, ne_n, G_F32, UINT64_MAX - 31), PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(one_tensor("", 1, ne_n, G_F32, 0), PQCHA_ERR_BAD_IDENTIFIER);
    CHECK_ERR(one_tensor("a\xc0\x80", 1, ne_n, G_F32, 0), PQCHA_ERR_BAD_IDENTIFIER);
    CHECK_ERR(one_tensor("a\xff", 1, ne_n, G_F32, 0), PQCHA_ERR_BAD_IDENTIFIER);
    CHECK_OK(one_tensor("\xc3\xa9t\xc3\xa9", 1, ne_n, G_F32, 0));
    /* a name longer than the cap */
    header(&b, 3, 1, 0);
    u64(&b, PQCHA__MAX_TENSOR_NAME_LEN + 1);
    fill(&b, 4096);
    CHECK_ERR(parse_buf(&b), PQCHA_ERR_TOO_LARGE);
    /* the file ends inside the tensor infos */
    header(&b, 3, 1, 0);
    tensor_info(&b, "x", 1, ne_n, G_F32, 0);
    b.len -= 3;
    CHECK_ERR(parse_buf(&b), PQCHA_ERR_MALFORMED);
    /* tensors but no room for the aligned data section (the infos end at 57) */
    header(&b, 3, 1, 0);
    const uint64_t zero[] = {0};
    tensor_info(&b, "x", 1, zero, G_F32, 0);
    REQUIRE(b.len == 57);
    CHECK_ERR(parse_buf(&b), PQCHA_ERR_MALFORMED);
    pad(&b, 32);
    CHECK_OK(parse_buf(&b));
}

static void test_overlap_and_duplicates(void) {
    header(&b, 3, 2, 0);
    tensor_info(&b, "a", 1, ne_n, G_F32, 0);
    tensor_info(&b, "b", 1, ne_n, G_F32, 32); /* a is 64 bytes */
    pad(&b, 32);
    fill(&b, 128);
    CHECK_ERR(parse_buf(&b), PQCHA_ERR_MALFORMED);
    header(&b, 3, 2, 0);
    tensor_info(&b, "a", 1, ne_n, G_F32, 0);
    tensor_info(&b, "a", 1, ne_n, G_F32, 64);
    pad(&b, 32);
    fill(&b, 128);
    CHECK_ERR(parse_buf(&b), PQCHA_ERR_MALFORMED);
    /* empty tensors may share an offset with anything */
    const uint64_t zero[] = {0};
    header(&b, 3, 3, 0);
    tensor_info(&b, "a", 1, ne_n, G_F32, 0);
    tensor_info(&b, "e", 1, zero, G_F32, 0);
    tensor_info(&b, "f", 1, zero, G_F32, 64);
    pad(&b, 32);
    fill(&b, 64);
    CHECK_OK(parse_buf(&b));
}

static void test_tensor_check(void) {
    pqcha__tensor t;
    memset(&t, 0, sizeof t);
    t.dtype = "Q4_K";
    t.ndims = 2;
    t.shape[0] = 512;
    t.shape[1] = 3;
    t.size = 2 * 144 * 3;
    CHECK_OK(pqcha__gguf_tensor_check(&t));
    t.size++;
    CHECK_ERR(pqcha__gguf_tensor_check(&t), PQCHA_ERR_INCONSISTENT_CLAIMS);
    t.dtype = "Q4_2";
    CHECK_ERR(pqcha__gguf_tensor_check(&t), PQCHA_ERR_UNSUPPORTED_ALGORITHM);
    t.dtype = "F32";
    t.ndims = 5;
    CHECK_ERR(pqcha__gguf_tensor_check(&t), PQCHA_ERR_MALFORMED);
}

/* The newest ggml types: NVFP4 (64 elements in 36 bytes), Q1_0 (128 in 18),
 * Q2_0 (64 in 18). */
static void test_newest_types(void) {
    static const struct {
        uint32_t id;
        const char *name;
        uint64_t block, bytes;
    } types[] = {{40, "NVFP4", 64, 36}, {41, "Q1_0", 128, 18}, {42, "Q2_0", 64, 18}};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        const uint64_t ne[] = {types[i].block * 2, 3};
        header(&b, 3, 1, 0);
        tensor_info(&b, "w", 2, ne, types[i].id, 0);
        pad(&b, 32);
        fill(&b, 4096);
        pqcha__tensor *t = NULL;
        size_t count = 0, need = 0;
        CHECK_OK(pqcha__gguf_parse(&t, &count, &need, b.data, b.len, b.len));
        if (count == 1) {
            CHECK_STR(t[0].dtype, types[i].name);
            CHECK(t[0].size == 2 * types[i].bytes * 3);
        }
        pqcha__tensors_free(t, count);
        const uint64_t odd[] = {types[i].block + 1, 1};
        CHECK_ERR(one_tensor("w", 2, odd, types[i].id, 0), PQCHA_ERR_MALFORMED);
    }
}

/* An unknown type is explained by naming the tensor and the type id; a name
 * with control characters is escaped in the explanation. */
static void test_unknown_type_explained(void) {
    header(&b, 3, 1, 0);
    tensor_info(&b, "blk.0.ffn_up.weight", 1, ne_n, 43, 0);
    pad(&b, 32);
    fill(&b, 4096);
    pqcha__tensor *t = NULL;
    size_t count = 0, need = 0;
    pqcha__diag diag = {""};
    CHECK_ERR(pqcha__gguf_parse_diag(&t, &count, &need, b.data, b.len, b.len, &diag),
              PQCHA_ERR_UNSUPPORTED_ALGORITHM);
    CHECK_STR(diag.text, "tensor 'blk.0.ffn_up.weight' has ggml type 43, which this version of "
                         "pqcha does not know");
    header(&b, 3, 1, 0);
    tensor_info(&b, "a\nVALID\x1b[8m", 1, ne_n, 99, 0);
    pad(&b, 32);
    fill(&b, 4096);
    CHECK_ERR(pqcha__gguf_parse_diag(&t, &count, &need, b.data, b.len, b.len, &diag),
              PQCHA_ERR_UNSUPPORTED_ALGORITHM);
    CHECK_STR(diag.text, "tensor 'a\\x0aVALID\\x1b[8m' has ggml type 99, which this version of "
                         "pqcha does not know");
}

TEST_MAIN(TEST(test_valid_v3_and_v2), TEST(test_newest_types), TEST(test_unknown_type_explained),
          TEST(test_no_tensors_default_alignment), TEST(test_other_alignment), TEST(test_need_more),
          TEST(test_fixed_header), TEST(test_strings), TEST(test_kv_types), TEST(test_alignment_kv),
          TEST(test_tensor_infos), TEST(test_overlap_and_duplicates), TEST(test_tensor_check))
