/* fuzz_json_pretty.c — libFuzzer target for the streaming pretty printer
 * (json_pretty.h), which `pqcha inspect` runs on untrusted payloads,
 * differential against jansson: what it prints must be JSON that jansson
 * reads back as the same value as the input; when the input's keys are in
 * sorted order (as pqcha writes them), the text must be jansson's own
 * pretty output byte for byte; and a document jansson refuses as malformed
 * must not be printed. Mismatches trap. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/json_pretty.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every object's keys in strcmp order (jansson's JSON_SORT_KEYS order). */
static int keys_sorted(json_t *v) {
    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++)
            if (!keys_sorted(json_array_get(v, i))) return 0;
        return 1;
    }
    if (!json_is_object(v)) return 1;
    const char *key, *previous = NULL;
    json_t *member;
    json_object_foreach(v, key, member) {
        if (previous != NULL && strcmp(previous, key) > 0) return 0;
        if (!keys_sorted(member)) return 0;
        previous = key;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *pretty = NULL;
    size_t pretty_len = 0;
    pqcha_err err = pqcha__json_pretty(&pretty, &pretty_len, data, size, 12);
    /* jansson keeps members in document order (it sorts only when dumping). */
    json_t *input = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (err == PQCHA_OK) {
        if (pretty == NULL || strlen(pretty) != pretty_len) __builtin_trap();
        /* Read back allowing repeated keys: the printer prints a key
         * repeated away from its twin (json_pretty.h), which the input's own
         * read (input == NULL then) refuses. */
        json_t *back = json_loadb(pretty, pretty_len, 0, NULL);
        if (back == NULL) __builtin_trap(); /* printed something that is not JSON */
        if (input != NULL && !json_equal(input, back)) __builtin_trap();
        if (input != NULL && keys_sorted(input)) {
            char *reference = NULL;
            if (pqcha__json_dump(&reference, NULL, input, PQCHA__JSON_PRETTY) == PQCHA_OK &&
                strcmp(reference, pretty) != 0)
                __builtin_trap();
            free(reference);
        }
        json_decref(back);
    } else if (pretty != NULL) {
        __builtin_trap(); /* an error leaves no output */
    }
    /* Whatever jansson finds malformed is never printed (the reverse need
     * not hold: the printer refuses deeper nesting and larger outputs). */
    if (input == NULL && err == PQCHA_OK) {
        json_error_t why;
        json_t *again = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &why);
        /* Numbers beyond jansson's range are the printer's OUT_OF_RANGE too;
         * only adjacent duplicate keys are caught by the printer. */
        if (again == NULL && json_error_code(&why) != json_error_duplicate_key) __builtin_trap();
        json_decref(again);
    }
    json_decref(input);
    free(pretty);
    return 0;
}
