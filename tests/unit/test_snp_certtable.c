/* test_snp_certtable.c — the certificate table of an SEV-SNP extended report
 * (src/core/snp_certtable.c): every rejection of the parser with its exact
 * code, on tables built here; the wire bytes of the four GUIDs; and, from
 * the real public test data (skipped, saying so, when absent), tables built
 * from a real VCEK or VLEK and AMD's chain that verify the real report
 * through the public API with nothing else but a pinned ARK. */
#include <stdint.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/snp_certtable.h"
#include "hwdata.h"

/* 2025-10-01T00:00:00Z: inside every real AMD certificate's validity. */
#define SNP_NOW   INT64_C(1759276800)
#define ENTRY_LEN PQCHA__SNP_CERTTABLE_ENTRY_LEN
#define GUID_LEN  PQCHA__SNP_GUID_LEN

/* ---- building tables ---- */

static const uint8_t unknown_guid[GUID_LEN] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                                               0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01};

static void put_u32le(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Writes entry i of a table at the start of blob. */
static void put_entry(uint8_t *blob, size_t i, const uint8_t *guid, uint32_t offset,
                      uint32_t length) {
    uint8_t *e = blob + i * ENTRY_LEN;
    memcpy(e, guid, GUID_LEN);
    put_u32le(e + GUID_LEN, offset);
    put_u32le(e + GUID_LEN + 4, length);
}

typedef struct cert_spec {
    const uint8_t *guid;
    const uint8_t *bytes;
    size_t len;
} cert_spec;

/* A well-formed table of n certificates, laid out after the terminator in
 * order, then `padding` zero bytes (hosts hand over whole pages). */
static uint8_t *table_build(size_t *out_len, const cert_spec *certs, size_t n, size_t padding) {
    size_t at = (n + 1) * ENTRY_LEN, len = at + padding;
    for (size_t i = 0; i < n; i++)
        len += certs[i].len;
    uint8_t *blob = calloc(1, len);
    if (blob == NULL) return NULL;
    for (size_t i = 0; i < n; i++) {
        put_entry(blob, i, certs[i].guid, (uint32_t)at, (uint32_t)certs[i].len);
        memcpy(blob + at, certs[i].bytes, certs[i].len);
        at += certs[i].len;
    }
    *out_len = len;
    return blob;
}

static const uint8_t fake_vcek[] = "the VCEK", fake_vlek[] = "the VLEK", fake_ask[] = "the ASK",
                     fake_ark[] = "the ARK", fake_other[] = "something else";

static int span_is(pqcha__snp_span s, const uint8_t *bytes, size_t len) {
    return s.bytes != NULL && s.len == len && memcmp(s.bytes, bytes, len) == 0;
}

static int table_is_zero(const pqcha__snp_certtable *t) {
    static const pqcha__snp_certtable zero;
    return memcmp(t, &zero, sizeof zero) == 0;
}

/* ---- the parser ---- */

static void test_guid_wire_bytes(void) {
    /* The text of each GUID read as hex, in order: the byte order pqcha
     * reads (snp_certtable.h says why). */
    char hex[2 * GUID_LEN + 1];
    pqcha_hex_encode(hex, pqcha__snp_guid_vcek, GUID_LEN);
    CHECK_STR(hex, "63da758de6644564adc5f4b93be8accd");
    pqcha_hex_encode(hex, pqcha__snp_guid_vlek, GUID_LEN);
    CHECK_STR(hex, "a8074bc2a25a483eaae639c045a0b8a1");
    pqcha_hex_encode(hex, pqcha__snp_guid_ask, GUID_LEN);
    CHECK_STR(hex, "4ab7b379bbac4fe4a02f05aef327c782");
    pqcha_hex_encode(hex, pqcha__snp_guid_ark, GUID_LEN);
    CHECK_STR(hex, "c0b406a4a803495297433fb6014cd0ae");
}

static void test_good_table(void) {
    const cert_spec certs[] = {
        {pqcha__snp_guid_ark, fake_ark, sizeof fake_ark},
        {unknown_guid, fake_other, sizeof fake_other},
        {pqcha__snp_guid_vcek, fake_vcek, sizeof fake_vcek},
        {pqcha__snp_guid_ask, fake_ask, sizeof fake_ask},
        {pqcha__snp_guid_vlek, fake_vlek, sizeof fake_vlek},
    };
    size_t len = 0;
    uint8_t *blob = table_build(&len, certs, 5, 4000);
    pqcha__snp_certtable t;
    REQUIRE(blob != NULL);
    CHECK_OK(pqcha__snp_certtable_parse(&t, blob, len));
    CHECK(t.entry_count == 5);
    CHECK(t.table_len == 6 * ENTRY_LEN);
    CHECK(span_is(t.vcek, fake_vcek, sizeof fake_vcek));
    CHECK(span_is(t.vlek, fake_vlek, sizeof fake_vlek));
    CHECK(span_is(t.ask, fake_ask, sizeof fake_ask));
    CHECK(span_is(t.ark, fake_ark, sizeof fake_ark));
    /* The spans point into the blob: nothing is copied. */
    CHECK(t.ark.bytes == blob + 6 * ENTRY_LEN);
    /* The signer for each SIGNING_KEY. */
    CHECK(pqcha__snp_certtable_signer(&t, PQCHA__SNP_KEY_VCEK).bytes == t.vcek.bytes);
    CHECK(pqcha__snp_certtable_signer(&t, PQCHA__SNP_KEY_VLEK).bytes == t.vlek.bytes);
    CHECK(pqcha__snp_certtable_signer(&t, PQCHA__SNP_KEY_NONE).bytes == t.vcek.bytes);
    CHECK(pqcha__snp_certtable_signer(NULL, PQCHA__SNP_KEY_VCEK).bytes == NULL);
    /* Without padding, and with the certificates in another order. */
    free(blob);
    blob = table_build(&len, certs + 2, 3, 0);
    REQUIRE(blob != NULL);
    CHECK_OK(pqcha__snp_certtable_parse(&t, blob, len));
    CHECK(t.entry_count == 3 && t.vlek.bytes != NULL && t.ark.bytes == NULL);
    free(blob);
}

static void test_only_terminator(void) {
    /* What an upstream-KVM host without certificates returns: an empty
     * table, a page of zeros. */
    uint8_t page[4096] = {0};
    pqcha__snp_certtable t;
    CHECK_OK(pqcha__snp_certtable_parse(&t, page, sizeof page));
    CHECK(t.entry_count == 0 && t.table_len == ENTRY_LEN);
    CHECK(t.vcek.bytes == NULL && t.vlek.bytes == NULL && t.ask.bytes == NULL &&
          t.ark.bytes == NULL);
    CHECK_OK(pqcha__snp_certtable_parse(&t, page, ENTRY_LEN));
    CHECK(pqcha__snp_certtable_signer(&t, PQCHA__SNP_KEY_VCEK).bytes == NULL);
}

static void test_missing_terminator(void) {
    const cert_spec one[] = {{pqcha__snp_guid_vcek, fake_vcek, sizeof fake_vcek}};
    size_t len = 0;
    uint8_t *blob = table_build(&len, one, 1, 0);
    pqcha__snp_certtable t;
    REQUIRE(blob != NULL);
    /* The terminator overwritten: the entries run into the certificate. */
    memset(blob + ENTRY_LEN, 0xA5, ENTRY_LEN);
    CHECK_ERR(pqcha__snp_certtable_parse(&t, blob, len), PQCHA_ERR_BAD_EVIDENCE);
    CHECK(table_is_zero(&t));
    /* The blob ends inside the terminator, or before any entry. */
    free(blob);
    blob = table_build(&len, one, 1, 0);
    REQUIRE(blob != NULL);
    CHECK_ERR(pqcha__snp_certtable_parse(&t, blob, 2 * ENTRY_LEN - 1), PQCHA_ERR_BAD_EVIDENCE);
    CHECK_ERR(pqcha__snp_certtable_parse(&t, blob, ENTRY_LEN), PQCHA_ERR_BAD_EVIDENCE);
    CHECK_ERR(pqcha__snp_certtable_parse(&t, blob, 10), PQCHA_ERR_BAD_EVIDENCE);
    CHECK_ERR(pqcha__snp_certtable_parse(&t, NULL, 0), PQCHA_ERR_BAD_EVIDENCE);
    CHECK(table_is_zero(&t));
    free(blob);
}

static void test_outside_blob(void) {
    uint8_t blob[3 * ENTRY_LEN + 16] = {0};
    pqcha__snp_certtable t;
    /* One byte past the end. */
    put_entry(blob, 0, pqcha__snp_guid_vcek, 3 * ENTRY_LEN, 17);
    CHECK_ERR(pqcha__snp_certtable_parse(&t, blob, sizeof blob), PQCHA_ERR_BAD_EVIDENCE);
    /* Exactly to the end is fine. */
    put_entry(blob, 0, pqcha__snp_guid_vcek, 3 * ENTRY_LEN, 16);
    CHECK_OK(pqcha__snp_certtable_parse(&t, blob, sizeof blob));
    /* An offset past the end, and offset + length past 2^32 (no wrap). */
    put_entry(blob, 0, pqcha__snp_guid_vcek, sizeof blob, 1);
    CHECK_ERR(pqcha__snp_certtable_parse(&t, blob, sizeof blob), PQCHA_ERR_BAD_EVIDENCE);
    put_entry(blob, 0, pqcha__snp_guid_vcek, UINT32_MAX, UINT32_MAX);
    CHECK_ERR(pqcha__snp_certtable_parse(&t, blob, sizeof blob), PQCHA_ERR_BAD_EVIDENCE);
    put_entry(blob, 0, pqcha__snp_guid_vcek, 3 * ENTRY_LEN, UINT32_MAX - 10);
    CHECK_ERR(pqcha__snp_certtable_parse(&t, blob, sizeof blob), PQCHA_ERR_BAD_EVIDENCE);
    CHECK(table_is_zero(&t));
}

static void test_overlapping_table(void) {
    uint8_t blob[3 * ENTRY_LEN + 64] = {0};
    pqcha__snp_certtable t;
    put_entry(blob, 0, pqcha__snp_guid_vcek, 3 * ENTRY_LEN, 16);
    put_entry(blob, 1, pqcha__snp_guid_ark, 3 * ENTRY_LEN + 16, 16);
    CHECK_OK(pqcha__snp_certtable_parse(&t, blob, sizeof blob));
    /* At the start of the blob, inside the entries, inside the terminator. */
    put_entry(blob, 1, pqcha__snp_guid_ark, 0, 16);
    CHECK_ERR(pqcha__snp_certtable_parse(&t, blob, sizeof blob), PQCHA_ERR_BAD_EVIDENCE);
    put_entry(blob, 1, pqcha__snp_guid_ark, ENTRY_LEN + 4, 8);
    CHECK_ERR(pqcha__snp_certtable_parse(&t, blob, sizeof blob), PQCHA_ERR_BAD_EVIDENCE);
    put_entry(blob, 1, pqcha__snp_guid_ark, 3 * ENTRY_LEN - 1, 16);
    CHECK_ERR(pqcha__snp_certtable_parse(&t, blob, sizeof blob), PQCHA_ERR_BAD_EVIDENCE);
    /* Over another certificate, partly or wholly. */
    put_entry(blob, 1, pqcha__snp_guid_ark, 3 * ENTRY_LEN + 15, 16);
    CHECK_ERR(pqcha__snp_certtable_parse(&t, blob, sizeof blob), PQCHA_ERR_BAD_EVIDENCE);
    put_entry(blob, 1, pqcha__snp_guid_ark, 3 * ENTRY_LEN, 16);
    CHECK_ERR(pqcha__snp_certtable_parse(&t, blob, sizeof blob), PQCHA_ERR_BAD_EVIDENCE);
    CHECK(table_is_zero(&t));
}

static void test_duplicate_guid(void) {
    const cert_spec two_vceks[] = {{pqcha__snp_guid_vcek, fake_vcek, sizeof fake_vcek},
                                   {pqcha__snp_guid_vcek, fake_other, sizeof fake_other}};
    const cert_spec two_unknown[] = {{unknown_guid, fake_vcek, sizeof fake_vcek},
                                     {pqcha__snp_guid_ark, fake_ark, sizeof fake_ark},
                                     {unknown_guid, fake_other, sizeof fake_other}};
    size_t len = 0;
    pqcha__snp_certtable t;
    uint8_t *blob = table_build(&len, two_vceks, 2, 0);
    REQUIRE(blob != NULL);
    CHECK_ERR(pqcha__snp_certtable_parse(&t, blob, len), PQCHA_ERR_BAD_EVIDENCE);
    free(blob);
    /* Unknown GUIDs too: a table never names one thing twice. */
    blob = table_build(&len, two_unknown, 3, 0);
    REQUIRE(blob != NULL);
    CHECK_ERR(pqcha__snp_certtable_parse(&t, blob, len), PQCHA_ERR_BAD_EVIDENCE);
    CHECK(table_is_zero(&t));
    free(blob);
}

static void test_empty_certificate(void) {
    uint8_t blob[3 * ENTRY_LEN + 16] = {0};
    pqcha__snp_certtable t;
    put_entry(blob, 0, pqcha__snp_guid_ark, 3 * ENTRY_LEN, 16);
    put_entry(blob, 1, pqcha__snp_guid_vcek, 3 * ENTRY_LEN + 16, 0);
    CHECK_ERR(pqcha__snp_certtable_parse(&t, blob, sizeof blob), PQCHA_ERR_BAD_EVIDENCE);
    /* A zero GUID that is not the terminator (it has an offset). */
    put_entry(blob, 1, (const uint8_t[GUID_LEN]){0}, 3 * ENTRY_LEN + 8, 8);
    put_entry(blob, 0, pqcha__snp_guid_ark, 3 * ENTRY_LEN, 8);
    CHECK_ERR(pqcha__snp_certtable_parse(&t, blob, sizeof blob), PQCHA_ERR_BAD_EVIDENCE);
    CHECK(table_is_zero(&t));
}

/* A table of n entries with distinct unknown GUIDs, one byte each. */
static uint8_t *many_entries(size_t *len, size_t n) {
    size_t at = (n + 1) * ENTRY_LEN;
    uint8_t *blob = calloc(1, at + n);
    if (blob == NULL) return NULL;
    for (size_t i = 0; i < n; i++) {
        uint8_t guid[GUID_LEN];
        memcpy(guid, unknown_guid, GUID_LEN);
        guid[GUID_LEN - 1] = (uint8_t)(i + 1);
        put_entry(blob, i, guid, (uint32_t)(at + i), 1);
        blob[at + i] = 0x30;
    }
    *len = at + n;
    return blob;
}

static void test_too_many_entries(void) {
    size_t len = 0;
    pqcha__snp_certtable t;
    uint8_t *blob = many_entries(&len, PQCHA__SNP_CERTTABLE_MAX_ENTRIES);
    REQUIRE(blob != NULL);
    CHECK_OK(pqcha__snp_certtable_parse(&t, blob, len));
    CHECK(t.entry_count == PQCHA__SNP_CERTTABLE_MAX_ENTRIES);
    CHECK(t.vcek.bytes == NULL); /* unknown GUIDs are kept out of the result */
    free(blob);
    blob = many_entries(&len, PQCHA__SNP_CERTTABLE_MAX_ENTRIES + 1);
    REQUIRE(blob != NULL);
    CHECK_ERR(pqcha__snp_certtable_parse(&t, blob, len), PQCHA_ERR_BAD_EVIDENCE);
    CHECK(table_is_zero(&t));
    free(blob);
}

static void test_oversized(void) {
    const cert_spec one[] = {{pqcha__snp_guid_vcek, fake_vcek, sizeof fake_vcek}};
    size_t len = 0;
    pqcha__snp_certtable t;
    uint8_t *table = table_build(&len, one, 1, 0);
    uint8_t *blob = calloc(1, PQCHA__SNP_CERTTABLE_MAX + 1);
    REQUIRE(table != NULL && blob != NULL);
    memcpy(blob, table, len);
    CHECK_OK(pqcha__snp_certtable_parse(&t, blob, PQCHA__SNP_CERTTABLE_MAX));
    CHECK_ERR(pqcha__snp_certtable_parse(&t, blob, PQCHA__SNP_CERTTABLE_MAX + 1),
              PQCHA_ERR_TOO_LARGE);
    CHECK(table_is_zero(&t));
    free(blob);
    free(table);
}

static void test_mixed_endian_guid_is_unknown(void) {
    /* The VCEK's GUID in the mixed-endian (uuid_le) order is another GUID:
     * kept, ignored, and so no VCEK. */
    static const uint8_t vcek_le[GUID_LEN] = {0x8d, 0x75, 0xda, 0x63, 0x64, 0xe6, 0x64, 0x45,
                                              0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd};
    const cert_spec one[] = {{vcek_le, fake_vcek, sizeof fake_vcek}};
    size_t len = 0;
    pqcha__snp_certtable t;
    uint8_t *blob = table_build(&len, one, 1, 0);
    REQUIRE(blob != NULL);
    CHECK_OK(pqcha__snp_certtable_parse(&t, blob, len));
    CHECK(t.entry_count == 1 && t.vcek.bytes == NULL);
    free(blob);
}

static void test_arguments(void) {
    uint8_t page[64] = {0};
    pqcha__snp_certtable t;
    uint8_t *pem = (uint8_t *)1;
    size_t pem_len = 7;
    CHECK_ERR(pqcha__snp_certtable_parse(NULL, page, sizeof page), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha__snp_certtable_parse(&t, NULL, 5), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(table_is_zero(&t));
    CHECK_ERR(pqcha__snp_certtable_check_certs(NULL), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_OK(pqcha__snp_certtable_parse(&t, page, sizeof page));
    CHECK_OK(pqcha__snp_certtable_check_certs(&t)); /* nothing to check */
    /* No ASK and ARK: no chain. */
    CHECK_ERR(pqcha__snp_certtable_chain_pem(&pem, &pem_len, &t), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(pem == NULL && pem_len == 0);
    CHECK_ERR(pqcha__snp_certtable_chain_pem(NULL, &pem_len, &t), PQCHA_ERR_INVALID_ARGUMENT);
    /* A known entry that is not a certificate. */
    const cert_spec junk[] = {{pqcha__snp_guid_ask, fake_ask, sizeof fake_ask}};
    size_t len = 0;
    uint8_t *blob = table_build(&len, junk, 1, 0);
    REQUIRE(blob != NULL);
    CHECK_OK(pqcha__snp_certtable_parse(&t, blob, len));
    CHECK_ERR(pqcha__snp_certtable_check_certs(&t), PQCHA_ERR_BAD_CERTIFICATE);
    free(blob);
}

/* ---- real certificates, through the public API ---- */

/* Certificate i (0 or 1) of a PEM chain file, as DER. */
static uint8_t *chain_der(const char *rel, int i, size_t *len) {
    size_t pem_len;
    uint8_t *pem = read_hw(rel, &pem_len), *der = NULL;
    BIO *bio = pem ? BIO_new_mem_buf(pem, (int)pem_len) : NULL;
    X509 *cert = NULL;
    *len = 0;
    for (int k = 0; bio != NULL && k <= i; k++) {
        X509_free(cert);
        cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    }
    int n = cert ? i2d_X509(cert, &der) : -1;
    if (n > 0) *len = (size_t)n;
    X509_free(cert);
    BIO_free(bio);
    free(pem);
    return n > 0 ? der : NULL;
}

/* A real signer and chain of the test data, as DER. */
typedef struct real_certs {
    uint8_t *signer, *ask, *ark, *report;
    size_t signer_len, ask_len, ark_len, report_len;
} real_certs;

static int real_load(real_certs *c, const char *dir, const char *signer) {
    char rel[256];
    memset(c, 0, sizeof *c);
    snprintf(rel, sizeof rel, "snp/%s/%s", dir, signer);
    c->signer = read_hw(rel, &c->signer_len);
    snprintf(rel, sizeof rel, "snp/%s/report.bin", dir);
    c->report = read_hw(rel, &c->report_len);
    snprintf(rel, sizeof rel, "snp/%s/ask_ark.pem", dir);
    c->ask = chain_der(rel, 0, &c->ask_len);
    c->ark = chain_der(rel, 1, &c->ark_len);
    return c->signer && c->report && c->ask && c->ark;
}

static void real_free(real_certs *c) {
    free(c->signer);
    free(c->report);
    OPENSSL_free(c->ask);
    OPENSSL_free(c->ark);
}

/* Verifies c's report with a verifier holding only a root (DER), the
 * table and the time; *r is the result. */
static pqcha_err verify_with_table(pqcha_evidence_result **r, const real_certs *c,
                                   const uint8_t *table, size_t table_len, const uint8_t *root,
                                   size_t root_len) {
    pqcha_evidence *e = NULL;
    pqcha_evidence_verifier *v = NULL;
    CHECK_OK(pqcha_evidence_parse(&e, c->report, c->report_len));
    CHECK_OK(pqcha_evidence_verifier_create(&v));
    CHECK_OK(pqcha_evidence_verifier_add_roots(v, root, root_len));
    CHECK_OK(pqcha_evidence_verifier_set_cert_table(v, table, table_len));
    CHECK_OK(pqcha_evidence_verifier_set_time(v, SNP_NOW));
    pqcha_err err = pqcha_evidence_verify(r, v, e);
    pqcha_evidence_verifier_free(v);
    pqcha_evidence_free(e);
    return err;
}

static void test_real_vcek_table_verifies(void) {
    if (!hw_present("a real VCEK in a certificate table")) return;
    real_certs c;
    pqcha_evidence_result *r = NULL;
    REQUIRE(real_load(&c, "milan_v2_vcek_virtee", "vcek.der"));
    /* The order a host may choose, an unknown entry among them, a page. */
    const cert_spec certs[] = {{pqcha__snp_guid_ark, c.ark, c.ark_len},
                               {unknown_guid, fake_other, sizeof fake_other},
                               {pqcha__snp_guid_vcek, c.signer, c.signer_len},
                               {pqcha__snp_guid_ask, c.ask, c.ask_len}};
    size_t len = 0;
    uint8_t *table = table_build(&len, certs, 4, 4096);
    REQUIRE(table != NULL);

    /* Only the pinned ARK and the table: genuine. */
    CHECK_OK(verify_with_table(&r, &c, table, len, c.ark, c.ark_len));
    CHECK(pqcha_evidence_result_verdict(r) == PQCHA_VERDICT_VALID);
    CHECK(all_pass(r));
    pqcha_evidence_result_free(r);

    /* The table brings its own ARK, but only a pinned one counts: pinning
     * Genoa's ARK rejects it. */
    size_t genoa_len = 0;
    uint8_t *genoa = chain_der("roots/amd_genoa_ark_ask.pem", 1, &genoa_len);
    REQUIRE(genoa != NULL);
    CHECK_ERR(verify_with_table(&r, &c, table, len, genoa, genoa_len), PQCHA_ERR_CERT_CHAIN);
    CHECK(pqcha_evidence_result_verdict(r) == PQCHA_VERDICT_REJECTED);
    pqcha_evidence_result_free(r);
    OPENSSL_free(genoa);

    /* The chain as the table gives it is AMD's PEM chain. */
    pqcha__snp_certtable t;
    uint8_t *pem = NULL;
    size_t pem_len = 0;
    X509 *ask = NULL, *ark = NULL;
    CHECK_OK(pqcha__snp_certtable_parse(&t, table, len));
    CHECK_OK(pqcha__snp_certtable_check_certs(&t));
    CHECK_OK(pqcha__snp_certtable_chain_pem(&pem, &pem_len, &t));
    CHECK_OK(pqcha__snp_chain_load(&ask, &ark, pem, pem_len));
    X509_free(ask);
    X509_free(ark);
    free(pem);
    free(table);
    real_free(&c);
}

static void test_real_vlek_table_verifies(void) {
    if (!hw_present("a real VLEK in a certificate table")) return;
    real_certs c;
    pqcha_evidence_result *r = NULL;
    REQUIRE(real_load(&c, "milan_v3_vlek_trustee", "vlek.der"));
    /* The ASVK goes under the ASK's GUID. */
    const cert_spec certs[] = {{pqcha__snp_guid_vlek, c.signer, c.signer_len},
                               {pqcha__snp_guid_ask, c.ask, c.ask_len},
                               {pqcha__snp_guid_ark, c.ark, c.ark_len}};
    size_t len = 0;
    uint8_t *table = table_build(&len, certs, 3, 0);
    REQUIRE(table != NULL);
    CHECK_OK(verify_with_table(&r, &c, table, len, c.ark, c.ark_len));
    CHECK(all_pass(r));
    pqcha_evidence_result_free(r);
    free(table);
    real_free(&c);
}

/* What was set explicitly wins over the table; a table without a chain
 * needs one set. */
static void test_real_table_precedence(void) {
    if (!hw_present("certificate table precedence")) return;
    real_certs c, other;
    pqcha_evidence *e = NULL;
    pqcha_evidence_verifier *v = NULL;
    pqcha_evidence_result *r = (pqcha_evidence_result *)1;
    REQUIRE(real_load(&c, "milan_v2_vcek_virtee", "vcek.der"));
    REQUIRE(real_load(&other, "milan_v2_vcek_gosevguest", "vcek.der"));
    const cert_spec vcek_only[] = {{pqcha__snp_guid_vcek, c.signer, c.signer_len}};
    size_t len = 0, chain_len = 0;
    uint8_t *table = table_build(&len, vcek_only, 1, 0);
    uint8_t *chain = read_hw("snp/milan_v2_vcek_virtee/ask_ark.pem", &chain_len);
    REQUIRE(table != NULL && chain != NULL);

    CHECK_OK(pqcha_evidence_parse(&e, c.report, c.report_len));
    CHECK_OK(pqcha_evidence_verifier_create(&v));
    CHECK_OK(pqcha_evidence_verifier_add_roots(v, c.ark, c.ark_len));
    CHECK_OK(pqcha_evidence_verifier_set_time(v, SNP_NOW));
    CHECK_OK(pqcha_evidence_verifier_set_cert_table(v, table, len));
    /* A VCEK but no ASK and ARK, and no chain set: nothing to verify with. */
    CHECK_ERR(pqcha_evidence_verify(&r, v, e), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(r == NULL);
    /* With AMD's chain set, the table's VCEK is used. */
    CHECK_OK(pqcha_evidence_verifier_set_chain(v, chain, chain_len));
    CHECK_OK(pqcha_evidence_verify(&r, v, e));
    pqcha_evidence_result_free(r);
    /* A signing certificate set (another chip's VCEK) wins over the table's. */
    CHECK_OK(pqcha_evidence_verifier_set_signing_cert(v, other.signer, other.signer_len));
    CHECK_ERR(pqcha_evidence_verify(&r, v, e), PQCHA_ERR_CERT_MISMATCH);
    pqcha_evidence_result_free(r);

    /* A failed set leaves the verifier as it was. */
    uint8_t bad[2 * ENTRY_LEN] = {0};
    put_entry(bad, 0, pqcha__snp_guid_vcek, 0, 8);
    CHECK_ERR(pqcha_evidence_verifier_set_cert_table(v, bad, sizeof bad), PQCHA_ERR_BAD_EVIDENCE);
    const cert_spec junk[] = {{pqcha__snp_guid_vcek, fake_vcek, sizeof fake_vcek}};
    size_t junk_len = 0;
    uint8_t *junk_table = table_build(&junk_len, junk, 1, 0);
    REQUIRE(junk_table != NULL);
    CHECK_ERR(pqcha_evidence_verifier_set_cert_table(v, junk_table, junk_len),
              PQCHA_ERR_BAD_CERTIFICATE);
    CHECK_ERR(pqcha_evidence_verify(&r, v, e), PQCHA_ERR_CERT_MISMATCH);
    pqcha_evidence_result_free(r);
    free(junk_table);

    pqcha_evidence_verifier_free(v);
    pqcha_evidence_free(e);
    free(table);
    free(chain);
    real_free(&c);
    real_free(&other);
}

/* A TDX quote carries its own chain: a table set is ignored. */
static void test_table_ignored_for_tdx(void) {
    if (!hw_present("certificate table and TDX")) return;
    size_t len, root_len, table_len = 0;
    uint8_t *quote = read_hw("tdx/v4_trustee_q4/quote.bin", &len);
    uint8_t *root = read_hw("roots/intel_sgx_root_ca.der", &root_len);
    uint8_t *table = calloc(1, ENTRY_LEN);
    pqcha_evidence *e = NULL;
    pqcha_evidence_verifier *v = NULL;
    pqcha_evidence_result *r = NULL;
    REQUIRE(quote != NULL && root != NULL && table != NULL);
    table_len = ENTRY_LEN;
    CHECK_OK(pqcha_evidence_parse(&e, quote, len));
    CHECK_OK(pqcha_evidence_verifier_create(&v));
    CHECK_OK(pqcha_evidence_verifier_add_roots(v, root, root_len));
    CHECK_OK(pqcha_evidence_verifier_set_cert_table(v, table, table_len));
    CHECK_OK(pqcha_evidence_verifier_set_time(v, INT64_C(1675843375)));
    CHECK_OK(pqcha_evidence_verify(&r, v, e));
    pqcha_evidence_result_free(r);
    pqcha_evidence_verifier_free(v);
    pqcha_evidence_free(e);
    free(quote);
    free(root);
    free(table);
}

static void test_api_arguments(void) {
    uint8_t page[ENTRY_LEN] = {0};
    pqcha_evidence_verifier *v = NULL;
    CHECK_ERR(pqcha_evidence_verifier_set_cert_table(NULL, page, sizeof page),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_OK(pqcha_evidence_verifier_create(&v));
    CHECK_ERR(pqcha_evidence_verifier_set_cert_table(v, NULL, 0), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_evidence_verifier_set_cert_table(v, page, 0), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_evidence_verifier_set_cert_table(v, page, 10), PQCHA_ERR_BAD_EVIDENCE);
    uint8_t *big = calloc(1, PQCHA__SNP_CERTTABLE_MAX + 1);
    REQUIRE(big != NULL);
    CHECK_ERR(pqcha_evidence_verifier_set_cert_table(v, big, PQCHA__SNP_CERTTABLE_MAX + 1),
              PQCHA_ERR_TOO_LARGE);
    CHECK_OK(pqcha_evidence_verifier_set_cert_table(v, big, PQCHA__SNP_CERTTABLE_MAX));
    CHECK_OK(pqcha_evidence_verifier_set_cert_table(v, page, sizeof page)); /* replaces */
    free(big);
    pqcha_evidence_verifier_free(v);
}

TEST_MAIN(TEST(test_guid_wire_bytes), TEST(test_good_table), TEST(test_only_terminator),
          TEST(test_missing_terminator), TEST(test_outside_blob), TEST(test_overlapping_table),
          TEST(test_duplicate_guid), TEST(test_empty_certificate), TEST(test_too_many_entries),
          TEST(test_oversized), TEST(test_mixed_endian_guid_is_unknown), TEST(test_arguments),
          TEST(test_real_vcek_table_verifies), TEST(test_real_vlek_table_verifies),
          TEST(test_real_table_precedence), TEST(test_table_ignored_for_tdx),
          TEST(test_api_arguments))
