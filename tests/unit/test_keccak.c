/* test_keccak.c — every Keccak implementation (scalar, AVX2, AVX-512) against
 * OpenSSL's SHA3-256, against each other, and against the RFC 9861
 * TurboSHAKE128 / KT128 test vectors. */
#include <stdint.h>

#include <openssl/evp.h>

#include "core/keccak.h"
#include "testutil.h"

static const char *const impl_names[] = {"scalar", "avx2", "avx512"};
#define N_IMPLS (sizeof impl_names / sizeof impl_names[0])

/* The implementation called `name`, or NULL (with a note) if this CPU lacks it. */
static const pqcha__keccak_impl *impl_or_skip(const char *name, const char *test) {
    const pqcha__keccak_impl *impl = pqcha__keccak_by_name(name);
    if (impl == NULL) printf("  note: %s: no %s on this CPU, skipped\n", test, name);
    return impl;
}

/* ---- deterministic test data ---- */

static uint64_t prng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t xorshift64(void) {
    uint64_t x = prng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return prng_state = x;
}

static void fill_random(uint8_t *buf, size_t len) {
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(xorshift64() >> 56);
}

/* RFC 9861's ptn(n): the bytes 00 01 .. FA repeated. */
static uint8_t *ptn(size_t n) {
    uint8_t *p = malloc(n ? n : 1);
    for (size_t i = 0; p && i < n; i++)
        p[i] = (uint8_t)(i % 251);
    return p;
}

static size_t from_hex(uint8_t *out, const char *hex) {
    size_t n = 0;
    for (const char *p = hex; *p;) {
        if (*p == ' ') {
            p++;
            continue;
        }
        unsigned v;
        if (sscanf(p, "%2x", &v) != 1) break;
        out[n++] = (uint8_t)v;
        p += 2;
    }
    return n;
}

/* ---- OpenSSL reference ---- */

static void openssl_sha3_256(uint8_t out[32], int prefix, const uint8_t *msg, size_t len) {
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned out_len = 0;
    uint8_t p = (uint8_t)prefix;
    int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha3_256(), NULL) == 1 &&
             (prefix < 0 || EVP_DigestUpdate(ctx, &p, 1) == 1) &&
             EVP_DigestUpdate(ctx, msg, len) == 1 && EVP_DigestFinal_ex(ctx, out, &out_len) == 1;
    if (!ok) {
        fprintf(stderr, "OpenSSL SHA3-256 failed\n");
        exit(2);
    }
    EVP_MD_CTX_free(ctx);
}

/* ---- SHA3-256 lanes vs OpenSSL ---- */

#define MAX_MSG (64 * 1024 + 1)
/* Each lane's message starts at a different, odd offset so loads are unaligned. */
#define LANE_STRIDE (MAX_MSG + 3)

/* Hashes `len` bytes in every lane (distinct data per lane) and compares each
 * lane with OpenSSL; returns the number of mismatching lanes. */
static int sha3_lanes_mismatches(const pqcha__keccak_impl *impl, const uint8_t *data, size_t len,
                                 int prefix) {
    const uint8_t *msg[PQCHA__KECCAK_MAX_LANES];
    uint8_t digest[PQCHA__KECCAK_MAX_LANES][32];
    uint8_t *out[PQCHA__KECCAK_MAX_LANES];
    for (unsigned l = 0; l < impl->lanes; l++) {
        msg[l] = data + 1 + l * LANE_STRIDE;
        out[l] = digest[l];
    }
    pqcha__sha3_256_lanes(impl, out, msg, len, prefix);
    int bad = 0;
    for (unsigned l = 0; l < impl->lanes; l++) {
        uint8_t want[32];
        openssl_sha3_256(want, prefix, msg[l], len);
        bad += memcmp(digest[l], want, 32) != 0;
    }
    return bad;
}

