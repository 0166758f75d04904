/* log.c — the verifier service's transparency log (log.h): entries,
 * checkpoints signed over what is committed, receipts, the public read
 * endpoints and witnesses' cosignatures. */
#include "service/log.h"

#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pqcha/tlog.h"
#include "service/try.h"

#define MEMO_TILES 4
/* Full tiles and reports never change; a checkpoint and a partial tile are
 * superseded as the tree grows. */
#define CACHE_IMMUTABLE  "public, max-age=31536000, immutable"
#define CACHE_CHECKPOINT "public, max-age=5"
#define CACHE_PARTIAL    "public, max-age=60"
#define TYPE_NOTE        "text/plain; charset=utf-8"
#define TYPE_TILE        "application/octet-stream"
#define TILE_PREFIX      "tile/"
#define REPORT_PREFIX    "report/"

typedef struct witness {
    char *name;
    pqcha_key *key; /* public */
} witness;

struct tlog {
    store *db;
    pqcha_key *key;
    char *origin;
    int64_t interval;
    uint64_t entries;
    int64_t (*clock)(void);
    witness witnesses[TLOG_MAX_WITNESSES];
    size_t witness_count;
    /* Signing and publishing take turns: the answers of one committed batch
     * wait here while the first of them signs, then share its checkpoint. */
    pthread_mutex_t lock;
    char *latest_note; /* the newest checkpoint known to this instance, or NULL */
    uint64_t latest_size;
    int have_published;
    uint64_t published_size;
    int64_t published_at;
    atomic_uint_fast64_t signed_count, published_count, accepted, refused;
};

static int64_t system_clock(void) {
    return (int64_t)time(NULL);
}

/* ---- life cycle ---- */

pqcha_err tlog_create(tlog **out, store *db, pqcha_key *key, const tlog_options *o) {
    uint32_t key_id;
    if (!out) {
        pqcha_key_free(key);
        return PQCHA_ERR_INVALID_ARGUMENT;
    }
    *out = NULL;
    if (!db || !key || !o || !o->origin || o->interval < 0) {
        pqcha_key_free(key);
        return PQCHA_ERR_INVALID_ARGUMENT;
    }
    pqcha_err err = pqcha_note_key_id(&key_id, o->origin, key);
    if (err == PQCHA_OK && !pqcha_key_has_private(key)) err = PQCHA_ERR_NOT_PRIVATE_KEY;
    tlog *l = err == PQCHA_OK ? calloc(1, sizeof *l) : NULL;
    if (err == PQCHA_OK && (!l || !(l->origin = strdup(o->origin)))) err = PQCHA_ERR_NO_MEMORY;
    if (err != PQCHA_OK) {
        free(l);
        pqcha_key_free(key);
        return err;
    }
    l->db = db;
    l->key = key;
    l->interval = o->interval;
    l->entries = o->entries;
    l->clock = o->clock ? o->clock : system_clock;
    pthread_mutex_init(&l->lock, NULL);
    *out = l;
    return PQCHA_OK;
}

void tlog_free(tlog *l) {
    if (!l) return;
    for (size_t i = 0; i < l->witness_count; i++) {
        free(l->witnesses[i].name);
        pqcha_key_free(l->witnesses[i].key);
    }
    pqcha_key_free(l->key);
    free(l->origin);
    free(l->latest_note);
    pthread_mutex_destroy(&l->lock);
    free(l);
}

