/* store.h — what the verifier service must not forget: challenges, used
 * nonces, reports with their verdicts, per-workload state and its events,
 * and the transparency log of the reports (entries, tile hashes, signed
 * checkpoints and witnesses' cosignatures).
 *
 * One interface, two back ends: SQLite (one file, WAL; the embedded default)
 * and PostgreSQL through libpq (several verifier instances share one fleet).
 * Both keep the same schema (docs/API.md, "Storage"), versioned by
 * store_schema_version and migrated forward when a store is opened.
 *
 * A store handle may be used by any number of threads at once (each back
 * end serialises or pools its connections). Every function returns
 * PQCHA_ERR_STORE when the database fails or is unreachable, and the
 * handle stays usable: the next call reconnects if it can. Text arguments
 * are NUL-terminated UTF-8; rows passed to callbacks are valid only during
 * the call. */
#ifndef PQCHA_SERVICE_STORE_H
#define PQCHA_SERVICE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "pqcha/error.h"
#include "service/state.h"

typedef struct store store;

/* The schema this build reads and writes. A database with a newer one is
 * refused (PQCHA_ERR_STORE_SCHEMA) rather than written in a way the newer
 * build would misread. */
#define STORE_SCHEMA_VERSION 3

/* Opens "sqlite:PATH" (created if absent, 0600) or "postgresql://..." /
 * "postgres://..." (a libpq URI) and migrates its schema to
 * STORE_SCHEMA_VERSION. why (why_len bytes, may be NULL) receives the
 * database's own message on failure.
 * Returns: OK, INVALID_ARGUMENT (unknown scheme), STORE (cannot open or
 * migrate), STORE_SCHEMA (a newer schema), NO_MEMORY. */
pqcha_err store_open(store **out, const char *url, char *why, size_t why_len);
void store_close(store *s);

/* "sqlite" or "postgresql". */
const char *store_kind(const store *s);

/* A cheap round trip to the database: OK, or STORE. */
pqcha_err store_ping(store *s);

/* ---- challenges ----
 * A challenge is single-use: a report consumes it when it is stored
 * (store_commit_report). Used challenges are kept until they expire, so a
 * replayed report is refused even with the right nonce. */

/* Returns: OK, FILE_EXISTS (the nonce was issued before), STORE. */
pqcha_err store_add_challenge(store *s, const char *nonce_hex, const char *workload,
                              int64_t issued_at, int64_t expires_at);

/* What a report carrying nonce_hex for workload may claim, as of now.
 * Returns: OK (issued for this workload, unused, not expired),
 * NONCE_UNKNOWN (never issued, or issued for another workload, or already
 * pruned), NONCE_USED, NONCE_EXPIRED, STORE. Reads only. */
pqcha_err store_check_challenge(store *s, const char *nonce_hex, const char *workload, int64_t now);

/* Deletes challenges that expired before `before`; *deleted (may be NULL)
 * receives how many. Returns: OK, STORE. */
pqcha_err store_prune_challenges(store *s, int64_t before, uint64_t *deleted);

/* ---- reports ---- */
typedef struct store_report {
    const char *digest;      /* lowercase hex SHA3-256 of the exact body: identity */
    const char *report_id;   /* the statement's id ("" if it could not be read) */
    const char *workload;    /* the statement's workload id ("" if unreadable) */
    const char *nonce_hex;   /* the challenge to consume, or NULL for none */
    int64_t received_at;     /* Unix seconds */
    const char *verdict;     /* pqcha_verdict_name() */
    const char *error_name;  /* pqcha_error_name() of the deciding error */
    report_outcome outcome;  /* what the report says about its workload (state.h) */
    const char *result_json; /* the verification result, as pqcha verify --json */
    const char *detail_json; /* for the event timeline: drifted regions and tensors */
    const char *body;        /* the report as received */
    size_t body_len;
    /* The transparency-log entry appended with the report (NULL: none), and
     * the lowercase hex SHA-256 of body, which names the entry's report. */
    const uint8_t *log_entry;
    size_t log_entry_len;
    const char *envelope_sha256;
} store_report;

