/* pqcha/attest.h — the attester (one signed report) and the continuous attester. */
#ifndef PQCHA_ATTEST_H
#define PQCHA_ATTEST_H

#include <stddef.h>
#include <stdint.h>

#include "pqcha/backend.h"
#include "pqcha/crypto.h"
#include "pqcha/error.h"
#include "pqcha/tee.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PQCHA_DEFAULT_TTL_SECONDS 300
#define PQCHA_MAX_TTL_SECONDS     (7 * 24 * 3600)

/* Measures every region a backend lists for one workload and signs the result.
 * Holds references (not copies) to the key and the backend: both must outlive it.
 * One thread at a time (each report advances its sequence number). */
typedef struct pqcha_attester pqcha_attester;

/* Returns: OK, INVALID_ARGUMENT, BAD_IDENTIFIER (workload id), NOT_PRIVATE_KEY,
 * NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_attester_create(pqcha_attester **out, const pqcha_key *signing_key,
                                pqcha_backend *backend, const char *workload_id);
/* 1..PQCHA_MAX_TTL_SECONDS; default PQCHA_DEFAULT_TTL_SECONDS.
 * Returns: OK, INVALID_ARGUMENT (a NULL), OUT_OF_RANGE. */
PQCHA_MUST_CHECK
pqcha_err pqcha_attester_set_ttl(pqcha_attester *a, int64_t ttl_seconds);
/* The next report's sequence number (default 0); it increments after each report.
 * Returns: OK, INVALID_ARGUMENT (a NULL), OUT_OF_RANGE (above 2^53-1). */
PQCHA_MUST_CHECK
pqcha_err pqcha_attester_set_sequence(pqcha_attester *a, uint64_t next_sequence);
/* Records an expected digest for a region in the report. Informational only:
 * no verifier trusts it.
 * Returns: OK, INVALID_ARGUMENT, BAD_IDENTIFIER, BAD_HEX (not 64 lowercase hex
 * digits), TOO_LARGE (more than PQCHA_MAX_REGIONS regions), NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_attester_set_expected(pqcha_attester *a, const char *region_id,
                                      const char *digest_hex);
/* The digest algorithm for every region: PQCHA_DIGEST_SHA3_256_TREE by default.
 * Returns: OK, INVALID_ARGUMENT, UNSUPPORTED_ALGORITHM (unknown, or
 * sha3-256-segments: the attester chooses that one for regions with tensors). */
PQCHA_MUST_CHECK
pqcha_err pqcha_attester_set_digest(pqcha_attester *a, pqcha_digest_alg alg);
/* Threads for hashing large regions: 1 by default, 0 = all online CPUs.
 * Returns: OK, INVALID_ARGUMENT (a NULL). */
PQCHA_MUST_CHECK
pqcha_err pqcha_attester_set_threads(pqcha_attester *a, unsigned threads);
/* Progress of the regions measured one at a time (every region the
 * attester does not hash side by side with others: those of at least
 * 1 MiB, and all of them with one thread), for a progress display: fn(ctx,
 * region, bytes_done, finished) is called on the thread that runs
 * pqcha_attester_attest, never concurrently — first with 0 bytes, then as
 * the region is hashed, last with finished 1 (also when it failed). fn NULL
 * removes it. Unlike a backend wrapped to count the bytes it streams, this
 * leaves the backend's own way of reading (its hashing threads reading in
 * parallel) untouched. Returns: OK, INVALID_ARGUMENT (a NULL). */
typedef void (*pqcha_region_progress_fn)(void *ctx, const pqcha_region *region, uint64_t bytes_done,
                                         int finished);
PQCHA_MUST_CHECK
pqcha_err pqcha_attester_set_progress(pqcha_attester *a, pqcha_region_progress_fn fn, void *ctx);
/* Fixes "now" (Unix seconds) for reproducible reports; negative restores the clock.
 * Returns: OK, INVALID_ARGUMENT (a NULL). */
