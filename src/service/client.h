/* client.h — the agent's side of the verifier service's HTTP API
 * (docs/API.md): ask for a challenge, deliver a report, and tell from the
 * answer what to do with the report. libcurl underneath.
 *
 * Requests go to the base URL given (http:// or https://) plus the API's
 * path, with the bearer token if one is set, within a connect timeout and a
 * total timeout, over HTTP or HTTPS only. Redirects are never followed: a
 * report goes to the verifier configured, or nowhere. Answers are read up
 * to CLIENT_MAX_ANSWER_BYTES; the rest is discarded (the status still
 * counts). One handle is used by one thread at a time; it keeps its
 * connection open between requests. */
#ifndef PQCHA_SERVICE_CLIENT_H
#define PQCHA_SERVICE_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "pqcha/error.h"
#include "pqcha/report.h"

#define CLIENT_MAX_ANSWER_BYTES        (1u << 20)
#define CLIENT_DEFAULT_CONNECT_TIMEOUT 5000  /* ms */
#define CLIENT_DEFAULT_TIMEOUT         30000 /* ms, the whole exchange */
#define CLIENT_MAX_TOKEN_BYTES         4096u
/* The largest report the API takes (docs/API.md, "Limits"). */
#define CLIENT_MAX_REPORT_BYTES (16u << 20)

/* Once per process, before any handle is created, while no other thread
 * runs (libcurl's global initialisation is not thread-safe), and its
 * counterpart at the end. Returns: OK, IO (libcurl could not start). */
pqcha_err client_global_init(void);
void client_global_cleanup(void);

typedef struct client_options {
    const char *url;            /* the verifier's base URL: http[s]://HOST[:PORT][/PREFIX] */
    const char *token;          /* bearer token, or NULL; printable ASCII, no spaces */
    const char *ca_file;        /* PEM CA bundle for HTTPS, or NULL: the system's */
    int64_t connect_timeout_ms; /* 0: CLIENT_DEFAULT_CONNECT_TIMEOUT */
    int64_t timeout_ms;         /* 0: CLIENT_DEFAULT_TIMEOUT */
} client_options;

typedef struct client client;

/* Copies what it needs of options (the token is wiped when freed).
 * Returns: OK, INVALID_ARGUMENT (a NULL, a URL that is not http:// or
 * https://, a token with spaces or control characters, a negative
 * timeout), NO_MEMORY, IO (libcurl could not make a handle). */
pqcha_err client_create(client **out, const client_options *options);
void client_free(client *c);

/* What came back from one request. */
typedef struct client_answer {
    long status; /* the HTTP status; 0 when no answer came */
    char *body;  /* malloc'd, NUL-terminated (possibly empty); NULL with no answer */
    size_t body_len;
    int truncated; /* the body was longer than CLIENT_MAX_ANSWER_BYTES: cut there */
    char why[256]; /* with no answer: libcurl's reason (connection refused, timeout...) */
} client_answer;
void client_answer_clear(client_answer *a);
/* Resets a libcurl easy handle (a CURL *; its connection stays open) to one
 * request of url with the rules every pqcha HTTP client keeps: http:// and
 * https:// only, redirects never followed, no signals. */
void client_curl_reset(void *curl, const char *url);

/* POST /v1/challenge {"workload": ID}. nonce is set to "" first.
 * Returns: OK (an answer came: with status 200, nonce holds the challenge
 * in lowercase hex and *expires_at, which may be NULL, its expiry in Unix
 * seconds; any other status issued no challenge: 401 the token, 404 a
 * workload the policy does not know, 503 the database...), MALFORMED (a
 * 200 whose body is not a challenge), IO (no answer: answer->why),
 * INVALID_ARGUMENT, NO_MEMORY. */
pqcha_err client_challenge(client *c, const char *workload,
                           char nonce[2 * PQCHA_MAX_NONCE_BYTES + 1], int64_t *expires_at,
                           client_answer *answer);

/* POST /v1/reports with the report's exact bytes.
 * Returns: OK (an answer, whatever its status: see client_delivery_of), IO
 * (no answer: answer->why), INVALID_ARGUMENT, NO_MEMORY. */
pqcha_err client_post_report(client *c, const char *report, size_t len, client_answer *answer);

/* What a delivery's answer means for a report of report_len bytes.
 *
 * DELIVERED: 2xx. The verifier stored it with its verdict (valid or not:
 * a rejected report is a delivered report).
 *
 * REFUSED: 400, 415, and 413 for a report over CLIENT_MAX_REPORT_BYTES.
 * The verifier read the request and will never take these bytes:
 * unreadable (400, verdict malformed), not sent as JSON (415), over the
 * API's size limit (413). Sending it again can only get the same answer,
 * so it leaves the spool (counted and logged) instead of blocking it.
 *
 * RETRY: no answer (connection refused or reset, DNS, TLS, timeout), 5xx
 * (the verifier or its database is down or busy), 408 and 429 (asked to
 * come back later), 413 for a report within the limit (from something in
 * between, such as a reverse proxy's body limit, which can be raised),
 * and every other status, notably 401/403, 404/405 and 3xx: these say the
 * agent's configuration is wrong (the token, the URL), not the report, and
 * once that is fixed the report must still be there. Keeping a report is
 * the default for anything not known to be permanent: the spool's bounds
 * cap the cost. */
typedef enum client_delivery {
    CLIENT_DELIVERED = 0,
    CLIENT_REFUSED = 1,
    CLIENT_RETRY = 2
} client_delivery;
client_delivery client_delivery_of(pqcha_err post_result, const client_answer *answer,
                                   size_t report_len);

#endif
