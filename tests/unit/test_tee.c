/* test_tee.c — getting hardware evidence (pqcha/tee.h): configfs-tsm
 * emulated in a plain temporary directory through the test hooks
 * (io/tsm_internal.h): the hooks create what the kernel would in a fresh
 * entry, play the provider once inblob is written (outblob, auxblob, the
 * generation, an EBUSY), and clean the entry before its rmdir. Every path
 * checks the exact error and that no entry is left behind. Also the
 * device fallbacks, custom providers and the raw evidence object. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/tee_internal.h"
#include "io/tsm_internal.h"
#include "testutil.h"

#define GENERATION_START 5u
#define FOREVER          (-1)

/* What the emulated kernel does, and what it saw. */
struct emu {
    const char *provider;   /* provider's content; NULL: no provider file */
    const char *floor;      /* privlevel_floor's content; NULL: no such file */
    const char *generation; /* generation's first content; NULL: GENERATION_START */
    int no_privlevel_attr;  /* a provider without privilege levels */
    size_t outblob_len;
    size_t auxblob_len;
    int busy;           /* after_inblob fails the read with this errno... */
    int busy_times;     /* ...this many times (FOREVER) */
    int raced_times;    /* another writer bumps the generation this many times */
    int kernel_ignores; /* the generation does not move for our writes */
    /* seen */
    int mkdirs, provider_turns, rmdirs;
    mode_t entry_mode;
    uint8_t inblob[128];
    size_t inblob_len;
    char privlevel[16];
    int termination_blocked; /* SIGINT and SIGTERM blocked during the request */
};

/* dir/name into path (PATH_SIZE bytes); a path that does not fit fails the test. */
#define PATH_SIZE 8192
static void join_path(char *path, const char *dir, const char *name) {
    int n = snprintf(path, PATH_SIZE, "%s/%s", dir, name);
    if (n < 0 || n >= PATH_SIZE) CHECK_FAILED("path too long");
}

static const char *const entry_files[] = {"provider",  "generation", "privlevel_floor", "inblob",
                                          "privlevel", "outblob",    "auxblob"};

static void put_file(const char *dir, const char *name, const void *data, size_t len) {
    char path[PATH_SIZE];
    join_path(path, dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        CHECK_FAILED("cannot create an emulated attribute");
        return;
    }
    if (len > 0 && write(fd, data, len) != (ssize_t)len) CHECK_FAILED("short write");
    close(fd);
}

static size_t get_file(const char *dir, const char *name, void *buf, size_t cap) {
    char path[PATH_SIZE];
    join_path(path, dir, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, cap);
    close(fd);
    return n > 0 ? (size_t)n : 0;
}

static void emu_after_mkdir(void *ctx, const char *entry) {
    struct emu *e = ctx;
    struct stat st;
    char generation[32];
    e->mkdirs++;
    if (stat(entry, &st) == 0) e->entry_mode = st.st_mode & 07777;
    if (e->provider) put_file(entry, "provider", e->provider, strlen(e->provider));
    if (e->floor) put_file(entry, "privlevel_floor", e->floor, strlen(e->floor));
    if (e->generation)
        snprintf(generation, sizeof generation, "%s", e->generation);
    else
        snprintf(generation, sizeof generation, "%u\n", GENERATION_START);
    put_file(entry, "generation", generation, strlen(generation));
    put_file(entry, "inblob", "", 0);
    if (!e->no_privlevel_attr) put_file(entry, "privlevel", "", 0);
}

/* A recognisable evidence pattern: byte i is i mod 251. */
static uint8_t *pattern(size_t len) {
    uint8_t *p = malloc(len ? len : 1);
    for (size_t i = 0; p && i < len; i++)
        p[i] = (uint8_t)(i % 251u);
    return p;
}

static int pattern_matches(const uint8_t *p, size_t len) {
    for (size_t i = 0; i < len; i++)
        if (p[i] != (uint8_t)(i % 251u)) return 0;
    return 1;
}

/* The kernel's side: the generation counts the writes it took. */
static void emu_bump_generation(struct emu *e, const char *entry) {
    unsigned writes = 0;
    char generation[32];
    if (e->inblob_len > 0) writes++;
    if (e->privlevel[0] != '\0') writes++;
    if (e->kernel_ignores) writes = 0;
    if (e->raced_times == FOREVER || e->raced_times > 0) {
        writes++;
        if (e->raced_times > 0) e->raced_times--;
    }
    snprintf(generation, sizeof generation, "%u\n", GENERATION_START + writes);
    put_file(entry, "generation", generation, strlen(generation));
}

