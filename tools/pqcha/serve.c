/* serve.c — "pqcha serve": the verifier service (src/service) as a daemon:
 * options, the policy file and its reload on SIGHUP, the store, the
 * transparency log, the HTTP front, periodic work, and a clean stop on
 * SIGTERM/SIGINT. */
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "evidence_inputs.h"
#include "service/http.h"
#include "service/service.h"

#define SERVE_CMD       "serve"
#define MAX_TOKEN_BYTES 4096u
#define MAX_PEM_BYTES   (1u << 20)
#define LOG_TICK_MS     1000 /* how often to look whether a checkpoint is due */

static const char serve_help[] =
    "Usage: pqcha serve --policy POLICY.json --db sqlite:PATH|postgresql://...\n"
    "                   [--listen HOST:PORT] [--token-file FILE] [options]\n"
    "\n"
    "Runs the verifier service over HTTP/1.1 (docs/API.md): hands out single-use\n"
    "challenges (POST /v1/challenge), verifies reports against the policy and\n"
    "stores each with its verdict before answering (POST /v1/reports), keeps every\n"
    "workload's state (unknown, trusted, drifted, rejected, stale) and its history\n"
    "(GET /v1/workloads, /v1/workloads/ID, /v1/workloads/ID/reports, /v1/events),\n"
    "and answers /healthz and /metrics (Prometheus); a dashboard of every workload\n"
    "and the timeline of their changes is at /. Reports are signed: their\n"
    "integrity never depends on TLS.\n"
    "\n"
    "With --log-key, every stored report is also appended, in the same transaction,\n"
    "to a post-quantum transparency log (RFC 9162 tree, C2SP tiles and checkpoints,\n"
    "ML-DSA signed notes): each answer carries the report's receipt (its entry, an\n"
    "inclusion proof and a checkpoint signed after the commit), and the log is\n"
    "public at /v1/log/checkpoint, /v1/log/tile/..., /v1/log/report/SHA256\n"
    "(no token needed), with witnesses' cosignatures taken at\n"
    "POST /v1/log/cosignature.\n"
    "\n"
    "SIGHUP reloads the policy file (a policy that does not load is refused and\n"
    "the running one kept); SIGTERM or SIGINT stops after the requests in flight.\n"
    "\n"
    "Options:\n"
    "  -p, --policy FILE         the verifier policy (trusted keys, workloads, regions)\n"
    "      --db URL              sqlite:PATH (one file, created 0600) or a PostgreSQL\n"
    "                            URI postgresql://USER@HOST/DB (several instances may\n"
    "                            share one)\n"
    "  -l, --listen HOST:PORT    address to listen on (default 127.0.0.1:8650; port 0\n"
    "                            picks a free one, see --port-file)\n"
    "      --token-file FILE     require 'Authorization: Bearer TOKEN' (the file's\n"
    "                            first line) on every endpoint but /healthz, the\n"
    "                            public /v1/log/... and the dashboard's page (open\n"
    "                            http://HOST:PORT/#token=TOKEN)\n"
    "      --tls-cert FILE       serve HTTPS with this certificate chain (PEM) ...\n"
    "      --tls-key FILE        ... and its private key (PEM)\n"
    "      --webhook URL         POST every workload state change to URL (JSON, as\n"
    "                            GET /v1/events lists it), retried with backoff;\n"
    "                            undelivered events wait in the database for the\n"
    "                            next start\n"
    "      --webhook-token-file FILE  send the file's first line as its bearer token\n"
    "      --challenge-ttl SECONDS  how long a challenge stays open (default 300)\n"
    "      --stale-after SECONDS    a workload with no report that counts for this\n"
    "                            long becomes stale (default 600; 0: never)\n"
    "      --tick SECONDS        how often to look for stale workloads and expired\n"
    "                            challenges (default 5)\n"
    "      --threads N           threads for the POSTs that wait for their commit\n"
    "                            (default 32): challenges, and reports with\n"
    "                            PostgreSQL or --log-key; with SQLite a report is\n"
    "                            verified by the thread that read it and answered\n"
    "                            once its commit is flushed\n"
    "      --max-connections N   open connections at most (default 1000)\n"
    "      --timeout SECONDS     close a connection idle or slow this long (default 10)\n"
    "      --port-file FILE      write the port listened on to FILE once ready\n"
    "      --log-key KEY.pem     keep a transparency log, its checkpoints signed with\n"
    "                            this ML-DSA private key (pqcha keygen)\n"
    "      --log-origin ORIGIN   the log's name, required with --log-key: the first\n"
    "                            line of its checkpoints and their key name, e.g.\n"
    "                            example.com/pqcha-log (no spaces, no '+')\n"
    "      --log-witness NAME=PUB.pem  accept and serve the cosignatures of this\n"
    "                            witness (repeatable, up to 32)\n"
    "      --log-checkpoint-interval SECONDS  publish a new checkpoint at most and,\n"
    "                            while the log grows, at least this often (default\n"
    "                            10; 0: every one); answers always carry one\n"
    "                            signed after their commit\n"
    "      --log-checkpoint-entries N  publish one also as soon as the log grew by\n"
    "                            N entries (default 1000; 0: by time only)\n"
    "  -h, --help                show this help\n"
    "\n"
    "Hardware evidence (workloads whose policy has \"evidence\", docs/FORMAT.md 6.1):\n"
    "each such report's SEV-SNP report or TDX quote must be genuine, bound to the\n"
    "report and the challenge this server issued, and meet the policy; its checks\n"
    "are in the result as evidence:NAME. An SEV-SNP report must carry its\n"
    "certificate table (VCEK, ASK, ARK: what the host gives the guest with it).\n"
    "These files are read again on SIGHUP, with the policy.\n"
    "      --evidence-root ROOT  the vendor root to pin (PEM or DER; repeatable, up to\n"
    "                            16); default: every root that ships with pqcha\n"
    "                            (AMD's ARKs, the Intel SGX Root CA)\n"
    "      --roots-dir DIR       where those shipped roots are\n"
    "      --crl CRL             SEV-SNP: a CRL of AMD's ARK or ASK\n"
    "      --collateral DIR      TDX: Intel's TCB info, QE identity and CRLs (see\n"
    "                            'pqcha evidence --help'); the TCB status must be\n"
    "                            accepted by the policy (default: UpToDate)\n"
    "\n"
    "Exit codes: 0 stopped by a signal; 4 bad option, policy, database, address or\n"
    "hardware evidence input.\n";

