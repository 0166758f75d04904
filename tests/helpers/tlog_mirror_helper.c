/* tlog_mirror_helper — writes what a pqcha log serves, without a server,
 * for the tests of "pqcha log" (tests/integration/test_cli_log.sh):
 *
 *   tlog_mirror_helper --key LOG.pem --origin ORIGIN [--key-name NAME] --out DIR
 *       [--policy POLICY.json [--trust PUB.pem]...] [--count N]
 *       [--lie INDEX=VERDICT:ERROR] [--witness NAME=KEY.pem]...
 *       [--receipts RDIR] [--at SIZE]... REPORT...
 *
 * One entry per report (the reports repeated to N entries with --count),
 * received at the report's issuedAt, with the verdict pqcha_verify gives
 * under the policy at that time with the report's own nonce (valid without
 * a policy), unless --lie sets entry INDEX's. The checkpoints are signed
 * under the key name ORIGIN (or NAME: a log that lies). DIR gets the mirror: its
 * signed checkpoint (cosigned by each --witness), tile/..., tile/entries/...
 * and report/<sha256>. RDIR gets, for each entry i, entry-i (its bytes),
 * proof-i.json (a proof file) and receipt-i.json (entry and checkpoint
 * too); for each --at M, checkpoint-M (the signed checkpoint of the first
 * M entries) and consistency-M.json (from M to the whole log). A test tool
 * only: no error is recovered from. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pqcha.h"

#define H        PQCHA_TLOG_HASH_LEN
#define MAX_LIST 64

static void die(const char *fmt, ...) {
    va_list ap;
    fputs("tlog_mirror_helper: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(2);
}

static void must(pqcha_err err, const char *what) {
    if (err != PQCHA_OK) die("%s: %s (%s)", what, pqcha_strerror(err), pqcha_error_name(err));
}

struct options {
    const char *key, *origin, *key_name, *out, *policy, *receipts;
    const char *trust[MAX_LIST], *witness[MAX_LIST];
    size_t trust_count, witness_count;
    uint64_t count, at[MAX_LIST];
    size_t at_count;
    long long lie_index;
    const char *lie_verdict, *lie_error;
    char **reports;
    int report_count;
};

/* ---- files ---- */

static char *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) die("%s: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0, got;
    char *buf = malloc(cap + 1);
    while (buf != NULL && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) buf = realloc(buf, (cap *= 2) + 1);
    }
    fclose(f);
    if (buf == NULL) die("out of memory");
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Creates the directories of path (not its last component). */
static void make_parents(char *path) {
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST) die("mkdir %s: %s", path, strerror(errno));
        *p = '/';
    }
}

static void write_file(const char *dir, const char *rel, const void *data, size_t len) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    make_parents(path);
    FILE *f = fopen(path, "wb");
    if (f == NULL || (len > 0 && fwrite(data, 1, len, f) != len) || fclose(f) != 0)
        die("%s: cannot write", path);
}

/* ---- entries ---- */

static pqcha_verifier *policy_verifier(const struct options *o, pqcha_policy **policy,
                                       uint8_t sha256[H]) {
    memset(sha256, 0, H);
    *policy = NULL;
    if (o->policy == NULL) return NULL;
    size_t len = 0;
    char *text = read_all(o->policy, &len);
    must(pqcha_sha256(sha256, text, len), "sha256");
    must(pqcha_policy_parse(policy, text, len), o->policy);
    free(text);
    pqcha_verifier *v = NULL;
    must(pqcha_verifier_create(&v), "verifier");
    must(pqcha_verifier_set_policy(v, *policy), "policy");
    for (size_t i = 0; i < o->trust_count; i++) {
        pqcha_key *key = NULL;
        int loose = 0;
        must(pqcha_key_load(&key, o->trust[i], &loose), o->trust[i]);
        must(pqcha_verifier_trust_key(v, key), "trust");
        pqcha_key_free(key);
    }
    return v;
}

static pqcha_verdict verdict_named(const char *name) {
    for (int v = PQCHA_VERDICT_VALID; v <= PQCHA_VERDICT_MALFORMED; v++)
        if (strcmp(name, pqcha_verdict_name((pqcha_verdict)v)) == 0) return (pqcha_verdict)v;
    die("--lie: no verdict '%s'", name);
    return PQCHA_VERDICT_MALFORMED;
}

