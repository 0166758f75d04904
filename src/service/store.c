/* store.c — the store interface: picks the back end from the URL's scheme
 * and checks arguments once, for both back ends. */
#include "service/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pqcha/tlog.h"
#include "service/store_internal.h"
#include "service/try.h"

struct store {
    const store_ops *ops;
    void *impl;
};

typedef struct scheme {
    const char *prefix;
    int strip; /* hand the back end the URL without the prefix */
    const store_ops *ops;
} scheme;

static const scheme schemes[] = {
    {"sqlite:", 1, &store_sqlite_ops},
    {"postgresql://", 0, &store_postgres_ops},
    {"postgres://", 0, &store_postgres_ops},
};

void store_explain(char *why, size_t why_len, const char *msg) {
    if (why && why_len > 0) snprintf(why, why_len, "%s", msg ? msg : "");
}

pqcha_err store_open(store **out, const char *url, char *why, size_t why_len) {
    if (!out) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    store_explain(why, why_len, "");
    if (!url) return PQCHA_ERR_INVALID_ARGUMENT;
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
        size_t n = strlen(schemes[i].prefix);
        if (strncmp(url, schemes[i].prefix, n) != 0) continue;
        store *s = calloc(1, sizeof *s);
        if (!s) return PQCHA_ERR_NO_MEMORY;
        s->ops = schemes[i].ops;
        pqcha_err err = s->ops->open(&s->impl, schemes[i].strip ? url + n : url, why, why_len);
        if (err != PQCHA_OK) {
            free(s);
            return err;
        }
        *out = s;
        return PQCHA_OK;
    }
    store_explain(why, why_len, "the database URL must start with sqlite: or postgresql://");
    return PQCHA_ERR_INVALID_ARGUMENT;
}

void store_close(store *s) {
    if (!s) return;
    s->ops->close(s->impl);
    free(s);
}

const char *store_kind(const store *s) {
    return s ? s->ops->kind : "";
}

pqcha_err store_ping(store *s) {
    return s ? s->ops->ping(s->impl) : PQCHA_ERR_INVALID_ARGUMENT;
}

pqcha_err store_add_challenge(store *s, const char *nonce_hex, const char *workload,
                              int64_t issued_at, int64_t expires_at) {
    if (!s || !nonce_hex || !workload || expires_at < issued_at) return PQCHA_ERR_INVALID_ARGUMENT;
    return s->ops->add_challenge(s->impl, nonce_hex, workload, issued_at, expires_at);
}

pqcha_err store_check_challenge(store *s, const char *nonce_hex, const char *workload,
                                int64_t now) {
    if (!s || !nonce_hex || !workload) return PQCHA_ERR_INVALID_ARGUMENT;
    return s->ops->check_challenge(s->impl, nonce_hex, workload, now);
}

pqcha_err store_prune_challenges(store *s, int64_t before, uint64_t *deleted) {
    uint64_t ignored;
    if (!s) return PQCHA_ERR_INVALID_ARGUMENT;
    return s->ops->prune_challenges(s->impl, before, deleted ? deleted : &ignored);
}

/* 64 lowercase hex digits: how the log names a report. */
static int sha256_hex_ok(const char *text) {
    if (!text || strlen(text) != 64) return 0;
    for (size_t i = 0; i < 64; i++)
        if (!((text[i] >= '0' && text[i] <= '9') || (text[i] >= 'a' && text[i] <= 'f'))) return 0;
    return 1;
}

static int report_args_ok(const store_report *r) {
    return r && r->digest && r->report_id && r->workload && r->verdict && r->error_name &&
           r->result_json && r->detail_json && (r->body || r->body_len == 0) &&
           (unsigned)r->outcome <= OUTCOME_IGNORED &&
           (!r->log_entry ||
            (r->log_entry_len <= PQCHA_TLOG_MAX_ENTRY_LEN && sha256_hex_ok(r->envelope_sha256)));
}

pqcha_err store_commit_report(store *s, const store_report *r, store_commit *out) {
    if (!out) return PQCHA_ERR_INVALID_ARGUMENT;
    memset(out, 0, sizeof *out);
    out->log_index = -1;
    if (!s || !report_args_ok(r)) return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha_err err = s->ops->commit_report(s->impl, r, out);
    if (err != PQCHA_OK) store_commit_clear(out);
    return err;
}

void store_commit_report_async(store *s, const store_report *r, store_commit *out,
                               store_done_fn done, void *ctx) {
    if (!s || !s->ops->commit_report_async || !out || !report_args_ok(r)) {
        done(ctx, store_commit_report(s, r, out));
        return;
    }
    memset(out, 0, sizeof *out);
    out->log_index = -1;
    s->ops->commit_report_async(s->impl, r, out, done, ctx);
}

