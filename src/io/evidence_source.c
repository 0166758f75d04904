/* evidence_source.c — pqcha_evidence_source (pqcha/tee.h): which interfaces
 * a get tries and in what order, or a caller's own provider. The
 * interfaces themselves are tsm_report.c's and tee_device.c's. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/internal.h"
#include "io/tee_internal.h"

#define DEFAULT_TSM_ROOT   "/sys/kernel/config/tsm/report"
#define DEFAULT_SNP_DEVICE "/dev/sev-guest"
#define DEFAULT_TDX_DEVICE "/dev/tdx_guest"
#define TDX_DEVICE_NOTE    " (gives no quote: a TDX quote needs configfs-tsm)"
#define SOURCE_PATH_MAX    4096u
#define PRIVLEVEL_MAX      3u /* SEV-SNP VMPL 0-3, the kernel's TSM_PRIVLEVEL_MAX */
#define DESCRIBE_PARTS_MAX 8u

static_assert(PQCHA_TEE_REPORT_DATA_LEN == PQCHA_EVIDENCE_REPORT_DATA_LEN,
              "REPORT_DATA is one length for getting and verifying");

struct pqcha_evidence_source {
    pqcha__tee_platform platform; /* ANY: "auto" */
    char *tsm_root;
    char *device; /* NULL: the platform's default */
    unsigned privlevel;
    char *description;
    pqcha_evidence_fn fn; /* non-NULL: a custom source, of `platform` */
    void *ctx;
};

static const char *platform_name(pqcha__tee_platform p) {
    return p == PQCHA__TEE_SNP ? "amd-sev-snp" : p == PQCHA__TEE_TDX ? "intel-tdx" : "auto";
}

static int platform_parse(const char *name, pqcha__tee_platform *out) {
    static const pqcha__tee_platform all[] = {PQCHA__TEE_ANY, PQCHA__TEE_SNP, PQCHA__TEE_TDX};
    for (size_t i = 0; name != NULL && i < sizeof all / sizeof all[0]; i++) {
        if (strcmp(name, platform_name(all[i])) == 0) {
            *out = all[i];
            return 1;
        }
    }
    return 0;
}

static char *join(const char *const *parts, size_t n) {
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(parts[i]);
    char *text = malloc(len);
    if (text == NULL) return NULL;
    text[0] = '\0';
    for (size_t i = 0; i < n; i++)
        strcat(text, parts[i]);
    return text;
}

/* The line pqcha_evidence_source_describe gives, for these settings. */
static char *describe(pqcha__tee_platform platform, const char *root, const char *device,
                      int custom) {
    const char *parts[DESCRIBE_PARTS_MAX];
    size_t n = 0;
    if (custom) {
        parts[n++] = "a caller-supplied ";
        parts[n++] = platform_name(platform);
        parts[n++] = " provider";
        return join(parts, n);
    }
    parts[n++] = "configfs-tsm at ";
    parts[n++] = root;
    parts[n++] = platform == PQCHA__TEE_SNP   ? " (sev_guest), "
                 : platform == PQCHA__TEE_TDX ? " (tdx_guest), "
                                              : ", ";
    if (platform == PQCHA__TEE_TDX) {
        parts[n++] = device ? device : DEFAULT_TDX_DEVICE;
        parts[n++] = TDX_DEVICE_NOTE;
        return join(parts, n);
    }
    parts[n++] = device ? device : DEFAULT_SNP_DEVICE;
    if (platform == PQCHA__TEE_ANY) {
        parts[n++] = ", " DEFAULT_TDX_DEVICE;
        parts[n++] = TDX_DEVICE_NOTE;
    }
    return join(parts, n);
}

static int valid_path(const char *path) {
    if (path == NULL) return 0;
    size_t len = strnlen(path, SOURCE_PATH_MAX + 1);
    return len > 0 && len <= SOURCE_PATH_MAX;
}

/* Installs new settings with their description, or changes nothing. Takes
 * root and device (either may be the source's own). */
static pqcha_err apply(pqcha_evidence_source *s, pqcha__tee_platform platform, char *root,
                       char *device) {
    char *description = root ? describe(platform, root, device, 0) : NULL;
    if (description == NULL) {
        if (root != s->tsm_root) free(root);
        if (device != s->device) free(device);
        return PQCHA_ERR_NO_MEMORY;
    }
    if (root != s->tsm_root) free(s->tsm_root);
    if (device != s->device) free(s->device);
    free(s->description);
    s->platform = platform;
    s->tsm_root = root;
    s->device = device;
    s->description = description;
    return PQCHA_OK;
}

pqcha_err pqcha_evidence_source_create(pqcha_evidence_source **out) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    pqcha_evidence_source *s = calloc(1, sizeof *s);
    if (s == NULL) return PQCHA_ERR_NO_MEMORY;
    pqcha_err err = apply(s, PQCHA__TEE_ANY, pqcha__strdup(DEFAULT_TSM_ROOT), NULL);
    if (err != PQCHA_OK) {
        free(s);
        return err;
    }
    *out = s;
    return PQCHA_OK;
}

