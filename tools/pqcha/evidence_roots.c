/* evidence_roots.c — finding the vendor roots and AMD chains that ship with
 * pqcha (evidence_roots.h). Where they are depends on how pqcha runs:
 * from its build directory (CMake copies share/pqcha into it), installed
 * under a prefix (DATADIR/pqcha, found relative to the executable so that a
 * relocated prefix works), or installed where it was configured to be
 * (the directory compiled in). */
#include "evidence_roots.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* CMake defines these for this file (CMakeLists.txt); the fallbacks keep a
 * build without them working from an install under /usr/local. */
#ifndef PQCHA_INSTALL_DATADIR
#define PQCHA_INSTALL_DATADIR "/usr/local/share/pqcha"
#endif
#ifndef PQCHA_BINDIR_TO_DATADIR
#define PQCHA_BINDIR_TO_DATADIR "../share/pqcha"
#endif
#ifndef PQCHA_BUILD_DIR
#define PQCHA_BUILD_DIR ""
#endif

#define ROOTS_SUBDIR  "roots"
#define CHAINS_SUBDIR "chains"
#define INTEL_ROOT    "intel-sgx-root-ca.pem"

/* The products AMD names its roots after: the report's "product" field,
 * and the word in the file names. */
static const char *const product_names[] = {"Milan", "Genoa", "Turin"};
static const char *const product_files[] = {"milan", "genoa", "turin"};
#define PRODUCT_COUNT (sizeof product_names / sizeof product_names[0])
_Static_assert(PRODUCT_COUNT + 1 <= EVIDENCE_SHIPPED_MAX, "every ARK and the Intel root fit");

/* Writes "a/b" (b may be "") into out; 0 if it does not fit. */
static int join(char *out, size_t cap, const char *a, const char *b) {
    int n = snprintf(out, cap, "%s%s%s", a, *b ? "/" : "", b);
    return n > 0 && (size_t)n < cap;
}

static int is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A data directory is one with a roots/ subdirectory. */
static int is_data_dir(const char *dir) {
    char roots[EVIDENCE_SHIPPED_PATH];
    return join(roots, sizeof roots, dir, ROOTS_SUBDIR) && is_dir(roots);
}

/* The directory of the running executable (symbolic links resolved). */
static int exe_dir(char *out, size_t cap) {
    ssize_t n = readlink("/proc/self/exe", out, cap - 1);
    if (n <= 0 || (size_t)n >= cap - 1) return 0;
    out[n] = '\0';
    char *slash = strrchr(out, '/');
    if (slash == NULL) return 0;
    slash[slash == out ? 1 : 0] = '\0';
    return 1;
}

static int same_dir(const char *a, const char *b) {
    char *ra = realpath(a, NULL), *rb = realpath(b, NULL);
    int same = ra != NULL && rb != NULL && strcmp(ra, rb) == 0;
    free(ra);
    free(rb);
    return same;
}

/* Records dir, its links and ".." resolved, as the data directory if it is
 * one: the checks below are then of the real directory, and the path
 * shown is short. */
static int take_if_data_dir(struct evidence_shipped *out, const char *dir, const char *found_by) {
    char *real = is_data_dir(dir) ? realpath(dir, NULL) : NULL;
    int ok = real != NULL && join(out->dir, sizeof out->dir, real, "");
    free(real);
    if (ok) out->found_by = found_by;
    return ok;
}

static int find_data_dir(struct evidence_shipped *out, const char *dir_option) {
    static const char build_dir[] = PQCHA_BUILD_DIR;
    char exe[EVIDENCE_SHIPPED_PATH], candidate[EVIDENCE_SHIPPED_PATH];
    int have_exe = exe_dir(exe, sizeof exe);

    if (dir_option != NULL) {
        if (take_if_data_dir(out, dir_option, "--roots-dir")) return 1;
        cli_errorf("--roots-dir %s: no '%s' directory in it", cli_escaped(dir_option),
                   ROOTS_SUBDIR);
        return 0;
    }
    /* Only the build directory itself, never a parent or a copy elsewhere,
     * so that a build tree's roots cannot stand in for an install's. */
    if (have_exe && build_dir[0] != '\0' && same_dir(exe, build_dir) &&
        join(candidate, sizeof candidate, build_dir, "share/pqcha") &&
        take_if_data_dir(out, candidate, "the build tree"))
        return 1;
    if (have_exe && join(candidate, sizeof candidate, exe, PQCHA_BINDIR_TO_DATADIR) &&
        take_if_data_dir(out, candidate, "the install next to the pqcha executable"))
        return 1;
    if (take_if_data_dir(out, PQCHA_INSTALL_DATADIR, "the install directory")) return 1;
    cli_errorf("the vendor roots and chains that ship with pqcha were not found (looked in "
               "%s/%s and %s)",
               have_exe ? cli_escaped(exe) : "BINDIR", PQCHA_BINDIR_TO_DATADIR,
               PQCHA_INSTALL_DATADIR);
    fprintf(stderr, "pqcha: hint: pin the vendor roots yourself (--root ROOT.pem for 'pqcha "
                    "evidence verify', --evidence-root for verify and serve; for SEV-SNP without "
                    "a certificate table, --chain CHAIN.pem), or give --roots-dir DIR (a copy of "
                    "share/pqcha)\n");
    return 0;
}

