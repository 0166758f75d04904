/* log_audit.c — "pqcha log audit DIR": a mirror of a log checked against
 * its signed checkpoint, tile by tile, entry by entry, report by report;
 * the verdicts recomputed under the policies given. Every discrepancy is
 * listed; any makes the exit code 1. */
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define HASH            PQCHA_TLOG_HASH_LEN
#define MAX_LISTED      10000 /* discrepancies shown; all are counted */
#define BUNDLE_CAP      ((size_t)PQCHA_TLOG_TILE_WIDTH * (2 + PQCHA_TLOG_MAX_ENTRY_LEN))
#define MIRROR_PATH_MAX 4096

enum kind { K_TILE, K_BUNDLE, K_ENTRY, K_REPORT, K_SIGNATURE, K_VERDICT, K_COUNT };
static const char *const kind_names[K_COUNT] = {"tile",   "bundle",    "entry",
                                                "report", "signature", "verdict"};

struct audit_policy {
    const char *path;
    uint8_t sha256[HASH];
    pqcha_policy *policy;
    pqcha_verifier *v; /* the policy and the --trust keys */
};

struct audit {
    const struct log_ctx *c;
    const char *dir;
    const pqcha_checkpoint *cp;
    char recent[2][PQCHA_TLOG_TILE_PATH_MAX]; /* the tiles read last, newest first */
    pqcha_verifier *auth;                     /* every trusted key, no policy: signatures */
    size_t key_count;
    struct audit_policy policies[LOG_MAX_LIST];
    size_t policy_count;
    uint64_t tiles, bundles, entries, reports, signatures, bad_as_logged, untrusted, recomputed,
        other_policy, challenged;
    uint64_t bad[K_COUNT], discrepancies;
    json_t *list; /* --json: the discrepancies */
};

/* ---- discrepancies ---- */

/* One discrepancy: where (a file, or NULL for entry index), what, and the
 * error that says it (OK: none). */
static void discrepancy(struct audit *a, enum kind kind, const char *file, int64_t entry,
                        pqcha_err err, const char *fmt, ...) CLI_PRINTF(6, 7);

