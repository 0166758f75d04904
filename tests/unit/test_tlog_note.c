/* test_tlog_note.c — checkpoints (C2SP tlog-checkpoint) and signed notes
 * (C2SP signed-note) with pqcha's ML-DSA signature type: the body written
 * and parsed in one spelling, each malformed form with its own code; the
 * key ID and signed message as FORMAT.md 9.6 states them; signing,
 * cosigning, verification against one key and a quorum of witnesses; the
 * seed corpus of fuzz_checkpoint. */
#include <openssl/evp.h>

#include "testutil.h"
#include "tlog_fixture.h"

#define H PQCHA_TLOG_HASH_LEN

static const char origin[] = "log.example/pqcha";
static const char witness_name[] = "witness.example/w1";

static pqcha_key *log_key, *other_key, *w44, *w87;

static void keys_once(void) {
    if (log_key != NULL) return;
    if (pqcha_key_generate(&log_key, PQCHA_ML_DSA_65) != PQCHA_OK ||
        pqcha_key_generate(&other_key, PQCHA_ML_DSA_65) != PQCHA_OK ||
        pqcha_key_generate(&w44, PQCHA_ML_DSA_44) != PQCHA_OK ||
        pqcha_key_generate(&w87, PQCHA_ML_DSA_87) != PQCHA_OK) {
        fprintf(stderr, "cannot generate keys\n");
        exit(2);
    }
}

static void some_root(uint8_t root[H], uint8_t seed) {
    for (int i = 0; i < H; i++)
        root[i] = (uint8_t)(seed + 7 * i);
}

/* ---- checkpoint bodies ---- */

static void test_checkpoint_round_trip(void) {
    uint8_t root[H];
    some_root(root, 1);
    const struct {
        uint64_t size;
        const char *ext;
    } cases[] = {{0, NULL}, {1, ""}, {20852163, "ext one\n"}, {PQCHA_TLOG_MAX_SIZE, "a\nb c\n"}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char *text = NULL;
        size_t len = 0;
        CHECK_OK(pqcha_checkpoint_encode(&text, &len, origin, cases[k].size, root, cases[k].ext));
        REQUIRE(text != NULL && strlen(text) == len);
        pqcha_checkpoint *cp = NULL;
        CHECK_OK(pqcha_checkpoint_parse(&cp, text, len));
        CHECK_STR(pqcha_checkpoint_origin(cp), origin);
        CHECK(pqcha_checkpoint_size(cp) == cases[k].size);
        CHECK(memcmp(pqcha_checkpoint_root(cp), root, H) == 0);
        CHECK_STR(pqcha_checkpoint_extensions(cp), cases[k].ext ? cases[k].ext : "");
        pqcha_checkpoint_free(cp);
        pqcha_free(text);
    }
    char *text = NULL;
    size_t len = 0;
    CHECK_OK(
        pqcha_checkpoint_encode(&text, &len, "example.com/behind-the-sofa", 20852163, root, NULL));
    CHECK_STR(text, "example.com/behind-the-sofa\n20852163\n"
                    "AQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o=\n");
    pqcha_free(text);
    pqcha_checkpoint_free(NULL);
    CHECK(pqcha_checkpoint_origin(NULL) == NULL && pqcha_checkpoint_size(NULL) == 0);
}

static void test_checkpoint_encode_rejections(void) {
    uint8_t root[H];
    some_root(root, 2);
    char *text = (char *)1;
    size_t len = 5;
    char long_origin[PQCHA_CHECKPOINT_MAX_ORIGIN + 2];
    memset(long_origin, 'o', sizeof long_origin - 1);
    long_origin[sizeof long_origin - 1] = '\0';
    CHECK_ERR(pqcha_checkpoint_encode(&text, &len, long_origin, 1, root, NULL),
              PQCHA_ERR_LOG_CHECKPOINT);
    CHECK(text == NULL && len == 0);
    CHECK_ERR(pqcha_checkpoint_encode(&text, &len, "", 1, root, NULL), PQCHA_ERR_LOG_CHECKPOINT);
    CHECK_ERR(pqcha_checkpoint_encode(&text, &len, "a\nb", 1, root, NULL),
              PQCHA_ERR_LOG_CHECKPOINT);
    CHECK_ERR(pqcha_checkpoint_encode(&text, &len, "a\rb", 1, root, NULL), PQCHA_ERR_LOG_TEXT);
    CHECK_ERR(pqcha_checkpoint_encode(&text, &len, "a\xff", 1, root, NULL), PQCHA_ERR_LOG_TEXT);
    CHECK_ERR(pqcha_checkpoint_encode(&text, &len, origin, PQCHA_TLOG_MAX_SIZE + 1, root, NULL),
              PQCHA_ERR_LOG_TREE_SIZE);
    CHECK_ERR(pqcha_checkpoint_encode(&text, &len, origin, 1, root, "no newline"),
              PQCHA_ERR_LOG_CHECKPOINT);
    CHECK_ERR(pqcha_checkpoint_encode(&text, &len, origin, 1, root, "a\n\nb\n"),
              PQCHA_ERR_LOG_CHECKPOINT);
    CHECK_ERR(pqcha_checkpoint_encode(&text, &len, origin, 1, root, "\n"),
              PQCHA_ERR_LOG_CHECKPOINT);
    CHECK_ERR(pqcha_checkpoint_encode(&text, &len, origin, 1, root, "tab\there\n"),
              PQCHA_ERR_LOG_TEXT);
    char *big = malloc(PQCHA_CHECKPOINT_MAX_LEN + 2);
    REQUIRE(big != NULL);
    memset(big, 'e', PQCHA_CHECKPOINT_MAX_LEN);
    big[PQCHA_CHECKPOINT_MAX_LEN] = '\n';
    big[PQCHA_CHECKPOINT_MAX_LEN + 1] = '\0';
    CHECK_ERR(pqcha_checkpoint_encode(&text, &len, origin, 1, root, big), PQCHA_ERR_TOO_LARGE);
    big[PQCHA_CHECKPOINT_MAX_LEN - 61] = '\n'; /* fits alone, not with the three lines */
    big[PQCHA_CHECKPOINT_MAX_LEN - 60] = '\0';
    CHECK_ERR(pqcha_checkpoint_encode(&text, &len, origin, 1, root, big), PQCHA_ERR_TOO_LARGE);
    free(big);
    CHECK_ERR(pqcha_checkpoint_encode(&text, &len, NULL, 1, root, NULL),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_checkpoint_encode(&text, &len, origin, 1, NULL, NULL),
              PQCHA_ERR_INVALID_ARGUMENT);
}

