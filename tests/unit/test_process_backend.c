/* test_process_backend.c — the "process" backend against a live process:
 * model_server_sim (tests/helpers), built next to this test, maps files and
 * memory and prints where. Every test synchronises with it through its
 * stdout lines and signals, never through time. */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#define WORKLOAD   "server"
#define ALG        PQCHA_DIGEST_SHA3_256_TREE
#define PAGE       4096u
#define NOBODY_UID 65534
#define OTHER_UID  65533

static char helper_path[PATH_MAX];

typedef struct sim_mapping {
    char kind[16];
    uint64_t address;
    uint64_t size;
} sim_mapping;

typedef struct sim {
    pid_t pid;
    FILE *out; /* the helper's stdout */
    int in_fd; /* its stdin */
    sim_mapping maps[8];
    size_t count;
} sim;

static int parse_mapping_line(sim *s, const char *line) {
    sim_mapping *m = &s->maps[s->count];
    char address[32];
    unsigned long long size = 0;
    if (s->count == 8 || sscanf(line, "%15s %31s %llu", m->kind, address, &size) != 3) return 0;
    m->address = strtoull(address, NULL, 16);
    m->size = size;
    s->count++;
    return 1;
}

/* Starts the helper at helper (as uid unless uid is -1) and reads its
 * mapping lines up to "ready". Returns 0 if it did not get there. */
static int sim_start_as(sim *s, const char *helper, const char *const *args, uid_t uid) {
    int out_pipe[2], in_pipe[2];
    memset(s, 0, sizeof *s);
    s->in_fd = -1;
    if (pipe2(out_pipe, O_CLOEXEC) != 0) return 0;
    if (pipe2(in_pipe, O_CLOEXEC) != 0) {
        close(out_pipe[0]);
        close(out_pipe[1]);
        return 0;
    }
    fflush(NULL);
    s->pid = fork();
    if (s->pid == 0) {
        const char *argv[16] = {helper};
        size_t n = 1;
        while (n < 15 && args[n - 1] != NULL) {
            argv[n] = args[n - 1];
            n++;
        }
        argv[n] = NULL;
        dup2(out_pipe[1], STDOUT_FILENO);
        dup2(in_pipe[0], STDIN_FILENO);
        if (uid != (uid_t)-1 && (setgroups(0, NULL) != 0 || setgid(uid) != 0 || setuid(uid) != 0))
            _exit(126);
        execv(helper, (char *const *)(uintptr_t)argv);
        _exit(127);
    }
    close(out_pipe[1]);
    close(in_pipe[0]);
    s->in_fd = in_pipe[1];
    s->out = fdopen(out_pipe[0], "r");
    if (s->pid < 0 || s->out == NULL) return 0;
    char line[256];
    while (fgets(line, sizeof line, s->out) != NULL) {
        if (strcmp(line, "ready\n") == 0) return 1;
        if (!parse_mapping_line(s, line)) return 0;
    }
    return 0;
}

static int sim_start(sim *s, const char *const *args) {
    return sim_start_as(s, helper_path, args, (uid_t)-1);
}

static void sim_stop(sim *s) {
    if (s->pid > 0) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
    }
    if (s->out != NULL) fclose(s->out);
    if (s->in_fd >= 0) close(s->in_fd);
    memset(s, 0, sizeof *s);
}

/* The next line the helper prints, e.g. "remapped". */
static int sim_expect_line(sim *s, const char *want) {
    char line[256];
    return fgets(line, sizeof line, s->out) != NULL && strncmp(line, want, strlen(want)) == 0 &&
           line[strlen(want)] == '\n';
}

/* Writes size bytes of a pattern (seeded, so two files differ) and returns
 * them; path receives the file's path. */
static uint8_t *write_file(char *path, size_t path_cap, const char *name, size_t size,
                           unsigned seed) {
    int n = snprintf(path, path_cap, "%s/%s", testutil_tmpdir(), name);
    if (n < 0 || (size_t)n >= path_cap) return NULL;
    uint8_t *data = malloc(size);
    if (data == NULL) return NULL;
    for (size_t i = 0; i < size; i++)
        data[i] = (uint8_t)((i * 131u + seed * 7u + (i >> 12)) % 251u);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
        free(data);
        return NULL;
    }
    return data;
}

static pqcha_backend *process_backend(void) {
    pqcha_backend *b = NULL;
    return pqcha_backend_create(&b, "process") == PQCHA_OK ? b : NULL;
}

/* A copy of the workload's region called id, or NULL. */
static pqcha_region *find_region(pqcha_backend *b, const char *id) {
    pqcha_region **list = NULL, *found = NULL;
    size_t n = 0;
    if (pqcha_backend_list_regions(b, WORKLOAD, &list, &n) != PQCHA_OK) return NULL;
    for (size_t i = 0; i < n && found == NULL; i++)
        if (strcmp(pqcha_region_id(list[i]), id) == 0) CHECK_OK(pqcha_region_copy(&found, list[i]));
    pqcha_region_list_free(list, n);
    return found;
}

static pqcha_err digest_region(pqcha_backend *b, const char *id, uint8_t digest[32]) {
    pqcha_region *r = find_region(b, id);
    if (r == NULL) return PQCHA_ERR_NO_SUCH_REGION;
    pqcha_err err = pqcha_backend_digest(b, WORKLOAD, r, ALG, 0, digest, 32);
    pqcha_region_free(r);
    return err;
}

