/* http_fetch.h — GET and POST of small documents below a base URL, for the
 * clients of a transparency log (the witness reads a log's checkpoint and
 * tiles and posts its cosignature). libcurl underneath, with the rules of
 * the agent's client (client.h): http:// or https:// only, redirects never
 * followed (a log is read where it was configured, or not at all), a
 * connect timeout and a total timeout, the connection kept between
 * requests. Every request names the most it reads of the answer; the rest
 * is discarded and the answer marked truncated. The answer is client.h's
 * client_answer. One handle is used by one thread at a time;
 * client_global_init must have run. */
#ifndef PQCHA_SERVICE_HTTP_FETCH_H
#define PQCHA_SERVICE_HTTP_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include "pqcha/error.h"
#include "service/client.h"

#define HTTP_FETCH_MAX_URL_BYTES 2048u

typedef struct http_fetch http_fetch;

typedef struct http_fetch_options {
    const char *url;            /* the base: http[s]://HOST[:PORT][/PREFIX], no '?' or '#' */
    const char *ca_file;        /* PEM CA bundle for HTTPS, or NULL: the system's */
    const char *user_agent;     /* NULL: "pqcha/<version>" */
    int64_t connect_timeout_ms; /* 0: CLIENT_DEFAULT_CONNECT_TIMEOUT */
    int64_t timeout_ms;         /* 0: CLIENT_DEFAULT_TIMEOUT */
} http_fetch_options;

/* Returns: OK, INVALID_ARGUMENT (a NULL; a URL that is not http:// or
 * https://, holds a space, a control character, a query or a fragment, or
 * is longer than HTTP_FETCH_MAX_URL_BYTES; a negative timeout), NO_MEMORY,
 * IO (libcurl could not make a handle). */
pqcha_err http_fetch_create(http_fetch **out, const http_fetch_options *options);
void http_fetch_free(http_fetch *h);
/* The base URL as used: without trailing '/'. */
const char *http_fetch_base(const http_fetch *h);

/* GET base + path (path starts with '/'); at most cap bytes of the body are
 * kept. Returns: OK (an answer, whatever its status), IO (no answer:
 * answer->why), INVALID_ARGUMENT (NULL, a path that does not start with '/'
 * or holds a space or control character, cap 0), NO_MEMORY. */
pqcha_err http_fetch_get(http_fetch *h, const char *path, size_t cap, client_answer *answer);
/* POST body (len bytes, of content_type) to base + path; as http_fetch_get. */
pqcha_err http_fetch_post(http_fetch *h, const char *path, const char *content_type,
                          const char *body, size_t len, size_t cap, client_answer *answer);

#endif
