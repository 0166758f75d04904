/* keygen.c — "pqcha keygen": a new ML-DSA key pair on disk. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char keygen_help[] =
    "Usage: pqcha keygen [--algorithm ALG] [--force] [--pub PUB.pem] -o KEY.pem\n"
    "\n"
    "Generates an ML-DSA (FIPS 204) key pair. The private key is written to KEY.pem\n"
    "with mode 0600, the public key to KEY.pub.pem (or --pub), and the key id\n"
    "(SHA3-256 of the public key's DER SubjectPublicKeyInfo) is printed on stdout.\n"
    "Both files are published together: a failure or a kill at any moment leaves\n"
    "the previous pair (or none) or the new pair, never one of each.\n"
    "\n"
    "Options:\n"
    "  -a, --algorithm ALG  ML-DSA-44, ML-DSA-65 (default) or ML-DSA-87 (CNSA 2.0)\n"
    "  -o, --output KEY     where to write the private key (required)\n"
    "  -p, --pub PATH       where to write the public key (default: KEY with .pem\n"
    "                       replaced by .pub.pem, or KEY.pub.pem)\n"
    "  -f, --force          replace existing files (otherwise refuse)\n"
    "  -h, --help           show this help\n"
    "\n"
    "Exit codes: 0 written; 4 bad option, a file exists without --force, or I/O error.\n";

/* KEY.pem -> KEY.pub.pem; any other name gets ".pub.pem" appended. */
static char *default_public_path(const char *private_path) {
    size_t len = strlen(private_path);
    size_t stem = len;
    char *out;

    if (len > 4 && strcmp(private_path + len - 4, ".pem") == 0) stem = len - 4;
    out = malloc(stem + sizeof(".pub.pem"));
    if (out != NULL) {
        memcpy(out, private_path, stem);
        memcpy(out + stem, ".pub.pem", sizeof(".pub.pem"));
    }
    return out;
}

/* Both files are published together (pqcha_key_save_pair): a failure or a
 * kill leaves the previous pair, or none, exactly as it was. The error names
 * the file that exists when nothing was written for that reason. */
static int write_key_pair(const pqcha_key *key, const char *private_path, const char *public_path,
                          int force) {
    pqcha_err err = pqcha_key_save_pair(key, private_path, public_path, force);

    if (err == PQCHA_OK) return CLI_EXIT_OK;
    if (err == PQCHA_ERR_FILE_EXISTS) {
        cli_error(cli_path_exists(private_path) ? private_path : public_path, err,
                  cli_hint_for(err));
        return CLI_EXIT_USAGE;
    }
    cli_errorf("writing the key pair %s and %s: %s", cli_escaped(private_path),
               cli_escaped(public_path), pqcha_strerror(err));
    return CLI_EXIT_USAGE;
}

int cli_keygen_main(int argc, char **argv) {
    static const struct option options[] = {
        {"algorithm", required_argument, NULL, 'a'},
        {"output", required_argument, NULL, 'o'},
        {"pub", required_argument, NULL, 'p'},
        {"force", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    pqcha_sig_alg alg = PQCHA_ML_DSA_65;
    const char *private_path = NULL, *public_option = NULL;
    char *public_path = NULL;
    pqcha_key *key = NULL;
    pqcha_err err;
    int force = 0, opt, status;

    while ((opt = getopt_long(argc, argv, "a:o:p:fh", options, NULL)) != -1) {
        switch (opt) {
        case 'a':
            if (pqcha_sig_alg_parse(&alg, optarg) != PQCHA_OK)
                return cli_usage_error(
                    "keygen", "--algorithm '%s': expected ML-DSA-44, ML-DSA-65 or ML-DSA-87",
                    optarg);
            break;
        case 'o': private_path = optarg; break;
        case 'p': public_option = optarg; break;
        case 'f': force = 1; break;
        case 'h': fputs(keygen_help, stdout); return CLI_EXIT_OK;
        default: return cli_try_help("keygen");
        }
    }
    if (optind < argc)
        return cli_usage_error("keygen", "unexpected argument '%s'", cli_escaped(argv[optind]));
    if (private_path == NULL)
        return cli_usage_error("keygen", "missing -o KEY.pem (where to write the private key)");

    public_path = public_option ? strdup(public_option) : default_public_path(private_path);
    if (public_path == NULL) {
        cli_error("keygen", PQCHA_ERR_NO_MEMORY, NULL);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(public_path, private_path) == 0) {
        free(public_path);
        return cli_usage_error("keygen",
                               "the public key path must differ from the private key path");
    }

    err = pqcha_key_generate(&key, alg);
    if (err != PQCHA_OK) {
        cli_error("generating a key", err, NULL);
        free(public_path);
        return CLI_EXIT_USAGE;
    }
    status = write_key_pair(key, private_path, public_path, force);
    if (status == CLI_EXIT_OK) printf("%s\n", pqcha_key_id(key));
    pqcha_key_free(key);
    free(public_path);
    return status;
}
