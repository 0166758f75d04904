/* witness.h — the witness of a transparency log ("pqcha witness"): its
 * state (the last checkpoint it cosigned, in one file) and one round (a
 * new checkpoint opened with the log's key, checked for consistency with
 * the state, cosigned, the state advanced). witness.c drives it: offline
 * from files, online from a log's HTTP endpoints. */
#ifndef PQCHA_WITNESS_H
#define PQCHA_WITNESS_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"

#define WITNESS_CMD "witness"

/* Who witnesses what, and what it last cosigned. */
struct witness {
    const char *origin; /* the log's origin: the key name of its signatures */
    const pqcha_key *log_key;
    const char *name;       /* the witness's key name */
    const pqcha_key *key;   /* the witness's private key */
    const char *state_path; /* the last checkpoint cosigned (a signed note) */
    int lock_fd;            /* state_path.lock, held while the witness runs */
    /* The state: NULL before the first cosignature (trust on first use). */
    char *state_note;
    size_t state_len;
    pqcha_checkpoint *state_cp;
    pqcha_note *state_parsed;
};

/* Locks and loads the state (a missing file is no state yet). Prints why
 * not and returns 0 on failure: a state of another log, a malformed one,
 * one in use by another witness. */
int witness_open(struct witness *w);
void witness_close(struct witness *w);

/* Where a round's consistency proof comes from: a file, or the log's
 * tiles. Writes *count hashes to *proof (pqcha_free) or fills why. */
typedef pqcha_err (*witness_proof_fn)(void *ctx, uint64_t old_size, uint64_t new_size,
                                      uint8_t **proof, size_t *count, char *why, size_t why_len);

enum witness_action {
    WITNESS_REFUSED = 0,   /* not cosigned: see err and message */
    WITNESS_FIRST = 1,     /* no state: trusted on first use, cosigned */
    WITNESS_COSIGNED = 2,  /* consistent with the state, cosigned */
    WITNESS_UNCHANGED = 3, /* the state's checkpoint, already carrying our cosignature */
};

struct witness_round {
    enum witness_action action;
    pqcha_err err;      /* OK unless refused */
    int exit_code;      /* CLI_EXIT_*: 0 cosigned or unchanged */
    uint64_t old_size;  /* the state's size (0 without a state) */
    uint64_t new_size;  /* the new checkpoint's (0 if it did not open) */
    int publish;        /* the new checkpoint lacked our cosignature: post it */
    int evidence_saved; /* a fork: the refused checkpoint was kept in state_path.fork */
    char *cosigned;     /* the checkpoint with our cosignature (pqcha_free) */
    size_t cosigned_len;
    char message[2048]; /* what happened, untrusted parts escaped; no newline */
};

/* One round over a signed checkpoint note (untrusted bytes). Refusals and
 * failures leave the state as it was. Returns r->exit_code. */
int witness_round_run(struct witness *w, const char *note, size_t len, witness_proof_fn proof,
                      void *proof_ctx, struct witness_round *r);
void witness_round_clear(struct witness_round *r);

/* The exit code of a refusal or failure: 1 the log is not proved
 * consistent (fork, rollback, a proof or tile that does not verify), 2 a
 * checkpoint not signed by the log's key for its origin, 3 a malformed
 * checkpoint or proof, 4 anything else (I/O, the state). */
int witness_exit_for(pqcha_err err);

/* A consistency proof file (FORMAT.md 9.10): *count hashes in *proof
 * (pqcha_free). Returns the decoder's error. */
pqcha_err witness_proof_file_parse(uint64_t *old_size, uint64_t *new_size, uint8_t **proof,
                                   size_t *count, const char *text, size_t len);

#endif
