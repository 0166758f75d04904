/* test_error.c — the error enum's names and descriptions: every declared
 * value has its own row (its enumerator's name and a description of its
 * own), every other value, gaps between the ranges included, gets the
 * fallback, and the malformed range is the one the header gives. */
#include <errno.h>
#include <limits.h>

#include "testutil.h"

/* The name of the enumerator with this value, without its prefix, or NULL
 * for a value the enum does not declare. There is no default label, so a
 * value added to the enum and not here is a -Wswitch warning (-Wall), an
 * error under -Werror: this list cannot fall behind the header, and the
 * table in error.c is checked against it. A value appended without a case
 * here fails at run time too (PQCHA_ERR_LAST_ - 1 must be declared). */
static const char *declared_name(int value) {
    if (value < 0) return NULL;
    switch ((pqcha_err)value) {
    case PQCHA_OK: return "OK";
    case PQCHA_ERR_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case PQCHA_ERR_NO_MEMORY: return "NO_MEMORY";
    case PQCHA_ERR_CRYPTO: return "CRYPTO";
    case PQCHA_ERR_RNG: return "RNG";
    case PQCHA_ERR_CANCELLED: return "CANCELLED";
    case PQCHA_ERR_INTERNAL: return "INTERNAL";
    case PQCHA_ERR_MALFORMED: return "MALFORMED";
    case PQCHA_ERR_TOO_LARGE: return "TOO_LARGE";
    case PQCHA_ERR_JSON_SYNTAX: return "JSON_SYNTAX";
    case PQCHA_ERR_JSON_DUPLICATE_KEY: return "JSON_DUPLICATE_KEY";
    case PQCHA_ERR_UNKNOWN_FIELD: return "UNKNOWN_FIELD";
    case PQCHA_ERR_MISSING_FIELD: return "MISSING_FIELD";
    case PQCHA_ERR_WRONG_TYPE: return "WRONG_TYPE";
    case PQCHA_ERR_BAD_BASE64: return "BAD_BASE64";
    case PQCHA_ERR_BAD_HEX: return "BAD_HEX";
    case PQCHA_ERR_BAD_TIMESTAMP: return "BAD_TIMESTAMP";
    case PQCHA_ERR_TIMESTAMP_NO_ZONE: return "TIMESTAMP_NO_ZONE";
    case PQCHA_ERR_BAD_SIGNATURE_LENGTH: return "BAD_SIGNATURE_LENGTH";
    case PQCHA_ERR_UNSUPPORTED_ALGORITHM: return "UNSUPPORTED_ALGORITHM";
    case PQCHA_ERR_BAD_PAYLOAD_TYPE: return "BAD_PAYLOAD_TYPE";
    case PQCHA_ERR_BAD_STATEMENT_TYPE: return "BAD_STATEMENT_TYPE";
    case PQCHA_ERR_INCONSISTENT_CLAIMS: return "INCONSISTENT_CLAIMS";
    case PQCHA_ERR_BAD_PROTECTION: return "BAD_PROTECTION";
    case PQCHA_ERR_BAD_KEY: return "BAD_KEY";
    case PQCHA_ERR_OUT_OF_RANGE: return "OUT_OF_RANGE";
    case PQCHA_ERR_BAD_IDENTIFIER: return "BAD_IDENTIFIER";
    case PQCHA_ERR_EMPTY_REPORT: return "EMPTY_REPORT";
    case PQCHA_ERR_SIGNATURE_COUNT: return "SIGNATURE_COUNT";
    case PQCHA_ERR_BAD_POLICY: return "BAD_POLICY";
    case PQCHA_ERR_JSON_TOO_COMPLEX: return "JSON_TOO_COMPLEX";
    case PQCHA_ERR_BAD_EVIDENCE: return "BAD_EVIDENCE";
    case PQCHA_ERR_BAD_CERTIFICATE: return "BAD_CERTIFICATE";
    case PQCHA_ERR_BAD_SIGNATURE: return "BAD_SIGNATURE";
    case PQCHA_ERR_UNTRUSTED_KEY: return "UNTRUSTED_KEY";
    case PQCHA_ERR_EXPIRED: return "EXPIRED";
    case PQCHA_ERR_NOT_YET_VALID: return "NOT_YET_VALID";
    case PQCHA_ERR_LIFETIME_TOO_LONG: return "LIFETIME_TOO_LONG";
    case PQCHA_ERR_NONCE_MISMATCH: return "NONCE_MISMATCH";
    case PQCHA_ERR_MEMORY_DRIFT: return "MEMORY_DRIFT";
    case PQCHA_ERR_MISSING_REGION: return "MISSING_REGION";
    case PQCHA_ERR_DUPLICATE_REGION: return "DUPLICATE_REGION";
    case PQCHA_ERR_UNEXPECTED_REGION: return "UNEXPECTED_REGION";
    case PQCHA_ERR_UNKNOWN_WORKLOAD: return "UNKNOWN_WORKLOAD";
    case PQCHA_ERR_POLICY_VIOLATION: return "POLICY_VIOLATION";
    case PQCHA_ERR_SIGNER_MISMATCH: return "SIGNER_MISMATCH";
    case PQCHA_ERR_UNKNOWN_BACKEND: return "UNKNOWN_BACKEND";
    case PQCHA_ERR_BACKEND_IO: return "BACKEND_IO";
    case PQCHA_ERR_NO_SUCH_REGION: return "NO_SUCH_REGION";
    case PQCHA_ERR_DEVICE_NOT_PRESENT: return "DEVICE_NOT_PRESENT";
    case PQCHA_ERR_REGION_EXISTS: return "REGION_EXISTS";
    case PQCHA_ERR_REGION_CHANGED: return "REGION_CHANGED";
    case PQCHA_ERR_NO_SUCH_PROCESS: return "NO_SUCH_PROCESS";
    case PQCHA_ERR_PERMISSION: return "PERMISSION";
    case PQCHA_ERR_FILE_EXISTS: return "FILE_EXISTS";
    case PQCHA_ERR_NOT_FOUND: return "NOT_FOUND";
    case PQCHA_ERR_IO: return "IO";
    case PQCHA_ERR_NOT_PRIVATE_KEY: return "NOT_PRIVATE_KEY";
    case PQCHA_ERR_NO_SPACE: return "NO_SPACE";
    case PQCHA_ERR_IS_DIRECTORY: return "IS_DIRECTORY";
    case PQCHA_ERR_READ_ONLY: return "READ_ONLY";
    case PQCHA_ERR_EVIDENCE_SIGNATURE: return "EVIDENCE_SIGNATURE";
    case PQCHA_ERR_CERT_CHAIN: return "CERT_CHAIN";
    case PQCHA_ERR_CERT_EXPIRED: return "CERT_EXPIRED";
    case PQCHA_ERR_CERT_REVOKED: return "CERT_REVOKED";
    case PQCHA_ERR_EVIDENCE_BINDING: return "EVIDENCE_BINDING";
    case PQCHA_ERR_CERT_MISMATCH: return "CERT_MISMATCH";
    case PQCHA_ERR_TCB_TOO_LOW: return "TCB_TOO_LOW";
    case PQCHA_ERR_EVIDENCE_POLICY: return "EVIDENCE_POLICY";
    case PQCHA_ERR_NO_EVIDENCE: return "NO_EVIDENCE";
    case PQCHA_ERR_DEVICE_BUSY: return "DEVICE_BUSY";
    case PQCHA_ERR_EVIDENCE_CHANGED: return "EVIDENCE_CHANGED";
    case PQCHA_ERR_IN_USE: return "IN_USE";
    case PQCHA_ERR_NOT_DIRECTORY: return "NOT_DIRECTORY";
    case PQCHA_ERR_NONCE_UNKNOWN: return "NONCE_UNKNOWN";
    case PQCHA_ERR_NONCE_USED: return "NONCE_USED";
    case PQCHA_ERR_NONCE_EXPIRED: return "NONCE_EXPIRED";
    case PQCHA_ERR_STORE: return "STORE";
    case PQCHA_ERR_STORE_SCHEMA: return "STORE_SCHEMA";
    case PQCHA_ERR_LOG_PROOF: return "LOG_PROOF";
    case PQCHA_ERR_LOG_PROOF_SIZE: return "LOG_PROOF_SIZE";
    case PQCHA_ERR_LOG_FORK: return "LOG_FORK";
    case PQCHA_ERR_LOG_ROLLBACK: return "LOG_ROLLBACK";
    case PQCHA_ERR_LOG_TILE: return "LOG_TILE";
    case PQCHA_ERR_LOG_TILE_SIZE: return "LOG_TILE_SIZE";
    case PQCHA_ERR_LOG_TILE_PATH: return "LOG_TILE_PATH";
    case PQCHA_ERR_LOG_BUNDLE: return "LOG_BUNDLE";
    case PQCHA_ERR_LOG_CHECKPOINT: return "LOG_CHECKPOINT";
    case PQCHA_ERR_LOG_TREE_SIZE: return "LOG_TREE_SIZE";
    case PQCHA_ERR_LOG_TEXT: return "LOG_TEXT";
    case PQCHA_ERR_LOG_NOTE: return "LOG_NOTE";
    case PQCHA_ERR_LOG_ORIGIN: return "LOG_ORIGIN";
    case PQCHA_ERR_LOG_WITNESSES: return "LOG_WITNESSES";
    case PQCHA_ERR_LAST_: return NULL; /* one past the highest value, not an error */
    }
    return NULL;
}

