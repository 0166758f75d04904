/* log.c — "pqcha log": a pqcha transparency log checked offline
 * (docs/FORMAT.md section 9): an entry's inclusion in a signed checkpoint,
 * the consistency of two checkpoints, and the audit of a mirror
 * (log_audit.c); and the mirror itself, fetched from the log's URL
 * (log_mirror.c, the one subcommand that goes to the network). */
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static const char log_help[] =
    "Usage: pqcha log verify-inclusion --log-key PUB.pem [--origin ORIGIN]\n"
    "                 [--checkpoint CP] [--witness NAME=PUB.pem... [--min-witnesses K]]\n"
    "                 (ENTRY PROOF | --receipt RECEIPT)\n"
    "       pqcha log verify-consistency --log-key PUB.pem [--origin ORIGIN]\n"
    "                 OLD_CHECKPOINT NEW_CHECKPOINT [PROOF]\n"
    "       pqcha log audit --log-key PUB.pem [--origin ORIGIN] [--checkpoint CP]\n"
    "                 [--policy POLICY.json]... [--trust PUB.pem]... [--json] DIR\n"
    "       pqcha log mirror --log URL --log-key PUB.pem [--origin ORIGIN] DIR\n"
    "\n"
    "Checks a pqcha transparency log offline, from files: that an entry is in the\n"
    "log (verify-inclusion), that a newer checkpoint extends an older one\n"
    "(verify-consistency), and that a mirrored copy of the log is what its\n"
    "checkpoint says, entry by entry (audit); and makes or updates that copy from\n"
    "the log's URL (mirror). 'pqcha log COMMAND --help' for each.\n"
    "\n"
    "Exit codes: 0 verified; 1 the log's data contradicts it (a proof that does not\n"
    "lead to the root, a fork, a rollback, a tampered tile, entry or report, a\n"
    "verdict other than logged); 2 not this log's (another key or origin, a bad\n"
    "signature, too few witness cosignatures); 3 a malformed file; 4 bad option,\n"
    "missing file or I/O error.\n";

static const char inclusion_help[] =
    "Usage: pqcha log verify-inclusion --log-key PUB.pem [--origin ORIGIN]\n"
    "                 [--checkpoint CP] [--witness NAME=PUB.pem... [--min-witnesses K]]\n"
    "                 (ENTRY PROOF | --receipt RECEIPT)\n"
    "\n"
    "Verifies that an entry is in the log: the checkpoint is signed by the log's key\n"
    "(for ORIGIN, when given), and the inclusion proof leads from the entry's leaf\n"
    "hash at its index to the checkpoint's root. Then shows the entry.\n"
    "\n"
    "ENTRY is a file holding the entry's exact bytes; PROOF a proof file\n"
    "(docs/FORMAT.md 9.9: index, treeSize, inclusionProof, and optionally the entry\n"
    "and the checkpoint). A receipt (what 'pqcha serve' acknowledges a report with,\n"
    "and 'pqcha agent' keeps) holds all of them: --receipt RECEIPT. The checkpoint\n"
    "is --checkpoint CP when given, else the one the proof file carries; it must be\n"
    "of the tree the proof is for.\n"
    "\n"
    "Options:\n"
    "      --log-key PUB.pem       the log's public key\n"
    "      --origin ORIGIN         the log's origin (its checkpoints' first line);\n"
    "                              default: the checkpoint's own, signed by the key\n"
    "      --checkpoint CP         the signed checkpoint to verify against\n"
    "      --receipt RECEIPT       entry, proof and checkpoint in one file\n"
    "      --witness NAME=PUB.pem  a witness whose cosignature counts (repeatable)\n"
    "      --min-witnesses K       cosignatures required (default: 1 with --witness)\n"
    "  -h, --help                  show this help\n"
    "\n"
    "Exit codes: 0 included; 1 not included (the proof does not lead to the root,\n"
    "has the wrong length, or is for another tree); 2 the checkpoint is not the\n"
    "log's (another key or origin, a bad signature) or has fewer than K valid\n"
    "witness cosignatures; 3 a malformed file or entry; 4 bad option, missing\n"
    "file or I/O error.\n";

static const char consistency_help[] =
    "Usage: pqcha log verify-consistency --log-key PUB.pem [--origin ORIGIN]\n"
    "                 OLD_CHECKPOINT NEW_CHECKPOINT [PROOF]\n"
    "\n"
    "Verifies that the log's tree at NEW_CHECKPOINT extends its tree at\n"
    "OLD_CHECKPOINT: both are signed by the log's key for the same origin, and the\n"
    "consistency proof (a file of docs/FORMAT.md 9.10, from OLD's size to NEW's)\n"
    "shows that nothing in the old tree was removed or changed. A rollback (NEW\n"
    "smaller than OLD) and a fork (the same size, another root) are proved by the\n"
    "two signed checkpoints alone; PROOF is needed only when the tree grew.\n"
    "\n"
    "Options:\n"
    "      --log-key PUB.pem     the log's public key\n"
    "      --origin ORIGIN       the log's origin; default: the checkpoints' own\n"
    "  -h, --help                show this help\n"
    "\n"
    "Exit codes: 0 consistent; 1 inconsistent: the log rolled back, forked, or the\n"
    "proof does not verify (or is for other sizes); 2 a checkpoint is not the log's\n"
    "(another key or origin, a bad signature), or the two are of different logs; 3\n"
    "a malformed checkpoint or proof file; 4 bad option, missing file or I/O error.\n";

