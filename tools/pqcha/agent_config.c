/* agent_config.c — the agent's configuration file (agent_config.h): each
 * attester key handed to the attester's own option parser, so the file
 * and "pqcha attest" accept the same values and refuse the same ones. */
#include "agent_config.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define AGENT_CMD           "agent"
#define MAX_CONFIG_BYTES    (1u << 20)
#define MAX_SECONDS         (7 * 24 * 3600)
#define DEFAULT_INTERVAL_MS 10000
#define DEFAULT_MAX_REPORTS 1000
#define DEFAULT_MAX_BYTES   (100u << 20)

struct config_parser {
    struct agent_config *cfg;
    const char *path;
    char *dir; /* the file's directory, for relative paths; NULL: it has none */
};

void agent_config_free(struct agent_config *c) {
    attester_options_free(&c->attester);
    for (size_t i = 0; i < c->string_count; i++)
        free(c->strings[i]);
    free(c->strings);
    free(c->verifier);
    free(c->token_file);
    free(c->ca_file);
    free(c->spool_dir);
    free(c->receipts);
    memset(c, 0, sizeof *c);
}

static int config_error(const struct config_parser *p, const char *fmt, ...) CLI_PRINTF(2, 3);
static int config_error(const struct config_parser *p, const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "pqcha %s: %s: ", AGENT_CMD, cli_escaped(p->path));
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 0;
}

/* Keeps a string for as long as the configuration (the attester's options
 * point into it); NULL after reporting no memory. */
static const char *keep(struct config_parser *p, char *text) {
    char **grown =
        text ? realloc(p->cfg->strings, (p->cfg->string_count + 1) * sizeof *grown) : NULL;
    if (!grown) {
        free(text);
        config_error(p, "out of memory");
        return NULL;
    }
    p->cfg->strings = grown;
    grown[p->cfg->string_count++] = text;
    return text;
}

static char *joined(const char *dir, const char *prefix, size_t prefix_len, const char *path) {
    size_t len = prefix_len + (dir ? strlen(dir) + 1 : 0) + strlen(path) + 1;
    char *out = malloc(len);
    if (out)
        snprintf(out, len, "%.*s%s%s%s", (int)prefix_len, prefix, dir ? dir : "", dir ? "/" : "",
                 path);
    return out;
}

/* A path as written in the file: relative ones are relative to the file.
 * prefix_len bytes of text before the path are kept as they are ("ID="). */
static char *resolved(const struct config_parser *p, const char *text, size_t prefix_len) {
    const char *path = text + prefix_len;
    return joined(path[0] == '/' ? NULL : p->dir, text, prefix_len, path);
}

static int seconds_ms(json_t *value, int64_t *out) {
    if (json_is_integer(value)) {
        json_int_t s = json_integer_value(value);
        if (s < 0 || s > MAX_SECONDS) return 0;
        *out = (int64_t)s * 1000;
        return 1;
    }
    double s = json_real_value(value);
    if (!json_is_real(value) || !(s >= 0.0 && s <= (double)MAX_SECONDS)) return 0;
    *out = (int64_t)(s * 1000.0 + 0.5);
    return 1;
}

static int count_value(json_t *value, uint64_t *out) {
    if (!json_is_integer(value) || json_integer_value(value) < 0) return 0;
    *out = (uint64_t)json_integer_value(value);
    return 1;
}

/* ---- keys handed to the attester's option parser ---- */

enum key_kind {
    KEY_TEXT,    /* a string */
    KEY_PATH,    /* a string naming a file */
    KEY_TEXTS,   /* an array of strings */
    KEY_REGIONS, /* an array of "ID=FILE..." */
    KEY_MAPS,    /* an array of "[ID=]GLOB", a GLOB with '/' and no wildcard being a path */
    KEY_NUMBER,  /* a non-negative integer */
    KEY_FLAG     /* a boolean: the option when true */
};

struct attester_key {
    const char *name;
    enum key_kind kind;
    int opt;
};

static const struct attester_key attester_keys[] = {
    {"key", KEY_PATH, 'k'},
    {"workload", KEY_TEXT, 'w'},
    {"regions", KEY_REGIONS, 'r'},
    {"pid", KEY_NUMBER, ATTESTER_OPT_PID},
    {"pidFile", KEY_PATH, ATTESTER_OPT_PID_FILE},
    {"map", KEY_MAPS, ATTESTER_OPT_MAP},
    {"range", KEY_TEXTS, ATTESTER_OPT_RANGE},
    {"readonlyFiles", KEY_FLAG, ATTESTER_OPT_READONLY_FILES},
    {"manifest", KEY_PATH, ATTESTER_OPT_MANIFEST},
    {"noTensors", KEY_FLAG, ATTESTER_OPT_NO_TENSORS},
    {"ttl", KEY_NUMBER, ATTESTER_OPT_TTL},
    {"expect", KEY_TEXTS, ATTESTER_OPT_EXPECT},
    {"digest", KEY_TEXT, ATTESTER_OPT_DIGEST},
    {"threads", KEY_NUMBER, ATTESTER_OPT_THREADS},
    {"binding", KEY_TEXT, ATTESTER_OPT_BINDING},
    {"tsmRoot", KEY_PATH, ATTESTER_OPT_TSM_ROOT},
    {"device", KEY_PATH, ATTESTER_OPT_DEVICE},
    {"privlevel", KEY_NUMBER, ATTESTER_OPT_PRIVLEVEL},
};

