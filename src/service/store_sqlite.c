/* store_sqlite.c — the embedded store: one SQLite file in WAL mode.
 *
 * Two connections: one for reads, used under a mutex (in WAL mode reads
 * never wait for a commit), and one that only the writer thread uses
 * (sqlite_writer.h): SQLite admits one writer at a time anyway, and
 * verification (the expensive part of a request) happens outside the
 * store. Every write waits for its group's flush, so a call that returns
 * OK is durable (a 2xx answer means the report survives a power cut).
 * BEGIN IMMEDIATE takes the write lock up front, so a transaction that
 * reads then writes never fails half-way on a lock another process
 * (a second `pqcha serve` on the same file) took meanwhile; busy_timeout
 * makes such a process wait instead of failing. */
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pqcha/tlog.h"
#include "service/sqlite_gather.h"
#include "service/sqlite_writer.h"
#include "service/store_internal.h"
#include "service/try.h"

/* A connection and the mutex that gives it to one thread at a time. */
typedef struct connection {
    sqlite3 *db;
    pthread_mutex_t lock;
} connection;

typedef struct sqlite_store {
    sqlite_writer *writer; /* every write, in group commits */
    connection reader;     /* reads: in WAL mode they never wait for a commit */
} sqlite_store;

/* Step i takes the schema from version i to i + 1. */
static const char *const migrations[STORE_SCHEMA_VERSION] = {
    "CREATE TABLE challenges (nonce TEXT PRIMARY KEY, workload TEXT NOT NULL,"
    " issued_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, used_by TEXT);"
    "CREATE INDEX challenges_expiry ON challenges (expires_at);"
    "CREATE TABLE workloads (id TEXT PRIMARY KEY, state TEXT NOT NULL,"
    " state_since INTEGER NOT NULL, last_digest TEXT NOT NULL, last_report_id TEXT NOT NULL,"
    " last_verdict TEXT NOT NULL, last_seen INTEGER NOT NULL,"
    " last_counted INTEGER NOT NULL DEFAULT 0, report_count INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE reports (seq INTEGER PRIMARY KEY AUTOINCREMENT, digest TEXT NOT NULL UNIQUE,"
    " report_id TEXT NOT NULL, workload TEXT NOT NULL, received_at INTEGER NOT NULL,"
    " verdict TEXT NOT NULL, error TEXT NOT NULL, outcome TEXT NOT NULL, result TEXT NOT NULL,"
    " body BLOB NOT NULL);"
    "CREATE INDEX reports_by_workload ON reports (workload, received_at, seq);"
    "CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, workload TEXT NOT NULL,"
    " at INTEGER NOT NULL, from_state TEXT NOT NULL, to_state TEXT NOT NULL,"
    " digest TEXT NOT NULL, detail TEXT NOT NULL);"
    "CREATE INDEX events_by_workload ON events (workload, seq);",
    /* 2: the transparency log. An entry has its index (idx) once it is in
     * the tree; seq orders entries waiting for one (the PostgreSQL store
     * appends in a second transaction; this one at once). */
    "CREATE TABLE log_entries (seq INTEGER PRIMARY KEY AUTOINCREMENT, idx INTEGER UNIQUE,"
    " digest TEXT NOT NULL UNIQUE, envelope_sha256 TEXT NOT NULL UNIQUE, entry BLOB NOT NULL,"
    " leaf_hash BLOB NOT NULL);"
    "CREATE INDEX log_entries_waiting ON log_entries (seq) WHERE idx IS NULL;"
    "CREATE TABLE log_hashes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL,"
    " PRIMARY KEY (level, idx)) WITHOUT ROWID;"
    "CREATE TABLE log_head (id INTEGER PRIMARY KEY CHECK (id = 1), size INTEGER NOT NULL);"
    "INSERT INTO log_head VALUES (1, 0);"
    "CREATE TABLE log_checkpoints (size INTEGER PRIMARY KEY, root BLOB NOT NULL,"
    " note TEXT NOT NULL, signed_at INTEGER NOT NULL, published_at INTEGER);"
    "CREATE TABLE log_cosignatures (size INTEGER NOT NULL, witness TEXT NOT NULL,"
    " line TEXT NOT NULL, PRIMARY KEY (size, witness));",
    /* 3: the webhook's outbox, filled by the database with every event in
     * the event's own transaction (store.h). Events stored before it are in
     * the history only. */
    "CREATE TABLE webhook_outbox (seq INTEGER PRIMARY KEY, due_at INTEGER NOT NULL DEFAULT 0,"
    " attempts INTEGER NOT NULL DEFAULT 0);"
    "CREATE TRIGGER events_to_webhook_outbox AFTER INSERT ON events"
    " BEGIN INSERT INTO webhook_outbox (seq) VALUES (NEW.seq); END;",
};

/* ---- statements ----
 * Parameters are given by a type string: 's' text, 'i' int64, 'b' blob
 * (a pointer, then its size_t length). */

static int bind_all(sqlite3_stmt *st, const char *types, va_list ap) {
    int rc = SQLITE_OK;
    for (int i = 0; types[i] && rc == SQLITE_OK; i++) {
        if (types[i] == 's') {
            rc = sqlite3_bind_text(st, i + 1, va_arg(ap, const char *), -1, SQLITE_STATIC);
        } else if (types[i] == 'i') {
            rc = sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
        } else {
            const void *blob = va_arg(ap, const void *);
            size_t len = va_arg(ap, size_t);
            rc = sqlite3_bind_blob64(st, i + 1, blob ? blob : "", len, SQLITE_STATIC);
        }
    }
    return rc == SQLITE_OK;
}

/* The connection's idle statement of this SQL, if one was prepared before:
 * statements are kept (SQLITE_PREPARE_PERSISTENT) and reset after use, so
 * each SQL text is parsed once per connection. */
static sqlite3_stmt *cached(sqlite3 *db, const char *sql) {
    for (sqlite3_stmt *st = sqlite3_next_stmt(db, NULL); st; st = sqlite3_next_stmt(db, st))
        if (!sqlite3_stmt_busy(st) && strcmp(sqlite3_sql(st), sql) == 0) return st;
    return NULL;
}

