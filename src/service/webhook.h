/* webhook.h — tells an operator's endpoint about every workload state
 * transition: a POST of the event as JSON (docs/API.md, "Webhooks"), from a
 * thread of its own so that no request waits for it, retried with
 * exponential backoff. The events come from the store's outbox (store.h),
 * where the database put each in the event's own transaction: delivery is
 * at least once, in order, across restarts of the service and between
 * instances sharing a database; an event leaves the outbox when delivered,
 * or when given up on after WEBHOOK_MAX_ATTEMPTS attempts (the event history
 * keeps it: GET /v1/events?after=SEQ). */
#ifndef PQCHA_SERVICE_WEBHOOK_H
#define PQCHA_SERVICE_WEBHOOK_H

#include <stdint.h>

#include "pqcha/error.h"
#include "service/store.h"

#define WEBHOOK_MAX_ATTEMPTS 6u

typedef struct webhook webhook;

typedef struct webhook_stats {
    uint64_t delivered; /* a 2xx answer */
    uint64_t retried;   /* attempts that failed and were tried again */
    uint64_t dropped;   /* given up after every attempt */
    uint64_t pending;   /* waiting in the outbox (webhook_stats_get reads it) */
} webhook_stats;

/* url: http:// or https://; token (may be NULL) is sent as a bearer token.
 * first_retry_ms: the first backoff (then doubled, with jitter); 0: 1000.
 * db: the store whose outbox is delivered; it must outlive the webhook.
 * Returns: OK, INVALID_ARGUMENT, NO_MEMORY, IO (the thread did not start). */
pqcha_err webhook_start(webhook **out, const char *url, const char *token, unsigned first_retry_ms,
                        store *db);
/* An event was stored: look at the outbox now rather than at the next poll. */
void webhook_notify(webhook *w);
/* The counters of this run, and the outbox's size now (pending; left 0 if
 * the store does not answer). */
void webhook_stats_get(webhook *w, webhook_stats *out);
/* Stops the thread (an attempt in flight finishes) and frees; *final (may
 * be NULL) gets the counters. Events not delivered stay in the outbox for
 * the next start. */
void webhook_stop(webhook *w, webhook_stats *final);

#endif
