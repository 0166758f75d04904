/* backend.c — the backend handle, the registry of built-in backends, and the
 * checks every backend gets for free: a region list is freed on error, and a
 * read must deliver exactly the region's size (a backend that hands over more
 * or fewer bytes than it announced is PQCHA_ERR_REGION_CHANGED, so a digest is
 * never taken over something other than what the report says was measured). */
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "core/internal.h"
#include "core/parhash.h"
#include "core/region_internal.h"
#include "io/backend_internal.h"

struct pqcha_backend {
    const pqcha_backend_ops *ops;
    void *self;
};

typedef struct builtin_backend {
    const pqcha_backend_ops *ops;
    pqcha_err (*new_self)(void **self); /* NULL: the backend has no state */
} builtin_backend;

static const builtin_backend builtin_backends[] = {
    {&pqcha__memory_backend_ops, pqcha__memory_backend_new},
    {&pqcha__file_backend_ops, pqcha__file_backend_new},
    {&pqcha__sev_snp_backend_ops, NULL},
    {&pqcha__tdx_backend_ops, NULL},
    {&pqcha__process_backend_ops, pqcha__process_backend_new},
};

#define BUILTIN_COUNT (sizeof builtin_backends / sizeof builtin_backends[0])

/* Kept in the same order as builtin_backends (checked by test_backend). */
static const char *const builtin_names[BUILTIN_COUNT + 1] = {
    "in-memory", "file", "amd-sev-snp", "intel-tdx", "process", NULL,
};

const char *const *pqcha_backend_names(void) {
    return builtin_names;
}

static pqcha_err backend_wrap(pqcha_backend **out, const pqcha_backend_ops *ops, void *self) {
    pqcha_backend *b = calloc(1, sizeof *b);
    if (b == NULL) return PQCHA_ERR_NO_MEMORY;
    b->ops = ops;
    b->self = self;
    *out = b;
    return PQCHA_OK;
}

pqcha_err pqcha_backend_create(pqcha_backend **out, const char *name) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (name == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    for (size_t i = 0; i < BUILTIN_COUNT; i++) {
        const builtin_backend *bb = &builtin_backends[i];
        if (strcmp(bb->ops->name, name) != 0) continue;
        void *self = NULL;
        if (bb->new_self != NULL) PQCHA_TRY(bb->new_self(&self));
        pqcha_err err = backend_wrap(out, bb->ops, self);
        if (err != PQCHA_OK && bb->ops->destroy != NULL) bb->ops->destroy(self);
        return err;
    }
    return PQCHA_ERR_UNKNOWN_BACKEND;
}

pqcha_err pqcha_backend_create_custom(pqcha_backend **out, const pqcha_backend_ops *ops,
                                      void *self) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (ops == NULL || ops->name == NULL || ops->platform == NULL || ops->list_regions == NULL ||
        ops->read_region == NULL)
        return PQCHA_ERR_INVALID_ARGUMENT;
    /* The platform is written into every signed report: it must be a valid identifier. */
    PQCHA_TRY(pqcha_identifier_check(ops->platform));
    return backend_wrap(out, ops, self);
}

const char *pqcha_backend_name(const pqcha_backend *b) {
    return b != NULL ? b->ops->name : NULL;
}

const char *pqcha_backend_platform(const pqcha_backend *b) {
    return b != NULL ? b->ops->platform : NULL;
}

unsigned pqcha_backend_flags(const pqcha_backend *b) {
    return b == NULL ? 0 : b->ops->flags;
}

void pqcha_backend_free(pqcha_backend *b) {
    if (b == NULL) return;
    if (b->ops->destroy != NULL) b->ops->destroy(b->self);
    free(b);
}

void *pqcha__backend_self_if(pqcha_backend *b, const pqcha_backend_ops *ops) {
    if (b == NULL || b->ops != ops) return NULL;
    return b->self;
}

/* A list grown only here has the capacity pqcha__grow gives it: 0 while
 * empty, then the least power of two from 8 that holds its count. */
static size_t list_capacity(size_t count) {
    size_t cap = count ? 8 : 0;
    while (cap < count)
        cap *= 2;
    return cap;
}

pqcha_err pqcha__region_list_append(pqcha_region ***regions, size_t *count, pqcha_region *r) {
    size_t cap = list_capacity(*count);
    PQCHA_TRY(pqcha__grow(regions, &cap, *count + 1, sizeof **regions, PQCHA_MAX_REGIONS));
    (*regions)[(*count)++] = r;
    return PQCHA_OK;
}

void pqcha_region_list_free(pqcha_region **regions, size_t count) {
    if (regions == NULL) return;
    for (size_t i = 0; i < count; i++)
        pqcha_region_free(regions[i]);
    free(regions);
}

