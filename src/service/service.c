/* service.c — the verifier service's requests (service.h), over the store,
 * libpqcha's verifier and, when it keeps one, the transparency log (log.h). */
#include "service/service.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "pqcha/evidence.h"
#include "pqcha/tlog.h"
#include "pqcha/verify.h"
#include "service/challenge_cache.h"
#include "service/metrics.h"
#include "service/try.h"

#define NONCE_BYTES   32u
#define DEFAULT_LIMIT 100u

/* A policy and the verifier built from it, shared by the requests that
 * started while it was current (service_set_policy swaps it). */
typedef struct policy_ref {
    pqcha_policy *policy;
    pqcha_verifier *verifier;
    pqcha_evidence_verifier *evidence; /* the verifier's, NULL: none */
    uint8_t sha256[PQCHA_SHA256_LEN];  /* of the policy's bytes: log entries name it */
    unsigned users;                    /* requests holding it, plus one while it is current */
} policy_ref;

struct service {
    store *db;
    metrics *metrics;
    int64_t challenge_ttl, stale_after;
    int64_t (*clock)(void);
    pthread_mutex_t lock; /* guards current and every policy_ref's users */
    policy_ref *current;
    service_event_fn on_event;
    void *on_event_ctx;
    webhook *webhook;
    tlog *log;                   /* NULL: no transparency log */
    challenge_cache *challenges; /* issued here: checked without the store */
};

static int64_t system_clock(void) {
    return (int64_t)time(NULL);
}

/* ---- life cycle ---- */

pqcha_err service_create(service **out, store *db, const service_options *options) {
    if (!out) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (!db) return PQCHA_ERR_INVALID_ARGUMENT;
    service *s = calloc(1, sizeof *s);
    if (!s) return PQCHA_ERR_NO_MEMORY;
    if (metrics_create(&s->metrics) != PQCHA_OK ||
        challenge_cache_create(&s->challenges) != PQCHA_OK) {
        metrics_free(s->metrics);
        free(s);
        return PQCHA_ERR_NO_MEMORY;
    }
    s->db = db;
    s->challenge_ttl = options && options->challenge_ttl > 0 ? options->challenge_ttl
                                                             : SERVICE_DEFAULT_CHALLENGE_TTL;
    s->stale_after =
        !options || options->stale_after == 0 ? SERVICE_DEFAULT_STALE_AFTER : options->stale_after;
    s->clock = options && options->clock ? options->clock : system_clock;
    pthread_mutex_init(&s->lock, NULL);
    *out = s;
    return PQCHA_OK;
}

static void policy_ref_free(policy_ref *p) {
    if (!p) return;
    pqcha_verifier_free(p->verifier);
    pqcha_evidence_verifier_free(p->evidence);
    pqcha_policy_free(p->policy);
    free(p);
}

static policy_ref *acquire_policy(service *s) {
    pthread_mutex_lock(&s->lock);
    policy_ref *p = s->current;
    if (p) p->users++;
    pthread_mutex_unlock(&s->lock);
    return p;
}

static void release_policy(service *s, policy_ref *p) {
    if (!p) return;
    pthread_mutex_lock(&s->lock);
    int last = --p->users == 0;
    pthread_mutex_unlock(&s->lock);
    if (last) policy_ref_free(p);
}