/* What store_commit_report did. */
typedef struct store_commit {
    int duplicate;            /* the same body was stored before: nothing written */
    char *stored_result_json; /* when duplicate: the result stored then (caller frees) */
    int transitioned;         /* the workload's state changed (an event was stored) */
    workload_state from, to;  /* when transitioned */
    int64_t event_seq;        /* when transitioned: the event's sequence number */
    int64_t log_index;        /* the report's entry in the log; -1: it has none */
} store_commit;

/* In one transaction: consumes the challenge (when r->nonce_hex is set: the
 * caller sets it only for a report that counts, so that no one but the
 * key's holder can use up a workload's challenge), stores the report and,
 * when its outcome counts (not OUTCOME_IGNORED), creates or updates its
 * workload, moves its state (state_after_report) and records a transition
 * as an event. An ignored report is stored but touches no workload. A
 * report whose digest is already stored writes nothing and returns the
 * result stored the first time (idempotent delivery).
 * With r->log_entry, the entry is appended to the log in the same
 * transaction (a duplicate's own entry is kept; one stored before the log
 * existed gets this one), and out->log_index is its index once it is in
 * the tree: when this returns OK, the tree holds it durably.
 * Returns: OK (committed durably, or duplicate), NONCE_USED (the challenge
 * was consumed by another report since it was checked, or expired:
 * nothing written; verify again), STORE, NO_MEMORY. */
pqcha_err store_commit_report(store *s, const store_report *r, store_commit *out);
void store_commit_clear(store_commit *c);

/* store_commit_report without waiting for it, for a caller with better to
 * do than wait (a network thread): queues the commit, and done(ctx, err)
 * later receives what store_commit_report would have returned, with *out
 * filled the same way. r, what it points to, and out must stay valid
 * until then. done runs on a thread of the store's (keep it short), or,
 * with a back end that cannot commit in the background
 * (store_commits_in_background), in this call before it returns. */
typedef void (*store_done_fn)(void *ctx, pqcha_err err);
void store_commit_report_async(store *s, const store_report *r, store_commit *out,
                               store_done_fn done, void *ctx);
/* Whether store_commit_report_async returns before its commit: SQLite (its
 * writer thread commits, another thread flushes); not PostgreSQL. */
int store_commits_in_background(const store *s);

/* ---- queries ---- */
typedef struct store_workload_row {
    const char *id;
    workload_state state;
    int64_t state_since;     /* when it entered the state */
    const char *last_digest; /* the last report stored for it */
    const char *last_report_id;
    const char *last_verdict;
    int64_t last_seen;    /* when the last report arrived */
    int64_t last_counted; /* when the last report that counts (outcome) arrived */
    uint64_t report_count;
} store_workload_row;

typedef struct store_report_row {
    int64_t seq;
    const char *digest, *report_id, *workload, *verdict, *error_name;
    report_outcome outcome;
    int64_t received_at;
    const char *result_json;
} store_report_row;

typedef struct store_event_row {
    int64_t seq;
    const char *workload;
    int64_t at;
    workload_state from, to;
    const char *digest;      /* the report that caused it; "" for a stale mark */
    const char *detail_json; /* "{}" when none */
} store_event_row;

/* Callbacks return 0 to go on, nonzero to stop (the function then returns OK). */
typedef int (*store_workload_fn)(void *ctx, const store_workload_row *row);
typedef int (*store_report_fn)(void *ctx, const store_report_row *row);
typedef int (*store_event_fn)(void *ctx, const store_event_row *row);

