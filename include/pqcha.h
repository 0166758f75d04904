/* pqcha.h — post-quantum signed runtime memory attestation (libpqcha).
 * The umbrella header: include this one. Format: docs/FORMAT.md. */
#ifndef PQCHA_H
#define PQCHA_H

#define PQCHA_VERSION_STRING "0.2.0"

#include "pqcha/attest.h"
#include "pqcha/backend.h"
#include "pqcha/crypto.h"
#include "pqcha/error.h"
#include "pqcha/evidence.h"
#include "pqcha/files.h"
#include "pqcha/manifest.h"
#include "pqcha/policy.h"
#include "pqcha/report.h"
#include "pqcha/tee.h"
#include "pqcha/tlog.h"
#include "pqcha/verify.h"

#ifdef __cplusplus
extern "C" {
#endif
/* The library's version, e.g. "0.2.0", and the OpenSSL it was built with. */
const char *pqcha_version(void);
const char *pqcha_crypto_version(void);
#ifdef __cplusplus
}
#endif
#endif
