/* test_client.c — the agent's HTTP client without a network: argument
 * checks, and what each answer means for a report (client_delivery_of),
 * the rule that decides whether a report leaves the spool. Delivery over a
 * real connection is tests/service/test_agent.sh's. */
#include <string.h>

#include "service/client.h"
#include "testutil.h"

static client_delivery delivery_of(long status, size_t report_len) {
    client_answer a;
    memset(&a, 0, sizeof a);
    a.status = status;
    return client_delivery_of(PQCHA_OK, &a, report_len);
}

static void test_answers_that_deliver_refuse_or_retry(void) {
    static const struct {
        long status;
        size_t len;
        client_delivery want;
    } cases[] = {
        {200, 100, CLIENT_DELIVERED}, /* valid, drift or rejected: all results */
        {201, 100, CLIENT_DELIVERED},
        {400, 100, CLIENT_REFUSED}, /* malformed: the same bytes never verify */
        {415, 100, CLIENT_REFUSED},
        {413, CLIENT_MAX_REPORT_BYTES + 1, CLIENT_REFUSED},
        {413, 100, CLIENT_RETRY}, /* a proxy's smaller limit: fixable */
        {503, 100, CLIENT_RETRY}, /* database down, or busy */
        {500, 100, CLIENT_RETRY},
        {401, 100, CLIENT_RETRY}, /* the token: fixed by a reload, the report still good */
        {403, 100, CLIENT_RETRY},
        {404, 100, CLIENT_RETRY},
        {301, 100, CLIENT_RETRY},
        {408, 100, CLIENT_RETRY},
        {429, 100, CLIENT_RETRY},
        {0, 100, CLIENT_RETRY}, /* no answer */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (delivery_of(cases[i].status, cases[i].len) != cases[i].want)
            fprintf(stderr, "  status %ld: wrong class\n", cases[i].status);
        CHECK(delivery_of(cases[i].status, cases[i].len) == cases[i].want);
    }
    client_answer a;
    memset(&a, 0, sizeof a);
    a.status = 200;
    CHECK(client_delivery_of(PQCHA_ERR_IO, &a, 100) == CLIENT_RETRY);
    CHECK(client_delivery_of(PQCHA_OK, NULL, 100) == CLIENT_RETRY);
}

static void test_options_are_checked(void) {
    client *c = (client *)1;
    client_options o = {"ftp://verifier", NULL, NULL, 0, 0};
    CHECK_ERR(client_create(&c, &o), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(c == NULL);
    o.url = "http://127.0.0.1:1";
    o.token = "has space";
    CHECK_ERR(client_create(&c, &o), PQCHA_ERR_INVALID_ARGUMENT);
    o.token = "tab\there";
    CHECK_ERR(client_create(&c, &o), PQCHA_ERR_INVALID_ARGUMENT);
    o.token = NULL;
    o.timeout_ms = -1;
    CHECK_ERR(client_create(&c, &o), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(client_create(NULL, &o), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(client_create(&c, NULL), PQCHA_ERR_INVALID_ARGUMENT);
}

static void test_no_verifier_is_no_answer(void) {
    client *c = NULL;
    /* Port 1 on loopback: nothing listens, the connection is refused at once. */
    client_options o = {"http://127.0.0.1:1", "a-token-of-sixteen-chars", NULL, 2000, 2000};
    REQUIRE(client_global_init() == PQCHA_OK);
    REQUIRE(client_create(&c, &o) == PQCHA_OK);
    client_answer a;
    char nonce[2 * PQCHA_MAX_NONCE_BYTES + 1];
    CHECK_ERR(client_challenge(c, "w", nonce, NULL, &a), PQCHA_ERR_IO);
    CHECK(a.status == 0 && strlen(a.why) > 0);
    CHECK_STR(nonce, "");
    client_answer_clear(&a);
    CHECK_ERR(client_post_report(c, "{}", 2, &a), PQCHA_ERR_IO);
    CHECK(client_delivery_of(PQCHA_ERR_IO, &a, 2) == CLIENT_RETRY);
    client_answer_clear(&a);
    CHECK_ERR(client_post_report(c, NULL, 2, &a), PQCHA_ERR_INVALID_ARGUMENT);
    client_free(c);
    client_global_cleanup();
}

TEST_MAIN(TEST(test_answers_that_deliver_refuse_or_retry), TEST(test_options_are_checked),
          TEST(test_no_verifier_is_no_answer))
