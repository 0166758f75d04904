/* policy.c — "pqcha policy": write a verifier policy (docs/FORMAT.md section 6)
 * whose reference digests come from known-good files.
 *
 * The digests are computed through the same "file" backend that attest uses,
 * so a range means exactly the same bytes on both sides. The policy is built
 * with libpqcha's policy builder and written by it (pqcha/policy.h): the
 * format is read and written in one place. */
#include <fnmatch.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define POLICY_CMD       "policy"
#define POLICY_MAX_TRUST 256

enum {
    POLICY_OPT_PLATFORM = 0x100,
    POLICY_OPT_ALLOW_EXTRA,
    POLICY_OPT_DIGEST,
    POLICY_OPT_THREADS,
    POLICY_OPT_MANIFEST,
    POLICY_OPT_REQUIRE_TENSOR,
    POLICY_OPT_EVIDENCE,
    POLICY_OPT_STALE_AFTER
};
#define POLICY_MAX_MANIFESTS 64
#define POLICY_MAX_REQUIRE   256
#define POLICY_MAX_DIGESTS   3
#define EVIDENCE_POLICY_MAX  (64u * 1024u) /* FORMAT.md 6.1 */

static const char policy_help[] =
    "Usage: pqcha policy --workload ID [--region ID=FILE[@OFFSET+LENGTH]]...\n"
    "                    [--manifest MANIFEST.json]... [--trust PUB.pem]...\n"
    "                    [--platform NAME] [--allow-extra] [--require-tensor GLOB]...\n"
    "                    [--evidence EVIDENCE-POLICY.json] [--stale-after SECONDS]\n"
    "                    [-o POLICY.json]\n"
    "\n"
    "Writes a verifier policy: the digest of each region, computed from a\n"
    "known-good reference FILE (or LENGTH bytes of it from OFFSET), and the\n"
    "trusted public keys inlined. 'pqcha verify --policy' compares reports with it.\n"
    "Reports must use a digest algorithm the policy lists for the region.\n"
    "\n"
    "With --manifest (see 'pqcha manifest'), every file of the manifest is embedded\n"
    "and becomes a region named by the file's base name (as the process backend\n"
    "names file mappings). A process region is then checked tensor by tensor,\n"
    "whatever part of the file the process maps, and drift names each changed or\n"
    "missing tensor. At least one --region or --manifest is required.\n"
    "\n"
    "Options:\n"
    "  -w, --workload ID     the workload the policy describes (required)\n"
    "  -r, --region ID=FILE[@OFFSET+LENGTH]\n"
    "                        a reference region (repeatable); OFFSET and\n"
    "                        LENGTH in decimal or 0x hex, LENGTH 0 = to the end\n"
    "  -m, --manifest MANIFEST.json\n"
    "                        embed the manifest's files as reference regions\n"
    "                        (repeatable; sha3-256-tree, whatever --digest says)\n"
    "  -t, --trust PUB.pem   a public key whose reports are trusted (repeatable); the\n"
    "                        verifier can also be given keys with 'verify --trust'\n"
    "      --platform NAME   require reports from this platform (e.g. process, file,\n"
    "                        amd-sev-snp), or 'any'; default: process with --manifest\n"
    "                        (a file hashed on disk is no memory attestation), else any\n"
    "      --allow-extra     accept regions the policy does not list (default: reject)\n"
    "      --evidence FILE   reports must carry hardware evidence meeting FILE's\n"
    "                        requirements (docs/FORMAT.md 6.1: platform, binding,\n"
    "                        measurement, debug off, minimum TCB...)\n"
    "      --stale-after SECONDS\n"
    "                        a verifier service ('pqcha serve') calls the workload\n"
    "                        stale when no report that counts came for this long\n"
    "                        (0: never; default: the service's --stale-after)\n"
    "      --require-tensor GLOB\n"
    "                        with --manifest: the tensors a process region must show\n"
    "                        (names matching GLOB; repeatable); default: every tensor\n"
    "      --digest ALG      sha3-256-tree (default), sha3-256 or k12; repeat to accept\n"
    "                        reports made with any of several algorithms\n"
    "      --threads N       threads for hashing large files (default: all CPUs)\n"
    "  -o, --output PATH     write the policy to PATH (default: stdout)\n"
    "  -h, --help            show this help\n"
    "\n"
    "Exit codes: 0 written; 4 bad option, unreadable key or reference file, or I/O error.\n";

