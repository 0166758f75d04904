/* inspect.c — "pqcha inspect": show what a report claims, WITHOUT verifying
 * it. Everything printed here is the attester's unchecked word; the banner
 * says so on both streams so it survives "2>/dev/null" and "| head". */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define INSPECT_CMD "inspect"

static const char inspect_help[] =
    "Usage: pqcha inspect REPORT.json\n"
    "\n"
    "Prints a report's signer key id, signature length, a summary of its claims\n"
    "and regions, and the pretty-printed payload ('-' reads stdin). NOTHING IS\n"
    "VERIFIED: the signature is not checked and anyone can forge this content.\n"
    "Use 'pqcha verify' to decide whether to trust a report.\n"
    "\n"
    "Options:\n"
    "  -h, --help   show this help\n"
    "\n"
    "Exit codes: 0 shown; 3 malformed report; 4 bad option, missing file or I/O error.\n";

static const char banner_line[] =
    "UNVERIFIED -- signature NOT checked; do not trust this content (use 'pqcha verify')";

static void print_banner(void) {
    fprintf(stderr,
            "pqcha: ******************************************************************\n"
            "pqcha: ***  %s\n"
            "pqcha: ******************************************************************\n",
            banner_line);
    printf("%s\n", banner_line);
}

static const char *algorithm_for_signature_length(size_t len) {
    static const pqcha_sig_alg algs[] = {PQCHA_ML_DSA_44, PQCHA_ML_DSA_65, PQCHA_ML_DSA_87};
    size_t i;
    for (i = 0; i < sizeof algs / sizeof algs[0]; i++)
        if (pqcha_sig_alg_signature_length(algs[i]) == len) return pqcha_sig_alg_name(algs[i]);
    return "unknown algorithm";
}

static void print_time(const char *label, int64_t t) {
    char text[PQCHA_TIMESTAMP_LEN + 1];
    if (pqcha_time_format(text, t) != PQCHA_OK) snprintf(text, sizeof text, "%" PRId64, t);
    printf("%-12s %s\n", label, text);
}

/* "label value\n" with the value escaped: it comes from an unverified report. */
static void print_field(const char *label, const char *value) {
    printf("%-12s ", label);
    cli_print_escaped(stdout, value);
    fputc('\n', stdout);
}

static void print_region_row(const pqcha_report *rep, size_t i) {
    const pqcha_region *r = pqcha_report_region(rep, i);
    const char *prot = pqcha_protection_name(pqcha_region_protection(r));
    const char *alg = pqcha_digest_alg_name(pqcha_report_region_digest_alg(rep, i));
    size_t id_len = strlen(pqcha_region_id(r));

    fputs("  ", stdout);
    cli_print_escaped(stdout, pqcha_region_id(r));
    printf("%*s 0x%-16" PRIx64 " %12" PRIu64 " %-4s %s:%s\n", id_len < 24 ? (int)(24 - id_len) : 0,
           "", pqcha_region_address(r), pqcha_region_size(r), prot ? prot : "?", alg ? alg : "?",
           pqcha_report_region_digest_hex(rep, i));
    if (pqcha_region_mapped_file(r) != NULL) {
        printf("    mapping of ");
        cli_print_escaped(stdout, pqcha_region_mapped_file(r));
        printf(" from file offset 0x%" PRIx64 "%s\n", pqcha_region_file_offset(r),
               pqcha_region_file_deleted(r) ? " (the file was deleted or replaced on disk)" : "");
    }
}

static void print_summary(const pqcha_report *rep) {
    const char *alg = pqcha_sig_alg_name(pqcha_report_signer_algorithm(rep));
    size_t i, n = pqcha_report_region_count(rep);

    print_field("report id:", pqcha_report_id(rep));
    print_field("workload:", pqcha_report_workload_id(rep));
    print_field("platform:", pqcha_report_platform(rep));
    printf("%-12s %s (%s)\n", "signer:", pqcha_report_signer_key_id(rep), alg ? alg : "?");
    printf("%-12s %s\n", "nonce:", pqcha_report_nonce(rep));
    printf("%-12s %" PRIu64 "\n", "sequence:", pqcha_report_sequence(rep));
    print_time("issued at:", pqcha_report_issued_at(rep));
    print_time("expires at:", pqcha_report_expires_at(rep));
    printf("\n%zu region%s (claimed, unverified):\n", n, n == 1 ? "" : "s");
    printf("  %-24s %-18s %12s %-4s %s\n", "ID", "ADDRESS", "SIZE", "PROT", "DIGEST");
    for (i = 0; i < n; i++)
        print_region_row(rep, i);
}

static int describe_envelope(const char *report, size_t len, const char *path) {
    char *payload = NULL, *key_id = NULL;
    size_t sig_len = 0;
    pqcha_report *rep = NULL;
    pqcha_err err = pqcha_envelope_describe(&payload, &key_id, &sig_len, report, len);

    if (err != PQCHA_OK) {
        cli_error(path, err, NULL);
        return pqcha_error_is_malformed(err) ? CLI_EXIT_MALFORMED : CLI_EXIT_USAGE;
    }
    printf("%-12s %s\n", "key id:", key_id);
    printf("%-12s %zu bytes (%s)\n", "signature:", sig_len,
           algorithm_for_signature_length(sig_len));
    err = pqcha_report_decode_unverified(&rep, report, len);
    if (err == PQCHA_OK) {
        print_summary(rep);
        pqcha_report_free(rep);
    } else {
        printf("\n(the payload is not a well-formed pqcha report: %s)\n", pqcha_strerror(err));
    }
    printf("\npayload:\n%s\n", payload);
    pqcha_free(payload);
    pqcha_free(key_id);
    if (err != PQCHA_OK) {
        cli_error(path, err, NULL);
        return pqcha_error_is_malformed(err) ? CLI_EXIT_MALFORMED : CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

int cli_inspect_main(int argc, char **argv) {
    static const struct option options[] = {
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    char *report = NULL;
    size_t len = 0;
    int opt, status;
    pqcha_err err;

    while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (opt != 'h') return cli_try_help(INSPECT_CMD);
        fputs(inspect_help, stdout);
        return CLI_EXIT_OK;
    }
    if (argc - optind != 1)
        return cli_usage_error(INSPECT_CMD, "expected exactly one REPORT.json ('-' for stdin)");

    err = cli_read_file(argv[optind], PQCHA_MAX_ENVELOPE_LEN, &report, &len);
    if (err != PQCHA_OK) {
        cli_error(argv[optind], err, cli_hint_for(err));
        return err == PQCHA_ERR_TOO_LARGE ? CLI_EXIT_MALFORMED : CLI_EXIT_USAGE;
    }
    len = cli_trim_trailing_space(report, len);
    print_banner();
    status = describe_envelope(report, len, argv[optind]);
    free(report);
    return status;
}