static const char good_root[] = "AQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o=";

typedef struct bad_body {
    const char *text;
    pqcha_err want;
} bad_body;

/* A decoder under test: parses and frees, reporting whether the output was
 * left NULL on error. */
typedef pqcha_err (*decode_fn)(const char *text, size_t len, int *output_reset);

static void check_rejections(const bad_body *cases, size_t n, decode_fn decode) {
    for (size_t k = 0; k < n; k++) {
        int reset = 0;
        pqcha_err err = decode(cases[k].text, strlen(cases[k].text), &reset);
        if (err != cases[k].want) fprintf(stderr, "  case %zu: %s\n", k, cases[k].text);
        CHECK_ERR(err, cases[k].want);
        CHECK(reset);
    }
}

static pqcha_err decode_checkpoint(const char *text, size_t len, int *output_reset) {
    pqcha_checkpoint *cp = (pqcha_checkpoint *)1;
    pqcha_err err = pqcha_checkpoint_parse(&cp, text, len);
    *output_reset = err != PQCHA_OK && cp == NULL;
    if (err == PQCHA_OK) pqcha_checkpoint_free(cp);
    return err;
}

static pqcha_err decode_note(const char *text, size_t len, int *output_reset) {
    pqcha_note *n = (pqcha_note *)1;
    pqcha_err err = pqcha_note_parse(&n, text, len);
    *output_reset = err != PQCHA_OK && n == NULL;
    if (err == PQCHA_OK) pqcha_note_free(n);
    return err;
}

static void test_checkpoint_parse_rejections(void) {
    static const bad_body cases[] = {
        {"", PQCHA_ERR_LOG_CHECKPOINT},
        {"o\n1\n", PQCHA_ERR_LOG_CHECKPOINT},
        {"o\n1\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o=", PQCHA_ERR_LOG_CHECKPOINT},
        {"\n1\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o=\n", PQCHA_ERR_LOG_CHECKPOINT},
        {"o\n\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o=\n", PQCHA_ERR_LOG_CHECKPOINT},
        {"o\n1\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o=\n\n", PQCHA_ERR_LOG_CHECKPOINT},
        {"o\n1\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o=\ne\n\nf\n", PQCHA_ERR_LOG_CHECKPOINT},
        {"o\n1\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o=\ne", PQCHA_ERR_LOG_CHECKPOINT},
        /* a root of 31 and of 33 bytes */
        {"o\n1\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM0w==\n", PQCHA_ERR_LOG_CHECKPOINT},
        {"o\n1\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09oA\n", PQCHA_ERR_LOG_CHECKPOINT},
        /* not canonical base64: no padding, pad bits set, a space, URL alphabet */
        {"o\n1\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o\n", PQCHA_ERR_BAD_BASE64},
        {"o\n1\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09p=\n", PQCHA_ERR_BAD_BASE64},
        {"o\n1\n AQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o=\n", PQCHA_ERR_BAD_BASE64},
        {"o\n1\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM0_o=\n", PQCHA_ERR_BAD_BASE64},
        /* the size: leading zero, sign, space, hex, exponent, beyond 2^63 - 1 */
        {"o\n01\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o=\n", PQCHA_ERR_LOG_TREE_SIZE},
        {"o\n00\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o=\n", PQCHA_ERR_LOG_TREE_SIZE},
        {"o\n+1\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o=\n", PQCHA_ERR_LOG_TREE_SIZE},
        {"o\n-1\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o=\n", PQCHA_ERR_LOG_TREE_SIZE},
        {"o\n1 \nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o=\n", PQCHA_ERR_LOG_TREE_SIZE},
        {"o\n0x10\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o=\n", PQCHA_ERR_LOG_TREE_SIZE},
        {"o\n1e3\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o=\n", PQCHA_ERR_LOG_TREE_SIZE},
        {"o\n9223372036854775808\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o=\n",
         PQCHA_ERR_LOG_TREE_SIZE},
        {"o\n18446744073709551616\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o=\n",
         PQCHA_ERR_LOG_TREE_SIZE},
        /* a CR (CRLF lines), another control character, not UTF-8 */
        {"o\r\n1\r\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o=\r\n", PQCHA_ERR_LOG_TEXT},
        {"o\n1\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o=\r\n", PQCHA_ERR_LOG_TEXT},
        {"o\t\n1\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o=\n", PQCHA_ERR_LOG_TEXT},
        {"o\xc3\x28\n1\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o=\n", PQCHA_ERR_LOG_TEXT},
        {"o\xed\xa0\x80\n1\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o=\n", PQCHA_ERR_LOG_TEXT},
    };
    check_rejections(cases, sizeof cases / sizeof cases[0], decode_checkpoint);
    /* A NUL inside the text: a control character, not an end. */
    pqcha_checkpoint *cp = NULL;
    static const char with_nul[] = "o\0\n1\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o=\n";
    CHECK_ERR(pqcha_checkpoint_parse(&cp, with_nul, sizeof with_nul - 1), PQCHA_ERR_LOG_TEXT);
    /* An origin of 255 bytes is fine, of 256 not. */
    char body[600];
    char name[PQCHA_CHECKPOINT_MAX_ORIGIN + 2];
    memset(name, 'n', sizeof name);
    name[PQCHA_CHECKPOINT_MAX_ORIGIN] = '\0';
    snprintf(body, sizeof body, "%s\n5\n%s\n", name, good_root);
    CHECK_OK(pqcha_checkpoint_parse(&cp, body, strlen(body)));
    pqcha_checkpoint_free(cp);
    name[PQCHA_CHECKPOINT_MAX_ORIGIN] = 'n';
    name[PQCHA_CHECKPOINT_MAX_ORIGIN + 1] = '\0';
    snprintf(body, sizeof body, "%s\n5\n%s\n", name, good_root);
    CHECK_ERR(pqcha_checkpoint_parse(&cp, body, strlen(body)), PQCHA_ERR_LOG_CHECKPOINT);
    /* The size cap comes first. */
    char *big = calloc(1, PQCHA_CHECKPOINT_MAX_LEN + 1);
    REQUIRE(big != NULL);
    CHECK_ERR(pqcha_checkpoint_parse(&cp, big, PQCHA_CHECKPOINT_MAX_LEN + 1), PQCHA_ERR_TOO_LARGE);
    free(big);
    CHECK_ERR(pqcha_checkpoint_parse(&cp, NULL, 1), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_checkpoint_parse(NULL, body, 1), PQCHA_ERR_INVALID_ARGUMENT);
    /* The spec's own example, with a space in an origin (allowed, if unwise). */
    snprintf(body, sizeof body, "a log with spaces\n0\n%s\n", good_root);
    CHECK_OK(pqcha_checkpoint_parse(&cp, body, strlen(body)));
    pqcha_checkpoint_free(cp);
}

