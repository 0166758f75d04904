/* pqcha/tlog.h — the pure core of a transparency log: RFC 9162 Merkle tree
 * hashes (SHA-256), inclusion and consistency proofs, C2SP tlog-tiles paths
 * and tiles, C2SP tlog-checkpoint bodies and C2SP signed notes signed with
 * ML-DSA. Everything here computes on bytes the caller gives; storage, HTTP
 * and files are the caller's. Format: docs/FORMAT.md section 9.
 *
 * Hashes are PQCHA_TLOG_HASH_LEN bytes; a list of hashes (a proof, a tile)
 * is their concatenation. Conventions as in the rest of the API
 * (docs/API-CONVENTIONS.md): outputs first, on error every output reset,
 * buffers returned through uint8_t ** / char ** released with pqcha_free.
 */
#ifndef PQCHA_TLOG_H
#define PQCHA_TLOG_H

#include <stddef.h>
#include <stdint.h>

#include "pqcha/crypto.h"
#include "pqcha/error.h"
#include "pqcha/verify.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the Merkle tree (RFC 9162 section 2.1, SHA-256) ---- */

#define PQCHA_TLOG_HASH_LEN 32
/* The largest tree: sizes and indices fit a signed 64-bit integer, as
 * databases and most languages store them. */
#define PQCHA_TLOG_MAX_SIZE ((uint64_t)INT64_MAX)
/* No proof in a tree of at most PQCHA_TLOG_MAX_SIZE leaves has more hashes. */
#define PQCHA_TLOG_MAX_PROOF_HASHES 64
/* A complete subtree's level: it holds 2^level leaves (0..62 in such a tree). */
#define PQCHA_TLOG_MAX_LEVEL 62

/* SHA-256(0x00 || entry). Returns: OK, INVALID_ARGUMENT (out NULL, entry
 * NULL with len > 0), NO_MEMORY, CRYPTO. */
PQCHA_MUST_CHECK
pqcha_err pqcha_tlog_leaf_hash(uint8_t out[PQCHA_TLOG_HASH_LEN], const uint8_t *entry, size_t len);
/* SHA-256(0x01 || left || right). Returns: OK, INVALID_ARGUMENT, NO_MEMORY, CRYPTO. */
PQCHA_MUST_CHECK
pqcha_err pqcha_tlog_node_hash(uint8_t out[PQCHA_TLOG_HASH_LEN],
                               const uint8_t left[PQCHA_TLOG_HASH_LEN],
                               const uint8_t right[PQCHA_TLOG_HASH_LEN]);
/* The Merkle tree hash over count hashes taken as the tree's bottom row:
 * given leaf hashes, the tree's root (count 0: SHA-256 of nothing, the
 * empty tree's root); given the 256 hashes of a full tile, the hash that
 * stands for the tile in the level above. O(count) hashes.
 * Returns: OK, INVALID_ARGUMENT (out NULL, hashes NULL with count > 0),
 * NO_MEMORY, CRYPTO. */
PQCHA_MUST_CHECK
pqcha_err pqcha_tlog_root_of_hashes(uint8_t out[PQCHA_TLOG_HASH_LEN], const uint8_t *hashes,
                                    uint64_t count);

/* Where a proof's hashes come from: the hash of the complete subtree of
 * 2^level leaves that starts at leaf index << level (the tree's stored
 * nodes: RFC 9162 needs no others). libpqcha asks only for subtrees that
 * lie wholly inside the tree it works on. Any error returned is passed on. */
typedef pqcha_err (*pqcha_tlog_node_fn)(void *ctx, unsigned level, uint64_t index,
                                        uint8_t out[PQCHA_TLOG_HASH_LEN]);

/* A pqcha_tlog_node_fn over leaf hashes in memory: ctx is a
 * const pqcha_tlog_hashes *. Each node costs 2^level hashes, so a proof
 * costs O(tree size): for small trees and tests; a log serves proofs from
 * its tiles (pqcha_tlog_tiles_node). Returns: OK, INVALID_ARGUMENT (a
 * level above PQCHA_TLOG_MAX_LEVEL, a subtree beyond count), NO_MEMORY,
 * CRYPTO. */
