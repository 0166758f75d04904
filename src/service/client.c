/* client.c — see client.h. */
#include "service/client.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pqcha.h"
#include "service/try.h"

#define MAX_URL_BYTES 2048u

struct client {
    CURL *curl;
    char *base;                 /* without a trailing '/' */
    char *ca_file;              /* NULL: the system's bundle */
    struct curl_slist *headers; /* the same for every request; one holds the token */
    struct curl_slist *auth;    /* the token's entry in headers, wiped when freed */
    long connect_timeout_ms, timeout_ms;
    char user_agent[64];
    char errors[CURL_ERROR_SIZE];
};

pqcha_err client_global_init(void) {
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? PQCHA_OK : PQCHA_ERR_IO;
}

void client_global_cleanup(void) {
    curl_global_cleanup();
}

/* ---- options ---- */

/* http:// or https://, then printable ASCII without spaces (a URL with a
 * control character could smuggle a header line). */
static int url_ok(const char *url) {
    if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) return 0;
    size_t len = strlen(url);
    if (len > MAX_URL_BYTES || len <= strlen("https://")) return 0;
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) return 0;
    return 1;
}

/* A token goes into a header line: printable ASCII, no spaces. */
static int token_ok(const char *token) {
    size_t len = strlen(token);
    if (len == 0 || len > CLIENT_MAX_TOKEN_BYTES) return 0;
    for (const char *p = token; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) return 0;
    return 1;
}

static int options_ok(const client_options *o) {
    return o && o->url && url_ok(o->url) && (!o->token || token_ok(o->token)) &&
           o->connect_timeout_ms >= 0 && o->timeout_ms >= 0;
}

/* The header lines every request carries. The token's line is built in a
 * buffer of ours so that the only other copy is libcurl's, wiped on free. */
static pqcha_err build_headers(client *c, const char *token) {
    static const char *const fixed[] = {
        "Content-Type: application/json", "Accept: application/json",
        "Expect:", /* no 100-continue round trip before a report */
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        struct curl_slist *more = curl_slist_append(c->headers, fixed[i]);
        if (!more) return PQCHA_ERR_NO_MEMORY;
        c->headers = more;
    }
    if (!token) return PQCHA_OK;
    size_t len = strlen("Authorization: Bearer ") + strlen(token) + 1;
    char *line = malloc(len);
    if (!line) return PQCHA_ERR_NO_MEMORY;
    snprintf(line, len, "Authorization: Bearer %s", token);
    struct curl_slist *more = curl_slist_append(c->headers, line);
    pqcha_free_secret(line, len);
    if (!more) return PQCHA_ERR_NO_MEMORY;
    c->headers = more;
    for (c->auth = more; c->auth->next; c->auth = c->auth->next)
        ;
    return PQCHA_OK;
}

static long timeout_or(int64_t ms, long otherwise) {
    return ms == 0 ? otherwise : ms > 86400000 ? 86400000L : (long)ms;
}

pqcha_err client_create(client **out, const client_options *options) {
    if (!out) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (!options_ok(options)) return PQCHA_ERR_INVALID_ARGUMENT;
    client *c = calloc(1, sizeof *c);
    if (!c) return PQCHA_ERR_NO_MEMORY;
    c->base = strdup(options->url);
    c->ca_file = options->ca_file ? strdup(options->ca_file) : NULL;
    pqcha_err err = !c->base || (options->ca_file && !c->ca_file) ? PQCHA_ERR_NO_MEMORY : PQCHA_OK;
    if (err == PQCHA_OK) err = build_headers(c, options->token);
    if (err == PQCHA_OK && !(c->curl = curl_easy_init())) err = PQCHA_ERR_IO;
    if (err != PQCHA_OK) {
        client_free(c);
        return err;
    }
    size_t len = strlen(c->base);
    while (len > 0 && c->base[len - 1] == '/')
        c->base[--len] = '\0';
    c->connect_timeout_ms = timeout_or(options->connect_timeout_ms, CLIENT_DEFAULT_CONNECT_TIMEOUT);
    c->timeout_ms = timeout_or(options->timeout_ms, CLIENT_DEFAULT_TIMEOUT);
    snprintf(c->user_agent, sizeof c->user_agent, "pqcha-agent/%s", pqcha_version());
    *out = c;
    return PQCHA_OK;
}

void client_free(client *c) {
    if (!c) return;
    if (c->curl) curl_easy_cleanup(c->curl);
    if (c->auth) {
        pqcha_free_secret(c->auth->data, strlen(c->auth->data));
        c->auth->data = NULL; /* already freed: curl_slist_free_all skips it */
    }
    curl_slist_free_all(c->headers);
    free(c->base);
    free(c->ca_file);
    free(c);
}

void client_answer_clear(client_answer *a) {
    if (!a) return;
    free(a->body);
    memset(a, 0, sizeof *a);
}

/* ---- one exchange ---- */

/* The answer's body, kept up to the cap; the rest is read and dropped so
 * that the status and the connection stay good. */
static size_t on_body(char *data, size_t size, size_t count, void *ctx) {
    client_answer *a = ctx;
    size_t n = size * count;
    size_t room = CLIENT_MAX_ANSWER_BYTES - a->body_len;
    size_t take = n < room ? n : room;
    if (take < n) a->truncated = 1;
    if (take == 0) return n;
    char *grown = realloc(a->body, a->body_len + take + 1);
    if (!grown) return 0; /* libcurl fails the transfer: no answer, tried again later */
    a->body = grown;
    memcpy(a->body + a->body_len, data, take);
    a->body_len += take;
    a->body[a->body_len] = '\0';
    return n;
}

