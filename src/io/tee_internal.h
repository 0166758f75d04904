/* tee_internal.h — the interfaces a pqcha_evidence_source tries
 * (evidence_source.c), each in its own unit: configfs-tsm (tsm_report.c)
 * and the guest devices (tee_device.c), and the retry policy they share.
 * Private to src/io. */
#ifndef PQCHA_TEE_INTERNAL_H
#define PQCHA_TEE_INTERNAL_H

#include <errno.h>
#include <stdint.h>
#include <time.h>

#include "pqcha/tee.h"

/* The platform a request accepts. */
typedef enum pqcha__tee_platform {
    PQCHA__TEE_ANY = 0,
    PQCHA__TEE_SNP = 1,
    PQCHA__TEE_TDX = 2
} pqcha__tee_platform;

/* Tries per request, and the longest pause between two. A busy TEE is
 * usually another request of this machine finishing; a few short retries
 * ride that out, while a provider busy for longer is the caller's to wait
 * for (DEVICE_BUSY), not a library call that hangs. */
#define PQCHA__TEE_ATTEMPTS     8u
#define PQCHA__TEE_MAX_PAUSE_MS 4L

/* The errnos that mean "not now" rather than "no": the TDX driver's quote
 * still in flight (EBUSY), a wait cut short (EINTR, ETIMEDOUT), EAGAIN. */
static inline int pqcha__tee_errno_is_busy(int e) {
    return e == EBUSY || e == EAGAIN || e == EINTR || e == ETIMEDOUT;
}

/* 1, 2, then 4 ms before the next try. */
static inline void pqcha__tee_pause(unsigned attempt) {
    long ms = attempt < 2 ? 1L << attempt : PQCHA__TEE_MAX_PAUSE_MS;
    struct timespec t = {0, ms * 1000000L};
    while (nanosleep(&t, &t) != 0 && errno == EINTR) {
    }
}

/* configfs-tsm under root (tsm_report.c): one private entry per try, as
 * pqcha/tee.h describes. DEVICE_NOT_PRESENT when root is absent, is not a
 * configfs-tsm directory, or its provider is not `want`.
 * Returns: OK, DEVICE_NOT_PRESENT, PERMISSION, OUT_OF_RANGE, DEVICE_BUSY,
 * EVIDENCE_CHANGED, TOO_LARGE, BAD_EVIDENCE, RNG, IO, NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha__tsm_get(const char *root, pqcha__tee_platform want, unsigned privlevel,
                         const uint8_t report_data[PQCHA_TEE_REPORT_DATA_LEN],
                         pqcha_raw_evidence **out);

/* An SEV-SNP report from the /dev/sev-guest device at path (tee_device.c).
 * Returns: OK, DEVICE_NOT_PRESENT (no such file, or not a character
 * device), PERMISSION, DEVICE_BUSY, BAD_EVIDENCE, BAD_CERTIFICATE, IO,
 * NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha__snp_device_get(const char *path, unsigned vmpl,
                                const uint8_t report_data[PQCHA_TEE_REPORT_DATA_LEN],
                                pqcha_raw_evidence **out);

/* What /dev/tdx_guest can give as evidence: nothing (tee_device.c).
 * Returns: DEVICE_NOT_PRESENT. */
PQCHA_MUST_CHECK
pqcha_err pqcha__tdx_device_get(void);

#endif
