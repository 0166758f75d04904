/* log.h — what the "pqcha log" subcommands share (log.c): their options,
 * the log's key and witnesses, exit codes, check lines and the opening of
 * a signed checkpoint; the audit of a mirror is log_audit.c's. */
#ifndef PQCHA_CLI_LOG_H
#define PQCHA_CLI_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"

#define LOG_MAX_LIST 64 /* --witness, --policy, --trust */

/* A log's own data contradicts it (a proof, a tile, a fork, a rollback):
 * exit 1, as verify's drift. */
#define LOG_EXIT_FAILED CLI_EXIT_DRIFT

struct log_options {
    const char *cmd; /* "log verify-inclusion", for messages */
    const char *log_key, *origin, *checkpoint, *receipt;
    const char *url, *ca_file; /* mirror: the log's URL, a CA bundle for HTTPS */
    const char *witness[LOG_MAX_LIST];
    size_t witness_count;
    uint64_t min_witnesses; /* 0: not given */
    const char *policy[LOG_MAX_LIST];
    size_t policy_count;
    const char *trust[LOG_MAX_LIST];
    size_t trust_count;
    int json;
    char **args; /* the operands */
    int arg_count;
};

struct log_ctx {
    const struct log_options *o;
    pqcha_key *log_key;
    pqcha_note_verifier *witnesses; /* NULL: no cosignature required */
    size_t min_witnesses;
    int quiet; /* --json: no check lines on stdout */
};

/* The exit code for an error met checking a log: 1 the log's data
 * contradicts itself, 2 not the log's (key, origin, witnesses), 3 malformed,
 * 4 anything else (I/O, memory). */
int log_exit_for(pqcha_err err);

/* "  PASS  check: detail" or "  FAIL  check: detail (ERROR_NAME)"; detail
 * is printf-formatted (escape what came from input with cli_escaped).
 * Nothing when c->quiet. */
void log_line(const struct log_ctx *c, pqcha_err err, const char *check, const char *fmt, ...)
    CLI_PRINTF(4, 5);

/* Reads a file of at most cap bytes; 0, or the exit code after printing why
 * (3 too large, 4 otherwise). */
int log_read(const char *path, size_t cap, char **out, size_t *len);

/* Opens a signed checkpoint with the log's key (and --origin), then checks
 * the required witness cosignatures; prints its check lines. label names
 * it ("checkpoint", "old checkpoint"). 0, or an exit code. */
int log_open_checkpoint(const struct log_ctx *c, const char *label, const char *note, size_t len,
                        pqcha_checkpoint **out);

/* "pqcha log audit DIR" (log_audit.c). */
int log_audit(const struct log_ctx *c);

/* "pqcha log mirror --log URL DIR" (log_mirror.c). */
int log_mirror(const struct log_ctx *c);

/* A log's URL as its clients take it (pqcha witness --log, log mirror
 * --log): a bare http[s]://HOST[:PORT] is pqcha serve's, under /v1/log;
 * with a path, the log's files are right below it (a static mirror).
 * malloc'd; NULL without memory. */
char *log_url_prefix(const char *url);

#endif