void service_free(service *s) {
    if (!s) return;
    release_policy(s, s->current);
    metrics_free(s->metrics);
    challenge_cache_free(s->challenges);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

static pqcha_err build_verifier(pqcha_verifier **out, const pqcha_policy *policy,
                                const pqcha_evidence_verifier *evidence) {
    if (pqcha_policy_trusted_key_count(policy) == 0) return PQCHA_ERR_BAD_POLICY;
    SERVICE_TRY(pqcha_verifier_create(out));
    pqcha_err err = pqcha_verifier_set_policy(*out, policy);
    if (err == PQCHA_OK) err = pqcha_verifier_set_evidence_verifier(*out, evidence);
    if (err != PQCHA_OK) {
        pqcha_verifier_free(*out);
        *out = NULL;
    }
    return err;
}

/* A policy built in memory has no file: it is named by its canonical JSON. */
static pqcha_err canonical_policy_sha256(uint8_t out[PQCHA_SHA256_LEN],
                                         const pqcha_policy *policy) {
    char *json = NULL;
    size_t len = 0;
    SERVICE_TRY(pqcha_policy_to_json(&json, &len, policy));
    pqcha_err err = pqcha_sha256(out, json, len);
    pqcha_free(json);
    return err;
}

pqcha_err service_set_policy(service *s, pqcha_policy *policy) {
    return service_set_policy_file(s, policy, NULL, NULL);
}

pqcha_err service_set_policy_file(service *s, pqcha_policy *policy,
                                  const uint8_t sha256[PQCHA_SHA256_LEN],
                                  pqcha_evidence_verifier *evidence) {
    if (!s || !policy) {
        pqcha_policy_free(policy);
        pqcha_evidence_verifier_free(evidence);
        return PQCHA_ERR_INVALID_ARGUMENT;
    }
    policy_ref *fresh = calloc(1, sizeof *fresh);
    pqcha_err err =
        fresh ? build_verifier(&fresh->verifier, policy, evidence) : PQCHA_ERR_NO_MEMORY;
    if (err == PQCHA_OK && sha256) memcpy(fresh->sha256, sha256, sizeof fresh->sha256);
    if (err == PQCHA_OK && !sha256) err = canonical_policy_sha256(fresh->sha256, policy);
    if (err != PQCHA_OK) {
        if (fresh) pqcha_verifier_free(fresh->verifier);
        free(fresh);
        pqcha_policy_free(policy);
        pqcha_evidence_verifier_free(evidence);
        return err;
    }
    fresh->evidence = evidence;
    fresh->policy = policy;
    fresh->users = 1;
    pthread_mutex_lock(&s->lock);
    policy_ref *old = s->current;
    s->current = fresh;
    pthread_mutex_unlock(&s->lock);
    release_policy(s, old);
    return PQCHA_OK;
}

void service_set_event_hook(service *s, service_event_fn fn, void *ctx) {
    s->on_event = fn;
    s->on_event_ctx = ctx;
}

store *service_store(service *s) {
    return s->db;
}

void service_set_webhook(service *s, webhook *w) {
    s->webhook = w;
}

void service_set_log(service *s, tlog *log) {
    s->log = log;
}

/* A stored transition: counted, logged, sent to the webhook. */
static void publish(service *s, const store_event_row *event) {
    metrics_count_transition(s->metrics, event->to);
    if (s->on_event) s->on_event(s->on_event_ctx, event);
    if (s->webhook) webhook_notify(s->webhook); /* the event waits in the store's outbox */
}

void service_count_refusal(service *s, unsigned status) {
    metrics_count_refusal(s->metrics, status);
}

static pqcha_err store_failed(service *s, service_reply *out) {
    metrics_count_store_error(s->metrics);
    return service_error_reply(out, 503, "STORE", "the verifier's database is unavailable");
}

static void format_time(char out[32], int64_t t) {
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, 32, "1970-01-01T00:00:00Z");
}

/* A JSON string of a Unix time, RFC 3339 UTC. */
static json_t *json_time(int64_t t) {
    char text[32];
    format_time(text, t);
    return json_string(text);
}

/* ---- challenges ---- */

/* A workload id as the library accepts it: 1..128 bytes, no control
 * characters (the policy's rule; anything else cannot be in the policy). */
static int workload_id_ok(const char *id) {
    size_t len = strlen(id);
    if (len == 0 || len > SERVICE_MAX_WORKLOAD_ID) return 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)id[i] < 0x20 || id[i] == 0x7f) return 0;
    return 1;
}

/* The workload of a challenge request: {"workload": ID}, nothing else. */
static const char *requested_workload(json_t *request) {
    const char *id = json_string_value(json_object_get(request, "workload"));
    if (!json_is_object(request) || json_object_size(request) != 1 || !id) return NULL;
    return workload_id_ok(id) ? id : NULL;
}

static pqcha_err new_nonce(char hex[2 * NONCE_BYTES + 1]) {
    uint8_t bytes[NONCE_BYTES];
    if (getrandom(bytes, sizeof bytes, 0) != (ssize_t)sizeof bytes) return PQCHA_ERR_RNG;
    pqcha_hex_encode(hex, bytes, sizeof bytes);
    return PQCHA_OK;
}

static int policy_knows(service *s, const char *workload) {
    policy_ref *p = acquire_policy(s);
    int known = p && pqcha_policy_has_workload(p->policy, workload);
    release_policy(s, p);
    return known;
}

static pqcha_err issue_challenge(service *s, const char *workload, service_reply *out) {
    char nonce[2 * NONCE_BYTES + 1];
    if (new_nonce(nonce) != PQCHA_OK)
        return service_error_reply(out, 500, "RNG", "no randomness for a nonce");
    int64_t now = s->clock(), expires = now + s->challenge_ttl;
    if (store_add_challenge(s->db, nonce, workload, now, expires) != PQCHA_OK)
        return store_failed(s, out);
    challenge_cache_put(s->challenges, nonce, workload, expires);
    return service_reply_json(out, 200,
                              json_pack("{s:s, s:s, s:o}", "workload", workload, "nonce", nonce,
                                        "expiresAt", json_time(expires)));
}

