/* sqlite_writer.c — group commits on a writer thread, flushed by a flusher
 * thread (sqlite_writer.h). */
#include "service/sqlite_writer.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "service/sqlite_gather.h"

/* Flushes start at most this often: under load the writes of a few groups
 * share one (a flush costs nearly the same CPU for one write or fifty:
 * 0.1-0.25 ms here, most of it the block device's round trip), and a lone
 * write, with no flush before it, waits for none. 1, 2, 4 and 8 ms were
 * measured (docs/PERFORMANCE.md): 2 ms keeps 32 agents' latency and gives
 * a fleet's throughput most of what longer waits give. */
#define FLUSH_INTERVAL_NS 2000000L

/* The statements every group runs, prepared once. */
enum { BEGIN, SAVEPOINT, ROLLBACK_TO, RELEASE, COMMIT, STATEMENTS };
static const char *const statement_sql[STATEMENTS] = {"BEGIN IMMEDIATE", "SAVEPOINT one_write",
                                                      "ROLLBACK TO one_write", "RELEASE one_write",
                                                      "COMMIT"};

struct sqlite_writer {
    sqlite3 *db;
    sqlite3_stmt *statements[STATEMENTS];
    int wal_fd;
    pthread_t writer_thread, flusher_thread;
    pthread_mutex_t lock; /* guards everything below */
    pthread_cond_t queued, committed;
    sqlite_write *queue;                      /* newest first, for the writer */
    sqlite_write *unflushed, *unflushed_tail; /* oldest first, for the flusher */
    int stopping;                             /* no more writes are taken */
    int writer_gone;                          /* the writer thread has finished */
    int broken;                               /* a flush failed */
};

static pqcha_err step(sqlite_writer *w, int statement) {
    sqlite3_stmt *st = w->statements[statement];
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? PQCHA_OK : PQCHA_ERR_STORE;
}

static sqlite_write *oldest_first(sqlite_write *list) {
    sqlite_write *reversed = NULL;
    while (list) {
        sqlite_write *next = list->next;
        list->next = reversed;
        reversed = list;
        list = next;
    }
    return reversed;
}

static void fail_group(sqlite_write *group) {
    for (sqlite_write *job = group; job; job = job->next)
        job->err = PQCHA_ERR_STORE;
}

/* One transaction for the group; a write that fails rolls back its own
 * savepoint, and the others still commit. Returns 1 when the commit may be
 * lost although SQLite took it (a gathered write of its log failed where
 * SQLite could not hear of it: sqlite_gather.h). */
static int run_group(sqlite_writer *w, sqlite_write *group) {
    pqcha_err err = step(w, BEGIN);
    for (sqlite_write *job = group; job; job = job->next) {
        job->err = err != PQCHA_OK ? err : step(w, SAVEPOINT);
        if (job->err == PQCHA_OK) job->err = job->run(w->db, job->arg);
        if (err != PQCHA_OK) continue;
        if (job->err != PQCHA_OK) (void)step(w, ROLLBACK_TO);
        if (step(w, RELEASE) != PQCHA_OK) err = PQCHA_ERR_STORE;
    }
    if (err == PQCHA_OK) err = step(w, COMMIT);
    if (err == PQCHA_OK) {
        if (sqlite_gather_check(w->db) == SQLITE_OK) return 0;
        fail_group(group);
        return 1;
    }
    (void)sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
    fail_group(group);
    return 0;
}

static void *writer_main(void *arg) {
    sqlite_writer *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        /* One group waits for the flush at most: the writes that arrive
         * meanwhile make the next group, so that groups grow with the load
         * (a page several writes change is written once per group). */
        while ((!w->queue || w->unflushed) && !w->stopping)
            pthread_cond_wait(&w->queued, &w->lock);
        if (!w->queue) break;
        sqlite_write *group = oldest_first(w->queue);
        w->queue = NULL;
        int broken = w->broken;
        pthread_mutex_unlock(&w->lock);
        if (broken)
            fail_group(group);
        else
            broken = run_group(w, group);
        pthread_mutex_lock(&w->lock);
        if (broken) w->broken = 1;
        if (w->unflushed_tail)
            w->unflushed_tail->next = group;
        else
            w->unflushed = group;
        while (group->next)
            group = group->next;
        w->unflushed_tail = group;
        pthread_cond_signal(&w->committed);
    }
    w->writer_gone = 1;
    pthread_cond_signal(&w->committed);
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

/* The log's pages on disk, for every commit the writer made before this
 * call (fdatasync is per file, whichever descriptor wrote). */
static pqcha_err flush_log(sqlite_writer *w) {
    pthread_mutex_lock(&w->lock);
    int broken = w->broken;
    pthread_mutex_unlock(&w->lock);
    if (broken) return PQCHA_ERR_STORE;
    if (fdatasync(w->wal_fd) == 0) return PQCHA_OK;
    pthread_mutex_lock(&w->lock);
    w->broken = 1;
    pthread_mutex_unlock(&w->lock);
    return PQCHA_ERR_STORE;
}

