/* continuous.c — the continuous attester: one signed report per interval.
 *
 * What it fixes relative to the original's run_for():
 *  - a monotonic schedule: round slots are t0, t0+interval, t0+2*interval ...
 *    on CLOCK_MONOTONIC, so neither the time a round takes nor a wall-clock
 *    step shifts later rounds. A round that overruns one or more slots makes
 *    the run skip them (the next round starts at the next slot still ahead)
 *    instead of firing a burst of catch-up rounds;
 *  - no sleep after the last round;
 *  - a failing round is reported to on_error and the run goes on: reports
 *    already produced are kept, not lost;
 *  - it can run in a background thread and be stopped, also from a signal
 *    handler: pqcha_continuous_stop only stores to a lock-free atomic flag,
 *    and the default sleep wakes in short slices to look at it.
 *
 * Round numbers passed to the callbacks count attempted rounds from 0, and
 * max_rounds counts attempted rounds (failed ones included).
 *
 * A stop that arrives while no run is active is kept and cancels the next
 * run before its first round; a run that ends cancelled consumes it. This
 * way a SIGINT that lands between installing a handler and starting the
 * run is not lost. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/grow.h"
#include "core/encoding.h"
#include "core/internal.h"

_Static_assert(ATOMIC_INT_LOCK_FREE == 2,
               "stop() must be async-signal-safe: needs lock-free atomics");

#define NS_PER_MS         INT64_C(1000000)
#define NS_PER_S          INT64_C(1000000000)
#define DEFAULT_RETENTION 1024u
/* Longest the default sleep goes without looking at the stop flag. */
#define STOP_POLL_NS (50 * NS_PER_MS)
/* Intervals beyond a week are configuration mistakes, and the bound keeps
 * every nanosecond computation far from overflow. */
#define MAX_INTERVAL_MS (INT64_C(7) * 24 * 3600 * 1000)
#define MAX_DURATION_MS (INT64_MAX / NS_PER_MS)

/* The reports kept, oldest first: items[start .. start+count). */
typedef struct report_store {
    char **items;
    size_t start;
    size_t count;
    size_t cap;
    size_t retention;
} report_store;

struct pqcha_continuous {
    pqcha_attester *attester; /* borrowed */
    int64_t interval_ns;

    pqcha_report_cb on_report;
    pqcha_error_cb on_error;
    void *cb_ctx;

    pqcha_clock_now_fn now;
    pqcha_clock_sleep_until_fn sleep_until;
    void *clock_ctx;

    atomic_int stop_requested;
    atomic_int running; /* a run (foreground or background) is in progress */
    char *nonce_hex;    /* every report's nonce, or NULL for a fresh random one each */

    /* Separately allocated so the const accessors can lock it. */
    pthread_mutex_t *lock; /* guards store and error_count */
    report_store store;
    size_t error_count;

    /* background run */
    pthread_t thread;
    int thread_started;
    uint64_t bg_max_rounds;
    int64_t bg_duration_ms;
    pqcha_err bg_result;
};

/* ---- default clock: CLOCK_MONOTONIC ---- */

static int64_t monotonic_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static int64_t default_now(void *ctx) {
    (void)ctx;
    return monotonic_now_ns();
}

static int stop_is_requested(const pqcha_continuous *c) {
    return atomic_load(&c->stop_requested) != 0;
}

/* Sleeps in slices of at most STOP_POLL_NS so a stop (which, being
 * async-signal-safe, can only set a flag) is noticed promptly. An
 * interrupting signal just ends the current slice early. */
static void default_sleep_until(void *ctx, int64_t deadline_ns) {
    const pqcha_continuous *c = ctx;
    while (!stop_is_requested(c)) {
        int64_t now = monotonic_now_ns();
        if (now >= deadline_ns) return;
        int64_t wake = deadline_ns - now > STOP_POLL_NS ? now + STOP_POLL_NS : deadline_ns;
        struct timespec ts = {(time_t)(wake / NS_PER_S), (long)(wake % NS_PER_S)};
        (void)clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
    }
}

