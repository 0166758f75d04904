/* fuzz_procmaps.c — libFuzzer target for the /proc/PID/maps parser
 * (src/io/procmaps.h): the text describes a process pqcha does not trust,
 * which names its own files. On error nothing is returned; a parsed map
 * holds one entry per line, in address order, each with a sound range and
 * permissions, the numbers its line shows (read again with sscanf), and a
 * path that is the end of its own line. Each map is printed again as the
 * kernel prints it and must parse to the same entries; the same text parsed
 * twice gives the same map. The merge helpers are run over every parsed map
 * as the process backend runs them, and the input is also given to the
 * /proc/PID/stat reader of the same unit. Violations trap; leaks and
 * overreads show up under ASan. */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/procmaps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DELETED     " (deleted)"
#define DELETED_LEN (sizeof DELETED - 1)
/* Where the kernel starts the path: 25 + 6 * sizeof(void *) - 1 columns. */
#define PATH_COLUMN 73

static int same_entry(const pqcha__map_entry *a, const pqcha__map_entry *b) {
    if (a->start != b->start || a->end != b->end || a->offset != b->offset ||
        a->dev_major != b->dev_major || a->dev_minor != b->dev_minor || a->inode != b->inode ||
        a->deleted != b->deleted || memcmp(a->perms, b->perms, sizeof a->perms) != 0)
        return 0;
    if (a->path == NULL || b->path == NULL) return a->path == b->path;
    return strcmp(a->path, b->path) == 0;
}

static int same_maps(const pqcha__maps *a, const pqcha__maps *b) {
    if (a->count != b->count) return 0;
    for (size_t i = 0; i < a->count; i++)
        if (!same_entry(&a->entries[i], &b->entries[i])) return 0;
    return 1;
}

static void check_perms(const char perms[5]) {
    if ((perms[0] != 'r' && perms[0] != '-') || (perms[1] != 'w' && perms[1] != '-') ||
        (perms[2] != 'x' && perms[2] != '-') || (perms[3] != 'p' && perms[3] != 's') ||
        perms[4] != '\0')
        __builtin_trap();
}

/* Entry e came from line[0, len) (without its '\n'): its path, if any, is
 * the end of that line after at least one space, " (deleted)" following it
 * when e->deleted; without a path the line holds only the fixed fields. */
static void check_line(const pqcha__map_entry *e, const char *line, size_t len) {
    if (e->path == NULL) {
        if (e->deleted) __builtin_trap();
        for (size_t i = 0; i < len; i++)
            if (strchr("0123456789abcdef-: rwxps", line[i]) == NULL || line[i] == '\0')
                __builtin_trap();
        return;
    }
    size_t path_len = strlen(e->path); /* within the entry's allocation (ASan) */
    if (path_len == 0 || path_len > PQCHA__MAPS_MAX_PATH || e->path[0] == ' ') __builtin_trap();
    size_t tail = path_len + (e->deleted ? DELETED_LEN : 0);
    if (tail + 1 > len) __builtin_trap();
    const char *at = line + len - tail;
    if (at[-1] != ' ' || memcmp(at, e->path, path_len) != 0) __builtin_trap();
    if (e->deleted && memcmp(at + path_len, DELETED, DELETED_LEN) != 0) __builtin_trap();
}

/* The fixed fields of an accepted line, read again by sscanf (looser than
 * the parser, but on a line in the kernel's shape it must agree), and the
 * rest of the line: nothing, or spaces before the path. */
static void check_fields(const pqcha__map_entry *e, const char *line, size_t len) {
    char *copy = malloc(len + 1);
    if (copy == NULL) __builtin_trap();
    memcpy(copy, line, len);
    copy[len] = '\0';
    uint64_t start = 0, end = 0, offset = 0, inode = 0;
    unsigned major = 0, minor = 0;
    char perms[5] = {0};
    int used = -1;
    int n = sscanf(copy, "%" SCNx64 "-%" SCNx64 " %4c %" SCNx64 " %x:%x %" SCNu64 "%n", &start,
                   &end, perms, &offset, &major, &minor, &inode, &used);
    if (n != 7 || used < 0 || start != e->start || end != e->end || offset != e->offset ||
        major != e->dev_major || minor != e->dev_minor || inode != e->inode ||
        memcmp(perms, e->perms, 4) != 0)
        __builtin_trap();
    if (e->path == NULL && strspn(copy + used, " ") != len - (size_t)used) __builtin_trap();
    if (e->path != NULL && copy[used] != ' ') __builtin_trap();
    free(copy);
}

static void check_map(const pqcha__maps *m, const uint8_t *data, size_t size) {
    if (m->count > PQCHA__MAPS_MAX_ENTRIES) __builtin_trap();
    if ((m->count == 0) != (m->entries == NULL)) __builtin_trap();
    size_t pos = 0;
    for (size_t i = 0; i < m->count; i++) {
        const pqcha__map_entry *e = &m->entries[i];
        if (e->start >= e->end) __builtin_trap();
        if (i > 0 && e->start < m->entries[i - 1].end) __builtin_trap();
        check_perms(e->perms);
        const uint8_t *newline = memchr(data + pos, '\n', size - pos);
        if (newline == NULL) __builtin_trap(); /* more entries than lines */
        size_t len = (size_t)(newline - (data + pos));
        check_line(e, (const char *)data + pos, len);
        check_fields(e, (const char *)data + pos, len);
        pos += len + 1;
    }
    if (pos != size) __builtin_trap(); /* a line that is no entry */
}