pqcha_err service_challenge(service *s, const char *json, size_t len, service_reply *out) {
    memset(out, 0, sizeof *out);
    json_error_t error;
    json_t *request = json_loadb(json, len, JSON_REJECT_DUPLICATES, &error);
    const char *workload = request ? requested_workload(request) : NULL;
    pqcha_err err;
    if (!workload)
        err = service_error_reply(out, 400, "BAD_REQUEST",
                                  "expected {\"workload\": ID}, ID 1-128 bytes without controls");
    else if (!policy_knows(s, workload))
        err = service_error_reply(out, 404, "UNKNOWN_WORKLOAD", "the policy has no such workload");
    else
        err = issue_challenge(s, workload, out);
    json_decref(request);
    return err;
}

/* ---- reports ---- */

/* What the nonce callback learnt, and whether it must answer "used" (the
 * second pass after another report consumed the challenge first). */
typedef struct challenge_lookup {
    service *s;
    int64_t now;
    int force_used;
    int accepted;
} challenge_lookup;

static pqcha_err look_up_challenge(void *ctx, const char *workload, const char *nonce_hex) {
    challenge_lookup *l = ctx;
    if (l->force_used) return PQCHA_ERR_NONCE_USED;
    if (challenge_cache_open(l->s->challenges, nonce_hex, workload, l->now)) {
        l->accepted = 1; /* the commit consumes it, or finds it used after all */
        return PQCHA_OK;
    }
    pqcha_err err = store_check_challenge(l->s->db, nonce_hex, workload, l->now);
    l->accepted = err == PQCHA_OK;
    return err;
}

static double elapsed_since(const struct timespec *start) {
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    return (double)(end.tv_sec - start->tv_sec) + (double)(end.tv_nsec - start->tv_nsec) / 1e9;
}

/* One submission: the body, its verification, and what is stored of it. */
typedef struct submission {
    const char *body;
    size_t len;
    char digest[65];
    pqcha_result *result;
    char *result_json;
    char *detail_json;        /* for the event timeline (detail_of) */
    pqcha_report *unverified; /* what an unauthenticated report claims */
    const pqcha_report *report;
    uint8_t envelope_sha256[PQCHA_SHA256_LEN];          /* with a log: names the report */
    char envelope_sha256_hex[2 * PQCHA_SHA256_LEN + 1]; /* ... as the store keeps it */
    char *entry;                                        /* with a log: its entry */
    size_t entry_len;
    challenge_lookup lookup;
    double verify_seconds;
} submission;

static void submission_clear_verification(submission *sub) {
    pqcha_result_free(sub->result);
    free(sub->result_json);
    free(sub->detail_json);
    pqcha_report_free(sub->unverified);
    pqcha_free(sub->entry);
    sub->result = NULL;
    sub->result_json = NULL;
    sub->detail_json = NULL;
    sub->unverified = NULL;
    sub->report = NULL;
    sub->entry = NULL;
    sub->entry_len = 0;
}

static pqcha_err verify_submission(const policy_ref *p, submission *sub) {
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    pqcha_err err = pqcha_verify_challenged(&sub->result, p->verifier, sub->body, sub->len,
                                            look_up_challenge, &sub->lookup);
    if (!sub->result) return err == PQCHA_OK ? PQCHA_ERR_INTERNAL : err;
    sub->verify_seconds = elapsed_since(&start);
    SERVICE_TRY(pqcha_result_to_json(&sub->result_json, sub->result));
    sub->report = pqcha_result_report(sub->result);
    if (!sub->report &&
        pqcha_report_decode_unverified(&sub->unverified, sub->body, sub->len) == PQCHA_OK)
        sub->report = sub->unverified;
    return PQCHA_OK;
}

/* For the event timeline: the verdict and where memory drifted. */
static char *detail_of(const pqcha_result *r) {
    json_t *drift = json_array(), *tensors = json_array();
    for (size_t i = 0; i < pqcha_result_drift_count(r) && i < 32; i++)
        json_array_append_new(drift, json_string(pqcha_result_drift_region(r, i)));
    for (size_t i = 0; i < pqcha_result_span_count(r); i++)
        for (size_t t = 0; t < pqcha_result_span_tensor_count(r, i); t++)
            if (json_array_size(tensors) < 32)
                json_array_append_new(tensors, json_string(pqcha_result_span_tensor(r, i, t)));
    json_t *detail = json_pack(
        "{s:s, s:s, s:o, s:o}", "verdict", pqcha_verdict_name(pqcha_result_verdict(r)), "error",
        pqcha_error_name(pqcha_result_error(r)), "drift", drift, "tensors", tensors);
    char *text = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
    json_decref(detail);
    return text;
}

