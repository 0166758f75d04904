/* fuzz_service_request.c — libFuzzer target for what the verifier service
 * decodes from a request besides the report itself (fuzz_report covers
 * that): the challenge request's JSON and the listings' query parameters
 * (since, limit, after). Every input is answered with a status the API
 * documents and a body of one JSON object; nothing else may happen. The
 * first byte picks the endpoint, the rest is its input (query parameters
 * are NUL-separated). */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "service/service.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static store *db;
static service *svc;
static char db_path[128];

/* The store is a scratch file: removed when the fuzzer exits. */
static void remove_store(void) {
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    char path[160];
    service_free(svc);
    store_close(db);
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s%s", db_path, suffixes[i]);
        unlink(path);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    char url[256];
    pqcha_key *key = NULL, *pub = NULL;
    pqcha_policy *policy = NULL;
    static const char *const digests[] = {
        "0000000000000000000000000000000000000000000000000000000000000000"};
    static const pqcha_digest_alg algs[] = {PQCHA_DIGEST_SHA3_256};
    const char *tmp = getenv("TMPDIR");
    snprintf(db_path, sizeof db_path, "%.80s/pqcha-fuzz-service-%ld.db", tmp ? tmp : "/tmp",
             (long)getpid());
    snprintf(url, sizeof url, "sqlite:%s", db_path);
    if (store_open(&db, url, NULL, 0) != PQCHA_OK || service_create(&svc, db, NULL) != PQCHA_OK ||
        pqcha_key_generate(&key, PQCHA_ML_DSA_44) != PQCHA_OK ||
        pqcha_key_public_copy(&pub, key) != PQCHA_OK || pqcha_policy_create(&policy) != PQCHA_OK ||
        pqcha_policy_add_trusted_key(policy, pub) != PQCHA_OK ||
        pqcha_policy_add_workload(policy, "w", NULL, 0) != PQCHA_OK ||
        pqcha_policy_add_region_digests(policy, "w", "r", algs, digests, 1) != PQCHA_OK ||
        pqcha_policy_finish(policy) != PQCHA_OK || service_set_policy(svc, policy) != PQCHA_OK)
        abort();
    pqcha_key_free(key);
    pqcha_key_free(pub);
    atexit(remove_store);
    return 0;
}

/* The i-th NUL-separated field of text (NULL past the last one). */
static const char *field(const char *text, size_t len, unsigned i) {
    size_t at = 0;
    for (; i > 0 && at < len; i--)
        at += strlen(text + at) + 1;
    return at < len ? text + at : NULL;
}

static void check_reply(const service_reply *r) {
    static const unsigned allowed[] = {200, 400, 404, 503};
    int known = 0;
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        known |= r->status == allowed[i];
    if (!known || !r->body || strlen(r->body) != r->body_len) __builtin_trap();
    json_t *j = json_loadb(r->body, r->body_len, 0, NULL);
    if (!json_is_object(j)) __builtin_trap();
    json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0 || size > 8192) return 0;
    /* A NUL-terminated copy, with the query fields NUL-separated. */
    char *text = malloc(size);
    if (!text) return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    size_t len = size; /* fields run to the added NUL */
    service_reply r;
    pqcha_err err;
    switch (data[0] % 3) {
    case 0: err = service_challenge(svc, text, size - 1, &r); break;
    case 1:
        err = service_list_reports(svc, "w", field(text, len, 0), field(text, len, 1), &r);
        break;
    default:
        err = service_list_events(svc, field(text, len, 2), field(text, len, 0),
                                  field(text, len, 1), &r);
        break;
    }
    if (err != PQCHA_OK) __builtin_trap();
    check_reply(&r);
    service_reply_clear(&r);
    free(text);
    return 0;
}
