/* hwdata.h — the real SEV-SNP reports and TDX quotes the unit tests use
 * (../shared/testdata/hw; its README gives each folder's verdict), found
 * through $PQCHA_HW_TESTDATA (CMake passes it) or the workplace's copy. A
 * test that needs them skips with a visible "skip:" line when they are
 * absent. */
#ifndef PQCHA_TEST_HWDATA_H
#define PQCHA_TEST_HWDATA_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "testutil.h"

#define HW_DIR_DEFAULT "/work/shared/testdata/hw"

static inline const char *hw_dir(void) {
    const char *dir = getenv("PQCHA_HW_TESTDATA");
    return dir && *dir ? dir : HW_DIR_DEFAULT;
}

/* The file rel of the test data, whole (NULL, said on stderr, if unreadable). */
static inline uint8_t *read_hw(const char *rel, size_t *len) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", hw_dir(), rel);
    *len = 0;
    uint8_t *b = (uint8_t *)testutil_read_file(path, len);
    if (b == NULL) fprintf(stderr, "  cannot read %s\n", path);
    return b;
}

/* 1 if the test data is there; else prints "skip: <what>" and returns 0. */
static inline int hw_present(const char *what) {
    char path[1024];
    snprintf(path, sizeof path, "%s/README.md", hw_dir());
    char *b = testutil_read_file(path, NULL);
    if (b == NULL) {
        printf("skip: %s: %s absent\n", what, hw_dir());
        return 0;
    }
    free(b);
    return 1;
}

/* Every check of a verification passed (the failures are printed). */
static inline int all_pass(const pqcha_evidence_result *r) {
    int ok = pqcha_evidence_result_check_count(r) > 0;
    for (size_t i = 0; i < pqcha_evidence_result_check_count(r); i++) {
        if (pqcha_evidence_result_check_status(r, i) != PQCHA_CHECK_PASS) {
            fprintf(stderr, "  check %s: %s\n", pqcha_evidence_result_check_name(r, i),
                    pqcha_error_name(pqcha_evidence_result_check_error(r, i)));
            ok = 0;
        }
    }
    return ok;
}

#endif
