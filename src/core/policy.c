/* policy.c — the verifier's policy (docs/FORMAT.md section 6): parsed as
 * strictly as a report, because it is the other half of every decision.
 *
 * Rejections, beyond the generic JSON errors of FORMAT.md section 1:
 *  - version other than 1, no workloads, a workload without regions, an empty
 *    digest set, an empty or unknown algorithm list entry: BAD_POLICY;
 *  - a trusted key that does not parse as an ML-DSA key: BAD_KEY;
 *  - a PRIVATE key among trustedKeys: BAD_KEY as well. A policy is verifier
 *    configuration that gets copied around; a signing secret in it is a
 *    leak, so we refuse the file outright instead of silently keeping the
 *    public half (the caller sees "this key is not what belongs here");
 *  - more than 256 keys, 1024 workloads or 65 536 regions: TOO_LARGE;
 *  - "manifests": each entry is FORMAT.md section 8's file object, decoded by
 *    the manifest decoder with its errors; names are identifiers; node
 *    digests that do not reproduce the entry's digest: INCONSISTENT_CLAIMS;
 *    more than 1024 entries: TOO_LARGE;
 *  - a region {"manifest": "<name>"}: any other key next to "manifest" is
 *    UNKNOWN_FIELD, a name no entry has is BAD_POLICY. */
#include <stdlib.h>
#include <string.h>

#include "core/encoding.h"
#include "core/internal.h"
#include "core/json.h"
#include "core/manifest.h"
#include "core/parhash.h"
#include "core/policy_internal.h"

#define MAX_ALGORITHM_NAMES 16u /* list entries; more can only be repeats */

unsigned pqcha__policy_sig_alg_bit(pqcha_sig_alg alg) {
    switch (alg) {
    case PQCHA_ML_DSA_44: return 1u << 0;
    case PQCHA_ML_DSA_65: return 1u << 1;
    case PQCHA_ML_DSA_87: return 1u << 2;
    }
    return 0;
}

unsigned pqcha__policy_digest_alg_bit(pqcha_digest_alg alg) {
    switch (alg) {
    case PQCHA_DIGEST_SHA3_256: return 1u << 0;
    case PQCHA_DIGEST_SHA3_256_TREE: return 1u << 1;
    case PQCHA_DIGEST_K12: return 1u << 2;
    case PQCHA_DIGEST_SHA3_256_SEGMENTS: return 1u << 3;
    }
    return 0;
}

/* ---- freeing ---- */

void pqcha__policy_region_clear(pqcha__policy_region *r) {
    free(r->pending_manifest);
    r->pending_manifest = NULL;
    for (size_t i = 0; i < r->required_tensor_count; i++)
        free(r->required_tensors[i]);
    free(r->required_tensors);
    r->required_tensors = NULL;
    r->required_tensor_count = 0;
    free(r->id);
    free(r->digests);
    r->id = NULL;
    r->digests = NULL;
    r->digest_count = 0;
}

void pqcha__policy_workload_clear(pqcha__policy_workload *w) {
    for (size_t i = 0; i < w->region_count; i++)
        pqcha__policy_region_clear(&w->regions[i]);
    free(w->regions);
    free(w->id);
    free(w->platform);
    pqcha__evidence_policy_free(w->evidence);
    json_decref(w->evidence_json);
    memset(w, 0, sizeof *w);
}

void pqcha_policy_free(pqcha_policy *p) {
    if (!p) return;
    for (size_t i = 0; i < p->key_count; i++)
        pqcha_key_free(p->keys[i]);
    free(p->keys);
    for (size_t i = 0; i < p->workload_count; i++)
        pqcha__policy_workload_clear(&p->workloads[i]);
    free(p->workloads);
    for (size_t i = 0; i < p->manifest_count; i++) {
        free(p->manifests[i].name);
        pqcha__model_file_clear(&p->manifests[i].file);
    }
    free(p->manifests);
    free(p);
}

/* ---- sorting and lookup by id ---- */

int pqcha__policy_compare_workloads(const void *a, const void *b) {
    return strcmp(((const pqcha__policy_workload *)a)->id, ((const pqcha__policy_workload *)b)->id);
}

int pqcha__policy_compare_regions(const void *a, const void *b) {
    return strcmp(((const pqcha__policy_region *)a)->id, ((const pqcha__policy_region *)b)->id);
}