typedef struct pqcha_tlog_hashes {
    const uint8_t *hashes; /* count leaf hashes, concatenated */
    uint64_t count;
} pqcha_tlog_hashes;
PQCHA_MUST_CHECK
pqcha_err pqcha_tlog_hashes_node(void *ctx, unsigned level, uint64_t index,
                                 uint8_t out[PQCHA_TLOG_HASH_LEN]);

/* The root of the tree of size leaves, from its nodes (at most 64 of them).
 * Returns: OK, INVALID_ARGUMENT, NO_MEMORY, CRYPTO, or what nodes returns. */
PQCHA_MUST_CHECK
pqcha_err pqcha_tlog_tree_root(uint8_t out[PQCHA_TLOG_HASH_LEN], uint64_t size,
                               pqcha_tlog_node_fn nodes, void *ctx);

/* The inclusion proof (RFC 9162 2.1.3.1) of leaf index in the tree of size
 * leaves: *count hashes in *proof (NULL when *count is 0, a tree of one
 * leaf), leaf's sibling first. Free with pqcha_free.
 * Returns: OK, INVALID_ARGUMENT (NULL, index >= size, size above
 * PQCHA_TLOG_MAX_SIZE), NO_MEMORY, CRYPTO, or what nodes returns. */
PQCHA_MUST_CHECK
pqcha_err pqcha_tlog_inclusion_proof(uint8_t **proof, size_t *count, uint64_t index, uint64_t size,
                                     pqcha_tlog_node_fn nodes, void *ctx);
/* The consistency proof (RFC 9162 2.1.4.1) from the tree of old_size leaves
 * to the tree of new_size: empty when old_size is 0 or equals new_size.
 * Returns: OK, INVALID_ARGUMENT (NULL, old_size > new_size, new_size above
 * PQCHA_TLOG_MAX_SIZE), NO_MEMORY, CRYPTO, or what nodes returns. */
PQCHA_MUST_CHECK
pqcha_err pqcha_tlog_consistency_proof(uint8_t **proof, size_t *count, uint64_t old_size,
                                       uint64_t new_size, pqcha_tlog_node_fn nodes, void *ctx);

/* The number of hashes the proofs above have (0 for arguments that have
 * no proof: index >= size, old_size > new_size, sizes above the maximum). */
size_t pqcha_tlog_inclusion_proof_count(uint64_t index, uint64_t size);
size_t pqcha_tlog_consistency_proof_count(uint64_t old_size, uint64_t new_size);

/* Checks that leaf_hash is leaf index of the tree of size leaves whose root
 * is root (RFC 9162 2.1.3.2).
 * Returns: OK, INVALID_ARGUMENT (NULL pointers), OUT_OF_RANGE (index >=
 * size, size above PQCHA_TLOG_MAX_SIZE), LOG_PROOF_SIZE (not the number of
 * hashes such a proof has), LOG_PROOF (the hashes do not lead to root),
 * NO_MEMORY, CRYPTO. */
PQCHA_MUST_CHECK
pqcha_err pqcha_tlog_verify_inclusion(const uint8_t leaf_hash[PQCHA_TLOG_HASH_LEN], uint64_t index,
                                      uint64_t size, const uint8_t *proof, size_t count,
                                      const uint8_t root[PQCHA_TLOG_HASH_LEN]);
/* Checks that the tree (new_size, new_root) extends the tree (old_size,
 * old_root): nothing in the old tree was removed or changed (RFC 9162
 * 2.1.4.2). Trees of the same size are consistent when their roots are
 * equal (the proof is then empty); the empty tree's root is SHA-256 of
 * nothing, and it is consistent with every tree (empty proof).
 * Returns: OK, INVALID_ARGUMENT, OUT_OF_RANGE (a size above
 * PQCHA_TLOG_MAX_SIZE), LOG_ROLLBACK (old_size > new_size),
 * LOG_FORK (equal sizes, different roots; or size 0 with another root),
 * LOG_PROOF_SIZE, LOG_PROOF, NO_MEMORY, CRYPTO. */
