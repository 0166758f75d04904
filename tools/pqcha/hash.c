/* hash.c — "pqcha hash": digests of files (SHA3-256 by default), printed and
 * checked the way sha256sum does it (docs/FORMAT.md section 7). Files are
 * streamed in chunks, never read whole, so multi-gigabyte model files are fine. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* Large enough that every thread of the parallel digests gets whole batches of leaves. */
#define HASH_CHUNK_BYTES (8u * 1024u * 1024u)

/* The algorithm and threads chosen on the command line (one per process). */
static pqcha_digest_alg hash_alg = PQCHA_DIGEST_SHA3_256;
static unsigned hash_threads = 0;
#define HASH_HEX_LEN (2 * PQCHA_SHA3_256_LEN)

static const char hash_help[] =
    "Usage: pqcha hash [--algorithm ALG] [--threads N] [FILE]...\n"
    "       pqcha hash --check [--quiet] [--algorithm ALG] [CHECKFILE]...\n"
    "\n"
    "Prints the SHA3-256 digest of each FILE as '<64 hex>  <name>', exactly as\n"
    "sha256sum prints SHA-256 ('-' or no FILE reads standard input). The digest\n"
    "equals 'openssl dgst -sha3-256' and the region digests pqcha attest records.\n"
    "With --check, reads such lines from each CHECKFILE and prints 'name: OK' or\n"
    "'name: FAILED' for every listed file. A progress line (percentage and MB/s)\n"
    "is shown on stderr for inputs of 64 MiB or more when stderr is a terminal.\n"
    "\n"
    "Options:\n"
    "  -c, --check          verify digests listed in CHECKFILE(s)\n"
    "  -q, --quiet          with --check, do not print OK lines\n"
    "  -a, --algorithm ALG  sha3-256 (default), sha3-256-tree (the region digest\n"
    "                       'attest' records by default) or k12\n"
    "      --threads N      threads for sha3-256-tree and k12 (default: all CPUs)\n"
    "  -h, --help           show this help\n"
    "\n"
    "Exit codes: 0 all digests computed (or all OK); 1 with --check, a digest did\n"
    "not match, a listed file could not be read, or a line was not understood;\n"
    "4 bad option or a FILE/CHECKFILE that cannot be read.\n";

/* Streams fd through SHA3-256, drawing progress for large regular files. */
static pqcha_err digest_fd(int fd, const char *label, char hex[HASH_HEX_LEN + 1])
{
    uint8_t digest[PQCHA_SHA3_256_LEN];
    struct cli_progress progress;
    pqcha_hasher *hasher = NULL;
    struct stat st;
    uint8_t *chunk;
    pqcha_err err;

    chunk = malloc(HASH_CHUNK_BYTES);
    if (chunk == NULL)
        return PQCHA_ERR_NO_MEMORY;
    err = pqcha_hasher_create(&hasher, hash_alg);
    if (err == PQCHA_OK)
        err = pqcha_hasher_set_threads(hasher, hash_threads);
    if (err != PQCHA_OK) {
        pqcha_hasher_free(hasher);
        free(chunk);
        return err;
    }
    cli_progress_begin(&progress, label,
                       fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0);
    for (;;) {
        ssize_t n = read(fd, chunk, HASH_CHUNK_BYTES);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err = PQCHA_ERR_IO;
            break;
        }
        if (n == 0)
            break;
        err = pqcha_hasher_update(hasher, chunk, (size_t)n);
        if (err != PQCHA_OK)
            break;
        cli_progress_advance(&progress, (uint64_t)n);
    }
    cli_progress_end(&progress);
    if (err == PQCHA_OK)
        err = pqcha_hasher_final(hasher, digest, sizeof(digest));
    if (err == PQCHA_OK)
        pqcha_hex_encode(hex, digest, sizeof(digest));
    pqcha_hasher_free(hasher);
    free(chunk);
    return err;
}

