/* server_bench.c — reports verified per second through `pqcha serve`
 * (the service and its HTTP front, in this process, on a real store),
 * side by side with bare pqcha_verify on the same reports in the same run
 * (docs/PERFORMANCE.md, "The verifier service").
 *
 *   pqcha_bench_server [--reports N] [--clients C] [--db URL]...
 *
 * Without --db it measures a SQLite file in $TMPDIR, and PostgreSQL too when
 * PQCHA_TEST_STORE_URL names one (make bench starts a throw-away cluster
 * with tests/service/with_postgres.sh). Each report answers a challenge the
 * service issued, as an agent's would: the server does everything it does
 * in production (challenge lookup, verification, the durable commit).
 * 32 clients by default: a fleet's agents report concurrently, and a
 * server's commits are grouped (one disk flush for the reports that arrive
 * together), so its rate depends on how many arrive at once. */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pqcha.h"
#include "service/http.h"
#include "service/log.h"
#include "service/service.h"

#define WORKLOAD   "bench-workload"
#define MAX_DBS    4
#define REGION_LEN 4096

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
} bench;

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

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

static double bare_rate(const bench *b, const pqcha_policy *policy, unsigned threads) {
    pqcha_verifier *v;
    MUST(pqcha_verifier_create(&v), "verifier");
    MUST(pqcha_verifier_set_policy(v, policy), "verifier policy");
    pthread_t tids[64];
    bare_job jobs[64];
    double start = now_seconds();
    for (unsigned t = 0; t < threads; t++) {
        jobs[t] = (bare_job){b, v, t, threads, 0};
        pthread_create(&tids[t], NULL, bare_worker, &jobs[t]);
    }
    for (unsigned t = 0; t < threads; t++)
        pthread_join(tids[t], NULL);
    double elapsed = now_seconds() - start;
    for (unsigned t = 0; t < threads; t++)
        if (jobs[t].failed) die("a bare verification failed", PQCHA_ERR_INTERNAL);
    pqcha_verifier_free(v);
    return (double)b->count / elapsed;
}

/* ---- through the server ---- */

typedef struct client_job {
    const bench *b;
    char url[128];
    size_t first, step;
    double *latencies; /* per report */
    int failed;
} client_job;

static size_t keep_reply(char *data, size_t size, size_t n, void *ctx) {
    (void)data, (void)ctx;
    return size * n;
}

static void *client_worker(void *arg) {
    client_job *job = arg;
    CURL *curl = curl_easy_init(); /* one connection, kept alive, like an agent's */
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    /* No "Expect: 100-continue" round trip before each body, as pqcha agent. */
    headers = curl_slist_append(headers, "Expect:");
    curl_easy_setopt(curl, CURLOPT_URL, job->url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, keep_reply);
    for (size_t i = job->first; i < job->b->count; i += job->step) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, job->b->reports[i].text);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)job->b->reports[i].len);
        double start = now_seconds();
        long status = 0;
        if (curl_easy_perform(curl) != CURLE_OK ||
            curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK || status != 200)
            job->failed = 1;
        job->latencies[i] = now_seconds() - start;
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return NULL;
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct served {
    double rate, p50, p90, p99;
} served;

