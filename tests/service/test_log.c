/* test_log.c — the service's transparency log without HTTP, on a SQLite
 * store and a clock the test sets: every answer's receipt verifies with the
 * library (checkpoint signature, inclusion proof, entry), a repeated report
 * keeps its entry, the served tiles and bundles give the published root,
 * witnesses' cosignatures are taken only when they verify over a checkpoint
 * the log signed, checkpoints are published once per interval, and a store
 * whose log is another's or was altered is refused at start. (The store's
 * side, on both databases, is test_store.c's; over HTTP,
 * test_serve_log.sh's.) */
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "service/service.h"
#include "service/try.h"
#include "service_fixture.h"
#include "testutil.h"

#define ORIGIN  "log.example/test"
#define WITNESS "witness.example/w1"

static pqcha_key *log_key(void) {
    static pqcha_key *key;
    if (!key && pqcha_key_generate(&key, PQCHA_ML_DSA_44) != PQCHA_OK) abort();
    return key;
}

static const pqcha_key *log_public(void) {
    static pqcha_key *key;
    if (!key && pqcha_key_public_copy(&key, log_key()) != PQCHA_OK) abort();
    return key;
}

static pqcha_key *witness_key(void) {
    static pqcha_key *key;
    if (!key && pqcha_key_generate(&key, PQCHA_ML_DSA_44) != PQCHA_OK) abort();
    return key;
}

/* A private key of the log's for tlog_create, which takes it over. */
static pqcha_key *log_key_copy(const pqcha_key *key) {
    char *pem = NULL;
    size_t len = 0;
    pqcha_key *copy = NULL;
    if (pqcha_key_private_pem(&pem, &len, key) != PQCHA_OK ||
        pqcha_key_from_pem(&copy, pem, len) != PQCHA_OK)
        abort();
    pqcha_free_secret(pem, len);
    return copy;
}

typedef struct fixture {
    char path[4200];
    store *db;
    service *svc;
    tlog *log;
    uint64_t entries; /* tlog_options.entries of the fixture's log */
    uint8_t policy_sha256[PQCHA_SHA256_LEN];
} fixture;

static pqcha_err open_log(fixture *f, const pqcha_key *key, const char *origin, int64_t interval) {
    tlog_options o = {origin, interval, test_clock, f->entries};
    SERVICE_TRY(tlog_create(&f->log, f->db, log_key_copy(key), &o));
    SERVICE_TRY(tlog_add_witness(f->log, WITNESS, witness_key()));
    return tlog_start(f->log, NULL);
}

/* A fixture whose log publishes per interval and per `entries` entries. */
static int fixture_open_entries(fixture *f, int64_t interval, uint64_t entries) {
    static unsigned n;
    char url[4300];
    memset(f, 0, sizeof *f);
    f->entries = entries;
    snprintf(f->path, sizeof f->path, "%s/log-%u.db", testutil_tmpdir(), ++n);
    snprintf(url, sizeof url, "sqlite:%s", f->path);
    fake_now = (int64_t)time(NULL);
    pqcha_policy *policy = policy_for(weights, sizeof weights, signer_public());
    char *json = NULL;
    size_t len = 0;
    if (pqcha_policy_to_json(&json, &len, policy) != PQCHA_OK ||
        pqcha_sha256(f->policy_sha256, json, len) != PQCHA_OK)
        abort();
    pqcha_free(json);
    service_options o = {120, -1, test_clock};
    if (store_open(&f->db, url, NULL, 0) != PQCHA_OK ||
        service_create(&f->svc, f->db, &o) != PQCHA_OK ||
        service_set_policy(f->svc, policy) != PQCHA_OK ||
        open_log(f, log_key(), ORIGIN, interval) != PQCHA_OK)
        return 0;
    service_set_log(f->svc, f->log);
    return 1;
}

static int fixture_open(fixture *f, int64_t interval) {
    return fixture_open_entries(f, interval, 0);
}