PQCHA_MUST_CHECK
pqcha_err pqcha_tlog_verify_consistency(uint64_t old_size,
                                        const uint8_t old_root[PQCHA_TLOG_HASH_LEN],
                                        uint64_t new_size,
                                        const uint8_t new_root[PQCHA_TLOG_HASH_LEN],
                                        const uint8_t *proof, size_t count);

/* ---- tiles (C2SP tlog-tiles) ---- */

#define PQCHA_TLOG_TILE_HEIGHT    8   /* levels of the tree one tile spans */
#define PQCHA_TLOG_TILE_WIDTH     256 /* hashes in a full tile */
#define PQCHA_TLOG_TILE_MAX_BYTES (PQCHA_TLOG_TILE_WIDTH * PQCHA_TLOG_HASH_LEN)
#define PQCHA_TLOG_ENTRIES        (-1)  /* the "level" of entry bundles (tile/entries/...) */
#define PQCHA_TLOG_TILE_PATH_MAX  64    /* a tile path and its NUL fit */
#define PQCHA_TLOG_MAX_ENTRY_LEN  65535 /* an entry bundle's uint16 length prefix */

/* The tiles of a tree of size leaves at a tile level: full tiles 0..n-1,
 * then, if the partial width is not 0, one partial tile of that width. */
uint64_t pqcha_tlog_tile_full_count(uint64_t size, unsigned tile_level);
unsigned pqcha_tlog_tile_partial_width(uint64_t size, unsigned tile_level);
/* The number of tile levels that hold a tile (0 for the empty tree). */
unsigned pqcha_tlog_tile_levels(uint64_t size);

/* "tile/<L>/<N>[.p/<W>]", or "tile/entries/<N>[.p/<W>]" for level
 * PQCHA_TLOG_ENTRIES: the path below the log's prefix, with N in 3-digit
 * groups ("x001/x234/067") and W only for a partial tile (width < 256).
 * On error out holds "" (if out_len is not 0).
 * Returns: OK, INVALID_ARGUMENT (out NULL or out_len below
 * PQCHA_TLOG_TILE_PATH_MAX; level above 63 or below PQCHA_TLOG_ENTRIES;
 * width 0 or above 256). */
PQCHA_MUST_CHECK
pqcha_err pqcha_tlog_tile_path(char *out, size_t out_len, int level, uint64_t index,
                               unsigned width);
/* The inverse, strict: only the exact spelling pqcha_tlog_tile_path writes
 * (no leading zeros, no empty groups, no "x000/" lead). *width is 256 for a
 * full tile. Outputs are 0 on error.
 * Returns: OK, INVALID_ARGUMENT, LOG_TILE_PATH. */
PQCHA_MUST_CHECK
pqcha_err pqcha_tlog_tile_path_parse(int *level, uint64_t *index, unsigned *width, const char *path,
                                     size_t len);

/* Reads the hash tile (level, index) of the width the tree needs, as
 * stored: copies it to out (room for PQCHA_TLOG_TILE_MAX_BYTES) and sets
 * *out_len to its length. A stored tile of another length is passed as it
 * is (libpqcha refuses it: LOG_TILE_SIZE); one too long for out is the
 * callback's LOG_TILE_SIZE. Any error returned is passed on. */
typedef pqcha_err (*pqcha_tlog_tile_fn)(void *ctx, unsigned level, uint64_t index, unsigned width,
                                        uint8_t *out, size_t *out_len);

/* A pqcha_tlog_node_fn over stored tiles: ctx is a const pqcha_tlog_tiles *
 * naming the tree's size. A node costs one tile read and at most 127
 * hashes, whatever the tree's size.
 * Returns: OK, INVALID_ARGUMENT (a subtree beyond size), LOG_TILE_SIZE,
 * NO_MEMORY, CRYPTO, or what read returns. */
