/* evidence.c — "pqcha evidence": hardware evidence (AMD SEV-SNP reports,
 * Intel TDX quotes) shown field by field, or verified offline against pinned
 * vendor roots. Everything the evidence holds is untrusted and printed
 * escaped. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define EVIDENCE_CMD "evidence"
/* Certificates, chains and CRLs the verifier accepts are far smaller. */
#define EVIDENCE_CERT_FILE_MAX (1024u * 1024u)

static const char evidence_help[] =
    "Usage: pqcha evidence show FILE\n"
    "       pqcha evidence verify FILE --root ROOT... [--vcek CERT] [--chain CHAIN.pem]\n"
    "                             [--crl CRL] [--report-data HEX] [--now RFC3339] [--json]\n"
    "\n"
    "Hardware evidence: an AMD SEV-SNP attestation report (bare, 1184 bytes, or\n"
    "wrapped in an Azure HCL report or a /dev/sev-guest response) or an Intel TDX\n"
    "quote (version 4 or 5). The platform is told from the bytes ('-' reads stdin).\n"
    "\n"
    "  show     print every decoded field. NOTHING IS VERIFIED.\n"
    "  verify   verify the evidence offline: SEV-SNP: the AMD chain (ARK pinned by\n"
    "           --root, ASK or ASVK, VCEK or VLEK), an optional CRL, the certificate\n"
    "           matching the report, the report's signature; TDX: the quote's PCK\n"
    "           chain to a pinned root, the QE report, the quote's signature. No\n"
    "           measurement policy is applied yet and TDX collateral (TCB info, QE\n"
    "           identity, CRLs) is not appraised: success means genuine hardware\n"
    "           evidence, not the expected workload.\n"
    "\n"
    "Options of verify:\n"
    "      --root ROOT          a pinned root: PEM (one or more certificates) or DER;\n"
    "                           repeatable. Required for now: pqcha does not ship\n"
    "                           AMD's and Intel's roots yet (a later version will\n"
    "                           install them under share/ as the default)\n"
    "      --vcek CERT          SEV-SNP: the VCEK or VLEK that signed the report (DER\n"
    "                           or PEM); required for SEV-SNP\n"
    "      --chain CHAIN.pem    SEV-SNP: AMD's chain, the ASK (or ASVK) then the ARK;\n"
    "                           required for SEV-SNP\n"
    "      --crl CRL            SEV-SNP: a CRL of the ARK or ASK (DER or PEM)\n"
    "      --report-data HEX    the REPORT_DATA the evidence must carry (128 lowercase\n"
    "                           hex characters)\n"
    "      --now RFC3339        check certificate validity at this UTC time instead\n"
    "                           of the clock\n"
    "      --json               print the result as JSON instead of text\n"
    "  -h, --help               show this help\n"
    "\n"
    "Exit codes: 0 shown, or genuine; 2 rejected (chain, validity, revocation,\n"
    "signature or REPORT_DATA); 3 malformed evidence, certificate or CRL; 4 bad\n"
    "option, missing file or I/O error.\n";

enum {
    EV_OPT_ROOT = 256,
    EV_OPT_VCEK,
    EV_OPT_CHAIN,
    EV_OPT_CRL,
    EV_OPT_REPORT_DATA,
    EV_OPT_NOW,
    EV_OPT_JSON
};

struct evidence_options {
    const char *roots[16];
    size_t root_count;
    const char *vcek, *chain, *crl, *report_data;
    int have_now, json;
    int64_t now;
};

/* The exit code for a library error about the inputs (not the verdict). */
static int exit_for_error(pqcha_err err) {
    return pqcha_error_is_malformed(err) ? CLI_EXIT_MALFORMED : CLI_EXIT_USAGE;
}

/* Reads and parses the evidence file; NULL after printing why (*status). */
static pqcha_evidence *load_evidence(const char *path, int *status) {
    char *bytes = NULL;
    size_t len = 0;
    pqcha_evidence *e = NULL;
    pqcha_err err = cli_read_file(path, PQCHA_MAX_EVIDENCE_LEN, &bytes, &len);

    if (err != PQCHA_OK) {
        cli_error(path, err, cli_hint_for(err));
        *status = err == PQCHA_ERR_TOO_LARGE ? CLI_EXIT_MALFORMED : CLI_EXIT_USAGE;
        return NULL;
    }
    err = pqcha_evidence_parse(&e, (const uint8_t *)bytes, len);
    free(bytes);
    if (err != PQCHA_OK) {
        cli_error(path, err, NULL);
        *status = exit_for_error(err);
    }
    return e;
}

