/* tsm_report.c — hardware evidence through configfs-tsm
 * (/sys/kernel/config/tsm/report, Linux 6.7+; the kernel's
 * Documentation/ABI/testing/configfs-tsm-report), used the way the kernel
 * expects (pqcha/tee.h gives the steps). Every request gets an entry of its
 * own, so that no other process's request and ours share an inblob; the
 * generation counter tells whether one wrote to ours anyway. */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/grow.h"
#include "core/internal.h"
#include "core/reader.h"
#include "io/tee_internal.h"
#include "io/tsm_internal.h"

#define ENTRY_PREFIX       "pqcha-"
#define ENTRY_RANDOM_BYTES 8u
#define ENTRY_NAME_SIZE    (sizeof ENTRY_PREFIX + 2 * ENTRY_RANDOM_BYTES)
#define NUMBER_ATTR_MAX    32u   /* generation, privlevel_floor: a decimal and a newline */
#define PROVIDER_ATTR_MAX  64u   /* "sev_guest\n" */
#define BLOB_FIRST_READ    4096u /* an SEV-SNP report; a TDX quote takes a few more */
#define PRIVLEVEL_TEXT_MAX 16u

static struct pqcha__tsm_hooks hooks;

void pqcha__tsm_set_test_hooks(const struct pqcha__tsm_hooks *h) {
    static const struct pqcha__tsm_hooks none;
    hooks = h != NULL ? *h : none;
}

/* What one request asks for. */
typedef struct tsm_request {
    pqcha__tee_platform want;
    unsigned privlevel;
    const uint8_t *report_data;
} tsm_request;

/* The entry a try made under the root. */
typedef struct tsm_entry {
    int root_fd;
    int fd; /* the entry directory, or -1 */
    char name[ENTRY_NAME_SIZE];
    char *path; /* root/name, for the test hooks */
} tsm_entry;

/* What the provider answered. */
typedef struct tsm_blobs {
    uint8_t *outblob;
    size_t outblob_len;
    uint8_t *auxblob; /* NULL when none */
    size_t auxblob_len;
} tsm_blobs;

/* The pqcha_err for a failed call on the root, the entry or an attribute.
 * Absence in any form means "no configfs-tsm here" (DEVICE_NOT_PRESENT), so
 * that a get can try the next interface: the directory or an attribute
 * missing, or no provider registered (the kernel's ENXIO/ENOTTY). */
static pqcha_err tsm_errno(int e) {
    if (pqcha__tee_errno_is_busy(e)) return PQCHA_ERR_DEVICE_BUSY;
    switch (e) {
    case EFBIG: return PQCHA_ERR_TOO_LARGE; /* outblob above the kernel's own maximum */
    case ENOENT:
    case ENOTDIR:
    case ENXIO:
    case ENODEV:
    case ENOTTY:
    case EOPNOTSUPP: return PQCHA_ERR_DEVICE_NOT_PRESENT;
    case EACCES:
    case EPERM: return PQCHA_ERR_PERMISSION;
    case ENOMEM: return PQCHA_ERR_NO_MEMORY;
    default: return PQCHA_ERR_IO;
    }
}

/* ---- attributes ---- */

/* Reads to the end, at most cap bytes (one byte more proves the attribute
 * larger): configfs gives its attributes no size to trust. */
static pqcha_err read_to_end(int fd, size_t cap, uint8_t **out, size_t *out_len) {
    uint8_t *buf = NULL;
    size_t buf_cap = 0, len = 0;
    for (;;) {
        if (len == buf_cap) {
            size_t need = len < BLOB_FIRST_READ ? BLOB_FIRST_READ : len + 1;
            pqcha_err err =
                pqcha__grow(&buf, &buf_cap, need < cap + 1 ? need : cap + 1, 1, cap + 1);
            if (err != PQCHA_OK) {
                free(buf);
                return err;
            }
        }
        ssize_t n = read(fd, buf + len, buf_cap - len);
        pqcha_err err = n < 0 ? tsm_errno(errno) : PQCHA_OK;
        if (n > 0) len += (size_t)n;
        if (err == PQCHA_OK && len > cap) err = PQCHA_ERR_TOO_LARGE;
        if (err != PQCHA_OK) {
            free(buf);
            return err;
        }
        if (n == 0) break;
    }
    *out = buf;
    *out_len = len;
    return PQCHA_OK;
}