static void fixture_close(fixture *f) {
    service_set_log(f->svc, NULL);
    tlog_free(f->log);
    service_free(f->svc);
    store_close(f->db);
}

/* ---- receipts ---- */

static const char *text_of(const json_t *value) {
    const char *text = json_string_value(value);
    return text ? text : "";
}

typedef struct answer {
    unsigned status;
    char verdict[32];
    char *receipt; /* the member "log", as JSON; NULL: none */
} answer;

static answer post(fixture *f, const char *envelope, size_t len) {
    service_reply r;
    answer a = {0, "", NULL};
    CHECK_OK(service_submit_report(f->svc, envelope, len, &r));
    a.status = r.status;
    json_t *j = json_loadb(r.body, r.body_len, 0, NULL);
    snprintf(a.verdict, sizeof a.verdict, "%s", text_of(json_object_get(j, "verdict")));
    json_t *log = json_object_get(j, "log");
    if (log) a.receipt = json_dumps(log, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    service_reply_clear(&r);
    return a;
}

/* A new report of WORKLOAD over data (its own random nonce: stored, not
 * counting). */
static char *fresh_report(const uint8_t *data, size_t *len) {
    static unsigned counter;
    char nonce[65];
    snprintf(nonce, sizeof nonce, "%032x%08x%024x", 0xabcu, ++counter, (unsigned)getpid());
    return report_over(data, sizeof weights, nonce, len);
}

typedef struct checked {
    uint64_t index, size;
    char entry[512];
} checked;

/* Everything a receipt claims, checked with the library. */
static int check_receipt(const fixture *f, const char *text, const char *envelope, size_t len,
                         const char *verdict, checked *out) {
    pqcha_tlog_receipt *r = NULL;
    pqcha_checkpoint *cp = NULL;
    pqcha_tlog_entry *e = NULL;
    int ok = 0;
    if (!text) return 0;
    CHECK_OK(pqcha_tlog_receipt_parse(&r, text, strlen(text)));
    if (!r) return 0;
    size_t note_len = 0, entry_len = 0, count = 0;
    const char *note = pqcha_tlog_receipt_checkpoint(r, &note_len);
    const uint8_t *entry = pqcha_tlog_receipt_entry(r, &entry_len);
    const uint8_t *proof = pqcha_tlog_receipt_proof(r, &count);
    uint8_t leaf[PQCHA_TLOG_HASH_LEN], sum[PQCHA_SHA256_LEN];
    CHECK(note && entry);
    if (note && entry &&
        pqcha_checkpoint_open(&cp, note, note_len, ORIGIN, log_public()) == PQCHA_OK &&
        pqcha_tlog_leaf_hash(leaf, entry, entry_len) == PQCHA_OK &&
        pqcha_tlog_entry_parse(&e, (const char *)entry, entry_len) == PQCHA_OK &&
        pqcha_sha256(sum, envelope, len) == PQCHA_OK) {
        const pqcha_tlog_entry_fields *fields = pqcha_tlog_entry_get(e);
        uint64_t index = pqcha_tlog_receipt_index(r), size = pqcha_tlog_receipt_tree_size(r);
        CHECK(size == pqcha_checkpoint_size(cp));
        CHECK_OK(pqcha_tlog_verify_inclusion(leaf, index, size, proof, count,
                                             pqcha_checkpoint_root(cp)));
        CHECK(memcmp(fields->envelope_sha256, sum, sizeof sum) == 0);
        CHECK(memcmp(fields->policy_sha256, f->policy_sha256, sizeof sum) == 0);
        CHECK_STR(pqcha_verdict_name(fields->verdict), verdict);
        CHECK_STR(fields->workload, WORKLOAD);
        CHECK_STR(fields->signer, pqcha_key_id(signer()));
        CHECK(fields->received_at == fake_now);
        out->index = index;
        out->size = size;
        snprintf(out->entry, sizeof out->entry, "%.*s", (int)entry_len, (const char *)entry);
        ok = 1;
    }
    CHECK(ok);
    pqcha_tlog_entry_free(e);
    pqcha_checkpoint_free(cp);
    pqcha_tlog_receipt_free(r);
    return ok;
}

static void test_every_answer_carries_a_receipt_that_verifies(void) {
    fixture f;
    REQUIRE(fixture_open(&f, 0));
    uint8_t tampered[sizeof weights];
    memcpy(tampered, weights, sizeof weights);
    tampered[3] ^= 1;
    const uint8_t *data[] = {weights, tampered, weights};
    const char *verdicts[] = {"rejected", "rejected", "rejected"}; /* no challenge: NONCE_UNKNOWN */
    for (uint64_t i = 0; i < 3; i++) {
        size_t len;
        char *env = fresh_report(data[i], &len);
        answer a = post(&f, env, len);
        checked c;
        CHECK(a.status == 200);
        CHECK(check_receipt(&f, a.receipt, env, len, verdicts[i], &c));
        CHECK(c.index == i && c.size == i + 1); /* one batch each: the checkpoint is its own */
        free(a.receipt);
        pqcha_free(env);
    }
    /* A report answering its challenge: valid, and logged as such. */
    service_reply r;
    const char req[] = "{\"workload\": \"" WORKLOAD "\"}";
    CHECK_OK(service_challenge(f.svc, req, strlen(req), &r));
    json_t *j = json_loadb(r.body, r.body_len, 0, NULL);
    size_t len;
    char *env =
        report_over(weights, sizeof weights, json_string_value(json_object_get(j, "nonce")), &len);
    json_decref(j);
    service_reply_clear(&r);
    answer a = post(&f, env, len);
    checked c;
    CHECK_STR(a.verdict, "valid");
    CHECK(check_receipt(&f, a.receipt, env, len, "valid", &c) && c.index == 3);
    free(a.receipt);
    pqcha_free(env);
    /* Unreadable: answered, not stored, not logged. */
    a = post(&f, "{}", 2);
    CHECK(a.status == 400 && a.receipt == NULL);
    fixture_close(&f);
}

static void test_a_repeated_report_keeps_its_entry(void) {
    fixture f;
    REQUIRE(fixture_open(&f, 0));
    size_t len, other_len;
    char *env = fresh_report(weights, &len), *other = fresh_report(weights, &other_len);
    answer first = post(&f, env, len);
    checked c1, c2, c3;
    CHECK(check_receipt(&f, first.receipt, env, len, "rejected", &c1));
    answer next = post(&f, other, other_len);
    CHECK(check_receipt(&f, next.receipt, other, other_len, "rejected", &c2));
    fake_now += 60; /* the entry keeps the time it was first received */
    answer again = post(&f, env, len);
    fake_now -= 60;
    CHECK(check_receipt(&f, again.receipt, env, len, "rejected", &c3));
    CHECK(c3.index == c1.index && c3.size == 2);
    CHECK_STR(c3.entry, c1.entry);
    uint64_t size = 0;
    CHECK_OK(store_log_size(f.db, &size));
    CHECK(size == 2);
    free(first.receipt);
    free(next.receipt);
    free(again.receipt);
    pqcha_free(env);
    pqcha_free(other);
    fixture_close(&f);
}

/* ---- what the log serves ---- */

static service_reply get(fixture *f, const char *path) {
    service_reply r;
    CHECK_OK(service_log_get(f->svc, path, &r));
    return r;
}

/* The published checkpoint, opened with the log's key. */
static pqcha_checkpoint *published(fixture *f, char **note) {
    service_reply r = get(f, "checkpoint");
    pqcha_checkpoint *cp = NULL;
    CHECK(r.status == 200);
    CHECK_STR(r.content_type, "text/plain; charset=utf-8");
    if (r.status == 200)
        CHECK_OK(pqcha_checkpoint_open(&cp, r.body, r.body_len, ORIGIN, log_public()));
    if (note) {
        *note = r.body;
        r.body = NULL;
    }
    service_reply_clear(&r);
    return cp;
}

typedef struct tile_read {
    fixture *f;
    int full_seen, partial_seen;
} tile_read;

/* A pqcha_tlog_tile_fn over GET /v1/log/tile/...: what a mirror reads. */
static pqcha_err served_tile(void *ctx, unsigned level, uint64_t index, unsigned width,
                             uint8_t *out, size_t *out_len) {
    tile_read *t = ctx;
    char path[PQCHA_TLOG_TILE_PATH_MAX];
    *out_len = 0;
    SERVICE_TRY(pqcha_tlog_tile_path(path, sizeof path, (int)level, index, width));
    service_reply r = get(t->f, path);
    pqcha_err err =
        r.status == 200 && r.body_len <= PQCHA_TLOG_TILE_MAX_BYTES ? PQCHA_OK : PQCHA_ERR_NOT_FOUND;
    if (err == PQCHA_OK) {
        memcpy(out, r.body, r.body_len);
        *out_len = r.body_len;
        CHECK_STR(r.cache_control,
                  width == 256 ? "public, max-age=31536000, immutable" : "public, max-age=60");
        if (width == 256)
            t->full_seen++;
        else
            t->partial_seen++;
    }
    service_reply_clear(&r);
    return err;
}

static void test_served_tiles_and_bundles_give_the_published_root(void) {
    fixture f;
    REQUIRE(fixture_open(&f, 0));
    enum { REPORTS = 258 }; /* a full level-0 tile and a partial one */
    static char *envelopes[REPORTS];
    static size_t lens[REPORTS];
    for (int i = 0; i < REPORTS; i++) {
        envelopes[i] = fresh_report(weights, &lens[i]);
        answer a = post(&f, envelopes[i], lens[i]);
        CHECK(a.status == 200 && a.receipt);
        free(a.receipt);
    }
    pqcha_checkpoint *cp = published(&f, NULL);
    REQUIRE(cp != NULL);
    CHECK(pqcha_checkpoint_size(cp) == REPORTS);
    tile_read t = {&f, 0, 0};
    CHECK_OK(pqcha_tlog_tiles_verify(REPORTS, pqcha_checkpoint_root(cp), served_tile, &t));
    CHECK(t.full_seen > 0 && t.partial_seen > 0);
    /* Each bundle holds its tile's entries; each names its report, which is
     * served byte for byte. */
    static const struct {
        uint64_t index;
        unsigned width;
        const char *path;
    } tiles[] = {{0, 256, "tile/entries/000"}, {1, 2, "tile/entries/001.p/2"}};
    for (size_t i = 0; i < 2; i++) {
        uint8_t hashes[PQCHA_TLOG_TILE_MAX_BYTES];
        size_t hashes_len = 0;
        CHECK_OK(served_tile(&t, 0, tiles[i].index, tiles[i].width, hashes, &hashes_len));
        service_reply b = get(&f, tiles[i].path);
        REQUIRE(b.status == 200);
        CHECK_OK(pqcha_tlog_bundle_verify((const uint8_t *)b.body, b.body_len, hashes, hashes_len,
                                          tiles[i].width));
        service_reply_clear(&b);
    }
    uint8_t sum[PQCHA_SHA256_LEN];
    char path[80] = "report/";
    CHECK_OK(pqcha_sha256(sum, envelopes[257], lens[257]));
    pqcha_hex_encode(path + strlen(path), sum, sizeof sum);
    service_reply rep = get(&f, path);
    CHECK(rep.status == 200 && rep.body_len == lens[257] &&
          memcmp(rep.body, envelopes[257], lens[257]) == 0);
    CHECK_STR(rep.cache_control, "public, max-age=31536000, immutable");
    service_reply_clear(&rep);
    /* Only what the tree holds. */
    static const char *const absent[] = {
        "tile/0/001.p/3",
        "tile/0/002",
        "tile/1/000",
        "tile/entries/001.p/3",
        "tile/0/01",
        "tile/0/000.p/0",
        "tile/9/000",
        "report/"
        "00",
        "nothing",
        "tile/",
        "report/",
    };
    for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++) {
        service_reply r = get(&f, absent[i]);
        if (r.status != 404) fprintf(stderr, "  %s: %u\n", absent[i], r.status);
        CHECK(r.status == 404);
        service_reply_clear(&r);
    }
    memset(path + strlen("report/"), '0', 64);
    rep = get(&f, path);
    CHECK(rep.status == 404);
    service_reply_clear(&rep);
    pqcha_checkpoint_free(cp);
    for (int i = 0; i < REPORTS; i++)
        pqcha_free(envelopes[i]);
    fixture_close(&f);
}