/* Every workload, by id. Returns: OK, STORE. */
pqcha_err store_each_workload(store *s, store_workload_fn fn, void *ctx);
/* One workload. Returns: OK, NOT_FOUND, STORE. */
pqcha_err store_get_workload(store *s, const char *id, store_workload_fn fn, void *ctx);
/* A workload's reports received at or after `since`, oldest first, at most
 * limit (1..STORE_MAX_LIMIT). Returns: OK, INVALID_ARGUMENT, STORE. */
pqcha_err store_each_report(store *s, const char *workload, int64_t since, unsigned limit,
                            store_report_fn fn, void *ctx);
/* Events (all workloads when workload is NULL) with seq > after_seq, oldest
 * first, at most limit. Returns: OK, INVALID_ARGUMENT, STORE. */
pqcha_err store_each_event(store *s, const char *workload, int64_t after_seq, unsigned limit,
                           store_event_fn fn, void *ctx);
#define STORE_MAX_LIMIT 1000u

/* How many workloads are in each state (counts[WORKLOAD_STATE_COUNT]).
 * Returns: OK, STORE. */
pqcha_err store_count_states(store *s, uint64_t counts[WORKLOAD_STATE_COUNT]);

/* When workloads go stale: a workload whose last report that counts
 * arrived before its cutoff. rules give some workloads their own (the
 * policy's staleAfterSeconds), sorted by workload (strcmp); every other
 * has the fallback. STORE_NEVER_STALE: never. */
#define STORE_NEVER_STALE INT64_MIN
typedef struct store_stale_rule {
    const char *workload;
    int64_t cutoff;
} store_stale_rule;
typedef struct store_stale_cutoffs {
    int64_t fallback;
    const store_stale_rule *rules; /* may be NULL when rule_count is 0 */
    size_t rule_count;
} store_stale_cutoffs;

/* The workload's cutoff, and the latest of all (what a workload must be
 * quieter than to be looked at at all). */
int64_t store_stale_cutoff(const store_stale_cutoffs *c, const char *workload);
int64_t store_stale_latest_cutoff(const store_stale_cutoffs *c);

/* Marks stale every workload whose state can go stale (state.h) and whose
 * last report that counts arrived before its cutoff, each with an event at
 * `now`; fn (may be NULL) sees each event after the commit.
 * Returns: OK, INVALID_ARGUMENT, STORE. */
pqcha_err store_mark_stale(store *s, const store_stale_cutoffs *cutoffs, int64_t now,
                           store_event_fn fn, void *ctx);

/* ---- the webhook's outbox (docs/API.md, "Webhooks") ----
 * Every event stored (a report's transition, a stale mark) also waits in an
 * outbox, put there by the database in the event's own transaction, until
 * the webhook has delivered it or given up on it: what one run of the
 * service did not deliver, the next run (or another instance sharing the
 * database) does. Times are Unix milliseconds. */

/* Claims the outbox's oldest event if it is due (due at or before now_ms):
 * counts the attempt and moves its due time to lease_until_ms, so that no
 * other instance takes it while this one tries. Events go out in order:
 * while the oldest is not due, nothing is claimed. *seq is the event
 * claimed (0: none) and *attempts the attempts made with this one; when
 * none is claimed, *due_ms is the oldest's due time (0: the outbox is
 * empty). Returns: OK, INVALID_ARGUMENT, STORE. */
pqcha_err store_outbox_claim(store *s, int64_t now_ms, int64_t lease_until_ms, int64_t *seq,
                             unsigned *attempts, int64_t *due_ms);
/* The event delivered, or given up on: out of the outbox. */
pqcha_err store_outbox_remove(store *s, int64_t seq);
/* Tried again no earlier than due_ms. */
pqcha_err store_outbox_defer(store *s, int64_t seq, int64_t due_ms);
/* How many events wait. */
pqcha_err store_outbox_count(store *s, uint64_t *count);
/* Empties the outbox: a service without a webhook has nobody to deliver to
 * (the event history keeps every event). *removed may be NULL. */
pqcha_err store_outbox_clear(store *s, uint64_t *removed);