static pqcha_err read_attr(const tsm_entry *en, const char *name, size_t cap, uint8_t **out,
                           size_t *out_len) {
    *out = NULL;
    *out_len = 0;
    int fd = openat(en->fd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return tsm_errno(errno);
    pqcha_err err = read_to_end(fd, cap, out, out_len);
    close(fd);
    return err;
}

/* Writes data in one write() and closes: configfs hands a binary attribute
 * (inblob) to the provider only on close, so the request is not made
 * before it. */
static pqcha_err write_attr(const tsm_entry *en, const char *name, const void *data, size_t len) {
    int fd = openat(en->fd, name, O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return tsm_errno(errno);
    ssize_t n = write(fd, data, len);
    int e = n < 0 ? errno : 0;
    if (close(fd) != 0 && e == 0) e = errno;
    if (e != 0) return tsm_errno(e);
    /* Part of the 64 bytes would be a request for other REPORT_DATA. */
    return (size_t)n == len ? PQCHA_OK : PQCHA_ERR_IO;
}

/* A number the kernel printed: decimal digits and a newline. */
static pqcha_err parse_number(const uint8_t *text, size_t len, uint64_t *out) {
    pqcha__reader r;
    uint8_t c;
    uint64_t value = 0;
    size_t digits = 0;
    if (len > 0 && text[len - 1] == '\n') len--;
    pqcha__reader_init(&r, text, len);
    while (pqcha__reader_byte(&r, &c)) {
        if (c < '0' || c > '9') return PQCHA_ERR_BAD_EVIDENCE;
        uint64_t digit = (uint64_t)(c - '0');
        if (value > (UINT64_MAX - digit) / 10u) return PQCHA_ERR_BAD_EVIDENCE;
        value = value * 10u + digit;
        digits++;
    }
    if (digits == 0) return PQCHA_ERR_BAD_EVIDENCE;
    *out = value;
    return PQCHA_OK;
}

static pqcha_err read_number(const tsm_entry *en, const char *name, uint64_t *out) {
    uint8_t *text = NULL;
    size_t len = 0;
    PQCHA_TRY(read_attr(en, name, NUMBER_ATTR_MAX, &text, &len));
    pqcha_err err = parse_number(text, len, out);
    free(text);
    return err;
}

/* ---- the steps of one try ---- */

/* The provider names the platform ("sev_guest\n", "tdx_guest\n"); another
 * provider (arm_cca_guest), or one of the other platform than asked for,
 * is no interface for this request. */
static pqcha_err entry_platform(const tsm_entry *en, pqcha__tee_platform want,
                                pqcha__tee_platform *out) {
    uint8_t *text = NULL;
    size_t len = 0;
    PQCHA_TRY(read_attr(en, "provider", PROVIDER_ATTR_MAX, &text, &len));
    if (len > 0 && text[len - 1] == '\n') len--;
    *out = len == 9 && memcmp(text, "sev_guest", 9) == 0   ? PQCHA__TEE_SNP
           : len == 9 && memcmp(text, "tdx_guest", 9) == 0 ? PQCHA__TEE_TDX
                                                           : PQCHA__TEE_ANY;
    free(text);
    if (*out == PQCHA__TEE_ANY || (want != PQCHA__TEE_ANY && want != *out))
        return PQCHA_ERR_DEVICE_NOT_PRESENT;
    return PQCHA_OK;
}

/* The kernel would refuse a privlevel below privlevel_floor (an SVSM keeps
 * VMPL 0 for itself) with EINVAL, indistinguishable from other refusals;
 * checking first names the cause (OUT_OF_RANGE), as does a level above 0
 * for a provider without levels (no privlevel attribute, as on TDX). Level
 * 0 is never written, so it is refused only by a floor above it. */
static pqcha_err check_privlevel(const tsm_entry *en, unsigned privlevel) {
    uint64_t floor = 0;
    pqcha_err err = read_number(en, "privlevel_floor", &floor);
    if (err != PQCHA_OK && err != PQCHA_ERR_DEVICE_NOT_PRESENT) return err;
    if (privlevel < floor) return PQCHA_ERR_OUT_OF_RANGE;
    if (privlevel > 0 && faccessat(en->fd, "privlevel", F_OK, 0) != 0)
        return errno == ENOENT ? PQCHA_ERR_OUT_OF_RANGE : tsm_errno(errno);
    return PQCHA_OK;
}

/* privlevel as ASCII (the kernel parses it with kstrtouint), then the 64
 * bytes of inblob; *writes counts the writes, each of which moves the
 * generation by one. */
static pqcha_err write_request(const tsm_entry *en, const tsm_request *rq, uint64_t *writes) {
    if (rq->privlevel > 0) {
        char text[PRIVLEVEL_TEXT_MAX];
        int n = snprintf(text, sizeof text, "%u", rq->privlevel);
        PQCHA_TRY(write_attr(en, "privlevel", text, (size_t)n));
        (*writes)++;
    }
    PQCHA_TRY(write_attr(en, "inblob", rq->report_data, PQCHA_TEE_REPORT_DATA_LEN));
    (*writes)++;
    return PQCHA_OK;
}

/* The provider makes the report when outblob is first read. auxblob is the
 * SEV-SNP certificate table (absent or empty when the host has none; TDX
 * has no auxblob worth reading). */
static pqcha_err read_blobs(const tsm_entry *en, pqcha__tee_platform platform, tsm_blobs *b) {
    PQCHA_TRY(read_attr(en, "outblob", PQCHA_MAX_EVIDENCE_LEN, &b->outblob, &b->outblob_len));
    if (b->outblob_len == 0) return PQCHA_ERR_BAD_EVIDENCE;
    if (platform != PQCHA__TEE_SNP) return PQCHA_OK;
    pqcha_err err = read_attr(en, "auxblob", PQCHA_TEE_MAX_CERTS_LEN, &b->auxblob, &b->auxblob_len);
    if (err == PQCHA_ERR_DEVICE_NOT_PRESENT) return PQCHA_OK; /* a kernel without auxblob */
    return err;
}

/* The kernel counts every write it accepts: ours alone move the generation
 * by exactly `writes`. More: another writer changed the request between
 * ours and the read, and outblob may answer theirs (retried). Less: the
 * kernel did not take one of ours (inblob is applied at close, which cannot
 * report a failure), so outblob does not carry our REPORT_DATA. */
static pqcha_err check_generation(uint64_t before, uint64_t after, uint64_t writes) {
    uint64_t moved = after - before; /* the counter may wrap */
    if (moved == writes) return PQCHA_OK;
    return moved > writes ? PQCHA_ERR_EVIDENCE_CHANGED : PQCHA_ERR_IO;
}

static pqcha_err make_evidence(pqcha__tee_platform platform, const tsm_blobs *b,
                               pqcha_raw_evidence **out) {
    int snp = platform == PQCHA__TEE_SNP;
    return pqcha_raw_evidence_create(out, snp ? "amd-sev-snp" : "intel-tdx",
                                     snp ? "configfs-tsm (sev_guest)" : "configfs-tsm (tdx_guest)",
                                     b->outblob, b->outblob_len,
                                     b->auxblob_len > 0 ? b->auxblob : NULL, b->auxblob_len);
}

static pqcha_err request_in_entry(const tsm_entry *en, const tsm_request *rq,
                                  pqcha_raw_evidence **out) {
    pqcha__tee_platform platform;
    uint64_t before = 0, after = 0, writes = 0;
    tsm_blobs b = {NULL, 0, NULL, 0};

    PQCHA_TRY(entry_platform(en, rq->want, &platform));
    PQCHA_TRY(check_privlevel(en, rq->privlevel));
    PQCHA_TRY(read_number(en, "generation", &before));
    PQCHA_TRY(write_request(en, rq, &writes));
    int injected =
        hooks.after_inblob ? hooks.after_inblob(hooks.ctx, en->path, rq->report_data) : 0;
    pqcha_err err = injected != 0 ? tsm_errno(injected) : read_blobs(en, platform, &b);
    if (err == PQCHA_OK) err = read_number(en, "generation", &after);
    if (err == PQCHA_OK) err = check_generation(before, after, writes);
    if (err == PQCHA_OK) err = make_evidence(platform, &b, out);
    free(b.outblob);
    free(b.auxblob);
    return err;
}

/* ---- the entry ---- */

/* A fresh, unguessable name, so that no other process opens our entry by
 * accident or on purpose before we are done; 0700 keeps other users out. */
static pqcha_err entry_make(tsm_entry *en, int root_fd, const char *root) {
    uint8_t random[ENTRY_RANDOM_BYTES];
    char hex[2 * ENTRY_RANDOM_BYTES + 1];

    en->root_fd = root_fd;
    en->fd = -1;
    PQCHA_TRY(pqcha__random(random, sizeof random));
    pqcha_hex_encode(hex, random, sizeof random);
    snprintf(en->name, sizeof en->name, "%s%s", ENTRY_PREFIX, hex);
    size_t path_size = strlen(root) + 1 + sizeof en->name;
    en->path = malloc(path_size);
    if (en->path == NULL) return PQCHA_ERR_NO_MEMORY;
    snprintf(en->path, path_size, "%s/%s", root, en->name);
    if (mkdirat(root_fd, en->name, 0700) != 0) {
        int e = errno;
        free(en->path);
        en->path = NULL;
        return e == EEXIST ? PQCHA_ERR_IO : tsm_errno(e);
    }
    return PQCHA_OK;
}

/* Whatever the try did. A failed rmdir is not reported: the evidence, if
 * any, is good, and there is nothing else to try. */
static void entry_remove(tsm_entry *en) {
    if (en->fd >= 0) close(en->fd);
    if (hooks.before_rmdir) hooks.before_rmdir(hooks.ctx, en->path);
    unlinkat(en->root_fd, en->name, AT_REMOVEDIR);
    free(en->path);
}

static pqcha_err try_once(int root_fd, const char *root, const tsm_request *rq,
                          pqcha_raw_evidence **out) {
    tsm_entry en;
    PQCHA_TRY(entry_make(&en, root_fd, root));
    if (hooks.after_mkdir) hooks.after_mkdir(hooks.ctx, en.path);
    en.fd = openat(root_fd, en.name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    pqcha_err err = en.fd < 0 ? tsm_errno(errno) : request_in_entry(&en, rq, out);
    entry_remove(&en);
    return err;
}

/* The signals that end a process by default and that users and service
 * managers send. Blocked, they wait until the entry is gone. */
static void block_termination_signals(sigset_t *old) {
    static const int signals[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGALRM, SIGUSR1, SIGUSR2};
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
        sigaddset(&set, signals[i]);
    pthread_sigmask(SIG_BLOCK, &set, old);
}

pqcha_err pqcha__tsm_get(const char *root, pqcha__tee_platform want, unsigned privlevel,
                         const uint8_t report_data[PQCHA_TEE_REPORT_DATA_LEN],
                         pqcha_raw_evidence **out) {
    const tsm_request rq = {want, privlevel, report_data};
    sigset_t old;
    pqcha_err err;

    *out = NULL;
    int root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (root_fd < 0) return tsm_errno(errno);
    block_termination_signals(&old);
    for (unsigned attempt = 0;; attempt++) {
        err = try_once(root_fd, root, &rq, out);
        int again = err == PQCHA_ERR_DEVICE_BUSY || err == PQCHA_ERR_EVIDENCE_CHANGED;
        if (!again || attempt + 1 >= PQCHA__TEE_ATTEMPTS) break;
        pqcha__tee_pause(attempt);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    close(root_fd);
    return err;
}
