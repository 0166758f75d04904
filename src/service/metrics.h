/* metrics.h — the service's counters, in Prometheus text format
 * (docs/API.md, "Metrics"). Counters are per process: each verifier
 * instance is scraped on its own; the workload gauges come from the store
 * and so are the fleet's. */
#ifndef PQCHA_SERVICE_METRICS_H
#define PQCHA_SERVICE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "pqcha/verify.h"
#include "service/state.h"
#include "service/webhook.h"

typedef struct metrics metrics;

/* Returns: OK, NO_MEMORY. */
pqcha_err metrics_create(metrics **out);
void metrics_free(metrics *m);

/* A report verified and stored: its verdict, deciding error (for rejected
 * and malformed: the reason), and how long verifying it took. */
void metrics_count_report(metrics *m, pqcha_verdict verdict, pqcha_err deciding, double seconds);
void metrics_count_transition(metrics *m, workload_state to);
void metrics_count_store_error(metrics *m);
void metrics_count_refusal(metrics *m, unsigned http_status);

/* The transparency log's numbers (log.h counts them). */
typedef struct metrics_log {
    int size_known; /* the store answered */
    uint64_t size;
    uint64_t checkpoints_signed, checkpoints_published;
    uint64_t cosignatures_accepted, cosignatures_refused;
} metrics_log;

/* The exposition text. states: workloads by state, or NULL when the store
 * could not say (then the gauge is left out and pqcha_store_up is 0);
 * hook: the webhook's counters, or NULL when none is configured; log: the
 * transparency log's, or NULL when there is none. */
pqcha_err metrics_render(metrics *m, const uint64_t *states, const webhook_stats *hook,
                         const metrics_log *log, char **out, size_t *out_len);

#endif
