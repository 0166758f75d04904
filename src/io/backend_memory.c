/* backend_memory.c — the "in-memory" backend: regions whose bytes the caller
 * registers and updates.
 *
 * Unlike the original, whose region ids were global (registering
 * "weights" under a second workload silently replaced the first workload's
 * bytes), a region is keyed by (workload, region id). Registration order is
 * kept per workload. A mutex serialises update against read, so a continuous
 * attester thread never hashes a half-updated region. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "core/internal.h"
#include "core/region_internal.h"
#include "io/backend_internal.h"
#include "io/fileio.h"
#include "io/region_index.h"

/* Small enough to stay cache-friendly, large enough to amortise sink calls. */

typedef struct memory_entry {
    char *workload_id;
    pqcha_region *region;
    uint8_t *data; /* region->size bytes */
} memory_entry;

typedef struct memory_backend {
    pthread_mutex_t lock;
    memory_entry *entries; /* registration order */
    size_t count;
    size_t cap;
    pqcha__region_index index; /* (workload, region id) -> entry */
} memory_backend;

static void memory_entry_key(const void *entries, size_t pos, const char **workload_id,
                             const char **region_id) {
    const memory_entry *e = &((const memory_entry *)entries)[pos];
    *workload_id = e->workload_id;
    *region_id = e->region->id;
}

pqcha_err pqcha__memory_backend_new(void **self) {
    memory_backend *m = calloc(1, sizeof *m);
    if (m == NULL) return PQCHA_ERR_NO_MEMORY;
    if (pthread_mutex_init(&m->lock, NULL) != 0) {
        free(m);
        return PQCHA_ERR_NO_MEMORY;
    }
    pqcha__region_index_init(&m->index, memory_entry_key);
    *self = m;
    return PQCHA_OK;
}

static void memory_entry_clear(memory_entry *e) {
    free(e->workload_id);
    pqcha_region_free(e->region);
    free(e->data);
}

