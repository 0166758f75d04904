/* model_server_sim.c — stands in for an inference server holding model
 * weights in memory, for the "process" backend tests.
 *
 *   model_server_sim [--ro FILE] [--rw FILE] [--rw-after OFFSET:FILE] [--split FILE] [--anon SIZE[:BYTE]]
 *                    [--sparse SIZE] [--remap-on-signal FILE] ...
 *
 *   --ro FILE      the whole file, PROT_READ, MAP_PRIVATE
 *   --rw FILE      the whole file, PROT_READ|PROT_WRITE, MAP_PRIVATE: its pages
 *                  can be written through /proc/PID/mem, as a malicious host would
 *   --split FILE   the file in two adjacent mappings (r-- then rw-), contiguous in
 *                  address and file offset: two lines in /proc/PID/maps, one region
 *   --rw-after OFFSET:FILE  as --rw, then the pages before the one holding OFFSET
 *                  are unmapped (llama.cpp unmaps a GGUF's header pages so)
 *   --anon SIZE[:BYTE]  anonymous read-write memory filled with BYTE (default 0x5a)
 *   --sparse SIZE  anonymous PROT_READ, MAP_NORESERVE memory never touched (reads
 *                  see the shared zero page; nothing is allocated)
 *   --remap-on-signal FILE  on SIGUSR1, map FILE over the first file mapping at
 *                  the same address (MAP_FIXED), then print "remapped"
 *
 * Prints one line per mapping, in argument order: "KIND 0xADDRESS SIZE" (SIZE
 * is the file's size for files), then "ready", flushed. Then waits until it
 * reads a line on stdin or is killed; end of input alone does not stop it.
 * Tests synchronise on these lines only, never on time. Exit 2 on errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_MAPPINGS 32

typedef struct mapping {
    const char *kind;
    void *address;
    size_t size;   /* what is printed */
    size_t length; /* what is mapped (page-rounded for files) */
    int prot;
} mapping;

static mapping mappings[MAX_MAPPINGS];
static size_t mapping_count;
static int signal_pipe[2] = {-1, -1};

static void die(const char *what) {
    fprintf(stderr, "model_server_sim: %s: %s\n", what, strerror(errno));
    exit(2);
}

static size_t page_round(size_t n) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    return (n + page - 1) / page * page;
}

static size_t parse_size(const char *text, char **end) {
    errno = 0;
    unsigned long long v = strtoull(text, end, 0);
    if (errno != 0 || *end == text || v == 0) {
        fprintf(stderr, "model_server_sim: bad size '%s'\n", text);
        exit(2);
    }
    return (size_t)v;
}

static int open_file(const char *path, size_t *size) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) die(path);
    if (st.st_size <= 0) {
        fprintf(stderr, "model_server_sim: %s is empty\n", path);
        exit(2);
    }
    *size = (size_t)st.st_size;
    return fd;
}

static void add(const char *kind, void *address, size_t size, size_t length, int prot) {
    if (mapping_count == MAX_MAPPINGS) {
        fprintf(stderr, "model_server_sim: too many mappings\n");
        exit(2);
    }
    mappings[mapping_count++] = (mapping){kind, address, size, length, prot};
}

static void map_file(const char *kind, const char *path, int prot) {
    size_t size = 0;
    int fd = open_file(path, &size);
    void *p = mmap(NULL, size, prot, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) die(path);
    close(fd);
    add(kind, p, size, page_round(size), prot);
}

/* As llama.cpp's loader does: the whole file is mapped, then the pages before
 * the one holding OFFSET (the first tensor's data) are unmapped, so the
 * memory map shows the file from a non-zero page offset. The address printed
 * is that of file offset 0 (no longer mapped), so that address + a tensor's
 * file offset is where the tensor lies. */
static void map_after(const char *spec) {
    char *end = NULL;
    size_t offset = parse_size(spec, &end);
    if (*end != ':') {
        fprintf(stderr, "model_server_sim: bad --rw-after '%s' (OFFSET:FILE)\n", spec);
        exit(2);
    }
    const char *path = end + 1;
    size_t size = 0, page = (size_t)sysconf(_SC_PAGESIZE);
    int fd = open_file(path, &size);
    size_t head = offset / page * page;
    if (offset >= size || head == 0) {
        fprintf(
            stderr,
            "model_server_sim: --rw-after needs an offset past the first page, inside the file\n");
        exit(2);
    }
    uint8_t *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED || munmap(p, head) != 0) die(path);
    close(fd);
    add("rw", p, size, page_round(size), PROT_READ | PROT_WRITE);
}

/* Two mappings with different protections cannot merge into one VMA, so the
 * memory map shows two lines the backend must merge. */
