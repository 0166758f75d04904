/* reply.c — the service's replies (reply.h). */
#include "service/reply.h"

#include <stdlib.h>
#include <string.h>

void service_reply_clear(service_reply *r) {
    if (!r) return;
    free(r->body);
    memset(r, 0, sizeof *r);
}

pqcha_err service_reply_bytes(service_reply *out, unsigned status, const char *type, char *body,
                              size_t len) {
    memset(out, 0, sizeof *out);
    if (!body) return PQCHA_ERR_NO_MEMORY;
    out->status = status;
    out->content_type = type;
    out->body = body;
    out->body_len = len;
    return PQCHA_OK;
}

pqcha_err service_reply_text(service_reply *out, unsigned status, const char *type, char *body) {
    return service_reply_bytes(out, status, type, body, body ? strlen(body) : 0);
}

pqcha_err service_reply_json(service_reply *out, unsigned status, json_t *value) {
    char *text = value ? json_dumps(value, JSON_COMPACT) : NULL;
    json_decref(value);
    return service_reply_text(out, status, "application/json", text);
}

pqcha_err service_error_reply(service_reply *out, unsigned status, const char *name,
                              const char *message) {
    return service_reply_json(out, status,
                              json_pack("{s:s, s:s}", "error", name, "message", message));
}