static void memory_destroy(void *self) {
    memory_backend *m = self;
    if (m == NULL) return;
    for (size_t i = 0; i < m->count; i++)
        memory_entry_clear(&m->entries[i]);
    free(m->entries);
    pqcha__region_index_free(&m->index);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

/* Caller holds the lock. */
static memory_entry *memory_find(memory_backend *m, const char *workload_id,
                                 const char *region_id) {
    size_t pos = pqcha__region_index_find(&m->index, m->entries, workload_id, region_id);
    return pos == (size_t)-1 ? NULL : &m->entries[pos];
}

static pqcha_err memory_list_regions(void *self, const char *workload_id, pqcha_region ***regions,
                                     size_t *count) {
    memory_backend *m = self;
    pqcha_err err = PQCHA_OK;
    pthread_mutex_lock(&m->lock);
    for (size_t i = 0; err == PQCHA_OK && i < m->count; i++) {
        if (strcmp(m->entries[i].workload_id, workload_id) != 0) continue;
        pqcha_region *copy = NULL;
        err = pqcha_region_copy(&copy, m->entries[i].region);
        if (err == PQCHA_OK) {
            err = pqcha__region_list_append(regions, count, copy);
            if (err != PQCHA_OK) pqcha_region_free(copy);
        }
    }
    pthread_mutex_unlock(&m->lock);
    return err;
}

static pqcha_err memory_read_region(void *self, const char *workload_id, const pqcha_region *region,
                                    pqcha_chunk_sink sink, void *sink_ctx) {
    memory_backend *m = self;
    pqcha_err err = PQCHA_OK;
    /* Held for the whole read: the digest covers one consistent version of the bytes. */
    pthread_mutex_lock(&m->lock);
    const memory_entry *e = memory_find(m, workload_id, region->id);
    if (e == NULL)
        err = PQCHA_ERR_NO_SUCH_REGION;
    else if (e->region->size != region->size)
        err = PQCHA_ERR_REGION_CHANGED;
    for (uint64_t done = 0; err == PQCHA_OK && done < region->size;) {
        uint64_t left = region->size - done;
        size_t n = left < PQCHA__IO_CHUNK ? (size_t)left : PQCHA__IO_CHUNK;
        err = sink(sink_ctx, e->data + done, n);
        done += n;
    }
    pthread_mutex_unlock(&m->lock);
    return err;
}

/* The checks register and update share: the bytes must be exactly the region. */
static pqcha_err check_region_bytes(uint64_t size, const void *data, size_t len) {
    if ((uint64_t)len != size) return PQCHA_ERR_INVALID_ARGUMENT;
    if (data == NULL && len != 0) return PQCHA_ERR_INVALID_ARGUMENT;
    return PQCHA_OK;
}

static uint8_t *copy_bytes(const void *data, size_t len) {
    uint8_t *copy = malloc(len > 0 ? len : 1); /* malloc(0) may return NULL */
    if (copy != NULL && len > 0) memcpy(copy, data, len);
    return copy;
}

/* Caller holds the lock. Takes ownership of the entry's members on success. */
static pqcha_err memory_append(memory_backend *m, const memory_entry *e) {
    PQCHA_TRY(
        pqcha__grow(&m->entries, &m->cap, m->count + 1, sizeof *m->entries, PQCHA_MAX_REGIONS));
    m->entries[m->count] = *e; /* counted only once it is indexed too */
    PQCHA_TRY(pqcha__region_index_add(&m->index, m->entries, m->count));
    m->count++;
    return PQCHA_OK;
}

pqcha_err pqcha_memory_backend_register(pqcha_backend *b, const char *workload_id,
                                        const pqcha_region *region, const void *data, size_t len) {
    memory_backend *m = pqcha__backend_self_if(b, &pqcha__memory_backend_ops);
    if (m == NULL || workload_id == NULL || region == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    PQCHA_TRY(pqcha_identifier_check(workload_id));
    PQCHA_TRY(check_region_bytes(region->size, data, len));

    /* Copy everything before taking the lock: the critical section stays short. */
    memory_entry e = {pqcha__strdup(workload_id), NULL, copy_bytes(data, len)};
    pqcha_err err =
        (e.workload_id && e.data) ? pqcha_region_copy(&e.region, region) : PQCHA_ERR_NO_MEMORY;
    if (err == PQCHA_OK) {
        pthread_mutex_lock(&m->lock);
        if (memory_find(m, workload_id, region->id) != NULL)
            err = PQCHA_ERR_REGION_EXISTS;
        else
            err = memory_append(m, &e);
        pthread_mutex_unlock(&m->lock);
    }
    if (err != PQCHA_OK) memory_entry_clear(&e);
    return err;
}

pqcha_err pqcha_memory_backend_update(pqcha_backend *b, const char *workload_id,
                                      const char *region_id, const void *data, size_t len) {
    memory_backend *m = pqcha__backend_self_if(b, &pqcha__memory_backend_ops);
    if (m == NULL || workload_id == NULL || region_id == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    if (data == NULL && len != 0) return PQCHA_ERR_INVALID_ARGUMENT;

    uint8_t *fresh = copy_bytes(data, len);
    if (fresh == NULL) return PQCHA_ERR_NO_MEMORY;
    pqcha_err err = PQCHA_OK;
    pthread_mutex_lock(&m->lock);
    memory_entry *e = memory_find(m, workload_id, region_id);
    if (e == NULL)
        err = PQCHA_ERR_NO_SUCH_REGION;
    else
        err = check_region_bytes(e->region->size, data, len);
    if (err == PQCHA_OK) {
        uint8_t *old = e->data;
        e->data = fresh;
        fresh = old; /* freed below, outside the lock */
    }
    pthread_mutex_unlock(&m->lock);
    free(fresh);
    return err;
}

const pqcha_backend_ops pqcha__memory_backend_ops = {
    .name = "in-memory",
    .platform = "in-memory",
    .list_regions = memory_list_regions,
    .read_region = memory_read_region,
    .destroy = memory_destroy,
};
