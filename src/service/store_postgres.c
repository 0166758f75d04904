/* store_postgres.c — the shared store: PostgreSQL through libpq, for a fleet
 * whose verifier instances must agree on which nonces are used and what
 * state each workload is in.
 *
 * Connections: a pool of up to POOL_SIZE, each opened when first needed and
 * used by one thread at a time (a libpq connection is not shareable), under
 * a mutex and a condition variable that a thread waits on while all are
 * busy. Verification is done outside the store; commits go through one
 * connection at a time (a group's, below) and reads through the others.
 * Fewer connections than HTTP threads keep an instance from holding a
 * backend per request thread.
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
 * concurrent instances serialise where they must and nowhere else.
 *
 * Committing: one round trip, shared by the reports that arrive together.
 * A report's transaction is one server-side function (COMMIT_FUNCTION,
 * PL/pgSQL) running the statements a client would send one by one, each
 * still seeing what committed before it, with their conditions and row
 * locks unchanged; the state machine stays in C, which passes the
 * function the transition table for the report's outcome. Called alone,
 * the call is its own transaction, committed when its answer arrives. A
 * report's row locks (its workload's) are held until the commit's WAL
 * flush, so reports for one workload would commit one flush at a time: an
 * instance therefore commits in groups (as the SQLite store does), one
 * leader thread sending up to GROUP_MAX queued calls in one libpq pipeline
 * ended by one Sync: one implicit transaction, one flush. A call that
 * fails (a deadlock, a lost race for a digest, a state this build does
 * not know) rolls its whole group back, and each report of it is then
 * committed alone, tried again up to TRANSACTION_ATTEMPTS times after a
 * deadlock or a lost race. Groups lock workloads' rows in id order, so
 * that two instances' groups wait for each other there rather than
 * deadlock; between instances, the statements' conditions and locks
 * serialise as they did statement by statement. A group (or a lone call)
 * that fails on a pooled connection that proves dead is sent again, each
 * report alone, on a fresh connection: a report the first attempt did
 * commit is then found and answered as a duplicate, as a client retrying
 * after a lost answer would be.
 * Appending to the log, in a transaction of its own once the group is
 * committed (the next group may commit meanwhile), costs two round trips
 * (one message that locks log_head, numbers the waiting entries and grows
 * the head, then the COMMIT; the tile hashes between, one time in 256) and
 * one to read the group's indices.
 *
 * The function is created at open, under the migration lock and in its
 * transaction, when absent: instances opening one database at once create
 * it once. Its name carries a number that changes with its body or
 * signature, never the schema version (which SQLite shares): instances of
 * two builds on one database each call their own. A role that may not
 * create functions can use a database once a role that may has opened it
 * with this build. */
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
    /* Reports waiting for the next group commit, oldest first, and whether
     * a leader is committing a group. */
    pthread_mutex_t queue_lock;
    pthread_cond_t queue_done;
    struct pending_commit *queue, *queue_tail;
    int committing;
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

/* The webhook's outbox (store.h): every event also waits there, put by a
 * trigger in the event's own transaction (the commit function's too). */
static const char *const schema_v3[] = {
    "CREATE TABLE webhook_outbox (seq BIGINT PRIMARY KEY, due_at BIGINT NOT NULL DEFAULT 0,"
    " attempts INTEGER NOT NULL DEFAULT 0)",
    "CREATE FUNCTION pqcha_event_to_webhook_outbox() RETURNS trigger LANGUAGE plpgsql AS"
    " $pqcha$ BEGIN INSERT INTO webhook_outbox (seq) VALUES (NEW.seq); RETURN NULL; END"
    " $pqcha$",
    "CREATE TRIGGER events_to_webhook_outbox AFTER INSERT ON events FOR EACH ROW"
    " EXECUTE FUNCTION pqcha_event_to_webhook_outbox()",
    NULL,
};

static const char *const *const migrations[] = {schema_v1, schema_v2, schema_v3};
_Static_assert(sizeof migrations / sizeof migrations[0] == STORE_SCHEMA_VERSION,
               "one migration step per schema version");

/* Instances opening the same database at once migrate one after the other:
 * the second finds the schema current. The key, 0x7071636861000001 ("pqcha"
 * then 1), never changes, so that every version of pqcha takes the same lock. */
#define MIGRATION_LOCK_SQL "SELECT pg_advisory_xact_lock(8102366504571371521)"

