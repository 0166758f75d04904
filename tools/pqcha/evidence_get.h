/* evidence_get.h — "pqcha evidence get" (evidence_get.c), which the
 * "evidence" command hands its "get" action to. */
#ifndef PQCHA_EVIDENCE_GET_H
#define PQCHA_EVIDENCE_GET_H

/* argv[0] is "get"; the options follow. Returns the exit code. */
int cli_evidence_get_main(int argc, char **argv);

#endif
