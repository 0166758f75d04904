/* store.c — the store interface: picks the back end from the URL's scheme
 * and checks arguments once, for both back ends. */
#include "service/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/store_internal.h"

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

static int report_args_ok(const store_report *r) {
    return r && r->digest && r->report_id && r->workload && r->verdict && r->error_name &&
           r->result_json && r->detail_json && (r->body || r->body_len == 0) &&
           (unsigned)r->outcome <= OUTCOME_IGNORED;
}

pqcha_err store_commit_report(store *s, const store_report *r, store_commit *out) {
    if (!out) return PQCHA_ERR_INVALID_ARGUMENT;
    memset(out, 0, sizeof *out);
    if (!s || !report_args_ok(r)) return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha_err err = s->ops->commit_report(s->impl, r, out);
    if (err != PQCHA_OK) store_commit_clear(out);
    return err;
}

void store_commit_clear(store_commit *c) {
    if (!c) return;
    free(c->stored_result_json);
    memset(c, 0, sizeof *c);
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

pqcha_err store_mark_stale(store *s, int64_t cutoff, int64_t now, store_event_fn fn, void *ctx) {
    if (!s) return PQCHA_ERR_INVALID_ARGUMENT;
    return s->ops->mark_stale(s->impl, cutoff, now, fn, ctx);
}
