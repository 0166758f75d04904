/* manifest_file.c — pqcha_manifest_add_file: one model file becomes one
 * manifest entry (docs/FORMAT.md section 8).
 *
 * The format is detected by content, the header is read with the parsers'
 * "need more bytes" protocol up to a cap, and the whole file is hashed with
 * sha3-256-tree. The header bytes that were parsed are the very bytes that
 * are hashed (the stream continues after them), so the tensor table always
 * describes the file the digest covers, even if the file changes meanwhile;
 * a change of length while reading is REGION_CHANGED. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/grow.h"
#include "core/internal.h"
#include "core/manifest.h"
#include "core/model_parsers.h"
#include "core/segments.h"
#include "io/fileio.h"
#include "io/model_header.h"

/* ---- the digest ---- */

static pqcha_err copy_nodes(pqcha__model_file *f, const pqcha_hasher *h) {
    size_t count = pqcha_hasher_node_count(h);
    if (count == 0) return PQCHA_OK; /* a single leaf (or a hasher that records none) */
    unsigned want_level;
    size_t want_count;
    pqcha__tree_node_shape(f->size, &want_level, &want_count);
    const uint8_t *nodes = pqcha_hasher_nodes(h);
    if (nodes == NULL || count != want_count || pqcha_hasher_node_level(h) != want_level)
        return PQCHA_ERR_INTERNAL;
    f->nodes = malloc(count * sizeof f->nodes[0]);
    if (f->nodes == NULL) return PQCHA_ERR_NO_MEMORY;
    memcpy(f->nodes, nodes, count * sizeof f->nodes[0]);
    f->node_count = count;
    f->node_level = want_level;
    return PQCHA_OK;
}

/* The file's bytes go to the whole-file hasher and, for a model file, to
 * the per-tensor one as well: read once, hashed into both. */
typedef struct file_hashers {
    pqcha_hasher *whole;
    pqcha__segment_hasher *pieces; /* NULL for a raw file */
} file_hashers;

static pqcha_err hashers_update(const file_hashers *hs, const uint8_t *data, size_t len) {
    PQCHA_TRY(pqcha_hasher_update(hs->whole, data, len));
    return hs->pieces != NULL ? pqcha__segment_hasher_update(hs->pieces, data, len) : PQCHA_OK;
}

/* Reads from offset to the end of the file into the hashers, then makes sure
 * the file did not grow meanwhile. */
static pqcha_err hash_rest(const file_hashers *hs, int fd, uint64_t offset, uint64_t size) {
    uint8_t *chunk = malloc(PQCHA__IO_CHUNK);
    if (chunk == NULL) return PQCHA_ERR_NO_MEMORY;
    pqcha_err err = PQCHA_OK;
    while (err == PQCHA_OK && offset < size) {
        size_t n = size - offset < PQCHA__IO_CHUNK ? (size_t)(size - offset) : PQCHA__IO_CHUNK;
        err = pqcha__read_exact_at(fd, chunk, n, offset);
        if (err == PQCHA_OK) err = hashers_update(hs, chunk, n);
        offset += n;
    }
    if (err == PQCHA_OK) {
        ssize_t extra;
        do
            extra = pread(fd, chunk, 1, (off_t)size);
        while (extra < 0 && errno == EINTR);
        if (extra < 0)
            err = pqcha__errno_to_err(errno, PQCHA_ERR_IO);
        else if (extra > 0)
            err = PQCHA_ERR_REGION_CHANGED;
    }
    free(chunk);
    return err;
}

/* The model file cut at its tensors over the whole file (FORMAT.md 8.1):
 * tensors and the gaps between them, in file order. */
static pqcha_err file_segments(pqcha__segment **segments, size_t *count,
                               const pqcha__model_file *f) {
    pqcha__tensor_ref *refs = NULL;
    PQCHA_TRY(pqcha__model_file_tensor_refs(&refs, f));
    pqcha_err err = pqcha__segments_layout(segments, count, 0, f->size, refs, f->tensor_count);
    free(refs);
    return err;
}

/* Tensor and gap digests from the hashed segments. An empty tensor holds no
 * bytes: its digest is that of no bytes. */
static pqcha_err keep_segment_digests(pqcha__model_file *f, pqcha__segment *segments,
                                      size_t count) {
    size_t t = 0, gaps = 0;
    for (size_t i = 0; i < count; i++)
        gaps += segments[i].tensor == NULL;
    f->gaps = gaps ? calloc(gaps, sizeof f->gaps[0]) : NULL;
    if (gaps && f->gaps == NULL) return PQCHA_ERR_NO_MEMORY;
    for (size_t i = 0; i < f->tensor_count; i++)
        if (f->tensors[i].size == 0) PQCHA_TRY(pqcha_sha3_256(f->tensors[i].digest, "", 0));
    for (size_t i = 0; i < count; i++) {
        if (segments[i].tensor == NULL) {
            f->gaps[f->gap_count++] = segments[i]; /* tensor is NULL: nothing to own */
            continue;
        }
        while (t < f->tensor_count &&
               (f->tensors[t].size == 0 || f->tensors[t].offset != segments[i].offset))
            t++;
        if (t == f->tensor_count) return PQCHA_ERR_INTERNAL;
        memcpy(f->tensors[t].digest, segments[i].digest, sizeof f->tensors[t].digest);
    }
    f->has_tensor_digests = 1;
    return PQCHA_OK;
}

