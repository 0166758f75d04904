/* test_evidence_policy.c — the evidence requirements object
 * (core/evidence_policy.c, docs/FORMAT.md 6.1): what each key sets, every
 * rejection with its exact code, and the object inside a policy's workload
 * (parsed, written back, built with pqcha_policy_set_workload_evidence). */
#include <string.h>

#include "core/evidence_policy.h"
#include "testutil.h"

#define M48                                                                                        \
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d" \
    "2e2f"
#define H32 "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
#define S16 "0102030405060708090a0b0c0d0e0f10"

static pqcha_err parse(pqcha__evidence_policy **out, const char *text) {
    return pqcha__evidence_policy_parse(out, text, strlen(text));
}

static pqcha_err parse_only(const char *text) {
    pqcha__evidence_policy *p = (pqcha__evidence_policy *)&p; /* must be overwritten */
    pqcha_err err = parse(&p, text);
    if ((err == PQCHA_OK) != (p != NULL)) return PQCHA_ERR_INTERNAL;
    pqcha__evidence_policy_free(p);
    return err;
}

static void test_snp_fields(void) {
    pqcha__evidence_policy *p = NULL;
    CHECK_OK(parse(&p, "{\"platform\":\"amd-sev-snp\",\"binding\":\"key\",\"measurement\":\"" M48
                       "\",\"hostData\":\"" H32 "\",\"idKeyDigest\":\"" M48
                       "\",\"minReportVersion\":3,\"allowDebug\":true,"
                       "\"allowMigrationAgent\":false,\"maxVmpl\":1,"
                       "\"minTcb\":{\"bootLoader\":3,\"tee\":0,\"snp\":22,\"microcode\":213}}"));
    REQUIRE(p != NULL);
    CHECK_STR(p->platform, "amd-sev-snp");
    CHECK(pqcha__evidence_policy_accepts_binding(p, PQCHA__BINDING_KEY));
    CHECK(!pqcha__evidence_policy_accepts_binding(p, PQCHA__BINDING_REPORT));
    CHECK(p->snp.measurement == p->measurement && p->measurement[47] == 0x2f);
    CHECK(p->snp.host_data == p->host_data && p->host_data[0] == 0xa0);
    CHECK(p->snp.id_key_digest == p->id_key_digest);
    CHECK(p->snp.min_version == 3);
    CHECK(p->snp.allow_debug == 1 && p->snp.allow_migrate_ma == 0);
    CHECK(p->snp.has_max_vmpl && p->snp.max_vmpl == 1);
    CHECK(p->snp.has_min_tcb && p->snp.min_tcb.boot_loader == 3 && p->snp.min_tcb.snp == 22 &&
          p->snp.min_tcb.microcode == 213 && p->snp.min_tcb.fmc == 0);
    pqcha__evidence_policy_free(p);
}

static void test_snp_defaults(void) {
    pqcha__evidence_policy *p = NULL;
    CHECK_OK(parse(&p, "{\"platform\":\"amd-sev-snp\"}"));
    REQUIRE(p != NULL);
    /* any binding; debug and the migration agent must be off; nothing else */
    CHECK(pqcha__evidence_policy_accepts_binding(p, PQCHA__BINDING_KEY));
    CHECK(pqcha__evidence_policy_accepts_binding(p, PQCHA__BINDING_REPORT));
    CHECK(p->snp.measurement == NULL && p->snp.host_data == NULL && p->snp.id_key_digest == NULL);
    CHECK(p->snp.allow_debug == 0 && p->snp.allow_migrate_ma == 0);
    CHECK(!p->snp.has_max_vmpl && !p->snp.has_min_tcb && p->snp.min_version == 0);
    pqcha__evidence_policy_free(p);
}

static void test_tdx_fields(void) {
    pqcha__evidence_policy *p = NULL;
    CHECK_OK(parse(&p, "{\"platform\":\"intel-tdx\",\"binding\":\"report\",\"mrTd\":\"" M48
                       "\",\"rtmr0\":\"" M48 "\",\"rtmr3\":\"" M48 "\",\"mrConfigId\":\"" M48
                       "\",\"mrOwner\":\"" M48 "\",\"minTeeTcbSvn\":\"" S16
                       "\",\"acceptedTcbStatuses\":[\"UpToDate\",\"SWHardeningNeeded\"]}"));
    REQUIRE(p != NULL);
    CHECK_STR(p->platform, "intel-tdx");
    CHECK(!pqcha__evidence_policy_accepts_binding(p, PQCHA__BINDING_KEY));
    CHECK(p->tdx.mr_td == p->mr_td && p->tdx.rtmr[0] == p->rtmr[0] && p->tdx.rtmr[1] == NULL &&
          p->tdx.rtmr[2] == NULL && p->tdx.rtmr[3] == p->rtmr[3]);
    CHECK(p->tdx.mr_config_id == p->mr_config_id && p->tdx.mr_owner == p->mr_owner);
    CHECK(p->tdx.min_tee_tcb_svn == p->min_tee_tcb_svn && p->min_tee_tcb_svn[15] == 0x10);
    CHECK(p->tdx.allow_debug == 0);
    CHECK(p->tcb_status_count == 2);
    CHECK(p->tdx.accepted_tcb_status_count == 2 && p->tdx.accepted_tcb_statuses == p->tcb_statuses);
    CHECK_STR(p->tcb_statuses[0], "UpToDate");
    CHECK_STR(p->tcb_statuses[1], "SWHardeningNeeded");
    pqcha__evidence_policy_free(p);
}

