/* agent.c — "pqcha agent": the verifier service's counterpart on the
 * attested machine. Each round it delivers what the spool holds, gets a
 * challenge, attests, spools the report and delivers it; SIGHUP reloads the
 * configuration file, SIGTERM/SIGINT stop after the round in progress.
 *
 * The configuration is the same options as "pqcha attest" (the attester is
 * built by attester_setup.c from them) plus where to deliver, where to
 * keep what cannot be delivered yet (src/service/client.h, spool.h) and
 * where to keep the transparency log's receipts of what was delivered. */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#include "agent_config.h"
#include "attester_setup.h"
#include "line_file.h"
#include "service/client.h"
#include "service/spool.h"

#define AGENT_CMD       "agent"
#define BACKOFF_BASE_MS 1000
#define BACKOFF_CAP_MS  300000
#define NS_PER_MS       1000000

static const char agent_help[] =
    "Usage: pqcha agent --config FILE [--rounds N | --once] [--interval SECONDS]\n"
    "\n"
    "Attests a workload every interval and delivers each report to a verifier\n"
    "service ('pqcha serve'). A round: deliver what the spool holds, oldest first;\n"
    "get a challenge (POST /v1/challenge); measure and sign a report answering it;\n"
    "put the report in the spool; POST it (/v1/reports); remove it from the spool\n"
    "once the verifier has stored it. One line per round on stderr names the\n"
    "verifier's verdict.\n"
    "\n"
    "Nothing measured is lost to an outage: a report the verifier did not take\n"
    "stays in the spool (each one file, written and fsync'd before it is sent)\n"
    "and is delivered when the verifier is back, oldest first, retried with\n"
    "exponential backoff and full jitter between rounds. A report sent again after\n"
    "a kill is stored once: the verifier knows a report by its digest. When the\n"
    "verifier is unreachable the round still attests, with a random nonce: such a\n"
    "report proves no freshness (it answers no challenge), so the verifier stores\n"
    "it as not counting, but the measurement is on record. The spool is bounded\n"
    "(maxReports, maxBytes): past a bound the oldest reports are dropped, and\n"
    "counted (in the spool's file 'dropped' and on each line).\n"
    "\n"
    "The verifier's answer decides what happens to a report: 2xx delivered (whatever\n"
    "the verdict); 400, 415, or 413 for a report over 16 MiB, refused for good\n"
    "(unreadable, not JSON, too large), so removed, counted and logged; anything\n"
    "else kept and sent again: no answer, 5xx, a 413 for a smaller report (a proxy's\n"
    "limit), 401/403 (a token to be fixed), 404, redirects (never followed).\n"
    "\n"
    "With \"receipts\", the receipt a verifier keeping a transparency log (serve\n"
    "--log-key) gives with each answer is appended to that file, one JSON line per\n"
    "delivered report, as 'pqcha log verify-inclusion --receipt' reads it: the\n"
    "agent's proof that its report was logged. Each is checked first (its entry\n"
    "names the report's bytes, its proof leads to its checkpoint's root); an answer\n"
    "without a receipt, or one that does not check, is reported loudly and kept\n"
    "as it came. A receipt that cannot be written keeps the report in the spool:\n"
    "sent again, it gets the same receipt.\n"
    "\n"
    "SIGHUP reloads the configuration between rounds (one that does not load is\n"
    "refused, loudly, and the running one kept). SIGTERM or SIGINT stops after the\n"
    "round in progress.\n"
    "\n"
    "Options:\n"
    "  -c, --config FILE         the configuration (JSON, below; required)\n"
    "  -n, --rounds N            stop after N rounds (default: until a signal)\n"
    "  -1, --once                one round: --rounds 1\n"
    "  -i, --interval SECONDS    override the configuration's interval\n"
    "  -h, --help                show this help\n"
    "\n"
    "Configuration: one JSON object; unknown keys, duplicate keys and wrong types\n"
    "are refused. Relative paths are relative to the file's directory.\n"
    "  \"verifier\": URL          the service's base URL, http:// or https:// (required)\n"
    "  \"tokenFile\": FILE        its bearer token: the file's first line\n"
    "  \"caFile\": FILE           PEM CA certificates for an https:// verifier\n"
    "  \"interval\": SECONDS      between round starts (default 10; 0: back to back)\n"
    "  \"connectTimeout\", \"timeout\": SECONDS\n"
    "                           per request: to connect (5), in all (30)\n"
    "  \"receipts\": FILE         append the log's receipt of each delivered report\n"
    "                           (one JSON line each; created 0644)\n"
    "  \"spool\": {\"dir\": DIR, \"maxReports\": N, \"maxBytes\": N}\n"
    "                           where undelivered reports wait (dir required;\n"
    "                           created 0700; one agent per dir; defaults 1000 and\n"
    "                           104857600)\n"
    "  \"key\", \"workload\"        as attest's --key and --workload (required)\n"
    "  \"platform\": NAME         file or process (the default with \"pid\"): where\n"
    "                           the regions are read; or auto, amd-sev-snp,\n"
    "                           intel-tdx: hardware evidence in every report\n"
    "                           (attest's --platform)\n"
    "  \"regions\": [\"ID=FILE[@OFFSET+LENGTH]\", ...]   attest's --region\n"
    "  \"pid\": PID, \"map\": [...], \"range\": [...], \"readonlyFiles\": BOOL,\n"
    "  \"manifest\": FILE, \"noTensors\": BOOL, \"ttl\": SECONDS, \"expect\": [...],\n"
    "  \"digest\": ALG, \"threads\": N, \"binding\", \"tsmRoot\", \"device\", \"privlevel\"\n"
    "                           as attest's options of those names\n"
    "  \"pidFile\": FILE            instead of \"pid\": the file the server's PID is in,\n"
    "                           read each round: a restarted server (a new PID) is\n"
    "                           followed without a reload; until the file names a\n"
    "                           running process, rounds make no report\n"
    "Measuring another process's memory needs its uid or CAP_SYS_PTRACE.\n"
    "\n"
    "Exit codes: 0 stopped by a signal, or --rounds/--once done with every report\n"
    "delivered; 4 bad option or configuration, unreadable key or region, a spool\n"
    "that cannot be opened, or (--rounds/--once) a round that made no report, a\n"
    "report refused or lost, or reports left undelivered (they wait in the spool\n"
    "for the next run).\n";