/* A report's whole transaction as one statement, run by the server: one
 * round trip rather than one per statement. Each of its statements sees
 * what committed before it (a VOLATILE function at READ COMMITTED takes a
 * snapshot per statement), as a client's statements would:
 * - the report's digest is looked up; a duplicate writes nothing but its
 *   log entry and is answered with the result stored then;
 * - the challenge is consumed by one conditional UPDATE, whose row lock
 *   makes a concurrent report answering it wait and then find it used
 *   (by this same report, committed meanwhile: a duplicate after all;
 *   else "nonce_used", nothing written);
 * - the report is inserted; losing the race for its digest to a
 *   transaction that committed meanwhile raises serialization_failure,
 *   so that everything rolls back and the client tries again (and then
 *   finds the duplicate);
 * - its log entry waits for an index; a report that counts creates its
 *   workload if new (as states_[1], unknown), locks the workload's row,
 *   moves it through the transition table the client passes (after_[i]:
 *   the state after this report from states_[i]), and records a move as
 *   an event.
 * A state this build does not know raises, as reading it did before.
 * The name carries a number that changes whenever the body or the
 * signature does: a database shared by instances of two builds (an
 * upgrade in progress) then holds both, each build calling its own. */
#define COMMIT_FUNCTION "pqcha_commit_report_1"
#define COMMIT_FUNCTION_SIGNATURE                                                           \
    COMMIT_FUNCTION "(text, text, text, text, bigint, text, text, text, text, text, bytea," \
                    " boolean, text[], text[], bytea, text, bytea)"
static const char commit_function_sql[] =
    "CREATE FUNCTION " COMMIT_FUNCTION "(digest_ text, report_id_ text,"
    " workload_ text, nonce_ text, at_ bigint, verdict_ text, error_ text, outcome_ text,"
    " result_ text, detail_ text, body_ bytea, counts_ boolean, states_ text[], after_ text[],"
    " entry_ bytea, envelope_ text, leaf_ bytea, OUT status_ text, OUT stored_ text,"
    " OUT seq_ bigint, OUT from_ text, OUT to_ text)\n"
    "LANGUAGE plpgsql VOLATILE AS $pqcha$\n"
    "DECLARE\n"
    "  since_ bigint;\n"
    "BEGIN\n"
    "  status_ := 'stored';\n"
    "  SELECT result INTO stored_ FROM reports WHERE digest = digest_;\n"
    "  IF stored_ IS NULL AND nonce_ IS NOT NULL THEN\n"
    "    UPDATE challenges SET used_by = digest_ WHERE nonce = nonce_ AND workload = workload_\n"
    "      AND used_by IS NULL AND expires_at > at_;\n"
    "    IF NOT FOUND THEN\n"
    "      SELECT result INTO stored_ FROM reports WHERE digest = digest_;\n"
    "      IF stored_ IS NULL THEN\n"
    "        status_ := 'nonce_used';\n"
    "        RETURN;\n"
    "      END IF;\n"
    "    END IF;\n"
    "  END IF;\n"
    "  IF stored_ IS NOT NULL THEN\n"
    "    status_ := 'duplicate';\n"
    "  ELSE\n"
    "    INSERT INTO reports (digest, report_id, workload, received_at, verdict, error, outcome,\n"
    "      result, body) VALUES (digest_, report_id_, workload_, at_, verdict_, error_, outcome_,\n"
    "      result_, body_) ON CONFLICT (digest) DO NOTHING;\n"
    "    IF NOT FOUND THEN\n"
    "      RAISE EXCEPTION 'report % was stored meanwhile', digest_\n"
    "        USING ERRCODE = 'serialization_failure';\n"
    "    END IF;\n"
    "  END IF;\n"
    "  IF entry_ IS NOT NULL THEN\n"
    "    INSERT INTO log_entries (digest, envelope_sha256, entry, leaf_hash)\n"
    "      VALUES (digest_, envelope_, entry_, leaf_) ON CONFLICT DO NOTHING;\n"
    "  END IF;\n"
    "  IF stored_ IS NOT NULL OR NOT counts_ THEN\n"
    "    RETURN;\n"
    "  END IF;\n"
    "  INSERT INTO workloads (id, state, state_since, last_digest, last_report_id, last_verdict,\n"
    "    last_seen) VALUES (workload_, states_[1], at_, '', '', '', at_)\n"
    "    ON CONFLICT (id) DO NOTHING;\n"
    "  SELECT state, state_since INTO from_, since_ FROM workloads WHERE id = workload_\n"
    "    FOR UPDATE;\n"
    "  to_ := after_[array_position(states_, from_)];\n"
    "  IF to_ IS NULL THEN\n"
    "    RAISE EXCEPTION 'workload % is in state %, unknown to this build', workload_, from_;\n"
    "  END IF;\n"
    "  UPDATE workloads SET state = to_,\n"
    "    state_since = CASE WHEN to_ = from_ THEN since_ ELSE at_ END, last_digest = digest_,\n"
    "    last_report_id = report_id_, last_verdict = verdict_, last_seen = at_,\n"
    "    last_counted = at_, report_count = report_count + 1 WHERE id = workload_;\n"
    "  IF to_ <> from_ THEN\n"
    "    INSERT INTO events (workload, at, from_state, to_state, digest, detail)\n"
    "      VALUES (workload_, at_, from_, to_, digest_, detail_) RETURNING seq INTO seq_;\n"
    "  END IF;\n"
    "END\n"
    "$pqcha$";