/* ---- witnesses ---- */

static unsigned cosign(fixture *f, const char *note, char error[48]) {
    service_reply r;
    CHECK_OK(service_log_cosign(f->svc, note, strlen(note), &r));
    json_t *j = json_loadb(r.body, r.body_len, 0, NULL);
    snprintf(error, 48, "%s", text_of(json_object_get(j, "error")));
    json_decref(j);
    unsigned status = r.status;
    service_reply_clear(&r);
    return status;
}

static char *cosigned(const char *note, const char *name, const pqcha_key *key) {
    char *out = NULL;
    size_t len = 0;
    CHECK_OK(pqcha_note_cosign(&out, &len, note, strlen(note), name, key));
    return out;
}

static void test_witness_cosignatures_are_checked_and_served(void) {
    fixture f;
    REQUIRE(fixture_open(&f, 0));
    size_t len;
    char *env = fresh_report(weights, &len), error[48];
    answer a = post(&f, env, len);
    free(a.receipt);
    pqcha_free(env);
    char *note = NULL;
    pqcha_checkpoint_free(published(&f, &note));
    REQUIRE(note != NULL);
    /* A configured witness: taken, and served with the checkpoint. */
    char *good = cosigned(note, WITNESS, witness_key());
    CHECK(cosign(&f, good, error) == 200);
    char *served = NULL;
    pqcha_checkpoint_free(published(&f, &served));
    pqcha_note *n = NULL;
    pqcha_note_verifier *v = NULL;
    size_t verified = 0;
    CHECK_OK(pqcha_note_parse(&n, served, strlen(served)));
    CHECK_OK(pqcha_note_verifier_create(&v));
    CHECK_OK(pqcha_note_verifier_add(v, WITNESS, witness_key()));
    CHECK_OK(pqcha_note_verify(&verified, n, v, 1));
    CHECK(verified == 1);
    CHECK_OK(pqcha_note_verify_key(n, ORIGIN, log_public()));
    pqcha_note_free(n);
    pqcha_note_verifier_free(v);
    /* Refused: another witness, a broken cosignature, not a note, another
     * log's checkpoint, and a checkpoint the log never signed (a fork). */
    pqcha_key *stranger = NULL;
    CHECK_OK(pqcha_key_generate(&stranger, PQCHA_ML_DSA_44));
    char *unknown = cosigned(note, "witness.example/w2", stranger);
    CHECK(cosign(&f, unknown, error) == 400);
    CHECK_STR(error, "UNTRUSTED_KEY");
    char *broken = strdup(good);
    char *line = strstr(broken, "\xe2\x80\x94 " WITNESS " ");
    REQUIRE(line != NULL);
    line += strlen("\xe2\x80\x94 " WITNESS " ") + 40;
    *line = *line == 'A' ? 'B' : 'A';
    CHECK(cosign(&f, broken, error) == 400);
    CHECK_STR(error, "BAD_SIGNATURE");
    CHECK(cosign(&f, "not a note", error) == 400);
    static const uint8_t other_root[32] = {9};
    char *body = NULL, *forged = NULL;
    size_t body_len = 0, forged_len = 0;
    CHECK_OK(pqcha_checkpoint_encode(&body, &body_len, ORIGIN, 1, other_root, NULL));
    CHECK_OK(pqcha_note_sign(&forged, &forged_len, body, body_len, ORIGIN, log_key()));
    char *fork = cosigned(forged, WITNESS, witness_key());
    CHECK(cosign(&f, fork, error) == 409);
    CHECK_STR(error, "LOG_FORK");
    pqcha_free(body);
    pqcha_free(forged);
    CHECK_OK(pqcha_checkpoint_encode(&body, &body_len, "other.example/log", 1, other_root, NULL));
    CHECK_OK(pqcha_note_sign(&forged, &forged_len, body, body_len, "other.example/log", log_key()));
    char *foreign = cosigned(forged, WITNESS, witness_key());
    CHECK(cosign(&f, foreign, error) == 400);
    CHECK_STR(error, "LOG_ORIGIN");
    service_reply m;
    CHECK_OK(service_metrics(f.svc, &m));
    CHECK(strstr(m.body, "pqcha_log_cosignatures_total{outcome=\"accepted\"} 1\n") != NULL);
    CHECK(strstr(m.body, "pqcha_log_cosignatures_total{outcome=\"refused\"} 5\n") != NULL);
    CHECK(strstr(m.body, "pqcha_log_entries 1\n") != NULL);
    service_reply_clear(&m);
    pqcha_free(body);
    pqcha_free(forged);
    pqcha_free(foreign);
    pqcha_free(fork);
    free(broken);
    pqcha_free(unknown);
    pqcha_key_free(stranger);
    pqcha_free(good);
    free(served);
    free(note);
    fixture_close(&f);
}