void client_curl_reset(void *curl, const char *url) {
    CURL *h = curl;
    curl_easy_reset(h); /* options only: the open connection is kept */
    curl_easy_setopt(h, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* the caller owns its signals */
}

static void set_request_options(client *c, const char *url, const char *body, size_t len,
                                client_answer *a) {
    CURL *h = c->curl;
    client_curl_reset(h, url);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers);
    curl_easy_setopt(h, CURLOPT_USERAGENT, c->user_agent);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, a);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errors);
    if (c->ca_file) curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
}

/* POSTs body to the API path. OK with an answer (any status), IO without. */
static pqcha_err post(client *c, const char *path, const char *body, size_t len, client_answer *a) {
    char url[MAX_URL_BYTES + 64];
    snprintf(url, sizeof url, "%s%s", c->base, path);
    c->errors[0] = '\0';
    set_request_options(c, url, body, len, a);
    CURLcode res = curl_easy_perform(c->curl);
    long status = 0;
    if (res == CURLE_OK) curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
    if (res != CURLE_OK || status == 0) {
        /* Half an answer (a timeout after the headers) is no answer. */
        free(a->body);
        a->body = NULL;
        a->body_len = 0;
        a->truncated = 0;
        snprintf(a->why, sizeof a->why, "%s", c->errors[0] ? c->errors : curl_easy_strerror(res));
        return res == CURLE_OUT_OF_MEMORY ? PQCHA_ERR_NO_MEMORY : PQCHA_ERR_IO;
    }
    a->status = status;
    if (!a->body) {
        a->body = calloc(1, 1);
        if (!a->body) return PQCHA_ERR_NO_MEMORY;
    }
    return PQCHA_OK;
}

/* ---- the API ---- */

static int nonce_ok(const char *hex) {
    size_t len = strlen(hex);
    if (len % 2 != 0 || len < 2 * PQCHA_MIN_NONCE_BYTES || len > 2 * PQCHA_MAX_NONCE_BYTES)
        return 0;
    for (const char *p = hex; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) return 0;
    return 1;
}

/* {"nonce": HEX, "expiresAt": RFC3339, ...}: other members are the
 * service's to add. */
static pqcha_err parse_challenge(const client_answer *a, char *nonce, int64_t *expires_at) {
    json_error_t error;
    json_t *root = json_loadb(a->body, a->body_len, JSON_REJECT_DUPLICATES, &error);
    const char *hex = json_string_value(json_object_get(root, "nonce"));
    const char *expires = json_string_value(json_object_get(root, "expiresAt"));
    int64_t when = 0;
    pqcha_err err = PQCHA_ERR_MALFORMED;
    if (!a->truncated && json_is_object(root) && hex && nonce_ok(hex) && expires &&
        pqcha_time_parse(&when, expires) == PQCHA_OK) {
        memcpy(nonce, hex, strlen(hex) + 1);
        if (expires_at) *expires_at = when;
        err = PQCHA_OK;
    }
    json_decref(root);
    return err;
}

pqcha_err client_challenge(client *c, const char *workload,
                           char nonce[2 * PQCHA_MAX_NONCE_BYTES + 1], int64_t *expires_at,
                           client_answer *answer) {
    if (nonce) nonce[0] = '\0';
    if (expires_at) *expires_at = 0;
    if (answer) memset(answer, 0, sizeof *answer);
    if (!c || !workload || !nonce || !answer) return PQCHA_ERR_INVALID_ARGUMENT;
    json_t *id = json_string(workload);
    if (!id) return PQCHA_ERR_INVALID_ARGUMENT; /* not UTF-8 */
    json_t *request = json_pack("{s:o}", "workload", id);
    char *body = request ? json_dumps(request, JSON_COMPACT) : NULL;
    json_decref(request);
    if (!body) return PQCHA_ERR_NO_MEMORY;
    pqcha_err err = post(c, "/v1/challenge", body, strlen(body), answer);
    free(body);
    if (err == PQCHA_OK && answer->status == 200) err = parse_challenge(answer, nonce, expires_at);
    return err;
}

pqcha_err client_post_report(client *c, const char *report, size_t len, client_answer *answer) {
    if (answer) memset(answer, 0, sizeof *answer);
    if (!c || !report || !answer) return PQCHA_ERR_INVALID_ARGUMENT;
    return post(c, "/v1/reports", report, len, answer);
}

client_delivery client_delivery_of(pqcha_err post_result, const client_answer *answer,
                                   size_t report_len) {
    if (post_result != PQCHA_OK || !answer || answer->status == 0) return CLIENT_RETRY;
    long status = answer->status;
    if (status >= 200 && status <= 299) return CLIENT_DELIVERED;
    if (status == 400 || status == 415) return CLIENT_REFUSED;
    /* Only a report over the verifier's own limit is too large for good; a
     * 413 for a smaller one comes from something in between (a reverse
     * proxy's body limit), which its operator can raise: keep the report. */
    if (status == 413 && report_len > CLIENT_MAX_REPORT_BYTES) return CLIENT_REFUSED;
    return CLIENT_RETRY;
}
