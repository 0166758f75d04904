/* tlog_note.h — the signed-note rules the checkpoint unit shares. */
#ifndef PQCHA_TLOG_NOTE_H
#define PQCHA_TLOG_NOTE_H

#include <stddef.h>
#include <stdint.h>

#include "pqcha/error.h"

/* A note's bytes: UTF-8 with no control character but the newline
 * (C2SP signed-note). PQCHA_ERR_LOG_TEXT otherwise. */
pqcha_err pqcha__note_text_check(const uint8_t *s, size_t len);
/* A key name: 1..255 bytes of UTF-8 with no control character, no Unicode
 * space and no '+'. 1 or 0. */
int pqcha__note_name_valid(const char *name, size_t len);

#endif