_Static_assert(WORKLOAD_UNKNOWN == 0, "states_[1] is the state of a new workload");

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

/* Without parameters, by the simple protocol, which also takes several
 * statements in one message (one round trip, as append_script). */
static PGresult *send_statement(pg_session *ss, const char *sql, int n, const char *const *values,
                                const int *lengths, const int *formats) {
    if (n == 0) return PQexec(ss->conn, sql);
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
 * prune_challenges counts fewer, mark_stale passes fewer events to its
 * callback (the events themselves are stored), and a report's commit
 * finds the report stored (a duplicate). */
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

/* Under the migration lock, in its transaction: the function is created
 * when absent and never replaced (its body never changes under its name,
 * and it may belong to another role). An instance waiting for the lock
 * finds it once the first commits. Only created when absent, as the
 * tables, so that a role that may not create it can use a database
 * that a role that may opened once with this build. */
static pqcha_err create_functions(pg_session *ss) {
    PGresult *res;
    const char *values[] = {COMMIT_FUNCTION_SIGNATURE};
    SERVICE_TRY(exec_text(ss, "SELECT to_regprocedure($1) IS NULL", 1, values, &res));
    int absent = PQntuples(res) == 1 && column_true(res, 0, 0);
    PQclear(res);
    return absent ? exec_plain(ss, commit_function_sql) : PQCHA_OK;
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
    return create_functions(ss);
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

/* One message, hence one round trip: opens the transaction, takes
 * log_head's row (instances append one after the other), gives up to
 * APPEND_LIMIT waiting entries the next indices in order of seq, and grows
 * the head by as many. Each statement sees what committed before it, so
 * those numbered are exactly the entries still waiting once the lock is
 * held, from the size it guards. The last returns the old size and how
 * many were appended. The waiting entries are read by a plain scan of
 * their partial index, which marks the index entries of those appended
 * before (dead once committed) as dead as it passes them: a bitmap scan,
 * which the planner may prefer, does not, and would visit every entry
 * appended since the table was last vacuumed, each append slower than
 * the one before. */
#define APPEND_LIMIT 1000
static const char append_script[] =
    "BEGIN;"
    " SET LOCAL enable_bitmapscan = off;"
    " SELECT size FROM log_head WHERE id = 1 FOR UPDATE;"
    " WITH waiting AS (SELECT seq, row_number() OVER (ORDER BY seq) AS n FROM log_entries"
    " WHERE idx IS NULL ORDER BY seq LIMIT 1000)"
    " UPDATE log_entries AS e SET idx = (SELECT size FROM log_head WHERE id = 1) + waiting.n - 1"
    " FROM waiting WHERE e.seq = waiting.seq;"
    " WITH added AS (SELECT count(*) AS n FROM log_entries WHERE idx >= (SELECT size FROM"
    " log_head WHERE id = 1)),"
    " grown AS (UPDATE log_head SET size = size + added.n FROM added WHERE id = 1"
    " AND added.n > 0)"
    " SELECT h.size, added.n FROM log_head AS h, added WHERE h.id = 1";

/* The batch, then the tile hashes it completes (rarely: one in 256
 * entries), in one transaction: the tree never holds entries without them. */
static pqcha_err append_batch_steps(pg_session *ss, int64_t *appended) {
    PGresult *res;
    int64_t old = -1;
    SERVICE_TRY(exec_text(ss, append_script, 0, NULL, &res));
    int ok = PQntuples(res) == 1 && column_i64(res, 0, 0, &old) && old >= 0 &&
             column_i64(res, 0, 1, appended) && *appended >= 0 && *appended <= APPEND_LIMIT;
    PQclear(res);
    if (!ok) return PQCHA_ERR_STORE;
    if (*appended == 0) return PQCHA_OK;
    return store_log_complete_tiles((uint64_t)old, (uint64_t)(old + *appended), session_hashes,
                                    session_hash_write, ss);
}

/* One batch in a transaction of its own, tried again when PostgreSQL
 * aborted it to break a deadlock. */
static pqcha_err append_batch(pg_session *ss, int64_t *appended) {
    pqcha_err err = PQCHA_ERR_STORE;
    for (int attempt = 0; attempt < TRANSACTION_ATTEMPTS; attempt++) {
        *appended = 0;
        ss->sqlstate[0] = '\0';
        err = append_batch_steps(ss, appended);
        if (err == PQCHA_OK) err = exec_plain(ss, "COMMIT");
        if (err == PQCHA_OK) break;
        roll_back(ss);
        if (!lost_to_concurrency(ss)) break;
    }
    return err;
}

/* Appends every waiting entry to the tree: a batch short of APPEND_LIMIT
 * took all that were waiting when it ran, so every entry committed before
 * the call is in the tree after it. The caller holds log_lock. */
static pqcha_err append_all(pg_session *ss) {
    int64_t appended;
    do
        SERVICE_TRY(append_batch(ss, &appended));
    while (appended == APPEND_LIMIT);
    return PQCHA_OK;
}

static void pg_close(void *impl) {
    pg_store *db = impl;
    if (!db) return;
    for (int i = 0; i < POOL_SIZE; i++)
        PQfinish(db->slots[i].conn);
    pthread_cond_destroy(&db->slot_freed);
    pthread_mutex_destroy(&db->lock);
    pthread_mutex_destroy(&db->log_lock);
    pthread_cond_destroy(&db->queue_done);
    pthread_mutex_destroy(&db->queue_lock);
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
    pthread_mutex_init(&db->queue_lock, NULL);
    pthread_cond_init(&db->queue_done, NULL);
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
        if (err == PQCHA_OK) {
            pthread_mutex_lock(&db->log_lock);
            err = append_all(&ss);
            pthread_mutex_unlock(&db->log_lock);
        }
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

/* The parameters of COMMIT_FUNCTION's call, as text (or binary: the body,
 * the entry and its leaf hash). The workload's state machine stays in C
 * (state.h): the function is given, for this report's outcome, the state
 * after it from each state, as two arrays in workload_state's order. */
typedef struct commit_call {
    pg_int at;
    char states[128];
    char after[128];
    uint8_t leaf[PQCHA_TLOG_HASH_LEN];
    const char *values[17];
    int lengths[17];
    int formats[17];
} commit_call;

static void states_literal(char *buf, size_t len, const report_outcome *outcome) {
    size_t n = (size_t)snprintf(buf, len, "{");
    for (int i = 0; i < WORKLOAD_STATE_COUNT && n < len; i++) {
        workload_state s =
            outcome ? state_after_report((workload_state)i, *outcome) : (workload_state)i;
        n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? "," : "", workload_state_name(s));
    }
    if (n < len) snprintf(buf + n, len - n, "}");
}

static pqcha_err prepare_commit(commit_call *c, const store_report *r) {
    /* Beyond what libpq can send. */
    if (r->body_len > INT_MAX || r->log_entry_len > INT_MAX) return PQCHA_ERR_STORE;
    if (r->log_entry) SERVICE_TRY(pqcha_tlog_leaf_hash(c->leaf, r->log_entry, r->log_entry_len));
    states_literal(c->states, sizeof c->states, NULL);
    states_literal(c->after, sizeof c->after, &r->outcome);
    /* A NULL binary parameter would be SQL NULL; an empty body is "". */
    const char *values[] = {r->digest,
                            r->report_id,
                            r->workload,
                            r->nonce_hex,
                            int_text(&c->at, r->received_at),
                            r->verdict,
                            r->error_name,
                            report_outcome_name(r->outcome),
                            r->result_json,
                            r->detail_json,
                            r->body ? r->body : "",
                            r->outcome == OUTCOME_IGNORED ? "f" : "t",
                            c->states,
                            c->after,
                            (const char *)r->log_entry,
                            r->log_entry ? r->envelope_sha256 : NULL,
                            r->log_entry ? (const char *)c->leaf : NULL};
    _Static_assert(sizeof values == sizeof c->values, "one value per parameter");
    memcpy(c->values, values, sizeof values);
    memset(c->lengths, 0, sizeof c->lengths);
    memset(c->formats, 0, sizeof c->formats);
    c->lengths[10] = (int)r->body_len;
    c->lengths[14] = (int)r->log_entry_len;
    c->lengths[16] = PQCHA_TLOG_HASH_LEN;
    c->formats[10] = c->formats[14] = c->formats[16] = 1;
    return PQCHA_OK;
}

static const char commit_call_sql[] =
    "SELECT status_, stored_, seq_, from_, to_ FROM " COMMIT_FUNCTION "($1::text, $2::text,"
    " $3::text, $4::text, $5::bigint, $6::text, $7::text, $8::text, $9::text, $10::text,"
    " $11::bytea, $12::boolean, $13::text[], $14::text[], $15::bytea, $16::text, $17::bytea)";

/* What the function answered, into out. */
static pqcha_err read_commit(const PGresult *res, store_commit *out) {
    if (PQntuples(res) != 1) return PQCHA_ERR_STORE;
    const char *status = PQgetvalue(res, 0, 0);
    if (strcmp(status, "nonce_used") == 0) return PQCHA_ERR_NONCE_USED;
    if (strcmp(status, "duplicate") == 0) {
        out->duplicate = 1;
        out->stored_result_json = strdup(PQgetvalue(res, 0, 1));
        return out->stored_result_json ? PQCHA_OK : PQCHA_ERR_NO_MEMORY;
    }
    if (strcmp(status, "stored") != 0) return PQCHA_ERR_STORE;
    if (PQgetisnull(res, 0, 2)) return PQCHA_OK; /* no transition */
    out->transitioned = 1;
    return column_i64(res, 0, 2, &out->event_seq) && column_state(res, 0, 3, &out->from) &&
                   column_state(res, 0, 4, &out->to)
               ? PQCHA_OK
               : PQCHA_ERR_STORE;
}

/* The whole transaction is the function's one statement: committed (or
 * rolled back) by the time its answer arrives. */
static pqcha_err commit_once(pg_session *ss, const commit_call *c, store_commit *out) {
    PGresult *res;
    ss->sqlstate[0] = '\0'; /* a failure of an earlier attempt says nothing of this one */
    SERVICE_TRY(exec_params(ss, commit_call_sql, 17, c->values, c->lengths, c->formats, &res));
    pqcha_err err = read_commit(res, out);
    PQclear(res);
    return err;
}

/* A report waiting for the next group commit, on its thread's stack: the
 * leader that takes it must not touch it once it is done. */
typedef struct pending_commit {
    const store_report *r;
    store_commit *out;
    commit_call call;
    pqcha_err err;
    int taken; /* a leader has it */
    int done;  /* answered: its thread may return */
    struct pending_commit *next;
} pending_commit;

/* One report in a transaction of its own, tried again after a deadlock or
 * the race for its digest lost (the next try finds it). */
static void commit_alone(pg_session *ss, pending_commit *p) {
    p->err = PQCHA_ERR_STORE;
    for (int attempt = 0; attempt < TRANSACTION_ATTEMPTS; attempt++) {
        store_commit_clear(p->out);
        p->err = commit_once(ss, &p->call, p->out);
        if (p->err != PQCHA_ERR_STORE || !lost_to_concurrency(ss)) break;
    }
}

/* ---- group commit ----
 * Every commit waits for PostgreSQL's WAL flush, and reports for one
 * workload wait for each other's (its row stays locked until the flush):
 * alone, they commit one flush at a time. So reports that arrive together
 * commit together: the first waiting thread becomes the leader, takes up
 * to GROUP_MAX queued reports and sends their calls in one pipeline ended
 * by one Sync, which makes them one implicit transaction: one round trip,
 * one flush. If any call fails, the server rolls the whole transaction
 * back, and each report is then committed alone (as all are without
 * pipelines: libpq < 14). The next leader may start as soon as the group
 * is committed, while this one appends its entries to the log. Nothing is
 * answered before its commit. */
#define GROUP_MAX 64

#ifdef LIBPQ_HAS_PIPELINING
/* Sends every report's call, then the Sync. */
static int send_group(PGconn *conn, pending_commit **group, int n) {
    if (!PQenterPipelineMode(conn)) return 0;
    for (int i = 0; i < n; i++) {
        const commit_call *c = &group[i]->call;
        if (!PQsendQueryParams(conn, commit_call_sql, 17, NULL, c->values, c->lengths, c->formats,
                               0))
            return 0;
    }
    return PQpipelineSync(conn);
}

/* Each call's answer, in order, then the Sync's: 1 when all succeeded and
 * the transaction committed. A result out of order (a broken connection)
 * stops the reading: the caller resets the connection. */
static int collect_group(pg_session *ss, pending_commit **group, int n) {
    int ok = 1;
    for (int i = 0; i < n; i++) {
        PGresult *res = PQgetResult(ss->conn);
        if (!res) return 0;
        if (ok && PQresultStatus(res) == PGRES_TUPLES_OK)
            group[i]->err = read_commit(res, group[i]->out);
        else if (ok) {
            ok = 0; /* the failure; the calls after it were skipped */
            remember_failure(ss, res);
        }
        PQclear(res);
        res = PQgetResult(ss->conn); /* the end of this call's results */
        if (res) {
            PQclear(res);
            return 0;
        }
    }
    PGresult *sync = PQgetResult(ss->conn);
    ok = ok && sync && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
    PQclear(sync);
    return ok;
}

/* 1 when the group committed in one transaction. */
static int commit_pipelined(pg_session *ss, pending_commit **group, int n) {
    for (int i = 0; i < n; i++)
        store_commit_clear(group[i]->out);
    int ok = send_group(ss->conn, group, n) && collect_group(ss, group, n);
    /* A connection that broke, or whose pipeline could not be closed, starts
     * over (it was reset when taken, or never used). Whether the group
     * committed is then unknown: alone, each report finds itself stored
     * if it did, and is answered as a duplicate. */
    if (!PQexitPipelineMode(ss->conn) || PQstatus(ss->conn) != CONNECTION_OK) {
        PQreset(ss->conn);
        ss->fresh = 1;
    }
    ss->sent = 1;
    return ok;
}
#endif

static void commit_group(pg_session *ss, pending_commit **group, int n) {
#ifdef LIBPQ_HAS_PIPELINING
    /* One call needs no pipeline. */
    if (n > 1 && commit_pipelined(ss, group, n)) return;
#endif
    for (int i = 0; i < n; i++)
        commit_alone(ss, group[i]);
}

/* A text[] literal of n strings, item(ctx, i) each, every one quoted (a
 * workload id may hold any character but controls), or NULL without
 * memory. */
static char *text_array(size_t n, const char *(*item)(const void *ctx, size_t i), const void *ctx) {
    size_t len = 3;
    for (size_t i = 0; i < n; i++)
        len += 2 * strlen(item(ctx, i)) + 3;
    char *out = malloc(len), *p = out;
    if (!out) return NULL;
    *p++ = '{';
    for (size_t i = 0; i < n; i++) {
        if (i) *p++ = ',';
        *p++ = '"';
        for (const char *d = item(ctx, i); *d; d++) {
            if (*d == '"' || *d == '\\') *p++ = '\\';
            *p++ = *d;
        }
        *p++ = '"';
    }
    *p++ = '}';
    *p = '\0';
    return out;
}

static const char *group_digest(const void *ctx, size_t i) {
    return ((pending_commit *const *)ctx)[i]->r->digest;
}

/* A text[] literal of the group's digests, or NULL without memory. */
static char *digest_array(pending_commit **group, int n) {
    return text_array((size_t)n, group_digest, group);
}

/* The indices the group's entries have; *missing: how many have none. */
static pqcha_err read_indices(pg_session *ss, pending_commit **group, int n, int *missing) {
    char *digests = digest_array(group, n);
    if (!digests) return PQCHA_ERR_NO_MEMORY;
    PGresult *res;
    const char *values[] = {digests};
    pqcha_err err = exec_text(ss,
                              "SELECT digest, idx FROM log_entries WHERE digest = ANY ($1::text[])"
                              " AND idx IS NOT NULL",
                              1, values, &res);
    free(digests);
    SERVICE_TRY(err);
    *missing = 0;
    for (int i = 0; i < n; i++) {
        for (int row = 0; row < PQntuples(res); row++)
            if (strcmp(PQgetvalue(res, row, 0), group[i]->r->digest) == 0 &&
                !column_i64(res, row, 1, &group[i]->out->log_index))
                err = PQCHA_ERR_STORE;
        if (group[i]->out->log_index < 0) ++*missing;
    }
    PQclear(res);
    return err;
}

/* The group's entries (committed) join the tree before their reports are
 * answered. One thread of this instance appends at a time; one that had to
 * wait first looks whether the one before appended its entries too. */
static void append_group(pg_session *ss, pending_commit **group, int n) {
    pg_store *db = ss->db;
    int waited = pthread_mutex_trylock(&db->log_lock) != 0;
    if (waited) pthread_mutex_lock(&db->log_lock);
    int missing = n;
    pqcha_err err = waited ? read_indices(ss, group, n, &missing) : PQCHA_OK;
    if (err == PQCHA_OK && missing > 0) err = append_all(ss);
    if (err == PQCHA_OK && missing > 0) err = read_indices(ss, group, n, &missing);
    pthread_mutex_unlock(&db->log_lock);
    for (int i = 0; i < n; i++)
        /* Still waiting after append_all: another entry holds its place
         * (the same envelope under another digest). */
        if (err != PQCHA_OK || group[i]->out->log_index < 0) group[i]->err = PQCHA_ERR_STORE;
}

/* Once the group is committed (release): gives the lead up, marks done
 * those that need no more, and keeps those whose entries must join the
 * log at the front of the group; returns how many are kept. Otherwise
 * marks all done. */
static int finish(pg_store *db, pending_commit **group, int n, int release) {
    int kept = 0;
    pthread_mutex_lock(&db->queue_lock);
    if (release) db->committing = 0;
    for (int i = 0; i < n; i++) {
        pending_commit *p = group[i];
        if (release && p->err == PQCHA_OK && p->r->log_entry)
            group[kept++] = p;
        else
            p->done = 1;
    }
    pthread_cond_broadcast(&db->queue_done);
    pthread_mutex_unlock(&db->queue_lock);
    return kept;
}

/* Reports for one workload in a row, workloads in one order: two instances'
 * groups lock the workloads' rows in the same order rather than deadlock. */
static int by_workload(const void *a, const void *b) {
    const store_report *x = (*(pending_commit *const *)a)->r;
    const store_report *y = (*(pending_commit *const *)b)->r;
    int c = strcmp(x->workload, y->workload);
    return c ? c : strcmp(x->digest, y->digest);
}

static void lead_group(pg_store *db, pending_commit **group, int n) {
    qsort(group, (size_t)n, sizeof *group, by_workload);
    pg_session ss;
    pqcha_err err = session_open(db, &ss);
    if (err != PQCHA_OK) {
        for (int i = 0; i < n; i++)
            group[i]->err = err;
        finish(db, group, n, 1);
        return;
    }
    commit_group(&ss, group, n);
    int logged = finish(db, group, n, 1);
    if (logged > 0) {
        append_group(&ss, group, logged);
        finish(db, group, logged, 0);
    }
    session_close(&ss);
}

/* The oldest queued reports, up to GROUP_MAX, taken off the queue. */
static int take_group(pg_store *db, pending_commit **group) {
    int n = 0;
    while (db->queue && n < GROUP_MAX) {
        pending_commit *p = db->queue;
        db->queue = p->next;
        p->taken = 1;
        group[n++] = p;
    }
    if (!db->queue) db->queue_tail = NULL;
    return n;
}

static pqcha_err commit_in_group(pg_store *db, pending_commit *me) {
    pthread_mutex_lock(&db->queue_lock);
    if (db->queue_tail)
        db->queue_tail->next = me;
    else
        db->queue = me;
    db->queue_tail = me;
    while (!me->done) {
        if (me->taken || db->committing) {
            pthread_cond_wait(&db->queue_done, &db->queue_lock);
            continue;
        }
        pending_commit *group[GROUP_MAX];
        int n = take_group(db, group);
        db->committing = 1;
        pthread_mutex_unlock(&db->queue_lock);
        lead_group(db, group, n);
        pthread_mutex_lock(&db->queue_lock);
    }
    pthread_mutex_unlock(&db->queue_lock);
    return me->err;
}

static pqcha_err pg_commit_report(void *impl, const store_report *r, store_commit *out) {
    pending_commit me;
    memset(&me, 0, sizeof me);
    me.r = r;
    me.out = out;
    SERVICE_TRY(prepare_commit(&me.call, r));
    return commit_in_group(impl, &me);
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
    "WITH rules AS (SELECT * FROM unnest($5::text[], $6::bigint[]) AS r (id, cutoff)),"
    " quiet AS (SELECT w.id, w.state FROM workloads AS w LEFT JOIN rules ON rules.id = w.id"
    " WHERE w.state = ANY ($3::text[]) AND w.last_counted < COALESCE(rules.cutoff, $1::bigint)"
    " ORDER BY w.id FOR UPDATE OF w),"
    " moved AS (UPDATE workloads AS w SET state = $4::text, state_since = $2::bigint"
    " FROM quiet WHERE w.id = quiet.id RETURNING w.id, quiet.state AS from_state)"
    " INSERT INTO events (workload, at, from_state, to_state, digest, detail)"
    " SELECT id, $2::bigint, from_state, $4::text, '', '{}' FROM moved ORDER BY id"
    " RETURNING " EVENT_COLUMNS;

static const char *rule_workload(const void *ctx, size_t i) {
    return ((const store_stale_rule *)ctx)[i].workload;
}

/* A bigint[] literal of the rules' cutoffs, or NULL without memory. */
static char *cutoff_array(const store_stale_cutoffs *c) {
    size_t len = 3 + c->rule_count * (sizeof(pg_int) + 1);
    char *out = malloc(len);
    if (!out) return NULL;
    size_t used = (size_t)snprintf(out, len, "{");
    for (size_t i = 0; i < c->rule_count; i++)
        used += (size_t)snprintf(out + used, len - used, "%s%" PRId64, i ? "," : "",
                                 c->rules[i].cutoff);
    snprintf(out + used, len - used, "}");
    return out;
}

static pqcha_err pg_mark_stale(void *impl, const store_stale_cutoffs *cutoffs, int64_t now,
                               store_event_fn fn, void *ctx) {
    PGresult *res;
    pg_int cutoff_text, now_text;
    char states[64];
    stale_states_literal(states, sizeof states);
    char *ids = text_array(cutoffs->rule_count, rule_workload, cutoffs->rules);
    char *limits = cutoff_array(cutoffs);
    pqcha_err err = ids && limits ? PQCHA_OK : PQCHA_ERR_NO_MEMORY;
    const char *values[] = {int_text(&cutoff_text, cutoffs->fallback),
                            int_text(&now_text, now),
                            states,
                            workload_state_name(WORKLOAD_STALE),
                            ids,
                            limits};
    if (err == PQCHA_OK) err = query(impl, mark_stale_sql, 6, values, &res);
    free(ids);
    free(limits);
    if (err != PQCHA_OK) return err;
    err = pass_events(res, fn, ctx);
    PQclear(res);
    return err;
}

/* ---- the webhook's outbox ---- */

/* The oldest event, claimed if due, in one statement: its row is locked, so
 * that another instance's claim waits and then finds it leased (or gone). */
static pqcha_err pg_outbox_claim(void *impl, int64_t now_ms, int64_t lease_until_ms, int64_t *seq,
                                 unsigned *attempts, int64_t *due_ms) {
    PGresult *res;
    pg_int now, lease;
    const char *values[] = {int_text(&now, now_ms), int_text(&lease, lease_until_ms)};
    SERVICE_TRY(query(impl,
                      "WITH head AS (SELECT seq, due_at FROM webhook_outbox ORDER BY seq"
                      " LIMIT 1 FOR UPDATE), claimed AS (UPDATE webhook_outbox o SET due_at = $2,"
                      " attempts = o.attempts + 1 FROM head WHERE o.seq = head.seq"
                      " AND head.due_at <= $1 RETURNING o.seq, o.attempts)"
                      " SELECT head.seq, head.due_at, claimed.attempts FROM head"
                      " LEFT JOIN claimed ON claimed.seq = head.seq",
                      2, values, &res));
    pqcha_err err = PQCHA_OK;
    int64_t head = 0, due = 0, tries = 0;
    if (PQntuples(res) == 1 && (!column_i64(res, 0, 0, &head) || !column_i64(res, 0, 1, &due)))
        err = PQCHA_ERR_STORE;
    else if (PQntuples(res) == 1 && column_i64(res, 0, 2, &tries))
        *seq = head;
    else if (PQntuples(res) == 1)
        *due_ms = due;
    *attempts = tries <= 0 ? 0 : tries >= UINT_MAX ? UINT_MAX : (unsigned)tries;
    PQclear(res);
    return err;
}

/* One statement on one event (its number in $1, and $2 when given). */
static pqcha_err outbox_update(void *impl, const char *sql, int64_t seq, const int64_t *second) {
    PGresult *res;
    pg_int a, b;
    const char *values[] = {int_text(&a, seq), second ? int_text(&b, *second) : NULL};
    SERVICE_TRY(query(impl, sql, second ? 2 : 1, values, &res));
    PQclear(res);
    return PQCHA_OK;
}

static pqcha_err pg_outbox_remove(void *impl, int64_t seq) {
    return outbox_update(impl, "DELETE FROM webhook_outbox WHERE seq = $1", seq, NULL);
}

static pqcha_err pg_outbox_defer(void *impl, int64_t seq, int64_t due_ms) {
    return outbox_update(impl, "UPDATE webhook_outbox SET due_at = $2 WHERE seq = $1", seq,
                         &due_ms);
}

static pqcha_err pg_outbox_count(void *impl, uint64_t *count) {
    PGresult *res;
    int64_t n = 0;
    SERVICE_TRY(query(impl, "SELECT count(*) FROM webhook_outbox", 0, NULL, &res));
    pqcha_err err =
        PQntuples(res) == 1 && column_i64(res, 0, 0, &n) && n >= 0 ? PQCHA_OK : PQCHA_ERR_STORE;
    *count = err == PQCHA_OK ? (uint64_t)n : 0;
    PQclear(res);
    return err;
}

static pqcha_err pg_outbox_clear(void *impl, uint64_t *removed) {
    PGresult *res;
    *removed = 0;
    SERVICE_TRY(query(impl, "DELETE FROM webhook_outbox", 0, NULL, &res));
    *removed = (uint64_t)rows_changed(res);
    PQclear(res);
    return PQCHA_OK;
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
    NULL,
    pg_each_workload,
    pg_each_report,
    pg_each_event,
    pg_count_states,
    pg_mark_stale,
    pg_outbox_claim,
    pg_outbox_remove,
    pg_outbox_defer,
    pg_outbox_count,
    pg_outbox_clear,
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
