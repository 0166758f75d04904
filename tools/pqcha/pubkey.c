/* pubkey.c — "pqcha pubkey": the public half (or the key id) of a key file. */
#include <getopt.h>
#include <string.h>

#include "cli.h"

static const char pubkey_help[] =
    "Usage: pqcha pubkey [--id] [-o PUB.pem [--force]] KEY.pem\n"
    "\n"
    "Reads an ML-DSA key file (private or public PEM) and prints its public key\n"
    "in PEM form, or only its key id with --id. Warns (without failing) when a\n"
    "private key file is readable by group or others.\n"
    "\n"
    "Options:\n"
    "  -i, --id           print the key id (64 hex characters) instead of the PEM\n"
    "  -o, --output PATH  write the public key PEM to PATH (mode 0644) instead of stdout\n"
    "  -f, --force        with -o, replace an existing file\n"
    "  -h, --help         show this help\n"
    "\n"
    "Exit codes: 0 success; 4 bad option, unreadable or invalid key, or I/O error.\n";

static int print_public_pem(const pqcha_key *key) {
    char *pem = NULL;
    size_t pem_len = 0;
    int ok;
    pqcha_err err = pqcha_key_public_pem(&pem, &pem_len, key);

    if (err != PQCHA_OK) {
        cli_error("public key", err, NULL);
        return CLI_EXIT_USAGE;
    }
    ok = cli_write_output(NULL, pem, pem_len);
    pqcha_free(pem);
    return ok ? CLI_EXIT_OK : CLI_EXIT_USAGE;
}

int cli_pubkey_main(int argc, char **argv) {
    static const struct option options[] = {
        {"id", no_argument, NULL, 'i'},
        {"output", required_argument, NULL, 'o'},
        {"force", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *output = NULL;
    int id_only = 0, force = 0, opt, status = CLI_EXIT_OK;
    pqcha_key *key;

    while ((opt = getopt_long(argc, argv, "io:fh", options, NULL)) != -1) {
        switch (opt) {
        case 'i': id_only = 1; break;
        case 'o': output = optarg; break;
        case 'f': force = 1; break;
        case 'h': fputs(pubkey_help, stdout); return CLI_EXIT_OK;
        default: return cli_try_help("pubkey");
        }
    }
    if (argc - optind != 1) return cli_usage_error("pubkey", "expected exactly one key file");

    key = cli_load_key(argv[optind], CLI_KEY_ANY);
    if (key == NULL) return CLI_EXIT_USAGE;
    if (id_only) {
        printf("%s\n", pqcha_key_id(key));
    } else if (output != NULL && strcmp(output, "-") != 0) {
        pqcha_err err = pqcha_key_save_public(key, output, force);
        if (err != PQCHA_OK) {
            cli_error(output, err, cli_hint_for(err));
            status = CLI_EXIT_USAGE;
        }
    } else {
        status = print_public_pem(key);
    }
    pqcha_key_free(key);
    return status;
}
