/* timefmt.c — RFC 3339 UTC timestamps (docs/FORMAT.md section 1). The
 * calendar arithmetic is done here, not with timegm()/strptime(), so the
 * result depends neither on the C library nor on the locale or TZ. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#include "reader.h"

#define MIN_YEAR        1970
#define MAX_YEAR        9999
#define SECONDS_PER_DAY 86400

static int is_leap_year(int64_t y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int64_t year, unsigned month) {
    static const unsigned days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2 && is_leap_year(year)) return 29;
    return days[month - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil, written for non-negative eras since years are >= 1970). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    int64_t era = y / 400;
    int64_t yoe = y - era * 400;
    int64_t mp = (m + 9) % 12; /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The inverse for days >= 0. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
    z += 719468;
    int64_t era = z / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

pqcha_err pqcha_time_format(char out[PQCHA_TIMESTAMP_LEN + 1], int64_t unix_seconds) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    out[0] = '\0';
    if (unix_seconds < 0 || unix_seconds > PQCHA_MAX_UNIX_SECONDS) return PQCHA_ERR_OUT_OF_RANGE;
    int64_t days = unix_seconds / SECONDS_PER_DAY;
    int64_t secs = unix_seconds % SECONDS_PER_DAY;
    int64_t year;
    unsigned month, day;
    civil_from_days(days, &year, &month, &day);
    char buf[64];
    int n = snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", (int)year, month, day,
                     (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
    if (n != PQCHA_TIMESTAMP_LEN) return PQCHA_ERR_INTERNAL;
    memcpy(out, buf, PQCHA_TIMESTAMP_LEN + 1);
    return PQCHA_OK;
}

typedef struct civil_time {
    uint32_t year, month, day, hour, minute, second;
} civil_time;

/* "YYYY-MM-DDTHH:MM:SS" with an upper-case T. */
static int read_date_time(pqcha__reader *r, civil_time *t) {
    return pqcha__reader_digits(r, 4, &t->year) && pqcha__reader_expect(r, '-') &&
           pqcha__reader_digits(r, 2, &t->month) && pqcha__reader_expect(r, '-') &&
           pqcha__reader_digits(r, 2, &t->day) && pqcha__reader_expect(r, 'T') &&
           pqcha__reader_digits(r, 2, &t->hour) && pqcha__reader_expect(r, ':') &&
           pqcha__reader_digits(r, 2, &t->minute) && pqcha__reader_expect(r, ':') &&
           pqcha__reader_digits(r, 2, &t->second);
}

/* An optional ".d{1,9}"; the fraction is validated and then ignored. */
static int skip_fraction(pqcha__reader *r) {
    if (!pqcha__reader_expect(r, '.')) return 1;
    size_t digits = 0;
    uint32_t ignored;
    while (pqcha__reader_digits(r, 1, &ignored))
        digits++;
    return digits >= 1 && digits <= 9;
}

static int civil_time_valid(const civil_time *t) {
    /* second 60 is a leap second: Unix time cannot represent it. */
    return t->year >= MIN_YEAR && t->year <= MAX_YEAR && t->month >= 1 && t->month <= 12 &&
           t->day >= 1 && t->day <= days_in_month(t->year, t->month) && t->hour <= 23 &&
           t->minute <= 59 && t->second <= 59;
}

pqcha_err pqcha_time_parse(int64_t *out, const char *text) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = 0;
    if (text == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha__reader r;
    pqcha__reader_init(&r, text, strlen(text));
    civil_time t;
    if (!read_date_time(&r, &t) || !skip_fraction(&r)) return PQCHA_ERR_BAD_TIMESTAMP;
    if (pqcha__reader_at_end(&r)) return PQCHA_ERR_TIMESTAMP_NO_ZONE;
    /* Only "Z": offsets, even +00:00, and a lower-case z are refused. */
    if (!pqcha__reader_expect(&r, 'Z') || !pqcha__reader_at_end(&r)) return PQCHA_ERR_BAD_TIMESTAMP;
    if (!civil_time_valid(&t)) return PQCHA_ERR_BAD_TIMESTAMP;
    int64_t days = days_from_civil(t.year, t.month, t.day);
    *out = days * SECONDS_PER_DAY + (int64_t)t.hour * 3600 + (int64_t)t.minute * 60 + t.second;
    return PQCHA_OK;
}
