/* evidence_get.c — "pqcha evidence get": hardware evidence from this
 * machine's TEE (pqcha/tee.h: configfs-tsm, then /dev/sev-guest), carrying
 * the REPORT_DATA the user gives or 64 random bytes, written atomically. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cli.h"
#include "evidence_get.h"

#define GET_CMD "evidence get"

static const char get_help[] =
    "Usage: pqcha evidence get -o FILE [--platform auto|amd-sev-snp|intel-tdx]\n"
    "                          [--report-data HEX] [--tsm-root DIR] [--device PATH]\n"
    "                          [--privlevel N] [--certs-out FILE]\n"
    "\n"
    "Inside a confidential VM: gets hardware evidence from this machine's TEE, an\n"
    "AMD SEV-SNP attestation report or an Intel TDX quote carrying 64 bytes of\n"
    "REPORT_DATA, and writes it to FILE as the TEE gave it (read it with 'pqcha\n"
    "evidence show' and 'verify'). Looks, in order, for configfs-tsm\n"
    "(/sys/kernel/config/tsm/report, Linux 6.7 or later: SEV-SNP and TDX) and\n"
    "/dev/sev-guest (SEV-SNP). A TDX quote needs configfs-tsm: /dev/tdx_guest gives\n"
    "only a TDREPORT, which no remote verifier can check. Usually needs root.\n"
    "\n"
    "Options:\n"
    "      --platform NAME      auto (default: whichever is found), amd-sev-snp or\n"
    "                           intel-tdx\n"
    "      --report-data HEX    the REPORT_DATA, 128 lowercase hex characters\n"
    "                           (default: 64 random bytes, printed on stderr)\n"
    "      --tsm-root DIR       the configfs-tsm report directory\n"
    "                           (default /sys/kernel/config/tsm/report)\n"
    "      --device PATH        the SEV-SNP guest device tried after configfs-tsm\n"
    "                           (default /dev/sev-guest)\n"
    "      --privlevel N        the privilege level (SEV-SNP VMPL) the report is\n"
    "                           for, 0-3 (default 0); not below the platform's\n"
    "                           privlevel_floor\n"
    "  -o, --output FILE        write the evidence to FILE (required; '-' for\n"
    "                           standard output); a file is replaced atomically\n"
    "      --certs-out FILE     SEV-SNP: also write the certificate table the host\n"
    "                           supplied (VCEK, ASK, ARK; AMD's GUID table format),\n"
    "                           if it supplied one: 'evidence verify --cert-table'\n"
    "  -h, --help               show this help\n"
    "\n"
    "Exit codes: 0 written; 2 no TEE found (one line names the interfaces looked\n"
    "for); 4 bad option, permission denied, a TEE that stayed busy or refused the\n"
    "request, or an I/O error.\n";

enum {
    GET_OPT_PLATFORM = 256,
    GET_OPT_REPORT_DATA,
    GET_OPT_TSM_ROOT,
    GET_OPT_DEVICE,
    GET_OPT_PRIVLEVEL,
    GET_OPT_CERTS_OUT
};

struct get_options {
    const char *platform, *report_data, *tsm_root, *device, *output, *certs_out;
    int have_privlevel;
    uint64_t privlevel;
};

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* Exactly 128 lowercase hex characters, as 'evidence verify --report-data'
 * takes them. */
static int parse_report_data(const char *hex, uint8_t out[PQCHA_TEE_REPORT_DATA_LEN]) {
    if (strlen(hex) != 2 * PQCHA_TEE_REPORT_DATA_LEN) return 0;
    for (size_t i = 0; i < PQCHA_TEE_REPORT_DATA_LEN; i++) {
        int high = hex_value(hex[2 * i]), low = hex_value(hex[2 * i + 1]);
        if (high < 0 || low < 0) return 0;
        out[i] = (uint8_t)(high << 4 | low);
    }
    return 1;
}

