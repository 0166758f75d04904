/* segments.c — sha3-256-segments: the layout of a region cut at tensor
 * boundaries, the combined digest, and a streaming hasher that hashes every
 * byte once (docs/FORMAT.md section 4.6). */
#include "core/segments.h"

#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "core/manifest.h"
#include "core/parhash.h"
#include "runtime/pool.h"

#define DIGEST_LEN 32u
/* 0x03, total, count: the fixed part of the combined digest's input. */
#define ROOT_HEADER_LEN (1u + 8u + 8u)
#define ROOT_ENTRY_LEN (8u + DIGEST_LEN)

/* ======================================================================
 * Layout
 * ====================================================================== */

void pqcha__segments_free(pqcha__segment *segments, size_t count) {
    if (segments == NULL)
        return;
    for (size_t i = 0; i < count; i++)
        free(segments[i].tensor);
    free(segments);
}

/* A growing segment list, capped. */
typedef struct segment_list {
    pqcha__segment *items;
    size_t count, cap;
} segment_list;

static pqcha_err list_push(segment_list *l, const char *tensor, uint64_t offset, uint64_t size) {
    if (l->count >= PQCHA__MAX_SEGMENTS)
        return PQCHA_ERR_TOO_LARGE;
    if (l->count == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        pqcha__segment *grown = realloc(l->items, cap * sizeof *grown);
        if (grown == NULL)
            return PQCHA_ERR_NO_MEMORY;
        l->items = grown;
        l->cap = cap;
    }
    pqcha__segment *s = &l->items[l->count];
    memset(s, 0, sizeof *s);
    if (tensor != NULL && (s->tensor = pqcha__strdup(tensor)) == NULL)
        return PQCHA_ERR_NO_MEMORY;
    s->offset = offset;
    s->size = size;
    l->count++;
    return PQCHA_OK;
}

/* Appends the gap [from, to) if it holds any bytes. */
static pqcha_err push_gap(segment_list *l, uint64_t from, uint64_t to) {
    return to > from ? list_push(l, NULL, from, to - from) : PQCHA_OK;
}

pqcha_err pqcha__segments_layout(pqcha__segment **out, size_t *count, uint64_t base,
                                 uint64_t size, const pqcha__tensor_ref *tensors, size_t n) {
    if (out == NULL || count == NULL)
        return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    *count = 0;
    if (size == 0 || base > UINT64_MAX - size || (tensors == NULL && n > 0))
        return PQCHA_ERR_INVALID_ARGUMENT;
    uint64_t end = base + size, at = base;
    segment_list l = {NULL, 0, 0};
    pqcha_err err = PQCHA_OK;
    for (size_t i = 0; err == PQCHA_OK && i < n; i++) {
        const pqcha__tensor_ref *t = &tensors[i];
        int inside = t->size > 0 && t->offset >= at && t->offset <= end && t->size <= end - t->offset;
        if (!inside)
            continue; /* cut by the range's ends, or outside it: its bytes are gap bytes */
        err = push_gap(&l, at, t->offset);
        if (err == PQCHA_OK)
            err = list_push(&l, t->name, t->offset, t->size);
        at = t->offset + t->size;
    }
    if (err == PQCHA_OK)
        err = push_gap(&l, at, end);
    if (err != PQCHA_OK) {
        pqcha__segments_free(l.items, l.count);
        return err;
    }
    *out = l.items;
    *count = l.count;
    return PQCHA_OK;
}

pqcha_err pqcha__segments_copy(pqcha__segment **out, const pqcha__segment *src, size_t count) {
    if (out == NULL || (src == NULL && count > 0))
        return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (count == 0)
        return PQCHA_OK;
    pqcha__segment *copy = calloc(count, sizeof *copy);
    if (copy == NULL)
        return PQCHA_ERR_NO_MEMORY;
    for (size_t i = 0; i < count; i++) {
        copy[i] = src[i];
        copy[i].tensor = NULL;
        if (src[i].tensor != NULL && (copy[i].tensor = pqcha__strdup(src[i].tensor)) == NULL) {
            pqcha__segments_free(copy, count);
            return PQCHA_ERR_NO_MEMORY;
        }
    }
    *out = copy;
    return PQCHA_OK;
}