int pqcha__policy_compare_manifests(const void *a, const void *b) {
    return strcmp(((const pqcha__policy_manifest *)a)->name,
                  ((const pqcha__policy_manifest *)b)->name);
}

static int compare_name_to_manifest(const void *key, const void *elem) {
    return strcmp((const char *)key, ((const pqcha__policy_manifest *)elem)->name);
}

static int compare_id_to_workload(const void *key, const void *elem) {
    return strcmp((const char *)key, ((const pqcha__policy_workload *)elem)->id);
}

static int compare_id_to_region(const void *key, const void *elem) {
    return strcmp((const char *)key, ((const pqcha__policy_region *)elem)->id);
}

const pqcha__policy_workload *pqcha__policy_workload_at(const pqcha_policy *p, size_t i) {
    return (p && i < p->workload_count) ? &p->workloads[i] : NULL;
}

const pqcha__policy_workload *pqcha__policy_find_workload(const pqcha_policy *p, const char *id) {
    if (!p || !id || p->workload_count == 0) return NULL;
    return bsearch(id, p->workloads, p->workload_count, sizeof p->workloads[0],
                   compare_id_to_workload);
}

const pqcha__policy_region *pqcha__policy_find_region(const pqcha__policy_workload *w,
                                                      const char *id) {
    if (!w || !id || w->region_count == 0) return NULL;
    return bsearch(id, w->regions, w->region_count, sizeof w->regions[0], compare_id_to_region);
}

const char *pqcha__policy_region_digest(const pqcha__policy_region *r, pqcha_digest_alg alg) {
    if (!r) return NULL;
    for (size_t i = 0; i < r->digest_count; i++)
        if (r->digests[i].alg == alg) return r->digests[i].hex;
    return NULL;
}

static int compare_name_to_name_ptr(const void *key, const void *elem) {
    return strcmp((const char *)key, *(const char *const *)elem);
}

int pqcha__policy_region_requires_tensor(const pqcha__policy_region *r, const char *name) {
    if (!r || !name) return 0;
    if (r->required_tensor_count == 0) return 1;
    return bsearch(name, r->required_tensors, r->required_tensor_count,
                   sizeof r->required_tensors[0], compare_name_to_name_ptr) != NULL;
}

int pqcha__policy_allows_signature(const pqcha_policy *p, pqcha_sig_alg alg) {
    unsigned mask = p ? p->sig_alg_mask : PQCHA__POLICY_ALL_SIG_ALGS;
    return (mask & pqcha__policy_sig_alg_bit(alg)) != 0;
}

int pqcha__policy_allows_digest(const pqcha_policy *p, pqcha_digest_alg alg) {
    unsigned mask = p ? p->digest_alg_mask : PQCHA__POLICY_ALL_DIGEST_ALGS;
    return (mask & pqcha__policy_digest_alg_bit(alg)) != 0;
}

int64_t pqcha__policy_max_skew(const pqcha_policy *p) {
    return p ? p->max_skew : PQCHA_DEFAULT_MAX_SKEW_SECONDS;
}

int64_t pqcha__policy_max_lifetime(const pqcha_policy *p) {
    return p ? p->max_lifetime : PQCHA_DEFAULT_MAX_LIFETIME_SECONDS;
}

int pqcha_policy_has_workload(const pqcha_policy *p, const char *workload_id) {
    return p && workload_id && pqcha__policy_find_workload(p, workload_id) != NULL;
}

int64_t pqcha_policy_workload_stale_after(const pqcha_policy *p, const char *workload_id) {
    const pqcha__policy_workload *w =
        p && workload_id ? pqcha__policy_find_workload(p, workload_id) : NULL;
    return w && w->has_stale_after ? w->stale_after : -1;
}

size_t pqcha_policy_workload_count(const pqcha_policy *p) {
    return p ? p->workload_count : 0;
}

const char *pqcha_policy_workload_id(const pqcha_policy *p, size_t i) {
    return p && i < p->workload_count ? p->workloads[i].id : NULL;
}

size_t pqcha_policy_trusted_key_count(const pqcha_policy *p) {
    return p ? p->key_count : 0;
}

