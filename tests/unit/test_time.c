/* test_time.c — RFC 3339 UTC timestamps (docs/FORMAT.md section 1). */
#include "testutil.h"

static void check_round_trip(int64_t t, const char *text) {
    char out[PQCHA_TIMESTAMP_LEN + 1];
    CHECK_OK(pqcha_time_format(out, t));
    CHECK_STR(out, text);
    int64_t back = -1;
    CHECK_OK(pqcha_time_parse(&back, text));
    CHECK(back == t);
}

static void test_known_instants(void) {
    check_round_trip(0, "1970-01-01T00:00:00Z");
    check_round_trip(951782400, "2000-02-29T00:00:00Z");
    check_round_trip(1709164800, "2024-02-29T00:00:00Z");
    check_round_trip(1795836655, "2026-11-28T03:30:55Z");
    check_round_trip(4102444799, "2099-12-31T23:59:59Z");
    check_round_trip(4107542400, "2100-03-01T00:00:00Z");
    check_round_trip(253402300799, "9999-12-31T23:59:59Z");
}

static void test_every_day_round_trips(void) {
    /* One instant per day over 1970..2400 catches any calendar slip. */
    for (int64_t t = 43210; t < INT64_C(13569465600); t += 86400) {
        char out[PQCHA_TIMESTAMP_LEN + 1];
        int64_t back = -1;
        if (pqcha_time_format(out, t) != PQCHA_OK || pqcha_time_parse(&back, out) != PQCHA_OK ||
            back != t) {
            CHECK_FAILED("round trip failed");
            return;
        }
    }
}

static void test_fraction_is_ignored(void) {
    int64_t t = 0;
    CHECK_OK(pqcha_time_parse(&t, "2026-11-28T03:30:55.5Z"));
    CHECK(t == 1795836655);
    CHECK_OK(pqcha_time_parse(&t, "2026-11-28T03:30:55.123456789Z"));
    CHECK(t == 1795836655);
    CHECK_ERR(pqcha_time_parse(&t, "2026-11-28T03:30:55.1234567890Z"), PQCHA_ERR_BAD_TIMESTAMP);
    CHECK_ERR(pqcha_time_parse(&t, "2026-11-28T03:30:55.Z"), PQCHA_ERR_BAD_TIMESTAMP);
    CHECK_ERR(pqcha_time_parse(&t, "2026-11-28T03:30:55,5Z"), PQCHA_ERR_BAD_TIMESTAMP);
}

static void test_zone_rules(void) {
    int64_t t = 0;
    CHECK_ERR(pqcha_time_parse(&t, "2026-11-28T03:30:55"), PQCHA_ERR_TIMESTAMP_NO_ZONE);
    CHECK_ERR(pqcha_time_parse(&t, "2026-11-28T03:30:55.25"), PQCHA_ERR_TIMESTAMP_NO_ZONE);
    CHECK_ERR(pqcha_time_parse(&t, "2026-11-28T03:30:55+00:00"), PQCHA_ERR_BAD_TIMESTAMP);
    CHECK_ERR(pqcha_time_parse(&t, "2026-11-28T03:30:55-00:00"), PQCHA_ERR_BAD_TIMESTAMP);
    CHECK_ERR(pqcha_time_parse(&t, "2026-11-28T03:30:55+01:00"), PQCHA_ERR_BAD_TIMESTAMP);
    CHECK_ERR(pqcha_time_parse(&t, "2026-11-28T03:30:55z"), PQCHA_ERR_BAD_TIMESTAMP);
    CHECK_ERR(pqcha_time_parse(&t, "2026-11-28t03:30:55Z"), PQCHA_ERR_BAD_TIMESTAMP);
    CHECK_ERR(pqcha_time_parse(&t, "2026-11-28 03:30:55Z"), PQCHA_ERR_BAD_TIMESTAMP);
    CHECK_ERR(pqcha_time_parse(&t, "2026-11-28T03:30:55ZZ"), PQCHA_ERR_BAD_TIMESTAMP);
    CHECK_ERR(pqcha_time_parse(&t, "2026-11-28T03:30:55Z "), PQCHA_ERR_BAD_TIMESTAMP);
    CHECK_ERR(pqcha_time_parse(&t, "2026-11-28T03:30:55 UTC"), PQCHA_ERR_BAD_TIMESTAMP);
}

static void test_bad_dates_and_shapes(void) {
    int64_t t = 0;
    const char *bad[] = {
        "",
        "2026-11-28",
        "2026-11-28T03:30Z",
        " 2026-11-28T03:30:55Z",
        "26-11-28T03:30:55Z",
        "2026-1-28T03:30:55Z",
        "2026/11/28T03:30:55Z",
        "+2026-11-28T03:30:55Z",
        "1969-12-31T23:59:59Z", /* before 1970 */
        "0000-01-01T00:00:00Z",
        "2026-00-10T00:00:00Z",
        "2026-13-10T00:00:00Z",
        "2026-04-31T00:00:00Z",
        "2026-02-29T00:00:00Z", /* not a leap year */
        "2100-02-29T00:00:00Z", /* century, not leap */
        "2026-01-00T00:00:00Z",
        "2026-01-32T00:00:00Z",
        "2026-01-01T24:00:00Z",
        "2026-01-01T23:60:00Z",
        "2016-12-31T23:59:60Z", /* a real leap second, still refused */
        "2026-01-01T-1:00:00Z",
        "２０２６-01-01T00:00:00Z",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pqcha_err err = pqcha_time_parse(&t, bad[i]);
        if (err != PQCHA_ERR_BAD_TIMESTAMP) fprintf(stderr, "  input \"%s\"\n", bad[i]);
        CHECK_ERR(err, PQCHA_ERR_BAD_TIMESTAMP);
    }
    CHECK_OK(pqcha_time_parse(&t, "2000-02-29T12:00:00Z"));
    CHECK_ERR(pqcha_time_parse(NULL, "2000-02-29T12:00:00Z"), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_time_parse(&t, NULL), PQCHA_ERR_INVALID_ARGUMENT);
}

static void test_format_range(void) {
    char out[PQCHA_TIMESTAMP_LEN + 1];
    CHECK_ERR(pqcha_time_format(out, -1), PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(pqcha_time_format(out, 253402300800), PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(pqcha_time_format(out, INT64_MAX), PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(pqcha_time_format(out, INT64_MIN), PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(pqcha_time_format(NULL, 0), PQCHA_ERR_INVALID_ARGUMENT);
}

TEST_MAIN(TEST(test_known_instants), TEST(test_every_day_round_trips),
          TEST(test_fraction_is_ignored), TEST(test_zone_rules), TEST(test_bad_dates_and_shapes),
          TEST(test_format_range))
