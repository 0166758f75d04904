/* binding.c — REPORT_DATA for key binding and report binding (binding.h,
 * docs/FORMAT.md section 4.7). */
#include <string.h>

#include <openssl/evp.h>

#include "core/binding.h"
#include "core/encoding.h"
#include "core/internal.h"
#include "core/json_pull.h"

/* The domain: a fixed prefix, then the mode, each NUL-terminated, so no
 * input of one mode can be read as an input of the other or of anything
 * else pqcha hashes. */
#define DOMAIN_PREFIX "pqcha/report-data/v1"
#define KEY_ID_BYTES  32u

const char *pqcha__binding_name(pqcha__binding b) {
    switch (b) {
    case PQCHA__BINDING_KEY: return "key";
    case PQCHA__BINDING_REPORT: return "report";
    }
    return NULL;
}

pqcha_err pqcha__binding_parse(pqcha__binding *out, const char *name) {
    if (out == NULL || name == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    if (strcmp(name, "key") == 0) {
        *out = PQCHA__BINDING_KEY;
        return PQCHA_OK;
    }
    if (strcmp(name, "report") == 0) {
        *out = PQCHA__BINDING_REPORT;
        return PQCHA_OK;
    }
    return PQCHA_ERR_BAD_EVIDENCE;
}

/* SHA-512 over the domain for mode and the parts, in order. */
typedef struct byte_span {
    const uint8_t *bytes;
    size_t len;
} byte_span;

static pqcha_err sha512_domain(uint8_t out[PQCHA__REPORT_DATA_LEN], pqcha__binding mode,
                               const byte_span *parts, size_t count) {
    const char *mode_name = pqcha__binding_name(mode);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int written = 0;
    int ok = ctx != NULL && EVP_DigestInit_ex2(ctx, EVP_sha512(), NULL) == 1 &&
             EVP_DigestUpdate(ctx, DOMAIN_PREFIX, sizeof DOMAIN_PREFIX) == 1 &&
             EVP_DigestUpdate(ctx, mode_name, strlen(mode_name) + 1) == 1;
    for (size_t i = 0; ok && i < count; i++)
        ok = EVP_DigestUpdate(ctx, parts[i].bytes, parts[i].len) == 1;
    ok = ok && EVP_DigestFinal_ex(ctx, out, &written) == 1 && written == PQCHA__REPORT_DATA_LEN;
    EVP_MD_CTX_free(ctx);
    return ok ? PQCHA_OK : PQCHA_ERR_CRYPTO;
}

pqcha_err pqcha__report_data_for_key(uint8_t out[PQCHA__REPORT_DATA_LEN], const char *key_id_hex,
                                     const char *nonce_hex) {
    if (out == NULL || key_id_hex == NULL || nonce_hex == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    uint8_t key_id[KEY_ID_BYTES];
    uint8_t nonce[PQCHA_MAX_NONCE_BYTES];
    size_t nonce_len = strlen(nonce_hex) / 2;
    if (nonce_len < PQCHA_MIN_NONCE_BYTES || nonce_len > PQCHA_MAX_NONCE_BYTES)
        return PQCHA_ERR_OUT_OF_RANGE;
    PQCHA_TRY(pqcha__hex_decode(key_id, sizeof key_id, key_id_hex, strlen(key_id_hex)));
    PQCHA_TRY(pqcha__hex_decode(nonce, nonce_len, nonce_hex, strlen(nonce_hex)));
    const byte_span parts[] = {{key_id, sizeof key_id}, {nonce, nonce_len}};
    return sha512_domain(out, PQCHA__BINDING_KEY, parts, 2);
}

/* Moves p to the value of member key in the object just opened; *found 0
 * when the object ends without it. Other members are skipped whole. */
static pqcha_err find_member(pqcha__json_pull *p, const char *key, int *found) {
    pqcha__json_token t;
    *found = 0;
    for (;;) {
        PQCHA_TRY(pqcha__json_pull_next(p, &t));
        if (t == PQCHA__JSON_OBJECT_END) return PQCHA_OK;
        if (t != PQCHA__JSON_KEY) return PQCHA_ERR_MALFORMED;
        if (pqcha__json_pull_equals(p, key)) {
            *found = 1;
            return PQCHA_OK;
        }
        PQCHA_TRY(pqcha__json_pull_next(p, &t));
        PQCHA_TRY(pqcha__json_pull_skip(p, t));
    }
}

/* [*start, *end): the bytes of predicate.evidence's array value. */
static pqcha_err evidence_span(const uint8_t *statement, size_t len, size_t *start, size_t *end) {
    pqcha__json_pull p;
    pqcha__json_token t;
    int found = 0;
    pqcha__json_pull_init(&p, statement, len, PQCHA__JSON_MAX_DEPTH);
    PQCHA_TRY(pqcha__json_pull_next(&p, &t));
    if (t != PQCHA__JSON_OBJECT) return PQCHA_ERR_MALFORMED;
    PQCHA_TRY(find_member(&p, "predicate", &found));
    if (!found) return PQCHA_ERR_MALFORMED;
    PQCHA_TRY(pqcha__json_pull_next(&p, &t));
    if (t != PQCHA__JSON_OBJECT) return PQCHA_ERR_MALFORMED;
    PQCHA_TRY(find_member(&p, "evidence", &found));
    if (!found) return PQCHA_ERR_MALFORMED;
    PQCHA_TRY(pqcha__json_pull_next(&p, &t));
    if (t != PQCHA__JSON_ARRAY) return PQCHA_ERR_MALFORMED;
    *start = p.r.pos - 1; /* the '[' just read */
    PQCHA_TRY(pqcha__json_pull_skip(&p, t));
    *end = p.r.pos; /* just past the matching ']' */
    /* The rest must still be one well-formed document (a duplicate
     * "evidence" member is the statement decoder's to refuse). */
    do {
        PQCHA_TRY(pqcha__json_pull_next(&p, &t));
        PQCHA_TRY(pqcha__json_pull_skip(&p, t));
    } while (t != PQCHA__JSON_END);
    return PQCHA_OK;
}

pqcha_err pqcha__report_data_for_statement(uint8_t out[PQCHA__REPORT_DATA_LEN],
                                           const uint8_t *statement, size_t len) {
    if (out == NULL || statement == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    size_t start = 0, end = 0;
    PQCHA_TRY(evidence_span(statement, len, &start, &end));
    static const uint8_t empty_array[2] = {'[', ']'};
    const byte_span parts[] = {
        {statement, start}, {empty_array, sizeof empty_array}, {statement + end, len - end}};
    return sha512_domain(out, PQCHA__BINDING_REPORT, parts, 3);
}
