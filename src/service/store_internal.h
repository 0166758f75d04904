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
    /* NULL: store_commit_report_async commits in the caller's thread. */
    void (*commit_report_async)(void *impl, const store_report *r, store_commit *out,
                                store_done_fn done, void *ctx);
    pqcha_err (*each_workload)(void *impl, const char *id_or_null, store_workload_fn fn, void *ctx,
                               int *found);
    pqcha_err (*each_report)(void *impl, const char *workload, int64_t since, unsigned limit,
                             store_report_fn fn, void *ctx);
    pqcha_err (*each_event)(void *impl, const char *workload_or_null, int64_t after_seq,
                            unsigned limit, store_event_fn fn, void *ctx);
    pqcha_err (*count_states)(void *impl, uint64_t counts[WORKLOAD_STATE_COUNT]);
    pqcha_err (*mark_stale)(void *impl, const store_stale_cutoffs *cutoffs, int64_t now,
                            store_event_fn fn, void *ctx);
    pqcha_err (*outbox_claim)(void *impl, int64_t now_ms, int64_t lease_until_ms, int64_t *seq,
                              unsigned *attempts, int64_t *due_ms);
    pqcha_err (*outbox_remove)(void *impl, int64_t seq);
    pqcha_err (*outbox_defer)(void *impl, int64_t seq, int64_t due_ms);
    pqcha_err (*outbox_count)(void *impl, uint64_t *count);
    pqcha_err (*outbox_clear)(void *impl, uint64_t *removed);
    pqcha_err (*log_size)(void *impl, uint64_t *size);
    pqcha_err (*log_hashes)(void *impl, unsigned level, uint64_t from, unsigned count,
                            uint8_t *out);
    pqcha_err (*log_entries)(void *impl, uint64_t from, unsigned count, store_entry_fn fn,
                             void *ctx);
    pqcha_err (*log_report)(void *impl, const char *envelope_sha256, store_bytes_fn fn, void *ctx);
    pqcha_err (*log_add_checkpoint)(void *impl, uint64_t size, const uint8_t root[32],
                                    const char *note, int64_t signed_at, store_checkpoint_fn fn,
                                    void *ctx);
    pqcha_err (*log_checkpoint)(void *impl, store_checkpoint_pick pick, uint64_t size,
                                store_checkpoint_fn fn, void *ctx);
    pqcha_err (*log_publish)(void *impl, uint64_t size, int64_t at);
    pqcha_err (*log_add_cosignature)(void *impl, uint64_t size, const char *witness,
                                     const char *line);
    pqcha_err (*log_each_cosignature)(void *impl, uint64_t size, store_cosignature_fn fn,
                                      void *ctx);
} store_ops;

extern const store_ops store_sqlite_ops;
extern const store_ops store_postgres_ops;

/* Appending to the log, the same for both back ends: once entries
 * old_size..new_size - 1 have their leaf hashes stored, computes and writes
 * the tile hashes they complete (level L >= 1, index k: the tree hash of
 * the 256 hashes of level L - 1 from 256k), reading through read (which
 * sees what this transaction wrote). Returns: OK, or what read, write or
 * the hashing returns. */
typedef pqcha_err (*store_hashes_read_fn)(void *ctx, unsigned level, uint64_t from, unsigned count,
                                          uint8_t *out);
typedef pqcha_err (*store_hash_write_fn)(void *ctx, unsigned level, uint64_t index,
                                         const uint8_t hash[32]);
pqcha_err store_log_complete_tiles(uint64_t old_size, uint64_t new_size, store_hashes_read_fn read,
                                   store_hash_write_fn write, void *ctx);

/* Copies msg into why (when given), truncating; for the back ends' open. */
void store_explain(char *why, size_t why_len, const char *msg);

#endif