/* ---- the transparency log (docs/API.md, "Transparency log") ----
 * Entries get consecutive indices from 0. The hashes of the tree's tiles
 * (docs/FORMAT.md 9.3) are stored as they complete: tile level 0 holds the
 * entries' leaf hashes, tile level L >= 1 the hash of each complete subtree
 * of 256^L leaves, so that any tile is one range read. Everything here
 * reads what is committed. */

/* How many entries the tree holds. Returns: OK, STORE. */
pqcha_err store_log_size(store *s, uint64_t *size);

/* count hashes of tile level `level` from index `from` (level 0: leaf
 * hashes), 32 bytes each, into out. Returns: OK, INVALID_ARGUMENT,
 * NOT_FOUND (the tree does not hold them all yet), STORE. */
pqcha_err store_log_hashes(store *s, unsigned level, uint64_t from, unsigned count, uint8_t *out);

/* Entries from index `from` on, count of them (1..STORE_MAX_LIMIT), in
 * order. Returns: OK, INVALID_ARGUMENT, NOT_FOUND (fewer in the tree), STORE. */
typedef int (*store_entry_fn)(void *ctx, uint64_t index, const uint8_t *entry, size_t len);
pqcha_err store_log_entries(store *s, uint64_t from, unsigned count, store_entry_fn fn, void *ctx);

/* The bytes of the report whose log entry names it by envelope_sha256
 * (lowercase hex). Returns: OK, NOT_FOUND (no such report in the tree), STORE. */
typedef void (*store_bytes_fn)(void *ctx, const void *data, size_t len);
pqcha_err store_log_report(store *s, const char *envelope_sha256, store_bytes_fn fn, void *ctx);

typedef struct store_checkpoint_row {
    uint64_t size;
    const uint8_t *root; /* 32 bytes */
    const char *note;    /* the signed checkpoint, as the log signed it */
    int64_t signed_at;
    int64_t published_at; /* 0: not published (given with an acknowledgement only) */
} store_checkpoint_row;
typedef void (*store_checkpoint_fn)(void *ctx, const store_checkpoint_row *row);

/* Keeps a signed checkpoint, unless one of that size is kept already (the
 * first stays: every instance of a fleet then serves the same bytes); fn
 * sees the one kept. Returns: OK, INVALID_ARGUMENT, STORE. */
pqcha_err store_log_add_checkpoint(store *s, uint64_t size, const uint8_t root[32],
                                   const char *note, int64_t signed_at, store_checkpoint_fn fn,
                                   void *ctx);

typedef enum store_checkpoint_pick {
    STORE_CHECKPOINT_OF_SIZE,   /* the one of the given size */
    STORE_CHECKPOINT_LATEST,    /* the largest kept */
    STORE_CHECKPOINT_PUBLISHED, /* the largest published */
} store_checkpoint_pick;
/* Returns: OK, NOT_FOUND, STORE. */
pqcha_err store_log_checkpoint(store *s, store_checkpoint_pick pick, uint64_t size,
                               store_checkpoint_fn fn, void *ctx);
/* Marks the checkpoint of that size published at `at` (kept if it already
 * was). Returns: OK, NOT_FOUND, STORE. */
pqcha_err store_log_publish(store *s, uint64_t size, int64_t at);

/* A witness's cosignature line ("— name base64\n") of the checkpoint of
 * that size, replacing the witness's earlier one. Returns: OK,
 * INVALID_ARGUMENT, NOT_FOUND (no such checkpoint), STORE. */
pqcha_err store_log_add_cosignature(store *s, uint64_t size, const char *witness, const char *line);
/* Its cosignature lines, by witness name. Returns: OK, STORE. */
typedef void (*store_cosignature_fn)(void *ctx, const char *witness, const char *line);
pqcha_err store_log_each_cosignature(store *s, uint64_t size, store_cosignature_fn fn, void *ctx);

#endif
