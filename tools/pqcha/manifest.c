/* manifest.c — "pqcha manifest": reference values from model files
 * (docs/FORMAT.md section 8): for each FILE its base name, size,
 * sha3-256-tree digest and node digests and, for safetensors and GGUF files,
 * the tensor table. The manifest is parsed back before it is written, so
 * pqcha never writes one that its own decoder would refuse. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MANIFEST_CMD "manifest"

enum { MANIFEST_OPT_THREADS = 0x100 };

static const char manifest_help[] =
    "Usage: pqcha manifest [--threads N] [-o MANIFEST.json] FILE...\n"
    "\n"
    "Writes a manifest of model files: for each FILE its base name, size,\n"
    "sha3-256-tree digest and the tree's node digests (which let a verifier\n"
    "localise drift) and, for safetensors and GGUF files (recognised by their\n"
    "content), the tensor table: names, dtypes, shapes, absolute byte ranges and\n"
    "the digest of every tensor's bytes and of the bytes between tensors, so a\n"
    "verifier can check a process's memory tensor by tensor, whatever part of\n"
    "the file it maps. Other files are listed as \"raw\". Model files are parsed\n"
    "strictly: a truncated or inconsistent header is an error, never a partial\n"
    "entry. A split GGUF model is given as its files (model-00001-of-00003.gguf\n"
    "...); a sharded safetensors model by its model.safetensors.index.json, which\n"
    "adds every shard it names and checks that each tensor is where it says.\n"
    "\n"
    "Options:\n"
    "      --threads N      threads for hashing large files (default: all CPUs)\n"
    "  -o, --output PATH    write the manifest to PATH (default: stdout)\n"
    "  -h, --help           show this help\n"
    "\n"
    "Exit codes: 0 written; 3 a FILE looks like safetensors or GGUF but is\n"
    "malformed; 4 bad option, two FILEs with the same base name, a FILE that\n"
    "cannot be read, or an I/O error.\n";

/* Why a model file was refused, in its terms rather than the library's. */
static const char *model_error_detail(pqcha_err err) {
    switch (err) {
    case PQCHA_ERR_MALFORMED:
        return "the header is truncated or inconsistent (bad magic or counts, misaligned, "
               "overlapping or non-contiguous tensors)";
    case PQCHA_ERR_OUT_OF_RANGE:
        return "a tensor lies past the end of the file or its shape is too large "
               "(a truncated file?)";
    case PQCHA_ERR_INCONSISTENT_CLAIMS:
        return "a tensor's byte range does not match its shape and dtype";
    case PQCHA_ERR_UNSUPPORTED_ALGORITHM: return "an unsupported format version or tensor dtype";
    case PQCHA_ERR_TOO_LARGE: return "the header or one of its counts exceeds pqcha's limits";
    case PQCHA_ERR_BAD_IDENTIFIER: return "a tensor name is empty or not UTF-8";
    case PQCHA_ERR_JSON_SYNTAX:
    case PQCHA_ERR_JSON_DUPLICATE_KEY:
    case PQCHA_ERR_UNKNOWN_FIELD:
    case PQCHA_ERR_MISSING_FIELD:
    case PQCHA_ERR_WRONG_TYPE: return "the safetensors header is not the JSON the format defines";
    default: return pqcha_strerror(err);
    }
}

/* What went wrong with one FILE, and the exit code it earns. detail: the
 * library's sentence about the element it refused ("" if none), already
 * escaped. */
static int report_file_error(const char *path, pqcha_err err, const char *detail) {
    if (err == PQCHA_ERR_REGION_EXISTS) {
        cli_errorf("%s: another FILE has the same base name; manifest entries are named by it",
                   cli_escaped(path));
        return CLI_EXIT_USAGE;
    }
    if (pqcha_error_is_malformed(err)) {
        cli_errorf("%s: malformed model file (%s): %s", cli_escaped(path), pqcha_error_name(err),
                   detail[0] ? detail : model_error_detail(err));
        return CLI_EXIT_MALFORMED;
    }
    cli_error(path, err, cli_hint_for(err));
    return CLI_EXIT_USAGE;
}

/* The entry name is the base name; checked here so that BAD_IDENTIFIER from
 * the library can only mean a tensor name inside the file. */