struct policy_options {
    const char *workload;
    const char *platform;
    int platform_given;                      /* --platform, also "any" */
    const char *require[POLICY_MAX_REQUIRE]; /* --require-tensor globs */
    size_t require_count;
    const char *output;
    const char *trust[POLICY_MAX_TRUST];
    size_t trust_count;
    struct cli_region_list regions;
    int allow_extra;
    const char *evidence_path; /* --evidence */
    int64_t stale_after;       /* --stale-after; -1: not given */
    pqcha_digest_alg digests[POLICY_MAX_DIGESTS];
    size_t digest_count;
    unsigned threads;
    const char *manifest_paths[POLICY_MAX_MANIFESTS];
    pqcha_manifest *manifests[POLICY_MAX_MANIFESTS];
    size_t manifest_count;
};

static void policy_options_free(struct policy_options *o) {
    size_t i;
    cli_region_list_free(&o->regions);
    for (i = 0; i < o->manifest_count; i++)
        pqcha_manifest_free(o->manifests[i]);
}

static int add_digest(struct policy_options *o, const char *arg) {
    pqcha_digest_alg alg;
    size_t i;
    if (!cli_option_digest(POLICY_CMD, "--digest", arg, &alg)) return 0;
    for (i = 0; i < o->digest_count; i++)
        if (o->digests[i] == alg) return 1; /* the same algorithm twice adds nothing */
    o->digests[o->digest_count++] = alg;
    return 1;
}

static int parse_policy_option(struct policy_options *o, int opt, const char *arg) {
    switch (opt) {
    case 'w':
        if (!cli_option_identifier(POLICY_CMD, "--workload", arg)) return 0;
        o->workload = arg;
        return 1;
    case 'r': return cli_region_list_add(&o->regions, POLICY_CMD, arg);
    case 'm':
        if (o->manifest_count == POLICY_MAX_MANIFESTS) {
            cli_usage_error(POLICY_CMD, "--manifest: at most %d manifests", POLICY_MAX_MANIFESTS);
            return 0;
        }
        o->manifest_paths[o->manifest_count] = arg;
        o->manifests[o->manifest_count++] = NULL; /* loaded after option parsing */
        return 1;
    case 't':
        if (o->trust_count == POLICY_MAX_TRUST) {
            cli_usage_error(POLICY_CMD, "--trust: at most %d keys", POLICY_MAX_TRUST);
            return 0;
        }
        o->trust[o->trust_count++] = arg;
        return 1;
    case POLICY_OPT_PLATFORM:
        o->platform_given = 1;
        if (strcmp(arg, "any") == 0) {
            o->platform = NULL;
            return 1;
        }
        if (!cli_option_identifier(POLICY_CMD, "--platform", arg)) return 0;
        o->platform = arg;
        return 1;
    case POLICY_OPT_ALLOW_EXTRA: o->allow_extra = 1; return 1;
    case POLICY_OPT_EVIDENCE: o->evidence_path = arg; return 1;
    case POLICY_OPT_STALE_AFTER: {
        uint64_t seconds = 0;
        if (!cli_option_u64(POLICY_CMD, "--stale-after", arg, PQCHA_MAX_STALE_AFTER_SECONDS,
                            &seconds))
            return 0;
        o->stale_after = (int64_t)seconds;
        return 1;
    }
    case POLICY_OPT_REQUIRE_TENSOR:
        if (o->require_count == POLICY_MAX_REQUIRE) {
            cli_usage_error(POLICY_CMD, "--require-tensor: at most %d patterns",
                            POLICY_MAX_REQUIRE);
            return 0;
        }
        o->require[o->require_count++] = arg;
        return 1;
    case 'o': o->output = arg; return 1;
    case POLICY_OPT_DIGEST: return add_digest(o, arg);
    case POLICY_OPT_THREADS: return cli_option_threads(POLICY_CMD, arg, &o->threads);
    default: cli_try_help(POLICY_CMD); return 0;
    }
}

/* ---- manifests ---- */

/* Is `name` already a region id (from --region, or an earlier manifest file)? */
static int region_name_taken(const struct policy_options *o, size_t manifest, size_t file,
                             const char *name) {
    size_t i, f;
    for (i = 0; i < o->regions.count; i++)
        if (strcmp(o->regions.items[i].id, name) == 0) return 1;
    for (i = 0; i <= manifest; i++)
        for (f = 0; f < (i < manifest ? pqcha_manifest_file_count(o->manifests[i]) : file); f++)
            if (strcmp(pqcha_manifest_file_name(o->manifests[i], f), name) == 0) return 1;
    return 0;
}

/* Loads every --manifest and checks that each file name can be a region id
 * of its own. */
