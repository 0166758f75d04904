/* test_store.c — the store suite, one for both back ends: SQLite (a new file
 * per test) by default, PostgreSQL when PQCHA_TEST_STORE_URL names one
 * (tests/service/with_postgres.sh starts a throw-away cluster for it). On a
 * shared database each test uses workload ids and nonces of its own, and
 * the log's tests count from the size the log has when they start. */
#include <libpq-fe.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "service/store.h"
#include "testutil.h"

static unsigned test_counter;
static char unique_tag[64];

/* The test's store opened again: a second instance sharing its database. */
static store *open_same_store(void) {
    const char *url = getenv("PQCHA_TEST_STORE_URL");
    char path[4200];
    if (!url || !*url) {
        snprintf(path, sizeof path, "sqlite:%s/store-%u.db", testutil_tmpdir(), test_counter);
        url = path;
    }
    store *s = NULL;
    char why[256];
    pqcha_err err = store_open(&s, url, why, sizeof why);
    if (err != PQCHA_OK)
        fprintf(stderr, "  cannot open %s: %s (%s)\n", url, why, pqcha_error_name(err));
    return s;
}

/* A store for one test, and a tag that makes this test's ids its own. */
static store *open_test_store(void) {
    test_counter++;
    snprintf(unique_tag, sizeof unique_tag, "%ld-%u", (long)getpid(), test_counter);
    return open_same_store();
}

static const char *id(const char *name) {
    static char buffers[8][128];
    static unsigned next;
    char *out = buffers[next++ % 8];
    snprintf(out, 128, "%s-%s", name, unique_tag);
    return out;
}

/* A nonce of this test: 32 hex digits from the tag and a number. */
static const char *nonce(unsigned n) {
    static char buffers[4][65];
    static unsigned next;
    char *out = buffers[next++ % 4];
    snprintf(out, 65, "%08x%08x%016x", (unsigned)getpid(), test_counter, n);
    return out;
}

static store_report a_report(const char *digest, const char *workload, report_outcome outcome,
                             int64_t at) {
    static const char *const verdicts[] = {"valid", "drift", "rejected", "rejected"};
    store_report r = {digest,
                      "report-1",
                      workload,
                      NULL,
                      at,
                      (unsigned)outcome < 4 ? verdicts[outcome] : "invalid",
                      outcome == OUTCOME_VALID ? "OK" : "MEMORY_DRIFT",
                      outcome,
                      "{\"verdict\":\"x\"}",
                      "{\"regions\":[\"weights\"]}",
                      "\x01\x00\x02",
                      3,
                      NULL,
                      0,
                      NULL};
    return r;
}

static pqcha_err commit(store *s, const store_report *r, store_commit *c) {
    return store_commit_report(s, r, c);
}

/* ---- opening ---- */

