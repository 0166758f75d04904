/* test_policy.c — the verifier policy parser (docs/FORMAT.md section 6):
 * a valid policy and its lookups, then every rejection with its exact code. */
#include <stdarg.h>

#include "core/policy_internal.h"
#include "testutil.h"

#define D64       "33bad5430899ed6f8beaf3e732b2a2cad1d40b7c9de0cfcdc7e0bc0756803a10"
#define D64_UPPER "33BAD5430899ED6F8BEAF3E732B2A2CAD1D40B7C9DE0CFCDC7E0BC0756803A10"
/* A minimal valid workload set, used where a test varies something else. */
#define WORKLOADS "\"workloads\":{\"w\":{\"regions\":{\"r\":{\"sha3-256\":\"" D64 "\"}}}}"

static pqcha_err parse(const char *text) {
    pqcha_policy *p = NULL;
    pqcha_err err = pqcha_policy_parse(&p, text, strlen(text));
    if (err == PQCHA_OK && p == NULL) return PQCHA_ERR_INTERNAL;
    if (err != PQCHA_OK && p != NULL) return PQCHA_ERR_INTERNAL; /* output must stay NULL */
    pqcha_policy_free(p);
    return err;
}

/* A PEM text with its newlines escaped for a JSON string; free with free(). */
static char *json_pem(const pqcha_key *key, int private_half) {
    char *pem = NULL;
    size_t len = 0;
    pqcha_err err = private_half ? pqcha_key_private_pem(&pem, &len, key)
                                 : pqcha_key_public_pem(&pem, &len, key);
    if (err != PQCHA_OK) abort();
    char *out = malloc(2 * len + 1);
    if (!out) abort();
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (pem[i] == '\n') {
            out[n++] = '\\';
            out[n++] = 'n';
        } else {
            out[n++] = pem[i];
        }
    }
    out[n] = '\0';
    if (private_half)
        pqcha_free_secret(pem, len);
    else
        pqcha_free(pem);
    return out;
}