pqcha_err tlog_add_witness(tlog *l, const char *name, const pqcha_key *key) {
    uint32_t key_id;
    if (!l || !name || !key || strcmp(name, l->origin) == 0) return PQCHA_ERR_INVALID_ARGUMENT;
    SERVICE_TRY(pqcha_note_key_id(&key_id, name, key));
    for (size_t i = 0; i < l->witness_count; i++)
        if (strcmp(l->witnesses[i].name, name) == 0) return PQCHA_ERR_INVALID_ARGUMENT;
    if (l->witness_count == TLOG_MAX_WITNESSES) return PQCHA_ERR_TOO_LARGE;
    witness *w = &l->witnesses[l->witness_count];
    SERVICE_TRY(pqcha_key_public_copy(&w->key, key));
    w->name = strdup(name);
    if (!w->name) {
        pqcha_key_free(w->key);
        w->key = NULL;
        return PQCHA_ERR_NO_MEMORY;
    }
    l->witness_count++;
    return PQCHA_OK;
}

/* ---- the tree, from the stored tiles ---- */

/* The tiles one proof or root reads, kept for its duration: the nodes of a
 * proof mostly come from the same few tiles. */
typedef struct tile_memo {
    store *db;
    struct {
        int used;
        unsigned level, width;
        uint64_t index;
        uint8_t hashes[PQCHA_TLOG_TILE_MAX_BYTES];
    } slot[MEMO_TILES];
    unsigned next;
} tile_memo;

static pqcha_err memo_read(void *ctx, unsigned level, uint64_t index, unsigned width, uint8_t *out,
                           size_t *out_len) {
    tile_memo *m = ctx;
    *out_len = 0;
    if (index > PQCHA_TLOG_MAX_SIZE / PQCHA_TLOG_TILE_WIDTH) return PQCHA_ERR_INVALID_ARGUMENT;
    size_t len = (size_t)width * PQCHA_TLOG_HASH_LEN;
    for (unsigned i = 0; i < MEMO_TILES; i++)
        if (m->slot[i].used && m->slot[i].level == level && m->slot[i].index == index &&
            m->slot[i].width == width) {
            memcpy(out, m->slot[i].hashes, len);
            *out_len = len;
            return PQCHA_OK;
        }
    SERVICE_TRY(store_log_hashes(m->db, level, index * PQCHA_TLOG_TILE_WIDTH, width, out));
    unsigned i = m->next++ % MEMO_TILES;
    m->slot[i].used = 1;
    m->slot[i].level = level;
    m->slot[i].index = index;
    m->slot[i].width = width;
    memcpy(m->slot[i].hashes, out, len);
    *out_len = len;
    return PQCHA_OK;
}

static tile_memo *memo_new(store *db) {
    tile_memo *m = calloc(1, sizeof *m);
    if (m) m->db = db;
    return m;
}

static pqcha_err tree_root(store *db, uint64_t size, uint8_t root[PQCHA_TLOG_HASH_LEN]) {
    tile_memo *m = memo_new(db);
    if (!m) return PQCHA_ERR_NO_MEMORY;
    pqcha_tlog_tiles tiles = {memo_read, m, size};
    pqcha_err err = pqcha_tlog_tree_root(root, size, pqcha_tlog_tiles_node, &tiles);
    free(m);
    return err;
}

static pqcha_err inclusion_proof(store *db, uint64_t index, uint64_t size, uint8_t **proof,
                                 size_t *count) {
    tile_memo *m = memo_new(db);
    if (!m) return PQCHA_ERR_NO_MEMORY;
    pqcha_tlog_tiles tiles = {memo_read, m, size};
    pqcha_err err =
        pqcha_tlog_inclusion_proof(proof, count, index, size, pqcha_tlog_tiles_node, &tiles);
    free(m);
    return err;
}

/* ---- checkpoints ---- */

typedef struct kept_checkpoint {
    char *note;
    uint64_t size;
    int64_t published_at;
    int failed;
} kept_checkpoint;

static void keep_checkpoint(void *ctx, const store_checkpoint_row *row) {
    kept_checkpoint *k = ctx;
    free(k->note);
    k->note = strdup(row->note);
    k->failed = !k->note;
    k->size = row->size;
    k->published_at = row->published_at;
}

/* The signed checkpoint of the committed tree of `size` entries, kept in
 * the store (or the one kept there already: another instance's). */
