/* test_service.c — the verifier service's requests without HTTP, on a
 * SQLite store and a clock the test sets: challenges that expire, replays,
 * stale workloads, the event hook, policy reloads, replies' statuses. */
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "service/service.h"
#include "service_fixture.h"
#include "testutil.h"

typedef struct fixture {
    store *db;
    service *svc;
    int events;
    workload_state last_from, last_to;
} fixture;

static void on_event(void *ctx, const store_event_row *e) {
    fixture *f = ctx;
    f->events++;
    f->last_from = e->from;
    f->last_to = e->to;
}

static int fixture_open(fixture *f, int64_t stale_after) {
    static unsigned n;
    char url[4200];
    memset(f, 0, sizeof *f);
    snprintf(url, sizeof url, "sqlite:%s/service-%u.db", testutil_tmpdir(), ++n);
    fake_now = (int64_t)time(NULL);
    service_options o = {120, stale_after, test_clock};
    if (store_open(&f->db, url, NULL, 0) != PQCHA_OK ||
        service_create(&f->svc, f->db, &o) != PQCHA_OK)
        return 0;
    service_set_event_hook(f->svc, on_event, f);
    return service_set_policy(f->svc, policy_for(weights, sizeof weights, signer_public())) ==
           PQCHA_OK;
}

static void fixture_close(fixture *f) {
    service_free(f->svc);
    store_close(f->db);
}

/* The JSON member `key` of a reply's body, as text ("" if absent). */
static const char *member(const service_reply *r, const char *key) {
    static char text[256];
    json_t *j = json_loadb(r->body, r->body_len, 0, NULL);
    json_t *v = json_object_get(j, key);
    snprintf(text, sizeof text, "%s",
             json_is_string(v)    ? json_string_value(v)
             : json_is_integer(v) ? "(int)"
                                  : "");
    json_decref(j);
    return text;
}

static void new_challenge(fixture *f, char nonce[128]) {
    service_reply r;
    const char req[] = "{\"workload\": \"" WORKLOAD "\"}";
    CHECK_OK(service_challenge(f->svc, req, strlen(req), &r));
    CHECK(r.status == 200);
    snprintf(nonce, 128, "%s", member(&r, "nonce"));
    service_reply_clear(&r);
}

static unsigned submit(fixture *f, const uint8_t *data, const char *nonce, char verdict[32],
                       char error[48]) {
    size_t len;
    char *env = report_over(data, sizeof weights, nonce, &len);
    service_reply r;
    CHECK_OK(service_submit_report(f->svc, env, len, &r));
    snprintf(verdict, 32, "%s", member(&r, "verdict"));
    snprintf(error, 48, "%s", member(&r, "errorName"));
    unsigned status = r.status;
    service_reply_clear(&r);
    pqcha_free(env);
    return status;
}

static workload_state state_of(fixture *f) {
    service_reply r;
    workload_state s = WORKLOAD_STATE_COUNT;
    CHECK_OK(service_get_workload(f->svc, WORKLOAD, &r));
    if (r.status == 200 && workload_state_parse(member(&r, "state"), &s) != PQCHA_OK)
        s = WORKLOAD_STATE_COUNT;
    service_reply_clear(&r);
    return s;
}

/* ---- tests ---- */

static void test_challenge_then_valid_report_trusts_the_workload(void) {
    fixture f;
    REQUIRE(fixture_open(&f, 0));
    char nonce[128], verdict[32], error[48];
    new_challenge(&f, nonce);
    CHECK(strlen(nonce) == 64);
    CHECK(submit(&f, weights, nonce, verdict, error) == 200);
    CHECK_STR(verdict, "valid");
    CHECK(state_of(&f) == WORKLOAD_TRUSTED);
    CHECK(f.events == 1 && f.last_from == WORKLOAD_UNKNOWN && f.last_to == WORKLOAD_TRUSTED);
    fixture_close(&f);
}

static void test_expired_challenge_is_refused_and_moves_nothing(void) {
    fixture f;
    REQUIRE(fixture_open(&f, 0));
    char nonce[128], verdict[32], error[48];
    new_challenge(&f, nonce);
    fake_now += 121; /* the challenge lived 120 s */
    CHECK(submit(&f, weights, nonce, verdict, error) == 200);
    CHECK_STR(verdict, "rejected");
    CHECK_STR(error, "NONCE_EXPIRED");
    CHECK(f.events == 0);
    service_reply r;
    CHECK_OK(service_get_workload(f.svc, WORKLOAD, &r));
    CHECK(r.status == 404); /* a refused replay creates no workload */
    service_reply_clear(&r);
    fixture_close(&f);
}

