/* model_parser_fuzz.h — the body shared by the libFuzzer targets of the
 * model-file header parsers (fuzz_gguf.c, fuzz_safetensors.c).
 *
 * The input is a whole file. It is parsed once with all of it as the head,
 * and once through the "need more bytes" protocol from a short head; both
 * must agree. A table that parses must satisfy the parser's own promises
 * (sorted, inside the file, per-tensor rules) and encode as a manifest entry. */
#ifndef PQCHA_MODEL_PARSER_FUZZ_H
#define PQCHA_MODEL_PARSER_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/manifest.h"
#include "core/model_parsers.h"

typedef pqcha_err (*model_parser)(pqcha__tensor **tensors, size_t *count, size_t *need,
                                  const uint8_t *head, size_t head_len, uint64_t file_size);

typedef struct model_parser_target {
    model_parser parse;
    pqcha_err (*tensor_check)(const pqcha__tensor *t);
    const char *file_name; /* for the manifest entry the table must encode as */
    const char *format;
    size_t first_head; /* bytes the incremental parse starts from */
} model_parser_target;

static void check_table(const model_parser_target *target, const pqcha__tensor *t, size_t count,
                        uint64_t size) {
    pqcha__model_file f;
    memset(&f, 0, sizeof f);
    for (size_t i = 0; i < count; i++) {
        if (t[i].offset > size || t[i].size > size - t[i].offset) __builtin_trap();
        if (i > 0 && t[i].offset < t[i - 1].offset + t[i - 1].size) __builtin_trap();
        if (target->tensor_check(&t[i]) != PQCHA_OK) __builtin_trap();
    }
    f.name = (char *)(uintptr_t)target->file_name;
    f.format = (char *)(uintptr_t)target->format;
    f.size = size;
    f.tensors = (pqcha__tensor *)(uintptr_t)t;
    f.tensor_count = count;
    json_t *obj = NULL;
    if (pqcha__model_file_encode(&obj, &f) != PQCHA_OK) __builtin_trap();
    json_decref(obj);
}

/* Starting from a short head, grows it as the parser asks. */
static pqcha_err parse_incrementally(const model_parser_target *target, const uint8_t *data,
                                     size_t size, size_t *count_out) {
    size_t head = size < target->first_head ? size : target->first_head;
    for (;;) {
        pqcha__tensor *t = NULL;
        size_t count = 0, need = 0;
        pqcha_err err = target->parse(&t, &count, &need, data, head, size);
        pqcha__tensors_free(t, count);
        if (err != PQCHA_ERR_TOO_LARGE || need <= head) {
            *count_out = count;
            return err;
        }
        if (need > size) __builtin_trap(); /* asked for bytes the file does not have */
        head = need;
    }
}

static int fuzz_model_parser(const model_parser_target *target, const uint8_t *data, size_t size) {
    pqcha__tensor *t = NULL;
    size_t count = 0, need = 0;
    pqcha_err err = target->parse(&t, &count, &need, data, size, size);
    if (err == PQCHA_OK)
        check_table(target, t, count, size);
    else if (t != NULL || count != 0)
        __builtin_trap();
    pqcha__tensors_free(t, count);

    size_t count2 = 0;
    if (parse_incrementally(target, data, size, &count2) != err || count2 != count)
        __builtin_trap();
    return 0;
}

#endif
