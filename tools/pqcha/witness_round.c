/* witness_round.c — the witness's state and one round (see witness.h).
 *
 * The state is the last checkpoint the witness cosigned, as a signed note
 * (the log's signature line, ours, and any others the log carried): the
 * file proves itself, and an operator who will not trust a first
 * checkpoint can put one obtained out of band there before the first run.
 * It is replaced atomically, and always before a cosignature leaves the
 * witness, so that nothing it ever signed is older than its state. */
#include "witness.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#define STATE_MODE 0644 /* checkpoints are public */

int witness_exit_for(pqcha_err err) {
    switch (err) {
    case PQCHA_OK: return CLI_EXIT_OK;
    case PQCHA_ERR_LOG_FORK:
    case PQCHA_ERR_LOG_ROLLBACK:
    case PQCHA_ERR_LOG_PROOF:
    case PQCHA_ERR_LOG_PROOF_SIZE:
    case PQCHA_ERR_LOG_TILE:
    case PQCHA_ERR_LOG_TILE_SIZE: return CLI_EXIT_DRIFT;
    case PQCHA_ERR_UNTRUSTED_KEY:
    case PQCHA_ERR_BAD_SIGNATURE:
    case PQCHA_ERR_BAD_SIGNATURE_LENGTH:
    case PQCHA_ERR_LOG_ORIGIN: return CLI_EXIT_REJECTED;
    case PQCHA_ERR_LOG_CHECKPOINT:
    case PQCHA_ERR_LOG_TREE_SIZE:
    case PQCHA_ERR_LOG_TEXT:
    case PQCHA_ERR_LOG_NOTE: return CLI_EXIT_MALFORMED;
    default: return pqcha_error_is_malformed(err) ? CLI_EXIT_MALFORMED : CLI_EXIT_USAGE;
    }
}

/* ---- the state ---- */

static int state_error(const struct witness *w, const char *what, pqcha_err err, const char *hint) {
    char about[1200];
    snprintf(about, sizeof about, "state %s: %s", w->state_path, what);
    cli_error(about, err, hint);
    return 0;
}

static char *path_with(const char *path, const char *suffix) {
    size_t len = strlen(path) + strlen(suffix) + 1;
    char *out = malloc(len);
    if (out) snprintf(out, len, "%s%s", path, suffix);
    return out;
}

/* One witness per state: a second one would cosign from a stale state. The
 * lock is a file of its own, since the state file is replaced by rename. */
static int lock_state(struct witness *w) {
    char *path = path_with(w->state_path, ".lock");
    if (!path) return state_error(w, "lock", PQCHA_ERR_NO_MEMORY, NULL);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    int e = errno;
    if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) != 0) {
        e = errno;
        close(fd);
        fd = -1;
    }
    free(path);
    if (fd >= 0) {
        w->lock_fd = fd;
        return 1;
    }
    if (e == EWOULDBLOCK)
        return state_error(w, "lock", PQCHA_ERR_IN_USE,
                           "another 'pqcha witness' uses this state file; run one per state");
    return state_error(w, "lock file", cli_error_from_errno(e), NULL);
}

static void state_forget(struct witness *w) {
    free(w->state_note);
    pqcha_checkpoint_free(w->state_cp);
    pqcha_note_free(w->state_parsed);
    w->state_note = NULL;
    w->state_len = 0;
    w->state_cp = NULL;
    w->state_parsed = NULL;
}

/* Takes note (malloc'd) as the state; it must open with the log's key. */
static pqcha_err state_adopt(struct witness *w, char *note, size_t len) {
    pqcha_checkpoint *cp = NULL;
    pqcha_note *parsed = NULL;
    pqcha_err err = pqcha_checkpoint_open(&cp, note, len, w->origin, w->log_key);
    if (err == PQCHA_OK) err = pqcha_note_parse(&parsed, note, len);
    if (err != PQCHA_OK) {
        pqcha_checkpoint_free(cp);
        return err;
    }
    state_forget(w);
    w->state_note = note;
    w->state_len = len;
    w->state_cp = cp;
    w->state_parsed = parsed;
    return PQCHA_OK;
}

int witness_open(struct witness *w) {
    w->lock_fd = -1;
    if (!lock_state(w)) return 0;
    char *text = NULL;
    size_t len = 0;
    pqcha_err err = cli_read_file(w->state_path, PQCHA_NOTE_MAX_LEN, &text, &len);
    if (err == PQCHA_ERR_NOT_FOUND) return 1; /* the first run */
    if (err != PQCHA_OK) return state_error(w, "cannot be read", err, NULL);
    err = state_adopt(w, text, len);
    if (err != PQCHA_OK) {
        free(text);
        return state_error(w, "not a checkpoint signed by this log's key for its origin", err,
                           "the state is the last checkpoint this witness cosigned; it must not "
                           "be edited or shared between logs");
    }
    return 1;
}