/* A second report answering a used challenge is a replay, whether this
 * instance saw the first one (its own memory of the challenge is dropped)
 * or another instance on the same store consumed it (only the store knows:
 * the commit finds it used and the result says so). */
static void test_second_report_on_a_used_challenge_is_a_replay(void) {
    fixture f;
    REQUIRE(fixture_open(&f, 0));
    char nonce[128], verdict[32], error[48];
    new_challenge(&f, nonce);
    CHECK(submit(&f, weights, nonce, verdict, error) == 200);
    CHECK_STR(verdict, "valid");
    CHECK(submit(&f, weights, nonce, verdict, error) == 200);
    CHECK_STR(verdict, "rejected");
    CHECK_STR(error, "NONCE_USED");

    fixture other = f; /* a second instance: the same store, its own memory */
    service_options o = {120, 0, test_clock};
    REQUIRE(service_create(&other.svc, f.db, &o) == PQCHA_OK);
    REQUIRE(service_set_policy(other.svc, policy_for(weights, sizeof weights, signer_public())) ==
            PQCHA_OK);
    new_challenge(&f, nonce); /* issued by the first instance */
    CHECK(submit(&other, weights, nonce, verdict, error) == 200);
    CHECK_STR(verdict, "valid");
    CHECK(submit(&f, weights, nonce, verdict, error) == 200);
    CHECK_STR(verdict, "rejected");
    CHECK_STR(error, "NONCE_USED");
    service_free(other.svc);
    fixture_close(&f);
}

/* ---- in two steps (service_submit_start, _finish), as the HTTP front
 * submits reports: verified in the caller's thread, committed in the
 * store's, answered after ready ---- */

typedef struct readiness {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int ready;
} readiness;

static void became_ready(void *ctx) {
    readiness *r = ctx;
    pthread_mutex_lock(&r->lock);
    r->ready++;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->lock);
}

static void wait_ready(readiness *r, int times) {
    pthread_mutex_lock(&r->lock);
    while (r->ready < times)
        pthread_cond_wait(&r->cond, &r->lock);
    pthread_mutex_unlock(&r->lock);
}

/* Two reports answering one challenge, both in flight at once: the first
 * committed is valid; the other's commit finds the challenge used, so it is
 * verified again as a replay and queued once more before its answer. */
static void test_two_steps_answer_a_race_for_a_challenge(void) {
    fixture f;
    REQUIRE(fixture_open(&f, 0));
    CHECK(service_submits_in_background(f.svc));
    char nonce[128];
    new_challenge(&f, nonce);
    size_t la, lb;
    char *a = report_over(weights, sizeof weights, nonce, &la);
    char *b = report_over(weights, sizeof weights, nonce, &lb);
    readiness ra = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
    readiness rb = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
    service_pending *pa = NULL, *pb = NULL;
    service_reply r;
    CHECK_OK(service_submit_start(f.svc, a, la, became_ready, &ra, &pa, &r));
    CHECK_OK(service_submit_start(f.svc, b, lb, became_ready, &rb, &pb, &r));
    REQUIRE(pa != NULL && pb != NULL);

    wait_ready(&ra, 1);
    CHECK(!service_submit_again(pa));
    CHECK_OK(service_submit_finish(&pa, &r));
    CHECK(pa == NULL && r.status == 200);
    CHECK_STR(member(&r, "verdict"), "valid");
    service_reply_clear(&r);

    wait_ready(&rb, 1);
    CHECK(service_submit_again(pb));
    CHECK_OK(service_submit_finish(&pb, &r));
    REQUIRE(pb != NULL); /* queued again, nothing answered yet */
    CHECK(r.body == NULL);
    wait_ready(&rb, 2);
    CHECK(!service_submit_again(pb));
    CHECK_OK(service_submit_finish(&pb, &r));
    CHECK(pb == NULL && r.status == 200);
    CHECK_STR(member(&r, "verdict"), "rejected");
    CHECK_STR(member(&r, "errorName"), "NONCE_USED");
    service_reply_clear(&r);
    CHECK(state_of(&f) == WORKLOAD_TRUSTED);
    pqcha_free(a);
    pqcha_free(b);
    fixture_close(&f);
}

/* What needs no commit is answered by start itself; a pending submission
 * can be dropped after its ready (a closed connection). */
static void test_two_steps_answer_at_once_or_cancel(void) {
    fixture f;
    REQUIRE(fixture_open(&f, 0));
    readiness ready = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
    service_pending *p = NULL;
    service_reply r;
    CHECK_OK(service_submit_start(f.svc, "{}", 2, became_ready, &ready, &p, &r));
    CHECK(p == NULL && r.status == 400);
    service_reply_clear(&r);

    char nonce[128];
    new_challenge(&f, nonce);
    size_t len;
    char *report = report_over(weights, sizeof weights, nonce, &len);
    CHECK_OK(service_submit_start(f.svc, report, len, became_ready, &ready, &p, &r));
    REQUIRE(p != NULL);
    wait_ready(&ready, 1);
    service_submit_cancel(p); /* stored all the same: its commit landed */
    CHECK(state_of(&f) == WORKLOAD_TRUSTED);
    CHECK(ready.ready == 1);
    pqcha_free(report);
    fixture_close(&f);
}

