/* webhook.c — a bounded queue of event texts and one thread that POSTs
 * them in order with libcurl. An event is retried until a 2xx answer or
 * WEBHOOK_MAX_ATTEMPTS attempts; the waits between attempts double from
 * first_retry_ms with full jitter, and are cut short by webhook_stop. */
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

struct webhook {
    char *url;
    char *authorization; /* "Authorization: Bearer ..." or NULL */
    unsigned first_retry_ms;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stopping;
    char *queue[WEBHOOK_MAX_QUEUE]; /* a ring of event texts */
    unsigned head, count;
    webhook_stats stats;
};

/* ---- the queue ---- */

void webhook_enqueue(webhook *w, const store_event_row *event) {
    char *text = service_event_text(event);
    pthread_mutex_lock(&w->lock);
    if (!text || w->count == WEBHOOK_MAX_QUEUE || w->stopping) {
        w->stats.dropped++;
        free(text);
    } else {
        w->queue[(w->head + w->count) % WEBHOOK_MAX_QUEUE] = text;
        w->count++;
        pthread_cond_signal(&w->wake);
    }
    pthread_mutex_unlock(&w->lock);
}

/* The next event, or NULL once stopping. Waits for one. */
static char *next_event(webhook *w) {
    pthread_mutex_lock(&w->lock);
    while (w->count == 0 && !w->stopping)
        pthread_cond_wait(&w->wake, &w->lock);
    char *text = NULL;
    if (!w->stopping) {
        text = w->queue[w->head];
        w->head = (w->head + 1) % WEBHOOK_MAX_QUEUE;
        w->count--;
    }
    pthread_mutex_unlock(&w->lock);
    return text;
}

static void count(webhook *w, uint64_t *counter) {
    pthread_mutex_lock(&w->lock);
    (*counter)++;
    pthread_mutex_unlock(&w->lock);
}

/* Sleeps up to ms, or until webhook_stop. Returns 0 when stopping. */
static int wait_or_stop(webhook *w, unsigned ms) {
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
    while (!w->stopping && rc == 0)
        rc = pthread_cond_timedwait(&w->wake, &w->lock, &until);
    int go_on = !w->stopping;
    pthread_mutex_unlock(&w->lock);
    return go_on;
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

static void deliver(webhook *w, const char *text) {
    for (unsigned attempt = 0; attempt < WEBHOOK_MAX_ATTEMPTS; attempt++) {
        if (post_once(w, text)) {
            count(w, &w->stats.delivered);
            return;
        }
        if (attempt + 1 == WEBHOOK_MAX_ATTEMPTS) break;
        count(w, &w->stats.retried);
        /* At least the first backoff, so a failing endpoint is not hammered. */
        if (!wait_or_stop(w, w->first_retry_ms / 2 + backoff_ms(w->first_retry_ms, attempt))) break;
    }
    count(w, &w->stats.dropped);
}

static void *run(void *arg) {
    webhook *w = arg;
    char *text;
    while ((text = next_event(w)) != NULL) {
        deliver(w, text);
        free(text);
    }
    return NULL;
}

/* ---- life cycle ---- */

static void webhook_free(webhook *w) {
    for (unsigned i = 0; i < w->count; i++)
        free(w->queue[(w->head + i) % WEBHOOK_MAX_QUEUE]);
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

pqcha_err webhook_start(webhook **out, const char *url, const char *token,
                        unsigned first_retry_ms) {
    if (!out) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (!url || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0))
        return PQCHA_ERR_INVALID_ARGUMENT;
    webhook *w = calloc(1, sizeof *w);
    if (!w) return PQCHA_ERR_NO_MEMORY;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    w->first_retry_ms = first_retry_ms ? first_retry_ms : 1000;
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
    pthread_mutex_lock(&w->lock);
    *out = w->stats;
    pthread_mutex_unlock(&w->lock);
}

void webhook_stop(webhook *w, webhook_stats *final) {
    if (!w) return;
    pthread_mutex_lock(&w->lock);
    w->stopping = 1;
    w->stats.dropped += w->count;
    pthread_cond_broadcast(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    if (final) *final = w->stats;
    webhook_free(w);
}