const pqcha_key *pqcha_policy_trusted_key(const pqcha_policy *p, size_t i) {
    if (!p || i >= p->key_count) return NULL;
    return p->keys[i];
}

/* ---- parsing ---- */

/* Checked first, before the key set: a policy written for a later version
 * may legitimately carry fields this parser does not know, and "wrong
 * version" is then the honest error, not "unknown field". */
static pqcha_err parse_version(const json_t *root) {
    uint64_t version = 0;
    PQCHA_TRY(pqcha__json_uint(root, "version", PQCHA_MAX_SAFE_INTEGER, &version));
    return version == 1 ? PQCHA_OK : PQCHA_ERR_BAD_POLICY;
}

static pqcha_err parse_trusted_key(pqcha_key **out, const json_t *item) {
    if (!json_is_string(item)) return PQCHA_ERR_WRONG_TYPE;
    size_t len = json_string_length(item);
    if (len > PQCHA_MAX_PEM_LEN) return PQCHA_ERR_TOO_LARGE;
    pqcha_key *key = NULL;
    pqcha_err err = pqcha_key_from_pem(&key, json_string_value(item), len);
    if (err == PQCHA_ERR_NO_MEMORY) return err;
    if (err != PQCHA_OK) return PQCHA_ERR_BAD_KEY;
    if (pqcha_key_has_private(key)) {
        pqcha_key_free(key); /* wipes the secret we were handed */
        return PQCHA_ERR_BAD_KEY;
    }
    /* A fresh public-only handle, whatever the parser kept around. */
    err = pqcha_key_public_copy(out, key);
    pqcha_key_free(key);
    return err;
}

static pqcha_err parse_trusted_keys(pqcha_policy *p, const json_t *root) {
    if (!json_object_get(root, "trustedKeys")) return PQCHA_OK;
    json_t *list = NULL;
    PQCHA_TRY(pqcha__json_array(root, "trustedKeys", PQCHA__POLICY_MAX_TRUSTED_KEYS, &list));
    size_t n = json_array_size(list);
    if (n == 0) return PQCHA_OK;
    p->keys = calloc(n, sizeof p->keys[0]);
    if (!p->keys) return PQCHA_ERR_NO_MEMORY;
    p->key_cap = n;
    for (size_t i = 0; i < n; i++) {
        PQCHA_TRY(parse_trusted_key(&p->keys[i], json_array_get(list, i)));
        p->key_count = i + 1; /* so pqcha_policy_free releases what was parsed */
    }
    return PQCHA_OK;
}

static pqcha_err parse_seconds(int64_t *out, const json_t *root, const char *key, uint64_t min,
                               int64_t default_value) {
    if (!json_object_get(root, key)) {
        *out = default_value;
        return PQCHA_OK;
    }
    uint64_t value = 0;
    PQCHA_TRY(pqcha__json_uint(root, key, PQCHA__POLICY_MAX_SECONDS, &value));
    if (value < min) return PQCHA_ERR_OUT_OF_RANGE;
    *out = (int64_t)value;
    return PQCHA_OK;
}

/* An algorithm list: absent means every algorithm; present it must name at
 * least one, and only names the format knows (a typo must not silently
 * narrow or widen what the verifier accepts). */
typedef unsigned (*alg_name_to_bit)(const char *name, pqcha_err *err);

static unsigned sig_name_bit(const char *name, pqcha_err *err) {
    pqcha_sig_alg alg;
    *err = pqcha_sig_alg_parse(&alg, name);
    return *err == PQCHA_OK ? pqcha__policy_sig_alg_bit(alg) : 0;
}

static unsigned digest_name_bit(const char *name, pqcha_err *err) {
    pqcha_digest_alg alg;
    *err = pqcha_digest_alg_parse(&alg, name);
    return *err == PQCHA_OK ? pqcha__policy_digest_alg_bit(alg) : 0;
}