/* ---- what a configuration builds ---- */

struct agent_parts {
    struct attester_setup setup;
    client *http;
    spool *queue;
    struct line_file receipts; /* fd -1: none kept */
};

/* The token: the file's first line. One others can read is no secret. */
static char *read_token(const char *path) {
    char *text = NULL;
    size_t len = 0;
    struct stat st;
    pqcha_err err = cli_read_file(path, CLIENT_MAX_TOKEN_BYTES + 2, &text, &len);
    if (err != PQCHA_OK) {
        cli_error(path, err, err == PQCHA_ERR_PERMISSION ? cli_file_permission_hint : NULL);
        return NULL;
    }
    if (stat(path, &st) == 0 && (st.st_mode & 0077))
        cli_warnf("%s is readable by group or others; chmod 600 it", cli_escaped(path));
    text[strcspn(text, "\r\n")] = '\0';
    int printable = text[0] != '\0';
    for (const char *c = text; *c; c++)
        printable = printable && *c > ' ' && *c < 0x7f;
    if (printable) return text;
    cli_errorf("%s: the first line must be the token: printable ASCII without spaces",
               cli_escaped(path));
    pqcha_free_secret(text, len);
    return NULL;
}

static int open_client(struct agent_parts *parts, const struct agent_config *c) {
    char *token = c->token_file ? read_token(c->token_file) : NULL;
    if (c->token_file && !token) return 0;
    client_options o = {c->verifier, token, c->ca_file, c->connect_timeout_ms, c->timeout_ms};
    pqcha_err err = client_create(&parts->http, &o);
    if (token) pqcha_free_secret(token, strlen(token));
    if (err == PQCHA_ERR_INVALID_ARGUMENT) {
        cli_errorf("\"verifier\" %s: expected http[s]://HOST[:PORT][/PATH] without spaces or "
                   "control characters",
                   cli_escaped(c->verifier));
        return 0;
    }
    if (err != PQCHA_OK) cli_error("HTTP client", err, NULL);
    return err == PQCHA_OK;
}

static void spool_error(const char *dir, pqcha_err err) {
    if (err == PQCHA_ERR_IN_USE)
        cli_errorf("spool %s: in use by another pqcha agent (one agent per spool directory)",
                   cli_escaped(dir));
    else if (err == PQCHA_ERR_NOT_DIRECTORY)
        cli_errorf("spool %s: exists and is not a directory", cli_escaped(dir));
    else if (err == PQCHA_ERR_MALFORMED)
        cli_errorf("spool %s: its file 'dropped' is not a count; remove it", cli_escaped(dir));
    else
        cli_error(dir, err, err == PQCHA_ERR_PERMISSION ? cli_file_permission_hint : NULL);
}

