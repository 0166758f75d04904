/* envelope.h — the DSSE envelope: {payloadType, payload, signatures[1]}. */
#ifndef PQCHA_ENVELOPE_H
#define PQCHA_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#include "pqcha.h"

typedef struct pqcha__envelope {
    uint8_t *payload; /* decoded payload bytes (NUL-terminated for convenience) */
    size_t payload_len;
    char *key_id; /* signatures[0].keyid */
    uint8_t *sig; /* decoded signatures[0].sig */
    size_t sig_len;
} pqcha__envelope;

/* DSSE v1 pre-authentication encoding:
 * "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, LEN in ASCII decimal. */
pqcha_err pqcha__pae(uint8_t **out, size_t *out_len, const char *payload_type,
                     const uint8_t *payload, size_t payload_len);

/* Strict decode (docs/FORMAT.md "Envelope"): caps, exactly the three fields,
 * payloadType == PQCHA_PAYLOAD_TYPE, exactly one signature with keyid
 * (64 lowercase hex) and sig (canonical base64 whose length is one of the
 * ML-DSA signature lengths). */
pqcha_err pqcha__envelope_decode(pqcha__envelope *out, const char *json, size_t len);
void pqcha__envelope_clear(pqcha__envelope *env);

/* Signs payload with key (PAE over PQCHA_PAYLOAD_TYPE) and returns the
 * envelope JSON (compact, NUL-terminated, free with pqcha_free). */
pqcha_err pqcha__envelope_sign(char **out, size_t *out_len, const pqcha_key *key,
                               const uint8_t *payload, size_t payload_len);

#endif
