/* tdx_report_helper — makes pqcha reports carrying synthetic Intel TDX
 * evidence, for the CLI tests of hardware binding (no TDX machine needed):
 * a throw-away Intel-like PKI (tests/unit/tdx_synth.h) signs quotes whose
 * REPORT_DATA the attester chose, exactly as a TD's quoting service would.
 * A test tool only.
 *
 *   tdx_report_helper OUTDIR
 *
 * writes into OUTDIR: key.pem and key.pub.pem (the attester's ML-DSA-65
 * key), root.pem (the PKI's root, to pin), weights.bin (the one region,
 * "weights"), and four reports of workload "llm" with nonce
 * 00112233445566778899aabbccddeeff, issued at 2025-01-01T00:00:00Z:
 * report-binding.json and key-binding.json (genuine), debug.json (a debug
 * TD) and unbound.json (a genuine quote over other REPORT_DATA, signed into
 * the report by the trusted key all the same).
 *
 *   tdx_report_helper --answer OUTDIR
 *
 * writes the key pair, root.pem and weights.bin as above, prints "ready",
 * then answers challenges for a test of "pqcha serve" (a coprocess): for
 * each line "BINDING NONCE WORKLOAD [MODE]" read (BINDING: report or key),
 * one line with a report of WORKLOAD for NONCE, made now, its quote from
 * the same PKI: of a debug TD with MODE "debug", over other REPORT_DATA
 * with MODE "unbound". Its PCK certificate is then valid from a day ago to
 * a year from now (serve checks on the real clock); its CAs until 2040. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/envelope.h"
#include "core/report_internal.h"
#include "pqcha.h"
#include "tdx_synth.h"

#define WORKLOAD "llm"
#define NONCE    "00112233445566778899aabbccddeeff"

static pki world;
static const uint8_t weights[4096] = {42}; /* the one region, "weights" */

typedef struct tee_mode {
    int debug;
} tee_mode;

static void put_report_data(uint8_t *body, const void *ctx) {
    memcpy(body + 520, ctx, 64);
}

static pqcha_err synthetic_tdx(void *ctx, const uint8_t report_data[PQCHA_TEE_REPORT_DATA_LEN],
                               pqcha_raw_evidence **out) {
    const tee_mode *mode = ctx;
    synth_opts o = default_synth;
    o.debug = mode->debug;
    o.edit_body = put_report_data;
    o.edit_ctx = report_data;
    size_t len = 0;
    uint8_t *quote = synth_quote(&world, &o, 0, &len);
    pqcha_err err = pqcha_raw_evidence_create(out, "intel-tdx", "synthetic", quote, len, NULL, 0);
    free(quote);
    return err;
}

static int write_file(const char *dir, const char *name, const void *data, size_t len) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (pqcha_file_write_atomic(path, data, len, 0600, 0) == PQCHA_OK) return 1;
    fprintf(stderr, "tdx_report_helper: cannot write %s\n", path);
    return 0;
}

/* A report made at the time at (0: now). */
static char *attest_at(const pqcha_key *key, const char *binding, int debug, const char *nonce,
                       const char *workload, int64_t at) {
    pqcha_backend *b = NULL;
    pqcha_region *r = NULL;
    pqcha_attester *a = NULL;
    pqcha_evidence_source *src = NULL;
    tee_mode mode = {debug};
    char *env = NULL;
    pqcha_err err = pqcha_backend_create(&b, "in-memory");
    if (err == PQCHA_OK)
        err = pqcha_region_create(&r, "weights", "", 0, sizeof weights, PQCHA_PROT_RO);
    if (err == PQCHA_OK)
        err = pqcha_memory_backend_register(b, workload, r, weights, sizeof weights);
    if (err == PQCHA_OK) err = pqcha_attester_create(&a, key, b, workload);
    if (err == PQCHA_OK && at != 0) err = pqcha_attester_set_time(a, at);
    if (err == PQCHA_OK)
        err = pqcha_evidence_source_create_custom(&src, "intel-tdx", synthetic_tdx, &mode);
    if (err == PQCHA_OK) err = pqcha_attester_set_evidence(a, src, binding);
    if (err == PQCHA_OK) err = pqcha_attester_attest(a, nonce, &env, NULL);
    if (err != PQCHA_OK) fprintf(stderr, "tdx_report_helper: %s\n", pqcha_strerror(err));
    pqcha_attester_free(a);
    pqcha_evidence_source_free(src);
    pqcha_region_free(r);
    pqcha_backend_free(b);
    return env;
}

static char *attest(const pqcha_key *key, const char *binding, int debug) {
    return attest_at(key, binding, debug, NONCE, WORKLOAD, SYNTH_NOW);
}

