/* tlog_tile.c — C2SP tlog-tiles: which tiles a tree has, their paths, tree
 * nodes read from stored tiles, the audit of a tree's tiles against its
 * root, and entry bundles. FORMAT.md 9.3. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "core/reader.h"
#include "core/tlog_internal.h"

#define TILE_WIDTH PQCHA_TLOG_TILE_WIDTH
#define HASH_LEN   PQCHA_TLOG_HASH_LEN
/* The largest level a tile path may name (C2SP tlog-tiles). */
#define MAX_PATH_LEVEL 63
/* Decimal groups of a uint64 index: 20 digits. */
#define MAX_INDEX_GROUPS 7

/* Complete hashes at a tile level: subtrees of 256^level leaves. */
static uint64_t entries_at(uint64_t size, unsigned tile_level) {
    unsigned shift = tile_level * PQCHA_TLOG_TILE_HEIGHT;
    return shift < 64 ? size >> shift : 0;
}

uint64_t pqcha_tlog_tile_full_count(uint64_t size, unsigned tile_level) {
    return entries_at(size, tile_level) / TILE_WIDTH;
}

unsigned pqcha_tlog_tile_partial_width(uint64_t size, unsigned tile_level) {
    return (unsigned)(entries_at(size, tile_level) % TILE_WIDTH);
}

unsigned pqcha_tlog_tile_levels(uint64_t size) {
    unsigned levels = 0;
    while (entries_at(size, levels) > 0)
        levels++;
    return levels;
}

/* The width of tile index at a tile level in a tree of size leaves (0: no such tile). */
static unsigned tile_width(uint64_t size, unsigned tile_level, uint64_t index) {
    uint64_t entries = entries_at(size, tile_level);
    if (index >= (entries + TILE_WIDTH - 1) / TILE_WIDTH) return 0;
    uint64_t left = entries - index * TILE_WIDTH;
    return left < TILE_WIDTH ? (unsigned)left : TILE_WIDTH;
}

/* ---- paths ---- */

pqcha_err pqcha_tlog_tile_path(char *out, size_t out_len, int level, uint64_t index,
                               unsigned width) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    if (out_len > 0) out[0] = '\0';
    if (out_len < PQCHA_TLOG_TILE_PATH_MAX || level < PQCHA_TLOG_ENTRIES ||
        level > MAX_PATH_LEVEL || width == 0 || width > TILE_WIDTH)
        return PQCHA_ERR_INVALID_ARGUMENT;
    unsigned groups[MAX_INDEX_GROUPS];
    size_t n = 0;
    do {
        groups[n++] = (unsigned)(index % 1000);
        index /= 1000;
    } while (index > 0);
    size_t at = 0;
    if (level == PQCHA_TLOG_ENTRIES)
        at += (size_t)snprintf(out, out_len, "tile/entries/");
    else
        at += (size_t)snprintf(out, out_len, "tile/%d/", level);
    /* Every group but the last is a directory "xNNN", so no file is ever
     * also a directory of the same name. */
    while (n-- > 1)
        at += (size_t)snprintf(out + at, out_len - at, "x%03u/", groups[n]);
    at += (size_t)snprintf(out + at, out_len - at, "%03u", groups[0]);
    if (width < TILE_WIDTH) snprintf(out + at, out_len - at, ".p/%u", width);
    return PQCHA_OK;
}

/* The next byte without consuming it; 0 at the end. */
static uint8_t peek(const pqcha__reader *r) {
    pqcha__reader ahead = *r;
    uint8_t c = 0;
    return pqcha__reader_byte(&ahead, &c) ? c : 0;
}

/* A decimal without a leading zero, at most max (below 1000). */
static int read_small_decimal(pqcha__reader *r, unsigned max, unsigned *out) {
    uint8_t c;
    unsigned value = 0, digits = 0;
    while (peek(r) >= '0' && peek(r) <= '9') {
        if (!pqcha__reader_byte(r, &c) || (digits == 1 && value == 0)) return 0;
        value = value * 10 + (unsigned)(c - '0');
        if (++digits > 3 || value > max) return 0;
    }
    *out = value;
    return digits > 0;
}

