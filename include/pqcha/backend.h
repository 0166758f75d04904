/* pqcha/backend.h — where region bytes come from.
 *
 * A backend lists a workload's regions and streams one region's bytes to a
 * sink in chunks, so a region is never materialised whole. Backends are
 * created by name from a registry: "in-memory", "file", "process",
 * "amd-sev-snp", "intel-tdx". An unknown name is PQCHA_ERR_UNKNOWN_BACKEND.
 */
#ifndef PQCHA_BACKEND_H
#define PQCHA_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "pqcha/crypto.h"
#include "pqcha/error.h"
#include "pqcha/manifest.h"
#include "pqcha/report.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Receives consecutive chunks of a region; a non-OK return aborts the read
 * and is passed back to the caller of pqcha_backend_read. */
typedef pqcha_err (*pqcha_chunk_sink)(void *sink_ctx, const uint8_t *data, size_t len);

/* The interface a backend implements (also for backends outside libpqcha). */
typedef struct pqcha_backend_ops {
    const char *name;     /* registry name, e.g. "file" */
    const char *platform; /* platform recorded in reports, e.g. "file" */
    /* Appends copies of the workload's regions, in a stable order, to *regions
     * (an array of *count pointers that the backend grows with realloc). An
     * unknown workload yields zero regions, not an error. */
    pqcha_err (*list_regions)(void *self, const char *workload_id, pqcha_region ***regions,
                              size_t *count);
    /* Streams exactly pqcha_region_size(region) bytes to sink. A region whose
     * size changed is PQCHA_ERR_REGION_CHANGED; unknown is PQCHA_ERR_NO_SUCH_REGION. */
    pqcha_err (*read_region)(void *self, const char *workload_id, const pqcha_region *region,
                             pqcha_chunk_sink sink, void *sink_ctx);
    void (*destroy)(void *self);
    /* PQCHA_BACKEND_* capability bits. */
    unsigned flags;
} pqcha_backend_ops;

/* read_region may run on several threads at once (the attester then hashes
 * small regions in parallel). Without it, reads are never concurrent. */
#define PQCHA_BACKEND_CONCURRENT_READS 1u

typedef struct pqcha_backend pqcha_backend;

/* Creates a built-in backend by registry name.
 * Returns: OK, INVALID_ARGUMENT, UNKNOWN_BACKEND, NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_backend_create(pqcha_backend **out, const char *name);
/* Wraps a caller-provided implementation; ops must outlive the backend, and
 * pqcha_backend_free passes self to ops->destroy (if not NULL).
 * Returns: OK, INVALID_ARGUMENT (out or ops NULL, or ops without name,
 * platform, list_regions or read_region), BAD_IDENTIFIER (the platform is
 * not a valid identifier), NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_backend_create_custom(pqcha_backend **out, const pqcha_backend_ops *ops,
                                      void *self);
/* The built-in registry names, NULL-terminated. */
const char *const *pqcha_backend_names(void);
const char *pqcha_backend_name(const pqcha_backend *b);
const char *pqcha_backend_platform(const pqcha_backend *b);
unsigned pqcha_backend_flags(const pqcha_backend *b); /* PQCHA_BACKEND_* bits */
void pqcha_backend_free(pqcha_backend *b);

/* Lists regions; free the result with pqcha_region_list_free.
 * Returns: OK, INVALID_ARGUMENT, BAD_IDENTIFIER (workload id), TOO_LARGE (more
 * than PQCHA_MAX_REGIONS), INTERNAL (a backend listed a NULL region),
 * NO_MEMORY, or the backend's own error (DEVICE_NOT_PRESENT for
 * "amd-sev-snp" and "intel-tdx"). */
PQCHA_MUST_CHECK
pqcha_err pqcha_backend_list_regions(pqcha_backend *b, const char *workload_id,
                                     pqcha_region ***regions, size_t *count);
void pqcha_region_list_free(pqcha_region **regions, size_t count);
/* Streams the region's bytes to sink, checking that exactly
 * pqcha_region_size(region) bytes arrive.
 * Returns: OK, INVALID_ARGUMENT, REGION_CHANGED (more or fewer bytes, or the
 * region changed since it was listed), the sink's error, or the backend's:
 * for the built-in ones NO_SUCH_REGION, NOT_FOUND, PERMISSION, IS_DIRECTORY,
 * BACKEND_IO, NO_SUCH_PROCESS, DEVICE_NOT_PRESENT, NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_backend_read(pqcha_backend *b, const char *workload_id, const pqcha_region *region,
                             pqcha_chunk_sink sink, void *sink_ctx);
/* Streams the region into h (created, threads set, not yet updated), first
 * announcing the region's size with pqcha_hasher_expect_length, so a tree
 * hasher records node digests and a region that grew or shrank is refused.
 * The caller finals h.
 * Returns: as pqcha_backend_read (INVALID_ARGUMENT also for an h already
 * updated or given a length), and pqcha_hasher_update's errors. */
PQCHA_MUST_CHECK
pqcha_err pqcha_backend_hash(pqcha_backend *b, const char *workload_id, const pqcha_region *region,
                             pqcha_hasher *h);