static pqcha_err whole_hasher(pqcha_hasher **h, uint64_t size, unsigned threads) {
    PQCHA_TRY(pqcha_hasher_create(h, PQCHA_DIGEST_SHA3_256_TREE));
    pqcha_err err = pqcha_hasher_set_threads(*h, threads);
    if (err == PQCHA_OK) err = pqcha_hasher_expect_length(*h, size);
    return err;
}

static pqcha_err hash_file(pqcha__model_file *f, int fd, const uint8_t *head, size_t head_len,
                           unsigned threads) {
    int model = strcmp(f->format, "raw") != 0 && f->size > 0;
    pqcha__segment *segments = NULL;
    size_t count = 0;
    file_hashers hs = {NULL, NULL};
    pqcha_err err = whole_hasher(&hs.whole, f->size, threads);
    if (err == PQCHA_OK && model) err = file_segments(&segments, &count, f);
    if (err == PQCHA_OK && model)
        err = pqcha__segment_hasher_new(&hs.pieces, segments, count, threads);
    if (err == PQCHA_OK) err = hashers_update(&hs, head, head_len);
    if (err == PQCHA_OK) err = hash_rest(&hs, fd, head_len, f->size);
    if (err == PQCHA_OK) err = pqcha_hasher_final(hs.whole, f->digest, sizeof f->digest);
    uint8_t unused_root[PQCHA_SHA3_256_LEN];
    if (err == PQCHA_OK && model) err = pqcha__segment_hasher_final(hs.pieces, unused_root);
    if (err == PQCHA_OK && model) err = keep_segment_digests(f, segments, count);
    if (err == PQCHA_OK) err = copy_nodes(f, hs.whole);
    pqcha_hasher_free(hs.whole);
    pqcha__segment_hasher_free(hs.pieces);
    pqcha__segments_free(segments, count);
    if (err == PQCHA_OK) pqcha_hex_encode(f->digest_hex, f->digest, sizeof f->digest);
    return err;
}

/* ---- the entry ---- */