static pqcha_err sign_checkpoint(tlog *l, uint64_t size, kept_checkpoint *kept) {
    uint8_t root[PQCHA_TLOG_HASH_LEN];
    char *body = NULL, *note = NULL;
    size_t body_len = 0, note_len = 0;
    SERVICE_TRY(tree_root(l->db, size, root));
    SERVICE_TRY(pqcha_checkpoint_encode(&body, &body_len, l->origin, size, root, NULL));
    pqcha_err err = pqcha_note_sign(&note, &note_len, body, body_len, l->origin, l->key);
    pqcha_free(body);
    if (err == PQCHA_OK)
        err = store_log_add_checkpoint(l->db, size, root, note, l->clock(), keep_checkpoint, kept);
    pqcha_free(note);
    if (err == PQCHA_OK && kept->failed) err = PQCHA_ERR_NO_MEMORY;
    if (err == PQCHA_OK) atomic_fetch_add(&l->signed_count, 1);
    return err;
}

/* Under l->lock: makes kept the newest checkpoint known here. */
static void remember_latest(tlog *l, kept_checkpoint *kept) {
    if (l->latest_note && l->latest_size >= kept->size) return;
    free(l->latest_note);
    l->latest_note = kept->note;
    l->latest_size = kept->size;
    kept->note = NULL;
}

/* Under l->lock: a checkpoint of at least min_size entries, signed now over
 * the committed tree unless this instance has one. */
static pqcha_err ensure_latest(tlog *l, uint64_t min_size) {
    uint64_t size;
    if (l->latest_note && l->latest_size >= min_size) return PQCHA_OK;
    SERVICE_TRY(store_log_size(l->db, &size));
    if (size < min_size) return PQCHA_ERR_NOT_FOUND;
    kept_checkpoint kept = {NULL, 0, 0, 0};
    pqcha_err err = sign_checkpoint(l, size, &kept);
    if (err == PQCHA_OK) remember_latest(l, &kept);
    free(kept.note);
    return err;
}

/* Under l->lock: at least once per interval, and as soon as the tree grew
 * by `entries` since the published checkpoint. */
static int publication_due(const tlog *l, int64_t now) {
    return !l->have_published || l->interval == 0 || now - l->published_at >= l->interval ||
           (l->entries > 0 && l->latest_size - l->published_size >= l->entries);
}

/* Under l->lock: publishes the latest checkpoint, if it is newer than the
 * published one and the interval allows. */
static pqcha_err publish_if_due(tlog *l, int64_t now) {
    if (!l->latest_note || (l->have_published && l->published_size >= l->latest_size) ||
        !publication_due(l, now))
        return PQCHA_OK;
    SERVICE_TRY(store_log_publish(l->db, l->latest_size, now));
    l->have_published = 1;
    l->published_size = l->latest_size;
    l->published_at = now;
    atomic_fetch_add(&l->published_count, 1);
    return PQCHA_OK;
}

/* Under l->lock: what is published, as the store says (another instance of
 * a fleet may have published since). */
static pqcha_err read_published(tlog *l) {
    kept_checkpoint kept = {NULL, 0, 0, 0};
    pqcha_err err =
        store_log_checkpoint(l->db, STORE_CHECKPOINT_PUBLISHED, 0, keep_checkpoint, &kept);
    if (err == PQCHA_OK && !kept.failed && (!l->have_published || kept.size > l->published_size)) {
        l->have_published = 1;
        l->published_size = kept.size;
        l->published_at = kept.published_at;
    }
    if (err == PQCHA_OK && kept.failed) err = PQCHA_ERR_NO_MEMORY;
    free(kept.note);
    return err == PQCHA_ERR_NOT_FOUND ? PQCHA_OK : err;
}

