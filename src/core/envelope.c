/* envelope.c — the DSSE envelope around a statement (docs/FORMAT.md
 * section 3): pre-authentication encoding, strict decoding, signing, and
 * the two unverified views used by `pqcha inspect`. */
#include "envelope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "internal.h"
#include "json.h"
#include "json_pretty.h"
#include "json_view.h"
#include "report_internal.h"

/* ---- PAE ---- */

pqcha_err pqcha__pae(uint8_t **out, size_t *out_len, const char *payload_type,
                     const uint8_t *payload, size_t payload_len) {
    if (out == NULL || out_len == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    *out_len = 0;
    if (payload_type == NULL || (payload == NULL && payload_len != 0))
        return PQCHA_ERR_INVALID_ARGUMENT;
    size_t type_len = strlen(payload_type);
    /* "DSSEv1 <len> <type> <len> " — the two decimal lengths fit in 20 chars each. */
    char header_prefix[48];
    int prefix_len = snprintf(header_prefix, sizeof header_prefix, "DSSEv1 %zu ", type_len);
    char header_middle[32];
    int middle_len = snprintf(header_middle, sizeof header_middle, " %zu ", payload_len);
    if (prefix_len < 0 || middle_len < 0) return PQCHA_ERR_INTERNAL;
    size_t fixed = (size_t)prefix_len + (size_t)middle_len;
    if (type_len > SIZE_MAX - fixed - 1 || payload_len > SIZE_MAX - fixed - 1 - type_len)
        return PQCHA_ERR_TOO_LARGE;
    size_t total = fixed + type_len + payload_len;
    uint8_t *buf = malloc(total + 1);
    if (buf == NULL) return PQCHA_ERR_NO_MEMORY;
    uint8_t *p = buf;
    memcpy(p, header_prefix, (size_t)prefix_len);
    p += prefix_len;
    memcpy(p, payload_type, type_len);
    p += type_len;
    memcpy(p, header_middle, (size_t)middle_len);
    p += middle_len;
    if (payload_len != 0) memcpy(p, payload, payload_len);
    buf[total] = '\0';
    *out = buf;
    *out_len = total;
    return PQCHA_OK;
}

/* ---- decoding ---- */

static int is_ml_dsa_signature_length(size_t len) {
    static const pqcha_sig_alg algs[] = {PQCHA_ML_DSA_44, PQCHA_ML_DSA_65, PQCHA_ML_DSA_87};
    for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++) {
        if (len == pqcha_sig_alg_signature_length(algs[i])) return 1;
    }
    return 0;
}

/* Before the signer is known the envelope may cost a small multiple of its
 * size: seven values at most three deep are all it can hold, and no tree of
 * it is built — the payload is decoded from the text in place. */
static const pqcha__json_limits envelope_limits = {PQCHA_MAX_ENVELOPE_LEN, 3, 16, 4};

enum { ENVELOPE_PAYLOAD, ENVELOPE_PAYLOAD_TYPE, ENVELOPE_SIGNATURES, ENVELOPE_N };
static const char *const envelope_keys[] = {"payload", "payloadType", "signatures", NULL};
enum { SIGNATURE_KEY_ID, SIGNATURE_SIG, SIGNATURE_N };
static const char *const signature_keys[] = {"keyid", "sig", NULL};

static pqcha_err decode_payload(pqcha__envelope *env, const pqcha__json_value *v) {
    char *copy;
    const char *type;
    size_t type_len;
    PQCHA_TRY(pqcha__json_value_bytes(&v[ENVELOPE_PAYLOAD_TYPE], &copy, &type, &type_len));
    int expected =
        type_len == strlen(PQCHA_PAYLOAD_TYPE) && memcmp(type, PQCHA_PAYLOAD_TYPE, type_len) == 0;
    free(copy);
    if (!expected) return PQCHA_ERR_BAD_PAYLOAD_TYPE;
    return pqcha__json_value_base64(&v[ENVELOPE_PAYLOAD], PQCHA_MAX_PAYLOAD_LEN, &env->payload,
                                    &env->payload_len);
}

/* signatures: exactly one element. */
static pqcha_err the_signature(const pqcha__json_value *member, pqcha__json_value *element) {
    pqcha__json_pull list;
    pqcha__json_token t;
    PQCHA_TRY(pqcha__json_value_open(member, PQCHA__JSON_ARRAY, 3, &list));
    PQCHA_TRY(pqcha__json_pull_next(&list, &t));
    if (t == PQCHA__JSON_ARRAY_END) return PQCHA_ERR_SIGNATURE_COUNT;
    PQCHA_TRY(pqcha__json_view_value(&list, t, element));
    PQCHA_TRY(pqcha__json_pull_next(&list, &t));
    return t == PQCHA__JSON_ARRAY_END ? PQCHA_OK : PQCHA_ERR_SIGNATURE_COUNT;
}

