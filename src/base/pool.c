/* pool.c — the thread pool behind parallel hashing (pool.h).
 *
 * One job at a time: the caller publishes (fn, ctx, ntasks), bumps a
 * generation counter and wakes the workers; everyone, caller included,
 * claims task indices from an atomic counter until none are left. Claiming
 * indices dynamically (rather than a fixed split) keeps both cores busy when
 * one is slowed by the other tenant of a shared machine. */
#include "base/pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_THREADS 256

struct pqcha__pool {
    pthread_mutex_t lock;
    pthread_cond_t work_ready; /* workers wait here for a new generation */
    pthread_cond_t work_done;  /* the caller waits here for the last worker */
    unsigned threads;          /* including the caller */
    unsigned started;          /* workers actually running */
    unsigned long generation;  /* bumped once per job */
    int shutting_down;
    unsigned busy_workers; /* workers still inside the current job */

    pqcha__pool_task fn;
    void *ctx;
    size_t ntasks;
    atomic_size_t next_task;
    pthread_t workers[MAX_THREADS];
};

unsigned pqcha__online_cpus(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) return 1;
    return n > MAX_THREADS ? MAX_THREADS : (unsigned)n;
}

static void claim_tasks(pqcha__pool *p) {
    for (;;) {
        size_t i = atomic_fetch_add(&p->next_task, 1);
        if (i >= p->ntasks) return;
        p->fn(p->ctx, i);
    }
}

static void *worker_main(void *arg) {
    pqcha__pool *p = arg;
    unsigned long seen = 0;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->shutting_down && p->generation == seen)
            pthread_cond_wait(&p->work_ready, &p->lock);
        if (p->shutting_down) break;
        seen = p->generation;
        pthread_mutex_unlock(&p->lock);
        claim_tasks(p);
        pthread_mutex_lock(&p->lock);
        if (--p->busy_workers == 0) pthread_cond_signal(&p->work_done);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

pqcha_err pqcha__pool_create(pqcha__pool **out, unsigned threads) {
    if (!out) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (threads == 0) threads = pqcha__online_cpus();
    if (threads > MAX_THREADS) threads = MAX_THREADS;
    pqcha__pool *p = calloc(1, sizeof *p);
    if (!p) return PQCHA_ERR_NO_MEMORY;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->work_ready, NULL);
    pthread_cond_init(&p->work_done, NULL);
    atomic_init(&p->next_task, 0);
    p->threads = threads;
    for (unsigned i = 0; i + 1 < threads; i++) {
        if (pthread_create(&p->workers[i], NULL, worker_main, p) != 0) break;
        p->started++;
    }
    /* Fewer workers than asked (thread limits) still computes correctly. */
    p->threads = p->started + 1;
    *out = p;
    return PQCHA_OK;
}

unsigned pqcha__pool_threads(const pqcha__pool *p) {
    return p ? p->threads : 1;
}

void pqcha__pool_run(pqcha__pool *p, size_t ntasks, pqcha__pool_task fn, void *ctx) {
    if (ntasks == 0) return;
    if (!p || p->started == 0 || ntasks == 1) { /* no hand-off cost for a single task */
        for (size_t i = 0; i < ntasks; i++)
            fn(ctx, i);
        return;
    }
    pthread_mutex_lock(&p->lock);
    p->fn = fn;
    p->ctx = ctx;
    p->ntasks = ntasks;
    atomic_store(&p->next_task, 0);
    p->busy_workers = p->started;
    p->generation++;
    pthread_cond_broadcast(&p->work_ready);
    pthread_mutex_unlock(&p->lock);

    claim_tasks(p);

    pthread_mutex_lock(&p->lock);
    while (p->busy_workers > 0)
        pthread_cond_wait(&p->work_done, &p->lock);
    pthread_mutex_unlock(&p->lock);
}

void pqcha__pool_free(pqcha__pool *p) {
    if (!p) return;
    pthread_mutex_lock(&p->lock);
    p->shutting_down = 1;
    pthread_cond_broadcast(&p->work_ready);
    pthread_mutex_unlock(&p->lock);
    for (unsigned i = 0; i < p->started; i++)
        pthread_join(p->workers[i], NULL);
    pthread_cond_destroy(&p->work_ready);
    pthread_cond_destroy(&p->work_done);
    pthread_mutex_destroy(&p->lock);
    free(p);
}
