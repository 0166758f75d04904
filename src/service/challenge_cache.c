/* challenge_cache.c — see challenge_cache.h. A direct-mapped table: a
 * nonce is 32 random bytes, so its first hex digits spread slots evenly. */
#include "service/challenge_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "service/service.h"

#define SLOTS     8192u /* a power of two */
#define NONCE_HEX 64u

typedef struct slot {
    char nonce[NONCE_HEX + 1]; /* "" when empty */
    char workload[SERVICE_MAX_WORKLOAD_ID + 1];
    int64_t expires_at;
} slot;

struct challenge_cache {
    pthread_mutex_t lock;
    slot slots[SLOTS];
};

pqcha_err challenge_cache_create(challenge_cache **out) {
    if (!out) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = calloc(1, sizeof **out);
    if (!*out) return PQCHA_ERR_NO_MEMORY;
    pthread_mutex_init(&(*out)->lock, NULL);
    return PQCHA_OK;
}

void challenge_cache_free(challenge_cache *c) {
    if (!c) return;
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static int hex_value(char ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    return -1;
}

/* The slot of a well-formed nonce, or NULL. */
static slot *slot_of(challenge_cache *c, const char *nonce_hex) {
    if (strlen(nonce_hex) != NONCE_HEX) return NULL;
    unsigned index = 0;
    for (int i = 0; i < 4; i++) {
        int v = hex_value(nonce_hex[i]);
        if (v < 0) return NULL;
        index = index << 4 | (unsigned)v;
    }
    return &c->slots[index & (SLOTS - 1)];
}

void challenge_cache_put(challenge_cache *c, const char *nonce_hex, const char *workload,
                         int64_t expires_at) {
    slot *s = slot_of(c, nonce_hex);
    if (!s || strlen(workload) > SERVICE_MAX_WORKLOAD_ID) return;
    pthread_mutex_lock(&c->lock);
    memcpy(s->nonce, nonce_hex, NONCE_HEX + 1);
    strcpy(s->workload, workload);
    s->expires_at = expires_at;
    pthread_mutex_unlock(&c->lock);
}

int challenge_cache_open(challenge_cache *c, const char *nonce_hex, const char *workload,
                         int64_t now) {
    slot *s = slot_of(c, nonce_hex);
    if (!s) return 0;
    pthread_mutex_lock(&c->lock);
    int open = strcmp(s->nonce, nonce_hex) == 0 && strcmp(s->workload, workload) == 0 &&
               s->expires_at > now;
    pthread_mutex_unlock(&c->lock);
    return open;
}

void challenge_cache_forget(challenge_cache *c, const char *nonce_hex) {
    slot *s = slot_of(c, nonce_hex);
    if (!s) return;
    pthread_mutex_lock(&c->lock);
    if (strcmp(s->nonce, nonce_hex) == 0) s->nonce[0] = '\0';
    pthread_mutex_unlock(&c->lock);
}
