/* keccak.h — Keccak-p[1600, nr] on 1, 4 or 8 independent states at once.
 *
 * The only hand-written crypto primitive in pqcha (issue: speed near the
 * memory's limit). Every implementation is checked bit-exact against
 * OpenSSL's SHA3-256 in tests/unit/test_keccak.c. The round count is a
 * parameter so the same code serves SHA3 (24 rounds) and KangarooTwelve /
 * TurboSHAKE128 (12 rounds).
 *
 * Multi-lane state layout: word w of lane l is state[w * lanes + l]
 * (lane-interleaved), 25 * lanes words in all, so one SIMD register holds
 * word w of every lane. Lanes are little-endian 64-bit words as in FIPS 202.
 */
#ifndef PQCHA_KECCAK_H
#define PQCHA_KECCAK_H

#include <stddef.h>
#include <stdint.h>

#define PQCHA__KECCAK_MAX_LANES   8
#define PQCHA__SHA3_256_RATE      136
#define PQCHA__TURBOSHAKE128_RATE 168

typedef struct pqcha__keccak_impl {
    const char *name; /* "scalar", "avx2", "avx512" */
    unsigned lanes;   /* 1, 4 or 8 */
    /* For each block k in 0..nblocks-1: XORs rate_bytes bytes from
     * in[l] + k * rate_bytes into lane l's state, then applies
     * Keccak-p[1600, rounds]. rate_bytes is a multiple of 8, at most 168;
     * in[l] need not be aligned. The state stays in registers across blocks. */
    void (*absorb)(uint64_t *state, const uint8_t *const *in, size_t nblocks, size_t rate_bytes,
                   unsigned rounds);
    /* Applies Keccak-p[1600, rounds] to every lane. */
    void (*permute)(uint64_t *state, unsigned rounds);
} pqcha__keccak_impl;

/* The fastest implementation this CPU supports (decided once, thread-safe). */
const pqcha__keccak_impl *pqcha__keccak_best(void);
/* A named implementation, or NULL if unknown or unsupported by this CPU. */
const pqcha__keccak_impl *pqcha__keccak_by_name(const char *name);

/* Single-state Keccak-p[1600, rounds] (rounds 1..24, the last `rounds` of the 24). */
void pqcha__keccak_p1600(uint64_t state[25], unsigned rounds);

/* ---- internal to keccak*.c ---- */
/* The iota constants of rounds 0..23 (Keccak-p[1600, nr] uses the last nr). */
extern const uint64_t pqcha__keccak_round_constants[24];
/* The SIMD implementations as compiled, without any CPU check (NULL when the
 * target is not x86-64). Use pqcha__keccak_by_name / _best instead. */
const pqcha__keccak_impl *pqcha__keccak_avx2_impl(void);
const pqcha__keccak_impl *pqcha__keccak_avx512_impl(void);

/* ---- sponge helpers on top of an implementation ---- */

/* SHA3-256 of impl->lanes messages of the same length len, each optionally
 * preceded by one prefix byte (prefix < 0: none). Writes 32 bytes per lane to
 * out[l]. Lanes beyond the messages you have may repeat a pointer. */
void pqcha__sha3_256_lanes(const pqcha__keccak_impl *impl, uint8_t *const *out,
                           const uint8_t *const *msg, size_t len, int prefix);

/* TurboSHAKE128 (RFC 9861) of impl->lanes messages of the same length len
 * with domain separation byte ds (0x01..0x7F), squeezing out_len bytes each. */
void pqcha__turboshake128_lanes(const pqcha__keccak_impl *impl, uint8_t *const *out, size_t out_len,
                                const uint8_t *const *msg, size_t len, uint8_t ds);

/* ---- TurboSHAKE128, single stream (for K12's final node) ---- */
typedef struct pqcha__tshake {
    uint64_t state[25];
    uint8_t buf[PQCHA__TURBOSHAKE128_RATE];
    size_t buf_len;
} pqcha__tshake;
void pqcha__tshake_init(pqcha__tshake *t);
void pqcha__tshake_absorb(pqcha__tshake *t, const uint8_t *data, size_t len);
/* Pads with domain byte ds and squeezes out_len bytes; t is spent afterwards. */
void pqcha__tshake_final(pqcha__tshake *t, uint8_t ds, uint8_t *out, size_t out_len);

/* ---- KangarooTwelve (KT128, RFC 9861) building blocks ----
 * K12 cuts S = M || C || length_encode(|C|) into 8192-byte chunks S0, S1, ...
 * If |S| <= 8192: KT128 = TurboSHAKE128(S, 0x07). Otherwise the final node is
 * S0 || 03 00 00 00 00 00 00 00 || CV1 || ... || CVn-1 || length_encode(n-1) || FF FF
 * hashed with TurboSHAKE128(., 0x06), where CVi = TurboSHAKE128(Si, 0x0B, 32).
 * The leaf CVs are independent: that is where lanes and threads come in. */
#define PQCHA__K12_CHUNK  8192
#define PQCHA__K12_CV_LEN 32

/* CVs of n full chunks laid out contiguously at chunks (n * 8192 bytes). */
void pqcha__k12_leaf_cvs(const pqcha__keccak_impl *impl, uint8_t *cvs, const uint8_t *chunks,
                         size_t n);
/* RFC 9861 length_encode(x): big-endian bytes without leading zeros, then
 * their count; returns the length written (at most 9). */
size_t pqcha__k12_length_encode(uint8_t out[9], uint64_t x);
/* One-shot KT128(M, C), out_len bytes (single thread; impl NULL = best). */
void pqcha__k12(const pqcha__keccak_impl *impl, uint8_t *out, size_t out_len, const uint8_t *msg,
                size_t msg_len, const uint8_t *custom, size_t custom_len);

#endif