static pqcha_err digest_path(const char *path, char hex[HASH_HEX_LEN + 1])
{
    pqcha_err err;
    int fd;

    if (strcmp(path, "-") == 0)
        return digest_fd(STDIN_FILENO, "stdin", hex);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT || errno == ENOTDIR ? PQCHA_ERR_NOT_FOUND : PQCHA_ERR_IO;
    err = digest_fd(fd, path, hex);
    close(fd);
    return err;
}

/* sha256sum's convention: a name holding '\\' or a newline is written with
 * those escaped and the whole line prefixed by '\\', so every line stays one line. */
static int name_needs_escape(const char *name)
{
    return strpbrk(name, "\\\n\r") != NULL;
}

static void print_name(FILE *out, const char *name)
{
    const char *p;
    if (!name_needs_escape(name)) {
        fputs(name, out);
        return;
    }
    for (p = name; *p != '\0'; p++) {
        if (*p == '\\')
            fputs("\\\\", out);
        else if (*p == '\n')
            fputs("\\n", out);
        else if (*p == '\r')
            fputs("\\r", out);
        else
            fputc(*p, out);
    }
}

static int print_digests(int count, char **paths)
{
    static char stdin_name[] = "-";
    char *only_stdin[1] = {stdin_name};
    int status = CLI_EXIT_OK, i;

    if (count == 0) {
        count = 1;
        paths = only_stdin;
    }
    for (i = 0; i < count; i++) {
        char hex[HASH_HEX_LEN + 1];
        pqcha_err err = digest_path(paths[i], hex);
        if (err != PQCHA_OK) {
            cli_error(paths[i], err, NULL);
            status = CLI_EXIT_USAGE;
            continue;
        }
        if (name_needs_escape(paths[i]))
            fputc('\\', stdout);
        printf("%s  ", hex);
        print_name(stdout, paths[i]);
        fputc('\n', stdout);
    }
    if (fflush(stdout) != 0) {
        cli_error("standard output", PQCHA_ERR_IO, NULL);
        status = CLI_EXIT_USAGE;
    }
    return status;
}

/* ---- --check ---- */

struct check_totals {
    unsigned long mismatched;
    unsigned long unreadable;
    unsigned long malformed;
    unsigned long checked;
};

/* Undoes print_name's escaping in place; 0 on a stray backslash. */
static int unescape_name(char *name)
{
    char *in = name, *out = name;
    while (*in != '\0') {
        if (*in != '\\') {
            *out++ = *in++;
            continue;
        }
        in++;
        if (*in == '\\')
            *out++ = '\\';
        else if (*in == 'n')
            *out++ = '\n';
        else if (*in == 'r')
            *out++ = '\r';
        else
            return 0;
        in++;
    }
    *out = '\0';
    return 1;
}

/* "<64 hex>  name" or "<64 hex> *name", optionally with a leading '\\'.
 * On success *hex points at the (lowercased) digest and *name at the name. */
static int parse_check_line(char *line, char **hex, char **name)
{
    int escaped = 0;
    size_t i;

    if (line[0] == '\\') {
        escaped = 1;
        line++;
    }
    for (i = 0; i < HASH_HEX_LEN; i++) {
        char c = line[i];
        if (c >= 'A' && c <= 'F')
            line[i] = (char)(c - 'A' + 'a');
        else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return 0;
    }
    if (line[HASH_HEX_LEN] != ' ' || (line[HASH_HEX_LEN + 1] != ' ' && line[HASH_HEX_LEN + 1] != '*'))
        return 0;
    line[HASH_HEX_LEN] = '\0';
    *hex = line;
    *name = line + HASH_HEX_LEN + 2;
    if (**name == '\0')
        return 0;
    return escaped ? unescape_name(*name) : 1;
}

static void check_one(const char *expected_hex, const char *name, int quiet,
                      struct check_totals *totals)
{
    char hex[HASH_HEX_LEN + 1];
    pqcha_err err = digest_path(name, hex);
    const char *verdict = "OK";

