/* test_continuous.c — the continuous attester, driven by a fake clock so the
 * schedule is checked exactly and no test depends on real time. The fake
 * clock only moves when the runner sleeps or when the test backend says a
 * measurement "took" some time. */
#include <stdint.h>
#include <string.h>

#include "io/backend_internal.h"
#include "testutil.h"

#define MS              INT64_C(1000000)
#define MAX_ROUNDS_SEEN 64

/* ---- a fake monotonic clock ---- */
typedef struct fake_clock {
    int64_t now;
    int sleeps;
} fake_clock;

static int64_t fake_now(void *ctx) {
    return ((fake_clock *)ctx)->now;
}

static void fake_sleep_until(void *ctx, int64_t deadline) {
    fake_clock *fc = ctx;
    fc->sleeps++;
    if (deadline > fc->now) fc->now = deadline;
}

/* ---- a backend with one region whose measurement takes fake time ---- */
typedef struct timed_backend {
    fake_clock *clock;
    int64_t cost_ns;   /* how long each measurement takes */
    int fail_on_round; /* 0-based round whose read fails, -1 for none */
    pqcha_err fail_with;
    int rounds; /* list_regions calls = rounds started */
    int64_t started_at[MAX_ROUNDS_SEEN];
} timed_backend;

static pqcha_err timed_list(void *self, const char *workload, pqcha_region ***regions,
                            size_t *count) {
    (void)workload;
    timed_backend *t = self;
    if (t->rounds < MAX_ROUNDS_SEEN) t->started_at[t->rounds] = t->clock->now;
    t->rounds++;
    pqcha_region *r = NULL;
    pqcha_err err = pqcha_region_create(&r, "weights", "", 0x1000, 16, PQCHA_PROT_RO);
    if (err != PQCHA_OK) return err;
    err = pqcha__region_list_append(regions, count, r);
    if (err != PQCHA_OK) pqcha_region_free(r);
    return err;
}

static pqcha_err timed_read(void *self, const char *workload, const pqcha_region *region,
                            pqcha_chunk_sink sink, void *sink_ctx) {
    (void)workload;
    (void)region;
    timed_backend *t = self;
    t->clock->now += t->cost_ns;
    if (t->rounds - 1 == t->fail_on_round) return t->fail_with;
    uint8_t bytes[16];
    memset(bytes, t->rounds, sizeof bytes);
    return sink(sink_ctx, bytes, sizeof bytes);
}

static const pqcha_backend_ops timed_ops = {
    .name = "timed",
    .platform = "test-timed",
    .list_regions = timed_list,
    .read_region = timed_read,
    .destroy = NULL,
};

/* ---- what the callbacks saw ---- */
typedef struct observed {
    int reports;
    int errors;
    uint64_t report_rounds[MAX_ROUNDS_SEEN];
    uint64_t error_rounds[MAX_ROUNDS_SEEN];
    pqcha_err error_codes[MAX_ROUNDS_SEEN];
    int stop_after_reports; /* stop from on_report once this many arrived (0: never) */
    pqcha_continuous *c;
} observed;

static void on_report(void *ctx, uint64_t round, const char *envelope, size_t len) {
    observed *o = ctx;
    CHECK(envelope != NULL && strlen(envelope) == len);
    if (o->reports < MAX_ROUNDS_SEEN) o->report_rounds[o->reports] = round;
    o->reports++;
    if (o->stop_after_reports != 0 && o->reports == o->stop_after_reports)
        pqcha_continuous_stop(o->c);
}

static void on_error(void *ctx, uint64_t round, pqcha_err err) {
    observed *o = ctx;
    if (o->errors < MAX_ROUNDS_SEEN) {
        o->error_rounds[o->errors] = round;
        o->error_codes[o->errors] = err;
    }
    o->errors++;
}

/* ---- fixture ---- */
typedef struct fixture {
    fake_clock clock;
    timed_backend timed;
    observed seen;
    pqcha_key *key;
    pqcha_backend *backend;
    pqcha_attester *attester;
    pqcha_continuous *c;
} fixture;

static pqcha_key *shared_key(void) {
    static pqcha_key *key;
    if (key == NULL) CHECK_OK(pqcha_key_generate(&key, PQCHA_ML_DSA_44)); /* the fastest signer */
    return key;
}