int store_commits_in_background(const store *s) {
    return s && s->ops->commit_report_async != NULL;
}

void store_commit_clear(store_commit *c) {
    if (!c) return;
    free(c->stored_result_json);
    memset(c, 0, sizeof *c);
    c->log_index = -1;
}

pqcha_err store_each_workload(store *s, store_workload_fn fn, void *ctx) {
    int found = 0;
    if (!s || !fn) return PQCHA_ERR_INVALID_ARGUMENT;
    return s->ops->each_workload(s->impl, NULL, fn, ctx, &found);
}

pqcha_err store_get_workload(store *s, const char *id, store_workload_fn fn, void *ctx) {
    int found = 0;
    if (!s || !id || !fn) return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha_err err = s->ops->each_workload(s->impl, id, fn, ctx, &found);
    if (err != PQCHA_OK) return err;
    return found ? PQCHA_OK : PQCHA_ERR_NOT_FOUND;
}

pqcha_err store_each_report(store *s, const char *workload, int64_t since, unsigned limit,
                            store_report_fn fn, void *ctx) {
    if (!s || !workload || !fn || limit == 0 || limit > STORE_MAX_LIMIT)
        return PQCHA_ERR_INVALID_ARGUMENT;
    return s->ops->each_report(s->impl, workload, since, limit, fn, ctx);
}

pqcha_err store_each_event(store *s, const char *workload, int64_t after_seq, unsigned limit,
                           store_event_fn fn, void *ctx) {
    if (!s || !fn || limit == 0 || limit > STORE_MAX_LIMIT) return PQCHA_ERR_INVALID_ARGUMENT;
    return s->ops->each_event(s->impl, workload, after_seq, limit, fn, ctx);
}

pqcha_err store_count_states(store *s, uint64_t counts[WORKLOAD_STATE_COUNT]) {
    if (!s || !counts) return PQCHA_ERR_INVALID_ARGUMENT;
    memset(counts, 0, WORKLOAD_STATE_COUNT * sizeof counts[0]);
    return s->ops->count_states(s->impl, counts);
}

static int compare_rule(const void *key, const void *element) {
    return strcmp(key, ((const store_stale_rule *)element)->workload);
}

int64_t store_stale_cutoff(const store_stale_cutoffs *c, const char *workload) {
    const store_stale_rule *rule =
        c->rule_count ? bsearch(workload, c->rules, c->rule_count, sizeof c->rules[0], compare_rule)
                      : NULL;
    return rule ? rule->cutoff : c->fallback;
}

int64_t store_stale_latest_cutoff(const store_stale_cutoffs *c) {
    int64_t latest = c->fallback;
    for (size_t i = 0; i < c->rule_count; i++)
        if (c->rules[i].cutoff > latest) latest = c->rules[i].cutoff;
    return latest;
}

pqcha_err store_mark_stale(store *s, const store_stale_cutoffs *cutoffs, int64_t now,
                           store_event_fn fn, void *ctx) {
    if (!s || !cutoffs || (cutoffs->rule_count && !cutoffs->rules))
        return PQCHA_ERR_INVALID_ARGUMENT;
    return s->ops->mark_stale(s->impl, cutoffs, now, fn, ctx);
}

/* ---- the webhook's outbox ---- */

pqcha_err store_outbox_claim(store *s, int64_t now_ms, int64_t lease_until_ms, int64_t *seq,
                             unsigned *attempts, int64_t *due_ms) {
    if (!s || !seq || !attempts || !due_ms || lease_until_ms < now_ms)
        return PQCHA_ERR_INVALID_ARGUMENT;
    *seq = 0;
    *attempts = 0;
    *due_ms = 0;
    return s->ops->outbox_claim(s->impl, now_ms, lease_until_ms, seq, attempts, due_ms);
}

pqcha_err store_outbox_remove(store *s, int64_t seq) {
    if (!s || seq <= 0) return PQCHA_ERR_INVALID_ARGUMENT;
    return s->ops->outbox_remove(s->impl, seq);
}

pqcha_err store_outbox_defer(store *s, int64_t seq, int64_t due_ms) {
    if (!s || seq <= 0) return PQCHA_ERR_INVALID_ARGUMENT;
    return s->ops->outbox_defer(s->impl, seq, due_ms);
}

pqcha_err store_outbox_count(store *s, uint64_t *count) {
    if (!s || !count) return PQCHA_ERR_INVALID_ARGUMENT;
    *count = 0;
    return s->ops->outbox_count(s->impl, count);
}

