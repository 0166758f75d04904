/* server_bench.c — reports verified per second through `pqcha serve`
 * (the service and its HTTP front, in this process, on a real store),
 * side by side with bare pqcha_verify on the same reports in the same run
 * (docs/PERFORMANCE.md, "The verifier service").
 *
 *   pqcha_bench_server [--reports N] [--clients C] [--fleet C] [--repeat R] [--db URL]...
 *
 * Without --db it measures a SQLite file in $TMPDIR, and PostgreSQL too when
 * PQCHA_TEST_STORE_URL names one (make bench starts a throw-away cluster
 * with tests/service/with_postgres.sh). Each report answers a challenge the
 * service issued, as an agent's would: the server does everything it does
 * in production (challenge lookup, verification, the durable commit).
 * A fleet's agents report concurrently, and a server's commits are grouped
 * (one disk flush for the reports that arrive together), so its rate
 * depends on how many arrive at once: `pqcha serve` is measured with
 * --clients connections (32 by default) and with --fleet (256: a fleet of a
 * few hundred agents), each connection with one report in flight. */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_clock.h"
#include "http_load.h"
#include "pqcha.h"
#include "service/http.h"
#include "service/log.h"
#include "service/service.h"

#define WORKLOAD   "bench-workload"
#define MAX_DBS    4
#define REGION_LEN 4096
/* Threads of the bare and service-alone rows: --clients, at most this (the
 * HTTP rows take up to 1024 connections from one thread). */
#define MAX_THREADS 64

typedef struct report {
    char *text;
    size_t len;
} report;

typedef struct bench {
    pqcha_key *key, *public_key;
    uint8_t region[REGION_LEN];
    report *reports;
    size_t count;
    unsigned clients;
    unsigned fleet;   /* connections of the second `pqcha serve` row */
    unsigned repeat;  /* each row is the best of this many runs */
    int database_cpu; /* the rows measure the PostgreSQL cluster's CPU too */
} bench;

static void die(const char *what, pqcha_err err) {
    fprintf(stderr, "pqcha_bench_server: %s: %s\n", what, pqcha_strerror(err));
    exit(1);
}

#define MUST(expr, what)                                 \
    do {                                                 \
        pqcha_err must_err_ = (expr);                    \
        if (must_err_ != PQCHA_OK) die(what, must_err_); \
    } while (0)

/* ---- the workload, its policy and its reports ---- */

static pqcha_policy *make_policy(const bench *b) {
    uint8_t digest[32];
    char hex[65];
    pqcha_policy *p;
    MUST(pqcha_digest(digest, sizeof digest, PQCHA_DIGEST_SHA3_256_TREE, b->region, REGION_LEN, 1),
         "digest");
    pqcha_hex_encode(hex, digest, sizeof digest);
    const char *digests[] = {hex};
    pqcha_digest_alg algs[] = {PQCHA_DIGEST_SHA3_256_TREE};
    MUST(pqcha_policy_create(&p), "policy");
    MUST(pqcha_policy_add_trusted_key(p, b->public_key), "policy key");
    MUST(pqcha_policy_add_workload(p, WORKLOAD, NULL, 0), "policy workload");
    MUST(pqcha_policy_add_region_digests(p, WORKLOAD, "weights", algs, digests, 1),
         "policy region");
    MUST(pqcha_policy_finish(p), "policy finish");
    return p;
}

static pqcha_attester *make_attester(bench *b, pqcha_backend **backend) {
    pqcha_region *r;
    pqcha_attester *a;
    MUST(pqcha_backend_create(backend, "in-memory"), "backend");
    MUST(pqcha_region_create(&r, "weights", "", 0, REGION_LEN, PQCHA_PROT_RO), "region");
    MUST(pqcha_memory_backend_register(*backend, WORKLOAD, r, b->region, REGION_LEN), "register");
    pqcha_region_free(r);
    MUST(pqcha_attester_create(&a, b->key, *backend, WORKLOAD), "attester");
    return a;
}

/* A nonce the service issued (in-process: what POST /v1/challenge does). */
static void challenge(service *svc, char nonce[128]) {
    static const char request[] = "{\"workload\": \"" WORKLOAD "\"}";
    service_reply r;
    MUST(service_challenge(svc, request, strlen(request), &r), "challenge");
    const char *at = r.body ? strstr(r.body, "\"nonce\":\"") : NULL;
    if (r.status != 200 || !at) die("challenge refused", PQCHA_ERR_INTERNAL);
    snprintf(nonce, 128, "%.64s", at + strlen("\"nonce\":\""));
    service_reply_clear(&r);
}

