/* tlog_proof_helper — prints the roots and proofs libpqcha computes for the
 * test log (entry i is "pqcha-tlog-test/<i>", tests/unit/tlog_fixture.h),
 * one JSON object a line, for tests/oracle/tlog_ref.py to check:
 *
 *   {"root":{"size":N,"hash":"<hex>"}}
 *   {"inclusion":{"index":I,"size":N,"proof":["<hex>",...]}}
 *   {"consistency":{"old":M,"new":N,"proof":["<hex>",...]}}
 *
 *   tlog_proof_helper [--sizes N] [--all-below A] [--random R] [--random-max S] [--seed X]
 *
 * For every size 1..N: the root; the inclusion proof of every leaf and the
 * consistency proof from every old size when the size is below A, else of a
 * few chosen ones (first, last, middle, powers of two, random). Then
 * R random (index or old size, size) pairs with sizes up to S. A test tool
 * only: the proofs come from pqcha_tlog_*_proof over the tree's nodes. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlog_fixture.h"

typedef struct helper_options {
    uint64_t sizes, all_below, random, random_max, seed;
} helper_options;

static tlog_fixture tree;

static uint64_t next_random(uint64_t *state) {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

static void print_hex(const uint8_t *h) {
    for (int i = 0; i < PQCHA_TLOG_HASH_LEN; i++)
        printf("%02x", h[i]);
}

static void print_hashes(const uint8_t *hashes, size_t count) {
    putchar('[');
    for (size_t i = 0; i < count; i++) {
        printf(i ? ",\"" : "\"");
        print_hex(hashes + i * PQCHA_TLOG_HASH_LEN);
        putchar('"');
    }
    putchar(']');
}

static int print_root(uint64_t size) {
    uint8_t root[PQCHA_TLOG_HASH_LEN];
    if (pqcha_tlog_tree_root(root, size, tlog_fixture_node, &tree) != PQCHA_OK) return 0;
    printf("{\"root\":{\"size\":%" PRIu64 ",\"hash\":\"", size);
    print_hex(root);
    printf("\"}}\n");
    return 1;
}

/* One proof line: head is the object up to "proof":; the proof is freed. */
static int print_proof(pqcha_err err, const char *head, uint8_t *proof, size_t count) {
    if (err != PQCHA_OK) return 0;
    printf("%s", head);
    print_hashes(proof, count);
    printf("}}\n");
    pqcha_free(proof);
    return 1;
}

static int print_inclusion(uint64_t index, uint64_t size) {
    uint8_t *proof = NULL;
    size_t count = 0;
    char head[96];
    snprintf(head, sizeof head,
             "{\"inclusion\":{\"index\":%" PRIu64 ",\"size\":%" PRIu64 ",\"proof\":", index, size);
    pqcha_err err =
        pqcha_tlog_inclusion_proof(&proof, &count, index, size, tlog_fixture_node, &tree);
    return print_proof(err, head, proof, count);
}

static int print_consistency(uint64_t old_size, uint64_t size) {
    uint8_t *proof = NULL;
    size_t count = 0;
    char head[96];
    snprintf(head, sizeof head,
             "{\"consistency\":{\"old\":%" PRIu64 ",\"new\":%" PRIu64 ",\"proof\":", old_size,
             size);
    pqcha_err err =
        pqcha_tlog_consistency_proof(&proof, &count, old_size, size, tlog_fixture_node, &tree);
    return print_proof(err, head, proof, count);
}

/* Leaves and old sizes worth checking in a tree too large for all of them. */
static int some_of(uint64_t size, uint64_t *state) {
    uint64_t picks[] = {
        0, 1, size / 2, size - 1, next_random(state) % size, next_random(state) % size};
    int ok = 1;
    for (size_t k = 0; k < sizeof picks / sizeof picks[0]; k++) {
        ok &= print_inclusion(picks[k], size);
        ok &= print_consistency(picks[k] + 1, size);
    }
    for (uint64_t power = 2; power < size; power *= 4)
        ok &= print_consistency(power, size);
    return ok;
}

static int every_size(const helper_options *o, uint64_t *state) {
    int ok = 1;
    for (uint64_t size = 1; size <= o->sizes && ok; size++) {
        ok &= print_root(size);
        if (size >= o->all_below) {
            ok &= some_of(size, state);
            continue;
        }
        for (uint64_t i = 0; i < size; i++)
            ok &= print_inclusion(i, size);
        for (uint64_t m = 0; m <= size; m++)
            ok &= print_consistency(m, size);
    }
    return ok;
}

static int random_pairs(const helper_options *o, uint64_t *state) {
    int ok = 1;
    for (uint64_t k = 0; k < o->random && ok; k++) {
        uint64_t size = next_random(state) % o->random_max + 1;
        ok &= print_root(size);
        ok &= print_inclusion(next_random(state) % size, size);
        ok &= print_consistency(next_random(state) % size + 1, size);
    }
    return ok;
}

static int parse_options(helper_options *o, int argc, char **argv) {
    for (int i = 1; i < argc; i += 2) {
        if (i + 1 >= argc) return 0;
        uint64_t v = strtoull(argv[i + 1], NULL, 10);
        if (strcmp(argv[i], "--sizes") == 0)
            o->sizes = v;
        else if (strcmp(argv[i], "--all-below") == 0)
            o->all_below = v;
        else if (strcmp(argv[i], "--random") == 0)
            o->random = v;
        else if (strcmp(argv[i], "--random-max") == 0)
            o->random_max = v;
        else if (strcmp(argv[i], "--seed") == 0)
            o->seed = v;
        else
            return 0;
    }
    return o->seed != 0 && o->random_max > 0;
}

int main(int argc, char **argv) {
    helper_options o = {64, 16, 0, 1, 6962};
    if (!parse_options(&o, argc, argv)) {
        fprintf(stderr, "usage: tlog_proof_helper [--sizes N] [--all-below A] [--random R] "
                        "[--random-max S] [--seed X]\n");
        return 2;
    }
    uint64_t leaves = o.sizes > o.random_max ? o.sizes : o.random_max;
    if (!tlog_fixture_build(&tree, leaves)) {
        fprintf(stderr, "tlog_proof_helper: cannot build a tree of %" PRIu64 " leaves\n", leaves);
        return 1;
    }
    uint64_t state = o.seed;
    int ok = every_size(&o, &state) && random_pairs(&o, &state);
    tlog_fixture_free(&tree);
    if (!ok) fprintf(stderr, "tlog_proof_helper: a proof failed\n");
    return ok && fflush(stdout) == 0 ? 0 : 1;
}