/* good, re-signed with the evidence of a report over other bytes. */
static char *unbound(const pqcha_key *key, const char *good) {
    pqcha__envelope e;
    pqcha_report *rep = NULL;
    char *payload = NULL, *env = NULL;
    size_t len = 0;
    uint8_t other[64];
    memset(&e, 0, sizeof e);
    memset(other, 0x77, sizeof other);
    pqcha_raw_evidence *raw = NULL;
    tee_mode mode = {0};
    if (pqcha__envelope_decode(&e, good, strlen(good)) == PQCHA_OK &&
        pqcha__statement_decode(&rep, e.payload, e.payload_len) == PQCHA_OK &&
        synthetic_tdx(&mode, other, &raw) == PQCHA_OK) {
        size_t qlen = 0;
        const uint8_t *quote = pqcha_raw_evidence_bytes(raw, &qlen);
        if (pqcha__report_set_evidence(rep, "intel-tdx", PQCHA__BINDING_REPORT, quote, qlen, NULL,
                                       0) == PQCHA_OK &&
            pqcha__statement_encode(&payload, &len, rep) == PQCHA_OK)
            (void)pqcha__envelope_sign(&env, NULL, key, (const uint8_t *)payload, len);
    }
    pqcha_raw_evidence_free(raw);
    pqcha_free(payload);
    pqcha_report_free(rep);
    pqcha__envelope_clear(&e);
    return env;
}

static int write_report(const char *dir, const char *name, char *env) {
    if (env == NULL) return 0;
    size_t len = strlen(env);
    char *line = malloc(len + 2);
    int ok = line != NULL;
    if (ok) {
        memcpy(line, env, len);
        line[len] = '\n';
        ok = write_file(dir, name, line, len + 1);
    }
    free(line);
    pqcha_free(env);
    return ok;
}

static int write_key_pair(const char *dir, pqcha_key *key) {
    char path[4096], *pub = NULL;
    size_t len = 0;
    snprintf(path, sizeof path, "%s/key.pem", dir);
    if (pqcha_key_save_private(key, path, 1) != PQCHA_OK) return 0;
    if (pqcha_key_public_pem(&pub, &len, key) != PQCHA_OK) return 0;
    int ok = write_file(dir, "key.pub.pem", pub, len);
    pqcha_free(pub);
    return ok;
}

/* --answer: one report a line read, until the end of the input. */
static int answer(const pqcha_key *key) {
    char line[512], binding[16], nonce[160], workload[256], mode[16];
    puts("ready");
    fflush(stdout);
    while (fgets(line, sizeof line, stdin)) {
        mode[0] = '\0';
        if (sscanf(line, "%15s %159s %255s %15s", binding, nonce, workload, mode) < 3) return 0;
        char *env = attest_at(key, binding, strcmp(mode, "debug") == 0, nonce, workload, 0);
        if (env != NULL && strcmp(mode, "unbound") == 0) {
            char *other = unbound(key, env);
            pqcha_free(env);
            env = other;
        }
        if (env == NULL) return 0;
        printf("%s\n", env);
        fflush(stdout);
        pqcha_free(env);
    }
    return 1;
}

int main(int argc, char **argv) {
    int answering = argc == 3 && strcmp(argv[1], "--answer") == 0;
    if (argc != 2 && !answering) {
        fprintf(stderr, "usage: tdx_report_helper [--answer] OUTDIR\n");
        return 2;
    }
    const char *dir = argv[argc - 1];
    pqcha_key *key = NULL;
    size_t root_len = 0;
    if (pqcha_key_generate(&key, PQCHA_ML_DSA_65) != PQCHA_OK || !pki_make(&world)) return 1;
    if (answering && !pki_renew_pck_around(&world, (int64_t)time(NULL))) return 1;
    uint8_t *root = certs_pem(&world.root, 1, &root_len);
    int ok = root != NULL && write_key_pair(dir, key) &&
             write_file(dir, "root.pem", root, root_len) &&
             write_file(dir, "weights.bin", weights, sizeof weights);
    char *good = ok && !answering ? attest(key, "report", 0) : NULL;
    if (answering)
        ok = ok && answer(key);
    else
        ok = ok && good != NULL && write_report(dir, "unbound.json", unbound(key, good)) &&
             write_report(dir, "report-binding.json", good) &&
             write_report(dir, "key-binding.json", attest(key, "key", 0)) &&
             write_report(dir, "debug.json", attest(key, "report", 1));
    free(root);
    pki_free(&world);
    pqcha_key_free(key);
    return ok ? 0 : 1;
}