static int read_literal(pqcha__reader *r, const char *s) {
    const uint8_t *got;
    size_t n = strlen(s);
    return pqcha__reader_bytes(r, n, &got) && memcmp(got, s, n) == 0;
}

/* N as "xNNN/" groups and a last "NNN", canonical: no "x000/" lead. */
static int read_index(pqcha__reader *r, uint64_t *out) {
    uint64_t value = 0;
    for (size_t group = 0; group < MAX_INDEX_GROUPS; group++) {
        int directory = pqcha__reader_expect(r, 'x');
        uint32_t digits;
        if (!pqcha__reader_digits(r, 3, &digits)) return 0;
        if (directory && group == 0 && digits == 0) return 0;
        if (value > (UINT64_MAX - digits) / 1000) return 0;
        value = value * 1000 + digits;
        if (!directory) {
            *out = value;
            return 1;
        }
        if (!pqcha__reader_expect(r, '/')) return 0;
    }
    return 0;
}

static int parse_tile_path(pqcha__reader *r, int *level, uint64_t *index, unsigned *width) {
    unsigned value;
    if (!read_literal(r, "tile/")) return 0;
    if (peek(r) == 'e') {
        if (!read_literal(r, "entries/")) return 0;
        *level = PQCHA_TLOG_ENTRIES;
    } else {
        if (!read_small_decimal(r, MAX_PATH_LEVEL, &value) || !pqcha__reader_expect(r, '/'))
            return 0;
        *level = (int)value;
    }
    if (!read_index(r, index)) return 0;
    *width = TILE_WIDTH;
    if (pqcha__reader_at_end(r)) return 1;
    if (!read_literal(r, ".p/") || !read_small_decimal(r, TILE_WIDTH - 1, &value) || value == 0)
        return 0;
    *width = value;
    return pqcha__reader_at_end(r);
}

