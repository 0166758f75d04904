/* pqcha_bench — one run that measures everything docs/PERFORMANCE.md reports,
 * side by side, so ratios are meaningful on a shared, noisy machine.
 *
 *   pqcha_bench [--json] [--size MiB] [--repeat N] [--leaf-sweep]
 *
 * 1. memory read bandwidth, one thread and all threads (the physical limit);
 * 2. OpenSSL SHA3-256, one stream (the baseline every hash figure is divided by);
 * 3. sha3-256-tree and k12: scalar one thread, all lanes one thread, all lanes
 *    all threads;
 * 4. attest then verify end to end for the original package's shapes;
 * 5. raw ML-DSA-65 sign and verify (so the overhead of everything else shows);
 * 6. digesting a mapping in another process (the "process" backend) against
 *    digesting the same bytes in this process's own memory;
 * 7. a model-shaped region measured tensor by tensor (sha3-256-segments)
 *    against the plain tree digest of the same bytes;
 * 8. the transparency log's core at 10^6 entries, simulated in memory:
 *    appends per second (leaf hash and tile upkeep), proof sizes, and the
 *    time of a root, an inclusion and a consistency proof from tiles.
 * Each figure is the best of --repeat runs (the least disturbed by neighbours).
 * Nothing here asserts a time: the tests never depend on speed. */
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/pool.h"
#include "bench_clock.h"
#include "core/keccak.h"
#include "core/parhash.h"
#include "core/segments.h"
#include "io/fileio.h"
#include "pqcha.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

typedef struct options {
    int json;
    size_t size_mib;
    int repeat;
    int leaf_sweep;
    unsigned sections; /* SECTION_* bits to run */
} options;

/* --only picks sections, so one part can be re-measured in seconds. */
enum {
    SECTION_HASHING = 1u << 0, /* bandwidth, hashing, tensor segments */
    SECTION_PROCESS = 1u << 1,
    SECTION_FILES = 1u << 2,
    SECTION_REPORTS = 1u << 3, /* ML-DSA, attest and verify */
    SECTION_COLD = 1u << 4,    /* files not in the page cache (root only) */
    SECTION_LOG = 1u << 5,     /* the transparency log's core, 10^6 entries */
    SECTION_ALL = (1u << 6) - 1
};

static unsigned parse_sections(const char *list) {
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {{"hashing", SECTION_HASHING}, {"process", SECTION_PROCESS},
                 {"files", SECTION_FILES},     {"reports", SECTION_REPORTS},
                 {"cold", SECTION_COLD},       {"log", SECTION_LOG}};
    unsigned bits = 0;
    char copy[128];
    snprintf(copy, sizeof copy, "%s", list);
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        unsigned bit = 0;
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            if (strcmp(tok, names[i].name) == 0) bit = names[i].bit;
        if (bit == 0) return 0;
        bits |= bit;
    }
    return bits;
}

typedef struct row {
    char section[32];
    char name[96];
    double value;     /* GB/s for throughput rows, milliseconds for latency rows */
    const char *unit; /* "GB/s", "ms", or "k/s" (thousands per second) */
    double ratio;     /* against the section's baseline; 0 when not applicable */
    char ratio_to[48];
} row;

static row rows[128];
static size_t nrows;

static void add_row(const char *section, const char *name, double value, const char *unit,
                    double baseline, const char *ratio_to) {
    if (nrows == sizeof rows / sizeof rows[0]) return;
    row *r = &rows[nrows++];
    snprintf(r->section, sizeof r->section, "%s", section);
    snprintf(r->name, sizeof r->name, "%s", name);
    r->value = value;
    r->unit = unit;
    /* Throughput: higher is better, ratio = value / baseline. Latency: ratio = value / baseline
     * as well, read as "times the baseline's cost". */
    r->ratio = baseline > 0 ? value / baseline : 0;
    snprintf(r->ratio_to, sizeof r->ratio_to, "%s", ratio_to ? ratio_to : "");
}

/* ---- 1. memory bandwidth ---- */

typedef struct scan_job {
    const uint8_t *data;
    size_t len;
    uint64_t sink;
} scan_job;

#if defined(__x86_64__)
__attribute__((target("avx2"))) static uint64_t scan_avx2(const uint8_t *p, size_t len) {
    __m256i a = _mm256_setzero_si256(), b = a, c = a, d = a;
    size_t i = 0;
    for (; i + 128 <= len; i += 128) {
        a = _mm256_xor_si256(a, _mm256_loadu_si256((const __m256i *)(const void *)(p + i)));
        b = _mm256_xor_si256(b, _mm256_loadu_si256((const __m256i *)(const void *)(p + i + 32)));
        c = _mm256_xor_si256(c, _mm256_loadu_si256((const __m256i *)(const void *)(p + i + 64)));
        d = _mm256_xor_si256(d, _mm256_loadu_si256((const __m256i *)(const void *)(p + i + 96)));
    }
    __m256i x = _mm256_xor_si256(_mm256_xor_si256(a, b), _mm256_xor_si256(c, d));
    uint64_t out[4];
    _mm256_storeu_si256((__m256i *)(void *)out, x);
    return out[0] ^ out[1] ^ out[2] ^ out[3];
}
#endif

static uint64_t scan(const uint8_t *p, size_t len) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx2")) return scan_avx2(p, len);
#endif
    uint64_t acc = 0, w;
    for (size_t i = 0; i + 8 <= len; i += 8) {
        memcpy(&w, p + i, 8);
        acc ^= w;
    }
    return acc;
}

static void *scan_thread(void *arg) {
    scan_job *job = arg;
    job->sink = scan(job->data, job->len);
    return NULL;
}