static void test_drift_then_stale_then_trusted_again(void) {
    fixture f;
    REQUIRE(fixture_open(&f, 300));
    char nonce[128], verdict[32], error[48];
    uint8_t tampered[sizeof weights];
    memcpy(tampered, weights, sizeof weights);
    tampered[10] ^= 0xff;
    new_challenge(&f, nonce);
    CHECK(submit(&f, tampered, nonce, verdict, error) == 200);
    CHECK_STR(verdict, "drift");
    CHECK(state_of(&f) == WORKLOAD_DRIFTED);
    fake_now += 299;
    CHECK_OK(service_tick(f.svc));
    CHECK(state_of(&f) == WORKLOAD_DRIFTED);
    fake_now += 2;
    CHECK_OK(service_tick(f.svc));
    CHECK(state_of(&f) == WORKLOAD_STALE);
    CHECK(f.last_from == WORKLOAD_DRIFTED && f.last_to == WORKLOAD_STALE);
    new_challenge(&f, nonce);
    CHECK(submit(&f, weights, nonce, verdict, error) == 200);
    CHECK(state_of(&f) == WORKLOAD_TRUSTED);
    CHECK(f.events == 3);
    fixture_close(&f);
}

static void test_stale_never_when_disabled(void) {
    fixture f;
    REQUIRE(fixture_open(&f, -1));
    char nonce[128], verdict[32], error[48];
    new_challenge(&f, nonce);
    CHECK(submit(&f, weights, nonce, verdict, error) == 200);
    fake_now += 10 * 365 * 86400;
    CHECK_OK(service_tick(f.svc));
    CHECK(state_of(&f) == WORKLOAD_TRUSTED);
    fixture_close(&f);
}

/* The policy's staleAfterSeconds for the workload, over the service's. */
static void use_stale_after(fixture *f, int64_t seconds) {
    pqcha_policy *p = policy_for(weights, sizeof weights, signer_public());
    CHECK_OK(pqcha_policy_set_workload_stale_after(p, WORKLOAD, seconds));
    CHECK_OK(pqcha_policy_finish(p));
    CHECK(pqcha_policy_workload_stale_after(p, WORKLOAD) == seconds);
    CHECK_OK(service_set_policy(f->svc, p));
}

static void test_stale_after_the_policys_interval(void) {
    static const struct {
        int64_t service, policy, wait;
        workload_state then;
    } cases[] = {
        {300, 30, 29, WORKLOAD_TRUSTED},
        {300, 30, 31, WORKLOAD_STALE}, /* shorter */
        {30, 300, 31, WORKLOAD_TRUSTED},
        {30, 300, 301, WORKLOAD_STALE},               /* longer */
        {300, 0, 10 * 365 * 86400, WORKLOAD_TRUSTED}, /* never */
        {-1, 30, 31, WORKLOAD_STALE},                 /* the service's off, the policy's on */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fixture f;
        char nonce[128], verdict[32], error[48];
        REQUIRE(fixture_open(&f, cases[i].service));
        use_stale_after(&f, cases[i].policy);
        new_challenge(&f, nonce);
        CHECK(submit(&f, weights, nonce, verdict, error) == 200);
        CHECK(state_of(&f) == WORKLOAD_TRUSTED);
        fake_now += cases[i].wait;
        CHECK_OK(service_tick(f.svc));
        if (state_of(&f) != cases[i].then) fprintf(stderr, "case %zu\n", i);
        CHECK(state_of(&f) == cases[i].then);
        fixture_close(&f);
    }
}

static void test_challenges_for_unknown_or_malformed_requests(void) {
    fixture f;
    REQUIRE(fixture_open(&f, 0));
    static const struct {
        const char *body;
        unsigned status;
    } cases[] = {
        {"{\"workload\": \"nobody\"}", 404},
        {"{\"workload\": \"" WORKLOAD "\", \"workload\": \"x\"}", 400},
        {"{\"workload\": 7}", 400},
        {"{\"workload\": \"\"}", 400},
        {"{\"workload\": \"a\\u0007b\"}", 400},
        {"[]", 400},
        {"", 400},
        {"{\"workload\": \"" WORKLOAD "\"} trailing", 400},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        service_reply r;
        CHECK_OK(service_challenge(f.svc, cases[i].body, strlen(cases[i].body), &r));
        if (r.status != cases[i].status)
            fprintf(stderr, "  case %zu: status %u, expected %u\n", i, r.status, cases[i].status);
        CHECK(r.status == cases[i].status);
        CHECK(strlen(member(&r, "error")) > 0);
        service_reply_clear(&r);
    }
    fixture_close(&f);
}

