/* interop_helper.c — drives libpqcha for tests/interop/test_noble.sh, so an
 * independent ML-DSA implementation (@noble/post-quantum) can check what
 * pqcha signs and pqcha can check what it signs.
 *
 *   interop_helper keygen ALG PRIV.pem PUB.pem
 *   interop_helper sign PRIV.pem PAYLOAD_FILE          > envelope.json
 *   interop_helper verify PUB.pem ENVELOPE.json         exit 0 valid, 1 invalid
 *   interop_helper pubraw PUB.pem                       hex of the raw FIPS 204 key
 *
 * Exit 2 on usage or I/O errors. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/envelope.h"
#include "pqcha.h"

#define EXIT_INVALID 1
#define EXIT_USAGE   2

static int fail(const char *what, pqcha_err err) {
    fprintf(stderr, "interop_helper: %s: %s (%s)\n", what, pqcha_strerror(err),
            pqcha_error_name(err));
    return EXIT_USAGE;
}

static uint8_t *read_file(const char *path, size_t *len, size_t cap) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return NULL;
    }
    uint8_t *buf = malloc(cap + 1);
    size_t n = buf ? fread(buf, 1, cap + 1, f) : 0;
    int bad = buf == NULL || ferror(f) || n > cap;
    fclose(f);
    if (bad) {
        fprintf(stderr, "interop_helper: cannot read %s (or larger than %zu bytes)\n", path, cap);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static int cmd_keygen(const char *alg_name, const char *priv_path, const char *pub_path) {
    pqcha_sig_alg alg;
    pqcha_err err = pqcha_sig_alg_parse(&alg, alg_name);
    if (err != PQCHA_OK) return fail(alg_name, err);
    pqcha_key *key = NULL;
    err = pqcha_key_generate(&key, alg);
    if (err == PQCHA_OK) err = pqcha_key_save_private(key, priv_path, 1);
    if (err == PQCHA_OK) err = pqcha_key_save_public(key, pub_path, 1);
    pqcha_key_free(key);
    return err == PQCHA_OK ? 0 : fail("keygen", err);
}

static int cmd_sign(const char *priv_path, const char *payload_path) {
    pqcha_key *key = NULL;
    pqcha_err err = pqcha_key_load(&key, priv_path, NULL);
    if (err != PQCHA_OK) return fail(priv_path, err);
    size_t payload_len = 0;
    uint8_t *payload = read_file(payload_path, &payload_len, PQCHA_MAX_PAYLOAD_LEN);
    if (payload == NULL) {
        pqcha_key_free(key);
        return EXIT_USAGE;
    }
    char *envelope = NULL;
    size_t envelope_len = 0;
    err = pqcha__envelope_sign(&envelope, &envelope_len, key, payload, payload_len);
    free(payload);
    pqcha_key_free(key);
    if (err != PQCHA_OK) return fail("sign", err);
    int ok = fwrite(envelope, 1, envelope_len, stdout) == envelope_len && fflush(stdout) == 0;
    pqcha_free(envelope);
    return ok ? 0 : EXIT_USAGE;
}

/* The same steps a verifier takes for the envelope alone (FORMAT.md §5, 1-4). */
static pqcha_err verify_envelope(const pqcha_key *key, const char *json, size_t json_len) {
    pqcha__envelope env;
    memset(&env, 0, sizeof env);
    pqcha_err err = pqcha__envelope_decode(&env, json, json_len);
    if (err != PQCHA_OK) return err;
    if (strcmp(env.key_id, pqcha_key_id(key)) != 0) err = PQCHA_ERR_UNTRUSTED_KEY;
    uint8_t *pae = NULL;
    size_t pae_len = 0;
    if (err == PQCHA_OK)
        err = pqcha__pae(&pae, &pae_len, PQCHA_PAYLOAD_TYPE, env.payload, env.payload_len);
    if (err == PQCHA_OK) err = pqcha_verify_signature(key, pae, pae_len, env.sig, env.sig_len);
    pqcha_free(pae);
    pqcha__envelope_clear(&env);
    return err;
}

static int cmd_verify(const char *pub_path, const char *envelope_path) {
    pqcha_key *key = NULL;
    pqcha_err err = pqcha_key_load(&key, pub_path, NULL);
    if (err != PQCHA_OK) return fail(pub_path, err);
    size_t json_len = 0;
    uint8_t *json = read_file(envelope_path, &json_len, PQCHA_MAX_ENVELOPE_LEN);
    if (json == NULL) {
        pqcha_key_free(key);
        return EXIT_USAGE;
    }
    err = verify_envelope(key, (const char *)json, json_len);
    free(json);
    pqcha_key_free(key);
    if (err != PQCHA_OK) {
        printf("invalid: %s\n", pqcha_error_name(err));
        return EXIT_INVALID;
    }
    printf("valid\n");
    return 0;
}

static int cmd_pubraw(const char *pub_path) {
    pqcha_key *key = NULL;
    pqcha_err err = pqcha_key_load(&key, pub_path, NULL);
    if (err != PQCHA_OK) return fail(pub_path, err);
    uint8_t *raw = NULL;
    size_t raw_len = 0;
    err = pqcha_key_public_raw(&raw, &raw_len, key);
    pqcha_key_free(key);
    if (err != PQCHA_OK) return fail("pubraw", err);
    for (size_t i = 0; i < raw_len; i++)
        printf("%02x", raw[i]);
    printf("\n");
    pqcha_free(raw);
    return 0;
}

static int usage(void) {
    fprintf(stderr, "usage: interop_helper keygen ALG PRIV.pem PUB.pem\n"
                    "       interop_helper sign PRIV.pem PAYLOAD_FILE > envelope.json\n"
                    "       interop_helper verify PUB.pem ENVELOPE.json\n"
                    "       interop_helper pubraw PUB.pem\n");
    return EXIT_USAGE;
}

int main(int argc, char **argv) {
    if (argc == 5 && strcmp(argv[1], "keygen") == 0) return cmd_keygen(argv[2], argv[3], argv[4]);
    if (argc == 4 && strcmp(argv[1], "sign") == 0) return cmd_sign(argv[2], argv[3]);
    if (argc == 4 && strcmp(argv[1], "verify") == 0) return cmd_verify(argv[2], argv[3]);
    if (argc == 3 && strcmp(argv[1], "pubraw") == 0) return cmd_pubraw(argv[2]);
    return usage();
}