static pqcha_err parse_algorithm_list(unsigned *mask, const json_t *root, const char *key,
                                      unsigned all, alg_name_to_bit to_bit) {
    if (!json_object_get(root, key)) {
        *mask = all;
        return PQCHA_OK;
    }
    json_t *list = NULL;
    PQCHA_TRY(pqcha__json_array(root, key, MAX_ALGORITHM_NAMES, &list));
    if (json_array_size(list) == 0) return PQCHA_ERR_BAD_POLICY;
    *mask = 0;
    for (size_t i = 0; i < json_array_size(list); i++) {
        const json_t *item = json_array_get(list, i);
        if (!json_is_string(item)) return PQCHA_ERR_WRONG_TYPE;
        pqcha_err err = PQCHA_OK;
        unsigned bit = to_bit(json_string_value(item), &err);
        if (err == PQCHA_ERR_NO_MEMORY) return err;
        if (err != PQCHA_OK || bit == 0) return PQCHA_ERR_BAD_POLICY;
        *mask |= bit;
    }
    return PQCHA_OK;
}

static pqcha_err parse_digest(pqcha__policy_digest *d, const char *alg_name, const json_t *value) {
    pqcha_err err = pqcha_digest_alg_parse(&d->alg, alg_name);
    if (err == PQCHA_ERR_NO_MEMORY) return err;
    if (err != PQCHA_OK) return PQCHA_ERR_BAD_POLICY; /* unknown name: never "no digest" */
    if (!json_is_string(value)) return PQCHA_ERR_WRONG_TYPE;
    size_t digest_len = pqcha_digest_alg_length(d->alg);
    if (digest_len == 0 || digest_len > PQCHA_MAX_DIGEST_LEN) return PQCHA_ERR_INTERNAL;
    const char *hex = json_string_value(value);
    PQCHA_TRY(pqcha__hex_check(hex, digest_len, digest_len));
    memcpy(d->hex, hex, 2 * digest_len + 1);
    return PQCHA_OK;
}