typedef struct pqcha_tlog_tiles {
    pqcha_tlog_tile_fn read;
    void *ctx;
    uint64_t size; /* the tree's size: it fixes the partial tiles' widths */
} pqcha_tlog_tiles;
PQCHA_MUST_CHECK
pqcha_err pqcha_tlog_tiles_node(void *ctx, unsigned level, uint64_t index,
                                uint8_t out[PQCHA_TLOG_HASH_LEN]);

/* Audits every hash tile of the tree of size leaves against its root: each
 * tile has its width's length, each full tile hashes to its entry in the
 * tile above, and the tiles give root. Tiles are read one at a time.
 * Returns: OK, INVALID_ARGUMENT (also size above PQCHA_TLOG_MAX_SIZE),
 * LOG_TILE_SIZE (a truncated or overlong tile), LOG_TILE (a tile that does
 * not match the tree: tampered), NO_MEMORY, CRYPTO, or what read returns. */
PQCHA_MUST_CHECK
pqcha_err pqcha_tlog_tiles_verify(uint64_t size, const uint8_t root[PQCHA_TLOG_HASH_LEN],
                                  pqcha_tlog_tile_fn read, void *ctx);

/* An entry bundle: each entry as a big-endian uint16 length and its bytes.
 * Returns: OK, INVALID_ARGUMENT, TOO_LARGE (an entry above
 * PQCHA_TLOG_MAX_ENTRY_LEN, or more than 256 entries), NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_tlog_bundle_encode(uint8_t **out, size_t *out_len, const uint8_t *const *entries,
                                   const size_t *lens, size_t count);
/* Reads the entry at *offset of a bundle (borrowed from it) and moves
 * *offset past it; start at 0, stop when *offset equals bundle_len. On
 * error *entry is NULL, *entry_len 0 and *offset unchanged.
 * Returns: OK, INVALID_ARGUMENT (NULL, *offset at or past the end),
 * LOG_BUNDLE (a truncated entry). */
PQCHA_MUST_CHECK
pqcha_err pqcha_tlog_bundle_entry(const uint8_t **entry, size_t *entry_len, const uint8_t *bundle,
                                  size_t bundle_len, size_t *offset);
/* Checks an entry bundle against its level-0 tile of width hashes: exactly
 * width entries, nothing after them, entry i hashing to hash i.
 * Returns: OK, INVALID_ARGUMENT (width 0 or above 256), LOG_TILE_SIZE (the
 * tile is not width hashes), LOG_BUNDLE (truncated, too few or too many
 * entries), LOG_TILE (an entry that is not the one the tile holds),
 * NO_MEMORY, CRYPTO. */
PQCHA_MUST_CHECK
pqcha_err pqcha_tlog_bundle_verify(const uint8_t *bundle, size_t bundle_len, const uint8_t *tile,
                                   size_t tile_len, unsigned width);

/* ---- checkpoints (C2SP tlog-checkpoint) ---- */

#define PQCHA_CHECKPOINT_MAX_LEN    4096
#define PQCHA_CHECKPOINT_MAX_ORIGIN 255

typedef struct pqcha_checkpoint pqcha_checkpoint;

