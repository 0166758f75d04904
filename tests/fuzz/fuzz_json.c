/* fuzz_json.c — libFuzzer target for the pull tokenizer (json_pull.h),
 * differential against jansson: both must accept and refuse the same texts
 * (numbers jansson cannot hold aside: a range question, not syntax), and on
 * what both accept the scan must count exactly the values, keys and decoded
 * string bytes of jansson's tree. Mismatches trap. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/json_pull.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct tree_counts {
    size_t objects, arrays, members, array_items, strings, string_bytes, numbers, literals;
} tree_counts;

static void count_tree(json_t *v, int in_array, tree_counts *c) {
    c->array_items += (size_t)in_array;
    if (json_is_object(v)) {
        const char *key;
        size_t key_len;
        json_t *member;
        c->objects++;
        json_object_keylen_foreach(v, key, key_len, member) {
            c->members++;
            c->string_bytes += key_len;
            count_tree(member, 0, c);
        }
    } else if (json_is_array(v)) {
        c->arrays++;
        for (size_t i = 0; i < json_array_size(v); i++)
            count_tree(json_array_get(v, i), 1, c);
    } else if (json_is_string(v)) {
        c->strings++;
        c->string_bytes += json_string_length(v);
    } else if (json_is_number(v)) {
        c->numbers++;
    } else {
        c->literals++;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    pqcha__json_stats st;
    pqcha_err pull = pqcha__json_scan(data, size, PQCHA__JSON_MAX_DEPTH, &st);
    int pull_ok = pull == PQCHA_OK;
    json_error_t e;
    /* Duplicate keys allowed: the tokenizer leaves them to the decoder. */
    json_t *root = json_loadb((const char *)data, size, JSON_DECODE_ANY, &e);
    if (root == NULL) {
        int range = json_error_code(&e) == json_error_numeric_overflow;
        /* jansson's own depth limit (2048) is above the tokenizer's. */
        if (pull_ok && !range) __builtin_trap();
        return 0;
    }
    if (!pull_ok && memchr(data, '\0', size) != NULL) {
        /* jansson takes a NUL byte after a top-level number for the end of
         * its input ("6\0"); after an object, what pqcha parses, it refuses
         * it (test_json.c). The tokenizer refuses both. */
        json_decref(root);
        return 0;
    }
    if (!pull_ok) {
        /* Only nesting beyond the tokenizer's ceiling may separate them. */
        if (pull != PQCHA_ERR_JSON_TOO_COMPLEX) __builtin_trap();
        json_decref(root);
        return 0;
    }
    tree_counts c;
    memset(&c, 0, sizeof c);
    count_tree(root, 0, &c);
    json_decref(root);
    /* jansson keeps the last of duplicate keys: members and what they hold
     * can only be fewer there. Without duplicates they must be equal. */
    if (c.objects > st.objects || c.arrays > st.arrays || c.members > st.members ||
        c.strings > st.strings || c.numbers > st.numbers || c.literals > st.literals)
        __builtin_trap();
    if (c.members == st.members &&
        (c.objects != st.objects || c.arrays != st.arrays || c.array_items != st.array_items ||
         c.strings != st.strings || c.string_bytes != st.string_bytes || c.numbers != st.numbers ||
         c.literals != st.literals))
        __builtin_trap();
    return 0;
}
