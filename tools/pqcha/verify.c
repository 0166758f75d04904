/* verify.c — "pqcha verify": the verifier's decision on one report
 * (docs/FORMAT.md section 5), printed check by check. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "evidence_inputs.h"

#define VERIFY_CMD       "verify"
#define VERIFY_MAX_TRUST 256

enum {
    VERIFY_OPT_AUTH_ONLY = 0x100,
    VERIFY_OPT_NOW,
    VERIFY_OPT_MAX_SKEW,
    VERIFY_OPT_MAX_LIFETIME,
    VERIFY_OPT_JSON,
    VERIFY_OPT_EVIDENCE_ROOT,
    VERIFY_OPT_VCEK,
    VERIFY_OPT_CHAIN,
    VERIFY_OPT_CRL,
    VERIFY_OPT_COLLATERAL,
    VERIFY_OPT_ROOTS_DIR
};

static const char verify_help[] =
    "Usage: pqcha verify --trust PUB.pem... (--policy POLICY.json | --authenticity-only)\n"
    "                    [--nonce HEX] [--now RFC3339] [--max-skew S] [--max-lifetime S]\n"
    "                    [hardware evidence options] [--json] REPORT.json\n"
    "\n"
    "Verifies a report ('-' reads stdin): the signer is a trusted key, the ML-DSA\n"
    "signature is valid, the report is fresh and carries the challenge, and - with\n"
    "a policy - every region's digest equals the policy's reference value. Prints\n"
    "one line per check, then the verdict.\n"
    "\n"
    "A policy (see 'pqcha policy') is required unless --authenticity-only is given:\n"
    "without reference values a pass only means 'authentic and fresh', never\n"
    "'memory as expected'.\n"
    "\n"
    "Options:\n"
    "  -t, --trust PUB.pem      trust this public key (repeatable); keys listed in the\n"
    "                           policy's trustedKeys are trusted as well\n"
    "  -p, --policy POLICY.json reference digests and limits (docs/FORMAT.md section 6)\n"
    "      --authenticity-only  verify without a policy (skip the memory checks)\n"
    "  -n, --nonce HEX          the challenge the report must carry\n"
    "      --now RFC3339        verify as of this UTC time instead of the clock\n"
    "      --max-skew S         allowed clock skew in seconds (default: policy or 60)\n"
    "      --max-lifetime S     longest accepted report lifetime (default: policy or 3600)\n"
    "      --json               print the result as JSON instead of text\n"
    "  -h, --help               show this help\n"
    "\n"
    "Hardware evidence (a policy whose workload has \"evidence\", docs/FORMAT.md 6.1):\n"
    "the SEV-SNP report or TDX quote the report carries must be genuine, bound to the\n"
    "report (REPORT_DATA recomputed from the pinned key, the nonce and the payload)\n"
    "and meet the policy's requirements; every check is listed as evidence:<name>.\n"
    "      --evidence-root ROOT the vendor root to pin (PEM or DER; repeatable);\n"
    "                           default: the AMD ARKs and the Intel SGX Root CA that\n"
    "                           ship with pqcha (see 'pqcha evidence --help')\n"
    "      --roots-dir DIR      where those shipped roots are\n"
    "      --vcek CERT          SEV-SNP: the VCEK or VLEK that signed the report;\n"
    "                           default: the certificate table the report carries\n"
    "      --chain CHAIN.pem    SEV-SNP: AMD's ASK (or ASVK) then ARK; default: the\n"
    "                           report's table, else the shipped chain\n"
    "      --crl CRL            SEV-SNP: a CRL of the ARK or ASK\n"
    "      --collateral DIR     TDX: Intel's TCB info, QE identity and CRLs (see\n"
    "                           'pqcha evidence --help'); the TCB status must be\n"
    "                           accepted by the policy (default: UpToDate)\n"
    "\n"
    "Exit codes: 0 valid; 1 drift (memory differs from the policy, or a required\n"
    "region is missing); 2 rejected (untrusted key, bad signature, expired, wrong\n"
    "nonce, policy violation, hardware evidence absent, not genuine, not bound or\n"
    "not as required); 3 malformed report or evidence; 4 bad option, missing file,\n"
    "unreadable key or policy, or I/O error.\n";

struct verify_options {
    const char *trust[VERIFY_MAX_TRUST];
    size_t trust_count;
    const char *policy_path;
    const char *nonce;
    const char *report_path;
    int authenticity_only;
    int json;
    int have_now, have_skew, have_lifetime;
    int64_t now;
    uint64_t max_skew, max_lifetime;
    struct evidence_options evidence; /* roots, certificates, collateral */
};

