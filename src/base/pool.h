/* pool.h — a small fixed thread pool for data-parallel work (hashing leaves).
 *
 * pqcha__pool_run hands out task indices 0..ntasks-1 to the workers and to
 * the calling thread, and returns when all are done. Tasks must not fail:
 * they write their results into caller-owned slots indexed by task. */
#ifndef PQCHA_POOL_H
#define PQCHA_POOL_H

#include <stddef.h>

#include "pqcha/error.h"

typedef struct pqcha__pool pqcha__pool;
typedef void (*pqcha__pool_task)(void *ctx, size_t task);

/* threads counts the caller: threads - 1 workers are started (0 = all online CPUs). */
pqcha_err pqcha__pool_create(pqcha__pool **out, unsigned threads);
unsigned pqcha__pool_threads(const pqcha__pool *p);
/* Runs fn(ctx, i) for every i < ntasks across the pool; not reentrant. */
void pqcha__pool_run(pqcha__pool *p, size_t ntasks, pqcha__pool_task fn, void *ctx);
void pqcha__pool_free(pqcha__pool *p);

/* Online CPUs (at least 1). */
unsigned pqcha__online_cpus(void);

#endif
