/* result_json.c — a verification result as JSON (pqcha_result_to_json,
 * what `pqcha verify --json` prints and `pqcha serve` stores for every
 * report; docs/FORMAT.md section 9).
 *
 * Written directly (json_write.h) rather than through a jansson tree: the
 * tree (some 60 nodes for a one-region report, sorted and dumped) cost a
 * quarter of the ML-DSA-65 verification it reports on. The bytes are those
 * of the former tree encoder dumped with PQCHA__JSON_COMPACT_ASCII (jansson
 * 2.14, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII): compact, every
 * non-ASCII character as \uXXXX. tests/unit/test_result_write.c holds it to
 * that encoder byte for byte. Every object's keys are written here in strcmp
 * order, as JSON_SORT_KEYS wrote them:
 *
 *   result   checks, drift, driftDetails, error, errorName, missingTensors,
 *            report, verdict
 *   check    error, expected, found, name, status
 *   report   expiresAt, issuedAt, nonce, platform, regions, reportId,
 *            sequence, signer, workloadId
 *   signer   algorithm, keyId
 *   region   address, description, digest, digestAlgorithm, expectedDigest?,
 *            id, mapping?, protection, size, takenAt, tensorCount?
 *   mapping  deleted, file, offset
 *   span     length, offset, region, tensorCount, tensors
 *   missing  region, tensor
 *
 * A new field goes into its object's list at its sorted place.
 *
 * A string that is not well-formed UTF-8, or NULL where one is required,
 * fails the whole text with NO_MEMORY and no output, as before: jansson's
 * json_string refused it, and the tree encoder could only report an
 * allocation failure. Kept rather than changed: reports are decoded as
 * strict UTF-8 and the verifier is not known to make such a string, so one
 * would be a bug elsewhere; a lossy replacement would break verify.h's
 * promise that every value is exact, and another code its list of errors.
 * test_result_write.c holds both encoders to this. */
#include <stdint.h>

#include "core/json_write.h"
#include "core/verify_internal.h"

/* The first buffer's size, from the counts alone: a check takes about 250
 * bytes with its texts, a region about 350, a span or missing tensor 100
 * besides its names. Too small only costs a doubling. */
#define HEADER_GUESS_BYTES 640u
#define CHECK_GUESS_BYTES  256u
#define REGION_GUESS_BYTES 384u
#define ITEM_GUESS_BYTES   128u
#define SIZE_GUESS_MAX     (1024u * 1024u)

/* A time as the checks show it (pqcha__time_text): RFC 3339, or its Unix
 * seconds when outside what RFC 3339 can spell. */
static void put_time_text(pqcha__json_writer *w, int64_t t) {
    if (pqcha__json_put_time(w, t) == PQCHA_OK) return;
    char text[PQCHA_TIMESTAMP_LEN + 1];
    pqcha__time_text(text, t);
    pqcha__json_put_string(w, text);
}

/* Array items (pqcha__json_put_array) are written by functions that take
 * a pointer to the item: a string of the drift list or of a span's tensors,
 * a check, a region, a span, a missing tensor. */
static void write_string(pqcha__json_writer *w, const void *item) {
    pqcha__json_put_string(w, *(char *const *)item);
}

/* ---- checks ---- */

static void write_check(pqcha__json_writer *w, const void *item) {
    const pqcha__result_check *rc = item;
    PQCHA__JSON_PUT_LITERAL(w, "{\"error\":");
    if (rc->err == PQCHA_OK)
        PQCHA__JSON_PUT_LITERAL(w, "null");
    else
        pqcha__json_put_string(w, pqcha_error_name(rc->err));
    PQCHA__JSON_PUT_LITERAL(w, ",\"expected\":");
    pqcha__json_put_string(w, rc->expected);
    PQCHA__JSON_PUT_LITERAL(w, ",\"found\":");
    pqcha__json_put_string(w, rc->found);
    PQCHA__JSON_PUT_LITERAL(w, ",\"name\":");
    pqcha__json_put_string(w, rc->name);
    PQCHA__JSON_PUT_LITERAL(w, ",\"status\":");
    pqcha__json_put_string(w, pqcha_check_status_name(rc->status));
    PQCHA__JSON_PUT_LITERAL(w, "}");
}

/* ---- the report's summary ---- */