static const char audit_help[] =
    "Usage: pqcha log audit --log-key PUB.pem [--origin ORIGIN] [--checkpoint CP]\n"
    "                 [--witness NAME=PUB.pem... [--min-witnesses K]]\n"
    "                 [--policy POLICY.json]... [--trust PUB.pem]... [--json] DIR\n"
    "\n"
    "Audits a mirror of a log: DIR holds the files a log serves, under the same\n"
    "paths (DIR/checkpoint, DIR/tile/<L>/<N>[.p/<W>], DIR/tile/entries/<N>[.p/<W>],\n"
    "DIR/report/<sha256>). Against the signed checkpoint (DIR/checkpoint, or CP):\n"
    "  - every tile: its length, each full tile's hash in the tile above, the root;\n"
    "  - every entry bundle against its tile, every entry's leaf hash, every entry\n"
    "    decoded (docs/FORMAT.md 9.8);\n"
    "  - every entry's report: present, with the SHA-256 the entry names, its\n"
    "    workload, id and signer as logged;\n"
    "  - with trusted keys (--trust, and the trustedKeys of each --policy): each\n"
    "    report's signature verified again; a report logged valid or drift whose\n"
    "    signature does not verify is a discrepancy;\n"
    "  - for each entry whose policySha256 is the SHA-256 of a --policy file: the\n"
    "    verdict recomputed (as 'pqcha verify' at the time the entry was received,\n"
    "    expecting the report's own nonce) and compared with the logged verdict and\n"
    "    error. Verdicts that depended on the service's challenges (NONCE_UNKNOWN,\n"
    "    NONCE_USED, NONCE_EXPIRED) cannot be recomputed and are counted apart.\n"
    "Every discrepancy is listed (entry index, file, what differs).\n"
    "\n"
    "Options:\n"
    "      --log-key PUB.pem       the log's public key\n"
    "      --origin ORIGIN         the log's origin; default: the checkpoint's own\n"
    "      --checkpoint CP         audit against this signed checkpoint\n"
    "      --witness NAME=PUB.pem  a witness whose cosignature counts (repeatable)\n"
    "      --min-witnesses K       cosignatures required (default: 1 with --witness)\n"
    "  -p, --policy POLICY.json    a policy the log's verifier used (repeatable)\n"
    "  -t, --trust PUB.pem         a key reports may be signed with (repeatable)\n"
    "      --json                  print the audit as one JSON object\n"
    "  -h, --help                  show this help\n"
    "\n"
    "Exit codes: 0 the mirror is the log its checkpoint commits to, and every check\n"
    "made passed; 1 any discrepancy; 2 the checkpoint is not the log's or lacks\n"
    "witnesses; 3 a malformed checkpoint; 4 bad option, DIR or its checkpoint\n"
    "missing, or I/O error.\n";

static const char mirror_help[] =
    "Usage: pqcha log mirror --log URL --log-key PUB.pem [--origin ORIGIN]\n"
    "                 [--witness NAME=PUB.pem... [--min-witnesses K]] [--ca-file CA.pem]\n"
    "                 DIR\n"
    "\n"
    "Copies a log into DIR, under the paths 'pqcha log audit DIR' reads, or brings\n"
    "an earlier copy up to date, checking what it fetches: the checkpoint is signed\n"
    "by the log's key (and the witnesses required); the tiles lead to its root;\n"
    "each entry bundle holds the entries its tile does; each report hashes to the\n"
    "SHA-256 its entry names; and the log's tree extends the one DIR's checkpoint\n"
    "commits to (DIR's old root recomputed from the new tiles). Only what DIR lacks\n"
    "is fetched. Every file is written atomically and durably, DIR/checkpoint last:\n"
    "a kill or an error at any moment leaves DIR a complete copy of its checkpoint's\n"
    "tree. A log that rolled back or forked, or whose files do not lead to its\n"
    "checkpoint, leaves DIR/checkpoint as it was. Then audit it: 'pqcha log audit'.\n"
    "\n"
    "Options:\n"
    "      --log URL               the log: http[s]://HOST[:PORT] (pqcha serve's log,\n"
    "                              under /v1/log), or the URL of the directory a\n"
    "                              mirror of it is served from\n"
    "      --log-key PUB.pem       the log's public key\n"
    "      --origin ORIGIN         the log's origin; default: the checkpoint's own\n"
    "      --witness NAME=PUB.pem  a witness whose cosignature counts (repeatable)\n"
    "      --min-witnesses K       cosignatures required (default: 1 with --witness)\n"
    "      --ca-file CA.pem        CA certificates for an https:// log\n"
    "  -h, --help                  show this help\n"
    "\n"
    "Exit codes: 0 DIR holds the log's tree of its checkpoint; 1 the log rolled back,\n"
    "forked, or its files do not lead to its checkpoint; 2 the checkpoint is not the\n"
    "log's or lacks witnesses; 3 a malformed checkpoint or entry; 4 bad option, DIR\n"
    "holding another log's checkpoint, no answer from the log, or I/O error.\n";