static void test_open_rejects_unknown_schemes(void) {
    store *s = (store *)1;
    char why[128];
    CHECK_ERR(store_open(&s, "mysql://x", why, sizeof why), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(s == NULL);
    CHECK(strstr(why, "sqlite:") != NULL);
    CHECK_ERR(store_open(&s, "sqlite:", why, sizeof why), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(store_open(&s, NULL, NULL, 0), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(store_open(NULL, "sqlite:x", NULL, 0), PQCHA_ERR_INVALID_ARGUMENT);
    char path[4200];
    snprintf(path, sizeof path, "sqlite:%s/no/such/dir/x.db", testutil_tmpdir());
    CHECK_ERR(store_open(&s, path, why, sizeof why), PQCHA_ERR_STORE);
}

static void test_open_reports_kind_and_pings(void) {
    store *s = open_test_store();
    REQUIRE(s != NULL);
    const char *url = getenv("PQCHA_TEST_STORE_URL");
    CHECK_STR(store_kind(s), url && *url ? "postgresql" : "sqlite");
    CHECK_OK(store_ping(s));
    store_close(s);
}

/* ---- challenges ---- */

static void test_challenge_lifecycle(void) {
    store *s = open_test_store();
    REQUIRE(s != NULL);
    const char *w = id("w"), *n = nonce(1);
    CHECK_OK(store_add_challenge(s, n, w, 1000, 1300));
    CHECK_ERR(store_add_challenge(s, n, w, 1000, 1300), PQCHA_ERR_FILE_EXISTS);
    CHECK_ERR(store_add_challenge(s, nonce(9), w, 1000, 999), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_OK(store_check_challenge(s, n, w, 1299));
    CHECK_ERR(store_check_challenge(s, n, w, 1300), PQCHA_ERR_NONCE_EXPIRED);
    CHECK_ERR(store_check_challenge(s, n, id("other"), 1100), PQCHA_ERR_NONCE_UNKNOWN);
    CHECK_ERR(store_check_challenge(s, nonce(2), w, 1100), PQCHA_ERR_NONCE_UNKNOWN);

    store_report r = a_report(id("digest-a"), w, OUTCOME_VALID, 1100);
    r.nonce_hex = n;
    store_commit c;
    CHECK_OK(commit(s, &r, &c));
    CHECK(!c.duplicate);
    store_commit_clear(&c);
    CHECK_ERR(store_check_challenge(s, n, w, 1100), PQCHA_ERR_NONCE_USED);
    /* A second report answering the same challenge: refused, nothing stored. */
    store_report again = a_report(id("digest-b"), w, OUTCOME_VALID, 1100);
    again.nonce_hex = n;
    CHECK_ERR(commit(s, &again, &c), PQCHA_ERR_NONCE_USED);
    CHECK(!c.duplicate && c.stored_result_json == NULL);
    store_close(s);
}

static void test_commit_refuses_expired_or_foreign_challenges(void) {
    store *s = open_test_store();
    REQUIRE(s != NULL);
    const char *w = id("w");
    CHECK_OK(store_add_challenge(s, nonce(1), w, 1000, 1300));
    store_report late = a_report(id("late"), w, OUTCOME_VALID, 1300);
    late.nonce_hex = nonce(1);
    store_commit c;
    CHECK_ERR(commit(s, &late, &c), PQCHA_ERR_NONCE_USED);
    store_report foreign = a_report(id("foreign"), id("other"), OUTCOME_VALID, 1100);
    foreign.nonce_hex = nonce(1);
    CHECK_ERR(commit(s, &foreign, &c), PQCHA_ERR_NONCE_USED);
    /* Neither was stored: the same digest can still be committed. */
    late.nonce_hex = NULL;
    CHECK_OK(commit(s, &late, &c));
    CHECK(!c.duplicate);
    store_commit_clear(&c);
    store_close(s);
}

static void test_prune_keeps_unexpired_challenges(void) {
    store *s = open_test_store();
    REQUIRE(s != NULL);
    const char *w = id("w");
    CHECK_OK(store_add_challenge(s, nonce(1), w, 100, 200));
    CHECK_OK(store_add_challenge(s, nonce(2), w, 100, 400));
    uint64_t deleted = 99;
    CHECK_OK(store_prune_challenges(s, 300, &deleted));
    CHECK(deleted >= 1); /* on a shared database, older tests' challenges too */
    CHECK_ERR(store_check_challenge(s, nonce(1), w, 150), PQCHA_ERR_NONCE_UNKNOWN);
    CHECK_OK(store_check_challenge(s, nonce(2), w, 150));
    CHECK_OK(store_prune_challenges(s, 300, NULL));
    store_close(s);
}

/* ---- reports and state ---- */

typedef struct seen_workload {
    int calls;
    workload_state state;
    int64_t since, last_seen, last_counted;
    uint64_t count;
    char last_digest[128], last_verdict[32];
} seen_workload;

static int remember_workload(void *ctx, const store_workload_row *row) {
    seen_workload *w = ctx;
    w->calls++;
    w->state = row->state;
    w->since = row->state_since;
    w->last_seen = row->last_seen;
    w->last_counted = row->last_counted;
    w->count = row->report_count;
    snprintf(w->last_digest, sizeof w->last_digest, "%s", row->last_digest);
    snprintf(w->last_verdict, sizeof w->last_verdict, "%s", row->last_verdict);
    return 0;
}

static seen_workload workload_now(store *s, const char *w) {
    seen_workload seen;
    memset(&seen, 0, sizeof seen);
    seen.state = WORKLOAD_STATE_COUNT;
    pqcha_err err = store_get_workload(s, w, remember_workload, &seen);
    if (err != PQCHA_OK) seen.calls = -1;
    return seen;
}

static void test_state_moves_with_reports_and_events_record_it(void) {
    store *s = open_test_store();
    REQUIRE(s != NULL);
    const char *w = id("w");
    store_commit c;
    static const struct {
        report_outcome outcome;
        int transitions;
        workload_state from, to;
    } steps[] = {
        {OUTCOME_VALID, 1, WORKLOAD_UNKNOWN, WORKLOAD_TRUSTED},
        {OUTCOME_VALID, 0, WORKLOAD_TRUSTED, WORKLOAD_TRUSTED},
        {OUTCOME_DRIFT, 1, WORKLOAD_TRUSTED, WORKLOAD_DRIFTED},
        {OUTCOME_IGNORED, 0, WORKLOAD_DRIFTED, WORKLOAD_DRIFTED},
        {OUTCOME_VALID, 1, WORKLOAD_DRIFTED, WORKLOAD_TRUSTED},
        {OUTCOME_REJECTED, 1, WORKLOAD_TRUSTED, WORKLOAD_REJECTED},
    };
    int64_t first_event = 0;
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        char digest[32];
        snprintf(digest, sizeof digest, "step-%zu", i);
        store_report r = a_report(id(digest), w, steps[i].outcome, 2000 + (int64_t)i);
        CHECK_OK(commit(s, &r, &c));
        CHECK(c.transitioned == steps[i].transitions);
        if (c.transitioned) {
            CHECK(c.from == steps[i].from && c.to == steps[i].to);
            CHECK(c.event_seq > 0);
            if (!first_event) first_event = c.event_seq;
        }
        store_commit_clear(&c);
        seen_workload now = workload_now(s, w);
        CHECK(now.calls == 1 && now.state == steps[i].to);
    }
    seen_workload last = workload_now(s, w);
    CHECK(last.count == 5); /* the ignored report is not the workload's */
    CHECK(last.since == 2005 && last.last_seen == 2005 && last.last_counted == 2005);
    CHECK_STR(last.last_verdict, "rejected");
    CHECK_STR(last.last_digest, id("step-5"));
    store_close(s);
}

static void test_ignored_reports_create_no_workload(void) {
    store *s = open_test_store();
    REQUIRE(s != NULL);
    const char *w = id("forged");
    store_report r = a_report(id("forged-digest"), w, OUTCOME_IGNORED, 3000);
    store_commit c;
    CHECK_OK(commit(s, &r, &c));
    CHECK(!c.transitioned);
    store_commit_clear(&c);
    CHECK_ERR(store_get_workload(s, w, remember_workload, &(seen_workload){0}),
              PQCHA_ERR_NOT_FOUND);
    store_close(s);
}

static void test_same_report_is_stored_once_and_answered_the_same(void) {
    store *s = open_test_store();
    REQUIRE(s != NULL);
    const char *w = id("w");
    store_report r = a_report(id("once"), w, OUTCOME_VALID, 4000);
    r.result_json = "{\"verdict\":\"valid\",\"first\":true}";
    store_commit c;
    CHECK_OK(commit(s, &r, &c));
    CHECK(!c.duplicate && c.stored_result_json == NULL);
    store_commit_clear(&c);
    r.result_json = "{\"verdict\":\"valid\",\"first\":false}";
    r.received_at = 4001;
    CHECK_OK(commit(s, &r, &c));
    CHECK(c.duplicate && !c.transitioned);
    CHECK_STR(c.stored_result_json, "{\"verdict\":\"valid\",\"first\":true}");
    store_commit_clear(&c);
    CHECK(workload_now(s, w).count == 1);
    store_close(s);
}

typedef struct seen_reports {
    int count;
    int64_t times[16];
    char digests[16][96];
    report_outcome outcomes[16];
    int stop_after;
} seen_reports;

static int remember_report(void *ctx, const store_report_row *row) {
    seen_reports *seen = ctx;
    if (seen->count < 16) {
        seen->times[seen->count] = row->received_at;
        seen->outcomes[seen->count] = row->outcome;
        snprintf(seen->digests[seen->count], sizeof seen->digests[0], "%s", row->digest);
    }
    seen->count++;
    return seen->stop_after && seen->count >= seen->stop_after;
}

static void test_reports_list_since_and_limit_in_order(void) {
    store *s = open_test_store();
    REQUIRE(s != NULL);
    const char *w = id("w");
    static const int64_t times[] = {5003, 5001, 5002, 5004};
    store_commit c;
    for (size_t i = 0; i < 4; i++) {
        char digest[32];
        snprintf(digest, sizeof digest, "r%lld", (long long)times[i]);
        store_report r =
            a_report(id(digest), w, i == 3 ? OUTCOME_IGNORED : OUTCOME_DRIFT, times[i]);
        CHECK_OK(commit(s, &r, &c));
        store_commit_clear(&c);
    }
    seen_reports seen = {0};
    CHECK_OK(store_each_report(s, w, 5002, 10, remember_report, &seen));
    REQUIRE(seen.count == 3);
    CHECK(seen.times[0] == 5002 && seen.times[1] == 5003 && seen.times[2] == 5004);
    CHECK(seen.outcomes[0] == OUTCOME_DRIFT && seen.outcomes[2] == OUTCOME_IGNORED);
    CHECK_STR(seen.digests[0], id("r5002"));
    memset(&seen, 0, sizeof seen);
    CHECK_OK(store_each_report(s, w, 0, 2, remember_report, &seen));
    CHECK(seen.count == 2 && seen.times[0] == 5001 && seen.times[1] == 5002);
    memset(&seen, 0, sizeof seen);
    seen.stop_after = 1;
    CHECK_OK(store_each_report(s, w, 0, 10, remember_report, &seen));
    CHECK(seen.count == 1);
    CHECK_ERR(store_each_report(s, w, 0, 0, remember_report, &seen), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(store_each_report(s, w, 0, STORE_MAX_LIMIT + 1, remember_report, &seen),
              PQCHA_ERR_INVALID_ARGUMENT);
    store_close(s);
}

typedef struct seen_events {
    int count;
    int64_t seqs[16];
    workload_state from[16], to[16];
    char details[16][64];
} seen_events;

static int remember_event(void *ctx, const store_event_row *row) {
    seen_events *seen = ctx;
    if (seen->count < 16) {
        seen->seqs[seen->count] = row->seq;
        seen->from[seen->count] = row->from;
        seen->to[seen->count] = row->to;
        snprintf(seen->details[seen->count], sizeof seen->details[0], "%s", row->detail_json);
    }
    seen->count++;
    return 0;
}

static void test_events_list_after_a_sequence_number(void) {
    store *s = open_test_store();
    REQUIRE(s != NULL);
    const char *w = id("w");
    store_commit c;
    store_report r = a_report(id("e1"), w, OUTCOME_VALID, 6000);
    CHECK_OK(commit(s, &r, &c));
    int64_t first = c.event_seq;
    store_commit_clear(&c);
    r = a_report(id("e2"), w, OUTCOME_DRIFT, 6001);
    r.detail_json = "{\"tensors\":[\"blk.0\"]}";
    CHECK_OK(commit(s, &r, &c));
    store_commit_clear(&c);
    seen_events seen = {0};
    CHECK_OK(store_each_event(s, w, 0, 10, remember_event, &seen));
    REQUIRE(seen.count == 2);
    CHECK(seen.seqs[0] == first && seen.seqs[1] > first);
    CHECK(seen.from[1] == WORKLOAD_TRUSTED && seen.to[1] == WORKLOAD_DRIFTED);
    CHECK_STR(seen.details[1], "{\"tensors\":[\"blk.0\"]}");
    memset(&seen, 0, sizeof seen);
    CHECK_OK(store_each_event(s, w, first, 10, remember_event, &seen));
    CHECK(seen.count == 1);
    memset(&seen, 0, sizeof seen);
    CHECK_OK(store_each_event(s, NULL, first - 1, 1, remember_event, &seen));
    CHECK(seen.count == 1 && seen.seqs[0] == first);
    CHECK_ERR(store_each_event(s, w, 0, 0, remember_event, &seen), PQCHA_ERR_INVALID_ARGUMENT);
    store_close(s);
}

static void test_stale_marks_only_quiet_workloads(void) {
    store *s = open_test_store();
    REQUIRE(s != NULL);
    const char *quiet = id("quiet"), *busy = id("busy");
    store_commit c;
    store_report r = a_report(id("q"), quiet, OUTCOME_DRIFT, 7000);
    CHECK_OK(commit(s, &r, &c));
    store_commit_clear(&c);
    r = a_report(id("b"), busy, OUTCOME_VALID, 7100);
    CHECK_OK(commit(s, &r, &c));
    store_commit_clear(&c);
    seen_events seen = {0};
    /* Events of other tests' workloads on a shared database are filtered out below. */
    store_stale_cutoffs at_7050 = {7050, NULL, 0};
    CHECK_OK(store_mark_stale(s, &at_7050, 7200, remember_event, &seen));
    CHECK(seen.count >= 1);
    CHECK(workload_now(s, quiet).state == WORKLOAD_STALE);
    CHECK(workload_now(s, quiet).since == 7200);
    CHECK(workload_now(s, busy).state == WORKLOAD_TRUSTED);
    memset(&seen, 0, sizeof seen);
    CHECK_OK(store_each_event(s, quiet, 0, 10, remember_event, &seen));
    REQUIRE(seen.count == 2);
    CHECK(seen.from[1] == WORKLOAD_DRIFTED && seen.to[1] == WORKLOAD_STALE);
    /* A stale workload does not go stale again; a valid report brings it back. */
    memset(&seen, 0, sizeof seen);
    CHECK_OK(store_mark_stale(s, &at_7050, 7300, NULL, NULL));
    CHECK_OK(store_each_event(s, quiet, 0, 10, remember_event, &seen));
    CHECK(seen.count == 2);
    r = a_report(id("q2"), quiet, OUTCOME_VALID, 7400);
    CHECK_OK(commit(s, &r, &c));
    CHECK(c.transitioned && c.from == WORKLOAD_STALE && c.to == WORKLOAD_TRUSTED);
    store_commit_clear(&c);
    store_close(s);
}

static int compare_rules(const void *a, const void *b) {
    return strcmp(((const store_stale_rule *)a)->workload, ((const store_stale_rule *)b)->workload);
}

/* The policy's own intervals (staleAfterSeconds): a workload with a rule
 * goes stale by its cutoff, never with STORE_NEVER_STALE, and the others
 * by the fallback. */
static void test_stale_by_each_workloads_own_cutoff(void) {
    store *s = open_test_store();
    REQUIRE(s != NULL);
    char names[5][128];
    static const char *const what[5] = {"strict", "lenient", "never", "fallback", "fresh"};
    static const int64_t last[5] = {7100, 7000, 7000, 7000, 7100};
    for (size_t i = 0; i < 5; i++) {
        snprintf(names[i], sizeof names[i], "%s", id(what[i]));
        char report_id[64];
        snprintf(report_id, sizeof report_id, "own-%zu", i);
        store_commit c;
        store_report r = a_report(id(report_id), names[i], OUTCOME_VALID, last[i]);
        CHECK_OK(commit(s, &r, &c));
        store_commit_clear(&c);
    }
    store_stale_rule rules[3] = {{names[0], 7200}, /* quieter than its own 7200: stale */
                                 {names[1], 6900}, /* not quieter than 6900: kept */
                                 {names[2], STORE_NEVER_STALE}};
    qsort(rules, 3, sizeof rules[0], compare_rules);
    store_stale_cutoffs cutoffs = {7050, rules, 3};
    CHECK(store_stale_cutoff(&cutoffs, names[0]) == 7200);
    CHECK(store_stale_cutoff(&cutoffs, names[3]) == 7050);
    CHECK(store_stale_latest_cutoff(&cutoffs) == 7200);
    CHECK_OK(store_mark_stale(s, &cutoffs, 7300, NULL, NULL));
    CHECK(workload_now(s, names[0]).state == WORKLOAD_STALE);   /* its own cutoff */
    CHECK(workload_now(s, names[1]).state == WORKLOAD_TRUSTED); /* its own, more lenient */
    CHECK(workload_now(s, names[2]).state == WORKLOAD_TRUSTED); /* never */
    CHECK(workload_now(s, names[3]).state == WORKLOAD_STALE);   /* the fallback */
    CHECK(workload_now(s, names[4]).state == WORKLOAD_TRUSTED); /* fresher than the fallback */
    /* Nothing goes stale when every cutoff is never. */
    store_stale_rule never = {names[4], STORE_NEVER_STALE};
    store_stale_cutoffs none = {STORE_NEVER_STALE, &never, 1};
    CHECK_OK(store_mark_stale(s, &none, 9999999, NULL, NULL));
    CHECK(workload_now(s, names[4]).state == WORKLOAD_TRUSTED);
    store_stale_cutoffs broken = {7050, NULL, 1};
    CHECK_ERR(store_mark_stale(s, &broken, 7300, NULL, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(store_mark_stale(s, NULL, 7300, NULL, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    store_close(s);
}

typedef struct state_counts {
    const char *prefix;
    int seen;
} state_counts;

static void test_counts_by_state(void) {
    store *s = open_test_store();
    REQUIRE(s != NULL);
    uint64_t before[WORKLOAD_STATE_COUNT], after[WORKLOAD_STATE_COUNT];
    CHECK_OK(store_count_states(s, before));
    store_commit c;
    store_report r = a_report(id("c1"), id("one"), OUTCOME_VALID, 8000);
    CHECK_OK(commit(s, &r, &c));
    store_commit_clear(&c);
    r = a_report(id("c2"), id("two"), OUTCOME_DRIFT, 8000);
    CHECK_OK(commit(s, &r, &c));
    store_commit_clear(&c);
    CHECK_OK(store_count_states(s, after));
    CHECK(after[WORKLOAD_TRUSTED] == before[WORKLOAD_TRUSTED] + 1);
    CHECK(after[WORKLOAD_DRIFTED] == before[WORKLOAD_DRIFTED] + 1);
    CHECK(after[WORKLOAD_REJECTED] == before[WORKLOAD_REJECTED]);
    store_close(s);
}

static int count_mine(void *ctx, const store_workload_row *row) {
    state_counts *counts = ctx;
    if (strncmp(row->id, counts->prefix, strlen(counts->prefix)) == 0) counts->seen++;
    return 0;
}

static void test_every_workload_is_listed(void) {
    store *s = open_test_store();
    REQUIRE(s != NULL);
    store_commit c;
    for (int i = 0; i < 3; i++) {
        char name[32], digest[32];
        snprintf(name, sizeof name, "list%d", i);
        snprintf(digest, sizeof digest, "list-digest%d", i);
        store_report r = a_report(id(digest), id(name), OUTCOME_VALID, 9000);
        CHECK_OK(commit(s, &r, &c));
        store_commit_clear(&c);
    }
    state_counts counts = {"list", 0};
    CHECK_OK(store_each_workload(s, count_mine, &counts));
    CHECK(counts.seen >= 3);
    CHECK_ERR(store_get_workload(s, id("absent"), remember_workload, &(seen_workload){0}),
              PQCHA_ERR_NOT_FOUND);
    store_close(s);
}

static void test_invalid_arguments(void) {
    store *s = open_test_store();
    REQUIRE(s != NULL);
    store_commit c;
    store_report r = a_report(id("x"), id("w"), OUTCOME_VALID, 1);
    r.digest = NULL;
    CHECK_ERR(commit(s, &r, &c), PQCHA_ERR_INVALID_ARGUMENT);
    r = a_report(id("x"), id("w"), (report_outcome)7, 1);
    CHECK_ERR(commit(s, &r, &c), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(store_commit_report(s, NULL, &c), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(store_commit_report(s, &r, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(store_add_challenge(NULL, "00", "w", 1, 2), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(store_check_challenge(s, NULL, "w", 1), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(store_each_workload(s, NULL, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(store_ping(NULL), PQCHA_ERR_INVALID_ARGUMENT);
    store_close(s);
    store_close(NULL);
}

/* ---- the transparency log ---- */

/* A report with a log entry: the entry is "entry:" and the digest, the
 * envelope's SHA-256 the SHA-256 of the digest (unique per test). */
typedef struct logged {
    store_report r;
    char entry[160];
    char sha256[65];
} logged;

static void logged_report(logged *l, const char *digest, const char *workload) {
    uint8_t sum[PQCHA_SHA256_LEN];
    l->r = a_report(digest, workload, OUTCOME_IGNORED, 12000);
    snprintf(l->entry, sizeof l->entry, "entry:%s", digest);
    if (pqcha_sha256(sum, digest, strlen(digest)) != PQCHA_OK) abort();
    pqcha_hex_encode(l->sha256, sum, sizeof sum);
    l->r.log_entry = (const uint8_t *)l->entry;
    l->r.log_entry_len = strlen(l->entry);
    l->r.envelope_sha256 = l->sha256;
}

static uint64_t log_size_now(store *s) {
    uint64_t size = UINT64_MAX;
    CHECK_OK(store_log_size(s, &size));
    return size;
}

static int64_t commit_logged(store *s, const char *digest) {
    logged l;
    store_commit c;
    logged_report(&l, digest, id("lw"));
    pqcha_err err = commit(s, &l.r, &c);
    CHECK_OK(err);
    int64_t index = c.log_index;
    store_commit_clear(&c);
    return err == PQCHA_OK ? index : -2;
}

typedef struct seen_entry {
    uint64_t index;
    char bytes[160];
    int count;
} seen_entry;

static int remember_entry(void *ctx, uint64_t index, const uint8_t *entry, size_t len) {
    seen_entry *e = ctx;
    e->index = index;
    snprintf(e->bytes, sizeof e->bytes, "%.*s", (int)len, (const char *)entry);
    e->count++;
    return 0;
}

static void test_log_appends_with_the_report_once(void) {
    store *s = open_test_store();
    REQUIRE(s != NULL);
    uint64_t before = log_size_now(s);
    int64_t first = commit_logged(s, id("log-a"));
    CHECK(first == (int64_t)before);
    CHECK(commit_logged(s, id("log-b")) == first + 1);
    CHECK(log_size_now(s) == before + 2);
    /* The same report again: its index, nothing appended. */
    CHECK(commit_logged(s, id("log-a")) == first);
    CHECK(log_size_now(s) == before + 2);
    seen_entry e = {0, "", 0};
    CHECK_OK(store_log_entries(s, (uint64_t)first, 1, remember_entry, &e));
    char expected[160];
    snprintf(expected, sizeof expected, "entry:%s", id("log-a"));
    CHECK(e.count == 1 && e.index == (uint64_t)first);
    CHECK_STR(e.bytes, expected);
    store_close(s);
}

static void test_log_refused_commit_appends_nothing(void) {
    store *s = open_test_store();
    REQUIRE(s != NULL);
    const char *w = id("w");
    CHECK_OK(store_add_challenge(s, nonce(1), w, 1000, 1300));
    logged one, two;
    logged_report(&one, id("used-1"), w);
    logged_report(&two, id("used-2"), w);
    one.r.nonce_hex = two.r.nonce_hex = nonce(1);
    one.r.received_at = two.r.received_at = 1100;
    store_commit c;
    uint64_t before = log_size_now(s);
    CHECK_OK(commit(s, &one.r, &c));
    store_commit_clear(&c);
    CHECK_ERR(commit(s, &two.r, &c), PQCHA_ERR_NONCE_USED);
    CHECK(c.log_index == -1);
    CHECK(log_size_now(s) == before + 1);
    store_close(s);
}

static void test_log_takes_a_report_stored_before_it(void) {
    store *s = open_test_store();
    REQUIRE(s != NULL);
    logged l;
    store_commit c;
    logged_report(&l, id("early"), id("w"));
    store_report plain = l.r;
    plain.log_entry = NULL;
    plain.envelope_sha256 = NULL;
    uint64_t before = log_size_now(s);
    CHECK_OK(commit(s, &plain, &c));
    CHECK(c.log_index == -1);
    store_commit_clear(&c);
    CHECK(log_size_now(s) == before);
    CHECK_OK(commit(s, &l.r, &c)); /* sent again once the log is kept */
    CHECK(c.duplicate && c.log_index == (int64_t)before);
    store_commit_clear(&c);
    CHECK(log_size_now(s) == before + 1);
    store_close(s);
}

static void leaf_of(uint8_t out[PQCHA_TLOG_HASH_LEN], const char *digest) {
    char entry[160];
    snprintf(entry, sizeof entry, "entry:%s", digest);
    if (pqcha_tlog_leaf_hash(out, (const uint8_t *)entry, strlen(entry)) != PQCHA_OK) abort();
}

static pqcha_err read_stored_tile(void *ctx, unsigned level, uint64_t index, unsigned width,
                                  uint8_t *out, size_t *out_len) {
    *out_len = (size_t)width * PQCHA_TLOG_HASH_LEN;
    return store_log_hashes(ctx, level, index * 256, width, out);
}

/* Past a multiple of 256 entries: the level-1 hash of the completed tile
 * is stored, and every tile the tree has reads back. */
static void test_log_stores_the_tiles(void) {
    store *s = open_test_store();
    REQUIRE(s != NULL);
    uint64_t start = log_size_now(s);
    uint64_t target = (start / 256 + 1) * 256 + 3;
    for (uint64_t i = start; i < target; i++) {
        char name[48];
        snprintf(name, sizeof name, "tile-%llu", (unsigned long long)i);
        REQUIRE(commit_logged(s, id(name)) == (int64_t)i);
    }
    uint64_t tile = target / 256 - 1; /* the tile just completed */
    static uint8_t hashes[256 * PQCHA_TLOG_HASH_LEN];
    uint8_t expected[PQCHA_TLOG_HASH_LEN], level1[PQCHA_TLOG_HASH_LEN];
    CHECK_OK(store_log_hashes(s, 0, tile * 256, 256, hashes));
    for (uint64_t i = start > tile * 256 ? start : tile * 256; i < tile * 256 + 256; i++) {
        char name[48];
        snprintf(name, sizeof name, "tile-%llu", (unsigned long long)i);
        leaf_of(expected, id(name));
        CHECK(memcmp(hashes + (i - tile * 256) * PQCHA_TLOG_HASH_LEN, expected,
                     PQCHA_TLOG_HASH_LEN) == 0);
    }
    CHECK_OK(pqcha_tlog_root_of_hashes(expected, hashes, 256));
    CHECK_OK(store_log_hashes(s, 1, tile, 1, level1));
    CHECK(memcmp(level1, expected, sizeof level1) == 0);
    /* Only what the tree holds. */
    CHECK_OK(store_log_hashes(s, 0, target - 3, 3, hashes));
    CHECK_ERR(store_log_hashes(s, 0, target - 3, 4, hashes), PQCHA_ERR_NOT_FOUND);
    CHECK_ERR(store_log_hashes(s, 1, tile + 1, 1, hashes), PQCHA_ERR_NOT_FOUND);
    CHECK_ERR(store_log_hashes(s, 0, 0, 257, hashes), PQCHA_ERR_INVALID_ARGUMENT);
    seen_entry e = {0, "", 0};
    CHECK_ERR(store_log_entries(s, target - 1, 2, remember_entry, &e), PQCHA_ERR_NOT_FOUND);
    /* Proofs and roots from the stored tiles: the root of all the leaves. */
    uint8_t *leaves = malloc(target * PQCHA_TLOG_HASH_LEN);
    REQUIRE(leaves != NULL);
    for (uint64_t from = 0; from < target; from += 256) {
        unsigned n = target - from < 256 ? (unsigned)(target - from) : 256;
        CHECK_OK(store_log_hashes(s, 0, from, n, leaves + from * PQCHA_TLOG_HASH_LEN));
    }
    uint8_t from_leaves[PQCHA_TLOG_HASH_LEN], from_tiles[PQCHA_TLOG_HASH_LEN];
    CHECK_OK(pqcha_tlog_root_of_hashes(from_leaves, leaves, target));
    pqcha_tlog_tiles tiles = {read_stored_tile, s, target};
    CHECK_OK(pqcha_tlog_tree_root(from_tiles, target, pqcha_tlog_tiles_node, &tiles));
    CHECK(memcmp(from_leaves, from_tiles, sizeof from_tiles) == 0);
    CHECK_OK(pqcha_tlog_tiles_verify(target, from_leaves, read_stored_tile, s));
    free(leaves);
    store_close(s);
}

typedef struct seen_checkpoint {
    int calls;
    uint64_t size;
    int64_t signed_at, published_at;
    char note[64];
} seen_checkpoint;

static void remember_checkpoint(void *ctx, const store_checkpoint_row *row) {
    seen_checkpoint *c = ctx;
    c->calls++;
    c->size = row->size;
    c->signed_at = row->signed_at;
    c->published_at = row->published_at;
    snprintf(c->note, sizeof c->note, "%s", row->note);
}

typedef struct seen_lines {
    int count;
    char lines[4][64];
} seen_lines;

static void remember_line(void *ctx, const char *witness, const char *line) {
    seen_lines *l = ctx;
    if (l->count < 4) snprintf(l->lines[l->count], sizeof l->lines[0], "%s:%s", witness, line);
    l->count++;
}

static void test_log_keeps_checkpoints_and_cosignatures(void) {
    store *s = open_test_store();
    REQUIRE(s != NULL);
    static const uint8_t root[32] = {1, 2, 3};
    /* Sizes of this test alone: far above what other tests append. */
    uint64_t base = ((uint64_t)getpid() << 20) + ((uint64_t)test_counter << 8);
    seen_checkpoint c = {0, 0, 0, 0, ""};
    CHECK_OK(store_log_add_checkpoint(s, base + 1, root, "first", 50, remember_checkpoint, &c));
    CHECK(c.calls == 1 && c.size == base + 1 && c.published_at == 0);
    CHECK_STR(c.note, "first");
    /* The first of a size stays (another instance's signature of it). */
    CHECK_OK(store_log_add_checkpoint(s, base + 1, root, "second", 51, remember_checkpoint, &c));
    CHECK(c.calls == 2 && c.signed_at == 50);
    CHECK_STR(c.note, "first");
    CHECK_OK(store_log_add_checkpoint(s, base + 2, root, "two", 52, NULL, NULL));
    CHECK_OK(store_log_add_checkpoint(s, base + 3, root, "three", 53, NULL, NULL));
    CHECK_OK(store_log_checkpoint(s, STORE_CHECKPOINT_LATEST, 0, remember_checkpoint, &c));
    CHECK(c.size >= base + 3);
    CHECK_OK(store_log_checkpoint(s, STORE_CHECKPOINT_OF_SIZE, base + 2, remember_checkpoint, &c));
    CHECK_STR(c.note, "two");
    CHECK_ERR(store_log_checkpoint(s, STORE_CHECKPOINT_OF_SIZE, base + 9, remember_checkpoint, &c),
              PQCHA_ERR_NOT_FOUND);
    /* Cosignatures: one line per witness, the latest kept. */
    CHECK_OK(store_log_add_cosignature(s, base + 1, "w1", "old line\n"));
    CHECK_OK(store_log_add_cosignature(s, base + 1, "w1", "line one\n"));
    CHECK_OK(store_log_add_cosignature(s, base + 1, "w0", "line zero\n"));
    CHECK_ERR(store_log_add_cosignature(s, base + 9, "w1", "x\n"), PQCHA_ERR_NOT_FOUND);
    seen_lines lines = {0, {""}};
    CHECK_OK(store_log_each_cosignature(s, base + 1, remember_line, &lines));
    CHECK(lines.count == 2);
    CHECK_STR(lines.lines[0], "w0:line zero\n");
    CHECK_STR(lines.lines[1], "w1:line one\n");
    /* Publishing: the published one is served; those below it and not
     * published are forgotten with their cosignatures; once published, a
     * checkpoint keeps its time. */
    CHECK_OK(store_log_publish(s, base + 2, 60));
    CHECK_OK(store_log_publish(s, base + 2, 70));
    CHECK_OK(store_log_checkpoint(s, STORE_CHECKPOINT_PUBLISHED, 0, remember_checkpoint, &c));
    CHECK(c.size == base + 2 && c.published_at == 60);
    CHECK_ERR(store_log_checkpoint(s, STORE_CHECKPOINT_OF_SIZE, base + 1, remember_checkpoint, &c),
              PQCHA_ERR_NOT_FOUND);
    memset(&lines, 0, sizeof lines);
    CHECK_OK(store_log_each_cosignature(s, base + 1, remember_line, &lines));
    CHECK(lines.count == 0);
    CHECK_OK(store_log_checkpoint(s, STORE_CHECKPOINT_OF_SIZE, base + 3, remember_checkpoint, &c));
    CHECK_ERR(store_log_publish(s, base + 9, 80), PQCHA_ERR_NOT_FOUND);
    store_close(s);
}

typedef struct seen_body {
    char bytes[16];
    size_t len;
    int calls;
} seen_body;

static void remember_body(void *ctx, const void *data, size_t len) {
    seen_body *b = ctx;
    b->calls++;
    b->len = len;
    memcpy(b->bytes, data, len < sizeof b->bytes ? len : sizeof b->bytes);
}

static void test_log_serves_reports_by_sha256(void) {
    store *s = open_test_store();
    REQUIRE(s != NULL);
    logged l;
    store_commit c;
    logged_report(&l, id("served"), id("w"));
    CHECK_OK(commit(s, &l.r, &c));
    store_commit_clear(&c);
    seen_body b = {"", 0, 0};
    CHECK_OK(store_log_report(s, l.sha256, remember_body, &b));
    CHECK(b.calls == 1 && b.len == 3 && memcmp(b.bytes, "\x01\x00\x02", 3) == 0);
    char absent[65];
    memset(absent, '0', 64);
    absent[64] = '\0';
    CHECK_ERR(store_log_report(s, absent, remember_body, &b), PQCHA_ERR_NOT_FOUND);
    CHECK_ERR(store_log_report(s, "ABC", remember_body, &b), PQCHA_ERR_INVALID_ARGUMENT);
    /* An entry needs the report's SHA-256, in lowercase hex. */
    l.r.digest = id("served-2");
    l.r.envelope_sha256 = "xyz";
    CHECK_ERR(commit(s, &l.r, &c), PQCHA_ERR_INVALID_ARGUMENT);
    store_close(s);
}

/* ---- SQLite only: the file itself ---- */

static int using_sqlite(void) {
    const char *url = getenv("PQCHA_TEST_STORE_URL");
    return !url || !*url;
}

/* A SQLite file of this name in the test's directory, and its URL. */
static void sqlite_file(const char *name, char path[4200], char url[4300]) {
    snprintf(path, 4200, "%s/%s", testutil_tmpdir(), name);
    snprintf(url, 4300, "sqlite:%s", path);
}

/* ---- concurrent commits ----
 * Both back ends commit reports that arrive together in one transaction,
 * and two instances may share a database; whatever the grouping, the
 * outcome is that of one commit after another. The racers alternate
 * between two handles on the test's database. */

#define RACERS 12

typedef struct racer {
    store *s;
    pthread_barrier_t *start;
    logged l;
    char digest[96], result[32];
    pqcha_err err;
    store_commit c;
} racer;

static void *race(void *arg) {
    racer *r = arg;
    pthread_barrier_wait(r->start);
    r->err = commit(r->s, &r->l.r, &r->c);
    return NULL;
}

/* Each racer's report, logged, for workload w, with a result of its own. */
static void line_up(racer *racers, store *const stores[2], const char *digest_name, int same_digest,
                    const char *w) {
    memset(racers, 0, RACERS * sizeof *racers);
    for (int i = 0; i < RACERS; i++) {
        racer *r = &racers[i];
        char name[64];
        snprintf(name, sizeof name, "%s-%d", digest_name, same_digest ? 0 : i);
        snprintf(r->digest, sizeof r->digest, "%s", id(name));
        snprintf(r->result, sizeof r->result, "{\"racer\":%d}", i);
        r->s = stores[i % 2];
        logged_report(&r->l, r->digest, w);
        r->l.r.outcome = OUTCOME_VALID;
        r->l.r.result_json = r->result;
    }
}

static void run_racers(racer *racers) {
    pthread_barrier_t start;
    pthread_t threads[RACERS];
    pthread_barrier_init(&start, NULL, RACERS);
    for (int i = 0; i < RACERS; i++) {
        racers[i].start = &start;
        if (pthread_create(&threads[i], NULL, race, &racers[i]) != 0) abort();
    }
    for (int i = 0; i < RACERS; i++)
        pthread_join(threads[i], NULL);
    pthread_barrier_destroy(&start);
}

static void clear_racers(racer *racers) {
    for (int i = 0; i < RACERS; i++)
        store_commit_clear(&racers[i].c);
}

static void test_concurrent_reports_are_each_stored_and_logged(void) {
    store *s = open_test_store(), *other = open_same_store();
    REQUIRE(s != NULL && other != NULL);
    store *const stores[2] = {s, other};
    char w[128], nonces[RACERS][65];
    snprintf(w, sizeof w, "%s", id("crowd"));
    uint64_t before = log_size_now(s);
    racer racers[RACERS];
    line_up(racers, stores, "crowd", 0, w);
    for (int i = 0; i < RACERS; i++) {
        snprintf(nonces[i], sizeof nonces[i], "%s", nonce((unsigned)i));
        CHECK_OK(store_add_challenge(s, nonces[i], w, 11000, 13000));
        racers[i].l.r.nonce_hex = nonces[i];
    }
    run_racers(racers);
    int transitions = 0;
    uint64_t indices = 0; /* a bit per index taken */
    for (int i = 0; i < RACERS; i++) {
        racer *r = &racers[i];
        CHECK_OK(r->err);
        CHECK(!r->c.duplicate);
        transitions += r->c.transitioned;
        int64_t at = r->c.log_index - (int64_t)before;
        CHECK(at >= 0 && at < RACERS);
        if (at >= 0 && at < RACERS) indices |= 1ull << at;
    }
    CHECK(transitions == 1); /* unknown to trusted, by whichever came first */
    CHECK(indices == (1ull << RACERS) - 1);
    CHECK(log_size_now(s) == before + RACERS);
    seen_workload now = workload_now(s, w);
    CHECK(now.state == WORKLOAD_TRUSTED && now.count == RACERS);
    clear_racers(racers);
    store_close(other);
    store_close(s);
}

static void test_concurrent_deliveries_of_one_report_store_it_once(void) {
    store *s = open_test_store(), *other = open_same_store();
    REQUIRE(s != NULL && other != NULL);
    store *const stores[2] = {s, other};
    char w[128];
    snprintf(w, sizeof w, "%s", id("echo"));
    uint64_t before = log_size_now(s);
    racer racers[RACERS];
    line_up(racers, stores, "echo", 1, w);
    run_racers(racers);
    int stored = 0, first = -1;
    for (int i = 0; i < RACERS; i++) {
        CHECK_OK(racers[i].err);
        CHECK(racers[i].c.log_index == (int64_t)before);
        if (!racers[i].c.duplicate) {
            stored++;
            first = i;
        }
    }
    REQUIRE(stored == 1);
    for (int i = 0; i < RACERS; i++)
        if (racers[i].c.duplicate) CHECK_STR(racers[i].c.stored_result_json, racers[first].result);
    CHECK(log_size_now(s) == before + 1);
    CHECK(workload_now(s, w).count == 1);
    clear_racers(racers);
    store_close(other);
    store_close(s);
}

static void test_concurrent_answers_to_one_challenge_store_one(void) {
    store *s = open_test_store(), *other = open_same_store();
    REQUIRE(s != NULL && other != NULL);
    store *const stores[2] = {s, other};
    char w[128], n[65];
    snprintf(w, sizeof w, "%s", id("rivals"));
    snprintf(n, sizeof n, "%s", nonce(1));
    CHECK_OK(store_add_challenge(s, n, w, 11000, 13000));
    uint64_t before = log_size_now(s);
    racer racers[RACERS];
    line_up(racers, stores, "rival", 0, w);
    for (int i = 0; i < RACERS; i++)
        racers[i].l.r.nonce_hex = n;
    run_racers(racers);
    int stored = 0;
    for (int i = 0; i < RACERS; i++) {
        if (racers[i].err == PQCHA_OK) {
            stored++;
            CHECK(!racers[i].c.duplicate && racers[i].c.log_index == (int64_t)before);
        } else {
            CHECK_ERR(racers[i].err, PQCHA_ERR_NONCE_USED);
        }
    }
    CHECK(stored == 1);
    CHECK(log_size_now(s) == before + 1);
    CHECK(workload_now(s, w).count == 1);
    clear_racers(racers);
    store_close(other);
    store_close(s);
}

/* Puts a workload of the test's database in a state no build knows, as a
 * newer build might: a report for it then fails (STORE). */
static void set_unknown_state(const char *workload) {
    static const char sql[] = "UPDATE workloads SET state = 'from-the-future' WHERE id = ";
    char statement[512];
    if (using_sqlite()) {
        char path[4200];
        sqlite3 *db;
        snprintf(path, sizeof path, "%s/store-%u.db", testutil_tmpdir(), test_counter);
        REQUIRE(sqlite3_open(path, &db) == SQLITE_OK);
        snprintf(statement, sizeof statement, "%s'%s'", sql, workload);
        CHECK(sqlite3_exec(db, statement, NULL, NULL, NULL) == SQLITE_OK);
        CHECK(sqlite3_changes(db) == 1);
        sqlite3_close(db);
        return;
    }
    PGconn *conn = PQconnectdb(getenv("PQCHA_TEST_STORE_URL"));
    REQUIRE(PQstatus(conn) == CONNECTION_OK);
    snprintf(statement, sizeof statement, "%s'%s'", sql, workload);
    PGresult *res = PQexec(conn, statement);
    CHECK(PQresultStatus(res) == PGRES_COMMAND_OK && strcmp(PQcmdTuples(res), "1") == 0);
    PQclear(res);
    PQfinish(conn);
}

/* A report that fails does not take the others committed with it down. */
static void test_concurrent_reports_fail_alone(void) {
    store *s = open_test_store();
    REQUIRE(s != NULL);
    store *const stores[2] = {s, s};
    char w[128], odd[128];
    snprintf(w, sizeof w, "%s", id("steady"));
    snprintf(odd, sizeof odd, "%s", id("odd"));
    store_report first = a_report(id("odd-first"), odd, OUTCOME_VALID, 11000);
    store_commit c;
    CHECK_OK(commit(s, &first, &c));
    store_commit_clear(&c);
    set_unknown_state(odd);
    uint64_t before = log_size_now(s);
    racer racers[RACERS];
    line_up(racers, stores, "steady", 0, w);
    racers[0].l.r.workload = odd;
    run_racers(racers);
    CHECK_ERR(racers[0].err, PQCHA_ERR_STORE);
    for (int i = 1; i < RACERS; i++) {
        CHECK_OK(racers[i].err);
        CHECK(!racers[i].c.duplicate && racers[i].c.log_index >= (int64_t)before);
    }
    CHECK(log_size_now(s) == before + RACERS - 1);
    CHECK(workload_now(s, w).count == RACERS - 1);
    clear_racers(racers);
    store_close(s);
}

/* ---- commits in the background (store_commit_report_async) ---- */

typedef struct landing {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    unsigned landed;
} landing;

typedef struct queued {
    landing *landing;
    char digest[96];
    store_report r;
    store_commit c;
    pqcha_err err;
    int calls;
} queued;

static void landed(void *ctx, pqcha_err err) {
    queued *q = ctx;
    pthread_mutex_lock(&q->landing->lock);
    q->err = err;
    q->calls++;
    q->landing->landed++;
    pthread_cond_signal(&q->landing->cond);
    pthread_mutex_unlock(&q->landing->lock);
}

static void wait_landed(landing *l, unsigned count) {
    pthread_mutex_lock(&l->lock);
    while (l->landed < count)
        pthread_cond_wait(&l->cond, &l->lock);
    pthread_mutex_unlock(&l->lock);
}

#define QUEUED 120u

/* Many commits queued from one thread without waiting: each lands once
 * with what store_commit_report would have said, a report delivered twice
 * in flight is stored once, and the workload counts every other one. */
static void test_background_commits_each_land_once(void) {
    store *s = open_test_store();
    REQUIRE(s != NULL);
    CHECK(store_commits_in_background(s) == using_sqlite());
    static queued q[QUEUED];
    landing l = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
    char w[128];
    snprintf(w, sizeof w, "%s", id("w"));
    for (unsigned i = 0; i < QUEUED; i++) {
        memset(&q[i], 0, sizeof q[i]);
        q[i].landing = &l;
        /* every tenth delivery repeats the one before it */
        snprintf(q[i].digest, sizeof q[i].digest, "%s-%u", id("queued"), i % 10 == 9 ? i - 1 : i);
        q[i].r = a_report(q[i].digest, w, OUTCOME_VALID, 100 + i);
        store_commit_report_async(s, &q[i].r, &q[i].c, landed, &q[i]);
    }
    wait_landed(&l, QUEUED);
    unsigned duplicates = 0;
    for (unsigned i = 0; i < QUEUED; i++) {
        CHECK(q[i].calls == 1);
        CHECK_OK(q[i].err);
        CHECK(q[i].c.duplicate == (i % 10 == 9));
        if (q[i].c.duplicate) CHECK_STR(q[i].c.stored_result_json, "{\"verdict\":\"x\"}");
        duplicates += (unsigned)q[i].c.duplicate;
        store_commit_clear(&q[i].c);
    }
    CHECK(duplicates == QUEUED / 10);
    CHECK(workload_now(s, w).count == (int)(QUEUED - QUEUED / 10));
    store_close(s);
}

/* A refusal lands like an answer: the challenge's second user hears
 * NONCE_USED, and nothing of it is stored. */
static void test_background_commit_refusals_land(void) {
    store *s = open_test_store();
    REQUIRE(s != NULL);
    char w[128];
    snprintf(w, sizeof w, "%s", id("w"));
    CHECK_OK(store_add_challenge(s, nonce(1), w, 1000, 2000));
    landing l = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
    static queued q[2];
    for (unsigned i = 0; i < 2; i++) {
        memset(&q[i], 0, sizeof q[i]);
        q[i].landing = &l;
        snprintf(q[i].digest, sizeof q[i].digest, "%s-%u", id("answer"), i);
        q[i].r = a_report(q[i].digest, w, OUTCOME_VALID, 1100);
        q[i].r.nonce_hex = nonce(1);
        store_commit_report_async(s, &q[i].r, &q[i].c, landed, &q[i]);
    }
    wait_landed(&l, 2);
    CHECK_OK(q[0].err);
    CHECK_ERR(q[1].err, PQCHA_ERR_NONCE_USED);
    CHECK(!q[1].c.duplicate && q[1].c.stored_result_json == NULL);
    store_commit_clear(&q[0].c);
    CHECK(workload_now(s, w).count == 1);
    /* Arguments are checked as for store_commit_report, and answered at once. */
    q[0].calls = 0;
    store_report bad = q[0].r;
    bad.digest = NULL;
    store_commit_report_async(s, &bad, &q[0].c, landed, &q[0]);
    CHECK(q[0].calls == 1);
    CHECK_ERR(q[0].err, PQCHA_ERR_INVALID_ARGUMENT);
    store_close(s);
}

static void test_sqlite_file_is_private_and_survives_reopening(void) {
    if (!using_sqlite()) return;
    char path[4200], url[4300];
    sqlite_file("reopen.db", path, url);
    store *s = NULL;
    REQUIRE(store_open(&s, url, NULL, 0) == PQCHA_OK);
    store_commit c;
    store_report r = a_report("kept", "w", OUTCOME_DRIFT, 10);
    CHECK_OK(commit(s, &r, &c));
    store_commit_clear(&c);
    store_close(s);
    struct stat st;
    REQUIRE(stat(path, &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    REQUIRE(store_open(&s, url, NULL, 0) == PQCHA_OK);
    CHECK(workload_now(s, "w").state == WORKLOAD_DRIFTED);
    CHECK_OK(commit(s, &r, &c));
    CHECK(c.duplicate);
    store_commit_clear(&c);
    store_close(s);
}

/* Opened through a symbolic link, the store flushes the log SQLite writes
 * (named after the resolved path), and the data lands in the real file. */
static void test_sqlite_opens_through_a_symlink(void) {
    if (!using_sqlite()) return;
    char real[4200], real_url[4300], link[4200], link_url[4300];
    sqlite_file("real.db", real, real_url);
    sqlite_file("link.db", link, link_url);
    store *s = NULL;
    REQUIRE(store_open(&s, real_url, NULL, 0) == PQCHA_OK);
    store_close(s);
    REQUIRE(symlink(real, link) == 0);
    char why[256];
    CHECK_OK(store_open(&s, link_url, why, sizeof why));
    REQUIRE(s != NULL);
    store_commit c;
    store_report r = a_report("through-link", "w", OUTCOME_VALID, 10);
    CHECK_OK(commit(s, &r, &c));
    store_commit_clear(&c);
    store_close(s);
    REQUIRE(store_open(&s, real_url, NULL, 0) == PQCHA_OK);
    CHECK(workload_now(s, "w").count == 1);
    store_close(s);
}

static void test_sqlite_newer_schema_is_refused(void) {
    if (!using_sqlite()) return;
    char path[4200], url[4300];
    sqlite_file("newer.db", path, url);
    store *s = NULL;
    REQUIRE(store_open(&s, url, NULL, 0) == PQCHA_OK);
    store_close(s);
    sqlite3 *db;
    REQUIRE(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "UPDATE pqcha_schema SET version = version + 1", NULL, NULL, NULL) ==
          SQLITE_OK);
    sqlite3_close(db);
    CHECK_ERR(store_open(&s, url, NULL, 0), PQCHA_ERR_STORE_SCHEMA);
    CHECK(s == NULL);
}

/* A database of schema 1 (before the log) is migrated: its reports stay,
 * and the log starts empty. */
static void test_sqlite_migrates_a_database_without_log(void) {
    if (!using_sqlite()) return;
    char path[4200], url[4300];
    sqlite_file("schema1.db", path, url);
    store *s = NULL;
    REQUIRE(store_open(&s, url, NULL, 0) == PQCHA_OK);
    store_commit c;
    store_report r = a_report("old", "w", OUTCOME_VALID, 10);
    CHECK_OK(commit(s, &r, &c));
    store_commit_clear(&c);
    store_close(s);
    sqlite3 *db;
    REQUIRE(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db,
                       "DROP TABLE log_entries; DROP TABLE log_hashes; DROP TABLE log_head;"
                       " DROP TABLE log_checkpoints; DROP TABLE log_cosignatures;"
                       " DROP TRIGGER events_to_webhook_outbox; DROP TABLE webhook_outbox;"
                       " UPDATE pqcha_schema SET version = 1",
                       NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    REQUIRE(store_open(&s, url, NULL, 0) == PQCHA_OK);
    CHECK(workload_now(s, "w").state == WORKLOAD_TRUSTED);
    CHECK(log_size_now(s) == 0);
    logged l;
    logged_report(&l, "old", "w");
    CHECK_OK(commit(s, &l.r, &c));
    CHECK(c.duplicate && c.log_index == 0);
    store_commit_clear(&c);
    /* Events from now on wait for the webhook; the earlier one is history. */
    uint64_t pending = 1;
    CHECK_OK(store_outbox_count(s, &pending));
    CHECK(pending == 0);
    r = a_report("new", "w", OUTCOME_DRIFT, 20);
    CHECK_OK(commit(s, &r, &c));
    CHECK(c.transitioned);
    store_commit_clear(&c);
    CHECK_OK(store_outbox_count(s, &pending));
    CHECK(pending == 1);
    store_close(s);
}

/* ---- the webhook's outbox ---- */

/* Commits a report; returns the number of the event it caused (0: none). */
static int64_t event_of(store *s, const char *digest, const char *workload, report_outcome outcome,
                        int64_t at) {
    store_commit c;
    store_report r = a_report(digest, workload, outcome, at);
    CHECK_OK(commit(s, &r, &c));
    int64_t seq = c.transitioned ? c.event_seq : 0;
    store_commit_clear(&c);
    return seq;
}

/* Claims at now (a lease of 1000 ms); returns the event claimed (0: none). */
static int64_t claim_at(store *s, int64_t now, unsigned *attempts, int64_t *due) {
    int64_t seq = -1;
    CHECK_OK(store_outbox_claim(s, now, now + 1000, &seq, attempts, due));
    return seq;
}

/* Every event the store keeps, a report's transition or a stale mark, waits
 * in the outbox in its own transaction; it goes out oldest first, leased
 * while tried, deferred, removed. */
static void test_outbox_holds_every_event_in_order(void) {
    store *s = open_test_store();
    REQUIRE(s != NULL);
    CHECK_OK(store_outbox_clear(s, NULL)); /* other tests' events, on a shared database */
    const char *w = id("hooked");
    int64_t trusted = event_of(s, id("first"), w, OUTCOME_VALID, 8000);
    CHECK(trusted > 0);
    CHECK(event_of(s, id("again"), w, OUTCOME_VALID, 8001) == 0); /* no transition */
    store_stale_rule rule = {w, 8500};
    store_stale_cutoffs only_w = {STORE_NEVER_STALE, &rule, 1};
    CHECK_OK(store_mark_stale(s, &only_w, 9000, NULL, NULL));
    uint64_t count = 0;
    CHECK_OK(store_outbox_count(s, &count));
    CHECK(count == 2);
    unsigned attempts = 0;
    int64_t due = -1;
    CHECK(claim_at(s, 10000, &attempts, &due) == trusted);
    CHECK(attempts == 1);
    /* Leased until 11000: nobody else takes it, and the next waits behind it. */
    CHECK(claim_at(s, 10999, &attempts, &due) == 0);
    CHECK(due == 11000);
    CHECK(claim_at(s, 11000, &attempts, &due) == trusted); /* the lease ran out */
    CHECK(attempts == 2);
    CHECK_OK(store_outbox_defer(s, trusted, 20000));
    CHECK(claim_at(s, 19999, &attempts, &due) == 0);
    CHECK(due == 20000);
    CHECK_OK(store_outbox_remove(s, trusted));
    int64_t stale = claim_at(s, 12000, &attempts, &due);
    CHECK(stale > trusted && attempts == 1);
    CHECK_OK(store_outbox_remove(s, stale));
    CHECK(claim_at(s, 12000, &attempts, &due) == 0);
    CHECK(due == 0); /* empty */
    CHECK_OK(store_outbox_count(s, &count));
    CHECK(count == 0);
    /* Emptied at once (a service without a webhook). */
    CHECK(event_of(s, id("drift"), w, OUTCOME_DRIFT, 9100) > 0);
    uint64_t removed = 0;
    CHECK_OK(store_outbox_clear(s, &removed));
    CHECK(removed == 1);
    CHECK_ERR(store_outbox_claim(s, 5, 4, &stale, &attempts, &due), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(store_outbox_remove(s, 0), PQCHA_ERR_INVALID_ARGUMENT);
    store_close(s);
}

/* Two instances sharing a database: a claimed event is the claimer's until
 * its lease ends. */
static void test_outbox_claim_is_exclusive(void) {
    store *s = open_test_store();
    REQUIRE(s != NULL);
    store *other = open_same_store();
    REQUIRE(other != NULL);
    CHECK_OK(store_outbox_clear(s, NULL));
    CHECK(event_of(s, id("one"), id("shared"), OUTCOME_VALID, 8000) > 0);
    unsigned attempts = 0;
    int64_t due = 0;
    int64_t seq = claim_at(s, 10000, &attempts, &due);
    CHECK(seq > 0);
    CHECK(claim_at(other, 10500, &attempts, &due) == 0);
    CHECK(claim_at(other, 11000, &attempts, &due) == seq);
    CHECK(attempts == 2);
    CHECK_OK(store_outbox_remove(other, seq));
    store_close(other);
    store_close(s);
}

static void test_sqlite_not_a_database(void) {
    if (!using_sqlite()) return;
    char path[4200], url[4300];
    sqlite_file("garbage.db", path, url);
    FILE *f = fopen(path, "w");
    REQUIRE(f != NULL);
    for (int i = 0; i < 200; i++)
        fputs("this is not a database. ", f);
    fclose(f);
    store *s = NULL;
    char why[256];
    CHECK_ERR(store_open(&s, url, why, sizeof why), PQCHA_ERR_STORE);
    CHECK(strstr(why, "not a database") != NULL);
}

TEST_MAIN(
    TEST(test_open_rejects_unknown_schemes), TEST(test_open_reports_kind_and_pings),
    TEST(test_challenge_lifecycle), TEST(test_commit_refuses_expired_or_foreign_challenges),
    TEST(test_prune_keeps_unexpired_challenges), TEST(test_outbox_holds_every_event_in_order),
    TEST(test_outbox_claim_is_exclusive), TEST(test_state_moves_with_reports_and_events_record_it),
    TEST(test_ignored_reports_create_no_workload),
    TEST(test_same_report_is_stored_once_and_answered_the_same),
    TEST(test_reports_list_since_and_limit_in_order),
    TEST(test_events_list_after_a_sequence_number), TEST(test_stale_marks_only_quiet_workloads),
    TEST(test_stale_by_each_workloads_own_cutoff), TEST(test_counts_by_state),
    TEST(test_every_workload_is_listed), TEST(test_invalid_arguments),
    TEST(test_log_appends_with_the_report_once), TEST(test_log_refused_commit_appends_nothing),
    TEST(test_log_takes_a_report_stored_before_it), TEST(test_log_stores_the_tiles),
    TEST(test_log_keeps_checkpoints_and_cosignatures), TEST(test_log_serves_reports_by_sha256),
    TEST(test_concurrent_reports_are_each_stored_and_logged),
    TEST(test_concurrent_deliveries_of_one_report_store_it_once),
    TEST(test_concurrent_answers_to_one_challenge_store_one),
    TEST(test_concurrent_reports_fail_alone), TEST(test_background_commits_each_land_once),
    TEST(test_background_commit_refusals_land), TEST(test_sqlite_migrates_a_database_without_log),
    TEST(test_sqlite_file_is_private_and_survives_reopening),
    TEST(test_sqlite_newer_schema_is_refused), TEST(test_sqlite_opens_through_a_symlink),
    TEST(test_sqlite_not_a_database))
