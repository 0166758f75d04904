/* policy_write.c — building a policy in code and writing it as JSON
 * (pqcha/policy.h). The parser (policy.c) and this file share one model
 * (policy_internal.h) and its rules, so what is written parses back equal:
 * the fuzz target round-trips every policy it parses. */
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "core/encoding.h"
#include "core/internal.h"
#include "core/json.h"
#include "core/manifest.h"
#include "core/policy_internal.h"

/* ---- building ---- */

pqcha_err pqcha_policy_create(pqcha_policy **out) {
    if (!out) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    pqcha_policy *p = calloc(1, sizeof *p);
    if (!p) return PQCHA_ERR_NO_MEMORY;
    p->max_skew = PQCHA_DEFAULT_MAX_SKEW_SECONDS;
    p->max_lifetime = PQCHA_DEFAULT_MAX_LIFETIME_SECONDS;
    p->sig_alg_mask = PQCHA__POLICY_ALL_SIG_ALGS;
    p->digest_alg_mask = PQCHA__POLICY_ALL_DIGEST_ALGS;
    *out = p;
    return PQCHA_OK;
}

pqcha_err pqcha_policy_add_trusted_key(pqcha_policy *p, const pqcha_key *key) {
    if (!p || !key) return PQCHA_ERR_INVALID_ARGUMENT;
    /* A signing secret in verifier configuration is a leak (policy.c). */
    if (pqcha_key_has_private(key)) return PQCHA_ERR_BAD_KEY;
    for (size_t i = 0; i < p->key_count; i++)
        if (strcmp(pqcha_key_id(p->keys[i]), pqcha_key_id(key)) == 0) return PQCHA_OK;
    PQCHA_TRY(pqcha__grow(&p->keys, &p->key_cap, p->key_count + 1, sizeof p->keys[0],
                          PQCHA__POLICY_MAX_TRUSTED_KEYS));
    PQCHA_TRY(pqcha_key_public_copy(&p->keys[p->key_count], key));
    p->key_count++;
    p->finished = 0;
    return PQCHA_OK;
}

pqcha_err pqcha_policy_add_manifest_entry(pqcha_policy *p, const pqcha_manifest *m, size_t file) {
    if (!p || !m || file >= m->count) return PQCHA_ERR_INVALID_ARGUMENT;
    PQCHA_TRY(pqcha__grow(&p->manifests, &p->manifest_cap, p->manifest_count + 1,
                          sizeof p->manifests[0], PQCHA__POLICY_MAX_MANIFESTS));
    pqcha__policy_manifest *entry = &p->manifests[p->manifest_count];
    memset(entry, 0, sizeof *entry);
    entry->name = pqcha__strdup(m->files[file].name);
    if (!entry->name) return PQCHA_ERR_NO_MEMORY;
    pqcha_err err = pqcha__model_file_copy(&entry->file, &m->files[file]);
    if (err != PQCHA_OK) {
        free(entry->name);
        return err;
    }
    p->manifest_count++;
    p->finished = 0;
    return PQCHA_OK;
}

pqcha_err pqcha_policy_add_workload(pqcha_policy *p, const char *workload_id, const char *platform,
                                    int allow_extra_regions) {
    if (!p || !workload_id) return PQCHA_ERR_INVALID_ARGUMENT;
    PQCHA_TRY(pqcha_identifier_check(workload_id));
    if (platform) PQCHA_TRY(pqcha_identifier_check(platform));
    PQCHA_TRY(pqcha__grow(&p->workloads, &p->workload_cap, p->workload_count + 1,
                          sizeof p->workloads[0], PQCHA__POLICY_MAX_WORKLOADS));
    pqcha__policy_workload *w = &p->workloads[p->workload_count];
    memset(w, 0, sizeof *w);
    w->id = pqcha__strdup(workload_id);
    w->platform = platform ? pqcha__strdup(platform) : NULL;
    w->allow_extra_regions = allow_extra_regions != 0;
    if (!w->id || (platform && !w->platform)) {
        pqcha__policy_workload_clear(w);
        return PQCHA_ERR_NO_MEMORY;
    }
    p->workload_count++;
    p->finished = 0;
    return PQCHA_OK;
}

/* The workload added under that id (before finishing, in the order added;
 * workloads are few, so a scan). */
static pqcha__policy_workload *workload_named(pqcha_policy *p, const char *id) {
    for (size_t i = p->workload_count; i-- > 0;)
        if (strcmp(p->workloads[i].id, id) == 0) return &p->workloads[i];
    return NULL;
}

