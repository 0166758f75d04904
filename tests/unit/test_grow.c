/* test_grow.c — the capped growth helper every growing array uses. */
#include <stdint.h>

#include "base/grow.h"
#include "testutil.h"

static void test_grows_by_doubling_and_keeps_items(void) {
    int *items = NULL;
    size_t cap = 0;
    CHECK_OK(pqcha__grow(&items, &cap, 1, sizeof *items, 1000));
    CHECK(items != NULL && cap == 8);
    for (int i = 0; i < 8; i++)
        items[i] = i * 3;
    CHECK_OK(pqcha__grow(&items, &cap, 8, sizeof *items, 1000)); /* room already */
    CHECK(cap == 8);
    CHECK_OK(pqcha__grow(&items, &cap, 9, sizeof *items, 1000));
    CHECK(cap == 16);
    CHECK_OK(pqcha__grow(&items, &cap, 100, sizeof *items, 1000));
    CHECK(cap == 128);
    for (int i = 0; i < 8; i++)
        CHECK(items[i] == i * 3);
    free(items);
}

static void test_cap_is_a_limit(void) {
    char *bytes = NULL;
    size_t cap = 0;
    CHECK_OK(pqcha__grow(&bytes, &cap, 10, 1, 12));
    CHECK(cap == 12); /* clamped to the limit, not doubled past it */
    char *before = bytes;
    CHECK_ERR(pqcha__grow(&bytes, &cap, 13, 1, 12), PQCHA_ERR_TOO_LARGE);
    CHECK(bytes == before && cap == 12); /* nothing changed on error */
    free(bytes);
}

static void test_size_overflow_is_no_memory(void) {
    uint64_t *items = NULL;
    size_t cap = 0;
    CHECK_ERR(pqcha__grow(&items, &cap, SIZE_MAX / 4, sizeof *items, SIZE_MAX),
              PQCHA_ERR_NO_MEMORY);
    CHECK(items == NULL && cap == 0);
}

TEST_MAIN(TEST(test_grows_by_doubling_and_keeps_items), TEST(test_cap_is_a_limit),
          TEST(test_size_overflow_is_no_memory))