typedef struct bad_case {
    const char *text;
    pqcha_err expected;
} bad_case;

static const bad_case bad_cases[] = {
    {"{}", PQCHA_ERR_MISSING_FIELD},
    {"{\"platform\":\"tpm\"}", PQCHA_ERR_BAD_POLICY},
    {"{\"platform\":7}", PQCHA_ERR_WRONG_TYPE},
    {"[]", PQCHA_ERR_WRONG_TYPE},
    {"{\"platform\":\"amd-sev-snp\",\"mrTd\":\"" M48 "\"}", PQCHA_ERR_UNKNOWN_FIELD},
    {"{\"platform\":\"intel-tdx\",\"measurement\":\"" M48 "\"}", PQCHA_ERR_UNKNOWN_FIELD},
    {"{\"platform\":\"intel-tdx\",\"extra\":1}", PQCHA_ERR_UNKNOWN_FIELD},
    {"{\"platform\":\"amd-sev-snp\",\"binding\":\"both\"}", PQCHA_ERR_BAD_POLICY},
    {"{\"platform\":\"amd-sev-snp\",\"binding\":1}", PQCHA_ERR_WRONG_TYPE},
    {"{\"platform\":\"amd-sev-snp\",\"measurement\":\"" H32 "\"}", PQCHA_ERR_BAD_HEX},
    {"{\"platform\":\"amd-sev-snp\",\"measurement\":\"" M48 "00\"}", PQCHA_ERR_TOO_LARGE},
    {"{\"platform\":\"amd-sev-snp\",\"hostData\":\"A0" H32 "\"}", PQCHA_ERR_TOO_LARGE},
    {"{\"platform\":\"amd-sev-snp\",\"hostData\":"
     "\"A0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf\"}",
     PQCHA_ERR_BAD_HEX},
    {"{\"platform\":\"amd-sev-snp\",\"maxVmpl\":4}", PQCHA_ERR_OUT_OF_RANGE},
    {"{\"platform\":\"amd-sev-snp\",\"maxVmpl\":-1}", PQCHA_ERR_OUT_OF_RANGE},
    {"{\"platform\":\"amd-sev-snp\",\"minReportVersion\":6}", PQCHA_ERR_OUT_OF_RANGE},
    {"{\"platform\":\"amd-sev-snp\",\"allowDebug\":1}", PQCHA_ERR_WRONG_TYPE},
    {"{\"platform\":\"amd-sev-snp\",\"minTcb\":[]}", PQCHA_ERR_WRONG_TYPE},
    {"{\"platform\":\"amd-sev-snp\",\"minTcb\":{\"ucode\":1}}", PQCHA_ERR_UNKNOWN_FIELD},
    {"{\"platform\":\"amd-sev-snp\",\"minTcb\":{\"snp\":256}}", PQCHA_ERR_OUT_OF_RANGE},
    {"{\"platform\":\"intel-tdx\",\"acceptedTcbStatuses\":[]}", PQCHA_ERR_BAD_POLICY},
    {"{\"platform\":\"intel-tdx\",\"acceptedTcbStatuses\":[\"Fine\"]}", PQCHA_ERR_BAD_POLICY},
    {"{\"platform\":\"intel-tdx\",\"acceptedTcbStatuses\":[\"UpToDate\",\"UpToDate\"]}",
     PQCHA_ERR_BAD_POLICY},
    {"{\"platform\":\"intel-tdx\",\"acceptedTcbStatuses\":[1]}", PQCHA_ERR_WRONG_TYPE},
    {"{\"platform\":\"intel-tdx\",\"acceptedTcbStatuses\":\"UpToDate\"}", PQCHA_ERR_WRONG_TYPE},
    {"{\"platform\":\"intel-tdx\",\"acceptedTcbStatuses\":[\"UpToDate\",\"SWHardeningNeeded\","
     "\"ConfigurationNeeded\",\"ConfigurationAndSWHardeningNeeded\",\"OutOfDate\","
     "\"OutOfDateConfigurationNeeded\",\"Revoked\",\"TDRelaunchAdvised\","
     "\"TDRelaunchAdvisedConfigurationNeeded\",\"UpToDate\"]}",
     PQCHA_ERR_TOO_LARGE},
    {"{\"platform\":\"intel-tdx\",\"minTeeTcbSvn\":\"" M48 "\"}", PQCHA_ERR_TOO_LARGE},
    {"{\"platform\":\"intel-tdx\",\"platform\":\"intel-tdx\"}", PQCHA_ERR_JSON_DUPLICATE_KEY},
    {"{\"platform\":\"intel-tdx\"", PQCHA_ERR_JSON_SYNTAX},
};