/* The body: origin line, tree size in decimal, base64 root hash, then the
 * extension lines (NULL or "" for none; otherwise non-empty lines, each
 * ending in a newline). Returns: OK, INVALID_ARGUMENT (NULL), LOG_TEXT
 * (origin or extensions not UTF-8 or holding a control character),
 * LOG_CHECKPOINT (empty or overlong origin, an empty extension line or one
 * without its newline), LOG_TREE_SIZE (size above PQCHA_TLOG_MAX_SIZE),
 * TOO_LARGE, NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_checkpoint_encode(char **out, size_t *out_len, const char *origin, uint64_t size,
                                  const uint8_t root[PQCHA_TLOG_HASH_LEN], const char *extensions);
/* Parses a checkpoint body (a note's text), strictly: only what
 * pqcha_checkpoint_encode writes. Returns: OK, INVALID_ARGUMENT, TOO_LARGE
 * (over PQCHA_CHECKPOINT_MAX_LEN), LOG_TEXT (not UTF-8, a control character
 * other than newline: a CR too), LOG_CHECKPOINT (fewer than three lines, an
 * empty line, no final newline, an origin over 255 bytes, a root that is
 * not 32 bytes), LOG_TREE_SIZE (not canonical decimal: a sign, a leading
 * zero, above PQCHA_TLOG_MAX_SIZE), BAD_BASE64, NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_checkpoint_parse(pqcha_checkpoint **out, const char *text, size_t len);
const char *pqcha_checkpoint_origin(const pqcha_checkpoint *cp);
uint64_t pqcha_checkpoint_size(const pqcha_checkpoint *cp);
const uint8_t *pqcha_checkpoint_root(const pqcha_checkpoint *cp);    /* 32 bytes */
const char *pqcha_checkpoint_extensions(const pqcha_checkpoint *cp); /* "" for none */
void pqcha_checkpoint_free(pqcha_checkpoint *cp);

/* A signed checkpoint as a log publishes it: checks the log's signature
 * (key name = origin) and parses the body. origin NULL takes the body's own
 * origin line as the key name; otherwise the body must name that origin.
 * Returns: OK, INVALID_ARGUMENT, the note's and the body's decoding errors
 * (pqcha_note_parse, pqcha_checkpoint_parse), UNTRUSTED_KEY (no signature
 * by that name and key), BAD_SIGNATURE, BAD_SIGNATURE_LENGTH, LOG_ORIGIN
 * (signed by the log's key for another origin), NO_MEMORY, CRYPTO. */
PQCHA_MUST_CHECK
pqcha_err pqcha_checkpoint_open(pqcha_checkpoint **out, const char *note, size_t len,
                                const char *origin, const pqcha_key *log_key);
/* Checks that checkpoint newer extends older (both already opened): the
 * same origin and a consistency proof between them. What a witness checks
 * before it cosigns. Returns: OK, INVALID_ARGUMENT, LOG_ORIGIN, and what
 * pqcha_tlog_verify_consistency returns: LOG_ROLLBACK, LOG_FORK,
 * LOG_PROOF_SIZE, LOG_PROOF. */
PQCHA_MUST_CHECK
pqcha_err pqcha_checkpoint_verify_consistency(const pqcha_checkpoint *older,
                                              const pqcha_checkpoint *newer, const uint8_t *proof,
                                              size_t count);

/* ---- signed notes (C2SP signed-note), ML-DSA signatures ----
 * A note is its text (UTF-8 lines, each ending in a newline), a blank line,
 * and one or more lines "— <name> <base64(key ID || signature)>". pqcha's
 * signature type is the signed-note escape 0xff followed by
 * "pqcha-ml-dsa-<44|65|87>" and a newline (FORMAT.md 9.6); the signed
 * message is "pqcha-note/v1\n" || name || "\n" || text, which no report
 * signature (DSSE PAE, "DSSEv1 ...") can be. */

#define PQCHA_NOTE_MAX_LEN        (256 * 1024)
#define PQCHA_NOTE_MAX_SIGNATURES 64
#define PQCHA_NOTE_MAX_NAME       255

/* The key ID of key (its public half) signing notes as name.
 * Returns: OK, INVALID_ARGUMENT, BAD_IDENTIFIER (name empty, over 255
 * bytes, not UTF-8, a control character, a Unicode space or '+'),
 * NO_MEMORY, CRYPTO. */
PQCHA_MUST_CHECK
pqcha_err pqcha_note_key_id(uint32_t *out, const char *name, const pqcha_key *key);