pqcha_err pqcha_evidence_source_create_custom(pqcha_evidence_source **out, const char *platform,
                                              pqcha_evidence_fn fn, void *ctx) {
    pqcha__tee_platform p;
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (fn == NULL || !platform_parse(platform, &p) || p == PQCHA__TEE_ANY)
        return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha_evidence_source *s = calloc(1, sizeof *s);
    if (s == NULL) return PQCHA_ERR_NO_MEMORY;
    s->description = describe(p, NULL, NULL, 1);
    if (s->description == NULL) {
        free(s);
        return PQCHA_ERR_NO_MEMORY;
    }
    s->platform = p;
    s->fn = fn;
    s->ctx = ctx;
    *out = s;
    return PQCHA_OK;
}

pqcha_err pqcha_evidence_source_set_platform(pqcha_evidence_source *s, const char *platform) {
    pqcha__tee_platform p;
    if (s == NULL || s->fn != NULL || !platform_parse(platform, &p))
        return PQCHA_ERR_INVALID_ARGUMENT;
    return apply(s, p, s->tsm_root, s->device);
}

pqcha_err pqcha_evidence_source_set_tsm_root(pqcha_evidence_source *s, const char *path) {
    if (s == NULL || s->fn != NULL || !valid_path(path)) return PQCHA_ERR_INVALID_ARGUMENT;
    char *root = pqcha__strdup(path);
    return root ? apply(s, s->platform, root, s->device) : PQCHA_ERR_NO_MEMORY;
}

pqcha_err pqcha_evidence_source_set_device(pqcha_evidence_source *s, const char *path) {
    if (s == NULL || s->fn != NULL || !valid_path(path)) return PQCHA_ERR_INVALID_ARGUMENT;
    char *device = pqcha__strdup(path);
    return device ? apply(s, s->platform, s->tsm_root, device) : PQCHA_ERR_NO_MEMORY;
}

pqcha_err pqcha_evidence_source_set_privlevel(pqcha_evidence_source *s, unsigned level) {
    if (s == NULL || s->fn != NULL || level > PRIVLEVEL_MAX) return PQCHA_ERR_INVALID_ARGUMENT;
    s->privlevel = level;
    return PQCHA_OK;
}

/* The provider's evidence, if it is what it promised: evidence, of the
 * source's platform. */
static pqcha_err custom_get(const pqcha_evidence_source *s, const uint8_t *report_data,
                            pqcha_raw_evidence **out) {
    pqcha_raw_evidence *e = NULL;
    pqcha_err err = s->fn(s->ctx, report_data, &e);
    if (err == PQCHA_OK &&
        (e == NULL || strcmp(pqcha_raw_evidence_platform(e), platform_name(s->platform)) != 0))
        err = PQCHA_ERR_INVALID_ARGUMENT;
    if (err != PQCHA_OK) {
        pqcha_raw_evidence_free(e);
        return err;
    }
    *out = e;
    return PQCHA_OK;
}

/* configfs-tsm first (both platforms, and the only way to a TDX quote),
 * then the devices; an absent interface passes the turn to the next. */
pqcha_err pqcha_evidence_source_get(pqcha_evidence_source *s,
                                    const uint8_t report_data[PQCHA_TEE_REPORT_DATA_LEN],
                                    pqcha_raw_evidence **out) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (s == NULL || report_data == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    if (s->fn != NULL) return custom_get(s, report_data, out);

    pqcha_err err = pqcha__tsm_get(s->tsm_root, s->platform, s->privlevel, report_data, out);
    if (err != PQCHA_ERR_DEVICE_NOT_PRESENT) return err;
    if (s->platform != PQCHA__TEE_TDX) {
        const char *device = s->device ? s->device : DEFAULT_SNP_DEVICE;
        err = pqcha__snp_device_get(device, s->privlevel, report_data, out);
        if (err != PQCHA_ERR_DEVICE_NOT_PRESENT) return err;
    }
    return s->platform != PQCHA__TEE_SNP ? pqcha__tdx_device_get() : err;
}

static int is_directory(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_char_device(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISCHR(st.st_mode);
}

pqcha_err pqcha_evidence_source_probe(const pqcha_evidence_source *s) {
    if (s == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    if (s->fn != NULL || is_directory(s->tsm_root)) return PQCHA_OK;
    /* /dev/tdx_guest gives no quote (pqcha__tdx_device_get): only SEV-SNP's
     * device counts. */
    if (s->platform != PQCHA__TEE_TDX && is_char_device(s->device ? s->device : DEFAULT_SNP_DEVICE))
        return PQCHA_OK;
    return PQCHA_ERR_DEVICE_NOT_PRESENT;
}

const char *pqcha_evidence_source_describe(const pqcha_evidence_source *s) {
    return s ? s->description : NULL;
}

void pqcha_evidence_source_free(pqcha_evidence_source *s) {
    if (s == NULL) return;
    free(s->tsm_root);
    free(s->device);
    free(s->description);
    free(s);
}