static void test_sha3_256_lanes_match_openssl(void) {
    uint8_t *data = malloc(PQCHA__KECCAK_MAX_LANES * LANE_STRIDE + 1);
    REQUIRE(data != NULL);
    fill_random(data, PQCHA__KECCAK_MAX_LANES * LANE_STRIDE + 1);

    /* Around multiples of the 136-byte rate, sparser as they grow (481 * 136 + 1 <= MAX_MSG),
     * then the lengths around 64 KiB. */
    static const size_t blocks[] = {4,  5,   7,   8,   9,   15,  16,  17,  31,  32,  33, 60,
                                    64, 100, 120, 128, 200, 255, 256, 300, 400, 480, 481};
    static const size_t tails[] = {65535, 65536, 65537};
    for (size_t i = 0; i < N_IMPLS; i++) {
        const pqcha__keccak_impl *impl = impl_or_skip(impl_names[i], __func__);
        if (impl == NULL) continue;
        for (int prefix = -1; prefix <= 0xA5; prefix += 0xA6) { /* none, then 0xA5 */
            int bad = 0;
            for (size_t len = 0; len <= 3 * PQCHA__SHA3_256_RATE + 1; len++)
                bad += sha3_lanes_mismatches(impl, data, len, prefix);
            for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++)
                for (size_t len = blocks[b] * 136 - 1; len <= blocks[b] * 136 + 1; len++)
                    bad += sha3_lanes_mismatches(impl, data, len, prefix);
            for (size_t t = 0; t < sizeof tails / sizeof tails[0]; t++)
                bad += sha3_lanes_mismatches(impl, data, tails[t], prefix);
            if (bad)
                fprintf(stderr, "  %s prefix %d: %d mismatching lane digests\n", impl->name, prefix,
                        bad);
            CHECK(bad == 0);
        }
    }
    free(data);
}

static void test_sha3_256_lanes_empty_with_null_message(void) {
    static const char *const empty_hex =
        "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a";
    uint8_t want[32];
    from_hex(want, empty_hex);
    for (size_t i = 0; i < N_IMPLS; i++) {
        const pqcha__keccak_impl *impl = impl_or_skip(impl_names[i], __func__);
        if (impl == NULL) continue;
        const uint8_t *msg[PQCHA__KECCAK_MAX_LANES] = {0};
        uint8_t digest[PQCHA__KECCAK_MAX_LANES][32];
        uint8_t *out[PQCHA__KECCAK_MAX_LANES];
        for (unsigned l = 0; l < impl->lanes; l++)
            out[l] = digest[l];
        pqcha__sha3_256_lanes(impl, out, msg, 0, -1);
        for (unsigned l = 0; l < impl->lanes; l++)
            CHECK(memcmp(digest[l], want, 32) == 0);
    }
}

/* ---- the permutation ---- */

static void test_keccak_f1600_known_answer(void) {
    /* Keccak-f[1600] of the all-zero state (the Keccak team's reference value). */
    uint64_t s[25] = {0};
    pqcha__keccak_p1600(s, 24);
    CHECK(s[0] == 0xF1258F7940E1DDE7ULL);
    CHECK(s[1] == 0x84D5CCF933C0478AULL);
    CHECK(s[24] == 0xEAF1FF7B5CECA249ULL);
}

static void test_permute_equal_between_impls(void) {
    static const unsigned round_counts[] = {24, 12, 1, 7};
    for (size_t i = 1; i < N_IMPLS; i++) {
        const pqcha__keccak_impl *impl = impl_or_skip(impl_names[i], __func__);
        if (impl == NULL) continue;
        for (size_t r = 0; r < sizeof round_counts / sizeof round_counts[0]; r++) {
            uint64_t lanes_state[25 * PQCHA__KECCAK_MAX_LANES], one[PQCHA__KECCAK_MAX_LANES][25];
            for (unsigned l = 0; l < impl->lanes; l++)
                for (unsigned w = 0; w < 25; w++)
                    lanes_state[w * impl->lanes + l] = one[l][w] = xorshift64();
            impl->permute(lanes_state, round_counts[r]);
            for (unsigned l = 0; l < impl->lanes; l++) {
                pqcha__keccak_p1600(one[l], round_counts[r]);
                for (unsigned w = 0; w < 25; w++)
                    CHECK(lanes_state[w * impl->lanes + l] == one[l][w]);
            }
        }
    }
}