/* Signs text (non-empty, ending in a newline) as name: the signed note,
 * text followed by the blank line and one signature line.
 * Returns: OK, INVALID_ARGUMENT, BAD_IDENTIFIER, LOG_TEXT (not UTF-8, a
 * control character other than newline), LOG_NOTE (empty, or no final
 * newline), TOO_LARGE, NOT_PRIVATE_KEY, NO_MEMORY, CRYPTO. */
PQCHA_MUST_CHECK
pqcha_err pqcha_note_sign(char **out, size_t *out_len, const char *text, size_t len,
                          const char *name, const pqcha_key *key);
/* Adds name's signature to a signed note (a witness's cosignature),
 * replacing an earlier one by the same name and key. The note's other
 * lines are kept as they are; nothing is verified (verify first).
 * Returns: as pqcha_note_parse and pqcha_note_sign. */
PQCHA_MUST_CHECK
pqcha_err pqcha_note_cosign(char **out, size_t *out_len, const char *note, size_t len,
                            const char *name, const pqcha_key *key);

typedef struct pqcha_note pqcha_note;

/* Parses a signed note, strictly; verifies no signature. The text ends at
 * the last blank line. Returns: OK, INVALID_ARGUMENT, TOO_LARGE (over
 * PQCHA_NOTE_MAX_LEN, more than PQCHA_NOTE_MAX_SIGNATURES lines, a
 * signature over 8 KiB), LOG_TEXT, LOG_NOTE (no blank line, no signature
 * line, a line that is not "— name base64", a bad key name, a signature
 * under 5 bytes), BAD_BASE64, NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_note_parse(pqcha_note **out, const char *note, size_t len);
const char *pqcha_note_text(const pqcha_note *n); /* NUL-terminated, with its final newline */
size_t pqcha_note_text_length(const pqcha_note *n);
size_t pqcha_note_signature_count(const pqcha_note *n);
const char *pqcha_note_signature_name(const pqcha_note *n, size_t i);
uint32_t pqcha_note_signature_key_id(const pqcha_note *n, size_t i);
/* The signature's bytes after the key ID (not verified), and their number. */
const uint8_t *pqcha_note_signature(const pqcha_note *n, size_t i);
size_t pqcha_note_signature_length(const pqcha_note *n, size_t i);
void pqcha_note_free(pqcha_note *n);

/* Verifies name's signature with key. Lines by other names or key IDs are
 * ignored. Returns: OK, INVALID_ARGUMENT, BAD_IDENTIFIER, UNTRUSTED_KEY (no
 * line by that name and key), BAD_SIGNATURE, BAD_SIGNATURE_LENGTH (a
 * truncated signature), NO_MEMORY, CRYPTO. */
PQCHA_MUST_CHECK
pqcha_err pqcha_note_verify_key(const pqcha_note *n, const char *name, const pqcha_key *key);

/* A set of (name, public key) a note is verified against: the witnesses a
 * verifier trusts. Keys are copied (public halves). */
typedef struct pqcha_note_verifier pqcha_note_verifier;
/* Returns: OK, INVALID_ARGUMENT, NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_note_verifier_create(pqcha_note_verifier **out);
/* Returns: OK, INVALID_ARGUMENT (NULL; the same name and key ID already
 * added), BAD_IDENTIFIER, TOO_LARGE (more than PQCHA_NOTE_MAX_SIGNATURES),
 * NO_MEMORY, CRYPTO. A failed call leaves the set as it was. */
PQCHA_MUST_CHECK
pqcha_err pqcha_note_verifier_add(pqcha_note_verifier *v, const char *name, const pqcha_key *key);
size_t pqcha_note_verifier_count(const pqcha_note_verifier *v);
void pqcha_note_verifier_free(pqcha_note_verifier *v);
/* Verifies every line whose name and key ID are in the set (others are
 * ignored) and counts the members whose signature verified, each once.
 * A known line that fails rejects the whole note. *verified is the count
 * (0 on error). required must be at least 1.
 * Returns: OK, INVALID_ARGUMENT, BAD_SIGNATURE, BAD_SIGNATURE_LENGTH,
 * LOG_WITNESSES (fewer than required verified), NO_MEMORY, CRYPTO. */