/* The region's digest equals the digest of want. */
static void check_digest(pqcha_backend *b, const char *id, const uint8_t *want, size_t len) {
    uint8_t got[32], expected[32];
    CHECK_OK(digest_region(b, id, got));
    CHECK_OK(pqcha_digest(expected, sizeof expected, ALG, want, len, 1));
    CHECK(memcmp(got, expected, 32) == 0);
}

static void test_registry_entry(void) {
    pqcha_backend *b = process_backend();
    REQUIRE(b != NULL);
    CHECK_STR(pqcha_backend_name(b), "process");
    CHECK_STR(pqcha_backend_platform(b), "process");
    CHECK(pqcha_backend_flags(b) & PQCHA_BACKEND_CONCURRENT_READS);
    /* Process calls refuse another kind of backend and bad arguments. */
    pqcha_backend *file = NULL;
    REQUIRE(pqcha_backend_create(&file, "file") == PQCHA_OK);
    CHECK_ERR(pqcha_process_backend_add_mappings(file, WORKLOAD, getpid(), "*", NULL),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_process_backend_add_mappings(b, WORKLOAD, 0, "*", NULL),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_process_backend_add_mappings(b, WORKLOAD, -1, "*", NULL),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_process_backend_add_mappings(b, WORKLOAD, getpid(), "", NULL),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_process_backend_add_mappings(b, "", getpid(), "*", NULL),
              PQCHA_ERR_BAD_IDENTIFIER);
    CHECK_ERR(pqcha_process_backend_add_range(b, WORKLOAD, getpid(), 0x1000, 0, NULL),
              PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_process_backend_add_range(b, WORKLOAD, getpid(), UINT64_MAX, 2, NULL),
              PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(pqcha_process_backend_add_readonly_files(NULL, WORKLOAD, getpid()),
              PQCHA_ERR_INVALID_ARGUMENT);
    pqcha_backend_free(file);
    pqcha_backend_free(b);
}

/* RO and RW file mappings, neither a whole number of pages: the region is
 * clamped to the file, so its digest is the file's digest. */
static void test_file_mappings_digest_like_the_files(void) {
    char ro_path[PATH_MAX], rw_path[PATH_MAX];
    size_t ro_size = 3 * PAGE + 123, rw_size = 200000 + 7; /* rw: several tree leaves */
    uint8_t *ro = write_file(ro_path, sizeof ro_path, "ro-model.bin", ro_size, 1);
    uint8_t *rw = write_file(rw_path, sizeof rw_path, "rw-model.bin", rw_size, 2);
    sim s;
    pqcha_backend *b = process_backend();
    REQUIRE(ro && rw && b);
    const char *args[] = {"--ro", ro_path, "--rw", rw_path, NULL};
    if (sim_start(&s, args) && s.count == 2) {
        CHECK_OK(pqcha_process_backend_add_mappings(b, WORKLOAD, s.pid, "*/ro-model.bin", NULL));
        CHECK_OK(pqcha_process_backend_add_mappings(b, WORKLOAD, s.pid, "*rw-model.bin", NULL));
        pqcha_region *r = find_region(b, "ro-model.bin");
        CHECK(r != NULL);
        if (r != NULL) {
            CHECK(pqcha_region_address(r) == s.maps[0].address);
            CHECK(pqcha_region_size(r) == ro_size);
            CHECK(pqcha_region_protection(r) == PQCHA_PROT_RO);
            CHECK_STR(pqcha_region_mapped_file(r), ro_path);
            CHECK(pqcha_region_file_offset(r) == 0);
            pqcha_region_free(r);
        }
        r = find_region(b, "rw-model.bin");
        CHECK(r != NULL);
        if (r != NULL) {
            CHECK(pqcha_region_size(r) == rw_size);
            CHECK(pqcha_region_protection(r) == PQCHA_PROT_RW);
            pqcha_region_free(r);
        }
        check_digest(b, "ro-model.bin", ro, ro_size);
        check_digest(b, "rw-model.bin", rw, rw_size);
        /* Again: a region is read afresh at every digest. */
        check_digest(b, "ro-model.bin", ro, ro_size);
        /* An explicit id; an id taken is refused. */
        CHECK_OK(
            pqcha_process_backend_add_mappings(b, WORKLOAD, s.pid, "*ro-model.bin", "weights"));
        check_digest(b, "weights", ro, ro_size);
        CHECK_ERR(pqcha_process_backend_add_mappings(b, WORKLOAD, s.pid, "*ro-model.bin", NULL),
                  PQCHA_ERR_REGION_EXISTS);
        /* Two files under one explicit id: refused, and nothing is added. */
        CHECK_ERR(pqcha_process_backend_add_mappings(b, WORKLOAD, s.pid, "*-model.bin", "both"),
                  PQCHA_ERR_REGION_EXISTS);
        CHECK(find_region(b, "both") == NULL);
    } else {
        CHECK_FAILED("model_server_sim did not start");
    }
    sim_stop(&s);
    pqcha_backend_free(b);
    free(ro);
    free(rw);
}

static void test_anonymous_ranges(void) {
    sim s;
    pqcha_backend *b = process_backend();
    REQUIRE(b != NULL);
    const size_t size = 100000;
    uint8_t *want = malloc(size);
    REQUIRE(want != NULL);
    memset(want, 0x3c, size);
    const char *args[] = {"--anon", "100000:0x3c", NULL};
    if (sim_start(&s, args) && s.count == 1) {
        uint64_t at = s.maps[0].address;
        char id[64];
        snprintf(id, sizeof id, "range-0x%llx", (unsigned long long)at);
        CHECK_OK(pqcha_process_backend_add_range(b, WORKLOAD, s.pid, at, size, NULL));
        check_digest(b, id, want, size);
        pqcha_region *r = find_region(b, id);
        CHECK(r != NULL && pqcha_region_protection(r) == PQCHA_PROT_RW);
        CHECK(r != NULL && pqcha_region_mapped_file(r) == NULL);
        pqcha_region_free(r);
        CHECK_OK(pqcha_process_backend_add_range(b, WORKLOAD, s.pid, at + 10, 1000, "middle"));
        check_digest(b, "middle", want, 1000);
        /* Outside the mapping, or running past its end into unmapped memory. */
        CHECK_ERR(pqcha_process_backend_add_range(b, WORKLOAD, s.pid, 16, 16, NULL),
                  PQCHA_ERR_NO_SUCH_REGION);
        CHECK_ERR(pqcha_process_backend_add_range(b, WORKLOAD, s.pid, at, 1ull << 40, "huge"),
                  PQCHA_ERR_NO_SUCH_REGION);
    } else {
        CHECK_FAILED("model_server_sim did not start");
    }
    sim_stop(&s);
    pqcha_backend_free(b);
    free(want);
}

static void test_readonly_files_selection(void) {
    char ro_path[PATH_MAX], rw_path[PATH_MAX];
    size_t ro_size = 2 * PAGE + 1, rw_size = PAGE + 5;
    uint8_t *ro = write_file(ro_path, sizeof ro_path, "ro-select.bin", ro_size, 3);
    uint8_t *rw = write_file(rw_path, sizeof rw_path, "rw-select.bin", rw_size, 4);
    sim s;
    pqcha_backend *b = process_backend();
    REQUIRE(ro && rw && b);
    const char *args[] = {"--ro", ro_path, "--rw", rw_path, NULL};
    if (sim_start(&s, args)) {
        CHECK_OK(pqcha_process_backend_add_readonly_files(b, WORKLOAD, s.pid));
        check_digest(b, "ro-select.bin", ro, ro_size);
        pqcha_region *writable = find_region(b, "rw-select.bin");
        CHECK(writable == NULL); /* a writable mapping is not read-only */
        pqcha_region_free(writable);
        /* The helper's own executable is a read-only file mapping too. */
        pqcha_region *exe = find_region(b, "model_server_sim");
        CHECK(exe != NULL && pqcha_region_protection(exe) == PQCHA_PROT_RX);
        pqcha_region_free(exe);
    } else {
        CHECK_FAILED("model_server_sim did not start");
    }
    sim_stop(&s);
    pqcha_backend_free(b);
    free(ro);
    free(rw);
}

/* A mapping whose file name is no valid id: --readonly-files skips it and
 * lists it with the reason; a glob that selects it fails with that reason
 * and lists it; a later call that uses every mapping lists none. */
static void test_unusable_mappings_listed(void) {
    char odd_path[PATH_MAX], good_path[PATH_MAX];
    uint8_t *odd = write_file(odd_path, sizeof odd_path, "odd\x1b[2Jname.bin", PAGE + 3, 5);
    uint8_t *good = write_file(good_path, sizeof good_path, "good-name.bin", PAGE + 7, 6);
    sim s;
    pqcha_backend *b = process_backend();
    REQUIRE(odd && good && b);
    const char *args[] = {"--ro", good_path, "--ro", odd_path, NULL};
    if (sim_start(&s, args)) {
        CHECK_OK(pqcha_process_backend_add_readonly_files(b, WORKLOAD, s.pid));
        check_digest(b, "good-name.bin", good, PAGE + 7);
        CHECK(pqcha_process_backend_unusable_count(b) == 1);
        CHECK_STR(pqcha_process_backend_unusable_path(b, 0), odd_path);
        CHECK_ERR(pqcha_process_backend_unusable_error(b, 0), PQCHA_ERR_BAD_IDENTIFIER);
        CHECK(pqcha_process_backend_unusable_path(b, 1) == NULL);
        CHECK_ERR(pqcha_process_backend_unusable_error(b, 1), PQCHA_ERR_INVALID_ARGUMENT);

        CHECK_ERR(pqcha_process_backend_add_mappings(b, "w2", s.pid, "odd*", NULL),
                  PQCHA_ERR_BAD_IDENTIFIER);
        CHECK(pqcha_process_backend_unusable_count(b) == 1);
        CHECK_STR(pqcha_process_backend_unusable_path(b, 0), odd_path);
        /* An explicit id does not help: the path itself goes into the report. */
        CHECK_ERR(pqcha_process_backend_add_mappings(b, "w2", s.pid, "odd*", "odd"),
                  PQCHA_ERR_BAD_IDENTIFIER);
        CHECK_OK(pqcha_process_backend_add_mappings(b, "w2", s.pid, "good-*", NULL));
        CHECK(pqcha_process_backend_unusable_count(b) == 0);
    } else {
        CHECK_FAILED("model_server_sim did not start");
    }
    sim_stop(&s);
    CHECK(pqcha_process_backend_unusable_count(NULL) == 0);
    pqcha_backend_free(b);
    free(odd);
    free(good);
}

/* Makes process_vm_readv fail with ENOSYS in this process, as on a kernel
 * or under a seccomp profile without it. */
static int deny_process_vm_readv(void) {
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_process_vm_readv, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {(unsigned short)(sizeof code / sizeof code[0]), code};
    return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
           prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0;
}

/* Without process_vm_readv the bytes come through /proc/PID/mem: the same digest. */
static void test_fallback_to_proc_pid_mem(void) {
    char path[PATH_MAX];
    size_t size = 3 * PAGE + 1;
    uint8_t *data = write_file(path, sizeof path, "fallback.bin", size, 9);
    sim s;
    pqcha_backend *b = process_backend();
    REQUIRE(data && b);
    const char *args[] = {"--ro", path, NULL};
    if (sim_start(&s, args)) {
        CHECK_OK(pqcha_process_backend_add_mappings(b, WORKLOAD, s.pid, "*fallback.bin", NULL));
        uint8_t want[32];
        CHECK_OK(pqcha_digest(want, sizeof want, ALG, data, size, 1));
        fflush(NULL);
        pid_t child = fork();
        if (child == 0) {
            uint8_t got[32];
            struct iovec probe_local = {got, 1}, probe_remote = {got, 1};
            if (!deny_process_vm_readv()) _exit(100);
            if (syscall(SYS_process_vm_readv, getpid(), &probe_local, 1, &probe_remote, 1, 0) !=
                    -1 ||
                errno != ENOSYS)
                _exit(101); /* the filter is not in force: the test would prove nothing */
            pqcha_err err = digest_region(b, "fallback.bin", got);
            _exit(err != PQCHA_OK ? (int)err : memcmp(got, want, 32) == 0 ? 0 : 102);
        }
        int status = 0;
        CHECK(child > 0 && waitpid(child, &status, 0) == child);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            fprintf(stderr, "  seccomp child: status %d\n", status);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    } else {
        CHECK_FAILED("model_server_sim did not start");
    }
    sim_stop(&s);
    pqcha_backend_free(b);
    free(data);
}

/* Lines in the helper's memory map that name path. */
static size_t maps_lines_naming(pid_t pid, const char *path) {
    char maps_path[64], line[PATH_MAX + 128];
    snprintf(maps_path, sizeof maps_path, "/proc/%d/maps", (int)pid);
    FILE *f = fopen(maps_path, "r");
    size_t n = 0;
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (strstr(line, path) != NULL) n++;
    if (f != NULL) fclose(f);
    return n;
}

static void test_adjacent_mappings_merge(void) {
    char path[PATH_MAX];
    size_t size = 4 * PAGE + 100;
    uint8_t *data = write_file(path, sizeof path, "split.bin", size, 5);
    sim s;
    pqcha_backend *b = process_backend();
    REQUIRE(data && b);
    const char *args[] = {"--split", path, NULL};
    if (sim_start(&s, args)) {
        REQUIRE(maps_lines_naming(s.pid, path) == 2); /* otherwise nothing to merge */
        CHECK_OK(pqcha_process_backend_add_mappings(b, WORKLOAD, s.pid, "*split.bin", NULL));
        pqcha_region **list = NULL;
        size_t n = 0;
        CHECK_OK(pqcha_backend_list_regions(b, WORKLOAD, &list, &n));
        CHECK(n == 1);
        if (n == 1) {
            CHECK(pqcha_region_address(list[0]) == s.maps[0].address);
            CHECK(pqcha_region_size(list[0]) == size);
            CHECK(pqcha_region_protection(list[0]) == PQCHA_PROT_RW); /* r-- then rw- */
        }
        pqcha_region_list_free(list, n);
        check_digest(b, "split.bin", data, size);
    } else {
        CHECK_FAILED("model_server_sim did not start");
    }
    sim_stop(&s);
    pqcha_backend_free(b);
    free(data);
}

static void test_unknown_process_and_empty_glob(void) {
    pqcha_backend *b = process_backend();
    REQUIRE(b != NULL);
    /* Above any pid_max the kernel allows (2^22). */
    CHECK_ERR(pqcha_process_backend_add_mappings(b, WORKLOAD, INT_MAX, "*", NULL),
              PQCHA_ERR_NO_SUCH_PROCESS);
    CHECK_ERR(pqcha_process_backend_add_range(b, WORKLOAD, INT_MAX, 0x1000, 1, NULL),
              PQCHA_ERR_NO_SUCH_PROCESS);
    CHECK_ERR(pqcha_process_backend_add_readonly_files(b, WORKLOAD, INT_MAX),
              PQCHA_ERR_NO_SUCH_PROCESS);
    CHECK_ERR(
        pqcha_process_backend_add_mappings(b, WORKLOAD, getpid(), "*no-such-model.gguf", NULL),
        PQCHA_ERR_NO_SUCH_REGION);
    pqcha_region **list = NULL;
    size_t n = 1;
    CHECK_OK(pqcha_backend_list_regions(b, WORKLOAD, &list, &n));
    CHECK(n == 0);
    pqcha_region_list_free(list, n);
    pqcha_backend_free(b);
}

/* Listed, then the process exits: as a zombie its memory map is empty (the
 * mapping vanished), once reaped it does not exist. */
static void test_process_exits_after_listing(void) {
    char path[PATH_MAX];
    uint8_t *data = write_file(path, sizeof path, "exit.bin", PAGE + 9, 6);
    sim s;
    pqcha_backend *b = process_backend();
    REQUIRE(data && b);
    const char *args[] = {"--ro", path, NULL};
    if (sim_start(&s, args)) {
        uint8_t digest[32];
        CHECK_OK(pqcha_process_backend_add_mappings(b, WORKLOAD, s.pid, "*exit.bin", NULL));
        CHECK_OK(digest_region(b, "exit.bin", digest));
        CHECK(kill(s.pid, SIGKILL) == 0);
        siginfo_t info;
        CHECK(waitid(P_PID, (id_t)s.pid, &info, WEXITED | WNOWAIT) == 0); /* a zombie now */
        CHECK_ERR(digest_region(b, "exit.bin", digest), PQCHA_ERR_REGION_CHANGED);
        CHECK(waitpid(s.pid, NULL, 0) == s.pid);
        CHECK_ERR(digest_region(b, "exit.bin", digest), PQCHA_ERR_NO_SUCH_PROCESS);
        s.pid = 0;
    } else {
        CHECK_FAILED("model_server_sim did not start");
    }
    sim_stop(&s);
    pqcha_backend_free(b);
    free(data);
}

static void test_mapping_replaced_after_listing(void) {
    char path[PATH_MAX], other[PATH_MAX];
    size_t size = 2 * PAGE + 77;
    uint8_t *data = write_file(path, sizeof path, "replaced.bin", size, 7);
    uint8_t *evil = write_file(other, sizeof other, "evil.bin", size, 8);
    sim s;
    pqcha_backend *b = process_backend();
    REQUIRE(data && evil && b);
    const char *args[] = {"--ro", path, "--remap-on-signal", other, NULL};
    if (sim_start(&s, args)) {
        uint8_t digest[32];
        CHECK_OK(pqcha_process_backend_add_mappings(b, WORKLOAD, s.pid, "*replaced.bin", NULL));
        check_digest(b, "replaced.bin", data, size);
        CHECK(kill(s.pid, SIGUSR1) == 0);
        CHECK(sim_expect_line(&s, "remapped"));
        CHECK_ERR(digest_region(b, "replaced.bin", digest), PQCHA_ERR_REGION_CHANGED);
    } else {
        CHECK_FAILED("model_server_sim did not start");
    }
    sim_stop(&s);
    pqcha_backend_free(b);
    free(data);
    free(evil);
}

static long vm_rss_kib(pid_t pid) {
    char path[64], line[256];
    long kib = -1;
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1) break;
    if (f != NULL) fclose(f);
    return kib;
}

