/* pqcha/tee.h — getting hardware evidence inside a confidential VM (issue
 * 10, guest side): an AMD SEV-SNP attestation report or an Intel TDX quote
 * carrying 64 bytes of REPORT_DATA the caller chooses, from the machine's
 * TEE or from a provider the caller supplies. Nothing here verifies the
 * evidence: pqcha/evidence.h does that, anywhere, offline.
 *
 * Where the evidence comes from, in the order a "get" tries them:
 *   1. configfs-tsm (/sys/kernel/config/tsm/report, Linux 6.7 and later),
 *      for both platforms: a private, randomly named entry (mode 0700) is
 *      made for each request; generation is read, privlevel written (as
 *      ASCII, only when above 0), the 64 bytes of inblob written in one
 *      write() and committed by close(), outblob read (and auxblob, the
 *      SEV-SNP certificate table, and provider, which names the platform:
 *      sev_guest is amd-sev-snp, tdx_guest intel-tdx), generation read
 *      again, and the entry removed whatever happened. The signals that end
 *      a process by default and that users and service managers send
 *      (SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGALRM, SIGUSR1, SIGUSR2) are
 *      blocked in the calling thread for the whole request, so that a Ctrl-C cannot leave the entry behind; they
 *      are delivered once it is removed. (Another thread of the program that
 *      does not block them may still take a signal sent to the process.) A
 *      TDX quote takes the host's quoting service seconds; a Ctrl-C waits
 *      for it.
 *   2. /dev/sev-guest (Linux 5.19 and later): SNP_GET_EXT_REPORT, with the
 *      certificate table the host supplies, or SNP_GET_REPORT when the host
 *      supplies none or cannot answer an extended request. The evidence is
 *      the bare 1184-byte ATTESTATION_REPORT.
 *   3. /dev/tdx_guest gives only a TDREPORT: MAC'd by the CPU, verifiable on
 *      that machine alone, not a quote. A TDX quote needs the host's quoting
 *      service, which configfs-tsm reaches (Linux 6.7 and later; its
 *      provider is tdx_guest). pqcha never passes a TDREPORT off as a quote:
 *      without configfs-tsm a TD gets DEVICE_NOT_PRESENT, and
 *      pqcha_evidence_source_describe says why.
 * An interface that is absent (no such directory or device node, or a
 * configfs-tsm whose provider is another platform's) is passed over for the
 * next; any other failure ends the get with its error.
 *
 * Retries: a busy provider (EBUSY, EAGAIN, EINTR, ETIMEDOUT, or the host's
 * "busy" answer) and a configfs-tsm generation that moved by more than
 * pqcha's own writes (another writer raced the entry) are retried from
 * scratch, a few times, a few milliseconds apart; past that, DEVICE_BUSY and
 * EVIDENCE_CHANGED.
 *
 * Thread safety: pqcha_evidence_source_get only reads the source, so several
 * threads may get with one source at once (each configfs-tsm request has its
 * own entry; the kernel serialises TDX quotes, and a provider still busy
 * with another thread's request is retried as above). The setters: one
 * thread, with no get running. A custom provider is called on the getting
 * thread, as its ctx allows. A pqcha_raw_evidence never changes once made. */
#ifndef PQCHA_TEE_H
#define PQCHA_TEE_H

#include <stddef.h>
#include <stdint.h>

#include "pqcha/error.h"
#include "pqcha/evidence.h"