/* impl->absorb for any rate (multiple of 8 up to 168) equals XOR + scalar permute. */
static void test_absorb_equal_between_impls(void) {
    static const size_t rates[] = {8, 64, 72, 104, 136, 144, 168};
    static const unsigned round_counts[] = {24, 12};
    enum { NBLOCKS = 5 };
    uint8_t data[PQCHA__KECCAK_MAX_LANES][NBLOCKS * 168 + 1];
    fill_random(&data[0][0], sizeof data);
    for (size_t i = 1; i < N_IMPLS; i++) {
        const pqcha__keccak_impl *impl = impl_or_skip(impl_names[i], __func__);
        if (impl == NULL) continue;
        for (size_t ri = 0; ri < sizeof rates / sizeof rates[0]; ri++) {
            for (size_t rr = 0; rr < 2; rr++) {
                const size_t rate = rates[ri];
                const unsigned rounds = round_counts[rr];
                uint64_t st[25 * PQCHA__KECCAK_MAX_LANES], ref[PQCHA__KECCAK_MAX_LANES][25];
                const uint8_t *in[PQCHA__KECCAK_MAX_LANES];
                for (unsigned l = 0; l < impl->lanes; l++) {
                    in[l] = data[l] + 1; /* unaligned */
                    for (unsigned w = 0; w < 25; w++)
                        st[w * impl->lanes + l] = ref[l][w] = xorshift64();
                }
                impl->absorb(st, in, NBLOCKS, rate, rounds);
                int bad = 0;
                for (unsigned l = 0; l < impl->lanes; l++) {
                    const pqcha__keccak_impl *scalar = pqcha__keccak_by_name("scalar");
                    const uint8_t *one[1] = {in[l]};
                    scalar->absorb(ref[l], one, NBLOCKS, rate, rounds);
                    for (unsigned w = 0; w < 25; w++)
                        bad += st[w * impl->lanes + l] != ref[l][w];
                }
                if (bad)
                    fprintf(stderr, "  %s rate %zu rounds %u: %d words differ\n", impl->name, rate,
                            rounds, bad);
                CHECK(bad == 0);
            }
        }
    }
}

/* ---- TurboSHAKE128 (RFC 9861 §5) ---- */

typedef struct tshake_vector {
    size_t msg_len; /* ptn(msg_len) ... */
    size_t ff_len;  /* ... or, when msg_len is 0, ff_len bytes of 0xFF */
    uint8_t ds;
    size_t out_len; /* the expected value is the LAST 32 or 64 bytes */
    const char *want;
} tshake_vector;