PQCHA_MUST_CHECK
pqcha_err pqcha_note_verify(size_t *verified, const pqcha_note *n, const pqcha_note_verifier *v,
                            size_t required);

/* ---- pqcha's log files: entries, receipts, consistency proofs ----
 * What a pqcha log puts in its entries, what an acknowledgement carries
 * (a receipt) and a consistency proof as a file: strict JSON (FORMAT.md
 * 9.8-9.10). Decoders reject unknown and duplicate fields, wrong types and
 * anything over its cap, each with its own code. */

#define PQCHA_TLOG_ENTRY_MAX_LEN 4096         /* an entry's JSON */
#define PQCHA_TLOG_FILE_MAX_LEN  (256 * 1024) /* a receipt or consistency proof file */
#define PQCHA_TLOG_RECEIPT_MAX_NOTE \
    (64 * 1024) /* the checkpoint a receipt carries: a log and a dozen witnesses */
#define PQCHA_TLOG_ENTRY_VERSION 1

/* The fields of a log entry: one report the log's verifier accepted for
 * storage, and its verdict. */
typedef struct pqcha_tlog_entry_fields {
    int64_t received_at;   /* Unix seconds: when the verifier received the report */
    const char *workload;  /* the report's workload (an identifier) */
    const char *report_id; /* the report's id; NULL or "": none */
    uint8_t envelope_sha256[PQCHA_TLOG_HASH_LEN]; /* pqcha_sha256 of the envelope's bytes */
    const char *signer; /* the signing key's id (64 lowercase hex); NULL or "": none */
    pqcha_verdict verdict;
    pqcha_err error; /* the deciding error: OK exactly when the verdict is valid */
    uint8_t policy_sha256[PQCHA_TLOG_HASH_LEN]; /* SHA-256 of the policy file in force */
} pqcha_tlog_entry_fields;

/* The entry's bytes: compact JSON, keys in the order of FORMAT.md 9.8, one
 * spelling per entry (NUL-terminated; free with pqcha_free).
 * Returns: OK, INVALID_ARGUMENT (NULL; a verdict outside the enum, an
 * error without a name), OUT_OF_RANGE (a time before 1970 or after 9999),
 * BAD_IDENTIFIER (the workload, or a report id, that
 * pqcha_identifier_check refuses), BAD_HEX (a signer that is not 64
 * lowercase hex), INCONSISTENT_CLAIMS (verdict valid with an error, or
 * another verdict with OK), TOO_LARGE, NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_tlog_entry_encode(char **out, size_t *out_len, const pqcha_tlog_entry_fields *f);

typedef struct pqcha_tlog_entry pqcha_tlog_entry;
/* Parses an entry, strictly: only what pqcha_tlog_entry_encode writes.
 * Returns: OK, INVALID_ARGUMENT, TOO_LARGE (over PQCHA_TLOG_ENTRY_MAX_LEN),
 * JSON_SYNTAX, JSON_TOO_COMPLEX, JSON_DUPLICATE_KEY, WRONG_TYPE (not an
 * object; a member of another type), UNKNOWN_FIELD, MISSING_FIELD,
 * OUT_OF_RANGE (v not 1), BAD_TIMESTAMP (also with a fraction) and
 * TIMESTAMP_NO_ZONE (receivedAt), BAD_IDENTIFIER (workload, reportId, a
 * verdict or an error that is not one of pqcha's names), BAD_HEX
 * (envelopeSha256, signer, policySha256), INCONSISTENT_CLAIMS (verdict and
 * error disagree), MALFORMED (valid otherwise, but not the one spelling:
 * whitespace, key order, escapes), NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_tlog_entry_parse(pqcha_tlog_entry **out, const char *text, size_t len);
/* The parsed fields; strings borrowed from e ("" for none), valid until
 * pqcha_tlog_entry_free. */