static int evidence_show(const char *path) {
    int status = CLI_EXIT_USAGE;
    pqcha_evidence *e = load_evidence(path, &status);
    size_t i, n;

    if (e == NULL) return status;
    n = pqcha_evidence_field_count(e);
    printf("platform: %s (UNVERIFIED: use 'pqcha evidence verify')\n", pqcha_evidence_platform(e));
    for (i = 0; i < n; i++) {
        cli_print_escaped(stdout, pqcha_evidence_field_name(e, i));
        fputs(": ", stdout);
        cli_print_escaped(stdout, pqcha_evidence_field_value(e, i));
        fputc('\n', stdout);
    }
    pqcha_evidence_free(e);
    return CLI_EXIT_OK;
}

/* Reads path and hands it to set; 0 after printing why (*status). */
static int load_input(pqcha_evidence_verifier *v, const char *option, const char *path,
                      pqcha_err (*set)(pqcha_evidence_verifier *, const uint8_t *, size_t),
                      int *status) {
    char *bytes = NULL, what[4096];
    size_t len = 0;
    pqcha_err err = cli_read_file(path, EVIDENCE_CERT_FILE_MAX, &bytes, &len);

    if (err != PQCHA_OK) {
        cli_error(path, err, cli_hint_for(err));
        *status = CLI_EXIT_USAGE;
        return 0;
    }
    err = set(v, (const uint8_t *)bytes, len);
    free(bytes);
    if (err != PQCHA_OK) {
        snprintf(what, sizeof what, "%s %s", option, path); /* cli_error escapes it */
        cli_error(what, err, NULL);
        *status = exit_for_error(err);
        return 0;
    }
    return 1;
}

/* The verification inputs from the options; NULL after printing why. */
static pqcha_evidence_verifier *make_verifier(const struct evidence_options *o, int *status) {
    pqcha_evidence_verifier *v = NULL;
    pqcha_err err = pqcha_evidence_verifier_create(&v);
    int ok = err == PQCHA_OK;
    size_t i;

    *status = CLI_EXIT_USAGE;
    if (!ok) cli_error(EVIDENCE_CMD, err, NULL);
    for (i = 0; ok && i < o->root_count; i++)
        ok = load_input(v, "--root", o->roots[i], pqcha_evidence_verifier_add_roots, status);
    if (ok && o->chain)
        ok = load_input(v, "--chain", o->chain, pqcha_evidence_verifier_set_chain, status);
    if (ok && o->vcek)
        ok = load_input(v, "--vcek", o->vcek, pqcha_evidence_verifier_set_signing_cert, status);
    if (ok && o->crl) ok = load_input(v, "--crl", o->crl, pqcha_evidence_verifier_set_crl, status);
    if (ok && o->have_now && (err = pqcha_evidence_verifier_set_time(v, o->now)) != PQCHA_OK) {
        cli_error("--now", err, NULL);
        ok = 0;
    }
    if (ok && o->report_data &&
        (err = pqcha_evidence_verifier_expect_report_data(v, o->report_data)) != PQCHA_OK) {
        cli_usage_error(EVIDENCE_CMD, "--report-data: %s (128 lowercase hex characters)",
                        pqcha_strerror(err));
        ok = 0;
    }
    if (!ok) {
        pqcha_evidence_verifier_free(v);
        return NULL;
    }
    return v;
}

static void print_result_text(const pqcha_evidence_result *r) {
    size_t i, n = pqcha_evidence_result_check_count(r);

    printf("platform: %s\n", pqcha_evidence_result_platform(r));
    for (i = 0; i < n; i++) {
        pqcha_check_status s = pqcha_evidence_result_check_status(r, i);
        const char *expected = pqcha_evidence_result_check_expected(r, i);
        const char *found = pqcha_evidence_result_check_found(r, i);

        printf("  %s  ", s == PQCHA_CHECK_PASS ? "PASS" : s == PQCHA_CHECK_FAIL ? "FAIL" : "SKIP");
        cli_print_escaped(stdout, pqcha_evidence_result_check_name(r, i));
        if (s == PQCHA_CHECK_FAIL)
            printf(": %s", pqcha_strerror(pqcha_evidence_result_check_error(r, i)));
        fputc('\n', stdout);
        if (s != PQCHA_CHECK_FAIL) continue;
        if (*expected != '\0') {
            fputs("        expected: ", stdout);
            cli_print_escaped(stdout, expected);
            fputc('\n', stdout);
        }
        if (*found != '\0') {
            fputs("        found:    ", stdout);
            cli_print_escaped(stdout, found);
            fputc('\n', stdout);
        }
    }
    switch (pqcha_evidence_result_verdict(r)) {
    case PQCHA_VERDICT_VALID:
        printf("GENUINE (signature chain verified; no measurement policy applied)\n");
        break;
    case PQCHA_VERDICT_MALFORMED:
        printf("MALFORMED: %s\n", pqcha_strerror(pqcha_evidence_result_error(r)));
        break;
    default: printf("REJECTED: %s\n", pqcha_strerror(pqcha_evidence_result_error(r))); break;
    }
}

