/* challenge_cache.h — the challenges this instance issued, kept in memory
 * so that checking a report's nonce before verification (to put the right
 * verdict in its result) costs no store read in the common case.
 *
 * It only ever says "open" (issued here for this workload, not yet seen
 * used, not expired); every other answer comes from the store, which also
 * stays the only authority: a report's commit consumes its challenge in the
 * same transaction that stores it, so a nonce this cache still holds but
 * another instance consumed is caught there (the service then answers it as
 * a replay). A fixed number of slots, the newest challenge taking the slot
 * of an older one, so memory is constant whatever the challenge rate. */
#ifndef PQCHA_SERVICE_CHALLENGE_CACHE_H
#define PQCHA_SERVICE_CHALLENGE_CACHE_H

#include <stdint.h>

#include "pqcha/error.h"

typedef struct challenge_cache challenge_cache;

pqcha_err challenge_cache_create(challenge_cache **out);
void challenge_cache_free(challenge_cache *c);
/* Remembers a challenge just stored (nonce: 64 lowercase hex; longer
 * workload ids than the service accepts are not kept). */
void challenge_cache_put(challenge_cache *c, const char *nonce_hex, const char *workload,
                         int64_t expires_at);
/* 1 when nonce_hex was put for workload, is not forgotten and expires
 * after now; 0: ask the store. */
int challenge_cache_open(challenge_cache *c, const char *nonce_hex, const char *workload,
                         int64_t now);
/* The challenge was used (or is in doubt): from now on the store answers. */
void challenge_cache_forget(challenge_cache *c, const char *nonce_hex);

#endif
