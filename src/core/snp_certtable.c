/* snp_certtable.c — the certificate table of an SEV-SNP extended report,
 * parsed strictly through the bounded reader, and its certificates handed
 * to the verifier (snp_certtable.h). */
#include "core/snp_certtable.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "core/internal.h"
#include "core/reader.h"

/* The GUIDs' text read as hex, in order (see the header for why). */
const uint8_t pqcha__snp_guid_vcek[PQCHA__SNP_GUID_LEN] = {
    0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64, 0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd};
const uint8_t pqcha__snp_guid_vlek[PQCHA__SNP_GUID_LEN] = {
    0xa8, 0x07, 0x4b, 0xc2, 0xa2, 0x5a, 0x48, 0x3e, 0xaa, 0xe6, 0x39, 0xc0, 0x45, 0xa0, 0xb8, 0xa1};
const uint8_t pqcha__snp_guid_ask[PQCHA__SNP_GUID_LEN] = {
    0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4, 0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82};
const uint8_t pqcha__snp_guid_ark[PQCHA__SNP_GUID_LEN] = {
    0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52, 0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae};

typedef struct table_entry {
    const uint8_t *guid;
    uint32_t offset, length;
} table_entry;

static int all_zero(const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0) return 0;
    return 1;
}

static int is_terminator(const table_entry *e) {
    return e->offset == 0 && e->length == 0 && all_zero(e->guid, PQCHA__SNP_GUID_LEN);
}

/* The entries before the terminator. A table that runs out of bytes, or
 * holds more than the cap before its terminator, is malformed: the cap
 * keeps the pairwise checks below small. */
static pqcha_err read_entries(table_entry *entries, size_t *count, const uint8_t *bytes,
                              size_t len) {
    pqcha__reader r;
    pqcha__reader_init(&r, bytes, len);
    for (size_t i = 0;; i++) {
        table_entry e;
        if (!pqcha__reader_bytes(&r, PQCHA__SNP_GUID_LEN, &e.guid) ||
            !pqcha__reader_u32le(&r, &e.offset) || !pqcha__reader_u32le(&r, &e.length))
            return PQCHA_ERR_BAD_EVIDENCE;
        if (is_terminator(&e)) {
            *count = i;
            return PQCHA_OK;
        }
        if (i == PQCHA__SNP_CERTTABLE_MAX_ENTRIES) return PQCHA_ERR_BAD_EVIDENCE;
        entries[i] = e;
    }
}

/* One entry on its own: a real GUID, a certificate that is not empty, after
 * the table and inside the blob. */
static pqcha_err entry_check(const table_entry *e, size_t table_len, size_t len) {
    uint64_t end = (uint64_t)e->offset + e->length;
    if (all_zero(e->guid, PQCHA__SNP_GUID_LEN)) return PQCHA_ERR_BAD_EVIDENCE;
    if (e->length == 0) return PQCHA_ERR_BAD_EVIDENCE;
    if (e->offset < table_len || end > len) return PQCHA_ERR_BAD_EVIDENCE;
    return PQCHA_OK;
}

/* Two entries: different GUIDs (which of two certificates would count is
 * the kind of ambiguity an attacker uses) and no shared byte. */
static pqcha_err pair_check(const table_entry *a, const table_entry *b) {
    if (memcmp(a->guid, b->guid, PQCHA__SNP_GUID_LEN) == 0) return PQCHA_ERR_BAD_EVIDENCE;
    uint64_t a_end = (uint64_t)a->offset + a->length, b_end = (uint64_t)b->offset + b->length;
    if (a->offset < b_end && b->offset < a_end) return PQCHA_ERR_BAD_EVIDENCE;
    return PQCHA_OK;
}

static void keep_known(pqcha__snp_certtable *t, const table_entry *e, const uint8_t *bytes) {
    pqcha__snp_span span = {bytes + e->offset, e->length};
    if (memcmp(e->guid, pqcha__snp_guid_vcek, PQCHA__SNP_GUID_LEN) == 0) t->vcek = span;
    if (memcmp(e->guid, pqcha__snp_guid_vlek, PQCHA__SNP_GUID_LEN) == 0) t->vlek = span;
    if (memcmp(e->guid, pqcha__snp_guid_ask, PQCHA__SNP_GUID_LEN) == 0) t->ask = span;
    if (memcmp(e->guid, pqcha__snp_guid_ark, PQCHA__SNP_GUID_LEN) == 0) t->ark = span;
}

static pqcha_err entries_check(const table_entry *entries, size_t count, size_t table_len,
                               size_t len) {
    for (size_t i = 0; i < count; i++) {
        PQCHA_TRY(entry_check(&entries[i], table_len, len));
        for (size_t j = 0; j < i; j++)
            PQCHA_TRY(pair_check(&entries[i], &entries[j]));
    }
    return PQCHA_OK;
}

