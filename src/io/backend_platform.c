/* backend_platform.c — the confidential-computing backends, "amd-sev-snp"
 * and "intel-tdx".
 *
 * They resolve by name so configurations can already name them, but every
 * operation reports PQCHA_ERR_DEVICE_NOT_PRESENT: the real implementations
 * (reading the launch measurement through /dev/sev-guest with SNP_GET_REPORT,
 * or the TD measurement through /dev/tdx-guest with TDX_CMD_GET_REPORT0, and
 * carrying that evidence in the report) come in a later issue. Failing
 * closed here matters: the original's stubs raised too, and a stub that
 * returned regions would produce reports that look hardware-backed but are not. */
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