/* Gives a statement back to the cache. */
static void done(sqlite3_stmt *st) {
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

static pqcha_err prepare(sqlite3 *db, sqlite3_stmt **st, const char *sql, const char *types, ...) {
    *st = cached(db, sql);
    if (!*st && sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
        return PQCHA_ERR_STORE;
    va_list ap;
    va_start(ap, types);
    int ok = bind_all(*st, types, ap);
    va_end(ap);
    if (ok) return PQCHA_OK;
    done(*st);
    *st = NULL;
    return PQCHA_ERR_STORE;
}

/* Runs a prepared statement that returns no rows and gives it back;
 * *changes (may be NULL) gets how many rows it changed. */
static pqcha_err run(sqlite3 *db, sqlite3_stmt *st, int64_t *changes) {
    int rc = sqlite3_step(st);
    done(st);
    if (rc != SQLITE_DONE) return PQCHA_ERR_STORE;
    if (changes) *changes = sqlite3_changes64(db);
    return PQCHA_OK;
}

static pqcha_err exec_sql(sqlite3 *db, const char *sql) {
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? PQCHA_OK : PQCHA_ERR_STORE;
}

/* One statement without parameters or rows, kept prepared: a group commit
 * runs two savepoint statements per write, and parsing them each time was a
 * measurable part of a report's cost. */
static pqcha_err run_sql(sqlite3 *db, const char *sql) {
    sqlite3_stmt *st;
    SERVICE_TRY(prepare(db, &st, sql, ""));
    return run(db, st, NULL);
}

/* Ends the transaction: commits when everything went well, else rolls back. */
static pqcha_err finish(sqlite3 *db, pqcha_err err) {
    if (err == PQCHA_OK) err = run_sql(db, "COMMIT");
    if (err != PQCHA_OK) (void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return err;
}

static const char *column_text(sqlite3_stmt *st, int i) {
    const unsigned char *text = sqlite3_column_text(st, i);
    return text ? (const char *)text : "";
}

static connection *lock_reader(void *impl) {
    connection *c = &((sqlite_store *)impl)->reader;
    pthread_mutex_lock(&c->lock);
    return c;
}

static pqcha_err unlock(connection *c, pqcha_err err) {
    pthread_mutex_unlock(&c->lock);
    return err;
}

/* ---- opening ---- */

/* SQLite creates the file with the umask's permissions, and its -wal and
 * -shm files copy the main file's: creating it 0600 first keeps reports
 * and nonces readable only by the service's user. */
static pqcha_err create_private(const char *path) {
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return PQCHA_ERR_STORE;
    close(fd);
    return PQCHA_OK;
}

static pqcha_err schema_version(sqlite3 *db, int64_t *version) {
    sqlite3_stmt *st;
    *version = 0;
    SERVICE_TRY(exec_sql(db, "CREATE TABLE IF NOT EXISTS pqcha_schema (version INTEGER NOT NULL)"));
    SERVICE_TRY(prepare(db, &st, "SELECT version FROM pqcha_schema", ""));
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *version = sqlite3_column_int64(st, 0);
    done(st);
    if (rc == SQLITE_DONE) return exec_sql(db, "INSERT INTO pqcha_schema VALUES (0)");
    return rc == SQLITE_ROW ? PQCHA_OK : PQCHA_ERR_STORE;
}

static pqcha_err migrate_in_transaction(sqlite3 *db) {
    int64_t version;
    SERVICE_TRY(schema_version(db, &version));
    if (version > STORE_SCHEMA_VERSION) return PQCHA_ERR_STORE_SCHEMA;
    for (int64_t step = version; step < STORE_SCHEMA_VERSION; step++) {
        sqlite3_stmt *st;
        SERVICE_TRY(exec_sql(db, migrations[step]));
        SERVICE_TRY(prepare(db, &st, "UPDATE pqcha_schema SET version = ?", "i", step + 1));
        SERVICE_TRY(run(db, st, NULL));
    }
    return PQCHA_OK;
}

static pqcha_err migrate(sqlite3 *db) {
    SERVICE_TRY(exec_sql(db, "BEGIN IMMEDIATE"));
    return finish(db, migrate_in_transaction(db));
}

static pqcha_err configure(sqlite3 *db) {
    sqlite3_busy_timeout(db, 5000);
    SERVICE_TRY(exec_sql(db, "PRAGMA journal_mode=WAL"));
    SERVICE_TRY(exec_sql(db, "PRAGMA synchronous=FULL"));
    return migrate(db);
}

static pqcha_err open_connection(connection *c, const char *path) {
    pthread_mutex_init(&c->lock, NULL);
    if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL) !=
        SQLITE_OK)
        return PQCHA_ERR_STORE;
    return configure(c->db);
}

static void close_connection(connection *c) {
    sqlite_close_connection(c->db);
    pthread_mutex_destroy(&c->lock);
}

static void sqlite_close(void *impl) {
    sqlite_store *s = impl;
    close_connection(&s->reader);
    sqlite_writer_stop(s->writer);
    free(s);
}

/* The writer's own connection, handed to its thread. */
static pqcha_err start_writer(sqlite_store *s, const char *path, char *why, size_t why_len) {
    sqlite3 *db = NULL;
    /* Through the VFS that gathers its writes: most of the writer's CPU
     * went to SQLite's one pwrite per frame header and per page. */
    pqcha_err err =
        sqlite_gather_register() == SQLITE_OK &&
                sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX,
                                SQLITE_GATHER_VFS) == SQLITE_OK
            ? configure(db)
            : PQCHA_ERR_STORE;
    if (err != PQCHA_OK) {
        store_explain(why, why_len, db ? sqlite3_errmsg(db) : "cannot open the file");
        sqlite_close_connection(db);
        return err;
    }
    /* The log SQLite itself writes: its name comes from the path SQLite
     * resolved (through symbolic links), not from the one given. */
    const char *wal = sqlite3_filename_wal(sqlite3_db_filename(db, "main"));
    err = sqlite_writer_start(&s->writer, db, wal);
    if (err == PQCHA_ERR_STORE) store_explain(why, why_len, "cannot open the write-ahead log");
    return err;
}

static pqcha_err sqlite_open(void **impl, const char *path, char *why, size_t why_len) {
    if (path[0] == '\0') {
        store_explain(why, why_len, "sqlite: needs a file path (sqlite:PATH)");
        return PQCHA_ERR_INVALID_ARGUMENT;
    }
    sqlite_store *s = calloc(1, sizeof *s);
    if (!s) return PQCHA_ERR_NO_MEMORY;
    pqcha_err err = create_private(path);
    if (err != PQCHA_OK) store_explain(why, why_len, "cannot create the file");
    if (err == PQCHA_OK) err = start_writer(s, path, why, why_len);
    if (err == PQCHA_OK) {
        err = open_connection(&s->reader, path);
        if (err != PQCHA_OK)
            store_explain(why, why_len,
                          s->reader.db ? sqlite3_errmsg(s->reader.db) : "cannot open the file");
    }
    if (err != PQCHA_OK) {
        sqlite_close(s);
        return err;
    }
    *impl = s;
    return PQCHA_OK;
}