static int emu_after_inblob(void *ctx, const char *entry, const uint8_t *report_data) {
    struct emu *e = ctx;
    sigset_t now;
    e->provider_turns++;
    e->inblob_len = get_file(entry, "inblob", e->inblob, sizeof e->inblob);
    memset(e->privlevel, 0, sizeof e->privlevel);
    get_file(entry, "privlevel", e->privlevel, sizeof e->privlevel - 1);
    pthread_sigmask(SIG_BLOCK, NULL, &now);
    e->termination_blocked = sigismember(&now, SIGINT) == 1 && sigismember(&now, SIGTERM) == 1;
    CHECK(e->inblob_len == PQCHA_TEE_REPORT_DATA_LEN &&
          memcmp(e->inblob, report_data, PQCHA_TEE_REPORT_DATA_LEN) == 0);
    emu_bump_generation(e, entry);
    if (e->busy_times == FOREVER || e->busy_times > 0) {
        if (e->busy_times > 0) e->busy_times--;
        return e->busy;
    }
    uint8_t *out = pattern(e->outblob_len), *aux = pattern(e->auxblob_len);
    put_file(entry, "outblob", out, e->outblob_len);
    if (e->auxblob_len > 0) put_file(entry, "auxblob", aux, e->auxblob_len);
    free(out);
    free(aux);
    return 0;
}

static void emu_before_rmdir(void *ctx, const char *entry) {
    struct emu *e = ctx;
    char path[PATH_SIZE];
    e->rmdirs++;
    for (size_t i = 0; i < sizeof entry_files / sizeof entry_files[0]; i++) {
        join_path(path, entry, entry_files[i]);
        unlink(path);
    }
}

/* A fresh, empty directory for one test's configfs root. */
static const char *fresh_root(const char *name) {
    static char path[PATH_SIZE];
    join_path(path, testutil_tmpdir(), name);
    if (mkdir(path, 0700) != 0 && errno != EEXIST) CHECK_FAILED("mkdir");
    return path;
}

static size_t entries_in(const char *dir) {
    size_t n = 0;
    DIR *d = opendir(dir);
    struct dirent *de;
    if (d == NULL) return 0;
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) n++;
    closedir(d);
    return n;
}

static void hooks_on(struct emu *e) {
    const struct pqcha__tsm_hooks h = {e, emu_after_mkdir, emu_after_inblob, emu_before_rmdir};
    pqcha__tsm_set_test_hooks(&h);
}

static const uint8_t test_report_data[PQCHA_TEE_REPORT_DATA_LEN] = {
    0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,       0xfe,
    0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10, [63] = 0x7f};

/* A source at root (and no device that exists), for platform. */
static pqcha_evidence_source *source_at(const char *root, const char *platform) {
    pqcha_evidence_source *s = NULL;
    CHECK_OK(pqcha_evidence_source_create(&s));
    if (s == NULL) return NULL;
    CHECK_OK(pqcha_evidence_source_set_tsm_root(s, root));
    CHECK_OK(pqcha_evidence_source_set_device(s, "/nonexistent/pqcha-test-sev-guest"));
    CHECK_OK(pqcha_evidence_source_set_platform(s, platform));
    return s;
}

/* Runs one get against an emulated root; returns its error, *out the
 * evidence. Checks what every request must leave: no entry. */
static pqcha_err emulated_get(struct emu *e, const char *root_name, const char *platform,
                              unsigned privlevel, pqcha_raw_evidence **out) {
    const char *root = fresh_root(root_name);
    pqcha_evidence_source *s = source_at(root, platform);
    if (privlevel > 0) CHECK_OK(pqcha_evidence_source_set_privlevel(s, privlevel));
    hooks_on(e);
    pqcha_err err = pqcha_evidence_source_get(s, test_report_data, out);
    pqcha__tsm_set_test_hooks(NULL);
    pqcha_evidence_source_free(s);
    CHECK(entries_in(root) == 0);
    CHECK(e->rmdirs == e->mkdirs);
    if (err != PQCHA_OK) CHECK(*out == NULL);
    return err;
}

static void test_snp_outblob_and_auxblob(void) {
    struct emu e = {
        .provider = "sev_guest\n", .floor = "0\n", .outblob_len = 1184, .auxblob_len = 300};
    pqcha_raw_evidence *r = NULL;
    size_t len = 0, certs_len = 0;

    CHECK_OK(emulated_get(&e, "snp", "auto", 0, &r));
    REQUIRE(r != NULL);
    CHECK_STR(pqcha_raw_evidence_platform(r), "amd-sev-snp");
    CHECK_STR(pqcha_raw_evidence_interface(r), "configfs-tsm (sev_guest)");
    const uint8_t *bytes = pqcha_raw_evidence_bytes(r, &len);
    CHECK(len == 1184 && pattern_matches(bytes, len));
    const uint8_t *certs = pqcha_raw_evidence_certs(r, &certs_len);
    CHECK(certs_len == 300 && certs != NULL && pattern_matches(certs, certs_len));
    /* One request, 64 bytes of inblob in one write, no privlevel written at 0. */
    CHECK(e.mkdirs == 1 && e.provider_turns == 1);
    CHECK(e.inblob_len == PQCHA_TEE_REPORT_DATA_LEN);
    CHECK_STR(e.privlevel, "");
    CHECK(e.entry_mode == 0700);
    CHECK(e.termination_blocked);
    pqcha_raw_evidence_free(r);
}