struct serve_options {
    const char *policy_path, *db_url, *listen, *token_file, *tls_cert, *tls_key, *port_file;
    const char *webhook_url, *webhook_token_file;
    const char *log_key, *log_origin;
    const char *log_witnesses[TLOG_MAX_WITNESSES]; /* NAME=PUB.pem */
    size_t log_witness_count;
    const char *evidence_roots[16];
    size_t evidence_root_count;
    const char *roots_dir, *crl, *collateral;
    uint64_t challenge_ttl, stale_after, tick, threads, max_connections, timeout, log_interval,
        log_entries;
    int stale_given;
};

enum {
    OPT_DB = 256,
    OPT_TOKEN_FILE,
    OPT_TLS_CERT,
    OPT_TLS_KEY,
    OPT_CHALLENGE_TTL,
    OPT_STALE_AFTER,
    OPT_TICK,
    OPT_THREADS,
    OPT_MAX_CONNECTIONS,
    OPT_TIMEOUT,
    OPT_PORT_FILE,
    OPT_WEBHOOK,
    OPT_WEBHOOK_TOKEN_FILE,
    OPT_LOG_KEY,
    OPT_LOG_ORIGIN,
    OPT_LOG_WITNESS,
    OPT_LOG_INTERVAL,
    OPT_LOG_ENTRIES,
    OPT_EVIDENCE_ROOT,
    OPT_ROOTS_DIR,
    OPT_CRL,
    OPT_COLLATERAL
};

