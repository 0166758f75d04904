/* tlog_encoding.c — SHA-256 and base64 for the log's users outside the
 * library (the service names a report by the SHA-256 of its bytes; receipts
 * carry entries and proof hashes in base64): public names for what tlog.c
 * and encoding.c already compute. */
#include "core/encoding.h"
#include "core/internal.h"
#include "core/tlog_internal.h"

pqcha_err pqcha_sha256(uint8_t out[PQCHA_SHA256_LEN], const void *data, size_t len) {
    if (out == NULL || (data == NULL && len > 0)) return PQCHA_ERR_INVALID_ARGUMENT;
    return pqcha__sha256_once(out, data, len);
}

pqcha_err pqcha_base64_encode(char **out, size_t *out_len, const uint8_t *in, size_t len) {
    if (out_len != NULL) *out_len = 0;
    return pqcha__base64_encode(out, out_len, in, len);
}

pqcha_err pqcha_base64_decode(uint8_t **out, size_t *out_len, const char *text, size_t len,
                              size_t max_out) {
    if (out != NULL) *out = NULL;
    if (out_len != NULL) *out_len = 0;
    if (text == NULL && len == 0) text = "";
    return pqcha__base64_decode(out, out_len, text, len, max_out);
}
