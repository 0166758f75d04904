/* procmaps.c — /proc/PID/maps parsing and mapping merge (see procmaps.h).
 *
 * The text comes from the kernel but describes a process we do not trust
 * (it chooses its own file names), so it is parsed through the bounded
 * reader and held to the exact shape the kernel prints:
 *
 *   START-END PERMS OFFSET MAJOR:MINOR INODE[ PADDING PATH]\n
 *
 * with lowercase hex numbers (decimal inode). A path runs to the end of the
 * line and may contain spaces; the kernel escapes a newline in it as "\012". */
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "core/internal.h"
#include "core/reader.h"
#include "io/procmaps.h"

#define DELETED_SUFFIX     " (deleted)"
#define DELETED_SUFFIX_LEN (sizeof DELETED_SUFFIX - 1)

static int peek_byte(const pqcha__reader *r, uint8_t *out) {
    if (pqcha__reader_at_end(r)) return 0;
    *out = r->data[r->pos];
    return 1;
}

/* Lowercase only: the kernel never prints uppercase, so uppercase means the
 * text did not come from the kernel. */
static int lower_hex_value(uint8_t c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* One or more lowercase hex digits; more than max_digits is OUT_OF_RANGE. */
static pqcha_err read_hex(pqcha__reader *r, unsigned max_digits, uint64_t *out) {
    uint64_t value = 0;
    unsigned digits = 0;
    uint8_t c;
    while (peek_byte(r, &c) && lower_hex_value(c) >= 0) {
        if (++digits > max_digits) return PQCHA_ERR_OUT_OF_RANGE;
        value = (value << 4) | (uint64_t)lower_hex_value(c);
        r->pos++;
    }
    if (digits == 0) return PQCHA_ERR_MALFORMED;
    *out = value;
    return PQCHA_OK;
}

/* One or more decimal digits that fit in 64 bits. */
static pqcha_err read_decimal(pqcha__reader *r, uint64_t *out) {
    uint64_t value = 0;
    unsigned digits = 0;
    uint8_t c;
    while (peek_byte(r, &c) && c >= '0' && c <= '9') {
        uint64_t digit = (uint64_t)(c - '0');
        if (value > (UINT64_MAX - digit) / 10) return PQCHA_ERR_OUT_OF_RANGE;
        value = value * 10 + digit;
        digits++;
        r->pos++;
    }
    if (digits == 0) return PQCHA_ERR_MALFORMED;
    *out = value;
    return PQCHA_OK;
}

static pqcha_err expect_byte(pqcha__reader *r, uint8_t c) {
    return pqcha__reader_expect(r, c) ? PQCHA_OK : PQCHA_ERR_MALFORMED;
}

/* "rwxp": each position holds its letter or '-'; the last is 'p' or 's'. */
static pqcha_err read_perms(pqcha__reader *r, char perms[5]) {
    static const char letters[3] = {'r', 'w', 'x'};
    const uint8_t *p = NULL;
    if (!pqcha__reader_bytes(r, 4, &p)) return PQCHA_ERR_MALFORMED;
    for (size_t i = 0; i < 3; i++)
        if (p[i] != letters[i] && p[i] != '-') return PQCHA_ERR_MALFORMED;
    if (p[3] != 'p' && p[3] != 's') return PQCHA_ERR_MALFORMED;
    memcpy(perms, p, 4);
    perms[4] = '\0';
    return PQCHA_OK;
}

static pqcha_err read_device(pqcha__reader *r, pqcha__map_entry *e) {
    uint64_t major = 0, minor = 0;
    PQCHA_TRY(read_hex(r, 8, &major));
    PQCHA_TRY(expect_byte(r, ':'));
    PQCHA_TRY(read_hex(r, 8, &minor));
    e->dev_major = (uint32_t)major;
    e->dev_minor = (uint32_t)minor;
    return PQCHA_OK;
}

/* The fields before the path, each followed by its single separator. */
static pqcha_err read_fixed_fields(pqcha__reader *r, pqcha__map_entry *e) {
    PQCHA_TRY(read_hex(r, 16, &e->start));
    PQCHA_TRY(expect_byte(r, '-'));
    PQCHA_TRY(read_hex(r, 16, &e->end));
    PQCHA_TRY(expect_byte(r, ' '));
    PQCHA_TRY(read_perms(r, e->perms));
    PQCHA_TRY(expect_byte(r, ' '));
    PQCHA_TRY(read_hex(r, 16, &e->offset));
    PQCHA_TRY(expect_byte(r, ' '));
    PQCHA_TRY(read_device(r, e));
    PQCHA_TRY(expect_byte(r, ' '));
    PQCHA_TRY(read_decimal(r, &e->inode));
    if (e->end <= e->start) return PQCHA_ERR_MALFORMED;
    return PQCHA_OK;
}

/* The rest of the line after the inode: nothing, or padding spaces and a
 * path. Consumes the terminating '\n'. */
static pqcha_err read_path(pqcha__reader *r, pqcha__map_entry *e) {
    const uint8_t *rest = r->data + r->pos;
    const uint8_t *newline = memchr(rest, '\n', pqcha__reader_remaining(r));
    if (newline == NULL) return PQCHA_ERR_MALFORMED; /* every line ends in '\n' */
    size_t line_len = (size_t)(newline - rest);
    const uint8_t *line = NULL;
    pqcha__reader_bytes(r, line_len + 1, &line);
    if (line_len == 0) return PQCHA_OK;
    if (line[0] != ' ') return PQCHA_ERR_MALFORMED; /* the inode runs into something */
    size_t skip = 0;
    while (skip < line_len && line[skip] == ' ')
        skip++;
    const char *path = (const char *)line + skip;
    size_t path_len = line_len - skip;
    if (path_len == 0) return PQCHA_OK; /* padding only: some kernels print it without a name */
    if (memchr(path, '\0', path_len) != NULL) return PQCHA_ERR_MALFORMED;
    if (path_len > DELETED_SUFFIX_LEN &&
        memcmp(path + path_len - DELETED_SUFFIX_LEN, DELETED_SUFFIX, DELETED_SUFFIX_LEN) == 0) {
        e->deleted = 1;
        path_len -= DELETED_SUFFIX_LEN;
    }
    if (path_len > PQCHA__MAPS_MAX_PATH) return PQCHA_ERR_TOO_LARGE;
    e->path = pqcha__strndup(path, path_len);
    return e->path != NULL ? PQCHA_OK : PQCHA_ERR_NO_MEMORY;
}

static pqcha_err read_line(pqcha__reader *r, pqcha__map_entry *e) {
    memset(e, 0, sizeof *e);
    pqcha_err err = read_fixed_fields(r, e);
    if (err == PQCHA_OK) err = read_path(r, e);
    if (err != PQCHA_OK) {
        free(e->path);
        e->path = NULL;
    }
    return err;
}

static pqcha_err maps_push(pqcha__maps *m, size_t *cap, const pqcha__map_entry *e) {
    PQCHA_TRY(
        pqcha__grow(&m->entries, cap, m->count + 1, sizeof *m->entries, PQCHA__MAPS_MAX_ENTRIES));
    m->entries[m->count++] = *e;
    return PQCHA_OK;
}

pqcha_err pqcha__maps_parse(pqcha__maps *out, const char *text, size_t len) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    out->entries = NULL;
    out->count = 0;
    if (text == NULL && len != 0) return PQCHA_ERR_INVALID_ARGUMENT;

    pqcha__reader r;
    pqcha__reader_init(&r, text, len);
    pqcha__maps m = {NULL, 0};
    size_t cap = 0;
    pqcha_err err = PQCHA_OK;
    while (err == PQCHA_OK && !pqcha__reader_at_end(&r)) {
        pqcha__map_entry e;
        err = read_line(&r, &e); /* frees its own path on error */
        if (err != PQCHA_OK) break;
        /* The kernel lists mappings in address order without overlap; text
         * that does not is not a memory map, and merging would misread it. */
        if (m.count > 0 && e.start < m.entries[m.count - 1].end)
            err = PQCHA_ERR_MALFORMED;
        else
            err = maps_push(&m, &cap, &e);
        if (err != PQCHA_OK) free(e.path);
    }
    if (err != PQCHA_OK) {
        pqcha__maps_free(&m);
        return err;
    }
    *out = m;
    return PQCHA_OK;
}