static int compare_name_ptrs(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every required name is a tensor of the entry: both lists sorted by name,
 * so one merge pass (the entry's table is in offset order). */
pqcha_err pqcha__policy_required_tensors_exist(const pqcha__policy_region *r,
                                               const pqcha__model_file *f) {
    if (f->tensor_count == 0) return PQCHA_ERR_BAD_POLICY;
    const char **names = malloc(f->tensor_count * sizeof *names);
    if (!names) return PQCHA_ERR_NO_MEMORY;
    for (size_t i = 0; i < f->tensor_count; i++)
        names[i] = f->tensors[i].name;
    qsort(names, f->tensor_count, sizeof *names, compare_name_ptrs);
    size_t at = 0;
    pqcha_err err = PQCHA_OK;
    for (size_t i = 0; i < r->required_tensor_count && err == PQCHA_OK; i++) {
        while (at < f->tensor_count && strcmp(names[at], r->required_tensors[i]) < 0)
            at++;
        if (at == f->tensor_count || strcmp(names[at], r->required_tensors[i]) != 0)
            err = PQCHA_ERR_BAD_POLICY; /* a tensor the reference does not have */
    }
    free(names);
    return err;
}

/* "tensors": the names a region must show, each a tensor of the entry, once. */
static pqcha_err parse_required_tensors(pqcha__policy_region *r, const pqcha__model_file *f,
                                        const json_t *set) {
    json_t *list = NULL;
    PQCHA_TRY(pqcha__json_array(set, "tensors", PQCHA_MAX_TENSORS, &list));
    size_t n = json_array_size(list);
    if (n == 0)
        return PQCHA_ERR_BAD_POLICY; /* "none required" would be written by leaving it out */
    r->required_tensors = calloc(n, sizeof r->required_tensors[0]);
    if (!r->required_tensors) return PQCHA_ERR_NO_MEMORY;
    for (size_t i = 0; i < n; i++) {
        const json_t *item = json_array_get(list, i);
        if (!json_is_string(item)) return PQCHA_ERR_WRONG_TYPE;
        const char *name = json_string_value(item);
        if (strlen(name) != json_string_length(item)) return PQCHA_ERR_BAD_POLICY;
        if (!(r->required_tensors[i] = pqcha__strdup(name))) return PQCHA_ERR_NO_MEMORY;
        r->required_tensor_count = i + 1;
    }
    qsort(r->required_tensors, n, sizeof r->required_tensors[0], compare_name_ptrs);
    for (size_t i = 1; i < n; i++)
        if (strcmp(r->required_tensors[i - 1], r->required_tensors[i]) == 0)
            return PQCHA_ERR_BAD_POLICY;
    return pqcha__policy_required_tensors_exist(r, f);
}

/* {"manifest": "<name>"[, "tensors": [...]]}: the region must equal that
 * entry's whole file (its sha3-256-tree digest), or, measured as
 * sha3-256-segments, show the entry's tensors with their digests. */
static pqcha_err parse_manifest_ref(pqcha__policy_region *r, const pqcha_policy *p,
                                    const json_t *set) {
    static const char *const required[] = {"manifest", NULL};
    static const char *const optional[] = {"tensors", NULL};
    PQCHA_TRY(pqcha__json_check_fields(set, required, optional));
    const char *name = NULL;
    PQCHA_TRY(pqcha__json_string(set, "manifest", SIZE_MAX, &name));
    const pqcha__policy_manifest *m =
        p->manifest_count ? bsearch(name, p->manifests, p->manifest_count, sizeof p->manifests[0],
                                    compare_name_to_manifest)
                          : NULL;
    if (!m) return PQCHA_ERR_BAD_POLICY; /* a reference to nothing */
    r->digests = calloc(1, sizeof r->digests[0]);
    if (!r->digests) return PQCHA_ERR_NO_MEMORY;
    r->digests[0].alg = PQCHA_DIGEST_SHA3_256_TREE;
    pqcha_hex_encode(r->digests[0].hex, m->file.digest, sizeof m->file.digest);
    r->digest_count = 1;
    r->manifest_name = m->name;
    r->manifest = &m->file;
    return json_object_get(set, "tensors") ? parse_required_tensors(r, &m->file, set) : PQCHA_OK;
}

static pqcha_err parse_region(pqcha__policy_region *r, const pqcha_policy *p, const char *id,
                              json_t *set) {
    PQCHA_TRY(pqcha_identifier_check(id));
    if (!json_is_object(set)) return PQCHA_ERR_WRONG_TYPE;
    r->id = pqcha__strdup(id);
    if (!r->id) return PQCHA_ERR_NO_MEMORY;
    /* "manifest" is no digest algorithm's name, so the two forms never collide. */
    if (json_object_get(set, "manifest")) return parse_manifest_ref(r, p, set);
    size_t n = json_object_size(set);
    if (n == 0) return PQCHA_ERR_BAD_POLICY; /* a region nothing can match */
    r->digests = calloc(n, sizeof r->digests[0]);
    if (!r->digests) return PQCHA_ERR_NO_MEMORY;
    const char *alg_name;
    size_t name_len;
    const json_t *value;
    json_object_keylen_foreach(set, alg_name, name_len, value) {
        if (name_len != strlen(alg_name)) return PQCHA_ERR_BAD_POLICY;
        PQCHA_TRY(parse_digest(&r->digests[r->digest_count], alg_name, value));
        r->digest_count++;
    }
    return PQCHA_OK;
}

/* The JSON layer refuses duplicate keys and keys with NUL characters, so
 * this never fires; it stays because a lookup table with two entries for
 * one id must never exist, whatever the layer below does. */
pqcha_err pqcha__policy_check_sorted_unique(const void *base, size_t n, size_t size,
                                            int (*compare)(const void *, const void *)) {
    const unsigned char *items = base;
    for (size_t i = 1; i < n; i++)
        if (compare(items + (i - 1) * size, items + i * size) == 0)
            return PQCHA_ERR_JSON_DUPLICATE_KEY;
    return PQCHA_OK;
}

static pqcha_err parse_workload_regions(pqcha__policy_workload *w, const pqcha_policy *p,
                                        const json_t *obj) {
    json_t *regions = NULL;
    PQCHA_TRY(pqcha__json_object(obj, "regions", &regions));
    size_t n = json_object_size(regions);
    if (n == 0) return PQCHA_ERR_BAD_POLICY; /* nothing to attest */
    if (n > PQCHA__POLICY_MAX_REGIONS) return PQCHA_ERR_TOO_LARGE;
    w->regions = calloc(n, sizeof w->regions[0]);
    if (!w->regions) return PQCHA_ERR_NO_MEMORY;
    w->region_count = w->region_cap = n; /* zeroed entries are safe to clear on error */
    size_t i = 0;
    const char *id;
    size_t id_len;
    json_t *set;
    json_object_keylen_foreach(regions, id, id_len, set) {
        if (id_len != strlen(id)) return PQCHA_ERR_BAD_IDENTIFIER;
        PQCHA_TRY(parse_region(&w->regions[i], p, id, set));
        i++;
    }
    qsort(w->regions, n, sizeof w->regions[0], pqcha__policy_compare_regions);
    return pqcha__policy_check_sorted_unique(w->regions, n, sizeof w->regions[0],
                                             pqcha__policy_compare_regions);
}

/* workloads[w].evidence: parsed for the verifier, and kept as given so the
 * policy writer reproduces it. */
static pqcha_err parse_workload_evidence(pqcha__policy_workload *w, const json_t *obj) {
    json_t *evidence = json_object_get(obj, "evidence");
    if (evidence == NULL) return PQCHA_OK;
    PQCHA_TRY(pqcha__evidence_policy_from_json(&w->evidence, evidence));
    w->evidence_json = json_deep_copy(evidence);
    return w->evidence_json ? PQCHA_OK : PQCHA_ERR_NO_MEMORY;
}

static pqcha_err parse_workload(pqcha__policy_workload *w, const pqcha_policy *p, const char *id,
                                json_t *obj) {
    static const char *const required[] = {"regions", NULL};
    static const char *const optional[] = {"platform", "allowExtraRegions", "evidence",
                                           "staleAfterSeconds", NULL};
    PQCHA_TRY(pqcha_identifier_check(id));
    if (!json_is_object(obj)) return PQCHA_ERR_WRONG_TYPE;
    w->id = pqcha__strdup(id);
    if (!w->id) return PQCHA_ERR_NO_MEMORY;
    PQCHA_TRY(pqcha__json_check_fields(obj, required, optional));
    if (json_object_get(obj, "platform")) {
        const char *platform = NULL;
        /* No length cap here: the identifier check gives an over-long
         * platform the same error as in a report (BAD_IDENTIFIER). */
        PQCHA_TRY(pqcha__json_string(obj, "platform", SIZE_MAX, &platform));
        PQCHA_TRY(pqcha_identifier_check(platform));
        w->platform = pqcha__strdup(platform);
        if (!w->platform) return PQCHA_ERR_NO_MEMORY;
    }
    if (json_object_get(obj, "allowExtraRegions"))
        PQCHA_TRY(pqcha__json_bool(obj, "allowExtraRegions", &w->allow_extra_regions));
    if (json_object_get(obj, "staleAfterSeconds")) {
        uint64_t seconds = 0;
        PQCHA_TRY(
            pqcha__json_uint(obj, "staleAfterSeconds", PQCHA_MAX_STALE_AFTER_SECONDS, &seconds));
        w->has_stale_after = 1;
        w->stale_after = (int64_t)seconds;
    }
    PQCHA_TRY(parse_workload_evidence(w, obj));
    return parse_workload_regions(w, p, obj);
}

static pqcha_err parse_workloads(pqcha_policy *p, const json_t *root) {
    json_t *workloads = NULL;
    PQCHA_TRY(pqcha__json_object(root, "workloads", &workloads));
    size_t n = json_object_size(workloads);
    if (n == 0) return PQCHA_ERR_BAD_POLICY; /* a policy that accepts nothing */
    if (n > PQCHA__POLICY_MAX_WORKLOADS) return PQCHA_ERR_TOO_LARGE;
    p->workloads = calloc(n, sizeof p->workloads[0]);
    if (!p->workloads) return PQCHA_ERR_NO_MEMORY;
    p->workload_count = p->workload_cap = n;
    size_t i = 0;
    const char *id;
    size_t id_len;
    json_t *obj;
    json_object_keylen_foreach(workloads, id, id_len, obj) {
        if (id_len != strlen(id)) return PQCHA_ERR_BAD_IDENTIFIER; /* an embedded NUL */
        PQCHA_TRY(parse_workload(&p->workloads[i], p, id, obj));
        i++;
    }
    qsort(p->workloads, n, sizeof p->workloads[0], pqcha__policy_compare_workloads);
    return pqcha__policy_check_sorted_unique(p->workloads, n, sizeof p->workloads[0],
                                             pqcha__policy_compare_workloads);
}

static pqcha_err parse_manifest_entry(pqcha__policy_manifest *m, const char *name,
                                      const json_t *obj) {
    PQCHA_TRY(pqcha_identifier_check(name));
    m->name = pqcha__strdup(name);
    if (!m->name) return PQCHA_ERR_NO_MEMORY;
    /* The entry decoder checks its nodes with the one rule (parhash.h). */
    return pqcha__model_file_decode(&m->file, obj);
}

/* Optional "manifests": parsed before the workloads, whose regions refer to them. */
static pqcha_err parse_manifests(pqcha_policy *p, const json_t *root) {
    if (!json_object_get(root, "manifests")) return PQCHA_OK;
    json_t *manifests = NULL;
    PQCHA_TRY(pqcha__json_object(root, "manifests", &manifests));
    size_t n = json_object_size(manifests);
    if (n == 0) return PQCHA_OK;
    if (n > PQCHA__POLICY_MAX_MANIFESTS) return PQCHA_ERR_TOO_LARGE;
    p->manifests = calloc(n, sizeof p->manifests[0]);
    if (!p->manifests) return PQCHA_ERR_NO_MEMORY;
    p->manifest_count = p->manifest_cap = n; /* zeroed entries are safe to clear on error */
    size_t i = 0;
    const char *name;
    size_t name_len;
    json_t *obj;
    json_object_keylen_foreach(manifests, name, name_len, obj) {
        if (name_len != strlen(name)) return PQCHA_ERR_BAD_IDENTIFIER;
        PQCHA_TRY(parse_manifest_entry(&p->manifests[i], name, obj));
        i++;
    }
    qsort(p->manifests, n, sizeof p->manifests[0], pqcha__policy_compare_manifests);
    return pqcha__policy_check_sorted_unique(p->manifests, n, sizeof p->manifests[0],
                                             pqcha__policy_compare_manifests);
}

static pqcha_err policy_from_json(pqcha_policy *p, const json_t *root) {
    static const char *const required[] = {"version", "workloads", NULL};
    static const char *const optional[] = {"trustedKeys",
                                           "maxSkewSeconds",
                                           "maxLifetimeSeconds",
                                           "allowedSignatureAlgorithms",
                                           "allowedDigestAlgorithms",
                                           "manifests",
                                           NULL};
    PQCHA_TRY(parse_version(root));
    PQCHA_TRY(pqcha__json_check_fields(root, required, optional));
    PQCHA_TRY(
        parse_seconds(&p->max_skew, root, "maxSkewSeconds", 0, PQCHA_DEFAULT_MAX_SKEW_SECONDS));
    PQCHA_TRY(parse_seconds(&p->max_lifetime, root, "maxLifetimeSeconds", 1,
                            PQCHA_DEFAULT_MAX_LIFETIME_SECONDS));
    PQCHA_TRY(parse_algorithm_list(&p->sig_alg_mask, root, "allowedSignatureAlgorithms",
                                   PQCHA__POLICY_ALL_SIG_ALGS, sig_name_bit));
    PQCHA_TRY(parse_algorithm_list(&p->digest_alg_mask, root, "allowedDigestAlgorithms",
                                   PQCHA__POLICY_ALL_DIGEST_ALGS, digest_name_bit));
    PQCHA_TRY(parse_manifests(p, root));
    PQCHA_TRY(parse_workloads(p, root));
    /* Keys last: parsing PEM is the expensive part, and a policy that is
     * wrong elsewhere should fail fast. */
    return parse_trusted_keys(p, root);
}

pqcha_err pqcha_policy_parse(pqcha_policy **out, const char *json, size_t len) {
    if (!out) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (!json && len != 0) return PQCHA_ERR_INVALID_ARGUMENT;
    if (len > PQCHA_MAX_POLICY_LEN) return PQCHA_ERR_TOO_LARGE;
    json_t *root = NULL;
    static const pqcha__json_limits limits = {PQCHA_MAX_POLICY_LEN, 12, 0, 24};
    PQCHA_TRY(pqcha__json_parse_object(&root, json ? json : "", len, &limits));
    pqcha_policy *p = calloc(1, sizeof *p);
    if (!p) {
        json_decref(root);
        return PQCHA_ERR_NO_MEMORY;
    }
    pqcha_err err = policy_from_json(p, root);
    json_decref(root);
    p->finished = err == PQCHA_OK;
    if (err != PQCHA_OK) {
        pqcha_policy_free(p);
        return err;
    }
    *out = p;
    return PQCHA_OK;
}
