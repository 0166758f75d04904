/* evidence_roots.h — the vendor roots and AMD chains that ship with pqcha
 * (share/pqcha/roots and share/pqcha/chains; share/pqcha/README.md says
 * where each came from), for "pqcha evidence verify" without --root or
 * --chain. Only the CLI reads files: the library is given their bytes. */
#ifndef PQCHA_EVIDENCE_ROOTS_H
#define PQCHA_EVIDENCE_ROOTS_H

#include <stddef.h>

#include "pqcha.h"

#define EVIDENCE_SHIPPED_MAX  4
#define EVIDENCE_SHIPPED_PATH 4096

struct evidence_shipped {
    char dir[EVIDENCE_SHIPPED_PATH]; /* the data directory used */
    const char *found_by;            /* how: "--roots-dir", "the build tree", ... */
    char roots[EVIDENCE_SHIPPED_MAX][EVIDENCE_SHIPPED_PATH];
    size_t root_count;
    /* AMD's chains to try, in order (several while the product is unknown). */
    char chains[EVIDENCE_SHIPPED_MAX][EVIDENCE_SHIPPED_PATH];
    size_t chain_count;
};

/* Finds the data directory — dir_option (--roots-dir) if given, else the
 * first that exists of: the build tree's copy when pqcha runs from the
 * directory it was built in, the installed one relative to the executable
 * (BINDIR/../share/pqcha, so a moved prefix or DESTDIR stage works), the
 * install directory compiled in — and picks from it for e: the roots to
 * pin when want_roots (SEV-SNP: the ARK of the report's product, every AMD
 * ARK while the product is unknown; TDX: the Intel SGX Root CA), and AMD's
 * chains when want_chain (the ASK or, for a VLEK, the ASVK chain of the
 * report's product, or of each product in turn). A directory or file that
 * someone other than root or this user owns, or that others may write to,
 * is refused: whoever can change it chooses what is trusted.
 * Returns 1, or 0 after printing why (nothing found, refused, missing). */
int evidence_shipped_pick(struct evidence_shipped *out, const pqcha_evidence *e,
                          const char *dir_option, int want_roots, int want_chain);
/* Every root that ships (each AMD product's ARK and the Intel SGX Root
 * CA), from the data directory found as above: for a verifier of a whole
 * fleet ("pqcha serve"). Returns 1, or 0 after printing why. */
int evidence_shipped_all_roots(struct evidence_shipped *out, const char *dir_option);

#endif
