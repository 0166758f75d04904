/* tdx_collateral.c — Intel's collateral for a TDX quote, appraised offline
 * (issue 10): the TCB info and the QE identity parsed strictly and their
 * signatures checked over the exact JSON text Intel signed, their signing
 * chains and the PCK CRL's to the pinned root, the CRLs, and the TCB status
 * chosen and merged as Intel's Quote Verification Library does for TDX
 * (the platform's TCB level by FMSPC, the TDX module's, the quoting
 * enclave's). A pure core unit: bytes in, checks out; the time is given.
 *
 * The statuses follow Intel's PCS documentation of TCB info v3 and QE
 * identity v2; where the documentation leaves a choice, this file does
 * what Intel's QVL does, and says so. */
#include <stdio.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/encoding.h"
#include "core/internal.h"
#include "core/json.h"
#include "core/json_pull.h"
#include "core/snp.h"
#include "core/tdx.h"

/* Nesting of a TCB info: document, tcbInfo, tcbLevels, a level, tcb, its
 * component list, a component. */
#define JSON_DEPTH 8
/* jansson's tree of Intel's TCB info costs about 18 times its text (many
 * one-member objects such as {"svn":0}); one of nothing but such
 * components about 35 times. A document whose tree would cost more is
 * refused before the tree is built. */
#define JSON_TREE_FACTOR 48
#define MAX_TEXT         64 /* a component's category or type, an id */
#define MAX_HEX_BYTES    64 /* the longest hex field: the signature */

#define SGX_EXT_OID   "1.2.840.113741.1.13.1"
#define SGX_PPID      1
#define SGX_TCB       2
#define SGX_PCE_ID    3
#define SGX_FMSPC     4
#define SGX_TYPE      5
#define SGX_KNOWN     5
#define TCB_PCE_SVN   17
#define TCB_CPU_SVN   18
#define MAX_OID_TEXT  64
#define MAX_EXT_ITEMS 16
#define MAX_TCB_ITEMS 18

/* ---- statuses ---- */

static const char *const status_names[] = {
    [PQCHA__TDX_TCB_UP_TO_DATE] = "UpToDate",
    [PQCHA__TDX_TCB_SW_HARDENING_NEEDED] = "SWHardeningNeeded",
    [PQCHA__TDX_TCB_CONFIGURATION_NEEDED] = "ConfigurationNeeded",
    [PQCHA__TDX_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED] = "ConfigurationAndSWHardeningNeeded",
    [PQCHA__TDX_TCB_OUT_OF_DATE] = "OutOfDate",
    [PQCHA__TDX_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED] = "OutOfDateConfigurationNeeded",
    [PQCHA__TDX_TCB_REVOKED] = "Revoked",
    [PQCHA__TDX_TCB_TD_RELAUNCH_ADVISED] = "TDRelaunchAdvised",
    [PQCHA__TDX_TCB_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED] =
        "TDRelaunchAdvisedConfigurationNeeded",
};
#define STATUS_COUNT (sizeof status_names / sizeof status_names[0])

const char *pqcha__tdx_tcb_status_name(pqcha__tdx_tcb_status s) {
    return (size_t)s < STATUS_COUNT ? status_names[s] : NULL;
}

pqcha__tdx_tcb_status pqcha__tdx_tcb_status_from_name(const char *name) {
    for (size_t i = 1; name != NULL && i < STATUS_COUNT; i++)
        if (strcmp(name, status_names[i]) == 0) return (pqcha__tdx_tcb_status)i;
    return PQCHA__TDX_TCB_UNKNOWN;
}

/* What a TCB info level may state; a TDX module's or the QE's levels say
 * only UpToDate, OutOfDate or Revoked (Intel's valid module statuses). */
static int platform_status(pqcha__tdx_tcb_status s) {
    return s >= PQCHA__TDX_TCB_UP_TO_DATE && s <= PQCHA__TDX_TCB_REVOKED;
}

static int svn_level_status(pqcha__tdx_tcb_status s) {
    return s == PQCHA__TDX_TCB_UP_TO_DATE || s == PQCHA__TDX_TCB_OUT_OF_DATE ||
           s == PQCHA__TDX_TCB_REVOKED;
}

/* ---- strict JSON fields ---- */

/* The parse of one document: its tree, the defect found, and the pool
 * the advisory IDs are copied to. */
typedef struct parse {
    json_t *root;
    const char *why;
    char *pool;
    size_t pool_len, pool_cap;
} parse;

static pqcha_err bad(parse *p, const char *why) {
    if (p->why == NULL || p->why[0] == '\0') p->why = why;
    return PQCHA_ERR_BAD_CERTIFICATE;
}

/* A field error of the strict JSON layer as the one malformed-collateral
 * code, keeping what went wrong as the defect. */
static pqcha_err field(parse *p, pqcha_err err, const char *why) {
    if (err == PQCHA_OK || err == PQCHA_ERR_NO_MEMORY) return err;
    return bad(p, why);
}

static pqcha_err fields(parse *p, const json_t *obj, const char *const *required,
                        const char *const *optional, const char *why) {
    return field(p, pqcha__json_check_fields(obj, required, optional), why);
}

static pqcha_err object_at(parse *p, const json_t *obj, const char *key, json_t **out) {
    return field(p, pqcha__json_object(obj, key, out), "a member that must be an object is not");
}

static pqcha_err array_at(parse *p, const json_t *obj, const char *key, size_t min, size_t max,
                          json_t **out, const char *why) {
    PQCHA_TRY(field(p, pqcha__json_array(obj, key, max, out), why));
    return json_array_size(*out) < min ? bad(p, why) : PQCHA_OK;
}

static pqcha_err uint_at(parse *p, const json_t *obj, const char *key, uint64_t max,
                         uint64_t *out) {
    return field(p, pqcha__json_uint(obj, key, max, out),
                 "a number out of range or not an integer");
}

static pqcha_err string_at(parse *p, const json_t *obj, const char *key, size_t max,
                           const char **out) {
    return field(p, pqcha__json_string(obj, key, max, out), "a string too long or not a string");
}

/* Hex of exactly n bytes in either case: Intel spells it in upper case,
 * others (go-tdx-guest's FMSPC) in lower case; pqcha's own decoder takes
 * the lower-case spelling. */
static pqcha_err hex_at(parse *p, const json_t *obj, const char *key, uint8_t *out, size_t n) {
    const char *text = NULL;
    char lower[2 * MAX_HEX_BYTES + 1];
    PQCHA_TRY(string_at(p, obj, key, 2 * MAX_HEX_BYTES, &text));
    size_t len = strlen(text);
    if (n > MAX_HEX_BYTES || len != 2 * n) return bad(p, "a hex field of the wrong length");
    for (size_t i = 0; i < len; i++)
        lower[i] = text[i] >= 'A' && text[i] <= 'F' ? (char)(text[i] - 'A' + 'a') : text[i];
    lower[len] = '\0';
    if (pqcha__hex_decode(out, n, lower, len) != PQCHA_OK) return bad(p, "a hex field is not hex");
    return PQCHA_OK;
}

static pqcha_err time_at(parse *p, const json_t *obj, const char *key, int64_t *out) {
    const char *text = NULL;
    PQCHA_TRY(string_at(p, obj, key, MAX_TEXT, &text));
    if (pqcha_time_parse(out, text) != PQCHA_OK) return bad(p, "a date is not RFC 3339 UTC");
    return PQCHA_OK;
}

static pqcha_err status_at(parse *p, const json_t *obj, int (*allowed)(pqcha__tdx_tcb_status),
                           pqcha__tdx_tcb_status *out) {
    const char *text = NULL;
    PQCHA_TRY(string_at(p, obj, "tcbStatus", MAX_TEXT, &text));
    *out = pqcha__tdx_tcb_status_from_name(text);
    if (!allowed(*out)) return bad(p, "a tcbStatus that is not a status of its kind");
    return PQCHA_OK;
}

/* The ID is printed: visible ASCII only. */
static int advisory_id_ok(const char *id, size_t len) {
    if (len == 0 || len > PQCHA__TDX_ADVISORY_ID_MAX) return 0;
    for (size_t i = 0; i < len; i++)
        if (id[i] <= ' ' || id[i] > '~') return 0;
    return 1;
}

/* advisoryIDs (optional) into the pool. The pool holds at most the
 * document's length: each ID and its NUL fit in its quoted text. */
static pqcha_err advisories_at(parse *p, const json_t *level, pqcha__tdx_advisory_ref *ref) {
    ref->off = p->pool_len;
    ref->count = 0;
    if (json_object_get(level, "advisoryIDs") == NULL) return PQCHA_OK;
    json_t *ids = NULL;
    PQCHA_TRY(array_at(p, level, "advisoryIDs", 0, PQCHA__TDX_MAX_ADVISORIES, &ids,
                       "advisoryIDs is not a list of at most 64 IDs"));
    for (size_t i = 0; i < json_array_size(ids); i++) {
        const json_t *id = json_array_get(ids, i);
        size_t len = json_is_string(id) ? json_string_length(id) : 0;
        if (!advisory_id_ok(json_string_value(id), len) || strlen(json_string_value(id)) != len)
            return bad(p, "an advisory ID that is not 1-32 visible ASCII characters");
        if (len + 1 > p->pool_cap - p->pool_len) return bad(p, "advisory IDs past the pool");
        memcpy(p->pool + p->pool_len, json_string_value(id), len + 1);
        p->pool_len += len + 1;
        ref->count++;
    }
    return PQCHA_OK;
}

/* ---- the signed object's text ---- */

/* The exact text of the member key (an object) of the top-level object.
 * The document has already been parsed strictly (no key twice), so the
 * first member of that name is the one the tree holds. */