void witness_close(struct witness *w) {
    state_forget(w);
    if (w->lock_fd >= 0) close(w->lock_fd); /* releases the lock */
    w->lock_fd = -1;
}

/* ---- one round ---- */

static void say(struct witness_round *r, const char *fmt, ...) CLI_PRINTF(2, 3);
static void say(struct witness_round *r, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->message, sizeof r->message, fmt, ap);
    va_end(ap);
}

static void fail(struct witness_round *r, pqcha_err err) {
    r->err = err;
    r->action = WITNESS_REFUSED;
}

static unsigned long long ull(uint64_t v) {
    return (unsigned long long)v;
}

/* The new checkpoint, opened with the log's key for its origin; a refusal
 * says which rule it broke. */
static int open_checkpoint(const struct witness *w, const char *note, size_t len,
                           pqcha_checkpoint **cp, pqcha_note **parsed, struct witness_round *r) {
    pqcha_err err = pqcha_checkpoint_open(cp, note, len, w->origin, w->log_key);
    if (err == PQCHA_OK) err = pqcha_note_parse(parsed, note, len);
    if (err == PQCHA_OK) return 1;
    fail(r, err);
    /* Which log does it claim to be? Read unverified, for the message only. */
    pqcha_note *claim = NULL;
    pqcha_checkpoint *body = NULL;
    if ((err == PQCHA_ERR_UNTRUSTED_KEY || err == PQCHA_ERR_LOG_ORIGIN) &&
        pqcha_note_parse(&claim, note, len) == PQCHA_OK &&
        pqcha_checkpoint_parse(&body, pqcha_note_text(claim), pqcha_note_text_length(claim)) ==
            PQCHA_OK &&
        strcmp(pqcha_checkpoint_origin(body), w->origin) != 0) {
        r->err = PQCHA_ERR_LOG_ORIGIN;
        say(r, "refused: a checkpoint of another log: origin '%s', not '%s' [LOG_ORIGIN]",
            cli_escaped(pqcha_checkpoint_origin(body)), cli_escaped(w->origin));
    } else if (err == PQCHA_ERR_UNTRUSTED_KEY) {
        say(r, "refused: the checkpoint carries no signature by the log's key as '%s' [%s]",
            cli_escaped(w->origin), pqcha_error_name(err));
    } else if (err == PQCHA_ERR_BAD_SIGNATURE || err == PQCHA_ERR_BAD_SIGNATURE_LENGTH) {
        say(r, "refused: the log's signature on the checkpoint does not verify: %s [%s]",
            pqcha_strerror(err), pqcha_error_name(err));
    } else {
        say(r, "refused: not a well-formed signed checkpoint: %s [%s]", pqcha_strerror(err),
            pqcha_error_name(err));
    }
    pqcha_checkpoint_free(body);
    pqcha_note_free(claim);
    return 0;
}

static void root_text(char out[64], const pqcha_checkpoint *cp) {
    char *b64 = NULL;
    if (pqcha_base64_encode(&b64, NULL, pqcha_checkpoint_root(cp), PQCHA_TLOG_HASH_LEN) == PQCHA_OK)
        snprintf(out, 64, "%s", b64);
    else
        snprintf(out, 64, "?");
    pqcha_free(b64);
}

/* Two checkpoints of one size with different roots, both signed by the
 * log: proof that it showed two trees. Kept next to the state. */
static int keep_fork_evidence(const struct witness *w, const char *note, size_t len) {
    char *path = path_with(w->state_path, ".fork");
    pqcha_err err =
        path ? pqcha_file_write_atomic(path, note, len, STATE_MODE, 1) : PQCHA_ERR_NO_MEMORY;
    if (err != PQCHA_OK) cli_error(path ? path : "fork evidence", err, NULL);
    free(path);
    return err == PQCHA_OK;
}

