/* test_tensor_compare.c — the verifier's tensor-by-tensor decision for a
 * sha3-256-segments region against a manifest entry: what counts as a match
 * (name, offset, size and digest), what is missing, what is changed, which
 * bytes are not compared, and that nothing the report says about tensors is
 * taken on trust. */
#include "testutil.h"

#include "core/tensor_compare.h"

/* A reference file of 4096 bytes: header [0, 1000), tensors a [1024, 2048),
 * b [2048, 3000), c [3008, 4000), gaps between and after them. */
static pqcha__tensor ref_tensors[3];
static pqcha__segment ref_gaps[4];
static pqcha__model_file ref_file;

static void digest_of(uint8_t out[32], uint8_t tag) {
    memset(out, tag, 32);
}

static void make_reference(void) {
    static char a[] = "a", b[] = "b", c[] = "c", dtype[] = "U8";
    memset(ref_tensors, 0, sizeof ref_tensors);
    pqcha__tensor t[3] = {{a, dtype, {1024}, 1, 1024, 1024, {0}},
                          {b, dtype, {952}, 1, 2048, 952, {0}},
                          {c, dtype, {992}, 1, 3008, 992, {0}}};
    memcpy(ref_tensors, t, sizeof t);
    for (int i = 0; i < 3; i++)
        digest_of(ref_tensors[i].digest, (uint8_t)(0xa0 + i));
    pqcha__segment g[3] = {{NULL, 0, 1024, {0}}, {NULL, 3000, 8, {0}}, {NULL, 4000, 96, {0}}};
    memcpy(ref_gaps, g, sizeof g);
    for (int i = 0; i < 3; i++)
        digest_of(ref_gaps[i].digest, (uint8_t)(0x10 + i));
    memset(&ref_file, 0, sizeof ref_file);
    ref_file.size = 4096;
    ref_file.tensors = ref_tensors;
    ref_file.tensor_count = 3;
    ref_file.gaps = ref_gaps;
    ref_file.gap_count = 3;
    ref_file.has_tensor_digests = 1;
}

/* The claim as an honest attester measures the region [base, 4096) of an
 * unchanged file: segments cut at the tensors wholly inside. */
static pqcha__segment claim_segments[8];
static pqcha__claim claim;

static void add_segment(size_t *n, char *tensor, uint64_t offset, uint64_t size, uint8_t tag) {
    pqcha__segment *s = &claim_segments[(*n)++];
    s->tensor = tensor;
    s->offset = offset;
    s->size = size;
    digest_of(s->digest, tag);
}

static void make_claim(uint64_t base) {
    static char a[] = "a", b[] = "b", c[] = "c";
    size_t n = 0;
    memset(&claim, 0, sizeof claim);
    if (base == 0)
        add_segment(&n, NULL, 0, 1024, 0x10);
    else
        add_segment(&n, NULL, base, 1024 - base, 0x77); /* the header's tail */
    add_segment(&n, a, 1024, 1024, 0xa0);
    add_segment(&n, b, 2048, 952, 0xa1);
    add_segment(&n, NULL, 3000, 8, 0x11);
    add_segment(&n, c, 3008, 992, 0xa2);
    add_segment(&n, NULL, 4000, 96, 0x12);
    claim.digest_alg = PQCHA_DIGEST_SHA3_256_SEGMENTS;
    claim.region.file_offset = base;
    claim.region.size = 4096 - base;
    claim.segments = claim_segments;
    claim.segment_count = n;
}

static pqcha__policy_region all_required(void) {
    pqcha__policy_region pr;
    memset(&pr, 0, sizeof pr);
    pr.manifest = &ref_file;
    return pr;
}

static void compare(pqcha__tensor_comparison *tc, const pqcha__policy_region *pr) {
    CHECK_OK(pqcha__compare_tensors(tc, &claim, &ref_file, pr));
}

/* Mapped from offset 0: every byte compared. From 512 (header pages not
 * mapped): the tensors all match, the header's tail is not compared. */
static void test_untouched(void) {
    make_reference();
    pqcha__policy_region pr = all_required();
    pqcha__tensor_comparison tc;
    make_claim(0);
    compare(&tc, &pr);
    CHECK(pqcha__tensor_comparison_passed(&tc));
    CHECK(tc.tensors_matched == 3 && tc.bytes_not_compared == 0);
    pqcha__tensor_comparison_clear(&tc);
    make_claim(512);
    compare(&tc, &pr);
    CHECK(pqcha__tensor_comparison_passed(&tc));
    CHECK(tc.tensors_matched == 3 && tc.bytes_not_compared == 512);
    pqcha__tensor_comparison_clear(&tc);
}