/* The report's log entry: what was received when, and what was decided
 * under which policy. */
static pqcha_err entry_of(const policy_ref *p, submission *sub) {
    pqcha_tlog_entry_fields f;
    memset(&f, 0, sizeof f);
    f.received_at = sub->lookup.now;
    f.workload = pqcha_report_workload_id(sub->report);
    f.report_id = pqcha_report_id(sub->report);
    memcpy(f.envelope_sha256, sub->envelope_sha256, sizeof f.envelope_sha256);
    f.signer = pqcha_report_signer_key_id(sub->report);
    f.verdict = pqcha_result_verdict(sub->result);
    f.error = pqcha_result_error(sub->result);
    memcpy(f.policy_sha256, p->sha256, sizeof f.policy_sha256);
    pqcha_free(sub->entry);
    sub->entry = NULL;
    return pqcha_tlog_entry_encode(&sub->entry, &sub->entry_len, &f);
}

/* The report's row, as the store keeps it (pointing into sub). */
static pqcha_err row_of(service *s, const policy_ref *p, submission *sub, store_report *row) {
    const pqcha_result *r = sub->result;
    pqcha_verdict verdict = pqcha_result_verdict(r);
    report_outcome outcome =
        report_outcome_of(verdict, pqcha_result_error(r), pqcha_result_report(r) != NULL);
    sub->detail_json = detail_of(r);
    if (!sub->detail_json) return PQCHA_ERR_NO_MEMORY;
    if (s->log) SERVICE_TRY(entry_of(p, sub));
    *row = (store_report){
        sub->digest,
        pqcha_report_id(sub->report),
        pqcha_report_workload_id(sub->report),
        outcome != OUTCOME_IGNORED && sub->lookup.accepted ? pqcha_report_nonce(sub->report) : NULL,
        sub->lookup.now,
        pqcha_verdict_name(verdict),
        pqcha_error_name(pqcha_result_error(r)),
        outcome,
        sub->result_json,
        sub->detail_json,
        sub->body,
        sub->len,
        (const uint8_t *)sub->entry,
        sub->entry_len,
        sub->envelope_sha256_hex};
    return PQCHA_OK;
}

static void announce(service *s, const submission *sub, const store_commit *c) {
    if (!c->transitioned) return;
    store_event_row event = {c->event_seq,    pqcha_report_workload_id(sub->report),
                             sub->lookup.now, c->from,
                             c->to,           sub->digest,
                             sub->detail_json};
    publish(s, &event);
}

/* The result with the receipt as its member "log": the result's bytes are
 * kept as they are (a repeated report is answered with the stored ones). */
static char *with_receipt(const char *result, const char *receipt) {
    size_t len = strlen(result);
    while (len > 0 && (result[len - 1] == ' ' || result[len - 1] == '\n'))
        len--;
    if (len < 2 || result[len - 1] != '}') return NULL;
    int empty = len == 2;
    size_t size = len + strlen(receipt) + sizeof ",\"log\":";
    char *out = malloc(size);
    if (out)
        snprintf(out, size, "%.*s%s\"log\":%s}", (int)(len - 1), result, empty ? "" : ",", receipt);
    return out;
}

/* The answer's body: the result, with the receipt when the report is in
 * the log. NULL: out of memory, or *failed holds why there is no receipt. */
static char *answer_body(service *s, const submission *sub, const store_commit *commit,
                         const char *result, pqcha_err *failed) {
    *failed = PQCHA_OK;
    if (!s->log || commit->log_index < 0) return strdup(result);
    const uint8_t *entry = commit->duplicate ? NULL : (const uint8_t *)sub->entry;
    char *receipt = NULL;
    *failed = tlog_receipt(s->log, (uint64_t)commit->log_index, entry, sub->entry_len, &receipt);
    char *body = *failed == PQCHA_OK ? with_receipt(result, receipt) : NULL;
    if (*failed == PQCHA_OK && !body) *failed = PQCHA_ERR_NO_MEMORY;
    pqcha_free(receipt);
    return body;
}

static pqcha_err answer_submission(service *s, const submission *sub, store_commit *commit,
                                   service_reply *out) {
    const char *result = commit->duplicate ? commit->stored_result_json : sub->result_json;
    pqcha_err failed;
    if (!commit->duplicate) announce(s, sub, commit);
    char *body = answer_body(s, sub, commit, result, &failed);
    if (!body && failed != PQCHA_OK && failed != PQCHA_ERR_NO_MEMORY)
        return store_failed(s, out); /* stored; its receipt when it is sent again */
    int unreadable = pqcha_result_verdict(sub->result) == PQCHA_VERDICT_MALFORMED || !sub->report;
    return service_reply_text(out, unreadable && !commit->duplicate ? 400 : 200, "application/json",
                              body);
}

