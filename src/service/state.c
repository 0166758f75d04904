/* state.c — the workload state machine (state.h). */
#include "service/state.h"

#include <string.h>

static const char *const state_names[WORKLOAD_STATE_COUNT] = {"unknown", "trusted", "drifted",
                                                              "rejected", "stale"};
static const char *const outcome_names[] = {"valid", "drift", "rejected", "ignored"};
#define OUTCOME_COUNT (sizeof outcome_names / sizeof outcome_names[0])

/* The index of name in names, or -1. */
static int index_of(const char *name, const char *const *names, unsigned count) {
    for (unsigned i = 0; name && i < count; i++)
        if (strcmp(name, names[i]) == 0) return (int)i;
    return -1;
}

const char *workload_state_name(workload_state s) {
    return (unsigned)s < WORKLOAD_STATE_COUNT ? state_names[s] : "invalid";
}

pqcha_err workload_state_parse(const char *name, workload_state *out) {
    int i = index_of(name, state_names, WORKLOAD_STATE_COUNT);
    if (i < 0) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = (workload_state)i;
    return PQCHA_OK;
}

const char *report_outcome_name(report_outcome o) {
    return (unsigned)o < OUTCOME_COUNT ? outcome_names[o] : "invalid";
}

pqcha_err report_outcome_parse(const char *name, report_outcome *out) {
    int i = index_of(name, outcome_names, OUTCOME_COUNT);
    if (i < 0) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = (report_outcome)i;
    return PQCHA_OK;
}

/* Refusals that are about when the report arrived, not about the memory it
 * measured: a replay, a late delivery, a clock problem. */
static int is_freshness_error(pqcha_err err) {
    switch (err) {
    case PQCHA_ERR_EXPIRED:
    case PQCHA_ERR_NOT_YET_VALID:
    case PQCHA_ERR_LIFETIME_TOO_LONG:
    case PQCHA_ERR_NONCE_MISMATCH:
    case PQCHA_ERR_NONCE_UNKNOWN:
    case PQCHA_ERR_NONCE_USED:
    case PQCHA_ERR_NONCE_EXPIRED: return 1;
    default: return 0;
    }
}

report_outcome report_outcome_of(pqcha_verdict verdict, pqcha_err deciding, int authenticated) {
    if (!authenticated) return OUTCOME_IGNORED;
    switch (verdict) {
    case PQCHA_VERDICT_VALID: return OUTCOME_VALID;
    case PQCHA_VERDICT_DRIFT: return OUTCOME_DRIFT;
    case PQCHA_VERDICT_REJECTED:
        return is_freshness_error(deciding) ? OUTCOME_IGNORED : OUTCOME_REJECTED;
    case PQCHA_VERDICT_MALFORMED: break;
    }
    return OUTCOME_IGNORED;
}

workload_state state_after_report(workload_state current, report_outcome outcome) {
    switch (outcome) {
    case OUTCOME_VALID: return WORKLOAD_TRUSTED;
    case OUTCOME_DRIFT: return WORKLOAD_DRIFTED;
    case OUTCOME_REJECTED: return WORKLOAD_REJECTED;
    case OUTCOME_IGNORED: break;
    }
    return current;
}

int workload_state_can_go_stale(workload_state s) {
    return s == WORKLOAD_TRUSTED || s == WORKLOAD_DRIFTED || s == WORKLOAD_REJECTED;
}
