/* http.c — libmicrohttpd glue for the verifier service.
 *
 * A request's body is gathered into a buffer of its own, capped by its
 * endpoint (a report: 16 MiB; a cosigned checkpoint: 256 KiB; anything
 * else: 4 KiB) and by a budget shared
 * by every connection (max_buffered), so that many slow uploads cannot
 * exhaust memory; a Content-Length over the cap is refused before any body
 * is read. libmicrohttpd closes connections idle or slower than the
 * timeout and caps how many are open at once.
 *
 * A few libmicrohttpd threads read and write the network and never wait.
 * A report is verified in its network thread when the store commits in
 * the background (SQLite): the connection is suspended while the store
 * commits and flushes, and resumed to send the answer, so no thread waits
 * for the disk and no report crosses threads but to the store's. Any
 * other POST (and a report, with PostgreSQL or a transparency log, whose
 * answers wait) is handed to a pool of request threads (workers.h) with
 * its connection suspended, and resumed with the answer. */
#include "service/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pqcha/crypto.h"
#include "service/assets.h"
#include "service/try.h"
#include "service/workers.h"

#define DEFAULT_THREADS     32u
#define MAX_NETWORK_THREADS 8u
#define DEFAULT_CONNECTIONS 1000u
#define DEFAULT_TIMEOUT     10u
#define DEFAULT_BUFFERED    ((size_t)256 << 20)
/* A connection's memory in libmicrohttpd: the request's head and its read
 * buffer (bodies are copied out as they come). libmicrohttpd clears it for
 * every request, so its size is CPU per request: at 64 KiB that was 3% of
 * the server's under load. 16 KiB leaves heads of about 8 KiB (tokens,
 * proxies' headers); a longer head is refused with 431. */
#define CONNECTION_MEMORY ((size_t)16 << 10)
#define WORKLOAD_PREFIX   "/v1/workloads/"
#define REPORTS_SUFFIX    "/reports"
/* The transparency log is public: no token (its tiles are meant to be
 * mirrored, and witnesses' cosignatures are checked by their signatures). */
#define LOG_PREFIX      "/v1/log/"
#define COSIGNATURE_URL "/v1/log/cosignature"

struct http_server {
    struct MHD_Daemon *daemon;
    workers *pool; /* runs the POSTs that wait */
    /* Reports whose commits are in flight (their connections suspended),
     * so that stopping waits for them; while stopping, none starts. */
    pthread_mutex_t flight_lock;
    pthread_cond_t flight_landed;
    unsigned in_flight;
    int stopping;
    service *svc;
    char *token;
    size_t max_buffered;
    atomic_size_t buffered; /* body bytes held by every connection */
    uint16_t port;
    int fd;
};

typedef enum post_endpoint { POST_REPORT, POST_CHALLENGE, POST_COSIGNATURE } post_endpoint;

/* A report verified in its network thread, while the store commits it. */
enum { NOT_COMMITTING, COMMITTING, ORPHANED /* closed meanwhile: the commit's end frees it */ };

/* One request's state between libmicrohttpd's calls. */
typedef struct request {
    char *body;
    size_t len, cap, limit;
    int refused; /* a reply was queued before the body: drop what comes */
    /* A POST while a request thread answers it (its connection suspended): */
    http_server *h;
    struct MHD_Connection *connection;
    post_endpoint endpoint;
    int answered; /* reply and err hold the answer to send */
    pqcha_err err;
    service_reply reply;
    service_pending *pending; /* a report committed in the background */
    atomic_int stage;         /* of that commit */
} request;

/* ---- replies ---- */

static enum MHD_Result send_reply(struct MHD_Connection *c, service_reply *r) {
    struct MHD_Response *response =
        MHD_create_response_from_buffer(r->body_len, r->body, MHD_RESPMEM_MUST_FREE);
    if (!response) {
        service_reply_clear(r);
        return MHD_NO;
    }
    r->body = NULL; /* libmicrohttpd frees it */
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
    MHD_add_response_header(response, MHD_HTTP_HEADER_CACHE_CONTROL,
                            r->cache_control ? r->cache_control : "no-store");
    MHD_add_response_header(response, "X-Content-Type-Options", "nosniff");
    enum MHD_Result ok = MHD_queue_response(c, r->status, response);
    MHD_destroy_response(response);
    return ok;
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *name,
                                  const char *message) {
    service_reply r;
    memset(&r, 0, sizeof r);
    if (service_error_reply(&r, status, name, message) != PQCHA_OK) return MHD_NO;
    return send_reply(c, &r);
}