/* ---- shared ---- */

char *log_url_prefix(const char *url) {
    const char *host = strstr(url, "://");
    int bare = host && !strchr(host + 3, '/');
    size_t len = strlen(url) + sizeof "/v1/log";
    char *out = malloc(len);
    if (out) snprintf(out, len, "%s%s", url, bare ? "/v1/log" : "");
    return out;
}

int log_exit_for(pqcha_err err) {
    switch (err) {
    case PQCHA_OK: return CLI_EXIT_OK;
    case PQCHA_ERR_LOG_PROOF:
    case PQCHA_ERR_LOG_PROOF_SIZE:
    case PQCHA_ERR_LOG_FORK:
    case PQCHA_ERR_LOG_ROLLBACK:
    case PQCHA_ERR_LOG_TILE:
    case PQCHA_ERR_LOG_TILE_SIZE:
    case PQCHA_ERR_LOG_BUNDLE:
    case PQCHA_ERR_OUT_OF_RANGE: return LOG_EXIT_FAILED;
    case PQCHA_ERR_UNTRUSTED_KEY:
    case PQCHA_ERR_BAD_SIGNATURE:
    case PQCHA_ERR_BAD_SIGNATURE_LENGTH:
    case PQCHA_ERR_LOG_ORIGIN:
    case PQCHA_ERR_LOG_WITNESSES: return CLI_EXIT_REJECTED;
    case PQCHA_ERR_LOG_CHECKPOINT:
    case PQCHA_ERR_LOG_TREE_SIZE:
    case PQCHA_ERR_LOG_TEXT:
    case PQCHA_ERR_LOG_NOTE: return CLI_EXIT_MALFORMED;
    default: return pqcha_error_is_malformed(err) ? CLI_EXIT_MALFORMED : CLI_EXIT_USAGE;
    }
}

void log_line(const struct log_ctx *c, pqcha_err err, const char *check, const char *fmt, ...) {
    /* Quiet (--json): a failure still says why, on stderr. */
    if (c->quiet && err == PQCHA_OK) return;
    FILE *out = c->quiet ? stderr : stdout;
    va_list ap;
    const char *lead = c->quiet ? "pqcha: " : err == PQCHA_OK ? "  PASS  " : "  FAIL  ";
    fprintf(out, "%s%s: ", lead, check);
    va_start(ap, fmt);
    vfprintf(out, fmt, ap);
    va_end(ap);
    if (err != PQCHA_OK) fprintf(out, " (%s)", pqcha_error_name(err));
    fputc('\n', out);
}

int log_read(const char *path, size_t cap, char **out, size_t *len) {
    pqcha_err err = cli_read_file(path, cap, out, len);
    if (err == PQCHA_OK) return 0;
    if (err == PQCHA_ERR_TOO_LARGE) {
        char hint[80];
        snprintf(hint, sizeof hint, "at most %zu bytes are expected here", cap);
        cli_error(path, err, hint);
        return CLI_EXIT_MALFORMED;
    }
    cli_error(path, err,
              err == PQCHA_ERR_PERMISSION ? cli_file_permission_hint : cli_hint_for(err));
    return CLI_EXIT_USAGE;
}

static const char *checkpoint_refusal(pqcha_err err) {
    switch (err) {
    case PQCHA_ERR_UNTRUSTED_KEY:
        return "not signed by the log's key under this origin (another log, or another key)";
    case PQCHA_ERR_BAD_SIGNATURE:
    case PQCHA_ERR_BAD_SIGNATURE_LENGTH: return "the log's signature does not verify (altered)";
    case PQCHA_ERR_LOG_ORIGIN:
        return "signed by the log's key, but for another origin than --origin (another log)";
    default: return "not a well-formed signed checkpoint";
    }
}

static int check_witnesses(const struct log_ctx *c, const char *label, const char *note,
                           size_t len) {
    pqcha_note *n = NULL;
    size_t verified = 0;
    pqcha_err err = pqcha_note_parse(&n, note, len);
    if (err == PQCHA_OK) err = pqcha_note_verify(&verified, n, c->witnesses, c->min_witnesses);
    pqcha_note_free(n);
    char check[64];
    snprintf(check, sizeof check, "%s witnesses", label);
    if (err == PQCHA_OK) {
        log_line(c, err, check, "%zu of the %zu trusted cosigned (%zu required)", verified,
                 pqcha_note_verifier_count(c->witnesses), c->min_witnesses);
    } else if (err == PQCHA_ERR_LOG_WITNESSES) {
        log_line(c, err, check, "fewer than %zu of the %zu trusted witnesses cosigned it",
                 c->min_witnesses, pqcha_note_verifier_count(c->witnesses));
    } else {
        log_line(c, err, check, "%s",
                 err == PQCHA_ERR_BAD_SIGNATURE || err == PQCHA_ERR_BAD_SIGNATURE_LENGTH
                     ? "a trusted witness's cosignature does not verify"
                     : pqcha_strerror(err));
    }
    return log_exit_for(err);
}