static pqcha_err tick_locked(tlog *l) {
    uint64_t size;
    int64_t now = l->clock();
    SERVICE_TRY(read_published(l));
    SERVICE_TRY(store_log_size(l->db, &size));
    if (l->have_published && l->published_size >= size) return PQCHA_OK;
    if (!publication_due(l, now)) return PQCHA_OK;
    SERVICE_TRY(ensure_latest(l, size));
    return publish_if_due(l, now);
}

pqcha_err tlog_tick(tlog *l) {
    if (!l) return PQCHA_ERR_INVALID_ARGUMENT;
    pthread_mutex_lock(&l->lock);
    pqcha_err err = tick_locked(l);
    pthread_mutex_unlock(&l->lock);
    return err;
}

/* The newest kept checkpoint must be this log's, and the stored tiles must
 * still give its root. */
static pqcha_err check_stored(tlog *l, uint64_t *detail) {
    kept_checkpoint kept = {NULL, 0, 0, 0};
    pqcha_checkpoint *cp = NULL;
    uint8_t root[PQCHA_TLOG_HASH_LEN];
    pqcha_err err = store_log_checkpoint(l->db, STORE_CHECKPOINT_LATEST, 0, keep_checkpoint, &kept);
    if (err == PQCHA_ERR_NOT_FOUND) return PQCHA_OK;
    if (err == PQCHA_OK && kept.failed) err = PQCHA_ERR_NO_MEMORY;
    if (detail) *detail = kept.size;
    if (err == PQCHA_OK)
        err = pqcha_checkpoint_open(&cp, kept.note, strlen(kept.note), l->origin, l->key);
    if (err == PQCHA_OK) err = tree_root(l->db, kept.size, root);
    if (err == PQCHA_OK && memcmp(root, pqcha_checkpoint_root(cp), sizeof root) != 0)
        err = PQCHA_ERR_LOG_FORK;
    if (err == PQCHA_OK) remember_latest(l, &kept);
    pqcha_checkpoint_free(cp);
    free(kept.note);
    return err;
}

pqcha_err tlog_start(tlog *l, uint64_t *detail) {
    if (detail) *detail = 0;
    if (!l) return PQCHA_ERR_INVALID_ARGUMENT;
    pthread_mutex_lock(&l->lock);
    pqcha_err err = check_stored(l, detail);
    if (err == PQCHA_OK) err = read_published(l);
    if (err == PQCHA_OK && !l->have_published) {
        /* A new log publishes its tree (the empty one) at once. */
        uint64_t size;
        err = store_log_size(l->db, &size);
        if (err == PQCHA_OK) err = ensure_latest(l, size);
        if (err == PQCHA_OK) err = publish_if_due(l, l->clock());
    }
    if (err == PQCHA_OK) err = tick_locked(l);
    pthread_mutex_unlock(&l->lock);
    return err;
}

/* ---- entries and receipts ---- */

/* Entries read from the store: a bundle's, or one. */
typedef struct entry_list {
    uint8_t *bytes[PQCHA_TLOG_TILE_WIDTH];
    size_t lens[PQCHA_TLOG_TILE_WIDTH];
    size_t count;
    int failed;
} entry_list;

static int collect_entry(void *ctx, uint64_t index, const uint8_t *entry, size_t len) {
    (void)index;
    entry_list *list = ctx;
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy || list->count == PQCHA_TLOG_TILE_WIDTH) {
        free(copy);
        list->failed = 1;
        return 1;
    }
    memcpy(copy, entry, len);
    list->bytes[list->count] = copy;
    list->lens[list->count++] = len;
    return 0;
}

/* count entries from `from`, all there or an error. */
static pqcha_err read_entries(tlog *l, uint64_t from, unsigned count, entry_list **out) {
    entry_list *list = calloc(1, sizeof *list);
    if (!list) return PQCHA_ERR_NO_MEMORY;
    pqcha_err err = store_log_entries(l->db, from, count, collect_entry, list);
    if (err == PQCHA_OK && (list->failed || list->count != count))
        err = list->failed ? PQCHA_ERR_NO_MEMORY : PQCHA_ERR_STORE;
    *out = list;
    return err;
}

