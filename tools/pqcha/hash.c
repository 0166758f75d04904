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

/* The algorithm and threads chosen on the command line (one per process). */
/* A check line is a digest, two spaces and a name of at most PATH_MAX bytes,
 * escaped: anything longer is no check line. */
#define CHECK_MAX_LINE 16384u

static pqcha_digest_alg hash_alg = PQCHA_DIGEST_SHA3_256;
static unsigned hash_threads = 0;
#define HASH_HEX_LEN (2 * PQCHA_SHA3_256_LEN)

static const char hash_help[] =
    "Usage: pqcha hash [--algorithm ALG] [--threads N] [FILE]...\n"
    "       pqcha hash --check [--quiet] [--algorithm ALG] [CHECKFILE]...\n"
    "\n"
    "Prints the SHA3-256 digest of each FILE as '<64 hex>  <name>', exactly as\n"
    "sha256sum prints SHA-256 ('-' or no FILE reads standard input). The default\n"
    "digest equals 'openssl dgst -sha3-256'; with -a sha3-256-tree it equals the\n"
    "region digest 'pqcha attest' records by default.\n"
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

/* The progress line of one input, advanced as the library hashes it. */
struct hash_feed {
    struct cli_progress *progress;
    uint64_t total;
};

static void hashed_so_far(void *ctx, uint64_t bytes_done) {
    struct hash_feed *feed = ctx;
    cli_progress_advance(feed->progress, bytes_done - feed->total);
    feed->total = bytes_done;
}

/* The digest of fd (pqcha_digest_fd: regular files by the hashing threads,
 * anything else read in turn), drawing progress for large regular files. */
static pqcha_err digest_fd(int fd, const char *label, char hex[HASH_HEX_LEN + 1]) {
    uint8_t digest[PQCHA_SHA3_256_LEN];
    struct cli_progress progress;
    struct hash_feed feed = {&progress, 0};
    struct stat st;
    int regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    pqcha_err err;

    cli_progress_begin(&progress, label, regular ? (uint64_t)st.st_size : 0);
    err = pqcha_digest_fd(digest, sizeof digest, hash_alg, fd, hash_threads, hashed_so_far, &feed);
    cli_progress_end(&progress);
    if (err == PQCHA_OK) pqcha_hex_encode(hex, digest, sizeof digest);
    return err;
}

static const char *hash_hint(pqcha_err err) {
    if (err == PQCHA_ERR_REGION_CHANGED)
        return "the file was truncated, extended or rewritten while it was read: "
               "its digest would be of neither version";
    return err == PQCHA_ERR_PERMISSION ? cli_file_permission_hint : NULL;
}

/* O_NONBLOCK: a FIFO without a writer must not hang the open. */
static pqcha_err open_input(const char *path, int *fd_out) {
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) return cli_error_from_errno(errno);
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        return PQCHA_ERR_IS_DIRECTORY;
    }
    (void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    *fd_out = fd;
    return PQCHA_OK;
}

static pqcha_err digest_path(const char *path, char hex[HASH_HEX_LEN + 1]) {
    pqcha_err err;
    int fd = -1;

    if (strcmp(path, "-") == 0) return digest_fd(STDIN_FILENO, "stdin", hex);
    err = open_input(path, &fd);
    if (err != PQCHA_OK) return err;
    err = digest_fd(fd, path, hex);
    close(fd);
    return err;
}

/* sha256sum's convention: a name holding '\\' or a newline is written with
 * those escaped and the whole line prefixed by '\\', so every line stays one line. */
static int name_needs_escape(const char *name) {
    return strpbrk(name, "\\\n\r") != NULL;
}

static void print_name(FILE *out, const char *name) {
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

static int print_digests(int count, char **paths) {
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
            cli_error(paths[i], err, hash_hint(err));
            status = CLI_EXIT_USAGE;
            continue;
        }
        if (name_needs_escape(paths[i])) fputc('\\', stdout);
        printf("%s  ", hex);
        print_name(stdout, paths[i]);
        fputc('\n', stdout);
    }
    return status; /* a failure to write standard output is caught at exit */
}

/* ---- --check ---- */

struct check_totals {
    unsigned long mismatched;
    unsigned long unreadable;
    unsigned long malformed;
    unsigned long checked;
};

