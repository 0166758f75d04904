/* fuzz_safetensors.c — libFuzzer target for the safetensors header parser
 * (the checks are in model_parser_fuzz.h). The incremental parse starts from
 * the 8-byte length plus the header's first byte. */
#include "model_parser_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const model_parser_target safetensors = {pqcha__safetensors_parse,
                                                    pqcha__safetensors_tensor_check,
                                                    "fuzz.safetensors", "safetensors", 9};
    return fuzz_model_parser(&safetensors, data, size);
}