static served post_all(const bench *b, uint16_t port) {
    double *latencies = calloc(b->count, sizeof *latencies);
    pthread_t tids[64];
    client_job jobs[64];
    double start = now_seconds();
    for (unsigned t = 0; t < b->clients; t++) {
        jobs[t] = (client_job){b, "", t, b->clients, latencies, 0};
        snprintf(jobs[t].url, sizeof jobs[t].url, "http://127.0.0.1:%u/v1/reports", port);
        pthread_create(&tids[t], NULL, client_worker, &jobs[t]);
    }
    for (unsigned t = 0; t < b->clients; t++)
        pthread_join(tids[t], NULL);
    double elapsed = now_seconds() - start;
    for (unsigned t = 0; t < b->clients; t++)
        if (jobs[t].failed) die("a report was not answered 200", PQCHA_ERR_INTERNAL);
    qsort(latencies, b->count, sizeof *latencies, compare_doubles);
    served s = {(double)b->count / elapsed, latencies[b->count / 2], latencies[b->count * 9 / 10],
                latencies[b->count * 99 / 100]};
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

static double submit_directly(const bench *b, service *svc) {
    pthread_t tids[64];
    direct_job jobs[64];
    double start = now_seconds();
    for (unsigned t = 0; t < b->clients; t++) {
        jobs[t] = (direct_job){b, svc, t, b->clients, 0};
        pthread_create(&tids[t], NULL, direct_worker, &jobs[t]);
    }
    for (unsigned t = 0; t < b->clients; t++)
        pthread_join(tids[t], NULL);
    double elapsed = now_seconds() - start;
    for (unsigned t = 0; t < b->clients; t++)
        if (jobs[t].failed) die("a report was not answered 200", PQCHA_ERR_INTERNAL);
    return (double)b->count / elapsed;
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
static served serve_reports(bench *b, service *svc) {
    http_server *http;
    char why[512];
    make_reports(b, svc);
    http_options ho = {"127.0.0.1:0", NULL, b->clients, 0, 0, 0, NULL, NULL};
    MUST(http_start(&http, svc, &ho, why, sizeof why), "http");
    served s = post_all(b, http_port(http));
    http_stop(http);
    free_reports(b);
    return s;
}

static void run_store(bench *b, const char *url, double bare_clients_rate) {
    store *db;
    service *svc;
    char why[512];
    pqcha_err err = store_open(&db, url, why, sizeof why);
    if (err != PQCHA_OK) {
        fprintf(stderr, "pqcha_bench_server: %s: %s\n", url, why);
        exit(1);
    }
    MUST(service_create(&svc, db, NULL), "service");
    MUST(service_set_policy(svc, make_policy(b)), "service policy");
    make_reports(b, svc);
    double direct = submit_directly(b, svc);
    free_reports(b);
    printf("| the service without HTTP, %s store, %u threads | %.0f reports/s | | %.2f× |\n",
           store_kind(db), b->clients, direct, direct / bare_clients_rate);
    served s = serve_reports(b, svc);
    printf("| pqcha serve, %s store, %u clients | %.0f reports/s | %.2f / %.2f / %.2f ms | "
           "%.2f× |\n",
           store_kind(db), b->clients, s.rate, s.p50 * 1e3, s.p90 * 1e3, s.p99 * 1e3,
           s.rate / bare_clients_rate);
    fflush(stdout);
    tlog *log = start_log(db);
    service_set_log(svc, log);
    served logged = serve_reports(b, svc);
    printf("| pqcha serve with its transparency log, %s store, %u clients | %.0f reports/s | "
           "%.2f / %.2f / %.2f ms | %.2f× (%.2f× without the log) |\n",
           store_kind(db), b->clients, logged.rate, logged.p50 * 1e3, logged.p90 * 1e3,
           logged.p99 * 1e3, logged.rate / bare_clients_rate, logged.rate / s.rate);
    fflush(stdout);
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
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--reports") == 0 && i + 1 < argc)
            b.count = (size_t)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--clients") == 0 && i + 1 < argc)
            b.clients = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc && db_count < MAX_DBS)
            dbs[db_count++] = argv[++i];
        else {
            fprintf(stderr,
                    "usage: pqcha_bench_server [--reports N] [--clients C] [--db URL]...\n");
            return 2;
        }
    }
    if (b.count < 100 || b.clients == 0 || b.clients > 64) return 2;
    if (db_count == 0) {
        const char *tmp = getenv("TMPDIR");
        snprintf(sqlite_url, sizeof sqlite_url, "sqlite:%s/pqcha-bench-%ld.db", tmp ? tmp : "/tmp",
                 (long)getpid());
        dbs[db_count++] = sqlite_url;
        const char *pg = getenv("PQCHA_TEST_STORE_URL");
        if (pg && *pg) dbs[db_count++] = pg;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
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
    double bare_one = bare_rate(&b, policy, 1);
    double bare_clients = bare_rate(&b, policy, b.clients);
    free_reports(&b);
    service_free(svc);
    store_close(db);
    pqcha_policy_free(policy);

    printf("Verifier service: %zu reports of one 4 KiB region (ML-DSA-65), %u clients each on\n"
           "one keep-alive connection; latency p50 / p90 / p99; ratio to bare verify on %u "
           "threads\n\n",
           b.count, b.clients, b.clients);
    printf("| path | rate | latency | vs bare |\n|---|---:|---:|---:|\n");
    printf("| bare pqcha_verify, 1 thread | %.0f reports/s | | |\n", bare_one);
    printf("| bare pqcha_verify, %u threads | %.0f reports/s | | 1.00× |\n", b.clients,
           bare_clients);
    fflush(stdout);
    for (size_t i = 0; i < db_count; i++)
        run_store(&b, dbs[i], bare_clients);
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
    curl_global_cleanup();
    return 0;
}