static pqcha_err decode_signature(pqcha__envelope *env, const pqcha__json_value *member) {
    pqcha__json_value element, v[SIGNATURE_N];
    pqcha__json_pull obj;
    PQCHA_TRY(the_signature(member, &element));
    PQCHA_TRY(pqcha__json_value_open(&element, PQCHA__JSON_OBJECT, 3, &obj));
    PQCHA_TRY(pqcha__json_view_object(&obj, signature_keys, v));
    if (!pqcha__json_value_present(&v[SIGNATURE_KEY_ID]) ||
        !pqcha__json_value_present(&v[SIGNATURE_SIG]))
        return PQCHA_ERR_MISSING_FIELD;
    char *key_id = NULL, small[PQCHA_KEY_ID_HEX_LEN + 1];
    const char *text;
    PQCHA_TRY(pqcha__json_value_cstr(&v[SIGNATURE_KEY_ID], SIZE_MAX, small, sizeof small, &key_id,
                                     &text));
    pqcha_err err = pqcha__hex_check(text, PQCHA_KEY_ID_HEX_LEN / 2, PQCHA_KEY_ID_HEX_LEN / 2);
    free(key_id);
    PQCHA_TRY(err);
    /* No tighter cap here: a long signature is a length error, not a size one;
     * the envelope cap already bounds it. */
    PQCHA_TRY(pqcha__json_value_base64(&v[SIGNATURE_SIG], PQCHA_MAX_ENVELOPE_LEN, &env->sig,
                                       &env->sig_len));
    if (!is_ml_dsa_signature_length(env->sig_len)) return PQCHA_ERR_BAD_SIGNATURE_LENGTH;
    env->key_id = pqcha__strdup(text);
    return env->key_id ? PQCHA_OK : PQCHA_ERR_NO_MEMORY;
}

static pqcha_err decode_envelope(pqcha__envelope *out, const char *json, size_t len) {
    pqcha__json_pull top;
    pqcha__json_token t;
    pqcha__json_value v[ENVELOPE_N];
    PQCHA_TRY(pqcha__json_check_shape(json, len, &envelope_limits));
    pqcha__json_pull_init_lazy(&top, json, len, 3);
    PQCHA_TRY(pqcha__json_pull_next(&top, &t));
    if (t != PQCHA__JSON_OBJECT) return PQCHA_ERR_WRONG_TYPE;
    PQCHA_TRY(pqcha__json_view_object(&top, envelope_keys, v));
    for (size_t i = 0; i < ENVELOPE_N; i++) {
        if (!pqcha__json_value_present(&v[i])) return PQCHA_ERR_MISSING_FIELD;
    }
    PQCHA_TRY(decode_payload(out, v));
    return decode_signature(out, &v[ENVELOPE_SIGNATURES]);
}

pqcha_err pqcha__envelope_decode(pqcha__envelope *out, const char *json, size_t len) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    memset(out, 0, sizeof *out);
    if (json == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha_err err = decode_envelope(out, json, len);
    if (err != PQCHA_OK) pqcha__envelope_clear(out);
    return err;
}

void pqcha__envelope_clear(pqcha__envelope *env) {
    if (env == NULL) return;
    free(env->payload);
    free(env->key_id);
    free(env->sig);
    memset(env, 0, sizeof *env);
}

/* ---- signing ---- */

/* The envelope is written directly rather than through jansson: every value
 * is base64, lowercase hex or the constant payload type, none of which JSON
 * escapes, and a megabyte payload would otherwise be copied and scanned
 * character by character. Keys appear in sorted order, as in FORMAT.md. */
