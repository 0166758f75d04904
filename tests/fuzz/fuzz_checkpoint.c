/* fuzz_checkpoint.c — libFuzzer target for the transparency log's text
 * decoders: signed notes (C2SP signed-note) and checkpoint bodies (C2SP
 * tlog-checkpoint), docs/FORMAT.md 9.4-9.5. The input is parsed as a note,
 * its text as a checkpoint, and the whole input as a checkpoint too.
 * Invariants: a failure leaves no output; what parses is written back to
 * exactly the bytes read (each decoder accepts one spelling only, the one
 * its encoder writes); verifying a parsed note with a real key returns one
 * of its documented codes. Violations trap; leaks and overreads show up
 * under ASan. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/encoding.h"
#include "pqcha.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static pqcha_key *fuzz_key;

static void check_checkpoint(const char *text, size_t len) {
    pqcha_checkpoint *cp = NULL;
    if (pqcha_checkpoint_parse(&cp, text, len) != PQCHA_OK) {
        if (cp != NULL) __builtin_trap();
        return;
    }
    const char *origin = pqcha_checkpoint_origin(cp);
    if (origin == NULL || strlen(origin) == 0 || strlen(origin) > PQCHA_CHECKPOINT_MAX_ORIGIN ||
        pqcha_checkpoint_size(cp) > PQCHA_TLOG_MAX_SIZE)
        __builtin_trap();
    char *again = NULL;
    size_t again_len = 0;
    if (pqcha_checkpoint_encode(&again, &again_len, origin, pqcha_checkpoint_size(cp),
                                pqcha_checkpoint_root(cp),
                                pqcha_checkpoint_extensions(cp)) != PQCHA_OK ||
        again_len != len || memcmp(again, text, len) != 0)
        __builtin_trap();
    pqcha_free(again);
    pqcha_checkpoint_free(cp);
}

/* "— name base64(key ID || signature)\n" for signature i. */
static size_t append_line(char *out, const pqcha_note *n, size_t i) {
    size_t sig_len = pqcha_note_signature_length(n, i);
    uint8_t *bytes = malloc(4 + sig_len);
    char *b64 = NULL;
    if (bytes == NULL) __builtin_trap();
    uint32_t id = pqcha_note_signature_key_id(n, i);
    for (int k = 0; k < 4; k++)
        bytes[k] = (uint8_t)(id >> (24 - 8 * k));
    memcpy(bytes + 4, pqcha_note_signature(n, i), sig_len);
    if (pqcha__base64_encode(&b64, NULL, bytes, 4 + sig_len) != PQCHA_OK) __builtin_trap();
    const char *name = pqcha_note_signature_name(n, i);
    size_t name_len = strlen(name), b64_len = strlen(b64), at = 0;
    memcpy(out + at, "\xe2\x80\x94 ", 4), at += 4;
    memcpy(out + at, name, name_len), at += name_len;
    out[at++] = ' ';
    memcpy(out + at, b64, b64_len), at += b64_len;
    out[at++] = '\n';
    free(b64);
    free(bytes);
    return at;
}

/* The longest line: "— ", a 255-byte name, a space, base64 of 4 + 8 KiB, "\n". */
#define MAX_LINE 12000

static void check_round_trip(const pqcha_note *n, const uint8_t *data, size_t size) {
    char *again = malloc(size + MAX_LINE);
    if (again == NULL) __builtin_trap();
    size_t at = pqcha_note_text_length(n);
    memcpy(again, pqcha_note_text(n), at);
    again[at++] = '\n';
    for (size_t i = 0; i < pqcha_note_signature_count(n); i++) {
        at += append_line(again + at, n, i);
        if (at > size) __builtin_trap(); /* more than was read */
    }
    if (at != size || memcmp(again, data, size) != 0) __builtin_trap();
    free(again);
}

static void check_verification(const pqcha_note *n) {
    const char *name = pqcha_note_signature_name(n, 0);
    pqcha_err err = pqcha_note_verify_key(n, name, fuzz_key);
    if (err != PQCHA_ERR_UNTRUSTED_KEY && err != PQCHA_ERR_BAD_SIGNATURE &&
        err != PQCHA_ERR_BAD_SIGNATURE_LENGTH)
        __builtin_trap();
    pqcha_checkpoint *cp = NULL;
    err = pqcha_checkpoint_open(&cp, NULL, 0, name, fuzz_key);
    if (err != PQCHA_ERR_INVALID_ARGUMENT || cp != NULL) __builtin_trap();
}

static void check_note(const uint8_t *data, size_t size) {
    pqcha_note *n = NULL;
    if (pqcha_note_parse(&n, (const char *)data, size) != PQCHA_OK) {
        if (n != NULL) __builtin_trap();
        return;
    }
    size_t count = pqcha_note_signature_count(n), text_len = pqcha_note_text_length(n);
    const char *text = pqcha_note_text(n);
    if (count == 0 || count > PQCHA_NOTE_MAX_SIGNATURES || text_len == 0 || text_len >= size ||
        text[text_len - 1] != '\n' || strlen(text) != text_len)
        __builtin_trap();
    for (size_t i = 0; i < count; i++)
        if (pqcha_note_signature_length(n, i) == 0 || pqcha_note_signature_name(n, i) == NULL)
            __builtin_trap();
    check_round_trip(n, data, size);
    check_verification(n);
    check_checkpoint(text, text_len);
    pqcha_note_free(n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (fuzz_key == NULL && pqcha_key_generate(&fuzz_key, PQCHA_ML_DSA_44) != PQCHA_OK)
        __builtin_trap();
    check_note(data, size);
    check_checkpoint((const char *)data, size);
    return 0;
}