static pqcha_err error_named(const char *name) {
    for (int e = 0; e < (int)PQCHA_ERR_LAST_; e++)
        if (strcmp(name, pqcha_error_name((pqcha_err)e)) == 0) return (pqcha_err)e;
    die("--lie: no error '%s'", name);
    return PQCHA_ERR_INTERNAL;
}

/* Entry i for the report text: its fields as the service would log them. */
static char *make_entry(const struct options *o, uint64_t i, const char *report, size_t len,
                        pqcha_verifier *v, const uint8_t policy_sha256[H], size_t *entry_len) {
    pqcha_report *rep = NULL;
    must(pqcha_report_decode_unverified(&rep, report, len), "report");
    pqcha_tlog_entry_fields f;
    memset(&f, 0, sizeof f);
    f.received_at = pqcha_report_issued_at(rep);
    f.workload = pqcha_report_workload_id(rep);
    f.report_id = pqcha_report_id(rep);
    f.signer = pqcha_report_signer_key_id(rep);
    must(pqcha_sha256(f.envelope_sha256, report, len), "sha256");
    memcpy(f.policy_sha256, policy_sha256, H);
    f.verdict = PQCHA_VERDICT_VALID;
    f.error = PQCHA_OK;
    if (v != NULL) {
        pqcha_result *r = NULL;
        must(pqcha_verifier_set_time(v, f.received_at), "time");
        must(pqcha_verifier_expect_nonce(v, pqcha_report_nonce(rep)), "nonce");
        pqcha_err err = pqcha_verify(&r, v, report, len);
        if (r == NULL) must(err, "verify");
        f.verdict = pqcha_result_verdict(r);
        f.error = pqcha_result_error(r);
        pqcha_result_free(r);
    }
    if (o->lie_verdict != NULL && (long long)i == o->lie_index) {
        f.verdict = verdict_named(o->lie_verdict);
        f.error = error_named(o->lie_error);
    }
    char *entry = NULL;
    must(pqcha_tlog_entry_encode(&entry, entry_len, &f), "entry");
    pqcha_report_free(rep);
    return entry;
}

/* ---- the tree ---- */

struct tree {
    uint64_t size;
    char **entries;
    size_t *lens;
    uint8_t *leaves;
};

/* The hashes of tile level `level` (256^level leaves each) of the first
 * size leaves: floor(size / 256^level) of them. */
static uint8_t *level_hashes(const struct tree *t, uint64_t size, unsigned level, uint64_t *n) {
    uint64_t span = 1;
    for (unsigned l = 0; l < level; l++)
        span *= PQCHA_TLOG_TILE_WIDTH;
    *n = size / span;
    uint8_t *out = malloc(*n ? *n * H : 1);
    if (out == NULL) die("out of memory");
    for (uint64_t i = 0; i < *n; i++)
        must(pqcha_tlog_root_of_hashes(out + i * H, t->leaves + i * span * H, span), "tile hash");
    return out;
}

static void write_tiles(const struct tree *t, const char *dir) {
    char rel[PQCHA_TLOG_TILE_PATH_MAX];
    for (unsigned level = 0; level < pqcha_tlog_tile_levels(t->size); level++) {
        uint64_t n = 0;
        uint8_t *hashes = level_hashes(t, t->size, level, &n);
        for (uint64_t k = 0; k * PQCHA_TLOG_TILE_WIDTH < n; k++) {
            uint64_t w = n - k * PQCHA_TLOG_TILE_WIDTH;
            unsigned width = w > PQCHA_TLOG_TILE_WIDTH ? PQCHA_TLOG_TILE_WIDTH : (unsigned)w;
            must(pqcha_tlog_tile_path(rel, sizeof rel, (int)level, k, width), "path");
            write_file(dir, rel, hashes + k * PQCHA_TLOG_TILE_WIDTH * H, (size_t)width * H);
            if (level > 0) continue;
            uint8_t *bundle = NULL;
            size_t bundle_len = 0;
            must(pqcha_tlog_bundle_encode(
                     &bundle, &bundle_len,
                     (const uint8_t *const *)(t->entries + k * PQCHA_TLOG_TILE_WIDTH),
                     t->lens + k * PQCHA_TLOG_TILE_WIDTH, width),
                 "bundle");
            must(pqcha_tlog_tile_path(rel, sizeof rel, PQCHA_TLOG_ENTRIES, k, width), "path");
            write_file(dir, rel, bundle, bundle_len);
            pqcha_free(bundle);
        }
        free(hashes);
    }
}

