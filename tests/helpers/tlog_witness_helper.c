/* tlog_witness_helper — test logs for tests/integration/test_cli_witness.sh:
 * signed checkpoints, consistency proof files and mirrors of tiles, for
 * chosen sizes, without a log server.
 *
 *   tlog_witness_helper checkpoint KEY ORIGIN SIZE [FORK_AT]   signed checkpoint on stdout
 *   tlog_witness_helper proof OLD NEW [FORK_AT]                proof file (JSON) on stdout
 *   tlog_witness_helper mirror KEY ORIGIN SIZE DIR [FORK_AT]   DIR/checkpoint, DIR/tile/...
 *   tlog_witness_helper verify NOTE LOG_PUB ORIGIN WITNESS_PUB NAME
 *
 * verify opens a cosigned checkpoint with the log's key and checks the
 * witness's cosignature with pqcha_note_verify (exit 0 and "ok: ..." when
 * both verify, 1 otherwise).
 *
 * Entry i is "witness-test/<i>", or "witness-fork/<i>" from index FORK_AT
 * on: two logs with the same key and origin and different FORK_AT are a
 * fork. The proof file is {"oldSize":M,"newSize":N,"consistencyProof":
 * [base64...]}, written here by hand so that it also checks the decoder.
 * A mirror holds what a log serves below its prefix: the checkpoint, every
 * hash tile (tile/<L>/<N>[.p/<W>]) and entry bundle (tile/entries/...). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pqcha.h"

#define ENTRY_MAX 48

typedef struct test_log {
    uint64_t size, fork_at;
    uint8_t *levels[8]; /* levels[L]: the hashes of tile level L (256^L leaves each) */
    uint64_t counts[8];
} test_log;

static int fail(const char *what, pqcha_err err) {
    fprintf(stderr, "tlog_witness_helper: %s: %s\n", what, pqcha_strerror(err));
    return 1;
}

static size_t entry_of(const test_log *log, uint64_t i, char out[ENTRY_MAX]) {
    return (size_t)snprintf(out, ENTRY_MAX, "%s/%" PRIu64,
                            i < log->fork_at ? "witness-test" : "witness-fork", i);
}

/* Leaf hashes, then at each tile level the hash of every full tile below. */
static pqcha_err build(test_log *log, uint64_t size, uint64_t fork_at) {
    memset(log, 0, sizeof *log);
    log->size = size;
    log->fork_at = fork_at;
    log->counts[0] = size;
    log->levels[0] = malloc(size ? size * PQCHA_TLOG_HASH_LEN : 1);
    if (!log->levels[0]) return PQCHA_ERR_NO_MEMORY;
    for (uint64_t i = 0; i < size; i++) {
        char entry[ENTRY_MAX];
        size_t len = entry_of(log, i, entry);
        pqcha_err err = pqcha_tlog_leaf_hash(log->levels[0] + i * PQCHA_TLOG_HASH_LEN,
                                             (const uint8_t *)entry, len);
        if (err != PQCHA_OK) return err;
    }
    for (unsigned l = 1; l < 8 && log->counts[l - 1] >= PQCHA_TLOG_TILE_WIDTH; l++) {
        log->counts[l] = log->counts[l - 1] / PQCHA_TLOG_TILE_WIDTH;
        log->levels[l] = malloc(log->counts[l] * PQCHA_TLOG_HASH_LEN);
        if (!log->levels[l]) return PQCHA_ERR_NO_MEMORY;
        for (uint64_t j = 0; j < log->counts[l]; j++) {
            pqcha_err err = pqcha_tlog_root_of_hashes(
                log->levels[l] + j * PQCHA_TLOG_HASH_LEN,
                log->levels[l - 1] + j * PQCHA_TLOG_TILE_WIDTH * PQCHA_TLOG_HASH_LEN,
                PQCHA_TLOG_TILE_WIDTH);
            if (err != PQCHA_OK) return err;
        }
    }
    return PQCHA_OK;
}

static void log_free(test_log *log) {
    for (unsigned l = 0; l < 8; l++)
        free(log->levels[l]);
}

static int parse_u64(const char *text, uint64_t *out) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || end == text || *end) return 0;
    *out = v;
    return 1;
}

