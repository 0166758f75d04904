/* tee_device.c — the guest devices older than configfs-tsm: /dev/sev-guest
 * (SNP_GET_EXT_REPORT, SNP_GET_REPORT) and what /dev/tdx_guest can and
 * cannot give. The ABI is tee_uapi.h's. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/internal.h"
#include "core/reader.h"
#include "io/tee_internal.h"
#include "io/tee_uapi.h"

/* The kernel's own limit for the certificate buffer (SEV_FW_BLOB_MAX_SIZE):
 * a table with the VCEK, ASK and ARK fits with room to spare. */
#define CERTS_FIRST_LEN  (16u * 1024u)
#define CERTS_PAGE       4096u /* the kernel wants a whole number of pages */
#define SIZE_ANSWERS_MAX 2u    /* "too small, give me N" answers before giving up */
#define GUID_LEN         16u

/* Absence (no node, no driver) lets a get try the next interface. ENOTTY
 * on a guest device is no absence: the kernel disabled the VMPCK after a
 * failed request, and no request succeeds until the next boot (IO). */
static pqcha_err device_errno(int e, uint32_t vmm_error) {
    if (pqcha__tee_errno_is_busy(e) || vmm_error == PQCHA__SNP_VMM_ERR_BUSY)
        return PQCHA_ERR_DEVICE_BUSY;
    switch (e) {
    case ENOENT:
    case ENOTDIR:
    case ENXIO:
    case ENODEV: return PQCHA_ERR_DEVICE_NOT_PRESENT;
    case EACCES:
    case EPERM: return PQCHA_ERR_PERMISSION;
    case ENOMEM: return PQCHA_ERR_NO_MEMORY;
    default: return PQCHA_ERR_IO;
    }
}

/* Anything but a character device (a file or directory a caller named) is
 * no guest device; an ioctl on it would only say ENOTTY. */
static pqcha_err open_device(const char *path, int *fd_out) {
    struct stat st;
    int fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return device_errno(errno, 0);
    if (fstat(fd, &st) != 0 || !S_ISCHR(st.st_mode)) {
        close(fd);
        return PQCHA_ERR_DEVICE_NOT_PRESENT;
    }
    *fd_out = fd;
    return PQCHA_OK;
}

/* One guest request; 0 or the errno, with the host's vmm_error. */
static int snp_ioctl(int fd, unsigned long request, void *req, struct pqcha__snp_report_resp *resp,
                     uint32_t *vmm_error) {
    struct pqcha__snp_guest_request_ioctl io;
    memset(&io, 0, sizeof io);
    io.msg_version = PQCHA__SNP_MSG_VERSION;
    io.req_data = (uint64_t)(uintptr_t)req;
    io.resp_data = (uint64_t)(uintptr_t)resp;
    int e = ioctl(fd, request, &io) == 0 ? 0 : errno;
    *vmm_error = io.exit.err.vmm_error;
    return e;
}

/* The request, again while the kernel or the host says busy. */
static int snp_request(int fd, unsigned long request, void *req,
                       struct pqcha__snp_report_resp *resp, uint32_t *vmm_error) {
    int e = 0;
    for (unsigned attempt = 0; attempt < PQCHA__TEE_ATTEMPTS; attempt++) {
        if (attempt > 0) pqcha__tee_pause(attempt - 1);
        e = snp_ioctl(fd, request, req, resp, vmm_error);
        if (e == 0 || !(pqcha__tee_errno_is_busy(e) || *vmm_error == PQCHA__SNP_VMM_ERR_BUSY))
            break;
    }
    return e;
}

static int is_zero(const uint8_t *bytes, size_t len) {
    uint8_t any = 0;
    for (size_t i = 0; i < len; i++)
        any |= bytes[i];
    return any == 0;
}

/* The bytes the certificate table uses in the buffer: its entries up to the
 * all-zero one and the certificates they point at; 0 for an empty table
 * (an upstream KVM host without certificates). The host wrote it, so an
 * entry pointing outside the buffer is refused. */
static pqcha_err certs_used_len(const uint8_t *buf, size_t size, size_t *used) {
    pqcha__reader r;
    const uint8_t *guid;
    uint32_t offset, length;
    size_t entries = 0, end = 0;

    pqcha__reader_init(&r, buf, size);
    for (;;) {
        if (!pqcha__reader_bytes(&r, GUID_LEN, &guid) || !pqcha__reader_u32le(&r, &offset) ||
            !pqcha__reader_u32le(&r, &length))
            return PQCHA_ERR_BAD_CERTIFICATE; /* no terminating entry */
        if (is_zero(guid, GUID_LEN) && offset == 0 && length == 0) break;
        uint64_t cert_end = (uint64_t)offset + length;
        if (cert_end > size) return PQCHA_ERR_BAD_CERTIFICATE;
        if (cert_end > end) end = (size_t)cert_end;
        entries++;
    }
    size_t table_len = size - pqcha__reader_remaining(&r);
    *used = entries == 0 ? 0 : end > table_len ? end : table_len;
    return PQCHA_OK;
}

/* SNP_GET_EXT_REPORT. When the host has more certificates than the buffer
 * holds, the kernel answers EIO with vmm_error INVALID_LEN and writes the
 * size it needs into certs_len: asked again with that, a few times at
 * most. *e_out is the errno of a failure, for the caller's fallback. */