static double bandwidth(const uint8_t *data, size_t len, unsigned threads) {
    pthread_t tids[64];
    scan_job jobs[64];
    if (threads > 64) threads = 64;
    size_t part = len / threads;
    double t0 = bench_now_seconds();
    for (unsigned i = 0; i < threads; i++) {
        jobs[i] = (scan_job){data + i * part, part, 0};
        if (i > 0) pthread_create(&tids[i], NULL, scan_thread, &jobs[i]);
    }
    scan_thread(&jobs[0]);
    for (unsigned i = 1; i < threads; i++)
        pthread_join(tids[i], NULL);
    double t = bench_now_seconds() - t0;
    volatile uint64_t keep = 0;
    for (unsigned i = 0; i < threads; i++)
        keep ^= jobs[i].sink;
    (void)keep;
    return (double)(part * threads) / t / 1e9;
}

/* ---- 2-3. hashing ---- */

static double best_of(int repeat, double (*run)(void *), void *ctx) {
    double best = 0;
    for (int i = 0; i < repeat; i++) {
        double v = run(ctx);
        if (v > best) best = v;
    }
    return best;
}

typedef struct hash_case {
    const uint8_t *data;
    size_t len;
    pqcha_digest_alg alg;
    unsigned threads;
    const pqcha__keccak_impl *impl; /* NULL: OpenSSL for sha3-256 */
    size_t leaf_size;
} hash_case;

static double run_hash(void *arg) {
    hash_case *hc = arg;
    uint8_t out[32];
    double t0 = bench_now_seconds();
    if (hc->alg == PQCHA_DIGEST_SHA3_256) {
        if (pqcha_digest(out, sizeof out, hc->alg, hc->data, hc->len, 1) != PQCHA_OK) return 0;
    } else {
        pqcha__parhash *ph = NULL;
        if (pqcha__parhash_new_custom(&ph, hc->alg, hc->threads, hc->impl, hc->leaf_size) !=
            PQCHA_OK)
            return 0;
        pqcha__parhash_update(ph, hc->data, hc->len);
        pqcha__parhash_final(ph, out);
        pqcha__parhash_free(ph);
    }
    return (double)hc->len / (bench_now_seconds() - t0) / 1e9;
}

static double hash_rate(const options *o, hash_case hc) {
    return best_of(o->repeat, run_hash, &hc);
}

static void bench_hashing(const options *o, const uint8_t *data, size_t len, unsigned cpus) {
    char name[96];
    double bw1 = 0, bwn = 0;
    for (int i = 0; i < o->repeat; i++) {
        double a = bandwidth(data, len, 1), b = bandwidth(data, len, cpus);
        if (a > bw1) bw1 = a;
        if (b > bwn) bwn = b;
    }
    add_row("memory", "read bandwidth, 1 thread", bw1, "GB/s", 0, NULL);
    snprintf(name, sizeof name, "read bandwidth, %u threads", cpus);
    add_row("memory", name, bwn, "GB/s", 0, NULL);

    double base = hash_rate(o, (hash_case){data, len, PQCHA_DIGEST_SHA3_256, 1, NULL, 0});
    const char *base_name = "OpenSSL SHA3-256";
    add_row("hash", "OpenSSL SHA3-256, one stream (baseline)", base, "GB/s", base, base_name);

    const pqcha__keccak_impl *scalar = pqcha__keccak_by_name("scalar");
    const pqcha__keccak_impl *best = pqcha__keccak_best();
    static const pqcha_digest_alg algs[] = {PQCHA_DIGEST_SHA3_256_TREE, PQCHA_DIGEST_K12};
    for (size_t a = 0; a < 2; a++) {
        const char *alg = pqcha_digest_alg_name(algs[a]);
        snprintf(name, sizeof name, "%s, scalar, 1 thread", alg);
        add_row("hash", name,
                hash_rate(o, (hash_case){data, len, algs[a], 1, scalar, PQCHA_TREE_LEAF_SIZE}),
                "GB/s", base, base_name);
        snprintf(name, sizeof name, "%s, %s x%u lanes, 1 thread", alg, best->name, best->lanes);
        add_row("hash", name,
                hash_rate(o, (hash_case){data, len, algs[a], 1, best, PQCHA_TREE_LEAF_SIZE}),
                "GB/s", base, base_name);
        snprintf(name, sizeof name, "%s, %s x%u lanes, %u threads", alg, best->name, best->lanes,
                 cpus);
        add_row("hash", name,
                hash_rate(o, (hash_case){data, len, algs[a], cpus, best, PQCHA_TREE_LEAF_SIZE}),
                "GB/s", base, base_name);
    }
    if (!o->leaf_sweep) return;
    for (size_t leaf = 8192; leaf <= (1u << 20); leaf *= 2) {
        for (unsigned t = 1; t <= cpus; t += cpus > 1 ? cpus - 1 : 1) {
            snprintf(name, sizeof name, "sha3-256-tree leaf %zu KiB, %u thread(s)", leaf / 1024, t);
            add_row("leaf-sweep", name,
                    hash_rate(o, (hash_case){data, len, PQCHA_DIGEST_SHA3_256_TREE, t, best, leaf}),
                    "GB/s", base, base_name);
        }
    }
}

/* ---- tensor by tensor: sha3-256-segments against the plain tree ---- */

/* A llama-7B-like layout scaled to len bytes: an embedding, 32 layers of
 * seven matrices and two norms, the final norm and the output matrix (291
 * tensors), with 32 bytes of padding after each and a 12 KiB header. */