static void test_reload_changes_the_reference_and_refuses_keyless_policies(void) {
    fixture f;
    REQUIRE(fixture_open(&f, 0));
    uint8_t updated[sizeof weights];
    memset(updated, 7, sizeof updated);
    char nonce[128], verdict[32], error[48];
    CHECK_ERR(service_set_policy(f.svc, policy_for(updated, sizeof updated, NULL)),
              PQCHA_ERR_BAD_POLICY);
    new_challenge(&f, nonce);
    CHECK(submit(&f, updated, nonce, verdict, error) == 200);
    CHECK_STR(verdict, "drift"); /* the refused policy was not installed */
    CHECK_OK(service_set_policy(f.svc, policy_for(updated, sizeof updated, signer_public())));
    new_challenge(&f, nonce);
    CHECK(submit(&f, updated, nonce, verdict, error) == 200);
    CHECK_STR(verdict, "valid");
    CHECK_ERR(service_set_policy(f.svc, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    fixture_close(&f);
}

static void test_unreadable_and_oversized_reports(void) {
    fixture f;
    REQUIRE(fixture_open(&f, 0));
    service_reply r;
    CHECK_OK(service_submit_report(f.svc, "{}", 2, &r));
    CHECK(r.status == 400);
    CHECK_STR(member(&r, "verdict"), "malformed");
    service_reply_clear(&r);
    CHECK_OK(service_submit_report(f.svc, "", SERVICE_MAX_REPORT_BYTES + 1, &r));
    CHECK(r.status == 413);
    service_reply_clear(&r);
    fixture_close(&f);
}

static void test_no_policy_is_unavailable(void) {
    store *db = NULL;
    service *svc = NULL;
    char url[4200];
    snprintf(url, sizeof url, "sqlite:%s/nopolicy.db", testutil_tmpdir());
    REQUIRE(store_open(&db, url, NULL, 0) == PQCHA_OK);
    REQUIRE(service_create(&svc, db, NULL) == PQCHA_OK);
    service_reply r;
    CHECK_OK(service_submit_report(svc, "{}", 2, &r));
    CHECK(r.status == 503);
    service_reply_clear(&r);
    CHECK_OK(service_health(svc, &r));
    CHECK(r.status == 503);
    service_reply_clear(&r);
    service_free(svc);
    store_close(db);
    CHECK_ERR(service_create(&svc, NULL, NULL), PQCHA_ERR_INVALID_ARGUMENT);
}

static void test_metrics_count_what_happened(void) {
    fixture f;
    REQUIRE(fixture_open(&f, 0));
    char nonce[128], verdict[32], error[48];
    new_challenge(&f, nonce);
    CHECK(submit(&f, weights, nonce, verdict, error) == 200);
    CHECK(submit(&f, weights, nonce, verdict, error) == 200); /* a new report, a used nonce */
    service_reply r;
    CHECK_OK(service_metrics(f.svc, &r));
    CHECK(r.status == 200);
    CHECK(strstr(r.body, "pqcha_reports_total{verdict=\"valid\"} 1\n") != NULL);
    CHECK(strstr(r.body, "pqcha_reports_total{verdict=\"rejected\"} 1\n") != NULL);
    CHECK(strstr(r.body, "pqcha_report_rejections_total{reason=\"NONCE_USED\"} 1\n") != NULL);
    CHECK(strstr(r.body, "pqcha_workloads{state=\"trusted\"} 1\n") != NULL);
    CHECK(strstr(r.body, "pqcha_verify_seconds_count 2\n") != NULL);
    service_reply_clear(&r);
    fixture_close(&f);
}

TEST_MAIN(TEST(test_challenge_then_valid_report_trusts_the_workload),
          TEST(test_two_steps_answer_a_race_for_a_challenge),
          TEST(test_two_steps_answer_at_once_or_cancel),
          TEST(test_expired_challenge_is_refused_and_moves_nothing),
          TEST(test_second_report_on_a_used_challenge_is_a_replay),
          TEST(test_drift_then_stale_then_trusted_again), TEST(test_stale_never_when_disabled),
          TEST(test_stale_after_the_policys_interval),
          TEST(test_challenges_for_unknown_or_malformed_requests),
          TEST(test_reload_changes_the_reference_and_refuses_keyless_policies),
          TEST(test_unreadable_and_oversized_reports), TEST(test_no_policy_is_unavailable),
          TEST(test_metrics_count_what_happened))