static const tshake_vector tshake_vectors[] = {
    {0, 0, 0x07, 32,
     "5A 22 3A D3 0B 3B 8C 66 A2 43 04 8C FC ED 43 0F"
     "54 E7 52 92 87 D1 51 50 B9 73 13 3A DF AC 6A 2F"},
    {0, 0, 0x07, 64,
     "5A 22 3A D3 0B 3B 8C 66 A2 43 04 8C FC ED 43 0F"
     "54 E7 52 92 87 D1 51 50 B9 73 13 3A DF AC 6A 2F"
     "FE 27 08 E7 30 61 E0 9A 40 00 16 8B A9 C8 CA 18"
     "13 19 8F 7B BE D4 98 4B 41 85 F2 C2 58 0E E6 23"},
    {0, 0, 0x07, 10032,
     "75 93 A2 80 20 A3 C4 AE 0D 60 5F D6 1F 5E B5 6E"
     "CC D2 7C C3 D1 2F F0 9F 78 36 97 72 A4 60 C5 5D"},
    {1, 0, 0x07, 32,
     "1A C2 D4 50 FC 3B 42 05 D1 9D A7 BF CA 1B 37 51"
     "3C 08 03 57 7A C7 16 7F 06 FE 2C E1 F0 EF 39 E5"},
    {17, 0, 0x07, 32,
     "AC BD 4A A5 75 07 04 3B CE E5 5A D3 F4 85 04 D8"
     "15 E7 07 FE 82 EE 3D AD 6D 58 52 C8 92 0B 90 5E"},
    {289, 0, 0x07, 32,
     "7A 4D E8 B1 D9 27 A6 82 B9 29 61 01 03 F0 E9 64"
     "55 9B D7 45 42 CF AD 74 0E E3 D9 B0 36 46 9E 0A"},
    {4913, 0, 0x07, 32,
     "74 52 ED 0E D8 60 AA 8F E8 E7 96 99 EC E3 24 F8"
     "D9 32 71 46 36 10 DA 76 80 1E BC EE 4F CA FE 42"},
    {83521, 0, 0x07, 32,
     "CA 5F 1F 3E EA C9 92 CD C2 AB EB CA 0E 21 67 65"
     "DB F7 79 C3 C1 09 46 05 5A 94 AB 32 72 57 35 22"},
    {1419857, 0, 0x07, 32,
     "E9 88 19 3F B9 11 9F 11 CD 34 46 79 14 E2 A2 6D"
     "A9 BD F9 6C 8B EF 07 6A EE AD 1A 89 7B 86 63 83"},
    {0, 0, 0x0B, 32,
     "8B 03 5A B8 F8 EA 7B 41 02 17 16 74 58 33 2E 46"
     "F5 4B E4 FF 83 54 BA F3 68 71 04 A6 D2 4B 0E AB"},
    {0, 0, 0x06, 32,
     "C7 90 29 30 6B FA 2F 17 83 6A 3D 65 16 D5 56 63"
     "40 FE A6 EB 1A 11 39 AD 90 0B 41 24 3C 49 4B 37"},
    {0, 1, 0x06, 32,
     "8E C9 C6 64 65 ED 0D 4A 6C 35 D1 35 06 71 8D 68"
     "7A 25 CB 05 C7 4C CA 1E 42 50 1A BD 83 87 4A 67"},
    {0, 3, 0x06, 32,
     "3D 03 98 8B B5 9E 68 18 51 A1 92 F4 29 AE 03 98"
     "8E 8F 44 4B C0 60 36 A3 F1 A7 D2 CC D7 58 D1 74"},
    {0, 7, 0x06, 32,
     "05 D9 AE 67 3D 5F 0E 48 BB 2B 57 E8 80 21 A1 A8"
     "3D 70 BA 85 92 3A A0 4C 12 E8 F6 5B A1 F9 45 95"},
};

static uint8_t *tshake_vector_message(const tshake_vector *v, size_t *len) {
    if (v->msg_len > 0) {
        *len = v->msg_len;
        return ptn(v->msg_len);
    }
    *len = v->ff_len;
    uint8_t *m = malloc(v->ff_len + 1);
    if (m) memset(m, 0xFF, v->ff_len);
    return m;
}

static void test_turboshake128_rfc9861_vectors(void) {
    for (size_t k = 0; k < sizeof tshake_vectors / sizeof tshake_vectors[0]; k++) {
        const tshake_vector *v = &tshake_vectors[k];
        uint8_t want[64];
        size_t want_len = from_hex(want, v->want);
        size_t len;
        uint8_t *msg = tshake_vector_message(v, &len);
        uint8_t *got = malloc(v->out_len);
        REQUIRE(msg != NULL && got != NULL);

        /* The single-stream sponge, fed in two uneven pieces. */
        pqcha__tshake t;
        pqcha__tshake_init(&t);
        pqcha__tshake_absorb(&t, msg, len / 3);
        pqcha__tshake_absorb(&t, msg + len / 3, len - len / 3);
        pqcha__tshake_final(&t, v->ds, got, v->out_len);
        CHECK(memcmp(got + v->out_len - want_len, want, want_len) == 0);

        /* Every implementation, the vector in each lane in turn (others get junk). */
        for (size_t i = 0; i < N_IMPLS; i++) {
            const pqcha__keccak_impl *impl = impl_or_skip(impl_names[i], __func__);
            if (impl == NULL) continue;
            uint8_t *junk = malloc(len + 1);
            uint8_t *junk_out = malloc(v->out_len);
            REQUIRE(junk != NULL && junk_out != NULL);
            fill_random(junk, len + 1);
            for (unsigned target = 0; target<impl->lanes; target += impl->lanes> 1 ? 3 : 1) {
                const uint8_t *in[PQCHA__KECCAK_MAX_LANES];
                uint8_t *out[PQCHA__KECCAK_MAX_LANES];
                for (unsigned l = 0; l < impl->lanes; l++) {
                    in[l] = l == target ? msg : junk;
                    out[l] = l == target ? got : junk_out;
                }
                memset(got, 0, v->out_len);
                pqcha__turboshake128_lanes(impl, out, v->out_len, in, len, v->ds);
                if (memcmp(got + v->out_len - want_len, want, want_len) != 0) {
                    fprintf(stderr, "  %s: TurboSHAKE128 vector %zu wrong in lane %u\n", impl->name,
                            k, target);
                    CHECK(0);
                }
            }
            free(junk);
            free(junk_out);
        }
        free(msg);
        free(got);
    }
}

