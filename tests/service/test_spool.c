/* test_spool.c — the agent's on-disk spool: order, bounds by count and by
 * bytes, the dropped counter across restarts, recovery of what a previous
 * run (or a kill) left, and the exact error of each refusal. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "service/spool.h"
#include "testutil.h"

static const spool_limits roomy = {1000, 1u << 30};

/* A new directory path (not yet created) under the test's temporary one. */
static const char *fresh_dir(const char *name) {
    static char paths[4][4200];
    static unsigned next;
    char *out = paths[next++ % 4];
    snprintf(out, 4200, "%s/%s", testutil_tmpdir(), name);
    return out;
}

static int file_exists(const char *dir, const char *name) {
    char path[4400];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return lstat(path, &st) == 0;
}

static void write_file(const char *dir, const char *name, const char *text) {
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

static pqcha_err put_text(spool *s, const char *text, uint64_t *id) {
    return spool_put(s, text, strlen(text), id);
}

/* The oldest report's bytes, as a string to compare (static buffer). */
static const char *oldest_text(spool *s) {
    static char copy[256];
    uint64_t id;
    char *data = NULL;
    size_t len = 0;
    if (spool_oldest(s, &id) != PQCHA_OK || spool_read(s, id, &data, &len) != PQCHA_OK)
        return "(none)";
    snprintf(copy, sizeof copy, "%s", data);
    free(data);
    return copy;
}

/* Delivers (removes) the oldest. */
static pqcha_err pop(spool *s) {
    uint64_t id;
    pqcha_err err = spool_oldest(s, &id);
    return err == PQCHA_OK ? spool_remove(s, id) : err;
}

/* ---- order and recovery ---- */

static void test_reports_come_back_oldest_first(void) {
    const char *dir = fresh_dir("order");
    spool *s = NULL;
    REQUIRE(spool_open(&s, dir, &roomy) == PQCHA_OK);
    uint64_t a, b, c;
    CHECK_OK(put_text(s, "first", &a));
    CHECK_OK(put_text(s, "second", &b));
    CHECK_OK(put_text(s, "third", &c));
    CHECK(a < b && b < c);
    CHECK(spool_count(s) == 3);
    CHECK(spool_bytes(s) == strlen("first") + strlen("second") + strlen("third"));
    /* The file names sort as the reports were put. */
    CHECK(file_exists(dir, "00000000000000000001.report"));
    CHECK(file_exists(dir, "00000000000000000003.report"));
    CHECK_STR(oldest_text(s), "first");
    CHECK_OK(pop(s));
    CHECK_STR(oldest_text(s), "second");
    CHECK(!file_exists(dir, "00000000000000000001.report"));
    CHECK_OK(pop(s));
    CHECK_OK(pop(s));
    CHECK(spool_count(s) == 0 && spool_bytes(s) == 0);
    uint64_t id = 7;
    CHECK_ERR(spool_oldest(s, &id), PQCHA_ERR_NOT_FOUND);
    CHECK(id == 0);
    spool_close(s);
}

static void test_reports_survive_reopening_in_order(void) {
    const char *dir = fresh_dir("reopen");
    spool *s = NULL;
    REQUIRE(spool_open(&s, dir, &roomy) == PQCHA_OK);
    CHECK_OK(put_text(s, "one", NULL));
    CHECK_OK(put_text(s, "two", NULL));
    CHECK_OK(put_text(s, "three", NULL));
    CHECK_OK(pop(s));
    spool_close(s);

    REQUIRE(spool_open(&s, dir, &roomy) == PQCHA_OK);
    CHECK(spool_count(s) == 2);
    CHECK(spool_bytes(s) == strlen("two") + strlen("three"));
    CHECK_STR(oldest_text(s), "two");
    /* The sequence goes on after the highest id left: new reports sort last. */
    uint64_t id = 0;
    CHECK_OK(put_text(s, "four", &id));
    CHECK(id == 4);
    CHECK_OK(pop(s));
    CHECK_OK(pop(s));
    CHECK_STR(oldest_text(s), "four");
    spool_close(s);
}

static void test_directory_is_created_private(void) {
    const char *dir = fresh_dir("private");
    spool *s = NULL;
    REQUIRE(spool_open(&s, dir, &roomy) == PQCHA_OK);
    struct stat st;
    CHECK(stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700);
    CHECK_STR(spool_dir(s), dir);
    CHECK_OK(put_text(s, "x", NULL));
    CHECK(stat(fresh_dir("private/00000000000000000001.report"), &st) == 0 &&
          (st.st_mode & 0077) == 0);
    spool_close(s);
}

/* What a kill leaves (a report or the counter half written) goes; what is
 * not the spool's stays, and is not taken for a report. */
static void test_leftovers_removed_and_strangers_kept(void) {
    const char *dir = fresh_dir("leftovers");
    REQUIRE(mkdir(dir, 0700) == 0);
    write_file(dir, ".tmp-00000000000000000005.report", "half a rep");
    write_file(dir, ".tmp-dropped", "1");
    write_file(dir, ".tmp-mine", "someone else's");
    write_file(dir, "notes.txt", "keep me");
    write_file(dir, "123.report", "a short name: not ours");
    write_file(dir, "00000000000000000002.report.bak", "not ours either");
    char sub[4400];
    snprintf(sub, sizeof sub, "%s/00000000000000000009.report", dir);
    REQUIRE(mkdir(sub, 0700) == 0);
    spool *s = NULL;
    REQUIRE(spool_open(&s, dir, &roomy) == PQCHA_OK);
    CHECK(!file_exists(dir, ".tmp-00000000000000000005.report"));
    CHECK(!file_exists(dir, ".tmp-dropped"));
    CHECK(file_exists(dir, ".tmp-mine"));
    CHECK(file_exists(dir, "notes.txt"));
    CHECK(file_exists(dir, "123.report"));
    CHECK(file_exists(dir, "00000000000000000002.report.bak"));
    CHECK(file_exists(dir, "00000000000000000009.report"));
    CHECK(spool_count(s) == 0);
    CHECK(spool_dropped(s) == 0);
    /* The stray directory named like report 9 is not ours: ids start over. */
    uint64_t id = 0;
    CHECK_OK(put_text(s, "new", &id));
    CHECK(id == 1);
    spool_close(s);
}

/* ---- bounds ---- */

static void test_bound_by_count_drops_oldest_and_counts(void) {
    const char *dir = fresh_dir("count");
    spool_limits two = {2, 1u << 20};
    spool *s = NULL;
    REQUIRE(spool_open(&s, dir, &two) == PQCHA_OK);
    CHECK_OK(put_text(s, "r1", NULL));
    CHECK_OK(put_text(s, "r2", NULL));
    CHECK(spool_dropped(s) == 0);
    CHECK(!file_exists(dir, "dropped"));
    CHECK_OK(put_text(s, "r3", NULL));
    CHECK_OK(put_text(s, "r4", NULL));
    CHECK(spool_count(s) == 2);
    CHECK(spool_dropped(s) == 2);
    CHECK_STR(oldest_text(s), "r3");
    CHECK(!file_exists(dir, "00000000000000000001.report"));
    CHECK(!file_exists(dir, "00000000000000000002.report"));
    size_t len = 0;
    char path[4400];
    snprintf(path, sizeof path, "%s/dropped", dir);
    char *counter = testutil_read_file(path, &len);
    CHECK(counter && strcmp(counter, "2\n") == 0);
    free(counter);
    spool_close(s);
}

static void test_bound_by_bytes_drops_oldest_and_counts(void) {
    const char *dir = fresh_dir("bytes");
    spool_limits ten = {100, 10};
    spool *s = NULL;
    REQUIRE(spool_open(&s, dir, &ten) == PQCHA_OK);
    CHECK_OK(put_text(s, "aaaa", NULL));
    CHECK_OK(put_text(s, "bbbb", NULL));
    CHECK(spool_bytes(s) == 8);
    CHECK_OK(put_text(s, "cccc", NULL)); /* 12 > 10: the oldest goes */
    CHECK(spool_count(s) == 2 && spool_bytes(s) == 8 && spool_dropped(s) == 1);
    CHECK_STR(oldest_text(s), "bbbb");
    CHECK_OK(put_text(s, "0123456789", NULL)); /* exactly the bound: alone */
    CHECK(spool_count(s) == 1 && spool_bytes(s) == 10 && spool_dropped(s) == 3);
    /* Larger than the bound: refused, and nothing is dropped for it. */
    CHECK_ERR(put_text(s, "0123456789a", NULL), PQCHA_ERR_TOO_LARGE);
    CHECK(spool_count(s) == 1 && spool_dropped(s) == 3);
    CHECK_STR(oldest_text(s), "0123456789");
    spool_close(s);
}

static void test_lowered_bounds_apply_at_the_next_put(void) {
    const char *dir = fresh_dir("lowered");
    spool *s = NULL;
    REQUIRE(spool_open(&s, dir, &roomy) == PQCHA_OK);
    for (int i = 0; i < 5; i++)
        CHECK_OK(put_text(s, "r", NULL));
    spool_limits two = {2, 1u << 20};
    CHECK_OK(spool_set_limits(s, &two));
    CHECK(spool_count(s) == 5); /* nothing is dropped without a put */
    CHECK_OK(put_text(s, "last", NULL));
    CHECK(spool_count(s) == 2 && spool_dropped(s) == 4);
    spool_limits zero = {0, 10};
    CHECK_ERR(spool_set_limits(s, &zero), PQCHA_ERR_INVALID_ARGUMENT);
    spool_close(s);
}

static void test_dropped_counter_survives_restarts(void) {
    const char *dir = fresh_dir("counter");
    spool_limits one = {1, 1u << 20};
    spool *s = NULL;
    REQUIRE(spool_open(&s, dir, &one) == PQCHA_OK);
    CHECK_OK(put_text(s, "a", NULL));
    CHECK_OK(put_text(s, "b", NULL));
    CHECK_OK(put_text(s, "c", NULL));
    CHECK(spool_dropped(s) == 2);
    spool_close(s);
    REQUIRE(spool_open(&s, dir, &one) == PQCHA_OK);
    CHECK(spool_dropped(s) == 2);
    CHECK_STR(oldest_text(s), "c");
    CHECK_OK(put_text(s, "d", NULL));
    CHECK(spool_dropped(s) == 3);
    spool_close(s);
    REQUIRE(spool_open(&s, dir, &one) == PQCHA_OK);
    CHECK(spool_dropped(s) == 3);
    spool_close(s);
}

static void test_report_over_the_service_limit_is_refused(void) {
    const char *dir = fresh_dir("huge");
    spool_limits big = {10, 1ull << 32};
    spool *s = NULL;
    REQUIRE(spool_open(&s, dir, &big) == PQCHA_OK);
    size_t len = SPOOL_MAX_REPORT_BYTES + 1;
    char *data = calloc(1, len);
    REQUIRE(data != NULL);
    uint64_t id = 9;
    CHECK_ERR(spool_put(s, data, len, &id), PQCHA_ERR_TOO_LARGE);
    CHECK(id == 0 && spool_count(s) == 0);
    CHECK_OK(spool_put(s, data, len - 1, &id));
    char *back = NULL;
    size_t back_len = 0;
    CHECK_OK(spool_read(s, id, &back, &back_len));
    CHECK(back_len == len - 1 && back && memcmp(back, data, back_len) == 0);
    free(back);
    free(data);
    spool_close(s);
}

/* ---- refusals ---- */

static void test_invalid_arguments(void) {
    spool *s = (spool *)1;
    spool_limits no_reports = {0, 10}, no_bytes = {10, 0};
    CHECK_ERR(spool_open(&s, NULL, &roomy), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(s == NULL);
    CHECK_ERR(spool_open(&s, "", &roomy), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(spool_open(&s, fresh_dir("args"), NULL), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(spool_open(&s, fresh_dir("args"), &no_reports), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(spool_open(&s, fresh_dir("args"), &no_bytes), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(spool_open(NULL, fresh_dir("args"), &roomy), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(spool_put(NULL, "x", 1, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(spool_remove(NULL, 1), PQCHA_ERR_INVALID_ARGUMENT);
    spool_close(NULL);
    REQUIRE(spool_open(&s, fresh_dir("args"), &roomy) == PQCHA_OK);
    CHECK_ERR(spool_put(s, NULL, 1, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    char *data = (char *)1;
    size_t len = 1;
    CHECK_ERR(spool_read(s, 42, &data, &len), PQCHA_ERR_NOT_FOUND);
    CHECK(data == NULL && len == 0);
    CHECK_ERR(spool_remove(s, 42), PQCHA_ERR_NOT_FOUND);
    spool_close(s);
}

static void test_directory_that_is_a_file(void) {
    const char *dir = fresh_dir("a-file");
    write_file(testutil_tmpdir(), "a-file", "not a directory");
    spool *s = NULL;
    CHECK_ERR(spool_open(&s, dir, &roomy), PQCHA_ERR_NOT_DIRECTORY);
    CHECK(s == NULL);
    /* A path through a file: no such directory. */
    CHECK_ERR(spool_open(&s, fresh_dir("a-file/spool"), &roomy), PQCHA_ERR_NOT_FOUND);
    CHECK_ERR(spool_open(&s, fresh_dir("missing-parent/spool"), &roomy), PQCHA_ERR_NOT_FOUND);
}

static void test_second_open_is_refused_while_held(void) {
    const char *dir = fresh_dir("busy");
    spool *a = NULL, *b = NULL;
    REQUIRE(spool_open(&a, dir, &roomy) == PQCHA_OK);
    CHECK_ERR(spool_open(&b, dir, &roomy), PQCHA_ERR_IN_USE);
    CHECK(b == NULL);
    spool_close(a);
    CHECK_OK(spool_open(&b, dir, &roomy));
    spool_close(b);
}

static void test_garbage_counter_is_refused(void) {
    const char *dir = fresh_dir("garbage-counter");
    REQUIRE(mkdir(dir, 0700) == 0);
    write_file(dir, "dropped", "twelve\n");
    spool *s = NULL;
    CHECK_ERR(spool_open(&s, dir, &roomy), PQCHA_ERR_MALFORMED);
    write_file(dir, "dropped", "");
    CHECK_ERR(spool_open(&s, dir, &roomy), PQCHA_ERR_MALFORMED);
    write_file(dir, "dropped", "99999999999999999999999\n");
    CHECK_ERR(spool_open(&s, dir, &roomy), PQCHA_ERR_MALFORMED);
    write_file(dir, "dropped", "12\n");
    CHECK_OK(spool_open(&s, dir, &roomy));
    CHECK(spool_dropped(s) == 12);
    spool_close(s);
}

/* Opens dir as the user nobody when run as root (root writes anywhere), as
 * the user otherwise; the child's exit status is the error. */
static pqcha_err open_as_unprivileged(const char *dir) {
    pid_t pid = fork();
    if (pid == 0) {
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(255);
        spool *s = NULL;
        pqcha_err err = spool_open(&s, dir, &roomy);
        spool_close(s);
        _exit((int)err);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return PQCHA_ERR_INTERNAL;
    return (pqcha_err)WEXITSTATUS(status);
}

static void test_read_only_directory(void) {
    const char *dir = fresh_dir("read-only");
    spool *s = NULL;
    REQUIRE(spool_open(&s, dir, &roomy) == PQCHA_OK); /* the lock file exists */
    CHECK_OK(put_text(s, "kept", NULL));
    spool_close(s);
    /* Readable and searchable by all, writable by no one but root. */
    REQUIRE(chmod(testutil_tmpdir(), 0711) == 0);
    REQUIRE(chmod(dir, 0555) == 0);
    CHECK_ERR(open_as_unprivileged(dir), PQCHA_ERR_PERMISSION);
    REQUIRE(chmod(dir, 0700) == 0);
    REQUIRE(chmod(testutil_tmpdir(), 0700) == 0);
    REQUIRE(spool_open(&s, dir, &roomy) == PQCHA_OK);
    CHECK_STR(oldest_text(s), "kept");
    spool_close(s);
}

/* A report removed behind the spool's back is forgotten, not an error
 * that blocks delivery. */
static void test_report_removed_behind_its_back(void) {
    const char *dir = fresh_dir("vanished");
    spool *s = NULL;
    REQUIRE(spool_open(&s, dir, &roomy) == PQCHA_OK);
    uint64_t id = 0;
    CHECK_OK(put_text(s, "gone", &id));
    CHECK_OK(put_text(s, "here", NULL));
    char path[4400];
    snprintf(path, sizeof path, "%s/00000000000000000001.report", dir);
    REQUIRE(unlink(path) == 0);
    char *data = NULL;
    size_t len = 0;
    CHECK_ERR(spool_read(s, id, &data, &len), PQCHA_ERR_NOT_FOUND);
    CHECK_OK(spool_remove(s, id));
    CHECK(spool_count(s) == 1);
    CHECK_STR(oldest_text(s), "here");
    spool_close(s);
}

TEST_MAIN(TEST(test_reports_come_back_oldest_first), TEST(test_reports_survive_reopening_in_order),
          TEST(test_directory_is_created_private), TEST(test_leftovers_removed_and_strangers_kept),
          TEST(test_bound_by_count_drops_oldest_and_counts),
          TEST(test_bound_by_bytes_drops_oldest_and_counts),
          TEST(test_lowered_bounds_apply_at_the_next_put),
          TEST(test_dropped_counter_survives_restarts),
          TEST(test_report_over_the_service_limit_is_refused), TEST(test_invalid_arguments),
          TEST(test_directory_that_is_a_file), TEST(test_second_open_is_refused_while_held),
          TEST(test_garbage_counter_is_refused), TEST(test_read_only_directory),
          TEST(test_report_removed_behind_its_back))
