/* backend_process.c — the "process" backend: regions are read from the
 * memory of a live process (an inference server holding model weights).
 *
 * Adding regions (pqcha_process_backend_add_*) reads /proc/PID/maps once and
 * records, for every region, the mappings ("pieces") it spans. Reading a
 * region is a separate step, at every digest:
 *   1. /proc/PID/maps again: every piece must still be there, unchanged;
 *   2. the bytes, streamed through a buffer of at most 8 MiB with
 *      process_vm_readv, or pread on /proc/PID/mem where process_vm_readv
 *      is missing (ENOSYS) or refused (EPERM);
 *   3. /proc/PID/maps once more, so that a mapping replaced while we read
 *      (munmap + mmap at the same address) is PQCHA_ERR_REGION_CHANGED
 *      rather than a digest over a mix of two files.
 * A short read means the mapping vanished or shrank: REGION_CHANGED, never a
 * digest over fewer bytes.
 *
 * A file mapping is page-rounded; the bytes past the end of the file are
 * zeros that the file does not contain, so a file region is clamped to the
 * file's size and its digest equals the file's digest. */
#define _GNU_SOURCE /* process_vm_readv */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include "base/grow.h"
#include "core/internal.h"
#include "core/region_internal.h"
#include "io/backend_internal.h"
#include "io/fileio.h"
#include "io/process_model.h"
#include "io/procmaps.h"
#include "io/region_index.h"

/* /proc/PID/maps of a process at vm.max_map_count with long paths stays far below. */
#define MAPS_MAX_BYTES (64u * 1024u * 1024u)

/* One mapping a region spans, as /proc/PID/maps showed it when the region was added. */
typedef struct proc_piece {
    uint64_t start, end, offset, inode;
    uint32_t dev_major, dev_minor;
} proc_piece;

typedef struct proc_entry {
    char *workload_id;
    pqcha_region *region;
    int pid;
    uint64_t start_time; /* with pid, names one process for the machine's uptime */
    proc_piece *pieces;
    size_t piece_count;
    char *tensor_note; /* why a model file's region has no tensor table, or NULL */
} proc_entry;

/* A mapping an add call could not use, and why. */
typedef struct unusable_mapping {
    char *path;
    pqcha_err why;
} unusable_mapping;

typedef struct unusable_list {
    unusable_mapping *items;
    size_t count, cap;
} unusable_list;

typedef struct process_backend {
    pthread_mutex_t lock; /* guards entries and unusable; reads run outside it */
    proc_entry *entries;
    size_t count;
    size_t cap;
    const pqcha_manifest *manifest; /* borrowed: where tensor tables come from first */
    int no_tensor_tables;           /* measure mappings without their tensors */
    pqcha__region_index index;      /* (workload, region id) -> entry */
    unusable_list unusable;         /* of the last add call */
} process_backend;

static void proc_entry_key(const void *entries, size_t pos, const char **workload_id,
                           const char **region_id) {
    const proc_entry *e = &((const proc_entry *)entries)[pos];
    *workload_id = e->workload_id;
    *region_id = e->region->id;
}

/* A growing list of entries about to be added by one call. */
typedef struct entry_list {
    proc_entry *items;
    size_t count;
} entry_list;

pqcha_err pqcha__process_backend_new(void **self) {
    process_backend *p = calloc(1, sizeof *p);
    if (p == NULL) return PQCHA_ERR_NO_MEMORY;
    if (pthread_mutex_init(&p->lock, NULL) != 0) {
        free(p);
        return PQCHA_ERR_NO_MEMORY;
    }
    pqcha__region_index_init(&p->index, proc_entry_key);
    *self = p;
    return PQCHA_OK;
}

static void entry_clear(proc_entry *e) {
    free(e->tensor_note);
    free(e->workload_id);
    pqcha_region_free(e->region);
    free(e->pieces);
    memset(e, 0, sizeof *e);
}

static void entry_list_free(entry_list *l) {
    for (size_t i = 0; i < l->count; i++)
        entry_clear(&l->items[i]);
    free(l->items);
    l->items = NULL;
    l->count = 0;
}

static void unusable_list_free(unusable_list *l) {
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i].path);
    free(l->items);
    l->items = NULL;
    l->count = l->cap = 0;
}

/* Records a mapping that could not be used. Distinct paths only: a file
 * mapped in several runs is one line in a warning. */
static pqcha_err note_unusable(unusable_list *l, const char *path, pqcha_err why) {
    for (size_t i = 0; i < l->count; i++)
        if (strcmp(l->items[i].path, path) == 0) return PQCHA_OK;
    if (l->count >= PQCHA_MAX_REGIONS) return PQCHA_OK; /* the first 65 536 say enough */
    PQCHA_TRY(pqcha__grow(&l->items, &l->cap, l->count + 1, sizeof *l->items, PQCHA_MAX_REGIONS));
    if ((l->items[l->count].path = pqcha__strdup(path)) == NULL) return PQCHA_ERR_NO_MEMORY;
    l->items[l->count++].why = why;
    return PQCHA_OK;
}

static void process_destroy(void *self) {
    process_backend *p = self;
    if (p == NULL) return;
    unusable_list_free(&p->unusable);
    for (size_t i = 0; i < p->count; i++)
        entry_clear(&p->entries[i]);
    free(p->entries);
    pqcha__region_index_free(&p->index);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

/* ---- errno to pqcha_err ---- */

/* What a failure to open or read /proc/PID/... means for the caller. */
static pqcha_err proc_errno_to_err(int e) {
    switch (e) {
    case ENOENT:
    case ESRCH: return PQCHA_ERR_NO_SUCH_PROCESS;
    case EACCES:
    case EPERM: return PQCHA_ERR_PERMISSION; /* different uid, no CAP_SYS_PTRACE, or Yama */
    case ENOMEM: return PQCHA_ERR_NO_MEMORY;
    default: return PQCHA_ERR_BACKEND_IO;
    }
}

static pqcha_err open_proc_file(int *fd_out, int pid, const char *name) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", pid, name);
    int fd;
    do
        fd = open(path, O_RDONLY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) return proc_errno_to_err(errno);
    *fd_out = fd;
    return PQCHA_OK;
}

/* ---- /proc/PID/maps ---- */