static void map_split(const char *path) {
    size_t size = 0;
    int fd = open_file(path, &size);
    size_t length = page_round(size);
    size_t first = length / 2 / (size_t)sysconf(_SC_PAGESIZE) * (size_t)sysconf(_SC_PAGESIZE);
    if (first == 0) {
        fprintf(stderr, "model_server_sim: --split needs a file of two pages or more\n");
        exit(2);
    }
    uint8_t *p = mmap(NULL, length, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) die(path);
    if (mmap(p + first, length - first, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd,
             (off_t)first) == MAP_FAILED)
        die(path);
    close(fd);
    add("split", p, size, length, PROT_READ);
}

static void map_anon(const char *spec) {
    char *end = NULL;
    size_t size = parse_size(spec, &end);
    int byte = 0x5a;
    if (*end == ':') byte = (int)strtol(end + 1, &end, 0);
    if (*end != '\0') {
        fprintf(stderr, "model_server_sim: bad --anon '%s'\n", spec);
        exit(2);
    }
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) die("--anon");
    memset(p, byte, size);
    add("anon", p, size, size, PROT_READ | PROT_WRITE);
}

static void map_sparse(const char *spec) {
    char *end = NULL;
    size_t size = parse_size(spec, &end);
    if (*end != '\0') {
        fprintf(stderr, "model_server_sim: bad --sparse '%s'\n", spec);
        exit(2);
    }
    void *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) die("--sparse");
    add("sparse", p, size, size, PROT_READ);
}

static void on_sigusr1(int signo) {
    int saved = errno;
    (void)signo;
    ssize_t ignored = write(signal_pipe[1], "r", 1); /* async-signal-safe */
    (void)ignored;
    errno = saved;
}

/* Replaces the first file mapping, at its address, with the other file. */
static void remap(const char *path) {
    for (size_t i = 0; i < mapping_count; i++) {
        const mapping *m = &mappings[i];
        if (strcmp(m->kind, "ro") != 0 && strcmp(m->kind, "rw") != 0) continue;
        size_t size = 0;
        int fd = open_file(path, &size);
        if (mmap(m->address, m->length, m->prot, MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED)
            die(path);
        close(fd);
        printf("remapped\n");
        fflush(stdout);
        return;
    }
    fprintf(stderr, "model_server_sim: no file mapping to replace\n");
    exit(2);
}

/* Waits for a line on stdin (exit) or SIGUSR1 (remap), never on time. */
static void wait_loop(const char *remap_path) {
    struct pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {signal_pipe[0], POLLIN, 0}};
    for (;;) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            die("poll");
        }
        if (fds[1].revents & POLLIN) {
            char c;
            if (read(signal_pipe[0], &c, 1) == 1 && remap_path != NULL) remap(remap_path);
        }
        if (fds[0].revents & (POLLIN | POLLHUP)) {
            char c;
            ssize_t n = read(STDIN_FILENO, &c, 1);
            if (n == 1 && c == '\n') return;
            if (n <= 0) fds[0].fd = -1; /* end of input: wait for signals only */
        }
    }
}

static void install_signal(void) {
    if (pipe(signal_pipe) != 0) die("pipe");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigusr1;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    if (sigaction(SIGUSR1, &sa, NULL) != 0) die("sigaction");
}

int main(int argc, char **argv) {
    const char *remap_path = NULL;
    install_signal();
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        const char *arg = i + 1 < argc ? argv[i + 1] : NULL;
        if (arg == NULL) {
            fprintf(stderr, "model_server_sim: %s needs a value\n", opt);
            return 2;
        }
        i++;
        if (strcmp(opt, "--ro") == 0)
            map_file("ro", arg, PROT_READ);
        else if (strcmp(opt, "--rw") == 0)
            map_file("rw", arg, PROT_READ | PROT_WRITE);
        else if (strcmp(opt, "--split") == 0)
            map_split(arg);
        else if (strcmp(opt, "--rw-after") == 0)
            map_after(arg);
        else if (strcmp(opt, "--anon") == 0)
            map_anon(arg);
        else if (strcmp(opt, "--sparse") == 0)
            map_sparse(arg);
        else if (strcmp(opt, "--remap-on-signal") == 0)
            remap_path = arg;
        else {
            fprintf(stderr, "model_server_sim: unknown option %s\n", opt);
            return 2;
        }
    }
    for (size_t i = 0; i < mapping_count; i++)
        printf("%s 0x%lx %zu\n", mappings[i].kind, (unsigned long)(uintptr_t)mappings[i].address,
               mappings[i].size);
    printf("ready\n");
    fflush(stdout);
    wait_loop(remap_path);
    return 0;
}
