/* http_load.c — see http_load.h. One thread, one epoll set, each
 * connection a small state machine: write the request (head and body in one
 * writev), read the answer (status line, Content-Length, body), take the
 * next body. It shares the machine with the server it measures, so it
 * spends as few system calls as it can: a request is written at once (the
 * socket is nearly always writable), and a connection waits for writability
 * only when a write would block. */
#define _GNU_SOURCE
#include "http_load.h"

#include "bench_clock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAX_CONNECTIONS 4096
#define MAX_ANSWER      (4u << 20)

typedef struct conn {
    int fd;
    size_t request; /* index of the body in flight; SIZE_MAX when idle */
    char head[256];
    size_t head_len, sent; /* bytes of head + body written */
    int waits_to_write;    /* EPOLLOUT is in its interest set */
    char *in;
    size_t in_len, in_cap;
    double started;
} conn;

typedef struct load {
    const char *path;
    const http_load_body *bodies;
    size_t count, next, answered;
    unsigned live; /* connections still open */
    int expected_status;
    double *latencies;
    http_load_run *run;
    int epoll;
} load;

static int connect_to(uint16_t port) {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    if (fd < 0) return -1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void watch(load *l, conn *c, int waits_to_write) {
    if (c->waits_to_write == waits_to_write) return;
    struct epoll_event e = {.events = EPOLLIN | (waits_to_write ? EPOLLOUT : 0u), .data.ptr = c};
    epoll_ctl(l->epoll, EPOLL_CTL_MOD, c->fd, &e);
    c->waits_to_write = waits_to_write;
}

static void write_some(load *l, conn *c);

/* Takes the next body, if any, and starts writing it. */
static void start_request(load *l, conn *c) {
    c->in_len = 0;
    if (l->next == l->count) { /* idle from now: no more events */
        struct epoll_event e = {.events = 0, .data.ptr = c};
        epoll_ctl(l->epoll, EPOLL_CTL_MOD, c->fd, &e);
        c->request = SIZE_MAX;
        return;
    }
    c->request = l->next++;
    c->head_len = (size_t)snprintf(c->head, sizeof c->head,
                                   "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                   "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                                   l->path, l->bodies[c->request].len);
    c->sent = 0;
    c->started = bench_now_seconds();
    write_some(l, c);
}

static void fail(load *l, conn *c) {
    l->run->failed++;
    l->run->broken++;
    l->answered++;
    epoll_ctl(l->epoll, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
    c->request = SIZE_MAX;
    l->live--;
}

static void write_some(load *l, conn *c) {
    const http_load_body *b = &l->bodies[c->request];
    size_t total = c->head_len + b->len;
    while (c->sent < total) {
        struct iovec v[2];
        int n = 0;
        if (c->sent < c->head_len)
            v[n++] = (struct iovec){c->head + c->sent, c->head_len - c->sent};
        size_t body_done = c->sent > c->head_len ? c->sent - c->head_len : 0;
        /* writev does not write through iov_base; the cast only drops const */
        v[n++] = (struct iovec){(void *)(uintptr_t)(b->data + body_done), b->len - body_done};
        ssize_t w = writev(c->fd, v, n);
        if (w < 0 && errno == EAGAIN) {
            watch(l, c, 1);
            return;
        }
        if (w <= 0) {
            fail(l, c);
            return;
        }
        c->sent += (size_t)w;
    }
    watch(l, c, 0);
}

/* The answer's total length once its head is in: 0 while incomplete,
 * SIZE_MAX when it cannot be read. */
static size_t answer_length(const conn *c, int *status) {
    const char *end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
    if (!end) return c->in_len > 16384 ? SIZE_MAX : 0;
    if (sscanf(c->in, "HTTP/1.%*d %d", status) != 1) return SIZE_MAX;
    size_t head = (size_t)(end - c->in) + 4;
    for (const char *line = strstr(c->in, "\r\n"); line && line < end;
         line = strstr(line + 2, "\r\n"))
        if (strncasecmp(line + 2, "Content-Length:", 15) == 0)
            return head + strtoul(line + 17, NULL, 10);
    return SIZE_MAX;
}

static void read_some(load *l, conn *c) {
    for (;;) {
        if (c->in_cap - c->in_len < 16384) {
            size_t cap = c->in_cap ? c->in_cap * 2 : 65536;
            char *in = cap <= MAX_ANSWER ? realloc(c->in, cap + 1) : NULL;
            if (!in) {
                fail(l, c);
                return;
            }
            c->in = in;
            c->in_cap = cap;
        }
        ssize_t r = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);
        if (r < 0 && errno == EAGAIN) return;
        if (r <= 0) {
            fail(l, c);
            return;
        }
        c->in_len += (size_t)r;
        c->in[c->in_len] = '\0';
        int status = 0;
        size_t want = answer_length(c, &status);
        if (want == SIZE_MAX || (want && c->in_len > want)) {
            fail(l, c);
            return;
        }
        if (want && c->in_len == want) {
            l->latencies[c->request] = bench_now_seconds() - c->started;
            if (status != l->expected_status) {
                l->run->failed++;
                l->run->bad_status = status;
            }
            l->answered++;
            start_request(l, c);
            return;
        }
    }
}

static int open_all(load *l, conn *conns, unsigned n, uint16_t port) {
    for (unsigned i = 0; i < n; i++) {
        conns[i].fd = connect_to(port);
        if (conns[i].fd < 0) return -1;
        l->live++;
        struct epoll_event e = {.events = EPOLLIN, .data.ptr = &conns[i]};
        epoll_ctl(l->epoll, EPOLL_CTL_ADD, conns[i].fd, &e);
    }
    return 0;
}

static void drive(load *l, conn *conns, unsigned n) {
    for (unsigned i = 0; i < n; i++)
        start_request(l, &conns[i]);
    struct epoll_event events[256];
    while (l->answered < l->count && l->live > 0) {
        int ready = epoll_wait(l->epoll, events, 256, -1);
        for (int i = 0; i < ready; i++) {
            conn *c = events[i].data.ptr;
            if (c->fd < 0 || c->request == SIZE_MAX) continue;
            if (c->sent < c->head_len + l->bodies[c->request].len)
                write_some(l, c);
            else
                read_some(l, c);
        }
        if (ready < 0 && errno != EINTR) break;
    }
}

int http_load_post(uint16_t port, const char *path, const http_load_body *bodies, size_t count,
                   unsigned connections, int expected_status, double *latencies,
                   http_load_run *run) {
    if (connections == 0 || connections > MAX_CONNECTIONS) return -1;
    if (connections > count) connections = (unsigned)count;
    load l = {path, bodies, count, 0, 0, 0, expected_status, latencies, run, epoll_create1(0)};
    conn *conns = calloc(connections, sizeof *conns);
    for (unsigned i = 0; conns && i < connections; i++)
        conns[i].fd = -1;
    memset(run, 0, sizeof *run);
    int rc = l.epoll >= 0 && conns ? open_all(&l, conns, connections, port) : -1;
    double start = bench_now_seconds(), cpu = bench_cpu_seconds(RUSAGE_THREAD);
    if (rc == 0) drive(&l, conns, connections);
    run->elapsed = bench_now_seconds() - start;
    run->cpu_seconds = bench_cpu_seconds(RUSAGE_THREAD) - cpu;
    run->failed += count - l.answered;
    for (unsigned i = 0; conns && i < connections; i++) {
        if (conns[i].fd >= 0) close(conns[i].fd);
        free(conns[i].in);
    }
    free(conns);
    if (l.epoll >= 0) close(l.epoll);
    return rc;
}