static void test_snp_without_certificates(void) {
    struct emu e = {.provider = "sev_guest\n", .outblob_len = 1184};
    pqcha_raw_evidence *r = NULL;
    size_t certs_len = 1;

    CHECK_OK(emulated_get(&e, "snp-nocerts", "amd-sev-snp", 0, &r));
    CHECK(pqcha_raw_evidence_certs(r, &certs_len) == NULL && certs_len == 0);
    pqcha_raw_evidence_free(r);
}

static void test_tdx_quote(void) {
    /* An auxblob next to a TDX quote is not a certificate table. */
    struct emu e = {.provider = "tdx_guest\n", .outblob_len = 5006, .auxblob_len = 40};
    pqcha_raw_evidence *r = NULL;
    size_t len = 0, certs_len = 1;

    CHECK_OK(emulated_get(&e, "tdx", "intel-tdx", 0, &r));
    REQUIRE(r != NULL);
    CHECK_STR(pqcha_raw_evidence_platform(r), "intel-tdx");
    CHECK_STR(pqcha_raw_evidence_interface(r), "configfs-tsm (tdx_guest)");
    CHECK(pqcha_raw_evidence_bytes(r, &len) != NULL && len == 5006);
    CHECK(pqcha_raw_evidence_certs(r, &certs_len) == NULL && certs_len == 0);
    pqcha_raw_evidence_free(r);
}

static void test_privlevel_written_as_ascii(void) {
    struct emu e = {.provider = "sev_guest\n", .floor = "1\n", .outblob_len = 1184};
    pqcha_raw_evidence *r = NULL;

    CHECK_OK(emulated_get(&e, "privlevel", "auto", 2, &r));
    CHECK_STR(e.privlevel, "2");
    CHECK(e.inblob_len == PQCHA_TEE_REPORT_DATA_LEN);
    pqcha_raw_evidence_free(r);
}

static void test_privlevel_below_floor(void) {
    struct emu e = {.provider = "sev_guest\n", .floor = "2\n", .outblob_len = 1184};
    struct emu zero = {.provider = "sev_guest\n", .floor = "1\n", .outblob_len = 1184};
    pqcha_raw_evidence *r = NULL;

    CHECK_ERR(emulated_get(&e, "floor", "auto", 1, &r), PQCHA_ERR_OUT_OF_RANGE);
    CHECK(e.provider_turns == 0); /* refused before anything was written */
    CHECK_ERR(emulated_get(&zero, "floor0", "auto", 0, &r), PQCHA_ERR_OUT_OF_RANGE);
}

static void test_privlevel_without_levels(void) {
    struct emu e = {.provider = "tdx_guest\n", .no_privlevel_attr = 1, .outblob_len = 5000};
    pqcha_raw_evidence *r = NULL;

    CHECK_ERR(emulated_get(&e, "nolevels", "intel-tdx", 1, &r), PQCHA_ERR_OUT_OF_RANGE);
    CHECK(e.provider_turns == 0);
}

static void test_busy_once_then_success(void) {
    struct emu e = {.provider = "tdx_guest\n", .outblob_len = 5000, .busy = EBUSY, .busy_times = 1};
    pqcha_raw_evidence *r = NULL;

    CHECK_OK(emulated_get(&e, "busy1", "auto", 0, &r));
    CHECK(r != NULL);
    CHECK(e.mkdirs == 2); /* retried from scratch, in a new entry */
    pqcha_raw_evidence_free(r);
}

static void test_busy_forever(void) {
    static const int busy[] = {EBUSY, EINTR, ETIMEDOUT, EAGAIN};
    for (size_t i = 0; i < sizeof busy / sizeof busy[0]; i++) {
        struct emu e = {
            .provider = "tdx_guest\n", .outblob_len = 5000, .busy = busy[i], .busy_times = FOREVER};
        pqcha_raw_evidence *r = NULL;
        CHECK_ERR(emulated_get(&e, "busy", "auto", 0, &r), PQCHA_ERR_DEVICE_BUSY);
        CHECK(e.mkdirs == (int)PQCHA__TEE_ATTEMPTS);
    }
}

