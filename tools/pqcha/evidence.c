/* evidence.c — "pqcha evidence": hardware evidence (AMD SEV-SNP reports,
 * Intel TDX quotes) shown field by field, or verified offline against pinned
 * vendor roots. Everything the evidence holds is untrusted and printed
 * escaped. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "evidence_get.h"
#include "evidence_inputs.h"

#define EVIDENCE_CMD "evidence"

static const char evidence_help[] =
    "Usage: pqcha evidence show FILE\n"
    "       pqcha evidence verify FILE [--root ROOT... | --roots-dir DIR] [--vcek CERT]\n"
    "                             [--chain CHAIN.pem] [--cert-table FILE] [--crl CRL]\n"
    "                             [--collateral DIR] [--report-data HEX] [--now RFC3339]\n"
    "                             [--policy EVIDENCE-POLICY.json] [--json]\n"
    "       pqcha evidence get -o FILE [options]   (this machine's TEE; see its --help)\n"
    "\n"
    "Hardware evidence: an AMD SEV-SNP attestation report (bare, 1184 bytes, or\n"
    "wrapped in an Azure HCL report or a /dev/sev-guest response) or an Intel TDX\n"
    "quote (version 4 or 5). The platform is told from the bytes ('-' reads stdin).\n"
    "\n"
    "  show     print every decoded field. NOTHING IS VERIFIED.\n"
    "  verify   verify the evidence offline: SEV-SNP: the AMD chain (a pinned ARK,\n"
    "           ASK or ASVK, VCEK or VLEK), an optional CRL, the certificate\n"
    "           matching the report, the report's signature; TDX: the quote's PCK\n"
    "           chain to a pinned root, the QE report, the quote's signature, and\n"
    "           with --collateral Intel's CRLs, TCB info and QE identity and the\n"
    "           TCB status (UpToDate unless the policy accepts more). Without\n"
    "           --policy success means genuine hardware evidence, not the expected\n"
    "           workload: a debug VM passes (a warning says so).\n"
    "\n"
    "Options of verify:\n"
    "      --root ROOT          a pinned root: PEM (one or more certificates) or DER;\n"
    "                           repeatable. Without it, the vendor roots that ship\n"
    "                           with pqcha are pinned: the AMD ARK of the report's\n"
    "                           product (every AMD ARK while it is unknown), or the\n"
    "                           Intel SGX Root CA\n"
    "      --roots-dir DIR      where those shipped roots are (DIR/roots, DIR/chains);\n"
    "                           default: the build tree when pqcha runs from it, else\n"
    "                           share/pqcha of its install\n"
    "      --vcek CERT          SEV-SNP: the VCEK or VLEK that signed the report (DER\n"
    "                           or PEM); required unless --cert-table holds it\n"
    "      --chain CHAIN.pem    SEV-SNP: AMD's chain, the ASK (or ASVK) then the ARK;\n"
    "                           default: --cert-table's, else the chain of the\n"
    "                           report's product that ships with pqcha\n"
    "      --cert-table FILE    SEV-SNP: an extended report's certificate table\n"
    "                           (SNP_GET_EXT_REPORT, configfs-tsm auxblob): its VCEK\n"
    "                           or VLEK, ASK and ARK stand in for --vcek and --chain;\n"
    "                           its ARK must still be a pinned root\n"
    "      --crl CRL            SEV-SNP: a CRL of the ARK or ASK (DER or PEM)\n"
    "      --collateral DIR     TDX: Intel's collateral, by these names in DIR:\n"
    "                           tcb_info.json with tcb_info_issuer_chain.pem\n"
    "                           (required), qe_identity.json with\n"
    "                           qe_identity_issuer_chain.pem, pck_crl.der (and\n"
    "                           pck_crl_issuer_chain.pem), root_ca_crl.der; the\n"
    "                           optional ones may be missing (shown as SKIP)\n"
    "      --report-data HEX    the REPORT_DATA the evidence must carry (128 lowercase\n"
    "                           hex characters)\n"
    "      --now RFC3339        check certificate validity at this UTC time instead\n"
    "                           of the clock\n"
    "      --policy FILE        the requirements the evidence must meet (JSON,\n"
    "                           docs/FORMAT.md 6.1): measurement, host data, debug\n"
    "                           and migration agent off, VMPL, minimum TCB; MRTD,\n"
    "                           RTMRs, MROWNER, accepted TCB statuses\n"
    "      --json               print the result as JSON instead of text\n"
    "  -h, --help               show this help\n"
    "\n"
    "Exit codes: 0 shown, or genuine; 2 rejected (chain, validity, revocation,\n"
    "signature, REPORT_DATA or policy); 3 malformed evidence, certificate or CRL; 4 bad\n"
    "option, missing file or I/O error.\n";

enum {
    EV_OPT_ROOT = 256,
    EV_OPT_VCEK,
    EV_OPT_CHAIN,
    EV_OPT_CRL,
    EV_OPT_REPORT_DATA,
    EV_OPT_NOW,
    EV_OPT_JSON,
    EV_OPT_ROOTS_DIR,
    EV_OPT_CERT_TABLE,
    EV_OPT_COLLATERAL,
    EV_OPT_POLICY
};

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
        *status = evidence_exit_for_error(err);
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

/* The TDX collateral's verdict on the platform, when there was one. */
static void print_tcb_status(const pqcha_evidence_result *r) {
    const char *status = pqcha_evidence_result_tcb_status(r);
    size_t n = pqcha_evidence_result_advisory_count(r);
    if (status == NULL) return;
    fputs("tcb status: ", stdout);
    cli_print_escaped(stdout, status);
    for (size_t i = 0; i < n; i++) {
        fputs(i == 0 ? " (advisories: " : ", ", stdout);
        cli_print_escaped(stdout, pqcha_evidence_result_advisory_id(r, i));
    }
    fputs(n > 0 ? ")\n" : "\n", stdout);
}