pqcha_err pqcha_policy_set_workload_stale_after(pqcha_policy *p, const char *workload_id,
                                                int64_t seconds) {
    if (!p || !workload_id) return PQCHA_ERR_INVALID_ARGUMENT;
    if (seconds < 0 || seconds > PQCHA_MAX_STALE_AFTER_SECONDS) return PQCHA_ERR_OUT_OF_RANGE;
    pqcha__policy_workload *w = workload_named(p, workload_id);
    if (!w) return PQCHA_ERR_UNKNOWN_WORKLOAD;
    w->has_stale_after = 1;
    w->stale_after = seconds;
    p->finished = 0;
    return PQCHA_OK;
}

pqcha_err pqcha_policy_set_workload_evidence(pqcha_policy *p, const char *workload_id,
                                             const char *json, size_t len) {
    if (!p || !workload_id || !json) return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha__policy_workload *w = workload_named(p, workload_id);
    if (!w) return PQCHA_ERR_UNKNOWN_WORKLOAD;
    pqcha__evidence_policy *parsed = NULL;
    PQCHA_TRY(pqcha__evidence_policy_parse(&parsed, json, len));
    json_t *copy = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
    if (!copy) {
        pqcha__evidence_policy_free(parsed);
        return PQCHA_ERR_NO_MEMORY;
    }
    pqcha__evidence_policy_free(w->evidence);
    json_decref(w->evidence_json);
    w->evidence = parsed;
    w->evidence_json = copy;
    p->finished = 0;
    return PQCHA_OK;
}

/* Appends a region filled in by the caller, or, on any error, frees it:
 * a failed add leaves the policy as it was. */
static pqcha_err append_region(pqcha_policy *p, const char *workload_id, pqcha__policy_region *r,
                               pqcha_err filled) {
    pqcha_err err = filled;
    pqcha__policy_workload *w = NULL;
    if (err == PQCHA_OK && !(w = workload_named(p, workload_id))) err = PQCHA_ERR_UNKNOWN_WORKLOAD;
    if (err == PQCHA_OK)
        err = pqcha__grow(&w->regions, &w->region_cap, w->region_count + 1, sizeof w->regions[0],
                          PQCHA__POLICY_MAX_REGIONS);
    if (err != PQCHA_OK) {
        pqcha__policy_region_clear(r);
        return err;
    }
    w->regions[w->region_count++] = *r;
    p->finished = 0;
    return PQCHA_OK;
}

/* The region's id, checked and copied. */
static pqcha_err region_id_copy(pqcha__policy_region *r, const char *workload_id,
                                const char *region_id) {
    if (!workload_id || !region_id) return PQCHA_ERR_INVALID_ARGUMENT;
    PQCHA_TRY(pqcha_identifier_check(region_id));
    return (r->id = pqcha__strdup(region_id)) ? PQCHA_OK : PQCHA_ERR_NO_MEMORY;
}

static pqcha_err copy_digest(pqcha__policy_digest *d, pqcha_digest_alg alg, const char *hex) {
    size_t len = pqcha_digest_alg_length(alg);
    if (len == 0 || len > PQCHA_MAX_DIGEST_LEN || !hex) return PQCHA_ERR_INVALID_ARGUMENT;
    PQCHA_TRY(pqcha__hex_check(hex, len, len));
    d->alg = alg;
    memcpy(d->hex, hex, 2 * len + 1);
    return PQCHA_OK;
}

static pqcha_err copy_digests(pqcha__policy_region *r, const pqcha_digest_alg *algs,
                              const char *const *hex, size_t n) {
    if (n == 0) return PQCHA_ERR_BAD_POLICY; /* a region nothing can match */
    if (!(r->digests = calloc(n, sizeof r->digests[0]))) return PQCHA_ERR_NO_MEMORY;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < i; j++)
            if (algs[j] == algs[i]) return PQCHA_ERR_BAD_POLICY; /* one digest per algorithm */
        PQCHA_TRY(copy_digest(&r->digests[i], algs[i], hex[i]));
        r->digest_count = i + 1;
    }
    return PQCHA_OK;
}

pqcha_err pqcha_policy_add_region_digests(pqcha_policy *p, const char *workload_id,
                                          const char *region_id, const pqcha_digest_alg *algs,
                                          const char *const *hex, size_t n) {
    if (!p || (n && (!algs || !hex))) return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha__policy_region r = {0};
    pqcha_err err = region_id_copy(&r, workload_id, region_id);
    if (err == PQCHA_OK) err = copy_digests(&r, algs, hex, n);
    return append_region(p, workload_id, &r, err);
}