const pqcha_tlog_entry_fields *pqcha_tlog_entry_get(const pqcha_tlog_entry *e);
void pqcha_tlog_entry_free(pqcha_tlog_entry *e);

/* A receipt: entry index of the tree of tree_size leaves, its inclusion
 * proof (count hashes) and, optionally, the entry's bytes (entry NULL:
 * none) and the signed checkpoint the proof leads to (checkpoint NULL:
 * none). Compact JSON, NUL-terminated; free with pqcha_free.
 * Returns: OK, INVALID_ARGUMENT (NULL), OUT_OF_RANGE (index >= tree_size,
 * tree_size above PQCHA_TLOG_MAX_SIZE), TOO_LARGE (more than
 * PQCHA_TLOG_MAX_PROOF_HASHES hashes, an entry over
 * PQCHA_TLOG_MAX_ENTRY_LEN, a checkpoint over PQCHA_TLOG_RECEIPT_MAX_NOTE),
 * LOG_TEXT (a checkpoint that is not note text), NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_tlog_receipt_encode(char **out, size_t *out_len, uint64_t index, uint64_t tree_size,
                                    const uint8_t *entry, size_t entry_len, const uint8_t *proof,
                                    size_t count, const char *checkpoint, size_t checkpoint_len);

typedef struct pqcha_tlog_receipt pqcha_tlog_receipt;
/* Parses a receipt (or a proof file: a receipt without entry or
 * checkpoint). Returns: OK, INVALID_ARGUMENT, TOO_LARGE (over
 * PQCHA_TLOG_FILE_MAX_LEN, or a member over its cap), the JSON errors as
 * pqcha_tlog_entry_parse, OUT_OF_RANGE, BAD_BASE64, LOG_PROOF_SIZE (a
 * proof hash that is not 32 bytes), LOG_TEXT, NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_tlog_receipt_parse(pqcha_tlog_receipt **out, const char *text, size_t len);
uint64_t pqcha_tlog_receipt_index(const pqcha_tlog_receipt *r);
uint64_t pqcha_tlog_receipt_tree_size(const pqcha_tlog_receipt *r);
/* The proof's hashes, concatenated (NULL when *count is 0). */
const uint8_t *pqcha_tlog_receipt_proof(const pqcha_tlog_receipt *r, size_t *count);
/* The entry's bytes, or NULL (*len 0) when the receipt carries none. */
const uint8_t *pqcha_tlog_receipt_entry(const pqcha_tlog_receipt *r, size_t *len);
/* The signed checkpoint's text (NUL-terminated), or NULL when none. */
const char *pqcha_tlog_receipt_checkpoint(const pqcha_tlog_receipt *r, size_t *len);
void pqcha_tlog_receipt_free(pqcha_tlog_receipt *r);

/* A consistency proof file: from the tree of old_size leaves to the tree
 * of new_size. Returns: OK, INVALID_ARGUMENT, OUT_OF_RANGE (old_size >
 * new_size, new_size above PQCHA_TLOG_MAX_SIZE), TOO_LARGE (more than
 * PQCHA_TLOG_MAX_PROOF_HASHES hashes), NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_tlog_consistency_encode(char **out, size_t *out_len, uint64_t old_size,
                                        uint64_t new_size, const uint8_t *proof, size_t count);

typedef struct pqcha_tlog_consistency pqcha_tlog_consistency;
/* Returns: as pqcha_tlog_receipt_parse (without LOG_TEXT). */
PQCHA_MUST_CHECK
pqcha_err pqcha_tlog_consistency_parse(pqcha_tlog_consistency **out, const char *text, size_t len);
uint64_t pqcha_tlog_consistency_old_size(const pqcha_tlog_consistency *c);
uint64_t pqcha_tlog_consistency_new_size(const pqcha_tlog_consistency *c);
const uint8_t *pqcha_tlog_consistency_hashes(const pqcha_tlog_consistency *c, size_t *count);
void pqcha_tlog_consistency_free(pqcha_tlog_consistency *c);

#ifdef __cplusplus
}
#endif
#endif
