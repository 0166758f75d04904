/* store_postgres.c — the shared store: PostgreSQL through libpq, for a fleet
 * whose verifier instances must agree on which nonces are used and what
 * state each workload is in.
 *
 * Connections: a pool of up to POOL_SIZE, each opened when first needed and
 * used by one thread at a time (a libpq connection is not shareable), under
 * a mutex and a condition variable that a thread waits on while all are
 * busy. Verification is done outside the store, but every commit waits for
 * PostgreSQL's WAL flush: with POOL_SIZE commits in flight at once, the
 * server flushes them together (its own group commit), which is what lets
 * a busy verifier keep up. Fewer connections than HTTP threads still keep
 * an instance from holding a backend per request thread.
 * Callbacks run after the connection is back in the pool (a PGresult
 * outlives its connection), so a callback may call the store itself.
 *
 * Recovery: a connection that broke (the server restarted, the network
 * failed) or was left inside a transaction is reset with PQreset when it is
 * next taken; while the server is down that fails within connect_timeout
 * and the call returns PQCHA_ERR_STORE, and the call after the server is
 * back succeeds. A server that went away while the connection sat in the
 * pool is noticed before use when it closed the socket (still_usable);
 * when it did not, the operation's first statement fails on it and is sent
 * again, once, on a fresh connection (worth_resending).
 *
 * Transactions run at READ COMMITTED: every write that depends on a read
 * is either conditional in one statement (the challenge's used_by, the
 * report's digest) or made under a row lock (the workload's row), so
 * concurrent instances serialise where they must and nowhere else. */
#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pqcha/tlog.h"
#include "service/store_internal.h"
#include "service/try.h"

#define POOL_SIZE 16
/* Tries of a transaction that PostgreSQL aborted to break a deadlock or a
 * serialisation conflict, or that lost the race to store the same report. */
#define TRANSACTION_ATTEMPTS 4
/* Unless the URL says otherwise, a call fails this many seconds after the
 * server stops answering connections, and a TCP connection whose server
 * stopped acknowledging what is sent to it is given up after this many
 * milliseconds, rather than when TCP's own retries end (minutes later). A
 * slow query is unaffected: the server's kernel acknowledges meanwhile. */
#define CONNECT_TIMEOUT  "5"
#define TCP_USER_TIMEOUT "30000"

typedef struct pg_slot {
    PGconn *conn; /* NULL until first needed; kept (and reset) when broken */
    int busy;
} pg_slot;

typedef struct pg_store {
    char *url;
    pthread_mutex_t lock;
    pthread_cond_t slot_freed;
    pg_slot slots[POOL_SIZE];
    /* One thread of this instance appends waiting entries to the tree at a
     * time; the others then find theirs appended (the log's group commit). */
    pthread_mutex_t log_lock;
} pg_store;

/* One operation's use of one pooled connection. */
typedef struct pg_session {
    pg_store *db;
    pg_slot *slot;
    PGconn *conn;
    int fresh;        /* connected or reset for this operation */
    int sent;         /* a statement went out on it */
    int resent;       /* the first statement was sent again after a reset */
    char sqlstate[6]; /* of the last failed statement; "" when the server gave none */
    char message[256];
} pg_session;

/* ---- schema ---- */

/* Step i takes the schema from version i to i + 1, one statement per entry. */
static const char *const schema_v1[] = {
    "CREATE TABLE challenges (nonce TEXT PRIMARY KEY, workload TEXT NOT NULL,"
    " issued_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, used_by TEXT)",
    "CREATE INDEX challenges_expiry ON challenges (expires_at)",
    "CREATE TABLE workloads (id TEXT PRIMARY KEY, state TEXT NOT NULL,"
    " state_since BIGINT NOT NULL, last_digest TEXT NOT NULL, last_report_id TEXT NOT NULL,"
    " last_verdict TEXT NOT NULL, last_seen BIGINT NOT NULL,"
    " last_counted BIGINT NOT NULL DEFAULT 0, report_count BIGINT NOT NULL DEFAULT 0)",
    "CREATE TABLE reports (seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " digest TEXT NOT NULL UNIQUE, report_id TEXT NOT NULL, workload TEXT NOT NULL,"
    " received_at BIGINT NOT NULL, verdict TEXT NOT NULL, error TEXT NOT NULL,"
    " outcome TEXT NOT NULL, result TEXT NOT NULL, body BYTEA NOT NULL)",
    "CREATE INDEX reports_by_workload ON reports (workload, received_at, seq)",
    "CREATE TABLE events (seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " workload TEXT NOT NULL, at BIGINT NOT NULL, from_state TEXT NOT NULL,"
    " to_state TEXT NOT NULL, digest TEXT NOT NULL, detail TEXT NOT NULL)",
    "CREATE INDEX events_by_workload ON events (workload, seq)",
    NULL,
};

/* The transparency log. An entry is stored with its report and waits
 * (idx NULL) until appended to the tree, in order of seq, by a second
 * transaction that holds log_head's row: instances sharing the database
 * append one after the other, each taking every entry waiting. */
static const char *const schema_v2[] = {
    "CREATE TABLE log_entries (seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " idx BIGINT UNIQUE, digest TEXT NOT NULL UNIQUE, envelope_sha256 TEXT NOT NULL UNIQUE,"
    " entry BYTEA NOT NULL, leaf_hash BYTEA NOT NULL)",
    "CREATE INDEX log_entries_waiting ON log_entries (seq) WHERE idx IS NULL",
    "CREATE TABLE log_hashes (level INTEGER NOT NULL, idx BIGINT NOT NULL, hash BYTEA NOT NULL,"
    " PRIMARY KEY (level, idx))",
    "CREATE TABLE log_head (id INTEGER PRIMARY KEY CHECK (id = 1), size BIGINT NOT NULL)",
    "INSERT INTO log_head VALUES (1, 0)",
    "CREATE TABLE log_checkpoints (size BIGINT PRIMARY KEY, root BYTEA NOT NULL,"
    " note TEXT NOT NULL, signed_at BIGINT NOT NULL, published_at BIGINT)",
    "CREATE TABLE log_cosignatures (size BIGINT NOT NULL, witness TEXT NOT NULL,"
    " line TEXT NOT NULL, PRIMARY KEY (size, witness))",
    NULL,
};

static const char *const *const migrations[] = {schema_v1, schema_v2};
_Static_assert(sizeof migrations / sizeof migrations[0] == STORE_SCHEMA_VERSION,
               "one migration step per schema version");

/* Instances opening the same database at once migrate one after the other:
 * the second finds the schema current. The key, 0x7071636861000001 ("pqcha"
 * then 1), never changes, so that every version of pqcha takes the same lock. */
#define MIGRATION_LOCK_SQL "SELECT pg_advisory_xact_lock(8102366504571371521)"

/* ---- text in and out ---- */

typedef struct pg_int {
    char text[24];
} pg_int;

static const char *int_text(pg_int *buf, int64_t v) {
    snprintf(buf->text, sizeof buf->text, "%" PRId64, v);
    return buf->text;
}

