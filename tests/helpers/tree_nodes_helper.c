/* tree_nodes_helper — prints the sha3-256-tree node digests (docs/FORMAT.md
 * section 4.5) that libpqcha records, in the format of
 * `tests/oracle/tree_hash_ref.py --nodes`, so an integration test can compare
 * the two. A test tool only: `pqcha hash` has no debug output.
 *
 *   tree_nodes_helper [--leaf-size N] [--threads N] [--chunk N] FILE...
 *
 * Each file is read whole and fed to the engine in chunks of --chunk bytes
 * (default: all at once); the helper also checks that the digest recomputed
 * from the nodes equals the engine's digest and exits 1 otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/parhash.h"
#include "pqcha.h"

typedef struct helper_options {
    size_t leaf_size;
    unsigned threads;
    size_t chunk;
} helper_options;

static int read_whole(const char *path, uint8_t **out, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) return 0;
    size_t cap = 1 << 16, used = 0;
    uint8_t *buf = malloc(cap);
    while (buf != NULL) {
        size_t got = fread(buf + used, 1, cap - used, f);
        used += got;
        if (used < cap) break;
        uint8_t *grown = realloc(buf, cap * 2);
        if (grown == NULL) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = grown;
        cap *= 2;
    }
    int ok = buf != NULL && !ferror(f);
    fclose(f);
    if (!ok) {
        free(buf);
        return 0;
    }
    *out = buf;
    *len = used;
    return 1;
}

static int feed(pqcha__parhash *ph, const uint8_t *data, size_t len, size_t chunk) {
    size_t step = chunk ? chunk : (len ? len : 1);
    for (size_t off = 0; off < len; off += step)
        if (pqcha__parhash_update(ph, data + off, len - off < step ? len - off : step) != PQCHA_OK)
            return 0;
    return 1;
}

static void print_nodes(const char *path, const pqcha__parhash *ph) {
    size_t count = pqcha__parhash_node_count(ph);
    const uint8_t *nodes = pqcha__parhash_nodes(ph);
    printf("%s level=%u nodes=%zu\n", path, pqcha__parhash_node_level(ph), count);
    for (size_t i = 0; i < count; i++) {
        char hex[65];
        pqcha_hex_encode(hex, nodes + 32 * i, 32);
        printf("%s\n", hex);
    }
}

/* The nodes must reproduce the digest (FORMAT.md 4.5). */
static int nodes_reproduce_digest(const pqcha__parhash *ph, uint64_t total, size_t leaf_size,
                                  const uint8_t digest[32]) {
    size_t count = pqcha__parhash_node_count(ph);
    if (count == 0) return total <= leaf_size;
    uint8_t again[32];
    return pqcha__tree_root_from_nodes_custom(pqcha__parhash_nodes(ph), count, total, leaf_size,
                                              again) == PQCHA_OK &&
           memcmp(again, digest, 32) == 0;
}

static int one_file(const char *path, const helper_options *o) {
    uint8_t *data = NULL, digest[32];
    size_t len = 0;
    if (!read_whole(path, &data, &len)) {
        fprintf(stderr, "tree_nodes_helper: cannot read %s\n", path);
        return 0;
    }
    pqcha__parhash *ph = NULL;
    int ok = pqcha__parhash_new_custom(&ph, PQCHA_DIGEST_SHA3_256_TREE, o->threads, NULL,
                                       o->leaf_size) == PQCHA_OK &&
             pqcha__parhash_expect_length(ph, len) == PQCHA_OK && feed(ph, data, len, o->chunk) &&
             pqcha__parhash_final(ph, digest) == PQCHA_OK;
    if (ok) print_nodes(path, ph);
    if (ok && !nodes_reproduce_digest(ph, len, o->leaf_size, digest)) {
        fprintf(stderr, "tree_nodes_helper: %s: the nodes do not reproduce the digest\n", path);
        ok = 0;
    }
    pqcha__parhash_free(ph);
    free(data);
    return ok;
}

int main(int argc, char **argv) {
    helper_options o = {PQCHA_TREE_LEAF_SIZE, 1, 0};
    int i = 1;
    for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
        unsigned long long v = strtoull(argv[i + 1], NULL, 10);
        if (strcmp(argv[i], "--leaf-size") == 0)
            o.leaf_size = (size_t)v;
        else if (strcmp(argv[i], "--threads") == 0)
            o.threads = (unsigned)v;
        else if (strcmp(argv[i], "--chunk") == 0)
            o.chunk = (size_t)v;
        else
            break;
    }
    if (i >= argc) {
        fprintf(stderr,
                "usage: tree_nodes_helper [--leaf-size N] [--threads N] [--chunk N] FILE...\n");
        return 2;
    }
    int status = 0;
    for (; i < argc; i++)
        if (!one_file(argv[i], &o)) status = 1;
    return status;
}
