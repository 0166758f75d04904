/* model_header.c — reading the header of a model file (model_header.h). */
#include "io/model_header.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/internal.h"
#include "core/reader.h"
#include "io/fileio.h"

#define FIRST_HEAD_BYTES     (1u * 1024u * 1024u)
#define SAFETENSORS_MIN_FILE 10u /* length, "{}" */

typedef pqcha_err (*header_parser)(pqcha__tensor **, size_t *, size_t *, const uint8_t *, size_t,
                                   uint64_t, pqcha__diag *);

pqcha_err pqcha__read_exact_at(int fd, uint8_t *buf, size_t len, uint64_t offset) {
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(fd, buf + done, len - done, (off_t)(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return pqcha__errno_to_err(errno, PQCHA_ERR_IO);
        if (n == 0) return PQCHA_ERR_REGION_CHANGED;
        done += (size_t)n;
    }
    return PQCHA_OK;
}

/* GGUF by its magic; safetensors by a header length that fits the file and a
 * header that opens a JSON object. Anything else is a raw file. */
static const char *detect_format(const uint8_t *head, size_t head_len, uint64_t file_size) {
    if (head_len >= 4 && memcmp(head, "GGUF", 4) == 0) return "gguf";
    pqcha__reader r;
    uint64_t n = 0;
    pqcha__reader_init(&r, head, head_len);
    if (head_len >= SAFETENSORS_MIN_FILE && pqcha__reader_u64le(&r, &n)) {
        if (n >= 2 && n <= PQCHA__SAFETENSORS_MAX_HEADER && n <= file_size - 8 && head[8] == '{')
            return "safetensors";
    }
    return "raw";
}

/* Grows the head to at least need bytes (geometrically, so a parser
 * restarted after each growth costs linear time overall), within the file
 * and the cap. */
static pqcha_err grow_head(pqcha__model_header *h, int fd, size_t need, uint64_t file_size) {
    if (need > PQCHA__MAX_MODEL_HEADER || need > file_size) return PQCHA_ERR_TOO_LARGE;
    size_t want = h->head_len * 2 > need ? h->head_len * 2 : need;
    if (want > PQCHA__MAX_MODEL_HEADER) want = PQCHA__MAX_MODEL_HEADER;
    if (want > file_size) want = (size_t)file_size;
    uint8_t *grown = realloc(h->head, want);
    if (grown == NULL) return PQCHA_ERR_NO_MEMORY;
    h->head = grown;
    PQCHA_TRY(pqcha__read_exact_at(fd, grown + h->head_len, want - h->head_len, h->head_len));
    h->head_len = want;
    return PQCHA_OK;
}

/* Parses the tensor table, reading more of the file while the parser asks. */
static pqcha_err parse_table(pqcha__model_header *h, header_parser parse, int fd,
                             uint64_t file_size, pqcha__diag *diag) {
    for (;;) {
        size_t need = 0;
        pqcha_err err =
            parse(&h->tensors, &h->tensor_count, &need, h->head, h->head_len, file_size, diag);
        if (err != PQCHA_ERR_TOO_LARGE || need <= h->head_len)
            return err; /* done, malformed, or a cap of the format itself */
        PQCHA_TRY(grow_head(h, fd, need, file_size));
    }
}

pqcha_err pqcha__model_header_read(pqcha__model_header *out, int fd, uint64_t file_size,
                                   pqcha__diag *diag) {
    if (out == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    memset(out, 0, sizeof *out);
    out->format = "raw";
    out->head_len = file_size < FIRST_HEAD_BYTES ? (size_t)file_size : FIRST_HEAD_BYTES;
    out->head = malloc(out->head_len ? out->head_len : 1);
    if (out->head == NULL) return PQCHA_ERR_NO_MEMORY;
    pqcha_err err = pqcha__read_exact_at(fd, out->head, out->head_len, 0);
    if (err == PQCHA_OK) out->format = detect_format(out->head, out->head_len, file_size);
    if (err == PQCHA_OK && strcmp(out->format, "raw") != 0)
        err = parse_table(out,
                          strcmp(out->format, "gguf") == 0 ? pqcha__gguf_parse_diag
                                                           : pqcha__safetensors_parse_diag,
                          fd, file_size, diag);
    if (err != PQCHA_OK) pqcha__model_header_clear(out);
    return err;
}

void pqcha__model_header_clear(pqcha__model_header *h) {
    if (h == NULL) return;
    pqcha__tensors_free(h->tensors, h->tensor_count);
    free(h->head);
    memset(h, 0, sizeof *h);
    h->format = "raw";
}
