/* evidence_inputs.c — the inputs of a hardware-evidence verification from
 * the command line (evidence_inputs.h): roots, certificates, CRL, TDX
 * collateral and evidence policy files, the shipped vendor roots when none
 * is given, and the evidence a pqcha report carries. Shared by
 * "pqcha evidence verify" and "pqcha verify". */
#include "evidence_inputs.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define EVIDENCE_CMD "evidence"
/* Certificates, chains, CRLs and policies the verifier accepts are far smaller. */
#define EVIDENCE_CERT_FILE_MAX (1024u * 1024u)

/* The exit code for a library error about the inputs (not the verdict). */
int evidence_exit_for_error(pqcha_err err) {
    return pqcha_error_is_malformed(err) ? CLI_EXIT_MALFORMED : CLI_EXIT_USAGE;
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
        *status = evidence_exit_for_error(err);
        return 0;
    }
    return 1;
}

/* A collateral directory's files: the names of Intel's PCS pieces in the
 * shared test data (tdx/(folder)/collateral). */
static const struct {
    const char *file;
    pqcha_collateral_kind kind;
} collateral_files[] = {
    {"tcb_info.json", PQCHA_COLLATERAL_TCB_INFO},
    {"tcb_info_issuer_chain.pem", PQCHA_COLLATERAL_TCB_INFO_CHAIN},
    {"qe_identity.json", PQCHA_COLLATERAL_QE_IDENTITY},
    {"qe_identity_issuer_chain.pem", PQCHA_COLLATERAL_QE_IDENTITY_CHAIN},
    {"pck_crl.der", PQCHA_COLLATERAL_PCK_CRL},
    {"pck_crl_issuer_chain.pem", PQCHA_COLLATERAL_PCK_CRL_CHAIN},
    {"root_ca_crl.der", PQCHA_COLLATERAL_ROOT_CA_CRL},
};
#define COLLATERAL_FILES (sizeof collateral_files / sizeof collateral_files[0])

/* The pieces must come in the pairs the library needs: naming the missing
 * file beats a bare INVALID_ARGUMENT from the verification. */
static int collateral_pairs_ok(const char *dir, const int found[COLLATERAL_FILES]) {
    const char *d = cli_escaped(dir);
    if (!found[0])
        cli_usage_error(EVIDENCE_CMD, "--collateral %s: no tcb_info.json", d);
    else if (!found[1])
        cli_usage_error(EVIDENCE_CMD,
                        "--collateral %s: tcb_info.json needs tcb_info_issuer_chain.pem (the "
                        "Intel SGX TCB Signing certificate that signed it)",
                        d);
    else if (found[2] != found[3])
        cli_usage_error(EVIDENCE_CMD,
                        "--collateral %s: qe_identity.json and qe_identity_issuer_chain.pem "
                        "come together",
                        d);
    else if (found[5] && !found[4])
        cli_usage_error(EVIDENCE_CMD,
                        "--collateral %s: pck_crl_issuer_chain.pem without pck_crl.der", d);
    else
        return 1;
    return 0;
}

/* Hands the collateral files of dir to v; a missing one is skipped. 0
 * after printing why (*status). */
static int load_collateral(pqcha_evidence_verifier *v, const char *dir, int *status) {
    int found[COLLATERAL_FILES] = {0};
    DIR *d = opendir(dir);
    *status = CLI_EXIT_USAGE;
    if (d == NULL) {
        pqcha_err err = cli_error_from_errno(errno);
        cli_error(dir, err, cli_hint_for(err));
        return 0;
    }
    closedir(d);
    for (size_t i = 0; i < COLLATERAL_FILES; i++) {
        char path[4096], *bytes = NULL;
        size_t len = 0;
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, collateral_files[i].file) >=
            sizeof path) {
            cli_usage_error(EVIDENCE_CMD, "--collateral: the path is too long");
            return 0;
        }
        pqcha_err err = cli_read_file(path, EVIDENCE_CERT_FILE_MAX, &bytes, &len);
        if (err == PQCHA_ERR_NOT_FOUND) continue;
        if (err == PQCHA_OK) {
            err = pqcha_evidence_verifier_add_collateral(v, collateral_files[i].kind,
                                                         (const uint8_t *)bytes, len);
            free(bytes);
            if (err != PQCHA_OK) *status = evidence_exit_for_error(err);
        }
        if (err != PQCHA_OK) {
            cli_error(path, err, cli_hint_for(err));
            return 0;
        }
        found[i] = 1;
    }
    return collateral_pairs_ok(dir, found);
}