/* Values are walked as ints, values outside the enum included: each is
 * handed over as a pqcha_err, as a caller holding a cast int would. */
static const char *name_of(int value) {
    return pqcha_error_name((pqcha_err)value);
}

static const char *text_of(int value) {
    return pqcha_strerror((pqcha_err)value);
}

static int is_fallback(int value) {
    return strcmp(name_of(value), "UNKNOWN") == 0 && strcmp(text_of(value), "unknown error") == 0;
}

/* A row forgotten in the table, a row under the wrong value or with the
 * wrong name, and a row for a value the enum does not declare all fail here. */
static void test_every_declared_value_has_its_row(void) {
    int declared = 0;
    for (int e = PQCHA_OK; e < PQCHA_ERR_LAST_; e++) {
        const char *want = declared_name(e);
        if (want == NULL) {
            if (!is_fallback(e))
                fprintf(stderr, "  %d is not declared but has the row %s\n", e, name_of(e));
            CHECK(is_fallback(e));
            continue;
        }
        declared++;
        if (strcmp(name_of(e), want) != 0)
            fprintf(stderr, "  %d (%s) has no row of its own\n", e, want);
        CHECK_STR(name_of(e), want);
        CHECK(strcmp(text_of(e), "unknown error") != 0);
        CHECK(strlen(text_of(e)) > 0);
    }
    CHECK(declared > 0);
    /* PQCHA_ERR_LAST_ is one past the highest declared value. */
    CHECK(declared_name(PQCHA_ERR_LAST_ - 1) != NULL);
}

