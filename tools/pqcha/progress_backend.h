/* progress_backend.h — a backend wrapper that draws a progress line on a
 * terminal while a large region is read (the library never prints, so the
 * CLI watches the bytes flow through instead). */
#ifndef PQCHA_PROGRESS_BACKEND_H
#define PQCHA_PROGRESS_BACKEND_H

#include "pqcha.h"

/* A backend that forwards to inner (which must outlive it) and shows
 * progress for regions of at least CLI_PROGRESS_MIN_BYTES. Reads through it
 * are never concurrent, so one line is drawn at a time. NULL on failure. */
pqcha_backend *progress_backend_wrap(pqcha_backend *inner);

#endif