static int load_manifests(struct policy_options *o) {
    size_t i, f, total = o->regions.count;
    for (i = 0; i < o->manifest_count; i++) {
        o->manifests[i] = cli_load_manifest(o->manifest_paths[i]);
        if (o->manifests[i] == NULL) return 0;
        for (f = 0; f < pqcha_manifest_file_count(o->manifests[i]); f++) {
            const char *name = pqcha_manifest_file_name(o->manifests[i], f);
            pqcha_err err = pqcha_identifier_check(name);
            if (err != PQCHA_OK) {
                cli_usage_error(POLICY_CMD, "--manifest %s: file name '%s' is no region id: %s",
                                cli_escaped(o->manifest_paths[i]), cli_escaped(name),
                                pqcha_strerror(err));
                return 0;
            }
            if (region_name_taken(o, i, f, name)) {
                cli_usage_error(POLICY_CMD, "--manifest %s: region '%s' is given twice",
                                cli_escaped(o->manifest_paths[i]), cli_escaped(name));
                return 0;
            }
            total++;
        }
    }
    if (total == 0) {
        cli_usage_error(POLICY_CMD, "no reference regions: the manifests list no files");
        return 0;
    }
    return 1;
}

/* Every file of every manifest, embedded under its name. */
static int add_manifest_entries(pqcha_policy *policy, const struct policy_options *o) {
    size_t i, f;
    for (i = 0; i < o->manifest_count; i++)
        for (f = 0; f < pqcha_manifest_file_count(o->manifests[i]); f++) {
            pqcha_err err = pqcha_policy_add_manifest_entry(policy, o->manifests[i], f);
            if (err != PQCHA_OK) {
                cli_error(o->manifest_paths[i], err, NULL);
                return 0;
            }
        }
    return 1;
}

static int tensor_required(const struct policy_options *o, const char *name) {
    size_t i;
    for (i = 0; i < o->require_count; i++)
        if (fnmatch(o->require[i], name, 0) == 0) return 1;
    return 0;
}

/* The names --require-tensor selects from file f (none without that option:
 * every tensor is then required). A NULL list with *n 0 on a memory error. */
static const char **required_tensors(const struct policy_options *o, const pqcha_manifest *m,
                                     size_t f, size_t *n) {
    size_t t, count = pqcha_manifest_tensor_count(m, f);
    const char **names = malloc((count ? count : 1) * sizeof(*names));
    *n = 0;
    for (t = 0; names != NULL && t < count; t++)
        if (tensor_required(o, pqcha_manifest_tensor_name(m, f, t)))
            names[(*n)++] = pqcha_manifest_tensor_name(m, f, t);
    return names;
}

/* One region {"manifest": "<file name>"} per manifest file, named like it. */
static int add_manifest_regions(pqcha_policy *policy, const struct policy_options *o) {
    size_t i, f, n;
    for (i = 0; i < o->manifest_count; i++)
        for (f = 0; f < pqcha_manifest_file_count(o->manifests[i]); f++) {
            const char *name = pqcha_manifest_file_name(o->manifests[i], f);
            const char **tensors = required_tensors(o, o->manifests[i], f, &n);
            pqcha_err err = tensors == NULL ? PQCHA_ERR_NO_MEMORY : PQCHA_OK;
            if (err == PQCHA_OK && o->require_count > 0 && n == 0) {
                free(tensors);
                cli_usage_error(POLICY_CMD, "--require-tensor: no tensor of %s matches",
                                cli_escaped(name));
                return 0;
            }
            if (err == PQCHA_OK)
                err = pqcha_policy_add_region_manifest(policy, o->workload, name, name, tensors, n);
            free(tensors);
            if (err != PQCHA_OK) {
                cli_error(name, err, NULL);
                return 0;
            }
        }
    return 1;
}

static int add_trusted_keys(pqcha_policy *policy, const struct policy_options *o) {
    size_t i;
    for (i = 0; i < o->trust_count; i++) {
        pqcha_key *key = cli_load_key(o->trust[i], CLI_KEY_PUBLIC);
        pqcha_err err;
        if (key == NULL) return 0;
        err = pqcha_policy_add_trusted_key(policy, key);
        pqcha_key_free(key);
        if (err != PQCHA_OK) {
            cli_error(o->trust[i], err, NULL);
            return 0;
        }
    }
    return 1;
}