static void entry_list_free(entry_list *list) {
    for (size_t i = 0; list && i < list->count; i++)
        free(list->bytes[i]);
    free(list);
}

/* A copy of a checkpoint that covers entry `index`. */
static pqcha_err covering_checkpoint(tlog *l, uint64_t index, char **note, uint64_t *size) {
    pthread_mutex_lock(&l->lock);
    pqcha_err err = ensure_latest(l, index + 1);
    if (err == PQCHA_OK) err = publish_if_due(l, l->clock());
    if (err == PQCHA_OK) {
        *size = l->latest_size;
        *note = strdup(l->latest_note);
        if (!*note) err = PQCHA_ERR_NO_MEMORY;
    }
    pthread_mutex_unlock(&l->lock);
    return err;
}

pqcha_err tlog_receipt(tlog *l, uint64_t index, const uint8_t *entry, size_t entry_len,
                       char **out) {
    if (out) *out = NULL;
    if (!l || !out || index >= PQCHA_TLOG_MAX_SIZE) return PQCHA_ERR_INVALID_ARGUMENT;
    entry_list *stored = NULL;
    pqcha_err err = PQCHA_OK;
    if (!entry) {
        err = read_entries(l, index, 1, &stored);
        entry = err == PQCHA_OK ? stored->bytes[0] : NULL;
        entry_len = err == PQCHA_OK ? stored->lens[0] : 0;
    }
    char *note = NULL;
    uint64_t size = 0;
    uint8_t *proof = NULL;
    size_t count = 0;
    if (err == PQCHA_OK) err = covering_checkpoint(l, index, &note, &size);
    if (err == PQCHA_OK) err = inclusion_proof(l->db, index, size, &proof, &count);
    size_t len = 0;
    if (err == PQCHA_OK)
        err = pqcha_tlog_receipt_encode(out, &len, index, size, entry, entry_len, proof, count,
                                        note, strlen(note));
    pqcha_free(proof);
    free(note);
    entry_list_free(stored);
    return err;
}

/* ---- the public read endpoints ---- */

static pqcha_err not_found(service_reply *out, const char *what) {
    return service_error_reply(out, 404, "NOT_FOUND", what);
}

static pqcha_err unavailable(service_reply *out) {
    return service_error_reply(out, 503, "STORE", "the verifier's database is unavailable");
}

/* A note grown by cosignature lines. */
typedef struct note_text {
    char *text;
    size_t len;
    int failed;
} note_text;

static void append_line(void *ctx, const char *name, const char *line) {
    (void)name;
    note_text *n = ctx;
    size_t add = strlen(line);
    char *grown = n->failed ? NULL : realloc(n->text, n->len + add + 1);
    if (!grown) {
        n->failed = 1;
        return;
    }
    memcpy(grown + n->len, line, add + 1);
    n->text = grown;
    n->len += add;
}

static pqcha_err get_checkpoint(tlog *l, service_reply *out) {
    kept_checkpoint kept = {NULL, 0, 0, 0};
    pqcha_err err =
        store_log_checkpoint(l->db, STORE_CHECKPOINT_PUBLISHED, 0, keep_checkpoint, &kept);
    if (err == PQCHA_ERR_NOT_FOUND) return not_found(out, "no checkpoint is published yet");
    note_text note = {kept.note, kept.note ? strlen(kept.note) : 0, kept.failed};
    if (err == PQCHA_OK) err = store_log_each_cosignature(l->db, kept.size, append_line, &note);
    if (err != PQCHA_OK) {
        free(note.text);
        return unavailable(out);
    }
    if (note.failed) {
        free(note.text);
        return PQCHA_ERR_NO_MEMORY;
    }
    SERVICE_TRY(service_reply_bytes(out, 200, TYPE_NOTE, note.text, note.len));
    out->cache_control = CACHE_CHECKPOINT;
    return PQCHA_OK;
}