static void discrepancy(struct audit *a, enum kind kind, const char *file, int64_t entry,
                        pqcha_err err, const char *fmt, ...) {
    a->bad[kind]++;
    if (++a->discrepancies > MAX_LISTED) return;
    char message[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    if (a->list != NULL) {
        json_t *item =
            json_pack("{s:s, s:o, s:o, s:o, s:s}", "kind", kind_names[kind], "entry",
                      entry >= 0 ? json_integer(entry) : json_null(), "file",
                      file ? json_string(file) : json_null(), "error",
                      err ? json_string(pqcha_error_name(err)) : json_null(), "message", message);
        json_array_append_new(a->list, item);
        return;
    }
    if (entry >= 0)
        printf("  FAIL  entry %lld: %s", (long long)entry, message);
    else
        printf("  FAIL  %s: %s", cli_escaped(file), message);
    if (err != PQCHA_OK) printf(" (%s)", pqcha_error_name(err));
    fputc('\n', stdout);
}

/* ---- the mirror's files ---- */

static pqcha_err mirror_file(const struct audit *a, const char *rel, size_t cap, char **out,
                             size_t *len) {
    char path[MIRROR_PATH_MAX];
    int n = snprintf(path, sizeof path, "%s/%s", a->dir, rel);
    if (n < 0 || (size_t)n >= sizeof path) return PQCHA_ERR_INVALID_ARGUMENT;
    return cli_read_file(path, cap, out, len);
}

/* A tile or bundle file of the width the tree needs (its path in rel), or,
 * when the mirror holds no such partial file any more, the full one that
 * replaced it: a partial tile is a prefix of the full tile, the tree only
 * grows. *full says which was read. */
static pqcha_err mirror_tile(const struct audit *a, int level, uint64_t index, unsigned width,
                             size_t cap, char rel[PQCHA_TLOG_TILE_PATH_MAX], char **data,
                             size_t *len, int *full) {
    *full = 0;
    pqcha_err err = pqcha_tlog_tile_path(rel, PQCHA_TLOG_TILE_PATH_MAX, level, index, width);
    if (err == PQCHA_OK) err = mirror_file(a, rel, cap, data, len);
    if (err != PQCHA_ERR_NOT_FOUND || width == PQCHA_TLOG_TILE_WIDTH) return err;
    char full_rel[PQCHA_TLOG_TILE_PATH_MAX];
    if (pqcha_tlog_tile_path(full_rel, sizeof full_rel, level, index, PQCHA_TLOG_TILE_WIDTH) !=
            PQCHA_OK ||
        mirror_file(a, full_rel, cap, data, len) != PQCHA_OK)
        return err;
    *full = 1;
    return PQCHA_OK;
}

/* A pqcha_tlog_tile_fn over DIR/tile/...; remembers what it read last, to
 * name the tile a failure is about. */
static pqcha_err read_tile(void *ctx, unsigned level, uint64_t index, unsigned width, uint8_t *out,
                           size_t *out_len) {
    struct audit *a = ctx;
    char rel[PQCHA_TLOG_TILE_PATH_MAX] = "";
    char *data = NULL;
    size_t len = 0;
    int full = 0;
    pqcha_err err = mirror_tile(a, (int)level, index, width, PQCHA_TLOG_TILE_MAX_BYTES, rel, &data,
                                &len, &full);
    if (strcmp(rel, a->recent[0]) != 0) {
        memcpy(a->recent[1], a->recent[0], sizeof a->recent[1]);
        memcpy(a->recent[0], rel, sizeof a->recent[0]);
    }
    if (err == PQCHA_ERR_TOO_LARGE) return PQCHA_ERR_LOG_TILE_SIZE;
    if (err != PQCHA_OK) return err;
    if (full && len > (size_t)width * HASH) len = (size_t)width * HASH;
    if (len > 0) memcpy(out, data, len);
    *out_len = len;
    free(data);
    return PQCHA_OK;
}

/* ---- tiles ---- */

static uint64_t tile_count(uint64_t size) {
    uint64_t n = 0;
    for (unsigned level = 0; level < pqcha_tlog_tile_levels(size); level++)
        n += pqcha_tlog_tile_full_count(size, level) +
             (pqcha_tlog_tile_partial_width(size, level) ? 1 : 0);
    return n;
}

static void audit_tiles(struct audit *a) {
    uint64_t size = pqcha_checkpoint_size(a->cp);
    pqcha_err err = pqcha_tlog_tiles_verify(size, pqcha_checkpoint_root(a->cp), read_tile, a);
    a->tiles = tile_count(size);
    switch (err) {
    case PQCHA_OK:
        log_line(a->c, err, "tiles", "%llu tile%s of %u level%s lead%s to the checkpoint's root",
                 (unsigned long long)a->tiles, a->tiles == 1 ? "" : "s",
                 pqcha_tlog_tile_levels(size), pqcha_tlog_tile_levels(size) == 1 ? "" : "s",
                 a->tiles == 1 ? "s" : "");
        return;
    case PQCHA_ERR_LOG_TILE_SIZE:
        discrepancy(a, K_TILE, a->recent[0], -1, err,
                    "not 32 bytes per hash of its width: truncated or overlong");
        return;
    case PQCHA_ERR_LOG_TILE:
        discrepancy(a, K_TILE, "tiles", -1, err,
                    "the tiles do not hash to each other and the checkpoint's root: a "
                    "tampered tile (read last: %s%s%s)",
                    a->recent[0], *a->recent[1] ? ", " : "", a->recent[1]);
        return;
    case PQCHA_ERR_NOT_FOUND:
        discrepancy(a, K_TILE, a->recent[0], -1, err, "missing from the mirror");
        return;
    default: discrepancy(a, K_TILE, a->recent[0], -1, err, "%s", pqcha_strerror(err)); return;
    }
}

/* ---- reports ---- */

/* The report as the entry describes it: workload, id, signer. */
static void compare_claims(struct audit *a, uint64_t index, const pqcha_tlog_entry_fields *f,
                           const pqcha_report *rep) {
    const char *id = pqcha_report_id(rep) ? pqcha_report_id(rep) : "";
    const char *signer = pqcha_report_signer_key_id(rep) ? pqcha_report_signer_key_id(rep) : "";
    if (strcmp(pqcha_report_workload_id(rep), f->workload) != 0)
        discrepancy(a, K_REPORT, NULL, (int64_t)index, PQCHA_OK,
                    "the report's workload is '%s', the entry's '%s'",
                    cli_escaped(pqcha_report_workload_id(rep)), cli_escaped(f->workload));
    if (strcmp(id, f->report_id) != 0)
        discrepancy(a, K_REPORT, NULL, (int64_t)index, PQCHA_OK,
                    "the report's id is '%s', the entry's '%s'", cli_escaped(id),
                    cli_escaped(f->report_id));
    if (*f->signer != '\0' && strcmp(signer, f->signer) != 0)
        discrepancy(a, K_REPORT, NULL, (int64_t)index, PQCHA_OK,
                    "the report's signer is %s, the entry's %s", cli_escaped(signer), f->signer);
}

/* The status and error of a check of a result, by name. */
static pqcha_check_status check_of(const pqcha_result *r, const char *name, pqcha_err *err) {
    for (size_t i = 0; i < pqcha_result_check_count(r); i++)
        if (strcmp(pqcha_result_check_name(r, i), name) == 0) {
            *err = pqcha_result_check_error(r, i);
            return pqcha_result_check_status(r, i);
        }
    *err = PQCHA_OK;
    return PQCHA_CHECK_SKIPPED;
}

static int logged_authentic(const pqcha_tlog_entry_fields *f) {
    return f->verdict == PQCHA_VERDICT_VALID || f->verdict == PQCHA_VERDICT_DRIFT;
}

static void check_signature(struct audit *a, uint64_t index, const pqcha_tlog_entry_fields *f,
                            const char *envelope, size_t len) {
    if (a->key_count == 0) return;
    pqcha_result *r = NULL;
    pqcha_err err = pqcha_verify(&r, a->auth, envelope, len);
    if (r == NULL) {
        discrepancy(a, K_SIGNATURE, NULL, (int64_t)index, err, "cannot verify");
        return;
    }
    pqcha_check_status status = check_of(r, "signature", &err);
    if (status == PQCHA_CHECK_PASS) {
        a->signatures++;
    } else if (status == PQCHA_CHECK_FAIL && logged_authentic(f)) {
        discrepancy(a, K_SIGNATURE, NULL, (int64_t)index, err,
                    "logged %s, but the report's signature does not verify",
                    pqcha_verdict_name(f->verdict));
    } else if (status == PQCHA_CHECK_FAIL) {
        a->bad_as_logged++; /* rejected, as logged */
    } else {
        a->untrusted++; /* signed by a key not given: not checked */
    }
    pqcha_result_free(r);
}

static struct audit_policy *policy_of(struct audit *a, const uint8_t sha256[HASH]) {
    for (size_t i = 0; i < a->policy_count; i++)
        if (memcmp(a->policies[i].sha256, sha256, HASH) == 0) return &a->policies[i];
    return NULL;
}

/* Errors that depend on the service's challenge store, not on the report. */
static int challenge_error(pqcha_err err) {
    return err == PQCHA_ERR_NONCE_UNKNOWN || err == PQCHA_ERR_NONCE_USED ||
           err == PQCHA_ERR_NONCE_EXPIRED;
}

static void recompute_verdict(struct audit *a, uint64_t index, const pqcha_tlog_entry_fields *f,
                              const char *envelope, size_t len, const pqcha_report *rep) {
    struct audit_policy *p = policy_of(a, f->policy_sha256);
    if (p == NULL) {
        a->other_policy++;
        return;
    }
    if (challenge_error(f->error)) {
        a->challenged++;
        return;
    }
    /* As the service decided: at the time it received the report, the
     * challenge answered being the report's own (a malformed report stops
     * before the nonce). */
    pqcha_err err = pqcha_verifier_set_time(p->v, f->received_at);
    if (err == PQCHA_OK && rep != NULL)
        err = pqcha_verifier_expect_nonce(p->v, pqcha_report_nonce(rep));
    pqcha_result *r = NULL;
    if (err == PQCHA_OK) err = pqcha_verify(&r, p->v, envelope, len);
    if (r == NULL) {
        discrepancy(a, K_VERDICT, NULL, (int64_t)index, err, "cannot recompute the verdict");
        return;
    }
    pqcha_verdict verdict = pqcha_result_verdict(r);
    err = pqcha_result_error(r);
    if (verdict == f->verdict && err == f->error)
        a->recomputed++;
    else
        discrepancy(a, K_VERDICT, NULL, (int64_t)index, PQCHA_OK,
                    "logged %s (%s), recomputed %s (%s) under %s", pqcha_verdict_name(f->verdict),
                    pqcha_error_name(f->error), pqcha_verdict_name(verdict), pqcha_error_name(err),
                    cli_escaped(p->path));
    pqcha_result_free(r);
}

static void audit_report(struct audit *a, uint64_t index, const pqcha_tlog_entry_fields *f) {
    char rel[80];
    snprintf(rel, sizeof rel, "report/");
    pqcha_hex_encode(rel + 7, f->envelope_sha256, HASH);
    char *envelope = NULL;
    size_t len = 0;
    pqcha_err err = mirror_file(a, rel, PQCHA_MAX_ENVELOPE_LEN, &envelope, &len);
    if (err != PQCHA_OK) {
        discrepancy(a, K_REPORT, rel, (int64_t)index, err, "%s: %s", rel,
                    err == PQCHA_ERR_NOT_FOUND ? "missing from the mirror" : pqcha_strerror(err));
        return;
    }
    uint8_t sum[HASH];
    err = pqcha_sha256(sum, envelope, len);
    if (err != PQCHA_OK || memcmp(sum, f->envelope_sha256, HASH) != 0) {
        discrepancy(a, K_REPORT, rel, (int64_t)index, err,
                    "%s does not hash to the SHA-256 the entry names: a tampered report", rel);
        free(envelope);
        return;
    }
    a->reports++;
    pqcha_report *rep = NULL;
    err = pqcha_report_decode_unverified(&rep, envelope, len);
    if (err == PQCHA_OK)
        compare_claims(a, index, f, rep);
    else if (f->verdict != PQCHA_VERDICT_MALFORMED)
        discrepancy(a, K_REPORT, rel, (int64_t)index, err, "logged %s, but the report is malformed",
                    pqcha_verdict_name(f->verdict));
    check_signature(a, index, f, envelope, len);
    recompute_verdict(a, index, f, envelope, len, rep);
    pqcha_report_free(rep);
    free(envelope);
}

/* ---- entries ---- */

static void audit_entry(struct audit *a, uint64_t index, const uint8_t *bytes, size_t len,
                        const uint8_t *want_leaf) {
    a->entries++;
    uint8_t leaf[HASH];
    if (want_leaf != NULL &&
        (pqcha_tlog_leaf_hash(leaf, bytes, len) != PQCHA_OK || memcmp(leaf, want_leaf, HASH) != 0))
        discrepancy(a, K_ENTRY, NULL, (int64_t)index, PQCHA_ERR_LOG_TILE,
                    "not the entry its tile holds: a tampered entry (or tile)");
    pqcha_tlog_entry *e = NULL;
    pqcha_err err = pqcha_tlog_entry_parse(&e, (const char *)bytes, len);
    if (err != PQCHA_OK) {
        discrepancy(a, K_ENTRY, NULL, (int64_t)index, err, "not a well-formed log entry: %s",
                    pqcha_strerror(err));
        return;
    }
    audit_report(a, index, pqcha_tlog_entry_get(e));
    pqcha_tlog_entry_free(e);
}

/* The length of a full bundle's first width entries (all of it if it
 * holds fewer: the bundle check says so). */
static size_t bundle_prefix(const uint8_t *bundle, size_t len, unsigned width) {
    size_t offset = 0;
    const uint8_t *entry;
    size_t entry_len;
    for (unsigned i = 0; i < width && offset < len; i++)
        if (pqcha_tlog_bundle_entry(&entry, &entry_len, bundle, len, &offset) != PQCHA_OK)
            return len;
    return offset;
}

/* Bundle k against its level-0 tile (if the mirror's is usable), then each
 * of its entries. */
static void audit_bundle(struct audit *a, uint64_t k, unsigned width, uint8_t *tile) {
    size_t tile_len = 0;
    if (read_tile(a, 0, k, width, tile, &tile_len) != PQCHA_OK || tile_len != (size_t)width * HASH)
        tile_len = 0; /* the tile audit named it */
    char rel[PQCHA_TLOG_TILE_PATH_MAX] = "";
    char *bundle = NULL;
    size_t len = 0;
    int full = 0;
    pqcha_err err =
        mirror_tile(a, PQCHA_TLOG_ENTRIES, k, width, BUNDLE_CAP, rel, &bundle, &len, &full);
    if (err == PQCHA_OK && full) len = bundle_prefix((const uint8_t *)bundle, len, width);
    if (err != PQCHA_OK) {
        discrepancy(a, K_BUNDLE, rel, -1, err, "%s",
                    err == PQCHA_ERR_NOT_FOUND ? "missing from the mirror" : pqcha_strerror(err));
        return;
    }
    a->bundles++;
    err = tile_len ? pqcha_tlog_bundle_verify((const uint8_t *)bundle, len, tile, tile_len, width)
                   : PQCHA_OK;
    if (err != PQCHA_OK && err != PQCHA_ERR_LOG_TILE) /* LOG_TILE: the entry is named below */
        discrepancy(a, K_BUNDLE, rel, -1, err, "not %u entries, each with its length", width);
    size_t offset = 0;
    for (unsigned i = 0; i < width && offset < len; i++) {
        const uint8_t *entry = NULL;
        size_t entry_len = 0;
        if (pqcha_tlog_bundle_entry(&entry, &entry_len, (const uint8_t *)bundle, len, &offset) !=
            PQCHA_OK)
            break;
        audit_entry(a, k * PQCHA_TLOG_TILE_WIDTH + i, entry, entry_len,
                    tile_len ? tile + (size_t)i * HASH : NULL);
    }
    free(bundle);
}

static void audit_entries(struct audit *a) {
    uint64_t size = pqcha_checkpoint_size(a->cp);
    uint64_t full = pqcha_tlog_tile_full_count(size, 0);
    unsigned partial = pqcha_tlog_tile_partial_width(size, 0);
    uint8_t *tile = malloc(PQCHA_TLOG_TILE_MAX_BYTES);
    if (tile == NULL) {
        discrepancy(a, K_BUNDLE, "tile/entries", -1, PQCHA_ERR_NO_MEMORY, "cannot read");
        return;
    }
    for (uint64_t k = 0; k < full + (partial ? 1 : 0); k++)
        audit_bundle(a, k, k < full ? PQCHA_TLOG_TILE_WIDTH : partial, tile);
    free(tile);
}

/* ---- keys and policies ---- */

static int trust_all(pqcha_verifier *v, const pqcha_key *const *keys, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (pqcha_verifier_trust_key(v, keys[i]) != PQCHA_OK) return 0;
    return 1;
}

static int load_policy(struct audit *a, struct audit_policy *p, const pqcha_key *const *keys,
                       size_t key_count) {
    char *text = NULL;
    size_t len = 0;
    int status = log_read(p->path, PQCHA_MAX_POLICY_LEN, &text, &len);
    if (status != 0) return status;
    pqcha_err err = pqcha_sha256(p->sha256, text, len);
    if (err == PQCHA_OK) err = pqcha_policy_parse(&p->policy, text, len);
    free(text);
    if (err == PQCHA_OK) err = pqcha_verifier_create(&p->v);
    if (err == PQCHA_OK) err = pqcha_verifier_set_policy(p->v, p->policy);
    if (err == PQCHA_OK && !trust_all(p->v, keys, key_count)) err = PQCHA_ERR_NO_MEMORY;
    for (size_t i = 0; err == PQCHA_OK && i < pqcha_policy_trusted_key_count(p->policy); i++) {
        err = pqcha_verifier_trust_key(a->auth, pqcha_policy_trusted_key(p->policy, i));
        a->key_count++;
    }
    if (err == PQCHA_OK) return 0;
    cli_error(p->path, err, pqcha_error_is_malformed(err) ? "see docs/FORMAT.md section 6" : NULL);
    return pqcha_error_is_malformed(err) ? CLI_EXIT_MALFORMED : CLI_EXIT_USAGE;
}

/* The --trust keys and the policies; 0 or an exit code. */
static int load_trust(struct audit *a) {
    const struct log_options *o = a->c->o;
    pqcha_key *keys[LOG_MAX_LIST];
    size_t n = 0;
    int status = pqcha_verifier_create(&a->auth) == PQCHA_OK ? 0 : CLI_EXIT_USAGE;
    for (; status == 0 && n < o->trust_count; n++)
        if ((keys[n] = cli_load_key(o->trust[n], CLI_KEY_PUBLIC)) == NULL) status = CLI_EXIT_USAGE;
    if (status == 0 && !trust_all(a->auth, (const pqcha_key *const *)keys, n))
        status = CLI_EXIT_USAGE;
    a->key_count = status == 0 ? n : 0;
    for (size_t i = 0; status == 0 && i < o->policy_count; i++) {
        a->policies[i].path = o->policy[i];
        a->policy_count = i + 1;
        status = load_policy(a, &a->policies[i], (const pqcha_key *const *)keys, n);
    }
    for (size_t i = 0; i < n; i++)
        pqcha_key_free(keys[i]);
    return status;
}

static void free_audit(struct audit *a) {
    for (size_t i = 0; i < a->policy_count; i++) {
        pqcha_verifier_free(a->policies[i].v);
        pqcha_policy_free(a->policies[i].policy);
    }
    pqcha_verifier_free(a->auth);
    json_decref(a->list);
}

/* ---- the summary ---- */

static void summary_line(const struct audit *a, enum kind kind, const char *check, const char *fmt,
                         ...) CLI_PRINTF(4, 5);

static void summary_line(const struct audit *a, enum kind kind, const char *check, const char *fmt,
                         ...) {
    va_list ap;
    printf("  %s  %s: ", a->bad[kind] ? "FAIL" : "PASS", check);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    if (a->bad[kind])
        printf("; %llu discrepanc%s", (unsigned long long)a->bad[kind],
               a->bad[kind] == 1 ? "y" : "ies");
    fputc('\n', stdout);
}

static void print_summary(const struct audit *a) {
    summary_line(a, K_BUNDLE, "bundles", "%llu entry bundle%s", (unsigned long long)a->bundles,
                 a->bundles == 1 ? "" : "s");
    summary_line(a, K_ENTRY, "entries", "%llu entries, each its tile's leaf and well-formed",
                 (unsigned long long)a->entries);
    summary_line(a, K_REPORT, "reports", "%llu present with the SHA-256 their entries name",
                 (unsigned long long)a->reports);
    if (a->key_count == 0)
        printf("  SKIP  signatures: no trusted keys (--trust, --policy)\n");
    else
        summary_line(a, K_SIGNATURE, "signatures",
                     "%llu verified with the trusted keys, %llu not (logged as rejected), %llu "
                     "by other keys not checked",
                     (unsigned long long)a->signatures, (unsigned long long)a->bad_as_logged,
                     (unsigned long long)a->untrusted);
    if (a->policy_count == 0)
        printf("  SKIP  verdicts: no --policy\n");
    else
        summary_line(a, K_VERDICT, "verdicts",
                     "%llu recomputed as logged, %llu under other policies, %llu decided by "
                     "the service's challenges",
                     (unsigned long long)a->recomputed, (unsigned long long)a->other_policy,
                     (unsigned long long)a->challenged);
    if (a->discrepancies > MAX_LISTED)
        printf("  (%llu more discrepancies not listed)\n",
               (unsigned long long)(a->discrepancies - MAX_LISTED));
    if (a->discrepancies == 0)
        printf("AUDIT OK: the mirror holds the log of %llu entries its checkpoint commits to\n",
               (unsigned long long)pqcha_checkpoint_size(a->cp));
    else
        printf("AUDIT FAILED: %llu discrepanc%s\n", (unsigned long long)a->discrepancies,
               a->discrepancies == 1 ? "y" : "ies");
}

static int print_json(const struct audit *a) {
    char root[2 * HASH + 1];
    pqcha_hex_encode(root, pqcha_checkpoint_root(a->cp), HASH);
    json_t *counts = json_pack(
        "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "tiles", (json_int_t)a->tiles,
        "signaturesFailedAsLogged", (json_int_t)a->bad_as_logged, "bundles", (json_int_t)a->bundles,
        "entries", (json_int_t)a->entries, "reports", (json_int_t)a->reports, "signaturesVerified",
        (json_int_t)a->signatures, "signaturesNotChecked", (json_int_t)a->untrusted,
        "verdictsRecomputed", (json_int_t)a->recomputed, "verdictsOtherPolicy",
        (json_int_t)a->other_policy, "verdictsByChallenge", (json_int_t)a->challenged);
    json_t *doc =
        json_pack("{s:b, s:s, s:I, s:s, s:o, s:I, s:O}", "ok", a->discrepancies == 0, "origin",
                  pqcha_checkpoint_origin(a->cp), "treeSize",
                  (json_int_t)pqcha_checkpoint_size(a->cp), "root", root, "checked", counts,
                  "discrepancyCount", (json_int_t)a->discrepancies, "discrepancies", a->list);
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    json_decref(doc);
    if (text == NULL) {
        cli_error("--json", PQCHA_ERR_NO_MEMORY, NULL);
        return 0;
    }
    printf("%s\n", text);
    free(text);
    return 1;
}

/* ---- the audit ---- */

static int open_mirror_checkpoint(struct audit *a, pqcha_checkpoint **cp) {
    const char *path = a->c->o->checkpoint;
    char fallback[MIRROR_PATH_MAX];
    if (path == NULL) {
        snprintf(fallback, sizeof fallback, "%s/checkpoint", a->dir);
        path = fallback;
    }
    char *note = NULL;
    size_t len = 0;
    int status = log_read(path, PQCHA_NOTE_MAX_LEN, &note, &len);
    if (status == 0) status = log_open_checkpoint(a->c, "checkpoint", note, len, cp);
    free(note);
    return status;
}

int log_audit(const struct log_ctx *c) {
    struct audit a;
    memset(&a, 0, sizeof a);
    a.c = c;
    a.dir = c->o->args[0];
    pqcha_checkpoint *cp = NULL;
    int status = load_trust(&a);
    if (status == 0 && c->quiet && (a.list = json_array()) == NULL) status = CLI_EXIT_USAGE;
    if (status == 0) status = open_mirror_checkpoint(&a, &cp);
    if (status == 0) {
        a.cp = cp;
        audit_tiles(&a);
        audit_entries(&a);
        status = a.discrepancies ? LOG_EXIT_FAILED : CLI_EXIT_OK;
        if (!c->quiet)
            print_summary(&a);
        else if (!print_json(&a))
            status = CLI_EXIT_USAGE;
    }
    pqcha_checkpoint_free(cp);
    free_audit(&a);
    return status;
}
