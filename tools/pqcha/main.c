/* main.c — the pqcha command: a table of subcommands, nothing else.
 * Each subcommand lives in its own file and parses its own options. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct subcommand subcommands[] = {
    {"keygen", cli_keygen_main, "Generate an ML-DSA key pair (private key 0600)"},
    {"pubkey", cli_pubkey_main, "Print the public key or the key id of a key file"},
    {"hash", cli_hash_main, "Print or check SHA3-256 digests of files (sha256sum style)"},
    {"attest", cli_attest_main,
     "Measure a workload's regions (files, live process memory) and sign one report"},
    {"verify", cli_verify_main, "Verify a report: trust, signature, freshness, policy"},
    {"inspect", cli_inspect_main, "Show a report's contents WITHOUT verifying it"},
    {"watch", cli_watch_main, "Attest repeatedly, one JSON report per line"},
    {"policy", cli_policy_main, "Write a verifier policy from reference files"},
    {"manifest", cli_manifest_main, "List model files' digests and tensor tables"},
    {"evidence", cli_evidence_main,
     "Get, show or verify AMD SEV-SNP / Intel TDX hardware evidence"},
    {"serve", cli_serve_main, "Run the verifier service: challenges, reports, history (HTTP)"},
    {"agent", cli_agent_main, "Attest on a schedule and deliver reports to a verifier service"},
    {"log", cli_log_main, "Check a transparency log offline: inclusion, consistency, audit"},
    {"witness", cli_witness_main, "Cosign a transparency log's checkpoints once proved consistent"},
};

#define SUBCOMMAND_COUNT (sizeof subcommands / sizeof subcommands[0])

static const struct subcommand *find_subcommand(const char *name) {
    size_t i;
    for (i = 0; i < SUBCOMMAND_COUNT; i++)
        if (strcmp(subcommands[i].name, name) == 0) return &subcommands[i];
    return NULL;
}

static void print_usage(FILE *out) {
    size_t i;
    fputs("Usage: pqcha <command> [options]\n"
          "\n"
          "Post-quantum (ML-DSA) signed runtime memory attestation.\n"
          "\n"
          "Commands:\n",
          out);
    for (i = 0; i < SUBCOMMAND_COUNT; i++)
        fprintf(out, "  %-8s %s\n", subcommands[i].name, subcommands[i].summary);
    fputs("\n"
          "Options:\n"
          "  -h, --help     show this help\n"
          "  -V, --version  show the pqcha and OpenSSL versions\n"
          "\n"
          "Run 'pqcha help <command>' or 'pqcha <command> --help' for a command's options.\n"
          "\n"
          "Exit codes: 0 success or valid report, 1 drift (or hash mismatch),\n"
          "2 rejected report, 3 malformed report, 4 usage or I/O error.\n",
          out);
}

static int print_version(void) {
    printf("pqcha %s\n", pqcha_version());
    printf("%s\n", pqcha_crypto_version());
    return CLI_EXIT_OK;
}

/* "pqcha help [COMMAND]": a command's help is its own --help. */
static int run_help(int argc, char **argv) {
    static char help_flag[] = "--help";
    const struct subcommand *cmd;
    char *help_argv[3];

    if (argc < 2) {
        print_usage(stdout);
        return CLI_EXIT_OK;
    }
    cmd = find_subcommand(argv[1]);
    if (cmd == NULL) {
        fprintf(stderr, "pqcha: unknown command '%s'\nTry 'pqcha --help'.\n", cli_escaped(argv[1]));
        return CLI_EXIT_USAGE;
    }
    help_argv[0] = argv[1];
    help_argv[1] = help_flag;
    help_argv[2] = NULL;
    return cmd->run(2, help_argv);
}

static int dispatch(int argc, char **argv) {
    static char program_name[64];
    const struct subcommand *cmd;

    if (argc < 2) {
        print_usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        print_usage(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0 ||
        strcmp(argv[1], "version") == 0)
        return print_version();
    if (strcmp(argv[1], "help") == 0) return run_help(argc - 1, argv + 1);

    cmd = find_subcommand(argv[1]);
    if (cmd == NULL) {
        fprintf(stderr, "pqcha: unknown command '%s'\nTry 'pqcha --help'.\n", cli_escaped(argv[1]));
        return CLI_EXIT_USAGE;
    }
    /* The subcommand sees "pqcha <name>" as argv[0]: getopt starts after it
     * and names it in its messages ("pqcha verify: unrecognized option"). */
    snprintf(program_name, sizeof program_name, "pqcha %s", cmd->name);
    argv[1] = program_name;
    return cmd->run(argc - 1, argv + 1);
}

int main(int argc, char **argv) {
    int status = dispatch(argc, argv);
    /* What went to standard output must have arrived: a full disk or a
     * closed pipe behind it is an error, whatever the command thought. */
    return cli_finish_stdout(status);
}
