/* state.h — a workload's state at the verifier service, and how a report
 * moves it (docs/API.md, "Workload states"). Pure: no I/O.
 *
 *   unknown ──valid──> trusted ──drift──> drifted ──valid──> trusted
 *      any ──rejected──> rejected;  trusted/drifted/rejected ──no report
 *      that counts within the interval──> stale
 *
 * Only reports that say something about the workload move it: authentic
 * (signed by a key the verifier trusts) and not a replay. A report whose
 * signature does not verify names a workload anyone can name; a replayed or
 * late report (nonce unknown, used or expired, report expired) says nothing
 * about the memory now. Both are stored and counted, never acted on. */
#ifndef PQCHA_SERVICE_STATE_H
#define PQCHA_SERVICE_STATE_H

#include "pqcha/error.h"
#include "pqcha/verify.h"

typedef enum workload_state {
    WORKLOAD_UNKNOWN = 0,
    WORKLOAD_TRUSTED = 1,
    WORKLOAD_DRIFTED = 2,
    WORKLOAD_REJECTED = 3,
    WORKLOAD_STALE = 4,
    WORKLOAD_STATE_COUNT = 5
} workload_state;

typedef enum report_outcome {
    OUTCOME_VALID = 0,    /* authentic, fresh, memory as the policy says */
    OUTCOME_DRIFT = 1,    /* authentic and fresh, memory differs */
    OUTCOME_REJECTED = 2, /* authentic and fresh, refused (policy, platform, evidence) */
    OUTCOME_IGNORED = 3   /* not authentic, or a replay: moves nothing */
} report_outcome;

/* "unknown", "trusted", "drifted", "rejected", "stale"; "invalid" otherwise. */
const char *workload_state_name(workload_state s);
/* Returns: OK, or INVALID_ARGUMENT for a name that is not a state. */
pqcha_err workload_state_parse(const char *name, workload_state *out);
/* "valid", "drift", "rejected", "ignored"; "invalid" otherwise. */
const char *report_outcome_name(report_outcome o);
pqcha_err report_outcome_parse(const char *name, report_outcome *out);

/* What a verdict says about the workload. authenticated: the signature
 * verified with a trusted key (pqcha_result_report() is not NULL). */
report_outcome report_outcome_of(pqcha_verdict verdict, pqcha_err deciding, int authenticated);

workload_state state_after_report(workload_state current, report_outcome outcome);

/* Whether a workload in s goes stale when reports stop coming. */
int workload_state_can_go_stale(workload_state s);

#endif