static void refuse_inconsistent(const struct witness *w, const pqcha_checkpoint *cp,
                                const char *note, size_t len, pqcha_err err,
                                struct witness_round *r) {
    fail(r, err);
    if (err == PQCHA_ERR_LOG_ROLLBACK) {
        say(r, "refused: the log rolled back: size %llu after size %llu was cosigned [%s]",
            ull(r->new_size), ull(r->old_size), pqcha_error_name(err));
    } else if (err == PQCHA_ERR_LOG_FORK) {
        char seen[64], now[64];
        root_text(seen, w->state_cp);
        root_text(now, cp);
        r->evidence_saved = keep_fork_evidence(w, note, len);
        say(r,
            "refused: the log forked: size %llu with root %s, but the checkpoint of that size "
            "cosigned before has root %s%s%s%s [%s]",
            ull(r->new_size), now, seen,
            r->evidence_saved ? "; both signed checkpoints are kept: " : "",
            r->evidence_saved ? cli_escaped(w->state_path) : "",
            r->evidence_saved ? " and its .fork" : "", pqcha_error_name(err));
    } else if (err == PQCHA_ERR_LOG_PROOF || err == PQCHA_ERR_LOG_PROOF_SIZE) {
        say(r,
            "refused: the consistency proof from size %llu to %llu does not verify: %s; the "
            "new tree is not shown to extend the one cosigned [%s]",
            ull(r->old_size), ull(r->new_size), pqcha_strerror(err), pqcha_error_name(err));
    } else {
        say(r, "refused: consistency with size %llu not established: %s [%s]", ull(r->old_size),
            pqcha_strerror(err), pqcha_error_name(err));
    }
}

/* The new checkpoint extends the state's: a proof from size m to n, from
 * the proof source when both trees have leaves and differ in size. */
static int check_consistency(const struct witness *w, const pqcha_checkpoint *cp, const char *note,
                             size_t len, witness_proof_fn proof, void *proof_ctx,
                             struct witness_round *r) {
    uint8_t *hashes = NULL;
    size_t count = 0;
    if (r->old_size > 0 && r->old_size < r->new_size) {
        char why[600] = "";
        pqcha_err err =
            proof(proof_ctx, r->old_size, r->new_size, &hashes, &count, why, sizeof why);
        if (err != PQCHA_OK) {
            fail(r, err);
            say(r, "%s: no consistency proof from size %llu to %llu: %s [%s]",
                witness_exit_for(err) == CLI_EXIT_USAGE ? "not cosigned" : "refused",
                ull(r->old_size), ull(r->new_size), why[0] ? why : pqcha_strerror(err),
                pqcha_error_name(err));
            return 0;
        }
    }
    pqcha_err err = pqcha_checkpoint_verify_consistency(w->state_cp, cp, hashes, count);
    pqcha_free(hashes);
    if (err == PQCHA_OK) return 1;
    refuse_inconsistent(w, cp, note, len, err, r);
    return 0;
}

static int same_text(const pqcha_note *a, const pqcha_note *b) {
    return a && b && pqcha_note_text_length(a) == pqcha_note_text_length(b) &&
           memcmp(pqcha_note_text(a), pqcha_note_text(b), pqcha_note_text_length(a)) == 0;
}

static int carries_ours(const struct witness *w, const pqcha_note *n, pqcha_err *why) {
    pqcha_err err = n ? pqcha_note_verify_key(n, w->name, w->key) : PQCHA_ERR_UNTRUSTED_KEY;
    if (why) *why = err;
    return err == PQCHA_OK;
}

/* The checkpoint with our cosignature in r->cosigned (malloc'd): the
 * note as it is if it carries a valid one already. */
static pqcha_err cosigned_copy(const struct witness *w, const char *note, size_t len, int ours,
                               struct witness_round *r) {
    char *signed_note = NULL;
    size_t signed_len = len;
    if (!ours) {
        pqcha_err err = pqcha_note_cosign(&signed_note, &signed_len, note, len, w->name, w->key);
        if (err != PQCHA_OK) return err;
        note = signed_note;
    }
    r->cosigned = malloc(signed_len + 1);
    if (r->cosigned) {
        memcpy(r->cosigned, note, signed_len);
        r->cosigned[signed_len] = '\0';
        r->cosigned_len = signed_len;
    }
    pqcha_free(signed_note);
    return r->cosigned ? PQCHA_OK : PQCHA_ERR_NO_MEMORY;
}

/* The cosigned checkpoint becomes the state: on disk first, then here. */
static pqcha_err save_state(struct witness *w, const struct witness_round *r) {
    char *copy = malloc(r->cosigned_len + 1);
    if (!copy) return PQCHA_ERR_NO_MEMORY;
    memcpy(copy, r->cosigned, r->cosigned_len + 1);
    pqcha_err err =
        pqcha_file_write_atomic(w->state_path, r->cosigned, r->cosigned_len, STATE_MODE, 1);
    if (err == PQCHA_OK) err = state_adopt(w, copy, r->cosigned_len);
    if (err != PQCHA_OK) free(copy);
    return err;
}