/* Whether reading untouched anonymous memory maps the shared zero page here
 * (most kernels) or allocates a page per read (seen on a Firecracker guest
 * kernel): only in the first case can the helper's RSS be expected to stay small. */
static int kernel_shares_zero_page(void) {
    const size_t size = 64u << 20;
    volatile const uint8_t *p =
        mmap(NULL, size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return 0;
    long before = vm_rss_kib(getpid());
    unsigned sum = 0;
    for (size_t i = 0; i < size; i += 4096)
        sum += p[i];
    long after = vm_rss_kib(getpid());
    munmap((void *)(uintptr_t)p, size);
    return sum == 0 && before >= 0 && after - before < 16 * 1024;
}

/* 4 GiB of untouched anonymous memory hashes through 8 MiB chunks: the
 * attester never allocates it, and (where the kernel maps the shared zero
 * page for reads) neither does the process. */
static void test_sparse_multi_gib_region(void) {
    const uint64_t size = 4ull << 30;
    const size_t chunk = 8u << 20;
    sim s;
    pqcha_backend *b = process_backend();
    uint8_t *zeros = calloc(1, chunk);
    REQUIRE(b && zeros);
    const char *args[] = {"--sparse", "4294967296", NULL};
    if (sim_start(&s, args) && s.count == 1) {
        CHECK_OK(
            pqcha_process_backend_add_range(b, WORKLOAD, s.pid, s.maps[0].address, size, "sparse"));
        uint8_t got[32], want[32];
        CHECK_OK(digest_region(b, "sparse", got));
        pqcha_hasher *h = NULL;
        CHECK_OK(pqcha_hasher_create(&h, ALG));
        CHECK_OK(pqcha_hasher_set_threads(h, 0));
        for (uint64_t done = 0; done < size; done += chunk)
            CHECK_OK(pqcha_hasher_update(h, zeros, chunk));
        CHECK_OK(pqcha_hasher_final(h, want, sizeof want));
        pqcha_hasher_free(h);
        CHECK(memcmp(got, want, 32) == 0);
        /* The zero page is shared, not counted: the helper stayed small, and so did we. */
        if (kernel_shares_zero_page()) {
            long rss = vm_rss_kib(s.pid);
            CHECK(rss >= 0 && rss < 256 * 1024);
        } else {
            printf("note: this kernel allocates pages on reads of untouched anonymous memory; "
                   "the helper's RSS is not checked\n");
        }
        struct rusage usage;
        CHECK(getrusage(RUSAGE_SELF, &usage) == 0 && usage.ru_maxrss < 1024 * 1024);
    } else {
        CHECK_FAILED("model_server_sim did not start");
    }
    sim_stop(&s);
    pqcha_backend_free(b);
    free(zeros);
}

/* ---- model files: tensor tables, paths, globs on base names, deleted files ---- */

/* A safetensors file whose data starts past the first page (metadata padding
 * stands in for the large headers real models have): tensors a (F32, 4000
 * bytes) and b (U8, 70000 bytes). */
static uint8_t *write_safetensors(char *path, size_t cap, const char *name, size_t *len) {
    char header[8192];
    int n = snprintf(header, sizeof header,
                     "{\"__metadata__\":{\"pad\":\"%06000d\"},"
                     "\"a\":{\"dtype\":\"F32\",\"shape\":[1000],\"data_offsets\":[0,4000]},"
                     "\"b\":{\"dtype\":\"U8\",\"shape\":[70000],\"data_offsets\":[4000,74000]}}",
                     0);
    *len = 8 + (size_t)n + 74000;
    uint8_t *data = write_file(path, cap, name, *len, 9);
    if (data == NULL) return NULL;
    for (int i = 0; i < 8; i++)
        data[i] = (uint8_t)((uint64_t)n >> (8 * i));
    memcpy(data + 8, header, (size_t)n);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, *len, f) != *len || fclose(f) != 0) {
        free(data);
        return NULL;
    }
    return data;
}

