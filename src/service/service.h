/* service.h — the verifier service, without HTTP: hands out challenges,
 * verifies reports against the current policy, stores every verdict and
 * moves each workload's state (state.h), answers queries, keeps metrics.
 * http.c maps requests onto these calls and replies onto HTTP; the tests
 * call them directly too. docs/API.md is the user's view.
 *
 * Every call may come from any thread at once. Replies carry an HTTP
 * status and a body (JSON, or Prometheus text for metrics). */
#ifndef PQCHA_SERVICE_SERVICE_H
#define PQCHA_SERVICE_SERVICE_H

#include <stddef.h>
#include <stdint.h>

#include "pqcha/policy.h"
#include "pqcha/verify.h"
#include "service/log.h"
#include "service/reply.h"
#include "service/store.h"
#include "service/webhook.h"

#define SERVICE_DEFAULT_CHALLENGE_TTL 300         /* seconds */
#define SERVICE_DEFAULT_STALE_AFTER   600         /* seconds; 0: never stale */
#define SERVICE_MAX_REPORT_BYTES      (16u << 20) /* as the library's envelope cap */
#define SERVICE_MAX_REQUEST_BYTES     4096u       /* any other request body */
#define SERVICE_MAX_WORKLOAD_ID       128u

typedef struct service_options {
    int64_t challenge_ttl;  /* seconds a challenge stays open; 0: the default */
    int64_t stale_after;    /* seconds without a report that counts; 0: the default, <0: never */
    int64_t (*clock)(void); /* Unix seconds; NULL: time() (tests set their own) */
} service_options;

typedef struct service service;

/* A state transition, as the event hook sees it after the commit. */
typedef void (*service_event_fn)(void *ctx, const store_event_row *event);

/* db stays the caller's and must outlive the service.
 * Returns: OK, INVALID_ARGUMENT, NO_MEMORY. */
pqcha_err service_create(service **out, store *db, const service_options *options);
/* The store it was created with (the webhook delivers its outbox). */
store *service_store(service *s);
void service_free(service *s);

/* Installs a finished policy and a verifier built from it: its trusted
 * keys, and evidence (may be NULL), the hardware-evidence verifier
 * (pqcha/evidence.h: pinned vendor roots, an SEV-SNP CRL, Intel's
 * collateral) for the reports of workloads whose policy requires evidence;
 * without one such reports are rejected, there being nothing to check
 * their evidence against. Both are taken over, also on failure. Requests
 * in flight finish with the previous pair, which is freed after the last
 * of them. sha256 is the SHA-256 of the policy file's bytes, which log
 * entries name; service_set_policy, for a policy built in memory and no
 * evidence verifier, uses that of its canonical JSON
 * (pqcha_policy_to_json).
 * Returns: OK, INVALID_ARGUMENT, BAD_POLICY (a policy that trusts no key),
 * NO_MEMORY, or the verifier's error. */
pqcha_err service_set_policy(service *s, pqcha_policy *policy);
pqcha_err service_set_policy_file(service *s, pqcha_policy *policy,
                                  const uint8_t sha256[PQCHA_SHA256_LEN],
                                  pqcha_evidence_verifier *evidence);

/* Called for every stored transition, after its commit (e.g. to log it). */
void service_set_event_hook(service *s, service_event_fn fn, void *ctx);
/* Every transition is also queued for w (borrowed; it must outlive s, or
 * be unset with NULL first), and /metrics shows its counters. */
void service_set_webhook(service *s, webhook *w);
/* Keeps the transparency log in l (borrowed; it must outlive s, or be unset
 * with NULL first, and use the same store): every stored report is appended,
 * its answer carries its receipt (the member "log"), and the log's
 * endpoints answer. */
void service_set_log(service *s, tlog *l);

/* Each fills *out (status and body) and returns OK, or NO_MEMORY with *out
 * empty. Errors the client or the store caused are replies, not returns. */
pqcha_err service_challenge(service *s, const char *json, size_t len, service_reply *out);
pqcha_err service_submit_report(service *s, const char *body, size_t len, service_reply *out);

/* service_submit_report in two steps, for a caller with better to do than
 * wait for the store (a network thread): start verifies the report in the
 * calling thread and queues its commit. With *pending set, ready(ctx) is
 * called once, from a thread of the store's (or, with a store that
 * commits in the caller's thread, before start returns), and then
 * service_submit_finish gives the answer; with *pending NULL, *out already
 * holds it. body must stay valid until the answer. finish may queue the
 * report once more (verified again as a replay when another report took
 * its challenge meanwhile): *pending is then set again, and ready will be
 * called again. cancel frees a pending submission after its ready, unanswered.
 * Returns: as service_submit_report. */
typedef struct service_pending service_pending;
typedef void (*service_ready_fn)(void *ctx);
pqcha_err service_submit_start(service *s, const char *body, size_t len, service_ready_fn ready,
                               void *ctx, service_pending **pending, service_reply *out);
pqcha_err service_submit_finish(service_pending **pending, service_reply *out);
/* Whether service_submit_finish will queue the report once more. */
int service_submit_again(const service_pending *pending);
void service_submit_cancel(service_pending *pending);
/* Whether start returns before the commit (the store commits in the
 * background and the service keeps no log, whose receipts wait for
 * signatures): otherwise a caller that must not wait hands the report to a
 * thread that may. */
int service_submits_in_background(const service *s);
pqcha_err service_list_workloads(service *s, service_reply *out);
pqcha_err service_get_workload(service *s, const char *id, service_reply *out);
/* since: RFC 3339 UTC or Unix seconds (NULL: from the start); limit: 1..1000
 * (NULL: 100). */
pqcha_err service_list_reports(service *s, const char *id, const char *since, const char *limit,
                               service_reply *out);
/* Events of every workload (workload NULL) or one, after a sequence number. */
pqcha_err service_list_events(service *s, const char *workload, const char *after,
                              const char *limit, service_reply *out);
pqcha_err service_health(service *s, service_reply *out);
pqcha_err service_metrics(service *s, service_reply *out);

/* An event as GET /v1/events lists it (compact JSON, malloc'd), or NULL
 * when memory runs out. */
char *service_event_text(const store_event_row *row);

/* Periodic work: marks stale workloads, prunes expired challenges, and,
 * without a webhook, empties the webhook's outbox (store.h).
 * Returns: OK, STORE. */
pqcha_err service_tick(service *s);
/* The log's periodic work (tlog_tick): every few seconds. Returns: OK, STORE. */
pqcha_err service_log_tick(service *s);

/* GET /v1/log/PATH and POST /v1/log/cosignature (log.h; 404 without a log). */
pqcha_err service_log_get(service *s, const char *path, service_reply *out);
pqcha_err service_log_cosign(service *s, const char *body, size_t len, service_reply *out);

/* Counts a request refused before it reached the service (HTTP layer:
 * oversized, wrong type, unauthorised), for the metrics. */
void service_count_refusal(service *s, unsigned status);

#endif
