/* attester_setup.h — the options "pqcha attest" and "pqcha watch" share
 * (key, workload, regions, process selectors, nonce, ttl, ...) and the
 * objects built from them. */
#ifndef PQCHA_ATTESTER_SETUP_H
#define PQCHA_ATTESTER_SETUP_H

#include <getopt.h>

#include "cli.h"

/* getopt codes of the long-only options; the others use their short letter. */
enum {
    ATTESTER_OPT_NOW = 0x100,
    ATTESTER_OPT_TTL,
    ATTESTER_OPT_SEQUENCE,
    ATTESTER_OPT_EXPECT,
    ATTESTER_OPT_BACKEND,
    ATTESTER_OPT_DIGEST,
    ATTESTER_OPT_THREADS,
    ATTESTER_OPT_PID,
    ATTESTER_OPT_MAP,
    ATTESTER_OPT_RANGE,
    ATTESTER_OPT_READONLY_FILES,
    ATTESTER_OPT_MANIFEST,
    ATTESTER_OPT_NO_TENSORS,
    ATTESTER_OPT_PLATFORM,
    ATTESTER_OPT_BINDING,
    ATTESTER_OPT_TSM_ROOT,
    ATTESTER_OPT_DEVICE,
    ATTESTER_OPT_PRIVLEVEL,
    ATTESTER_OPT_PID_FILE
};

#define ATTESTER_SHORT_OPTIONS "k:w:r:n:"
#define ATTESTER_LONG_OPTIONS                                                              \
    {"key", required_argument, NULL, 'k'}, {"workload", required_argument, NULL, 'w'},     \
        {"region", required_argument, NULL, 'r'}, {"nonce", required_argument, NULL, 'n'}, \
        {"ttl", required_argument, NULL, ATTESTER_OPT_TTL},                                \
        {"sequence", required_argument, NULL, ATTESTER_OPT_SEQUENCE},                      \
        {"expect", required_argument, NULL, ATTESTER_OPT_EXPECT},                          \
        {"now", required_argument, NULL, ATTESTER_OPT_NOW},                                \
        {"backend", required_argument, NULL, ATTESTER_OPT_BACKEND},                        \
        {"digest", required_argument, NULL, ATTESTER_OPT_DIGEST},                          \
        {"threads", required_argument, NULL, ATTESTER_OPT_THREADS},                        \
        {"pid", required_argument, NULL, ATTESTER_OPT_PID},                                \
        {"pid-file", required_argument, NULL, ATTESTER_OPT_PID_FILE},                      \
        {"map", required_argument, NULL, ATTESTER_OPT_MAP},                                \
        {"range", required_argument, NULL, ATTESTER_OPT_RANGE},                            \
        {"readonly-files", no_argument, NULL, ATTESTER_OPT_READONLY_FILES},                \
        {"manifest", required_argument, NULL, ATTESTER_OPT_MANIFEST},                      \
        {"no-tensors", no_argument, NULL, ATTESTER_OPT_NO_TENSORS},                        \
        {"platform", required_argument, NULL, ATTESTER_OPT_PLATFORM},                      \
        {"binding", required_argument, NULL, ATTESTER_OPT_BINDING},                        \
        {"tsm-root", required_argument, NULL, ATTESTER_OPT_TSM_ROOT},                      \
        {"device", required_argument, NULL, ATTESTER_OPT_DEVICE}, {                        \
        "privlevel", required_argument, NULL, ATTESTER_OPT_PRIVLEVEL                       \
    }

