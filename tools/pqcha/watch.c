/* watch.c — "pqcha watch": continuous attestation, one report per line. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "attester_setup.h"
#include "line_file.h"

#define WATCH_CMD "watch"

static const char watch_help[] =
    "Usage: pqcha watch --key KEY.pem --workload ID --region ID=FILE[@OFFSET+LENGTH]...\n"
    "                   [--interval SECONDS] [--count N] [--duration SECONDS]\n"
    "                   [-o FILE] [attest options]\n"
    "       pqcha watch --key KEY.pem --workload ID --pid PID [--map [ID=]GLOB]...\n"
    "                   [--range [ID=]ADDR+LEN]... [--readonly-files] [options]\n"
    "\n"
    "Attests the regions every interval and writes each report (the compact DSSE\n"
    "envelope) as one JSON line to stdout, or appends it to FILE: each line in one\n"
    "write under a lock (two watchers never interleave), fsync'd before the next\n"
    "round; a line torn by a kill or a full disk is removed, never continued.\n"
    "With --nonce every report carries that challenge; without, a random one each.\n"
    "Rounds follow a fixed schedule, so a slow round does not shift later ones. A\n"
    "failing round is reported on stderr and the run goes on. SIGINT or SIGTERM\n"
    "stops the run cleanly after the current round. The sequence number grows by\n"
    "one per report.\n"
    "\n"
    "Options:\n" ATTESTER_OPTIONS_HELP
    "  -i, --interval SECONDS    time between rounds, fractions allowed (default 10)\n"
    "  -c, --count N             stop after N rounds (default: no limit)\n"
    "  -d, --duration SECONDS    start no round after this long (default: no limit)\n"
    "  -o, --output FILE         append reports to FILE (default: stdout)\n"
    "  -h, --help                show this help\n"
    "\n"
    "Exit codes: 0 stopped by a limit or a signal with every round successful;\n"
    "4 bad option, unreadable key or region file, platform device not present,\n"
    "no such process or no permission to read it, a failed round (e.g. the\n"
    "process exited or remapped a region), or an output error.\n";

/* The report log: one whole line per report, or none (line_file.h). */
struct watch_output {
    struct line_file out;
    unsigned long reports;
    unsigned long failed_rounds;
    int write_failed;
};

/* Set while a run is in progress, so that the signal handler can stop it. */
static pqcha_continuous *volatile watch_running;

static void on_stop_signal(int signo) {
    int saved_errno = errno;
    pqcha_continuous *c = watch_running;
    (void)signo;
    if (c != NULL) pqcha_continuous_stop(c); /* async-signal-safe by contract */
    errno = saved_errno;
}

static void set_stop_handlers(void (*handler)(int)) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static void on_report(void *ctx, uint64_t round, const char *envelope, size_t len) {
    struct watch_output *w = ctx;
    struct cli_buf line = {NULL, 0, 0, 0};
    pqcha_err err;
    (void)round;
    if (w->write_failed) return;
    cli_buf_append_n(&line, envelope, len);
    cli_buf_append(&line, "\n");
    err = line.failed ? PQCHA_ERR_NO_MEMORY : line_file_append(&w->out, line.data, line.len);
    cli_buf_free(&line);
    if (err != PQCHA_OK) {
        w->write_failed = 1;
        cli_error(w->out.name, err, NULL);
        if (watch_running != NULL) pqcha_continuous_stop(watch_running);
        return;
    }
    w->reports++;
}

static void on_round_error(void *ctx, uint64_t round, pqcha_err err) {
    struct watch_output *w = ctx;
    w->failed_rounds++;
    fprintf(stderr, "pqcha watch: round %llu: %s\n", (unsigned long long)round,
            pqcha_strerror(err));
}

struct watch_limits {
    int64_t interval_ms;
    uint64_t count;
    int64_t duration_ms;
    const char *output;
};