/* Every write goes through the writer thread, and returns after its flush. */
static pqcha_err write_in_group(void *impl, pqcha_err (*apply)(sqlite3 *, void *), void *arg) {
    return sqlite_writer_run(((sqlite_store *)impl)->writer, apply, arg);
}

static pqcha_err sqlite_ping(void *impl) {
    if (sqlite_writer_broken(((sqlite_store *)impl)->writer)) return PQCHA_ERR_STORE;
    connection *s = lock_reader(impl);
    return unlock(s, exec_sql(s->db, "SELECT 1"));
}

/* ---- challenges ---- */

typedef struct challenge_args {
    const char *nonce_hex, *workload;
    int64_t issued_at, expires_at;
} challenge_args;

static pqcha_err insert_challenge(sqlite3 *db, void *arg) {
    const challenge_args *a = arg;
    sqlite3_stmt *st;
    SERVICE_TRY(prepare(db, &st,
                        "INSERT INTO challenges (nonce, workload, issued_at, expires_at)"
                        " VALUES (?, ?, ?, ?)",
                        "ssii", a->nonce_hex, a->workload, a->issued_at, a->expires_at));
    int rc = sqlite3_step(st);
    done(st);
    return rc == SQLITE_DONE         ? PQCHA_OK
           : rc == SQLITE_CONSTRAINT ? PQCHA_ERR_FILE_EXISTS /* the nonce's primary key */
                                     : PQCHA_ERR_STORE;
}

static pqcha_err sqlite_add_challenge(void *impl, const char *nonce_hex, const char *workload,
                                      int64_t issued_at, int64_t expires_at) {
    challenge_args a = {nonce_hex, workload, issued_at, expires_at};
    return write_in_group(impl, insert_challenge, &a);
}

static pqcha_err sqlite_check_challenge(void *impl, const char *nonce_hex, const char *workload,
                                        int64_t now) {
    connection *s = lock_reader(impl);
    sqlite3_stmt *st;
    pqcha_err err = prepare(s->db, &st,
                            "SELECT used_by IS NOT NULL, expires_at <= ? FROM challenges"
                            " WHERE nonce = ? AND workload = ?",
                            "iss", now, nonce_hex, workload);
    if (err == PQCHA_OK) {
        int rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
            err = PQCHA_ERR_NONCE_UNKNOWN;
        else if (rc != SQLITE_ROW)
            err = PQCHA_ERR_STORE;
        else if (sqlite3_column_int(st, 0))
            err = PQCHA_ERR_NONCE_USED;
        else if (sqlite3_column_int(st, 1))
            err = PQCHA_ERR_NONCE_EXPIRED;
        done(st);
    }
    return unlock(s, err);
}

typedef struct prune_args {
    int64_t before, deleted;
} prune_args;

static pqcha_err delete_expired(sqlite3 *db, void *arg) {
    prune_args *a = arg;
    sqlite3_stmt *st;
    SERVICE_TRY(prepare(db, &st, "DELETE FROM challenges WHERE expires_at < ?", "i", a->before));
    return run(db, st, &a->deleted);
}

static pqcha_err sqlite_prune_challenges(void *impl, int64_t before, uint64_t *deleted) {
    prune_args a = {before, 0};
    pqcha_err err = write_in_group(impl, delete_expired, &a);
    *deleted = err == PQCHA_OK ? (uint64_t)a.deleted : 0;
    return err;
}

/* ---- reports ---- */

/* The result stored for digest, if any: *found says whether there was one. */
static pqcha_err stored_result(sqlite3 *db, const char *digest, store_commit *out) {
    sqlite3_stmt *st;
    SERVICE_TRY(prepare(db, &st, "SELECT result FROM reports WHERE digest = ?", "s", digest));
    int rc = sqlite3_step(st);
    pqcha_err err = rc == SQLITE_ROW || rc == SQLITE_DONE ? PQCHA_OK : PQCHA_ERR_STORE;
    if (rc == SQLITE_ROW) {
        out->duplicate = 1;
        out->stored_result_json = strdup(column_text(st, 0));
        if (!out->stored_result_json) err = PQCHA_ERR_NO_MEMORY;
    }
    done(st);
    return err;
}

static pqcha_err consume_challenge(sqlite3 *db, const store_report *r) {
    sqlite3_stmt *st;
    int64_t changes = 0;
    SERVICE_TRY(prepare(db, &st,
                        "UPDATE challenges SET used_by = ? WHERE nonce = ? AND workload = ?"
                        " AND used_by IS NULL AND expires_at > ?",
                        "sssi", r->digest, r->nonce_hex, r->workload, r->received_at));
    SERVICE_TRY(run(db, st, &changes));
    return changes == 1 ? PQCHA_OK : PQCHA_ERR_NONCE_USED;
}

static pqcha_err insert_report(sqlite3 *db, const store_report *r) {
    sqlite3_stmt *st;
    SERVICE_TRY(prepare(db, &st,
                        "INSERT INTO reports (digest, report_id, workload, received_at, verdict,"
                        " error, outcome, result, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        "sssissssb", r->digest, r->report_id, r->workload, r->received_at,
                        r->verdict, r->error_name, report_outcome_name(r->outcome), r->result_json,
                        (const void *)r->body, r->body_len));
    return run(db, st, NULL);
}

/* The workload's state before this report (unknown when it is new). */
static pqcha_err current_state(sqlite3 *db, const char *workload, workload_state *state) {
    sqlite3_stmt *st;
    *state = WORKLOAD_UNKNOWN;
    SERVICE_TRY(prepare(db, &st, "SELECT state FROM workloads WHERE id = ?", "s", workload));
    int rc = sqlite3_step(st);
    pqcha_err err = rc == SQLITE_DONE ? PQCHA_OK : PQCHA_ERR_STORE;
    if (rc == SQLITE_ROW && workload_state_parse(column_text(st, 0), state) == PQCHA_OK)
        err = PQCHA_OK;
    done(st);
    return err;
}