/* Whether the tree of `size` entries holds `count` hashes of tile level
 * `level` from `from`. */
static int tree_holds(uint64_t size, int level, uint64_t from, unsigned count) {
    uint64_t entries = size;
    for (int i = 0; i < level; i++)
        entries /= PQCHA_TLOG_TILE_WIDTH;
    return from <= entries && count <= entries - from;
}

static pqcha_err read_bundle(tlog *l, uint64_t from, unsigned width, uint8_t **out, size_t *len) {
    entry_list *list = NULL;
    pqcha_err err = read_entries(l, from, width, &list);
    if (err == PQCHA_OK)
        err = pqcha_tlog_bundle_encode(out, len, (const uint8_t *const *)list->bytes, list->lens,
                                       list->count);
    entry_list_free(list);
    return err;
}

static pqcha_err read_tile(tlog *l, int level, uint64_t from, unsigned width, uint8_t **out,
                           size_t *len) {
    if (level == PQCHA_TLOG_ENTRIES) return read_bundle(l, from, width, out, len);
    *len = (size_t)width * PQCHA_TLOG_HASH_LEN;
    *out = malloc(*len);
    if (!*out) return PQCHA_ERR_NO_MEMORY;
    pqcha_err err = store_log_hashes(l->db, (unsigned)level, from, width, *out);
    if (err != PQCHA_OK) {
        free(*out);
        *out = NULL;
    }
    return err;
}

static pqcha_err get_tile(tlog *l, const char *path, service_reply *out) {
    int level = 0;
    uint64_t index = 0, size = 0;
    unsigned width = 0;
    if (pqcha_tlog_tile_path_parse(&level, &index, &width, path, strlen(path)) != PQCHA_OK)
        return not_found(out, "not a tile path (tile/L/N[.p/W], tile/entries/N[.p/W])");
    if (store_log_size(l->db, &size) != PQCHA_OK) return unavailable(out);
    int hash_level = level == PQCHA_TLOG_ENTRIES ? 0 : level;
    if (index > PQCHA_TLOG_MAX_SIZE / PQCHA_TLOG_TILE_WIDTH ||
        !tree_holds(size, hash_level, index * PQCHA_TLOG_TILE_WIDTH, width))
        return not_found(out, "the tree does not hold this tile (yet)");
    uint8_t *bytes = NULL;
    size_t len = 0;
    pqcha_err err = read_tile(l, level, index * PQCHA_TLOG_TILE_WIDTH, width, &bytes, &len);
    if (err == PQCHA_ERR_NO_MEMORY) return err;
    if (err != PQCHA_OK) return unavailable(out);
    SERVICE_TRY(service_reply_bytes(out, 200, TYPE_TILE, (char *)bytes, len));
    out->cache_control = width == PQCHA_TLOG_TILE_WIDTH ? CACHE_IMMUTABLE : CACHE_PARTIAL;
    return PQCHA_OK;
}

typedef struct body_copy {
    char *bytes;
    size_t len;
} body_copy;

static void copy_body(void *ctx, const void *data, size_t len) {
    body_copy *b = ctx;
    b->bytes = malloc(len ? len : 1);
    if (b->bytes) memcpy(b->bytes, data, len);
    b->len = len;
}

static int sha256_hex(const char *text) {
    size_t n = strspn(text, "0123456789abcdef");
    return n == 2 * PQCHA_SHA256_LEN && text[n] == '\0';
}

static pqcha_err get_report(tlog *l, const char *sha256, service_reply *out) {
    if (!sha256_hex(sha256))
        return not_found(out, "report/SHA256: the entry's envelopeSha256, 64 lowercase hex");
    body_copy body = {NULL, 0};
    pqcha_err err = store_log_report(l->db, sha256, copy_body, &body);
    if (err == PQCHA_ERR_NOT_FOUND) return not_found(out, "no report of the log has this SHA-256");
    if (err != PQCHA_OK) return unavailable(out);
    SERVICE_TRY(service_reply_bytes(out, 200, "application/json", body.bytes, body.len));
    out->cache_control = CACHE_IMMUTABLE;
    return PQCHA_OK;
}