/* ---- the report store ---- */

static void store_drop_oldest(report_store *s) {
    free(s->items[s->start]);
    s->items[s->start] = NULL;
    s->start++;
    s->count--;
    if (s->count == 0) s->start = 0;
}

static void store_trim(report_store *s) {
    while (s->count > s->retention)
        store_drop_oldest(s);
}

/* Makes room for one more item at the end. */
static pqcha_err store_reserve(report_store *s) {
    if (s->start + s->count < s->cap) return PQCHA_OK;
    if (s->start > 0 && s->start >= s->count) {
        /* Mostly dropped slots at the front: slide down instead of growing
         * (amortised O(1), the copy is no bigger than the slots freed). */
        memmove(s->items, s->items + s->start, s->count * sizeof *s->items);
        s->start = 0;
        return PQCHA_OK;
    }
    return pqcha__grow(&s->items, &s->cap, s->count + 1, sizeof *s->items,
                       SIZE_MAX / sizeof *s->items);
}

/* Takes ownership of envelope whatever happens. */
static pqcha_err store_push(report_store *s, char *envelope) {
    if (s->retention == 0) {
        free(envelope);
        return PQCHA_OK;
    }
    if (s->count == s->retention) store_drop_oldest(s);
    pqcha_err err = store_reserve(s);
    if (err != PQCHA_OK) {
        free(envelope);
        return err;
    }
    s->items[s->start + s->count++] = envelope;
    return PQCHA_OK;
}

static void store_clear(report_store *s) {
    for (size_t i = 0; i < s->count; i++)
        free(s->items[s->start + i]);
    free(s->items);
    memset(s, 0, sizeof *s);
}

/* ---- lifecycle and settings ---- */

pqcha_err pqcha_continuous_create(pqcha_continuous **out, pqcha_attester *attester,
                                  int64_t interval_ms) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (attester == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    if (interval_ms < 1 || interval_ms > MAX_INTERVAL_MS) return PQCHA_ERR_OUT_OF_RANGE;
    pqcha_continuous *c = calloc(1, sizeof *c);
    if (c == NULL) return PQCHA_ERR_NO_MEMORY;
    c->lock = malloc(sizeof *c->lock);
    if (c->lock == NULL || pthread_mutex_init(c->lock, NULL) != 0) {
        free(c->lock);
        free(c);
        return PQCHA_ERR_NO_MEMORY;
    }
    c->attester = attester;
    c->interval_ns = interval_ms * NS_PER_MS;
    c->now = default_now;
    c->sleep_until = default_sleep_until;
    c->clock_ctx = c;
    c->store.retention = DEFAULT_RETENTION;
    atomic_init(&c->stop_requested, 0);
    atomic_init(&c->running, 0);
    *out = c;
    return PQCHA_OK;
}

pqcha_err pqcha_continuous_set_callbacks(pqcha_continuous *c, pqcha_report_cb on_report,
                                         pqcha_error_cb on_error, void *ctx) {
    if (c == NULL || atomic_load(&c->running)) return PQCHA_ERR_INVALID_ARGUMENT;
    c->on_report = on_report;
    c->on_error = on_error;
    c->cb_ctx = ctx;
    return PQCHA_OK;
}

/* Both hooks, or neither (NULL, NULL restores the monotonic clock). */
pqcha_err pqcha_continuous_set_clock(pqcha_continuous *c, pqcha_clock_now_fn now,
                                     pqcha_clock_sleep_until_fn sleep_until, void *ctx) {
    if (c == NULL || atomic_load(&c->running) || (now == NULL) != (sleep_until == NULL))
        return PQCHA_ERR_INVALID_ARGUMENT;
    if (now == NULL) {
        c->now = default_now;
        c->sleep_until = default_sleep_until;
        c->clock_ctx = c;
    } else {
        c->now = now;
        c->sleep_until = sleep_until;
        c->clock_ctx = ctx;
    }
    return PQCHA_OK;
}