static const char *base_name(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int name_taken(const pqcha_manifest *m, const char *name) {
    for (size_t i = 0; i < m->count; i++)
        if (strcmp(m->files[i].name, name) == 0) return 1;
    return 0;
}

static pqcha_err reserve_file(pqcha_manifest *m) {
    return pqcha__grow(&m->files, &m->cap, m->count + 1, sizeof *m->files,
                       PQCHA_MAX_MANIFEST_FILES);
}

/* Fills f from the open file: format, tensor table, digest and nodes. */
static pqcha_err measure(pqcha__model_file *f, int fd, unsigned threads, pqcha__diag *diag) {
    pqcha__model_header h;
    PQCHA_TRY(pqcha__model_header_read(&h, fd, f->size, diag));
    f->format = pqcha__strdup(h.format);
    pqcha_err err = f->format ? PQCHA_OK : PQCHA_ERR_NO_MEMORY;
    if (err == PQCHA_OK) {
        f->tensors = h.tensors; /* f takes the table over */
        f->tensor_count = h.tensor_count;
        h.tensors = NULL;
        h.tensor_count = 0;
        /* The bytes parsed are the first bytes hashed. */
        err = hash_file(f, fd, h.head, h.head_len, threads);
    }
    pqcha__model_header_clear(&h);
    return err;
}

pqcha_err pqcha_manifest_add_file(pqcha_manifest *m, const char *path, unsigned threads) {
    if (m == NULL || path == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    m->diag.text[0] = '\0';
    const char *name = base_name(path);
    pqcha_err err = pqcha_identifier_check(name);
    if (err != PQCHA_OK || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return PQCHA_ERR_BAD_IDENTIFIER;
    if (name_taken(m, name)) return PQCHA_ERR_REGION_EXISTS;
    PQCHA_TRY(reserve_file(m));

    pqcha__model_file f;
    memset(&f, 0, sizeof f);
    int fd = -1;
    err = pqcha__open_regular_file(&fd, &f.size, path, PQCHA_ERR_IO);
    if (err != PQCHA_OK) return err;
    if (f.size > PQCHA_MAX_SAFE_INTEGER) err = PQCHA_ERR_OUT_OF_RANGE;
    if (err == PQCHA_OK) {
        f.name = pqcha__strdup(name);
        err = f.name ? measure(&f, fd, threads, &m->diag) : PQCHA_ERR_NO_MEMORY;
    }
    close(fd);
    if (err != PQCHA_OK) {
        pqcha__model_file_clear(&f);
        return err;
    }
    m->files[m->count++] = f;
    return PQCHA_OK;
}

/* ---- a sharded safetensors model, by its index ---- */

/* The index's directory joined with a shard's base name. */
static char *shard_path(const char *index_path, const char *shard) {
    const char *slash = strrchr(index_path, '/');
    size_t dir = slash ? (size_t)(slash - index_path) + 1 : 0;
    char *path = malloc(dir + strlen(shard) + 1);
    if (path == NULL) return NULL;
    memcpy(path, index_path, dir);
    strcpy(path + dir, shard);
    return path;
}

/* A tensor of an added shard, for matching the index against the shards. */
typedef struct shard_tensor {
    const char *tensor;
    const char *shard;
} shard_tensor;

static int compare_shard_tensors(const void *a, const void *b) {
    return strcmp(((const shard_tensor *)a)->tensor, ((const shard_tensor *)b)->tensor);
}

/* Every tensor the index places in a shard is in that shard's table: both
 * lists sorted by tensor name, one merge pass. */
static pqcha_err index_matches_shards(pqcha_manifest *m, size_t first_shard,
                                      const pqcha__safetensors_index *ix) {
    size_t n = 0;
    for (size_t j = first_shard; j < m->count; j++)
        n += m->files[j].tensor_count;
    shard_tensor *all = malloc((n ? n : 1) * sizeof *all);
    if (all == NULL) return PQCHA_ERR_NO_MEMORY;
    n = 0;
    for (size_t j = first_shard; j < m->count; j++)
        for (size_t t = 0; t < m->files[j].tensor_count; t++)
            all[n++] = (shard_tensor){m->files[j].tensors[t].name, m->files[j].name};
    qsort(all, n, sizeof *all, compare_shard_tensors);
    pqcha_err err = PQCHA_OK;
    size_t at = 0;
    for (size_t i = 0; err == PQCHA_OK && i < ix->map_count; i++) {
        const pqcha__index_entry *e = &ix->map[i];
        while (at < n && strcmp(all[at].tensor, e->tensor) < 0)
            at++;
        int found = 0; /* one name may be in several shards: look at each */
        for (size_t k = at; k < n && !found && strcmp(all[k].tensor, e->tensor) == 0; k++)
            found = strcmp(all[k].shard, e->shard) == 0;
        if (!found) {
            pqcha__diag_tensor(&m->diag, e->tensor, strlen(e->tensor),
                               "is not in %.100s, where the index places it", e->shard);
            err = PQCHA_ERR_INCONSISTENT_CLAIMS;
        }
    }
    free(all);
    return err;
}

static pqcha_err read_index(pqcha__safetensors_index *ix, const char *path) {
    int fd = -1;
    uint64_t size = 0;
    PQCHA_TRY(pqcha__open_regular_file(&fd, &size, path, PQCHA_ERR_IO));
    pqcha_err err = size > PQCHA__MAX_INDEX_LEN ? PQCHA_ERR_TOO_LARGE : PQCHA_OK;
    char *text = err == PQCHA_OK ? malloc(size ? (size_t)size : 1) : NULL;
    if (err == PQCHA_OK && text == NULL) err = PQCHA_ERR_NO_MEMORY;
    if (err == PQCHA_OK) err = pqcha__read_exact_at(fd, (uint8_t *)text, (size_t)size, 0);
    close(fd);
    if (err == PQCHA_OK) err = pqcha__safetensors_index_parse(ix, text, (size_t)size);
    free(text);
    return err;
}

pqcha_err pqcha_manifest_add_safetensors_index(pqcha_manifest *m, const char *index_path,
                                               unsigned threads) {
    if (m == NULL || index_path == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    m->diag.text[0] = '\0';
    pqcha__safetensors_index ix;
    PQCHA_TRY(read_index(&ix, index_path));
    size_t before = m->count;
    pqcha_err err = PQCHA_OK;
    for (size_t i = 0; err == PQCHA_OK && i < ix.shard_count; i++) {
        char *path = shard_path(index_path, ix.shards[i]);
        err = path ? pqcha_manifest_add_file(m, path, threads) : PQCHA_ERR_NO_MEMORY;
        if (err == PQCHA_OK && strcmp(m->files[m->count - 1].format, "safetensors") != 0)
            err = PQCHA_ERR_MALFORMED; /* an index of safetensors shards names another file */
        free(path);
    }
    if (err == PQCHA_OK) err = index_matches_shards(m, before, &ix);
    pqcha__index_free(&ix);
    if (err != PQCHA_OK) /* all shards or none */
        while (m->count > before)
            pqcha__model_file_clear(&m->files[--m->count]);
    return err;
}