pqcha_err tlog_get(tlog *l, const char *path, service_reply *out) {
    memset(out, 0, sizeof *out);
    if (strcmp(path, "checkpoint") == 0) return get_checkpoint(l, out);
    if (strncmp(path, TILE_PREFIX, strlen(TILE_PREFIX)) == 0) return get_tile(l, path, out);
    if (strncmp(path, REPORT_PREFIX, strlen(REPORT_PREFIX)) == 0)
        return get_report(l, path + strlen(REPORT_PREFIX), out);
    return not_found(out, "no such log endpoint");
}

/* ---- cosignatures ---- */

/* The note's line of signature i, as it was: "— name base64(key ID || sig)\n". */
static char *signature_line(const pqcha_note *n, size_t i) {
    size_t sig_len = pqcha_note_signature_length(n, i);
    uint8_t *raw = malloc(4 + sig_len);
    char *b64 = NULL, *line = NULL;
    if (!raw) return NULL;
    uint32_t id = pqcha_note_signature_key_id(n, i);
    raw[0] = (uint8_t)(id >> 24);
    raw[1] = (uint8_t)(id >> 16);
    raw[2] = (uint8_t)(id >> 8);
    raw[3] = (uint8_t)id;
    memcpy(raw + 4, pqcha_note_signature(n, i), sig_len);
    if (pqcha_base64_encode(&b64, NULL, raw, 4 + sig_len) == PQCHA_OK) {
        const char *name = pqcha_note_signature_name(n, i);
        size_t len = strlen("\xe2\x80\x94 ") + strlen(name) + 1 + strlen(b64) + 2;
        line = malloc(len);
        if (line) snprintf(line, len, "\xe2\x80\x94 %s %s\n", name, b64);
    }
    pqcha_free(b64);
    free(raw);
    return line;
}

/* Keeps witness w's line(s) of the note for the checkpoint of that size. */
static pqcha_err keep_cosignature(tlog *l, const pqcha_note *n, const witness *w, uint64_t size) {
    uint32_t key_id;
    SERVICE_TRY(pqcha_note_key_id(&key_id, w->name, w->key));
    for (size_t i = 0; i < pqcha_note_signature_count(n); i++) {
        if (pqcha_note_signature_key_id(n, i) != key_id ||
            strcmp(pqcha_note_signature_name(n, i), w->name) != 0)
            continue;
        char *line = signature_line(n, i);
        if (!line) return PQCHA_ERR_NO_MEMORY;
        pqcha_err err = store_log_add_cosignature(l->db, size, w->name, line);
        free(line);
        return err;
    }
    return PQCHA_ERR_INTERNAL; /* verified, so it has a line */
}

static pqcha_err refuse_cosignature(tlog *l, service_reply *out, unsigned status, const char *name,
                                    const char *message) {
    atomic_fetch_add(&l->refused, 1);
    return service_error_reply(out, status, name, message);
}