static pqcha_err digest_hex(char out[65], const char *body, size_t len) {
    uint8_t digest[32];
    SERVICE_TRY(pqcha_digest(digest, sizeof digest, PQCHA_DIGEST_SHA3_256, body, len, 1));
    pqcha_hex_encode(out, digest, sizeof digest);
    return PQCHA_OK;
}

/* A report between its verification and its answer: while the store
 * commits it, only the store's threads touch it. */
struct service_pending {
    service *s;
    policy_ref *policy;
    submission sub;
    store_report row;
    store_commit commit;
    pqcha_err committed; /* what the store answered */
    int pass;            /* 1: verified again as a replay */
    service_ready_fn ready;
    void *ready_ctx;
};

static void pending_free(service_pending *p) {
    store_commit_clear(&p->commit);
    submission_clear_verification(&p->sub);
    release_policy(p->s, p->policy);
    free(p);
}

static void on_committed(void *ctx, pqcha_err err) {
    service_pending *p = ctx;
    p->committed = err;
    p->ready(p->ready_ctx);
}

/* Verifies and queues the commit. The second pass answers "used" for the
 * nonce: another report consumed the challenge between the check and the
 * commit, so this one is a replay. Returns 1 when queued, 0 when there is
 * nothing to store (an unreadable report, answered as it is), or -1 with
 * *err. */
static int verify_and_queue(service_pending *p, pqcha_err *err) {
    submission *sub = &p->sub;
    sub->lookup.force_used = p->pass > 0;
    sub->lookup.accepted = 0;
    submission_clear_verification(sub);
    store_commit_clear(&p->commit);
    *err = verify_submission(p->policy, sub);
    if (*err != PQCHA_OK) return -1;
    if (pqcha_result_verdict(sub->result) == PQCHA_VERDICT_MALFORMED || !sub->report) return 0;
    *err = row_of(p->s, p->policy, sub, &p->row);
    if (*err != PQCHA_OK) return -1;
    store_commit_report_async(p->s->db, &p->row, &p->commit, on_committed, p);
    return 1;
}

/* The answer, once the store answered (or nothing was to be stored). */
static pqcha_err answer_pending(service_pending *p, pqcha_err err, service_reply *out) {
    service *s = p->s;
    submission *sub = &p->sub;
    if (sub->result && err == PQCHA_OK) /* once per request, with the verdict answered */
        metrics_count_report(s->metrics, pqcha_result_verdict(sub->result),
                             pqcha_result_error(sub->result), sub->verify_seconds);
    if (err == PQCHA_ERR_STORE)
        err = store_failed(s, out);
    else if (err == PQCHA_OK)
        err = answer_submission(s, sub, &p->commit, out);
    if (err != PQCHA_OK && err != PQCHA_ERR_NO_MEMORY && !out->body)
        err = service_error_reply(out, 500, pqcha_error_name(err), pqcha_strerror(err));
    return err;
}

static pqcha_err answer_and_free(service_pending *p, pqcha_err err, service_reply *out) {
    err = answer_pending(p, err, out);
    pending_free(p);
    return err;
}

/* Verifies and queues; *pending stays NULL when answered at once. */
static pqcha_err start_pending(service_pending *p, service_pending **pending, service_reply *out) {
    pqcha_err err = PQCHA_OK;
    if (verify_and_queue(p, &err) != 1) return answer_and_free(p, err, out);
    *pending = p;
    return PQCHA_OK;
}

static pqcha_err name_submission(service *s, submission *sub) {
    SERVICE_TRY(digest_hex(sub->digest, sub->body, sub->len));
    if (!s->log) return PQCHA_OK;
    SERVICE_TRY(pqcha_sha256(sub->envelope_sha256, sub->body, sub->len));
    pqcha_hex_encode(sub->envelope_sha256_hex, sub->envelope_sha256, PQCHA_SHA256_LEN);
    return PQCHA_OK;
}

