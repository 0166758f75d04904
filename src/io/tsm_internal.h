/* tsm_internal.h — test hooks of the configfs-tsm client (tsm_report.c),
 * so that tests can emulate /sys/kernel/config/tsm/report in a plain
 * directory, deterministically, without threads or timing. Not exported
 * (pqcha__ prefix). Never set outside tests: they are one process-wide
 * setting, read without a lock. */
#ifndef PQCHA_TSM_INTERNAL_H
#define PQCHA_TSM_INTERNAL_H

#include <stdint.h>

#include "pqcha/tee.h"

struct pqcha__tsm_hooks {
    void *ctx;
    /* Right after the entry directory was made, before anything in it is
     * read: the test creates what configfs would (provider, generation,
     * privlevel_floor, and empty inblob and privlevel files to write to). */
    void (*after_mkdir)(void *ctx, const char *entry_path);
    /* After inblob was written and closed, before outblob is read: the test
     * plays the provider (writes outblob, auxblob, bumps generation).
     * Returns 0, or an errno the outblob read then fails with (EBUSY...). */
    int (*after_inblob)(void *ctx, const char *entry_path,
                        const uint8_t report_data[PQCHA_TEE_REPORT_DATA_LEN]);
    /* Before the entry is removed, on every path that made it: the test
     * removes the files it created. configfs removes an entry's attributes
     * with the entry; a plain directory must be empty first, and the
     * library itself never unlinks anything under the tsm root (on configfs
     * that fails anyway, and elsewhere it is not pqcha's to delete). */
    void (*before_rmdir)(void *ctx, const char *entry_path);
};

/* Installs hooks (copied), or removes them (NULL). */
void pqcha__tsm_set_test_hooks(const struct pqcha__tsm_hooks *hooks);

#endif