/* One region's digest set, one digest per --digest, via the file backend. */
static int add_region_digests(pqcha_policy *policy, const struct policy_options *o,
                              pqcha_backend *backend, const pqcha_region *region) {
    char hex[POLICY_MAX_DIGESTS][2 * PQCHA_MAX_DIGEST_LEN + 1];
    const char *hexes[POLICY_MAX_DIGESTS];
    size_t d;
    pqcha_err err = PQCHA_OK;

    for (d = 0; d < o->digest_count && err == PQCHA_OK; d++) {
        uint8_t digest[PQCHA_MAX_DIGEST_LEN];
        size_t len = pqcha_digest_alg_length(o->digests[d]);
        err = pqcha_backend_digest(backend, o->workload, region, o->digests[d], o->threads, digest,
                                   len);
        pqcha_hex_encode(hex[d], digest, len);
        hexes[d] = hex[d];
    }
    if (err == PQCHA_OK)
        err = pqcha_policy_add_region_digests(policy, o->workload, pqcha_region_id(region),
                                              o->digests, hexes, o->digest_count);
    if (err != PQCHA_OK) {
        char what[300];
        snprintf(what, sizeof what, "region %s", pqcha_region_id(region));
        cli_error(what, err, cli_hint_for(err));
        return 0;
    }
    return 1;
}

/* Every --region's digests, in the backend's order. */
static int add_file_regions(pqcha_policy *policy, const struct policy_options *o,
                            pqcha_backend *backend) {
    pqcha_region **regions = NULL;
    size_t count = 0, i;
    int ok = 1;
    pqcha_err err = pqcha_backend_list_regions(backend, o->workload, &regions, &count);

    if (err != PQCHA_OK) {
        cli_error("listing regions", err, NULL);
        return 0;
    }
    for (i = 0; i < count && ok; i++)
        ok = add_region_digests(policy, o, backend, regions[i]);
    pqcha_region_list_free(regions, count);
    return ok;
}

static int add_reference_files(pqcha_backend *backend, const struct policy_options *o) {
    size_t i;
    for (i = 0; i < o->regions.count; i++) {
        const struct cli_region_spec *r = &o->regions.items[i];
        pqcha_err err =
            pqcha_file_backend_add(backend, o->workload, r->id, r->path, r->offset, r->length);
        if (err != PQCHA_OK) {
            char what[1024];
            snprintf(what, sizeof what, "region %s (%s)", r->id, r->path);
            cli_error(what, err, cli_hint_for(err));
            return 0;
        }
    }
    return 1;
}

/* The bytes the regions' lines will take at least (ids before escaping),
 * known before anything is hashed. */
static size_t region_entries_size(const struct policy_options *o) {
    size_t i, d, per_digest_set = 2; /* {} */
    size_t total = 0;
    for (d = 0; d < o->digest_count; d++)
        per_digest_set += strlen(pqcha_digest_alg_name(o->digests[d])) + 5 +
                          2 * pqcha_digest_alg_length(o->digests[d]) + (d ? 1 : 0);
    for (i = 0; i < o->regions.count; i++)
        total += 8 + strlen(o->regions.items[i].id) + 5 + per_digest_set;
    return total;
}

static int policy_too_large(size_t bytes, const char *when) {
    cli_errorf("the policy would be %s%zu bytes, above the %u MiB a policy may have "
               "(docs/FORMAT.md section 1)%s: split the regions over several workloads "
               "or policies, or use --manifest for model files",
               when[0] ? "at least " : "", bytes, PQCHA_MAX_POLICY_LEN >> 20, when);
    return 0;
}

/* --evidence: the file's requirements object, checked as the verifier will. */
static int add_evidence_requirements(pqcha_policy *policy, const struct policy_options *o) {
    char *json = NULL;
    size_t len = 0;
    if (o->evidence_path == NULL) return 1;
    pqcha_err err = cli_read_file(o->evidence_path, EVIDENCE_POLICY_MAX, &json, &len);
    if (err == PQCHA_OK) err = pqcha_policy_set_workload_evidence(policy, o->workload, json, len);
    free(json);
    if (err != PQCHA_OK) cli_error(o->evidence_path, err, cli_hint_for(err));
    return err == PQCHA_OK;
}

/* Keys, manifest entries, the workload and its regions, finished. */
static int build_policy(pqcha_policy *policy, const struct policy_options *o) {
    pqcha_backend *backend = NULL;
    pqcha_err err = pqcha_backend_create(&backend, "file");
    int ok;

    if (err != PQCHA_OK) {
        cli_error("file backend", err, NULL);
        return 0;
    }
    ok = add_trusted_keys(policy, o) && add_manifest_entries(policy, o) &&
         add_reference_files(backend, o);
    if (ok && (err = pqcha_policy_add_workload(policy, o->workload, o->platform, o->allow_extra)) !=
                  PQCHA_OK) {
        cli_error(o->workload, err, NULL);
        ok = 0;
    }
    if (ok) ok = add_evidence_requirements(policy, o);
    if (ok && o->stale_after >= 0 &&
        (err = pqcha_policy_set_workload_stale_after(policy, o->workload, o->stale_after)) !=
            PQCHA_OK) {
        cli_error("--stale-after", err, NULL);
        ok = 0;
    }
    if (ok && region_entries_size(o) > PQCHA_MAX_POLICY_LEN)
        ok = policy_too_large(region_entries_size(o), "; nothing was hashed");
    ok = ok && add_file_regions(policy, o, backend) && add_manifest_regions(policy, o);
    pqcha_backend_free(backend);
    if (ok && (err = pqcha_policy_finish(policy)) != PQCHA_OK) {
        cli_error("the policy", err, cli_hint_for(err));
        ok = 0;
    }
    return ok;
}

