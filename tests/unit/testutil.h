/* testutil.h — a tiny unit-test harness: each test file defines static
 * test functions and lists them in TEST_MAIN. Failures print file:line and
 * the exact error codes; the runner prints "N passed, N failed". */
#ifndef PQCHA_TESTUTIL_H
#define PQCHA_TESTUTIL_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pqcha.h"

static int testutil_failures_in_test;

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "  %s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            testutil_failures_in_test++;                                               \
        }                                                                              \
    } while (0)

/* Records a failure that no condition expresses (a branch that must not run). */
#define CHECK_FAILED(why)                                                  \
    do {                                                                   \
        fprintf(stderr, "  %s:%d: failed: %s\n", __FILE__, __LINE__, why); \
        testutil_failures_in_test++;                                       \
    } while (0)

/* Asserts that expr returns exactly the expected pqcha_err. */
#define CHECK_ERR(expr, expected)                                                                 \
    do {                                                                                          \
        int check_err_got_ = (int)(expr);                                                         \
        int check_err_want_ = (int)(expected);                                                    \
        if (check_err_got_ != check_err_want_) {                                                  \
            fprintf(stderr, "  %s:%d: %s returned %s (%d), expected %s (%d)\n", __FILE__,         \
                    __LINE__, #expr, pqcha_error_name((pqcha_err)check_err_got_), check_err_got_, \
                    pqcha_error_name((pqcha_err)check_err_want_), check_err_want_);               \
            testutil_failures_in_test++;                                                          \
        }                                                                                         \
    } while (0)

#define CHECK_OK(expr) CHECK_ERR(expr, PQCHA_OK)

#define CHECK_STR(got, want)                                                                      \
    do {                                                                                          \
        const char *check_str_got_ = (got);                                                       \
        const char *check_str_want_ = (want);                                                     \
        if (check_str_got_ == NULL || strcmp(check_str_got_, check_str_want_) != 0) {             \
            fprintf(stderr, "  %s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #got, \
                    check_str_got_ ? check_str_got_ : "(null)", check_str_want_);                 \
            testutil_failures_in_test++;                                                          \
        }                                                                                         \
    } while (0)

/* Aborts the current test (a precondition for the rest of it failed). */
#define REQUIRE(cond)                                                                    \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "  %s:%d: REQUIRE failed: %s\n", __FILE__, __LINE__, #cond); \
            testutil_failures_in_test++;                                                 \
            return;                                                                      \
        }                                                                                \
    } while (0)

typedef struct testutil_case {
    const char *name;
    void (*fn)(void);
} testutil_case;

#define TEST(fn) \
    { #fn, fn }

static inline int testutil_run(const char *suite, const testutil_case *cases, size_t n) {
    int passed = 0, failed = 0;
    for (size_t i = 0; i < n; i++) {
        testutil_failures_in_test = 0;
        cases[i].fn();
        if (testutil_failures_in_test == 0) {
            passed++;
            printf("ok   %s.%s\n", suite, cases[i].name);
        } else {
            failed++;
            printf("FAIL %s.%s\n", suite, cases[i].name);
        }
    }
    printf("%s: %d passed, %d failed\n", suite, passed, failed);
    return failed == 0 ? 0 : 1;
}

#define TEST_MAIN(...)                                                           \
    int main(void) {                                                             \
        static const testutil_case cases_[] = {__VA_ARGS__};                     \
        return testutil_run(__FILE__, cases_, sizeof cases_ / sizeof cases_[0]); \
    }

/* Reads a whole file into a NUL-terminated malloc'd buffer (tests only). */
static inline char *testutil_read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n - 1 == 0) {
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        if (len) *len = n;
    }
    return buf;
}

static char testutil_tmpdir_path[4096];

/* Removes path and, if it is a directory, everything under it (not
 * following symbolic links). */
static inline void testutil_remove_tree(const char *path) {
    struct stat st;
    if (lstat(path, &st) != 0) return;
    DIR *dir = S_ISDIR(st.st_mode) ? opendir(path) : NULL;
    struct dirent *e;
    while (dir != NULL && (e = readdir(dir)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        size_t n = strlen(path) + strlen(e->d_name) + 2;
        char *child = malloc(n);
        if (child == NULL) break;
        snprintf(child, n, "%s/%s", path, e->d_name);
        testutil_remove_tree(child);
        free(child);
    }
    if (dir != NULL) closedir(dir);
    remove(path);
}

/* The test's directory goes when the test program ends (however its tests
 * went), so repeated runs leave nothing behind. */
static inline void testutil_remove_tmpdir(void) {
    testutil_remove_tree(testutil_tmpdir_path);
}

/* A fresh private directory under $TMPDIR (or /tmp) for files a test writes. */
static inline const char *testutil_tmpdir(void) {
    char *path = testutil_tmpdir_path;
    if (path[0]) return path;
    const char *base = getenv("TMPDIR");
    snprintf(path, sizeof testutil_tmpdir_path, "%s/pqcha-test-XXXXXX",
             base && *base ? base : "/tmp");
    if (!mkdtemp(path)) {
        perror("mkdtemp");
        exit(2);
    }
    atexit(testutil_remove_tmpdir);
    return path;
}

/* Writes len bytes to a file named `name` in the test's directory; its
 * path (valid until the next call), or NULL. */
static inline const char *testutil_write_file(const char *name, const void *data, size_t len) {
    static char path[4200];
    snprintf(path, sizeof path, "%s/%s", testutil_tmpdir(), name);
    FILE *f = fopen(path, "wb");
    if (f == NULL) return NULL;
    int ok = len == 0 || fwrite(data, 1, len, f) == len;
    if (fclose(f) != 0 || !ok) return NULL;
    return path;
}

/* A directory of the source tree: under $PQCHA_SOURCE (set by ctest), or,
 * for a test run by hand, next to this file's own source. */
static inline const char *testutil_source_path(const char *relative) {
    static char path[4096];
    const char *source = getenv("PQCHA_SOURCE");
    if (source != NULL) {
        snprintf(path, sizeof path, "%s/%s", source, relative);
        return path;
    }
    snprintf(path, sizeof path, "%s", __FILE__);
    char *tail = strstr(path, "/tests/unit/");
    if (tail == NULL)
        snprintf(path, sizeof path, "../%s", relative);
    else
        snprintf(tail, sizeof path - (size_t)(tail - path), "/%s", relative);
    return path;
}

/* Calls fn with the name and content of every file of a fuzz seed corpus
 * (tests/fuzz/corpus/NAME); returns how many, or -1 if it cannot be read. */
static inline int testutil_for_each_seed(const char *corpus,
                                         void (*fn)(const char *name, const uint8_t *text,
                                                    size_t len, void *ctx),
                                         void *ctx) {
    char dir_path[4096];
    char relative[256];
    snprintf(relative, sizeof relative, "tests/fuzz/corpus/%s", corpus);
    snprintf(dir_path, sizeof dir_path, "%s", testutil_source_path(relative));
    DIR *dir = opendir(dir_path);
    if (dir == NULL) return -1;
    int count = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir_path, e->d_name);
        size_t len = 0;
        char *text = testutil_read_file(path, &len);
        if (text == NULL) continue;
        fn(e->d_name, (const uint8_t *)text, len, ctx);
        free(text);
        count++;
    }
    closedir(dir);
    return count;
}

#endif
