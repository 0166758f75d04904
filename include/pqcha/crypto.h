/* pqcha/crypto.h — digests and ML-DSA keys (OpenSSL >= 3.5 underneath).
 *
 * Conventions for the whole library (docs/API-CONVENTIONS.md has them all):
 *  - Outputs come first (a function acting on a handle takes the handle
 *    first); inputs are const. Every function that can fail
 *    returns pqcha_err (PQCHA_MUST_CHECK); its "Returns:" line lists the codes.
 *  - Strings and buffers returned through char ** / uint8_t ** are allocated
 *    by libpqcha and released with pqcha_free() (or pqcha_free_secret() for
 *    private-key material, which wipes before freeing).
 *  - On error, every output pointer is NULL and every output length, count or
 *    scalar 0 (pqcha_verify and pqcha_policy_to_json say where they differ).
 */
#ifndef PQCHA_CRYPTO_H
#define PQCHA_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "pqcha/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- memory returned by the library ---- */
void pqcha_free(void *p);
void pqcha_free_secret(void *p, size_t len); /* wipes len bytes, then frees */
void pqcha_wipe(void *p, size_t len);        /* not optimised away */

/* ---- digests ---- */
#define PQCHA_SHA3_256_LEN   32
#define PQCHA_MAX_DIGEST_LEN 64

/* Digest algorithms, named on the wire (docs/FORMAT.md section 4.4):
 *  "sha3-256"       SHA3-256 of the bytes, one stream (what openssl dgst prints);
 *  "sha3-256-tree"  the default for regions: equal to sha3-256 up to one leaf
 *                   (PQCHA_TREE_LEAF_SIZE bytes), above that a Merkle tree of
 *                   SHA3-256 leaves hashed in parallel lanes and threads;
 *  "k12"            KangarooTwelve (KT128, RFC 9861), 32 bytes, empty customisation:
 *                   the fastest, for the very largest regions;
 *  "sha3-256-segments"  regions with a tensor table (see below). */
typedef enum pqcha_digest_alg {
    PQCHA_DIGEST_SHA3_256 = 1,
    PQCHA_DIGEST_SHA3_256_TREE = 2,
    PQCHA_DIGEST_K12 = 3,
    /* "sha3-256-segments" (FORMAT.md section 4.6): a region cut at the tensor
     * boundaries of the model file it maps, each piece hashed with
     * sha3-256-tree, the pieces' digests combined. The attester chooses it
     * for regions that carry a tensor table; it is not a digest of bytes
     * alone, so no hasher computes it (pqcha_hasher_create refuses it). */
    PQCHA_DIGEST_SHA3_256_SEGMENTS = 4
} pqcha_digest_alg;

/* The sha3-256-tree leaf size: part of the format, chosen by measurement
 * (docs/PERFORMANCE.md). */
#define PQCHA_TREE_LEAF_SIZE (64u * 1024u)

/* Parses a wire name; PQCHA_ERR_UNSUPPORTED_ALGORITHM for anything else. On
 * error *out is 0, no algorithm (pqcha_digest_alg_name(0) is NULL).
 * Returns: OK, INVALID_ARGUMENT (out or name NULL), UNSUPPORTED_ALGORITHM. */
PQCHA_MUST_CHECK
pqcha_err pqcha_digest_alg_parse(pqcha_digest_alg *out, const char *name);
const char *pqcha_digest_alg_name(pqcha_digest_alg alg); /* NULL if unknown */
size_t pqcha_digest_alg_length(pqcha_digest_alg alg);    /* 0 if unknown */

/* Whether alg is a digest of bytes alone that pqcha_hasher computes (every
 * algorithm but sha3-256-segments): 1 or 0. */
int pqcha_digest_alg_is_streaming(pqcha_digest_alg alg);

/* Streaming hasher: create, update any number of times, final once.
 * sha3-256-segments is PQCHA_ERR_UNSUPPORTED_ALGORITHM here. */
typedef struct pqcha_hasher pqcha_hasher;
/* Returns: OK, INVALID_ARGUMENT, UNSUPPORTED_ALGORITHM (unknown, or
 * sha3-256-segments), NO_MEMORY, CRYPTO. */
