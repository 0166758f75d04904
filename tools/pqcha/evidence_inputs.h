/* evidence_inputs.h — what "pqcha evidence verify" and "pqcha verify"
 * share to verify hardware evidence: the options naming roots,
 * certificates, collateral and an evidence policy, and the verifier built
 * from them. */
#ifndef PQCHA_EVIDENCE_INPUTS_H
#define PQCHA_EVIDENCE_INPUTS_H

#include "cli.h"
#include "evidence_roots.h"

struct evidence_options {
    const char *roots[16];
    size_t root_count;
    const char *vcek, *chain, *crl, *report_data;
    const char *roots_dir, *cert_table;
    int table_in_report;    /* "pqcha verify": the report carries a certificate table */
    const char *collateral; /* a directory */
    const char *policy;     /* an evidence requirements file (FORMAT.md 6.1) */
    int have_now, json;
    int64_t now;
};

/* The exit code for a library error about the inputs (not the verdict). */
int evidence_exit_for_error(pqcha_err err);
/* The verifier the options describe; NULL after printing why (*status). */
pqcha_evidence_verifier *evidence_make_verifier(const struct evidence_options *o, int *status);
/* The inputs a platform needs, and none it would ignore or not check; 0,
 * or an exit code after printing why. */
int evidence_check_platform_options(const struct evidence_options *o, const char *platform);
/* With no --root, the roots that ship with pqcha (added to o->roots); for
 * SEV-SNP with neither --chain nor a certificate table, AMD's chains too.
 * *out stays NULL when none is needed. 0, or an exit code after printing. */
int evidence_use_shipped(struct evidence_shipped **out, struct evidence_options *o,
                         const pqcha_evidence *e);
/* Verifies e; with several shipped chains (a report that does not name its
 * product) the one that fits is kept in o->chain. NULL after printing why. */
pqcha_evidence_result *evidence_verify_trying_chains(struct evidence_options *o,
                                                     const struct evidence_shipped *shipped,
                                                     const pqcha_evidence *e, int *status);
/* For "pqcha verify": the evidence verifier for the evidence the report
 * (envelope, len) carries, from the options, the report's certificate table
 * and the shipped roots and chains. The report is read unverified, only to
 * choose among vendor roots and chains; pqcha_verify decides everything.
 * NULL with *status 0 when the report carries no (readable) evidence: the
 * verification then says why. NULL with an exit code after printing why. */
pqcha_evidence_verifier *evidence_verifier_for_report(const struct evidence_options *given,
                                                      const char *envelope, size_t len,
                                                      int *status);

#endif