static int parse_number_option(struct serve_options *o, int opt, const char *arg) {
    static const struct {
        int opt;
        const char *name;
        uint64_t max;
        size_t offset;
    } numbers[] = {
        {OPT_CHALLENGE_TTL, "--challenge-ttl", 86400,
         offsetof(struct serve_options, challenge_ttl)},
        {OPT_STALE_AFTER, "--stale-after", PQCHA_MAX_STALE_AFTER_SECONDS,
         offsetof(struct serve_options, stale_after)},
        {OPT_TICK, "--tick", 3600, offsetof(struct serve_options, tick)},
        {OPT_THREADS, "--threads", 1024, offsetof(struct serve_options, threads)},
        {OPT_MAX_CONNECTIONS, "--max-connections", 100000,
         offsetof(struct serve_options, max_connections)},
        {OPT_TIMEOUT, "--timeout", 3600, offsetof(struct serve_options, timeout)},
        {OPT_LOG_INTERVAL, "--log-checkpoint-interval", 86400,
         offsetof(struct serve_options, log_interval)},
        {OPT_LOG_ENTRIES, "--log-checkpoint-entries", 1000000000,
         offsetof(struct serve_options, log_entries)},
    };
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
        if (numbers[i].opt != opt) continue;
        uint64_t *field = (uint64_t *)((char *)o + numbers[i].offset);
        if (!cli_option_u64(SERVE_CMD, numbers[i].name, arg, numbers[i].max, field)) return 0;
        if (opt == OPT_STALE_AFTER) o->stale_given = 1;
        if (*field == 0 && opt != OPT_STALE_AFTER && opt != OPT_LOG_INTERVAL &&
            opt != OPT_LOG_ENTRIES)
            return cli_usage_error(SERVE_CMD, "%s must be at least 1", numbers[i].name), 0;
        return 1;
    }
    return 0;
}

static int parse_serve_option(struct serve_options *o, int opt, const char *arg) {
    switch (opt) {
    case 'p': o->policy_path = arg; return 1;
    case 'l': o->listen = arg; return 1;
    case OPT_DB: o->db_url = arg; return 1;
    case OPT_TOKEN_FILE: o->token_file = arg; return 1;
    case OPT_TLS_CERT: o->tls_cert = arg; return 1;
    case OPT_TLS_KEY: o->tls_key = arg; return 1;
    case OPT_PORT_FILE: o->port_file = arg; return 1;
    case OPT_WEBHOOK: o->webhook_url = arg; return 1;
    case OPT_WEBHOOK_TOKEN_FILE: o->webhook_token_file = arg; return 1;
    case OPT_LOG_KEY: o->log_key = arg; return 1;
    case OPT_LOG_ORIGIN: o->log_origin = arg; return 1;
    case OPT_LOG_WITNESS:
        if (o->log_witness_count == TLOG_MAX_WITNESSES)
            return cli_usage_error(SERVE_CMD, "at most %d --log-witness", TLOG_MAX_WITNESSES), 0;
        if (!strchr(arg, '=') || arg[0] == '=')
            return cli_usage_error(SERVE_CMD, "--log-witness '%s': expected NAME=PUB.pem",
                                   cli_escaped(arg)),
                   0;
        o->log_witnesses[o->log_witness_count++] = arg;
        return 1;
    case OPT_EVIDENCE_ROOT:
        if (o->evidence_root_count == 16)
            return cli_usage_error(SERVE_CMD, "at most 16 --evidence-root"), 0;
        o->evidence_roots[o->evidence_root_count++] = arg;
        return 1;
    case OPT_ROOTS_DIR: o->roots_dir = arg; return 1;
    case OPT_CRL: o->crl = arg; return 1;
    case OPT_COLLATERAL: o->collateral = arg; return 1;
    default: return parse_number_option(o, opt, arg);
    }
}