/* One option for the attester; its parser prints what is wrong, this says
 * where in the file. */
static int feed(struct config_parser *p, const char *key, int opt, const char *value) {
    if (attester_option(&p->cfg->attester, AGENT_CMD, opt, value) == 1) return 1;
    return config_error(p, "the value of \"%s\" above is refused", key);
}

/* Where the path starts in a value: at 0 for a file key; after "ID=" in a
 * region (ID=FILE...) or a map ([ID=]GLOB); SIZE_MAX where there is none to
 * resolve (plain text, a region without '=', a map that is a glob rather
 * than a path: one with '/' and no wildcard is found by device and inode). */
static size_t path_offset(enum key_kind kind, const char *text) {
    if (kind == KEY_PATH) return 0;
    const char *equals = strchr(text, '=');
    size_t offset = equals ? (size_t)(equals - text + 1) : 0;
    if (kind == KEY_REGIONS) return equals ? offset : SIZE_MAX;
    const char *glob = text + offset;
    int is_path = strchr(glob, '/') != NULL && strpbrk(glob, "*?[") == NULL;
    return kind == KEY_MAPS && is_path ? offset : SIZE_MAX;
}

static int feed_string(struct config_parser *p, const struct attester_key *k, const char *text) {
    size_t offset = path_offset(k->kind, text);
    const char *value = keep(p, offset != SIZE_MAX ? resolved(p, text, offset) : strdup(text));
    return value && feed(p, k->name, k->opt, value);
}

static int feed_array(struct config_parser *p, const struct attester_key *k, json_t *array) {
    size_t i;
    json_t *item;
    if (!json_is_array(array))
        return config_error(p, "\"%s\": expected an array of strings", k->name);
    json_array_foreach(array, i, item) {
        if (!json_is_string(item))
            return config_error(p, "\"%s\"[%zu]: expected a string", k->name, i);
        if (!feed_string(p, k, json_string_value(item))) return 0;
    }
    return 1;
}

static int feed_key(struct config_parser *p, const struct attester_key *k, json_t *value) {
    char number[32];
    uint64_t n;
    switch (k->kind) {
    case KEY_TEXT:
    case KEY_PATH:
        if (!json_is_string(value)) return config_error(p, "\"%s\": expected a string", k->name);
        return feed_string(p, k, json_string_value(value));
    case KEY_NUMBER:
        if (!count_value(value, &n))
            return config_error(p, "\"%s\": expected a non-negative integer", k->name);
        snprintf(number, sizeof number, "%llu", (unsigned long long)n);
        return feed(p, k->name, k->opt, number);
    case KEY_FLAG:
        if (!json_is_boolean(value))
            return config_error(p, "\"%s\": expected true or false", k->name);
        return json_is_false(value) || feed(p, k->name, k->opt, NULL);
    default: return feed_array(p, k, value);
    }
}

/* "platform": where the regions are read (file, process), or the TEE whose
 * evidence every report carries. */
static int set_platform(struct config_parser *p, json_t *value) {
    static const char *const tees[] = {"auto", "amd-sev-snp", "intel-tdx"};
    const char *name = json_string_value(value);
    if (name && strcmp(name, "file") == 0) return feed(p, "platform", ATTESTER_OPT_BACKEND, "file");
    if (name && strcmp(name, "process") == 0)
        return feed(p, "platform", ATTESTER_OPT_BACKEND, "process");
    for (size_t i = 0; name && i < sizeof tees / sizeof tees[0]; i++)
        if (strcmp(name, tees[i]) == 0) return feed(p, "platform", ATTESTER_OPT_PLATFORM, tees[i]);
    return config_error(p, "\"platform\": expected file, process, auto, amd-sev-snp or intel-tdx");
}

/* ---- the agent's own keys ---- */

static int set_string(struct config_parser *p, const char *key, json_t *value, int is_path,
                      char **out) {
    const char *text = json_string_value(value);
    if (!text || !*text) return config_error(p, "\"%s\": expected a non-empty string", key);
    *out = is_path ? resolved(p, text, 0) : strdup(text);
    return *out ? 1 : config_error(p, "out of memory");
}

static int set_seconds(struct config_parser *p, const char *key, json_t *value, int64_t *out,
                       int zero_ok) {
    if (!seconds_ms(value, out) || (!zero_ok && *out == 0))
        return config_error(p, "\"%s\": expected %s seconds (at most a week), e.g. 10 or 0.5", key,
                            zero_ok ? "a number of" : "a positive number of");
    return 1;
}

