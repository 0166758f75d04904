/* store_internal.h — what a store back end implements (store.h says what
 * each operation means; store.c checks the arguments before they get here,
 * so a back end may assume non-NULL text and a limit in 1..STORE_MAX_LIMIT). */
#ifndef PQCHA_SERVICE_STORE_INTERNAL_H
#define PQCHA_SERVICE_STORE_INTERNAL_H

#include "service/store.h"

typedef struct store_ops {
    const char *kind;
    /* url without its scheme for SQLite ("sqlite:" removed), whole for libpq. */
    pqcha_err (*open)(void **impl, const char *url, char *why, size_t why_len);
    void (*close)(void *impl);
    pqcha_err (*ping)(void *impl);
    pqcha_err (*add_challenge)(void *impl, const char *nonce_hex, const char *workload,
                               int64_t issued_at, int64_t expires_at);
    pqcha_err (*check_challenge)(void *impl, const char *nonce_hex, const char *workload,
                                 int64_t now);
    pqcha_err (*prune_challenges)(void *impl, int64_t before, uint64_t *deleted);
    pqcha_err (*commit_report)(void *impl, const store_report *r, store_commit *out);
    pqcha_err (*each_workload)(void *impl, const char *id_or_null, store_workload_fn fn, void *ctx,
                               int *found);
    pqcha_err (*each_report)(void *impl, const char *workload, int64_t since, unsigned limit,
                             store_report_fn fn, void *ctx);
    pqcha_err (*each_event)(void *impl, const char *workload_or_null, int64_t after_seq,
                            unsigned limit, store_event_fn fn, void *ctx);
    pqcha_err (*count_states)(void *impl, uint64_t counts[WORKLOAD_STATE_COUNT]);
    pqcha_err (*mark_stale)(void *impl, int64_t cutoff, int64_t now, store_event_fn fn, void *ctx);
} store_ops;

extern const store_ops store_sqlite_ops;
extern const store_ops store_postgres_ops;

/* Copies msg into why (when given), truncating; for the back ends' open. */
void store_explain(char *why, size_t why_len, const char *msg);

#endif