/* Streams the region through a hasher: digest is pqcha_digest_alg_length(alg) bytes.
 * threads as for pqcha_hasher_set_threads (1 = this thread only, 0 = all CPUs).
 * On an error after the argument checks digest is all zeros.
 * Returns: as pqcha_backend_hash; INVALID_ARGUMENT also for digest_len below
 * the algorithm's length; UNSUPPORTED_ALGORITHM (unknown, or
 * sha3-256-segments); CRYPTO. */
PQCHA_MUST_CHECK
pqcha_err pqcha_backend_digest(pqcha_backend *b, const char *workload_id,
                               const pqcha_region *region, pqcha_digest_alg alg, unsigned threads,
                               uint8_t *digest, size_t digest_len);

/* ---- "in-memory": regions registered by the caller, ids scoped per workload ---- */
/* Copies data (len must equal the region's size: PQCHA_ERR_INVALID_ARGUMENT).
 * Registering an id that the workload already has is PQCHA_ERR_REGION_EXISTS.
 * Returns: OK, INVALID_ARGUMENT (NULL, not an "in-memory" backend, the
 * length rule), BAD_IDENTIFIER (workload id), REGION_EXISTS, TOO_LARGE (more
 * than PQCHA_MAX_REGIONS regions), NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_memory_backend_register(pqcha_backend *b, const char *workload_id,
                                        const pqcha_region *region, const void *data, size_t len);
/* Replaces a region's bytes (same length rule); PQCHA_ERR_NO_SUCH_REGION if unknown.
 * Returns: OK, INVALID_ARGUMENT, NO_SUCH_REGION, NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_memory_backend_update(pqcha_backend *b, const char *workload_id,
                                      const char *region_id, const void *data, size_t len);

/* ---- "file": a whole file or a byte range of one ----
 * length 0 means "to the end of the file". The region's address is the file
 * offset, its protection RO. The file is opened and checked now
 * (PQCHA_ERR_NOT_FOUND, PQCHA_ERR_PERMISSION, PQCHA_ERR_IS_DIRECTORY,
 * PQCHA_ERR_BACKEND_IO, PQCHA_ERR_OUT_OF_RANGE if the
 * range lies beyond the end) and read again at every digest. The path is
 * also the region's description.
 * Returns: OK, INVALID_ARGUMENT (NULL, empty path, not a "file" backend),
 * BAD_IDENTIFIER (an id, or a path that is not UTF-8 without control
 * characters), NOT_FOUND, PERMISSION, IS_DIRECTORY, BACKEND_IO (not a regular
 * file, or unreadable), OUT_OF_RANGE, TOO_LARGE (a path above
 * PQCHA_MAX_DESCRIPTION_LEN bytes, or more than PQCHA_MAX_REGIONS regions),
 * REGION_EXISTS, NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_file_backend_add(pqcha_backend *b, const char *workload_id, const char *region_id,
                                 const char *path, uint64_t offset, uint64_t length);

/* ---- "process": regions read from a live process's memory (Linux) ----
 * Each call reads /proc/PID/maps now and adds the regions it selects; the
 * bytes are read at every digest with process_vm_readv (falling back to
 * /proc/PID/mem), in chunks, and the mapping is checked again after the read.
 * Adjacent mappings of the same file (same device and inode, contiguous
 * addresses and file offsets) merge into one region, clamped to the file's
 * size, which records address, size, file, file offset and protection.
 * The process is identified by its PID and start time, so a PID reused by
 * another process after the workload exited reads as PQCHA_ERR_NO_SUCH_PROCESS.
 * Errors: PQCHA_ERR_NO_SUCH_PROCESS, PQCHA_ERR_PERMISSION (same uid,
 * CAP_SYS_PTRACE, kernel.yama.ptrace_scope), PQCHA_ERR_NO_SUCH_REGION when a
 * selector matches nothing, PQCHA_ERR_REGION_CHANGED when a mapping vanished,
 * shrank or was replaced between listing and reading. */

/* Every mapping whose file matches glob (fnmatch): a glob with '/' is
 * matched against the whole path ('*' matching '/' too, e.g. "/models/llama*"),
 * one without against the file's base name ("model.gguf", "*.gguf").
 * region_id NULL: the manifest entry's name when a manifest describes the
 * file (pqcha_process_backend_set_manifest), else the base name (one region
 * per distinct file). A mapping it cannot use fails the call.
 * Returns: OK, INVALID_ARGUMENT (NULL or empty glob, pid <= 0, not a
 * "process" backend), BAD_IDENTIFIER (an id, or a mapped path that gives no
 * valid one), NO_SUCH_PROCESS, PERMISSION, NO_SUCH_REGION, REGION_CHANGED,
 * REGION_EXISTS (an id the workload has, or one id for several regions),
 * TOO_LARGE (more than PQCHA_MAX_REGIONS regions), BACKEND_IO, NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_process_backend_add_mappings(pqcha_backend *b, const char *workload_id, int pid,
                                             const char *glob, const char *region_id);
/* Every mapping of the file at path, found by its device and inode, so a
 * symlinked model, a bind mount or a container whose paths differ from the
 * attester's still match. NOT_FOUND if path does not exist, NO_SUCH_REGION
 * if the process does not map it. region_id NULL: as above.
 * Returns: as pqcha_process_backend_add_mappings; INVALID_ARGUMENT also for a
 * path that is not a regular file; NOT_FOUND; IO (path cannot be examined). */
