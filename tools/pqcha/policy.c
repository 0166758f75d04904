/* policy.c — "pqcha policy": write a verifier policy (docs/FORMAT.md section 6)
 * whose reference digests come from known-good files.
 *
 * The digests are computed through the same "file" backend that attest uses,
 * so a range means exactly the same bytes on both sides. The JSON is written
 * by hand (the CLI uses only libpqcha's public API and libc) and parsed back
 * with pqcha_policy_parse before anything is written. */
#include <fnmatch.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define POLICY_CMD "policy"
#define POLICY_MAX_TRUST 256

enum {
    POLICY_OPT_PLATFORM = 0x100,
    POLICY_OPT_ALLOW_EXTRA,
    POLICY_OPT_DIGEST,
    POLICY_OPT_THREADS,
    POLICY_OPT_MANIFEST,
    POLICY_OPT_REQUIRE_TENSOR
};
#define POLICY_MAX_MANIFESTS 64
#define POLICY_MAX_REQUIRE 256
#define POLICY_MAX_DIGESTS 3

static const char policy_help[] =
    "Usage: pqcha policy --workload ID [--region ID=FILE[@OFFSET+LENGTH]]...\n"
    "                    [--manifest MANIFEST.json]... [--trust PUB.pem]...\n"
    "                    [--platform NAME] [--allow-extra] [--require-tensor GLOB]...\n"
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
    int platform_given; /* --platform, also "any" */
    const char *require[POLICY_MAX_REQUIRE]; /* --require-tensor globs */
    size_t require_count;
    const char *output;
    const char *trust[POLICY_MAX_TRUST];
    size_t trust_count;
    struct cli_region_list regions;
    int allow_extra;
    pqcha_digest_alg digests[POLICY_MAX_DIGESTS];
    size_t digest_count;
    unsigned threads;
    const char *manifest_paths[POLICY_MAX_MANIFESTS];
    pqcha_manifest *manifests[POLICY_MAX_MANIFESTS];
    size_t manifest_count;
};

static void policy_options_free(struct policy_options *o)
{
    size_t i;
    cli_region_list_free(&o->regions);
    for (i = 0; i < o->manifest_count; i++)
        pqcha_manifest_free(o->manifests[i]);
}

static int add_digest(struct policy_options *o, const char *arg)
{
    pqcha_digest_alg alg;
    size_t i;
    if (!cli_option_digest(POLICY_CMD, "--digest", arg, &alg))
        return 0;
    for (i = 0; i < o->digest_count; i++)
        if (o->digests[i] == alg)
            return 1; /* the same algorithm twice adds nothing */
    o->digests[o->digest_count++] = alg;
    return 1;
}

static int parse_policy_option(struct policy_options *o, int opt, const char *arg)
{
    switch (opt) {
    case 'w':
        if (!cli_option_identifier(POLICY_CMD, "--workload", arg))
            return 0;
        o->workload = arg;
        return 1;
    case 'r':
        return cli_region_list_add(&o->regions, POLICY_CMD, arg);
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
        if (!cli_option_identifier(POLICY_CMD, "--platform", arg))
            return 0;
        o->platform = arg;
        return 1;
    case POLICY_OPT_ALLOW_EXTRA:
        o->allow_extra = 1;
        return 1;
    case POLICY_OPT_REQUIRE_TENSOR:
        if (o->require_count == POLICY_MAX_REQUIRE) {
            cli_usage_error(POLICY_CMD, "--require-tensor: at most %d patterns", POLICY_MAX_REQUIRE);
            return 0;
        }
        o->require[o->require_count++] = arg;
        return 1;
    case 'o':
        o->output = arg;
        return 1;
    case POLICY_OPT_DIGEST:
        return add_digest(o, arg);
    case POLICY_OPT_THREADS:
        return cli_option_threads(POLICY_CMD, arg, &o->threads);
    default:
        cli_try_help(POLICY_CMD);
        return 0;
    }
}

/* ---- manifests ---- */

/* Is `name` already a region id (from --region, or an earlier manifest file)? */
static int region_name_taken(const struct policy_options *o, size_t manifest, size_t file,
                             const char *name)
{
    size_t i, f;
    for (i = 0; i < o->regions.count; i++)
        if (strcmp(o->regions.items[i].id, name) == 0)
            return 1;
    for (i = 0; i <= manifest; i++)
        for (f = 0; f < (i < manifest ? pqcha_manifest_file_count(o->manifests[i]) : file); f++)
            if (strcmp(pqcha_manifest_file_name(o->manifests[i], f), name) == 0)
                return 1;
    return 0;
}

