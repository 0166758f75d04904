/* http_load.h — a small HTTP/1.1 load generator for the benchmarks: many
 * keep-alive connections driven by one thread through epoll, so that the
 * clients cost the machine as little CPU as possible and what is measured
 * is the server (wrk and h2load work the same way; neither can send a
 * different body on every request, which reports answering single-use
 * challenges need). */
#ifndef PQCHA_BENCH_HTTP_LOAD_H
#define PQCHA_BENCH_HTTP_LOAD_H

#include <stddef.h>
#include <stdint.h>

typedef struct http_load_body {
    const char *data;
    size_t len;
} http_load_body;

typedef struct http_load_run {
    double elapsed;     /* wall seconds, first request to last answer */
    double cpu_seconds; /* the load generator's own CPU time (user + system) */
    size_t failed;      /* requests not answered with the expected status */
    size_t broken;      /* ... of which their connection failed (closed, reset, garbled) */
    int bad_status;     /* the last unexpected status answered, or 0 */
} http_load_run;

/* POSTs every body once to 127.0.0.1:port/path over `connections`
 * connections, each with one request in flight, and records each request's
 * latency in latencies[i]. Returns 0, or -1 when it could not connect. */
int http_load_post(uint16_t port, const char *path, const http_load_body *bodies, size_t count,
                   unsigned connections, int expected_status, double *latencies,
                   http_load_run *run);

#endif