pqcha_err service_submit_start(service *s, const char *body, size_t len, service_ready_fn ready,
                               void *ctx, service_pending **pending, service_reply *out) {
    memset(out, 0, sizeof *out);
    *pending = NULL;
    if (len > SERVICE_MAX_REPORT_BYTES) {
        metrics_count_refusal(s->metrics, 413);
        return service_error_reply(out, 413, "TOO_LARGE", "a report is at most 16 MiB");
    }
    policy_ref *policy = acquire_policy(s);
    if (!policy) return service_error_reply(out, 503, "NO_POLICY", "no policy is loaded");
    service_pending *p = calloc(1, sizeof *p);
    if (!p) {
        release_policy(s, policy);
        return PQCHA_ERR_NO_MEMORY;
    }
    *p = (service_pending){.s = s, .policy = policy, .ready = ready, .ready_ctx = ctx};
    p->commit.log_index = -1; /* an unreadable report is not stored */
    p->sub.body = body;
    p->sub.len = len;
    p->sub.lookup.s = s;
    p->sub.lookup.now = s->clock();
    pqcha_err err = name_submission(s, &p->sub);
    if (err != PQCHA_OK) return answer_and_free(p, err, out);
    return start_pending(p, pending, out);
}

pqcha_err service_submit_finish(service_pending **pending, service_reply *out) {
    service_pending *p = *pending;
    *pending = NULL;
    memset(out, 0, sizeof *out);
    submission *sub = &p->sub;
    /* Consumed, or found used, or in doubt: the store answers from now. */
    if (sub->lookup.accepted)
        challenge_cache_forget(p->s->challenges, pqcha_report_nonce(sub->report));
    if (service_submit_again(p)) {
        p->pass = 1;
        return start_pending(p, pending, out);
    }
    return answer_and_free(p, p->committed, out);
}

int service_submit_again(const service_pending *p) {
    return p->committed == PQCHA_ERR_NONCE_USED && p->pass == 0;
}

void service_submit_cancel(service_pending *pending) {
    if (pending) pending_free(pending);
}

int service_submits_in_background(const service *s) {
    return !s->log && store_commits_in_background(s->db);
}

/* A caller that waits for its report's commit. */
typedef struct waiter {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int ready;
} waiter;

static void wake(void *ctx) {
    waiter *w = ctx;
    pthread_mutex_lock(&w->lock);
    w->ready = 1;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

static void wait_ready(waiter *w) {
    pthread_mutex_lock(&w->lock);
    while (!w->ready)
        pthread_cond_wait(&w->cond, &w->lock);
    w->ready = 0;
    pthread_mutex_unlock(&w->lock);
}

pqcha_err service_submit_report(service *s, const char *body, size_t len, service_reply *out) {
    waiter w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
    service_pending *pending = NULL;
    pqcha_err err = service_submit_start(s, body, len, wake, &w, &pending, out);
    while (err == PQCHA_OK && pending) {
        wait_ready(&w);
        err = service_submit_finish(&pending, out);
    }
    pthread_cond_destroy(&w.cond);
    pthread_mutex_destroy(&w.lock);
    return err;
}

/* ---- queries ---- */

static json_t *workload_json(const store_workload_row *row) {
    return json_pack("{s:s, s:s, s:o, s:o, s:o, s:I, s:{s:s, s:s, s:s}}", "id", row->id, "state",
                     workload_state_name(row->state), "stateSince", json_time(row->state_since),
                     "lastSeen", json_time(row->last_seen), "lastCounted",
                     json_time(row->last_counted), "reportCount", (json_int_t)row->report_count,
                     "lastReport", "digest", row->last_digest, "id", row->last_report_id, "verdict",
                     row->last_verdict);
}

static int add_workload(void *ctx, const store_workload_row *row) {
    json_t *item = workload_json(row);
    return !item || json_array_append_new(ctx, item) != 0;
}

pqcha_err service_list_workloads(service *s, service_reply *out) {
    memset(out, 0, sizeof *out);
    json_t *list = json_array();
    if (!list) return PQCHA_ERR_NO_MEMORY;
    if (store_each_workload(s->db, add_workload, list) != PQCHA_OK) {
        json_decref(list);
        return store_failed(s, out);
    }
    return service_reply_json(out, 200, json_pack("{s:o}", "workloads", list));
}

static int keep_workload(void *ctx, const store_workload_row *row) {
    json_t **item = ctx;
    *item = workload_json(row);
    return 1;
}

pqcha_err service_get_workload(service *s, const char *id, service_reply *out) {
    memset(out, 0, sizeof *out);
    json_t *item = NULL;
    pqcha_err err = store_get_workload(s->db, id, keep_workload, &item);
    if (err == PQCHA_ERR_NOT_FOUND)
        return service_error_reply(out, 404, "NOT_FOUND", "no report of this workload was stored");
    if (err != PQCHA_OK) return store_failed(s, out);
    return item ? service_reply_json(out, 200, item) : PQCHA_ERR_NO_MEMORY;
}

/* A decimal in [min, max]; 0 if it is not one. */
static int parse_number(const char *text, long long min, long long max, long long *out) {
    char *end;
    if (!text || !*text || *text == '-' || *text == '+' || *text == ' ') return 0;
    long long value = strtoll(text, &end, 10);
    if (*end != '\0' || value < min || value > max) return 0;
    *out = value;
    return 1;
}

/* since= : Unix seconds, or RFC 3339 UTC "YYYY-MM-DDTHH:MM:SSZ". */
static int parse_since(const char *text, int64_t *out) {
    long long seconds;
    if (!text) {
        *out = 0;
        return 1;
    }
    if (parse_number(text, 0, 253402300799LL, &seconds)) {
        *out = seconds;
        return 1;
    }
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int used = 0;
    if (strlen(text) != 20 ||
        sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
               &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &used) != 6 ||
        used != 20 || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
        tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *out = (int64_t)timegm(&tm);
    return 1;
}

static int parse_limit(const char *text, unsigned *out) {
    long long value = DEFAULT_LIMIT;
    if (text && !parse_number(text, 1, STORE_MAX_LIMIT, &value)) return 0;
    *out = (unsigned)value;
    return 1;
}

static int add_report(void *ctx, const store_report_row *row) {
    json_t *result = json_loads(row->result_json, 0, NULL);
    json_t *item =
        json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:o*}", "seq", (json_int_t)row->seq,
                  "digest", row->digest, "reportId", row->report_id, "verdict", row->verdict,
                  "error", row->error_name, "outcome", report_outcome_name(row->outcome),
                  "receivedAt", json_time(row->received_at), "result", result);
    return !item || json_array_append_new(ctx, item) != 0;
}

