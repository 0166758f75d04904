/* progress_backend.c — see progress_backend.h. */
#include "progress_backend.h"

#include <stdlib.h>

#include "cli.h"

struct progress_backend {
    pqcha_backend_ops ops; /* per wrapper: the platform is the inner backend's */
    pqcha_backend *inner;
};

struct progress_sink {
    struct cli_progress progress;
    pqcha_chunk_sink inner;
    void *inner_ctx;
};

static pqcha_err list_forward(void *self, const char *workload_id, pqcha_region ***regions,
                              size_t *count) {
    struct progress_backend *pb = self;
    pqcha_region **listed = NULL;
    size_t n = 0, i;
    pqcha_err err = pqcha_backend_list_regions(pb->inner, workload_id, &listed, &n);
    pqcha_region **grown;

    if (err != PQCHA_OK) return err;
    grown = n ? realloc(*regions, (*count + n) * sizeof(*grown)) : *regions;
    if (grown == NULL) {
        pqcha_region_list_free(listed, n);
        return PQCHA_ERR_NO_MEMORY;
    }
    for (i = 0; i < n; i++)
        grown[*count + i] = listed[i]; /* ownership moves to the caller's list */
    *regions = grown;
    *count += n;
    free(listed);
    return PQCHA_OK;
}

static pqcha_err sink_with_progress(void *ctx, const uint8_t *data, size_t len) {
    struct progress_sink *ps = ctx;
    cli_progress_advance(&ps->progress, len);
    return ps->inner(ps->inner_ctx, data, len);
}

static pqcha_err read_with_progress(void *self, const char *workload_id, const pqcha_region *region,
                                    pqcha_chunk_sink sink, void *sink_ctx) {
    struct progress_backend *pb = self;
    struct progress_sink ps;
    pqcha_err err;

    ps.inner = sink;
    ps.inner_ctx = sink_ctx;
    cli_progress_begin(&ps.progress, pqcha_region_id(region), pqcha_region_size(region));
    err = pqcha_backend_read(pb->inner, workload_id, region, sink_with_progress, &ps);
    cli_progress_end(&ps.progress);
    return err;
}

static void destroy_wrapper(void *self) {
    free(self); /* the inner backend belongs to the caller */
}

pqcha_backend *progress_backend_wrap(pqcha_backend *inner) {
    struct progress_backend *pb = calloc(1, sizeof(*pb));
    pqcha_backend *wrapper = NULL;

    if (pb == NULL) return NULL;
    pb->inner = inner;
    pb->ops.name = pqcha_backend_name(inner);
    pb->ops.platform = pqcha_backend_platform(inner); /* reports record the real platform */
    pb->ops.list_regions = list_forward;
    pb->ops.read_region = read_with_progress;
    pb->ops.destroy = destroy_wrapper;
    pb->ops.flags = 0; /* one progress line at a time */
    if (pqcha_backend_create_custom(&wrapper, &pb->ops, pb) != PQCHA_OK) {
        free(pb);
        return NULL;
    }
    return wrapper;
}