static pqcha_err upsert_workload(sqlite3 *db, const store_report *r, workload_state next) {
    sqlite3_stmt *st;
    SERVICE_TRY(prepare(
        db, &st,
        "INSERT INTO workloads (id, state, state_since, last_digest, last_report_id,"
        " last_verdict, last_seen, last_counted, report_count) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
        " ?3, ?3, 1) ON CONFLICT (id) DO UPDATE SET state_since = CASE WHEN state = ?2"
        " THEN state_since ELSE ?3 END, state = ?2, last_digest = ?4, last_report_id = ?5,"
        " last_verdict = ?6, last_seen = ?3, last_counted = ?3, report_count = report_count + 1",
        "ssisss", r->workload, workload_state_name(next), r->received_at, r->digest, r->report_id,
        r->verdict));
    return run(db, st, NULL);
}

static pqcha_err insert_event(sqlite3 *db, const char *workload, int64_t at, workload_state from,
                              workload_state to, const char *digest, const char *detail,
                              int64_t *seq) {
    sqlite3_stmt *st;
    SERVICE_TRY(prepare(db, &st,
                        "INSERT INTO events (workload, at, from_state, to_state, digest, detail)"
                        " VALUES (?, ?, ?, ?, ?, ?)",
                        "sissss", workload, at, workload_state_name(from), workload_state_name(to),
                        digest, detail));
    SERVICE_TRY(run(db, st, NULL));
    *seq = sqlite3_last_insert_rowid(db);
    return PQCHA_OK;
}

static pqcha_err move_workload(sqlite3 *db, const store_report *r, store_commit *out) {
    workload_state from, to;
    SERVICE_TRY(current_state(db, r->workload, &from));
    to = state_after_report(from, r->outcome);
    SERVICE_TRY(upsert_workload(db, r, to));
    if (to == from) return PQCHA_OK;
    out->transitioned = 1;
    out->from = from;
    out->to = to;
    return insert_event(db, r->workload, r->received_at, from, to, r->digest, r->detail_json,
                        &out->event_seq);
}

/* ---- the transparency log: appending ----
 * One writer at a time (the group commit), so an entry takes the next
 * index in the transaction that stores its report. */

static pqcha_err log_head_size(sqlite3 *db, uint64_t *size) {
    sqlite3_stmt *st;
    SERVICE_TRY(prepare(db, &st, "SELECT size FROM log_head", ""));
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    done(st);
    if (n < 0) return PQCHA_ERR_STORE;
    *size = (uint64_t)n;
    return PQCHA_OK;
}

/* count hashes of a tile level from `from`: leaf hashes at level 0. */
static pqcha_err read_hashes(void *ctx, unsigned level, uint64_t from, unsigned count,
                             uint8_t *out) {
    sqlite3 *db = ctx;
    sqlite3_stmt *st;
    int64_t start = (int64_t)from, end = (int64_t)(from + count);
    if (level == 0)
        SERVICE_TRY(prepare(db, &st,
                            "SELECT leaf_hash FROM log_entries WHERE idx >= ? AND idx < ?"
                            " ORDER BY idx",
                            "ii", start, end));
    else
        SERVICE_TRY(prepare(db, &st,
                            "SELECT hash FROM log_hashes WHERE level = ? AND idx >= ? AND idx < ?"
                            " ORDER BY idx",
                            "iii", (int64_t)level, start, end));
    unsigned n = 0;
    int rc = SQLITE_DONE;
    pqcha_err err = PQCHA_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == count || sqlite3_column_bytes(st, 0) != PQCHA_TLOG_HASH_LEN) {
            err = PQCHA_ERR_STORE;
            break;
        }
        memcpy(out + (size_t)n++ * PQCHA_TLOG_HASH_LEN, sqlite3_column_blob(st, 0),
               PQCHA_TLOG_HASH_LEN);
    }
    if (err == PQCHA_OK && rc != SQLITE_DONE) err = PQCHA_ERR_STORE;
    done(st);
    if (err == PQCHA_OK && n != count) err = PQCHA_ERR_NOT_FOUND;
    return err;
}

static pqcha_err write_hash(void *ctx, unsigned level, uint64_t index, const uint8_t hash[32]) {
    sqlite3 *db = ctx;
    sqlite3_stmt *st;
    SERVICE_TRY(prepare(db, &st, "INSERT INTO log_hashes (level, idx, hash) VALUES (?, ?, ?)",
                        "iib", (int64_t)level, (int64_t)index, (const void *)hash,
                        (size_t)PQCHA_TLOG_HASH_LEN));
    return run(db, st, NULL);
}

static pqcha_err append_entry(sqlite3 *db, const store_report *r, int64_t *index) {
    uint8_t leaf[PQCHA_TLOG_HASH_LEN];
    uint64_t size;
    sqlite3_stmt *st;
    SERVICE_TRY(pqcha_tlog_leaf_hash(leaf, r->log_entry, r->log_entry_len));
    SERVICE_TRY(log_head_size(db, &size));
    if (size >= PQCHA_TLOG_MAX_SIZE) return PQCHA_ERR_STORE;
    SERVICE_TRY(prepare(db, &st,
                        "INSERT INTO log_entries (idx, digest, envelope_sha256, entry, leaf_hash)"
                        " VALUES (?, ?, ?, ?, ?)",
                        "issbb", (int64_t)size, r->digest, r->envelope_sha256,
                        (const void *)r->log_entry, r->log_entry_len, (const void *)leaf,
                        sizeof leaf));
    SERVICE_TRY(run(db, st, NULL));
    SERVICE_TRY(store_log_complete_tiles(size, size + 1, read_hashes, write_hash, db));
    SERVICE_TRY(prepare(db, &st, "UPDATE log_head SET size = ?", "i", (int64_t)(size + 1)));
    SERVICE_TRY(run(db, st, NULL));
    *index = (int64_t)size;
    return PQCHA_OK;
}

/* A stored report's entry, appended now if it has none (it was stored
 * before the log was kept). */
static pqcha_err logged_index(sqlite3 *db, const store_report *r, int64_t *index) {
    sqlite3_stmt *st;
    SERVICE_TRY(prepare(db, &st, "SELECT idx FROM log_entries WHERE digest = ?", "s", r->digest));
    int rc = sqlite3_step(st);
    int found = rc == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_INTEGER;
    if (found) *index = sqlite3_column_int64(st, 0);
    done(st);
    if (found) return PQCHA_OK;
    return rc == SQLITE_DONE ? append_entry(db, r, index) : PQCHA_ERR_STORE;
}