static char *format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *format(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *out = malloc((size_t)n + 1);
    if (!out) abort();
    va_start(ap, fmt);
    vsnprintf(out, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return out;
}

static pqcha_key *test_key(void) {
    static pqcha_key *k;
    if (!k && pqcha_key_generate(&k, PQCHA_ML_DSA_65) != PQCHA_OK) abort();
    return k;
}

static void test_valid_full_policy(void) {
    char *pem = json_pem(test_key(), 0);
    char *text = format(
        "{\"version\":1,\"trustedKeys\":[\"%s\"],\"maxSkewSeconds\":30,"
        "\"maxLifetimeSeconds\":600,\"allowedSignatureAlgorithms\":[\"ML-DSA-65\",\"ML-DSA-87\"],"
        "\"allowedDigestAlgorithms\":[\"sha3-256\"],\"workloads\":{"
        "\"model-serving-1\":{\"platform\":\"file\",\"allowExtraRegions\":true,"
        "\"regions\":{\"model-weights-0\":{\"sha3-256\":\"" D64 "\"},"
        "\"activation-cache\":{\"sha3-256\":\"%064d\"}}},"
        "\"other\":{\"regions\":{\"x\":{\"sha3-256\":\"" D64 "\"}}}}}",
        pem, 0);
    pqcha_policy *p = NULL;
    CHECK_OK(pqcha_policy_parse(&p, text, strlen(text)));
    REQUIRE(p != NULL);
    REQUIRE(pqcha_policy_trusted_key_count(p) == 1);
    const pqcha_key *k = pqcha_policy_trusted_key(p, 0);
    REQUIRE(k != NULL);
    CHECK_STR(pqcha_key_id(k), pqcha_key_id(test_key()));
    CHECK(!pqcha_key_has_private(k));
    CHECK(pqcha_policy_trusted_key(p, 1) == NULL);
    CHECK(pqcha__policy_max_skew(p) == 30);
    CHECK(pqcha__policy_max_lifetime(p) == 600);
    CHECK(!pqcha__policy_allows_signature(p, PQCHA_ML_DSA_44));
    CHECK(pqcha__policy_allows_signature(p, PQCHA_ML_DSA_65));
    CHECK(pqcha__policy_allows_signature(p, PQCHA_ML_DSA_87));
    CHECK(pqcha__policy_allows_digest(p, PQCHA_DIGEST_SHA3_256));

    const pqcha__policy_workload *w = pqcha__policy_find_workload(p, "model-serving-1");
    REQUIRE(w != NULL);
    CHECK_STR(w->platform, "file");
    CHECK(w->allow_extra_regions == 1);
    CHECK(w->region_count == 2);
    const pqcha__policy_region *r = pqcha__policy_find_region(w, "model-weights-0");
    REQUIRE(r != NULL);
    CHECK_STR(pqcha__policy_region_digest(r, PQCHA_DIGEST_SHA3_256), D64);
    CHECK(pqcha__policy_find_region(w, "activation-cache") != NULL);
    CHECK(pqcha__policy_find_region(w, "nope") == NULL);
    const pqcha__policy_workload *other = pqcha__policy_find_workload(p, "other");
    REQUIRE(other != NULL);
    CHECK(other->platform == NULL);
    CHECK(other->allow_extra_regions == 0);
    CHECK(pqcha__policy_find_workload(p, "model-serving-2") == NULL);
    pqcha_policy_free(p);
    free(text);
    free(pem);
}

static void test_minimal_policy_defaults(void) {
    const char *text = "{\"version\":1," WORKLOADS "}";
    pqcha_policy *p = NULL;
    CHECK_OK(pqcha_policy_parse(&p, text, strlen(text)));
    REQUIRE(p != NULL);
    CHECK(pqcha_policy_trusted_key_count(p) == 0);
    CHECK(pqcha__policy_max_skew(p) == PQCHA_DEFAULT_MAX_SKEW_SECONDS);
    CHECK(pqcha__policy_max_lifetime(p) == PQCHA_DEFAULT_MAX_LIFETIME_SECONDS);
    CHECK(pqcha__policy_allows_signature(p, PQCHA_ML_DSA_44));
    CHECK(pqcha__policy_allows_signature(p, PQCHA_ML_DSA_65));
    CHECK(pqcha__policy_allows_signature(p, PQCHA_ML_DSA_87));
    pqcha_policy_free(p);
    /* Whitespace and key order do not matter; the bounds are inclusive. */
    CHECK_OK(parse(" { \"workloads\" : {\"w\":{\"regions\":{\"r\":{\"sha3-256\":\"" D64 "\"}}}},"
                   "\"maxSkewSeconds\":0,\"maxLifetimeSeconds\":604800,\"version\":1,"
                   "\"trustedKeys\":[]}\n"));
    CHECK_OK(
        parse("{\"version\":1,\"maxSkewSeconds\":604800,\"maxLifetimeSeconds\":1," WORKLOADS "}"));
}

static void test_duplicate_keys(void) {
    CHECK_ERR(parse("{\"version\":1,\"version\":1," WORKLOADS "}"), PQCHA_ERR_JSON_DUPLICATE_KEY);
    CHECK_ERR(parse("{\"version\":1,\"workloads\":{\"w\":{\"regions\":{\"r\":{\"sha3-256\":\"" D64
                    "\"}}},\"w\":{\"regions\":{\"r\":{\"sha3-256\":\"" D64 "\"}}}}}"),
              PQCHA_ERR_JSON_DUPLICATE_KEY);
    CHECK_ERR(parse("{\"version\":1,\"workloads\":{\"w\":{\"regions\":{\"r\":{\"sha3-256\":\"" D64
                    "\"},\"r\":{\"sha3-256\":\"" D64 "\"}}}}}"),
              PQCHA_ERR_JSON_DUPLICATE_KEY);
    CHECK_ERR(parse("{\"version\":1,\"workloads\":{\"w\":{\"regions\":{\"r\":{\"sha3-256\":\"" D64
                    "\",\"sha3-256\":\"" D64 "\"}}}}}"),
              PQCHA_ERR_JSON_DUPLICATE_KEY);
    CHECK_ERR(parse("{\"version\":1,\"workloads\":{\"w\":{\"platform\":\"a\",\"platform\":\"a\","
                    "\"regions\":{\"r\":{\"sha3-256\":\"" D64 "\"}}}}}"),
              PQCHA_ERR_JSON_DUPLICATE_KEY);
}

static void test_unknown_fields(void) {
    CHECK_ERR(parse("{\"version\":1,\"strict\":false," WORKLOADS "}"), PQCHA_ERR_UNKNOWN_FIELD);
    CHECK_ERR(
        parse("{\"version\":1,\"workloads\":{\"w\":{\"expectedHash\":\"x\",\"regions\":{\"r\":"
              "{\"sha3-256\":\"" D64 "\"}}}}}"),
        PQCHA_ERR_UNKNOWN_FIELD);
    /* Inside a digest set the keys are algorithm names: an unknown one is a
     * meaningless policy, not an extension point. */
    CHECK_ERR(parse("{\"version\":1,\"workloads\":{\"w\":{\"regions\":{\"r\":{\"sha3-256\":\"" D64
                    "\",\"note\":\"x\"}}}}}"),
              PQCHA_ERR_BAD_POLICY);
}

static void test_missing_fields(void) {
    CHECK_ERR(parse("{" WORKLOADS "}"), PQCHA_ERR_MISSING_FIELD);
    CHECK_ERR(parse("{\"version\":1}"), PQCHA_ERR_MISSING_FIELD);
    CHECK_ERR(parse("{\"version\":1,\"workloads\":{\"w\":{\"platform\":\"file\"}}}"),
              PQCHA_ERR_MISSING_FIELD);
}

static void test_wrong_types(void) {
    CHECK_ERR(parse("{\"version\":\"1\"," WORKLOADS "}"), PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(parse("{\"version\":1.0," WORKLOADS "}"), PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(parse("{\"version\":true," WORKLOADS "}"), PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(parse("{\"version\":1,\"trustedKeys\":\"pem\"," WORKLOADS "}"), PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(parse("{\"version\":1,\"trustedKeys\":[1]," WORKLOADS "}"), PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(parse("{\"version\":1,\"maxSkewSeconds\":\"60\"," WORKLOADS "}"),
              PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(parse("{\"version\":1,\"maxLifetimeSeconds\":3600.5," WORKLOADS "}"),
              PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(parse("{\"version\":1,\"allowedSignatureAlgorithms\":\"ML-DSA-65\"," WORKLOADS "}"),
              PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(parse("{\"version\":1,\"allowedSignatureAlgorithms\":[65]," WORKLOADS "}"),
              PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(parse("{\"version\":1,\"allowedDigestAlgorithms\":[null]," WORKLOADS "}"),
              PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(parse("{\"version\":1,\"workloads\":[]}"), PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(parse("{\"version\":1,\"workloads\":{\"w\":\"file\"}}"), PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(parse("{\"version\":1,\"workloads\":{\"w\":{\"platform\":5,\"regions\":{\"r\":"
                    "{\"sha3-256\":\"" D64 "\"}}}}}"),
              PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(parse("{\"version\":1,\"workloads\":{\"w\":{\"allowExtraRegions\":\"yes\","
                    "\"regions\":{\"r\":{\"sha3-256\":\"" D64 "\"}}}}}"),
              PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(parse("{\"version\":1,\"workloads\":{\"w\":{\"allowExtraRegions\":1,"
                    "\"regions\":{\"r\":{\"sha3-256\":\"" D64 "\"}}}}}"),
              PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(parse("{\"version\":1,\"workloads\":{\"w\":{\"regions\":[]}}}"),
              PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(parse("{\"version\":1,\"workloads\":{\"w\":{\"regions\":{\"r\":\"" D64 "\"}}}}"),
              PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(parse("{\"version\":1,\"workloads\":{\"w\":{\"regions\":{\"r\":{\"sha3-256\":1}}}}}"),
              PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(parse("[1]"), PQCHA_ERR_WRONG_TYPE);
}

static void test_version(void) {
    CHECK_ERR(parse("{\"version\":2," WORKLOADS "}"), PQCHA_ERR_BAD_POLICY);
    CHECK_ERR(parse("{\"version\":0," WORKLOADS "}"), PQCHA_ERR_BAD_POLICY);
    /* A later version's new fields do not hide the real problem. */
    CHECK_ERR(parse("{\"version\":2,\"futureField\":1," WORKLOADS "}"), PQCHA_ERR_BAD_POLICY);
    CHECK_ERR(parse("{\"version\":-1," WORKLOADS "}"), PQCHA_ERR_OUT_OF_RANGE);
}

static void test_meaningless_policies(void) {
    CHECK_ERR(parse("{\"version\":1,\"workloads\":{}}"), PQCHA_ERR_BAD_POLICY);
    CHECK_ERR(parse("{\"version\":1,\"workloads\":{\"w\":{\"regions\":{}}}}"),
              PQCHA_ERR_BAD_POLICY);
    CHECK_ERR(parse("{\"version\":1,\"workloads\":{\"w\":{\"regions\":{\"r\":{}}}}}"),
              PQCHA_ERR_BAD_POLICY);
    CHECK_ERR(parse("{\"version\":1,\"workloads\":{\"w\":{\"regions\":{\"r\":{\"sha256\":\"" D64
                    "\"}}}}}"),
              PQCHA_ERR_BAD_POLICY);
    CHECK_ERR(parse("{\"version\":1,\"allowedSignatureAlgorithms\":[]," WORKLOADS "}"),
              PQCHA_ERR_BAD_POLICY);
    CHECK_ERR(parse("{\"version\":1,\"allowedSignatureAlgorithms\":[\"Ed25519\"]," WORKLOADS "}"),
              PQCHA_ERR_BAD_POLICY);
    CHECK_ERR(parse("{\"version\":1,\"allowedSignatureAlgorithms\":[\"ml-dsa-65\"]," WORKLOADS "}"),
              PQCHA_ERR_BAD_POLICY);
    CHECK_ERR(parse("{\"version\":1,\"allowedDigestAlgorithms\":[]," WORKLOADS "}"),
              PQCHA_ERR_BAD_POLICY);
    CHECK_ERR(parse("{\"version\":1,\"allowedDigestAlgorithms\":[\"sha256\"]," WORKLOADS "}"),
              PQCHA_ERR_BAD_POLICY);
}

static void test_bad_hex(void) {
    CHECK_ERR(
        parse("{\"version\":1,\"workloads\":{\"w\":{\"regions\":{\"r\":{\"sha3-256\":\"" D64_UPPER
              "\"}}}}}"),
        PQCHA_ERR_BAD_HEX);
    CHECK_ERR(
        parse(
            "{\"version\":1,\"workloads\":{\"w\":{\"regions\":{\"r\":{\"sha3-256\":\"abcd\"}}}}}"),
        PQCHA_ERR_BAD_HEX);
    CHECK_ERR(parse("{\"version\":1,\"workloads\":{\"w\":{\"regions\":{\"r\":{\"sha3-256\":\"" D64
                    "00\"}}}}}"),
              PQCHA_ERR_BAD_HEX);
    CHECK_ERR(parse("{\"version\":1,\"workloads\":{\"w\":{\"regions\":{\"r\":{\"sha3-256\":"
                    "\"zz" D64 "\"}}}}}"),
              PQCHA_ERR_BAD_HEX);
    CHECK_ERR(parse("{\"version\":1,\"workloads\":{\"w\":{\"regions\":{\"r\":{\"sha3-256\":"
                    "\" " D64 "\"}}}}}"),
              PQCHA_ERR_BAD_HEX);
}

static void test_ranges(void) {
    CHECK_ERR(parse("{\"version\":1,\"maxSkewSeconds\":604801," WORKLOADS "}"),
              PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(parse("{\"version\":1,\"maxSkewSeconds\":-1," WORKLOADS "}"), PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(parse("{\"version\":1,\"maxLifetimeSeconds\":0," WORKLOADS "}"),
              PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(parse("{\"version\":1,\"maxLifetimeSeconds\":99999999999999999999," WORKLOADS "}"),
              PQCHA_ERR_OUT_OF_RANGE);
}

/* staleAfterSeconds: 0 (never) to a year, per workload; absent: -1 (the
 * service decides); written back as read; set by the builder. */
#define STALE_POLICY(value)                                             \
    "{\"version\":1,\"workloads\":{\"w\":{\"staleAfterSeconds\":" value \
    ",\"regions\":{\"r\":{\"sha3-256\":\"" D64 "\"}}}}}"
static void test_stale_after(void) {
    static const struct {
        const char *value;
        int64_t seconds;
    } good[] = {{"0", 0}, {"1", 1}, {"600", 600}, {"31536000", 31536000}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char *text = format(STALE_POLICY("%s"), good[i].value);
        pqcha_policy *p = NULL;
        CHECK_OK(pqcha_policy_parse(&p, text, strlen(text)));
        CHECK(pqcha_policy_workload_stale_after(p, "w") == good[i].seconds);
        CHECK(pqcha_policy_workload_stale_after(p, "other") == -1);
        char *json = NULL, *expect = format("\"staleAfterSeconds\": %s,", good[i].value);
        CHECK_OK(pqcha_policy_to_json(&json, NULL, p));
        CHECK(json && strstr(json, expect));
        pqcha_free(json);
        free(expect);
        pqcha_policy_free(p);
        free(text);
    }
    CHECK_ERR(parse(STALE_POLICY("31536001")), PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(parse(STALE_POLICY("-1")), PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(parse(STALE_POLICY("1.5")), PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(parse(STALE_POLICY("\"60\"")), PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(parse(STALE_POLICY("null")), PQCHA_ERR_WRONG_TYPE);
    pqcha_policy *p = NULL;
    CHECK_OK(pqcha_policy_parse(&p, "{\"version\":1," WORKLOADS "}", strlen(WORKLOADS) + 14));
    CHECK(pqcha_policy_workload_stale_after(p, "w") == -1);
    CHECK(pqcha_policy_workload_count(p) == 1);
    CHECK_STR(pqcha_policy_workload_id(p, 0), "w");
    CHECK(pqcha_policy_workload_id(p, 1) == NULL);
    pqcha_policy_free(p);
    CHECK(pqcha_policy_workload_stale_after(NULL, "w") == -1);
    CHECK(pqcha_policy_workload_count(NULL) == 0);

    /* the builder */
    CHECK_OK(pqcha_policy_create(&p));
    CHECK_OK(pqcha_policy_add_workload(p, "w", NULL, 0));
    CHECK_ERR(pqcha_policy_set_workload_stale_after(p, "x", 5), PQCHA_ERR_UNKNOWN_WORKLOAD);
    CHECK_ERR(pqcha_policy_set_workload_stale_after(p, "w", -1), PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(pqcha_policy_set_workload_stale_after(p, "w", 31536001), PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(pqcha_policy_set_workload_stale_after(NULL, "w", 5), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_policy_set_workload_stale_after(p, NULL, 5), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_OK(pqcha_policy_set_workload_stale_after(p, "w", 45));
    pqcha_policy_free(p);
}

static void test_identifiers(void) {
    CHECK_ERR(parse("{\"version\":1,\"workloads\":{\"\":{\"regions\":{\"r\":{\"sha3-256\":\"" D64
                    "\"}}}}}"),
              PQCHA_ERR_BAD_IDENTIFIER);
    CHECK_ERR(
        parse("{\"version\":1,\"workloads\":{\"w\":{\"regions\":{\"r\\u0001\":{\"sha3-256\":\"" D64
              "\"}}}}}"),
        PQCHA_ERR_BAD_IDENTIFIER);
    CHECK_ERR(parse("{\"version\":1,\"workloads\":{\"w\":{\"platform\":\"\",\"regions\":{\"r\":"
                    "{\"sha3-256\":\"" D64 "\"}}}}}"),
              PQCHA_ERR_BAD_IDENTIFIER);
    /* Identifiers are 1-256 bytes (FORMAT.md section 1): the same error as in
     * a report, for the platform as for the workload and region ids. */
    char text[1024];
    char long_id[PQCHA_MAX_ID_LEN + 2];
    memset(long_id, 'p', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    snprintf(text, sizeof text,
             "{\"version\":1,\"workloads\":{\"w\":{\"platform\":\"%s\","
             "\"regions\":{\"r\":{\"sha3-256\":\"" D64 "\"}}}}}",
             long_id);
    CHECK_ERR(parse(text), PQCHA_ERR_BAD_IDENTIFIER);
    snprintf(text, sizeof text,
             "{\"version\":1,\"workloads\":{\"%s\":{"
             "\"regions\":{\"r\":{\"sha3-256\":\"" D64 "\"}}}}}",
             long_id);
    CHECK_ERR(parse(text), PQCHA_ERR_BAD_IDENTIFIER);
    long_id[PQCHA_MAX_ID_LEN] = '\0';
    snprintf(text, sizeof text,
             "{\"version\":1,\"workloads\":{\"w\":{\"platform\":\"%s\","
             "\"regions\":{\"r\":{\"sha3-256\":\"" D64 "\"}}}}}",
             long_id);
    CHECK_OK(parse(text));
    /* An embedded NUL must never alias two ids (whichever layer refuses it). */
    CHECK(
        parse("{\"version\":1,\"workloads\":{\"w\\u0000x\":{\"regions\":{\"r\":{\"sha3-256\":\"" D64
              "\"}}}}}") != PQCHA_OK);
}

static void test_keys(void) {
    CHECK_ERR(parse("{\"version\":1,\"trustedKeys\":[\"not a pem\"]," WORKLOADS "}"),
              PQCHA_ERR_BAD_KEY);
    CHECK_ERR(parse("{\"version\":1,\"trustedKeys\":[\"-----BEGIN PUBLIC KEY-----\\nAAAA\\n"
                    "-----END PUBLIC KEY-----\\n\"]," WORKLOADS "}"),
              PQCHA_ERR_BAD_KEY);
    /* A private key does not belong in verifier configuration: refused, not trimmed. */
    char *priv = json_pem(test_key(), 1);
    char *text = format("{\"version\":1,\"trustedKeys\":[\"%s\"]," WORKLOADS "}", priv);
    CHECK_ERR(parse(text), PQCHA_ERR_BAD_KEY);
    pqcha_wipe(text, strlen(text));
    pqcha_wipe(priv, strlen(priv));
    free(text);
    free(priv);
    /* Listing the same key twice is harmless. */
    char *pub = json_pem(test_key(), 0);
    text = format("{\"version\":1,\"trustedKeys\":[\"%s\",\"%s\"]," WORKLOADS "}", pub, pub);
    CHECK_OK(parse(text));
    free(text);
    free(pub);
}

static void test_sizes(void) {
    size_t len = PQCHA_MAX_POLICY_LEN + 1;
    char *big = malloc(len);
    REQUIRE(big != NULL);
    memset(big, ' ', len);
    const char *valid = "{\"version\":1," WORKLOADS "}";
    memcpy(big, valid, strlen(valid)); /* valid JSON plus trailing spaces, one byte too long */
    pqcha_policy *p = NULL;
    CHECK_ERR(pqcha_policy_parse(&p, big, len), PQCHA_ERR_TOO_LARGE);
    CHECK(p == NULL);
    CHECK_OK(pqcha_policy_parse(&p, big, len - 1));
    pqcha_policy_free(p);
    free(big);

    /* 1025 workloads: one too many. */
    size_t cap = 1025 * 160 + 64;
    char *many = malloc(cap);
    REQUIRE(many != NULL);
    int n = snprintf(many, cap, "{\"version\":1,\"workloads\":{");
    for (int i = 0; i < 1025 && n > 0 && (size_t)n < cap; i++)
        n +=
            snprintf(many + n, cap - (size_t)n,
                     "%s\"w%d\":{\"regions\":{\"r\":{\"sha3-256\":\"%s\"}}}", i ? "," : "", i, D64);
    REQUIRE(n > 0 && (size_t)n + 3 <= cap);
    snprintf(many + n, cap - (size_t)n, "}}");
    CHECK_ERR(parse(many), PQCHA_ERR_TOO_LARGE);
    free(many);
}

static void test_syntax_and_misuse(void) {
    CHECK_ERR(parse(""), PQCHA_ERR_JSON_SYNTAX);
    CHECK_ERR(parse("{\"version\":1," WORKLOADS "} x"), PQCHA_ERR_JSON_SYNTAX);
    CHECK_ERR(parse("{\"version\":1,"), PQCHA_ERR_JSON_SYNTAX);
    pqcha_policy *p = NULL;
    CHECK_ERR(pqcha_policy_parse(NULL, "{}", 2), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_policy_parse(&p, NULL, 2), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(pqcha_policy_trusted_key_count(NULL) == 0);
    CHECK(pqcha_policy_trusted_key(NULL, 0) == NULL);
    pqcha_policy_free(NULL);
}

/* ---- manifests as reference values ---- */

#define ENTRY_SIZE (3u * PQCHA_TREE_LEAF_SIZE + 5u) /* 4 leaves: 4 nodes at level 0 */

/* A raw manifest entry for ENTRY_SIZE pattern bytes, with real digest and
 * nodes; `mutate` may edit the hex of the nodes before they are written. */
static char *entry_json(void (*mutate)(char hex[4][65]), char digest_hex[65]) {
    uint8_t *data = malloc(ENTRY_SIZE), digest[32];
    for (size_t i = 0; i < ENTRY_SIZE; i++)
        data[i] = (uint8_t)(i ^ (i >> 9));
    pqcha_hasher *h = NULL;
    if (pqcha_hasher_create(&h, PQCHA_DIGEST_SHA3_256_TREE) != PQCHA_OK ||
        pqcha_hasher_expect_length(h, ENTRY_SIZE) != PQCHA_OK ||
        pqcha_hasher_update(h, data, ENTRY_SIZE) != PQCHA_OK ||
        pqcha_hasher_final(h, digest, 32) != PQCHA_OK || pqcha_hasher_node_count(h) != 4)
        abort();
    char hex[4][65];
    for (int i = 0; i < 4; i++)
        pqcha_hex_encode(hex[i], pqcha_hasher_nodes(h) + 32 * i, 32);
    pqcha_hex_encode(digest_hex, digest, 32);
    if (mutate) mutate(hex);
    pqcha_hasher_free(h);
    free(data);
    return format(
        "{\"name\":\"m.bin\",\"format\":\"raw\",\"size\":%u,\"digest\":{\"sha3-256-tree\":"
        "\"%s\"},\"nodes\":{\"level\":0,\"digests\":[\"%s\",\"%s\",\"%s\",\"%s\"]}}",
        ENTRY_SIZE, digest_hex, hex[0], hex[1], hex[2], hex[3]);
}

static char *manifest_policy(const char *manifests, const char *region_value) {
    return format("{\"version\":1,%s\"workloads\":{\"w\":{\"regions\":{\"m.bin\":%s}}}}", manifests,
                  region_value);
}

static void test_manifest_reference(void) {
    char digest[65];
    char *entry = entry_json(NULL, digest);
    char *manifests = format("\"manifests\":{\"weights\":%s,\"small\":{\"name\":\"s\",\"format\":"
                             "\"raw\",\"size\":3,\"digest\":{\"sha3-256-tree\":\"" D64 "\"}}},",
                             entry);
    char *text = manifest_policy(manifests, "{\"manifest\":\"weights\"}");
    pqcha_policy *p = NULL;
    CHECK_OK(pqcha_policy_parse(&p, text, strlen(text)));
    REQUIRE(p != NULL);
    const pqcha__policy_region *r =
        pqcha__policy_find_region(pqcha__policy_find_workload(p, "w"), "m.bin");
    REQUIRE(r != NULL);
    CHECK_STR(pqcha__policy_region_digest(r, PQCHA_DIGEST_SHA3_256_TREE), digest);
    CHECK(pqcha__policy_region_digest(r, PQCHA_DIGEST_SHA3_256) == NULL);
    CHECK(pqcha__policy_region_digest(r, PQCHA_DIGEST_K12) == NULL);
    CHECK(r->manifest != NULL);
    CHECK_STR(r->manifest_name, "weights");
    pqcha_policy_free(p);
    free(text);
    /* An entry of one leaf (no nodes), and an unreferenced entry, are fine. */
    text = manifest_policy(manifests, "{\"manifest\":\"small\"}");
    CHECK_OK(parse(text));
    free(text);
    text = manifest_policy("\"manifests\":{},", "{\"sha3-256\":\"" D64 "\"}");
    CHECK_OK(parse(text));
    free(text);
    free(manifests);
    free(entry);
}

static void swap_first_nodes(char hex[4][65]) {
    char t[65];
    memcpy(t, hex[0], 65);
    memcpy(hex[0], hex[1], 65);
    memcpy(hex[1], t, 65);
}

static void expect_manifests(const char *manifests, const char *region_value, pqcha_err want) {
    char *text = manifest_policy(manifests, region_value);
    pqcha_err err = parse(text);
    if (err != want) fprintf(stderr, "  policy: %.300s\n", text);
    CHECK_ERR(err, want);
    free(text);
}

static void test_manifest_rejections(void) {
    char digest[65];
    char *entry = entry_json(NULL, digest);
    char *good = format("\"manifests\":{\"weights\":%s},", entry);
    const char *ref = "{\"manifest\":\"weights\"}";
    /* references */
    expect_manifests(good, "{\"manifest\":\"other\"}", PQCHA_ERR_BAD_POLICY);
    expect_manifests("", ref, PQCHA_ERR_BAD_POLICY);
    expect_manifests(good, "{\"manifest\":\"weights\",\"sha3-256\":\"" D64 "\"}",
                     PQCHA_ERR_UNKNOWN_FIELD);
    expect_manifests(good, "{\"manifest\":1}", PQCHA_ERR_WRONG_TYPE);
    expect_manifests(good, "{\"manifest\":null}", PQCHA_ERR_WRONG_TYPE);
    expect_manifests(good, "{\"manifest\":\"weights\",\"manifest\":\"weights\"}",
                     PQCHA_ERR_JSON_DUPLICATE_KEY);
    /* the section */
    expect_manifests("\"manifests\":[],", ref, PQCHA_ERR_WRONG_TYPE);
    char *bad = format("\"manifests\":{\"\":%s},", entry);
    expect_manifests(bad, "{\"sha3-256\":\"" D64 "\"}", PQCHA_ERR_BAD_IDENTIFIER);
    free(bad);
    bad = format("\"manifests\":{\"a\\u0007\":%s},", entry);
    expect_manifests(bad, "{\"sha3-256\":\"" D64 "\"}", PQCHA_ERR_BAD_IDENTIFIER);
    free(bad);
    bad = format("\"manifests\":{\"weights\":%s,\"weights\":%s},", entry, entry);
    expect_manifests(bad, ref, PQCHA_ERR_JSON_DUPLICATE_KEY);
    free(bad);
    expect_manifests("\"manifests\":{\"weights\":\"m.bin\"},", ref, PQCHA_ERR_WRONG_TYPE);
    /* entries: the manifest decoder's rules (FORMAT.md 8) */
    bad = format("\"manifests\":{\"weights\":{\"name\":\"m.bin\",\"format\":\"raw\",\"size\":3}},");
    expect_manifests(bad, ref, PQCHA_ERR_MISSING_FIELD);
    free(bad);
    bad = format("\"manifests\":{\"weights\":{\"name\":\"m.bin\",\"format\":\"raw\",\"size\":3,"
                 "\"digest\":{\"sha3-256-tree\":\"" D64 "\"},\"extra\":1}},");
    expect_manifests(bad, ref, PQCHA_ERR_UNKNOWN_FIELD);
    free(bad);
    bad = format("\"manifests\":{\"weights\":{\"name\":\"m.bin\",\"format\":\"raw\",\"size\":3,"
                 "\"digest\":{\"sha3-256-tree\":\"" D64_UPPER "\"}}},");
    expect_manifests(bad, ref, PQCHA_ERR_BAD_HEX);
    free(bad);
    /* entries: nodes that do not reproduce the entry's digest */
    char *swapped = entry_json(swap_first_nodes, digest);
    bad = format("\"manifests\":{\"weights\":%s},", swapped);
    expect_manifests(bad, ref, PQCHA_ERR_INCONSISTENT_CLAIMS);
    free(bad);
    free(swapped);
    free(good);
    free(entry);
}

/* "tensors": the tensors a region must show; each a tensor of the entry,
 * once; the list non-empty. */
static void test_required_tensors(void) {
    const char *entry =
        "\"manifests\":{\"g\":{\"name\":\"m.gguf\",\"format\":\"gguf\",\"size\":4096,"
        "\"digest\":{\"sha3-256-tree\":\"" D64 "\"},\"tensors\":["
        "{\"name\":\"b\",\"dtype\":\"I8\",\"shape\":[16],\"offset\":1024,\"size\":16},"
        "{\"name\":\"a\",\"dtype\":\"I8\",\"shape\":[8],\"offset\":2048,\"size\":8}]}},";
    char *text = manifest_policy(entry, "{\"manifest\":\"g\",\"tensors\":[\"b\",\"a\"]}");
    pqcha_policy *p = NULL;
    CHECK_OK(pqcha_policy_parse(&p, text, strlen(text)));
    free(text);
    REQUIRE(p != NULL);
    const pqcha__policy_region *r =
        pqcha__policy_find_region(pqcha__policy_find_workload(p, "w"), "m.bin");
    REQUIRE(r != NULL && r->required_tensor_count == 2);
    CHECK_STR(r->required_tensors[0], "a"); /* sorted for look-ups */
    CHECK(pqcha__policy_region_requires_tensor(r, "b") &&
          !pqcha__policy_region_requires_tensor(r, "c"));
    pqcha_policy_free(p);
    text = manifest_policy(entry, "{\"manifest\":\"g\"}");
    CHECK_OK(pqcha_policy_parse(&p, text, strlen(text)));
    free(text);
    r = p ? pqcha__policy_find_region(pqcha__policy_find_workload(p, "w"), "m.bin") : NULL;
    CHECK(r && r->required_tensor_count == 0 &&
          pqcha__policy_region_requires_tensor(r, "anything"));
    pqcha_policy_free(p);
    expect_manifests(entry, "{\"manifest\":\"g\",\"tensors\":[\"c\"]}", PQCHA_ERR_BAD_POLICY);
    expect_manifests(entry, "{\"manifest\":\"g\",\"tensors\":[\"a\",\"a\"]}", PQCHA_ERR_BAD_POLICY);
    expect_manifests(entry, "{\"manifest\":\"g\",\"tensors\":[]}", PQCHA_ERR_BAD_POLICY);
    expect_manifests(entry, "{\"manifest\":\"g\",\"tensors\":[1]}", PQCHA_ERR_WRONG_TYPE);
    expect_manifests(entry, "{\"manifest\":\"g\",\"tensors\":\"a\"}", PQCHA_ERR_WRONG_TYPE);
    expect_manifests(entry, "{\"manifest\":\"g\",\"tensors\":[\"a\"],\"x\":1}",
                     PQCHA_ERR_UNKNOWN_FIELD);
    expect_manifests(entry, "{\"tensors\":[\"a\"]}",
                     PQCHA_ERR_BAD_POLICY); /* no manifest: an algorithm name */
}

/* ---- building and writing (pqcha_policy_create ... pqcha_policy_to_json) ---- */

static const char gguf_manifest[] =
    "{\"version\":1,\"files\":[{\"name\":\"m.gguf\",\"format\":\"gguf\",\"size\":4096,"
    "\"digest\":{\"sha3-256-tree\":\"" D64 "\"},\"tensors\":["
    "{\"name\":\"b\",\"dtype\":\"I8\",\"shape\":[16],\"offset\":1024,\"size\":16},"
    "{\"name\":\"a\",\"dtype\":\"I8\",\"shape\":[8],\"offset\":2048,\"size\":8}]}]}";

static pqcha_manifest *test_manifest(void) {
    pqcha_manifest *m = NULL;
    if (pqcha_manifest_parse(&m, gguf_manifest, strlen(gguf_manifest)) != PQCHA_OK) abort();
    return m;
}

/* A policy with every kind of content: a key, a manifest entry, a digest
 * region and a manifest region with required tensors, in two workloads. */
static pqcha_policy *built_policy(void) {
    pqcha_policy *p = NULL;
    pqcha_manifest *m = test_manifest();
    pqcha_key *pub = NULL;
    static const pqcha_digest_alg algs[] = {PQCHA_DIGEST_SHA3_256, PQCHA_DIGEST_K12};
    static const char *const hex[] = {D64, D64};
    static const char *const tensors[] = {"b", "a"};
    if (pqcha_key_public_copy(&pub, test_key()) != PQCHA_OK ||
        pqcha_policy_create(&p) != PQCHA_OK || pqcha_policy_add_trusted_key(p, pub) != PQCHA_OK ||
        pqcha_policy_add_trusted_key(p, pub) != PQCHA_OK || /* once only */
        pqcha_policy_add_manifest_entry(p, m, 0) != PQCHA_OK ||
        pqcha_policy_add_workload(p, "serve", "amd-sev-snp", 1) != PQCHA_OK ||
        pqcha_policy_add_workload(p, "batch", NULL, 0) != PQCHA_OK ||
        pqcha_policy_add_region_digests(p, "batch", "cache", algs, hex, 2) != PQCHA_OK ||
        pqcha_policy_add_region_manifest(p, "serve", "weights", "m.gguf", tensors, 2) != PQCHA_OK ||
        pqcha_policy_add_region_manifest(p, "serve", "all", "m.gguf", NULL, 0) != PQCHA_OK ||
        pqcha_policy_finish(p) != PQCHA_OK)
        abort();
    pqcha_key_free(pub);
    pqcha_manifest_free(m);
    return p;
}

static void test_builder_round_trip(void) {
    pqcha_policy *p = built_policy();
    CHECK(pqcha_policy_trusted_key_count(p) == 1);
    char *json = NULL, *again = NULL;
    size_t len = 0, again_len = 0;
    CHECK_OK(pqcha_policy_to_json(&json, &len, p));
    REQUIRE(json != NULL && strlen(json) == len);
    /* What is written parses back to the same policy, and writes the same. */
    pqcha_policy *back = NULL;
    CHECK_OK(pqcha_policy_parse(&back, json, len));
    REQUIRE(back != NULL);
    CHECK_OK(pqcha_policy_to_json(&again, &again_len, back));
    CHECK(again && again_len == len && memcmp(again, json, len) == 0);
    const pqcha__policy_workload *w = pqcha__policy_find_workload(back, "serve");
    REQUIRE(w != NULL && w->allow_extra_regions && w->region_count == 2);
    CHECK_STR(w->platform, "amd-sev-snp");
    const pqcha__policy_region *r = pqcha__policy_find_region(w, "weights");
    REQUIRE(r != NULL && r->required_tensor_count == 2);
    CHECK_STR(r->manifest_name, "m.gguf");
    CHECK_STR(r->required_tensors[0], "a");
    CHECK_STR(pqcha__policy_region_digest(r, PQCHA_DIGEST_SHA3_256_TREE), D64);
    r = pqcha__policy_find_region(pqcha__policy_find_workload(back, "batch"), "cache");
    REQUIRE(r != NULL);
    CHECK_STR(pqcha__policy_region_digest(r, PQCHA_DIGEST_K12), D64);
    CHECK(pqcha__policy_find_workload(back, "batch")->platform == NULL);
    /* One line per key, entry and region: the outline a reviewer diffs. */
    CHECK(strncmp(json, "{\n  \"version\": 1,\n  \"trustedKeys\": [\n", 36) == 0);
    CHECK(strstr(json,
                 "\n        \"weights\": {\"manifest\":\"m.gguf\",\"tensors\":[\"a\",\"b\"]}") !=
          NULL);
    /* A built policy verifies like a parsed one. */
    pqcha_verifier *v = NULL;
    CHECK_OK(pqcha_verifier_create(&v));
    CHECK_OK(pqcha_verifier_set_policy(v, p));
    pqcha_verifier_free(v);
    pqcha_free(json);
    pqcha_free(again);
    pqcha_policy_free(back);
    pqcha_policy_free(p);
}

/* What a parsed policy holds beyond what the builder sets (bounds, allowed
 * algorithms) is written too, and only when it differs from the default. */
static void test_write_parsed_settings(void) {
    const char *text =
        "{\"version\":1,\"maxSkewSeconds\":5,\"maxLifetimeSeconds\":60,"
        "\"allowedSignatureAlgorithms\":[\"ML-DSA-87\"],"
        "\"allowedDigestAlgorithms\":[\"sha3-256\",\"k12\",\"sha3-256\"]," WORKLOADS "}";
    pqcha_policy *p = NULL;
    CHECK_OK(pqcha_policy_parse(&p, text, strlen(text)));
    REQUIRE(p != NULL);
    char *json = NULL;
    CHECK_OK(pqcha_policy_to_json(&json, NULL, p));
    REQUIRE(json != NULL);
    CHECK(strstr(json, "\"maxSkewSeconds\": 5,") && strstr(json, "\"maxLifetimeSeconds\": 60,"));
    CHECK(strstr(json, "\"allowedSignatureAlgorithms\": [\"ML-DSA-87\"],") != NULL);
    CHECK(strstr(json, "\"allowedDigestAlgorithms\": [\"sha3-256\",\"k12\"],") != NULL);
    pqcha_free(json);
    pqcha_policy_free(p);
    text = "{\"version\":1,\"maxSkewSeconds\":60,\"allowedSignatureAlgorithms\":"
           "[\"ML-DSA-44\",\"ML-DSA-65\",\"ML-DSA-87\"]," WORKLOADS "}";
    CHECK_OK(pqcha_policy_parse(&p, text, strlen(text)));
    REQUIRE(p != NULL);
    CHECK_OK(pqcha_policy_to_json(&json, NULL, p));
    CHECK(json && !strstr(json, "maxSkewSeconds") && !strstr(json, "allowedSignature"));
    pqcha_free(json);
    pqcha_policy_free(p);
}

/* Every rejection of the builder, with its code; nothing is written for a
 * policy that is not finished. */
static void test_builder_rejections(void) {
    pqcha_policy *p = NULL;
    pqcha_manifest *m = test_manifest();
    const pqcha_digest_alg sha3[] = {PQCHA_DIGEST_SHA3_256, PQCHA_DIGEST_SHA3_256};
    const char *const hex[] = {D64, D64}, *const upper[] = {D64_UPPER};
    const char *const short_hex[] = {"abcd"}, *const missing[] = {"c"}, *const twice[] = {"a", "a"};
    CHECK_ERR(pqcha_policy_create(NULL), PQCHA_ERR_INVALID_ARGUMENT);
    REQUIRE(pqcha_policy_create(&p) == PQCHA_OK);
    CHECK_ERR(pqcha_policy_finish(p), PQCHA_ERR_BAD_POLICY);                   /* no workload */
    CHECK_ERR(pqcha_policy_add_trusted_key(p, test_key()), PQCHA_ERR_BAD_KEY); /* private */
    CHECK_ERR(pqcha_policy_add_trusted_key(p, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_policy_add_manifest_entry(p, m, 1), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_policy_add_workload(p, "", NULL, 0), PQCHA_ERR_BAD_IDENTIFIER);
    CHECK_ERR(pqcha_policy_add_workload(p, "w", "a\x07", 0), PQCHA_ERR_BAD_IDENTIFIER);
    CHECK_ERR(pqcha_policy_add_workload(p, NULL, NULL, 0), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_policy_add_region_digests(p, "w", "r", sha3, hex, 1),
              PQCHA_ERR_UNKNOWN_WORKLOAD);
    CHECK_OK(pqcha_policy_add_workload(p, "w", NULL, 0));
    CHECK_ERR(pqcha_policy_finish(p), PQCHA_ERR_BAD_POLICY); /* a workload without regions */
    CHECK_ERR(pqcha_policy_add_region_digests(p, "w", "r", sha3, hex, 0), PQCHA_ERR_BAD_POLICY);
    CHECK_ERR(pqcha_policy_add_region_digests(p, "w", "", sha3, hex, 1), PQCHA_ERR_BAD_IDENTIFIER);
    CHECK_ERR(pqcha_policy_add_region_digests(p, "w", "r1", sha3, hex, 2), PQCHA_ERR_BAD_POLICY);
    CHECK_ERR(pqcha_policy_add_region_digests(p, "w", "r2", sha3, upper, 1), PQCHA_ERR_BAD_HEX);
    CHECK_ERR(pqcha_policy_add_region_digests(p, "w", "r3", sha3, short_hex, 1), PQCHA_ERR_BAD_HEX);
    CHECK_ERR(pqcha_policy_add_region_manifest(p, "w", "r4", "a\x07", NULL, 0),
              PQCHA_ERR_BAD_IDENTIFIER);
    CHECK_ERR(pqcha_policy_add_region_manifest(p, "w", "r5", "m.gguf", twice, 2),
              PQCHA_ERR_BAD_POLICY);
    /* A failed add leaves nothing behind: the workload is still empty. */
    CHECK_ERR(pqcha_policy_finish(p), PQCHA_ERR_BAD_POLICY);
    CHECK(pqcha__policy_find_workload(p, "w") != NULL &&
          pqcha__policy_find_workload(p, "w")->region_count == 0);
    CHECK_OK(pqcha_policy_add_region_manifest(p, "w", "r", "nothing", NULL, 0));
    CHECK_ERR(pqcha_policy_finish(p), PQCHA_ERR_BAD_POLICY); /* a reference to nothing */
    CHECK_OK(pqcha_policy_add_manifest_entry(p, m, 0));
    CHECK_OK(pqcha_policy_add_manifest_entry(p, m, 0));
    CHECK_ERR(pqcha_policy_finish(p), PQCHA_ERR_BAD_POLICY); /* two entries of one name */
    pqcha_policy_free(p);
    REQUIRE(pqcha_policy_create(&p) == PQCHA_OK);
    CHECK_OK(pqcha_policy_add_manifest_entry(p, m, 0));
    CHECK_OK(pqcha_policy_add_workload(p, "w", NULL, 0));
    CHECK_OK(pqcha_policy_add_region_manifest(p, "w", "r", "m.gguf", missing, 1));
    CHECK_ERR(pqcha_policy_finish(p), PQCHA_ERR_BAD_POLICY); /* a tensor that is not there */
    pqcha_policy_free(p);
    REQUIRE(pqcha_policy_create(&p) == PQCHA_OK);
    CHECK_OK(pqcha_policy_add_workload(p, "w", NULL, 0));
    CHECK_OK(pqcha_policy_add_region_digests(p, "w", "r", sha3, hex, 1));
    CHECK_OK(pqcha_policy_add_region_digests(p, "w", "r", sha3, hex, 1));
    CHECK_ERR(pqcha_policy_finish(p), PQCHA_ERR_REGION_EXISTS);
    pqcha_policy_free(p);
    REQUIRE(pqcha_policy_create(&p) == PQCHA_OK);
    CHECK_OK(pqcha_policy_add_workload(p, "w", NULL, 0));
    CHECK_OK(pqcha_policy_add_region_digests(p, "w", "r", sha3, hex, 1));
    CHECK_OK(pqcha_policy_add_workload(p, "w", NULL, 0));
    CHECK_OK(pqcha_policy_add_region_digests(p, "w", "r", sha3, hex, 1));
    CHECK_ERR(pqcha_policy_finish(p), PQCHA_ERR_BAD_POLICY); /* two workloads of one name */
    pqcha_policy_free(p);
    pqcha_manifest_free(m);
}

static void test_unfinished_policy_is_not_used(void) {
    pqcha_policy *p = built_policy();
    const pqcha_digest_alg alg = PQCHA_DIGEST_SHA3_256;
    const char *const hex = D64;
    CHECK_OK(pqcha_policy_add_region_digests(p, "batch", "more", &alg, &hex, 1));
    char *json = (char *)1;
    size_t len = 99;
    CHECK_ERR(pqcha_policy_to_json(&json, &len, p), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(json == NULL && len == 0); /* outputs cleared on error */
    pqcha_verifier *v = NULL;
    CHECK_OK(pqcha_verifier_create(&v));
    CHECK_ERR(pqcha_verifier_set_policy(v, p), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_OK(pqcha_policy_finish(p));
    CHECK_OK(pqcha_verifier_set_policy(v, p));
    CHECK_OK(pqcha_policy_to_json(&json, &len, p));
    CHECK(json && strstr(json, "\"more\": {\"sha3-256\":\"" D64 "\"}"));
    CHECK_ERR(pqcha_policy_to_json(NULL, &len, p), PQCHA_ERR_INVALID_ARGUMENT);
    pqcha_free(json);
    pqcha_verifier_free(v);
    pqcha_policy_free(p);
}

/* A policy that would not parse back (above PQCHA_MAX_POLICY_LEN) is not
 * written; its size is reported for the message. */
static void test_write_too_large(void) {
    pqcha_policy *p = NULL;
    REQUIRE(pqcha_policy_create(&p) == PQCHA_OK);
    const pqcha_digest_alg alg = PQCHA_DIGEST_SHA3_256;
    const char *const hex = D64;
    char id[64];
    size_t added = 0;
    pqcha_err err = PQCHA_OK;
    for (size_t w = 0; err == PQCHA_OK && added < PQCHA_MAX_POLICY_LEN / 80; w++) {
        snprintf(id, sizeof id, "w%zu", w);
        err = pqcha_policy_add_workload(p, id, NULL, 0);
        for (size_t r = 0; err == PQCHA_OK && r < 1000; r++, added++) {
            char rid[32];
            snprintf(rid, sizeof rid, "region-%zu", r);
            err = pqcha_policy_add_region_digests(p, id, rid, &alg, &hex, 1);
        }
    }
    CHECK_OK(err);
    CHECK_OK(pqcha_policy_finish(p));
    char *json = NULL;
    size_t len = 0;
    CHECK_ERR(pqcha_policy_to_json(&json, &len, p), PQCHA_ERR_TOO_LARGE);
    CHECK(json == NULL && len > (size_t)PQCHA_MAX_POLICY_LEN);
    pqcha_policy_free(p);
}

TEST_MAIN(TEST(test_valid_full_policy), TEST(test_stale_after), TEST(test_minimal_policy_defaults),
          TEST(test_duplicate_keys), TEST(test_unknown_fields), TEST(test_missing_fields),
          TEST(test_wrong_types), TEST(test_version), TEST(test_meaningless_policies),
          TEST(test_bad_hex), TEST(test_ranges), TEST(test_identifiers), TEST(test_keys),
          TEST(test_sizes), TEST(test_syntax_and_misuse), TEST(test_manifest_reference),
          TEST(test_manifest_rejections), TEST(test_required_tensors),
          TEST(test_builder_round_trip), TEST(test_write_parsed_settings),
          TEST(test_builder_rejections), TEST(test_unfinished_policy_is_not_used),
          TEST(test_write_too_large))