/* The signed (and cosigned) checkpoint of the first size entries. */
static char *signed_checkpoint(const struct options *o, const struct tree *t, uint64_t size,
                               const pqcha_key *key, size_t *len) {
    uint8_t root[H];
    must(pqcha_tlog_root_of_hashes(root, t->leaves, size), "root");
    char *body = NULL, *note = NULL;
    size_t body_len = 0;
    must(pqcha_checkpoint_encode(&body, &body_len, o->origin, size, root, NULL), "checkpoint");
    must(pqcha_note_sign(&note, len, body, body_len, o->key_name, key), "sign");
    pqcha_free(body);
    for (size_t i = 0; i < o->witness_count; i++) {
        const char *eq = strchr(o->witness[i], '=');
        if (eq == NULL) die("--witness NAME=KEY.pem");
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(eq - o->witness[i]), o->witness[i]);
        pqcha_key *wkey = NULL;
        int loose = 0;
        must(pqcha_key_load(&wkey, eq + 1, &loose), eq + 1);
        char *cosigned = NULL;
        must(pqcha_note_cosign(&cosigned, len, note, *len, name, wkey), "cosign");
        pqcha_key_free(wkey);
        pqcha_free(note);
        note = cosigned;
    }
    return note;
}

static void write_receipts(const struct options *o, const struct tree *t, const char *note,
                           size_t note_len) {
    pqcha_tlog_hashes nodes = {t->leaves, t->size};
    char rel[64];
    for (uint64_t i = 0; i < t->size; i++) {
        uint8_t *proof = NULL;
        size_t count = 0, len = 0;
        char *text = NULL;
        must(pqcha_tlog_inclusion_proof(&proof, &count, i, t->size, pqcha_tlog_hashes_node, &nodes),
             "inclusion proof");
        snprintf(rel, sizeof rel, "entry-%llu", (unsigned long long)i);
        write_file(o->receipts, rel, t->entries[i], t->lens[i]);
        must(pqcha_tlog_receipt_encode(&text, &len, i, t->size, NULL, 0, proof, count, NULL, 0),
             "proof file");
        snprintf(rel, sizeof rel, "proof-%llu.json", (unsigned long long)i);
        write_file(o->receipts, rel, text, len);
        pqcha_free(text);
        must(pqcha_tlog_receipt_encode(&text, &len, i, t->size, (const uint8_t *)t->entries[i],
                                       t->lens[i], proof, count, note, note_len),
             "receipt");
        snprintf(rel, sizeof rel, "receipt-%llu.json", (unsigned long long)i);
        write_file(o->receipts, rel, text, len);
        pqcha_free(text);
        pqcha_free(proof);
    }
}

static void write_older(const struct options *o, const struct tree *t, const pqcha_key *key) {
    pqcha_tlog_hashes nodes = {t->leaves, t->size};
    char rel[64];
    for (size_t k = 0; k < o->at_count; k++) {
        uint64_t m = o->at[k];
        if (m > t->size)
            die("--at %llu: the log has %llu entries", (unsigned long long)m,
                (unsigned long long)t->size);
        size_t len = 0, count = 0;
        char *note = signed_checkpoint(o, t, m, key, &len);
        snprintf(rel, sizeof rel, "checkpoint-%llu", (unsigned long long)m);
        write_file(o->receipts, rel, note, len);
        pqcha_free(note);
        uint8_t *proof = NULL;
        char *text = NULL;
        must(pqcha_tlog_consistency_proof(&proof, &count, m, t->size, pqcha_tlog_hashes_node,
                                          &nodes),
             "consistency proof");
        must(pqcha_tlog_consistency_encode(&text, &len, m, t->size, proof, count), "proof file");
        snprintf(rel, sizeof rel, "consistency-%llu.json", (unsigned long long)m);
        write_file(o->receipts, rel, text, len);
        pqcha_free(text);
        pqcha_free(proof);
    }
}

/* ---- main ---- */

static void parse_lie(struct options *o, const char *arg) {
    static char verdict[32], error[64];
    if (sscanf(arg, "%lld=%31[a-z]:%63[A-Z_0-9]", &o->lie_index, verdict, error) != 3)
        die("--lie INDEX=VERDICT:ERROR");
    o->lie_verdict = verdict;
    o->lie_error = error;
}