pqcha_err service_list_reports(service *s, const char *id, const char *since, const char *limit,
                               service_reply *out) {
    memset(out, 0, sizeof *out);
    int64_t from;
    unsigned count;
    if (!parse_since(since, &from) || !parse_limit(limit, &count))
        return service_error_reply(out, 400, "BAD_REQUEST",
                                   "since: Unix seconds or YYYY-MM-DDTHH:MM:SSZ; limit: 1-1000");
    json_t *list = json_array();
    if (!list) return PQCHA_ERR_NO_MEMORY;
    if (store_each_report(s->db, id, from, count, add_report, list) != PQCHA_OK) {
        json_decref(list);
        return store_failed(s, out);
    }
    return service_reply_json(out, 200, json_pack("{s:s, s:o}", "workload", id, "reports", list));
}

static json_t *event_json(const store_event_row *row) {
    json_t *detail = json_loads(row->detail_json, 0, NULL);
    return json_pack("{s:I, s:s, s:o, s:s, s:s, s:s, s:o*}", "seq", (json_int_t)row->seq,
                     "workload", row->workload, "at", json_time(row->at), "from",
                     workload_state_name(row->from), "to", workload_state_name(row->to), "digest",
                     row->digest, "detail", detail);
}

char *service_event_text(const store_event_row *row) {
    json_t *item = event_json(row);
    char *text = item ? json_dumps(item, JSON_COMPACT) : NULL;
    json_decref(item);
    return text;
}

static int add_event(void *ctx, const store_event_row *row) {
    json_t *item = event_json(row);
    return !item || json_array_append_new(ctx, item) != 0;
}

pqcha_err service_list_events(service *s, const char *workload, const char *after,
                              const char *limit, service_reply *out) {
    memset(out, 0, sizeof *out);
    long long after_seq = 0;
    unsigned count;
    if ((after && !parse_number(after, 0, INT64_MAX, &after_seq)) || !parse_limit(limit, &count))
        return service_error_reply(out, 400, "BAD_REQUEST",
                                   "after: an event sequence number; limit: 1-1000");
    json_t *list = json_array();
    if (!list) return PQCHA_ERR_NO_MEMORY;
    if (store_each_event(s->db, workload, after_seq, count, add_event, list) != PQCHA_OK) {
        json_decref(list);
        return store_failed(s, out);
    }
    return service_reply_json(out, 200, json_pack("{s:o}", "events", list));
}

pqcha_err service_health(service *s, service_reply *out) {
    memset(out, 0, sizeof *out);
    int store_ok = store_ping(s->db) == PQCHA_OK;
    policy_ref *p = acquire_policy(s);
    int policy_ok = p != NULL;
    release_policy(s, p);
    int ok = store_ok && policy_ok;
    return service_reply_json(out, ok ? 200 : 503,
                              json_pack("{s:s, s:s, s:s, s:b}", "status", ok ? "ok" : "unavailable",
                                        "store", store_ok ? "ok" : "unreachable", "storeKind",
                                        store_kind(s->db), "policyLoaded", policy_ok));
}