static enum MHD_Result send_service(struct MHD_Connection *c, pqcha_err err, service_reply *r) {
    if (err != PQCHA_OK) {
        service_reply_clear(r);
        return send_error(c, 500, pqcha_error_name(err), pqcha_strerror(err));
    }
    return send_reply(c, r);
}

/* ---- the dashboard's files (src/service/dashboard) ---- */

/* The page at "/" and its files by name; NULL for any other path. */
static const service_asset *find_asset(const char *url) {
    if (strcmp(url, "/") == 0) url = "/index.html";
    for (size_t i = 0; i < service_asset_count; i++)
        if (strcmp(url, service_assets[i].path) == 0) return &service_assets[i];
    return NULL;
}

static int has_suffix(const char *s, const char *suffix) {
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

/* The page may run only its own script and style, fetch only this server,
 * and not be framed; a form never sends the token anywhere. */
static const char dashboard_csp[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

/* Compiled-in data: served without the token (it holds no data; the page
 * sends the token with each API call). */
static enum MHD_Result send_asset(struct MHD_Connection *c, const service_asset *a) {
    struct MHD_Response *response = MHD_create_response_from_buffer(
        a->size, (void *)(uintptr_t)a->data, MHD_RESPMEM_PERSISTENT);
    if (!response) return MHD_NO;
    const char *type = has_suffix(a->path, ".html")  ? "text/html; charset=utf-8"
                       : has_suffix(a->path, ".css") ? "text/css; charset=utf-8"
                       : has_suffix(a->path, ".js")  ? "text/javascript; charset=utf-8"
                                                     : "application/octet-stream";
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    MHD_add_response_header(response, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(response, "X-Frame-Options", "DENY");
    MHD_add_response_header(response, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(response, "Content-Security-Policy", dashboard_csp);
    enum MHD_Result ok = MHD_queue_response(c, MHD_HTTP_OK, response);
    MHD_destroy_response(response);
    return ok;
}

/* ---- authorisation and limits ---- */

static int constant_time_equal(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    unsigned char diff = (unsigned char)(la != lb);
    for (size_t i = 0; i < la && i < lb; i++)
        diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

static int authorised(const http_server *h, struct MHD_Connection *c, const char *url) {
    /* A browser asks for /favicon.ico by itself: answered 404, not 401. */
    if (!h->token || strcmp(url, "/healthz") == 0 || strcmp(url, "/favicon.ico") == 0 ||
        find_asset(url) || strncmp(url, LOG_PREFIX, strlen(LOG_PREFIX)) == 0)
        return 1;
    const char *header =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    static const char scheme[] = "Bearer ";
    if (!header || strncmp(header, scheme, sizeof scheme - 1) != 0) return 0;
    return constant_time_equal(header + sizeof scheme - 1, h->token);
}

static size_t body_limit(const char *url) {
    if (strcmp(url, COSIGNATURE_URL) == 0) return TLOG_MAX_COSIGNATURE_BYTES;
    return strcmp(url, "/v1/reports") == 0 ? SERVICE_MAX_REPORT_BYTES : SERVICE_MAX_REQUEST_BYTES;
}

static int is_json(struct MHD_Connection *c) {
    const char *type =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    static const char json[] = "application/json";
    if (!type || strncasecmp(type, json, sizeof json - 1) != 0) return 0;
    char next = type[sizeof json - 1];
    return next == '\0' || next == ';' || next == ' ';
}

/* Every body is JSON but a cosigned checkpoint: a signed note, text as a
 * witness sends it (any type is taken: its signatures are what counts). */
static int takes_json(const char *url) {
    return strcmp(url, COSIGNATURE_URL) != 0;
}

/* A declared Content-Length over the limit: refused before reading. */
static int declared_too_large(struct MHD_Connection *c, size_t limit) {
    const char *length =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (!length) return 0;
    char *end;
    unsigned long long n = strtoull(length, &end, 10);
    return *end != '\0' || n > limit;
}

/* Takes len more bytes of body into the request's buffer. Returns 0, or the
 * refusal: 413 past the endpoint's limit, 503 when the budget shared by
 * every connection is spent (busy, not too large: send it again later). */
static unsigned gather(http_server *h, request *rq, const char *data, size_t len) {
    if (len > rq->limit - rq->len) return 413;
    if (rq->len + len > rq->cap) {
        size_t cap = rq->cap ? rq->cap : 4096;
        while (cap < rq->len + len)
            cap *= 2;
        if (cap > rq->limit) cap = rq->limit;
        size_t grow = cap - rq->cap;
        if (atomic_fetch_add(&h->buffered, grow) + grow > h->max_buffered) {
            atomic_fetch_sub(&h->buffered, grow);
            return 503;
        }
        char *bigger = realloc(rq->body, cap);
        if (!bigger) {
            atomic_fetch_sub(&h->buffered, grow);
            return 503;
        }
        rq->body = bigger;
        rq->cap = cap;
    }
    memcpy(rq->body + rq->len, data, len);
    rq->len += len;
    return 0;
}

static void request_free(http_server *h, request *rq) {
    atomic_fetch_sub(&h->buffered, rq->cap);
    service_reply_clear(&rq->reply); /* closed before its answer was sent */
    service_submit_cancel(rq->pending);
    free(rq->body);
    free(rq);
}

static void request_done(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode why) {
    (void)c, (void)why;
    request *rq = *con_cls;
    if (!rq) return;
    *con_cls = NULL;
    int committing = COMMITTING;
    if (!atomic_compare_exchange_strong(&rq->stage, &committing, ORPHANED)) request_free(cls, rq);
}

/* ---- routing ---- */

static const char *query(struct MHD_Connection *c, const char *key) {
    return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, key);
}

/* GET /v1/workloads/{id} and /v1/workloads/{id}/reports. */
static enum MHD_Result route_workload(http_server *h, struct MHD_Connection *c, const char *url) {
    service_reply r;
    const char *id = url + strlen(WORKLOAD_PREFIX);
    size_t len = strlen(id), suffix = strlen(REPORTS_SUFFIX);
    if (len > suffix && strcmp(id + len - suffix, REPORTS_SUFFIX) == 0) {
        char *workload = strndup(id, len - suffix);
        if (!workload) return MHD_NO;
        pqcha_err err =
            service_list_reports(h->svc, workload, query(c, "since"), query(c, "limit"), &r);
        free(workload);
        return send_service(c, err, &r);
    }
    if (len == 0) return send_error(c, 404, "NOT_FOUND", "no such endpoint");
    return send_service(c, service_get_workload(h->svc, id, &r), &r);
}

static enum MHD_Result route_get(http_server *h, struct MHD_Connection *c, const char *url) {
    service_reply r;
    const service_asset *asset = find_asset(url);
    if (asset) return send_asset(c, asset);
    if (strcmp(url, "/healthz") == 0) return send_service(c, service_health(h->svc, &r), &r);
    if (strcmp(url, "/metrics") == 0) return send_service(c, service_metrics(h->svc, &r), &r);
    if (strcmp(url, "/v1/workloads") == 0)
        return send_service(c, service_list_workloads(h->svc, &r), &r);
    if (strcmp(url, "/v1/events") == 0)
        return send_service(c,
                            service_list_events(h->svc, query(c, "workload"), query(c, "after"),
                                                query(c, "limit"), &r),
                            &r);
    if (strncmp(url, WORKLOAD_PREFIX, strlen(WORKLOAD_PREFIX)) == 0)
        return route_workload(h, c, url);
    if (strncmp(url, LOG_PREFIX, strlen(LOG_PREFIX)) == 0)
        return send_service(c, service_log_get(h->svc, url + strlen(LOG_PREFIX), &r), &r);
    return send_error(c, 404, "NOT_FOUND", "no such endpoint");
}

static post_endpoint post_endpoint_of(const char *url) {
    if (strcmp(url, "/v1/challenge") == 0) return POST_CHALLENGE;
    if (strcmp(url, COSIGNATURE_URL) == 0) return POST_COSIGNATURE;
    return POST_REPORT;
}

/* A request thread's job: the service's answer to a POST, then the
 * connection resumed to send it (rq is not touched after: the connection
 * may close and free it at once). */
static void answer_post(void *job) {
    request *rq = job;
    service *svc = rq->h->svc;
    const char *body = rq->body ? rq->body : "";
    if (rq->endpoint == POST_CHALLENGE)
        rq->err = service_challenge(svc, body, rq->len, &rq->reply);
    else if (rq->endpoint == POST_COSIGNATURE)
        rq->err = service_log_cosign(svc, body, rq->len, &rq->reply);
    else
        rq->err = service_submit_report(svc, body, rq->len, &rq->reply);
    rq->answered = 1;
    MHD_resume_connection(rq->connection);
}

static void flight_landed(http_server *h) {
    pthread_mutex_lock(&h->flight_lock);
    if (--h->in_flight == 0) pthread_cond_broadcast(&h->flight_landed);
    pthread_mutex_unlock(&h->flight_lock);
}

/* The store's thread: the report is committed (or not); its network thread
 * gives the answer. */
static void report_committed(void *ctx) {
    request *rq = ctx;
    http_server *h = rq->h;
    int committing = COMMITTING;
    if (atomic_compare_exchange_strong(&rq->stage, &committing, NOT_COMMITTING))
        MHD_resume_connection(rq->connection); /* rq is not touched after */
    else
        request_free(h, rq); /* its connection is gone */
    flight_landed(h);
}

/* Whether a report may start in this thread (not while stopping). */
static int take_off(http_server *h) {
    pthread_mutex_lock(&h->flight_lock);
    int go = !h->stopping;
    if (go) h->in_flight++;
    pthread_mutex_unlock(&h->flight_lock);
    return go;
}

/* Verifies here (the first pass, or again as a replay), and the connection
 * (suspended) waits for the commit. */
static void start_report(http_server *h, request *rq, int first) {
    atomic_store(&rq->stage, COMMITTING);
    if (first)
        rq->err = service_submit_start(h->svc, rq->body ? rq->body : "", rq->len, report_committed,
                                       rq, &rq->pending, &rq->reply);
    else
        rq->err = service_submit_finish(&rq->pending, &rq->reply);
    if (rq->pending) return;
    rq->answered = 1; /* answered at once: nothing was queued */
    atomic_store(&rq->stage, NOT_COMMITTING);
    MHD_resume_connection(rq->connection);
    flight_landed(h);
}

/* Suspends the connection and starts a report here, or hands the POST to
 * a request thread (or answers it in this one while the server stops). */
static enum MHD_Result dispatch_post(http_server *h, struct MHD_Connection *c, const char *url,
                                     request *rq) {
    rq->h = h;
    rq->connection = c;
    rq->endpoint = post_endpoint_of(url);
    MHD_suspend_connection(c);
    if (rq->endpoint == POST_REPORT && service_submits_in_background(h->svc) && take_off(h))
        start_report(h, rq, 1);
    else if (!workers_submit(h->pool, rq))
        answer_post(rq);
    return MHD_YES;
}

/* After the commit: the answer, or the report verified and queued once
 * more (another report took its challenge meanwhile: it is a replay). */
static enum MHD_Result finish_report(http_server *h, struct MHD_Connection *c, request *rq) {
    if (!service_submit_again(rq->pending)) {
        pqcha_err err = service_submit_finish(&rq->pending, &rq->reply);
        return send_service(c, err, &rq->reply);
    }
    if (!take_off(h)) {
        service_submit_cancel(rq->pending);
        rq->pending = NULL;
        return send_error(c, 503, "STOPPING", "the server is stopping; send it again");
    }
    MHD_suspend_connection(c);
    start_report(h, rq, 0);
    return MHD_YES;
}

static int is_post_endpoint(const char *url) {
    return strcmp(url, "/v1/challenge") == 0 || strcmp(url, "/v1/reports") == 0 ||
           strcmp(url, COSIGNATURE_URL) == 0;
}

/* The first call for a request, headers only: refuse what can be refused
 * before any body is read. Returns 1 when a refusal was queued. */
static int refuse_early(http_server *h, struct MHD_Connection *c, const char *url,
                        const char *method, enum MHD_Result *result) {
    unsigned status = 0;
    int post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
    int get = strcmp(method, MHD_HTTP_METHOD_GET) == 0;
    if (!authorised(h, c, url)) {
        status = 401;
        *result = send_error(c, 401, "UNAUTHORIZED", "a valid bearer token is required");
    } else if (post != is_post_endpoint(url) || (!post && !get)) {
        status = 405;
        *result = send_error(c, 405, "METHOD_NOT_ALLOWED",
                             is_post_endpoint(url) ? "use POST" : "use GET");
    } else if (post && takes_json(url) && !is_json(c)) {
        status = 415;
        *result = send_error(c, 415, "UNSUPPORTED_MEDIA_TYPE", "send application/json");
    } else if (post && declared_too_large(c, body_limit(url))) {
        status = 413;
        *result = send_error(c, 413, "TOO_LARGE", "the body is over this endpoint's limit");
    }
    if (status) service_count_refusal(h->svc, status);
    return status != 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls) {
    (void)version;
    http_server *h = cls;
    request *rq = *con_cls;
    if (!rq) {
        rq = calloc(1, sizeof *rq);
        if (!rq) return MHD_NO;
        *con_cls = rq;
        rq->limit = body_limit(url);
        enum MHD_Result result = MHD_YES;
        if (refuse_early(h, c, url, method, &result)) rq->refused = 1;
        return result;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        unsigned refusal = rq->refused ? 0 : gather(h, rq, upload_data, n);
        if (refusal == 0) return MHD_YES;
        rq->refused = 1;
        service_count_refusal(h->svc, refusal);
        if (refusal == 503)
            return send_error(c, 503, "BUSY", "too many request bodies at once; send it again");
        return send_error(c, 413, "TOO_LARGE", "the body is over this endpoint's limit");
    }
    if (rq->refused) return MHD_YES;
    if (rq->pending) return finish_report(h, c, rq);
    if (rq->answered) return send_service(c, rq->err, &rq->reply);
    if (strcmp(method, MHD_HTTP_METHOD_POST) == 0) return dispatch_post(h, c, url, rq);
    return route_get(h, c, url);
}

/* ---- listening ---- */

/* "HOST:PORT" or "[HOST]:PORT" into a bound, listening socket. */
static pqcha_err listen_on(const char *address, int *fd, char *why, size_t why_len) {
    char host[256];
    const char *colon = strrchr(address, ':');
    if (!colon || colon == address || (size_t)(colon - address) >= sizeof host) {
        snprintf(why, why_len, "listen address must be HOST:PORT, not %s", address);
        return PQCHA_ERR_INVALID_ARGUMENT;
    }
    size_t host_len = (size_t)(colon - address);
    if (address[0] == '[' && address[host_len - 1] == ']') {
        memcpy(host, address + 1, host_len - 2);
        host[host_len - 2] = '\0';
    } else {
        memcpy(host, address, host_len);
        host[host_len] = '\0';
    }
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int rc = getaddrinfo(host, colon + 1, &hints, &ai);
    if (rc != 0) {
        snprintf(why, why_len, "%s: %s", address, gai_strerror(rc));
        return PQCHA_ERR_INVALID_ARGUMENT;
    }
    *fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    int on = 1;
    if (*fd < 0 || setsockopt(*fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
        bind(*fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(*fd, 1024) != 0) {
        snprintf(why, why_len, "cannot listen on %s: %s", address, strerror(errno));
        if (*fd >= 0) close(*fd);
        freeaddrinfo(ai);
        return PQCHA_ERR_IO;
    }
    freeaddrinfo(ai);
    return PQCHA_OK;
}

static uint16_t bound_port(int fd) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) return 0;
    if (ss.ss_family == AF_INET) return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

/* As many network threads as CPUs (they only move bytes), 2-8. */
static unsigned network_threads(void) {
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus < 2) return 2;
    return cpus > (long)MAX_NETWORK_THREADS ? MAX_NETWORK_THREADS : (unsigned)cpus;
}

static struct MHD_Daemon *start_daemon(http_server *h, const http_options *o) {
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME;
    int tls = o->tls_cert_pem && o->tls_key_pem;
    if (tls) flags |= MHD_USE_TLS;
    unsigned threads = network_threads();
    unsigned limit = o->max_connections ? o->max_connections : DEFAULT_CONNECTIONS;
    unsigned timeout = o->timeout_seconds ? o->timeout_seconds : DEFAULT_TIMEOUT;
    return MHD_start_daemon(flags, 0, NULL, NULL, on_request, h, MHD_OPTION_LISTEN_SOCKET, h->fd,
                            MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT,
                            limit, MHD_OPTION_CONNECTION_TIMEOUT, timeout,
                            MHD_OPTION_NOTIFY_COMPLETED, request_done, h,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONNECTION_MEMORY,
                            MHD_OPTION_HTTPS_MEM_CERT, tls ? o->tls_cert_pem : NULL,
                            MHD_OPTION_HTTPS_MEM_KEY, tls ? o->tls_key_pem : NULL, MHD_OPTION_END);
}

static void http_free(http_server *h) {
    if (h->token) {
        pqcha_wipe(h->token, strlen(h->token));
        free(h->token);
    }
    pthread_cond_destroy(&h->flight_landed);
    pthread_mutex_destroy(&h->flight_lock);
    free(h);
}

pqcha_err http_start(http_server **out, service *svc, const http_options *o, char *why,
                     size_t why_len) {
    if (!out) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (!svc || !o || !o->listen || (!o->tls_cert_pem != !o->tls_key_pem))
        return PQCHA_ERR_INVALID_ARGUMENT;
    http_server *h = calloc(1, sizeof *h);
    if (!h) return PQCHA_ERR_NO_MEMORY;
    h->svc = svc;
    pthread_mutex_init(&h->flight_lock, NULL);
    pthread_cond_init(&h->flight_landed, NULL);
    h->max_buffered = o->max_buffered ? o->max_buffered : DEFAULT_BUFFERED;
    h->token = o->token ? strdup(o->token) : NULL;
    pqcha_err err = o->token && !h->token ? PQCHA_ERR_NO_MEMORY : PQCHA_OK;
    if (err == PQCHA_OK) err = listen_on(o->listen, &h->fd, why, why_len);
    if (err == PQCHA_OK) {
        err = workers_create(&h->pool, o->threads ? o->threads : DEFAULT_THREADS, answer_post);
        if (err != PQCHA_OK) {
            snprintf(why, why_len, "cannot start the request threads");
            close(h->fd);
        }
    }
    if (err == PQCHA_OK) {
        h->port = bound_port(h->fd);
        h->daemon = start_daemon(h, o);
        if (!h->daemon) {
            snprintf(why, why_len, "the HTTP server did not start (TLS key or certificate?)");
            close(h->fd);
            workers_free(h->pool);
            err = PQCHA_ERR_IO;
        }
    }
    if (err != PQCHA_OK) {
        http_free(h);
        return err;
    }
    *out = h;
    return PQCHA_OK;
}

uint16_t http_port(const http_server *h) {
    return h ? h->port : 0;
}

/* Waits until no report is being committed, and lets none start. */
static void land_all(http_server *h) {
    pthread_mutex_lock(&h->flight_lock);
    h->stopping = 1;
    while (h->in_flight > 0)
        pthread_cond_wait(&h->flight_landed, &h->flight_lock);
    pthread_mutex_unlock(&h->flight_lock);
}

void http_stop(http_server *h) {
    if (!h) return;
    /* The reports being committed land, and the POSTs in the request
     * threads' queue are answered, before the daemon stops, so that no
     * connection is left suspended; one arriving from then on is answered
     * by its network thread (the pool refuses it but stays valid until the
     * daemon's threads are gone). */
    land_all(h);
    workers_stop(h->pool);
    MHD_stop_daemon(h->daemon); /* closes the listening socket it was given */
    workers_free(h->pool);
    http_free(h);
}