static int signed_checkpoint(const test_log *log, const char *key_path, const char *origin,
                             char **note, size_t *note_len) {
    pqcha_key *key = NULL;
    uint8_t root[PQCHA_TLOG_HASH_LEN];
    pqcha_tlog_hashes leaves = {log->levels[0], log->size};
    char *body = NULL;
    size_t body_len = 0;
    pqcha_err err = pqcha_key_load(&key, key_path, NULL);
    if (err == PQCHA_OK)
        err = pqcha_tlog_tree_root(root, log->size, pqcha_tlog_hashes_node, &leaves);
    if (err == PQCHA_OK)
        err = pqcha_checkpoint_encode(&body, &body_len, origin, log->size, root, NULL);
    if (err == PQCHA_OK) err = pqcha_note_sign(note, note_len, body, body_len, origin, key);
    pqcha_free(body);
    pqcha_key_free(key);
    return err == PQCHA_OK ? 0 : fail("checkpoint", err);
}

static int print_proof(const test_log *log, uint64_t old_size) {
    pqcha_tlog_hashes leaves = {log->levels[0], log->size};
    uint8_t *proof = NULL;
    size_t count = 0;
    pqcha_err err = pqcha_tlog_consistency_proof(&proof, &count, old_size, log->size,
                                                 pqcha_tlog_hashes_node, &leaves);
    if (err != PQCHA_OK) return fail("proof", err);
    printf("{\"oldSize\":%" PRIu64 ",\"newSize\":%" PRIu64 ",\"consistencyProof\":[", old_size,
           log->size);
    for (size_t i = 0; err == PQCHA_OK && i < count; i++) {
        char *b64 = NULL;
        err = pqcha_base64_encode(&b64, NULL, proof + i * PQCHA_TLOG_HASH_LEN, PQCHA_TLOG_HASH_LEN);
        if (err == PQCHA_OK) printf("%s\"%s\"", i ? "," : "", b64);
        pqcha_free(b64);
    }
    printf("]}\n");
    pqcha_free(proof);
    return err == PQCHA_OK ? 0 : fail("proof", err);
}

/* Writes data to dir/rel, making the directories on the way. */
static int write_file(const char *dir, const char *rel, const void *data, size_t len) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    for (char *p = path + 1; (p = strchr(p, '/')) != NULL; p++) {
        *p = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST) return fail(path, PQCHA_ERR_IO);
        *p = '/';
    }
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(data, 1, len, f) == len;
    if (f && fclose(f) != 0) ok = 0;
    return ok ? 0 : fail(path, PQCHA_ERR_IO);
}

static int write_bundle(const test_log *log, const char *dir, uint64_t n, unsigned width) {
    char entries[PQCHA_TLOG_TILE_WIDTH][ENTRY_MAX];
    const uint8_t *ptrs[PQCHA_TLOG_TILE_WIDTH];
    size_t lens[PQCHA_TLOG_TILE_WIDTH];
    for (unsigned i = 0; i < width; i++) {
        lens[i] = entry_of(log, n * PQCHA_TLOG_TILE_WIDTH + i, entries[i]);
        ptrs[i] = (const uint8_t *)entries[i];
    }
    uint8_t *bundle = NULL;
    size_t len = 0;
    char path[PQCHA_TLOG_TILE_PATH_MAX];
    pqcha_err err = pqcha_tlog_bundle_encode(&bundle, &len, ptrs, lens, width);
    if (err == PQCHA_OK)
        err = pqcha_tlog_tile_path(path, sizeof path, PQCHA_TLOG_ENTRIES, n, width);
    int status = err == PQCHA_OK ? write_file(dir, path, bundle, len) : fail("bundle", err);
    pqcha_free(bundle);
    return status;
}

static int write_mirror(const test_log *log, const char *dir, const char *note, size_t note_len) {
    if (write_file(dir, "checkpoint", note, note_len)) return 1;
    for (unsigned l = 0; l < pqcha_tlog_tile_levels(log->size); l++) {
        uint64_t count = log->counts[l];
        for (uint64_t n = 0; n * PQCHA_TLOG_TILE_WIDTH < count; n++) {
            uint64_t left = count - n * PQCHA_TLOG_TILE_WIDTH;
            unsigned width = left < PQCHA_TLOG_TILE_WIDTH ? (unsigned)left : PQCHA_TLOG_TILE_WIDTH;
            char path[PQCHA_TLOG_TILE_PATH_MAX];
            pqcha_err err = pqcha_tlog_tile_path(path, sizeof path, (int)l, n, width);
            if (err != PQCHA_OK) return fail("tile path", err);
            if (write_file(dir, path,
                           log->levels[l] + n * PQCHA_TLOG_TILE_WIDTH * PQCHA_TLOG_HASH_LEN,
                           (size_t)width * PQCHA_TLOG_HASH_LEN))
                return 1;
            if (l == 0 && write_bundle(log, dir, n, width)) return 1;
        }
    }
    return 0;
}