/* ======================================================================
 * Rules
 * ====================================================================== */

static int compare_name_ptrs(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static pqcha_err tensor_names_unique(const pqcha__segment *segments, size_t count) {
    size_t named = 0;
    for (size_t i = 0; i < count; i++)
        named += segments[i].tensor != NULL;
    if (named < 2)
        return PQCHA_OK;
    const char **names = malloc(named * sizeof *names);
    if (names == NULL)
        return PQCHA_ERR_NO_MEMORY;
    for (size_t i = 0, j = 0; i < count; i++)
        if (segments[i].tensor != NULL)
            names[j++] = segments[i].tensor;
    qsort(names, named, sizeof *names, compare_name_ptrs);
    pqcha_err err = PQCHA_OK;
    for (size_t i = 1; i < named && err == PQCHA_OK; i++)
        if (strcmp(names[i - 1], names[i]) == 0)
            err = PQCHA_ERR_MALFORMED;
    free(names);
    return err;
}

pqcha_err pqcha__segments_check(const pqcha__segment *segments, size_t count, uint64_t base,
                                uint64_t size) {
    if (segments == NULL && count > 0)
        return PQCHA_ERR_INVALID_ARGUMENT;
    if (count > PQCHA__MAX_SEGMENTS)
        return PQCHA_ERR_TOO_LARGE;
    if (count == 0 || size == 0)
        return PQCHA_ERR_INCONSISTENT_CLAIMS;
    uint64_t at = base, left = size;
    for (size_t i = 0; i < count; i++) {
        const pqcha__segment *s = &segments[i];
        if (s->offset != at || s->size == 0 || s->size > left)
            return PQCHA_ERR_INCONSISTENT_CLAIMS;
        if (s->tensor != NULL)
            PQCHA_TRY(pqcha__tensor_name_check(s->tensor, strlen(s->tensor)));
        at += s->size;
        left -= s->size;
    }
    if (left != 0)
        return PQCHA_ERR_INCONSISTENT_CLAIMS;
    return tensor_names_unique(segments, count);
}

/* ======================================================================
 * The combined digest
 * ====================================================================== */

static void put_be64(uint8_t out[8], uint64_t v) {
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(v >> (56 - 8 * i));
}

pqcha_err pqcha__segments_root(const pqcha__segment *segments, size_t count, uint64_t total,
                               uint8_t out[32]) {
    if (out == NULL || (segments == NULL && count > 0))
        return PQCHA_ERR_INVALID_ARGUMENT;
    uint64_t sum = 0;
    for (size_t i = 0; i < count; i++) {
        if (segments[i].size == 0 || segments[i].size > total - sum)
            return PQCHA_ERR_INVALID_ARGUMENT;
        sum += segments[i].size;
    }
    if (sum != total)
        return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha_hasher *h = NULL;
    PQCHA_TRY(pqcha_hasher_create(&h, PQCHA_DIGEST_SHA3_256));
    uint8_t header[ROOT_HEADER_LEN];
    header[0] = PQCHA__SEGMENTS_ROOT_PREFIX;
    put_be64(header + 1, total);
    put_be64(header + 9, (uint64_t)count);
    pqcha_err err = pqcha_hasher_update(h, header, sizeof header);
    for (size_t i = 0; err == PQCHA_OK && i < count; i++) {
        uint8_t entry[ROOT_ENTRY_LEN];
        put_be64(entry, segments[i].size);
        memcpy(entry + 8, segments[i].digest, DIGEST_LEN);
        err = pqcha_hasher_update(h, entry, sizeof entry);
    }
    if (err == PQCHA_OK)
        err = pqcha_hasher_final(h, out, DIGEST_LEN);
    pqcha_hasher_free(h);
    return err;
}

/* ======================================================================
 * Streaming
 * ====================================================================== */

struct pqcha__segment_hasher {
    pqcha__segment *segments; /* borrowed */
    size_t count;
    size_t current;           /* the segment bytes go to now */
    uint64_t current_done;    /* bytes of it seen so far */
    pqcha__parhash *engine;   /* the current segment's, created at its first byte */
    unsigned threads;
    pqcha__pool *pool;        /* shared by every segment's engine; NULL for one thread */
    int failed;
};

pqcha_err pqcha__segment_hasher_new(pqcha__segment_hasher **out, pqcha__segment *segments,
                                    size_t count, unsigned threads) {
    if (out == NULL)
        return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (segments == NULL || count == 0)
        return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha__segment_hasher *sh = calloc(1, sizeof *sh);
    if (sh == NULL)
        return PQCHA_ERR_NO_MEMORY;
    sh->segments = segments;
    sh->count = count;
    sh->threads = threads ? threads : pqcha__online_cpus();
    /* One pool for the whole region: a model has hundreds of large tensors,
     * and starting threads for each would cost more than it saves. */
    if (sh->threads > 1 && pqcha__pool_create(&sh->pool, sh->threads) != PQCHA_OK)
        sh->pool = NULL; /* every segment is then hashed on this thread */
    *out = sh;
    return PQCHA_OK;
}

static pqcha_err start_segment(pqcha__segment_hasher *sh) {
    const pqcha__segment *s = &sh->segments[sh->current];
    unsigned threads = sh->pool != NULL ? sh->threads : 1;
    PQCHA_TRY(pqcha__parhash_new(&sh->engine, PQCHA_DIGEST_SHA3_256_TREE, threads));
    if (sh->pool != NULL)
        pqcha__parhash_borrow_pool(sh->engine, sh->pool);
    return pqcha__parhash_expect_length(sh->engine, s->size);
}

static pqcha_err finish_segment(pqcha__segment_hasher *sh) {
    pqcha_err err = pqcha__parhash_final(sh->engine, sh->segments[sh->current].digest);
    pqcha__parhash_free(sh->engine);
    sh->engine = NULL;
    sh->current++;
    sh->current_done = 0;
    return err;
}

/* Feeds up to the rest of the current segment; returns the bytes taken. */
static pqcha_err feed_current(pqcha__segment_hasher *sh, const uint8_t *data, size_t len,
                              size_t *taken) {
    const pqcha__segment *s = &sh->segments[sh->current];
    uint64_t left = s->size - sh->current_done;
    size_t n = len < left ? len : (size_t)left;
    if (sh->engine == NULL)
        PQCHA_TRY(start_segment(sh));
    PQCHA_TRY(pqcha__parhash_update(sh->engine, data, n));
    sh->current_done += n;
    *taken = n;
    return sh->current_done == s->size ? finish_segment(sh) : PQCHA_OK;
}

pqcha_err pqcha__segment_hasher_update(pqcha__segment_hasher *sh, const uint8_t *data, size_t len) {
    if (sh == NULL || (data == NULL && len > 0) || sh->failed)
        return PQCHA_ERR_INVALID_ARGUMENT;
    while (len > 0) {
        if (sh->current == sh->count) {
            sh->failed = 1;
            return PQCHA_ERR_REGION_CHANGED; /* more bytes than the region holds */
        }
        size_t taken = 0;
        pqcha_err err = feed_current(sh, data, len, &taken);
        if (err != PQCHA_OK) {
            sh->failed = 1;
            return err;
        }
        data += taken;
        len -= taken;
    }
    return PQCHA_OK;
}

pqcha_err pqcha__segment_hasher_final(pqcha__segment_hasher *sh, uint8_t root[32]) {
    if (sh == NULL || root == NULL || sh->failed)
        return PQCHA_ERR_INVALID_ARGUMENT;
    sh->failed = 1; /* final once */
    if (sh->current != sh->count)
        return PQCHA_ERR_REGION_CHANGED; /* fewer bytes than the region holds */
    uint64_t total = 0;
    for (size_t i = 0; i < sh->count; i++)
        total += sh->segments[i].size;
    return pqcha__segments_root(sh->segments, sh->count, total, root);
}

void pqcha__segment_hasher_free(pqcha__segment_hasher *sh) {
    if (sh == NULL)
        return;
    pqcha__parhash_free(sh->engine);
    pqcha__pool_free(sh->pool);
    free(sh);
}