/* ---- signed notes ---- */

static char *signed_checkpoint(size_t *len, const char *name, const pqcha_key *key, uint64_t size,
                               const uint8_t root[H], const char *body_origin) {
    char *text = NULL, *note = NULL;
    size_t text_len = 0;
    if (pqcha_checkpoint_encode(&text, &text_len, body_origin, size, root, NULL) != PQCHA_OK)
        return NULL;
    pqcha_err err = pqcha_note_sign(&note, len, text, text_len, name, key);
    pqcha_free(text);
    return err == PQCHA_OK ? note : NULL;
}

static void sha256(uint8_t out[H], const uint8_t *data, size_t len) {
    unsigned int n = 0;
    EVP_Digest(data, len, out, &n, EVP_sha256(), NULL);
}

/* FORMAT.md 9.6, recomputed here from its words. */
static uint32_t expected_key_id(const char *name, const pqcha_key *key) {
    uint8_t *raw = NULL, buf[4096], digest[H];
    size_t raw_len = 0, at = 0;
    if (pqcha_key_public_raw(&raw, &raw_len, key) != PQCHA_OK) return 0;
    char type[32];
    int type_len =
        snprintf(type, sizeof type, "\xffpqcha-ml-dsa-%d\n", (int)pqcha_key_algorithm(key));
    memcpy(buf, name, strlen(name));
    at += strlen(name);
    buf[at++] = '\n';
    memcpy(buf + at, type, (size_t)type_len);
    at += (size_t)type_len;
    memcpy(buf + at, raw, raw_len);
    at += raw_len;
    pqcha_free(raw);
    sha256(digest, buf, at);
    return ((uint32_t)digest[0] << 24) | ((uint32_t)digest[1] << 16) | ((uint32_t)digest[2] << 8) |
           digest[3];
}