static void test_names_and_descriptions_are_distinct(void) {
    for (int a = PQCHA_OK; a < PQCHA_ERR_LAST_; a++) {
        if (declared_name(a) == NULL) continue;
        for (int b = a + 1; b < PQCHA_ERR_LAST_; b++) {
            if (declared_name(b) == NULL) continue;
            CHECK(strcmp(name_of(a), name_of(b)) != 0);
            if (strcmp(text_of(a), text_of(b)) == 0)
                fprintf(stderr, "  %s and %s share \"%s\"\n", name_of(a), name_of(b), text_of(a));
            CHECK(strcmp(text_of(a), text_of(b)) != 0);
        }
    }
}

static void test_known_values(void) {
    /* The numbers are ABI: bindings and logs depend on them. */
    CHECK(PQCHA_OK == 0);
    CHECK(PQCHA_ERR_NO_MEMORY == 2);
    CHECK(PQCHA_ERR_MALFORMED == 10);
    CHECK(PQCHA_ERR_BAD_SIGNATURE == 40);
    CHECK(PQCHA_ERR_MEMORY_DRIFT == 46);
    CHECK(PQCHA_ERR_UNKNOWN_BACKEND == 60);
    CHECK(PQCHA_ERR_LOG_PROOF == 120);
    CHECK(PQCHA_ERR_LOG_WITNESSES == 133);
    CHECK_STR(pqcha_error_name(PQCHA_ERR_UNTRUSTED_KEY), "UNTRUSTED_KEY");
    CHECK_STR(pqcha_strerror(PQCHA_OK), "success");
    CHECK_STR(pqcha_strerror(PQCHA_ERR_DEVICE_NOT_PRESENT), "platform device not present");
}