static int fixture_init(fixture *f, int64_t interval_ms, int64_t cost_ms) {
    memset(f, 0, sizeof *f);
    f->clock.now = 1000 * MS * 1000; /* not zero: t0 is whatever the clock says */
    f->timed.clock = &f->clock;
    f->timed.cost_ns = cost_ms * MS;
    f->timed.fail_on_round = -1;
    f->key = shared_key();
    CHECK_OK(pqcha_backend_create_custom(&f->backend, &timed_ops, &f->timed));
    if (f->key == NULL || f->backend == NULL) return 0;
    CHECK_OK(pqcha_attester_create(&f->attester, f->key, f->backend, "w"));
    if (f->attester == NULL) return 0;
    CHECK_OK(pqcha_continuous_create(&f->c, f->attester, interval_ms));
    if (f->c == NULL) return 0;
    f->seen.c = f->c;
    CHECK_OK(pqcha_continuous_set_clock(f->c, fake_now, fake_sleep_until, &f->clock));
    CHECK_OK(pqcha_continuous_set_callbacks(f->c, on_report, on_error, &f->seen));
    return 1;
}

static void fixture_clear(fixture *f) {
    pqcha_continuous_free(f->c);
    pqcha_attester_free(f->attester);
    pqcha_backend_free(f->backend);
}

static uint64_t kept_sequence(const pqcha_continuous *c, size_t i) {
    const char *env = pqcha_continuous_report(c, i);
    pqcha_report *rep = NULL;
    CHECK(env != NULL);
    if (env == NULL) return UINT64_MAX;
    CHECK_OK(pqcha_report_decode_unverified(&rep, env, strlen(env)));
    uint64_t seq = rep ? pqcha_report_sequence(rep) : UINT64_MAX;
    pqcha_report_free(rep);
    return seq;
}

/* ---- tests ---- */

static void test_count_gives_n_reports(void) {
    fixture f;
    REQUIRE(fixture_init(&f, 1000, 0));
    int64_t t0 = f.clock.now;
    CHECK_OK(pqcha_continuous_run(f.c, 4, 0));
    CHECK(pqcha_continuous_report_count(f.c) == 4);
    CHECK(pqcha_continuous_error_count(f.c) == 0);
    CHECK(f.seen.reports == 4 && f.seen.errors == 0);
    for (size_t i = 0; i < 4; i++) {
        CHECK(f.seen.report_rounds[i] == i);
        CHECK(kept_sequence(f.c, i) == i);
        CHECK(f.timed.started_at[i] == t0 + (int64_t)i * 1000 * MS);
    }
    /* No sleep after the last round (the original slept once more). */
    CHECK(f.clock.now == t0 + 3000 * MS);
    CHECK(f.clock.sleeps == 3);
    CHECK(pqcha_continuous_report(f.c, 4) == NULL);
    fixture_clear(&f);
}

/* Rounds that take 300 ms do not push later rounds back. */
static void test_duration_schedule_does_not_drift(void) {
    fixture f;
    REQUIRE(fixture_init(&f, 1000, 300));
    int64_t t0 = f.clock.now;
    CHECK_OK(pqcha_continuous_run(f.c, 0, 5000));
    CHECK(pqcha_continuous_report_count(f.c) == 5);
    CHECK(f.timed.rounds == 5);
    for (int i = 0; i < 5; i++)
        CHECK(f.timed.started_at[i] == t0 + i * 1000 * MS);
    CHECK(f.clock.now == t0 + 4300 * MS); /* ended after the last round, no sleep */
    fixture_clear(&f);
}

/* A duration that is not a multiple of the interval: a round starts only
 * while elapsed < duration. */
static void test_duration_partial_interval(void) {
    fixture f;
    REQUIRE(fixture_init(&f, 1000, 0));
    CHECK_OK(pqcha_continuous_run(f.c, 0, 2500));
    CHECK(pqcha_continuous_report_count(f.c) == 3); /* at 0, 1000, 2000 */
    fixture_clear(&f);

    REQUIRE(fixture_init(&f, 1000, 0));
    CHECK_OK(pqcha_continuous_run(f.c, 0, 1));
    CHECK(pqcha_continuous_report_count(f.c) == 1); /* only the round at elapsed 0 */
    fixture_clear(&f);
}