static pqcha__tensor_ref *model_layout(size_t len, size_t *count) {
    enum { LAYERS = 32, PER_LAYER = 9 };
    size_t n = 3 + LAYERS * PER_LAYER, at = 12288, i = 0;
    static char names[3 + LAYERS * PER_LAYER][48];
    pqcha__tensor_ref *t = calloc(n, sizeof *t);
    if (t == NULL) return NULL;
    size_t norm = 16384,
           matrix = (len - at - (n * 32) - (2 * LAYERS + 1) * norm) / (LAYERS * 7 + 2) / 64 * 64;
    for (; i < n; i++) {
        size_t size =
            (i % PER_LAYER == 1 || i % PER_LAYER == 2 || i == n - 2) && i > 0 ? norm : matrix;
        snprintf(names[i], sizeof names[i], "tensor.%zu", i);
        t[i] = (pqcha__tensor_ref){names[i], at, size};
        at += size + 32;
    }
    *count = at <= len ? n : 0;
    return t;
}

typedef struct segment_case {
    const uint8_t *data;
    size_t len;
    const pqcha__tensor_ref *tensors;
    size_t count;
    unsigned threads;
} segment_case;

static double run_segments(void *arg) {
    segment_case *sc = arg;
    pqcha__segment *seg = NULL;
    size_t n = 0;
    uint8_t root[PQCHA_SHA3_256_LEN];
    double t0 = bench_now_seconds();
    pqcha__segment_hasher *sh = NULL;
    int ok = pqcha__segments_layout(&seg, &n, 0, sc->len, sc->tensors, sc->count) == PQCHA_OK &&
             pqcha__segment_hasher_new(&sh, seg, n, sc->threads) == PQCHA_OK;
    /* Fed in chunks as the backends read. */
    for (size_t off = 0; ok && off < sc->len; off += PQCHA__IO_CHUNK) {
        size_t chunk = sc->len - off < PQCHA__IO_CHUNK ? sc->len - off : PQCHA__IO_CHUNK;
        ok = pqcha__segment_hasher_update(sh, sc->data + off, chunk) == PQCHA_OK;
    }
    ok = ok && pqcha__segment_hasher_final(sh, root) == PQCHA_OK;
    double rate = ok ? (double)sc->len / (bench_now_seconds() - t0) / 1e9 : 0;
    pqcha__segment_hasher_free(sh);
    pqcha__segments_free(seg, n);
    return rate;
}

static void bench_segments(const options *o, const uint8_t *data, size_t len, unsigned cpus) {
    size_t count = 0;
    pqcha__tensor_ref *tensors = model_layout(len, &count);
    if (tensors == NULL || count == 0) {
        free(tensors);
        return;
    }
    char name[96];
    for (unsigned threads = 1; threads <= cpus; threads += cpus > 1 ? cpus - 1 : 1) {
        double tree = hash_rate(o, (hash_case){data, len, PQCHA_DIGEST_SHA3_256_TREE, threads, NULL,
                                               PQCHA_TREE_LEAF_SIZE});
        snprintf(name, sizeof name, "sha3-256-tree of %zu MiB, %u thread(s)", len >> 20, threads);
        add_row("tensors", name, tree, "GB/s", tree, "whole-region tree");
        segment_case sc = {data, len, tensors, count, threads};
        snprintf(name, sizeof name, "sha3-256-segments, %zu tensors, %u thread(s)", count, threads);
        add_row("tensors", name, best_of(o->repeat, run_segments, &sc), "GB/s", tree,
                "whole-region tree");
    }
    free(tensors);
}

/* ---- 6. another process's memory ---- */

/* A child holding a copy of the buffer in its own anonymous mapping; it
 * reports the address through a pipe and waits to be killed. */
static pid_t spawn_holder(const uint8_t *data, size_t len, uint64_t *address) {
    int fds[2];
    if (pipe(fds) != 0) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        uint8_t *copy = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (copy == MAP_FAILED) _exit(1);
        memcpy(copy, data, len);
        uint64_t at = (uint64_t)(uintptr_t)copy;
        if (write(fds[1], &at, sizeof at) != (ssize_t)sizeof at) _exit(1);
        for (;;)
            pause();
    }
    close(fds[1]);
    ssize_t got = pid > 0 ? read(fds[0], address, sizeof *address) : -1;
    close(fds[0]);
    if (got != (ssize_t)sizeof *address) {
        if (pid > 0) kill(pid, SIGKILL), waitpid(pid, NULL, 0);
        return -1;
    }
    return pid;
}

typedef struct remote_case {
    pqcha_backend *backend;
    pqcha_region *region;
    unsigned threads;
} remote_case;

static double run_remote(void *arg) {
    remote_case *rc = arg;
    uint8_t out[32];
    double t0 = bench_now_seconds();
    if (pqcha_backend_digest(rc->backend, "bench", rc->region, PQCHA_DIGEST_SHA3_256_TREE,
                             rc->threads, out, sizeof out) != PQCHA_OK)
        return 0;
    return (double)pqcha_region_size(rc->region) / (bench_now_seconds() - t0) / 1e9;
}

