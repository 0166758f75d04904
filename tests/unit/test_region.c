/* test_region.c — protections, identifiers, descriptions and regions. */
#include <stdlib.h>
#include <string.h>

#include "core/report_internal.h"
#include "testutil.h"

static void test_protection_names(void) {
    static const char *names[] = {"R", "RO", "RW", "RX"};
    for (size_t i = 0; i < 4; i++) {
        pqcha_protection p = 0;
        CHECK_OK(pqcha_protection_parse(&p, names[i]));
        CHECK_STR(pqcha_protection_name(p), names[i]);
    }
    pqcha_protection p = PQCHA_PROT_RW;
    CHECK_ERR(pqcha_protection_parse(&p, "ro"), PQCHA_ERR_BAD_PROTECTION);
    CHECK(p == 0); /* outputs on error: 0, which names no protection */
    CHECK_ERR(pqcha_protection_parse(&p, "RWX"), PQCHA_ERR_BAD_PROTECTION);
    CHECK_ERR(pqcha_protection_parse(&p, ""), PQCHA_ERR_BAD_PROTECTION);
    CHECK_ERR(pqcha_protection_parse(&p, "R "), PQCHA_ERR_BAD_PROTECTION);
    CHECK_ERR(pqcha_protection_parse(&p, NULL), PQCHA_ERR_BAD_PROTECTION);
    CHECK(pqcha_protection_name((pqcha_protection)0) == NULL);
    CHECK(pqcha_protection_name((pqcha_protection)5) == NULL);
}

static void test_identifier_rules(void) {
    CHECK_OK(pqcha_identifier_check("model-weights-0"));
    CHECK_OK(pqcha_identifier_check("a"));
    CHECK_OK(pqcha_identifier_check("spaces are fine"));
    CHECK_OK(pqcha_identifier_check("\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92")); /* UTF-8 */
    CHECK_ERR(pqcha_identifier_check(""), PQCHA_ERR_BAD_IDENTIFIER);
    CHECK_ERR(pqcha_identifier_check("a\nb"), PQCHA_ERR_BAD_IDENTIFIER);
    CHECK_ERR(pqcha_identifier_check("a\tb"), PQCHA_ERR_BAD_IDENTIFIER);
    CHECK_ERR(pqcha_identifier_check("\x1b[31mred"), PQCHA_ERR_BAD_IDENTIFIER);
    CHECK_ERR(pqcha_identifier_check("\x1f"), PQCHA_ERR_BAD_IDENTIFIER);
    CHECK_ERR(pqcha_identifier_check("del\x7f"), PQCHA_ERR_BAD_IDENTIFIER);
    CHECK_ERR(pqcha_identifier_check("\xff"), PQCHA_ERR_BAD_IDENTIFIER);         /* not UTF-8 */
    CHECK_ERR(pqcha_identifier_check("\xc0\xaf"), PQCHA_ERR_BAD_IDENTIFIER);     /* overlong */
    CHECK_ERR(pqcha_identifier_check("\xed\xa0\x80"), PQCHA_ERR_BAD_IDENTIFIER); /* surrogate */
    CHECK_ERR(pqcha_identifier_check("\xe2\x82"), PQCHA_ERR_BAD_IDENTIFIER);     /* truncated */
    CHECK_ERR(pqcha_identifier_check(NULL), PQCHA_ERR_INVALID_ARGUMENT);

    char id[PQCHA_MAX_ID_LEN + 2];
    memset(id, 'x', sizeof id);
    id[PQCHA_MAX_ID_LEN] = '\0';
    CHECK_OK(pqcha_identifier_check(id));
    id[PQCHA_MAX_ID_LEN] = 'x';
    id[PQCHA_MAX_ID_LEN + 1] = '\0';
    CHECK_ERR(pqcha_identifier_check(id), PQCHA_ERR_BAD_IDENTIFIER);
}

/* C1 controls (U+0080-U+009F) are control characters too: encoded in UTF-8
 * (0xc2 0x80-0x9f), terminals such as xterm act on them, U+009B being CSI, the
 * one-byte equivalent of ESC [. An id or description is printed by 'pqcha
 * inspect' before anything is verified, so none may carry one. U+00A0, the
 * first code point after them, stays allowed. */
static void test_c1_controls_rejected(void) {
    CHECK_ERR(pqcha_identifier_check("\xc2\x9b"
                                     "2J"),
              PQCHA_ERR_BAD_IDENTIFIER); /* CSI */
    CHECK_ERR(pqcha_identifier_check("a\xc2\x80"), PQCHA_ERR_BAD_IDENTIFIER);
    CHECK_ERR(pqcha_identifier_check("a\xc2\x85"
                                     "b"),
              PQCHA_ERR_BAD_IDENTIFIER); /* NEL */
    CHECK_ERR(pqcha_identifier_check("\xc2\x9f"), PQCHA_ERR_BAD_IDENTIFIER);
    CHECK_OK(pqcha_identifier_check("\xc2\xa0"
                                    "nbsp"));
    CHECK_OK(pqcha_identifier_check("\xc2\xa9"
                                    "copyright"));
    pqcha_region *r = NULL;
    CHECK_ERR(pqcha_region_create(&r, "ok",
                                  "desc \xc2\x9b"
                                  "31m",
                                  0, 1, PQCHA_PROT_R),
              PQCHA_ERR_BAD_IDENTIFIER);
    CHECK(r == NULL);
    CHECK_OK(pqcha_region_create(&r, "ok", "Gewichte f\xc3\xbcr Shard 0", 0, 1, PQCHA_PROT_R));
    pqcha_region_free(r);
}

