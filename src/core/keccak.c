/* keccak.c — portable Keccak-p[1600, nr], the scalar implementation, runtime
 * dispatch between scalar / AVX2 / AVX-512, and the sponges built on an
 * implementation: SHA3-256 and TurboSHAKE128 over impl->lanes messages, a
 * single-stream TurboSHAKE128, and KangarooTwelve (KT128, RFC 9861).
 *
 * The sponge helpers hand full blocks to impl->absorb straight from the
 * caller's memory. Only two kinds of block go through a small stack buffer:
 * the first block when a prefix byte shifts the data by one, and the final
 * partial block that carries the padding. */
#include "core/keccak.h"

#include <pthread.h>
#include <string.h>

/* FIPS 202 §3.2.5: the iota constants of rounds 0..23. A reduced-round
 * Keccak-p[1600, nr] uses the last nr of them (rounds 24-nr .. 23). */
const uint64_t pqcha__keccak_round_constants[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808AULL, 0x8000000080008000ULL,
    0x000000000000808BULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008AULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000AULL,
    0x000000008000808BULL, 0x800000000000008BULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800AULL, 0x800000008000000AULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

/* ---- byte order: Keccak lanes are little-endian 64-bit words ---- */

static uint64_t load64_le(const uint8_t *p) {
    /* Byte-wise so it is right on any host; compilers fuse it into one load. */
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
           (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
           (uint64_t)p[7] << 56;
}

static void store64_le(uint8_t *p, uint64_t x) {
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(x >> (8 * i));
}

/* ---- portable Keccak-p[1600, nr] ---- */

static inline uint64_t rol64(uint64_t x, unsigned n) {
    return n == 0 ? x : (x << n) | (x >> (64 - n));
}

/* The lanes live in 25 locals named a0..a24 (index x + 5y) so the compiler can
 * keep them in registers. A round reads A and writes E (out of place), then the
 * next round reads E and writes A, so two rounds need no copying.
 * Row Y of the output takes, for X = 0..4, the input lane (x, y) with
 * y = X, x = X + 3Y mod 5 (the inverse of pi), rotated by its rho offset. */
#define SCALAR_CHI_ROW(o0, o1, o2, o3, o4, b0, b1, b2, b3, b4)               \
    do {                                                                     \
        uint64_t b0_ = (b0), b1_ = (b1), b2_ = (b2), b3_ = (b3), b4_ = (b4); \
        o0 = b0_ ^ (~b1_ & b2_);                                             \
        o1 = b1_ ^ (~b2_ & b3_);                                             \
        o2 = b2_ ^ (~b3_ & b4_);                                             \
        o3 = b3_ ^ (~b4_ & b0_);                                             \
        o4 = b4_ ^ (~b0_ & b1_);                                             \
    } while (0)

#define SCALAR_ROUND(A, E, rc)                                                                     \
    do {                                                                                           \
        uint64_t c0_ = A##0 ^ A##5 ^ A##10 ^ A##15 ^ A##20;                                        \
        uint64_t c1_ = A##1 ^ A##6 ^ A##11 ^ A##16 ^ A##21;                                        \
        uint64_t c2_ = A##2 ^ A##7 ^ A##12 ^ A##17 ^ A##22;                                        \
        uint64_t c3_ = A##3 ^ A##8 ^ A##13 ^ A##18 ^ A##23;                                        \
        uint64_t c4_ = A##4 ^ A##9 ^ A##14 ^ A##19 ^ A##24;                                        \
        uint64_t d0_ = c4_ ^ rol64(c1_, 1), d1_ = c0_ ^ rol64(c2_, 1);                             \
        uint64_t d2_ = c1_ ^ rol64(c3_, 1), d3_ = c2_ ^ rol64(c4_, 1);                             \
        uint64_t d4_ = c3_ ^ rol64(c0_, 1);                                                        \
        SCALAR_CHI_ROW(E##0, E##1, E##2, E##3, E##4, A##0 ^ d0_, rol64(A##6 ^ d1_, 44),            \
                       rol64(A##12 ^ d2_, 43), rol64(A##18 ^ d3_, 21), rol64(A##24 ^ d4_, 14));    \
        E##0 ^= (rc);                                                                              \
        SCALAR_CHI_ROW(E##5, E##6, E##7, E##8, E##9, rol64(A##3 ^ d3_, 28), rol64(A##9 ^ d4_, 20), \
                       rol64(A##10 ^ d0_, 3), rol64(A##16 ^ d1_, 45), rol64(A##22 ^ d2_, 61));     \
        SCALAR_CHI_ROW(E##10, E##11, E##12, E##13, E##14, rol64(A##1 ^ d1_, 1),                    \
                       rol64(A##7 ^ d2_, 6), rol64(A##13 ^ d3_, 25), rol64(A##19 ^ d4_, 8),        \
                       rol64(A##20 ^ d0_, 18));                                                    \
        SCALAR_CHI_ROW(E##15, E##16, E##17, E##18, E##19, rol64(A##4 ^ d4_, 27),                   \
                       rol64(A##5 ^ d0_, 36), rol64(A##11 ^ d1_, 10), rol64(A##17 ^ d2_, 15),      \
                       rol64(A##23 ^ d3_, 56));                                                    \
        SCALAR_CHI_ROW(E##20, E##21, E##22, E##23, E##24, rol64(A##2 ^ d2_, 62),                   \
                       rol64(A##8 ^ d3_, 55), rol64(A##14 ^ d4_, 39), rol64(A##15 ^ d0_, 41),      \
                       rol64(A##21 ^ d1_, 2));                                                     \
    } while (0)

/* Applies map(X) to each of the 25 state names X##0 .. X##24. */
#define KECCAK_FOR_EACH_WORD(map, X)                                                           \
    map(X, 0) map(X, 1) map(X, 2) map(X, 3) map(X, 4) map(X, 5) map(X, 6) map(X, 7) map(X, 8)  \
        map(X, 9) map(X, 10) map(X, 11) map(X, 12) map(X, 13) map(X, 14) map(X, 15) map(X, 16) \
            map(X, 17) map(X, 18) map(X, 19) map(X, 20) map(X, 21) map(X, 22) map(X, 23)       \
                map(X, 24)
#define SCALAR_DECLARE(X, i)   uint64_t X##i = state[i], e##i;
#define SCALAR_COPY_BACK(X, i) X##i = e##i;
#define SCALAR_STORE(X, i)     state[i] = X##i;

void pqcha__keccak_p1600(uint64_t state[25], unsigned rounds) {
    const uint64_t *rc = pqcha__keccak_round_constants;
    KECCAK_FOR_EACH_WORD(SCALAR_DECLARE, a)
    unsigned round = 24 - rounds;
    if (rounds & 1) { /* an odd count: one round, then the pairs */
        SCALAR_ROUND(a, e, rc[round]);
        KECCAK_FOR_EACH_WORD(SCALAR_COPY_BACK, a)
        round++;
    }
    for (; round < 24; round += 2) {
        SCALAR_ROUND(a, e, rc[round]);
        SCALAR_ROUND(e, a, rc[round + 1]);
    }
    KECCAK_FOR_EACH_WORD(SCALAR_STORE, a)
}

/* ---- the scalar implementation (lanes = 1) ---- */

static void scalar_absorb(uint64_t *state, const uint8_t *const *in, size_t nblocks,
                          size_t rate_bytes, unsigned rounds) {
    const uint8_t *p = in[0];
    for (size_t k = 0; k < nblocks; k++, p += rate_bytes) {
        for (size_t w = 0; w < rate_bytes / 8; w++)
            state[w] ^= load64_le(p + 8 * w);
        pqcha__keccak_p1600(state, rounds);
    }
}

static const pqcha__keccak_impl scalar_impl = {
    .name = "scalar", .lanes = 1, .absorb = scalar_absorb, .permute = pqcha__keccak_p1600};

/* ---- runtime dispatch ---- */

static pthread_once_t dispatch_once = PTHREAD_ONCE_INIT;
static const pqcha__keccak_impl *supported_avx2; /* NULL: CPU or build lacks it */
static const pqcha__keccak_impl *supported_avx512;

static void detect_cpu(void) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init(); /* needed when called before constructors have run */
    /* __builtin_cpu_supports also checks that the OS saves the wide registers (XCR0). */
    if (__builtin_cpu_supports("avx2")) supported_avx2 = pqcha__keccak_avx2_impl();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl"))
        supported_avx512 = pqcha__keccak_avx512_impl();
#endif
}

static void ensure_detected(void) {
    /* pthread_once only fails on invalid arguments; on failure we would
     * simply keep the scalar implementation. */
    (void)pthread_once(&dispatch_once, detect_cpu);
}

const pqcha__keccak_impl *pqcha__keccak_best(void) {
    ensure_detected();
    if (supported_avx512) return supported_avx512;
    if (supported_avx2) return supported_avx2;
    return &scalar_impl;
}

const pqcha__keccak_impl *pqcha__keccak_by_name(const char *name) {
    if (name == NULL) return NULL;
    ensure_detected();
    if (strcmp(name, "scalar") == 0) return &scalar_impl;
    if (strcmp(name, "avx2") == 0) return supported_avx2;
    if (strcmp(name, "avx512") == 0) return supported_avx512;
    return NULL;
}

/* ---- multi-lane sponges ---- */

/* The longest rate we handle (TurboSHAKE128's); SHA3-256's is shorter. */
#define MAX_RATE PQCHA__TURBOSHAKE128_RATE

/* Absorbs `len` bytes of each lane's message, optionally preceded by one
 * prefix byte, then the final block with domain/padding byte `pad` and the
 * closing 0x80. Full blocks are absorbed in place from msg. */
static void absorb_lanes_padded(const pqcha__keccak_impl *impl, uint64_t *state,
                                const uint8_t *const *msg, size_t len, int prefix, size_t rate,
                                unsigned rounds, uint8_t pad) {
    const unsigned lanes = impl->lanes;
    uint8_t block[PQCHA__KECCAK_MAX_LANES][MAX_RATE];
    const uint8_t *ptr[PQCHA__KECCAK_MAX_LANES];
    size_t consumed = 0; /* bytes of each message already absorbed */

    /* A prefix byte shifts the data by one: copy just the first block. */
    if (prefix >= 0 && len + 1 >= rate) {
        for (unsigned l = 0; l < lanes; l++) {
            block[l][0] = (uint8_t)prefix;
            memcpy(block[l] + 1, msg[l], rate - 1);
            ptr[l] = block[l];
        }
        impl->absorb(state, ptr, 1, rate, rounds);
        consumed = rate - 1;
        prefix = -1;
    }

    size_t full_blocks = (len - consumed) / rate;
    if (full_blocks > 0) {
        for (unsigned l = 0; l < lanes; l++)
            ptr[l] = msg[l] + consumed;
        impl->absorb(state, ptr, full_blocks, rate, rounds);
        consumed += full_blocks * rate;
    }

    /* The final block: [prefix] || tail || pad 00.. 00 || 80 (pad and 80 may share a byte). */
    size_t tail = len - consumed;
    size_t head = prefix >= 0 ? 1 : 0;
    for (unsigned l = 0; l < lanes; l++) {
        memset(block[l], 0, rate);
        if (head) block[l][0] = (uint8_t)prefix;
        if (tail > 0) /* msg[l] may be NULL when len is 0 */
            memcpy(block[l] + head, msg[l] + consumed, tail);
        block[l][head + tail] ^= pad;
        block[l][rate - 1] ^= 0x80;
        ptr[l] = block[l];
    }
    impl->absorb(state, ptr, 1, rate, rounds);
}

/* Copies out_len bytes of lane l's rate part (out_len <= rate). */
static void extract_lane(const uint64_t *state, unsigned lanes, unsigned l, uint8_t *out,
                         size_t out_len) {
    size_t i = 0;
    for (; i + 8 <= out_len; i += 8)
        store64_le(out + i, state[(i / 8) * lanes + l]);
    if (i < out_len) {
        uint8_t word[8];
        store64_le(word, state[(i / 8) * lanes + l]);
        memcpy(out + i, word, out_len - i);
    }
}

/* Squeezes out_len bytes per lane, permuting between rate-sized blocks. */
static void squeeze_lanes(const pqcha__keccak_impl *impl, uint64_t *state, uint8_t *const *out,
                          size_t out_len, size_t rate, unsigned rounds) {
    for (size_t done = 0;;) {
        size_t n = out_len - done < rate ? out_len - done : rate;
        for (unsigned l = 0; l < impl->lanes; l++)
            extract_lane(state, impl->lanes, l, out[l] + done, n);
        done += n;
        if (done == out_len) return;
        impl->permute(state, rounds);
    }
}

void pqcha__sha3_256_lanes(const pqcha__keccak_impl *impl, uint8_t *const *out,
                           const uint8_t *const *msg, size_t len, int prefix) {
    uint64_t state[25 * PQCHA__KECCAK_MAX_LANES];
    memset(state, 0, sizeof state);
    /* SHA3's domain bits 01 followed by the first pad10*1 bit: 0x06. */
    absorb_lanes_padded(impl, state, msg, len, prefix, PQCHA__SHA3_256_RATE, 24, 0x06);
    squeeze_lanes(impl, state, out, 32, PQCHA__SHA3_256_RATE, 24);
}

void pqcha__turboshake128_lanes(const pqcha__keccak_impl *impl, uint8_t *const *out, size_t out_len,
                                const uint8_t *const *msg, size_t len, uint8_t ds) {
    uint64_t state[25 * PQCHA__KECCAK_MAX_LANES];
    memset(state, 0, sizeof state);
    absorb_lanes_padded(impl, state, msg, len, -1, PQCHA__TURBOSHAKE128_RATE, 12, ds);
    if (out_len > 0) squeeze_lanes(impl, state, out, out_len, PQCHA__TURBOSHAKE128_RATE, 12);
}

/* ---- single-stream TurboSHAKE128 ---- */

void pqcha__tshake_init(pqcha__tshake *t) {
    memset(t, 0, sizeof *t);
}

static void tshake_absorb_blocks(pqcha__tshake *t, const uint8_t *blocks, size_t nblocks) {
    scalar_absorb(t->state, &blocks, nblocks, PQCHA__TURBOSHAKE128_RATE, 12);
}

void pqcha__tshake_absorb(pqcha__tshake *t, const uint8_t *data, size_t len) {
    const size_t rate = PQCHA__TURBOSHAKE128_RATE;
    if (len == 0) return;
    if (t->buf_len > 0) { /* top up the pending partial block first */
        size_t n = rate - t->buf_len < len ? rate - t->buf_len : len;
        memcpy(t->buf + t->buf_len, data, n);
        t->buf_len += n;
        data += n;
        len -= n;
        if (t->buf_len < rate) return;
        tshake_absorb_blocks(t, t->buf, 1);
        t->buf_len = 0;
    }
    if (len >= rate) { /* whole blocks straight from the caller's memory */
        tshake_absorb_blocks(t, data, len / rate);
        data += len / rate * rate;
        len %= rate;
    }
    if (len > 0) {
        memcpy(t->buf, data, len);
        t->buf_len = len;
    }
}

void pqcha__tshake_final(pqcha__tshake *t, uint8_t ds, uint8_t *out, size_t out_len) {
    const size_t rate = PQCHA__TURBOSHAKE128_RATE;
    memset(t->buf + t->buf_len, 0, rate - t->buf_len);
    t->buf[t->buf_len] ^= ds;
    t->buf[rate - 1] ^= 0x80;
    tshake_absorb_blocks(t, t->buf, 1);
    uint8_t *const outs[1] = {out};
    if (out_len > 0) squeeze_lanes(&scalar_impl, t->state, outs, out_len, rate, 12);
}

/* ---- KangarooTwelve ---- */

#define K12_LEAF_DS        0x0B
#define K12_SINGLE_NODE_DS 0x07
#define K12_FINAL_NODE_DS  0x06

void pqcha__k12_leaf_cvs(const pqcha__keccak_impl *impl, uint8_t *cvs, const uint8_t *chunks,
                         size_t n) {
    const unsigned lanes = impl->lanes;
    size_t i = 0;
    for (; i + lanes <= n; i += lanes) {
        const uint8_t *in[PQCHA__KECCAK_MAX_LANES];
        uint8_t *out[PQCHA__KECCAK_MAX_LANES];
        for (unsigned l = 0; l < lanes; l++) {
            in[l] = chunks + (i + l) * PQCHA__K12_CHUNK;
            out[l] = cvs + (i + l) * PQCHA__K12_CV_LEN;
        }
        pqcha__turboshake128_lanes(impl, out, PQCHA__K12_CV_LEN, in, PQCHA__K12_CHUNK, K12_LEAF_DS);
    }
    if (i == n) return;
    /* Fewer chunks than lanes remain. A lone chunk goes to the scalar code;
     * otherwise idle lanes re-hash the last chunk into a scratch CV. */
    const size_t left = n - i;
    if (left == 1) {
        const uint8_t *in[1] = {chunks + i * PQCHA__K12_CHUNK};
        uint8_t *out[1] = {cvs + i * PQCHA__K12_CV_LEN};
        pqcha__turboshake128_lanes(&scalar_impl, out, PQCHA__K12_CV_LEN, in, PQCHA__K12_CHUNK,
                                   K12_LEAF_DS);
        return;
    }
    uint8_t scratch[PQCHA__K12_CV_LEN];
    const uint8_t *in[PQCHA__KECCAK_MAX_LANES];
    uint8_t *out[PQCHA__KECCAK_MAX_LANES];
    for (unsigned l = 0; l < lanes; l++) {
        size_t c = i + (l < left ? l : left - 1);
        in[l] = chunks + c * PQCHA__K12_CHUNK;
        out[l] = l < left ? cvs + c * PQCHA__K12_CV_LEN : scratch;
    }
    pqcha__turboshake128_lanes(impl, out, PQCHA__K12_CV_LEN, in, PQCHA__K12_CHUNK, K12_LEAF_DS);
}

size_t pqcha__k12_length_encode(uint8_t out[9], uint64_t x) {
    size_t n = 0;
    for (uint64_t v = x; v > 0; v >>= 8)
        n++;
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)(x >> (8 * (n - 1 - i)));
    out[n] = (uint8_t)n;
    return n + 1;
}

/* K12's input string S = M || C || length_encode(|C|), never materialised:
 * a byte range of S is absorbed piece by piece from the three parts. */
typedef struct k12_input {
    const uint8_t *part[3];
    size_t part_len[3];
    size_t total;
} k12_input;

static void absorb_s_range(pqcha__tshake *t, const k12_input *s, size_t from, size_t to) {
    size_t part_start = 0;
    for (int p = 0; p < 3; p++) {
        size_t part_end = part_start + s->part_len[p];
        size_t a = from > part_start ? from : part_start;
        size_t b = to < part_end ? to : part_end;
        if (a < b) pqcha__tshake_absorb(t, s->part[p] + (a - part_start), b - a);
        part_start = part_end;
    }
}

/* How many leaf CVs to compute per call before feeding them to the final node. */
#define K12_CV_BATCH 64

void pqcha__k12(const pqcha__keccak_impl *impl, uint8_t *out, size_t out_len, const uint8_t *msg,
                size_t msg_len, const uint8_t *custom, size_t custom_len) {
    if (impl == NULL) impl = pqcha__keccak_best();
    uint8_t enc[9];
    k12_input s = {
        .part = {msg, custom, enc},
        .part_len = {msg_len, custom_len, pqcha__k12_length_encode(enc, (uint64_t)custom_len)}};
    s.total = msg_len + custom_len + s.part_len[2];

    pqcha__tshake final;
    pqcha__tshake_init(&final);
    if (s.total <= PQCHA__K12_CHUNK) { /* a single node */
        absorb_s_range(&final, &s, 0, s.total);
        pqcha__tshake_final(&final, K12_SINGLE_NODE_DS, out, out_len);
        return;
    }

    static const uint8_t after_s0[8] = {0x03, 0, 0, 0, 0, 0, 0, 0};
    absorb_s_range(&final, &s, 0, PQCHA__K12_CHUNK);
    pqcha__tshake_absorb(&final, after_s0, sizeof after_s0);

    const size_t leaves = (s.total - 1) / PQCHA__K12_CHUNK; /* chunks after S0 */
    /* Leaves that lie wholly inside M go through the lanes, in place. */
    const size_t leaves_in_msg =
        msg_len / PQCHA__K12_CHUNK > 0 ? msg_len / PQCHA__K12_CHUNK - 1 : 0;
    uint8_t cvs[K12_CV_BATCH * PQCHA__K12_CV_LEN];
    for (size_t i = 0; i < leaves_in_msg; i += K12_CV_BATCH) {
        size_t n = leaves_in_msg - i < K12_CV_BATCH ? leaves_in_msg - i : K12_CV_BATCH;
        pqcha__k12_leaf_cvs(impl, cvs, msg + (1 + i) * PQCHA__K12_CHUNK, n);
        pqcha__tshake_absorb(&final, cvs, n * PQCHA__K12_CV_LEN);
    }
    /* The rest (straddling M/C, inside C, or the short last one) one at a time. */
    for (size_t leaf = leaves_in_msg + 1; leaf <= leaves; leaf++) {
        size_t from = leaf * PQCHA__K12_CHUNK;
        size_t to = from + PQCHA__K12_CHUNK < s.total ? from + PQCHA__K12_CHUNK : s.total;
        pqcha__tshake node;
        pqcha__tshake_init(&node);
        absorb_s_range(&node, &s, from, to);
        pqcha__tshake_final(&node, K12_LEAF_DS, cvs, PQCHA__K12_CV_LEN);
        pqcha__tshake_absorb(&final, cvs, PQCHA__K12_CV_LEN);
    }

    uint8_t tail[9 + 2];
    size_t tail_len = pqcha__k12_length_encode(tail, (uint64_t)leaves);
    tail[tail_len++] = 0xFF;
    tail[tail_len++] = 0xFF;
    pqcha__tshake_absorb(&final, tail, tail_len);
    pqcha__tshake_final(&final, K12_FINAL_NODE_DS, out, out_len);
}
