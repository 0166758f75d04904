/* backend_platform.c — the backend names "amd-sev-snp" and "intel-tdx".
 *
 * Hardware evidence is not a source of regions: the TEE vouches for the VM
 * and for REPORT_DATA, while the regions are still read from files or a
 * process. So evidence comes with any backend, through the attester
 * (pqcha_attester_set_evidence, `pqcha attest --platform`), and these two
 * names only stay registered for configurations written against the
 * original package, failing closed with PQCHA_ERR_DEVICE_NOT_PRESENT: a
 * stub that returned regions would produce reports that look
 * hardware-backed but are not. */
#include "core/internal.h"
#include "io/backend_internal.h"

static pqcha_err platform_list_regions(void *self, const char *workload_id, pqcha_region ***regions,
                                       size_t *count) {
    (void)self;
    (void)workload_id;
    (void)regions;
    (void)count;
    return PQCHA_ERR_DEVICE_NOT_PRESENT;
}

static pqcha_err platform_read_region(void *self, const char *workload_id,
                                      const pqcha_region *region, pqcha_chunk_sink sink,
                                      void *sink_ctx) {
    (void)self;
    (void)workload_id;
    (void)region;
    (void)sink;
    (void)sink_ctx;
    return PQCHA_ERR_DEVICE_NOT_PRESENT;
}

const pqcha_backend_ops pqcha__sev_snp_backend_ops = {
    .name = "amd-sev-snp",
    .platform = "amd-sev-snp",
    .list_regions = platform_list_regions,
    .read_region = platform_read_region,
    .destroy = NULL,
};

const pqcha_backend_ops pqcha__tdx_backend_ops = {
    .name = "intel-tdx",
    .platform = "intel-tdx",
    .list_regions = platform_list_regions,
    .read_region = platform_read_region,
    .destroy = NULL,
};
