/* spool.c — see spool.h. Plain POSIX: every file is reached through the
 * directory's descriptor, so a directory renamed or replaced while the
 * spool is open never receives half of its writes. */
#include "service/spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "service/try.h"

#define ID_DIGITS       20 /* UINT64_MAX has 20 decimal digits */
#define REPORT_SUFFIX   ".report"
#define TEMP_PREFIX     ".tmp-"
#define DROPPED_NAME    "dropped"
#define LOCK_NAME       "lock"
#define NAME_CAP        64
#define COUNTER_MAX_LEN 32

typedef struct spool_entry {
    uint64_t id;
    uint64_t size;
} spool_entry;

/* The reports, oldest first, in items[head .. head + count): delivery
 * removes from the front, so the front moves instead of the array. */
struct spool {
    char *dir;
    int dirfd;
    int lockfd;
    spool_limits limits;
    spool_entry *items;
    size_t head, count, cap;
    uint64_t bytes;
    uint64_t next_id;
    uint64_t dropped;
    int dropped_dirty; /* the counter file lags the count: written at the next chance */
};

static int limits_ok(const spool_limits *l) {
    return l && l->max_reports > 0 && l->max_bytes > 0;
}

static void report_name(char name[NAME_CAP], uint64_t id) {
    snprintf(name, NAME_CAP, "%0*llu" REPORT_SUFFIX, ID_DIGITS, (unsigned long long)id);
}

/* "NNNNNNNNNNNNNNNNNNNN.report" exactly: anything else is not ours. */
static int parse_report_name(const char *name, uint64_t *id) {
    uint64_t value = 0;
    for (int i = 0; i < ID_DIGITS; i++) {
        if (name[i] < '0' || name[i] > '9') return 0;
        uint64_t digit = (uint64_t)(name[i] - '0');
        if (value > (UINT64_MAX - digit) / 10) return 0;
        value = value * 10 + digit;
    }
    if (strcmp(name + ID_DIGITS, REPORT_SUFFIX) != 0) return 0;
    *id = value;
    return 1;
}

static pqcha_err sync_dir(const spool *s) {
    return fsync(s->dirfd) == 0 ? PQCHA_OK : pqcha_error_from_errno(errno);
}

/* ---- the index ---- */

static spool_entry *entries(const spool *s) {
    return s->items + s->head;
}

/* Room for one more at the back: the consumed front is reclaimed first. */
static pqcha_err reserve_one(spool *s) {
    if (s->head + s->count < s->cap) return PQCHA_OK;
    if (s->head > 0) {
        memmove(s->items, s->items + s->head, s->count * sizeof *s->items);
        s->head = 0;
        return PQCHA_OK;
    }
    size_t cap = s->cap ? s->cap * 2 : 64;
    if (cap > SIZE_MAX / sizeof *s->items) return PQCHA_ERR_NO_MEMORY;
    spool_entry *grown = realloc(s->items, cap * sizeof *grown);
    if (!grown) return PQCHA_ERR_NO_MEMORY;
    s->items = grown;
    s->cap = cap;
    return PQCHA_OK;
}

static void append_entry(spool *s, uint64_t id, uint64_t size) {
    spool_entry *e = &s->items[s->head + s->count++];
    e->id = id;
    e->size = size;
    s->bytes += size;
}

