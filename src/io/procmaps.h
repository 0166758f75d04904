/* procmaps.h — a strict parser of /proc/PID/maps text and the rule that
 * merges adjacent mappings of one file into one region. Pure functions: no
 * I/O, so they are tested on synthetic text (tests/unit/test_procmaps.c).
 * Private to src/io. */
#ifndef PQCHA_PROCMAPS_H
#define PQCHA_PROCMAPS_H

#include <stddef.h>
#include <stdint.h>

#include "pqcha.h"

/* The longest path a line may carry (PATH_MAX, as pqcha_region_set_mapping
 * accepts), not counting a " (deleted)" suffix. */
#define PQCHA__MAPS_MAX_PATH 4096u
/* More mappings than the kernel's default vm.max_map_count allows, by far. */
#define PQCHA__MAPS_MAX_ENTRIES (1u << 20)

/* One line of /proc/PID/maps. */
typedef struct pqcha__map_entry {
    uint64_t start;  /* first address */
    uint64_t end;    /* one past the last address; end > start */
    char perms[5];   /* "r-xp": read, write, execute, private/shared; NUL-terminated */
    uint64_t offset; /* file offset of start (0 for anonymous mappings) */
    uint32_t dev_major;
    uint32_t dev_minor;
    uint64_t inode; /* 0 when no file backs the mapping */
    char *path;     /* NULL when the line has no path; owned; " (deleted)" stripped */
    int deleted;    /* the path carried " (deleted)": the file was unlinked */
} pqcha__map_entry;

typedef struct pqcha__maps {
    pqcha__map_entry *entries; /* in address order, non-overlapping */
    size_t count;
} pqcha__maps;

/* Parses the whole text. Every line must end in '\n'; empty text is zero
 * entries (the map of an exited, unreaped process). Errors:
 * PQCHA_ERR_MALFORMED (syntax, uppercase hex, end <= start, overlapping or
 * unordered lines, a NUL in a path), PQCHA_ERR_OUT_OF_RANGE (a number wider
 * than 64 bits, a device number wider than 32), PQCHA_ERR_TOO_LARGE (a path
 * above PQCHA__MAPS_MAX_PATH, too many lines), PQCHA_ERR_NO_MEMORY.
 * On error *out is left empty. */
pqcha_err pqcha__maps_parse(pqcha__maps *out, const char *text, size_t len);
void pqcha__maps_free(pqcha__maps *m);

/* A mapping of a file: an absolute path and an inode. Pseudo paths such as
 * [heap], [stack], [vvar] and anonymous mappings are not files. */
int pqcha__map_entry_is_file(const pqcha__map_entry *e);
int pqcha__map_entry_readable(const pqcha__map_entry *e);
int pqcha__map_entry_writable(const pqcha__map_entry *e);
/* The same mapping: same start, end, device, inode and offset (what is
 * checked again after a read to tell that nothing was replaced). */
int pqcha__map_entry_same(const pqcha__map_entry *a, const pqcha__map_entry *b);

/* Whether next continues prev as one region: both map the same file (device
 * and inode), next starts where prev ends, and its file offset continues
 * prev's. Permissions may differ (an ELF image is r--, r-x, r-- in a row). */
int pqcha__map_entries_contiguous(const pqcha__map_entry *prev, const pqcha__map_entry *next);

/* Chooses which mappings may join a region. */
typedef int (*pqcha__map_filter)(const pqcha__map_entry *e, void *ctx);

/* The index one past the run of mappings that merges with m->entries[first]:
 * consecutive entries that pass filter and continue each other. first itself
 * must pass filter; the result is at least first + 1. */
size_t pqcha__maps_run_end(const pqcha__maps *m, size_t first, pqcha__map_filter filter, void *ctx);

/* The protection recorded for n mappings read as one region, from the union
 * of their permissions: rw- -> RW (also rwx), r-x -> RX, r-- -> RO, anything
 * not readable -> R. */
pqcha_protection pqcha__maps_protection(const pqcha__map_entry *entries, size_t n);

/* The start time (field 22: clock ticks after boot) from the text of
 * /proc/PID/stat. The command name (field 2) is in parentheses and may hold
 * spaces and ')' itself, so fields are counted from the last ')'. Errors:
 * PQCHA_ERR_MALFORMED, PQCHA_ERR_OUT_OF_RANGE. */
pqcha_err pqcha__proc_stat_start_time(const char *text, size_t len, uint64_t *out);

#endif
