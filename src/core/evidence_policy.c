/* evidence_policy.c — the hardware-evidence requirements object
 * (evidence_policy.h, docs/FORMAT.md section 6.1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/encoding.h"
#include "core/evidence_policy.h"
#include "core/internal.h"
#include "core/json.h"

#define MAX_POLICY_TEXT (64u * 1024u)
#define MAX_COMPONENT   255u

static const char *const snp_keys[] = {
    "platform",    "binding",          "measurement", "hostData",
    "idKeyDigest", "minReportVersion", "allowDebug",  "allowMigrationAgent",
    "maxVmpl",     "minTcb",           NULL};
static const char *const tdx_keys[] = {
    "platform", "binding",    "mrTd",    "rtmr0",      "rtmr1",        "rtmr2",
    "rtmr3",    "mrConfigId", "mrOwner", "allowDebug", "minTeeTcbSvn", "acceptedTcbStatuses",
    NULL};
static const char *const tcb_keys[] = {"bootLoader", "tee", "snp", "microcode", "fmc", NULL};

void pqcha__evidence_policy_free(pqcha__evidence_policy *p) {
    free(p);
}

int pqcha__evidence_policy_accepts_binding(const pqcha__evidence_policy *p, pqcha__binding b) {
    return p != NULL && (p->binding_mask & PQCHA__BINDING_BIT(b)) != 0;
}

/* ---- field readers: an absent key leaves *present 0 ---- */

static pqcha_err read_hex(const json_t *obj, const char *key, uint8_t *out, size_t len,
                          int *present) {
    *present = json_object_get(obj, key) != NULL;
    if (!*present) return PQCHA_OK;
    const char *text = NULL;
    PQCHA_TRY(pqcha__json_string(obj, key, 2 * len, &text));
    return pqcha__hex_decode(out, len, text, strlen(text));
}

static pqcha_err read_bool(const json_t *obj, const char *key, int *out) {
    *out = 0;
    if (json_object_get(obj, key) == NULL) return PQCHA_OK;
    return pqcha__json_bool(obj, key, out);
}

static pqcha_err read_uint(const json_t *obj, const char *key, uint64_t max, uint64_t *out,
                           int *present) {
    *present = json_object_get(obj, key) != NULL;
    if (!*present) return PQCHA_OK;
    return pqcha__json_uint(obj, key, max, out);
}

static pqcha_err read_binding(pqcha__evidence_policy *p, const json_t *obj) {
    p->binding_mask =
        PQCHA__BINDING_BIT(PQCHA__BINDING_KEY) | PQCHA__BINDING_BIT(PQCHA__BINDING_REPORT);
    if (json_object_get(obj, "binding") == NULL) return PQCHA_OK;
    const char *name = NULL;
    PQCHA_TRY(pqcha__json_string(obj, "binding", SIZE_MAX, &name));
    if (strcmp(name, "any") == 0) return PQCHA_OK;
    pqcha__binding b;
    if (pqcha__binding_parse(&b, name) != PQCHA_OK) return PQCHA_ERR_BAD_POLICY;
    p->binding_mask = PQCHA__BINDING_BIT(b);
    return PQCHA_OK;
}

/* ---- SEV-SNP ---- */

static pqcha_err read_tcb_component(const json_t *obj, const char *key, uint8_t *out) {
    uint64_t value = 0;
    int present = 0;
    PQCHA_TRY(read_uint(obj, key, MAX_COMPONENT, &value, &present));
    *out = (uint8_t)value;
    return PQCHA_OK;
}

static pqcha_err read_min_tcb(pqcha__snp_policy *snp, const json_t *obj) {
    json_t *tcb = NULL;
    if (json_object_get(obj, "minTcb") == NULL) return PQCHA_OK;
    PQCHA_TRY(pqcha__json_object(obj, "minTcb", &tcb));
    PQCHA_TRY(pqcha__json_check_fields(tcb, NULL, tcb_keys));
    snp->has_min_tcb = 1;
    PQCHA_TRY(read_tcb_component(tcb, "bootLoader", &snp->min_tcb.boot_loader));
    PQCHA_TRY(read_tcb_component(tcb, "tee", &snp->min_tcb.tee));
    PQCHA_TRY(read_tcb_component(tcb, "snp", &snp->min_tcb.snp));
    PQCHA_TRY(read_tcb_component(tcb, "microcode", &snp->min_tcb.microcode));
    return read_tcb_component(tcb, "fmc", &snp->min_tcb.fmc);
}

static pqcha_err parse_snp(pqcha__evidence_policy *p, const json_t *obj) {
    pqcha__snp_policy *snp = &p->snp;
    int present = 0;
    uint64_t value = 0;
    PQCHA_TRY(pqcha__json_check_fields(obj, NULL, snp_keys));
    PQCHA_TRY(read_hex(obj, "measurement", p->measurement, sizeof p->measurement, &present));
    if (present) snp->measurement = p->measurement;
    PQCHA_TRY(read_hex(obj, "hostData", p->host_data, sizeof p->host_data, &present));
    if (present) snp->host_data = p->host_data;
    PQCHA_TRY(read_hex(obj, "idKeyDigest", p->id_key_digest, sizeof p->id_key_digest, &present));
    if (present) snp->id_key_digest = p->id_key_digest;
    PQCHA_TRY(read_uint(obj, "minReportVersion", 5, &value, &present));
    if (present) snp->min_version = (uint32_t)value;
    PQCHA_TRY(read_bool(obj, "allowDebug", &snp->allow_debug));
    PQCHA_TRY(read_bool(obj, "allowMigrationAgent", &snp->allow_migrate_ma));
    PQCHA_TRY(read_uint(obj, "maxVmpl", 3, &value, &snp->has_max_vmpl));
    snp->max_vmpl = (uint32_t)value;
    return read_min_tcb(snp, obj);
}