/* Loads every --manifest and checks that each file name can be a region id
 * of its own. */
static int load_manifests(struct policy_options *o)
{
    size_t i, f, total = o->regions.count;
    for (i = 0; i < o->manifest_count; i++) {
        o->manifests[i] = cli_load_manifest(o->manifest_paths[i]);
        if (o->manifests[i] == NULL)
            return 0;
        for (f = 0; f < pqcha_manifest_file_count(o->manifests[i]); f++) {
            const char *name = pqcha_manifest_file_name(o->manifests[i], f);
            pqcha_err err = pqcha_identifier_check(name);
            if (err != PQCHA_OK) {
                cli_usage_error(POLICY_CMD, "--manifest %s: file name '%s' is no region id: %s",
                                cli_escaped(o->manifest_paths[i]), cli_escaped(name), pqcha_strerror(err));
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

/* "manifests": {"<file name>": <file entry>, ...} */
static int append_manifests(struct cli_buf *json, const struct policy_options *o)
{
    size_t i, f, n = 0;
    if (o->manifest_count == 0)
        return 1;
    cli_buf_append(json, "  \"manifests\": {");
    for (i = 0; i < o->manifest_count; i++) {
        for (f = 0; f < pqcha_manifest_file_count(o->manifests[i]); f++) {
            char *entry = NULL;
            pqcha_err err = pqcha_policy_manifest_entry_json(&entry, o->manifests[i], f);
            if (err != PQCHA_OK) {
                cli_error(o->manifest_paths[i], err, NULL);
                return 0;
            }
            cli_buf_append(json, n++ ? ",\n    " : "\n    ");
            cli_buf_append_json_string(json, pqcha_manifest_file_name(o->manifests[i], f));
            cli_buf_append(json, ": ");
            cli_buf_append(json, entry);
            pqcha_free(entry);
        }
    }
    cli_buf_append(json, n ? "\n  },\n" : "},\n");
    return 1;
}

/* One "<file name>": {"manifest": "<file name>"} region per manifest file. */
static int tensor_required(const struct policy_options *o, const char *name)
{
    size_t i;
    for (i = 0; i < o->require_count; i++)
        if (fnmatch(o->require[i], name, 0) == 0)
            return 1;
    return 0;
}

/* "tensors": the names --require-tensor selects; none written (every tensor
 * required) without that option. Returns the number written. */
static size_t append_required_tensors(struct cli_buf *json, const struct policy_options *o,
                                      const pqcha_manifest *m, size_t f)
{
    size_t t, written = 0;
    if (o->require_count == 0)
        return 0;
    for (t = 0; t < pqcha_manifest_tensor_count(m, f); t++) {
        const char *name = pqcha_manifest_tensor_name(m, f, t);
        if (!tensor_required(o, name))
            continue;
        cli_buf_append(json, written++ ? ", " : ", \"tensors\": [");
        cli_buf_append_json_string(json, name);
    }
    if (written)
        cli_buf_append(json, "]");
    return written;
}

static int append_manifest_regions(struct cli_buf *json, const struct policy_options *o, int first)
{
    size_t i, f;
    for (i = 0; i < o->manifest_count; i++) {
        for (f = 0; f < pqcha_manifest_file_count(o->manifests[i]); f++) {
            const char *name = pqcha_manifest_file_name(o->manifests[i], f);
            cli_buf_append(json, first ? "\n        " : ",\n        ");
            first = 0;
            cli_buf_append_json_string(json, name);
            cli_buf_append(json, ": {\"manifest\": ");
            cli_buf_append_json_string(json, name);
            if (o->require_count > 0 &&
                append_required_tensors(json, o, o->manifests[i], f) == 0) {
                cli_usage_error(POLICY_CMD, "--require-tensor: no tensor of %s matches", name);
                return 0;
            }
            cli_buf_append(json, "}");
        }
    }
    return 1;
}

/* ---- JSON ---- */

static int append_trusted_keys(struct cli_buf *json, const struct policy_options *o)
{
    size_t i;
    cli_buf_append(json, "  \"trustedKeys\": [");
    for (i = 0; i < o->trust_count; i++) {
        pqcha_key *key = cli_load_key(o->trust[i], CLI_KEY_PUBLIC);
        char *pem = NULL;
        size_t pem_len = 0;
        pqcha_err err;

        if (key == NULL)
            return 0;
        err = pqcha_key_public_pem(&pem, &pem_len, key);
        pqcha_key_free(key);
        if (err != PQCHA_OK) {
            cli_error(o->trust[i], err, NULL);
            return 0;
        }
        cli_buf_append(json, i ? ",\n    " : "\n    ");
        cli_buf_append_json_string(json, pem);
        pqcha_free(pem);
    }
    cli_buf_append(json, o->trust_count ? "\n  ],\n" : "],\n");
    return 1;
}

/* The digest set of one region: {"<alg>": "<hex>", ...}, one entry per --digest. */
static int append_digest_set(struct cli_buf *json, const struct policy_options *o,
                             pqcha_backend *backend, const pqcha_region *region)
{
    size_t d;
    cli_buf_append(json, "{");
    for (d = 0; d < o->digest_count; d++) {
        uint8_t digest[PQCHA_MAX_DIGEST_LEN];
        char hex[2 * PQCHA_MAX_DIGEST_LEN + 1];
        size_t len = pqcha_digest_alg_length(o->digests[d]);
        pqcha_err err = pqcha_backend_digest(backend, o->workload, region, o->digests[d],
                                             o->threads, digest, len);
        if (err != PQCHA_OK) {
            char what[300];
            snprintf(what, sizeof(what), "region %s", pqcha_region_id(region));
            cli_error(what, err, cli_hint_for(err));
            return 0;
        }
        pqcha_hex_encode(hex, digest, len);
        cli_buf_appendf(json, "%s\"%s\": \"%s\"", d ? ", " : "",
                        pqcha_digest_alg_name(o->digests[d]), hex);
    }
    cli_buf_append(json, "}");
    return 1;
}

/* One "id": {digest set} entry per region, digested via the file backend. */
static int append_region_digests(struct cli_buf *json, const struct policy_options *o,
                                 pqcha_backend *backend)
{
    pqcha_region **regions = NULL;
    size_t count = 0, i;
    int ok = 1;
    pqcha_err err = pqcha_backend_list_regions(backend, o->workload, &regions, &count);

    if (err != PQCHA_OK) {
        cli_error("listing regions", err, NULL);
        return 0;
    }
    for (i = 0; i < count && ok; i++) {
        cli_buf_append(json, i ? ",\n        " : "\n        ");
        cli_buf_append_json_string(json, pqcha_region_id(regions[i]));
        cli_buf_append(json, ": ");
        ok = append_digest_set(json, o, backend, regions[i]);
    }
    pqcha_region_list_free(regions, count);
    return ok;
}

static int add_reference_files(pqcha_backend *backend, const struct policy_options *o)
{
    size_t i;
    for (i = 0; i < o->regions.count; i++) {
        const struct cli_region_spec *r = &o->regions.items[i];
        pqcha_err err =
            pqcha_file_backend_add(backend, o->workload, r->id, r->path, r->offset, r->length);
        if (err != PQCHA_OK) {
            char what[1024];
            snprintf(what, sizeof(what), "region %s (%s)", r->id, r->path);
            cli_error(what, err, cli_hint_for(err));
            return 0;
        }
    }
    return 1;
}

/* The bytes the regions' entries will take at least (ids before escaping),
 * known before anything is hashed. */
static size_t region_entries_size(const struct policy_options *o)
{
    size_t i, d, per_digest_sets = 2; /* {} */
    size_t total = 0;
    for (d = 0; d < o->digest_count; d++)
        per_digest_sets += strlen(pqcha_digest_alg_name(o->digests[d])) + 6 +
                           2 * pqcha_digest_alg_length(o->digests[d]) + (d ? 2 : 0);
    for (i = 0; i < o->regions.count; i++)
        total += 9 + strlen(o->regions.items[i].id) + 4 + per_digest_sets;
    return total;
}

static int policy_too_large(size_t bytes, const char *when)
{
    cli_errorf("the policy would be %s%zu bytes, above the %u MiB a policy may have "
               "(docs/FORMAT.md section 1)%s: split the regions over several workloads "
               "or policies, or use --manifest for model files",
               when[0] ? "at least " : "", bytes, PQCHA_MAX_POLICY_LEN >> 20, when);
    return 0;
}

static int build_policy_json(struct cli_buf *json, const struct policy_options *o)
{
    pqcha_backend *backend = NULL;
    pqcha_err err = pqcha_backend_create(&backend, "file");
    int ok;

    if (err != PQCHA_OK) {
        cli_error("file backend", err, NULL);
        return 0;
    }
    cli_buf_append(json, "{\n  \"version\": 1,\n");
    ok = append_trusted_keys(json, o) && append_manifests(json, o) && add_reference_files(backend, o);
    if (ok) {
        cli_buf_append(json, "  \"workloads\": {\n    ");
        cli_buf_append_json_string(json, o->workload);
        cli_buf_append(json, ": {\n");
        if (o->platform != NULL) {
            cli_buf_append(json, "      \"platform\": ");
            cli_buf_append_json_string(json, o->platform);
            cli_buf_append(json, ",\n");
        }
        cli_buf_appendf(json, "      \"allowExtraRegions\": %s,\n", o->allow_extra ? "true" : "false");
        cli_buf_append(json, "      \"regions\": {");
        if (json->len + region_entries_size(o) > PQCHA_MAX_POLICY_LEN)
            ok = policy_too_large(json->len + region_entries_size(o), "; nothing was hashed");
        else
            ok = append_region_digests(json, o, backend);
        if (ok)
            ok = append_manifest_regions(json, o, o->regions.count == 0);
        cli_buf_append(json, "\n      }\n    }\n  }\n}\n");
    }
    pqcha_backend_free(backend);
    if (ok && json->failed) {
        cli_error(POLICY_CMD, PQCHA_ERR_NO_MEMORY, NULL);
        ok = 0;
    }
    return ok;
}

/* Never write a policy that the verifier would refuse. */
static int policy_parses(const struct cli_buf *json)
{
    pqcha_policy *policy = NULL;
    pqcha_err err;
    /* Too large is the user's limit, not pqcha's bug: said with the numbers. */
    if (json->len > PQCHA_MAX_POLICY_LEN)
        return policy_too_large(json->len, "");
    err = pqcha_policy_parse(&policy, json->data, json->len);
    if (err != PQCHA_OK) {
        cli_error("the generated policy does not parse back", err,
                  "this is a bug in pqcha; please report it");
        return 0;
    }
    pqcha_policy_free(policy);
    return 1;
}

int cli_policy_main(int argc, char **argv)
{
    static const struct option options[] = {
        {"workload", required_argument, NULL, 'w'},
        {"region", required_argument, NULL, 'r'},
        {"manifest", required_argument, NULL, 'm'},
        {"trust", required_argument, NULL, 't'},
        {"platform", required_argument, NULL, POLICY_OPT_PLATFORM},
        {"require-tensor", required_argument, NULL, POLICY_OPT_REQUIRE_TENSOR},
        {"allow-extra", no_argument, NULL, POLICY_OPT_ALLOW_EXTRA},
        {"digest", required_argument, NULL, POLICY_OPT_DIGEST},
        {"threads", required_argument, NULL, POLICY_OPT_THREADS},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct policy_options o;
    struct cli_buf json = {NULL, 0, 0, 0};
    int opt, status = CLI_EXIT_OK;

    memset(&o, 0, sizeof(o));
    while (status == CLI_EXIT_OK && (opt = getopt_long(argc, argv, "w:r:m:t:o:h", options, NULL)) != -1) {
        if (opt == 'h') {
            fputs(policy_help, stdout);
            policy_options_free(&o);
            return CLI_EXIT_OK;
        }
        if (!parse_policy_option(&o, opt, optarg))
            status = CLI_EXIT_USAGE;
    }
    if (o.digest_count == 0)
        o.digests[o.digest_count++] = PQCHA_DIGEST_SHA3_256_TREE;
    if (status == CLI_EXIT_OK && optind < argc)
        status = cli_usage_error(POLICY_CMD, "unexpected argument '%s'", cli_escaped(argv[optind]));
    if (status == CLI_EXIT_OK && o.workload == NULL)
        status = cli_usage_error(POLICY_CMD, "missing --workload ID");
    if (status == CLI_EXIT_OK && o.regions.count == 0 && o.manifest_count == 0)
        status = cli_usage_error(POLICY_CMD, "missing --region ID=FILE or --manifest MANIFEST.json "
                                             "(at least one reference region)");
    if (status == CLI_EXIT_OK && !cli_region_list_check_unique(&o.regions, POLICY_CMD))
        status = CLI_EXIT_USAGE;
    if (status == CLI_EXIT_OK && !load_manifests(&o))
        status = CLI_EXIT_USAGE;
    /* A manifest describes model memory: a report that hashed the file on
     * disk must not pass as memory attestation unless the writer says so. */
    if (o.manifest_count > 0 && !o.platform_given)
        o.platform = "process";
    if (status == CLI_EXIT_OK && !(build_policy_json(&json, &o) && policy_parses(&json) &&
                                   cli_write_output(o.output, json.data, json.len)))
        status = CLI_EXIT_USAGE;
    if (status == CLI_EXIT_OK && o.trust_count == 0)
        cli_warnf("the policy lists no trusted keys; 'pqcha verify' will need --trust PUB.pem");
    cli_buf_free(&json);
    policy_options_free(&o);
    return status;
}
