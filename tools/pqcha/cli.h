/* cli.h — helpers shared by the pqcha subcommands: exit codes, error
 * messages, option values, bounded file reading, output, key loading,
 * progress display and a small JSON string builder.
 *
 * Only the CLI prints and exits; these helpers print diagnostics to stderr
 * and return, leaving the exit decision to the subcommand. */
#ifndef PQCHA_CLI_H
#define PQCHA_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pqcha.h"

/* Exit codes: the same for every subcommand (documented in pqcha(1)). */
enum cli_exit {
    CLI_EXIT_OK = 0,
    CLI_EXIT_DRIFT = 1,     /* verify: memory differs; hash --check: a mismatch */
    CLI_EXIT_REJECTED = 2,  /* verify: not authentic, not fresh, or against policy */
    CLI_EXIT_MALFORMED = 3, /* verify/inspect: not a well-formed report */
    CLI_EXIT_USAGE = 4      /* bad option, missing file, unreadable key, I/O error */
};

/* ---- subcommands ---- */
int cli_keygen_main(int argc, char **argv);
int cli_pubkey_main(int argc, char **argv);
int cli_hash_main(int argc, char **argv);
int cli_attest_main(int argc, char **argv);
int cli_verify_main(int argc, char **argv);
int cli_inspect_main(int argc, char **argv);
int cli_watch_main(int argc, char **argv);
int cli_policy_main(int argc, char **argv);
int cli_manifest_main(int argc, char **argv);
int cli_evidence_main(int argc, char **argv);
int cli_serve_main(int argc, char **argv);
int cli_agent_main(int argc, char **argv);
int cli_log_main(int argc, char **argv);
int cli_witness_main(int argc, char **argv);

/* ---- diagnostics ---- */
#if defined(__GNUC__)
#define CLI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CLI_PRINTF(f, a)
#endif

/* "pqcha: <what, escaped>: <pqcha_strerror(err)>" and, if hint is not NULL,
 * "pqcha: hint: <hint>" on the next line. */
void cli_error(const char *what, pqcha_err err, const char *hint);
/* The hint for PQCHA_ERR_PERMISSION on a file (cli_hint_for's is about
 * reading another process's memory). */
extern const char cli_file_permission_hint[];
/* Prints text that came from untrusted input (a report, policy, manifest,
 * model file or another process): control characters, DEL, C1, bidirectional
 * overrides and bytes that are not UTF-8 are shown as \xNN or \uNNNN, and a
 * backslash as two, so nothing it holds can forge lines or move the cursor. */
void cli_print_escaped(FILE *out, const char *text);
/* The same escaping into a static buffer, for a "%s" in a message: up to
 * 1 KiB, cut at a whole character with "..." after. Four buffers rotate, so
 * one message may hold four such strings. Single-threaded callers only. */
const char *cli_escaped(const char *text);
/* Reads and parses a manifest file; NULL after printing why. */
pqcha_manifest *cli_load_manifest(const char *path);
/* Reads and parses a policy file; NULL after printing why. */
pqcha_policy *cli_load_policy(const char *path);
/* "pqcha: <message>" */
void cli_errorf(const char *fmt, ...) CLI_PRINTF(1, 2);
/* "pqcha: warning: <message>" */
void cli_warnf(const char *fmt, ...) CLI_PRINTF(1, 2);
/* "pqcha <cmd>: <message>" then "Try 'pqcha <cmd> --help'."; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) CLI_PRINTF(2, 3);
/* Checks an id given on the command line (what: "--workload", "--region:
 * region id"); on failure prints a usage error with the value escaped and
 * the rule, and returns 0. */
int cli_option_identifier(const char *cmd, const char *what, const char *value);
/* After getopt has printed its own complaint: "Try 'pqcha <cmd> --help'."; returns CLI_EXIT_USAGE. */
int cli_try_help(const char *cmd);
/* The remedy worth suggesting for an error, or NULL. */
const char *cli_hint_for(pqcha_err err);

/* ---- option values ---- */
/* Decimal or 0x-prefixed hex, no sign, no trailing text, no overflow. */
int cli_parse_u64(const char *text, uint64_t *out);
/* Like cli_parse_u64 with an inclusive upper bound; prints a usage error
 * naming the option on failure and returns 0. */
int cli_option_u64(const char *cmd, const char *option, const char *text, uint64_t max,
                   uint64_t *out);
/* "SECONDS" with an optional decimal fraction ("10", "0.5") -> milliseconds. */
int cli_parse_seconds_ms(const char *text, int64_t *out_ms);
/* RFC 3339 "--now"; prints a usage error on failure and returns 0. */
int cli_option_time(const char *cmd, const char *text, int64_t *out);
/* "--digest ALG" (sha3-256-tree, sha3-256, k12); usage error and 0 on failure. */
int cli_option_digest(const char *cmd, const char *option, const char *text, pqcha_digest_alg *out);
/* "--threads N", 0..4 x online CPUs (0 = all online CPUs); usage error and 0 on failure. */
int cli_option_threads(const char *cmd, const char *text, unsigned *out);