pqcha_err pqcha_tlog_tile_path_parse(int *level, uint64_t *index, unsigned *width, const char *path,
                                     size_t len) {
    if (level == NULL || index == NULL || width == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *level = 0;
    *index = 0;
    *width = 0;
    if (path == NULL && len > 0) return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha__reader r;
    pqcha__reader_init(&r, path, len);
    int l = 0;
    uint64_t i = 0;
    unsigned w = 0;
    if (!parse_tile_path(&r, &l, &i, &w)) return PQCHA_ERR_LOG_TILE_PATH;
    *level = l;
    *index = i;
    *width = w;
    return PQCHA_OK;
}

/* ---- nodes from tiles ---- */

/* Reads tile (level, index) of width hashes into buf, refusing another length. */
static pqcha_err read_tile(pqcha_tlog_tile_fn read, void *ctx, unsigned level, uint64_t index,
                           unsigned width, uint8_t *buf) {
    size_t len = 0;
    PQCHA_TRY(read(ctx, level, index, width, buf, &len));
    return len == (size_t)width * HASH_LEN ? PQCHA_OK : PQCHA_ERR_LOG_TILE_SIZE;
}

pqcha_err pqcha_tlog_tiles_node(void *ctx, unsigned level, uint64_t index,
                                uint8_t out[PQCHA_TLOG_HASH_LEN]) {
    const pqcha_tlog_tiles *tiles = ctx;
    if (tiles == NULL || tiles->read == NULL || out == NULL || level > PQCHA_TLOG_MAX_LEVEL)
        return PQCHA_ERR_INVALID_ARGUMENT;
    /* The node is the tree hash of 2^sub consecutive hashes of one tile. */
    unsigned tile_level = level / PQCHA_TLOG_TILE_HEIGHT, sub = level % PQCHA_TLOG_TILE_HEIGHT;
    if (index >= (entries_at(tiles->size, tile_level) >> sub)) return PQCHA_ERR_INVALID_ARGUMENT;
    uint64_t first = index << sub;
    uint64_t tile = first / TILE_WIDTH;
    unsigned width = tile_width(tiles->size, tile_level, tile);
    uint8_t *buf = malloc(PQCHA_TLOG_TILE_MAX_BYTES);
    if (buf == NULL) return PQCHA_ERR_NO_MEMORY;
    pqcha_err err = read_tile(tiles->read, tiles->ctx, tile_level, tile, width, buf);
    if (err == PQCHA_OK) {
        const uint8_t *hashes = buf + (size_t)(first % TILE_WIDTH) * HASH_LEN;
        err = pqcha_tlog_root_of_hashes(out, hashes, (uint64_t)1 << sub);
    }
    free(buf);
    return err;
}

/* ---- the audit ---- */

typedef struct tile_audit {
    pqcha_tlog_tile_fn read;
    void *ctx;
    uint64_t size;
    pqcha__sha256 h;
    uint8_t *child;       /* the full tile being checked */
    uint8_t *parent;      /* the tile above that holds its hash */
    uint64_t parent_tile; /* which one parent holds, UINT64_MAX: none */
} tile_audit;

/* Full tile k of a tile level must hash to entry k of the level above. */
static pqcha_err audit_full_tile(tile_audit *a, unsigned tile_level, uint64_t k) {
    PQCHA_TRY(read_tile(a->read, a->ctx, tile_level, k, TILE_WIDTH, a->child));
    uint8_t hash[HASH_LEN];
    PQCHA_TRY(pqcha__tlog_mth(&a->h, hash, a->child, TILE_WIDTH));
    uint64_t parent = k / TILE_WIDTH;
    if (parent != a->parent_tile) {
        unsigned width = tile_width(a->size, tile_level + 1, parent);
        PQCHA_TRY(read_tile(a->read, a->ctx, tile_level + 1, parent, width, a->parent));
        a->parent_tile = parent;
    }
    const uint8_t *want = a->parent + (size_t)(k % TILE_WIDTH) * HASH_LEN;
    return memcmp(hash, want, HASH_LEN) == 0 ? PQCHA_OK : PQCHA_ERR_LOG_TILE;
}

static pqcha_err audit_level(tile_audit *a, unsigned tile_level) {
    uint64_t full = pqcha_tlog_tile_full_count(a->size, tile_level);
    a->parent_tile = UINT64_MAX;
    for (uint64_t k = 0; k < full; k++)
        PQCHA_TRY(audit_full_tile(a, tile_level, k));
    /* A partial tile's hashes are bound by the root, below; here its length. */
    unsigned partial = pqcha_tlog_tile_partial_width(a->size, tile_level);
    if (partial == 0) return PQCHA_OK;
    return read_tile(a->read, a->ctx, tile_level, full, partial, a->child);
}

static pqcha_err audit_tiles(tile_audit *a, const uint8_t root[HASH_LEN]) {
    unsigned levels = pqcha_tlog_tile_levels(a->size);
    for (unsigned level = 0; level < levels; level++)
        PQCHA_TRY(audit_level(a, level));
    pqcha_tlog_tiles tiles = {a->read, a->ctx, a->size};
    uint8_t got[HASH_LEN];
    PQCHA_TRY(pqcha_tlog_tree_root(got, a->size, pqcha_tlog_tiles_node, &tiles));
    return memcmp(got, root, HASH_LEN) == 0 ? PQCHA_OK : PQCHA_ERR_LOG_TILE;
}

pqcha_err pqcha_tlog_tiles_verify(uint64_t size, const uint8_t root[PQCHA_TLOG_HASH_LEN],
                                  pqcha_tlog_tile_fn read, void *ctx) {
    if (root == NULL || read == NULL || size > PQCHA_TLOG_MAX_SIZE)
        return PQCHA_ERR_INVALID_ARGUMENT;
    tile_audit a = {read, ctx, size, {NULL}, NULL, NULL, UINT64_MAX};
    pqcha_err err = pqcha__sha256_init(&a.h);
    a.child = malloc(PQCHA_TLOG_TILE_MAX_BYTES);
    a.parent = malloc(PQCHA_TLOG_TILE_MAX_BYTES);
    if (err == PQCHA_OK && (a.child == NULL || a.parent == NULL)) err = PQCHA_ERR_NO_MEMORY;
    if (err == PQCHA_OK) err = audit_tiles(&a, root);
    free(a.child);
    free(a.parent);
    pqcha__sha256_free(&a.h);
    return err;
}

/* ---- entry bundles ---- */

pqcha_err pqcha_tlog_bundle_encode(uint8_t **out, size_t *out_len, const uint8_t *const *entries,
                                   const size_t *lens, size_t count) {
    if (out == NULL || out_len == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    *out_len = 0;
    if (entries == NULL || lens == NULL || count == 0) return PQCHA_ERR_INVALID_ARGUMENT;
    if (count > TILE_WIDTH) return PQCHA_ERR_TOO_LARGE;
    size_t total = 0;
    for (size_t i = 0; i < count; i++) {
        if (entries[i] == NULL && lens[i] > 0) return PQCHA_ERR_INVALID_ARGUMENT;
        if (lens[i] > PQCHA_TLOG_MAX_ENTRY_LEN) return PQCHA_ERR_TOO_LARGE;
        total += 2 + lens[i];
    }
    uint8_t *buf = malloc(total);
    if (buf == NULL) return PQCHA_ERR_NO_MEMORY;
    size_t at = 0;
    for (size_t i = 0; i < count; i++) {
        buf[at++] = (uint8_t)(lens[i] >> 8);
        buf[at++] = (uint8_t)lens[i];
        if (lens[i] > 0) memcpy(buf + at, entries[i], lens[i]);
        at += lens[i];
    }
    *out = buf;
    *out_len = total;
    return PQCHA_OK;
}

pqcha_err pqcha_tlog_bundle_entry(const uint8_t **entry, size_t *entry_len, const uint8_t *bundle,
                                  size_t bundle_len, size_t *offset) {
    if (entry == NULL || entry_len == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *entry = NULL;
    *entry_len = 0;
    if (offset == NULL || bundle == NULL || *offset >= bundle_len)
        return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha__reader r;
    pqcha__reader_init(&r, bundle + *offset, bundle_len - *offset);
    const uint8_t *prefix, *bytes;
    if (!pqcha__reader_bytes(&r, 2, &prefix)) return PQCHA_ERR_LOG_BUNDLE;
    size_t n = ((size_t)prefix[0] << 8) | prefix[1];
    if (!pqcha__reader_bytes(&r, n, &bytes)) return PQCHA_ERR_LOG_BUNDLE;
    *entry = bytes;
    *entry_len = n;
    *offset += 2 + n;
    return PQCHA_OK;
}

static pqcha_err check_bundle(pqcha__sha256 *h, const uint8_t *bundle, size_t bundle_len,
                              const uint8_t *tile, unsigned width) {
    size_t offset = 0;
    for (unsigned i = 0; i < width; i++) {
        const uint8_t *entry;
        size_t len;
        if (offset >= bundle_len) return PQCHA_ERR_LOG_BUNDLE; /* too few entries */
        PQCHA_TRY(pqcha_tlog_bundle_entry(&entry, &len, bundle, bundle_len, &offset));
        uint8_t hash[HASH_LEN];
        PQCHA_TRY(pqcha__tlog_leaf(h, hash, entry, len));
        if (memcmp(hash, tile + (size_t)i * HASH_LEN, HASH_LEN) != 0) return PQCHA_ERR_LOG_TILE;
    }
    return offset == bundle_len ? PQCHA_OK : PQCHA_ERR_LOG_BUNDLE;
}

pqcha_err pqcha_tlog_bundle_verify(const uint8_t *bundle, size_t bundle_len, const uint8_t *tile,
                                   size_t tile_len, unsigned width) {
    if ((bundle == NULL && bundle_len > 0) || tile == NULL || width == 0 || width > TILE_WIDTH)
        return PQCHA_ERR_INVALID_ARGUMENT;
    if (tile_len != (size_t)width * HASH_LEN) return PQCHA_ERR_LOG_TILE_SIZE;
    pqcha__sha256 h;
    PQCHA_TRY(pqcha__sha256_init(&h));
    pqcha_err err = check_bundle(&h, bundle, bundle_len, tile, width);
    pqcha__sha256_free(&h);
    return err;
}