static int base_name_usable(const char *path) {
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    if (pqcha_identifier_check(name) == PQCHA_OK && strcmp(name, ".") != 0 &&
        strcmp(name, "..") != 0)
        return 1;
    cli_errorf("%s: the base name cannot name a manifest entry "
               "(empty, over 256 bytes, not UTF-8, or control characters)",
               cli_escaped(path));
    return 0;
}

/* A sharded safetensors model is given by its index. */
static int is_safetensors_index(const char *path) {
    static const char suffix[] = ".safetensors.index.json";
    size_t len = strlen(path);
    return len >= sizeof suffix - 1 && strcmp(path + len - (sizeof suffix - 1), suffix) == 0;
}

static int add_files(pqcha_manifest *m, char **files, int count, unsigned threads) {
    int i;
    for (i = 0; i < count; i++) {
        pqcha_err err;
        int index = is_safetensors_index(files[i]);
        if (!index && !base_name_usable(files[i])) return CLI_EXIT_USAGE;
        err = index ? pqcha_manifest_add_safetensors_index(m, files[i], threads)
                    : pqcha_manifest_add_file(m, files[i], threads);
        if (err != PQCHA_OK)
            return report_file_error(files[i], err, pqcha_manifest_error_detail(m));
    }
    return CLI_EXIT_OK;
}

/* Writes json and a final newline: a text file ends with one, and JSON allows
 * whitespace after the value. */
static int write_text(const char *output, const char *json) {
    struct cli_buf text = {NULL, 0, 0, 0};
    int ok;

    cli_buf_append(&text, json);
    cli_buf_append(&text, "\n");
    if (text.failed) {
        cli_error(MANIFEST_CMD, PQCHA_ERR_NO_MEMORY, NULL);
        ok = 0;
    } else {
        ok = cli_write_output(output, text.data, text.len);
    }
    cli_buf_free(&text);
    return ok;
}

/* Encodes, parses back, and writes. */
static int write_manifest(const pqcha_manifest *m, const char *output) {
    char *json = NULL;
    pqcha_manifest *check = NULL;
    pqcha_err err = pqcha_manifest_to_json(&json, m);
    int ok;

    if (err != PQCHA_OK) {
        cli_error("encoding the manifest", err, NULL);
        return CLI_EXIT_USAGE;
    }
    err = pqcha_manifest_parse(&check, json, strlen(json));
    pqcha_manifest_free(check);
    if (err != PQCHA_OK) {
        cli_error("the generated manifest does not parse back", err,
                  "this is a bug in pqcha; please report it");
        pqcha_free(json);
        return CLI_EXIT_USAGE;
    }
    ok = write_text(output, json);
    pqcha_free(json);
    return ok ? CLI_EXIT_OK : CLI_EXIT_USAGE;
}

int cli_manifest_main(int argc, char **argv) {
    static const struct option options[] = {
        {"threads", required_argument, NULL, MANIFEST_OPT_THREADS},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *output = NULL;
    unsigned threads = 0;
    pqcha_manifest *m = NULL;
    pqcha_err err;
    int opt, status;

    while ((opt = getopt_long(argc, argv, "o:h", options, NULL)) != -1) {
        switch (opt) {
        case 'h': fputs(manifest_help, stdout); return CLI_EXIT_OK;
        case 'o': output = optarg; break;
        case MANIFEST_OPT_THREADS:
            if (!cli_option_threads(MANIFEST_CMD, optarg, &threads)) return CLI_EXIT_USAGE;
            break;
        default: return cli_try_help(MANIFEST_CMD);
        }
    }
    if (optind >= argc)
        return cli_usage_error(MANIFEST_CMD, "missing FILE (at least one model file)");
    if (argc - optind > (int)PQCHA_MAX_MANIFEST_FILES)
        return cli_usage_error(MANIFEST_CMD, "at most %u FILEs", PQCHA_MAX_MANIFEST_FILES);
    err = pqcha_manifest_create(&m);
    if (err != PQCHA_OK) {
        cli_error(MANIFEST_CMD, err, NULL);
        return CLI_EXIT_USAGE;
    }
    status = add_files(m, argv + optind, argc - optind, threads);
    if (status == CLI_EXIT_OK) status = write_manifest(m, output);
    pqcha_manifest_free(m);
    return status;
}