/* Returns -1 to go on, or an exit status. */
static int parse_serve_args(struct serve_options *o, int argc, char **argv) {
    static const struct option options[] = {
        {"policy", required_argument, NULL, 'p'},
        {"listen", required_argument, NULL, 'l'},
        {"db", required_argument, NULL, OPT_DB},
        {"token-file", required_argument, NULL, OPT_TOKEN_FILE},
        {"tls-cert", required_argument, NULL, OPT_TLS_CERT},
        {"tls-key", required_argument, NULL, OPT_TLS_KEY},
        {"challenge-ttl", required_argument, NULL, OPT_CHALLENGE_TTL},
        {"stale-after", required_argument, NULL, OPT_STALE_AFTER},
        {"tick", required_argument, NULL, OPT_TICK},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"port-file", required_argument, NULL, OPT_PORT_FILE},
        {"webhook", required_argument, NULL, OPT_WEBHOOK},
        {"webhook-token-file", required_argument, NULL, OPT_WEBHOOK_TOKEN_FILE},
        {"log-key", required_argument, NULL, OPT_LOG_KEY},
        {"log-origin", required_argument, NULL, OPT_LOG_ORIGIN},
        {"log-witness", required_argument, NULL, OPT_LOG_WITNESS},
        {"log-checkpoint-interval", required_argument, NULL, OPT_LOG_INTERVAL},
        {"log-checkpoint-entries", required_argument, NULL, OPT_LOG_ENTRIES},
        {"evidence-root", required_argument, NULL, OPT_EVIDENCE_ROOT},
        {"roots-dir", required_argument, NULL, OPT_ROOTS_DIR},
        {"crl", required_argument, NULL, OPT_CRL},
        {"collateral", required_argument, NULL, OPT_COLLATERAL},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    while ((opt = getopt_long(argc, argv, "p:l:h", options, NULL)) != -1) {
        if (opt == 'h') {
            fputs(serve_help, stdout);
            return CLI_EXIT_OK; /* main flushes it */
        }
        if (opt == '?' || !parse_serve_option(o, opt, optarg)) return cli_try_help(SERVE_CMD);
    }
    if (optind < argc) return cli_usage_error(SERVE_CMD, "unexpected argument '%s'", argv[optind]);
    if (!o->policy_path) return cli_usage_error(SERVE_CMD, "--policy FILE is required");
    if (!o->db_url) return cli_usage_error(SERVE_CMD, "--db URL is required");
    if (!o->tls_cert != !o->tls_key)
        return cli_usage_error(SERVE_CMD, "--tls-cert and --tls-key go together");
    if (o->webhook_token_file && !o->webhook_url)
        return cli_usage_error(SERVE_CMD, "--webhook-token-file needs --webhook URL");
    if (o->webhook_url && strncmp(o->webhook_url, "http://", 7) != 0 &&
        strncmp(o->webhook_url, "https://", 8) != 0)
        return cli_usage_error(SERVE_CMD, "--webhook needs an http:// or https:// URL");
    if (!o->log_key != !o->log_origin)
        return cli_usage_error(SERVE_CMD, "--log-key and --log-origin go together");
    if (!o->log_key && o->log_witness_count)
        return cli_usage_error(SERVE_CMD, "--log-witness needs --log-key");
    if (o->roots_dir && o->evidence_root_count)
        return cli_usage_error(SERVE_CMD, "--roots-dir is where the shipped roots are: not with "
                                          "--evidence-root");
    return -1;
}

/* ---- secrets and files ---- */