void pqcha__maps_free(pqcha__maps *m) {
    if (m == NULL) return;
    for (size_t i = 0; i < m->count; i++)
        free(m->entries[i].path);
    free(m->entries);
    m->entries = NULL;
    m->count = 0;
}

int pqcha__map_entry_is_file(const pqcha__map_entry *e) {
    return e->path != NULL && e->path[0] == '/' && e->inode != 0;
}

int pqcha__map_entry_readable(const pqcha__map_entry *e) {
    return e->perms[0] == 'r';
}

int pqcha__map_entry_writable(const pqcha__map_entry *e) {
    return e->perms[1] == 'w';
}

static int same_file(const pqcha__map_entry *a, const pqcha__map_entry *b) {
    return a->dev_major == b->dev_major && a->dev_minor == b->dev_minor && a->inode == b->inode;
}

int pqcha__map_entry_same(const pqcha__map_entry *a, const pqcha__map_entry *b) {
    return a->start == b->start && a->end == b->end && a->offset == b->offset && same_file(a, b);
}

int pqcha__map_entries_contiguous(const pqcha__map_entry *prev, const pqcha__map_entry *next) {
    if (!pqcha__map_entry_is_file(prev) || !pqcha__map_entry_is_file(next) ||
        !same_file(prev, next))
        return 0;
    if (next->start != prev->end) return 0;
    uint64_t length = prev->end - prev->start;
    return prev->offset <= UINT64_MAX - length && next->offset == prev->offset + length;
}