pqcha_err service_metrics(service *s, service_reply *out) {
    memset(out, 0, sizeof *out);
    uint64_t states[WORKLOAD_STATE_COUNT];
    int known = store_count_states(s->db, states) == PQCHA_OK;
    if (!known) metrics_count_store_error(s->metrics);
    char *text;
    size_t len;
    webhook_stats hook;
    if (s->webhook) webhook_stats_get(s->webhook, &hook);
    metrics_log log = {0, 0, 0, 0, 0, 0};
    if (s->log) {
        tlog_stats stats;
        tlog_stats_get(s->log, &stats);
        log.size_known = store_log_size(s->db, &log.size) == PQCHA_OK;
        log.checkpoints_signed = stats.checkpoints_signed;
        log.checkpoints_published = stats.checkpoints_published;
        log.cosignatures_accepted = stats.cosignatures_accepted;
        log.cosignatures_refused = stats.cosignatures_refused;
    }
    SERVICE_TRY(metrics_render(s->metrics, known ? states : NULL, s->webhook ? &hook : NULL,
                               s->log ? &log : NULL, &text, &len));
    out->status = 200;
    out->content_type = "text/plain; version=0.0.4; charset=utf-8";
    out->body = text;
    out->body_len = len;
    return PQCHA_OK;
}

/* ---- periodic work ---- */

static int stale_marked(void *ctx, const store_event_row *event) {
    publish(ctx, event);
    return 0;
}

/* Each workload goes stale after the policy's staleAfterSeconds where it
 * names one (0: never), after the service's stale_after otherwise. */
static pqcha_err mark_stale_workloads(service *s, int64_t now) {
    policy_ref *p = acquire_policy(s);
    const pqcha_policy *policy = p ? p->policy : NULL;
    size_t n = pqcha_policy_workload_count(policy), count = 0;
    store_stale_rule *rules = n ? calloc(n, sizeof *rules) : NULL;
    pqcha_err err = n && !rules ? PQCHA_ERR_NO_MEMORY : PQCHA_OK;
    for (size_t i = 0; err == PQCHA_OK && i < n; i++) {
        const char *id = pqcha_policy_workload_id(policy, i); /* in id order */
        int64_t after = pqcha_policy_workload_stale_after(policy, id);
        if (after >= 0)
            rules[count++] = (store_stale_rule){id, after == 0 ? STORE_NEVER_STALE : now - after};
    }
    store_stale_cutoffs cutoffs = {s->stale_after > 0 ? now - s->stale_after : STORE_NEVER_STALE,
                                   rules, count};
    if (err == PQCHA_OK && store_stale_latest_cutoff(&cutoffs) != STORE_NEVER_STALE)
        err = store_mark_stale(s->db, &cutoffs, now, stale_marked, s);
    free(rules);
    release_policy(s, p);
    return err;
}

pqcha_err service_tick(service *s) {
    int64_t now = s->clock();
    pqcha_err err = mark_stale_workloads(s, now);
    /* A used challenge is kept until it expires, which is what refuses a
     * replay; after that the report's own nonce check refuses it. */
    if (err == PQCHA_OK) err = store_prune_challenges(s->db, now, NULL);
    /* Without a webhook nobody delivers the outbox: the events stay in the
     * history, and a webhook configured later starts from then. */
    if (err == PQCHA_OK && !s->webhook) err = store_outbox_clear(s->db, NULL);
    if (err != PQCHA_OK) metrics_count_store_error(s->metrics);
    return err;
}

/* ---- the transparency log ---- */

pqcha_err service_log_get(service *s, const char *path, service_reply *out) {
    memset(out, 0, sizeof *out);
    if (!s->log) return service_error_reply(out, 404, "NOT_FOUND", "this server keeps no log");
    pqcha_err err = tlog_get(s->log, path, out);
    if (err == PQCHA_OK && out->status == 503) metrics_count_store_error(s->metrics);
    return err;
}

pqcha_err service_log_cosign(service *s, const char *body, size_t len, service_reply *out) {
    memset(out, 0, sizeof *out);
    if (!s->log) return service_error_reply(out, 404, "NOT_FOUND", "this server keeps no log");
    pqcha_err err = tlog_cosign(s->log, body, len, out);
    if (err == PQCHA_OK && out->status == 503) metrics_count_store_error(s->metrics);
    return err;
}

pqcha_err service_log_tick(service *s) {
    if (!s->log) return PQCHA_OK;
    pqcha_err err = tlog_tick(s->log);
    if (err != PQCHA_OK) metrics_count_store_error(s->metrics);
    return err;
}