static void test_rejections(void) {
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        pqcha_err err = parse_only(bad_cases[i].text);
        if (err != bad_cases[i].expected) fprintf(stderr, "  case %zu: %s\n", i, bad_cases[i].text);
        CHECK_ERR(err, bad_cases[i].expected);
    }
}

static void test_size_cap_and_arguments(void) {
    size_t len = 64 * 1024 + 1;
    char *big = malloc(len + 1);
    REQUIRE(big != NULL);
    memset(big, ' ', len);
    memcpy(big, "{\"platform\":\"intel-tdx\"}", 24);
    big[len] = '\0';
    pqcha__evidence_policy *p = NULL;
    CHECK_ERR(pqcha__evidence_policy_parse(&p, big, len), PQCHA_ERR_TOO_LARGE);
    CHECK_OK(pqcha__evidence_policy_parse(&p, big, len - 1)); /* trailing spaces are fine */
    pqcha__evidence_policy_free(p);
    free(big);
    CHECK_ERR(pqcha__evidence_policy_parse(NULL, "{}", 2), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha__evidence_policy_parse(&p, NULL, 0), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha__evidence_policy_from_json(&p, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(!pqcha__evidence_policy_accepts_binding(NULL, PQCHA__BINDING_KEY));
}

/* ---- inside a policy ---- */

#define EVIDENCE_OBJECT \
    "{\"binding\":\"key\",\"measurement\":\"" M48 "\",\"platform\":\"amd-sev-snp\"}"
static void test_policy_workload_evidence(void) {
    pqcha_policy *p = NULL;
    static const char good[] =
        "{\"version\":1,\"workloads\":{\"w\":{\"evidence\":" EVIDENCE_OBJECT ",\"regions\":{\"r\":"
        "{\"sha3-256\":\"" H32 "\"}}}}}";
    CHECK_OK(pqcha_policy_parse(&p, good, strlen(good)));
    REQUIRE(p != NULL);
    char *json = NULL;
    size_t len = 0;
    CHECK_OK(pqcha_policy_to_json(&json, &len, p));
    REQUIRE(json != NULL);
    /* written back as given, and parses again */
    CHECK(strstr(json, "\"evidence\"") != NULL && strstr(json, M48) != NULL);
    pqcha_policy *again = NULL;
    CHECK_OK(pqcha_policy_parse(&again, json, len));
    pqcha_policy_free(again);
    pqcha_free(json);
    pqcha_policy_free(p);

    static const char bad[] = "{\"version\":1,\"workloads\":{\"w\":{\"evidence\":{\"platform\":"
                              "\"amd-sev-snp\",\"maxVmpl\":9},\"regions\":{\"r\":{\"sha3-256\":"
                              "\"" H32 "\"}}}}}";
    p = NULL;
    CHECK_ERR(pqcha_policy_parse(&p, bad, strlen(bad)), PQCHA_ERR_OUT_OF_RANGE);
    CHECK(p == NULL);
}

static void test_policy_builder_evidence(void) {
    pqcha_policy *p = NULL;
    static const char req[] = "{\"platform\":\"intel-tdx\",\"mrTd\":\"" M48 "\"}";
    const char *digests[1] = {H32};
    pqcha_digest_alg algs[1] = {PQCHA_DIGEST_SHA3_256};
    CHECK_OK(pqcha_policy_create(&p));
    REQUIRE(p != NULL);
    CHECK_ERR(pqcha_policy_set_workload_evidence(p, "w", req, strlen(req)),
              PQCHA_ERR_UNKNOWN_WORKLOAD);
    CHECK_OK(pqcha_policy_add_workload(p, "w", NULL, 0));
    CHECK_OK(pqcha_policy_add_region_digests(p, "w", "r", algs, digests, 1));
    CHECK_ERR(pqcha_policy_set_workload_evidence(p, "w", "{\"platform\":1}", 14),
              PQCHA_ERR_WRONG_TYPE);
    CHECK_ERR(pqcha_policy_set_workload_evidence(p, "w", NULL, 0), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_OK(pqcha_policy_set_workload_evidence(p, "w", req, strlen(req)));
    CHECK_OK(pqcha_policy_finish(p));
    char *json = NULL;
    size_t len = 0;
    CHECK_OK(pqcha_policy_to_json(&json, &len, p));
    REQUIRE(json != NULL);
    CHECK(strstr(json, "\"mrTd\": \"" M48 "\"") != NULL ||
          strstr(json, "\"mrTd\":\"" M48 "\"") != NULL);
    pqcha_free(json);
    pqcha_policy_free(p);
}

TEST_MAIN(TEST(test_snp_fields), TEST(test_snp_defaults), TEST(test_tdx_fields),
          TEST(test_rejections), TEST(test_size_cap_and_arguments),
          TEST(test_policy_workload_evidence), TEST(test_policy_builder_evidence))
