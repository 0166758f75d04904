/* keccak_avx2.c — Keccak-p[1600, nr] on 4 independent states with AVX2.
 *
 * Layout: ymm "register" w holds word w of all 4 lanes (the lane-interleaved
 * layout of keccak.h), so the permutation needs no shuffles. With only 16 ymm
 * registers the 25 words cannot all stay in registers; the compiler spills
 * some to the stack, which L1 absorbs well.
 *
 * Only the functions carry target("avx2"): the file compiles with the
 * project's portable flags and is called only after a CPU check. */
#include "core/keccak.h"

#if defined(__x86_64__)

#include <immintrin.h>

#define AVX2        __attribute__((target("avx2")))
#define AVX2_INLINE static inline __attribute__((always_inline, target("avx2")))

/* AVX2 has no 64-bit rotate: shift left, shift right, OR. Rotations by 8 and
 * 56 move whole bytes, so one vpshufb does them instead of three ops. */
AVX2_INLINE __m256i rol(__m256i x, const int n) {
    if (n == 8)
        return _mm256_shuffle_epi8(x, _mm256_set_epi8(14, 13, 12, 11, 10, 9, 8, 15, 6, 5, 4, 3, 2,
                                                      1, 0, 7, 14, 13, 12, 11, 10, 9, 8, 15, 6, 5,
                                                      4, 3, 2, 1, 0, 7));
    if (n == 56)
        return _mm256_shuffle_epi8(x, _mm256_set_epi8(8, 15, 14, 13, 12, 11, 10, 9, 0, 7, 6, 5, 4,
                                                      3, 2, 1, 8, 15, 14, 13, 12, 11, 10, 9, 0, 7,
                                                      6, 5, 4, 3, 2, 1));
    return _mm256_or_si256(_mm256_slli_epi64(x, n), _mm256_srli_epi64(x, 64 - n));
}

#define XOR(a, b)           _mm256_xor_si256((a), (b))
#define XOR5(a, b, c, d, e) XOR(XOR(XOR(a, b), XOR(c, d)), e)
#define ROL(x, n)           rol((x), (n))
/* chi: a ^ (~b & c); vpandn computes ~first & second. */
#define CHI(a, b, c) XOR((a), _mm256_andnot_si256((b), (c)))

#define CHI_ROW(o0, o1, o2, o3, o4, b0, b1, b2, b3, b4)                     \
    do {                                                                    \
        __m256i b0_ = (b0), b1_ = (b1), b2_ = (b2), b3_ = (b3), b4_ = (b4); \
        o0 = CHI(b0_, b1_, b2_);                                            \
        o1 = CHI(b1_, b2_, b3_);                                            \
        o2 = CHI(b2_, b3_, b4_);                                            \
        o3 = CHI(b3_, b4_, b0_);                                            \
        o4 = CHI(b4_, b0_, b1_);                                            \
    } while (0)

/* One round from A##0..24 (index x + 5y) into E##0..24; see keccak_avx512.c
 * for the row/offset bookkeeping, which is identical. */
