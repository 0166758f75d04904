/* webhook.h — tells an operator's endpoint about every workload state
 * transition: a POST of the event as JSON (docs/API.md, "Webhooks"), from a
 * thread of its own so that no request waits for it, retried with
 * exponential backoff. Delivery is at least once while the server runs;
 * events still queued when it stops are counted as dropped (the event
 * history in the store keeps them: GET /v1/events?after=SEQ). */
#ifndef PQCHA_SERVICE_WEBHOOK_H
#define PQCHA_SERVICE_WEBHOOK_H

#include <stdint.h>

#include "pqcha/error.h"
#include "service/store.h"

#define WEBHOOK_MAX_QUEUE    1000u
#define WEBHOOK_MAX_ATTEMPTS 6u

typedef struct webhook webhook;

typedef struct webhook_stats {
    uint64_t delivered; /* a 2xx answer */
    uint64_t retried;   /* attempts that failed and were tried again */
    uint64_t dropped;   /* given up after every attempt, queue full, or stopped */
} webhook_stats;

/* url: http:// or https://; token (may be NULL) is sent as a bearer token.
 * first_retry_ms: the first backoff (then doubled, with jitter); 0: 1000.
 * Returns: OK, INVALID_ARGUMENT, NO_MEMORY, IO (the thread did not start). */
pqcha_err webhook_start(webhook **out, const char *url, const char *token, unsigned first_retry_ms);
/* Queues an event (copied). Never blocks; a full queue drops it, counted. */
void webhook_enqueue(webhook *w, const store_event_row *event);
void webhook_stats_get(webhook *w, webhook_stats *out);
/* Stops the thread (an attempt in flight finishes) and frees; *final (may
 * be NULL) gets the counters, events still queued counted as dropped. */
void webhook_stop(webhook *w, webhook_stats *final);

#endif
