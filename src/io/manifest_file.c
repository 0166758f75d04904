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

#include "core/internal.h"
#include "core/manifest.h"
#include "io/fileio.h"

#define CHUNK_BYTES (8u * 1024u * 1024u)
#define FIRST_HEAD_BYTES (1u * 1024u * 1024u)
/* Headers above this are refused (TOO_LARGE): safetensors caps its own at
 * 100 MiB; GGUF headers with large vocabularies take a few tens of MiB. */
#define MAX_HEAD_BYTES (256u * 1024u * 1024u)
#define SAFETENSORS_MIN_FILE 10u /* length, "{}" */
#define SAFETENSORS_MAX_HEADER (100u * 1024u * 1024u)

typedef pqcha_err (*header_parser)(pqcha__tensor **, size_t *, size_t *, const uint8_t *, size_t,
                                   uint64_t);

/* ---- reading ---- */

/* Exactly len bytes at offset; a file that ends early has changed under us. */
static pqcha_err read_at(int fd, uint8_t *buf, size_t len, uint64_t offset) {
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(fd, buf + done, len - done, (off_t)(offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return pqcha__errno_to_err(errno, PQCHA_ERR_IO);
        if (n == 0)
            return PQCHA_ERR_REGION_CHANGED;
        done += (size_t)n;
    }
    return PQCHA_OK;
}

/* ---- the header ---- */

static uint64_t le64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* GGUF by its magic; safetensors by a header length that fits the file and a
 * header that opens a JSON object. Anything else is a raw file. */
static const char *detect_format(const uint8_t *head, size_t head_len, uint64_t file_size) {
    if (head_len >= 4 && memcmp(head, "GGUF", 4) == 0)
        return "gguf";
    if (head_len >= SAFETENSORS_MIN_FILE) {
        uint64_t n = le64(head);
        if (n >= 2 && n <= SAFETENSORS_MAX_HEADER && n <= file_size - 8 && head[8] == '{')
            return "safetensors";
    }
    return "raw";
}

/* Grows *head to at least need bytes (geometrically, so a parser restarted
 * after each growth costs linear time overall), within the file and the cap. */
static pqcha_err grow_head(int fd, uint8_t **head, size_t *head_len, size_t need, uint64_t file_size) {
    if (need > MAX_HEAD_BYTES || need > file_size)
        return PQCHA_ERR_TOO_LARGE;
    size_t want = *head_len * 2 > need ? *head_len * 2 : need;
    if (want > MAX_HEAD_BYTES)
        want = MAX_HEAD_BYTES;
    if (want > file_size)
        want = (size_t)file_size;
    uint8_t *grown = realloc(*head, want);
    if (grown == NULL)
        return PQCHA_ERR_NO_MEMORY;
    *head = grown;
    PQCHA_TRY(read_at(fd, grown + *head_len, want - *head_len, *head_len));
    *head_len = want;
    return PQCHA_OK;
}

/* Parses the tensor table, reading more of the file while the parser asks. */
static pqcha_err parse_header(pqcha__model_file *f, header_parser parse, int fd, uint8_t **head,
                              size_t *head_len) {
    for (;;) {
        size_t need = 0;
        pqcha_err err = parse(&f->tensors, &f->tensor_count, &need, *head, *head_len, f->size);
        if (err != PQCHA_ERR_TOO_LARGE || need <= *head_len)
            return err; /* done, malformed, or a cap of the format itself */
        PQCHA_TRY(grow_head(fd, head, head_len, need, f->size));
    }
}

/* ---- the digest ---- */

static pqcha_err copy_nodes(pqcha__model_file *f, const pqcha_hasher *h) {
    size_t count = pqcha_hasher_node_count(h);
    if (count == 0)
        return PQCHA_OK; /* a single leaf (or a hasher that records none) */
    unsigned want_level;
    size_t want_count;
    pqcha__tree_node_shape(f->size, &want_level, &want_count);
    const uint8_t *nodes = pqcha_hasher_nodes(h);
    if (nodes == NULL || count != want_count || pqcha_hasher_node_level(h) != want_level)
        return PQCHA_ERR_INTERNAL;
    f->nodes = malloc(count * sizeof f->nodes[0]);
    if (f->nodes == NULL)
        return PQCHA_ERR_NO_MEMORY;
    memcpy(f->nodes, nodes, count * sizeof f->nodes[0]);
    f->node_count = count;
    f->node_level = want_level;
    return PQCHA_OK;
}

/* Reads from offset to the end of the file into h, then makes sure the file
 * did not grow meanwhile. */
static pqcha_err hash_rest(pqcha_hasher *h, int fd, uint64_t offset, uint64_t size) {
    uint8_t *chunk = malloc(CHUNK_BYTES);
    if (chunk == NULL)
        return PQCHA_ERR_NO_MEMORY;
    pqcha_err err = PQCHA_OK;
    while (err == PQCHA_OK && offset < size) {
        size_t n = size - offset < CHUNK_BYTES ? (size_t)(size - offset) : CHUNK_BYTES;
        err = read_at(fd, chunk, n, offset);
        if (err == PQCHA_OK)
            err = pqcha_hasher_update(h, chunk, n);
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

static pqcha_err hash_file(pqcha__model_file *f, int fd, const uint8_t *head, size_t head_len,
                           unsigned threads) {
    pqcha_hasher *h = NULL;
    PQCHA_TRY(pqcha_hasher_create(&h, PQCHA_DIGEST_SHA3_256_TREE));
    pqcha_err err = pqcha_hasher_set_threads(h, threads);
    if (err == PQCHA_OK)
        err = pqcha_hasher_expect_length(h, f->size);
    if (err == PQCHA_OK)
        err = pqcha_hasher_update(h, head, head_len);
    if (err == PQCHA_OK)
        err = hash_rest(h, fd, head_len, f->size);
    if (err == PQCHA_OK)
        err = pqcha_hasher_final(h, f->digest, sizeof f->digest);
    if (err == PQCHA_OK)
        err = copy_nodes(f, h);
    pqcha_hasher_free(h);
    if (err == PQCHA_OK)
        pqcha_hex_encode(f->digest_hex, f->digest, sizeof f->digest);
    return err;
}

/* ---- the entry ---- */

static const char *base_name(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int name_taken(const pqcha_manifest *m, const char *name) {
    for (size_t i = 0; i < m->count; i++)
        if (strcmp(m->files[i].name, name) == 0)
            return 1;
    return 0;
}

static pqcha_err reserve_file(pqcha_manifest *m) {
    if (m->count >= PQCHA_MAX_MANIFEST_FILES)
        return PQCHA_ERR_TOO_LARGE;
    if (m->count < m->cap)
        return PQCHA_OK;
    size_t cap = m->cap ? m->cap * 2 : 4;
    if (cap > PQCHA_MAX_MANIFEST_FILES)
        cap = PQCHA_MAX_MANIFEST_FILES;
    pqcha__model_file *grown = realloc(m->files, cap * sizeof *grown);
    if (grown == NULL)
        return PQCHA_ERR_NO_MEMORY;
    m->files = grown;
    m->cap = cap;
    return PQCHA_OK;
}

/* Fills f from the open file: format, tensor table, digest and nodes. */
static pqcha_err measure(pqcha__model_file *f, int fd, unsigned threads) {
    size_t head_len = f->size < FIRST_HEAD_BYTES ? (size_t)f->size : FIRST_HEAD_BYTES;
    uint8_t *head = malloc(head_len ? head_len : 1);
    if (head == NULL)
        return PQCHA_ERR_NO_MEMORY;
    pqcha_err err = read_at(fd, head, head_len, 0);
    const char *format = err == PQCHA_OK ? detect_format(head, head_len, f->size) : "raw";
    if (err == PQCHA_OK) {
        f->format = pqcha__strdup(format);
        err = f->format ? PQCHA_OK : PQCHA_ERR_NO_MEMORY;
    }
    if (err == PQCHA_OK && strcmp(format, "raw") != 0)
        err = parse_header(f, strcmp(format, "gguf") == 0 ? pqcha__gguf_parse : pqcha__safetensors_parse,
                           fd, &head, &head_len);
    if (err == PQCHA_OK)
        err = hash_file(f, fd, head, head_len, threads);
    free(head);
    return err;
}

pqcha_err pqcha_manifest_add_file(pqcha_manifest *m, const char *path, unsigned threads) {
    if (m == NULL || path == NULL)
        return PQCHA_ERR_INVALID_ARGUMENT;
    const char *name = base_name(path);
    pqcha_err err = pqcha_identifier_check(name);
    if (err != PQCHA_OK || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return PQCHA_ERR_BAD_IDENTIFIER;
    if (name_taken(m, name))
        return PQCHA_ERR_REGION_EXISTS;
    PQCHA_TRY(reserve_file(m));

    pqcha__model_file f;
    memset(&f, 0, sizeof f);
    int fd = -1;
    err = pqcha__open_regular_file(&fd, &f.size, path, PQCHA_ERR_IO);
    if (err != PQCHA_OK)
        return err;
    if (f.size > PQCHA_MAX_SAFE_INTEGER)
        err = PQCHA_ERR_OUT_OF_RANGE;
    if (err == PQCHA_OK) {
        f.name = pqcha__strdup(name);
        err = f.name ? measure(&f, fd, threads) : PQCHA_ERR_NO_MEMORY;
    }
    close(fd);
    if (err != PQCHA_OK) {
        pqcha__model_file_clear(&f);
        return err;
    }
    m->files[m->count++] = f;
    return PQCHA_OK;
}