static void make_reports(bench *b, service *svc) {
    pqcha_backend *backend;
    pqcha_attester *a = make_attester(b, &backend);
    for (size_t i = 0; i < b->count; i++) {
        char nonce[128];
        challenge(svc, nonce);
        MUST(pqcha_attester_attest(a, nonce, &b->reports[i].text, &b->reports[i].len), "attest");
    }
    pqcha_attester_free(a);
    pqcha_backend_free(backend);
}

static void free_reports(bench *b) {
    for (size_t i = 0; i < b->count; i++)
        pqcha_free(b->reports[i].text);
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct served {
    double rate, p50, p90, p99;
    double server_cpu, client_cpu; /* CPU seconds per report */
    double database_cpu;           /* ... of the PostgreSQL cluster; < 0: not measured */
} served;

/* One process's user + system time from /proc/PID/stat, and its parent. */
static int process_cpu(const char *pid, long *ppid, double *seconds) {
    char path[320], line[1024];
    snprintf(path, sizeof path, "/proc/%s/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    int got = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    const char *after_name = got ? strrchr(line, ')') : NULL; /* the name may hold spaces */
    unsigned long utime, stime;
    if (!after_name ||
        sscanf(after_name + 1, " %*c %ld %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", ppid, &utime,
               &stime) != 3)
        return 0;
    *seconds = (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
    return 1;
}

/* The CPU time of the PostgreSQL cluster whose data directory
 * with_postgres.sh names (its postmaster and every child: the backends
 * serving this benchmark, the WAL writer, the checkpointer): on these
 * machines it shares the vCPUs with the server. -1 when unknown. */
static double database_cpu_seconds(void) {
    const char *data = getenv("PQCHA_TEST_PG_DATA");
    char path[4200], postmaster[32] = "";
    if (!data) return -1;
    snprintf(path, sizeof path, "%s/postmaster.pid", data);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    int got = fgets(postmaster, sizeof postmaster, f) != NULL;
    fclose(f);
    long root = got ? strtol(postmaster, NULL, 10) : 0;
    DIR *proc = root > 0 ? opendir("/proc") : NULL;
    if (!proc) return -1;
    double total = 0;
    for (struct dirent *e; (e = readdir(proc)) != NULL;) {
        long ppid;
        double seconds;
        if (e->d_name[0] < '1' || e->d_name[0] > '9' || !process_cpu(e->d_name, &ppid, &seconds))
            continue;
        if (strtol(e->d_name, NULL, 10) == root || ppid == root) total += seconds;
    }
    closedir(proc);
    return total;
}

/* Where a row starts: the cluster's CPU when the rows measure it, or -1. */
static double database_mark(const bench *b) {
    return b->database_cpu ? database_cpu_seconds() : -1;
}

/* The cluster's CPU per report since a mark; -1 when not measured. */
static double database_cpu_per_report(const bench *b, double mark) {
    double now = mark >= 0 ? database_cpu_seconds() : -1;
    return now >= 0 ? (now - mark) / (double)b->count : -1;
}

/* Rate, and CPU per report, of `threads` threads running fn over the
 * reports (each its share). */
static served run_threads(void *(*fn)(void *), void *jobs, size_t job_size, unsigned threads,
                          size_t count) {
    pthread_t tids[MAX_THREADS];
    double start = bench_now_seconds(), cpu = bench_cpu_seconds(RUSAGE_SELF);
    for (unsigned t = 0; t < threads; t++)
        pthread_create(&tids[t], NULL, fn, (char *)jobs + t * job_size);
    for (unsigned t = 0; t < threads; t++)
        pthread_join(tids[t], NULL);
    double elapsed = bench_now_seconds() - start;
    served s = {(double)count / elapsed,
                0,
                0,
                0,
                (bench_cpu_seconds(RUSAGE_SELF) - cpu) / (double)count,
                0,
                -1};
    return s;
}

static unsigned worker_threads(const bench *b) {
    return b->clients > MAX_THREADS ? MAX_THREADS : b->clients;
}

/* ---- bare verification, on as many threads as clients ---- */

typedef struct bare_job {
    const bench *b;
    const pqcha_verifier *v;
    size_t first, step;
    int failed;
} bare_job;

static pqcha_err nonce_open(void *ctx, const char *workload, const char *nonce) {
    (void)ctx, (void)workload, (void)nonce;
    return PQCHA_OK; /* the bare row measures verification alone */
}

static void *bare_worker(void *arg) {
    bare_job *job = arg;
    for (size_t i = job->first; i < job->b->count; i += job->step) {
        pqcha_result *r = NULL;
        pqcha_err err = pqcha_verify_challenged(&r, job->v, job->b->reports[i].text,
                                                job->b->reports[i].len, nonce_open, NULL);
        if (err != PQCHA_OK) job->failed = 1;
        pqcha_result_free(r);
    }
    return NULL;
}

static served bare_rate(const bench *b, const pqcha_policy *policy, unsigned threads) {
    pqcha_verifier *v;
    MUST(pqcha_verifier_create(&v), "verifier");
    MUST(pqcha_verifier_set_policy(v, policy), "verifier policy");
    bare_job jobs[MAX_THREADS];
    for (unsigned t = 0; t < threads; t++)
        jobs[t] = (bare_job){b, v, t, threads, 0};
    served s = run_threads(bare_worker, jobs, sizeof *jobs, threads, b->count);
    for (unsigned t = 0; t < threads; t++)
        if (jobs[t].failed) die("a bare verification failed", PQCHA_ERR_INTERNAL);
    pqcha_verifier_free(v);
    return s;
}

/* ---- through the server ---- */

/* Every report POSTed once by the load generator (one thread, `clients`
 * keep-alive connections each with one report in flight, as a fleet's
 * agents post); the server's CPU is the process's less the generator's. */
static served post_all(const bench *b, uint16_t port, unsigned clients) {
    double *latencies = calloc(b->count, sizeof *latencies);
    http_load_body *bodies = calloc(b->count, sizeof *bodies);
    for (size_t i = 0; i < b->count; i++)
        bodies[i] = (http_load_body){b->reports[i].text, b->reports[i].len};
    http_load_run run;
    double database = database_mark(b);
    double cpu = bench_cpu_seconds(RUSAGE_SELF);
    if (http_load_post(port, "/v1/reports", bodies, b->count, clients, 200, latencies, &run) != 0 ||
        run.failed) {
        fprintf(stderr,
                "pqcha_bench_server: %zu of %zu reports not answered 200 over HTTP (%zu "
                "connections failed; last other status: %d)\n",
                run.failed, b->count, run.broken, run.bad_status);
        exit(1);
    }
    cpu = bench_cpu_seconds(RUSAGE_SELF) - cpu;
    qsort(latencies, b->count, sizeof *latencies, compare_doubles);
    served s = {(double)b->count / run.elapsed,
                latencies[b->count / 2],
                latencies[b->count * 9 / 10],
                latencies[b->count * 99 / 100],
                (cpu - run.cpu_seconds) / (double)b->count,
                run.cpu_seconds / (double)b->count,
                database_cpu_per_report(b, database)};
    free(bodies);
    free(latencies);
    return s;
}

/* ---- the service alone (no HTTP): where the server's time goes ---- */

typedef struct direct_job {
    const bench *b;
    service *svc;
    size_t first, step;
    int failed;
} direct_job;

static void *direct_worker(void *arg) {
    direct_job *job = arg;
    for (size_t i = job->first; i < job->b->count; i += job->step) {
        service_reply r;
        if (service_submit_report(job->svc, job->b->reports[i].text, job->b->reports[i].len, &r) !=
                PQCHA_OK ||
            r.status != 200)
            job->failed = 1;
        service_reply_clear(&r);
    }
    return NULL;
}

static served submit_directly(const bench *b, service *svc) {
    direct_job jobs[MAX_THREADS];
    unsigned threads = worker_threads(b);
    for (unsigned t = 0; t < threads; t++)
        jobs[t] = (direct_job){b, svc, t, threads, 0};
    double database = database_mark(b);
    served s = run_threads(direct_worker, jobs, sizeof *jobs, threads, b->count);
    s.database_cpu = database_cpu_per_report(b, database);
    for (unsigned t = 0; t < threads; t++)
        if (jobs[t].failed) die("a report was not answered 200", PQCHA_ERR_INTERNAL);
    return s;
}

/* The transparency log on the same store (pqcha serve --log-key), as
 * served by default: a key of its own, a checkpoint signed for every
 * committed batch (receipts need one), one published per interval. */
static tlog *start_log(store *db) {
    pqcha_key *log_key = NULL;
    tlog *log = NULL;
    tlog_options lo = {"bench.example/pqcha-log", TLOG_DEFAULT_INTERVAL, NULL,
                       TLOG_DEFAULT_ENTRIES};
    MUST(pqcha_key_generate(&log_key, PQCHA_ML_DSA_65), "log key");
    MUST(tlog_create(&log, db, log_key, &lo), "log");
    MUST(tlog_start(log, NULL), "log start");
    return log;
}

/* HTTP posts of fresh reports: the rate and latencies. */
static served serve_reports(bench *b, service *svc, unsigned clients) {
    http_server *http;
    char why[512];
    make_reports(b, svc);
    http_options ho = {"127.0.0.1:0", NULL, 0, 0, 0, 0, NULL, NULL};
    MUST(http_start(&http, svc, &ho, why, sizeof why), "http");
    served s = post_all(b, http_port(http), clients);
    http_stop(http);
    free_reports(b);
    return s;
}

/* One row: the rate, its latencies when it has them, the CPU a report
 * costs (and, through HTTP, what the load generator spent besides). */
static void print_row(const char *path, const served *s, const served *bare) {
    char latency[64] = "", cpu[128];
    if (s->p50 > 0)
        snprintf(latency, sizeof latency, "%.1f / %.1f / %.1f ms", s->p50 * 1e3, s->p90 * 1e3,
                 s->p99 * 1e3);
    snprintf(cpu, sizeof cpu, "%.3f ms", s->server_cpu * 1e3);
    if (s->client_cpu > 0)
        snprintf(cpu + strlen(cpu), sizeof cpu - strlen(cpu), " (+ %.3f ms clients)",
                 s->client_cpu * 1e3);
    if (s->database_cpu >= 0)
        snprintf(cpu + strlen(cpu), sizeof cpu - strlen(cpu), " (+ %.3f ms database)",
                 s->database_cpu * 1e3);
    printf("| %s | %.0f reports/s | %s | %s | %.2f× |\n", path, s->rate, latency, cpu,
           s->rate / bare->rate);
    fflush(stdout);
}

/* The run least disturbed by the machine's neighbours: the fastest. */
static served best_of(served a, served b) {
    return b.rate > a.rate ? b : a;
}

static served direct_best(bench *b, service *svc) {
    served best = {0};
    for (unsigned i = 0; i < b->repeat; i++) {
        make_reports(b, svc);
        best = best_of(best, submit_directly(b, svc));
        free_reports(b);
    }
    return best;
}

static served served_best(bench *b, service *svc, unsigned clients) {
    served best = {0};
    for (unsigned i = 0; i < b->repeat; i++)
        best = best_of(best, serve_reports(b, svc, clients));
    return best;
}

static void run_store(bench *b, const char *url, const served *bare) {
    store *db;
    service *svc;
    char why[512], path[256];
    pqcha_err err = store_open(&db, url, why, sizeof why);
    if (err != PQCHA_OK) {
        fprintf(stderr, "pqcha_bench_server: %s: %s\n", url, why);
        exit(1);
    }
    MUST(service_create(&svc, db, NULL), "service");
    MUST(service_set_policy(svc, make_policy(b)), "service policy");
    b->database_cpu = strcmp(store_kind(db), "postgresql") == 0;
    served direct = direct_best(b, svc);
    snprintf(path, sizeof path, "the service without HTTP, %s, %u threads", store_kind(db),
             worker_threads(b));
    print_row(path, &direct, bare);
    served s = served_best(b, svc, b->clients);
    snprintf(path, sizeof path, "`pqcha serve`, %s, %u connections", store_kind(db), b->clients);
    print_row(path, &s, bare);
    served fleet = served_best(b, svc, b->fleet);
    snprintf(path, sizeof path, "`pqcha serve`, %s, %u connections", store_kind(db), b->fleet);
    print_row(path, &fleet, bare);
    tlog *log = start_log(db);
    service_set_log(svc, log);
    served logged = served_best(b, svc, b->clients);
    snprintf(path, sizeof path, "`pqcha serve` with its log, %s, %u connections (%.2f× without)",
             store_kind(db), b->clients, logged.rate / s.rate);
    print_row(path, &logged, bare);
    service_set_log(svc, NULL);
    tlog_free(log);
    service_free(svc);
    store_close(db);
}

int main(int argc, char **argv) {
    bench b = {0};
    const char *dbs[MAX_DBS];
    size_t db_count = 0;
    char sqlite_url[4200];
    b.count = 2000;
    b.clients = 32;
    b.fleet = 256;
    b.repeat = 3;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--reports") == 0 && i + 1 < argc)
            b.count = (size_t)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
            b.repeat = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--clients") == 0 && i + 1 < argc)
            b.clients = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--fleet") == 0 && i + 1 < argc)
            b.fleet = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc && db_count < MAX_DBS)
            dbs[db_count++] = argv[++i];
        else {
            fprintf(stderr, "usage: pqcha_bench_server [--reports N] [--clients C] [--fleet C] "
                            "[--repeat R] [--db URL]...\n");
            return 2;
        }
    }
    if (b.count < 100 || b.clients == 0 || b.clients > 1024 || b.fleet == 0 || b.fleet > 1024 ||
        b.repeat == 0)
        return 2;
    if (db_count == 0) {
        const char *tmp = getenv("TMPDIR");
        snprintf(sqlite_url, sizeof sqlite_url, "sqlite:%s/pqcha-bench-%ld.db", tmp ? tmp : "/tmp",
                 (long)getpid());
        dbs[db_count++] = sqlite_url;
        const char *pg = getenv("PQCHA_TEST_STORE_URL");
        if (pg && *pg) dbs[db_count++] = pg;
    }
    MUST(pqcha_key_generate(&b.key, PQCHA_ML_DSA_65), "keygen");
    MUST(pqcha_key_public_copy(&b.public_key, b.key), "public key");
    for (size_t i = 0; i < REGION_LEN; i++)
        b.region[i] = (uint8_t)(i * 31);
    b.reports = calloc(b.count, sizeof *b.reports);

    /* The bare rows verify the reports of a first service run's challenges. */
    store *db;
    service *svc;
    char why[512];
    MUST(store_open(&db, dbs[0], why, sizeof why), "store");
    MUST(service_create(&svc, db, NULL), "service");
    MUST(service_set_policy(svc, make_policy(&b)), "policy");
    make_reports(&b, svc);
    pqcha_policy *policy = make_policy(&b);
    served bare_one = {0}, bare_clients = {0};
    for (unsigned i = 0; i < b.repeat; i++) {
        bare_one = best_of(bare_one, bare_rate(&b, policy, 1));
        bare_clients = best_of(bare_clients, bare_rate(&b, policy, worker_threads(&b)));
    }
    free_reports(&b);
    service_free(svc);
    store_close(db);
    pqcha_policy_free(policy);

    printf("Verifier service: %zu reports of one 4 KiB region (ML-DSA-65); through HTTP, %u or\n"
           "%u keep-alive connections each with one report in flight, driven by one\n"
           "load-generator thread; latency p50 / p90 / p99; CPU per report of the server (process\n"
           "CPU less the generator's); ratio to bare verify on %u threads; each row the best of\n"
           "%u runs\n\n",
           b.count, b.clients, b.fleet, worker_threads(&b), b.repeat);
    printf("| path | rate | latency | CPU per report | vs bare |\n|---|---:|---:|---:|---:|\n");
    char label[128];
    print_row("bare `pqcha_verify`, 1 thread", &bare_one, &bare_clients);
    snprintf(label, sizeof label, "bare `pqcha_verify`, %u threads", worker_threads(&b));
    print_row(label, &bare_clients, &bare_clients);
    for (size_t i = 0; i < db_count; i++)
        run_store(&b, dbs[i], &bare_clients);
    if (strcmp(dbs[0], sqlite_url) == 0) {
        const char *path = sqlite_url + strlen("sqlite:");
        char side[4300];
        unlink(path);
        snprintf(side, sizeof side, "%s-wal", path);
        unlink(side);
        snprintf(side, sizeof side, "%s-shm", path);
        unlink(side);
    }
    free(b.reports);
    pqcha_key_free(b.key);
    pqcha_key_free(b.public_key);
    return 0;
}
