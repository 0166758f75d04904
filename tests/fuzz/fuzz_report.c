/* fuzz_report.c — libFuzzer target for the untrusted-input path of
 * `pqcha inspect` and `pqcha verify`: the envelope decoder and the statement
 * decoder. Every input is fed to both; whatever they return is freed, so
 * leaks and out-of-bounds reads show up under ASan. */
#include <stddef.h>
#include <stdint.h>

#include "core/report_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    pqcha_report *rep = NULL;
    if (pqcha_report_decode_unverified(&rep, (const char *)data, size) == PQCHA_OK) {
        /* A decoded report must re-encode: the decoder accepts nothing the
         * encoder would refuse. */
        char *text = NULL;
        if (pqcha__statement_encode(&text, NULL, rep) != PQCHA_OK) __builtin_trap();
        pqcha_free(text);
    }
    pqcha_report_free(rep);

    rep = NULL;
    if (pqcha__statement_decode(&rep, data, size) == PQCHA_OK) {
        char *text = NULL;
        if (pqcha__statement_encode(&text, NULL, rep) != PQCHA_OK) __builtin_trap();
        pqcha_free(text);
    }
    pqcha_report_free(rep);

    char *pretty = NULL, *key_id = NULL;
    size_t sig_len = 0;
    if (pqcha_envelope_describe(&pretty, &key_id, &sig_len, (const char *)data, size) == PQCHA_OK) {
        pqcha_free(pretty);
        pqcha_free(key_id);
    }
    return 0;
}
