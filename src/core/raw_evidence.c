/* raw_evidence.c — evidence bytes as a TEE gave them (pqcha/tee.h): the
 * platform, where they came from, the report or quote and the optional
 * SEV-SNP certificate table, copied and never parsed here (parsing is
 * pqcha_evidence_parse's). Pure: the devices that fill it live in src/io. */
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "pqcha/tee.h"

/* A description, not a path to open: long enough for any device path. */
#define INTERFACE_MAX 4096u

struct pqcha_raw_evidence {
    const char *platform; /* one of the static names below */
    char *interface;
    uint8_t *bytes;
    size_t len;
    uint8_t *certs; /* NULL when none */
    size_t certs_len;
};

/* The canonical spelling, so the handle never holds a caller's pointer. */
static const char *known_platform(const char *platform) {
    static const char *const names[] = {"amd-sev-snp", "intel-tdx"};
    for (size_t i = 0; platform != NULL && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(platform, names[i]) == 0) return names[i];
    return NULL;
}

static pqcha_err check_arguments(const char *platform, const char *interface, const uint8_t *bytes,
                                 size_t len, const uint8_t *certs, size_t certs_len) {
    if (known_platform(platform) == NULL || interface == NULL || bytes == NULL || len == 0 ||
        (certs == NULL && certs_len > 0))
        return PQCHA_ERR_INVALID_ARGUMENT;
    size_t interface_len = strlen(interface);
    if (interface_len == 0 || interface_len > INTERFACE_MAX) return PQCHA_ERR_INVALID_ARGUMENT;
    if (len > PQCHA_MAX_EVIDENCE_LEN || certs_len > PQCHA_TEE_MAX_CERTS_LEN)
        return PQCHA_ERR_TOO_LARGE;
    return PQCHA_OK;
}

static uint8_t *copy_bytes(const uint8_t *bytes, size_t len) {
    uint8_t *copy = malloc(len);
    if (copy != NULL) memcpy(copy, bytes, len);
    return copy;
}

pqcha_err pqcha_raw_evidence_create(pqcha_raw_evidence **out, const char *platform,
                                    const char *interface, const uint8_t *bytes, size_t len,
                                    const uint8_t *certs, size_t certs_len) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    PQCHA_TRY(check_arguments(platform, interface, bytes, len, certs, certs_len));

    pqcha_raw_evidence *r = calloc(1, sizeof *r);
    if (r == NULL) return PQCHA_ERR_NO_MEMORY;
    r->platform = known_platform(platform);
    r->interface = pqcha__strdup(interface);
    r->bytes = copy_bytes(bytes, len);
    r->len = len;
    if (certs_len > 0) {
        r->certs = copy_bytes(certs, certs_len);
        r->certs_len = certs_len;
    }
    if (r->interface == NULL || r->bytes == NULL || (certs_len > 0 && r->certs == NULL)) {
        pqcha_raw_evidence_free(r);
        return PQCHA_ERR_NO_MEMORY;
    }
    *out = r;
    return PQCHA_OK;
}

const char *pqcha_raw_evidence_platform(const pqcha_raw_evidence *r) {
    return r ? r->platform : NULL;
}

const char *pqcha_raw_evidence_interface(const pqcha_raw_evidence *r) {
    return r ? r->interface : NULL;
}

const uint8_t *pqcha_raw_evidence_bytes(const pqcha_raw_evidence *r, size_t *len) {
    if (len != NULL) *len = r ? r->len : 0;
    return r ? r->bytes : NULL;
}

const uint8_t *pqcha_raw_evidence_certs(const pqcha_raw_evidence *r, size_t *len) {
    if (len != NULL) *len = r ? r->certs_len : 0;
    return r ? r->certs : NULL;
}

void pqcha_raw_evidence_free(pqcha_raw_evidence *r) {
    if (r == NULL) return;
    free(r->interface);
    free(r->bytes);
    free(r->certs);
    free(r);
}