static pqcha_err read_all(int fd, char **text_out, size_t *len_out) {
    size_t cap = 0, len = 0;
    char *text = NULL;
    for (;;) {
        if (len == cap) {
            pqcha_err err = pqcha__grow(&text, &cap, cap ? 2 * cap : 64 * 1024, 1, MAPS_MAX_BYTES);
            if (err != PQCHA_OK) {
                free(text);
                return err;
            }
        }
        ssize_t n = read(fd, text + len, cap - len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            pqcha_err err = proc_errno_to_err(errno);
            free(text);
            return err;
        }
        if (n == 0) break;
        len += (size_t)n;
    }
    *text_out = text;
    *len_out = len;
    return PQCHA_OK;
}

/* The kernel marks an unlinked file by appending " (deleted)" to its path,
 * which a live file may also end in: the workload names its files. A path
 * that, with the suffix, is the mapped file itself (same inode) is that live
 * file, not a deleted one, so it keeps its real name and is not flagged. */
static pqcha_err resolve_deleted_suffix(pqcha__map_entry *e) {
    static const char suffix[] = " (deleted)";
    size_t len = strlen(e->path);
    char *full = malloc(len + sizeof suffix);
    if (full == NULL) return PQCHA_ERR_NO_MEMORY;
    memcpy(full, e->path, len);
    memcpy(full + len, suffix, sizeof suffix);
    struct stat st;
    if (stat(full, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_ino == e->inode) {
        free(e->path);
        e->path = full;
        e->deleted = 0;
        return PQCHA_OK;
    }
    free(full);
    return PQCHA_OK;
}

static pqcha_err load_maps(int pid, pqcha__maps *out) {
    int fd = -1;
    PQCHA_TRY(open_proc_file(&fd, pid, "maps"));
    char *text = NULL;
    size_t len = 0;
    pqcha_err err = read_all(fd, &text, &len);
    close(fd);
    if (err == PQCHA_OK) err = pqcha__maps_parse(out, text, len);
    free(text);
    if (err != PQCHA_OK) return err;
    for (size_t i = 0; err == PQCHA_OK && i < out->count; i++)
        if (out->entries[i].deleted && pqcha__map_entry_is_file(&out->entries[i]))
            err = resolve_deleted_suffix(&out->entries[i]);
    if (err != PQCHA_OK) pqcha__maps_free(out);
    return err;
}

/* ---- which process ---- */

/* A PID alone can be reused once its process is gone; the PID with the
 * process's start time cannot, so reads check both. */
static pqcha_err process_start_time(int pid, uint64_t *out) {
    int fd = -1;
    PQCHA_TRY(open_proc_file(&fd, pid, "stat"));
    char *text = NULL;
    size_t len = 0;
    pqcha_err err = read_all(fd, &text, &len);
    close(fd);
    if (err == PQCHA_OK) err = pqcha__proc_stat_start_time(text, len, out);
    free(text);
    return err;
}

/* The process that pid names now is the one whose start time was recorded. */
static pqcha_err check_same_process(int pid, uint64_t start_time) {
    uint64_t now = 0;
    PQCHA_TRY(process_start_time(pid, &now));
    return now == start_time ? PQCHA_OK : PQCHA_ERR_NO_SUCH_PROCESS;
}

/* Loads the memory map, making sure it is the map of one process throughout
 * (the PID was not reused while we read it), and returns that process's start time. */
static pqcha_err load_process_maps(int pid, pqcha__maps *maps, uint64_t *start_time) {
    PQCHA_TRY(process_start_time(pid, start_time));
    PQCHA_TRY(load_maps(pid, maps));
    pqcha_err err = check_same_process(pid, *start_time);
    if (err != PQCHA_OK) pqcha__maps_free(maps);
    return err;
}

/* ---- selecting and describing regions ---- */

static pqcha_err copy_pieces(proc_entry *e, const pqcha__map_entry *maps, size_t n) {
    e->pieces = calloc(n, sizeof *e->pieces);
    if (e->pieces == NULL) return PQCHA_ERR_NO_MEMORY;
    for (size_t i = 0; i < n; i++) {
        proc_piece *p = &e->pieces[i];
        p->start = maps[i].start;
        p->end = maps[i].end;
        p->offset = maps[i].offset;
        p->inode = maps[i].inode;
        p->dev_major = maps[i].dev_major;
        p->dev_minor = maps[i].dev_minor;
    }
    e->piece_count = n;
    return PQCHA_OK;
}

/* "pid N: WHAT" when that is a valid description, else "pid N" (a path of
 * odd bytes is still recorded, or refused, as the mapped file). */
static pqcha_err create_region(pqcha_region **out, const char *id, int pid, const char *what,
                               uint64_t address, uint64_t size, pqcha_protection prot) {
    size_t cap = strlen(what) + 32;
    char *description = malloc(cap);
    if (description == NULL) return PQCHA_ERR_NO_MEMORY;
    snprintf(description, cap, "pid %d: %s", pid, what);
    pqcha_err err = pqcha_region_create(out, id, description, address, size, prot);
    if (err == PQCHA_ERR_TOO_LARGE || err == PQCHA_ERR_BAD_IDENTIFIER) {
        snprintf(description, cap, "pid %d", pid);
        err = pqcha_region_create(out, id, description, address, size, prot);
    }
    free(description);
    return err;
}

/* The size of the file behind a mapping, making sure it is the mapped file:
 * the path may name another file by now, or none (" (deleted)"). The inode
 * is compared, not the device: overlayfs and btrfs report a different device
 * to stat than in the memory map. /proc/PID/map_files reaches the mapped file
 * itself, but only with CAP_SYS_ADMIN (or CAP_CHECKPOINT_RESTORE). */
static pqcha_err mapped_file_size(int pid, const pqcha__map_entry *e, uint64_t *size) {
    struct stat st;
    if (!e->deleted && stat(e->path, &st) == 0 && S_ISREG(st.st_mode) &&
        (uint64_t)st.st_ino == e->inode) {
        *size = (uint64_t)st.st_size;
        return PQCHA_OK;
    }
    char link[96];
    snprintf(link, sizeof link, "/proc/%d/map_files/%llx-%llx", pid, (unsigned long long)e->start,
             (unsigned long long)e->end);
    if (stat(link, &st) != 0) {
        if (errno == EPERM || errno == EACCES) return PQCHA_ERR_PERMISSION;
        return errno == ENOENT ? PQCHA_ERR_REGION_CHANGED : proc_errno_to_err(errno);
    }
    if ((uint64_t)st.st_ino != e->inode) return PQCHA_ERR_REGION_CHANGED;
    *size = (uint64_t)st.st_size;
    return PQCHA_OK;
}

/* A run of file mappings that merge into one region. */
typedef struct file_run {
    size_t first, end;  /* indexes into the maps */
    uint64_t size;      /* clamped to the file's size */
    uint64_t file_size; /* the mapped file's */
} file_run;

typedef struct run_list {
    file_run *items;
    size_t count, cap;
} run_list;

static pqcha_err run_list_push(run_list *l, const file_run *run) {
    PQCHA_TRY(pqcha__grow(&l->items, &l->cap, l->count + 1, sizeof *l->items, PQCHA_MAX_REGIONS));
    l->items[l->count++] = *run;
    return PQCHA_OK;
}

/* Bytes of the run inside the file: a run (or its tail) past the end of the
 * file maps nothing the file holds. */
static uint64_t clamp_to_file(uint64_t run_bytes, uint64_t file_offset, uint64_t file_size) {
    if (file_size <= file_offset) return 0;
    uint64_t in_file = file_size - file_offset;
    return run_bytes < in_file ? run_bytes : in_file;
}

/* How an add call treats a mapping it cannot use (an odd file name, a file
 * replaced on disk, a permission): skip it, or fail the call; either way it
 * is recorded for pqcha_process_backend_unusable_*. */
typedef struct mapping_scan {
    int skip_unusable;
    unusable_list unusable;
} mapping_scan;

/* OK when the mapping is to be skipped, else the error that fails the call. */
static pqcha_err mapping_unusable(mapping_scan *scan, const pqcha__map_entry *e, pqcha_err why) {
    if (why == PQCHA_ERR_NO_MEMORY) return why;
    PQCHA_TRY(note_unusable(&scan->unusable, e->path, why));
    return scan->skip_unusable ? PQCHA_OK : why;
}

/* The runs of mappings that pass filter, each clamped to its file's size;
 * runs entirely past the end of their file are left out. */
static pqcha_err collect_file_runs(run_list *runs, int pid, const pqcha__maps *m,
                                   pqcha__map_filter filter, void *ctx, mapping_scan *scan) {
    size_t i = 0;
    while (i < m->count) {
        if (!filter(&m->entries[i], ctx)) {
            i++;
            continue;
        }
        file_run run = {i, pqcha__maps_run_end(m, i, filter, ctx), 0, 0};
        const pqcha__map_entry *first = &m->entries[run.first];
        pqcha_err err = mapped_file_size(pid, first, &run.file_size);
        i = run.end;
        if (err != PQCHA_OK) {
            PQCHA_TRY(mapping_unusable(scan, first, err));
            continue;
        }
        run.size =
            clamp_to_file(m->entries[run.end - 1].end - first->start, first->offset, run.file_size);
        if (run.size > 0) PQCHA_TRY(run_list_push(runs, &run));
    }
    return PQCHA_OK;
}

static const char *base_name(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash != NULL && slash[1] != '\0' ? slash + 1 : path;
}

static int runs_same_file(const pqcha__maps *m, const file_run *a, const file_run *b) {
    const pqcha__map_entry *x = &m->entries[a->first], *y = &m->entries[b->first];
    return x->inode == y->inode && x->dev_major == y->dev_major && x->dev_minor == y->dev_minor;
}

/* The id of run k: the explicit id, else the file's base name, else (when two
 * different files share a base name) the full path. A file mapped in several
 * runs (an ELF image's RELRO page, a model mapped twice) has the id for the
 * run at the lowest file offset and "<id>@0x<file offset>" for the others,
 * which stay the same from one start of the process to the next. */
static pqcha_err choose_run_id(char **out, const pqcha__maps *m, const run_list *runs, size_t k,
                               const char *region_id) {
    const file_run *run = &runs->items[k];
    const pqcha__map_entry *e = &m->entries[run->first];
    const char *base = region_id;
    int later_run = 0;
    if (base == NULL) {
        base = base_name(e->path);
        for (size_t j = 0; j < runs->count; j++)
            if (!runs_same_file(m, run, &runs->items[j]) &&
                strcmp(base_name(m->entries[runs->items[j].first].path), base) == 0)
                base = e->path;
    }
    for (size_t j = 0; j < runs->count && !later_run; j++) {
        const pqcha__map_entry *other = &m->entries[runs->items[j].first];
        later_run = j != k && runs_same_file(m, run, &runs->items[j]) &&
                    (other->offset < e->offset || (other->offset == e->offset && j < k));
    }
    size_t cap = strlen(base) + 24;
    char *id = malloc(cap);
    if (id == NULL) return PQCHA_ERR_NO_MEMORY;
    if (later_run)
        snprintf(id, cap, "%s@0x%llx", base, (unsigned long long)e->offset);
    else
        snprintf(id, cap, "%s", base);
    *out = id;
    return PQCHA_OK;
}

/* The mappings of a run that hold bytes of the clamped region. */
static size_t pieces_in_region(const pqcha__maps *m, const file_run *run) {
    uint64_t end = m->entries[run->first].start + run->size;
    size_t n = 0;
    while (run->first + n < run->end && m->entries[run->first + n].start < end)
        n++;
    return n;
}

/* Gives the region the tensors of `tensors` that lie wholly inside it. */
static pqcha_err add_tensors_inside(pqcha_region *r, const pqcha__tensor *tensors, size_t n) {
    uint64_t from = pqcha_region_file_offset(r), size = pqcha_region_size(r);
    for (size_t i = 0; i < n; i++) {
        const pqcha__tensor *t = &tensors[i];
        if (t->size == 0 || t->offset < from || t->offset - from > size ||
            t->size > size - (t->offset - from))
            continue; /* not (wholly) mapped: its bytes, if any, are gap bytes */
        PQCHA_TRY(pqcha_region_add_tensor(r, t->name, t->offset, t->size));
    }
    return PQCHA_OK;
}

/* Why a region goes without a tensor table, for pqcha_process_backend_tensor_note. */
static pqcha_err set_tensor_note(proc_entry *e, pqcha_err why, const pqcha__diag *diag) {
    char text[512];
    snprintf(text, sizeof text, "no tensor table: %s%s%s", pqcha_strerror(why),
             diag->text[0] ? ": " : "", diag->text);
    e->tensor_note = pqcha__strdup(text);
    return e->tensor_note ? PQCHA_OK : PQCHA_ERR_NO_MEMORY;
}

/* The tensor table: from the manifest entry that describes the file, else
 * from the file's own header. The verifier trusts neither: it matches every
 * measured tensor by name, offset and size against its own manifest. A file
 * whose header cannot be read is still measured, as a whole, with a note. */
static pqcha_err attach_tensors(proc_entry *e, const process_backend *p, int pid,
                                const pqcha__map_entry *first, const file_run *run,
                                const pqcha__model_file *ref) {
    if (p->no_tensor_tables) return PQCHA_OK;
    if (ref != NULL) return add_tensors_inside(e->region, ref->tensors, ref->tensor_count);
    pqcha__model_header h;
    pqcha__diag diag = {""};
    pqcha_err err = pqcha__mapped_file_header(&h, pid, first, run->file_size, &diag);
    if (err == PQCHA_ERR_NO_MEMORY) return err;
    if (err != PQCHA_OK) return set_tensor_note(e, err, &diag);
    err = add_tensors_inside(e->region, h.tensors, h.tensor_count);
    pqcha__model_header_clear(&h);
    return err;
}

static pqcha_err entry_for_run(proc_entry *out, const process_backend *p, int pid,
                               const pqcha__maps *m, const run_list *runs, size_t k,
                               const char *region_id) {
    const file_run *run = &runs->items[k];
    const pqcha__map_entry *first = &m->entries[run->first];
    size_t n = pieces_in_region(m, run);
    const pqcha__model_file *ref =
        pqcha__manifest_match(p->manifest, region_id, base_name(first->path), run->file_size);
    char *id = NULL;
    /* Named as the manifest names the file, unless the caller chose an id. */
    PQCHA_TRY(choose_run_id(&id, m, runs, k, region_id ? region_id : ref ? ref->name : NULL));
    pqcha_err err = create_region(&out->region, id, pid, first->path, first->start, run->size,
                                  pqcha__maps_protection(first, n));
    free(id);
    out->pid = pid;
    if (err == PQCHA_OK) err = pqcha_region_set_mapping(out->region, first->path, first->offset);
    if (err == PQCHA_OK && first->deleted) err = pqcha_region_set_file_deleted(out->region, 1);
    if (err == PQCHA_OK) err = copy_pieces(out, first, n);
    if (err == PQCHA_OK) err = attach_tensors(out, p, pid, first, run, ref);
    return err;
}

static pqcha_err entry_list_grow(entry_list *l, size_t n) {
    proc_entry *items = calloc(n, sizeof *items);
    if (items == NULL) return PQCHA_ERR_NO_MEMORY;
    l->items = items;
    return PQCHA_OK;
}

/* One entry per usable run (NO_SUCH_REGION when none is). */
static pqcha_err entries_for_runs(entry_list *out, const process_backend *p, int pid,
                                  const pqcha__maps *m, const run_list *runs, const char *region_id,
                                  mapping_scan *scan) {
    if (runs->count == 0) return PQCHA_ERR_NO_SUCH_REGION;
    PQCHA_TRY(entry_list_grow(out, runs->count));
    for (size_t k = 0; k < runs->count; k++) {
        proc_entry *e = &out->items[out->count++];
        pqcha_err err = entry_for_run(e, p, pid, m, runs, k, region_id);
        if (err != PQCHA_OK) {
            entry_clear(e);
            out->count--;
            PQCHA_TRY(mapping_unusable(scan, &m->entries[runs->items[k].first], err));
        }
    }
    return out->count > 0 ? PQCHA_OK : PQCHA_ERR_NO_SUCH_REGION;
}

/* ---- adding entries ---- */

/* Caller holds the lock. */
static const proc_entry *find_entry(const process_backend *p, const char *workload_id,
                                    const char *region_id) {
    size_t pos = pqcha__region_index_find(&p->index, p->entries, workload_id, region_id);
    return pos == (size_t)-1 ? NULL : &p->entries[pos];
}

static int compare_entry_ids(const void *a, const void *b) {
    return strcmp((*(const proc_entry *const *)a)->region->id,
                  (*(const proc_entry *const *)b)->region->id);
}

/* Caller holds the lock. An id must be new to the workload and appear once
 * among the entries being added (sorted, so thousands of mappings cost
 * n log n, not n^2). */
static pqcha_err check_new_ids(const process_backend *p, const char *workload_id,
                               const entry_list *l) {
    const proc_entry **sorted = malloc((l->count ? l->count : 1) * sizeof *sorted);
    if (sorted == NULL) return PQCHA_ERR_NO_MEMORY;
    pqcha_err err = PQCHA_OK;
    for (size_t i = 0; i < l->count; i++) {
        sorted[i] = &l->items[i];
        if (find_entry(p, workload_id, l->items[i].region->id) != NULL)
            err = PQCHA_ERR_REGION_EXISTS;
    }
    qsort(sorted, l->count, sizeof *sorted, compare_entry_ids);
    for (size_t i = 1; err == PQCHA_OK && i < l->count; i++)
        if (compare_entry_ids(&sorted[i - 1], &sorted[i]) == 0) err = PQCHA_ERR_REGION_EXISTS;
    free(sorted);
    return err;
}

/* Caller holds the lock. */
static pqcha_err reserve_entries(process_backend *p, size_t more) {
    if (more > PQCHA_MAX_REGIONS || p->count > PQCHA_MAX_REGIONS - more) return PQCHA_ERR_TOO_LARGE;
    return pqcha__grow(&p->entries, &p->cap, p->count + more, sizeof *p->entries,
                       PQCHA_MAX_REGIONS);
}

/* Moves every entry of l into the backend, or none; l is emptied either way. */
static pqcha_err commit_entries(process_backend *p, const char *workload_id, entry_list *l,
                                uint64_t start_time) {
    pqcha_err err = PQCHA_OK;
    for (size_t i = 0; err == PQCHA_OK && i < l->count; i++) {
        l->items[i].start_time = start_time;
        if ((l->items[i].workload_id = pqcha__strdup(workload_id)) == NULL)
            err = PQCHA_ERR_NO_MEMORY;
    }
    if (err == PQCHA_OK) {
        pthread_mutex_lock(&p->lock);
        err = check_new_ids(p, workload_id, l);
        if (err == PQCHA_OK) err = reserve_entries(p, l->count);
        if (err == PQCHA_OK) {
            memcpy(p->entries + p->count, l->items, l->count * sizeof *l->items);
            for (size_t i = 0; err == PQCHA_OK && i < l->count; i++)
                err = pqcha__region_index_add(&p->index, p->entries, p->count + i);
            if (err != PQCHA_OK) /* all or nothing: the entries stay l's */
                (void)pqcha__region_index_truncate(&p->index, p->entries, p->count);
        }
        if (err == PQCHA_OK) {
            p->count += l->count;
            free(l->items);
            l->items = NULL;
            l->count = 0;
        }
        pthread_mutex_unlock(&p->lock);
    }
    entry_list_free(l);
    return err;
}

static pqcha_err check_common_args(process_backend *p, const char *workload_id, int pid,
                                   const char *region_id) {
    if (p == NULL || workload_id == NULL || pid <= 0) return PQCHA_ERR_INVALID_ARGUMENT;
    PQCHA_TRY(pqcha_identifier_check(workload_id));
    if (region_id != NULL) PQCHA_TRY(pqcha_identifier_check(region_id));
    return PQCHA_OK;
}

/* Keeps what this add call could not use, for pqcha_process_backend_unusable_*. */
static void keep_unusable(process_backend *p, mapping_scan *scan) {
    pthread_mutex_lock(&p->lock);
    unusable_list_free(&p->unusable);
    p->unusable = scan->unusable;
    pthread_mutex_unlock(&p->lock);
    scan->unusable = (unusable_list){NULL, 0, 0};
}

/* Lists the file runs that pass filter and adds one region per usable run;
 * all of them or none. */
static pqcha_err add_file_runs(process_backend *p, const char *workload_id, int pid,
                               const char *region_id, pqcha__map_filter filter, void *ctx,
                               int skip_unusable) {
    pqcha__maps maps = {NULL, 0};
    run_list runs = {NULL, 0, 0};
    entry_list list = {NULL, 0};
    mapping_scan scan = {skip_unusable, {NULL, 0, 0}};
    uint64_t start_time = 0;
    pqcha_err err = load_process_maps(pid, &maps, &start_time);
    if (err == PQCHA_OK) err = collect_file_runs(&runs, pid, &maps, filter, ctx, &scan);
    if (err == PQCHA_OK) err = entries_for_runs(&list, p, pid, &maps, &runs, region_id, &scan);
    if (err == PQCHA_OK) err = commit_entries(p, workload_id, &list, start_time);
    keep_unusable(p, &scan);
    entry_list_free(&list);
    free(runs.items);
    pqcha__maps_free(&maps);
    return err;
}

typedef struct glob_selector {
    const char *pattern;
    int whole_path; /* the pattern has a '/': match the whole path, else the base name */
} glob_selector;

/* Readable file mappings whose path matches the glob: a glob with '/' is
 * matched against the whole path ('*' also matches '/'), one without against
 * the base name, so "model.gguf" and "*.gguf" find the file in any directory. */
static int glob_filter(const pqcha__map_entry *e, void *ctx) {
    const glob_selector *g = ctx;
    return pqcha__map_entry_is_file(e) && pqcha__map_entry_readable(e) &&
           fnmatch(g->pattern, g->whole_path ? e->path : base_name(e->path), 0) == 0;
}

typedef struct inode_selector {
    uint64_t inode;
    uint64_t device; /* st_dev of the file, as stat saw it */
    int pid;
} inode_selector;

/* The device the memory map shows, as st_dev encodes it. */
static uint64_t map_device(const pqcha__map_entry *e) {
    return (uint64_t)makedev(e->dev_major, e->dev_minor);
}

/* The mapping is of the file with this device and inode. The device in the
 * memory map can differ from stat's for the same file (overlayfs, btrfs
 * subvolumes); then the mapped file itself, reached through map_files, has
 * the final word, and without the privilege that needs, the inode alone. */
static int same_file(const pqcha__map_entry *e, const inode_selector *sel) {
    if (e->inode != sel->inode) return 0;
    if (map_device(e) == sel->device) return 1;
    char link[96];
    struct stat st;
    snprintf(link, sizeof link, "/proc/%d/map_files/%llx-%llx", sel->pid,
             (unsigned long long)e->start, (unsigned long long)e->end);
    if (stat(link, &st) == 0)
        return (uint64_t)st.st_dev == sel->device && (uint64_t)st.st_ino == sel->inode;
    return 1;
}

static int inode_filter(const pqcha__map_entry *e, void *ctx) {
    return pqcha__map_entry_is_file(e) && pqcha__map_entry_readable(e) && same_file(e, ctx);
}

static int readonly_file_filter(const pqcha__map_entry *e, void *ctx) {
    (void)ctx;
    return pqcha__map_entry_is_file(e) && pqcha__map_entry_readable(e) &&
           !pqcha__map_entry_writable(e);
}

pqcha_err pqcha_process_backend_add_mappings(pqcha_backend *b, const char *workload_id, int pid,
                                             const char *glob, const char *region_id) {
    process_backend *p = pqcha__backend_self_if(b, &pqcha__process_backend_ops);
    if (glob == NULL || glob[0] == '\0') return PQCHA_ERR_INVALID_ARGUMENT;
    PQCHA_TRY(check_common_args(p, workload_id, pid, region_id));
    glob_selector selector = {glob, strchr(glob, '/') != NULL};
    return add_file_runs(p, workload_id, pid, region_id, glob_filter, &selector, 0);
}

pqcha_err pqcha_process_backend_add_file(pqcha_backend *b, const char *workload_id, int pid,
                                         const char *path, const char *region_id) {
    process_backend *p = pqcha__backend_self_if(b, &pqcha__process_backend_ops);
    if (path == NULL || path[0] == '\0') return PQCHA_ERR_INVALID_ARGUMENT;
    PQCHA_TRY(check_common_args(p, workload_id, pid, region_id));
    struct stat st;
    if (stat(path, &st) != 0)
        return errno == EACCES || errno == EPERM ? PQCHA_ERR_PERMISSION
                                                 : pqcha__errno_to_err(errno, PQCHA_ERR_IO);
    if (!S_ISREG(st.st_mode)) return PQCHA_ERR_INVALID_ARGUMENT;
    inode_selector selector = {(uint64_t)st.st_ino, (uint64_t)st.st_dev, pid};
    return add_file_runs(p, workload_id, pid, region_id, inode_filter, &selector, 0);
}

pqcha_err pqcha_process_backend_set_manifest(pqcha_backend *b, const pqcha_manifest *m) {
    process_backend *p = pqcha__backend_self_if(b, &pqcha__process_backend_ops);
    if (p == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    p->manifest = m;
    return PQCHA_OK;
}

pqcha_err pqcha_process_backend_set_tensor_tables(pqcha_backend *b, int enabled) {
    process_backend *p = pqcha__backend_self_if(b, &pqcha__process_backend_ops);
    if (p == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    p->no_tensor_tables = !enabled;
    return PQCHA_OK;
}

const char *pqcha_process_backend_tensor_note(pqcha_backend *b, const char *workload_id,
                                              const char *region_id) {
    process_backend *p = pqcha__backend_self_if(b, &pqcha__process_backend_ops);
    if (p == NULL || workload_id == NULL || region_id == NULL) return NULL;
    pthread_mutex_lock(&p->lock);
    const proc_entry *e = find_entry(p, workload_id, region_id);
    const char *note = e ? e->tensor_note : NULL;
    pthread_mutex_unlock(&p->lock);
    return note;
}

pqcha_err pqcha_process_backend_add_readonly_files(pqcha_backend *b, const char *workload_id,
                                                   int pid) {
    process_backend *p = pqcha__backend_self_if(b, &pqcha__process_backend_ops);
    PQCHA_TRY(check_common_args(p, workload_id, pid, NULL));
    return add_file_runs(p, workload_id, pid, NULL, readonly_file_filter, NULL, 1);
}

size_t pqcha_process_backend_unusable_count(pqcha_backend *b) {
    process_backend *p = pqcha__backend_self_if(b, &pqcha__process_backend_ops);
    return p ? p->unusable.count : 0;
}

const char *pqcha_process_backend_unusable_path(pqcha_backend *b, size_t i) {
    process_backend *p = pqcha__backend_self_if(b, &pqcha__process_backend_ops);
    return p && i < p->unusable.count ? p->unusable.items[i].path : NULL;
}

pqcha_err pqcha_process_backend_unusable_error(pqcha_backend *b, size_t i) {
    process_backend *p = pqcha__backend_self_if(b, &pqcha__process_backend_ops);
    return p && i < p->unusable.count ? p->unusable.items[i].why : PQCHA_ERR_INVALID_ARGUMENT;
}

/* The readable mappings that cover [address, address + length) without a
 * gap: *first and *count, or NO_SUCH_REGION. */
static pqcha_err find_covering(const pqcha__maps *m, uint64_t address, uint64_t length,
                               size_t *first, size_t *count) {
    uint64_t last = address + (length - 1);
    size_t i = 0;
    while (i < m->count && m->entries[i].end <= address)
        i++;
    if (i == m->count || m->entries[i].start > address) return PQCHA_ERR_NO_SUCH_REGION;
    size_t j = i;
    for (;;) {
        if (!pqcha__map_entry_readable(&m->entries[j])) return PQCHA_ERR_NO_SUCH_REGION;
        if (m->entries[j].end - 1 >= last) break;
        if (j + 1 == m->count || m->entries[j + 1].start != m->entries[j].end)
            return PQCHA_ERR_NO_SUCH_REGION; /* a hole in the range */
        j++;
    }
    *first = i;
    *count = j - i + 1;
    return PQCHA_OK;
}

static pqcha_err entry_for_range(proc_entry *out, int pid, const pqcha__maps *m, uint64_t address,
                                 uint64_t length, const char *region_id) {
    size_t first = 0, n = 0;
    PQCHA_TRY(find_covering(m, address, length, &first, &n));
    char default_id[32], what[64];
    snprintf(default_id, sizeof default_id, "range-0x%llx", (unsigned long long)address);
    snprintf(what, sizeof what, "0x%llx+%llu", (unsigned long long)address,
             (unsigned long long)length);
    out->pid = pid;
    PQCHA_TRY(create_region(&out->region, region_id != NULL ? region_id : default_id, pid, what,
                            address, length, pqcha__maps_protection(&m->entries[first], n)));
    return copy_pieces(out, &m->entries[first], n);
}

pqcha_err pqcha_process_backend_add_range(pqcha_backend *b, const char *workload_id, int pid,
                                          uint64_t address, uint64_t length,
                                          const char *region_id) {
    process_backend *p = pqcha__backend_self_if(b, &pqcha__process_backend_ops);
    PQCHA_TRY(check_common_args(p, workload_id, pid, region_id));
    if (length == 0) return PQCHA_ERR_INVALID_ARGUMENT;
    if (address > UINT64_MAX - (length - 1) || length > PQCHA_MAX_SAFE_INTEGER)
        return PQCHA_ERR_OUT_OF_RANGE;

    pqcha__maps maps = {NULL, 0};
    entry_list list = {NULL, 0};
    uint64_t start_time = 0;
    pqcha_err err = load_process_maps(pid, &maps, &start_time);
    if (err == PQCHA_OK) err = entry_list_grow(&list, 1);
    if (err == PQCHA_OK) {
        list.count = 1;
        err = entry_for_range(&list.items[0], pid, &maps, address, length, region_id);
    }
    if (err == PQCHA_OK) err = commit_entries(p, workload_id, &list, start_time);
    entry_list_free(&list);
    pqcha__maps_free(&maps);
    return err;
}

/* ---- what a process maps, for error messages ---- */

static int compare_entry_paths(const void *a, const void *b) {
    const pqcha__map_entry *x = *(const pqcha__map_entry *const *)a;
    const pqcha__map_entry *y = *(const pqcha__map_entry *const *)b;
    int c = strcmp(x->path, y->path);
    return c != 0 ? c : x->deleted - y->deleted;
}

/* The file mappings, sorted by path, so each distinct file is listed once. */
static pqcha_err sorted_file_entries(const pqcha__map_entry ***out, size_t *n,
                                     const pqcha__maps *m) {
    *n = 0;
    *out = malloc((m->count ? m->count : 1) * sizeof **out);
    if (*out == NULL) return PQCHA_ERR_NO_MEMORY;
    for (size_t i = 0; i < m->count; i++)
        if (pqcha__map_entry_is_file(&m->entries[i])) (*out)[(*n)++] = &m->entries[i];
    qsort(*out, *n, sizeof **out, compare_entry_paths);
    return PQCHA_OK;
}

static pqcha_err append_text(char **text, size_t *len, size_t *cap, const char *s) {
    size_t n = strlen(s);
    PQCHA_TRY(pqcha__grow(text, cap, *len + n + 1, 1, SIZE_MAX));
    memcpy(*text + *len, s, n + 1);
    *len += n;
    return PQCHA_OK;
}

pqcha_err pqcha_process_mapped_files(char **paths, int pid) {
    if (paths == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    *paths = NULL;
    if (pid <= 0) return PQCHA_ERR_INVALID_ARGUMENT;
    pqcha__maps maps = {NULL, 0};
    PQCHA_TRY(load_maps(pid, &maps));
    char *text = NULL;
    size_t len = 0, cap = 0, n = 0;
    const pqcha__map_entry **files = NULL;
    pqcha_err err = sorted_file_entries(&files, &n, &maps);
    if (err == PQCHA_OK) err = append_text(&text, &len, &cap, "");
    for (size_t i = 0; err == PQCHA_OK && i < n; i++) {
        const pqcha__map_entry *e = files[i];
        if (i > 0 && compare_entry_paths(&files[i - 1], &files[i]) == 0) continue;
        err = append_text(&text, &len, &cap, e->path);
        if (err == PQCHA_OK && e->deleted) err = append_text(&text, &len, &cap, " (deleted)");
        if (err == PQCHA_OK) err = append_text(&text, &len, &cap, "\n");
    }
    free(files);
    pqcha__maps_free(&maps);
    if (err != PQCHA_OK) {
        free(text);
        return err;
    }
    *paths = text;
    return PQCHA_OK;
}

/* ---- listing ---- */

static pqcha_err process_list_regions(void *self, const char *workload_id, pqcha_region ***regions,
                                      size_t *count) {
    process_backend *p = self;
    pqcha_err err = PQCHA_OK;
    pthread_mutex_lock(&p->lock);
    for (size_t i = 0; err == PQCHA_OK && i < p->count; i++) {
        if (strcmp(p->entries[i].workload_id, workload_id) != 0) continue;
        pqcha_region *copy = NULL;
        err = pqcha_region_copy(&copy, p->entries[i].region);
        if (err == PQCHA_OK) {
            err = pqcha__region_list_append(regions, count, copy);
            if (err != PQCHA_OK) pqcha_region_free(copy);
        }
    }
    pthread_mutex_unlock(&p->lock);
    return err;
}

/* ---- reading ---- */

/* Every piece is still mapped exactly as it was when the region was added. */
static pqcha_err check_pieces(int pid, const proc_piece *pieces, size_t n) {
    pqcha__maps maps = {NULL, 0};
    PQCHA_TRY(load_maps(pid, &maps));
    pqcha_err err = PQCHA_OK;
    size_t at = 0; /* both lists are in address order */
    for (size_t i = 0; err == PQCHA_OK && i < n; i++) {
        const proc_piece *want = &pieces[i];
        while (at < maps.count && maps.entries[at].start < want->start)
            at++;
        const pqcha__map_entry *e = at < maps.count ? &maps.entries[at] : NULL;
        if (e == NULL || e->start != want->start || e->end != want->end ||
            e->offset != want->offset || e->inode != want->inode ||
            e->dev_major != want->dev_major || e->dev_minor != want->dev_minor)
            err = PQCHA_ERR_REGION_CHANGED;
    }
    pqcha__maps_free(&maps);
    return err;
}

/* Reads remote memory: process_vm_readv, or /proc/PID/mem once that was
 * needed. One per read, so concurrent reads share nothing. */
typedef struct remote_reader {
    int pid;
    int mem_fd; /* -1 until process_vm_readv was refused */
} remote_reader;

static pqcha_err open_mem(remote_reader *rr) {
    return open_proc_file(&rr->mem_fd, rr->pid, "mem");
}

static pqcha_err pread_mem(const remote_reader *rr, uint64_t address, uint8_t *buf, size_t len) {
    size_t done = 0;
    while (done < len) {
        uint64_t at = address + done;
        if (at > (uint64_t)INT64_MAX) return PQCHA_ERR_OUT_OF_RANGE; /* not a user-space address */
        ssize_t n = pread(rr->mem_fd, buf + done, len - done, (off_t)at);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
            return errno == EIO || errno == EFAULT ? PQCHA_ERR_REGION_CHANGED
                                                   : proc_errno_to_err(errno);
        if (n == 0) return PQCHA_ERR_NO_SUCH_PROCESS; /* its address space is gone */
        done += (size_t)n;
    }
    return PQCHA_OK;
}

/* Exactly len bytes at address, or an error: a short read is never returned. */
static pqcha_err read_remote(remote_reader *rr, uint64_t address, uint8_t *buf, size_t len) {
    if (rr->mem_fd >= 0) return pread_mem(rr, address, buf, len);
    struct iovec local = {buf, len};
    struct iovec remote = {(void *)(uintptr_t)address, len};
    ssize_t n;
    do
        n = process_vm_readv(rr->pid, &local, 1, &remote, 1, 0);
    while (n < 0 && errno == EINTR);
    if (n >= 0)
        return (size_t)n == len ? PQCHA_OK : PQCHA_ERR_REGION_CHANGED; /* vanished or shrank */
    switch (errno) {
    case ENOSYS: /* a kernel or seccomp profile without the call */
    case EPERM:  /* refused; /proc/PID/mem may still be allowed */
        PQCHA_TRY(open_mem(rr));
        return pread_mem(rr, address, buf, len);
    case EFAULT: return PQCHA_ERR_REGION_CHANGED;
    default: return proc_errno_to_err(errno);
    }
}

/* The next chunk is copied out of the other process on a helper thread while
 * the sink hashes the current one: process_vm_readv is a memory copy done
 * by the kernel, and without the overlap it adds its whole time to hashing. */
typedef struct prefetch {
    remote_reader *rr;
    uint64_t address;
    uint8_t *buffer;
    size_t len;
    pqcha_err err;
} prefetch;

static void *prefetch_main(void *arg) {
    prefetch *pf = arg;
    pf->err = read_remote(pf->rr, pf->address, pf->buffer, pf->len);
    return NULL;
}

/* Starts reading a chunk; without a thread it reads it here and now. The
 * reader (rr) is only ever used by one thread at a time: the caller joins
 * before the next start. */
static int prefetch_start(pthread_t *thread, prefetch *pf) {
    if (pthread_create(thread, NULL, prefetch_main, pf) == 0) return 1;
    prefetch_main(pf);
    return 0;
}

static pqcha_err stream_remote(int pid, uint64_t address, uint64_t size, pqcha_chunk_sink sink,
                               void *sink_ctx) {
    size_t buffer_len = size < PQCHA__IO_CHUNK ? (size_t)size : PQCHA__IO_CHUNK;
    int pipelined = size > buffer_len; /* two buffers only when there is a next chunk */
    uint8_t *buffers[2] = {malloc(buffer_len ? buffer_len : 1),
                           pipelined ? malloc(buffer_len) : NULL};
    if (buffers[0] == NULL || (pipelined && buffers[1] == NULL)) {
        free(buffers[0]);
        free(buffers[1]);
        return PQCHA_ERR_NO_MEMORY;
    }
    remote_reader rr = {pid, -1};
    size_t first = size < buffer_len ? (size_t)size : buffer_len;
    pqcha_err err = read_remote(&rr, address, buffers[0], first);
    uint64_t done = 0;
    size_t current_len = first;
    int current = 0;
    while (err == PQCHA_OK && done < size) {
        uint64_t next_at = done + current_len;
        uint64_t left = size - next_at;
        prefetch pf = {&rr, address + next_at, buffers[1 - current],
                       left < buffer_len ? (size_t)left : buffer_len, PQCHA_OK};
        pthread_t thread;
        int threaded = left > 0 ? prefetch_start(&thread, &pf) : 0;
        err = sink(sink_ctx, buffers[current], current_len);
        if (threaded) pthread_join(thread, NULL);
        if (err == PQCHA_OK) err = pf.err;
        done = next_at;
        current_len = pf.len;
        current = 1 - current;
    }
    if (rr.mem_fd >= 0) close(rr.mem_fd);
    free(buffers[0]);
    free(buffers[1]);
    return err;
}

/* Copies what a read needs out of the entry, so the lock is not held while reading. */
static pqcha_err snapshot_entry(process_backend *p, const char *workload_id,
                                const pqcha_region *region, int *pid, uint64_t *start_time,
                                proc_piece **pieces, size_t *piece_count) {
    pqcha_err err = PQCHA_OK;
    pthread_mutex_lock(&p->lock);
    const proc_entry *e = find_entry(p, workload_id, region->id);
    if (e == NULL)
        err = PQCHA_ERR_NO_SUCH_REGION;
    else if (e->region->size != region->size || e->region->address != region->address)
        err = PQCHA_ERR_REGION_CHANGED; /* the caller's view of the region is stale */
    else if ((*pieces = malloc(e->piece_count * sizeof **pieces)) == NULL)
        err = PQCHA_ERR_NO_MEMORY;
    if (err == PQCHA_OK) {
        memcpy(*pieces, e->pieces, e->piece_count * sizeof **pieces);
        *piece_count = e->piece_count;
        *pid = e->pid;
        *start_time = e->start_time;
    }
    pthread_mutex_unlock(&p->lock);
    return err;
}

static pqcha_err process_read_region(void *self, const char *workload_id,
                                     const pqcha_region *region, pqcha_chunk_sink sink,
                                     void *sink_ctx) {
    process_backend *p = self;
    proc_piece *pieces = NULL;
    size_t piece_count = 0;
    int pid = 0;
    uint64_t start_time = 0;
    pqcha_err err =
        snapshot_entry(p, workload_id, region, &pid, &start_time, &pieces, &piece_count);
    /* Checked before (the process may have remapped, or be another process
     * under a reused PID, since listing) and after (the same, while we read). */
    if (err == PQCHA_OK) err = check_same_process(pid, start_time);
    if (err == PQCHA_OK) err = check_pieces(pid, pieces, piece_count);
    if (err == PQCHA_OK) err = stream_remote(pid, region->address, region->size, sink, sink_ctx);
    if (err == PQCHA_OK) err = check_pieces(pid, pieces, piece_count);
    if (err == PQCHA_OK) err = check_same_process(pid, start_time);
    free(pieces);
    return err;
}

/* ---- random access (backend_internal.h) ---- */

/* One region being read by the hashing threads: the checks of
 * process_read_region before and after, and reads that share no state. */
typedef struct process_positional {
    remote_reader rr; /* its method fixed at open: process_vm_readv, or /proc/PID/mem */
    uint64_t address, start_time;
    proc_piece *pieces;
    size_t piece_count;
} process_positional;

static pqcha_err process_positional_finish(void *reader, pqcha_err err) {
    process_positional *pp = reader;
    if (err == PQCHA_OK) err = check_pieces(pp->rr.pid, pp->pieces, pp->piece_count);
    if (err == PQCHA_OK) err = check_same_process(pp->rr.pid, pp->start_time);
    if (pp->rr.mem_fd >= 0) close(pp->rr.mem_fd);
    free(pp->pieces);
    free(pp);
    return err;
}

static pqcha_err process_positional_open(void *self, const char *workload_id,
                                         const pqcha_region *region, void **reader) {
    process_positional *pp = calloc(1, sizeof *pp);
    *reader = NULL;
    if (pp == NULL) return PQCHA_ERR_NO_MEMORY;
    pp->rr.mem_fd = -1;
    pp->address = region->address;
    pqcha_err err = snapshot_entry(self, workload_id, region, &pp->rr.pid, &pp->start_time,
                                   &pp->pieces, &pp->piece_count);
    if (err == PQCHA_OK) err = check_same_process(pp->rr.pid, pp->start_time);
    if (err == PQCHA_OK) err = check_pieces(pp->rr.pid, pp->pieces, pp->piece_count);
    /* One byte read here settles the method (read_remote falls back to
     * /proc/PID/mem where process_vm_readv is refused) before the threads
     * read at once. */
    uint8_t first;
    if (err == PQCHA_OK) err = read_remote(&pp->rr, pp->address, &first, 1);
    if (err != PQCHA_OK) {
        pp->piece_count = 0;
        return process_positional_finish(pp, err);
    }
    *reader = pp;
    return PQCHA_OK;
}

static pqcha_err process_positional_read(void *reader, uint64_t offset, uint8_t *buf, size_t len) {
    process_positional *pp = reader;
    /* The method is settled: no thread changes the shared reader any more.
     * Should process_vm_readv be refused now all the same, this read falls
     * back to /proc/PID/mem on a descriptor of its own, closed here. */
    remote_reader rr = pp->rr;
    pqcha_err err = read_remote(&rr, pp->address + offset, buf, len);
    if (rr.mem_fd != pp->rr.mem_fd) close(rr.mem_fd);
    return err;
}

const pqcha__positional_ops pqcha__process_positional_ops = {
    .open = process_positional_open,
    .read = process_positional_read,
    .finish = process_positional_finish,
};

const pqcha_backend_ops pqcha__process_backend_ops = {
    .name = "process",
    .platform = "process",
    .list_regions = process_list_regions,
    .read_region = process_read_region,
    .destroy = process_destroy,
    .flags = PQCHA_BACKEND_CONCURRENT_READS,
};