static pqcha_err commit_in_transaction(sqlite3 *db, const store_report *r, store_commit *out) {
    SERVICE_TRY(stored_result(db, r->digest, out));
    if (out->duplicate) return r->log_entry ? logged_index(db, r, &out->log_index) : PQCHA_OK;
    if (r->nonce_hex) SERVICE_TRY(consume_challenge(db, r));
    SERVICE_TRY(insert_report(db, r));
    if (r->log_entry) SERVICE_TRY(append_entry(db, r, &out->log_index));
    if (r->outcome == OUTCOME_IGNORED) return PQCHA_OK;
    return move_workload(db, r, out);
}

typedef struct commit_args {
    const store_report *r;
    store_commit *out;
} commit_args;

static pqcha_err commit_one(sqlite3 *db, void *arg) {
    commit_args *a = arg;
    pqcha_err err = commit_in_transaction(db, a->r, a->out);
    if (err != PQCHA_OK) store_commit_clear(a->out); /* its savepoint is rolled back */
    return err;
}

static pqcha_err sqlite_commit_report(void *impl, const store_report *r, store_commit *out) {
    commit_args a = {r, out};
    pqcha_err err = write_in_group(impl, commit_one, &a);
    if (err != PQCHA_OK) store_commit_clear(out);
    return err;
}

/* A commit queued by store_commit_report_async, until its flush. */
typedef struct queued_commit {
    sqlite_write job;
    commit_args args;
    store_done_fn on_done;
    void *ctx;
} queued_commit;

static void commit_flushed(void *ctx, pqcha_err err) {
    queued_commit *q = ctx;
    store_done_fn on_done = q->on_done;
    void *done_ctx = q->ctx;
    if (err != PQCHA_OK) store_commit_clear(q->args.out);
    free(q);
    on_done(done_ctx, err);
}

static void sqlite_commit_report_async(void *impl, const store_report *r, store_commit *out,
                                       store_done_fn on_done, void *ctx) {
    queued_commit *q = malloc(sizeof *q);
    if (!q) {
        on_done(ctx, PQCHA_ERR_NO_MEMORY);
        return;
    }
    q->args = (commit_args){r, out};
    q->job = (sqlite_write){commit_one, &q->args, commit_flushed, q, PQCHA_OK, NULL};
    q->on_done = on_done;
    q->ctx = ctx;
    sqlite_writer_submit(((sqlite_store *)impl)->writer, &q->job);
}

/* ---- queries ---- */

static void read_workload(sqlite3_stmt *st, store_workload_row *row) {
    row->id = column_text(st, 0);
    if (workload_state_parse(column_text(st, 1), &row->state) != PQCHA_OK)
        row->state = WORKLOAD_STATE_COUNT;
    row->state_since = sqlite3_column_int64(st, 2);
    row->last_digest = column_text(st, 3);
    row->last_report_id = column_text(st, 4);
    row->last_verdict = column_text(st, 5);
    row->last_seen = sqlite3_column_int64(st, 6);
    row->last_counted = sqlite3_column_int64(st, 7);
    row->report_count = (uint64_t)sqlite3_column_int64(st, 8);
}

#define WORKLOAD_COLUMNS                                                                   \
    "SELECT id, state, state_since, last_digest, last_report_id, last_verdict, last_seen," \
    " last_counted, report_count FROM workloads"

static pqcha_err sqlite_each_workload(void *impl, const char *id, store_workload_fn fn, void *ctx,
                                      int *found) {
    connection *s = lock_reader(impl);
    sqlite3_stmt *st;
    pqcha_err err = id ? prepare(s->db, &st, WORKLOAD_COLUMNS " WHERE id = ?", "s", id)
                       : prepare(s->db, &st, WORKLOAD_COLUMNS " ORDER BY id", "");
    int rc = SQLITE_DONE;
    while (err == PQCHA_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        store_workload_row row;
        read_workload(st, &row);
        if (row.state == WORKLOAD_STATE_COUNT) {
            err = PQCHA_ERR_STORE; /* a state this build does not know: not our schema */
            break;
        }
        *found = 1;
        if (fn(ctx, &row)) break;
    }
    if (err == PQCHA_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) err = PQCHA_ERR_STORE;
    done(st);
    return unlock(s, err);
}

static pqcha_err sqlite_each_report(void *impl, const char *workload, int64_t since, unsigned limit,
                                    store_report_fn fn, void *ctx) {
    connection *s = lock_reader(impl);
    sqlite3_stmt *st;
    pqcha_err err = prepare(s->db, &st,
                            "SELECT seq, digest, report_id, workload, verdict, error, outcome,"
                            " received_at, result FROM reports WHERE workload = ? AND"
                            " received_at >= ? ORDER BY received_at, seq LIMIT ?",
                            "sii", workload, since, (int64_t)limit);
    int rc = SQLITE_DONE;
    while (err == PQCHA_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        store_report_row row = {sqlite3_column_int64(st, 0),
                                column_text(st, 1),
                                column_text(st, 2),
                                column_text(st, 3),
                                column_text(st, 4),
                                column_text(st, 5),
                                OUTCOME_IGNORED,
                                sqlite3_column_int64(st, 7),
                                column_text(st, 8)};
        err = report_outcome_parse(column_text(st, 6), &row.outcome) == PQCHA_OK ? PQCHA_OK
                                                                                 : PQCHA_ERR_STORE;
        if (err != PQCHA_OK || fn(ctx, &row)) break;
    }
    if (err == PQCHA_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) err = PQCHA_ERR_STORE;
    done(st);
    return unlock(s, err);
}

static pqcha_err read_event(sqlite3_stmt *st, store_event_row *row) {
    row->seq = sqlite3_column_int64(st, 0);
    row->workload = column_text(st, 1);
    row->at = sqlite3_column_int64(st, 2);
    row->digest = column_text(st, 5);
    row->detail_json = column_text(st, 6);
    if (workload_state_parse(column_text(st, 3), &row->from) != PQCHA_OK ||
        workload_state_parse(column_text(st, 4), &row->to) != PQCHA_OK)
        return PQCHA_ERR_STORE;
    return PQCHA_OK;
}

#define EVENT_COLUMNS "SELECT seq, workload, at, from_state, to_state, digest, detail FROM events"