static pqcha_err member_span(parse *p, const uint8_t *text, size_t len, const char *key,
                             size_t *off, size_t *span_len) {
    pqcha__json_pull pull;
    pqcha__json_token t;
    pqcha__json_pull_init(&pull, text, len, JSON_DEPTH);
    if (pqcha__json_pull_next(&pull, &t) != PQCHA_OK || t != PQCHA__JSON_OBJECT)
        return bad(p, "not a JSON object");
    for (;;) {
        if (pqcha__json_pull_next(&pull, &t) != PQCHA_OK || t != PQCHA__JSON_KEY)
            return bad(p, "the signed object is missing");
        int match = pqcha__json_pull_equals(&pull, key);
        if (pqcha__json_pull_next(&pull, &t) != PQCHA_OK) return bad(p, "not JSON");
        size_t start = pull.r.pos - 1; /* the '{' just consumed, for an object */
        if (match && t != PQCHA__JSON_OBJECT) return bad(p, "the signed member is not an object");
        if (pqcha__json_pull_skip(&pull, t) != PQCHA_OK) return bad(p, "not JSON");
        if (match) {
            *off = start;
            *span_len = pull.r.pos - start;
            return PQCHA_OK;
        }
    }
}

/* Parses the document, finds the signed member's span, reads the
 * signature: what a TCB info and a QE identity share. */
static pqcha_err parse_envelope(parse *p, const uint8_t *bytes, size_t len, const char *body_key,
                                json_t **body, size_t *off, size_t *span_len,
                                uint8_t signature[PQCHA__TDX_SIGNATURE_LEN]) {
    static const pqcha__json_limits limits = {PQCHA__TDX_COLLATERAL_JSON_MAX, JSON_DEPTH, 0,
                                              JSON_TREE_FACTOR};
    const char *const top[] = {body_key, "signature", NULL};
    if (len > PQCHA__TDX_COLLATERAL_JSON_MAX) return bad(p, "larger than 128 KiB");
    pqcha_err err =
        pqcha__json_parse_object(&p->root, len ? (const char *)bytes : "", len, &limits);
    if (err == PQCHA_ERR_JSON_DUPLICATE_KEY) return bad(p, "a key appears twice in an object");
    PQCHA_TRY(field(p, err, "not one strict JSON object (syntax, nesting or size)"));
    PQCHA_TRY(fields(p, p->root, top, NULL, "not exactly the signed object and its signature"));
    PQCHA_TRY(object_at(p, p->root, body_key, body));
    PQCHA_TRY(hex_at(p, p->root, "signature", signature, PQCHA__TDX_SIGNATURE_LEN));
    PQCHA_TRY(member_span(p, bytes, len, body_key, off, span_len));
    p->pool_cap = len + 1;
    p->pool = malloc(p->pool_cap);
    return p->pool ? PQCHA_OK : PQCHA_ERR_NO_MEMORY;
}

/* ---- TCB info ---- */

static pqcha_err components_at(parse *p, const json_t *tcb, const char *key,
                               uint8_t svn[PQCHA__TDX_TCB_COMPONENTS]) {
    static const char *const required[] = {"svn", NULL};
    static const char *const optional[] = {"category", "type", NULL};
    json_t *list = NULL;
    PQCHA_TRY(array_at(p, tcb, key, PQCHA__TDX_TCB_COMPONENTS, PQCHA__TDX_TCB_COMPONENTS, &list,
                       "a TCB component list is not of 16 components"));
    for (size_t i = 0; i < PQCHA__TDX_TCB_COMPONENTS; i++) {
        const json_t *c = json_array_get(list, i);
        const char *text = NULL;
        uint64_t v = 0;
        PQCHA_TRY(fields(p, c, required, optional, "a TCB component is not {svn, category, type}"));
        PQCHA_TRY(uint_at(p, c, "svn", UINT8_MAX, &v));
        if (json_object_get(c, "category")) PQCHA_TRY(string_at(p, c, "category", MAX_TEXT, &text));
        if (json_object_get(c, "type")) PQCHA_TRY(string_at(p, c, "type", MAX_TEXT, &text));
        svn[i] = (uint8_t)v;
    }
    return PQCHA_OK;
}

static pqcha_err tcb_level_at(parse *p, const json_t *level, pqcha__tdx_tcb_level *out) {
    static const char *const required[] = {"tcb", "tcbDate", "tcbStatus", NULL};
    static const char *const optional[] = {"advisoryIDs", NULL};
    static const char *const tcb_fields[] = {"sgxtcbcomponents", "pcesvn", "tdxtcbcomponents",
                                             NULL};
    json_t *tcb = NULL;
    uint64_t pce_svn = 0;
    PQCHA_TRY(fields(p, level, required, optional, "a TCB level is not {tcb, tcbDate, tcbStatus}"));
    PQCHA_TRY(object_at(p, level, "tcb", &tcb));
    PQCHA_TRY(fields(p, tcb, tcb_fields, NULL, "a level's tcb is not its three TCB parts"));
    PQCHA_TRY(components_at(p, tcb, "sgxtcbcomponents", out->sgx_svn));
    PQCHA_TRY(components_at(p, tcb, "tdxtcbcomponents", out->tdx_svn));
    PQCHA_TRY(uint_at(p, tcb, "pcesvn", UINT16_MAX, &pce_svn));
    out->pce_svn = (uint16_t)pce_svn;
    PQCHA_TRY(time_at(p, level, "tcbDate", &out->tcb_date));
    PQCHA_TRY(status_at(p, level, platform_status, &out->status));
    return advisories_at(p, level, &out->advisories);
}

static pqcha_err svn_levels_at(parse *p, const json_t *obj, size_t max, pqcha__tdx_svn_level *out,
                               size_t *count) {
    static const char *const required[] = {"tcb", "tcbDate", "tcbStatus", NULL};
    static const char *const optional[] = {"advisoryIDs", NULL};
    static const char *const tcb_fields[] = {"isvsvn", NULL};
    json_t *levels = NULL;
    PQCHA_TRY(array_at(p, obj, "tcbLevels", 1, max, &levels,
                       "tcbLevels is not a list of 1 to 32 levels"));
    for (size_t i = 0; i < json_array_size(levels); i++) {
        const json_t *level = json_array_get(levels, i);
        json_t *tcb = NULL;
        uint64_t svn = 0;
        PQCHA_TRY(fields(p, level, required, optional, "a level is not {tcb, tcbDate, tcbStatus}"));
        PQCHA_TRY(object_at(p, level, "tcb", &tcb));
        PQCHA_TRY(fields(p, tcb, tcb_fields, NULL, "a level's tcb is not {isvsvn}"));
        PQCHA_TRY(uint_at(p, tcb, "isvsvn", UINT16_MAX, &svn));
        out[i].isv_svn = (uint16_t)svn;
        PQCHA_TRY(time_at(p, level, "tcbDate", &out[i].tcb_date));
        PQCHA_TRY(status_at(p, level, svn_level_status, &out[i].status));
        PQCHA_TRY(advisories_at(p, level, &out[i].advisories));
    }
    *count = json_array_size(levels);
    return PQCHA_OK;
}

static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* "TDX_" and the module's major version in two hex digits, as Intel's QVL
 * names them ("TDX_01", "TDX_03"). */
static pqcha_err module_id_at(parse *p, const json_t *identity, uint8_t *version) {
    const char *id = NULL;
    PQCHA_TRY(string_at(p, identity, "id", MAX_TEXT, &id));
    int hi = strlen(id) == 6 ? hex_digit(id[4]) : -1, lo = hi >= 0 ? hex_digit(id[5]) : -1;
    if (strncmp(id, "TDX_", 4) != 0 || hi < 0 || lo < 0)
        return bad(p, "a TDX module identity's id is not TDX_ and two hex digits");
    *version = (uint8_t)(hi * 16 + lo);
    return PQCHA_OK;
}

static pqcha_err module_identities_at(parse *p, const json_t *info, pqcha__tdx_tcb_info *out) {
    static const char *const required[] = {"id",        "mrsigner", "attributes", "attributesMask",
                                           "tcbLevels", NULL};
    json_t *list = NULL;
    if (json_object_get(info, "tdxModuleIdentities") == NULL) return PQCHA_OK;
    PQCHA_TRY(array_at(p, info, "tdxModuleIdentities", 0, PQCHA__TDX_MAX_MODULE_IDENTITIES, &list,
                       "tdxModuleIdentities is not a list of at most 16"));
    out->has_module_identities = 1;
    out->module_identity_count = json_array_size(list);
    for (size_t i = 0; i < out->module_identity_count; i++) {
        const json_t *m = json_array_get(list, i);
        pqcha__tdx_module_identity *mi = &out->module_identities[i];
        PQCHA_TRY(fields(p, m, required, NULL, "a TDX module identity has other fields"));
        PQCHA_TRY(module_id_at(p, m, &mi->version));
        for (size_t j = 0; j < i; j++)
            if (out->module_identities[j].version == mi->version)
                return bad(p, "two TDX module identities for one version");
        PQCHA_TRY(hex_at(p, m, "mrsigner", mi->mr_signer, sizeof mi->mr_signer));
        PQCHA_TRY(hex_at(p, m, "attributes", mi->attributes, sizeof mi->attributes));
        PQCHA_TRY(hex_at(p, m, "attributesMask", mi->attributes_mask, sizeof mi->attributes_mask));
        PQCHA_TRY(svn_levels_at(p, m, PQCHA__TDX_MAX_MODULE_LEVELS, mi->levels, &mi->level_count));
        for (size_t j = 0; j < mi->level_count; j++)
            if (mi->levels[j].isv_svn > UINT8_MAX)
                return bad(p, "a TDX module level's isvsvn is over 255");
    }
    return PQCHA_OK;
}