static void test_region_create_and_copy(void) {
    pqcha_region *r = NULL;
    CHECK_OK(pqcha_region_create(&r, "weights", "shard 0", 0x1000, 128, PQCHA_PROT_RO));
    REQUIRE(r != NULL);
    CHECK_STR(pqcha_region_id(r), "weights");
    CHECK_STR(pqcha_region_description(r), "shard 0");
    CHECK(pqcha_region_address(r) == 0x1000);
    CHECK(pqcha_region_size(r) == 128);
    CHECK(pqcha_region_protection(r) == PQCHA_PROT_RO);

    pqcha_region *copy = NULL;
    CHECK_OK(pqcha_region_copy(&copy, r));
    REQUIRE(copy != NULL);
    CHECK(pqcha_region_id(copy) != pqcha_region_id(r));
    CHECK_STR(pqcha_region_id(copy), "weights");
    CHECK_STR(pqcha_region_description(copy), "shard 0");
    CHECK(pqcha_region_size(copy) == 128 && pqcha_region_address(copy) == 0x1000);
    pqcha_region_free(copy);

    pqcha_region inner;
    CHECK_OK(pqcha__region_init_copy(&inner, r));
    CHECK_STR(inner.id, "weights");
    pqcha__region_clear(&inner);
    CHECK(inner.id == NULL && inner.description == NULL);
    pqcha_region_free(r);

    CHECK_OK(pqcha_region_create(&r, "x", NULL, 0, 0, PQCHA_PROT_R));
    CHECK_STR(pqcha_region_description(r), "");
    pqcha_region_free(r);
    pqcha_region_free(NULL);
    CHECK(pqcha_region_id(NULL) == NULL && pqcha_region_size(NULL) == 0);
}

static void test_region_create_rejections(void) {
    pqcha_region *r = (pqcha_region *)&r;
    CHECK_ERR(pqcha_region_create(&r, "", "", 0, 1, PQCHA_PROT_R), PQCHA_ERR_BAD_IDENTIFIER);
    CHECK(r == NULL);
    CHECK_ERR(pqcha_region_create(&r, "a\rb", "", 0, 1, PQCHA_PROT_R), PQCHA_ERR_BAD_IDENTIFIER);
    CHECK_ERR(pqcha_region_create(&r, "a", "line\nbreak", 0, 1, PQCHA_PROT_R),
              PQCHA_ERR_BAD_IDENTIFIER);
    CHECK_ERR(pqcha_region_create(&r, "a", "ok", 0, 1, (pqcha_protection)9),
              PQCHA_ERR_BAD_PROTECTION);
    CHECK_ERR(pqcha_region_create(NULL, "a", "ok", 0, 1, PQCHA_PROT_R), PQCHA_ERR_INVALID_ARGUMENT);

    char desc[PQCHA_MAX_DESCRIPTION_LEN + 2];
    memset(desc, 'd', sizeof desc);
    desc[PQCHA_MAX_DESCRIPTION_LEN] = '\0';
    CHECK_OK(pqcha_region_create(&r, "a", desc, 0, 1, PQCHA_PROT_R));
    pqcha_region_free(r);
    desc[PQCHA_MAX_DESCRIPTION_LEN] = 'd';
    desc[PQCHA_MAX_DESCRIPTION_LEN + 1] = '\0';
    CHECK_ERR(pqcha_region_create(&r, "a", desc, 0, 1, PQCHA_PROT_R), PQCHA_ERR_TOO_LARGE);
}

static void test_region_extent_limits(void) {
    pqcha_region *r = NULL;
    /* address + size may reach 2^64 exactly but not pass it. */
    CHECK_OK(pqcha_region_create(&r, "top", "", UINT64_MAX, 1, PQCHA_PROT_R));
    pqcha_region_free(r);
    CHECK_OK(pqcha_region_create(&r, "top", "", UINT64_MAX, 0, PQCHA_PROT_R));
    pqcha_region_free(r);
    CHECK_OK(pqcha_region_create(&r, "top", "", UINT64_MAX - 99, 100, PQCHA_PROT_R));
    pqcha_region_free(r);
    CHECK_ERR(pqcha_region_create(&r, "top", "", UINT64_MAX, 2, PQCHA_PROT_R),
              PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(pqcha_region_create(&r, "top", "", UINT64_MAX - 99, 101, PQCHA_PROT_R),
              PQCHA_ERR_OUT_OF_RANGE);
    CHECK_OK(pqcha_region_create(&r, "big", "", 0, PQCHA_MAX_SAFE_INTEGER, PQCHA_PROT_R));
    pqcha_region_free(r);
    CHECK_ERR(pqcha_region_create(&r, "big", "", 0, PQCHA_MAX_SAFE_INTEGER + 1, PQCHA_PROT_R),
              PQCHA_ERR_OUT_OF_RANGE);
}

TEST_MAIN(TEST(test_protection_names), TEST(test_identifier_rules), TEST(test_c1_controls_rejected),
          TEST(test_region_create_and_copy), TEST(test_region_create_rejections),
          TEST(test_region_extent_limits))