static int parse_i64(const char *text, int64_t *out) {
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0') return 0;
    *out = (int64_t)v;
    return 1;
}

static int column_i64(const PGresult *res, int row, int col, int64_t *out) {
    return !PQgetisnull(res, row, col) && parse_i64(PQgetvalue(res, row, col), out);
}

static int column_state(const PGresult *res, int row, int col, workload_state *out) {
    return workload_state_parse(PQgetvalue(res, row, col), out) == PQCHA_OK;
}

static int column_true(const PGresult *res, int row, int col) {
    return strcmp(PQgetvalue(res, row, col), "t") == 0;
}

/* How many rows the statement behind res changed. */
static int64_t rows_changed(PGresult *res) {
    int64_t n = 0;
    return parse_i64(PQcmdTuples(res), &n) ? n : 0;
}

/* libpq's messages span lines ("...failed: ...\n\tIs the server running...");
 * `why` is shown on one line. */
static void keep_message(char *dst, size_t len, const char *msg) {
    size_t n = 0;
    int space = 0;
    for (const char *p = msg ? msg : ""; *p && n + 1 < len; p++) {
        if (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') {
            space = n > 0;
            continue;
        }
        if (space) {
            if (n + 2 >= len) break;
            dst[n++] = ' ';
        }
        space = 0;
        dst[n++] = *p;
    }
    dst[n] = '\0';
}

/* ---- the pool ---- */

/* The library never prints: notices ("relation exists, skipping") are dropped. */
static void ignore_notice(void *arg, const char *message) {
    (void)arg;
    (void)message;
}

static PGconn *connect_url(const char *url) {
    /* Keywords before dbname are defaults that the URL (expanded from
     * dbname) overrides: the URL's own connect_timeout wins. */
    const char *const keys[] = {"connect_timeout", "tcp_user_timeout", "fallback_application_name",
                                "dbname", NULL};
    const char *const values[] = {CONNECT_TIMEOUT, TCP_USER_TIMEOUT, "pqcha", url, NULL};
    PGconn *conn = PQconnectdbParams(keys, values, 1);
    if (conn) PQsetNoticeProcessor(conn, ignore_notice, NULL);
    return conn;
}

/* Whether an idle pooled connection can take a statement as it is. Reading
 * what is waiting (libpq's sockets never block) notices a server that
 * closed it meanwhile: the first read may only get its farewell message
 * (which libpq hands to the silenced notice processor), the second the
 * end of the stream. */
static int still_usable(PGconn *conn) {
    return PQstatus(conn) == CONNECTION_OK && PQtransactionStatus(conn) == PQTRANS_IDLE &&
           PQconsumeInput(conn) && PQconsumeInput(conn) && PQstatus(conn) == CONNECTION_OK;
}

/* A free slot, preferring one that is already connected. */
static pg_slot *take_slot(pg_store *db) {
    pthread_mutex_lock(&db->lock);
    for (;;) {
        pg_slot *choice = NULL;
        for (int i = 0; i < POOL_SIZE; i++) {
            pg_slot *slot = &db->slots[i];
            if (!slot->busy && (!choice || (slot->conn && !choice->conn))) choice = slot;
        }
        if (choice) {
            choice->busy = 1;
            pthread_mutex_unlock(&db->lock);
            return choice;
        }
        pthread_cond_wait(&db->slot_freed, &db->lock);
    }
}

static void give_back(pg_store *db, pg_slot *slot) {
    pthread_mutex_lock(&db->lock);
    slot->busy = 0;
    pthread_cond_signal(&db->slot_freed);
    pthread_mutex_unlock(&db->lock);
}

static pqcha_err session_open(pg_store *db, pg_session *ss) {
    memset(ss, 0, sizeof *ss);
    ss->db = db;
    ss->slot = take_slot(db);
    pg_slot *slot = ss->slot;
    if (!slot->conn) {
        slot->conn = connect_url(db->url);
        ss->fresh = 1;
    } else if (!still_usable(slot->conn)) {
        PQreset(slot->conn);
        ss->fresh = 1;
    }
    if (!slot->conn) {
        give_back(db, slot);
        return PQCHA_ERR_NO_MEMORY;
    }
    if (PQstatus(slot->conn) != CONNECTION_OK) {
        keep_message(ss->message, sizeof ss->message, PQerrorMessage(slot->conn));
        give_back(db, slot);
        return PQCHA_ERR_STORE;
    }
    ss->conn = slot->conn;
    return PQCHA_OK;
}

static void session_close(pg_session *ss) {
    give_back(ss->db, ss->slot);
}

/* ---- statements ---- */

static PGresult *send_statement(pg_session *ss, const char *sql, int n, const char *const *values,
                                const int *lengths, const int *formats) {
    return PQexecParams(ss->conn, sql, n, NULL, values, lengths, formats, 0);
}

