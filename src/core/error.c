/* error.c — names and descriptions of pqcha_err values (one table, one place). */
#include "pqcha/error.h"

#include <errno.h>
#include <stddef.h>

typedef struct error_entry {
    const char *name;
    const char *description;
} error_entry;

static const error_entry error_table[PQCHA_ERR_LAST_] = {
    [PQCHA_OK] = {"OK", "success"},
    [PQCHA_ERR_INVALID_ARGUMENT] = {"INVALID_ARGUMENT", "invalid argument"},
    [PQCHA_ERR_NO_MEMORY] = {"NO_MEMORY", "out of memory"},
    [PQCHA_ERR_CRYPTO] = {"CRYPTO", "cryptographic library failure"},
    [PQCHA_ERR_RNG] = {"RNG", "random number generator failure"},
    [PQCHA_ERR_CANCELLED] = {"CANCELLED", "stopped before completion"},
    [PQCHA_ERR_INTERNAL] = {"INTERNAL", "internal error (a bug in pqcha)"},
    [PQCHA_ERR_MALFORMED] = {"MALFORMED", "malformed input"},
    [PQCHA_ERR_TOO_LARGE] = {"TOO_LARGE", "input exceeds its size limit"},
    [PQCHA_ERR_JSON_SYNTAX] = {"JSON_SYNTAX", "invalid JSON"},
    [PQCHA_ERR_JSON_DUPLICATE_KEY] = {"JSON_DUPLICATE_KEY", "duplicate key in JSON object"},
    [PQCHA_ERR_UNKNOWN_FIELD] = {"UNKNOWN_FIELD", "unknown field"},
    [PQCHA_ERR_MISSING_FIELD] = {"MISSING_FIELD", "required field missing"},
    [PQCHA_ERR_WRONG_TYPE] = {"WRONG_TYPE", "field has the wrong type"},
    [PQCHA_ERR_BAD_BASE64] = {"BAD_BASE64", "invalid or non-canonical base64"},
    [PQCHA_ERR_BAD_HEX] = {"BAD_HEX", "invalid or non-canonical hex"},
    [PQCHA_ERR_BAD_TIMESTAMP] = {"BAD_TIMESTAMP",
                                 "invalid timestamp (RFC 3339 UTC with Z expected)"},
    [PQCHA_ERR_TIMESTAMP_NO_ZONE] = {"TIMESTAMP_NO_ZONE", "timestamp has no time zone"},
    [PQCHA_ERR_BAD_SIGNATURE_LENGTH] = {"BAD_SIGNATURE_LENGTH",
                                        "signature has the wrong length for its algorithm"},
    [PQCHA_ERR_UNSUPPORTED_ALGORITHM] = {"UNSUPPORTED_ALGORITHM", "unsupported algorithm"},
    [PQCHA_ERR_BAD_PAYLOAD_TYPE] = {"BAD_PAYLOAD_TYPE",
                                    "envelope payloadType is not a pqcha report"},
    [PQCHA_ERR_BAD_STATEMENT_TYPE] = {"BAD_STATEMENT_TYPE",
                                      "statement or predicate type not recognised"},
    [PQCHA_ERR_INCONSISTENT_CLAIMS] = {"INCONSISTENT_CLAIMS", "report claims are inconsistent"},
    [PQCHA_ERR_BAD_PROTECTION] = {"BAD_PROTECTION", "protection must be one of R, RO, RW, RX"},
    [PQCHA_ERR_BAD_KEY] = {"BAD_KEY", "not a valid ML-DSA key"},
    [PQCHA_ERR_OUT_OF_RANGE] = {"OUT_OF_RANGE", "value out of range"},
    [PQCHA_ERR_BAD_IDENTIFIER] = {"BAD_IDENTIFIER", "invalid identifier"},
    [PQCHA_ERR_EMPTY_REPORT] = {"EMPTY_REPORT", "report has no regions"},
    [PQCHA_ERR_SIGNATURE_COUNT] = {"SIGNATURE_COUNT", "envelope must carry exactly one signature"},
    [PQCHA_ERR_BAD_POLICY] = {"BAD_POLICY", "invalid policy"},
    [PQCHA_ERR_JSON_TOO_COMPLEX] = {"JSON_TOO_COMPLEX",
                                    "JSON too deeply nested or too many values for its size"},
    [PQCHA_ERR_BAD_SIGNATURE] = {"BAD_SIGNATURE", "signature verification failed"},
    [PQCHA_ERR_UNTRUSTED_KEY] = {"UNTRUSTED_KEY", "signed by a key that is not trusted"},
    [PQCHA_ERR_EXPIRED] = {"EXPIRED", "report has expired"},
    [PQCHA_ERR_NOT_YET_VALID] = {"NOT_YET_VALID", "report is issued in the future"},
    [PQCHA_ERR_LIFETIME_TOO_LONG] = {"LIFETIME_TOO_LONG", "report lifetime exceeds the maximum"},
    [PQCHA_ERR_NONCE_MISMATCH] = {"NONCE_MISMATCH", "report nonce does not match the challenge"},
    [PQCHA_ERR_MEMORY_DRIFT] = {"MEMORY_DRIFT", "memory drift: region digest differs from policy"},
    [PQCHA_ERR_MISSING_REGION] = {"MISSING_REGION", "a required region is missing"},
    [PQCHA_ERR_DUPLICATE_REGION] = {"DUPLICATE_REGION", "a region appears more than once"},
    [PQCHA_ERR_UNEXPECTED_REGION] = {"UNEXPECTED_REGION",
                                     "report has a region the policy does not allow"},
    [PQCHA_ERR_UNKNOWN_WORKLOAD] = {"UNKNOWN_WORKLOAD", "policy has no entry for this workload"},
    [PQCHA_ERR_POLICY_VIOLATION] = {"POLICY_VIOLATION", "report violates the policy"},
    [PQCHA_ERR_SIGNER_MISMATCH] = {"SIGNER_MISMATCH",
                                   "payload names a different signer than the envelope"},
    [PQCHA_ERR_UNKNOWN_BACKEND] = {"UNKNOWN_BACKEND", "unknown backend"},
    [PQCHA_ERR_BACKEND_IO] = {"BACKEND_IO", "backend could not read the region"},
    [PQCHA_ERR_NO_SUCH_REGION] = {"NO_SUCH_REGION", "no such region"},
    [PQCHA_ERR_DEVICE_NOT_PRESENT] = {"DEVICE_NOT_PRESENT", "platform device not present"},
    [PQCHA_ERR_REGION_EXISTS] = {"REGION_EXISTS", "region already registered"},
    [PQCHA_ERR_REGION_CHANGED] = {"REGION_CHANGED", "region changed while being read"},
    [PQCHA_ERR_NO_SUCH_PROCESS] = {"NO_SUCH_PROCESS", "no such process"},
    [PQCHA_ERR_PERMISSION] = {"PERMISSION", "permission denied"},
    [PQCHA_ERR_FILE_EXISTS] = {"FILE_EXISTS", "file exists (use --force to overwrite)"},
    [PQCHA_ERR_NOT_FOUND] = {"NOT_FOUND", "file not found"},
    [PQCHA_ERR_IO] = {"IO", "input/output error"},
    [PQCHA_ERR_NOT_PRIVATE_KEY] = {"NOT_PRIVATE_KEY", "a private key is required"},
    [PQCHA_ERR_NO_SPACE] = {"NO_SPACE", "no space left on device"},
    [PQCHA_ERR_IS_DIRECTORY] = {"IS_DIRECTORY", "is a directory"},
    [PQCHA_ERR_READ_ONLY] = {"READ_ONLY", "read-only file system"},
    [PQCHA_ERR_BAD_EVIDENCE] = {"BAD_EVIDENCE", "malformed SEV-SNP report or TDX quote"},
    [PQCHA_ERR_BAD_CERTIFICATE] = {"BAD_CERTIFICATE", "malformed certificate, CRL or collateral"},
    [PQCHA_ERR_EVIDENCE_SIGNATURE] = {"EVIDENCE_SIGNATURE",
                                      "hardware evidence signature verification failed"},
    [PQCHA_ERR_CERT_CHAIN] = {"CERT_CHAIN", "certificate chain does not lead to a pinned root"},
    [PQCHA_ERR_CERT_EXPIRED] = {"CERT_EXPIRED", "certificate or CRL not valid at that time"},
    [PQCHA_ERR_CERT_REVOKED] = {"CERT_REVOKED", "certificate revoked"},
    [PQCHA_ERR_EVIDENCE_BINDING] = {"EVIDENCE_BINDING",
                                    "hardware evidence is not bound to this key, nonce or report"},
    [PQCHA_ERR_CERT_MISMATCH] = {"CERT_MISMATCH", "signing certificate is for another chip or TCB"},
    [PQCHA_ERR_TCB_TOO_LOW] = {"TCB_TOO_LOW", "TCB below the policy's minimum or not accepted"},
    [PQCHA_ERR_EVIDENCE_POLICY] = {"EVIDENCE_POLICY",
                                   "hardware evidence violates the policy (measurement, debug...)"},
    [PQCHA_ERR_NO_EVIDENCE] = {"NO_EVIDENCE", "required hardware evidence is absent"},
    [PQCHA_ERR_DEVICE_BUSY] = {"DEVICE_BUSY", "the TEE's evidence provider stayed busy"},
    [PQCHA_ERR_EVIDENCE_CHANGED] = {"EVIDENCE_CHANGED",
                                    "another writer changed the configfs-tsm request"},
    [PQCHA_ERR_IN_USE] = {"IN_USE", "in use: locked by another process"},
    [PQCHA_ERR_NOT_DIRECTORY] = {"NOT_DIRECTORY", "not a directory"},
    [PQCHA_ERR_NONCE_UNKNOWN] = {"NONCE_UNKNOWN",
                                 "the nonce is not a challenge issued for this workload"},
    [PQCHA_ERR_NONCE_USED] = {"NONCE_USED", "the challenge was already answered by another report"},
    [PQCHA_ERR_NONCE_EXPIRED] = {"NONCE_EXPIRED",
                                 "the challenge expired before the report arrived"},
    [PQCHA_ERR_STORE] = {"STORE", "the database failed or cannot be reached"},
    [PQCHA_ERR_STORE_SCHEMA] = {"STORE_SCHEMA", "the database's schema is newer than this build's"},
    [PQCHA_ERR_LOG_PROOF] = {"LOG_PROOF", "the log proof does not lead to the tree's root"},
    [PQCHA_ERR_LOG_PROOF_SIZE] =
        {"LOG_PROOF_SIZE", "the log proof has the wrong number of hashes for its tree sizes"},
    [PQCHA_ERR_LOG_FORK] = {"LOG_FORK",
                            "the log forked: two trees of the same size with different roots"},
    [PQCHA_ERR_LOG_ROLLBACK] = {"LOG_ROLLBACK",
                                "the log rolled back: a tree smaller than one already seen"},
    [PQCHA_ERR_LOG_TILE] = {"LOG_TILE", "a log tile does not match the tree or its entries"},
    [PQCHA_ERR_LOG_TILE_SIZE] = {"LOG_TILE_SIZE",
                                 "a log tile's length is not its width's (truncated tile)"},
    [PQCHA_ERR_LOG_TILE_PATH] = {"LOG_TILE_PATH", "not a log tile path"},
    [PQCHA_ERR_LOG_BUNDLE] = {"LOG_BUNDLE",
                              "an entry bundle is truncated or has the wrong number of entries"},
    [PQCHA_ERR_LOG_CHECKPOINT] = {"LOG_CHECKPOINT", "malformed checkpoint"},
    [PQCHA_ERR_LOG_TREE_SIZE] = {"LOG_TREE_SIZE",
                                 "the tree size is not canonical decimal or is too large"},
    [PQCHA_ERR_LOG_TEXT] = {"LOG_TEXT",
                            "the note is not UTF-8 or holds a control character (a CR...)"},
    [PQCHA_ERR_LOG_NOTE] = {"LOG_NOTE", "malformed signed note or signature line"},
    [PQCHA_ERR_LOG_ORIGIN] = {"LOG_ORIGIN", "the checkpoint is for another log (origin)"},
    [PQCHA_ERR_LOG_WITNESSES] = {"LOG_WITNESSES", "fewer valid witness cosignatures than required"},
};

