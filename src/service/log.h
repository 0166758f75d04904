/* log.h — the verifier service's transparency log (docs/API.md,
 * "Transparency log"), over the store (store.h) and libpqcha's tlog.h.
 *
 * Every report the service stores is appended, in the same transaction, as
 * one entry (pqcha_tlog_entry_encode, FORMAT.md 9.8). Checkpoints are signed with the log's key
 * under its origin only over what is committed: after a batch of reports is
 * durably stored and before any of them is answered, the first answer to
 * need one signs a checkpoint of the whole committed tree, which every
 * answer of that batch carries (tlog_receipt). One checkpoint is
 * *published* (GET /v1/log/checkpoint) while the tree grows at least once
 * per interval (tlog_tick) and as soon as it grew by `entries`, otherwise at
 * most once per interval, so that witnesses
 * have time to cosign it; their cosignatures (tlog_cosign) are served with
 * it. Proofs and roots come from the stored tiles, never from all leaves.
 *
 * A tlog may be used by any number of threads at once. */
#ifndef PQCHA_SERVICE_LOG_H
#define PQCHA_SERVICE_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "pqcha/crypto.h"
#include "service/reply.h"
#include "service/store.h"

#define TLOG_DEFAULT_INTERVAL 10   /* seconds between published checkpoints */
#define TLOG_DEFAULT_ENTRIES  1000 /* ... or entries, whichever comes first */
#define TLOG_MAX_WITNESSES    32
/* A cosigned checkpoint POSTed by a witness: a signed note. */
#define TLOG_MAX_COSIGNATURE_BYTES (256u << 10)

typedef struct tlog tlog;

typedef struct tlog_options {
    const char *origin;     /* the log's name: checkpoints' first line and key name */
    int64_t interval;       /* seconds between published checkpoints; 0: every one */
    int64_t (*clock)(void); /* Unix seconds; NULL: time() */
    uint64_t entries;       /* also publish once the tree grew by this many entries
                               since the published checkpoint; 0: by time only */
} tlog_options;

/* key: the log's private key, taken over (also on failure). db stays the
 * caller's and must outlive the log.
 * Returns: OK, INVALID_ARGUMENT, BAD_IDENTIFIER (an origin that cannot be
 * a key name), NOT_PRIVATE_KEY, NO_MEMORY. */
pqcha_err tlog_create(tlog **out, store *db, pqcha_key *key, const tlog_options *options);
void tlog_free(tlog *l);

/* A witness whose cosignatures the log accepts and serves (name, public
 * key; copied). Returns: OK, INVALID_ARGUMENT (also: its name is the
 * origin's, or already given), BAD_IDENTIFIER, TOO_LARGE (more than
 * TLOG_MAX_WITNESSES), NO_MEMORY, CRYPTO. */
pqcha_err tlog_add_witness(tlog *l, const char *name, const pqcha_key *key);

/* Before serving: checks that the newest checkpoint the store keeps is this
 * log's (its key and origin) and that the stored tiles still give its root,
 * then publishes a checkpoint of the tree if none is (the empty tree's on a
 * new store). *detail (may be NULL) receives the size of the checkpoint that
 * did not match.
 * Returns: OK, STORE, UNTRUSTED_KEY / BAD_SIGNATURE / LOG_ORIGIN (the
 * store's log was signed by another key or for another origin), LOG_FORK
 * (the stored tree does not give its signed root), NO_MEMORY, CRYPTO. */
pqcha_err tlog_start(tlog *l, uint64_t *detail);

/* Periodic work: publishes a checkpoint of the tree when the interval has
 * passed since the last one and the tree grew. Returns: OK, STORE, ... */
pqcha_err tlog_tick(tlog *l);

/* The receipt of entry `index` (its bytes given, or NULL: read from the
 * store), as pqcha_tlog_receipt_encode writes it (FORMAT.md 9.9), against a
 * checkpoint that covers it: signed now, over the whole committed tree,
 * unless one already does. Free with pqcha_free().
 * Returns: OK, INVALID_ARGUMENT, NOT_FOUND (no such entry), STORE,
 * NO_MEMORY, CRYPTO. */
pqcha_err tlog_receipt(tlog *l, uint64_t index, const uint8_t *entry, size_t entry_len, char **out);

/* GET /v1/log/PATH: "checkpoint", "tile/...", "tile/entries/...",
 * "report/SHA256". Errors are replies (404, 503). Returns: OK, NO_MEMORY. */
pqcha_err tlog_get(tlog *l, const char *path, service_reply *out);

/* POST /v1/log/cosignature: a checkpoint this log signed, cosigned by one
 * or more configured witnesses; their cosignatures are kept. 200 with the
 * names taken, 400 (not a note, another log's, no configured witness's
 * cosignature verifies), 409 (not a checkpoint this log signed: another
 * tree of that size, or one it never signed or has forgotten).
 * Returns: OK, NO_MEMORY. */
pqcha_err tlog_cosign(tlog *l, const char *body, size_t len, service_reply *out);

/* For /metrics. */
typedef struct tlog_stats {
    uint64_t checkpoints_signed, checkpoints_published;
    uint64_t cosignatures_accepted, cosignatures_refused;
} tlog_stats;
void tlog_stats_get(tlog *l, tlog_stats *out);

#endif