static void test_generation_moved_once(void) {
    struct emu e = {.provider = "sev_guest\n", .outblob_len = 1184, .raced_times = 1};
    pqcha_raw_evidence *r = NULL;

    CHECK_OK(emulated_get(&e, "raced1", "auto", 0, &r));
    CHECK(r != NULL && e.mkdirs == 2);
    pqcha_raw_evidence_free(r);
}

static void test_generation_always_moving(void) {
    struct emu e = {.provider = "sev_guest\n", .outblob_len = 1184, .raced_times = FOREVER};
    struct emu with_level = {
        .provider = "sev_guest\n", .outblob_len = 1184, .raced_times = FOREVER};
    pqcha_raw_evidence *r = NULL;

    CHECK_ERR(emulated_get(&e, "raced", "auto", 0, &r), PQCHA_ERR_EVIDENCE_CHANGED);
    CHECK(e.mkdirs == (int)PQCHA__TEE_ATTEMPTS);
    CHECK_ERR(emulated_get(&with_level, "raced-level", "auto", 3, &r), PQCHA_ERR_EVIDENCE_CHANGED);
}

static void test_write_not_taken(void) {
    /* The generation did not count our inblob: outblob cannot carry it. */
    struct emu e = {.provider = "sev_guest\n", .outblob_len = 1184, .kernel_ignores = 1};
    pqcha_raw_evidence *r = NULL;

    CHECK_ERR(emulated_get(&e, "ignored", "auto", 0, &r), PQCHA_ERR_IO);
    CHECK(e.mkdirs == 1);
}

static void test_blob_sizes(void) {
    struct emu big = {.provider = "tdx_guest\n", .outblob_len = PQCHA_MAX_EVIDENCE_LEN + 1};
    struct emu most = {.provider = "tdx_guest\n", .outblob_len = PQCHA_MAX_EVIDENCE_LEN};
    struct emu empty = {.provider = "tdx_guest\n", .outblob_len = 0};
    struct emu big_aux = {
        .provider = "sev_guest\n", .outblob_len = 1184, .auxblob_len = PQCHA_TEE_MAX_CERTS_LEN + 1};
    pqcha_raw_evidence *r = NULL;
    size_t len = 0;

    CHECK_ERR(emulated_get(&big, "big", "auto", 0, &r), PQCHA_ERR_TOO_LARGE);
    CHECK_OK(emulated_get(&most, "most", "auto", 0, &r));
    CHECK(pqcha_raw_evidence_bytes(r, &len) != NULL && len == PQCHA_MAX_EVIDENCE_LEN);
    pqcha_raw_evidence_free(r);
    r = NULL;
    CHECK_ERR(emulated_get(&empty, "empty", "auto", 0, &r), PQCHA_ERR_BAD_EVIDENCE);
    CHECK_ERR(emulated_get(&big_aux, "bigaux", "auto", 0, &r), PQCHA_ERR_TOO_LARGE);
}

static void test_provider_errors(void) {
    static const struct {
        int errno_value;
        pqcha_err want;
    } cases[] = {
        {EFBIG, PQCHA_ERR_TOO_LARGE}, /* outblob above the kernel's maximum */
        {EINVAL, PQCHA_ERR_IO},       /* the provider refused the request */
        {EIO, PQCHA_ERR_IO},          {EACCES, PQCHA_ERR_PERMISSION}, {ENOMEM, PQCHA_ERR_NO_MEMORY},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct emu e = {.provider = "sev_guest\n",
                        .outblob_len = 1184,
                        .busy = cases[i].errno_value,
                        .busy_times = FOREVER};
        pqcha_raw_evidence *r = NULL;
        CHECK_ERR(emulated_get(&e, "errors", "auto", 0, &r), cases[i].want);
        CHECK(e.mkdirs == 1); /* not retried */
    }
}

static void test_malformed_attributes(void) {
    static const char *const generations[] = {"",      "\n",   "abc\n",
                                              "12a\n", "-1\n", "99999999999999999999999\n"};
    for (size_t i = 0; i < sizeof generations / sizeof generations[0]; i++) {
        struct emu e = {
            .provider = "sev_guest\n", .outblob_len = 1184, .generation = generations[i]};
        pqcha_raw_evidence *r = NULL;
        CHECK_ERR(emulated_get(&e, "badgen", "auto", 0, &r), PQCHA_ERR_BAD_EVIDENCE);
    }
    struct emu floor = {.provider = "sev_guest\n", .floor = "one\n", .outblob_len = 1184};
    pqcha_raw_evidence *r = NULL;
    CHECK_ERR(emulated_get(&floor, "badfloor", "auto", 0, &r), PQCHA_ERR_BAD_EVIDENCE);
}

