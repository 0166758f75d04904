/* metrics.c — counters under one mutex (a scrape sees them consistent) and
 * their Prometheus text rendering. */
#include "service/metrics.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Upper bounds (seconds) of the verification latency histogram. */
static const double latency_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                        0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
#define LATENCY_BUCKETS (sizeof latency_bounds / sizeof latency_bounds[0])
#define VERDICTS        4
#define STATUS_MAX      600

struct metrics {
    pthread_mutex_t lock;
    uint64_t by_verdict[VERDICTS];
    uint64_t by_reason[PQCHA_ERR_LAST_];
    uint64_t transitions[WORKLOAD_STATE_COUNT];
    uint64_t store_errors;
    uint64_t refusals[STATUS_MAX];
    uint64_t latency_counts[LATENCY_BUCKETS + 1]; /* the last: above every bound */
    double latency_sum;
};

pqcha_err metrics_create(metrics **out) {
    metrics *m = calloc(1, sizeof *m);
    if (!m) return PQCHA_ERR_NO_MEMORY;
    pthread_mutex_init(&m->lock, NULL);
    *out = m;
    return PQCHA_OK;
}

void metrics_free(metrics *m) {
    if (!m) return;
    pthread_mutex_destroy(&m->lock);
    free(m);
}

void metrics_count_report(metrics *m, pqcha_verdict verdict, pqcha_err deciding, double seconds) {
    size_t bucket = 0;
    while (bucket < LATENCY_BUCKETS && seconds > latency_bounds[bucket])
        bucket++;
    pthread_mutex_lock(&m->lock);
    if ((unsigned)verdict < VERDICTS) m->by_verdict[verdict]++;
    if (verdict != PQCHA_VERDICT_VALID && (unsigned)deciding < PQCHA_ERR_LAST_)
        m->by_reason[deciding]++;
    m->latency_counts[bucket]++;
    m->latency_sum += seconds;
    pthread_mutex_unlock(&m->lock);
}

void metrics_count_transition(metrics *m, workload_state to) {
    pthread_mutex_lock(&m->lock);
    if ((unsigned)to < WORKLOAD_STATE_COUNT) m->transitions[to]++;
    pthread_mutex_unlock(&m->lock);
}

void metrics_count_store_error(metrics *m) {
    pthread_mutex_lock(&m->lock);
    m->store_errors++;
    pthread_mutex_unlock(&m->lock);
}

void metrics_count_refusal(metrics *m, unsigned http_status) {
    pthread_mutex_lock(&m->lock);
    if (http_status < STATUS_MAX) m->refusals[http_status]++;
    pthread_mutex_unlock(&m->lock);
}

/* ---- rendering ---- */

typedef struct text {
    char *data;
    size_t len, cap;
    int failed;
} text;