/* ---- KT128 (RFC 9861 §5) ---- */

typedef struct kt128_vector {
    size_t msg_len; /* ptn(msg_len), or if ff_msg, msg_len bytes of 0xFF */
    int ff_msg;
    size_t custom_len; /* ptn(custom_len) */
    size_t out_len;    /* the expected value is the LAST 32 or 64 bytes */
    const char *want;
} kt128_vector;

static const kt128_vector kt128_vectors[] = {
    {0, 0, 0, 32, "1AC2D450FC3B4205D19DA7BFCA1B37513C0803577AC7167F06FE2CE1F0EF39E5"},
    {0, 0, 0, 64,
     "1AC2D450FC3B4205D19DA7BFCA1B37513C0803577AC7167F06FE2CE1F0EF39E5"
     "4269C056B8C82E48276038B6D292966CC07A3D4645272E31FF38508139EB0A71"},
    {0, 0, 0, 10032, "E8DC563642F7228C84684C898405D3A834799158C079B12880277A1D28E2FF6D"},
    {1, 0, 0, 32, "2BDA92450E8B147F8A7CB629E784A058EFCA7CF7D8218E02D345DFAA65244A1F"},
    {17, 0, 0, 32, "6BF75FA2239198DB4772E36478F8E19B0F371205F6A9A93A273F51DF37122888"},
    {289, 0, 0, 32, "0C315EBCDEDBF61426DE7DCF8FB725D1E74675D7F5327A5067F367B108ECB67C"},
    {4913, 0, 0, 32, "CB552E2EC77D9910701D578B457DDF772C12E322E4EE7FE417F92C758F0D59D0"},
    {83521, 0, 0, 32, "8701045E22205345FF4DDA05555CBB5C3AF1A771C2B89BAEF37DB43D9998B9FE"},
    {1419857, 0, 0, 32, "844D610933B1B9963CBDEB5AE3B6B05CC7CBD67CEEDF883EB678A0A8E0371682"},
    {0, 0, 1, 32, "FAB658DB63E94A246188BF7AF69A133045F46EE984C56E3C3328CAAF1AA1A583"},
    {1, 1, 41, 32, "D848C5068CED736F4462159B9867FD4C20B808ACC3D5BC48E0B06BA0A3762EC4"},
    {3, 1, 1681, 32, "C389E5009AE57120854C2E8C64670AC01358CF4C1BAF89447A724234DC7CED74"},
    {7, 1, 68921, 32, "75D2F86A2E644566726B4FBCFC5657B9DBCF070C7B0DCA06450AB291D7443BCF"},
    {8191, 0, 0, 32, "1B577636F723643E990CC7D6A659837436FD6A103626600EB8301CD1DBE553D6"},
    {8192, 0, 0, 32, "48F256F6772F9EDFB6A8B661EC92DC93B95EBD05A08A17B39AE3490870C926C3"},
    {8192, 0, 8189, 32, "3ED12F70FB05DDB58689510AB3E4D23C6C6033849AA01E1D8C220A297FEDCD0B"},
    {8192, 0, 8190, 32, "6A7C1B6A5CD0D8C9CA943A4A216CC64604559A2EA45F78570A15253D67BA00AE"},
};