static void test_key_id_and_signed_message(void) {
    keys_once();
    const pqcha_key *keys[] = {log_key, w44, w87};
    for (int k = 0; k < 3; k++) {
        uint32_t id = 0;
        CHECK_OK(pqcha_note_key_id(&id, origin, keys[k]));
        CHECK(id == expected_key_id(origin, keys[k]));
        /* The public half has the same ID. */
        pqcha_key *pub = NULL;
        uint32_t again = 0;
        REQUIRE(pqcha_key_public_copy(&pub, keys[k]) == PQCHA_OK);
        CHECK_OK(pqcha_note_key_id(&again, origin, pub));
        CHECK(again == id);
        pqcha_key_free(pub);
    }
    uint32_t a = 0, b = 0;
    CHECK_OK(pqcha_note_key_id(&a, origin, log_key));
    CHECK_OK(pqcha_note_key_id(&b, witness_name, log_key));
    CHECK(a != b); /* the name is in the ID */

    /* The signature is ML-DSA over "pqcha-note/v1\n" || name || "\n" || text. */
    static const char text[] = "hello\nworld\n";
    char *note = NULL;
    size_t len = 0;
    CHECK_OK(pqcha_note_sign(&note, &len, text, strlen(text), origin, log_key));
    pqcha_note *n = NULL;
    REQUIRE(pqcha_note_parse(&n, note, len) == PQCHA_OK);
    CHECK(pqcha_note_signature_count(n) == 1);
    CHECK_STR(pqcha_note_signature_name(n, 0), origin);
    CHECK(pqcha_note_signature_key_id(n, 0) == a);
    CHECK_STR(pqcha_note_text(n), text);
    CHECK(pqcha_note_text_length(n) == strlen(text));
    char msg[256];
    int msg_len = snprintf(msg, sizeof msg, "pqcha-note/v1\n%s\n%s", origin, text);
    CHECK_OK(pqcha_verify_signature(log_key, (const uint8_t *)msg, (size_t)msg_len,
                                    pqcha_note_signature(n, 0), pqcha_note_signature_length(n, 0)));
    CHECK(pqcha_note_signature_length(n, 0) == 3309);
    /* Never a valid report signature: the DSSE message starts "DSSEv1 ". */
    CHECK(strncmp(msg, "DSSEv1 ", 7) != 0);
    CHECK(pqcha_note_signature(n, 1) == NULL && pqcha_note_signature_name(n, 1) == NULL);
    /* The note is text, blank line, "— name base64\n". */
    CHECK(strncmp(note, "hello\nworld\n\n\xe2\x80\x94 log.example/pqcha ", 13 + 4 + 18) == 0);
    CHECK(note[len - 1] == '\n');
    pqcha_note_free(n);
    pqcha_free(note);
}