static pqcha_err ext_report(int fd, const struct pqcha__snp_report_req *req,
                            struct pqcha__snp_report_resp *resp, uint8_t **certs, size_t *certs_len,
                            int *e_out) {
    size_t size = CERTS_FIRST_LEN;
    for (unsigned answers = 0;; answers++) {
        struct pqcha__snp_ext_report_req ext;
        uint32_t vmm_error = 0;
        uint8_t *buf = calloc(1, size);
        if (buf == NULL) return PQCHA_ERR_NO_MEMORY;
        memset(&ext, 0, sizeof ext);
        ext.data = *req;
        ext.certs_address = (uint64_t)(uintptr_t)buf;
        ext.certs_len = (uint32_t)size;
        int e = snp_request(fd, PQCHA__SNP_GET_EXT_REPORT, &ext, resp, &vmm_error);
        if (e == 0) {
            *certs = buf;
            *certs_len = size;
            return PQCHA_OK;
        }
        free(buf);
        *e_out = e;
        if (e != EIO || vmm_error != PQCHA__SNP_VMM_ERR_INVALID_LEN)
            return device_errno(e, vmm_error);
        if (answers == SIZE_ANSWERS_MAX || ext.certs_len <= size ||
            ext.certs_len > PQCHA_TEE_MAX_CERTS_LEN)
            return PQCHA_ERR_IO; /* the host keeps asking for more, or for too much */
        size = (ext.certs_len + CERTS_PAGE - 1) / CERTS_PAGE * CERTS_PAGE;
    }
}

/* A host that cannot answer an extended request (no certificates to give,
 * an old hypervisor) may still answer a plain one. Not after a refusal
 * that the plain request would meet too: busy, permission, a disabled
 * VMPCK (ENOTTY), no memory. */
static int worth_plain_request(int e) {
    return e == EIO || e == EINVAL || e == EOPNOTSUPP;
}

static pqcha_err plain_report(int fd, const struct pqcha__snp_report_req *req,
                              struct pqcha__snp_report_resp *resp) {
    struct pqcha__snp_report_req copy = *req; /* the kernel's argument is not const */
    uint32_t vmm_error = 0;
    int e = snp_request(fd, PQCHA__SNP_GET_REPORT, &copy, resp, &vmm_error);
    return e == 0 ? PQCHA_OK : device_errno(e, vmm_error);
}

/* MSG_REPORT_RSP: status, report_size, reserved to 0x20, the report. A
 * non-zero status is the firmware refusing the request (0x16: invalid
 * parameters, such as a VMPL it does not report for). */
static pqcha_err report_in_response(const struct pqcha__snp_report_resp *resp,
                                    const uint8_t **report) {
    pqcha__reader r;
    uint32_t status = 0, size = 0;
    pqcha__reader_init(&r, resp->data, sizeof resp->data);
    if (!pqcha__reader_u32le(&r, &status) || !pqcha__reader_u32le(&r, &size))
        return PQCHA_ERR_BAD_EVIDENCE;
    if (status != 0) return PQCHA_ERR_IO;
    if (size != PQCHA__SNP_ATTESTATION_LEN) return PQCHA_ERR_BAD_EVIDENCE;
    *report = resp->data + PQCHA__SNP_RESP_HEADER_LEN;
    return PQCHA_OK;
}

static pqcha_err snp_report(int fd, unsigned vmpl, const uint8_t *report_data, const char *path,
                            pqcha_raw_evidence **out) {
    struct pqcha__snp_report_req req;
    struct pqcha__snp_report_resp *resp = calloc(1, sizeof *resp);
    uint8_t *certs = NULL;
    size_t certs_size = 0, certs_len = 0;
    const uint8_t *report = NULL;
    int e = 0;

    if (resp == NULL) return PQCHA_ERR_NO_MEMORY;
    memset(&req, 0, sizeof req);
    memcpy(req.user_data, report_data, sizeof req.user_data);
    req.vmpl = vmpl;
    pqcha_err err = ext_report(fd, &req, resp, &certs, &certs_size, &e);
    if (err != PQCHA_OK && worth_plain_request(e)) err = plain_report(fd, &req, resp);
    if (err == PQCHA_OK && certs != NULL) err = certs_used_len(certs, certs_size, &certs_len);
    if (err == PQCHA_OK) err = report_in_response(resp, &report);
    if (err == PQCHA_OK)
        err =
            pqcha_raw_evidence_create(out, "amd-sev-snp", path, report, PQCHA__SNP_ATTESTATION_LEN,
                                      certs_len > 0 ? certs : NULL, certs_len);
    free(certs);
    free(resp);
    return err;
}

pqcha_err pqcha__snp_device_get(const char *path, unsigned vmpl,
                                const uint8_t report_data[PQCHA_TEE_REPORT_DATA_LEN],
                                pqcha_raw_evidence **out) {
    int fd = -1;
    *out = NULL;
    PQCHA_TRY(open_device(path, &fd));
    pqcha_err err = snp_report(fd, vmpl, report_data, path, out);
    close(fd);
    return err;
}

/* TDX_CMD_GET_REPORT0 on /dev/tdx_guest returns a TDREPORT: MAC'd with a
 * key of this CPU, checkable only on this machine, not signed evidence. A
 * quote needs the host's quoting service, which only configfs-tsm reaches
 * upstream (TDX_CMD_GET_QUOTE exists in out-of-tree kernels alone). Handing
 * out a TDREPORT as evidence would make every verifier reject it as
 * malformed at best, so a TD without configfs-tsm has no evidence to give,
 * whether the device node exists or not; it is not even opened. */
pqcha_err pqcha__tdx_device_get(void) {
    return PQCHA_ERR_DEVICE_NOT_PRESENT;
}