/* A round that overruns skips the missed slots instead of bursting. */
static void test_overrun_skips_slots(void) {
    fixture f;
    REQUIRE(fixture_init(&f, 1000, 1500));
    int64_t t0 = f.clock.now;
    CHECK_OK(pqcha_continuous_run(f.c, 0, 5000));
    REQUIRE(f.timed.rounds == 3);
    CHECK(f.timed.started_at[0] == t0);
    CHECK(f.timed.started_at[1] == t0 + 2000 * MS);
    CHECK(f.timed.started_at[2] == t0 + 4000 * MS);
    CHECK(pqcha_continuous_report_count(f.c) == 3);
    fixture_clear(&f);

    /* A round that takes exactly one interval: the next starts right away. */
    REQUIRE(fixture_init(&f, 1000, 1000));
    t0 = f.clock.now;
    CHECK_OK(pqcha_continuous_run(f.c, 3, 0));
    REQUIRE(f.timed.rounds == 3);
    CHECK(f.timed.started_at[1] == t0 + 1000 * MS);
    CHECK(f.timed.started_at[2] == t0 + 2000 * MS);
    CHECK(f.clock.sleeps == 0);
    fixture_clear(&f);
}

/* The header defines duration 0 and max_rounds 0 as "unlimited", so the
 * original's run_for(0) -> 0 reports has no direct equivalent; a duration of
 * 0 with a count is bounded by the count alone, and a negative one is refused. */
