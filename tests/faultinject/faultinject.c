/* faultinject.c — an LD_PRELOAD library that makes one chosen system call
 * fail or kill the process, so tests reproduce a full disk, an I/O error or
 * a crash at an exact point, deterministically (no timing, no real disk).
 *
 *   PQCHA_FAULT="CALL:N:ACTION[,CALL:N:ACTION...]"
 *
 * CALL is write, fsync, ftruncate, rename, link, linkat, read or pread; N
 * counts the calls of that kind from 1 (write, fsync, ftruncate, read and
 * pread only on
 * descriptors above 2, so standard input and output do not count). ACTION is an errno name
 * (EIO, ENOSPC, EDQUOT, EROFS, EACCES) for the call to fail with; SHORT (a
 * write of half its bytes, returning that count, and ENOSPC for every later
 * write: a disk filling up); TRUNC (read: the file is cut to half its size
 * first, as another process truncating it meanwhile would); or KILL (SIGKILL
 * before the call: a crash at that point). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

enum { WRITE, FSYNC, FTRUNCATE, RENAME, LINK, LINKAT, READ, PREAD, CALLS };
static const char *const call_names[CALLS] = {"write", "fsync",  "ftruncate", "rename",
                                              "link",  "linkat", "read",      "pread"};
static atomic_long counts[CALLS];
static atomic_int disk_full; /* after SHORT */

/* The action for the n-th call of this kind: 0 none, -1 kill, -2 short, or an errno. */
static int action_for(int call, long n) {
    const char *spec = getenv("PQCHA_FAULT");
    char name[16], action[16];
    long at;
    while (spec != NULL && *spec != '\0') {
        if (sscanf(spec, "%15[a-z]:%ld:%15[A-Z]", name, &at, action) == 3 &&
            strcmp(name, call_names[call]) == 0 && at == n) {
            if (strcmp(action, "KILL") == 0) return -1;
            if (strcmp(action, "SHORT") == 0) return -2;
            if (strcmp(action, "TRUNC") == 0) return -3;
            if (strcmp(action, "EIO") == 0) return EIO;
            if (strcmp(action, "ENOSPC") == 0) return ENOSPC;
            if (strcmp(action, "EDQUOT") == 0) return EDQUOT;
            if (strcmp(action, "EROFS") == 0) return EROFS;
            if (strcmp(action, "EACCES") == 0) return EACCES;
        }
        spec = strchr(spec, ',');
        if (spec != NULL) spec++;
    }
    return 0;
}

/* Counts the call; kills, or returns the errno or SHORT to apply (0: none). */
static int fault(int call) {
    int action = action_for(call, atomic_fetch_add(&counts[call], 1) + 1);
    if (action == -1) raise(SIGKILL);
    return action;
}

#define REAL(ret, fn, ...) ((ret(*)(__VA_ARGS__))dlsym(RTLD_NEXT, #fn))

ssize_t write(int fd, const void *buf, size_t len) {
    ssize_t (*real)(int, const void *, size_t) = REAL(ssize_t, write, int, const void *, size_t);
    int f = fd > 2 ? fault(WRITE) : 0;
    if (fd > 2 && atomic_load(&disk_full) && f == 0) f = ENOSPC;
    if (f == -2) {
        atomic_store(&disk_full, 1);
        if (len > 1) return real(fd, buf, len / 2);
        f = ENOSPC;
    }
    if (f > 0) {
        errno = f;
        return -1;
    }
    return real(fd, buf, len);
}

int fsync(int fd) {
    int (*real)(int) = REAL(int, fsync, int);
    int f = fd > 2 ? fault(FSYNC) : 0;
    if (f > 0) {
        errno = f;
        return -1;
    }
    return real(fd);
}

int ftruncate(int fd, off_t len) {
    int (*real)(int, off_t) = REAL(int, ftruncate, int, off_t);
    int f = fd > 2 ? fault(FTRUNCATE) : 0;
    if (f > 0) {
        errno = f;
        return -1;
    }
    return real(fd, len);
}

int rename(const char *from, const char *to) {
    int (*real)(const char *, const char *) = REAL(int, rename, const char *, const char *);
    int f = fault(RENAME);
    if (f > 0) {
        errno = f;
        return -1;
    }
    return real(from, to);
}

int link(const char *from, const char *to) {
    int (*real)(const char *, const char *) = REAL(int, link, const char *, const char *);
    int f = fault(LINK);
    if (f > 0) {
        errno = f;
        return -1;
    }
    return real(from, to);
}

int linkat(int fromfd, const char *from, int tofd, const char *to, int flags) {
    int (*real)(int, const char *, int, const char *, int) =
        REAL(int, linkat, int, const char *, int, const char *, int);
    int f = fault(LINKAT);
    if (f > 0) {
        errno = f;
        return -1;
    }
    return real(fromfd, from, tofd, to, flags);
}

/* The action for a read or pread on fd: TRUNC is applied here (the file is
 * cut to half its size first); an errno to fail with, or 0. */
static int read_fault(int call, int fd) {
    int f = fd > 2 ? fault(call) : 0;
    if (f == -3) {
        struct stat st;
        if (fstat(fd, &st) == 0) { /* the descriptor is read-only: truncated by name */
            char path[64];
            snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
            if (truncate(path, st.st_size / 2) != 0) abort();
        }
        f = 0;
    }
    return f;
}

ssize_t read(int fd, void *buf, size_t len) {
    ssize_t (*real)(int, void *, size_t) = REAL(ssize_t, read, int, void *, size_t);
    int f = read_fault(READ, fd);
    if (f > 0) {
        errno = f;
        return -1;
    }
    return real(fd, buf, len);
}

/* The hashing threads read a file with pread (src/io/file_reader.c);
 * glibc exports it under both names. */
static ssize_t faulty_pread(const char *name, int fd, void *buf, size_t len, off_t at) {
    ssize_t (*real)(int, void *, size_t, off_t) =
        (ssize_t(*)(int, void *, size_t, off_t))dlsym(RTLD_NEXT, name);
    int f = read_fault(PREAD, fd);
    if (f > 0) {
        errno = f;
        return -1;
    }
    return real(fd, buf, len, at);
}

ssize_t pread(int fd, void *buf, size_t len, off_t at) {
    return faulty_pread("pread", fd, buf, len, at);
}

ssize_t pread64(int fd, void *buf, size_t len, off_t at) {
    return faulty_pread("pread64", fd, buf, len, at);
}