/* Undoes print_name's escaping in place; 0 on a stray backslash. */
static int unescape_name(char *name) {
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
static int parse_check_line(char *line, char **hex, char **name) {
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
    if (line[HASH_HEX_LEN] != ' ' ||
        (line[HASH_HEX_LEN + 1] != ' ' && line[HASH_HEX_LEN + 1] != '*'))
        return 0;
    line[HASH_HEX_LEN] = '\0';
    *hex = line;
    *name = line + HASH_HEX_LEN + 2;
    if (**name == '\0') return 0;
    return escaped ? unescape_name(*name) : 1;
}

static void check_one(const char *expected_hex, const char *name, int quiet,
                      struct check_totals *totals) {
    char hex[HASH_HEX_LEN + 1];
    pqcha_err err = digest_path(name, hex);
    const char *verdict = "OK";

    totals->checked++;
    if (err != PQCHA_OK) {
        fputs("pqcha: ", stderr);
        cli_print_escaped(stderr, name);
        if (hash_hint(err) != NULL)
            fprintf(stderr, ": %s (%s)\n", pqcha_strerror(err), hash_hint(err));
        else
            fprintf(stderr, ": %s\n", pqcha_strerror(err));
        totals->unreadable++;
        verdict = "FAILED open or read";
    } else if (strcmp(hex, expected_hex) != 0) {
        totals->mismatched++;
        verdict = "FAILED";
    } else if (quiet) {
        return;
    }
    /* The name comes from the check file: escaped for the terminal. */
    cli_print_escaped(stdout, name);
    printf(": %s\n", verdict);
    fflush(stdout);
}

/* Reads one line (without its newline) of at most CHECK_MAX_LINE bytes into
 * line; a longer one is consumed and reported as too long (*too_long), so a
 * check file without newlines (/dev/zero) never grows memory. Returns 0 at
 * the end of input; sets *failed on a read error. */
static int read_bounded_line(FILE *in, char *line, size_t *len, int *too_long, int *failed) {
    int c;
    *len = 0;
    *too_long = 0;
    while ((c = getc(in)) != EOF && c != '\n') {
        if (*len < CHECK_MAX_LINE)
            line[(*len)++] = (char)c;
        else
            *too_long = 1;
    }
    line[*len] = '\0';
    *failed = c == EOF && ferror(in);
    return c != EOF || *len > 0 || *too_long;
}

static FILE *open_check_file(const char *checkfile) {
    int fd = -1;
    FILE *in;
    pqcha_err err = open_input(checkfile, &fd);
    if (err != PQCHA_OK) {
        cli_error(checkfile, err, NULL);
        return NULL;
    }
    in = fdopen(fd, "r");
    if (in == NULL) {
        cli_error(checkfile, cli_error_from_errno(errno), NULL);
        close(fd);
    }
    return in;
}

/* Checks every line of one check file; returns 0 if it cannot be read. */
static int check_file(const char *checkfile, int quiet, struct check_totals *totals) {
    int from_stdin = strcmp(checkfile, "-") == 0;
    FILE *in = from_stdin ? stdin : open_check_file(checkfile);
    unsigned long valid_lines = 0;
    static char line[CHECK_MAX_LINE + 1];
    size_t len;
    int too_long, failed = 0;

    if (in == NULL) return 0;
    while (read_bounded_line(in, line, &len, &too_long, &failed)) {
        char *hex, *name;
        if (len == 0 && !too_long) continue;
        if (too_long || len != strlen(line) || !parse_check_line(line, &hex, &name)) {
            totals->malformed++;
            continue;
        }
        valid_lines++;
        check_one(hex, name, quiet, totals);
    }
    if (!from_stdin) fclose(in);
    if (failed) {
        cli_error(checkfile, PQCHA_ERR_IO, NULL);
        return 0;
    }
    if (valid_lines == 0) {
        cli_errorf("%s: no properly formatted SHA3-256 checksum lines found",
                   cli_escaped(checkfile));
        totals->malformed++;
    }
    return 1;
}

static void report_check_totals(const struct check_totals *t) {
    if (t->malformed > 0)
        cli_warnf("%lu line%s improperly formatted", t->malformed,
                  t->malformed == 1 ? " is" : "s are");
    if (t->unreadable > 0)
        cli_warnf("%lu listed file%s could not be read", t->unreadable,
                  t->unreadable == 1 ? "" : "s");
    if (t->mismatched > 0)
        cli_warnf("%lu computed checksum%s did NOT match", t->mismatched,
                  t->mismatched == 1 ? "" : "s");
}

static int check_digests(int count, char **checkfiles, int quiet) {
    static char stdin_name[] = "-";
    char *only_stdin[1] = {stdin_name};
    struct check_totals totals = {0, 0, 0, 0};
    int unreadable_checkfile = 0, i;

    if (count == 0) {
        count = 1;
        checkfiles = only_stdin;
    }
    for (i = 0; i < count; i++)
        if (!check_file(checkfiles[i], quiet, &totals)) unreadable_checkfile = 1;
    report_check_totals(&totals);
    if (unreadable_checkfile) return CLI_EXIT_USAGE;
    return totals.mismatched || totals.unreadable || totals.malformed ? CLI_EXIT_DRIFT
                                                                      : CLI_EXIT_OK;
}

int cli_hash_main(int argc, char **argv) {
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
            if (!cli_option_digest("hash", "--algorithm", optarg, &hash_alg)) return CLI_EXIT_USAGE;
            break;
        case 'T':
            if (!cli_option_threads("hash", optarg, &hash_threads)) return CLI_EXIT_USAGE;
            break;
        case 'c': check = 1; break;
        case 'q': quiet = 1; break;
        case 'h': fputs(hash_help, stdout); return CLI_EXIT_OK;
        default: return cli_try_help("hash");
        }
    }
    if (quiet && !check) return cli_usage_error("hash", "--quiet only applies to --check");
    if (check) return check_digests(argc - optind, argv + optind, quiet);
    return print_digests(argc - optind, argv + optind);
}
