/* backend_file.c — the "file" backend: a region is a whole file or a byte
 * range of one (a model file, a mapped image, a dump of guest memory).
 *
 * The range is fixed when the region is added; every read opens the file
 * afresh (so a replaced file is measured, not the one we once opened),
 * never holding the whole file in memory. Hashed with a parallel digest,
 * the file is read by the hashing threads themselves, each the part it
 * hashes (the positional reader at the end, pqcha__file_range); streamed to
 * a sink, it goes through pqcha__file_stream (a bounded ring of buffers,
 * read ahead on a thread while the sink hashes). A file that became shorter
 * than the range is PQCHA_ERR_REGION_CHANGED: the report must never claim
 * bytes it did not hash. */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/grow.h"
#include "core/internal.h"
#include "core/region_internal.h"
#include "io/backend_internal.h"
#include "io/file_reader.h"
#include "io/fileio.h"
#include "io/region_index.h"

typedef struct file_entry {
    char *workload_id;
    pqcha_region *region; /* address = offset, size = length, description = path */
    char *path;
} file_entry;

typedef struct file_backend {
    pthread_mutex_t lock; /* guards entries */
    file_entry *entries;
    size_t count;
    size_t cap;
    pqcha__region_index index; /* (workload, region id) -> entry */
} file_backend;

static void file_entry_key(const void *entries, size_t pos, const char **workload_id,
                           const char **region_id) {
    const file_entry *e = &((const file_entry *)entries)[pos];
    *workload_id = e->workload_id;
    *region_id = e->region->id;
}

pqcha_err pqcha__file_backend_new(void **self) {
    file_backend *f = calloc(1, sizeof *f);
    if (f == NULL) return PQCHA_ERR_NO_MEMORY;
    if (pthread_mutex_init(&f->lock, NULL) != 0) {
        free(f);
        return PQCHA_ERR_NO_MEMORY;
    }
    pqcha__region_index_init(&f->index, file_entry_key);
    *self = f;
    return PQCHA_OK;
}

static void file_entry_clear(file_entry *e) {
    free(e->workload_id);
    pqcha_region_free(e->region);
    free(e->path);
}

static void file_destroy(void *self) {
    file_backend *f = self;
    if (f == NULL) return;
    for (size_t i = 0; i < f->count; i++)
        file_entry_clear(&f->entries[i]);
    free(f->entries);
    pqcha__region_index_free(&f->index);
    pthread_mutex_destroy(&f->lock);
    free(f);
}

/* Caller holds the lock. */
static const file_entry *file_find(const file_backend *f, const char *workload_id,
                                   const char *region_id) {
    size_t pos = pqcha__region_index_find(&f->index, f->entries, workload_id, region_id);
    return pos == (size_t)-1 ? NULL : &f->entries[pos];
}

/* The range [offset, offset+length) that length 0 ("to the end") resolves to. */
static pqcha_err resolve_range(uint64_t *size_out, uint64_t file_size, uint64_t offset,
                               uint64_t length) {
    if (offset > file_size) return PQCHA_ERR_OUT_OF_RANGE;
    uint64_t size = length != 0 ? length : file_size - offset;
    if (size > file_size - offset) return PQCHA_ERR_OUT_OF_RANGE;
    if (size > PQCHA_MAX_SAFE_INTEGER) /* the wire format's integer limit */
        return PQCHA_ERR_OUT_OF_RANGE;
    *size_out = size;
    return PQCHA_OK;
}

static pqcha_err file_append(file_backend *f, const file_entry *e) {
    PQCHA_TRY(
        pqcha__grow(&f->entries, &f->cap, f->count + 1, sizeof *f->entries, PQCHA_MAX_REGIONS));
    f->entries[f->count] = *e;
    PQCHA_TRY(pqcha__region_index_add(&f->index, f->entries, f->count));
    f->count++; /* counted once it is indexed too */
    return PQCHA_OK;
}

pqcha_err pqcha_file_backend_add(pqcha_backend *b, const char *workload_id, const char *region_id,
                                 const char *path, uint64_t offset, uint64_t length) {
    file_backend *f = pqcha__backend_self_if(b, &pqcha__file_backend_ops);
    if (f == NULL || workload_id == NULL || region_id == NULL || path == NULL || path[0] == '\0')
        return PQCHA_ERR_INVALID_ARGUMENT;
    PQCHA_TRY(pqcha_identifier_check(workload_id));
    PQCHA_TRY(pqcha_identifier_check(region_id));

    int fd = -1;
    uint64_t file_size = 0, size = 0;
    PQCHA_TRY(pqcha__open_regular_file(&fd, &file_size, path, PQCHA_ERR_BACKEND_IO));
    close(fd);
    PQCHA_TRY(resolve_range(&size, file_size, offset, length));

    file_entry e = {pqcha__strdup(workload_id), NULL, pqcha__strdup(path)};
    pqcha_err err = (e.workload_id && e.path) ? pqcha_region_create(&e.region, region_id, path,
                                                                    offset, size, PQCHA_PROT_RO)
                                              : PQCHA_ERR_NO_MEMORY;
    if (err == PQCHA_OK) {
        pthread_mutex_lock(&f->lock);
        if (file_find(f, workload_id, region_id) != NULL)
            err = PQCHA_ERR_REGION_EXISTS;
        else
            err = file_append(f, &e);
        pthread_mutex_unlock(&f->lock);
    }
    if (err != PQCHA_OK) file_entry_clear(&e);
    return err;
}