PQCHA_MUST_CHECK
pqcha_err pqcha_hasher_create(pqcha_hasher **out, pqcha_digest_alg alg);
/* Threads for the parallel algorithms (sha3-256-tree, k12): 1 by default,
 * 0 = all online CPUs. Call before the first update; sha3-256 ignores it.
 * Returns: OK, INVALID_ARGUMENT (h NULL, after final, or for sha3-256-tree
 * and k12 after the first update). */
PQCHA_MUST_CHECK
pqcha_err pqcha_hasher_set_threads(pqcha_hasher *h, unsigned threads);
/* Progress of a long digest, for a progress display: fn(ctx, bytes) is
 * called with the number of bytes hashed so far, on the thread that feeds
 * the hasher (pqcha_hasher_update, or pqcha_backend_hash, whose threads read
 * the region themselves when the backend allows it), after each update and
 * every few MiB within one. fn NULL removes it. Returns: OK,
 * INVALID_ARGUMENT (h NULL or finished). */
typedef void (*pqcha_progress_fn)(void *ctx, uint64_t bytes_done);
PQCHA_MUST_CHECK
pqcha_err pqcha_hasher_set_progress(pqcha_hasher *h, pqcha_progress_fn fn, void *ctx);
/* Returns: OK, INVALID_ARGUMENT (h NULL, data NULL with len > 0, after
 * final), REGION_CHANGED (more bytes than announced with
 * pqcha_hasher_expect_length), NO_MEMORY, CRYPTO. */
PQCHA_MUST_CHECK
pqcha_err pqcha_hasher_update(pqcha_hasher *h, const void *data, size_t len);
/* out_len must be at least the algorithm's length; writes exactly that many.
 * Once only: the hasher is finished afterwards, also when it fails. On error
 * out holds no digest.
 * Returns: OK, INVALID_ARGUMENT (NULL, out_len too small, a second final),
 * REGION_CHANGED (not the announced length), NO_MEMORY, CRYPTO. */
PQCHA_MUST_CHECK
pqcha_err pqcha_hasher_final(pqcha_hasher *h, uint8_t *out, size_t out_len);
void pqcha_hasher_free(pqcha_hasher *h);

/* Node digests for drift localisation (sha3-256-tree only; docs/FORMAT.md
 * section 4.5). Announce the total length before the first update and the
 * hasher records the digests of the tree's nodes at the level FORMAT.md fixes
 * for that length (at most PQCHA_MAX_TREE_NODES). After final, the nodes are
 * available until the hasher is freed; none for an input of at most one leaf,
 * another algorithm, or without an announced length. A final length other than
 * the announced one is PQCHA_ERR_REGION_CHANGED. */
#define PQCHA_MAX_TREE_NODES 256
/* Returns: OK, INVALID_ARGUMENT (h NULL, a second call, or after an update or final). */
PQCHA_MUST_CHECK
pqcha_err pqcha_hasher_expect_length(pqcha_hasher *h, uint64_t total_len);
size_t pqcha_hasher_node_count(const pqcha_hasher *h);
unsigned pqcha_hasher_node_level(const pqcha_hasher *h);  /* leaves per node = 2^level */
const uint8_t *pqcha_hasher_nodes(const pqcha_hasher *h); /* 32 bytes per node, in order */

/* One-shot SHA3-256.
 * Returns: OK, INVALID_ARGUMENT (out NULL, data NULL with len > 0), NO_MEMORY, CRYPTO. */
PQCHA_MUST_CHECK
pqcha_err pqcha_sha3_256(uint8_t out[PQCHA_SHA3_256_LEN], const void *data, size_t len);

/* One-shot SHA-256 (FIPS 180-4): what transparency-log entries name reports
 * by (docs/FORMAT.md section 9). No region is digested with it.
 * Returns: OK, INVALID_ARGUMENT (out NULL, data NULL with len > 0), NO_MEMORY, CRYPTO. */
#define PQCHA_SHA256_LEN 32
PQCHA_MUST_CHECK
pqcha_err pqcha_sha256(uint8_t out[PQCHA_SHA256_LEN], const void *data, size_t len);

