/* cli.c — helpers shared by the pqcha subcommands (see cli.h). */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- diagnostics ---- */

void cli_error(const char *what, pqcha_err err, const char *hint) {
    /* what names files, ids and paths, some from untrusted input: escaped */
    fputs("pqcha: ", stderr);
    cli_print_escaped(stderr, what);
    fprintf(stderr, ": %s\n", pqcha_strerror(err));
    if (hint != NULL) fprintf(stderr, "pqcha: hint: %s\n", hint);
}

void cli_errorf(const char *fmt, ...) {
    va_list ap;
    fputs("pqcha: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void cli_warnf(const char *fmt, ...) {
    va_list ap;
    fputs("pqcha: warning: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_usage_error(const char *cmd, const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "pqcha %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'pqcha %s --help'.\n", cmd);
    return CLI_EXIT_USAGE;
}

int cli_option_identifier(const char *cmd, const char *what, const char *value) {
    pqcha_err err = pqcha_identifier_check(value);
    if (err == PQCHA_OK) return 1;
    cli_usage_error(cmd,
                    "%s '%s': %s (an id is 1-256 bytes of UTF-8 without control "
                    "characters)",
                    what, cli_escaped(value), pqcha_strerror(err));
    return 0;
}

int cli_try_help(const char *cmd) {
    fprintf(stderr, "Try 'pqcha %s --help'.\n", cmd);
    return CLI_EXIT_USAGE;
}

const char cli_file_permission_hint[] = "this user may not read the file: check its mode and owner "
                                        "(ls -l), and the directories above it";

const char *cli_hint_for(pqcha_err err) {
    switch (err) {
    case PQCHA_ERR_NOT_FOUND: return "check the path and the current directory";
    case PQCHA_ERR_BAD_KEY: return "expected an ML-DSA key in PEM form, as 'pqcha keygen' writes";
    case PQCHA_ERR_NOT_PRIVATE_KEY:
        return "this is a public key; signing needs the private key written by 'pqcha keygen'";
    case PQCHA_ERR_DEVICE_NOT_PRESENT:
        return "this host has no confidential-computing guest device; use --backend file";
    case PQCHA_ERR_BAD_TIMESTAMP:
    case PQCHA_ERR_TIMESTAMP_NO_ZONE: return "use RFC 3339 in UTC, e.g. 2026-11-28T03:30:55Z";
    case PQCHA_ERR_BAD_HEX: return "use lowercase hexadecimal of the expected length";
    case PQCHA_ERR_BAD_IDENTIFIER: return "ids are 1-256 bytes of UTF-8 without control characters";
    case PQCHA_ERR_OUT_OF_RANGE: return "the byte range lies beyond the end of the file";
    case PQCHA_ERR_NO_SUCH_REGION:
        return "nothing matched: with --pid, compare --map and --range with /proc/PID/maps";
    case PQCHA_ERR_NO_SUCH_PROCESS:
        return "no process has this PID (or it exited): check it with 'ps -p PID'; if /proc is "
               "mounted with hidepid, another user's process shows only to its uid or with "
               "CAP_SYS_PTRACE";
    case PQCHA_ERR_PERMISSION:
        return "reading another process's memory needs the same uid as the process, or "
               "CAP_SYS_PTRACE (e.g. run as root); kernel.yama.ptrace_scope 1 or more also "
               "limits it (see /proc/sys/kernel/yama/ptrace_scope)";
    default: return NULL;
    }
}

/* ---- option values ---- */

static int hex_digit_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int cli_parse_u64(const char *text, uint64_t *out) {
    uint64_t value = 0;
    unsigned base = 10;
    const char *p = text;

    if (text == NULL || *text == '\0') return 0;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
        if (*p == '\0') return 0;
    }
    for (; *p != '\0'; p++) {
        int digit = base == 16 ? hex_digit_value(*p) : (*p >= '0' && *p <= '9' ? *p - '0' : -1);
        if (digit < 0) return 0;
        if (value > (UINT64_MAX - (uint64_t)digit) / base) return 0; /* overflow */
        value = value * base + (uint64_t)digit;
    }
    *out = value;
    return 1;
}

int cli_option_u64(const char *cmd, const char *option, const char *text, uint64_t max,
                   uint64_t *out) {
    uint64_t value;
    if (!cli_parse_u64(text, &value)) {
        cli_usage_error(cmd, "%s: '%s' is not a non-negative integer", option, cli_escaped(text));
        return 0;
    }
    if (value > max) {
        cli_usage_error(cmd, "%s: %s is above the maximum %llu", option, text,
                        (unsigned long long)max);
        return 0;
    }
    *out = value;
    return 1;
}

int cli_option_digest(const char *cmd, const char *option, const char *text,
                      pqcha_digest_alg *out) {
    /* sha3-256-segments is not a digest of bytes alone: the attester chooses
     * it for regions that carry a tensor table. */
    if (pqcha_digest_alg_parse(out, text) != PQCHA_OK || !pqcha_digest_alg_is_streaming(*out)) {
        cli_usage_error(cmd, "%s: '%s' is not one of sha3-256-tree, sha3-256, k12", option,
                        cli_escaped(text));
        return 0;
    }
    return 1;
}

/* More hashing threads than cores only add switching and memory (each has a
 * stack and a batch of leaves): four per online CPU is plenty. */
int cli_option_threads(const char *cmd, const char *text, unsigned *out) {
    uint64_t value;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    uint64_t max = 4 * (uint64_t)(cpus > 0 ? cpus : 1);
    if (!cli_option_u64(cmd, "--threads", text, max, &value)) return 0;
    *out = (unsigned)value;
    return 1;
}

int cli_parse_seconds_ms(const char *text, int64_t *out_ms) {
    /* Up to a week in whole seconds plus up to three fraction digits: integer
     * arithmetic only, so "0.1" is exactly 100 ms. */
    const int64_t max_seconds = 7 * 24 * 3600;
    int64_t seconds = 0, millis = 0, scale = 100;
    const char *p = text;

    if (text == NULL || *p < '0' || *p > '9') return 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        seconds = seconds * 10 + (*p - '0');
        if (seconds > max_seconds) return 0;
    }
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9') return 0;
        for (; *p >= '0' && *p <= '9'; p++) {
            millis += (*p - '0') * scale;
            scale /= 10;
        }
    }
    if (*p != '\0') return 0;
    *out_ms = seconds * 1000 + millis;
    return 1;
}