static int succeeded(const PGresult *res) {
    ExecStatusType status = PQresultStatus(res);
    return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

/* The first statement on a reused connection that turned out to be dead
 * goes again on a fresh one. Usually the old one never reached a live
 * server (it restarted, or ended the session, while the connection sat in
 * the pool). Rarely the server ran and committed it, then died before
 * answering; every first statement tolerates running twice: BEGIN and
 * reads trivially, add_challenge finds its own row (inserted_by_us),
 * prune_challenges counts fewer and mark_stale passes fewer events to its
 * callback (the events themselves are stored). */
static int worth_resending(const pg_session *ss) {
    return !ss->sent && !ss->fresh && PQstatus(ss->conn) == CONNECTION_BAD;
}

static void remember_failure(pg_session *ss, const PGresult *res) {
    const char *code = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    snprintf(ss->sqlstate, sizeof ss->sqlstate, "%s", code ? code : "");
    keep_message(ss->message, sizeof ss->message,
                 res ? PQresultErrorMessage(res) : PQerrorMessage(ss->conn));
}

/* Runs one statement with its parameters (text unless formats says binary);
 * *res (may be NULL) receives its result, for the caller to PQclear. */
static pqcha_err exec_params(pg_session *ss, const char *sql, int n, const char *const *values,
                             const int *lengths, const int *formats, PGresult **res) {
    if (res) *res = NULL;
    PGresult *r = send_statement(ss, sql, n, values, lengths, formats);
    if (!succeeded(r) && worth_resending(ss)) {
        PQclear(r);
        r = NULL;
        PQreset(ss->conn);
        ss->fresh = ss->resent = 1;
        if (PQstatus(ss->conn) == CONNECTION_OK)
            r = send_statement(ss, sql, n, values, lengths, formats);
    }
    ss->sent = 1;
    if (!succeeded(r)) {
        remember_failure(ss, r);
        PQclear(r);
        return PQCHA_ERR_STORE;
    }
    if (res)
        *res = r;
    else
        PQclear(r);
    return PQCHA_OK;
}

static pqcha_err exec_text(pg_session *ss, const char *sql, int n, const char *const *values,
                           PGresult **res) {
    return exec_params(ss, sql, n, values, NULL, NULL, res);
}

static pqcha_err exec_plain(pg_session *ss, const char *sql) {
    return exec_text(ss, sql, 0, NULL, NULL);
}

/* Ends a transaction that failed or must not stand. A connection left
 * inside one (the ROLLBACK failed too) is reset when next taken. */
static void roll_back(pg_session *ss) {
    if (PQstatus(ss->conn) != CONNECTION_OK || PQtransactionStatus(ss->conn) == PQTRANS_IDLE)
        return;
    PQclear(PQexec(ss->conn, "ROLLBACK"));
}

/* A transaction PostgreSQL aborted to let another one through: worth a retry. */
static int lost_to_concurrency(const pg_session *ss) {
    return strcmp(ss->sqlstate, "40001") == 0 || strcmp(ss->sqlstate, "40P01") == 0;
}

/* One statement in a session of its own (its own transaction), tried
 * again when PostgreSQL broke a deadlock by aborting it. */
static pqcha_err query(pg_store *db, const char *sql, int n, const char *const *values,
                       PGresult **res) {
    pqcha_err err = PQCHA_OK;
    for (int attempt = 0; attempt < TRANSACTION_ATTEMPTS; attempt++) {
        pg_session ss;
        SERVICE_TRY(session_open(db, &ss));
        err = exec_text(&ss, sql, n, values, res);
        int again = err != PQCHA_OK && lost_to_concurrency(&ss);
        session_close(&ss);
        if (!again) break;
    }
    return err;
}

/* ---- opening ---- */

/* The version in pqcha_schema, creating the table (version 0) in a new
 * database. Only creates when absent, so that a role without the right to
 * create tables can use a database its administrator migrated. */
static pqcha_err schema_version(pg_session *ss, int64_t *version) {
    PGresult *res;
    *version = 0;
    SERVICE_TRY(exec_plain(ss, MIGRATION_LOCK_SQL));
    SERVICE_TRY(exec_text(ss, "SELECT to_regclass('pqcha_schema') IS NULL", 0, NULL, &res));
    int absent = PQntuples(res) == 1 && column_true(res, 0, 0);
    PQclear(res);
    if (absent) SERVICE_TRY(exec_plain(ss, "CREATE TABLE pqcha_schema (version INTEGER NOT NULL)"));
    SERVICE_TRY(exec_text(ss, "SELECT version FROM pqcha_schema", 0, NULL, &res));
    int rows = PQntuples(res);
    int ok = rows == 0 || (rows == 1 && column_i64(res, 0, 0, version));
    PQclear(res);
    if (!ok) {
        snprintf(ss->message, sizeof ss->message, "pqcha_schema holds %d rows, not one", rows);
        return PQCHA_ERR_STORE;
    }
    if (rows == 0) return exec_plain(ss, "INSERT INTO pqcha_schema (version) VALUES (0)");
    return PQCHA_OK;
}

static pqcha_err migrate_in_transaction(pg_session *ss) {
    int64_t version;
    SERVICE_TRY(schema_version(ss, &version));
    if (version > STORE_SCHEMA_VERSION) {
        snprintf(ss->message, sizeof ss->message,
                 "the database's schema is version %" PRId64 "; this build knows up to %d", version,
                 STORE_SCHEMA_VERSION);
        return PQCHA_ERR_STORE_SCHEMA;
    }
    for (int64_t step = version; step < STORE_SCHEMA_VERSION; step++) {
        for (const char *const *sql = migrations[step]; *sql; sql++)
            SERVICE_TRY(exec_plain(ss, *sql));
        pg_int next;
        const char *values[] = {int_text(&next, step + 1)};
        SERVICE_TRY(exec_text(ss, "UPDATE pqcha_schema SET version = $1", 1, values, NULL));
    }
    return PQCHA_OK;
}

static pqcha_err migrate(pg_session *ss) {
    SERVICE_TRY(exec_plain(ss, "BEGIN"));
    pqcha_err err = migrate_in_transaction(ss);
    if (err == PQCHA_OK) err = exec_plain(ss, "COMMIT");
    if (err != PQCHA_OK) roll_back(ss);
    return err;
}

/* ---- the transparency log: appending ---- */

/* A bytea column (text format: "\x" and hex) as new bytes for PQfreemem;
 * NULL for SQL NULL or no memory. */
static unsigned char *column_blob(const PGresult *res, int row, int col, size_t *len) {
    *len = 0;
    if (PQgetisnull(res, row, col)) return NULL;
    return PQunescapeBytea((const unsigned char *)PQgetvalue(res, row, col), len);
}

/* Exactly len bytes of a bytea column into out. */
static int column_bytes(const PGresult *res, int row, int col, uint8_t *out, size_t len) {
    size_t n;
    unsigned char *bytes = column_blob(res, row, col, &n);
    int ok = bytes && n == len;
    if (ok) memcpy(out, bytes, len);
    PQfreemem(bytes);
    return ok;
}

/* count hashes of a tile level from `from` (level 0: the leaf hashes), as
 * one row: how many there are, and their bytes. Read in the appending
 * transaction (ss, which sees its own writes), or in a session of its own
 * (ss NULL, db). */
static pqcha_err stored_hashes(pg_session *ss, pg_store *db, unsigned level, uint64_t from,
                               unsigned count, uint8_t *out) {
    pg_int text[3];
    const char *values[] = {int_text(&text[0], (int64_t)from),
                            int_text(&text[1], (int64_t)(from + count)),
                            int_text(&text[2], (int64_t)level)};
    const char *sql = level == 0 ? "SELECT count(*), string_agg(leaf_hash, ''::bytea ORDER BY idx)"
                                   " FROM log_entries WHERE idx >= $1 AND idx < $2"
                                 : "SELECT count(*), string_agg(hash, ''::bytea ORDER BY idx)"
                                   " FROM log_hashes WHERE idx >= $1 AND idx < $2 AND level = $3";
    int n = level == 0 ? 2 : 3;
    PGresult *res;
    SERVICE_TRY(ss ? exec_text(ss, sql, n, values, &res) : query(db, sql, n, values, &res));
    int64_t rows = -1;
    pqcha_err err =
        PQntuples(res) == 1 && column_i64(res, 0, 0, &rows) ? PQCHA_OK : PQCHA_ERR_STORE;
    if (err == PQCHA_OK && rows != (int64_t)count) err = PQCHA_ERR_NOT_FOUND;
    if (err == PQCHA_OK && !column_bytes(res, 0, 1, out, (size_t)count * PQCHA_TLOG_HASH_LEN))
        err = PQCHA_ERR_STORE;
    PQclear(res);
    return err;
}

static pqcha_err session_hashes(void *ctx, unsigned level, uint64_t from, unsigned count,
                                uint8_t *out) {
    return stored_hashes(ctx, NULL, level, from, count, out);
}

static pqcha_err session_hash_write(void *ctx, unsigned level, uint64_t index,
                                    const uint8_t hash[32]) {
    pg_int l, i;
    const char *values[] = {int_text(&l, level), int_text(&i, (int64_t)index), (const char *)hash};
    const int lengths[] = {0, 0, PQCHA_TLOG_HASH_LEN};
    const int formats[] = {0, 0, 1};
    return exec_params(ctx, "INSERT INTO log_hashes (level, idx, hash) VALUES ($1, $2, $3)", 3,
                       values, lengths, formats, NULL);
}

/* Up to a thousand waiting entries take the next indices, in order of seq. */
static const char append_sql[] =
    "WITH waiting AS (SELECT seq, row_number() OVER (ORDER BY seq) AS n FROM log_entries"
    " WHERE idx IS NULL ORDER BY seq LIMIT 1000)"
    " UPDATE log_entries AS e SET idx = $1::bigint + waiting.n - 1 FROM waiting"
    " WHERE e.seq = waiting.seq";

static pqcha_err append_batch_steps(pg_session *ss, int64_t *appended) {
    PGresult *res;
    int64_t old = -1;
    pg_int size;
    SERVICE_TRY(exec_text(ss, "SELECT size FROM log_head WHERE id = 1 FOR UPDATE", 0, NULL, &res));
    int ok = PQntuples(res) == 1 && column_i64(res, 0, 0, &old) && old >= 0;
    PQclear(res);
    if (!ok) return PQCHA_ERR_STORE;
    const char *values[] = {int_text(&size, old)};
    SERVICE_TRY(exec_text(ss, append_sql, 1, values, &res));
    *appended = rows_changed(res);
    PQclear(res);
    if (*appended == 0) return PQCHA_OK;
    SERVICE_TRY(store_log_complete_tiles((uint64_t)old, (uint64_t)(old + *appended), session_hashes,
                                         session_hash_write, ss));
    values[0] = int_text(&size, old + *appended);
    return exec_text(ss, "UPDATE log_head SET size = $1 WHERE id = 1", 1, values, NULL);
}

/* One batch in a transaction of its own, tried again when PostgreSQL
 * aborted it to break a deadlock. */
static pqcha_err append_batch(pg_session *ss, int64_t *appended) {
    pqcha_err err = PQCHA_ERR_STORE;
    for (int attempt = 0; attempt < TRANSACTION_ATTEMPTS; attempt++) {
        *appended = 0;
        ss->sqlstate[0] = '\0';
        SERVICE_TRY(exec_plain(ss, "BEGIN"));
        err = append_batch_steps(ss, appended);
        if (err == PQCHA_OK) err = exec_plain(ss, "COMMIT");
        if (err == PQCHA_OK) break;
        roll_back(ss);
        if (!lost_to_concurrency(ss)) break;
    }
    return err;
}

/* The index of a report's entry; *found is 0 while it waits. */
static pqcha_err entry_index(pg_session *ss, const char *digest, int64_t *index, int *found) {
    PGresult *res;
    const char *values[] = {digest};
    SERVICE_TRY(exec_text(ss, "SELECT idx FROM log_entries WHERE digest = $1", 1, values, &res));
    pqcha_err err = PQntuples(res) == 1 ? PQCHA_OK : PQCHA_ERR_STORE;
    *found = err == PQCHA_OK && column_i64(res, 0, 0, index);
    PQclear(res);
    return err;
}

/* Appends the waiting entries to the tree: all of them (digest NULL), or
 * until that report's entry has its index, in *index. One thread of this
 * instance at a time, so that the others find theirs appended by it. */
static pqcha_err append_waiting(pg_session *ss, const char *digest, int64_t *index) {
    pthread_mutex_lock(&ss->db->log_lock);
    pqcha_err err = PQCHA_OK;
    for (;;) {
        int found = 0;
        int64_t appended = 0;
        if (digest) err = entry_index(ss, digest, index, &found);
        if (err != PQCHA_OK || found) break;
        err = append_batch(ss, &appended);
        if (err != PQCHA_OK || appended > 0) continue;
        if (digest) err = PQCHA_ERR_STORE; /* waiting, yet not among the waiting */
        break;
    }
    pthread_mutex_unlock(&ss->db->log_lock);
    return err;
}

/* In the report's transaction: its entry, waiting for an index (a report
 * stored again keeps the entry it has). */
static pqcha_err add_entry(pg_session *ss, const store_report *r) {
    uint8_t leaf[PQCHA_TLOG_HASH_LEN];
    if (r->log_entry_len > INT_MAX) return PQCHA_ERR_STORE;
    SERVICE_TRY(pqcha_tlog_leaf_hash(leaf, r->log_entry, r->log_entry_len));
    const char *values[] = {r->digest, r->envelope_sha256, (const char *)r->log_entry,
                            (const char *)leaf};
    const int lengths[] = {0, 0, (int)r->log_entry_len, PQCHA_TLOG_HASH_LEN};
    const int formats[] = {0, 0, 1, 1};
    return exec_params(ss,
                       "INSERT INTO log_entries (digest, envelope_sha256, entry, leaf_hash)"
                       " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                       4, values, lengths, formats, NULL);
}

static void pg_close(void *impl) {
    pg_store *db = impl;
    if (!db) return;
    for (int i = 0; i < POOL_SIZE; i++)
        PQfinish(db->slots[i].conn);
    pthread_cond_destroy(&db->slot_freed);
    pthread_mutex_destroy(&db->lock);
    pthread_mutex_destroy(&db->log_lock);
    free(db->url);
    free(db);
}

static pqcha_err pg_open(void **impl, const char *url, char *why, size_t why_len) {
    *impl = NULL;
    if (!PQisthreadsafe()) {
        store_explain(why, why_len, "this libpq is not thread-safe");
        return PQCHA_ERR_STORE;
    }
    pg_store *db = calloc(1, sizeof *db);
    if (!db) return PQCHA_ERR_NO_MEMORY;
    db->url = strdup(url);
    pthread_mutex_init(&db->lock, NULL);
    pthread_cond_init(&db->slot_freed, NULL);
    pthread_mutex_init(&db->log_lock, NULL);
    if (!db->url) {
        pg_close(db);
        return PQCHA_ERR_NO_MEMORY;
    }
    /* Connecting now, not at the first request, makes a wrong URL or
     * password fail `pqcha serve` at start with the server's own words. */
    pg_session ss;
    pqcha_err err = session_open(db, &ss);
    if (err == PQCHA_OK) {
        err = migrate(&ss);
        /* Entries a crash left waiting join the tree now, not at the next report. */
        if (err == PQCHA_OK) err = append_waiting(&ss, NULL, NULL);
        session_close(&ss);
    }
    if (err != PQCHA_OK) {
        store_explain(why, why_len, ss.message);
        pg_close(db);
        return err;
    }
    *impl = db;
    return PQCHA_OK;
}

static pqcha_err pg_ping(void *impl) {
    return query(impl, "SELECT 1", 0, NULL, NULL);
}

/* ---- challenges ---- */

/* After a resend, a nonce already there may be this call's own insert,
 * which the connection's last moments committed without saying so. */
static pqcha_err inserted_by_us(pg_session *ss, const char *const values[4]) {
    PGresult *res;
    SERVICE_TRY(exec_text(ss,
                          "SELECT 1 FROM challenges WHERE nonce = $1 AND workload = $2"
                          " AND issued_at = $3 AND expires_at = $4 AND used_by IS NULL",
                          4, values, &res));
    int ours = PQntuples(res) == 1;
    PQclear(res);
    return ours ? PQCHA_OK : PQCHA_ERR_FILE_EXISTS;
}

static pqcha_err pg_add_challenge(void *impl, const char *nonce_hex, const char *workload,
                                  int64_t issued_at, int64_t expires_at) {
    pg_session ss;
    pg_int issued, expires;
    const char *values[] = {nonce_hex, workload, int_text(&issued, issued_at),
                            int_text(&expires, expires_at)};
    SERVICE_TRY(session_open(impl, &ss));
    pqcha_err err = exec_text(&ss,
                              "INSERT INTO challenges (nonce, workload, issued_at, expires_at)"
                              " VALUES ($1, $2, $3, $4)",
                              4, values, NULL);
    if (err != PQCHA_OK && strcmp(ss.sqlstate, "23505") == 0) /* unique_violation: the nonce */
        err = ss.resent ? inserted_by_us(&ss, values) : PQCHA_ERR_FILE_EXISTS;
    session_close(&ss);
    return err;
}

static pqcha_err pg_check_challenge(void *impl, const char *nonce_hex, const char *workload,
                                    int64_t now) {
    PGresult *res;
    pg_int at;
    const char *values[] = {nonce_hex, workload, int_text(&at, now)};
    SERVICE_TRY(query(impl,
                      "SELECT used_by IS NOT NULL, expires_at <= $3 FROM challenges"
                      " WHERE nonce = $1 AND workload = $2",
                      3, values, &res));
    pqcha_err err = PQCHA_OK;
    if (PQntuples(res) == 0)
        err = PQCHA_ERR_NONCE_UNKNOWN;
    else if (column_true(res, 0, 0))
        err = PQCHA_ERR_NONCE_USED;
    else if (column_true(res, 0, 1))
        err = PQCHA_ERR_NONCE_EXPIRED;
    PQclear(res);
    return err;
}

static pqcha_err pg_prune_challenges(void *impl, int64_t before, uint64_t *deleted) {
    PGresult *res;
    pg_int at;
    const char *values[] = {int_text(&at, before)};
    *deleted = 0;
    SERVICE_TRY(query(impl, "DELETE FROM challenges WHERE expires_at < $1", 1, values, &res));
    *deleted = (uint64_t)rows_changed(res);
    PQclear(res);
    return PQCHA_OK;
}

/* ---- reports ---- */

/* The result stored for the report's digest, if there is one. */
static pqcha_err find_stored(pg_session *ss, const char *digest, store_commit *out) {
    PGresult *res;
    const char *values[] = {digest};
    SERVICE_TRY(exec_text(ss, "SELECT result FROM reports WHERE digest = $1", 1, values, &res));
    pqcha_err err = PQCHA_OK;
    if (PQntuples(res) > 0) {
        out->duplicate = 1;
        out->stored_result_json = strdup(PQgetvalue(res, 0, 0));
        if (!out->stored_result_json) err = PQCHA_ERR_NO_MEMORY;
    }
    PQclear(res);
    return err;
}

/* Marks the challenge used by this report, if it is still unused and
 * unexpired; a concurrent report answering it waits on the row's lock and
 * then finds it used. */
static pqcha_err consume_challenge(pg_session *ss, const store_report *r, int *consumed) {
    PGresult *res;
    pg_int at;
    const char *values[] = {r->nonce_hex, r->workload, r->digest, int_text(&at, r->received_at)};
    SERVICE_TRY(exec_text(ss,
                          "UPDATE challenges SET used_by = $3 WHERE nonce = $1 AND workload = $2"
                          " AND used_by IS NULL AND expires_at > $4",
                          4, values, &res));
    *consumed = rows_changed(res) == 1;
    PQclear(res);
    return PQCHA_OK;
}

/* *inserted is 0 when another transaction stored the same digest first. */
static pqcha_err insert_report(pg_session *ss, const store_report *r, int *inserted) {
    if (r->body_len > INT_MAX) return PQCHA_ERR_STORE; /* beyond what libpq can send */
    PGresult *res;
    pg_int at;
    /* A NULL binary parameter would be SQL NULL; an empty body is "". */
    const char *values[] = {r->digest,
                            r->report_id,
                            r->workload,
                            int_text(&at, r->received_at),
                            r->verdict,
                            r->error_name,
                            report_outcome_name(r->outcome),
                            r->result_json,
                            r->body ? r->body : ""};
    const int lengths[] = {0, 0, 0, 0, 0, 0, 0, 0, (int)r->body_len};
    const int formats[] = {0, 0, 0, 0, 0, 0, 0, 0, 1};
    SERVICE_TRY(exec_params(ss,
                            "INSERT INTO reports (digest, report_id, workload, received_at,"
                            " verdict, error, outcome, result, body) VALUES ($1, $2, $3, $4, $5,"
                            " $6, $7, $8, $9) ON CONFLICT (digest) DO NOTHING",
                            9, values, lengths, formats, &res));
    *inserted = rows_changed(res) == 1;
    PQclear(res);
    return PQCHA_OK;
}

/* The workload's state and since when, its row created (as unknown) if it
 * is new and locked until the commit, so that concurrent reports for one
 * workload move it one after the other. */
static pqcha_err lock_workload(pg_session *ss, const store_report *r, workload_state *state,
                               int64_t *since) {
    PGresult *res;
    pg_int at;
    const char *add[] = {r->workload, workload_state_name(WORKLOAD_UNKNOWN),
                         int_text(&at, r->received_at)};
    SERVICE_TRY(exec_text(ss,
                          "INSERT INTO workloads (id, state, state_since, last_digest,"
                          " last_report_id, last_verdict, last_seen) VALUES ($1, $2, $3, '', '',"
                          " '', $3) ON CONFLICT (id) DO NOTHING",
                          3, add, NULL));
    SERVICE_TRY(exec_text(ss, "SELECT state, state_since FROM workloads WHERE id = $1 FOR UPDATE",
                          1, add, &res));
    int ok = PQntuples(res) == 1 && column_state(res, 0, 0, state) && column_i64(res, 0, 1, since);
    PQclear(res);
    return ok ? PQCHA_OK : PQCHA_ERR_STORE;
}

static pqcha_err update_workload(pg_session *ss, const store_report *r, workload_state state,
                                 int64_t since) {
    pg_int since_text, at;
    const char *values[] = {r->workload,
                            workload_state_name(state),
                            int_text(&since_text, since),
                            r->digest,
                            r->report_id,
                            r->verdict,
                            int_text(&at, r->received_at)};
    return exec_text(ss,
                     "UPDATE workloads SET state = $2, state_since = $3, last_digest = $4,"
                     " last_report_id = $5, last_verdict = $6, last_seen = $7, last_counted = $7,"
                     " report_count = report_count + 1 WHERE id = $1",
                     7, values, NULL);
}

static pqcha_err insert_event(pg_session *ss, const store_report *r, workload_state from,
                              workload_state to, int64_t *seq) {
    PGresult *res;
    pg_int at;
    const char *values[] = {r->workload,
                            int_text(&at, r->received_at),
                            workload_state_name(from),
                            workload_state_name(to),
                            r->digest,
                            r->detail_json};
    SERVICE_TRY(exec_text(ss,
                          "INSERT INTO events (workload, at, from_state, to_state, digest, detail)"
                          " VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq",
                          6, values, &res));
    int ok = PQntuples(res) == 1 && column_i64(res, 0, 0, seq);
    PQclear(res);
    return ok ? PQCHA_OK : PQCHA_ERR_STORE;
}

static pqcha_err move_workload(pg_session *ss, const store_report *r, store_commit *out) {
    workload_state from;
    int64_t since;
    SERVICE_TRY(lock_workload(ss, r, &from, &since));
    workload_state to = state_after_report(from, r->outcome);
    SERVICE_TRY(update_workload(ss, r, to, to == from ? since : r->received_at));
    if (to == from) return PQCHA_OK;
    SERVICE_TRY(insert_event(ss, r, from, to, &out->event_seq));
    out->transitioned = 1;
    out->from = from;
    out->to = to;
    return PQCHA_OK;
}

/* The body of commit_report's transaction. *again: roll back and start over
 * (another transaction stored this digest first: the next try finds it). */
static pqcha_err commit_steps(pg_session *ss, const store_report *r, store_commit *out,
                              int *again) {
    SERVICE_TRY(find_stored(ss, r->digest, out));
    if (out->duplicate) return r->log_entry ? add_entry(ss, r) : PQCHA_OK;
    if (r->nonce_hex) {
        int consumed;
        SERVICE_TRY(consume_challenge(ss, r, &consumed));
        /* Used by the same report committed meanwhile by another instance
         * (each statement sees what committed before it): a duplicate, as
         * the SQLite store, which serialises writers, would have said. */
        if (!consumed) SERVICE_TRY(find_stored(ss, r->digest, out));
        if (!consumed && !out->duplicate) return PQCHA_ERR_NONCE_USED;
        if (out->duplicate) return r->log_entry ? add_entry(ss, r) : PQCHA_OK;
    }
    int inserted;
    SERVICE_TRY(insert_report(ss, r, &inserted));
    if (!inserted) {
        *again = 1;
        return PQCHA_OK;
    }
    if (r->log_entry) SERVICE_TRY(add_entry(ss, r));
    if (r->outcome == OUTCOME_IGNORED) return PQCHA_OK;
    return move_workload(ss, r, out);
}

static pqcha_err commit_attempt(pg_session *ss, const store_report *r, store_commit *out,
                                int *again) {
    *again = 0;
    ss->sqlstate[0] = '\0'; /* a failure of an earlier attempt says nothing of this one */
    SERVICE_TRY(exec_plain(ss, "BEGIN"));
    pqcha_err err = commit_steps(ss, r, out, again);
    if (err == PQCHA_OK && !*again) err = exec_plain(ss, "COMMIT");
    if (err != PQCHA_OK || *again) roll_back(ss);
    if (err == PQCHA_ERR_STORE && lost_to_concurrency(ss)) *again = 1;
    return err;
}

static pqcha_err pg_commit_report(void *impl, const store_report *r, store_commit *out) {
    pg_session ss;
    SERVICE_TRY(session_open(impl, &ss));
    pqcha_err err = PQCHA_ERR_STORE;
    for (int attempt = 0; attempt < TRANSACTION_ATTEMPTS; attempt++) {
        int again;
        store_commit_clear(out);
        err = commit_attempt(&ss, r, out, &again);
        if (!again) break;
        err = PQCHA_ERR_STORE; /* unless the next attempt settles it */
    }
    /* Committed: the entry joins the tree before the report is answered. */
    if (err == PQCHA_OK && r->log_entry) err = append_waiting(&ss, r->digest, &out->log_index);
    session_close(&ss);
    return err;
}

/* ---- queries ---- */

#define WORKLOAD_COLUMNS                                                                   \
    "SELECT id, state, state_since, last_digest, last_report_id, last_verdict, last_seen," \
    " last_counted, report_count FROM workloads"

static int read_workload(const PGresult *res, int i, store_workload_row *row) {
    int64_t count;
    row->id = PQgetvalue(res, i, 0);
    row->last_digest = PQgetvalue(res, i, 3);
    row->last_report_id = PQgetvalue(res, i, 4);
    row->last_verdict = PQgetvalue(res, i, 5);
    if (!column_state(res, i, 1, &row->state) || !column_i64(res, i, 2, &row->state_since) ||
        !column_i64(res, i, 6, &row->last_seen) || !column_i64(res, i, 7, &row->last_counted) ||
        !column_i64(res, i, 8, &count) || count < 0)
        return 0;
    row->report_count = (uint64_t)count;
    return 1;
}

static pqcha_err pg_each_workload(void *impl, const char *id, store_workload_fn fn, void *ctx,
                                  int *found) {
    PGresult *res;
    const char *values[] = {id};
    /* COLLATE "C": by bytes, as SQLite orders, whatever the database's locale. */
    if (id)
        SERVICE_TRY(query(impl, WORKLOAD_COLUMNS " WHERE id = $1", 1, values, &res));
    else
        SERVICE_TRY(query(impl, WORKLOAD_COLUMNS " ORDER BY id COLLATE \"C\"", 0, NULL, &res));
    pqcha_err err = PQCHA_OK;
    for (int i = 0; i < PQntuples(res); i++) {
        store_workload_row row;
        if (!read_workload(res, i, &row)) {
            err = PQCHA_ERR_STORE; /* a state or number this build cannot read */
            break;
        }
        *found = 1;
        if (fn(ctx, &row)) break;
    }
    PQclear(res);
    return err;
}

static int read_report(const PGresult *res, int i, store_report_row *row) {
    row->digest = PQgetvalue(res, i, 1);
    row->report_id = PQgetvalue(res, i, 2);
    row->workload = PQgetvalue(res, i, 3);
    row->verdict = PQgetvalue(res, i, 4);
    row->error_name = PQgetvalue(res, i, 5);
    row->result_json = PQgetvalue(res, i, 8);
    return column_i64(res, i, 0, &row->seq) &&
           report_outcome_parse(PQgetvalue(res, i, 6), &row->outcome) == PQCHA_OK &&
           column_i64(res, i, 7, &row->received_at);
}

static pqcha_err pg_each_report(void *impl, const char *workload, int64_t since, unsigned limit,
                                store_report_fn fn, void *ctx) {
    PGresult *res;
    pg_int since_text, limit_text;
    const char *values[] = {workload, int_text(&since_text, since),
                            int_text(&limit_text, (int64_t)limit)};
    SERVICE_TRY(query(impl,
                      "SELECT seq, digest, report_id, workload, verdict, error, outcome,"
                      " received_at, result FROM reports WHERE workload = $1 AND"
                      " received_at >= $2 ORDER BY received_at, seq LIMIT $3",
                      3, values, &res));
    pqcha_err err = PQCHA_OK;
    for (int i = 0; i < PQntuples(res); i++) {
        store_report_row row;
        if (!read_report(res, i, &row)) {
            err = PQCHA_ERR_STORE;
            break;
        }
        if (fn(ctx, &row)) break;
    }
    PQclear(res);
    return err;
}

#define EVENT_COLUMNS "seq, workload, at, from_state, to_state, digest, detail"

static int read_event(const PGresult *res, int i, store_event_row *row) {
    row->workload = PQgetvalue(res, i, 1);
    row->digest = PQgetvalue(res, i, 5);
    row->detail_json = PQgetvalue(res, i, 6);
    return column_i64(res, i, 0, &row->seq) && column_i64(res, i, 2, &row->at) &&
           column_state(res, i, 3, &row->from) && column_state(res, i, 4, &row->to);
}

/* Passes each event row to fn (may be NULL) until fn says stop. */
static pqcha_err pass_events(const PGresult *res, store_event_fn fn, void *ctx) {
    for (int i = 0; i < PQntuples(res); i++) {
        store_event_row row;
        if (!read_event(res, i, &row)) return PQCHA_ERR_STORE;
        if (fn && fn(ctx, &row)) break;
    }
    return PQCHA_OK;
}

static pqcha_err pg_each_event(void *impl, const char *workload, int64_t after_seq, unsigned limit,
                               store_event_fn fn, void *ctx) {
    PGresult *res;
    pg_int after, most;
    const char *values[] = {int_text(&after, after_seq), int_text(&most, (int64_t)limit), workload};
    if (workload)
        SERVICE_TRY(query(impl,
                          "SELECT " EVENT_COLUMNS " FROM events WHERE workload = $3 AND seq > $1"
                          " ORDER BY seq LIMIT $2",
                          3, values, &res));
    else
        SERVICE_TRY(query(impl,
                          "SELECT " EVENT_COLUMNS " FROM events WHERE seq > $1 ORDER BY seq"
                          " LIMIT $2",
                          2, values, &res));
    pqcha_err err = pass_events(res, fn, ctx);
    PQclear(res);
    return err;
}

static pqcha_err pg_count_states(void *impl, uint64_t counts[WORKLOAD_STATE_COUNT]) {
    PGresult *res;
    SERVICE_TRY(query(impl, "SELECT state, count(*) FROM workloads GROUP BY state", 0, NULL, &res));
    pqcha_err err = PQCHA_OK;
    for (int i = 0; i < PQntuples(res); i++) {
        workload_state state;
        int64_t n;
        if (!column_state(res, i, 0, &state) || !column_i64(res, i, 1, &n) || n < 0) {
            err = PQCHA_ERR_STORE;
            break;
        }
        counts[state] = (uint64_t)n;
    }
    PQclear(res);
    return err;
}

/* ---- staleness ---- */

/* The states that go stale (state.h has the rule), as a PostgreSQL array
 * literal for "state = ANY ($n)". */
static void stale_states_literal(char *buf, size_t len) {
    size_t n = (size_t)snprintf(buf, len, "{");
    for (int s = 0; s < WORKLOAD_STATE_COUNT; s++) {
        if (!workload_state_can_go_stale((workload_state)s) || n >= len) continue;
        n += (size_t)snprintf(buf + n, len - n, "%s%s", n > 1 ? "," : "",
                              workload_state_name((workload_state)s));
    }
    if (n < len) snprintf(buf + n, len - n, "}");
}

/* One statement, hence one transaction: the quiet workloads, locked in id
 * order (two instances marking at once wait for each other rather than
 * deadlock, and a report committed meanwhile takes its workload out of the
 * set), move to stale, and each move is recorded as an event whose row
 * comes back for fn. */
static const char mark_stale_sql[] =
    "WITH quiet AS (SELECT id, state FROM workloads WHERE state = ANY ($3::text[])"
    " AND last_counted < $1::bigint ORDER BY id FOR UPDATE),"
    " moved AS (UPDATE workloads AS w SET state = $4::text, state_since = $2::bigint"
    " FROM quiet WHERE w.id = quiet.id RETURNING w.id, quiet.state AS from_state)"
    " INSERT INTO events (workload, at, from_state, to_state, digest, detail)"
    " SELECT id, $2::bigint, from_state, $4::text, '', '{}' FROM moved ORDER BY id"
    " RETURNING " EVENT_COLUMNS;

static pqcha_err pg_mark_stale(void *impl, int64_t cutoff, int64_t now, store_event_fn fn,
                               void *ctx) {
    PGresult *res;
    pg_int cutoff_text, now_text;
    char states[64];
    stale_states_literal(states, sizeof states);
    const char *values[] = {int_text(&cutoff_text, cutoff), int_text(&now_text, now), states,
                            workload_state_name(WORKLOAD_STALE)};
    SERVICE_TRY(query(impl, mark_stale_sql, 4, values, &res));
    pqcha_err err = pass_events(res, fn, ctx);
    PQclear(res);
    return err;
}

/* ---- the transparency log: reading and checkpoints ---- */

static pqcha_err pg_log_size(void *impl, uint64_t *size) {
    PGresult *res;
    int64_t n = -1;
    SERVICE_TRY(query(impl, "SELECT size FROM log_head WHERE id = 1", 0, NULL, &res));
    int ok = PQntuples(res) == 1 && column_i64(res, 0, 0, &n) && n >= 0;
    PQclear(res);
    *size = ok ? (uint64_t)n : 0;
    return ok ? PQCHA_OK : PQCHA_ERR_STORE;
}

static pqcha_err pg_log_hashes(void *impl, unsigned level, uint64_t from, unsigned count,
                               uint8_t *out) {
    return stored_hashes(NULL, impl, level, from, count, out);
}

/* Passes each row's bytea (column col) to fn with the row's index (column 0). */
static pqcha_err pass_entries(const PGresult *res, store_entry_fn fn, void *ctx) {
    for (int i = 0; i < PQntuples(res); i++) {
        int64_t index;
        size_t len;
        unsigned char *entry = column_blob(res, i, 1, &len);
        if (!entry || !column_i64(res, i, 0, &index)) {
            PQfreemem(entry);
            return PQCHA_ERR_STORE;
        }
        int stop = fn(ctx, (uint64_t)index, entry, len);
        PQfreemem(entry);
        if (stop) break;
    }
    return PQCHA_OK;
}

static pqcha_err pg_log_entries(void *impl, uint64_t from, unsigned count, store_entry_fn fn,
                                void *ctx) {
    PGresult *res;
    pg_int start, end;
    const char *values[] = {int_text(&start, (int64_t)from),
                            int_text(&end, (int64_t)(from + count))};
    SERVICE_TRY(query(impl,
                      "SELECT idx, entry FROM log_entries WHERE idx >= $1 AND idx < $2"
                      " ORDER BY idx",
                      2, values, &res));
    pqcha_err err = PQntuples(res) == (int)count ? pass_entries(res, fn, ctx) : PQCHA_ERR_NOT_FOUND;
    PQclear(res);
    return err;
}

static pqcha_err pg_log_report(void *impl, const char *envelope_sha256, store_bytes_fn fn,
                               void *ctx) {
    PGresult *res;
    const char *values[] = {envelope_sha256};
    SERVICE_TRY(query(impl,
                      "SELECT r.body FROM log_entries AS e JOIN reports AS r ON"
                      " r.digest = e.digest WHERE e.envelope_sha256 = $1 AND e.idx IS NOT NULL",
                      1, values, &res));
    pqcha_err err = PQntuples(res) == 1 ? PQCHA_OK : PQCHA_ERR_NOT_FOUND;
    size_t len = 0;
    unsigned char *body = err == PQCHA_OK ? column_blob(res, 0, 0, &len) : NULL;
    if (err == PQCHA_OK && !body) err = PQCHA_ERR_STORE;
    if (err == PQCHA_OK) fn(ctx, body, len);
    PQfreemem(body);
    PQclear(res);
    return err;
}

#define CHECKPOINT_COLUMNS \
    "SELECT size, root, note, signed_at, coalesce(published_at, 0) FROM log_checkpoints"

static pqcha_err pg_log_checkpoint(void *impl, store_checkpoint_pick pick, uint64_t size,
                                   store_checkpoint_fn fn, void *ctx) {
    PGresult *res;
    pg_int size_text;
    const char *values[] = {int_text(&size_text, (int64_t)size)};
    if (pick == STORE_CHECKPOINT_OF_SIZE)
        SERVICE_TRY(query(impl, CHECKPOINT_COLUMNS " WHERE size = $1", 1, values, &res));
    else if (pick == STORE_CHECKPOINT_LATEST)
        SERVICE_TRY(query(impl, CHECKPOINT_COLUMNS " ORDER BY size DESC LIMIT 1", 0, NULL, &res));
    else
        SERVICE_TRY(query(impl,
                          CHECKPOINT_COLUMNS " WHERE published_at IS NOT NULL ORDER BY size DESC"
                                             " LIMIT 1",
                          0, NULL, &res));
    pqcha_err err = PQntuples(res) == 1 ? PQCHA_OK : PQCHA_ERR_NOT_FOUND;
    uint8_t root[PQCHA_TLOG_HASH_LEN];
    int64_t n = 0;
    store_checkpoint_row row = {0, root, NULL, 0, 0};
    if (err == PQCHA_OK &&
        !(column_i64(res, 0, 0, &n) && n >= 0 && column_bytes(res, 0, 1, root, sizeof root) &&
          column_i64(res, 0, 3, &row.signed_at) && column_i64(res, 0, 4, &row.published_at)))
        err = PQCHA_ERR_STORE;
    if (err == PQCHA_OK) {
        row.size = (uint64_t)n;
        row.note = PQgetvalue(res, 0, 2);
        fn(ctx, &row);
    }
    PQclear(res);
    return err;
}

static pqcha_err pg_log_add_checkpoint(void *impl, uint64_t size, const uint8_t root[32],
                                       const char *note, int64_t signed_at, store_checkpoint_fn fn,
                                       void *ctx) {
    char root_hex[2 * PQCHA_TLOG_HASH_LEN + 1];
    pg_int size_text, at;
    pqcha_hex_encode(root_hex, root, PQCHA_TLOG_HASH_LEN);
    const char *values[] = {int_text(&size_text, (int64_t)size), root_hex, note,
                            int_text(&at, signed_at)};
    SERVICE_TRY(query(impl,
                      "INSERT INTO log_checkpoints (size, root, note, signed_at) VALUES"
                      " ($1, decode($2, 'hex'), $3, $4) ON CONFLICT (size) DO NOTHING",
                      4, values, NULL));
    return fn ? pg_log_checkpoint(impl, STORE_CHECKPOINT_OF_SIZE, size, fn, ctx) : PQCHA_OK;
}

/* One statement: publishes, and forgets the unpublished checkpoints below
 * (given with acknowledgements, whose receivers keep them). */
static const char publish_sql[] =
    "WITH published AS (UPDATE log_checkpoints SET published_at = coalesce(published_at,"
    " $2::bigint) WHERE size = $1::bigint RETURNING size),"
    " forgotten AS (DELETE FROM log_checkpoints WHERE published_at IS NULL AND size < $1::bigint"
    " AND EXISTS (SELECT 1 FROM published) RETURNING size),"
    " unsigned_too AS (DELETE FROM log_cosignatures WHERE size IN (SELECT size FROM forgotten))"
    " SELECT count(*) FROM published";

static pqcha_err pg_log_publish(void *impl, uint64_t size, int64_t at) {
    PGresult *res;
    pg_int size_text, at_text;
    int64_t n = 0;
    const char *values[] = {int_text(&size_text, (int64_t)size), int_text(&at_text, at)};
    SERVICE_TRY(query(impl, publish_sql, 2, values, &res));
    int ok = PQntuples(res) == 1 && column_i64(res, 0, 0, &n);
    PQclear(res);
    return !ok ? PQCHA_ERR_STORE : n == 1 ? PQCHA_OK : PQCHA_ERR_NOT_FOUND;
}

static pqcha_err pg_log_add_cosignature(void *impl, uint64_t size, const char *witness,
                                        const char *line) {
    PGresult *res;
    pg_int size_text;
    const char *values[] = {int_text(&size_text, (int64_t)size), witness, line};
    SERVICE_TRY(query(impl,
                      "INSERT INTO log_cosignatures (size, witness, line) SELECT size, $2, $3"
                      " FROM log_checkpoints WHERE size = $1 ON CONFLICT (size, witness)"
                      " DO UPDATE SET line = excluded.line",
                      3, values, &res));
    int64_t n = rows_changed(res);
    PQclear(res);
    return n == 1 ? PQCHA_OK : PQCHA_ERR_NOT_FOUND;
}

static pqcha_err pg_log_each_cosignature(void *impl, uint64_t size, store_cosignature_fn fn,
                                         void *ctx) {
    PGresult *res;
    pg_int size_text;
    const char *values[] = {int_text(&size_text, (int64_t)size)};
    SERVICE_TRY(query(impl,
                      "SELECT witness, line FROM log_cosignatures WHERE size = $1"
                      " ORDER BY witness COLLATE \"C\"",
                      1, values, &res));
    for (int i = 0; i < PQntuples(res); i++)
        fn(ctx, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
    PQclear(res);
    return PQCHA_OK;
}

const store_ops store_postgres_ops = {
    "postgresql",
    pg_open,
    pg_close,
    pg_ping,
    pg_add_challenge,
    pg_check_challenge,
    pg_prune_challenges,
    pg_commit_report,
    pg_each_workload,
    pg_each_report,
    pg_each_event,
    pg_count_states,
    pg_mark_stale,
    pg_log_size,
    pg_log_hashes,
    pg_log_entries,
    pg_log_report,
    pg_log_add_checkpoint,
    pg_log_checkpoint,
    pg_log_publish,
    pg_log_add_cosignature,
    pg_log_each_cosignature,
};