static pqcha_err sqlite_each_event(void *impl, const char *workload, int64_t after_seq,
                                   unsigned limit, store_event_fn fn, void *ctx) {
    connection *s = lock_reader(impl);
    sqlite3_stmt *st;
    pqcha_err err =
        workload ? prepare(s->db, &st,
                           EVENT_COLUMNS " WHERE workload = ? AND seq > ? ORDER BY seq LIMIT ?",
                           "sii", workload, after_seq, (int64_t)limit)
                 : prepare(s->db, &st, EVENT_COLUMNS " WHERE seq > ? ORDER BY seq LIMIT ?", "ii",
                           after_seq, (int64_t)limit);
    int rc = SQLITE_DONE;
    while (err == PQCHA_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        store_event_row row;
        err = read_event(st, &row);
        if (err != PQCHA_OK || fn(ctx, &row)) break;
    }
    if (err == PQCHA_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) err = PQCHA_ERR_STORE;
    done(st);
    return unlock(s, err);
}

static pqcha_err sqlite_count_states(void *impl, uint64_t counts[WORKLOAD_STATE_COUNT]) {
    connection *s = lock_reader(impl);
    sqlite3_stmt *st;
    pqcha_err err = prepare(s->db, &st, "SELECT state, count(*) FROM workloads GROUP BY state", "");
    int rc = SQLITE_DONE;
    while (err == PQCHA_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        workload_state state;
        if (workload_state_parse(column_text(st, 0), &state) != PQCHA_OK) {
            err = PQCHA_ERR_STORE;
            break;
        }
        counts[state] = (uint64_t)sqlite3_column_int64(st, 1);
    }
    if (err == PQCHA_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) err = PQCHA_ERR_STORE;
    done(st);
    return unlock(s, err);
}

/* ---- staleness ---- */

/* The events of one mark_stale pass, kept until the commit. */
typedef struct stale_events {
    store_event_row *rows;
    char **ids;
    size_t count, cap;
} stale_events;

static pqcha_err remember_stale(stale_events *ev, const char *id, workload_state from,
                                int64_t now) {
    if (ev->count == ev->cap) {
        size_t cap = ev->cap ? ev->cap * 2 : 16;
        store_event_row *rows = realloc(ev->rows, cap * sizeof *rows);
        if (!rows) return PQCHA_ERR_NO_MEMORY;
        ev->rows = rows;
        char **ids = realloc(ev->ids, cap * sizeof *ids);
        if (!ids) return PQCHA_ERR_NO_MEMORY;
        ev->ids = ids;
        ev->cap = cap;
    }
    char *copy = strdup(id);
    if (!copy) return PQCHA_ERR_NO_MEMORY;
    ev->ids[ev->count] = copy;
    ev->rows[ev->count] = (store_event_row){0, copy, now, from, WORKLOAD_STALE, "", "{}"};
    ev->count++;
    return PQCHA_OK;
}

static void stale_events_free(stale_events *ev) {
    for (size_t i = 0; i < ev->count; i++)
        free(ev->ids[i]);
    free(ev->ids);
    free(ev->rows);
}

/* The quiet workloads: those quieter than the latest cutoff, each then
 * against its own. */
static pqcha_err find_stale(sqlite3 *db, const store_stale_cutoffs *cutoffs, int64_t now,
                            stale_events *ev) {
    sqlite3_stmt *st;
    SERVICE_TRY(prepare(db, &st,
                        "SELECT id, state, last_counted FROM workloads WHERE state IN ('trusted',"
                        " 'drifted', 'rejected') AND last_counted < ? ORDER BY id",
                        "i", store_stale_latest_cutoff(cutoffs)));
    pqcha_err err = PQCHA_OK;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *id = column_text(st, 0);
        if (sqlite3_column_int64(st, 2) >= store_stale_cutoff(cutoffs, id)) continue;
        workload_state from;
        err = workload_state_parse(column_text(st, 1), &from) == PQCHA_OK ? PQCHA_OK
                                                                          : PQCHA_ERR_STORE;
        if (err == PQCHA_OK) err = remember_stale(ev, id, from, now);
        if (err != PQCHA_OK) break;
    }
    if (err == PQCHA_OK && rc != SQLITE_DONE) err = PQCHA_ERR_STORE;
    done(st);
    return err;
}

static pqcha_err mark_stale_in_transaction(sqlite3 *db, const store_stale_cutoffs *cutoffs,
                                           int64_t now, stale_events *ev) {
    SERVICE_TRY(find_stale(db, cutoffs, now, ev));
    for (size_t i = 0; i < ev->count; i++) {
        store_event_row *e = &ev->rows[i];
        sqlite3_stmt *st;
        SERVICE_TRY(prepare(db, &st,
                            "UPDATE workloads SET state = 'stale', state_since = ? WHERE id = ?",
                            "is", now, e->workload));
        SERVICE_TRY(run(db, st, NULL));
        SERVICE_TRY(insert_event(db, e->workload, now, e->from, e->to, "", "{}", &e->seq));
    }
    return PQCHA_OK;
}

typedef struct stale_args {
    const store_stale_cutoffs *cutoffs;
    int64_t now;
    stale_events ev;
} stale_args;

static pqcha_err mark_stale_write(sqlite3 *db, void *arg) {
    stale_args *a = arg;
    return mark_stale_in_transaction(db, a->cutoffs, a->now, &a->ev);
}

static pqcha_err sqlite_mark_stale(void *impl, const store_stale_cutoffs *cutoffs, int64_t now,
                                   store_event_fn fn, void *ctx) {
    stale_args a = {cutoffs, now, {0}};
    pqcha_err err = write_in_group(impl, mark_stale_write, &a);
    stale_events ev = a.ev;
    for (size_t i = 0; err == PQCHA_OK && fn && i < ev.count; i++)
        if (fn(ctx, &ev.rows[i])) break;
    stale_events_free(&ev);
    return err;
}

/* ---- the webhook's outbox ---- */

typedef struct outbox_args {
    int64_t now_ms, lease_until_ms, seq, due_ms, changed;
    unsigned attempts;
} outbox_args;

/* In the writer's transaction, so that the look and the claim are one (a
 * writer's group may run it again: it starts from nothing each time). */
