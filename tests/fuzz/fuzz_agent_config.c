/* fuzz_agent_config.c — libFuzzer target for "pqcha agent"'s configuration
 * decoder (tools/pqcha/agent_config.c, with the attester's option parser it
 * hands each key to): any bytes are parsed or refused with a message,
 * nothing else; a configuration that parses has everything the agent then
 * relies on. Parsing reads no file (the key, manifest and regions are opened
 * when the attester is built), so inputs naming any path are safe. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent_config.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every refused input prints why, as the agent does: -close_fd_mask=2
 * drops that and keeps libFuzzer's and the sanitizers' own reports (the
 * flags are parsed after this returns). */
int LLVMFuzzerInitialize(int *argc, char ***argv) {
    static char quiet[] = "-close_fd_mask=2";
    static char *args[256];
    int n = *argc < 254 ? *argc : 254;
    for (int i = 0; i < n; i++)
        args[i] = (*argv)[i];
    args[n] = quiet;
    args[n + 1] = NULL;
    *argc = n + 1;
    *argv = args;
    return 0;
}

static void check_parsed(const struct agent_config *c) {
    if (!c->verifier ||
        (strncmp(c->verifier, "http://", 7) != 0 && strncmp(c->verifier, "https://", 8) != 0))
        abort();
    if (!c->attester.key_path || !c->attester.workload || !c->spool_dir) abort();
    /* relative paths were made relative to the file's directory */
    if (c->spool_dir[0] != '/') abort();
    if (c->interval_ms < 0 || c->limits.max_reports == 0 || c->limits.max_bytes == 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct agent_config c;
    if (agent_config_parse(&c, "/fuzz/conf/agent.json", (const char *)data, size)) check_parsed(&c);
    agent_config_free(&c);
    return 0;
}