/* The conclusion of a checkpoint refused, as the last line. */
static void conclude_refusal(const struct log_ctx *c, const char *label, int status) {
    if (c->quiet) return;
    if (status == CLI_EXIT_REJECTED)
        printf("REJECTED: the %s is not the log's, or lacks the witnesses required\n", label);
    else if (status == CLI_EXIT_MALFORMED)
        printf("MALFORMED: the %s is not a well-formed signed checkpoint\n", label);
}

int log_open_checkpoint(const struct log_ctx *c, const char *label, const char *note, size_t len,
                        pqcha_checkpoint **out) {
    pqcha_err err = pqcha_checkpoint_open(out, note, len, c->o->origin, c->log_key);
    if (err != PQCHA_OK) {
        log_line(c, err, label, "%s: %s", checkpoint_refusal(err), pqcha_strerror(err));
        conclude_refusal(c, label, log_exit_for(err));
        return log_exit_for(err);
    }
    uint64_t size = pqcha_checkpoint_size(*out);
    log_line(c, err, label, "%s, %llu entr%s, signed by the log's key",
             cli_escaped(pqcha_checkpoint_origin(*out)), (unsigned long long)size,
             size == 1 ? "y" : "ies");
    if (c->witnesses == NULL) return 0;
    int status = check_witnesses(c, label, note, len);
    if (status != 0) {
        conclude_refusal(c, label, status);
        pqcha_checkpoint_free(*out);
        *out = NULL;
    }
    return status;
}

/* Reads and opens a signed checkpoint file. */
static int load_checkpoint(const struct log_ctx *c, const char *label, const char *path,
                           pqcha_checkpoint **out) {
    char *note = NULL;
    size_t len = 0;
    int status = log_read(path, PQCHA_NOTE_MAX_LEN, &note, &len);
    if (status == 0) status = log_open_checkpoint(c, label, note, len, out);
    free(note);
    return status;
}

/* ---- options ---- */

enum {
    OPT_LOG_KEY = 0x100,
    OPT_ORIGIN,
    OPT_CHECKPOINT,
    OPT_RECEIPT,
    OPT_WITNESS,
    OPT_MIN_WITNESSES,
    OPT_JSON,
    OPT_POLICY,
    OPT_TRUST,
    OPT_LOG_URL,
    OPT_CA_FILE
};

/* Which options a subcommand takes. */
#define TAKES(opt) (1u << ((opt)-OPT_LOG_KEY))

struct subcommand {
    const char *name;
    const char *help;
    unsigned takes;
    int (*run)(struct log_ctx *c);
};

static int add_to_list(const char *cmd, const char *option, const char **list, size_t *count,
                       const char *value) {
    if (*count == LOG_MAX_LIST) {
        cli_usage_error(cmd, "%s: at most %d", option, LOG_MAX_LIST);
        return 0;
    }
    list[(*count)++] = value;
    return 1;
}

static const char *option_name(int opt) {
    switch (opt) {
    case OPT_LOG_KEY: return "--log-key";
    case OPT_ORIGIN: return "--origin";
    case OPT_CHECKPOINT: return "--checkpoint";
    case OPT_RECEIPT: return "--receipt";
    case OPT_WITNESS: return "--witness";
    case OPT_MIN_WITNESSES: return "--min-witnesses";
    case OPT_JSON: return "--json";
    case OPT_POLICY: return "--policy";
    case OPT_LOG_URL: return "--log";
    case OPT_CA_FILE: return "--ca-file";
    default: return "--trust";
    }
}

static int take_option(struct log_options *o, const struct subcommand *sub, int opt,
                       const char *arg) {
    if ((sub->takes & TAKES(opt)) == 0) {
        cli_usage_error(o->cmd, "%s does not apply to 'pqcha log %s'", option_name(opt), sub->name);
        return 0;
    }
    switch (opt) {
    case OPT_LOG_KEY: o->log_key = arg; return 1;
    case OPT_ORIGIN: o->origin = arg; return 1;
    case OPT_CHECKPOINT: o->checkpoint = arg; return 1;
    case OPT_RECEIPT: o->receipt = arg; return 1;
    case OPT_WITNESS: return add_to_list(o->cmd, "--witness", o->witness, &o->witness_count, arg);
    case OPT_MIN_WITNESSES:
        return cli_option_u64(o->cmd, "--min-witnesses", arg, LOG_MAX_LIST, &o->min_witnesses);
    case OPT_JSON: o->json = 1; return 1;
    case OPT_POLICY: return add_to_list(o->cmd, "--policy", o->policy, &o->policy_count, arg);
    case OPT_LOG_URL: o->url = arg; return 1;
    case OPT_CA_FILE: o->ca_file = arg; return 1;
    default: return add_to_list(o->cmd, "--trust", o->trust, &o->trust_count, arg);
    }
}