static int run_watch(struct attester_setup *s, const struct watch_limits *limits,
                     const char *nonce) {
    struct watch_output w = {{-1, NULL, 0}, 0, 0, 0};
    pqcha_continuous *c = NULL;
    pqcha_err err;

    fflush(stdout); /* reports bypass stdio: nothing may be left in its buffer */
    line_file_stdout(&w.out);
    if (limits->output != NULL && strcmp(limits->output, "-") != 0 &&
        !line_file_open(&w.out, limits->output))
        return CLI_EXIT_USAGE;
    err = pqcha_continuous_create(&c, s->attester, limits->interval_ms);
    if (err == PQCHA_OK) err = pqcha_continuous_set_callbacks(c, on_report, on_round_error, &w);
    if (err == PQCHA_OK && nonce != NULL) err = pqcha_continuous_set_nonce(c, nonce);
    if (err == PQCHA_OK)
        err = pqcha_continuous_set_retention(c, 0); /* reports are streamed, not kept */
    if (err == PQCHA_OK) {
        watch_running = c;
        set_stop_handlers(on_stop_signal);
        err = pqcha_continuous_run(c, limits->count, limits->duration_ms);
        set_stop_handlers(SIG_DFL);
        watch_running = NULL;
        if (err == PQCHA_ERR_CANCELLED) err = PQCHA_OK; /* a signal asked us to stop: a clean end */
    }
    if (err != PQCHA_OK) cli_error(WATCH_CMD, err, NULL);
    if (c != NULL) pqcha_continuous_free(c);
    pqcha_err closed = line_file_close(&w.out);
    if (closed != PQCHA_OK && !w.write_failed) {
        cli_error(w.out.name, closed, NULL);
        w.write_failed = 1;
    }
    if (w.failed_rounds > 0)
        cli_errorf("watch: %lu round%s failed, %lu report%s written", w.failed_rounds,
                   w.failed_rounds == 1 ? "" : "s", w.reports, w.reports == 1 ? "" : "s");
    return err == PQCHA_OK && !w.write_failed && w.failed_rounds == 0 ? CLI_EXIT_OK
                                                                      : CLI_EXIT_USAGE;
}

static int parse_watch_option(struct watch_limits *limits, int opt, const char *arg) {
    switch (opt) {
    case 'i':
        if (!cli_parse_seconds_ms(arg, &limits->interval_ms) || limits->interval_ms <= 0) {
            cli_usage_error(WATCH_CMD, "--interval '%s': expected positive seconds, e.g. 10 or 0.5",
                            cli_escaped(arg));
            return 0;
        }
        return 1;
    case 'c': return cli_option_u64(WATCH_CMD, "--count", arg, UINT64_MAX, &limits->count);
    case 'd':
        if (!cli_parse_seconds_ms(arg, &limits->duration_ms) || limits->duration_ms <= 0) {
            cli_usage_error(WATCH_CMD,
                            "--duration '%s': expected positive seconds (at most a week)",
                            cli_escaped(arg));
            return 0;
        }
        return 1;
    case 'o': limits->output = arg; return 1;
    default: cli_try_help(WATCH_CMD); return 0;
    }
}

int cli_watch_main(int argc, char **argv) {
    static const struct option options[] = {
        ATTESTER_LONG_OPTIONS,
        {"interval", required_argument, NULL, 'i'},
        {"count", required_argument, NULL, 'c'},
        {"duration", required_argument, NULL, 'd'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct watch_limits limits = {10000, 0, 0, NULL};
    struct attester_options o;
    struct attester_setup s;
    int opt, status = CLI_EXIT_OK;

    attester_options_init(&o);
    memset(&s, 0, sizeof s);
    while (status == CLI_EXIT_OK &&
           (opt = getopt_long(argc, argv, ATTESTER_SHORT_OPTIONS "i:c:d:o:h", options, NULL)) !=
               -1) {
        int handled = attester_option(&o, WATCH_CMD, opt, optarg);
        if (handled < 0) {
            status = CLI_EXIT_USAGE;
        } else if (!handled && opt == 'h') {
            fputs(watch_help, stdout);
            attester_options_free(&o);
            return CLI_EXIT_OK;
        } else if (!handled && !parse_watch_option(&limits, opt, optarg)) {
            status = CLI_EXIT_USAGE;
        }
    }
    if (status == CLI_EXIT_OK && optind < argc)
        status = cli_usage_error(WATCH_CMD, "unexpected argument '%s'", cli_escaped(argv[optind]));
    if (status == CLI_EXIT_OK) status = attester_options_check(&o, WATCH_CMD);
    if (status == CLI_EXIT_OK) status = attester_setup_build(&s, &o, WATCH_CMD);
    if (status == CLI_EXIT_OK) status = run_watch(&s, &limits, o.nonce);
    attester_setup_free(&s);
    attester_options_free(&o);
    return status;
}