static void bench_process(const options *o, const uint8_t *data, size_t len, unsigned cpus) {
    uint64_t address = 0;
    pid_t pid = spawn_holder(data, len, &address);
    if (pid < 0) {
        fprintf(stderr, "pqcha_bench: could not start the memory-holding child; skipping\n");
        return;
    }
    pqcha_backend *backend = NULL;
    pqcha_region **regions = NULL;
    size_t count = 0;
    pqcha_err err = pqcha_backend_create(&backend, "process");
    if (!err)
        err = pqcha_process_backend_add_range(backend, "bench", (int)pid, address, len, "weights");
    if (!err) err = pqcha_backend_list_regions(backend, "bench", &regions, &count);
    if (err || count != 1) {
        fprintf(stderr, "pqcha_bench: process backend: %s; skipping\n", pqcha_strerror(err));
    } else {
        char name[96];
        double local = hash_rate(o, (hash_case){data, len, PQCHA_DIGEST_SHA3_256_TREE, cpus, NULL,
                                                PQCHA_TREE_LEAF_SIZE});
        snprintf(name, sizeof name, "sha3-256-tree of %zu MiB in this process, %u threads",
                 len >> 20, cpus);
        add_row("process", name, local, "GB/s", local, "own memory");
        remote_case rc = {backend, regions[0], cpus};
        snprintf(name, sizeof name, "same bytes mapped in another process, %u threads", cpus);
        add_row("process", name, best_of(o->repeat, run_remote, &rc), "GB/s", local, "own memory");
    }
    pqcha_region_list_free(regions, count);
    pqcha_backend_free(backend);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

/* ---- 4-5. attest, verify, ML-DSA ---- */

typedef struct shape {
    const char *name;
    size_t regions;
    size_t region_size;
    double seed_attest_ms, seed_verify_ms; /* the original package, seed-behaviour.md section 6 */
} shape;

static const shape shapes[] = {
    {"2 x 128 B", 2, 128, 0.13, 0.19},
    {"100 x 4 KiB", 100, 4096, 3.1, 1.5},
    {"1000 x 64 B", 1000, 64, 23.9, 15.5},
    {"1 x 256 MiB", 1, 256u << 20, 536, 0.19},
};

static void fail(const char *what, pqcha_err err) {
    fprintf(stderr, "pqcha_bench: %s: %s\n", what, pqcha_strerror(err));
    exit(1);
}

/* Builds a policy JSON for the workload with every region's digest. */
static char *policy_for(const pqcha_key *key, pqcha_backend *backend, size_t nregions,
                        unsigned threads) {
    char *pub = NULL;
    size_t pub_len = 0;
    pqcha_err err = pqcha_key_public_pem(&pub, &pub_len, key);
    if (err) fail("public pem", err);
    size_t cap = 4096 + pub_len * 2 + nregions * 160;
    char *json = malloc(cap);
    size_t n = (size_t)snprintf(json, cap, "{\"version\":1,\"trustedKeys\":[\"");
    for (size_t i = 0; i < pub_len; i++) {
        if (pub[i] == '\n')
            n += (size_t)snprintf(json + n, cap - n, "\\n");
        else
            json[n++] = pub[i];
    }
    n += (size_t)snprintf(json + n, cap - n, "\"],\"workloads\":{\"bench\":{\"regions\":{");
    pqcha_region **regions = NULL;
    size_t count = 0;
    if ((err = pqcha_backend_list_regions(backend, "bench", &regions, &count))) fail("list", err);
    for (size_t i = 0; i < count; i++) {
        uint8_t d[32];
        char hex[65];
        if ((err = pqcha_backend_digest(backend, "bench", regions[i], PQCHA_DIGEST_SHA3_256_TREE,
                                        threads, d, sizeof d)))
            fail("digest", err);
        pqcha_hex_encode(hex, d, sizeof d);
        n += (size_t)snprintf(json + n, cap - n, "%s\"%s\":{\"sha3-256-tree\":\"%s\"}",
                              i ? "," : "", pqcha_region_id(regions[i]), hex);
    }
    snprintf(json + n, cap - n, "}}}}");
    pqcha_region_list_free(regions, count);
    pqcha_free(pub);
    return json;
}

static void bench_shape(const options *o, const shape *s, const pqcha_key *key, unsigned cpus,
                        double sign_ms, double verify_ms) {
    pqcha_backend *backend = NULL;
    pqcha_err err = pqcha_backend_create(&backend, "in-memory");
    if (err) fail("backend", err);
    uint8_t *content = malloc(s->region_size);
    for (size_t i = 0; i < s->region_size; i++)
        content[i] = (uint8_t)(i * 31 + 7);
    for (size_t r = 0; r < s->regions; r++) {
        char id[32];
        snprintf(id, sizeof id, "region-%zu", r);
        pqcha_region *region = NULL;
        if ((err = pqcha_region_create(&region, id, "bench", 0x1000 * (r + 1), s->region_size,
                                       PQCHA_PROT_RO)))
            fail("region", err);
        if ((err =
                 pqcha_memory_backend_register(backend, "bench", region, content, s->region_size)))
            fail("register", err);
        pqcha_region_free(region);
    }
    char *policy_json = policy_for(key, backend, s->regions, cpus);
    pqcha_policy *policy = NULL;
    if ((err = pqcha_policy_parse(&policy, policy_json, strlen(policy_json)))) fail("policy", err);
    pqcha_verifier *verifier = NULL;
    if ((err = pqcha_verifier_create(&verifier))) fail("verifier", err);
    if ((err = pqcha_verifier_set_policy(verifier, policy))) fail("verifier policy", err);
    pqcha_attester *attester = NULL;
    if ((err = pqcha_attester_create(&attester, key, backend, "bench"))) fail("attester", err);
    if ((err = pqcha_attester_set_threads(attester, cpus))) fail("attester threads", err);

    double best_attest = 1e9, best_verify = 1e9;
    for (int i = 0; i < o->repeat; i++) {
        char *env = NULL;
        size_t env_len = 0;
        double t0 = bench_now_seconds();
        if ((err = pqcha_attester_attest(attester, NULL, &env, &env_len))) fail("attest", err);
        double t1 = bench_now_seconds();
        pqcha_result *result = NULL;
        err = pqcha_verify(&result, verifier, env, env_len);
        double t2 = bench_now_seconds();
        if (err) fail("verify", err);
        pqcha_result_free(result);
        pqcha_free(env);
        if (t1 - t0 < best_attest) best_attest = t1 - t0;
        if (t2 - t1 < best_verify) best_verify = t2 - t1;
    }
    char name[96];
    snprintf(name, sizeof name, "attest %s (original: %.2f ms)", s->name, s->seed_attest_ms);
    add_row("end-to-end", name, best_attest * 1e3, "ms", sign_ms, "ML-DSA-65 sign");
    snprintf(name, sizeof name, "verify %s (original: %.2f ms)", s->name, s->seed_verify_ms);
    add_row("end-to-end", name, best_verify * 1e3, "ms", verify_ms, "ML-DSA-65 verify");

    pqcha_attester_free(attester);
    pqcha_verifier_free(verifier);
    pqcha_policy_free(policy);
    free(policy_json);
    free(content);
    pqcha_backend_free(backend);
}

static void bench_mldsa(const options *o, const pqcha_key *key, double *sign_ms,
                        double *verify_ms) {
    static const uint8_t msg[512] = {1};
    int n = o->repeat * 20;
    double best_sign = 1e9, best_verify = 1e9;
    for (int i = 0; i < n; i++) {
        uint8_t *sig = NULL;
        size_t sig_len = 0;
        double t0 = bench_now_seconds();
        pqcha_err err = pqcha_sign(&sig, &sig_len, key, msg, sizeof msg);
        double t1 = bench_now_seconds();
        if (err) fail("sign", err);
        err = pqcha_verify_signature(key, msg, sizeof msg, sig, sig_len);
        double t2 = bench_now_seconds();
        if (err) fail("verify signature", err);
        pqcha_free(sig);
        if (t1 - t0 < best_sign) best_sign = t1 - t0;
        if (t2 - t1 < best_verify) best_verify = t2 - t1;
    }
    *sign_ms = best_sign * 1e3;
    *verify_ms = best_verify * 1e3;
    add_row("ml-dsa", "ML-DSA-65 sign (baseline)", *sign_ms, "ms", *sign_ms, "ML-DSA-65 sign");
    add_row("ml-dsa", "ML-DSA-65 verify (baseline)", *verify_ms, "ms", *verify_ms,
            "ML-DSA-65 verify");
}

static void bench_reports(const options *o, unsigned cpus) {
    pqcha_key *key = NULL;
    pqcha_err err = pqcha_key_generate(&key, PQCHA_ML_DSA_65);
    if (err) fail("keygen", err);
    double sign_ms, verify_ms;
    bench_mldsa(o, key, &sign_ms, &verify_ms);
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        bench_shape(o, &shapes[i], key, cpus, sign_ms, verify_ms);
    pqcha_key_free(key);
}

/* ---- 7. files, whole processes side by side ---- */

/* The peers users compare with, run as whole processes on the same cached
 * file: each command's rate over the file, best of --repeat. 0 when the
 * command could not run (not installed, or it failed). */
static double run_command(char *const argv[], size_t bytes) {
    double t0 = bench_now_seconds();
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) dup2(null, STDOUT_FILENO), dup2(null, STDERR_FILENO);
        execvp(argv[0], argv);
        _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0)
        return 0;
    return (double)bytes / (bench_now_seconds() - t0) / 1e9;
}

