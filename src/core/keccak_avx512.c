/* keccak_avx512.c — Keccak-p[1600, nr] on 8 independent states with AVX-512.
 *
 * Layout: zmm register w holds word w of all 8 lanes (the lane-interleaved
 * layout of keccak.h), so one instruction does the same step for 8 states
 * and no shuffling is needed inside the permutation. The 25 words are locals
 * that live across the whole absorb loop, written so that they fit the 32 zmm
 * registers: memory is meant to be touched only to load message words and, at
 * the ends, the state. (clang 14 manages that; gcc 12 -O2 still spills about
 * ten zmm accesses per round, roughly 10% of the round's instructions.)
 *
 * Only the functions carry target("avx512f,avx512vl"): the file compiles with
 * the project's portable flags and is called only after a CPU check. */
#include "core/keccak.h"

#if defined(__x86_64__)

#include <immintrin.h>

#define AVX512        __attribute__((target("avx512f,avx512vl")))
#define AVX512_INLINE static inline __attribute__((always_inline, target("avx512f,avx512vl")))

/* vpternlogq evaluates any 3-input boolean function; the immediate is its
 * truth table indexed by (a << 2 | b << 1 | c). 0x96 = a ^ b ^ c (theta's
 * column parities in two instructions instead of four); 0xD2 = a ^ (~b & c)
 * (chi in one instruction instead of two). */
#define XOR3(a, b, c) _mm512_ternarylogic_epi64((a), (b), (c), 0x96)
#define CHI(a, b, c)  _mm512_ternarylogic_epi64((a), (b), (c), 0xD2)
#define XOR(a, b)     _mm512_xor_si512((a), (b))
#define ROL(x, n)     _mm512_rol_epi64((x), (n))

#define CHI_ROW(o0, o1, o2, o3, o4, b0, b1, b2, b3, b4)                     \
    do {                                                                    \
        __m512i b0_ = (b0), b1_ = (b1), b2_ = (b2), b3_ = (b3), b4_ = (b4); \
        o0 = CHI(b0_, b1_, b2_);                                            \
        o1 = CHI(b1_, b2_, b3_);                                            \
        o2 = CHI(b2_, b3_, b4_);                                            \
        o3 = CHI(b3_, b4_, b0_);                                            \
        o4 = CHI(b4_, b0_, b1_);                                            \
    } while (0)

/* theta's second half: XOR D[x] into the five words of column x. Applying it
 * in place (rather than fused into each word's rotation below) lets the five
 * D values die early, which keeps the round within the 32 zmm registers. */
#define THETA_APPLY(d, w0, w1, w2, w3, w4) \
    do {                                   \
        const __m512i d_ = (d);            \
        w0 = XOR(w0, d_);                  \
        w1 = XOR(w1, d_);                  \
        w2 = XOR(w2, d_);                  \
        w3 = XOR(w3, d_);                  \
        w4 = XOR(w4, d_);                  \
    } while (0)

/* One round from state names A##0..24 (index x + 5y) into E##0..24. Output
 * row Y of rho-pi-chi takes, for X = 0..4, input word (x, y) with y = X and
 * x = X + 3Y mod 5 (pi inverted), rotated by its rho offset. */