/* ---- options ---- */

static int parse_evidence_option(struct evidence_options *e, int opt, const char *arg) {
    switch (opt) {
    case VERIFY_OPT_EVIDENCE_ROOT:
        if (e->root_count == sizeof e->roots / sizeof e->roots[0]) {
            cli_usage_error(VERIFY_CMD, "at most 16 --evidence-root");
            return 0;
        }
        e->roots[e->root_count++] = arg;
        return 1;
    case VERIFY_OPT_VCEK: e->vcek = arg; return 1;
    case VERIFY_OPT_CHAIN: e->chain = arg; return 1;
    case VERIFY_OPT_CRL: e->crl = arg; return 1;
    case VERIFY_OPT_COLLATERAL: e->collateral = arg; return 1;
    case VERIFY_OPT_ROOTS_DIR: e->roots_dir = arg; return 1;
    default: cli_try_help(VERIFY_CMD); return 0;
    }
}

static int parse_verify_option(struct verify_options *o, int opt, const char *arg) {
    switch (opt) {
    case 't':
        if (o->trust_count == VERIFY_MAX_TRUST) {
            cli_usage_error(VERIFY_CMD, "--trust: at most %d keys", VERIFY_MAX_TRUST);
            return 0;
        }
        o->trust[o->trust_count++] = arg;
        return 1;
    case 'p': o->policy_path = arg; return 1;
    case VERIFY_OPT_AUTH_ONLY: o->authenticity_only = 1; return 1;
    case 'n': o->nonce = arg; return 1;
    case VERIFY_OPT_NOW: o->have_now = 1; return cli_option_time(VERIFY_CMD, arg, &o->now);
    case VERIFY_OPT_MAX_SKEW:
        o->have_skew = 1;
        return cli_option_u64(VERIFY_CMD, "--max-skew", arg, 7 * 24 * 3600, &o->max_skew);
    case VERIFY_OPT_MAX_LIFETIME:
        o->have_lifetime = 1;
        return cli_option_u64(VERIFY_CMD, "--max-lifetime", arg, 7 * 24 * 3600, &o->max_lifetime);
    case VERIFY_OPT_JSON: o->json = 1; return 1;
    default: return parse_evidence_option(&o->evidence, opt, arg);
    }
}