/* A model file mapped from a page past its header gets the tensors wholly
 * inside the mapping, read from the file's own header; with tensor tables
 * off, none. A path finds the mapping through a symlink; a glob without '/'
 * matches the base name only. */
static void test_tensor_tables_and_paths(void) {
    char path[PATH_MAX], link_path[PATH_MAX + 32], spec[PATH_MAX + 32];
    size_t len = 0;
    uint8_t *data = write_safetensors(path, sizeof path, "weights.safetensors", &len);
    REQUIRE(data != NULL);
    snprintf(link_path, sizeof link_path, "%s/link-to-weights", testutil_tmpdir());
    unlink(link_path);
    REQUIRE(symlink(path, link_path) == 0);
    snprintf(spec, sizeof spec, "%u:%s", 6100u, path); /* in the second page */
    const char *args[] = {"--rw-after", spec, NULL};
    sim s;
    pqcha_backend *b = process_backend();
    REQUIRE(b != NULL);
    if (sim_start(&s, args) && s.count == 1) {
        CHECK_ERR(
            pqcha_process_backend_add_mappings(b, WORKLOAD, s.pid, "/weights.safetensors", NULL),
            PQCHA_ERR_NO_SUCH_REGION); /* with '/': the whole path */
        CHECK_OK(pqcha_process_backend_add_mappings(b, WORKLOAD, s.pid, "weights.*", "by-glob"));
        CHECK_OK(pqcha_process_backend_add_file(b, WORKLOAD, s.pid, link_path, "by-path"));
        pqcha_region *r = find_region(b, "by-path");
        REQUIRE(r != NULL);
        CHECK(pqcha_region_file_offset(r) == 4096);
        REQUIRE(pqcha_region_tensor_count(r) == 2); /* both start past 4096 */
        CHECK_STR(pqcha_region_tensor_name(r, 0), "a");
        CHECK(!pqcha_region_file_deleted(r));
        CHECK(pqcha_process_backend_tensor_note(b, WORKLOAD, "by-path") == NULL);
        pqcha_region_free(r);
        pqcha_backend *plain = process_backend();
        CHECK_OK(pqcha_process_backend_set_tensor_tables(plain, 0));
        CHECK_OK(pqcha_process_backend_add_file(plain, WORKLOAD, s.pid, path, NULL));
        pqcha_region **list = NULL;
        size_t n = 0;
        CHECK_OK(pqcha_backend_list_regions(plain, WORKLOAD, &list, &n));
        CHECK(n == 1 && pqcha_region_tensor_count(list[0]) == 0);
        if (n == 1) CHECK_STR(pqcha_region_id(list[0]), "weights.safetensors");
        pqcha_region_list_free(list, n);
        pqcha_backend_free(plain);
        char missing[PATH_MAX + 16];
        snprintf(missing, sizeof missing, "%s.none", path);
        CHECK_ERR(pqcha_process_backend_add_file(b, WORKLOAD, s.pid, missing, NULL),
                  PQCHA_ERR_NOT_FOUND);
        CHECK_ERR(pqcha_process_backend_add_file(b, WORKLOAD, s.pid, "/etc/hostname", NULL),
                  PQCHA_ERR_NO_SUCH_REGION);
        char *files = NULL;
        CHECK_OK(pqcha_process_mapped_files(&files, s.pid));
        CHECK(files != NULL && strstr(files, path) != NULL);
        pqcha_free(files);
    } else {
        CHECK_FAILED("model_server_sim did not start");
    }
    sim_stop(&s);
    pqcha_backend_free(b);
    unlink(link_path);
    free(data);
}

