/* test_challenge_cache.c — the service's memory of the challenges it
 * issued (service/challenge_cache.h): it says "open" only for a challenge
 * put for that workload, unexpired and not forgotten, and never for
 * anything malformed; a newer challenge may take an older one's slot. */
#include <stdio.h>
#include <string.h>

#include "service/challenge_cache.h"
#include "testutil.h"

#define NONCE_A \
    "00aa"      \
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab"
#define NONCE_B \
    "00aa"      \
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
#define NONCE_BAD \
    "zzaa"        \
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab"
#define NONCE_C \
    "7f00"      \
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab"

static void test_open_only_for_its_workload_until_it_expires(void) {
    challenge_cache *c = NULL;
    REQUIRE(challenge_cache_create(&c) == PQCHA_OK);
    challenge_cache_put(c, NONCE_A, "w1", 100);
    CHECK(challenge_cache_open(c, NONCE_A, "w1", 99) == 1);
    CHECK(challenge_cache_open(c, NONCE_A, "w1", 100) == 0); /* expires_at <= now: expired */
    CHECK(challenge_cache_open(c, NONCE_A, "w2", 99) == 0);
    CHECK(challenge_cache_open(c, NONCE_C, "w1", 99) == 0); /* never put */
    challenge_cache_free(c);
}

static void test_forgotten_and_displaced_challenges_go_to_the_store(void) {
    challenge_cache *c = NULL;
    REQUIRE(challenge_cache_create(&c) == PQCHA_OK);
    challenge_cache_put(c, NONCE_A, "w1", 100);
    challenge_cache_put(c, NONCE_C, "w1", 100);
    challenge_cache_forget(c, NONCE_A);
    CHECK(challenge_cache_open(c, NONCE_A, "w1", 0) == 0);
    CHECK(challenge_cache_open(c, NONCE_C, "w1", 0) == 1); /* another slot: kept */
    challenge_cache_put(c, NONCE_A, "w1", 100);
    challenge_cache_put(c, NONCE_B, "w1", 100); /* the same slot: the newer stays */
    CHECK(challenge_cache_open(c, NONCE_A, "w1", 0) == 0);
    CHECK(challenge_cache_open(c, NONCE_B, "w1", 0) == 1);
    challenge_cache_forget(c, NONCE_A); /* not there any more: B is kept */
    CHECK(challenge_cache_open(c, NONCE_B, "w1", 0) == 1);
    challenge_cache_free(c);
}

static void test_malformed_nonces_and_long_workloads_are_never_open(void) {
    challenge_cache *c = NULL;
    char long_workload[200];
    memset(long_workload, 'w', sizeof long_workload - 1);
    long_workload[sizeof long_workload - 1] = '\0';
    REQUIRE(challenge_cache_create(&c) == PQCHA_OK);
    challenge_cache_put(c, "00aa", "w1", 100);    /* too short: not kept */
    challenge_cache_put(c, NONCE_BAD, "w1", 100); /* not hex */
    challenge_cache_put(c, NONCE_A, long_workload, 100);
    CHECK(challenge_cache_open(c, "00aa", "w1", 0) == 0);
    CHECK(challenge_cache_open(c, NONCE_BAD, "w1", 0) == 0);
    CHECK(challenge_cache_open(c, NONCE_A, long_workload, 0) == 0);
    CHECK(challenge_cache_open(c, NONCE_A "00", "w1", 0) == 0);
    CHECK_ERR(challenge_cache_create(NULL), PQCHA_ERR_INVALID_ARGUMENT);
    challenge_cache_free(NULL);
    challenge_cache_free(c);
}

TEST_MAIN(TEST(test_open_only_for_its_workload_until_it_expires),
          TEST(test_forgotten_and_displaced_challenges_go_to_the_store),
          TEST(test_malformed_nonces_and_long_workloads_are_never_open))