/* Returns -1 to go on, or an exit code. */
static int parse_verify_args(struct verify_options *o, int argc, char **argv) {
    static const struct option options[] = {
        {"trust", required_argument, NULL, 't'},
        {"policy", required_argument, NULL, 'p'},
        {"authenticity-only", no_argument, NULL, VERIFY_OPT_AUTH_ONLY},
        {"nonce", required_argument, NULL, 'n'},
        {"now", required_argument, NULL, VERIFY_OPT_NOW},
        {"max-skew", required_argument, NULL, VERIFY_OPT_MAX_SKEW},
        {"max-lifetime", required_argument, NULL, VERIFY_OPT_MAX_LIFETIME},
        {"json", no_argument, NULL, VERIFY_OPT_JSON},
        {"evidence-root", required_argument, NULL, VERIFY_OPT_EVIDENCE_ROOT},
        {"vcek", required_argument, NULL, VERIFY_OPT_VCEK},
        {"chain", required_argument, NULL, VERIFY_OPT_CHAIN},
        {"crl", required_argument, NULL, VERIFY_OPT_CRL},
        {"collateral", required_argument, NULL, VERIFY_OPT_COLLATERAL},
        {"roots-dir", required_argument, NULL, VERIFY_OPT_ROOTS_DIR},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;

    while ((opt = getopt_long(argc, argv, "t:p:n:h", options, NULL)) != -1) {
        if (opt == 'h') {
            fputs(verify_help, stdout);
            return CLI_EXIT_OK;
        }
        if (!parse_verify_option(o, opt, optarg)) return CLI_EXIT_USAGE;
    }
    if (argc - optind != 1)
        return cli_usage_error(VERIFY_CMD, "expected exactly one REPORT.json ('-' for stdin)");
    o->report_path = argv[optind];
    const struct evidence_options *e = &o->evidence;
    if (o->policy_path == NULL &&
        (e->root_count || e->vcek || e->chain || e->crl || e->collateral || e->roots_dir))
        return cli_usage_error(VERIFY_CMD, "the hardware evidence options need --policy (its "
                                           "workloads say what evidence is required)");
    if (o->policy_path != NULL && o->authenticity_only)
        return cli_usage_error(VERIFY_CMD, "--policy and --authenticity-only exclude each other");
    if (o->policy_path == NULL && !o->authenticity_only)
        return cli_usage_error(
            VERIFY_CMD,
            "no --policy given. Without reference values a pass would only mean\n"
            "'signed by a trusted key and fresh', not 'memory as expected'. Give --policy\n"
            "POLICY.json (see 'pqcha policy'), or --authenticity-only if that is what you want.");
    return -1;
}

/* ---- the verifier ---- */

static int trust_keys(pqcha_verifier *v, const struct verify_options *o) {
    size_t i;
    for (i = 0; i < o->trust_count; i++) {
        pqcha_key *key = cli_load_key(o->trust[i], CLI_KEY_PUBLIC);
        pqcha_err err;
        if (key == NULL) return 0;
        err = pqcha_verifier_trust_key(v, key);
        pqcha_key_free(key);
        if (err != PQCHA_OK) {
            cli_error(o->trust[i], err, NULL);
            return 0;
        }
    }
    return 1;
}

static int apply_limits(pqcha_verifier *v, const struct verify_options *o) {
    pqcha_err err;

    if (o->nonce != NULL && (err = pqcha_verifier_expect_nonce(v, o->nonce)) != PQCHA_OK) {
        cli_usage_error(VERIFY_CMD, "--nonce '%s': %s (lowercase hex of %u-%u bytes)",
                        cli_escaped(o->nonce), pqcha_strerror(err), PQCHA_MIN_NONCE_BYTES,
                        PQCHA_MAX_NONCE_BYTES);
        return 0;
    }
    if (o->have_now && (err = pqcha_verifier_set_time(v, o->now)) != PQCHA_OK) {
        cli_error("--now", err, NULL);
        return 0;
    }
    if (o->have_skew && (err = pqcha_verifier_set_max_skew(v, (int64_t)o->max_skew)) != PQCHA_OK) {
        cli_error("--max-skew", err, NULL);
        return 0;
    }
    if (o->have_lifetime &&
        (err = pqcha_verifier_set_max_lifetime(v, (int64_t)o->max_lifetime)) != PQCHA_OK) {
        cli_error("--max-lifetime", err, NULL);
        return 0;
    }
    return 1;
}

/* Builds the verifier; the policy (if any) is returned through *policy
 * because the verifier holds it by reference. */
static pqcha_verifier *build_verifier(const struct verify_options *o, pqcha_policy **policy) {
    pqcha_verifier *v = NULL;
    pqcha_err err = pqcha_verifier_create(&v);

    *policy = NULL;
    if (err != PQCHA_OK) {
        cli_error(VERIFY_CMD, err, NULL);
        return NULL;
    }
    if (!trust_keys(v, o)) goto fail;
    if (o->policy_path != NULL) {
        *policy = cli_load_policy(o->policy_path);
        if (*policy == NULL) goto fail;
        if ((err = pqcha_verifier_set_policy(v, *policy)) != PQCHA_OK) {
            cli_error(o->policy_path, err, NULL);
            goto fail;
        }
    }
    if (o->trust_count == 0 && (*policy == NULL || pqcha_policy_trusted_key_count(*policy) == 0)) {
        cli_usage_error(
            VERIFY_CMD,
            "no trusted keys: give --trust PUB.pem, or a policy that lists trustedKeys");
        goto fail;
    }
    if (!apply_limits(v, o)) goto fail;
    return v;
fail:
    pqcha_verifier_free(v);
    if (*policy != NULL) pqcha_policy_free(*policy);
    *policy = NULL;
    return NULL;
}

/* ---- output ---- */

static const char *status_label(pqcha_check_status status) {
    switch (status) {
    case PQCHA_CHECK_PASS: return "PASS";
    case PQCHA_CHECK_FAIL: return "FAIL";
    default: return "SKIP";
    }
}

#define VERIFY_MAX_TENSORS_SHOWN 8
#define VERIFY_MAX_SPANS_SHOWN   20
#define VERIFY_MAX_MISSING_SHOWN 20

/* Where the lists of changed ranges and missing tensors stand: both are in
 * the report's region order, as the checks are, so one pass prints them. */
struct list_cursor {
    size_t span;
    size_t missing;
};

static void print_span(const pqcha_result *r, size_t i) {
    uint64_t offset = pqcha_result_span_offset(r, i);
    size_t t, listed = pqcha_result_span_tensor_count(r, i);
    size_t total = pqcha_result_span_tensor_total(r, i);

    printf("        bytes 0x%llx..0x%llx: ", (unsigned long long)offset,
           (unsigned long long)(offset + pqcha_result_span_length(r, i) - 1));
    if (total == 0) printf("(no tensor)");
    for (t = 0; t < listed && t < VERIFY_MAX_TENSORS_SHOWN; t++) {
        fputs(t ? ", " : "", stdout);
        cli_print_escaped(stdout, pqcha_result_span_tensor(r, i, t));
    }
    if (total > t) printf("%sand %zu more", t ? " " : "", total - t);
    fputc('\n', stdout);
}

/* The changed byte ranges of one drifted region and the tensors in them,
 * e.g. "bytes 0x120000..0x12ffff: blk.12.attn_q.weight". */
static void print_spans(const pqcha_result *r, const char *region_id, size_t *cursor) {
    size_t n = pqcha_result_span_count(r), shown = 0, more = 0;
    for (; *cursor < n && strcmp(pqcha_result_span_region(r, *cursor), region_id) == 0;
         (*cursor)++) {
        if (shown == VERIFY_MAX_SPANS_SHOWN) {
            more++;
            continue;
        }
        print_span(r, *cursor);
        shown++;
    }
    if (more > 0) printf("        and %zu more changed ranges (--json lists them all)\n", more);
}

/* The required tensors a drifted region does not show at their place. */
static void print_missing_tensors(const pqcha_result *r, const char *region_id, size_t *cursor) {
    size_t n = pqcha_result_missing_tensor_count(r), shown = 0, more = 0;
    for (; *cursor < n && strcmp(pqcha_result_missing_tensor_region(r, *cursor), region_id) == 0;
         (*cursor)++) {
        if (shown == VERIFY_MAX_MISSING_SHOWN) {
            more++;
            continue;
        }
        fputs("        missing: ", stdout);
        cli_print_escaped(stdout, pqcha_result_missing_tensor(r, *cursor));
        fputc('\n', stdout);
        shown++;
    }
    if (more > 0) printf("        missing: %zu more tensors (--json lists them all)\n", more);
}

/* The report's tensor-by-tensor regions, by id, to tell in O(log n) per
 * check whether a pass is worth its "found" line. */
struct segmented_ids {
    const char **ids; /* sorted */
    size_t count;
};

static int compare_id_ptrs(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void segmented_ids_init(struct segmented_ids *s, const pqcha_result *r) {
    const pqcha_report *rep = pqcha_result_report(r);
    size_t i, n = rep ? pqcha_report_region_count(rep) : 0;
    s->count = 0;
    s->ids = n ? malloc(n * sizeof *s->ids) : NULL;
    for (i = 0; s->ids != NULL && i < n; i++)
        if (pqcha_report_region_digest_alg(rep, i) == PQCHA_DIGEST_SHA3_256_SEGMENTS)
            s->ids[s->count++] = pqcha_region_id(pqcha_report_region(rep, i));
    if (s->count > 1) qsort(s->ids, s->count, sizeof *s->ids, compare_id_ptrs);
}

static int region_is_segmented(const struct segmented_ids *s, const char *id) {
    return s->count > 0 && bsearch(&id, s->ids, s->count, sizeof *s->ids, compare_id_ptrs) != NULL;
}

static void print_check(const pqcha_result *r, size_t i, const struct segmented_ids *segmented,
                        struct list_cursor *cursor) {
    pqcha_check_status status = pqcha_result_check_status(r, i);
    const char *name = pqcha_result_check_name(r, i);
    const char *expected = pqcha_result_check_expected(r, i);
    const char *found = pqcha_result_check_found(r, i);
    int region = strncmp(name, "region:", 7) == 0;
    int noteworthy =
        status == PQCHA_CHECK_PASS && region && region_is_segmented(segmented, name + 7);

    printf("  %s  ", status_label(status));
    cli_print_escaped(stdout, name);
    if (status == PQCHA_CHECK_FAIL) printf(": %s", pqcha_strerror(pqcha_result_check_error(r, i)));
    fputc('\n', stdout);
    if (status == PQCHA_CHECK_FAIL && expected != NULL && *expected != '\0') {
        fputs("        expected: ", stdout);
        cli_print_escaped(stdout, expected);
        fputc('\n', stdout);
    }
    if ((status == PQCHA_CHECK_FAIL || noteworthy) && found != NULL && *found != '\0') {
        fputs("        found:    ", stdout);
        cli_print_escaped(stdout, found);
        fputc('\n', stdout);
    }
    if (status == PQCHA_CHECK_FAIL && region) {
        print_spans(r, name + 7, &cursor->span);
        print_missing_tensors(r, name + 7, &cursor->missing);
    }
}

static void print_checks(const pqcha_result *r) {
    struct segmented_ids segmented;
    struct list_cursor cursor = {0, 0};
    size_t i, n = pqcha_result_check_count(r);

    segmented_ids_init(&segmented, r);
    for (i = 0; i < n; i++)
        print_check(r, i, &segmented, &cursor);
    free(segmented.ids);
}

/* The reason a person needs after "REJECTED:". */
static const char *rejection_reason(pqcha_err err) {
    switch (err) {
    case PQCHA_ERR_UNTRUSTED_KEY: return "signed by a key that is not trusted";
    case PQCHA_ERR_BAD_SIGNATURE:
        return "the signature does not verify (the report was altered or signed by another key)";
    case PQCHA_ERR_EXPIRED: return "the report has expired";
    case PQCHA_ERR_NOT_YET_VALID:
        return "the report is issued in the future (beyond the allowed clock skew)";
    case PQCHA_ERR_LIFETIME_TOO_LONG: return "the report's lifetime is longer than allowed";
    case PQCHA_ERR_NONCE_MISMATCH:
        return "the nonce does not match the challenge (a stale or replayed report)";
    case PQCHA_ERR_UNKNOWN_WORKLOAD: return "the policy has no entry for this workload";
    default: return pqcha_strerror(err);
    }
}

static void print_verdict(const pqcha_result *r, int authenticity_only) {
    pqcha_verdict verdict = pqcha_result_verdict(r);
    size_t i, drift = pqcha_result_drift_count(r);

    switch (verdict) {
    case PQCHA_VERDICT_VALID:
        if (authenticity_only)
            printf("VALID (authenticity only: signed by a trusted key and fresh; "
                   "memory not compared with reference values)\n");
        else
            printf("VALID\n");
        break;
    case PQCHA_VERDICT_DRIFT:
        printf("DRIFT in %zu region%s: ", drift, drift == 1 ? "" : "s");
        for (i = 0; i < drift; i++) {
            fputs(i ? ", " : "", stdout);
            cli_print_escaped(stdout, pqcha_result_drift_region(r, i));
        }
        fputc('\n', stdout);
        break;
    case PQCHA_VERDICT_REJECTED:
        printf("REJECTED: %s\n", rejection_reason(pqcha_result_error(r)));
        break;
    default: printf("MALFORMED: %s\n", pqcha_strerror(pqcha_result_error(r))); break;
    }
}

static int print_result(const pqcha_result *r, const struct verify_options *o) {
    if (o->json) {
        char *json = NULL;
        pqcha_err err = pqcha_result_to_json(&json, r);
        if (err != PQCHA_OK) {
            cli_error("--json", err, NULL);
            return 0;
        }
        printf("%s\n", json);
        pqcha_free(json);
    } else {
        print_checks(r);
        print_verdict(r, o->authenticity_only);
    }
    if (fflush(stdout) != 0) {
        cli_error("standard output", PQCHA_ERR_IO, NULL);
        return 0;
    }
    return 1;
}

static int exit_code_for(pqcha_verdict verdict) {
    switch (verdict) {
    case PQCHA_VERDICT_VALID: return CLI_EXIT_OK;
    case PQCHA_VERDICT_DRIFT: return CLI_EXIT_DRIFT;
    case PQCHA_VERDICT_REJECTED: return CLI_EXIT_REJECTED;
    default: return CLI_EXIT_MALFORMED;
    }
}

/* The hardware-evidence verifier for the report's evidence (NULL when it
 * carries none); 0, or an exit code after printing why. */
static int attach_evidence_verifier(pqcha_verifier *v, pqcha_evidence_verifier **ev,
                                    const struct verify_options *o, const char *report,
                                    size_t len) {
    int status = 0;
    /* Without a policy nothing requires evidence: none is checked. */
    *ev = o->policy_path ? evidence_verifier_for_report(&o->evidence, report, len, &status) : NULL;
    if (status != 0) return status;
    pqcha_err err = pqcha_verifier_set_evidence_verifier(v, *ev);
    if (err == PQCHA_OK) return 0;
    cli_error(VERIFY_CMD, err, NULL);
    return CLI_EXIT_USAGE;
}

static int verify_report(pqcha_verifier *v, const struct verify_options *o) {
    pqcha_evidence_verifier *ev = NULL;
    pqcha_result *result = NULL;
    char *report = NULL;
    size_t len = 0;
    int status;
    pqcha_err err = cli_read_file(o->report_path, PQCHA_MAX_ENVELOPE_LEN, &report, &len);

    if (err == PQCHA_ERR_TOO_LARGE) {
        cli_error(o->report_path, err, "a report is at most 16 MiB");
        return CLI_EXIT_MALFORMED;
    }
    if (err != PQCHA_OK) {
        cli_error(o->report_path, err, cli_hint_for(err));
        return CLI_EXIT_USAGE;
    }
    len = cli_trim_trailing_space(report, len);
    status = attach_evidence_verifier(v, &ev, o, report, len);
    if (status != 0) {
        free(report);
        return status;
    }
    /* A failed verification still gives a result to print: without one,
     * err says why (out of memory). */
    err = pqcha_verify(&result, v, report, len);
    free(report);
    pqcha_evidence_verifier_free(ev);
    if (result == NULL) {
        cli_error(VERIFY_CMD, err, NULL);
        return CLI_EXIT_USAGE;
    }
    status = print_result(result, o) ? exit_code_for(pqcha_result_verdict(result)) : CLI_EXIT_USAGE;
    pqcha_result_free(result);
    return status;
}

int cli_verify_main(int argc, char **argv) {
    struct verify_options o;
    pqcha_policy *policy = NULL;
    pqcha_verifier *v;
    int status;

    memset(&o, 0, sizeof o);
    status = parse_verify_args(&o, argc, argv);
    if (status >= 0) return status;
    v = build_verifier(&o, &policy);
    if (v == NULL) return CLI_EXIT_USAGE;
    status = verify_report(v, &o);
    pqcha_verifier_free(v);
    if (policy != NULL) pqcha_policy_free(policy);
    return status;
}