typedef struct command_case {
    char *const *argv;
    size_t bytes;
} command_case;

static double run_command_case(void *arg) {
    const command_case *cc = arg;
    return run_command(cc->argv, cc->bytes);
}

static double command_rate(const options *o, char *const argv[], size_t bytes) {
    command_case cc = {argv, bytes};
    return best_of(o->repeat, run_command_case, &cc);
}

/* The file: in /dev/shm (the page cache, as a cached model file is) where
 * there is one, else in TMPDIR. */
static const char *memory_dir(void) {
    const char *tmp = getenv("TMPDIR");
    return access("/dev/shm", W_OK) == 0 ? "/dev/shm" : (tmp && *tmp ? tmp : "/tmp");
}

static int write_bench_file(char *path, size_t path_len, const char *dir, const uint8_t *data,
                            size_t len) {
    snprintf(path, path_len, "%s/pqcha-bench-XXXXXX", dir);
    int fd = mkstemp(path);
    if (fd < 0) return 0;
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n <= 0) break;
        done += (size_t)n;
    }
    return close(fd) == 0 && done == len;
}

/* The pqcha binary next to this benchmark in the build directory. */
static void sibling_pqcha(char *out, size_t out_len) {
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = '\0';
    char *slash = strrchr(self, '/');
    if (slash != NULL) *slash = '\0';
    snprintf(out, out_len, "%s/pqcha", slash != NULL ? self : ".");
}

/* Adds the command's row (or a visibly skipped one) and returns its rate. */
static double add_command_row(const options *o, const char *name, char *const argv[], size_t len,
                              double baseline, const char *ratio_to) {
    double rate = command_rate(o, argv, len);
    if (rate == 0) {
        fprintf(stderr, "pqcha_bench: %s not installed or failed: row skipped\n", argv[0]);
        char skipped[96];
        snprintf(skipped, sizeof skipped, "%s (skipped: %s not installed)", name, argv[0]);
        add_row("file", skipped, 0, "GB/s", 0, NULL);
        return 0;
    }
    add_row("file", name, rate, "GB/s", baseline, ratio_to);
    return rate;
}

/* `pqcha attest` of the file as one region, as a user runs it: key
 * loading, hashing on all threads, signing and writing the report. */
