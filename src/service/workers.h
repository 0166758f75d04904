/* workers.h — a fixed pool of threads taking jobs from one FIFO queue.
 *
 * The HTTP front hands each request that must wait for the store to this
 * pool (a challenge; a report with PostgreSQL or a transparency log) and
 * suspends its connection meanwhile: a request waits for its commit (and
 * commits arriving together share a disk flush), so the threads that read
 * the network must not be the ones that wait, or every connection a
 * waiting thread serves waits with it. */
#ifndef PQCHA_SERVICE_WORKERS_H
#define PQCHA_SERVICE_WORKERS_H

#include "pqcha/error.h"

typedef struct workers workers;
typedef void (*workers_fn)(void *job);

/* Starts `threads` threads (1-1024) that run fn on each submitted job, in
 * the order submitted. Returns: OK, INVALID_ARGUMENT, NO_MEMORY, INTERNAL
 * (a thread could not start). */
pqcha_err workers_create(workers **out, unsigned threads, workers_fn fn);
/* Queues a job. Returns 1, or 0 once workers_stop began or when out of
 * memory (the caller then runs the job itself). */
int workers_submit(workers *w, void *job);
/* Runs every job already queued and stops the threads; from then on
 * workers_submit refuses every job, until workers_free. Idempotent. */
void workers_stop(workers *w);
/* workers_stop, then frees. */
void workers_free(workers *w);

#endif