/* A live file whose name ends in " (deleted)" (the workload names its files)
 * is not taken for a deleted one: it keeps its name, is not flagged, and its
 * tensor table is read through its path. */
static void test_live_file_named_deleted(void) {
    char path[PATH_MAX];
    size_t len = 0;
    uint8_t *data = write_safetensors(path, sizeof path, "live (deleted)", &len);
    REQUIRE(data != NULL);
    char spec[PATH_MAX + 32];
    snprintf(spec, sizeof spec, "%u:%s", 6100u, path);
    const char *args[] = {"--rw-after", spec, NULL};
    sim s;
    pqcha_backend *b = process_backend();
    REQUIRE(b != NULL);
    if (sim_start(&s, args) && s.count == 1) {
        CHECK_OK(pqcha_process_backend_add_mappings(b, WORKLOAD, s.pid, "live*", "spoof"));
        pqcha_region *r = find_region(b, "spoof");
        REQUIRE(r != NULL);
        CHECK(!pqcha_region_file_deleted(r));
        CHECK_STR(pqcha_region_mapped_file(r), path);
        CHECK(pqcha_region_tensor_count(r) == 2);
        pqcha_region_free(r);
    } else {
        CHECK_FAILED("model_server_sim did not start");
    }
    sim_stop(&s);
    pqcha_backend_free(b);
    unlink(path);
    free(data);
}