PQCHA_MUST_CHECK
pqcha_err pqcha_attester_set_time(pqcha_attester *a, int64_t unix_seconds);
/* Hardware evidence in every report (docs/FORMAT.md 4.7): before signing,
 * the attester computes REPORT_DATA for the binding — "key" (this key's id
 * and the report's nonce: the evidence got for one challenge serves every
 * report with that nonce) or "report" (the statement itself: new evidence
 * for each report) — asks source for evidence carrying it, checks that the
 * answer parses and carries that REPORT_DATA, and signs it into the
 * payload. source is borrowed and must outlive a; NULL (binding ignored)
 * turns evidence off. A report whose evidence cannot be got is not made:
 * pqcha_attester_attest fails with the source's error — before measuring
 * anything when no interface is there (pqcha_evidence_source_probe).
 * Returns: OK, INVALID_ARGUMENT (a NULL, binding NULL or neither name). */
PQCHA_MUST_CHECK
pqcha_err pqcha_attester_set_evidence(pqcha_attester *a, pqcha_evidence_source *source,
                                      const char *binding);

/* The size in bytes the next report's payload will have (with the longest
 * nonce), known before anything is hashed: the regions' shapes decide it.
 * pqcha_attester_attest refuses a report above PQCHA_MAX_PAYLOAD_LEN with
 * PQCHA_ERR_TOO_LARGE before hashing; this tells by how much.
 * Returns: OK, INVALID_ARGUMENT, EMPTY_REPORT, RNG, NO_MEMORY, or the error of
 * listing the workload's regions (pqcha_backend_list_regions). */
PQCHA_MUST_CHECK
pqcha_err pqcha_attester_report_size(pqcha_attester *a, size_t *payload_bytes);
/* Measures and signs. nonce_hex: the verifier's challenge (lowercase hex,
 * PQCHA_MIN_NONCE_BYTES..PQCHA_MAX_NONCE_BYTES bytes), or NULL for a random
 * 16-byte one. On success *envelope is a NUL-terminated DSSE JSON document
 * (free with pqcha_free). A workload with no regions is PQCHA_ERR_EMPTY_REPORT.
 * envelope_len may be NULL. Only a report produced advances the sequence.
 * Returns: OK, INVALID_ARGUMENT, NOT_PRIVATE_KEY, BAD_HEX (nonce_hex),
 * OUT_OF_RANGE (sequence or time beyond the format's range), RNG,
 * EMPTY_REPORT, TOO_LARGE (payload above PQCHA_MAX_PAYLOAD_LEN), NO_MEMORY,
 * CRYPTO, or the backend's error listing or reading a region
 * (pqcha_backend_list_regions, pqcha_backend_read: e.g. REGION_CHANGED,
 * NO_SUCH_REGION, BACKEND_IO, PERMISSION, NO_SUCH_PROCESS); with an
 * evidence source, its error (DEVICE_NOT_PRESENT, DEVICE_BUSY,
 * EVIDENCE_CHANGED, PERMISSION, IO...), BAD_EVIDENCE (what it returned is no
 * evidence of its platform) or EVIDENCE_BINDING (it does not carry the
 * REPORT_DATA asked for). */
PQCHA_MUST_CHECK
pqcha_err pqcha_attester_attest(pqcha_attester *a, const char *nonce_hex, char **envelope,
                                size_t *envelope_len);
void pqcha_attester_free(pqcha_attester *a);

/* ---- continuous attestation ----
 * Produces one report every interval on a monotonic schedule (rounds start at
 * t0, t0+interval, ... and a slow round does not shift later ones), until a
 * count or duration is reached or pqcha_continuous_stop() is called. A failing
 * round calls on_error and the run goes on; reports already produced are kept.
 * The callbacks run on the run's thread. While a run is active the attester
 * is its own: use neither it nor the setters below from another thread (they
 * refuse while running, but a check cannot order itself against a start on
 * another thread). Thread-safe at any time: pqcha_continuous_stop and the
 * counts, pqcha_continuous_set_retention. */
typedef struct pqcha_continuous pqcha_continuous;

typedef void (*pqcha_report_cb)(void *ctx, uint64_t round, const char *envelope, size_t len);
typedef void (*pqcha_error_cb)(void *ctx, uint64_t round, pqcha_err err);
/* Clock hooks for deterministic tests: now_ns returns monotonic nanoseconds;
 * sleep_until_ns sleeps until that monotonic time or until woken by stop. */
