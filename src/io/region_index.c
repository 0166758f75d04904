/* region_index.c — (workload, region) -> entry position (region_index.h). */
#include "io/region_index.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NOT_FOUND ((size_t)-1)

/* FNV-1a over "workload\0region": ids cannot contain NUL, so pairs are distinct. */
static size_t hash_ids(const char *workload_id, const char *region_id) {
    uint64_t h = 0xcbf29ce484222325u;
    for (const char *p = workload_id;; p++) {
        h = (h ^ (uint8_t)*p) * 0x100000001b3u;
        if (*p == '\0') break;
    }
    for (const char *p = region_id; *p; p++)
        h = (h ^ (uint8_t)*p) * 0x100000001b3u;
    return (size_t)h;
}

void pqcha__region_index_init(pqcha__region_index *ix, pqcha__index_key_fn key) {
    memset(ix, 0, sizeof *ix);
    ix->key = key;
}

void pqcha__region_index_free(pqcha__region_index *ix) {
    free(ix->slots);
    ix->slots = NULL;
    ix->cap = ix->count = 0;
}

size_t pqcha__region_index_find(const pqcha__region_index *ix, const void *entries,
                                const char *workload_id, const char *region_id) {
    if (ix->cap == 0) return NOT_FOUND;
    size_t mask = ix->cap - 1;
    for (size_t slot = hash_ids(workload_id, region_id) & mask;; slot = (slot + 1) & mask) {
        size_t pos = ix->slots[slot];
        const char *w, *r;
        if (pos == 0) return NOT_FOUND;
        ix->key(entries, pos - 1, &w, &r);
        if (strcmp(r, region_id) == 0 && strcmp(w, workload_id) == 0) return pos - 1;
    }
}

static void place(pqcha__region_index *ix, const void *entries, size_t pos) {
    const char *w, *r;
    ix->key(entries, pos, &w, &r);
    size_t mask = ix->cap - 1, slot = hash_ids(w, r) & mask;
    while (ix->slots[slot] != 0)
        slot = (slot + 1) & mask;
    ix->slots[slot] = pos + 1;
}

/* A table for n entries, half empty, filled with entries 0..n-1. */
static pqcha_err rebuild(pqcha__region_index *ix, const void *entries, size_t n, size_t cap) {
    size_t *slots = calloc(cap, sizeof *slots);
    if (slots == NULL) return PQCHA_ERR_NO_MEMORY;
    free(ix->slots);
    ix->slots = slots;
    ix->cap = cap;
    for (size_t i = 0; i < n; i++)
        place(ix, entries, i);
    ix->count = n;
    return PQCHA_OK;
}

pqcha_err pqcha__region_index_add(pqcha__region_index *ix, const void *entries, size_t pos) {
    if (2 * (pos + 1) > ix->cap) {
        size_t cap = ix->cap ? 2 * ix->cap : 64;
        while (2 * (pos + 1) > cap)
            cap *= 2;
        if (rebuild(ix, entries, pos, cap) != PQCHA_OK) return PQCHA_ERR_NO_MEMORY;
    }
    place(ix, entries, pos);
    ix->count = pos + 1;
    return PQCHA_OK;
}

pqcha_err pqcha__region_index_truncate(pqcha__region_index *ix, const void *entries, size_t pos) {
    return ix->cap == 0 ? PQCHA_OK : rebuild(ix, entries, pos, ix->cap);
}