/* With a manifest, the mapped file's entry names the region and gives the
 * tensors, even when the file is known on disk by another name (matched by
 * size). A file deleted while mapped is still measured, and flagged. */
static void test_manifest_names_and_tables(void) {
    char path[PATH_MAX], blob[PATH_MAX + 32];
    size_t len = 0;
    uint8_t *data = write_safetensors(path, sizeof path, "reference.safetensors", &len);
    REQUIRE(data != NULL);
    pqcha_manifest *m = NULL;
    CHECK_OK(pqcha_manifest_create(&m));
    CHECK_OK(pqcha_manifest_add_file(m, path, 1));
    snprintf(blob, sizeof blob, "%s/sha256-0123abcd", testutil_tmpdir());
    FILE *f = fopen(blob, "wb");
    REQUIRE(f != NULL);
    REQUIRE(fwrite(data, 1, len, f) == len && fclose(f) == 0);
    const char *args[] = {"--ro", blob, NULL};
    sim s;
    pqcha_backend *b = process_backend();
    REQUIRE(b != NULL && m != NULL);
    CHECK_OK(pqcha_process_backend_set_manifest(b, m));
    if (sim_start(&s, args) && s.count == 1) {
        CHECK_OK(pqcha_process_backend_add_mappings(b, WORKLOAD, s.pid, "sha256-*", NULL));
        pqcha_region *r = find_region(b, "reference.safetensors");
        REQUIRE(r != NULL);
        CHECK(pqcha_region_tensor_count(r) == 2 && pqcha_region_file_offset(r) == 0);
        pqcha_region_free(r);
        REQUIRE(unlink(blob) == 0);
        pqcha_backend *again = process_backend();
        pqcha_err err =
            pqcha_process_backend_add_mappings(again, WORKLOAD, s.pid, "sha256-*", "gone");
        if (geteuid() == 0) {
            CHECK_OK(err);
            r = find_region(again, "gone");
            REQUIRE(r != NULL);
            CHECK(pqcha_region_file_deleted(r));
            CHECK(pqcha_region_tensor_count(r) == 2); /* the header, through map_files */
            uint8_t got[32], want[32];
            CHECK_OK(pqcha_backend_digest(again, WORKLOAD, r, ALG, 1, got, 32));
            CHECK_OK(pqcha_digest(want, 32, ALG, data, len, 1));
            CHECK(memcmp(got, want, 32) == 0);
            pqcha_region_free(r);
        } else {
            CHECK_ERR(err, PQCHA_ERR_PERMISSION);
            printf(
                "note: a deleted file's mapping needs CAP_SYS_ADMIN (map_files); not measured\n");
        }
        pqcha_backend_free(again);
        char *files = NULL;
        CHECK_OK(pqcha_process_mapped_files(&files, s.pid));
        CHECK(files != NULL && strstr(files, "sha256-0123abcd (deleted)\n") != NULL);
        pqcha_free(files);
    } else {
        CHECK_FAILED("model_server_sim did not start");
    }
    sim_stop(&s);
    pqcha_backend_free(b);
    pqcha_manifest_free(m);
    free(data);
}