static pqcha_err claim_oldest(sqlite3 *db, void *arg) {
    outbox_args *a = arg;
    sqlite3_stmt *st;
    a->seq = a->due_ms = 0;
    a->attempts = 0;
    SERVICE_TRY(prepare(
        db, &st, "SELECT seq, due_at, attempts FROM webhook_outbox ORDER BY seq LIMIT 1", ""));
    int rc = sqlite3_step(st);
    int64_t seq = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    int64_t due = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
    int64_t attempts = rc == SQLITE_ROW ? sqlite3_column_int64(st, 2) : 0;
    done(st);
    if (rc != SQLITE_ROW) return rc == SQLITE_DONE ? PQCHA_OK : PQCHA_ERR_STORE;
    if (due > a->now_ms) {
        a->due_ms = due;
        return PQCHA_OK;
    }
    SERVICE_TRY(prepare(db, &st,
                        "UPDATE webhook_outbox SET due_at = ?, attempts = attempts + 1"
                        " WHERE seq = ?",
                        "ii", a->lease_until_ms, seq));
    SERVICE_TRY(run(db, st, NULL));
    a->seq = seq;
    a->attempts = attempts < 0 || attempts >= UINT_MAX - 1 ? UINT_MAX : (unsigned)attempts + 1;
    return PQCHA_OK;
}

static pqcha_err sqlite_outbox_claim(void *impl, int64_t now_ms, int64_t lease_until_ms,
                                     int64_t *seq, unsigned *attempts, int64_t *due_ms) {
    outbox_args a = {now_ms, lease_until_ms, 0, 0, 0, 0};
    SERVICE_TRY(write_in_group(impl, claim_oldest, &a));
    *seq = a.seq;
    *attempts = a.attempts;
    *due_ms = a.due_ms;
    return PQCHA_OK;
}

static pqcha_err remove_one(sqlite3 *db, void *arg) {
    sqlite3_stmt *st;
    SERVICE_TRY(prepare(db, &st, "DELETE FROM webhook_outbox WHERE seq = ?", "i",
                        ((const outbox_args *)arg)->seq));
    return run(db, st, NULL);
}

static pqcha_err sqlite_outbox_remove(void *impl, int64_t seq) {
    outbox_args a = {0, 0, seq, 0, 0, 0};
    return write_in_group(impl, remove_one, &a);
}

static pqcha_err defer_one(sqlite3 *db, void *arg) {
    const outbox_args *a = arg;
    sqlite3_stmt *st;
    SERVICE_TRY(prepare(db, &st, "UPDATE webhook_outbox SET due_at = ? WHERE seq = ?", "ii",
                        a->due_ms, a->seq));
    return run(db, st, NULL);
}

static pqcha_err sqlite_outbox_defer(void *impl, int64_t seq, int64_t due_ms) {
    outbox_args a = {0, 0, seq, due_ms, 0, 0};
    return write_in_group(impl, defer_one, &a);
}

static pqcha_err sqlite_outbox_count(void *impl, uint64_t *count) {
    connection *s = lock_reader(impl);
    sqlite3_stmt *st;
    pqcha_err err = prepare(s->db, &st, "SELECT count(*) FROM webhook_outbox", "");
    if (err == PQCHA_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            *count = (uint64_t)sqlite3_column_int64(st, 0);
        else
            err = PQCHA_ERR_STORE;
        done(st);
    }
    return unlock(s, err);
}

static pqcha_err clear_all(sqlite3 *db, void *arg) {
    sqlite3_stmt *st;
    SERVICE_TRY(prepare(db, &st, "DELETE FROM webhook_outbox", ""));
    return run(db, st, &((outbox_args *)arg)->changed);
}

static pqcha_err sqlite_outbox_clear(void *impl, uint64_t *removed) {
    outbox_args a = {0, 0, 0, 0, 0, 0};
    pqcha_err err = write_in_group(impl, clear_all, &a);
    *removed = err == PQCHA_OK ? (uint64_t)a.changed : 0;
    return err;
}

/* ---- the transparency log: reading and checkpoints ---- */

static pqcha_err sqlite_log_size(void *impl, uint64_t *size) {
    connection *c = lock_reader(impl);
    return unlock(c, log_head_size(c->db, size));
}

static pqcha_err sqlite_log_hashes(void *impl, unsigned level, uint64_t from, unsigned count,
                                   uint8_t *out) {
    connection *c = lock_reader(impl);
    return unlock(c, read_hashes(c->db, level, from, count, out));
}

static pqcha_err sqlite_log_entries(void *impl, uint64_t from, unsigned count, store_entry_fn fn,
                                    void *ctx) {
    connection *c = lock_reader(impl);
    sqlite3_stmt *st;
    uint64_t size = 0;
    pqcha_err err = log_head_size(c->db, &size);
    if (err == PQCHA_OK && size < from + count) err = PQCHA_ERR_NOT_FOUND;
    if (err == PQCHA_OK)
        err = prepare(c->db, &st,
                      "SELECT idx, entry FROM log_entries WHERE idx >= ? AND idx < ? ORDER BY idx",
                      "ii", (int64_t)from, (int64_t)(from + count));
    if (err != PQCHA_OK) return unlock(c, err);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const void *entry = sqlite3_column_blob(st, 1);
        if (fn(ctx, (uint64_t)sqlite3_column_int64(st, 0), entry ? entry : "",
               (size_t)sqlite3_column_bytes(st, 1)))
            break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) err = PQCHA_ERR_STORE;
    done(st);
    return unlock(c, err);
}

static pqcha_err sqlite_log_report(void *impl, const char *envelope_sha256, store_bytes_fn fn,
                                   void *ctx) {
    connection *c = lock_reader(impl);
    sqlite3_stmt *st;
    pqcha_err err =
        prepare(c->db, &st,
                "SELECT r.body FROM log_entries AS e JOIN reports AS r ON"
                " r.digest = e.digest WHERE e.envelope_sha256 = ? AND e.idx IS NOT NULL",
                "s", envelope_sha256);
    if (err != PQCHA_OK) return unlock(c, err);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const void *body = sqlite3_column_blob(st, 0);
        fn(ctx, body ? body : "", (size_t)sqlite3_column_bytes(st, 0));
    }
    err = rc == SQLITE_ROW ? PQCHA_OK : rc == SQLITE_DONE ? PQCHA_ERR_NOT_FOUND : PQCHA_ERR_STORE;
    done(st);
    return unlock(c, err);
}

typedef struct checkpoint_args {
    uint64_t size;
    const uint8_t *root;
    const char *note;
    int64_t at;
    const char *witness, *line;
} checkpoint_args;