static void parse_args(struct options *o, int argc, char **argv) {
    memset(o, 0, sizeof *o);
    o->lie_index = -1;
    int i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
        const char *opt = argv[i], *arg = i + 1 < argc ? argv[i + 1] : NULL;
        if (arg == NULL) die("%s needs a value", opt);
        if (strcmp(opt, "--key") == 0)
            o->key = arg;
        else if (strcmp(opt, "--origin") == 0)
            o->origin = arg;
        else if (strcmp(opt, "--key-name") == 0)
            o->key_name = arg;
        else if (strcmp(opt, "--out") == 0)
            o->out = arg;
        else if (strcmp(opt, "--policy") == 0)
            o->policy = arg;
        else if (strcmp(opt, "--receipts") == 0)
            o->receipts = arg;
        else if (strcmp(opt, "--count") == 0)
            o->count = strtoull(arg, NULL, 10);
        else if (strcmp(opt, "--lie") == 0)
            parse_lie(o, arg);
        else if (strcmp(opt, "--trust") == 0 && o->trust_count < MAX_LIST)
            o->trust[o->trust_count++] = arg;
        else if (strcmp(opt, "--witness") == 0 && o->witness_count < MAX_LIST)
            o->witness[o->witness_count++] = arg;
        else if (strcmp(opt, "--at") == 0 && o->at_count < MAX_LIST)
            o->at[o->at_count++] = strtoull(arg, NULL, 10);
        else
            die("unknown option %s", opt);
    }
    o->reports = argv + i;
    o->report_count = argc - i;
    if (o->key == NULL || o->origin == NULL || o->out == NULL || o->report_count == 0)
        die("usage: --key LOG.pem --origin ORIGIN --out DIR [options] REPORT...");
    if (o->count == 0) o->count = (uint64_t)o->report_count;
    if (o->key_name == NULL) o->key_name = o->origin;
    if (o->at_count > 0 && o->receipts == NULL) die("--at needs --receipts");
}

static void build_tree(const struct options *o, struct tree *t) {
    pqcha_policy *policy = NULL;
    uint8_t policy_sha256[H];
    pqcha_verifier *v = policy_verifier(o, &policy, policy_sha256);
    t->size = o->count;
    t->entries = calloc(t->size, sizeof *t->entries);
    t->lens = calloc(t->size, sizeof *t->lens);
    t->leaves = malloc(t->size * H);
    if (t->entries == NULL || t->lens == NULL || t->leaves == NULL) die("out of memory");
    for (uint64_t i = 0; i < t->size; i++) {
        size_t len = 0;
        const char *path = o->reports[i % (uint64_t)o->report_count];
        char *report = read_all(path, &len);
        t->entries[i] = make_entry(o, i, report, len, v, policy_sha256, &t->lens[i]);
        must(pqcha_tlog_leaf_hash(t->leaves + i * H, (const uint8_t *)t->entries[i], t->lens[i]),
             "leaf");
        if (i < (uint64_t)o->report_count) {
            char rel[80] = "report/";
            uint8_t sum[H];
            must(pqcha_sha256(sum, report, len), "sha256");
            pqcha_hex_encode(rel + 7, sum, H);
            write_file(o->out, rel, report, len);
        }
        free(report);
    }
    pqcha_verifier_free(v);
    pqcha_policy_free(policy);
}

int main(int argc, char **argv) {
    struct options o;
    parse_args(&o, argc, argv);
    pqcha_key *key = NULL;
    int loose = 0;
    must(pqcha_key_load(&key, o.key, &loose), o.key);
    struct tree t;
    memset(&t, 0, sizeof t);
    build_tree(&o, &t);
    write_tiles(&t, o.out);
    size_t note_len = 0;
    char *note = signed_checkpoint(&o, &t, t.size, key, &note_len);
    write_file(o.out, "checkpoint", note, note_len);
    if (o.receipts != NULL) {
        write_receipts(&o, &t, note, note_len);
        write_older(&o, &t, key);
    }
    pqcha_free(note);
    for (uint64_t i = 0; i < t.size; i++)
        pqcha_free(t.entries[i]);
    free(t.entries);
    free(t.lens);
    free(t.leaves);
    pqcha_key_free(key);
    return 0;
}