PQCHA_MUST_CHECK
pqcha_err pqcha_process_backend_add_file(pqcha_backend *b, const char *workload_id, int pid,
                                         const char *path, const char *region_id);

/* Tensor tables. A mapping region of a safetensors or GGUF file carries the
 * tensors that lie wholly inside it (pqcha_region_add_tensor), so the
 * attester measures it tensor by tensor (sha3-256-segments). They come from
 * the manifest entry that describes the file, if a manifest is set (it is
 * borrowed: keep it until the regions are added; entries match by region id,
 * base name, or as the only entry of the file's size, and always by size),
 * else from the file's own header, read through its path or, for a deleted
 * file, through /proc/PID/map_files (CAP_SYS_ADMIN). A file whose header
 * cannot be read is still measured, as a whole: the note says why. Call
 * these before adding regions, not while another thread adds them; m NULL
 * drops the manifest.
 * Returns: OK, INVALID_ARGUMENT (not a "process" backend). */
PQCHA_MUST_CHECK
pqcha_err pqcha_process_backend_set_manifest(pqcha_backend *b, const pqcha_manifest *m);
/* enabled 0: measure every mapping as a whole (no tensor tables).
 * Returns: OK, INVALID_ARGUMENT (not a "process" backend). */
PQCHA_MUST_CHECK
pqcha_err pqcha_process_backend_set_tensor_tables(pqcha_backend *b, int enabled);
/* Why the region has no tensor table although tables are enabled, e.g. "no
 * tensor table: permission denied"; NULL when it has one or is no model file
 * that could. Valid until the backend is freed. */
const char *pqcha_process_backend_tensor_note(pqcha_backend *b, const char *workload_id,
                                              const char *region_id);

/* The distinct files a process maps, one path per line ('\n'-terminated;
 * the kernel escapes newlines in names), " (deleted)" after files gone from
 * disk; for error messages that say what a process does map. Free with
 * pqcha_free.
 * Returns: OK, INVALID_ARGUMENT (paths NULL, pid <= 0), NO_SUCH_PROCESS,
 * PERMISSION, BACKEND_IO, TOO_LARGE (a memory map above 64 MiB), NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_process_mapped_files(char **paths, int pid);
/* length bytes from address (must lie inside mappings). region_id NULL:
 * "range-0x<address>".
 * Returns: OK, INVALID_ARGUMENT (length 0, pid <= 0, NULL, not a "process"
 * backend), OUT_OF_RANGE (address + length past 2^64, length above 2^53-1),
 * BAD_IDENTIFIER, NO_SUCH_PROCESS, PERMISSION, NO_SUCH_REGION (not wholly
 * inside readable mappings), REGION_EXISTS, TOO_LARGE, BACKEND_IO, NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_process_backend_add_range(pqcha_backend *b, const char *workload_id, int pid,
                                          uint64_t address, uint64_t length, const char *region_id);
/* All read-only (no write permission), file-backed mappings, one region per
 * file. A mapping that cannot be used (a file name that is no valid id or
 * description, a file replaced on disk or unreadable) is skipped and listed
 * by pqcha_process_backend_unusable_*; NO_SUCH_REGION when none is usable.
 * Returns: OK, INVALID_ARGUMENT, BAD_IDENTIFIER (workload id),
 * NO_SUCH_PROCESS, PERMISSION, NO_SUCH_REGION, REGION_EXISTS, TOO_LARGE,
 * BACKEND_IO, NO_MEMORY. */
PQCHA_MUST_CHECK
pqcha_err pqcha_process_backend_add_readonly_files(pqcha_backend *b, const char *workload_id,
                                                   int pid);

/* The mappings the last add_mappings, add_file or add_readonly_files call
 * could not use, each path once, and why: skipped by add_readonly_files; for
 * the others the mapping whose error the call returned. Paths are what the
 * kernel shows: untrusted text, escape it before printing. Valid until the
 * next add call or pqcha_backend_free; not for use while another thread
 * adds regions. For another backend or i out of range: 0 and NULL. */
size_t pqcha_process_backend_unusable_count(pqcha_backend *b);
const char *pqcha_process_backend_unusable_path(pqcha_backend *b, size_t i);
/* Returns: the error that made mapping i unusable (e.g. BAD_IDENTIFIER,
 * REGION_CHANGED, PERMISSION); INVALID_ARGUMENT for another backend or i out
 * of range. */
PQCHA_MUST_CHECK
pqcha_err pqcha_process_backend_unusable_error(pqcha_backend *b, size_t i);

#ifdef __cplusplus
}
#endif
#endif