/* Returns -1 to go on, or an exit code. */
static int parse_options(struct log_options *o, const struct subcommand *sub, int argc,
                         char **argv) {
    static const struct option options[] = {
        {"log-key", required_argument, NULL, OPT_LOG_KEY},
        {"origin", required_argument, NULL, OPT_ORIGIN},
        {"checkpoint", required_argument, NULL, OPT_CHECKPOINT},
        {"receipt", required_argument, NULL, OPT_RECEIPT},
        {"witness", required_argument, NULL, OPT_WITNESS},
        {"min-witnesses", required_argument, NULL, OPT_MIN_WITNESSES},
        {"json", no_argument, NULL, OPT_JSON},
        {"policy", required_argument, NULL, OPT_POLICY},
        {"trust", required_argument, NULL, OPT_TRUST},
        {"log", required_argument, NULL, OPT_LOG_URL},
        {"ca-file", required_argument, NULL, OPT_CA_FILE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    while ((opt = getopt_long(argc, argv, "p:t:h", options, NULL)) != -1) {
        if (opt == 'h') {
            fputs(sub->help, stdout);
            return CLI_EXIT_OK;
        }
        if (opt == '?') return cli_try_help(o->cmd);
        if (opt == 'p') opt = OPT_POLICY;
        if (opt == 't') opt = OPT_TRUST;
        if (!take_option(o, sub, opt, optarg)) return CLI_EXIT_USAGE;
    }
    o->args = argv + optind;
    o->arg_count = argc - optind;
    if (o->log_key == NULL)
        return cli_usage_error(o->cmd, "--log-key PUB.pem is required (the log's public key)");
    if (o->min_witnesses > 0 && o->witness_count == 0)
        return cli_usage_error(o->cmd, "--min-witnesses needs --witness NAME=PUB.pem");
    if (o->min_witnesses > o->witness_count)
        return cli_usage_error(o->cmd, "--min-witnesses %llu: only %zu --witness given",
                               (unsigned long long)o->min_witnesses, o->witness_count);
    return -1;
}

/* ---- keys ---- */

static int add_witness(struct log_ctx *c, const char *spec) {
    const char *eq = strchr(spec, '=');
    if (eq == NULL || eq == spec || eq[1] == '\0') {
        cli_usage_error(c->o->cmd, "--witness '%s': expected NAME=PUB.pem", cli_escaped(spec));
        return 0;
    }
    char *name = malloc((size_t)(eq - spec) + 1);
    pqcha_key *key = name ? cli_load_key(eq + 1, CLI_KEY_PUBLIC) : NULL;
    pqcha_err err = PQCHA_ERR_NO_MEMORY;
    if (key != NULL) {
        memcpy(name, spec, (size_t)(eq - spec));
        name[eq - spec] = '\0';
        err = pqcha_note_verifier_add(c->witnesses, name, key);
        if (err == PQCHA_ERR_BAD_IDENTIFIER)
            cli_usage_error(c->o->cmd,
                            "--witness '%s': not a key name (1-255 bytes, no spaces, no '+')",
                            cli_escaped(name));
        else if (err != PQCHA_OK)
            cli_error(spec, err, NULL);
    }
    pqcha_key_free(key);
    free(name);
    return err == PQCHA_OK;
}

/* The log's key and the witnesses; 0 or an exit code. */
static int load_keys(struct log_ctx *c) {
    const struct log_options *o = c->o;
    c->log_key = cli_load_key(o->log_key, CLI_KEY_PUBLIC);
    if (c->log_key == NULL) return CLI_EXIT_USAGE;
    if (o->witness_count == 0) return 0;
    pqcha_err err = pqcha_note_verifier_create(&c->witnesses);
    if (err != PQCHA_OK) {
        cli_error(o->cmd, err, NULL);
        return CLI_EXIT_USAGE;
    }
    for (size_t i = 0; i < o->witness_count; i++)
        if (!add_witness(c, o->witness[i])) return CLI_EXIT_USAGE;
    c->min_witnesses = o->min_witnesses ? (size_t)o->min_witnesses : 1;
    return 0;
}

/* ---- verify-inclusion ---- */

struct inclusion {
    pqcha_tlog_receipt *proof;
    char *entry_file; /* ENTRY's bytes, or NULL (the receipt's entry) */
    size_t entry_file_len;
    const uint8_t *entry; /* the entry checked */
    size_t entry_len;
    char *checkpoint_file; /* --checkpoint's bytes, or NULL */
    const char *note;      /* the checkpoint checked */
    size_t note_len;
};

static void inclusion_free(struct inclusion *in) {
    pqcha_tlog_receipt_free(in->proof);
    free(in->entry_file);
    free(in->checkpoint_file);
}

static int read_proof_file(struct log_ctx *c, const char *path, struct inclusion *in) {
    char *text = NULL;
    size_t len = 0;
    int status = log_read(path, PQCHA_TLOG_FILE_MAX_LEN, &text, &len);
    if (status != 0) return status;
    pqcha_err err = pqcha_tlog_receipt_parse(&in->proof, text, len);
    free(text);
    if (err == PQCHA_OK) return 0;
    log_line(c, err, "proof", "%s is not a proof file (docs/FORMAT.md 9.9): %s", cli_escaped(path),
             pqcha_strerror(err));
    printf("MALFORMED: %s\n", cli_escaped(path));
    return CLI_EXIT_MALFORMED;
}

/* Which entry and which checkpoint: from the files given, else the proof's. */
static int pick_inputs(struct log_ctx *c, struct inclusion *in) {
    const struct log_options *o = c->o;
    size_t carried_len = 0, note_len = 0;
    const uint8_t *carried = pqcha_tlog_receipt_entry(in->proof, &carried_len);
    in->note = pqcha_tlog_receipt_checkpoint(in->proof, &note_len);
    in->note_len = note_len;
    in->entry = carried;
    in->entry_len = carried_len;
    if (o->receipt == NULL) {
        int status =
            log_read(o->args[0], PQCHA_TLOG_MAX_ENTRY_LEN, &in->entry_file, &in->entry_file_len);
        if (status != 0) return status;
        if (carried != NULL && (carried_len != in->entry_file_len ||
                                memcmp(carried, in->entry_file, carried_len) != 0)) {
            log_line(c, PQCHA_ERR_LOG_PROOF, "entry", "the proof file's entry is not %s",
                     cli_escaped(o->args[0]));
            printf("NOT INCLUDED: the proof is for another entry\n");
            return LOG_EXIT_FAILED;
        }
        in->entry = (const uint8_t *)in->entry_file;
        in->entry_len = in->entry_file_len;
    } else if (carried == NULL) {
        return cli_usage_error(o->cmd, "the receipt carries no entry: give ENTRY PROOF instead");
    }
    if (o->checkpoint != NULL) {
        int status =
            log_read(o->checkpoint, PQCHA_NOTE_MAX_LEN, &in->checkpoint_file, &in->note_len);
        if (status != 0) return status;
        in->note = in->checkpoint_file;
    } else if (in->note == NULL) {
        return cli_usage_error(o->cmd, "no checkpoint: give --checkpoint CP (the proof file "
                                       "carries none)");
    }
    return 0;
}

static void print_entry(const pqcha_tlog_entry_fields *f, uint64_t index) {
    char when[PQCHA_TIMESTAMP_LEN + 1], envelope[2 * PQCHA_TLOG_HASH_LEN + 1],
        policy[2 * PQCHA_TLOG_HASH_LEN + 1];
    if (pqcha_time_format(when, f->received_at) != PQCHA_OK) when[0] = '\0';
    pqcha_hex_encode(envelope, f->envelope_sha256, PQCHA_TLOG_HASH_LEN);
    pqcha_hex_encode(policy, f->policy_sha256, PQCHA_TLOG_HASH_LEN);
    printf("entry %llu:\n", (unsigned long long)index);
    printf("  received:  %s\n  workload:  %s\n", when, cli_escaped(f->workload));
    printf("  report:    %s\n", *f->report_id ? cli_escaped(f->report_id) : "(no id)");
    printf("  envelope:  sha256:%s\n  signer:    %s\n", envelope,
           *f->signer ? f->signer : "(unknown)");
    printf("  verdict:   %s (%s)\n  policy:    sha256:%s\n", pqcha_verdict_name(f->verdict),
           pqcha_error_name(f->error), policy);
}

static int check_inclusion(struct log_ctx *c, const struct inclusion *in,
                           const pqcha_checkpoint *cp) {
    uint64_t index = pqcha_tlog_receipt_index(in->proof);
    uint64_t size = pqcha_tlog_receipt_tree_size(in->proof);
    if (size != pqcha_checkpoint_size(cp)) {
        log_line(c, PQCHA_ERR_LOG_PROOF, "inclusion",
                 "the proof is for a tree of %llu entries, the checkpoint's has %llu",
                 (unsigned long long)size, (unsigned long long)pqcha_checkpoint_size(cp));
        printf("NOT INCLUDED: the proof is for another tree (get a proof for this checkpoint)\n");
        return LOG_EXIT_FAILED;
    }
    uint8_t leaf[PQCHA_TLOG_HASH_LEN];
    size_t count = 0;
    const uint8_t *hashes = pqcha_tlog_receipt_proof(in->proof, &count);
    pqcha_err err = pqcha_tlog_leaf_hash(leaf, in->entry, in->entry_len);
    if (err == PQCHA_OK)
        err = pqcha_tlog_verify_inclusion(leaf, index, size, hashes, count,
                                          pqcha_checkpoint_root(cp));
    if (err == PQCHA_OK) {
        log_line(c, err, "inclusion", "entry %llu of %llu, %zu proof hashes lead to the root",
                 (unsigned long long)index, (unsigned long long)size, count);
        return 0;
    }
    log_line(c, err, "inclusion", "entry %llu of %llu: %s", (unsigned long long)index,
             (unsigned long long)size, pqcha_strerror(err));
    printf("NOT INCLUDED: %s\n",
           err == PQCHA_ERR_LOG_PROOF_SIZE
               ? "the proof has the wrong number of hashes for its index and tree size"
               : "the proof does not lead from this entry to the checkpoint's root");
    return log_exit_for(err) == CLI_EXIT_USAGE ? CLI_EXIT_USAGE : LOG_EXIT_FAILED;
}

static int show_entry(struct log_ctx *c, const struct inclusion *in) {
    pqcha_tlog_entry *e = NULL;
    pqcha_err err = pqcha_tlog_entry_parse(&e, (const char *)in->entry, in->entry_len);
    if (err != PQCHA_OK) {
        log_line(c, err, "entry", "included, but not a pqcha log entry (docs/FORMAT.md 9.8): %s",
                 pqcha_strerror(err));
        printf("MALFORMED: the entry is in the log but is not a well-formed entry\n");
        return CLI_EXIT_MALFORMED;
    }
    log_line(c, err, "entry", "a well-formed log entry");
    printf("INCLUDED\n");
    print_entry(pqcha_tlog_entry_get(e), pqcha_tlog_receipt_index(in->proof));
    pqcha_tlog_entry_free(e);
    return 0;
}

static int run_inclusion(struct log_ctx *c) {
    const struct log_options *o = c->o;
    if (o->receipt != NULL && o->arg_count != 0)
        return cli_usage_error(o->cmd, "give either ENTRY PROOF or --receipt RECEIPT, not both");
    if (o->receipt == NULL && o->arg_count != 2)
        return cli_usage_error(o->cmd, "expected ENTRY PROOF (or --receipt RECEIPT)");
    struct inclusion in;
    memset(&in, 0, sizeof in);
    pqcha_checkpoint *cp = NULL;
    int status = read_proof_file(c, o->receipt ? o->receipt : o->args[1], &in);
    if (status == 0) status = pick_inputs(c, &in);
    if (status == 0) status = log_open_checkpoint(c, "checkpoint", in.note, in.note_len, &cp);
    if (status == 0) status = check_inclusion(c, &in, cp);
    if (status == 0) status = show_entry(c, &in);
    pqcha_checkpoint_free(cp);
    inclusion_free(&in);
    return status;
}

/* ---- verify-consistency ---- */

/* The proof file, when given: its hashes must be for the checkpoints' sizes. */
static int load_consistency(struct log_ctx *c, const char *path, pqcha_tlog_consistency **out) {
    char *text = NULL;
    size_t len = 0;
    int status = log_read(path, PQCHA_TLOG_FILE_MAX_LEN, &text, &len);
    if (status != 0) return status;
    pqcha_err err = pqcha_tlog_consistency_parse(out, text, len);
    free(text);
    if (err == PQCHA_OK) return 0;
    log_line(c, err, "proof", "%s is not a consistency proof file (docs/FORMAT.md 9.10): %s",
             cli_escaped(path), pqcha_strerror(err));
    printf("MALFORMED: %s\n", cli_escaped(path));
    return CLI_EXIT_MALFORMED;
}

static const char *inconsistency(pqcha_err err) {
    switch (err) {
    case PQCHA_ERR_LOG_ROLLBACK:
        return "ROLLED BACK: the new checkpoint has fewer entries than the old one";
    case PQCHA_ERR_LOG_FORK: return "FORKED: two checkpoints of the same size with different roots";
    case PQCHA_ERR_LOG_ORIGIN: return "REJECTED: the checkpoints are of two different logs";
    case PQCHA_ERR_LOG_PROOF_SIZE:
        return "INCONSISTENT: the proof has the wrong number of hashes for the two sizes";
    default: return "INCONSISTENT: the proof does not lead to both roots";
    }
}

static int check_consistency(struct log_ctx *c, const pqcha_checkpoint *old_cp,
                             const pqcha_checkpoint *new_cp, const pqcha_tlog_consistency *proof) {
    uint64_t old_size = pqcha_checkpoint_size(old_cp), new_size = pqcha_checkpoint_size(new_cp);
    size_t count = 0;
    const uint8_t *hashes = pqcha_tlog_consistency_hashes(proof, &count);
    if (strcmp(pqcha_checkpoint_origin(old_cp), pqcha_checkpoint_origin(new_cp)) != 0) {
        log_line(c, PQCHA_ERR_LOG_ORIGIN, "consistency",
                 "the old checkpoint is of %s, the new of %s",
                 cli_escaped(pqcha_checkpoint_origin(old_cp)),
                 cli_escaped(pqcha_checkpoint_origin(new_cp)));
        printf("%s\n", inconsistency(PQCHA_ERR_LOG_ORIGIN));
        return CLI_EXIT_REJECTED;
    }
    if (proof != NULL && old_size <= new_size &&
        (pqcha_tlog_consistency_old_size(proof) != old_size ||
         pqcha_tlog_consistency_new_size(proof) != new_size)) {
        log_line(c, PQCHA_ERR_LOG_PROOF, "consistency",
                 "the proof is from %llu to %llu entries, the checkpoints are %llu and %llu",
                 (unsigned long long)pqcha_tlog_consistency_old_size(proof),
                 (unsigned long long)pqcha_tlog_consistency_new_size(proof),
                 (unsigned long long)old_size, (unsigned long long)new_size);
        printf("INCONSISTENT: the proof is for other tree sizes\n");
        return LOG_EXIT_FAILED;
    }
    if (proof == NULL && old_size < new_size)
        return cli_usage_error(c->o->cmd,
                               "the tree grew from %llu to %llu entries: a PROOF is needed",
                               (unsigned long long)old_size, (unsigned long long)new_size);
    pqcha_err err = pqcha_checkpoint_verify_consistency(old_cp, new_cp, hashes, count);
    if (err == PQCHA_OK) {
        log_line(c, err, "consistency", "the tree of %llu entries extends the tree of %llu",
                 (unsigned long long)new_size, (unsigned long long)old_size);
        printf("CONSISTENT\n");
        return 0;
    }
    log_line(c, err, "consistency", "from %llu to %llu entries: %s", (unsigned long long)old_size,
             (unsigned long long)new_size, pqcha_strerror(err));
    printf("%s\n", inconsistency(err));
    return log_exit_for(err);
}

static int run_consistency(struct log_ctx *c) {
    const struct log_options *o = c->o;
    if (o->arg_count != 2 && o->arg_count != 3)
        return cli_usage_error(o->cmd, "expected OLD_CHECKPOINT NEW_CHECKPOINT [PROOF]");
    pqcha_checkpoint *old_cp = NULL, *new_cp = NULL;
    pqcha_tlog_consistency *proof = NULL;
    int status = o->arg_count == 3 ? load_consistency(c, o->args[2], &proof) : 0;
    if (status == 0) status = load_checkpoint(c, "old checkpoint", o->args[0], &old_cp);
    if (status == 0) status = load_checkpoint(c, "new checkpoint", o->args[1], &new_cp);
    if (status == 0) status = check_consistency(c, old_cp, new_cp, proof);
    pqcha_checkpoint_free(old_cp);
    pqcha_checkpoint_free(new_cp);
    pqcha_tlog_consistency_free(proof);
    return status;
}

/* ---- audit ---- */

static int run_audit(struct log_ctx *c) {
    if (c->o->arg_count != 1) return cli_usage_error(c->o->cmd, "expected one DIR (a mirror)");
    c->quiet = c->o->json;
    return log_audit(c);
}

/* ---- mirror ---- */

static int run_mirror(struct log_ctx *c) {
    if (c->o->url == NULL)
        return cli_usage_error(c->o->cmd, "--log URL is required (where the log is served)");
    if (c->o->arg_count != 1)
        return cli_usage_error(c->o->cmd, "expected one DIR (the mirror to make or update)");
    return log_mirror(c);
}

/* ---- the command ---- */

#define WITNESSES (TAKES(OPT_WITNESS) | TAKES(OPT_MIN_WITNESSES))
#define COMMON    (TAKES(OPT_LOG_KEY) | TAKES(OPT_ORIGIN))

static const struct subcommand subcommands[] = {
    {"verify-inclusion", inclusion_help,
     COMMON | WITNESSES | TAKES(OPT_CHECKPOINT) | TAKES(OPT_RECEIPT), run_inclusion},
    {"verify-consistency", consistency_help, COMMON, run_consistency},
    {"audit", audit_help,
     COMMON | WITNESSES | TAKES(OPT_CHECKPOINT) | TAKES(OPT_POLICY) | TAKES(OPT_TRUST) |
         TAKES(OPT_JSON),
     run_audit},
    {"mirror", mirror_help, COMMON | WITNESSES | TAKES(OPT_LOG_URL) | TAKES(OPT_CA_FILE),
     run_mirror},
};

static int run_subcommand(const struct subcommand *sub, int argc, char **argv) {
    static char name[64], program[80];
    snprintf(name, sizeof name, "log %s", sub->name);
    snprintf(program, sizeof program, "pqcha %s", name);
    argv[0] = program; /* getopt names it in its messages */
    struct log_options o;
    memset(&o, 0, sizeof o);
    o.cmd = name;
    int status = parse_options(&o, sub, argc, argv);
    if (status >= 0) return status;
    struct log_ctx c;
    memset(&c, 0, sizeof c);
    c.o = &o;
    status = load_keys(&c);
    if (status == 0) status = sub->run(&c);
    pqcha_key_free(c.log_key);
    pqcha_note_verifier_free(c.witnesses);
    return status;
}

int cli_log_main(int argc, char **argv) {
    if (argc < 2) {
        fputs(log_help, stderr);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(log_help, stdout);
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        if (strcmp(argv[1], subcommands[i].name) == 0)
            return run_subcommand(&subcommands[i], argc - 1, argv + 1);
    return cli_usage_error("log",
                           "unknown command '%s' (verify-inclusion, "
                           "verify-consistency, audit, mirror)",
                           cli_escaped(argv[1]));
}
