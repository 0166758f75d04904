/* tee_uapi.h — the Linux guest-device ABI pqcha talks to, defined here
 * rather than taken from <linux/sev-guest.h> and <linux/tdx-guest.h>: the
 * latter is missing from Debian 12's kernel headers, and the former differs
 * between releases. The layouts are the kernel's UAPI (Linux 5.19+
 * include/uapi/linux/sev-guest.h, 6.2+ include/uapi/linux/tdx-guest.h); the
 * static_asserts pin every size and offset the kernel relies on, and the
 * ioctl numbers to the values the kernel computes (x86-64). Private to
 * src/io. */
#ifndef PQCHA_TEE_UAPI_H
#define PQCHA_TEE_UAPI_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

/* ---- /dev/sev-guest ---- */

#define PQCHA__SNP_USER_DATA_LEN 64u
/* MSG_REPORT_RSP: status u32, report_size u32, 24 reserved bytes, then the
 * ATTESTATION_REPORT. */
#define PQCHA__SNP_RESP_LEN        4000u
#define PQCHA__SNP_RESP_HEADER_LEN 0x20u
#define PQCHA__SNP_ATTESTATION_LEN 1184u
#define PQCHA__SNP_MSG_VERSION     1u /* msg_version must be non-zero */
#define PQCHA__SNP_VMM_ERR_INVALID_LEN \
    1u /* certs_len too small; the kernel wrote the size needed */
#define PQCHA__SNP_VMM_ERR_BUSY 2u

struct pqcha__snp_report_req {
    uint8_t user_data[PQCHA__SNP_USER_DATA_LEN];
    uint32_t vmpl;
    uint8_t rsvd[28];
};

struct pqcha__snp_report_resp {
    uint8_t data[PQCHA__SNP_RESP_LEN];
};

struct pqcha__snp_guest_request_ioctl {
    uint8_t msg_version;
    uint64_t req_data;  /* user pointer to the request */
    uint64_t resp_data; /* user pointer to the response */
    union {
        uint64_t exitinfo2;
        struct {
            uint32_t fw_error;
            uint32_t vmm_error;
        } err;
    } exit;
};

struct pqcha__snp_ext_report_req {
    struct pqcha__snp_report_req data;
    uint64_t certs_address; /* user pointer, page-aligned length */
    uint32_t certs_len;
};

static_assert(sizeof(struct pqcha__snp_report_req) == 96, "snp_report_req");
static_assert(sizeof(struct pqcha__snp_report_resp) == 4000, "snp_report_resp");
static_assert(sizeof(struct pqcha__snp_guest_request_ioctl) == 32, "snp_guest_request_ioctl");
static_assert(offsetof(struct pqcha__snp_guest_request_ioctl, req_data) == 8, "req_data");
static_assert(offsetof(struct pqcha__snp_guest_request_ioctl, resp_data) == 16, "resp_data");
static_assert(offsetof(struct pqcha__snp_guest_request_ioctl, exit) == 24, "exitinfo2");
static_assert(sizeof(struct pqcha__snp_ext_report_req) == 112, "snp_ext_report_req");
static_assert(offsetof(struct pqcha__snp_ext_report_req, certs_address) == 96, "certs_address");
static_assert(PQCHA__SNP_RESP_HEADER_LEN + PQCHA__SNP_ATTESTATION_LEN <= PQCHA__SNP_RESP_LEN,
              "the report fits the response");

#define PQCHA__SNP_GET_REPORT     _IOWR('S', 0x0, struct pqcha__snp_guest_request_ioctl)
#define PQCHA__SNP_GET_EXT_REPORT _IOWR('S', 0x2, struct pqcha__snp_guest_request_ioctl)
static_assert(PQCHA__SNP_GET_REPORT == 0xC0205300u, "SNP_GET_REPORT");
static_assert(PQCHA__SNP_GET_EXT_REPORT == 0xC0205302u, "SNP_GET_EXT_REPORT");

/* One entry of the extended report's certificate table: a GUID, then the
 * offset and length of the certificate from the start of the table; the
 * table ends with an all-zero entry. */
#define PQCHA__SNP_CERT_ENTRY_LEN 24u

/* ---- /dev/tdx_guest ----
 * Only for the record and the size checks: TDX_CMD_GET_REPORT0 returns a
 * TDREPORT, MAC'd for the local CPU, which no remote verifier can check, so
 * pqcha never issues it (tee_device.c). The quote comes from configfs-tsm. */

#define PQCHA__TDX_REPORTDATA_LEN 64u
#define PQCHA__TDX_REPORT_LEN     1024u

struct pqcha__tdx_report_req {
    uint8_t reportdata[PQCHA__TDX_REPORTDATA_LEN];
    uint8_t tdreport[PQCHA__TDX_REPORT_LEN];
};

static_assert(sizeof(struct pqcha__tdx_report_req) == 1088, "tdx_report_req");

#define PQCHA__TDX_CMD_GET_REPORT0 _IOWR('T', 1, struct pqcha__tdx_report_req)
static_assert(PQCHA__TDX_CMD_GET_REPORT0 == 0xC4405401u, "TDX_CMD_GET_REPORT0");

#endif