static void emit(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void emit(text *t, const char *fmt, ...) {
    if (t->failed) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->data + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->failed = 1;
            return;
        }
        if ((size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = t->cap * 2 + (size_t)n;
        char *grown = realloc(t->data, cap);
        if (!grown) {
            t->failed = 1;
            return;
        }
        t->data = grown;
        t->cap = cap;
    }
}

static void render_reports(text *t, const metrics *m) {
    emit(t, "# HELP pqcha_reports_total Reports verified, by verdict.\n"
            "# TYPE pqcha_reports_total counter\n");
    for (unsigned v = 0; v < VERDICTS; v++)
        emit(t, "pqcha_reports_total{verdict=\"%s\"} %llu\n", pqcha_verdict_name((pqcha_verdict)v),
             (unsigned long long)m->by_verdict[v]);
    emit(t, "# HELP pqcha_report_rejections_total Reports not valid, by deciding error.\n"
            "# TYPE pqcha_report_rejections_total counter\n");
    for (unsigned e = 1; e < PQCHA_ERR_LAST_; e++)
        if (m->by_reason[e])
            emit(t, "pqcha_report_rejections_total{reason=\"%s\"} %llu\n",
                 pqcha_error_name((pqcha_err)e), (unsigned long long)m->by_reason[e]);
}

static void render_latency(text *t, const metrics *m) {
    emit(t, "# HELP pqcha_verify_seconds Time to verify a report (decode, signature, policy).\n"
            "# TYPE pqcha_verify_seconds histogram\n");
    uint64_t cumulative = 0;
    for (size_t b = 0; b < LATENCY_BUCKETS; b++) {
        cumulative += m->latency_counts[b];
        emit(t, "pqcha_verify_seconds_bucket{le=\"%g\"} %llu\n", latency_bounds[b],
             (unsigned long long)cumulative);
    }
    cumulative += m->latency_counts[LATENCY_BUCKETS];
    emit(t, "pqcha_verify_seconds_bucket{le=\"+Inf\"} %llu\n", (unsigned long long)cumulative);
    emit(t, "pqcha_verify_seconds_sum %.6f\npqcha_verify_seconds_count %llu\n", m->latency_sum,
         (unsigned long long)cumulative);
}

static void render_workloads(text *t, const metrics *m, const uint64_t *states) {
    emit(t, "# HELP pqcha_state_transitions_total Workload state changes, by new state"
            " (to=\"drifted\": drift events).\n# TYPE pqcha_state_transitions_total counter\n");
    for (unsigned s = 0; s < WORKLOAD_STATE_COUNT; s++)
        emit(t, "pqcha_state_transitions_total{to=\"%s\"} %llu\n",
             workload_state_name((workload_state)s), (unsigned long long)m->transitions[s]);
    emit(t,
         "# HELP pqcha_drift_events_total Workloads that went from another state to drifted.\n"
         "# TYPE pqcha_drift_events_total counter\npqcha_drift_events_total %llu\n",
         (unsigned long long)m->transitions[WORKLOAD_DRIFTED]);
    if (states) {
        emit(t, "# HELP pqcha_workloads Workloads in each state (the whole store).\n"
                "# TYPE pqcha_workloads gauge\n");
        for (unsigned s = 0; s < WORKLOAD_STATE_COUNT; s++)
            emit(t, "pqcha_workloads{state=\"%s\"} %llu\n", workload_state_name((workload_state)s),
                 (unsigned long long)states[s]);
    }
}

static void render_health(text *t, const metrics *m, int store_up) {
    emit(t,
         "# HELP pqcha_store_errors_total Requests the store failed.\n"
         "# TYPE pqcha_store_errors_total counter\npqcha_store_errors_total %llu\n",
         (unsigned long long)m->store_errors);
    emit(t,
         "# HELP pqcha_store_up Whether the store answered this scrape.\n"
         "# TYPE pqcha_store_up gauge\npqcha_store_up %d\n",
         store_up);
    emit(t, "# HELP pqcha_http_refusals_total Requests refused before verification, by status.\n"
            "# TYPE pqcha_http_refusals_total counter\n");
    for (unsigned s = 0; s < STATUS_MAX; s++)
        if (m->refusals[s])
            emit(t, "pqcha_http_refusals_total{status=\"%u\"} %llu\n", s,
                 (unsigned long long)m->refusals[s]);
}

static void render_webhook(text *t, const webhook_stats *w) {
    emit(t,
         "# HELP pqcha_webhook_events_total Events sent to the webhook, by outcome.\n"
         "# TYPE pqcha_webhook_events_total counter\n"
         "pqcha_webhook_events_total{outcome=\"delivered\"} %llu\n"
         "pqcha_webhook_events_total{outcome=\"dropped\"} %llu\n"
         "# HELP pqcha_webhook_retries_total Webhook attempts that failed and were retried.\n"
         "# TYPE pqcha_webhook_retries_total counter\npqcha_webhook_retries_total %llu\n"
         "# HELP pqcha_webhook_pending Events waiting in the database for the webhook.\n"
         "# TYPE pqcha_webhook_pending gauge\npqcha_webhook_pending %llu\n",
         (unsigned long long)w->delivered, (unsigned long long)w->dropped,
         (unsigned long long)w->retried, (unsigned long long)w->pending);
}

static void render_log(text *t, const metrics_log *l) {
    if (l->size_known)
        emit(t,
             "# HELP pqcha_log_entries Entries in the transparency log's tree (the whole store).\n"
             "# TYPE pqcha_log_entries gauge\npqcha_log_entries %llu\n",
             (unsigned long long)l->size);
    emit(t,
         "# HELP pqcha_log_checkpoints_total Checkpoints this instance signed (one per"
         " acknowledged batch) and published (GET /v1/log/checkpoint).\n"
         "# TYPE pqcha_log_checkpoints_total counter\n"
         "pqcha_log_checkpoints_total{event=\"signed\"} %llu\n"
         "pqcha_log_checkpoints_total{event=\"published\"} %llu\n"
         "# HELP pqcha_log_cosignatures_total Witness cosignatures posted, by outcome.\n"
         "# TYPE pqcha_log_cosignatures_total counter\n"
         "pqcha_log_cosignatures_total{outcome=\"accepted\"} %llu\n"
         "pqcha_log_cosignatures_total{outcome=\"refused\"} %llu\n",
         (unsigned long long)l->checkpoints_signed, (unsigned long long)l->checkpoints_published,
         (unsigned long long)l->cosignatures_accepted, (unsigned long long)l->cosignatures_refused);
}

pqcha_err metrics_render(metrics *m, const uint64_t *states, const webhook_stats *hook,
                         const metrics_log *log, char **out, size_t *out_len) {
    text t = {malloc(4096), 0, 4096, 0};
    if (!t.data) return PQCHA_ERR_NO_MEMORY;
    pthread_mutex_lock(&m->lock);
    render_reports(&t, m);
    render_latency(&t, m);
    render_workloads(&t, m, states);
    render_health(&t, m, states != NULL);
    pthread_mutex_unlock(&m->lock);
    if (hook) render_webhook(&t, hook);
    if (log) render_log(&t, log);
    if (t.failed) {
        free(t.data);
        return PQCHA_ERR_NO_MEMORY;
    }
    *out = t.data;
    *out_len = t.len;
    return PQCHA_OK;
}