/* Any value a caller holds, also one outside the enum (a cast int). */
static const error_entry *lookup(pqcha_err err) {
    unsigned value = (unsigned)err;
    if (value >= (unsigned)PQCHA_ERR_LAST_ || error_table[value].name == NULL) return NULL;
    return &error_table[value];
}

const char *pqcha_strerror(pqcha_err err) {
    const error_entry *e = lookup(err);
    return e ? e->description : "unknown error";
}

const char *pqcha_error_name(pqcha_err err) {
    const error_entry *e = lookup(err);
    return e ? e->name : "UNKNOWN";
}

pqcha_err pqcha_error_from_errno(int e) {
    switch (e) {
    case EEXIST: return PQCHA_ERR_FILE_EXISTS;
    case ENOENT:
    case ENOTDIR: return PQCHA_ERR_NOT_FOUND;
    case EACCES:
    case EPERM: return PQCHA_ERR_PERMISSION;
    case ENOSPC:
    case EDQUOT: return PQCHA_ERR_NO_SPACE;
    case EISDIR: return PQCHA_ERR_IS_DIRECTORY;
    case EROFS: return PQCHA_ERR_READ_ONLY;
    case ENOMEM: return PQCHA_ERR_NO_MEMORY;
    default: return PQCHA_ERR_IO;
    }
}

int pqcha_error_is_malformed(pqcha_err err) {
    return err >= PQCHA_ERR_MALFORMED && err < PQCHA_ERR_BAD_SIGNATURE;
}