static void test_kt128_rfc9861_vectors(void) {
    for (size_t k = 0; k < sizeof kt128_vectors / sizeof kt128_vectors[0]; k++) {
        const kt128_vector *v = &kt128_vectors[k];
        uint8_t want[64];
        size_t want_len = from_hex(want, v->want);
        uint8_t *msg = ptn(v->msg_len);
        uint8_t *custom = ptn(v->custom_len);
        uint8_t *got = malloc(v->out_len);
        REQUIRE(msg != NULL && custom != NULL && got != NULL);
        if (v->ff_msg) memset(msg, 0xFF, v->msg_len);
        for (size_t i = 0; i < N_IMPLS; i++) {
            const pqcha__keccak_impl *impl = impl_or_skip(impl_names[i], __func__);
            if (impl == NULL) continue;
            memset(got, 0, v->out_len);
            pqcha__k12(impl, got, v->out_len, v->msg_len ? msg : NULL, v->msg_len,
                       v->custom_len ? custom : NULL, v->custom_len);
            if (memcmp(got + v->out_len - want_len, want, want_len) != 0) {
                fprintf(stderr, "  %s: KT128 vector %zu (|M| %zu, |C| %zu) wrong\n", impl->name, k,
                        v->msg_len, v->custom_len);
                CHECK(0);
            }
        }
        /* impl NULL means the best one. */
        memset(got, 0, v->out_len);
        pqcha__k12(NULL, got, v->out_len, msg, v->msg_len, custom, v->custom_len);
        CHECK(memcmp(got + v->out_len - want_len, want, want_len) == 0);
        free(msg);
        free(custom);
        free(got);
    }
}

static void test_k12_length_encode(void) {
    /* RFC 9861 §3.3's examples, and the extremes. */
    uint8_t out[9];
    CHECK(pqcha__k12_length_encode(out, 0) == 1 && out[0] == 0x00);
    CHECK(pqcha__k12_length_encode(out, 12) == 2 && out[0] == 0x0C && out[1] == 0x01);
    CHECK(pqcha__k12_length_encode(out, 65538) == 4 && out[0] == 0x01 && out[1] == 0x00 &&
          out[2] == 0x02 && out[3] == 0x03);
    CHECK(pqcha__k12_length_encode(out, UINT64_MAX) == 9 && out[0] == 0xFF && out[7] == 0xFF &&
          out[8] == 0x08);
}

/* ---- K12 building blocks across implementations ---- */

static void test_k12_leaf_cvs_equal_between_impls(void) {
    enum { MAX_CHUNKS = 19 };
    uint8_t *chunks = malloc(MAX_CHUNKS * PQCHA__K12_CHUNK);
    REQUIRE(chunks != NULL);
    fill_random(chunks, MAX_CHUNKS * PQCHA__K12_CHUNK);

    /* The reference: each chunk through the single-stream sponge. */
    uint8_t want[MAX_CHUNKS][PQCHA__K12_CV_LEN];
    for (size_t c = 0; c < MAX_CHUNKS; c++) {
        pqcha__tshake t;
        pqcha__tshake_init(&t);
        pqcha__tshake_absorb(&t, chunks + c * PQCHA__K12_CHUNK, PQCHA__K12_CHUNK);
        pqcha__tshake_final(&t, 0x0B, want[c], PQCHA__K12_CV_LEN);
    }
    static const size_t counts[] = {1, 2, 3, 4, 5, 7, 8, 9, 12, 16, 17, MAX_CHUNKS};
    for (size_t i = 0; i < N_IMPLS; i++) {
        const pqcha__keccak_impl *impl = impl_or_skip(impl_names[i], __func__);
        if (impl == NULL) continue;
        for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
            uint8_t got[MAX_CHUNKS + 1][PQCHA__K12_CV_LEN];
            memset(got, 0xEE, sizeof got);
            pqcha__k12_leaf_cvs(impl, &got[0][0], chunks, counts[k]);
            CHECK(memcmp(got, want, counts[k] * PQCHA__K12_CV_LEN) == 0);
            /* Nothing written past the n-th CV (idle lanes write to scratch). */
            CHECK(got[counts[k]][0] == 0xEE && got[counts[k]][PQCHA__K12_CV_LEN - 1] == 0xEE);
        }
    }
    free(chunks);
}