/* The token: the file's first line. A token others can read is no secret. */
static char *read_token(const char *path) {
    char *text = NULL;
    size_t len = 0;
    struct stat st;
    pqcha_err err = cli_read_file(path, MAX_TOKEN_BYTES, &text, &len);
    if (err != PQCHA_OK) {
        cli_error(path, err, NULL);
        return NULL;
    }
    if (stat(path, &st) == 0 && (st.st_mode & 0077))
        cli_warnf("%s is readable by group or others; chmod 600 it", cli_escaped(path));
    text[strcspn(text, "\r\n")] = '\0';
    if (strlen(text) < 16) {
        cli_errorf("%s: the token must be at least 16 characters", cli_escaped(path));
        pqcha_free_secret(text, len);
        return NULL;
    }
    return text;
}

static char *read_pem(const char *path) {
    char *text = NULL;
    size_t len = 0;
    pqcha_err err = cli_read_file(path, MAX_PEM_BYTES, &text, &len);
    if (err != PQCHA_OK) cli_error(path, err, NULL);
    return text;
}

static int write_port_file(const char *path, uint16_t port) {
    char text[16];
    int n = snprintf(text, sizeof text, "%u\n", (unsigned)port);
    return cli_write_output(path, text, (size_t)n);
}

/* A thousand connections need more descriptors than the usual soft limit. */
static void raise_descriptor_limit(void) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* ---- running ---- */

/* The policy file, read once: parsed, and its bytes' SHA-256, which the
 * log's entries name. */
static pqcha_policy *load_policy(const char *path, uint8_t sha256[PQCHA_SHA256_LEN]) {
    pqcha_policy *policy = NULL;
    char *json = NULL, what[1100];
    size_t len = 0;
    pqcha_err err = cli_read_file(path, PQCHA_MAX_POLICY_LEN, &json, &len);
    if (err == PQCHA_OK) err = pqcha_sha256(sha256, json, len);
    if (err == PQCHA_OK) err = pqcha_policy_parse(&policy, json, len);
    free(json);
    if (err == PQCHA_OK) return policy;
    snprintf(what, sizeof what, "policy %.1000s", path);
    cli_error(what, err,
              pqcha_error_is_malformed(err)
                  ? "see docs/FORMAT.md section 6, or write one with 'pqcha policy'"
                  : cli_hint_for(err));
    return NULL;
}

/* The hardware-evidence verifier of the options: the roots given, else
 * every one that ships, and the CRL and collateral. 0 after printing why. */
static int load_evidence_verifier(pqcha_evidence_verifier **out, const struct serve_options *o) {
    struct evidence_options e;
    struct evidence_shipped shipped;
    int status = 0;

    memset(&e, 0, sizeof e);
    *out = NULL;
    for (size_t i = 0; i < o->evidence_root_count; i++)
        e.roots[e.root_count++] = o->evidence_roots[i];
    if (e.root_count == 0) {
        if (!evidence_shipped_all_roots(&shipped, o->roots_dir)) return 0;
        for (size_t i = 0; i < shipped.root_count; i++)
            e.roots[e.root_count++] = shipped.roots[i];
    }
    e.crl = o->crl;
    e.collateral = o->collateral;
    *out = evidence_make_verifier(&e, &status);
    return *out != NULL;
}

/* The policy and the evidence verifier, read from their files (at start
 * and on SIGHUP); 0 after printing why, the running pair kept. */
static int install_policy(service *svc, const struct serve_options *o) {
    uint8_t sha256[PQCHA_SHA256_LEN];
    pqcha_evidence_verifier *evidence = NULL;
    if (!load_evidence_verifier(&evidence, o)) return 0;
    pqcha_policy *policy = load_policy(o->policy_path, sha256);
    if (!policy) {
        pqcha_evidence_verifier_free(evidence);
        return 0;
    }
    pqcha_err err = service_set_policy_file(svc, policy, sha256, evidence);
    if (err != PQCHA_OK) {
        cli_error(o->policy_path, err,
                  err == PQCHA_ERR_BAD_POLICY ? "the policy must list trustedKeys" : NULL);
        return 0;
    }
    return 1;
}

