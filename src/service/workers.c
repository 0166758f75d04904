/* workers.c — see workers.h. Jobs are intrusive-free: the queue keeps its
 * own small nodes, so a job is any pointer. */
#include "service/workers.h"

#include <pthread.h>
#include <stdlib.h>

typedef struct job_node {
    void *job;
    struct job_node *next;
} job_node;

struct workers {
    pthread_mutex_t lock;
    pthread_cond_t ready;
    job_node *head, *tail;
    int stopping;
    workers_fn fn;
    unsigned count; /* threads started */
    pthread_t *threads;
};

/* The next job, or NULL once stopping and nothing is left. */
static job_node *take(workers *w) {
    pthread_mutex_lock(&w->lock);
    while (!w->head && !w->stopping)
        pthread_cond_wait(&w->ready, &w->lock);
    job_node *n = w->head;
    if (n) {
        w->head = n->next;
        if (!w->head) w->tail = NULL;
    }
    pthread_mutex_unlock(&w->lock);
    return n;
}

static void *run(void *arg) {
    workers *w = arg;
    job_node *n;
    while ((n = take(w)) != NULL) {
        void *job = n->job;
        free(n);
        w->fn(job);
    }
    return NULL;
}

pqcha_err workers_create(workers **out, unsigned threads, workers_fn fn) {
    if (!out) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (!fn || threads == 0 || threads > 1024) return PQCHA_ERR_INVALID_ARGUMENT;
    workers *w = calloc(1, sizeof *w);
    if (!w) return PQCHA_ERR_NO_MEMORY;
    w->threads = calloc(threads, sizeof *w->threads);
    if (!w->threads) {
        free(w);
        return PQCHA_ERR_NO_MEMORY;
    }
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->ready, NULL);
    w->fn = fn;
    for (; w->count < threads; w->count++)
        if (pthread_create(&w->threads[w->count], NULL, run, w) != 0) {
            workers_free(w);
            return PQCHA_ERR_INTERNAL;
        }
    *out = w;
    return PQCHA_OK;
}

int workers_submit(workers *w, void *job) {
    job_node *n = malloc(sizeof *n);
    if (!n) return 0;
    n->job = job;
    n->next = NULL;
    pthread_mutex_lock(&w->lock);
    int accepted = !w->stopping;
    if (accepted) {
        if (w->tail)
            w->tail->next = n;
        else
            w->head = n;
        w->tail = n;
        pthread_cond_signal(&w->ready);
    }
    pthread_mutex_unlock(&w->lock);
    if (!accepted) free(n);
    return accepted;
}

void workers_stop(workers *w) {
    if (!w) return;
    pthread_mutex_lock(&w->lock);
    w->stopping = 1;
    pthread_cond_broadcast(&w->ready);
    pthread_mutex_unlock(&w->lock);
    for (unsigned i = 0; i < w->count; i++)
        pthread_join(w->threads[i], NULL);
    w->count = 0; /* joined: a second stop has nothing to wait for */
}

void workers_free(workers *w) {
    if (!w) return;
    workers_stop(w);
    pthread_cond_destroy(&w->ready);
    pthread_mutex_destroy(&w->lock);
    free(w->threads);
    free(w);
}