/* Canonical base64 (RFC 4648 section 4, padded; FORMAT.md section 1).
 * Encode: a new NUL-terminated string of *out_len (may be NULL) characters.
 * Returns: OK, INVALID_ARGUMENT (out NULL, in NULL with len > 0), TOO_LARGE, NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_base64_encode(char **out, size_t *out_len, const uint8_t *in, size_t len);
/* Decode len characters of text, strictly (no whitespace, padding required,
 * zero pad bits), into a new buffer of at most max_out bytes (one spare NUL
 * byte after them). Returns: OK, INVALID_ARGUMENT (NULL), BAD_BASE64,
 * TOO_LARGE (more than max_out bytes), NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_base64_decode(uint8_t **out, size_t *out_len, const char *text, size_t len,
                              size_t max_out);
/* One-shot digest of any algorithm with the given threads (see pqcha_hasher_set_threads).
 * Returns: OK, INVALID_ARGUMENT (also out_len below the algorithm's length),
 * UNSUPPORTED_ALGORITHM, NO_MEMORY, CRYPTO. */
PQCHA_MUST_CHECK
pqcha_err pqcha_digest(uint8_t *out, size_t out_len, pqcha_digest_alg alg, const void *data,
                       size_t len, unsigned threads);
/* The Keccak implementation the parallel digests use on this CPU:
 * "avx512" (8 lanes), "avx2" (4 lanes) or "scalar". */
const char *pqcha_keccak_implementation(void);

/* Lowercase hex of len bytes into out (2*len+1 bytes, NUL-terminated). */
void pqcha_hex_encode(char *out, const uint8_t *in, size_t len);

/* ---- ML-DSA (FIPS 204) keys ---- */
typedef enum pqcha_sig_alg {
    PQCHA_ML_DSA_44 = 44,
    PQCHA_ML_DSA_65 = 65, /* the default */
    PQCHA_ML_DSA_87 = 87  /* CNSA 2.0 */
} pqcha_sig_alg;

/* "ML-DSA-44" / "ML-DSA-65" / "ML-DSA-87"; PQCHA_ERR_UNSUPPORTED_ALGORITHM otherwise.
 * On error *out is 0, no algorithm (pqcha_sig_alg_name(0) is NULL).
 * Returns: OK, INVALID_ARGUMENT (out or name NULL), UNSUPPORTED_ALGORITHM. */
PQCHA_MUST_CHECK
pqcha_err pqcha_sig_alg_parse(pqcha_sig_alg *out, const char *name);
const char *pqcha_sig_alg_name(pqcha_sig_alg alg);         /* NULL if unknown */
size_t pqcha_sig_alg_signature_length(pqcha_sig_alg alg);  /* 2420, 3309, 4627; 0 if unknown */
size_t pqcha_sig_alg_public_key_length(pqcha_sig_alg alg); /* 1312, 1952, 2592; 0 if unknown */

/* A key pair or a public key alone. Private material is wiped on free. */
typedef struct pqcha_key pqcha_key;

#define PQCHA_KEY_ID_HEX_LEN 64 /* lowercase hex of SHA3-256(SPKI DER) */
#define PQCHA_MAX_PEM_LEN    (64 * 1024)

/* Returns: OK, INVALID_ARGUMENT, UNSUPPORTED_ALGORITHM, NO_MEMORY, CRYPTO. */
PQCHA_MUST_CHECK
pqcha_err pqcha_key_generate(pqcha_key **out, pqcha_sig_alg alg);
/* Parses PEM "PRIVATE KEY" (PKCS#8) or "PUBLIC KEY" (SPKI); only ML-DSA keys
 * are accepted (PQCHA_ERR_BAD_KEY otherwise). len excludes any NUL.
 * Returns: OK, INVALID_ARGUMENT, TOO_LARGE (len above PQCHA_MAX_PEM_LEN),
 * BAD_KEY (not one plain PEM block of an ML-DSA key), NO_MEMORY, CRYPTO. */
PQCHA_MUST_CHECK
pqcha_err pqcha_key_from_pem(pqcha_key **out, const char *pem, size_t len);
/* A new handle holding only the public half.
 * Returns: OK, INVALID_ARGUMENT, NO_MEMORY, CRYPTO. */
PQCHA_MUST_CHECK
pqcha_err pqcha_key_public_copy(pqcha_key **out, const pqcha_key *key);
/* PKCS#8 PEM, NUL-terminated; free with pqcha_free_secret(*out, *out_len).
 * Returns: OK, INVALID_ARGUMENT, NOT_PRIVATE_KEY, NO_MEMORY, CRYPTO. */
PQCHA_MUST_CHECK
pqcha_err pqcha_key_private_pem(char **out, size_t *out_len, const pqcha_key *key);
/* SPKI PEM, NUL-terminated; free with pqcha_free.
 * Returns: OK, INVALID_ARGUMENT, NO_MEMORY, CRYPTO. */