static pqcha_err insert_checkpoint(sqlite3 *db, void *arg) {
    const checkpoint_args *a = arg;
    sqlite3_stmt *st;
    SERVICE_TRY(prepare(db, &st,
                        "INSERT INTO log_checkpoints (size, root, note, signed_at)"
                        " VALUES (?, ?, ?, ?) ON CONFLICT (size) DO NOTHING",
                        "ibsi", (int64_t)a->size, (const void *)a->root,
                        (size_t)PQCHA_TLOG_HASH_LEN, a->note, a->at));
    return run(db, st, NULL);
}

#define CHECKPOINT_COLUMNS "SELECT size, root, note, signed_at, published_at FROM log_checkpoints"

static pqcha_err sqlite_log_checkpoint(void *impl, store_checkpoint_pick pick, uint64_t size,
                                       store_checkpoint_fn fn, void *ctx) {
    connection *c = lock_reader(impl);
    sqlite3_stmt *st;
    pqcha_err err =
        pick == STORE_CHECKPOINT_OF_SIZE
            ? prepare(c->db, &st, CHECKPOINT_COLUMNS " WHERE size = ?", "i", (int64_t)size)
        : pick == STORE_CHECKPOINT_LATEST
            ? prepare(c->db, &st, CHECKPOINT_COLUMNS " ORDER BY size DESC LIMIT 1", "")
            : prepare(c->db, &st,
                      CHECKPOINT_COLUMNS " WHERE published_at IS NOT NULL ORDER BY size DESC"
                                         " LIMIT 1",
                      "");
    if (err != PQCHA_OK) return unlock(c, err);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 1) == PQCHA_TLOG_HASH_LEN) {
        store_checkpoint_row row = {(uint64_t)sqlite3_column_int64(st, 0),
                                    sqlite3_column_blob(st, 1), column_text(st, 2),
                                    sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4)};
        fn(ctx, &row);
    }
    err = rc == SQLITE_DONE ? PQCHA_ERR_NOT_FOUND
          : rc == SQLITE_ROW && sqlite3_column_bytes(st, 1) == PQCHA_TLOG_HASH_LEN
              ? PQCHA_OK
              : PQCHA_ERR_STORE;
    done(st);
    return unlock(c, err);
}

static pqcha_err sqlite_log_add_checkpoint(void *impl, uint64_t size, const uint8_t root[32],
                                           const char *note, int64_t signed_at,
                                           store_checkpoint_fn fn, void *ctx) {
    checkpoint_args a = {size, root, note, signed_at, NULL, NULL};
    SERVICE_TRY(write_in_group(impl, insert_checkpoint, &a));
    return fn ? sqlite_log_checkpoint(impl, STORE_CHECKPOINT_OF_SIZE, size, fn, ctx) : PQCHA_OK;
}

/* Publishing a checkpoint forgets the unpublished ones below it: they were
 * given with acknowledgements, whose receivers keep them. */
static pqcha_err publish_checkpoint(sqlite3 *db, void *arg) {
    const checkpoint_args *a = arg;
    sqlite3_stmt *st;
    int64_t changes = 0, size = (int64_t)a->size;
    SERVICE_TRY(prepare(db, &st,
                        "UPDATE log_checkpoints SET published_at = coalesce(published_at, ?)"
                        " WHERE size = ?",
                        "ii", a->at, size));
    SERVICE_TRY(run(db, st, &changes));
    if (changes == 0) return PQCHA_ERR_NOT_FOUND;
    SERVICE_TRY(prepare(db, &st,
                        "DELETE FROM log_cosignatures WHERE size IN (SELECT size FROM"
                        " log_checkpoints WHERE published_at IS NULL AND size < ?)",
                        "i", size));
    SERVICE_TRY(run(db, st, NULL));
    SERVICE_TRY(prepare(
        db, &st, "DELETE FROM log_checkpoints WHERE published_at IS NULL AND size < ?", "i", size));
    return run(db, st, NULL);
}

static pqcha_err sqlite_log_publish(void *impl, uint64_t size, int64_t at) {
    checkpoint_args a = {size, NULL, NULL, at, NULL, NULL};
    return write_in_group(impl, publish_checkpoint, &a);
}

static pqcha_err insert_cosignature(sqlite3 *db, void *arg) {
    const checkpoint_args *a = arg;
    sqlite3_stmt *st;
    int64_t changes = 0;
    SERVICE_TRY(prepare(db, &st,
                        "INSERT INTO log_cosignatures (size, witness, line) SELECT size, ?, ?"
                        " FROM log_checkpoints WHERE size = ? ON CONFLICT (size, witness)"
                        " DO UPDATE SET line = excluded.line",
                        "ssi", a->witness, a->line, (int64_t)a->size));
    SERVICE_TRY(run(db, st, &changes));
    return changes == 1 ? PQCHA_OK : PQCHA_ERR_NOT_FOUND;
}

static pqcha_err sqlite_log_add_cosignature(void *impl, uint64_t size, const char *witness,
                                            const char *line) {
    checkpoint_args a = {size, NULL, NULL, 0, witness, line};
    return write_in_group(impl, insert_cosignature, &a);
}

static pqcha_err sqlite_log_each_cosignature(void *impl, uint64_t size, store_cosignature_fn fn,
                                             void *ctx) {
    connection *c = lock_reader(impl);
    sqlite3_stmt *st;
    pqcha_err err = prepare(c->db, &st,
                            "SELECT witness, line FROM log_cosignatures WHERE size = ?"
                            " ORDER BY witness",
                            "i", (int64_t)size);
    if (err != PQCHA_OK) return unlock(c, err);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(ctx, column_text(st, 0), column_text(st, 1));
    if (rc != SQLITE_DONE) err = PQCHA_ERR_STORE;
    done(st);
    return unlock(c, err);
}

const store_ops store_sqlite_ops = {
    "sqlite",
    sqlite_open,
    sqlite_close,
    sqlite_ping,
    sqlite_add_challenge,
    sqlite_check_challenge,
    sqlite_prune_challenges,
    sqlite_commit_report,
    sqlite_commit_report_async,
    sqlite_each_workload,
    sqlite_each_report,
    sqlite_each_event,
    sqlite_count_states,
    sqlite_mark_stale,
    sqlite_outbox_claim,
    sqlite_outbox_remove,
    sqlite_outbox_defer,
    sqlite_outbox_count,
    sqlite_outbox_clear,
    sqlite_log_size,
    sqlite_log_hashes,
    sqlite_log_entries,
    sqlite_log_report,
    sqlite_log_add_checkpoint,
    sqlite_log_checkpoint,
    sqlite_log_publish,
    sqlite_log_add_cosignature,
    sqlite_log_each_cosignature,
};