/* The help text for the shared options, for both commands' --help. */
#define ATTESTER_OPTIONS_HELP                                                                  \
    "  -k, --key KEY.pem         the ML-DSA private key that signs (required)\n"               \
    "  -w, --workload ID         the workload the regions belong to (required)\n"              \
    "  -r, --region ID=FILE[@OFFSET+LENGTH]\n"                                                 \
    "                            a region: a whole file, or LENGTH bytes from OFFSET\n"        \
    "                            (decimal or 0x hex; LENGTH 0 = to the end). Repeatable;\n"    \
    "                            at least one is required with the file backend\n"             \
    "  -n, --nonce HEX           the verifier's challenge, lowercase hex of 8-64 bytes\n"      \
    "                            (default: 16 random bytes)\n"                                 \
    "      --ttl SECONDS         report lifetime, 1-604800 (default 300)\n"                    \
    "      --sequence N          sequence number of the (first) report (default 0)\n"          \
    "      --expect ID=HEX       record an expected SHA3-256 for region ID; informational\n"   \
    "                            only, verifiers never trust it. Repeatable\n"                 \
    "      --now RFC3339         sign as of this UTC time instead of the clock\n"              \
    "      --backend NAME        where region bytes come from: file (default), in-memory,\n"   \
    "                            process (implied by --pid); hardware evidence comes\n"        \
    "                            with any of them: --platform\n"                               \
    "      --pid PID             measure the memory of the live process PID (process\n"        \
    "                            backend; needs its uid or CAP_SYS_PTRACE), in regions\n"      \
    "                            chosen with at least one of these three:\n"                   \
    "      --pid-file FILE       the same, the PID read from FILE (a decimal number, as a\n"   \
    "                            service manager writes it) when the attester is built\n"      \
    "      --map [ID=]FILE|GLOB  the mappings of a file: a PATH (with '/', no wildcard) is\n"  \
    "                            found by device and inode, so symlinks, bind mounts and\n"    \
    "                            containers still match; a GLOB without '/' matches the\n"     \
    "                            base name ('model.gguf', '*.gguf'), one with '/' the whole\n" \
    "                            path. Adjacent mappings of one file form one region, cut\n"   \
    "                            at the file's size. ID defaults to the manifest's name for\n" \
    "                            the file, else its base name. Repeatable\n"                   \
    "      --range [ID=]ADDR+LEN LEN bytes of memory from address ADDR (decimal or 0x hex);\n" \
    "                            ID defaults to range-0xADDR. Repeatable\n"                    \
    "      --readonly-files      every read-only file mapping, one region per file\n"          \
    "      --manifest MANIFEST.json\n"                                                         \
    "                            the model files' tensor tables (see 'pqcha manifest');\n"     \
    "                            without it, a GGUF or safetensors file's own header is\n"     \
    "                            read. A mapping with a tensor table is measured tensor by\n"  \
    "                            tensor (sha3-256-segments), whatever file offset it\n"        \
    "                            starts at, so a verifier names each changed tensor\n"         \
    "      --no-tensors          measure every mapping as a whole "                            \
    "(sha3-256-tree)\n"                                                                        \
    "      --platform auto|amd-sev-snp|intel-tdx\n"                                            \
    "                            inside a confidential VM: embed the TEE's evidence (an\n"     \
    "                            SEV-SNP report or a TDX quote) bound to the report, so a\n"   \
    "                            verifier knows the signing key runs in that VM\n"             \
    "      --binding report|key  what the evidence's REPORT_DATA binds (docs/FORMAT.md\n"      \
    "                            4.7): each report's statement (default) or this key and\n"    \
    "                            the nonce (evidence got once per challenge)\n"                \
    "      --tsm-root DIR        configfs-tsm report directory (default\n"                     \
    "                            /sys/kernel/config/tsm/report)\n"                             \
    "      --device PATH         the guest device (default /dev/sev-guest, /dev/tdx_guest)\n"  \
    "      --privlevel N         SEV-SNP VMPL of the report, 0-3 (default "                    \
    "0)\n" CLI_DIGEST_OPTIONS_HELP

/* A --map or --range of the process backend. */
struct process_selector {
    int is_range;
    char *id;         /* owned; NULL: the backend's default id */
    const char *glob; /* --map: points into argv */
    uint64_t address; /* --range */
    uint64_t length;
};

struct attester_options {
    const char *key_path;
    const char *workload;
    const char *backend_name;
    const char *nonce;
    struct cli_region_list regions;
    const char **expects; /* "ID=HEX" strings from argv */
    size_t expect_count;
    uint64_t ttl;
    uint64_t sequence;
    int64_t now;
    pqcha_digest_alg digest;
    unsigned threads;
    int have_ttl, have_sequence, have_now;
    int have_backend;     /* --backend given: --pid does not override it */
    int pid;              /* --pid; 0 if not given */
    const char *pid_file; /* --pid-file: the PID is read from it at each build */
    struct process_selector *selectors;
    size_t selector_count;
    int readonly_files;
    const char *manifest_path; /* --manifest */
    int no_tensors;            /* --no-tensors */
    const char *platform;      /* --platform: hardware evidence; NULL: none */
    const char *binding;       /* --binding, "report" by default */
    const char *tsm_root;      /* --tsm-root */
    const char *device;        /* --device */
    uint64_t privlevel;        /* --privlevel */
    int have_privlevel;
};

struct attester_setup {
    pqcha_key *key;
    pqcha_manifest *manifest; /* --manifest, lent to the process backend */
    pqcha_backend *backend;
    struct cli_progress bar; /* a large region's progress on a terminal */
    uint64_t bar_done;
    pqcha_attester *attester;
    pqcha_evidence_source *evidence; /* --platform, lent to the attester */
    int pid;                         /* the process measured (--pid or --pid-file), or 0 */
};

void attester_options_init(struct attester_options *o);
/* Handles one getopt result: 1 if consumed, 0 if not a shared option, -1
 * after printing a usage error. */
int attester_option(struct attester_options *o, const char *cmd, int opt, const char *arg);
/* Checks required options and lets --pid choose the process backend;
 * returns CLI_EXIT_OK or CLI_EXIT_USAGE (printed). */
int attester_options_check(struct attester_options *o, const char *cmd);
void attester_options_free(struct attester_options *o);

/* Loads the key, creates the backend, registers the regions, and configures
 * the attester. Returns CLI_EXIT_OK or CLI_EXIT_USAGE after printing why. */
int attester_setup_build(struct attester_setup *s, const struct attester_options *o,
                         const char *cmd);
void attester_setup_free(struct attester_setup *s);
/* The PID in a --pid-file: 1, or 0 after printing why. */
int attester_read_pid_file(const char *path, const char *cmd, int *pid);
/* Prints why attesting failed; a report too large says how large, and the cap. */
void attester_report_error(struct attester_setup *s, const char *cmd, pqcha_err err);

#endif
