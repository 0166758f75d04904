/* fuzz_manifest.c — libFuzzer target for the manifest decoder. A manifest
 * that decodes must encode, and the encoding must decode to the same text
 * again: the decoder accepts nothing the encoder would refuse. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pqcha.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    pqcha_manifest *m = NULL;
    if (pqcha_manifest_parse(&m, (const char *)data, size) != PQCHA_OK) {
        if (m != NULL) __builtin_trap();
        return 0;
    }
    char *text = NULL;
    if (pqcha_manifest_to_json(&text, m) != PQCHA_OK) __builtin_trap();
    pqcha_manifest *again = NULL;
    if (pqcha_manifest_parse(&again, text, strlen(text)) != PQCHA_OK) __builtin_trap();
    char *text2 = NULL;
    if (pqcha_manifest_to_json(&text2, again) != PQCHA_OK || strcmp(text, text2) != 0)
        __builtin_trap();
    for (size_t i = 0; i < pqcha_manifest_file_count(m); i++)
        if (pqcha_manifest_file_name(m, i) == NULL || pqcha_manifest_file_digest_hex(m, i) == NULL)
            __builtin_trap();
    pqcha_free(text2);
    pqcha_free(text);
    pqcha_manifest_free(again);
    pqcha_manifest_free(m);
    return 0;
}