/* One changed tensor is named alone; a changed gap is a change too. */
static void test_changed(void) {
    make_reference();
    pqcha__policy_region pr = all_required();
    pqcha__tensor_comparison tc;
    make_claim(512);
    claim_segments[2].digest[5] ^= 1; /* b */
    compare(&tc, &pr);
    CHECK(!pqcha__tensor_comparison_passed(&tc));
    REQUIRE(tc.changed_count == 1);
    CHECK_STR(tc.changed[0].tensor, "b");
    CHECK(tc.changed[0].offset == 2048 && tc.changed[0].size == 952);
    CHECK(tc.missing_count == 0 && tc.tensors_matched == 2);
    pqcha__tensor_comparison_clear(&tc);
    make_claim(512);
    claim_segments[3].digest[0] ^= 1; /* the padding between b and c */
    compare(&tc, &pr);
    REQUIRE(tc.changed_count == 1);
    CHECK(tc.changed[0].tensor == NULL && tc.changed[0].offset == 3000);
    pqcha__tensor_comparison_clear(&tc);
}

/* A tensor not measured at its reference place is missing, whatever the
 * report calls it; bytes with no reference are counted, not trusted. */
static void test_missing_and_moved(void) {
    static char renamed[] = "evil", a_name[] = "a";
    make_reference();
    pqcha__policy_region pr = all_required();
    pqcha__tensor_comparison tc;
    make_claim(512);
    claim_segments[1].tensor = renamed; /* a's bytes under another name */
    compare(&tc, &pr);
    REQUIRE(tc.missing_count == 1);
    CHECK_STR(tc.missing[0], "a");
    CHECK(tc.bytes_not_compared == 512 + 1024);
    pqcha__tensor_comparison_clear(&tc);
    make_claim(512);
    claim_segments[1].tensor = a_name;
    claim_segments[1].size = 1000; /* a claimed with another extent */
    claim_segments[0].size += 24;
    claim_segments[1].offset += 24;
    compare(&tc, &pr);
    REQUIRE(tc.missing_count == 1);
    CHECK_STR(tc.missing[0], "a");
    pqcha__tensor_comparison_clear(&tc);
    /* A region that stops before c leaves c missing. */
    make_claim(512);
    claim.region.size = 3008 - 512;
    claim.segment_count = 4;
    compare(&tc, &pr);
    REQUIRE(tc.missing_count == 1);
    CHECK_STR(tc.missing[0], "c");
    pqcha__tensor_comparison_clear(&tc);
}

/* A policy listing tensors requires only those; a changed tensor outside the
 * list still counts as changed. */
static void test_required_subset(void) {
    static char a[] = "a";
    char *required[] = {a};
    make_reference();
    pqcha__policy_region pr = all_required();
    pr.required_tensors = required;
    pr.required_tensor_count = 1;
    pqcha__tensor_comparison tc;
    make_claim(512);
    claim.region.size = 3008 - 512; /* c not mapped: not required */
    claim.segment_count = 4;
    compare(&tc, &pr);
    CHECK(pqcha__tensor_comparison_passed(&tc));
    pqcha__tensor_comparison_clear(&tc);
    claim_segments[2].digest[0] ^= 1; /* b changed */
    compare(&tc, &pr);
    CHECK(!pqcha__tensor_comparison_passed(&tc) && tc.changed_count == 1);
    pqcha__tensor_comparison_clear(&tc);
}

static void test_unusable_reference(void) {
    make_reference();
    pqcha__policy_region pr = all_required();
    pqcha__tensor_comparison tc;
    make_claim(512);
    claim.region.size = 4096; /* reaches past the reference's end */
    compare(&tc, &pr);
    CHECK(tc.beyond_file && !pqcha__tensor_comparison_passed(&tc));
    pqcha__tensor_comparison_clear(&tc);
    make_claim(512);
    ref_file.has_tensor_digests = 0;
    compare(&tc, &pr);
    CHECK(tc.no_reference_digests && !pqcha__tensor_comparison_passed(&tc));
    pqcha__tensor_comparison_clear(&tc);
    CHECK_ERR(pqcha__compare_tensors(&tc, NULL, &ref_file, &pr), PQCHA_ERR_INVALID_ARGUMENT);
}

TEST_MAIN(TEST(test_untouched), TEST(test_changed), TEST(test_missing_and_moved),
          TEST(test_required_subset), TEST(test_unusable_reference))