/* The checkpoint the note cosigns: kept, of this origin, with the same text. */
static pqcha_err match_checkpoint(tlog *l, const pqcha_note *n, uint64_t *size, service_reply *out,
                                  int *refused) {
    pqcha_checkpoint *cp = NULL;
    const char *text = pqcha_note_text(n);
    *refused = 1;
    if (pqcha_checkpoint_parse(&cp, text, pqcha_note_text_length(n)) != PQCHA_OK)
        return refuse_cosignature(l, out, 400, "LOG_CHECKPOINT", "the note is not a checkpoint");
    int ours = strcmp(pqcha_checkpoint_origin(cp), l->origin) == 0;
    *size = pqcha_checkpoint_size(cp);
    pqcha_checkpoint_free(cp);
    if (!ours) return refuse_cosignature(l, out, 400, "LOG_ORIGIN", "a checkpoint of another log");
    kept_checkpoint kept = {NULL, 0, 0, 0};
    pqcha_err err =
        store_log_checkpoint(l->db, STORE_CHECKPOINT_OF_SIZE, *size, keep_checkpoint, &kept);
    pqcha_note *mine = NULL;
    if (err == PQCHA_OK && kept.failed) err = PQCHA_ERR_NO_MEMORY;
    if (err == PQCHA_OK) err = pqcha_note_parse(&mine, kept.note, strlen(kept.note));
    int same = err == PQCHA_OK && strcmp(pqcha_note_text(mine), text) == 0;
    pqcha_note_free(mine);
    free(kept.note);
    if (err == PQCHA_ERR_NO_MEMORY) return err;
    if (err == PQCHA_ERR_NOT_FOUND || (err == PQCHA_OK && !same))
        return refuse_cosignature(l, out, 409, "LOG_FORK",
                                  "not a checkpoint this log signed (or still keeps)");
    if (err != PQCHA_OK) return unavailable(out);
    *refused = 0;
    return PQCHA_OK;
}

/* Verifies each configured witness's line; keeps those that verify. */
static pqcha_err take_cosignatures(tlog *l, const pqcha_note *n, uint64_t size,
                                   service_reply *out) {
    json_t *taken = json_array();
    if (!taken) return PQCHA_ERR_NO_MEMORY;
    for (size_t i = 0; i < l->witness_count; i++) {
        const witness *w = &l->witnesses[i];
        pqcha_err err = pqcha_note_verify_key(n, w->name, w->key);
        if (err == PQCHA_ERR_UNTRUSTED_KEY) continue; /* not this witness's note */
        if (err != PQCHA_OK) {
            json_decref(taken);
            return refuse_cosignature(l, out, 400, pqcha_error_name(err),
                                      "a configured witness's cosignature does not verify");
        }
        err = keep_cosignature(l, n, w, size);
        if (err == PQCHA_ERR_NO_MEMORY || err == PQCHA_ERR_INTERNAL) {
            json_decref(taken);
            return err;
        }
        if (err != PQCHA_OK) {
            json_decref(taken);
            return unavailable(out);
        }
        json_array_append_new(taken, json_string(w->name));
    }
    if (json_array_size(taken) == 0) {
        json_decref(taken);
        return refuse_cosignature(l, out, 400, "UNTRUSTED_KEY",
                                  "no cosignature of a witness this log accepts");
    }
    atomic_fetch_add(&l->accepted, json_array_size(taken));
    return service_reply_json(
        out, 200, json_pack("{s:I, s:o}", "size", (json_int_t)size, "witnesses", taken));
}

pqcha_err tlog_cosign(tlog *l, const char *body, size_t len, service_reply *out) {
    memset(out, 0, sizeof *out);
    pqcha_note *n = NULL;
    pqcha_err err = pqcha_note_parse(&n, body, len);
    if (err == PQCHA_ERR_NO_MEMORY) return err;
    if (err != PQCHA_OK)
        return refuse_cosignature(l, out, 400, pqcha_error_name(err), "not a signed note");
    uint64_t size = 0;
    int refused = 0;
    err = match_checkpoint(l, n, &size, out, &refused);
    if (err == PQCHA_OK && !refused) err = take_cosignatures(l, n, size, out);
    pqcha_note_free(n);
    return err;
}

void tlog_stats_get(tlog *l, tlog_stats *out) {
    out->checkpoints_signed = atomic_load(&l->signed_count);
    out->checkpoints_published = atomic_load(&l->published_count);
    out->cosignatures_accepted = atomic_load(&l->accepted);
    out->cosignatures_refused = atomic_load(&l->refused);
}