static int set_spool(struct config_parser *p, json_t *object) {
    const char *key;
    json_t *value;
    if (!json_is_object(object)) return config_error(p, "\"spool\": expected an object");
    json_object_foreach(object, key, value) {
        uint64_t *limit = strcmp(key, "maxReports") == 0 ? &p->cfg->limits.max_reports
                          : strcmp(key, "maxBytes") == 0 ? &p->cfg->limits.max_bytes
                                                         : NULL;
        if (strcmp(key, "dir") == 0) {
            if (!set_string(p, "spool.dir", value, 1, &p->cfg->spool_dir)) return 0;
        } else if (!limit) {
            return config_error(p, "unknown key \"spool.%s\"", cli_escaped(key));
        } else if (!count_value(value, limit) || *limit == 0) {
            return config_error(p, "\"spool.%s\": expected a positive integer", key);
        }
    }
    return p->cfg->spool_dir ? 1 : config_error(p, "\"spool\": missing \"dir\"");
}

static int set_agent_key(struct config_parser *p, const char *key, json_t *value) {
    struct agent_config *c = p->cfg;
    if (strcmp(key, "verifier") == 0) return set_string(p, key, value, 0, &c->verifier);
    if (strcmp(key, "tokenFile") == 0) return set_string(p, key, value, 1, &c->token_file);
    if (strcmp(key, "caFile") == 0) return set_string(p, key, value, 1, &c->ca_file);
    if (strcmp(key, "receipts") == 0) return set_string(p, key, value, 1, &c->receipts);
    if (strcmp(key, "interval") == 0) return set_seconds(p, key, value, &c->interval_ms, 1);
    if (strcmp(key, "connectTimeout") == 0)
        return set_seconds(p, key, value, &c->connect_timeout_ms, 0);
    if (strcmp(key, "timeout") == 0) return set_seconds(p, key, value, &c->timeout_ms, 0);
    if (strcmp(key, "spool") == 0) return set_spool(p, value);
    if (strcmp(key, "platform") == 0) return set_platform(p, value);
    return config_error(p, "unknown key \"%s\"", cli_escaped(key));
}

static int set_key(struct config_parser *p, const char *key, json_t *value) {
    for (size_t i = 0; i < sizeof attester_keys / sizeof attester_keys[0]; i++)
        if (strcmp(key, attester_keys[i].name) == 0) return feed_key(p, &attester_keys[i], value);
    return set_agent_key(p, key, value);
}

static int check_required(struct config_parser *p) {
    const struct agent_config *c = p->cfg;
    if (!c->verifier) return config_error(p, "missing \"verifier\" (the service's URL)");
    if (!c->attester.key_path) return config_error(p, "missing \"key\" (the signing key)");
    if (!c->attester.workload) return config_error(p, "missing \"workload\"");
    if (!c->spool_dir) return config_error(p, "missing \"spool\": {\"dir\": DIR}");
    if (strncmp(c->verifier, "http://", 7) != 0 && strncmp(c->verifier, "https://", 8) != 0)
        return config_error(p, "\"verifier\": expected an http:// or https:// URL");
    if (attester_options_check(&p->cfg->attester, AGENT_CMD) == CLI_EXIT_OK) return 1;
    return config_error(p, "refused (the options named above are its keys: --region is "
                           "\"regions\", --backend and --platform are \"platform\", "
                           "--readonly-files \"readonlyFiles\", the others have their names)");
}

static int parse_document(struct config_parser *p, const char *text, size_t len) {
    json_error_t error;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &error);
    if (!root)
        return config_error(p, "line %d, column %d: %s", error.line, error.column,
                            cli_escaped(error.text));
    int ok = json_is_object(root) ? 1 : config_error(p, "expected a JSON object");
    const char *key;
    json_t *value;
    json_object_foreach(root, key, value) {
        if (ok) ok = set_key(p, key, value);
    }
    json_decref(root);
    return ok && check_required(p);
}

int agent_config_parse(struct agent_config *c, const char *path, const char *text, size_t len) {
    struct config_parser p = {c, path, NULL};
    memset(c, 0, sizeof *c);
    attester_options_init(&c->attester);
    c->interval_ms = DEFAULT_INTERVAL_MS;
    c->limits.max_reports = DEFAULT_MAX_REPORTS;
    c->limits.max_bytes = DEFAULT_MAX_BYTES;
    const char *slash = strrchr(path, '/');
    if (slash) p.dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
    int ok = !slash || p.dir ? parse_document(&p, text, len) : config_error(&p, "out of memory");
    free(p.dir);
    return ok;
}

int agent_config_load(struct agent_config *c, const char *path) {
    char *text = NULL;
    size_t len = 0;
    memset(c, 0, sizeof *c);
    attester_options_init(&c->attester);
    pqcha_err err = cli_read_file(path, MAX_CONFIG_BYTES, &text, &len);
    if (err != PQCHA_OK) {
        cli_error(path, err, err == PQCHA_ERR_PERMISSION ? cli_file_permission_hint : NULL);
        return 0;
    }
    int ok = agent_config_parse(c, path, text, len); /* the options held nothing yet */
    free(text);
    return ok;
}