static void test_unknown_values(void) {
    static const int outside[] = {INT_MIN, -1, PQCHA_ERR_LAST_, PQCHA_ERR_LAST_ + 1, 9999, INT_MAX};
    for (size_t i = 0; i < sizeof outside / sizeof outside[0]; i++) {
        CHECK_STR(name_of(outside[i]), "UNKNOWN");
        CHECK_STR(text_of(outside[i]), "unknown error");
    }
    CHECK_STR(text_of(7), "unknown error"); /* a gap between ranges */
    CHECK_STR(name_of(39), "UNKNOWN");
}

static void test_malformed_range(void) {
    CHECK(pqcha_error_is_malformed(PQCHA_ERR_MALFORMED));
    CHECK(pqcha_error_is_malformed(PQCHA_ERR_BAD_POLICY));
    CHECK(pqcha_error_is_malformed(PQCHA_ERR_TIMESTAMP_NO_ZONE));
    CHECK(!pqcha_error_is_malformed(PQCHA_ERR_BAD_SIGNATURE));
    CHECK(!pqcha_error_is_malformed(PQCHA_ERR_NO_MEMORY));
    CHECK(!pqcha_error_is_malformed(PQCHA_OK));
    for (int e = -1; e <= PQCHA_ERR_LAST_; e++)
        CHECK(pqcha_error_is_malformed((pqcha_err)e) == (e >= 10 && e <= 39));
}

static void test_errno_mapping(void) {
    static const struct {
        int e;
        pqcha_err want;
    } cases[] = {{EEXIST, PQCHA_ERR_FILE_EXISTS},
                 {ENOENT, PQCHA_ERR_NOT_FOUND},
                 {ENOTDIR, PQCHA_ERR_NOT_FOUND},
                 {EACCES, PQCHA_ERR_PERMISSION},
                 {EPERM, PQCHA_ERR_PERMISSION},
                 {ENOSPC, PQCHA_ERR_NO_SPACE},
                 {EDQUOT, PQCHA_ERR_NO_SPACE},
                 {EISDIR, PQCHA_ERR_IS_DIRECTORY},
                 {EROFS, PQCHA_ERR_READ_ONLY},
                 {ENOMEM, PQCHA_ERR_NO_MEMORY},
                 {EIO, PQCHA_ERR_IO},
                 {0, PQCHA_ERR_IO}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK_ERR(pqcha_error_from_errno(cases[i].e), cases[i].want);
}

TEST_MAIN(TEST(test_errno_mapping), TEST(test_every_declared_value_has_its_row),
          TEST(test_names_and_descriptions_are_distinct), TEST(test_known_values),
          TEST(test_unknown_values), TEST(test_malformed_range))
