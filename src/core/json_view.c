/* json_view.c — reading one JSON object's members by name (json_view.h). */
#include "json_view.h"

#include <stdlib.h>
#include <string.h>

#include "core/encoding.h"
#include "core/internal.h"

/* The slot of the current key in keys, or -1. */
static long key_slot(const pqcha__json_pull *p, const char *const *keys) {
    for (size_t i = 0; keys[i] != NULL; i++) {
        if (pqcha__json_text_equals(&p->text, keys[i])) return (long)i;
    }
    return -1;
}

/* The value whose first token the pull has just returned, into v. */
static pqcha_err take_value(pqcha__json_pull *p, pqcha__json_token t, pqcha__json_value *v) {
    v->type = t;
    v->lazy = p->lazy;
    if (t != PQCHA__JSON_OBJECT && t != PQCHA__JSON_ARRAY) {
        v->text = p->text;
        v->integer = p->integer;
        return PQCHA_OK;
    }
    size_t start = p->r.pos - 1; /* the opening bracket */
    PQCHA_TRY(pqcha__json_pull_skip(p, t));
    v->items = p->skipped_items;
    v->span = p->r.data + start;
    v->span_len = p->r.pos - start;
    return PQCHA_OK;
}

pqcha_err pqcha__json_view_object(pqcha__json_pull *p, const char *const *keys,
                                  pqcha__json_value *values) {
    size_t count = 0;
    while (keys[count] != NULL)
        count++;
    memset(values, 0, count * sizeof values[0]);
    for (;;) {
        pqcha__json_token t;
        PQCHA_TRY(pqcha__json_pull_next(p, &t));
        if (t == PQCHA__JSON_OBJECT_END) return PQCHA_OK;
        if (t != PQCHA__JSON_KEY) return PQCHA_ERR_JSON_SYNTAX; /* the tokenizer never does this */
        long slot = key_slot(p, keys);
        if (slot < 0) return PQCHA_ERR_UNKNOWN_FIELD;
        if (values[slot].type != PQCHA__JSON_END) return PQCHA_ERR_JSON_DUPLICATE_KEY;
        PQCHA_TRY(pqcha__json_pull_next(p, &t));
        PQCHA_TRY(take_value(p, t, &values[slot]));
    }
}

int pqcha__json_value_present(const pqcha__json_value *v) {
    return v->type != PQCHA__JSON_END;
}

pqcha_err pqcha__json_value_cstr(const pqcha__json_value *v, size_t max_len, char *buf, size_t cap,
                                 char **heap, const char **out) {
    *heap = NULL;
    if (v->type == PQCHA__JSON_END) return PQCHA_ERR_MISSING_FIELD;
    if (v->type != PQCHA__JSON_STRING) return PQCHA_ERR_WRONG_TYPE;
    size_t n = v->text.decoded_len;
    if (n > max_len) return PQCHA_ERR_TOO_LARGE;
    char *s = buf;
    if (n >= cap) {
        if ((s = *heap = malloc(n + 1)) == NULL) return PQCHA_ERR_NO_MEMORY;
    }
    pqcha__json_text_decode(&v->text, (uint8_t *)s);
    s[n] = '\0';
    *out = s;
    return PQCHA_OK;
}

pqcha_err pqcha__json_value_bytes(const pqcha__json_value *v, char **copy, const char **text,
                                  size_t *len) {
    *copy = NULL;
    if (v->type == PQCHA__JSON_END) return PQCHA_ERR_MISSING_FIELD;
    if (v->type != PQCHA__JSON_STRING) return PQCHA_ERR_WRONG_TYPE;
    *len = v->text.decoded_len;
    if (!v->text.escaped) {
        *text = (const char *)v->text.raw;
        return PQCHA_OK;
    }
    if ((*copy = malloc(*len + 1)) == NULL) return PQCHA_ERR_NO_MEMORY;
    pqcha__json_text_decode(&v->text, (uint8_t *)*copy);
    *text = *copy;
    return PQCHA_OK;
}

pqcha_err pqcha__json_value_base64(const pqcha__json_value *v, size_t max, uint8_t **out,
                                   size_t *out_len) {
    char *copy;
    const char *text;
    size_t len;
    PQCHA_TRY(pqcha__json_value_bytes(v, &copy, &text, &len));
    pqcha_err err = pqcha__base64_decode(out, out_len, text, len, max);
    free(copy);
    return err;
}

pqcha_err pqcha__json_value_hex(const pqcha__json_value *v, uint8_t *out, size_t out_len) {
    char *copy;
    const char *text;
    size_t len;
    PQCHA_TRY(pqcha__json_value_bytes(v, &copy, &text, &len));
    pqcha_err err = pqcha__hex_decode(out, out_len, text, len);
    free(copy);
    return err;
}

pqcha_err pqcha__json_value_uint(const pqcha__json_value *v, uint64_t max, uint64_t *out) {
    if (v->type == PQCHA__JSON_END) return PQCHA_ERR_MISSING_FIELD;
    if (v->type != PQCHA__JSON_NUMBER) return PQCHA_ERR_WRONG_TYPE;
    return pqcha__json_number_uint(&v->text, v->integer, max, out);
}

pqcha_err pqcha__json_value_bool(const pqcha__json_value *v, int *out) {
    if (v->type == PQCHA__JSON_END) return PQCHA_ERR_MISSING_FIELD;
    if (v->type != PQCHA__JSON_TRUE && v->type != PQCHA__JSON_FALSE) return PQCHA_ERR_WRONG_TYPE;
    *out = v->type == PQCHA__JSON_TRUE;
    return PQCHA_OK;
}

pqcha_err pqcha__json_value_open(const pqcha__json_value *v, pqcha__json_token type,
                                 unsigned max_depth, pqcha__json_pull *sub) {
    if (v->type == PQCHA__JSON_END) return PQCHA_ERR_MISSING_FIELD;
    if (v->type != type) return PQCHA_ERR_WRONG_TYPE;
    if (v->lazy)
        pqcha__json_pull_init_lazy(sub, v->span, v->span_len, max_depth);
    else
        pqcha__json_pull_init(sub, v->span, v->span_len, max_depth);
    pqcha__json_token first;
    return pqcha__json_pull_next(sub, &first);
}

pqcha_err pqcha__json_view_value(pqcha__json_pull *p, pqcha__json_token first,
                                 pqcha__json_value *v) {
    memset(v, 0, sizeof *v);
    return take_value(p, first, v);
}
