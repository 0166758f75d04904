/* snp_certtable.h — the certificate table of an SEV-SNP extended report
 * (issue 10): the pages SNP_GET_EXT_REPORT fills next to the report, which
 * configfs-tsm returns as `auxblob`. The host writes it, so it is as
 * untrusted as the report: it only offers certificates, which the verifier
 * then checks like any others (the ARK must still be a pinned root).
 *
 * The format (AMD's GHCB specification, MSG_REPORT_REQ; what go-sev-guest,
 * virtee/sev and the kernel's sev-guest driver read and write):
 *
 *   offset 0: entries of 24 bytes: GUID (16 bytes), offset (u32 LE),
 *             length (u32 LE); the first all-zero entry ends the table
 *   then:     the certificates, each at its offset (from the start of the
 *             blob) for its length, DER; padding may follow
 *
 * What pqcha accepts: the blob at most PQCHA__SNP_CERTTABLE_MAX bytes
 * (TOO_LARGE); a terminator within the first
 * PQCHA__SNP_CERTTABLE_MAX_ENTRIES + 1 entries; every other entry with a
 * GUID that is not all zero and a certificate that is not empty, lies inside
 * the blob after the table (terminator included) and shares no byte with
 * another; no GUID twice (all BAD_EVIDENCE). Unknown GUIDs are allowed and
 * ignored; the four known ones are
 *
 *   VCEK 63da758d-e664-4564-adc5-f4b93be8accd
 *   VLEK a8074bc2-a25a-483e-aae6-39c045a0b8a1
 *   ASK  4ab7b379-bbac-4fe4-a02f-05aef327c782 (also the ASVK of a VLEK)
 *   ARK  c0b406a4-a803-4952-9743-3fb6014cd0ae
 *
 * GUID byte order: the 16 bytes on the wire are the GUID's text read as hex,
 * in order (RFC 4122 "network" order: 63 da 75 8d e6 64 45 64 ...), not the
 * mixed-endian form of a Microsoft GUID or Linux guid_t/uuid_le (8d 75 da 63
 * 64 e6 64 45 ...). That is what every implementation that builds or reads
 * the table does: go-sev-guest (abi.go copies the 16 bytes into a
 * pborman/uuid), virtee/sev (Uuid::from_slice / as_bytes, used by snphost
 * and snpguest) and AMD's sev-guest tools (libuuid uuid_parse); and
 * snpguest, run on AWS hosts, names the VLEK it extracts
 * "a8074bc2-a25a-483e-...", so real hosts emit this order. The kernel only
 * looks for the all-zero terminator. A table in the mixed-endian order has
 * only unknown GUIDs here, and so offers no certificate.
 *
 * Pure core: bytes in, spans into those bytes out. */
#ifndef PQCHA_SNP_CERTTABLE_H
#define PQCHA_SNP_CERTTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "core/snp.h"
#include "pqcha.h"

#define PQCHA__SNP_CERTTABLE_MAX         (1024u * 1024u)
#define PQCHA__SNP_CERTTABLE_MAX_ENTRIES 64u /* certificates, the terminator not counted */
#define PQCHA__SNP_CERTTABLE_ENTRY_LEN   24u
#define PQCHA__SNP_GUID_LEN              16u

/* Bytes inside the table blob; bytes NULL and len 0 when absent. */
typedef struct pqcha__snp_span {
    const uint8_t *bytes;
    size_t len;
} pqcha__snp_span;

typedef struct pqcha__snp_certtable {
    pqcha__snp_span vcek, vlek, ask, ark;
    size_t entry_count; /* entries before the terminator, unknown GUIDs included */
    size_t table_len;   /* bytes of the entries, the terminator included */
} pqcha__snp_certtable;

/* The wire bytes of the known GUIDs (the order above). */
extern const uint8_t pqcha__snp_guid_vcek[PQCHA__SNP_GUID_LEN];
extern const uint8_t pqcha__snp_guid_vlek[PQCHA__SNP_GUID_LEN];
extern const uint8_t pqcha__snp_guid_ask[PQCHA__SNP_GUID_LEN];
extern const uint8_t pqcha__snp_guid_ark[PQCHA__SNP_GUID_LEN];

/* Parses a table as described above; the spans point into bytes. *out is
 * zeroed on error.
 * Returns: OK, INVALID_ARGUMENT, TOO_LARGE, BAD_EVIDENCE. */
PQCHA_MUST_CHECK pqcha_err pqcha__snp_certtable_parse(pqcha__snp_certtable *out,
                                                      const uint8_t *bytes, size_t len);

/* Each known certificate the table holds is one certificate (DER, or PEM
 * as some hosts write), as pqcha__snp_cert_load reads it.
 * Returns: OK, INVALID_ARGUMENT, TOO_LARGE, BAD_CERTIFICATE, NO_MEMORY. */
PQCHA_MUST_CHECK pqcha_err pqcha__snp_certtable_check_certs(const pqcha__snp_certtable *t);

/* The certificate that signed a report with this SIGNING_KEY: the VLEK for
 * a VLEK, else the VCEK; the other one when that is absent (the
 * verification then reports the mismatch rather than a missing input).
 * A span with bytes NULL when the table has neither. */
pqcha__snp_span pqcha__snp_certtable_signer(const pqcha__snp_certtable *t,
                                            pqcha__snp_signing_key key);

/* The table's ASK (or ASVK) and ARK as AMD's PEM chain (ASK first), the
 * form pqcha__snp_inputs takes, in a new buffer (free with free()).
 * Returns: OK, INVALID_ARGUMENT (NULL, or the table lacks either),
 * TOO_LARGE, BAD_CERTIFICATE, NO_MEMORY. */
PQCHA_MUST_CHECK pqcha_err pqcha__snp_certtable_chain_pem(uint8_t **out, size_t *out_len,
                                                          const pqcha__snp_certtable *t);

/* Completes the inputs of an SEV-SNP verification from a table (bytes,
 * len), where they lack them: the signer (pqcha__snp_certtable_signer, for
 * the SIGNING_KEY of the report in evidence; the VCEK first when the report
 * cannot be read, whose verification then fails on that) when
 * in->signing_cert is NULL, and the ASK and ARK as a PEM chain in *chain_pem
 * (free with free(), after in is used) when in->chain is NULL and the table
 * holds both. What the table lacks stays NULL. in->signing_cert may point
 * into bytes.
 * Returns: OK, INVALID_ARGUMENT, TOO_LARGE, BAD_EVIDENCE, BAD_CERTIFICATE,
 * NO_MEMORY. */
PQCHA_MUST_CHECK pqcha_err pqcha__snp_certtable_complete(pqcha__snp_inputs *in, uint8_t **chain_pem,
                                                         const uint8_t *bytes, size_t len,
                                                         const uint8_t *evidence,
                                                         size_t evidence_len);

#endif
