/* pqcha/error.h — the one numbered error enum of libpqcha.
 *
 * Every function that can fail returns a pqcha_err. The numbers are part of
 * the ABI (a Python ctypes wrapper and log readers depend on them): never
 * renumber, only append. Ranges group the kinds of failure a caller must
 * tell apart:
 *     1- 9  environment and API misuse
 *    10-39  malformed input (the bytes are not a well-formed pqcha object)
 *    40-59  verification refused an authentic-looking object
 *    60-69  backends (where region bytes come from)
 *    70-79  files and keys on disk
 *    80-99  hardware evidence; 100-119 a verifier service's challenges and store
 *   120-139  the transparency log (pqcha/tlog.h): proofs, tiles, checkpoints, notes
 */
#ifndef PQCHA_ERROR_H
#define PQCHA_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/* On every function that returns a pqcha_err: ignoring the result is a
 * compiler warning (GCC, clang). GCC warns even through a (void) cast, on
 * purpose: handle the error, or structure the code so that no result is
 * dropped. Empty for other compilers. */
#if defined(__GNUC__) || defined(__clang__)
#define PQCHA_MUST_CHECK __attribute__((warn_unused_result))
#else
#define PQCHA_MUST_CHECK
#endif

typedef enum pqcha_err {
    PQCHA_OK = 0,

    /* environment and API misuse */
    PQCHA_ERR_INVALID_ARGUMENT = 1, /* NULL where not allowed, bad option value */
    PQCHA_ERR_NO_MEMORY = 2,
    PQCHA_ERR_CRYPTO = 3,    /* the crypto library failed unexpectedly */
    PQCHA_ERR_RNG = 4,       /* no randomness available */
    PQCHA_ERR_CANCELLED = 5, /* a continuous run was stopped */
    PQCHA_ERR_INTERNAL = 6,  /* an invariant broke: a bug in pqcha */

    /* malformed input */
    PQCHA_ERR_MALFORMED = 10,   /* generic structural error */
    PQCHA_ERR_TOO_LARGE = 11,   /* input or field exceeds its size cap */
    PQCHA_ERR_JSON_SYNTAX = 12, /* not JSON, or not UTF-8, or trailing bytes */
    PQCHA_ERR_JSON_DUPLICATE_KEY = 13,
    PQCHA_ERR_UNKNOWN_FIELD = 14,
    PQCHA_ERR_MISSING_FIELD = 15,
    PQCHA_ERR_WRONG_TYPE = 16,        /* a field has the wrong JSON type */
    PQCHA_ERR_BAD_BASE64 = 17,        /* invalid or non-canonical base64 */
    PQCHA_ERR_BAD_HEX = 18,           /* invalid, uppercase or wrong-length hex */
    PQCHA_ERR_BAD_TIMESTAMP = 19,     /* not RFC 3339 UTC "YYYY-MM-DDTHH:MM:SS[.frac]Z" */
    PQCHA_ERR_TIMESTAMP_NO_ZONE = 20, /* a timestamp without a zone designator */
    PQCHA_ERR_BAD_SIGNATURE_LENGTH = 21,
    PQCHA_ERR_UNSUPPORTED_ALGORITHM = 22, /* signature or digest algorithm unknown */
    PQCHA_ERR_BAD_PAYLOAD_TYPE = 23,      /* DSSE payloadType is not pqcha's */
    PQCHA_ERR_BAD_STATEMENT_TYPE = 24,    /* in-toto _type or predicateType unknown */
    PQCHA_ERR_INCONSISTENT_CLAIMS = 25,   /* subjects and regions disagree, etc. */
    PQCHA_ERR_BAD_PROTECTION = 26,        /* protection not one of R, RO, RW, RX */
    PQCHA_ERR_BAD_KEY = 27,               /* a key that cannot be parsed or is not ML-DSA */
    PQCHA_ERR_OUT_OF_RANGE = 28,          /* a number outside its allowed range */
    PQCHA_ERR_BAD_IDENTIFIER = 29,        /* empty id, control characters, too long */
    PQCHA_ERR_EMPTY_REPORT = 30,          /* a report with no regions */
    PQCHA_ERR_SIGNATURE_COUNT = 31,       /* not exactly one DSSE signature */
    PQCHA_ERR_BAD_POLICY = 32,            /* a policy that is well-formed JSON but meaningless */
    PQCHA_ERR_JSON_TOO_COMPLEX = 33,      /* nested too deeply, or too many values for its size */
    PQCHA_ERR_BAD_EVIDENCE = 34,          /* SEV-SNP report or TDX quote malformed */
    PQCHA_ERR_BAD_CERTIFICATE = 35,       /* a certificate, CRL or collateral cannot be parsed */

    /* verification */
    PQCHA_ERR_BAD_SIGNATURE = 40,
    PQCHA_ERR_UNTRUSTED_KEY = 41, /* signed by a key the verifier does not trust */
    PQCHA_ERR_EXPIRED = 42,
    PQCHA_ERR_NOT_YET_VALID = 43,     /* issued_at later than now + skew */
    PQCHA_ERR_LIFETIME_TOO_LONG = 44, /* expires_at - issued_at above the maximum */
    PQCHA_ERR_NONCE_MISMATCH = 45,
    PQCHA_ERR_MEMORY_DRIFT = 46,   /* authentic digest differs from the policy */
    PQCHA_ERR_MISSING_REGION = 47, /* a region the policy requires is absent */
    PQCHA_ERR_DUPLICATE_REGION = 48,
    PQCHA_ERR_UNEXPECTED_REGION = 49, /* a region the policy does not know */
    PQCHA_ERR_UNKNOWN_WORKLOAD = 50,  /* the policy has no entry for the workload */
    PQCHA_ERR_POLICY_VIOLATION = 51,  /* algorithm, platform or signer not allowed */
    PQCHA_ERR_SIGNER_MISMATCH = 52,   /* payload names a different signer than the envelope */

    /* backends */
    PQCHA_ERR_UNKNOWN_BACKEND = 60,
    PQCHA_ERR_BACKEND_IO = 61, /* reading region bytes failed */
    PQCHA_ERR_NO_SUCH_REGION = 62,
    PQCHA_ERR_DEVICE_NOT_PRESENT = 63, /* platform device (SEV-SNP/TDX) absent */
    PQCHA_ERR_REGION_EXISTS = 64,
    PQCHA_ERR_REGION_CHANGED = 65,  /* the region changed (size, mapping) while reading */
    PQCHA_ERR_NO_SUCH_PROCESS = 66, /* the process does not exist (or exited) */
    PQCHA_ERR_PERMISSION = 67,      /* permission denied: a file, or another process's memory */

    /* files and keys */
    PQCHA_ERR_FILE_EXISTS = 70, /* refusing to overwrite without force */
    PQCHA_ERR_NOT_FOUND = 71,
    PQCHA_ERR_IO = 72,
    PQCHA_ERR_NOT_PRIVATE_KEY = 73, /* a public key where a private one is needed */
    PQCHA_ERR_NO_SPACE = 74,        /* no space left on the device (or quota exceeded) */
    PQCHA_ERR_IS_DIRECTORY = 75,    /* a directory where a file is needed */
    PQCHA_ERR_READ_ONLY = 76,       /* a read-only file system */
    PQCHA_ERR_IN_USE = 77,          /* locked by another process (one owner at a time) */
    PQCHA_ERR_NOT_DIRECTORY = 78,   /* a file where a directory is needed */

    /* hardware evidence (AMD SEV-SNP, Intel TDX): verification */
    PQCHA_ERR_EVIDENCE_SIGNATURE = 80, /* the report's or quote's signature does not verify */
    PQCHA_ERR_CERT_CHAIN = 81,       /* a certificate not signed by its issuer, or no pinned root */
    PQCHA_ERR_CERT_EXPIRED = 82,     /* a certificate or CRL outside its validity at that time */
    PQCHA_ERR_CERT_REVOKED = 83,     /* a certificate listed on its issuer's CRL */
    PQCHA_ERR_EVIDENCE_BINDING = 84, /* REPORT_DATA does not bind this key, nonce or payload */
    PQCHA_ERR_CERT_MISMATCH = 85,    /* signing certificate of another chip or TCB */
    PQCHA_ERR_TCB_TOO_LOW = 86,      /* TCB below the policy's minimum, or status not accepted */
    PQCHA_ERR_EVIDENCE_POLICY = 87,  /* a measurement or attribute the policy does not allow */
    PQCHA_ERR_NO_EVIDENCE = 88,      /* hardware evidence required but absent */
    /* hardware evidence: getting it inside the VM (pqcha/tee.h) */
    PQCHA_ERR_DEVICE_BUSY = 89,      /* the TEE stayed busy (EBUSY, EINTR...) past retries */
    PQCHA_ERR_EVIDENCE_CHANGED = 90, /* configfs-tsm generation moved: another writer raced */

    /* challenges kept by a verifier service (pqcha_verify_challenged) */
    PQCHA_ERR_NONCE_UNKNOWN = 100, /* not a challenge issued for this workload */
    PQCHA_ERR_NONCE_USED = 101,    /* the challenge was already answered by another report */
    PQCHA_ERR_NONCE_EXPIRED = 102, /* the challenge expired before the report arrived */
    /* the verifier service's store */
    PQCHA_ERR_STORE = 110,        /* the database failed or cannot be reached */
    PQCHA_ERR_STORE_SCHEMA = 111, /* the database's schema is newer than this build's */

    /* the transparency log (pqcha/tlog.h) */
    PQCHA_ERR_LOG_PROOF = 120, /* an inclusion or consistency proof does not lead to the root */
    PQCHA_ERR_LOG_PROOF_SIZE = 121, /* a proof with the wrong number of hashes for its sizes */
    PQCHA_ERR_LOG_FORK = 122,       /* two trees of the same size with different roots */
    PQCHA_ERR_LOG_ROLLBACK = 123,   /* a tree smaller than one already seen */
    PQCHA_ERR_LOG_TILE = 124,       /* a tile that does not match the tree or its entries */
    PQCHA_ERR_LOG_TILE_SIZE = 125,  /* a tile whose length is not its width's (truncated) */
    PQCHA_ERR_LOG_TILE_PATH = 126,  /* not a tile path (tile/<L>/<N>[.p/<W>]) */
    PQCHA_ERR_LOG_BUNDLE = 127,     /* an entry bundle truncated or with the wrong entry count */
    PQCHA_ERR_LOG_CHECKPOINT = 128, /* a checkpoint body without its lines, or a bad root */
    PQCHA_ERR_LOG_TREE_SIZE = 129,  /* a tree size that is not canonical decimal or too large */
    PQCHA_ERR_LOG_TEXT = 130,       /* a note that is not UTF-8 or holds a control character */
    PQCHA_ERR_LOG_NOTE = 131,       /* a signed note without its blank line or signature lines */
    PQCHA_ERR_LOG_ORIGIN = 132,     /* a checkpoint of another log (origin) */
    PQCHA_ERR_LOG_WITNESSES = 133,  /* fewer valid cosignatures than required */

    PQCHA_ERR_LAST_ = 134 /* not an error; one past the highest value */
} pqcha_err;

/* A one-line English description; never NULL, "unknown error" for unknown values. */
const char *pqcha_strerror(pqcha_err err);

/* The enumerator's name without the prefix, e.g. "BAD_SIGNATURE"; "UNKNOWN" for unknown values. */
const char *pqcha_error_name(pqcha_err err);

/* The error for a failed system call's errno, as the library reports it:
 * FILE_EXISTS, NOT_FOUND (also ENOTDIR: a path through a non-directory),
 * PERMISSION, NO_SPACE (also EDQUOT), IS_DIRECTORY, READ_ONLY, NO_MEMORY;
 * IO for any other. For tools and daemons built on libpqcha, so that a
 * cause reads the same in every message. */
pqcha_err pqcha_error_from_errno(int e);

/* 1 if err means the input was malformed (10-39), else 0. */
int pqcha_error_is_malformed(pqcha_err err);

#ifdef __cplusplus
}
#endif
#endif
