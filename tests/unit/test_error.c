/* test_error.c — the error enum's names and descriptions: every value has
 * both, names are distinct, and unknown values are handled. */
#include "testutil.h"

static void test_every_code_has_name_and_description(void) {
    for (int e = 0; e < PQCHA_ERR_LAST_; e++) {
        if (strcmp(pqcha_error_name(e), "UNKNOWN") == 0) continue; /* a gap in the numbering */
        CHECK(strcmp(pqcha_strerror(e), "unknown error") != 0);
        CHECK(strlen(pqcha_strerror(e)) > 0);
    }
}

static void test_names_are_distinct(void) {
    for (int a = 0; a < PQCHA_ERR_LAST_; a++)
        for (int b = a + 1; b < PQCHA_ERR_LAST_; b++)
            if (strcmp(pqcha_error_name(a), "UNKNOWN") != 0)
                CHECK(strcmp(pqcha_error_name(a), pqcha_error_name(b)) != 0);
}

static void test_known_values(void) {
    /* The numbers are ABI: bindings and logs depend on them. */
    CHECK(PQCHA_OK == 0);
    CHECK(PQCHA_ERR_NO_MEMORY == 2);
    CHECK(PQCHA_ERR_MALFORMED == 10);
    CHECK(PQCHA_ERR_BAD_SIGNATURE == 40);
    CHECK(PQCHA_ERR_MEMORY_DRIFT == 46);
    CHECK(PQCHA_ERR_UNKNOWN_BACKEND == 60);
    CHECK_STR(pqcha_error_name(PQCHA_ERR_UNTRUSTED_KEY), "UNTRUSTED_KEY");
    CHECK_STR(pqcha_strerror(PQCHA_OK), "success");
    CHECK_STR(pqcha_strerror(PQCHA_ERR_DEVICE_NOT_PRESENT), "platform device not present");
}

static void test_unknown_values(void) {
    CHECK_STR(pqcha_strerror(-1), "unknown error");
    CHECK_STR(pqcha_strerror(PQCHA_ERR_LAST_), "unknown error");
    CHECK_STR(pqcha_strerror(7), "unknown error"); /* a gap between ranges */
    CHECK_STR(pqcha_error_name(9999), "UNKNOWN");
}

static void test_malformed_range(void) {
    CHECK(pqcha_error_is_malformed(PQCHA_ERR_MALFORMED));
    CHECK(pqcha_error_is_malformed(PQCHA_ERR_BAD_POLICY));
    CHECK(pqcha_error_is_malformed(PQCHA_ERR_TIMESTAMP_NO_ZONE));
    CHECK(!pqcha_error_is_malformed(PQCHA_ERR_BAD_SIGNATURE));
    CHECK(!pqcha_error_is_malformed(PQCHA_ERR_NO_MEMORY));
    CHECK(!pqcha_error_is_malformed(PQCHA_OK));
}

TEST_MAIN(TEST(test_every_code_has_name_and_description), TEST(test_names_are_distinct),
          TEST(test_known_values), TEST(test_unknown_values), TEST(test_malformed_range))