static void test_not_this_platform(void) {
    /* Another platform's configfs-tsm, or a provider pqcha does not know:
     * absent, and the device after it absent too. */
    struct emu tdx = {.provider = "tdx_guest\n", .outblob_len = 5000};
    struct emu snp = {.provider = "sev_guest\n", .outblob_len = 1184};
    struct emu cca = {.provider = "arm_cca_guest\n", .outblob_len = 100};
    struct emu none = {.provider = NULL, .outblob_len = 100};
    pqcha_raw_evidence *r = NULL;

    CHECK_ERR(emulated_get(&tdx, "want-snp", "amd-sev-snp", 0, &r), PQCHA_ERR_DEVICE_NOT_PRESENT);
    CHECK_ERR(emulated_get(&snp, "want-tdx", "intel-tdx", 0, &r), PQCHA_ERR_DEVICE_NOT_PRESENT);
    CHECK_ERR(emulated_get(&cca, "cca", "auto", 0, &r), PQCHA_ERR_DEVICE_NOT_PRESENT);
    CHECK_ERR(emulated_get(&none, "noprovider", "auto", 0, &r), PQCHA_ERR_DEVICE_NOT_PRESENT);
    CHECK(tdx.provider_turns + snp.provider_turns + cca.provider_turns == 0);
}

static void test_no_tee(void) {
    char missing[PATH_SIZE];
    pqcha_raw_evidence *r = (pqcha_raw_evidence *)&r; /* reset on error */
    join_path(missing, testutil_tmpdir(), "no-such-root");
    static const char *const platforms[] = {"auto", "amd-sev-snp", "intel-tdx"};
    for (size_t i = 0; i < sizeof platforms / sizeof platforms[0]; i++) {
        pqcha_evidence_source *s = source_at(missing, platforms[i]);
        CHECK_ERR(pqcha_evidence_source_get(s, test_report_data, &r), PQCHA_ERR_DEVICE_NOT_PRESENT);
        CHECK(r == NULL);
        pqcha_evidence_source_free(s);
    }
    /* A plain directory without hooks: not configfs-tsm, and left empty. */
    const char *plain = fresh_root("plain");
    pqcha_evidence_source *s = source_at(plain, "auto");
    CHECK_ERR(pqcha_evidence_source_get(s, test_report_data, &r), PQCHA_ERR_DEVICE_NOT_PRESENT);
    CHECK(entries_in(plain) == 0);
    /* A regular file where the device should be is no device either. */
    char file[PATH_SIZE];
    join_path(file, testutil_tmpdir(), "not-a-device");
    put_file(testutil_tmpdir(), "not-a-device", "x", 1);
    CHECK_OK(pqcha_evidence_source_set_device(s, file));
    CHECK_ERR(pqcha_evidence_source_get(s, test_report_data, &r), PQCHA_ERR_DEVICE_NOT_PRESENT);
    pqcha_evidence_source_free(s);
}

static pqcha_err provider(void *ctx, const uint8_t report_data[PQCHA_TEE_REPORT_DATA_LEN],
                          pqcha_raw_evidence **out);

static void test_probe(void) {
    char missing[PATH_SIZE], file[PATH_SIZE];
    join_path(missing, testutil_tmpdir(), "no-such-root");
    join_path(file, testutil_tmpdir(), "probe-not-a-device");
    put_file(testutil_tmpdir(), "probe-not-a-device", "x", 1);
    static const char *const platforms[] = {"auto", "amd-sev-snp", "intel-tdx"};
    for (size_t i = 0; i < sizeof platforms / sizeof platforms[0]; i++) {
        pqcha_evidence_source *s = source_at(missing, platforms[i]);
        CHECK_OK(pqcha_evidence_source_set_device(s, file)); /* a file is no device */
        CHECK_ERR(pqcha_evidence_source_probe(s), PQCHA_ERR_DEVICE_NOT_PRESENT);
        /* a character device where SEV-SNP's is: present, except for TDX */
        CHECK_OK(pqcha_evidence_source_set_device(s, "/dev/null"));
        CHECK_ERR(pqcha_evidence_source_probe(s),
                  strcmp(platforms[i], "intel-tdx") == 0 ? PQCHA_ERR_DEVICE_NOT_PRESENT : PQCHA_OK);
        /* a configfs-tsm directory: present for every platform, and
         * probing makes no entry in it */
        const char *root = fresh_root("probe-root");
        CHECK_OK(pqcha_evidence_source_set_tsm_root(s, root));
        CHECK_OK(pqcha_evidence_source_probe(s));
        CHECK(entries_in(root) == 0);
        pqcha_evidence_source_free(s);
    }
    pqcha_evidence_source *c = NULL;
    CHECK_OK(pqcha_evidence_source_create_custom(&c, "intel-tdx", provider, NULL));
    CHECK_OK(pqcha_evidence_source_probe(c));
    pqcha_evidence_source_free(c);
    CHECK_ERR(pqcha_evidence_source_probe(NULL), PQCHA_ERR_INVALID_ARGUMENT);
}