int cli_option_time(const char *cmd, const char *text, int64_t *out) {
    pqcha_err err = pqcha_time_parse(out, text);
    if (err != PQCHA_OK) {
        cli_usage_error(cmd, "--now: '%s': %s (use UTC, e.g. 2026-11-28T03:30:55Z)",
                        cli_escaped(text), pqcha_strerror(err));
        return 0;
    }
    return 1;
}

/* ---- files ---- */

/* As the library maps them (fileio.c), so that a cause is named the same
 * way wherever it is met. */
pqcha_err cli_error_from_errno(int e) {
    return pqcha_error_from_errno(e);
}

/* Reads fd to the end into a growing buffer, failing beyond cap bytes. */
static pqcha_err read_fd_capped(int fd, size_t cap, char **out, size_t *out_len) {
    size_t len = 0, size = 4096;
    char *buf = malloc(size);

    if (buf == NULL) return PQCHA_ERR_NO_MEMORY;
    for (;;) {
        ssize_t n;
        if (len + 1 >= size) {
            /* Never hold more than cap + 2 bytes: enough to notice "too large". */
            size_t grown = size * 2 > cap + 2 ? cap + 2 : size * 2;
            char *bigger;
            if (grown <= size) {
                free(buf);
                return PQCHA_ERR_TOO_LARGE;
            }
            bigger = realloc(buf, grown);
            if (bigger == NULL) {
                free(buf);
                return PQCHA_ERR_NO_MEMORY;
            }
            buf = bigger;
            size = grown;
        }
        n = read(fd, buf + len, size - 1 - len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            pqcha_err err = cli_error_from_errno(errno);
            free(buf);
            return err;
        }
        if (n == 0) break;
        len += (size_t)n;
        if (len > cap) {
            free(buf);
            return PQCHA_ERR_TOO_LARGE;
        }
    }
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    return PQCHA_OK;
}

