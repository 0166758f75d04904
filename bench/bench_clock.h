/* bench_clock.h — the benchmarks' clocks: wall time, and CPU time of the
 * process or of the calling thread (to tell a server's CPU from its load
 * generator's in one process). */
#ifndef PQCHA_BENCH_CLOCK_H
#define PQCHA_BENCH_CLOCK_H

#include <sys/resource.h>
#include <time.h>

static inline double bench_now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* who: RUSAGE_SELF (the process) or RUSAGE_THREAD (the caller); user +
 * system seconds. */
static inline double bench_cpu_seconds(int who) {
    struct rusage u;
    getrusage(who, &u);
    return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

#endif