static void test_device_that_is_no_sev_guest(void) {
    /* /dev/null is a character device that answers every ioctl ENOTTY, as
     * /dev/sev-guest does once the kernel disabled the VMPCK: IO. */
    char missing[PATH_SIZE];
    pqcha_raw_evidence *r = NULL;
    join_path(missing, testutil_tmpdir(), "no-such-root");
    pqcha_evidence_source *s = source_at(missing, "amd-sev-snp");
    CHECK_OK(pqcha_evidence_source_set_device(s, "/dev/null"));
    CHECK_ERR(pqcha_evidence_source_get(s, test_report_data, &r), PQCHA_ERR_IO);
    CHECK(r == NULL);
    /* For TDX the device is never asked: no quote comes from it. */
    CHECK_OK(pqcha_evidence_source_set_platform(s, "intel-tdx"));
    CHECK_ERR(pqcha_evidence_source_get(s, test_report_data, &r), PQCHA_ERR_DEVICE_NOT_PRESENT);
    pqcha_evidence_source_free(s);
}

static volatile sig_atomic_t usr1_seen;
static void on_usr1(int sig) {
    (void)sig;
    usr1_seen++;
}

static int raise_during_request(void *ctx, const char *entry, const uint8_t *report_data) {
    raise(SIGUSR1); /* held until the entry is gone */
    if (usr1_seen != 0) CHECK_FAILED("a signal got through during the request");
    return emu_after_inblob(ctx, entry, report_data);
}

static void test_signals_wait_for_removal(void) {
    struct emu e = {.provider = "sev_guest\n", .outblob_len = 1184};
    const char *root = fresh_root("signals");
    pqcha_evidence_source *s = source_at(root, "auto");
    const struct pqcha__tsm_hooks h = {&e, emu_after_mkdir, raise_during_request, emu_before_rmdir};
    struct sigaction sa, old;
    pqcha_raw_evidence *r = NULL;
    sigset_t now;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, &old);
    usr1_seen = 0;
    pqcha__tsm_set_test_hooks(&h);
    CHECK_OK(pqcha_evidence_source_get(s, test_report_data, &r));
    pqcha__tsm_set_test_hooks(NULL);
    CHECK(usr1_seen == 1); /* delivered once the request was over */
    CHECK(entries_in(root) == 0);
    pthread_sigmask(SIG_BLOCK, NULL, &now);
    CHECK(sigismember(&now, SIGTERM) == 0); /* the mask is restored */
    sigaction(SIGUSR1, &old, NULL);
    pqcha_raw_evidence_free(r);
    pqcha_evidence_source_free(s);
}

/* ---- custom providers ---- */

struct provider_ctx {
    const char *platform;
    pqcha_err answer;
    int give_nothing;
    int calls;
    uint8_t seen[PQCHA_TEE_REPORT_DATA_LEN];
};

static pqcha_err provider(void *ctx, const uint8_t report_data[PQCHA_TEE_REPORT_DATA_LEN],
                          pqcha_raw_evidence **out) {
    struct provider_ctx *p = ctx;
    p->calls++;
    memcpy(p->seen, report_data, sizeof p->seen);
    if (p->give_nothing) return PQCHA_OK;
    /* Evidence alongside an error is freed by pqcha, never leaked. */
    pqcha_err err = pqcha_raw_evidence_create(out, p->platform, "test provider", report_data,
                                              PQCHA_TEE_REPORT_DATA_LEN, NULL, 0);
    return err != PQCHA_OK ? err : p->answer;
}