#define ROUND(A, E, rc)                                                                            \
    do {                                                                                           \
        __m256i c0_ = XOR5(A##0, A##5, A##10, A##15, A##20);                                       \
        __m256i c1_ = XOR5(A##1, A##6, A##11, A##16, A##21);                                       \
        __m256i c2_ = XOR5(A##2, A##7, A##12, A##17, A##22);                                       \
        __m256i c3_ = XOR5(A##3, A##8, A##13, A##18, A##23);                                       \
        __m256i c4_ = XOR5(A##4, A##9, A##14, A##19, A##24);                                       \
        __m256i d0_ = XOR(c4_, ROL(c1_, 1)), d1_ = XOR(c0_, ROL(c2_, 1));                          \
        __m256i d2_ = XOR(c1_, ROL(c3_, 1)), d3_ = XOR(c2_, ROL(c4_, 1));                          \
        __m256i d4_ = XOR(c3_, ROL(c0_, 1));                                                       \
        CHI_ROW(E##0, E##1, E##2, E##3, E##4, XOR(A##0, d0_), ROL(XOR(A##6, d1_), 44),             \
                ROL(XOR(A##12, d2_), 43), ROL(XOR(A##18, d3_), 21), ROL(XOR(A##24, d4_), 14));     \
        E##0 = XOR(E##0, _mm256_set1_epi64x((long long)(rc)));                                     \
        CHI_ROW(E##5, E##6, E##7, E##8, E##9, ROL(XOR(A##3, d3_), 28), ROL(XOR(A##9, d4_), 20),    \
                ROL(XOR(A##10, d0_), 3), ROL(XOR(A##16, d1_), 45), ROL(XOR(A##22, d2_), 61));      \
        CHI_ROW(E##10, E##11, E##12, E##13, E##14, ROL(XOR(A##1, d1_), 1), ROL(XOR(A##7, d2_), 6), \
                ROL(XOR(A##13, d3_), 25), ROL(XOR(A##19, d4_), 8), ROL(XOR(A##20, d0_), 18));      \
        CHI_ROW(E##15, E##16, E##17, E##18, E##19, ROL(XOR(A##4, d4_), 27),                        \
                ROL(XOR(A##5, d0_), 36), ROL(XOR(A##11, d1_), 10), ROL(XOR(A##17, d2_), 15),       \
                ROL(XOR(A##23, d3_), 56));                                                         \
        CHI_ROW(E##20, E##21, E##22, E##23, E##24, ROL(XOR(A##2, d2_), 62),                        \
                ROL(XOR(A##8, d3_), 55), ROL(XOR(A##14, d4_), 39), ROL(XOR(A##15, d0_), 41),       \
                ROL(XOR(A##21, d1_), 2));                                                          \
    } while (0)

#define FOR_EACH_WORD(map)                                                                        \
    map(0) map(1) map(2) map(3) map(4) map(5) map(6) map(7) map(8) map(9) map(10) map(11) map(12) \
        map(13) map(14) map(15) map(16) map(17) map(18) map(19) map(20) map(21) map(22) map(23)   \
            map(24)
#define DECLARE_STATE(i) \
    __m256i a##i = _mm256_loadu_si256((const __m256i *)(const void *)(state + 4 * (i))), e##i;
#define STORE_STATE(i) _mm256_storeu_si256((__m256i *)(void *)(state + 4 * (i)), a##i);
#define COPY_E_TO_A(i) a##i = e##i;

/* Keccak-p[1600, rounds] on a0..a24, rounds in pairs (a -> e -> a). */
#define PERMUTE_REGISTERS(rounds)                            \
    do {                                                     \
        const uint64_t *rc_ = pqcha__keccak_round_constants; \
        unsigned r_ = 24 - (rounds);                         \
        if ((rounds)&1) {                                    \
            ROUND(a, e, rc_[r_]);                            \
            FOR_EACH_WORD(COPY_E_TO_A)                       \
            r_++;                                            \
        }                                                    \
        for (; r_ < 24; r_ += 2) {                           \
            ROUND(a, e, rc_[r_]);                            \
            ROUND(e, a, rc_[r_ + 1]);                        \
        }                                                    \
    } while (0)

/* Words 4g .. 4g+3 of the block at byte offset off for the 4 lanes, as
 * r[word][lane]: one 256-bit load per lane, then a 4x4 transpose. Words at or
 * beyond `words` read as zero (vpmaskmovq does not touch masked-off memory). */
AVX2_INLINE void load_group(__m256i r[4], const uint8_t *const *in, size_t off, unsigned g,
                            unsigned words) {
    /* Spelled out rather than looped: at -O2 gcc keeps a looped row[] in memory. */
    const size_t at = off + 32 * (size_t)g;
    const unsigned have = words - 4 * g;
    __m256i row[4];
    if (have >= 4) {
        row[0] = _mm256_loadu_si256((const __m256i *)(const void *)(in[0] + at));
        row[1] = _mm256_loadu_si256((const __m256i *)(const void *)(in[1] + at));
        row[2] = _mm256_loadu_si256((const __m256i *)(const void *)(in[2] + at));
        row[3] = _mm256_loadu_si256((const __m256i *)(const void *)(in[3] + at));
    } else {
        const __m256i mask = _mm256_set_epi64x(have > 3 ? -1 : 0, have > 2 ? -1 : 0,
                                               have > 1 ? -1 : 0, have > 0 ? -1 : 0);
        row[0] = _mm256_maskload_epi64((const long long *)(const void *)(in[0] + at), mask);
        row[1] = _mm256_maskload_epi64((const long long *)(const void *)(in[1] + at), mask);
        row[2] = _mm256_maskload_epi64((const long long *)(const void *)(in[2] + at), mask);
        row[3] = _mm256_maskload_epi64((const long long *)(const void *)(in[3] + at), mask);
    }
    /* lanes 0,1 (resp. 2,3) of words 0,2 and of words 1,3 ... */
    __m256i t0 = _mm256_unpacklo_epi64(row[0], row[1]), t1 = _mm256_unpackhi_epi64(row[0], row[1]);
    __m256i t2 = _mm256_unpacklo_epi64(row[2], row[3]), t3 = _mm256_unpackhi_epi64(row[2], row[3]);
    /* ... then low 128-bit halves give words 0/1, high halves words 2/3. */
    r[0] = _mm256_permute2x128_si256(t0, t2, 0x20);
    r[1] = _mm256_permute2x128_si256(t1, t3, 0x20);
    r[2] = _mm256_permute2x128_si256(t0, t2, 0x31);
    r[3] = _mm256_permute2x128_si256(t1, t3, 0x31);
}

#define XOR_GROUP(g, w0, w1, w2, w3)        \
    if (4 * (g) < words) {                  \
        __m256i r[4];                       \
        load_group(r, in, off, (g), words); \
        a##w0 = XOR(a##w0, r[0]);           \
        a##w1 = XOR(a##w1, r[1]);           \
        a##w2 = XOR(a##w2, r[2]);           \
        a##w3 = XOR(a##w3, r[3]);           \
    }

/* The absorb loop, inlined with a constant `words` for the common rates. */
AVX2_INLINE void absorb_words(uint64_t *state, const uint8_t *const *in, size_t nblocks,
                              const unsigned words, unsigned rounds) {
    FOR_EACH_WORD(DECLARE_STATE)
    for (size_t k = 0, off = 0; k < nblocks; k++, off += 8 * words) {
        XOR_GROUP(0, 0, 1, 2, 3)
        XOR_GROUP(1, 4, 5, 6, 7)
        XOR_GROUP(2, 8, 9, 10, 11)
        XOR_GROUP(3, 12, 13, 14, 15)
        XOR_GROUP(4, 16, 17, 18, 19)
        XOR_GROUP(5, 20, 21, 22, 23) /* rate <= 168 bytes = 21 words: word 24 never */
        PERMUTE_REGISTERS(rounds);
    }
    FOR_EACH_WORD(STORE_STATE)
}

static AVX2 void absorb4(uint64_t *state, const uint8_t *const *in, size_t nblocks,
                         size_t rate_bytes, unsigned rounds) {
    switch (rate_bytes) {
    case PQCHA__SHA3_256_RATE:
        absorb_words(state, in, nblocks, PQCHA__SHA3_256_RATE / 8, rounds);
        break;
    case PQCHA__TURBOSHAKE128_RATE:
        absorb_words(state, in, nblocks, PQCHA__TURBOSHAKE128_RATE / 8, rounds);
        break;
    default: absorb_words(state, in, nblocks, (unsigned)(rate_bytes / 8), rounds); break;
    }
}

static AVX2 void permute4(uint64_t *state, unsigned rounds) {
    FOR_EACH_WORD(DECLARE_STATE)
    PERMUTE_REGISTERS(rounds);
    FOR_EACH_WORD(STORE_STATE)
}

static const pqcha__keccak_impl avx2_impl = {
    .name = "avx2", .lanes = 4, .absorb = absorb4, .permute = permute4};

const pqcha__keccak_impl *pqcha__keccak_avx2_impl(void) {
    return &avx2_impl;
}

#else /* not x86-64: no AVX2 */

const pqcha__keccak_impl *pqcha__keccak_avx2_impl(void) {
    return 0;
}

#endif