/* Where in which file the region's bytes come from; "deleted" always. */
static void write_mapping(pqcha__json_writer *w, const pqcha_region *region) {
    PQCHA__JSON_PUT_LITERAL(w, ",\"mapping\":{\"deleted\":");
    if (region->file_deleted)
        PQCHA__JSON_PUT_LITERAL(w, "true");
    else
        PQCHA__JSON_PUT_LITERAL(w, "false");
    PQCHA__JSON_PUT_LITERAL(w, ",\"file\":");
    pqcha__json_put_string(w, region->mapped_file);
    PQCHA__JSON_PUT_LITERAL(w, ",\"offset\":");
    pqcha__json_put_int(w, (int64_t)region->file_offset);
    PQCHA__JSON_PUT_LITERAL(w, "}");
}

/* How many of a segmented region's pieces are tensors (the rest are gaps). */
static size_t tensor_count(const pqcha__claim *claim) {
    size_t tensors = 0;
    for (size_t i = 0; i < claim->segment_count; i++)
        tensors += claim->segments[i].tensor != NULL;
    return tensors;
}

static void write_region(pqcha__json_writer *w, const void *item) {
    const pqcha__claim *claim = item;
    const pqcha_region *region = &claim->region;
    const char *prot = pqcha_protection_name(region->protection);
    PQCHA__JSON_PUT_LITERAL(w, "{\"address\":");
    pqcha__json_put_address(w, region->address);
    PQCHA__JSON_PUT_LITERAL(w, ",\"description\":");
    pqcha__json_put_string(w, region->description ? region->description : "");
    PQCHA__JSON_PUT_LITERAL(w, ",\"digest\":");
    pqcha__json_put_string(w, claim->digest_hex);
    PQCHA__JSON_PUT_LITERAL(w, ",\"digestAlgorithm\":");
    pqcha__json_put_string(w, pqcha__digest_alg_text(claim->digest_alg));
    if (claim->expected_hex) { /* the attester's own claim: shown, never used */
        PQCHA__JSON_PUT_LITERAL(w, ",\"expectedDigest\":");
        pqcha__json_put_string(w, claim->expected_hex);
    }
    PQCHA__JSON_PUT_LITERAL(w, ",\"id\":");
    pqcha__json_put_string(w, region->id);
    if (region->mapped_file) write_mapping(w, region);
    PQCHA__JSON_PUT_LITERAL(w, ",\"protection\":");
    pqcha__json_put_string(w, prot ? prot : "?");
    PQCHA__JSON_PUT_LITERAL(w, ",\"size\":");
    pqcha__json_put_int(w, (int64_t)region->size);
    PQCHA__JSON_PUT_LITERAL(w, ",\"takenAt\":");
    put_time_text(w, claim->taken_at);
    if (claim->segment_count > 0) {
        PQCHA__JSON_PUT_LITERAL(w, ",\"tensorCount\":");
        pqcha__json_put_int(w, (int64_t)tensor_count(claim));
    }
    PQCHA__JSON_PUT_LITERAL(w, "}");
}

/* The authenticated report, or null when there is none. */
static void write_report(pqcha__json_writer *w, const pqcha_report *rep) {
    if (!rep) {
        PQCHA__JSON_PUT_LITERAL(w, "null");
        return;
    }
    PQCHA__JSON_PUT_LITERAL(w, "{\"expiresAt\":");
    put_time_text(w, rep->expires_at);
    PQCHA__JSON_PUT_LITERAL(w, ",\"issuedAt\":");
    put_time_text(w, rep->issued_at);
    PQCHA__JSON_PUT_LITERAL(w, ",\"nonce\":");
    pqcha__json_put_string(w, rep->nonce_hex);
    PQCHA__JSON_PUT_LITERAL(w, ",\"platform\":");
    pqcha__json_put_string(w, rep->platform);
    PQCHA__JSON_PUT_LITERAL(w, ",\"regions\":");
    pqcha__json_put_array(w, rep->claims, rep->claim_count, sizeof rep->claims[0], write_region);
    PQCHA__JSON_PUT_LITERAL(w, ",\"reportId\":");
    pqcha__json_put_string(w, rep->report_id);
    PQCHA__JSON_PUT_LITERAL(w, ",\"sequence\":");
    pqcha__json_put_int(w, (int64_t)rep->sequence);
    PQCHA__JSON_PUT_LITERAL(w, ",\"signer\":{\"algorithm\":");
    pqcha__json_put_string(w, pqcha__sig_alg_text(rep->signer_alg));
    PQCHA__JSON_PUT_LITERAL(w, ",\"keyId\":");
    pqcha__json_put_string(w, rep->signer_key_id);
    PQCHA__JSON_PUT_LITERAL(w, "},\"workloadId\":");
    pqcha__json_put_string(w, rep->workload_id);
    PQCHA__JSON_PUT_LITERAL(w, "}");
}