pqcha_err cli_read_file(const char *path, size_t cap, char **out, size_t *out_len) {
    pqcha_err err;
    int fd;

    *out = NULL;
    *out_len = 0;
    if (strcmp(path, "-") == 0) return read_fd_capped(STDIN_FILENO, cap, out, out_len);
    /* O_NONBLOCK: a FIFO without a writer must not hang the open (it then
     * reads as empty); reads themselves block again as usual. */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return cli_error_from_errno(errno);
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        return PQCHA_ERR_IS_DIRECTORY;
    }
    (void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    err = read_fd_capped(fd, cap, out, out_len);
    close(fd);
    return err;
}

size_t cli_trim_trailing_space(const char *text, size_t len) {
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' ' ||
                       text[len - 1] == '\t'))
        len--;
    return len;
}

static int write_all(FILE *f, const char *data, size_t len) {
    return fwrite(data, 1, len, f) == len && fflush(f) == 0;
}

int cli_write_output(const char *path, const char *data, size_t len) {
    pqcha_err err;

    if (path == NULL || strcmp(path, "-") == 0) {
        if (!write_all(stdout, data, len)) {
            cli_error("standard output", cli_error_from_errno(errno), NULL);
            return 0;
        }
        return 1;
    }
    /* Atomic and durable: the old file or the new one, whatever happens. */
    err = pqcha_file_write_atomic(path, data, len, 0644, 1);
    if (err != PQCHA_OK) {
        cli_error(path, err, err == PQCHA_ERR_PERMISSION ? cli_file_permission_hint : NULL);
        return 0;
    }
    return 1;
}

int cli_finish_stdout(int status) {
    int failed = fflush(stdout) != 0 || ferror(stdout);
    int saved = errno;
    if (fclose(stdout) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    if (!failed) return status;
    cli_error("standard output", cli_error_from_errno(saved), NULL);
    return CLI_EXIT_USAGE;
}

int cli_region_list_add(struct cli_region_list *l, const char *cmd, const char *arg) {
    struct cli_region_spec spec;
    if (!cli_region_spec_parse(cmd, arg, &spec)) return 0;
    if (l->count == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        struct cli_region_spec *grown = realloc(l->items, cap * sizeof(*grown));
        if (grown == NULL) {
            cli_error("--region", PQCHA_ERR_NO_MEMORY, NULL);
            cli_region_spec_clear(&spec);
            return 0;
        }
        l->items = grown;
        l->cap = cap;
    }
    l->items[l->count++] = spec;
    return 1;
}

static int compare_spec_ids(const void *a, const void *b) {
    return strcmp((*(const struct cli_region_spec *const *)a)->id,
                  (*(const struct cli_region_spec *const *)b)->id);
}

int cli_region_list_check_unique(const struct cli_region_list *l, const char *cmd) {
    const struct cli_region_spec **sorted = malloc((l->count ? l->count : 1) * sizeof(*sorted));
    size_t i;
    int ok = 1;
    if (sorted == NULL) {
        cli_error("--region", PQCHA_ERR_NO_MEMORY, NULL);
        return 0;
    }
    for (i = 0; i < l->count; i++)
        sorted[i] = &l->items[i];
    qsort(sorted, l->count, sizeof(*sorted), compare_spec_ids);
    for (i = 1; ok && i < l->count; i++)
        if (strcmp(sorted[i - 1]->id, sorted[i]->id) == 0) {
            cli_usage_error(cmd, "--region: region id '%s' given twice",
                            cli_escaped(sorted[i]->id));
            ok = 0;
        }
    free(sorted);
    return ok;
}

void cli_region_list_free(struct cli_region_list *l) {
    size_t i;
    for (i = 0; i < l->count; i++)
        cli_region_spec_clear(&l->items[i]);
    free(l->items);
    memset(l, 0, sizeof(*l));
}

int cli_path_exists(const char *path) {
    struct stat st;
    return lstat(path, &st) == 0;
}

/* ---- manifests and policies ---- */

/* "pqcha: KIND PATH: why", with a hint: the format's section for a
 * malformed file, else the error's own hint. */
static void document_error(const char *kind, const char *path, pqcha_err err,
                           const char *format_hint) {
    char what[1100];
    snprintf(what, sizeof what, "%s %.1000s", kind, path);
    cli_error(what, err, pqcha_error_is_malformed(err) ? format_hint : cli_hint_for(err));
}

pqcha_manifest *cli_load_manifest(const char *path) {
    pqcha_manifest *m = NULL;
    char *json = NULL;
    size_t len = 0;
    pqcha_err err = cli_read_file(path, PQCHA_MAX_MANIFEST_LEN, &json, &len);
    if (err == PQCHA_OK) err = pqcha_manifest_parse(&m, json, len);
    free(json);
    if (err != PQCHA_OK)
        document_error("manifest", path, err,
                       "see docs/FORMAT.md section 8, or write one with 'pqcha manifest'");
    return m;
}

pqcha_policy *cli_load_policy(const char *path) {
    pqcha_policy *policy = NULL;
    char *json = NULL;
    size_t len = 0;
    pqcha_err err = cli_read_file(path, PQCHA_MAX_POLICY_LEN, &json, &len);
    if (err == PQCHA_OK) err = pqcha_policy_parse(&policy, json, len);
    free(json);
    if (err != PQCHA_OK)
        document_error("policy", path, err,
                       "see docs/FORMAT.md section 6, or write one with 'pqcha policy'");
    return policy;
}

/* ---- text from untrusted input ---- */

/* The code point of the well-formed UTF-8 sequence at s (n bytes), or -1. */
static long utf8_decode(const unsigned char *s, size_t avail, size_t *n) {
    long cp;
    size_t len, i;
    if (s[0] < 0x80) {
        *n = 1;
        return s[0];
    }
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        len = 2;
        cp = s[0] & 0x1f;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        len = 3;
        cp = s[0] & 0x0f;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        len = 4;
        cp = s[0] & 0x07;
    } else {
        return -1;
    }
    if (avail < len) return -1;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) return -1;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    /* Shortest form, no surrogates, at most U+10FFFF. */
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return -1;
    *n = len;
    return cp;
}