/* Help lines for the hashing options shared by attest, watch and policy. */
#define CLI_DIGEST_OPTIONS_HELP                                                                 \
    "      --digest ALG          region digest: sha3-256-tree (default; plain SHA3-256 up to\n" \
    "                            64 KiB, a parallel Merkle tree above), sha3-256 (one\n"        \
    "                            stream), k12 (KangarooTwelve, fastest)\n"                      \
    "      --threads N           threads for hashing large regions (default: all CPUs)\n"

/* ---- files ---- */
/* Reads a whole file of at most cap bytes ("-" reads stdin) into a
 * NUL-terminated buffer (free with free()). Errors: PQCHA_ERR_NOT_FOUND,
 * PQCHA_ERR_IO, PQCHA_ERR_TOO_LARGE, PQCHA_ERR_NO_MEMORY. */
pqcha_err cli_read_file(const char *path, size_t cap, char **out, size_t *out_len);
/* The length of text without trailing spaces, tabs, CRs and LFs. JSON allows
 * whitespace after the value, and reports saved as text lines (as attest and
 * watch write them) end with a newline. */
size_t cli_trim_trailing_space(const char *text, size_t len);
/* Writes data to path (replacing it; mode from umask) or to stdout when path
 * is NULL or "-". Returns 1 on success, 0 after printing the error. */
int cli_write_output(const char *path, const char *data, size_t len);
/* 1 if path names an existing file (or symlink), else 0. */
int cli_path_exists(const char *path);
/* The pqcha_err for a failed system call, as the library maps errno. */
pqcha_err cli_error_from_errno(int e);
/* Flushes and closes standard output; a failure (a full disk, EIO, a closed
 * pipe) is reported and turns status into CLI_EXIT_USAGE. */
int cli_finish_stdout(int status);

/* ---- keys ---- */
/* Loads a PEM key. CLI_KEY_PRIVATE (signing): a public key, or a private key
 * file readable by group or others, is refused; CLI_KEY_PUBLIC (trust): a
 * private key is refused; CLI_KEY_ANY: either, with a warning for a loose
 * private key file. Prints errors; returns NULL on failure. */
enum { CLI_KEY_ANY = 0, CLI_KEY_PRIVATE = 1, CLI_KEY_PUBLIC = 2 };
pqcha_key *cli_load_key(const char *path, int want);

/* ---- progress on stderr (only when stderr is a terminal) ---- */
#define CLI_PROGRESS_MIN_BYTES (64ull * 1024 * 1024)
struct cli_progress {
    const char *label;
    uint64_t total;
    uint64_t done;
    int64_t start_ns;
    int64_t last_draw_ns;
    int active;
};
/* Becomes active only for inputs of at least CLI_PROGRESS_MIN_BYTES. */
void cli_progress_begin(struct cli_progress *p, const char *label, uint64_t total);
void cli_progress_advance(struct cli_progress *p, uint64_t bytes);
/* Clears the line it drew, if any. */
void cli_progress_end(struct cli_progress *p);
int64_t cli_monotonic_ns(void);

/* ---- a growing string, for JSON written by hand ---- */
struct cli_buf {
    char *data;
    size_t len;
    size_t cap;
    int failed; /* an allocation failed: the content is incomplete */
};
void cli_buf_append(struct cli_buf *b, const char *text);
void cli_buf_append_n(struct cli_buf *b, const char *text, size_t len);
void cli_buf_appendf(struct cli_buf *b, const char *fmt, ...) CLI_PRINTF(2, 3);
/* Appends text as a quoted JSON string (RFC 8259 escaping). */
void cli_buf_append_json_string(struct cli_buf *b, const char *text);
void cli_buf_free(struct cli_buf *b);

/* ---- region specifications: ID=FILE[@OFFSET+LENGTH] ---- */
struct cli_region_spec {
    char *id;   /* owned */
    char *path; /* owned */
    uint64_t offset;
    uint64_t length; /* 0 = to the end of the file */
};
/* Parses one --region value; prints a usage error for cmd and returns 0 on failure. */
int cli_region_spec_parse(const char *cmd, const char *text, struct cli_region_spec *out);
void cli_region_spec_clear(struct cli_region_spec *spec);

/* The --region options of a command, in order. */
struct cli_region_list {
    struct cli_region_spec *items;
    size_t count, cap;
};
/* Parses and appends one --region; 0 after a usage error. */
int cli_region_list_add(struct cli_region_list *l, const char *cmd, const char *arg);
/* Every id once (sorted, so 50,000 regions cost n log n); 0 after an error
 * naming the repeated id. */
int cli_region_list_check_unique(const struct cli_region_list *l, const char *cmd);
void cli_region_list_free(struct cli_region_list *l);

#endif