static int compare_name_ptrs(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The required tensor names, copied, sorted and each once. */
static pqcha_err copy_required_tensors(pqcha__policy_region *r, const char *const *tensors,
                                       size_t n) {
    if (n == 0) return PQCHA_OK;
    if (n > PQCHA_MAX_TENSORS) return PQCHA_ERR_TOO_LARGE;
    if (!(r->required_tensors = calloc(n, sizeof r->required_tensors[0])))
        return PQCHA_ERR_NO_MEMORY;
    for (size_t i = 0; i < n; i++) {
        if (!tensors[i]) return PQCHA_ERR_INVALID_ARGUMENT;
        if (!(r->required_tensors[i] = pqcha__strdup(tensors[i]))) return PQCHA_ERR_NO_MEMORY;
        r->required_tensor_count = i + 1;
    }
    qsort(r->required_tensors, n, sizeof r->required_tensors[0], compare_name_ptrs);
    for (size_t i = 1; i < n; i++)
        if (strcmp(r->required_tensors[i - 1], r->required_tensors[i]) == 0)
            return PQCHA_ERR_BAD_POLICY;
    return PQCHA_OK;
}

pqcha_err pqcha_policy_add_region_manifest(pqcha_policy *p, const char *workload_id,
                                           const char *region_id, const char *manifest,
                                           const char *const *tensors, size_t n) {
    if (!p || !manifest || (n && !tensors)) return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha__policy_region r = {0};
    pqcha_err err = region_id_copy(&r, workload_id, region_id);
    if (err == PQCHA_OK) err = pqcha_identifier_check(manifest);
    if (err == PQCHA_OK && !(r.pending_manifest = pqcha__strdup(manifest)))
        err = PQCHA_ERR_NO_MEMORY;
    if (err == PQCHA_OK) err = copy_required_tensors(&r, tensors, n);
    return append_region(p, workload_id, &r, err);
}

/* ---- finishing ---- */

static int compare_name_to_manifest(const void *key, const void *elem) {
    return strcmp((const char *)key, ((const pqcha__policy_manifest *)elem)->name);
}

/* A built region's reference to a manifest entry, resolved as the parser
 * resolves {"manifest": "<name>"}: the entry's whole-file digest, and the
 * entry itself for drift localisation. */
static pqcha_err resolve_manifest_ref(pqcha__policy_region *r, const pqcha_policy *p) {
    const pqcha__policy_manifest *m =
        p->manifest_count ? bsearch(r->pending_manifest, p->manifests, p->manifest_count,
                                    sizeof p->manifests[0], compare_name_to_manifest)
                          : NULL;
    if (!m) return PQCHA_ERR_BAD_POLICY; /* a reference to nothing */
    if (!r->digests && !(r->digests = calloc(1, sizeof r->digests[0]))) return PQCHA_ERR_NO_MEMORY;
    r->digests[0].alg = PQCHA_DIGEST_SHA3_256_TREE;
    pqcha_hex_encode(r->digests[0].hex, m->file.digest, sizeof m->file.digest);
    r->digest_count = 1;
    r->manifest_name = m->name;
    r->manifest = &m->file;
    return r->required_tensor_count ? pqcha__policy_required_tensors_exist(r, &m->file) : PQCHA_OK;
}

static pqcha_err finish_workload(pqcha__policy_workload *w, const pqcha_policy *p) {
    if (w->region_count == 0) return PQCHA_ERR_BAD_POLICY; /* nothing to attest */
    for (size_t i = 0; i < w->region_count; i++)
        if (w->regions[i].pending_manifest) PQCHA_TRY(resolve_manifest_ref(&w->regions[i], p));
    qsort(w->regions, w->region_count, sizeof w->regions[0], pqcha__policy_compare_regions);
    pqcha_err err = pqcha__policy_check_sorted_unique(
        w->regions, w->region_count, sizeof w->regions[0], pqcha__policy_compare_regions);
    return err == PQCHA_ERR_JSON_DUPLICATE_KEY ? PQCHA_ERR_REGION_EXISTS : err;
}

/* Two of one name among sorted items: BAD_POLICY. */
static pqcha_err sort_unique(void *items, size_t n, size_t size,
                             int (*compare)(const void *, const void *)) {
    if (n > 1) qsort(items, n, size, compare);
    pqcha_err err = pqcha__policy_check_sorted_unique(items, n, size, compare);
    return err == PQCHA_ERR_JSON_DUPLICATE_KEY ? PQCHA_ERR_BAD_POLICY : err;
}

pqcha_err pqcha_policy_finish(pqcha_policy *p) {
    if (!p) return PQCHA_ERR_INVALID_ARGUMENT;
    if (p->workload_count == 0) return PQCHA_ERR_BAD_POLICY; /* a policy that accepts nothing */
    /* Manifests first: regions point into the sorted array. */
    PQCHA_TRY(sort_unique(p->manifests, p->manifest_count, sizeof p->manifests[0],
                          pqcha__policy_compare_manifests));
    for (size_t i = 0; i < p->workload_count; i++)
        PQCHA_TRY(finish_workload(&p->workloads[i], p));
    PQCHA_TRY(sort_unique(p->workloads, p->workload_count, sizeof p->workloads[0],
                          pqcha__policy_compare_workloads));
    p->finished = 1;
    return PQCHA_OK;
}

/* ---- the JSON tree ---- */

static int put(json_t *obj, const char *key, json_t *value) {
    return value && json_object_set_new(obj, key, value) == 0;
}

static int append(json_t *array, json_t *value) {
    return value && json_array_append_new(array, value) == 0;
}

static json_t *trusted_keys_json(const pqcha_policy *p, pqcha_err *err) {
    json_t *keys = json_array();
    for (size_t i = 0; keys && i < p->key_count; i++) {
        char *pem = NULL;
        size_t len = 0;
        *err = pqcha_key_public_pem(&pem, &len, p->keys[i]);
        int ok = *err == PQCHA_OK && append(keys, json_stringn(pem, len));
        pqcha_free(pem);
        if (!ok) {
            json_decref(keys);
            return NULL;
        }
    }
    return keys;
}

/* The names of the algorithms a mask allows, or NULL (nothing to write)
 * when it allows them all, which is what an absent list means. */
static json_t *algorithm_list(unsigned mask, unsigned all, int digests) {
    if (mask == all) return NULL;
    json_t *list = json_array();
    static const pqcha_sig_alg sigs[] = {PQCHA_ML_DSA_44, PQCHA_ML_DSA_65, PQCHA_ML_DSA_87};
    static const pqcha_digest_alg algs[] = {PQCHA_DIGEST_SHA3_256, PQCHA_DIGEST_SHA3_256_TREE,
                                            PQCHA_DIGEST_K12, PQCHA_DIGEST_SHA3_256_SEGMENTS};
    size_t n = digests ? sizeof algs / sizeof algs[0] : sizeof sigs / sizeof sigs[0];
    for (size_t i = 0; list && i < n; i++) {
        unsigned bit =
            digests ? pqcha__policy_digest_alg_bit(algs[i]) : pqcha__policy_sig_alg_bit(sigs[i]);
        const char *name = digests ? pqcha_digest_alg_name(algs[i]) : pqcha_sig_alg_name(sigs[i]);
        if ((mask & bit) && !append(list, json_string(name))) {
            json_decref(list);
            return NULL;
        }
    }
    return list;
}

static json_t *region_json(const pqcha__policy_region *r) {
    json_t *set = json_object();
    int ok = set != NULL;
    if (ok && r->manifest_name) {
        ok = put(set, "manifest", json_string(r->manifest_name));
        json_t *tensors = r->required_tensor_count ? json_array() : NULL;
        for (size_t i = 0; ok && tensors && i < r->required_tensor_count; i++)
            ok = append(tensors, json_string(r->required_tensors[i]));
        if (r->required_tensor_count) ok = ok && put(set, "tensors", tensors);
    } else {
        for (size_t i = 0; ok && i < r->digest_count; i++)
            ok = put(set, pqcha_digest_alg_name(r->digests[i].alg), json_string(r->digests[i].hex));
    }
    if (!ok) {
        json_decref(set);
        return NULL;
    }
    return set;
}

static json_t *workload_json(const pqcha__policy_workload *w) {
    json_t *obj = json_object(), *regions = json_object();
    int ok = obj && regions;
    for (size_t i = 0; ok && i < w->region_count; i++)
        ok = put(regions, w->regions[i].id, region_json(&w->regions[i]));
    if (ok && w->platform) ok = put(obj, "platform", json_string(w->platform));
    ok = ok && put(obj, "allowExtraRegions", json_boolean(w->allow_extra_regions));
    if (ok && w->evidence_json) ok = put(obj, "evidence", json_deep_copy(w->evidence_json));
    if (ok && w->has_stale_after)
        ok = put(obj, "staleAfterSeconds", json_integer((json_int_t)w->stale_after));
    if (ok) {
        ok = put(obj, "regions", regions);
        regions = NULL;
    }
    json_decref(regions);
    if (!ok) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

static pqcha_err manifests_json(json_t *root, const pqcha_policy *p) {
    if (p->manifest_count == 0) return PQCHA_OK;
    json_t *manifests = json_object();
    if (!manifests || json_object_set_new(root, "manifests", manifests) != 0)
        return PQCHA_ERR_NO_MEMORY;
    for (size_t i = 0; i < p->manifest_count; i++) {
        json_t *entry = NULL;
        PQCHA_TRY(pqcha__model_file_encode(&entry, &p->manifests[i].file));
        if (!put(manifests, p->manifests[i].name, entry)) return PQCHA_ERR_NO_MEMORY;
    }
    return PQCHA_OK;
}

static pqcha_err policy_tree(json_t *root, const pqcha_policy *p) {
    pqcha_err err = PQCHA_OK;
    json_t *keys = trusted_keys_json(p, &err);
    if (!keys) return err != PQCHA_OK ? err : PQCHA_ERR_NO_MEMORY;
    int ok = put(root, "version", json_integer(1)) && put(root, "trustedKeys", keys);
    if (ok && p->max_skew != PQCHA_DEFAULT_MAX_SKEW_SECONDS)
        ok = put(root, "maxSkewSeconds", json_integer(p->max_skew));
    if (ok && p->max_lifetime != PQCHA_DEFAULT_MAX_LIFETIME_SECONDS)
        ok = put(root, "maxLifetimeSeconds", json_integer(p->max_lifetime));
    if (ok && p->sig_alg_mask != PQCHA__POLICY_ALL_SIG_ALGS)
        ok = put(root, "allowedSignatureAlgorithms",
                 algorithm_list(p->sig_alg_mask, PQCHA__POLICY_ALL_SIG_ALGS, 0));
    if (ok && p->digest_alg_mask != PQCHA__POLICY_ALL_DIGEST_ALGS)
        ok = put(root, "allowedDigestAlgorithms",
                 algorithm_list(p->digest_alg_mask, PQCHA__POLICY_ALL_DIGEST_ALGS, 1));
    json_t *workloads = json_object();
    ok = ok && put(root, "workloads", workloads);
    for (size_t i = 0; ok && i < p->workload_count; i++)
        ok = put(workloads, p->workloads[i].id, workload_json(&p->workloads[i]));
    if (!ok) return PQCHA_ERR_NO_MEMORY;
    return manifests_json(root, p);
}

/* ---- the outline: one line per key, entry and region ---- */

typedef struct text {
    char *data;
    size_t len, cap;
    pqcha_err err;
} text;

static void emit(text *t, const char *s, size_t n) {
    if (t->err != PQCHA_OK) return;
    t->err = pqcha__grow(&t->data, &t->cap, t->len + n + 1, 1, SIZE_MAX);
    if (t->err != PQCHA_OK) return;
    memcpy(t->data + t->len, s, n);
    t->len += n;
    t->data[t->len] = '\0';
}

static void emit_str(text *t, const char *s) {
    emit(t, s, strlen(s));
}

/* A value (or key) as compact JSON, non-ASCII escaped. */
static void emit_compact(text *t, const json_t *value) {
    char *s =
        json_dumps(value, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII | JSON_ENCODE_ANY);
    if (!s) {
        t->err = PQCHA_ERR_NO_MEMORY;
        return;
    }
    emit_str(t, s);
    free(s);
}

static void emit_indent(text *t, unsigned depth) {
    for (unsigned i = 0; i < depth; i++)
        emit(t, "  ", 2);
}

/* The order keys are written in: the document's own, then the rest sorted. */
static const char *const key_order[] = {"version",
                                        "trustedKeys",
                                        "maxSkewSeconds",
                                        "maxLifetimeSeconds",
                                        "allowedSignatureAlgorithms",
                                        "allowedDigestAlgorithms",
                                        "manifests",
                                        "workloads",
                                        "platform",
                                        "allowExtraRegions",
                                        "evidence",
                                        "staleAfterSeconds",
                                        "regions",
                                        NULL};

static size_t key_rank(const char *key) {
    size_t i = 0;
    while (key_order[i] && strcmp(key_order[i], key) != 0)
        i++;
    return i;
}

static int compare_keys(const void *a, const void *b) {
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    size_t rx = key_rank(x), ry = key_rank(y);
    return rx != ry ? (rx < ry ? -1 : 1) : strcmp(x, y);
}

/* Containers written one member per line: the document, its key list,
 * manifests and workloads, each workload and its regions. Anything deeper
 * (a manifest entry, a region's digest set) stays on its line. */
static int expanded(const char *key, const char *parent_key, unsigned depth) {
    if (depth == 0) return 1;
    if (parent_key && strcmp(parent_key, "workloads") == 0) return 1;
    return key && (strcmp(key, "trustedKeys") == 0 || strcmp(key, "manifests") == 0 ||
                   strcmp(key, "workloads") == 0 || strcmp(key, "regions") == 0);
}

static void emit_value(text *t, const json_t *value, const char *key, const char *parent_key,
                       unsigned depth);

static void emit_object(text *t, const json_t *obj, const char *key, unsigned depth) {
    size_t n = json_object_size(obj), i = 0;
    const char **keys = n ? malloc(n * sizeof *keys) : NULL;
    if (n && !keys) {
        t->err = PQCHA_ERR_NO_MEMORY;
        return;
    }
    const char *k;
    json_t *v;
    json_object_foreach(pqcha__json_mutable(obj), k, v) keys[i++] = k;
    qsort(keys, n, sizeof *keys, compare_keys);
    emit_str(t, n ? "{\n" : "{");
    for (i = 0; i < n; i++) {
        json_t *name = json_string(keys[i]);
        emit_indent(t, depth + 1);
        if (name) emit_compact(t, name);
        json_decref(name);
        emit_str(t, ": ");
        emit_value(t, json_object_get(obj, keys[i]), keys[i], key, depth + 1);
        emit_str(t, i + 1 < n ? ",\n" : "\n");
    }
    if (n) emit_indent(t, depth);
    emit_str(t, "}");
    free(keys);
}

static void emit_array(text *t, const json_t *array, unsigned depth) {
    size_t n = json_array_size(array);
    emit_str(t, n ? "[\n" : "[");
    for (size_t i = 0; i < n; i++) {
        emit_indent(t, depth + 1);
        emit_compact(t, json_array_get(array, i));
        emit_str(t, i + 1 < n ? ",\n" : "\n");
    }
    if (n) emit_indent(t, depth);
    emit_str(t, "]");
}

static void emit_value(text *t, const json_t *value, const char *key, const char *parent_key,
                       unsigned depth) {
    if (!expanded(key, parent_key, depth))
        emit_compact(t, value);
    else if (json_is_object(value))
        emit_object(t, value, key, depth);
    else if (json_is_array(value))
        emit_array(t, value, depth);
    else
        emit_compact(t, value);
}

pqcha_err pqcha_policy_to_json(char **out, size_t *out_len, const pqcha_policy *p) {
    if (!out) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (out_len) *out_len = 0;
    if (!p || !p->finished) return PQCHA_ERR_INVALID_ARGUMENT;
    json_t *root = json_object();
    if (!root) return PQCHA_ERR_NO_MEMORY;
    pqcha_err err = policy_tree(root, p);
    text t = {NULL, 0, 0, PQCHA_OK};
    if (err == PQCHA_OK) {
        emit_value(&t, root, NULL, NULL, 0);
        emit_str(&t, "\n");
        err = t.err;
    }
    json_decref(root);
    /* What is written must parse back: a policy above the cap is refused
     * here, with its size in *out_len for the message. */
    if (err == PQCHA_OK && t.len > PQCHA_MAX_POLICY_LEN) err = PQCHA_ERR_TOO_LARGE;
    if (out_len && (err == PQCHA_OK || err == PQCHA_ERR_TOO_LARGE)) *out_len = t.len;
    if (err != PQCHA_OK) {
        free(t.data);
        return err;
    }
    *out = t.data;
    return PQCHA_OK;
}

pqcha_err pqcha_policy_manifest_entry_json(char **out, const pqcha_manifest *m, size_t file) {
    if (!out) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (!m || file >= m->count) return PQCHA_ERR_INVALID_ARGUMENT;
    json_t *obj = NULL;
    PQCHA_TRY(pqcha__model_file_encode(&obj, &m->files[file]));
    size_t len = 0;
    pqcha_err err = pqcha__json_dump(out, &len, obj, PQCHA__JSON_COMPACT);
    json_decref(obj);
    return err;
}