static int exit_for_verdict(pqcha_verdict verdict) {
    switch (verdict) {
    case PQCHA_VERDICT_VALID: return CLI_EXIT_OK;
    case PQCHA_VERDICT_MALFORMED: return CLI_EXIT_MALFORMED;
    default: return CLI_EXIT_REJECTED;
    }
}

/* The inputs a platform needs, and none it would ignore or not check. */
static int check_platform_options(const struct evidence_options *o, const char *platform) {
    if (strcmp(platform, "amd-sev-snp") == 0) {
        if (o->vcek == NULL || o->chain == NULL)
            return cli_usage_error(EVIDENCE_CMD, "SEV-SNP evidence needs --vcek and --chain");
        return 0;
    }
    if (o->vcek != NULL || o->chain != NULL || o->crl != NULL)
        return cli_usage_error(EVIDENCE_CMD,
                               "--vcek, --chain and --crl are for SEV-SNP; a TDX quote carries "
                               "its own chain (CRLs for TDX are not supported yet)");
    return 0;
}

static int evidence_verify(const char *path, const struct evidence_options *o) {
    int status = CLI_EXIT_USAGE;
    pqcha_evidence *e;
    pqcha_evidence_verifier *v;
    pqcha_evidence_result *r = NULL;
    pqcha_err err;

    if (o->root_count == 0)
        return cli_usage_error(EVIDENCE_CMD,
                               "--root is required (pqcha does not ship vendor roots yet)");
    e = load_evidence(path, &status);
    if (e == NULL) return status;
    status = check_platform_options(o, pqcha_evidence_platform(e));
    v = status == 0 ? make_verifier(o, &status) : NULL;
    if (v == NULL) {
        pqcha_evidence_free(e);
        return status;
    }
    err = pqcha_evidence_verify(&r, v, e);
    pqcha_evidence_verifier_free(v);
    pqcha_evidence_free(e);
    if (r == NULL) {
        cli_error(EVIDENCE_CMD, err, NULL);
        return CLI_EXIT_USAGE;
    }
    status = exit_for_verdict(pqcha_evidence_result_verdict(r));
    if (o->json) {
        char *json = NULL;
        err = pqcha_evidence_result_to_json(&json, r);
        if (err != PQCHA_OK) {
            cli_error("--json", err, NULL);
            status = CLI_EXIT_USAGE;
        } else {
            printf("%s\n", json);
            pqcha_free(json);
        }
    } else {
        print_result_text(r);
    }
    pqcha_evidence_result_free(r);
    return status;
}

static int parse_option(struct evidence_options *o, int opt, const char *arg) {
    switch (opt) {
    case EV_OPT_ROOT:
        if (o->root_count == sizeof o->roots / sizeof o->roots[0]) {
            cli_usage_error(EVIDENCE_CMD, "at most 16 --root");
            return 0;
        }
        o->roots[o->root_count++] = arg;
        return 1;
    case EV_OPT_VCEK: o->vcek = arg; return 1;
    case EV_OPT_CHAIN: o->chain = arg; return 1;
    case EV_OPT_CRL: o->crl = arg; return 1;
    case EV_OPT_REPORT_DATA: o->report_data = arg; return 1;
    case EV_OPT_NOW: o->have_now = 1; return cli_option_time(EVIDENCE_CMD, arg, &o->now);
    case EV_OPT_JSON: o->json = 1; return 1;
    default: cli_try_help(EVIDENCE_CMD); return 0;
    }
}

int cli_evidence_main(int argc, char **argv) {
    static const struct option options[] = {
        {"root", required_argument, NULL, EV_OPT_ROOT},
        {"vcek", required_argument, NULL, EV_OPT_VCEK},
        {"chain", required_argument, NULL, EV_OPT_CHAIN},
        {"crl", required_argument, NULL, EV_OPT_CRL},
        {"report-data", required_argument, NULL, EV_OPT_REPORT_DATA},
        {"now", required_argument, NULL, EV_OPT_NOW},
        {"json", no_argument, NULL, EV_OPT_JSON},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct evidence_options o;
    const char *action;
    int opt;

    memset(&o, 0, sizeof o);
    while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (opt == 'h') {
            fputs(evidence_help, stdout);
            return CLI_EXIT_OK;
        }
        if (!parse_option(&o, opt, optarg)) return CLI_EXIT_USAGE;
    }
    if (argc - optind != 2)
        return cli_usage_error(EVIDENCE_CMD, "expected 'show FILE' or 'verify FILE'");
    action = argv[optind];
    if (strcmp(action, "show") == 0) {
        if (o.root_count || o.vcek || o.chain || o.crl || o.report_data || o.have_now || o.json)
            return cli_usage_error(EVIDENCE_CMD, "show takes no options");
        return evidence_show(argv[optind + 1]);
    }
    if (strcmp(action, "verify") == 0) return evidence_verify(argv[optind + 1], &o);
    return cli_usage_error(EVIDENCE_CMD, "unknown action '%s' (show, verify)", cli_escaped(action));
}