static void test_note_sign_and_verify(void) {
    keys_once();
    uint8_t root[H];
    some_root(root, 3);
    size_t len = 0;
    char *note = signed_checkpoint(&len, origin, log_key, 10, root, origin);
    REQUIRE(note != NULL);
    pqcha_note *n = NULL;
    REQUIRE(pqcha_note_parse(&n, note, len) == PQCHA_OK);
    CHECK_OK(pqcha_note_verify_key(n, origin, log_key));
    /* Another key, another name: no signature of theirs. */
    CHECK_ERR(pqcha_note_verify_key(n, origin, other_key), PQCHA_ERR_UNTRUSTED_KEY);
    CHECK_ERR(pqcha_note_verify_key(n, witness_name, log_key), PQCHA_ERR_UNTRUSTED_KEY);
    CHECK_ERR(pqcha_note_verify_key(n, "bad name", log_key), PQCHA_ERR_BAD_IDENTIFIER);
    CHECK_ERR(pqcha_note_verify_key(n, origin, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    pqcha_note_free(n);

    /* Altered text: the size line changed. */
    char *altered = malloc(len + 1);
    REQUIRE(altered != NULL);
    memcpy(altered, note, len + 1);
    char *size_line = strstr(altered, "\n10\n");
    REQUIRE(size_line != NULL);
    size_line[2] = '1';
    REQUIRE(pqcha_note_parse(&n, altered, len) == PQCHA_OK);
    CHECK_ERR(pqcha_note_verify_key(n, origin, log_key), PQCHA_ERR_BAD_SIGNATURE);
    pqcha_note_free(n);
    /* A flipped signature bit (in the base64, a letter for another). */
    memcpy(altered, note, len + 1);
    char *last = altered + len - 10;
    *last = *last == 'A' ? 'B' : 'A';
    REQUIRE(pqcha_note_parse(&n, altered, len) == PQCHA_OK);
    CHECK_ERR(pqcha_note_verify_key(n, origin, log_key), PQCHA_ERR_BAD_SIGNATURE);
    pqcha_note_free(n);
    free(altered);
    pqcha_free(note);
}

/* A note whose one signature line carries key_id and sig_len bytes of sig. */
static char *note_with_line(const char *text, const char *name, uint32_t key_id, const uint8_t *sig,
                            size_t sig_len) {
    size_t n = 4 + sig_len;
    uint8_t *bytes = malloc(n);
    char *b64 = malloc(2 * n + 8), *note = malloc(strlen(text) + 2 * n + 512);
    if (bytes == NULL || b64 == NULL || note == NULL) return NULL;
    for (int i = 0; i < 4; i++)
        bytes[i] = (uint8_t)(key_id >> (24 - 8 * i));
    memcpy(bytes + 4, sig, sig_len);
    EVP_EncodeBlock((unsigned char *)b64, bytes, (int)n);
    sprintf(note, "%s\n\xe2\x80\x94 %s %s\n", text, name, b64);
    free(bytes);
    free(b64);
    return note;
}

static void test_truncated_signature(void) {
    keys_once();
    static const char text[] = "short note\n";
    char *note = NULL;
    size_t len = 0;
    REQUIRE(pqcha_note_sign(&note, &len, text, strlen(text), origin, log_key) == PQCHA_OK);
    pqcha_note *n = NULL;
    REQUIRE(pqcha_note_parse(&n, note, len) == PQCHA_OK);
    uint32_t id = pqcha_note_signature_key_id(n, 0);
    const uint8_t *sig = pqcha_note_signature(n, 0);
    size_t sig_len = pqcha_note_signature_length(n, 0);
    const size_t shorter[] = {sig_len - 1, sig_len / 2, 1};
    for (size_t k = 0; k < 3; k++) {
        char *cut = note_with_line(text, origin, id, sig, shorter[k]);
        pqcha_note *m = NULL;
        REQUIRE(cut != NULL && pqcha_note_parse(&m, cut, strlen(cut)) == PQCHA_OK);
        CHECK_ERR(pqcha_note_verify_key(m, origin, log_key), PQCHA_ERR_BAD_SIGNATURE_LENGTH);
        pqcha_note_free(m);
        free(cut);
    }
    /* Only the key ID left: not a signature line at all. */
    char *bare = note_with_line(text, origin, id, sig, 0);
    pqcha_note *m = NULL;
    CHECK_ERR(pqcha_note_parse(&m, bare, strlen(bare)), PQCHA_ERR_LOG_NOTE);
    free(bare);
    /* A line with the known name but another key ID is someone else's: ignored. */
    char *other = note_with_line(text, origin, id ^ 1, sig, sig_len);
    REQUIRE(pqcha_note_parse(&m, other, strlen(other)) == PQCHA_OK);
    CHECK_ERR(pqcha_note_verify_key(m, origin, log_key), PQCHA_ERR_UNTRUSTED_KEY);
    pqcha_note_free(m);
    free(other);
    pqcha_note_free(n);
    pqcha_free(note);
}

static void test_cosignatures_and_quorum(void) {
    keys_once();
    uint8_t root[H];
    some_root(root, 4);
    size_t len = 0, len1 = 0, len2 = 0, len3 = 0;
    char *note = signed_checkpoint(&len, origin, log_key, 42, root, origin);
    char *once = NULL, *twice = NULL, *again = NULL;
    REQUIRE(note != NULL);
    CHECK_OK(pqcha_note_cosign(&once, &len1, note, len, "witness.example/a", w44));
    CHECK_OK(pqcha_note_cosign(&twice, &len2, once, len1, "witness.example/b", w87));
    /* Cosigning again replaces the line: still three signatures. */
    CHECK_OK(pqcha_note_cosign(&again, &len3, twice, len2, "witness.example/a", w44));
    pqcha_note *n = NULL;
    REQUIRE(pqcha_note_parse(&n, again, len3) == PQCHA_OK);
    CHECK(pqcha_note_signature_count(n) == 3);
    CHECK_STR(pqcha_note_signature_name(n, 0), origin);
    CHECK_STR(pqcha_note_signature_name(n, 2), "witness.example/a");
    CHECK(strncmp(again, twice, len) == 0); /* text and the log's line kept as they were */
    CHECK_OK(pqcha_note_verify_key(n, origin, log_key));

    pqcha_note_verifier *v = NULL;
    REQUIRE(pqcha_note_verifier_create(&v) == PQCHA_OK);
    CHECK_OK(pqcha_note_verifier_add(v, "witness.example/a", w44));
    CHECK_OK(pqcha_note_verifier_add(v, "witness.example/b", w87));
    CHECK_OK(pqcha_note_verifier_add(v, "witness.example/c", other_key));
    CHECK_ERR(pqcha_note_verifier_add(v, "witness.example/a", w44), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_note_verifier_add(v, "witness example", w44), PQCHA_ERR_BAD_IDENTIFIER);
    CHECK(pqcha_note_verifier_count(v) == 3);
    size_t verified = 99;
    CHECK_OK(pqcha_note_verify(&verified, n, v, 2));
    CHECK(verified == 2);
    CHECK_ERR(pqcha_note_verify(&verified, n, v, 3), PQCHA_ERR_LOG_WITNESSES);
    CHECK(verified == 0);
    CHECK_ERR(pqcha_note_verify(&verified, n, v, 0), PQCHA_ERR_INVALID_ARGUMENT);
    pqcha_note_free(n);

    /* The log's note alone: no witness. */
    REQUIRE(pqcha_note_parse(&n, note, len) == PQCHA_OK);
    CHECK_ERR(pqcha_note_verify(&verified, n, v, 1), PQCHA_ERR_LOG_WITNESSES);
    pqcha_note_free(n);

    /* One witness's line corrupted: the whole note is refused. */
    char *bad = malloc(len3 + 1);
    REQUIRE(bad != NULL);
    memcpy(bad, again, len3 + 1);
    char *tail = bad + len3 - 20;
    *tail = *tail == 'Q' ? 'R' : 'Q';
    REQUIRE(pqcha_note_parse(&n, bad, len3) == PQCHA_OK);
    CHECK_ERR(pqcha_note_verify(&verified, n, v, 1), PQCHA_ERR_BAD_SIGNATURE);
    CHECK_OK(pqcha_note_verify_key(n, origin, log_key)); /* the log's line is intact */
    pqcha_note_free(n);
    free(bad);

    /* The same witness counts once, however many lines it has. */
    char *doubled = malloc(len1 * 2 + 1);
    REQUIRE(doubled != NULL);
    const char *witness_line = strstr(once + len, "\xe2\x80\x94 witness.example/a");
    REQUIRE(witness_line != NULL);
    snprintf(doubled, len1 * 2 + 1, "%s%s", once, witness_line);
    REQUIRE(pqcha_note_parse(&n, doubled, strlen(doubled)) == PQCHA_OK);
    CHECK(pqcha_note_signature_count(n) == 3);
    CHECK_ERR(pqcha_note_verify(&verified, n, v, 2), PQCHA_ERR_LOG_WITNESSES);
    CHECK_OK(pqcha_note_verify(&verified, n, v, 1));
    CHECK(verified == 1);
    pqcha_note_free(n);
    free(doubled);

    pqcha_note_verifier_free(v);
    pqcha_note_verifier_free(NULL);
    pqcha_free(note);
    pqcha_free(once);
    pqcha_free(twice);
    pqcha_free(again);
}

static void test_sign_rejections(void) {
    keys_once();
    char *note = (char *)1;
    size_t len = 3;
    static const char *const bad_names[] = {
        "",           "has space",        "has+plus",
        "tab\tname",  "nbsp\xc2\xa0name", "ideographic\xe3\x80\x80space",
        "bad\xffutf8"};
    for (size_t k = 0; k < sizeof bad_names / sizeof bad_names[0]; k++) {
        CHECK_ERR(pqcha_note_sign(&note, &len, "t\n", 2, bad_names[k], log_key),
                  PQCHA_ERR_BAD_IDENTIFIER);
        CHECK(note == NULL && len == 0);
    }
    char long_name[PQCHA_NOTE_MAX_NAME + 2];
    memset(long_name, 'n', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    CHECK_ERR(pqcha_note_sign(&note, &len, "t\n", 2, long_name, log_key), PQCHA_ERR_BAD_IDENTIFIER);
    long_name[PQCHA_NOTE_MAX_NAME] = '\0';
    CHECK_OK(pqcha_note_sign(&note, &len, "t\n", 2, long_name, log_key));
    pqcha_free(note);
    CHECK_ERR(pqcha_note_sign(&note, &len, "", 0, origin, log_key), PQCHA_ERR_LOG_NOTE);
    CHECK_ERR(pqcha_note_sign(&note, &len, "no newline", 10, origin, log_key), PQCHA_ERR_LOG_NOTE);
    CHECK_ERR(pqcha_note_sign(&note, &len, "cr\r\n", 4, origin, log_key), PQCHA_ERR_LOG_TEXT);
    CHECK_ERR(pqcha_note_sign(&note, &len, "t\n", 2, origin, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    pqcha_key *pub = NULL;
    REQUIRE(pqcha_key_public_copy(&pub, log_key) == PQCHA_OK);
    CHECK_ERR(pqcha_note_sign(&note, &len, "t\n", 2, origin, pub), PQCHA_ERR_NOT_PRIVATE_KEY);
    pqcha_key_free(pub);
    /* A text with blank lines of its own is fine: the last blank line splits. */
    static const char text[] = "a\n\nb\n\n";
    CHECK_OK(pqcha_note_sign(&note, &len, text, strlen(text), origin, log_key));
    pqcha_note *n = NULL;
    CHECK_OK(pqcha_note_parse(&n, note, len));
    CHECK_STR(pqcha_note_text(n), text);
    CHECK_OK(pqcha_note_verify_key(n, origin, log_key));
    pqcha_note_free(n);
    pqcha_free(note);
    CHECK_ERR(pqcha_note_cosign(&note, &len, "not a note", 10, origin, log_key),
              PQCHA_ERR_LOG_NOTE);
}

static void test_note_parse_rejections(void) {
    static const bad_body cases[] = {
        {"", PQCHA_ERR_LOG_NOTE},
        {"text\n", PQCHA_ERR_LOG_NOTE},
        {"text\n\n", PQCHA_ERR_LOG_NOTE},
        {"text\n\n\xe2\x80\x94 name AAAAAAA=", PQCHA_ERR_LOG_NOTE},         /* no final newline */
        {"text\n\n-- name AAAAAAA=\n", PQCHA_ERR_LOG_NOTE},                 /* not an em dash */
        {"text\n\n\xe2\x80\x94name AAAAAAA=\n", PQCHA_ERR_LOG_NOTE},        /* no space */
        {"text\n\n\xe2\x80\x94  AAAAAAA=\n", PQCHA_ERR_LOG_NOTE},           /* empty name */
        {"text\n\n\xe2\x80\x94 nameAAAAAAA=\n", PQCHA_ERR_LOG_NOTE},        /* no signature */
        {"text\n\n\xe2\x80\x94 na+me AAAAAAA=\n", PQCHA_ERR_LOG_NOTE},      /* '+' in the name */
        {"text\n\n\xe2\x80\x94 n\xc2\xa0m AAAAAAA=\n", PQCHA_ERR_LOG_NOTE}, /* a Unicode space */
        {"text\n\n\xe2\x80\x94 name AAAAAA==\n", PQCHA_ERR_LOG_NOTE},       /* the key ID alone */
        {"text\n\n\xe2\x80\x94 name AAAAAAA=\n\n", PQCHA_ERR_LOG_NOTE},     /* blank line after */
        {"text\n\n\xe2\x80\x94 name AAAAAAA= \n", PQCHA_ERR_BAD_BASE64},
        {"text\n\n\xe2\x80\x94 name AAAAAAA\n", PQCHA_ERR_BAD_BASE64},
        {"text\n\n\xe2\x80\x94 name AAAAAAB=\n", PQCHA_ERR_BAD_BASE64},
        {"text\n\n\xe2\x80\x94 name a b\n", PQCHA_ERR_BAD_BASE64},
        {"text\r\n\n\xe2\x80\x94 name AAAAAAA=\n", PQCHA_ERR_LOG_TEXT},
        {"te\x01xt\n\n\xe2\x80\x94 name AAAAAAA=\n", PQCHA_ERR_LOG_TEXT},
        {"text\n\n\xe2\x80\x94 name AAAAAAA=\r\n", PQCHA_ERR_LOG_TEXT},
        {"t\xe2\x80\n\n\xe2\x80\x94 name AAAAAAA=\n", PQCHA_ERR_LOG_TEXT},
    };
    check_rejections(cases, sizeof cases / sizeof cases[0], decode_note);
    /* The smallest well-formed note: a text line, one 5-byte signature. */
    pqcha_note *n = NULL;
    static const char minimal[] = "text\n\n\xe2\x80\x94 name AAAAAAA=\n";
    CHECK_OK(pqcha_note_parse(&n, minimal, strlen(minimal)));
    CHECK(pqcha_note_signature_length(n, 0) == 1 && pqcha_note_signature_key_id(n, 0) == 0);
    pqcha_note_free(n);

    /* Caps: the note, the number of lines, one signature's size. */
    size_t cap = PQCHA_NOTE_MAX_LEN + 16;
    char *big = malloc(cap);
    REQUIRE(big != NULL);
    memset(big, 'a', cap);
    CHECK_ERR(pqcha_note_parse(&n, big, PQCHA_NOTE_MAX_LEN + 1), PQCHA_ERR_TOO_LARGE);
    size_t at = (size_t)snprintf(big, cap, "text\n\n");
    for (int i = 0; i <= PQCHA_NOTE_MAX_SIGNATURES; i++)
        at += (size_t)snprintf(big + at, cap - at, "\xe2\x80\x94 n%d AAAAAAA=\n", i);
    CHECK_ERR(pqcha_note_parse(&n, big, at), PQCHA_ERR_TOO_LARGE);
    CHECK_OK(pqcha_note_parse(&n, big, at - strlen("\xe2\x80\x94 n64 AAAAAAA=\n")));
    CHECK(pqcha_note_signature_count(n) == PQCHA_NOTE_MAX_SIGNATURES);
    pqcha_note_free(n);
    at = (size_t)snprintf(big, cap, "text\n\n\xe2\x80\x94 name ");
    memset(big + at, 'A', 11000);
    at += 11000;
    big[at++] = '\n';
    CHECK_ERR(pqcha_note_parse(&n, big, at), PQCHA_ERR_TOO_LARGE);
    free(big);
    CHECK_ERR(pqcha_note_parse(&n, NULL, 2), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(pqcha_note_text(NULL) == NULL && pqcha_note_signature_count(NULL) == 0);
    pqcha_note_free(NULL);
}

/* ---- signed checkpoints ---- */

static void test_checkpoint_open(void) {
    keys_once();
    uint8_t root[H];
    some_root(root, 5);
    size_t len = 0;
    char *note = signed_checkpoint(&len, origin, log_key, 77, root, origin);
    REQUIRE(note != NULL);
    pqcha_checkpoint *cp = NULL;
    CHECK_OK(pqcha_checkpoint_open(&cp, note, len, origin, log_key));
    CHECK(pqcha_checkpoint_size(cp) == 77);
    pqcha_checkpoint_free(cp);
    CHECK_OK(pqcha_checkpoint_open(&cp, note, len, NULL, log_key));
    CHECK_STR(pqcha_checkpoint_origin(cp), origin);
    pqcha_checkpoint_free(cp);
    cp = (pqcha_checkpoint *)1;
    CHECK_ERR(pqcha_checkpoint_open(&cp, note, len, origin, other_key), PQCHA_ERR_UNTRUSTED_KEY);
    CHECK(cp == NULL);
    CHECK_ERR(pqcha_checkpoint_open(&cp, note, len, "other.example/log", log_key),
              PQCHA_ERR_UNTRUSTED_KEY);
    /* Tampered: the root changed in the body. */
    char *altered = malloc(len + 1);
    REQUIRE(altered != NULL);
    memcpy(altered, note, len + 1);
    char *root_line = strstr(altered, "\n77\n") + 4;
    *root_line = *root_line == 'A' ? 'B' : 'A';
    CHECK_ERR(pqcha_checkpoint_open(&cp, altered, len, origin, log_key), PQCHA_ERR_BAD_SIGNATURE);
    free(altered);
    pqcha_free(note);

    /* Signed by the log's key name for another origin's body. */
    note = signed_checkpoint(&len, origin, log_key, 77, root, "other.example/log");
    REQUIRE(note != NULL);
    CHECK_ERR(pqcha_checkpoint_open(&cp, note, len, origin, log_key), PQCHA_ERR_LOG_ORIGIN);
    CHECK_ERR(pqcha_checkpoint_open(&cp, note, len, NULL, log_key), PQCHA_ERR_UNTRUSTED_KEY);
    pqcha_free(note);
    /* A malformed body, properly signed. */
    char *bad = NULL;
    static const char body[] = "log.example/pqcha\n077\nAAAA\n";
    REQUIRE(pqcha_note_sign(&bad, &len, body, strlen(body), origin, log_key) == PQCHA_OK);
    CHECK_ERR(pqcha_checkpoint_open(&cp, bad, len, origin, log_key), PQCHA_ERR_LOG_TREE_SIZE);
    pqcha_free(bad);
    /* An origin that is no key name cannot have signed. */
    note = signed_checkpoint(&len, origin, log_key, 1, root, "a log with spaces");
    REQUIRE(note != NULL);
    CHECK_ERR(pqcha_checkpoint_open(&cp, note, len, NULL, log_key), PQCHA_ERR_UNTRUSTED_KEY);
    pqcha_free(note);
    CHECK_ERR(pqcha_checkpoint_open(&cp, "x\n\n", 3, origin, log_key), PQCHA_ERR_LOG_NOTE);
    CHECK_ERR(pqcha_checkpoint_open(&cp, NULL, 3, origin, log_key), PQCHA_ERR_INVALID_ARGUMENT);
}

/* What a witness does: open both checkpoints, check the proof between them. */
static void test_witness_consistency(void) {
    keys_once();
    tlog_fixture t;
    REQUIRE(tlog_fixture_build(&t, 300));
    uint8_t r10[H], r20[H], *proof = NULL;
    size_t count = 0, l10 = 0, l20 = 0, lfork = 0;
    REQUIRE(pqcha_tlog_tree_root(r10, 10, tlog_fixture_node, &t) == PQCHA_OK);
    REQUIRE(pqcha_tlog_tree_root(r20, 20, tlog_fixture_node, &t) == PQCHA_OK);
    REQUIRE(pqcha_tlog_consistency_proof(&proof, &count, 10, 20, tlog_fixture_node, &t) ==
            PQCHA_OK);
    char *n10 = signed_checkpoint(&l10, origin, log_key, 10, r10, origin);
    char *n20 = signed_checkpoint(&l20, origin, log_key, 20, r20, origin);
    uint8_t forked_root[H];
    memcpy(forked_root, r20, H);
    forked_root[3] ^= 1;
    char *nfork = signed_checkpoint(&lfork, origin, log_key, 20, forked_root, origin);
    pqcha_checkpoint *c10 = NULL, *c20 = NULL, *cfork = NULL, *cother = NULL;
    REQUIRE(pqcha_checkpoint_open(&c10, n10, l10, origin, log_key) == PQCHA_OK);
    REQUIRE(pqcha_checkpoint_open(&c20, n20, l20, origin, log_key) == PQCHA_OK);
    REQUIRE(pqcha_checkpoint_open(&cfork, nfork, lfork, origin, log_key) == PQCHA_OK);
    CHECK_OK(pqcha_checkpoint_verify_consistency(c10, c20, proof, count));
    CHECK_OK(pqcha_checkpoint_verify_consistency(c20, c20, NULL, 0));
    CHECK_ERR(pqcha_checkpoint_verify_consistency(c20, c10, proof, count), PQCHA_ERR_LOG_ROLLBACK);
    CHECK_ERR(pqcha_checkpoint_verify_consistency(c20, cfork, NULL, 0), PQCHA_ERR_LOG_FORK);
    CHECK_ERR(pqcha_checkpoint_verify_consistency(c10, cfork, proof, count), PQCHA_ERR_LOG_PROOF);
    CHECK_ERR(pqcha_checkpoint_verify_consistency(c10, c20, proof, count - 1),
              PQCHA_ERR_LOG_PROOF_SIZE);
    char *text = NULL;
    size_t text_len = 0;
    REQUIRE(pqcha_checkpoint_encode(&text, &text_len, "other.example/log", 20, r20, NULL) ==
            PQCHA_OK);
    REQUIRE(pqcha_checkpoint_parse(&cother, text, text_len) == PQCHA_OK);
    CHECK_ERR(pqcha_checkpoint_verify_consistency(c10, cother, proof, count), PQCHA_ERR_LOG_ORIGIN);
    CHECK_ERR(pqcha_checkpoint_verify_consistency(NULL, c20, proof, count),
              PQCHA_ERR_INVALID_ARGUMENT);
    pqcha_free(text);
    pqcha_checkpoint_free(c10);
    pqcha_checkpoint_free(c20);
    pqcha_checkpoint_free(cfork);
    pqcha_checkpoint_free(cother);
    pqcha_free(n10);
    pqcha_free(n20);
    pqcha_free(nfork);
    pqcha_free(proof);
    tlog_fixture_free(&t);
}

/* ---- the fuzz target's seeds: "valid-*" parse, each "bad-<CODE>-*" fails with CODE ---- */

static void check_seed(const char *name, const uint8_t *text, size_t len, void *ctx) {
    int *checked = ctx;
    pqcha_note *n = NULL;
    pqcha_checkpoint *cp = NULL;
    pqcha_err err = pqcha_note_parse(&n, (const char *)text, len);
    if (err == PQCHA_OK)
        err = pqcha_checkpoint_parse(&cp, pqcha_note_text(n), pqcha_note_text_length(n));
    pqcha_note_free(n);
    pqcha_checkpoint_free(cp);
    if (strncmp(name, "valid-", 6) == 0) {
        if (err != PQCHA_OK) fprintf(stderr, "  seed %s: %s\n", name, pqcha_error_name(err));
        CHECK_OK(err);
    } else {
        char want[64] = "";
        sscanf(name, "bad-%63[A-Z0-9_]", want);
        if (strcmp(pqcha_error_name(err), want) != 0)
            fprintf(stderr, "  seed %s: %s\n", name, pqcha_error_name(err));
        CHECK_STR(pqcha_error_name(err), want);
    }
    (*checked)++;
}

static void test_fuzz_seeds(void) {
    int checked = 0;
    CHECK(testutil_for_each_seed("checkpoint", check_seed, &checked) >= 6);
    CHECK(checked >= 6);
}

static void test_teardown(void) {
    pqcha_key_free(log_key);
    pqcha_key_free(other_key);
    pqcha_key_free(w44);
    pqcha_key_free(w87);
}

TEST_MAIN(TEST(test_checkpoint_round_trip), TEST(test_checkpoint_encode_rejections),
          TEST(test_checkpoint_parse_rejections), TEST(test_key_id_and_signed_message),
          TEST(test_note_sign_and_verify), TEST(test_truncated_signature),
          TEST(test_cosignatures_and_quorum), TEST(test_sign_rejections),
          TEST(test_note_parse_rejections), TEST(test_checkpoint_open),
          TEST(test_witness_consistency), TEST(test_fuzz_seeds), TEST(test_teardown))