/* Called from the request and network threads: one locked line each,
 * escaped without cli_escaped's shared buffers. */
static void log_event(void *ctx, const store_event_row *e) {
    (void)ctx;
    char at[32];
    time_t t = (time_t)e->at;
    struct tm tm;
    strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
    flockfile(stderr);
    fprintf(stderr, "pqcha serve: %s workload ", at);
    /* The workload id came from a report: escaped before it reaches a terminal. */
    cli_print_escaped(stderr, e->workload);
    fprintf(stderr, ": %s -> %s\n", workload_state_name(e->from), workload_state_name(e->to));
    funlockfile(stderr);
}

static void reload(service *svc, const struct serve_options *o) {
    if (install_policy(svc, o))
        fprintf(stderr, "pqcha serve: reloaded policy %s\n", cli_escaped(o->policy_path));
    else
        cli_errorf("the new policy %s (or its hardware evidence inputs) was refused; still "
                   "serving the previous one",
                   cli_escaped(o->policy_path));
}

static int64_t now_ms(void) {
    return cli_monotonic_ns() / 1000000;
}

/* The log's periodic work: a failure is said once, not every second. */
static void log_tick(service *svc, int *failing) {
    pqcha_err err = service_log_tick(svc);
    if (err != PQCHA_OK && !*failing)
        cli_warnf("the transparency log cannot publish a checkpoint: %s", pqcha_strerror(err));
    else if (err == PQCHA_OK && *failing)
        fprintf(stderr, "pqcha serve: the transparency log publishes again\n");
    *failing = err != PQCHA_OK;
}

/* Waits for signals; does the periodic work between them: every --tick
 * seconds the service's, every second the log's. */
static void run_until_stopped(service *svc, const struct serve_options *o, const sigset_t *set) {
    int64_t next_tick = now_ms() + (int64_t)o->tick * 1000, next_log = now_ms() + LOG_TICK_MS;
    int log_failing = 0;
    for (;;) {
        int64_t due = o->log_key && next_log < next_tick ? next_log : next_tick;
        int64_t wait = due - now_ms();
        if (wait < 0) wait = 0;
        struct timespec timeout = {(time_t)(wait / 1000), (long)(wait % 1000) * 1000000L};
        int sig = sigtimedwait(set, NULL, &timeout);
        if (sig == SIGHUP) {
            reload(svc, o);
        } else if (sig == SIGTERM || sig == SIGINT) {
            fprintf(stderr, "pqcha serve: stopping\n");
            return;
        }
        int64_t now = now_ms();
        if (now >= next_tick) {
            if (service_tick(svc) != PQCHA_OK)
                cli_warnf("periodic work failed: the database is unavailable");
            next_tick = now + (int64_t)o->tick * 1000;
        }
        if (o->log_key && now >= next_log) {
            log_tick(svc, &log_failing);
            next_log = now + LOG_TICK_MS;
        }
    }
}

struct serve_secrets {
    char *token, *cert, *key, *webhook_token;
};

static void free_secrets(struct serve_secrets *s) {
    if (s->token) pqcha_free_secret(s->token, strlen(s->token));
    if (s->webhook_token) pqcha_free_secret(s->webhook_token, strlen(s->webhook_token));
    if (s->key) pqcha_free_secret(s->key, strlen(s->key));
    free(s->cert);
}

static int load_secrets(struct serve_secrets *s, const struct serve_options *o) {
    if (o->token_file && !(s->token = read_token(o->token_file))) return 0;
    if (o->tls_cert && !(s->cert = read_pem(o->tls_cert))) return 0;
    if (o->tls_key && !(s->key = read_pem(o->tls_key))) return 0;
    if (o->webhook_token_file && !(s->webhook_token = read_token(o->webhook_token_file))) return 0;
    return 1;
}