static int verify_cosigned(char **argv) {
    pqcha_key *log_key = NULL, *witness_key = NULL;
    pqcha_note_verifier *v = NULL;
    pqcha_checkpoint *cp = NULL;
    pqcha_note *note = NULL;
    size_t verified = 0, len = 0;
    static char text[PQCHA_NOTE_MAX_LEN + 1];
    FILE *f = fopen(argv[2], "rb");
    if (f) {
        len = fread(text, 1, sizeof text - 1, f);
        fclose(f);
    }
    pqcha_err err = f ? pqcha_key_load(&log_key, argv[3], NULL) : PQCHA_ERR_NOT_FOUND;
    if (err == PQCHA_OK) err = pqcha_key_load(&witness_key, argv[5], NULL);
    if (err == PQCHA_OK) err = pqcha_checkpoint_open(&cp, text, len, argv[4], log_key);
    if (err == PQCHA_OK) err = pqcha_note_parse(&note, text, len);
    if (err == PQCHA_OK) err = pqcha_note_verifier_create(&v);
    if (err == PQCHA_OK) err = pqcha_note_verifier_add(v, argv[6], witness_key);
    if (err == PQCHA_OK) err = pqcha_note_verify(&verified, note, v, 1);
    if (err == PQCHA_OK)
        printf("ok: size %" PRIu64 ", %zu witness cosignature verified\n",
               pqcha_checkpoint_size(cp), verified);
    pqcha_note_verifier_free(v);
    pqcha_note_free(note);
    pqcha_checkpoint_free(cp);
    pqcha_key_free(witness_key);
    pqcha_key_free(log_key);
    return err == PQCHA_OK ? 0 : fail("verify", err);
}

static int usage(void) {
    fprintf(stderr, "usage: tlog_witness_helper checkpoint KEY ORIGIN SIZE [FORK_AT]\n"
                    "       tlog_witness_helper proof OLD NEW [FORK_AT]\n"
                    "       tlog_witness_helper mirror KEY ORIGIN SIZE DIR [FORK_AT]\n"
                    "       tlog_witness_helper verify NOTE LOG_PUB ORIGIN WITNESS_PUB NAME\n");
    return 2;
}

int main(int argc, char **argv) {
    uint64_t size = 0, old_size = 0, fork_at = UINT64_MAX;
    int status;
    test_log log;
    if (argc < 2) return usage();
    const char *cmd = argv[1];
    if (strcmp(cmd, "verify") == 0) return argc == 7 ? verify_cosigned(argv) : usage();
    int checkpoint = strcmp(cmd, "checkpoint") == 0, mirror = strcmp(cmd, "mirror") == 0;
    int proof = strcmp(cmd, "proof") == 0;
    int need = checkpoint ? 5 : mirror ? 6 : proof ? 4 : -1;
    if (need < 0 || (argc != need && argc != need + 1)) return usage();
    if (argc == need + 1 && !parse_u64(argv[need], &fork_at)) return usage();
    if (!parse_u64(argv[proof ? 3 : 4], &size) || (proof && !parse_u64(argv[2], &old_size)))
        return usage();
    pqcha_err err = build(&log, size, fork_at);
    if (err != PQCHA_OK) {
        log_free(&log);
        return fail("tree", err);
    }
    if (proof) {
        status = print_proof(&log, old_size);
    } else {
        char *note = NULL;
        size_t note_len = 0;
        status = signed_checkpoint(&log, argv[2], argv[3], &note, &note_len);
        if (status == 0 && checkpoint) status = fwrite(note, 1, note_len, stdout) != note_len;
        if (status == 0 && mirror) status = write_mirror(&log, argv[5], note, note_len);
        pqcha_free(note);
    }
    log_free(&log);
    return status;
}