static pqcha_err file_list_regions(void *self, const char *workload_id, pqcha_region ***regions,
                                   size_t *count) {
    file_backend *f = self;
    pqcha_err err = PQCHA_OK;
    pthread_mutex_lock(&f->lock);
    for (size_t i = 0; err == PQCHA_OK && i < f->count; i++) {
        if (strcmp(f->entries[i].workload_id, workload_id) != 0) continue;
        pqcha_region *copy = NULL;
        err = pqcha_region_copy(&copy, f->entries[i].region);
        if (err == PQCHA_OK) {
            err = pqcha__region_list_append(regions, count, copy);
            if (err != PQCHA_OK) pqcha_region_free(copy);
        }
    }
    pthread_mutex_unlock(&f->lock);
    return err;
}

/* Opens the region's file on a descriptor of its own (concurrent reads
 * share nothing): REGION_CHANGED if it no longer holds the whole range. */
static pqcha_err open_range(int *fd, const char *path, uint64_t offset, uint64_t size) {
    uint64_t file_size = 0;
    PQCHA_TRY(pqcha__open_regular_file(fd, &file_size, path, PQCHA_ERR_BACKEND_IO));
    if (file_size >= offset && file_size - offset >= size) return PQCHA_OK;
    close(*fd);
    *fd = -1;
    return PQCHA_ERR_REGION_CHANGED;
}

/* pqcha__file_stream overlaps reading a large range with the sink's hashing. */
static pqcha_err read_range(const char *path, uint64_t offset, uint64_t size, pqcha_chunk_sink sink,
                            void *sink_ctx) {
    int fd = -1;
    PQCHA_TRY(open_range(&fd, path, offset, size));
    pqcha_err err = pqcha__file_stream(fd, offset, size, PQCHA_ERR_BACKEND_IO, sink, sink_ctx);
    close(fd);
    return err;
}

/* The path of the region's file, looked up under the lock (entries may be
 * added concurrently) and copied. */
static pqcha_err region_path(file_backend *f, const char *workload_id, const pqcha_region *region,
                             char **path) {
    pqcha_err err = PQCHA_OK;
    *path = NULL;
    pthread_mutex_lock(&f->lock);
    const file_entry *e = file_find(f, workload_id, region->id);
    if (e == NULL)
        err = PQCHA_ERR_NO_SUCH_REGION;
    else if (e->region->size != region->size || e->region->address != region->address)
        err = PQCHA_ERR_REGION_CHANGED; /* the caller's view of the region is stale */
    else if ((*path = pqcha__strdup(e->path)) == NULL)
        err = PQCHA_ERR_NO_MEMORY;
    pthread_mutex_unlock(&f->lock);
    return err;
}

static pqcha_err file_read_region(void *self, const char *workload_id, const pqcha_region *region,
                                  pqcha_chunk_sink sink, void *sink_ctx) {
    char *path = NULL;
    pqcha_err err = region_path(self, workload_id, region, &path);
    if (err == PQCHA_OK) err = read_range(path, region->address, region->size, sink, sink_ctx);
    free(path);
    return err;
}

/* ---- random access (backend_internal.h) ---- */

static pqcha_err file_positional_open(void *self, const char *workload_id,
                                      const pqcha_region *region, void **reader) {
    char *path = NULL;
    int fd = -1;
    *reader = NULL;
    pqcha_err err = region_path(self, workload_id, region, &path);
    if (err == PQCHA_OK) err = open_range(&fd, path, region->address, region->size);
    free(path);
    if (err != PQCHA_OK) return err;
    pqcha__file_range *range = malloc(sizeof *range);
    if (range == NULL) {
        close(fd);
        return PQCHA_ERR_NO_MEMORY;
    }
    pqcha__file_range_init(range, fd, region->address, region->size, PQCHA_ERR_BACKEND_IO);
    *reader = range;
    return PQCHA_OK;
}

static pqcha_err file_positional_finish(void *reader, pqcha_err err) {
    pqcha__file_range *range = reader;
    close(range->fd);
    free(range);
    return err;
}

const pqcha__positional_ops pqcha__file_positional_ops = {
    .open = file_positional_open,
    .read = pqcha__file_range_read,
    .finish = file_positional_finish,
};

const pqcha_backend_ops pqcha__file_backend_ops = {
    .name = "file",
    .platform = "file",
    .list_regions = file_list_regions,
    .read_region = file_read_region,
    .destroy = file_destroy,
    .flags = PQCHA_BACKEND_CONCURRENT_READS,
};