pqcha_err pqcha_backend_list_regions(pqcha_backend *b, const char *workload_id,
                                     pqcha_region ***regions, size_t *count) {
    if (regions == NULL || count == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *regions = NULL;
    *count = 0;
    if (b == NULL || workload_id == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    PQCHA_TRY(pqcha_identifier_check(workload_id));

    pqcha_region **list = NULL;
    size_t n = 0;
    pqcha_err err = b->ops->list_regions(b->self, workload_id, &list, &n);
    if (err == PQCHA_OK && n > PQCHA_MAX_REGIONS) err = PQCHA_ERR_TOO_LARGE;
    /* A backend outside libpqcha could hand back holes; callers rely on none. */
    for (size_t i = 0; err == PQCHA_OK && i < n; i++)
        if (list[i] == NULL) err = PQCHA_ERR_INTERNAL;
    if (err != PQCHA_OK) {
        pqcha_region_list_free(list, n);
        return err;
    }
    *regions = list;
    *count = n;
    return PQCHA_OK;
}

/* Forwards chunks to the caller's sink while counting them against the
 * region's announced size. */
typedef struct counting_sink {
    pqcha_chunk_sink inner;
    void *inner_ctx;
    uint64_t expected;
    uint64_t delivered;
} counting_sink;

static pqcha_err counting_sink_write(void *ctx, const uint8_t *data, size_t len) {
    counting_sink *cs = ctx;
    if (len == 0) return PQCHA_OK;
    if (data == NULL) return PQCHA_ERR_INTERNAL;
    if (len > cs->expected - cs->delivered)
        return PQCHA_ERR_REGION_CHANGED; /* more bytes than the region holds */
    cs->delivered += len;
    return cs->inner(cs->inner_ctx, data, len);
}

pqcha_err pqcha_backend_read(pqcha_backend *b, const char *workload_id, const pqcha_region *region,
                             pqcha_chunk_sink sink, void *sink_ctx) {
    if (b == NULL || workload_id == NULL || region == NULL || sink == NULL)
        return PQCHA_ERR_INVALID_ARGUMENT;
    counting_sink cs = {sink, sink_ctx, region->size, 0};
    PQCHA_TRY(b->ops->read_region(b->self, workload_id, region, counting_sink_write, &cs));
    if (cs.delivered != cs.expected)
        return PQCHA_ERR_REGION_CHANGED; /* fewer bytes than the region holds */
    return PQCHA_OK;
}

static pqcha_err hasher_sink_write(void *ctx, const uint8_t *data, size_t len) {
    return pqcha_hasher_update(ctx, data, len);
}

/* The random-access reader of a built-in backend that has one, else NULL. */
static const pqcha__positional_ops *positional_ops(const pqcha_backend *b) {
    if (b->ops == &pqcha__file_backend_ops) return &pqcha__file_positional_ops;
    if (b->ops == &pqcha__process_backend_ops) return &pqcha__process_positional_ops;
    return NULL;
}

/* The hashing threads read the region themselves (backend_internal.h). */
static pqcha_err hash_in_place(pqcha_backend *b, const pqcha__positional_ops *pos,
                               const char *workload_id, const pqcha_region *region,
                               pqcha_hasher *h) {
    void *reader = NULL;
    PQCHA_TRY(pos->open(b->self, workload_id, region, &reader));
    pqcha_err err = pqcha__hasher_update_from(h, pos->read, reader, region->size);
    return pos->finish(reader, err);
}

pqcha_err pqcha_backend_hash(pqcha_backend *b, const char *workload_id, const pqcha_region *region,
                             pqcha_hasher *h) {
    if (b == NULL || workload_id == NULL || region == NULL || h == NULL)
        return PQCHA_ERR_INVALID_ARGUMENT;
    PQCHA_TRY(pqcha_hasher_expect_length(h, pqcha_region_size(region)));
    const pqcha__positional_ops *pos = positional_ops(b);
    if (pos != NULL && pqcha__hasher_is_parallel(h) && region->size > 0)
        return hash_in_place(b, pos, workload_id, region, h);
    return pqcha_backend_read(b, workload_id, region, hasher_sink_write, h);
}

pqcha_err pqcha_backend_digest(pqcha_backend *b, const char *workload_id,
                               const pqcha_region *region, pqcha_digest_alg alg, unsigned threads,
                               uint8_t *digest, size_t digest_len) {
    if (b == NULL || workload_id == NULL || region == NULL || digest == NULL)
        return PQCHA_ERR_INVALID_ARGUMENT;
    size_t need = pqcha_digest_alg_length(alg);
    if (need == 0) return PQCHA_ERR_UNSUPPORTED_ALGORITHM;
    if (digest_len < need) return PQCHA_ERR_INVALID_ARGUMENT;

    pqcha_hasher *h = NULL;
    PQCHA_TRY(pqcha_hasher_create(&h, alg));
    pqcha_err err = pqcha_hasher_set_threads(h, threads);
    if (err == PQCHA_OK) err = pqcha_backend_hash(b, workload_id, region, h);
    if (err == PQCHA_OK) err = pqcha_hasher_final(h, digest, digest_len);
    pqcha_hasher_free(h);
    if (err != PQCHA_OK) memset(digest, 0, digest_len); /* never a digest of partial bytes */
    return err;
}
