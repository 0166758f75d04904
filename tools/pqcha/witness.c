/* witness.c — "pqcha witness": cosigns a transparency log's checkpoints,
 * each only after checking that its tree extends the last one cosigned
 * (docs/FORMAT.md 9.7). Online, it follows a log over HTTP and computes
 * the consistency proofs itself from the log's tiles; offline ("cosign"),
 * it takes a checkpoint and a proof from files. The state and the round
 * are witness_round.c's. */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "service/http_fetch.h"
#include "witness.h"

#define DEFAULT_INTERVAL_MS 60000
#define NS_PER_MS           1000000
#define TILE_CACHE          8 /* tiles kept during one round's proof */
#define MAX_POST_ANSWER     4096

static const char witness_help[] =
    "Usage: pqcha witness --log URL --log-key PUB.pem --origin ORIGIN --key KEY.pem\n"
    "                     --name NAME --state FILE [--once | --interval SECONDS]\n"
    "                     [--no-publish] [--ca-file FILE]\n"
    "       pqcha witness cosign --log-key PUB.pem --origin ORIGIN --key KEY.pem\n"
    "                     --name NAME --state FILE NEW_CHECKPOINT [CONSISTENCY_PROOF]\n"
    "\n"
    "Witnesses a transparency log: cosigns each new checkpoint of the log only\n"
    "after checking that its tree extends the last one this witness cosigned, so\n"
    "that a log showing two different trees to two parties (a fork), or taking\n"
    "entries back (a rollback), is caught. A cosignature says: this checkpoint is\n"
    "consistent with every checkpoint of this log I have cosigned.\n"
    "\n"
    "A round: open the checkpoint with the log's key for ORIGIN; compare it with the\n"
    "state (the last checkpoint cosigned): a smaller tree is refused (rollback), one\n"
    "of the same size with another root is refused (fork: both signed checkpoints\n"
    "are kept, FILE and FILE.fork), a larger one needs a consistency proof that\n"
    "verifies; then cosign it with KEY as NAME, save it as the new state (atomically,\n"
    "before the cosignature leaves), and publish it. A refusal leaves the state as\n"
    "it was. One line per round on stderr.\n"
    "\n"
    "Online, the witness reads URL/checkpoint, computes the proof from the log's\n"
    "tiles (URL/tile/...; it needs to trust none of them: the proof is checked\n"
    "against both signed roots) and POSTs the cosigned checkpoint to\n"
    "URL/cosignature. URL is the log's prefix; a URL without a path means\n"
    "'pqcha serve''s, /v1/log (http://HOST:PORT is http://HOST:PORT/v1/log). A static\n"
    "mirror serves the same paths. 'cosign' does one round offline: the checkpoint\n"
    "from a file ('-': stdin), the proof from a consistency proof file (needed when\n"
    "the tree grew), the cosigned checkpoint on stdout.\n"
    "\n"
    "The first run, without a state file, trusts the checkpoint it gets (trust on\n"
    "first use). To start from a checkpoint obtained out of band instead, write that\n"
    "signed checkpoint to FILE first. One witness per state file (FILE.lock).\n"
    "\n"
    "Options:\n"
    "  -l, --log URL             the log's prefix URL, http:// or https://\n"
    "      --log-key PUB.pem     the log's public key\n"
    "      --origin ORIGIN       the log's origin (its checkpoints' first line)\n"
    "  -k, --key KEY.pem         the witness's private key\n"
    "      --name NAME           the witness's key name in its cosignatures\n"
    "  -s, --state FILE          the last checkpoint cosigned (created on first use)\n"
    "  -1, --once                one round, then exit with its status\n"
    "  -i, --interval SECONDS    between rounds (default 60) until SIGTERM or SIGINT\n"
    "      --no-publish          do not POST cosignatures (a log that only serves files)\n"
    "      --ca-file FILE        PEM CA certificates for an https:// log\n"
    "  -h, --help                show this help\n"
    "\n"
    "Exit codes (cosign, --once): 0 cosigned (or already cosigned); 1 refused: the\n"
    "log forked, rolled back, or a consistency proof or tile does not verify; 2\n"
    "refused: not a checkpoint of this log (another origin, another key, a bad\n"
    "signature); 3 a malformed checkpoint or proof; 4 usage, the state, or I/O\n"
    "(the log unreachable). A cosignature the log does not take is a warning: it is\n"
    "offered again the next round. Run in a loop, the witness exits 0 on SIGTERM or\n"
    "SIGINT, 4 on an error that stops it.\n";

