/* http.h — `pqcha serve`'s HTTP/1.1 front (libmicrohttpd): routes
 * requests to the service (service.h), caps bodies and connections, checks
 * the bearer token. docs/API.md lists the endpoints. */
#ifndef PQCHA_SERVICE_HTTP_H
#define PQCHA_SERVICE_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "service/service.h"

typedef struct http_options {
    const char *listen; /* "HOST:PORT", "[V6]:PORT"; port 0 picks a free one */
    const char *token;  /* bearer token every endpoint needs but /healthz and the dashboard's
                        * files (they hold no data); NULL: none */
    unsigned threads;   /* threads verifying and storing POSTs; 0: 32 (each waits for its commit) */
    unsigned max_connections; /* 0: 1000 */
    unsigned timeout_seconds; /* idle or slow connection closed after; 0: 10 */
    size_t max_buffered;      /* request bodies held at once, all connections; 0: 256 MiB */
    const char *tls_cert_pem; /* both set: HTTPS (PEM text, not paths) */
    const char *tls_key_pem;
} http_options;

typedef struct http_server http_server;

/* Starts serving in threads of its own. why receives the reason on failure.
 * Returns: OK, INVALID_ARGUMENT (listen address), IO (cannot bind or
 * start), NO_MEMORY. */
pqcha_err http_start(http_server **out, service *svc, const http_options *options, char *why,
                     size_t why_len);
/* The port actually listened on. */
uint16_t http_port(const http_server *h);
/* Stops accepting, finishes the requests in flight, frees. */
void http_stop(http_server *h);

#endif