/* Cosigns the (consistent) checkpoint and advances the state, durably,
 * before anyone sees the cosignature. */
static void cosign(struct witness *w, const char *note, size_t len, const pqcha_note *parsed,
                   struct witness_round *r) {
    pqcha_err mine;
    int ours = carries_ours(w, parsed, &mine);
    int known = same_text(parsed, w->state_parsed);
    int first = w->state_cp == NULL;
    int state_ours = carries_ours(w, w->state_parsed, NULL);
    pqcha_err err = cosigned_copy(w, note, len, ours, r);
    char failed[1100] = "not cosigned";
    if (err == PQCHA_OK && !(known && state_ours)) {
        err = save_state(w, r);
        snprintf(failed, sizeof failed, "not cosigned: the state %s cannot be saved",
                 cli_escaped(w->state_path));
    }
    if (err != PQCHA_OK) {
        free(r->cosigned);
        r->cosigned = NULL;
        r->cosigned_len = 0;
        fail(r, err);
        say(r, "%s: %s [%s]", failed, pqcha_strerror(err), pqcha_error_name(err));
        return;
    }
    r->publish = !ours;
    const char *replaced =
        mine == PQCHA_ERR_BAD_SIGNATURE || mine == PQCHA_ERR_BAD_SIGNATURE_LENGTH
            ? " (the log's copy carried a cosignature under our name that does not verify: "
              "replaced)"
            : "";
    r->action = first ? WITNESS_FIRST : known && state_ours ? WITNESS_UNCHANGED : WITNESS_COSIGNED;
    if (first)
        say(r, "size %llu: no state yet: trusted on first use and cosigned%s", ull(r->new_size),
            replaced);
    else if (known && state_ours)
        say(r, "size %llu: already cosigned%s%s", ull(r->new_size),
            ours ? "" : "; the log's copy lacks our cosignature", replaced);
    else if (known)
        say(r, "size %llu: the checkpoint the state holds: cosigned%s", ull(r->new_size), replaced);
    else
        say(r, "size %llu: consistent with size %llu: cosigned%s", ull(r->new_size),
            ull(r->old_size), replaced);
}

int witness_round_run(struct witness *w, const char *note, size_t len, witness_proof_fn proof,
                      void *proof_ctx, struct witness_round *r) {
    memset(r, 0, sizeof *r);
    pqcha_checkpoint *cp = NULL;
    pqcha_note *parsed = NULL;
    r->old_size = w->state_cp ? pqcha_checkpoint_size(w->state_cp) : 0;
    if (open_checkpoint(w, note, len, &cp, &parsed, r)) {
        r->new_size = pqcha_checkpoint_size(cp);
        if (!w->state_cp || check_consistency(w, cp, note, len, proof, proof_ctx, r))
            cosign(w, note, len, parsed, r);
    }
    pqcha_checkpoint_free(cp);
    pqcha_note_free(parsed);
    r->exit_code = witness_exit_for(r->err);
    return r->exit_code;
}

void witness_round_clear(struct witness_round *r) {
    free(r->cosigned);
    memset(r, 0, sizeof *r);
}

/* ---- the consistency proof file ---- */

pqcha_err witness_proof_file_parse(uint64_t *old_size, uint64_t *new_size, uint8_t **proof,
                                   size_t *count, const char *text, size_t len) {
    pqcha_tlog_consistency *c = NULL;
    *old_size = *new_size = 0;
    *proof = NULL;
    *count = 0;
    pqcha_err err = pqcha_tlog_consistency_parse(&c, text, len);
    size_t n = 0;
    const uint8_t *hashes = c ? pqcha_tlog_consistency_hashes(c, &n) : NULL;
    if (err == PQCHA_OK && n > 0 && !(*proof = malloc(n * PQCHA_TLOG_HASH_LEN)))
        err = PQCHA_ERR_NO_MEMORY;
    if (err == PQCHA_OK) {
        if (n > 0) memcpy(*proof, hashes, n * PQCHA_TLOG_HASH_LEN);
        *count = n;
        *old_size = pqcha_tlog_consistency_old_size(c);
        *new_size = pqcha_tlog_consistency_new_size(c);
    }
    pqcha_tlog_consistency_free(c);
    return err;
}