/* In a child: drops to another uid without capabilities and tries to list
 * and to read the region listed before; exits 0 if both were PERMISSION. */
static void attest_unprivileged(pqcha_backend *b, pid_t target, uint64_t address) {
    if (setgroups(0, NULL) != 0 || setgid(OTHER_UID) != 0 || setuid(OTHER_UID) != 0) _exit(100);
    pqcha_err listed = pqcha_process_backend_add_range(b, WORKLOAD, target, address, 16, "again");
    uint8_t digest[32];
    pqcha_err read = digest_region(b, "anon", digest);
    if (listed != PQCHA_ERR_PERMISSION) _exit(listed == PQCHA_OK ? 101 : (int)listed);
    _exit(read == PQCHA_ERR_PERMISSION ? 0 : (read == PQCHA_OK ? 102 : (int)read));
}

/* 1 if uid may execute path (every directory on the way searchable, the
 * file executable, the mount not noexec), tried as that user in a child. */
static int executable_by(const char *path, uid_t uid) {
    fflush(NULL);
    pid_t child = fork();
    if (child == 0)
        _exit(setgroups(0, NULL) == 0 && setgid(uid) == 0 && setuid(uid) == 0 &&
                      access(path, X_OK) == 0
                  ? 0
                  : 1);
    int status = 0;
    return child > 0 && waitpid(child, &status, 0) == child && WIFEXITED(status) &&
           WEXITSTATUS(status) == 0;
}

