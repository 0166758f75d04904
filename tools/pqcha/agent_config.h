/* agent_config.h — "pqcha agent"'s configuration file: a JSON object of
 * the attester's options under their names ("key", "regions", "pid"...;
 * attester_setup.h builds the attester from them) and the agent's own keys
 * (where to deliver, where to spool, how often). Apart from the agent so
 * that the decoder is fuzzed (tests/fuzz/fuzz_agent_config.c). */
#ifndef PQCHA_AGENT_CONFIG_H
#define PQCHA_AGENT_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "attester_setup.h"
#include "service/spool.h"

struct agent_config {
    char *verifier;
    char *token_file, *ca_file, *spool_dir, *receipts;
    int64_t interval_ms, connect_timeout_ms, timeout_ms;
    spool_limits limits;
    struct attester_options attester;
    char **strings; /* what attester points into */
    size_t string_count;
};

/* Parses the text of the file at path (named in messages; relative paths
 * in the file are relative to its directory) into c, every member set
 * (defaults for what the file leaves out). Returns 1, or 0 after printing
 * what is wrong; c is to be freed either way. */
int agent_config_parse(struct agent_config *c, const char *path, const char *text, size_t len);
/* Reads the file (at most 1 MiB) and parses it, as above. */
int agent_config_load(struct agent_config *c, const char *path);
void agent_config_free(struct agent_config *c);

#endif