/* --policy: an evidence requirements object; 0 after printing why. */
static int load_policy(pqcha_evidence_verifier *v, const char *path, int *status) {
    char *text = NULL, what[4096];
    size_t len = 0;
    pqcha_err err = cli_read_file(path, EVIDENCE_CERT_FILE_MAX, &text, &len);
    if (err == PQCHA_OK) err = pqcha_evidence_verifier_set_policy(v, text, len);
    free(text);
    if (err == PQCHA_OK) return 1;
    snprintf(what, sizeof what, "--policy %s", path);
    cli_error(what, err, cli_hint_for(err));
    *status = CLI_EXIT_USAGE; /* a policy the verifier cannot use is the operator's to fix */
    return 0;
}

/* The verification inputs from the options; NULL after printing why. */
pqcha_evidence_verifier *evidence_make_verifier(const struct evidence_options *o, int *status) {
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
    if (ok && o->collateral) ok = load_collateral(v, o->collateral, status);
    if (ok && o->cert_table)
        ok = load_input(v, "--cert-table", o->cert_table, pqcha_evidence_verifier_set_cert_table,
                        status);
    if (ok && o->policy) ok = load_policy(v, o->policy, status);
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

/* The inputs a platform needs, and none it would ignore or not check. */
int evidence_check_platform_options(const struct evidence_options *o, const char *platform) {
    if (strcmp(platform, "amd-sev-snp") == 0) {
        /* The VCEK is the chip's own: it never ships with pqcha. */
        if (o->vcek == NULL && o->cert_table == NULL && !o->table_in_report)
            return cli_usage_error(EVIDENCE_CMD, "SEV-SNP evidence needs --vcek (or --cert-table "
                                                 "with the VCEK or VLEK in it)");
        if (o->collateral != NULL)
            return cli_usage_error(EVIDENCE_CMD, "--collateral is Intel's, for TDX quotes");
        return 0;
    }
    if (o->vcek != NULL || o->chain != NULL || o->crl != NULL || o->cert_table != NULL)
        return cli_usage_error(EVIDENCE_CMD,
                               "--vcek, --chain, --cert-table and --crl are for SEV-SNP; a TDX "
                               "quote carries its own chain (its CRLs come with --collateral)");
    return 0;
}

/* With no --root, the roots that ship with pqcha; for SEV-SNP with neither
 * --chain nor --cert-table, AMD's chains too. *out stays NULL when none is
 * needed. Returns 0, or an exit code after printing why. */
int evidence_use_shipped(struct evidence_shipped **out, struct evidence_options *o,
                         const pqcha_evidence *e) {
    int snp = strcmp(pqcha_evidence_platform(e), "amd-sev-snp") == 0;
    int want_roots = o->root_count == 0,
        want_chain = snp && !o->chain && !o->cert_table && !o->table_in_report;

    *out = NULL;
    if (!want_roots && !want_chain) return 0;
    *out = malloc(sizeof **out);
    if (*out == NULL) {
        cli_error(EVIDENCE_CMD, PQCHA_ERR_NO_MEMORY, NULL);
        return CLI_EXIT_USAGE;
    }
    if (!evidence_shipped_pick(*out, e, o->roots_dir, want_roots, want_chain))
        return CLI_EXIT_USAGE;
    for (size_t i = 0; i < (*out)->root_count; i++)
        o->roots[o->root_count++] = (*out)->roots[i];
    return 0;
}

static pqcha_evidence_result *verify_once(const struct evidence_options *o, const pqcha_evidence *e,
                                          int *status) {
    pqcha_evidence_result *r = NULL;
    pqcha_evidence_verifier *v = evidence_make_verifier(o, status);
    if (v == NULL) return NULL;
    pqcha_err err = pqcha_evidence_verify(&r, v, e);
    pqcha_evidence_verifier_free(v);
    if (r == NULL) {
        cli_error(EVIDENCE_CMD, err, NULL);
        *status = CLI_EXIT_USAGE;
    }
    return r;
}

/* How well a result fits: genuine; or the chain's ASK signed the signing
 * certificate (the right product, failing for another reason); or not. */
static int chain_fit(const pqcha_evidence_result *r) {
    if (pqcha_evidence_result_verdict(r) == PQCHA_VERDICT_VALID) return 2;
    for (size_t i = 0; i < pqcha_evidence_result_check_count(r); i++)
        if (strcmp(pqcha_evidence_result_check_name(r, i), "signing_cert_signed_by_ask") == 0)
            return pqcha_evidence_result_check_status(r, i) == PQCHA_CHECK_PASS;
    return 0;
}

/* Verifies e. A version 2 report does not name its product, so with the
 * shipped chains each product's is tried: the result that fits best (the
 * first on a tie) is kept, and o->chain names its chain. NULL after
 * printing why. */
pqcha_evidence_result *evidence_verify_trying_chains(struct evidence_options *o,
                                                     const struct evidence_shipped *shipped,
                                                     const pqcha_evidence *e, int *status) {
    size_t tries = shipped != NULL && shipped->chain_count > 0 ? shipped->chain_count : 1;
    pqcha_evidence_result *best = NULL;
    const char *best_chain = o->chain;

    for (size_t i = 0; i < tries && chain_fit(best) < 2; i++) {
        if (shipped != NULL && shipped->chain_count > 0) o->chain = shipped->chains[i];
        pqcha_evidence_result *r = verify_once(o, e, status);
        if (r == NULL) {
            pqcha_evidence_result_free(best);
            return NULL;
        }
        if (best == NULL || chain_fit(r) > chain_fit(best)) {
            pqcha_evidence_result_free(best);
            best = r;
            best_chain = o->chain;
        } else {
            pqcha_evidence_result_free(r);
        }
    }
    o->chain = best_chain;
    return best;
}

/* ---- the evidence a pqcha report carries ---- */

/* The evidence of an unverified report, parsed, and whether it came with
 * certificates; NULL when there is none or it does not parse (pqcha_verify
 * then rejects or calls it malformed, with the reason). */
static pqcha_evidence *report_evidence(const char *envelope, size_t len, int *has_certs) {
    pqcha_report *rep = NULL;
    pqcha_evidence *e = NULL;
    size_t bytes_len = 0, certs_len = 0;
    *has_certs = 0;
    if (pqcha_report_decode_unverified(&rep, envelope, len) != PQCHA_OK) return NULL;
    const uint8_t *bytes = pqcha_report_evidence_bytes(rep, &bytes_len);
    *has_certs = pqcha_report_evidence_certificates(rep, &certs_len) != NULL;
    if (bytes == NULL || pqcha_evidence_parse(&e, bytes, bytes_len) != PQCHA_OK) e = NULL;
    pqcha_report_free(rep);
    return e;
}

pqcha_evidence_verifier *evidence_verifier_for_report(const struct evidence_options *given,
                                                      const char *envelope, size_t len,
                                                      int *status) {
    int has_certs = 0;
    struct evidence_shipped *shipped = NULL;
    pqcha_evidence_verifier *v = NULL;
    struct evidence_options o = *given; /* may point into shipped below */
    pqcha_evidence *e = report_evidence(envelope, len, &has_certs);
    *status = 0;
    if (e == NULL) return NULL;
    /* The report's certificate table stands in for --vcek and --chain
     * (pqcha_verify hands it to the evidence verifier). */
    o.table_in_report = has_certs;
    *status = evidence_check_platform_options(&o, pqcha_evidence_platform(e));
    if (*status == 0) *status = evidence_use_shipped(&shipped, &o, e);
    if (*status == 0 && shipped != NULL && shipped->chain_count > 1) {
        /* Several candidate chains: keep the one that fits this chip. */
        pqcha_evidence_result_free(evidence_verify_trying_chains(&o, shipped, e, status));
    } else if (*status == 0 && shipped != NULL && shipped->chain_count == 1) {
        o.chain = shipped->chains[0];
    }
    if (*status == 0) {
        v = evidence_make_verifier(&o, status);
        if (v != NULL) *status = 0;
    }
    pqcha_evidence_free(e);
    free(shipped); /* the verifier holds copies of what it read */
    return v;
}