/* The same directory as the spool held open (however it is spelled). */
static int same_dir(const spool *held, const char *dir) {
    struct stat a, b;
    return held && stat(spool_dir(held), &a) == 0 && stat(dir, &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

/* The spool: the one held (new bounds) when the directory is the same. */
static int open_spool(struct agent_parts *parts, const struct agent_config *c, spool *held) {
    if (same_dir(held, c->spool_dir)) {
        parts->queue = held;
        return spool_set_limits(held, &c->limits) == PQCHA_OK;
    }
    pqcha_err err = spool_open(&parts->queue, c->spool_dir, &c->limits);
    if (err != PQCHA_OK) spool_error(c->spool_dir, err);
    return err == PQCHA_OK;
}

/* The attester for process pid, not the PID file's (read once, by the
 * caller: the PID compared is the PID measured). Frees it on failure. */
static int build_for_pid(struct attester_setup *setup, const struct attester_options *o, int pid) {
    struct attester_options now = *o;
    now.pid = pid;
    now.pid_file = NULL;
    if (attester_setup_build(setup, &now, AGENT_CMD) == CLI_EXIT_OK) return 1;
    attester_setup_free(setup);
    return 0;
}

/* With "pidFile", the process the file names if it is there now, else 0
 * (after printing why). An agent usually starts with the inference server,
 * often before it has written its PID: that is no reason to exit. */
static int live_pid_in_file(const char *path) {
    int pid = 0;
    if (!attester_read_pid_file(path, AGENT_CMD, &pid)) return 0;
    if (kill(pid, 0) == 0 || errno == EPERM) return pid;
    cli_errorf("%s: %s names pid %d, which is not running", AGENT_CMD, cli_escaped(path), pid);
    return 0;
}

/* The attester, or, with "pidFile" naming no live process, none yet: the
 * first round that finds the process builds it (follow_pid_file). What can
 * be checked without the process, the key, is checked now, so that a wrong
 * key path still stops the agent (or a reload) at once. */
static int build_attester(struct attester_setup *setup, const struct attester_options *o) {
    if (o->pid_file == NULL) return attester_setup_build(setup, o, AGENT_CMD) == CLI_EXIT_OK;
    int pid = live_pid_in_file(o->pid_file);
    if (pid > 0) return build_for_pid(setup, o, pid);
    pqcha_key *key = cli_load_key(o->key_path, CLI_KEY_PRIVATE);
    if (key == NULL) return 0;
    pqcha_key_free(key);
    fprintf(stderr,
            "pqcha %s: no process to measure yet; each round reads %s again (the rest of the "
            "configuration is checked once it names a running process)\n",
            AGENT_CMD, cli_escaped(o->pid_file));
    return 1;
}

/* The attester continues the sequence numbers of the one it replaces. */
static int build_parts(struct agent_parts *parts, struct agent_config *c, uint64_t sequence,
                       spool *held) {
    memset(parts, 0, sizeof *parts);
    c->attester.have_sequence = 1;
    c->attester.sequence = sequence;
    parts->receipts.fd = -1;
    return build_attester(&parts->setup, &c->attester) && open_client(parts, c) &&
           open_spool(parts, c, held) &&
           (!c->receipts || line_file_open(&parts->receipts, c->receipts));
}

/* keep_queue: the spool carries over to the parts that replace these. */
static void free_parts(struct agent_parts *parts, int keep_queue) {
    attester_setup_free(&parts->setup);
    client_free(parts->http);
    if (!keep_queue) spool_close(parts->queue);
    pqcha_err closed = parts->receipts.fd >= 0 ? line_file_close(&parts->receipts) : PQCHA_OK;
    if (closed != PQCHA_OK)
        cli_warnf("%s: %s", cli_escaped(parts->receipts.name), pqcha_strerror(closed));
    memset(parts, 0, sizeof *parts);
    parts->receipts.fd = -1;
}

/* ---- the running agent ---- */

struct agent {
    struct agent_config cfg;
    struct agent_parts parts;
    const char *config_path;
    int64_t interval_override_ms; /* --interval; -1: none */
    uint64_t sequence;            /* reports made: the next one's sequence number */
    uint64_t rounds, failed_rounds, delivered, refused, lost;
    uint64_t unreceipted;  /* delivered with a receipts file, but without a receipt that checks */
    unsigned failures;     /* deliveries failed in a row, for the backoff */
    int64_t next_retry_ns; /* when to try the spool again between rounds; 0: not due */
    int reload_requested, stop_requested;
    sigset_t signals; /* SIGTERM, SIGINT, SIGHUP: blocked, taken with sigtimedwait */
};

/* What one delivery came to, for the round's line. */
struct outcome {
    client_delivery delivery;
    int answered;   /* the verifier answered, whatever it said */
    char text[700]; /* "verdict valid (OK)", "HTTP 401 UNAUTHORIZED", "no answer: ..." */
};

static int stop_pending(const struct agent *a) {
    sigset_t pending;
    if (a->stop_requested) return 1;
    return sigpending(&pending) == 0 &&
           (sigismember(&pending, SIGTERM) == 1 || sigismember(&pending, SIGINT) == 1);
}

/* Server-provided strings are escaped before they reach the terminal. */
static void describe_answer(struct outcome *o, pqcha_err err, const client_answer *ans) {
    o->answered = ans->status != 0;
    if (err != PQCHA_OK || ans->status == 0) {
        snprintf(o->text, sizeof o->text, "no answer: %s",
                 err == PQCHA_OK || err == PQCHA_ERR_IO ? cli_escaped(ans->why)
                                                        : pqcha_strerror(err));
        return;
    }
    json_t *root = ans->truncated ? NULL : json_loadb(ans->body, ans->body_len, 0, NULL);
    const char *verdict = json_string_value(json_object_get(root, "verdict"));
    const char *name = json_string_value(json_object_get(root, "errorName"));
    const char *error = json_string_value(json_object_get(root, "error"));
    if (ans->status >= 200 && ans->status <= 299 && verdict) {
        char first[400];
        snprintf(first, sizeof first, "%s", cli_escaped(verdict));
        snprintf(o->text, sizeof o->text, "verdict %s (%s)", first, name ? cli_escaped(name) : "?");
    } else {
        snprintf(o->text, sizeof o->text, "HTTP %ld %s", ans->status,
                 error     ? cli_escaped(error)
                 : verdict ? cli_escaped(verdict)
                           : "");
    }
    json_decref(root);
}

/* ---- receipts ---- */

/* Whether a receipt proves this report's inclusion in the tree of its own
 * checkpoint: its entry names the report's bytes and its proof leads to
 * the checkpoint's root (the checkpoint's signature is the log's key's
 * business: pqcha log verify-inclusion). *index: the entry's. */
static pqcha_err check_receipt(const char *report, size_t len, const char *text, uint64_t *index) {
    pqcha_tlog_receipt *r = NULL;
    pqcha_tlog_entry *e = NULL;
    pqcha_note *n = NULL;
    pqcha_checkpoint *cp = NULL;
    uint8_t sum[PQCHA_SHA256_LEN], leaf[PQCHA_TLOG_HASH_LEN];
    size_t entry_len = 0, note_len = 0, count = 0;
    pqcha_err err = pqcha_tlog_receipt_parse(&r, text, strlen(text));
    const uint8_t *entry = r ? pqcha_tlog_receipt_entry(r, &entry_len) : NULL;
    const char *note = r ? pqcha_tlog_receipt_checkpoint(r, &note_len) : NULL;
    if (err == PQCHA_OK && (!entry || !note)) err = PQCHA_ERR_MISSING_FIELD;
    if (err == PQCHA_OK) err = pqcha_tlog_entry_parse(&e, (const char *)entry, entry_len);
    if (err == PQCHA_OK) err = pqcha_sha256(sum, report, len);
    if (err == PQCHA_OK && memcmp(pqcha_tlog_entry_get(e)->envelope_sha256, sum, sizeof sum) != 0)
        err = PQCHA_ERR_LOG_PROOF; /* a receipt of another report */
    if (err == PQCHA_OK) err = pqcha_note_parse(&n, note, note_len);
    if (err == PQCHA_OK)
        err = pqcha_checkpoint_parse(&cp, pqcha_note_text(n), pqcha_note_text_length(n));
    if (err == PQCHA_OK && pqcha_checkpoint_size(cp) != pqcha_tlog_receipt_tree_size(r))
        err = PQCHA_ERR_LOG_PROOF;
    if (err == PQCHA_OK) err = pqcha_tlog_leaf_hash(leaf, entry, entry_len);
    const uint8_t *proof = err == PQCHA_OK ? pqcha_tlog_receipt_proof(r, &count) : NULL;
    if (err == PQCHA_OK)
        err = pqcha_tlog_verify_inclusion(leaf, pqcha_tlog_receipt_index(r),
                                          pqcha_checkpoint_size(cp), proof, count,
                                          pqcha_checkpoint_root(cp));
    if (err == PQCHA_OK) *index = pqcha_tlog_receipt_index(r);
    pqcha_checkpoint_free(cp);
    pqcha_note_free(n);
    pqcha_tlog_entry_free(e);
    pqcha_tlog_receipt_free(r);
    return err;
}

/* The receipt in a delivered report's answer, checked and appended to the
 * receipts file. Returns 0 when it could not be written: the report stays
 * in the spool, and its next delivery brings the same receipt. */
static int keep_receipt(struct agent *a, const char *report, size_t len, const client_answer *ans,
                        struct outcome *o) {
    json_t *root = ans->truncated ? NULL : json_loadb(ans->body, ans->body_len, 0, NULL);
    json_t *log = json_object_get(root, "log");
    char *line = json_is_object(log) ? json_dumps(log, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(root);
    size_t used = strlen(o->text);
    if (!line) {
        a->unreceipted++;
        snprintf(o->text + used, sizeof o->text - used, "; NO RECEIPT in the answer");
        return 1;
    }
    uint64_t index = 0;
    pqcha_err checked = check_receipt(report, len, line, &index);
    if (checked == PQCHA_OK) {
        snprintf(o->text + used, sizeof o->text - used, "; log entry %llu",
                 (unsigned long long)index);
    } else {
        a->unreceipted++;
        snprintf(o->text + used, sizeof o->text - used,
                 "; its RECEIPT DOES NOT PROVE it was logged (%s), kept as it came",
                 pqcha_error_name(checked));
    }
    size_t line_len = strlen(line);
    line[line_len] = '\n'; /* json_dumps's NUL: the line ends in one write */
    pqcha_err err = line_file_append(&a->parts.receipts, line, line_len + 1);
    free(line);
    if (err == PQCHA_OK) return 1;
    cli_errorf("%s: the receipt cannot be written (%s): the report stays in the spool",
               cli_escaped(a->parts.receipts.name), pqcha_strerror(err));
    return 0;
}

static struct outcome deliver(struct agent *a, const char *report, size_t len) {
    struct outcome o;
    client_answer ans;
    pqcha_err err = client_post_report(a->parts.http, report, len, &ans);
    o.delivery = client_delivery_of(err, &ans, len);
    describe_answer(&o, err, &ans);
    if (o.delivery == CLIENT_DELIVERED && a->parts.receipts.is_file &&
        !keep_receipt(a, report, len, &ans, &o))
        o.delivery = CLIENT_RETRY;
    client_answer_clear(&ans);
    if (o.delivery == CLIENT_RETRY) {
        a->failures++;
    } else {
        a->failures = 0;
        a->next_retry_ns = 0;
    }
    if (o.delivery == CLIENT_DELIVERED) a->delivered++;
    if (o.delivery == CLIENT_REFUSED) {
        a->refused++;
        cli_errorf("the verifier refused a report for good (%s): removed from the spool", o.text);
    }
    return o;
}

static void remove_delivered(struct agent *a, uint64_t id) {
    pqcha_err err = spool_remove(a->parts.queue, id);
    if (err != PQCHA_OK)
        cli_warnf("spool %s: a delivered report could not be removed (%s); it will be sent again",
                  cli_escaped(spool_dir(a->parts.queue)), pqcha_strerror(err));
}

/* Delivers the spool oldest first, stopping at the first report to send
 * again (or a stop signal); *answered tells whether the verifier answered
 * at all. Returns how many were delivered. */
static unsigned drain(struct agent *a, int *answered, struct outcome *last) {
    unsigned done = 0;
    uint64_t id;
    *answered = 1;
    while (!stop_pending(a) && spool_oldest(a->parts.queue, &id) == PQCHA_OK) {
        char *report = NULL;
        size_t len = 0;
        pqcha_err err = spool_read(a->parts.queue, id, &report, &len);
        if (err == PQCHA_ERR_NOT_FOUND) {
            remove_delivered(a, id); /* gone behind our back: nothing to send */
            continue;
        }
        if (err == PQCHA_ERR_TOO_LARGE) {
            /* Not put there by an agent: no verifier would take it. */
            a->refused++;
            cli_errorf("spool %s: a file above %u MiB is no report: removed",
                       cli_escaped(spool_dir(a->parts.queue)), SPOOL_MAX_REPORT_BYTES >> 20);
            remove_delivered(a, id);
            continue;
        }
        if (err != PQCHA_OK) {
            cli_warnf("spool %s: a report cannot be read (%s)",
                      cli_escaped(spool_dir(a->parts.queue)), pqcha_strerror(err));
            return done;
        }
        *last = deliver(a, report, len);
        free(report);
        if (last->delivery == CLIENT_RETRY) {
            *answered = last->answered;
            return done;
        }
        remove_delivered(a, id);
        done += last->delivery == CLIENT_DELIVERED;
    }
    return done;
}

/* The challenge for this round into nonce, or "" and why not (the round
 * then attests with a random nonce, which proves no freshness). Returns
 * whether the verifier answered. */
static int get_challenge(struct agent *a, char *nonce, int64_t *expires, char *why, size_t cap) {
    client_answer ans;
    struct outcome o;
    pqcha_err err = client_challenge(a->parts.http, a->cfg.attester.workload, nonce, expires, &ans);
    describe_answer(&o, err, &ans);
    client_answer_clear(&ans);
    if (err == PQCHA_OK && o.answered && nonce[0]) return 1;
    if (err == PQCHA_ERR_MALFORMED) snprintf(o.text, sizeof o.text, "not a challenge");
    snprintf(why, cap, o.answered ? "random nonce (no challenge: %s)" : "%s", o.text);
    nonce[0] = '\0';
    return o.answered;
}

struct round_line {
    char nonce_note[800]; /* why the report answers no challenge, or "";
                           * with the verifier unreachable: why */
    char result[1000];    /* what became of the report */
    unsigned backlog;     /* spooled reports delivered first */
};

static void print_round(const struct agent *a, uint64_t round, const struct round_line *l) {
    char workload[300];
    snprintf(workload, sizeof workload, "%s", cli_escaped(a->cfg.attester.workload));
    fprintf(stderr, "pqcha %s: round %llu: workload %s: %s%s%s", AGENT_CMD,
            (unsigned long long)round, workload, l->result, l->nonce_note[0] ? "; " : "",
            l->nonce_note);
    if (l->backlog)
        fprintf(stderr, "; %u spooled report%s delivered", l->backlog, l->backlog == 1 ? "" : "s");
    fprintf(stderr, "; spool %zu, dropped %llu\n", spool_count(a->parts.queue),
            (unsigned long long)spool_dropped(a->parts.queue));
}

/* A challenge obtained before measuring may expire during it: worth saying,
 * since the report then does not count. */
static void warn_if_expired(int64_t expires, int64_t started) {
    int64_t now = (int64_t)time(NULL);
    if (expires == 0 || now <= expires) return;
    cli_warnf("the challenge expired before the report was ready (the round took %llds by "
              "this machine's clock): the report will not count; raise the verifier's "
              "--challenge-ttl",
              (long long)(now - started));
}

/* The report of this round: spooled first, so that a kill after the POST
 * only makes it be sent again; then sent unless the verifier is known to be
 * unreachable. */
static void keep_and_send(struct agent *a, const char *report, size_t len, int reachable,
                          struct round_line *line) {
    uint64_t id = 0;
    pqcha_err err = spool_put(a->parts.queue, report, len, &id);
    if (err != PQCHA_OK)
        cli_errorf("spool %s: cannot keep the report (%s); sending it without a copy",
                   cli_escaped(spool_dir(a->parts.queue)), pqcha_strerror(err));
    if (!reachable && err == PQCHA_OK) {
        a->failures++; /* a delivery that failed, for the backoff */
        snprintf(line->result, sizeof line->result, "kept in the spool: %s", line->nonce_note);
        snprintf(line->nonce_note, sizeof line->nonce_note, "random nonce");
        return;
    }
    struct outcome o = deliver(a, report, len);
    if (o.delivery != CLIENT_RETRY && err == PQCHA_OK) remove_delivered(a, id);
    if (o.delivery == CLIENT_RETRY && err != PQCHA_OK) a->lost++;
    snprintf(line->result, sizeof line->result, "%s%s",
             o.delivery == CLIENT_DELIVERED ? ""
             : o.delivery == CLIENT_REFUSED ? "refused: "
             : err == PQCHA_OK              ? "kept in the spool: "
                                            : "LOST: ",
             o.text);
}

/* With "pidFile", the process it names now: a restarted server has a new
 * PID, and the attester is rebuilt for it. 0 after printing why (the round
 * makes no report; the next one reads the file again). */
static int follow_pid_file(struct agent *a) {
    const char *path = a->cfg.attester.pid_file;
    int pid = 0;
    if (path == NULL) return 1;
    if (!attester_read_pid_file(path, AGENT_CMD, &pid)) return 0;
    if (pid == a->parts.setup.pid && a->parts.setup.attester != NULL) return 1;
    attester_setup_free(&a->parts.setup);
    a->cfg.attester.have_sequence = 1;
    a->cfg.attester.sequence = a->sequence;
    if (!build_for_pid(&a->parts.setup, &a->cfg.attester, pid)) return 0;
    fprintf(stderr, "pqcha %s: %s names pid %d: measuring that process now\n", AGENT_CMD,
            cli_escaped(path), pid);
    return 1;
}

static void run_round(struct agent *a, uint64_t round) {
    struct round_line line;
    struct outcome last = {CLIENT_RETRY, 0, ""};
    char nonce[2 * PQCHA_MAX_NONCE_BYTES + 1] = "";
    int64_t expires = 0, started = (int64_t)time(NULL);
    int reachable;
    memset(&line, 0, sizeof line);
    a->rounds++;
    /* The backlog first: a challenge got before a long delivery could expire. */
    line.backlog = drain(a, &reachable, &last);
    if (reachable)
        reachable = get_challenge(a, nonce, &expires, line.nonce_note, sizeof line.nonce_note);
    else
        snprintf(line.nonce_note, sizeof line.nonce_note, "%s", last.text);
    char *report = NULL;
    size_t len = 0;
    if (!follow_pid_file(a)) {
        a->failed_rounds++;
        snprintf(line.result, sizeof line.result, "no report (no process to measure: see above)");
        print_round(a, round, &line);
        return;
    }
    pqcha_err err =
        pqcha_attester_attest(a->parts.setup.attester, nonce[0] ? nonce : NULL, &report, &len);
    if (err != PQCHA_OK) {
        attester_report_error(&a->parts.setup, AGENT_CMD, err);
        a->failed_rounds++;
        snprintf(line.result, sizeof line.result, "no report (%s)", pqcha_strerror(err));
    } else {
        a->sequence++;
        warn_if_expired(expires, started);
        keep_and_send(a, report, len, reachable, &line);
        pqcha_free(report);
    }
    print_round(a, round, &line);
}

/* ---- between rounds ---- */

/* A uniformly random delay in [0, limit] ms: full jitter. */
static int64_t jitter_ms(int64_t limit) {
    uint64_t r = 0;
    if (limit <= 0) return 0;
    if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r) r = (uint64_t)cli_monotonic_ns();
    return (int64_t)(r % ((uint64_t)limit + 1));
}

/* After a failed delivery: try again in a random part of an exponentially
 * growing window, at most the interval (a round drains anyway). */
static void schedule_retry(struct agent *a, int64_t interval_ms) {
    int64_t window = BACKOFF_BASE_MS;
    for (unsigned i = 1; i < a->failures && window < BACKOFF_CAP_MS; i++)
        window *= 2;
    if (window > BACKOFF_CAP_MS) window = BACKOFF_CAP_MS;
    if (window > interval_ms) window = interval_ms;
    a->next_retry_ns = cli_monotonic_ns() + jitter_ms(window) * NS_PER_MS;
}

static void retry_spool(struct agent *a, int64_t interval_ms) {
    int answered;
    struct outcome last;
    unsigned done = drain(a, &answered, &last);
    a->next_retry_ns = 0;
    if (done)
        fprintf(stderr, "pqcha %s: %u spooled report%s delivered; spool %zu\n", AGENT_CMD, done,
                done == 1 ? "" : "s", spool_count(a->parts.queue));
    if (a->failures > 0 && spool_count(a->parts.queue) > 0) schedule_retry(a, interval_ms);
}

static int64_t effective_interval(const struct agent *a) {
    return a->interval_override_ms >= 0 ? a->interval_override_ms : a->cfg.interval_ms;
}

static void reload(struct agent *a) {
    struct agent_config fresh;
    struct agent_parts parts;
    memset(&parts, 0, sizeof parts);
    a->reload_requested = 0;
    if (!agent_config_load(&fresh, a->config_path) ||
        !build_parts(&parts, &fresh, a->sequence, a->parts.queue)) {
        cli_errorf("the new configuration %s was refused; still running the previous one",
                   cli_escaped(a->config_path));
        free_parts(&parts, parts.queue == a->parts.queue);
        agent_config_free(&fresh);
        return;
    }
    if (parts.queue != a->parts.queue && spool_count(a->parts.queue) > 0)
        cli_warnf("the previous spool %s still holds %zu reports, which this agent no longer "
                  "delivers",
                  cli_escaped(spool_dir(a->parts.queue)), spool_count(a->parts.queue));
    free_parts(&a->parts, parts.queue == a->parts.queue);
    agent_config_free(&a->cfg);
    a->parts = parts;
    a->cfg = fresh;
    a->failures = 0; /* a fixed token or URL is worth trying at once */
    a->next_retry_ns = spool_count(a->parts.queue) > 0 ? cli_monotonic_ns() : 0;
    fprintf(stderr, "pqcha %s: reloaded %s\n", AGENT_CMD, cli_escaped(a->config_path));
}

/* Takes the signals that arrived; waits up to timeout_ns for one. */
static void take_signals(struct agent *a, int64_t timeout_ns) {
    struct timespec ts = {(time_t)(timeout_ns / 1000000000), (long)(timeout_ns % 1000000000)};
    int sig = sigtimedwait(&a->signals, NULL, &ts);
    while (sig > 0) {
        if (sig == SIGHUP) a->reload_requested = 1;
        if (sig == SIGTERM || sig == SIGINT) a->stop_requested = 1;
        struct timespec zero = {0, 0};
        sig = sigtimedwait(&a->signals, NULL, &zero);
    }
}

/* Round slots: t0, t0 + interval, ...; an overrun skips slots, never makes
 * them up. */
struct schedule {
    int64_t t0, slot, interval_ns;
};

static void schedule_start(struct schedule *s, int64_t interval_ms) {
    s->t0 = cli_monotonic_ns();
    s->slot = 0;
    s->interval_ns = interval_ms * NS_PER_MS;
}

static int64_t schedule_next(struct schedule *s) {
    int64_t now = cli_monotonic_ns();
    if (s->interval_ns == 0) return now;
    int64_t due = (now - s->t0) / s->interval_ns + 1;
    s->slot = due > s->slot + 1 ? due : s->slot + 1;
    return s->t0 + s->slot * s->interval_ns;
}

/* Waits for the next round, retrying the spool meanwhile; reloads on
 * SIGHUP (a new interval starts a new schedule). 0: stop. */
static int wait_for_round(struct agent *a, struct schedule *s) {
    int64_t start = schedule_next(s);
    for (;;) {
        if (a->reload_requested) {
            int64_t before = effective_interval(a);
            reload(a);
            if (effective_interval(a) != before) {
                schedule_start(s, effective_interval(a));
                start = schedule_next(s);
            }
        }
        if (a->stop_requested) return 0;
        int64_t now = cli_monotonic_ns();
        if (a->next_retry_ns && now >= a->next_retry_ns && now < start)
            retry_spool(a, effective_interval(a));
        now = cli_monotonic_ns();
        if (now >= start) return 1;
        int64_t wake = a->next_retry_ns && a->next_retry_ns < start ? a->next_retry_ns : start;
        take_signals(a, wake > now ? wake - now : 0);
    }
}

static int run(struct agent *a, uint64_t max_rounds) {
    struct schedule s;
    schedule_start(&s, effective_interval(a));
    for (uint64_t round = 1;; round++) {
        run_round(a, round);
        if (max_rounds && round >= max_rounds) break;
        take_signals(a, 0);
        if (a->failures > 0 && spool_count(a->parts.queue) > 0)
            schedule_retry(a, effective_interval(a));
        if (!wait_for_round(a, &s)) break;
    }
    size_t waiting = spool_count(a->parts.queue);
    fprintf(stderr,
            "pqcha %s: stopping after %llu round%s: %llu delivered, %llu refused, %llu lost, "
            "%zu waiting in the spool\n",
            AGENT_CMD, (unsigned long long)a->rounds, a->rounds == 1 ? "" : "s",
            (unsigned long long)a->delivered, (unsigned long long)a->refused,
            (unsigned long long)a->lost, waiting);
    if (a->unreceipted)
        cli_warnf("%llu delivered report%s came without a receipt that proves it was logged",
                  (unsigned long long)a->unreceipted, a->unreceipted == 1 ? "" : "s");
    if (!max_rounds || a->stop_requested) return CLI_EXIT_OK;
    return a->failed_rounds == 0 && a->refused == 0 && a->lost == 0 && waiting == 0
               ? CLI_EXIT_OK
               : CLI_EXIT_USAGE;
}

/* ---- the command ---- */

struct agent_args {
    const char *config;
    uint64_t rounds;
    int64_t interval_ms; /* -1: the configuration's */
};

/* -1 to go on, or an exit status. */
static int parse_args(struct agent_args *args, int argc, char **argv) {
    static const struct option options[] = {
        {"config", required_argument, NULL, 'c'}, {"rounds", required_argument, NULL, 'n'},
        {"once", no_argument, NULL, '1'},         {"interval", required_argument, NULL, 'i'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    int opt;
    while ((opt = getopt_long(argc, argv, "c:n:1i:h", options, NULL)) != -1) {
        switch (opt) {
        case 'c': args->config = optarg; break;
        case 'n':
            if (!cli_option_u64(AGENT_CMD, "--rounds", optarg, UINT64_MAX, &args->rounds))
                return CLI_EXIT_USAGE;
            if (args->rounds == 0) return cli_usage_error(AGENT_CMD, "--rounds must be at least 1");
            break;
        case '1': args->rounds = 1; break;
        case 'i':
            if (!cli_parse_seconds_ms(optarg, &args->interval_ms))
                return cli_usage_error(AGENT_CMD,
                                       "--interval '%s': expected seconds, e.g. 10 or 0.5",
                                       cli_escaped(optarg));
            break;
        case 'h': fputs(agent_help, stdout); return CLI_EXIT_OK; /* main flushes it */
        default: return cli_try_help(AGENT_CMD);
        }
    }
    if (optind < argc)
        return cli_usage_error(AGENT_CMD, "unexpected argument '%s'", cli_escaped(argv[optind]));
    if (!args->config) return cli_usage_error(AGENT_CMD, "--config FILE is required");
    return -1;
}

static int start(struct agent *a, uint64_t rounds) {
    if (!agent_config_load(&a->cfg, a->config_path)) return CLI_EXIT_USAGE;
    if (!build_parts(&a->parts, &a->cfg, 0, NULL)) return CLI_EXIT_USAGE;
    char verifier[1100];
    snprintf(verifier, sizeof verifier, "%s", cli_escaped(a->cfg.verifier));
    fprintf(stderr,
            "pqcha %s: workload %s, verifier %s, every %.3gs; spool %s holds %zu report%s "
            "(dropped so far: %llu)\n",
            AGENT_CMD, cli_escaped(a->cfg.attester.workload), verifier,
            (double)effective_interval(a) / 1000.0, cli_escaped(spool_dir(a->parts.queue)),
            spool_count(a->parts.queue), spool_count(a->parts.queue) == 1 ? "" : "s",
            (unsigned long long)spool_dropped(a->parts.queue));
    if (a->cfg.attester.pid_file && a->parts.setup.attester != NULL)
        fprintf(stderr, "pqcha %s: %s names pid %d, read again each round\n", AGENT_CMD,
                cli_escaped(a->cfg.attester.pid_file), a->parts.setup.pid);
    return run(a, rounds);
}

int cli_agent_main(int argc, char **argv) {
    struct agent_args args = {NULL, 0, -1};
    int status = parse_args(&args, argc, argv);
    if (status >= 0) return status;
    struct agent a;
    memset(&a, 0, sizeof a);
    a.config_path = args.config;
    a.interval_override_ms = args.interval_ms;
    /* Blocked before any thread starts (hashing, name resolution), so that
     * every thread inherits the mask and the signals wait for this one at
     * a round's end: a round is never cut in half. */
    sigemptyset(&a.signals);
    sigaddset(&a.signals, SIGTERM);
    sigaddset(&a.signals, SIGINT);
    sigaddset(&a.signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &a.signals, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (client_global_init() != PQCHA_OK) {
        cli_errorf("libcurl could not be initialised");
        return CLI_EXIT_USAGE;
    }
    status = start(&a, args.rounds);
    free_parts(&a.parts, 0);
    agent_config_free(&a.cfg);
    client_global_cleanup();
    return status;
}