/* ---- drift details ---- */

static void write_span(pqcha__json_writer *w, const void *item) {
    const pqcha__result_span *sp = item;
    PQCHA__JSON_PUT_LITERAL(w, "{\"length\":");
    pqcha__json_put_int(w, (int64_t)sp->length);
    PQCHA__JSON_PUT_LITERAL(w, ",\"offset\":");
    pqcha__json_put_int(w, (int64_t)sp->offset);
    PQCHA__JSON_PUT_LITERAL(w, ",\"region\":");
    pqcha__json_put_string(w, sp->region);
    PQCHA__JSON_PUT_LITERAL(w, ",\"tensorCount\":");
    pqcha__json_put_int(w, (int64_t)sp->tensor_total);
    PQCHA__JSON_PUT_LITERAL(w, ",\"tensors\":");
    pqcha__json_put_array(w, sp->tensors, sp->tensor_count, sizeof sp->tensors[0], write_string);
    PQCHA__JSON_PUT_LITERAL(w, "}");
}

static void write_missing_tensor(pqcha__json_writer *w, const void *item) {
    const pqcha__result_missing_tensor *m = item;
    PQCHA__JSON_PUT_LITERAL(w, "{\"region\":");
    pqcha__json_put_string(w, m->region);
    PQCHA__JSON_PUT_LITERAL(w, ",\"tensor\":");
    pqcha__json_put_string(w, m->tensor);
    PQCHA__JSON_PUT_LITERAL(w, "}");
}

/* ---- the result ---- */

static void write_result(pqcha__json_writer *w, const pqcha_result *r) {
    PQCHA__JSON_PUT_LITERAL(w, "{\"checks\":");
    pqcha__json_put_array(w, r->checks, r->check_count, sizeof r->checks[0], write_check);
    PQCHA__JSON_PUT_LITERAL(w, ",\"drift\":");
    pqcha__json_put_array(w, r->drift, r->drift_count, sizeof r->drift[0], write_string);
    PQCHA__JSON_PUT_LITERAL(w, ",\"driftDetails\":");
    pqcha__json_put_array(w, r->spans, r->span_count, sizeof r->spans[0], write_span);
    PQCHA__JSON_PUT_LITERAL(w, ",\"error\":");
    pqcha__json_put_int(w, (int64_t)r->error);
    PQCHA__JSON_PUT_LITERAL(w, ",\"errorName\":");
    pqcha__json_put_string(w, pqcha_error_name(r->error));
    PQCHA__JSON_PUT_LITERAL(w, ",\"missingTensors\":");
    pqcha__json_put_array(w, r->missing, r->missing_count, sizeof r->missing[0],
                          write_missing_tensor);
    PQCHA__JSON_PUT_LITERAL(w, ",\"report\":");
    write_report(w, r->report);
    PQCHA__JSON_PUT_LITERAL(w, ",\"verdict\":");
    pqcha__json_put_string(w, pqcha_verdict_name(r->verdict));
    PQCHA__JSON_PUT_LITERAL(w, "}");
}

/* The first buffer: large enough for most results, so that it seldom
 * moves, and at most SIZE_GUESS_MAX (a larger result grows by doubling). */
static size_t size_guess(const pqcha_result *r) {
    size_t regions = r->report ? r->report->claim_count : 0;
    size_t items = r->drift_count + r->span_count + r->missing_count;
    if (r->check_count + regions + items > SIZE_GUESS_MAX / REGION_GUESS_BYTES)
        return SIZE_GUESS_MAX;
    size_t bytes = HEADER_GUESS_BYTES + CHECK_GUESS_BYTES * r->check_count +
                   REGION_GUESS_BYTES * regions + ITEM_GUESS_BYTES * items;
    return bytes < SIZE_GUESS_MAX ? bytes : SIZE_GUESS_MAX;
}

pqcha_err pqcha_result_to_json(char **out, const pqcha_result *r) {
    if (!out) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (!r) return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha__json_writer w;
    pqcha__json_writer_init(&w, PQCHA__JSON_TEXT_ASCII, size_guess(r));
    write_result(&w, r);
    size_t len = 0;
    /* Every failure was an allocation failure to the tree encoder (see the
     * top of this file): the documented codes stay OK, INVALID_ARGUMENT and
     * NO_MEMORY. */
    return pqcha__json_writer_finish(&w, out, &len) == PQCHA_OK ? PQCHA_OK : PQCHA_ERR_NO_MEMORY;
}