/* The user's REPORT_DATA, or 64 random bytes. 0 after printing why. */
static int choose_report_data(const char *hex, uint8_t out[PQCHA_TEE_REPORT_DATA_LEN]) {
    if (hex != NULL) {
        if (parse_report_data(hex, out)) return 1;
        cli_usage_error(GET_CMD, "--report-data: expected 128 lowercase hex characters");
        return 0;
    }
    if (getrandom(out, PQCHA_TEE_REPORT_DATA_LEN, 0) != (ssize_t)PQCHA_TEE_REPORT_DATA_LEN) {
        cli_error("random REPORT_DATA", PQCHA_ERR_RNG, NULL);
        return 0;
    }
    return 1;
}

/* 1 if a setter took the option's value, else 0 after printing why. */
static int applied(pqcha_err err, const char *option, const char *value, const char *expected) {
    if (err == PQCHA_OK) return 1;
    if (err == PQCHA_ERR_INVALID_ARGUMENT)
        cli_usage_error(GET_CMD, "%s '%s': expected %s", option, cli_escaped(value), expected);
    else
        cli_error(option, err, NULL);
    return 0;
}

/* The source the options describe; NULL after printing why. */
static pqcha_evidence_source *make_source(const struct get_options *o) {
    static const char path_rule[] = "a path of 1-4096 bytes";
    pqcha_evidence_source *s = NULL;
    pqcha_err err = pqcha_evidence_source_create(&s);
    int ok;

    if (err != PQCHA_OK) {
        cli_error(GET_CMD, err, NULL);
        return NULL;
    }
    ok =
        o->platform == NULL || applied(pqcha_evidence_source_set_platform(s, o->platform),
                                       "--platform", o->platform, "auto, amd-sev-snp or intel-tdx");
    ok = ok && (o->tsm_root == NULL || applied(pqcha_evidence_source_set_tsm_root(s, o->tsm_root),
                                               "--tsm-root", o->tsm_root, path_rule));
    ok = ok && (o->device == NULL || applied(pqcha_evidence_source_set_device(s, o->device),
                                             "--device", o->device, path_rule));
    ok = ok && (!o->have_privlevel ||
                applied(pqcha_evidence_source_set_privlevel(s, (unsigned)o->privlevel),
                        "--privlevel", "", "0-3"));
    if (ok) return s;
    pqcha_evidence_source_free(s);
    return NULL;
}

/* What went wrong getting the evidence, and the exit code for it. */
static int report_get_error(const pqcha_evidence_source *s, pqcha_err err) {
    switch (err) {
    case PQCHA_ERR_DEVICE_NOT_PRESENT:
        /* The one line a user on an ordinary machine sees; exit 2 tells it
         * apart from a TEE that is there and failed (4). */
        cli_errorf("no TEE found: looked for %s", cli_escaped(pqcha_evidence_source_describe(s)));
        return CLI_EXIT_REJECTED;
    case PQCHA_ERR_PERMISSION:
        cli_error(GET_CMD, err, "the TEE's configfs directory and devices usually need root");
        return CLI_EXIT_USAGE;
    case PQCHA_ERR_OUT_OF_RANGE:
        cli_error("--privlevel", err,
                  "the platform's privlevel_floor is higher (under an SVSM, VMPL 0 is the "
                  "SVSM's), or it has no privilege levels (TDX)");
        return CLI_EXIT_USAGE;
    case PQCHA_ERR_DEVICE_BUSY:
    case PQCHA_ERR_EVIDENCE_CHANGED:
        cli_error(GET_CMD, err, "another request was using the TEE; try again");
        return CLI_EXIT_USAGE;
    case PQCHA_ERR_IO:
        cli_error(GET_CMD, err,
                  "the TEE refused the request; the kernel log (dmesg) usually says why");
        return CLI_EXIT_USAGE;
    default: cli_error(GET_CMD, err, NULL); return CLI_EXIT_USAGE;
    }
}