#ifdef __cplusplus
extern "C" {
#endif

/* REPORT_DATA: the 64 bytes the evidence carries (the same length as
 * PQCHA_EVIDENCE_REPORT_DATA_LEN). */
#define PQCHA_TEE_REPORT_DATA_LEN 64u
/* The largest certificate table accepted with evidence. */
#define PQCHA_TEE_MAX_CERTS_LEN (1024u * 1024u)

/* ---- raw evidence: the bytes as the TEE gave them ---- */
typedef struct pqcha_raw_evidence pqcha_raw_evidence;

/* Makes raw evidence from bytes a TEE (or a caller's provider) returned.
 * platform: "amd-sev-snp" or "intel-tdx". interface: a short text saying
 * where the bytes came from, e.g. "configfs-tsm (sev_guest)",
 * "/dev/sev-guest" (1 to 4096 bytes). bytes: the evidence (an SEV-SNP
 * report, a TDX quote), 1 to PQCHA_MAX_EVIDENCE_LEN bytes. certs: the
 * SEV-SNP extended report's certificate table in its GUID table format, as
 * configfs-tsm's auxblob or SNP_GET_EXT_REPORT gives it, or NULL with
 * certs_len 0 for none. Everything is copied; nothing is parsed.
 * Returns: OK, INVALID_ARGUMENT (out, platform or interface NULL; another
 * platform; an empty or over-long interface; bytes NULL or len 0; certs
 * NULL with certs_len > 0), TOO_LARGE (len over PQCHA_MAX_EVIDENCE_LEN,
 * certs_len over PQCHA_TEE_MAX_CERTS_LEN), NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_raw_evidence_create(pqcha_raw_evidence **out, const char *platform,
                                    const char *interface, const uint8_t *bytes, size_t len,
                                    const uint8_t *certs, size_t certs_len);
/* "amd-sev-snp" or "intel-tdx"; NULL for r NULL. */
const char *pqcha_raw_evidence_platform(const pqcha_raw_evidence *r);
/* Where the evidence came from, as given to create; NULL for r NULL. */
const char *pqcha_raw_evidence_interface(const pqcha_raw_evidence *r);
/* The evidence bytes and their length (borrowed, valid until the free);
 * NULL and *len 0 for r NULL. len may be NULL. */
const uint8_t *pqcha_raw_evidence_bytes(const pqcha_raw_evidence *r, size_t *len);
/* The certificate table, or NULL and *len 0 when there is none (and for r
 * NULL). len may be NULL. */
const uint8_t *pqcha_raw_evidence_certs(const pqcha_raw_evidence *r, size_t *len);
void pqcha_raw_evidence_free(pqcha_raw_evidence *r);

/* ---- evidence sources ---- */
typedef struct pqcha_evidence_source pqcha_evidence_source;

/* The machine's TEE: platform "auto" (configfs-tsm of either platform, then
 * /dev/sev-guest, then /dev/tdx_guest), configfs-tsm at
 * /sys/kernel/config/tsm/report, the platform's default device, privlevel 0.
 * Creating touches nothing; only a get looks.
 * Returns: OK, INVALID_ARGUMENT (out NULL), NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_evidence_source_create(pqcha_evidence_source **out);
/* "auto", "amd-sev-snp" (configfs-tsm whose provider is sev_guest, then the
 * SEV-SNP device) or "intel-tdx" (configfs-tsm whose provider is
 * tdx_guest). On error s is unchanged.
 * Returns: OK, INVALID_ARGUMENT (s or platform NULL, another name, a custom
 * source), NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_evidence_source_set_platform(pqcha_evidence_source *s, const char *platform);
/* The configfs-tsm report directory (default /sys/kernel/config/tsm/report);
 * tests point it at a directory of their own. On error s is unchanged.
 * Returns: OK, INVALID_ARGUMENT (s or path NULL, path empty or over 4096
 * bytes, a custom source), NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_evidence_source_set_tsm_root(pqcha_evidence_source *s, const char *path);
/* The guest device tried after configfs-tsm, instead of the platform's
 * default (/dev/sev-guest for "auto" and "amd-sev-snp", /dev/tdx_guest for
 * "intel-tdx"). With "auto" it is tried as the SEV-SNP device (the TDX
 * device yields no evidence, see above). On error s is unchanged.
 * Returns: OK, INVALID_ARGUMENT (s or path NULL, path empty or over 4096
 * bytes, a custom source), NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_evidence_source_set_device(pqcha_evidence_source *s, const char *path);
/* The privilege level the report is for (SEV-SNP: the VMPL; configfs-tsm's
 * privlevel), 0 to 3, default 0. A get refuses a level below the platform's
 * privlevel_floor (OUT_OF_RANGE). On error s is unchanged.
 * Returns: OK, INVALID_ARGUMENT (s NULL, level above 3, a custom source). */
PQCHA_MUST_CHECK
pqcha_err pqcha_evidence_source_set_privlevel(pqcha_evidence_source *s, unsigned level);

/* A provider the caller supplies (an Azure vTPM, a remote quoting service,
 * tests): given the 64 REPORT_DATA bytes, it returns evidence carrying them
 * in *out (made with pqcha_raw_evidence_create; pqcha takes it), or an
 * error (then *out is ignored and freed if set). */
typedef pqcha_err (*pqcha_evidence_fn)(void *ctx,
                                       const uint8_t report_data[PQCHA_TEE_REPORT_DATA_LEN],
                                       pqcha_raw_evidence **out);

/* A source that asks fn (with ctx, stored as given) for evidence of
 * platform ("amd-sev-snp" or "intel-tdx"). The setters refuse it.
 * Returns: OK, INVALID_ARGUMENT (out, platform or fn NULL, another
 * platform), NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_evidence_source_create_custom(pqcha_evidence_source **out, const char *platform,
                                              pqcha_evidence_fn fn, void *ctx);

/* Gets evidence carrying report_data from s, as described at the top. *out
 * is the caller's (pqcha_raw_evidence_free); its platform is the one the
 * TEE named, its interface where it came from ("configfs-tsm (sev_guest)",
 * "configfs-tsm (tdx_guest)", or the device path).
 * Returns: OK; INVALID_ARGUMENT (out, s or report_data NULL; a custom
 * provider that returned OK without evidence, or evidence of another
 * platform); DEVICE_NOT_PRESENT (no interface of the platform: no
 * configfs-tsm directory, no device, configfs-tsm of another platform, a
 * TD without configfs-tsm); PERMISSION (the directory or device refuses the
 * caller: usually root is needed); OUT_OF_RANGE (configfs-tsm: privlevel
 * below the platform's privlevel_floor, or above 0 for a provider without
 * privilege levels, as TDX); DEVICE_BUSY; EVIDENCE_CHANGED; TOO_LARGE
 * (outblob over PQCHA_MAX_EVIDENCE_LEN or the kernel's own limit, auxblob
 * over PQCHA_TEE_MAX_CERTS_LEN); BAD_EVIDENCE (an empty outblob, an SEV-SNP
 * response whose report size is not 1184, an unreadable generation or
 * privlevel_floor); BAD_CERTIFICATE (a certificate table from
 * /dev/sev-guest without its terminating entry or pointing outside
 * itself); RNG (no random entry name); IO (the TEE refused the request
 * otherwise: the provider's EINVAL or EIO, a kernel that did not count our
 * inblob write, the SEV-SNP firmware's non-zero status, or an SEV-SNP
 * guest whose VMPCK the kernel disabled after a failed request, ENOTTY: no
 * evidence until the next boot); NO_MEMORY; a custom provider's own
 * error. */
PQCHA_MUST_CHECK
pqcha_err pqcha_evidence_source_get(pqcha_evidence_source *s,
                                    const uint8_t report_data[PQCHA_TEE_REPORT_DATA_LEN],
                                    pqcha_raw_evidence **out);

/* Whether an interface a get would try is there, without asking the TEE
 * for anything (no configfs-tsm entry is made, no device opened): the
 * configfs-tsm directory exists, or (SEV-SNP, auto) the device node is a
 * character device; a custom source always is. Lets a caller fail before
 * long work (the attester probes before measuring). A present interface
 * may still fail at pqcha_evidence_source_get.
 * Returns: OK, INVALID_ARGUMENT (s NULL), DEVICE_NOT_PRESENT. */
PQCHA_MUST_CHECK
pqcha_err pqcha_evidence_source_probe(const pqcha_evidence_source *s);

/* The interfaces a get looks for, in order, as one human-readable line
 * (for a "no TEE" message), e.g. "configfs-tsm at
 * /sys/kernel/config/tsm/report, /dev/sev-guest, /dev/tdx_guest (gives no
 * quote: a TDX quote needs configfs-tsm)"; for a custom source "a
 * caller-supplied amd-sev-snp provider". Borrowed, valid until the next setter on s or
 * its free; NULL for s NULL. Paths are as given (the caller escapes them
 * for a terminal). */
const char *pqcha_evidence_source_describe(const pqcha_evidence_source *s);
void pqcha_evidence_source_free(pqcha_evidence_source *s);

#ifdef __cplusplus
}
#endif
#endif
