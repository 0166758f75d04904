/* test_store_flush.c — the SQLite store when the disk refuses a flush.
 *
 * This program defines fdatasync itself, so that every call in the process
 * (the store's flusher and SQLite's own) comes here and fails on demand
 * with EIO, deterministically, as a failing disk would; otherwise it is the
 * C library's. A write whose flush failed must not be acknowledged, and
 * none after it either: the kernel may have dropped the log's pages, and a
 * later commit written after them would not survive a power cut. Opening
 * the store again recovers. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "service/store.h"
#include "testutil.h"

static atomic_int failing_flushes;
static atomic_int flush_calls;

int fdatasync(int fd) {
    atomic_fetch_add(&flush_calls, 1);
    if (atomic_load(&failing_flushes)) {
        errno = EIO;
        return -1;
    }
    int (*real)(int);
    void *symbol = dlsym(RTLD_NEXT, "fdatasync");
    memcpy(&real, &symbol, sizeof real); /* ISO C has no object-to-function cast */
    return real(fd);
}

static void store_url(char *url, size_t size) {
    snprintf(url, size, "sqlite:%s/flush-%ld.db", testutil_tmpdir(), (long)getpid());
}

static store_report a_report(const char *digest, int64_t at) {
    store_report r = {digest, "report", "w",    NULL, at,   "valid", "OK", OUTCOME_VALID,
                      "{}",   "{}",     "\x01", 1,    NULL, 0,       NULL};
    return r;
}

static int seen_reports;

static int count_report(void *ctx, const store_report_row *row) {
    (void)ctx, (void)row;
    seen_reports++;
    return 0;
}

static int stored(store *s) {
    seen_reports = 0;
    if (store_each_report(s, "w", 0, STORE_MAX_LIMIT, count_report, NULL) != PQCHA_OK) return -1;
    return seen_reports;
}

static void test_failed_flush_refuses_every_later_write(void) {
    char url[4200];
    store_url(url, sizeof url);
    store *s = NULL;
    REQUIRE(store_open(&s, url, NULL, 0) == PQCHA_OK);
    store_commit c;
    store_report first = a_report("first", 100);
    CHECK_OK(store_commit_report(s, &first, &c));
    store_commit_clear(&c);
    CHECK(atomic_load(&flush_calls) > 0); /* the acknowledgement waited for a flush */

    atomic_store(&failing_flushes, 1);
    store_report second = a_report("second", 200);
    CHECK_ERR(store_commit_report(s, &second, &c), PQCHA_ERR_STORE);
    atomic_store(&failing_flushes, 0);
    /* The disk works again, but this store no longer vouches for its log. */
    store_report third = a_report("third", 300);
    CHECK_ERR(store_commit_report(s, &third, &c), PQCHA_ERR_STORE);
    CHECK_ERR(store_add_challenge(s, "00112233445566778899aabbccddeeff", "w", 1, 2),
              PQCHA_ERR_STORE);
    CHECK_ERR(store_ping(s), PQCHA_ERR_STORE);
    CHECK(stored(s) >= 1); /* reads still answer */
    store_close(s);

    /* Opened again: writes are acknowledged again, and the first is kept. */
    REQUIRE(store_open(&s, url, NULL, 0) == PQCHA_OK);
    CHECK_OK(store_ping(s));
    CHECK_OK(store_commit_report(s, &third, &c));
    store_commit_clear(&c);
    CHECK_OK(store_commit_report(s, &first, &c));
    CHECK(c.duplicate);
    store_commit_clear(&c);
    store_close(s);
}

TEST_MAIN(TEST(test_failed_flush_refuses_every_later_write))