/* Writes the evidence and, if asked, its certificates; 0 after printing why. */
static int write_evidence(const pqcha_raw_evidence *e, const struct get_options *o,
                          const uint8_t report_data[PQCHA_TEE_REPORT_DATA_LEN]) {
    size_t len = 0, certs_len = 0;
    const uint8_t *bytes = pqcha_raw_evidence_bytes(e, &len);
    const uint8_t *certs = pqcha_raw_evidence_certs(e, &certs_len);

    if (!cli_write_output(o->output, (const char *)bytes, len)) return 0;
    cli_errorf("got %zu bytes of %s evidence from %s", len, pqcha_raw_evidence_platform(e),
               cli_escaped(pqcha_raw_evidence_interface(e)));
    if (o->report_data == NULL) {
        /* The verifier needs them to check what the evidence carries. */
        char shown[2 * PQCHA_TEE_REPORT_DATA_LEN + 1];
        pqcha_hex_encode(shown, report_data, PQCHA_TEE_REPORT_DATA_LEN);
        cli_errorf("report data (random): %s", shown);
    }
    if (o->certs_out == NULL) return 1;
    if (certs == NULL) {
        cli_warnf("no certificate table came with the evidence: %s not written (get the VCEK "
                  "from AMD's KDS)",
                  cli_escaped(o->certs_out));
        return 1;
    }
    if (!cli_write_output(o->certs_out, (const char *)certs, certs_len)) return 0;
    cli_errorf("got a certificate table of %zu bytes", certs_len);
    return 1;
}

static int parse_option(struct get_options *o, int opt, const char *arg) {
    switch (opt) {
    case GET_OPT_PLATFORM: o->platform = arg; return 1;
    case GET_OPT_REPORT_DATA: o->report_data = arg; return 1;
    case GET_OPT_TSM_ROOT: o->tsm_root = arg; return 1;
    case GET_OPT_DEVICE: o->device = arg; return 1;
    case GET_OPT_PRIVLEVEL:
        o->have_privlevel = 1;
        return cli_option_u64(GET_CMD, "--privlevel", arg, 3, &o->privlevel);
    case 'o': o->output = arg; return 1;
    case GET_OPT_CERTS_OUT: o->certs_out = arg; return 1;
    default: cli_try_help(GET_CMD); return 0;
    }
}

static int run_get(const struct get_options *o) {
    uint8_t report_data[PQCHA_TEE_REPORT_DATA_LEN];
    pqcha_raw_evidence *e = NULL;

    pqcha_evidence_source *s = make_source(o);
    if (s == NULL) return CLI_EXIT_USAGE;
    if (!choose_report_data(o->report_data, report_data)) {
        pqcha_evidence_source_free(s);
        return CLI_EXIT_USAGE;
    }
    pqcha_err err = pqcha_evidence_source_get(s, report_data, &e);
    int status = err == PQCHA_OK ? CLI_EXIT_OK : report_get_error(s, err);
    pqcha_evidence_source_free(s);
    if (status == CLI_EXIT_OK && !write_evidence(e, o, report_data)) status = CLI_EXIT_USAGE;
    pqcha_raw_evidence_free(e);
    return status;
}

int cli_evidence_get_main(int argc, char **argv) {
    static const struct option options[] = {
        {"platform", required_argument, NULL, GET_OPT_PLATFORM},
        {"report-data", required_argument, NULL, GET_OPT_REPORT_DATA},
        {"tsm-root", required_argument, NULL, GET_OPT_TSM_ROOT},
        {"device", required_argument, NULL, GET_OPT_DEVICE},
        {"privlevel", required_argument, NULL, GET_OPT_PRIVLEVEL},
        {"output", required_argument, NULL, 'o'},
        {"certs-out", required_argument, NULL, GET_OPT_CERTS_OUT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static char program_name[] = "pqcha " GET_CMD; /* getopt names it in its messages */
    struct get_options o;
    int opt;

    memset(&o, 0, sizeof o);
    argv[0] = program_name;
    while ((opt = getopt_long(argc, argv, "ho:", options, NULL)) != -1) {
        if (opt == 'h') {
            fputs(get_help, stdout);
            return CLI_EXIT_OK;
        }
        if (!parse_option(&o, opt, optarg)) return CLI_EXIT_USAGE;
    }
    if (optind != argc)
        return cli_usage_error(GET_CMD, "unexpected argument '%s'", cli_escaped(argv[optind]));
    if (o.output == NULL) return cli_usage_error(GET_CMD, "-o FILE is required");
    if (o.certs_out != NULL && strcmp(o.certs_out, "-") == 0 && strcmp(o.output, "-") == 0)
        return cli_usage_error(GET_CMD, "-o and --certs-out cannot both be standard output");
    return run_get(&o);
}