/* ---- TDX ---- */

static pqcha_err read_measurement(const json_t *obj, const char *key, uint8_t out[48],
                                  const uint8_t **slot) {
    int present = 0;
    PQCHA_TRY(read_hex(obj, key, out, 48, &present));
    if (present) *slot = out;
    return PQCHA_OK;
}

/* Intel's status names (tdx.h), as static strings; NULL for another name. */
static const char *known_status(const char *name) {
    return pqcha__tdx_tcb_status_name(pqcha__tdx_tcb_status_from_name(name));
}

static pqcha_err read_statuses(pqcha__evidence_policy *p, const json_t *obj) {
    json_t *list = NULL;
    if (json_object_get(obj, "acceptedTcbStatuses") == NULL) return PQCHA_OK;
    PQCHA_TRY(
        pqcha__json_array(obj, "acceptedTcbStatuses", PQCHA__EVIDENCE_POLICY_MAX_STATUSES, &list));
    if (json_array_size(list) == 0) return PQCHA_ERR_BAD_POLICY;
    for (size_t i = 0; i < json_array_size(list); i++) {
        const json_t *item = json_array_get(list, i);
        if (!json_is_string(item)) return PQCHA_ERR_WRONG_TYPE;
        const char *name = known_status(json_string_value(item));
        if (name == NULL) return PQCHA_ERR_BAD_POLICY;
        for (size_t j = 0; j < p->tcb_status_count; j++)
            if (p->tcb_statuses[j] == name) return PQCHA_ERR_BAD_POLICY;
        p->tcb_statuses[p->tcb_status_count++] = name;
    }
    return PQCHA_OK;
}

static pqcha_err parse_tdx(pqcha__evidence_policy *p, const json_t *obj) {
    pqcha__tdx_policy *tdx = &p->tdx;
    static const char *const rtmr_keys[4] = {"rtmr0", "rtmr1", "rtmr2", "rtmr3"};
    int present = 0;
    PQCHA_TRY(pqcha__json_check_fields(obj, NULL, tdx_keys));
    PQCHA_TRY(read_measurement(obj, "mrTd", p->mr_td, &tdx->mr_td));
    for (size_t i = 0; i < 4; i++)
        PQCHA_TRY(read_measurement(obj, rtmr_keys[i], p->rtmr[i], &tdx->rtmr[i]));
    PQCHA_TRY(read_measurement(obj, "mrConfigId", p->mr_config_id, &tdx->mr_config_id));
    PQCHA_TRY(read_measurement(obj, "mrOwner", p->mr_owner, &tdx->mr_owner));
    PQCHA_TRY(read_bool(obj, "allowDebug", &tdx->allow_debug));
    PQCHA_TRY(
        read_hex(obj, "minTeeTcbSvn", p->min_tee_tcb_svn, sizeof p->min_tee_tcb_svn, &present));
    if (present) tdx->min_tee_tcb_svn = p->min_tee_tcb_svn;
    PQCHA_TRY(read_statuses(p, obj));
    tdx->accepted_tcb_statuses = p->tcb_status_count > 0 ? p->tcb_statuses : NULL;
    tdx->accepted_tcb_status_count = p->tcb_status_count;
    return PQCHA_OK;
}

static pqcha_err parse_object(pqcha__evidence_policy *p, const json_t *obj) {
    const char *platform = NULL;
    if (!json_is_object(obj)) return PQCHA_ERR_WRONG_TYPE;
    PQCHA_TRY(pqcha__json_string(obj, "platform", SIZE_MAX, &platform));
    PQCHA_TRY(read_binding(p, obj));
    if (strcmp(platform, "amd-sev-snp") == 0) {
        snprintf(p->platform, sizeof p->platform, "%s", platform);
        return parse_snp(p, obj);
    }
    if (strcmp(platform, "intel-tdx") == 0) {
        snprintf(p->platform, sizeof p->platform, "%s", platform);
        return parse_tdx(p, obj);
    }
    return PQCHA_ERR_BAD_POLICY;
}

pqcha_err pqcha__evidence_policy_from_json(pqcha__evidence_policy **out, const json_t *obj) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (obj == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha__evidence_policy *p = calloc(1, sizeof *p);
    if (p == NULL) return PQCHA_ERR_NO_MEMORY;
    pqcha_err err = parse_object(p, obj);
    if (err != PQCHA_OK) {
        pqcha__evidence_policy_free(p);
        return err;
    }
    *out = p;
    return PQCHA_OK;
}

static const pqcha__json_limits evidence_policy_limits = {MAX_POLICY_TEXT, 4, 0, 16};

pqcha_err pqcha__evidence_policy_parse(pqcha__evidence_policy **out, const char *text, size_t len) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (text == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    if (len > MAX_POLICY_TEXT) return PQCHA_ERR_TOO_LARGE;
    json_t *root = NULL;
    PQCHA_TRY(pqcha__json_parse_object(&root, text, len, &evidence_policy_limits));
    pqcha_err err = pqcha__evidence_policy_from_json(out, root);
    json_decref(root);
    return err;
}
