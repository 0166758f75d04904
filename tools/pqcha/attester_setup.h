/* attester_setup.h — the options "pqcha attest" and "pqcha watch" share
 * (key, workload, regions, nonce, ttl, ...) and the objects built from them. */
#ifndef PQCHA_ATTESTER_SETUP_H
#define PQCHA_ATTESTER_SETUP_H

#include <getopt.h>

#include "cli.h"

/* getopt codes of the long-only options; the others use their short letter. */
enum {
    ATTESTER_OPT_NOW = 0x100,
    ATTESTER_OPT_TTL,
    ATTESTER_OPT_SEQUENCE,
    ATTESTER_OPT_EXPECT,
    ATTESTER_OPT_BACKEND,
    ATTESTER_OPT_DIGEST,
    ATTESTER_OPT_THREADS
};

#define ATTESTER_SHORT_OPTIONS "k:w:r:n:"
#define ATTESTER_LONG_OPTIONS                                                                     \
    {"key", required_argument, NULL, 'k'}, {"workload", required_argument, NULL, 'w'},            \
        {"region", required_argument, NULL, 'r'}, {"nonce", required_argument, NULL, 'n'},        \
        {"ttl", required_argument, NULL, ATTESTER_OPT_TTL},                                      \
        {"sequence", required_argument, NULL, ATTESTER_OPT_SEQUENCE},                            \
        {"expect", required_argument, NULL, ATTESTER_OPT_EXPECT},                                \
        {"now", required_argument, NULL, ATTESTER_OPT_NOW},                                      \
        {"backend", required_argument, NULL, ATTESTER_OPT_BACKEND},                              \
        {"digest", required_argument, NULL, ATTESTER_OPT_DIGEST},                                \
        {"threads", required_argument, NULL, ATTESTER_OPT_THREADS}

/* The help text for the shared options, for both commands' --help. */
#define ATTESTER_OPTIONS_HELP                                                                     \
    "  -k, --key KEY.pem         the ML-DSA private key that signs (required)\n"                \
    "  -w, --workload ID         the workload the regions belong to (required)\n"               \
    "  -r, --region ID=FILE[@OFFSET+LENGTH]\n"                                                  \
    "                            a region: a whole file, or LENGTH bytes from OFFSET\n"          \
    "                            (decimal or 0x hex; LENGTH 0 = to the end). Repeatable;\n"    \
    "                            at least one is required with the file backend\n"            \
    "  -n, --nonce HEX           the verifier's challenge, lowercase hex of 8-64 bytes\n"       \
    "                            (default: 16 random bytes)\n"                                \
    "      --ttl SECONDS         report lifetime, 1-604800 (default 300)\n"                     \
    "      --sequence N          sequence number of the (first) report (default 0)\n"         \
    "      --expect ID=HEX       record an expected SHA3-256 for region ID; informational\n"   \
    "                            only, verifiers never trust it. Repeatable\n"                \
    "      --now RFC3339         sign as of this UTC time instead of the clock\n"             \
    "      --backend NAME        where region bytes come from: file (default), in-memory,\n"   \
    "                            amd-sev-snp, intel-tdx\n" CLI_DIGEST_OPTIONS_HELP

struct attester_options {
    const char *key_path;
    const char *workload;
    const char *backend_name;
    const char *nonce;
    struct cli_region_spec *regions;
    size_t region_count;
    const char **expects; /* "ID=HEX" strings from argv */
    size_t expect_count;
    uint64_t ttl;
    uint64_t sequence;
    int64_t now;
    pqcha_digest_alg digest;
    unsigned threads;
    int have_ttl, have_sequence, have_now;
};

struct attester_setup {
    pqcha_key *key;
    pqcha_backend *backend;
    pqcha_attester *attester;
};

void attester_options_init(struct attester_options *o);
/* Handles one getopt result: 1 if consumed, 0 if not a shared option, -1
 * after printing a usage error. */
int attester_option(struct attester_options *o, const char *cmd, int opt, const char *arg);
/* Checks required options; returns CLI_EXIT_OK or CLI_EXIT_USAGE (printed). */
int attester_options_check(const struct attester_options *o, const char *cmd);
void attester_options_free(struct attester_options *o);

/* Loads the key, creates the backend, registers the regions, and configures
 * the attester. Returns CLI_EXIT_OK or CLI_EXIT_USAGE after printing why. */
int attester_setup_build(struct attester_setup *s, const struct attester_options *o,
                         const char *cmd);
void attester_setup_free(struct attester_setup *s);

#endif
