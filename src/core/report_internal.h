/* report_internal.h — the in-memory report model shared by the encoder,
 * decoder, attester and verifier. The public API sees it only through
 * accessors (pqcha/report.h). */
#ifndef PQCHA_REPORT_INTERNAL_H
#define PQCHA_REPORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/binding.h"
#include "core/json.h"
#include "core/region_internal.h"
#include "core/segments.h"
#include "pqcha.h"

/* One measured region: the claim the attester signs about it. */
typedef struct pqcha__claim {
    pqcha_region region; /* owned strings */
    pqcha_digest_alg digest_alg;
    uint8_t digest[PQCHA_MAX_DIGEST_LEN];
    size_t digest_len;
    char digest_hex[2 * PQCHA_MAX_DIGEST_LEN + 1];
    int64_t taken_at;   /* Unix seconds */
    char *expected_hex; /* informational, may be NULL */
    /* sha3-256-tree node digests (FORMAT.md 4.5), or node_count 0. Set only
     * through pqcha__report_set_claim_nodes, which checks that they
     * reproduce the digest: they are as authentic as the digest itself. */
    unsigned node_level;
    size_t node_count;
    uint8_t (*nodes)[PQCHA_SHA3_256_LEN];
    /* sha3-256-segments (FORMAT.md 4.6): the pieces and their digests. Set
     * only through pqcha__report_set_claim_segments, which checks that they
     * tile the region and reproduce the digest. */
    pqcha__segment *segments;
    size_t segment_count;
} pqcha__claim;

/* Hardware evidence carried in the predicate (FORMAT.md 4.7); only carried
 * here, verified by the evidence verifier. */
#define PQCHA__PLATFORM_SNP "amd-sev-snp"
#define PQCHA__PLATFORM_TDX "intel-tdx"
typedef struct pqcha__report_evidence {
    char platform[16]; /* PQCHA__PLATFORM_SNP or PQCHA__PLATFORM_TDX */
    pqcha__binding binding;
    uint8_t *data; /* the raw report or quote, 1..PQCHA_MAX_EVIDENCE_LEN bytes */
    size_t data_len;
    uint8_t *certs; /* what came with it (SEV-SNP certificate table), or NULL */
    size_t certs_len;
} pqcha__report_evidence;

struct pqcha_report {
    char *report_id; /* "urn:uuid:<RFC 4122 v4, lowercase>" */
    char *workload_id;
    char *platform; /* backend platform, e.g. "file", "in-memory" */
    char signer_key_id[PQCHA_KEY_ID_HEX_LEN + 1];
    pqcha_sig_alg signer_alg;
    char *nonce_hex;
    uint64_t sequence;
    int64_t issued_at;
    int64_t expires_at;
    pqcha__claim *claims;
    size_t claim_count;
    size_t claim_cap;
    pqcha__report_evidence *evidence; /* NULL: none */
};

pqcha_err pqcha__report_new(pqcha_report **out);
/* Sets a string field (copied): field is &rep->workload_id etc. */
pqcha_err pqcha__report_set_string(char **field, const char *value);
/* Appends a claim (region strings and expected_hex are copied). */
pqcha_err pqcha__report_add_claim(pqcha_report *rep, const pqcha_region *region,
                                  pqcha_digest_alg alg, const uint8_t *digest, size_t digest_len,
                                  int64_t taken_at, const char *expected_hex);
/* The same for a region built by pqcha_region_create (and its setters), so
 * already under every region rule, without a tensor table: the claim takes
 * it over instead of copying it. *region is NULL afterwards, also on error.
 * For the decoder, which builds thousands of regions per report. */
pqcha_err pqcha__report_take_claim(pqcha_report *rep, pqcha_region **region, pqcha_digest_alg alg,
                                   const uint8_t *digest, size_t digest_len, int64_t taken_at,
                                   const char *expected_hex);
/* Attaches node digests (count * 32 bytes, copied) to claim i.
 * PQCHA_ERR_INCONSISTENT_CLAIMS unless the claim is sha3-256-tree over more
 * than one leaf, level and count are exactly FORMAT.md 4.5's for its size,
 * and the digest recomputed from the nodes equals the claim's digest. */
pqcha_err pqcha__report_set_claim_nodes(pqcha_report *rep, size_t i, unsigned level,
                                        const uint8_t *nodes, size_t count);
/* Attaches the segments (copied) to claim i. INCONSISTENT_CLAIMS unless the
 * claim is sha3-256-segments over a mapped region, the segments tile the
 * region from its file offset (pqcha__segments_check) and their combined
 * digest equals the claim's. */
pqcha_err pqcha__report_set_claim_segments(pqcha_report *rep, size_t i,
                                           const pqcha__segment *segments, size_t count);
/* Sets the report's evidence (copies; replaces any earlier one).
 * Returns: OK, INVALID_ARGUMENT, BAD_EVIDENCE (unknown platform or
 * binding, no bytes), TOO_LARGE, NO_MEMORY. */
pqcha_err pqcha__report_set_evidence(pqcha_report *rep, const char *platform,
                                     pqcha__binding binding, const uint8_t *data, size_t len,
                                     const uint8_t *certs, size_t certs_len);
void pqcha__report_evidence_free(pqcha__report_evidence *ev);
/* The platform is one evidence may name (PQCHA__PLATFORM_SNP or _TDX). */
int pqcha__report_evidence_platform_known(const char *platform);
/* Field rules shared by the encoder, the decoder (statement_decode.c) and
 * the reference decoder the tests compare it with: a report id is
 * "urn:uuid:" + 8-4-4-4-12 lowercase hex (MALFORMED); a nonce lowercase hex
 * of PQCHA_MIN_NONCE_BYTES..PQCHA_MAX_NONCE_BYTES; a key id lowercase hex of
 * PQCHA_KEY_ID_HEX_LEN digits; an address "0x" + lowercase hex without
 * leading zeros, at most 64 bits (BAD_HEX). */
pqcha_err pqcha__report_id_check(const char *id);
pqcha_err pqcha__report_nonce_check(const char *nonce_hex);
pqcha_err pqcha__report_key_id_check(const char *key_id);
pqcha_err pqcha__report_address_parse(uint64_t *out, const char *text);
/* A fresh "urn:uuid:..." random (v4) report id. */
pqcha_err pqcha__report_new_id(char **out);

/* The in-toto Statement v1 payload for a report (docs/FORMAT.md, "Payload").
 * Compact JSON with sorted keys, NUL-terminated, after every rule of the
 * format has been checked and within PQCHA_MAX_PAYLOAD_LEN (the writer
 * itself, without either: statement_write.h). */
pqcha_err pqcha__statement_encode(char **out, size_t *out_len, const pqcha_report *rep);
/* Strict decoder for the payload (statement_decode.c): size caps, exact
 * fields and types, every cross-field consistency rule of FORMAT.md. */
pqcha_err pqcha__statement_decode(pqcha_report **out, const uint8_t *payload, size_t len);
/* What a payload may hold as JSON (also for 'inspect', which parses it
 * unverified): PQCHA_MAX_PAYLOAD_LEN bytes, nesting, tree cost (json.h). */
extern const pqcha__json_limits pqcha__payload_json_limits;

#endif