static void bench_attest_file(const options *o, char *pqcha, const char *path, size_t len,
                              double memory) {
    char key[4300], region[4300], report[4300];
    snprintf(key, sizeof key, "%s.key.pem", path);
    snprintf(region, sizeof region, "weights=%s", path);
    snprintf(report, sizeof report, "%s.report.json", path);
    pqcha_key *k = NULL;
    if (pqcha_key_generate(&k, PQCHA_ML_DSA_65) == PQCHA_OK &&
        pqcha_key_save_private(k, key, 1) == PQCHA_OK) {
        char *attest[] = {pqcha, "attest", "-k", key,    "-w", "bench",
                          "-r",  region,   "-o", report, NULL};
        add_command_row(o, "pqcha attest, the file as one region (process)", attest, len, memory,
                        "in memory");
    }
    pqcha_key_free(k);
    unlink(key);
    unlink(report);
}

/* ---- 8. files not in the page cache ---- */

/* Empties the page cache (root only); 0 when not permitted. */
static int drop_page_cache(void) {
    sync();
    int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
    if (fd < 0) return 0;
    int ok = write(fd, "3", 1) == 1;
    close(fd);
    return ok;
}

static double run_cold(void *arg) {
    const command_case *cc = arg;
    return drop_page_cache() ? run_command(cc->argv, cc->bytes) : 0;
}

static void add_cold_row(const options *o, const char *name, char *const argv[], size_t len,
                         double baseline) {
    command_case cc = {argv, len};
    double rate = best_of(o->repeat, run_cold, &cc);
    add_row("cold file", name, rate, "GB/s", baseline, baseline > 0 ? "dd (reading alone)" : NULL);
}

/* The same commands on a file on disk with the page cache emptied before
 * each run: what a freshly booted server sees. In a VM the host may still
 * cache the virtual disk; the rows say what this machine's disk gives. */
static void bench_cold(const options *o, const uint8_t *data, size_t len, unsigned cpus) {
    char path[4200], pqcha[4200], threads[16], in[4300];
    const char *tmp = getenv("TMPDIR");
    if (!drop_page_cache()) {
        add_row("cold file", "(skipped: the page cache cannot be emptied here; needs root)", 0,
                "GB/s", 0, NULL);
        return;
    }
    if (!write_bench_file(path, sizeof path, tmp && *tmp ? tmp : "/var/tmp", data, len)) {
        unlink(path);
        return;
    }
    sibling_pqcha(pqcha, sizeof pqcha);
    snprintf(threads, sizeof threads, "%u", cpus);
    snprintf(in, sizeof in, "if=%s", path);
    char *dd[] = {"dd", in, "bs=8M", "of=/dev/null", NULL};
    char *tree[] = {pqcha, "hash", "-a", "sha3-256-tree", "--threads", threads, path, NULL};
    char *k12[] = {pqcha, "hash", "-a", "k12", "--threads", threads, path, NULL};
    char *b3sum[] = {"b3sum", path, NULL};
    command_case dd_case = {dd, len};
    double reading = best_of(o->repeat, run_cold, &dd_case);
    add_row("cold file", "dd bs=8M of=/dev/null: reading alone (process)", reading, "GB/s", reading,
            "dd (reading alone)");
    add_cold_row(o, "pqcha hash -a sha3-256-tree (process)", tree, len, reading);
    add_cold_row(o, "pqcha hash -a k12 (process)", k12, len, reading);
    char *b3sum_version[] = {"b3sum", "--version", NULL};
    if (run_command(b3sum_version, 1) > 0) add_cold_row(o, "b3sum (process)", b3sum, len, reading);
    unlink(path);
}

static void bench_files(const options *o, const uint8_t *data, size_t len, unsigned cpus) {
    char path[4200], pqcha[4200], threads[16], name[96];
    if (!write_bench_file(path, sizeof path, memory_dir(), data, len)) {
        fprintf(stderr, "pqcha_bench: could not write the benchmark file; skipping files\n");
        unlink(path);
        return;
    }
    sibling_pqcha(pqcha, sizeof pqcha);
    snprintf(threads, sizeof threads, "%u", cpus);
    double memory = hash_rate(
        o, (hash_case){data, len, PQCHA_DIGEST_SHA3_256_TREE, cpus, NULL, PQCHA_TREE_LEAF_SIZE});
    const char *mem = "in memory";
    snprintf(name, sizeof name, "sha3-256-tree of the same bytes in memory, %u threads", cpus);
    add_row("file", name, memory, "GB/s", memory, mem);

    pqcha_backend *backend = NULL;
    pqcha_region **regions = NULL;
    size_t count = 0;
    pqcha_err err = pqcha_backend_create(&backend, "file");
    if (!err) err = pqcha_file_backend_add(backend, "bench", "file", path, 0, 0);
    if (!err) err = pqcha_backend_list_regions(backend, "bench", &regions, &count);
    if (!err && count == 1) {
        remote_case fc = {backend, regions[0], cpus}; /* read as the process backend is */
        snprintf(name, sizeof name, "file backend (attest's read), in process, %u threads", cpus);
        add_row("file", name, best_of(o->repeat, run_remote, &fc), "GB/s", memory, mem);
    }
    pqcha_region_list_free(regions, count);
    pqcha_backend_free(backend);

    char *tree_n[] = {pqcha, "hash", "-a", "sha3-256-tree", "--threads", threads, path, NULL};
    char *tree_1[] = {pqcha, "hash", "-a", "sha3-256-tree", "--threads", "1", path, NULL};
    char *k12[] = {pqcha, "hash", "-a", "k12", "--threads", threads, path, NULL};
    char *openssl[] = {"openssl", "dgst", "-sha3-256", path, NULL};
    char *b3sum[] = {"b3sum", path, NULL};
    char in[4300];
    snprintf(in, sizeof in, "if=%s", path);
    char *dd[] = {"dd", in, "bs=8M", "of=/dev/null", NULL};

    double dgst = command_rate(o, openssl, len);
    add_row("file", "openssl dgst -sha3-256 (process)", dgst, "GB/s", memory, mem);
    snprintf(name, sizeof name, "pqcha hash -a sha3-256-tree, %u threads (process)", cpus);
    double tree = add_command_row(o, name, tree_n, len, memory, mem);
    if (tree > 0 && dgst > 0)
        add_row("file", "  the same, against openssl dgst -sha3-256", tree, "GB/s", dgst,
                "openssl dgst");
    add_command_row(o, "pqcha hash -a sha3-256-tree, 1 thread (process)", tree_1, len, memory, mem);
    double b3 = command_rate(o, b3sum, len);
    if (b3 == 0) fprintf(stderr, "pqcha_bench: b3sum not installed: its rows are skipped\n");
    snprintf(name, sizeof name, "pqcha hash -a k12, %u threads (process)", cpus);
    add_command_row(o, name, k12, len, b3, b3 > 0 ? "b3sum" : NULL);
    if (b3 > 0)
        add_row("file", "b3sum (process)", b3, "GB/s", memory, mem);
    else
        add_row("file", "b3sum (skipped: not installed)", 0, "GB/s", 0, NULL);
    char *sha256sum[] = {"sha256sum", path, NULL};
    add_command_row(o, "sha256sum (process)", sha256sum, len, memory, mem);
    add_command_row(o, "dd bs=8M of=/dev/null: reading alone (process)", dd, len, memory, mem);
    bench_attest_file(o, pqcha, path, len, memory);
    unlink(path);
}

