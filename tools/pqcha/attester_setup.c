/* attester_setup.c — shared option handling for "attest" and "watch". */
#include "attester_setup.h"
#include <errno.h>
#include <limits.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void attester_options_init(struct attester_options *o) {
    memset(o, 0, sizeof(*o));
    o->backend_name = "file";
    o->digest = PQCHA_DIGEST_SHA3_256_TREE;
    o->threads = 0; /* all online CPUs: hashing is the slow part of a large attest */
}

void attester_options_free(struct attester_options *o) {
    size_t i;
    cli_region_list_free(&o->regions);
    for (i = 0; i < o->selector_count; i++)
        free(o->selectors[i].id);
    free(o->selectors);
    free(o->expects);
    memset(o, 0, sizeof(*o));
}

static int is_lower_hex(const char *s) {
    for (; *s != '\0'; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f'))) return 0;
    return 1;
}

/* Checked here so that a bad --nonce is a usage error before any key is read. */
static int nonce_ok(const char *cmd, const char *nonce) {
    size_t len = strlen(nonce);
    if (!is_lower_hex(nonce) || len % 2 != 0 || len < 2 * PQCHA_MIN_NONCE_BYTES ||
        len > 2 * PQCHA_MAX_NONCE_BYTES) {
        cli_usage_error(cmd, "--nonce: expected lowercase hex of %u-%u bytes (%u-%u characters)",
                        PQCHA_MIN_NONCE_BYTES, PQCHA_MAX_NONCE_BYTES, 2 * PQCHA_MIN_NONCE_BYTES,
                        2 * PQCHA_MAX_NONCE_BYTES);
        return 0;
    }
    return 1;
}

static int add_expect(struct attester_options *o, const char *cmd, const char *arg) {
    const char **grown;
    const char *equals = strchr(arg, '=');

    if (equals == NULL || equals == arg || !is_lower_hex(equals + 1) ||
        strlen(equals + 1) != 2 * PQCHA_SHA3_256_LEN) {
        cli_usage_error(cmd, "--expect '%s': expected ID=HEX with 64 lowercase hex characters",
                        cli_escaped(arg));
        return -1;
    }
    grown = realloc(o->expects, (o->expect_count + 1) * sizeof(*grown));
    if (grown == NULL) {
        cli_error("--expect", PQCHA_ERR_NO_MEMORY, NULL);
        return -1;
    }
    o->expects = grown;
    o->expects[o->expect_count++] = arg;
    return 1;
}

/* Splits "ID=REST" (an explicit region id) from "REST"; *id is NULL without
 * one. Returns 0 after a usage error. */
static int split_selector_id(const char *cmd, const char *option, const char *arg, char **id,
                             const char **rest) {
    const char *equals = strchr(arg, '=');
    char what[64];

    *id = NULL;
    *rest = arg;
    if (equals == NULL) return 1;
    if (equals == arg) {
        cli_usage_error(cmd, "%s '%s': empty region id before '='", option, cli_escaped(arg));
        return 0;
    }
    *id = malloc((size_t)(equals - arg) + 1);
    if (*id == NULL) {
        cli_error(option, PQCHA_ERR_NO_MEMORY, NULL);
        return 0;
    }
    memcpy(*id, arg, (size_t)(equals - arg));
    (*id)[equals - arg] = '\0';
    snprintf(what, sizeof what, "%s: region id", option);
    if (!cli_option_identifier(cmd, what, *id)) {
        free(*id);
        *id = NULL;
        return 0;
    }
    *rest = equals + 1;
    return 1;
}

/* "ADDR+LEN", each decimal or 0x hex, LEN at least 1. */
static int parse_address_range(const char *text, uint64_t *address, uint64_t *length) {
    const char *plus = strchr(text, '+');
    char address_text[32];
    size_t address_len;

    if (plus == NULL) return 0;
    address_len = (size_t)(plus - text);
    if (address_len == 0 || address_len >= sizeof address_text) return 0;
    memcpy(address_text, text, address_len);
    address_text[address_len] = '\0';
    return cli_parse_u64(address_text, address) && cli_parse_u64(plus + 1, length) && *length > 0;
}

static int add_selector(struct attester_options *o, const char *cmd, int is_range,
                        const char *arg) {
    const char *option = is_range ? "--range" : "--map";
    struct process_selector sel;
    struct process_selector *grown;
    const char *rest;

    memset(&sel, 0, sizeof sel);
    sel.is_range = is_range;
    if (!split_selector_id(cmd, option, arg, &sel.id, &rest)) return -1;
    if (is_range && !parse_address_range(rest, &sel.address, &sel.length)) {
        cli_usage_error(cmd, "--range '%s': expected [ID=]ADDR+LEN (decimal or 0x hex, LEN > 0)",
                        cli_escaped(arg));
        free(sel.id);
        return -1;
    }
    if (!is_range && rest[0] == '\0') {
        cli_usage_error(cmd, "--map '%s': expected [ID=]GLOB", cli_escaped(arg));
        free(sel.id);
        return -1;
    }
    sel.glob = is_range ? NULL : rest;
    grown = realloc(o->selectors, (o->selector_count + 1) * sizeof(*grown));
    if (grown == NULL) {
        cli_error(option, PQCHA_ERR_NO_MEMORY, NULL);
        free(sel.id);
        return -1;
    }
    o->selectors = grown;
    o->selectors[o->selector_count++] = sel;
    return 1;
}

static int set_pid(struct attester_options *o, const char *cmd, const char *arg) {
    uint64_t pid = 0;
    if (!cli_option_u64(cmd, "--pid", arg, INT_MAX, &pid)) return -1;
    if (pid == 0) {
        cli_usage_error(cmd, "--pid: expected a process id above 0");
        return -1;
    }
    o->pid = (int)pid;
    return 1;
}

/* A PID file holds a positive decimal number, optionally a newline after
 * it (what systemd's PIDFile= and most daemons' --pidfile write). */
#define PID_FILE_MAX 64

int attester_read_pid_file(const char *path, const char *cmd, int *pid) {
    char *text = NULL, *end = NULL;
    size_t len = 0;
    pqcha_err err = cli_read_file(path, PID_FILE_MAX, &text, &len);
    if (err != PQCHA_OK) {
        cli_error(path, err, cli_hint_for(err));
        return 0;
    }
    int digits = len > 0 && text[0] >= '0' && text[0] <= '9';
    errno = 0;
    long value = digits ? strtol(text, &end, 10) : 0;
    int ok = digits && errno == 0 && value > 0 && value <= INT_MAX &&
             (end == text + len || (end == text + len - 1 && *end == '\n'));
    free(text);
    if (!ok) {
        cli_errorf("%s: --pid-file %s: expected a process id (a decimal number above 0)", cmd,
                   cli_escaped(path));
        return 0;
    }
    *pid = (int)value;
    return 1;
}

/* The hardware-evidence options; 0 for an option that is none of them. */
static int evidence_option(struct attester_options *o, const char *cmd, int opt, const char *arg) {
    switch (opt) {
    case ATTESTER_OPT_PLATFORM:
        if (strcmp(arg, "auto") != 0 && strcmp(arg, "amd-sev-snp") != 0 &&
            strcmp(arg, "intel-tdx") != 0) {
            cli_usage_error(cmd, "--platform: expected auto, amd-sev-snp or intel-tdx");
            return -1;
        }
        o->platform = arg;
        return 1;
    case ATTESTER_OPT_BINDING:
        if (strcmp(arg, "key") != 0 && strcmp(arg, "report") != 0) {
            cli_usage_error(cmd, "--binding: expected key or report");
            return -1;
        }
        o->binding = arg;
        return 1;
    case ATTESTER_OPT_TSM_ROOT: o->tsm_root = arg; return 1;
    case ATTESTER_OPT_DEVICE: o->device = arg; return 1;
    case ATTESTER_OPT_PRIVLEVEL:
        o->have_privlevel = 1;
        return cli_option_u64(cmd, "--privlevel", arg, 3, &o->privlevel) ? 1 : -1;
    default: return 0;
    }
}

int attester_option(struct attester_options *o, const char *cmd, int opt, const char *arg) {
    switch (opt) {
    case 'k': o->key_path = arg; return 1;
    case 'w':
        if (!cli_option_identifier(cmd, "--workload", arg)) return -1;
        o->workload = arg;
        return 1;
    case 'r': return cli_region_list_add(&o->regions, cmd, arg) ? 1 : -1;
    case 'n': o->nonce = arg; return nonce_ok(cmd, arg) ? 1 : -1;
    case ATTESTER_OPT_TTL:
        o->have_ttl = 1;
        return cli_option_u64(cmd, "--ttl", arg, PQCHA_MAX_TTL_SECONDS, &o->ttl) ? 1 : -1;
    case ATTESTER_OPT_SEQUENCE:
        o->have_sequence = 1;
        return cli_option_u64(cmd, "--sequence", arg, PQCHA_MAX_SAFE_INTEGER, &o->sequence) ? 1
                                                                                            : -1;
    case ATTESTER_OPT_EXPECT: return add_expect(o, cmd, arg);
    case ATTESTER_OPT_NOW: o->have_now = 1; return cli_option_time(cmd, arg, &o->now) ? 1 : -1;
    case ATTESTER_OPT_BACKEND:
        o->backend_name = arg;
        o->have_backend = 1;
        return 1;
    case ATTESTER_OPT_PID: return set_pid(o, cmd, arg);
    case ATTESTER_OPT_MAP: return add_selector(o, cmd, 0, arg);
    case ATTESTER_OPT_RANGE: return add_selector(o, cmd, 1, arg);
    case ATTESTER_OPT_PID_FILE: o->pid_file = arg; return 1;
    case ATTESTER_OPT_READONLY_FILES: o->readonly_files = 1; return 1;
    case ATTESTER_OPT_MANIFEST: o->manifest_path = arg; return 1;
    case ATTESTER_OPT_NO_TENSORS: o->no_tensors = 1; return 1;
    case ATTESTER_OPT_DIGEST: return cli_option_digest(cmd, "--digest", arg, &o->digest) ? 1 : -1;
    case ATTESTER_OPT_THREADS: return cli_option_threads(cmd, arg, &o->threads) ? 1 : -1;
    default: return evidence_option(o, cmd, opt, arg);
    }
}

/* --pid (or --pid-file) and its selectors belong together, and only with
 * the process backend. */
static int check_process_options(const struct attester_options *o, const char *cmd) {
    int process = strcmp(o->backend_name, "process") == 0;
    int has_selectors = o->selector_count > 0 || o->readonly_files;
    int has_pid = o->pid != 0 || o->pid_file != NULL;

    if (o->pid != 0 && o->pid_file != NULL)
        return cli_usage_error(cmd, "--pid and --pid-file exclude each other");
    if (has_pid && !process) return cli_usage_error(cmd, "--pid applies only to --backend process");
    if (has_selectors && !has_pid)
        return cli_usage_error(cmd, "--map, --range and --readonly-files need --pid PID");
    if ((o->manifest_path != NULL || o->no_tensors) && !process)
        return cli_usage_error(cmd, "--manifest and --no-tensors apply to process memory (--pid)");
    if (o->manifest_path != NULL && o->no_tensors)
        return cli_usage_error(cmd, "--manifest and --no-tensors exclude each other");
    if (process && !has_pid)
        return cli_usage_error(cmd, "missing --pid PID (the process whose memory to measure)");
    if (process && !has_selectors)
        return cli_usage_error(cmd, "missing --map GLOB, --range ADDR+LEN or --readonly-files "
                                    "(the memory to measure)");
    return CLI_EXIT_OK;
}

int attester_options_check(struct attester_options *o, const char *cmd) {
    /* --pid alone chooses the process backend. */
    if ((o->pid != 0 || o->pid_file != NULL) && !o->have_backend) o->backend_name = "process";
    if (o->key_path == NULL)
        return cli_usage_error(cmd, "missing --key KEY.pem (the private key that signs)");
    if (o->workload == NULL) return cli_usage_error(cmd, "missing --workload ID");
    if (o->have_ttl && o->ttl == 0) return cli_usage_error(cmd, "--ttl: must be at least 1 second");
    if (check_process_options(o, cmd) != CLI_EXIT_OK) return CLI_EXIT_USAGE;
    if (strcmp(o->backend_name, "file") == 0 && o->regions.count == 0)
        return cli_usage_error(cmd, "missing --region ID=FILE (at least one region to measure)");
    if (!cli_region_list_check_unique(&o->regions, cmd)) return CLI_EXIT_USAGE;
    if (strcmp(o->backend_name, "file") != 0 && o->regions.count > 0)
        return cli_usage_error(cmd, "--region applies only to --backend file");
    if (o->platform == NULL &&
        (o->binding != NULL || o->tsm_root != NULL || o->device != NULL || o->have_privlevel))
        return cli_usage_error(cmd,
                               "--binding, --tsm-root, --device and --privlevel need --platform");
    return CLI_EXIT_OK;
}

/* Prints the registry names after an unknown --backend. */
static int unknown_backend(const char *cmd, const char *name) {
    const char *const *names = pqcha_backend_names();
    fprintf(stderr, "pqcha %s: unknown backend '%s'; available:", cmd, name);
    for (; names != NULL && *names != NULL; names++)
        fprintf(stderr, " %s", *names);
    fputc('\n', stderr);
    return CLI_EXIT_USAGE;
}

static int create_backend(struct attester_setup *s, const struct attester_options *o,
                          const char *cmd) {
    pqcha_err err = pqcha_backend_create(&s->backend, o->backend_name);
    char what[300];

    if (err == PQCHA_ERR_UNKNOWN_BACKEND) return unknown_backend(cmd, o->backend_name);
    if (err != PQCHA_OK) {
        snprintf(what, sizeof what, "backend %s", o->backend_name);
        cli_error(what, err, cli_hint_for(err));
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

static int add_file_regions(struct attester_setup *s, const struct attester_options *o) {
    if (o->regions.count > PQCHA_MAX_REGIONS) {
        cli_errorf("%zu regions: a report holds at most %u", o->regions.count, PQCHA_MAX_REGIONS);
        return CLI_EXIT_USAGE;
    }
    size_t i;
    for (i = 0; i < o->regions.count; i++) {
        const struct cli_region_spec *r = &o->regions.items[i];
        pqcha_err err =
            pqcha_file_backend_add(s->backend, o->workload, r->id, r->path, r->offset, r->length);
        if (err != PQCHA_OK) {
            char what[1024];
            snprintf(what, sizeof what, "region %s (%s)", r->id, r->path);
            cli_error(what, err, cli_hint_for(err));
            return CLI_EXIT_USAGE;
        }
    }
    return CLI_EXIT_OK;
}

/* A path (has '/', no wildcard) is found by device and inode; anything else
 * is a glob. */
static int selector_is_path(const char *glob) {
    return strchr(glob, '/') != NULL && strpbrk(glob, "*?[") == NULL;
}

static pqcha_err add_selector_regions(struct attester_setup *s, const struct attester_options *o,
                                      const struct process_selector *sel, char *what, size_t cap) {
    if (sel->is_range) {
        snprintf(what, cap, "pid %d, --range 0x%llx+%llu", o->pid, (unsigned long long)sel->address,
                 (unsigned long long)sel->length);
        return pqcha_process_backend_add_range(s->backend, o->workload, o->pid, sel->address,
                                               sel->length, sel->id);
    }
    snprintf(what, cap, "pid %d, --map '%.1000s'", o->pid, sel->glob);
    if (selector_is_path(sel->glob))
        return pqcha_process_backend_add_file(s->backend, o->workload, o->pid, sel->glob, sel->id);
    return pqcha_process_backend_add_mappings(s->backend, o->workload, o->pid, sel->glob, sel->id);
}

/* Model weights by their usual file names. */
static int looks_like_model(const char *path) {
    static const char *const suffixes[] = {".gguf", ".safetensors", ".bin", ".pt", ".pth", NULL};
    size_t len = strlen(path), i;
    for (i = 0; suffixes[i] != NULL; i++) {
        size_t n = strlen(suffixes[i]);
        if (len >= n && strcmp(path + len - n, suffixes[i]) == 0) return 1;
    }
    return strstr(path, ".gguf") != NULL || strstr(path, ".safetensors") != NULL;
}

/* After a --map that matched nothing: what the process does map that looks
 * like model weights, and what to do when the weights are not file-backed. */
static void explain_no_mapping(const struct attester_options *o) {
    char *paths = NULL, *line, *save = NULL;
    int shown = 0;

    if (pqcha_process_mapped_files(&paths, o->pid) == PQCHA_OK) {
        for (line = strtok_r(paths, "\n", &save); line != NULL;
             line = strtok_r(NULL, "\n", &save)) {
            if (!looks_like_model(line)) continue;
            if (!shown++) fprintf(stderr, "  the process maps these model files:\n");
            fputs("    ", stderr);
            cli_print_escaped(stderr, line);
            fputc('\n', stderr);
        }
    }
    pqcha_free(paths);
    if (!shown) fprintf(stderr, "  the process maps no .gguf, .safetensors or .bin file\n");
    fprintf(stderr,
            "  engines that copy weights into anonymous memory (llama.cpp with use_mmap off,\n"
            "  weights offloaded to a GPU) cannot be attested by file mapping: use --range\n"
            "  ADDR+LEN for a known address range, or attest in-process through libpqcha\n");
}

/* Tensor tables are on by default; say which regions go without one. */
static void warn_missing_tensor_tables(struct attester_setup *s, const struct attester_options *o,
                                       const char *cmd) {
    pqcha_region **regions = NULL;
    size_t count = 0, i;

    if (o->no_tensors ||
        pqcha_backend_list_regions(s->backend, o->workload, &regions, &count) != PQCHA_OK)
        return;
    for (i = 0; i < count; i++) {
        const char *note =
            pqcha_process_backend_tensor_note(s->backend, o->workload, pqcha_region_id(regions[i]));
        if (note == NULL) continue;
        fprintf(stderr, "pqcha %s: warning: region ", cmd);
        cli_print_escaped(stderr, pqcha_region_id(regions[i]));
        fprintf(stderr, ": %s; it is measured as a whole\n", note);
    }
    pqcha_region_list_free(regions, count);
}

static int configure_tensor_tables(struct attester_setup *s, const struct attester_options *o) {
    pqcha_err err = PQCHA_OK;

    if (o->manifest_path != NULL) {
        s->manifest = cli_load_manifest(o->manifest_path);
        if (s->manifest == NULL) return CLI_EXIT_USAGE;
        err = pqcha_process_backend_set_manifest(s->backend, s->manifest);
    }
    if (err == PQCHA_OK && o->no_tensors)
        err = pqcha_process_backend_set_tensor_tables(s->backend, 0);
    if (err != PQCHA_OK) {
        cli_error("--manifest", err, NULL);
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

/* The mappings the last add call could not use: skipped with a warning
 * (--readonly-files), or the one that failed it, named. */
static void report_unusable_mappings(struct attester_setup *s, const char *cmd, int skipped) {
    size_t i, n = pqcha_process_backend_unusable_count(s->backend);
    for (i = 0; i < n; i++) {
        const char *path = pqcha_process_backend_unusable_path(s->backend, i);
        const char *why = pqcha_strerror(pqcha_process_backend_unusable_error(s->backend, i));
        if (skipped)
            fprintf(stderr,
                    "pqcha %s: warning: --readonly-files: skipped the mapping of '%s': %s\n", cmd,
                    cli_escaped(path), why);
        else
            fprintf(stderr, "pqcha %s: could not use the mapping of '%s': %s\n", cmd,
                    cli_escaped(path), why);
    }
}

/* Reads the process's memory map now, so that a wrong PID, a missing
 * permission or a glob that matches nothing fails before anything is signed. */
static int add_process_regions(struct attester_setup *s, const struct attester_options *o,
                               const char *cmd) {
    char what[1100];
    size_t i;
    pqcha_err err = PQCHA_OK;
    int status = configure_tensor_tables(s, o);

    if (status != CLI_EXIT_OK) return status;
    for (i = 0; i < o->selector_count && err == PQCHA_OK; i++) {
        err = add_selector_regions(s, o, &o->selectors[i], what, sizeof what);
        if (err != PQCHA_OK) report_unusable_mappings(s, cmd, 0);
    }
    if (err == PQCHA_OK && o->readonly_files) {
        err = pqcha_process_backend_add_readonly_files(s->backend, o->workload, o->pid);
        snprintf(what, sizeof what, "pid %d, --readonly-files", o->pid);
        report_unusable_mappings(s, cmd, 1);
    }
    if (err == PQCHA_OK) {
        warn_missing_tensor_tables(s, o, cmd);
        return CLI_EXIT_OK;
    }
    if (err == PQCHA_ERR_NO_SUCH_REGION && strstr(what, "--map") != NULL) {
        cli_error(what, err, "no mapping of that file");
        explain_no_mapping(o);
    } else if (err == PQCHA_ERR_BAD_IDENTIFIER &&
               pqcha_process_backend_unusable_count(s->backend)) {
        cli_error(what, err,
                  "a report carries the mapped file's path, and this one holds a "
                  "control character or is not UTF-8: have the server map the file "
                  "through a link with a plain name");
    } else {
        cli_error(what, err,
                  err == PQCHA_ERR_NOT_FOUND ? "no such file here: give the path as "
                                               "this machine sees it, or a glob on the base name"
                                             : cli_hint_for(err));
    }
    return CLI_EXIT_USAGE;
}

/* Lists the workload's regions once before any signing, so that a missing
 * platform device or an empty workload is one clear error, not one per round. */
static int probe_regions(struct attester_setup *s, const struct attester_options *o) {
    pqcha_region **regions = NULL;
    size_t count = 0;
    char what[300];
    pqcha_err err = pqcha_backend_list_regions(s->backend, o->workload, &regions, &count);

    if (err == PQCHA_OK) {
        pqcha_region_list_free(regions, count);
        if (count > 0) return CLI_EXIT_OK;
        err = PQCHA_ERR_EMPTY_REPORT;
    }
    snprintf(what, sizeof what, "backend %s, workload %.256s", o->backend_name, o->workload);
    cli_error(what, err, cli_hint_for(err));
    return CLI_EXIT_USAGE;
}

static int set_expected_digests(struct attester_setup *s, const struct attester_options *o) {
    size_t i;
    for (i = 0; i < o->expect_count; i++) {
        const char *equals = strchr(o->expects[i], '=');
        size_t id_len = (size_t)(equals - o->expects[i]);
        char *id = malloc(id_len + 1);
        pqcha_err err;

        if (id == NULL) {
            cli_error("--expect", PQCHA_ERR_NO_MEMORY, NULL);
            return CLI_EXIT_USAGE;
        }
        memcpy(id, o->expects[i], id_len);
        id[id_len] = '\0';
        err = pqcha_attester_set_expected(s->attester, id, equals + 1);
        free(id);
        if (err != PQCHA_OK) {
            char what[320];
            snprintf(what, sizeof what, "--expect %.256s", o->expects[i]);
            cli_error(what, err, cli_hint_for(err));
            return CLI_EXIT_USAGE;
        }
    }
    return CLI_EXIT_OK;
}

/* --platform: the TEE whose evidence every report carries. */
static int configure_evidence(struct attester_setup *s, const struct attester_options *o) {
    const char *what = "--platform";
    pqcha_err err = PQCHA_OK;
    if (o->platform == NULL) return CLI_EXIT_OK;
    err = pqcha_evidence_source_create(&s->evidence);
    if (err == PQCHA_OK) err = pqcha_evidence_source_set_platform(s->evidence, o->platform);
    if (err == PQCHA_OK && o->tsm_root != NULL) {
        what = "--tsm-root";
        err = pqcha_evidence_source_set_tsm_root(s->evidence, o->tsm_root);
    }
    if (err == PQCHA_OK && o->device != NULL) {
        what = "--device";
        err = pqcha_evidence_source_set_device(s->evidence, o->device);
    }
    if (err == PQCHA_OK && o->have_privlevel) {
        what = "--privlevel";
        err = pqcha_evidence_source_set_privlevel(s->evidence, (unsigned)o->privlevel);
    }
    if (err == PQCHA_OK) {
        what = "--binding";
        err = pqcha_attester_set_evidence(s->attester, s->evidence,
                                          o->binding != NULL ? o->binding : "report");
    }
    /* No TEE here: one clear line now, not one failed round after another. */
    if (err == PQCHA_OK && pqcha_evidence_source_probe(s->evidence) != PQCHA_OK) {
        cli_errorf("--platform %s: no TEE found: looked for %s", o->platform,
                   cli_escaped(pqcha_evidence_source_describe(s->evidence)));
        return CLI_EXIT_USAGE;
    }
    if (err == PQCHA_OK) return CLI_EXIT_OK;
    cli_error(what, err, cli_hint_for(err));
    return CLI_EXIT_USAGE;
}

/* The attester's progress, drawn on stderr for a large region (the bar
 * draws only on a terminal, for regions of at least CLI_PROGRESS_MIN_BYTES). */
static void show_region_progress(void *ctx, const pqcha_region *region, uint64_t bytes_done,
                                 int finished) {
    struct attester_setup *s = ctx;
    if (bytes_done == 0 && !finished) {
        cli_progress_begin(&s->bar, pqcha_region_id(region), pqcha_region_size(region));
        s->bar_done = 0;
    }
    cli_progress_advance(&s->bar, bytes_done - s->bar_done);
    s->bar_done = bytes_done;
    if (finished) cli_progress_end(&s->bar);
}

static int configure_attester(struct attester_setup *s, const struct attester_options *o) {
    pqcha_err err = pqcha_attester_create(&s->attester, s->key, s->backend, o->workload);

    if (err != PQCHA_OK) {
        cli_error("--workload", err, cli_hint_for(err));
        return CLI_EXIT_USAGE;
    }
    if (isatty(STDERR_FILENO) &&
        (err = pqcha_attester_set_progress(s->attester, show_region_progress, s)) != PQCHA_OK) {
        cli_error("progress", err, NULL);
        return CLI_EXIT_USAGE;
    }
    if (o->have_ttl && (err = pqcha_attester_set_ttl(s->attester, (int64_t)o->ttl)) != PQCHA_OK) {
        cli_error("--ttl", err, NULL);
        return CLI_EXIT_USAGE;
    }
    if (o->have_sequence &&
        (err = pqcha_attester_set_sequence(s->attester, o->sequence)) != PQCHA_OK) {
        cli_error("--sequence", err, NULL);
        return CLI_EXIT_USAGE;
    }
    if ((err = pqcha_attester_set_digest(s->attester, o->digest)) != PQCHA_OK ||
        (err = pqcha_attester_set_threads(s->attester, o->threads)) != PQCHA_OK) {
        cli_error("--digest", err, NULL);
        return CLI_EXIT_USAGE;
    }
    if (o->have_now && (err = pqcha_attester_set_time(s->attester, o->now)) != PQCHA_OK) {
        cli_error("--now", err, NULL);
        return CLI_EXIT_USAGE;
    }
    int status = set_expected_digests(s, o);
    return status == CLI_EXIT_OK ? configure_evidence(s, o) : status;
}

int attester_setup_build(struct attester_setup *s, const struct attester_options *given,
                         const char *cmd) {
    int status;
    /* With --pid-file, the process of the moment: read now, at each build. */
    struct attester_options resolved = *given;
    const struct attester_options *o = &resolved;

    memset(s, 0, sizeof(*s));
    if (given->pid_file != NULL && !attester_read_pid_file(given->pid_file, cmd, &resolved.pid))
        return CLI_EXIT_USAGE;
    s->pid = resolved.pid;
    /* The backend first: on a host without the platform device that is the
     * error worth reporting, whatever else is wrong. File regions are checked
     * as they are added. */
    status = create_backend(s, o, cmd);
    if (status == CLI_EXIT_OK && strcmp(o->backend_name, "process") == 0)
        status = add_process_regions(s, o, cmd);
    if (status == CLI_EXIT_OK && strcmp(o->backend_name, "file") != 0) status = probe_regions(s, o);
    if (status != CLI_EXIT_OK) return status;
    s->key = cli_load_key(o->key_path, CLI_KEY_PRIVATE);
    if (s->key == NULL) return CLI_EXIT_USAGE;
    status = add_file_regions(s, o);
    if (status == CLI_EXIT_OK) status = configure_attester(s, o);
    return status;
}

void attester_setup_free(struct attester_setup *s) {
    /* The attester refers to the key and the backend: free it first. */
    if (s->attester != NULL) pqcha_attester_free(s->attester);
    if (s->evidence != NULL) pqcha_evidence_source_free(s->evidence);
    if (s->backend != NULL) pqcha_backend_free(s->backend);
    if (s->manifest != NULL) pqcha_manifest_free(s->manifest);
    if (s->key != NULL) pqcha_key_free(s->key);
    memset(s, 0, sizeof(*s));
}

void attester_report_error(struct attester_setup *s, const char *cmd, pqcha_err err) {
    size_t bytes = 0;
    if (err == PQCHA_ERR_TOO_LARGE && pqcha_attester_report_size(s->attester, &bytes) == PQCHA_OK &&
        bytes > PQCHA_MAX_PAYLOAD_LEN) {
        cli_errorf(
            "%s: the report would be %zu bytes, above the %u MiB a report's payload may have "
            "(docs/FORMAT.md section 1); nothing was hashed. Attest the regions in several "
            "reports (workloads), or fewer regions at once",
            cmd, bytes, PQCHA_MAX_PAYLOAD_LEN >> 20);
        return;
    }
    if (s->evidence != NULL && err == PQCHA_ERR_DEVICE_NOT_PRESENT) {
        cli_errorf("%s: no TEE found: looked for %s", cmd,
                   cli_escaped(pqcha_evidence_source_describe(s->evidence)));
        return;
    }
    cli_error(cmd, err, cli_hint_for(err));
}