static void test_zero_and_negative_duration(void) {
    fixture f;
    REQUIRE(fixture_init(&f, 1000, 0));
    CHECK_OK(pqcha_continuous_run(f.c, 2, 0));
    CHECK(pqcha_continuous_report_count(f.c) == 2);
    CHECK_ERR(pqcha_continuous_run(f.c, 2, -1), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_continuous_start(f.c, 2, -1), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(pqcha_continuous_report_count(f.c) == 2);
    fixture_clear(&f);
}

/* Round 2 (index 1) fails: on_error gets the exact error, reports 1 and 3
 * are kept, the run goes on and ends normally. */
static void test_failing_round_is_reported_and_run_continues(void) {
    fixture f;
    REQUIRE(fixture_init(&f, 1000, 0));
    f.timed.fail_on_round = 1;
    f.timed.fail_with = PQCHA_ERR_BACKEND_IO;
    CHECK_OK(pqcha_continuous_run(f.c, 3, 0));
    CHECK(f.seen.errors == 1);
    CHECK(f.seen.error_rounds[0] == 1);
    CHECK_ERR(f.seen.error_codes[0], PQCHA_ERR_BACKEND_IO);
    CHECK(f.seen.reports == 2);
    CHECK(f.seen.report_rounds[0] == 0 && f.seen.report_rounds[1] == 2);
    CHECK(pqcha_continuous_error_count(f.c) == 1);
    REQUIRE(pqcha_continuous_report_count(f.c) == 2);
    /* The failed round consumed no sequence number. */
    CHECK(kept_sequence(f.c, 0) == 0);
    CHECK(kept_sequence(f.c, 1) == 1);
    fixture_clear(&f);
}

static void test_stop_from_callback(void) {
    fixture f;
    REQUIRE(fixture_init(&f, 1000, 0));
    f.seen.stop_after_reports = 2;
    CHECK_ERR(pqcha_continuous_run(f.c, 10, 0), PQCHA_ERR_CANCELLED);
    CHECK(f.seen.reports == 2);
    CHECK(pqcha_continuous_report_count(f.c) == 2);
    CHECK(f.timed.rounds == 2); /* no round after the stop */

    /* The stop was consumed: the next run goes to its limit, and keeps
     * the earlier reports. */
    f.seen.stop_after_reports = 0;
    CHECK_OK(pqcha_continuous_run(f.c, 1, 0));
    CHECK(pqcha_continuous_report_count(f.c) == 3);
    CHECK(kept_sequence(f.c, 2) == 2);
    fixture_clear(&f);
}

/* A stop that lands before the run starts (a signal between installing the
 * handler and calling run) is not lost. */
static void test_stop_before_run(void) {
    fixture f;
    REQUIRE(fixture_init(&f, 1000, 0));
    pqcha_continuous_stop(f.c);
    CHECK_ERR(pqcha_continuous_run(f.c, 5, 0), PQCHA_ERR_CANCELLED);
    CHECK(f.timed.rounds == 0);
    CHECK_OK(pqcha_continuous_run(f.c, 1, 0));
    CHECK(f.timed.rounds == 1);
    pqcha_continuous_stop(NULL); /* harmless */
    fixture_clear(&f);
}

static void test_retention(void) {
    fixture f;
    REQUIRE(fixture_init(&f, 1000, 0));
    CHECK_OK(pqcha_continuous_set_retention(f.c, 2));
    CHECK_OK(pqcha_continuous_run(f.c, 5, 0));
    CHECK(f.seen.reports == 5); /* callbacks see every report */
    REQUIRE(pqcha_continuous_report_count(f.c) == 2);
    CHECK(kept_sequence(f.c, 0) == 3); /* the oldest were dropped */
    CHECK(kept_sequence(f.c, 1) == 4);

    CHECK_OK(pqcha_continuous_set_retention(f.c, 1)); /* shrinking drops the oldest now */
    REQUIRE(pqcha_continuous_report_count(f.c) == 1);
    CHECK(kept_sequence(f.c, 0) == 4);

    CHECK_OK(pqcha_continuous_set_retention(f.c, 0));
    CHECK(pqcha_continuous_report_count(f.c) == 0);
    CHECK_OK(pqcha_continuous_run(f.c, 2, 0));
    CHECK(pqcha_continuous_report_count(f.c) == 0);
    CHECK(f.seen.reports == 7);
    fixture_clear(&f);
}

/* Many rounds under a small cap exercise the store's compaction. */
static void test_retention_many_rounds(void) {
    fixture f;
    REQUIRE(fixture_init(&f, 1, 0));
    CHECK_OK(pqcha_continuous_set_retention(f.c, 3));
    CHECK_OK(pqcha_continuous_run(f.c, 40, 0));
    REQUIRE(pqcha_continuous_report_count(f.c) == 3);
    for (size_t i = 0; i < 3; i++)
        CHECK(kept_sequence(f.c, i) == 37 + i);
    fixture_clear(&f);
}

static void test_invalid_settings(void) {
    fixture f;
    REQUIRE(fixture_init(&f, 1000, 0));
    pqcha_continuous *c = NULL;
    CHECK_ERR(pqcha_continuous_create(&c, f.attester, 0), PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(pqcha_continuous_create(&c, f.attester, -1000), PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(pqcha_continuous_create(&c, NULL, 1000), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(c == NULL);
    CHECK_ERR(pqcha_continuous_set_clock(f.c, fake_now, NULL, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_continuous_set_clock(f.c, NULL, fake_sleep_until, NULL),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_continuous_join(f.c), PQCHA_ERR_INVALID_ARGUMENT); /* never started */
    CHECK_ERR(pqcha_continuous_run(NULL, 1, 0), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(pqcha_continuous_report_count(NULL) == 0);
    CHECK(pqcha_continuous_report(NULL, 0) == NULL);
    pqcha_continuous_free(NULL);
    fixture_clear(&f);
}

/* The background thread with the real clock: only that it starts, stops and
 * joins, never how long anything takes. */
static void test_background_start_stop_join(void) {
    fixture f;
    REQUIRE(fixture_init(&f, 60 * 1000, 0));
    CHECK_OK(pqcha_continuous_set_clock(f.c, NULL, NULL, NULL)); /* back to CLOCK_MONOTONIC */
    CHECK_OK(pqcha_continuous_start(f.c, 0, 0));
    CHECK_ERR(pqcha_continuous_start(f.c, 0, 0), PQCHA_ERR_INVALID_ARGUMENT); /* already running */
    CHECK_ERR(pqcha_continuous_run(f.c, 1, 0), PQCHA_ERR_INVALID_ARGUMENT);
    pqcha_continuous_stop(f.c);
    pqcha_err err = pqcha_continuous_join(f.c);
    CHECK(err == PQCHA_ERR_CANCELLED || err == PQCHA_OK);
    CHECK(pqcha_continuous_report_count(f.c) <= 1); /* at most the round at t0 */

    /* A bounded background run ends by itself. */
    size_t before = pqcha_continuous_report_count(f.c);
    CHECK_OK(pqcha_continuous_set_clock(f.c, fake_now, fake_sleep_until, &f.clock));
    CHECK_OK(pqcha_continuous_start(f.c, 3, 0));
    CHECK_OK(pqcha_continuous_join(f.c));
    CHECK(pqcha_continuous_report_count(f.c) == before + 3);
    fixture_clear(&f);
}

/* Freeing a continuous whose background run is still going stops and joins it. */
static void test_free_while_running(void) {
    fixture f;
    REQUIRE(fixture_init(&f, 60 * 1000, 0));
    CHECK_OK(pqcha_continuous_set_clock(f.c, NULL, NULL, NULL));
    CHECK_OK(pqcha_continuous_start(f.c, 0, 0));
    fixture_clear(&f); /* must not hang or leak */
}

/* The in-memory backend is updated from this thread while the background
 * run measures it: every report holds the digest of one whole version of
 * the bytes, never a mix. */
static void test_update_while_running(void) {
    pqcha_backend *b = NULL;
    pqcha_attester *a = NULL;
    pqcha_continuous *c = NULL;
    pqcha_region *r = NULL;
    fake_clock clock = {0, 0};
    enum { SIZE = 300000 }; /* several 64 KiB read chunks */
    uint8_t *va = malloc(SIZE), *vb = malloc(SIZE);
    REQUIRE(va && vb);
    memset(va, 0x11, SIZE);
    memset(vb, 0x22, SIZE);
    char hex_a[65], hex_b[65];
    uint8_t d[PQCHA_SHA3_256_LEN];
    CHECK_OK(pqcha_digest(d, sizeof d, PQCHA_DIGEST_SHA3_256_TREE, va, SIZE, 1));
    pqcha_hex_encode(hex_a, d, sizeof d);
    CHECK_OK(pqcha_digest(d, sizeof d, PQCHA_DIGEST_SHA3_256_TREE, vb, SIZE, 1));
    pqcha_hex_encode(hex_b, d, sizeof d);

    CHECK_OK(pqcha_backend_create(&b, "in-memory"));
    CHECK_OK(pqcha_region_create(&r, "weights", "", 0, SIZE, PQCHA_PROT_RW));
    REQUIRE(b && r);
    CHECK_OK(pqcha_memory_backend_register(b, "w", r, va, SIZE));
    CHECK_OK(pqcha_attester_create(&a, shared_key(), b, "w"));
    REQUIRE(a);
    CHECK_OK(pqcha_continuous_create(&c, a, 1));
    REQUIRE(c);
    CHECK_OK(pqcha_continuous_set_clock(c, fake_now, fake_sleep_until, &clock));
    CHECK_OK(pqcha_continuous_set_retention(c, 100));
    CHECK_OK(pqcha_continuous_start(c, 20, 0));
    for (int i = 0; i < 200; i++)
        CHECK_OK(pqcha_memory_backend_update(b, "w", "weights", (i & 1) ? va : vb, SIZE));
    CHECK_OK(pqcha_continuous_join(c));
    REQUIRE(pqcha_continuous_report_count(c) == 20);
    for (size_t i = 0; i < 20; i++) {
        const char *env = pqcha_continuous_report(c, i);
        pqcha_report *rep = NULL;
        CHECK_OK(pqcha_report_decode_unverified(&rep, env, strlen(env)));
        if (rep == NULL) continue;
        const char *got = pqcha_report_region_digest_hex(rep, 0);
        CHECK(strcmp(got, hex_a) == 0 || strcmp(got, hex_b) == 0);
        pqcha_report_free(rep);
    }
    pqcha_continuous_free(c);
    pqcha_attester_free(a);
    pqcha_region_free(r);
    pqcha_backend_free(b);
    free(va);
    free(vb);
}

static void test_cleanup_shared_key(void) {
    pqcha_key_free(shared_key());
}

TEST_MAIN(TEST(test_count_gives_n_reports), TEST(test_duration_schedule_does_not_drift),
          TEST(test_duration_partial_interval), TEST(test_overrun_skips_slots),
          TEST(test_zero_and_negative_duration),
          TEST(test_failing_round_is_reported_and_run_continues), TEST(test_stop_from_callback),
          TEST(test_stop_before_run), TEST(test_retention), TEST(test_retention_many_rounds),
          TEST(test_invalid_settings), TEST(test_background_start_stop_join),
          TEST(test_free_while_running), TEST(test_update_while_running),
          TEST(test_cleanup_shared_key))