/* ---- output ---- */

/* ---- 8. the transparency log's core, at 10^6 entries ---- */

#define LOG_ENTRIES    1000000u
#define LOG_TILE_WIDTH 256u
#define LOG_TILE_ROWS  4u /* tile levels 0..3 cover 2^32 leaves */

/* A log's stored hashes, in memory: row L holds the hashes of tree level
 * 8L (the leaves, then each full 256-wide tile's hash one level up), which
 * is what a log keeps and what its tiles are cut from. */
typedef struct mem_log {
    uint8_t *rows[LOG_TILE_ROWS];
    uint64_t counts[LOG_TILE_ROWS];
} mem_log;

static pqcha_err mem_log_tile(void *ctx, unsigned level, uint64_t index, unsigned width,
                              uint8_t *out, size_t *out_len) {
    const mem_log *log = ctx;
    uint64_t first = index * LOG_TILE_WIDTH;
    if (level >= LOG_TILE_ROWS || first + width > log->counts[level]) return PQCHA_ERR_NOT_FOUND;
    memcpy(out, log->rows[level] + first * 32, (size_t)width * 32);
    *out_len = (size_t)width * 32;
    return PQCHA_OK;
}

/* Appends one entry: its leaf hash, and each tile it completes hashed into
 * the row above (what pqcha serve does in the entry's transaction). */
static void mem_log_append(mem_log *log, const uint8_t *entry, size_t len) {
    pqcha_err err = pqcha_tlog_leaf_hash(log->rows[0] + log->counts[0] * 32, entry, len);
    if (err) fail("leaf hash", err);
    log->counts[0]++;
    for (unsigned l = 0; l + 1 < LOG_TILE_ROWS && log->counts[l] % LOG_TILE_WIDTH == 0; l++) {
        const uint8_t *tile = log->rows[l] + (log->counts[l] - LOG_TILE_WIDTH) * 32;
        if ((err = pqcha_tlog_root_of_hashes(log->rows[l + 1] + log->counts[l + 1] * 32, tile,
                                             LOG_TILE_WIDTH)))
            fail("tile hash", err);
        log->counts[l + 1]++;
    }
}

static void bench_log(const options *o) {
    mem_log log = {{NULL}, {0}};
    for (unsigned l = 0; l < LOG_TILE_ROWS; l++)
        log.rows[l] = malloc((size_t)(LOG_ENTRIES + 1) * 32);
    char entry[512];
    double t0 = bench_now_seconds();
    for (uint64_t i = 0; i < LOG_ENTRIES; i++) {
        /* An entry of pqcha serve's size and shape (FORMAT.md 9.8). */
        int n =
            snprintf(entry, sizeof entry,
                     "{\"v\":1,\"receivedAt\":\"2026-12-01T10:00:00Z\",\"workload\":"
                     "\"serving-%" PRIu64 "\",\"reportId\":\"urn:uuid:%016" PRIx64 "\","
                     "\"envelopeSha256\":\"%064" PRIx64 "\",\"signer\":\"%064" PRIx64 "\","
                     "\"verdict\":\"valid\",\"error\":\"OK\",\"policySha256\":\"%064" PRIx64 "\"}",
                     i % 100, i, i, i, i);
        mem_log_append(&log, (const uint8_t *)entry, (size_t)n);
    }
    double append_s = bench_now_seconds() - t0;
    add_row("log", "appends (leaf hash + tiles), 10^6 entries", LOG_ENTRIES / append_s / 1e3, "k/s",
            0, NULL);

    pqcha_tlog_tiles tiles = {mem_log_tile, &log, LOG_ENTRIES};
    uint8_t root[32];
    double best_root = 1e9, best_incl = 1e9, best_cons = 1e9, best_verify = 1e9;
    size_t incl_count = 0, cons_count = 0;
    for (int r = 0; r < o->repeat * 10; r++) {
        uint8_t *proof = NULL, leaf[32];
        uint64_t index = (uint64_t)r * 99991u % LOG_ENTRIES;
        double a = bench_now_seconds();
        pqcha_err err = pqcha_tlog_tree_root(root, LOG_ENTRIES, pqcha_tlog_tiles_node, &tiles);
        double b = bench_now_seconds();
        if (!err)
            err = pqcha_tlog_inclusion_proof(&proof, &incl_count, index, LOG_ENTRIES,
                                             pqcha_tlog_tiles_node, &tiles);
        double c = bench_now_seconds();
        memcpy(leaf, log.rows[0] + index * 32, 32);
        if (!err)
            err = pqcha_tlog_verify_inclusion(leaf, index, LOG_ENTRIES, proof, incl_count, root);
        double d = bench_now_seconds();
        pqcha_free(proof);
        proof = NULL;
        if (!err)
            err = pqcha_tlog_consistency_proof(&proof, &cons_count, LOG_ENTRIES / 2 + 7,
                                               LOG_ENTRIES, pqcha_tlog_tiles_node, &tiles);
        double e = bench_now_seconds();
        pqcha_free(proof);
        if (err) fail("log proofs", err);
        if (b - a < best_root) best_root = b - a;
        if (c - b < best_incl) best_incl = c - b;
        if (d - c < best_verify) best_verify = d - c;
        if (e - d < best_cons) best_cons = e - d;
    }
    add_row("log", "root of 10^6 entries from tiles", best_root * 1e3, "ms", 0, NULL);
    char name[96];
    snprintf(name, sizeof name, "inclusion proof from tiles (%zu hashes, %zu B)", incl_count,
             incl_count * 32);
    add_row("log", name, best_incl * 1e3, "ms", 0, NULL);
    add_row("log", "inclusion proof verified", best_verify * 1e3, "ms", 0, NULL);
    snprintf(name, sizeof name, "consistency proof 500007 -> 10^6 (%zu hashes, %zu B)", cons_count,
             cons_count * 32);
    add_row("log", name, best_cons * 1e3, "ms", 0, NULL);
    for (unsigned l = 0; l < LOG_TILE_ROWS; l++)
        free(log.rows[l]);
}