/* The position of id among the reports (ids ascend), or -1. */
static long find_entry(const spool *s, uint64_t id) {
    size_t lo = 0, hi = s->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint64_t at = entries(s)[mid].id;
        if (at == id) return (long)mid;
        if (at < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static void forget_entry(spool *s, size_t at) {
    s->bytes -= entries(s)[at].size;
    if (at == 0) {
        s->head++;
    } else {
        memmove(&entries(s)[at], &entries(s)[at + 1], (s->count - at - 1) * sizeof *s->items);
    }
    s->count--;
    if (s->count == 0) s->head = 0;
}

static int compare_entries(const void *a, const void *b) {
    uint64_t x = ((const spool_entry *)a)->id, y = ((const spool_entry *)b)->id;
    return x < y ? -1 : x > y;
}

/* ---- opening ---- */

/* The directory itself: created 0700 if absent; anything but a directory
 * (or a link to one) in its place is refused rather than replaced. */
static pqcha_err open_dir(spool *s, const char *dir) {
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) return pqcha_error_from_errno(errno);
    s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (s->dirfd < 0)
        return errno == ENOTDIR ? PQCHA_ERR_NOT_DIRECTORY : pqcha_error_from_errno(errno);
    return PQCHA_OK;
}

/* Two agents appending to one directory would hand out the same names. */
static pqcha_err take_lock(spool *s) {
    s->lockfd = openat(s->dirfd, LOCK_NAME, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (s->lockfd < 0) return pqcha_error_from_errno(errno);
    if (flock(s->lockfd, LOCK_EX | LOCK_NB) != 0)
        return errno == EWOULDBLOCK ? PQCHA_ERR_IN_USE : pqcha_error_from_errno(errno);
    return PQCHA_OK;
}

/* A temporary file of ours: the prefix and the name it was to become. */
static int is_temp_name(const char *name) {
    uint64_t id;
    if (strncmp(name, TEMP_PREFIX, strlen(TEMP_PREFIX)) != 0) return 0;
    name += strlen(TEMP_PREFIX);
    return strcmp(name, DROPPED_NAME) == 0 || parse_report_name(name, &id);
}

/* One directory entry: a report is indexed, a leftover temporary file
 * removed; *removed tells whether the directory changed. */
static pqcha_err scan_entry(spool *s, const char *name, int *removed) {
    uint64_t id;
    struct stat st;
    if (is_temp_name(name)) {
        if (unlinkat(s->dirfd, name, 0) != 0 && errno != ENOENT)
            return pqcha_error_from_errno(errno);
        *removed = 1;
        return PQCHA_OK;
    }
    if (!parse_report_name(name, &id)) return PQCHA_OK;
    if (fstatat(s->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return pqcha_error_from_errno(errno);
    if (!S_ISREG(st.st_mode)) return PQCHA_OK; /* named like a report, but not one we wrote */
    SERVICE_TRY(reserve_one(s));
    append_entry(s, id, (uint64_t)st.st_size);
    if (id >= s->next_id) s->next_id = id + 1;
    return PQCHA_OK;
}

static pqcha_err scan(spool *s) {
    int fd = dup(s->dirfd);
    if (fd < 0) return pqcha_error_from_errno(errno);
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return pqcha_error_from_errno(errno);
    }
    pqcha_err err = PQCHA_OK;
    int removed = 0;
    for (;;) {
        errno = 0; /* readdir's end and its failure differ only in errno */
        struct dirent *e = readdir(d);
        if (!e) {
            if (errno != 0) err = pqcha_error_from_errno(errno);
            break;
        }
        err = scan_entry(s, e->d_name, &removed);
        if (err != PQCHA_OK) break;
    }
    closedir(d);
    if (err == PQCHA_OK && s->count > 1)
        qsort(s->items, s->count, sizeof *s->items, compare_entries);
    if (err == PQCHA_OK && removed) err = sync_dir(s);
    return err;
}

/* The counter: absent is 0; anything but digits and a newline is refused,
 * so that a file someone else put there is never overwritten unread. */
static pqcha_err read_dropped(spool *s) {
    int fd = openat(s->dirfd, DROPPED_NAME, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return errno == ENOENT ? PQCHA_OK : pqcha_error_from_errno(errno);
    char text[COUNTER_MAX_LEN + 1];
    ssize_t n;
    do
        n = read(fd, text, COUNTER_MAX_LEN);
    while (n < 0 && errno == EINTR);
    int saved = errno;
    close(fd);
    if (n < 0) return pqcha_error_from_errno(saved);
    size_t len = (size_t)n;
    if (len > 0 && text[len - 1] == '\n') len--;
    if (len == 0 || len > ID_DIGITS) return PQCHA_ERR_MALFORMED;
    uint64_t value = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9') return PQCHA_ERR_MALFORMED;
        uint64_t digit = (uint64_t)(text[i] - '0');
        if (value > (UINT64_MAX - digit) / 10) return PQCHA_ERR_MALFORMED;
        value = value * 10 + digit;
    }
    s->dropped = value;
    return PQCHA_OK;
}

/* A spool that cannot be written fails now, not at the first put. */
static pqcha_err check_writable(const spool *s) {
    if (faccessat(s->dirfd, ".", W_OK, AT_EACCESS) == 0) return PQCHA_OK;
    return pqcha_error_from_errno(errno);
}

pqcha_err spool_open(spool **out, const char *dir, const spool_limits *limits) {
    if (!out) return PQCHA_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (!dir || !*dir || !limits_ok(limits)) return PQCHA_ERR_INVALID_ARGUMENT;
    spool *s = calloc(1, sizeof *s);
    if (!s) return PQCHA_ERR_NO_MEMORY;
    s->dirfd = s->lockfd = -1;
    s->limits = *limits;
    s->next_id = 1;
    s->dir = strdup(dir);
    pqcha_err err = s->dir ? open_dir(s, dir) : PQCHA_ERR_NO_MEMORY;
    if (err == PQCHA_OK) err = take_lock(s);
    if (err == PQCHA_OK) err = check_writable(s);
    if (err == PQCHA_OK) err = scan(s);
    if (err == PQCHA_OK) err = read_dropped(s);
    if (err != PQCHA_OK) {
        spool_close(s);
        return err;
    }
    *out = s;
    return PQCHA_OK;
}

pqcha_err spool_set_limits(spool *s, const spool_limits *limits) {
    if (!s || !limits_ok(limits)) return PQCHA_ERR_INVALID_ARGUMENT;
    s->limits = *limits;
    return PQCHA_OK;
}

/* ---- writing ---- */

static pqcha_err write_all(int fd, const char *data, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return pqcha_error_from_errno(errno);
        if (n == 0) return PQCHA_ERR_IO;
        data += n;
        len -= (size_t)n;
    }
    return PQCHA_OK;
}

/* data under `name`, whole or not at all: written to a temporary name,
 * fsync'd, renamed. The caller fsyncs the directory. */
static pqcha_err write_file_as(spool *s, const char *name, const char *data, size_t len) {
    char temp[NAME_CAP];
    snprintf(temp, sizeof temp, TEMP_PREFIX "%s", name);
    int fd = openat(s->dirfd, temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return pqcha_error_from_errno(errno);
    pqcha_err err = write_all(fd, data, len);
    if (err == PQCHA_OK && fsync(fd) != 0) err = pqcha_error_from_errno(errno);
    if (close(fd) != 0 && err == PQCHA_OK) err = pqcha_error_from_errno(errno);
    if (err == PQCHA_OK && renameat(s->dirfd, temp, s->dirfd, name) != 0)
        err = pqcha_error_from_errno(errno);
    if (err != PQCHA_OK) unlinkat(s->dirfd, temp, 0);
    return err;
}

static pqcha_err write_dropped(spool *s) {
    char text[COUNTER_MAX_LEN];
    int n = snprintf(text, sizeof text, "%llu\n", (unsigned long long)s->dropped);
    pqcha_err err = write_file_as(s, DROPPED_NAME, text, (size_t)n);
    s->dropped_dirty = err != PQCHA_OK;
    return err;
}

void spool_close(spool *s) {
    if (!s) return;
    /* A count a put could not write: a last try, as it is worth keeping. */
    if (s->dropped_dirty && write_dropped(s) == PQCHA_OK) (void)sync_dir(s);
    if (s->lockfd >= 0) close(s->lockfd); /* releases the lock */
    if (s->dirfd >= 0) close(s->dirfd);
    free(s->items);
    free(s->dir);
    free(s);
}

/* Makes room for `incoming` more bytes and one more report by dropping the
 * oldest; returns whether anything was dropped. A report that cannot be
 * removed stops the dropping (tried again at the next put). */
static int enforce_bounds(spool *s, uint64_t incoming) {
    int changed = 0;
    while (s->count > 0 &&
           (s->count + 1 > s->limits.max_reports || s->bytes + incoming > s->limits.max_bytes)) {
        char name[NAME_CAP];
        report_name(name, entries(s)[0].id);
        if (unlinkat(s->dirfd, name, 0) != 0 && errno != ENOENT) break;
        forget_entry(s, 0);
        s->dropped++;
        s->dropped_dirty = 1;
        changed = 1;
    }
    return changed;
}

pqcha_err spool_put(spool *s, const char *data, size_t len, uint64_t *id) {
    if (id) *id = 0;
    if (!s || (!data && len > 0)) return PQCHA_ERR_INVALID_ARGUMENT;
    if (len > SPOOL_MAX_REPORT_BYTES || len > s->limits.max_bytes) return PQCHA_ERR_TOO_LARGE;
    if (s->next_id == UINT64_MAX) return PQCHA_ERR_INTERNAL; /* 2^64 reports: never */
    SERVICE_TRY(reserve_one(s)); /* before writing: nothing can fail after the rename */
    char name[NAME_CAP];
    uint64_t new_id = s->next_id;
    report_name(name, new_id);
    SERVICE_TRY(write_file_as(s, name, data, len));
    pqcha_err err = sync_dir(s);
    if (err != PQCHA_OK) {
        /* Not known to be durable: not in the spool, as the caller is told. */
        unlinkat(s->dirfd, name, 0);
        return err;
    }
    s->next_id++;
    /* The new report is durable: only now may old ones go. A failure from
     * here on leaves the report kept, so it is not the put's failure. */
    int changed = enforce_bounds(s, (uint64_t)len);
    if (s->dropped_dirty && write_dropped(s) == PQCHA_OK) changed = 1;
    append_entry(s, new_id, (uint64_t)len);
    if (changed) (void)sync_dir(s);
    if (id) *id = new_id;
    return PQCHA_OK;
}

/* ---- reading and removing ---- */

pqcha_err spool_oldest(const spool *s, uint64_t *id) {
    if (!s || !id) return PQCHA_ERR_INVALID_ARGUMENT;
    *id = 0;
    if (s->count == 0) return PQCHA_ERR_NOT_FOUND;
    *id = entries(s)[0].id;
    return PQCHA_OK;
}

static pqcha_err read_all(int fd, size_t len, char **out) {
    char *buf = malloc(len + 1);
    if (!buf) return PQCHA_ERR_NO_MEMORY;
    size_t done = 0;
    while (done < len) {
        ssize_t n = read(fd, buf + done, len - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            free(buf);
            return n < 0 ? pqcha_error_from_errno(errno)
                         : PQCHA_ERR_IO; /* shrank: not ours any more */
        }
        done += (size_t)n;
    }
    buf[len] = '\0';
    *out = buf;
    return PQCHA_OK;
}

pqcha_err spool_read(spool *s, uint64_t id, char **data, size_t *len) {
    if (data) *data = NULL;
    if (len) *len = 0;
    if (!s || !data || !len) return PQCHA_ERR_INVALID_ARGUMENT;
    if (find_entry(s, id) < 0) return PQCHA_ERR_NOT_FOUND;
    char name[NAME_CAP];
    report_name(name, id);
    int fd = openat(s->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return pqcha_error_from_errno(errno);
    struct stat st;
    pqcha_err err = PQCHA_OK;
    if (fstat(fd, &st) != 0)
        err = pqcha_error_from_errno(errno);
    else if (!S_ISREG(st.st_mode))
        err = PQCHA_ERR_IO;
    else if ((uint64_t)st.st_size > SPOOL_MAX_REPORT_BYTES)
        err = PQCHA_ERR_TOO_LARGE;
    if (err == PQCHA_OK) err = read_all(fd, (size_t)st.st_size, data);
    close(fd);
    if (err == PQCHA_OK) *len = (size_t)st.st_size;
    return err;
}

pqcha_err spool_remove(spool *s, uint64_t id) {
    if (!s) return PQCHA_ERR_INVALID_ARGUMENT;
    long at = find_entry(s, id);
    if (at < 0) return PQCHA_ERR_NOT_FOUND;
    char name[NAME_CAP];
    report_name(name, id);
    if (unlinkat(s->dirfd, name, 0) != 0 && errno != ENOENT) return pqcha_error_from_errno(errno);
    forget_entry(s, (size_t)at);
    /* Should this fsync fail, the report may come back after a crash and be
     * sent again: the verifier stores a report once, by its digest. */
    return sync_dir(s);
}

size_t spool_count(const spool *s) {
    return s ? s->count : 0;
}

uint64_t spool_bytes(const spool *s) {
    return s ? s->bytes : 0;
}

uint64_t spool_dropped(const spool *s) {
    return s ? s->dropped : 0;
}

const char *spool_dir(const spool *s) {
    return s ? s->dir : NULL;
}