/* Whoever can change a root chooses what is trusted: path must belong to
 * root or to us, and be writable by no one else (group write only for our
 * own group or root's). */
static int trusted(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) {
        cli_errorf("%s: %s", cli_escaped(path), strerror(errno));
        return 0;
    }
    int owner_ok = st.st_uid == 0 || st.st_uid == geteuid();
    int group_ok = !(st.st_mode & S_IWGRP) || st.st_gid == 0 || st.st_gid == getegid();
    if (owner_ok && group_ok && !(st.st_mode & S_IWOTH)) return 1;
    cli_errorf("%s: refusing vendor roots that other users can change (owner uid %u, mode %03o)",
               cli_escaped(path), (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
    return 0;
}

/* Appends dir/sub/name to list after checking it. */
static int add_file(char (*list)[EVIDENCE_SHIPPED_PATH], size_t *count, const char *dir,
                    const char *sub, const char *name) {
    char where[EVIDENCE_SHIPPED_PATH];
    if (*count >= EVIDENCE_SHIPPED_MAX || !join(where, sizeof where, dir, sub) ||
        !join(list[*count], EVIDENCE_SHIPPED_PATH, where, name)) {
        cli_errorf("%s: path too long", cli_escaped(dir));
        return 0;
    }
    if (!trusted(list[*count])) return 0;
    (*count)++;
    return 1;
}

static const char *field(const pqcha_evidence *e, const char *name) {
    for (size_t i = 0; i < pqcha_evidence_field_count(e); i++)
        if (strcmp(pqcha_evidence_field_name(e, i), name) == 0)
            return pqcha_evidence_field_value(e, i);
    return NULL;
}

/* The report's product (an index of product_names), or -1 while unknown
 * (a version 2 report does not name it). */
static int report_product(const pqcha_evidence *e) {
    const char *name = field(e, "product");
    for (size_t i = 0; name != NULL && i < PRODUCT_COUNT; i++)
        if (strcmp(name, product_names[i]) == 0) return (int)i;
    return -1;
}

static int pick_snp(struct evidence_shipped *out, const pqcha_evidence *e, int want_roots,
                    int want_chain) {
    int product = report_product(e);
    const char *signer = field(e, "signing_key");
    /* A VLEK's chain goes through the ASVK. */
    const char *kind = signer != NULL && strcmp(signer, "VLEK") == 0 ? "asvk" : "ask";
    char name[64];

    for (size_t i = 0; i < PRODUCT_COUNT; i++) {
        if (product >= 0 && (size_t)product != i) continue;
        snprintf(name, sizeof name, "amd-ark-%s.pem", product_files[i]);
        if (want_roots && !add_file(out->roots, &out->root_count, out->dir, ROOTS_SUBDIR, name))
            return 0;
        snprintf(name, sizeof name, "amd-%s-%s-ark.pem", product_files[i], kind);
        if (want_chain && !add_file(out->chains, &out->chain_count, out->dir, CHAINS_SUBDIR, name))
            return 0;
    }
    return 1;
}

int evidence_shipped_pick(struct evidence_shipped *out, const pqcha_evidence *e,
                          const char *dir_option, int want_roots, int want_chain) {
    char sub[EVIDENCE_SHIPPED_PATH];

    memset(out, 0, sizeof *out);
    if (!find_data_dir(out, dir_option) || !trusted(out->dir)) return 0;
    if (want_roots && (!join(sub, sizeof sub, out->dir, ROOTS_SUBDIR) || !trusted(sub))) return 0;
    if (want_chain && (!join(sub, sizeof sub, out->dir, CHAINS_SUBDIR) || !trusted(sub))) return 0;
    if (strcmp(pqcha_evidence_platform(e), "amd-sev-snp") == 0)
        return pick_snp(out, e, want_roots, want_chain);
    return !want_roots ||
           add_file(out->roots, &out->root_count, out->dir, ROOTS_SUBDIR, INTEL_ROOT);
}

int evidence_shipped_all_roots(struct evidence_shipped *out, const char *dir_option) {
    char sub[EVIDENCE_SHIPPED_PATH], name[64];

    memset(out, 0, sizeof *out);
    if (!find_data_dir(out, dir_option) || !trusted(out->dir) ||
        !join(sub, sizeof sub, out->dir, ROOTS_SUBDIR) || !trusted(sub))
        return 0;
    for (size_t i = 0; i < PRODUCT_COUNT; i++) {
        snprintf(name, sizeof name, "amd-ark-%s.pem", product_files[i]);
        if (!add_file(out->roots, &out->root_count, out->dir, ROOTS_SUBDIR, name)) return 0;
    }
    return add_file(out->roots, &out->root_count, out->dir, ROOTS_SUBDIR, INTEL_ROOT);
}