#define ROUND(A, E, rc)                                                                            \
    do {                                                                                           \
        __m512i c0_ = XOR3(XOR3(A##0, A##5, A##10), A##15, A##20);                                 \
        __m512i c1_ = XOR3(XOR3(A##1, A##6, A##11), A##16, A##21);                                 \
        __m512i c2_ = XOR3(XOR3(A##2, A##7, A##12), A##17, A##22);                                 \
        __m512i c3_ = XOR3(XOR3(A##3, A##8, A##13), A##18, A##23);                                 \
        __m512i c4_ = XOR3(XOR3(A##4, A##9, A##14), A##19, A##24);                                 \
        THETA_APPLY(XOR(c4_, ROL(c1_, 1)), A##0, A##5, A##10, A##15, A##20);                       \
        THETA_APPLY(XOR(c0_, ROL(c2_, 1)), A##1, A##6, A##11, A##16, A##21);                       \
        THETA_APPLY(XOR(c1_, ROL(c3_, 1)), A##2, A##7, A##12, A##17, A##22);                       \
        THETA_APPLY(XOR(c2_, ROL(c4_, 1)), A##3, A##8, A##13, A##18, A##23);                       \
        THETA_APPLY(XOR(c3_, ROL(c0_, 1)), A##4, A##9, A##14, A##19, A##24);                       \
        CHI_ROW(E##0, E##1, E##2, E##3, E##4, A##0, ROL(A##6, 44), ROL(A##12, 43), ROL(A##18, 21), \
                ROL(A##24, 14));                                                                   \
        E##0 = XOR(E##0, _mm512_set1_epi64((long long)(rc)));                                      \
        CHI_ROW(E##5, E##6, E##7, E##8, E##9, ROL(A##3, 28), ROL(A##9, 20), ROL(A##10, 3),         \
                ROL(A##16, 45), ROL(A##22, 61));                                                   \
        CHI_ROW(E##10, E##11, E##12, E##13, E##14, ROL(A##1, 1), ROL(A##7, 6), ROL(A##13, 25),     \
                ROL(A##19, 8), ROL(A##20, 18));                                                    \
        CHI_ROW(E##15, E##16, E##17, E##18, E##19, ROL(A##4, 27), ROL(A##5, 36), ROL(A##11, 10),   \
                ROL(A##17, 15), ROL(A##23, 56));                                                   \
        CHI_ROW(E##20, E##21, E##22, E##23, E##24, ROL(A##2, 62), ROL(A##8, 55), ROL(A##14, 39),   \
                ROL(A##15, 41), ROL(A##21, 2));                                                    \
    } while (0)

#define FOR_EACH_WORD(map)                                                                        \
    map(0) map(1) map(2) map(3) map(4) map(5) map(6) map(7) map(8) map(9) map(10) map(11) map(12) \
        map(13) map(14) map(15) map(16) map(17) map(18) map(19) map(20) map(21) map(22) map(23)   \
            map(24)
#define DECLARE_STATE(i) __m512i a##i = _mm512_loadu_si512(state + 8 * (i)), e##i;
#define STORE_STATE(i)   _mm512_storeu_si512(state + 8 * (i), a##i);
#define COPY_E_TO_A(i)   a##i = e##i;

/* Keccak-p[1600, rounds] on the registers a0..a24 (e0..e24 are scratch).
 * Rounds run in pairs (a -> e -> a) so no copies are needed. */
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

/* ---- loading one block of message words for 8 lanes ----
 * Word w of lane l sits at in[l] + 8w, but a register wants word w of all
 * lanes. Two ways were measured on this Zen 5 (gcc 12 -O2, one core): a
 * vpgatherqq per word with per-lane offsets gave 4.45 GB/s for 8-lane SHA3-256
 * and 8.0 GB/s for K12 leaves; 8 contiguous 64-byte loads per group of 8 words
 * followed by an 8x8 transpose (24 shuffles) gave 5.4 and 12 GB/s. The
 * transpose stays (gathers are microcoded, one load per element). */

/* Transposes the 8x8 matrix of 64-bit words r[lane][word] into r[word][lane]. */
AVX512_INLINE void transpose8x8(__m512i r[8]) {
    /* Pair lanes: t0 = lanes 0,1 of words 0,2,4,6; t1 = the same for words 1,3,5,7. */
    __m512i t0 = _mm512_unpacklo_epi64(r[0], r[1]), t1 = _mm512_unpackhi_epi64(r[0], r[1]);
    __m512i t2 = _mm512_unpacklo_epi64(r[2], r[3]), t3 = _mm512_unpackhi_epi64(r[2], r[3]);
    __m512i t4 = _mm512_unpacklo_epi64(r[4], r[5]), t5 = _mm512_unpackhi_epi64(r[4], r[5]);
    __m512i t6 = _mm512_unpacklo_epi64(r[6], r[7]), t7 = _mm512_unpackhi_epi64(r[6], r[7]);
    /* Quads of lanes: s0 = lanes 0..3 of words 0 and 4, s1 = of words 2 and 6, ... */
    const __m512i lo = _mm512_set_epi64(13, 12, 5, 4, 9, 8, 1, 0);
    const __m512i hi = _mm512_set_epi64(15, 14, 7, 6, 11, 10, 3, 2);
    __m512i s0 = _mm512_permutex2var_epi64(t0, lo, t2), s1 = _mm512_permutex2var_epi64(t0, hi, t2);
    __m512i s2 = _mm512_permutex2var_epi64(t1, lo, t3), s3 = _mm512_permutex2var_epi64(t1, hi, t3);
    __m512i s4 = _mm512_permutex2var_epi64(t4, lo, t6), s5 = _mm512_permutex2var_epi64(t4, hi, t6);
    __m512i s6 = _mm512_permutex2var_epi64(t5, lo, t7), s7 = _mm512_permutex2var_epi64(t5, hi, t7);
    /* Lanes 0..3 from s_k's low half, lanes 4..7 from s_{k+4}'s (0x44), or both high halves (0xEE). */
    r[0] = _mm512_shuffle_i64x2(s0, s4, 0x44);
    r[4] = _mm512_shuffle_i64x2(s0, s4, 0xEE);
    r[2] = _mm512_shuffle_i64x2(s1, s5, 0x44);
    r[6] = _mm512_shuffle_i64x2(s1, s5, 0xEE);
    r[1] = _mm512_shuffle_i64x2(s2, s6, 0x44);
    r[5] = _mm512_shuffle_i64x2(s2, s6, 0xEE);
    r[3] = _mm512_shuffle_i64x2(s3, s7, 0x44);
    r[7] = _mm512_shuffle_i64x2(s3, s7, 0xEE);
}

/* Words 8g .. 8g+7 of the block at byte offset off, transposed; words at or
 * beyond `words` read as zero (masked loads do not touch that memory). */
AVX512_INLINE void load_group(__m512i r[8], const uint8_t *const *in, size_t off, unsigned g,
                              unsigned words) {
    /* Spelled out rather than looped: at -O2 gcc keeps a looped r[] in memory. */
    const size_t at = off + 64 * (size_t)g;
    const unsigned have = words - 8 * g;
    if (have >= 8) {
        r[0] = _mm512_loadu_si512(in[0] + at);
        r[1] = _mm512_loadu_si512(in[1] + at);
        r[2] = _mm512_loadu_si512(in[2] + at);
        r[3] = _mm512_loadu_si512(in[3] + at);
        r[4] = _mm512_loadu_si512(in[4] + at);
        r[5] = _mm512_loadu_si512(in[5] + at);
        r[6] = _mm512_loadu_si512(in[6] + at);
        r[7] = _mm512_loadu_si512(in[7] + at);
    } else {
        const __mmask8 m = (__mmask8)((1u << have) - 1);
        r[0] = _mm512_maskz_loadu_epi64(m, in[0] + at);
        r[1] = _mm512_maskz_loadu_epi64(m, in[1] + at);
        r[2] = _mm512_maskz_loadu_epi64(m, in[2] + at);
        r[3] = _mm512_maskz_loadu_epi64(m, in[3] + at);
        r[4] = _mm512_maskz_loadu_epi64(m, in[4] + at);
        r[5] = _mm512_maskz_loadu_epi64(m, in[5] + at);
        r[6] = _mm512_maskz_loadu_epi64(m, in[6] + at);
        r[7] = _mm512_maskz_loadu_epi64(m, in[7] + at);
    }
    transpose8x8(r);
}

#define XOR_GROUP0(i) a##i = XOR(a##i, r[i]);
#define XOR_GROUP1(i) a##i = XOR(a##i, r[(i)-8]);
#define XOR_GROUP2(i) a##i = XOR(a##i, r[(i)-16]);

/* The absorb loop for a given rate in words; inlined with a constant `words`
 * for the rates that matter so the word tests fold away. */
AVX512_INLINE void absorb_words(uint64_t *state, const uint8_t *const *in, size_t nblocks,
                                const unsigned words, unsigned rounds) {
    FOR_EACH_WORD(DECLARE_STATE)
    for (size_t k = 0, off = 0; k < nblocks; k++, off += 8 * words) {
        __m512i r[8];
        load_group(r, in, off, 0, words);
        /* Statement macros, four to a line: the formatter would misread them. */
        /* clang-format off */
        XOR_GROUP0(0) XOR_GROUP0(1) XOR_GROUP0(2) XOR_GROUP0(3)
        XOR_GROUP0(4) XOR_GROUP0(5) XOR_GROUP0(6) XOR_GROUP0(7)
        if (words > 8) {
            load_group(r, in, off, 1, words);
            XOR_GROUP1(8) XOR_GROUP1(9) XOR_GROUP1(10) XOR_GROUP1(11)
            XOR_GROUP1(12) XOR_GROUP1(13) XOR_GROUP1(14) XOR_GROUP1(15)
        }
        if (words > 16) {
            load_group(r, in, off, 2, words);
            XOR_GROUP2(16) XOR_GROUP2(17) XOR_GROUP2(18) XOR_GROUP2(19)
            XOR_GROUP2(20) XOR_GROUP2(21) XOR_GROUP2(22) XOR_GROUP2(23)
        }
        /* clang-format on */
        PERMUTE_REGISTERS(rounds);
    }
    FOR_EACH_WORD(STORE_STATE)
}

static AVX512 void absorb8(uint64_t *state, const uint8_t *const *in, size_t nblocks,
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

static AVX512 void permute8(uint64_t *state, unsigned rounds) {
    FOR_EACH_WORD(DECLARE_STATE)
    PERMUTE_REGISTERS(rounds);
    FOR_EACH_WORD(STORE_STATE)
}

static const pqcha__keccak_impl avx512_impl = {
    .name = "avx512", .lanes = 8, .absorb = absorb8, .permute = permute8};

const pqcha__keccak_impl *pqcha__keccak_avx512_impl(void) {
    return &avx512_impl;
}

#else /* not x86-64: no AVX-512 */

const pqcha__keccak_impl *pqcha__keccak_avx512_impl(void) {
    return 0;
}

#endif
