/* fuzz_gguf.c — libFuzzer target for the GGUF header parser:
 * the input is a whole file. It is parsed once with all of it as the head,
 * and once through the "need more bytes" protocol from a short head; both
 * must agree. A table that parses must satisfy the parser's own promises
 * (sorted, inside the file, per-tensor rules) and encode as a manifest entry. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_table(const pqcha__tensor *t, size_t count, uint64_t size) {
    pqcha__model_file f;
    memset(&f, 0, sizeof f);
    for (size_t i = 0; i < count; i++) {
        if (t[i].offset > size || t[i].size > size - t[i].offset)
            __builtin_trap();
        if (i > 0 && t[i].offset < t[i - 1].offset + t[i - 1].size)
            __builtin_trap();
        if (pqcha__gguf_tensor_check(&t[i]) != PQCHA_OK)
            __builtin_trap();
    }
    f.name = "fuzz.gguf";
    f.format = "gguf";
    f.size = size;
    f.tensors = (pqcha__tensor *)(uintptr_t)t;
    f.tensor_count = count;
    json_t *obj = NULL;
    if (pqcha__model_file_encode(&obj, &f) != PQCHA_OK)
        __builtin_trap();
    json_decref(obj);
}

/* Starting from an empty head, grows it as the parser asks. */
static pqcha_err parse_incrementally(const uint8_t *data, size_t size, size_t *count_out) {
    size_t head = 0;
    for (;;) {
        pqcha__tensor *t = NULL;
        size_t count = 0, need = 0;
        pqcha_err err = pqcha__gguf_parse(&t, &count, &need, data, head, size);
        pqcha__tensors_free(t, count);
        if (err != PQCHA_ERR_TOO_LARGE || need <= head) {
            *count_out = count;
            return err;
        }
        if (need > size)
            __builtin_trap(); /* asked for bytes the file does not have */
        head = need;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    pqcha__tensor *t = NULL;
    size_t count = 0, need = 0;
    pqcha_err err = pqcha__gguf_parse(&t, &count, &need, data, size, size);
    if (err == PQCHA_OK)
        check_table(t, count, size);
    else if (t != NULL || count != 0)
        __builtin_trap();
    pqcha__tensors_free(t, count);

    size_t count2 = 0;
    if (parse_incrementally(data, size, &count2) != err || count2 != count)
        __builtin_trap();
    return 0;
}