size_t pqcha__maps_run_end(const pqcha__maps *m, size_t first, pqcha__map_filter filter,
                           void *ctx) {
    size_t end = first + 1;
    while (end < m->count && filter(&m->entries[end], ctx) &&
           pqcha__map_entries_contiguous(&m->entries[end - 1], &m->entries[end]))
        end++;
    return end;
}

pqcha_protection pqcha__maps_protection(const pqcha__map_entry *entries, size_t n) {
    int readable = n > 0, writable = 0, executable = 0;
    for (size_t i = 0; i < n; i++) {
        readable &= entries[i].perms[0] == 'r';
        writable |= entries[i].perms[1] == 'w';
        executable |= entries[i].perms[2] == 'x';
    }
    if (!readable) return PQCHA_PROT_R;
    if (writable) return PQCHA_PROT_RW;
    return executable ? PQCHA_PROT_RX : PQCHA_PROT_RO;
}

/* ---- /proc/PID/stat ---- */

#define STAT_START_TIME_FIELD       22
#define STAT_FIRST_FIELD_AFTER_COMM 3

pqcha_err pqcha__proc_stat_start_time(const char *text, size_t len, uint64_t *out) {
    pqcha__reader r;
    pqcha__reader_init(&r, text, len);
    /* The last ')' closes the command name, whatever the name holds. */
    size_t after_comm = 0;
    uint8_t c;
    while (pqcha__reader_byte(&r, &c))
        if (c == ')') after_comm = r.pos;
    if (after_comm == 0) return PQCHA_ERR_MALFORMED;
    r.pos = after_comm;
    for (unsigned field = STAT_FIRST_FIELD_AFTER_COMM; field < STAT_START_TIME_FIELD; field++) {
        PQCHA_TRY(expect_byte(&r, ' '));
        unsigned chars = 0;
        while (peek_byte(&r, &c) && c != ' ' && c != '\n') {
            r.pos++;
            chars++;
        }
        if (chars == 0) return PQCHA_ERR_MALFORMED;
    }
    PQCHA_TRY(expect_byte(&r, ' '));
    return read_decimal(&r, out);
}