/* The policy's JSON, written; a policy above the cap is refused by the
 * library, and said here with the numbers. */
static int write_policy(const pqcha_policy *policy, const char *output) {
    char *json = NULL;
    size_t len = 0;
    pqcha_err err = pqcha_policy_to_json(&json, &len, policy);
    int ok;

    if (err == PQCHA_ERR_TOO_LARGE) return policy_too_large(len, "");
    if (err != PQCHA_OK) {
        cli_error("writing the policy", err, NULL);
        return 0;
    }
    ok = cli_write_output(output, json, len);
    pqcha_free(json);
    return ok;
}

int cli_policy_main(int argc, char **argv) {
    static const struct option options[] = {
        {"workload", required_argument, NULL, 'w'},
        {"region", required_argument, NULL, 'r'},
        {"manifest", required_argument, NULL, 'm'},
        {"trust", required_argument, NULL, 't'},
        {"platform", required_argument, NULL, POLICY_OPT_PLATFORM},
        {"require-tensor", required_argument, NULL, POLICY_OPT_REQUIRE_TENSOR},
        {"allow-extra", no_argument, NULL, POLICY_OPT_ALLOW_EXTRA},
        {"evidence", required_argument, NULL, POLICY_OPT_EVIDENCE},
        {"stale-after", required_argument, NULL, POLICY_OPT_STALE_AFTER},
        {"digest", required_argument, NULL, POLICY_OPT_DIGEST},
        {"threads", required_argument, NULL, POLICY_OPT_THREADS},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct policy_options o;
    pqcha_policy *policy = NULL;
    int opt, status = CLI_EXIT_OK;

    memset(&o, 0, sizeof o);
    o.stale_after = -1;
    while (status == CLI_EXIT_OK &&
           (opt = getopt_long(argc, argv, "w:r:m:t:o:h", options, NULL)) != -1) {
        if (opt == 'h') {
            fputs(policy_help, stdout);
            policy_options_free(&o);
            return CLI_EXIT_OK;
        }
        if (!parse_policy_option(&o, opt, optarg)) status = CLI_EXIT_USAGE;
    }
    if (o.digest_count == 0) o.digests[o.digest_count++] = PQCHA_DIGEST_SHA3_256_TREE;
    if (status == CLI_EXIT_OK && optind < argc)
        status = cli_usage_error(POLICY_CMD, "unexpected argument '%s'", cli_escaped(argv[optind]));
    if (status == CLI_EXIT_OK && o.workload == NULL)
        status = cli_usage_error(POLICY_CMD, "missing --workload ID");
    if (status == CLI_EXIT_OK && o.regions.count == 0 && o.manifest_count == 0)
        status = cli_usage_error(POLICY_CMD, "missing --region ID=FILE or --manifest MANIFEST.json "
                                             "(at least one reference region)");
    if (status == CLI_EXIT_OK && !cli_region_list_check_unique(&o.regions, POLICY_CMD))
        status = CLI_EXIT_USAGE;
    if (status == CLI_EXIT_OK && !load_manifests(&o)) status = CLI_EXIT_USAGE;
    /* A manifest describes model memory: a report that hashed the file on
     * disk must not pass as memory attestation unless the writer says so. */
    if (o.manifest_count > 0 && !o.platform_given) o.platform = "process";
    if (status == CLI_EXIT_OK && pqcha_policy_create(&policy) != PQCHA_OK) {
        cli_error(POLICY_CMD, PQCHA_ERR_NO_MEMORY, NULL);
        status = CLI_EXIT_USAGE;
    }
    if (status == CLI_EXIT_OK && !(build_policy(policy, &o) && write_policy(policy, o.output)))
        status = CLI_EXIT_USAGE;
    if (status == CLI_EXIT_OK && o.trust_count == 0)
        cli_warnf("the policy lists no trusted keys; 'pqcha verify' will need --trust PUB.pem");
    pqcha_policy_free(policy);
    policy_options_free(&o);
    return status;
}