pqcha_err pqcha__snp_certtable_parse(pqcha__snp_certtable *out, const uint8_t *bytes, size_t len) {
    table_entry entries[PQCHA__SNP_CERTTABLE_MAX_ENTRIES];
    size_t count = 0;

    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    memset(out, 0, sizeof *out);
    if (bytes == NULL && len > 0) return PQCHA_ERR_INVALID_ARGUMENT;
    if (len > PQCHA__SNP_CERTTABLE_MAX) return PQCHA_ERR_TOO_LARGE;
    PQCHA_TRY(read_entries(entries, &count, bytes, len));
    size_t table_len = (count + 1) * PQCHA__SNP_CERTTABLE_ENTRY_LEN;
    PQCHA_TRY(entries_check(entries, count, table_len, len));
    for (size_t i = 0; i < count; i++)
        keep_known(out, &entries[i], bytes);
    out->entry_count = count;
    out->table_len = table_len;
    return PQCHA_OK;
}

static pqcha_err span_is_cert(const pqcha__snp_span *s) {
    X509 *cert = NULL;
    if (s->bytes == NULL) return PQCHA_OK;
    PQCHA_TRY(pqcha__snp_cert_load(&cert, s->bytes, s->len));
    X509_free(cert);
    return PQCHA_OK;
}

pqcha_err pqcha__snp_certtable_check_certs(const pqcha__snp_certtable *t) {
    if (t == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    PQCHA_TRY(span_is_cert(&t->vcek));
    PQCHA_TRY(span_is_cert(&t->vlek));
    PQCHA_TRY(span_is_cert(&t->ask));
    return span_is_cert(&t->ark);
}

pqcha__snp_span pqcha__snp_certtable_signer(const pqcha__snp_certtable *t,
                                            pqcha__snp_signing_key key) {
    static const pqcha__snp_span none = {NULL, 0};
    if (t == NULL) return none;
    const pqcha__snp_span *want = key == PQCHA__SNP_KEY_VLEK ? &t->vlek : &t->vcek;
    const pqcha__snp_span *other = key == PQCHA__SNP_KEY_VLEK ? &t->vcek : &t->vlek;
    return want->bytes != NULL ? *want : *other;
}

/* Appends cert as PEM to bio; 0 for want of memory. */
static int write_pem(BIO *bio, const pqcha__snp_span *s, pqcha_err *err) {
    X509 *cert = NULL;
    *err = pqcha__snp_cert_load(&cert, s->bytes, s->len);
    if (*err != PQCHA_OK) return 0;
    int ok = PEM_write_bio_X509(bio, cert) == 1;
    X509_free(cert);
    if (!ok) *err = PQCHA_ERR_NO_MEMORY;
    return ok;
}

pqcha_err pqcha__snp_certtable_chain_pem(uint8_t **out, size_t *out_len,
                                         const pqcha__snp_certtable *t) {
    if (out) *out = NULL;
    if (out_len) *out_len = 0;
    if (out == NULL || out_len == NULL || t == NULL || t->ask.bytes == NULL || t->ark.bytes == NULL)
        return PQCHA_ERR_INVALID_ARGUMENT;
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL) return PQCHA_ERR_NO_MEMORY;
    pqcha_err err = PQCHA_OK;
    char *data = NULL;
    long n = 0;
    /* A memory BIO fails only for want of memory. */
    if (write_pem(bio, &t->ask, &err) && write_pem(bio, &t->ark, &err) &&
        (n = BIO_get_mem_data(bio, &data)) > 0) {
        *out = malloc((size_t)n);
        if (*out != NULL) {
            memcpy(*out, data, (size_t)n);
            *out_len = (size_t)n;
        } else {
            err = PQCHA_ERR_NO_MEMORY;
        }
    } else if (err == PQCHA_OK) {
        err = PQCHA_ERR_NO_MEMORY;
    }
    BIO_free(bio);
    ERR_clear_error();
    return err;
}

/* The key the report says signed it; VCEK when there is no readable report. */
static pqcha__snp_signing_key report_signing_key(const uint8_t *evidence, size_t len) {
    pqcha__snp_report r;
    size_t offset = 0;
    if (pqcha__snp_find_report(evidence, len, &offset) != PQCHA_OK ||
        pqcha__snp_report_parse(&r, evidence + offset, PQCHA__SNP_REPORT_LEN) != PQCHA_OK)
        return PQCHA__SNP_KEY_VCEK;
    return r.signing_key;
}

pqcha_err pqcha__snp_certtable_complete(pqcha__snp_inputs *in, uint8_t **chain_pem,
                                        const uint8_t *bytes, size_t len, const uint8_t *evidence,
                                        size_t evidence_len) {
    pqcha__snp_certtable t;
    size_t chain_len = 0;

    if (chain_pem) *chain_pem = NULL;
    if (in == NULL || chain_pem == NULL || (evidence == NULL && evidence_len > 0))
        return PQCHA_ERR_INVALID_ARGUMENT;
    PQCHA_TRY(pqcha__snp_certtable_parse(&t, bytes, len));
    if (in->signing_cert == NULL) {
        pqcha__snp_span signer =
            pqcha__snp_certtable_signer(&t, report_signing_key(evidence, evidence_len));
        in->signing_cert = signer.bytes;
        in->signing_cert_len = signer.len;
    }
    if (in->chain == NULL && t.ask.bytes != NULL && t.ark.bytes != NULL) {
        PQCHA_TRY(pqcha__snp_certtable_chain_pem(chain_pem, &chain_len, &t));
        in->chain = *chain_pem;
        in->chain_len = chain_len;
    }
    return PQCHA_OK;
}