typedef int64_t (*pqcha_clock_now_fn)(void *ctx);
typedef void (*pqcha_clock_sleep_until_fn)(void *ctx, int64_t deadline_ns);

/* Holds the attester by reference: it must outlive c.
 * Returns: OK, INVALID_ARGUMENT, OUT_OF_RANGE (interval_ms outside 1 ms..7 days),
 * NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_continuous_create(pqcha_continuous **out, pqcha_attester *attester,
                                  int64_t interval_ms);
/* Either callback may be NULL (not called).
 * Returns: OK, INVALID_ARGUMENT (c NULL, or while running). */
PQCHA_MUST_CHECK
pqcha_err pqcha_continuous_set_callbacks(pqcha_continuous *c, pqcha_report_cb on_report,
                                         pqcha_error_cb on_error, void *ctx);
/* Both hooks, or neither: NULL, NULL restores the monotonic clock.
 * Returns: OK, INVALID_ARGUMENT (c NULL, while running, one hook NULL). */
PQCHA_MUST_CHECK
pqcha_err pqcha_continuous_set_clock(pqcha_continuous *c, pqcha_clock_now_fn now,
                                     pqcha_clock_sleep_until_fn sleep_until, void *ctx);
/* Runs in the caller's thread. max_rounds 0 = unlimited; duration_ms 0 = unlimited
 * (a round starts only while elapsed < duration_ms). Returns PQCHA_OK when a limit
 * is reached, PQCHA_ERR_CANCELLED when stopped. A round's error is never
 * returned: it goes to on_error.
 * Returns: OK, CANCELLED, INVALID_ARGUMENT (c NULL, duration_ms negative, a
 * run already active), OUT_OF_RANGE (duration_ms too large). */
PQCHA_MUST_CHECK
pqcha_err pqcha_continuous_run(pqcha_continuous *c, uint64_t max_rounds, int64_t duration_ms);
/* Same in a background thread; pqcha_continuous_join waits and returns its result.
 * Returns: OK (started), INVALID_ARGUMENT (as for run, or a background run
 * not yet joined), OUT_OF_RANGE, NO_MEMORY (no thread), INTERNAL. */
PQCHA_MUST_CHECK
pqcha_err pqcha_continuous_start(pqcha_continuous *c, uint64_t max_rounds, int64_t duration_ms);
/* Returns: the run's result (OK or CANCELLED), INVALID_ARGUMENT (no background
 * run to join), INTERNAL. */
PQCHA_MUST_CHECK
pqcha_err pqcha_continuous_join(pqcha_continuous *c);
/* Thread-safe and async-signal-safe: asks the run to end after the current round. */
void pqcha_continuous_stop(pqcha_continuous *c);
/* Reports kept so far (successful rounds), oldest first; owned by c. A report
 * lives until retention drops it (a later round, or set_retention) or c is
 * freed: read them while no run is active, or take each from on_report. */
size_t pqcha_continuous_report_count(const pqcha_continuous *c);
const char *pqcha_continuous_report(const pqcha_continuous *c, size_t i);
size_t pqcha_continuous_error_count(const pqcha_continuous *c);
/* The nonce every report carries (lowercase hex, as for the attester), e.g.
 * a verifier's challenge for the whole session; NULL (the default) gives
 * each report a fresh random one. Not while running (INVALID_ARGUMENT).
 * Returns: OK, INVALID_ARGUMENT, BAD_HEX, NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_continuous_set_nonce(pqcha_continuous *c, const char *nonce_hex);
/* Keeps at most this many reports (oldest dropped first); default 1024, 0 = keep none.
 * Allowed while running. Returns: OK, INVALID_ARGUMENT (c NULL). */
PQCHA_MUST_CHECK
pqcha_err pqcha_continuous_set_retention(pqcha_continuous *c, size_t max_reports);
/* Stops and joins a background run first; never while pqcha_continuous_run
 * is active on another thread. */
void pqcha_continuous_free(pqcha_continuous *c);

#ifdef __cplusplus
}
#endif
#endif