static void print_result_text(const pqcha_evidence_result *r, int has_policy) {
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
    print_tcb_status(r);
    switch (pqcha_evidence_result_verdict(r)) {
    case PQCHA_VERDICT_VALID:
        printf(has_policy ? "GENUINE (signature chain verified; the policy is met)\n"
                          : "GENUINE (signature chain verified; no measurement policy applied)\n");
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

/* Which shipped roots and chain were used, before the checks. */
static void print_shipped_text(const struct evidence_shipped *s, const struct evidence_options *o) {
    size_t skip = strlen(s->dir) + 1; /* names relative to the data directory */
    printf("roots: shipped with pqcha (%s: ", s->found_by);
    cli_print_escaped(stdout, s->dir);
    printf(")\n");
    for (size_t i = 0; i < s->root_count; i++) {
        fputs("  pinned: ", stdout);
        cli_print_escaped(stdout, s->roots[i] + skip);
        fputc('\n', stdout);
    }
    for (size_t i = 0; i < s->chain_count; i++) {
        if (o->chain != s->chains[i]) continue;
        fputs("  chain:  ", stdout);
        cli_print_escaped(stdout, s->chains[i] + skip);
        fputc('\n', stdout);
    }
}

/* The library's JSON object, with the roots pinned ("rootsPinned": files)
 * and, when pqcha's own were used, their directory and the chain. */
static int print_json(const pqcha_evidence_result *r, const struct evidence_options *o,
                      const struct evidence_shipped *s) {
    char *json = NULL;
    struct cli_buf b = {0};
    pqcha_err err = pqcha_evidence_result_to_json(&json, r);

    if (err != PQCHA_OK) {
        cli_error("--json", err, NULL);
        return 0;
    }
    cli_buf_append(&b, "{\"rootsPinned\":[");
    for (size_t i = 0; i < o->root_count; i++) {
        if (i > 0) cli_buf_append(&b, ",");
        cli_buf_append_json_string(&b, o->roots[i]);
    }
    cli_buf_append(&b, "],");
    if (s != NULL) {
        cli_buf_append(&b, "\"rootsShippedDir\":");
        cli_buf_append_json_string(&b, s->dir);
        cli_buf_append(&b, ",");
    }
    if (s != NULL && s->chain_count > 0 && o->chain != NULL) {
        cli_buf_append(&b, "\"chainShipped\":");
        cli_buf_append_json_string(&b, o->chain);
        cli_buf_append(&b, ",");
    }
    cli_buf_append(&b, json + 1); /* the object's members, after its '{' */
    pqcha_free(json);
    if (b.failed) {
        cli_buf_free(&b);
        cli_error("--json", PQCHA_ERR_NO_MEMORY, NULL);
        return 0;
    }
    printf("%s\n", b.data);
    cli_buf_free(&b);
    return 1;
}

/* Authenticity alone calls a debug VM's evidence genuine, which it is; say
 * what that means, since its memory is open to the host. */
static void warn_debug(const pqcha_evidence *e) {
    for (size_t i = 0; i < pqcha_evidence_field_count(e); i++) {
        const char *name = pqcha_evidence_field_name(e, i);
        if ((strcmp(name, "policy.debug") == 0 || strcmp(name, "td_attributes.debug") == 0) &&
            strcmp(pqcha_evidence_field_value(e, i), "on") == 0)
            fprintf(stderr,
                    "pqcha evidence: warning: %s is on: the host can read and change this "
                    "VM's memory (give --policy to refuse it)\n",
                    name);
    }
}

static int evidence_verify(const char *path, const struct evidence_options *given) {
    int status = CLI_EXIT_USAGE;
    struct evidence_options o = *given;
    struct evidence_shipped *shipped = NULL;
    pqcha_evidence *e;
    pqcha_evidence_result *r = NULL;

    e = load_evidence(path, &status);
    if (e == NULL) return status;
    status = evidence_check_platform_options(&o, pqcha_evidence_platform(e));
    if (status == 0) status = evidence_use_shipped(&shipped, &o, e);
    if (status == 0) r = evidence_verify_trying_chains(&o, shipped, e, &status);
    if (r != NULL && o.policy == NULL && pqcha_evidence_result_verdict(r) == PQCHA_VERDICT_VALID)
        warn_debug(e);
    pqcha_evidence_free(e);
    if (r != NULL) {
        status = exit_for_verdict(pqcha_evidence_result_verdict(r));
        if (o.json) {
            if (!print_json(r, &o, shipped)) status = CLI_EXIT_USAGE;
        } else {
            if (shipped != NULL) print_shipped_text(shipped, &o);
            print_result_text(r, o.policy != NULL);
        }
    }
    pqcha_evidence_result_free(r);
    free(shipped);
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
    case EV_OPT_ROOTS_DIR: o->roots_dir = arg; return 1;
    case EV_OPT_CERT_TABLE: o->cert_table = arg; return 1;
    case EV_OPT_COLLATERAL: o->collateral = arg; return 1;
    case EV_OPT_POLICY: o->policy = arg; return 1;
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
        {"roots-dir", required_argument, NULL, EV_OPT_ROOTS_DIR},
        {"cert-table", required_argument, NULL, EV_OPT_CERT_TABLE},
        {"collateral", required_argument, NULL, EV_OPT_COLLATERAL},
        {"policy", required_argument, NULL, EV_OPT_POLICY},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct evidence_options o;
    const char *action;
    int opt;

    /* "get" has options of its own, which this parser would refuse. */
    if (argc >= 2 && strcmp(argv[1], "get") == 0) return cli_evidence_get_main(argc - 1, argv + 1);
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
        if (o.root_count || o.vcek || o.chain || o.crl || o.report_data || o.have_now || o.json ||
            o.roots_dir || o.cert_table || o.collateral || o.policy)
            return cli_usage_error(EVIDENCE_CMD, "show takes no options");
        return evidence_show(argv[optind + 1]);
    }
    if (strcmp(action, "verify") == 0) return evidence_verify(argv[optind + 1], &o);
    return cli_usage_error(EVIDENCE_CMD, "unknown action '%s' (show, verify)", cli_escaped(action));
}