static pqcha_err tcb_info_body(parse *p, const json_t *info, pqcha__tdx_tcb_info *out) {
    static const char *const required[] = {
        "id",        "version",   "issueDate", "nextUpdate",
        "fmspc",     "pceId",     "tcbType",   "tcbEvaluationDataNumber",
        "tdxModule", "tcbLevels", NULL};
    static const char *const optional[] = {"tdxModuleIdentities", NULL};
    static const char *const module_fields[] = {"mrsigner", "attributes", "attributesMask", NULL};
    const char *id = NULL;
    uint64_t version = 0, type = 0, number = 0;
    json_t *module = NULL, *levels = NULL;
    PQCHA_TRY(string_at(p, info, "id", MAX_TEXT, &id));
    PQCHA_TRY(uint_at(p, info, "version", UINT32_MAX, &version));
    if (strcmp(id, "TDX") != 0 || version != 3)
        return bad(p, "not a TDX TCB info of version 3 (id \"TDX\")");
    PQCHA_TRY(fields(p, info, required, optional, "tcbInfo does not have the fields of version 3"));
    PQCHA_TRY(time_at(p, info, "issueDate", &out->issue_date));
    PQCHA_TRY(time_at(p, info, "nextUpdate", &out->next_update));
    PQCHA_TRY(hex_at(p, info, "fmspc", out->fmspc, sizeof out->fmspc));
    PQCHA_TRY(hex_at(p, info, "pceId", out->pce_id, sizeof out->pce_id));
    PQCHA_TRY(uint_at(p, info, "tcbType", UINT32_MAX, &type));
    if (type != 0) return bad(p, "a tcbType other than 0");
    PQCHA_TRY(uint_at(p, info, "tcbEvaluationDataNumber", UINT32_MAX, &number));
    out->evaluation_number = (uint32_t)number;
    PQCHA_TRY(object_at(p, info, "tdxModule", &module));
    PQCHA_TRY(fields(p, module, module_fields, NULL, "tdxModule has other fields"));
    PQCHA_TRY(hex_at(p, module, "mrsigner", out->module_mr_signer, sizeof out->module_mr_signer));
    PQCHA_TRY(
        hex_at(p, module, "attributes", out->module_attributes, sizeof out->module_attributes));
    PQCHA_TRY(hex_at(p, module, "attributesMask", out->module_attributes_mask,
                     sizeof out->module_attributes_mask));
    PQCHA_TRY(module_identities_at(p, info, out));
    PQCHA_TRY(array_at(p, info, "tcbLevels", 1, PQCHA__TDX_MAX_TCB_LEVELS, &levels,
                       "tcbLevels is not a list of 1 to 128 levels"));
    out->level_count = json_array_size(levels);
    for (size_t i = 0; i < out->level_count; i++)
        PQCHA_TRY(tcb_level_at(p, json_array_get(levels, i), &out->levels[i]));
    return PQCHA_OK;
}

/* Ends a parse: the tree goes, the pool stays with out on success. */
static pqcha_err parse_end(parse *p, pqcha_err err, const char **why, char **pool,
                           size_t *pool_len) {
    json_decref(p->root);
    if (err == PQCHA_OK) {
        *pool = p->pool;
        *pool_len = p->pool_len;
    } else {
        free(p->pool);
    }
    if (why != NULL) *why = err == PQCHA_OK ? "" : p->why ? p->why : "out of memory";
    return err;
}

pqcha_err pqcha__tdx_tcb_info_parse(pqcha__tdx_tcb_info *out, const char **why,
                                    const uint8_t *bytes, size_t len) {
    if (why != NULL) *why = "";
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    memset(out, 0, sizeof *out);
    if (bytes == NULL && len > 0) return PQCHA_ERR_INVALID_ARGUMENT;
    parse p = {NULL, NULL, NULL, 0, 0};
    json_t *body = NULL;
    pqcha_err err = parse_envelope(&p, bytes, len, "tcbInfo", &body, &out->body_off, &out->body_len,
                                   out->signature);
    if (err == PQCHA_OK) err = tcb_info_body(&p, body, out);
    err = parse_end(&p, err, why, &out->advisory_pool, &out->advisory_pool_len);
    if (err != PQCHA_OK) memset(out, 0, sizeof *out);
    return err;
}

void pqcha__tdx_tcb_info_free(pqcha__tdx_tcb_info *t) {
    if (t == NULL) return;
    free(t->advisory_pool);
    memset(t, 0, sizeof *t);
}

/* ---- QE identity ---- */

static pqcha_err qe_identity_body(parse *p, const json_t *id_obj, pqcha__tdx_qe_identity *out) {
    static const char *const required[] = {
        "id",         "version",        "issueDate",  "nextUpdate",     "tcbEvaluationDataNumber",
        "miscselect", "miscselectMask", "attributes", "attributesMask", "mrsigner",
        "isvprodid",  "tcbLevels",      NULL};
    const char *id = NULL;
    uint64_t version = 0, number = 0, prod = 0;
    PQCHA_TRY(string_at(p, id_obj, "id", MAX_TEXT, &id));
    PQCHA_TRY(uint_at(p, id_obj, "version", UINT32_MAX, &version));
    if (strcmp(id, "TD_QE") != 0 || version != 2)
        return bad(p, "not a QE identity of the TD quoting enclave, version 2 (id \"TD_QE\")");
    PQCHA_TRY(fields(p, id_obj, required, NULL, "enclaveIdentity does not have the fields of v2"));
    PQCHA_TRY(time_at(p, id_obj, "issueDate", &out->issue_date));
    PQCHA_TRY(time_at(p, id_obj, "nextUpdate", &out->next_update));
    PQCHA_TRY(uint_at(p, id_obj, "tcbEvaluationDataNumber", UINT32_MAX, &number));
    out->evaluation_number = (uint32_t)number;
    PQCHA_TRY(hex_at(p, id_obj, "miscselect", out->miscselect, sizeof out->miscselect));
    PQCHA_TRY(
        hex_at(p, id_obj, "miscselectMask", out->miscselect_mask, sizeof out->miscselect_mask));
    PQCHA_TRY(hex_at(p, id_obj, "attributes", out->attributes, sizeof out->attributes));
    PQCHA_TRY(
        hex_at(p, id_obj, "attributesMask", out->attributes_mask, sizeof out->attributes_mask));
    PQCHA_TRY(hex_at(p, id_obj, "mrsigner", out->mr_signer, sizeof out->mr_signer));
    PQCHA_TRY(uint_at(p, id_obj, "isvprodid", UINT16_MAX, &prod));
    out->isv_prod_id = (uint16_t)prod;
    return svn_levels_at(p, id_obj, PQCHA__TDX_MAX_QE_LEVELS, out->levels, &out->level_count);
}

pqcha_err pqcha__tdx_qe_identity_parse(pqcha__tdx_qe_identity *out, const char **why,
                                       const uint8_t *bytes, size_t len) {
    if (why != NULL) *why = "";
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    memset(out, 0, sizeof *out);
    if (bytes == NULL && len > 0) return PQCHA_ERR_INVALID_ARGUMENT;
    parse p = {NULL, NULL, NULL, 0, 0};
    json_t *body = NULL;
    pqcha_err err = parse_envelope(&p, bytes, len, "enclaveIdentity", &body, &out->body_off,
                                   &out->body_len, out->signature);
    if (err == PQCHA_OK) err = qe_identity_body(&p, body, out);
    err = parse_end(&p, err, why, &out->advisory_pool, &out->advisory_pool_len);
    if (err != PQCHA_OK) memset(out, 0, sizeof *out);
    return err;
}

void pqcha__tdx_qe_identity_free(pqcha__tdx_qe_identity *q) {
    if (q == NULL) return;
    free(q->advisory_pool);
    memset(q, 0, sizeof *q);
}

/* ---- the PCK certificate's SGX extensions ---- */

/* A DER SEQUENCE of anything, consumed exactly. */
static STACK_OF(ASN1_TYPE) * sequence_of(const uint8_t *der, size_t len) {
    if (len == 0 || len > INT32_MAX) return NULL;
    const unsigned char *p = der;
    STACK_OF(ASN1_TYPE) *items = d2i_ASN1_SEQUENCE_ANY(NULL, &p, (long)len);
    if (items != NULL && p != der + len) {
        sk_ASN1_TYPE_pop_free(items, ASN1_TYPE_free);
        items = NULL;
    }
    ERR_clear_error();
    return items;
}

/* An (OID, value) pair under prefix: the OID's last arc (1..max) and the
 * value; 0 (and no value) for an OID outside prefix. -1 if malformed. */