/* The map as the kernel prints it: zero-padded hex, the path from column
 * 73, a space after the inode of an anonymous mapping. */
static char *print_map(const pqcha__maps *m, size_t *len) {
    size_t cap = 1;
    for (size_t i = 0; i < m->count; i++)
        cap += 160 + (m->entries[i].path ? strlen(m->entries[i].path) + DELETED_LEN : 0);
    char *text = malloc(cap);
    if (text == NULL) __builtin_trap();
    size_t at = 0;
    for (size_t i = 0; i < m->count; i++) {
        const pqcha__map_entry *e = &m->entries[i];
        int n = snprintf(
            text + at, cap - at,
            "%08" PRIx64 "-%08" PRIx64 " %s %08" PRIx64 " %02" PRIx32 ":%02" PRIx32 " %" PRIu64 " ",
            e->start, e->end, e->perms, e->offset, e->dev_major, e->dev_minor, e->inode);
        if (n < 0 || (size_t)n >= cap - at) __builtin_trap();
        at += (size_t)n;
        if (e->path != NULL) {
            for (int col = n; col < PATH_COLUMN; col++)
                text[at++] = ' ';
            n = snprintf(text + at, cap - at, "%s%s", e->path, e->deleted ? DELETED : "");
            if (n < 0 || (size_t)n >= cap - at) __builtin_trap();
            at += (size_t)n;
        }
        text[at++] = '\n';
    }
    *len = at;
    return text;
}

static void check_round_trip(const pqcha__maps *m) {
    size_t len = 0;
    char *text = print_map(m, &len);
    pqcha__maps back;
    if (pqcha__maps_parse(&back, text, len) != PQCHA_OK) __builtin_trap();
    if (!same_maps(m, &back)) __builtin_trap();
    pqcha__maps_free(&back);
    free(text);
}

static int readable_file(const pqcha__map_entry *e, void *ctx) {
    (void)ctx;
    return pqcha__map_entry_is_file(e) && pqcha__map_entry_readable(e);
}

/* Runs as the process backend takes them: each ends past its first entry,
 * inside the map, and joins only pieces of one file that continue each other. */
static void check_runs(const pqcha__maps *m) {
    for (size_t i = 0; i < m->count; i++) {
        const pqcha__map_entry *e = &m->entries[i];
        if (!pqcha__map_entry_same(e, e)) __builtin_trap();
        if (pqcha__map_entry_is_file(e) && (e->path == NULL || e->path[0] != '/' || e->inode == 0))
            __builtin_trap();
        if (!readable_file(e, NULL)) continue;
        size_t end = pqcha__maps_run_end(m, i, readable_file, NULL);
        if (end <= i || end > m->count) __builtin_trap();
        for (size_t k = i + 1; k < end; k++) {
            const pqcha__map_entry *prev = &m->entries[k - 1], *next = &m->entries[k];
            if (!readable_file(next, NULL) || next->start != prev->end ||
                next->inode != prev->inode || next->dev_major != prev->dev_major ||
                next->dev_minor != prev->dev_minor ||
                next->offset - prev->offset != prev->end - prev->start)
                __builtin_trap();
        }
        pqcha_protection prot = pqcha__maps_protection(e, end - i);
        if (prot != PQCHA_PROT_R && prot != PQCHA_PROT_RO && prot != PQCHA_PROT_RW &&
            prot != PQCHA_PROT_RX)
            __builtin_trap();
        i = end - 1;
    }
}

static void check_stat(const uint8_t *data, size_t size) {
    uint64_t first = 0, second = 0;
    pqcha_err a = pqcha__proc_stat_start_time((const char *)data, size, &first);
    pqcha_err b = pqcha__proc_stat_start_time((const char *)data, size, &second);
    if (a != b || (a == PQCHA_OK && first != second)) __builtin_trap();
    if (a != PQCHA_OK && a != PQCHA_ERR_MALFORMED && a != PQCHA_ERR_OUT_OF_RANGE) __builtin_trap();
    if (a == PQCHA_OK && memchr(data, ')', size) == NULL) __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    check_stat(data, size);
    pqcha__map_entry junk;
    pqcha__maps m = {&junk, 99};
    pqcha_err err = pqcha__maps_parse(&m, (const char *)data, size);
    if (err != PQCHA_OK) {
        if (m.entries != NULL || m.count != 0) __builtin_trap(); /* no output on error */
        if (err != PQCHA_ERR_MALFORMED && err != PQCHA_ERR_OUT_OF_RANGE &&
            err != PQCHA_ERR_TOO_LARGE && err != PQCHA_ERR_NO_MEMORY)
            __builtin_trap();
        pqcha__maps again = {&junk, 99};
        if (pqcha__maps_parse(&again, (const char *)data, size) != err || again.entries != NULL)
            __builtin_trap();
        return 0;
    }
    check_map(&m, data, size);
    pqcha__maps again;
    if (pqcha__maps_parse(&again, (const char *)data, size) != PQCHA_OK || !same_maps(&m, &again))
        __builtin_trap();
    pqcha__maps_free(&again);
    check_round_trip(&m);
    check_runs(&m);
    pqcha__maps_free(&m);
    if (m.entries != NULL || m.count != 0) __builtin_trap();
    return 0;
}