pqcha_err store_outbox_clear(store *s, uint64_t *removed) {
    uint64_t ignored;
    if (!s) return PQCHA_ERR_INVALID_ARGUMENT;
    return s->ops->outbox_clear(s->impl, removed ? removed : &ignored);
}

/* ---- the transparency log ---- */

pqcha_err store_log_complete_tiles(uint64_t old_size, uint64_t new_size, store_hashes_read_fn read,
                                   store_hash_write_fn write, void *ctx) {
    uint8_t below[PQCHA_TLOG_TILE_MAX_BYTES], hash[PQCHA_TLOG_HASH_LEN];
    uint64_t span = PQCHA_TLOG_TILE_WIDTH; /* leaves under one hash of this level */
    for (unsigned level = 1; span <= new_size; level++) {
        for (uint64_t k = old_size / span; k < new_size / span; k++) {
            SERVICE_TRY(
                read(ctx, level - 1, k * PQCHA_TLOG_TILE_WIDTH, PQCHA_TLOG_TILE_WIDTH, below));
            SERVICE_TRY(pqcha_tlog_root_of_hashes(hash, below, PQCHA_TLOG_TILE_WIDTH));
            SERVICE_TRY(write(ctx, level, k, hash));
        }
        if (span > PQCHA_TLOG_MAX_SIZE / PQCHA_TLOG_TILE_WIDTH) break;
        span *= PQCHA_TLOG_TILE_WIDTH;
    }
    return PQCHA_OK;
}

pqcha_err store_log_size(store *s, uint64_t *size) {
    if (size) *size = 0;
    if (!s || !size) return PQCHA_ERR_INVALID_ARGUMENT;
    return s->ops->log_size(s->impl, size);
}

pqcha_err store_log_hashes(store *s, unsigned level, uint64_t from, unsigned count, uint8_t *out) {
    if (!s || !out || count == 0 || count > PQCHA_TLOG_TILE_WIDTH || level > 7 ||
        from > PQCHA_TLOG_MAX_SIZE - count)
        return PQCHA_ERR_INVALID_ARGUMENT;
    return s->ops->log_hashes(s->impl, level, from, count, out);
}

pqcha_err store_log_entries(store *s, uint64_t from, unsigned count, store_entry_fn fn, void *ctx) {
    if (!s || !fn || count == 0 || count > STORE_MAX_LIMIT || from > PQCHA_TLOG_MAX_SIZE - count)
        return PQCHA_ERR_INVALID_ARGUMENT;
    return s->ops->log_entries(s->impl, from, count, fn, ctx);
}

pqcha_err store_log_report(store *s, const char *envelope_sha256, store_bytes_fn fn, void *ctx) {
    if (!s || !fn || !sha256_hex_ok(envelope_sha256)) return PQCHA_ERR_INVALID_ARGUMENT;
    return s->ops->log_report(s->impl, envelope_sha256, fn, ctx);
}

pqcha_err store_log_add_checkpoint(store *s, uint64_t size, const uint8_t root[32],
                                   const char *note, int64_t signed_at, store_checkpoint_fn fn,
                                   void *ctx) {
    if (!s || !root || !note || size > PQCHA_TLOG_MAX_SIZE) return PQCHA_ERR_INVALID_ARGUMENT;
    return s->ops->log_add_checkpoint(s->impl, size, root, note, signed_at, fn, ctx);
}

pqcha_err store_log_checkpoint(store *s, store_checkpoint_pick pick, uint64_t size,
                               store_checkpoint_fn fn, void *ctx) {
    if (!s || !fn || (unsigned)pick > STORE_CHECKPOINT_PUBLISHED || size > PQCHA_TLOG_MAX_SIZE)
        return PQCHA_ERR_INVALID_ARGUMENT;
    return s->ops->log_checkpoint(s->impl, pick, size, fn, ctx);
}

pqcha_err store_log_publish(store *s, uint64_t size, int64_t at) {
    if (!s || size > PQCHA_TLOG_MAX_SIZE) return PQCHA_ERR_INVALID_ARGUMENT;
    return s->ops->log_publish(s->impl, size, at);
}

pqcha_err store_log_add_cosignature(store *s, uint64_t size, const char *witness,
                                    const char *line) {
    if (!s || !witness || !*witness || !line || size > PQCHA_TLOG_MAX_SIZE)
        return PQCHA_ERR_INVALID_ARGUMENT;
    return s->ops->log_add_cosignature(s->impl, size, witness, line);
}

pqcha_err store_log_each_cosignature(store *s, uint64_t size, store_cosignature_fn fn, void *ctx) {
    if (!s || !fn || size > PQCHA_TLOG_MAX_SIZE) return PQCHA_ERR_INVALID_ARGUMENT;
    return s->ops->log_each_cosignature(s->impl, size, fn, ctx);
}
