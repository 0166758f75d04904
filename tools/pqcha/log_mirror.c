/* log_mirror.c — "pqcha log mirror --log URL DIR": copies what a log serves
 * into DIR, under the paths "pqcha log audit DIR" reads, and checks it on
 * the way: the checkpoint is signed by the log's key; the hash tiles lead to
 * its root; each entry bundle is the one its tile holds; each report hashes
 * to the SHA-256 its entry names; and, when DIR already holds a checkpoint,
 * the new tree extends it (the old root is recomputed from the new tiles).
 *
 * Files are written atomically and durably, the checkpoint last: a kill or
 * a failure at any moment leaves DIR a complete mirror of its checkpoint
 * (perhaps with some files of a newer tree besides). Tiles, bundles and
 * reports are immutable once complete, so a run fetches only what DIR
 * lacks; the partial tiles of the old checkpoint are removed once the new
 * one is in place. A log that rolled back, forked or whose data does not
 * lead to its checkpoint leaves DIR as it was. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "service/http_fetch.h"

#define HASH        PQCHA_TLOG_HASH_LEN
#define BUNDLE_CAP  ((size_t)PQCHA_TLOG_TILE_WIDTH * (2 + PQCHA_TLOG_MAX_ENTRY_LEN))
#define MIRROR_PATH 4096
#define REPORT_REL  (sizeof "report/" - 1 + 2 * HASH + 1)
#define DIR_MODE    0755 /* a mirror is public */
#define FILE_MODE   0644

struct mirror {
    const struct log_ctx *c;
    const char *dir;
    http_fetch *http;
    uint64_t old_size;                /* DIR's checkpoint's tree size; 0 without one */
    uint64_t tiles, bundles, reports; /* fetched */
    char why[1024];                   /* why the last step failed */
};

/* ---- DIR ---- */

static int dir_path(const struct mirror *m, const char *rel, char path[MIRROR_PATH]) {
    int n = snprintf(path, MIRROR_PATH, "%s/%s", m->dir, rel);
    return n > 0 && (size_t)n < MIRROR_PATH;
}