PQCHA_MUST_CHECK
pqcha_err pqcha_key_public_pem(char **out, size_t *out_len, const pqcha_key *key);
/* DER SubjectPublicKeyInfo (RFC 9881).
 * Returns: OK, INVALID_ARGUMENT, NO_MEMORY, CRYPTO. */
PQCHA_MUST_CHECK
pqcha_err pqcha_key_public_der(uint8_t **out, size_t *out_len, const pqcha_key *key);
/* Raw FIPS 204 public key bytes.
 * Returns: OK, INVALID_ARGUMENT, NO_MEMORY, CRYPTO. */
PQCHA_MUST_CHECK
pqcha_err pqcha_key_public_raw(uint8_t **out, size_t *out_len, const pqcha_key *key);
int pqcha_key_has_private(const pqcha_key *key);
pqcha_sig_alg pqcha_key_algorithm(const pqcha_key *key);
const char *pqcha_key_id(const pqcha_key *key); /* 64 lowercase hex chars, owned by the key */
void pqcha_key_free(pqcha_key *key);

/* Pure ML-DSA with an empty context string, as RFC 9881 and DSSE consumers expect.
 * pqcha_sign writes pqcha_sig_alg_signature_length(alg) bytes to *sig (free with pqcha_free).
 * Returns: OK, INVALID_ARGUMENT (also msg NULL with msg_len > 0),
 * NOT_PRIVATE_KEY, NO_MEMORY, CRYPTO. */
PQCHA_MUST_CHECK
pqcha_err pqcha_sign(uint8_t **sig, size_t *sig_len, const pqcha_key *key, const uint8_t *msg,
                     size_t msg_len);
/* Returns: OK, INVALID_ARGUMENT, BAD_SIGNATURE_LENGTH (not the key's
 * algorithm's length), BAD_SIGNATURE, NO_MEMORY, CRYPTO. */
PQCHA_MUST_CHECK
pqcha_err pqcha_verify_signature(const pqcha_key *key, const uint8_t *msg, size_t msg_len,
                                 const uint8_t *sig, size_t sig_len);

/* ---- key files (I/O) ----
 * The save functions fail as pqcha_file_write_atomic does (pqcha/files.h). */
/* Writes the private key PEM to path with mode 0600, atomically and durably,
 * refusing an existing file (FILE_EXISTS) unless force is non-zero.
 * Returns: OK, INVALID_ARGUMENT (NULL, empty path), NOT_PRIVATE_KEY,
 * FILE_EXISTS, NOT_FOUND, PERMISSION, IS_DIRECTORY, READ_ONLY, NO_SPACE, IO,
 * NO_MEMORY, CRYPTO. */
PQCHA_MUST_CHECK
pqcha_err pqcha_key_save_private(const pqcha_key *key, const char *path, int force);
/* Writes the public key PEM (mode 0644); same force rule.
 * Returns: as pqcha_key_save_private, without NOT_PRIVATE_KEY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_key_save_public(const pqcha_key *key, const char *path, int force);
/* Writes a key pair: the private key (0600) and its public key, published
 * together so that a failure or a kill at any moment leaves the previous pair
 * (or none) or the new pair, never one of each, an empty file or a stray copy
 * of the private key. Without force an existing file of the pair is
 * FILE_EXISTS and nothing is written. Every file is written to a temporary
 * file, fsync'd, renamed and its directory fsync'd.
 * Returns: as pqcha_key_save_private; INVALID_ARGUMENT also for two equal paths. */
PQCHA_MUST_CHECK
pqcha_err pqcha_key_save_pair(const pqcha_key *key, const char *private_path,
                              const char *public_path, int force);
/* Loads a PEM key file (capped at PQCHA_MAX_PEM_LEN). If loose_permissions is
 * not NULL it is set to 1 when the file holds a private key and is readable
 * by group or others (the caller decides whether to warn); on error it is 0.
 * Returns: OK, INVALID_ARGUMENT, NOT_FOUND, PERMISSION, IS_DIRECTORY, IO (not
 * a regular file, or unreadable), TOO_LARGE, BAD_KEY, NO_MEMORY, CRYPTO. */
PQCHA_MUST_CHECK
pqcha_err pqcha_key_load(pqcha_key **out, const char *path, int *loose_permissions);

#ifdef __cplusplus
}
#endif
#endif