/* Copies the helper into a new directory of mode 0755 under base, so that
 * another user can run it although the build tree lies in a directory only
 * its owner may enter (a clone in a home of mode 0700, or in mktemp -d). */
static int copy_helper_under(const char *base, char *dir, size_t dir_cap, char *copy,
                             size_t copy_cap) {
    snprintf(dir, dir_cap, "%s/pqcha-helper-XXXXXX", base);
    if (mkdtemp(dir) == NULL) return 0;
    snprintf(copy, copy_cap, "%s/model_server_sim", dir);
    int in = open(helper_path, O_RDONLY | O_CLOEXEC);
    int out = open(copy, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
    char buf[65536];
    ssize_t n = 0;
    int ok = in >= 0 && out >= 0 && chmod(dir, 0755) == 0;
    while (ok && (n = read(in, buf, sizeof buf)) > 0)
        ok = write(out, buf, (size_t)n) == n;
    ok = ok && n == 0 && fchmod(out, 0755) == 0;
    if (in >= 0) close(in);
    if (out >= 0 && close(out) != 0) ok = 0;
    return ok;
}

static void remove_helper_copy(const char *dir, const char *copy) {
    unlink(copy);
    rmdir(dir);
}

/* The helper as uid may run it: the build's own when that user can reach
 * it, else a copy in /tmp or /dev/shm; 0 (after a visible note) when no
 * such place exists. dir is set when a copy was made. */
static int helper_for_user(uid_t uid, char *dir, size_t dir_cap, char *copy, size_t copy_cap) {
    static const char *const bases[] = {"/tmp", "/dev/shm", "/var/tmp"};
    dir[0] = '\0';
    if (executable_by(helper_path, uid)) {
        snprintf(copy, copy_cap, "%s", helper_path);
        return 1;
    }
    for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++) {
        if (copy_helper_under(bases[i], dir, dir_cap, copy, copy_cap) && executable_by(copy, uid))
            return 1;
        remove_helper_copy(dir, copy);
        dir[0] = '\0';
    }
    printf("note: test_other_users_process_needs_privilege skipped: uid %u cannot reach %s "
           "and no copy in /tmp, /dev/shm or /var/tmp is executable for it\n",
           (unsigned)uid, helper_path);
    return 0;
}

static void test_other_users_process_needs_privilege(void) {
    if (geteuid() != 0) {
        printf("note: test_other_users_process_needs_privilege skipped (needs root to switch "
               "users)\n");
        return;
    }
    char dir[PATH_MAX], helper[PATH_MAX + 32]; /* room for dir + "/model_server_sim" */
    if (!helper_for_user(NOBODY_UID, dir, sizeof dir, helper, sizeof helper)) return;
    sim s;
    pqcha_backend *b = process_backend();
    REQUIRE(b != NULL);
    const char *args[] = {"--anon", "4096", NULL};
    if (sim_start_as(&s, helper, args, NOBODY_UID) && s.count == 1) {
        /* Root may read it: the region is listed before privileges are dropped. */
        CHECK_OK(
            pqcha_process_backend_add_range(b, WORKLOAD, s.pid, s.maps[0].address, 4096, "anon"));
        fflush(NULL);
        pid_t child = fork();
        if (child == 0) attest_unprivileged(b, s.pid, s.maps[0].address);
        int status = 0;
        CHECK(child > 0 && waitpid(child, &status, 0) == child);
        CHECK(WIFEXITED(status));
        if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
            fprintf(stderr, "  unprivileged child: exit %d (%s)\n", WEXITSTATUS(status),
                    pqcha_error_name(WEXITSTATUS(status)));
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    } else {
        CHECK_FAILED("model_server_sim did not start as nobody");
    }
    sim_stop(&s);
    if (dir[0]) remove_helper_copy(dir, helper);
    pqcha_backend_free(b);
}

/* The helper is built into the same directory as this test. */
static int locate_helper(const char *argv0) {
    char self[PATH_MAX];
    const char *dir_of = argv0;
    if (strchr(argv0, '/') == NULL) {
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n <= 0) return 0;
        self[n] = '\0';
        dir_of = self;
    }
    const char *slash = strrchr(dir_of, '/');
    int len = (int)(slash - dir_of);
    snprintf(helper_path, sizeof helper_path, "%.*s/model_server_sim", len, dir_of);
    return access(helper_path, X_OK) == 0;
}

int main(int argc, char **argv) {
    static const testutil_case cases[] = {
        TEST(test_registry_entry),
        TEST(test_file_mappings_digest_like_the_files),
        TEST(test_anonymous_ranges),
        TEST(test_readonly_files_selection),
        TEST(test_unusable_mappings_listed),
        TEST(test_adjacent_mappings_merge),
        TEST(test_unknown_process_and_empty_glob),
        TEST(test_process_exits_after_listing),
        TEST(test_mapping_replaced_after_listing),
        TEST(test_fallback_to_proc_pid_mem),
        TEST(test_sparse_multi_gib_region),
        TEST(test_other_users_process_needs_privilege),
        TEST(test_tensor_tables_and_paths),
        TEST(test_live_file_named_deleted),
        TEST(test_manifest_names_and_tables),
    };
    if (argc < 1 || !locate_helper(argv[0])) {
        fprintf(stderr, "model_server_sim not found next to the test (%s)\n", helper_path);
        return 1;
    }
    return testutil_run(__FILE__, cases, sizeof cases / sizeof cases[0]);
}