static int start_webhook(service *svc, const struct serve_options *o, const char *token,
                         webhook **hook) {
    pqcha_err err = webhook_start(hook, o->webhook_url, token, 0, service_store(svc));
    if (err != PQCHA_OK) {
        cli_error("webhook", err, NULL);
        return 0;
    }
    service_set_webhook(svc, *hook);
    return 1;
}

static void stop_webhook(webhook *hook) {
    if (!hook) return;
    webhook_stats stats;
    webhook_stop(hook, &stats);
    if (stats.dropped > 0)
        cli_warnf("webhook: %llu events were given up on after %u attempts each (GET "
                  "/v1/events has them all)",
                  (unsigned long long)stats.dropped, WEBHOOK_MAX_ATTEMPTS);
    if (stats.pending > 0)
        fprintf(stderr,
                "pqcha serve: webhook: %llu events wait in the database for the next start\n",
                (unsigned long long)stats.pending);
}

static int serve_with(service *svc, const struct serve_options *o, const sigset_t *set) {
    struct serve_secrets secrets = {NULL, NULL, NULL, NULL};
    int status = CLI_EXIT_USAGE;
    http_server *http = NULL;
    char why[512] = "";
    if (load_secrets(&secrets, o)) {
        http_options ho = {o->listen,
                           secrets.token,
                           (unsigned)o->threads,
                           (unsigned)o->max_connections,
                           (unsigned)o->timeout,
                           0,
                           secrets.cert,
                           secrets.key};
        pqcha_err err = http_start(&http, svc, &ho, why, sizeof why);
        if (err != PQCHA_OK) cli_errorf("%s", cli_escaped(why));
    }
    webhook *hook = NULL;
    if (http && o->webhook_url && !start_webhook(svc, o, secrets.webhook_token, &hook)) {
        http_stop(http);
        http = NULL;
    }
    if (http && (!o->port_file || write_port_file(o->port_file, http_port(http)))) {
        fprintf(stderr, "pqcha serve: listening on %s://%s (port %u), policy %s\n",
                secrets.cert ? "https" : "http", cli_escaped(o->listen), (unsigned)http_port(http),
                cli_escaped(o->policy_path));
        run_until_stopped(svc, o, set);
        status = CLI_EXIT_OK;
    }
    http_stop(http); /* no request runs after this: the webhook can go */
    service_set_webhook(svc, NULL);
    stop_webhook(hook);
    free_secrets(&secrets);
    return status;
}

/* ---- the transparency log ---- */

static int add_witnesses(tlog *log, const struct serve_options *o) {
    for (size_t i = 0; i < o->log_witness_count; i++) {
        const char *arg = o->log_witnesses[i], *eq = strchr(arg, '=');
        char *name = strndup(arg, (size_t)(eq - arg));
        pqcha_key *key = name ? cli_load_key(eq + 1, CLI_KEY_PUBLIC) : NULL;
        pqcha_err err = key ? tlog_add_witness(log, name, key) : PQCHA_OK;
        if (err != PQCHA_OK)
            cli_errorf("--log-witness %s: %s", cli_escaped(arg),
                       err == PQCHA_ERR_INVALID_ARGUMENT
                           ? "a witness named twice, or named as the log's origin"
                           : pqcha_strerror(err));
        pqcha_key_free(key);
        free(name);
        if (!key || err != PQCHA_OK) return 0;
    }
    return 1;
}

static void explain_log_start(pqcha_err err, uint64_t size) {
    if (err == PQCHA_ERR_LOG_FORK)
        cli_errorf("the database's transparency log does not give the root of its own checkpoint "
                   "of size %llu: its tree was altered; restore it from a backup",
                   (unsigned long long)size);
    else if (err == PQCHA_ERR_UNTRUSTED_KEY || err == PQCHA_ERR_BAD_SIGNATURE ||
             err == PQCHA_ERR_LOG_ORIGIN)
        cli_errorf("the database's transparency log was signed with another key or for another "
                   "origin (checkpoint of size %llu): use them, or another database",
                   (unsigned long long)size);
    else
        cli_error("transparency log", err, NULL);
}

