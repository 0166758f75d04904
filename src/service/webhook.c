/* webhook.c — one thread that delivers the store's outbox (store.h) to the
 * operator's endpoint, oldest event first, with libcurl. It claims the
 * oldest event when it is due (a lease, so that another instance does not
 * send it at the same time), POSTs it, and then removes it (a 2xx, or the
 * last of WEBHOOK_MAX_ATTEMPTS attempts) or defers it by a backoff that
 * doubles from first_retry_ms with full jitter. The thread looks at the
 * outbox when told an event was stored, when the oldest event falls due,
 * and every POLL_MS otherwise (events stored by other instances). */
#include "service/webhook.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "pqcha/crypto.h"
#include "service/service.h"

#define ATTEMPT_TIMEOUT_SECONDS 10L
#define MAX_BACKOFF_MS          60000u
#define POLL_MS                 1000
/* Long enough for one attempt: past it, a claim by an instance that died
 * meanwhile is taken over. */
#define LEASE_MS (ATTEMPT_TIMEOUT_SECONDS * 1000 + 5000)

struct webhook {
    char *url;
    char *authorization; /* "Authorization: Bearer ..." or NULL */
    unsigned first_retry_ms;
    store *db;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stopping, notified;
    webhook_stats stats;
};

/* ---- waiting ---- */

void webhook_notify(webhook *w) {
    pthread_mutex_lock(&w->lock);
    w->notified = 1;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
}

static void count(webhook *w, uint64_t *counter) {
    pthread_mutex_lock(&w->lock);
    (*counter)++;
    pthread_mutex_unlock(&w->lock);
}

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleeps up to ms, until notified or stopping. Returns 0 when stopping. */
static int wait_for_work(webhook *w, int64_t ms) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)(ms / 1000);
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&w->lock);
    int rc = 0;
    while (!w->stopping && !w->notified && rc == 0)
        rc = pthread_cond_timedwait(&w->wake, &w->lock, &until);
    w->notified = 0;
    int go_on = !w->stopping;
    pthread_mutex_unlock(&w->lock);
    return go_on;
}

static int stopping(webhook *w) {
    pthread_mutex_lock(&w->lock);
    int stop = w->stopping;
    pthread_mutex_unlock(&w->lock);
    return stop;
}

/* ---- delivery ---- */

static size_t discard_body(char *data, size_t size, size_t n, void *ctx) {
    (void)data, (void)ctx;
    return size * n;
}

static int post_once(const webhook *w, const char *text) {
    CURL *curl = curl_easy_init();
    if (!curl) return 0;
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    if (headers && w->authorization) headers = curl_slist_append(headers, w->authorization);
    curl_easy_setopt(curl, CURLOPT_URL, w->url);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, text);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, ATTEMPT_TIMEOUT_SECONDS);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard_body);
    long status = 0;
    CURLcode rc = curl_easy_perform(curl);
    if (rc == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return rc == CURLE_OK && status >= 200 && status < 300;
}

/* Full jitter: a uniform wait in [0, the doubled bound]. */
static unsigned backoff_ms(unsigned first, unsigned attempt) {
    uint64_t bound = (uint64_t)first << (attempt < 16 ? attempt : 16);
    if (bound > MAX_BACKOFF_MS) bound = MAX_BACKOFF_MS;
    uint32_t r = 0;
    if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r) r = 0x9e3779b9u;
    return (unsigned)(r % (bound + 1));
}

/* The text of event `want`, as GET /v1/events shows it. */
struct event_text {
    int64_t want;
    int found;
    char *text;
};

static int take_text(void *ctx, const store_event_row *row) {
    struct event_text *e = ctx;
    e->found = row->seq == e->want;
    free(e->text);
    e->text = e->found ? service_event_text(row) : NULL;
    return 1; /* one is all */
}

/* One attempt at the claimed event seq (its attempts-th). */
static void attempt(webhook *w, int64_t seq, unsigned attempts) {
    struct event_text e = {seq, 0, NULL};
    pqcha_err err = store_each_event(w->db, NULL, seq - 1, 1, take_text, &e);
    if (err != PQCHA_OK || (e.found && !e.text)) {
        free(e.text);
        return; /* claimed again once the lease ends */
    }
    int sent = e.found && post_once(w, e.text);
    free(e.text);
    if (sent || !e.found || attempts >= WEBHOOK_MAX_ATTEMPTS) {
        count(w, sent ? &w->stats.delivered : &w->stats.dropped);
        (void)store_outbox_remove(w->db, seq); /* if it fails: sent again, at least once */
        return;
    }
    count(w, &w->stats.retried);
    /* At least half the first backoff, so a failing endpoint is not hammered. */
    int64_t delay = w->first_retry_ms / 2 + backoff_ms(w->first_retry_ms, attempts - 1);
    (void)store_outbox_defer(w->db, seq, now_ms() + delay);
}

static void *run(void *arg) {
    webhook *w = arg;
    while (!stopping(w)) {
        int64_t seq = 0, due = 0, now = now_ms();
        unsigned attempts = 0;
        pqcha_err err = store_outbox_claim(w->db, now, now + LEASE_MS, &seq, &attempts, &due);
        if (err == PQCHA_OK && seq > 0) {
            attempt(w, seq, attempts);
            continue;
        }
        int64_t wait = POLL_MS;
        if (err == PQCHA_OK && due > now && due - now < wait) wait = due - now;
        if (!wait_for_work(w, wait)) break;
    }
    return NULL;
}

/* ---- life cycle ---- */

static void webhook_free(webhook *w) {
    if (w->authorization) pqcha_free_secret(w->authorization, strlen(w->authorization));
    free(w->url);
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

static char *bearer_header(const char *token) {
    static const char prefix[] = "Authorization: Bearer ";
    size_t len = sizeof prefix + strlen(token);
    char *header = malloc(len);
    if (header) {
        memcpy(header, prefix, sizeof prefix - 1);
        memcpy(header + sizeof prefix - 1, token, strlen(token) + 1);
    }
    return header;
}

pqcha_err webhook_start(webhook **out, const char *url, const char *token, unsigned first_retry_ms,
                        store *db) {
    if (!out) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (!db || !url || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0))
        return PQCHA_ERR_INVALID_ARGUMENT;
    webhook *w = calloc(1, sizeof *w);
    if (!w) return PQCHA_ERR_NO_MEMORY;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    w->first_retry_ms = first_retry_ms ? first_retry_ms : 1000;
    w->db = db;
    w->url = strdup(url);
    w->authorization = token ? bearer_header(token) : NULL;
    if (!w->url || (token && !w->authorization)) {
        webhook_free(w);
        return PQCHA_ERR_NO_MEMORY;
    }
    if (pthread_create(&w->thread, NULL, run, w) != 0) {
        webhook_free(w);
        return PQCHA_ERR_IO;
    }
    *out = w;
    return PQCHA_OK;
}

void webhook_stats_get(webhook *w, webhook_stats *out) {
    uint64_t pending = 0;
    if (store_outbox_count(w->db, &pending) != PQCHA_OK) pending = 0;
    pthread_mutex_lock(&w->lock);
    *out = w->stats;
    pthread_mutex_unlock(&w->lock);
    out->pending = pending;
}

void webhook_stop(webhook *w, webhook_stats *final) {
    if (!w) return;
    pthread_mutex_lock(&w->lock);
    w->stopping = 1;
    pthread_cond_broadcast(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    if (final) webhook_stats_get(w, final);
    webhook_free(w);
}
