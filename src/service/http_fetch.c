/* http_fetch.c — see http_fetch.h. */
#include "service/http_fetch.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pqcha.h"
#include "service/client.h"

struct http_fetch {
    CURL *curl;
    char *base; /* without a trailing '/' */
    char *ca_file;
    char *user_agent;
    long connect_timeout_ms, timeout_ms;
    char errors[CURL_ERROR_SIZE];
};

/* One request's answer and how much of it to keep. */
struct sink {
    client_answer *answer;
    size_t cap;
};

/* Printable ASCII without spaces: nothing in a URL may start a new header
 * line or hide part of the address. */
static int printable_token(const char *text) {
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f) return 0;
    return 1;
}

/* A header value: printable ASCII, spaces allowed. */
static int printable_content_type(const char *text) {
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        if (*p < 0x20 || *p >= 0x7f) return 0;
    return *text != '\0';
}

static int base_url_ok(const char *url) {
    size_t scheme = strncmp(url, "https://", 8) == 0 ? 8 : strncmp(url, "http://", 7) == 0 ? 7 : 0;
    size_t len = strlen(url);
    /* A query or fragment in the base would swallow every path put after it. */
    return scheme > 0 && len > scheme && len <= HTTP_FETCH_MAX_URL_BYTES && printable_token(url) &&
           !strpbrk(url, "?#");
}

pqcha_err http_fetch_create(http_fetch **out, const http_fetch_options *options) {
    if (!out) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (!options || !options->url || !base_url_ok(options->url) ||
        options->connect_timeout_ms < 0 || options->timeout_ms < 0)
        return PQCHA_ERR_INVALID_ARGUMENT;
    http_fetch *h = calloc(1, sizeof *h);
    if (!h) return PQCHA_ERR_NO_MEMORY;
    char agent[64];
    snprintf(agent, sizeof agent, "pqcha/%s", pqcha_version());
    h->base = strdup(options->url);
    h->ca_file = options->ca_file ? strdup(options->ca_file) : NULL;
    h->user_agent = strdup(options->user_agent ? options->user_agent : agent);
    pqcha_err err = !h->base || !h->user_agent || (options->ca_file && !h->ca_file)
                        ? PQCHA_ERR_NO_MEMORY
                        : PQCHA_OK;
    if (err == PQCHA_OK && !(h->curl = curl_easy_init())) err = PQCHA_ERR_IO;
    if (err != PQCHA_OK) {
        http_fetch_free(h);
        return err;
    }
    for (size_t len = strlen(h->base); len > 0 && h->base[len - 1] == '/'; len--)
        h->base[len - 1] = '\0';
    h->connect_timeout_ms = options->connect_timeout_ms ? (long)options->connect_timeout_ms
                                                        : CLIENT_DEFAULT_CONNECT_TIMEOUT;
    h->timeout_ms = options->timeout_ms ? (long)options->timeout_ms : CLIENT_DEFAULT_TIMEOUT;
    *out = h;
    return PQCHA_OK;
}

void http_fetch_free(http_fetch *h) {
    if (!h) return;
    if (h->curl) curl_easy_cleanup(h->curl);
    free(h->base);
    free(h->ca_file);
    free(h->user_agent);
    free(h);
}

const char *http_fetch_base(const http_fetch *h) {
    return h ? h->base : NULL;
}

/* Keeps the body up to the sink's cap and reads the rest to nothing, so
 * that the status and the connection stay good. */
static size_t keep_body(char *data, size_t size, size_t count, void *ctx) {
    struct sink *s = ctx;
    client_answer *a = s->answer;
    size_t n = size * count;
    size_t take = s->cap - a->body_len < n ? s->cap - a->body_len : n;
    a->truncated |= take < n;
    if (take > 0) {
        char *grown = realloc(a->body, a->body_len + take + 1);
        if (!grown) return 0; /* fails the transfer: no answer */
        memcpy(grown + a->body_len, data, take);
        a->body = grown;
        a->body_len += take;
        a->body[a->body_len] = '\0';
    }
    return n;
}

/* One request: a GET when body is NULL. OK with an answer, IO without. */
static pqcha_err exchange(http_fetch *h, const char *path, struct curl_slist *headers,
                          const char *body, size_t len, size_t cap, client_answer *a) {
    if (!h || !path || path[0] != '/' || !printable_token(path) || cap == 0 || !a)
        return PQCHA_ERR_INVALID_ARGUMENT;
    size_t url_len = strlen(h->base) + strlen(path) + 1;
    char *url = malloc(url_len);
    if (!url) return PQCHA_ERR_NO_MEMORY;
    snprintf(url, url_len, "%s%s", h->base, path);
    struct sink sink = {a, cap};
    CURL *c = h->curl;
    client_curl_reset(c, url); /* the agent's rules: http(s) only, no redirects */
    if (body) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    if (headers) curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_USERAGENT, h->user_agent);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->timeout_ms);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errors);
    if (h->ca_file) curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_file);
    h->errors[0] = '\0';
    CURLcode res = curl_easy_perform(c);
    free(url);
    long status = 0;
    if (res == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (res != CURLE_OK || status == 0) {
        client_answer_clear(a); /* half an answer is none */
        snprintf(a->why, sizeof a->why, "%s", h->errors[0] ? h->errors : curl_easy_strerror(res));
        return res == CURLE_OUT_OF_MEMORY ? PQCHA_ERR_NO_MEMORY : PQCHA_ERR_IO;
    }
    a->status = status;
    if (!a->body && !(a->body = calloc(1, 1))) return PQCHA_ERR_NO_MEMORY;
    return PQCHA_OK;
}

pqcha_err http_fetch_get(http_fetch *h, const char *path, size_t cap, client_answer *answer) {
    if (answer) memset(answer, 0, sizeof *answer);
    return exchange(h, path, NULL, NULL, 0, cap, answer);
}

pqcha_err http_fetch_post(http_fetch *h, const char *path, const char *content_type,
                          const char *body, size_t len, size_t cap, client_answer *answer) {
    if (answer) memset(answer, 0, sizeof *answer);
    if (!content_type || !body || !printable_content_type(content_type))
        return PQCHA_ERR_INVALID_ARGUMENT;
    char line[256];
    if ((size_t)snprintf(line, sizeof line, "Content-Type: %s", content_type) >= sizeof line)
        return PQCHA_ERR_INVALID_ARGUMENT;
    struct curl_slist *headers = curl_slist_append(NULL, line);
    struct curl_slist *more = headers ? curl_slist_append(headers, "Expect:") : NULL;
    if (!more) {
        curl_slist_free_all(headers);
        return PQCHA_ERR_NO_MEMORY;
    }
    pqcha_err err = exchange(h, path, more, body, len, cap, answer);
    curl_slist_free_all(more);
    return err;
}