    totals->checked++;
    if (err != PQCHA_OK) {
        cli_error(name, err, NULL);
        totals->unreadable++;
        verdict = "FAILED open or read";
    } else if (strcmp(hex, expected_hex) != 0) {
        totals->mismatched++;
        verdict = "FAILED";
    } else if (quiet) {
        return;
    }
    if (name_needs_escape(name))
        fputc('\\', stdout);
    print_name(stdout, name);
    printf(": %s\n", verdict);
    fflush(stdout);
}

/* Checks every line of one check file; returns 0 if it cannot be read. */
static int check_file(const char *checkfile, int quiet, struct check_totals *totals)
{
    int from_stdin = strcmp(checkfile, "-") == 0;
    FILE *in = from_stdin ? stdin : fopen(checkfile, "r");
    unsigned long valid_lines = 0;
    size_t capacity = 0;
    char *line = NULL;
    ssize_t len;

    if (in == NULL) {
        cli_error(checkfile, errno == ENOENT ? PQCHA_ERR_NOT_FOUND : PQCHA_ERR_IO, NULL);
        return 0;
    }
    while ((len = getline(&line, &capacity, in)) != -1) {
        char *hex, *name;
        if (len > 0 && line[len - 1] == '\n')
            line[--len] = '\0';
        if (len == 0)
            continue;
        if ((size_t)len != strlen(line) || !parse_check_line(line, &hex, &name)) {
            totals->malformed++;
            continue;
        }
        valid_lines++;
        check_one(hex, name, quiet, totals);
    }
    free(line);
    if (!from_stdin)
        fclose(in);
    if (valid_lines == 0) {
        cli_errorf("%s: no properly formatted SHA3-256 checksum lines found", checkfile);
        totals->malformed++;
    }
    return 1;
}

static void report_check_totals(const struct check_totals *t)
{
    if (t->malformed > 0)
        cli_warnf("%lu line%s improperly formatted", t->malformed, t->malformed == 1 ? " is" : "s are");
    if (t->unreadable > 0)
        cli_warnf("%lu listed file%s could not be read", t->unreadable, t->unreadable == 1 ? "" : "s");
    if (t->mismatched > 0)
        cli_warnf("%lu computed checksum%s did NOT match", t->mismatched,
                  t->mismatched == 1 ? "" : "s");
}

static int check_digests(int count, char **checkfiles, int quiet)
{
    static char stdin_name[] = "-";
    char *only_stdin[1] = {stdin_name};
    struct check_totals totals = {0, 0, 0, 0};
    int unreadable_checkfile = 0, i;

    if (count == 0) {
        count = 1;
        checkfiles = only_stdin;
    }
    for (i = 0; i < count; i++)
        if (!check_file(checkfiles[i], quiet, &totals))
            unreadable_checkfile = 1;
    report_check_totals(&totals);
    if (unreadable_checkfile)
        return CLI_EXIT_USAGE;
    return totals.mismatched || totals.unreadable || totals.malformed ? CLI_EXIT_DRIFT : CLI_EXIT_OK;
}

int cli_hash_main(int argc, char **argv)
{
    static const struct option options[] = {
        {"check", no_argument, NULL, 'c'},
        {"quiet", no_argument, NULL, 'q'},
        {"algorithm", required_argument, NULL, 'a'},
        {"threads", required_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int check = 0, quiet = 0, opt;

    while ((opt = getopt_long(argc, argv, "cqa:h", options, NULL)) != -1) {
        switch (opt) {
        case 'a':
            if (!cli_option_digest("hash", "--algorithm", optarg, &hash_alg))
                return CLI_EXIT_USAGE;
            break;
        case 'T':
            if (!cli_option_threads("hash", optarg, &hash_threads))
                return CLI_EXIT_USAGE;
            break;
        case 'c':
            check = 1;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'h':
            fputs(hash_help, stdout);
            return CLI_EXIT_OK;
        default:
            return cli_try_help("hash");
        }
    }
    if (quiet && !check)
        return cli_usage_error("hash", "--quiet only applies to --check");
    if (check)
        return check_digests(argc - optind, argv + optind, quiet);
    return print_digests(argc - optind, argv + optind);
}