enum {
    OPT_LOG_KEY = 0x100,
    OPT_ORIGIN,
    OPT_NAME,
    OPT_NO_PUBLISH,
    OPT_CA_FILE,
};

struct witness_args {
    const char *url, *log_key, *origin, *key, *name, *state, *ca_file;
    int once, no_publish;
    int64_t interval_ms; /* -1: not given */
    char **positional;
    int positional_count;
};

/* -1 to go on, or an exit status. */
static int parse_args(struct witness_args *a, int argc, char **argv) {
    static const struct option options[] = {
        {"log", required_argument, NULL, 'l'},
        {"log-key", required_argument, NULL, OPT_LOG_KEY},
        {"origin", required_argument, NULL, OPT_ORIGIN},
        {"key", required_argument, NULL, 'k'},
        {"name", required_argument, NULL, OPT_NAME},
        {"state", required_argument, NULL, 's'},
        {"once", no_argument, NULL, '1'},
        {"interval", required_argument, NULL, 'i'},
        {"no-publish", no_argument, NULL, OPT_NO_PUBLISH},
        {"ca-file", required_argument, NULL, OPT_CA_FILE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    while ((opt = getopt_long(argc, argv, "l:k:s:1i:h", options, NULL)) != -1) {
        switch (opt) {
        case 'l': a->url = optarg; break;
        case OPT_LOG_KEY: a->log_key = optarg; break;
        case OPT_ORIGIN: a->origin = optarg; break;
        case 'k': a->key = optarg; break;
        case OPT_NAME: a->name = optarg; break;
        case 's': a->state = optarg; break;
        case '1': a->once = 1; break;
        case 'i':
            if (!cli_parse_seconds_ms(optarg, &a->interval_ms) || a->interval_ms == 0)
                return cli_usage_error(WITNESS_CMD,
                                       "--interval '%s': expected seconds above 0, e.g. 60 or 0.5",
                                       cli_escaped(optarg));
            break;
        case OPT_NO_PUBLISH: a->no_publish = 1; break;
        case OPT_CA_FILE: a->ca_file = optarg; break;
        case 'h': fputs(witness_help, stdout); return CLI_EXIT_OK;
        default: return cli_try_help(WITNESS_CMD);
        }
    }
    a->positional = argv + optind;
    a->positional_count = argc - optind;
    return -1;
}

static int require(const char *value, const char *option) {
    if (value) return 1;
    cli_usage_error(WITNESS_CMD, "%s is required", option);
    return 0;
}

/* Checks the options of the mode chosen; -1 to go on, or an exit status. */
static int check_args(const struct witness_args *a, int offline) {
    if (!require(a->log_key, "--log-key") || !require(a->origin, "--origin") ||
        !require(a->key, "--key") || !require(a->name, "--name") || !require(a->state, "--state"))
        return CLI_EXIT_USAGE;
    if (offline) {
        if (a->url || a->once || a->interval_ms >= 0 || a->no_publish || a->ca_file)
            return cli_usage_error(WITNESS_CMD, "cosign works offline: --log, --once, "
                                                "--interval, --no-publish and --ca-file do not "
                                                "apply");
        if (a->positional_count < 2 || a->positional_count > 3)
            return cli_usage_error(WITNESS_CMD,
                                   "cosign takes NEW_CHECKPOINT and, if the tree grew, "
                                   "CONSISTENCY_PROOF");
        return -1;
    }
    if (a->positional_count > 0)
        return cli_usage_error(WITNESS_CMD, "unexpected argument '%s' (offline: 'cosign')",
                               cli_escaped(a->positional[0]));
    if (!require(a->url, "--log")) return CLI_EXIT_USAGE;
    if (a->once && a->interval_ms >= 0)
        return cli_usage_error(WITNESS_CMD, "--once and --interval exclude each other");
    return -1;
}

/* A key name as notes allow it (FORMAT.md 9.5), with the key it names. */
static int key_name_ok(const char *option, const char *name, const pqcha_key *key) {
    uint32_t id;
    pqcha_err err = pqcha_note_key_id(&id, name, key);
    if (err == PQCHA_OK) return 1;
    cli_usage_error(WITNESS_CMD,
                    "%s '%s': %s (a key name is 1-255 bytes of UTF-8, no spaces, "
                    "no '+')",
                    option, cli_escaped(name), pqcha_strerror(err));
    return 0;
}

/* Keys loaded, names checked; 0 after printing why. */
static int witness_setup(struct witness *w, const struct witness_args *a, pqcha_key **log_key,
                         pqcha_key **key) {
    memset(w, 0, sizeof *w);
    w->lock_fd = -1;
    if (strcmp(a->name, a->origin) == 0) {
        cli_usage_error(WITNESS_CMD, "--name must differ from the log's origin");
        return 0;
    }
    *log_key = cli_load_key(a->log_key, CLI_KEY_PUBLIC);
    *key = *log_key ? cli_load_key(a->key, CLI_KEY_PRIVATE) : NULL;
    if (!*key || !key_name_ok("--origin", a->origin, *log_key) ||
        !key_name_ok("--name", a->name, *key))
        return 0;
    w->origin = a->origin;
    w->log_key = *log_key;
    w->name = a->name;
    w->key = *key;
    w->state_path = a->state;
    return witness_open(w);
}

static void print_round(const struct witness *w, const struct witness_round *r,
                        const char *suffix) {
    fprintf(stderr, "pqcha %s: %s: %s%s\n", WITNESS_CMD, cli_escaped(w->origin), r->message,
            suffix);
    fflush(stderr);
}

/* ---- offline: cosign NEW_CHECKPOINT [CONSISTENCY_PROOF] ---- */

static pqcha_err proof_from_file(void *ctx, uint64_t old_size, uint64_t new_size, uint8_t **proof,
                                 size_t *count, char *why, size_t why_len) {
    const char *path = *(const char **)ctx;
    if (!path) {
        snprintf(why, why_len, "the tree grew: give the proof file (CONSISTENCY_PROOF)");
        return PQCHA_ERR_INVALID_ARGUMENT;
    }
    char *text = NULL;
    size_t len = 0;
    uint64_t from = 0, to = 0;
    pqcha_err err = cli_read_file(path, PQCHA_TLOG_FILE_MAX_LEN, &text, &len);
    if (err == PQCHA_OK)
        err = witness_proof_file_parse(&from, &to, proof, count, text,
                                       cli_trim_trailing_space(text, len));
    free(text);
    if (err != PQCHA_OK) {
        snprintf(why, why_len, "%s: %s", cli_escaped(path), pqcha_strerror(err));
        return err;
    }
    if (from == old_size && to == new_size) return PQCHA_OK;
    snprintf(why, why_len, "%s is a proof from size %llu to %llu", cli_escaped(path),
             (unsigned long long)from, (unsigned long long)to);
    pqcha_free(*proof);
    *proof = NULL;
    *count = 0;
    return PQCHA_ERR_LOG_PROOF;
}

static int witness_cosign(struct witness *w, const char *checkpoint_path, const char *proof_path) {
    char *note = NULL;
    size_t len = 0;
    pqcha_err err = cli_read_file(checkpoint_path, PQCHA_NOTE_MAX_LEN, &note, &len);
    if (err != PQCHA_OK) {
        cli_error(checkpoint_path, err, cli_hint_for(err));
        return witness_exit_for(err) == CLI_EXIT_MALFORMED ? CLI_EXIT_MALFORMED : CLI_EXIT_USAGE;
    }
    struct witness_round r;
    int status = witness_round_run(w, note, len, proof_from_file, &proof_path, &r);
    print_round(w, &r, "");
    if (status == CLI_EXIT_OK && !cli_write_output(NULL, r.cosigned, r.cosigned_len))
        status = CLI_EXIT_USAGE;
    witness_round_clear(&r);
    free(note);
    return status;
}

/* ---- online ---- */

struct tile_slot {
    int used;
    unsigned level, width;
    uint64_t index;
    size_t len;
    uint8_t data[PQCHA_TLOG_TILE_MAX_BYTES];
};

struct online {
    struct witness *w;
    http_fetch *http;
    int publish;
    int64_t interval_ms;
    sigset_t signals;
    int stop;
    struct tile_slot cache[TILE_CACHE];
    unsigned next_slot;
    char last_tile[PQCHA_TLOG_TILE_PATH_MAX + 1];
    char why[600]; /* why the last tile read failed */
};

static pqcha_err fetch_tile(struct online *o, const char *path, uint8_t *out, size_t *out_len) {
    client_answer a;
    pqcha_err err = http_fetch_get(o->http, path, PQCHA_TLOG_TILE_MAX_BYTES, &a);
    if (err != PQCHA_OK) {
        snprintf(o->why, sizeof o->why, "GET %s: %s", path, cli_escaped(a.why));
    } else if (a.status != 200) {
        snprintf(o->why, sizeof o->why, "GET %s: HTTP %ld", path, a.status);
        err = PQCHA_ERR_IO;
    } else if (a.truncated) {
        snprintf(o->why, sizeof o->why, "%s is longer than a tile", path);
        err = PQCHA_ERR_LOG_TILE_SIZE;
    } else {
        memcpy(out, a.body, a.body_len);
        *out_len = a.body_len;
    }
    client_answer_clear(&a);
    return err;
}

/* A pqcha_tlog_tile_fn over the log's URL, with a few tiles kept: nodes of
 * one proof often share a tile. */
static pqcha_err read_tile(void *ctx, unsigned level, uint64_t index, unsigned width, uint8_t *out,
                           size_t *out_len) {
    struct online *o = ctx;
    *out_len = 0;
    for (unsigned i = 0; i < TILE_CACHE; i++) {
        const struct tile_slot *s = &o->cache[i];
        if (s->used && s->level == level && s->index == index && s->width == width) {
            memcpy(out, s->data, s->len);
            *out_len = s->len;
            return PQCHA_OK;
        }
    }
    o->last_tile[0] = '/';
    pqcha_err err =
        pqcha_tlog_tile_path(o->last_tile + 1, sizeof o->last_tile - 1, (int)level, index, width);
    if (err == PQCHA_OK) err = fetch_tile(o, o->last_tile, out, out_len);
    if (err != PQCHA_OK) return err;
    struct tile_slot *s = &o->cache[o->next_slot++ % TILE_CACHE];
    *s = (struct tile_slot){1, level, width, index, *out_len, {0}};
    memcpy(s->data, out, *out_len);
    return PQCHA_OK;
}

static pqcha_err proof_from_tiles(void *ctx, uint64_t old_size, uint64_t new_size, uint8_t **proof,
                                  size_t *count, char *why, size_t why_len) {
    struct online *o = ctx;
    o->why[0] = '\0';
    o->last_tile[0] = '\0';
    for (unsigned i = 0; i < TILE_CACHE; i++)
        o->cache[i].used = 0; /* partial tiles grow between rounds */
    pqcha_tlog_tiles tiles = {read_tile, o, new_size};
    pqcha_err err = pqcha_tlog_consistency_proof(proof, count, old_size, new_size,
                                                 pqcha_tlog_tiles_node, &tiles);
    if (err == PQCHA_OK) return PQCHA_OK;
    if (o->why[0])
        snprintf(why, why_len, "%s", o->why);
    else
        snprintf(why, why_len, "%s%s%s", pqcha_strerror(err), o->last_tile[0] ? " at " : "",
                 o->last_tile);
    return err;
}

/* POSTs the cosigned checkpoint; a log that does not take it is a warning
 * (the next round offers it again). Returns the suffix of the round line. */
static const char *publish(struct online *o, const struct witness_round *r) {
    client_answer a;
    const char *base = http_fetch_base(o->http);
    pqcha_err err = http_fetch_post(o->http, "/cosignature", "text/plain; charset=utf-8",
                                    r->cosigned, r->cosigned_len, MAX_POST_ANSWER, &a);
    const char *suffix = "; not published";
    if (err != PQCHA_OK) {
        cli_warnf("cosignature not published: POST %s/cosignature: %s; it is offered again next "
                  "round",
                  cli_escaped(base), cli_escaped(a.why));
    } else if (a.status >= 200 && a.status <= 299) {
        suffix = "; published";
    } else if (a.status == 404 || a.status == 405 || a.status == 501) {
        cli_warnf("cosignature not published: %s/cosignature answered HTTP %ld: this log takes no "
                  "cosignatures (use --no-publish for a log that only serves files)",
                  cli_escaped(base), a.status);
    } else {
        a.body[strcspn(a.body, "\r\n")] = '\0';
        cli_warnf("cosignature not published: the log refused it: HTTP %ld: %s", a.status,
                  cli_escaped(a.body));
    }
    client_answer_clear(&a);
    return suffix;
}

/* A round that ended before the checkpoint was read. */
static void round_failed(struct witness_round *r, pqcha_err err) {
    memset(r, 0, sizeof *r);
    r->action = WITNESS_REFUSED;
    r->err = err;
    r->exit_code = witness_exit_for(err);
}

static int online_round(struct online *o) {
    struct witness_round r;
    client_answer a;
    char url[1100]; /* escaped: at most 1 KiB */
    snprintf(url, sizeof url, "%s/checkpoint", cli_escaped(http_fetch_base(o->http)));
    pqcha_err err = http_fetch_get(o->http, "/checkpoint", PQCHA_NOTE_MAX_LEN, &a);
    if (err != PQCHA_OK) {
        round_failed(&r, err);
        snprintf(r.message, sizeof r.message, "not cosigned: GET %s: %s", url, cli_escaped(a.why));
    } else if (a.status != 200) {
        round_failed(&r, PQCHA_ERR_IO);
        snprintf(r.message, sizeof r.message, "not cosigned: GET %s: HTTP %ld", url, a.status);
    } else if (a.truncated) {
        round_failed(&r, PQCHA_ERR_TOO_LARGE);
        snprintf(r.message, sizeof r.message,
                 "refused: GET %s: a checkpoint over 256 KiB [TOO_LARGE]", url);
    } else {
        witness_round_run(o->w, a.body, a.body_len, proof_from_tiles, o, &r);
    }
    client_answer_clear(&a);
    const char *suffix = "";
    if (r.exit_code == CLI_EXIT_OK && r.publish)
        suffix = o->publish ? publish(o, &r) : "; not published (--no-publish)";
    print_round(o->w, &r, suffix);
    int status = r.exit_code;
    witness_round_clear(&r);
    return status;
}

/* Waits up to timeout_ns for SIGTERM or SIGINT. */
static void wait_for_stop(struct online *o, int64_t timeout_ns) {
    struct timespec ts = {(time_t)(timeout_ns / 1000000000), (long)(timeout_ns % 1000000000)};
    int sig = sigtimedwait(&o->signals, NULL, &ts);
    if (sig == SIGTERM || sig == SIGINT) o->stop = 1;
}

static int run_loop(struct online *o) {
    uint64_t rounds = 0;
    int64_t start = cli_monotonic_ns(), interval_ns = o->interval_ms * NS_PER_MS;
    while (!o->stop) {
        online_round(o);
        rounds++;
        /* Round slots start, start + interval, ...: an overrun skips slots. */
        int64_t now = cli_monotonic_ns();
        int64_t next = start + ((now - start) / interval_ns + 1) * interval_ns;
        while (!o->stop && (now = cli_monotonic_ns()) < next)
            wait_for_stop(o, next - now);
    }
    fprintf(stderr, "pqcha %s: stopping after %llu round%s\n", WITNESS_CMD,
            (unsigned long long)rounds, rounds == 1 ? "" : "s");
    return CLI_EXIT_OK;
}

/* "http://host:8650" is pqcha serve's log: "http://host:8650/v1/log". */
static int witness_online(struct witness *w, const struct witness_args *a) {
    struct online *o = calloc(1, sizeof *o);
    char *prefix = log_url_prefix(a->url);
    if (!o || !prefix) {
        free(o);
        free(prefix);
        cli_error("witness", PQCHA_ERR_NO_MEMORY, NULL);
        return CLI_EXIT_USAGE;
    }
    o->w = w;
    o->publish = !a->no_publish;
    o->interval_ms = a->interval_ms >= 0 ? a->interval_ms : DEFAULT_INTERVAL_MS;
    /* Blocked before libcurl starts a resolver thread, so that the signals
     * wait for this thread between rounds: a round is never cut in half. */
    sigemptyset(&o->signals);
    sigaddset(&o->signals, SIGTERM);
    sigaddset(&o->signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &o->signals, NULL);
    signal(SIGPIPE, SIG_IGN);
    int status = CLI_EXIT_USAGE;
    http_fetch_options options = {prefix, a->ca_file, NULL, 0, 0};
    pqcha_err err = client_global_init();
    if (err != PQCHA_OK) {
        cli_errorf("libcurl could not be initialised");
        free(prefix);
        free(o);
        return CLI_EXIT_USAGE;
    }
    err = http_fetch_create(&o->http, &options);
    if (err == PQCHA_ERR_INVALID_ARGUMENT) {
        cli_usage_error(WITNESS_CMD,
                        "--log '%s': expected http:// or https:// and a host, no "
                        "spaces, query or fragment",
                        cli_escaped(a->url));
    } else if (err != PQCHA_OK) {
        cli_error("--log", err, NULL);
    } else {
        fprintf(stderr, "pqcha %s: witnessing %s at %s as %s; ", WITNESS_CMD,
                cli_escaped(w->origin), cli_escaped(prefix), cli_escaped(w->name));
        if (w->state_cp)
            fprintf(stderr, "last cosigned: size %llu (%s)\n",
                    (unsigned long long)pqcha_checkpoint_size(w->state_cp),
                    cli_escaped(w->state_path));
        else
            fprintf(stderr, "no state yet in %s: the first checkpoint is trusted on first use\n",
                    cli_escaped(w->state_path));
        status = a->once ? online_round(o) : run_loop(o);
    }
    http_fetch_free(o->http);
    client_global_cleanup();
    free(prefix);
    free(o);
    return status;
}

int cli_witness_main(int argc, char **argv) {
    struct witness_args a;
    memset(&a, 0, sizeof a);
    a.interval_ms = -1;
    int status = parse_args(&a, argc, argv);
    if (status >= 0) return status;
    int offline = a.positional_count > 0 && strcmp(a.positional[0], "cosign") == 0;
    status = check_args(&a, offline);
    if (status >= 0) return status;
    struct witness w;
    pqcha_key *log_key = NULL, *key = NULL;
    if (!witness_setup(&w, &a, &log_key, &key))
        status = CLI_EXIT_USAGE;
    else if (offline)
        status =
            witness_cosign(&w, a.positional[1], a.positional_count > 2 ? a.positional[2] : NULL);
    else
        status = witness_online(&w, &a);
    witness_close(&w);
    pqcha_key_free(key);
    pqcha_key_free(log_key);
    return status;
}