/* ---- publication ---- */

static uint64_t published_size(fixture *f) {
    pqcha_checkpoint *cp = published(f, NULL);
    uint64_t size = cp ? pqcha_checkpoint_size(cp) : UINT64_MAX;
    pqcha_checkpoint_free(cp);
    return size;
}

static void test_one_checkpoint_is_published_per_interval(void) {
    fixture f;
    REQUIRE(fixture_open(&f, 10));
    CHECK(published_size(&f) == 0); /* a new log publishes its empty tree at once */
    size_t len;
    char *env = fresh_report(weights, &len);
    answer a = post(&f, env, len);
    checked c;
    CHECK(check_receipt(&f, a.receipt, env, len, "rejected", &c) && c.size == 1);
    free(a.receipt);
    pqcha_free(env);
    CHECK(published_size(&f) == 0); /* answered with a checkpoint not published yet */
    fake_now += 9;
    CHECK_OK(service_log_tick(f.svc));
    CHECK(published_size(&f) == 0);
    fake_now += 1;
    CHECK_OK(service_log_tick(f.svc));
    CHECK(published_size(&f) == 1);
    fake_now += 100;
    CHECK_OK(service_log_tick(f.svc)); /* the tree did not grow: nothing new */
    CHECK(published_size(&f) == 1);
    service_reply m;
    CHECK_OK(service_metrics(f.svc, &m));
    CHECK(strstr(m.body, "pqcha_log_checkpoints_total{event=\"signed\"} 2\n") != NULL);
    CHECK(strstr(m.body, "pqcha_log_checkpoints_total{event=\"published\"} 2\n") != NULL);
    service_reply_clear(&m);
    fixture_close(&f);
}

