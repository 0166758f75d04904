/* attest.c — "pqcha attest": measure regions once and write a signed report. */
#include <string.h>

#include "attester_setup.h"

#define ATTEST_CMD "attest"

static const char attest_help[] =
    "Usage: pqcha attest --key KEY.pem --workload ID --region ID=FILE[@OFFSET+LENGTH]...\n"
    "                    [--nonce HEX] [--ttl SECONDS] [--sequence N] [--expect ID=HEX]...\n"
    "                    [--now RFC3339] [--backend NAME] [-o REPORT.json]\n"
    "       pqcha attest --key KEY.pem --workload ID --pid PID\n"
    "                    [--map [ID=]GLOB]... [--range [ID=]ADDR+LEN]... [--readonly-files]\n"
    "                    [options]\n"
    "\n"
    "Measures every region of the workload (sha3-256-tree by default, tensor by\n"
    "tensor for a mapped model file) and writes one report: a DSSE\n"
    "envelope signed with ML-DSA (docs/FORMAT.md). Give the verifier's challenge\n"
    "with --nonce so that it can tell the report is fresh. With --pid the regions\n"
    "are read from the memory of a running process (e.g. the weights an inference\n"
    "server holds), so the report shows what it runs, not what lies on disk.\n"
    "\n"
    "Options:\n" ATTESTER_OPTIONS_HELP
    "  -o, --output PATH         write the report to PATH (default: stdout)\n"
    "  -h, --help                show this help\n"
    "\n"
    "Exit codes: 0 report written; 4 bad option, unreadable key or region file,\n"
    "platform device not present, no such process or no permission to read it,\n"
    "a mapping that changed while it was read, or I/O error.\n";

static int sign_and_write(struct attester_setup *s, const char *nonce, const char *output) {
    char *envelope = NULL;
    size_t envelope_len = 0;
    struct cli_buf line = {NULL, 0, 0, 0};
    int ok;
    pqcha_err err = pqcha_attester_attest(s->attester, nonce, &envelope, &envelope_len);

    if (err != PQCHA_OK) {
        attester_report_error(s, ATTEST_CMD, err);
        return CLI_EXIT_USAGE;
    }
    /* One report per line: a text file that verify and inspect read back. */
    cli_buf_append_n(&line, envelope, envelope_len);
    cli_buf_append(&line, "\n");
    pqcha_free(envelope);
    if (line.failed) {
        cli_buf_free(&line);
        cli_error(ATTEST_CMD, PQCHA_ERR_NO_MEMORY, NULL);
        return CLI_EXIT_USAGE;
    }
    ok = cli_write_output(output, line.data, line.len);
    cli_buf_free(&line);
    return ok ? CLI_EXIT_OK : CLI_EXIT_USAGE;
}

int cli_attest_main(int argc, char **argv) {
    static const struct option options[] = {
        ATTESTER_LONG_OPTIONS,
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct attester_options o;
    struct attester_setup s;
    const char *output = NULL;
    int opt, status;

    attester_options_init(&o);
    while ((opt = getopt_long(argc, argv, ATTESTER_SHORT_OPTIONS "o:h", options, NULL)) != -1) {
        int handled = attester_option(&o, ATTEST_CMD, opt, optarg);
        if (handled < 0) {
            attester_options_free(&o);
            return CLI_EXIT_USAGE;
        }
        if (handled) continue;
        if (opt == 'o') {
            output = optarg;
        } else if (opt == 'h') {
            fputs(attest_help, stdout);
            attester_options_free(&o);
            return CLI_EXIT_OK;
        } else {
            attester_options_free(&o);
            return cli_try_help(ATTEST_CMD);
        }
    }
    if (optind < argc) {
        attester_options_free(&o);
        return cli_usage_error(ATTEST_CMD, "unexpected argument '%s'", cli_escaped(argv[optind]));
    }
    status = attester_options_check(&o, ATTEST_CMD);
    if (status == CLI_EXIT_OK)
        status = attester_setup_build(&s, &o, ATTEST_CMD);
    else
        memset(&s, 0, sizeof s);
    if (status == CLI_EXIT_OK) status = sign_and_write(&s, o.nonce, output);
    attester_setup_free(&s);
    attester_options_free(&o);
    return status;
}