static int pair_at(STACK_OF(ASN1_TYPE) * *pair, const ASN1_TYPE *item, const char *prefix, int max,
                   const ASN1_TYPE **value) {
    *pair = NULL;
    *value = NULL;
    if (item->type != V_ASN1_SEQUENCE) return -1;
    const ASN1_STRING *s = item->value.sequence;
    *pair = sequence_of(ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
    if (*pair == NULL || sk_ASN1_TYPE_num(*pair) != 2) return -1;
    const ASN1_TYPE *oid = sk_ASN1_TYPE_value(*pair, 0);
    char text[MAX_OID_TEXT];
    if (oid->type != V_ASN1_OBJECT) return -1;
    int n = OBJ_obj2txt(text, sizeof text, oid->value.object, 1);
    size_t plen = strlen(prefix);
    if (n <= 0 || (size_t)n >= sizeof text) return -1;
    if (strncmp(text, prefix, plen) != 0 || text[plen] != '.') return 0;
    const char *arc = text + plen + 1;
    int v = 0;
    for (; *arc >= '0' && *arc <= '9' && v <= max; arc++)
        v = v * 10 + (*arc - '0');
    if (*arc != '\0' || v < 1 || v > max) return 0;
    *value = sk_ASN1_TYPE_value(*pair, 1);
    return v;
}

static int octets(const ASN1_TYPE *v, uint8_t *out, size_t n) {
    if (v->type != V_ASN1_OCTET_STRING || (size_t)ASN1_STRING_length(v->value.octet_string) != n)
        return 0;
    memcpy(out, ASN1_STRING_get0_data(v->value.octet_string), n);
    return 1;
}

static int small_integer(const ASN1_TYPE *v, int64_t max, int64_t *out) {
    int ok = v->type == V_ASN1_INTEGER && ASN1_INTEGER_get_int64(out, v->value.integer) == 1 &&
             *out >= 0 && *out <= max;
    ERR_clear_error();
    return ok;
}

static pqcha_err tcb_item(pqcha__tdx_pck_info *out, int arc, const ASN1_TYPE *v) {
    int64_t n = 0;
    if (arc == TCB_CPU_SVN)
        return octets(v, out->cpu_svn, sizeof out->cpu_svn) ? PQCHA_OK : PQCHA_ERR_BAD_CERTIFICATE;
    if (!small_integer(v, arc == TCB_PCE_SVN ? UINT16_MAX : UINT8_MAX, &n))
        return PQCHA_ERR_BAD_CERTIFICATE;
    if (arc == TCB_PCE_SVN)
        out->pce_svn = (uint16_t)n;
    else
        out->cpu_svn_components[arc - 1] = (uint8_t)n;
    return PQCHA_OK;
}

static pqcha_err parse_tcb(pqcha__tdx_pck_info *out, const ASN1_TYPE *v, const char **why) {
    *why = "the PCK certificate's SGX TCB is not its 18 (OID, value) pairs";
    if (v->type != V_ASN1_SEQUENCE) return PQCHA_ERR_BAD_CERTIFICATE;
    const ASN1_STRING *s = v->value.sequence;
    STACK_OF(ASN1_TYPE) *items =
        sequence_of(ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
    int seen[MAX_TCB_ITEMS + 1] = {0};
    pqcha_err err =
        items && sk_ASN1_TYPE_num(items) == MAX_TCB_ITEMS ? PQCHA_OK : PQCHA_ERR_BAD_CERTIFICATE;
    for (int i = 0; err == PQCHA_OK && i < MAX_TCB_ITEMS; i++) {
        STACK_OF(ASN1_TYPE) *pair = NULL;
        const ASN1_TYPE *value = NULL;
        int arc =
            pair_at(&pair, sk_ASN1_TYPE_value(items, i), SGX_EXT_OID ".2", MAX_TCB_ITEMS, &value);
        if (arc <= 0 || seen[arc]++ || tcb_item(out, arc, value) != PQCHA_OK)
            err = PQCHA_ERR_BAD_CERTIFICATE;
        sk_ASN1_TYPE_pop_free(pair, ASN1_TYPE_free);
    }
    sk_ASN1_TYPE_pop_free(items, ASN1_TYPE_free);
    return err;
}

static pqcha_err ext_item(pqcha__tdx_pck_info *out, int arc, const ASN1_TYPE *v, const char **why) {
    uint8_t ppid[16];
    switch (arc) {
    case SGX_PPID:
        *why = "the PCK certificate's PPID is not 16 octets";
        return octets(v, ppid, sizeof ppid) ? PQCHA_OK : PQCHA_ERR_BAD_CERTIFICATE;
    case SGX_TCB: return parse_tcb(out, v, why);
    case SGX_PCE_ID:
        *why = "the PCK certificate's PCE-ID is not 2 octets";
        return octets(v, out->pce_id, sizeof out->pce_id) ? PQCHA_OK : PQCHA_ERR_BAD_CERTIFICATE;
    case SGX_FMSPC:
        *why = "the PCK certificate's FMSPC is not 6 octets";
        return octets(v, out->fmspc, sizeof out->fmspc) ? PQCHA_OK : PQCHA_ERR_BAD_CERTIFICATE;
    default:
        *why = "the PCK certificate's SGX type is not an ENUMERATED";
        return v->type == V_ASN1_ENUMERATED ? PQCHA_OK : PQCHA_ERR_BAD_CERTIFICATE;
    }
}

static pqcha_err parse_extension(pqcha__tdx_pck_info *out, const uint8_t *der, size_t len,
                                 const char **why) {
    STACK_OF(ASN1_TYPE) *items = sequence_of(der, len);
    int n = items ? sk_ASN1_TYPE_num(items) : 0;
    int seen[SGX_KNOWN + 1] = {0};
    pqcha_err err = PQCHA_OK;
    *why = "the PCK certificate's SGX extensions are not a SEQUENCE of (OID, value) pairs";
    if (items == NULL || n > MAX_EXT_ITEMS) err = PQCHA_ERR_BAD_CERTIFICATE;
    for (int i = 0; err == PQCHA_OK && i < n; i++) {
        STACK_OF(ASN1_TYPE) *pair = NULL;
        const ASN1_TYPE *value = NULL;
        int arc = pair_at(&pair, sk_ASN1_TYPE_value(items, i), SGX_EXT_OID, SGX_KNOWN, &value);
        if (arc < 0 || (arc > 0 && seen[arc]++)) {
            *why = "the PCK certificate's SGX extensions hold a malformed or repeated pair";
            err = PQCHA_ERR_BAD_CERTIFICATE;
        } else if (arc > 0) {
            err = ext_item(out, arc, value, why);
        }
        sk_ASN1_TYPE_pop_free(pair, ASN1_TYPE_free);
    }
    for (int arc = 1; err == PQCHA_OK && arc <= SGX_KNOWN; arc++)
        if (!seen[arc]) {
            *why = "the PCK certificate's SGX extensions lack PPID, TCB, PCE-ID, FMSPC or type";
            err = PQCHA_ERR_BAD_CERTIFICATE;
        }
    sk_ASN1_TYPE_pop_free(items, ASN1_TYPE_free);
    return err;
}

pqcha_err pqcha__tdx_pck_info_parse(pqcha__tdx_pck_info *out, const char **why, const uint8_t *der,
                                    size_t len) {
    const char *defect = "";
    if (why != NULL) *why = "";
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    memset(out, 0, sizeof *out);
    if (der == NULL && len > 0) return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha_err err = parse_extension(out, der, len, &defect);
    if (err != PQCHA_OK) memset(out, 0, sizeof *out);
    if (why != NULL) *why = err == PQCHA_OK ? "" : defect;
    return err;
}

pqcha_err pqcha__tdx_pck_info_read(pqcha__tdx_pck_info *out, const char **why, const X509 *pck) {
    if (why != NULL) *why = "";
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    memset(out, 0, sizeof *out);
    if (pck == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    ASN1_OBJECT *oid = OBJ_txt2obj(SGX_EXT_OID, 1);
    if (oid == NULL) return PQCHA_ERR_NO_MEMORY;
    int at = X509_get_ext_by_OBJ(pck, oid, -1);
    int again = at >= 0 ? X509_get_ext_by_OBJ(pck, oid, at) : -1;
    ASN1_OBJECT_free(oid);
    ERR_clear_error();
    if (at < 0 || again >= 0) {
        if (why != NULL) *why = "the PCK certificate does not hold its SGX extensions exactly once";
        return PQCHA_ERR_BAD_CERTIFICATE;
    }
    const ASN1_OCTET_STRING *data = X509_EXTENSION_get_data(X509_get_ext(pck, at));
    return pqcha__tdx_pck_info_parse(out, why, ASN1_STRING_get0_data(data),
                                     (size_t)ASN1_STRING_length(data));
}

/* ---- the appraisal ---- */

typedef struct appraisal {
    pqcha__tdx_result *res;
    const pqcha__tdx_quote *q;
    X509 *pck, *pck_ca, *root; /* the quote's chain as built: the root is a pinned one */
    const pqcha__tdx_certs *roots;
    const pqcha__tdx_collateral *c;
    const pqcha__tdx_policy *policy;
    int64_t now;
    X509_CRL *root_crl; /* verified to a pinned root, or NULL */
    pqcha__tdx_tcb_info *tcb;
    pqcha__tdx_qe_identity *qe;               /* NULL: not given */
    const pqcha__tdx_module_identity *module; /* TEE_TCB_SVN[1] > 0 only */
    pqcha__tdx_pck_info pck_info;             /* the PCK certificate's SGX extensions */
} appraisal;

static int is_machinery(pqcha_err err) {
    return err == PQCHA_ERR_NO_MEMORY || err == PQCHA_ERR_CRYPTO || err == PQCHA_ERR_INTERNAL ||
           err == PQCHA_ERR_INVALID_ARGUMENT;
}

static int given(pqcha__tdx_span s) {
    return s.bytes != NULL;
}

static void time_text(char out[PQCHA_TIMESTAMP_LEN + 1], int64_t t) {
    if (pqcha_time_format(out, t) != PQCHA_OK) snprintf(out, PQCHA_TIMESTAMP_LEN + 1, "?");
}

/* A CRL, DER or PEM, within its cap: malformed or too large is one code. */
static pqcha_err load_crl(X509_CRL **out, pqcha__tdx_span s) {
    if (s.len == 0 || s.len > PQCHA__TDX_COLLATERAL_CRL_MAX) return PQCHA_ERR_BAD_CERTIFICATE;
    pqcha_err err = pqcha__snp_crl_load(out, s.bytes, s.len);
    return err == PQCHA_ERR_TOO_LARGE ? PQCHA_ERR_BAD_CERTIFICATE : err;
}

/* Revocation by the root, where the root CA CRL was given and cert is
 * one the root issued (a serial means something only to its issuer): OK,
 * or CERT_REVOKED. */
static pqcha_err root_revokes(const appraisal *a, const X509 *cert) {
    if (a->root_crl == NULL ||
        X509_NAME_cmp(X509_get_issuer_name(cert), X509_CRL_get_issuer(a->root_crl)) != 0)
        return PQCHA_OK;
    return pqcha__snp_crl_lists(a->root_crl, cert);
}

static pqcha_err check_root_crl(appraisal *a) {
    static const char name[] = "root_ca_crl",
                      expected[] = "signed by the quote's pinned root, current, not listing the "
                                   "PCK CA";
    if (!given(a->c->root_ca_crl)) {
        pqcha__tdx_check_skip(a->res, name, expected, "not given: no revocation by the root");
        return PQCHA_OK;
    }
    X509_CRL *crl = NULL;
    pqcha_err err = load_crl(&crl, a->c->root_ca_crl);
    if (err != PQCHA_OK) {
        if (!is_machinery(err)) pqcha__tdx_check(a->res, name, err, expected, "does not parse");
        return err;
    }
    /* The root the quote's chain ends at: a CRL of another pinned root
     * says nothing about this chain. */
    err = pqcha__snp_crl_issued_by(crl, a->root);
    if (err != PQCHA_OK) {
        X509_CRL_free(crl);
        pqcha__tdx_check(a->res, name, err, expected, "not signed by the quote's root");
        return err;
    }
    a->root_crl = crl;
    err = pqcha__snp_crl_valid_at(crl, a->now);
    if (err == PQCHA_ERR_BAD_CERTIFICATE) {
        pqcha__tdx_check(a->res, name, err, expected, "its dates cannot be read");
        return err;
    }
    const char *found = err == PQCHA_OK ? "current, PCK CA not listed" : "not current at that time";
    if (err == PQCHA_OK && (err = root_revokes(a, a->pck_ca)) != PQCHA_OK)
        found = "lists the quote's PCK CA";
    pqcha__tdx_check(a->res, name, err, expected, found);
    return PQCHA_OK;
}

/* pck_crl_chain, when given: the quote's PCK CA, to a pinned root. */
static pqcha_err check_pck_crl_chain(appraisal *a, const char **why) {
    pqcha__tdx_certs chain = {.count = 0}, built = {.count = 0};
    pqcha_err err =
        pqcha__tdx_certs_read_pem(&chain, a->c->pck_crl_chain.bytes, a->c->pck_crl_chain.len);
    *why = "the PCK CRL's chain does not parse";
    if (err == PQCHA_OK)
        err = pqcha__tdx_chain_verify(&built, &chain, a->roots, a->now, 2,
                                      "the PCK CRL's chain is not a CA under a pinned root", why);
    if (err == PQCHA_OK && !pqcha__cert_matches_root(chain.certs[0], a->pck_ca)) {
        *why = "the PCK CRL's chain names another CA than the quote's";
        err = PQCHA_ERR_CERT_CHAIN;
    }
    pqcha__tdx_certs_free(&built);
    pqcha__tdx_certs_free(&chain);
    return err;
}

static pqcha_err check_pck_crl(appraisal *a) {
    static const char name[] = "pck_crl",
                      expected[] =
                          "signed by the quote's PCK CA, current, not listing the PCK certificate";
    if (!given(a->c->pck_crl)) {
        pqcha__tdx_check_skip(a->res, name, expected, "not given: the PCK is not checked");
        return PQCHA_OK;
    }
    X509_CRL *crl = NULL;
    const char *why = "does not parse";
    pqcha_err err = load_crl(&crl, a->c->pck_crl);
    if (err == PQCHA_OK && given(a->c->pck_crl_chain)) err = check_pck_crl_chain(a, &why);
    if (err == PQCHA_OK && (err = pqcha__snp_crl_issued_by(crl, a->pck_ca)) != PQCHA_OK)
        why = "not signed by the quote's PCK CA";
    if (err == PQCHA_OK && (err = pqcha__snp_crl_valid_at(crl, a->now)) != PQCHA_OK)
        why = err == PQCHA_ERR_CERT_EXPIRED ? "not current at that time" : "unreadable dates";
    int stop = err != PQCHA_OK && err != PQCHA_ERR_CERT_EXPIRED;
    if (err == PQCHA_OK && (err = pqcha__snp_crl_lists(crl, a->pck)) != PQCHA_OK)
        why = "lists the quote's PCK certificate";
    X509_CRL_free(crl);
    if (is_machinery(err)) return err;
    pqcha__tdx_check(a->res, name, err, expected,
                     err == PQCHA_OK ? "current, PCK not listed" : why);
    return stop ? err : PQCHA_OK;
}

/* A TCB info's or QE identity's signing chain: a P-256 end-entity
 * certificate straight under a pinned root, not revoked by it. The leaf
 * (up-referenced) goes to *signer. */
static pqcha_err check_signing_chain(appraisal *a, const char *name, pqcha__tdx_span pem,
                                     X509 **signer) {
    static const char expected[] = "the Intel SGX TCB Signing certificate -> a pinned root";
    pqcha__tdx_certs chain = {.count = 0}, built = {.count = 0};
    const char *why = "the chain does not parse";
    *signer = NULL;
    pqcha_err err = pem.len > PQCHA__TDX_COLLATERAL_CHAIN_MAX
                        ? PQCHA_ERR_BAD_CERTIFICATE
                        : pqcha__tdx_certs_read_pem(&chain, pem.bytes, pem.len);
    if (err == PQCHA_OK &&
        !pqcha__ec_key_on_curve(X509_get0_pubkey(chain.certs[0]), SN_X9_62_prime256v1)) {
        err = PQCHA_ERR_BAD_CERTIFICATE;
        why = "the signing certificate's key is not ECDSA P-256";
    }
    if (err == PQCHA_OK)
        err = pqcha__tdx_chain_verify(&built, &chain, a->roots, a->now, 2,
                                      "the signing certificate is not right under a pinned root",
                                      &why);
    /* A CA under the root (a PCK CA) is no signer of collateral. */
    if (err == PQCHA_OK && X509_check_ca(chain.certs[0]) != 0) {
        err = PQCHA_ERR_CERT_CHAIN;
        why = "the signing certificate is a CA";
    }
    ERR_clear_error();
    pqcha_err revoked = err == PQCHA_OK ? root_revokes(a, chain.certs[0]) : PQCHA_OK;
    if (err == PQCHA_OK && X509_up_ref(chain.certs[0]) == 1) *signer = chain.certs[0];
    if (err == PQCHA_OK && *signer == NULL) err = PQCHA_ERR_CRYPTO;
    pqcha__tdx_certs_free(&built);
    pqcha__tdx_certs_free(&chain);
    if (is_machinery(err)) return err;
    if (err == PQCHA_OK && revoked != PQCHA_OK) why = "listed on the root CA CRL";
    pqcha__tdx_check(a->res, name, err != PQCHA_OK ? err : revoked, expected,
                     err == PQCHA_OK && revoked == PQCHA_OK ? "verified" : why);
    return err;
}

static pqcha_err check_signature(appraisal *a, const char *name, const char *expected, X509 *signer,
                                 const uint8_t *msg, size_t len,
                                 const uint8_t sig[PQCHA__TDX_SIGNATURE_LEN]) {
    int valid = 0;
    PQCHA_TRY(pqcha__tdx_p256_verify(&valid, X509_get0_pubkey(signer), msg, len, sig));
    pqcha_err err = valid ? PQCHA_OK : PQCHA_ERR_EVIDENCE_SIGNATURE;
    pqcha__tdx_check(a->res, name, err, expected, valid ? "valid" : "does not verify");
    return err;
}

/* issueDate <= now <= nextUpdate: recorded, never a stop. */
static void check_window(appraisal *a, const char *name, int64_t issued, int64_t next) {
    char from[PQCHA_TIMESTAMP_LEN + 1], to[PQCHA_TIMESTAMP_LEN + 1], now[PQCHA_TIMESTAMP_LEN + 1];
    char expected[PQCHA__EVIDENCE_TEXT_MAX];
    time_text(from, issued);
    time_text(to, next);
    time_text(now, a->now);
    snprintf(expected, sizeof expected, "issued %s, next update %s", from, to);
    pqcha_err err = a->now >= issued && a->now <= next ? PQCHA_OK : PQCHA_ERR_CERT_EXPIRED;
    pqcha__tdx_checkf(a->res, name, err, expected, "%s at %s", err ? "not current" : "current",
                      now);
}

/* Parse, chain, signature over the exact text, validity: what TCB info
 * and QE identity share. */
typedef struct signed_doc {
    const char *format_name, *chain_name, *signature_name, *validity_name;
    const char *format, *signature;
} signed_doc;

static pqcha_err check_signed(appraisal *a, const signed_doc *d, pqcha__tdx_span doc,
                              pqcha__tdx_span chain, pqcha_err parsed, const char *why,
                              size_t body_off, size_t body_len, const uint8_t *sig) {
    if (parsed != PQCHA_OK) {
        if (!is_machinery(parsed)) pqcha__tdx_check(a->res, d->format_name, parsed, d->format, why);
        return parsed;
    }
    X509 *signer = NULL;
    PQCHA_TRY(check_signing_chain(a, d->chain_name, chain, &signer));
    pqcha_err err = check_signature(a, d->signature_name, d->signature, signer,
                                    doc.bytes + body_off, body_len, sig);
    X509_free(signer);
    return err;
}

static pqcha_err check_tcb_info(appraisal *a) {
    static const signed_doc doc = {
        "tcb_info_format",
        "tcb_info_chain",
        "tcb_info_signature",
        "tcb_info_validity",
        "a TDX TCB info, version 3",
        "ECDSA P-256 signature of the tcbInfo text by the TCB signing key"};
    const char *why = "";
    a->tcb = malloc(sizeof *a->tcb);
    if (a->tcb == NULL) return PQCHA_ERR_NO_MEMORY;
    pqcha_err parsed =
        pqcha__tdx_tcb_info_parse(a->tcb, &why, a->c->tcb_info.bytes, a->c->tcb_info.len);
    PQCHA_TRY(check_signed(a, &doc, a->c->tcb_info, a->c->tcb_info_chain, parsed, why,
                           a->tcb->body_off, a->tcb->body_len, a->tcb->signature));
    check_window(a, doc.validity_name, a->tcb->issue_date, a->tcb->next_update);
    return PQCHA_OK;
}

/* FMSPC and PCE-ID: the TCB info must describe this platform. */
static pqcha_err check_platform(appraisal *a) {
    static const char name[] = "tcb_info_platform";
    const pqcha__tdx_pck_info *pck = &a->pck_info;
    const char *why = "";
    char expected[PQCHA__EVIDENCE_TEXT_MAX], fmspc[13], pce[5];
    pqcha_hex_encode(fmspc, a->tcb->fmspc, sizeof a->tcb->fmspc);
    pqcha_hex_encode(pce, a->tcb->pce_id, sizeof a->tcb->pce_id);
    snprintf(expected, sizeof expected, "FMSPC %s, PCE-ID %s (the TCB info's)", fmspc, pce);
    pqcha_err err = pqcha__tdx_pck_info_read(&a->pck_info, &why, a->pck);
    if (err != PQCHA_OK) {
        if (!is_machinery(err)) pqcha__tdx_check(a->res, name, err, expected, why);
        return err;
    }
    pqcha_hex_encode(fmspc, pck->fmspc, sizeof pck->fmspc);
    pqcha_hex_encode(pce, pck->pce_id, sizeof pck->pce_id);
    err = memcmp(pck->fmspc, a->tcb->fmspc, sizeof pck->fmspc) == 0 &&
                  memcmp(pck->pce_id, a->tcb->pce_id, sizeof pck->pce_id) == 0
              ? PQCHA_OK
              : PQCHA_ERR_CERT_MISMATCH;
    pqcha__tdx_checkf(a->res, name, err, expected, "FMSPC %s, PCE-ID %s (the PCK certificate's)",
                      fmspc, pce);
    return err;
}

static const pqcha__tdx_module_identity *find_module(const pqcha__tdx_tcb_info *t,
                                                     uint8_t version) {
    for (size_t i = 0; i < t->module_identity_count; i++)
        if (t->module_identities[i].version == version) return &t->module_identities[i];
    return NULL;
}

/* The report's bytes under mask equal want (Intel's QVL: the identity's
 * value is compared as stated, not masked). */
static int masked_equal(const uint8_t *report, const uint8_t *mask, const uint8_t *want, size_t n) {
    int diff = 0;
    for (size_t i = 0; i < n; i++)
        diff |= (report[i] & mask[i]) ^ want[i];
    return diff == 0;
}

static void le64(uint8_t out[8], uint64_t v) {
    for (size_t i = 0; i < 8; i++)
        out[i] = (uint8_t)(v >> (8 * i));
}

/* MRSIGNERSEAM and SEAM attributes: the TDX module is Intel's. For a
 * module of major version TEE_TCB_SVN[1] > 0 the identity comes from
 * tdxModuleIdentities ("TDX_XX"), as in Intel's QVL; else tdxModule. */
static pqcha_err check_tdx_module(appraisal *a) {
    static const char name[] = "tdx_module";
    const pqcha__tdx_td_report *b = &a->q->body;
    const uint8_t *signer = a->tcb->module_mr_signer, *attrs = a->tcb->module_attributes;
    const uint8_t *mask = a->tcb->module_attributes_mask;
    uint8_t version = b->tee_tcb_svn[1], seam[8];
    char expected[PQCHA__EVIDENCE_TEXT_MAX], found[PQCHA__EVIDENCE_TEXT_MAX];
    if (version > 0) {
        a->module = find_module(a->tcb, version);
        if (a->module == NULL) {
            pqcha__tdx_checkf(a->res, name, PQCHA_ERR_CERT_MISMATCH,
                              "a tdxModuleIdentities entry for the quote's TDX module",
                              "none for TDX_%02X", version);
            return PQCHA_ERR_CERT_MISMATCH;
        }
        signer = a->module->mr_signer;
        attrs = a->module->attributes;
        mask = a->module->attributes_mask;
    }
    le64(seam, b->seam_attributes);
    pqcha__tdx_hex_text(expected, signer, PQCHA__TDX_MODULE_MR_SIGNER_LEN);
    pqcha__tdx_hex_text(found, b->mr_signer_seam, sizeof b->mr_signer_seam);
    int same = memcmp(signer, b->mr_signer_seam, PQCHA__TDX_MODULE_MR_SIGNER_LEN) == 0 &&
               masked_equal(seam, mask, attrs, sizeof seam);
    pqcha_err err = same ? PQCHA_OK : PQCHA_ERR_EVIDENCE_POLICY;
    if (!same && memcmp(signer, b->mr_signer_seam, PQCHA__TDX_MODULE_MR_SIGNER_LEN) == 0) {
        snprintf(expected, sizeof expected, "SEAM attributes under the module's mask");
        pqcha__tdx_hex_text(found, seam, sizeof seam);
    }
    pqcha__tdx_check(a->res, name, err, expected, found);
    return err;
}

static pqcha_err check_qe_report(appraisal *a) {
    static const char name[] = "qe_identity";
    const pqcha__tdx_qe_report *r = &a->q->qe_report;
    const pqcha__tdx_qe_identity *id = a->qe;
    uint8_t misc[4];
    char expected[PQCHA__EVIDENCE_TEXT_MAX], found[PQCHA__EVIDENCE_TEXT_MAX];
    for (size_t i = 0; i < 4; i++)
        misc[i] = (uint8_t)(r->misc_select >> (8 * i));
    const char *what = NULL;
    if (memcmp(id->mr_signer, r->mr_signer, sizeof id->mr_signer) != 0)
        what = "MRSIGNER";
    else if (id->isv_prod_id != r->isv_prod_id)
        what = "ISVPRODID";
    else if (!masked_equal(misc, id->miscselect_mask, id->miscselect, sizeof misc))
        what = "MISCSELECT";
    else if (!masked_equal(r->attributes, id->attributes_mask, id->attributes,
                           sizeof id->attributes))
        what = "ATTRIBUTES";
    char signer[2 * sizeof id->mr_signer + 1];
    pqcha_hex_encode(signer, id->mr_signer, sizeof id->mr_signer);
    snprintf(expected, sizeof expected, "MRSIGNER %s, ISVPRODID %u, masked MISCSELECT, ATTRIBUTES",
             signer, id->isv_prod_id);
    pqcha_hex_encode(signer, r->mr_signer, sizeof r->mr_signer);
    snprintf(found, sizeof found, "%s%s: MRSIGNER %s, ISVPRODID %u", what ? what : "matches",
             what ? " differs" : "", signer, r->isv_prod_id);
    pqcha_err err = what ? PQCHA_ERR_EVIDENCE_POLICY : PQCHA_OK;
    pqcha__tdx_check(a->res, name, err, expected, found);
    return err;
}

static pqcha_err check_qe_identity(appraisal *a) {
    static const signed_doc doc = {
        "qe_identity_format",
        "qe_identity_chain",
        "qe_identity_signature",
        "qe_identity_validity",
        "a QE identity of the TD quoting enclave, version 2",
        "ECDSA P-256 signature of the enclaveIdentity text by the TCB signing key"};
    if (!given(a->c->qe_identity)) {
        pqcha__tdx_check_skip(a->res, "qe_identity", "Intel's identity of the quoting enclave",
                              "not given: the QE and its TCB are not appraised");
        return PQCHA_OK;
    }
    const char *why = "";
    a->qe = malloc(sizeof *a->qe);
    if (a->qe == NULL) return PQCHA_ERR_NO_MEMORY;
    pqcha_err parsed =
        pqcha__tdx_qe_identity_parse(a->qe, &why, a->c->qe_identity.bytes, a->c->qe_identity.len);
    if (parsed != PQCHA_OK) {
        free(a->qe);
        a->qe = NULL;
    }
    PQCHA_TRY(check_signed(a, &doc, a->c->qe_identity, a->c->qe_identity_chain, parsed, why,
                           a->qe ? a->qe->body_off : 0, a->qe ? a->qe->body_len : 0,
                           a->qe ? a->qe->signature : NULL));
    check_window(a, doc.validity_name, a->qe->issue_date, a->qe->next_update);
    return check_qe_report(a);
}

/* ---- TCB levels and the status ---- */

static int at_most(const uint8_t *level, const uint8_t *have, size_t from, size_t n) {
    for (size_t i = from; i < n; i++)
        if (have[i] < level[i]) return 0;
    return 1;
}

/* Intel's TDX level selection: the first level (in order) whose SGX
 * components and PCESVN the PCK certificate meets gives the SGX status;
 * the first of those whose TDX components TEE_TCB_SVN also meets gives the
 * TDX level. TEE_TCB_SVN[0..1] are the TDX module's SVN and major version,
 * judged by its module identity instead when the version is above 0. */
static void select_levels(const appraisal *a, const pqcha__tdx_pck_info *pck, size_t *sgx,
                          size_t *tdx) {
    const uint8_t *tee = a->q->body.tee_tcb_svn;
    size_t from = tee[1] > 0 ? 2 : 0;
    *sgx = *tdx = SIZE_MAX;
    for (size_t i = 0; i < a->tcb->level_count; i++) {
        const pqcha__tdx_tcb_level *l = &a->tcb->levels[i];
        if (!at_most(l->sgx_svn, pck->cpu_svn_components, 0, PQCHA__TDX_TCB_COMPONENTS) ||
            pck->pce_svn < l->pce_svn)
            continue;
        if (*sgx == SIZE_MAX) *sgx = i;
        if (at_most(l->tdx_svn, tee, from, PQCHA__TDX_TCB_COMPONENTS)) {
            *tdx = i;
            return;
        }
    }
}

/* The first level whose ISVSVN is at most svn, or NULL. */
static const pqcha__tdx_svn_level *svn_level(const pqcha__tdx_svn_level *levels, size_t n,
                                             unsigned svn) {
    for (size_t i = 0; i < n; i++)
        if (levels[i].isv_svn <= svn) return &levels[i];
    return NULL;
}

/* A TDX module's or the QE's status folded into the platform's (Intel's
 * convergeTcbStatusWithTdxModuleStatus / ...WithQeTcbStatus). */
static pqcha__tdx_tcb_status converge(pqcha__tdx_tcb_status platform, pqcha__tdx_tcb_status other) {
    if (other == PQCHA__TDX_TCB_REVOKED) return PQCHA__TDX_TCB_REVOKED;
    if (other != PQCHA__TDX_TCB_OUT_OF_DATE) return platform;
    switch (platform) {
    case PQCHA__TDX_TCB_UP_TO_DATE:
    case PQCHA__TDX_TCB_SW_HARDENING_NEEDED: return PQCHA__TDX_TCB_OUT_OF_DATE;
    case PQCHA__TDX_TCB_CONFIGURATION_NEEDED:
    case PQCHA__TDX_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED:
        return PQCHA__TDX_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED;
    default: return platform;
    }
}

static int configuration_needed(pqcha__tdx_tcb_status s) {
    return s == PQCHA__TDX_TCB_CONFIGURATION_NEEDED ||
           s == PQCHA__TDX_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED ||
           s == PQCHA__TDX_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED;
}

/* A TDX 1.5 TD whose module is out of date while the platform already
 * runs a module as new as Intel's latest (TEE_TCB_SVN2): relaunching the
 * TD brings it up to date (Intel's checkForRelaunch). *mismatch is set
 * when TEE_TCB_SVN2 names a module version the TCB info does not know. */
static pqcha__tdx_tcb_status relaunch(const appraisal *a, pqcha__tdx_tcb_status sgx,
                                      pqcha__tdx_tcb_status tdx, pqcha__tdx_tcb_status module,
                                      pqcha__tdx_tcb_status qe, int *mismatch) {
    const uint8_t *svn2 = a->q->body.tee_tcb_svn2;
    const pqcha__tdx_tcb_level *latest = &a->tcb->levels[0];
    *mismatch = 0;
    if (a->q->body_type != 3 || module != PQCHA__TDX_TCB_OUT_OF_DATE ||
        (qe != PQCHA__TDX_TCB_UNKNOWN && qe != PQCHA__TDX_TCB_UP_TO_DATE) ||
        !(sgx == PQCHA__TDX_TCB_UP_TO_DATE || sgx == PQCHA__TDX_TCB_SW_HARDENING_NEEDED ||
          sgx == PQCHA__TDX_TCB_CONFIGURATION_NEEDED ||
          sgx == PQCHA__TDX_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED) ||
        !(tdx == PQCHA__TDX_TCB_OUT_OF_DATE ||
          tdx == PQCHA__TDX_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED))
        return tdx;
    unsigned newest_module = latest->tdx_svn[0];
    if (svn2[1] > 0) {
        const pqcha__tdx_module_identity *m2 = find_module(a->tcb, svn2[1]);
        if (m2 == NULL) {
            *mismatch = 1;
            return tdx;
        }
        newest_module = m2->levels[0].isv_svn;
    }
    if (svn2[0] < newest_module || svn2[2] < latest->tdx_svn[2]) return tdx;
    return configuration_needed(sgx) || configuration_needed(tdx)
               ? PQCHA__TDX_TCB_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED
               : PQCHA__TDX_TCB_TD_RELAUNCH_ADVISED;
}

static void add_advisories(pqcha__tdx_result *res, const char *pool, pqcha__tdx_advisory_ref ref) {
    const char *id = pool ? pool + ref.off : NULL;
    for (size_t i = 0; i < ref.count; i++, id += strlen(id) + 1) {
        int seen = 0;
        for (size_t j = 0; j < res->advisory_count && !seen; j++)
            seen = strcmp(res->advisory_ids[j], id) == 0;
        if (!seen && res->advisory_count < PQCHA__TDX_MAX_ADVISORIES)
            snprintf(res->advisory_ids[res->advisory_count++], PQCHA__TDX_ADVISORY_ID_MAX + 1, "%s",
                     id);
    }
}

static void level_found(char out[PQCHA__EVIDENCE_TEXT_MAX], const char *what, size_t index,
                        pqcha__tdx_tcb_status s, int64_t date) {
    char when[PQCHA_TIMESTAMP_LEN + 1];
    time_text(when, date);
    snprintf(out, PQCHA__EVIDENCE_TEXT_MAX, "%s %zu: %s (tcbDate %s)", what, index + 1,
             pqcha__tdx_tcb_status_name(s), when);
}

/* The statuses the evaluation found, merged later. */
typedef struct statuses {
    pqcha__tdx_tcb_status sgx, tdx, module, qe;
} statuses;

static pqcha_err evaluate_platform(appraisal *a, statuses *st) {
    static const char expected[] =
        "the first TCB level the PCK's SGX TCB, PCESVN and TEE_TCB_SVN meet";
    char found[PQCHA__EVIDENCE_TEXT_MAX];
    size_t sgx = SIZE_MAX, tdx = SIZE_MAX;
    select_levels(a, &a->pck_info, &sgx, &tdx);
    if (tdx == SIZE_MAX) {
        pqcha__tdx_check(a->res, "tcb_level", PQCHA_ERR_TCB_TOO_LOW, expected,
                         sgx == SIZE_MAX ? "none: the SGX TCB is below every level"
                                         : "none: TEE_TCB_SVN is below every level");
        return PQCHA_ERR_TCB_TOO_LOW;
    }
    st->sgx = a->tcb->levels[sgx].status;
    st->tdx = a->tcb->levels[tdx].status;
    level_found(found, "level", tdx, st->tdx, a->tcb->levels[tdx].tcb_date);
    pqcha__tdx_check(a->res, "tcb_level", PQCHA_OK, expected, found);
    add_advisories(a->res, a->tcb->advisory_pool, a->tcb->levels[tdx].advisories);
    return PQCHA_OK;
}

static pqcha_err evaluate_module(appraisal *a, statuses *st) {
    static const char name[] = "tdx_module_tcb";
    static const char expected[] =
        "the module identity's first level with ISVSVN <= TEE_TCB_SVN[0]";
    char found[PQCHA__EVIDENCE_TEXT_MAX];
    st->module = PQCHA__TDX_TCB_UP_TO_DATE;
    if (a->module == NULL) {
        pqcha__tdx_check_skip(a->res, name, expected, "TDX module version 0: judged by tcbLevels");
        return PQCHA_OK;
    }
    const pqcha__tdx_svn_level *l =
        svn_level(a->module->levels, a->module->level_count, a->q->body.tee_tcb_svn[0]);
    if (l == NULL) {
        pqcha__tdx_check(a->res, name, PQCHA_ERR_TCB_TOO_LOW, expected,
                         "none: the module's SVN is below every level");
        return PQCHA_ERR_TCB_TOO_LOW;
    }
    st->module = l->status;
    level_found(found, "level", (size_t)(l - a->module->levels), l->status, l->tcb_date);
    pqcha__tdx_check(a->res, name, PQCHA_OK, expected, found);
    add_advisories(a->res, a->tcb->advisory_pool, l->advisories);
    return PQCHA_OK;
}

static pqcha_err evaluate_qe(appraisal *a, statuses *st) {
    static const char name[] = "qe_tcb";
    static const char expected[] = "the QE identity's first level with ISVSVN <= the QE's";
    char found[PQCHA__EVIDENCE_TEXT_MAX];
    st->qe = PQCHA__TDX_TCB_UNKNOWN;
    if (a->qe == NULL) {
        pqcha__tdx_check_skip(a->res, name, expected, "no QE identity given");
        return PQCHA_OK;
    }
    const pqcha__tdx_svn_level *l =
        svn_level(a->qe->levels, a->qe->level_count, a->q->qe_report.isv_svn);
    if (l == NULL) {
        pqcha__tdx_check(a->res, name, PQCHA_ERR_TCB_TOO_LOW, expected,
                         "none: the QE's ISVSVN is below every level");
        return PQCHA_ERR_TCB_TOO_LOW;
    }
    st->qe = l->status;
    level_found(found, "level", (size_t)(l - a->qe->levels), l->status, l->tcb_date);
    pqcha__tdx_check(a->res, name, PQCHA_OK, expected, found);
    add_advisories(a->res, a->qe->advisory_pool, l->advisories);
    return PQCHA_OK;
}

static int accepted(const pqcha__tdx_policy *p, pqcha__tdx_tcb_status s) {
    if (p == NULL || p->accepted_tcb_status_count == 0) return s == PQCHA__TDX_DEFAULT_TCB_STATUS;
    for (size_t i = 0; i < p->accepted_tcb_status_count; i++)
        if (pqcha__tdx_tcb_status_from_name(p->accepted_tcb_statuses[i]) == s) return 1;
    return 0;
}

static void accepted_text(char out[PQCHA__EVIDENCE_TEXT_MAX], const pqcha__tdx_policy *p) {
    size_t used = (size_t)snprintf(out, PQCHA__EVIDENCE_TEXT_MAX, "one of: ");
    if (p == NULL || p->accepted_tcb_status_count == 0) {
        snprintf(out + used, PQCHA__EVIDENCE_TEXT_MAX - used, "%s (the default)",
                 pqcha__tdx_tcb_status_name(PQCHA__TDX_DEFAULT_TCB_STATUS));
        return;
    }
    for (size_t i = 0; i < p->accepted_tcb_status_count && used < PQCHA__EVIDENCE_TEXT_MAX; i++) {
        int n = snprintf(out + used, PQCHA__EVIDENCE_TEXT_MAX - used, "%s%s", i ? ", " : "",
                         p->accepted_tcb_statuses[i]);
        used += n > 0 ? (size_t)n : 0;
    }
}

/* The status and as many advisory IDs as the check's text holds, room
 * kept for saying how many more there are; all of them are in
 * res->advisory_ids. */
static void status_text(char out[PQCHA__EVIDENCE_TEXT_MAX], const pqcha__tdx_result *res) {
    static const char more_fmt[] = " (+%zu more)";
    const size_t room = PQCHA__EVIDENCE_TEXT_MAX - sizeof " (+64 more)";
    size_t used = (size_t)snprintf(out, PQCHA__EVIDENCE_TEXT_MAX, "%s",
                                   pqcha__tdx_tcb_status_name(res->tcb_status));
    for (size_t i = 0; i < res->advisory_count; i++) {
        const char *sep = i == 0 ? "; advisories " : ", ";
        if (used + strlen(sep) + strlen(res->advisory_ids[i]) > room) {
            snprintf(out + used, PQCHA__EVIDENCE_TEXT_MAX - used, more_fmt,
                     res->advisory_count - i);
            return;
        }
        used += (size_t)snprintf(out + used, PQCHA__EVIDENCE_TEXT_MAX - used, "%s%s", sep,
                                 res->advisory_ids[i]);
    }
}

static pqcha_err evaluate(appraisal *a) {
    statuses st;
    PQCHA_TRY(evaluate_platform(a, &st));
    PQCHA_TRY(evaluate_module(a, &st));
    PQCHA_TRY(evaluate_qe(a, &st));
    pqcha__tdx_tcb_status s = converge(st.tdx, st.module);
    if (s != PQCHA__TDX_TCB_REVOKED) {
        int mismatch = 0;
        s = relaunch(a, st.sgx, s, st.module, st.qe, &mismatch);
        if (mismatch) {
            pqcha__tdx_checkf(a->res, "tcb_status", PQCHA_ERR_CERT_MISMATCH,
                              "a tdxModuleIdentities entry for TEE_TCB_SVN2's module",
                              "none for TDX_%02X", a->q->body.tee_tcb_svn2[1]);
            return PQCHA_ERR_CERT_MISMATCH;
        }
        if (st.qe != PQCHA__TDX_TCB_UNKNOWN) s = converge(s, st.qe);
    }
    char expected[PQCHA__EVIDENCE_TEXT_MAX], found[PQCHA__EVIDENCE_TEXT_MAX];
    a->res->tcb_status = s;
    accepted_text(expected, a->policy);
    status_text(found, a->res);
    pqcha_err err = accepted(a->policy, s) ? PQCHA_OK : PQCHA_ERR_TCB_TOO_LOW;
    pqcha__tdx_check(a->res, "tcb_status", err, expected, found);
    return err;
}

/* Each step returns non-OK to stop (its check already recorded, or a
 * failure of the machinery); recorded-only failures return OK. */
static pqcha_err appraise(appraisal *a) {
    PQCHA_TRY(check_root_crl(a));
    PQCHA_TRY(check_pck_crl(a));
    PQCHA_TRY(check_tcb_info(a));
    PQCHA_TRY(check_platform(a));
    PQCHA_TRY(check_tdx_module(a));
    PQCHA_TRY(check_qe_identity(a));
    return evaluate(a);
}

pqcha_err pqcha__tdx_collateral_check_pairs(const pqcha__tdx_collateral *c) {
    if (c == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    const pqcha__tdx_span all[] = {c->tcb_info,          c->tcb_info_chain, c->qe_identity,
                                   c->qe_identity_chain, c->pck_crl,        c->pck_crl_chain,
                                   c->root_ca_crl};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if ((all[i].bytes == NULL) != (all[i].len == 0)) return PQCHA_ERR_INVALID_ARGUMENT;
    int ok = given(c->tcb_info) && given(c->tcb_info_chain) &&
             given(c->qe_identity) == given(c->qe_identity_chain) &&
             (given(c->pck_crl) || !given(c->pck_crl_chain));
    return ok ? PQCHA_OK : PQCHA_ERR_INVALID_ARGUMENT;
}

pqcha_err pqcha__tdx_collateral_appraise(pqcha__tdx_result *res, const pqcha__tdx_quote *q,
                                         const pqcha__tdx_certs *pck_chain,
                                         const pqcha__tdx_certs *roots,
                                         const pqcha__tdx_verify_options *opts) {
    if (res == NULL || q == NULL || pck_chain == NULL || pck_chain->count < 2 || roots == NULL ||
        opts == NULL || pqcha__tdx_collateral_check_pairs(opts->collateral) != PQCHA_OK)
        return PQCHA_ERR_INVALID_ARGUMENT;
    appraisal a;
    memset(&a, 0, sizeof a);
    a.res = res;
    a.q = q;
    a.pck = pck_chain->certs[0];
    a.pck_ca = pck_chain->certs[1];
    a.root = pck_chain->certs[pck_chain->count - 1];
    a.roots = roots;
    a.c = opts->collateral;
    a.policy = opts->policy;
    a.now = opts->now;
    pqcha_err err = appraise(&a);
    X509_CRL_free(a.root_crl);
    pqcha__tdx_tcb_info_free(a.tcb);
    free(a.tcb);
    pqcha__tdx_qe_identity_free(a.qe);
    free(a.qe);
    return is_machinery(err) ? err : res->error;
}

/* ---- the pieces, one at a time ---- */

pqcha__tdx_span *pqcha__tdx_collateral_piece(pqcha__tdx_collateral *c, int piece) {
    if (c == NULL) return NULL;
    switch (piece) {
    case PQCHA__TDX_TCB_INFO: return &c->tcb_info;
    case PQCHA__TDX_TCB_INFO_CHAIN: return &c->tcb_info_chain;
    case PQCHA__TDX_QE_IDENTITY: return &c->qe_identity;
    case PQCHA__TDX_QE_IDENTITY_CHAIN: return &c->qe_identity_chain;
    case PQCHA__TDX_PCK_CRL: return &c->pck_crl;
    case PQCHA__TDX_PCK_CRL_CHAIN: return &c->pck_crl_chain;
    case PQCHA__TDX_ROOT_CA_CRL: return &c->root_ca_crl;
    default: return NULL;
    }
}

static size_t piece_cap(int piece) {
    switch (piece) {
    case PQCHA__TDX_TCB_INFO:
    case PQCHA__TDX_QE_IDENTITY: return PQCHA__TDX_COLLATERAL_JSON_MAX;
    case PQCHA__TDX_PCK_CRL:
    case PQCHA__TDX_ROOT_CA_CRL: return PQCHA__TDX_COLLATERAL_CRL_MAX;
    default: return PQCHA__TDX_COLLATERAL_CHAIN_MAX;
    }
}

pqcha_err pqcha__tdx_collateral_piece_check(int piece, const uint8_t *bytes, size_t len) {
    if (piece < 0 || piece >= PQCHA__TDX_PIECES || bytes == NULL || len == 0)
        return PQCHA_ERR_INVALID_ARGUMENT;
    if (len > piece_cap(piece)) return PQCHA_ERR_TOO_LARGE;
    pqcha_err err = PQCHA_OK;
    if (piece == PQCHA__TDX_TCB_INFO || piece == PQCHA__TDX_QE_IDENTITY) {
        /* Both parses are large structures: on the heap. */
        pqcha__tdx_tcb_info *t = piece == PQCHA__TDX_TCB_INFO ? malloc(sizeof *t) : NULL;
        pqcha__tdx_qe_identity *q = piece == PQCHA__TDX_QE_IDENTITY ? malloc(sizeof *q) : NULL;
        if (t == NULL && q == NULL) return PQCHA_ERR_NO_MEMORY;
        err = t ? pqcha__tdx_tcb_info_parse(t, NULL, bytes, len)
                : pqcha__tdx_qe_identity_parse(q, NULL, bytes, len);
        pqcha__tdx_tcb_info_free(t);
        pqcha__tdx_qe_identity_free(q);
        free(t);
        free(q);
    } else if (piece == PQCHA__TDX_PCK_CRL || piece == PQCHA__TDX_ROOT_CA_CRL) {
        X509_CRL *crl = NULL;
        err = pqcha__snp_crl_load(&crl, bytes, len);
        X509_CRL_free(crl);
    } else {
        pqcha__tdx_certs certs = {.count = 0};
        err = pqcha__tdx_certs_read_pem(&certs, bytes, len);
        pqcha__tdx_certs_free(&certs);
    }
    return err;
}