/* Posts one fresh report; 1 if it was answered with a receipt. */
static int post_fresh(fixture *f) {
    size_t len;
    char *env = fresh_report(weights, &len);
    answer a = post(f, env, len);
    int ok = a.receipt != NULL;
    free(a.receipt);
    pqcha_free(env);
    return ok;
}

/* However long the interval, a log that grew by `entries` publishes at once. */
static void test_a_checkpoint_is_published_every_m_entries(void) {
    fixture f;
    REQUIRE(fixture_open_entries(&f, 3600, 3));
    CHECK(published_size(&f) == 0);
    CHECK(post_fresh(&f) && post_fresh(&f));
    CHECK(published_size(&f) == 0); /* two entries, within the hour */
    CHECK(post_fresh(&f));
    CHECK(published_size(&f) == 3); /* the third: published without waiting */
    CHECK(post_fresh(&f));
    CHECK_OK(service_log_tick(f.svc));
    CHECK(published_size(&f) == 3); /* one more: waits for the interval or two more */
    fake_now += 3600;
    CHECK_OK(service_log_tick(f.svc));
    CHECK(published_size(&f) == 4);
    fixture_close(&f);
}

/* ---- starting on a store that has a log ---- */

static void test_start_refuses_another_log_or_an_altered_tree(void) {
    fixture f;
    REQUIRE(fixture_open(&f, 0));
    for (int i = 0; i < 3; i++) {
        size_t len;
        char *env = fresh_report(weights, &len);
        answer a = post(&f, env, len);
        free(a.receipt);
        pqcha_free(env);
    }
    service_set_log(f.svc, NULL);
    tlog_free(f.log);
    f.log = NULL;
    /* The same key and origin: taken up where it was. */
    CHECK_OK(open_log(&f, log_key(), ORIGIN, 0));
    tlog_free(f.log);
    f.log = NULL;
    pqcha_key *other = NULL;
    CHECK_OK(pqcha_key_generate(&other, PQCHA_ML_DSA_44));
    CHECK_ERR(open_log(&f, other, ORIGIN, 0), PQCHA_ERR_UNTRUSTED_KEY);
    tlog_free(f.log);
    f.log = NULL;
    CHECK_ERR(open_log(&f, log_key(), "log.example/other", 0), PQCHA_ERR_UNTRUSTED_KEY);
    tlog_free(f.log);
    f.log = NULL;
    pqcha_key_free(other);
    sqlite3 *db;
    REQUIRE(sqlite3_open(f.path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "UPDATE log_entries SET leaf_hash = zeroblob(32) WHERE idx = 1", NULL,
                       NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    uint64_t size = 0;
    tlog_options o = {ORIGIN, 0, test_clock, 0};
    CHECK_OK(tlog_create(&f.log, f.db, log_key_copy(log_key()), &o));
    CHECK_ERR(tlog_start(f.log, &size), PQCHA_ERR_LOG_FORK);
    CHECK(size == 3);
    fixture_close(&f);
}

static void test_bad_arguments_and_no_log(void) {
    fixture f;
    REQUIRE(fixture_open(&f, 0));
    tlog *l = (tlog *)1;
    tlog_options o = {"has space", 0, NULL, 0};
    CHECK_ERR(tlog_create(&l, f.db, log_key_copy(log_key()), &o), PQCHA_ERR_BAD_IDENTIFIER);
    CHECK(l == NULL);
    o.origin = ORIGIN;
    pqcha_key *pub = NULL;
    CHECK_OK(pqcha_key_public_copy(&pub, log_key()));
    CHECK_ERR(tlog_create(&l, f.db, pub, &o), PQCHA_ERR_NOT_PRIVATE_KEY);
    CHECK_ERR(tlog_add_witness(f.log, WITNESS, witness_key()), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(tlog_add_witness(f.log, ORIGIN, witness_key()), PQCHA_ERR_INVALID_ARGUMENT);
    /* A service without a log: no receipts, and no log endpoints. */
    service_set_log(f.svc, NULL);
    size_t len;
    char *env = fresh_report(weights, &len);
    answer a = post(&f, env, len);
    CHECK(a.status == 200 && a.receipt == NULL);
    pqcha_free(env);
    service_reply r = get(&f, "checkpoint");
    CHECK(r.status == 404);
    service_reply_clear(&r);
    fixture_close(&f);
}

TEST_MAIN(TEST(test_every_answer_carries_a_receipt_that_verifies),
          TEST(test_a_repeated_report_keeps_its_entry),
          TEST(test_served_tiles_and_bundles_give_the_published_root),
          TEST(test_witness_cosignatures_are_checked_and_served),
          TEST(test_one_checkpoint_is_published_per_interval),
          TEST(test_a_checkpoint_is_published_every_m_entries),
          TEST(test_start_refuses_another_log_or_an_altered_tree),
          TEST(test_bad_arguments_and_no_log))
