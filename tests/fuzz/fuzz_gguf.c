/* fuzz_gguf.c — libFuzzer target for the GGUF header parser (the checks are
 * in model_parser_fuzz.h). The incremental parse starts from an empty head. */
#include "model_parser_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const model_parser_target gguf = {pqcha__gguf_parse, pqcha__gguf_tensor_check,
                                             "fuzz.gguf", "gguf", 0};
    return fuzz_model_parser(&gguf, data, size);
}