static struct timespec after_ns(struct timespec t, long ns) {
    t.tv_nsec += ns;
    while (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

static int before(const struct timespec *a, const struct timespec *b) {
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static void *flusher_main(void *arg) {
    sqlite_writer *w = arg;
    struct timespec next_flush = {0, 0};
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->unflushed && !w->writer_gone)
            pthread_cond_wait(&w->committed, &w->lock);
        if (!w->unflushed) break;
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (before(&now, &next_flush) && !w->writer_gone) {
            pthread_cond_timedwait(&w->committed, &w->lock, &next_flush);
            continue;
        }
        next_flush = after_ns(now, FLUSH_INTERVAL_NS);
        sqlite_write *done = w->unflushed;
        w->unflushed = w->unflushed_tail = NULL;
        pthread_cond_signal(&w->queued); /* the writer may commit the next group */
        pthread_mutex_unlock(&w->lock);
        pqcha_err flushed = flush_log(w);
        while (done) {
            sqlite_write *next = done->next; /* done may free the job */
            done->done(done->ctx, flushed == PQCHA_OK ? done->err : PQCHA_ERR_STORE);
            done = next;
        }
        pthread_mutex_lock(&w->lock);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

static pqcha_err prepare_statements(sqlite_writer *w) {
    for (int i = 0; i < STATEMENTS; i++)
        if (sqlite3_prepare_v3(w->db, statement_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                               &w->statements[i], NULL) != SQLITE_OK)
            return PQCHA_ERR_STORE;
    return sqlite3_exec(w->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL) == SQLITE_OK
               ? PQCHA_OK
               : PQCHA_ERR_STORE;
}

void sqlite_close_connection(sqlite3 *db) {
    sqlite3_stmt *st;
    while (db && (st = sqlite3_next_stmt(db, NULL)) != NULL)
        sqlite3_finalize(st);
    sqlite3_close(db);
}

static void free_writer(sqlite_writer *w) {
    sqlite_close_connection(w->db);
    if (w->wal_fd >= 0) close(w->wal_fd);
    pthread_cond_destroy(&w->committed);
    pthread_cond_destroy(&w->queued);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

pqcha_err sqlite_writer_start(sqlite_writer **out, sqlite3 *db, const char *wal_path) {
    *out = NULL;
    sqlite_writer *w = calloc(1, sizeof *w);
    if (!w) {
        sqlite_close_connection(db);
        return PQCHA_ERR_NO_MEMORY;
    }
    w->db = db;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->queued, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&w->committed, &attr);
    pthread_condattr_destroy(&attr);
    w->wal_fd = open(wal_path, O_RDWR | O_CLOEXEC);
    pqcha_err err = w->wal_fd < 0 ? PQCHA_ERR_STORE : prepare_statements(w);
    if (err == PQCHA_OK && pthread_create(&w->writer_thread, NULL, writer_main, w) != 0)
        err = PQCHA_ERR_INTERNAL;
    if (err == PQCHA_OK && pthread_create(&w->flusher_thread, NULL, flusher_main, w) != 0) {
        sqlite_writer_stop(w); /* joins the writer */
        return PQCHA_ERR_INTERNAL;
    }
    if (err != PQCHA_OK) {
        free_writer(w);
        return err;
    }
    *out = w;
    return PQCHA_OK;
}

void sqlite_writer_stop(sqlite_writer *w) {
    if (!w) return;
    pthread_mutex_lock(&w->lock);
    w->stopping = 1;
    pthread_cond_signal(&w->queued);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->writer_thread, NULL);
    if (w->flusher_thread) pthread_join(w->flusher_thread, NULL);
    free_writer(w);
}

void sqlite_writer_submit(sqlite_writer *w, sqlite_write *job) {
    pthread_mutex_lock(&w->lock);
    int refused = w->stopping || w->broken;
    if (!refused) {
        /* The writer waits for a first write, or for the flush of its last
         * group (the flusher wakes it then): waking it for every write
         * cost a futex call, a cross-CPU wakeup and a wasted turn each. */
        int writer_may_wait = !w->queue && !w->unflushed;
        job->next = w->queue;
        w->queue = job;
        if (writer_may_wait) pthread_cond_signal(&w->queued);
    }
    pthread_mutex_unlock(&w->lock);
    if (refused) job->done(job->ctx, PQCHA_ERR_STORE);
}

/* A caller waiting for its write. */
typedef struct waiter {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int done;
    pqcha_err err;
} waiter;

static void wake(void *ctx, pqcha_err err) {
    waiter *wt = ctx;
    pthread_mutex_lock(&wt->lock);
    wt->err = err;
    wt->done = 1;
    pthread_cond_signal(&wt->cond);
    pthread_mutex_unlock(&wt->lock);
}

pqcha_err sqlite_writer_run(sqlite_writer *w, pqcha_err (*run)(sqlite3 *db, void *arg), void *arg) {
    waiter wt = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, PQCHA_OK};
    sqlite_write job = {run, arg, wake, &wt, PQCHA_OK, NULL};
    sqlite_writer_submit(w, &job);
    pthread_mutex_lock(&wt.lock);
    while (!wt.done)
        pthread_cond_wait(&wt.cond, &wt.lock);
    pthread_mutex_unlock(&wt.lock);
    pthread_cond_destroy(&wt.cond);
    pthread_mutex_destroy(&wt.lock);
    return wt.err;
}

int sqlite_writer_broken(sqlite_writer *w) {
    pthread_mutex_lock(&w->lock);
    int broken = w->broken;
    pthread_mutex_unlock(&w->lock);
    return broken;
}