static int dir_has(const struct mirror *m, const char *rel) {
    char path[MIRROR_PATH];
    struct stat st;
    return dir_path(m, rel, path) && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* mkdir of DIR (not of its parents: a mistyped path is an error) and of
 * rel's directories below it; made when the first file is written, so that
 * a run that fetches nothing leaves nothing behind. */
static pqcha_err make_parents(const struct mirror *m, const char *rel) {
    char path[MIRROR_PATH];
    if (!dir_path(m, rel, path)) return PQCHA_ERR_INVALID_ARGUMENT;
    for (char *slash = path + strlen(m->dir); (slash = strchr(slash, '/')) != NULL; slash++) {
        *slash = '\0';
        int made = mkdir(path, DIR_MODE) == 0 || errno == EEXIST;
        *slash = '/';
        if (!made) return cli_error_from_errno(errno);
    }
    return PQCHA_OK;
}

static pqcha_err dir_write(struct mirror *m, const char *rel, const void *data, size_t len) {
    char path[MIRROR_PATH];
    pqcha_err err = make_parents(m, rel);
    if (err == PQCHA_OK)
        err = dir_path(m, rel, path) ? pqcha_file_write_atomic(path, data, len, FILE_MODE, 1)
                                     : PQCHA_ERR_INVALID_ARGUMENT;
    if (err != PQCHA_OK)
        snprintf(m->why, sizeof m->why, "%s/%s: %s", cli_escaped(m->dir), rel, pqcha_strerror(err));
    return err;
}

static pqcha_err dir_read(const struct mirror *m, const char *rel, size_t cap, char **out,
                          size_t *len) {
    char path[MIRROR_PATH];
    if (!dir_path(m, rel, path)) return PQCHA_ERR_INVALID_ARGUMENT;
    return cli_read_file(path, cap, out, len);
}

/* ---- the log ---- */

/* GET path (below the log's URL): a 200 answer of at most cap bytes. */
static pqcha_err fetch(struct mirror *m, const char *path, size_t cap, client_answer *a) {
    pqcha_err err = http_fetch_get(m->http, path, cap, a);
    if (err != PQCHA_OK) {
        snprintf(m->why, sizeof m->why, "GET %s%s: %s", cli_escaped(http_fetch_base(m->http)), path,
                 cli_escaped(a->why));
    } else if (a->status != 200) {
        snprintf(m->why, sizeof m->why, "GET %s%s: HTTP %ld", cli_escaped(http_fetch_base(m->http)),
                 path, a->status);
        err = PQCHA_ERR_IO;
    } else if (a->truncated) {
        snprintf(m->why, sizeof m->why, "GET %s%s: longer than the %zu bytes it may have",
                 cli_escaped(http_fetch_base(m->http)), path, cap);
        err = PQCHA_ERR_TOO_LARGE;
    }
    if (err != PQCHA_OK) client_answer_clear(a);
    return err;
}

/* Fetches the file at rel into DIR unless DIR has it (immutable files). */
static pqcha_err fetch_file(struct mirror *m, const char *rel, size_t cap, uint64_t *counter) {
    if (dir_has(m, rel)) return PQCHA_OK;
    char path[REPORT_REL + PQCHA_TLOG_TILE_PATH_MAX] = "/";
    client_answer a;
    snprintf(path + 1, sizeof path - 1, "%s", rel);
    pqcha_err err = fetch(m, path, cap, &a);
    if (err != PQCHA_OK) return err;
    err = dir_write(m, rel, a.body, a.body_len);
    client_answer_clear(&a);
    if (err == PQCHA_OK) (*counter)++;
    return err;
}

/* ---- tiles ---- */

/* A pqcha_tlog_tile_fn over DIR: the tiles just fetched. */
static pqcha_err read_dir_tile(void *ctx, unsigned level, uint64_t index, unsigned width,
                               uint8_t *out, size_t *out_len) {
    struct mirror *m = ctx;
    char rel[PQCHA_TLOG_TILE_PATH_MAX], *data = NULL;
    size_t len = 0;
    pqcha_err err = pqcha_tlog_tile_path(rel, sizeof rel, (int)level, index, width);
    if (err == PQCHA_OK) err = dir_read(m, rel, PQCHA_TLOG_TILE_MAX_BYTES, &data, &len);
    if (err == PQCHA_ERR_TOO_LARGE) err = PQCHA_ERR_LOG_TILE_SIZE;
    if (err != PQCHA_OK) {
        snprintf(m->why, sizeof m->why, "%s: %s", rel, pqcha_strerror(err));
        return err;
    }
    memcpy(out, data, len);
    *out_len = len;
    free(data);
    return PQCHA_OK;
}

/* Every tile of the tree of size leaves at one level (PQCHA_TLOG_ENTRIES:
 * the bundles), as fn says. */
static pqcha_err each_tile(struct mirror *m, uint64_t size, int level,
                           pqcha_err (*fn)(struct mirror *, int, uint64_t, unsigned)) {
    unsigned tile_level = level == PQCHA_TLOG_ENTRIES ? 0 : (unsigned)level;
    uint64_t full = pqcha_tlog_tile_full_count(size, tile_level);
    unsigned partial = pqcha_tlog_tile_partial_width(size, tile_level);
    pqcha_err err = PQCHA_OK;
    for (uint64_t i = 0; i < full && err == PQCHA_OK; i++)
        err = fn(m, level, i, PQCHA_TLOG_TILE_WIDTH);
    if (err == PQCHA_OK && partial > 0) err = fn(m, level, full, partial);
    return err;
}

static pqcha_err fetch_tile(struct mirror *m, int level, uint64_t index, unsigned width) {
    char rel[PQCHA_TLOG_TILE_PATH_MAX];
    pqcha_err err = pqcha_tlog_tile_path(rel, sizeof rel, level, index, width);
    if (err != PQCHA_OK) return err;
    return fetch_file(m, rel, level == PQCHA_TLOG_ENTRIES ? BUNDLE_CAP : PQCHA_TLOG_TILE_MAX_BYTES,
                      level == PQCHA_TLOG_ENTRIES ? &m->bundles : &m->tiles);
}

/* The hash tiles: fetched, then checked against the checkpoint's root. */
static pqcha_err mirror_tiles(struct mirror *m, const pqcha_checkpoint *cp) {
    uint64_t size = pqcha_checkpoint_size(cp);
    pqcha_err err = PQCHA_OK;
    for (unsigned level = 0; level < pqcha_tlog_tile_levels(size) && err == PQCHA_OK; level++)
        err = each_tile(m, size, (int)level, fetch_tile);
    if (err != PQCHA_OK) return err;
    err = pqcha_tlog_tiles_verify(size, pqcha_checkpoint_root(cp), read_dir_tile, m);
    if (err == PQCHA_ERR_LOG_TILE)
        snprintf(m->why, sizeof m->why,
                 "the log's tiles do not hash to each other and its checkpoint's root");
    return err;
}

/* ---- bundles and reports ---- */

static pqcha_err fetch_report(struct mirror *m, uint64_t index, const uint8_t sha256[HASH]) {
    char rel[REPORT_REL] = "report/";
    pqcha_hex_encode(rel + 7, sha256, HASH);
    pqcha_err err = fetch_file(m, rel, PQCHA_MAX_ENVELOPE_LEN, &m->reports);
    if (err != PQCHA_OK) return err;
    char *body = NULL;
    size_t len = 0;
    uint8_t sum[HASH];
    err = dir_read(m, rel, PQCHA_MAX_ENVELOPE_LEN, &body, &len);
    if (err == PQCHA_OK) err = pqcha_sha256(sum, body, len);
    free(body);
    if (err == PQCHA_OK && memcmp(sum, sha256, HASH) != 0) {
        /* Not kept: a later run fetches it again. */
        char path[MIRROR_PATH];
        if (dir_path(m, rel, path)) unlink(path);
        snprintf(m->why, sizeof m->why, "entry %llu: the log's %s is not the report it names",
                 (unsigned long long)index, rel);
        return PQCHA_ERR_LOG_TILE;
    }
    return err;
}

/* Entry i of a bundle: its report, unless an older run fetched it. */
static pqcha_err mirror_entry(struct mirror *m, uint64_t index, const uint8_t *entry, size_t len) {
    pqcha_tlog_entry *e = NULL;
    pqcha_err err = pqcha_tlog_entry_parse(&e, (const char *)entry, len);
    if (err != PQCHA_OK) {
        snprintf(m->why, sizeof m->why, "entry %llu: %s", (unsigned long long)index,
                 pqcha_strerror(err));
        return err;
    }
    err = fetch_report(m, index, pqcha_tlog_entry_get(e)->envelope_sha256);
    pqcha_tlog_entry_free(e);
    return err;
}

static pqcha_err check_bundle(struct mirror *m, const char *rel, const char *bundle, size_t len,
                              uint64_t index, unsigned width) {
    char *tile = NULL;
    size_t tile_len = 0;
    char tile_rel[PQCHA_TLOG_TILE_PATH_MAX];
    pqcha_err err = pqcha_tlog_tile_path(tile_rel, sizeof tile_rel, 0, index, width);
    if (err == PQCHA_OK) err = dir_read(m, tile_rel, PQCHA_TLOG_TILE_MAX_BYTES, &tile, &tile_len);
    if (err == PQCHA_OK)
        err = pqcha_tlog_bundle_verify((const uint8_t *)bundle, len, (const uint8_t *)tile,
                                       tile_len, width);
    free(tile);
    if (err != PQCHA_OK)
        snprintf(m->why, sizeof m->why, "%s: not the entries its tile holds: %s", rel,
                 pqcha_strerror(err));
    return err;
}

/* A bundle: fetched, checked against its (checked) tile, then the reports
 * of its entries that are newer than DIR's checkpoint. A bundle that does
 * not check is removed, so that a later run fetches it again. */
static pqcha_err mirror_bundle(struct mirror *m, int level, uint64_t index, unsigned width) {
    char rel[PQCHA_TLOG_TILE_PATH_MAX], *bundle = NULL;
    size_t len = 0;
    pqcha_err err = pqcha_tlog_tile_path(rel, sizeof rel, level, index, width);
    /* Wholly in DIR's tree: checked, with its reports, by an earlier run. */
    if (err == PQCHA_OK && (index + 1) * PQCHA_TLOG_TILE_WIDTH <= m->old_size && dir_has(m, rel))
        return PQCHA_OK;
    if (err == PQCHA_OK) err = fetch_tile(m, level, index, width);
    if (err == PQCHA_OK) err = dir_read(m, rel, BUNDLE_CAP, &bundle, &len);
    if (err == PQCHA_OK) err = check_bundle(m, rel, bundle, len, index, width);
    if (err != PQCHA_OK) {
        char path[MIRROR_PATH];
        if (err != PQCHA_ERR_IO && dir_path(m, rel, path)) unlink(path);
        free(bundle);
        return err;
    }
    size_t offset = 0;
    for (uint64_t i = index * PQCHA_TLOG_TILE_WIDTH; offset < len && err == PQCHA_OK; i++) {
        const uint8_t *entry = NULL;
        size_t entry_len = 0;
        err = pqcha_tlog_bundle_entry(&entry, &entry_len, (const uint8_t *)bundle, len, &offset);
        if (err == PQCHA_OK && i >= m->old_size) err = mirror_entry(m, i, entry, entry_len);
    }
    free(bundle);
    return err;
}

/* ---- checkpoints ---- */

/* DIR's checkpoint, when it has one: the tree the mirror holds now. */
static int open_old_checkpoint(struct mirror *m, pqcha_checkpoint **old) {
    char *note = NULL;
    size_t len = 0;
    pqcha_err err = dir_read(m, "checkpoint", PQCHA_NOTE_MAX_LEN, &note, &len);
    if (err == PQCHA_ERR_NOT_FOUND) return 0;
    if (err == PQCHA_OK)
        err = pqcha_checkpoint_open(old, note, len, m->c->o->origin, m->c->log_key);
    free(note);
    if (err == PQCHA_OK) {
        m->old_size = pqcha_checkpoint_size(*old);
        return 0;
    }
    cli_error("checkpoint", err,
              "DIR/checkpoint is not a checkpoint of this log (its key and origin): mirror "
              "another log into another directory");
    return CLI_EXIT_USAGE;
}

/* The old tree's root, recomputed from the new tree's checked tiles, must
 * be the old checkpoint's: the log kept what it showed before. */
static pqcha_err check_extends(struct mirror *m, const pqcha_checkpoint *old,
                               const pqcha_checkpoint *cp) {
    uint64_t old_size = pqcha_checkpoint_size(old), size = pqcha_checkpoint_size(cp);
    if (old_size > size) return PQCHA_ERR_LOG_ROLLBACK;
    if (old_size == size)
        return memcmp(pqcha_checkpoint_root(old), pqcha_checkpoint_root(cp), HASH) == 0
                   ? PQCHA_OK
                   : PQCHA_ERR_LOG_FORK;
    if (old_size == 0) return PQCHA_OK;
    uint8_t root[HASH];
    pqcha_tlog_tiles tiles = {read_dir_tile, m, size};
    pqcha_err err = pqcha_tlog_tree_root(root, old_size, pqcha_tlog_tiles_node, &tiles);
    if (err == PQCHA_OK && memcmp(root, pqcha_checkpoint_root(old), HASH) != 0)
        err = PQCHA_ERR_LOG_FORK;
    return err;
}

/* The partial tiles of the old tree that the new one replaced. */
static void remove_old_partials(struct mirror *m, uint64_t new_size) {
    for (int level = PQCHA_TLOG_ENTRIES; level < (int)pqcha_tlog_tile_levels(m->old_size);
         level++) {
        unsigned tile_level = level == PQCHA_TLOG_ENTRIES ? 0 : (unsigned)level;
        unsigned width = pqcha_tlog_tile_partial_width(m->old_size, tile_level);
        uint64_t index = pqcha_tlog_tile_full_count(m->old_size, tile_level);
        if (width == 0 || (index == pqcha_tlog_tile_full_count(new_size, tile_level) &&
                           width == pqcha_tlog_tile_partial_width(new_size, tile_level)))
            continue;
        char rel[PQCHA_TLOG_TILE_PATH_MAX], path[MIRROR_PATH];
        if (pqcha_tlog_tile_path(rel, sizeof rel, level, index, width) == PQCHA_OK &&
            dir_path(m, rel, path))
            unlink(path);
    }
}

/* ---- the command ---- */

static int refuse(const struct mirror *m, pqcha_err err, const char *check) {
    log_line(m->c, err, check, "%s", m->why);
    switch (err) {
    case PQCHA_ERR_LOG_ROLLBACK:
    case PQCHA_ERR_LOG_FORK:
        printf("%s: %s kept as it was\n",
               err == PQCHA_ERR_LOG_FORK ? "FORKED: the log no longer holds the tree DIR's "
                                           "checkpoint commits to"
                                         : "ROLLED BACK: the log serves fewer entries than "
                                           "DIR's checkpoint",
               cli_escaped(m->dir));
        break;
    default: printf("MIRROR FAILED: %s kept as it was\n", cli_escaped(m->dir));
    }
    return log_exit_for(err);
}

static int mirror_tree(struct mirror *m, const char *note, size_t note_len,
                       const pqcha_checkpoint *cp, const pqcha_checkpoint *old) {
    uint64_t size = pqcha_checkpoint_size(cp);
    pqcha_err err = mirror_tiles(m, cp);
    if (err != PQCHA_OK) return refuse(m, err, "tiles");
    unsigned levels = pqcha_tlog_tile_levels(size);
    log_line(m->c, err, "tiles",
             "the tiles of %u level%s lead to the checkpoint's root (%llu fetched)", levels,
             levels == 1 ? "" : "s", (unsigned long long)m->tiles);
    if (old != NULL && (err = check_extends(m, old, cp)) != PQCHA_OK) {
        snprintf(m->why, sizeof m->why, "from DIR's %llu entries to the log's %llu: %s",
                 (unsigned long long)m->old_size, (unsigned long long)size, pqcha_strerror(err));
        return refuse(m, err, "consistency");
    }
    if (old != NULL)
        log_line(m->c, err, "consistency", "the log's %llu entries extend DIR's %llu",
                 (unsigned long long)size, (unsigned long long)m->old_size);
    err = each_tile(m, size, PQCHA_TLOG_ENTRIES, mirror_bundle);
    if (err != PQCHA_OK) return refuse(m, err, "entries");
    log_line(m->c, err, "entries", "%llu bundles and %llu reports fetched, each as its entry names",
             (unsigned long long)m->bundles, (unsigned long long)m->reports);
    if ((err = dir_write(m, "checkpoint", note, note_len)) != PQCHA_OK)
        return refuse(m, err, "checkpoint");
    if (old != NULL) remove_old_partials(m, size);
    printf("MIRRORED: %s holds the log of %llu entries (%llu new)\n", cli_escaped(m->dir),
           (unsigned long long)size,
           (unsigned long long)(size > m->old_size ? size - m->old_size : 0));
    return CLI_EXIT_OK;
}

static int mirror_from(struct mirror *m) {
    client_answer a;
    pqcha_err err = fetch(m, "/checkpoint", PQCHA_NOTE_MAX_LEN, &a);
    if (err != PQCHA_OK) return refuse(m, err, "checkpoint");
    pqcha_checkpoint *cp = NULL, *old = NULL;
    int status = log_open_checkpoint(m->c, "checkpoint", a.body, a.body_len, &cp);
    if (status == 0) status = open_old_checkpoint(m, &old);
    if (status == 0) status = mirror_tree(m, a.body, a.body_len, cp, old);
    pqcha_checkpoint_free(cp);
    pqcha_checkpoint_free(old);
    client_answer_clear(&a);
    return status;
}

int log_mirror(const struct log_ctx *c) {
    struct mirror m = {.c = c, .dir = c->o->args[0]};
    char *prefix = log_url_prefix(c->o->url);
    http_fetch_options options = {prefix, c->o->ca_file, NULL, 0, 0};
    pqcha_err err = prefix ? client_global_init() : PQCHA_ERR_NO_MEMORY;
    if (err == PQCHA_OK) {
        err = http_fetch_create(&m.http, &options);
        if (err == PQCHA_ERR_INVALID_ARGUMENT) {
            free(prefix);
            client_global_cleanup();
            return cli_usage_error(c->o->cmd,
                                   "--log '%s': expected http:// or https:// and a host, no "
                                   "query or fragment",
                                   cli_escaped(c->o->url));
        }
    }
    int status = CLI_EXIT_USAGE;
    if (err == PQCHA_OK)
        status = mirror_from(&m);
    else
        cli_error("log mirror", err, NULL);
    http_fetch_free(m.http);
    if (prefix) client_global_cleanup();
    free(prefix);
    return status;
}