/* The log of this store, checked and started; NULL after saying why. */
static tlog *open_log(store *db, const struct serve_options *o) {
    pqcha_key *key = cli_load_key(o->log_key, CLI_KEY_PRIVATE);
    if (!key) return NULL;
    tlog *log = NULL;
    tlog_options lo = {o->log_origin, (int64_t)o->log_interval, NULL, o->log_entries};
    pqcha_err err = tlog_create(&log, db, key, &lo);
    if (err != PQCHA_OK) {
        if (err == PQCHA_ERR_BAD_IDENTIFIER)
            cli_errorf("--log-origin %s: a key name: 1-255 bytes, no spaces, no '+'",
                       cli_escaped(o->log_origin));
        else
            cli_error(o->log_key, err, NULL);
        return NULL;
    }
    uint64_t size = 0;
    if (!add_witnesses(log, o)) {
        tlog_free(log);
        return NULL;
    }
    err = tlog_start(log, &size);
    if (err != PQCHA_OK) {
        explain_log_start(err, size);
        tlog_free(log);
        return NULL;
    }
    (void)store_log_size(db, &size);
    fprintf(stderr, "pqcha serve: transparency log %s, %llu entries, %zu witness%s\n",
            cli_escaped(o->log_origin), (unsigned long long)size, o->log_witness_count,
            o->log_witness_count == 1 ? "" : "es");
    return log;
}

/* A store that keeps a log, served without one: what is stored now is not
 * in it, which its readers would take for the operator's choice. */
static void warn_if_log_left_out(store *db) {
    uint64_t size = 0;
    if (store_log_size(db, &size) == PQCHA_OK && size > 0)
        cli_warnf("this database keeps a transparency log of %llu entries; without --log-key, "
                  "the reports stored now are left out of it",
                  (unsigned long long)size);
}

static int serve(const struct serve_options *o, const sigset_t *set) {
    store *db = NULL;
    service *svc = NULL;
    tlog *log = NULL;
    char why[512] = "";
    pqcha_err err = store_open(&db, o->db_url, why, sizeof why);
    if (err != PQCHA_OK) {
        cli_errorf("database %s: %s%s%s", cli_escaped(o->db_url), pqcha_strerror(err),
                   why[0] ? ": " : "", cli_escaped(why));
        return CLI_EXIT_USAGE;
    }
    service_options so = {(int64_t)o->challenge_ttl,
                          o->stale_given && o->stale_after == 0 ? -1 : (int64_t)o->stale_after,
                          NULL};
    int status = CLI_EXIT_USAGE;
    if (service_create(&svc, db, &so) == PQCHA_OK && install_policy(svc, o) &&
        (!o->log_key || (log = open_log(db, o)) != NULL)) {
        service_set_event_hook(svc, log_event, NULL);
        service_set_log(svc, log);
        if (!log) warn_if_log_left_out(db);
        fprintf(stderr, "pqcha serve: store %s (%s)\n", store_kind(db), cli_escaped(o->db_url));
        status = serve_with(svc, o, set);
        service_set_log(svc, NULL);
    }
    service_free(svc);
    tlog_free(log);
    store_close(db);
    return status;
}

int cli_serve_main(int argc, char **argv) {
    struct serve_options o = {.listen = "127.0.0.1:8650",
                              .tick = 5,
                              .threads = 32,
                              .max_connections = 1000,
                              .timeout = 10,
                              .log_interval = TLOG_DEFAULT_INTERVAL,
                              .log_entries = TLOG_DEFAULT_ENTRIES};
    int status = parse_serve_args(&o, argc, argv);
    if (status >= 0) return status;
    /* Blocked before any thread starts, so every thread inherits the mask
     * and the signals wait for sigtimedwait in this one. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT); /* before any thread: the webhook's */
    raise_descriptor_limit();
    return serve(&o, &set);
}