static pqcha_err build_envelope_json(char **out, size_t *out_len, const char *payload_b64,
                                     const char *key_id, const char *sig_b64) {
    static const char *const pieces[] = {
        "{\"payload\":\"", ("\",\"payloadType\":\"" PQCHA_PAYLOAD_TYPE),
        "\",\"signatures\":[{\"keyid\":\"", "\",\"sig\":\"", "\"}]}"};
    const char *values[] = {payload_b64, "", key_id, sig_b64, ""};
    size_t total = 1;
    for (size_t i = 0; i < 5; i++)
        total += strlen(pieces[i]) + strlen(values[i]);
    char *text = malloc(total);
    if (text == NULL) return PQCHA_ERR_NO_MEMORY;
    size_t at = 0;
    for (size_t i = 0; i < 5; i++) {
        size_t n = strlen(pieces[i]);
        memcpy(text + at, pieces[i], n);
        at += n;
        n = strlen(values[i]);
        memcpy(text + at, values[i], n);
        at += n;
    }
    text[at] = '\0';
    *out = text;
    if (out_len) *out_len = at;
    return PQCHA_OK;
}

pqcha_err pqcha__envelope_sign(char **out, size_t *out_len, const pqcha_key *key,
                               const uint8_t *payload, size_t payload_len) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (out_len) *out_len = 0;
    if (key == NULL || (payload == NULL && payload_len != 0)) return PQCHA_ERR_INVALID_ARGUMENT;
    if (payload_len > PQCHA_MAX_PAYLOAD_LEN) return PQCHA_ERR_TOO_LARGE;
    const char *key_id = pqcha_key_id(key);
    if (key_id == NULL) return PQCHA_ERR_BAD_KEY;

    uint8_t *pae = NULL, *sig = NULL;
    size_t pae_len = 0, sig_len = 0;
    char *payload_b64 = NULL, *sig_b64 = NULL;
    pqcha_err err = pqcha__pae(&pae, &pae_len, PQCHA_PAYLOAD_TYPE, payload, payload_len);
    if (err == PQCHA_OK) err = pqcha_sign(&sig, &sig_len, key, pae, pae_len);
    if (err == PQCHA_OK) err = pqcha__base64_encode(&payload_b64, NULL, payload, payload_len);
    if (err == PQCHA_OK) err = pqcha__base64_encode(&sig_b64, NULL, sig, sig_len);
    if (err == PQCHA_OK) err = build_envelope_json(out, out_len, payload_b64, key_id, sig_b64);
    free(pae);
    pqcha_free(sig);
    free(payload_b64);
    free(sig_b64);
    return err;
}

/* ---- unverified views ---- */

pqcha_err pqcha_report_decode_unverified(pqcha_report **out, const char *envelope, size_t len) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (envelope == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha__envelope env;
    PQCHA_TRY(pqcha__envelope_decode(&env, envelope, len));
    pqcha_err err = pqcha__statement_decode(out, env.payload, env.payload_len);
    pqcha__envelope_clear(&env);
    return err;
}

/* Streamed (json_pretty.h), not through a tree: memory is the output. The
 * payload is first held to the checks a tree would have needed (size,
 * depth, the tree's cost), so that inspect accepts and refuses exactly the
 * payloads it did when it built one; the printer keeps jansson's verdict on
 * the rest (duplicate keys, numbers out of range, not an object). */
static pqcha_err pretty_payload(char **out, const pqcha__envelope *env) {
    const pqcha__json_limits *lim = &pqcha__payload_json_limits;
    PQCHA_TRY(pqcha__json_check_shape((const char *)env->payload, env->payload_len, lim));
    return pqcha__json_pretty(out, NULL, env->payload, env->payload_len, lim->max_depth);
}

pqcha_err pqcha_envelope_describe(char **payload_pretty, char **key_id, size_t *sig_len,
                                  const char *envelope, size_t len) {
    if (payload_pretty) *payload_pretty = NULL;
    if (key_id) *key_id = NULL;
    if (sig_len) *sig_len = 0;
    if (envelope == NULL || (payload_pretty == NULL && key_id == NULL && sig_len == NULL))
        return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha__envelope env;
    PQCHA_TRY(pqcha__envelope_decode(&env, envelope, len));
    char *pretty = NULL, *kid = NULL;
    pqcha_err err = PQCHA_OK;
    if (payload_pretty) err = pretty_payload(&pretty, &env);
    if (err == PQCHA_OK && key_id) {
        kid = pqcha__strdup(env.key_id);
        if (kid == NULL) err = PQCHA_ERR_NO_MEMORY;
    }
    if (err != PQCHA_OK) {
        free(pretty);
        free(kid);
        pqcha__envelope_clear(&env);
        return err;
    }
    if (payload_pretty) *payload_pretty = pretty;
    if (key_id) *key_id = kid;
    if (sig_len) *sig_len = env.sig_len;
    pqcha__envelope_clear(&env);
    return PQCHA_OK;
}