static void test_k12_scalar_equals_lanes(void) {
    /* Lengths that put the M/C/length_encode boundaries on and around chunk edges,
     * and enough chunks to fill all 8 lanes more than once. */
    static const size_t msg_lens[] = {8190,           8191,         8192,
                                      8193,           3 * 8192 - 2, 3 * 8192,
                                      9 * 8192 + 100, 18 * 8192,    25 * 8192 + 8191};
    static const size_t custom_lens[] = {0, 1, 8191, 8192 + 3};
    const size_t max_msg = 25 * 8192 + 8191, max_custom = 8192 + 3;
    uint8_t *msg = malloc(max_msg);
    uint8_t *custom = malloc(max_custom);
    REQUIRE(msg != NULL && custom != NULL);
    fill_random(msg, max_msg);
    fill_random(custom, max_custom);
    const pqcha__keccak_impl *scalar = pqcha__keccak_by_name("scalar");
    REQUIRE(scalar != NULL);
    for (size_t i = 1; i < N_IMPLS; i++) {
        const pqcha__keccak_impl *impl = impl_or_skip(impl_names[i], __func__);
        if (impl == NULL) continue;
        for (size_t m = 0; m < sizeof msg_lens / sizeof msg_lens[0]; m++) {
            for (size_t c = 0; c < sizeof custom_lens / sizeof custom_lens[0]; c++) {
                uint8_t a[40], b[40];
                pqcha__k12(scalar, a, sizeof a, msg, msg_lens[m], custom, custom_lens[c]);
                pqcha__k12(impl, b, sizeof b, msg, msg_lens[m], custom, custom_lens[c]);
                if (memcmp(a, b, sizeof a) != 0) {
                    fprintf(stderr, "  %s: KT128 |M| %zu |C| %zu differs from scalar\n", impl->name,
                            msg_lens[m], custom_lens[c]);
                    CHECK(0);
                }
            }
        }
    }
    free(msg);
    free(custom);
}

/* ---- dispatch ---- */

static void test_dispatch(void) {
    const pqcha__keccak_impl *best = pqcha__keccak_best();
    REQUIRE(best != NULL);
    CHECK(pqcha__keccak_best() == best); /* decided once */
    CHECK(pqcha__keccak_by_name(best->name) == best);
    CHECK(best->lanes == 1 || best->lanes == 4 || best->lanes == 8);
    const pqcha__keccak_impl *scalar = pqcha__keccak_by_name("scalar");
    REQUIRE(scalar != NULL);
    CHECK(scalar->lanes == 1);
    CHECK(pqcha__keccak_by_name("avx") == NULL);
    CHECK(pqcha__keccak_by_name("") == NULL);
    CHECK(pqcha__keccak_by_name(NULL) == NULL);
    const pqcha__keccak_impl *avx2 = pqcha__keccak_by_name("avx2");
    const pqcha__keccak_impl *avx512 = pqcha__keccak_by_name("avx512");
    CHECK(avx2 == NULL || avx2->lanes == 4);
    CHECK(avx512 == NULL || avx512->lanes == 8);
    if (avx512 != NULL) CHECK(best == avx512); /* the widest one wins */
    printf("  note: best Keccak implementation here: %s (%u lanes)\n", best->name, best->lanes);
}

TEST_MAIN(TEST(test_dispatch), TEST(test_keccak_f1600_known_answer),
          TEST(test_permute_equal_between_impls), TEST(test_absorb_equal_between_impls),
          TEST(test_sha3_256_lanes_empty_with_null_message),
          TEST(test_sha3_256_lanes_match_openssl), TEST(test_turboshake128_rfc9861_vectors),
          TEST(test_kt128_rfc9861_vectors), TEST(test_k12_length_encode),
          TEST(test_k12_leaf_cvs_equal_between_impls), TEST(test_k12_scalar_equals_lanes))
