/* pqcha/attest.h — the attester (one signed report) and the continuous attester. */
#ifndef PQCHA_ATTEST_H
#define PQCHA_ATTEST_H

#include <stddef.h>
#include <stdint.h>

#include "pqcha/backend.h"
#include "pqcha/crypto.h"
#include "pqcha/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PQCHA_DEFAULT_TTL_SECONDS 300
#define PQCHA_MAX_TTL_SECONDS (7 * 24 * 3600)

/* Measures every region a backend lists for one workload and signs the result.
 * Holds references (not copies) to the key and the backend: both must outlive it. */
typedef struct pqcha_attester pqcha_attester;

pqcha_err pqcha_attester_create(pqcha_attester **out, const pqcha_key *signing_key,
                                pqcha_backend *backend, const char *workload_id);
/* 1..PQCHA_MAX_TTL_SECONDS; default PQCHA_DEFAULT_TTL_SECONDS. */
pqcha_err pqcha_attester_set_ttl(pqcha_attester *a, int64_t ttl_seconds);
/* The next report's sequence number (default 0); it increments after each report. */
pqcha_err pqcha_attester_set_sequence(pqcha_attester *a, uint64_t next_sequence);
/* Records an expected digest for a region in the report. Informational only:
 * no verifier trusts it. */
pqcha_err pqcha_attester_set_expected(pqcha_attester *a, const char *region_id, const char *digest_hex);
/* The digest algorithm for every region: PQCHA_DIGEST_SHA3_256_TREE by default. */
pqcha_err pqcha_attester_set_digest(pqcha_attester *a, pqcha_digest_alg alg);
/* Threads for hashing large regions: 1 by default, 0 = all online CPUs. */
pqcha_err pqcha_attester_set_threads(pqcha_attester *a, unsigned threads);
/* Fixes "now" (Unix seconds) for reproducible reports; negative restores the clock. */
pqcha_err pqcha_attester_set_time(pqcha_attester *a, int64_t unix_seconds);

/* The size in bytes the next report's payload will have (with the longest
 * nonce), known before anything is hashed: the regions' shapes decide it.
 * pqcha_attester_attest refuses a report above PQCHA_MAX_PAYLOAD_LEN with
 * PQCHA_ERR_TOO_LARGE before hashing; this tells by how much. */
pqcha_err pqcha_attester_report_size(pqcha_attester *a, size_t *payload_bytes);
/* Measures and signs. nonce_hex: the verifier's challenge (lowercase hex,
 * PQCHA_MIN_NONCE_BYTES..PQCHA_MAX_NONCE_BYTES bytes), or NULL for a random
 * 16-byte one. On success *envelope is a NUL-terminated DSSE JSON document
 * (free with pqcha_free). A workload with no regions is PQCHA_ERR_EMPTY_REPORT. */
pqcha_err pqcha_attester_attest(pqcha_attester *a, const char *nonce_hex, char **envelope,
                                size_t *envelope_len);
void pqcha_attester_free(pqcha_attester *a);

/* ---- continuous attestation ----
 * Produces one report every interval on a monotonic schedule (rounds start at
 * t0, t0+interval, ... and a slow round does not shift later ones), until a
 * count or duration is reached or pqcha_continuous_stop() is called. A failing
 * round calls on_error and the run goes on; reports already produced are kept. */
typedef struct pqcha_continuous pqcha_continuous;

typedef void (*pqcha_report_cb)(void *ctx, uint64_t round, const char *envelope, size_t len);
typedef void (*pqcha_error_cb)(void *ctx, uint64_t round, pqcha_err err);
/* Clock hooks for deterministic tests: now_ns returns monotonic nanoseconds;
 * sleep_until_ns sleeps until that monotonic time or until woken by stop. */
typedef int64_t (*pqcha_clock_now_fn)(void *ctx);
typedef void (*pqcha_clock_sleep_until_fn)(void *ctx, int64_t deadline_ns);

pqcha_err pqcha_continuous_create(pqcha_continuous **out, pqcha_attester *attester,
                                  int64_t interval_ms);
pqcha_err pqcha_continuous_set_callbacks(pqcha_continuous *c, pqcha_report_cb on_report,
                                         pqcha_error_cb on_error, void *ctx);
pqcha_err pqcha_continuous_set_clock(pqcha_continuous *c, pqcha_clock_now_fn now,
                                     pqcha_clock_sleep_until_fn sleep_until, void *ctx);
/* Runs in the caller's thread. max_rounds 0 = unlimited; duration_ms 0 = unlimited
 * (a round starts only while elapsed < duration_ms). Returns PQCHA_OK when a limit
 * is reached, PQCHA_ERR_CANCELLED when stopped. */
pqcha_err pqcha_continuous_run(pqcha_continuous *c, uint64_t max_rounds, int64_t duration_ms);
/* Same in a background thread; pqcha_continuous_join waits and returns its result. */
pqcha_err pqcha_continuous_start(pqcha_continuous *c, uint64_t max_rounds, int64_t duration_ms);
pqcha_err pqcha_continuous_join(pqcha_continuous *c);
/* Thread-safe and async-signal-safe: asks the run to end after the current round. */
void pqcha_continuous_stop(pqcha_continuous *c);
/* Reports kept so far (successful rounds), oldest first; owned by c. */
size_t pqcha_continuous_report_count(const pqcha_continuous *c);
const char *pqcha_continuous_report(const pqcha_continuous *c, size_t i);
size_t pqcha_continuous_error_count(const pqcha_continuous *c);
/* The nonce every report carries (lowercase hex, as for the attester), e.g.
 * a verifier's challenge for the whole session; NULL (the default) gives
 * each report a fresh random one. Not while running (INVALID_ARGUMENT). */
pqcha_err pqcha_continuous_set_nonce(pqcha_continuous *c, const char *nonce_hex);
/* Keeps at most this many reports (oldest dropped first); default 1024, 0 = keep none. */
pqcha_err pqcha_continuous_set_retention(pqcha_continuous *c, size_t max_reports);
void pqcha_continuous_free(pqcha_continuous *c);

#ifdef __cplusplus
}
#endif
#endif