static void test_custom_provider(void) {
    struct provider_ctx p = {.platform = "intel-tdx", .answer = PQCHA_OK};
    pqcha_evidence_source *s = NULL;
    pqcha_raw_evidence *r = NULL;
    size_t len = 0;

    CHECK_OK(pqcha_evidence_source_create_custom(&s, "intel-tdx", provider, &p));
    REQUIRE(s != NULL);
    CHECK_STR(pqcha_evidence_source_describe(s), "a caller-supplied intel-tdx provider");
    CHECK_OK(pqcha_evidence_source_get(s, test_report_data, &r));
    CHECK(p.calls == 1 && memcmp(p.seen, test_report_data, sizeof p.seen) == 0);
    CHECK_STR(pqcha_raw_evidence_interface(r), "test provider");
    CHECK(pqcha_raw_evidence_bytes(r, &len) != NULL && len == PQCHA_TEE_REPORT_DATA_LEN);
    pqcha_raw_evidence_free(r);

    p.answer = PQCHA_ERR_DEVICE_BUSY; /* its own error, passed on */
    CHECK_ERR(pqcha_evidence_source_get(s, test_report_data, &r), PQCHA_ERR_DEVICE_BUSY);
    CHECK(r == NULL);
    p.answer = PQCHA_OK;
    p.platform = "amd-sev-snp"; /* not what it promised */
    CHECK_ERR(pqcha_evidence_source_get(s, test_report_data, &r), PQCHA_ERR_INVALID_ARGUMENT);
    p.give_nothing = 1;
    CHECK_ERR(pqcha_evidence_source_get(s, test_report_data, &r), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(r == NULL);

    /* The machine's settings are not a custom source's. */
    CHECK_ERR(pqcha_evidence_source_set_platform(s, "auto"), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_evidence_source_set_tsm_root(s, "/tmp"), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_evidence_source_set_device(s, "/dev/sev-guest"), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_evidence_source_set_privlevel(s, 1), PQCHA_ERR_INVALID_ARGUMENT);
    pqcha_evidence_source_free(s);

    s = (pqcha_evidence_source *)&s;
    CHECK_ERR(pqcha_evidence_source_create_custom(&s, "auto", provider, &p),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(s == NULL);
    CHECK_ERR(pqcha_evidence_source_create_custom(&s, "amd-sev-snp", NULL, &p),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_evidence_source_create_custom(&s, NULL, provider, &p),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_evidence_source_create_custom(NULL, "amd-sev-snp", provider, &p),
              PQCHA_ERR_INVALID_ARGUMENT);
}

/* ---- the source's settings ---- */

static void test_source_settings(void) {
    pqcha_evidence_source *s = NULL;
    pqcha_raw_evidence *r = (pqcha_raw_evidence *)&r;
    char long_path[4098];

    CHECK_OK(pqcha_evidence_source_create(&s));
    REQUIRE(s != NULL);
    CHECK_STR(pqcha_evidence_source_describe(s),
              "configfs-tsm at /sys/kernel/config/tsm/report, /dev/sev-guest, /dev/tdx_guest "
              "(gives no quote: a TDX quote needs configfs-tsm)");
    CHECK_OK(pqcha_evidence_source_set_platform(s, "amd-sev-snp"));
    CHECK_STR(pqcha_evidence_source_describe(s),
              "configfs-tsm at /sys/kernel/config/tsm/report (sev_guest), /dev/sev-guest");
    CHECK_OK(pqcha_evidence_source_set_tsm_root(s, "/t/tsm"));
    CHECK_OK(pqcha_evidence_source_set_device(s, "/t/dev"));
    CHECK_STR(pqcha_evidence_source_describe(s), "configfs-tsm at /t/tsm (sev_guest), /t/dev");
    CHECK_OK(pqcha_evidence_source_set_platform(s, "intel-tdx"));
    CHECK_STR(pqcha_evidence_source_describe(s),
              "configfs-tsm at /t/tsm (tdx_guest), /t/dev (gives no quote: a TDX quote needs "
              "configfs-tsm)");

    /* Refused settings leave the source as it was. */
    CHECK_ERR(pqcha_evidence_source_set_platform(s, "sev-snp"), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_evidence_source_set_platform(s, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_evidence_source_set_tsm_root(s, ""), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_evidence_source_set_tsm_root(s, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    memset(long_path, 'a', sizeof long_path - 1);
    long_path[sizeof long_path - 1] = '\0';
    CHECK_ERR(pqcha_evidence_source_set_device(s, long_path), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_evidence_source_set_device(s, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_evidence_source_set_privlevel(s, 4), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_OK(pqcha_evidence_source_set_privlevel(s, 3));
    CHECK_STR(pqcha_evidence_source_describe(s),
              "configfs-tsm at /t/tsm (tdx_guest), /t/dev (gives no quote: a TDX quote needs "
              "configfs-tsm)");

    /* NULL handles and arguments. */
    CHECK_ERR(pqcha_evidence_source_get(s, NULL, &r), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(r == NULL);
    CHECK_ERR(pqcha_evidence_source_get(NULL, test_report_data, &r), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_evidence_source_get(s, test_report_data, NULL), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_evidence_source_create(NULL), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_evidence_source_set_platform(NULL, "auto"), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_evidence_source_set_tsm_root(NULL, "/t"), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_evidence_source_set_device(NULL, "/t"), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_evidence_source_set_privlevel(NULL, 0), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(pqcha_evidence_source_describe(NULL) == NULL);
    pqcha_evidence_source_free(s);
    pqcha_evidence_source_free(NULL);
}

/* ---- raw evidence ---- */

static void test_raw_evidence(void) {
    static const uint8_t bytes[] = {1, 2, 3, 4};
    static const uint8_t certs[] = {9, 8};
    uint8_t copy[sizeof bytes];
    pqcha_raw_evidence *r = NULL;
    size_t len = 0;

    memcpy(copy, bytes, sizeof copy);
    CHECK_OK(pqcha_raw_evidence_create(&r, "amd-sev-snp", "/dev/sev-guest", copy, sizeof copy,
                                       certs, sizeof certs));
    REQUIRE(r != NULL);
    memset(copy, 0, sizeof copy); /* copied, not referenced */
    CHECK_STR(pqcha_raw_evidence_platform(r), "amd-sev-snp");
    CHECK_STR(pqcha_raw_evidence_interface(r), "/dev/sev-guest");
    const uint8_t *b = pqcha_raw_evidence_bytes(r, &len);
    CHECK(len == sizeof bytes && b != NULL && memcmp(b, bytes, len) == 0);
    const uint8_t *c = pqcha_raw_evidence_certs(r, &len);
    CHECK(len == sizeof certs && c != NULL && memcmp(c, certs, len) == 0);
    CHECK(pqcha_raw_evidence_bytes(r, NULL) == b); /* len may be NULL */
    pqcha_raw_evidence_free(r);

    len = 7;
    CHECK(pqcha_raw_evidence_platform(NULL) == NULL);
    CHECK(pqcha_raw_evidence_interface(NULL) == NULL);
    CHECK(pqcha_raw_evidence_bytes(NULL, &len) == NULL && len == 0);
    len = 7;
    CHECK(pqcha_raw_evidence_certs(NULL, &len) == NULL && len == 0);
    pqcha_raw_evidence_free(NULL);
}

static void test_raw_evidence_errors(void) {
    static const uint8_t bytes[] = {1, 2, 3, 4};
    pqcha_raw_evidence *r = (pqcha_raw_evidence *)&r;
    char long_interface[4098];
    uint8_t *huge = calloc(1, PQCHA_TEE_MAX_CERTS_LEN + 1);
    REQUIRE(huge != NULL);

    memset(long_interface, 'i', sizeof long_interface - 1);
    long_interface[sizeof long_interface - 1] = '\0';
    CHECK_ERR(pqcha_raw_evidence_create(NULL, "intel-tdx", "x", bytes, 4, NULL, 0),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_raw_evidence_create(&r, "auto", "x", bytes, 4, NULL, 0),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK(r == NULL);
    CHECK_ERR(pqcha_raw_evidence_create(&r, NULL, "x", bytes, 4, NULL, 0),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_raw_evidence_create(&r, "intel-tdx", NULL, bytes, 4, NULL, 0),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_raw_evidence_create(&r, "intel-tdx", "", bytes, 4, NULL, 0),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_raw_evidence_create(&r, "intel-tdx", long_interface, bytes, 4, NULL, 0),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_raw_evidence_create(&r, "intel-tdx", "x", NULL, 4, NULL, 0),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_raw_evidence_create(&r, "intel-tdx", "x", bytes, 0, NULL, 0),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_raw_evidence_create(&r, "intel-tdx", "x", bytes, 4, NULL, 2),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(
        pqcha_raw_evidence_create(&r, "intel-tdx", "x", huge, PQCHA_MAX_EVIDENCE_LEN + 1, NULL, 0),
        PQCHA_ERR_TOO_LARGE);
    CHECK_ERR(pqcha_raw_evidence_create(&r, "amd-sev-snp", "x", bytes, 4, huge,
                                        PQCHA_TEE_MAX_CERTS_LEN + 1),
              PQCHA_ERR_TOO_LARGE);
    CHECK(r == NULL);
    CHECK_OK(pqcha_raw_evidence_create(&r, "amd-sev-snp", "x", huge, PQCHA_MAX_EVIDENCE_LEN, huge,
                                       PQCHA_TEE_MAX_CERTS_LEN));
    pqcha_raw_evidence_free(r);
    free(huge);
}

TEST_MAIN(TEST(test_snp_outblob_and_auxblob), TEST(test_snp_without_certificates),
          TEST(test_tdx_quote), TEST(test_privlevel_written_as_ascii),
          TEST(test_privlevel_below_floor), TEST(test_privlevel_without_levels),
          TEST(test_busy_once_then_success), TEST(test_busy_forever),
          TEST(test_generation_moved_once), TEST(test_generation_always_moving),
          TEST(test_write_not_taken), TEST(test_blob_sizes), TEST(test_provider_errors),
          TEST(test_malformed_attributes), TEST(test_not_this_platform), TEST(test_no_tee),
          TEST(test_probe), TEST(test_device_that_is_no_sev_guest),
          TEST(test_signals_wait_for_removal), TEST(test_custom_provider),
          TEST(test_source_settings), TEST(test_raw_evidence), TEST(test_raw_evidence_errors))
