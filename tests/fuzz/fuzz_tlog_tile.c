/* fuzz_tlog_tile.c — libFuzzer target for the transparency log's binary
 * and path decoders (docs/FORMAT.md 9.3): tile paths as an HTTP server
 * receives them, and entry bundles. Invariants: a failure leaves no output;
 * a path that parses is written back to exactly its bytes; a bundle's
 * entries stay inside it, encode back to the same bytes, and the bundle
 * verifies against the level-0 tile of their leaf hashes (and not against
 * that tile with one hash changed). Violations trap. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pqcha.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_path(const uint8_t *data, size_t size) {
    int level = 0;
    uint64_t index = 0;
    unsigned width = 0;
    if (pqcha_tlog_tile_path_parse(&level, &index, &width, (const char *)data, size) != PQCHA_OK) {
        if (level != 0 || index != 0 || width != 0) __builtin_trap();
        return;
    }
    char path[PQCHA_TLOG_TILE_PATH_MAX];
    if (pqcha_tlog_tile_path(path, sizeof path, level, index, width) != PQCHA_OK ||
        strlen(path) != size || memcmp(path, data, size) != 0)
        __builtin_trap();
}

/* The bundle's entries, up to a tile's width; 0 if it is not a bundle. */
static size_t read_entries(const uint8_t *data, size_t size, const uint8_t **entries,
                           size_t *lens) {
    size_t count = 0, offset = 0;
    while (offset < size) {
        if (count == PQCHA_TLOG_TILE_WIDTH) return 0;
        if (pqcha_tlog_bundle_entry(&entries[count], &lens[count], data, size, &offset) !=
            PQCHA_OK) {
            if (entries[count] != NULL || lens[count] != 0) __builtin_trap();
            return 0;
        }
        if (entries[count] < data || entries[count] + lens[count] > data + size || offset > size)
            __builtin_trap();
        count++;
    }
    return count;
}

static void check_bundle(const uint8_t *data, size_t size) {
    const uint8_t *entries[PQCHA_TLOG_TILE_WIDTH];
    size_t lens[PQCHA_TLOG_TILE_WIDTH];
    size_t count = read_entries(data, size, entries, lens);
    if (count == 0) return;
    uint8_t *again = NULL, tile[PQCHA_TLOG_TILE_MAX_BYTES];
    size_t again_len = 0;
    if (pqcha_tlog_bundle_encode(&again, &again_len, entries, lens, count) != PQCHA_OK ||
        again_len != size || memcmp(again, data, size) != 0)
        __builtin_trap();
    pqcha_free(again);
    for (size_t i = 0; i < count; i++)
        if (pqcha_tlog_leaf_hash(tile + i * PQCHA_TLOG_HASH_LEN, entries[i], lens[i]) != PQCHA_OK)
            __builtin_trap();
    size_t tile_len = count * PQCHA_TLOG_HASH_LEN;
    if (pqcha_tlog_bundle_verify(data, size, tile, tile_len, (unsigned)count) != PQCHA_OK)
        __builtin_trap();
    tile[tile_len - 1] ^= 1;
    if (pqcha_tlog_bundle_verify(data, size, tile, tile_len, (unsigned)count) != PQCHA_ERR_LOG_TILE)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    check_path(data, size);
    check_bundle(data, size);
    return 0;
}