pqcha_err pqcha_continuous_set_nonce(pqcha_continuous *c, const char *nonce_hex) {
    if (c == NULL || atomic_load(&c->running)) return PQCHA_ERR_INVALID_ARGUMENT;
    char *copy = NULL;
    if (nonce_hex != NULL) {
        PQCHA_TRY(pqcha__hex_check(nonce_hex, PQCHA_MIN_NONCE_BYTES, PQCHA_MAX_NONCE_BYTES));
        if ((copy = pqcha__strdup(nonce_hex)) == NULL) return PQCHA_ERR_NO_MEMORY;
    }
    free(c->nonce_hex);
    c->nonce_hex = copy;
    return PQCHA_OK;
}

pqcha_err pqcha_continuous_set_retention(pqcha_continuous *c, size_t max_reports) {
    if (c == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    pthread_mutex_lock(c->lock);
    c->store.retention = max_reports;
    store_trim(&c->store);
    pthread_mutex_unlock(c->lock);
    return PQCHA_OK;
}

size_t pqcha_continuous_report_count(const pqcha_continuous *c) {
    if (c == NULL) return 0;
    pthread_mutex_lock(c->lock);
    size_t n = c->store.count;
    pthread_mutex_unlock(c->lock);
    return n;
}

const char *pqcha_continuous_report(const pqcha_continuous *c, size_t i) {
    if (c == NULL) return NULL;
    pthread_mutex_lock(c->lock);
    const char *r = i < c->store.count ? c->store.items[c->store.start + i] : NULL;
    pthread_mutex_unlock(c->lock);
    return r;
}

size_t pqcha_continuous_error_count(const pqcha_continuous *c) {
    if (c == NULL) return 0;
    pthread_mutex_lock(c->lock);
    size_t n = c->error_count;
    pthread_mutex_unlock(c->lock);
    return n;
}

void pqcha_continuous_stop(pqcha_continuous *c) {
    /* Async-signal-safe: a lock-free atomic store and nothing else. */
    if (c != NULL) atomic_store(&c->stop_requested, 1);
}

/* Waits for the background run to end and returns its result. */
static pqcha_err join_background(pqcha_continuous *c) {
    if (pthread_join(c->thread, NULL) != 0) return PQCHA_ERR_INTERNAL;
    c->thread_started = 0;
    atomic_store(&c->running, 0);
    return c->bg_result;
}

void pqcha_continuous_free(pqcha_continuous *c) {
    if (c == NULL) return;
    if (c->thread_started) {
        pqcha_continuous_stop(c);
        /* The run is abandoned with its handle: its result has no reader. */
        (void)join_background(c);
    }
    store_clear(&c->store);
    pthread_mutex_destroy(c->lock);
    free(c->lock);
    free(c->nonce_hex);
    free(c);
}

/* ---- the run loop ---- */

/* One round: attest, hand the report to on_report, keep it. Errors go to on_error. */
static void run_round(pqcha_continuous *c, uint64_t round) {
    char *envelope = NULL;
    size_t len = 0;
    pqcha_err err = pqcha_attester_attest(c->attester, c->nonce_hex, &envelope, &len);
    if (err == PQCHA_OK) {
        if (c->on_report != NULL) c->on_report(c->cb_ctx, round, envelope, len);
        pthread_mutex_lock(c->lock);
        err = store_push(&c->store, envelope); /* owns envelope now */
        pthread_mutex_unlock(c->lock);
    }
    if (err != PQCHA_OK) {
        pthread_mutex_lock(c->lock);
        c->error_count++;
        pthread_mutex_unlock(c->lock);
        if (c->on_error != NULL) c->on_error(c->cb_ctx, round, err);
    }
}

/* The first slot index after `slot` whose start time is not in the past:
 * overrun slots are skipped, never made up for. */
static int64_t next_slot(int64_t slot, int64_t t0, int64_t now, int64_t interval_ns) {
    int64_t next = slot + 1;
    if (now > t0) {
        int64_t elapsed = now - t0;
        int64_t due = elapsed / interval_ns + (elapsed % interval_ns != 0);
        if (due > next) next = due;
    }
    return next;
}

/* Ends a cancelled run: the stop request is consumed by it. */
static pqcha_err run_cancelled(pqcha_continuous *c) {
    atomic_store(&c->stop_requested, 0);
    return PQCHA_ERR_CANCELLED;
}

static pqcha_err run_loop(pqcha_continuous *c, uint64_t max_rounds, int64_t duration_ms) {
    const int64_t interval = c->interval_ns;
    const int64_t duration = duration_ms * NS_PER_MS; /* 0: unlimited */
    const int64_t t0 = c->now(c->clock_ctx);
    int64_t slot = 0;
    for (uint64_t round = 0;; round++) {
        if (stop_is_requested(c)) return run_cancelled(c);
        if (max_rounds != 0 && round >= max_rounds) return PQCHA_OK;
        /* The slot's offset from t0; a run long enough to overflow it
         * (centuries) simply ends. */
        if (slot > INT64_MAX / interval) return PQCHA_OK;
        int64_t offset = slot * interval;
        if (duration != 0 && offset >= duration) return PQCHA_OK;
        if (offset > INT64_MAX - t0) return PQCHA_OK;
        int64_t start = t0 + offset;
        /* A hook may return early (a signal, a spurious wake-up): sleep again. */
        while (!stop_is_requested(c) && c->now(c->clock_ctx) < start)
            c->sleep_until(c->clock_ctx, start);
        if (stop_is_requested(c)) return run_cancelled(c);
        run_round(c, round);
        slot = next_slot(slot, t0, c->now(c->clock_ctx), interval);
    }
}

static pqcha_err check_limits(int64_t duration_ms) {
    if (duration_ms < 0) return PQCHA_ERR_INVALID_ARGUMENT;
    if (duration_ms > MAX_DURATION_MS) return PQCHA_ERR_OUT_OF_RANGE;
    return PQCHA_OK;
}

/* Claims the continuous for one run; a second concurrent run is refused. */
static pqcha_err claim_run(pqcha_continuous *c) {
    int expected = 0;
    if (!atomic_compare_exchange_strong(&c->running, &expected, 1))
        return PQCHA_ERR_INVALID_ARGUMENT;
    return PQCHA_OK;
}

pqcha_err pqcha_continuous_run(pqcha_continuous *c, uint64_t max_rounds, int64_t duration_ms) {
    if (c == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    PQCHA_TRY(check_limits(duration_ms));
    PQCHA_TRY(claim_run(c));
    pqcha_err err = run_loop(c, max_rounds, duration_ms);
    atomic_store(&c->running, 0);
    return err;
}

static void *background_main(void *arg) {
    pqcha_continuous *c = arg;
    c->bg_result = run_loop(c, c->bg_max_rounds, c->bg_duration_ms);
    return NULL;
}

pqcha_err pqcha_continuous_start(pqcha_continuous *c, uint64_t max_rounds, int64_t duration_ms) {
    if (c == NULL || c->thread_started) return PQCHA_ERR_INVALID_ARGUMENT;
    PQCHA_TRY(check_limits(duration_ms));
    PQCHA_TRY(claim_run(c));
    c->bg_max_rounds = max_rounds;
    c->bg_duration_ms = duration_ms;
    c->bg_result = PQCHA_ERR_INTERNAL;
    int rc = pthread_create(&c->thread, NULL, background_main, c);
    if (rc != 0) {
        atomic_store(&c->running, 0);
        return rc == EAGAIN ? PQCHA_ERR_NO_MEMORY : PQCHA_ERR_INTERNAL;
    }
    c->thread_started = 1;
    return PQCHA_OK;
}

pqcha_err pqcha_continuous_join(pqcha_continuous *c) {
    if (c == NULL || !c->thread_started) return PQCHA_ERR_INVALID_ARGUMENT;
    return join_background(c);
}