/* Code points a terminal acts on or that reorder what follows: C0, DEL, C1,
 * and the bidirectional controls (U+061C, U+200E-U+200F, U+202A-U+202E,
 * U+2066-U+2069), which could make a tensor name display as something else. */
static int needs_escape(long cp) {
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c || cp == 0x200e ||
           cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* The escaped form of the character at s + *i (one code point, or one byte
 * that is not UTF-8) into piece; advances *i. */
static void escape_next(const unsigned char *s, size_t len, size_t *i, char piece[16]) {
    size_t n;
    long cp = utf8_decode(s + *i, len - *i, &n);
    if (cp < 0) {
        snprintf(piece, 16, "\\x%02x", s[*i]); /* not UTF-8: the byte itself */
        *i += 1;
        return;
    }
    if (cp == '\\')
        snprintf(piece, 16, "\\\\");
    else if (needs_escape(cp))
        snprintf(piece, 16, cp < 0x100 ? "\\x%02lx" : "\\u%04lx", cp);
    else {
        memcpy(piece, s + *i, n);
        piece[n] = '\0';
    }
    *i += n;
}

void cli_print_escaped(FILE *out, const char *text) {
    const unsigned char *s = (const unsigned char *)text;
    size_t len = strlen(text), i = 0;
    char piece[16];
    while (i < len) {
        escape_next(s, len, &i, piece);
        fputs(piece, out);
    }
}

#define ESCAPED_SLOTS 4
#define ESCAPED_CAP   1024

const char *cli_escaped(const char *text) {
    static char slots[ESCAPED_SLOTS][ESCAPED_CAP];
    static unsigned next;
    char *buf = slots[next++ % ESCAPED_SLOTS];
    const unsigned char *s = (const unsigned char *)text;
    size_t len = strlen(text), i = 0, used = 0;
    char piece[16];
    buf[0] = '\0';
    while (i < len) {
        escape_next(s, len, &i, piece);
        size_t n = strlen(piece);
        if (used + n + sizeof "..." > ESCAPED_CAP) { /* whole characters only */
            memcpy(buf + used, "...", sizeof "...");
            return buf;
        }
        memcpy(buf + used, piece, n + 1);
        used += n;
    }
    return buf;
}

/* ---- keys ---- */

/* How many PEM blocks the file holds (for a clearer message). */
static int pem_blocks_in(const char *path) {
    char *text = NULL;
    size_t len = 0;
    int n = 0;
    if (cli_read_file(path, PQCHA_MAX_PEM_LEN, &text, &len) != PQCHA_OK) return 0;
    for (const char *p = text; (p = strstr(p, "-----BEGIN ")) != NULL; p++)
        n++;
    free(text);
    return n;
}

pqcha_key *cli_load_key(const char *path, int want) {
    pqcha_key *key = NULL;
    int loose = 0;
    pqcha_err err = pqcha_key_load(&key, path, &loose);
    const char *refusal = NULL;

    if (err != PQCHA_OK) {
        /* A key file refused by the file system is no matter of ptrace rights. */
        const char *hint =
            err == PQCHA_ERR_PERMISSION ? cli_file_permission_hint : cli_hint_for(err);
        if (err == PQCHA_ERR_BAD_KEY && pem_blocks_in(path) > 1)
            hint = "the file holds more than one PEM block; give each key in its own file "
                   "(e.g. one --trust per key)";
        cli_error(path, err, hint);
        return NULL;
    }
    if (want == CLI_KEY_PUBLIC && pqcha_key_has_private(key)) {
        /* A verifier pins public keys; a private key here would spread the secret. */
        err = PQCHA_ERR_BAD_KEY;
        refusal = "this is a private key: give its public key (the .pub.pem keygen wrote, or "
                  "'pqcha pubkey KEY.pem')";
    } else if (want == CLI_KEY_PRIVATE && !pqcha_key_has_private(key)) {
        err = PQCHA_ERR_NOT_PRIVATE_KEY;
        refusal = cli_hint_for(err);
    } else if (want == CLI_KEY_PRIVATE && loose) {
        /* As ssh does: a signing key others can read is no longer secret. */
        err = PQCHA_ERR_PERMISSION;
        refusal = "the private key file is readable by group or others, so it may no longer be "
                  "secret; fix its mode (chmod 600) and consider a new key";
    } else if (loose) {
        cli_warnf("private key file %s is readable by group or others; run: chmod 600 %s",
                  cli_escaped(path), cli_escaped(path));
    }
    if (refusal != NULL) {
        cli_error(path, err, refusal);
        pqcha_key_free(key);
        return NULL;
    }
    return key;
}

/* ---- progress ---- */

int64_t cli_monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void cli_progress_begin(struct cli_progress *p, const char *label, uint64_t total) {
    memset(p, 0, sizeof(*p));
    p->label = label;
    p->total = total;
    p->active = total >= CLI_PROGRESS_MIN_BYTES && isatty(STDERR_FILENO);
    p->start_ns = cli_monotonic_ns();
}

static void progress_draw(struct cli_progress *p, int64_t now) {
    double seconds = (double)(now - p->start_ns) / 1e9;
    double mb_per_s = seconds > 0 ? (double)p->done / 1e6 / seconds : 0.0;
    unsigned percent = (unsigned)(p->done * 100 / p->total);

    /* \r returns to the start; \033[K clears what a longer label left behind. */
    fprintf(stderr, "\r\033[K%s: %3u%%  %.1f MB/s", p->label, percent, mb_per_s);
    fflush(stderr);
    p->last_draw_ns = now;
}

void cli_progress_advance(struct cli_progress *p, uint64_t bytes) {
    int64_t now;
    p->done += bytes;
    if (!p->active) return;
    now = cli_monotonic_ns();
    if (now - p->last_draw_ns >= 200000000) /* five redraws a second at most */
        progress_draw(p, now);
}

void cli_progress_end(struct cli_progress *p) {
    if (p->active && p->last_draw_ns != 0) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    p->active = 0;
}

/* ---- growing string ---- */

static int buf_reserve(struct cli_buf *b, size_t extra) {
    size_t need, cap;
    char *grown;

    if (b->failed) return 0;
    if (extra > SIZE_MAX - b->len - 1) {
        b->failed = 1;
        return 0;
    }
    need = b->len + extra + 1;
    if (need <= b->cap) return 1;
    cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    grown = realloc(b->data, cap);
    if (grown == NULL) {
        b->failed = 1;
        return 0;
    }
    b->data = grown;
    b->cap = cap;
    return 1;
}

void cli_buf_append_n(struct cli_buf *b, const char *text, size_t len) {
    if (!buf_reserve(b, len)) return;
    memcpy(b->data + b->len, text, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void cli_buf_append(struct cli_buf *b, const char *text) {
    cli_buf_append_n(b, text, strlen(text));
}

void cli_buf_appendf(struct cli_buf *b, const char *fmt, ...) {
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if (!buf_reserve(b, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void cli_buf_append_json_string(struct cli_buf *b, const char *text) {
    const unsigned char *p;

    cli_buf_append(b, "\"");
    for (p = (const unsigned char *)text; *p != '\0'; p++) {
        switch (*p) {
        case '"': cli_buf_append(b, "\\\""); break;
        case '\\': cli_buf_append(b, "\\\\"); break;
        case '\n': cli_buf_append(b, "\\n"); break;
        case '\r': cli_buf_append(b, "\\r"); break;
        case '\t': cli_buf_append(b, "\\t"); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                cli_buf_appendf(b, "\\u%04x", (unsigned)*p);
            else
                cli_buf_append_n(b, (const char *)p, 1); /* UTF-8 passes through */
        }
    }
    cli_buf_append(b, "\"");
}

void cli_buf_free(struct cli_buf *b) {
    free(b->data);
    memset(b, 0, sizeof(*b));
}

/* ---- region specifications ---- */

static char *dup_range(const char *start, size_t len) {
    char *s = malloc(len + 1);
    if (s != NULL) {
        memcpy(s, start, len);
        s[len] = '\0';
    }
    return s;
}

/* "OFFSET+LENGTH" after the last '@'; returns 1 if parsed, 0 if not a range
 * at all (no '+': the '@' belongs to the file name), -1 if a broken range. */
static int parse_range_suffix(const char *suffix, uint64_t *offset, uint64_t *length) {
    const char *plus = strchr(suffix, '+');
    char *offset_text;
    int ok;

    if (plus == NULL) return 0;
    offset_text = dup_range(suffix, (size_t)(plus - suffix));
    if (offset_text == NULL) return -1;
    ok = cli_parse_u64(offset_text, offset) && cli_parse_u64(plus + 1, length);
    free(offset_text);
    if (!ok || *length > UINT64_MAX - *offset) return -1;
    return 1;
}

int cli_region_spec_parse(const char *cmd, const char *text, struct cli_region_spec *out) {
    const char *equals = strchr(text, '=');
    const char *file_part, *at;
    size_t path_len;
    int range;

    memset(out, 0, sizeof(*out));
    if (equals == NULL || equals == text || equals[1] == '\0') {
        cli_usage_error(cmd, "--region '%s': expected ID=FILE[@OFFSET+LENGTH]", cli_escaped(text));
        return 0;
    }
    file_part = equals + 1;
    path_len = strlen(file_part);
    at = strrchr(file_part, '@');
    range = at != NULL ? parse_range_suffix(at + 1, &out->offset, &out->length) : 0;
    if (range < 0) {
        cli_usage_error(cmd,
                        "--region '%s': bad range '%s' (expected OFFSET+LENGTH, decimal or 0x hex)",
                        cli_escaped(text), cli_escaped(at + 1));
        return 0;
    }
    if (range > 0) path_len = (size_t)(at - file_part);
    if (path_len == 0) {
        cli_usage_error(cmd, "--region '%s': missing file name", cli_escaped(text));
        return 0;
    }
    out->id = dup_range(text, (size_t)(equals - text));
    out->path = dup_range(file_part, path_len);
    if (out->id == NULL || out->path == NULL) {
        cli_error("--region", PQCHA_ERR_NO_MEMORY, NULL);
        cli_region_spec_clear(out);
        return 0;
    }
    if (!cli_option_identifier(cmd, "--region: region id", out->id)) {
        cli_region_spec_clear(out);
        return 0;
    }
    return 1;
}

void cli_region_spec_clear(struct cli_region_spec *spec) {
    free(spec->id);
    free(spec->path);
    memset(spec, 0, sizeof(*spec));
}