static void print_table(unsigned cpus, size_t len) {
    printf("pqcha %s benchmark: %u CPUs, Keccak %s, %zu MiB buffer, %s\n\n", pqcha_version(), cpus,
           pqcha_keccak_implementation(), len >> 20, pqcha_crypto_version());
    const char *section = "";
    for (size_t i = 0; i < nrows; i++) {
        const row *r = &rows[i];
        if (strcmp(section, r->section) != 0) {
            section = r->section;
            printf("%s%s\n", i ? "\n" : "", section);
        }
        printf("  %-58s %10.3f %-4s", r->name, r->value, r->unit);
        if (r->ratio > 0) printf("  %7.2fx %s", r->ratio, r->ratio_to);
        printf("\n");
    }
}

static void print_json(unsigned cpus, size_t len) {
    printf("{\"version\":\"%s\",\"cpus\":%u,\"keccak\":\"%s\",\"buffer_mib\":%zu,\"rows\":[",
           pqcha_version(), cpus, pqcha_keccak_implementation(), len >> 20);
    for (size_t i = 0; i < nrows; i++) {
        const row *r = &rows[i];
        printf(
            "%s{\"section\":\"%s\",\"name\":\"%s\",\"value\":%.6f,\"unit\":\"%s\",\"ratio\":%.4f,"
            "\"ratio_to\":\"%s\"}",
            i ? "," : "", r->section, r->name, r->value, r->unit, r->ratio, r->ratio_to);
    }
    printf("]}\n");
}

static void usage(void) {
    fprintf(stderr, "usage: pqcha_bench [--json] [--size MiB] [--repeat N] [--leaf-sweep]\n"
                    "                   [--only hashing,process,files,reports,cold,log]\n"
                    "Measures memory bandwidth, hashing, attest/verify and ML-DSA side by side;\n"
                    "see docs/PERFORMANCE.md.\n");
}

int main(int argc, char **argv) {
    options o = {0, 1024, 3, 0, SECTION_ALL};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            o.json = 1;
        else if (strcmp(argv[i], "--leaf-sweep") == 0)
            o.leaf_sweep = 1;
        else if (strcmp(argv[i], "--size") == 0 && i + 1 < argc)
            o.size_mib = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
            o.repeat = atoi(argv[++i]);
        else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
            o.sections = parse_sections(argv[++i]);
        else {
            usage();
            return strcmp(argv[i], "--help") == 0 ? 0 : 4;
        }
    }
    if (o.size_mib == 0 || o.repeat < 1 || o.sections == 0) {
        usage();
        return 4;
    }
    unsigned cpus = pqcha__online_cpus();
    size_t len = o.size_mib << 20;
    uint8_t *data = malloc(len);
    if (!data) {
        fprintf(stderr, "pqcha_bench: cannot allocate %zu MiB\n", o.size_mib);
        return 1;
    }
    for (size_t i = 0; i < len; i += 8) {
        uint64_t w = (uint64_t)i * 0x9E3779B97F4A7C15ull;
        memcpy(data + i, &w, 8);
    }
    if (!o.json) fprintf(stderr, "measuring (a minute or two)...\n");
    if (o.sections & SECTION_HASHING) {
        bench_hashing(&o, data, len, cpus);
        bench_segments(&o, data, len, cpus);
    }
    if (o.sections & SECTION_PROCESS) bench_process(&o, data, len, cpus);
    if (o.sections & SECTION_FILES) bench_files(&o, data, len, cpus);
    if (o.sections & SECTION_COLD) bench_cold(&o, data, len, cpus);
    free(data);
    if (o.sections & SECTION_REPORTS) bench_reports(&o, cpus);
    if (o.sections & SECTION_LOG) bench_log(&o);

    if (o.json)
        print_json(cpus, len);
    else
        print_table(cpus, len);
    return 0;
}
